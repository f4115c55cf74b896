//! The per-point assessment of a variable-amplitude history on the GPU (`shaders/fatigue.wgsl`),
//! checked and completed in f64 on the CPU.
//!
//! The work per point is independent and the same for every point: the equivalent-stress series,
//! its rainflow cycles, their Miner damage and the load factor that gives the design life. On
//! 10⁶ points × 10⁴ samples that is 10¹⁰ point-samples, a minute on two CPU cores
//! ([`super::assess`]); the kernel runs one point per invocation, in f32. It covers the
//! proportional criteria (signed von Mises, maximum principal) on a history; constant-amplitude
//! loading costs one evaluation per point and Findley a plane search per point, and both stay on
//! the CPU.
//!
//! Steps:
//! 1. **Layout.** Stresses are divided by S_u (so the logarithms the kernel takes stay near 0,
//!    where Vulkan's f32 `log` is good to 2⁻²¹ ≈ 5e-7 absolute); signed von Mises points carry their quadratic
//!    form in the coefficients (built in f64, [`VonMisesForm::packed_into`]), maximum principal
//!    points their stresses. The S-N curve goes as log-log segments shifted by ln S_u.
//! 2. **Passes** over chunks of points that fit one storage binding: the first evaluates λ = 1
//!    (damage per repetition, the governing cycle) and solves `ln(L D(λ)) = 0` (Newton until a
//!    bracket is found, then Illinois false position) on the point's rainflow cycles when at most
//!    [`kernel::CYCLES`] of them: the common case of a gait-like history, done in one pass. A
//!    point with more cycles takes one step per pass, traversing its history again each time,
//!    until no point is searching (at most [`MAX_PASSES`]). Only a 4-byte counter is read back
//!    per pass.
//! 3. **CPU completion.** Points whose rainflow stack overflowed the kernel's private stack
//!    ([`kernels::fatigue::STACK`] reversals held at once) or whose search did not finish are
//!    assessed on the CPU.
//! 4. **CPU check.** The points that decide the reported figures — every point whose GPU safety
//!    factor is within [`CANDIDATE_MARGIN`] of the smallest, or whose damage is within it of the
//!    largest (at most [`CANDIDATE_CAP`] of each) — and an evenly spread sample of
//!    [`SAMPLE_POINTS`] more are assessed again in f64 by [`super::assess`]; their f64 results
//!    replace the GPU's, repeated until the points of the smallest safety factor and of the
//!    largest damage are f64 results, so the hot spot, the minimum safety factor and the maximum
//!    damage are the CPU's own numbers. The largest relative difference of the safety factor on
//!    those points is [`GpuEvaluation::max_safety_difference`]; above [`SAFETY_TOLERANCE`] the
//!    evaluation does not agree and the caller warns.
//!
//! **Tolerances.** An f32 logarithm of a scaled stress is off by ≤ 5e-7; the damage of a cycle is
//! `N⁻¹ ∝ σ^{−1/b}` with `1/b` ≈ 5–15, so ln D is off by ~1e-6 and the root λ by about the same;
//! the search stops at |ln(L D)| ≤ 1e-5 (λ within 1e-5/(1/b) ≈ 1e-6) or a bracket of 1e-5 in ln λ
//! (a root on a jump of D, where a cycle crosses the knee: λ within 5e-6).
//! [`SAFETY_TOLERANCE`] = 1e-4 leaves a factor of more than 10 over their sum. Damage and life are as
//! close except where a cycle's σ_ar lies within f32 rounding of the endurance knee, where life
//! jumps between finite and infinite in either precision ([`GpuEvaluation::knee_flips`] counts
//! such points among the checked ones, [`GpuEvaluation::max_damage_difference`] is taken over the
//! others), and near the static limit, where a Goodman, Gerber or Soderberg σ_ar =
//! σ_a/(1 − σ_m/S) magnifies the mean's rounding by 1/(1 − σ_m/S) (the safety factor, solved at
//! a load where the mean is further from S, is not affected).

use std::time::Instant;

use serde::Serialize;

use super::assess::{assess, Criterion, FatigueParams, Loading, PointFatigue};
use super::equivalent::VonMisesForm;
use super::error::FatigueError;
use super::mean_stress::MeanStress;
use super::miner::{MAX_LOAD_FACTOR, MIN_LOAD_FACTOR};
use super::sn::LogSn;
use crate::gpu::kernels::fatigue::{self as kernel, FatigueKernelParams, PassInputs, PointState};
use crate::gpu::{Gpu, GpuError};

/// The most passes of one chunk. A point with at most [`kernel::CYCLES`] rainflow cycles finishes
/// in the first; one with more takes a step per pass, and where many cycles cross the endurance
/// knee its root sits on one of D's jumps, which false position closes in on in ~20–40 passes
/// (measured on white-noise histories of 10³ samples).
pub const MAX_PASSES: u32 = 96;
/// Relative margin around the extreme GPU safety factor and damage within which points are
/// re-assessed on the CPU (10× the GPU's accuracy, [`SAFETY_TOLERANCE`]).
pub const CANDIDATE_MARGIN: f64 = 1e-3;
/// The most points re-assessed on the CPU per extreme.
pub const CANDIDATE_CAP: usize = 1024;
/// Points of the evenly spread CPU sample.
pub const SAMPLE_POINTS: usize = 256;
/// Largest relative safety-factor difference GPU vs CPU for the evaluation to agree.
pub const SAFETY_TOLERANCE: f64 = 1e-4;
/// Largest relative damage difference expected away from the knee (reported, see the module docs).
pub const DAMAGE_TOLERANCE: f64 = 1e-3;

/// How a GPU assessment went (`summary.json` `fatigue.gpu`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GpuEvaluation {
    /// The adapter (or "CPU twin" for [`assess_twin`]).
    pub adapter: String,
    /// Points assessed.
    pub points: usize,
    /// History samples.
    pub samples: usize,
    /// Passes of the longest chunk.
    pub passes: u32,
    /// Seconds of the kernel part (upload, passes, readback).
    pub kernel_seconds: f64,
    /// Seconds of the CPU completion and check.
    pub cpu_seconds: f64,
    /// Points assessed on the CPU because the kernel could not (stack overflow, unfinished search).
    pub cpu_completed: usize,
    /// Points re-assessed on the CPU to check the kernel and fix the reported figures.
    pub cpu_checked: usize,
    /// Largest relative safety-factor difference on the checked points.
    pub max_safety_difference: f64,
    /// Largest relative damage difference on the checked points away from the knee.
    pub max_damage_difference: f64,
    /// Checked points where one precision finds damage and the other none (a cycle at the knee).
    pub knee_flips: usize,
    /// [`SAFETY_TOLERANCE`].
    pub tolerance: f64,
    /// Whether the checked safety factors agree within the tolerance.
    pub agrees: bool,
}

/// Why a GPU assessment failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GpuFatigueError {
    /// The inputs were rejected (as [`super::assess`] rejects them).
    #[error(transparent)]
    Fatigue(#[from] FatigueError),
    /// The GPU failed.
    #[error(transparent)]
    Gpu(#[from] GpuError),
    /// The kernel does not cover this loading or criterion (see [`supports`]).
    #[error("the GPU fatigue kernel covers histories with a proportional criterion only, not {0}")]
    Unsupported(&'static str),
}

/// Whether the kernel covers this loading and criterion: a history with a proportional criterion.
pub fn supports(loading: &Loading, params: &FatigueParams) -> bool {
    matches!(loading, Loading::History { .. })
        && matches!(params.criterion, Criterion::SignedVonMises | Criterion::MaxPrincipal)
}

/// [`super::assess`] of `stresses` (`points × cases`, as there) with the per-point work on `gpu`.
pub fn assess_gpu(
    gpu: &Gpu,
    stresses: &[[f64; 6]],
    loading: &Loading,
    params: &FatigueParams,
) -> Result<(Vec<PointFatigue>, GpuEvaluation), GpuFatigueError> {
    let layout = Layout::new(stresses, loading, params)?;
    let mut runner = GpuRunner::new(gpu, &layout)?;
    complete(&layout, stresses, loading, params, &mut runner, gpu.describe())
}

/// The same driver with the kernel's CPU twin ([`kernel::reference`]) in place of the GPU: the
/// f32 algorithm checked without a device, and the oracle of the GPU tests.
pub fn assess_twin(
    stresses: &[[f64; 6]],
    loading: &Loading,
    params: &FatigueParams,
) -> Result<(Vec<PointFatigue>, GpuEvaluation), GpuFatigueError> {
    let layout = Layout::new(stresses, loading, params)?;
    let mut runner = TwinRunner { state: Vec::new() };
    complete(&layout, stresses, loading, params, &mut runner, "CPU twin (f32)".into())
}

/// Step 1: the kernel's inputs for every point.
struct Layout {
    params: FatigueKernelParams,
    unit: Vec<f32>,
    coefficients: Vec<f32>,
    segments: Vec<[f32; 4]>,
    points: usize,
    scale: f64,
    design_life: f64,
}

impl Layout {
    fn new(stresses: &[[f64; 6]], loading: &Loading, params: &FatigueParams) -> Result<Self, GpuFatigueError> {
        let cases = super::assess::validate_inputs(stresses, loading, params)?;
        let Loading::History { samples } = loading else {
            return Err(GpuFatigueError::Unsupported("constant-amplitude loading"));
        };
        let scale = params.ultimate_strength;
        let points = stresses.len() / cases;
        let (criterion, width) = match params.criterion {
            Criterion::SignedVonMises => (kernel::SIGNED_VON_MISES, cases * (cases + 1) / 2 + cases),
            Criterion::MaxPrincipal => (kernel::MAX_PRINCIPAL, 6 * cases),
            Criterion::Findley { .. } => return Err(GpuFatigueError::Unsupported("Findley's critical plane")),
        };
        let mut unit = Vec::with_capacity(points * width);
        let mut form = VonMisesForm::default();
        let mut packed = Vec::with_capacity(width);
        for point in stresses.chunks_exact(cases) {
            let scaled: Vec<[f64; 6]> = point.iter().map(|s| s.map(|v| v / scale)).collect();
            packed.clear();
            if criterion == kernel::SIGNED_VON_MISES {
                form.set(&scaled);
                form.packed_into(&mut packed);
            } else {
                packed.extend(scaled.iter().flatten());
            }
            unit.extend(packed.iter().map(|&v| v as f32));
        }
        let coefficients = samples.iter().flatten().map(|&c| c as f32).collect();
        let ln_scale = scale.ln();
        let big = 1e30f32;
        let shift = |v: f64| if v.is_finite() { (v - ln_scale) as f32 } else { -big };
        let log_sn = LogSn::new(&params.sn);
        let segments: Vec<[f32; 4]> =
            log_sn.segments().iter().map(|s| [shift(s.0), shift(s.1), s.2 as f32, s.3 as f32]).collect();
        let (mean_stress, gamma) = match params.mean_stress {
            MeanStress::None => (kernel::mean_stress::NONE, 1.0),
            MeanStress::Goodman => (kernel::mean_stress::GOODMAN, 1.0),
            MeanStress::Gerber => (kernel::mean_stress::GERBER, 1.0),
            MeanStress::Soderberg => (kernel::mean_stress::SODERBERG, 1.0),
            MeanStress::Swt => (kernel::mean_stress::SWT, 0.5),
            MeanStress::Walker { gamma } => (kernel::mean_stress::WALKER, gamma),
        };
        let kernel_params = FatigueKernelParams {
            points: 0,
            cases: cases as u32,
            samples: samples.len() as u32,
            workgroups: 0,
            criterion,
            mean_stress,
            segments: segments.len() as u32,
            width: width as u32,
            ultimate: 1.0,
            yield_strength: (params.yield_strength / scale) as f32,
            gamma: gamma as f32,
            ln_knee: shift(log_sn.ln_knee()),
            ln_design_life: params.design_life.ln() as f32,
            first_pass: 1,
            _pad0: 0,
            _pad1: 0,
        };
        Ok(Layout {
            params: kernel_params,
            unit,
            coefficients,
            segments,
            points,
            scale,
            design_life: params.design_life,
        })
    }

    fn width(&self) -> usize {
        self.params.width as usize
    }

    /// The result of a finished point.
    fn result(&self, s: &PointState) -> PointFatigue {
        let sc = self.scale;
        let (life, equivalent) = if s.flags & kernel::STATIC != 0 {
            (0.0, f64::INFINITY)
        } else {
            let ln_damage = s.damage as f64;
            let life = if ln_damage < -1e29 { f64::INFINITY } else { (-ln_damage).exp() };
            (life, s.equivalent as f64 * sc)
        };
        let damage = if life.is_infinite() { 0.0 } else { self.design_life / life };
        PointFatigue {
            alternating: s.alternating as f64 * sc,
            mean: s.mean as f64 * sc,
            equivalent,
            life,
            damage,
            safety_factor: (s.safety as f64).clamp(MIN_LOAD_FACTOR, MAX_LOAD_FACTOR),
            normal: None,
        }
    }
}

/// Runs the passes of one chunk of points.
trait Runner {
    /// Loads the chunk `[begin, begin + count)`.
    fn load(&mut self, layout: &Layout, begin: usize, count: usize) -> Result<(), GpuError>;
    /// One pass; the number of points still searching.
    fn pass(&mut self, params: &FatigueKernelParams, layout: &Layout) -> Result<u32, GpuError>;
    /// The chunk's states.
    fn states(&mut self, count: usize) -> Result<Vec<PointState>, GpuError>;
    /// Points per chunk.
    fn chunk(&self, layout: &Layout) -> usize;
}

/// Steps 2–4 with `runner`.
fn complete(
    layout: &Layout,
    stresses: &[[f64; 6]],
    loading: &Loading,
    params: &FatigueParams,
    runner: &mut dyn Runner,
    adapter: String,
) -> Result<(Vec<PointFatigue>, GpuEvaluation), GpuFatigueError> {
    let start = Instant::now();
    let (states, passes) = run_passes(layout, runner)?;
    let kernel_seconds = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let mut results: Vec<PointFatigue> = states.iter().map(|s| layout.result(s)).collect();
    let cases = stresses.len() / layout.points;
    // Step 3: points the kernel could not finish.
    let unfinished: Vec<usize> = states
        .iter()
        .enumerate()
        .filter(|(_, s)| s.flags & kernel::OVERFLOW != 0 || s.flags & kernel::DONE == 0)
        .map(|(p, _)| p)
        .collect();
    let on_cpu = |points: &[usize]| -> Result<Vec<PointFatigue>, FatigueError> {
        let gathered: Vec<[f64; 6]> =
            points.iter().flat_map(|&p| stresses[p * cases..(p + 1) * cases].iter().copied()).collect();
        if gathered.is_empty() {
            return Ok(Vec::new());
        }
        assess(&gathered, loading, params)
    };
    for (&p, r) in unfinished.iter().zip(on_cpu(&unfinished)?) {
        results[p] = r;
    }
    // Step 4: the points that decide the figures, and a spread sample.
    let mut checked = vec![false; layout.points];
    for &p in &unfinished {
        checked[p] = true;
    }
    let mut check: Vec<usize> = Vec::new();
    let mut add = |p: usize, check: &mut Vec<usize>| {
        if !checked[p] {
            checked[p] = true;
            check.push(p);
        }
    };
    let min_safety = results.iter().map(|r| r.safety_factor).fold(f64::INFINITY, f64::min);
    let mut by_safety: Vec<usize> =
        (0..layout.points).filter(|&p| results[p].safety_factor <= min_safety * (1.0 + CANDIDATE_MARGIN)).collect();
    by_safety.sort_by(|&a, &b| results[a].safety_factor.total_cmp(&results[b].safety_factor));
    for &p in by_safety.iter().take(CANDIDATE_CAP) {
        add(p, &mut check);
    }
    let max_damage = results.iter().map(|r| r.damage).fold(0.0, f64::max);
    if max_damage > 0.0 {
        let mut by_damage: Vec<usize> =
            (0..layout.points).filter(|&p| results[p].damage >= max_damage * (1.0 - CANDIDATE_MARGIN)).collect();
        by_damage.sort_by(|&a, &b| results[b].damage.total_cmp(&results[a].damage));
        for &p in by_damage.iter().take(CANDIDATE_CAP) {
            add(p, &mut check);
        }
    }
    let stride = layout.points.div_ceil(SAMPLE_POINTS).max(1);
    for p in (0..layout.points).step_by(stride) {
        add(p, &mut check);
    }
    let mut reference = on_cpu(&check)?;
    let mut gpu_results: Vec<PointFatigue> = check.iter().map(|&p| results[p]).collect();
    for (&p, cpu) in check.iter().zip(&reference) {
        results[p] = *cpu;
    }
    // The extremes after the replacement may lie on points not yet checked (a GPU value the f64
    // one undercut, ties beyond the cap): check those too, until both extremes are f64 values.
    loop {
        let by_safety =
            (0..layout.points).min_by(|&a, &b| results[a].safety_factor.total_cmp(&results[b].safety_factor));
        let by_damage = (0..layout.points).max_by(|&a, &b| results[a].damage.total_cmp(&results[b].damage));
        let more: Vec<usize> = [by_safety, by_damage].into_iter().flatten().filter(|&p| !checked[p]).collect();
        if more.is_empty() {
            break;
        }
        let values = on_cpu(&more)?;
        for (&p, cpu) in more.iter().zip(&values) {
            checked[p] = true;
            check.push(p);
            reference.push(*cpu);
        }
        gpu_results.extend(more.iter().map(|&p| results[p]));
        for (&p, cpu) in more.iter().zip(&values) {
            results[p] = *cpu;
        }
    }
    let (mut safety_diff, mut damage_diff, mut knee_flips) = (0.0f64, 0.0f64, 0);
    for (gpu, cpu) in gpu_results.iter().zip(&reference) {
        let gpu = *gpu;
        safety_diff = safety_diff.max((gpu.safety_factor - cpu.safety_factor).abs() / cpu.safety_factor);
        let (dg, dc) = (gpu.damage, cpu.damage);
        if (dg > 0.0) != (dc > 0.0) {
            knee_flips += 1;
        } else if dg > 0.0 && dg.is_finite() && dc.is_finite() {
            damage_diff = damage_diff.max((dg - dc).abs() / dc.max(dg));
        }
    }
    let evaluation = GpuEvaluation {
        adapter,
        points: layout.points,
        samples: layout.params.samples as usize,
        passes,
        kernel_seconds,
        cpu_seconds: start.elapsed().as_secs_f64(),
        cpu_completed: unfinished.len(),
        cpu_checked: check.len(),
        max_safety_difference: safety_diff,
        max_damage_difference: damage_diff,
        knee_flips,
        tolerance: SAFETY_TOLERANCE,
        agrees: safety_diff <= SAFETY_TOLERANCE,
    };
    Ok((results, evaluation))
}

/// Step 2: every chunk's passes; the final states and the most passes of a chunk.
fn run_passes(layout: &Layout, runner: &mut dyn Runner) -> Result<(Vec<PointState>, u32), GpuError> {
    let chunk = runner.chunk(layout).max(1);
    let mut states = Vec::with_capacity(layout.points);
    let mut passes = 0;
    let mut begin = 0;
    while begin < layout.points {
        let count = chunk.min(layout.points - begin);
        runner.load(layout, begin, count)?;
        let mut p = FatigueKernelParams { points: count as u32, first_pass: 1, ..layout.params };
        let mut pending = runner.pass(&p, layout)?;
        let mut n = 1;
        p.first_pass = 0;
        while pending > 0 && n < MAX_PASSES {
            pending = runner.pass(&p, layout)?;
            n += 1;
        }
        passes = passes.max(n);
        states.extend(runner.states(count)?);
        begin += count;
    }
    Ok((states, passes))
}

/// The kernel's own results, before the CPU completion and check: per point `None` where the
/// kernel left it to the CPU, on `gpu` or (without one) on the CPU twin. For tests and diagnosis.
pub fn kernel_results(
    gpu: Option<&Gpu>,
    stresses: &[[f64; 6]],
    loading: &Loading,
    params: &FatigueParams,
) -> Result<Vec<Option<PointFatigue>>, GpuFatigueError> {
    let layout = Layout::new(stresses, loading, params)?;
    let (states, _) = match gpu {
        Some(gpu) => run_passes(&layout, &mut GpuRunner::new(gpu, &layout)?)?,
        None => run_passes(&layout, &mut TwinRunner { state: Vec::new() })?,
    };
    Ok(states
        .iter()
        .map(|s| (s.flags & kernel::OVERFLOW == 0 && s.flags & kernel::DONE != 0).then(|| layout.result(s)))
        .collect())
}

/// The CPU twin's runner.
struct TwinRunner {
    state: Vec<PointState>,
}

impl Runner for TwinRunner {
    fn load(&mut self, _: &Layout, _: usize, count: usize) -> Result<(), GpuError> {
        self.state = vec![PointState::default(); count];
        Ok(())
    }

    fn pass(&mut self, params: &FatigueKernelParams, layout: &Layout) -> Result<u32, GpuError> {
        // The twin runs one chunk holding every point; see `chunk`.
        let inputs =
            PassInputs { params, unit: &layout.unit, coefficients: &layout.coefficients, segments: &layout.segments };
        Ok(kernel::reference(&inputs, &mut self.state))
    }

    fn states(&mut self, _: usize) -> Result<Vec<PointState>, GpuError> {
        Ok(std::mem::take(&mut self.state))
    }

    fn chunk(&self, layout: &Layout) -> usize {
        layout.points
    }
}

/// The GPU's runner: buffers for one chunk, reused by every chunk.
struct GpuRunner<'g> {
    gpu: &'g Gpu,
    chunk: usize,
    params: wgpu::Buffer,
    unit: wgpu::Buffer,
    state: wgpu::Buffer,
    pending: wgpu::Buffer,
    staging: wgpu::Buffer,
    bind_group: wgpu::BindGroup,
    workgroups: u32,
}

impl<'g> GpuRunner<'g> {
    fn new(gpu: &'g Gpu, layout: &Layout) -> Result<Self, GpuError> {
        use wgpu::BufferUsages as U;
        let state_bytes = std::mem::size_of::<PointState>() as u64;
        let unit_bytes = 4 * layout.width() as u64;
        let limit = gpu.max_binding_bytes.min(gpu.max_buffer_bytes);
        let coefficient_bytes = 4 * layout.coefficients.len() as u64;
        if coefficient_bytes > limit {
            return Err(GpuError::TooLarge {
                what: "fatigue history coefficients".into(),
                needed_mib: coefficient_bytes as f64 / 1048576.0,
                limit_mib: limit as f64 / 1048576.0,
            });
        }
        // Points per chunk: what one binding holds, at most 2¹⁸ (enough invocations to fill a large
        // GPU, and a dispatch short enough for a display driver's watchdog).
        let chunk = ((limit / state_bytes.max(unit_bytes)) as usize).clamp(1, 1 << 18).min(layout.points);
        let params = gpu.buffer("fatigue params", 64, U::UNIFORM | U::COPY_DST)?;
        let unit = gpu.buffer("fatigue unit stresses", chunk as u64 * unit_bytes, U::STORAGE | U::COPY_DST)?;
        let coefficients = gpu.buffer("fatigue history coefficients", coefficient_bytes, U::STORAGE | U::COPY_DST)?;
        let segments =
            gpu.buffer("fatigue S-N segments", 16 * layout.segments.len() as u64, U::STORAGE | U::COPY_DST)?;
        let state =
            gpu.buffer("fatigue point states", chunk as u64 * state_bytes, U::STORAGE | U::COPY_SRC | U::COPY_DST)?;
        let pending = gpu.buffer("fatigue pending count", 4, U::STORAGE | U::COPY_SRC | U::COPY_DST)?;
        let staging = gpu.buffer("fatigue readback", chunk as u64 * state_bytes, U::MAP_READ | U::COPY_DST)?;
        gpu.queue.write_buffer(&coefficients, 0, bytemuck::cast_slice(&layout.coefficients));
        gpu.queue.write_buffer(&segments, 0, bytemuck::cast_slice(&layout.segments));
        let bind_group =
            gpu.kernels.fatigue.bind(&gpu.device, [&params, &unit, &coefficients, &segments, &state, &pending]);
        gpu.check("uploading the fatigue inputs")?;
        Ok(GpuRunner { gpu, chunk, params, unit, state, pending, staging, bind_group, workgroups: 0 })
    }
}

impl Runner for GpuRunner<'_> {
    fn load(&mut self, layout: &Layout, begin: usize, count: usize) -> Result<(), GpuError> {
        let w = layout.width();
        self.gpu.queue.write_buffer(&self.unit, 0, bytemuck::cast_slice(&layout.unit[begin * w..(begin + count) * w]));
        self.workgroups = crate::gpu::kernels::workgroups(count);
        Ok(())
    }

    fn pass(&mut self, params: &FatigueKernelParams, _: &Layout) -> Result<u32, GpuError> {
        let gpu = self.gpu;
        let p = FatigueKernelParams { workgroups: self.workgroups, ..*params };
        gpu.queue.write_buffer(&self.params, 0, bytemuck::bytes_of(&p));
        gpu.queue.write_buffer(&self.pending, 0, &[0u8; 4]);
        let mut encoder = gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("fatigue") });
        {
            let mut pass = encoder
                .begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some("fatigue"), timestamp_writes: None });
            gpu.kernels.fatigue.record(&mut pass, &self.bind_group, gpu.grid(self.workgroups));
        }
        encoder.copy_buffer_to_buffer(&self.pending, 0, &self.staging, 0, 4);
        let bytes = gpu.submit_and_read(encoder, &self.staging, 4, "the fatigue assessment")?;
        Ok(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    fn states(&mut self, count: usize) -> Result<Vec<PointState>, GpuError> {
        let gpu = self.gpu;
        let bytes = (count * std::mem::size_of::<PointState>()) as u64;
        let mut encoder =
            gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("fatigue readback") });
        encoder.copy_buffer_to_buffer(&self.state, 0, &self.staging, 0, bytes);
        let data = gpu.submit_and_read(encoder, &self.staging, bytes, "reading the fatigue results")?;
        Ok(bytemuck::pod_collect_to_vec(&data))
    }

    fn chunk(&self, _: &Layout) -> usize {
        self.chunk
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fatigue::synthetic::{gait, noise, stresses};
    use crate::fatigue::{Material, SnCurve};

    /// The kernel's own results (CPU twin) against the f64 assessment, point by point: safety
    /// factors within SAFETY_TOLERANCE, damage within DAMAGE_TOLERANCE except at knee flips, the
    /// governing cycle's σ_ar within 1e-5. Returns the knee flips.
    fn compare(stresses: &[[f64; 6]], loading: &Loading, params: &FatigueParams) -> usize {
        let kernel = kernel_results(None, stresses, loading, params).unwrap();
        let cpu = assess(stresses, loading, params).unwrap();
        let mut flips = 0;
        for (p, (k, c)) in kernel.iter().zip(&cpu).enumerate() {
            let k = k.unwrap_or_else(|| {
                let layout = Layout::new(stresses, loading, params).unwrap();
                let (states, _) = run_passes(&layout, &mut TwinRunner { state: Vec::new() }).unwrap();
                panic!("point {p} left to the CPU: {:?}; cpu {c:?}; {params:?}", states[p])
            });
            let ds = (k.safety_factor - c.safety_factor).abs() / c.safety_factor;
            assert!(
                ds <= SAFETY_TOLERANCE,
                "point {p}: safety {} vs {} ({params:?})",
                k.safety_factor,
                c.safety_factor
            );
            // Near the static limit σ_ar = σ_a/(1 − σ_m/S_u) magnifies the mean's rounding more
            // than tenfold (in either precision): damage is not compared there.
            let near_limit = c.mean > 0.9 * params.yield_strength;
            if (k.damage > 0.0) != (c.damage > 0.0) {
                flips += 1;
            } else if near_limit {
                assert_eq!(k.damage.is_finite(), c.damage.is_finite(), "point {p}");
            } else if c.damage.is_finite() && c.damage > 0.0 {
                let dd = (k.damage - c.damage).abs() / c.damage;
                assert!(dd <= DAMAGE_TOLERANCE, "point {p}: damage {} vs {}", k.damage, c.damage);
            } else {
                assert_eq!(k.damage, c.damage, "point {p}: {k:?} vs {c:?}");
            }
            // The governing cycle (well conditioned, unlike σ_ar near a Goodman pole): f32 rounding
            // of O(1) scaled stresses, 1e-6 S_u.
            let tol = 1e-6 * params.ultimate_strength;
            assert!((k.alternating - c.alternating).abs() <= tol, "point {p}: {k:?} vs {c:?}");
            assert!((k.mean - c.mean).abs() <= tol, "point {p}: {k:?} vs {c:?}");
            assert_eq!(k.equivalent.is_finite(), c.equivalent.is_finite(), "point {p}");
        }
        flips
    }

    #[test]
    fn the_f32_kernel_agrees_with_the_f64_assessment() {
        let ti = Material::named("ti6al4v_eli").unwrap();
        let table = SnCurve::table(vec![(1e4, 700e6), (1e5, 560e6), (1e6, 480e6), (1e7, 430e6)]).unwrap();
        let mean_stresses = [
            MeanStress::Goodman,
            MeanStress::None,
            MeanStress::Gerber,
            MeanStress::Soderberg,
            MeanStress::Swt,
            MeanStress::Walker { gamma: 0.7 },
        ];
        let mut flips = 0;
        let mut points = 0;
        for (i, ms) in mean_stresses.into_iter().enumerate() {
            for criterion in [Criterion::SignedVonMises, Criterion::MaxPrincipal] {
                for (loading, cases) in [(gait(200), 2), (noise(300, 3, 11 + i as u64), 3)] {
                    let sn = if i % 2 == 0 { ti.sn.clone() } else { table.clone() };
                    let params =
                        FatigueParams { criterion, mean_stress: ms, sn, design_life: 1e6, ..FatigueParams::default() };
                    let s = stresses(150, cases, 300e6, 3 + i as u64);
                    flips += compare(&s, &loading, &params);
                    points += 150;
                }
            }
        }
        // A knee flip needs a cycle within ~1e-7 of the endurance strength: rare by construction.
        assert!(flips * 200 <= points, "{flips} knee flips in {points} points");
    }

    #[test]
    fn the_driver_completes_and_checks_in_f64() {
        let params = FatigueParams { design_life: 1e7, ..FatigueParams::default() };
        let s = stresses(3000, 2, 250e6, 7);
        let loading = gait(120);
        let (results, eval) = assess_twin(&s, &loading, &params).unwrap();
        let cpu = assess(&s, &loading, &params).unwrap();
        assert!(eval.agrees, "{eval:?}");
        assert_eq!(eval.points, 3000);
        assert!(eval.cpu_checked >= SAMPLE_POINTS && eval.cpu_checked <= SAMPLE_POINTS + 2 * CANDIDATE_CAP);
        // The reported extremes are the f64 numbers themselves.
        let min = |v: &[PointFatigue]| v.iter().map(|r| r.safety_factor).fold(f64::INFINITY, f64::min);
        assert_eq!(min(&results), min(&cpu));
        let max = |v: &[PointFatigue]| v.iter().map(|r| r.damage).fold(0.0, f64::max);
        assert_eq!(max(&results), max(&cpu));
    }

    #[test]
    fn a_deep_rainflow_stack_and_special_points_go_to_the_cpu_or_agree() {
        // A converging spiral holds every reversal on the stack: 200 > STACK.
        let spiral: Vec<Vec<f64>> =
            (0..200).map(|j| vec![if j % 2 == 0 { 1.0 } else { -1.0 } * (1.0 - 0.002 * j as f64)]).collect();
        let loading = Loading::History { samples: spiral };
        let params = FatigueParams::default();
        let s = vec![[400e6, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0; 6], [300e6, 10e6, 0.0, 5e6, 0.0, 0.0]];
        let kernel = kernel_results(None, &s, &loading, &params).unwrap();
        assert!(kernel[0].is_none() && kernel[2].is_none(), "overflow goes to the CPU");
        let (results, eval) = assess_twin(&s, &loading, &params).unwrap();
        assert_eq!(eval.cpu_completed, 2);
        assert_eq!(results, assess(&s, &loading, &params).unwrap());
        // The unloaded point: no damage up to the largest factor.
        assert_eq!(results[1].safety_factor, MAX_LOAD_FACTOR);
        // A static failure: a tensile mean beyond S_u (Goodman).
        let su = params.ultimate_strength;
        let loading = Loading::History { samples: vec![vec![1.0], vec![1.2], vec![1.0], vec![1.4], vec![1.1]] };
        let s = vec![[su, 0.0, 0.0, 0.0, 0.0, 0.0]];
        let k = kernel_results(None, &s, &loading, &params).unwrap()[0].unwrap();
        let c = assess(&s, &loading, &params).unwrap()[0];
        assert_eq!((k.life, c.life), (0.0, 0.0));
        assert!(k.damage.is_infinite() && c.damage.is_infinite());
        assert!((k.safety_factor - c.safety_factor).abs() <= SAFETY_TOLERANCE * c.safety_factor, "{k:?} {c:?}");
        // A static hold beyond S_u: no amplitude, a static failure whose load factor is S_u / σ.
        let hold = Loading::History { samples: vec![vec![1.0]; 4] };
        let s = vec![[1.25 * su, 0.0, 0.0, 0.0, 0.0, 0.0]];
        let k = kernel_results(None, &s, &hold, &params).unwrap()[0].unwrap();
        let c = assess(&s, &hold, &params).unwrap()[0];
        assert_eq!((k.life, c.life), (0.0, 0.0));
        assert!((c.safety_factor - 0.8).abs() < 1e-9, "{c:?}");
        assert!((k.safety_factor - 0.8).abs() <= SAFETY_TOLERANCE * 0.8, "{k:?}");
        // Constant and Findley loading are refused, not run.
        let constant = Loading::Constant { max: vec![1.0], min: vec![0.0] };
        assert!(matches!(kernel_results(None, &s, &constant, &params), Err(GpuFatigueError::Unsupported(_))));
    }
}
