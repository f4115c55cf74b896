// amg_dot: the per-workgroup partial sums (r·z, r·r) of conjugate gradients preconditioned by
// the AMG V-cycle (z = M r, computed by the V-cycle kernels), in the layout cg_update.wgsl
// writes them for block Jacobi, so cg_reduce.wgsl's beta and restart steps read them unchanged.
//
// One invocation per node (three DOFs), as in cg_update.wgsl.
//
// Declarations (Scalars, VecParams, WG) come from common.wgsl.
//
// Bindings (group 0):
//   0 params   uniform VecParams   node count and workgroups
//   1 cg       uniform Scalars     nothing runs once status != 0
//   2 r        storage read  array<f32>  3 per node
//   3 z        storage read  array<f32>  3 per node
//   4 partials storage read_write array<f32>  (r·z, r·r) pairs, one pair per workgroup
// Dispatch: 2D grid of 256-wide workgroups, workgroup index = id.y * num_workgroups.x + id.x.

@group(0) @binding(0) var<uniform> params: VecParams;
@group(0) @binding(1) var<uniform> cg: Scalars;
@group(0) @binding(2) var<storage, read> r: array<f32>;
@group(0) @binding(3) var<storage, read> z: array<f32>;
@group(0) @binding(4) var<storage, read_write> partials: array<f32>;

var<workgroup> sums: array<vec2<f32>, WG>;

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
    var part = vec2<f32>(0.0, 0.0);
    if wg < params.workgroups && node < params.nodes {
        let o = 3u * node;
        let rv = vec3<f32>(r[o], r[o + 1u], r[o + 2u]);
        let zv = vec3<f32>(z[o], z[o + 1u], z[o + 2u]);
        part = vec2<f32>(dot(rv, zv), dot(rv, rv));
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
