//! Newton–Raphson for `R(x) = 0` with a symmetric tangent, a backtracking line search and an
//! admissibility guard.
//!
//! Each iteration solves `K Δx = −R` with [`solve`](super::solve) on the given backend (the
//! tangent keeps its sparsity pattern, so a GPU engine built for it is only refilled), then tries
//! `x + α Δx` for `α = 1, ½, ¼, …`: a trial is accepted when the system admits it (for solids:
//! no inverted cell, `det F > 0` everywhere) and the residual norm decreases,
//! `‖R(x + αΔx)‖ ≤ (1 − 10⁻⁴ α) ‖R(x)‖`.
//!
//! With the CPU direct method the linear solves are inexact where that is cheap: each asks for
//! the forcing term of [`forcing`] (Eisenstat–Walker, from `10⁻²` at a solve's first iteration
//! down to `linear.rtol` as the residual falls quadratically) instead of `linear.rtol`, which
//! only the solves with a kept factor ([`super::direct::cholesky_or_frozen_many`]) turn into
//! fewer CG iterations, and so into fewer factorizations. Newton's own residual test below is
//! unchanged, so the converged state is as accurate as with exact solves. The CG and GPU paths
//! keep `linear.rtol` (their answers are cross-checked against the direct one to 1e-6).
//!
//! A tangent that is not positive definite at an iterate far from equilibrium (for nearly
//! incompressible solids, a large spurious pressure from an overshooting step) is damped rather
//! than fatal: see [`DAMPING`].
//!
//! Converged when both hold: the residual `‖R‖ ≤ max(rtol ‖R₀‖, floor)`, with `R₀` the residual
//! at the start (or [`NewtonParams::reference`] when that is larger) and `floor = 10³ ε ‖f‖` the round-off level of a residual made of forces of size
//! `‖f‖` (so an exp-type energy at 10 kPa is not asked for an absolute 1e-9), and the last update
//! `‖Δx‖ ≤ rtol_x ‖x‖`. A system whose residual starts below the floor is converged at once.
//! Before the first iteration the last update counts as infinite, so `rtol_x = f64::MAX` asks for
//! at least one iteration and then for the residual test alone. The floor is an estimate: summed
//! over many cells, the round-off of a residual can exceed it, and a small increment (a state
//! near a steady one, whose `R₀` is tiny) can then ask for less than the arithmetic gives. So a
//! residual within [`STAGNATION_FACTOR`] floors after an update at round-off ([`at_round_off`])
//! is converged too: another iteration could only shuffle the last digits of `x`.

use nalgebra_sparse::CsrMatrix;

use super::{solve, solve_with, AmgCache, Backend, NearNullspace, SolveError, SolveHints, SolveParams};

/// What the linear solves of a Newton loop keep between iterations on one pattern: the direct
/// solver's symbolic analysis, and the AMG hierarchy (aggregates and tentative prolongators,
/// refreshed per tangent) with its near-nullspace.
#[derive(Debug, Default)]
pub struct Reuse {
    /// The direct solver's symbolic analysis.
    pub direct: super::direct::Reuse,
    /// The AMG hierarchy.
    pub amg: AmgCache,
    /// The near-nullspace for AMG (the rigid-body modes of the DOF nodes).
    pub nullspace: Option<NearNullspace>,
}
use crate::progress::Progress;

/// A state the system cannot take (e.g. an inverted cell), with the reason.
#[derive(Debug, Clone, PartialEq)]
pub struct Inadmissible(pub String);

/// What an evaluation reports besides the residual.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evaluation {
    /// Size of the forces that make up the residual (its round-off scale).
    pub scale: f64,
}

/// A nonlinear system on a fixed sparsity pattern. Constrained unknowns are the system's
/// business: their residual rows are zero and their tangent rows and columns eliminated.
pub trait NonlinearSystem {
    /// Fills `residual` and, when given, `tangent` at `x`.
    fn evaluate(
        &mut self,
        x: &[f64],
        residual: &mut [f64],
        tangent: Option<&mut CsrMatrix<f64>>,
    ) -> Result<Evaluation, Inadmissible>;
}

/// Newton parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NewtonParams {
    /// Residual tolerance relative to the initial residual.
    pub rtol: f64,
    /// Update tolerance relative to `‖x‖`.
    pub rtol_x: f64,
    /// Iteration limit.
    pub max_iterations: usize,
    /// Line-search halvings before an iteration fails.
    pub max_halvings: usize,
    /// A reference residual for the relative test, used when larger than the initial one: the
    /// test is `‖R‖ ≤ rtol · max(‖R₀‖, reference)`. An outer loop that perturbs a converged state
    /// (an Uzawa update) passes the residual its first solve started from, so that a re-solve is
    /// not asked for `rtol` of its own, much smaller, initial residual. 0 when unused.
    pub reference: f64,
    /// The linear solver.
    pub linear: SolveParams,
}

impl Default for NewtonParams {
    fn default() -> Self {
        NewtonParams {
            rtol: 1e-8,
            rtol_x: 1e-8,
            max_iterations: 25,
            max_halvings: 6,
            reference: 0.0,
            linear: SolveParams { method: super::Method::Direct, ..SolveParams::default() },
        }
    }
}

/// What a Newton solve did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewtonReport {
    /// Iterations (linear solves).
    pub iterations: usize,
    /// `‖R‖` at the start and after each iteration.
    pub residuals: Vec<f64>,
    /// `‖Δx‖ / ‖x‖` of each iteration.
    pub updates: Vec<f64>,
    /// Line-search step `α` of each iteration.
    pub steps: Vec<f64>,
    /// Iterations whose tangent was not positive definite and was damped (`K + σ diag K`).
    pub damped: usize,
    /// Outer (Uzawa) updates a caller made around the Newton solves (0 when none).
    pub uzawa: usize,
    /// Linear-solver iterations, summed (for the direct method, the CG iterations of its solves
    /// with a kept factor; 0 when every system was factorized).
    pub linear_iterations: usize,
    /// Largest final relative residual of a linear solve.
    pub linear_residual: f64,
    /// Linear solves accepted at the attainable accuracy of their tangent, above the tolerance
    /// they were asked for (`linear.rtol`, or a looser [`forcing`] term): Newton still passes
    /// its own residual test, but such a tangent is ill-conditioned enough to warn about.
    pub floor_solves: usize,
    /// The largest final relative residual of those solves (0 when none).
    pub floor_residual: f64,
    /// Largest relative tolerance a linear solve was asked for (the [`forcing`] terms of the CPU
    /// direct method, never below `linear.rtol`; 0 for the other methods, which are asked for
    /// `linear.rtol`): a linear residual up to it is by design, not a warning.
    pub forcing: f64,
    /// Time in evaluations (assembly) and in linear solves (s).
    pub assembly_seconds: f64,
    /// Time in linear solves (s).
    pub solve_seconds: f64,
}

/// Why a Newton solve failed; each carries the report up to the failure.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NewtonError {
    /// The starting point is not admissible.
    #[error("the starting state is not admissible: {}", .reason.0)]
    Start {
        /// Why.
        reason: Inadmissible,
    },
    /// No line-search step reduced the residual (or every trial was inadmissible).
    #[error("Newton iteration {} found no step that reduces the residual (last trial: {last})", .report.iterations + 1)]
    LineSearch {
        /// Report so far.
        report: Box<NewtonReport>,
        /// The last trial's outcome.
        last: String,
    },
    /// The iteration limit was reached.
    #[error("Newton did not converge in {} iterations (residual {:.3e} of the initial)", .report.iterations, relative(.report))]
    NotConverged {
        /// Report so far.
        report: Box<NewtonReport>,
    },
    /// An outer iteration of the caller around the Newton solves (e.g. pressure updates) did not
    /// converge.
    #[error("{what}")]
    Outer {
        /// Report so far.
        report: Box<NewtonReport>,
        /// What did not converge, with its numbers.
        what: String,
    },
    /// The linear solve failed.
    #[error("the linear solve of Newton iteration {} failed: {source}", .report.iterations + 1)]
    Linear {
        /// Report so far.
        report: Box<NewtonReport>,
        /// The solver's error.
        source: SolveError,
    },
}

impl NewtonReport {
    /// Adds one accepted linear solve (of one iteration) to the report.
    pub fn add_linear(&mut self, linear: &super::SolveReport) {
        self.linear_iterations += linear.iterations;
        self.linear_residual = self.linear_residual.max(linear.relative_residual);
        self.solve_seconds += linear.seconds;
        if linear.convergence == super::Convergence::AttainableAccuracy {
            self.floor_solves += 1;
            self.floor_residual = self.floor_residual.max(linear.relative_residual);
        }
    }

    /// Replaces the linear-solve records with those of `other` (a total kept apart).
    pub fn set_linear_records(&mut self, other: &NewtonReport) {
        self.linear_iterations = other.linear_iterations;
        self.linear_residual = other.linear_residual;
        self.forcing = other.forcing;
        self.floor_solves = other.floor_solves;
        self.floor_residual = other.floor_residual;
    }

    /// Adds the linear-solve records of `other`, a later solve of the same state (counts
    /// summed, largest residuals and forcing term kept).
    pub fn add_linear_records(&mut self, other: &NewtonReport) {
        self.linear_iterations += other.linear_iterations;
        self.linear_residual = self.linear_residual.max(other.linear_residual);
        self.forcing = self.forcing.max(other.forcing);
        self.floor_solves += other.floor_solves;
        self.floor_residual = self.floor_residual.max(other.floor_residual);
    }
}

impl NewtonError {
    /// The report up to the failure.
    pub fn report(&self) -> NewtonReport {
        match self {
            NewtonError::Start { .. } => NewtonReport::default(),
            NewtonError::LineSearch { report, .. }
            | NewtonError::NotConverged { report }
            | NewtonError::Outer { report, .. }
            | NewtonError::Linear { report, .. } => (**report).clone(),
        }
    }
}

fn relative(r: &NewtonReport) -> f64 {
    match (r.residuals.first(), r.residuals.last()) {
        (Some(&a), Some(&b)) if a > 0.0 => b / a,
        _ => 0.0,
    }
}

/// A line-search trial is accepted when the slope `Δx · R(x + αΔx)` has come down to this
/// fraction of `|Δx · R(x)|` (or the residual norm decreased).
const LINE_SEARCH_ETA: f64 = 0.5;

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// How many round-off floors a residual may stand at when the update says `x` is at round-off.
pub(super) const STAGNATION_FACTOR: f64 = 10.0;

/// A relative update `‖Δx‖ / ‖x‖` at or below this changes only the last digits of `x`.
pub(super) const ROUND_OFF_UPDATE: f64 = 1e3 * f64::EPSILON;

/// Whether an iterate is as converged as the arithmetic allows: its residual within
/// [`STAGNATION_FACTOR`] of the round-off `floor`, and the last relative update at round-off
/// (module docs).
pub(super) fn at_round_off(res: f64, floor: f64, last_update: f64) -> bool {
    res <= STAGNATION_FACTOR * floor && last_update <= ROUND_OFF_UPDATE
}

/// Damping factors tried, in turn, when the tangent is not positive definite.
const DAMPING: [f64; 4] = [1e-4, 1e-2, 1.0, 1e2];

/// Solves `K Δx_k = rhs_k` for every right-hand side (one factorization for the direct solver,
/// one solve each for CG); when `K` is not positive definite (a non-positive Cholesky pivot, or
/// negative curvature in CG), solves with `K + σ diag(K)` for the [`DAMPING`] factors in turn
/// (Levenberg–Marquardt damping: a descent direction for the energy, shorter than Newton's).
/// Returns the report (iterations summed, largest residual, the seconds of every attempt) and
/// the `σ` used (0 for the undamped tangent).
pub(super) fn solve_damped(
    tangent: &mut CsrMatrix<f64>,
    rhs: &[&[f64]],
    dx: &mut [Vec<f64>],
    (params, backend): (&NewtonParams, &Backend),
    reuse: &mut Reuse,
) -> Result<(super::SolveReport, f64), SolveError> {
    let indefinite = SolveError::is_indefinite;
    let one = |a: &CsrMatrix<f64>, b: &[f64], x: &mut [f64], p: &super::SolveParams, backend: &Backend| match (
        backend, p.method,
    ) {
        (Backend::Cpu, super::Method::Cg) if p.preconditioner == super::PreconditionerKind::Amg => {
            let hints = SolveHints { nullspace: reuse.nullspace.as_ref(), amg: Some(&reuse.amg), amg_params: None };
            solve_with(a, b, x, p, backend, &crate::progress::Silent, &hints)
        }
        _ => solve(a, b, x, p, backend, &crate::progress::Silent),
    };
    let mut linear = |a: &CsrMatrix<f64>, dx: &mut [Vec<f64>], p: &super::SolveParams, backend: &Backend| {
        dx.iter_mut().for_each(|x| x.fill(0.0));
        if let (Backend::Cpu, super::Method::Direct) = (backend, p.method) {
            let report = super::SolveReport::new(backend, p, a);
            return super::direct::cholesky_or_frozen_many(&mut reuse.direct, a, rhs, dx, report);
        }
        let mut total: Option<super::SolveReport> = None;
        for (b, x) in rhs.iter().zip(dx.iter_mut()) {
            let r = one(a, b, x, p, backend)?;
            total = Some(match total {
                None => r,
                Some(mut t) => {
                    t.iterations += r.iterations;
                    t.seconds += r.seconds;
                    t.relative_residual = t.relative_residual.max(r.relative_residual);
                    t.floor = t.floor.max(r.floor);
                    t.restarts += r.restarts;
                    t.refinements += r.refinements;
                    // Each solve passed its own check; the pair is as good as the weaker verdict.
                    if r.convergence != super::Convergence::Tolerance {
                        t.convergence = r.convergence;
                    }
                    t
                }
            });
        }
        Ok(total.expect("at least one right-hand side"))
    };
    let start = std::time::Instant::now();
    let first = match linear(tangent, dx, &params.linear, backend) {
        Err(e) if indefinite(&e) => e,
        other => return other.map(|r| (r, 0.0)),
    };
    let diagonal: Vec<usize> = (0..tangent.nrows())
        .filter_map(|i| {
            let (offsets, cols) = (tangent.pattern().major_offsets(), tangent.pattern().minor_indices());
            (offsets[i]..offsets[i + 1]).find(|&e| cols[e] == i)
        })
        .collect();
    let original: Vec<f64> = diagonal.iter().map(|&e| tangent.values()[e]).collect();
    let mut last = first;
    for sigma in DAMPING {
        for (&e, &d) in diagonal.iter().zip(&original) {
            tangent.values_mut()[e] = d + sigma * d.abs();
        }
        match linear(tangent, dx, &params.linear, backend) {
            Ok(mut r) => {
                restore(tangent, &diagonal, &original);
                // The time of the attempts that met an indefinite matrix is the solve's too.
                r.seconds = start.elapsed().as_secs_f64();
                return Ok((r, sigma));
            }
            Err(e) if indefinite(&e) => last = e,
            Err(e) => {
                restore(tangent, &diagonal, &original);
                return Err(e);
            }
        }
    }
    restore(tangent, &diagonal, &original);
    Err(last)
}

fn restore(tangent: &mut CsrMatrix<f64>, diagonal: &[usize], original: &[f64]) {
    for (&e, &d) in diagonal.iter().zip(original) {
        tangent.values_mut()[e] = d;
    }
}

/// Solves `R(x) = 0` from the guess in `x`; `x` holds the solution on success and the last
/// accepted iterate on failure.
pub fn newton(
    system: &mut dyn NonlinearSystem,
    x: &mut [f64],
    tangent: &mut CsrMatrix<f64>,
    params: &NewtonParams,
    backend: &Backend,
    progress: &dyn Progress,
) -> Result<NewtonReport, NewtonError> {
    newton_with(system, x, tangent, (params, backend), progress, &mut Reuse::default())
}

/// The forcing term of a Newton solve's first iteration, and the largest of any.
const FORCING_MAX: f64 = 1e-2;

/// `γ` of Eisenstat and Walker's second choice.
const FORCING_GAMMA: f64 = 0.9;

/// The relative tolerance of the linear solve of the next Newton iteration (inexact Newton, the
/// forcing term `η`; Eisenstat & Walker, *SIAM J. Sci. Comput.* 17, 1996, choice 2 with `α = 2`):
/// `η = γ (‖R_k‖ / ‖R_{k−1}‖)²`, at most [`FORCING_MAX`] (which also makes their safeguard
/// `η ≥ γ η_{k−1}²`, active only above 0.1, moot). The square keeps the convergence quadratic;
/// only the solves with a kept factor stop earlier for it (a fresh factor solves to round-off
/// anyway), so their factor lasts longer. `previous` is `None` at a solve's first iteration.
fn forcing(res: f64, previous: Option<f64>) -> f64 {
    previous.map_or(FORCING_MAX, |prev| (FORCING_GAMMA * (res / prev).powi(2)).min(FORCING_MAX))
}

/// The parameters of the next iteration's linear solve: with the CPU direct method, `linear.rtol`
/// loosened to the [`forcing`] term of the residuals so far (`report.residuals`, the last one
/// the current residual), which `report.forcing` records; otherwise `params` as they are (CG,
/// AMG-CG and the GPU keep `linear.rtol`, so a GPU-vs-CPU comparison means what it did).
pub(super) fn inexact(params: &NewtonParams, backend: &Backend, report: &mut NewtonReport) -> NewtonParams {
    let (Backend::Cpu, super::Method::Direct) = (backend, params.linear.method) else {
        return *params;
    };
    let mut recent = report.residuals.iter().rev();
    let Some(&res) = recent.next() else {
        return *params;
    };
    let eta = forcing(res, recent.next().copied()).max(params.linear.rtol);
    report.forcing = report.forcing.max(eta);
    NewtonParams { linear: SolveParams { rtol: eta, ..params.linear }, ..*params }
}

/// [`newton`] with the direct solver's symbolic analysis kept in `reuse` across its iterations
/// and across calls on the same pattern (load steps, pressure updates).
pub fn newton_with(
    system: &mut dyn NonlinearSystem,
    x: &mut [f64],
    tangent: &mut CsrMatrix<f64>,
    (params, backend): (&NewtonParams, &Backend),
    progress: &dyn Progress,
    reuse: &mut Reuse,
) -> Result<NewtonReport, NewtonError> {
    let n = x.len();
    let mut report = NewtonReport::default();
    let (mut r, mut r_try, mut x_try) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    let mut solution = vec![vec![0.0; n]];
    let mut rhs = vec![0.0; n];
    let t = std::time::Instant::now();
    let eval = system.evaluate(x, &mut r, Some(tangent)).map_err(|reason| NewtonError::Start { reason })?;
    report.assembly_seconds += t.elapsed().as_secs_f64();
    let mut res = norm(&r);
    let floor = 1e3 * f64::EPSILON * eval.scale;
    let r0 = res;
    let r_ref = r0.max(params.reference);
    report.residuals.push(res);
    let mut last_update = f64::INFINITY;
    loop {
        let small = res <= (params.rtol * r_ref).max(floor);
        if res <= floor || (small && last_update <= params.rtol_x) || at_round_off(res, floor, last_update) {
            return Ok(report);
        }
        if report.iterations >= params.max_iterations {
            return Err(NewtonError::NotConverged { report: Box::new(report) });
        }
        rhs.iter_mut().zip(&r).for_each(|(b, r)| *b = -r);
        let step_params = inexact(params, backend, &mut report);
        let linear = solve_damped(tangent, &[&rhs], &mut solution, (&step_params, backend), reuse)
            .map_err(|source| NewtonError::Linear { report: Box::new(report.clone()), source })?;
        let dx = &solution[0];
        if linear.1 > 0.0 {
            report.damped += 1;
        }
        let linear = linear.0;
        report.add_linear(&linear);
        let slope0 = dot(dx, &r);
        let (mut alpha, mut last, mut trials) = (1.0, String::new(), 0);
        let accepted = loop {
            x_try.iter_mut().zip(x.iter().zip(dx)).for_each(|(t, (x, d))| *t = x + alpha * d);
            let t = std::time::Instant::now();
            let outcome = system.evaluate(&x_try, &mut r_try, Some(tangent));
            report.assembly_seconds += t.elapsed().as_secs_f64();
            let next = match outcome {
                Ok(_) => {
                    let trial = norm(&r_try);
                    let slope = dot(dx, &r_try);
                    if slope <= LINE_SEARCH_ETA * slope0.abs() || trial < res || trial <= floor {
                        break Some(trial);
                    }
                    last = format!("residual {trial:.3e} against {res:.3e} at step {alpha}");
                    // The slope along Δx went from slope0 < 0 to slope > 0: the minimum of the
                    // energy along the line lies before α; take the secant root, safeguarded.
                    let root = alpha * slope0 / (slope0 - slope);
                    root.clamp(0.1 * alpha, 0.5 * alpha)
                }
                Err(Inadmissible(why)) => {
                    last = format!("{why} at step {alpha}");
                    0.5 * alpha
                }
            };
            if trials == params.max_halvings {
                break None;
            }
            trials += 1;
            alpha = next;
        };
        let Some(trial) = accepted else {
            // Leave the tangent consistent with x for a caller that inspects it.
            let _ = system.evaluate(x, &mut r, Some(tangent));
            return Err(NewtonError::LineSearch { report: Box::new(report), last });
        };
        x.copy_from_slice(&x_try);
        std::mem::swap(&mut r, &mut r_try);
        res = trial;
        report.iterations += 1;
        last_update = alpha * norm(dx) / norm(x).max(f64::MIN_POSITIVE);
        report.residuals.push(res);
        report.updates.push(last_update);
        report.steps.push(alpha);
        progress.advance(report.iterations as u64, &format!("residual {:.2e}", res / r0.max(f64::MIN_POSITIVE)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra_sparse::{CooMatrix, CsrMatrix};

    /// R_i(x) = x_i + x_i³ − b_i: diagonal, convex, with a known root.
    struct Cubic {
        b: Vec<f64>,
    }

    impl NonlinearSystem for Cubic {
        fn evaluate(
            &mut self,
            x: &[f64],
            r: &mut [f64],
            k: Option<&mut CsrMatrix<f64>>,
        ) -> Result<Evaluation, Inadmissible> {
            for i in 0..x.len() {
                r[i] = x[i] + x[i].powi(3) - self.b[i];
            }
            if let Some(k) = k {
                for (v, xi) in k.values_mut().iter_mut().zip(x) {
                    *v = 1.0 + 3.0 * xi * xi;
                }
            }
            Ok(Evaluation { scale: norm(&self.b) })
        }
    }

    /// `R = K x − f + n`, `K = diag(1, 10⁶)`: the stiff row carries a noise of two round-off
    /// floors whose sign flips at every evaluation (the round-off of a residual summed over many
    /// cells, which the floor estimate can miss), so that no step cancels it.
    struct Noisy {
        f: [f64; 2],
        evaluations: usize,
    }

    const STIFF: f64 = 1e6;

    impl Noisy {
        fn noise(&mut self) -> f64 {
            self.evaluations += 1;
            let floor = 1e3 * f64::EPSILON * norm(&self.f);
            2.0 * floor * if self.evaluations.is_multiple_of(2) { 1.0 } else { -1.0 }
        }
    }

    impl NonlinearSystem for Noisy {
        fn evaluate(
            &mut self,
            x: &[f64],
            r: &mut [f64],
            k: Option<&mut CsrMatrix<f64>>,
        ) -> Result<Evaluation, Inadmissible> {
            r[0] = x[0] - self.f[0];
            r[1] = STIFF * x[1] - self.f[1] + self.noise();
            if let Some(k) = k {
                k.values_mut().copy_from_slice(&[1.0, STIFF]);
            }
            Ok(Evaluation { scale: norm(&self.f) })
        }
    }

    /// From a start near the root, whose residual is already round-off, Newton cannot bring the
    /// residual under its floor: it is converged once the update is at round-off (`at_round_off`),
    /// not failed after `max_iterations`; a residual far above the floor is not.
    #[test]
    fn a_residual_stagnating_at_round_off_is_converged() {
        let mut coo = CooMatrix::new(2, 2);
        (0..2).for_each(|i| coo.push(i, i, 1.0));
        let mut k = CsrMatrix::from(&coo);
        let mut system = Noisy { f: [1.0, 1.0], evaluations: 0 };
        let mut x = vec![1.0, 1.0 / STIFF];
        let params = NewtonParams { rtol: 1e-8, ..NewtonParams::default() };
        let report = newton(&mut system, &mut x, &mut k, &params, &Backend::Cpu, &crate::progress::Silent)
            .unwrap_or_else(|e| panic!("{e}: {:?}", e.report()));
        // Without the round-off test the line search shrinks its way under the floor, later.
        assert!(report.iterations <= 2, "{report:?}");
        let floor = 1e3 * f64::EPSILON * 2f64.sqrt();
        assert!(report.residuals.iter().all(|&r| r > floor && r <= 10.0 * floor), "{report:?}");
        assert!(at_round_off(3.0 * floor, floor, 1e-15));
        assert!(!at_round_off(30.0 * floor, floor, 1e-15) && !at_round_off(3.0 * floor, floor, 1e-9));
    }

    /// A solve accepted at the attainable accuracy, above the tolerance it was asked for, is
    /// counted whatever the forcing term; one that met a loose forcing term is not.
    #[test]
    fn floor_solves_count_only_solves_above_their_own_tolerance() {
        let a = CsrMatrix::<f64>::identity(2);
        let linear = |rtol: f64, residual: f64, convergence| crate::solve::SolveReport {
            rtol,
            relative_residual: residual,
            convergence,
            iterations: 3,
            ..crate::solve::SolveReport::new(&Backend::Cpu, &SolveParams::default(), &a)
        };
        let mut r = NewtonReport::default();
        r.add_linear(&linear(1e-2, 3e-3, crate::solve::Convergence::Tolerance));
        assert_eq!((r.floor_solves, r.floor_residual, r.linear_residual), (0, 0.0, 3e-3));
        r.add_linear(&linear(1e-12, 4e-11, crate::solve::Convergence::AttainableAccuracy));
        assert_eq!((r.floor_solves, r.floor_residual, r.linear_iterations), (1, 4e-11, 6));
        let mut total = NewtonReport { forcing: 1e-2, ..NewtonReport::default() };
        total.add_linear_records(&r);
        total.add_linear_records(&r);
        assert_eq!((total.floor_solves, total.floor_residual, total.forcing), (2, 4e-11, 1e-2));
        let mut copy = NewtonReport { floor_solves: 9, ..NewtonReport::default() };
        copy.set_linear_records(&r);
        assert_eq!((copy.floor_solves, copy.linear_iterations, copy.linear_residual), (1, 6, 3e-3));
    }

    #[test]
    fn forcing_term_starts_loose_and_tightens_quadratically() {
        assert_eq!(forcing(3.0, None), FORCING_MAX);
        // A residual that fell by 1e3 asks for 0.9e-6 next: quadratic.
        assert!((forcing(1e-3, Some(1.0)) - 0.9e-6).abs() < 1e-18);
        // A slow fall never loosens beyond the cap.
        assert_eq!(forcing(0.9, Some(1.0)), FORCING_MAX);
    }

    #[test]
    fn inexact_direct_newton_still_meets_its_residual_test() {
        let n = 5;
        let roots: Vec<f64> = (0..n).map(|i| 0.5 + i as f64).collect();
        let b: Vec<f64> = roots.iter().map(|x| x + x * x * x).collect();
        let mut coo = CooMatrix::new(n, n);
        for i in 0..n {
            coo.push(i, i, 1.0);
        }
        let mut k = CsrMatrix::from(&coo);
        let mut x = vec![0.0; n];
        let params = NewtonParams::default();
        let scale = norm(&b);
        let report = newton(&mut Cubic { b }, &mut x, &mut k, &params, &Backend::Cpu, &crate::progress::Silent)
            .unwrap_or_else(|e| panic!("{e}: {:?}", e.report()));
        assert_eq!(report.forcing, FORCING_MAX, "the first solve asked for the loosest term");
        let last = *report.residuals.last().unwrap();
        assert!(last <= params.rtol * report.residuals[0] || last <= 1e3 * f64::EPSILON * scale, "{report:?}");
        for (a, b) in x.iter().zip(&roots) {
            assert!((a - b).abs() < 1e-9, "{a} vs {b}");
        }
    }

    #[test]
    fn converges_quadratically_to_the_root() {
        let n = 5;
        let roots: Vec<f64> = (0..n).map(|i| 0.5 + i as f64).collect();
        let b = roots.iter().map(|x| x + x * x * x).collect();
        let mut coo = CooMatrix::new(n, n);
        for i in 0..n {
            coo.push(i, i, 1.0);
        }
        let mut k = CsrMatrix::from(&coo);
        let mut x = vec![0.0; n];
        let linear = SolveParams {
            method: super::super::Method::Cg,
            preconditioner: super::super::PreconditionerKind::Jacobi,
            ..Default::default()
        };
        let params = NewtonParams { linear, ..Default::default() };
        let report = newton(&mut Cubic { b }, &mut x, &mut k, &params, &Backend::Cpu, &crate::progress::Silent)
            .unwrap_or_else(|e| panic!("{e}: {:?}", e.report()));
        for (a, b) in x.iter().zip(&roots) {
            assert!((a - b).abs() < 1e-10, "{a} vs {b}");
        }
        // Quadratic convergence: once close, each residual is below the square of the previous
        // one (relative to the start), within a modest constant.
        let r0 = report.residuals[0];
        let rel: Vec<f64> = report.residuals.iter().map(|r| r / r0).collect();
        let tail = &rel[rel.len() - 3..];
        assert!(tail[2] < 10.0 * tail[1] * tail[1] + 1e-15, "{rel:?}");
    }
}
