//! From what a reader found ([`RawMesh`], with file ids and source positions) to a validated
//! [`Mesh`] (dense indices, resolved surfaces), in numbered steps:
//!
//! 1. nodes: finite coordinates, unique ids;
//! 2. cells: unique ids, every node defined;
//! 3. shape: no degenerate cell, no inverted cell (optionally re-oriented), no folded Tet10;
//! 4. surfaces: each boundary triangle is matched to the cell face with the same vertices;
//! 5. regions, node sets and fields;
//! 6. warnings: unused nodes and very poor cells.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use super::cell::{CellType, TET_FACES};
use super::error::{MeshError, MeshWarning};
use super::{geometry, CellFace, Field, Mesh, NodeSet, Region, Surface};

/// Where an entity was defined in its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SourceLoc {
    /// 1-based line of a text file.
    Line(usize),
    /// 0-based byte offset of a binary file.
    Byte(usize),
    /// Unknown (generated meshes, or formats parsed by a library that does not report positions).
    #[default]
    Unknown,
}

impl fmt::Display for SourceLoc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceLoc::Line(l) => write!(f, "line {l}"),
            SourceLoc::Byte(b) => write!(f, "byte {b}"),
            SourceLoc::Unknown => f.write_str("an unknown position"),
        }
    }
}

/// A node as read: file id, coordinates, position.
#[derive(Debug, Clone, PartialEq)]
pub struct RawNode {
    /// Id in the file.
    pub id: u64,
    /// Coordinates.
    pub x: [f64; 3],
    /// Where it was defined.
    pub at: SourceLoc,
}

/// A volume cell as read; `nodes` are file node ids already in the internal order. Readers hand
/// cells to [`RawCells::push`], which stores them flat.
#[derive(Debug, Clone, PartialEq)]
pub struct RawCell {
    /// Id in the file.
    pub id: u64,
    /// Cell type.
    pub kind: CellType,
    /// Node ids, internal order (see [`cell`](super::cell)).
    pub nodes: Vec<u64>,
    /// Region id.
    pub region: i32,
    /// Where it was defined.
    pub at: SourceLoc,
}

/// The volume cells as read, in one flat layout: about 70 bytes per Tet4 and no allocation per
/// cell (a patient mesh has millions of cells, and a vector of node ids per cell doubled the
/// memory of reading one). [`RawMesh::build`] moves the arrays into the [`Mesh`].
#[derive(Debug, Clone, PartialEq)]
pub struct RawCells {
    ids: Vec<u64>,
    kinds: Vec<CellType>,
    /// `len + 1` offsets into `nodes`, starting at 0.
    offsets: Vec<usize>,
    nodes: Vec<u64>,
    regions: Vec<i32>,
    at: Vec<SourceLoc>,
}

impl Default for RawCells {
    fn default() -> Self {
        RawCells {
            ids: Vec::new(),
            kinds: Vec::new(),
            offsets: vec![0],
            nodes: Vec::new(),
            regions: Vec::new(),
            at: Vec::new(),
        }
    }
}

impl RawCells {
    /// Appends a cell.
    pub fn push(&mut self, cell: RawCell) {
        self.push_nodes(cell.id, cell.kind, &cell.nodes, cell.region, cell.at);
    }

    /// Appends a cell given by its parts (node ids in the internal order).
    pub fn push_nodes(&mut self, id: u64, kind: CellType, nodes: &[u64], region: i32, at: SourceLoc) {
        self.ids.push(id);
        self.kinds.push(kind);
        self.nodes.extend_from_slice(nodes);
        self.offsets.push(self.nodes.len());
        self.regions.push(region);
        self.at.push(at);
    }

    /// Reserves room for `cells` more cells of `nodes_per_cell` nodes (capped by the caller to
    /// what its input can hold).
    pub fn reserve(&mut self, cells: usize, nodes_per_cell: usize) {
        self.ids.reserve(cells);
        self.kinds.reserve(cells);
        self.offsets.reserve(cells);
        self.nodes.reserve(cells.saturating_mul(nodes_per_cell));
        self.regions.reserve(cells);
        self.at.reserve(cells);
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there are no cells.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// File ids of all cells.
    pub fn ids(&self) -> &[u64] {
        &self.ids
    }

    /// File ids of all cells, to change (renumbering).
    pub fn ids_mut(&mut self) -> &mut [u64] {
        &mut self.ids
    }

    /// Sets the file id of cell `i`.
    pub fn set_id(&mut self, i: usize, id: u64) {
        self.ids[i] = id;
    }

    /// Type of cell `i`.
    pub fn kind(&self, i: usize) -> CellType {
        self.kinds[i]
    }

    /// Node ids of cell `i`.
    pub fn nodes(&self, i: usize) -> &[u64] {
        &self.nodes[self.offsets[i]..self.offsets[i + 1]]
    }

    /// Node ids of cell `i`, to change.
    pub fn nodes_mut(&mut self, i: usize) -> &mut [u64] {
        &mut self.nodes[self.offsets[i]..self.offsets[i + 1]]
    }

    /// The node ids of all cells, one after the other, to change (renumbering).
    pub fn all_nodes_mut(&mut self) -> &mut [u64] {
        &mut self.nodes
    }

    /// Region of cell `i`.
    pub fn region(&self, i: usize) -> i32 {
        self.regions[i]
    }

    /// Sets the region of cell `i`.
    pub fn set_region(&mut self, i: usize, region: i32) {
        self.regions[i] = region;
    }

    /// Where cell `i` was defined.
    pub fn at(&self, i: usize) -> SourceLoc {
        self.at[i]
    }

    /// Sets where cell `i` was defined.
    pub fn set_at(&mut self, i: usize, at: SourceLoc) {
        self.at[i] = at;
    }
}

impl FromIterator<RawCell> for RawCells {
    fn from_iter<I: IntoIterator<Item = RawCell>>(iter: I) -> Self {
        let mut cells = RawCells::default();
        iter.into_iter().for_each(|c| cells.push(c));
        cells
    }
}

/// How a surface is identified in the file.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SurfaceKey {
    /// A numeric tag, named through [`RawMesh::surface_names`] or `surface_<tag>`.
    Tag(i32),
    /// A name.
    Name(String),
}

/// A boundary triangle as read (3 or 6 node ids, Tri3/Tri6 order) belonging to a surface.
#[derive(Debug, Clone, PartialEq)]
pub struct RawFace {
    /// Node ids.
    pub nodes: Vec<u64>,
    /// Surface it belongs to.
    pub surface: SurfaceKey,
    /// Where it was defined.
    pub at: SourceLoc,
}

/// A surface entry given as (cell id, local face), as Abaqus `*SURFACE` does.
#[derive(Debug, Clone, PartialEq)]
pub struct RawCellFace {
    /// Surface name.
    pub surface: String,
    /// Cell id in the file.
    pub cell: u64,
    /// Local face, 0-based in the internal numbering.
    pub face: u8,
    /// Where it was defined.
    pub at: SourceLoc,
}

/// Everything a reader extracted, before validation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawMesh {
    /// Nodes.
    pub nodes: Vec<RawNode>,
    /// Volume cells.
    pub cells: RawCells,
    /// Boundary triangles.
    pub faces: Vec<RawFace>,
    /// Surfaces given as cell faces.
    pub cell_faces: Vec<RawCellFace>,
    /// Region id → name.
    pub region_names: BTreeMap<i32, String>,
    /// Surface tag → name.
    pub surface_names: BTreeMap<i32, String>,
    /// Named node sets (node ids) with their definition position.
    pub node_sets: Vec<(String, Vec<u64>, SourceLoc)>,
    /// Per-cell arrays aligned with `cells`.
    pub cell_fields: Vec<Field>,
    /// Per-node arrays aligned with `nodes`.
    pub node_fields: Vec<Field>,
    /// Things the reader skipped, reported as warnings.
    pub notes: Vec<String>,
}

/// Options of [`RawMesh::build`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BuildOptions {
    /// Re-orient inverted cells instead of rejecting them.
    pub fix_orientation: bool,
    /// Cells whose `|6V| / h_max³` is below this are degenerate (a regular tet has ≈ 0.12).
    pub degenerate_tolerance: f64,
    /// Cells with a scaled Jacobian below this are reported as very poor.
    pub poor_quality_threshold: f64,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions { fix_orientation: false, degenerate_tolerance: 1e-10, poor_quality_threshold: 0.05 }
    }
}

const ALL_INVERTED_HINT: &str = "Every cell is inverted, so the file uses the opposite orientation \
     convention: re-run with --fix-orientation to re-orient all cells.";
const SOME_INVERTED_HINT: &str = "Only some cells are inverted, so the mesh itself is tangled: fix it \
     in the meshing tool (--fix-orientation can re-orient them, but check the geometry first).";

/// File ids (node and cell numbers) to positions, hashed by foldhash (see Cargo.toml).
pub(crate) type IdMap = HashMap<u64, usize, foldhash::fast::RandomState>;

/// File ids to positions without a hash map when the ids allow it: Gmsh, the generators and most
/// meshers number nodes and cells contiguously (a map of 5 M cells cost about 100 MB and a
/// tenth of the reading time).
#[derive(Debug)]
pub(crate) enum IdIndex {
    /// `ids[i] == base + i`.
    Offset(u64),
    /// Strictly increasing ids: a binary search.
    Sorted,
    /// Anything else.
    Hashed(IdMap),
}

impl IdIndex {
    /// The index of `ids`, or the positions `(first, second)` of the earliest repeated id.
    pub(crate) fn new(ids: &[u64]) -> Result<IdIndex, (usize, usize)> {
        let Some(&base) = ids.first() else { return Ok(IdIndex::Offset(0)) };
        if ids.iter().enumerate().all(|(i, &id)| base.checked_add(i as u64) == Some(id)) {
            return Ok(IdIndex::Offset(base));
        }
        if ids.windows(2).all(|w| w[0] < w[1]) {
            return Ok(IdIndex::Sorted);
        }
        let mut map = IdMap::with_capacity_and_hasher(ids.len(), Default::default());
        for (i, &id) in ids.iter().enumerate() {
            if let Some(first) = map.insert(id, i) {
                return Err((first, i));
            }
        }
        Ok(IdIndex::Hashed(map))
    }

    /// The position of `id` in `ids` (the slice the index was built from).
    pub(crate) fn get(&self, ids: &[u64], id: u64) -> Option<usize> {
        match self {
            IdIndex::Offset(base) => {
                let i = usize::try_from(id.checked_sub(*base)?).ok()?;
                (i < ids.len()).then_some(i)
            }
            IdIndex::Sorted => ids.binary_search(&id).ok(),
            IdIndex::Hashed(map) => map.get(&id).copied(),
        }
    }
}

impl RawMesh {
    /// Validates and converts to a [`Mesh`], returning the warnings found on the way. The cell
    /// arrays move into the mesh (node ids become indices in place), so building needs little
    /// more memory than the mesh itself.
    pub fn build(self, options: &BuildOptions) -> Result<(Mesh, Vec<MeshWarning>), MeshError> {
        let mut warnings: Vec<MeshWarning> = self.notes.iter().cloned().map(MeshWarning::Ignored).collect();
        if self.cells.is_empty() {
            return Err(MeshError::Empty);
        }
        let RawMesh {
            nodes,
            cells,
            faces,
            cell_faces,
            region_names,
            surface_names,
            node_sets,
            cell_fields,
            node_fields,
            notes: _,
        } = self;
        // 1. Nodes: the first bad one, non-finite or repeated, in file order.
        let node_ids: Vec<u64> = nodes.iter().map(|n| n.id).collect();
        let non_finite = nodes.iter().position(|n| n.x.iter().any(|c| !c.is_finite()));
        let non_finite_error = |i: usize| {
            let n = &nodes[i];
            let value = n.x.iter().copied().find(|c| !c.is_finite()).unwrap_or(f64::NAN);
            MeshError::NonFiniteCoordinate { node: n.id, value, at: n.at }
        };
        let node_index = match (IdIndex::new(&node_ids), non_finite) {
            (Err((_, dup)), Some(i)) if i < dup => return Err(non_finite_error(i)),
            (Err((first, dup)), _) => {
                return Err(MeshError::DuplicateNode { node: nodes[dup].id, at: nodes[dup].at, first: nodes[first].at })
            }
            (Ok(_), Some(i)) => return Err(non_finite_error(i)),
            (Ok(index), None) => index,
        };
        // 2. Cells: unique ids, every node defined.
        let RawCells { ids: cell_ids, kinds, offsets, nodes: mut connectivity, regions, at: cell_locs } = cells;
        let cell_index = match IdIndex::new(&cell_ids) {
            Ok(index) => index,
            Err((first, dup)) => {
                return Err(MeshError::DuplicateCell {
                    cell: cell_ids[dup],
                    at: cell_locs[dup],
                    first: cell_locs[first],
                })
            }
        };
        for (k, slot) in connectivity.iter_mut().enumerate() {
            match node_index.get(&node_ids, *slot) {
                Some(i) => *slot = i as u64,
                None => {
                    let c = offsets.partition_point(|&o| o <= k) - 1;
                    return Err(MeshError::MissingNode { cell: cell_ids[c], node: *slot, at: cell_locs[c] });
                }
            }
        }
        // Same size: the allocation is reused.
        let connectivity: Vec<usize> = connectivity.into_iter().map(|i| i as usize).collect();
        let mut mesh = Mesh {
            nodes: nodes.into_iter().map(|n| n.x).collect(),
            node_ids,
            cell_types: kinds,
            cell_offsets: offsets,
            connectivity,
            cell_ids,
            cell_regions: regions,
            regions: Vec::new(),
            surfaces: Vec::new(),
            node_sets: Vec::new(),
            cell_fields: Vec::new(),
            node_fields: Vec::new(),
        };
        // 3. Shape.
        let cell_at = |c: usize| cell_locs[c];
        if let Some(count) = check_shape(&mut mesh, options, cell_at)? {
            warnings.push(MeshWarning::Reoriented { count });
        }
        // No later step names a cell's line: free them before the surfaces take memory.
        drop(cell_locs);
        // 4. Surfaces.
        let raw_surfaces = RawSurfaces { faces: &faces, cell_faces: &cell_faces, names: &surface_names };
        mesh.surfaces = resolve_surfaces(&mesh, raw_surfaces, &node_index, &cell_index)?;
        // 5. Regions, node sets, fields.
        let mut ids: Vec<i32> = mesh.cell_regions.clone();
        ids.sort_unstable();
        ids.dedup();
        mesh.regions = ids.into_iter().map(|id| Region { id, name: region_names.get(&id).cloned() }).collect();
        for (name, ids, at) in &node_sets {
            let mut nodes = Vec::with_capacity(ids.len());
            for &id in ids {
                let n = node_index.get(&mesh.node_ids, id).ok_or_else(|| MeshError::MissingSetNode {
                    set: name.clone(),
                    node: id,
                    at: *at,
                })?;
                nodes.push(n);
            }
            nodes.sort_unstable();
            nodes.dedup();
            mesh.node_sets.push(NodeSet { name: name.clone(), nodes });
        }
        mesh.cell_fields = check_fields(cell_fields, mesh.cell_count())?;
        mesh.node_fields = check_fields(node_fields, mesh.nodes.len())?;
        // 6. Warnings.
        warnings.extend(quality_warnings(&mesh, options));
        Ok((mesh, warnings))
    }
}

impl Mesh {
    /// The same cells on new node coordinates (a distorted or deformed copy), checked again for
    /// degenerate, inverted and folded cells.
    pub fn with_nodes(&self, nodes: Vec<[f64; 3]>) -> Result<Mesh, MeshError> {
        if nodes.len() != self.nodes.len() {
            return Err(MeshError::FieldLength {
                name: "node coordinates".into(),
                components: 3,
                expected: 3 * self.nodes.len(),
                got: 3 * nodes.len(),
            });
        }
        let mut mesh = Mesh { nodes, ..self.clone() };
        check_shape(&mut mesh, &BuildOptions::default(), |_| SourceLoc::Unknown)?;
        Ok(mesh)
    }

    /// Assembles a mesh from already-indexed parts (used by the generators), running the same
    /// checks as [`RawMesh::build`].
    pub(crate) fn from_parts(
        nodes: Vec<[f64; 3]>,
        cell_type: CellType,
        connectivity: Vec<usize>,
        cell_regions: Vec<i32>,
        regions: Vec<Region>,
        surfaces: Vec<Surface>,
        cell_fields: Vec<Field>,
    ) -> Result<Mesh, MeshError> {
        let n_cells = cell_regions.len();
        let k = cell_type.node_count();
        let mut mesh = Mesh {
            node_ids: (1..=nodes.len() as u64).collect(),
            nodes,
            cell_types: vec![cell_type; n_cells],
            cell_offsets: (0..=n_cells).map(|c| c * k).collect(),
            connectivity,
            cell_ids: (1..=n_cells as u64).collect(),
            cell_regions,
            regions,
            surfaces,
            node_sets: Vec::new(),
            cell_fields: Vec::new(),
            node_fields: Vec::new(),
        };
        check_shape(&mut mesh, &BuildOptions::default(), |_| SourceLoc::Unknown)?;
        mesh.cell_fields = check_fields(cell_fields, n_cells)?;
        Ok(mesh)
    }
}

fn check_fields(fields: Vec<Field>, count: usize) -> Result<Vec<Field>, MeshError> {
    for f in &fields {
        let expected = f.components * count;
        if f.values.len() != expected {
            return Err(MeshError::FieldLength {
                name: f.name.clone(),
                components: f.components,
                expected,
                got: f.values.len(),
            });
        }
    }
    Ok(fields)
}

/// Step 3: degenerate, inverted and folded cells. Returns how many cells were re-oriented.
fn check_shape(
    mesh: &mut Mesh,
    options: &BuildOptions,
    cell_at: impl Fn(usize) -> SourceLoc,
) -> Result<Option<usize>, MeshError> {
    let mut inverted = Vec::new();
    for c in 0..mesh.cell_count() {
        let x = mesh.cell_coords(c);
        let volume = geometry::tet_signed_volume(&x);
        let h = geometry::max_edge_length(&x);
        if !(volume.is_finite() && h.is_finite()) {
            return Err(overflow(mesh, c, &x, cell_at(c)));
        }
        let relative = (6.0 * volume).abs() / (h * h * h);
        // A NaN ratio (all vertices coincide) is degenerate too.
        if relative.is_nan() || relative <= options.degenerate_tolerance {
            return Err(MeshError::Degenerate { cell: mesh.cell_ids[c], volume, relative, at: cell_at(c) });
        }
        if volume < 0.0 {
            inverted.push(c);
        }
    }
    if let Some(&first) = inverted.first() {
        if !options.fix_orientation {
            let all = inverted.len() == mesh.cell_count();
            return Err(MeshError::Inverted {
                cell: mesh.cell_ids[first],
                volume: geometry::tet_signed_volume(&mesh.cell_coords(first)),
                inverted: inverted.len(),
                total: mesh.cell_count(),
                hint: if all { ALL_INVERTED_HINT } else { SOME_INVERTED_HINT },
                at: cell_at(first),
            });
        }
        for &c in &inverted {
            let perm = mesh.cell_type(c).flip_permutation();
            let range = mesh.cell_offsets[c]..mesh.cell_offsets[c + 1];
            let old: Vec<usize> = mesh.connectivity[range.clone()].to_vec();
            for (slot, &p) in mesh.connectivity[range].iter_mut().zip(perm) {
                *slot = old[p];
            }
        }
    }
    for c in 0..mesh.cell_count() {
        if mesh.cell_type(c) == CellType::Tet10 {
            let x = mesh.cell_coords(c);
            let (min_det, max_det) = geometry::det_jacobian_range(CellType::Tet10, &x);
            if !(min_det.is_finite() && max_det.is_finite()) {
                return Err(overflow(mesh, c, &x, cell_at(c)));
            }
            if min_det <= 0.0 {
                return Err(MeshError::Folded { cell: mesh.cell_ids[c], min_det, at: cell_at(c) });
            }
        }
    }
    Ok((!inverted.is_empty()).then_some(inverted.len()))
}

/// The error for a cell whose finite coordinates overflow its volume or Jacobian.
fn overflow(mesh: &Mesh, c: usize, x: &[[f64; 3]], at: SourceLoc) -> MeshError {
    let magnitude = x.iter().flatten().fold(0.0f64, |m, v| m.max(v.abs()));
    MeshError::Overflow { cell: mesh.cell_ids[c], magnitude, at }
}

/// Sorted vertex triple identifying a face independently of its orientation.
fn face_key(nodes: &[usize]) -> [usize; 3] {
    let mut k = [nodes[0], nodes[1], nodes[2]];
    k.sort_unstable();
    k
}

/// All cell faces grouped by vertex triple (one face on the boundary, two inside): the faces
/// sorted by their sorted vertex triple, then by cell. One sort of `4 n` entries, where a hash
/// map of a vector per face allocated `4 n` times.
#[derive(Debug, Clone)]
pub(crate) struct FaceGroups {
    keys: Vec<[usize; 3]>,
    faces: Vec<CellFace>,
}

impl FaceGroups {
    /// The groups: the vertex triple and its cell faces in cell order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = ([usize; 3], &[CellFace])> + '_ {
        let mut start = 0;
        std::iter::from_fn(move || {
            let key = *self.keys.get(start)?;
            let len = self.keys[start..].iter().take_while(|k| **k == key).count();
            let group = &self.faces[start..start + len];
            start += len;
            Some((key, group))
        })
    }
}

/// All cell faces by vertex triple.
pub(crate) fn face_map(mesh: &Mesh) -> FaceGroups {
    vertex_face_map(mesh.cell_count(), |c| {
        let n = mesh.cell_nodes(c);
        [n[0], n[1], n[2], n[3]]
    })
}

/// Face groups of tetrahedra given by their four vertices (local faces as in [`cell`](super::cell)).
pub(crate) fn vertex_face_map(cell_count: usize, vertices: impl Fn(usize) -> [usize; 4]) -> FaceGroups {
    let mut entries: Vec<([usize; 3], CellFace)> = Vec::with_capacity(4 * cell_count);
    for c in 0..cell_count {
        let v = vertices(c);
        for (f, local) in TET_FACES.iter().enumerate() {
            entries.push((face_key(&[v[local[0]], v[local[1]], v[local[2]]]), CellFace { cell: c, face: f as u8 }));
        }
    }
    entries.sort_unstable();
    let (keys, faces) = entries.into_iter().unzip();
    FaceGroups { keys, faces }
}

/// The cells at each vertex (CSR, cells in ascending order): finding a triangle's cell faces
/// among the few cells at one of its vertices costs far less than a map of all `4 n` cell faces
/// (which allocates per face; on a 1 M-cell mesh it took most of the validation time).
#[derive(Debug, Default)]
struct VertexCells {
    offsets: Vec<usize>,
    cells: Vec<usize>,
}

impl VertexCells {
    fn new(mesh: &Mesh) -> VertexCells {
        let mut offsets = vec![0usize; mesh.nodes().len() + 1];
        for c in 0..mesh.cell_count() {
            for &v in &mesh.cell_nodes(c)[..4] {
                offsets[v + 1] += 1;
            }
        }
        for i in 0..mesh.nodes().len() {
            offsets[i + 1] += offsets[i];
        }
        let mut next = offsets.clone();
        let mut cells = vec![0usize; offsets[mesh.nodes().len()]];
        for c in 0..mesh.cell_count() {
            for &v in &mesh.cell_nodes(c)[..4] {
                cells[next[v]] = c;
                next[v] += 1;
            }
        }
        VertexCells { offsets, cells }
    }

    /// Into `out`: the cell faces whose vertices are `tri`'s first three (in any order), in
    /// cell order (one on the boundary, two on an interface).
    fn faces(&self, mesh: &Mesh, tri: &[usize], out: &mut Vec<CellFace>) {
        out.clear();
        let key = face_key(tri);
        let at = |v: usize| self.offsets.get(v..v + 2).map_or(&[][..], |o| &self.cells[o[0]..o[1]]);
        let Some(cells) = key.iter().map(|&v| at(v)).min_by_key(|c| c.len()) else { return };
        for &c in cells {
            let n = mesh.cell_nodes(c);
            for (f, local) in TET_FACES.iter().enumerate() {
                if face_key(&[n[local[0]], n[local[1]], n[local[2]]]) == key {
                    out.push(CellFace { cell: c, face: f as u8 });
                }
            }
        }
    }
}

/// Step 4: triangles → cell faces. An interior triangle (on an interface between two cells) goes
/// to the cell whose outward normal agrees with the triangle's node order.
/// The surface parts of a [`RawMesh`].
struct RawSurfaces<'a> {
    faces: &'a [RawFace],
    cell_faces: &'a [RawCellFace],
    names: &'a BTreeMap<i32, String>,
}

fn resolve_surfaces(
    mesh: &Mesh,
    raw: RawSurfaces,
    node_index: &IdIndex,
    cell_index: &IdIndex,
) -> Result<Vec<Surface>, MeshError> {
    let mut order: Vec<SurfaceKey> = Vec::new();
    let mut faces: HashMap<SurfaceKey, Vec<CellFace>> = HashMap::new();
    let name_of = |key: &SurfaceKey| match key {
        SurfaceKey::Tag(t) => raw.names.get(t).cloned().unwrap_or_else(|| format!("surface_{t}")),
        SurfaceKey::Name(n) => n.clone(),
    };
    let by_vertex = if raw.faces.is_empty() { VertexCells::default() } else { VertexCells::new(mesh) };
    let mut candidates = Vec::new();
    for f in raw.faces {
        let stray = || MeshError::StrayFace { surface: name_of(&f.surface), nodes: f.nodes.clone(), at: f.at };
        let idx: Vec<usize> =
            f.nodes.iter().map(|&n| node_index.get(&mesh.node_ids, n)).collect::<Option<_>>().ok_or_else(stray)?;
        if idx.len() < 3 {
            return Err(stray());
        }
        by_vertex.faces(mesh, &idx, &mut candidates);
        if candidates.is_empty() {
            return Err(stray());
        }
        let chosen = pick_by_orientation(mesh, &candidates, &idx);
        if !faces.contains_key(&f.surface) {
            order.push(f.surface.clone());
        }
        faces.entry(f.surface.clone()).or_default().push(chosen);
    }
    for cf in raw.cell_faces {
        let bad = || MeshError::BadCellFace {
            surface: cf.surface.clone(),
            cell: cf.cell,
            face: u32::from(cf.face) + 1,
            at: cf.at,
        };
        let cell = cell_index.get(&mesh.cell_ids, cf.cell).ok_or_else(bad)?;
        if usize::from(cf.face) >= mesh.cell_type(cell).face_count() {
            return Err(bad());
        }
        let key = SurfaceKey::Name(cf.surface.clone());
        if !faces.contains_key(&key) {
            order.push(key.clone());
        }
        faces.entry(key).or_default().push(CellFace { cell, face: cf.face });
    }
    Ok(order
        .into_iter()
        .map(|key| {
            let mut list = faces.remove(&key).unwrap_or_default();
            list.sort_unstable();
            list.dedup();
            let id = match key {
                SurfaceKey::Tag(t) => Some(t),
                SurfaceKey::Name(_) => None,
            };
            Surface { name: name_of(&key), id, faces: list }
        })
        .collect())
}

fn pick_by_orientation(mesh: &Mesh, candidates: &[CellFace], tri: &[usize]) -> CellFace {
    if candidates.len() == 1 {
        return candidates[0];
    }
    let p = |n: usize| mesh.nodes()[n];
    let n_tri = geometry::triangle_normal(p(tri[0]), p(tri[1]), p(tri[2]));
    candidates
        .iter()
        .copied()
        .find(|&cf| {
            let fnodes = mesh.face_nodes(cf);
            geometry::triangle_normal(p(fnodes[0]), p(fnodes[1]), p(fnodes[2])).dot(&n_tri) > 0.0
        })
        .unwrap_or(candidates[0])
}

/// Step 6: unused nodes and very poor cells.
fn quality_warnings(mesh: &Mesh, options: &BuildOptions) -> Vec<MeshWarning> {
    let mut warnings = Vec::new();
    let mut used = vec![false; mesh.nodes.len()];
    for &n in &mesh.connectivity {
        used[n] = true;
    }
    let unused: Vec<usize> = (0..used.len()).filter(|&i| !used[i]).collect();
    if !unused.is_empty() {
        warnings.push(MeshWarning::UnusedNodes {
            count: unused.len(),
            examples: unused.iter().take(5).map(|&i| mesh.node_ids[i]).collect(),
        });
    }
    let mut count = 0;
    let mut worst = (f64::INFINITY, 0usize);
    for c in 0..mesh.cell_count() {
        let q = geometry::scaled_jacobian(&mesh.cell_coords(c));
        if q < options.poor_quality_threshold {
            count += 1;
        }
        if q < worst.0 {
            worst = (q, c);
        }
    }
    if count > 0 {
        warnings.push(MeshWarning::PoorQuality {
            count,
            threshold: options.poor_quality_threshold,
            worst_cell: mesh.cell_ids[worst.1],
            worst: worst.0,
        });
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit_tet(flip: bool) -> RawMesh {
        let x = [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
        let nodes = (0..4).map(|i| RawNode { id: 10 + i as u64, x: x[i], at: SourceLoc::Line(i + 1) }).collect();
        let ids = if flip { vec![10, 12, 11, 13] } else { vec![10, 11, 12, 13] };
        RawMesh {
            nodes,
            cells: [RawCell { id: 7, kind: CellType::Tet4, nodes: ids, region: 3, at: SourceLoc::Line(9) }]
                .into_iter()
                .collect(),
            faces: vec![RawFace { nodes: vec![10, 11, 12], surface: SurfaceKey::Tag(5), at: SourceLoc::Line(10) }],
            surface_names: [(5, "bottom".to_string())].into(),
            ..RawMesh::default()
        }
    }

    #[test]
    fn builds_and_resolves_the_face() {
        let (mesh, warnings) = unit_tet(false).build(&BuildOptions::default()).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        let s = mesh.surface("bottom").unwrap();
        assert_eq!(s.faces, vec![CellFace { cell: 0, face: 0 }]);
        assert!((mesh.surface_area(s) - 0.5).abs() < 1e-15);
        assert_eq!(mesh.regions(), &[Region { id: 3, name: None }]);
    }

    #[test]
    fn inverted_cell_is_rejected_with_its_id_and_line_or_fixed_on_request() {
        let err = unit_tet(true).build(&BuildOptions::default()).unwrap_err();
        assert!(matches!(err, MeshError::Inverted { cell: 7, inverted: 1, total: 1, .. }), "{err:?}");
        assert_eq!(err.location(), SourceLoc::Line(9));
        assert!(err.to_string().contains("--fix-orientation"));
        let opts = BuildOptions { fix_orientation: true, ..BuildOptions::default() };
        let (mesh, warnings) = unit_tet(true).build(&opts).unwrap();
        assert!(mesh.cell_volume(0) > 0.0);
        assert_eq!(warnings, vec![MeshWarning::Reoriented { count: 1 }]);
    }

    #[test]
    fn each_bad_input_names_its_entity() {
        let mut raw = unit_tet(false);
        raw.nodes[2].x[1] = f64::NAN;
        assert!(matches!(raw.build(&BuildOptions::default()), Err(MeshError::NonFiniteCoordinate { node: 12, .. })));

        let mut raw = unit_tet(false);
        raw.nodes[3].id = 10;
        let err = raw.build(&BuildOptions::default()).unwrap_err();
        assert_eq!(err, MeshError::DuplicateNode { node: 10, at: SourceLoc::Line(4), first: SourceLoc::Line(1) });

        let mut raw = unit_tet(false);
        raw.cells.nodes_mut(0)[3] = 99;
        assert!(matches!(raw.build(&BuildOptions::default()), Err(MeshError::MissingNode { cell: 7, node: 99, .. })));

        let mut raw = unit_tet(false);
        raw.nodes[3].x = [0.5, 0.5, 0.0];
        assert!(matches!(raw.build(&BuildOptions::default()), Err(MeshError::Degenerate { cell: 7, .. })));

        let mut raw = unit_tet(false);
        raw.faces[0].nodes = vec![10, 11, 99];
        let err = raw.build(&BuildOptions::default()).unwrap_err();
        assert!(matches!(&err, MeshError::StrayFace { surface, .. } if surface == "bottom"), "{err:?}");

        let raw = RawMesh { cells: RawCells::default(), ..unit_tet(false) };
        assert_eq!(raw.build(&BuildOptions::default()).unwrap_err(), MeshError::Empty);
    }

    /// The per-vertex search finds exactly the cell faces of the all-faces map, in the same
    /// (cell) order, for boundary and interface triangles, Tet4 and Tet10; not a face: none.
    #[test]
    fn vertex_cells_find_the_faces_the_face_map_holds() {
        use crate::mesh::generate::{beam, BeamParams, Order};
        for order in [Order::Linear, Order::Quadratic] {
            let mesh = beam(&BeamParams { size: [2.0, 1.0, 1.0], divisions: [3, 2, 2], order }).unwrap();
            let by_vertex = VertexCells::new(&mesh);
            let mut found = Vec::new();
            let map = face_map(&mesh);
            assert!(map.iter().any(|(_, f)| f.len() == 2) && map.iter().any(|(_, f)| f.len() == 1));
            assert_eq!(map.iter().map(|(_, f)| f.len()).sum::<usize>(), 4 * mesh.cell_count());
            for (key, faces) in map.iter() {
                // Any vertex order of the triangle.
                by_vertex.faces(&mesh, &[key[2], key[0], key[1]], &mut found);
                assert_eq!(found, faces, "triangle {key:?}");
            }
            let n = mesh.cell_nodes(0);
            by_vertex.faces(&mesh, &[n[0], n[1], mesh.nodes().len() + 5], &mut found);
            assert!(found.is_empty());
        }
    }

    #[test]
    fn unused_nodes_are_a_warning() {
        let mut raw = unit_tet(false);
        raw.nodes.push(RawNode { id: 50, x: [5.0, 5.0, 5.0], at: SourceLoc::Unknown });
        let (_, warnings) = raw.build(&BuildOptions::default()).unwrap();
        assert_eq!(warnings, vec![MeshWarning::UnusedNodes { count: 1, examples: vec![50] }]);
    }
}
