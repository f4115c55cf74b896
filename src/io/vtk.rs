//! VTK legacy `.vtk` (ASCII) and XML `.vtu` (ASCII, inline base64, appended raw or base64,
//! zlib/lz4-compressed) unstructured grids, via `vtkio`; and the VTU writer.
//!
//! VTK numbers points and cells from 0; those indices are the ids used in messages. VTK's
//! quadratic tetra order is the internal one. The first integer cell array among
//! [`REGION_ARRAYS`] gives the region of tetrahedra and the surface tag of triangles; every cell
//! array is also kept as a per-cell field and every point array as a per-node field.

use std::io::Write;

use vtkio::model::{
    Attribute, Attributes, ByteOrder, CellType as VtkCell, Cells, DataArray, DataSet, IOBuffer, Piece,
    UnstructuredGridPiece, Version, VertexNumbers,
};
use vtkio::Vtk;

use super::ReadError;
use crate::mesh::{CellType, Field, Mesh, RawCell, RawFace, RawMesh, RawNode, SourceLoc, SurfaceKey};

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

/// Parses a legacy `.vtk` file.
pub(crate) fn parse_legacy(bytes: &[u8], source: &str) -> Result<RawMesh, ReadError> {
    let vtk = guarded(source, || Vtk::parse_legacy_be(bytes))?;
    from_vtk(vtk, source)
}

/// Parses an XML `.vtu` file (raw appended data is first re-encoded as base64).
pub(crate) fn parse_xml(bytes: &[u8], source: &str) -> Result<RawMesh, ReadError> {
    let converted =
        super::appended::raw_to_base64(bytes).map_err(|e| syntax(source, format!("invalid appended data: {}", e.0)))?;
    let xml = converted.as_deref().unwrap_or(bytes);
    let vtk = guarded(source, || Vtk::parse_xml(xml))?;
    from_vtk(vtk, source)
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

fn from_vtk(vtk: Vtk, source: &str) -> Result<RawMesh, ReadError> {
    let DataSet::UnstructuredGrid { pieces, .. } = vtk.data else {
        return Err(syntax(source, "the VTK file holds no UNSTRUCTURED_GRID / UnstructuredGrid data set".into()));
    };
    let mut raw = RawMesh::default();
    let mut cell_arrays: Vec<(String, usize, Vec<f64>)> = Vec::new();
    let mut roles: Vec<Role> = Vec::new();
    for piece in pieces {
        let Piece::Inline(piece) = piece else {
            return Err(syntax(source, "parallel (.pvtu) pieces are not supported: merge them into one .vtu".into()));
        };
        let node_base = raw.nodes.len() as u64;
        let cell_base = roles.len();
        read_piece(*piece, source, node_base, cell_base, &mut raw, &mut cell_arrays, &mut roles)?;
    }
    let skipped = roles.iter().filter(|r| matches!(r, Role::Skipped)).count();
    if skipped > 0 {
        raw.notes
            .push(format!("{skipped} vertex/line/quad/polygon cell(s) were skipped (not used by a tetrahedral mesh)"));
    }
    let region = REGION_ARRAYS.iter().find_map(|name| cell_arrays.iter().find(|(n, c, _)| n == name && *c == 1));
    if let Some((_, _, values)) = region {
        for (role, v) in roles.iter().zip(values) {
            match *role {
                Role::Volume(k) => raw.cells[k].region = *v as i32,
                Role::Face(k) => raw.faces[k].surface = SurfaceKey::Tag(*v as i32),
                Role::Skipped => {}
            }
        }
    }
    for (name, components, values) in cell_arrays {
        let mut out = Vec::with_capacity(raw.cells.len() * components);
        for (c, role) in roles.iter().enumerate() {
            if let Role::Volume(_) = role {
                out.extend_from_slice(values.get(c * components..(c + 1) * components).unwrap_or(&[]));
            }
        }
        raw.cell_fields.push(Field { name, components, values: out });
    }
    Ok(raw)
}

/// What a file cell became: the index of a volume cell or face in the raw mesh, or nothing.
enum Role {
    Volume(usize),
    Face(usize),
    Skipped,
}

fn read_piece(
    piece: UnstructuredGridPiece,
    source: &str,
    node_base: u64,
    cell_base: usize,
    raw: &mut RawMesh,
    cell_arrays: &mut Vec<(String, usize, Vec<f64>)>,
    roles: &mut Vec<Role>,
) -> Result<(), ReadError> {
    let coords: Vec<f64> =
        piece.points.cast_into().ok_or_else(|| syntax(source, "point coordinates are not numeric".into()))?;
    if !coords.len().is_multiple_of(3) {
        return Err(syntax(source, format!("{} point coordinates is not a multiple of 3", coords.len())));
    }
    for (i, p) in coords.chunks_exact(3).enumerate() {
        raw.nodes.push(RawNode { id: node_base + i as u64, x: [p[0], p[1], p[2]], at: SourceLoc::Unknown });
    }
    let types = piece.cells.types;
    let (connectivity, offsets) = match piece.cells.cell_verts {
        VertexNumbers::XML { connectivity, offsets } => (connectivity, offsets),
        VertexNumbers::Legacy { num_cells, vertices } => legacy_cells(num_cells, &vertices, source)?,
    };
    // Offsets are cell ends; some writers add a leading zero.
    let ends: &[u64] = if offsets.len() == types.len() + 1 { &offsets[1..] } else { &offsets };
    if ends.len() != types.len() {
        return Err(syntax(
            source,
            format!("{} cell offsets for {} cell types: the cell arrays are inconsistent", ends.len(), types.len()),
        ));
    }
    let mut start = 0usize;
    for (i, (&t, &end)) in types.iter().zip(ends).enumerate() {
        let end = end as usize;
        let nodes = connectivity.get(start..end).ok_or_else(|| {
            syntax(source, format!("cell {} has offsets {start}..{end} outside the connectivity array", cell_base + i))
        })?;
        start = end;
        let ids: Vec<u64> = nodes.iter().map(|&n| node_base + n).collect();
        let id = (cell_base + i) as u64;
        let expect = |n: usize| {
            if ids.len() == n {
                Ok(())
            } else {
                Err(syntax(source, format!("cell {id} of type {t:?} has {} nodes, expected {n}", ids.len())))
            }
        };
        match t {
            VtkCell::Tetra | VtkCell::QuadraticTetra => {
                let kind = if t == VtkCell::Tetra { CellType::Tet4 } else { CellType::Tet10 };
                expect(kind.node_count())?;
                roles.push(Role::Volume(raw.cells.len()));
                raw.cells.push(RawCell { id, kind, nodes: ids, region: 0, at: SourceLoc::Unknown });
            }
            VtkCell::Triangle | VtkCell::QuadraticTriangle => {
                expect(if t == VtkCell::Triangle { 3 } else { 6 })?;
                roles.push(Role::Face(raw.faces.len()));
                raw.faces.push(RawFace { nodes: ids, surface: SurfaceKey::Tag(0), at: SourceLoc::Unknown });
            }
            VtkCell::Vertex
            | VtkCell::PolyVertex
            | VtkCell::Line
            | VtkCell::PolyLine
            | VtkCell::QuadraticEdge
            | VtkCell::Quad
            | VtkCell::Polygon
            | VtkCell::QuadraticQuad => roles.push(Role::Skipped),
            other => {
                return Err(syntax(
                    source,
                    format!("cell {id} has type {other:?}, which is not supported: organ-twin reads tetrahedral meshes (Tet4, Tet10)"),
                ))
            }
        }
    }
    for a in piece.data.cell {
        if let Some((name, comps, values)) = array(a) {
            if values.len() != comps * types.len() {
                return Err(syntax(
                    source,
                    format!("cell array '{name}' has {} values for {} cells", values.len(), types.len()),
                ));
            }
            match cell_arrays.iter_mut().find(|(n, c, _)| *n == name && *c == comps) {
                Some((_, _, v)) => v.extend(values),
                None if cell_base == 0 => cell_arrays.push((name, comps, values)),
                None => return Err(syntax(source, format!("cell array '{name}' is missing from the first piece"))),
            }
        }
    }
    for a in piece.data.point {
        if let Some((name, components, values)) = array(a) {
            match raw.node_fields.iter_mut().find(|f| f.name == name && f.components == components) {
                Some(f) => f.values.extend(values),
                None => raw.node_fields.push(Field { name, components, values }),
            }
        }
    }
    Ok(())
}

/// Legacy `CELLS` (`n i_1 … i_n` per cell) → (connectivity, cell ends), checked against the
/// declared cell count (vtkio's own conversion asserts instead of reporting).
fn legacy_cells(num_cells: u32, vertices: &[u32], source: &str) -> Result<(Vec<u64>, Vec<u64>), ReadError> {
    let mut connectivity = Vec::with_capacity(vertices.len());
    let mut ends = Vec::with_capacity(num_cells as usize);
    let mut i = 0;
    while i < vertices.len() {
        let n = vertices[i] as usize;
        let ids = vertices.get(i + 1..i + 1 + n).ok_or_else(|| {
            syntax(source, format!("CELLS entry {} announces {n} points but the list ends first", ends.len()))
        })?;
        connectivity.extend(ids.iter().map(|&v| u64::from(v)));
        ends.push(connectivity.len() as u64);
        i += 1 + n;
    }
    if ends.len() != num_cells as usize {
        return Err(syntax(source, format!("CELLS declares {num_cells} cells but lists {}", ends.len())));
    }
    Ok((connectivity, ends))
}

fn array(a: Attribute) -> Option<(String, usize, Vec<f64>)> {
    match a {
        Attribute::DataArray(DataArray { name, elem, data }) => {
            let comps = elem.num_comp().max(1) as usize;
            data.cast_into::<f64>().map(|v| (name, comps, v))
        }
        Attribute::Field { .. } => None,
    }
}

/// Writes `mesh` as a VTU (XML, binary base64) with region ids and all fields.
pub(crate) fn write_vtu(mesh: &Mesh, w: &mut dyn Write) -> Result<(), String> {
    write_vtu_with(mesh, &[], &[], w)
}

/// VTU of `mesh` with extra point and cell arrays after the mesh's own fields.
pub(crate) fn write_vtu_with(
    mesh: &Mesh,
    point: &[Field],
    cell_extra: &[Field],
    w: &mut dyn Write,
) -> Result<(), String> {
    let points: Vec<f64> = mesh.nodes().iter().flatten().copied().collect();
    let mut connectivity = Vec::new();
    let mut offsets = Vec::with_capacity(mesh.cell_count());
    let mut types = Vec::with_capacity(mesh.cell_count());
    for c in 0..mesh.cell_count() {
        connectivity.extend(mesh.cell_nodes(c).iter().map(|&n| n as u64));
        offsets.push(connectivity.len() as u64);
        types.push(match mesh.cell_type(c) {
            CellType::Tet4 => VtkCell::Tetra,
            CellType::Tet10 => VtkCell::QuadraticTetra,
        });
    }
    let field = |f: &Field| {
        Attribute::DataArray(DataArray {
            name: f.name.clone(),
            elem: vtkio::model::ElementType::Generic(f.components as u32),
            data: IOBuffer::F64(f.values.clone()),
        })
    };
    let mut cell = vec![Attribute::scalars("region", 1).with_data(IOBuffer::I32(mesh.cell_regions().to_vec()))];
    cell.extend(mesh.cell_fields().iter().chain(cell_extra).map(field));
    let piece = UnstructuredGridPiece {
        points: IOBuffer::F64(points),
        cells: Cells { cell_verts: VertexNumbers::XML { connectivity, offsets }, types },
        data: Attributes { point: mesh.node_fields().iter().chain(point).map(field).collect(), cell },
    };
    let vtk = Vtk {
        version: Version::new_xml(1, 0),
        title: String::new(),
        byte_order: ByteOrder::LittleEndian,
        data: DataSet::inline(piece),
        file_path: None,
    };
    vtk.write_xml(w).map_err(|e| e.to_string())
}
