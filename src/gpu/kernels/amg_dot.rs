//! Host module of `shaders/amg_dot.wgsl`: the partial sums `(r·z, r·r)` of AMG-preconditioned
//! CG, in the layout of `cg_update.wgsl`'s, for `cg_reduce.wgsl`.

use super::cg_update::VecParams;
use super::{bind, dispatch, pipeline, workgroup_sums, Precision, Scalars};

/// WGSL source.
pub const SOURCE: &str = include_str!("../../../shaders/amg_dot.wgsl");

/// The compiled kernel.
#[derive(Debug)]
pub struct AmgDot {
    pipeline: wgpu::ComputePipeline,
}

impl AmgDot {
    /// Compiles the kernel.
    pub fn new(device: &wgpu::Device) -> Self {
        AmgDot { pipeline: pipeline(device, "amg_dot", Precision::F32.source(SOURCE), "main") }
    }

    /// Bind group: params, CG state, `r`, `z`, partials.
    pub fn bind(&self, device: &wgpu::Device, buffers: [&wgpu::Buffer; 5]) -> wgpu::BindGroup {
        bind(device, &self.pipeline, "amg_dot", &buffers)
    }

    /// Encodes the sums over `grid`.
    pub fn record(&self, pass: &mut wgpu::ComputePass<'_>, bind_group: &wgpu::BindGroup, grid: (u32, u32)) {
        dispatch(pass, &self.pipeline, bind_group, grid);
    }
}

/// CPU twin, f32 in the kernel's order; fills `partials[2 wg], partials[2 wg + 1]`.
pub fn reference(params: &VecParams, cg: &Scalars, r: &[f32], z: &[f32], partials: &mut [f32]) {
    if cg.status != 0 {
        return;
    }
    let sums = workgroup_sums(params.workgroups, |node| {
        if node >= params.nodes as usize {
            return [0.0, 0.0];
        }
        let o = 3 * node;
        let (rv, zv) = ([r[o], r[o + 1], r[o + 2]], [z[o], z[o + 1], z[o + 2]]);
        [rv[0] * zv[0] + rv[1] * zv[1] + rv[2] * zv[2], rv[0] * rv[0] + rv[1] * rv[1] + rv[2] * rv[2]]
    });
    for (wg, s) in sums.iter().enumerate() {
        partials[2 * wg..2 * wg + 2].copy_from_slice(s);
    }
}
