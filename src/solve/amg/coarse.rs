//! The coarsest level, solved exactly by sparse Cholesky (faer); the symbolic factorisation is
//! kept, so a refresh on the same pattern only refactors the values.

use faer::linalg::solvers::Solve;
use faer::sparse::linalg::solvers::{Llt, SymbolicLlt};
use faer::sparse::{SparseColMatRef, SymbolicSparseColMatRef};
use faer::{ColMut, Side};
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

    /// `x = A⁻¹ b` in place.
    pub fn solve(&self, x: &mut [f64]) {
        self.llt.solve_in_place(ColMut::from_slice_mut(x));
    }
}
