//! MSH 4.1 reader (ASCII and binary) on top of `mshio`, which parses `$Entities`, `$Nodes` and
//! `$Elements`; `$PhysicalNames` and ASCII `$NodeData` / `$ElementData` are read here.
//!
//! `mshio` keeps node tags only when they are sparse; when they are contiguous, nodes are
//! numbered from the section's minimum tag in file order, which is how Gmsh writes them.
//! `mshio` reports no line numbers, so errors about entities name their tags instead.

use std::collections::{BTreeMap, HashMap};

use mshio::error::MshParserErrorKind;
use mshio::mshfile::{Elements, Entities, Nodes};

use super::{
    attach_fields, element_kind, parse_data_section, parse_physical_names, to_internal, unsupported_message,
    DataSection, ElementKind,
};
use crate::io::text::Lines;
use crate::io::ReadError;
use crate::mesh::{RawCell, RawFace, RawMesh, RawNode, SourceLoc, SurfaceKey};

pub(super) fn parse(bytes: &[u8], source: &str, binary: bool) -> Result<RawMesh, ReadError> {
    let input = super::sections::prepare(bytes, source, binary)?;
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
        let at = if binary {
            SourceLoc::Byte(offset)
        } else {
            SourceLoc::Line(1 + bytes[..offset].iter().filter(|&&b| b == b'\n').count())
        };
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
    if !binary {
        let index = LineIndex::of(bytes);
        for n in &mut raw.nodes {
            n.at = index.nodes.get(&n.id).map_or(SourceLoc::Unknown, |&l| SourceLoc::Line(l));
        }
        for c in 0..raw.cells.len() {
            let at = index.elements.get(&raw.cells.ids()[c]).map_or(SourceLoc::Unknown, |&l| SourceLoc::Line(l));
            raw.cells.set_at(c, at);
        }
        for f in &mut raw.faces {
            f.at = index.face_lines.get(&f.nodes).map_or(SourceLoc::Unknown, |&l| SourceLoc::Line(l));
        }
    }
    let text_sections = ascii_sections(bytes, source, binary, &mut raw.notes)?;
    // Physical points are node sets (organ-twin writes its node sets so).
    for (tag, nodes) in point_groups {
        let name = text_sections.names.get(&(0, tag)).cloned().unwrap_or_else(|| format!("point_{tag}"));
        raw.node_sets.push((name, nodes, SourceLoc::Unknown));
    }
    for ((dim, tag), name) in text_sections.names {
        match dim {
            3 => raw.region_names.insert(tag, name),
            2 => raw.surface_names.insert(tag, name),
            _ => None,
        };
    }
    attach_fields(&mut raw, text_sections.node_data, text_sections.cell_data);
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
                    raw.cells.push(RawCell {
                        id: e.element_tag,
                        kind,
                        nodes: to_internal(kind, &e.nodes),
                        region,
                        at: SourceLoc::Unknown,
                    });
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

/// Lines of node coordinates and element definitions in an ASCII MSH 4.1 file, so that
/// validation errors can name them (mshio keeps no positions). Built from the structure mshio
/// has already accepted; anything unexpected just leaves entries out.
#[derive(Default)]
struct LineIndex {
    nodes: crate::mesh::build::IdMap,
    elements: crate::mesh::build::IdMap,
    face_lines: HashMap<Vec<u64>, usize>,
}

impl LineIndex {
    fn of(bytes: &[u8]) -> LineIndex {
        let mut index = LineIndex::default();
        let Ok(text) = std::str::from_utf8(bytes) else { return index };
        let mut lines = Lines::new(text, "");
        let fields = |s: &str| s.split_whitespace().filter_map(|t| t.parse::<u64>().ok()).collect::<Vec<u64>>();
        while let Some((_, line)) = lines.next_line() {
            match line.trim() {
                "$Nodes" => index.nodes_section(&mut lines, fields),
                "$Elements" => index.elements_section(&mut lines, fields),
                _ => {}
            }
        }
        index
    }

    /// `blocks n min max`, then per block `dim tag parametric count`, `count` tag lines and
    /// `count` coordinate lines.
    fn nodes_section(&mut self, lines: &mut Lines, fields: impl Fn(&str) -> Vec<u64>) {
        let Some(blocks) = lines.next_line().and_then(|(_, l)| fields(l).first().copied()) else { return };
        for _ in 0..blocks {
            let Some(count) = lines.next_line().and_then(|(_, l)| fields(l).get(3).copied()) else { return };
            let mut tags = Vec::new();
            for _ in 0..count {
                let Some((_, l)) = lines.next_line() else { return };
                tags.push(l.split_whitespace().next().and_then(|t| t.parse::<u64>().ok()).unwrap_or(0));
            }
            for tag in tags {
                let Some((l, _)) = lines.next_line() else { return };
                self.nodes.insert(tag, l);
            }
        }
    }

    /// `blocks n min max`, then per block `dim tag type count` and `count` element lines.
    fn elements_section(&mut self, lines: &mut Lines, fields: impl Fn(&str) -> Vec<u64>) {
        let Some(blocks) = lines.next_line().and_then(|(_, l)| fields(l).first().copied()) else { return };
        for _ in 0..blocks {
            let Some(header) = lines.next_line().map(|(_, l)| fields(l)) else { return };
            let (Some(&dim), Some(&count)) = (header.first(), header.get(3)) else { return };
            for _ in 0..count {
                let Some((l, text)) = lines.next_line() else { return };
                match dim {
                    // Cells need only their tag: the first token (most of the file's lines).
                    3 => {
                        if let Some(tag) = text.split_whitespace().next().and_then(|t| t.parse::<u64>().ok()) {
                            self.elements.insert(tag, l);
                        }
                    }
                    2 => {
                        if let Some((_, nodes)) = fields(text).split_first() {
                            self.face_lines.insert(nodes.to_vec(), l);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

/// The sections mshio skips, read as text.
struct TextSections {
    names: super::PhysicalNames,
    node_data: Vec<DataSection>,
    cell_data: Vec<DataSection>,
}

/// Finds `$PhysicalNames` (ASCII in every MSH file) and, in ASCII files, the data sections.
fn ascii_sections(
    bytes: &[u8],
    source: &str,
    binary: bool,
    notes: &mut Vec<String>,
) -> Result<TextSections, ReadError> {
    let mut out = TextSections { names: Default::default(), node_data: Vec::new(), cell_data: Vec::new() };
    for (marker, section) in [("$PhysicalNames", 0), ("$NodeData", 1), ("$ElementData", 2)] {
        let mut from = 0;
        while let Some(start) = find_line(bytes, marker.as_bytes(), from) {
            from = start + marker.len();
            if section > 0 && binary {
                notes.push(format!("{marker} sections of binary MSH files are not read; save as ASCII to import them"));
                break;
            }
            let line = 1 + bytes[..start].iter().filter(|&&b| b == b'\n').count();
            // The section is text; decode only up to the next binary-looking byte.
            let end = bytes[start..].iter().position(|&b| b == 0 || b >= 0x80).map_or(bytes.len(), |p| start + p);
            let text = String::from_utf8_lossy(&bytes[start..end]);
            let mut lines = Lines::new(&text, source);
            lines.next_line();
            let offset_err = |e: ReadError| shift_line(e, line - 1);
            match section {
                0 => out.names = parse_physical_names(&mut lines).map_err(offset_err)?,
                1 => out.node_data.push(parse_data_section(&mut lines, "NodeData").map_err(offset_err)?),
                _ => out.cell_data.push(parse_data_section(&mut lines, "ElementData").map_err(offset_err)?),
            }
            if section == 0 {
                break;
            }
        }
    }
    Ok(out)
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
