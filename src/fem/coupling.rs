//! Distributing coupling: a force `F` and a moment `M` applied at a reference point `P` off the
//! mesh (the centre of a hip head, of a test rig's loading cap) carried onto a surface as nodal
//! forces that reproduce the resultant force and the moment about `P` exactly, as Abaqus'
//! distributing coupling does.
//!
//! With nodal weights `wᵢ` (the consistent nodal areas `∫ Nᵢ dA` of the surface, so a pure force
//! becomes the consistent load of a uniform traction), the weighted centroid
//! `x̄ = Σ wᵢ xᵢ / W` and `rᵢ = xᵢ − x̄`, the nodal forces are
//!
//! `fᵢ = wᵢ F / W + wᵢ a × rᵢ`,  `J a = M + (P − x̄) × F`,  `J = Σ wᵢ (|rᵢ|² I − rᵢ rᵢᵀ)`.
//!
//! Since `Σ wᵢ rᵢ = 0`, the second term adds no force, and `Σ rᵢ × (wᵢ a × rᵢ) = J a` is the
//! moment about `x̄` that the load at `P` carries there; so `Σ fᵢ = F` and
//! `Σ (xᵢ − P) × fᵢ = M` to round-off. `J` (the polar "inertia" of the weights) is singular only
//! when the loaded nodes lie on one line, which cannot carry a moment about that line.

use nalgebra::{Matrix3, Vector3};

use super::dofs::DofMap;
use super::element::{face_normal, face_shape};
use super::quadrature::tri_gauss;
use crate::mesh::{CellFace, Mesh};

/// Why a coupling cannot be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CouplingError {
    /// The surface has no area (no faces, or degenerate ones).
    #[error("the coupling surface has no area ({faces} faces); give a surface with faces")]
    NoArea {
        /// Faces given.
        faces: usize,
    },
    /// The loaded nodes lie on a line: no moment about it can be carried.
    #[error(
        "the coupling surface's nodes lie (nearly) on one line (smallest polar moment {ratio:.1e} of the largest), \
         so it cannot carry a moment about that line; couple the load onto a larger surface"
    )]
    Collinear {
        /// Smallest over largest eigenvalue of `J`.
        ratio: f64,
    },
}

/// The nodal forces of a distributing coupling, node by node (mesh node index, force).
#[derive(Debug, Clone, PartialEq)]
pub struct Coupling {
    /// (mesh node, nodal force) for every node of the surface with positive weight.
    pub forces: Vec<(usize, [f64; 3])>,
}

impl Coupling {
    /// Distributes `force` and `moment` at `point` onto `faces` (all SI, or all in one unit system).
    pub fn new(
        mesh: &Mesh,
        faces: &[CellFace],
        point: [f64; 3],
        force: [f64; 3],
        moment: [f64; 3],
    ) -> Result<Coupling, CouplingError> {
        let weights = nodal_areas(mesh, faces);
        let total: f64 = weights.iter().map(|(_, w)| w).sum();
        if total.is_nan() || total <= 0.0 {
            return Err(CouplingError::NoArea { faces: faces.len() });
        }
        let x = |n: usize| Vector3::from(mesh.nodes()[n]);
        let centroid = weights.iter().fold(Vector3::zeros(), |c, &(n, w)| c + x(n) * w) / total;
        let mut j = Matrix3::zeros();
        for &(n, w) in &weights {
            let r = x(n) - centroid;
            j += (Matrix3::identity() * r.norm_squared() - r * r.transpose()) * w;
        }
        let f = Vector3::from(force);
        let m = Vector3::from(moment) + (Vector3::from(point) - centroid).cross(&f);
        let eig = j.symmetric_eigenvalues();
        let (lo, hi) = (eig.min(), eig.max());
        let ratio = if hi > 0.0 { lo / hi } else { 0.0 };
        // A moment needs a non-degenerate J; a pure force about the centroid needs none.
        let a = if m.norm() == 0.0 {
            Vector3::zeros()
        } else if ratio < 1e-10 {
            return Err(CouplingError::Collinear { ratio });
        } else {
            j.cholesky().map(|c| c.solve(&m)).ok_or(CouplingError::Collinear { ratio })?
        };
        let forces = weights
            .iter()
            .map(|&(n, w)| {
                let r = x(n) - centroid;
                let fi = f * (w / total) + a.cross(&r) * w;
                (n, [fi.x, fi.y, fi.z])
            })
            .collect();
        Ok(Coupling { forces })
    }

    /// Adds the nodal forces into the DOF vector `out`.
    pub fn add_to(&self, dofs: &DofMap, out: &mut [f64]) {
        for &(n, f) in &self.forces {
            for (k, fk) in f.iter().enumerate() {
                if let Some(d) = dofs.dof(n, k) {
                    out[d] += fk;
                }
            }
        }
    }

    /// The resultant force and the moment about `point` of the nodal forces.
    pub fn resultant(&self, mesh: &Mesh, point: [f64; 3]) -> ([f64; 3], [f64; 3]) {
        let p = Vector3::from(point);
        let (mut f, mut m) = (Vector3::zeros(), Vector3::zeros());
        for &(n, fi) in &self.forces {
            let fi = Vector3::from(fi);
            f += fi;
            m += (Vector3::from(mesh.nodes()[n]) - p).cross(&fi);
        }
        ([f.x, f.y, f.z], [m.x, m.y, m.z])
    }
}

/// `∫ Nᵢ dA` over `faces` for every node touched, clamped at zero (the corner integrals of a flat
/// Tri6 are exactly zero and may round to −1e-20), sorted by node.
fn nodal_areas(mesh: &Mesh, faces: &[CellFace]) -> Vec<(usize, f64)> {
    let rule = tri_gauss(4);
    let mut acc: std::collections::BTreeMap<usize, f64> = std::collections::BTreeMap::new();
    for &face in faces {
        let nodes = mesh.face_nodes(face);
        let x: Vec<[f64; 3]> = nodes.iter().map(|&n| mesh.nodes()[n]).collect();
        for (ab, w) in &rule {
            let (n, d) = face_shape(nodes.len(), *ab);
            let da = face_normal(&x, &d).norm();
            for (ni, &node) in n.iter().zip(&nodes) {
                *acc.entry(node).or_insert(0.0) += w * da * ni;
            }
        }
    }
    acc.into_iter().filter(|(_, w)| *w > 0.0).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mesh::generate::{beam, BeamParams, Order};

    /// The nodal forces reproduce the force and the moment about the point to round-off, on
    /// linear and quadratic faces.
    #[test]
    fn resultant_and_moment_are_exact() {
        for order in [Order::Linear, Order::Quadratic] {
            let mesh = beam(&BeamParams { order, ..BeamParams::default() }).expect("beam");
            let faces = mesh.surface("xmax").expect("xmax").faces.clone();
            let point = [13.0, 2.5, -4.0];
            let (force, moment) = ([120.0, -35.0, 900.0], [3.0, -70.0, 11.0]);
            let c = Coupling::new(&mesh, &faces, point, force, moment).expect("coupling");
            let (f, m) = c.resultant(&mesh, point);
            // Sums of a few hundred terms of size |F| (and |F| times the lever arm): 1e-12
            // relative leaves ample room over the ~1e-14 rounding.
            for k in 0..3 {
                assert!((f[k] - force[k]).abs() <= 1e-12 * 900.0, "{order:?} force {f:?}");
                assert!((m[k] - moment[k]).abs() <= 1e-12 * 900.0 * 20.0, "{order:?} moment {m:?}");
            }
        }
    }

    /// A pure force through the centroid is the consistent load of a uniform traction.
    #[test]
    fn central_force_is_a_uniform_traction() {
        let mesh = beam(&BeamParams::default()).expect("beam");
        let faces = mesh.surface("xmax").expect("xmax").faces.clone();
        let centroid = nodal_areas(&mesh, &faces)
            .iter()
            .fold([0.0; 3], |c, &(n, w)| std::array::from_fn(|k| c[k] + w * mesh.nodes()[n][k]));
        let area: f64 = nodal_areas(&mesh, &faces).iter().map(|(_, w)| w).sum();
        let point = centroid.map(|c| c / area);
        let c = Coupling::new(&mesh, &faces, point, [0.0, 0.0, -10.0], [0.0; 3]).expect("coupling");
        for &(n, f) in &c.forces {
            let w = nodal_areas(&mesh, &faces).iter().find(|(m, _)| *m == n).expect("weight").1;
            assert!((f[2] + 10.0 * w / area).abs() < 1e-12, "node {n}: {f:?}");
        }
    }

    /// No faces, no area: a clear error.
    #[test]
    fn no_area_is_an_error() {
        let mesh = beam(&BeamParams::default()).expect("beam");
        assert_eq!(
            Coupling::new(&mesh, &[], [0.0; 3], [1.0, 0.0, 0.0], [0.0; 3]),
            Err(CouplingError::NoArea { faces: 0 })
        );
    }
}
