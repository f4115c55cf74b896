//! `organ-twin run` on a scenario with a `[fatigue]` table: the unit load cases, the fatigue
//! maps and the hot spot, published together.

use std::path::Path;

use super::run::{earlier_note, v3, write_pins, Bars, MARKER};
use super::{report, Failure};
use crate::io;
use crate::solve::Backend;
use crate::twin::fatigue::{self, FatigueRun};
use crate::twin::Problem;

/// Runs the fatigue assessment of `problem` and writes its files into `out` (and `report.html`
/// when `with_report`).
#[allow(clippy::too_many_arguments)] // the run options of `organ-twin run`, passed through
pub fn run(
    problem: &Problem,
    base: &Path,
    backend: &Backend,
    out: &Path,
    json: bool,
    quiet: bool,
    with_report: bool,
) -> Result<(), Failure> {
    let bars = Bars::new(quiet);
    let result = fatigue::run(problem, base, backend, &bars).map_err(|e| earlier_note(e.into(), out))?;
    super::warn(quiet, &result.solution.summary.warnings);
    let html = with_report.then(|| {
        let figures = super::pictures::fatigue_run(problem, &result, backend);
        let html = crate::report::static_run::document(problem, &result.solution.summary, &figures);
        (html, figures.all())
    });
    write(problem, &result, html.as_ref().map(|(h, f)| (h.as_str(), f.as_slice())), out)
        .map_err(|f| earlier_note(f, out))?;
    let summary_json = serde_json::to_string_pretty(&result.solution.summary).expect("summary serializes");
    report(|w| if json { writeln!(w, "{summary_json}") } else { write_human(w, &result, out) })
}

/// `result.vtu` (the maximum load state with the fatigue maps), one `case<i>_<load>.vtu` per unit
/// load case, `rainflow.csv` for a history, and `summary.json` last.
fn write(
    problem: &Problem,
    r: &FatigueRun,
    report: Option<(&str, &[crate::report::Figure])>,
    out: &Path,
) -> Result<(), Failure> {
    let mut staging = io::staging::Staging::begin(out)?;
    let s = &r.solution;
    staging.write("result.vtu", |w| io::write_vtu_with(problem.mesh(), &s.point_fields, &s.cell_fields, w))?;
    for (i, (name, case)) in r.cases.names.iter().zip(&r.cases.solutions).enumerate() {
        let safe: String =
            name.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_') { c } else { '_' }).collect();
        let file = format!("case{}_{safe}.vtu", i + 1);
        staging.write(&file, |w| io::write_vtu_with(problem.mesh(), &case.point_fields, &case.cell_fields, w))?;
    }
    if let Some(csv) = &r.rainflow_csv {
        staging.write("rainflow.csv", |w| w.write_all(csv.as_bytes()))?;
    }
    if let Some((html, figures)) = report {
        staging.write("report.html", |w| w.write_all(html.as_bytes()))?;
        for (name, bytes) in figures.iter().flat_map(|f| f.files()) {
            staging.write(&name, |w| w.write_all(bytes))?;
        }
    }
    staging.write(MARKER, |w| {
        serde_json::to_writer_pretty(&mut *w, &s.summary).map_err(std::io::Error::other)?;
        writeln!(w)
    })?;
    staging.publish(MARKER, |name| {
        (name.starts_with("case") && name.ends_with(".vtu"))
            || (report.is_none() && (name == "report.html" || crate::report::is_picture_file(name)))
            || (r.rainflow_csv.is_none() && name == "rainflow.csv")
    })?;
    Ok(())
}

fn life(l: Option<f64>) -> String {
    l.map_or("infinite".into(), |l| format!("{l:.3e}"))
}

fn write_human(w: &mut dyn std::io::Write, r: &FatigueRun, out: &Path) -> std::io::Result<()> {
    let s = &r.solution.summary;
    let f = s.fatigue.as_ref().expect("a fatigue run has its summary");
    let u = &s.units;
    writeln!(
        w,
        "{}: {} nodes, {} cells ({}), {} DOFs; {} load case(s) solved by {} {}",
        s.scenario,
        s.mesh.nodes,
        s.mesh.cells,
        s.mesh.cell_types.join(", "),
        s.mesh.dofs,
        f.load_cases.len(),
        s.solver.backend,
        s.solver.method
    )?;
    for c in &f.load_cases {
        writeln!(
            w,
            "  load case      {}: load {} {}, max von Mises {:.4e} {}, residual {:.1e}",
            c.name,
            v3(&c.applied_load),
            u.force,
            c.max_von_mises,
            u.stress,
            c.relative_residual
        )?;
    }
    write_pins(w, &s.pins)?;
    writeln!(
        w,
        "  fatigue        {} with {}, {}; design life {:.3e} {}",
        f.criterion, f.mean_stress, f.loading, f.design_life, f.life_unit
    )?;
    for g in &f.regions {
        writeln!(
            w,
            "  region         {} ({}{}): strength at design life {:.1} {}, min safety factor {:.3}, min life {}",
            g.region,
            g.material,
            if g.typical { ", typical literature values" } else { "" },
            g.strength_at_design_life,
            u.stress,
            g.min_safety_factor,
            life(g.min_life)
        )?;
    }
    let h = &f.hot_spot;
    writeln!(
        w,
        "  hot spot       node {} at {:?} in {}: safety factor {:.3}, life {}, alternating {:.2} / mean {:.2} {}",
        h.node,
        h.position,
        h.region,
        h.safety_factor,
        life(h.life),
        h.alternating,
        h.mean,
        u.stress
    )?;
    for b in &f.bone {
        writeln!(
            w,
            "  bone           {}: max strain risk {:.3} at node {} (limits {} tension, {} compression)",
            b.region, b.max_risk, b.node, b.tension_limit, b.compression_limit
        )?;
    }
    let verdict = if f.passes { "reaches" } else { "does NOT reach" };
    writeln!(
        w,
        "  verdict        the design {verdict} {:.3e} {} (min safety factor {:.3})",
        f.design_life, f.life_unit, f.min_safety_factor
    )?;
    let rainflow = if r.rainflow_csv.is_some() { ", rainflow.csv" } else { "" };
    writeln!(w, "wrote {} (result.vtu, case*.vtu{rainflow}, summary.json)", out.display())
}
