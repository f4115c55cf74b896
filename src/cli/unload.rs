//! `organ-twin unload`: the unloaded (stress-free) geometry of an imaged ventricle at its
//! measured pressure ([`twin::unload`](crate::twin::unload)), written as a mesh (atomically; no
//! file when the unloading fails).

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::run::{load, Bars, EXIT_SOLVE};
use super::{report, Failure};
use crate::io;
use crate::twin::calibrate::MMHG;
use crate::twin::unload::{unload, UnloadError, UnloadParams};
use crate::twin::{resolve_backend, BackendChoice};

/// Pressure units on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(super) enum PressureArg {
    /// Kilopascal.
    #[value(name = "kPa")]
    KPa,
    /// Millimetre of mercury.
    #[value(name = "mmHg")]
    MmHg,
}

/// `organ-twin unload` arguments.
#[derive(Args, Debug)]
pub(super) struct UnloadArgs {
    /// Scenario file (TOML) whose mesh is the imaged, pressurised geometry.
    scenario: PathBuf,
    /// The measured cavity pressure of the image.
    #[arg(long)]
    pressure: f64,
    /// Unit of --pressure [default: the scenario's stress unit].
    #[arg(long, value_enum)]
    unit: Option<PressureArg>,
    /// Output mesh (.msh or .vtu).
    #[arg(short, long)]
    output: PathBuf,
    /// Largest nodal mismatch accepted, in the scenario's length unit [default: 1e-3 of the mesh's extent].
    #[arg(long)]
    tol: Option<f64>,
    /// Load increments of every inflation.
    #[arg(long, default_value_t = 4)]
    increments: usize,
    /// Most fixed-point iterations.
    #[arg(long, default_value_t = 30)]
    max_iterations: usize,
    /// Plain fixed point (no Aitken relaxation).
    #[arg(long)]
    no_aitken: bool,
    /// Backend, overriding the scenario's solver.backend.
    #[arg(long, value_enum)]
    backend: Option<BackendChoice>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `organ-twin unload`.
pub(super) fn run(a: UnloadArgs, quiet: bool) -> Result<(), Failure> {
    io::check_writable(&a.output)?;
    let (scenario, mesh, source) = load(Some(&a.scenario), quiet)?;
    let stress = scenario.units.stress();
    let pressure = match a.unit {
        None => a.pressure,
        Some(PressureArg::KPa) => a.pressure * 1e3 / stress,
        Some(PressureArg::MmHg) => a.pressure * MMHG / stress,
    };
    let choice = a.backend.unwrap_or(scenario.solver.backend);
    let backend = resolve_backend(choice, scenario.solver.method_for(scenario.analysis_kind(), choice))?;
    let params = UnloadParams {
        pressure,
        increments: a.increments,
        tol: a.tol,
        max_iterations: a.max_iterations,
        aitken: !a.no_aitken,
    };
    let bars = Bars::new(quiet);
    let r = unload(&scenario, &mesh, &source, &params, &backend, &bars).map_err(|e| match e {
        UnloadError::Scenario(e) => Failure::from(e),
        other => Failure { code: EXIT_SOLVE, message: format!("{source}: {other}") },
    })?;
    io::write_mesh(&r.mesh, &a.output)?;
    let length = scenario.units.names().0;
    let json = serde_json::json!({
        "scenario": scenario.name,
        "pressure": pressure,
        "stress_unit": scenario.units.names().1,
        "length_unit": length,
        "iterations": r.iterations,
        "max_mismatch": r.max_mismatch,
        "rms_mismatch": r.rms_mismatch,
        "tol": r.tol,
        "imaged_cavity_volume": r.imaged_volume,
        "unloaded_cavity_volume": r.unloaded_volume,
        "history": r.history,
        "seconds": r.seconds,
        "output": a.output.display().to_string(),
    });
    report(|w| {
        if a.json {
            return writeln!(w, "{}", serde_json::to_string_pretty(&json).expect("serializes"));
        }
        writeln!(
            w,
            "{}: unloaded at {pressure} {} in {} iterations: mismatch max {:.4e} {length}, RMS {:.4e} {length} \
             (tolerance {:.4e}); {:.2} s",
            scenario.name,
            scenario.units.names().1,
            r.iterations,
            r.max_mismatch,
            r.rms_mismatch,
            r.tol,
            r.seconds
        )?;
        if let (Some(vi), Some(vu)) = (r.imaged_volume, r.unloaded_volume) {
            writeln!(w, "  cavity volume: imaged {vi:.6} {length}3, unloaded {vu:.6} {length}3")?;
        }
        writeln!(w, "wrote {}", a.output.display())
    })
}
