//! Summary statistics of a mesh: counts, regions, surfaces with areas, volume and shape quality.

use serde::Serialize;

use super::{geometry, Mesh};

/// Cells per type.
#[derive(Debug, Clone, Serialize)]
pub struct TypeCount {
    /// Cell type name.
    pub cell_type: String,
    /// Number of cells.
    pub count: usize,
}

/// One region's summary.
#[derive(Debug, Clone, Serialize)]
pub struct RegionStats {
    /// Region id.
    pub id: i32,
    /// Name, if any.
    pub name: Option<String>,
    /// Number of cells.
    pub cells: usize,
    /// Total cell volume.
    pub volume: f64,
}

/// One surface's summary.
#[derive(Debug, Clone, Serialize)]
pub struct SurfaceStats {
    /// Surface name.
    pub name: String,
    /// Tag in the source file.
    pub id: Option<i32>,
    /// Number of faces.
    pub faces: usize,
    /// Area.
    pub area: f64,
}

/// One named set or field.
#[derive(Debug, Clone, Serialize)]
pub struct NamedCount {
    /// Name.
    pub name: String,
    /// Entities in the set, or components of the field.
    pub count: usize,
}

/// Shape quality over all cells (on the vertex tetrahedra).
#[derive(Debug, Clone, Serialize)]
pub struct Quality {
    /// Smallest scaled Jacobian (1 = regular tet).
    pub min_scaled_jacobian: f64,
    /// Mean scaled Jacobian.
    pub mean_scaled_jacobian: f64,
    /// Largest scaled Jacobian.
    pub max_scaled_jacobian: f64,
    /// Smallest dihedral angle, degrees.
    pub min_dihedral_deg: f64,
    /// Largest dihedral angle, degrees.
    pub max_dihedral_deg: f64,
}

/// Everything `organ-twin info` reports.
#[derive(Debug, Clone, Serialize)]
pub struct MeshStats {
    /// Number of nodes.
    pub nodes: usize,
    /// Number of volume cells.
    pub cells: usize,
    /// Cells per type.
    pub cell_types: Vec<TypeCount>,
    /// Regions.
    pub regions: Vec<RegionStats>,
    /// Surfaces.
    pub surfaces: Vec<SurfaceStats>,
    /// Node sets (count = nodes).
    pub node_sets: Vec<NamedCount>,
    /// Per-cell fields (count = components).
    pub cell_fields: Vec<NamedCount>,
    /// Per-node fields (count = components).
    pub node_fields: Vec<NamedCount>,
    /// Bounding box minimum.
    pub bbox_min: [f64; 3],
    /// Bounding box maximum.
    pub bbox_max: [f64; 3],
    /// Total volume.
    pub volume: f64,
    /// Shape quality.
    pub quality: Quality,
}

impl MeshStats {
    /// Computes the statistics of `mesh`.
    pub fn of(mesh: &Mesh) -> MeshStats {
        let cell_types = mesh
            .cell_types_present()
            .into_iter()
            .map(|t| TypeCount {
                cell_type: t.name().to_string(),
                count: (0..mesh.cell_count()).filter(|&c| mesh.cell_type(c) == t).count(),
            })
            .collect();
        let volumes: Vec<f64> = (0..mesh.cell_count()).map(|c| mesh.cell_volume(c)).collect();
        let regions = mesh
            .regions()
            .iter()
            .map(|r| {
                let cells: Vec<usize> = (0..mesh.cell_count()).filter(|&c| mesh.cell_regions()[c] == r.id).collect();
                RegionStats {
                    id: r.id,
                    name: r.name.clone(),
                    cells: cells.len(),
                    volume: cells.iter().map(|&c| volumes[c]).sum(),
                }
            })
            .collect();
        let surfaces = mesh
            .surfaces()
            .iter()
            .map(|s| SurfaceStats { name: s.name.clone(), id: s.id, faces: s.faces.len(), area: mesh.surface_area(s) })
            .collect();
        let named = |name: &str, count: usize| NamedCount { name: name.to_string(), count };
        let (bbox_min, bbox_max) = mesh.bounding_box().unwrap_or(([0.0; 3], [0.0; 3]));
        MeshStats {
            nodes: mesh.nodes().len(),
            cells: mesh.cell_count(),
            cell_types,
            regions,
            surfaces,
            node_sets: mesh.node_sets().iter().map(|s| named(&s.name, s.nodes.len())).collect(),
            cell_fields: mesh.cell_fields().iter().map(|f| named(&f.name, f.components)).collect(),
            node_fields: mesh.node_fields().iter().map(|f| named(&f.name, f.components)).collect(),
            bbox_min,
            bbox_max,
            volume: volumes.iter().sum(),
            quality: quality(mesh),
        }
    }
}

fn quality(mesh: &Mesh) -> Quality {
    let mut q = Quality {
        min_scaled_jacobian: f64::INFINITY,
        mean_scaled_jacobian: 0.0,
        max_scaled_jacobian: f64::NEG_INFINITY,
        min_dihedral_deg: f64::INFINITY,
        max_dihedral_deg: f64::NEG_INFINITY,
    };
    for c in 0..mesh.cell_count() {
        let x = mesh.cell_coords(c);
        let sj = geometry::scaled_jacobian(&x);
        let (lo, hi) = geometry::dihedral_angles(&x);
        q.min_scaled_jacobian = q.min_scaled_jacobian.min(sj);
        q.max_scaled_jacobian = q.max_scaled_jacobian.max(sj);
        q.mean_scaled_jacobian += sj;
        q.min_dihedral_deg = q.min_dihedral_deg.min(lo);
        q.max_dihedral_deg = q.max_dihedral_deg.max(hi);
    }
    q.mean_scaled_jacobian /= mesh.cell_count().max(1) as f64;
    q
}
