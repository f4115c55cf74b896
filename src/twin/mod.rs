//! Scenario drivers: a scenario file (mesh, materials, supports, loads, solver, probes) turned
//! into a solved problem and its results.
//!
//! | module | what it holds |
//! | --- | --- |
//! | [`scenario`] | the TOML format and its checks |
//! | [`select`] | named surfaces, node sets and geometric selectors resolved on a mesh |
//! | [`problem`] | the static linear-elastic driver, in numbered steps |
//! | [`summary`] | `summary.json` |

pub mod problem;
pub mod scenario;
pub mod select;
pub mod summary;

pub use problem::{Problem, Solution};
pub use scenario::{BackendChoice, Scenario};
pub use summary::Summary;

use crate::io::{ReadError, WriteError};
use crate::solve::{Backend, SolveError};

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
    /// The backend cannot run here.
    #[error("{0}")]
    Backend(String),
    /// A result file could not be written.
    #[error("{0}")]
    Write(#[from] WriteError),
}

/// The backend a choice resolves to on this build and machine, and why.
pub fn resolve_backend(choice: BackendChoice) -> Result<Backend, ScenarioError> {
    match choice {
        BackendChoice::Cpu | BackendChoice::Auto => Ok(Backend::Cpu),
        BackendChoice::Gpu => Err(ScenarioError::Backend(
            "the GPU backend is not part of this build yet (the wgpu conjugate-gradient solver is the next milestone); \
             use --backend cpu or auto"
                .into(),
        )),
    }
}
