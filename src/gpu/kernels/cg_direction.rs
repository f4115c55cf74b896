//! Host module of `shaders/cg_direction.wgsl`: `p = M⁻¹r + βp`, one invocation per node.

use super::cg_update::{block_apply, VecParams};
use super::{bind, dispatch, pipeline, Precision, Scalars};

/// WGSL source.
pub const SOURCE: &str = include_str!("../../../shaders/cg_direction.wgsl");

/// The buffers the kernel binds, in binding order.
#[derive(Debug, Clone, Copy)]
pub struct DirectionBuffers<'a> {
    /// Uniform `VecParams`.
    pub params: &'a wgpu::Buffer,
    /// Uniform `Scalars`.
    pub cg: &'a wgpu::Buffer,
    /// Residual.
    pub r: &'a wgpu::Buffer,
    /// Inverse 3 × 3 diagonal blocks.
    pub minv: &'a wgpu::Buffer,
    /// Direction (updated in place).
    pub p: &'a wgpu::Buffer,
}

/// The compiled kernel.
#[derive(Debug)]
pub struct CgDirection {
    pipeline: wgpu::ComputePipeline,
}

impl CgDirection {
    /// Compiles the kernel.
    pub fn new(device: &wgpu::Device, precision: Precision) -> Self {
        CgDirection { pipeline: pipeline(device, "cg_direction", precision.source(SOURCE), "main") }
    }

    /// Bind group.
    pub fn bind(&self, device: &wgpu::Device, b: DirectionBuffers<'_>) -> wgpu::BindGroup {
        bind(device, &self.pipeline, "cg_direction", &[b.params, b.cg, b.r, b.minv, b.p])
    }

    /// Encodes the update over `grid`.
    pub fn record(&self, pass: &mut wgpu::ComputePass<'_>, bind_group: &wgpu::BindGroup, grid: (u32, u32)) {
        dispatch(pass, &self.pipeline, bind_group, grid);
    }
}

/// CPU twin, f32 in the kernel's order.
pub fn reference(params: &VecParams, cg: &Scalars, r: &[f32], minv: &[f32], p: &mut [f32]) {
    if cg.status != 0 {
        return;
    }
    for node in 0..params.nodes as usize {
        let o = 3 * node;
        let z = block_apply(&minv[9 * node..9 * node + 9], [r[o], r[o + 1], r[o + 2]]);
        for i in 0..3 {
            p[o + i] = z[i] + cg.beta * p[o + i];
        }
    }
}
