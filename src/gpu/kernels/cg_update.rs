//! Host module of `shaders/cg_update.wgsl`: `x += αp`, `r −= αq`, `z = M⁻¹r` and the
//! per-workgroup partial sums of `(r·z, r·r)`, one invocation per node.

use super::{bind, dispatch, pipeline, workgroup_sums, Precision, Scalars};

/// WGSL source.
pub const SOURCE: &str = include_str!("../../../shaders/cg_update.wgsl");

/// Mirrors WGSL `VecParams` (shared with `cg_direction.wgsl`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct VecParams {
    /// Nodes (vector length / 3).
    pub nodes: u32,
    /// Workgroups of the dispatch.
    pub workgroups: u32,
    /// Padding.
    pub _pad0: u32,
    /// Padding.
    pub _pad1: u32,
}

impl VecParams {
    /// Params for vectors of `nodes` nodes.
    pub fn new(nodes: usize) -> Self {
        let nodes_u32 = u32::try_from(nodes).expect("sizes are checked against the binding limits first");
        VecParams { nodes: nodes_u32, workgroups: super::workgroups(nodes), ..Default::default() }
    }
}

/// The buffers the kernel binds, in binding order.
#[derive(Debug, Clone, Copy)]
pub struct UpdateBuffers<'a> {
    /// Uniform `VecParams`.
    pub params: &'a wgpu::Buffer,
    /// Uniform `Scalars`.
    pub cg: &'a wgpu::Buffer,
    /// Solution.
    pub x: &'a wgpu::Buffer,
    /// Residual.
    pub r: &'a wgpu::Buffer,
    /// Direction.
    pub p: &'a wgpu::Buffer,
    /// `A p`.
    pub q: &'a wgpu::Buffer,
    /// Inverse 3 × 3 diagonal blocks.
    pub minv: &'a wgpu::Buffer,
    /// `(r·z, r·r)` pairs.
    pub partials: &'a wgpu::Buffer,
}

/// The compiled kernel.
#[derive(Debug)]
pub struct CgUpdate {
    pipeline: wgpu::ComputePipeline,
}

impl CgUpdate {
    /// Compiles the kernel.
    pub fn new(device: &wgpu::Device, precision: Precision) -> Self {
        CgUpdate { pipeline: pipeline(device, "cg_update", precision.source(SOURCE), "main") }
    }

    /// Bind group.
    pub fn bind(&self, device: &wgpu::Device, b: UpdateBuffers<'_>) -> wgpu::BindGroup {
        bind(device, &self.pipeline, "cg_update", &[b.params, b.cg, b.x, b.r, b.p, b.q, b.minv, b.partials])
    }

    /// Encodes the update over `grid`.
    pub fn record(&self, pass: &mut wgpu::ComputePass<'_>, bind_group: &wgpu::BindGroup, grid: (u32, u32)) {
        dispatch(pass, &self.pipeline, bind_group, grid);
    }
}

/// `z = M⁻¹ r` for one node, in the kernel's order.
pub fn block_apply(minv: &[f32], r: [f32; 3]) -> [f32; 3] {
    std::array::from_fn(|i| minv[3 * i] * r[0] + minv[3 * i + 1] * r[1] + minv[3 * i + 2] * r[2])
}

/// CPU twin, f32 in the kernel's order; fills `partials[2 wg], partials[2 wg + 1]`.
pub fn reference(
    params: &VecParams,
    cg: &Scalars,
    x: &mut [f32],
    r: &mut [f32],
    pq: (&[f32], &[f32]),
    minv: &[f32],
    partials: &mut [f32],
) {
    if cg.status != 0 {
        return;
    }
    let (p, q) = pq;
    let sums = workgroup_sums(params.workgroups, |node| {
        if node >= params.nodes as usize {
            return [0.0, 0.0];
        }
        let o = 3 * node;
        for i in o..o + 3 {
            x[i] += cg.alpha * p[i];
            r[i] -= cg.alpha * q[i];
        }
        let rv = [r[o], r[o + 1], r[o + 2]];
        let z = block_apply(&minv[9 * node..9 * node + 9], rv);
        [rv[0] * z[0] + rv[1] * z[1] + rv[2] * z[2], rv[0] * rv[0] + rv[1] * rv[1] + rv[2] * rv[2]]
    });
    for (wg, s) in sums.iter().enumerate() {
        partials[2 * wg..2 * wg + 2].copy_from_slice(s);
    }
}
