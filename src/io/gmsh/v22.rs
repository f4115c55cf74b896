//! MSH 2.2 ASCII reader.
//!
//! `$Nodes`: `id x y z` per line. `$Elements`: `id type ntags tag… node…` per line, where the
//! first tag is the physical group and the second the elementary entity.

use super::{
    apply_names, attach_fields, clip, element_kind, expect_end, parse_data_section, parse_physical_names, skip_section,
    to_internal, unsupported_message, ElementKind, PhysicalNames, SKIPPED_SECTIONS,
};
use crate::io::text::{capacity, parse_coord, utf8, Fields, Lines};
use crate::io::ReadError;
use crate::mesh::{RawFace, RawMesh, RawNode, SourceLoc, SurfaceKey};

pub(super) fn parse(bytes: &[u8], source: &str) -> Result<RawMesh, ReadError> {
    let text = utf8(bytes, source)?;
    let mut lines = Lines::new(text, source);
    let mut raw = RawMesh::default();
    let mut names = PhysicalNames::new();
    let (mut node_data, mut cell_data) = (Vec::new(), Vec::new());
    let (mut seen_nodes, mut seen_elements) = (false, false);
    while let Some((l, line)) = lines.next_line() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some(section) = line.strip_prefix('$') else {
            return Err(lines.error(l, format!("unexpected text '{}' outside a section", clip(line))));
        };
        match section {
            "MeshFormat" => skip_section(&mut lines, "MeshFormat", l)?,
            "PhysicalNames" => names = parse_physical_names(&mut lines)?,
            "Nodes" => {
                read_nodes(&mut lines, &mut raw, text.len())?;
                seen_nodes = true;
            }
            "Elements" => {
                read_elements(&mut lines, &mut raw)?;
                seen_elements = true;
            }
            "NodeData" => node_data.push(parse_data_section(&mut lines, "NodeData")?),
            "ElementData" => cell_data.push(parse_data_section(&mut lines, "ElementData")?),
            s if SKIPPED_SECTIONS.contains(&s) => skip_section(&mut lines, s, l)?,
            s => {
                return Err(lines.error(
                    l,
                    format!("unknown section ${}: the file is corrupt or not MSH 2.2; re-export it from Gmsh", clip(s)),
                ))
            }
        }
    }
    if !seen_nodes || !seen_elements {
        let missing = if seen_nodes { "$Elements" } else { "$Nodes" };
        return Err(lines.truncated(text.lines().count(), &format!("the mesh (no {missing} section)")));
    }
    apply_names(&mut raw, names);
    attach_fields(&mut raw, node_data, cell_data);
    Ok(raw)
}

fn read_nodes(lines: &mut Lines, raw: &mut RawMesh, text_len: usize) -> Result<(), ReadError> {
    let src = lines.source();
    let (l, line) = lines.require("the node count")?;
    let count: usize = Fields::new(src, l, line).parse("the number of nodes")?;
    raw.nodes.reserve(capacity(count, text_len, 8));
    for _ in 0..count {
        let (l, line) = lines.require("the nodes")?;
        let mut f = Fields::new(src, l, line);
        let id: u64 = f.parse("a node id")?;
        let at = SourceLoc::Line(l);
        let mut x = [0.0; 3];
        for (k, c) in x.iter_mut().enumerate() {
            *c = parse_coord(src, at, f.next_str(), ["the x coordinate", "the y coordinate", "the z coordinate"][k])?;
        }
        raw.nodes.push(RawNode { id, x, at });
    }
    expect_end(lines, "Nodes")
}

fn read_elements(lines: &mut Lines, raw: &mut RawMesh) -> Result<(), ReadError> {
    let src = lines.source();
    let (l, line) = lines.require("the element count")?;
    let count: usize = Fields::new(src, l, line).parse("the number of elements")?;
    let mut skipped = 0usize;
    for _ in 0..count {
        let (l, line) = lines.require("the elements")?;
        let at = SourceLoc::Line(l);
        let mut f = Fields::new(src, l, line);
        let id: u64 = f.parse("an element id")?;
        let t: i64 = f.parse("an element type")?;
        let ntags: usize = f.parse("the number of tags")?;
        if ntags > 64 {
            return Err(lines.error(l, format!("element {id} claims {ntags} tags: the line is corrupt")));
        }
        let tags = (0..ntags).map(|_| f.parse::<i32>("an element tag")).collect::<Result<Vec<_>, _>>()?;
        let (kind, n) = element_kind(t).ok_or_else(|| {
            lines.error(l, format!("element {id} has unknown element type {t}: the file is corrupt or from an unsupported Gmsh extension"))
        })?;
        let nodes = (0..n).map(|_| f.parse::<u64>("a node id of the element")).collect::<Result<Vec<_>, _>>()?;
        if let Some(extra) = f.rest().next() {
            return Err(lines.error(
                l,
                format!("element {id} (type {t}) has an extra field '{}' after its {n} nodes", clip(extra)),
            ));
        }
        let physical = tags.first().copied().filter(|&p| p != 0);
        let elementary = tags.get(1).copied().unwrap_or(0);
        match kind {
            ElementKind::Cell(kind) => {
                raw.cells.push_nodes(id, kind, &to_internal(kind, &nodes), physical.unwrap_or(elementary), at)
            }
            ElementKind::Face(_) => {
                let surface = match physical {
                    Some(p) => SurfaceKey::Tag(p),
                    None => SurfaceKey::Name(format!("entity_{elementary}")),
                };
                raw.faces.push(RawFace { nodes, surface, at });
            }
            ElementKind::Skip(_) => skipped += 1,
            ElementKind::Unsupported(name) => {
                return Err(lines.error(l, format!("element {id}: {}", unsupported_message(name, t))))
            }
        }
    }
    if skipped > 0 {
        raw.notes
            .push(format!("{skipped} point/line/quadrangle element(s) were skipped (not used by a tetrahedral mesh)"));
    }
    expect_end(lines, "Elements")
}
