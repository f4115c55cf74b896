//! Preconditioned conjugate gradients (Hestenes–Stiefel) on a CSR matrix, generic over f32/f64.
//!
//! Converged when the recurrence residual satisfies `‖r‖ ≤ rtol ‖b‖`; the true residual
//! `‖b − A x‖` is then recomputed in f64, and if rounding has let the two drift apart the
//! iteration restarts from the current `x` (at most [`MAX_RESTARTS`] times).

use std::time::Instant;

use nalgebra_sparse::CsrMatrix;

use super::precond::Precondition;
use super::vector::{axpy, dot, relative_residual_f64, spmv, xpby, Real};
use super::{SolveError, SolveParams, SolveReport};
use crate::progress::Progress;

/// Restarts allowed when the true residual misses the tolerance the recurrence reached.
pub const MAX_RESTARTS: usize = 3;

/// Solves `a x = b` from the initial guess in `x` to `params.rtol` within `params.max_iterations`
/// (the method and preconditioner fields are not read). `report` comes in with the backend, method
/// and preconditioner filled in; iterations, residuals and time are added.
pub fn pcg<T: Real, M: Precondition<T> + ?Sized>(
    a: &CsrMatrix<T>,
    b: &[T],
    x: &mut [T],
    m: &M,
    params: &SolveParams,
    mut report: SolveReport,
    progress: &dyn Progress,
) -> Result<SolveReport, SolveError> {
    let start = Instant::now();
    let (rtol, max_iterations) = (params.rtol, params.max_iterations);
    let n = b.len();
    let b_norm = dot(b, b).to_f64().sqrt();
    if !b_norm.is_finite() || x.iter().any(|v| !v.is_finite()) {
        return Err(SolveError::NonFinite { what: "the right-hand side or initial guess".into() });
    }
    if b_norm == 0.0 {
        x.fill(T::zero());
        report.seconds = start.elapsed().as_secs_f64();
        return Ok(report);
    }
    let (mut r, mut z, mut p, mut q) = (vec![T::zero(); n], vec![T::zero(); n], vec![T::zero(); n], vec![T::zero(); n]);
    progress.stage("CG iterations", Some(max_iterations as u64));
    let mut restarts = 0;
    loop {
        // r = b − A x
        spmv(a, x, &mut q);
        r.iter_mut().zip(b.iter().zip(&q)).for_each(|(r, (b, q))| *r = *b - *q);
        m.precondition(&r, &mut z);
        p.copy_from_slice(&z);
        let mut rz = dot(&r, &z);
        let mut rel = dot(&r, &r).to_f64().sqrt() / b_norm;
        while rel > rtol {
            if report.iterations >= max_iterations {
                report.relative_residual = relative_residual_f64(a, b, x);
                report.seconds = start.elapsed().as_secs_f64();
                progress.finish();
                return Err(SolveError::NotConverged { report: Box::new(report) });
            }
            spmv(a, &p, &mut q);
            let pq = dot(&p, &q);
            if pq.to_f64().is_nan() || pq.to_f64() <= 0.0 {
                progress.finish();
                return Err(SolveError::Breakdown { iteration: report.iterations, pq: pq.to_f64() });
            }
            let alpha = rz / pq;
            axpy(alpha, &p, x);
            axpy(-alpha, &q, &mut r);
            m.precondition(&r, &mut z);
            let rz_new = dot(&r, &z);
            xpby(&z, rz_new / rz, &mut p);
            rz = rz_new;
            rel = dot(&r, &r).to_f64().sqrt() / b_norm;
            report.iterations += 1;
            report.history.push(rel);
            if report.iterations.is_multiple_of(16) {
                progress.advance(report.iterations as u64, &format!("residual {rel:.2e}"));
            }
        }
        report.relative_residual = relative_residual_f64(a, b, x);
        if report.relative_residual <= rtol || restarts >= MAX_RESTARTS {
            break;
        }
        restarts += 1;
        report.restarts = restarts;
    }
    progress.finish();
    report.seconds = start.elapsed().as_secs_f64();
    if report.relative_residual > rtol {
        return Err(SolveError::NotConverged { report: Box::new(report) });
    }
    Ok(report)
}
