//! What a picture shows, on the CPU: the chosen field as one scalar per node or cell, the
//! boundary triangles (displaced when deformed) with a value per corner, and the feature edges.

use std::collections::HashMap;

use super::{RenderError, RenderOptions};
use crate::mesh::{Field, Mesh};

/// Crease angle above which an edge between two boundary triangles is drawn (degrees).
pub const CREASE_DEGREES: f64 = 30.0;

/// The arrays a picture may colour by: a result's point and cell fields (which `run` keeps beside
/// the mesh), or those of a mesh read from a VTU ([`Fields::of`]).
#[derive(Debug, Clone, Copy)]
pub struct Fields<'a> {
    /// Per-node fields.
    pub point: &'a [Field],
    /// Per-cell fields.
    pub cell: &'a [Field],
}

impl<'a> Fields<'a> {
    /// The fields stored in the mesh itself (e.g. read from a result VTU).
    pub fn of(mesh: &'a Mesh) -> Self {
        Fields { point: mesh.node_fields(), cell: mesh.cell_fields() }
    }

    /// `point:NAME (N)` for every field, for messages.
    pub fn list(&self) -> String {
        let all: Vec<String> = self
            .point
            .iter()
            .map(|f| format!("point:{} ({})", f.name, f.components))
            .chain(self.cell.iter().map(|f| format!("cell:{} ({})", f.name, f.components)))
            .collect();
        if all.is_empty() {
            "none".into()
        } else {
            all.join(", ")
        }
    }
}

/// Where a field's values live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldLocation {
    /// One value per node.
    Point,
    /// One value per cell.
    Cell,
}

/// A field's extreme value and where it is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Extreme {
    /// The value.
    pub value: f64,
    /// Node or cell index.
    pub index: usize,
    /// Its id in the source file.
    pub id: u64,
    /// The node (or cell centroid), in the drawn (deformed) configuration.
    pub position: [f64; 3],
    /// The same point in the undeformed configuration.
    pub reference: [f64; 3],
}

/// Everything to draw, in mesh coordinates.
#[derive(Debug, Clone, PartialEq)]
pub struct Scene {
    /// Name shown on the colour bar (with the component or `|…|`).
    pub label: String,
    /// Point or cell field.
    pub location: FieldLocation,
    /// Triangle corners (deformed), three per triangle.
    pub corners: Vec<[f64; 3]>,
    /// Field value at each corner.
    pub values: Vec<f64>,
    /// Unit normal at each corner: the mean of the normals of the triangles around the node that
    /// lie within [`CREASE_DEGREES`] of the corner's own triangle (smooth across gentle curvature,
    /// sharp at creases).
    pub normals: Vec<[f64; 3]>,
    /// Feature edges of the drawn shape, two points per edge.
    pub edges: Vec<[f64; 3]>,
    /// Feature edges of the undeformed shape (only when deformed).
    pub outline: Vec<[f64; 3]>,
    /// Smallest value of the field over the mesh.
    pub min: Extreme,
    /// Largest value.
    pub max: Extreme,
}

/// Linear triangles of one boundary face: itself for Tri3, four through the mid-edge nodes for
/// Tri6 (corner triangles, then the middle one), all keeping the face's outward orientation.
pub fn split_face(nodes: &[usize]) -> Vec<[usize; 3]> {
    match *nodes {
        [a, b, c] => vec![[a, b, c]],
        [a, b, c, ab, bc, ca] => vec![[a, ab, ca], [ab, b, bc], [ca, bc, c], [ab, bc, ca]],
        _ => Vec::new(),
    }
}

fn find<'a>(fields: &'a [Field], name: &str) -> Option<&'a Field> {
    fields.iter().find(|f| f.name == name)
}

/// Finds the field (`point:`/`cell:` prefixes choose the kind; a point field wins otherwise).
fn select<'a>(fields: &Fields<'a>, name: &str) -> Result<(&'a Field, FieldLocation), RenderError> {
    let (kinds, bare): (&[FieldLocation], &str) = if let Some(n) = name.strip_prefix("point:") {
        (&[FieldLocation::Point], n)
    } else if let Some(n) = name.strip_prefix("cell:") {
        (&[FieldLocation::Cell], n)
    } else {
        (&[FieldLocation::Point, FieldLocation::Cell], name)
    };
    kinds
        .iter()
        .find_map(|&k| {
            let list = if k == FieldLocation::Point { fields.point } else { fields.cell };
            find(list, bare).map(|f| (f, k))
        })
        .ok_or_else(|| RenderError::UnknownField { name: name.into(), available: fields.list() })
}

/// One scalar per entity: the value, a component, or a 3-vector's magnitude.
fn scalars(field: &Field, count: usize, component: Option<usize>) -> Result<(Vec<f64>, String), RenderError> {
    let n = field.components;
    if field.values.len() != n * count || n == 0 {
        return Err(RenderError::FieldSize {
            name: field.name.clone(),
            values: field.values.len(),
            expected: n * count,
        });
    }
    let bad = |reason: String| RenderError::Component { name: field.name.clone(), components: n, reason };
    let chunks = field.values.chunks_exact(n);
    match (component, n) {
        (Some(c), _) if c >= n => Err(bad(format!("component {c} does not exist (they are numbered 0 to {})", n - 1))),
        (Some(c), 1) => Ok((chunks.map(|v| v[c]).collect(), field.name.clone())),
        (Some(c), _) => Ok((chunks.map(|v| v[c]).collect(), format!("{}[{c}]", field.name))),
        (None, 1) => Ok((chunks.map(|v| v[0]).collect(), field.name.clone())),
        (None, 3) => {
            Ok((chunks.map(|v| v.iter().map(|x| x * x).sum::<f64>().sqrt()).collect(), format!("|{}|", field.name)))
        }
        (None, _) => Err(bad("choose one with --component".into())),
    }
}

fn extreme(values: &[f64], better: impl Fn(f64, f64) -> bool) -> Option<(usize, f64)> {
    values.iter().copied().enumerate().filter(|(_, v)| v.is_finite()).fold(None, |best, (i, v)| match best {
        Some((_, b)) if !better(v, b) => best,
        _ => Some((i, v)),
    })
}

/// The node positions drawn: undeformed, or displaced by `scale × u`.
fn positions(mesh: &Mesh, fields: &Fields<'_>, options: &RenderOptions) -> Result<Vec<[f64; 3]>, RenderError> {
    let Some(scale) = options.deformed else { return Ok(mesh.nodes().to_vec()) };
    if !scale.is_finite() {
        return Err(RenderError::Option {
            what: "deformation scale",
            value: scale.to_string(),
            valid: "a finite number".into(),
        });
    }
    let missing = || RenderError::NoDisplacement {
        name: options.displacement.clone(),
        available: fields.point.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", "),
    };
    let u = find(fields.point, &options.displacement).ok_or_else(missing)?;
    if u.components != 3 || u.values.len() != 3 * mesh.nodes().len() {
        return Err(missing());
    }
    Ok(mesh.nodes().iter().zip(u.values.chunks_exact(3)).map(|(p, d)| [0, 1, 2].map(|k| p[k] + scale * d[k])).collect())
}

impl Scene {
    /// Step 1 of a picture (see the module docs of [`crate::render`]).
    pub fn build(mesh: &Mesh, fields: &Fields<'_>, options: &RenderOptions) -> Result<Scene, RenderError> {
        let (field, location) = select(fields, &options.field)?;
        let count = if location == FieldLocation::Point { mesh.nodes().len() } else { mesh.cell_count() };
        let (per, label) = scalars(field, count, options.component)?;
        let drawn = positions(mesh, fields, options)?;
        let faces = mesh.boundary_faces();
        let mut corners = Vec::new();
        let mut values = Vec::new();
        let mut triangles = Vec::new();
        for face in &faces {
            for t in split_face(&mesh.face_nodes(*face)) {
                corners.extend(t.map(|n| drawn[n]));
                values.extend(t.map(|n| if location == FieldLocation::Point { per[n] } else { per[face.cell] }));
                triangles.push((t, mesh.cell_regions()[face.cell]));
            }
        }
        if corners.is_empty() {
            return Err(RenderError::Empty);
        }
        let at = |value: f64, index: usize| match location {
            FieldLocation::Point => Extreme {
                value,
                index,
                position: drawn[index],
                reference: mesh.nodes()[index],
                id: mesh.node_ids()[index],
            },
            FieldLocation::Cell => Extreme {
                value,
                index,
                position: centroid(mesh, index, &drawn),
                reference: centroid(mesh, index, mesh.nodes()),
                id: mesh.cell_ids()[index],
            },
        };
        let nan = || RenderError::Component {
            name: field.name.clone(),
            components: field.components,
            reason: "no finite value".into(),
        };
        let (imin, vmin) = extreme(&per, |a, b| a < b).ok_or_else(nan)?;
        let (imax, vmax) = extreme(&per, |a, b| a > b).ok_or_else(nan)?;
        let edges = feature_edges(&triangles, &drawn, None);
        let outline = match options.deformed {
            Some(_) => feature_edges(&triangles, mesh.nodes(), Some(options.view.basis()[2])),
            None => Vec::new(),
        };
        Ok(Scene {
            label,
            location,
            corners,
            values,
            edges,
            outline,
            normals: corner_normals(&triangles, &drawn),
            min: at(vmin, imin),
            max: at(vmax, imax),
        })
    }

    /// Every point drawn (for fitting the camera).
    pub fn points(&self) -> impl Iterator<Item = &[f64; 3]> + Clone {
        self.corners.iter().chain(&self.outline)
    }
}

fn centroid(mesh: &Mesh, cell: usize, x: &[[f64; 3]]) -> [f64; 3] {
    let vertices = &mesh.cell_nodes(cell)[..mesh.cell_type(cell).vertex_count()];
    let n = vertices.len() as f64;
    [0, 1, 2].map(|k| vertices.iter().map(|&v| x[v][k]).sum::<f64>() / n)
}

fn normal(t: [usize; 3], x: &[[f64; 3]]) -> [f64; 3] {
    let (a, b, c) = (x[t[0]], x[t[1]], x[t[2]]);
    let u = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
    let v = [c[0] - a[0], c[1] - a[1], c[2] - a[2]];
    let n = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
    let len = n.iter().map(|c| c * c).sum::<f64>().sqrt();
    if len > 0.0 {
        n.map(|c| c / len)
    } else {
        n
    }
}

/// Per-corner normals (see [`Scene::normals`]).
pub fn corner_normals(triangles: &[([usize; 3], i32)], x: &[[f64; 3]]) -> Vec<[f64; 3]> {
    let own: Vec<[f64; 3]> = triangles.iter().map(|(t, _)| normal(*t, x)).collect();
    let mut around: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, (t, _)) in triangles.iter().enumerate() {
        for &n in t {
            around.entry(n).or_default().push(i);
        }
    }
    let cos_crease = CREASE_DEGREES.to_radians().cos();
    let dot = |a: [f64; 3], b: [f64; 3]| a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
    triangles
        .iter()
        .enumerate()
        .flat_map(|(i, (t, _))| t.map(|n| (i, n)))
        .map(|(i, node)| {
            let mut sum = [0.0; 3];
            for &j in &around[&node] {
                if dot(own[j], own[i]) >= cos_crease {
                    (0..3).for_each(|k| sum[k] += own[j][k]);
                }
            }
            let len = dot(sum, sum).sqrt();
            if len > 0.0 {
                sum.map(|c| c / len)
            } else {
                own[i]
            }
        })
        .collect()
}

/// Edges of the triangulated boundary that are open, non-manifold, between regions, creases
/// sharper than [`CREASE_DEGREES`], or (given the view direction `forward`) silhouettes between
/// a triangle facing the eye and one facing away, as point pairs in configuration `x`.
pub fn feature_edges(triangles: &[([usize; 3], i32)], x: &[[f64; 3]], forward: Option<[f64; 3]>) -> Vec<[f64; 3]> {
    let mut by_edge: HashMap<(usize, usize), Vec<usize>> = HashMap::new();
    for (i, (t, _)) in triangles.iter().enumerate() {
        for k in 0..3 {
            let (a, b) = (t[k], t[(k + 1) % 3]);
            by_edge.entry((a.min(b), a.max(b))).or_default().push(i);
        }
    }
    let cos_crease = CREASE_DEGREES.to_radians().cos();
    let mut keys: Vec<_> = by_edge
        .into_iter()
        .filter(|(_, tris)| match tris.as_slice() {
            [a, b] => {
                let (na, nb) = (normal(triangles[*a].0, x), normal(triangles[*b].0, x));
                let cos = na[0] * nb[0] + na[1] * nb[1] + na[2] * nb[2];
                let facing = |n: [f64; 3]| forward.map(|f| n[0] * f[0] + n[1] * f[1] + n[2] * f[2] < 0.0);
                let silhouette = forward.is_some() && facing(na) != facing(nb);
                triangles[*a].1 != triangles[*b].1 || cos < cos_crease || silhouette
            }
            _ => true,
        })
        .map(|(k, _)| k)
        .collect();
    keys.sort_unstable();
    keys.into_iter().flat_map(|(a, b)| [x[a], x[b]]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mesh::generate::{beam, BeamParams, Order};

    fn cube(order: Order) -> Mesh {
        beam(&BeamParams { size: [1.0, 1.0, 1.0], divisions: [2, 2, 2], order }).expect("a cube")
    }

    fn options(field: &str) -> RenderOptions {
        RenderOptions { field: field.into(), ..RenderOptions::default() }
    }

    #[test]
    fn a_tri6_face_splits_into_four_triangles_with_the_faces_orientation() {
        let x = [[0.0, 0.0, 0.0], [2.0, 0.0, 0.0], [0.0, 2.0, 0.0], [1.0, 0.0, 0.0], [1.0, 1.0, 0.0], [0.0, 1.0, 0.0]];
        let parts = split_face(&[0, 1, 2, 3, 4, 5]);
        assert_eq!(parts.len(), 4);
        for t in parts {
            assert_eq!(normal(t, &x), [0.0, 0.0, 1.0]);
        }
        assert_eq!(split_face(&[4, 5, 6]), vec![[4, 5, 6]]);
    }

    #[test]
    fn a_cubes_feature_edges_are_its_twelve_edges_and_its_surface_is_closed() {
        for order in [Order::Linear, Order::Quadratic] {
            let mesh = cube(order);
            let field = vec![Field { name: "f".into(), components: 1, values: vec![1.0; mesh.nodes().len()] }];
            let scene = Scene::build(&mesh, &Fields { point: &field, cell: &[] }, &options("f")).expect("a scene");
            // 6 faces × 2 × 2 squares × 2 triangles, each split in four when quadratic.
            let per_face = if order == Order::Linear { 8 } else { 32 };
            assert_eq!(scene.corners.len(), 3 * 6 * per_face, "{order:?}");
            // 12 edges of length 1, drawn as segments.
            let length: f64 = scene
                .edges
                .chunks_exact(2)
                .map(|e| (0..3).map(|k| (e[1][k] - e[0][k]).powi(2)).sum::<f64>().sqrt())
                .sum();
            assert!((length - 12.0).abs() < 1e-12, "{order:?}: {length}");
            assert!(scene.outline.is_empty());
            // On a flat face every corner normal is the face normal.
            for (p, n) in scene.corners.iter().zip(&scene.normals) {
                if p[2] == 1.0 && p[0] > 0.0 && p[0] < 1.0 && p[1] > 0.0 && p[1] < 1.0 {
                    assert!((n[2] - 1.0).abs() < 1e-12, "{n:?}");
                }
            }
        }
    }

    #[test]
    fn vectors_show_their_magnitude_and_extremes_carry_ids_and_places() {
        let mesh = cube(Order::Linear);
        let u: Vec<f64> = mesh.nodes().iter().flat_map(|p| [3.0 * p[0], 4.0 * p[0], 0.0]).collect();
        let point = vec![Field { name: "u".into(), components: 3, values: u }];
        let opts = RenderOptions { deformed: Some(0.1), displacement: "u".into(), ..options("u") };
        let scene = Scene::build(&mesh, &Fields { point: &point, cell: &[] }, &opts).expect("a scene");
        assert_eq!((scene.label.as_str(), scene.min.value, scene.max.value), ("|u|", 0.0, 5.0));
        assert_eq!(scene.max.reference[0], 1.0);
        assert!(
            (scene.max.position[0] - 1.3).abs() < 1e-12
                && (scene.max.position[1] - scene.max.reference[1] - 0.4).abs() < 1e-12
        );
        assert_eq!(scene.max.id, mesh.node_ids()[scene.max.index]);
        assert!(!scene.outline.is_empty(), "the undeformed outline when deformed");
        let none = Scene::build(&mesh, &Fields { point: &point, cell: &[] }, &options("v")).unwrap_err();
        assert_eq!(none.to_string(), "no field `v` in the mesh; available: point:u (3)");
        let missing = RenderOptions { deformed: Some(1.0), ..options("u") };
        assert!(matches!(
            Scene::build(&mesh, &Fields { point: &point, cell: &[] }, &missing),
            Err(RenderError::NoDisplacement { .. })
        ));
    }
}
