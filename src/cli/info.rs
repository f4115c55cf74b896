//! `organ-twin info`: text and JSON summaries of a mesh.

use std::io::{self, Write};

use serde::Serialize;

use crate::io::Imported;
use crate::mesh::stats::MeshStats;

#[derive(Serialize)]
struct Report<'a> {
    file: &'a str,
    format: &'a str,
    #[serde(flatten)]
    stats: MeshStats,
    warnings: Vec<String>,
}

/// Writes the JSON summary.
pub(super) fn write_json(out: &mut dyn Write, file: &str, imported: &Imported) -> io::Result<()> {
    let report = Report {
        file,
        format: imported.format.name(),
        stats: MeshStats::of(&imported.mesh),
        warnings: imported.warnings.iter().map(ToString::to_string).collect(),
    };
    // Non-finite numbers become null.
    serde_json::to_writer_pretty(&mut *out, &report).map_err(io::Error::other)?;
    writeln!(out)
}

fn g(x: f64) -> String {
    if x != 0.0 && (x.abs() >= 1e6 || x.abs() < 1e-3) {
        format!("{x:.4e}")
    } else {
        format!("{x:.6}").trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// Writes the human summary.
pub(super) fn write_text(out: &mut dyn Write, file: &str, imported: &Imported) -> io::Result<()> {
    let s = MeshStats::of(&imported.mesh);
    writeln!(out, "{file} ({})", imported.format.name())?;
    let types: Vec<String> = s.cell_types.iter().map(|t| format!("{} {}", t.cell_type, t.count)).collect();
    writeln!(out, "  nodes         {}", s.nodes)?;
    writeln!(out, "  cells         {} ({})", s.cells, types.join(", "))?;
    let bb = |p: [f64; 3]| format!("({}, {}, {})", g(p[0]), g(p[1]), g(p[2]));
    writeln!(out, "  bounding box  {} to {}", bb(s.bbox_min), bb(s.bbox_max))?;
    writeln!(out, "  volume        {}", g(s.volume))?;
    let q = &s.quality;
    writeln!(
        out,
        "  quality       scaled Jacobian min {:.3} / mean {:.3} / max {:.3}; dihedral angles {:.1}° to {:.1}°",
        q.min_scaled_jacobian, q.mean_scaled_jacobian, q.max_scaled_jacobian, q.min_dihedral_deg, q.max_dihedral_deg
    )?;
    writeln!(out, "regions ({})", s.regions.len())?;
    for r in &s.regions {
        let name = r.name.as_deref().unwrap_or("(unnamed)");
        writeln!(out, "  {:>4}  {name:<20} {:>9} cells   volume {}", r.id, r.cells, g(r.volume))?;
    }
    writeln!(out, "surfaces ({})", s.surfaces.len())?;
    for f in &s.surfaces {
        let id = f.id.map_or("-".to_string(), |i| i.to_string());
        writeln!(out, "  {id:>4}  {:<20} {:>9} faces   area {}", f.name, f.faces, g(f.area))?;
    }
    if !s.node_sets.is_empty() {
        writeln!(out, "node sets ({})", s.node_sets.len())?;
        for n in &s.node_sets {
            writeln!(out, "        {:<20} {:>15}", n.name, super::count(n.count, "node"))?;
        }
    }
    if !s.cell_fields.is_empty() || !s.node_fields.is_empty() {
        writeln!(out, "fields ({})", s.cell_fields.len() + s.node_fields.len())?;
        for (list, at) in [(&s.cell_fields, "cell"), (&s.node_fields, "node")] {
            for f in list {
                writeln!(out, "        {:<20} per {at}, {} component(s)", f.name, f.count)?;
            }
        }
    }
    if !imported.warnings.is_empty() {
        writeln!(out, "warnings ({})", imported.warnings.len())?;
        for w in &imported.warnings {
            writeln!(out, "  - {w}")?;
        }
    }
    Ok(())
}

/// `organ-twin gpu-info`: the adapters wgpu finds, best first.
pub(super) fn gpu_info(json: bool) -> Result<(), super::Failure> {
    let adapters = crate::gpu::Gpu::adapters();
    super::report(|out| {
        if json {
            return writeln!(out, "{}", serde_json::to_string_pretty(&adapters).expect("adapters serialize"));
        }
        if adapters.is_empty() {
            writeln!(
                out,
                "no GPU adapter found: install a Vulkan driver (on Debian/Ubuntu `apt install mesa-vulkan-drivers` \
                 provides lavapipe); the CPU backend works without one"
            )?;
        }
        for (i, a) in adapters.iter().enumerate() {
            let kind = if a.hardware { "hardware" } else { "software" };
            writeln!(out, "[{i}] {} ({}, {}, {kind})", a.name, a.backend, a.device_type)?;
            writeln!(out, "    driver            {}", a.driver)?;
            writeln!(out, "    storage binding   {:.0} MiB", a.max_storage_buffer_binding_size as f64 / 1048576.0)?;
            writeln!(out, "    buffer            {:.0} MiB", a.max_buffer_size as f64 / 1048576.0)?;
            writeln!(out, "    workgroups/dim    {}", a.max_compute_workgroups_per_dimension)?;
            writeln!(out, "    storage buffers   {} per stage", a.max_storage_buffers_per_shader_stage)?;
            writeln!(
                out,
                "    f64 kernels       {}",
                if a.features.iter().any(|f| f == "SHADER_F64") { "yes" } else { "no" }
            )?;
            writeln!(out, "    features          {}", a.features.join(" "))?;
        }
        Ok(())
    })
}
