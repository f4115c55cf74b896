//! The cross-check of a static run's solve (on the GPU, or by CPU CG) against the CPU reference,
//! in numbered steps:
//!
//! 1. the run's own solve on its backend (the caller's [`Solution`]);
//! 2. the same constrained system solved on the CPU by the sparse direct solver (Cholesky in
//!    f64, [`Problem::solve_reference`]), with its own accuracy check;
//! 3. the differences: `δu = max_i |u_i − u_ref,i| / max_i |u_ref,i|` over the nodes (vector
//!    lengths) and `δσ = |max σ_vM − max σ_vM,ref| / max σ_vM,ref` of the peak nodal von Mises
//!    stress;
//! 4. the verdict against [`tolerance`]; a difference above it is a warning of the run.
//!
//! Why the tolerance is a multiple of the residual: the run's solution `x` leaves the true (f64)
//! residual `r = b − A x` with `‖r‖ / ‖b‖ = ρ ≤ rtol` (or at the attainable floor), and the
//! reference is exact to rounding, so the error `e = x − x_ref` solves `A e = −r` and
//! `‖e‖ / ‖x_ref‖ ≤ κ(A) ρ`. That worst case is never approached by a converged CG: the residual
//! it leaves is spread over the spectrum, not aligned with the smallest eigenvector: measured on
//! the implant, the Tet10 cantilever, the Lamé sphere octant and the small LV, on lavapipe and by
//! CPU CG, `δu` is 0.002–2.5 ρ and `δσ` at most 0.3 ρ (see the README). A tolerance of
//! [`AMPLIFICATION`] = 1000 times the residual is some 400 times what a correct solve shows, and
//! still far below the percent-level differences of a wrong kernel, a stale buffer or a lost row.

use std::time::Instant;

use super::summary::CrossCheckSummary;
use super::{Problem, ScenarioError, Solution};
use crate::progress::Progress;

/// How far above the run's relative residual the difference to the reference may lie.
pub const AMPLIFICATION: f64 = 1e3;

/// The largest difference a correct solve with relative residual `residual` (requested `rtol`)
/// leaves: [`AMPLIFICATION`] times the largest of the two and of `floor`, the reference's
/// attainable relative residual `ε ‖|A| |x|‖ / ‖b‖` (its own rounding, amplified the same way).
pub fn tolerance(rtol: f64, residual: f64, floor: f64) -> f64 {
    AMPLIFICATION * rtol.max(residual).max(floor)
}

/// Steps 2–4 for `solution`, the run's solve of `problem`: the summary, and the warning when the
/// difference exceeds the tolerance.
pub fn cross_check(
    problem: &Problem,
    solution: &Solution,
    progress: &dyn Progress,
) -> Result<(CrossCheckSummary, Option<String>), ScenarioError> {
    let start = Instant::now();
    progress.stage("cross-check (CPU direct)", None);
    let reference = problem.solve_reference(progress);
    progress.finish();
    let reference = reference?;
    let seconds = start.elapsed().as_secs_f64();
    let norm = |v: &[f64; 3]| (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
    let scale = reference.displacement.iter().map(norm).fold(0.0, f64::max);
    let largest = solution
        .displacement
        .iter()
        .zip(&reference.displacement)
        .map(|(a, b)| norm(&[a[0] - b[0], a[1] - b[1], a[2] - b[2]]))
        .fold(0.0, f64::max);
    let relative = |d: f64, s: f64| if s > 0.0 { d / s } else { d };
    let displacement_difference = relative(largest, scale);
    let (run, refv) = (solution.summary.max_von_mises, reference.summary.max_von_mises);
    let von_mises_difference = relative((run - refv).abs(), refv.abs());
    let v = &solution.summary.solver;
    let tolerance = tolerance(v.rtol, v.relative_residual, reference.report.floor);
    let passed = displacement_difference <= tolerance && von_mises_difference <= tolerance;
    let adapter = v.adapter.as_ref().map_or(String::new(), |a| format!(" on {a}"));
    let preconditioner = if v.method == "cg" { format!("/{}", v.preconditioner) } else { String::new() };
    let solved = format!("{} {}{preconditioner}, {}{adapter}", v.backend, v.method, v.precision);
    let warning = (!passed).then(|| {
        format!(
            "the cross-check against the CPU direct solve differs by {displacement_difference:.2e} in displacement and \
             {von_mises_difference:.2e} in peak von Mises stress, above the tolerance {tolerance:.1e} ({AMPLIFICATION:.0e} \
             times the solve's relative residual {:.1e} or rtol {:e}): the {} solve is not to be trusted; rerun with \
             --backend cpu",
            v.relative_residual, v.rtol, v.backend
        )
    });
    let summary = CrossCheckSummary {
        solved,
        reference: "cpu direct (sparse Cholesky), f64".into(),
        displacement_difference,
        von_mises_difference,
        tolerance,
        passed,
        seconds,
    };
    Ok((summary, warning))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tolerance_follows_the_larger_of_rtol_and_the_residual() {
        assert_eq!(tolerance(1e-8, 1e-9, 1e-16), 1e3 * 1e-8);
        assert_eq!(tolerance(1e-8, 1e-6, 1e-16), 1e3 * 1e-6);
        assert_eq!(tolerance(1e-15, 1e-16, 1e-14), 1e3 * 1e-14);
    }
}
