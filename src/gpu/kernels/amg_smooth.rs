//! Host module of `shaders/amg_smooth.wgsl`: one step of an AMG level's Chebyshev smoother
//! fused with its block-Jacobi preconditioner (the recurrence of
//! [`crate::solve::amg::chebyshev`]), and, on the last step of the post-smoothing, the exact
//! values of the level's decoupled unknowns.

use super::{bind, dispatch, pipeline, Precision, Scalars};

/// WGSL source.
pub const SOURCE: &str = include_str!("../../../shaders/amg_smooth.wgsl");

/// `SmoothParams::mode`: `r = b`, `x = d` (from `x = 0`).
pub const FROM_ZERO: u32 = 0;
/// `SmoothParams::mode`: `r = b − w` with `w = A x`.
pub const RESIDUAL: u32 = 1;
/// `SmoothParams::mode`: `r = r − w` with `w = A d`.
pub const UPDATE: u32 = 2;

/// Largest node block the kernel handles (its local array).
pub const MAX_BLOCK: usize = 6;

/// Mirrors WGSL `SmoothParams`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct SmoothParams {
    /// Nodes of the level.
    pub nodes: u32,
    /// Unknowns per node (1 ..= [`MAX_BLOCK`]).
    pub block: u32,
    /// Workgroups of the dispatch.
    pub workgroups: u32,
    /// [`FROM_ZERO`], [`RESIDUAL`] or [`UPDATE`].
    pub mode: u32,
    /// Weight of the previous update `d`.
    pub c1: f32,
    /// Weight of `M⁻¹ r`.
    pub c2: f32,
    /// 1 on the last step of the post-smoothing: decoupled unknowns are set exactly.
    pub last: u32,
    /// Padding.
    pub _pad0: u32,
}

/// The buffers the kernel binds, in binding order.
#[derive(Debug, Clone, Copy)]
pub struct SmoothBuffers<'a> {
    /// Uniform `SmoothParams`.
    pub params: &'a wgpu::Buffer,
    /// Uniform `Scalars`.
    pub cg: &'a wgpu::Buffer,
    /// Right-hand side.
    pub b: &'a wgpu::Buffer,
    /// `A x` or `A d`.
    pub w: &'a wgpu::Buffer,
    /// Inverse diagonal blocks.
    pub minv: &'a wgpu::Buffer,
    /// `1 / A_ii` on decoupled unknowns, 0 elsewhere.
    pub decoupled: &'a wgpu::Buffer,
    /// Residual.
    pub r: &'a wgpu::Buffer,
    /// Chebyshev update.
    pub d: &'a wgpu::Buffer,
    /// Iterate.
    pub x: &'a wgpu::Buffer,
}

/// The vectors the twin updates in place (`r`, `d`, `x`).
#[derive(Debug)]
pub struct SmoothState<'a> {
    /// Residual.
    pub r: &'a mut [f32],
    /// Chebyshev update.
    pub d: &'a mut [f32],
    /// Iterate.
    pub x: &'a mut [f32],
}

/// The compiled kernel.
#[derive(Debug)]
pub struct AmgSmooth {
    pipeline: wgpu::ComputePipeline,
}

impl AmgSmooth {
    /// Compiles the kernel.
    pub fn new(device: &wgpu::Device) -> Self {
        AmgSmooth { pipeline: pipeline(device, "amg_smooth", Precision::F32.source(SOURCE), "main") }
    }

    /// Bind group.
    pub fn bind(&self, device: &wgpu::Device, b: SmoothBuffers<'_>) -> wgpu::BindGroup {
        bind(device, &self.pipeline, "amg_smooth", &[b.params, b.cg, b.b, b.w, b.minv, b.decoupled, b.r, b.d, b.x])
    }

    /// Encodes the step over `grid`.
    pub fn record(&self, pass: &mut wgpu::ComputePass<'_>, bind_group: &wgpu::BindGroup, grid: (u32, u32)) {
        dispatch(pass, &self.pipeline, bind_group, grid);
    }
}

/// CPU twin, f32 in the kernel's order: `inputs` are `(b, w, minv, decoupled)`.
pub fn reference(params: &SmoothParams, cg: &Scalars, inputs: [&[f32]; 4], s: SmoothState<'_>) {
    if cg.status != 0 {
        return;
    }
    let [b, w, minv, decoupled] = inputs;
    let nb = params.block as usize;
    for node in 0..params.nodes as usize {
        let o = nb * node;
        let mut rv = [0.0f32; MAX_BLOCK];
        for i in 0..nb {
            rv[i] = match params.mode {
                RESIDUAL => b[o + i] - w[o + i],
                UPDATE => s.r[o + i] - w[o + i],
                _ => b[o + i],
            };
            s.r[o + i] = rv[i];
        }
        let m = nb * nb * node;
        for i in 0..nb {
            let mut z = 0.0f32;
            for j in 0..nb {
                z += minv[m + nb * i + j] * rv[j];
            }
            let mut dn = params.c2 * z;
            let mut xn = dn;
            if params.mode != FROM_ZERO {
                dn += params.c1 * s.d[o + i];
                xn = s.x[o + i] + dn;
            }
            if params.last != 0 && decoupled[o + i] != 0.0 {
                xn = b[o + i] * decoupled[o + i];
            }
            s.d[o + i] = dn;
            s.x[o + i] = xn;
        }
    }
}
