//! `organ-twin calibrate`: the passive stiffness fitted to the scenario's `[patient]` EDV and
//! EDP through the Klotz curve ([`twin::calibrate`](crate::twin::calibrate)). Writes, together
//! and only when the fit succeeds ([`io::staging`]), into the output folder:
//! `calibrated.toml` (the scenario with the fitted stiffnesses, its mesh path made absolute),
//! `klotz_fit.csv` (pressure, simulated and Klotz volumes) and `calibration.json` (the report,
//! last, as the marker).

use std::path::PathBuf;

use clap::Args;

use super::run::{earlier_note, load, Bars, EXIT_SOLVE};
use super::{report, Failure, EXIT_NO_INPUT};
use crate::io::staging::Staging;
use crate::twin::calibrate::{calibrate, calibrated_toml, CalibrateError, CalibrateReport};
use crate::twin::scenario::base_dir;
use crate::twin::{resolve_backend, BackendChoice};

/// The marker file, written last.
const MARKER: &str = "calibration.json";

/// `organ-twin calibrate` arguments.
#[derive(Args, Debug)]
pub(super) struct CalibrateArgs {
    /// Scenario file (TOML) with a [patient] table; its mesh is the stress-free geometry.
    scenario: PathBuf,
    /// Output folder [default: out/<scenario name>_calibrated].
    #[arg(short, long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Backend, overriding the scenario's solver.backend.
    #[arg(long, value_enum)]
    backend: Option<BackendChoice>,
    /// Print calibration.json on standard output instead of the text report.
    #[arg(long)]
    json: bool,
}

/// Runs `organ-twin calibrate`.
pub(super) fn run(a: CalibrateArgs, quiet: bool) -> Result<(), Failure> {
    let (scenario, mesh, source) = load(Some(&a.scenario), quiet)?;
    let text = std::fs::read_to_string(&a.scenario)
        .map_err(|e| Failure { code: EXIT_NO_INPUT, message: format!("{source}: {e}") })?;
    let mesh_path = base_dir(&a.scenario).join(&scenario.mesh.file);
    let mesh_file = std::fs::canonicalize(&mesh_path).unwrap_or(mesh_path).display().to_string();
    let out = a.out.unwrap_or_else(|| PathBuf::from("out").join(format!("{}_calibrated", scenario.name)));
    let choice = a.backend.unwrap_or(scenario.solver.backend);
    let backend = resolve_backend(choice, scenario.solver.method_for(scenario.analysis_kind(), choice))?;
    let bars = Bars::new(quiet);
    let r = calibrate(&scenario, &mesh, &source, &backend, &bars).map_err(|e| match e {
        CalibrateError::Scenario(e) => Failure::from(e),
        other => Failure { code: EXIT_SOLVE, message: format!("{source}: {other}") },
    })?;
    let toml = calibrated_toml(&text, &r, &mesh_file)
        .map_err(|m| Failure { code: super::EXIT_DATA, message: format!("{source}: {m}") })?;
    let json = serde_json::to_string_pretty(&r).expect("the report serializes");
    let mut staging = Staging::begin(&out).map_err(|e| earlier_note(e.into(), &out))?;
    let written = (|| {
        staging.write("calibrated.toml", |w| w.write_all(toml.as_bytes()))?;
        staging.write("klotz_fit.csv", |w| write_csv(w, &r))?;
        staging.write(MARKER, |w| writeln!(w, "{json}"))
    })();
    if let Err(e) = written {
        staging.abandon();
        return Err(earlier_note(e.into(), &out));
    }
    staging.publish(MARKER, |_| false).map_err(|e| earlier_note(e.into(), &out))?;
    report(|w| if a.json { writeln!(w, "{json}") } else { write_text(w, &scenario.name, &r, &out) })
}

fn write_csv(w: &mut dyn std::io::Write, r: &CalibrateReport) -> std::io::Result<()> {
    writeln!(w, "pressure_mmHg,simulated_mL,klotz_mL")?;
    for p in &r.curve {
        writeln!(w, "{},{},{}", p.pressure_mmhg, p.simulated_ml, p.klotz_ml)?;
    }
    Ok(())
}

fn write_text(
    w: &mut dyn std::io::Write,
    name: &str,
    r: &CalibrateReport,
    out: &std::path::Path,
) -> std::io::Result<()> {
    writeln!(
        w,
        "{name}: stiffness scale {:.5} after {} iterations ({} inflations, {} Newton iterations, {:.2} s)",
        r.scale, r.iterations, r.inflations, r.newton_iterations, r.seconds
    )?;
    for p in &r.parameters {
        writeln!(w, "  material[{}].{}: {} -> {:.6}", p.material, p.key, p.initial, p.fitted)?;
    }
    writeln!(
        w,
        "  EDV {:.4} mL at EDP {:.3} mmHg: simulated {:.4} mL ({:+.3} %); RMS error over the Klotz curve {:.3} % of EDV",
        r.edv_ml, r.edp_mmhg, r.simulated_edv_ml, r.edv_error_pct, r.rms_error_pct
    )?;
    writeln!(
        w,
        "  V0: model (unloaded cavity) {:.4} mL, Klotz EDV (0.6 - 0.006 EDP) {:.4} mL (ratio {:.3})",
        r.v0_model_ml,
        r.v0_klotz_ml,
        r.v0_model_ml / r.v0_klotz_ml
    )?;
    writeln!(w, "{:>10} {:>12} {:>12}", "P mmHg", "model mL", "Klotz mL")?;
    for p in &r.curve {
        writeln!(w, "{:>10.3} {:>12.5} {:>12.5}", p.pressure_mmhg, p.simulated_ml, p.klotz_ml)?;
    }
    writeln!(w, "wrote calibrated.toml, klotz_fit.csv and calibration.json to {}", out.display())
}
