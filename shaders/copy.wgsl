// copy: dst = src, 16 bytes per invocation. Measures the device's achievable memory bandwidth
// (read + write) in the same run as the solver kernels, the denominator of the benchmark's
// "percent of copy bandwidth".
//
// WG comes from common.wgsl.
//
// Bindings (group 0):
//   0 params uniform CopyParams       number of vec4<f32> to copy, workgroups
//   1 src    storage read  array<vec4<f32>>
//   2 dst    storage write array<vec4<f32>>
// Dispatch: 2D grid of 256-wide workgroups, workgroup index = id.y * num_workgroups.x + id.x.

struct CopyParams {
    count: u32,
    workgroups: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<uniform> params: CopyParams;
@group(0) @binding(1) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> dst: array<vec4<f32>>;

@compute @workgroup_size(WG)
fn main(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
) {
    let wg = wid.y * nwg.x + wid.x;
    let i = wg * WG + lid;
    if wg < params.workgroups && i < params.count {
        dst[i] = src[i];
    }
}
