//! Sparse direct solve by Cholesky factorization (faer's supernodal/simplicial `LLᵀ` with a
//! fill-reducing ordering): the exact reference for tests and small to medium systems.

use std::time::Instant;

use faer::linalg::solvers::Solve;
use faer::sparse::linalg::solvers::{Llt, SymbolicLlt};
use faer::sparse::linalg::LltError;
use faer::sparse::{SparseColMatRef, SymbolicSparseColMatRef};
use faer::{ColMut, Side};
use nalgebra_sparse::CsrMatrix;

use super::accuracy::{attainable_floor, classify};
use super::vector::relative_residual_f64;
use super::{SolveError, SolveReport};

/// The symbolic analysis (fill-reducing ordering, elimination tree, supernodes) of the last
/// factorized pattern, reused while the pattern stays the same: a Newton loop refactorizes the
/// values of one pattern again and again, and the analysis is about a sixth of a factorization.
#[derive(Debug, Default)]
pub struct Reuse {
    kept: Option<(PatternKey, SymbolicLlt<usize>)>,
}

/// Dimensions and a hash of the offsets and indices of a pattern.
type PatternKey = (usize, usize, u64);

fn pattern_key(a: &CsrMatrix<f64>) -> PatternKey {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    a.pattern().major_offsets().hash(&mut h);
    a.pattern().minor_indices().hash(&mut h);
    (a.nrows(), a.nnz(), h.finish())
}

/// Solves the symmetric positive definite `a x = b` into `x`. The report carries the residual,
/// the attainable floor and the verdict ([`super::accuracy`]); a residual that fails it is not an
/// error here (the caller decides: a static run refuses the result, a Newton iteration goes on).
pub fn cholesky(a: &CsrMatrix<f64>, b: &[f64], x: &mut [f64], report: SolveReport) -> Result<SolveReport, SolveError> {
    cholesky_reusing(&mut Reuse::default(), a, b, x, report)
}

/// [`cholesky`], reusing the symbolic analysis kept in `reuse` when `a` has its pattern (and
/// keeping `a`'s otherwise).
pub fn cholesky_reusing(
    reuse: &mut Reuse,
    a: &CsrMatrix<f64>,
    b: &[f64],
    x: &mut [f64],
    mut report: SolveReport,
) -> Result<SolveReport, SolveError> {
    let start = Instant::now();
    if b.iter().any(|v| !v.is_finite()) {
        return Err(SolveError::NonFinite { what: "the right-hand side".into() });
    }
    let llt = factor_reusing(reuse, a)?;
    x.copy_from_slice(b);
    llt.solve_in_place(ColMut::from_slice_mut(x));
    report.relative_residual = relative_residual_f64(a, b, x);
    report.floor = attainable_floor(a, b, x);
    report.convergence = classify(report.relative_residual, report.rtol, report.floor);
    report.seconds = start.elapsed().as_secs_f64();
    checked(report)
}

/// [`cholesky_reusing`] for several right-hand sides `bs` (solutions into `xs`) with one
/// factorization; the report carries the worst verdict: the largest relative residual against
/// the largest attainable floor.
pub fn cholesky_reusing_many(
    reuse: &mut Reuse,
    a: &CsrMatrix<f64>,
    bs: &[&[f64]],
    xs: &mut [Vec<f64>],
    mut report: SolveReport,
) -> Result<SolveReport, SolveError> {
    let start = Instant::now();
    if bs.iter().any(|b| b.iter().any(|v| !v.is_finite())) {
        return Err(SolveError::NonFinite { what: "a right-hand side".into() });
    }
    let llt = factor_reusing(reuse, a)?;
    report.relative_residual = 0.0;
    report.floor = 0.0;
    for (b, x) in bs.iter().zip(xs.iter_mut()) {
        x.copy_from_slice(b);
        llt.solve_in_place(ColMut::from_slice_mut(x));
        report.relative_residual = report.relative_residual.max(relative_residual_f64(a, b, x));
        report.floor = report.floor.max(attainable_floor(a, b, x));
    }
    report.convergence = classify(report.relative_residual, report.rtol, report.floor);
    report.seconds = start.elapsed().as_secs_f64();
    checked(report)
}

/// The numeric factorization of `a`, with the symbolic analysis kept in `reuse`.
fn factor_reusing(reuse: &mut Reuse, a: &CsrMatrix<f64>) -> Result<Llt<usize, f64>, SolveError> {
    let n = a.nrows();
    // A symmetric CSR matrix is its own transpose: read as CSC it is the same matrix.
    let offsets = a.pattern().major_offsets();
    let indices = a.pattern().minor_indices();
    let symbolic = SymbolicSparseColMatRef::new_checked(n, n, offsets, None, indices);
    let key = pattern_key(a);
    let analysis = match reuse.kept.take() {
        Some((k, s)) if k == key => s,
        _ => SymbolicLlt::try_new(symbolic, Side::Lower).map_err(|e| SolveError::Direct { what: format!("{e:?}") })?,
    };
    let matrix = SparseColMatRef::new(symbolic, a.values());
    let llt = Llt::try_new_with_symbolic(analysis.clone(), matrix, Side::Lower).map_err(|e| match e {
        LltError::Numeric(faer::linalg::cholesky::llt::factor::LltError::NonPositivePivot { index }) => {
            SolveError::NotPositiveDefinite {
                row: index,
                what: "a non-positive pivot in the Cholesky factorization".into(),
            }
        }
        LltError::Generic(g) => SolveError::Direct { what: format!("{g:?}") },
    });
    reuse.kept = Some((key, analysis));
    llt
}

/// The report of a solve that passed its residual check, else [`SolveError::Inaccurate`]: a
/// direct solution is never reported as a success on its word alone.
fn checked(report: SolveReport) -> Result<SolveReport, SolveError> {
    if report.convergence == super::Convergence::Failed {
        return Err(SolveError::Inaccurate { report: Box::new(report) });
    }
    Ok(report)
}

/// A Cholesky factorization kept to solve many right-hand sides (the unit load cases of a
/// superposition share one stiffness).
pub struct Factor {
    llt: Llt<usize, f64>,
    n: usize,
    /// Seconds the factorization took.
    pub seconds: f64,
}

impl std::fmt::Debug for Factor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Factor").field("n", &self.n).field("seconds", &self.seconds).finish()
    }
}

impl Factor {
    /// Factorizes the symmetric positive definite `a`.
    pub fn new(a: &CsrMatrix<f64>) -> Result<Factor, SolveError> {
        let start = Instant::now();
        let n = a.nrows();
        if a.values().iter().any(|v| !v.is_finite()) {
            return Err(SolveError::NonFinite { what: "the matrix".into() });
        }
        let symbolic =
            SymbolicSparseColMatRef::new_checked(n, n, a.pattern().major_offsets(), None, a.pattern().minor_indices());
        let analysis =
            SymbolicLlt::try_new(symbolic, Side::Lower).map_err(|e| SolveError::Direct { what: format!("{e:?}") })?;
        let matrix = SparseColMatRef::new(symbolic, a.values());
        let llt = Llt::try_new_with_symbolic(analysis, matrix, Side::Lower).map_err(|e| match e {
            LltError::Numeric(faer::linalg::cholesky::llt::factor::LltError::NonPositivePivot { index }) => {
                SolveError::NotPositiveDefinite {
                    row: index,
                    what: "a non-positive pivot in the Cholesky factorization".into(),
                }
            }
            LltError::Generic(g) => SolveError::Direct { what: format!("{g:?}") },
        })?;
        Ok(Factor { llt, n, seconds: start.elapsed().as_secs_f64() })
    }

    /// Solves `a x = b` with the kept factor; the report gets the residual and the solve's time
    /// (the factorization's own time is [`Factor::seconds`]).
    pub fn solve(
        &self,
        a: &CsrMatrix<f64>,
        b: &[f64],
        x: &mut [f64],
        mut report: SolveReport,
    ) -> Result<SolveReport, SolveError> {
        let start = Instant::now();
        if b.len() != self.n || x.len() != self.n {
            return Err(SolveError::Shape {
                what: format!("factor of {} rows, vectors of {} and {}", self.n, b.len(), x.len()),
            });
        }
        if b.iter().any(|v| !v.is_finite()) {
            return Err(SolveError::NonFinite { what: "the right-hand side".into() });
        }
        x.copy_from_slice(b);
        self.llt.solve_in_place(ColMut::from_slice_mut(x));
        report.relative_residual = relative_residual_f64(a, b, x);
        report.floor = attainable_floor(a, b, x);
        report.convergence = classify(report.relative_residual, report.rtol, report.floor);
        report.seconds = start.elapsed().as_secs_f64();
        checked(report)
    }
}

#[cfg(test)]
mod tests {
    use nalgebra_sparse::CooMatrix;

    use super::*;
    use crate::solve::{Backend, Convergence, Method, SolveParams};

    fn laplacian(n: usize, scale: f64) -> CsrMatrix<f64> {
        let mut coo = CooMatrix::new(n, n);
        for i in 0..n {
            coo.push(i, i, 2.0 * scale);
            if i + 1 < n {
                coo.push(i, i + 1, -scale);
                coo.push(i + 1, i, -scale);
            }
        }
        CsrMatrix::from(&coo)
    }

    /// A kept factor solves its own matrix to the floor; applied to another matrix (a stale
    /// factor) its solution fails the residual check and is an error, not a success.
    #[test]
    fn a_solution_that_fails_its_residual_check_is_an_error() {
        let a = laplacian(50, 1.0);
        let params = SolveParams { method: Method::Direct, ..SolveParams::default() };
        let factor = Factor::new(&a).unwrap();
        let b: Vec<f64> = (0..50).map(|i| 1.0 + (i % 7) as f64).collect();
        let mut x = vec![0.0; 50];
        let ok = factor.solve(&a, &b, &mut x, SolveReport::new(&Backend::Cpu, &params, &a)).unwrap();
        assert_eq!(ok.convergence, Convergence::Tolerance);
        assert!(ok.relative_residual < 1e-12);
        let stale = laplacian(50, 2.0);
        let e = factor.solve(&stale, &b, &mut x, SolveReport::new(&Backend::Cpu, &params, &stale)).unwrap_err();
        assert!(matches!(e, SolveError::Inaccurate { .. }), "{e}");
        let rel = e.report().unwrap().relative_residual;
        assert!((rel - 1.0).abs() < 1e-9, "2A (A⁻¹ b) = 2b leaves −b: relative residual {rel}");
        assert!(e.to_string().contains("fails its residual check"), "{e}");
    }
}
