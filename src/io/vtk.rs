//! VTK XML `.vtu` unstructured grids (ASCII, inline base64, appended raw or base64,
//! zlib/lz4-compressed) via `vtkio`, and the grid assembly shared with the legacy `.vtk` reader
//! ([`super::vtk_legacy`]); the writer is [`super::vtu_write`].
//!
//! VTK numbers points and cells from 0; those indices are the ids used in messages, unless the
//! file carries the `node_id` / `cell_id` arrays organ-twin writes. VTK's quadratic tetra order is
//! the internal one. The first integer cell array among [`REGION_ARRAYS`] gives the region of
//! tetrahedra and the surface tag of triangles, named by the dataset's field data
//! ([`super::vtu_names`]); point arrays `node_set:<name>` are node sets; every other cell array is
//! kept as a per-cell field and every other point array as a per-node field.

use vtkio::model::{Attribute, DataArray, DataSet, Piece, UnstructuredGridPiece, VertexNumbers};
use vtkio::Vtk;

use super::ReadError;
use crate::mesh::{CellType, Field, RawCell, RawFace, RawMesh, RawNode, SourceLoc, SurfaceKey};

/// Cell arrays that hold region / surface ids, by priority.
pub const REGION_ARRAYS: [&str; 8] = [
    "region",
    "gmsh:physical",
    "CellEntityIds",
    "MaterialIds",
    "material",
    "medit:ref",
    "tetgen:ref",
    "gmsh:geometrical",
];

/// Parses an XML `.vtu` file (raw appended data is first re-encoded as base64). The document is
/// checked first ([`super::vtu_scan`]): compressed block headers against the sizes the arrays
/// need, appended arrays for their offsets, nothing after `</VTKFile>`; afterwards, every declared
/// data array must have been decoded.
pub(crate) fn parse_xml(bytes: &[u8], source: &str) -> Result<RawMesh, ReadError> {
    let converted =
        super::appended::raw_to_base64(bytes).map_err(|e| syntax(source, format!("invalid appended data: {}", e.0)))?;
    let xml = converted.as_deref().unwrap_or(bytes);
    let declared = super::vtu_scan::check(xml).map_err(|e| syntax(source, e.0))?;
    let vtk = guarded(source, || Vtk::parse_xml(xml))?;
    let DataSet::UnstructuredGrid { pieces, .. } = vtk.data else {
        return Err(syntax(source, "the VTK file holds no UnstructuredGrid data set".into()));
    };
    let mut grids = Vec::with_capacity(pieces.len());
    for (k, piece) in pieces.into_iter().enumerate() {
        let Piece::Inline(piece) = piece else {
            return Err(syntax(source, "parallel (.pvtu) pieces are not supported: merge them into one .vtu".into()));
        };
        let grid = grid_of(*piece, source)?;
        if let Some(names) = declared.get(k) {
            for (what, names, got) in
                [("cell", &names.cell, &grid.cell_arrays), ("point", &names.point, &grid.point_arrays)]
            {
                if let Some(missing) = names.iter().find(|n| !got.iter().any(|a| &a.name == *n)) {
                    return Err(syntax(
                        source,
                        format!(
                            "{what} data array '{}' of piece {k} could not be decoded: its data is corrupt (bad \
                             base64, a compressed size that does not match, or a type that does not fit its bytes)",
                            clip(missing)
                        ),
                    ));
                }
            }
        }
        grids.push(grid);
    }
    let mut raw = from_grids(grids, source)?;
    for (name, tag, dim) in super::vtu_names::names(xml) {
        match dim {
            3 => raw.region_names.insert(tag, name),
            _ => raw.surface_names.insert(tag, name),
        };
    }
    Ok(raw)
}

/// Runs a vtkio parser, turning its errors (and any panic inside it) into a [`ReadError`].
fn guarded(source: &str, parse: impl FnOnce() -> Result<Vtk, vtkio::Error>) -> Result<Vtk, ReadError> {
    let fail = |detail: String| {
        ReadError::syntax(
            source,
            SourceLoc::Unknown,
            format!("cannot parse the VTK file ({detail}); check that it is a complete, uncorrupted unstructured grid"),
        )
    };
    match super::contain::contained(parse) {
        Some(Ok(vtk)) => Ok(vtk),
        Some(Err(e)) => Err(fail(e.to_string())),
        None => Err(fail("the parser failed on malformed data".into())),
    }
}

fn syntax(source: &str, message: String) -> ReadError {
    ReadError::syntax(source, SourceLoc::Unknown, message)
}

fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

/// A named data array: `components` values per entity.
#[derive(Debug, Default)]
pub(crate) struct Array {
    /// Name in the file.
    pub name: String,
    /// Values per entity.
    pub components: usize,
    /// The values, entity-major.
    pub values: Vec<f64>,
}

/// One piece of an unstructured grid as a reader found it, numbered from 0 within the piece.
#[derive(Debug, Default)]
pub(crate) struct Grid {
    /// Three coordinates per point.
    pub coords: Vec<f64>,
    /// Position of the first point (or nothing).
    pub point_at: Vec<SourceLoc>,
    /// Point indices of all cells.
    pub connectivity: Vec<u64>,
    /// End of each cell in `connectivity`.
    pub ends: Vec<u64>,
    /// VTK cell type numbers.
    pub types: Vec<u8>,
    /// Position of the cell list (or nothing).
    pub cell_at: Vec<SourceLoc>,
    /// Cell data arrays.
    pub cell_arrays: Vec<Array>,
    /// Point data arrays.
    pub point_arrays: Vec<Array>,
}

/// A vtkio piece as a [`Grid`].
fn grid_of(piece: UnstructuredGridPiece, source: &str) -> Result<Grid, ReadError> {
    let coords: Vec<f64> =
        piece.points.cast_into().ok_or_else(|| syntax(source, "point coordinates are not numeric".into()))?;
    let (connectivity, offsets) = match piece.cells.cell_verts {
        VertexNumbers::XML { connectivity, offsets } => (connectivity, offsets),
        VertexNumbers::Legacy { .. } => return Err(syntax(source, "legacy cell lists in an XML file".into())),
    };
    let types: Vec<u8> = piece.cells.types.iter().map(|&t| t as u8).collect();
    // Offsets are cell ends; some writers add a leading zero.
    let ends = if offsets.len() == types.len() + 1 { offsets[1..].to_vec() } else { offsets };
    let arrays = |attributes: Vec<Attribute>, what: &str| -> Result<Vec<Array>, ReadError> {
        attributes
            .into_iter()
            .filter_map(|a| match a {
                Attribute::DataArray(DataArray { name, elem, data }) => Some((name, elem, data)),
                Attribute::Field { .. } => None,
            })
            .map(|(name, elem, data)| {
                let components = elem.num_comp().max(1) as usize;
                match data.cast_into::<f64>() {
                    Some(values) => Ok(Array { name, components, values }),
                    None => Err(syntax(source, format!("{what} data array '{}' is not numeric", clip(&name)))),
                }
            })
            .collect()
    };
    Ok(Grid {
        coords,
        point_at: Vec::new(),
        connectivity,
        ends,
        types,
        cell_at: Vec::new(),
        cell_arrays: arrays(piece.data.cell, "cell")?,
        point_arrays: arrays(piece.data.point, "point")?,
    })
}

/// Grids (pieces) → one raw mesh; cell arrays must appear in every piece.
pub(crate) fn from_grids(grids: Vec<Grid>, source: &str) -> Result<RawMesh, ReadError> {
    let mut raw = RawMesh::default();
    let mut cell_arrays: Vec<Array> = Vec::new();
    let mut roles: Vec<Role> = Vec::new();
    for grid in grids {
        let node_base = raw.nodes.len() as u64;
        let cell_base = roles.len();
        read_grid(grid, source, node_base, cell_base, &mut raw, &mut cell_arrays, &mut roles)?;
    }
    let skipped = roles.iter().filter(|r| matches!(r, Role::Skipped)).count();
    if skipped > 0 {
        raw.notes
            .push(format!("{skipped} vertex/line/quad/polygon cell(s) were skipped (not used by a tetrahedral mesh)"));
    }
    let region = REGION_ARRAYS.iter().find_map(|name| cell_arrays.iter().find(|a| a.name == *name));
    if let Some(array) = region {
        apply_regions(array, &roles, &mut raw, source)?;
    }
    for Array { name, components, values } in cell_arrays {
        let mut out = Vec::with_capacity(raw.cells.len() * components);
        for (c, role) in roles.iter().enumerate() {
            if let Role::Volume(_) = role {
                out.extend_from_slice(values.get(c * components..(c + 1) * components).unwrap_or(&[]));
            }
        }
        raw.cell_fields.push(Field { name, components, values: out });
    }
    adopt_ids(&mut raw);
    Ok(raw)
}

/// The point array `node_id` and the cell array `cell_id` (which organ-twin writes) give back the
/// source ids of nodes and cells when they hold unique non-negative integers, and point arrays
/// `node_set:<name>` of zeros and ones give node sets; otherwise they stay ordinary fields. The
/// `region` array is not kept as a field (it is the regions).
fn adopt_ids(raw: &mut RawMesh) {
    let is_ids = |f: &Field, name: &str| f.name == name && f.components == 1;
    if let Some(k) = raw.node_fields.iter().position(|f| is_ids(f, "node_id")) {
        if let Some(ids) = as_ids(&raw.node_fields[k].values) {
            // Until now a node's id is its index in the file.
            let map = |id: &mut u64| *id = ids.get(*id as usize).copied().unwrap_or(*id);
            raw.nodes.iter_mut().for_each(|n| map(&mut n.id));
            raw.cells.all_nodes_mut().iter_mut().for_each(map);
            raw.faces.iter_mut().flat_map(|f| f.nodes.iter_mut()).for_each(map);
            raw.node_fields.remove(k);
        }
    }
    if let Some(k) = raw.cell_fields.iter().position(|f| is_ids(f, "cell_id")) {
        if let Some(ids) = as_ids(&raw.cell_fields[k].values) {
            raw.cells.ids_mut().iter_mut().zip(ids).for_each(|(c, id)| *c = id);
            raw.cell_fields.remove(k);
        }
    }
    // The `region` array is the cells' regions (and surface tags), not a field.
    raw.cell_fields.retain(|f| f.name != REGION_ARRAYS[0]);
    let prefix = super::vtu_write::NODE_SET_PREFIX;
    let mut k = 0;
    while k < raw.node_fields.len() {
        let f = &raw.node_fields[k];
        let is_set = f.components == 1 && f.values.iter().all(|&v| v == 0.0 || v == 1.0);
        match f.name.strip_prefix(prefix).filter(|name| is_set && !name.is_empty()) {
            Some(name) => {
                let ids = raw.nodes.iter().zip(&f.values).filter(|(_, &v)| v == 1.0).map(|(n, _)| n.id).collect();
                raw.node_sets.push((name.to_string(), ids, SourceLoc::Unknown));
                raw.node_fields.remove(k);
            }
            None => k += 1,
        }
    }
}

/// `values` as ids: unique integers in `0..2⁵³`.
fn as_ids(values: &[f64]) -> Option<Vec<u64>> {
    let ids: Vec<u64> = values
        .iter()
        .map(|&v| (v.fract() == 0.0 && (0.0..9.007_199_254_740_992e15).contains(&v)).then_some(v as u64))
        .collect::<Option<_>>()?;
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.windows(2).all(|w| w[0] != w[1]).then_some(ids)
}

/// The region array gives the region of volume cells and the surface tag of triangles: one
/// integer per cell.
fn apply_regions(array: &Array, roles: &[Role], raw: &mut RawMesh, source: &str) -> Result<(), ReadError> {
    if array.components != 1 {
        return Err(syntax(
            source,
            format!(
                "cell array '{}' holds region ids but has {} components per cell; it must have 1",
                array.name, array.components
            ),
        ));
    }
    for (c, (role, &v)) in roles.iter().zip(&array.values).enumerate() {
        if v.fract() != 0.0 || !(f64::from(i32::MIN)..=f64::from(i32::MAX)).contains(&v) {
            return Err(syntax(
                source,
                format!("cell array '{}' gives cell {c} the region {v}, which is not an integer id", array.name),
            ));
        }
        match *role {
            Role::Volume(k) => raw.cells.set_region(k, v as i32),
            Role::Face(k) => raw.faces[k].surface = SurfaceKey::Tag(v as i32),
            Role::Skipped => {}
        }
    }
    Ok(())
}

/// What a file cell became: the index of a volume cell or face in the raw mesh, or nothing.
enum Role {
    Volume(usize),
    Face(usize),
    Skipped,
}

fn read_grid(
    grid: Grid,
    source: &str,
    node_base: u64,
    cell_base: usize,
    raw: &mut RawMesh,
    cell_arrays: &mut Vec<Array>,
    roles: &mut Vec<Role>,
) -> Result<(), ReadError> {
    let Grid { coords, point_at, connectivity, ends, types, cell_at, cell_arrays: cells_data, point_arrays } = grid;
    if !coords.len().is_multiple_of(3) {
        return Err(syntax(source, format!("{} point coordinates is not a multiple of 3", coords.len())));
    }
    let n_points = coords.len() / 3;
    let point_loc = point_at.first().copied().unwrap_or_default();
    for (i, p) in coords.chunks_exact(3).enumerate() {
        raw.nodes.push(RawNode { id: node_base + i as u64, x: [p[0], p[1], p[2]], at: point_loc });
    }
    if ends.len() != types.len() {
        return Err(syntax(
            source,
            format!("{} cell offsets for {} cell types: the cell arrays are inconsistent", ends.len(), types.len()),
        ));
    }
    let cell_loc = cell_at.first().copied().unwrap_or_default();
    let mut start = 0usize;
    for (i, (&t, &end)) in types.iter().zip(&ends).enumerate() {
        let end = usize::try_from(end).unwrap_or(usize::MAX);
        let nodes = connectivity.get(start..end).ok_or_else(|| {
            syntax(source, format!("cell {} has offsets {start}..{end} outside the connectivity array", cell_base + i))
        })?;
        start = end;
        if let Some(&bad) = nodes.iter().find(|&&n| n >= n_points as u64) {
            return Err(syntax(
                source,
                format!("cell {} uses point {bad}, but the piece has {n_points} points", cell_base + i),
            ));
        }
        let ids: Vec<u64> = nodes.iter().map(|&n| node_base + n).collect();
        let id = (cell_base + i) as u64;
        let expect = |n: usize, name: &str| {
            if ids.len() == n {
                Ok(())
            } else {
                Err(syntax(source, format!("cell {id} of type {name} has {} nodes, expected {n}", ids.len())))
            }
        };
        match t {
            10 | 24 => {
                let kind = if t == 10 { CellType::Tet4 } else { CellType::Tet10 };
                expect(kind.node_count(), kind.name())?;
                roles.push(Role::Volume(raw.cells.len()));
                raw.cells.push(RawCell { id, kind, nodes: ids, region: 0, at: cell_loc });
            }
            5 | 22 => {
                expect(if t == 5 { 3 } else { 6 }, "triangle")?;
                roles.push(Role::Face(raw.faces.len()));
                raw.faces.push(RawFace { nodes: ids, surface: SurfaceKey::Tag(0), at: cell_loc });
            }
            // Vertex, poly-vertex, line, poly-line, polygon, quad, quadratic edge and quad.
            1 | 2 | 3 | 4 | 7 | 9 | 21 | 23 => roles.push(Role::Skipped),
            other => {
                return Err(syntax(
                    source,
                    format!("cell {id} has VTK type {other}, which is not supported: organ-twin reads tetrahedral meshes (Tet4, Tet10)"),
                ))
            }
        }
    }
    for a in cells_data {
        if a.values.len() != a.components * types.len() {
            return Err(syntax(
                source,
                format!("cell array '{}' has {} values for {} cells", clip(&a.name), a.values.len(), types.len()),
            ));
        }
        match cell_arrays.iter_mut().find(|b| b.name == a.name && b.components == a.components) {
            Some(b) => b.values.extend(a.values),
            None if cell_base == 0 => cell_arrays.push(a),
            None => {
                return Err(syntax(source, format!("cell array '{}' is missing from the first piece", clip(&a.name))))
            }
        }
    }
    for Array { name, components, values } in point_arrays {
        if values.len() != components * n_points {
            return Err(syntax(
                source,
                format!("point array '{}' has {} values for {n_points} points", clip(&name), values.len()),
            ));
        }
        match raw.node_fields.iter_mut().find(|f| f.name == name && f.components == components) {
            Some(f) => f.values.extend(values),
            None => raw.node_fields.push(Field { name, components, values }),
        }
    }
    Ok(())
}
