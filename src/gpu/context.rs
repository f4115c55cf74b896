//! The wgpu device the solver runs on: adapter choice, limits, error capture and readback.
//!
//! One [`Gpu`] is created per process (or per test) and shared through an `Arc`; the compute
//! pipelines of every kernel are compiled once, when it is created. wgpu's default reaction to an
//! uncaptured error is a panic; here such errors are recorded and turned into [`GpuError`]s at the
//! next synchronisation point ([`Gpu::check`]), and a lost device is remembered the same way.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use super::kernels::Kernels;
use super::GpuError;

/// How to choose and limit the device.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GpuOptions {
    /// Refuse software adapters (lavapipe, SwiftShader, WARP); `auto` backend selection uses this.
    pub require_hardware: bool,
    /// Lower the usable bytes per storage binding below the device's limit (tests of the
    /// buffer splitting).
    pub max_binding_bytes: Option<u64>,
    /// Lower the workgroups per dispatch dimension below the device's limit (tests of the
    /// dispatch splitting).
    pub max_workgroups_per_dimension: Option<u32>,
}

/// One adapter as `organ-twin gpu-info` lists it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AdapterReport {
    /// Adapter name.
    pub name: String,
    /// Graphics API (Vulkan, Metal, Dx12).
    pub backend: String,
    /// Discrete, integrated, virtual, CPU (software) or other.
    pub device_type: String,
    /// Driver name and version.
    pub driver: String,
    /// Whether `auto` would use it (not a software rasteriser).
    pub hardware: bool,
    /// Optional features the adapter offers (`SHADER_F64`, `TIMESTAMP_QUERY`, …).
    pub features: Vec<String>,
    /// Limits relevant to the solver.
    pub max_storage_buffer_binding_size: u64,
    /// Largest buffer.
    pub max_buffer_size: u64,
    /// Workgroups per dispatch dimension.
    pub max_compute_workgroups_per_dimension: u32,
    /// Storage buffers per shader stage.
    pub max_storage_buffers_per_shader_stage: u32,
    /// Invocations per workgroup.
    pub max_compute_invocations_per_workgroup: u32,
}

/// A device and queue with the solver's pipelines.
pub struct Gpu {
    /// The device.
    pub device: wgpu::Device,
    /// Its queue.
    pub queue: wgpu::Queue,
    /// The adapter it came from.
    pub info: wgpu::AdapterInfo,
    /// Bytes usable in one storage binding (the device limit, or lower when asked).
    pub max_binding_bytes: u64,
    /// Largest buffer the device creates.
    pub max_buffer_bytes: u64,
    /// Workgroups per dispatch dimension.
    pub max_workgroups_per_dimension: u32,
    /// The compiled kernels.
    pub kernels: Kernels,
    errors: Arc<Mutex<Vec<String>>>,
    lost: Arc<Mutex<Option<String>>>,
}

impl std::fmt::Debug for Gpu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gpu").field("adapter", &self.describe()).finish_non_exhaustive()
    }
}

fn instance() -> wgpu::Instance {
    wgpu::Instance::new(wgpu::InstanceDescriptor {
        backends: wgpu::Backends::PRIMARY,
        ..wgpu::InstanceDescriptor::new_without_display_handle()
    })
}

/// Software rasterisers report themselves as CPU devices.
fn is_hardware(info: &wgpu::AdapterInfo) -> bool {
    info.device_type != wgpu::DeviceType::Cpu
}

/// Preference among adapters: discrete, integrated, virtual, other, software.
fn rank(info: &wgpu::AdapterInfo) -> u8 {
    match info.device_type {
        wgpu::DeviceType::DiscreteGpu => 0,
        wgpu::DeviceType::IntegratedGpu => 1,
        wgpu::DeviceType::VirtualGpu => 2,
        wgpu::DeviceType::Other => 3,
        wgpu::DeviceType::Cpu => 4,
    }
}

const INSTALL_HINT: &str = "install a Vulkan driver (your GPU vendor's, or on Debian/Ubuntu \
                            `apt install mesa-vulkan-drivers` for Mesa's drivers including the lavapipe software renderer)";

impl Gpu {
    /// Lists the adapters wgpu finds, best first.
    pub fn adapters() -> Vec<AdapterReport> {
        let mut adapters = pollster::block_on(instance().enumerate_adapters(wgpu::Backends::PRIMARY));
        adapters.sort_by_key(|a| rank(&a.get_info()));
        adapters
            .iter()
            .map(|a| {
                let (info, limits) = (a.get_info(), a.limits());
                AdapterReport {
                    name: info.name.clone(),
                    backend: format!("{:?}", info.backend),
                    device_type: format!("{:?}", info.device_type),
                    driver: format!("{} {}", info.driver, info.driver_info).trim().to_string(),
                    hardware: is_hardware(&info),
                    features: a.features().iter_names().map(|(name, _)| name.to_string()).collect(),
                    max_storage_buffer_binding_size: limits.max_storage_buffer_binding_size,
                    max_buffer_size: limits.max_buffer_size,
                    max_compute_workgroups_per_dimension: limits.max_compute_workgroups_per_dimension,
                    max_storage_buffers_per_shader_stage: limits.max_storage_buffers_per_shader_stage,
                    max_compute_invocations_per_workgroup: limits.max_compute_invocations_per_workgroup,
                }
            })
            .collect()
    }

    /// Opens the best adapter allowed by `options` and compiles the kernels.
    pub fn new(options: &GpuOptions) -> Result<Arc<Gpu>, GpuError> {
        let mut adapters = pollster::block_on(instance().enumerate_adapters(wgpu::Backends::PRIMARY));
        adapters.retain(|a| !options.require_hardware || is_hardware(&a.get_info()));
        adapters.sort_by_key(|a| rank(&a.get_info()));
        let Some(adapter) = adapters.into_iter().next() else {
            let what = if options.require_hardware { "hardware GPU adapter" } else { "GPU adapter" };
            return Err(GpuError::NoAdapter { what: what.into(), hint: INSTALL_HINT.into() });
        };
        let info = adapter.get_info();
        let limits = adapter.limits();
        let f64 = adapter.features().contains(wgpu::Features::SHADER_F64);
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("organ-twin solver"),
            required_features: if f64 { wgpu::Features::SHADER_F64 } else { wgpu::Features::empty() },
            required_limits: limits.clone(),
            ..Default::default()
        }))
        .map_err(|e| GpuError::Device { adapter: info.name.clone(), message: e.to_string() })?;
        let errors = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&errors);
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
            sink.lock().unwrap_or_else(|p| p.into_inner()).push(e.to_string());
        }));
        let lost = Arc::new(Mutex::new(None));
        let sink = Arc::clone(&lost);
        device.set_device_lost_callback(move |reason, message| {
            *sink.lock().unwrap_or_else(|p| p.into_inner()) = Some(format!("{reason:?}: {message}"));
        });
        let kernels = Kernels::new(&device, f64);
        let gpu = Gpu {
            max_binding_bytes: options
                .max_binding_bytes
                .map_or(limits.max_storage_buffer_binding_size, |m| m.min(limits.max_storage_buffer_binding_size)),
            max_buffer_bytes: limits.max_buffer_size,
            max_workgroups_per_dimension: options
                .max_workgroups_per_dimension
                .map_or(limits.max_compute_workgroups_per_dimension, |m| {
                    m.clamp(1, limits.max_compute_workgroups_per_dimension)
                }),
            device,
            queue,
            info,
            kernels,
            errors,
            lost,
        };
        gpu.check("compiling the kernels")?;
        Ok(Arc::new(gpu))
    }

    /// "name (backend, type)".
    pub fn describe(&self) -> String {
        format!("{} ({:?}, {:?})", self.info.name, self.info.backend, self.info.device_type)
    }

    /// Whether the f64 CG kernels are available (`SHADER_F64`).
    pub fn has_f64(&self) -> bool {
        self.kernels.cg64.is_some()
    }

    /// Whether the adapter is a hardware GPU.
    pub fn is_hardware(&self) -> bool {
        is_hardware(&self.info)
    }

    /// Turns a lost device or an error wgpu recorded since the last check into a [`GpuError`].
    pub fn check(&self, during: &str) -> Result<(), GpuError> {
        if let Some(message) = self.lost.lock().unwrap_or_else(|p| p.into_inner()).clone() {
            return Err(GpuError::DeviceLost { during: during.into(), message });
        }
        let mut errors = self.errors.lock().unwrap_or_else(|p| p.into_inner());
        if errors.is_empty() {
            return Ok(());
        }
        let message = errors.join("; ");
        errors.clear();
        Err(GpuError::Reported { during: during.into(), message })
    }

    /// Creates a buffer, turning an allocation failure into [`GpuError::OutOfMemory`] and a size
    /// over the device's buffer limit into [`GpuError::TooLarge`].
    pub fn buffer(&self, label: &str, size: u64, usage: wgpu::BufferUsages) -> Result<wgpu::Buffer, GpuError> {
        let mib = size as f64 / (1024.0 * 1024.0);
        if size > self.max_buffer_bytes {
            return Err(GpuError::TooLarge {
                what: label.into(),
                needed_mib: mib,
                limit_mib: self.max_buffer_bytes as f64 / (1024.0 * 1024.0),
            });
        }
        let scope = self.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        // Bindings must be non-empty and copies a multiple of 4 bytes.
        let size = size.max(16).next_multiple_of(4);
        let buffer = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size,
            usage,
            mapped_at_creation: false,
        });
        if let Some(e) = pollster::block_on(scope.pop()) {
            return Err(GpuError::OutOfMemory { what: label.into(), mib, message: e.to_string() });
        }
        Ok(buffer)
    }

    /// Submits `encoder`, waits, and copies `bytes` out of the mappable `staging` buffer.
    pub fn submit_and_read(
        &self,
        encoder: wgpu::CommandEncoder,
        staging: &wgpu::Buffer,
        bytes: u64,
        during: &str,
    ) -> Result<Vec<u8>, GpuError> {
        self.queue.submit([encoder.finish()]);
        let slice = staging.slice(..bytes);
        let (tx, rx) = mpsc::channel();
        slice.map_async(wgpu::MapMode::Read, move |result| {
            // The receiver outlives the poll below; a send can only fail after an earlier error.
            let _ = tx.send(result);
        });
        let lost = |message: String| GpuError::DeviceLost { during: during.into(), message };
        self.device.poll(wgpu::PollType::wait_indefinitely()).map_err(|e| lost(e.to_string()))?;
        self.check(during)?;
        match rx.recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(lost(e.to_string())),
            Err(_) => return Err(lost("the buffer mapping never completed".into())),
        }
        let data = slice.get_mapped_range().map_err(|e| lost(e.to_string()))?.to_vec();
        staging.unmap();
        Ok(data)
    }

    /// Submits `encoder` and waits for the queue to drain (benchmarks time whole submissions).
    pub fn submit_and_wait(&self, encoder: wgpu::CommandEncoder, during: &str) -> Result<(), GpuError> {
        self.queue.submit([encoder.finish()]);
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| GpuError::DeviceLost { during: during.into(), message: e.to_string() })?;
        self.check(during)
    }

    /// A 2D dispatch grid covering `workgroups` within the per-dimension limit.
    pub fn grid(&self, workgroups: u32) -> (u32, u32) {
        super::kernels::grid(workgroups, self.max_workgroups_per_dimension)
    }
}
