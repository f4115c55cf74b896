//! Host side of the WGSL kernels in `shaders/`, one module per shader.
//!
//! Each module holds the shader source, a `#[repr(C)]` params struct that mirrors the WGSL one
//! (checked against naga's layout in the tests below), a kernel type whose pipeline is built once
//! (in [`Kernels::new`]), a `bind()` that makes a bind group (once per buffer set), a `record()`
//! that only encodes a dispatch, and a CPU twin `reference()` written in the shader's loop shape
//! (f32 arithmetic in the same order), which the GPU tests compare against.
//!
//! All kernels use 256-wide workgroups on a 2D grid ([`grid`]) so that more than the 65,535
//! workgroups of one dispatch dimension can run.

pub mod amg_csr;
pub mod amg_dense;
pub mod amg_dot;
pub mod amg_smooth;
pub mod cg_direction;
pub mod cg_reduce;
pub mod cg_update;
pub mod copy;
pub mod fatigue;
pub mod spmv_bsr;
pub mod spmv_csr;

use std::borrow::Cow;

pub use cg_reduce::Scalars;

/// Invocations per workgroup of every kernel (the WGSL `WG` constant).
pub const WORKGROUP: u32 = 256;

/// `shaders/common.wgsl`: the structs, `real` and `WG` every kernel uses; prepended to each
/// kernel's source (WGSL has no include).
pub const COMMON: &str = include_str!("../../../shaders/common.wgsl");

/// The source a pipeline compiles: [`COMMON`] followed by the kernel's file.
pub fn with_common(kernel: &str) -> String {
    format!("{COMMON}\n{kernel}")
}

/// Every kernel with its file name, for validation (each is compiled after [`COMMON`]).
pub const SOURCES: [(&str, &str); 11] = [
    ("spmv_bsr.wgsl", spmv_bsr::SOURCE),
    ("spmv_csr.wgsl", spmv_csr::SOURCE),
    ("cg_update.wgsl", cg_update::SOURCE),
    ("cg_direction.wgsl", cg_direction::SOURCE),
    ("cg_reduce.wgsl", cg_reduce::SOURCE),
    ("copy.wgsl", copy::SOURCE),
    ("amg_csr.wgsl", amg_csr::SOURCE),
    ("amg_smooth.wgsl", amg_smooth::SOURCE),
    ("amg_dense.wgsl", amg_dense::SOURCE),
    ("amg_dot.wgsl", amg_dot::SOURCE),
    ("fatigue.wgsl", fatigue::SOURCE),
];

/// Arithmetic of the CG kernels' vectors and matrix (`alias real` in the shaders).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Precision {
    /// f32: every GPU.
    F32,
    /// f64: devices with `SHADER_F64`.
    F64,
}

impl Precision {
    /// Bytes per value.
    pub fn bytes(self) -> u64 {
        match self {
            Precision::F32 => 4,
            Precision::F64 => 8,
        }
    }

    /// Name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Precision::F32 => "f32",
            Precision::F64 => "f64",
        }
    }

    /// The full source of a kernel in this precision: [`COMMON`] and the kernel, with the
    /// common `real` alias switched for f64.
    pub fn source(self, kernel: &str) -> String {
        let source = with_common(kernel);
        match self {
            Precision::F32 => source,
            Precision::F64 => source.replacen("alias real = f32;", "alias real = f64;", 1),
        }
    }

    /// `values` as the bytes of a buffer of this precision.
    pub fn bytes_of(self, values: &[f64]) -> Vec<u8> {
        match self {
            Precision::F32 => bytemuck::cast_slice(&values.iter().map(|&v| v as f32).collect::<Vec<f32>>()).to_vec(),
            Precision::F64 => bytemuck::cast_slice(values).to_vec(),
        }
    }

    /// The values in the bytes of a buffer of this precision.
    pub fn values_of(self, bytes: &[u8]) -> Vec<f64> {
        match self {
            Precision::F32 => bytemuck::pod_collect_to_vec::<u8, f32>(bytes).iter().map(|&v| v as f64).collect(),
            Precision::F64 => bytemuck::pod_collect_to_vec(bytes),
        }
    }
}

/// The conjugate-gradient kernels of one precision.
#[derive(Debug)]
pub struct CgKernels {
    /// `spmv_bsr.wgsl`.
    pub spmv_bsr: spmv_bsr::SpmvBsr,
    /// `cg_update.wgsl`.
    pub cg_update: cg_update::CgUpdate,
    /// `cg_direction.wgsl`.
    pub cg_direction: cg_direction::CgDirection,
    /// `cg_reduce.wgsl`.
    pub cg_reduce: cg_reduce::CgReduce,
}

impl CgKernels {
    fn new(device: &wgpu::Device, precision: Precision) -> Self {
        CgKernels {
            spmv_bsr: spmv_bsr::SpmvBsr::new(device, precision),
            cg_update: cg_update::CgUpdate::new(device, precision),
            cg_direction: cg_direction::CgDirection::new(device, precision),
            cg_reduce: cg_reduce::CgReduce::new(device, precision),
        }
    }
}

/// The kernels of the AMG V-cycle (f32 only: the preconditioner's arithmetic, see
/// [`crate::gpu::amg`]).
#[derive(Debug)]
pub struct AmgKernels {
    /// `amg_csr.wgsl`.
    pub csr: amg_csr::AmgCsr,
    /// `amg_smooth.wgsl`.
    pub smooth: amg_smooth::AmgSmooth,
    /// `amg_dense.wgsl`.
    pub dense: amg_dense::AmgDense,
    /// `amg_dot.wgsl`.
    pub dot: amg_dot::AmgDot,
}

impl AmgKernels {
    fn new(device: &wgpu::Device) -> Self {
        AmgKernels {
            csr: amg_csr::AmgCsr::new(device),
            smooth: amg_smooth::AmgSmooth::new(device),
            dense: amg_dense::AmgDense::new(device),
            dot: amg_dot::AmgDot::new(device),
        }
    }
}

/// The compiled pipelines of all kernels.
#[derive(Debug)]
pub struct Kernels {
    /// The CG kernels in f32.
    pub cg32: CgKernels,
    /// The CG kernels in f64, where the device has `SHADER_F64`.
    pub cg64: Option<CgKernels>,
    /// `spmv_csr.wgsl` (f32).
    pub spmv_csr: spmv_csr::SpmvCsr,
    /// `copy.wgsl`.
    pub copy: copy::Copy,
    /// The AMG V-cycle's kernels.
    pub amg: AmgKernels,
    /// `fatigue.wgsl`: the per-point fatigue assessment of a history ([`crate::fatigue::gpu`]).
    pub fatigue: fatigue::FatigueKernel,
}

impl Kernels {
    /// Compiles every kernel for `device` (the f64 variants when `f64` is set).
    pub fn new(device: &wgpu::Device, f64: bool) -> Self {
        Kernels {
            cg32: CgKernels::new(device, Precision::F32),
            cg64: f64.then(|| CgKernels::new(device, Precision::F64)),
            spmv_csr: spmv_csr::SpmvCsr::new(device),
            copy: copy::Copy::new(device),
            amg: AmgKernels::new(device),
            fatigue: fatigue::FatigueKernel::new(device),
        }
    }

    /// The CG kernels of `precision`, if compiled.
    pub fn cg(&self, precision: Precision) -> Option<&CgKernels> {
        match precision {
            Precision::F32 => Some(&self.cg32),
            Precision::F64 => self.cg64.as_ref(),
        }
    }
}

/// Number of workgroups covering `items` invocations.
pub fn workgroups(items: usize) -> u32 {
    u32::try_from(items.div_ceil(WORKGROUP as usize)).expect("sizes are checked against the binding limits first")
}

/// A 2D grid of at least `workgroups` workgroups with at most `max_per_dimension` in x and y
/// (enough for `max_per_dimension²` workgroups: 4.3e9 at wgpu's 65,535, far beyond what a
/// storage binding can feed); the kernels compute their index as `id.y * num_workgroups.x + id.x`
/// and ignore the overshoot.
pub fn grid(workgroups: u32, max_per_dimension: u32) -> (u32, u32) {
    if workgroups <= max_per_dimension {
        return (workgroups.max(1), 1);
    }
    let y = workgroups.div_ceil(max_per_dimension);
    (workgroups.div_ceil(y), y)
}

/// Builds the compute pipeline of `entry` in `source`, with the layout derived from the shader.
pub(crate) fn pipeline(device: &wgpu::Device, label: &str, source: String, entry: &str) -> wgpu::ComputePipeline {
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some(label),
        source: wgpu::ShaderSource::Wgsl(Cow::Owned(source)),
    });
    device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some(label),
        layout: None,
        module: &module,
        entry_point: Some(entry),
        compilation_options: Default::default(),
        cache: None,
    })
}

/// A bind group of whole buffers at bindings 0, 1, 2, … of group 0 of `pipeline`.
pub(crate) fn bind(
    device: &wgpu::Device,
    pipeline: &wgpu::ComputePipeline,
    label: &str,
    buffers: &[&wgpu::Buffer],
) -> wgpu::BindGroup {
    let entries: Vec<wgpu::BindGroupEntry<'_>> = buffers
        .iter()
        .enumerate()
        .map(|(i, b)| wgpu::BindGroupEntry { binding: i as u32, resource: b.as_entire_binding() })
        .collect();
    device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some(label),
        layout: &pipeline.get_bind_group_layout(0),
        entries: &entries,
    })
}

/// Encodes one dispatch of `pipeline` with `bind_group` over `grid`.
pub(crate) fn dispatch(
    pass: &mut wgpu::ComputePass<'_>,
    pipeline: &wgpu::ComputePipeline,
    bind_group: &wgpu::BindGroup,
    grid: (u32, u32),
) {
    pass.set_pipeline(pipeline);
    pass.set_bind_group(0, bind_group, &[]);
    pass.dispatch_workgroups(grid.0, grid.1, 1);
}

/// CPU twin of a kernel's workgroups: `invocation` runs for every global invocation index
/// (`workgroup × 256 + local`) of `workgroups` workgroups, and each workgroup's results are
/// summed by [`tree_sum`], as the kernel's shared-memory reduction does.
pub fn workgroup_sums<const N: usize>(workgroups: u32, mut invocation: impl FnMut(usize) -> [f32; N]) -> Vec<[f32; N]> {
    let size = WORKGROUP as usize;
    (0..workgroups as usize).map(|wg| tree_sum((0..size).map(|lid| invocation(wg * size + lid)).collect())).collect()
}

/// Sum of `values` in the order of the kernels' workgroup reduction: a binary tree over 256
/// slots (the CPU twin of the `sums` loops in the shaders).
pub fn tree_sum<const N: usize>(mut slots: Vec<[f32; N]>) -> [f32; N] {
    slots.resize(WORKGROUP as usize, [0.0; N]);
    let mut s = WORKGROUP as usize / 2;
    while s > 0 {
        for i in 0..s {
            let upper = slots[i + s];
            for (lower, u) in slots[i].iter_mut().zip(upper) {
                *lower += u;
            }
        }
        s /= 2;
    }
    slots[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module_with(name: &str, source: &str, capabilities: naga::valid::Capabilities) -> naga::Module {
        let module =
            naga::front::wgsl::parse_str(source).unwrap_or_else(|e| panic!("{name}: {}", e.emit_to_string(source)));
        naga::valid::Validator::new(naga::valid::ValidationFlags::all(), capabilities)
            .validate(&module)
            .unwrap_or_else(|e| panic!("{name}: {}", e.emit_to_string(source)));
        module
    }

    /// The kernel `source` compiled after common.wgsl, as the pipelines are.
    fn module(name: &str, source: &str) -> naga::Module {
        module_with(name, &with_common(source), naga::valid::Capabilities::empty())
    }

    #[test]
    fn every_shader_validates_with_naga() {
        for (name, source) in SOURCES {
            module(name, source);
        }
    }

    #[test]
    fn the_f64_variants_validate_and_differ_only_in_precision() {
        for (name, source) in [
            ("spmv_bsr.wgsl", spmv_bsr::SOURCE),
            ("cg_update.wgsl", cg_update::SOURCE),
            ("cg_direction.wgsl", cg_direction::SOURCE),
            ("cg_reduce.wgsl", cg_reduce::SOURCE),
        ] {
            let f64 = Precision::F64.source(source);
            assert_ne!(f64, Precision::F32.source(source), "common.wgsl declares `alias real = f32;`");
            assert!(
                naga::valid::Validator::new(naga::valid::ValidationFlags::all(), naga::valid::Capabilities::empty())
                    .validate(&naga::front::wgsl::parse_str(&f64).unwrap())
                    .is_err(),
                "{name}: the f64 variant must need the FLOAT64 capability"
            );
            module_with(name, &f64, naga::valid::Capabilities::FLOAT64);
        }
    }

    #[test]
    fn every_shader_is_listed() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("shaders");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .expect("shaders/ exists")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            // The render_* stages belong to `crate::render`, which lists and checks its own.
            .filter(|n| n.ends_with(".wgsl") && !n.starts_with("render_"))
            .collect();
        files.sort();
        let mut listed: Vec<String> = SOURCES.iter().map(|(n, _)| n.to_string()).collect();
        listed.push("common.wgsl".into());
        listed.sort();
        assert_eq!(files, listed);
    }

    /// Offsets and size of WGSL struct `name` in `source`, as naga lays it out.
    fn wgsl_layout(source: &str, name: &str) -> (Vec<(String, u32)>, u32) {
        let module = module(name, source);
        let (_, ty) = module.types.iter().find(|(_, t)| t.name.as_deref() == Some(name)).expect("struct present");
        match &ty.inner {
            naga::TypeInner::Struct { members, span } => {
                (members.iter().map(|m| (m.name.clone().unwrap_or_default(), m.offset)).collect(), *span)
            }
            _ => panic!("{name} is not a struct"),
        }
    }

    macro_rules! assert_layout {
        ($source:expr, $wgsl:literal, $ty:ty, [$($field:ident),*]) => {{
            let (members, span) = wgsl_layout($source, $wgsl);
            let rust: Vec<(String, u32)> =
                vec![$((stringify!($field).to_string(), std::mem::offset_of!($ty, $field) as u32)),*];
            assert_eq!(members, rust, "{} field offsets", $wgsl);
            assert_eq!(span as usize, std::mem::size_of::<$ty>(), "{} size", $wgsl);
        }};
    }

    #[test]
    fn rust_structs_match_the_wgsl_layouts() {
        // The shared structs live in common.wgsl (compiled here with an empty kernel).
        assert_layout!(
            "",
            "Scalars",
            Scalars,
            [rz, pq, alpha, beta, rr, rr_stop, rescale, status, iteration, history_capacity, _pad0, _pad1]
        );
        assert_layout!(
            "",
            "SpmvParams",
            spmv_bsr::SpmvParams,
            [row_begin, row_end, block_base, partial_base, workgroups, _pad0, _pad1, _pad2]
        );
        assert_layout!("", "VecParams", cg_update::VecParams, [nodes, workgroups, _pad0, _pad1]);
        assert_layout!(
            cg_reduce::SOURCE,
            "ReduceParams",
            cg_reduce::ReduceParams,
            [spmv_partials, vec_partials, _pad0, _pad1]
        );
        assert_layout!(copy::SOURCE, "CopyParams", copy::CopyParams, [count, workgroups, _pad0, _pad1]);
        assert_layout!(amg_csr::SOURCE, "CsrParams", amg_csr::CsrParams, [rows, workgroups, mode, _pad0]);
        assert_layout!(
            amg_smooth::SOURCE,
            "SmoothParams",
            amg_smooth::SmoothParams,
            [nodes, block, workgroups, mode, c1, c2, last, _pad0]
        );
        assert_layout!(amg_dense::SOURCE, "DenseParams", amg_dense::DenseParams, [rows, columns, workgroups, _pad0]);
        assert_layout!(
            fatigue::SOURCE,
            "FatigueKernelParams",
            fatigue::FatigueKernelParams,
            [
                points,
                cases,
                samples,
                workgroups,
                criterion,
                mean_stress,
                segments,
                width,
                ultimate,
                yield_strength,
                gamma,
                ln_knee,
                ln_design_life,
                first_pass,
                _pad0,
                _pad1
            ]
        );
        assert_layout!(
            fatigue::SOURCE,
            "PointState",
            fatigue::PointState,
            [
                x,
                lo,
                hi,
                h_lo,
                h_hi,
                step,
                flags,
                passes,
                damage,
                alternating,
                mean,
                equivalent,
                safety,
                _pad2,
                _pad0,
                _pad1
            ]
        );
    }

    #[test]
    fn grid_covers_and_respects_the_limit() {
        for (n, max) in [(1, 65_535), (65_535, 65_535), (65_536, 65_535), (1_000_003, 1_001), (9, 3), (8, 3)] {
            let (x, y) = grid(n, max);
            assert!(x <= max && y <= max, "{n} {max}: {x}x{y}");
            assert!(x as u64 * y as u64 >= n as u64);
            assert!((x as u64 * y as u64) < n as u64 + x as u64, "at most one partial row of overshoot");
        }
    }

    #[test]
    fn tree_sum_is_the_sum() {
        let v: Vec<[f32; 1]> = (1..=100).map(|i| [i as f32]).collect();
        assert_eq!(tree_sum(v), [5050.0]);
    }
}
