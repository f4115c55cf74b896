//! The sections of a static linear-elastic run: inputs, solver, results, checks.

use super::{num, vec3, Figure, Section};
use crate::mesh::stats::MeshStats;
use crate::solve::accuracy::FLOOR_FACTOR;
use crate::twin::problem::BALANCE_TOLERANCE;
use crate::twin::scenario::{LoadKind, SupportKind, Value};
use crate::twin::{Problem, Summary};

/// Inputs: the mesh with its quality, regions and materials, supports, loads with totals, units.
pub fn inputs(problem: &Problem, stats: &MeshStats, summary: &Summary) -> Section {
    let scenario = problem.scenario();
    let u = &summary.units;
    let mut s = Section::new("inputs", "Inputs");
    s.paragraph(&format!(
        "Scenario '{}'{}. Mesh {}: {} nodes, {} cells ({}), {} DOFs of which {} prescribed; volume {} {}³; bounding box {} to {} {}.",
        scenario.name,
        scenario.description.as_ref().map_or(String::new(), |d| format!(" — {d}")),
        summary.mesh.file,
        summary.mesh.nodes,
        summary.mesh.cells,
        summary.mesh.cell_types.join(", "),
        summary.mesh.dofs,
        summary.mesh.constrained_dofs,
        num(summary.mesh.volume),
        u.length,
        vec3(&stats.bbox_min),
        vec3(&stats.bbox_max),
        u.length
    ));
    let q = &stats.quality;
    s.heading("Mesh quality").table(
        &["scaled Jacobian min", "mean", "max", "dihedral angle min (°)", "max (°)"],
        &[vec![
            num(q.min_scaled_jacobian),
            num(q.mean_scaled_jacobian),
            num(q.max_scaled_jacobian),
            num(q.min_dihedral_deg),
            num(q.max_dihedral_deg),
        ]],
    );
    let regions: Vec<Vec<String>> = stats
        .regions
        .iter()
        .map(|r| {
            let name = r.name.clone().unwrap_or_else(|| r.id.to_string());
            let m = problem.material_entry_of_region(r.id).map(|i| &scenario.materials[i]);
            let material = m.map_or("—".into(), |m| {
                let given: Vec<String> = m.given().iter().map(|(k, v)| format!("{k} = {}", num(*v))).collect();
                let lib = m.library.as_ref().map_or(String::new(), |l| format!(" (library {l})"));
                format!("{}{lib}: {}", m.model.name(), given.join(", "))
            });
            vec![r.id.to_string(), name, r.cells.to_string(), num(r.volume), material]
        })
        .collect();
    s.heading("Regions and materials").table(
        &["id", "region", "cells", &format!("volume ({}³)", u.length), &format!("material (stress in {})", u.stress)],
        &regions,
    );
    let supports: Vec<Vec<String>> = scenario
        .supports
        .iter()
        .enumerate()
        .map(|(i, sp)| {
            let target = sp.surface.clone().or(sp.node_set.clone()).unwrap_or_else(|| "selector".into());
            let kind = match sp.kind {
                SupportKind::Fixed => "fixed",
                SupportKind::Displacement => "displacement",
                SupportKind::Symmetry => "symmetry",
                SupportKind::Sliding => "sliding",
                SupportKind::Spring => "spring",
            };
            vec![sp.name.clone().unwrap_or(format!("support{}", i + 1)), kind.into(), target]
        })
        .collect();
    s.heading("Supports").table(&["name", "kind", "on"], &supports);
    let loads: Vec<Vec<String>> = scenario
        .loads
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let value = match (l.force_vector(), l.value) {
                (Some(v), _) if matches!(l.kind, LoadKind::Force | LoadKind::RemoteForce) => vec3(&v),
                (_, Value::Scalar(v)) => num(v),
                (_, Value::Vector(v)) => vec3(&v),
            };
            let at = l.point.map_or(String::new(), |p| format!(" at {}", vec3(&p)));
            let target = l.surface.clone().or(l.node_set.clone()).unwrap_or_else(|| "selection/region".into());
            vec![scenario.load_name(i), format!("{:?}", l.kind).to_lowercase(), format!("{target}{at}"), value]
        })
        .collect();
    s.heading("Loads").table(&["name", "kind", "on", "value"], &loads);
    s.paragraph(&format!(
        "Resultant of the applied loads: {} {}. Units: length {}, stress {}, force {}, energy {}.",
        vec3(&summary.applied_load),
        u.force,
        u.length,
        u.stress,
        u.force,
        u.energy
    ));
    s
}

/// Solver: backend, adapter, method, precision, iterations, residual, times.
pub fn solver(summary: &Summary, figures: &[Figure]) -> Section {
    let v = &summary.solver;
    let mut s = Section::new("solver", "Solver");
    s.table(
        &[
            "backend",
            "adapter",
            "method",
            "preconditioner",
            "precision",
            "iterations",
            "relative residual",
            "rtol",
            "nonzeros",
            "solve (s)",
            "assembly (s)",
        ],
        &[vec![
            v.backend.clone(),
            v.adapter.clone().unwrap_or_else(|| "—".into()),
            v.method.clone(),
            v.preconditioner.clone(),
            v.precision.clone(),
            v.iterations.to_string(),
            format!("{:.2e}", v.relative_residual),
            format!("{:e}", v.rtol),
            v.nonzeros.to_string(),
            num(v.seconds),
            num(v.assembly_seconds),
        ]],
    );
    if let Some(c) = &summary.cross_check {
        s.heading("Cross-check against the CPU reference").table(
            &[
                "solved by",
                "reference",
                "max |Δu| / max |u|",
                "Δ max von Mises (relative)",
                "tolerance",
                "verdict",
                "reference solve (s)",
            ],
            &[vec![
                c.solved.clone(),
                c.reference.clone(),
                format!("{:.2e}", c.displacement_difference),
                format!("{:.2e}", c.von_mises_difference),
                format!("{:.1e}", c.tolerance),
                if c.passed { "pass" } else { "CHECK" }.into(),
                num(c.seconds),
            ]],
        );
        s.paragraph(&format!(
            "The same constrained system solved again on the CPU by the sparse direct solver. The tolerance is {:.0e} \
             times the larger of the run's relative residual and rtol: the error a residual ρ leaves is at most κ(A) ρ, \
             and a converged solve stays orders of magnitude below that worst case, while a faulty solve differs at the \
             percent level.",
            crate::twin::cross_check::AMPLIFICATION
        ));
    }
    for f in figures {
        s.figure(f);
    }
    s
}

/// Results: peaks, energy, reactions, probes and the pictures.
pub fn results(summary: &Summary, figures: &[Figure]) -> Section {
    let u = &summary.units;
    let mut s = Section::new("results", "Results");
    s.table(
        &["quantity", "value", "where"],
        &[
            vec![
                format!("max |u| ({})", u.length),
                num(summary.max_displacement),
                format!("node {}", summary.max_displacement_node),
            ],
            vec![
                format!("max von Mises, nodal ({})", u.stress),
                num(summary.max_von_mises),
                format!("node {}", summary.max_von_mises_node),
            ],
            vec![
                format!("max von Mises, cell average ({})", u.stress),
                num(summary.max_von_mises_cell_average),
                format!("cell {}", summary.max_von_mises_cell),
            ],
            vec![format!("strain energy ({})", u.energy), num(summary.strain_energy), String::new()],
        ],
    );
    let reactions: Vec<Vec<String>> = summary.reactions.iter().map(|(name, r)| vec![name.clone(), vec3(r)]).collect();
    s.heading("Reactions").table(&["support", &format!("force ({})", u.force)], &reactions);
    if !summary.probes.is_empty() {
        let probes: Vec<Vec<String>> =
            summary.probes.iter().map(|(name, p)| vec![name.clone(), vec3(&p.point), vec3(&p.displacement)]).collect();
        s.heading("Probes")
            .table(&["probe", &format!("point ({})", u.length), &format!("displacement ({})", u.length)], &probes);
    }
    for f in figures {
        s.figure(f);
    }
    s
}

/// Checks: load balance, residual against tolerance, the run's warnings, units.
pub fn checks(summary: &Summary, extra: &[String]) -> Section {
    let mut s = Section::new("checks", "Checks");
    let imbalance = summary.load_imbalance();
    let balanced = imbalance <= BALANCE_TOLERANCE;
    let v = &summary.solver;
    let converged = v.convergence != crate::solve::Convergence::Failed;
    let mark = |ok: bool| if ok { "pass" } else { "CHECK" };
    let mut rows = vec![
        vec![
            "load balance: applied + reactions".into(),
            format!("{imbalance:.2e} of the load"),
            format!("≤ {BALANCE_TOLERANCE:e}"),
            mark(balanced).into(),
        ],
        vec![
            "solver residual ‖b − A x‖ / ‖b‖ (f64)".into(),
            format!("{:.2e}", v.relative_residual),
            format!("≤ rtol {:e}, or within {FLOOR_FACTOR:.0e} of the f64 floor ≈ {:.1e}", v.rtol, v.floor),
            if v.convergence == crate::solve::Convergence::AttainableAccuracy {
                "pass (attainable accuracy)".into()
            } else {
                mark(converged).into()
            },
        ],
    ];
    if let Some(c) = &summary.cross_check {
        rows.push(vec![
            format!("{} against the CPU direct solve", c.solved),
            format!("{:.2e} displacement, {:.2e} peak von Mises", c.displacement_difference, c.von_mises_difference),
            format!("≤ {:.1e}", c.tolerance),
            mark(c.passed).into(),
        ]);
    }
    s.table(&["check", "figure", "criterion", "verdict"], &rows);
    let mut warnings: Vec<String> = summary.warnings.clone();
    warnings.extend(extra.iter().cloned());
    if warnings.is_empty() {
        s.paragraph("The run raised no warning (accuracy, locking, strain level, mesh).");
    } else {
        s.heading("Warnings").list(&warnings, true);
    }
    s
}

/// The pictures and plots of a run, by the section they belong to.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    /// Solver convergence plots.
    pub solver: Vec<Figure>,
    /// Result pictures.
    pub results: Vec<Figure>,
    /// Fatigue maps and plots.
    pub fatigue: Vec<Figure>,
    /// Why pictures are missing (no GPU adapter, a failed render), for the checks.
    pub notes: Vec<String>,
}

impl Figures {
    /// Every figure, to be written beside the report.
    pub fn all(&self) -> Vec<Figure> {
        self.solver.iter().chain(&self.results).chain(&self.fatigue).cloned().collect()
    }
}

/// The whole report of a static run (with its fatigue section when the summary has one).
pub fn document(problem: &Problem, summary: &Summary, figures: &Figures) -> String {
    let stats = MeshStats::of(problem.mesh());
    let mut sections =
        vec![inputs(problem, &stats, summary), solver(summary, &figures.solver), results(summary, &figures.results)];
    if let Some(f) = &summary.fatigue {
        sections.push(super::fatigue::section(f, &summary.units, &figures.fatigue));
    }
    sections.push(checks(summary, &figures.notes));
    sections.push(super::verification::section());
    let title = format!("organ-twin report: {}", summary.scenario);
    let subtitle = format!("Scenario {} on {}", problem.source(), summary.mesh.file);
    super::render(&title, &subtitle, &sections)
}
