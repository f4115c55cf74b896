// render_surface: the boundary triangles of a mesh, coloured by a field through the viridis
// table and shaded by a headlight (ambient + diffuse · |n · forward|), into an RGBA8 target
// with a depth buffer. Part of `organ-twin render` (src/render/raster.rs).
//
// Bindings (group 0):
//   0 frame    uniform Frame                  clip matrix, view direction, shading
//   1 colormap uniform array<vec4<f32>, 256>  viridis sampled at i / 255, RGBA in [0, 1]
// Vertex buffer 0 (32 bytes per vertex, three per triangle, no index buffer):
//   location 0 position vec3<f32>  offset 0   mesh coordinates minus the camera centre
//   location 1 value    f32        offset 12  field value normalised to [0, 1]
//   location 2 normal   vec3<f32>  offset 16  unit normal at the corner (smooth within the crease angle)
//   (4 bytes of padding)
// The colour is the table interpolated linearly at value × 255, times the shading factor;
// with shading = (1, 0) it is the bare colour map (tests read it back exactly).

struct Frame {
    // Column-major: (position, 1) → clip space (x, y ∈ [−1, 1], depth ∈ [0, 1]).
    clip: mat4x4<f32>,
    // xyz: unit vector from the eye into the scene.
    forward: vec4<f32>,
    // x: ambient factor, y: diffuse factor (ambient + diffuse = 1 on faces seen head-on).
    shading: vec4<f32>,
}

@group(0) @binding(0) var<uniform> frame: Frame;
@group(0) @binding(1) var<uniform> colormap: array<vec4<f32>, 256>;

struct VertexOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) value: f32,
    @location(1) normal: vec3<f32>,
}

@vertex
fn vs_main(@location(0) position: vec3<f32>, @location(1) value: f32, @location(2) normal: vec3<f32>) -> VertexOut {
    var out: VertexOut;
    out.clip = frame.clip * vec4<f32>(position, 1.0);
    out.value = value;
    out.normal = normal;
    return out;
}

@fragment
fn fs_main(in: VertexOut) -> @location(0) vec4<f32> {
    let x = clamp(in.value, 0.0, 1.0) * 255.0;
    let i = min(u32(floor(x)), 254u);
    let c = mix(colormap[i], colormap[i + 1u], x - f32(i));
    let n = in.normal;
    let len = length(n);
    var facing = 1.0;
    if len > 0.0 {
        facing = abs(dot(n / len, frame.forward.xyz));
    }
    let s = frame.shading.x + frame.shading.y * facing;
    return vec4<f32>(c.rgb * s, 1.0);
}
