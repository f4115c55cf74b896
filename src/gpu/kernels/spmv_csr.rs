//! Host module of `shaders/spmv_csr.wgsl`: `y = A x` in scalar CSR, fused with the
//! per-workgroup partial sums of `x·y`. Kept as the measured alternative to
//! [`super::spmv_bsr`] (see there for why the CG uses blocks).

use super::spmv_bsr::{MatrixChunk, SpmvBuffers, SpmvParams};
use super::{dispatch, pipeline, workgroup_sums, Scalars};

/// WGSL source.
pub const SOURCE: &str = include_str!("../../../shaders/spmv_csr.wgsl");

/// The compiled kernel.
#[derive(Debug)]
pub struct SpmvCsr {
    pipeline: wgpu::ComputePipeline,
}

impl SpmvCsr {
    /// Compiles the kernel.
    pub fn new(device: &wgpu::Device) -> Self {
        SpmvCsr { pipeline: pipeline(device, "spmv_csr", super::Precision::F32.source(SOURCE), "main") }
    }

    /// Bind group for one chunk (`block_base` of the params counts entries).
    pub fn bind(&self, device: &wgpu::Device, buffers: SpmvBuffers<'_>) -> wgpu::BindGroup {
        super::spmv_bsr::bind_csr(device, &self.pipeline, buffers)
    }

    /// Encodes the product of one chunk over `grid`.
    pub fn record(&self, pass: &mut wgpu::ComputePass<'_>, bind_group: &wgpu::BindGroup, grid: (u32, u32)) {
        dispatch(pass, &self.pipeline, bind_group, grid);
    }
}

/// CPU twin: the rows of one chunk, the kernel's arithmetic order, f32.
pub fn reference(
    params: &SpmvParams,
    cg: &Scalars,
    matrix: MatrixChunk<'_>,
    x: &[f32],
    y: &mut [f32],
    partials: &mut [f32],
) {
    if cg.status != 0 {
        return;
    }
    let MatrixChunk { row_ptr, cols, vals, .. } = matrix;
    let sums = workgroup_sums(params.workgroups, |i| {
        let row = params.row_begin as usize + i;
        if row >= params.row_end as usize {
            return [0.0];
        }
        let mut acc = 0.0f32;
        for k in row_ptr[row]..row_ptr[row + 1] {
            let local = (k - params.block_base) as usize;
            acc += vals[local] * x[cols[local] as usize];
        }
        y[row] = acc;
        [acc * x[row]]
    });
    for (wg, s) in sums.iter().enumerate() {
        partials[params.partial_base as usize + wg] = s[0];
    }
}
