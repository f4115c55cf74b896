//! Sparse direct solve by Cholesky factorization (faer's supernodal/simplicial `LLᵀ` with a
//! fill-reducing ordering): the exact reference for tests and small to medium systems.

use std::time::Instant;

use faer::linalg::solvers::Solve;
use faer::sparse::linalg::LltError;
use faer::sparse::{SparseColMatRef, SymbolicSparseColMatRef};
use faer::{ColMut, Side};
use nalgebra_sparse::CsrMatrix;

use super::vector::relative_residual_f64;
use super::{SolveError, SolveReport};

/// Solves the symmetric positive definite `a x = b` into `x`.
pub fn cholesky(
    a: &CsrMatrix<f64>,
    b: &[f64],
    x: &mut [f64],
    mut report: SolveReport,
) -> Result<SolveReport, SolveError> {
    let start = Instant::now();
    if b.iter().any(|v| !v.is_finite()) {
        return Err(SolveError::NonFinite { what: "the right-hand side".into() });
    }
    let n = a.nrows();
    // A symmetric CSR matrix is its own transpose: read as CSC it is the same matrix.
    let offsets = a.pattern().major_offsets();
    let indices = a.pattern().minor_indices();
    let symbolic = SymbolicSparseColMatRef::new_checked(n, n, offsets, None, indices);
    let matrix = SparseColMatRef::new(symbolic, a.values());
    let llt = matrix.sp_cholesky(Side::Lower).map_err(|e| match e {
        LltError::Numeric(faer::linalg::cholesky::llt::factor::LltError::NonPositivePivot { index }) => {
            SolveError::NotPositiveDefinite {
                row: index,
                what: "a non-positive pivot in the Cholesky factorization".into(),
            }
        }
        LltError::Generic(g) => SolveError::Direct { what: format!("{g:?}") },
    })?;
    x.copy_from_slice(b);
    llt.solve_in_place(ColMut::from_slice_mut(x));
    report.relative_residual = relative_residual_f64(a, b, x);
    report.seconds = start.elapsed().as_secs_f64();
    Ok(report)
}
