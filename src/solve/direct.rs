//! Sparse direct solve by Cholesky factorization (faer's supernodal/simplicial `LLᵀ` with a
//! fill-reducing ordering): the exact reference for tests and small to medium systems.

use std::time::Instant;

use nalgebra_sparse::CsrMatrix;

use super::accuracy::{attainable_floor, classify};
use super::llt::Cholesky;
use super::vector::relative_residual_f64;
use super::{SolveError, SolveReport};

/// The factor of the last factorized pattern (its symbolic analysis: fill-reducing ordering,
/// elimination tree, supernodes; and the storage of `L`), reused while the pattern stays the
/// same: a Newton loop refactorizes the values of one pattern again and again, and the analysis
/// is about a sixth of a factorization.
#[derive(Default)]
pub struct Reuse {
    factor: Option<(PatternKey, Cholesky)>,
    /// Set while `factor` holds the factorization of an earlier matrix, kept as a
    /// preconditioner for the next matrices on the pattern ([`cholesky_or_frozen_many`]).
    frozen: Option<Frozen>,
    /// Counters of the frozen-factor path.
    pub stats: FrozenStats,
}

impl Reuse {
    /// Frees the kept factor and its analysis: for a driver whose Newton loop is over, so that
    /// its memory is not held beside the next stage's.
    pub fn release_factor(&mut self) {
        self.frozen = None;
        self.factor = None;
    }
}

impl std::fmt::Debug for Reuse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reuse")
            .field("factor", &self.factor.as_ref().map(|(_, c)| c))
            .field("frozen", &self.frozen.as_ref().map(|z| z.budget))
            .field("stats", &self.stats)
            .finish()
    }
}

/// The pattern whose factor ([`Reuse`]'s) is an earlier matrix's, and the CG iterations with it
/// that are left before a new factorization would have been cheaper.
struct Frozen {
    key: PatternKey,
    /// CG iterations left to spend with this factor ([`factor_price`] when made).
    budget: usize,
}

/// What the frozen-factor path of [`cholesky_or_frozen_many`] did, summed over its calls.
#[derive(Debug, Default, Clone, Copy, PartialEq, serde::Serialize)]
pub struct FrozenStats {
    /// Numeric factorizations.
    pub factorizations: usize,
    /// Right-hand sides solved by CG preconditioned with a kept factor.
    pub frozen_solves: usize,
    /// Preconditioned CG iterations of those solves.
    pub frozen_iterations: usize,
    /// Frozen solves abandoned (too slow, negative curvature) and redone with a new factor.
    pub abandoned: usize,
    /// CG iterations of the abandoned solves.
    pub wasted_iterations: usize,
}

impl FrozenStats {
    /// The counts since `earlier`, a copy taken before.
    pub fn since(&self, earlier: &FrozenStats) -> FrozenStats {
        FrozenStats {
            factorizations: self.factorizations - earlier.factorizations,
            frozen_solves: self.frozen_solves - earlier.frozen_solves,
            frozen_iterations: self.frozen_iterations - earlier.frozen_iterations,
            abandoned: self.abandoned - earlier.abandoned,
            wasted_iterations: self.wasted_iterations - earlier.wasted_iterations,
        }
    }
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
    let llt = factor_reusing(reuse, a, pattern_key(a))?;
    x.copy_from_slice(b);
    llt.solve_in_place(x);
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
    check_finite(bs)?;
    let llt = factor_reusing(reuse, a, pattern_key(a))?;
    solve_with_factor(llt, a, bs, xs, &mut report);
    report.seconds = start.elapsed().as_secs_f64();
    checked(report)
}

/// A non-finite right-hand side is an error before any factorization.
fn check_finite(bs: &[&[f64]]) -> Result<(), SolveError> {
    if bs.iter().any(|b| b.iter().any(|v| !v.is_finite())) {
        return Err(SolveError::NonFinite { what: "a right-hand side".into() });
    }
    Ok(())
}

/// Solves every `b` of `bs` with the factor `llt` of `a`; the report gets the largest relative
/// residual, the largest attainable floor and their verdict.
fn solve_with_factor(llt: &Cholesky, a: &CsrMatrix<f64>, bs: &[&[f64]], xs: &mut [Vec<f64>], report: &mut SolveReport) {
    report.relative_residual = 0.0;
    report.floor = 0.0;
    for (b, x) in bs.iter().zip(xs.iter_mut()) {
        x.copy_from_slice(b);
        llt.solve_in_place(x);
        report.relative_residual = report.relative_residual.max(relative_residual_f64(a, b, x));
        report.floor = report.floor.max(attainable_floor(a, b, x));
    }
    report.convergence = classify(report.relative_residual, report.rtol, report.floor);
}

/// Most CG iterations of one frozen-factor solve: a kept factor that needs more is too stale.
const FROZEN_MAX_ITERATIONS: usize = 40;

/// Iterations of a frozen-factor solve before its convergence rate is trusted for a forecast.
const FORECAST_AFTER: usize = 3;

/// The price of a factorization in CG iterations with its factor (two triangular solves and a
/// product with the matrix each), for the rent-or-buy rule of [`cholesky_or_frozen_many`].
/// Measured on the Land P2 tangents (Tet10, 2 cores): a factorization cost as much as 18
/// iterations at 25,455 DOFs and 34 at 90,657, growing about like `√n` (the factor's columns
/// lengthen with the separators of a 3-D mesh). An iteration count, not a clock, so that the
/// path Newton takes, and its answer to the last digit, do not depend on the machine's load.
fn factor_price(n: usize) -> usize {
    ((0.11 * (n as f64).sqrt()).round() as usize).clamp(4, 100)
}

/// [`cholesky_reusing_many`] for the tangents of a Newton loop, which change a little from one
/// iteration to the next: while it pays, the factorization of an earlier matrix on the pattern
/// is kept and `a x = b` is solved by conjugate gradients preconditioned with it (a few
/// triangular solves instead of a factorization; Knoll & Keyes, *J. Comput. Phys.* 193, 2004,
/// §3.1 on lagged preconditioners in Newton–Krylov). The rule is rent-or-buy: the kept factor is
/// replaced once the CG iterations with it (abandoned ones included) have cost as much as its
/// factorization ([`factor_price`]), or when one solve would need more than
/// [`FROZEN_MAX_ITERATIONS`] iterations (forecast from its rate), meets negative curvature, or
/// misses the residual check. An accepted solve has the verdict of any CG solve
/// ([`super::cg::pcg`]): its true residual meets `report.rtol` or the attainable floor, the
/// same test a direct solve passes. A factorization that meets a
/// non-positive pivot is [`SolveError::NotPositiveDefinite`], so Newton's damping applies; a
/// solve with a kept factor proves less: an indefinite tangent is caught only when CG meets its
/// negative curvature (and then refactorizes), so a mildly indefinite one can be solved unnoticed.
pub fn cholesky_or_frozen_many(
    reuse: &mut Reuse,
    a: &CsrMatrix<f64>,
    bs: &[&[f64]],
    xs: &mut [Vec<f64>],
    mut report: SolveReport,
) -> Result<SolveReport, SolveError> {
    let start = Instant::now();
    check_finite(bs)?;
    let key = pattern_key(a);
    if let (Some(frozen), Some((_, llt))) =
        (reuse.frozen.as_mut().filter(|f| f.key == key && f.budget > 0), reuse.factor.as_ref())
    {
        let mut worst = (0.0f64, 0.0f64, 0usize);
        let mut ok = true;
        for (b, x) in bs.iter().zip(xs.iter_mut()) {
            let limit = FROZEN_MAX_ITERATIONS.min(frozen.budget);
            match frozen_pcg(llt, a, b, x, report.rtol, limit) {
                Ok((rel, floor, its)) => {
                    frozen.budget -= its.min(frozen.budget);
                    worst = (worst.0.max(rel), worst.1.max(floor), worst.2 + its);
                }
                Err(its) => {
                    frozen.budget -= its.min(frozen.budget);
                    reuse.stats.wasted_iterations += worst.2 + its;
                    ok = false;
                    break;
                }
            }
        }
        if ok {
            reuse.stats.frozen_solves += bs.len();
            reuse.stats.frozen_iterations += worst.2;
            report.relative_residual = worst.0;
            report.floor = worst.1;
            report.iterations = worst.2;
            report.convergence = classify(worst.0, report.rtol, worst.1);
            report.seconds = start.elapsed().as_secs_f64();
            return checked(report);
        }
        reuse.stats.abandoned += 1;
    }
    let llt = factor_reusing(reuse, a, key)?;
    solve_with_factor(llt, a, bs, xs, &mut report);
    reuse.stats.factorizations += 1;
    reuse.frozen = Some(Frozen { key, budget: factor_price(a.nrows()) });
    report.seconds = start.elapsed().as_secs_f64();
    checked(report)
}

/// A kept factor as the preconditioner of [`super::cg::pcg`]: `z = L⁻ᵀ L⁻¹ r`.
struct FactorPreconditioner<'a>(&'a Cholesky);

impl super::precond::Precondition<f64> for FactorPreconditioner<'_> {
    fn precondition(&self, r: &[f64], z: &mut [f64]) {
        z.copy_from_slice(r);
        self.0.solve_in_place(z);
    }
}

/// Conjugate gradients ([`super::cg::pcg_forecasting`]) on `a x = b` preconditioned by the factor
/// `llt` of a nearby matrix, from `x = 0`, for at most `limit` iterations and giving up early
/// from iteration [`FORECAST_AFTER`] when its rate says `limit` will not do. Returns the true
/// relative residual, its attainable floor and the iterations of an accepted solve (reached
/// `rtol`, or the attainable accuracy, as any CG verdict); or the iterations spent, when the
/// solve should be redone with a fresh factor (not converged within `limit` or forecast not to,
/// negative curvature, breakdown, stagnation).
fn frozen_pcg(
    llt: &Cholesky,
    a: &CsrMatrix<f64>,
    b: &[f64],
    x: &mut [f64],
    rtol: f64,
    limit: usize,
) -> Result<(f64, f64, usize), usize> {
    x.fill(0.0);
    let params =
        super::SolveParams { method: super::Method::Cg, rtol, max_iterations: limit, ..super::SolveParams::default() };
    let report = SolveReport::new(&super::Backend::Cpu, &params, a);
    let m = FactorPreconditioner(llt);
    match super::cg::pcg_forecasting(a, b, x, &m, &params, report, &crate::progress::Silent, Some(FORECAST_AFTER)) {
        Ok(r) => Ok((r.relative_residual, r.floor, r.iterations)),
        Err(e) => Err(e.report().map_or(0, |r| r.iterations)),
    }
}

/// The numeric factorization of `a` (whose [`pattern_key`] is `key`: hashing a large pattern
/// costs a pass over its indices, so a caller that has it passes it) into the factor kept in
/// `reuse` (analysed anew when the pattern changed). Whatever kept factor was frozen is
/// overwritten.
fn factor_reusing<'r>(reuse: &'r mut Reuse, a: &CsrMatrix<f64>, key: PatternKey) -> Result<&'r Cholesky, SolveError> {
    reuse.frozen = None;
    // A factor of another pattern is dropped here, before the new one is allocated.
    let kept = reuse.factor.take().filter(|(k, _)| *k == key);
    let (_, llt) = match kept {
        Some(factor) => reuse.factor.insert(factor),
        None => reuse.factor.insert((key, Cholesky::analyse(a)?)),
    };
    llt.factorize(a)?;
    Ok(llt)
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
    llt: Cholesky,
    /// Seconds the factorization took.
    pub seconds: f64,
}

impl std::fmt::Debug for Factor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Factor").field("n", &self.llt.n()).field("seconds", &self.seconds).finish()
    }
}

impl Factor {
    /// Factorizes the symmetric positive definite `a`.
    pub fn new(a: &CsrMatrix<f64>) -> Result<Factor, SolveError> {
        let start = Instant::now();
        if a.values().iter().any(|v| !v.is_finite()) {
            return Err(SolveError::NonFinite { what: "the matrix".into() });
        }
        let mut llt = Cholesky::analyse(a)?;
        llt.factorize(a)?;
        Ok(Factor { llt, seconds: start.elapsed().as_secs_f64() })
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
        let n = self.llt.n();
        if b.len() != n || x.len() != n {
            return Err(SolveError::Shape {
                what: format!("factor of {n} rows, vectors of {} and {}", b.len(), x.len()),
            });
        }
        if b.iter().any(|v| !v.is_finite()) {
            return Err(SolveError::NonFinite { what: "the right-hand side".into() });
        }
        x.copy_from_slice(b);
        self.llt.solve_in_place(x);
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

    /// The tridiagonal Laplacian with `shift(i)` added to its diagonal.
    fn shifted(n: usize, shift: impl Fn(usize) -> f64) -> CsrMatrix<f64> {
        let mut a = laplacian(n, 1.0);
        for i in 0..n {
            let row = a.row(i);
            let k = row.col_indices().iter().position(|&j| j == i).unwrap();
            let start = a.row_offsets()[i];
            a.values_mut()[start + k] += shift(i);
        }
        a
    }

    /// A Newton-like sequence of matrices on one pattern: the first is factorized; a nearby one
    /// is solved by CG with the kept factor in a few iterations (no new factorization); a far one
    /// makes that CG forecast a slow convergence, abandon, and refactorize; a spent rent-or-buy
    /// budget refactorizes without trying. Every answer is checked against a fresh factorization.
    #[test]
    fn frozen_factor_solves_nearby_matrices_and_refactorizes_far_ones() {
        let n = 300;
        let params = SolveParams { method: Method::Direct, ..SolveParams::default() };
        let b: Vec<f64> = (0..n).map(|i| 1.0 + (i % 7) as f64).collect();
        let exact = |a: &CsrMatrix<f64>| {
            let mut x = vec![0.0; n];
            Factor::new(a).unwrap().solve(a, &b, &mut x, SolveReport::new(&Backend::Cpu, &params, a)).unwrap();
            x
        };
        let close = |x: &[f64], y: &[f64]| {
            let d = x.iter().zip(y).map(|(a, b)| (a - b).powi(2)).sum::<f64>().sqrt();
            d / y.iter().map(|v| v * v).sum::<f64>().sqrt()
        };
        let mut reuse = Reuse::default();
        let mut xs = vec![vec![0.0; n]];
        let solve = |reuse: &mut Reuse, a: &CsrMatrix<f64>, xs: &mut [Vec<f64>]| {
            cholesky_or_frozen_many(reuse, a, &[&b], xs, SolveReport::new(&Backend::Cpu, &params, a)).unwrap()
        };

        let a0 = shifted(n, |_| 0.01);
        let r = solve(&mut reuse, &a0, &mut xs);
        assert_eq!((reuse.stats.factorizations, reuse.stats.frozen_solves), (1, 0));
        assert_eq!(r.convergence, Convergence::Tolerance);
        assert!(close(&xs[0], &exact(&a0)) < 1e-12);
        assert_eq!(reuse.frozen.as_ref().unwrap().budget, factor_price(n));
        // Give the kept factor room, so that the test exercises the convergence rules.
        reuse.frozen.as_mut().unwrap().budget = 100;

        let a1 = shifted(n, |i| 0.01 * (1.0 + 1e-3 * (i % 5) as f64));
        let r = solve(&mut reuse, &a1, &mut xs);
        assert_eq!((reuse.stats.factorizations, reuse.stats.frozen_solves), (1, 1));
        assert!(r.iterations >= 1 && r.iterations <= 6, "{} CG iterations", r.iterations);
        assert!(r.relative_residual <= params.rtol, "{}", r.relative_residual);
        assert!(close(&xs[0], &exact(&a1)) < 1e-6);

        let a2 = shifted(n, |i| 10.0 * (i % 3) as f64);
        let r = solve(&mut reuse, &a2, &mut xs);
        assert_eq!((reuse.stats.factorizations, reuse.stats.abandoned, reuse.stats.frozen_solves), (2, 1, 1));
        assert_eq!(r.iterations, 0, "answered by the new factorization");
        assert!(close(&xs[0], &exact(&a2)) < 1e-12);

        assert!(reuse.stats.wasted_iterations >= FORECAST_AFTER, "{:?}", reuse.stats);
        reuse.frozen.as_mut().unwrap().budget = 0;
        solve(&mut reuse, &a2, &mut xs);
        assert_eq!((reuse.stats.factorizations, reuse.stats.abandoned), (3, 1), "spent budget: refactorized");
    }
}
