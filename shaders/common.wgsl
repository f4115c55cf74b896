// common.wgsl: declarations shared by every kernel. WGSL has no include, so the host prepends
// this file to each shader's source (`src/gpu/kernels/mod.rs`, `source()`); the unit tests check
// each struct against its `#[repr(C)]` Rust mirror.

// The conjugate-gradient state: written by cg_reduce.wgsl (read_write storage), read by the
// other CG kernels as a uniform. status: 0 running, 1 residual reduced (the host takes over),
// 2 breakdown; nothing changes once it is not 0.
struct Scalars {
    rz: f32,
    pq: f32,
    alpha: f32,
    beta: f32,
    rr: f32,
    rr_stop: f32,
    rescale: f32,
    status: u32,
    iteration: u32,
    history_capacity: u32,
    _pad0: u32,
    _pad1: u32,
}

// One chunk of matrix rows for spmv_bsr.wgsl (block rows) and spmv_csr.wgsl (scalar rows).
struct SpmvParams {
    row_begin: u32,
    row_end: u32,
    block_base: u32,
    partial_base: u32,
    workgroups: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

// Vector length for cg_update.wgsl and cg_direction.wgsl.
struct VecParams {
    nodes: u32,
    workgroups: u32,
    _pad0: u32,
    _pad1: u32,
}

// Precision of the CG kernels' vectors and matrix: `real` is f32; the host compiles a second
// variant with `alias real = f64;` where the device has SHADER_F64 (Scalars stays f32 in both).
alias real = f32;

// Invocations per workgroup of every kernel; dispatches are 2D grids of these, with the
// workgroup index id.y * num_workgroups.x + id.x.
const WG: u32 = 256u;
