//! Writers: every reader's output survives MSH 4.1 and VTU round trips; writes are atomic.

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
    }
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
