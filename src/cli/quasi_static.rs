//! `organ-twin run` for quasi-static (finite-strain) scenarios: the step table on standard
//! output and, in the output folder, a VTU per step, `result.pvd` (the series for ParaView),
//! `pv.csv` (pressure and volume of every cavity per step) and `summary.json`.
//!
//! The files are written into a staging folder inside the output folder as the steps converge
//! and published together at the end, `summary.json` last ([`io::staging`]), so the folder never
//! mixes two runs. A run that stops early still delivers its converged steps, with
//! `status = "failed"` in the summary, and exits 1.

use std::path::Path;

use super::run::{earlier_note, Bars, EXIT_SOLVE, MARKER};
use super::{report, Failure};
use crate::io::{self, staging::Staging};
use crate::mesh::Field;
use crate::solve::Backend;
use crate::twin::quasi_static::{QuasiStatic, StepOutput};
use crate::twin::summary::QuasiStaticSummary;
use crate::twin::ScenarioError;

/// Runs `analysis`, writes its files into `out` and prints the step table (or the JSON summary).
pub fn run(
    analysis: QuasiStatic,
    backend: &Backend,
    out: &Path,
    json: bool,
    quiet: bool,
    with_report: bool,
) -> Result<(), Failure> {
    let mut staging = Staging::begin(out).map_err(|e| earlier_note(e.into(), out))?;
    let mut last = None;
    let outcome = match run_staged(&analysis, backend, &mut staging, quiet, &mut last) {
        Ok(o) => o,
        Err(f) => {
            staging.abandon();
            return Err(earlier_note(f, out));
        }
    };
    let summary = &outcome.summary;
    if with_report {
        let (figures, notes) = super::pictures::quasi_static(&analysis, summary, last.as_ref(), backend);
        let html = crate::report::quasi_static::document(summary, analysis.mesh(), analysis.source(), &figures, &notes);
        let written = staging.write("report.html", |w| w.write_all(html.as_bytes())).and_then(|()| {
            figures
                .iter()
                .flat_map(|f| f.files())
                .try_for_each(|(name, bytes)| staging.write(&name, |w| w.write_all(bytes)))
        });
        written.map_err(|e| earlier_note(e.into(), out))?;
    }
    write_tables(summary, &mut staging).map_err(|f| earlier_note(f, out))?;
    let is_step = |name: &str| {
        (name.starts_with("step_") && name.ends_with(".vtu"))
            || (!with_report && (name == "report.html" || crate::report::is_picture_file(name)))
    };
    staging.publish(MARKER, is_step).map_err(|e| earlier_note(e.into(), out))?;
    let text = serde_json::to_string_pretty(summary).expect("summary serializes");
    let order = super::run::probe_order(analysis.scenario());
    report(|w| if json { writeln!(w, "{text}") } else { write_table(w, summary, &order, out) })?;
    super::warn(quiet, &summary.warnings);
    match outcome.failure {
        Some(message) => Err(Failure { code: EXIT_SOLVE, message }),
        None => Ok(()),
    }
}

fn run_staged(
    analysis: &QuasiStatic,
    backend: &Backend,
    staging: &mut Staging,
    quiet: bool,
    last: &mut Option<(Vec<Field>, Vec<Field>)>,
) -> Result<crate::twin::quasi_static::Outcome, Failure> {
    let bars = Bars::new(quiet);
    let mesh = analysis.mesh();
    let mut observer = |step: &StepOutput<'_>| -> Result<(), ScenarioError> {
        staging.write(&step_file(step.step), |w| io::write_vtu_with(mesh, &step.point_fields, &step.cell_fields, w))?;
        *last = Some((step.point_fields.clone(), step.cell_fields.clone()));
        Ok(())
    };
    Ok(analysis.run(backend, &bars, &mut observer)?)
}

fn step_file(step: usize) -> String {
    format!("step_{step:04}.vtu")
}

/// `result.pvd`, `pv.csv` and `summary.json` into the staging folder.
fn write_tables(summary: &QuasiStaticSummary, staging: &mut Staging) -> Result<(), Failure> {
    let entries: Vec<(f64, String)> = summary.steps.iter().map(|s| (s.step as f64, step_file(s.step))).collect();
    staging.write("result.pvd", |w| io::write_pvd(w, &entries))?;
    let length = &summary.units.length;
    let stress = &summary.units.stress;
    staging.write("pv.csv", |w| {
        let names: Vec<&String> = summary.steps.first().map(|s| s.cavities.keys().collect()).unwrap_or_default();
        write!(w, "step,stage")?;
        for n in &names {
            write!(w, ",{n}_pressure_{stress},{n}_volume_{length}3")?;
            if summary.steps[0].cavities[*n].volume_ml.is_some() {
                write!(w, ",{n}_volume_mL")?;
            }
        }
        writeln!(w)?;
        for s in &summary.steps {
            write!(w, "{},{}", s.step, s.stage)?;
            for n in &names {
                let c = &s.cavities[*n];
                let p = c.pressure.map(|p| p.to_string()).unwrap_or_default();
                write!(w, ",{p},{}", c.volume)?;
                if let Some(ml) = c.volume_ml {
                    write!(w, ",{ml}")?;
                }
            }
            writeln!(w)?;
        }
        Ok(())
    })?;
    staging.write(MARKER, |w| {
        serde_json::to_writer_pretty(&mut *w, summary).map_err(std::io::Error::other)?;
        writeln!(w)
    })?;
    Ok(())
}

/// The step table; `order` lists the probes as the scenario does.
fn write_table(
    w: &mut dyn std::io::Write,
    s: &QuasiStaticSummary,
    order: &[String],
    out: &Path,
) -> std::io::Result<()> {
    let u = &s.units;
    writeln!(
        w,
        "{}: {}, {} ({}), {} DOFs ({} prescribed); {} of {} steps, {}",
        s.scenario,
        super::count(s.mesh.nodes, "node"),
        super::count(s.mesh.cells, "cell"),
        s.mesh.cell_types.join(", "),
        s.mesh.dofs,
        s.mesh.constrained_dofs,
        s.completed_steps,
        s.planned_steps,
        s.status
    )?;
    let load_names: Vec<&String> = s.steps.first().map(|st| st.loads.keys().collect()).unwrap_or_default();
    let cavity = s.steps.first().and_then(|st| st.cavities.keys().next().cloned());
    let edv = end_diastolic_volume(s, cavity.as_deref());
    write!(w, "{:>5} {:>12}", "step", "stage")?;
    for n in &load_names {
        write!(w, " {:>12}", trim(n, 12))?;
    }
    if let Some(c) = &cavity {
        let unit = if s.steps[0].cavities[c].volume_ml.is_some() { "mL".to_string() } else { format!("{}3", u.length) };
        write!(w, " {:>12} {:>7}", format!("V_{} {unit}", trim(c, 4)), "EF %")?;
    }
    writeln!(w, " {:>6} {:>8} {:>8}", "Newton", "min J", "dV/V %")?;
    for st in &s.steps {
        write!(w, "{:>5} {:>12}", st.step, trim(&st.stage, 12))?;
        for n in &load_names {
            let v = &st.loads[*n];
            let text = v.as_f64().map(|x| format!("{x:.4}")).unwrap_or_else(|| v.to_string());
            write!(w, " {:>12}", text)?;
        }
        if let Some(c) = &cavity {
            let cs = &st.cavities[c];
            let v = cs.volume_ml.unwrap_or(cs.volume);
            let filling = s.steps.first().is_some_and(|f| f.stage == st.stage);
            let ef = edv.filter(|_| !filling).map(|e| format!("{:.1}", 100.0 * (e - v) / e)).unwrap_or_default();
            write!(w, " {:>12.4} {:>7}", v, ef)?;
        }
        let dv = super::tidy(100.0 * st.volume_change, 3);
        writeln!(w, " {:>6} {:>8.4} {:>8.3}", st.newton_iterations, st.min_j, dv)?;
    }
    if let Some(last) = s.steps.last() {
        for (name, p) in order.iter().filter_map(|n| last.probes.get(n).map(|p| (n, p))) {
            writeln!(
                w,
                "  probe {name} at {:?}: deformed position {:?} {}",
                p.point,
                p.position.map(round6),
                u.length
            )?;
        }
    }
    super::run::write_pins(w, &s.pins)?;
    let linear = if s.solver.method == "cg" {
        format!("cg with {} preconditioning", s.solver.preconditioner)
    } else {
        s.solver.method.clone()
    };
    writeln!(
        w,
        "  solver: Newton ({} iterations, tangent {}), linear {}{} on {} ({} s assembly, {} s solve); {:.2} s in all",
        s.solver.newton_iterations,
        s.solver.tangent.split(':').next().unwrap_or_default(),
        linear,
        direct_counts(s.solver.direct),
        s.solver.backend,
        round3(s.solver.assembly_seconds),
        round3(s.solver.solve_seconds),
        s.seconds
    )?;
    writeln!(
        w,
        "wrote {} step files, result.pvd, pv.csv, summary.json and (unless --no-report) report.html to {}",
        s.steps.len(),
        out.display()
    )
}

/// The end-diastolic volume for the ejection fraction: the first cavity's volume at the end of
/// the first stage when there are several stages (filling, then contraction), else none.
fn end_diastolic_volume(s: &QuasiStaticSummary, cavity: Option<&str>) -> Option<f64> {
    let c = cavity?;
    let first = &s.steps.first()?.stage;
    let last_of_first = s.steps.iter().take_while(|st| &st.stage == first).last()?;
    if s.steps.iter().all(|st| &st.stage == first) {
        return None;
    }
    let cs = &last_of_first.cavities[c];
    Some(cs.volume_ml.unwrap_or(cs.volume))
}

fn trim(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

fn round3(v: f64) -> f64 {
    (v * 1e3).round() / 1e3
}

/// The direct solver's counts for a solver line: ` (N factorizations; M solves by CG with a
/// kept factor, K iterations)`, or nothing when the run did not use it.
pub(crate) fn direct_counts(direct: Option<crate::solve::direct::FrozenStats>) -> String {
    direct.map_or(String::new(), |d| {
        format!(
            " ({} factorizations; {} solves by CG with a kept factor, {} iterations)",
            d.factorizations, d.frozen_solves, d.frozen_iterations
        )
    })
}
