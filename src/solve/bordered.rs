//! Newton's method for a symmetric system bordered by one scalar unknown `λ` and one scalar
//! equation: `R(x, λ) = 0`, `g(x, λ) = 0` (a cavity whose pressure is unknown and whose volume,
//! or a pressure–volume relation, is prescribed).
//!
//! Linearised, each iteration is
//!
//! ```text
//! [ K   b ] [Δx]     [R]        K = ∂R/∂x (symmetric), b = ∂R/∂λ,
//! [ cᵀ  d ] [Δλ] = − [g],       c = ∂g/∂x, d = ∂g/∂λ,
//! ```
//!
//! solved by the Schur complement on the scalar: `K Δx₁ = −R`, `K Δx₂ = −b`, then
//! `Δλ = −(g + c·Δx₁) / (c·Δx₂ + d)` and `Δx = Δx₁ + Δλ Δx₂`. The linear solver only ever sees
//! the symmetric `K` (so CG and the GPU engine apply), with two right-hand sides: one
//! factorization and two back-substitutions for the direct solver, one extra solve for CG.
//!
//! Both `R` and `g` must be affine in `λ` (a pressure: `R = R₀(x) + λ b(x)`). When `g` depends on
//! `λ` (`d ≠ 0`: a pressure or a pressure–volume relation), `λ` is eliminated exactly at every
//! trial point (`λ ← λ − g/d`, `R ← R − (g/d) b`), so the iteration is Newton's on the reduced
//! system `R(x, λ(x))` and its line search the energy-slope test of [`newton`](super::newton).
//! The tangent is the one evaluated before the shift (`K` of a follower pressure depends on `λ`):
//! its error is of the order of the shift `g/d`, which falls with the residual, so the iteration
//! keeps Newton's fast final convergence without a second assembly per iteration.
//! When it does not (`d = 0`: a held volume), a trial must also keep the constraint's error in
//! force units, `‖b‖ |g| / |S|` with `S` the Schur complement, from growing past the merit
//! `‖R‖ + ‖b‖ |g| / |S|` it started from. Converged when `‖R‖ ≤ max(rtol ‖R₀‖, floor)` (as in
//! [`newton`](super::newton)), `|g| ≤ g_tol`, and the last update is below `rtol_x`; or, as
//! there, when `|g| ≤ g_tol` and the residual stagnates at round-off (within a few floors after
//! an update at round-off).

use nalgebra_sparse::CsrMatrix;

use super::newton::{at_round_off, solve_damped, Inadmissible, NewtonError, NewtonParams, NewtonReport, Reuse};
use super::Backend;
use crate::progress::Progress;

/// What an evaluation of a bordered system reports besides its vectors.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BorderedEvaluation {
    /// Size of the forces that make up the residual (its round-off scale).
    pub scale: f64,
    /// The constraint's value `g(x, λ)`.
    pub g: f64,
    /// `∂g/∂λ`.
    pub dg_dlambda: f64,
}

/// A nonlinear system with one extra scalar unknown and equation, on a fixed pattern.
/// Constrained unknowns are the system's business, as in
/// [`NonlinearSystem`](super::newton::NonlinearSystem): their rows of `residual`, `border` and
/// `gradient` are zero.
pub trait BorderedSystem {
    /// At `(x, λ)`: fills `residual` (`R`), `border` (`∂R/∂λ`), `gradient` (`∂g/∂x`) and, when
    /// given, `tangent` (`∂R/∂x`).
    fn evaluate(
        &mut self,
        x: &[f64],
        lambda: f64,
        vectors: BorderedVectors<'_>,
        tangent: Option<&mut CsrMatrix<f64>>,
    ) -> Result<BorderedEvaluation, Inadmissible>;
}

/// The vectors an evaluation fills.
#[derive(Debug)]
pub struct BorderedVectors<'a> {
    /// `R(x, λ)`.
    pub residual: &'a mut [f64],
    /// `∂R/∂λ`.
    pub border: &'a mut [f64],
    /// `∂g/∂x`.
    pub gradient: &'a mut [f64],
}

/// The slope test of the line search, as in [`newton`](super::newton): a trial is accepted when
/// `Δx · R(trial)` has come down to this fraction of `|Δx · R|`.
const LINE_SEARCH_ETA: f64 = 0.5;

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn norm(v: &[f64]) -> f64 {
    dot(v, v).sqrt()
}

/// The vectors of one state.
struct Eval {
    r: Vec<f64>,
    b: Vec<f64>,
    c: Vec<f64>,
    g: f64,
    d: f64,
}

impl Eval {
    fn new(n: usize) -> Eval {
        Eval { r: vec![0.0; n], b: vec![0.0; n], c: vec![0.0; n], g: 0.0, d: 0.0 }
    }

    fn fill(
        &mut self,
        system: &mut dyn BorderedSystem,
        x: &[f64],
        lambda: f64,
        tangent: &mut CsrMatrix<f64>,
    ) -> Result<f64, Inadmissible> {
        let vectors = BorderedVectors { residual: &mut self.r, border: &mut self.b, gradient: &mut self.c };
        let e = system.evaluate(x, lambda, vectors, Some(tangent))?;
        if !(e.g.is_finite() && e.dg_dlambda.is_finite()) {
            return Err(Inadmissible("the constraint is not finite".into()));
        }
        self.g = e.g;
        self.d = e.dg_dlambda;
        Ok(e.scale)
    }
}

/// Solves the bordered system from the guess `(x, λ)`; on success they hold the solution, on
/// failure the last accepted iterate. `g_tol` is the absolute tolerance of the constraint.
pub fn newton_bordered(
    system: &mut dyn BorderedSystem,
    (x, lambda): (&mut [f64], &mut f64),
    tangent: &mut CsrMatrix<f64>,
    (params, g_tol, backend): (&NewtonParams, f64, &Backend),
    progress: &dyn Progress,
    reuse: &mut Reuse,
) -> Result<NewtonReport, NewtonError> {
    let n = x.len();
    let mut report = NewtonReport::default();
    let (mut now, mut trial) = (Eval::new(n), Eval::new(n));
    let mut x_try = vec![0.0; n];
    let mut solution = vec![vec![0.0; n], vec![0.0; n]];
    let (mut rhs_r, mut rhs_b) = (vec![0.0; n], vec![0.0; n]);
    let t = std::time::Instant::now();
    let mut scale = now.fill(system, x, *lambda, tangent).map_err(|reason| NewtonError::Start { reason })?;
    if now.d != 0.0 && now.g != 0.0 {
        // The constraint fixes λ for the current x: start from there, with the tangent at it.
        *lambda -= now.g / now.d;
        scale = now.fill(system, x, *lambda, tangent).map_err(|reason| NewtonError::Start { reason })?;
    }
    report.assembly_seconds += t.elapsed().as_secs_f64();
    // The round-off floor of a residual made of forces of size `scale` (internal forces, or the
    // pressure's load `|λ| ‖b‖`).
    let floor_of = |scale: f64, e: &Eval, lambda: f64| 1e3 * f64::EPSILON * scale.max(lambda.abs() * norm(&e.b));
    let mut floor = floor_of(scale, &now, *lambda);
    let mut res = norm(&now.r);
    // The reference force: the initial residual, or the load change the first update of λ
    // implies when the state starts balanced (a held volume under a new tension).
    let mut r_ref = res.max(floor).max(params.reference);
    report.residuals.push(res);
    let mut last_update = f64::INFINITY;
    let mut dx = vec![0.0; n];
    loop {
        let balanced = res <= (params.rtol * r_ref).max(floor);
        let settled = balanced && (res <= floor || last_update <= params.rtol_x);
        if now.g.abs() <= g_tol && (settled || at_round_off(res, floor, last_update)) {
            return Ok(report);
        }
        if report.iterations >= params.max_iterations {
            return Err(NewtonError::NotConverged { report: Box::new(report) });
        }
        rhs_r.iter_mut().zip(&now.r).for_each(|(v, r)| *v = -r);
        rhs_b.iter_mut().zip(&now.b).for_each(|(v, b)| *v = -b);
        let step_params = super::newton::inexact(params, backend, &mut report);
        let linear = solve_damped(tangent, &[&rhs_r, &rhs_b], &mut solution, (&step_params, backend), reuse)
            .map_err(|source| NewtonError::Linear { report: Box::new(report.clone()), source })?;
        if linear.1 > 0.0 {
            report.damped += 1;
        }
        report.add_linear(&linear.0);
        let (d1, d2) = (&solution[0], &solution[1]);
        let schur = dot(&now.c, d2) + now.d;
        if !(schur.is_finite() && schur != 0.0) {
            return Err(NewtonError::Outer {
                report: Box::new(report),
                what: format!(
                    "the bordered system is singular (Schur complement {schur:e}): the constraint does not depend \
                     on the extra unknown"
                ),
            });
        }
        let d_lambda = -(now.g + dot(&now.c, d1)) / schur;
        dx.iter_mut().zip(d1.iter().zip(d2)).for_each(|(d, (a, b))| *d = a + d_lambda * b);
        let b_norm = norm(&now.b);
        if report.iterations == 0 {
            r_ref = r_ref.max(d_lambda.abs() * b_norm);
        }
        // The constraint's error in force units: the λ it would take to remove it (|g| / |S|)
        // times the load per unit λ.
        let weight = b_norm / schur.abs();
        let phi0 = res + weight * now.g.abs();
        let slope0 = dot(&dx, &now.r);
        let (mut alpha, mut last, mut trials) = (1.0, String::new(), 0);
        let accepted = loop {
            x_try.iter_mut().zip(x.iter().zip(&dx)).for_each(|(t, (x, d))| *t = x + alpha * d);
            let mut lambda_try = *lambda + alpha * d_lambda;
            let t = std::time::Instant::now();
            let outcome = trial.fill(system, &x_try, lambda_try, tangent);
            report.assembly_seconds += t.elapsed().as_secs_f64();
            match outcome {
                Ok(scale) => {
                    if trial.d != 0.0 {
                        // λ follows x exactly: R is affine in λ with slope b.
                        let shift = -trial.g / trial.d;
                        lambda_try += shift;
                        trial.r.iter_mut().zip(&trial.b).for_each(|(r, b)| *r += shift * b);
                        trial.g = 0.0;
                    }
                    let trial_floor = floor_of(scale, &trial, lambda_try);
                    let r = norm(&trial.r);
                    let slope = dot(&dx, &trial.r);
                    let energy = slope <= LINE_SEARCH_ETA * slope0.abs() || r < res;
                    let phi = r + weight * trial.g.abs();
                    let ok = if trial.d != 0.0 {
                        energy
                    } else {
                        phi < (1.0 - 1e-4 * alpha) * phi0 || (energy && weight * trial.g.abs() <= phi0)
                    };
                    if ok || (r <= trial_floor && trial.g.abs() <= g_tol) {
                        break Some((r, lambda_try, trial_floor));
                    }
                    last = format!("residual {r:.3e}, constraint {:.3e}, against {res:.3e} at step {alpha}", trial.g);
                }
                Err(Inadmissible(why)) => last = format!("{why} at step {alpha}"),
            }
            if trials == params.max_halvings {
                break None;
            }
            trials += 1;
            alpha *= 0.5;
        };
        let Some((r, lambda_new, trial_floor)) = accepted else {
            // Leave the tangent consistent with the last accepted iterate.
            let _ = now.fill(system, x, *lambda, tangent);
            return Err(NewtonError::LineSearch { report: Box::new(report), last });
        };
        let step = x_try.iter().zip(x.iter()).map(|(a, b)| (a - b) * (a - b)).sum::<f64>().sqrt();
        x.copy_from_slice(&x_try);
        *lambda = lambda_new;
        floor = trial_floor;
        std::mem::swap(&mut now, &mut trial);
        res = r;
        report.iterations += 1;
        last_update = step / norm(x).max(f64::MIN_POSITIVE);
        report.residuals.push(res);
        report.updates.push(last_update);
        report.steps.push(alpha);
        progress.advance(
            report.iterations as u64,
            &format!(
                "residual {:.2e}, constraint {:.2e}",
                res / r_ref.max(f64::MIN_POSITIVE),
                now.g.abs() / g_tol.max(f64::MIN_POSITIVE)
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra_sparse::CooMatrix;

    /// R_i = k_i x_i + x_i³ − λ f_i, g = Σ f_i x_i − V: a nonlinear "cavity" of springs loaded by a
    /// pressure λ, with its "volume" prescribed. The solution satisfies both to round-off.
    struct Springs {
        k: Vec<f64>,
        f: Vec<f64>,
        target: f64,
    }

    impl BorderedSystem for Springs {
        fn evaluate(
            &mut self,
            x: &[f64],
            lambda: f64,
            v: BorderedVectors<'_>,
            tangent: Option<&mut CsrMatrix<f64>>,
        ) -> Result<BorderedEvaluation, Inadmissible> {
            for (i, &xi) in x.iter().enumerate() {
                v.residual[i] = self.k[i] * xi + xi.powi(3) - lambda * self.f[i];
                v.border[i] = -self.f[i];
                v.gradient[i] = self.f[i];
            }
            if let Some(t) = tangent {
                for (i, val) in t.values_mut().iter_mut().enumerate() {
                    *val = self.k[i] + 3.0 * x[i] * x[i];
                }
            }
            Ok(BorderedEvaluation { scale: 1.0, g: dot(&self.f, x) - self.target, dg_dlambda: 0.0 })
        }
    }

    /// `R = K x − λ f + n`, `K = diag(1, 10⁶)`, `f = (1, 1)`, `g = f·x − 2`: the stiff row carries
    /// a noise of two round-off floors whose sign flips at every evaluation, so that no step
    /// cancels it.
    struct NoisySprings {
        evaluations: usize,
    }

    impl BorderedSystem for NoisySprings {
        fn evaluate(
            &mut self,
            x: &[f64],
            lambda: f64,
            v: BorderedVectors<'_>,
            tangent: Option<&mut CsrMatrix<f64>>,
        ) -> Result<BorderedEvaluation, Inadmissible> {
            let floor = 1e3 * f64::EPSILON * (lambda.abs() * 2f64.sqrt()).max(1.0);
            self.evaluations += 1;
            let sign = if self.evaluations.is_multiple_of(2) { 1.0 } else { -1.0 };
            v.residual[0] = x[0] - lambda;
            v.residual[1] = 1e6 * x[1] - lambda + 2.0 * floor * sign;
            v.border.fill(-1.0);
            v.gradient.fill(1.0);
            if let Some(t) = tangent {
                t.values_mut().copy_from_slice(&[1.0, 1e6]);
            }
            Ok(BorderedEvaluation { scale: 1.0, g: x[0] + x[1] - 2.0, dg_dlambda: 0.0 })
        }
    }

    /// Asked for a residual below its round-off (rtol 1e-14), the bordered Newton stops once the
    /// constraint holds and the update is at round-off, instead of failing after
    /// `max_iterations`.
    #[test]
    fn bordered_newton_stops_at_round_off() {
        let mut coo = CooMatrix::new(2, 2);
        (0..2).for_each(|i| coo.push(i, i, 1.0));
        let mut k = CsrMatrix::from(&coo);
        let (mut x, mut lambda) = (vec![0.0; 2], 0.0);
        let params = NewtonParams { rtol: 1e-14, rtol_x: 1e-12, ..NewtonParams::default() };
        let report = newton_bordered(
            &mut NoisySprings { evaluations: 0 },
            (&mut x, &mut lambda),
            &mut k,
            (&params, 1e-12, &Backend::Cpu),
            &crate::progress::Silent,
            &mut Reuse::default(),
        )
        .unwrap_or_else(|e| panic!("{e}: {:?}", e.report()));
        assert!((x[0] + x[1] - 2.0).abs() <= 1e-12, "{x:?}");
        assert!((lambda - 2.0 / (1.0 + 1e-6)).abs() < 1e-9, "{lambda}");
        // Without the round-off test the line search halves its way under the floor, a step later.
        assert!(report.iterations <= 2, "{report:?}");
    }

    #[test]
    fn bordered_newton_meets_the_constraint_and_the_balance() {
        let n = 6;
        let mut coo = CooMatrix::new(n, n);
        (0..n).for_each(|i| coo.push(i, i, 1.0));
        let mut k = CsrMatrix::from(&coo);
        let mut s =
            Springs { k: (0..n).map(|i| 1.0 + i as f64).collect(), f: vec![1.0, 0.5, 2.0, 1.0, 0.3, 0.7], target: 4.0 };
        let (mut x, mut lambda) = (vec![0.0; n], 0.0);
        let params = NewtonParams { rtol: 1e-12, rtol_x: 1e-12, ..NewtonParams::default() };
        let report = newton_bordered(
            &mut s,
            (&mut x, &mut lambda),
            &mut k,
            (&params, 1e-12, &Backend::Cpu),
            &crate::progress::Silent,
            &mut Reuse::default(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!((dot(&s.f, &x) - 4.0).abs() < 1e-12);
        for (i, &xi) in x.iter().enumerate() {
            let r = s.k[i] * xi + xi.powi(3) - lambda * s.f[i];
            assert!(r.abs() < 1e-11, "row {i}: {r}");
        }
        assert!(lambda > 0.0);
        assert!(report.iterations <= 10, "{} iterations", report.iterations);
    }
}
