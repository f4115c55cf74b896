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

fn run_in(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_organ-twin")).current_dir(dir).args(args).output().expect("the binary runs")
}

fn scenario(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("meshes/scenarios").join(name).display().to_string()
}

/// `bench --heartbeat` on the default job's mesh: the calibration's inflations (the later ones
/// warm-started, so cheaper than the first) and one beat, as text and JSON; the GPU row only on
/// a hardware adapter (lavapipe is not one: the note says so). Default meshes missing (run away
/// from the repository root) fail before any solve, naming --lv-meshes.
#[test]
fn bench_heartbeat_measures_the_calibration_and_one_beat() {
    let dir = tempfile::tempdir().unwrap();
    let mesh = format!("{}/meshes/lv_beat_tet10.msh", env!("CARGO_MANIFEST_DIR"));
    let o = run_in(dir.path(), &["bench", "--heartbeat", "--lv-meshes", &mesh, "--json", "b.json", "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("calibration: scale") && stdout(&o).contains("beat: 40 steps"), "{}", stdout(&o));
    let j: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("b.json")).unwrap()).unwrap();
    let cases = j["cases"].as_array().unwrap();
    let cpu = cases.iter().find(|c| c["backend"] == "cpu").expect("a CPU row");
    assert_eq!(cpu["dofs"], 3609);
    assert_eq!(cpu["beat_steps"], 40);
    let its: Vec<u64> =
        cpu["inflation_newton_iterations"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
    assert_eq!(its.len() as u64, cpu["inflations"].as_u64().unwrap());
    assert!(its.len() >= 2 && its[1..].iter().all(|&n| n < its[0]), "warm starts are cheaper: {its:?}");
    let ef = cpu["ejection_fraction_pct"].as_f64().unwrap();
    assert!((50.0..=75.0).contains(&ef), "EF {ef}");
    if cases.len() == 1 {
        assert!(j["gpu_note"].as_str().unwrap().contains("no hardware GPU"), "{j}");
    }
    let o = run_in(dir.path(), &["bench", "--heartbeat", "-q"]);
    assert_eq!(o.status.code(), Some(66), "{}", stderr(&o));
    assert!(stderr(&o).contains("lv_beat_tet10.msh") && stderr(&o).contains("--lv-meshes"), "{}", stderr(&o));
    let o = run_in(dir.path(), &["bench", "--heartbeat", "--sizes", "1e4"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn default_job_runs_the_calibrated_heartbeat() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_in(dir.path(), &["--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    // --quiet silences progress, not the results: the calibration, the PV table and the beat.
    for expected in [
        "lv_heartbeat",
        "calibrated: stiffness scale",
        "isovolumetric_contraction",
        "ejection",
        "EDV",
        "ESV",
        "EF",
        "completed",
    ] {
        assert!(out.contains(expected), "missing '{expected}' in:\n{out}");
    }
    assert!(!stderr(&o).contains("heartbeat 1/"), "--quiet printed progress: {}", stderr(&o));
    let folder = dir.path().join("out/lv_heartbeat");
    for file in [
        "summary.json",
        "pv_loop.csv",
        "pv_loop.png",
        "pv_loop.svg",
        "pressures.svg",
        "result.pvd",
        "report.html",
        "beat_00040.vtu",
    ] {
        assert!(folder.join(file).is_file(), "{file} missing");
    }
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(folder.join("summary.json")).unwrap()).unwrap();
    assert_eq!(v["status"], "completed");
    // The beat's CPU direct solves are counted: factorizations, and solves with a kept factor
    // (the tangents of a time step's Newton iterations are close enough for some).
    let direct = &v["solver"]["direct"];
    assert!(direct["factorizations"].as_u64().is_some_and(|n| n >= 1), "{direct}");
    assert!(direct["frozen_solves"].as_u64().is_some_and(|n| n >= 1), "{direct}");
    // The calibration hit the patient's EDV (4.3 mL at 12 mmHg) to its tolerance of 0.1 %.
    assert!(v["calibration"]["edv_error_pct"].as_f64().unwrap().abs() <= 0.1, "{}", v["calibration"]);
    // A physiological beat: EF within the band a healthy ventricle spans (DOMAIN.md: 71 ± 6 % in
    // a CMR cohort; 50-75 % counts as normal clinically), and the loop closes.
    let beat = &v["beats"][0];
    let ef = beat["ejection_fraction_pct"].as_f64().unwrap();
    assert!((50.0..=75.0).contains(&ef), "EF {ef} %");
    assert!(beat["loop_gap_pct"].as_f64().unwrap() < 0.5, "{beat}");
    // The beat's end-diastolic volume is the calibrated one: the preload is the patient's EDP.
    assert!((beat["edv_ml"].as_f64().unwrap() - 4.3).abs() < 0.01 * 4.3, "{beat}");
    // The report is well-formed and carries the heartbeat's sections and the PV loop.
    let html = std::fs::read_to_string(folder.join("report.html")).unwrap();
    let mut reader = quick_xml::Reader::from_str(&html);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("report.html is not well-formed at {}: {e}", reader.buffer_position()),
        }
    }
    for id in ["inputs", "beats", "checks", "verification"] {
        assert!(html.contains(&format!("<section id=\"{id}\">")), "section {id} missing");
    }
    assert!(html.contains("Pressure–volume loop") || html.matches("data:image/png;base64,").count() >= 2);
    // pv_loop.csv has a row per time step and the preload's end.
    let csv = std::fs::read_to_string(folder.join("pv_loop.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 41, "{csv}");
}

#[test]
fn quasi_static_lv_twin_runs_filling_then_contraction() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_in(dir.path(), &["--quiet", "run", &scenario("lv_twin.toml"), "--no-report"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    for expected in ["lv_twin", "filling", "contraction", "V_lv mL", "EF %", "Newton", "endo_apex", "completed"] {
        assert!(out.contains(expected), "missing '{expected}' in:\n{out}");
    }
    let folder = dir.path().join("out/lv_twin");
    for file in ["summary.json", "pv.csv", "result.pvd", "step_0010.vtu"] {
        assert!(folder.join(file).is_file(), "{file} missing");
    }
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(folder.join("summary.json")).unwrap()).unwrap();
    assert_eq!(v["status"], "completed");
    // Filling raises the volume, contraction ejects: the end-systolic volume is below the
    // end-diastolic one (step 4 ends filling).
    let volume = |step: usize| v["steps"][step]["cavities"]["lv"]["volume_ml"].as_f64().unwrap();
    assert!(volume(3) > volume(0) && volume(9) < volume(3), "{} {} {}", volume(0), volume(3), volume(9));
}

#[test]
fn run_writes_vtu_and_a_summary_with_the_documented_keys() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("res");
    let o =
        run(&["run", &scenario("implant_in_bone.toml"), "--out", out.to_str().unwrap(), "--json", "--backend", "cpu"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    let file: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(v, file);
    assert_eq!(v["mesh"]["nodes"], 2873);
    assert_eq!(v["mesh"]["cells"], 14112);
    assert_eq!(v["mesh"]["dofs"], 3 * 2873);
    assert_eq!(v["solver"]["backend"], "cpu");
    assert_eq!(v["solver"]["method"], "cg");
    assert!(v["solver"]["iterations"].as_u64().unwrap() > 0);
    assert!(v["solver"]["relative_residual"].as_f64().unwrap() <= 1e-10);
    assert!(v["solver"]["seconds"].as_f64().is_some());
    assert!(v["max_displacement"].as_f64().unwrap() > 0.0 && v["max_von_mises"].as_f64().unwrap() > 0.0);
    let r: Vec<f64> = v["reactions"]["bone_bottom"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
    assert!((r[2] - 1000.0).abs() < 1e-6 && (r[0] + 100.0).abs() < 1e-6, "{r:?}");
    assert_eq!(v["probes"]["implant_head"]["displacement"].as_array().unwrap().len(), 3);
    // The VTU's arrays are appended raw binary: the XML header is text, the data is not.
    let vtu = String::from_utf8_lossy(&std::fs::read(out.join("result.vtu")).unwrap()).into_owned();
    for array in ["displacement", "von_mises", "stress", "strain", "principal_stress", "region"] {
        assert!(vtu.contains(&format!("Name=\"{array}\"")), "VTU lacks {array}");
    }
    // The VTU reads back through our own reader (and so through vtkio).
    let back = organ_twin::io::read_mesh(&out.join("result.vtu"), &Default::default()).unwrap();
    assert_eq!(back.mesh.cell_count(), 14112);
    assert!(back.mesh.node_fields().iter().any(|f| f.name == "displacement" && f.components == 3));
}

#[test]
fn a_bad_scenario_exits_65_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let text =
        std::fs::read_to_string(scenario("implant_in_bone.toml")).unwrap().replace("\"bone_bottom\"", "\"bone_base\"");
    let path = dir.path().join("bad.toml");
    std::fs::write(
        &path,
        text.replace("../implant_in_bone.msh", &format!("{}/meshes/implant_in_bone.msh", env!("CARGO_MANIFEST_DIR"))),
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = run(&["run", path.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(65), "{}", stderr(&o));
    assert!(stderr(&o).contains("support[1]") && stderr(&o).contains("bone_base"), "{}", stderr(&o));
    assert!(!out.exists(), "no output on failure");
    let o = run(&["run", "/nonexistent/scenario.toml"]);
    assert_eq!(o.status.code(), Some(66));
}

/// Runs the binary with the Vulkan loader pointed at a driver list that does not exist: no
/// adapter, as on a machine without a Vulkan driver.
fn run_without_gpu(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_organ-twin"))
        .args(args)
        .env("VK_ICD_FILENAMES", "/nonexistent/icd.json")
        .env("VK_DRIVER_FILES", "/nonexistent/icd.json")
        .output()
        .expect("the binary runs")
}

/// Whether the GPU tests can run; under `CI=true` a missing adapter fails instead.
fn gpu_present() -> bool {
    let o = run(&["gpu-info", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let adapters: serde_json::Value = serde_json::from_slice(&o.stdout).expect("gpu-info --json is JSON");
    let present = !adapters.as_array().expect("an array").is_empty();
    if !present && std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true but gpu-info finds no adapter (CI installs mesa-vulkan-drivers)");
    }
    present
}

#[test]
fn gpu_without_an_adapter_exits_69_naming_the_driver_and_auto_falls_back() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = run_without_gpu(&[
        "run",
        &scenario("implant_in_bone.toml"),
        "--backend",
        "gpu",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(69), "{}", stderr(&o));
    assert!(stderr(&o).contains("mesa-vulkan-drivers") && stderr(&o).contains("--backend cpu"), "{}", stderr(&o));
    assert!(!out.exists(), "no output on failure");
    let o = run_without_gpu(&[
        "run",
        &scenario("implant_in_bone.toml"),
        "--backend",
        "auto",
        "--json",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["solver"]["backend"], "cpu");
    assert!(v["solver"]["adapter"].is_null());
    let o = run_without_gpu(&["gpu-info"]);
    assert!(o.status.success() && stdout(&o).contains("no GPU adapter found"), "{}", stdout(&o));
    let o = run_without_gpu(&["bench", "--sizes", "1000"]);
    assert_eq!(o.status.code(), Some(69), "{}", stderr(&o));
}

#[test]
fn run_on_the_gpu_reports_the_adapter_and_matches_the_cpu() {
    if !gpu_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let summary = |backend: &str| {
        let out = dir.path().join(backend);
        let o = run(&[
            "run",
            &scenario("implant_in_bone.toml"),
            "--backend",
            backend,
            "--json",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()
    };
    let (gpu, cpu) = (summary("gpu"), summary("cpu"));
    assert_eq!(gpu["solver"]["backend"], "gpu");
    assert!(gpu["solver"]["adapter"].as_str().is_some_and(|a| !a.is_empty()), "{}", gpu["solver"]);
    assert!(gpu["solver"]["relative_residual"].as_f64().unwrap() <= 1e-10);
    // Both solutions are within κ·1e-10 of the exact one (measured 1e-10 apart).
    for key in ["max_displacement", "max_von_mises", "strain_energy"] {
        let (g, c) = (gpu[key].as_f64().unwrap(), cpu[key].as_f64().unwrap());
        assert!((g - c).abs() <= 1e-8 * c.abs(), "{key}: gpu {g} cpu {c}");
    }
}

/// `run --cross-check` on lavapipe: summary.json's cross_check (the GPU solve against the CPU
/// direct one, passed), the report's solver section and checks show it; `[solver] cross_check =
/// true` does the same for a CPU CG run; a finite-strain scenario refuses it (exit 65).
#[test]
fn run_cross_check_compares_the_gpu_solve_with_the_cpu_direct_one() {
    if !gpu_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("gpu");
    let o = run(&[
        "run",
        &scenario("implant_in_bone.toml"),
        "--backend",
        "gpu",
        "--cross-check",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("cross-check    gpu cg/block_jacobi"), "{}", stdout(&o));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let c = &v["cross_check"];
    assert_eq!(c["passed"], true, "{c}");
    assert!(c["solved"].as_str().unwrap().starts_with("gpu"), "{c}");
    // Measured 9.7e-11 against a tolerance of 1000 × rtol 1e-10.
    assert!(c["displacement_difference"].as_f64().unwrap() < 1e-9, "{c}");
    assert!(c["von_mises_difference"].as_f64().unwrap() < 1e-9, "{c}");
    assert!((c["tolerance"].as_f64().unwrap() - 1e-7).abs() < 1e-20, "{c}");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    check_report(&html, &["inputs", "solver", "results", "checks", "verification"]);
    assert!(html.contains("Cross-check against the CPU reference") && html.contains("against the CPU direct solve"));
    let toml = implant_scenario(dir.path(), "s.toml", |t| t.replace("[solver]", "[solver]\ncross_check = true"));
    let o = run(&[
        "run",
        toml.to_str().unwrap(),
        "--backend",
        "cpu",
        "--json",
        "--no-report",
        "-o",
        dir.path().join("cpu").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["cross_check"]["passed"], true, "{}", v["cross_check"]);
    assert!(v["cross_check"]["solved"].as_str().unwrap().starts_with("cpu cg"));
    let o = run(&["run", &scenario("land_p1.toml"), "--cross-check", "-o", dir.path().join("qs").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(65), "{}", stderr(&o));
    assert!(stderr(&o).contains("finite-strain"), "{}", stderr(&o));
}

#[test]
fn gpu_info_and_bench_report_json() {
    if !gpu_present() {
        return;
    }
    let o = run(&["gpu-info"]);
    assert!(o.status.success() && stdout(&o).contains("storage binding"), "{}", stdout(&o));
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("bench.json");
    let o =
        run(&["bench", "--sizes", "2000", "--json", json.to_str().unwrap(), "--export", dir.path().to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert!(v["copy_gb_per_s"].as_f64().unwrap() > 0.0);
    let size = &v["sizes"][0];
    for kernel in ["spmv_bsr", "spmv_csr", "cg_iteration"] {
        assert!(size[kernel]["gb_per_s"].as_f64().unwrap() > 0.0, "{kernel}: {size}");
    }
    assert!(size["gpu_solve"]["relative_residual"].as_f64().unwrap() <= 1e-10);
    assert!(size["speedup"].as_f64().unwrap() > 0.0);
    let dofs = size["dofs"].as_u64().unwrap();
    assert!(dir.path().join(format!("brick_{dofs}dofs/K.mtx")).is_file());
    let o = run(&["bench", "--sizes", "nan"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // --quiet drops the progress, not the figures (issue 11, item 17).
    let o = run(&["-q", "bench", "--sizes", "1000", "--no-cpu"]);
    assert!(o.status.success() && stdout(&o).contains(" DOFs, ") && stdout(&o).contains("SpMV BSR"), "{}", stdout(&o));
    // The help shows the defaults as the options take them (item 22).
    let help = stdout(&run(&["bench", "--help"])).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(help.contains("[default: 1e4,1e5,1e6]") && help.contains("[default: 1e-10]"), "{help}");
}

#[test]
fn export_system_writes_the_reduced_system_an_external_solver_reproduces() {
    let dir = tempfile::tempdir().unwrap();
    let sys = dir.path().join("sys");
    let res = dir.path().join("res");
    let o = run(&["export-system", &scenario("implant_in_bone.toml"), "-o", sys.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&["run", &scenario("implant_in_bone.toml"), "--out", res.to_str().unwrap(), "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Read back through nalgebra-sparse's Matrix Market reader, solve the reduced system directly,
    // and compare with the run (which solved the full constrained system by CG).
    let coo: nalgebra_sparse::CooMatrix<f64> =
        nalgebra_sparse::io::load_coo_from_matrix_market_file(sys.join("K.mtx")).unwrap();
    // The standard banner, which strict readers (SciPy) require; nalgebra-sparse alone writes it in lower case.
    let text = std::fs::read_to_string(sys.join("K.mtx")).unwrap();
    assert!(text.starts_with("%%MatrixMarket matrix coordinate real general\n"), "{}", &text[..60]);
    let k = nalgebra_sparse::CsrMatrix::from(&coo);
    let f: Vec<f64> =
        std::fs::read_to_string(sys.join("f.mtx")).unwrap().lines().skip(2).map(|l| l.parse().unwrap()).collect();
    assert_eq!(k.nrows(), f.len());
    assert_eq!(k.nrows(), 3 * 2873 - 450);
    let mut x = vec![0.0; f.len()];
    let params = organ_twin::solve::SolveParams { method: organ_twin::solve::Method::Direct, ..Default::default() };
    organ_twin::solve::solve(&k, &f, &mut x, &params, &organ_twin::solve::Backend::Cpu, &organ_twin::progress::Silent)
        .unwrap();
    let rows = std::fs::read_to_string(sys.join("dofs.csv")).unwrap();
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(res.join("summary.json")).unwrap()).unwrap();
    let node = summary["max_displacement_node"].as_u64().unwrap();
    let mut u2 = 0.0;
    for line in rows.lines().skip(1) {
        let parts: Vec<&str> = line.split(',').collect();
        if parts[1].parse::<u64>().unwrap() == node {
            u2 += x[parts[0].parse::<usize>().unwrap() - 1].powi(2);
        }
    }
    let expected = summary["max_displacement"].as_f64().unwrap();
    // CG to rtol 1e-10 against the direct solve of the exported system: well within 1e-6.
    assert!((u2.sqrt() / expected - 1.0).abs() < 1e-6, "{} vs {expected}", u2.sqrt());
    // The three files appear together or not at all: with dofs.csv blocked by a folder, an export
    // into a fresh folder fails with nothing written beside the blocker.
    let blocked = dir.path().join("blocked");
    std::fs::create_dir_all(blocked.join("dofs.csv")).unwrap();
    let o = run(&["export-system", &scenario("implant_in_bone.toml"), "-o", blocked.to_str().unwrap(), "-q"]);
    assert_eq!(o.status.code(), Some(73), "{}", stderr(&o));
    let left: Vec<String> =
        std::fs::read_dir(&blocked).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(left, ["dofs.csv"], "a failed export left {left:?}");
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
    for ext in ["stl", "vtk"] {
        let o = run(&["convert", &msh, &dir.path().join(format!("x.{ext}")).display().to_string()]);
        assert_eq!(o.status.code(), Some(2), ".{ext} output is a usage error");
        assert!(stderr(&o).contains("writable formats: .msh (Gmsh 4.1 ASCII), .vtu\n"), "{}", stderr(&o));
    }
}

#[test]
fn out_of_range_generator_parameters_exit_2_with_the_valid_range() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.msh").display().to_string();
    for (args, phrase) in [
        (
            &["beam", "--divisions", "0,0,0"][..],
            "--divisions = 0,0,0 is out of range: each of NX, NY, NZ must be at least 1",
        ),
        (&["beam", "--divisions", "100000,100000,100000"][..], "a generated mesh may have at most 20000000"),
        (&["sphere", "--subdivisions", "0"][..], "--subdivisions = 0 is out of range: it must be at least 2"),
        (&["sphere", "--layers", "0"][..], "--layers = 0 is out of range"),
        (&["lv", "--subdivisions", "1"][..], "--subdivisions = 1 is out of range: it must be at least 2"),
        (&["lv", "--layers", "0"][..], "--layers = 0 is out of range"),
        (&["implant", "--layers", "0"][..], "--layers = 0 is out of range"),
    ] {
        let mut full = vec!["mesh"];
        full.extend_from_slice(args);
        full.extend_from_slice(&["-o", &out]);
        let o = run(&full);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(phrase), "{args:?}: {}", stderr(&o));
        assert!(!std::path::Path::new(&out).exists(), "{args:?} wrote a file");
    }
}

#[test]
fn quasi_static_run_writes_the_step_series_and_the_pv_table() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("twin");
    let o = run(&["run", &scenario("lv_twin.toml"), "--out", out.to_str().unwrap(), "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    assert_eq!(v["status"], "completed");
    assert_eq!(v["completed_steps"], 10);
    let steps = v["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 10);
    for (i, s) in steps.iter().enumerate() {
        assert!(out.join(format!("step_{:04}.vtu", i + 1)).is_file(), "step {}", i + 1);
        assert!(s["newton_iterations"].as_u64().unwrap() > 0);
        // Incompressible by augmented Lagrangian: every cell within 1e-4 of its volume.
        assert!(s["volume_change"].as_f64().unwrap().abs() < 1e-4, "{}", s["volume_change"]);
    }
    // Filling raises the cavity volume; contraction against a rising pressure lowers it.
    let vol = |k: usize| steps[k]["cavities"]["lv"]["volume_ml"].as_f64().unwrap();
    assert!(vol(3) > vol(0) && vol(9) < vol(3), "{} {} {}", vol(0), vol(3), vol(9));
    let pvd = std::fs::read_to_string(out.join("result.pvd")).unwrap();
    assert_eq!(pvd.matches("<DataSet").count(), 10);
    let csv = std::fs::read_to_string(out.join("pv.csv")).unwrap();
    assert!(csv.starts_with("step,stage,lv_pressure_kPa,lv_volume_mm3,lv_volume_mL\n"), "{csv}");
    assert_eq!(csv.lines().count(), 11);
    let vtu = String::from_utf8_lossy(&std::fs::read(out.join("step_0010.vtu")).unwrap()).into_owned();
    for array in
        ["displacement", "cauchy_stress", "von_mises", "J", "E_ff", "sigma_ff", "active_tension", "fiber", "sheet"]
    {
        assert!(vtu.contains(&format!("Name=\"{array}\"")), "VTU lacks {array}");
    }
    assert!(!std::fs::read_dir(&out).unwrap().any(|e| e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .starts_with(".partial")));
}

/// The thick sphere's pressure has a maximum (4.36 kPa for these radii and μ): pressure control
/// cannot pass it, so the run must stop, keep its converged steps, say so and exit 1; a
/// convergence study of it fails at its first level.
#[test]
fn a_quasi_static_step_that_cannot_converge_exits_1_and_keeps_the_converged_steps() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_in(
        dir.path(),
        &[
            "mesh",
            "sphere",
            "--inner",
            "7",
            "--outer",
            "10",
            "--subdivisions",
            "2",
            "--layers",
            "1",
            "--order",
            "2",
            "-o",
            "s.msh",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let toml = r#"
name = "past_the_maximum"
units = { length = "mm", stress = "kPa" }
[mesh]
file = "s.msh"
[[material]]
region = "all"
model = "neo_hookean"
mu = 10.0
[[support]]
kind = "symmetry"
surface = "symmetry_x"
[[support]]
kind = "symmetry"
surface = "symmetry_y"
[[support]]
kind = "symmetry"
surface = "symmetry_z"
[[load]]
kind = "pressure"
surface = "inner"
value = 6.0
follower = true
[analysis]
kind = "quasi_static"
steps = 4
max_cutbacks = 3
"#;
    std::fs::write(dir.path().join("s.toml"), toml).unwrap();
    let o = run_in(dir.path(), &["run", "s.toml", "--json", "-q"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("step 3") && err.contains("failed") && err.contains("converged steps are kept"), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    assert_eq!(v["status"], "failed");
    assert_eq!(v["completed_steps"], 2);
    assert!(v["message"].as_str().unwrap().contains("step 3"));
    let folder = dir.path().join("out/past_the_maximum");
    assert!(folder.join("step_0002.vtu").is_file() && !folder.join("step_0003.vtu").exists());
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(folder.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["status"], "failed");
    // A convergence study needs every level to reach the last step: exit 1, nothing written.
    let o = run_in(dir.path(), &["converge", "s.toml", "-q"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("level 1 of 3") && err.contains("needs every level to reach the last step"), "{err}");
    assert!(!dir.path().join("out/past_the_maximum_convergence").exists());
}

/// The implant scenario with its mesh path made absolute and `edit` applied, written to `dir`.
fn implant_scenario(dir: &std::path::Path, file: &str, edit: impl Fn(String) -> String) -> PathBuf {
    let text = std::fs::read_to_string(scenario("implant_in_bone.toml"))
        .unwrap()
        .replace("../implant_in_bone.msh", &format!("{}/meshes/implant_in_bone.msh", env!("CARGO_MANIFEST_DIR")));
    let path = dir.join(file);
    std::fs::write(&path, edit(text)).unwrap();
    path
}

#[test]
fn a_scenario_name_must_be_one_safe_path_component() {
    let dir = tempfile::tempdir().unwrap();
    for (name, why) in [
        ("../x", "'/'"),
        ("/tmp/organ-twin-abs", "'/'"),
        ("", "is empty"),
        ("..", "relative folder"),
        ("a\\b", "'\\'"),
        (".hidden", "starts with '.'"),
    ] {
        let path = implant_scenario(dir.path(), "s.toml", |t| {
            t.replace("name = \"implant_in_bone\"", &format!("name = {}", toml::Value::from(name)))
        });
        let o = run_in(dir.path(), &["run", path.to_str().unwrap(), "-q"]);
        assert_eq!(o.status.code(), Some(65), "{name:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("name") && stderr(&o).contains(why), "{name:?}: {}", stderr(&o));
        assert!(!dir.path().join("out").exists() && !dir.path().join("x").exists(), "{name:?} wrote something");
    }
}

#[test]
fn a_folder_in_the_way_of_summary_json_replaces_nothing_and_a_failed_run_names_the_earlier_results() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("res");
    let good = implant_scenario(dir.path(), "good.toml", |t| t);
    let o = run(&["run", good.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q", "--backend", "cpu"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let first = std::fs::read(out.join("result.vtu")).unwrap();
    let listing = |out: &std::path::Path| {
        let mut v: Vec<String> =
            std::fs::read_dir(out).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        v.sort();
        v
    };
    let files = listing(&out);
    // A failed run (bad scenario) leaves the earlier results and says so.
    let bad = implant_scenario(dir.path(), "bad.toml", |t| t.replace("\"bone_bottom\"", "\"bone_base\""));
    let o = run(&["run", bad.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"]);
    assert_eq!(o.status.code(), Some(65), "{}", stderr(&o));
    assert!(stderr(&o).contains("holds the results of an earlier run"), "{}", stderr(&o));
    // summary.json as a folder: exit 73 and result.vtu is the first run's.
    std::fs::remove_file(out.join("summary.json")).unwrap();
    std::fs::create_dir(out.join("summary.json")).unwrap();
    let stiffer = implant_scenario(dir.path(), "stiffer.toml", |t| t.replace("17000.0", "20000.0"));
    let o = run(&["run", stiffer.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q", "--backend", "cpu"]);
    assert_eq!(o.status.code(), Some(73), "{}", stderr(&o));
    assert!(stderr(&o).contains("summary.json"), "{}", stderr(&o));
    assert_eq!(std::fs::read(out.join("result.vtu")).unwrap(), first, "result.vtu was replaced");
    // The first run's files (result, summary, report and its pictures), and nothing else.
    let left = listing(&out);
    assert_eq!(left, files, "no staging folder or temporary file is left");
}

/// `mesh lv -o lv.vtu` keeps the surfaces, so a scenario on the VTU can load `endo`.
#[test]
fn a_generated_vtu_mesh_keeps_its_surfaces_for_a_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_in(dir.path(), &["mesh", "lv", "--subdivisions", "3", "--layers", "1", "-o", "lv.vtu"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let toml = r#"
name = "lv_on_vtu"
units = { length = "mm", stress = "kPa" }
[mesh]
file = "lv.vtu"
[[material]]
region = "all"
model = "linear_elastic"
youngs_modulus = 10.0
poisson_ratio = 0.3
[[support]]
kind = "fixed"
surface = "base"
[[load]]
kind = "pressure"
surface = "endo"
value = 1.0
"#;
    std::fs::write(dir.path().join("s.toml"), toml).unwrap();
    let o = run_in(dir.path(), &["run", "s.toml", "--json", "-q", "--backend", "cpu"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    assert!(v["max_displacement"].as_f64().unwrap() > 0.0);
    // The summary's node id is the node_id array of result.vtu (ParaView's spreadsheet shows it).
    let back = organ_twin::io::read_mesh(&dir.path().join("out/lv_on_vtu/result.vtu"), &Default::default()).unwrap();
    let node = v["max_displacement_node"].as_u64().unwrap();
    let i = back.mesh.node_ids().iter().position(|&id| id == node).expect("the summary's node is in the VTU");
    let u = &back.mesh.node_fields().iter().find(|f| f.name == "displacement").unwrap().values[3 * i..3 * i + 3];
    let norm = (u[0] * u[0] + u[1] * u[1] + u[2] * u[2]).sqrt();
    assert!(
        (norm - v["max_displacement"].as_f64().unwrap()).abs() <= 1e-9 * norm,
        "{norm} vs {}",
        v["max_displacement"]
    );
}

/// Mesa's "XDG_RUNTIME_DIR is invalid or not set" is not printed on a run without the variable
/// (issue 11, item 16): organ-twin points it at a private folder first.
#[test]
fn no_mesa_runtime_dir_error_without_xdg_runtime_dir() {
    let o = Command::new(env!("CARGO_BIN_EXE_organ-twin"))
        .args(["gpu-info"])
        .env_remove("XDG_RUNTIME_DIR")
        .output()
        .expect("the binary runs");
    assert!(!stderr(&o).contains("XDG_RUNTIME_DIR"), "{}", stderr(&o));
}

/// `method = "direct"` with the GPU backend is a scenario error (exit 65), found before any GPU
/// is opened (issue 11, item 19).
#[test]
fn direct_on_the_gpu_is_a_data_error() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(scenario("implant_in_bone.toml"))
        .unwrap()
        .replace("../implant_in_bone.msh", &format!("{}/meshes/implant_in_bone.msh", env!("CARGO_MANIFEST_DIR")));
    assert!(text.contains("method = \"cg\""), "test bug: the implant scenario names its method");
    let text = text.replace("method = \"cg\"", "method = \"direct\"");
    std::fs::write(dir.path().join("s.toml"), text).unwrap();
    let o = run_in(dir.path(), &["run", "s.toml", "--backend", "gpu"]);
    assert_eq!(o.status.code(), Some(65), "{}", stderr(&o));
    assert!(stderr(&o).contains("runs on the CPU only"), "{}", stderr(&o));
}

/// The README's full example scenario runs as written beside a generated beam (issue 11,
/// item 21).
#[test]
fn the_readme_example_scenario_runs_as_written() {
    let readme = std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = readme.find("```toml\nname = \"cantilever\"").expect("the README shows the cantilever scenario");
    let body = &readme[start + "```toml\n".len()..];
    let text = &body[..body.find("```").expect("the block ends")];
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cantilever.toml"), text).unwrap();
    let o = run_in(dir.path(), &["mesh", "beam", "-o", "beam.msh"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run_in(dir.path(), &["run", "cantilever.toml", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert!(v["probes"]["tip"]["displacement"][2].as_f64().unwrap() < 0.0);
}

#[test]
fn template_writes_a_fatigue_scenario_that_runs() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("t");
    let o = run(&["template", "iso14801", "-o", t.to_str().unwrap(), "--fmax", "300", "--order", "1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(t.join("iso14801_dental.toml").is_file() && t.join("iso14801_dental.msh").is_file());
    let out = dir.path().join("res");
    let o = run(&["run", t.join("iso14801_dental.toml").to_str().unwrap(), "-o", out.to_str().unwrap(), "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    let f = &v["fatigue"];
    for key in ["criterion", "min_safety_factor", "hot_spot", "regions", "load_cases", "design_life", "passes"] {
        assert!(!f[key].is_null(), "fatigue.{key} missing: {f}");
    }
    assert_eq!(f["load_cases"][0]["name"], "cap_load");
    // The cap load's resultant is F_max at 30 degrees off the axis.
    let load = f["load_cases"][0]["applied_load"].as_array().unwrap();
    assert!((load[0].as_f64().unwrap() - 150.0).abs() < 1e-9 && (load[2].as_f64().unwrap() + 259.8076).abs() < 1e-3);
    for file in ["result.vtu", "case1_cap_load.vtu", "summary.json"] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
}

#[test]
fn a_history_run_writes_its_rainflow_table() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("gait");
    let o = run(&["run", &scenario("implant_gait_fatigue.toml"), "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("hot spot") && stdout(&o).contains("bone"), "{}", stdout(&o));
    let table = std::fs::read_to_string(out.join("rainflow.csv")).unwrap();
    assert!(table.starts_with("range,mean,count,start_time,end_time\n") && table.lines().count() > 2, "{table}");
}

/// The gait history's fatigue evaluation on the GPU (lavapipe in CI): `summary.json` records the
/// kernel's run and its f64 check per region, which agrees; the safety factor and damage at the
/// hot spot match the CPU run's to the load-case solves' accuracy (CG at rtol 1e-10 against the
/// direct solve: stresses within ~1e-8, so 1e-6 on the factor and, through the S-N exponent of
/// ~10, 1e-5 on the damage). The loads are scaled so that the implant takes damage.
#[test]
fn a_history_is_evaluated_on_the_gpu_and_checked_against_the_cpu() {
    if !gpu_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(scenario("implant_gait_fatigue.toml"))
        .unwrap()
        .replace("../implant_in_bone.msh", &scenario("../implant_in_bone.msh"))
        .replace("gait_history.csv", &scenario("gait_history.csv"))
        // Eight times the loads: a safety factor near 1, so that lives are finite and damage counts.
        .replace("value = [0.0, 0.0, -1000.0]", "value = [0.0, 0.0, -8000.0]")
        .replace("value = [300.0, 0.0, 0.0]", "value = [2400.0, 0.0, 0.0]");
    assert!(text.contains("method = \"direct\"") && text.contains("-8000.0"), "test bug: the gait scenario changed");
    std::fs::write(dir.path().join("gpu.toml"), text.replace("method = \"direct\"", "method = \"cg\"\nrtol = 1e-10"))
        .unwrap();
    std::fs::write(dir.path().join("cpu.toml"), &text).unwrap();
    let summary = |name: &str, backend: &str| -> serde_json::Value {
        let o = run_in(
            dir.path(),
            &["run", &format!("{name}.toml"), "--backend", backend, "-o", name, "-q", "--no-report"],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        serde_json::from_str(&std::fs::read_to_string(dir.path().join(name).join("summary.json")).unwrap()).unwrap()
    };
    let (g, c) = (summary("gpu", "gpu"), summary("cpu", "cpu"));
    let gpu = &g["fatigue"]["regions"][0]["gpu"];
    assert_eq!(gpu["agrees"], true, "{gpu}");
    assert!(gpu["cpu_checked"].as_u64().unwrap() >= 1 && gpu["points"].as_u64().unwrap() > 500, "{gpu}");
    assert!(gpu["max_safety_difference"].as_f64().unwrap() <= 1e-4, "{gpu}");
    assert!(c["fatigue"]["regions"][0].get("gpu").is_none(), "the CPU run records no GPU evaluation");
    let rel = |key: &str| {
        let (a, b) = (g["fatigue"][key].as_f64().unwrap(), c["fatigue"][key].as_f64().unwrap());
        (a - b).abs() / b.abs()
    };
    assert!(
        rel("min_safety_factor") <= 1e-6,
        "{} vs {}",
        g["fatigue"]["min_safety_factor"],
        c["fatigue"]["min_safety_factor"]
    );
    assert!(rel("max_damage") <= 1e-5, "{} vs {}", g["fatigue"]["max_damage"], c["fatigue"]["max_damage"]);
    assert_eq!(g["fatigue"]["hot_spot"]["node"], c["fatigue"]["hot_spot"]["node"]);
}

/// `bench --fatigue` at a small size: a CPU and (software adapter allowed) a GPU row per history,
/// the GPU's check agreeing and its smallest safety factor the CPU's (the f64 re-assessment).
#[test]
fn bench_fatigue_reports_cpu_and_gpu_rows_that_agree() {
    let gpu = gpu_present();
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("f.json");
    let o = run(&[
        "bench",
        "--fatigue",
        "--points",
        "6e2",
        "--samples",
        "300",
        "--software-gpu",
        "--json",
        json.to_str().unwrap(),
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), if gpu { 4 } else { 2 }, "{v}");
    for pair in rows.chunks(2).filter(|_| gpu) {
        let (c, g) = (&pair[0], &pair[1]);
        assert_eq!((c["backend"].as_str(), g["backend"].as_str()), (Some("cpu"), Some("gpu")));
        assert_eq!(g["agrees"], true, "{g}");
        assert_eq!(c["min_safety_factor"], g["min_safety_factor"]);
        assert!(g["point_samples_per_second"].as_f64().unwrap() > 0.0);
    }
    for (flag, value) in [("--points", "0"), ("--points", "1e12"), ("--samples", "1"), ("--points", "2.5")] {
        let o = run(&["bench", "--fatigue", flag, value, "-q"]);
        assert_eq!(o.status.code(), Some(2), "{flag} {value}: {}", stderr(&o));
        assert!(stderr(&o).contains("whole number from"), "{}", stderr(&o));
    }
    let o = run(&["bench", "--fatigue", "--criteria", "findley", "-q"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("unknown criterion 'findley'"), "{}", stderr(&o));
}

#[test]
fn bad_fatigue_input_exits_65_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // A history with a column no load has.
    std::fs::write(dir.path().join("h.csv"), "time,axial,knee\n0,1,1\n1,2,2\n").unwrap();
    let text = std::fs::read_to_string(scenario("implant_gait_fatigue.toml"))
        .unwrap()
        .replace("../implant_in_bone.msh", &scenario("../implant_in_bone.msh"))
        .replace("gait_history.csv", "h.csv");
    let path = dir.path().join("s.toml");
    std::fs::write(&path, text).unwrap();
    let out = dir.path().join("out");
    let o = run(&["run", path.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(65), "{}", stderr(&o));
    assert!(stderr(&o).contains("column 'knee'") && stderr(&o).contains("h.csv"), "{}", stderr(&o));
    assert!(!out.exists(), "a failed run left output");
    // A template whose embedding plane misses the implant.
    let t = dir.path().join("t");
    let o = run(&[
        "template",
        "iso7206-4",
        "--implant",
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("meshes/implant_in_bone.msh").display().to_string(),
        "--load-surface",
        "implant_top",
        "--load-point",
        "0,0,40",
        "--embed",
        "-5",
        "-o",
        t.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(65), "{}", stderr(&o));
    assert!(stderr(&o).contains("misses the implant"), "{}", stderr(&o));
    assert!(!t.exists(), "a failed template left output");
}

/// `report.html` of a fatigue run: well-formed, every section present, every embedded image a
/// PNG that decodes, and the pictures also written beside it; `--no-report` writes none of them.
#[test]
fn run_writes_a_self_contained_report_with_decodable_images() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let o = run(&["run", &scenario("implant_gait_fatigue.toml"), "-o", out.to_str().unwrap(), "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let images = check_report(&html, &["inputs", "solver", "results", "fatigue", "checks", "verification"]);
    assert!(images >= 4, "only {images} images");
    for file in ["von_mises.png", "safety_factor.png", "sn_curve.png", "safety_factor_histogram.png"] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
    // Plots come as SVG too (vector graphics for papers); rendered views as PNG only.
    for file in ["sn_curve.svg", "safety_factor_histogram.svg"] {
        let svg = std::fs::read_to_string(out.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"), "{file} is not an SVG document");
    }
    assert!(!out.join("von_mises.svg").exists());
    let plain = dir.path().join("plain");
    let o = run(&["run", &scenario("implant_in_bone.toml"), "-o", plain.to_str().unwrap(), "--no-report", "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!plain.join("report.html").exists() && !plain.join("von_mises.png").exists());
    assert!(!plain.join("solver_convergence.svg").exists());
}

/// Parses `html` as XML (the reports are well-formed), checks each section id is present and
/// decodes every embedded PNG; returns the number of images.
fn check_report(html: &str, sections: &[&str]) -> usize {
    use base64::Engine;
    let mut reader = quick_xml::Reader::from_str(html);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("report.html is not well-formed at {}: {e}", reader.buffer_position()),
        }
    }
    for id in sections {
        assert!(html.contains(&format!("<section id=\"{id}\">")), "section {id} missing");
    }
    assert!(html.contains("organ-twin 0.") && html.contains("commit "), "no version line");
    let images: Vec<&str> = html.split("data:image/png;base64,").skip(1).map(|s| &s[..s.find('"').unwrap()]).collect();
    for data in &images {
        let png = base64::engine::general_purpose::STANDARD.decode(data).expect("base64");
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let reader = decoder.read_info().expect("a PNG that decodes");
        assert!(reader.info().width >= 400 && reader.info().height >= 300);
    }
    images.len()
}

/// `converge` on a small Tet10 cantilever refined twice: convergence.json with three levels and
/// the quantities, and report.html (levels, quantities, method, verification; the plot embedded
/// and beside it as PNG and SVG); `--no-report` into the same folder removes the report and plot.
/// The tip's order is the clamp-limited 2 of `tests/verification/converge.rs` (measured 2.10).
#[test]
fn converge_writes_the_study_and_its_report() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_in(
        dir.path(),
        &["mesh", "beam", "--size", "4,1,1", "--divisions", "4,1,1", "--order", "2", "-o", "beam.msh"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let toml = r#"
name = "small_beam"
[mesh]
file = "beam.msh"
[[material]]
region = "all"
model = "linear_elastic"
youngs_modulus = 1000.0
poisson_ratio = 0.3
[[support]]
kind = "fixed"
surface = "xmin"
[[load]]
kind = "force"
surface = "xmax"
value = [0.0, 0.0, -1.0]
[solver]
method = "direct"
backend = "cpu"
[[probe]]
name = "tip"
point = [4.0, 0.5, 0.5]
"#;
    std::fs::write(dir.path().join("s.toml"), toml).unwrap();
    let o = run_in(dir.path(), &["converge", "s.toml", "--levels", "3", "-o", "c", "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = dir.path().join("c");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("convergence.json")).unwrap()).expect("valid JSON");
    assert_eq!(v["levels"].as_array().unwrap().len(), 3);
    let tip = v["quantities"].as_array().unwrap().iter().find(|q| q["name"] == "|u| at probe tip").expect("tip");
    assert!((tip["order"].as_f64().expect("an order") - 2.0).abs() < 0.3, "{tip}");
    assert!(tip["gci_fine"].as_f64().is_some(), "{tip}");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let images = check_report(&html, &["levels", "quantities", "method", "verification"]);
    assert_eq!(images, 1, "the convergence plot");
    assert!(html.contains("|u| at probe tip") && html.contains("F_s = 1.25"));
    let svg = std::fs::read_to_string(out.join("convergence.svg")).unwrap();
    assert!(svg.starts_with("<svg") && out.join("convergence.png").is_file());
    let o = run_in(dir.path(), &["converge", "s.toml", "--levels", "3", "-o", "c", "-q", "--no-report"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.join("convergence.json").is_file());
    for stale in ["report.html", "convergence.png", "convergence.svg"] {
        assert!(!out.join(stale).exists(), "{stale} left by the earlier study");
    }
}

/// A two-step quasi-static inflation of a small generated Tet4 LV with a cavity, as `lv.toml`
/// (beside its `lv.msh`) in `dir`.
fn lv_inflation(dir: &std::path::Path) {
    let o = run_in(dir, &["mesh", "lv", "--subdivisions", "2", "--layers", "1", "-o", "lv.msh"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let toml = r#"
name = "lv_inflation"
units = { length = "mm", stress = "kPa" }
[mesh]
file = "lv.msh"
[[material]]
region = "all"
model = "neo_hookean"
mu = 10.0
bulk_modulus = 30.0
[[support]]
kind = "fixed"
surface = "base"
[[load]]
name = "p"
kind = "pressure"
surface = "endo"
value = 1.0
follower = true
[[cavity]]
name = "lv"
surface = "endo"
[analysis]
kind = "quasi_static"
steps = 2
[solver]
backend = "cpu"
"#;
    std::fs::write(dir.join("lv.toml"), toml).unwrap();
}

/// A quasi-static run's report comes with its plots as PNG and SVG; `--no-report` into the same
/// folder removes them all.
#[test]
fn a_quasi_static_run_without_a_report_removes_the_earlier_plots() {
    let dir = tempfile::tempdir().unwrap();
    lv_inflation(dir.path());
    let o = run_in(dir.path(), &["run", "lv.toml", "-o", "r", "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = dir.path().join("r");
    for file in ["report.html", "pressure_volume.png", "pressure_volume.svg", "newton_convergence.svg"] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
    let o = run_in(dir.path(), &["run", "lv.toml", "-o", "r", "-q", "--no-report"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let left: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n == "report.html" || n.ends_with(".png") || n.ends_with(".svg"))
        .collect();
    assert!(left.is_empty(), "left by the earlier run: {left:?}");
}

/// `converge` on a quasi-static inflation of a small generated Tet4 LV with a cavity: every level
/// runs both steps and the study takes the last step's quantities (the cavity volume among them);
/// the report says so. A heartbeat is refused, saying why, before any level is solved.
#[test]
fn converge_runs_a_quasi_static_scenario_and_refuses_a_heartbeat() {
    let dir = tempfile::tempdir().unwrap();
    lv_inflation(dir.path());
    let o = run_in(dir.path(), &["converge", "lv.toml", "-o", "c", "--json", "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    assert_eq!(v["analysis"], "quasi_static");
    let names: Vec<&str> = v["quantities"].as_array().unwrap().iter().map(|q| q["name"].as_str().unwrap()).collect();
    for name in ["volume of cavity lv", "max |u|", "min det F", "max det F", "max von Mises (cell)"] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    let volume = v["quantities"].as_array().unwrap().iter().find(|q| q["name"] == "volume of cavity lv").unwrap();
    assert_eq!(volume["unit"], "mL");
    assert_eq!(volume["values"].as_array().unwrap().len(), 3);
    let html = std::fs::read_to_string(dir.path().join("c/report.html")).unwrap();
    check_report(&html, &["levels", "quantities", "method", "verification"]);
    assert!(html.contains("quantities are those of the last step"), "no quasi-static note");
    let o = run(&["converge", &scenario("lv_heartbeat.toml"), "-o", dir.path().join("hb").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(65), "{}", stderr(&o));
    assert!(stderr(&o).contains("not a heartbeat") && stderr(&o).contains("calibrated"), "{}", stderr(&o));
    assert!(!dir.path().join("hb").exists());
}

/// A patient scenario beside a small generated LV (`lv.msh`), with `patient` appended.
fn patient_scenario(dir: &std::path::Path, patient: &str) -> PathBuf {
    let o = run_in(dir, &["mesh", "lv", "--subdivisions", "3", "--layers", "1", "-o", "lv.msh"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = format!(
        "name = \"patient\"\nunits = {{ length = \"mm\", stress = \"kPa\" }}\n[mesh]\nfile = \"lv.msh\"\n\
         [[material]]\nregion = \"all\"\nmodel = \"guccione\"\nc = 2.0\nbf = 8.0\nbt = 2.0\nbfs = 4.0\nbulk_modulus = 100.0\n\
         [fibers.rule_based]\nalpha_endo = 60.0\nalpha_epi = -60.0\n[[support]]\nkind = \"fixed\"\nsurface = \"base\"\n\
         [[load]]\nname = \"lv_pressure\"\nkind = \"pressure\"\nsurface = \"endo\"\nvalue = 1.0\nfollower = true\n\
         [[cavity]]\nname = \"lv\"\nsurface = \"endo\"\n[analysis]\nkind = \"quasi_static\"\nsteps = 4\n{patient}"
    );
    let path = dir.join("patient.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// `organ-twin unload` writes the unloaded mesh and reports iterations and mismatch;
/// `organ-twin calibrate` writes the calibrated scenario (which runs), the Klotz CSV and the report.
#[test]
fn unload_and_calibrate_write_their_files() {
    let dir = tempfile::tempdir().unwrap();
    let patient = "[patient]\nedv_ml = 3.6\nedp = 12.0\nedp_unit = \"mmHg\"\nincrements = 4\n";
    patient_scenario(dir.path(), patient);
    let o = run_in(dir.path(), &["unload", "patient.toml", "--pressure", "6", "--unit", "mmHg", "-o", "unloaded.msh"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("iterations: mismatch max"), "{}", stdout(&o));
    let o = run_in(dir.path(), &["info", "unloaded.msh", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run_in(dir.path(), &["calibrate", "patient.toml", "-o", "cal", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert!(v["edv_error_pct"].as_f64().unwrap().abs() < 0.1, "{v}");
    assert!(v["inflations"].as_u64().unwrap() >= 2);
    let csv = std::fs::read_to_string(dir.path().join("cal/klotz_fit.csv")).unwrap();
    assert!(csv.starts_with("pressure_mmHg,simulated_mL,klotz_mL\n") && csv.lines().count() == 6, "{csv}");
    let toml = std::fs::read_to_string(dir.path().join("cal/calibrated.toml")).unwrap();
    assert!(toml.starts_with("# Calibrated by organ-twin calibrate"), "{toml}");
    let o = run_in(dir.path(), &["run", "cal/calibrated.toml", "--out", "res", "--quiet"]);
    assert!(o.status.success(), "the calibrated scenario runs: {}", stderr(&o));
}

/// Impossible patient data and an unloading that cannot converge: non-zero exit, the input and
/// what was reached named, and no output files.
#[test]
fn bad_patient_input_exits_non_zero_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    patient_scenario(dir.path(), "[patient]\nedv_ml = -3.0\nedp = 12.0\nedp_unit = \"mmHg\"\n");
    let o = run_in(dir.path(), &["calibrate", "patient.toml", "-o", "cal"]);
    assert_eq!(o.status.code(), Some(65), "{}", stderr(&o));
    assert!(stderr(&o).contains("EDV = -3 mL"), "{}", stderr(&o));
    assert!(!dir.path().join("cal").exists(), "no output on failure");
    let args = ["unload", "patient.toml", "--pressure", "1", "--tol", "1e-12", "--max-iterations", "1", "-o", "u.msh"];
    let o = run_in(dir.path(), &args);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("did not converge in 1 iterations"), "{}", stderr(&o));
    assert!(!dir.path().join("u.msh").exists(), "no mesh on failure");
}

/// A beam scenario with two probes listed out of alphabetical order, on `backend` by `method`.
fn probe_order_scenario(method: &str, backend: &str) -> String {
    format!(
        r#"
name = "beam"
units = {{ length = "mm", stress = "MPa" }}
[mesh]
file = "beam.msh"
[[material]]
region = "all"
model = "linear_elastic"
youngs_modulus = 1000.0
poisson_ratio = 0.3
[[support]]
kind = "fixed"
surface = "xmin"
[[load]]
kind = "traction"
surface = "xmax"
value = [0.0, 0.0, -0.01]
[solver]
backend = "{backend}"
method = "{method}"
[[probe]]
name = "zeta"
point = [10.0, 0.5, 0.5]
[[probe]]
name = "alpha"
point = [5.0, 0.5, 0.5]
"#
    )
}

/// Issue 11, items 17 and 22: probes print in the scenario's order; `auto` says why it chose the
/// CPU for a direct solve; the solver line names no preconditioner for a direct solve; a CG run
/// saves its residual history as residuals.csv (one row per iteration), a direct run none;
/// counts take their singular; no "-0.000%"; `-q run` still prints the results.
#[test]
fn run_output_reads_as_a_careful_user_expects() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_in(dir.path(), &["mesh", "beam", "-o", "beam.msh"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stdout(&o).contains("-0.000%"), "{}", stdout(&o));
    assert!(stdout(&o).contains(" nodes, ") && stdout(&o).contains("+0.000%"), "{}", stdout(&o));
    std::fs::write(dir.path().join("direct.toml"), probe_order_scenario("direct", "auto")).unwrap();
    let o = run_in(dir.path(), &["run", "direct.toml", "--out", "d", "--no-report"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let (zeta, alpha) = (text.find("probe          zeta").unwrap(), text.find("probe          alpha").unwrap());
    assert!(zeta < alpha, "file order, not alphabetical:\n{text}");
    assert!(text.contains("solver         cpu direct f64") && !text.contains("direct/"), "{text}");
    assert!(stderr(&o).contains("note: backend auto chose the CPU: method = \"direct\""), "{}", stderr(&o));
    assert!(!dir.path().join("d/residuals.csv").exists(), "a direct solve has no residual history");
    std::fs::write(dir.path().join("cg.toml"), probe_order_scenario("cg", "cpu")).unwrap();
    let o = run_in(dir.path(), &["-q", "run", "cg.toml", "--out", "c", "--json", "--no-report"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).is_empty(), "--quiet: {}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("-q keeps the results");
    let iterations = v["solver"]["iterations"].as_u64().unwrap() as usize;
    assert_eq!(v["solver"]["convergence"], "tolerance");
    let csv = std::fs::read_to_string(dir.path().join("c/residuals.csv")).expect("residuals.csv");
    assert!(csv.starts_with("iteration,relative_residual\n1,"), "{csv}");
    assert_eq!(csv.lines().count(), iterations + 1, "one row per iteration");
}

/// Issue 11, item 19: a body of two regions (the implant bonded in bone) held only by a roller
/// names both regions, not the first cell's.
#[test]
fn an_unsupported_body_names_all_its_regions() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(scenario("implant_in_bone.toml"))
        .unwrap()
        .replace(
            "../implant_in_bone.msh",
            &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("meshes/implant_in_bone.msh").display().to_string(),
        )
        .replace("kind = \"fixed\"\nsurface = \"bone_bottom\"", "kind = \"symmetry\"\nsurface = \"bone_bottom\"");
    let path = dir.path().join("roller.toml");
    std::fs::write(&path, text).unwrap();
    let o = run(&["run", path.to_str().unwrap(), "--out", dir.path().join("o").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(65), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("regions 'implant', 'bone'") || e.contains("regions 'bone', 'implant'"), "{e}");
    assert!(e.contains("is not held by the supports"), "{e}");
}

/// Issue 11, item 22: the Abaqus fixtures carry a neutral heading, not the path of the machine
/// that generated them.
#[test]
fn abaqus_fixtures_carry_a_neutral_heading() {
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let bad = fixtures.join("bad");
    for entry in std::fs::read_dir(&fixtures).unwrap().chain(std::fs::read_dir(&bad).unwrap()) {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "inp") {
            let text = std::fs::read_to_string(&path).unwrap();
            let heading = text.lines().skip_while(|l| !l.starts_with("*Heading")).nth(1).unwrap_or_default();
            assert!(!heading.trim_start().starts_with('/'), "{}: heading {heading:?}", path.display());
        }
    }
}
