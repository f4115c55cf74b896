//! Every reader on files written by the real tools, against the counts gmsh reported when it
//! wrote them (`tests/fixtures/expected.json`) and the exact geometry of the 2 × 1 × 1 block.

use organ_twin::mesh::cell::TET_EDGES;
use organ_twin::mesh::CellType;
use serde_json::Value;

use super::common::{face_set, read, region_cells, region_id};

fn expected(key: &str) -> Value {
    let all: Value = serde_json::from_str(include_str!("../fixtures/expected.json")).unwrap();
    all[key].clone()
}

fn count(v: &Value, path: &[&str]) -> usize {
    let mut v = v;
    for k in path {
        v = &v[*k];
    }
    v.as_u64().unwrap_or_else(|| panic!("expected.json has no {path:?}")) as usize
}

/// The block's surfaces are named differently by each format; `names` maps fixed, loaded.
fn check_block(file: &str, kind: CellType, names: [&str; 2], region: Option<&str>) {
    let key = if kind == CellType::Tet4 { "block_tet4" } else { "block_tet10" };
    let e = expected(key);
    let m = read(file).mesh;
    assert_eq!(m.nodes().len(), count(&e, &["nodes"]), "{file}: nodes");
    assert_eq!(m.cell_count(), count(&e, &["cells"]), "{file}: cells");
    assert_eq!(m.cell_types_present(), vec![kind], "{file}");
    match region {
        Some(name) => assert_eq!(region_cells(&m, region_id(&m, name)), count(&e, &["regions", name]), "{file}"),
        None => assert_eq!(m.regions().len(), 1, "{file}"),
    }
    // The block is meshed exactly: volume 2, end faces of area 1 (planar faces, so exact).
    assert!((m.volume() - 2.0).abs() < 1e-12, "{file}: volume {}", m.volume());
    for (name, gmsh_name) in names.iter().zip(["fixed", "loaded"]) {
        let s = m.surface(name).unwrap_or_else(|| panic!("{file}: surface {name} missing"));
        assert_eq!(s.faces.len(), count(&e, &["surfaces", gmsh_name]), "{file}: {name}");
        assert!((m.surface_area(s) - 1.0).abs() < 1e-12, "{file}: area of {name}");
    }
}

#[test]
fn gmsh_41_ascii_and_binary_and_22() {
    for kind in [CellType::Tet4, CellType::Tet10] {
        let t = kind.name();
        for file in [format!("block_{t}.msh"), format!("block_{t}_bin.msh"), format!("block_{t}_v22.msh")] {
            check_block(&file, kind, ["fixed", "loaded"], Some("tissue"));
        }
    }
}

#[test]
fn vtk_legacy_and_vtu_in_every_encoding() {
    let names = ["surface_10", "surface_11"];
    for file in [
        "block_tet4.vtk",
        "block_tet4_ascii.vtu",
        "block_tet4_inline.vtu",
        "block_tet4_appended.vtu",
        "block_tet4_zlib.vtu",
    ] {
        check_block(file, CellType::Tet4, names, None);
        assert!(read(file).mesh.cell_fields().iter().any(|f| f.name == "CellEntityIds"), "{file}");
    }
    for file in ["block_tet10.vtk", "block_tet10_zlib.vtu"] {
        check_block(file, CellType::Tet10, names, None);
    }
}

#[test]
fn abaqus_and_medit() {
    check_block("block_tet4.inp", CellType::Tet4, ["fixed", "loaded"], Some("tissue"));
    check_block("block_tet10.inp", CellType::Tet10, ["fixed", "loaded"], Some("tissue"));
    // Medit carries references, not names: gmsh wrote the two surface entities as refs 1 and 2.
    check_block("block_tet4.mesh", CellType::Tet4, ["ref_1", "ref_2"], None);
    let inp = read("block_tet4.inp").mesh;
    let sets: Vec<&str> = inp.node_sets().iter().map(|s| s.name.as_str()).collect();
    assert_eq!(sets, ["fixed", "loaded", "tissue"]);
}

#[test]
fn the_same_mesh_from_every_format_has_the_same_surfaces() {
    let reference = read("block_tet4_v22.msh").mesh;
    for (file, name) in [
        ("block_tet4.msh", "fixed"),
        ("block_tet4.inp", "fixed"),
        ("block_tet4_zlib.vtu", "surface_10"),
        ("block_tet4.mesh", "ref_1"),
    ] {
        let m = read(file).mesh;
        // Gmsh prints 14 significant digits in .inp/.mesh and 16 in .msh: equal to 1e-12.
        assert_eq!(m.nodes().len(), reference.nodes().len(), "{file}");
        let worst = m
            .nodes()
            .iter()
            .zip(reference.nodes())
            .flat_map(|(a, b)| (0..3).map(move |k| (a[k] - b[k]).abs()))
            .fold(0.0, f64::max);
        assert!(worst < 1e-12, "{file}: node coordinates differ by up to {worst}");
        assert_eq!(face_set(&m, name), face_set(&reference, "fixed"), "{file}");
    }
}

#[test]
fn implant_two_regions_and_interface() {
    let e = expected("implant_tet4");
    for file in ["implant_tet4.msh", "implant_tet4_v22.msh", "implant_tet4.inp"] {
        let m = read(file).mesh;
        assert_eq!(m.cell_count(), count(&e, &["cells"]), "{file}");
        for name in ["implant", "bone"] {
            assert_eq!(region_cells(&m, region_id(&m, name)), count(&e, &["regions", name]), "{file}: {name}");
        }
        for name in ["interface", "bone_bottom"] {
            assert_eq!(m.surface(name).unwrap().faces.len(), count(&e, &["surfaces", name]), "{file}: {name}");
        }
        assert!((m.volume() - 8.0).abs() < 1e-12, "{file}");
        assert!((m.surface_area(m.surface("bone_bottom").unwrap()) - 4.0).abs() < 1e-12);
        // Interface: lateral cylinder wall and its top disk (r = 0.3, h = 1.5). The coarse mesh's
        // chords cut the circle, so the faceted area is a few percent smaller.
        let exact = 2.0 * std::f64::consts::PI * 0.3 * 1.5 + std::f64::consts::PI * 0.09;
        let a = m.surface_area(m.surface("interface").unwrap());
        assert!(a < exact && a > 0.95 * exact, "{file}: interface area {a} vs {exact}");
    }
}

#[test]
fn tetgen_one_and_zero_based() {
    let one = read("block_tetgen.ele").mesh;
    let zero = read("block_tetgen0.node").mesh;
    let header = |f: &str| -> usize {
        let t = std::fs::read_to_string(super::common::fixture(f)).unwrap();
        t.split_whitespace().next().unwrap().parse().unwrap()
    };
    assert_eq!(one.cell_count(), header("block_tetgen.ele"));
    assert_eq!(one.nodes().len(), header("block_tetgen.node"));
    assert_eq!(zero.cell_count(), header("block_tetgen0.ele"));
    assert_eq!(one.regions()[0].id, 7, "region attribute of the .poly file");
    for m in [&one, &zero] {
        assert!((m.volume() - 2.0).abs() < 1e-12);
        for (marker, area) in [("marker_1", 1.0), ("marker_2", 1.0), ("marker_3", 8.0)] {
            assert!((m.surface_area(m.surface(marker).unwrap()) - area).abs() < 1e-12, "{marker}");
        }
    }
}

/// A single straight Tet10 written by gmsh in each format's own node convention: after import,
/// internal node 4 + k must sit at the midpoint of edge `TET_EDGES[k]`.
#[test]
fn tet10_node_order_is_converted_from_each_convention() {
    for file in ["tet10_single.msh", "tet10_single_v22.msh", "tet10_single.vtk", "tet10_single.inp"] {
        let m = read(file).mesh;
        assert_eq!(m.cell_count(), 1, "{file}");
        let x = m.cell_coords(0);
        for (k, [a, b]) in TET_EDGES.iter().enumerate() {
            let mid: Vec<f64> = (0..3).map(|i| 0.5 * (x[*a][i] + x[*b][i])).collect();
            assert_eq!(x[4 + k].to_vec(), mid, "{file}: node {} is not on edge {a}-{b}", 4 + k);
        }
        assert!((m.volume() - 1.0 / 6.0).abs() < 1e-15, "{file}");
    }
}
