//! The validated volume mesh every later layer works on.
//!
//! A [`Mesh`] holds nodes (f64 coordinates, SI units once a scenario has converted them),
//! volume cells in one flat connectivity array (so Tet4, Tet10 and, later, hexahedra can share
//! it), a region id per cell, named boundary [`Surface`]s given as cell faces, named
//! [`NodeSet`]s and named per-cell / per-node [`Field`]s (e.g. imported fibre directions).
//!
//! Meshes are only made through [`RawMesh::build`] (what readers produce) or the generators in
//! [`generate`]; both run the checks in [`build`], so a `Mesh` always has positively oriented,
//! non-degenerate cells whose node indices are in range.
//!
//! This module knows nothing about files or physics.

pub mod build;
pub mod cell;
mod error;
pub mod generate;
pub mod geometry;
pub mod refine;
pub mod stats;

pub use build::{BuildOptions, RawCell, RawCellFace, RawCells, RawFace, RawMesh, RawNode, SourceLoc, SurfaceKey};
pub use cell::CellType;
pub use error::{MeshError, MeshWarning};

/// A face of a volume cell: the cell index and its local face number (see [`cell`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CellFace {
    /// Index of the cell in the mesh.
    pub cell: usize,
    /// Local face number, `0..cell_type.face_count()`.
    pub face: u8,
}

/// A region: a set of cells sharing a material, identified by the id stored per cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    /// Region id as given by the file (physical tag, Medit reference, element-set order, …).
    pub id: i32,
    /// Name, when the file carries one.
    pub name: Option<String>,
}

/// A named boundary (or interface) surface made of cell faces.
#[derive(Debug, Clone, PartialEq)]
pub struct Surface {
    /// Surface name; unnamed tags get `surface_<tag>`.
    pub name: String,
    /// Numeric tag in the source file, if any.
    pub id: Option<i32>,
    /// The faces, sorted and without duplicates.
    pub faces: Vec<CellFace>,
}

/// A named set of nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeSet {
    /// Set name.
    pub name: String,
    /// Node indices, sorted and without duplicates.
    pub nodes: Vec<usize>,
}

/// A named data array with `components` values per cell or per node.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Array name as in the file (e.g. `fiber`).
    pub name: String,
    /// Values per entity (1 = scalar, 3 = vector, …).
    pub components: usize,
    /// `components × count` values, entity-major.
    pub values: Vec<f64>,
}

/// Most nodes of a cell (Tet10).
const MAX_CELL_NODES: usize = 10;

/// The node coordinates of one cell ([`Mesh::cell_coords`]); dereferences to a slice.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellCoords {
    x: [[f64; 3]; MAX_CELL_NODES],
    n: usize,
}

impl std::ops::Deref for CellCoords {
    type Target = [[f64; 3]];

    fn deref(&self) -> &[[f64; 3]] {
        &self.x[..self.n]
    }
}

/// A validated tetrahedral volume mesh.
#[derive(Debug, Clone, PartialEq)]
pub struct Mesh {
    nodes: Vec<[f64; 3]>,
    node_ids: Vec<u64>,
    cell_types: Vec<CellType>,
    cell_offsets: Vec<usize>,
    connectivity: Vec<usize>,
    cell_ids: Vec<u64>,
    cell_regions: Vec<i32>,
    regions: Vec<Region>,
    surfaces: Vec<Surface>,
    node_sets: Vec<NodeSet>,
    cell_fields: Vec<Field>,
    node_fields: Vec<Field>,
}

impl Mesh {
    /// Node coordinates.
    pub fn nodes(&self) -> &[[f64; 3]] {
        &self.nodes
    }

    /// Node ids as numbered in the source file (for messages).
    pub fn node_ids(&self) -> &[u64] {
        &self.node_ids
    }

    /// Number of volume cells.
    pub fn cell_count(&self) -> usize {
        self.cell_types.len()
    }

    /// Type of cell `c`.
    pub fn cell_type(&self, c: usize) -> CellType {
        self.cell_types[c]
    }

    /// Node indices of cell `c`, in the internal order of [`cell`].
    pub fn cell_nodes(&self, c: usize) -> &[usize] {
        &self.connectivity[self.cell_offsets[c]..self.cell_offsets[c + 1]]
    }

    /// Coordinates of the nodes of cell `c`, on the stack (validation, statistics and assembly
    /// visit every cell of multi-million-cell meshes, several times).
    pub fn cell_coords(&self, c: usize) -> CellCoords {
        let nodes = self.cell_nodes(c);
        let mut x = [[0.0; 3]; MAX_CELL_NODES];
        for (slot, &n) in x.iter_mut().zip(nodes) {
            *slot = self.nodes[n];
        }
        CellCoords { x, n: nodes.len().min(MAX_CELL_NODES) }
    }

    /// Cell ids as numbered in the source file (for messages).
    pub fn cell_ids(&self) -> &[u64] {
        &self.cell_ids
    }

    /// Region id of each cell.
    pub fn cell_regions(&self) -> &[i32] {
        &self.cell_regions
    }

    /// Regions, sorted by id.
    pub fn regions(&self) -> &[Region] {
        &self.regions
    }

    /// Named surfaces, in file order.
    pub fn surfaces(&self) -> &[Surface] {
        &self.surfaces
    }

    /// Surface by name.
    pub fn surface(&self, name: &str) -> Option<&Surface> {
        self.surfaces.iter().find(|s| s.name == name)
    }

    /// Named node sets, in file order.
    pub fn node_sets(&self) -> &[NodeSet] {
        &self.node_sets
    }

    /// Per-cell data arrays.
    pub fn cell_fields(&self) -> &[Field] {
        &self.cell_fields
    }

    /// Per-node data arrays.
    pub fn node_fields(&self) -> &[Field] {
        &self.node_fields
    }

    /// The cell types present, sorted.
    pub fn cell_types_present(&self) -> Vec<CellType> {
        let mut t = self.cell_types.clone();
        t.sort();
        t.dedup();
        t
    }

    /// Global node indices of a cell face (3 for Tet4, 6 for Tet10; Tri3/Tri6 order, outward).
    pub fn face_nodes(&self, f: CellFace) -> Vec<usize> {
        let nodes = self.cell_nodes(f.cell);
        self.cell_type(f.cell).face_nodes(f.face as usize).iter().map(|&l| nodes[l]).collect()
    }

    /// Area of a named surface (curved Tet10 faces integrated exactly enough for reports).
    pub fn surface_area(&self, surface: &Surface) -> f64 {
        surface
            .faces
            .iter()
            .map(|&f| {
                let x: Vec<[f64; 3]> = self.face_nodes(f).iter().map(|&n| self.nodes[n]).collect();
                geometry::face_area(&x)
            })
            .sum()
    }

    /// Volume of cell `c`.
    pub fn cell_volume(&self, c: usize) -> f64 {
        geometry::cell_volume(self.cell_type(c), &self.cell_coords(c))
    }

    /// Total volume of all cells.
    pub fn volume(&self) -> f64 {
        (0..self.cell_count()).map(|c| self.cell_volume(c)).sum()
    }

    /// Axis-aligned bounding box `(min, max)` of the nodes; `None` for an empty mesh.
    pub fn bounding_box(&self) -> Option<([f64; 3], [f64; 3])> {
        let first = *self.nodes.first()?;
        Some(self.nodes.iter().fold((first, first), |(mut lo, mut hi), p| {
            for k in 0..3 {
                lo[k] = lo[k].min(p[k]);
                hi[k] = hi[k].max(p[k]);
            }
            (lo, hi)
        }))
    }

    /// The same mesh with every coordinate multiplied by `factor` (unit conversion at the
    /// boundary of a scenario, e.g. 1e-3 for mm → m).
    pub fn scaled(&self, factor: f64) -> Mesh {
        let mut m = self.clone();
        for p in &mut m.nodes {
            *p = p.map(|c| c * factor);
        }
        m
    }

    /// Faces that belong to exactly one cell (the boundary of the mesh), sorted.
    pub fn boundary_faces(&self) -> Vec<CellFace> {
        let mut faces: Vec<CellFace> =
            build::face_map(self).iter().filter(|(_, f)| f.len() == 1).map(|(_, f)| f[0]).collect();
        faces.sort();
        faces
    }

    /// Name of region `id`, or `region <id>` when unnamed.
    pub fn region_label(&self, id: i32) -> String {
        match self.regions.iter().find(|r| r.id == id).and_then(|r| r.name.clone()) {
            Some(name) => name,
            None => format!("region {id}"),
        }
    }
}
