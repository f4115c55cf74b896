// spmv_csr: y = A x for a matrix in scalar compressed-sparse-row (CSR) layout, fused with the
// per-workgroup partial sums of x·y. The layout the block kernel (spmv_bsr.wgsl) is measured
// against: 8 B per nonzero (an f32 value and a u32 column), one invocation per scalar row.
//
// Chunks of rows as in spmv_bsr: row_ptr holds global entry offsets, the chunk's cols and vals
// start at entry `block_base`, and its workgroups write partials[partial_base + workgroup].
//
// Declarations (Scalars, the params structs, `real`, WG) come from common.wgsl.
//
// Bindings (group 0):
//   0 params   uniform SpmvParams  this chunk's rows, first entry, first partial slot, workgroups
//   1 cg       uniform Scalars     nothing runs once status != 0
//   2 row_ptr  storage read  array<u32>  rows + 1 global entry offsets
//   3 cols     storage read  array<u32>  column of each entry of the chunk
//   4 vals     storage read  array<f32>  value of each entry of the chunk
//   5 x        storage read  array<f32>
//   6 y        storage write array<f32>  (rows of the chunk only)
//   7 partials storage write array<f32>  one x·y partial sum per workgroup
// Dispatch: 2D grid of 256-wide workgroups, workgroup index = id.y * num_workgroups.x + id.x.

@group(0) @binding(0) var<uniform> params: SpmvParams;
@group(0) @binding(1) var<uniform> cg: Scalars;
@group(0) @binding(2) var<storage, read> row_ptr: array<u32>;
@group(0) @binding(3) var<storage, read> cols: array<u32>;
@group(0) @binding(4) var<storage, read> vals: array<f32>;
@group(0) @binding(5) var<storage, read> x: array<f32>;
@group(0) @binding(6) var<storage, read_write> y: array<f32>;
@group(0) @binding(7) var<storage, read_write> partials: array<f32>;

var<workgroup> sums: array<f32, WG>;

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
    let row = params.row_begin + wg * WG + lid;
    var xy = 0.0;
    if wg < params.workgroups && row < params.row_end {
        var acc = 0.0;
        let end = row_ptr[row + 1u];
        for (var k = row_ptr[row]; k < end; k++) {
            let local = k - params.block_base;
            acc += vals[local] * x[cols[local]];
        }
        y[row] = acc;
        xy = acc * x[row];
    }
    sums[lid] = xy;
    workgroupBarrier();
    for (var s = WG / 2u; s > 0u; s >>= 1u) {
        if lid < s {
            sums[lid] += sums[lid + s];
        }
        workgroupBarrier();
    }
    if lid == 0u && wg < params.workgroups {
        partials[params.partial_base + wg] = sums[0];
    }
}
