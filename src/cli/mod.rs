//! The `organ-twin` command line.
//!
//! Exit codes follow the BSD `sysexits` convention: 0 success, 2 usage error (from clap),
//! 65 invalid input data (malformed or invalid mesh or scenario, unsupported body), 66 input file
//! cannot be read, 69 backend unavailable, 73 output file cannot be written; 1 when the solver
//! fails (not converged).

mod bench;
mod bench_fatigue;
mod bench_heartbeat;
mod calibrate;
mod converge;
mod fatigue;
mod generate;
mod heartbeat;
mod info;
mod pictures;
mod quasi_static;
mod render;
mod run;
mod template;
mod unload;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::io::{self, ReadError, WriteError};
use crate::mesh::BuildOptions;
use crate::twin::BackendChoice;

/// Exit code for invalid input data.
pub const EXIT_DATA: u8 = 65;
/// Exit code for an input that cannot be read.
pub const EXIT_NO_INPUT: u8 = 66;
/// Exit code for an output that cannot be written.
pub const EXIT_CANT_CREATE: u8 = 73;

#[derive(Parser, Debug)]
#[command(
    name = "organ-twin",
    version,
    about = "Finite-element digital twin of organs and implants",
    long_about = "Finite-element digital twin of organs and implants.\n\nWithout a command, runs the bundled \
                  default scenario (a left-ventricle twin: the passive stiffness calibrated to the patient's \
                  EDV and EDP, then one heartbeat against a Windkessel circulation) like `organ-twin run`."
)]
struct Cli {
    /// Print only results and errors (no warnings or progress).
    #[arg(short, long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Solve a scenario; writes DIR/result.vtu and DIR/summary.json and prints a summary.
    Run {
        /// Scenario file (TOML); without it, the bundled left-ventricle heartbeat (meshes/scenarios/lv_heartbeat.toml).
        scenario: Option<PathBuf>,
        /// Output folder [default: out/<scenario name>].
        #[arg(short, long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Backend, overriding the scenario's solver.backend.
        #[arg(long, value_enum)]
        backend: Option<BackendChoice>,
        /// Print summary.json on standard output instead of the text summary.
        #[arg(long)]
        json: bool,
        /// Skip report.html (and the pictures it embeds).
        #[arg(long)]
        no_report: bool,
        /// Static runs: solve again on the CPU by the direct solver and compare (summary.json's
        /// cross_check and the report's solver section), as [solver] cross_check = true does.
        #[arg(long)]
        cross_check: bool,
    },
    /// Write the reduced stiffness K and load f (Matrix Market) and the DOF map for external solvers.
    ExportSystem {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Output folder.
        #[arg(short, long, value_name = "DIR")]
        out: PathBuf,
    },
    /// List the GPU adapters wgpu finds, with their features and limits.
    GpuInfo {
        /// Print a JSON document instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Benchmark the GPU solver against the device's copy bandwidth and the CPU reference; with
    /// --heartbeat, the patient twin (calibration and one beat) on the bundled LV meshes; with
    /// --fatigue, the fatigue evaluation's throughput.
    Bench {
        /// Target sizes in DOFs (steel bricks of about these sizes).
        #[arg(long, value_delimiter = ',', default_value = "1e4,1e5,1e6")]
        sizes: Vec<f64>,
        /// Write the results as JSON to FILE.
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
        /// Write each system as Matrix Market (K.mtx, b.mtx, coords.mtx) under DIR, for
        /// benches/cupy_cg.py and benches/pyamg_amg.py.
        #[arg(long, value_name = "DIR")]
        export: Option<PathBuf>,
        /// Skip the CPU reference solve (no speedup figure).
        #[arg(long)]
        no_cpu: bool,
        /// Relative residual of the full solves.
        #[arg(long, default_value = "1e-10")]
        rtol: f64,
        /// Instead of the solver on bricks: the patient twin (calibration and one beat of the
        /// bundled default scenario) on each LV mesh, on the CPU and on a hardware GPU if any.
        #[arg(long, conflicts_with_all = ["sizes", "export", "rtol"])]
        heartbeat: bool,
        /// LV meshes for --heartbeat [default: meshes/lv_beat_tet10.msh,meshes/lv_small_tet10.msh].
        #[arg(long, value_delimiter = ',', value_name = "MESHES", requires = "heartbeat")]
        lv_meshes: Vec<PathBuf>,
        /// Instead of the solver: fatigue-evaluation throughput (point × history samples per
        /// second) on a seeded synthetic model, on the CPU and on the GPU (f32 kernel + f64 check).
        #[arg(long, conflicts_with_all = ["sizes", "export", "rtol", "heartbeat"])]
        fatigue: bool,
        /// Evaluation points for --fatigue.
        #[arg(long, default_value = "1e6", value_parser = bench_fatigue::parse_points, requires = "fatigue")]
        points: usize,
        /// History samples for --fatigue.
        #[arg(long, default_value = "1e4", value_parser = bench_fatigue::parse_samples, requires = "fatigue")]
        samples: usize,
        /// Criteria for --fatigue: svm (signed von Mises), mp (maximum principal).
        #[arg(long, value_delimiter = ',', default_value = "svm", requires = "fatigue")]
        criteria: Vec<String>,
        /// With --fatigue: measure a software GPU adapter (lavapipe) when there is no hardware one.
        #[arg(long, requires = "fatigue")]
        software_gpu: bool,
    },
    /// Summarise a mesh: counts, regions, surfaces with areas, fields, volume, quality, warnings.
    Info {
        /// Mesh file (.msh, .vtk, .vtu, .inp, .mesh, .node/.ele).
        mesh: PathBuf,
        /// Print a JSON document instead of text.
        #[arg(long)]
        json: bool,
        /// Re-orient inverted cells instead of rejecting the mesh.
        #[arg(long)]
        fix_orientation: bool,
    },
    /// Generate a procedural mesh (format chosen by the output extension: .msh or .vtu).
    Mesh {
        #[command(subcommand)]
        shape: generate::Shape,
    },
    /// Write a ready fatigue-test scenario for a standard (ISO 14801, ISO 7206-4), on a generated
    /// idealised implant or on your mesh.
    Template(template::TemplateArgs),
    /// Mesh-convergence study: a static or quasi-static scenario on refined meshes; observed order,
    /// Richardson extrapolation and GCI per quantity; writes convergence.json, report.html and
    /// convergence.png.
    Converge(converge::ConvergeArgs),
    /// Render a picture of a result coloured by a field (PNG, offscreen on the GPU or lavapipe).
    Render(render::RenderArgs),
    /// Recover the unloaded (stress-free) geometry of an imaged ventricle at its measured pressure; writes the mesh.
    Unload(unload::UnloadArgs),
    /// Fit the passive stiffness to the scenario's [patient] EDV and EDP (Klotz curve); writes the calibrated scenario.
    Calibrate(calibrate::CalibrateArgs),
    /// Convert a mesh between formats (writes .msh as Gmsh 4.1 ASCII, or .vtu).
    Convert {
        /// Input mesh.
        input: PathBuf,
        /// Output mesh.
        output: PathBuf,
        /// Re-orient inverted cells instead of rejecting the mesh.
        #[arg(long)]
        fix_orientation: bool,
    },
}

/// A failure with its exit code.
#[derive(Debug)]
struct Failure {
    code: u8,
    message: String,
}

impl From<ReadError> for Failure {
    fn from(e: ReadError) -> Failure {
        Failure { code: if e.is_io() { EXIT_NO_INPUT } else { EXIT_DATA }, message: e.to_string() }
    }
}

impl From<WriteError> for Failure {
    fn from(e: WriteError) -> Failure {
        let code = match e {
            WriteError::Io { .. } => EXIT_CANT_CREATE,
            // The output path names a format that cannot be written: a usage error.
            WriteError::UnknownFormat { .. } => 2,
            WriteError::Unsupported { .. } => EXIT_DATA,
        };
        Failure { code, message: e.to_string() }
    }
}

/// Runs the command line; returns the process exit code.
pub fn main() -> ExitCode {
    runtime_dir();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("error: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

/// Mesa's Vulkan drivers print "error: XDG_RUNTIME_DIR is invalid or not set" on every start
/// when the variable is unset or names no directory (batch jobs, containers, CI), which reads
/// as a failure of a run that succeeded. Before any thread or GPU starts, point it at a private
/// directory of this user under the temporary folder (created once, mode 0700, reused).
fn runtime_dir() {
    let valid = std::env::var_os("XDG_RUNTIME_DIR").is_some_and(|d| std::path::Path::new(&d).is_dir());
    if valid {
        return;
    }
    let user = std::env::var("USER").unwrap_or_else(|_| "user".into());
    let user: String = user.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-').collect();
    let dir = std::env::temp_dir().join(format!("organ-twin-runtime-{user}"));
    if std::fs::create_dir_all(&dir).is_err() {
        return;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).is_err() {
            return;
        }
    }
    std::env::set_var("XDG_RUNTIME_DIR", &dir);
}

fn build_options(fix_orientation: bool) -> BuildOptions {
    BuildOptions { fix_orientation, ..BuildOptions::default() }
}

/// `n` and `word`, plural unless `n` is 1 ("1 node", "2 nodes").
pub(crate) fn count(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// `v` rounded to `decimals`, with a result that rounds to zero made +0 (no "-0.000").
pub(crate) fn tidy(v: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    if (v * scale).round() == 0.0 {
        0.0
    } else {
        v
    }
}

/// A note on standard error (a choice made for the user, and why), unless `quiet`.
fn warn_note(quiet: bool, note: Option<&str>) {
    if let (false, Some(note)) = (quiet, note) {
        eprintln!("note: {note}");
    }
}

fn warn(quiet: bool, warnings: &[impl std::fmt::Display]) {
    if !quiet {
        for w in warnings {
            eprintln!("warning: {w}");
        }
    }
}

/// Writes a report to stdout; a closed pipe (`organ-twin info m.msh | head`) is not an error.
fn report(write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>) -> Result<(), Failure> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match write(&mut out).and_then(|()| std::io::Write::flush(&mut out)) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Failure { code: EXIT_CANT_CREATE, message: format!("cannot write the report to standard output: {e}") })
        }
        _ => Ok(()),
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        None => run::run(None, None, None, false, cli.quiet, true, false),
        Some(Command::Run { scenario, out, backend, json, no_report, cross_check }) => {
            run::run(scenario.as_deref(), out, backend, json, cli.quiet, !no_report, cross_check)
        }
        Some(Command::ExportSystem { scenario, out }) => run::export(&scenario, &out, cli.quiet),
        Some(Command::Info { mesh, json, fix_orientation }) => {
            let imported = io::read_mesh(&mesh, &build_options(fix_orientation))?;
            let name = mesh.display().to_string();
            report(
                |out| {
                    if json {
                        info::write_json(out, &name, &imported)
                    } else {
                        info::write_text(out, &name, &imported)
                    }
                },
            )
        }
        Some(Command::Render(args)) => render::run(args, cli.quiet),
        Some(Command::Converge(args)) => converge::run(args, cli.quiet),
        Some(Command::Unload(args)) => unload::run(args, cli.quiet),
        Some(Command::Calibrate(args)) => calibrate::run(args, cli.quiet),
        Some(Command::Mesh { shape }) => generate::run(shape, cli.quiet),
        Some(Command::Template(args)) => template::run(args, cli.quiet),
        Some(Command::GpuInfo { json }) => info::gpu_info(json),
        Some(Command::Bench { fatigue: true, points, samples, criteria, software_gpu, json, no_cpu, .. }) => {
            let options = bench_fatigue::FatigueBenchOptions { points, samples, criteria, no_cpu, software_gpu };
            bench_fatigue::run(&options, json.as_deref(), cli.quiet)
        }
        Some(Command::Bench { heartbeat: true, lv_meshes, json, no_cpu, .. }) => {
            bench_heartbeat::run(&lv_meshes, no_cpu, json.as_deref(), cli.quiet)
        }
        Some(Command::Bench { sizes, json, export, no_cpu, rtol, .. }) => {
            if let Some(bad) = sizes.iter().find(|s| !(s.is_finite() && **s >= 100.0)) {
                return Err(Failure {
                    code: 2,
                    message: format!("--sizes: {bad} is not a size in DOFs (at least 100)"),
                });
            }
            bench::run(&bench::BenchOptions { sizes, json, export, no_cpu, rtol }, cli.quiet)
        }
        Some(Command::Convert { input, output, fix_orientation }) => {
            io::check_writable(&output)?;
            let imported = io::read_mesh(&input, &build_options(fix_orientation))?;
            warn(cli.quiet, &imported.warnings);
            io::write_mesh(&imported.mesh, &output)?;
            if cli.quiet {
                return Ok(());
            }
            let m = &imported.mesh;
            let line = format!(
                "wrote {}: {}, {}, {}",
                output.display(),
                count(m.nodes().len(), "node"),
                count(m.cell_count(), "cell"),
                count(m.surfaces().len(), "surface")
            );
            report(|out| writeln!(out, "{line}"))
        }
    }
}
