// cg_reduce: the scalar steps of preconditioned conjugate gradients, on the GPU so that no
// iteration waits for the CPU. One workgroup sums the per-workgroup partials of the previous
// kernel in a fixed order (deterministic) and updates the CG state:
//   alpha:   pq = Σ partials (pᵀAp from spmv_bsr), α = rz / pq; breakdown if pq ≤ 0 or not finite
//   beta:    (rz', rr) = Σ pairs (from cg_update); iteration += 1; history[..] = rr;
//            stop (status 1) when rr ≤ rr_stop, else β = rz' / rz, rz = rz'
//   restart: (rz', rr) of a residual the host replaced; β = rz' / (rz · rescale) continues the old
//            direction rescaled by the ratio of the old and new residual norms (0: fresh start)
// Once status != 0 (1 = residual reduced, hand back to the host; 2 = breakdown) nothing changes
// until the host resets it, so a batch of recorded iterations stops where the state did.
//
// Declarations (Scalars, the params structs, `real`, WG) come from common.wgsl.
//
// Bindings (group 0):
//   0 params   uniform ReduceParams        partial counts of the SpMV and of the vector kernels
//   1 cg       storage read_write Scalars  the CG state
//   2 partials storage read  array<real>
//   3 history  storage read_write array<f32>  rr after each iteration, a ring of history_capacity
// Dispatch: one workgroup of 256.

struct ReduceParams {
    spmv_partials: u32,
    vec_partials: u32,
    _pad0: u32,
    _pad1: u32,
}

const RUNNING: u32 = 0u;
const REDUCED: u32 = 1u;
const BREAKDOWN: u32 = 2u;
const FLOAT_MAX: f32 = 3.0e38;

@group(0) @binding(0) var<uniform> params: ReduceParams;
@group(0) @binding(1) var<storage, read_write> cg: Scalars;
@group(0) @binding(2) var<storage, read> partials: array<real>;
@group(0) @binding(3) var<storage, read_write> history: array<f32>;

var<workgroup> sums: array<vec2<real>, WG>;

// Sums partials (pairs when paired) in a fixed order: strided per invocation, then a tree.
fn reduce(lid: u32, count: u32, paired: bool) -> vec2<real> {
    var acc = vec2<real>(0.0, 0.0);
    for (var i = lid; i < count; i += WG) {
        if paired {
            acc += vec2<real>(partials[2u * i], partials[2u * i + 1u]);
        } else {
            acc.x += partials[i];
        }
    }
    sums[lid] = acc;
    workgroupBarrier();
    for (var s = WG / 2u; s > 0u; s >>= 1u) {
        if lid < s {
            sums[lid] += sums[lid + s];
        }
        workgroupBarrier();
    }
    return sums[0];
}

@compute @workgroup_size(WG)
fn alpha(@builtin(local_invocation_index) lid: u32) {
    let pq = f32(reduce(lid, params.spmv_partials, false).x);
    if lid == 0u && cg.status == RUNNING {
        cg.pq = pq;
        if pq > 0.0 && pq < FLOAT_MAX {
            cg.alpha = cg.rz / pq;
        } else {
            cg.alpha = 0.0;
            cg.status = BREAKDOWN;
        }
    }
}

@compute @workgroup_size(WG)
fn beta(@builtin(local_invocation_index) lid: u32) {
    let s = vec2<f32>(reduce(lid, params.vec_partials, true));
    if lid == 0u && cg.status == RUNNING {
        let it = cg.iteration + 1u;
        cg.iteration = it;
        cg.rr = s.y;
        history[(it - 1u) % cg.history_capacity] = s.y;
        if !(s.y < FLOAT_MAX) || !(s.x >= 0.0) {
            cg.status = BREAKDOWN;
        } else if s.y <= cg.rr_stop {
            cg.status = REDUCED;
        } else {
            cg.beta = s.x / cg.rz;
            cg.rz = s.x;
        }
    }
}

@compute @workgroup_size(WG)
fn restart(@builtin(local_invocation_index) lid: u32) {
    let s = vec2<f32>(reduce(lid, params.vec_partials, true));
    if lid == 0u && cg.status == RUNNING {
        cg.rr = s.y;
        if cg.rescale > 0.0 && cg.rz > 0.0 {
            cg.beta = s.x / (cg.rz * cg.rescale);
        } else {
            cg.beta = 0.0;
        }
        cg.rz = s.x;
        if !(s.y < FLOAT_MAX) || !(s.x > 0.0) {
            cg.status = BREAKDOWN;
        } else if s.y <= cg.rr_stop {
            cg.status = REDUCED;
        }
    }
}
