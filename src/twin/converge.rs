//! Calculation verification: a static scenario solved on systematically refined meshes, and for
//! each quantity of interest the observed order of accuracy, the Richardson-extrapolated value
//! and Roache's Grid Convergence Index, in numbered steps:
//!
//! 1. the meshes: the scenario's own, refined uniformly (every tet into eight, ratio r = 2,
//!    [`crate::mesh::refine`]) to the number of levels asked, or a list the caller gives (with its
//!    ratio);
//! 2. solve the scenario on each (a fatigue scenario runs its assessment too);
//! 3. the quantities: every probe's displacement magnitude, the strain energy, the largest
//!    displacement, the peak nodal von Mises stress and, for fatigue, the smallest safety factor;
//! 4. on the three finest levels (f₃ coarse, f₂, f₁ fine), with `ε₃₂ = f₃ − f₂`, `ε₂₁ = f₂ − f₁`:
//!    the observed order `p = ln(ε₃₂ / ε₂₁) / ln r`, the extrapolated value
//!    `f_ext = f₁ − ε₂₁ / (rᵖ − 1)`, `GCI₁₂ = F_s |ε₂₁ / f₁| / (rᵖ − 1)` with the safety factor
//!    `F_s = 1.25` of a three-grid study, and the asymptotic-range check
//!    `GCI₂₃ / (rᵖ GCI₁₂) ≈ 1`. Oscillatory (ε₃₂ ε₂₁ < 0) or converged-to-round-off sequences get no
//!    order and say so: the GCI is only meaningful for monotone convergence.
//!
//! A peak stress at a re-entrant corner or a clamp grows under refinement (a singularity): its
//! verdict says it does not converge, which is the information an analyst needs.

use std::path::Path;
use std::time::Instant;

use serde::Serialize;

use super::scenario::Scenario;
use super::{fatigue, Problem, ScenarioError};
use crate::mesh::{refine, Mesh};
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
    if meshes.len() < 3 {
        return Err(bad(format!("{} mesh level(s): a convergence study needs at least 3", meshes.len())));
    }
    if !(ratio.is_finite() && ratio > 1.0) {
        return Err(bad(format!("refinement ratio {ratio} must be a number > 1")));
    }
    let units = scenario.units.names();
    let mut levels = Vec::new();
    let mut table: Vec<(String, String, Vec<f64>)> = Vec::new();
    let n = meshes.len();
    for (k, mesh) in meshes.into_iter().enumerate() {
        progress.stage(&format!("level {}/{n}", k + 1), None);
        let start = Instant::now();
        let (cells, nodes) = (mesh.cell_count(), mesh.nodes().len());
        let problem = Problem::build(scenario.clone(), mesh, source, progress)?;
        let solution = match scenario.fatigue {
            Some(_) => fatigue::run(&problem, base, backend, progress)?.solution,
            None => problem.solve(backend, progress)?,
        };
        progress.finish();
        let s = &solution.summary;
        let mut values: Vec<(String, String, f64)> = s
            .probes
            .iter()
            .map(|(name, p)| {
                (
                    format!("|u| at probe {name}"),
                    units.0.clone(),
                    p.displacement.iter().map(|c| c * c).sum::<f64>().sqrt(),
                )
            })
            .collect();
        values.push(("strain energy".into(), units.3.clone(), s.strain_energy));
        values.push(("max |u|".into(), units.0.clone(), s.max_displacement));
        values.push(("max von Mises (nodal)".into(), units.1.clone(), s.max_von_mises));
        if let Some(f) = &s.fatigue {
            values.push(("min fatigue safety factor".into(), "-".into(), f.min_safety_factor));
        }
        for (name, unit, v) in values {
            match table.iter_mut().find(|(n, _, _)| *n == name) {
                Some(row) => row.2.push(v),
                None => table.push((name, unit, vec![v])),
            }
        }
        levels.push(Level {
            cells,
            nodes,
            dofs: s.mesh.dofs,
            relative_size: ratio.powi(-(k as i32)),
            seconds: start.elapsed().as_secs_f64(),
        });
    }
    let quantities = table.into_iter().map(|(name, unit, values)| quantity(name, unit, values, ratio)).collect();
    Ok(Convergence { scenario: scenario.name.clone(), ratio, levels, quantities })
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
