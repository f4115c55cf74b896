//! Calculation verification: a static or quasi-static scenario solved on systematically refined
//! meshes, and for each quantity of interest the observed order of accuracy, the
//! Richardson-extrapolated value and Roache's Grid Convergence Index, in numbered steps:
//!
//! 1. the meshes: the scenario's own, refined uniformly (every tet into eight, ratio r = 2,
//!    [`crate::mesh::refine`]) to the number of levels asked, or a list the caller gives (with its
//!    ratio);
//! 2. solve the scenario on each: a static one (a fatigue scenario runs its assessment too), or
//!    every load step of a quasi-static (finite-strain) one, which must reach its last step on
//!    every level;
//! 3. the quantities: for a static scenario every probe's displacement magnitude, the strain
//!    energy, the largest displacement, the peak nodal von Mises stress and, for fatigue, the
//!    smallest safety factor; for a quasi-static one, at its last step, every cavity's volume,
//!    every probe's displacement magnitude, the largest displacement, the smallest and largest
//!    `det F` at a quadrature point, the peak cell von Mises stress and, when the scenario has
//!    `[fibers]`, the peak fibre stress `|σ_ff|`;
//! 4. on the three finest levels (f₃ coarse, f₂, f₁ fine), with `ε₃₂ = f₃ − f₂`, `ε₂₁ = f₂ − f₁`:
//!    the observed order `p = ln(ε₃₂ / ε₂₁) / ln r`, the extrapolated value
//!    `f_ext = f₁ − ε₂₁ / (rᵖ − 1)`, `GCI₁₂ = F_s |ε₂₁ / f₁| / (rᵖ − 1)` with the safety factor
//!    `F_s = 1.25` of a three-grid study, and the asymptotic-range check
//!    `GCI₂₃ / (rᵖ GCI₁₂) ≈ 1`. Oscillatory (ε₃₂ ε₂₁ < 0) or converged-to-round-off sequences get no
//!    order and say so: the GCI is only meaningful for monotone convergence.
//!
//! A peak stress at a re-entrant corner or a clamp grows under refinement (a singularity): its
//! verdict says it does not converge, which is the information an analyst needs.
//!
//! A heartbeat is refused: its stiffness is calibrated to the patient's volume on each mesh (so
//! the calibration absorbs the discretisation error the study means to measure) and its beat
//! couples the mesh to a circulation and valve events; study its passive inflation as a
//! quasi-static scenario on the same mesh instead.

use std::path::Path;
use std::time::Instant;

use serde::Serialize;

use super::analysis::AnalysisKind;
use super::quasi_static::{QuasiStatic, StepOutput};
use super::scenario::Scenario;
use super::{fatigue, Problem, ScenarioError};
use crate::mesh::{refine, Field, Mesh};
use crate::progress::Progress;
use crate::solve::Backend;

/// Roache's safety factor for a three-grid study.
pub const SAFETY_FACTOR: f64 = 1.25;

/// One mesh level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Level {
    /// Cells.
    pub cells: usize,
    /// Nodes.
    pub nodes: usize,
    /// DOFs.
    pub dofs: usize,
    /// Element size relative to the coarsest mesh.
    pub relative_size: f64,
    /// Solve (and assessment) seconds.
    pub seconds: f64,
}

/// One quantity of interest over the levels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quantity {
    /// Name.
    pub name: String,
    /// Unit.
    pub unit: String,
    /// Values, coarse to fine.
    pub values: Vec<f64>,
    /// Observed order of accuracy on the three finest levels.
    pub order: Option<f64>,
    /// Richardson-extrapolated value.
    pub extrapolated: Option<f64>,
    /// GCI of the finest mesh (relative).
    pub gci_fine: Option<f64>,
    /// `GCI₂₃ / (rᵖ GCI₁₂)`: near 1 in the asymptotic range.
    pub asymptotic_ratio: Option<f64>,
    /// What the sequence does.
    pub verdict: String,
}

/// A convergence study.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Convergence {
    /// Scenario name.
    pub scenario: String,
    /// `"static"` or `"quasi_static"` (then the quantities are the last step's).
    pub analysis: String,
    /// Refinement ratio.
    pub ratio: f64,
    /// The levels, coarse to fine.
    pub levels: Vec<Level>,
    /// The quantities.
    pub quantities: Vec<Quantity>,
}

/// Step 1: the scenario's mesh and `levels − 1` uniform refinements of it.
pub fn refined_meshes(mesh: Mesh, levels: usize, source: &str) -> Result<Vec<Mesh>, ScenarioError> {
    let mut out = vec![mesh];
    while out.len() < levels {
        let next = refine::refine(out.last().expect("one mesh")).map_err(|e| ScenarioError::Invalid {
            source_name: source.into(),
            entry: "mesh".into(),
            message: format!("cannot refine the mesh uniformly: {e}"),
        })?;
        out.push(next);
    }
    Ok(out)
}

/// Whether `scenario`'s analysis can be studied: static and quasi-static can, a heartbeat cannot
/// (see the module docs).
pub fn check_analysis(scenario: &Scenario, source: &str) -> Result<(), ScenarioError> {
    match scenario.analysis_kind() {
        AnalysisKind::Heartbeat => Err(ScenarioError::Invalid {
            source_name: source.into(),
            entry: "analysis".into(),
            message: "converge runs static and quasi-static scenarios, not a heartbeat: the stiffness calibrated to \
                      the patient's volume on each mesh would absorb the discretisation error the study measures, and \
                      the beat's valve events and circulation move with it; run converge on the passive inflation \
                      (kind = \"quasi_static\" on the same mesh) instead"
                .into(),
        }),
        AnalysisKind::Static | AnalysisKind::QuasiStatic => Ok(()),
    }
}

/// A quantity's name, unit and value on one level.
type Value = (String, String, f64);

/// Steps 2–4 on `meshes` (coarse to fine, element size shrinking by `ratio` per level).
pub fn study(
    scenario: &Scenario,
    source: &str,
    base: &Path,
    meshes: Vec<Mesh>,
    ratio: f64,
    backend: &Backend,
    progress: &dyn Progress,
) -> Result<Convergence, ScenarioError> {
    let bad = |m: String| ScenarioError::Invalid { source_name: source.into(), entry: "converge".into(), message: m };
    check_analysis(scenario, source)?;
    if meshes.len() < 3 {
        return Err(bad(format!("{} mesh level(s): a convergence study needs at least 3", meshes.len())));
    }
    if !(ratio.is_finite() && ratio > 1.0) {
        return Err(bad(format!("refinement ratio {ratio} must be a number > 1")));
    }
    let quasi_static = scenario.analysis_kind() == AnalysisKind::QuasiStatic;
    let mut levels = Vec::new();
    let mut table: Vec<(String, String, Vec<f64>)> = Vec::new();
    let n = meshes.len();
    for (k, mesh) in meshes.into_iter().enumerate() {
        progress.stage(&format!("level {}/{n}", k + 1), None);
        let start = Instant::now();
        let (cells, nodes) = (mesh.cell_count(), mesh.nodes().len());
        let solved = if quasi_static {
            quasi_static_level(scenario, mesh, source, backend, progress).map_err(|e| match e {
                ScenarioError::Stopped { source_name, message } => ScenarioError::Stopped {
                    source_name,
                    message: format!(
                        "level {} of {n} ({cells} cells): {message}; a convergence study needs every level to reach \
                         the last step",
                        k + 1
                    ),
                },
                other => other,
            })
        } else {
            static_level(scenario, mesh, source, base, backend, progress)
        };
        progress.finish();
        let (dofs, values) = solved?;
        for (name, unit, v) in values {
            match table.iter_mut().find(|(n, _, _)| *n == name) {
                Some(row) => row.2.push(v),
                None => table.push((name, unit, vec![v])),
            }
        }
        levels.push(Level {
            cells,
            nodes,
            dofs,
            relative_size: ratio.powi(-(k as i32)),
            seconds: start.elapsed().as_secs_f64(),
        });
    }
    // A quantity missing on a level (a probe that fell outside a regenerated mesh) is left out.
    table.retain(|(_, _, values)| values.len() == n);
    let quantities = table.into_iter().map(|(name, unit, values)| quantity(name, unit, values, ratio)).collect();
    let analysis = if quasi_static { "quasi_static" } else { "static" };
    Ok(Convergence { scenario: scenario.name.clone(), analysis: analysis.into(), ratio, levels, quantities })
}

/// Steps 2–3 of a static scenario on one mesh: its DOFs and quantities.
fn static_level(
    scenario: &Scenario,
    mesh: Mesh,
    source: &str,
    base: &Path,
    backend: &Backend,
    progress: &dyn Progress,
) -> Result<(usize, Vec<Value>), ScenarioError> {
    let units = scenario.units.names();
    let problem = Problem::build(scenario.clone(), mesh, source, progress)?;
    let solution = match scenario.fatigue {
        Some(_) => fatigue::run(&problem, base, backend, progress)?.solution,
        None => problem.solve(backend, progress)?,
    };
    let s = &solution.summary;
    let mut values: Vec<Value> = s
        .probes
        .iter()
        .map(|(name, p)| (format!("|u| at probe {name}"), units.0.clone(), norm(&p.displacement)))
        .collect();
    values.push(("strain energy".into(), units.3.clone(), s.strain_energy));
    values.push(("max |u|".into(), units.0.clone(), s.max_displacement));
    values.push(("max von Mises (nodal)".into(), units.1.clone(), s.max_von_mises));
    if let Some(f) = &s.fatigue {
        values.push(("min fatigue safety factor".into(), "-".into(), f.min_safety_factor));
    }
    Ok((s.mesh.dofs, values))
}

/// Steps 2–3 of a quasi-static scenario on one mesh: every load step, then the last step's
/// quantities (a run that stops early is [`ScenarioError::Stopped`]).
fn quasi_static_level(
    scenario: &Scenario,
    mesh: Mesh,
    source: &str,
    backend: &Backend,
    progress: &dyn Progress,
) -> Result<(usize, Vec<Value>), ScenarioError> {
    let (length, stress, ..) = scenario.units.names();
    let analysis = QuasiStatic::build(scenario.clone(), mesh, source)?;
    // The peaks of the latest converged step's fields: max |u|, von Mises, |σ_ff|.
    let mut peaks = [0.0f64; 3];
    let outcome = analysis.run(backend, progress, &mut |step: &StepOutput<'_>| {
        peaks = [
            field_peak(&step.point_fields, "displacement"),
            field_peak(&step.cell_fields, "von_mises"),
            field_peak(&step.cell_fields, "sigma_ff"),
        ];
        Ok(())
    })?;
    if let Some(message) = outcome.failure {
        // The run's message names the file and keeps its converged steps; a study keeps nothing.
        let kept = format!("; the {} converged steps are kept", outcome.summary.completed_steps);
        let message = message.strip_prefix(&format!("{source}: ")).unwrap_or(&message).replacen(&kept, "", 1);
        return Err(ScenarioError::Stopped { source_name: source.into(), message });
    }
    let s = &outcome.summary;
    let Some(last) = s.steps.last() else {
        return Err(ScenarioError::Stopped { source_name: source.into(), message: "no load step was solved".into() });
    };
    let mut values: Vec<Value> = last
        .cavities
        .iter()
        .map(|(name, c)| match c.volume_ml {
            Some(ml) => (format!("volume of cavity {name}"), "mL".into(), ml),
            None => (format!("volume of cavity {name}"), format!("{length}³"), c.volume),
        })
        .collect();
    values.extend(
        last.probes.iter().map(|(name, p)| (format!("|u| at probe {name}"), length.clone(), norm(&p.displacement))),
    );
    values.push(("max |u|".into(), length.clone(), peaks[0]));
    values.push(("min det F".into(), "-".into(), last.min_j));
    values.push(("max det F".into(), "-".into(), last.max_j));
    values.push(("max von Mises (cell)".into(), stress.clone(), peaks[1]));
    if scenario.fibres.is_some() {
        values.push(("max |σ_ff| (cell)".into(), stress, peaks[2]));
    }
    Ok((s.mesh.dofs, values))
}

/// The largest magnitude of field `name` (vectors by their length; 0 when absent).
fn field_peak(fields: &[Field], name: &str) -> f64 {
    let Some(f) = fields.iter().find(|f| f.name == name) else { return 0.0 };
    f.values.chunks(f.components.max(1)).map(|c| c.iter().map(|v| v * v).sum::<f64>().sqrt()).fold(0.0, f64::max)
}

fn norm(v: &[f64; 3]) -> f64 {
    v.iter().map(|c| c * c).sum::<f64>().sqrt()
}

/// Step 4 for one quantity.
pub fn quantity(name: String, unit: String, values: Vec<f64>, r: f64) -> Quantity {
    let mut q = Quantity {
        name,
        unit,
        values,
        order: None,
        extrapolated: None,
        gci_fine: None,
        asymptotic_ratio: None,
        verdict: String::new(),
    };
    let k = q.values.len();
    let (f3, f2, f1) = (q.values[k - 3], q.values[k - 2], q.values[k - 1]);
    let (e32, e21) = (f3 - f2, f2 - f1);
    let scale = f1.abs().max(f2.abs()).max(f3.abs());
    if e21.abs() <= 1e-12 * scale || e32.abs() <= 1e-12 * scale {
        q.verdict = "unchanged under refinement (to round-off): exact on these meshes".into();
        return q;
    }
    if e32 * e21 < 0.0 {
        q.verdict = "oscillatory convergence: no order or GCI (refine further or use another quantity)".into();
        return q;
    }
    let p = (e32 / e21).ln() / r.ln();
    if p <= 0.0 {
        q.verdict = format!(
            "diverging (differences grow by {:.2} per level): a singularity, not a converging quantity",
            e21 / e32
        );
        q.order = Some(p);
        return q;
    }
    let rp = r.powf(p);
    let gci12 = SAFETY_FACTOR * (e21 / f1).abs() / (rp - 1.0);
    let gci23 = SAFETY_FACTOR * (e32 / f2).abs() / (rp - 1.0);
    q.order = Some(p);
    q.extrapolated = Some(f1 - e21 / (rp - 1.0));
    q.gci_fine = Some(gci12);
    q.asymptotic_ratio = Some(gci23 / (rp * gci12));
    q.verdict = format!("monotone convergence, order {p:.2}; fine-mesh uncertainty ±{:.2} % (GCI)", 100.0 * gci12);
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sequence f(h) = 10 + h² sampled at h = 1, 1/2, 1/4 has order 2, limit 10, and sits in
    /// the asymptotic range (the ratio is f₁/f₂ = 0.98 off 1 for an exact power law).
    #[test]
    fn richardson_and_gci_of_a_known_sequence() {
        let q = quantity("f".into(), "-".into(), vec![11.0, 10.25, 10.0625], 2.0);
        assert!((q.order.unwrap() - 2.0).abs() < 1e-12);
        assert!((q.extrapolated.unwrap() - 10.0).abs() < 1e-12);
        assert!((q.asymptotic_ratio.unwrap() - 1.0).abs() < 0.05, "{:?}", q.asymptotic_ratio);
        // GCI = 1.25 |0.1875 / 10.0625| / 3.
        assert!((q.gci_fine.unwrap() - 1.25 * 0.1875 / 10.0625 / 3.0).abs() < 1e-12);
        let osc = quantity("g".into(), "-".into(), vec![1.0, 2.0, 1.5], 2.0);
        assert!(osc.order.is_none() && osc.verdict.contains("oscillatory"));
        let div = quantity("s".into(), "-".into(), vec![1.0, 2.0, 4.0], 2.0);
        assert!(div.verdict.contains("diverging"));
    }
}
