//! Preconditioned conjugate gradients (Hestenes–Stiefel) on a CSR matrix, generic over f32/f64.
//!
//! The iteration runs until the recurrence residual satisfies `‖r‖ ≤ rtol ‖b‖`; the true
//! residual `‖b − A x‖` is then recomputed in f64. If rounding has let the two drift apart, the
//! iteration restarts from the current `x` while each restart still at least halves the true
//! residual (at most [`MAX_RESTARTS`] times). When it stops, the verdict ([`super::accuracy`]):
//!
//! 1. the true residual meets `rtol`: converged;
//! 2. it lies within [`FLOOR_FACTOR`](super::accuracy::FLOOR_FACTOR) of the attainable floor
//!    `ε ‖|A||x|‖ / ‖b‖`: converged to the attainable accuracy (a success; a direct solve of the
//!    same quality gets the same verdict);
//! 3. otherwise the cause: [`SolveError::Stagnated`] (restarts no longer help, or the restart limit),
//!    [`SolveError::IterationLimit`] (still falling at `max_iterations`), [`SolveError::Indefinite`]
//!    (`pᵀAp ≤ 0`) or [`SolveError::Breakdown`] (a non-finite value, or `rᵀM⁻¹r ≤ 0`).

use std::time::Instant;

use nalgebra_sparse::CsrMatrix;

use super::accuracy::{attainable_floor, classify, Convergence};
use super::precond::Precondition;
use super::vector::{axpy, dot, relative_residual_f64, spmv, xpby, Real};
use super::{SolveError, SolveParams, SolveReport};
use crate::progress::Progress;

/// Restarts allowed when the true residual misses the tolerance the recurrence reached.
pub const MAX_RESTARTS: usize = 3;

/// Why the iteration stopped (before the verdict).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Stop {
    /// The recurrence and the true residual met rtol.
    Met,
    /// The true residual stopped falling (or the restarts ran out), or the recurrence residual
    /// stopped falling before `max_iterations`.
    Stagnated,
    /// `max_iterations` reached.
    Limit,
}

/// Solves `a x = b` from the initial guess in `x` to `params.rtol` within `params.max_iterations`
/// (the method and preconditioner fields are not read). `report` comes in with the backend, method
/// and preconditioner filled in; iterations, residuals, the floor, the verdict and time are added.
pub fn pcg<T: Real, M: Precondition<T> + ?Sized>(
    a: &CsrMatrix<T>,
    b: &[T],
    x: &mut [T],
    m: &M,
    params: &SolveParams,
    report: SolveReport,
    progress: &dyn Progress,
) -> Result<SolveReport, SolveError> {
    pcg_forecasting(a, b, x, m, params, report, progress, None)
}

/// [`pcg`] that, with `forecast = Some(k)`, also gives up from iteration `k` on when the rate of
/// the recurrence residual over the last two iterations says `rtol` would not be reached within
/// `max_iterations` ([`SolveError::IterationLimit`] at once, for a caller with a better
/// alternative than more iterations, such as refactorizing a stale preconditioner).
#[allow(clippy::too_many_arguments)]
pub fn pcg_forecasting<T: Real, M: Precondition<T> + ?Sized>(
    a: &CsrMatrix<T>,
    b: &[T],
    x: &mut [T],
    m: &M,
    params: &SolveParams,
    mut report: SolveReport,
    progress: &dyn Progress,
    forecast: Option<usize>,
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
        report.convergence = Convergence::Tolerance;
        report.seconds = start.elapsed().as_secs_f64();
        return Ok(report);
    }
    let (mut r, mut z, mut p, mut q) = (vec![T::zero(); n], vec![T::zero(); n], vec![T::zero(); n], vec![T::zero(); n]);
    progress.stage("CG iterations", None);
    let mut previous = f64::INFINITY;
    let stop = loop {
        // r = b − A x
        spmv(a, x, &mut q);
        r.iter_mut().zip(b.iter().zip(&q)).for_each(|(r, (b, q))| *r = *b - *q);
        m.precondition(&r, &mut z);
        p.copy_from_slice(&z);
        let mut rz = dot(&r, &z);
        let mut rel = dot(&r, &r).to_f64().sqrt() / b_norm;
        while rel > rtol {
            if report.iterations >= max_iterations {
                break;
            }
            if !(rz.to_f64().is_finite() && rz.to_f64() > 0.0) {
                let what = format!("rᵀM⁻¹r = {:e} is not positive", rz.to_f64());
                return Err(fail((a, b, x), report, (start, progress), |report| SolveError::Breakdown {
                    what,
                    report,
                }));
            }
            spmv(a, &p, &mut q);
            let pq = dot(&p, &q).to_f64();
            if !pq.is_finite() {
                let what = format!("pᵀAp = {pq:e} is not finite");
                return Err(fail((a, b, x), report, (start, progress), |report| SolveError::Breakdown {
                    what,
                    report,
                }));
            }
            if pq <= 0.0 {
                return Err(fail((a, b, x), report, (start, progress), |report| SolveError::Indefinite {
                    curvature: pq,
                    report,
                }));
            }
            let alpha = rz / T::from_f64(pq);
            axpy(alpha, &p, x);
            axpy(-alpha, &q, &mut r);
            m.precondition(&r, &mut z);
            let rz_new = dot(&r, &z);
            xpby(&z, rz_new / rz, &mut p);
            rz = rz_new;
            rel = dot(&r, &r).to_f64().sqrt() / b_norm;
            report.iterations += 1;
            report.history.push(rel);
            if forecast.is_some_and(|k| report.iterations >= k.max(3)) && rel > rtol {
                let k = report.iterations;
                let rate = (rel / report.history[k - 3]).sqrt();
                let more = if rate < 1.0 { (rtol / rel).ln() / rate.ln() } else { f64::INFINITY };
                if k as f64 + more > max_iterations as f64 {
                    return Err(fail((a, b, x), report, (start, progress), |report| SolveError::IterationLimit {
                        report,
                        max_iterations,
                    }));
                }
            }
            if report.iterations.is_multiple_of(16) {
                let message = format!("residual {rel:.2e} → rtol {rtol:.0e}");
                progress.advance(report.iterations as u64, &message);
            }
        }
        report.relative_residual = relative_residual_f64(a, b, x);
        if report.relative_residual <= rtol {
            break Stop::Met;
        }
        if rel > rtol {
            break if still_falling(&report.history) { Stop::Limit } else { Stop::Stagnated };
        }
        // The recurrence met rtol but the true residual did not: restart from the true residual
        // while that still pays.
        if report.relative_residual > 0.5 * previous || report.restarts >= MAX_RESTARTS {
            break Stop::Stagnated;
        }
        previous = report.relative_residual;
        report.restarts += 1;
    };
    progress.finish();
    report.seconds = start.elapsed().as_secs_f64();
    report.floor = attainable_floor(a, b, x);
    report.convergence = classify(report.relative_residual, rtol, report.floor);
    match (report.convergence, stop) {
        (Convergence::Tolerance | Convergence::AttainableAccuracy, _) => Ok(report),
        (Convergence::Failed, Stop::Limit) => {
            Err(SolveError::IterationLimit { report: Box::new(report), max_iterations })
        }
        (Convergence::Failed, Stop::Stagnated | Stop::Met) => Err(SolveError::Stagnated { report: Box::new(report) }),
    }
}

/// The error `make` builds from the partial report, with the true residual, the time and the
/// progress closed.
fn fail<T: Real>(
    (a, b, x): (&CsrMatrix<T>, &[T], &[T]),
    mut report: SolveReport,
    (start, progress): (Instant, &dyn Progress),
    make: impl FnOnce(Box<SolveReport>) -> SolveError,
) -> SolveError {
    progress.finish();
    report.relative_residual = relative_residual_f64(a, b, x);
    report.seconds = start.elapsed().as_secs_f64();
    make(Box::new(report))
}

/// Iterations a history needs before a plateau in it counts as stagnation (CG's residual norm
/// may rise during its first iterations).
const PLATEAU_MIN: usize = 100;

/// Whether a residual history is still falling: it is too short to judge, or its second half
/// reached a new low, 1 % below the least value of its first half (CG's residual is not
/// monotone, so minima are compared).
fn still_falling(history: &[f64]) -> bool {
    let half = history.len() / 2;
    let least = |h: &[f64]| h.iter().copied().fold(f64::INFINITY, f64::min);
    history.len() < PLATEAU_MIN || least(&history[half..]) < 0.99 * least(&history[..half])
}

#[cfg(test)]
mod tests {
    use nalgebra_sparse::CooMatrix;

    use super::*;
    use crate::progress::Silent;
    use crate::solve::Preconditioner;

    /// The 1D Laplacian `tridiag(−1, 2, −1)` of size `n` (SPD, κ ≈ 4n²/π²).
    fn laplacian(n: usize) -> CsrMatrix<f64> {
        let mut coo = CooMatrix::new(n, n);
        for i in 0..n {
            coo.push(i, i, 2.0);
            if i + 1 < n {
                coo.push(i, i + 1, -1.0);
                coo.push(i + 1, i, -1.0);
            }
        }
        CsrMatrix::from(&coo)
    }

    fn params(rtol: f64, max_iterations: usize) -> SolveParams {
        SolveParams { rtol, max_iterations, ..SolveParams::default() }
    }

    /// Solves from `x = 0` for a load with no symmetry (`b_i = 1 + (i mod 7) / 7`).
    fn run(a: &CsrMatrix<f64>, m: &dyn Precondition<f64>, p: &SolveParams) -> Result<SolveReport, SolveError> {
        let b: Vec<f64> = (0..a.nrows()).map(|i| 1.0 + (i % 7) as f64 / 7.0).collect();
        let mut x = vec![0.0; a.nrows()];
        pcg(a, &b, &mut x, m, p, SolveReport::empty(p, a), &Silent)
    }

    /// `z = −r`: a preconditioner that is negative definite.
    struct Negative;
    impl Precondition<f64> for Negative {
        fn precondition(&self, r: &[f64], z: &mut [f64]) {
            z.iter_mut().zip(r).for_each(|(z, r)| *z = -r);
        }
    }

    /// A tolerance below the floor is met as the attainable accuracy, with the floor reported;
    /// an attainable one is met as such.
    #[test]
    fn a_tolerance_below_the_floor_converges_to_the_attainable_accuracy() {
        let a = laplacian(400);
        let r = run(&a, &Preconditioner::Identity, &params(1e-18, 10_000)).expect("converges to the floor");
        assert_eq!(r.convergence, Convergence::AttainableAccuracy, "{r:?}");
        assert!(r.relative_residual > 1e-18 && r.relative_residual <= 1e3 * r.floor, "{r:?}");
        assert!(r.floor > f64::EPSILON, "cancellation raises the floor: {:e}", r.floor);
        let r = run(&a, &Preconditioner::Identity, &params(1e-8, 10_000)).expect("converges");
        assert_eq!(r.convergence, Convergence::Tolerance);
        assert!(r.relative_residual <= 1e-8);
    }

    /// Still falling at the limit: the iteration-limit error, which advises raising it.
    #[test]
    fn the_iteration_limit_is_its_own_error() {
        let e = run(&laplacian(200), &Preconditioner::Identity, &params(1e-10, 10)).expect_err("10 iterations");
        assert!(matches!(e, SolveError::IterationLimit { max_iterations: 10, .. }), "{e}");
        let msg = e.to_string();
        assert!(msg.contains("raise solver.max_iterations") && msg.contains("amg"), "{msg}");
        assert_eq!(e.report().expect("partial report").iterations, 10);
    }

    /// A nonsymmetric positive-real matrix (`I + S`, S skew): CG's residual stops falling long
    /// before the limit. Stagnation, whose advice does not mention the iteration limit.
    #[test]
    fn stagnation_is_its_own_error() {
        let n = 40;
        let mut coo = CooMatrix::new(n, n);
        for i in 0..n {
            coo.push(i, i, 1.0);
            if i + 1 < n {
                coo.push(i, i + 1, 5.0);
                coo.push(i + 1, i, -5.0);
            }
        }
        let a = CsrMatrix::from(&coo);
        let e = run(&a, &Preconditioner::Identity, &params(1e-10, 4000)).expect_err("stagnates");
        assert!(matches!(e, SolveError::Stagnated { .. }), "{e}");
        let msg = e.to_string();
        assert!(msg.contains("more iterations will not help") && msg.contains("method = \"direct\""), "{msg}");
        assert!(!msg.contains("raise solver.max_iterations"), "{msg}");
    }

    /// Negative curvature: indefiniteness, pointing at the supports.
    #[test]
    fn indefiniteness_is_its_own_error() {
        let mut coo = CooMatrix::new(6, 6);
        for i in 0..6 {
            coo.push(i, i, if i < 3 { 1.0 } else { -2.0 });
        }
        let e = run(&CsrMatrix::from(&coo), &Preconditioner::Identity, &params(1e-10, 100)).expect_err("indefinite");
        assert!(matches!(e, SolveError::Indefinite { curvature, .. } if curvature <= 0.0), "{e}");
        assert!(e.to_string().contains("check the supports"), "{e}");
        assert!(SolveError::is_indefinite(&e));
    }

    /// A preconditioner that is not positive definite breaks the recurrence down: its own error,
    /// advising another preconditioner.
    #[test]
    fn a_breakdown_is_its_own_error() {
        let e = run(&laplacian(20), &Negative, &params(1e-10, 100)).expect_err("breaks down");
        assert!(matches!(e, SolveError::Breakdown { .. }), "{e}");
        let msg = e.to_string();
        assert!(msg.contains("rᵀM⁻¹r") && msg.contains("preconditioner = \"jacobi\""), "{msg}");
    }
}
