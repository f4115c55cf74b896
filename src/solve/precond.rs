//! Preconditioners for conjugate gradients: point Jacobi (`z_i = r_i / A_ii`) and 3 × 3 nodal
//! block Jacobi (`z_s = A_ss⁻¹ r_s` for the diagonal block of each node, which captures the
//! coupling of a node's three displacement components), and the [`Precondition`] interface CG
//! takes, which the AMG hierarchy implements too.

use nalgebra::Matrix3;
use nalgebra_sparse::CsrMatrix;
use rayon::prelude::*;

use super::vector::Real;
use super::SolveError;

/// Which preconditioner to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PreconditionerKind {
    /// None (`z = r`).
    None,
    /// Inverse of the diagonal.
    Jacobi,
    /// Inverse of each node's 3 × 3 diagonal block.
    #[default]
    BlockJacobi,
    /// One V-cycle of smoothed-aggregation algebraic multigrid ([`super::amg`]), built on the CPU
    /// in f64; applied on the CPU, or in f32 on the GPU backend ([`crate::gpu::amg`]).
    Amg,
}

impl PreconditionerKind {
    /// Name used in reports and scenario files.
    pub fn name(self) -> &'static str {
        match self {
            PreconditionerKind::None => "none",
            PreconditionerKind::Jacobi => "jacobi",
            PreconditionerKind::BlockJacobi => "block_jacobi",
            PreconditionerKind::Amg => "amg",
        }
    }
}

/// Anything CG can precondition with: `z = M⁻¹ r` for a symmetric positive definite `M`.
pub trait Precondition<T>: Sync {
    /// `z = M⁻¹ r`.
    fn precondition(&self, r: &[T], z: &mut [T]);
}

impl<T: Real> Precondition<T> for Preconditioner<T> {
    fn precondition(&self, r: &[T], z: &mut [T]) {
        self.apply(r, z);
    }
}

/// A built preconditioner.
#[derive(Debug, Clone)]
pub enum Preconditioner<T> {
    /// Identity.
    Identity,
    /// Inverse diagonal.
    Jacobi(Vec<T>),
    /// Inverse 3 × 3 blocks, row-major, one per node.
    BlockJacobi(Vec<[T; 9]>),
}

impl<T: Real> Preconditioner<T> {
    /// Builds `kind` for `a`; the blocks are inverted in f64 and rounded to `T`.
    pub fn new(kind: PreconditionerKind, a: &CsrMatrix<T>) -> Result<Self, SolveError> {
        let n = a.nrows();
        let entry = |i: usize, j: usize| a.get_entry(i, j).map_or(0.0, |e| e.into_value().to_f64());
        match kind {
            PreconditionerKind::None => Ok(Preconditioner::Identity),
            PreconditionerKind::Amg => Err(SolveError::Shape {
                what: "preconditioner = \"amg\" is a multigrid hierarchy (solve::amg::Hierarchy), built by \
                       solve::solve / solve::solve_with on the CPU in f64"
                    .into(),
            }),
            PreconditionerKind::Jacobi => (0..n)
                .into_par_iter()
                .map(|i| {
                    let d = entry(i, i);
                    if d > 0.0 && d.is_finite() {
                        Ok(T::from_f64(1.0 / d))
                    } else {
                        Err(SolveError::NotPositiveDefinite { row: i, what: format!("diagonal entry {d}") })
                    }
                })
                .collect::<Result<Vec<T>, _>>()
                .map(Preconditioner::Jacobi),
            PreconditionerKind::BlockJacobi => {
                if !n.is_multiple_of(3) {
                    return Err(SolveError::Shape {
                        what: format!("block Jacobi needs 3 DOFs per node, but the matrix has {n} rows"),
                    });
                }
                (0..n / 3)
                    .into_par_iter()
                    .map(|s| {
                        let m = Matrix3::from_fn(|i, j| entry(3 * s + i, 3 * s + j));
                        match m.cholesky() {
                            Some(c) => {
                                let inv = c.inverse();
                                Ok(std::array::from_fn(|k| T::from_f64(inv[(k / 3, k % 3)])))
                            }
                            None => Err(SolveError::NotPositiveDefinite {
                                row: 3 * s,
                                what: format!(
                                    "the 3x3 diagonal block of rows {}..{} is not positive definite",
                                    3 * s,
                                    3 * s + 2
                                ),
                            }),
                        }
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(Preconditioner::BlockJacobi)
            }
        }
    }

    /// `z = M⁻¹ r`.
    pub fn apply(&self, r: &[T], z: &mut [T]) {
        match self {
            Preconditioner::Identity => z.copy_from_slice(r),
            Preconditioner::Jacobi(d) => {
                z.par_iter_mut().zip(r.par_iter().zip(d.par_iter())).for_each(|(z, (r, d))| *z = *r * *d)
            }
            Preconditioner::BlockJacobi(blocks) => {
                z.par_chunks_mut(3).zip(r.par_chunks(3)).zip(blocks.par_iter()).for_each(|((z, r), b)| {
                    for i in 0..3 {
                        z[i] = b[3 * i] * r[0] + b[3 * i + 1] * r[1] + b[3 * i + 2] * r[2];
                    }
                })
            }
        }
    }
}
