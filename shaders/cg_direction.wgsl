// cg_direction: the search-direction update of preconditioned conjugate gradients, with the
// block-Jacobi preconditioner applied on the fly: p = M⁻¹ r + β p. β comes from the CG state
// written by cg_reduce.wgsl (beta or restart); β = 0 starts a new direction p = M⁻¹ r.
//
// One invocation per node; M⁻¹ as in cg_update.wgsl (one row-major 3x3 block per node).
//
// Declarations (Scalars, the params structs, `real`, WG) come from common.wgsl.
//
// Bindings (group 0):
//   0 params uniform VecParams   node count and workgroups
//   1 cg     uniform Scalars     β; nothing runs once status != 0
//   2 r      storage read        array<real>  3 per node
//   3 minv   storage read        array<real>  9 per node
//   4 p      storage read_write  array<real>  3 per node
// Dispatch: 2D grid of 256-wide workgroups, workgroup index = id.y * num_workgroups.x + id.x.

@group(0) @binding(0) var<uniform> params: VecParams;
@group(0) @binding(1) var<uniform> cg: Scalars;
@group(0) @binding(2) var<storage, read> r: array<real>;
@group(0) @binding(3) var<storage, read> minv: array<real>;
@group(0) @binding(4) var<storage, read_write> p: array<real>;

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
    let o = 3u * node;
    let m = 9u * node;
    let rv = vec3<real>(r[o], r[o + 1u], r[o + 2u]);
    let z = vec3<real>(
        dot(vec3<real>(minv[m], minv[m + 1u], minv[m + 2u]), rv),
        dot(vec3<real>(minv[m + 3u], minv[m + 4u], minv[m + 5u]), rv),
        dot(vec3<real>(minv[m + 6u], minv[m + 7u], minv[m + 8u]), rv),
    );
    let pv = z + real(cg.beta) * vec3<real>(p[o], p[o + 1u], p[o + 2u]);
    p[o] = pv.x;
    p[o + 1u] = pv.y;
    p[o + 2u] = pv.z;
}
