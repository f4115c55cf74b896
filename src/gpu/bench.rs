//! Measurements for `organ-twin bench` and the criterion benches: the device's copy bandwidth
//! (the denominator of "percent of bandwidth") and the scalar-CSR SpMV that the block layout is
//! measured against. Timings are wall-clock over many kernels recorded into one submission, so
//! launch overhead is included as it is in the solver.

use std::sync::Arc;
use std::time::Instant;

use nalgebra_sparse::CsrMatrix;

use super::bsr::split_rows;
use super::kernels::copy::CopyParams;
use super::kernels::spmv_bsr::{SpmvBuffers, SpmvParams};
use super::kernels::{workgroups, Scalars};
use super::{Gpu, GpuError};

const STORAGE: wgpu::BufferUsages =
    wgpu::BufferUsages::STORAGE.union(wgpu::BufferUsages::COPY_DST).union(wgpu::BufferUsages::COPY_SRC);
const UNIFORM: wgpu::BufferUsages = wgpu::BufferUsages::UNIFORM.union(wgpu::BufferUsages::COPY_DST);
const READBACK: wgpu::BufferUsages = wgpu::BufferUsages::MAP_READ.union(wgpu::BufferUsages::COPY_DST);

struct CopyRig {
    _params: wgpu::Buffer,
    src: wgpu::Buffer,
    dst: wgpu::Buffer,
    bind_group: wgpu::BindGroup,
    grid: (u32, u32),
}

fn copy_rig(gpu: &Gpu, words: usize) -> Result<CopyRig, GpuError> {
    let bytes = 16 * words as u64;
    let params = gpu.buffer("copy params", 16, UNIFORM)?;
    let (src, dst) = (gpu.buffer("copy src", bytes, STORAGE)?, gpu.buffer("copy dst", bytes, STORAGE)?);
    let wg = workgroups(words);
    let p = CopyParams { count: words as u32, workgroups: wg, ..Default::default() };
    gpu.queue.write_buffer(&params, 0, bytemuck::bytes_of(&p));
    let bind_group = gpu.kernels.copy.bind(&gpu.device, &params, &src, &dst);
    Ok(CopyRig { _params: params, src, dst, bind_group, grid: gpu.grid(wg) })
}

fn record(gpu: &Gpu, label: &str, repetitions: usize, f: impl Fn(&mut wgpu::ComputePass<'_>)) -> wgpu::CommandEncoder {
    let mut encoder = gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(label) });
    {
        let mut pass =
            encoder.begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some(label), timestamp_writes: None });
        for _ in 0..repetitions {
            f(&mut pass);
        }
    }
    encoder
}

/// Copies `src` through the copy kernel and reads the result back (tests).
pub fn copy_roundtrip(gpu: &Arc<Gpu>, src: &[[f32; 4]]) -> Result<Vec<[f32; 4]>, GpuError> {
    let rig = copy_rig(gpu, src.len())?;
    gpu.queue.write_buffer(&rig.src, 0, bytemuck::cast_slice(src));
    let bytes = 16 * src.len() as u64;
    let staging = gpu.buffer("copy readback", bytes, READBACK)?;
    let mut encoder = record(gpu, "copy", 1, |pass| gpu.kernels.copy.record(pass, &rig.bind_group, rig.grid));
    encoder.copy_buffer_to_buffer(&rig.dst, 0, &staging, 0, bytes);
    Ok(bytemuck::pod_collect_to_vec(&gpu.submit_and_read(encoder, &staging, bytes, "copy")?))
}

/// Measured copy bandwidth (bytes read + written per second) over `bytes`-sized buffers, the
/// best of `trials` submissions of `repetitions` copies each.
pub fn copy_bandwidth(gpu: &Gpu, bytes: u64, repetitions: usize, trials: usize) -> Result<f64, GpuError> {
    let bytes = bytes.min(gpu.max_binding_bytes).min(gpu.max_buffer_bytes) / 16 * 16;
    let rig = copy_rig(gpu, (bytes / 16) as usize)?;
    let mut best = f64::INFINITY;
    for _ in 0..trials.max(1) + 1 {
        let encoder = record(gpu, "copy", repetitions, |pass| gpu.kernels.copy.record(pass, &rig.bind_group, rig.grid));
        let start = Instant::now();
        gpu.submit_and_wait(encoder, "copy bandwidth")?;
        best = best.min(start.elapsed().as_secs_f64());
    }
    Ok(2.0 * bytes as f64 * repetitions as f64 / best)
}

/// A scalar-CSR matrix on the GPU with its SpMV buffers (the layout comparison).
pub struct CsrSpmv {
    gpu: Arc<Gpu>,
    rows: usize,
    _buffers: Vec<wgpu::Buffer>,
    x: wgpu::Buffer,
    y: wgpu::Buffer,
    chunks: Vec<(wgpu::BindGroup, (u32, u32))>,
}

impl CsrSpmv {
    /// Uploads `a` rounded to f32, split into chunks that fit the binding limit.
    pub fn new(gpu: Arc<Gpu>, a: &CsrMatrix<f64>) -> Result<Self, GpuError> {
        let too_large = || GpuError::Shape(format!("{} nonzeros exceed 32-bit indices", a.nnz()));
        let row_ptr: Vec<u32> =
            a.row_offsets().iter().map(|&v| u32::try_from(v).map_err(|_| too_large())).collect::<Result<_, _>>()?;
        let cols: Vec<u32> = a.col_indices().iter().map(|&v| v as u32).collect();
        let vals: Vec<f32> = a.values().iter().map(|&v| v as f32).collect();
        let n = a.nrows() as u64;
        let rp = gpu.buffer("csr row_ptr", 4 * (n + 1), STORAGE)?;
        gpu.queue.write_buffer(&rp, 0, bytemuck::cast_slice(&row_ptr));
        let (x, y) = (gpu.buffer("csr x", 4 * n, STORAGE)?, gpu.buffer("csr y", 4 * n, STORAGE)?);
        let scalars = gpu.buffer("csr status", std::mem::size_of::<Scalars>() as u64, UNIFORM)?;
        gpu.queue.write_buffer(&scalars, 0, bytemuck::bytes_of(&Scalars::default()));
        let limit = gpu.max_binding_bytes.min(gpu.max_buffer_bytes);
        let chunk_list = split_rows(&row_ptr, 4, limit, "one row of the CSR matrix")?;
        let chunk_params = SpmvParams::for_chunks(&chunk_list);
        let total: u64 = chunk_params.iter().map(|p| p.workgroups as u64).sum();
        let partials = gpu.buffer("csr partials", 4 * total, STORAGE)?;
        let (mut buffers, mut chunks) = (Vec::new(), Vec::new());
        for (c, params) in chunk_list.iter().zip(chunk_params) {
            let entries = (c.entry_end - c.entry_begin) as u64;
            let (cb, vb) = (
                gpu.buffer("csr cols chunk", 4 * entries, STORAGE)?,
                gpu.buffer("csr vals chunk", 4 * entries, STORAGE)?,
            );
            gpu.queue.write_buffer(&cb, 0, bytemuck::cast_slice(&cols[c.entry_begin..c.entry_end]));
            gpu.queue.write_buffer(&vb, 0, bytemuck::cast_slice(&vals[c.entry_begin..c.entry_end]));
            let pb = gpu.buffer("csr params chunk", 32, UNIFORM)?;
            gpu.queue.write_buffer(&pb, 0, bytemuck::bytes_of(&params));
            let bind_group = gpu.kernels.spmv_csr.bind(
                &gpu.device,
                SpmvBuffers {
                    params: &pb,
                    cg: &scalars,
                    row_ptr: &rp,
                    cols: &cb,
                    vals: &vb,
                    rowsum: None,
                    x: &x,
                    y: &y,
                    partials: &partials,
                },
            );
            chunks.push((bind_group, gpu.grid(params.workgroups)));
            buffers.extend([cb, vb, pb]);
        }
        buffers.extend([rp, scalars, partials]);
        gpu.check("uploading the CSR matrix")?;
        Ok(CsrSpmv { gpu, rows: a.nrows(), _buffers: buffers, x, y, chunks })
    }

    fn encoder(&self, repetitions: usize) -> wgpu::CommandEncoder {
        record(&self.gpu, "spmv_csr", repetitions, |pass| {
            for (bg, grid) in &self.chunks {
                self.gpu.kernels.spmv_csr.record(pass, bg, *grid);
            }
        })
    }

    /// `y = A x` on the GPU.
    pub fn multiply(&self, x: &[f32]) -> Result<Vec<f32>, GpuError> {
        self.gpu.queue.write_buffer(&self.x, 0, bytemuck::cast_slice(x));
        let bytes = 4 * self.rows as u64;
        let staging = self.gpu.buffer("csr readback", bytes, READBACK)?;
        let mut encoder = self.encoder(1);
        encoder.copy_buffer_to_buffer(&self.y, 0, &staging, 0, bytes);
        Ok(bytemuck::pod_collect_to_vec(&self.gpu.submit_and_read(encoder, &staging, bytes, "CSR SpMV")?))
    }

    /// Seconds for `repetitions` products recorded into one submission.
    pub fn time(&self, repetitions: usize) -> Result<f64, GpuError> {
        let encoder = self.encoder(repetitions);
        let start = Instant::now();
        self.gpu.submit_and_wait(encoder, "CSR SpMV")?;
        Ok(start.elapsed().as_secs_f64())
    }
}
