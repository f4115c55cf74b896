//! Medit `.mesh` (ASCII) reader: `Vertices`, `Tetrahedra` and `Triangles`, each entity followed by
//! its reference number. Tetrahedron references become regions, triangle references surfaces
//! (`ref_<n>`). Indices are 1-based. Other known keywords are skipped by their record size;
//! anything else is an error, since a misread count would shift every later entity.

use super::text::{utf8, Tokens};
use super::ReadError;
use crate::mesh::{CellType, RawCell, RawFace, RawMesh, RawNode, SourceLoc, SurfaceKey};

/// Keywords skipped, with the number of integers/reals per record.
const SKIPPED: [(&str, usize); 14] = [
    ("Edges", 3),
    ("Quadrilaterals", 5),
    ("Corners", 1),
    ("Ridges", 1),
    ("RequiredVertices", 1),
    ("RequiredEdges", 1),
    ("RequiredTriangles", 1),
    ("RequiredQuadrilaterals", 1),
    ("Normals", 3),
    ("NormalAtVertices", 2),
    ("Tangents", 3),
    ("TangentAtVertices", 2),
    ("Identifier", 0),
    ("Geometry", 0),
];

/// Volume keywords that are valid Medit but not tetrahedral.
const UNSUPPORTED: [&str; 5] = ["Hexahedra", "Prisms", "Pyramids", "TetrahedraP2", "HexahedraQ2"];

/// Parses a Medit mesh.
pub(crate) fn parse(bytes: &[u8], source: &str) -> Result<RawMesh, ReadError> {
    if bytes.len() >= 4 && (bytes[..4] == [1, 0, 0, 0] || bytes[..4] == [0, 0, 0, 1]) {
        return Err(ReadError::syntax(
            source,
            SourceLoc::Byte(0),
            "binary Medit (.meshb) is not supported: save as ASCII .mesh",
        ));
    }
    let text = utf8(bytes, source)?;
    let mut t = Tokens::new(text, source);
    let mut raw = RawMesh::default();
    let mut dimension = 3;
    let mut seen_header = false;
    let mut triangle_count = 0usize;
    while let Some((l, kw)) = t.next_token() {
        match kw {
            "MeshVersionFormatted" => {
                let (l, v): (usize, u32) = t.parse("the mesh version")?;
                if !(1..=4).contains(&v) {
                    return Err(t.error(l, format!("unsupported MeshVersionFormatted {v}")));
                }
                seen_header = true;
            }
            "Dimension" => {
                let (l, d): (usize, usize) = t.parse("the dimension")?;
                if d != 3 {
                    return Err(t.error(l, format!("dimension {d}: organ-twin needs a 3D mesh")));
                }
                dimension = d;
            }
            "Vertices" => {
                let n = count(&mut t, "vertices", text.len())?;
                raw.nodes.reserve(n);
                for i in 0..n {
                    let mut x = [0.0; 3];
                    let mut line = 0;
                    for (k, c) in x.iter_mut().take(dimension).enumerate() {
                        let (l, v) = t.coord("a vertex coordinate")?;
                        *c = v;
                        if k == 0 {
                            line = l;
                        }
                    }
                    t.parse::<i64>("the vertex reference")?;
                    raw.nodes.push(RawNode { id: i as u64 + 1, x, at: SourceLoc::Line(line) });
                }
            }
            "Tetrahedra" => {
                let n = count(&mut t, "tetrahedra", text.len())?;
                for i in 0..n {
                    let (line, nodes) = record(&mut t, 4, "a tetrahedron")?;
                    let (_, reference): (usize, i32) = t.parse("the tetrahedron reference")?;
                    let id = i as u64 + 1;
                    raw.cells.push(RawCell {
                        id,
                        kind: CellType::Tet4,
                        nodes,
                        region: reference,
                        at: SourceLoc::Line(line),
                    });
                }
            }
            "Triangles" => {
                let n = count(&mut t, "triangles", text.len())?;
                triangle_count += n;
                for _ in 0..n {
                    let (line, nodes) = record(&mut t, 3, "a triangle")?;
                    let (_, reference): (usize, i32) = t.parse("the triangle reference")?;
                    raw.faces.push(RawFace {
                        nodes,
                        surface: SurfaceKey::Name(format!("ref_{reference}")),
                        at: SourceLoc::Line(line),
                    });
                }
            }
            "End" => break,
            k if UNSUPPORTED.contains(&k) => {
                return Err(
                    t.error(l, format!("{k} are not supported: organ-twin reads tetrahedral meshes (Tetrahedra)"))
                );
            }
            k => {
                let Some(&(_, per)) = SKIPPED.iter().find(|(name, _)| *name == k) else {
                    let shown: String = k.chars().take(40).collect();
                    return Err(t.error(
                        l,
                        format!(
                            "unknown Medit keyword '{shown}': the file is corrupt or uses an unsupported extension"
                        ),
                    ));
                };
                if per > 0 {
                    let n = count(&mut t, k, text.len())?;
                    for _ in 0..n.saturating_mul(per) {
                        t.coord(k)?;
                    }
                    raw.notes.push(format!("Medit section {k} ({n} entries) was skipped"));
                }
            }
        }
    }
    if !seen_header {
        return Err(ReadError::syntax(source, SourceLoc::Line(1), "not a Medit mesh: MeshVersionFormatted is missing"));
    }
    if triangle_count == 0 && !raw.cells.is_empty() {
        raw.notes.push("the Medit file has no Triangles: no boundary surfaces are defined".into());
    }
    Ok(raw)
}

fn count(t: &mut Tokens, what: &str, text_len: usize) -> Result<usize, ReadError> {
    let (l, n): (usize, usize) = t.parse(&format!("the number of {what}"))?;
    // Every entity takes at least two bytes of text; a larger count means a corrupt header.
    if n > text_len / 2 + 1 {
        return Err(t.error(
            l,
            format!("{n} {what} announced, but the file is too short to hold them: it is truncated or corrupt"),
        ));
    }
    Ok(n)
}

fn record(t: &mut Tokens, n: usize, what: &str) -> Result<(usize, Vec<u64>), ReadError> {
    let mut nodes = Vec::with_capacity(n);
    let mut line = 0;
    for k in 0..n {
        let (l, v): (usize, u64) = t.parse(&format!("a vertex index of {what}"))?;
        if k == 0 {
            line = l;
        }
        if v == 0 {
            return Err(t.error(l, format!("{what} uses vertex index 0, but Medit indices start at 1")));
        }
        nodes.push(v);
    }
    Ok((line, nodes))
}
