//! The coarsest level, solved exactly by sparse Cholesky (faer); the symbolic factorisation is
//! kept, so a refresh on the same pattern only refactors the values.

use faer::linalg::solvers::Solve;
use faer::sparse::linalg::solvers::{Llt, SymbolicLlt};
use faer::sparse::{SparseColMatRef, SymbolicSparseColMatRef};
use faer::{ColMut, Mat, Side};
use nalgebra_sparse::CsrMatrix;

use super::AmgError;

/// The factorised coarsest matrix.
#[derive(Debug, Clone)]
pub struct CoarseSolver {
    symbolic: SymbolicLlt<usize>,
    llt: Llt<usize, f64>,
}

fn numeric_error(e: faer::sparse::linalg::LltError) -> AmgError {
    match e {
        faer::sparse::linalg::LltError::Numeric(_) => AmgError::NotPositiveDefinite {
            level: 0,
            row: 0,
            what: "the coarsest matrix has a non-positive Cholesky pivot".into(),
        },
        faer::sparse::linalg::LltError::Generic(g) => AmgError::Coarse { what: format!("{g:?}") },
    }
}

impl CoarseSolver {
    /// Factorises the symmetric positive definite `a` (read as CSC, its own transpose); with
    /// `symbolic` from an earlier factorisation of the same pattern, only the values.
    pub fn new(a: &CsrMatrix<f64>, symbolic: Option<&CoarseSolver>) -> Result<Self, AmgError> {
        let n = a.nrows();
        let (offsets, indices) = (a.pattern().major_offsets(), a.pattern().minor_indices());
        let structure = SymbolicSparseColMatRef::new_checked(n, n, offsets, None, indices);
        let matrix = SparseColMatRef::new(structure, a.values());
        let symbolic = match symbolic {
            Some(s) => s.symbolic.clone(),
            None => {
                SymbolicLlt::try_new(structure, Side::Lower).map_err(|e| AmgError::Coarse { what: format!("{e:?}") })?
            }
        };
        let llt = Llt::try_new_with_symbolic(symbolic.clone(), matrix, Side::Lower).map_err(numeric_error)?;
        Ok(CoarseSolver { symbolic, llt })
    }

    /// `A⁻¹` as a dense row-major matrix, symmetrised (`(X + Xᵀ)/2` of the solves with the
    /// identity: rounding is the only asymmetry), for a GPU that applies the coarsest solve as a
    /// matrix-vector product. O(n · nnz(L)) time, n² memory.
    pub fn inverse(&self, n: usize) -> Vec<f64> {
        let mut x = Mat::<f64>::identity(n, n);
        self.llt.solve_in_place(x.as_mut());
        let mut out = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                out[i * n + j] = 0.5 * (x[(i, j)] + x[(j, i)]);
            }
        }
        out
    }

    /// `x = A⁻¹ b` in place.
    pub fn solve(&self, x: &mut [f64]) {
        self.llt.solve_in_place(ColMut::from_slice_mut(x));
    }
}
