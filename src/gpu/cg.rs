//! [`GpuPcg`]: preconditioned conjugate gradients on the GPU in f32 (or f64 where the device
//! has `SHADER_F64`), for one sparsity pattern.
//!
//! All buffers and bind groups are created once in [`GpuPcg::new`]; [`GpuPcg::set_matrix`] only
//! uploads values, so a Newton loop on one mesh reuses them for every solve. One iteration is
//! five kernels (the SpMV in as many dispatches as the matrix has chunks):
//!
//! ```text
//! spmv_bsr          q = A p, partials of pᵀq
//! cg_reduce alpha   α = rz / pᵀq
//! cg_update         x += α p, r −= α q, partials of r·M⁻¹r and r·r
//! cg_reduce beta    β = rz' / rz, stop test
//! cg_direction      p = M⁻¹ r + β p
//! ```
//!
//! A [`GpuPcg::run`] records a batch of iterations into one submission and reads the CG state
//! back once, at its end; the kernels stop changing anything as soon as the state leaves
//! `RUNNING`, so a batch that overshoots the stop is harmless.
//!
//! With an AMG V-cycle set ([`GpuPcg::set_vcycle`], see [`super::amg`]) the preconditioner is
//! the V-cycle instead of the block-Jacobi blocks: `cg_update` is followed by the V-cycle
//! `z = M r` and `amg_dot` (the `(r·z, r·r)` partials), and `cg_direction` reads `z`.
//!
//! The matrix is uploaded scaled by `1 / mean(diag)` (the [`GpuPcg::scale`]), which keeps every
//! f32 quantity near 1 whatever the units; callers scale the solution back.

use std::sync::Arc;

use nalgebra_sparse::pattern::SparsityPattern;
use nalgebra_sparse::CsrMatrix;

use super::amg::{EngineBuffers, GpuAmg, Vcycle};
use super::bsr::{Bsr3, Chunk};
use super::kernels::cg_direction::DirectionBuffers;
use super::kernels::cg_reduce::{ReduceBindGroups, ReduceParams, Step, BREAKDOWN, REDUCED, RUNNING};
use super::kernels::cg_update::{UpdateBuffers, VecParams};
use super::kernels::spmv_bsr::{SpmvBuffers, SpmvParams};
use super::kernels::{workgroups, CgKernels, Precision, Scalars};
use super::{Gpu, GpuError};

/// Most iterations one batch may record (the length of the residual history ring).
pub const HISTORY_CAPACITY: usize = 1024;

const SCALARS_BYTES: u64 = std::mem::size_of::<Scalars>() as u64;

/// Where the CG state stands after a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CgStatus {
    /// Still iterating.
    Running,
    /// The recurrence residual fell below the stop threshold.
    Reduced,
    /// `pᵀAp ≤ 0` or a non-finite value.
    Breakdown,
}

/// The CG state read back after a batch.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchState {
    /// Status.
    pub status: CgStatus,
    /// Iterations since the engine was created.
    pub iteration: usize,
    /// Last `r·r` (scaled units).
    pub rr: f32,
    /// Last `pᵀAp`.
    pub pq: f32,
    /// `r·r` after each iteration of this batch.
    pub history: Vec<f32>,
}

/// The vectors of the iteration, for uploads and downloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vector {
    /// Solution (correction) `x`.
    X,
    /// Residual `r`.
    R,
    /// Direction `p`.
    P,
    /// `q = A p`.
    Q,
}

/// One chunk of the matrix on the GPU.
#[derive(Debug)]
struct ChunkBuffers {
    chunk: Chunk,
    params: SpmvParams,
    _params: wgpu::Buffer,
    _cols: wgpu::Buffer,
    vals: wgpu::Buffer,
    bind_group: wgpu::BindGroup,
    grid: (u32, u32),
}

/// The vectors and state of one CG.
#[derive(Debug)]
struct Vectors {
    x: wgpu::Buffer,
    r: wgpu::Buffer,
    p: wgpu::Buffer,
    q: wgpu::Buffer,
    minv: wgpu::Buffer,
    partials: wgpu::Buffer,
    scalars: wgpu::Buffer,
    history: wgpu::Buffer,
    staging: wgpu::Buffer,
    /// Mappable copy target for vector and partial-sum readbacks.
    readback: wgpu::Buffer,
}

/// Work recorded at the start of the next batch.
#[derive(Debug, Default, Clone, Copy)]
struct Pending {
    clear_x: bool,
    clear_p: bool,
    restart: bool,
}

/// PCG on the GPU for one sparsity pattern, in one precision.
#[derive(Debug)]
pub struct GpuPcg {
    gpu: Arc<Gpu>,
    precision: Precision,
    pattern: SparsityPattern,
    bsr: Bsr3,
    scale: f64,
    nodes: usize,
    _row_ptr: wgpu::Buffer,
    rowsum: wgpu::Buffer,
    _uniforms: [wgpu::Buffer; 2],
    chunks: Vec<ChunkBuffers>,
    v: Vectors,
    update: wgpu::BindGroup,
    direction: wgpu::BindGroup,
    reduce: ReduceBindGroups,
    vec_grid: (u32, u32),
    state: Scalars,
    pending: Pending,
    /// The AMG V-cycle replacing the block-Jacobi preconditioner, when set.
    amg: Option<GpuAmg>,
    /// A caller's tag for the matrix and V-cycle values now on the device (see
    /// [`GpuPcg::mark_loaded`]); cleared by every upload.
    loaded: Option<u64>,
}

const STORAGE: wgpu::BufferUsages = wgpu::BufferUsages::STORAGE.union(wgpu::BufferUsages::COPY_DST);
const VECTOR: wgpu::BufferUsages = STORAGE.union(wgpu::BufferUsages::COPY_SRC);
const UNIFORM: wgpu::BufferUsages = wgpu::BufferUsages::UNIFORM.union(wgpu::BufferUsages::COPY_DST);

impl GpuPcg {
    /// Creates every buffer and bind group for the pattern of `a` (values are not uploaded).
    pub fn new(gpu: Arc<Gpu>, a: &CsrMatrix<f64>, precision: Precision) -> Result<Self, GpuError> {
        let kernels = gpu.kernels.cg(precision).ok_or_else(|| {
            GpuError::Shape(format!("{} has no SHADER_F64 support for the f64 kernels", gpu.describe()))
        })?;
        let bsr = Bsr3::from_pattern(a)?;
        let nodes = bsr.block_rows;
        let limit = gpu.max_binding_bytes;
        let real = precision.bytes();
        for (what, bytes) in [
            ("a solution vector", 3 * real * nodes as u64),
            ("the block-Jacobi blocks", 9 * real * nodes as u64),
            ("the row offsets", 4 * (nodes as u64 + 1)),
        ] {
            if bytes > limit {
                return Err(GpuError::TooLarge {
                    what: what.into(),
                    needed_mib: bytes as f64 / 1048576.0,
                    limit_mib: limit as f64 / 1048576.0,
                });
            }
        }
        let row_ptr = gpu.buffer("bsr row_ptr", 4 * (nodes as u64 + 1), STORAGE)?;
        gpu.queue.write_buffer(&row_ptr, 0, bytemuck::cast_slice(&bsr.row_ptr));
        let chunk_list = bsr.chunks(real, gpu.max_binding_bytes.min(gpu.max_buffer_bytes))?;
        let spmv_partials: u32 = SpmvParams::for_chunks(&chunk_list).iter().map(|p| p.workgroups).sum();
        let v = Vectors::new(&gpu, nodes, spmv_partials, real)?;
        let (vec_params, reduce_params) =
            (gpu.buffer("vec params", 16, UNIFORM)?, gpu.buffer("reduce params", 16, UNIFORM)?);
        let rowsum = gpu.buffer("bsr row sums", 9 * real * nodes as u64, STORAGE)?;
        let chunks = Self::upload_chunks(&gpu, (kernels, real), chunk_list, [&row_ptr, &rowsum], &v)?;
        for c in &chunks {
            gpu.queue.write_buffer(
                &c._cols,
                0,
                bytemuck::cast_slice(&bsr.cols[c.chunk.entry_begin..c.chunk.entry_end]),
            );
        }
        gpu.queue.write_buffer(&vec_params, 0, bytemuck::bytes_of(&VecParams::new(nodes)));
        let reduce = ReduceParams { spmv_partials, vec_partials: workgroups(nodes), ..Default::default() };
        gpu.queue.write_buffer(&reduce_params, 0, bytemuck::bytes_of(&reduce));
        let k = kernels;
        let update = k.cg_update.bind(
            &gpu.device,
            UpdateBuffers {
                params: &vec_params,
                cg: &v.scalars,
                x: &v.x,
                r: &v.r,
                p: &v.p,
                q: &v.q,
                minv: &v.minv,
                partials: &v.partials,
            },
        );
        let direction = k.cg_direction.bind(
            &gpu.device,
            DirectionBuffers { params: &vec_params, cg: &v.scalars, r: &v.r, minv: &v.minv, p: &v.p },
        );
        let reduce = k.cg_reduce.bind(&gpu.device, [&reduce_params, &v.scalars, &v.partials, &v.history]);
        let state = Scalars { history_capacity: HISTORY_CAPACITY as u32, ..Default::default() };
        gpu.queue.write_buffer(&v.scalars, 0, bytemuck::bytes_of(&state));
        gpu.check("creating the GPU solver's buffers")?;
        Ok(GpuPcg {
            precision,
            vec_grid: gpu.grid(workgroups(nodes)),
            pattern: a.pattern().clone(),
            bsr,
            scale: 1.0,
            nodes,
            _row_ptr: row_ptr,
            rowsum,
            _uniforms: [vec_params, reduce_params],
            chunks,
            v,
            update,
            direction,
            reduce,
            state,
            pending: Pending::default(),
            amg: None,
            loaded: None,
            gpu,
        })
    }

    fn upload_chunks(
        gpu: &Gpu,
        (kernels, real): (&CgKernels, u64),
        chunks: Vec<Chunk>,
        [row_ptr, rowsum]: [&wgpu::Buffer; 2],
        v: &Vectors,
    ) -> Result<Vec<ChunkBuffers>, GpuError> {
        let mut out = Vec::new();
        for (chunk, params) in chunks.iter().copied().zip(SpmvParams::for_chunks(&chunks)) {
            let blocks = (chunk.entry_end - chunk.entry_begin) as u64;
            let cols = gpu.buffer("bsr cols chunk", 4 * blocks, STORAGE)?;
            let vals = gpu.buffer("bsr vals chunk", 9 * real * blocks, STORAGE)?;
            let params_buffer = gpu.buffer("spmv params chunk", 32, UNIFORM)?;
            gpu.queue.write_buffer(&params_buffer, 0, bytemuck::bytes_of(&params));
            let bind_group = kernels.spmv_bsr.bind(
                &gpu.device,
                SpmvBuffers {
                    params: &params_buffer,
                    cg: &v.scalars,
                    row_ptr,
                    cols: &cols,
                    vals: &vals,
                    rowsum: Some(rowsum),
                    x: &v.p,
                    y: &v.q,
                    partials: &v.partials,
                },
            );
            let grid = gpu.grid(params.workgroups);
            out.push(ChunkBuffers { chunk, params, _params: params_buffer, _cols: cols, vals, bind_group, grid });
        }
        Ok(out)
    }

    /// Bind groups of the SpMV `y = A x` on the engine's matrix chunks for other vectors (the
    /// AMG V-cycle's finest level), writing its `x·y` partials to `partials`.
    fn bind_spmv(
        &self,
        x: &wgpu::Buffer,
        y: &wgpu::Buffer,
        partials: &wgpu::Buffer,
    ) -> Vec<(wgpu::BindGroup, (u32, u32))> {
        let kernels = self.kernels();
        self.chunks
            .iter()
            .map(|c| {
                let buffers = SpmvBuffers {
                    params: &c._params,
                    cg: &self.v.scalars,
                    row_ptr: &self._row_ptr,
                    cols: &c._cols,
                    vals: &c.vals,
                    rowsum: Some(&self.rowsum),
                    x,
                    y,
                    partials,
                };
                (kernels.spmv_bsr.bind(&self.gpu.device, buffers), c.grid)
            })
            .collect()
    }

    /// Makes the V-cycle `v` the preconditioner (`None`: back to the blocks of
    /// [`set_matrix`](Self::set_matrix)), for the matrix last given to `set_matrix`. Buffers are
    /// kept while the hierarchy's structure stays the same; only values are uploaded.
    pub fn set_vcycle(&mut self, v: Option<&Vcycle<'_>>) -> Result<(), GpuError> {
        self.loaded = None;
        let Some(v) = v else {
            self.amg = None;
            return Ok(());
        };
        if self.precision != Precision::F32 {
            return Err(GpuError::Shape("the GPU AMG V-cycle runs in f32 only".into()));
        }
        if !self.amg.as_ref().is_some_and(|amg| amg.fits(v)) {
            // Free the old structure's buffers before allocating the new ones.
            self.amg = None;
            let bind_spmv =
                |x: &wgpu::Buffer, y: &wgpu::Buffer, partials: &wgpu::Buffer| self.bind_spmv(x, y, partials);
            let engine = EngineBuffers {
                scalars: &self.v.scalars,
                r: &self.v.r,
                partials: &self.v.partials,
                p: &self.v.p,
                vec_params: &self._uniforms[0],
                spmv_partials: self.chunks.iter().map(|c| c.params.workgroups).sum(),
                bind_spmv: &bind_spmv,
            };
            let amg = GpuAmg::new(&self.gpu, &engine, self.unknowns(), v)?;
            self.amg = Some(amg);
        }
        self.amg.as_ref().expect("set above").upload(&self.gpu, v, self.scale)
    }

    /// Whether the V-cycle set has the structure of `v`, so that [`set_vcycle`](Self::set_vcycle)
    /// only uploads values.
    pub fn vcycle_fits(&self, v: &Vcycle<'_>) -> bool {
        self.amg.as_ref().is_some_and(|amg| amg.fits(v))
    }

    /// One V-cycle `z = M r` of the preconditioner set by [`set_vcycle`](Self::set_vcycle) on
    /// `r` (in the engine's scaled units), read back (tests of the V-cycle).
    pub fn apply_vcycle(&mut self, r: &[f64]) -> Result<Vec<f64>, GpuError> {
        let Some(amg) = &self.amg else {
            return Err(GpuError::Shape("apply_vcycle: no V-cycle is set".into()));
        };
        self.write(Vector::R, r);
        let running = Scalars { status: RUNNING, ..self.state };
        self.gpu.queue.write_buffer(&self.v.scalars, 0, bytemuck::bytes_of(&running));
        let mut encoder = self.encoder("amg v-cycle");
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("amg v-cycle"),
                timestamp_writes: None,
            });
            amg.record_vcycle(&self.gpu, &mut pass);
        }
        let bytes = 4 * self.unknowns() as u64;
        encoder.copy_buffer_to_buffer(amg.z(), 0, &self.v.readback, 0, bytes);
        let data = self.gpu.submit_and_read(encoder, &self.v.readback, bytes, "applying the AMG V-cycle")?;
        self.gpu.queue.write_buffer(&self.v.scalars, 0, bytemuck::bytes_of(&self.state));
        Ok(Precision::F32.values_of(&data))
    }

    /// Whether `a` has the sparsity pattern this engine was built for.
    pub fn matches(&self, a: &CsrMatrix<f64>) -> bool {
        *a.pattern() == self.pattern
    }

    /// Unknowns.
    pub fn unknowns(&self) -> usize {
        3 * self.nodes
    }

    /// The block layout (values as last uploaded).
    pub fn bsr(&self) -> &Bsr3 {
        &self.bsr
    }

    /// The SpMV params of each chunk the matrix was split into, and its dispatch grid.
    pub fn spmv_chunks(&self) -> Vec<(SpmvParams, (u32, u32))> {
        self.chunks.iter().map(|c| (c.params, c.grid)).collect()
    }

    /// The vector kernels' dispatch grid.
    pub fn vector_grid(&self) -> (u32, u32) {
        self.vec_grid
    }

    /// The factor the matrix was multiplied by on upload: the GPU solves `(s A) y = r`, so
    /// `A⁻¹ r = s y`.
    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// Uploads `s · a` (s = 1 / mean diagonal) and the preconditioner blocks `minv` (`M⁻¹` of
    /// the unscaled `a`, one row-major 3 × 3 block per node, identity for none, diagonal for
    /// Jacobi) divided by `s`.
    pub fn set_matrix(&mut self, a: &CsrMatrix<f64>, minv: &[[f64; 9]]) -> Result<(), GpuError> {
        if !self.matches(a) || minv.len() != self.nodes {
            return Err(GpuError::Shape("set_matrix: the matrix or preconditioner does not match the pattern".into()));
        }
        self.loaded = None;
        let diag_sum: f64 = a.diagonal_as_csr().values().iter().map(|d| d.abs()).sum();
        let mean = diag_sum / a.nrows().max(1) as f64;
        self.scale = if mean > 0.0 && mean.is_finite() { 1.0 / mean } else { 1.0 };
        self.bsr.fill(a, self.scale);
        let p = self.precision;
        for c in &self.chunks {
            let vals = &self.bsr.vals[9 * c.chunk.entry_begin..9 * c.chunk.entry_end];
            self.gpu.queue.write_buffer(&c.vals, 0, &p.bytes_of(vals));
        }
        self.gpu.queue.write_buffer(&self.rowsum, 0, &p.bytes_of(&self.bsr.rowsum));
        let inv_scale = 1.0 / self.scale;
        let blocks: Vec<f64> = minv.iter().flat_map(|b| b.map(|v| v * inv_scale)).collect();
        self.gpu.queue.write_buffer(&self.v.minv, 0, &p.bytes_of(&blocks));
        self.gpu.check("uploading the matrix")
    }

    /// Tags the matrix and V-cycle just uploaded with `tag` (an AMG setup's generation), so a
    /// later solve with the same values can skip the upload; any upload clears it.
    pub fn mark_loaded(&mut self, tag: u64) {
        self.loaded = Some(tag);
    }

    /// The tag of [`mark_loaded`](Self::mark_loaded), if nothing was uploaded since.
    pub fn loaded(&self) -> Option<u64> {
        self.loaded
    }

    /// The arithmetic of the vectors and matrix.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// Writes a vector (rounded to the engine's precision).
    pub fn write(&self, which: Vector, data: &[f64]) {
        assert_eq!(data.len(), self.unknowns(), "vector length");
        self.gpu.queue.write_buffer(self.vector(which), 0, &self.precision.bytes_of(data));
    }

    /// Reads a vector back.
    pub fn read(&self, which: Vector) -> Result<Vec<f64>, GpuError> {
        let bytes = self.precision.bytes() * self.unknowns() as u64;
        let mut encoder = self.encoder("read vector");
        encoder.copy_buffer_to_buffer(self.vector(which), 0, &self.v.readback, 0, bytes);
        let data = self.gpu.submit_and_read(encoder, &self.v.readback, bytes, "reading a vector back")?;
        Ok(self.precision.values_of(&data))
    }

    fn vector(&self, which: Vector) -> &wgpu::Buffer {
        match which {
            Vector::X => &self.v.x,
            Vector::R => &self.v.r,
            Vector::P => &self.v.p,
            Vector::Q => &self.v.q,
        }
    }

    /// Starts (or restarts) the iteration from the residual `r` with `x = 0`, stopping once
    /// `r·r ≤ rr_stop`. `rescale = 0` starts afresh (`p = M⁻¹r`); `rescale > 0` keeps the old
    /// direction, scaled by `rescale` (old residual norm / new), as reliable updates do.
    pub fn start(&mut self, r: &[f64], rr_stop: f32, rescale: f32) {
        self.write(Vector::R, r);
        self.pending = Pending { clear_x: true, clear_p: rescale <= 0.0, restart: true };
        self.state.status = RUNNING;
        self.state.alpha = 0.0;
        self.state.rr_stop = rr_stop;
        self.state.rescale = rescale.max(0.0);
        self.gpu.queue.write_buffer(&self.v.scalars, 0, bytemuck::bytes_of(&self.state));
    }

    /// The state last read back.
    pub fn state(&self) -> &Scalars {
        &self.state
    }

    /// Overwrites the CG state (kernel tests).
    pub fn set_state(&mut self, state: Scalars) {
        self.state = state;
        self.gpu.queue.write_buffer(&self.v.scalars, 0, bytemuck::bytes_of(&state));
    }

    fn encoder(&self, label: &str) -> wgpu::CommandEncoder {
        self.gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(label) })
    }

    fn kernels(&self) -> &CgKernels {
        self.gpu.kernels.cg(self.precision).expect("checked in new")
    }

    /// Records `q = A p` with the partials of `pᵀq` (every chunk).
    pub fn record_spmv(&self, pass: &mut wgpu::ComputePass<'_>) {
        for c in &self.chunks {
            self.kernels().spmv_bsr.record(pass, &c.bind_group, c.grid);
        }
    }

    /// Records one scalar step.
    pub fn record_reduce(&self, pass: &mut wgpu::ComputePass<'_>, step: Step) {
        self.kernels().cg_reduce.record(pass, &self.reduce, step);
    }

    /// Records `x += αp, r −= αq` with the partials of `r·M⁻¹r, r·r`.
    pub fn record_update(&self, pass: &mut wgpu::ComputePass<'_>) {
        self.kernels().cg_update.record(pass, &self.update, self.vec_grid);
    }

    /// Records `p = M⁻¹r + βp`.
    pub fn record_direction(&self, pass: &mut wgpu::ComputePass<'_>) {
        self.kernels().cg_direction.record(pass, &self.direction, self.vec_grid);
    }

    /// With a V-cycle: `z = M r` and the `(r·z, r·r)` partials (block Jacobi needs nothing
    /// here, `cg_update` applies it).
    fn record_precondition(&self, pass: &mut wgpu::ComputePass<'_>) {
        if let Some(amg) = &self.amg {
            amg.record_precondition(&self.gpu, pass);
        }
    }

    /// `p = M⁻¹r + βp`, or `p = z + βp` with a V-cycle.
    fn record_preconditioned_direction(&self, pass: &mut wgpu::ComputePass<'_>) {
        match &self.amg {
            Some(amg) => amg.record_direction(&self.gpu, pass),
            None => self.record_direction(pass),
        }
    }

    fn record_iterations(&mut self, encoder: &mut wgpu::CommandEncoder, iterations: usize) {
        if self.pending.clear_x {
            encoder.clear_buffer(&self.v.x, 0, None);
        }
        if self.pending.clear_p {
            encoder.clear_buffer(&self.v.p, 0, None);
        }
        let mut pass = encoder
            .begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some("cg batch"), timestamp_writes: None });
        if self.pending.restart {
            self.record_update(&mut pass);
            self.record_precondition(&mut pass);
            self.record_reduce(&mut pass, Step::Restart);
            self.record_preconditioned_direction(&mut pass);
        }
        for _ in 0..iterations {
            self.record_spmv(&mut pass);
            self.record_reduce(&mut pass, Step::Alpha);
            self.record_update(&mut pass);
            self.record_precondition(&mut pass);
            self.record_reduce(&mut pass, Step::Beta);
            self.record_preconditioned_direction(&mut pass);
        }
        self.pending = Pending::default();
    }

    /// Runs up to `iterations` (≤ [`HISTORY_CAPACITY`]) CG iterations in one submission and
    /// reads the state back.
    pub fn run(&mut self, iterations: usize) -> Result<BatchState, GpuError> {
        let iterations = iterations.min(HISTORY_CAPACITY);
        let mut encoder = self.encoder("cg batch");
        self.record_iterations(&mut encoder, iterations);
        self.read_state(encoder)
    }

    /// Records only a SpMV `q = A p` (and its `pᵀq` partials) `repetitions` times, submits and
    /// waits (benchmarks).
    pub fn run_spmv(&self, repetitions: usize) -> Result<(), GpuError> {
        let mut encoder = self.encoder("spmv");
        {
            let mut pass = encoder
                .begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some("spmv"), timestamp_writes: None });
            for _ in 0..repetitions {
                self.record_spmv(&mut pass);
            }
        }
        self.gpu.submit_and_wait(encoder, "SpMV")
    }

    /// Records the kernels `record` encodes into one pass, then reads the state back (tests of
    /// single kernels on the engine's buffers).
    pub fn run_recorded(
        &mut self,
        record: impl FnOnce(&Self, &mut wgpu::ComputePass<'_>),
    ) -> Result<BatchState, GpuError> {
        let mut encoder = self.encoder("recorded kernels");
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("recorded kernels"),
                timestamp_writes: None,
            });
            record(self, &mut pass);
        }
        self.read_state(encoder)
    }

    /// Reads the partial sums (tests).
    pub fn read_partials(&self) -> Result<Vec<f64>, GpuError> {
        let bytes = self.v.partials.size();
        let mut encoder = self.encoder("read partials");
        encoder.copy_buffer_to_buffer(&self.v.partials, 0, &self.v.readback, 0, bytes);
        Ok(self.precision.values_of(&self.gpu.submit_and_read(
            encoder,
            &self.v.readback,
            bytes,
            "reading partial sums",
        )?))
    }

    fn read_state(&mut self, mut encoder: wgpu::CommandEncoder) -> Result<BatchState, GpuError> {
        let history_bytes = 4 * HISTORY_CAPACITY as u64;
        encoder.copy_buffer_to_buffer(&self.v.scalars, 0, &self.v.staging, 0, SCALARS_BYTES);
        encoder.copy_buffer_to_buffer(&self.v.history, 0, &self.v.staging, SCALARS_BYTES, history_bytes);
        let bytes =
            self.gpu.submit_and_read(encoder, &self.v.staging, SCALARS_BYTES + history_bytes, "CG iterations")?;
        let before = self.state.iteration as usize;
        self.state = bytemuck::pod_read_unaligned(&bytes[..SCALARS_BYTES as usize]);
        let ring: Vec<f32> = bytemuck::pod_collect_to_vec(&bytes[SCALARS_BYTES as usize..]);
        let iteration = self.state.iteration as usize;
        let history = (before..iteration).map(|i| ring[i % HISTORY_CAPACITY]).collect();
        let status = match self.state.status {
            RUNNING => CgStatus::Running,
            REDUCED => CgStatus::Reduced,
            BREAKDOWN => CgStatus::Breakdown,
            other => {
                return Err(GpuError::Reported {
                    during: "CG iterations".into(),
                    message: format!("unknown CG status {other}"),
                })
            }
        };
        Ok(BatchState { status, iteration, rr: self.state.rr, pq: self.state.pq, history })
    }
}

impl Vectors {
    fn new(gpu: &Gpu, nodes: usize, spmv_partials: u32, real: u64) -> Result<Self, GpuError> {
        let n = 3 * real * nodes as u64;
        let partials = (spmv_partials as u64).max(2 * workgroups(nodes) as u64);
        Ok(Vectors {
            x: gpu.buffer("cg x", n, VECTOR)?,
            r: gpu.buffer("cg r", n, VECTOR)?,
            p: gpu.buffer("cg p", n, VECTOR)?,
            q: gpu.buffer("cg q", n, VECTOR)?,
            minv: gpu.buffer("cg block-jacobi", 9 * real * nodes as u64, STORAGE)?,
            partials: gpu.buffer("cg partials", real * partials, VECTOR)?,
            scalars: gpu.buffer(
                "cg scalars",
                SCALARS_BYTES,
                wgpu::BufferUsages::STORAGE
                    | wgpu::BufferUsages::UNIFORM
                    | wgpu::BufferUsages::COPY_DST
                    | wgpu::BufferUsages::COPY_SRC,
            )?,
            history: gpu.buffer("cg history", 4 * HISTORY_CAPACITY as u64, VECTOR)?,
            staging: gpu.buffer(
                "cg state readback",
                SCALARS_BYTES + 4 * HISTORY_CAPACITY as u64,
                wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            )?,
            readback: gpu.buffer(
                "cg vector readback",
                n.max(real * partials),
                wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            )?,
        })
    }
}
