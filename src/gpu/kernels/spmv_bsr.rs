//! Host module of `shaders/spmv_bsr.wgsl`: `y = A x` in 3 × 3 block CSR, fused with the
//! per-workgroup partial sums of `x·y`.
//!
//! Why blocks: an elasticity stiffness couples the three displacement components of every pair
//! of neighbouring nodes, so its nonzeros come in dense 3 × 3 blocks. BSR stores one column index
//! per block: 40 B per 9 nonzeros (4.4 B/nonzero) against 72 B in scalar CSR (8 B/nonzero), and
//! SpMV is bound by those bytes. `organ-twin bench` measures both layouts on the device it runs
//! on (the CSR kernel is kept for that comparison); the CG uses BSR.
//!
//! The product is evaluated in difference form, `y_i = Σ_j K_ij (x_j − x_i) + S_i x_i` with the
//! block row sums `S_i` (see the shader header): it costs 36 B per node more and keeps f32
//! accurate on the smooth vectors of ill-conditioned structures.

use crate::gpu::bsr::Chunk;

use super::{bind, dispatch, pipeline, workgroup_sums, Precision, Scalars};

/// WGSL source.
pub const SOURCE: &str = include_str!("../../../shaders/spmv_bsr.wgsl");

/// Mirrors WGSL `SpmvParams`: one chunk of rows (block rows here, scalar rows for CSR).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct SpmvParams {
    /// First row of the chunk.
    pub row_begin: u32,
    /// One past the last row.
    pub row_end: u32,
    /// Global index of the chunk's first block (entry for CSR) in `row_ptr`'s numbering.
    pub block_base: u32,
    /// First partial-sum slot of the chunk's workgroups.
    pub partial_base: u32,
    /// Workgroups of the chunk.
    pub workgroups: u32,
    /// Padding.
    pub _pad0: u32,
    /// Padding.
    pub _pad1: u32,
    /// Padding.
    pub _pad2: u32,
}

impl SpmvParams {
    /// The params of each chunk, their workgroups' partial-sum slots laid end to end.
    pub fn for_chunks(chunks: &[Chunk]) -> Vec<SpmvParams> {
        let mut partial_base = 0;
        chunks
            .iter()
            .map(|c| {
                let params = SpmvParams {
                    row_begin: c.row_begin as u32,
                    row_end: c.row_end as u32,
                    block_base: c.entry_begin as u32,
                    partial_base,
                    workgroups: super::workgroups(c.row_end - c.row_begin),
                    ..Default::default()
                };
                partial_base += params.workgroups;
                params
            })
            .collect()
    }
}

/// The buffers one chunk binds, in binding order.
#[derive(Debug, Clone, Copy)]
pub struct SpmvBuffers<'a> {
    /// Uniform `SpmvParams`.
    pub params: &'a wgpu::Buffer,
    /// Uniform `Scalars` (the kernel does nothing while `status != 0`).
    pub cg: &'a wgpu::Buffer,
    /// Global row offsets.
    pub row_ptr: &'a wgpu::Buffer,
    /// The chunk's column indices.
    pub cols: &'a wgpu::Buffer,
    /// The chunk's values.
    pub vals: &'a wgpu::Buffer,
    /// Block row sums `S_i = Σ_j K_ij` (BSR only; CSR binds none).
    pub rowsum: Option<&'a wgpu::Buffer>,
    /// Input vector.
    pub x: &'a wgpu::Buffer,
    /// Output vector.
    pub y: &'a wgpu::Buffer,
    /// Partial sums of `x·y`.
    pub partials: &'a wgpu::Buffer,
}

impl SpmvBuffers<'_> {
    fn list(&self) -> Vec<&wgpu::Buffer> {
        let mut list = vec![self.params, self.cg, self.row_ptr, self.cols, self.vals];
        list.extend(self.rowsum);
        list.extend([self.x, self.y, self.partials]);
        list
    }
}

/// Host copies of one chunk's matrix arrays, for the CPU twins.
#[derive(Debug, Clone, Copy)]
pub struct MatrixChunk<'a> {
    /// Global row offsets.
    pub row_ptr: &'a [u32],
    /// The chunk's column indices.
    pub cols: &'a [u32],
    /// The chunk's values.
    pub vals: &'a [f32],
    /// Block row sums, 9 per block row (all rows; BSR only).
    pub rowsum: &'a [f32],
}

/// The compiled kernel.
#[derive(Debug)]
pub struct SpmvBsr {
    pipeline: wgpu::ComputePipeline,
}

impl SpmvBsr {
    /// Compiles the kernel.
    pub fn new(device: &wgpu::Device, precision: Precision) -> Self {
        SpmvBsr { pipeline: pipeline(device, "spmv_bsr", precision.source(SOURCE), "main") }
    }

    /// Bind group for one chunk.
    pub fn bind(&self, device: &wgpu::Device, buffers: SpmvBuffers<'_>) -> wgpu::BindGroup {
        bind(device, &self.pipeline, "spmv_bsr chunk", &buffers.list())
    }

    /// Encodes the product of one chunk over `grid`.
    pub fn record(&self, pass: &mut wgpu::ComputePass<'_>, bind_group: &wgpu::BindGroup, grid: (u32, u32)) {
        dispatch(pass, &self.pipeline, bind_group, grid);
    }
}

pub(crate) fn bind_csr(
    device: &wgpu::Device,
    pipeline: &wgpu::ComputePipeline,
    buffers: SpmvBuffers<'_>,
) -> wgpu::BindGroup {
    bind(device, pipeline, "spmv_csr chunk", &buffers.list())
}

/// CPU twin: the rows of one chunk, the kernel's arithmetic order, f32. Writes the chunk's rows
/// of `y` and its workgroups' slots of `partials`.
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
    let MatrixChunk { row_ptr, cols, vals, rowsum } = matrix;
    let block = |v: &[f32], x: [f32; 3], i: usize| v[3 * i] * x[0] + v[3 * i + 1] * x[1] + v[3 * i + 2] * x[2];
    let sums = workgroup_sums(params.workgroups, |i| {
        let row = params.row_begin as usize + i;
        if row >= params.row_end as usize {
            return [0.0];
        }
        let xi = [x[3 * row], x[3 * row + 1], x[3 * row + 2]];
        let mut acc = [0.0f32; 3];
        for k in row_ptr[row]..row_ptr[row + 1] {
            let local = (k - params.block_base) as usize;
            let c = 3 * cols[local] as usize;
            let xc = [x[c] - xi[0], x[c + 1] - xi[1], x[c + 2] - xi[2]];
            for (i, a) in acc.iter_mut().enumerate() {
                *a += block(&vals[9 * local..9 * local + 9], xc, i);
            }
        }
        for (i, a) in acc.iter_mut().enumerate() {
            *a += block(&rowsum[9 * row..9 * row + 9], xi, i);
        }
        y[3 * row..3 * row + 3].copy_from_slice(&acc);
        [acc[0] * xi[0] + acc[1] * xi[1] + acc[2] * xi[2]]
    });
    for (wg, s) in sums.iter().enumerate() {
        partials[params.partial_base as usize + wg] = s[0];
    }
}
