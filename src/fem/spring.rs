//! Elastic (Robin) supports: a surface held by distributed springs.
//!
//! A spring support on the surface `Γ` with stiffnesses per area `k_n` (normal) and `k_t`
//! (tangential), in Pa/m, stores the energy
//!
//! `Π_s(u) = ½ ∫_Γ [ k_n (u · n₀)² + k_t |u − (u · n₀) n₀|² ] dA₀`,
//!
//! with `n₀` the outward normal of the reference surface (the springs keep their directions: the
//! linearised pericardium/base boundary condition of current LV models). `Π_s` is quadratic, so
//! its stiffness `K_s,ai,bj = ∫ N_a N_b [k_n n₀⊗n₀ + k_t (I − n₀⊗n₀)]_ij dA₀` is constant and
//! symmetric: [`SpringSupport::new`] integrates it once (Gauss rule of order 3 on each Tri3/Tri6
//! face, exact for `N_a N_b` times the normal of a flat face), and the analyses add it to their
//! stiffness (linear) or their residual `K_s u` and tangent (finite strain). The force the
//! springs exert on the body is `−K_s u`.

use nalgebra::{Matrix3, Vector3};

use super::assembly::Assembler;
use super::element::face_shape;
use super::quadrature::tri_gauss;
use crate::mesh::{CellFace, Mesh};

/// A spring support integrated on the pattern of an [`Assembler`].
#[derive(Debug, Clone)]
pub struct SpringSupport {
    /// `(value position, K_s entry)` in the matrix values of the assembler's pattern.
    entries: Vec<(usize, f64)>,
    /// `(row, column, K_s entry)` in DOF numbering, for `K_s u`.
    triplets: Vec<(usize, usize, f64)>,
}

impl SpringSupport {
    /// Integrates the springs `k_n`, `k_t` (Pa/m) on `faces` of `mesh` (SI coordinates).
    pub fn new(mesh: &Mesh, assembler: &Assembler, faces: &[CellFace], k_n: f64, k_t: f64) -> SpringSupport {
        let rule = tri_gauss(3);
        let mut blocks: std::collections::BTreeMap<(usize, usize), Matrix3<f64>> = Default::default();
        for &face in faces {
            let nodes = mesh.face_nodes(face);
            let slots: Vec<usize> =
                nodes.iter().map(|&n| assembler.dofs().slot(n).expect("face nodes have DOFs")).collect();
            let x: Vec<Vector3<f64>> = nodes.iter().map(|&n| Vector3::from(mesh.nodes()[n])).collect();
            for (ab, w) in &rule {
                let (n, d) = face_shape(slots.len(), *ab);
                let (mut ta, mut tb) = (Vector3::zeros(), Vector3::zeros());
                for (xi, di) in x.iter().zip(&d) {
                    ta += xi * di[0];
                    tb += xi * di[1];
                }
                let area = ta.cross(&tb);
                let da = area.norm();
                if da == 0.0 {
                    continue;
                }
                let normal = area / da;
                let nn = normal * normal.transpose();
                let k = nn * k_n + (Matrix3::identity() - nn) * k_t;
                for (a, &sa) in slots.iter().enumerate() {
                    for (b, &sb) in slots.iter().enumerate() {
                        *blocks.entry((sa, sb)).or_insert_with(Matrix3::zeros) += k * (w * da * n[a] * n[b]);
                    }
                }
            }
        }
        let mut entries = Vec::with_capacity(9 * blocks.len());
        let mut triplets = Vec::with_capacity(9 * blocks.len());
        for ((sa, sb), k) in blocks {
            let (pos, width) = assembler.block_entry(sa, sb).expect("face nodes share a cell");
            for i in 0..3 {
                for j in 0..3 {
                    entries.push((pos + i * width + j, k[(i, j)]));
                    triplets.push((3 * sa + i, 3 * sb + j, k[(i, j)]));
                }
            }
        }
        SpringSupport { entries, triplets }
    }

    /// Adds `K_s` to matrix values on the assembler's pattern.
    pub fn add_stiffness(&self, values: &mut [f64]) {
        for &(pos, k) in &self.entries {
            values[pos] += k;
        }
    }

    /// Adds `K_s u` (the springs' share of the internal forces) to `residual`.
    pub fn add_forces(&self, u: &[f64], residual: &mut [f64]) {
        for &(i, j, k) in &self.triplets {
            residual[i] += k * u[j];
        }
    }

    /// The resultant force the springs exert on the body at `u`, `−Σ (K_s u)` per component (N).
    pub fn resultant(&self, u: &[f64]) -> [f64; 3] {
        let mut r = [0.0; 3];
        for &(i, j, k) in &self.triplets {
            r[i % 3] -= k * u[j];
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mesh::generate::{beam, BeamParams, Order};

    /// A uniform displacement `d` of a flat face of area `A` with normal `e_z` costs
    /// `½ A (k_n d_z² + k_t (d_x² + d_y²))`, and the springs push back with `−A k·d`.
    #[test]
    fn rigid_translation_of_a_flat_face() {
        for order in [Order::Linear, Order::Quadratic] {
            let mesh = beam(&BeamParams { order, ..BeamParams::default() }).expect("beam");
            let assembler = Assembler::new(&mesh).expect("assembler");
            let faces = mesh.surface("zmin").expect("zmin").faces.clone();
            let (k_n, k_t) = (3.0, 0.5);
            let springs = SpringSupport::new(&mesh, &assembler, &faces, k_n, k_t);
            let area = super::super::load::faces_area(&mesh, &faces);
            let d = [0.2, -0.1, 0.3];
            let u: Vec<f64> = (0..assembler.dofs().len()).map(|i| d[i % 3]).collect();
            let r = springs.resultant(&u);
            let expect = [-area * k_t * d[0], -area * k_t * d[1], -area * k_n * d[2]];
            for k in 0..3 {
                assert!((r[k] - expect[k]).abs() <= 1e-12 * area * k_n, "{order:?}: {r:?} vs {expect:?}");
            }
            // The stiffness on the pattern equals the triplets (energy uᵀ K u both ways).
            let mut k = assembler.zero_matrix();
            springs.add_stiffness(k.values_mut());
            let mut ku = vec![0.0; u.len()];
            crate::solve::vector::spmv(&k, &u, &mut ku);
            let energy: f64 = 0.5 * u.iter().zip(&ku).map(|(a, b)| a * b).sum::<f64>();
            let closed = 0.5 * area * (k_n * d[2] * d[2] + k_t * (d[0] * d[0] + d[1] * d[1]));
            assert!((energy - closed).abs() <= 1e-12 * closed, "{order:?}: {energy} vs {closed}");
        }
    }
}
