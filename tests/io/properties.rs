//! Property tests: no reader panics on arbitrary bytes, on bytes behind a valid header, or on
//! real files with random edits (byte flips, deletions, duplicated ranges, extreme numbers).

use organ_twin::io::{self, Format};
use organ_twin::mesh::BuildOptions;
use proptest::collection::vec;
use proptest::prelude::*;

use super::common::fixture;

const FORMATS: [Format; 5] = [Format::Gmsh, Format::VtkLegacy, Format::Vtu, Format::Abaqus, Format::Medit];

const HEADERS: [&[u8]; 8] = [
    b"",
    b"$MeshFormat\n4.1 0 8\n$EndMeshFormat\n",
    b"$MeshFormat\n4.1 1 8\n\x01\x00\x00\x00\n$EndMeshFormat\n",
    b"$MeshFormat\n2.2 0 8\n$EndMeshFormat\n$Nodes\n",
    b"# vtk DataFile Version 2.0\nx\nASCII\nDATASET UNSTRUCTURED_GRID\nPOINTS ",
    b"<?xml version=\"1.0\"?>\n<VTKFile type=\"UnstructuredGrid\" version=\"1.0\" byte_order=\"LittleEndian\">\n<AppendedData encoding=\"raw\">\n_",
    b"*NODE\n1, 0, 0, 0\n*ELEMENT, TYPE=C3D4\n",
    b"MeshVersionFormatted 2\nDimension 3\nVertices\n",
];

const FIXTURES: [&str; 12] = [
    "block_tet4.msh",
    "block_tet4_bin.msh",
    "block_tet10_v22.msh",
    "block_tet4.vtk",
    "block_tet4_ascii.vtu",
    "block_tet4_inline.vtu",
    "block_tet4_appended.vtu",
    "block_tet4_zlib.vtu",
    "block_tet4.inp",
    "block_tet4.mesh",
    "implant_tet4.inp",
    "tet10_single.msh",
];

const TOKENS: [&[u8]; 8] =
    [b" 18446744073709551615 ", b" -1 ", b" 0 ", b" nan ", b" 1e308 ", b"\n$EndNodes\n", b",,,", b"\x00\xff"];

fn parse_all(bytes: &[u8]) {
    let opts = BuildOptions::default();
    for f in FORMATS {
        let _ = io::parse_mesh(bytes, f, "fuzz", &opts);
    }
    let _ = io::parse_tetgen((bytes, "fuzz.node"), (bytes, "fuzz.ele"), Some((bytes, "fuzz.face")));
}

fn mutate(mut bytes: Vec<u8>, edits: &[(u32, u8, u8)]) -> Vec<u8> {
    for &(pos, value, op) in edits {
        let at = if bytes.is_empty() { 0 } else { pos as usize % bytes.len() };
        match op % 5 {
            0 if !bytes.is_empty() => bytes[at] = value,
            1 => bytes.insert(at, value),
            2 => {
                let end = (at + 1 + value as usize).min(bytes.len());
                bytes.drain(at..end);
            }
            3 => {
                let end = (at + 1 + value as usize).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                bytes.splice(at..at, copy);
            }
            _ => {
                let t = TOKENS[value as usize % TOKENS.len()];
                bytes.splice(at..at, t.iter().copied());
            }
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(header in 0..HEADERS.len(), tail in vec(any::<u8>(), 0..2048)) {
        let mut bytes = HEADERS[header].to_vec();
        bytes.extend(tail);
        parse_all(&bytes);
    }

    #[test]
    fn edited_real_files_never_panic(file in 0..FIXTURES.len(), edits in vec((any::<u32>(), any::<u8>(), any::<u8>()), 1..6)) {
        let name = FIXTURES[file];
        let original = std::fs::read(fixture(name)).unwrap();
        let bytes = mutate(original, &edits);
        let format = Format::from_path(std::path::Path::new(name)).unwrap();
        let _ = io::parse_mesh(&bytes, format, name, &BuildOptions::default());
    }

    #[test]
    fn edited_tetgen_files_never_panic(edits in vec((any::<u32>(), any::<u8>(), any::<u8>()), 1..6), which in 0..3usize) {
        let mut parts: Vec<Vec<u8>> = ["block_tetgen.node", "block_tetgen.ele", "block_tetgen.face"]
            .iter()
            .map(|f| std::fs::read(fixture(f)).unwrap())
            .collect();
        parts[which] = mutate(std::mem::take(&mut parts[which]), &edits);
        if let Ok(raw) = io::parse_tetgen((&parts[0], "n"), (&parts[1], "e"), Some((&parts[2], "f"))) {
            let _ = io::validate(raw, Format::TetGen, "e", &BuildOptions::default());
        }
    }
}
