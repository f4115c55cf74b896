//! Scenario drivers: a scenario file (mesh, materials, supports, loads, solver, probes) turned
//! into a solved problem and its results.
//!
//! | module | what it holds |
//! | --- | --- |
//! | [`scenario`] | the TOML format and its checks |
//! | [`analysis`] | the finite-strain tables: `[analysis]`, `[fibers]`, `[[cavity]]`, hyperelastic material keys |
//! | [`steps`] | the load schedule of a quasi-static analysis |
//! | [`fatigue`] | the fatigue driver: load cases, stresses per region, assessment, hot spot, maps |
//! | [`fatigue_summary`] | the `fatigue` section of `summary.json` |
//! | [`heartbeat`] | whole heartbeats: twitch, cavity pressure as an unknown, Windkessel and valves, PV loops |
//! | [`history`] | load-history CSV files |
//! | [`fatigue_spec`] | the `[fatigue]` table: regions, material data, criterion, cycle or history |
//! | [`fibres`] | fibre frames per cell: from mesh fields or rule-based (Bayer et al. 2012) |
//! | [`mechanics`] | the finite-strain equilibrium as a nonlinear system (loads, follower pressure, supports) |
//! | [`quasi_static`] | the quasi-static finite-strain driver, in numbered steps |
//! | [`select`] | named surfaces, node sets and geometric selectors resolved on a mesh |
//! | [`problem`] | the static linear-elastic driver, in numbered steps |
//! | [`load_cases`] | every load solved once as a unit load case, for superposition |
//! | [`summary`] | `summary.json` |
//! | [`converge`] | mesh-convergence studies: observed order, Richardson extrapolation, GCI |
//! | [`cross_check`] | a static run's solve against the CPU direct reference |
//! | [`template`] | ISO 14801 and ISO 7206-4 fatigue-test scenarios |
//! | [`unload`] | the unloaded reference geometry of an imaged ventricle (backward displacement) |
//! | [`klotz`] | the Klotz et al. 2006 end-diastolic pressure–volume relation |
//! | [`calibrate`] | passive-stiffness calibration to the patient's EDV and EDP |
//! | [`benchmark`] | the brick that `organ-twin bench` and the criterion benches solve |

pub mod analysis;
pub mod benchmark;
pub mod calibrate;
pub mod converge;
pub mod cross_check;
pub mod fatigue;
pub mod fatigue_spec;
pub mod fatigue_summary;
pub mod fibres;
pub mod heartbeat;
pub mod history;
pub mod klotz;
pub mod load_cases;
pub mod mechanics;
pub mod problem;
pub mod quasi_static;
pub mod scenario;
pub mod select;
pub mod steps;
pub mod summary;
mod supports;
pub mod template;
pub mod unload;

pub use problem::{Problem, Solution};
pub use scenario::{BackendChoice, Scenario};
pub use summary::Summary;

use std::sync::Arc;

use crate::gpu::{Gpu, GpuOptions};
use crate::io::{ReadError, WriteError};
use crate::solve::{Backend, GpuBackend, Method, SolveError};

/// Why a scenario could not be run.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The scenario file could not be read.
    #[error("{path}: cannot read the scenario: {source}; check the path")]
    Io {
        /// Path.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// The TOML is malformed or has unknown or mistyped keys (the message gives line and column).
    #[error("{source_name}: {message}")]
    Syntax {
        /// Scenario file.
        source_name: String,
        /// toml's message with the position.
        message: String,
    },
    /// A value is invalid or names something the mesh lacks.
    #[error("{source_name}: {entry}: {message}")]
    Invalid {
        /// Scenario file.
        source_name: String,
        /// The table entry, e.g. `support[2]`.
        entry: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// The mesh could not be read.
    #[error("{0}")]
    Mesh(#[from] ReadError),
    /// A finite-element check failed (unsupported body, inverted cell).
    #[error("{source_name}: {source}")]
    Fem {
        /// Scenario file.
        source_name: String,
        /// The error.
        source: crate::fem::FemError,
    },
    /// The solver failed.
    #[error("{source_name}: {source}")]
    Solve {
        /// Scenario file.
        source_name: String,
        /// The error.
        source: SolveError,
    },
    /// A solve returned an answer that fails its accuracy check (residual far above what f64
    /// can reach for the system): never reported as a result.
    #[error("{source_name}: {message}")]
    Inaccurate {
        /// Scenario file.
        source_name: String,
        /// The figures and what to do.
        message: String,
    },
    /// A finite-strain analysis stopped before its last step where a caller needs them all (a
    /// convergence study's level).
    #[error("{source_name}: {message}")]
    Stopped {
        /// Scenario file.
        source_name: String,
        /// Where it stopped and why.
        message: String,
    },
    /// The backend cannot run here.
    #[error("{0}")]
    Backend(String),
    /// A result file could not be written.
    #[error("{0}")]
    Write(#[from] WriteError),
}

/// The backend a choice resolves to on this machine: `gpu` opens the best adapter (a software
/// one such as lavapipe included) or fails naming what to install; `auto` takes a hardware GPU
/// when there is one and CG is the method, else the CPU.
pub fn resolve_backend(choice: BackendChoice, method: Method) -> Result<Backend, ScenarioError> {
    resolve_backend_noting(choice, method).map(|(backend, _)| backend)
}

/// [`resolve_backend`], with a note saying why `auto` chose the CPU (for the user to read).
pub fn resolve_backend_noting(
    choice: BackendChoice,
    method: Method,
) -> Result<(Backend, Option<String>), ScenarioError> {
    let open = |require_hardware| {
        Gpu::new(&GpuOptions { require_hardware, ..Default::default() })
            .map(|gpu| Backend::Gpu(Arc::new(GpuBackend::new(gpu))))
    };
    match choice {
        BackendChoice::Cpu => Ok((Backend::Cpu, None)),
        BackendChoice::Gpu => open(false).map(|b| (b, None)).map_err(|e| ScenarioError::Backend(e.to_string())),
        BackendChoice::Auto if method == Method::Direct => Ok((
            Backend::Cpu,
            Some("backend auto chose the CPU: method = \"direct\" (sparse Cholesky) runs there only".into()),
        )),
        BackendChoice::Auto => Ok(match open(true) {
            Ok(gpu) => (gpu, None),
            Err(e) => (
                Backend::Cpu,
                Some(format!("backend auto chose the CPU: no hardware GPU adapter ({e}); --backend gpu forces one")),
            ),
        }),
    }
}
