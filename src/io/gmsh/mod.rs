//! Gmsh MSH files: 2.2 ASCII (own reader), 4.1 ASCII (own streaming reader), 4.1 binary (via
//! `mshio`), and a 4.1 ASCII writer.
//!
//! Physical groups become regions (dimension 3) and surfaces (dimension 2), named through
//! `$PhysicalNames`. Elements without a physical group fall back to their elementary entity tag
//! (surfaces then get the name `entity_<tag>`). `$NodeData` / `$ElementData` in ASCII files become
//! per-node / per-cell fields. Gmsh's Tet10 order differs from the internal one in its last two
//! nodes (see [`crate::mesh::cell`]).

mod sections;
mod v22;
mod v41;
mod v41_ascii;
mod write;

use std::collections::BTreeMap;

pub(crate) use write::{physical_tags, write_msh41};

use super::text::{Fields, Lines};
use super::ReadError;
use crate::mesh::cell::GMSH_TET10;
use crate::mesh::{CellType, Field, RawMesh, SourceLoc};

/// What the reader does with a Gmsh element type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum ElementKind {
    /// A volume cell.
    Cell(CellType),
    /// A boundary triangle with 3 or 6 nodes.
    Face(usize),
    /// A lower-dimensional element not used for tet meshes (points, lines, quads).
    Skip(&'static str),
    /// A volume element organ-twin cannot use yet.
    Unsupported(&'static str),
}

/// Gmsh element type number → (kind, node count).
pub(crate) fn element_kind(t: i64) -> Option<(ElementKind, usize)> {
    use ElementKind::*;
    Some(match t {
        1 => (Skip("2-node line"), 2),
        2 => (Face(3), 3),
        3 => (Skip("4-node quadrangle"), 4),
        4 => (Cell(CellType::Tet4), 4),
        5 => (Unsupported("8-node hexahedron"), 8),
        6 => (Unsupported("6-node prism"), 6),
        7 => (Unsupported("5-node pyramid"), 5),
        8 => (Skip("3-node line"), 3),
        9 => (Face(6), 6),
        10 => (Skip("9-node quadrangle"), 9),
        11 => (Cell(CellType::Tet10), 10),
        12 => (Unsupported("27-node hexahedron"), 27),
        13 => (Unsupported("18-node prism"), 18),
        14 => (Unsupported("14-node pyramid"), 14),
        15 => (Skip("point"), 1),
        16 => (Skip("8-node quadrangle"), 8),
        17 => (Unsupported("20-node hexahedron"), 20),
        18 => (Unsupported("15-node prism"), 15),
        19 => (Unsupported("13-node pyramid"), 13),
        _ => return None,
    })
}

/// A cell's node ids in the internal order, on the stack (`..n` of the array are used).
pub(crate) struct InternalNodes {
    ids: [u64; 10],
    n: usize,
}

impl std::ops::Deref for InternalNodes {
    type Target = [u64];

    fn deref(&self) -> &[u64] {
        &self.ids[..self.n]
    }
}

/// Converts a Gmsh node list of a cell (as many ids as `kind` has nodes) to the internal order.
pub(crate) fn to_internal(kind: CellType, gmsh: &[u64]) -> InternalNodes {
    let mut ids = [0u64; 10];
    let n = gmsh.len().min(kind.node_count());
    match kind {
        CellType::Tet4 => ids[..n].copy_from_slice(&gmsh[..n]),
        CellType::Tet10 => {
            GMSH_TET10.iter().zip(&mut ids).for_each(|(&i, slot)| *slot = gmsh.get(i).copied().unwrap_or(0))
        }
    }
    InternalNodes { ids, n }
}

/// Physical names to region names (dimension 3) and surface names (dimension 2).
pub(crate) fn apply_names(raw: &mut RawMesh, names: PhysicalNames) {
    for ((dim, tag), name) in names {
        match dim {
            3 => raw.region_names.insert(tag, name),
            2 => raw.surface_names.insert(tag, name),
            _ => None,
        };
    }
}

/// The message for a volume element type that is not supported.
pub(crate) fn unsupported_message(name: &str, t: i64) -> String {
    format!(
        "element type {t} ({name}) is not supported: organ-twin reads tetrahedral meshes (Tet4, Tet10); \
         re-mesh the volume with tetrahedra (in Gmsh: Mesh.Algorithm3D, no recombination)"
    )
}

/// `$MeshFormat`: version, binary flag.
pub(crate) struct Header {
    pub version: String,
    pub binary: bool,
}

/// Reads `$MeshFormat` from the start of the file (its header is ASCII also in binary files).
pub(crate) fn read_header(bytes: &[u8], source: &str) -> Result<Header, ReadError> {
    let head = &bytes[..bytes.len().min(256)];
    let text = String::from_utf8_lossy(head);
    let mut lines = text.lines().map(|l| l.trim_end_matches('\r'));
    let at = SourceLoc::Line(1);
    if lines.next().map(str::trim) != Some("$MeshFormat") {
        return Err(ReadError::syntax(source, at, "not a Gmsh MSH file: it must start with $MeshFormat"));
    }
    let line = lines
        .next()
        .ok_or_else(|| ReadError::syntax(source, at, "the file ends inside $MeshFormat: it is truncated"))?;
    let at = SourceLoc::Line(2);
    let mut f = line.split_whitespace();
    let version = f.next().unwrap_or("").to_string();
    let file_type = f.next();
    let data_size = f.next();
    let binary = match file_type {
        Some("0") => false,
        Some("1") => true,
        other => {
            return Err(ReadError::syntax(
                source,
                at,
                format!("invalid $MeshFormat file type {:?}: expected 0 (ASCII) or 1 (binary)", other.unwrap_or("")),
            ))
        }
    };
    if data_size != Some("8") {
        return Err(ReadError::syntax(
            source,
            at,
            format!(
                "unsupported $MeshFormat data size {:?}: only 8-byte floats are written by Gmsh",
                data_size.unwrap_or("")
            ),
        ));
    }
    Ok(Header { version, binary })
}

/// Parses a Gmsh MSH file of any supported version.
pub(crate) fn parse(bytes: &[u8], source: &str) -> Result<RawMesh, ReadError> {
    let header = read_header(bytes, source)?;
    match header.version.as_str() {
        "2.2" | "2.1" | "2" | "2.0" if !header.binary => v22::parse(bytes, source),
        "2.2" | "2.1" | "2" | "2.0" => Err(ReadError::syntax(
            source,
            SourceLoc::Line(2),
            "binary MSH 2 files are not supported: save as MSH 4.1 (binary or ASCII) or MSH 2.2 ASCII",
        )),
        "4.1" if !header.binary => v41_ascii::parse(bytes, bytes.len() as u64, source),
        "4.1" => v41::parse(bytes, source),
        v => Err(ReadError::syntax(
            source,
            SourceLoc::Line(2),
            format!("MSH version {v} is not supported: save as MSH 4.1 or 2.2 (Gmsh option Mesh.MshFileVersion)"),
        )),
    }
}

/// Reads a Gmsh file from disk: MSH 4.1 ASCII is streamed (the file is never held whole, see
/// [`v41_ascii`]); the other versions are read into memory and parsed by [`parse`].
pub(crate) fn read_file(path: &std::path::Path, source: &str) -> Result<RawMesh, ReadError> {
    use std::io::{BufRead, Read};
    let io_error = |e: std::io::Error| ReadError::Io { path: source.to_string(), source: e };
    let file = std::fs::File::open(path).map_err(io_error)?;
    let size = file.metadata().map_err(io_error)?.len();
    let mut reader = std::io::BufReader::with_capacity(1 << 16, file);
    let head = reader.fill_buf().map_err(io_error)?;
    let bom = head.starts_with(b"\xEF\xBB\xBF");
    let header = read_header(head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head), source)?;
    if header.version == "4.1" && !header.binary {
        if bom {
            reader.consume(3);
        }
        return v41_ascii::parse(reader, size, source);
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    reader.read_to_end(&mut bytes).map_err(io_error)?;
    super::parse_raw(&bytes, super::Format::Gmsh, source)
}

/// Physical names by dimension: `(dim, tag) → name`.
pub(crate) type PhysicalNames = BTreeMap<(i32, i32), String>;

/// Parses the body of `$PhysicalNames` (after its header line).
pub(crate) fn parse_physical_names(lines: &mut Lines) -> Result<PhysicalNames, ReadError> {
    let (l, count_line) = lines.require("the $PhysicalNames count")?;
    let count: usize = Fields::new(lines.source(), l, count_line).parse("the number of physical names")?;
    let mut names = PhysicalNames::new();
    for _ in 0..count {
        let (l, line) = lines.require("a physical name")?;
        // `dim tag "name"`; the name may hold spaces, and any run of blanks may separate the fields.
        let quoted = line.find('"').map(|q| (&line[..q], line[q..].trim_end()));
        let Some((numbers, name)) = quoted.filter(|(_, n)| n.len() > 2 && n.ends_with('"')) else {
            return Err(lines.error(l, "expected a quoted physical name, e.g. 3 1 \"myocardium\""));
        };
        let mut f = Fields::new(lines.source(), l, numbers);
        let dim: i32 = f.parse("the physical group dimension")?;
        let tag: i32 = f.parse("the physical group tag")?;
        if let Some(extra) = f.next_str() {
            return Err(lines.error(l, format!("unexpected '{}' before the physical name", clip(extra))));
        }
        names.insert((dim, tag), name[1..name.len() - 1].to_string());
    }
    expect_end(lines, "PhysicalNames")?;
    Ok(names)
}

/// The first 40 characters of a token, for messages.
pub(crate) fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

/// Consumes the `$End<name>` line.
pub(crate) fn expect_end(lines: &mut Lines, name: &str) -> Result<(), ReadError> {
    let (l, line) = lines.require(&format!("$End{name}"))?;
    if line.trim() != format!("$End{name}") {
        return Err(lines.error(
            l,
            format!("expected $End{name}, found '{}': the section has more data than its count says", line.trim()),
        ));
    }
    Ok(())
}

/// Skips a section this reader does not use, up to its `$End` line.
pub(crate) fn skip_section(lines: &mut Lines, name: &str, start: usize) -> Result<(), ReadError> {
    let end = format!("$End{name}");
    while let Some((_, line)) = lines.next_line() {
        if line.trim() == end {
            return Ok(());
        }
    }
    Err(lines.truncated(start, &format!("section ${name} (no {end} found)")))
}

/// Sections that may appear in MSH files and that the mesh reader skips.
pub(crate) const SKIPPED_SECTIONS: [&str; 9] = [
    "Comments",
    "Periodic",
    "ElementNodeData",
    "InterpolationScheme",
    "GhostElements",
    "Parametrizations",
    "PartitionedEntities",
    "NodeData",
    "ElementData",
];

/// One `$NodeData` / `$ElementData` section: name, components, entity tags and their values
/// (`components` per tag, flat).
pub(crate) struct DataSection {
    pub name: String,
    pub components: usize,
    pub tags: Vec<u64>,
    pub values: Vec<f64>,
}

/// Parses the body of a `$NodeData` / `$ElementData` section (ASCII), including its `$End` line.
pub(crate) fn parse_data_section(lines: &mut Lines, section: &str) -> Result<DataSection, ReadError> {
    let src = lines.source();
    let header_ints = |lines: &mut Lines, what: &str| -> Result<(usize, usize), ReadError> {
        let (l, line) = lines.require(what)?;
        Ok((l, Fields::new(src, l, line).parse::<usize>(what)?))
    };
    let (_, n_strings) = header_ints(lines, "the number of string tags")?;
    let mut name = String::from("data");
    for i in 0..n_strings.min(16) {
        let (_, line) = lines.require("a string tag")?;
        if i == 0 {
            name = line.trim().trim_matches('"').to_string();
        }
    }
    let (_, n_reals) = header_ints(lines, "the number of real tags")?;
    for _ in 0..n_reals.min(16) {
        lines.require("a real tag")?;
    }
    let (_, n_ints) = header_ints(lines, "the number of integer tags")?;
    let mut ints = Vec::new();
    for _ in 0..n_ints.min(16) {
        ints.push(header_ints(lines, "an integer tag")?);
    }
    let (components, count) = match (ints.get(1), ints.get(2)) {
        (Some(&(_, c)), Some(&(_, n))) if (1..=9).contains(&c) => (c, n),
        _ => {
            let l = ints.last().map_or(1, |p| p.0);
            return Err(lines.error(l, format!("${section} needs integer tags (time step, components 1..9, count)")));
        }
    };
    let mut tags = Vec::with_capacity(count.min(1 << 20));
    let mut values = Vec::with_capacity(count.min(1 << 20) * components);
    for _ in 0..count {
        let (l, line) = lines.require(&format!("${section} values"))?;
        let mut f = Fields::new(src, l, line);
        tags.push(f.parse::<u64>("an entity tag")?);
        for _ in 0..components {
            values.push(f.parse::<f64>("a data value")?);
        }
    }
    expect_end(lines, section)?;
    Ok(DataSection { name, components, tags, values })
}

/// Turns data sections into fields aligned with the raw nodes / cells.
pub(crate) fn attach_fields(raw: &mut RawMesh, node_data: Vec<DataSection>, cell_data: Vec<DataSection>) {
    if node_data.is_empty() && cell_data.is_empty() {
        return;
    }
    let node_ids: Vec<u64> = raw.nodes.iter().map(|n| n.id).collect();
    let cell_ids = raw.cells.ids();
    for (data, ids, out, what) in
        [(node_data, &node_ids[..], &mut raw.node_fields, "node"), (cell_data, cell_ids, &mut raw.cell_fields, "cell")]
    {
        if data.is_empty() {
            continue;
        }
        let pos = Positions::of(ids);
        for d in data {
            let c = d.components;
            let mut values = vec![f64::NAN; c * ids.len()];
            let mut seen = vec![false; ids.len()];
            for (&tag, v) in d.tags.iter().zip(d.values.chunks_exact(c)) {
                if let Some(i) = pos.get(ids, tag) {
                    values[i * c..(i + 1) * c].copy_from_slice(v);
                    seen[i] = true;
                }
            }
            let missing = seen.iter().filter(|s| !**s).count();
            if missing > 0 {
                raw.notes
                    .push(format!("data array '{}' has no value for {missing} {what}(s); they are set to NaN", d.name));
            }
            out.push(Field { name: d.name, components: c, values });
        }
    }
}

/// Entity tags to positions: the validation's index when the tags are unique, else the first
/// position of each tag (validation then rejects the repeated tag).
enum Positions {
    Index(crate::mesh::build::IdIndex),
    First(BTreeMap<u64, usize>),
}

impl Positions {
    fn of(ids: &[u64]) -> Positions {
        match crate::mesh::build::IdIndex::new(ids) {
            Ok(index) => Positions::Index(index),
            Err(_) => {
                let mut first = BTreeMap::new();
                for (i, &id) in ids.iter().enumerate() {
                    first.entry(id).or_insert(i);
                }
                Positions::First(first)
            }
        }
    }

    fn get(&self, ids: &[u64], id: u64) -> Option<usize> {
        match self {
            Positions::Index(index) => index.get(ids, id),
            Positions::First(map) => map.get(&id).copied(),
        }
    }
}
