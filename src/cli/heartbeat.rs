//! `organ-twin run` for heartbeat scenarios: the passive calibration first when
//! `calibrate = true`, then the beats. On standard output the per-beat figures (EDV, ESV, SV,
//! EF, peak pressure, stroke work) and the PV-loop table; in the output folder, together
//! ([`io::staging`]): a VTU per written step with `result.pvd` (its times in seconds),
//! `pv_loop.csv`, `pv_loop.png` and `pressures.png`, `report.html` (unless `--no-report`) and
//! `summary.json` last. A run that fails keeps its converged steps, says `status = "failed"` and
//! exits 1.

use std::path::Path;

use super::run::{earlier_note, Bars, EXIT_SOLVE, MARKER};
use super::{report, Failure};
use crate::io::{self, staging::Staging};
use crate::plot::{self, Axis, PlotSpec, Series};
use crate::report::Figure;
use crate::solve::Backend;
use crate::twin::calibrate::CalibrateError;
use crate::twin::heartbeat::summary::{HeartbeatSummary, PvSample};
use crate::twin::heartbeat::{beat_line, BeatStep, Heartbeat};
use crate::twin::ScenarioError;

/// Runs `heartbeat` (calibrating it first when asked), writes its files into `out` and prints
/// its figures (or the JSON summary).
pub fn run(
    mut heartbeat: Heartbeat,
    backend: &Backend,
    out: &Path,
    json: bool,
    quiet: bool,
    with_report: bool,
) -> Result<(), Failure> {
    let bars = Bars::new(quiet);
    if heartbeat.spec().calibrate {
        let source = heartbeat.analysis().source().to_string();
        heartbeat.calibrate(backend, &bars).map_err(|e| {
            let f = match e {
                CalibrateError::Scenario(e) => Failure::from(e),
                other => Failure { code: EXIT_SOLVE, message: format!("{source}: {other}") },
            };
            earlier_note(f, out)
        })?;
    }
    let mut staging = Staging::begin(out).map_err(|e| earlier_note(e.into(), out))?;
    let mut written = Vec::new();
    let outcome = {
        let mesh = heartbeat.analysis().mesh();
        let mut observer = |step: &BeatStep<'_>| -> Result<(), ScenarioError> {
            let name = step_file(step.sample.step);
            staging.write(&name, |w| io::write_vtu_with(mesh, &step.point_fields, &step.cell_fields, w))?;
            written.push((step.sample.time, name));
            Ok(())
        };
        heartbeat.run(backend, &bars, &mut observer)
    };
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => {
            staging.abandon();
            return Err(earlier_note(e.into(), out));
        }
    };
    let s = &outcome.summary;
    let figures = figures(s);
    let tables = (|| -> Result<(), crate::io::WriteError> {
        staging.write("result.pvd", |w| io::write_pvd(w, &written))?;
        staging.write("pv_loop.csv", |w| write_csv(w, &s.samples))?;
        for (name, bytes) in figures.iter().flat_map(|f| f.files()) {
            staging.write(&name, |w| w.write_all(bytes))?;
        }
        if with_report {
            let html = crate::report::heartbeat::document(s, heartbeat.analysis().source(), &figures);
            staging.write("report.html", |w| w.write_all(html.as_bytes()))?;
        }
        staging.write(MARKER, |w| {
            serde_json::to_writer_pretty(&mut *w, s).map_err(std::io::Error::other)?;
            writeln!(w)
        })
    })();
    tables.map_err(|e| earlier_note(e.into(), out))?;
    staging
        .publish(MARKER, |name| {
            (name.starts_with("beat_") && name.ends_with(".vtu")) || (!with_report && name == "report.html")
        })
        .map_err(|e| earlier_note(e.into(), out))?;
    let text = serde_json::to_string_pretty(s).expect("summary serializes");
    report(|w| if json { writeln!(w, "{text}") } else { write_text(w, s, out) })?;
    match outcome.failure {
        Some(message) => Err(Failure { code: EXIT_SOLVE, message }),
        None => Ok(()),
    }
}

fn step_file(step: usize) -> String {
    format!("beat_{step:05}.vtu")
}

fn write_csv(w: &mut dyn std::io::Write, samples: &[PvSample]) -> std::io::Result<()> {
    writeln!(
        w,
        "step,beat,time_s,phase,pressure_mmHg,volume_mL,outflow_mL_s,aortic_pressure_mmHg,active_tension,newton_iterations"
    )?;
    for p in samples {
        writeln!(
            w,
            "{},{},{},{},{},{},{},{},{},{}",
            p.step,
            p.beat,
            p.time,
            p.phase.name(),
            p.pressure_mmhg,
            p.volume_ml,
            p.outflow_ml_s,
            p.aortic_pressure_mmhg,
            p.active_tension,
            p.newton_iterations
        )?;
    }
    Ok(())
}

/// The PV loop of every beat, and the pressures and volume against time.
fn figures(s: &HeartbeatSummary) -> Vec<Figure> {
    let mut out = Vec::new();
    let beats = s.samples.iter().map(|p| p.beat).max().unwrap_or(0);
    let loops: Vec<Series> = (1..=beats)
        .map(|b| {
            let first = s.samples.iter().position(|p| p.beat == b).unwrap_or(0).saturating_sub(1);
            let points =
                s.samples[first..].iter().take_while(|p| p.beat <= b).map(|p| (p.volume_ml, p.pressure_mmhg)).collect();
            Series::line(format!("beat {b}"), points)
        })
        .collect();
    let spec = PlotSpec::new(
        "Pressure–volume loop",
        Axis::new("LV volume", Some("mL")),
        Axis::new("LV pressure", Some("mmHg")),
    );
    if let Ok(p) = plot::line_plot(&spec, &loops) {
        out.push(Figure {
            name: "pv_loop".into(),
            caption: "Cavity pressure against volume, per beat".into(),
            png: p.png,
            svg: Some(p.svg),
        });
    }
    let series = vec![
        Series::line("LV pressure", s.samples.iter().map(|p| (p.time, p.pressure_mmhg)).collect()),
        Series::line(
            "aortic (compliance) pressure",
            s.samples.iter().map(|p| (p.time, p.aortic_pressure_mmhg)).collect(),
        ),
    ];
    let spec = PlotSpec::new("Pressures", Axis::new("time", Some("s")), Axis::new("pressure", Some("mmHg")));
    if let Ok(p) = plot::line_plot(&spec, &series) {
        out.push(Figure {
            name: "pressures".into(),
            caption: "LV and arterial pressure against time".into(),
            png: p.png,
            svg: Some(p.svg),
        });
    }
    out
}

fn write_text(w: &mut dyn std::io::Write, s: &HeartbeatSummary, out: &Path) -> std::io::Result<()> {
    writeln!(
        w,
        "{}: {} nodes, {} cells ({}), {} DOFs; heartbeat, {} of {} beats at {:.0} beats/min, dt {} s, {}",
        s.scenario,
        s.mesh.nodes,
        s.mesh.cells,
        s.mesh.cell_types.join(", "),
        s.mesh.dofs,
        s.beats.len(),
        s.planned_beats,
        60.0 / s.period,
        s.dt,
        s.status
    )?;
    if let Some(c) = &s.calibration {
        writeln!(
            w,
            "  calibrated: stiffness scale {:.4} ({} inflations), EDV {:.4} mL at EDP {:.2} mmHg ({:+.3} %)",
            c.scale, c.inflations, c.simulated_edv_ml, c.edp_mmhg, c.edv_error_pct
        )?;
    }
    writeln!(
        w,
        "{:>5} {:>7} {:>26} {:>9} {:>9} {:>9} {:>6}",
        "step", "t s", "phase", "P mmHg", "V mL", "Pao mmHg", "Newton"
    )?;
    let n = s.samples.len();
    let every = n.div_ceil(40).max(1);
    for (k, p) in s.samples.iter().enumerate() {
        let change = k > 0 && s.samples[k - 1].phase != p.phase;
        if k % every == 0 || change || k + 1 == n {
            writeln!(
                w,
                "{:>5} {:>7.3} {:>26} {:>9.2} {:>9.4} {:>9.2} {:>6}",
                p.step,
                p.time,
                p.phase.name(),
                p.pressure_mmhg,
                p.volume_ml,
                p.aortic_pressure_mmhg,
                p.newton_iterations
            )?;
        }
    }
    for b in &s.beats {
        writeln!(w, "  {}", beat_line(b))?;
        let change =
            b.change_from_previous_pct.map(|c| format!(", {c:.2} % from the previous beat")).unwrap_or_default();
        writeln!(
            w,
            "    loop gap {:.3} % of EDV, isovolumetric volume drift {:.1e}{change}",
            b.loop_gap_pct, b.isovolumetric_drift
        )?;
    }
    for warning in &s.warnings {
        writeln!(w, "  warning: {warning}")?;
    }
    writeln!(
        w,
        "  solver: Newton {} iterations, linear {}{} on {} ({:.2} s assembly, {:.2} s solve); {:.2} s in all",
        s.solver.newton_iterations,
        s.solver.method,
        super::quasi_static::direct_counts(s.solver.direct),
        s.solver.backend,
        s.solver.assembly_seconds,
        s.solver.solve_seconds,
        s.seconds
    )?;
    writeln!(w, "wrote the step VTUs, result.pvd, pv_loop.csv, pv_loop.png, summary.json and (unless --no-report) report.html to {}", out.display())
}
