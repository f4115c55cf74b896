//! Consistent nodal loads: `f_a = ∫ N_a t dA` for surface tractions and `f_a = ∫ N_a b dV` for
//! body forces, integrated on the (possibly curved) Tri6/Tet10 geometry with Gauss rules exact
//! for the polynomial degree of straight-sided cells and ample for curved ones.
//!
//! Every function adds into a DOF vector `f` (SI units: N per DOF).

use nalgebra::Vector3;

use super::dofs::DofMap;
use super::element::{face_normal, face_shape, map_point, physical_gradients, shape};
use super::quadrature::{tet_gauss, tri_gauss};
use crate::mesh::{CellFace, Mesh};

/// Gauss order of the face rules: 16 points, exact to degree 6 (Tri6 shape × Tri6 area density
/// on a curved face is degree 4).
const FACE_ORDER: usize = 4;
/// Gauss order of the cell rules: 64 points, exact to degree 5 (Tet10 shape × curved `det J`).
const CELL_ORDER: usize = 4;

fn face_coords(mesh: &Mesh, face: CellFace) -> (Vec<usize>, Vec<[f64; 3]>) {
    let nodes = mesh.face_nodes(face);
    let x = nodes.iter().map(|&n| mesh.nodes()[n]).collect();
    (nodes, x)
}

/// Adds `∫ N_a t(x, n) dA` over `faces`, where `t` is a force per unit area given the point and
/// the unit outward normal.
pub fn add_surface_load(
    mesh: &Mesh,
    dofs: &DofMap,
    faces: &[CellFace],
    t: impl Fn([f64; 3], Vector3<f64>) -> [f64; 3],
    f: &mut [f64],
) {
    let rule = tri_gauss(FACE_ORDER);
    for &face in faces {
        let (nodes, x) = face_coords(mesh, face);
        for (ab, w) in &rule {
            let (n, d) = face_shape(nodes.len(), *ab);
            let normal = face_normal(&x, &d);
            let da = normal.norm();
            let mut p = [0.0; 3];
            for (ni, xi) in n.iter().zip(&x) {
                for k in 0..3 {
                    p[k] += ni * xi[k];
                }
            }
            let t = t(p, normal / da);
            for (ni, &node) in n.iter().zip(&nodes) {
                for (k, tk) in t.iter().enumerate() {
                    if let Some(dof) = dofs.dof(node, k) {
                        f[dof] += w * da * ni * tk;
                    }
                }
            }
        }
    }
}

/// Area of a set of faces with the rule used for loads.
pub fn faces_area(mesh: &Mesh, faces: &[CellFace]) -> f64 {
    let rule = tri_gauss(FACE_ORDER);
    faces
        .iter()
        .map(|&face| {
            let (nodes, x) = face_coords(mesh, face);
            rule.iter().map(|(ab, w)| w * face_normal(&x, &face_shape(nodes.len(), *ab).1).norm()).sum::<f64>()
        })
        .sum()
}

/// Adds `∫ N_a b(x) dV` over `cells`, `b` a force per unit volume.
pub fn add_body_load(mesh: &Mesh, dofs: &DofMap, cells: &[usize], b: impl Fn([f64; 3]) -> [f64; 3], f: &mut [f64]) {
    let rule = tet_gauss(CELL_ORDER);
    for &c in cells {
        let kind = mesh.cell_type(c);
        let x = mesh.cell_coords(c);
        for (xi, w) in &rule {
            let Some((_, det)) = physical_gradients(kind, &x, *xi) else { continue };
            let n = shape(kind, *xi);
            let b = b(map_point(kind, &x, *xi));
            for (ni, &node) in n.iter().zip(mesh.cell_nodes(c)) {
                for (k, bk) in b.iter().enumerate() {
                    if let Some(dof) = dofs.dof(node, k) {
                        f[dof] += w * det * ni * bk;
                    }
                }
            }
        }
    }
}

/// Adds the force `value` to each node of `nodes` (nodes without DOFs are skipped).
pub fn add_nodal_load(dofs: &DofMap, nodes: &[usize], value: [f64; 3], f: &mut [f64]) {
    for &node in nodes {
        for (k, v) in value.iter().enumerate() {
            if let Some(dof) = dofs.dof(node, k) {
                f[dof] += v;
            }
        }
    }
}

/// Sum of a DOF vector per component (the resultant of nodal forces).
pub fn resultant(f: &[f64]) -> [f64; 3] {
    let mut r = [0.0; 3];
    for (i, v) in f.iter().enumerate() {
        r[i % 3] += v;
    }
    r
}
