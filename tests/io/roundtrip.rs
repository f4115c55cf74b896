//! Writers: every reader's output survives MSH 4.1 and VTU round trips (cells, regions and their
//! names, surfaces, node sets, fields, source ids); writes are atomic.

use organ_twin::io::{self, Format, WriteError};
use organ_twin::mesh::generate::{self, LvParams, Order};
use organ_twin::mesh::{BuildOptions, Mesh};

use super::common::{face_set, read};

fn parse(bytes: &[u8], format: Format) -> Mesh {
    io::parse_mesh(bytes, format, "roundtrip", &BuildOptions::default()).unwrap_or_else(|e| panic!("{e}")).mesh
}

fn same_cells(a: &Mesh, b: &Mesh) {
    assert_eq!(a.nodes(), b.nodes(), "coordinates must survive exactly");
    assert_eq!(a.cell_count(), b.cell_count());
    for c in 0..a.cell_count() {
        assert_eq!(a.cell_type(c), b.cell_type(c));
        assert_eq!(a.cell_nodes(c), b.cell_nodes(c), "cell {c}");
    }
}

fn msh_roundtrip(m: &Mesh) -> Mesh {
    let mut buf = Vec::new();
    io::write_msh41(m, &mut buf).unwrap();
    parse(&buf, Format::Gmsh)
}

#[test]
fn msh41_keeps_everything() {
    let files = [
        "block_tet4.msh",
        "block_tet10_bin.msh",
        "block_tet4.inp",
        "block_tet10.vtk",
        "block_tet4_zlib.vtu",
        "block_tet4.mesh",
        "block_tetgen.ele",
        "implant_tet4.inp",
    ];
    for file in files {
        let a = read(file).mesh;
        let b = msh_roundtrip(&a);
        same_cells(&a, &b);
        assert_eq!(a.cell_regions(), b.cell_regions(), "{file}: region ids (all positive in the fixtures)");
        let names = |m: &Mesh| m.regions().iter().map(|r| r.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&a), names(&b), "{file}");
        for s in a.surfaces() {
            assert_eq!(face_set(&a, &s.name), face_set(&b, &s.name), "{file}: surface {}", s.name);
        }
        assert_eq!(a.cell_fields(), b.cell_fields(), "{file}");
        assert_eq!(a.node_fields(), b.node_fields(), "{file}");
        assert_eq!(a.node_sets(), b.node_sets(), "{file}: node sets (physical point groups)");
    }
}

fn vtu_roundtrip(m: &Mesh, options: Option<&io::VtuOptions>) -> (Vec<u8>, Mesh) {
    let mut buf = Vec::new();
    match options {
        None => io::write_vtu(m, &mut buf).unwrap(),
        Some(o) => io::write_vtu_with_options(m, &[], &[], o, &mut buf).unwrap(),
    }
    let back = parse(&buf, Format::Vtu);
    (buf, back)
}

/// The XML part of a VTU file (before its raw appended bytes).
fn vtu_header(bytes: &[u8]) -> String {
    let end = bytes.windows(13).position(|w| w == b"<AppendedData").unwrap_or(bytes.len());
    String::from_utf8(bytes[..end].to_vec()).expect("the XML header is text")
}

#[test]
fn vtu_keeps_region_names_surfaces_node_sets_and_ids_raw_and_zlib() {
    let zlib = io::VtuOptions { compression: io::VtuCompression::Zlib, sets: true };
    for file in ["block_tet4.msh", "implant_tet4.inp", "block_tet10_bin.msh", "block_tet4_zlib.vtu"] {
        let a = read(file).mesh;
        for options in [None, Some(&zlib)] {
            let (bytes, b) = vtu_roundtrip(&a, options);
            let what = format!("{file} ({options:?})");
            same_cells(&a, &b);
            assert_eq!(a.cell_regions(), b.cell_regions(), "{what}");
            assert_eq!(a.regions(), b.regions(), "{what}: region ids and names");
            let names = |m: &Mesh| m.surfaces().iter().map(|s| s.name.clone()).collect::<Vec<_>>();
            assert_eq!(names(&a), names(&b), "{what}");
            for s in a.surfaces() {
                assert_eq!(face_set(&a, &s.name), face_set(&b, &s.name), "{what}: surface {}", s.name);
            }
            assert_eq!(a.node_sets(), b.node_sets(), "{what}");
            assert_eq!(a.node_ids(), b.node_ids(), "{what}: source node ids survive (node_id array)");
            assert_eq!(a.cell_ids(), b.cell_ids(), "{what}: source cell ids survive (cell_id array)");
            assert_eq!(a.cell_fields(), b.cell_fields(), "{what}");
            assert_eq!(a.node_fields(), b.node_fields(), "{what}");
            let header = vtu_header(&bytes);
            let raw = br#"<AppendedData encoding="raw">"#;
            assert!(bytes.windows(raw.len()).any(|w| w == raw), "{what}: appended raw data");
            assert_eq!(header.contains("vtkZLibDataCompressor"), options.is_some(), "{what}");
        }
    }
}

#[test]
fn result_vtu_uses_int64_topology_raw_appended_data_and_source_ids() {
    let m = read("implant_tet4.inp").mesh;
    let u: Vec<f64> = (0..3 * m.nodes().len()).map(|i| i as f64 * 0.5).collect();
    let point = [organ_twin::mesh::Field { name: "displacement".into(), components: 3, values: u.clone() }];
    let s: Vec<f64> = (0..m.cell_count()).map(|c| c as f64).collect();
    let cell = [organ_twin::mesh::Field { name: "von_mises".into(), components: 1, values: s }];
    let mut buf = Vec::new();
    io::write_vtu_with(&m, &point, &cell, &mut buf).unwrap();
    let header = vtu_header(&buf);
    for needle in [
        r#"<DataArray type="Int64" Name="connectivity" format="appended""#,
        r#"<DataArray type="Int64" Name="offsets" format="appended""#,
        r#"<DataArray type="UInt8" Name="types" format="appended""#,
        r#"<DataArray type="Int64" Name="node_id" format="appended""#,
        r#"<DataArray type="Int64" Name="cell_id" format="appended""#,
        r#"<DataArray type="Int32" Name="region" format="appended""#,
        r#"Name="displacement" NumberOfComponents="3""#,
        r#"header_type="UInt64""#,
        r#"Name="bone" NumberOfTuples="2" format="ascii">2 3<"#,
    ] {
        assert!(header.contains(needle), "missing {needle} in\n{header}");
    }
    assert!(!header.contains("UInt64\" Name"), "no UInt64 arrays:\n{header}");
    // A result holds the volume cells only, and reads back with its ids and fields.
    let back = parse(&buf, Format::Vtu);
    assert_eq!(back.cell_count(), m.cell_count());
    assert_eq!(back.node_ids(), m.node_ids());
    assert_eq!(back.node_fields()[0].values, u);
    // About 8 bytes per value and no text encoding: far below the 260 bytes per cell of inline
    // base64 (3 doubles per node, 1 per cell here, plus topology and ids).
    let per_cell = buf.len() as f64 / m.cell_count() as f64;
    assert!(per_cell < 120.0, "{per_cell} bytes per cell");
}

#[test]
fn generated_lv_with_fibres_round_trips_through_msh_and_vtu() {
    let m =
        generate::lv(&LvParams { order: Order::Quadratic, subdivisions: 4, layers: Some(2), ..LvParams::default() })
            .unwrap();
    let b = msh_roundtrip(&m);
    same_cells(&m, &b);
    assert_eq!(b.cell_fields(), m.cell_fields(), "the fibre field survives MSH exactly");
    for s in ["endo", "epi", "base"] {
        assert_eq!(b.surface(s).unwrap().faces, m.surface(s).unwrap().faces);
    }
    let mut vtu = Vec::new();
    io::write_vtu(&m, &mut vtu).unwrap();
    let v = parse(&vtu, Format::Vtu);
    same_cells(&m, &v);
    assert_eq!(v.cell_regions(), m.cell_regions());
    let fiber = v.cell_fields().iter().find(|f| f.name == "fiber").expect("fiber array in the VTU");
    assert_eq!(fiber, &m.cell_fields()[0]);
}

#[test]
fn files_are_written_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let m = read("block_tet4.msh").mesh;
    for ext in ["msh", "vtu"] {
        let path = dir.path().join(format!("out.{ext}"));
        io::write_mesh(&m, &path).unwrap();
        let back = io::read_mesh(&path, &BuildOptions::default()).unwrap().mesh;
        same_cells(&m, &back);
    }
    // A writer that fails half-way leaves neither the destination nor a temporary file.
    let path = dir.path().join("failed.msh");
    let err = io::write_atomic(&path, |w| {
        w.write_all(b"$MeshFormat\n")?;
        Err(std::io::Error::other("disk full"))
    })
    .unwrap_err();
    assert!(err.to_string().contains("disk full"));
    assert!(!path.exists());
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left.len(), 2, "only out.msh and out.vtu remain: {left:?}");
    // Unknown extensions and missing folders are clear errors.
    assert!(matches!(io::write_mesh(&m, &dir.path().join("x.stl")), Err(WriteError::UnknownFormat { .. })));
    let missing = dir.path().join("no/such/folder/x.msh");
    let err = io::write_mesh(&m, &missing).unwrap_err();
    assert!(matches!(err, WriteError::Io { .. }) && err.to_string().contains("no/such/folder"), "{err}");
}
