//! Uniform refinement: every tetrahedron split into eight (Bey's red refinement), for
//! calculation verification (mesh convergence) on imported meshes.
//!
//! 1. the edge midpoints become vertices: on Tet10 the mid-edge nodes themselves, on Tet4 new
//!    nodes at the straight midpoints (shared between the cells of an edge);
//! 2. each cell gives four corner tetrahedra and four around the shortest diagonal of its inner
//!    octahedron (the best-shaped choice), each oriented positively;
//! 3. on Tet10 the children's mid-edge nodes are placed through the parent's quadratic map, so a
//!    curved boundary stays on the parent's curved faces (the geometry does not converge to a
//!    CAD surface: the refined meshes discretise the coarse mesh's geometry);
//! 4. every surface face becomes its four sub-triangles, regions and cell fields carry over to the
//!    children, node sets keep their nodes; node fields are dropped (they would need the
//!    interpolation their meaning calls for).
//!
//! The element size halves, so the refinement ratio of a convergence study is 2.

use std::collections::HashMap;

use super::cell::{CellType, TET_EDGES, TET_FACES};
use super::{geometry, CellFace, Field, Mesh, MeshError, Surface};

/// Reference coordinates of the 10 "vertices" of a red refinement: 4 corners, 6 edge midpoints
/// in [`TET_EDGES`] order (the Tet10 node positions).
const POINTS: [[f64; 3]; 10] = geometry::TET10_NODES_REF;

/// The four corner children.
const CORNERS: [[usize; 4]; 4] = [[0, 4, 6, 7], [4, 1, 5, 8], [6, 5, 2, 9], [7, 8, 9, 3]];

/// The inner octahedron's diagonals and the equator cycle around each.
const DIAGONALS: [([usize; 2], [usize; 4]); 3] =
    [([4, 9], [6, 5, 8, 7]), ([5, 7], [4, 6, 9, 8]), ([6, 8], [4, 5, 9, 7])];

/// The quadratic (or linear) map of a parent cell at reference point `xi`.
fn map(kind: CellType, x: &[[f64; 3]], xi: [f64; 3]) -> [f64; 3] {
    let l = [1.0 - xi[0] - xi[1] - xi[2], xi[0], xi[1], xi[2]];
    let n: Vec<f64> = match kind {
        CellType::Tet4 => l.to_vec(),
        CellType::Tet10 => {
            l.iter().map(|li| li * (2.0 * li - 1.0)).chain(TET_EDGES.iter().map(|[a, b]| 4.0 * l[*a] * l[*b])).collect()
        }
    };
    let mut p = [0.0; 3];
    for (ni, xk) in n.iter().zip(x) {
        (0..3).for_each(|k| p[k] += ni * xk[k]);
    }
    p
}

fn key(a: usize, b: usize) -> (usize, usize) {
    (a.min(b), a.max(b))
}

/// The mesh with every cell split into eight.
pub fn refine(mesh: &Mesh) -> Result<Mesh, MeshError> {
    let types = mesh.cell_types_present();
    let [kind] = types.as_slice() else {
        return Err(MeshError::Parameter {
            parameter: "mesh",
            value: format!("{types:?}"),
            valid: "one cell type (Tet4 or Tet10) to refine uniformly".into(),
        });
    };
    let kind = *kind;
    let n_cells = mesh.cell_count();
    let mut nodes: Vec<[f64; 3]> = mesh.nodes().to_vec();
    let mut midpoint: HashMap<(usize, usize), usize> = HashMap::new();
    let mut connectivity = Vec::with_capacity(8 * n_cells * kind.node_count());
    let mut regions = Vec::with_capacity(8 * n_cells);
    // Child faces by their sorted vertex triple, for the surfaces.
    let mut faces: HashMap<[usize; 3], CellFace> = HashMap::new();
    for c in 0..n_cells {
        let cn = mesh.cell_nodes(c);
        let x = mesh.cell_coords(c);
        // 1. The ten refinement vertices as global nodes.
        let mut v = [0usize; 10];
        v[..4].copy_from_slice(&cn[..4]);
        for (e, [a, b]) in TET_EDGES.iter().enumerate() {
            v[4 + e] = match kind {
                CellType::Tet10 => cn[4 + e],
                CellType::Tet4 => *midpoint.entry(key(cn[*a], cn[*b])).or_insert_with(|| {
                    nodes.push(map(kind, &x, POINTS[4 + e]));
                    nodes.len() - 1
                }),
            };
        }
        // 2. The eight children (local refinement-vertex indices).
        let length = |[a, b]: [usize; 2]| {
            let (p, q) = (nodes[v[a]], nodes[v[b]]);
            (0..3).map(|k| (p[k] - q[k]).powi(2)).sum::<f64>()
        };
        let (diag, ring) =
            DIAGONALS.iter().min_by(|a, b| length(a.0).total_cmp(&length(b.0))).expect("three diagonals");
        let mut children: Vec<[usize; 4]> = CORNERS.to_vec();
        for i in 0..4 {
            children.push([diag[0], diag[1], ring[i], ring[(i + 1) % 4]]);
        }
        for mut child in children {
            let corners = [nodes[v[child[0]]], nodes[v[child[1]]], nodes[v[child[2]]], nodes[v[child[3]]]];
            if geometry::tet_signed_volume(&corners) < 0.0 {
                child.swap(1, 2);
            }
            let index = regions.len();
            let global: Vec<usize> = child.iter().map(|&i| v[i]).collect();
            connectivity.extend_from_slice(&global);
            // 3. Mid-edge nodes of a Tet10 child through the parent's map.
            if kind == CellType::Tet10 {
                for [a, b] in TET_EDGES {
                    let id = *midpoint.entry(key(global[a], global[b])).or_insert_with(|| {
                        let xi = std::array::from_fn(|k| 0.5 * (POINTS[child[a]][k] + POINTS[child[b]][k]));
                        nodes.push(map(kind, &x, xi));
                        nodes.len() - 1
                    });
                    connectivity.push(id);
                }
            }
            for (f, local) in TET_FACES.iter().enumerate() {
                let mut t = [global[local[0]], global[local[1]], global[local[2]]];
                t.sort_unstable();
                faces.insert(t, CellFace { cell: index, face: f as u8 });
            }
            regions.push(mesh.cell_regions()[c]);
        }
    }
    // 4. Surfaces, fields, node sets.
    let mut surfaces = Vec::with_capacity(mesh.surfaces().len());
    for s in mesh.surfaces() {
        let mut out = Vec::with_capacity(4 * s.faces.len());
        for f in &s.faces {
            let cn = mesh.cell_nodes(f.cell);
            let local = TET_FACES[f.face as usize];
            let corner = [cn[local[0]], cn[local[1]], cn[local[2]]];
            let mid = |a: usize, b: usize| match kind {
                CellType::Tet10 => {
                    let e = TET_EDGES.iter().position(|e| key(cn[e[0]], cn[e[1]]) == key(a, b)).expect("a face edge");
                    cn[4 + e]
                }
                CellType::Tet4 => midpoint[&key(a, b)],
            };
            let (m01, m12, m02) = (mid(corner[0], corner[1]), mid(corner[1], corner[2]), mid(corner[0], corner[2]));
            for mut t in [[corner[0], m01, m02], [m01, corner[1], m12], [m02, m12, corner[2]], [m01, m12, m02]] {
                t.sort_unstable();
                out.push(*faces.get(&t).ok_or_else(|| MeshError::Parameter {
                    parameter: "surface",
                    value: s.name.clone(),
                    valid: "faces of the mesh's cells".into(),
                })?);
            }
        }
        surfaces.push(Surface { name: s.name.clone(), id: s.id, faces: out });
    }
    let fields: Vec<Field> = mesh
        .cell_fields()
        .iter()
        .map(|f| Field {
            name: f.name.clone(),
            components: f.components,
            values: (0..n_cells)
                .flat_map(|c| {
                    std::iter::repeat_n(&f.values[c * f.components..(c + 1) * f.components], 8).flatten().copied()
                })
                .collect(),
        })
        .collect();
    let mut out = Mesh::from_parts(nodes, kind, connectivity, regions, mesh.regions().to_vec(), surfaces, fields)?;
    out.node_sets = mesh.node_sets().to_vec();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mesh::generate::{beam, sphere, BeamParams, Order, SphereParams};

    /// Eight times the cells, the same volume and surface areas (flat faces: exactly; curved
    /// Tet10 faces: the parent's quadratic surface, so the same to round-off), positive cells.
    #[test]
    fn refinement_keeps_volume_and_areas() {
        for order in [Order::Linear, Order::Quadratic] {
            let m = beam(&BeamParams { size: [3.0, 1.0, 2.0], divisions: [3, 1, 2], order }).expect("beam");
            let r = refine(&m).expect("refined");
            assert_eq!(r.cell_count(), 8 * m.cell_count());
            assert!((r.volume() - m.volume()).abs() < 1e-12 * m.volume());
            for s in m.surfaces() {
                let rs = r.surface(&s.name).expect("surface kept");
                assert_eq!(rs.faces.len(), 4 * s.faces.len());
                assert!((r.surface_area(rs) - m.surface_area(s)).abs() < 1e-12 * m.surface_area(s), "{}", s.name);
            }
        }
        let m = sphere(&SphereParams { order: Order::Quadratic, ..SphereParams::default() }).expect("sphere");
        let r = refine(&m).expect("refined");
        // The children's faces follow the parent's quadratic faces: the volume agrees to the
        // accuracy of the quadrature on curved cells.
        assert!((r.volume() - m.volume()).abs() < 1e-6 * m.volume(), "{} vs {}", r.volume(), m.volume());
    }
}
