//! Mesh files in and out.
//!
//! | format | extension | read | write |
//! | --- | --- | --- | --- |
//! | Gmsh MSH 4.1 (ASCII, binary) | `.msh` | yes (ASCII streamed, binary via `mshio`) | ASCII, with node sets as physical points |
//! | Gmsh MSH 2.2 (ASCII) | `.msh` | yes | no |
//! | VTK legacy (ASCII, binary) | `.vtk` | yes | no |
//! | VTK XML unstructured grid | `.vtu` | yes (via `vtkio`): ASCII, base64, appended raw, zlib | appended raw or zlib ([`VtuOptions`]) |
//! | Abaqus input | `.inp` | yes | no |
//! | Medit (ASCII) | `.mesh` | yes | no |
//! | TetGen | `.node` + `.ele` (+ `.face`) | yes | no |
//!
//! Every parser works on bytes (`parse_*(&[u8], source_name)`) so that it can be tested and
//! fuzzed in memory; [`read_mesh`] is the thin file wrapper. Parsers never panic: any input gives
//! either a [`RawMesh`] or a [`ReadError`] naming the file and line (MSH 4.1 ASCII files are
//! streamed from disk instead, by the same parser as their bytes). Writers go through
//! [`write_atomic`], so a failed write leaves no partial file, and a run's several files through
//! [`staging`], so that they appear together.

mod abaqus;
mod appended;
mod contain;
mod error;
mod gmsh;
mod medit;
pub mod staging;
mod tetgen;
mod text;
mod vtk;
mod vtk_legacy;
mod vtu_names;
mod vtu_scan;
mod vtu_write;

use std::io::Write;
use std::path::{Path, PathBuf};

pub use error::{ReadError, WriteError};
pub use vtk::REGION_ARRAYS;
pub use vtu_write::{VtuCompression, VtuOptions};

use crate::mesh::{BuildOptions, Field, Mesh, MeshWarning, RawMesh};
use nalgebra_sparse::CsrMatrix;

/// A supported mesh file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Gmsh `.msh`, version 2.2 or 4.1 (detected from the header).
    Gmsh,
    /// VTK legacy `.vtk`.
    VtkLegacy,
    /// VTK XML `.vtu`.
    Vtu,
    /// Abaqus `.inp`.
    Abaqus,
    /// Medit `.mesh`.
    Medit,
    /// TetGen `.node` / `.ele` / `.face`.
    TetGen,
}

impl Format {
    /// The format implied by a file's extension.
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "msh" => Format::Gmsh,
            "vtk" => Format::VtkLegacy,
            "vtu" => Format::Vtu,
            "inp" => Format::Abaqus,
            "mesh" => Format::Medit,
            "node" | "ele" | "face" => Format::TetGen,
            _ => return None,
        })
    }

    /// Human-readable name.
    pub fn name(self) -> &'static str {
        match self {
            Format::Gmsh => "Gmsh MSH",
            Format::VtkLegacy => "VTK legacy",
            Format::Vtu => "VTK XML (VTU)",
            Format::Abaqus => "Abaqus input",
            Format::Medit => "Medit",
            Format::TetGen => "TetGen",
        }
    }
}

/// A mesh read from a file, with the warnings found while validating it.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The format it was read from.
    pub format: Format,
    /// The validated mesh.
    pub mesh: Mesh,
    /// Non-fatal findings (unused nodes, poor cells, skipped data).
    pub warnings: Vec<MeshWarning>,
}

/// Parses one file's bytes into a [`RawMesh`] without validating it. TetGen meshes span several
/// files: use [`parse_tetgen`].
pub fn parse_raw(bytes: &[u8], format: Format, source: &str) -> Result<RawMesh, ReadError> {
    let bytes = without_bom(bytes);
    match format {
        Format::Gmsh => gmsh::parse(bytes, source),
        Format::VtkLegacy => vtk_legacy::parse(bytes, source),
        Format::Vtu => vtk::parse_xml(bytes, source),
        Format::Abaqus => abaqus::parse(bytes, source),
        Format::Medit => medit::parse(bytes, source),
        Format::TetGen => Err(ReadError::syntax(
            source,
            crate::mesh::SourceLoc::Unknown,
            "a TetGen mesh spans .node and .ele files: read it with read_mesh or parse_tetgen",
        )),
    }
}

/// Parses TetGen node, element and optional face files (bytes and source names).
pub fn parse_tetgen(
    node: (&[u8], &str),
    ele: (&[u8], &str),
    face: Option<(&[u8], &str)>,
) -> Result<RawMesh, ReadError> {
    tetgen::parse(
        tetgen::Part { bytes: without_bom(node.0), source: node.1 },
        tetgen::Part { bytes: without_bom(ele.0), source: ele.1 },
        face.map(|(bytes, source)| tetgen::Part { bytes: without_bom(bytes), source }),
    )
}

/// The bytes after a leading UTF-8 byte order mark, which some Windows editors write.
fn without_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// Validates a raw mesh read from `format`, attributing errors to `source`.
pub fn validate(raw: RawMesh, format: Format, source: &str, options: &BuildOptions) -> Result<Imported, ReadError> {
    let (mesh, warnings) =
        raw.build(options).map_err(|e| ReadError::Invalid { source_name: source.to_string(), source: e })?;
    Ok(Imported { format, mesh, warnings })
}

/// Parses and validates one file's bytes.
pub fn parse_mesh(bytes: &[u8], format: Format, source: &str, options: &BuildOptions) -> Result<Imported, ReadError> {
    validate(parse_raw(bytes, format, source)?, format, source, options)
}

fn read_file(path: &Path) -> Result<Vec<u8>, ReadError> {
    std::fs::read(path).map_err(|source| ReadError::Io { path: path.display().to_string(), source })
}

/// Reads and validates a mesh file; the format comes from the extension.
pub fn read_mesh(path: &Path, options: &BuildOptions) -> Result<Imported, ReadError> {
    let name = path.display().to_string();
    let format = Format::from_path(path).ok_or_else(|| ReadError::UnknownFormat {
        path: name.clone(),
        ext: path.extension().map(|e| e.to_string_lossy().into_owned()).unwrap_or_default(),
    })?;
    if format == Format::TetGen {
        return read_tetgen(path, options);
    }
    if format == Format::Gmsh {
        return validate(gmsh::read_file(path, &name)?, format, &name, options);
    }
    let bytes = read_file(path)?;
    parse_mesh(&bytes, format, &name, options)
}

fn read_tetgen(path: &Path, options: &BuildOptions) -> Result<Imported, ReadError> {
    let sibling = |ext: &str| -> PathBuf { path.with_extension(ext) };
    let (node_path, ele_path, face_path) = (sibling("node"), sibling("ele"), sibling("face"));
    let node = read_file(&node_path)?;
    let ele = read_file(&ele_path)?;
    let face = if face_path.exists() { Some(read_file(&face_path)?) } else { None };
    let (n, e, f) = (node_path.display().to_string(), ele_path.display().to_string(), face_path.display().to_string());
    let raw = parse_tetgen((&node, &n), (&ele, &e), face.as_deref().map(|b| (b, f.as_str())))?;
    validate(raw, Format::TetGen, &e, options)
}

/// Start of the temporary files of [`write_atomic`]: `.organ-twin-<pid>-XXXXXX.tmp`, so that
/// [`staging::sweep`] can tell those of a killed process.
pub(crate) const TEMP_PREFIX: &str = ".organ-twin-";
/// End of the temporary files of [`write_atomic`].
pub(crate) const TEMP_SUFFIX: &str = ".tmp";

/// Writes `contents` to `path` through a temporary file in the same folder and a rename, so that
/// readers never see a partial file and a failure leaves nothing behind. Temporary files that
/// killed processes left in the folder are removed first ([`staging::sweep`]).
pub fn write_atomic(
    path: &Path,
    contents: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), WriteError> {
    let fail = |source: std::io::Error| WriteError::Io { path: path.display().to_string(), source };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    staging::sweep(dir);
    let prefix = format!("{TEMP_PREFIX}{}-", std::process::id());
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(TEMP_SUFFIX);
    // Temporary files are private (0600); results are ordinary files (0666 less the umask).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let tmp = builder.tempfile_in(dir).map_err(fail)?;
    {
        let mut w = std::io::BufWriter::new(tmp.as_file());
        contents(&mut w).map_err(fail)?;
        w.flush().map_err(fail)?;
    }
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

/// Extensions [`write_mesh`] can write.
const WRITABLE: [&str; 2] = ["msh", "vtu"];

fn extension(path: &Path) -> String {
    path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default()
}

/// Checks, before any work, that [`write_mesh`] can write a mesh to `path`'s format.
pub fn check_writable(path: &Path) -> Result<(), WriteError> {
    let ext = extension(path);
    if WRITABLE.contains(&ext.as_str()) {
        Ok(())
    } else {
        Err(WriteError::UnknownFormat { path: path.display().to_string(), ext })
    }
}

/// Writes a mesh; the format comes from the extension (`.msh` → Gmsh 4.1 ASCII, `.vtu` with its
/// surfaces, see [`write_vtu`]).
pub fn write_mesh(mesh: &Mesh, path: &Path) -> Result<(), WriteError> {
    check_writable(path)?;
    match extension(path).as_str() {
        "msh" => write_atomic(path, |w| gmsh::write_msh41(mesh, w)),
        _ => write_atomic(path, |w| write_vtu(mesh, w)),
    }
}

/// Writes a mesh as Gmsh 4.1 ASCII into any writer (used by tests and for in-memory round trips).
pub fn write_msh41(mesh: &Mesh, w: &mut dyn Write) -> std::io::Result<()> {
    gmsh::write_msh41(mesh, w)
}

/// Writes a mesh as VTU (appended raw binary) into any writer, with its region names, its named
/// surfaces (as triangle cells) and node sets (as point arrays), so that reading it back gives
/// the same mesh.
pub fn write_vtu(mesh: &Mesh, w: &mut dyn Write) -> std::io::Result<()> {
    vtu_write::write(mesh, &[], &[], &VtuOptions { sets: true, ..VtuOptions::default() }, w)
}

/// Writes a mesh's volume cells as VTU with extra point and cell arrays (results) into any
/// writer, uncompressed.
pub fn write_vtu_with(mesh: &Mesh, point: &[Field], cell: &[Field], w: &mut dyn Write) -> std::io::Result<()> {
    vtu_write::write(mesh, point, cell, &VtuOptions::default(), w)
}

/// [`write_vtu_with`] with the storage and surfaces chosen by `options`.
pub fn write_vtu_with_options(
    mesh: &Mesh,
    point: &[Field],
    cell: &[Field],
    options: &VtuOptions,
    w: &mut dyn Write,
) -> std::io::Result<()> {
    vtu_write::write(mesh, point, cell, options, w)
}

/// Writes a ParaView collection (`.pvd`) that plays `(time, file)` entries as a time series; the
/// files are referenced relative to the `.pvd` file.
pub fn write_pvd(w: &mut dyn Write, entries: &[(f64, String)]) -> std::io::Result<()> {
    writeln!(w, r#"<?xml version="1.0"?>"#)?;
    writeln!(w, r#"<VTKFile type="Collection" version="0.1" byte_order="LittleEndian">"#)?;
    writeln!(w, "  <Collection>")?;
    for (t, file) in entries {
        let escaped = file.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;");
        writeln!(w, r#"    <DataSet timestep="{t}" group="" part="0" file="{escaped}"/>"#)?;
    }
    writeln!(w, "  </Collection>")?;
    writeln!(w, "</VTKFile>")
}

/// Writes a sparse matrix in Matrix Market coordinate format (`real general`), atomically.
///
/// nalgebra-sparse writes the banner in lower case (`%%matrixmarket`), which strict readers
/// (SciPy's fast_matrix_market, used by `benches/cupy_cg.py`) reject; the banner is written in
/// the standard's spelling and the rest is nalgebra-sparse's.
pub fn write_matrix_market(path: &Path, matrix: &CsrMatrix<f64>) -> Result<(), WriteError> {
    write_atomic(path, |w| matrix_market(w, matrix))
}

/// A sparse matrix in Matrix Market coordinate format (`real general`) into `w`.
pub fn matrix_market(w: &mut dyn std::io::Write, matrix: &CsrMatrix<f64>) -> std::io::Result<()> {
    let mut body = Vec::new();
    nalgebra_sparse::io::save_to_matrix_market(&mut body, matrix)?;
    let rest = body.iter().position(|&c| c == b'\n').map_or(&body[..0], |i| &body[i + 1..]);
    writeln!(w, "%%MatrixMarket matrix coordinate real general")?;
    w.write_all(rest)
}

/// Writes a vector in Matrix Market array format (`real general`, one column), atomically.
pub fn write_vector_market(path: &Path, v: &[f64]) -> Result<(), WriteError> {
    write_atomic(path, |w| vector_market(w, v))
}

/// A vector in Matrix Market array format (`real general`, one column) into `w`.
pub fn vector_market(w: &mut dyn std::io::Write, v: &[f64]) -> std::io::Result<()> {
    writeln!(w, "%%MatrixMarket matrix array real general")?;
    writeln!(w, "{} 1", v.len())?;
    for x in v {
        writeln!(w, "{x:e}")?;
    }
    Ok(())
}
