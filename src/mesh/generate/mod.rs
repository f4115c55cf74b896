//! Procedural meshes for verification and demos: a box/beam, a thick-walled sphere (or octant),
//! the idealised left ventricle of Land et al. (2015), a cylinder-in-cylinder implant and a solid
//! rod in stacked regions (the implant templates' geometry).
//!
//! Every generator works the same way:
//! 1. build linear tetrahedra on a lattice in a *parameter space* (`[f64; 4]` per node, exact
//!    integers where surfaces are recognised);
//! 2. map each parameter point to physical space with the shape's exact mapping;
//! 3. orient every tet positively and name the faces that a classifier recognises;
//! 4. for quadratic meshes, place each mid-edge node at the *mapped* parameter midpoint, so Tet10
//!    faces follow the curved geometry (spheres, ellipsoids, cylinders) exactly at their nodes.
//!
//! Extruded shapes split each triangular prism into three tets with the minimum-index rule, which
//! makes neighbouring prisms agree on their shared quadrilateral diagonals.

mod beam;
mod implant;
mod lv;
mod rod;
mod sphere;

use std::collections::HashMap;

pub use beam::{beam, BeamParams};
pub use implant::{implant, ImplantParams};
pub use lv::{lv, lv_volumes, LvParams};
pub use rod::{rod, RodParams};
pub use sphere::{sphere, sphere_volume, SphereParams};

use super::build::vertex_face_map;
use super::cell::{CellType, TET_EDGES, TET_FACES};
use super::{geometry, CellFace, Field, Mesh, MeshError, Region, Surface};

/// The most cells a generator builds (a few GB of memory in the generator and the mesh); larger
/// requests are refused before anything is allocated.
pub const MAX_CELLS: u64 = 20_000_000;

/// Fewest subdivisions of a quarter circle: one gives a single flat triangle per quarter (the
/// LV then loses 47 % of its volume, the sphere octant 68 %).
pub const MIN_ARC_SUBDIVISIONS: usize = 2;

/// Refuses a count parameter below `min`.
fn at_least(parameter: &'static str, value: usize, min: usize) -> Result<(), MeshError> {
    if value >= min {
        return Ok(());
    }
    Err(MeshError::Parameter { parameter, value: value.to_string(), valid: format!("it must be at least {min}") })
}

/// Refuses parameters that ask for more than [`MAX_CELLS`] cells (`None`: the count overflows).
fn within_budget(parameter: &'static str, value: String, cells: Option<u64>) -> Result<(), MeshError> {
    match cells {
        Some(n) if n <= MAX_CELLS => Ok(()),
        _ => {
            let asked = cells.map_or_else(|| "more than 2^64".to_string(), |n| n.to_string());
            Err(MeshError::Parameter {
                parameter,
                value,
                valid: format!("it asks for {asked} cells, and a generated mesh may have at most {MAX_CELLS}"),
            })
        }
    }
}

/// `3 × triangles × layers` (each prism makes three tets), or `None` on overflow.
fn prism_cells(triangles: u64, layers: usize) -> Option<u64> {
    triangles.checked_mul(layers as u64)?.checked_mul(3)
}

/// Polynomial order of the generated cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// Tet4.
    #[default]
    Linear,
    /// Tet10 with mid-edge nodes on the exact geometry.
    Quadratic,
}

impl Order {
    fn cell_type(self) -> CellType {
        match self {
            Order::Linear => CellType::Tet4,
            Order::Quadratic => CellType::Tet10,
        }
    }
}

/// A parameter point.
type Param = [f64; 4];

/// Linear tetrahedra in parameter space.
#[derive(Debug, Default)]
struct ParamMesh {
    params: Vec<Param>,
    tets: Vec<[usize; 4]>,
    regions: Vec<i32>,
}

/// What a face classifier sees: the face's vertex parameters, the region of the cell it belongs
/// to, and the region on the other side (`None` on the boundary).
struct FaceQuery<'a> {
    params: [&'a Param; 3],
    region: i32,
    other: Option<i32>,
}

impl FaceQuery<'_> {
    /// All three vertices have parameter `k` equal to `value` (exact: lattice integers).
    fn all(&self, k: usize, value: f64) -> bool {
        self.params.iter().all(|p| p[k] == value)
    }
}

impl ParamMesh {
    /// Splits the prism between base triangle `tri` on layer `l` and layer `l + 1` into three
    /// tets (node index = layer × `per_layer` + base index).
    fn push_prism(&mut self, tri: [usize; 3], l: usize, per_layer: usize, region: i32) {
        // Rotate so that `a` has the smallest index; it is the smallest of all six because
        // upper-layer indices are larger by `per_layer`.
        let rot = (0..3).min_by_key(|&k| tri[k]).unwrap_or(0);
        let [a, b, c] = [tri[rot], tri[(rot + 1) % 3], tri[(rot + 2) % 3]];
        let lo = |n: usize| l * per_layer + n;
        let hi = |n: usize| (l + 1) * per_layer + n;
        let (a0, b0, c0, a1, b1, c1) = (lo(a), lo(b), lo(c), hi(a), hi(b), hi(c));
        // Diagonal of the quad (b, c, c1, b1) from its smallest vertex, which is b0 or c0.
        let tets = if b < c {
            [[a0, b0, c0, c1], [a0, b0, c1, b1], [a0, b1, c1, a1]]
        } else {
            [[a0, b0, c0, b1], [a0, b1, c0, c1], [a0, b1, c1, a1]]
        };
        self.tets.extend(tets);
        self.regions.extend([region; 3]);
    }

    /// Steps 2–4 of the module docs.
    fn finish(
        mut self,
        order: Order,
        map: impl Fn(&Param) -> [f64; 3],
        classify: impl Fn(&FaceQuery) -> Option<&'static str>,
        regions: Vec<Region>,
        cell_fields: impl Fn(&[Param]) -> Vec<Field>,
    ) -> Result<Mesh, MeshError> {
        // Step 2 and 3: map the vertices, orient the tets.
        let vertices: Vec<[f64; 3]> = self.params.iter().map(&map).collect();
        for t in &mut self.tets {
            let x = [vertices[t[0]], vertices[t[1]], vertices[t[2]], vertices[t[3]]];
            if geometry::tet_signed_volume(&x) < 0.0 {
                t.swap(1, 2);
            }
        }
        // Step 4: mid-edge nodes.
        let kind = order.cell_type();
        let mut params = self.params.clone();
        let mut connectivity = Vec::with_capacity(self.tets.len() * kind.node_count());
        let mut edge_nodes: HashMap<(usize, usize), usize> = HashMap::new();
        for t in &self.tets {
            connectivity.extend_from_slice(t);
            if kind == CellType::Tet10 {
                for [a, b] in TET_EDGES {
                    let key = (t[a].min(t[b]), t[a].max(t[b]));
                    let id = *edge_nodes.entry(key).or_insert_with(|| {
                        let (p, q) = (&self.params[key.0], &self.params[key.1]);
                        params.push(std::array::from_fn(|k| 0.5 * (p[k] + q[k])));
                        params.len() - 1
                    });
                    connectivity.push(id);
                }
            }
        }
        let nodes: Vec<[f64; 3]> = vertices.into_iter().chain(params[self.params.len()..].iter().map(&map)).collect();
        let surfaces = self.classify_faces(&classify);
        let centroids: Vec<Param> = self
            .tets
            .iter()
            .map(|t| std::array::from_fn(|k| t.iter().map(|&n| self.params[n][k]).sum::<f64>() / 4.0))
            .collect();
        Mesh::from_parts(nodes, kind, connectivity, self.regions, regions, surfaces, cell_fields(&centroids))
    }

    /// Names faces with the classifier; surfaces appear in order of first use.
    fn classify_faces(&self, classify: &impl Fn(&FaceQuery) -> Option<&'static str>) -> Vec<Surface> {
        let map = vertex_face_map(self.tets.len(), |c| self.tets[c]);
        let mut entries: Vec<(CellFace, Option<i32>)> = Vec::new();
        for (_, cells) in map.iter() {
            for cf in cells {
                let other = cells.iter().find(|o| o.cell != cf.cell).map(|o| self.regions[o.cell]);
                entries.push((*cf, other));
            }
        }
        entries.sort_by_key(|(cf, _)| *cf);
        let mut surfaces: Vec<Surface> = Vec::new();
        for (cf, other) in entries {
            let t = self.tets[cf.cell];
            let local = TET_FACES[cf.face as usize];
            let q = FaceQuery {
                params: [&self.params[t[local[0]]], &self.params[t[local[1]]], &self.params[t[local[2]]]],
                region: self.regions[cf.cell],
                other,
            };
            if let Some(name) = classify(&q) {
                match surfaces.iter_mut().find(|s| s.name == name) {
                    Some(s) => s.faces.push(cf),
                    None => surfaces.push(Surface { name: name.to_string(), id: None, faces: vec![cf] }),
                }
            }
        }
        for (i, s) in surfaces.iter_mut().enumerate() {
            s.id = Some(i as i32 + 1);
        }
        surfaces
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prism_split_fills_the_prism() {
        // Unit right prism: volume 1/2, three tets of 1/6 each, in both diagonal cases.
        for tri in [[0, 1, 2], [0, 2, 1]] {
            let mut pm = ParamMesh { params: Vec::new(), ..ParamMesh::default() };
            let base = [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]];
            for z in [0.0, 1.0] {
                for b in base {
                    pm.params.push([b[0], b[1], z, 0.0]);
                }
            }
            pm.push_prism(tri, 0, 3, 1);
            let total: f64 = pm
                .tets
                .iter()
                .map(|t| {
                    let x: Vec<[f64; 3]> =
                        t.iter().map(|&n| [pm.params[n][0], pm.params[n][1], pm.params[n][2]]).collect();
                    geometry::tet_signed_volume(&x).abs()
                })
                .sum();
            assert!((total - 0.5).abs() < 1e-15, "{tri:?}: {total}");
        }
    }
}
