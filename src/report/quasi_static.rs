//! The sections of a quasi-static (finite-strain) run: inputs, the load steps with the
//! pressure–volume curve and Newton's convergence, the last step's picture, and the checks.

use super::{num, vec3, Figure, Section};
use crate::mesh::stats::MeshStats;
use crate::mesh::Mesh;
use crate::twin::summary::QuasiStaticSummary;

/// Inputs: mesh, quality, laws and formulation.
pub fn inputs(s: &QuasiStaticSummary, stats: &MeshStats) -> Section {
    let mut out = Section::new("inputs", "Inputs");
    out.paragraph(&format!(
        "Mesh {}: {} nodes, {} cells ({}), {} DOFs of which {} prescribed; volume {} {}³. Formulation: {}.",
        s.mesh.file,
        s.mesh.nodes,
        s.mesh.cells,
        s.mesh.cell_types.join(", "),
        s.mesh.dofs,
        s.mesh.constrained_dofs,
        num(s.mesh.volume),
        s.units.length,
        s.formulation
    ));
    let q = &stats.quality;
    out.heading("Mesh quality").table(
        &["scaled Jacobian min", "mean", "dihedral angle min (°)", "max (°)"],
        &[vec![
            num(q.min_scaled_jacobian),
            num(q.mean_scaled_jacobian),
            num(q.min_dihedral_deg),
            num(q.max_dihedral_deg),
        ]],
    );
    let laws: Vec<Vec<String>> = s
        .materials
        .iter()
        .map(|m| {
            vec![
                super::region(&m.region),
                m.model.clone(),
                m.bulk_modulus.map_or("incompressible (augmented Lagrangian)".into(), num),
            ]
        })
        .collect();
    out.heading("Materials").table(&["region", "law", &format!("bulk modulus ({})", s.units.stress)], &laws);
    out
}

/// The load steps: table, plots and the last step's picture.
pub fn steps(s: &QuasiStaticSummary, figures: &[Figure]) -> Section {
    let mut out = Section::new("steps", "Load steps");
    out.paragraph(&format!(
        "{} of {} steps, status {}{}; Newton {} iterations in all ({} linear), tangent: {}; {} s.",
        s.completed_steps,
        s.planned_steps,
        s.status,
        s.message.as_ref().map_or(String::new(), |m| format!(" ({m})")),
        s.solver.newton_iterations,
        s.solver.linear_iterations,
        s.solver.tangent,
        num(s.seconds)
    ));
    let cavity = s.steps.first().and_then(|st| st.cavities.keys().next().cloned());
    let loads: Vec<String> = s.steps.first().map(|st| st.loads.keys().cloned().collect()).unwrap_or_default();
    let mut headers: Vec<String> = vec!["step".into(), "stage".into()];
    headers.extend(loads.iter().cloned());
    if let Some(c) = &cavity {
        headers.push(format!("V {c}"));
    }
    headers.extend(["Newton".into(), "min J".into(), "dV/V".into()]);
    let rows: Vec<Vec<String>> = s
        .steps
        .iter()
        .map(|st| {
            let mut r = vec![st.step.to_string(), st.stage.clone()];
            r.extend(loads.iter().map(|l| st.loads[l].as_f64().map_or(st.loads[l].to_string(), num)));
            if let Some(c) = &cavity {
                let cs = &st.cavities[c];
                r.push(cs.volume_ml.map_or(num(cs.volume), |v| format!("{} mL", num(v))));
            }
            r.extend([st.newton_iterations.to_string(), num(st.min_j), format!("{:.2e}", st.volume_change)]);
            r
        })
        .collect();
    let h: Vec<&str> = headers.iter().map(String::as_str).collect();
    out.table(&h, &rows);
    if let Some(last) = s.steps.last() {
        let probes: Vec<Vec<String>> =
            last.probes.iter().map(|(n, p)| vec![n.clone(), vec3(&p.point), vec3(&p.position)]).collect();
        if !probes.is_empty() {
            out.heading("Probes at the last step").table(&["probe", "point", "deformed position"], &probes);
        }
    }
    for f in figures {
        out.figure(f);
    }
    out
}

/// Checks: completion, Newton convergence per step, incompressibility.
pub fn checks(s: &QuasiStaticSummary, notes: &[String]) -> Section {
    let mut out = Section::new("checks", "Checks");
    let worst = s.steps.iter().map(|st| st.relative_residual).fold(0.0, f64::max);
    let min_j = s.steps.iter().map(|st| st.min_j).fold(f64::INFINITY, f64::min);
    let dv = s.steps.iter().map(|st| st.volume_change.abs()).fold(0.0, f64::max);
    let mark = |ok: bool| if ok { "pass" } else { "CHECK" };
    out.table(
        &["check", "figure", "criterion", "verdict"],
        &[
            vec![
                "steps completed".into(),
                format!("{} / {}", s.completed_steps, s.planned_steps),
                "all".into(),
                mark(s.status == "completed").into(),
            ],
            vec![
                "Newton residual (relative), worst step".into(),
                format!("{worst:.2e}"),
                format!("≤ {:e}", s.solver.newton_rtol),
                mark(worst <= s.solver.newton_rtol).into(),
            ],
            vec!["smallest det F".into(), num(min_j), "> 0 (no inverted cell)".into(), mark(min_j > 0.0).into()],
            vec![
                "largest volume change of the solid |dV/V|".into(),
                format!("{dv:.2e}"),
                "small for a nearly incompressible wall".into(),
                String::new(),
            ],
        ],
    );
    if !s.warnings.is_empty() {
        out.heading("Warnings").list(&s.warnings, true);
    }
    if !notes.is_empty() {
        out.heading("Notes").list(notes, true);
    }
    out
}

/// The whole report of a quasi-static run.
pub fn document(s: &QuasiStaticSummary, mesh: &Mesh, source: &str, figures: &[Figure], notes: &[String]) -> String {
    let stats = MeshStats::of(mesh);
    let sections = vec![inputs(s, &stats), steps(s, figures), checks(s, notes), super::verification::section()];
    super::render(
        &format!("organ-twin report: {}", s.scenario),
        &format!("Scenario {source}, {}", s.analysis),
        &sections,
    )
}
