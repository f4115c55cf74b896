//! The VTU writer: VTK XML unstructured grid, arrays in one `<AppendedData encoding="raw">`
//! section (optionally zlib-compressed in 64 KiB blocks), as VTK and ParaView write it.
//!
//! Layout, in the types ParaView and meshio read natively:
//!
//! | where | array | type |
//! | --- | --- | --- |
//! | `Points` | coordinates | `Float64` × 3 |
//! | `Cells` | `connectivity`, `offsets` | `Int64` |
//! | `Cells` | `types` | `UInt8` (10 Tet4, 24 Tet10; 5 / 22 for surface triangles) |
//! | `PointData` | `node_id`: the node's id in the source mesh (the ids of messages and summaries) | `Int64` |
//! | `CellData` | `region` (region id; surface tag for surface triangles), `cell_id` (source id; −1 on triangles) | `Int32`, `Int64` |
//! | `PointData`, `CellData` | fields | `Float64` × components |
//! | `FieldData` | one array per region or surface name: `[tag, dim]` (3 region, 2 surface), as meshio writes Gmsh names | `Int32` |
//!
//! With [`VtuOptions::sets`], each named surface is also written as triangles after the volume
//! cells (their field values are NaN) and each node set as a `UInt8` point array
//! `node_set:<name>` (1 on its nodes), so that a `.vtu` mesh keeps its surfaces and node sets;
//! result files leave them out. Header integers are `UInt64`; data is in the machine's byte order, which the file names.

use std::borrow::Cow;
use std::io::Write;

use rayon::prelude::*;

use crate::mesh::{CellType, Field, Mesh};

/// How the arrays of a VTU file are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VtuCompression {
    /// Raw bytes (the fastest to write and read; about 110 bytes per Tet4 cell with its results).
    #[default]
    None,
    /// zlib (`vtkZLibDataCompressor`), in blocks compressed in parallel.
    Zlib,
}

/// Options of [`write_vtu_with_options`](super::write_vtu_with_options).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VtuOptions {
    /// Array storage.
    pub compression: VtuCompression,
    /// Write the named surfaces (as triangle cells after the volume cells) and the node sets (as
    /// point arrays).
    pub sets: bool,
}

/// Start of the name of a point array that holds a node set.
pub(crate) const NODE_SET_PREFIX: &str = "node_set:";

/// Uncompressed bytes per zlib block (VTK's readers accept any size).
const BLOCK: usize = 1 << 16;

/// One data array: where it goes, its XML attributes, its bytes.
struct Array<'a> {
    name: String,
    vtk_type: &'static str,
    components: usize,
    bytes: Cow<'a, [u8]>,
}

impl<'a> Array<'a> {
    fn f64(name: &str, components: usize, values: &'a [f64]) -> Array<'a> {
        Array {
            name: name.to_string(),
            vtk_type: "Float64",
            components,
            bytes: Cow::Borrowed(bytemuck::cast_slice(values)),
        }
    }

    fn i64(name: &str, values: Vec<i64>) -> Array<'a> {
        Array {
            name: name.to_string(),
            vtk_type: "Int64",
            components: 1,
            bytes: Cow::Owned(bytemuck::cast_slice(&values).to_vec()),
        }
    }
}

fn owned_f64(name: &str, components: usize, values: Vec<f64>) -> Array<'static> {
    Array {
        name: name.to_string(),
        vtk_type: "Float64",
        components,
        bytes: Cow::Owned(bytemuck::cast_slice(&values).to_vec()),
    }
}

/// `text` for an XML attribute: markup characters as entities, control characters dropped
/// (XML 1.0 cannot carry them).
pub(crate) fn xml_attr(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// The cells of the file: volume cells, then (optionally) surface triangles with their tags.
struct CellList {
    connectivity: Vec<i64>,
    offsets: Vec<i64>,
    types: Vec<u8>,
    region: Vec<i32>,
    cell_id: Vec<i64>,
    faces: usize,
}

fn cell_list(mesh: &Mesh, surface_tags: Option<&[i32]>) -> CellList {
    let n = mesh.cell_count();
    let mut l = CellList {
        connectivity: Vec::with_capacity(n * mesh.cell_nodes(0).len()),
        offsets: Vec::with_capacity(n),
        types: Vec::with_capacity(n),
        region: mesh.cell_regions().to_vec(),
        cell_id: mesh.cell_ids().iter().map(|&id| id as i64).collect(),
        faces: 0,
    };
    for c in 0..n {
        l.connectivity.extend(mesh.cell_nodes(c).iter().map(|&n| n as i64));
        l.offsets.push(l.connectivity.len() as i64);
        l.types.push(match mesh.cell_type(c) {
            CellType::Tet4 => 10,
            CellType::Tet10 => 24,
        });
    }
    for (s, &tag) in mesh.surfaces().iter().zip(surface_tags.unwrap_or_default()) {
        for &f in &s.faces {
            let nodes = mesh.face_nodes(f);
            l.types.push(if nodes.len() == 3 { 5 } else { 22 });
            l.connectivity.extend(nodes.iter().map(|&n| n as i64));
            l.offsets.push(l.connectivity.len() as i64);
            l.region.push(tag);
            l.cell_id.push(-1);
            l.faces += 1;
        }
    }
    l
}

/// Writes `mesh` with extra point and cell fields (after the mesh's own) as VTU.
pub(crate) fn write(
    mesh: &Mesh,
    point: &[Field],
    cell: &[Field],
    options: &VtuOptions,
    w: &mut dyn Write,
) -> std::io::Result<()> {
    let surface_tags = options.sets.then(|| super::gmsh::physical_tags(mesh.surfaces().iter().map(|s| s.id)));
    let cells = cell_list(mesh, surface_tags.as_deref());
    let n_cells = cells.types.len();
    let node_ids: Vec<i64> = mesh.node_ids().iter().map(|&id| id as i64).collect();
    let mut point_arrays = vec![Array::i64("node_id", node_ids)];
    point_arrays.extend(mesh.node_fields().iter().chain(point).map(|f| Array::f64(&f.name, f.components, &f.values)));
    for set in mesh.node_sets().iter().filter(|_| options.sets) {
        let mut member = vec![0u8; mesh.nodes().len()];
        set.nodes.iter().for_each(|&n| member[n] = 1);
        let name = format!("{NODE_SET_PREFIX}{}", set.name);
        point_arrays.push(Array { name, vtk_type: "UInt8", components: 1, bytes: Cow::Owned(member) });
    }
    let mut cell_arrays = vec![
        Array {
            name: "region".into(),
            vtk_type: "Int32",
            components: 1,
            bytes: Cow::Owned(bytemuck::cast_slice(&cells.region).to_vec()),
        },
        Array::i64("cell_id", cells.cell_id),
    ];
    for f in mesh.cell_fields().iter().chain(cell) {
        if cells.faces == 0 {
            cell_arrays.push(Array::f64(&f.name, f.components, &f.values));
        } else {
            let mut values = f.values.clone();
            values.resize(values.len() + cells.faces * f.components, f64::NAN);
            cell_arrays.push(owned_f64(&f.name, f.components, values));
        }
    }
    let points = Array::f64("Points", 3, bytemuck::cast_slice(mesh.nodes()));
    let topology = [
        Array::i64("connectivity", cells.connectivity),
        Array::i64("offsets", cells.offsets),
        Array { name: "types".into(), vtk_type: "UInt8", components: 1, bytes: Cow::Owned(cells.types) },
    ];
    // Encode every array, in file order, and place it in the appended section.
    let mut sections: Vec<(&str, Vec<Array>)> =
        vec![("PointData", point_arrays), ("CellData", cell_arrays), ("Points", vec![points])];
    sections.push(("Cells", topology.into_iter().collect()));
    let blocks: Vec<Vec<Cow<[u8]>>> =
        sections.iter().flat_map(|(_, arrays)| arrays.iter().map(|a| encode(&a.bytes, options.compression))).collect();
    let endian = if cfg!(target_endian = "little") { "LittleEndian" } else { "BigEndian" };
    let compressor = match options.compression {
        VtuCompression::None => "",
        VtuCompression::Zlib => r#" compressor="vtkZLibDataCompressor""#,
    };
    writeln!(w, r#"<?xml version="1.0"?>"#)?;
    writeln!(
        w,
        r#"<VTKFile type="UnstructuredGrid" version="1.0" byte_order="{endian}" header_type="UInt64"{compressor}>"#
    )?;
    writeln!(w, "  <UnstructuredGrid>")?;
    write_names(mesh, surface_tags.as_deref(), w)?;
    writeln!(w, r#"    <Piece NumberOfPoints="{}" NumberOfCells="{n_cells}">"#, mesh.nodes().len())?;
    let mut offset = 0usize;
    let mut k = 0;
    for (section, arrays) in &sections {
        writeln!(w, "      <{section}>")?;
        for a in arrays {
            let name = if *section == "Points" { String::new() } else { format!(r#" Name="{}""#, xml_attr(&a.name)) };
            let comps =
                if a.components > 1 { format!(r#" NumberOfComponents="{}""#, a.components) } else { String::new() };
            writeln!(
                w,
                r#"        <DataArray type="{}"{name}{comps} format="appended" offset="{offset}"/>"#,
                a.vtk_type
            )?;
            offset += blocks[k].iter().map(|b| b.len()).sum::<usize>();
            k += 1;
        }
        writeln!(w, "      </{section}>")?;
    }
    writeln!(w, "    </Piece>")?;
    writeln!(w, "  </UnstructuredGrid>")?;
    write!(w, "  <AppendedData encoding=\"raw\">\n   _")?;
    for parts in &blocks {
        for part in parts {
            w.write_all(part)?;
        }
    }
    writeln!(w, "\n  </AppendedData>")?;
    writeln!(w, "</VTKFile>")
}

/// `<FieldData>`: `[tag, dim]` per named region (dim 3) and per written surface (dim 2).
fn write_names(mesh: &Mesh, surface_tags: Option<&[i32]>, w: &mut dyn Write) -> std::io::Result<()> {
    let regions = mesh.regions().iter().filter_map(|r| r.name.as_ref().map(|n| (n.as_str(), r.id, 3)));
    let surfaces = mesh.surfaces().iter().zip(surface_tags.unwrap_or_default()).map(|(s, &t)| (s.name.as_str(), t, 2));
    let names: Vec<(&str, i32, i32)> = regions.chain(surfaces).collect();
    if names.is_empty() {
        return Ok(());
    }
    writeln!(w, "    <FieldData>")?;
    for (name, tag, dim) in names {
        writeln!(
            w,
            r#"      <DataArray type="Int32" Name="{}" NumberOfTuples="2" format="ascii">{tag} {dim}</DataArray>"#,
            xml_attr(name)
        )?;
    }
    writeln!(w, "    </FieldData>")
}

/// The appended-data parts of one array: `[UInt64 byte count][bytes]`, or zlib blocks
/// `[nb][block size][last block size][compressed sizes…][blocks…]`.
fn encode(bytes: &[u8], compression: VtuCompression) -> Vec<Cow<'_, [u8]>> {
    let header = |values: &[u64]| -> Cow<'static, [u8]> { Cow::Owned(bytemuck::cast_slice(values).to_vec()) };
    match compression {
        VtuCompression::None => vec![header(&[bytes.len() as u64]), Cow::Borrowed(bytes)],
        VtuCompression::Zlib => {
            let compressed: Vec<Vec<u8>> = bytes
                .par_chunks(BLOCK)
                .map(|chunk| {
                    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
                    z.write_all(chunk).and_then(|()| z.finish()).expect("compressing into memory cannot fail")
                })
                .collect();
            let last = match bytes.len() % BLOCK {
                0 if bytes.is_empty() => 0,
                0 => BLOCK,
                r => r,
            };
            let block = if bytes.is_empty() { 0 } else { BLOCK };
            let mut head = vec![compressed.len() as u64, block as u64, last as u64];
            head.extend(compressed.iter().map(|c| c.len() as u64));
            let mut parts = vec![header(&head)];
            parts.extend(compressed.into_iter().map(Cow::Owned));
            parts
        }
    }
}
