//! TetGen `.node` / `.ele` / `.face` reader.
//!
//! `.node`: `<count> <dim=3> <#attributes> <#markers>`, then `id x y z [attributes] [marker]`.
//! `.ele`: `<count> <nodes per tet> <#attributes>`, then `id n1 n2 n3 n4 [attributes]`; the first
//! attribute (TetGen's region attribute, `-A`) is the region id. `.face`: `<count> <#markers>`,
//! then `id a b c [marker]`; faces with a non-zero boundary marker become surfaces `marker_<m>`.
//! Indices may start at 0 (`-z`) or 1: ids are used as written, so both work. `#` starts a comment.

use super::text::{parse_coord, parse_token, utf8, Fields, Lines};
use super::ReadError;
use crate::mesh::{CellType, RawCell, RawFace, RawMesh, RawNode, SourceLoc, SurfaceKey};

/// One file's bytes and its name for messages.
pub(crate) struct Part<'a> {
    /// Contents.
    pub bytes: &'a [u8],
    /// Name for messages.
    pub source: &'a str,
}

/// Lines without comments and blank lines.
fn content_lines<'a, 'b>(lines: &'b mut Lines<'a>) -> impl FnMut() -> Option<(usize, &'a str)> + 'b {
    move || loop {
        let (l, line) = lines.next_line()?;
        let t = line.split('#').next().unwrap_or("").trim();
        if !t.is_empty() {
            return Some((l, t));
        }
    }
}

fn header<'a>(
    next: &mut impl FnMut() -> Option<(usize, &'a str)>,
    source: &'a str,
    what: &str,
) -> Result<(usize, &'a str), ReadError> {
    next().ok_or_else(|| {
        ReadError::syntax(source, SourceLoc::Line(1), format!("the file is empty: expected the {what} header"))
    })
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

fn read_nodes(part: &Part, raw: &mut RawMesh) -> Result<(), ReadError> {
    let src = part.source;
    let mut lines = Lines::new(utf8(part.bytes, src)?, src);
    let mut next = content_lines(&mut lines);
    let (l, h) = header(&mut next, src, ".node")?;
    let mut f = Fields::new(src, l, h);
    let count: usize = f.parse("the number of nodes")?;
    let dim: usize = f.parse("the dimension")?;
    let n_attr: usize =
        f.next_str().map_or(Ok(0), |t| parse_token(src, SourceLoc::Line(l), Some(t), "the number of attributes"))?;
    let n_marker: usize =
        f.next_str().map_or(Ok(0), |t| parse_token(src, SourceLoc::Line(l), Some(t), "the number of markers"))?;
    if dim != 3 {
        return Err(ReadError::syntax(src, SourceLoc::Line(l), format!("dimension {dim}: organ-twin needs 3D nodes")));
    }
    let expected = 4 + n_attr + n_marker.min(1);
    for i in 0..count {
        let (l, line) = next().ok_or_else(|| {
            ReadError::syntax(
                src,
                SourceLoc::Line(l),
                format!("the file ends after {i} of {count} nodes: it is truncated"),
            )
        })?;
        let at = SourceLoc::Line(l);
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() != expected {
            return Err(ReadError::syntax(
                src,
                at,
                format!("expected {expected} fields (id, x, y, z, attributes, marker), found {}", fields.len()),
            ));
        }
        let id: u64 = parse_token(src, at, Some(fields[0]), "a node id")?;
        let mut x = [0.0; 3];
        for (k, c) in x.iter_mut().enumerate() {
            *c = parse_coord(src, at, Some(fields[k + 1]), "a coordinate")?;
        }
        raw.nodes.push(RawNode { id, x, at });
    }
    Ok(())
}

fn read_elements(part: &Part, raw: &mut RawMesh) -> Result<(), ReadError> {
    let src = part.source;
    let mut lines = Lines::new(utf8(part.bytes, src)?, src);
    let mut next = content_lines(&mut lines);
    let (l, h) = header(&mut next, src, ".ele")?;
    let mut f = Fields::new(src, l, h);
    let count: usize = f.parse("the number of tetrahedra")?;
    let per: usize = f.parse("the number of nodes per tetrahedron")?;
    let n_attr: usize =
        f.next_str().map_or(Ok(0), |t| parse_token(src, SourceLoc::Line(l), Some(t), "the number of attributes"))?;
    if per != 4 {
        return Err(ReadError::syntax(
            src,
            SourceLoc::Line(l),
            format!("{per} nodes per tetrahedron: only 4-node TetGen elements are supported (run TetGen without -o2)"),
        ));
    }
    for i in 0..count {
        let (l, line) = next().ok_or_else(|| {
            ReadError::syntax(
                src,
                SourceLoc::Line(l),
                format!("the file ends after {i} of {count} tetrahedra: it is truncated"),
            )
        })?;
        let at = SourceLoc::Line(l);
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() != 5 + n_attr {
            return Err(ReadError::syntax(
                src,
                at,
                format!("expected {} fields (id, 4 nodes, {n_attr} attributes), found {}", 5 + n_attr, fields.len()),
            ));
        }
        let id: u64 = parse_token(src, at, Some(fields[0]), "a tetrahedron id")?;
        let nodes = fields[1..5]
            .iter()
            .map(|t| parse_token(src, at, Some(t), "a node index"))
            .collect::<Result<Vec<u64>, _>>()?;
        let region = match fields.get(5) {
            Some(t) => {
                let v: f64 = parse_token(src, at, Some(t), "the region attribute")?;
                if v.fract() != 0.0 || v.abs() > i32::MAX as f64 {
                    return Err(ReadError::syntax(
                        src,
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
    Ok(())
}

fn read_faces(part: &Part, raw: &mut RawMesh) -> Result<(), ReadError> {
    let src = part.source;
    let mut lines = Lines::new(utf8(part.bytes, src)?, src);
    let mut next = content_lines(&mut lines);
    let (l, h) = header(&mut next, src, ".face")?;
    let mut f = Fields::new(src, l, h);
    let count: usize = f.parse("the number of faces")?;
    let n_marker: usize =
        f.next_str().map_or(Ok(0), |t| parse_token(src, SourceLoc::Line(l), Some(t), "the number of markers"))?;
    for i in 0..count {
        let (l, line) = next().ok_or_else(|| {
            ReadError::syntax(
                src,
                SourceLoc::Line(l),
                format!("the file ends after {i} of {count} faces: it is truncated"),
            )
        })?;
        let at = SourceLoc::Line(l);
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() != 4 + n_marker.min(1) {
            return Err(ReadError::syntax(
                src,
                at,
                format!("expected {} fields (id, 3 nodes, marker), found {}", 4 + n_marker.min(1), fields.len()),
            ));
        }
        let nodes = fields[1..4]
            .iter()
            .map(|t| parse_token(src, at, Some(t), "a node index"))
            .collect::<Result<Vec<u64>, _>>()?;
        let marker: i32 = match fields.get(4) {
            Some(t) => parse_token(src, at, Some(t), "a boundary marker")?,
            None => 1,
        };
        if marker != 0 {
            raw.surface_names.entry(marker).or_insert_with(|| format!("marker_{marker}"));
            raw.faces.push(RawFace { nodes, surface: SurfaceKey::Tag(marker), at });
        }
    }
    Ok(())
}
