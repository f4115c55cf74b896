// fatigue: one pass of the stress-life assessment of a variable-amplitude history, one point
// per invocation (src/fatigue/gpu.rs drives it; its CPU twin is gpu::kernels::fatigue::reference).
//
// Each point's equivalent-stress series e(t) (signed von Mises through the point's quadratic form
// in the load coefficients, or the largest-magnitude principal stress of Σ c_k σ_k) is produced
// sample by sample, its reversals are rainflow-counted on the fly (ASTM E1049-85 three-point rule
// on a private stack, the residue as half cycles), and each cycle adds its Miner damage at the
// point's current load factor λ = e^x: D(λ) = Σ n_i / N(σ_ar(λ a_i, λ m_i)) (cycles under the
// knee do none), with dD/dx alongside. The first pass evaluates λ = 1 and records the damage per
// repetition and the governing cycle (largest σ_ar). The safety factor is the root of
// h(x) = ln(L D(e^x)) = 0, found by safeguarded steps: Newton where it stays inside the bracket,
// else false position or bisection, doubling steps while no bracket is known. Rainflow cycles do
// not depend on λ, so a point with at most CYCLES cycles keeps them in the first pass and takes
// every step there, on the kept cycles alone; a point with more takes one step per pass, each
// pass traversing its history again. A point that is done returns at once, so later passes cost
// only the unconverged points.
//
// Stresses are divided by a scale (the ultimate strength) on the host so the logarithms stay
// near 0, where f32 resolves them best. D = 0 is h = −BIG, a static failure (mean beyond the
// limit) h = +BIG: WGSL promises no infinities.
//
// Bindings (group 0):
//   0 params  uniform FatigueKernelParams
//   1 unit    storage read  array<f32>   points × width: signed von Mises, the upper triangle
//             of Q (row-major, k ≤ l, off-diagonals doubled) then the traces; max principal,
//             6 stress components per load case (xx yy zz xy yz xz)
//   2 coeff   storage read  array<f32>   samples × cases, row-major
//   3 sn      storage read  array<vec4<f32>>  S-N segments (ln S_lo, ln S_hi, ln N at S_hi,
//             d ln N / d ln S), decreasing strength
//   4 state   storage read_write array<PointState>
//   5 pending storage read_write atomic<u32>  points still searching after this pass
// Dispatch: 2D grid of 256-wide workgroups, workgroup index = id.y * num_workgroups.x + id.x.

struct FatigueKernelParams {
    points: u32,
    cases: u32,
    samples: u32,
    workgroups: u32,
    criterion: u32,
    mean_stress: u32,
    segments: u32,
    width: u32,
    ultimate: f32,
    yield_strength: f32,
    gamma: f32,
    ln_knee: f32,
    ln_design_life: f32,
    first_pass: u32,
    _pad0: u32,
    _pad1: u32,
}

struct PointState {
    x: f32,
    lo: f32,
    hi: f32,
    h_lo: f32,
    h_hi: f32,
    step: f32,
    flags: u32,
    passes: u32,
    damage: f32,
    alternating: f32,
    mean: f32,
    equivalent: f32,
    safety: f32,
    _pad2: f32,
    _pad0: f32,
    _pad1: f32,
}

@group(0) @binding(0) var<uniform> params: FatigueKernelParams;
@group(0) @binding(1) var<storage, read> unit: array<f32>;
@group(0) @binding(2) var<storage, read> coeff: array<f32>;
@group(0) @binding(3) var<storage, read> sn: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> state: array<PointState>;
@group(0) @binding(5) var<storage, read_write> pending: atomic<u32>;

const DONE: u32 = 1u;
const HAVE_LO: u32 = 2u;
const HAVE_HI: u32 = 4u;
const OVERFLOW: u32 = 8u;
const STATIC: u32 = 16u;
// The end the last bracketed step moved (HAVE_LO or HAVE_HI, times LAST_SHIFT), for Illinois.
const LAST_SHIFT: u32 = 32u;
const LAST_MASK: u32 = 192u;

const SIGNED_VON_MISES: u32 = 0u;

const NONE: u32 = 0u;
const GOODMAN: u32 = 1u;
const GERBER: u32 = 2u;
const SODERBERG: u32 = 3u;
const SWT: u32 = 4u;

const BIG: f32 = 1e30;
// ln of the reported safety-factor range [1e-6, 1e3] (miner::MIN_LOAD_FACTOR, MAX_LOAD_FACTOR).
const X_MIN: f32 = -13.815511;
const X_MAX: f32 = 6.9077554;
// Done when |h| ≤ H_TOL (λ within H_TOL / (d h / d x) ≈ 1e-6 relative) or the bracket is
// X_TOL wide in ln λ.
const H_TOL: f32 = 1e-5;
const X_TOL: f32 = 1e-5;
const STACK: u32 = 128u;
// Cycles kept from the first pass: a point with at most CYCLES cycles finishes its whole search
// in the first pass, on them (INNER steps at most); the others take one step per pass.
const CYCLES: u32 = 128u;
const INNER: u32 = 160u;

var<private> rf_stack: array<f32, STACK>;
var<private> rf_top: u32;
var<private> load_factor: f32;
// D = e^ln_top · d_sum (Kahan-compensated, scaled by the largest cycle damage so far so that
// no range is lost: an overloaded point's damage may exceed f32's), dD/dx on the same scale,
// and the static-failure mark of this pass.
var<private> ln_top: f32;
var<private> d_sum: f32;
var<private> d_carry: f32;
var<private> d_slope: f32;
var<private> broken: bool;
// The governing cycle at λ = 1 (first pass).
var<private> worst_a: f32;
var<private> worst_m: f32;
var<private> worst_sar: f32;
var<private> overflowed: bool;
var<private> kept: array<vec3<f32>, CYCLES>;
var<private> n_kept: u32;
var<private> kept_all: bool;

fn equivalent(p: u32, t: u32) -> f32 {
    let n = params.cases;
    let base = p * params.width;
    let c0 = t * n;
    if params.criterion == SIGNED_VON_MISES {
        var vm2 = 0.0;
        var tr = 0.0;
        var q = base;
        for (var k = 0u; k < n; k++) {
            let ck = coeff[c0 + k];
            var acc = 0.0;
            for (var l = k; l < n; l++) {
                acc += unit[q] * coeff[c0 + l];
                q++;
            }
            vm2 += ck * acc;
        }
        for (var k = 0u; k < n; k++) {
            tr += coeff[c0 + k] * unit[q + k];
        }
        let vm = sqrt(max(vm2, 0.0));
        return select(vm, -vm, tr < 0.0);
    }
    var s = array<f32, 6>(0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    for (var k = 0u; k < n; k++) {
        let ck = coeff[c0 + k];
        for (var i = 0u; i < 6u; i++) {
            s[i] += ck * unit[base + 6u * k + i];
        }
    }
    return max_abs_principal(s);
}

// The principal stress of largest magnitude, by cyclic Jacobi rotations (four sweeps of the
// three planes: quadratic convergence takes a 3 × 3 to f32 round-off in three). Not the
// trigonometric closed form of fatigue::equivalent: Vulkan allows cos an absolute error of 2⁻¹¹,
// and Jacobi's eigenvalues are accurate to round-off relative to the tensor's norm.
fn max_abs_principal(s: array<f32, 6>) -> f32 {
    // a00 a11 a22 a01 a12 a02 (Voigt xx yy zz xy yz xz).
    var d = vec3<f32>(s[0], s[1], s[2]);
    var a01 = s[3];
    var a12 = s[4];
    var a02 = s[5];
    for (var sweep = 0u; sweep < 4u; sweep++) {
        // Plane (0, 1), the third axis 2.
        var v = rotate(d.x, d.y, a01, a02, a12);
        d.x = v.x;
        d.y = v.y;
        a02 = v.z;
        a12 = v.w;
        a01 = 0.0;
        // Plane (0, 2), the third axis 1.
        v = rotate(d.x, d.z, a02, a01, a12);
        d.x = v.x;
        d.z = v.y;
        a01 = v.z;
        a12 = v.w;
        a02 = 0.0;
        // Plane (1, 2), the third axis 0.
        v = rotate(d.y, d.z, a12, a01, a02);
        d.y = v.x;
        d.z = v.y;
        a01 = v.z;
        a02 = v.w;
        a12 = 0.0;
    }
    let hi = max(d.x, max(d.y, d.z));
    let lo = min(d.x, min(d.y, d.z));
    return select(lo, hi, abs(hi) >= abs(lo));
}

// The Jacobi rotation in plane (p, q) that zeroes a_pq (t = tan θ of the smaller angle): the new
// (a_pp, a_qq, a_rp, a_rq), r the third axis; unchanged where a_pq is already 0.
fn rotate(app: f32, aqq: f32, apq: f32, arp: f32, arq: f32) -> vec4<f32> {
    if apq == 0.0 {
        return vec4<f32>(app, aqq, arp, arq);
    }
    let tau = (aqq - app) / (2.0 * apq);
    var t = 1.0;
    if abs(tau) > 1e18 {
        t = 0.5 / tau;
    } else if tau != 0.0 {
        t = sign(tau) / (abs(tau) + sqrt(1.0 + tau * tau));
    }
    let c = 1.0 / sqrt(1.0 + t * t);
    let sn = t * c;
    return vec4<f32>(app - t * apq, aqq + t * apq, c * arp - sn * arq, sn * arp + c * arq);
}

// σ_ar of amplitude a > 0 and mean m (scaled stresses), with d ln σ_ar / d ln λ in .y;
// .z = 1 marks a static failure (the mean at or beyond the limit).
fn equivalent_amplitude(a: f32, m: f32) -> vec3<f32> {
    let kind = params.mean_stress;
    if kind == GOODMAN || kind == GERBER || kind == SODERBERG {
        if m <= 0.0 {
            return vec3<f32>(a, 1.0, 0.0);
        }
        let limit = select(params.ultimate, params.yield_strength, kind == SODERBERG);
        let u = m / limit;
        if u >= 1.0 {
            return vec3<f32>(0.0, 0.0, 1.0);
        }
        if kind == GERBER {
            let d = 1.0 - u * u;
            return vec3<f32>(a / d, 1.0 + 2.0 * u * u / d, 0.0);
        }
        return vec3<f32>(a / (1.0 - u), 1.0 / (1.0 - u), 0.0);
    }
    if kind == NONE {
        return vec3<f32>(a, 1.0, 0.0);
    }
    let top_stress = m + a;
    if top_stress <= 0.0 {
        return vec3<f32>(0.0, 0.0, 0.0);
    }
    // pow(0, γ) is indeterminate in WGSL: SWT's and Walker's σ_ar vanish with a, except Walker
    // at γ = 0 (σ_ar = σ_max).
    if a <= 0.0 {
        return vec3<f32>(select(0.0, top_stress, kind != SWT && params.gamma == 0.0), 1.0, 0.0);
    }
    if kind == SWT {
        return vec3<f32>(sqrt(top_stress * a), 1.0, 0.0);
    }
    return vec3<f32>(pow(top_stress, 1.0 - params.gamma) * pow(a, params.gamma), 1.0, 0.0);
}

// One counted cycle: at λ = 1 (first pass) the governing-cycle bookkeeping and a copy in `kept`,
// then its damage at the current λ.
fn cycle(x1: f32, x2: f32, count: f32) {
    let a = 0.5 * abs(x1 - x2);
    let m = 0.5 * (x1 + x2);
    // A zero-amplitude cycle (a constant history) does no fatigue damage, but its mean can
    // still be a static failure: it goes through like any other.
    if params.first_pass == 1u {
        let e = equivalent_amplitude(a, m);
        let sar = select(e.x, BIG, e.z == 1.0);
        if sar > worst_sar {
            worst_a = a;
            worst_m = m;
            worst_sar = sar;
        }
        if n_kept < CYCLES {
            kept[n_kept] = vec3<f32>(a, m, count);
            n_kept++;
        } else {
            kept_all = false;
        }
    }
    accumulate(a, m, count);
}

// Adds the damage of `count` cycles of amplitude a and mean m at the load factor λ to D.
fn accumulate(a: f32, m: f32, count: f32) {
    let e = equivalent_amplitude(load_factor * a, load_factor * m);
    if e.z == 1.0 {
        broken = true;
        return;
    }
    if e.x <= 0.0 {
        return;
    }
    let ln_s = log(e.x);
    if ln_s < params.ln_knee {
        return;
    }
    var seg = sn[params.segments - 1u];
    for (var i = 0u; i < params.segments; i++) {
        if ln_s >= sn[i].x {
            seg = sn[i];
            break;
        }
    }
    let ln_damage = log(count) - (seg.z + seg.w * (ln_s - seg.y));
    if ln_damage > ln_top {
        let rescale = select(exp(ln_top - ln_damage), 0.0, ln_top <= -0.5 * BIG);
        d_sum *= rescale;
        d_carry *= rescale;
        d_slope *= rescale;
        ln_top = ln_damage;
    }
    let damage = exp(ln_damage - ln_top);
    // Kahan summation: the history may hold thousands of cycles.
    let y = damage - d_carry;
    let t = d_sum + y;
    d_carry = (t - d_sum) - y;
    d_sum = t;
    d_slope += damage * (-seg.w) * e.y;
}

fn reset_sums() {
    ln_top = -BIG;
    d_sum = 0.0;
    d_carry = 0.0;
    d_slope = 0.0;
    broken = false;
}

// (h, dh/dx) of the sums: h = ln(L D), −BIG for no damage, +BIG for a static failure.
fn h_now() -> vec2<f32> {
    if broken {
        return vec2<f32>(BIG, 0.0);
    }
    if d_sum > 0.0 {
        return vec2<f32>(params.ln_design_life + ln_top + log(d_sum), d_slope / d_sum);
    }
    return vec2<f32>(-BIG, 0.0);
}

fn push(v: f32) {
    if rf_top == STACK {
        overflowed = true;
        return;
    }
    rf_stack[rf_top] = v;
    rf_top++;
    loop {
        if rf_top < 3u {
            break;
        }
        let x = abs(rf_stack[rf_top - 1u] - rf_stack[rf_top - 2u]);
        let y = abs(rf_stack[rf_top - 2u] - rf_stack[rf_top - 3u]);
        if x < y {
            break;
        }
        if rf_top == 3u {
            cycle(rf_stack[0], rf_stack[1], 0.5);
            rf_stack[0] = rf_stack[1];
            rf_stack[1] = rf_stack[2];
            rf_top = 2u;
        } else {
            cycle(rf_stack[rf_top - 3u], rf_stack[rf_top - 2u], 1.0);
            rf_stack[rf_top - 3u] = rf_stack[rf_top - 1u];
            rf_top -= 2u;
        }
    }
}

// D(λ) and dD/dx of point p's history (rainflow with the residue as half cycles).
fn evaluate(p: u32) {
    rf_top = 0u;
    n_kept = 0u;
    kept_all = true;
    reset_sums();
    overflowed = false;
    worst_a = 0.0;
    worst_m = 0.0;
    worst_sar = 0.0;
    let n = params.samples;
    if n < 2u {
        return;
    }
    let first = equivalent(p, 0u);
    push(first);
    var x = equivalent(p, 1u);
    var slope = x - first;
    for (var t = 2u; t < n; t++) {
        if overflowed {
            return;
        }
        let next = equivalent(p, t);
        if next == x {
            continue;
        }
        let d = next - x;
        if slope * d < 0.0 {
            push(x);
        }
        x = next;
        slope = d;
    }
    push(x);
    if overflowed {
        return;
    }
    for (var i = 0u; i + 1u < rf_top; i++) {
        cycle(rf_stack[i], rf_stack[i + 1u], 0.5);
    }
}

fn finish(s: ptr<function, PointState>, x: f32) -> bool {
    (*s).safety = exp(clamp(x, X_MIN, X_MAX));
    (*s).flags |= DONE;
    return true;
}

// One step of the search for h(x) = 0 after evaluating h, dh at (*s).x; true when done.
fn step(s: ptr<function, PointState>, h: f32, dh: f32) -> bool {
    let x = (*s).x;
    if abs(h) <= H_TOL {
        return finish(s, x);
    }
    if h < 0.0 {
        (*s).lo = x;
        (*s).h_lo = h;
        (*s).flags |= HAVE_LO;
    } else {
        (*s).hi = x;
        (*s).h_hi = h;
        (*s).flags |= HAVE_HI;
    }
    let newton_ok = dh > 0.0 && abs(h) < 0.5 * BIG;
    let newton = select(x, x - h / dh, newton_ok);
    var next = x;
    if ((*s).flags & HAVE_LO) != 0u && ((*s).flags & HAVE_HI) != 0u {
        let lo = (*s).lo;
        let hi = (*s).hi;
        let width = hi - lo;
        if width <= X_TOL {
            return finish(s, 0.5 * (lo + hi));
        }
        // Illinois false position: the end that stays twice in a row has its h halved. Not
        // Newton: where many cycles cross the knee, D is a staircase whose local slope misses
        // the jumps, and the secant across the bracket does not. Bisection where an end has no
        // finite h (no damage, or a static failure).
        // The ±BIG stand-ins of "no damage" and "static failure" are never halved: they stay
        // infinite, and such an end is bisected towards.
        let moved = select(HAVE_HI, HAVE_LO, h < 0.0);
        if ((*s).flags & LAST_MASK) == moved * LAST_SHIFT {
            if h < 0.0 && abs((*s).h_hi) < 0.5 * BIG {
                (*s).h_hi *= 0.5;
            } else if h >= 0.0 && abs((*s).h_lo) < 0.5 * BIG {
                (*s).h_lo *= 0.5;
            }
        }
        (*s).flags = ((*s).flags & ~LAST_MASK) | (moved * LAST_SHIFT);
        let finite = abs((*s).h_lo) < 0.5 * BIG && abs((*s).h_hi) < 0.5 * BIG;
        if finite {
            next = lo - (*s).h_lo * width / ((*s).h_hi - (*s).h_lo);
        } else {
            next = 0.5 * (lo + hi);
        }
        if !(next > lo && next < hi) {
            next = 0.5 * (lo + hi);
        }
    } else if h < 0.0 {
        // Not enough damage yet: larger loads.
        if x >= X_MAX {
            return finish(s, X_MAX);
        }
        next = min(select(x + (*s).step, newton, newton_ok && newton > x), X_MAX);
        (*s).step *= 2.0;
    } else {
        if x <= X_MIN {
            return finish(s, X_MIN);
        }
        next = max(select(x - (*s).step, newton, newton_ok && newton < x), X_MIN);
        (*s).step *= 2.0;
    }
    (*s).x = next;
    return false;
}

@compute @workgroup_size(WG)
fn main(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
) {
    let wg = wid.y * nwg.x + wid.x;
    let p = wg * WG + lid;
    if wg >= params.workgroups || p >= params.points {
        return;
    }
    var s = state[p];
    if params.first_pass == 1u {
        s = PointState(0.0, 0.0, 0.0, 0.0, 0.0, 2.3025851, 0u, 0u, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    }
    if (s.flags & (DONE | OVERFLOW)) != 0u {
        return;
    }
    // Exactly 1 on the first pass (exp(0) may be off by ulps on a device).
    load_factor = select(exp(s.x), 1.0, params.first_pass == 1u);
    evaluate(p);
    s.passes++;
    if overflowed {
        s.flags |= OVERFLOW;
        state[p] = s;
        return;
    }
    let first = h_now();
    if params.first_pass == 1u {
        s.damage = select(select(-BIG, ln_top + log(d_sum), d_sum > 0.0), BIG, broken);
        s.alternating = worst_a;
        s.mean = worst_m;
        s.equivalent = worst_sar;
        if broken {
            s.flags |= STATIC;
        }
    }
    var done = step(&s, first.x, first.y);
    // With every cycle kept, the whole search runs here on them, without the history.
    if params.first_pass == 1u && kept_all {
        for (var it = 0u; it < INNER && !done; it++) {
            load_factor = exp(s.x);
            reset_sums();
            for (var i = 0u; i < n_kept; i++) {
                accumulate(kept[i].x, kept[i].y, kept[i].z);
            }
            let hd = h_now();
            done = step(&s, hd.x, hd.y);
        }
    }
    state[p] = s;
    if !done {
        atomicAdd(&pending, 1u);
    }
}
