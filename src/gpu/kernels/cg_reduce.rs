//! Host module of `shaders/cg_reduce.wgsl`: the conjugate-gradient scalars (α, β, the stop test,
//! restarts) computed on the GPU from the partial sums of the vector kernels, so that a batch of
//! iterations runs without the CPU.

use super::{bind, dispatch, pipeline, tree_sum, Precision, WORKGROUP};

/// WGSL source.
pub const SOURCE: &str = include_str!("../../../shaders/cg_reduce.wgsl");

/// `Scalars::status`: iterating.
pub const RUNNING: u32 = 0;
/// `Scalars::status`: `rr ≤ rr_stop`, the host takes over.
pub const REDUCED: u32 = 1;
/// `Scalars::status`: `pᵀAp ≤ 0` or a non-finite value.
pub const BREAKDOWN: u32 = 2;

/// Mirrors WGSL `Scalars`: the CG state, bound read-write by this kernel and as a uniform by the
/// others.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct Scalars {
    /// `r·z` of the current direction.
    pub rz: f32,
    /// Last `pᵀAp`.
    pub pq: f32,
    /// Step length.
    pub alpha: f32,
    /// Direction update factor.
    pub beta: f32,
    /// Last `r·r`.
    pub rr: f32,
    /// Stop when `rr ≤ rr_stop`.
    pub rr_stop: f32,
    /// Old/new residual scale at a restart (0: fresh start).
    pub rescale: f32,
    /// [`RUNNING`], [`REDUCED`] or [`BREAKDOWN`].
    pub status: u32,
    /// Iterations done.
    pub iteration: u32,
    /// Length of the history ring.
    pub history_capacity: u32,
    /// Padding.
    pub _pad0: u32,
    /// Padding.
    pub _pad1: u32,
}

/// Mirrors WGSL `ReduceParams`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct ReduceParams {
    /// Partials written by the SpMV chunks.
    pub spmv_partials: u32,
    /// Pairs written by `cg_update`.
    pub vec_partials: u32,
    /// Padding.
    pub _pad0: u32,
    /// Padding.
    pub _pad1: u32,
}

/// The three entry points.
#[derive(Debug)]
pub struct CgReduce {
    alpha: wgpu::ComputePipeline,
    beta: wgpu::ComputePipeline,
    restart: wgpu::ComputePipeline,
}

/// Bind groups of the three entry points over one buffer set.
#[derive(Debug)]
pub struct ReduceBindGroups {
    alpha: wgpu::BindGroup,
    beta: wgpu::BindGroup,
    restart: wgpu::BindGroup,
}

/// Which scalar step to record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// α from `pᵀAp`.
    Alpha,
    /// β, the iteration count and the stop test.
    Beta,
    /// β after the host replaced the residual.
    Restart,
}

impl CgReduce {
    /// Compiles the kernel's entry points.
    pub fn new(device: &wgpu::Device, precision: Precision) -> Self {
        CgReduce {
            alpha: pipeline(device, "cg_reduce alpha", precision.source(SOURCE), "alpha"),
            beta: pipeline(device, "cg_reduce beta", precision.source(SOURCE), "beta"),
            restart: pipeline(device, "cg_reduce restart", precision.source(SOURCE), "restart"),
        }
    }

    /// Bind groups: params (uniform), the CG state, partials, history. Only `beta` writes the
    /// history, and a layout derived from a shader lists only the bindings its entry point uses.
    pub fn bind(&self, device: &wgpu::Device, buffers: [&wgpu::Buffer; 4]) -> ReduceBindGroups {
        ReduceBindGroups {
            alpha: bind(device, &self.alpha, "cg_reduce alpha", &buffers[..3]),
            beta: bind(device, &self.beta, "cg_reduce beta", &buffers),
            restart: bind(device, &self.restart, "cg_reduce restart", &buffers[..3]),
        }
    }

    /// Encodes one scalar step (a single workgroup).
    pub fn record(&self, pass: &mut wgpu::ComputePass<'_>, groups: &ReduceBindGroups, step: Step) {
        let (pipeline, group) = match step {
            Step::Alpha => (&self.alpha, &groups.alpha),
            Step::Beta => (&self.beta, &groups.beta),
            Step::Restart => (&self.restart, &groups.restart),
        };
        dispatch(pass, pipeline, group, (1, 1));
    }
}

/// The kernel's `reduce`: strided per invocation, then the tree.
fn reduce(partials: &[f32], count: u32, paired: bool) -> [f32; 2] {
    let slots: Vec<[f32; 2]> = (0..WORKGROUP)
        .map(|lid| {
            let mut acc = [0.0f32; 2];
            let mut i = lid;
            while i < count {
                if paired {
                    acc[0] += partials[2 * i as usize];
                    acc[1] += partials[2 * i as usize + 1];
                } else {
                    acc[0] += partials[i as usize];
                }
                i += WORKGROUP;
            }
            acc
        })
        .collect();
    tree_sum(slots)
}

const FLOAT_MAX: f32 = 3.0e38;

/// CPU twin of the three entry points.
pub fn reference(step: Step, params: &ReduceParams, cg: &mut Scalars, partials: &[f32], history: &mut [f32]) {
    match step {
        Step::Alpha => {
            let pq = reduce(partials, params.spmv_partials, false)[0];
            if cg.status == RUNNING {
                cg.pq = pq;
                if pq > 0.0 && pq < FLOAT_MAX {
                    cg.alpha = cg.rz / pq;
                } else {
                    cg.alpha = 0.0;
                    cg.status = BREAKDOWN;
                }
            }
        }
        Step::Beta => {
            let [rz, rr] = reduce(partials, params.vec_partials, true);
            if cg.status == RUNNING {
                cg.iteration += 1;
                cg.rr = rr;
                history[((cg.iteration - 1) % cg.history_capacity) as usize] = rr;
                let valid = rr < FLOAT_MAX && rz >= 0.0; // false for NaN, as in the kernel
                if !valid {
                    cg.status = BREAKDOWN;
                } else if rr <= cg.rr_stop {
                    cg.status = REDUCED;
                } else {
                    cg.beta = rz / cg.rz;
                    cg.rz = rz;
                }
            }
        }
        Step::Restart => {
            let [rz, rr] = reduce(partials, params.vec_partials, true);
            if cg.status == RUNNING {
                cg.rr = rr;
                cg.beta = if cg.rescale > 0.0 && cg.rz > 0.0 { rz / (cg.rz * cg.rescale) } else { 0.0 };
                cg.rz = rz;
                let valid = rr < FLOAT_MAX && rz > 0.0; // false for NaN, as in the kernel
                if !valid {
                    cg.status = BREAKDOWN;
                } else if rr <= cg.rr_stop {
                    cg.status = REDUCED;
                }
            }
        }
    }
}
