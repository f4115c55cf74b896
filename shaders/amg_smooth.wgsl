// amg_smooth: one step of the Chebyshev smoother of an AMG level, fused with its block-Jacobi
// preconditioner (src/solve/amg/chebyshev.rs, the same recurrence and coefficients):
//   mode 0  r = b            (from x = 0)       then  d = c2 M⁻¹ r,           x = d
//   mode 1  r = b − w        (w = A x)          then  d = c1 d + c2 M⁻¹ r,    x = x + d
//   mode 2  r = r − w        (w = A d)          then  d = c1 d + c2 M⁻¹ r,    x = x + d
// with (c1, c2) = (0, 1/θ) for the first step and (ρ_k ρ_{k−1}, 2 ρ_k / δ) after it, computed
// on the host in f64. With `last` set (the final step of the post-smoothing), the level's
// decoupled unknowns (eliminated Dirichlet rows) are then set exactly: x_i = b_i s_i, where
// s_i = decoupled[i] = 1 / A_ii for them and 0 for every other unknown.
//
// Layout: one invocation per node of `block` unknowns (1 ≤ block ≤ 6: 3 on the finest level,
// 6 below for elasticity, 1 for point Jacobi); M⁻¹ is one row-major block × block matrix per
// node (minv[block² node ..]); vectors are node-major.
//
// Declarations (Scalars, WG) come from common.wgsl.
//
// Bindings (group 0):
//   0 params uniform SmoothParams  nodes, block, workgroups, mode, c1, c2, last
//   1 cg     uniform Scalars       nothing runs once status != 0
//   2 b      storage read  array<f32>  right-hand side of the level
//   3 w      storage read  array<f32>  the product A x (mode 1) or A d (mode 2)
//   4 minv   storage read  array<f32>  block² per node
//   5 decoupled storage read  array<f32>  1 / A_ii on decoupled unknowns, 0 elsewhere
//   6 r      storage read_write array<f32>  residual
//   7 d      storage read_write array<f32>  Chebyshev update
//   8 x      storage read_write array<f32>  the smoothed iterate
// Dispatch: 2D grid of 256-wide workgroups, workgroup index = id.y * num_workgroups.x + id.x.

struct SmoothParams {
    nodes: u32,
    block: u32,
    workgroups: u32,
    mode: u32,
    c1: f32,
    c2: f32,
    last: u32,
    _pad0: u32,
}

@group(0) @binding(0) var<uniform> params: SmoothParams;
@group(0) @binding(1) var<uniform> cg: Scalars;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> w: array<f32>;
@group(0) @binding(4) var<storage, read> minv: array<f32>;
@group(0) @binding(5) var<storage, read> decoupled: array<f32>;
@group(0) @binding(6) var<storage, read_write> r: array<f32>;
@group(0) @binding(7) var<storage, read_write> d: array<f32>;
@group(0) @binding(8) var<storage, read_write> x: array<f32>;

@compute @workgroup_size(WG)
fn main(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
) {
    if cg.status != 0u {
        return;
    }
    let wg = wid.y * nwg.x + wid.x;
    let node = wg * WG + lid;
    if wg >= params.workgroups || node >= params.nodes {
        return;
    }
    let nb = params.block;
    let o = nb * node;
    var rv: array<f32, 6>;
    for (var i = 0u; i < nb; i++) {
        var v = b[o + i];
        if params.mode == 1u {
            v = v - w[o + i];
        } else if params.mode == 2u {
            v = r[o + i] - w[o + i];
        }
        rv[i] = v;
        r[o + i] = v;
    }
    let m = nb * nb * node;
    for (var i = 0u; i < nb; i++) {
        var z = 0.0;
        for (var j = 0u; j < nb; j++) {
            z += minv[m + nb * i + j] * rv[j];
        }
        var dn = params.c2 * z;
        var xn = dn;
        if params.mode != 0u {
            dn += params.c1 * d[o + i];
            xn = x[o + i] + dn;
        }
        if params.last != 0u && decoupled[o + i] != 0.0 {
            xn = b[o + i] * decoupled[o + i];
        }
        d[o + i] = dn;
        x[o + i] = xn;
    }
}
