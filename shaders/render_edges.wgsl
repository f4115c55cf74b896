// render_edges: feature edges of the drawn surface and the outline of the undeformed shape, as
// a line list in one colour per vertex, depth-tested against the surface (whose triangles carry a
// depth bias, so an edge on the surface wins). Part of `organ-twin render` (src/render/raster.rs).
//
// Bindings (group 0):
//   0 frame uniform Frame   the same struct as render_surface.wgsl (only `clip` is used)
// Vertex buffer 0 (32 bytes per vertex, two per edge):
//   location 0 position vec4<f32>  offset 0   mesh coordinates minus the camera centre, w = 1
//   location 1 colour   vec4<f32>  offset 16  RGBA in [0, 1]

struct Frame {
    clip: mat4x4<f32>,
    forward: vec4<f32>,
    shading: vec4<f32>,
}

@group(0) @binding(0) var<uniform> frame: Frame;

struct VertexOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) colour: vec4<f32>,
}

@vertex
fn vs_main(@location(0) position: vec4<f32>, @location(1) colour: vec4<f32>) -> VertexOut {
    var out: VertexOut;
    out.clip = frame.clip * vec4<f32>(position.xyz, 1.0);
    out.colour = colour;
    return out;
}

@fragment
fn fs_main(in: VertexOut) -> @location(0) vec4<f32> {
    return in.colour;
}
