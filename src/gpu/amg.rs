//! [`GpuAmg`]: one smoothed-aggregation V-cycle (the preconditioner of [`super::GpuPcg`]) as
//! WGSL kernels, so a CG iteration never waits for the CPU.
//!
//! The hierarchy is built on the CPU in f64 ([`crate::solve::amg`]); this module sees only its
//! numbers, as a [`Vcycle`]: per level the matrix (the finest is the CG engine's own 3 × 3 BSR
//! matrix), the smoothed prolongator `P`, the inverse diagonal blocks of the smoother, its
//! Chebyshev coefficients and the decoupled unknowns, and the coarsest level's dense inverse.
//! Everything is uploaded in f32, scaled like the engine's matrix (`s A`: level matrices × s,
//! inverse blocks and the coarse inverse ÷ s, prolongators unchanged), so the kernels apply the
//! V-cycle of `s A`, the matrix the engine iterates on. The f64 accuracy comes from the
//! engine's caller, which replaces the residual in f64 (see [`crate::solve::gpu`]).
//!
//! Per level `l` above the coarsest, with right-hand side `b_l` (the CG residual `r` on the
//! finest) and result `x_l` (the preconditioned residual `z` on the finest), in one pass:
//!
//! ```text
//! pre-smoothing    amg_smooth (from zero), then (A d, amg_smooth) × (degree − 1)
//! restriction      w = A x_l, then amg_csr: b_{l+1} = R (b_l − w),  R = Pᵀ stored
//! coarse           the same on level l + 1, or amg_dense: x_c = A_c⁻¹ b_c on the coarsest
//! prolongation     amg_csr: x_l += P x_{l+1}
//! post-smoothing   (A x, amg_smooth), then (A d, amg_smooth) × (degree − 1); the last step sets
//!                  the decoupled unknowns to b_i / A_ii, as the CPU cycle does
//! ```
//!
//! `A` is `spmv_bsr` on the finest level and `amg_csr` below. Then `amg_dot` writes the
//! `(r·z, r·r)` partials in `cg_update`'s layout, and the direction update is `cg_direction`
//! bound to `z` with identity blocks (`p = z + βp`).
//!
//! Layout choices: levels below the finest, `P` and `R` are scalar CSR (8 B per nonzero: they
//! hold 6 × 6, 3 × 6 and 6 × 3 blocks, which a block layout would store in 4.1–4.7 B; the
//! coarse levels together are a fraction of the fine matrix, so the finest level's BSR SpMV
//! dominates). The coarsest level (at most [`crate::solve::AmgParams::max_coarse`] unknowns,
//! 2000 by default) is applied as a dense inverse computed once per refresh in f64, one
//! parallel matrix-vector product instead of two sequential triangular solves.
//!
//! Buffers and bind groups are created once per hierarchy structure ([`GpuAmg::new`]); a
//! refresh of the same structure (a Newton iteration) only rewrites values
//! ([`GpuAmg::upload`]). Matrices are not split into chunks: one that exceeds a storage
//! binding is a [`GpuError::TooLarge`].

use nalgebra_sparse::CsrMatrix;

use super::kernels::amg_csr::{CsrBuffers, CsrParams, PRODUCT, PROLONG, RESTRICT};
use super::kernels::amg_dense::DenseParams;
use super::kernels::amg_smooth::{SmoothBuffers, SmoothParams, FROM_ZERO, MAX_BLOCK, RESIDUAL, UPDATE};
use super::kernels::cg_direction::DirectionBuffers;
use super::kernels::cg_update::VecParams;
use super::kernels::workgroups;
use super::{Gpu, GpuError};

/// One level above the coarsest, as the CPU hierarchy holds it (f64).
#[derive(Debug, Clone)]
pub struct VcycleLevel<'a> {
    /// The level's matrix; `None` on the finest (the CG engine's matrix).
    pub a: Option<&'a CsrMatrix<f64>>,
    /// The smoothed prolongator to the next level.
    pub p: &'a CsrMatrix<f64>,
    /// Unknowns per node of the smoother's blocks (1 ..= 6).
    pub block: usize,
    /// The smoother's inverse diagonal blocks, row-major, `block²` per node.
    pub minv: &'a [f64],
    /// `(c1, c2)` of each Chebyshev step (see `shaders/amg_smooth.wgsl`).
    pub steps: Vec<(f64, f64)>,
    /// Decoupled unknowns and their `1 / A_ii`.
    pub decoupled: &'a [(usize, f64)],
}

/// A V-cycle's numbers: the levels above the coarsest and the coarsest level's inverse.
#[derive(Debug, Clone)]
pub struct Vcycle<'a> {
    /// Finest first.
    pub levels: Vec<VcycleLevel<'a>>,
    /// Unknowns of the coarsest level.
    pub coarse_unknowns: usize,
    /// `A_c⁻¹`, row-major.
    pub coarse_inverse: &'a [f64],
}

/// Size, nonzeros and an FNV-1a hash of a CSR pattern.
type PatternKey = (usize, usize, usize, u64);

fn key(m: &CsrMatrix<f64>) -> PatternKey {
    let hash = m
        .row_offsets()
        .iter()
        .chain(m.col_indices())
        .fold(0xcbf2_9ce4_8422_2325u64, |h, &v| (h ^ v as u64).wrapping_mul(0x0000_0100_0000_01b3));
    (m.nrows(), m.ncols(), m.nnz(), hash)
}

/// What fixes the buffers: every pattern, block size and step count, and the coarse size.
fn structure(v: &Vcycle<'_>) -> Vec<PatternKey> {
    let mut keys: Vec<PatternKey> = v
        .levels
        .iter()
        .flat_map(|l| [l.a.map_or((0, 0, 0, 0), key), key(l.p), (l.block, l.steps.len(), l.minv.len(), 0)])
        .collect();
    keys.push((v.coarse_unknowns, 0, 0, 1));
    keys
}

const STORAGE: wgpu::BufferUsages = wgpu::BufferUsages::STORAGE.union(wgpu::BufferUsages::COPY_DST);
const VECTOR: wgpu::BufferUsages = STORAGE.union(wgpu::BufferUsages::COPY_SRC);
const UNIFORM: wgpu::BufferUsages = wgpu::BufferUsages::UNIFORM.union(wgpu::BufferUsages::COPY_DST);

/// A storage buffer that must fit one binding.
fn storage(gpu: &Gpu, label: &str, bytes: u64, usage: wgpu::BufferUsages) -> Result<wgpu::Buffer, GpuError> {
    if bytes > gpu.max_binding_bytes {
        return Err(GpuError::TooLarge {
            what: format!("the AMG {label}"),
            needed_mib: bytes as f64 / 1048576.0,
            limit_mib: gpu.max_binding_bytes as f64 / 1048576.0,
        });
    }
    gpu.buffer(label, bytes, usage)
}

fn f32s(values: impl Iterator<Item = f64>) -> Vec<f32> {
    values.map(|v| v as f32).collect()
}

/// A CSR matrix on the GPU.
#[derive(Debug)]
struct GpuCsr {
    _row_ptr: wgpu::Buffer,
    _cols: wgpu::Buffer,
    vals: wgpu::Buffer,
}

impl GpuCsr {
    fn new(gpu: &Gpu, label: &str, m: &CsrMatrix<f64>) -> Result<Self, GpuError> {
        let too_large = || GpuError::Shape(format!("the AMG {label} exceeds the GPU's 32-bit indices"));
        let row_ptr: Vec<u32> =
            m.row_offsets().iter().map(|&v| u32::try_from(v).map_err(|_| too_large())).collect::<Result<_, _>>()?;
        let cols: Vec<u32> = m.col_indices().iter().map(|&v| v as u32).collect();
        let rp = storage(gpu, label, 4 * row_ptr.len() as u64, STORAGE)?;
        let cb = storage(gpu, label, 4 * cols.len() as u64, STORAGE)?;
        let vals = storage(gpu, label, 4 * cols.len() as u64, STORAGE)?;
        gpu.queue.write_buffer(&rp, 0, bytemuck::cast_slice(&row_ptr));
        gpu.queue.write_buffer(&cb, 0, bytemuck::cast_slice(&cols));
        Ok(GpuCsr { _row_ptr: rp, _cols: cb, vals })
    }

    fn bind(&self, gpu: &Gpu, params: &wgpu::Buffer, cg: &wgpu::Buffer, xwy: [&wgpu::Buffer; 3]) -> wgpu::BindGroup {
        let [x, w, y] = xwy;
        let (row_ptr, cols, vals) = (&self._row_ptr, &self._cols, &self.vals);
        gpu.kernels.amg.csr.bind(&gpu.device, CsrBuffers { params, cg, row_ptr, cols, vals, x, w, y })
    }
}

/// A product with a level's matrix: the engine's BSR chunks on the finest level, CSR below.
#[derive(Debug)]
enum Product {
    Bsr(Vec<BoundChunk>),
    Csr(wgpu::BindGroup, (u32, u32)),
}

/// A bind group of one SpMV chunk with its dispatch grid.
pub type BoundChunk = (wgpu::BindGroup, (u32, u32));

/// The engine's buffers a V-cycle binds, and how to bind its BSR SpMV to other vectors.
pub struct EngineBuffers<'a> {
    /// The CG state (uniform).
    pub scalars: &'a wgpu::Buffer,
    /// The residual `r`, the V-cycle's input.
    pub r: &'a wgpu::Buffer,
    /// The `(r·z, r·r)` partials read by `cg_reduce`.
    pub partials: &'a wgpu::Buffer,
    /// The direction `p`.
    pub p: &'a wgpu::Buffer,
    /// The engine's `VecParams`.
    pub vec_params: &'a wgpu::Buffer,
    /// Partial slots the engine's SpMV writes (a scratch buffer of this size is bound).
    pub spmv_partials: u32,
    /// Bind groups of the BSR SpMV `y = A x` (with partials into the third buffer).
    pub bind_spmv: &'a dyn Fn(&wgpu::Buffer, &wgpu::Buffer, &wgpu::Buffer) -> Vec<BoundChunk>,
}

/// One level's buffers and bind groups.
#[derive(Debug)]
struct Level {
    a: Option<GpuCsr>,
    p: GpuCsr,
    restriction: GpuCsr,
    minv: wgpu::Buffer,
    decoupled: wgpu::Buffer,
    _vectors: [wgpu::Buffer; 3],
    /// Params of the pre-smoothing steps, then of the post-smoothing steps.
    smooth_params: Vec<wgpu::Buffer>,
    smooth: Vec<wgpu::BindGroup>,
    _csr_params: [wgpu::Buffer; 3],
    a_d: Product,
    a_x: Product,
    restrict: (wgpu::BindGroup, (u32, u32)),
    prolong: (wgpu::BindGroup, (u32, u32)),
    smooth_grid: (u32, u32),
    nodes: usize,
    block: usize,
    degree: usize,
}

/// The V-cycle's buffers and bind groups for one hierarchy structure.
#[derive(Debug)]
pub struct GpuAmg {
    structure: Vec<PatternKey>,
    levels: Vec<Level>,
    /// Right-hand sides and results of the levels below the finest, the coarsest last.
    _coarse_vectors: Vec<(wgpu::Buffer, wgpu::Buffer)>,
    coarse_inverse: wgpu::Buffer,
    _coarse_params: wgpu::Buffer,
    coarse: (wgpu::BindGroup, (u32, u32)),
    z: wgpu::Buffer,
    _identity: wgpu::Buffer,
    _scratch: wgpu::Buffer,
    dot: (wgpu::BindGroup, (u32, u32)),
    direction: (wgpu::BindGroup, (u32, u32)),
    unknowns: usize,
}

impl GpuAmg {
    /// Creates every buffer and bind group for the structure of `v` on an engine of `unknowns`
    /// f32 unknowns (values are not uploaded: see [`GpuAmg::upload`]).
    pub fn new(gpu: &Gpu, engine: &EngineBuffers<'_>, unknowns: usize, v: &Vcycle<'_>) -> Result<Self, GpuError> {
        let sizes: Vec<usize> =
            std::iter::once(unknowns).chain(v.levels.iter().map(|l| l.p.ncols())).chain([v.coarse_unknowns]).collect();
        check_shapes(v, &sizes)?;
        let vector = |label: &str, n: usize| storage(gpu, label, 4 * n as u64, VECTOR);
        let z = vector("amg z", unknowns)?;
        // b_l, x_l of levels 1 ..= L (L = the coarsest).
        let coarse_vectors: Vec<(wgpu::Buffer, wgpu::Buffer)> = sizes[1..sizes.len() - 1]
            .iter()
            .map(|&n| Ok((vector("amg level b", n)?, vector("amg level x", n)?)))
            .collect::<Result<_, GpuError>>()?;
        let bx = |l: usize| if l == 0 { (engine.r, &z) } else { (&coarse_vectors[l - 1].0, &coarse_vectors[l - 1].1) };
        let scratch = storage(gpu, "amg spmv partials", 4 * engine.spmv_partials.max(1) as u64, STORAGE)?;
        let mut levels = Vec::new();
        for (l, lev) in v.levels.iter().enumerate() {
            levels.push(Level::new(gpu, engine, (lev, sizes[l]), [bx(l), bx(l + 1)], &scratch)?);
        }
        let nc = v.coarse_unknowns;
        let coarse_inverse = storage(gpu, "coarse inverse", 4 * (nc * nc) as u64, STORAGE)?;
        let coarse_params = gpu.buffer("amg dense params", 16, UNIFORM)?;
        let rows = u32::try_from(nc).map_err(|_| GpuError::Shape("the AMG coarsest level is too large".into()))?;
        let dense = DenseParams { rows, columns: rows, workgroups: rows, _pad0: 0 };
        gpu.queue.write_buffer(&coarse_params, 0, bytemuck::bytes_of(&dense));
        let (cb, cx) = bx(v.levels.len());
        let coarse_bind =
            gpu.kernels.amg.dense.bind(&gpu.device, [&coarse_params, engine.scalars, &coarse_inverse, cb, cx]);
        let nodes = unknowns / 3;
        let identity = gpu.buffer("amg identity blocks", 36 * nodes as u64, STORAGE)?;
        let eye: Vec<f32> = (0..nodes).flat_map(|_| [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]).collect();
        gpu.queue.write_buffer(&identity, 0, bytemuck::cast_slice(&eye));
        let kernels = gpu.kernels.cg(super::kernels::Precision::F32).expect("f32 kernels always exist");
        let direction = kernels.cg_direction.bind(
            &gpu.device,
            DirectionBuffers { params: engine.vec_params, cg: engine.scalars, r: &z, minv: &identity, p: engine.p },
        );
        let dot =
            gpu.kernels.amg.dot.bind(&gpu.device, [engine.vec_params, engine.scalars, engine.r, &z, engine.partials]);
        let vec_grid = gpu.grid(VecParams::new(nodes).workgroups);
        gpu.check("creating the GPU AMG buffers")?;
        Ok(GpuAmg {
            structure: structure(v),
            levels,
            _coarse_vectors: coarse_vectors,
            coarse_inverse,
            _coarse_params: coarse_params,
            coarse: (coarse_bind, gpu.grid(rows)),
            z,
            _identity: identity,
            _scratch: scratch,
            dot: (dot, vec_grid),
            direction: (direction, vec_grid),
            unknowns,
        })
    }

    /// Whether `v` has the structure these buffers were made for (then [`upload`](Self::upload)
    /// suffices).
    pub fn fits(&self, v: &Vcycle<'_>) -> bool {
        self.structure == structure(v)
    }

    /// Uploads the values of `v` for the engine's matrix scaled by `scale`.
    pub fn upload(&self, gpu: &Gpu, v: &Vcycle<'_>, scale: f64) -> Result<(), GpuError> {
        if !self.fits(v) {
            return Err(GpuError::Shape("the AMG hierarchy changed structure: build new GPU buffers".into()));
        }
        let q = &gpu.queue;
        for (lev, data) in self.levels.iter().zip(&v.levels) {
            if let (Some(a), Some(m)) = (&lev.a, data.a) {
                q.write_buffer(&a.vals, 0, bytemuck::cast_slice(&f32s(m.values().iter().map(|x| x * scale))));
            }
            q.write_buffer(&lev.p.vals, 0, bytemuck::cast_slice(&f32s(data.p.values().iter().copied())));
            let r = data.p.transpose();
            q.write_buffer(&lev.restriction.vals, 0, bytemuck::cast_slice(&f32s(r.values().iter().copied())));
            q.write_buffer(&lev.minv, 0, bytemuck::cast_slice(&f32s(data.minv.iter().map(|x| x / scale))));
            let mut decoupled = vec![0.0f32; lev.nodes * lev.block];
            for &(i, inv) in data.decoupled {
                decoupled[i] = (inv / scale) as f32;
            }
            q.write_buffer(&lev.decoupled, 0, bytemuck::cast_slice(&decoupled));
            for (k, buffer) in lev.smooth_params.iter().enumerate() {
                let step = k % lev.degree;
                let (c1, c2) = data.steps[step];
                let post = k >= lev.degree;
                let params = SmoothParams {
                    nodes: lev.nodes as u32,
                    block: lev.block as u32,
                    workgroups: workgroups(lev.nodes),
                    mode: match (step, post) {
                        (0, false) => FROM_ZERO,
                        (0, true) => RESIDUAL,
                        _ => UPDATE,
                    },
                    c1: c1 as f32,
                    c2: c2 as f32,
                    last: u32::from(post && step + 1 == lev.degree),
                    _pad0: 0,
                };
                q.write_buffer(buffer, 0, bytemuck::bytes_of(&params));
            }
        }
        q.write_buffer(
            &self.coarse_inverse,
            0,
            bytemuck::cast_slice(&f32s(v.coarse_inverse.iter().map(|x| x / scale))),
        );
        gpu.check("uploading the AMG hierarchy")
    }

    /// Unknowns of the finest level.
    pub fn unknowns(&self) -> usize {
        self.unknowns
    }

    /// The preconditioned residual `z`.
    pub fn z(&self) -> &wgpu::Buffer {
        &self.z
    }

    /// Records `z = M r` (one V-cycle).
    pub fn record_vcycle(&self, gpu: &Gpu, pass: &mut wgpu::ComputePass<'_>) {
        if self.levels.is_empty() {
            gpu.kernels.amg.dense.record(pass, &self.coarse.0, self.coarse.1);
        } else {
            self.record_level(gpu, pass, 0);
        }
    }

    /// Records the V-cycle and the `(r·z, r·r)` partials: what follows `cg_update` in an
    /// AMG-preconditioned iteration.
    pub fn record_precondition(&self, gpu: &Gpu, pass: &mut wgpu::ComputePass<'_>) {
        self.record_vcycle(gpu, pass);
        gpu.kernels.amg.dot.record(pass, &self.dot.0, self.dot.1);
    }

    /// Records `p = z + βp`.
    pub fn record_direction(&self, gpu: &Gpu, pass: &mut wgpu::ComputePass<'_>) {
        let kernels = gpu.kernels.cg(super::kernels::Precision::F32).expect("f32 kernels always exist");
        kernels.cg_direction.record(pass, &self.direction.0, self.direction.1);
    }

    fn record_level(&self, gpu: &Gpu, pass: &mut wgpu::ComputePass<'_>, l: usize) {
        let lev = &self.levels[l];
        let k = &gpu.kernels.amg;
        for step in 0..lev.degree {
            if step > 0 {
                lev.a_d.record(gpu, pass);
            }
            k.smooth.record(pass, &lev.smooth[step], lev.smooth_grid);
        }
        lev.a_x.record(gpu, pass);
        k.csr.record(pass, &lev.restrict.0, lev.restrict.1);
        if l + 1 < self.levels.len() {
            self.record_level(gpu, pass, l + 1);
        } else {
            k.dense.record(pass, &self.coarse.0, self.coarse.1);
        }
        k.csr.record(pass, &lev.prolong.0, lev.prolong.1);
        for step in 0..lev.degree {
            if step == 0 { &lev.a_x } else { &lev.a_d }.record(gpu, pass);
            k.smooth.record(pass, &lev.smooth[lev.degree + step], lev.smooth_grid);
        }
    }
}

impl Product {
    fn record(&self, gpu: &Gpu, pass: &mut wgpu::ComputePass<'_>) {
        match self {
            Product::Bsr(chunks) => {
                let kernels = gpu.kernels.cg(super::kernels::Precision::F32).expect("f32 kernels always exist");
                for (bind_group, grid) in chunks {
                    kernels.spmv_bsr.record(pass, bind_group, *grid);
                }
            }
            Product::Csr(bind_group, grid) => gpu.kernels.amg.csr.record(pass, bind_group, *grid),
        }
    }
}

/// Sizes and blocks must chain: level `l`'s matrix and `P` rows are `sizes[l]`, `P` columns
/// `sizes[l + 1]`.
fn check_shapes(v: &Vcycle<'_>, sizes: &[usize]) -> Result<(), GpuError> {
    for (l, lev) in v.levels.iter().enumerate() {
        let n = sizes[l];
        let ok = lev.p.nrows() == n
            && lev.a.is_none_or(|a| a.nrows() == n && a.ncols() == n)
            && (l == 0) == lev.a.is_none()
            && (1..=MAX_BLOCK).contains(&lev.block)
            && n.is_multiple_of(lev.block)
            && lev.minv.len() == n * lev.block
            && !lev.steps.is_empty()
            && lev.decoupled.iter().all(|d| d.0 < n);
        if !ok {
            return Err(GpuError::Shape(format!("the AMG level {l} does not fit the GPU V-cycle (sizes or blocks)")));
        }
    }
    let nc = v.coarse_unknowns;
    if v.coarse_inverse.len() != nc * nc || sizes.last() != Some(&nc) {
        return Err(GpuError::Shape("the AMG coarsest inverse does not fit its level".into()));
    }
    Ok(())
}

impl Level {
    /// Buffers and bind groups of one level of `n` unknowns, its own (`b`, `x`) and the next
    /// level's.
    fn new(
        gpu: &Gpu,
        engine: &EngineBuffers<'_>,
        (lev, n): (&VcycleLevel<'_>, usize),
        [(b, x), (bc, xc)]: [(&wgpu::Buffer, &wgpu::Buffer); 2],
        scratch: &wgpu::Buffer,
    ) -> Result<Self, GpuError> {
        let cg = engine.scalars;
        let vector = |label: &str| storage(gpu, label, 4 * n as u64, VECTOR);
        let (r, d, w) = (vector("amg level r")?, vector("amg level d")?, vector("amg level w")?);
        let a = lev.a.map(|m| GpuCsr::new(gpu, "level matrix", m)).transpose()?;
        let p = GpuCsr::new(gpu, "prolongator", lev.p)?;
        let restriction = GpuCsr::new(gpu, "restriction", &lev.p.transpose())?;
        let (block, nodes, degree) = (lev.block, n / lev.block, lev.steps.len());
        let minv = storage(gpu, "smoother blocks", 4 * (nodes * block * block) as u64, STORAGE)?;
        let decoupled = storage(gpu, "decoupled unknowns", 4 * n as u64, STORAGE)?;
        let csr_params = [
            gpu.buffer("amg product params", 16, UNIFORM)?,
            gpu.buffer("amg restriction params", 16, UNIFORM)?,
            gpu.buffer("amg prolongation params", 16, UNIFORM)?,
        ];
        let nc = lev.p.ncols();
        for (buffer, params) in csr_params.iter().zip([
            CsrParams::new(n, PRODUCT),
            CsrParams::new(nc, RESTRICT),
            CsrParams::new(n, PROLONG),
        ]) {
            gpu.queue.write_buffer(buffer, 0, bytemuck::bytes_of(&params));
        }
        let product = |input: &wgpu::Buffer| match &a {
            Some(m) => Product::Csr(m.bind(gpu, &csr_params[0], cg, [input, input, &w]), gpu.grid(workgroups(n))),
            None => Product::Bsr((engine.bind_spmv)(input, &w, scratch)),
        };
        let (a_d, a_x) = (product(&d), product(x));
        // b_c = R (b − A x): the kernel's x is b, its w is A x.
        let restrict = (restriction.bind(gpu, &csr_params[1], cg, [b, &w, bc]), gpu.grid(workgroups(nc)));
        let prolong = (p.bind(gpu, &csr_params[2], cg, [xc, xc, x]), gpu.grid(workgroups(n)));
        let smooth_params: Vec<wgpu::Buffer> =
            (0..2 * degree).map(|_| gpu.buffer("amg smooth params", 32, UNIFORM)).collect::<Result<_, _>>()?;
        let smooth = smooth_params
            .iter()
            .map(|params| {
                gpu.kernels.amg.smooth.bind(
                    &gpu.device,
                    SmoothBuffers { params, cg, b, w: &w, minv: &minv, decoupled: &decoupled, r: &r, d: &d, x },
                )
            })
            .collect();
        Ok(Level {
            a,
            p,
            restriction,
            minv,
            decoupled,
            _vectors: [r, d, w],
            smooth_params,
            smooth,
            _csr_params: csr_params,
            a_d,
            a_x,
            restrict,
            prolong,
            smooth_grid: gpu.grid(workgroups(nodes)),
            nodes,
            block,
            degree,
        })
    }
}
