//! Offscreen pictures of a mesh and its fields: the boundary surface, optionally deformed,
//! coloured by a point or cell field with the viridis colour map, headlight-shaded, with a
//! labelled colour bar, the field's minimum and maximum marked, and the feature edges of the
//! undeformed shape when deformed.
//!
//! The steps of one picture ([`Renderer::render`]):
//! 1. [`surface::Scene::build`]: pick the field and reduce it to one scalar per node or cell
//!    (vectors → magnitude, or one component), extract the boundary faces (a Tet10 face is split
//!    into four linear triangles through its mid-edge nodes), displace them by `scale × u`, and
//!    collect the feature edges (crease angle over 30°, region borders);
//! 2. [`camera::Camera::fit`]: an orthographic camera for the view that fits every point of the
//!    deformed and undeformed shape into the picture left of the colour bar;
//! 3. [`raster`]: rasterise triangles and edges with wgpu into a 4× multisampled RGBA8 target with
//!    a depth buffer (`shaders/render_surface.wgsl`, `shaders/render_edges.wgsl`), resolve, copy to
//!    a buffer with rows padded to 256 bytes and read it back;
//! 4. [`overlay`]: on the CPU, draw the colour bar, its ticks, the title, and the min/max markers
//!    and their values with the embedded DejaVu Sans font ([`text`]).
//!
//! The pipelines, uniforms and bind groups are created once per [`Renderer`]; the vertex buffers
//! grow when a picture needs more, and the render targets are remade only when the size changes.

pub mod camera;
pub mod colormap;
pub mod overlay;
pub mod picture;
mod raster;
pub mod surface;
pub mod text;

use std::sync::Arc;

pub use camera::{Camera, View};
pub use picture::Picture;
pub use raster::Renderer;
pub use surface::{FieldLocation, Fields, Scene};

use crate::gpu::GpuError;

/// Smallest picture side in pixels (room for the colour bar and its labels).
pub const MIN_SIZE: u32 = 64;
/// Largest picture side in pixels (also bounded by the device's texture limit).
pub const MAX_SIZE: u32 = 8192;

/// What to draw and how.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderOptions {
    /// Field name; `point:NAME` or `cell:NAME` chooses when both kinds exist (a point field is
    /// preferred otherwise).
    pub field: String,
    /// Component to show of a field with several; `None`: the magnitude of a 3-vector, the value
    /// of a scalar (other fields then need a component).
    pub component: Option<usize>,
    /// Direction of view.
    pub view: View,
    /// Draw the shape displaced by this factor × the displacement field (`None`: undeformed).
    pub deformed: Option<f64>,
    /// Point field holding the displacement (3 components).
    pub displacement: String,
    /// Picture width in pixels.
    pub width: u32,
    /// Picture height in pixels.
    pub height: u32,
    /// Units shown beside the field name on the colour bar (e.g. `MPa`); the VTU does not carry them.
    pub units: Option<String>,
    /// Title at the top; `None`: the field name and the deformation scale.
    pub title: Option<String>,
    /// Headlight shading (off shows the bare colour map, for tests).
    pub shading: bool,
    /// Colour range; `None`: the field's minimum and maximum over the whole mesh.
    pub range: Option<(f64, f64)>,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            field: "von_mises".into(),
            component: None,
            view: View::Iso,
            deformed: None,
            displacement: "displacement".into(),
            width: 1200,
            height: 900,
            units: None,
            title: None,
            shading: true,
            range: None,
        }
    }
}

/// Why a picture could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RenderError {
    /// The field does not exist; lists the fields that do.
    #[error("no field `{name}` in the mesh; available: {available}")]
    UnknownField {
        /// The name asked for.
        name: String,
        /// The point and cell fields present, as `point:NAME (N components)`.
        available: String,
    },
    /// The field exists but its component choice is wrong.
    #[error("field `{name}` has {components} component(s): {reason}")]
    Component {
        /// Field name.
        name: String,
        /// Its components.
        components: usize,
        /// What is wrong.
        reason: String,
    },
    /// The field's array does not match the mesh.
    #[error("field `{name}` has {values} values, expected {expected}")]
    FieldSize {
        /// Field name.
        name: String,
        /// Values present.
        values: usize,
        /// Values expected.
        expected: usize,
    },
    /// The displacement field needed for `deformed` is missing or not a 3-vector per node.
    #[error("--deformed needs a point field `{name}` with 3 components; available: {available}")]
    NoDisplacement {
        /// Name looked for.
        name: String,
        /// The point fields present.
        available: String,
    },
    /// A bad picture size, scale or range.
    #[error("{what} {value}: {valid}")]
    Option {
        /// Which option.
        what: &'static str,
        /// Its value.
        value: String,
        /// What is allowed.
        valid: String,
    },
    /// Nothing to draw.
    #[error("the mesh has no boundary faces to draw")]
    Empty,
    /// The GPU failed.
    #[error(transparent)]
    Gpu(#[from] GpuError),
    /// PNG encoding failed.
    #[error("cannot encode the PNG: {0}")]
    Png(String),
}

/// Renders one picture with a renderer made for it (a caller making several pictures keeps a
/// [`Renderer`] instead, so the pipelines are compiled once).
pub fn render_mesh(
    gpu: &Arc<crate::gpu::Gpu>,
    mesh: &crate::mesh::Mesh,
    fields: &Fields<'_>,
    options: &RenderOptions,
) -> Result<Picture, RenderError> {
    Renderer::new(Arc::clone(gpu))?.render(mesh, fields, options)
}

/// Checks a picture size against [`MIN_SIZE`], [`MAX_SIZE`] and the device's `limit`.
pub fn check_size(width: u32, height: u32, limit: u32) -> Result<(), RenderError> {
    let max = MAX_SIZE.min(limit);
    if (MIN_SIZE..=max).contains(&width) && (MIN_SIZE..=max).contains(&height) {
        return Ok(());
    }
    Err(RenderError::Option {
        what: "size",
        value: format!("{width}x{height}"),
        valid: format!("each side must be {MIN_SIZE} to {max} pixels"),
    })
}
