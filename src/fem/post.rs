//! Post-processing: strains and stresses, von Mises and principal stresses, nodal averages,
//! reactions, strain energy, point location and interpolation, and error norms.
//!
//! Tensors are stored as 6 components in ParaView's symmetric-tensor order
//! `xx, yy, zz, xy, yz, xz`; strains are tensor components (`ε_xy = γ_xy / 2`).

use nalgebra::{Matrix3, SymmetricEigen, Vector3};
use rayon::prelude::*;

use super::assembly::stiffness_rule;
use super::element::{map_point, physical_gradients, reference_nodes, shape};
use super::material::LinearElastic;
use super::quadrature::tet_gauss;
use crate::mesh::{geometry, CellType, Mesh};

/// Per-cell results (volume averages over the cell).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CellResults {
    /// Strain tensor.
    pub strain: Vec<[f64; 6]>,
    /// Stress tensor.
    pub stress: Vec<[f64; 6]>,
    /// Von Mises stress.
    pub von_mises: Vec<f64>,
    /// Principal stresses, largest first.
    pub principal: Vec<[f64; 3]>,
}

/// Strain (tensor components) at reference point `xi` of cell `c`.
fn strain_at(kind: CellType, x: &[[f64; 3]], u: &[[f64; 3]], xi: [f64; 3]) -> Option<([f64; 6], f64)> {
    let (g, det) = physical_gradients(kind, x, xi)?;
    let mut h = [[0.0; 3]; 3]; // displacement gradient ∂u_i/∂x_j
    for (gi, ui) in g.iter().zip(u) {
        for i in 0..3 {
            for j in 0..3 {
                h[i][j] += ui[i] * gi[j];
            }
        }
    }
    let e =
        [h[0][0], h[1][1], h[2][2], 0.5 * (h[0][1] + h[1][0]), 0.5 * (h[1][2] + h[2][1]), 0.5 * (h[0][2] + h[2][0])];
    Some((e, det))
}

/// Stress (tensor order) of a strain (tensor order).
fn stress_of(m: &LinearElastic, e: &[f64; 6]) -> [f64; 6] {
    m.stress(&[e[0], e[1], e[2], 2.0 * e[3], 2.0 * e[4], 2.0 * e[5]])
}

/// Von Mises equivalent stress.
pub fn von_mises(s: &[f64; 6]) -> f64 {
    let d = (s[0] - s[1]).powi(2) + (s[1] - s[2]).powi(2) + (s[2] - s[0]).powi(2);
    (0.5 * d + 3.0 * (s[3] * s[3] + s[4] * s[4] + s[5] * s[5])).sqrt()
}

/// Principal values of a symmetric tensor, largest first.
pub fn principal(s: &[f64; 6]) -> [f64; 3] {
    let m = Matrix3::new(s[0], s[3], s[5], s[3], s[1], s[4], s[5], s[4], s[2]);
    let mut e: Vec<f64> = SymmetricEigen::new(m).eigenvalues.iter().copied().collect();
    e.sort_by(|a, b| b.total_cmp(a));
    [e[0], e[1], e[2]]
}

/// Cell-averaged strain and stress for nodal displacements `u` (one per mesh node).
pub fn cell_results(mesh: &Mesh, materials: &[LinearElastic], u: &[[f64; 3]]) -> CellResults {
    let per_cell: Vec<([f64; 6], [f64; 6])> = (0..mesh.cell_count())
        .into_par_iter()
        .map(|c| {
            let kind = mesh.cell_type(c);
            let x = mesh.cell_coords(c);
            let uc: Vec<[f64; 3]> = mesh.cell_nodes(c).iter().map(|&n| u[n]).collect();
            let (mut e, mut vol) = ([0.0; 6], 0.0);
            for (xi, w) in stiffness_rule(kind) {
                if let Some((ei, det)) = strain_at(kind, &x, &uc, xi) {
                    for k in 0..6 {
                        e[k] += w * det * ei[k];
                    }
                    vol += w * det;
                }
            }
            let e = e.map(|v| v / vol);
            (e, stress_of(&materials[c], &e))
        })
        .collect();
    let (strain, stress): (Vec<_>, Vec<_>) = per_cell.into_iter().unzip();
    CellResults {
        von_mises: stress.iter().map(von_mises).collect(),
        principal: stress.iter().map(principal).collect(),
        strain,
        stress,
    }
}

/// Nodal stresses: the stress of each cell evaluated at its nodes, averaged over the cells
/// around each node with their volumes as weights (nodes without cells get zero).
pub fn nodal_stress(mesh: &Mesh, materials: &[LinearElastic], u: &[[f64; 3]]) -> Vec<[f64; 6]> {
    nodal_tensors_where(mesh, materials, u, |_| true).1
}

/// Nodal strains (engineering shears) and stresses averaged like [`nodal_stress`], over the
/// cells `keep` accepts only (one region's cells: a node on a material interface then carries
/// that region's stress, not a mix of both sides'). Nodes of no kept cell get zeros.
pub fn nodal_tensors_where(
    mesh: &Mesh,
    materials: &[LinearElastic],
    u: &[[f64; 3]],
    keep: impl Fn(usize) -> bool,
) -> (Vec<[f64; 6]>, Vec<[f64; 6]>) {
    let mut strain = vec![[0.0; 6]; mesh.nodes().len()];
    let mut stress = vec![[0.0; 6]; mesh.nodes().len()];
    let mut weight = vec![0.0; mesh.nodes().len()];
    for (c, material) in materials.iter().enumerate().filter(|(c, _)| keep(*c)) {
        let kind = mesh.cell_type(c);
        let x = mesh.cell_coords(c);
        let uc: Vec<[f64; 3]> = mesh.cell_nodes(c).iter().map(|&n| u[n]).collect();
        let vol = geometry::cell_volume(kind, &x);
        for (&node, xi) in mesh.cell_nodes(c).iter().zip(reference_nodes(kind)) {
            if let Some((e, _)) = strain_at(kind, &x, &uc, *xi) {
                let s = stress_of(material, &e);
                for k in 0..6 {
                    strain[node][k] += vol * e[k];
                    stress[node][k] += vol * s[k];
                }
                weight[node] += vol;
            }
        }
    }
    let average = |v: Vec<[f64; 6]>| -> Vec<[f64; 6]> {
        v.iter().zip(&weight).map(|(s, &w)| if w > 0.0 { s.map(|v| v / w) } else { [0.0; 6] }).collect()
    };
    (average(strain), average(stress))
}

/// How far outside its cell a point may lie and still be located, in barycentric units (about
/// that fraction of the cell size): a point on a curved boundary (a sphere of radius 2 exactly)
/// lies just outside the Tet10 faces, which meet the true surface only at their nodes.
pub const LOCATE_TOLERANCE: f64 = 1e-2;

/// Locates `p` in the undeformed mesh: the cell and reference coordinates, or `None` when the
/// point lies outside every cell. A cell containing `p` (to `1e-9` of its size) is taken first;
/// failing that, the cell `p` lies outside of by the least, if within [`LOCATE_TOLERANCE`].
pub fn locate(mesh: &Mesh, p: [f64; 3]) -> Option<(usize, [f64; 3])> {
    let mut best: Option<(f64, usize, [f64; 3])> = None;
    for c in 0..mesh.cell_count() {
        let Some((xi, outside)) = inside(mesh, c, p, LOCATE_TOLERANCE) else { continue };
        if outside <= 1e-9 {
            return Some((c, xi));
        }
        if best.is_none_or(|b| outside < b.0) {
            best = Some((outside, c, xi));
        }
    }
    best.map(|(_, c, xi)| (c, xi))
}

/// The reference coordinates of `p` in cell `c` and how far outside the cell they lie (the most
/// negative barycentric coordinate, negated; 0 inside), when within `tol`.
fn inside(mesh: &Mesh, c: usize, p: [f64; 3], tol: f64) -> Option<([f64; 3], f64)> {
    let target = Vector3::from(p);
    let (lo, hi) = bounds(mesh.cell_nodes(c).iter().map(|&n| &mesh.nodes()[n]));
    let size = (0..3).map(|k| hi[k] - lo[k]).fold(0.0, f64::max);
    let pad = tol.max(1e-9) * size;
    if (0..3).any(|k| p[k] < lo[k] - pad || p[k] > hi[k] + pad) {
        return None;
    }
    let kind = mesh.cell_type(c);
    let x = mesh.cell_coords(c);
    // Newton on x(ξ) = p, starting from the straight tet (exact in one step for Tet4).
    let mut xi = [0.25; 3];
    for _ in 0..20 {
        let r = target - Vector3::from(map_point(kind, &x, xi));
        let step = geometry::jacobian(kind, &x, xi).try_inverse()? * r;
        xi = [xi[0] + step[0], xi[1] + step[1], xi[2] + step[2]];
        if step.norm() < 1e-14 {
            break;
        }
    }
    let l = [1.0 - xi[0] - xi[1] - xi[2], xi[0], xi[1], xi[2]];
    let close = (target - Vector3::from(map_point(kind, &x, xi))).norm() <= (1e-6 * size).max(1e-300);
    let outside = -l.iter().copied().fold(0.0, f64::min);
    (close && outside <= tol).then_some((xi, outside))
}

/// Distance from `p` to the mesh: zero inside a cell, else to the nearest boundary face (its
/// straight triangle through the corner nodes), for "outside the mesh" messages.
pub fn distance_to_mesh(mesh: &Mesh, p: [f64; 3]) -> f64 {
    if locate(mesh, p).is_some() {
        return 0.0;
    }
    let q = Vector3::from(p);
    mesh.boundary_faces()
        .iter()
        .map(|&f| {
            let n = mesh.face_nodes(f);
            let v = |i: usize| Vector3::from(mesh.nodes()[n[i]]);
            (closest_on_triangle(q, v(0), v(1), v(2)) - q).norm()
        })
        .fold(f64::INFINITY, f64::min)
}

/// The point of triangle `abc` closest to `p` (Voronoi regions of the vertices, edges and face).
fn closest_on_triangle(p: Vector3<f64>, a: Vector3<f64>, b: Vector3<f64>, c: Vector3<f64>) -> Vector3<f64> {
    let (ab, ac, ap) = (b - a, c - a, p - a);
    let (d1, d2) = (ab.dot(&ap), ac.dot(&ap));
    if d1 <= 0.0 && d2 <= 0.0 {
        return a;
    }
    let bp = p - b;
    let (d3, d4) = (ab.dot(&bp), ac.dot(&bp));
    if d3 >= 0.0 && d4 <= d3 {
        return b;
    }
    let vc = d1 * d4 - d3 * d2;
    if vc <= 0.0 && d1 >= 0.0 && d3 <= 0.0 {
        return a + ab * (d1 / (d1 - d3));
    }
    let cp = p - c;
    let (d5, d6) = (ab.dot(&cp), ac.dot(&cp));
    if d6 >= 0.0 && d5 <= d6 {
        return c;
    }
    let vb = d5 * d2 - d1 * d6;
    if vb <= 0.0 && d2 >= 0.0 && d6 <= 0.0 {
        return a + ac * (d2 / (d2 - d6));
    }
    let va = d3 * d6 - d5 * d4;
    if va <= 0.0 && (d4 - d3) >= 0.0 && (d5 - d6) >= 0.0 {
        return b + (c - b) * ((d4 - d3) / ((d4 - d3) + (d5 - d6)));
    }
    let denom = 1.0 / (va + vb + vc);
    a + ab * (vb * denom) + ac * (vc * denom)
}

fn bounds<'a>(x: impl Iterator<Item = &'a [f64; 3]>) -> ([f64; 3], [f64; 3]) {
    x.fold(([f64::INFINITY; 3], [f64::NEG_INFINITY; 3]), |(mut lo, mut hi), q| {
        for k in 0..3 {
            lo[k] = lo[k].min(q[k]);
            hi[k] = hi[k].max(q[k]);
        }
        (lo, hi)
    })
}

/// The nodal field `u` interpolated at reference point `xi` of cell `c`.
pub fn interpolate(mesh: &Mesh, c: usize, xi: [f64; 3], u: &[[f64; 3]]) -> [f64; 3] {
    let n = shape(mesh.cell_type(c), xi);
    let mut v = [0.0; 3];
    for (ni, &node) in n.iter().zip(mesh.cell_nodes(c)) {
        for k in 0..3 {
            v[k] += ni * u[node][k];
        }
    }
    v
}

/// `(‖u_h − u‖_L2, ‖u‖_L2)` over the mesh, integrated with a 64-point rule per cell.
pub fn l2_error(mesh: &Mesh, u: &[[f64; 3]], exact: impl Fn([f64; 3]) -> [f64; 3] + Sync) -> (f64, f64) {
    let rule = tet_gauss(4);
    let (e2, n2) = (0..mesh.cell_count())
        .into_par_iter()
        .map(|c| {
            let kind = mesh.cell_type(c);
            let x = mesh.cell_coords(c);
            let (mut e2, mut n2) = (0.0, 0.0);
            for (xi, w) in &rule {
                let Some((_, det)) = physical_gradients(kind, &x, *xi) else { continue };
                let uh = interpolate(mesh, c, *xi, u);
                let ue = exact(map_point(kind, &x, *xi));
                for k in 0..3 {
                    e2 += w * det * (uh[k] - ue[k]).powi(2);
                    n2 += w * det * ue[k].powi(2);
                }
            }
            (e2, n2)
        })
        .reduce(|| (0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1));
    (e2.sqrt(), n2.sqrt())
}
