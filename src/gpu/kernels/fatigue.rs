//! Host module of `shaders/fatigue.wgsl`: one pass of the per-point stress-life assessment of a
//! variable-amplitude history (equivalent-stress series, streaming rainflow, Miner damage at the
//! point's load factor, one step of the safety-factor search). [`crate::fatigue::gpu`] lays out
//! the inputs and runs the passes; [`reference`] is the kernel's CPU twin in f32.

use super::{bind, dispatch, pipeline, Precision};

/// WGSL source.
pub const SOURCE: &str = include_str!("../../../shaders/fatigue.wgsl");

/// `PointState::flags`: the search is over (`safety` holds the factor).
pub const DONE: u32 = 1;
/// `PointState::flags`: `lo`, `h_lo` hold a load factor with too little damage.
pub const HAVE_LO: u32 = 2;
/// `PointState::flags`: `hi`, `h_hi` hold a load factor with enough damage.
pub const HAVE_HI: u32 = 4;
/// `PointState::flags`: the rainflow stack overflowed ([`STACK`]); the host evaluates the point.
pub const OVERFLOW: u32 = 8;
/// `PointState::flags`: a cycle's mean is at or beyond the strength at load factor 1.
pub const STATIC: u32 = 16;
/// `PointState::flags`: the end the last bracketed step moved, as `HAVE_LO` or `HAVE_HI` times
/// this (Illinois' memory).
const LAST_SHIFT: u32 = 32;
const LAST_MASK: u32 = 192;
/// Capacity of the kernel's private rainflow stack (the WGSL `STACK`).
pub const STACK: usize = 128;
/// Cycles the first pass keeps to finish the search without the history (the WGSL `CYCLES`).
pub const CYCLES: usize = 128;
/// Search steps on the kept cycles (the WGSL `INNER`).
const INNER: u32 = 160;

/// `criterion` of [`FatigueKernelParams`]: signed von Mises (unit rows hold the quadratic form).
pub const SIGNED_VON_MISES: u32 = 0;
/// `criterion`: largest-magnitude principal stress (unit rows hold the stresses).
pub const MAX_PRINCIPAL: u32 = 1;

/// `mean_stress` of [`FatigueKernelParams`].
pub mod mean_stress {
    /// No correction.
    pub const NONE: u32 = 0;
    /// Goodman.
    pub const GOODMAN: u32 = 1;
    /// Gerber.
    pub const GERBER: u32 = 2;
    /// Soderberg.
    pub const SODERBERG: u32 = 3;
    /// Smith–Watson–Topper.
    pub const SWT: u32 = 4;
    /// Walker.
    pub const WALKER: u32 = 5;
}

const BIG: f32 = 1e30;
const X_MIN: f32 = -13.815511;
const X_MAX: f32 = 6.907_755_4;
const H_TOL: f32 = 1e-5;
const X_TOL: f32 = 1e-5;
const LN_10: f32 = std::f32::consts::LN_10;

/// Mirrors WGSL `FatigueKernelParams`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct FatigueKernelParams {
    /// Points of this dispatch.
    pub points: u32,
    /// Load cases.
    pub cases: u32,
    /// History samples.
    pub samples: u32,
    /// Workgroups of the dispatch.
    pub workgroups: u32,
    /// [`SIGNED_VON_MISES`] or [`MAX_PRINCIPAL`].
    pub criterion: u32,
    /// One of [`mean_stress`].
    pub mean_stress: u32,
    /// S-N segments.
    pub segments: u32,
    /// Floats per point in `unit`.
    pub width: u32,
    /// S_u over the stress scale.
    pub ultimate: f32,
    /// S_y over the stress scale.
    pub yield_strength: f32,
    /// Walker's γ.
    pub gamma: f32,
    /// ln of the endurance strength over the scale (−1e30 without a knee).
    pub ln_knee: f32,
    /// ln of the design life (repetitions).
    pub ln_design_life: f32,
    /// 1 on the first pass (λ = 1, state reset), else 0.
    pub first_pass: u32,
    /// Padding.
    pub _pad0: u32,
    /// Padding.
    pub _pad1: u32,
}

/// Mirrors WGSL `PointState`: one point's search and results.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct PointState {
    /// ln λ of the next evaluation.
    pub x: f32,
    /// Bracket end with too little damage.
    pub lo: f32,
    /// Bracket end with enough damage.
    pub hi: f32,
    /// h at `lo`.
    pub h_lo: f32,
    /// h at `hi`.
    pub h_hi: f32,
    /// Step of the bracket search (ln λ), doubling.
    pub step: f32,
    /// [`DONE`], [`HAVE_LO`], [`HAVE_HI`], [`OVERFLOW`], [`STATIC`].
    pub flags: u32,
    /// Passes that evaluated this point.
    pub passes: u32,
    /// ln of the damage per repetition at λ = 1 (−1e30 for none, 1e30 for a static failure).
    pub damage: f32,
    /// Governing cycle's amplitude (scaled stress).
    pub alternating: f32,
    /// Governing cycle's mean.
    pub mean: f32,
    /// Governing cycle's σ_ar.
    pub equivalent: f32,
    /// The safety factor, once [`DONE`].
    pub safety: f32,
    /// Padding.
    pub _pad2: f32,
    /// Padding.
    pub _pad0: f32,
    /// Padding.
    pub _pad1: f32,
}

/// The compiled kernel.
#[derive(Debug)]
pub struct FatigueKernel {
    pipeline: wgpu::ComputePipeline,
}

impl FatigueKernel {
    /// Compiles the kernel.
    pub fn new(device: &wgpu::Device) -> Self {
        FatigueKernel { pipeline: pipeline(device, "fatigue", Precision::F32.source(SOURCE), "main") }
    }

    /// Bind group: params, unit, coefficients, S-N segments, state, pending counter.
    pub fn bind(&self, device: &wgpu::Device, buffers: [&wgpu::Buffer; 6]) -> wgpu::BindGroup {
        bind(device, &self.pipeline, "fatigue", &buffers)
    }

    /// Encodes one pass over `grid`.
    pub fn record(&self, pass: &mut wgpu::ComputePass<'_>, bind_group: &wgpu::BindGroup, grid: (u32, u32)) {
        dispatch(pass, &self.pipeline, bind_group, grid);
    }
}

/// Inputs of one pass, as the kernel's bindings hold them.
#[derive(Debug, Clone, Copy)]
pub struct PassInputs<'a> {
    /// The uniform.
    pub params: &'a FatigueKernelParams,
    /// `points × width` floats.
    pub unit: &'a [f32],
    /// `samples × cases` coefficients.
    pub coefficients: &'a [f32],
    /// S-N segments `(ln S_lo, ln S_hi, ln N at S_hi, d ln N / d ln S)`.
    pub segments: &'a [[f32; 4]],
}

/// CPU twin of one pass, f32 in the kernel's order: updates `state` and returns the number of
/// points still searching (the kernel's `pending`).
pub fn reference(inputs: &PassInputs<'_>, state: &mut [PointState]) -> u32 {
    let mut pending = 0;
    for (p, s) in state.iter_mut().enumerate().take(inputs.params.points as usize) {
        if point_pass(inputs, p, s) {
            pending += 1;
        }
    }
    pending
}

/// One point of [`reference`]; true when the point goes on searching.
fn point_pass(inputs: &PassInputs<'_>, p: usize, s: &mut PointState) -> bool {
    let params = inputs.params;
    let first = params.first_pass == 1;
    if first {
        *s = PointState { step: FIRST_STEP, ..PointState::default() };
    }
    if s.flags & (DONE | OVERFLOW) != 0 {
        return false;
    }
    let mut e = Evaluation::of(inputs, p, if first { 1.0 } else { s.x.exp() });
    s.passes += 1;
    if e.overflowed {
        s.flags |= OVERFLOW;
        return false;
    }
    let (h, dh) = e.h_now();
    if first {
        s.damage = if e.broken {
            BIG
        } else if e.d_sum > 0.0 {
            e.ln_top + e.d_sum.ln()
        } else {
            -BIG
        };
        (s.alternating, s.mean, s.equivalent) = e.worst;
        if e.broken {
            s.flags |= STATIC;
        }
    }
    let mut done = step(s, h, dh);
    if first && e.kept_all {
        let mut it = 0;
        while it < INNER && !done {
            e.load_factor = s.x.exp();
            e.reset_sums();
            for i in 0..e.kept.len() {
                let (a, m, n) = e.kept[i];
                e.accumulate(a, m, n);
            }
            let (h, dh) = e.h_now();
            done = step(s, h, dh);
            it += 1;
        }
    }
    !done
}

/// The kernel's `step`: one step of the search after evaluating h, dh at `s.x`; true when done.
fn step(s: &mut PointState, h: f32, dh: f32) -> bool {
    let finish = |s: &mut PointState, x: f32| {
        s.safety = x.clamp(X_MIN, X_MAX).exp();
        s.flags |= DONE;
        true
    };
    let x = s.x;
    if h.abs() <= H_TOL {
        return finish(s, x);
    }
    if h < 0.0 {
        (s.lo, s.h_lo) = (x, h);
        s.flags |= HAVE_LO;
    } else {
        (s.hi, s.h_hi) = (x, h);
        s.flags |= HAVE_HI;
    }
    let newton_ok = dh > 0.0 && h.abs() < 0.5 * BIG;
    let newton = if newton_ok { x - h / dh } else { x };
    let next;
    if s.flags & HAVE_LO != 0 && s.flags & HAVE_HI != 0 {
        let (lo, hi) = (s.lo, s.hi);
        let width = hi - lo;
        if width <= X_TOL {
            return finish(s, 0.5 * (lo + hi));
        }
        let moved = if h < 0.0 { HAVE_LO } else { HAVE_HI };
        if s.flags & LAST_MASK == moved * LAST_SHIFT {
            if h < 0.0 && s.h_hi.abs() < 0.5 * BIG {
                s.h_hi *= 0.5;
            } else if h >= 0.0 && s.h_lo.abs() < 0.5 * BIG {
                s.h_lo *= 0.5;
            }
        }
        s.flags = (s.flags & !LAST_MASK) | (moved * LAST_SHIFT);
        let finite = s.h_lo.abs() < 0.5 * BIG && s.h_hi.abs() < 0.5 * BIG;
        let mut n = if finite { lo - s.h_lo * width / (s.h_hi - s.h_lo) } else { 0.5 * (lo + hi) };
        if !(n > lo && n < hi) {
            n = 0.5 * (lo + hi);
        }
        next = n;
    } else if h < 0.0 {
        if x >= X_MAX {
            return finish(s, X_MAX);
        }
        next = (if newton_ok && newton > x { newton } else { x + s.step }).min(X_MAX);
        s.step *= 2.0;
    } else {
        if x <= X_MIN {
            return finish(s, X_MIN);
        }
        next = (if newton_ok && newton < x { newton } else { x - s.step }).max(X_MIN);
        s.step *= 2.0;
    }
    s.x = next;
    false
}

/// The accumulators of one evaluation of D(λ) (the kernel's private variables).
struct Evaluation<'a> {
    inputs: &'a PassInputs<'a>,
    load_factor: f32,
    stack: [f32; STACK],
    top: usize,
    ln_top: f32,
    d_sum: f32,
    d_carry: f32,
    d_slope: f32,
    broken: bool,
    overflowed: bool,
    worst: (f32, f32, f32),
    kept: Vec<(f32, f32, f32)>,
    kept_all: bool,
}

impl<'a> Evaluation<'a> {
    fn of(inputs: &'a PassInputs<'a>, p: usize, load_factor: f32) -> Self {
        let mut e = Evaluation {
            inputs,
            load_factor,
            stack: [0.0; STACK],
            top: 0,
            ln_top: -BIG,
            d_sum: 0.0,
            d_carry: 0.0,
            d_slope: 0.0,
            broken: false,
            overflowed: false,
            worst: (0.0, 0.0, 0.0),
            kept: Vec::with_capacity(CYCLES),
            kept_all: true,
        };
        let n = inputs.params.samples as usize;
        if n < 2 {
            return e;
        }
        let first = equivalent(inputs, p, 0);
        e.push(first);
        let mut x = equivalent(inputs, p, 1);
        let mut slope = x - first;
        for t in 2..n {
            if e.overflowed {
                return e;
            }
            let next = equivalent(inputs, p, t);
            if next == x {
                continue;
            }
            let d = next - x;
            if slope * d < 0.0 {
                e.push(x);
            }
            x = next;
            slope = d;
        }
        e.push(x);
        if e.overflowed {
            return e;
        }
        for i in 0..e.top.saturating_sub(1) {
            e.cycle(e.stack[i], e.stack[i + 1], 0.5);
        }
        e
    }

    fn push(&mut self, v: f32) {
        if self.top == STACK {
            self.overflowed = true;
            return;
        }
        self.stack[self.top] = v;
        self.top += 1;
        while self.top >= 3 {
            let t = self.top;
            let x = (self.stack[t - 1] - self.stack[t - 2]).abs();
            let y = (self.stack[t - 2] - self.stack[t - 3]).abs();
            if x < y {
                break;
            }
            if t == 3 {
                self.cycle(self.stack[0], self.stack[1], 0.5);
                self.stack[0] = self.stack[1];
                self.stack[1] = self.stack[2];
                self.top = 2;
            } else {
                self.cycle(self.stack[t - 3], self.stack[t - 2], 1.0);
                self.stack[t - 3] = self.stack[t - 1];
                self.top -= 2;
            }
        }
    }

    fn cycle(&mut self, x1: f32, x2: f32, count: f32) {
        let params = self.inputs.params;
        let a = 0.5 * (x1 - x2).abs();
        let m = 0.5 * (x1 + x2);
        if params.first_pass == 1 {
            let e = equivalent_amplitude(params, a, m);
            let sar = if e.2 { BIG } else { e.0 };
            if sar > self.worst.2 {
                self.worst = (a, m, sar);
            }
            if self.kept.len() < CYCLES {
                self.kept.push((a, m, count));
            } else {
                self.kept_all = false;
            }
        }
        self.accumulate(a, m, count);
    }

    /// The kernel's `accumulate`: the damage of `count` cycles (a, m) at the load factor.
    fn accumulate(&mut self, a: f32, m: f32, count: f32) {
        let params = self.inputs.params;
        let (sar, g, broken) = equivalent_amplitude(params, self.load_factor * a, self.load_factor * m);
        if broken {
            self.broken = true;
            return;
        }
        if sar <= 0.0 {
            return;
        }
        let ln_s = sar.ln();
        if ln_s < params.ln_knee {
            return;
        }
        let segments = self.inputs.segments;
        let seg = segments[..params.segments as usize]
            .iter()
            .find(|s| ln_s >= s[0])
            .copied()
            .unwrap_or(segments[params.segments as usize - 1]);
        let ln_damage = count.ln() - (seg[2] + seg[3] * (ln_s - seg[1]));
        if ln_damage > self.ln_top {
            let rescale = if self.ln_top <= -0.5 * BIG { 0.0 } else { (self.ln_top - ln_damage).exp() };
            self.d_sum *= rescale;
            self.d_carry *= rescale;
            self.d_slope *= rescale;
            self.ln_top = ln_damage;
        }
        let damage = (ln_damage - self.ln_top).exp();
        let y = damage - self.d_carry;
        let t = self.d_sum + y;
        self.d_carry = (t - self.d_sum) - y;
        self.d_sum = t;
        self.d_slope += damage * (-seg[3]) * g;
    }

    fn reset_sums(&mut self) {
        self.ln_top = -BIG;
        self.d_sum = 0.0;
        self.d_carry = 0.0;
        self.d_slope = 0.0;
        self.broken = false;
    }

    /// The kernel's `h_now`: (h, dh/dx).
    fn h_now(&self) -> (f32, f32) {
        if self.broken {
            (BIG, 0.0)
        } else if self.d_sum > 0.0 {
            (self.inputs.params.ln_design_life + self.ln_top + self.d_sum.ln(), self.d_slope / self.d_sum)
        } else {
            (-BIG, 0.0)
        }
    }
}

/// The equivalent-stress sample `t` of point `p` (the kernel's `equivalent`).
fn equivalent(inputs: &PassInputs<'_>, p: usize, t: usize) -> f32 {
    let params = inputs.params;
    let n = params.cases as usize;
    let base = p * params.width as usize;
    let c = &inputs.coefficients[t * n..t * n + n];
    let unit = inputs.unit;
    if params.criterion == SIGNED_VON_MISES {
        let (mut vm2, mut tr) = (0.0f32, 0.0f32);
        let mut q = base;
        for k in 0..n {
            let mut acc = 0.0f32;
            for &cl in &c[k..n] {
                acc += unit[q] * cl;
                q += 1;
            }
            vm2 += c[k] * acc;
        }
        for (k, &ck) in c.iter().enumerate() {
            tr += ck * unit[q + k];
        }
        let vm = vm2.max(0.0).sqrt();
        return if tr < 0.0 { -vm } else { vm };
    }
    let mut s = [0.0f32; 6];
    for (k, &ck) in c.iter().enumerate() {
        for (i, si) in s.iter_mut().enumerate() {
            *si += ck * unit[base + 6 * k + i];
        }
    }
    max_abs_principal(&s)
}

/// The kernel's `max_abs_principal`, f32: four cyclic Jacobi sweeps.
fn max_abs_principal(s: &[f32; 6]) -> f32 {
    let mut d = [s[0], s[1], s[2]];
    let (mut a01, mut a12, mut a02) = (s[3], s[4], s[5]);
    for _ in 0..4 {
        [d[0], d[1], a02, a12] = rotate(d[0], d[1], a01, a02, a12);
        a01 = 0.0;
        [d[0], d[2], a01, a12] = rotate(d[0], d[2], a02, a01, a12);
        a02 = 0.0;
        [d[1], d[2], a01, a02] = rotate(d[1], d[2], a12, a01, a02);
        a12 = 0.0;
    }
    let hi = d[0].max(d[1].max(d[2]));
    let lo = d[0].min(d[1].min(d[2]));
    if hi.abs() >= lo.abs() {
        hi
    } else {
        lo
    }
}

/// The kernel's `rotate`: the Jacobi rotation in plane (p, q) zeroing `a_pq`, giving the new
/// `(a_pp, a_qq, a_rp, a_rq)`.
fn rotate(app: f32, aqq: f32, apq: f32, arp: f32, arq: f32) -> [f32; 4] {
    if apq == 0.0 {
        return [app, aqq, arp, arq];
    }
    let tau = (aqq - app) / (2.0 * apq);
    let t = if tau.abs() > 1e18 {
        0.5 / tau
    } else if tau != 0.0 {
        tau.signum() / (tau.abs() + (1.0 + tau * tau).sqrt())
    } else {
        1.0
    };
    let c = 1.0 / (1.0 + t * t).sqrt();
    let sn = t * c;
    [app - t * apq, aqq + t * apq, c * arp - sn * arq, sn * arp + c * arq]
}

/// The kernel's `equivalent_amplitude`: (σ_ar, d ln σ_ar / d ln λ, static failure).
fn equivalent_amplitude(params: &FatigueKernelParams, a: f32, m: f32) -> (f32, f32, bool) {
    use mean_stress::*;
    let kind = params.mean_stress;
    if kind == GOODMAN || kind == GERBER || kind == SODERBERG {
        if m <= 0.0 {
            return (a, 1.0, false);
        }
        let limit = if kind == SODERBERG { params.yield_strength } else { params.ultimate };
        let u = m / limit;
        if u >= 1.0 {
            return (0.0, 0.0, true);
        }
        if kind == GERBER {
            let d = 1.0 - u * u;
            return (a / d, 1.0 + 2.0 * u * u / d, false);
        }
        return (a / (1.0 - u), 1.0 / (1.0 - u), false);
    }
    if kind == NONE {
        return (a, 1.0, false);
    }
    let top = m + a;
    if top <= 0.0 {
        return (0.0, 0.0, false);
    }
    if a <= 0.0 {
        return (if kind != SWT && params.gamma == 0.0 { top } else { 0.0 }, 1.0, false);
    }
    if kind == SWT {
        return ((top * a).sqrt(), 1.0, false);
    }
    (top.powf(1.0 - params.gamma) * a.powf(params.gamma), 1.0, false)
}

/// The first pass's starting step, ln 10 (as [`crate::fatigue::miner`]'s bracket search).
pub const FIRST_STEP: f32 = LN_10;
