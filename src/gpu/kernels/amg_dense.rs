//! Host module of `shaders/amg_dense.wgsl`: `y = C x` for a dense row-major matrix, the
//! coarsest solve of the AMG V-cycle (`C = A_c⁻¹`, one workgroup per row).

use super::{bind, dispatch, pipeline, tree_sum, Precision, Scalars, WORKGROUP};

/// WGSL source.
pub const SOURCE: &str = include_str!("../../../shaders/amg_dense.wgsl");

/// Mirrors WGSL `DenseParams`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct DenseParams {
    /// Rows.
    pub rows: u32,
    /// Columns.
    pub columns: u32,
    /// Workgroups of the dispatch (one per row).
    pub workgroups: u32,
    /// Padding.
    pub _pad0: u32,
}

/// The compiled kernel.
#[derive(Debug)]
pub struct AmgDense {
    pipeline: wgpu::ComputePipeline,
}

impl AmgDense {
    /// Compiles the kernel.
    pub fn new(device: &wgpu::Device) -> Self {
        AmgDense { pipeline: pipeline(device, "amg_dense", Precision::F32.source(SOURCE), "main") }
    }

    /// Bind group: params, CG state, matrix, input, output.
    pub fn bind(&self, device: &wgpu::Device, buffers: [&wgpu::Buffer; 5]) -> wgpu::BindGroup {
        bind(device, &self.pipeline, "amg_dense", &buffers)
    }

    /// Encodes the product over `grid`.
    pub fn record(&self, pass: &mut wgpu::ComputePass<'_>, bind_group: &wgpu::BindGroup, grid: (u32, u32)) {
        dispatch(pass, &self.pipeline, bind_group, grid);
    }
}

/// CPU twin, f32 in the kernel's order: strided sums per invocation, then the workgroup tree.
pub fn reference(params: &DenseParams, cg: &Scalars, matrix: &[f32], x: &[f32], y: &mut [f32]) {
    if cg.status != 0 {
        return;
    }
    let (n, wg) = (params.columns as usize, WORKGROUP as usize);
    for (row, y) in y.iter_mut().enumerate().take(params.rows as usize) {
        let slots = (0..wg)
            .map(|lid| {
                let mut acc = 0.0f32;
                for j in (lid..n).step_by(wg) {
                    acc += matrix[row * n + j] * x[j];
                }
                [acc]
            })
            .collect();
        *y = tree_sum(slots)[0];
    }
}
