//! Bad input gets a clear error naming the file, the position and the entity; never a panic,
//! never a partial mesh.

use organ_twin::io::{self, Format};
use organ_twin::mesh::{BuildOptions, MeshWarning};

use super::common::fixture;

fn error_of(file: &str) -> String {
    match io::read_mesh(&fixture(file), &BuildOptions::default()) {
        Ok(_) => panic!("{file} must be rejected"),
        Err(e) => e.to_string(),
    }
}

/// 1-based number of the first line of `file` satisfying `pred`.
fn line_of(file: &str, pred: impl Fn(&str) -> bool) -> usize {
    let text = std::fs::read_to_string(fixture(file)).unwrap();
    text.lines().position(pred).unwrap() + 1
}

#[test]
fn each_malformed_fixture_names_file_position_and_problem() {
    let cases: [(&str, &str, &str); 24] = [
        ("bad/v41_inverted.msh", ": line ", "1 of 1122 cells are inverted"),
        // Inputs on which `cargo fuzz` made vtkio panic; they must be clean errors.
        ("bad/fuzz_cells_overrun.vtk", "", "announces 311 points but the list ends first"),
        ("bad/fuzz_appended_offset.vtu", "", "the parser failed on malformed data"),
        ("bad/block_tet4_bin_truncated.msh", ": byte ", "looks truncated"),
        ("bad/block_tet4_truncated.msh", ": line ", "looks truncated"),
        ("bad/block_tet4_v22_truncated.msh", ": line ", "it is truncated"),
        ("bad/block_tet4_truncated.inp", ": line ", "expected 4 node ids"),
        ("bad/block_tet4_truncated.mesh", ": line ", "it is truncated"),
        ("bad/block_tet4_truncated.vtk", ": line ", "it is truncated"),
        ("bad/block_tet4_zlib_truncated.vtu", "", "truncated"),
        ("bad/inp_missing_node.inp", ": line ", "cell 999999 references node 123456"),
        ("bad/inp_nan.inp", ": line 4:", "node 1 has a non-finite coordinate"),
        ("bad/inp_unknown_type.inp", ": line ", "C3D15 is not supported"),
        ("bad/mesh_index_zero.mesh", ": line ", "vertex index 0"),
        ("bad/tetgen_out_of_range.ele", ": line 2:", "references node 99999"),
        ("bad/v22_all_inverted.msh", ": line ", "1122 of 1122 cells are inverted"),
        ("bad/v22_inverted.msh", ": line ", "1 of 1122 cells are inverted"),
        ("bad/v22_degenerate.msh", ": line ", "is degenerate"),
        ("bad/v22_duplicate_node.msh", ": line ", "node id 1 is defined twice"),
        ("bad/v22_missing_node.msh", ": line ", "references node 99999"),
        ("bad/v22_nan_coordinate.msh", ": line ", "has a non-finite coordinate"),
        ("bad/v22_stray_face.msh", ": line ", "is not a face of any volume cell"),
        ("bad/v22_unknown_section.msh", ": line 4:", "unknown section $Bogus"),
        ("bad/v22_unknown_type.msh", ": line ", "unknown element type 93"),
    ];
    for (file, position, phrase) in cases {
        let e = error_of(file);
        assert!(e.contains(file), "{file}: message must name the file: {e}");
        assert!(e.contains(position), "{file}: message must give the position: {e}");
        assert!(e.contains(phrase), "{file}: expected '{phrase}' in: {e}");
    }
}

#[test]
fn positions_point_at_the_offending_line() {
    let file = "bad/v22_duplicate_node.msh";
    let first_node = line_of(file, |l| l == "$Nodes") + 2;
    assert!(error_of(file)
        .contains(&format!("line {}: node id 1 is defined twice (first at line {first_node})", first_node + 1)));
    // MSH 4.1 goes through mshio, which keeps no positions; the ASCII line index restores them.
    let file = "bad/v41_inverted.msh";
    // The first tet is the first five-field line (tag + 4 nodes) after $Elements.
    let elements = line_of(file, |l| l == "$Elements");
    let text = std::fs::read_to_string(fixture(file)).unwrap();
    let first_tet = elements + text.lines().skip(elements).position(|l| l.split_whitespace().count() == 5).unwrap() + 1;
    assert!(error_of(file).contains(&format!("line {first_tet}: cell")), "{}", error_of(file));
    let file = "bad/v22_all_inverted.msh";
    let first_tet = line_of(file, |l| l.split_whitespace().nth(1) == Some("4"));
    assert!(error_of(file).contains(&format!("line {first_tet}: cell")), "{}", error_of(file));
}

#[test]
fn consistently_inverted_files_can_be_repaired() {
    let opts = BuildOptions { fix_orientation: true, ..BuildOptions::default() };
    let imported = io::read_mesh(&fixture("bad/v22_all_inverted.msh"), &opts).unwrap();
    assert!((imported.mesh.volume() - 2.0).abs() < 1e-12);
    assert!(imported.warnings.contains(&MeshWarning::Reoriented { count: 1122 }));
    assert!(imported.mesh.surface("fixed").is_some(), "surfaces are resolved after re-orientation");
}

/// Formats that declare their counts: any cut before the end must be detected, never read as a
/// smaller mesh. (Abaqus declares no counts, so a cut at a line boundary cannot be detected;
/// its cuts are only checked not to panic.)
#[test]
fn truncation_anywhere_is_an_error() {
    let counted = [
        "block_tet4.msh",
        "block_tet4_bin.msh",
        "block_tet4_v22.msh",
        "block_tet10.msh",
        "block_tet4.mesh",
        "block_tet4.vtk",
        "block_tet4_ascii.vtu",
        "block_tet4_appended.vtu",
        "block_tet4_zlib.vtu",
    ];
    for file in counted.iter().chain(["block_tet4.inp", "block_tet10.inp"].iter()) {
        let bytes = std::fs::read(fixture(file)).unwrap();
        let format = Format::from_path(std::path::Path::new(file)).unwrap();
        for k in 1..38 {
            let cut = bytes.len() * k / 40;
            let result = io::parse_mesh(&bytes[..cut], format, file, &BuildOptions::default());
            if counted.contains(file) {
                assert!(result.is_err(), "{file} cut at byte {cut} of {} was accepted", bytes.len());
            }
        }
    }
}
