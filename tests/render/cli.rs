//! `organ-twin render` on a result VTU: the picture it writes, and clear errors (exit codes of
//! `cli`, nothing written) for a bad field, a missing file, a bad size or output name, no GPU.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use organ_twin::mesh::generate::Order;
use organ_twin::mesh::Field;

use crate::common::{cube, decode_png, linear_fields, renderer};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_organ-twin")).args(args).output().expect("the binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A result-shaped VTU (point `displacement` and `von_mises`, cell `von_mises`) of a small cube.
fn result_vtu(dir: &Path) -> PathBuf {
    let mesh = cube(3, Order::Quadratic);
    let mut point = linear_fields(&mesh, [1e-3, 0.0, -2e-3]);
    point[0].name = "von_mises".into();
    let cell = vec![Field {
        name: "von_mises".into(),
        components: 1,
        values: (0..mesh.cell_count()).map(|c| c as f64).collect(),
    }];
    let path = dir.join("result.vtu");
    let mut file = std::fs::File::create(&path).expect("a temporary file");
    organ_twin::io::write_vtu_with(&mesh, &point, &cell, &mut file).expect("writes the VTU");
    path
}

fn str(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temporary path")
}

#[test]
fn render_writes_a_png_of_the_asked_size_for_each_view() {
    if renderer().is_none() {
        return;
    }
    let dir = tempfile::tempdir().expect("a temporary folder");
    let vtu = result_vtu(dir.path());
    for (view, field, extra) in [
        ("iso", "von_mises", vec!["--deformed", "50", "--units", "MPa"]),
        ("front", "cell:von_mises", vec![]),
        ("side", "displacement", vec!["--units", "m"]),
        ("top", "displacement", vec!["--component", "2"]),
    ] {
        let out = dir.path().join(format!("{view}.png"));
        let mut args =
            vec!["render", str(&vtu), "--field", field, "--view", view, "--size", "320x240", "-o", str(&out)];
        args.extend(extra);
        let o = run(&args);
        assert!(o.status.success(), "{view}: {}", stderr(&o));
        let (w, h, pixels) = decode_png(&std::fs::read(&out).expect("the picture exists"));
        assert_eq!((w, h), (320, 240), "{view}");
        assert!(pixels.chunks(4).any(|p| p[..3] != [255, 255, 255]), "{view}: something is drawn");
    }
}

#[test]
fn render_draws_the_result_of_a_run_of_the_bundled_implant() {
    if renderer().is_none() {
        return;
    }
    let dir = tempfile::tempdir().expect("a temporary folder");
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("meshes/scenarios/implant_in_bone.toml");
    let out = dir.path().join("implant");
    let o = run(&["run", str(&scenario), "-o", str(&out), "--backend", "cpu", "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let picture = dir.path().join("vm.png");
    let vtu = out.join("result.vtu");
    let o = run(&[
        "render",
        str(&vtu),
        "--field",
        "cell:von_mises",
        "--units",
        "MPa",
        "--deformed",
        "200",
        "-o",
        str(&picture),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("1200x900"), "{}", String::from_utf8_lossy(&o.stdout));
    let (w, h, _) = decode_png(&std::fs::read(&picture).expect("the picture exists"));
    assert_eq!((w, h), (1200, 900));
}

#[test]
fn render_refuses_bad_input_with_a_clear_message_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let vtu = result_vtu(dir.path());
    let out = dir.path().join("picture.png");
    let cases: [(Vec<&str>, u8, &str); 6] = [
        (vec!["--field", "nope"], 65, "available: point:von_mises (1), point:displacement (3), cell:von_mises (1)"),
        (vec!["--field", "von_mises", "--component", "3"], 65, "component 3 does not exist"),
        (vec!["--size", "12x"], 2, "is not WIDTHxHEIGHT"),
        (vec!["--size", "10x10"], 2, "each side must be 64 to 8192 pixels"),
        (vec!["--view", "back"], 2, "one of iso, front, side, top"),
        (vec!["--deformed", "inf"], 2, "a finite number"),
    ];
    for (extra, code, message) in cases {
        let mut args = vec!["render", str(&vtu), "-o", str(&out)];
        args.extend(&extra);
        let o = run(&args);
        assert_eq!(o.status.code(), Some(code as i32), "{extra:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(message), "{extra:?}: {}", stderr(&o));
        assert!(!out.exists(), "{extra:?} wrote a picture");
    }
    let o = run(&["render", str(&dir.path().join("missing.vtu")), "-o", str(&out)]);
    assert_eq!(o.status.code(), Some(66), "{}", stderr(&o));
    assert!(stderr(&o).contains("missing.vtu"), "{}", stderr(&o));
    let o = run(&["render", str(&vtu), "-o", str(&dir.path().join("picture.jpg"))]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("PNG"), "{}", stderr(&o));
    assert!(std::fs::read_dir(dir.path()).expect("lists").count() == 1, "only the VTU is there");
}

#[test]
fn render_without_a_gpu_exits_69_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let vtu = result_vtu(dir.path());
    let out = dir.path().join("picture.png");
    let o = Command::new(env!("CARGO_BIN_EXE_organ-twin"))
        .args(["render", str(&vtu), "-o", str(&out)])
        .env("VK_ICD_FILENAMES", "/nonexistent/icd.json")
        .env("VK_DRIVER_FILES", "/nonexistent/icd.json")
        .output()
        .expect("the binary runs");
    assert_eq!(o.status.code(), Some(69), "{}", stderr(&o));
    assert!(stderr(&o).contains("GPU adapter"), "{}", stderr(&o));
    assert!(!out.exists());
}
