//! TetGen `.node` / `.ele` / `.face` reader.
//!
//! `.node`: `<count> <dim=3> <#attributes> <#markers>`, then `id x y z [attributes] [marker]`.
//! `.ele`: `<count> <nodes per tet> <#attributes>`, then `id n1 n2 n3 n4 [attributes]`; the first
//! attribute (TetGen's region attribute, `-A`) is the region id. `.face`: `<count> <#markers>`,
//! then `id a b c [marker]`; faces with a non-zero boundary marker become surfaces `marker_<m>`.
//! Indices may start at 0 (`-z`) or 1: ids are used as written, so both work. `#` starts a comment.

use std::collections::HashMap;

use super::text::{parse_coord, parse_token, utf8, Lines};
use super::ReadError;
use crate::mesh::{CellType, RawCell, RawFace, RawMesh, RawNode, SourceLoc, SurfaceKey};

/// One file's bytes and its name for messages.
pub(crate) struct Part<'a> {
    /// Contents.
    pub bytes: &'a [u8],
    /// Name for messages.
    pub source: &'a str,
}

/// One TetGen file: its header fields and a cursor over its records.
struct Table<'a> {
    src: &'a str,
    lines: Lines<'a>,
    header_line: usize,
    header: Vec<&'a str>,
}

impl<'a> Table<'a> {
    /// Opens a file and reads its header line.
    fn open(part: &Part<'a>, what: &str) -> Result<Table<'a>, ReadError> {
        let mut t = Table {
            src: part.source,
            lines: Lines::new(utf8(part.bytes, part.source)?, part.source),
            header_line: 1,
            header: Vec::new(),
        };
        let (l, h) = t.next_content().ok_or_else(|| {
            ReadError::syntax(part.source, SourceLoc::Line(1), format!("the file is empty: expected the {what} header"))
        })?;
        t.header_line = l;
        t.header = h.split_whitespace().collect();
        Ok(t)
    }

    /// The next line that is neither blank nor a comment, without its comment.
    fn next_content(&mut self) -> Option<(usize, &'a str)> {
        loop {
            let (l, line) = self.lines.next_line()?;
            let t = line.split('#').next().unwrap_or("").trim();
            if !t.is_empty() {
                return Some((l, t));
            }
        }
    }

    /// Header field `k`; `default` when absent (optional trailing fields).
    fn header<T: std::str::FromStr>(&self, k: usize, what: &str, default: Option<T>) -> Result<T, ReadError> {
        match (self.header.get(k), default) {
            (None, Some(d)) => Ok(d),
            (tok, _) => parse_token(self.src, SourceLoc::Line(self.header_line), tok.copied(), what),
        }
    }

    /// Record `i` of `count`, which must have exactly `fields` fields (described by `layout`).
    fn record(
        &mut self,
        i: usize,
        count: usize,
        what: &str,
        fields: usize,
        layout: &str,
    ) -> Result<(SourceLoc, Vec<&'a str>), ReadError> {
        let last = self.header_line;
        let (l, line) = self.next_content().ok_or_else(|| {
            ReadError::syntax(
                self.src,
                SourceLoc::Line(last),
                format!("the file ends after {i} of {count} {what}: it is truncated"),
            )
        })?;
        let at = SourceLoc::Line(l);
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() != fields {
            return Err(ReadError::syntax(
                self.src,
                at,
                format!("expected {fields} fields ({layout}), found {}", f.len()),
            ));
        }
        Ok((at, f))
    }

    /// After the `count` records the header announced, only blank lines and comments may follow.
    fn expect_end(&mut self, count: usize, what: &str) -> Result<(), ReadError> {
        match self.next_content() {
            None => Ok(()),
            Some((l, _)) => Err(ReadError::syntax(
                self.src,
                SourceLoc::Line(l),
                format!(
                    "more {what} than the {count} the header (line {}) announces: the header count is wrong \
                     or the file is corrupt",
                    self.header_line
                ),
            )),
        }
    }
}

/// Parses the node, element and (optional) face files of one TetGen mesh.
pub(crate) fn parse(node: Part, ele: Part, face: Option<Part>) -> Result<RawMesh, ReadError> {
    let mut raw = RawMesh::default();
    read_nodes(&node, &mut raw)?;
    read_elements(&ele, &mut raw)?;
    if let Some(face) = face {
        read_faces(&face, &mut raw)?;
    } else {
        raw.notes.push("no .face file found next to the .ele file: no boundary surfaces are defined".into());
    }
    Ok(raw)
}

fn ids(src: &str, at: SourceLoc, fields: &[&str]) -> Result<Vec<u64>, ReadError> {
    fields.iter().map(|t| parse_token(src, at, Some(t), "a node index")).collect()
}

fn read_nodes(part: &Part, raw: &mut RawMesh) -> Result<(), ReadError> {
    let mut t = Table::open(part, ".node")?;
    let count: usize = t.header(0, "the number of nodes", None)?;
    let dim: usize = t.header(1, "the dimension", None)?;
    let n_attr: usize = t.header(2, "the number of attributes", Some(0))?;
    let n_marker: usize = t.header(3, "the number of markers", Some(0))?;
    if dim != 3 {
        return Err(ReadError::syntax(
            t.src,
            SourceLoc::Line(t.header_line),
            format!("dimension {dim}: organ-twin needs 3D nodes"),
        ));
    }
    for i in 0..count {
        let (at, f) = t.record(i, count, "nodes", 4 + n_attr + n_marker.min(1), "id, x, y, z, attributes, marker")?;
        let id: u64 = parse_token(t.src, at, Some(f[0]), "a node id")?;
        let mut x = [0.0; 3];
        for (k, c) in x.iter_mut().enumerate() {
            *c = parse_coord(t.src, at, Some(f[k + 1]), "a coordinate")?;
        }
        raw.nodes.push(RawNode { id, x, at });
    }
    t.expect_end(count, "nodes")
}

fn read_elements(part: &Part, raw: &mut RawMesh) -> Result<(), ReadError> {
    let mut t = Table::open(part, ".ele")?;
    let count: usize = t.header(0, "the number of tetrahedra", None)?;
    let per: usize = t.header(1, "the number of nodes per tetrahedron", None)?;
    let n_attr: usize = t.header(2, "the number of attributes", Some(0))?;
    if per != 4 {
        return Err(ReadError::syntax(
            t.src,
            SourceLoc::Line(t.header_line),
            format!("{per} nodes per tetrahedron: only 4-node TetGen elements are supported (run TetGen without -o2)"),
        ));
    }
    for i in 0..count {
        let (at, f) = t.record(i, count, "tetrahedra", 5 + n_attr, "id, 4 nodes, attributes")?;
        let id: u64 = parse_token(t.src, at, Some(f[0]), "a tetrahedron id")?;
        let nodes = ids(t.src, at, &f[1..5])?;
        let region = match f.get(5) {
            Some(tok) => {
                let v: f64 = parse_token(t.src, at, Some(tok), "the region attribute")?;
                if v.fract() != 0.0 || v.abs() > i32::MAX as f64 {
                    return Err(ReadError::syntax(
                        t.src,
                        at,
                        format!("region attribute {v} of tetrahedron {id} is not an integer"),
                    ));
                }
                v as i32
            }
            None => 0,
        };
        raw.cells.push(RawCell { id, kind: CellType::Tet4, nodes, region, at });
    }
    t.expect_end(count, "tetrahedra")
}

fn read_faces(part: &Part, raw: &mut RawMesh) -> Result<(), ReadError> {
    let mut t = Table::open(part, ".face")?;
    let count: usize = t.header(0, "the number of faces", None)?;
    let n_marker: usize = t.header(1, "the number of markers", Some(0))?;
    let mut seen: HashMap<u64, SourceLoc> = HashMap::new();
    let mut interior = 0usize;
    for i in 0..count {
        let (at, f) = t.record(i, count, "faces", 4 + n_marker.min(1), "id, 3 nodes, marker")?;
        let id: u64 = parse_token(t.src, at, Some(f[0]), "a face id")?;
        if let Some(first) = seen.insert(id, at) {
            return Err(ReadError::syntax(
                t.src,
                at,
                format!("face id {id} is defined twice (first at {first}); face ids must be unique"),
            ));
        }
        let nodes = ids(t.src, at, &f[1..4])?;
        let marker: i32 = match f.get(4) {
            Some(tok) => parse_token(t.src, at, Some(tok), "a boundary marker")?,
            None => 1,
        };
        if marker != 0 {
            raw.surface_names.entry(marker).or_insert_with(|| format!("marker_{marker}"));
            raw.faces.push(RawFace { nodes, surface: SurfaceKey::Tag(marker), at });
        } else {
            interior += 1;
        }
    }
    if interior > 0 {
        raw.notes.push(format!("{interior} face(s) of {} have boundary marker 0 and belong to no surface", t.src));
    }
    t.expect_end(count, "faces")
}
