//! Regression cases of issue 11 (mesh readers): sizes from the file that would allocate
//! gigabytes, quadratic parsing, silent drops, raw control bytes in messages, a leading BOM.
//! Each case is an in-memory edit of a bundled fixture.

use std::time::{Duration, Instant};

use organ_twin::io::{self, Format, Imported};
use organ_twin::mesh::generate::{self, LvParams, Order};
use organ_twin::mesh::BuildOptions;

use super::common::fixture;

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap()
}

fn text(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).unwrap()
}

fn parse(data: &[u8], format: Format) -> Result<Imported, String> {
    io::parse_mesh(data, format, "case", &BuildOptions::default()).map_err(|e| e.to_string())
}

/// The error of a case that must be rejected, checked to contain `phrase`.
fn rejected(data: &[u8], format: Format, phrase: &str) -> String {
    let start = Instant::now();
    let e = match parse(data, format) {
        Ok(m) => panic!("accepted ({} cells), expected an error with '{phrase}'", m.mesh.cell_count()),
        Err(e) => e,
    };
    assert!(start.elapsed() < Duration::from_secs(2), "took {:?}: {e}", start.elapsed());
    assert!(e.contains(phrase), "expected '{phrase}' in: {e}");
    e
}

fn replace_once(s: &str, from: &str, to: &str) -> String {
    assert!(s.contains(from), "fixture lacks '{from}'");
    s.replacen(from, to, 1)
}

// Item 9: allocation from untrusted sizes.

#[test]
fn vtk_cells_count_of_2_pow_31_is_refused_before_allocating() {
    let t = replace_once(&text("block_tet4.vtk"), "CELLS 1256 6146", "CELLS 2147483647 2147483647");
    rejected(t.as_bytes(), Format::VtkLegacy, "only");
    let t = replace_once(&text("block_tet4.vtk"), "POINTS 349 double", "POINTS 4294967295 double");
    rejected(t.as_bytes(), Format::VtkLegacy, "bytes are left");
}

/// A minimal compressed VTU with one `Points` array whose block header is `header`.
fn compressed_vtu(header: [u32; 4]) -> Vec<u8> {
    use base64::Engine;
    let head: Vec<u8> = header.iter().flat_map(|v| v.to_le_bytes()).collect();
    let b64 = base64::engine::general_purpose::STANDARD;
    let data = format!("{}{}", b64.encode(&head), b64.encode([0x78u8, 0x9c, 3, 0, 0, 0, 0, 1]));
    format!(
        r#"<?xml version="1.0"?>
<VTKFile type="UnstructuredGrid" version="0.1" byte_order="LittleEndian" header_type="UInt32" compressor="vtkZLibDataCompressor">
<UnstructuredGrid><Piece NumberOfPoints="4" NumberOfCells="1">
<Points><DataArray type="Float64" NumberOfComponents="3" format="binary">{data}</DataArray></Points>
</Piece></UnstructuredGrid></VTKFile>
"#
    )
    .into_bytes()
}

#[test]
fn vtu_zlib_block_sizes_near_2_pow_32_are_refused() {
    rejected(&compressed_vtu([1, u32::MAX - 15, u32::MAX - 15, 8]), Format::Vtu, "but the array needs 96");
    rejected(&compressed_vtu([u32::MAX, 7, 7, 8]), Format::Vtu, "more than its data holds");
    // A block announcing more than the array needs is refused before it is inflated.
    rejected(&compressed_vtu([1, 1 << 30, 1 << 30, 8]), Format::Vtu, "inflate to 1073741824 bytes");
}

#[test]
fn shifted_appended_offsets_are_errors_not_aborts() {
    for file in ["block_tet4_appended.vtu", "block_tet4_zlib.vtu", "block_tet10_zlib.vtu"] {
        let t = String::from_utf8_lossy(&bytes(file)).into_owned();
        for shift in [1, 2, 3, 5, 7] {
            let mut data = bytes(file);
            let at = t.find("offset=\"51\"").or_else(|| t.find("offset=\"5028\"")).unwrap() + 8;
            let old: usize = t[at..].split('"').next().unwrap().parse().unwrap();
            let new = format!("{}", old + shift);
            data.splice(at..at + new.len().min(old.to_string().len()), new.bytes());
            let start = Instant::now();
            assert!(parse(&data, Format::Vtu).is_err(), "{file} with offset +{shift} was accepted");
            assert!(start.elapsed() < Duration::from_secs(2));
        }
    }
}

#[test]
fn generators_refuse_sizes_they_cannot_build() {
    let p = generate::BeamParams { divisions: [100_000, 100_000, 100_000], ..Default::default() };
    let e = generate::beam(&p).unwrap_err().to_string();
    assert!(e.contains("divisions") && e.contains("at most 20000000"), "{e}");
    let p = generate::BeamParams { divisions: [usize::MAX, 3, 3], ..Default::default() };
    assert!(generate::beam(&p).unwrap_err().to_string().contains("more than 2^64"));
}

// Item 10: long blank runs in $PhysicalNames.

#[test]
fn long_blank_runs_in_physical_names_parse_in_linear_time() {
    for file in ["block_tet4.msh", "block_tet4_bin.msh"] {
        let original = bytes(file);
        let at = original.windows(10).position(|w| w == b"\n3 1 \"tiss").unwrap() + 4;
        let mut data = original.clone();
        data.splice(at..at, std::iter::repeat_n(b' ', 300_000));
        let start = Instant::now();
        let m = parse(&data, Format::Gmsh).unwrap_or_else(|e| panic!("{file}: {e}"));
        let took = start.elapsed();
        assert!(took < Duration::from_secs(1), "{file}: 300 k spaces took {took:?}");
        assert!(m.mesh.regions().iter().any(|r| r.name.as_deref() == Some("tissue")), "{file}");
        assert_eq!(m.mesh, parse(&original, Format::Gmsh).unwrap().mesh, "{file}");
    }
}

// Item 11: silent drops.

#[test]
fn corrupt_vtu_region_arrays_are_errors() {
    let inline = text("block_tet4_inline.vtu");
    let at = inline.find("Name=\"CellEntityIds\" format=\"binary\"").unwrap();
    let data_at = at + inline[at..].find('>').unwrap() + 5;
    let mut bad = inline.clone().into_bytes();
    bad[data_at] = b'!';
    rejected(&bad, Format::Vtu, "'CellEntityIds' of piece 0 could not be decoded");
    let other =
        replace_once(&inline, "type=\"Int32\" Name=\"CellEntityIds\"", "type=\"Float64\" Name=\"CellEntityIds\"");
    rejected(other.as_bytes(), Format::Vtu, "could not be decoded");
    // A zlib block header that announces the wrong size.
    let mut zlib = bytes("block_tet4_zlib.vtu");
    let tag = zlib.windows(13).position(|w| w == b"<AppendedData").unwrap();
    let raw = tag + zlib[tag..].iter().position(|&b| b == b'_').unwrap() + 1;
    zlib[raw + 8] ^= 0x10; // size of the last (only) block of CellEntityIds
    rejected(&zlib, Format::Vtu, "'CellEntityIds'");
}

#[test]
fn vtu_appended_array_without_offset_is_an_error() {
    let mut data = bytes("block_tet4_appended.vtu");
    let at = data.windows(10).position(|w| w == b"offset=\"0\"").unwrap();
    data.drain(at..at + 10);
    rejected(&data, Format::Vtu, "has no offset attribute");
}

#[test]
fn vtk_cell_data_truncated_or_oversized_is_an_error() {
    let t = text("block_tet4.vtk");
    let at = t.find("LOOKUP_TABLE default").unwrap() + 200;
    rejected(&t.as_bytes()[..at], Format::VtkLegacy, "truncated");
    rejected(replace_once(&t, "CELL_DATA 1256", "CELL_DATA 1e9").as_bytes(), Format::VtkLegacy, "found '1e9'");
    rejected(
        replace_once(&t, "CELL_DATA 1256", "CELL_DATA 1000000000").as_bytes(),
        Format::VtkLegacy,
        "does not match",
    );
}

#[test]
fn trailing_garbage_after_a_complete_vtk_or_vtu_is_an_error() {
    let garbage: Vec<u8> = (0..10_000_000u32).map(|i| b"garbage\n"[i as usize % 8]).collect();
    for (file, format, phrase) in [
        ("block_tet4.vtk", Format::VtkLegacy, "trailing data"),
        ("block_tet4_ascii.vtu", Format::Vtu, "follow </VTKFile>"),
        ("block_tet4_appended.vtu", Format::Vtu, "follow </VTKFile>"),
    ] {
        let mut data = bytes(file);
        data.extend_from_slice(&garbage);
        rejected(&data, format, phrase);
    }
}

/// An LV with a per-cell fibre field, as MSH 4.1 ASCII (it ends with `$ElementData`).
fn lv_msh() -> Vec<u8> {
    let mesh = generate::lv(&LvParams { subdivisions: 2, layers: Some(1), order: Order::Linear, ..Default::default() })
        .unwrap();
    let mut out = Vec::new();
    io::write_msh41(&mesh, &mut out).unwrap();
    out
}

#[test]
fn msh41_cut_after_end_elements_loses_no_element_data_silently() {
    let data = lv_msh();
    let end = data.windows(13).position(|w| w == b"$EndElements\n").unwrap() + 13;
    assert!(data[end..].starts_with(b"$ElementData"));
    for cut in [end + 1, end + 5, end + 13, end + 40, data.len() - 20, data.len() - 3] {
        assert!(parse(&data[..cut], Format::Gmsh).is_err(), "cut at {cut} of {} was accepted", data.len());
    }
    let mut garbage = data.clone();
    garbage.extend_from_slice(b"trailing text\n");
    rejected(&garbage, Format::Gmsh, "outside a section");
}

#[test]
fn huge_but_finite_coordinates_are_named_as_overflow() {
    let t = text("tet10_single.msh");
    // Node 5 is a mid-edge node, node 2 a vertex.
    for (from, to) in [("0.5 0 0\n", "1e308 0 0\n"), ("1 0 0\n", "1e308 0 0\n")] {
        let e = rejected(replace_once(&t, from, to).as_bytes(), Format::Gmsh, "overflows");
        assert!(!e.contains("degenerate"), "{e}");
    }
}

#[test]
fn tetgen_counts_below_the_records_and_duplicate_face_ids_are_errors() {
    let parts = ["block_tetgen.node", "block_tetgen.ele", "block_tetgen.face"].map(text);
    let tetgen = |p: &[String; 3]| {
        io::parse_tetgen((p[0].as_bytes(), "n.node"), (p[1].as_bytes(), "e.ele"), Some((p[2].as_bytes(), "f.face")))
            .map_err(|e| e.to_string())
    };
    assert!(tetgen(&parts).is_ok());
    for (k, from, to) in [(0, "74  3", "73  3"), (1, "112  4", "111  4"), (2, "144  1", "143  1")] {
        let mut p = parts.clone();
        p[k] = replace_once(&p[k], from, to);
        let e = tetgen(&p).unwrap_err();
        assert!(e.contains("than the") && e.contains("the header"), "{e}");
    }
    let mut p = parts.clone();
    p[2] = replace_once(&p[2], "\n    2     21", "\n    1     21");
    assert!(tetgen(&p).unwrap_err().contains("face id 1 is defined twice"));
}

#[test]
fn abaqus_elset_naming_a_missing_element_is_an_error() {
    let t = text("block_tet4.inp");
    let at = t.find("*ELSET,ELSET=fixed\n").unwrap() + "*ELSET,ELSET=fixed\n".len();
    let bad = format!("{}987654, {}", &t[..at], &t[at..]);
    rejected(bad.as_bytes(), Format::Abaqus, "element set 'fixed' names element 987654");
}

// Item 12: control bytes and BOM.

#[test]
fn messages_escape_control_bytes() {
    let t = text("block_tet4_v22.msh");
    let bad = replace_once(&t, "$Nodes\n", "$Bo\x1b[31mgus\r\n$EndBo\x1b[31mgus\n$Nodes\n");
    let e = rejected(bad.as_bytes(), Format::Gmsh, "unknown section");
    assert!(!e.chars().any(char::is_control), "raw control bytes in: {e:?}");
    assert!(e.contains("\\u{1b}[31m"), "{e}");
}

#[test]
fn a_leading_utf8_bom_is_accepted() {
    for file in [
        "block_tet4.msh",
        "block_tet4_v22.msh",
        "block_tet4.vtk",
        "block_tet4_ascii.vtu",
        "block_tet4.inp",
        "block_tet4.mesh",
    ] {
        let format = Format::from_path(std::path::Path::new(file)).unwrap();
        let mut data = b"\xEF\xBB\xBF".to_vec();
        data.extend(bytes(file));
        let with = parse(&data, format).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(with.mesh, parse(&bytes(file), format).unwrap().mesh, "{file}");
    }
}

/// MSH 4.1 ASCII is streamed from disk: the file read from a path (with a byte order mark, as
/// some Windows editors write it) is the mesh parsed from its bytes, fields and errors alike.
#[test]
fn msh41_streamed_from_disk_equals_the_in_memory_parse() {
    let dir = tempfile::tempdir().unwrap();
    let data = lv_msh();
    let path = dir.path().join("lv.msh");
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend_from_slice(&data);
    std::fs::write(&path, &with_bom).unwrap();
    let opts = BuildOptions::default();
    let streamed = io::read_mesh(&path, &opts).unwrap();
    let in_memory = parse(&data, Format::Gmsh).unwrap();
    assert_eq!(streamed.mesh, in_memory.mesh);
    assert!(!streamed.mesh.cell_fields().is_empty(), "the fibre field was read");
    let cut = data.len() - 20;
    std::fs::write(&path, &data[..cut]).unwrap();
    let from_disk = io::read_mesh(&path, &opts).unwrap_err().to_string();
    let from_bytes = rejected(&data[..cut], Format::Gmsh, "truncated");
    assert_eq!(from_disk.replace(&path.display().to_string(), "case"), from_bytes);
}
