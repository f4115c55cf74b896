//! The GPU layer: a wgpu device, the WGSL compute kernels of `shaders/`, and the f32
//! preconditioned conjugate-gradient engine built from them.
//!
//! | module | what it holds |
//! | --- | --- |
//! | [`context`] | [`Gpu`]: adapter choice, device, limits (lowerable for tests), error capture, readback |
//! | [`kernels`] | one host module per shader: params struct, pipeline, `record()`, CPU twin `reference()` |
//! | [`bsr`] | the 3 × 3 block-sparse-row layout of a stiffness matrix, split into binding-sized chunks |
//! | [`cg`] | [`GpuPcg`]: buffers for one sparsity pattern, created once; batches of CG iterations |
//! | [`amg`] | [`amg::GpuAmg`]: the AMG V-cycle preconditioner's buffers and kernel sequence |
//! | [`bench`] | copy bandwidth and the scalar-CSR SpMV the block layout is measured against |
//!
//! Everything here is f32 (WGSL has no f64 in core). The f64 accuracy that the solver promises is
//! recovered one layer up, in [`crate::solve::gpu`], by replacing the GPU's residual with the true
//! residual computed in f64 on the CPU (reliable updates / mixed-precision refinement).

pub mod amg;
pub mod bench;
pub mod bsr;
pub mod cg;
pub mod context;
pub mod kernels;

pub use cg::{BatchState, CgStatus, GpuPcg, HISTORY_CAPACITY};
pub use context::{AdapterReport, Gpu, GpuOptions};

/// Why the GPU could not do what was asked.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GpuError {
    /// No adapter (of the kind required) was found.
    #[error("no {what} found: {hint}; run `organ-twin gpu-info` to see what wgpu finds, or use --backend cpu")]
    NoAdapter {
        /// "GPU adapter" or "hardware GPU adapter".
        what: String,
        /// What to install.
        hint: String,
    },
    /// The adapter refused to create a device.
    #[error("the GPU adapter {adapter} refused to create a device: {message}")]
    Device {
        /// Adapter name.
        adapter: String,
        /// wgpu's message.
        message: String,
    },
    /// The device was lost (driver reset, GPU removed, timeout).
    #[error("the GPU device was lost during {during}: {message}; re-run, or use --backend cpu")]
    DeviceLost {
        /// What was running.
        during: String,
        /// The driver's reason.
        message: String,
    },
    /// The device ran out of memory.
    #[error(
        "the GPU ran out of memory allocating {what} ({mib:.1} MiB): {message}; use a coarser mesh, a GPU with more \
         memory, or --backend cpu"
    )]
    OutOfMemory {
        /// What was allocated.
        what: String,
        /// Its size (MiB).
        mib: f64,
        /// wgpu's message.
        message: String,
    },
    /// A single buffer would exceed the device's limits even after splitting.
    #[error(
        "{what} needs {needed_mib:.1} MiB in one GPU buffer, but this device allows {limit_mib:.1} MiB per storage \
         binding; use a coarser mesh or --backend cpu"
    )]
    TooLarge {
        /// What does not fit.
        what: String,
        /// Bytes needed (MiB).
        needed_mib: f64,
        /// The limit (MiB).
        limit_mib: f64,
    },
    /// wgpu reported an error (a validation error is a bug in organ-twin).
    #[error("the GPU reported an error during {during}: {message}")]
    Reported {
        /// What was running.
        during: String,
        /// wgpu's message.
        message: String,
    },
    /// The matrix does not fit the GPU solver.
    #[error("{0}")]
    Shape(String),
}
