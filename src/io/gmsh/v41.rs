//! MSH 4.1 binary reader on top of `mshio`, which parses `$Entities`, `$Nodes` and `$Elements`;
//! `$PhysicalNames` is read here. (ASCII files have their own streaming reader,
//! [`super::v41_ascii`].)
//!
//! `mshio` keeps node tags only when they are sparse; when they are contiguous, nodes are
//! numbered from the section's minimum tag in file order, which is how Gmsh writes them.
//! `mshio` reports no positions, so errors about entities name their tags instead.

use std::collections::{BTreeMap, HashMap};

use mshio::error::MshParserErrorKind;
use mshio::mshfile::{Elements, Entities, Nodes};

use super::{apply_names, element_kind, parse_physical_names, to_internal, unsupported_message, ElementKind};
use crate::io::text::Lines;
use crate::io::ReadError;
use crate::mesh::{RawFace, RawMesh, RawNode, SourceLoc, SurfaceKey};

pub(super) fn parse(bytes: &[u8], source: &str) -> Result<RawMesh, ReadError> {
    let input = super::sections::prepare(bytes, source)?;
    let parsed = crate::io::contain::contained(|| mshio::parse_msh_bytes(&input.bytes)).ok_or_else(|| {
        ReadError::syntax(
            source,
            SourceLoc::Unknown,
            "the MSH 4.1 parser failed on malformed data; re-export the file from Gmsh",
        )
    })?;
    let msh = parsed.map_err(|e| {
        let (offset, kind) = match e.begin_msh_errors().next() {
            Some((rest, kind)) => (input.original(input.bytes.len() - rest.len()), Some(kind.clone())),
            None => (bytes.len(), None),
        };
        let contexts: Vec<String> = e
            .filter_msh_errors()
            .filter_map(|(_, k)| match k {
                MshParserErrorKind::Context(c) => Some(c.to_string()),
                _ => None,
            })
            .collect();
        let at = SourceLoc::Byte(offset);
        let what = kind.map_or_else(|| "unexpected data".to_string(), |k| k.to_string());
        let truncated = if offset + 64 >= bytes.len() { " The file looks truncated." } else { "" };
        ReadError::syntax(source, at, format!("invalid MSH 4.1 data: {what} (in {}).{truncated}", contexts.join(" < ")))
    })?;
    let data = msh.data;
    let mut raw = RawMesh::default();
    let (nodes, elements) = match (data.nodes, data.elements) {
        (Some(n), Some(e)) => (n, e),
        (None, _) => return Err(ReadError::syntax(source, SourceLoc::Unknown, "the file has no $Nodes section")),
        (_, None) => return Err(ReadError::syntax(source, SourceLoc::Unknown, "the file has no $Elements section")),
    };
    read_nodes(&nodes, &mut raw);
    let groups = physical_groups(data.entities.as_ref());
    let point_groups = read_elements(&elements, &groups, &mut raw, source)?;
    let text_sections = ascii_sections(bytes, source, &mut raw.notes)?;
    // Physical points are node sets (organ-twin writes its node sets so).
    for (tag, nodes) in point_groups {
        let name = text_sections.names.get(&(0, tag)).cloned().unwrap_or_else(|| format!("point_{tag}"));
        raw.node_sets.push((name, nodes, SourceLoc::Unknown));
    }
    apply_names(&mut raw, text_sections.names);
    Ok(raw)
}

fn read_nodes(nodes: &Nodes<u64, i32, f64>, raw: &mut RawMesh) {
    let mut next = nodes.min_node_tag;
    for block in &nodes.node_blocks {
        let tags: Option<Vec<u64>> = block.node_tags.as_ref().map(|map| {
            let mut t = vec![0; block.nodes.len()];
            for (&tag, &i) in map {
                if let Some(slot) = t.get_mut(i) {
                    *slot = tag;
                }
            }
            t
        });
        for (i, n) in block.nodes.iter().enumerate() {
            let id = match &tags {
                Some(t) => t[i],
                None => next + i as u64,
            };
            raw.nodes.push(RawNode { id, x: [n.x, n.y, n.z], at: SourceLoc::Unknown });
        }
        next += block.nodes.len() as u64;
    }
}

type Groups = HashMap<i32, Vec<i32>>;

/// Entity tag → physical tags, for volumes, surfaces and points.
#[derive(Default)]
struct PhysicalGroups {
    volumes: Groups,
    surfaces: Groups,
    points: Groups,
}

fn physical_groups(entities: Option<&Entities<i32, f64>>) -> PhysicalGroups {
    let mut g = PhysicalGroups::default();
    if let Some(e) = entities {
        for v in &e.volumes {
            g.volumes.insert(v.tag, v.physical_tags.clone());
        }
        for s in &e.surfaces {
            g.surfaces.insert(s.tag, s.physical_tags.clone());
        }
        for p in &e.points {
            g.points.insert(p.tag, p.physical_tags.clone());
        }
    }
    g
}

/// Reads cells and faces into `raw`; returns the nodes of each physical point group (the point
/// elements of point entities with physical tags).
fn read_elements(
    elements: &Elements<u64, i32>,
    groups: &PhysicalGroups,
    raw: &mut RawMesh,
    source: &str,
) -> Result<BTreeMap<i32, Vec<u64>>, ReadError> {
    let (volumes, surfaces) = (&groups.volumes, &groups.surfaces);
    let mut point_groups: BTreeMap<i32, Vec<u64>> = BTreeMap::new();
    let mut skipped = 0usize;
    for block in &elements.element_blocks {
        let t = block.element_type as i64;
        let (kind, n) = element_kind(t).ok_or_else(|| {
            ReadError::syntax(
                source,
                SourceLoc::Unknown,
                format!("element block of entity {} has unsupported type {t}", block.entity_tag),
            )
        })?;
        for e in &block.elements {
            if e.nodes.len() != n {
                return Err(ReadError::syntax(
                    source,
                    SourceLoc::Unknown,
                    format!("element {} has {} nodes, expected {n} for type {t}", e.element_tag, e.nodes.len()),
                ));
            }
            match kind {
                ElementKind::Cell(kind) => {
                    let region =
                        volumes.get(&block.entity_tag).and_then(|p| p.first().copied()).unwrap_or(block.entity_tag);
                    raw.cells.push_nodes(e.element_tag, kind, &to_internal(kind, &e.nodes), region, SourceLoc::Unknown);
                }
                ElementKind::Face(_) => match surfaces.get(&block.entity_tag).filter(|p| !p.is_empty()) {
                    Some(groups) => {
                        for &p in groups {
                            raw.faces.push(RawFace {
                                nodes: e.nodes.clone(),
                                surface: SurfaceKey::Tag(p),
                                at: SourceLoc::Unknown,
                            });
                        }
                    }
                    None => raw.faces.push(RawFace {
                        nodes: e.nodes.clone(),
                        surface: SurfaceKey::Name(format!("entity_{}", block.entity_tag)),
                        at: SourceLoc::Unknown,
                    }),
                },
                ElementKind::Skip(_) if t == 15 && block.entity_dim == 0 => {
                    match groups.points.get(&block.entity_tag).filter(|p| !p.is_empty()) {
                        Some(tags) => tags.iter().for_each(|&p| point_groups.entry(p).or_default().extend(&e.nodes)),
                        None => skipped += 1,
                    }
                }
                ElementKind::Skip(_) => skipped += 1,
                ElementKind::Unsupported(name) => {
                    return Err(ReadError::syntax(
                        source,
                        SourceLoc::Unknown,
                        format!("element {}: {}", e.element_tag, unsupported_message(name, t)),
                    ))
                }
            }
        }
    }
    if skipped > 0 {
        raw.notes
            .push(format!("{skipped} point/line/quadrangle element(s) were skipped (not used by a tetrahedral mesh)"));
    }
    Ok(point_groups)
}

/// `$PhysicalNames` (ASCII in every MSH file); data sections of binary files are not read.
fn ascii_sections(bytes: &[u8], source: &str, notes: &mut Vec<String>) -> Result<TextSections, ReadError> {
    let mut out = TextSections { names: Default::default() };
    if let Some(start) = find_line(bytes, b"$PhysicalNames", 0) {
        let line = 1 + bytes[..start].iter().filter(|&&b| b == b'\n').count();
        // The section is text; decode only up to the next binary-looking byte.
        let end = bytes[start..].iter().position(|&b| b == 0 || b >= 0x80).map_or(bytes.len(), |p| start + p);
        let text = String::from_utf8_lossy(&bytes[start..end]);
        let mut lines = Lines::new(&text, source);
        lines.next_line();
        out.names = parse_physical_names(&mut lines).map_err(|e| shift_line(e, line - 1))?;
    }
    for marker in ["$NodeData", "$ElementData"] {
        if find_line(bytes, marker.as_bytes(), 0).is_some() {
            notes.push(format!("{marker} sections of binary MSH files are not read; save as ASCII to import them"));
        }
    }
    Ok(out)
}

/// The sections mshio skips, read as text.
struct TextSections {
    names: super::PhysicalNames,
}

/// Position of `marker` at the start of a line, searching from `from`.
pub(super) fn find_line(bytes: &[u8], marker: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i + marker.len() <= bytes.len() {
        let at_line_start = i == 0 || bytes[i - 1] == b'\n';
        if at_line_start && bytes[i..].starts_with(marker) {
            let after = bytes.get(i + marker.len()).copied();
            if matches!(after, None | Some(b'\n') | Some(b'\r')) {
                return Some(i);
            }
        }
        i += 1;
    }
    None
}

/// Re-bases a line number of an error found in a sub-slice.
fn shift_line(e: ReadError, by: usize) -> ReadError {
    match e {
        ReadError::Syntax { source_name, at: SourceLoc::Line(l), message } => {
            ReadError::Syntax { source_name, at: SourceLoc::Line(l + by), message }
        }
        other => other,
    }
}
