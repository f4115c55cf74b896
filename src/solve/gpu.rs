//! The GPU backend: conjugate gradients in f32 on the GPU, made f64-accurate by replacing the
//! GPU's residual with the true residual computed in f64 on the CPU ("reliable updates",
//! Sleijpen & van der Vorst 1996; the mixed-precision CG of Clark et al. 2010).
//!
//! With `x` the f64 solution and `s = ‖b − A x‖`, the GPU iterates on the normalised system
//! `A y = (b − A x) / s` from `y = 0` until its recurrence residual has fallen by
//! [`RELIABLE_DELTA`] (or to what the tolerance still needs). Then:
//!
//! 1. `x += s · y` (in f64), `y` is reset to 0 on the GPU;
//! 2. the true residual `b − A x` is computed in f64 (CPU, rayon) and its norm `s'` checked
//!    against `rtol ‖b‖`;
//! 3. the GPU continues from the new normalised residual, keeping its search direction scaled by
//!    `s / s'`, so the Krylov information is not thrown away as in plain iterative refinement.
//!
//! The f32 rounding of `A` and of the recurrences only changes how fast the true residual falls,
//! not where it ends: the tolerance is always checked on the f64 residual. If several updates in
//! a row fail to halve it, the direction is dropped (a fresh start). When it stops, the verdict
//! is the CPU CG's ([`super::accuracy`]): rtol met, or a stall within the floor band is converged
//! to the attainable accuracy; otherwise [`SolveError::Precision`] (an f32 stall, retried in f64
//! where the device has it), [`SolveError::Stagnated`] (an f64 stall) or
//! [`SolveError::IterationLimit`], each with its partial report.
//!
//! With `preconditioner = "amg"` ([`GpuBackend::solve_amg`]) the hierarchy is built (or
//! refreshed) on the CPU in f64, its numbers ([`vcycle`]) are uploaded once per solve into
//! buffers kept per hierarchy structure, and every CG iteration applies one f32 V-cycle on the
//! GPU ([`crate::gpu::amg`]); the loop above is unchanged.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use nalgebra_sparse::CsrMatrix;

use super::accuracy::{attainable_floor, classify, Convergence};
use super::amg::Hierarchy;
use super::precond::Preconditioner;
use super::vector::{dot, spmv};
use super::{SolveError, SolveParams, SolveReport};
use crate::gpu::amg::{Vcycle, VcycleLevel};
use crate::gpu::cg::Vector;
use crate::gpu::kernels::Precision;
use crate::gpu::{CgStatus, Gpu, GpuPcg};
use crate::progress::Progress;

/// Factor by which the GPU reduces its residual between two f64 residual replacements. An f32
/// recurrence drifts from the true residual once it has fallen by ~1e-4 (on the implant, f32 CG
/// stopped at a recurrence residual of 1e-4 has a true one of 2.5e-4), so δ must stay well above
/// that. Measured on the implant (8,619 DOFs, block Jacobi, rtol 1e-10; f64 CPU CG: 412
/// iterations): δ = 0.5, 0.1, 1e-2, 1e-3 took 680, 665, 618, 1235 iterations with 30, 10, 5, 4
/// replacements. 1e-2 needs the fewest iterations and few round trips.
pub const RELIABLE_DELTA: f64 = 1e-2;

/// [`RELIABLE_DELTA`] for AMG-preconditioned CG ([`GpuBackend::solve_amg`]), with
/// [`AMG_DRIFT_LIMIT`]. Its f32 recurrence follows the f64 one closely (on the Tet4 cantilever
/// the two residual histories agree to five digits down to 3e-10), but the f32 matrix bounds
/// what one cycle gains on a slender beam. Measured GPU/CPU AMG-CG iterations to rtol 1e-8
/// (cantilever Tet4 40 × 4 × 4, implant, LV, Lamé sphere, cantilever Tet10 40 × 4 × 4, and
/// the 116k-DOF bench brick), with the drift limit: δ = 1e-2: 16/15, 16/15, 19/18, 22/21,
/// 28/27, 18/18; δ = 1e-3: 17/15, 16/15, 19/18, 22/21, 30/27, 19/18. Without it, δ = 1e-2
/// gave 41/15 on the Tet4 cantilever and δ = 1e-3 27/18 on the brick (a continued direction
/// after a drifted residual converged at 0.5–0.65 per iteration instead of 0.2–0.3); starting
/// every cycle afresh cost 1–3 iterations more.
pub const AMG_RELIABLE_DELTA: f64 = 1e-2;

/// AMG-CG continues its direction after a residual replacement only while the true residual is
/// within this factor of the recurrence's; beyond it the next cycle starts afresh (see
/// [`AMG_RELIABLE_DELTA`]: the same counts were measured with 1.1, 1.5 and 3).
pub const AMG_DRIFT_LIMIT: f64 = 1.5;

/// Iterations recorded per submission; the CG state is read back once per batch.
pub const BATCH: usize = 32;

/// Cycles in a row that may fail to halve the true residual before giving up.
const MAX_STALLS: usize = 6;

/// Shortest cut-off of a cycle that continues the previous direction: such a cycle may stagnate
/// (an ill-conditioned system near the f32 floor), so it is cut at twice the previous cycle's
/// length, but not below this.
pub const CYCLE_CAP: usize = 1024;

/// The GPU device and the CG engine of the last sparsity pattern solved.
pub struct GpuBackend {
    gpu: Arc<Gpu>,
    delta: f64,
    amg_delta: f64,
    engines: Mutex<Vec<GpuPcg>>,
    engines_built: AtomicUsize,
    vcycles_built: AtomicUsize,
    vcycle_uploads: AtomicUsize,
}

impl std::fmt::Debug for GpuBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GpuBackend").field("gpu", &self.gpu).finish_non_exhaustive()
    }
}

/// `M⁻¹` as one row-major 3 × 3 block per node.
pub fn preconditioner_blocks(m: &Preconditioner<f64>, nodes: usize) -> Vec<[f64; 9]> {
    let diagonal = |d: [f64; 3]| [d[0], 0.0, 0.0, 0.0, d[1], 0.0, 0.0, 0.0, d[2]];
    match m {
        Preconditioner::Identity => vec![diagonal([1.0; 3]); nodes],
        Preconditioner::Jacobi(d) => d.chunks(3).map(|d| diagonal([d[0], d[1], d[2]])).collect(),
        Preconditioner::BlockJacobi(blocks) => blocks.clone(),
    }
}

/// The numbers of `h`'s V-cycle for [`GpuPcg::set_vcycle`]; computes the coarsest level's
/// dense inverse (f64, from its Cholesky factor).
pub fn vcycle(h: &Hierarchy) -> Vcycle<'_> {
    let levels = (0..h.depth())
        .filter_map(|l| {
            let (smoother, (_, p), decoupled) = (h.smoother(l)?, h.prolongators(l)?, h.decoupled_unknowns(l)?);
            Some(VcycleLevel {
                a: h.matrix(l),
                p,
                block: smoother.minv().block(),
                minv: smoother.minv().blocks(),
                steps: smoother.steps(),
                decoupled,
            })
        })
        .collect();
    Vcycle { levels, coarse_unknowns: h.coarse_unknowns(), coarse_inverse: h.coarse_inverse() }
}

/// `res = b − A x`; returns `‖res‖`.
fn residual(a: &CsrMatrix<f64>, b: &[f64], x: &[f64], res: &mut [f64]) -> f64 {
    spmv(a, x, res);
    res.iter_mut().zip(b).for_each(|(r, b)| *r = b - *r);
    dot(res, res).sqrt()
}

impl GpuBackend {
    /// A backend on `gpu`.
    pub fn new(gpu: Arc<Gpu>) -> Self {
        Self::with_delta(gpu, RELIABLE_DELTA)
    }

    /// A backend on `gpu` replacing the residual whenever the GPU reduced it by `delta`
    /// (clamped to [1e-6, 0.5]).
    pub fn with_delta(gpu: Arc<Gpu>, delta: f64) -> Self {
        GpuBackend {
            gpu,
            delta: delta.clamp(1e-6, 0.5),
            amg_delta: AMG_RELIABLE_DELTA,
            engines: Mutex::new(Vec::new()),
            engines_built: AtomicUsize::new(0),
            vcycles_built: AtomicUsize::new(0),
            vcycle_uploads: AtomicUsize::new(0),
        }
    }

    /// The same backend with the δ of AMG-preconditioned solves set to `delta` (clamped to
    /// [1e-9, 0.5]; default [`AMG_RELIABLE_DELTA`]).
    pub fn with_amg_delta(mut self, delta: f64) -> Self {
        self.amg_delta = delta.clamp(1e-9, 0.5);
        self
    }

    /// The device.
    pub fn gpu(&self) -> &Arc<Gpu> {
        &self.gpu
    }

    /// How many engines (buffer sets) were built: one per new sparsity pattern.
    pub fn engines_built(&self) -> usize {
        self.engines_built.load(Ordering::Relaxed)
    }

    /// How many GPU V-cycle buffer sets were built: one per new hierarchy structure (a refresh
    /// on the same pattern only uploads values).
    pub fn vcycles_built(&self) -> usize {
        self.vcycles_built.load(Ordering::Relaxed)
    }

    /// How many times a matrix and its V-cycle were uploaded for AMG-CG (a solve with the
    /// numbers already on the device uploads nothing).
    pub fn vcycle_uploads(&self) -> usize {
        self.vcycle_uploads.load(Ordering::Relaxed)
    }

    /// Runs `f` on the engine of `precision` for `a`'s pattern, with `a` and its
    /// preconditioner uploaded. Engines of the last pattern are kept, one per precision.
    fn with_engine<R>(
        &self,
        a: &CsrMatrix<f64>,
        params: &SolveParams,
        precision: Precision,
        f: impl FnOnce(&mut GpuPcg) -> Result<R, SolveError>,
    ) -> Result<R, SolveError> {
        let m = Preconditioner::new(params.preconditioner, a)?;
        self.with_engine_for(a, precision, |engine| {
            engine.set_matrix(a, &preconditioner_blocks(&m, a.nrows() / 3))?;
            engine.set_vcycle(None)?;
            f(engine)
        })
    }

    /// Runs `f` on the engine of `precision` for `a`'s pattern (built if there is none), nothing
    /// uploaded yet.
    fn with_engine_for<R>(
        &self,
        a: &CsrMatrix<f64>,
        precision: Precision,
        f: impl FnOnce(&mut GpuPcg) -> Result<R, SolveError>,
    ) -> Result<R, SolveError> {
        let mut engines = self.engines.lock().unwrap_or_else(|p| p.into_inner());
        // Free the old pattern's buffers before allocating the new ones.
        engines.retain(|e| e.matches(a));
        let index = match engines.iter().position(|e| e.precision() == precision) {
            Some(i) => i,
            None => {
                engines.push(GpuPcg::new(Arc::clone(&self.gpu), a, precision)?);
                self.engines_built.fetch_add(1, Ordering::Relaxed);
                engines.len() - 1
            }
        };
        f(&mut engines[index])
    }

    /// Solves `a x = b` to `params.rtol` (f64 residual) by CG preconditioned with one f32 V-cycle
    /// of `h` (built for `a`) per iteration, all on the GPU; `x` holds the initial guess. The
    /// time to compute the coarse inverse and upload the hierarchy is added to
    /// `report.amg.setup_seconds` when `report.amg` is set.
    #[allow(clippy::too_many_arguments, reason = "solve's arguments and the hierarchy")]
    pub fn solve_amg(
        &self,
        a: &CsrMatrix<f64>,
        b: &[f64],
        x: &mut [f64],
        h: &Hierarchy,
        params: &SolveParams,
        mut report: SolveReport,
        progress: &dyn Progress,
    ) -> Result<SolveReport, SolveError> {
        report.precision = "f32 CG and AMG V-cycle (f64 residual)".into();
        if b.iter().chain(x.iter()).any(|v| !v.is_finite()) {
            return Err(SolveError::NonFinite { what: "the right-hand side or initial guess".into() });
        }
        if a.nrows() != h.unknowns() {
            return Err(SolveError::Shape { what: "the AMG hierarchy belongs to another matrix".into() });
        }
        let setup = Instant::now();
        let identity = preconditioner_blocks(&Preconditioner::Identity, a.nrows() / 3);
        self.with_engine_for(a, Precision::F32, |engine| {
            // The engine already holds this setup's numbers for this very matrix (a second
            // right-hand side): nothing to upload.
            if engine.loaded() != Some(h.generation()) || !h.is_for(a) {
                let v = vcycle(h);
                engine.set_matrix(a, &identity)?;
                if !engine.vcycle_fits(&v) {
                    self.vcycles_built.fetch_add(1, Ordering::Relaxed);
                }
                engine.set_vcycle(Some(&v))?;
                engine.mark_loaded(h.generation());
                self.vcycle_uploads.fetch_add(1, Ordering::Relaxed);
            }
            if let Some(amg) = report.amg.as_mut() {
                amg.setup_seconds += setup.elapsed().as_secs_f64();
            }
            refined_pcg(engine, a, b, x, (params, self.amg_delta, AMG_DRIFT_LIMIT), report, progress)
        })
    }

    /// Solves `a x = b` to `params.rtol` (f64 residual); `x` holds the initial guess.
    pub fn solve(
        &self,
        a: &CsrMatrix<f64>,
        b: &[f64],
        x: &mut [f64],
        params: &SolveParams,
        mut report: SolveReport,
        progress: &dyn Progress,
    ) -> Result<SolveReport, SolveError> {
        report.precision = "f32 (f64 residual)".into();
        if b.iter().chain(x.iter()).any(|v| !v.is_finite()) {
            return Err(SolveError::NonFinite { what: "the right-hand side or initial guess".into() });
        }
        let delta = self.delta;
        let mut refined = |engine: &mut GpuPcg, report| {
            refined_pcg(engine, a, b, x, (params, delta, f64::INFINITY), report, progress)
        };
        match self.with_engine(a, params, Precision::F32, |e| refined(e, report)) {
            // f32 cannot solve this system: continue from the best iterate in f64 where the
            // device has it.
            Err(SolveError::Precision { report }) if self.gpu.has_f64() => {
                let mut report = *report;
                report.precision = "f32, then f64 (f64 residual)".into();
                self.with_engine(a, params, Precision::F64, |e| refined(e, report))
            }
            other => other,
        }
    }

    /// Plain f32 CG on the GPU from `x = 0` until the recurrence residual reaches `params.rtol`
    /// (no f64 replacement): the counterpart of [`super::cg_in::<f32>`] for comparing iteration
    /// counts. Returns the solution and the report.
    pub fn cg_f32(
        &self,
        a: &CsrMatrix<f64>,
        b: &[f64],
        params: &SolveParams,
    ) -> Result<(Vec<f64>, SolveReport), SolveError> {
        let mut report = SolveReport::new::<f64>(&super::Backend::Cpu, params, a);
        (report.backend, report.precision) = ("gpu".into(), "f32".into());
        report.adapter = Some(self.gpu.describe());
        let b_norm = dot(b, b).sqrt();
        self.with_engine(a, params, Precision::F32, |engine| {
            let start = Instant::now();
            let r: Vec<f64> = b.iter().map(|v| v / b_norm).collect();
            engine.start(&r, (params.rtol * params.rtol) as f32, 0.0);
            let first = engine.state().iteration as usize;
            loop {
                let state = engine.run(BATCH)?;
                report.iterations = state.iteration - first;
                report.history.extend(state.history.iter().map(|rr| (*rr as f64).sqrt()));
                match state.status {
                    CgStatus::Reduced => break,
                    CgStatus::Breakdown => return Err(breakdown(state.pq, report)),
                    CgStatus::Running if report.iterations >= params.max_iterations => {
                        let max_iterations = params.max_iterations;
                        return Err(SolveError::IterationLimit { report: Box::new(report), max_iterations });
                    }
                    CgStatus::Running => {}
                }
            }
            let f = b_norm * engine.scale();
            let x: Vec<f64> = engine.read(Vector::X)?.iter().map(|&y| f * y).collect();
            report.relative_residual = residual(a, b, &x, &mut vec![0.0; b.len()]) / b_norm;
            report.seconds = start.elapsed().as_secs_f64();
            Ok((x, report))
        })
    }
}

/// One GPU cycle: iterate on the normalised residual `res / s` until the recurrence fell to
/// `stop`, the cycle reached `cap` iterations or the solve its iteration limit. Returns
/// whether the recurrence reached `stop`.
fn cycle(
    engine: &mut GpuPcg,
    (res, s, b_norm): (&[f64], f64, f64),
    (stop, rescale, cap): (f64, f32, usize),
    params: &SolveParams,
    report: &mut SolveReport,
    progress: &dyn Progress,
) -> Result<bool, SolveError> {
    let r: Vec<f64> = res.iter().map(|v| v / s).collect();
    engine.start(&r, (stop * stop) as f32, rescale);
    let (first, done_before) = (engine.state().iteration as usize, report.iterations);
    loop {
        let done = report.iterations - done_before;
        if report.iterations >= params.max_iterations || done >= cap {
            return Ok(false);
        }
        let state = engine.run(BATCH.min(params.max_iterations - report.iterations).min(cap - done))?;
        report.iterations = done_before + state.iteration - first;
        report.history.extend(state.history.iter().map(|rr| (*rr as f64).sqrt() * s / b_norm));
        progress.advance(report.iterations as u64, &format!("residual {:.2e}", report.history.last().unwrap_or(&1.0)));
        match state.status {
            CgStatus::Running => {}
            CgStatus::Reduced => return Ok(true),
            CgStatus::Breakdown => return Err(breakdown(state.pq, report.clone())),
        }
    }
}

/// The reliable-update loop (module docs) on an engine holding `a`; a direction is kept after
/// a replacement only while the true residual is within `drift_limit` of the recurrence's.
fn refined_pcg(
    engine: &mut GpuPcg,
    a: &CsrMatrix<f64>,
    b: &[f64],
    x: &mut [f64],
    (params, delta, drift_limit): (&SolveParams, f64, f64),
    mut report: SolveReport,
    progress: &dyn Progress,
) -> Result<SolveReport, SolveError> {
    let start = Instant::now();
    let b_norm = dot(b, b).sqrt();
    if b_norm == 0.0 {
        x.fill(0.0);
        report.convergence = Convergence::Tolerance;
        return Ok(report);
    }
    let target = params.rtol * b_norm;
    let (mut res, mut trial_res, mut trial) = (vec![0.0; b.len()], vec![0.0; b.len()], vec![0.0; b.len()]);
    let mut s = residual(a, b, x, &mut res);
    let (mut stalls, mut rescale, mut floor, mut cap) = (0, 0.0f32, 0.0f64, usize::MAX);
    progress.stage("GPU CG iterations", None);
    let converged = loop {
        report.relative_residual = s / b_norm;
        if s <= target {
            break true;
        }
        if report.iterations >= params.max_iterations || stalls >= MAX_STALLS {
            break false;
        }
        // 1. iterate on the GPU until the recurrence fell by δ (or to what the target needs)
        let stop = delta.max(floor).max(0.5 * target / s);
        let before = report.iterations;
        let reached = cycle(engine, (&res, s, b_norm), (stop, rescale, cap), params, &mut report, progress)
            .inspect_err(|_| progress.finish())?;
        // A cycle that continues a direction and stalls is cut at twice the last good length;
        // a fresh cycle runs to its target (CG's residual is not monotone, so a cut fresh cycle
        // may look like no progress at all).
        let length = report.iterations - before;
        // 2. x + s · scale · y and its true residual in f64
        let f = s * engine.scale();
        for ((t, x), y) in trial.iter_mut().zip(x.iter()).zip(engine.read(Vector::X)?) {
            *t = x + f * y;
        }
        let s_new = residual(a, b, &trial, &mut trial_res);
        report.refinements += 1;
        // 3. accept a better iterate, keeping the direction while the true residual at least
        //    halves; otherwise start the next cycle afresh (a cycle that stalled at the f32
        //    floor or diverged leaves x unchanged)
        if s_new < s {
            x.copy_from_slice(&trial);
            std::mem::swap(&mut res, &mut trial_res);
        }
        // The true gain of a cycle is bounded by f32's floor (about κ(A)·2⁻²⁴): when the
        // recurrence reached `stop` but the true residual fell much less, iterate only to half
        // the observed gain next time instead of wasting iterations below the floor.
        let gain = s_new / s;
        floor = if reached && gain > 4.0 * stop { (0.5 * gain).min(0.5) } else { floor };
        // Continue the direction only after a cycle whose recurrence told the truth (a cycle
        // that ran into the floor leaves a direction that stalls the next one: measured).
        let recurrence = report.history.last().copied().unwrap_or(f64::INFINITY) * b_norm;
        let drift = s_new / recurrence;
        let good = reached && gain < 0.5 && gain <= 1.5 * stop && drift <= drift_limit;
        stalls = if good { 0 } else { stalls + 1 };

        rescale = if good { (s / s_new) as f32 } else { 0.0 };
        cap = if good { (2 * length).max(CYCLE_CAP) } else { usize::MAX };
        if good {
            // Keep the direction orthogonal to the replaced residual, as the recurrence would
            // have it (r_{k+1} ⊥ p_k): p −= (r·p / r·r) r.
            let p = engine.read(Vector::P)?;
            let rp: f64 = res.iter().zip(&p).map(|(r, p)| r * p).sum();
            let c = rp / (s_new * s_new);
            let p: Vec<f64> = p.iter().zip(&res).map(|(p, r)| p - c * r).collect();
            engine.write(Vector::P, &p);
        }
        s = s.min(s_new);
    };
    progress.finish();
    report.seconds = start.elapsed().as_secs_f64();
    report.floor = attainable_floor(a, b, x);
    report.convergence = classify(report.relative_residual, params.rtol, report.floor);
    let f32_stall = engine.precision() == Precision::F32;
    match (converged || report.convergence != Convergence::Failed, stalls >= MAX_STALLS) {
        (true, _) => Ok(report),
        (false, true) if f32_stall => Err(SolveError::Precision { report: Box::new(report) }),
        (false, true) => Err(SolveError::Stagnated { report: Box::new(report) }),
        (false, false) => {
            let max_iterations = params.max_iterations;
            Err(SolveError::IterationLimit { report: Box::new(report), max_iterations })
        }
    }
}

/// The error of a GPU batch that stopped on `pᵀAp ≤ 0` (negative curvature) or a non-finite value.
fn breakdown(pq: f32, report: SolveReport) -> SolveError {
    let report = Box::new(report);
    if pq.is_finite() {
        SolveError::Indefinite { curvature: f64::from(pq), report }
    } else {
        SolveError::Breakdown { what: format!("pᵀAp = {pq:e} is not finite (f32 overflow or NaN)"), report }
    }
}
