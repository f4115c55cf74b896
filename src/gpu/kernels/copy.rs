//! Host module of `shaders/copy.wgsl`: `dst = src` in 16-byte words, the bandwidth reference of
//! `organ-twin bench`.

use super::{bind, dispatch, pipeline};

/// WGSL source.
pub const SOURCE: &str = include_str!("../../../shaders/copy.wgsl");

/// Mirrors WGSL `CopyParams`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct CopyParams {
    /// `vec4<f32>` words to copy.
    pub count: u32,
    /// Workgroups of the dispatch.
    pub workgroups: u32,
    /// Padding.
    pub _pad0: u32,
    /// Padding.
    pub _pad1: u32,
}

/// The compiled kernel.
#[derive(Debug)]
pub struct Copy {
    pipeline: wgpu::ComputePipeline,
}

impl Copy {
    /// Compiles the kernel.
    pub fn new(device: &wgpu::Device) -> Self {
        Copy { pipeline: pipeline(device, "copy", super::Precision::F32.source(SOURCE), "main") }
    }

    /// Bind group: params, source, destination.
    pub fn bind(
        &self,
        device: &wgpu::Device,
        params: &wgpu::Buffer,
        src: &wgpu::Buffer,
        dst: &wgpu::Buffer,
    ) -> wgpu::BindGroup {
        bind(device, &self.pipeline, "copy", &[params, src, dst])
    }

    /// Encodes the copy over `grid`.
    pub fn record(&self, pass: &mut wgpu::ComputePass<'_>, bind_group: &wgpu::BindGroup, grid: (u32, u32)) {
        dispatch(pass, &self.pipeline, bind_group, grid);
    }
}

/// CPU twin.
pub fn reference(params: &CopyParams, src: &[[f32; 4]], dst: &mut [[f32; 4]]) {
    let n = params.count as usize;
    dst[..n].copy_from_slice(&src[..n]);
}
