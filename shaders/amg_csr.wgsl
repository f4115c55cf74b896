// amg_csr: the sparse products of the AMG V-cycle below the finest level, in scalar CSR:
//   mode 0  y = A x          a coarse level's matrix (smoother and residual)
//   mode 1  y = A (x − w)    restriction of a residual: b_c = R (b − A x), R = Pᵀ stored
//   mode 2  y = y + A x      prolongation of the coarse correction: x += P x_c
// R = Pᵀ is stored explicitly (its pattern built once per hierarchy, values refreshed), so the
// restriction is a gather like every other product and needs no atomics.
//
// Layout: one invocation per row; row i owns the entries row_ptr[i] .. row_ptr[i+1], entry k
// has column cols[k] and value vals[k] (f32). Coarse levels have 6 (or 3) unknowns per
// aggregate in node-major order; scalar CSR keeps one kernel for the level matrices (6 x 6
// blocks), P (3 x 6 blocks on the finest level) and R (6 x 3), at 8 B per nonzero.
//
// Declarations (Scalars, `real`, WG) come from common.wgsl.
//
// Bindings (group 0):
//   0 params  uniform CsrParams  rows, workgroups, mode
//   1 cg      uniform Scalars    nothing runs once status != 0
//   2 row_ptr storage read  array<u32>  rows + 1 entry offsets
//   3 cols    storage read  array<u32>  column of each entry
//   4 vals    storage read  array<f32>  value of each entry
//   5 x       storage read  array<f32>  input (columns)
//   6 w       storage read  array<f32>  subtracted from x in mode 1 (bound to x otherwise)
//   7 y       storage read_write array<f32>  output (rows)
// Dispatch: 2D grid of 256-wide workgroups, workgroup index = id.y * num_workgroups.x + id.x.

struct CsrParams {
    rows: u32,
    workgroups: u32,
    mode: u32,
    _pad0: u32,
}

@group(0) @binding(0) var<uniform> params: CsrParams;
@group(0) @binding(1) var<uniform> cg: Scalars;
@group(0) @binding(2) var<storage, read> row_ptr: array<u32>;
@group(0) @binding(3) var<storage, read> cols: array<u32>;
@group(0) @binding(4) var<storage, read> vals: array<f32>;
@group(0) @binding(5) var<storage, read> x: array<f32>;
@group(0) @binding(6) var<storage, read> w: array<f32>;
@group(0) @binding(7) var<storage, read_write> y: array<f32>;

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
    let row = wg * WG + lid;
    if wg >= params.workgroups || row >= params.rows {
        return;
    }
    var acc = 0.0;
    let end = row_ptr[row + 1u];
    for (var k = row_ptr[row]; k < end; k++) {
        let c = cols[k];
        var v = x[c];
        if params.mode == 1u {
            v = v - w[c];
        }
        acc += vals[k] * v;
    }
    if params.mode == 2u {
        acc = y[row] + acc;
    }
    y[row] = acc;
}
