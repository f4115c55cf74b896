// spmv_bsr: y = A x for a matrix in 3x3 block-sparse-row (BSR) layout, fused with the
// per-workgroup partial sums of x·y (the pᵀAp of conjugate gradients).
//
// One invocation per block row (a mesh node's three displacement rows). A block row i owns the
// blocks row_ptr[i] .. row_ptr[i+1]; block k has block column cols[k] and the nine values
// vals[9k .. 9k+9] in row-major order.
//
// Difference form: y_i = Σ_j K_ij (x_j − x_i) + S_i x_i with S_i = Σ_j K_ij (3x3, summed in f64
// on the host). Equal to K x in exact arithmetic, but a stiffness annihilates rigid motions, so
// for the smooth vectors CG converges to the products K_ij (x_j − x_i) are far smaller than
// K_ij x_j and the f32 rounding shrinks with them: f32 then still makes progress on slender,
// ill-conditioned structures where the plain product's cancellation loses every digit.
//
// Per 9 nonzeros this moves 36 B of values and 4 B of column index (4.4 B per nonzero, against
// 8 B for scalar CSR), and the three x values of a block column are contiguous.
//
// Large matrices are split into chunks of block rows so that each chunk's cols and vals fit in
// one storage binding: row_ptr holds global block offsets, the chunk's buffers start at block
// `block_base`, and its workgroups write partials[partial_base + workgroup].
//
// Declarations (Scalars, the params structs, `real`, WG) come from common.wgsl.
//
// Bindings (group 0):
//   0 params   uniform SpmvParams  this chunk's rows, first block, first partial slot, workgroups
//   1 cg       uniform Scalars     conjugate-gradient state; nothing runs once status != 0
//   2 row_ptr  storage read  array<u32>  block_rows + 1 global block offsets
//   3 cols     storage read  array<u32>  block column of each block of the chunk
//   4 vals     storage read  array<real>  9 values per block of the chunk, row-major
//   5 rowsum   storage read  array<real>  S_i, 9 per block row, row-major
//   6 x        storage read  array<real>  3 per block row
//   7 y        storage write array<real>  3 per block row (rows of the chunk only)
//   8 partials storage write array<real>  one x·y partial sum per workgroup
// Dispatch: 2D grid of 256-wide workgroups, workgroup index = id.y * num_workgroups.x + id.x.

@group(0) @binding(0) var<uniform> params: SpmvParams;
@group(0) @binding(1) var<uniform> cg: Scalars;
@group(0) @binding(2) var<storage, read> row_ptr: array<u32>;
@group(0) @binding(3) var<storage, read> cols: array<u32>;
@group(0) @binding(4) var<storage, read> vals: array<real>;
@group(0) @binding(5) var<storage, read> rowsum: array<real>;
@group(0) @binding(6) var<storage, read> x: array<real>;
@group(0) @binding(7) var<storage, read_write> y: array<real>;
@group(0) @binding(8) var<storage, read_write> partials: array<real>;

var<workgroup> sums: array<real, WG>;

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
    var xy: real = 0.0;
    if wg < params.workgroups && row < params.row_end {
        let o = 3u * row;
        let xi = vec3<real>(x[o], x[o + 1u], x[o + 2u]);
        var acc = vec3<real>(0.0, 0.0, 0.0);
        let end = row_ptr[row + 1u];
        for (var k = row_ptr[row]; k < end; k++) {
            let local = k - params.block_base;
            let c = 3u * cols[local];
            let xc = vec3<real>(x[c], x[c + 1u], x[c + 2u]) - xi;
            let v = 9u * local;
            acc += vec3<real>(
                dot(vec3<real>(vals[v], vals[v + 1u], vals[v + 2u]), xc),
                dot(vec3<real>(vals[v + 3u], vals[v + 4u], vals[v + 5u]), xc),
                dot(vec3<real>(vals[v + 6u], vals[v + 7u], vals[v + 8u]), xc),
            );
        }
        let m = 9u * row;
        acc += vec3<real>(
            dot(vec3<real>(rowsum[m], rowsum[m + 1u], rowsum[m + 2u]), xi),
            dot(vec3<real>(rowsum[m + 3u], rowsum[m + 4u], rowsum[m + 5u]), xi),
            dot(vec3<real>(rowsum[m + 6u], rowsum[m + 7u], rowsum[m + 8u]), xi),
        );
        y[o] = acc.x;
        y[o + 1u] = acc.y;
        y[o + 2u] = acc.z;
        xy = dot(acc, xi);
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
