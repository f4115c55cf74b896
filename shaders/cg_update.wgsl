// cg_update: the solution and residual update of preconditioned conjugate gradients, fused with
// the block-Jacobi preconditioner and the partial sums of the next dot products:
//   x += α p,   r −= α q,   z = M⁻¹ r (not stored),   partials: (r·z, r·r) per workgroup.
// α is read from the CG state written by cg_reduce.wgsl (alpha); with α = 0 the kernel only
// produces the dot products of a new residual (a restart).
//
// One invocation per node (three DOFs). M⁻¹ is stored as one 3x3 block per node, row-major
// (minv[9i .. 9i+9]): the inverse diagonal block for block Jacobi, a diagonal block for point
// Jacobi, the identity for no preconditioner, so one kernel serves all three.
//
// Declarations (Scalars, the params structs, `real`, WG) come from common.wgsl.
//
// Bindings (group 0):
//   0 params   uniform VecParams   node count and workgroups
//   1 cg       uniform Scalars     α; nothing runs once status != 0
//   2 x        storage read_write  array<real>  3 per node
//   3 r        storage read_write  array<real>  3 per node
//   4 p        storage read        array<real>  3 per node
//   5 q        storage read        array<real>  3 per node (q = A p)
//   6 minv     storage read        array<real>  9 per node
//   7 partials storage write       array<real>  (r·z, r·r) pairs, one pair per workgroup
// Dispatch: 2D grid of 256-wide workgroups, workgroup index = id.y * num_workgroups.x + id.x.

@group(0) @binding(0) var<uniform> params: VecParams;
@group(0) @binding(1) var<uniform> cg: Scalars;
@group(0) @binding(2) var<storage, read_write> x: array<real>;
@group(0) @binding(3) var<storage, read_write> r: array<real>;
@group(0) @binding(4) var<storage, read> p: array<real>;
@group(0) @binding(5) var<storage, read> q: array<real>;
@group(0) @binding(6) var<storage, read> minv: array<real>;
@group(0) @binding(7) var<storage, read_write> partials: array<real>;

var<workgroup> sums: array<vec2<real>, WG>;

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
    var part = vec2<real>(0.0, 0.0);
    if wg < params.workgroups && node < params.nodes {
        let o = 3u * node;
        let alpha = real(cg.alpha);
        let pv = vec3<real>(p[o], p[o + 1u], p[o + 2u]);
        let qv = vec3<real>(q[o], q[o + 1u], q[o + 2u]);
        let xv = vec3<real>(x[o], x[o + 1u], x[o + 2u]) + alpha * pv;
        let rv = vec3<real>(r[o], r[o + 1u], r[o + 2u]) - alpha * qv;
        x[o] = xv.x;
        x[o + 1u] = xv.y;
        x[o + 2u] = xv.z;
        r[o] = rv.x;
        r[o + 1u] = rv.y;
        r[o + 2u] = rv.z;
        let m = 9u * node;
        let z = vec3<real>(
            dot(vec3<real>(minv[m], minv[m + 1u], minv[m + 2u]), rv),
            dot(vec3<real>(minv[m + 3u], minv[m + 4u], minv[m + 5u]), rv),
            dot(vec3<real>(minv[m + 6u], minv[m + 7u], minv[m + 8u]), rv),
        );
        part = vec2<real>(dot(rv, z), dot(rv, rv));
    }
    sums[lid] = part;
    workgroupBarrier();
    for (var s = WG / 2u; s > 0u; s >>= 1u) {
        if lid < s {
            sums[lid] += sums[lid + s];
        }
        workgroupBarrier();
    }
    if lid == 0u && wg < params.workgroups {
        partials[2u * wg] = sums[0].x;
        partials[2u * wg + 1u] = sums[0].y;
    }
}
