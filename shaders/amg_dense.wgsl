// amg_dense: y = C x for a dense row-major matrix, the coarsest solve of the AMG V-cycle with
// C = A_c⁻¹ computed once per hierarchy refresh on the host (f64 Cholesky, rounded to f32).
// A dense inverse turns the coarsest solve into one parallel matrix-vector product, where a
// Cholesky factor would need two triangular solves of n_c dependent steps each; at the
// hierarchy's n_c ≤ 2000 it takes at most 16 MB.
//
// Layout: one workgroup per row: invocation lid sums the columns lid, lid + 256, … of its row
// (the matrix rows are contiguous, so a workgroup reads them coalesced), then a tree over the
// 256 sums.
//
// Declarations (Scalars, WG) come from common.wgsl.
//
// Bindings (group 0):
//   0 params uniform DenseParams  rows, columns, workgroups (= rows)
//   1 cg     uniform Scalars      nothing runs once status != 0
//   2 inverse_rows storage read  array<f32>  rows × columns, row-major
//   3 x      storage read  array<f32>  columns
//   4 y      storage read_write array<f32>  rows
// Dispatch: 2D grid of one workgroup per row, row = id.y * num_workgroups.x + id.x.

struct DenseParams {
    rows: u32,
    columns: u32,
    workgroups: u32,
    _pad0: u32,
}

@group(0) @binding(0) var<uniform> params: DenseParams;
@group(0) @binding(1) var<uniform> cg: Scalars;
@group(0) @binding(2) var<storage, read> inverse_rows: array<f32>;
@group(0) @binding(3) var<storage, read> x: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

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
    let row = wid.y * nwg.x + wid.x;
    var acc = 0.0;
    if row < params.rows {
        let base = row * params.columns;
        for (var j = lid; j < params.columns; j += WG) {
            acc += inverse_rows[base + j] * x[j];
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
    if lid == 0u && row < params.rows {
        y[row] = sums[0];
    }
}
