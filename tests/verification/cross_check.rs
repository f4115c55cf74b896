//! The cross-check of a static run against the CPU direct reference (`run --cross-check`): a
//! GPU solve of the implant passes it by orders of magnitude, and a solution 1 % off fails it
//! with a warning.

use organ_twin::progress::Silent;
use organ_twin::solve::Backend;
use organ_twin::twin::cross_check::{cross_check, AMPLIFICATION};
use organ_twin::twin::{Problem, Scenario, Solution};

use crate::common::gpu;

/// The bundled implant in bone (Tet4, rtol 1e-10) built on its own scenario.
fn implant() -> Problem {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mesh = organ_twin::io::read_mesh(&root.join("meshes/implant_in_bone.msh"), &Default::default()).unwrap().mesh;
    let text = std::fs::read_to_string(root.join("meshes/scenarios/implant_in_bone.toml")).unwrap();
    let scenario = Scenario::parse(&text, "implant_in_bone.toml").expect("scenario");
    Problem::build(scenario, mesh, "implant_in_bone.toml", &Silent).expect("problem")
}

/// On lavapipe (f32 CG with f64 residual replacement, residual ≤ 1e-10) the implant's
/// displacement differs from the direct solve by about 1e-10 of its peak (measured 9.7e-11,
/// 1.3 times the residual): passed, with two to three orders of magnitude to spare below the
/// tolerance of 1000 times the residual, and not zero (the two solves are different solvers).
#[test]
fn a_gpu_solve_of_the_implant_passes_the_cross_check() {
    let Some(gpu) = gpu() else { return };
    let problem = implant();
    let solution = problem.solve(&Backend::Gpu(gpu), &Silent).expect("GPU solve");
    let (check, warning) = cross_check(&problem, &solution, &Silent).expect("cross-check");
    eprintln!("implant GPU vs direct: {check:?}");
    assert!(check.passed && warning.is_none(), "{check:?} {warning:?}");
    assert!(check.solved.starts_with("gpu cg") && check.reference.contains("direct"), "{check:?}");
    assert_eq!(check.tolerance, AMPLIFICATION * 1e-10, "rtol 1e-10 above the residual");
    assert!(check.displacement_difference > 0.0 && check.displacement_difference < 1e-2 * check.tolerance);
    assert!(check.von_mises_difference < 1e-2 * check.tolerance, "{check:?}");
}

/// A solution whose displacements are 1 % off (as a wrong kernel or a stale buffer would leave)
/// fails, and the warning gives the figures.
#[test]
fn a_solution_one_percent_off_fails_the_cross_check() {
    let problem = implant();
    let solution = problem.solve(&Backend::Cpu, &Silent).expect("CPU CG solve");
    let (check, _) = cross_check(&problem, &solution, &Silent).expect("cross-check");
    assert!(check.passed, "{check:?}");
    let wrong =
        Solution { displacement: solution.displacement.iter().map(|u| u.map(|c| 1.01 * c)).collect(), ..solution };
    let (check, warning) = cross_check(&problem, &wrong, &Silent).expect("cross-check");
    assert!(!check.passed, "{check:?}");
    assert!((check.displacement_difference - 0.01).abs() < 1e-6, "{check:?}");
    let warning = warning.expect("a warning");
    assert!(warning.contains("1.00e-2") && warning.contains("--backend cpu"), "{warning}");
}
