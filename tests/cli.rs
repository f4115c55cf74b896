//! The `organ-twin` binary: commands, exit codes, JSON output and the default job.

use std::path::PathBuf;
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_organ-twin")).args(args).output().expect("the binary runs")
}

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name).display().to_string()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn default_job_summarises_the_bundled_left_ventricle() {
    let o = run(&[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    for expected in ["lv_coarse.msh", "myocardium", "endo", "epi", "base", "fiber"] {
        assert!(out.contains(expected), "missing '{expected}' in:\n{out}");
    }
}

#[test]
fn info_json_has_counts_names_and_areas() {
    let o = run(&["info", "--json", &fixture("implant_tet4.msh")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    assert_eq!(v["format"], "Gmsh MSH");
    assert_eq!(v["cells"], 1412);
    assert_eq!(v["nodes"], 393);
    let regions: Vec<&str> = v["regions"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(regions, ["implant", "bone"]);
    let bottom = v["surfaces"].as_array().unwrap().iter().find(|s| s["name"] == "bone_bottom").unwrap();
    assert!((bottom["area"].as_f64().unwrap() - 4.0).abs() < 1e-12);
    assert!((v["volume"].as_f64().unwrap() - 8.0).abs() < 1e-12);
    assert!(v["quality"]["min_scaled_jacobian"].as_f64().unwrap() > 0.0);
}

#[test]
fn info_text_on_each_format() {
    for (file, name) in [
        ("block_tet4_v22.msh", "tissue"),
        ("block_tet10.inp", "loaded"),
        ("block_tet4_zlib.vtu", "surface_11"),
        ("block_tet4.mesh", "ref_2"),
        ("block_tetgen.node", "marker_3"),
    ] {
        let o = run(&["info", &fixture(file)]);
        assert!(o.status.success(), "{file}: {}", stderr(&o));
        let out = stdout(&o);
        assert!(out.contains(name) && out.contains("volume        2\n"), "{file}:\n{out}");
    }
}

#[test]
fn bad_input_exits_65_with_the_file_and_line_and_no_panic() {
    for file in [
        "bad/v22_inverted.msh",
        "bad/block_tet4_truncated.mesh",
        "bad/inp_unknown_type.inp",
        "bad/block_tet4_zlib_truncated.vtu",
    ] {
        let o = run(&["info", &fixture(file)]);
        assert_eq!(o.status.code(), Some(65), "{file}");
        let err = stderr(&o);
        assert!(err.starts_with("error: ") && err.contains(file), "{file}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(o.stdout.is_empty(), "no partial report on stdout");
    }
    let o = run(&["info", "--json", &fixture("block_tetgen.node")]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["format"], "TetGen", "the format comes from the reader, not a guess");
    let o = run(&["info", "/no/such/mesh.msh"]);
    assert_eq!(o.status.code(), Some(66));
    let o = run(&["info", &fixture("make_fixtures.py")]);
    assert_eq!(o.status.code(), Some(65));
    assert!(stderr(&o).contains("unknown mesh format"));
    let o = run(&["info"]);
    assert_eq!(o.status.code(), Some(2), "usage errors exit 2");
    let o = run(&["--help"]);
    assert!(o.status.success() && stdout(&o).contains("mesh"));
}

#[test]
fn mesh_then_convert_then_info() {
    let dir = tempfile::tempdir().unwrap();
    let msh = dir.path().join("lv.msh").display().to_string();
    let o = run(&["mesh", "lv", "--subdivisions", "4", "--layers", "2", "--order", "2", "-o", &msh]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("analytic"), "{}", stdout(&o));
    let vtu = dir.path().join("lv.vtu").display().to_string();
    let o = run(&["--quiet", "convert", &msh, &vtu]);
    assert!(o.status.success() && o.stdout.is_empty(), "{}", stderr(&o));
    let o = run(&["info", "--json", &vtu]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["cell_types"][0]["cell_type"], "tet10");
    assert!(v["cell_fields"].as_array().unwrap().iter().any(|f| f["name"] == "fiber"));
    for shape in [["beam", "--divisions", "4,1,1"], ["sphere", "--subdivisions", "2"], ["implant", "--layers", "2"]] {
        let out = dir.path().join(format!("{}.msh", shape[0])).display().to_string();
        let o = run(&["mesh", shape[0], shape[1], shape[2], "-o", &out]);
        assert!(o.status.success(), "{shape:?}: {}", stderr(&o));
    }
    let o = run(&["mesh", "sphere", "--inner", "3", "--outer", "2", "-o", &msh]);
    assert_eq!(o.status.code(), Some(2), "outer radius below inner radius is a usage error");
    let o = run(&["convert", &msh, &dir.path().join("x.stl").display().to_string()]);
    assert_eq!(o.status.code(), Some(65));
}
