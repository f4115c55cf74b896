//! `organ-twin run` and `organ-twin export-system`: scenario in, results or system out.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{report, Failure, EXIT_CANT_CREATE, EXIT_DATA, EXIT_NO_INPUT};
use crate::io::{self, Format};
use crate::mesh::BuildOptions;
use crate::progress::Progress;
use crate::solve::SolveError;
use crate::twin::analysis::AnalysisKind;
use crate::twin::quasi_static::QuasiStatic;
use crate::twin::scenario::base_dir;
use crate::twin::{resolve_backend_noting, BackendChoice, Problem, Scenario, ScenarioError, Solution};

/// Exit code of a computation that failed (solver not converged or broke down).
pub const EXIT_SOLVE: u8 = 1;
/// Exit code when the requested backend is unavailable.
pub const EXIT_UNAVAILABLE: u8 = 69;

/// The bundled default scenario and its mesh, compiled into the binary.
pub(super) const DEFAULT_SCENARIO: &str = include_str!("../../meshes/scenarios/lv_heartbeat.toml");
pub(super) const DEFAULT_SCENARIO_NAME: &str = "meshes/scenarios/lv_heartbeat.toml (bundled)";
const DEFAULT_MESH: &[u8] = include_bytes!("../../meshes/lv_beat_tet10.msh");
const DEFAULT_MESH_NAME: &str = "meshes/lv_beat_tet10.msh (bundled)";

impl From<ScenarioError> for Failure {
    fn from(e: ScenarioError) -> Failure {
        let code = match &e {
            ScenarioError::Io { .. } => EXIT_NO_INPUT,
            ScenarioError::Mesh(m) if m.is_io() => EXIT_NO_INPUT,
            ScenarioError::Solve { source: SolveError::Gpu(_), .. } => EXIT_UNAVAILABLE,
            ScenarioError::Solve { .. } | ScenarioError::Inaccurate { .. } | ScenarioError::Stopped { .. } => {
                EXIT_SOLVE
            }
            ScenarioError::Backend(_) => EXIT_UNAVAILABLE,
            ScenarioError::Write(_) => EXIT_CANT_CREATE,
            _ => EXIT_DATA,
        };
        Failure { code, message: e.to_string() }
    }
}

/// Progress on standard error, silenced by `--quiet`: indicatif bars on a terminal, one bar per
/// open stage (load steps above the Newton iterations of the current step); when stderr is not a
/// terminal (batch jobs, CI logs), a plain line per stage at most every [`PLAIN_EVERY`] and one
/// when an outer stage ends.
pub(super) struct Bars {
    quiet: bool,
    terminal: bool,
    multi: MultiProgress,
    stack: Mutex<Vec<Stage>>,
}

/// Least time between two plain progress lines of one stage.
const PLAIN_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

struct Stage {
    name: String,
    total: Option<u64>,
    bar: Option<ProgressBar>,
    start: std::time::Instant,
    printed: std::time::Instant,
    position: u64,
    message: String,
    last_line: String,
}

impl Bars {
    pub(super) fn new(quiet: bool) -> Bars {
        use std::io::IsTerminal;
        let terminal = std::io::stderr().is_terminal();
        Bars {
            quiet,
            terminal,
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
            stack: Mutex::new(Vec::new()),
        }
    }

    /// Prints the stage's state unless it is the state printed last.
    fn plain_line(stage: &mut Stage) {
        let of = stage.total.map(|t| format!("/{t}")).unwrap_or_default();
        let line = format!("{} {}{of} {}", stage.name, stage.position, stage.message);
        if stage.last_line != line {
            eprintln!("organ-twin: {line} ({:.0} s)", stage.start.elapsed().as_secs_f64());
            stage.last_line = line;
        }
    }
}

impl Progress for Bars {
    fn stage(&self, name: &str, total: Option<u64>) {
        if self.quiet {
            return;
        }
        let bar = self.terminal.then(|| {
            let bar = match total {
                Some(n) => ProgressBar::new(n).with_style(
                    ProgressStyle::with_template("{prefix:>14} [{bar:30}] {pos}/{len} {msg} ({elapsed})")
                        .expect("valid template")
                        .progress_chars("=> "),
                ),
                None => ProgressBar::new_spinner().with_style(
                    ProgressStyle::with_template("{prefix:>14} {spinner} {pos} {msg} ({elapsed})")
                        .expect("valid template"),
                ),
            };
            let bar = self.multi.add(bar);
            bar.set_prefix(name.to_string());
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
            bar
        });
        let now = std::time::Instant::now();
        if let Ok(mut stack) = self.stack.lock() {
            stack.push(Stage {
                name: name.into(),
                total,
                bar,
                start: now,
                printed: now,
                position: 0,
                message: String::new(),
                last_line: String::new(),
            });
        }
    }

    fn advance(&self, position: u64, message: &str) {
        if let Ok(mut stack) = self.stack.lock() {
            if let Some(stage) = stack.last_mut() {
                stage.position = position;
                stage.message = message.to_string();
                match &stage.bar {
                    Some(bar) => {
                        bar.set_position(position);
                        bar.set_message(message.to_string());
                    }
                    None if stage.printed.elapsed() >= PLAIN_EVERY => {
                        stage.printed = std::time::Instant::now();
                        Bars::plain_line(stage);
                    }
                    None => {}
                }
            }
        }
    }

    fn finish(&self) {
        if let Ok(mut stack) = self.stack.lock() {
            if let Some(mut stage) = stack.pop() {
                match &stage.bar {
                    Some(bar) => bar.finish_and_clear(),
                    None if stack.is_empty() && stage.start.elapsed() >= PLAIN_EVERY => Bars::plain_line(&mut stage),
                    None => {}
                }
            }
        }
    }
}

/// Loads a scenario and its mesh (the bundled default when `path` is `None`).
pub(super) fn load(path: Option<&Path>, quiet: bool) -> Result<(Scenario, crate::mesh::Mesh, String), Failure> {
    let (scenario, source, imported) = match path {
        None => {
            let scenario = Scenario::parse(DEFAULT_SCENARIO, DEFAULT_SCENARIO_NAME)?;
            let options = BuildOptions { fix_orientation: scenario.mesh.fix_orientation, ..BuildOptions::default() };
            let imported = io::parse_mesh(DEFAULT_MESH, Format::Gmsh, DEFAULT_MESH_NAME, &options)?;
            (scenario, DEFAULT_SCENARIO_NAME.to_string(), imported)
        }
        Some(path) => {
            let scenario = Scenario::read(path)?;
            let options = BuildOptions { fix_orientation: scenario.mesh.fix_orientation, ..BuildOptions::default() };
            let mesh_path = base_dir(path).join(&scenario.mesh.file);
            let imported = io::read_mesh(&mesh_path, &options)?;
            (scenario, path.display().to_string(), imported)
        }
    };
    super::warn(quiet, &imported.warnings);
    Ok((scenario, imported.mesh, source))
}

/// `organ-twin run`.
pub fn run(
    path: Option<&Path>,
    out: Option<PathBuf>,
    backend: Option<BackendChoice>,
    json: bool,
    quiet: bool,
    with_report: bool,
    cross_check: bool,
) -> Result<(), Failure> {
    let (mut scenario, mesh, source) = load(path, quiet)?;
    scenario.solver.cross_check |= cross_check;
    if scenario.solver.cross_check && (scenario.analysis_kind() != AnalysisKind::Static || scenario.fatigue.is_some()) {
        return Err(Failure {
            code: EXIT_DATA,
            message: format!(
                "{source}: the cross-check (--cross-check, solver.cross_check) compares the one linear solve of a static \
                 run with the CPU direct solve; this scenario is {}",
                if scenario.fatigue.is_some() { "a fatigue assessment (several load cases)" } else { "finite-strain" }
            ),
        });
    }
    let choice = backend.unwrap_or(scenario.solver.backend);
    if choice == BackendChoice::Gpu && scenario.solver.method == Some(crate::solve::Method::Direct) {
        return Err(Failure {
            code: EXIT_DATA,
            message: format!(
                "{source}: solver: method = \"direct\" (sparse Cholesky) runs on the CPU only, and the backend is \
                 gpu; use backend = \"cpu\" (or --backend cpu), or method = \"cg\""
            ),
        });
    }
    let (backend, note) = resolve_backend_noting(choice, scenario.solver.method_for(scenario.analysis_kind(), choice))?;
    super::warn_note(quiet, note.as_deref());
    let out = out.unwrap_or_else(|| PathBuf::from("out").join(&scenario.name));
    if scenario.analysis_kind() == AnalysisKind::Heartbeat {
        let heartbeat = crate::twin::heartbeat::Heartbeat::build(scenario, mesh, &source)
            .map_err(|e| earlier_note(e.into(), &out))?;
        return super::heartbeat::run(heartbeat, &backend, &out, json, quiet, with_report);
    }
    if scenario.analysis_kind() == AnalysisKind::QuasiStatic {
        let analysis = QuasiStatic::build(scenario, mesh, &source).map_err(|e| earlier_note(e.into(), &out))?;
        return super::quasi_static::run(analysis, &backend, &out, json, quiet, with_report);
    }
    let bars = Bars::new(quiet);
    if scenario.fatigue.is_some() {
        let problem = Problem::build(scenario, mesh, &source, &bars).map_err(|e| earlier_note(e.into(), &out))?;
        let base = path.map(base_dir).unwrap_or_default();
        return super::fatigue::run(&problem, &base, &backend, &out, json, quiet, with_report);
    }
    let computed = Problem::build(scenario, mesh, &source, &bars)
        .and_then(|problem| problem.solve(&backend, &bars).map(|solution| (problem, solution)));
    let (problem, mut solution) = computed.map_err(|e| earlier_note(e.into(), &out))?;
    if problem.scenario().solver.cross_check {
        add_cross_check(&problem, &mut solution, &bars, quiet).map_err(|f| earlier_note(f, &out))?;
    }
    super::warn(quiet, &solution.summary.warnings);
    let html = with_report.then(|| {
        let figures = super::pictures::static_run(&problem, &solution, &backend);
        let html = crate::report::static_run::document(&problem, &solution.summary, &figures);
        (html, figures.all())
    });
    write_results(&problem, &solution, html.as_ref().map(|(h, f)| (h.as_str(), f.as_slice())), &out)
        .map_err(|f| earlier_note(f, &out))?;
    let summary_json = serde_json::to_string_pretty(&solution.summary).expect("summary serializes");
    let order = probe_order(problem.scenario());
    report(|w| if json { writeln!(w, "{summary_json}") } else { write_human(w, &solution, &order, &out) })
}

/// The cross-check of a static run's solve against the CPU direct reference, into its summary
/// (a difference above the tolerance is a warning); a run solved by the CPU direct solver is its
/// own reference, and says so.
fn add_cross_check(problem: &Problem, solution: &mut Solution, bars: &Bars, quiet: bool) -> Result<(), Failure> {
    let v = &solution.summary.solver;
    if v.backend == "cpu" && v.method == crate::solve::Method::Direct.name() {
        super::warn_note(quiet, Some("no cross-check: the run's solve is the CPU direct reference itself"));
        return Ok(());
    }
    let (check, warning) = crate::twin::cross_check::cross_check(problem, solution, bars)?;
    solution.summary.warnings.extend(warning);
    solution.summary.cross_check = Some(check);
    Ok(())
}

/// The CG residual history of a static run (`iteration,relative_residual`, the recurrence
/// residual after each iteration), written when the solver iterated.
pub(super) const RESIDUALS: &str = "residuals.csv";

/// The file a run publishes last: a folder without it holds no complete run.
pub(super) const MARKER: &str = "summary.json";

/// `failure` with a second sentence when `out` still holds an earlier run's results.
pub(super) fn earlier_note(mut failure: Failure, out: &Path) -> Failure {
    if let Some(note) = io::staging::earlier_results(out, MARKER) {
        failure.message = format!("{}\nnote: {note}", failure.message);
    }
    failure
}

/// Stages `result.vtu` and `summary.json` and publishes them together, `summary.json` last
/// ([`io::staging`]); the output folder is created when needed and removed again when nothing
/// could be written into it.
fn write_results(
    problem: &Problem,
    solution: &Solution,
    report: Option<(&str, &[crate::report::Figure])>,
    out: &Path,
) -> Result<(), Failure> {
    let mut staging = io::staging::Staging::begin(out)?;
    staging.write("result.vtu", |w| {
        io::write_vtu_with(problem.mesh(), &solution.point_fields, &solution.cell_fields, w)
    })?;
    let history = &solution.report.history;
    if !history.is_empty() {
        staging.write(RESIDUALS, |w| {
            writeln!(w, "iteration,relative_residual")?;
            history.iter().enumerate().try_for_each(|(i, r)| writeln!(w, "{},{r:e}", i + 1))
        })?;
    }
    if let Some((html, figures)) = report {
        staging.write("report.html", |w| w.write_all(html.as_bytes()))?;
        for (name, bytes) in figures.iter().flat_map(|f| f.files()) {
            staging.write(&name, |w| w.write_all(bytes))?;
        }
    }
    staging.write(MARKER, |w| {
        serde_json::to_writer_pretty(&mut *w, &solution.summary).map_err(std::io::Error::other)?;
        writeln!(w)
    })?;
    let stale = |name: &str| {
        (history.is_empty() && name == RESIDUALS)
            || (report.is_none() && (name == "report.html" || crate::report::is_picture_file(name)))
    };
    staging.publish(MARKER, stale)?;
    Ok(())
}

pub(super) fn v3(v: &[f64; 3]) -> String {
    format!("[{:.6e}, {:.6e}, {:.6e}]", v[0], v[1], v[2])
}

/// The probe names in the scenario's order (the summary's map is alphabetical).
pub(super) fn probe_order(scenario: &Scenario) -> Vec<String> {
    scenario.probes.iter().map(|p| p.name.clone()).collect()
}

/// The text summary; `order` lists the probes as the scenario does.
fn write_human(w: &mut dyn std::io::Write, solution: &Solution, order: &[String], out: &Path) -> std::io::Result<()> {
    let s = &solution.summary;
    let u = &s.units;
    writeln!(
        w,
        "{}: {}, {} ({}), {} DOFs ({} prescribed)",
        s.scenario,
        super::count(s.mesh.nodes, "node"),
        super::count(s.mesh.cells, "cell"),
        s.mesh.cell_types.join(", "),
        s.mesh.dofs,
        s.mesh.constrained_dofs
    )?;
    let v = &s.solver;
    let method = match v.method.as_str() {
        "cg" => format!("cg/{}", v.preconditioner),
        other => other.to_string(),
    };
    writeln!(
        w,
        "  solver         {} {method} {}: {} iterations, relative residual {:.2e} in {:.3} s (assembly {:.3} s)",
        v.backend, v.precision, v.iterations, v.relative_residual, v.seconds, v.assembly_seconds
    )?;
    if v.convergence == crate::solve::Convergence::AttainableAccuracy {
        let line = crate::solve::accuracy::describe(v.convergence, v.relative_residual, v.rtol, v.floor);
        writeln!(w, "                 {line}")?;
    }
    writeln!(w, "  max |u|        {:.6e} {} at node {}", s.max_displacement, u.length, s.max_displacement_node)?;
    writeln!(
        w,
        "  max von Mises  {:.6e} {} at node {} (nodal field; cell average peaks at {:.6e} in cell {})",
        s.max_von_mises, u.stress, s.max_von_mises_node, s.max_von_mises_cell_average, s.max_von_mises_cell
    )?;
    writeln!(w, "  strain energy  {:.6e} {}", s.strain_energy, u.energy)?;
    writeln!(w, "  applied load   {} {}", v3(&s.applied_load), u.force)?;
    for (name, r) in &s.reactions {
        writeln!(w, "  reaction       {name}: {} {}", v3(r), u.force)?;
    }
    write_pins(w, &s.pins)?;
    for (name, p) in order.iter().filter_map(|n| s.probes.get(n).map(|p| (n, p))) {
        writeln!(w, "  probe          {name} at {:?}: u = {} {}", p.point, v3(&p.displacement), u.length)?;
    }
    if let Some(c) = &s.cross_check {
        writeln!(
            w,
            "  cross-check    {} vs {}: max |du|/max |u| {:.2e}, peak von Mises {:.2e} (tolerance {:.1e}: {})",
            c.solved,
            c.reference,
            c.displacement_difference,
            c.von_mises_difference,
            c.tolerance,
            if c.passed { "pass" } else { "CHECK" }
        )?;
    }
    let residuals = if solution.report.history.is_empty() { "" } else { ", residuals.csv" };
    writeln!(w, "wrote {} (result.vtu, summary.json{residuals} and, unless --no-report, report.html)", out.display())
}

/// `organ-twin export-system`: the reduced system in Matrix Market format, and its DOF map.
pub fn export(path: &Path, out: &Path, quiet: bool) -> Result<(), Failure> {
    let (scenario, mesh, source) = load(Some(path), quiet)?;
    let bars = Bars::new(quiet);
    let problem = Problem::build(scenario, mesh, &source, &bars)?;
    let (k, f, rows) = problem.reduced_system();
    // The three files appear together or not at all (dofs.csv last), as a run's results do.
    let mut staging = io::staging::Staging::begin(out).map_err(|e| earlier_note(e.into(), out))?;
    let written = (|| {
        staging.write("K.mtx", |w| io::matrix_market(w, &k))?;
        staging.write("f.mtx", |w| io::vector_market(w, &f))?;
        staging.write("dofs.csv", |w| {
            writeln!(w, "row,node_id,component")?;
            for (r, (node, c)) in rows.iter().enumerate() {
                writeln!(w, "{},{},{}", r + 1, node, ["x", "y", "z"][*c])?;
            }
            Ok(())
        })
    })();
    if let Err(e) = written {
        staging.abandon();
        return Err(earlier_note(e.into(), out));
    }
    staging.publish("dofs.csv", |_| false).map_err(|e| earlier_note(e.into(), out))?;
    if quiet {
        return Ok(());
    }
    let units = problem.scenario().units.names();
    let line = format!(
        "wrote {}/K.mtx ({} x {}, {} nonzeros, {}/{}), f.mtx ({}) and dofs.csv",
        out.display(),
        k.nrows(),
        k.ncols(),
        k.nnz(),
        units.2,
        units.0,
        units.2
    );
    report(|w| writeln!(w, "{line}"))
}

/// One line per pin added to hold a sliding support.
pub(super) fn write_pins(w: &mut dyn std::io::Write, pins: &[crate::twin::summary::PinSummary]) -> std::io::Result<()> {
    for p in pins {
        writeln!(
            w,
            "  pin            {}: node {} component {} at {:?} (removes an in-plane rigid motion)",
            p.support, p.node, p.component, p.position
        )?;
    }
    Ok(())
}
