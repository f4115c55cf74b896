//! Follower pressure: a pressure `p` acting on the **deformed** surface, and its load stiffness.
//!
//! The external virtual work is `δW = −∫_γ p n · δu da`. On a face parametrised by `(ξ, η)` with
//! current position `x(ξ, η) = Σ_b N_b x_b`, `n da = (x_,ξ × x_,η) dξ dη`, so the residual
//! (internal minus external) gains `R_a = p ∫ N_a (x_,ξ × x_,η) dξ dη` and the tangent
//! `K_ai,bj = p ∫ N_a (N_b,η [x_,ξ]× − N_b,ξ [x_,η]×)_ij dξ dη`, `[v]× w = v × w`.
//!
//! This load stiffness is not symmetric face by face; its skew part integrates to a term on the
//! rim of the loaded surface, so on a closed surface, or one whose rim does not move (the LV
//! endocardium with its base fixed), the assembled tangent on the free DOFs is symmetric. The
//! solvers here need a symmetric matrix, so [`add_follower_pressure`] adds the symmetric part
//! `½ (K + Kᵀ)`: exact in those cases, and for an open surface with a moving rim (the bottom of
//! the Land beam) a modified Newton tangent whose missing skew part costs Newton its quadratic
//! rate but not its fixed point ([`rim_moves`] tells which case a load is in).

use nalgebra::{Matrix3, Vector3};
use nalgebra_sparse::CsrMatrix;

use super::assembly::Assembler;
use super::element::face_shape;
use super::quadrature::tri_gauss;
use crate::mesh::{CellFace, Mesh};

/// Gauss order of the face rule: 9 points, exact to degree 4 (`N_a x_,ξ × x_,η` on Tri6).
const ORDER: usize = 3;

fn skew(v: &Vector3<f64>) -> Matrix3<f64> {
    Matrix3::new(0.0, -v[2], v[1], v[2], 0.0, -v[0], -v[1], v[0], 0.0)
}

/// Current coordinates and DOF slots of a face's nodes.
fn face_state(mesh: &Mesh, assembler: &Assembler, face: CellFace, u: &[f64]) -> (Vec<usize>, Vec<Vector3<f64>>) {
    let nodes = mesh.face_nodes(face);
    let slots: Vec<usize> = nodes.iter().map(|&n| assembler.dofs().slot(n).expect("face nodes have DOFs")).collect();
    let x = nodes
        .iter()
        .zip(&slots)
        .map(|(&n, &s)| Vector3::from(mesh.nodes()[n]) + Vector3::new(u[3 * s], u[3 * s + 1], u[3 * s + 2]))
        .collect();
    (slots, x)
}

/// Adds the follower pressure `p` (Pa, positive pushing into the body) on `faces` to `residual`
/// and, when given, the symmetric part of its load stiffness to `tangent`, at the DOF vector `u`.
pub fn add_follower_pressure(
    mesh: &Mesh,
    assembler: &Assembler,
    faces: &[CellFace],
    p: f64,
    u: &[f64],
    residual: &mut [f64],
    mut tangent: Option<&mut CsrMatrix<f64>>,
) {
    let rule = tri_gauss(ORDER);
    let mut kf = vec![0.0; 18 * 18];
    for &face in faces {
        let (slots, x) = face_state(mesh, assembler, face, u);
        let m = slots.len();
        kf[..9 * m * m].fill(0.0);
        for (ab, w) in &rule {
            let (n, d) = face_shape(m, *ab);
            let (mut ta, mut tb) = (Vector3::zeros(), Vector3::zeros());
            for (xi, di) in x.iter().zip(&d) {
                ta += xi * di[0];
                tb += xi * di[1];
            }
            let normal = ta.cross(&tb);
            for (a, &s) in slots.iter().enumerate() {
                for i in 0..3 {
                    residual[3 * s + i] += w * p * n[a] * normal[i];
                }
            }
            if tangent.is_some() {
                let (sa, sb) = (skew(&ta), skew(&tb));
                for a in 0..m {
                    for b in 0..m {
                        let block = (sa * d[b][1] - sb * d[b][0]) * (w * p * n[a]);
                        for i in 0..3 {
                            for j in 0..3 {
                                kf[(3 * a + i) * 3 * m + 3 * b + j] += block[(i, j)];
                            }
                        }
                    }
                }
            }
        }
        if let Some(k) = tangent.as_deref_mut() {
            scatter_symmetric(assembler, &slots, &kf[..9 * m * m], k);
        }
    }
}

fn scatter_symmetric(assembler: &Assembler, slots: &[usize], kf: &[f64], k: &mut CsrMatrix<f64>) {
    let m = 3 * slots.len();
    let values = k.values_mut();
    for (a, &sa) in slots.iter().enumerate() {
        for (b, &sb) in slots.iter().enumerate() {
            let (pos, width) = assembler.block_entry(sa, sb).expect("face nodes share a cell");
            for i in 0..3 {
                for j in 0..3 {
                    let (r, c) = (3 * a + i, 3 * b + j);
                    values[pos + i * width + j] += 0.5 * (kf[r * m + c] + kf[c * m + r]);
                }
            }
        }
    }
}

/// Nodes on the rim of a surface: the nodes of face edges that belong to one face only (for
/// Tet10 faces, the edge's mid node too), sorted.
pub fn rim_nodes(mesh: &Mesh, faces: &[CellFace]) -> Vec<usize> {
    let mut edges: std::collections::HashMap<(usize, usize), (usize, Option<usize>)> = Default::default();
    for &f in faces {
        let nodes = mesh.face_nodes(f);
        for e in 0..3 {
            let (a, b) = (nodes[e], nodes[(e + 1) % 3]);
            let mid = (nodes.len() == 6).then(|| nodes[3 + e]);
            edges.entry((a.min(b), a.max(b))).or_insert((0, mid)).0 += 1;
        }
    }
    let mut rim: Vec<usize> = edges
        .iter()
        .filter(|(_, (count, _))| *count == 1)
        .flat_map(|(&(a, b), &(_, mid))| [Some(a), Some(b), mid].into_iter().flatten())
        .collect();
    rim.sort_unstable();
    rim.dedup();
    rim
}

/// Whether any rim node of the surface has a free DOF (`constrained[dof]` false): then the
/// follower tangent is symmetrized rather than exact (module docs).
pub fn rim_moves(mesh: &Mesh, assembler: &Assembler, faces: &[CellFace], constrained: &[bool]) -> bool {
    rim_nodes(mesh, faces)
        .iter()
        .filter_map(|&n| assembler.dofs().slot(n))
        .any(|s| (0..3).any(|k| !constrained[3 * s + k]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fem::DofMap;
    use crate::mesh::generate::{beam, BeamParams, Order};

    /// The assembled follower tangent is the symmetric part of the finite-difference derivative
    /// of the residual, and the residual of a closed box under pressure sums to zero.
    #[test]
    fn tangent_is_the_symmetric_part_of_the_residual_derivative() {
        let mesh = beam(&BeamParams { size: [2.0, 1.0, 1.0], divisions: [2, 1, 1], order: Order::Quadratic }).unwrap();
        let assembler = Assembler::with_dofs(&mesh, DofMap::new(&mesh)).unwrap();
        let faces = mesh.boundary_faces();
        let n = assembler.dofs().len();
        let u: Vec<f64> = (0..n).map(|i| 0.05 * ((i as f64) * 0.7).sin()).collect();
        let mut r = vec![0.0; n];
        let mut k = assembler.zero_matrix();
        add_follower_pressure(&mesh, &assembler, &faces, 3.0, &u, &mut r, Some(&mut k));
        let total: Vector3<f64> = (0..n / 3).map(|s| Vector3::new(r[3 * s], r[3 * s + 1], r[3 * s + 2])).sum();
        assert!(total.norm() < 1e-12, "closed surface: net pressure force {total}");
        let h = 1e-6;
        let dense = nalgebra::DMatrix::from(&k);
        let mut fd = nalgebra::DMatrix::zeros(n, n);
        for j in 0..n {
            let (mut up, mut um) = (u.clone(), u.clone());
            up[j] += h;
            um[j] -= h;
            let (mut rp, mut rm) = (vec![0.0; n], vec![0.0; n]);
            add_follower_pressure(&mesh, &assembler, &faces, 3.0, &up, &mut rp, None);
            add_follower_pressure(&mesh, &assembler, &faces, 3.0, &um, &mut rm, None);
            for i in 0..n {
                fd[(i, j)] = (rp[i] - rm[i]) / (2.0 * h);
            }
        }
        let sym = (&fd + fd.transpose()) * 0.5;
        let err = (&dense - &sym).abs().max();
        assert!(err < 1e-7 * fd.abs().max(), "tangent error {err}");
        // On a closed surface the exact derivative is itself symmetric.
        assert!((&fd - fd.transpose()).abs().max() < 1e-7 * fd.abs().max());
    }
}
