//! Step 3 of a picture: the wgpu render pipelines (built once per [`Renderer`]) and one offscreen
//! pass: 4× multisampled RGBA8 colour and Depth32Float targets, resolved, copied to a buffer
//! with rows padded to [`wgpu::COPY_BYTES_PER_ROW_ALIGNMENT`] (256 bytes) and read back.

use std::borrow::Cow;
use std::sync::{Arc, Mutex};

use bytemuck::{Pod, Zeroable};

use super::camera::Camera;
use super::colormap::{self, normalise};
use super::overlay::{self, Layout};
use super::surface::Scene;
use super::{check_size, Fields, Picture, RenderError, RenderOptions};
use crate::gpu::Gpu;
use crate::mesh::Mesh;

/// `shaders/render_surface.wgsl`.
pub const SURFACE_SOURCE: &str = include_str!("../../shaders/render_surface.wgsl");
/// `shaders/render_edges.wgsl`.
pub const EDGES_SOURCE: &str = include_str!("../../shaders/render_edges.wgsl");

const COLOUR_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8Unorm;
const DEPTH_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Depth32Float;
const SAMPLES: u32 = 4;
/// Background (white) and edge colours, RGBA in [0, 1].
pub const BACKGROUND: [u8; 4] = [255, 255, 255, 255];
const EDGE_COLOUR: [f32; 4] = [0.12, 0.12, 0.12, 1.0];
const OUTLINE_COLOUR: [f32; 4] = [0.55, 0.55, 0.55, 1.0];
/// Headlight: ambient + diffuse = 1 on faces seen head-on, 0.35 on faces seen edge-on.
const SHADING: [f32; 2] = [0.35, 0.65];

/// The WGSL `Frame` of both shaders.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct Frame {
    /// Column-major clip matrix.
    pub clip: [[f32; 4]; 4],
    /// Eye → scene direction (xyz).
    pub forward: [f32; 4],
    /// Ambient, diffuse.
    pub shading: [f32; 4],
}

/// One triangle corner of `render_surface.wgsl`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct SurfaceVertex {
    /// Position minus the camera centre.
    pub position: [f32; 3],
    /// Normalised field value.
    pub value: f32,
    /// Unit triangle normal.
    pub normal: [f32; 3],
    /// Padding to 32 bytes.
    pub pad: f32,
}

/// One edge end of `render_edges.wgsl`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct EdgeVertex {
    /// Position minus the camera centre, w = 1.
    pub position: [f32; 4],
    /// RGBA.
    pub colour: [f32; 4],
}

/// The render pipelines, the colour-map table, the frame uniform and its bind groups of one
/// device, created once; vertex buffers (grown when a picture needs more) and render targets
/// (remade when the size changes) are kept between pictures.
pub struct Renderer {
    gpu: Arc<Gpu>,
    surface: wgpu::RenderPipeline,
    edges: wgpu::RenderPipeline,
    frame: wgpu::Buffer,
    surface_group: wgpu::BindGroup,
    edge_group: wgpu::BindGroup,
    cache: Mutex<Cache>,
}

/// What one picture leaves for the next.
#[derive(Default)]
struct Cache {
    surface: Option<wgpu::Buffer>,
    edges: Option<wgpu::Buffer>,
    targets: Option<Targets>,
}

/// `slot`'s buffer when it holds `bytes`, else a new one of the next power of two.
fn vertex_buffer<'a>(
    gpu: &Gpu,
    slot: &'a mut Option<wgpu::Buffer>,
    label: &str,
    bytes: u64,
) -> Result<&'a wgpu::Buffer, crate::gpu::GpuError> {
    if slot.as_ref().is_none_or(|b| b.size() < bytes) {
        let usage = wgpu::BufferUsages::VERTEX | wgpu::BufferUsages::COPY_DST;
        *slot = Some(gpu.buffer(label, bytes.next_power_of_two(), usage)?);
    }
    slot.as_ref().ok_or_else(|| crate::gpu::GpuError::Shape(format!("{label} was not created")))
}

fn bind(gpu: &Gpu, pipeline: &wgpu::RenderPipeline, label: &str, buffers: &[&wgpu::Buffer]) -> wgpu::BindGroup {
    let entries: Vec<wgpu::BindGroupEntry<'_>> = buffers
        .iter()
        .enumerate()
        .map(|(i, b)| wgpu::BindGroupEntry { binding: i as u32, resource: b.as_entire_binding() })
        .collect();
    gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some(label),
        layout: &pipeline.get_bind_group_layout(0),
        entries: &entries,
    })
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renderer").field("gpu", &self.gpu).finish_non_exhaustive()
    }
}

fn vertex_layout(stride: u64, attributes: &[wgpu::VertexAttribute]) -> wgpu::VertexBufferLayout<'_> {
    wgpu::VertexBufferLayout { array_stride: stride, step_mode: wgpu::VertexStepMode::Vertex, attributes }
}

fn pipeline(
    device: &wgpu::Device,
    label: &str,
    source: &str,
    layout: wgpu::VertexBufferLayout<'_>,
    topology: wgpu::PrimitiveTopology,
    bias: wgpu::DepthBiasState,
) -> wgpu::RenderPipeline {
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some(label),
        source: wgpu::ShaderSource::Wgsl(Cow::Borrowed(source)),
    });
    device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
        label: Some(label),
        layout: None,
        vertex: wgpu::VertexState {
            module: &module,
            entry_point: Some("vs_main"),
            compilation_options: Default::default(),
            buffers: &[Some(layout)],
        },
        primitive: wgpu::PrimitiveState { topology, cull_mode: None, ..Default::default() },
        depth_stencil: Some(wgpu::DepthStencilState {
            format: DEPTH_FORMAT,
            depth_write_enabled: Some(true),
            depth_compare: Some(wgpu::CompareFunction::LessEqual),
            stencil: Default::default(),
            bias,
        }),
        multisample: wgpu::MultisampleState { count: SAMPLES, ..Default::default() },
        fragment: Some(wgpu::FragmentState {
            module: &module,
            entry_point: Some("fs_main"),
            compilation_options: Default::default(),
            targets: &[Some(wgpu::ColorTargetState {
                format: COLOUR_FORMAT,
                blend: None,
                write_mask: wgpu::ColorWrites::ALL,
            })],
        }),
        multiview_mask: None,
        cache: None,
    })
}

impl Renderer {
    /// Compiles the two render pipelines and uploads the colour map.
    pub fn new(gpu: Arc<Gpu>) -> Result<Renderer, RenderError> {
        let device = &gpu.device;
        let surface_attributes = wgpu::vertex_attr_array![0 => Float32x3, 1 => Float32, 2 => Float32x3];
        let surface = pipeline(
            device,
            "render_surface",
            SURFACE_SOURCE,
            vertex_layout(std::mem::size_of::<SurfaceVertex>() as u64, &surface_attributes),
            wgpu::PrimitiveTopology::TriangleList,
            // Push the triangles back a little so that edges lying on them pass the depth test.
            wgpu::DepthBiasState { constant: 4, slope_scale: 1.0, clamp: 0.0 },
        );
        let edge_attributes = wgpu::vertex_attr_array![0 => Float32x4, 1 => Float32x4];
        let edges = pipeline(
            device,
            "render_edges",
            EDGES_SOURCE,
            vertex_layout(std::mem::size_of::<EdgeVertex>() as u64, &edge_attributes),
            wgpu::PrimitiveTopology::LineList,
            wgpu::DepthBiasState::default(),
        );
        let table = colormap::table();
        let bytes: &[u8] = bytemuck::cast_slice(&table);
        let colormap = gpu.buffer(
            "render colormap",
            bytes.len() as u64,
            wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
        )?;
        gpu.queue.write_buffer(&colormap, 0, bytes);
        let uniform = wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST;
        let frame = gpu.buffer("render frame", std::mem::size_of::<Frame>() as u64, uniform)?;
        let surface_group = bind(&gpu, &surface, "render surface bindings", &[&frame, &colormap]);
        let edge_group = bind(&gpu, &edges, "render edge bindings", &[&frame]);
        gpu.check("building the render pipelines")?;
        let cache = Mutex::new(Cache::default());
        Ok(Renderer { gpu, surface, edges, frame, surface_group, edge_group, cache })
    }

    /// The device this renderer draws on.
    pub fn gpu(&self) -> &Arc<Gpu> {
        &self.gpu
    }

    /// One picture of `mesh` coloured by a field of `fields` (steps in [`crate::render`]).
    pub fn render(&self, mesh: &Mesh, fields: &Fields<'_>, options: &RenderOptions) -> Result<Picture, RenderError> {
        let limit = self.gpu.device.limits().max_texture_dimension_2d;
        check_size(options.width, options.height, limit)?;
        let range = match options.range {
            Some((lo, hi)) if !(lo.is_finite() && hi.is_finite() && lo < hi) => {
                return Err(RenderError::Option {
                    what: "range",
                    value: format!("{lo}..{hi}"),
                    valid: "two finite numbers, the first smaller".into(),
                })
            }
            r => r,
        };
        let scene = Scene::build(mesh, fields, options)?;
        let (lo, hi) = range.unwrap_or((scene.min.value, scene.max.value));
        let layout = Layout::new(options.width, options.height);
        let camera = Camera::fit(options.view, scene.points(), layout.viewport, layout.margin);
        let mut pixels = self.draw(&scene, &camera, (lo, hi), options)?;
        let mut picture =
            Picture { width: options.width, height: options.height, pixels: std::mem::take(&mut pixels), camera };
        overlay::draw(&mut picture, &scene, &layout, (lo, hi), options);
        Ok(picture)
    }

    fn draw(
        &self,
        scene: &Scene,
        camera: &Camera,
        (lo, hi): (f64, f64),
        options: &RenderOptions,
    ) -> Result<Vec<u8>, RenderError> {
        let gpu = &self.gpu;
        let c = camera.centre;
        let local = |p: &[f64; 3]| [(p[0] - c[0]) as f32, (p[1] - c[1]) as f32, (p[2] - c[2]) as f32];
        let surface: Vec<SurfaceVertex> = (0..scene.corners.len())
            .map(|i| SurfaceVertex {
                position: local(&scene.corners[i]),
                value: normalise(scene.values[i], lo, hi) as f32,
                normal: scene.normals[i].map(|c| c as f32),
                pad: 0.0,
            })
            .collect();
        let edges: Vec<EdgeVertex> = [(&scene.outline, OUTLINE_COLOUR), (&scene.edges, EDGE_COLOUR)]
            .into_iter()
            .flat_map(|(points, colour)| {
                points.iter().map(move |p| {
                    let [x, y, z] = local(p);
                    EdgeVertex { position: [x, y, z, 1.0], colour }
                })
            })
            .collect();
        let shading = if options.shading { SHADING } else { [1.0, 0.0] };
        let f = camera.basis[2];
        let frame = Frame {
            clip: camera.clip_matrix(),
            forward: [f[0] as f32, f[1] as f32, f[2] as f32, 0.0],
            shading: [shading[0], shading[1], 0.0, 0.0],
        };
        gpu.queue.write_buffer(&self.frame, 0, bytemuck::bytes_of(&frame));
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        let Cache { surface: surface_slot, edges: edge_slot, targets } = &mut *cache;
        let surface_bytes: &[u8] = bytemuck::cast_slice(&surface);
        let surface_buffer = vertex_buffer(gpu, surface_slot, "render surface vertices", surface_bytes.len() as u64)?;
        gpu.queue.write_buffer(surface_buffer, 0, surface_bytes);
        let edge_bytes: &[u8] = bytemuck::cast_slice(&edges);
        let edge_buffer = vertex_buffer(gpu, edge_slot, "render edge vertices", edge_bytes.len() as u64)?;
        gpu.queue.write_buffer(edge_buffer, 0, edge_bytes);
        if targets.as_ref().is_none_or(|t| (t.width, t.height) != (options.width, options.height)) {
            *targets = Some(Targets::new(gpu, options.width, options.height));
        }
        let Some(targets) = targets.as_ref() else { return Err(RenderError::Empty) };
        let mut encoder =
            gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("render picture") });
        {
            let bg = BACKGROUND.map(|c| c as f64 / 255.0);
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("render picture pass"),
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view: &targets.msaa,
                    depth_slice: None,
                    resolve_target: Some(&targets.resolved),
                    ops: wgpu::Operations {
                        load: wgpu::LoadOp::Clear(wgpu::Color { r: bg[0], g: bg[1], b: bg[2], a: bg[3] }),
                        store: wgpu::StoreOp::Discard,
                    },
                })],
                depth_stencil_attachment: Some(wgpu::RenderPassDepthStencilAttachment {
                    view: &targets.depth,
                    depth_ops: Some(wgpu::Operations { load: wgpu::LoadOp::Clear(1.0), store: wgpu::StoreOp::Discard }),
                    stencil_ops: None,
                }),
                timestamp_writes: None,
                occlusion_query_set: None,
                multiview_mask: None,
            });
            let [x, y, w, h] = camera.viewport.map(|v| v as f32);
            pass.set_viewport(x, y, w, h, 0.0, 1.0);
            pass.set_pipeline(&self.surface);
            pass.set_bind_group(0, &self.surface_group, &[]);
            pass.set_vertex_buffer(0, surface_buffer.slice(..surface_bytes.len() as u64));
            pass.draw(0..surface.len() as u32, 0..1);
            if !edges.is_empty() {
                pass.set_pipeline(&self.edges);
                pass.set_bind_group(0, &self.edge_group, &[]);
                pass.set_vertex_buffer(0, edge_buffer.slice(..edge_bytes.len() as u64));
                pass.draw(0..edges.len() as u32, 0..1);
            }
        }
        targets.read(gpu, encoder).map_err(RenderError::from)
    }
}

/// The render targets of one picture and its readback buffer.
struct Targets {
    msaa: wgpu::TextureView,
    depth: wgpu::TextureView,
    resolved_texture: wgpu::Texture,
    resolved: wgpu::TextureView,
    staging: wgpu::Buffer,
    width: u32,
    height: u32,
    padded_row: u32,
}

impl Targets {
    fn new(gpu: &Gpu, width: u32, height: u32) -> Targets {
        let texture = |label: &str, format, samples, usage| {
            gpu.device.create_texture(&wgpu::TextureDescriptor {
                label: Some(label),
                size: wgpu::Extent3d { width, height, depth_or_array_layers: 1 },
                mip_level_count: 1,
                sample_count: samples,
                dimension: wgpu::TextureDimension::D2,
                format,
                usage,
                view_formats: &[],
            })
        };
        let attachment = wgpu::TextureUsages::RENDER_ATTACHMENT;
        let view = |t: &wgpu::Texture| t.create_view(&wgpu::TextureViewDescriptor::default());
        let msaa = view(&texture("render colour (multisampled)", COLOUR_FORMAT, SAMPLES, attachment));
        let depth = view(&texture("render depth", DEPTH_FORMAT, SAMPLES, attachment));
        let resolved_texture = texture("render colour", COLOUR_FORMAT, 1, attachment | wgpu::TextureUsages::COPY_SRC);
        let resolved = view(&resolved_texture);
        let padded_row = (4 * width).next_multiple_of(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT);
        let staging = gpu.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("render readback"),
            size: padded_row as u64 * height as u64,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        Targets { msaa, depth, resolved_texture, resolved, staging, width, height, padded_row }
    }

    /// Copies the resolved colour out and strips the row padding: `width × height × 4` bytes.
    fn read(&self, gpu: &Gpu, mut encoder: wgpu::CommandEncoder) -> Result<Vec<u8>, crate::gpu::GpuError> {
        encoder.copy_texture_to_buffer(
            wgpu::TexelCopyTextureInfo {
                texture: &self.resolved_texture,
                mip_level: 0,
                origin: wgpu::Origin3d::ZERO,
                aspect: wgpu::TextureAspect::All,
            },
            wgpu::TexelCopyBufferInfo {
                buffer: &self.staging,
                layout: wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(self.padded_row),
                    rows_per_image: Some(self.height),
                },
            },
            wgpu::Extent3d { width: self.width, height: self.height, depth_or_array_layers: 1 },
        );
        let bytes = self.padded_row as u64 * self.height as u64;
        let padded = gpu.submit_and_read(encoder, &self.staging, bytes, "rendering a picture")?;
        let row = 4 * self.width as usize;
        Ok(padded.chunks_exact(self.padded_row as usize).flat_map(|r| &r[..row]).copied().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn validate(name: &str, source: &str) -> naga::Module {
        let module =
            naga::front::wgsl::parse_str(source).unwrap_or_else(|e| panic!("{name}: {}", e.emit_to_string(source)));
        naga::valid::Validator::new(naga::valid::ValidationFlags::all(), naga::valid::Capabilities::empty())
            .validate(&module)
            .unwrap_or_else(|e| panic!("{name}: {}", e.emit_to_string(source)));
        module
    }

    const SOURCES: [(&str, &str); 2] = [("render_surface.wgsl", SURFACE_SOURCE), ("render_edges.wgsl", EDGES_SOURCE)];

    #[test]
    fn the_render_shaders_validate_with_naga_and_are_all_listed() {
        for (name, source) in SOURCES {
            validate(name, source);
        }
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("shaders");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .expect("shaders/ exists")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.starts_with("render_") && n.ends_with(".wgsl"))
            .collect();
        files.sort();
        let mut listed: Vec<String> = SOURCES.iter().map(|(n, _)| n.to_string()).collect();
        listed.sort();
        assert_eq!(files, listed);
    }

    #[test]
    fn the_frame_struct_matches_the_wgsl_layout() {
        for (name, source) in SOURCES {
            let module = validate(name, source);
            let mut layouter = naga::proc::Layouter::default();
            layouter.update(module.to_ctx()).expect("layout");
            let (handle, _) =
                module.types.iter().find(|(_, t)| t.name.as_deref() == Some("Frame")).expect("struct Frame");
            assert_eq!(layouter[handle].size as usize, std::mem::size_of::<Frame>(), "{name}");
            let naga::TypeInner::Struct { members, .. } = &module.types[handle].inner else { panic!("{name}") };
            let offsets: Vec<u32> = members.iter().map(|m| m.offset).collect();
            assert_eq!(offsets, [0, 64, 80], "{name}");
        }
        assert_eq!(std::mem::size_of::<SurfaceVertex>(), 32);
        assert_eq!(std::mem::size_of::<EdgeVertex>(), 32);
    }
}
