//! Host module of `shaders/amg_csr.wgsl`: the scalar-CSR products of the AMG V-cycle below the
//! finest level — a level's matrix (`y = A x`), the restriction of a residual
//! (`y = R (x − w)`, `R = Pᵀ` stored) and the prolongation of a correction (`y += P x`).

use super::{bind, dispatch, pipeline, Precision, Scalars};

/// WGSL source.
pub const SOURCE: &str = include_str!("../../../shaders/amg_csr.wgsl");

/// `CsrParams::mode`: `y = A x`.
pub const PRODUCT: u32 = 0;
/// `CsrParams::mode`: `y = A (x − w)`.
pub const RESTRICT: u32 = 1;
/// `CsrParams::mode`: `y = y + A x`.
pub const PROLONG: u32 = 2;

/// Mirrors WGSL `CsrParams`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct CsrParams {
    /// Rows of the matrix.
    pub rows: u32,
    /// Workgroups of the dispatch.
    pub workgroups: u32,
    /// [`PRODUCT`], [`RESTRICT`] or [`PROLONG`].
    pub mode: u32,
    /// Padding.
    pub _pad0: u32,
}

impl CsrParams {
    /// Params for a matrix of `rows` rows in `mode`.
    pub fn new(rows: usize, mode: u32) -> Self {
        let rows = u32::try_from(rows).expect("sizes are checked against the binding limits first");
        CsrParams { rows, workgroups: rows.div_ceil(super::WORKGROUP), mode, _pad0: 0 }
    }
}

/// The buffers the kernel binds, in binding order.
#[derive(Debug, Clone, Copy)]
pub struct CsrBuffers<'a> {
    /// Uniform `CsrParams`.
    pub params: &'a wgpu::Buffer,
    /// Uniform `Scalars`.
    pub cg: &'a wgpu::Buffer,
    /// Row offsets.
    pub row_ptr: &'a wgpu::Buffer,
    /// Column indices.
    pub cols: &'a wgpu::Buffer,
    /// Values.
    pub vals: &'a wgpu::Buffer,
    /// Input vector.
    pub x: &'a wgpu::Buffer,
    /// Subtracted from `x` in [`RESTRICT`] mode (bind `x` again otherwise).
    pub w: &'a wgpu::Buffer,
    /// Output vector.
    pub y: &'a wgpu::Buffer,
}

/// Host copy of a CSR matrix as the kernel reads it.
#[derive(Debug, Clone, Copy)]
pub struct CsrArrays<'a> {
    /// Row offsets.
    pub row_ptr: &'a [u32],
    /// Column indices.
    pub cols: &'a [u32],
    /// Values.
    pub vals: &'a [f32],
}

/// The compiled kernel.
#[derive(Debug)]
pub struct AmgCsr {
    pipeline: wgpu::ComputePipeline,
}

impl AmgCsr {
    /// Compiles the kernel.
    pub fn new(device: &wgpu::Device) -> Self {
        AmgCsr { pipeline: pipeline(device, "amg_csr", Precision::F32.source(SOURCE), "main") }
    }

    /// Bind group.
    pub fn bind(&self, device: &wgpu::Device, b: CsrBuffers<'_>) -> wgpu::BindGroup {
        bind(device, &self.pipeline, "amg_csr", &[b.params, b.cg, b.row_ptr, b.cols, b.vals, b.x, b.w, b.y])
    }

    /// Encodes the product over `grid`.
    pub fn record(&self, pass: &mut wgpu::ComputePass<'_>, bind_group: &wgpu::BindGroup, grid: (u32, u32)) {
        dispatch(pass, &self.pipeline, bind_group, grid);
    }
}

/// CPU twin, f32 in the kernel's order (`w` is read in [`RESTRICT`] mode only).
pub fn reference(params: &CsrParams, cg: &Scalars, m: CsrArrays<'_>, x: &[f32], w: &[f32], y: &mut [f32]) {
    if cg.status != 0 {
        return;
    }
    for (row, y) in y.iter_mut().enumerate().take(params.rows as usize) {
        let mut acc = 0.0f32;
        for k in m.row_ptr[row] as usize..m.row_ptr[row + 1] as usize {
            let c = m.cols[k] as usize;
            let v = if params.mode == RESTRICT { x[c] - w[c] } else { x[c] };
            acc += m.vals[k] * v;
        }
        *y = if params.mode == PROLONG { *y + acc } else { acc };
    }
}
