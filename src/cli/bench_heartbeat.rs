//! `organ-twin bench --heartbeat`: the patient twin's cost on the bundled default scenario
//! (`meshes/scenarios/lv_heartbeat.toml`) at each given LV mesh, on the CPU (the scenario's
//! direct solver) and, when a hardware GPU adapter exists, on the GPU (CG with the AMG
//! preconditioner, the only GPU preconditioner strong enough for the incompressible wall).
//!
//! Per mesh and backend, in one process: the passive calibration (inflations, and Newton
//! iterations and wall time of each: the first cold, the later ones warm-started) and one beat
//! (steps, Newton iterations, wall time, EDV / ESV / EF). No files are written besides `--json`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use super::run::{Bars, DEFAULT_SCENARIO, DEFAULT_SCENARIO_NAME, EXIT_SOLVE, EXIT_UNAVAILABLE};
use super::{report, Failure};
use crate::io;
use crate::mesh::BuildOptions;
use crate::solve::{Backend, Method, PreconditionerKind};
use crate::twin::heartbeat::{BeatStep, Heartbeat};
use crate::twin::{resolve_backend, BackendChoice, Scenario};

/// The LV meshes measured when `--lv-meshes` is not given (relative to the repository root).
pub const DEFAULT_MESHES: [&str; 2] = ["meshes/lv_beat_tet10.msh", "meshes/lv_small_tet10.msh"];

/// One mesh on one backend.
#[derive(Debug, Clone, Serialize)]
struct Case {
    mesh: String,
    cells: usize,
    dofs: usize,
    backend: String,
    adapter: Option<String>,
    method: String,
    preconditioner: String,
    /// Calibration: the fitted scale, its EDV error, and per inflation its Newton iterations
    /// and wall time (s).
    scale: f64,
    edv_error_pct: f64,
    inflations: usize,
    inflation_newton_iterations: Vec<usize>,
    inflation_seconds: Vec<f64>,
    calibration_seconds: f64,
    /// The beat (preload included).
    beat_steps: usize,
    beat_newton_iterations: usize,
    beat_seconds: f64,
    edv_ml: f64,
    esv_ml: f64,
    ejection_fraction_pct: f64,
    peak_pressure_mmhg: f64,
    total_seconds: f64,
}

/// The JSON report.
#[derive(Debug, Clone, Serialize)]
struct Report {
    scenario: String,
    cpu_threads: usize,
    /// Why there is no GPU row, when there is none.
    gpu_note: Option<String>,
    cases: Vec<Case>,
}

/// Runs the benchmark on `meshes` (the defaults when empty).
pub fn run(meshes: &[PathBuf], no_cpu: bool, json: Option<&Path>, quiet: bool) -> Result<(), Failure> {
    let scenario = Scenario::parse(DEFAULT_SCENARIO, DEFAULT_SCENARIO_NAME)?;
    let paths: Vec<PathBuf> =
        if meshes.is_empty() { DEFAULT_MESHES.iter().map(PathBuf::from).collect() } else { meshes.to_vec() };
    // Read every mesh first: a missing one fails before minutes of solves.
    let options = BuildOptions { fix_orientation: scenario.mesh.fix_orientation, ..BuildOptions::default() };
    let mut loaded = Vec::new();
    for path in &paths {
        let imported = io::read_mesh(path, &options).map_err(|e| {
            let mut f = Failure::from(e);
            if meshes.is_empty() {
                f.message.push_str(
                    " (the default meshes are read from the repository root: run there, or give --lv-meshes)",
                );
            }
            f
        })?;
        super::warn(quiet, &imported.warnings);
        loaded.push((path.display().to_string(), imported.mesh));
    }
    let gpu = resolve_backend(BackendChoice::Auto, Method::Cg)?;
    let gpu_note = match &gpu {
        Backend::Gpu(_) => None,
        Backend::Cpu => Some("no hardware GPU adapter: the GPU rows are left out".to_string()),
    };
    if let (Some(note), false) = (&gpu_note, quiet) {
        eprintln!("note: {note}");
    }
    let mut backends = Vec::new();
    if !no_cpu {
        backends.push(Backend::Cpu);
    }
    if let Backend::Gpu(_) = &gpu {
        backends.push(gpu.clone());
    }
    if backends.is_empty() {
        return Err(Failure {
            code: EXIT_UNAVAILABLE,
            message: "bench --heartbeat --no-cpu: no hardware GPU adapter, so nothing to measure".into(),
        });
    }
    let mut out = Report {
        scenario: DEFAULT_SCENARIO_NAME.into(),
        cpu_threads: rayon::current_num_threads(),
        gpu_note,
        cases: Vec::new(),
    };
    for (name, mesh) in &loaded {
        for backend in &backends {
            let case = measure(&scenario, name, mesh, backend, quiet)?;
            report(|w| print_case(w, &case))?;
            out.cases.push(case);
        }
    }
    if let Some(path) = json {
        let text = serde_json::to_string_pretty(&out).expect("the report serializes");
        io::write_atomic(path, |w| writeln!(w, "{text}"))?;
    }
    Ok(())
}

/// Calibration and one beat of `scenario` on `mesh` with `backend`.
fn measure(
    scenario: &Scenario,
    name: &str,
    mesh: &crate::mesh::Mesh,
    backend: &Backend,
    quiet: bool,
) -> Result<Case, Failure> {
    let start = Instant::now();
    let mut scenario = scenario.clone();
    if let Backend::Gpu(_) = backend {
        scenario.solver.method = Some(Method::Cg);
        scenario.solver.preconditioner = PreconditionerKind::Amg;
    }
    let failed = |what: &str, e: String| Failure {
        code: EXIT_SOLVE,
        message: format!("bench --heartbeat: {name} on {}: {what}: {e}", backend.name()),
    };
    let source = format!("{DEFAULT_SCENARIO_NAME} on {name}");
    let mut heartbeat = Heartbeat::build(scenario, mesh.clone(), &source)?;
    let bars = Bars::new(quiet);
    let a = heartbeat.analysis();
    let (cells, dofs) = (a.mesh().cell_count(), a.assembler().dofs().len());
    let params = a.newton_params(backend);
    let calibration = heartbeat.calibrate(backend, &bars).map_err(|e| failed("calibration", e.to_string()))?.clone();
    let beat = heartbeat.run(backend, &bars, &mut |_: &BeatStep<'_>| Ok(()))?;
    if let Some(why) = beat.failure {
        return Err(failed("the beat", why));
    }
    let s = &beat.summary;
    let b = s.beats.first().ok_or_else(|| failed("the beat", "no beat completed".into()))?;
    Ok(Case {
        mesh: name.into(),
        cells,
        dofs,
        backend: backend.name().into(),
        adapter: backend.adapter(),
        method: params.linear.method.name().into(),
        preconditioner: params.linear.preconditioner.name().into(),
        scale: calibration.scale,
        edv_error_pct: calibration.edv_error_pct,
        inflations: calibration.inflations,
        inflation_newton_iterations: calibration.history.iter().map(|h| h.newton_iterations).collect(),
        inflation_seconds: calibration.history.iter().map(|h| h.seconds).collect(),
        calibration_seconds: calibration.seconds,
        beat_steps: s.samples.len().saturating_sub(1),
        beat_newton_iterations: s.solver.newton_iterations,
        beat_seconds: s.seconds,
        edv_ml: b.edv_ml,
        esv_ml: b.esv_ml,
        ejection_fraction_pct: b.ejection_fraction_pct,
        peak_pressure_mmhg: b.peak_pressure_mmhg,
        total_seconds: start.elapsed().as_secs_f64(),
    })
}

fn print_case(w: &mut dyn std::io::Write, c: &Case) -> std::io::Result<()> {
    let each: Vec<String> = c
        .inflation_newton_iterations
        .iter()
        .zip(&c.inflation_seconds)
        .map(|(n, t)| format!("{n} its {t:.2} s"))
        .collect();
    let solver = if c.method == "direct" { c.method.clone() } else { format!("{} {}", c.method, c.preconditioner) };
    writeln!(
        w,
        "{}: {} cells, {} DOFs, {} ({solver}{})",
        c.mesh,
        c.cells,
        c.dofs,
        c.backend,
        c.adapter.as_deref().map(|a| format!(", {a}")).unwrap_or_default()
    )?;
    writeln!(
        w,
        "  calibration: scale {:.4} (EDV error {:+.3} %), {} inflations [{}], {:.2} s",
        c.scale,
        c.edv_error_pct,
        c.inflations,
        each.join("; "),
        c.calibration_seconds
    )?;
    writeln!(
        w,
        "  beat: {} steps, {} Newton iterations, {:.2} s ({:.3} s a step); EDV {:.3} mL, ESV {:.3} mL, EF {:.1} %, \
         peak {:.1} mmHg",
        c.beat_steps,
        c.beat_newton_iterations,
        c.beat_seconds,
        c.beat_seconds / c.beat_steps.max(1) as f64,
        c.edv_ml,
        c.esv_ml,
        c.ejection_fraction_pct,
        c.peak_pressure_mmhg
    )?;
    writeln!(w, "  total {:.2} s", c.total_seconds)
}
