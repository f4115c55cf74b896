//! Fast paths against their oracles: parallel vs serial assembly, CG vs sparse Cholesky,
//! preconditioners, f32 CG, and equilibrium (reactions balance the applied load).

use organ_twin::fem::{Assembler, LinearElastic};
use organ_twin::io::{self, Format};
use organ_twin::mesh::generate::{beam, BeamParams, Order};
use organ_twin::mesh::{BuildOptions, Mesh};
use organ_twin::progress::Silent;
use organ_twin::solve::{self, Backend, Method, PreconditionerKind, SolveError, SolveParams};

use crate::common::build;

fn implant() -> Mesh {
    let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/meshes/implant_in_bone.msh")).unwrap();
    io::parse_mesh(&bytes, Format::Gmsh, "implant_in_bone.msh", &BuildOptions::default()).unwrap().mesh
}

fn implant_scenario() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/meshes/scenarios/implant_in_bone.toml")).unwrap()
}

fn tet10_beam() -> Mesh {
    beam(&BeamParams { size: [10.0, 1.0, 1.0], divisions: [20, 2, 2], order: Order::Quadratic }).unwrap()
}

#[test]
fn parallel_assembly_matches_the_serial_element_loop() {
    for mesh in [implant().scaled(1e-3), tet10_beam()] {
        let materials: Vec<LinearElastic> = mesh
            .cell_regions()
            .iter()
            .map(|&r| LinearElastic::new(if r == 1 { 110e9 } else { 17e9 }, if r == 1 { 0.34 } else { 0.3 }).unwrap())
            .collect();
        let a = Assembler::new(&mesh).unwrap();
        let (mut par, mut ser) = (a.zero_matrix(), a.zero_matrix());
        a.assemble(&materials, &mut par).unwrap();
        a.assemble_serial(&materials, &mut ser).unwrap();
        let max = ser.values().iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let diff = par.values().iter().zip(ser.values()).fold(0.0f64, |m, (p, s)| m.max((p - s).abs()));
        // Different formulas (λ/μ blocks vs Bᵀ D B) and summation orders: rounding only, each
        // entry a sum of at most ~40 terms of size ≤ max.
        assert!(diff <= 1e-13 * max * 40.0, "max difference {diff:e} of {max:e}");
        // Symmetric, and every row sums to zero (rigid translations are in the null space).
        let t = par.transpose();
        assert!(par.values().iter().zip(t.values()).all(|(x, y)| (x - y).abs() <= 1e-12 * max));
        for row in par.row_iter() {
            let s: f64 = row.values().iter().sum();
            assert!(s.abs() <= 1e-10 * max, "row sum {s:e}");
        }
        // Refilling reuses the pattern and gives the same bits (fixed summation order).
        let before = par.values().to_vec();
        a.assemble(&materials, &mut par).unwrap();
        assert_eq!(before, par.values());
    }
}

#[test]
fn cg_agrees_with_direct_and_reactions_balance() {
    let scenario = implant_scenario();
    for (mesh, text) in [(implant(), scenario.clone())] {
        let p = build(&text, mesh).unwrap();
        let (a, b) = p.constrained_system();
        let mut direct = vec![0.0; b.len()];
        let params = SolveParams { method: Method::Direct, ..SolveParams::default() };
        let rd = solve::solve(&a, &b, &mut direct, &params, &Backend::Cpu, &Silent).unwrap();
        // Backward stable: the residual is a modest multiple of ε · ‖A‖‖x‖ / ‖b‖.
        assert!(rd.relative_residual < 1e-12, "direct residual {}", rd.relative_residual);
        let norm = direct.iter().map(|v| v * v).sum::<f64>().sqrt();
        for pre in [PreconditionerKind::None, PreconditionerKind::Jacobi, PreconditionerKind::BlockJacobi] {
            // ‖x − x*‖/‖x*‖ ≤ κ(A) · rtol: at the default rtol 1e-10 this stays below 1e-8 while the
            // (preconditioned) condition number is below 100; measured differences are ~1e-11.
            let params = SolveParams { preconditioner: pre, max_iterations: 100_000, ..SolveParams::default() };
            let mut x = vec![0.0; b.len()];
            let r = solve::solve(&a, &b, &mut x, &params, &Backend::Cpu, &Silent).unwrap();
            let err = x.iter().zip(&direct).map(|(x, y)| (x - y).powi(2)).sum::<f64>().sqrt() / norm;
            eprintln!("{}: {} iterations, difference to direct {err:.2e}", pre.name(), r.iterations);
            assert!(err < 1e-8, "{}: {err:e}", pre.name());
            assert_eq!(r.history.len(), r.iterations);
        }
        // Equilibrium: the support reactions balance the applied load.
        let s = p.solve(&Backend::Cpu, &Silent).unwrap().summary;
        let total: [f64; 3] =
            std::array::from_fn(|k| s.reactions.values().map(|r| r[k]).sum::<f64>() + s.applied_load[k]);
        let scale = s.applied_load.iter().map(|v| v * v).sum::<f64>().sqrt();
        assert!(total.iter().all(|t| t.abs() <= 1e-8 * scale), "unbalanced {total:?}");
    }
}

#[test]
fn block_jacobi_beats_jacobi_beats_nothing() {
    let p = build(&implant_scenario(), implant()).unwrap();
    let (a, b) = p.constrained_system();
    let its: Vec<usize> = [PreconditionerKind::None, PreconditionerKind::Jacobi, PreconditionerKind::BlockJacobi]
        .iter()
        .map(|&pre| {
            let params = SolveParams { preconditioner: pre, max_iterations: 100_000, ..SolveParams::default() };
            solve::solve(&a, &b, &mut vec![0.0; b.len()], &params, &Backend::Cpu, &Silent).unwrap().iterations
        })
        .collect();
    eprintln!("iterations none/jacobi/block_jacobi: {its:?}");
    assert!(its[2] < its[1] && its[1] < its[0], "{its:?}");
}

#[test]
fn f32_cg_matches_f64_to_single_precision() {
    let p = build(&implant_scenario(), implant()).unwrap();
    let (a, b) = p.constrained_system();
    // f32 rounding (ε ≈ 6e-8) times the condition number bounds the attainable true residual.
    let params = SolveParams { rtol: 1e-4, ..SolveParams::default() };
    let (x32, r32) = solve::cg_in::<f32>(&a, &b, &params, &Silent).unwrap();
    let (x64, r64) = solve::cg_in::<f64>(&a, &b, &params, &Silent).unwrap();
    eprintln!("f32 {} iterations, f64 {} iterations", r32.iterations, r64.iterations);
    // Same algorithm on rounded data: iteration counts within 10 %, solutions within rtol-scale.
    assert!((r32.iterations as f64 - r64.iterations as f64).abs() <= 0.1 * r64.iterations as f64);
    let norm = x64.iter().map(|v| v * v).sum::<f64>().sqrt();
    let err = x32.iter().zip(&x64).map(|(a, b)| (f64::from(*a) - b).powi(2)).sum::<f64>().sqrt() / norm;
    assert!(err < 1e-3, "f32 vs f64 {err:e}");
    assert_eq!(r32.precision, "f32");
}

#[test]
fn non_convergence_returns_the_partial_report() {
    let p = build(&implant_scenario(), implant()).unwrap();
    let (a, b) = p.constrained_system();
    let params = SolveParams { max_iterations: 5, ..SolveParams::default() };
    let mut x = vec![0.0; b.len()];
    let e = solve::solve(&a, &b, &mut x, &params, &Backend::Cpu, &Silent).unwrap_err();
    let r = e.report().expect("a partial report");
    assert_eq!(r.iterations, 5);
    assert!(r.relative_residual > 1e-10 && r.relative_residual.is_finite());
    assert!(matches!(e, SolveError::IterationLimit { max_iterations: 5, .. }), "{e}");
    assert!(e.to_string().contains("raise solver.max_iterations"), "{e}");
}
