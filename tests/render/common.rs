//! Shared helpers: the GPU (one per test binary), a unit cube with a linear field, PNG decoding.

use std::sync::{Arc, OnceLock};

use organ_twin::gpu::{Gpu, GpuOptions};
use organ_twin::mesh::generate::{beam, BeamParams, Order};
use organ_twin::mesh::{Field, Mesh};
use organ_twin::render::Renderer;

/// The renderer on the best adapter; `None` (test skipped) only outside CI.
pub fn renderer() -> Option<Arc<Renderer>> {
    static RENDERER: OnceLock<Option<Arc<Renderer>>> = OnceLock::new();
    RENDERER
        .get_or_init(|| match Gpu::new(&GpuOptions::default()) {
            Ok(gpu) => Some(Arc::new(Renderer::new(gpu).expect("the render pipelines build"))),
            Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => panic!("CI=true but no GPU adapter: {e}"),
            Err(e) => {
                eprintln!("rendering tests skipped (not under CI=true): {e}");
                None
            }
        })
        .clone()
}

/// The unit cube `[0, 1]³` in `n³` cubes (six tets each).
pub fn cube(n: usize, order: Order) -> Mesh {
    beam(&BeamParams { size: [1.0, 1.0, 1.0], divisions: [n, n, n], order }).expect("a valid cube")
}

/// The point field `f = x` (and a translation `u = shift` as `displacement`).
pub fn linear_fields(mesh: &Mesh, shift: [f64; 3]) -> Vec<Field> {
    vec![
        Field { name: "f".into(), components: 1, values: mesh.nodes().iter().map(|p| p[0]).collect() },
        Field { name: "displacement".into(), components: 3, values: mesh.nodes().iter().flat_map(|_| shift).collect() },
    ]
}

/// Decodes a PNG into `(width, height, RGBA8 pixels)`.
pub fn decode_png(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut buf = vec![0; reader.output_buffer_size().expect("a size")];
    let info = reader.next_frame(&mut buf).expect("PNG data");
    assert_eq!((info.color_type, info.bit_depth), (png::ColorType::Rgba, png::BitDepth::Eight));
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}
