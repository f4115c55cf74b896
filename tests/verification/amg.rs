//! Smoothed-aggregation AMG ([`organ_twin::solve::amg`]): each setup stage against its
//! definition on small meshes (rigid-body modes reproduced, Galerkin products against dense
//! ones), the V-cycle's symmetry and positivity, pattern reuse, and AMG-CG on the verification
//! meshes: at most 40 iterations to rtol 1e-8, the count growing at most 1.3× per halving of h
//! on the cantilever (counts committed in reference.json), and the direct solver's solution.

use nalgebra::{DMatrix, DVector};
use nalgebra_sparse::CsrMatrix;
use organ_twin::fem::{constraint, laplace, Dirichlet, DofMap};
use organ_twin::io::{self, Format};
use organ_twin::mesh::generate::{beam, lv, sphere, BeamParams, LvParams, Order, SphereParams};
use organ_twin::mesh::BuildOptions;
use organ_twin::progress::Silent;
use organ_twin::solve::amg::{aggregate, strength, tentative, AmgError};
use organ_twin::solve::{
    self, AmgCache, AmgParams, Backend, Hierarchy, Method, NearNullspace, Preconditioner, PreconditionerKind,
    SolveError, SolveHints, SolveParams,
};
use organ_twin::twin::Problem;

use crate::common::{build, gpu, reference, Rng};

fn cantilever_toml(youngs_modulus: f64, poisson_ratio: f64) -> String {
    format!(
        r#"
name = "cantilever"
[mesh]
file = "generated"
[[material]]
region = "all"
model = "linear_elastic"
youngs_modulus = {youngs_modulus}
poisson_ratio = {poisson_ratio}
[[support]]
kind = "fixed"
surface = "xmin"
[[load]]
kind = "force"
surface = "xmax"
value = [0.0, 0.0, -1.0]
[solver]
method = "cg"
preconditioner = "amg"
rtol = 1e-8
"#
    )
}

fn cantilever(divisions: [usize; 3], order: Order) -> Problem {
    let mesh = beam(&BeamParams { size: [10.0, 1.0, 1.0], divisions, order }).unwrap();
    build(&cantilever_toml(1000.0, 0.3), mesh).unwrap()
}

/// The constrained system and its near-nullspace.
fn system(p: &Problem) -> (CsrMatrix<f64>, Vec<f64>, NearNullspace) {
    let (a, b) = p.constrained_system();
    (a, b, p.near_nullspace())
}

fn direct(a: &CsrMatrix<f64>, b: &[f64]) -> Vec<f64> {
    let mut x = vec![0.0; b.len()];
    let params = SolveParams { method: Method::Direct, ..SolveParams::default() };
    solve::solve(a, b, &mut x, &params, &Backend::Cpu, &Silent).unwrap();
    x
}

/// AMG-CG from zero to rtol 1e-8: the solution and the report.
fn amg_cg(a: &CsrMatrix<f64>, b: &[f64], ns: &NearNullspace) -> (Vec<f64>, solve::SolveReport) {
    let params = SolveParams {
        preconditioner: PreconditionerKind::Amg,
        rtol: 1e-8,
        max_iterations: 200,
        ..SolveParams::default()
    };
    let mut x = vec![0.0; b.len()];
    let hints = SolveHints { nullspace: Some(ns), ..SolveHints::default() };
    let r = solve::solve_with(a, b, &mut x, &params, &Backend::Cpu, &Silent, &hints).unwrap();
    (x, r)
}

fn relative_difference(x: &[f64], y: &[f64]) -> f64 {
    let d: f64 = x.iter().zip(y).map(|(a, b)| (a - b).powi(2)).sum::<f64>().sqrt();
    d / y.iter().map(|v| v * v).sum::<f64>().sqrt()
}

/// Rows whose off-diagonal entries are all zero (eliminated for a Dirichlet condition).
fn eliminated(a: &CsrMatrix<f64>) -> Vec<usize> {
    (0..a.nrows())
        .filter(|&i| {
            let row = a.row(i);
            row.col_indices().iter().zip(row.values()).all(|(&j, &v)| j == i || v == 0.0)
        })
        .collect()
}

#[test]
fn tentative_prolongator_reproduces_the_rigid_body_modes() {
    let p = cantilever([20, 2, 2], Order::Linear);
    let (a, _, ns) = system(&p);
    let fixed = eliminated(&a);
    assert_eq!(fixed.len(), 3 * 9, "the clamped face's 9 nodes");
    let ns = ns.without(&fixed);
    let agg = aggregate::standard(&strength::strong_graph(&a, 3, 0.0));
    // Every node but the clamped ones is aggregated.
    for (s, a) in agg.of_node.iter().enumerate() {
        assert_eq!(a.is_none(), fixed.contains(&(3 * s)), "node {s}");
    }
    let (t, coarse) = tentative::tentative(&agg, &ns);
    assert_eq!((t.ncols(), coarse.dim(), coarse.block()), (6 * agg.count, 6, 6));
    let td = DMatrix::from(&t);
    for (j, (b, bc)) in ns.vectors().iter().zip(coarse.vectors()).enumerate() {
        let tb = &td * DVector::from_column_slice(bc);
        // Entries are O(1) (modes scaled by the extent); Gram–Schmidt on ≤ 60 rows loses a few ulps.
        let err = tb.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max);
        assert!(err < 1e-13, "mode {j}: T B_c differs from B by {err:e}");
    }
    // Orthonormal columns (or zero ones, for modes dependent on an aggregate).
    let gram = td.transpose() * &td;
    for i in 0..gram.nrows() {
        for j in 0..gram.ncols() {
            let want = if i == j && gram[(i, i)] > 0.5 { 1.0 } else { 0.0 };
            assert!((gram[(i, j)] - want).abs() < 1e-13, "TᵀT[{i},{j}] = {}", gram[(i, j)]);
        }
    }
}

/// The dense `M⁻¹` of 3 × 3 (level 0) or 6 × 6 blocks.
fn block_inverse(a: &DMatrix<f64>, b: usize) -> DMatrix<f64> {
    let mut m = DMatrix::zeros(a.nrows(), a.ncols());
    for s in 0..a.nrows() / b {
        let block = a.view((b * s, b * s), (b, b)).clone_owned();
        m.view_mut((b * s, b * s), (b, b)).copy_from(&block.try_inverse().unwrap());
    }
    m
}

#[test]
fn coarse_operators_are_galerkin_products_of_smoothed_prolongators() {
    let p = cantilever([20, 2, 2], Order::Linear);
    let (a, _, ns) = system(&p);
    let params = AmgParams { max_coarse: 20, ..AmgParams::default() };
    let h = Hierarchy::build(&a, &ns, &params).unwrap();
    let report = h.report();
    assert!(report.levels.len() >= 3, "{report:?}");
    for l in 0..report.levels.len() - 1 {
        let ad = DMatrix::from(if l == 0 { &a } else { h.matrix(l).unwrap() });
        let acd = DMatrix::from(h.matrix(l + 1).unwrap());
        let (t, p) = h.prolongators(l).unwrap();
        let (td, pd) = (DMatrix::from(t), DMatrix::from(p));
        // P = (I − ω M⁻¹A) T with ω = 4 / (3 ρ).
        let omega = 4.0 / (3.0 * report.levels[l].spectral_radius);
        let n = ad.nrows();
        let want = (DMatrix::identity(n, n) - omega * block_inverse(&ad, report.levels[l].block) * &ad) * &td;
        assert!((&pd - &want).amax() < 1e-12 * want.amax(), "level {l}: P is not the smoothed T");
        let g = pd.transpose() * &ad * &pd;
        let scale = g.amax();
        for i in 0..g.nrows() {
            if g.row(i).iter().all(|&v| v == 0.0) {
                // A dependent mode: decoupled, with a positive diagonal.
                assert!(acd[(i, i)] > 0.0 && acd.row(i).iter().filter(|&&v| v != 0.0).count() == 1, "row {i}");
                continue;
            }
            // Sums of ~1e3 products, in another order: rounding of a few hundred ulps of the scale.
            let d = (acd.row(i) - g.row(i)).amax();
            assert!(d < 1e-12 * scale, "level {l} row {i}: A_c − PᵀAP = {d:e} of {scale:e}");
        }
    }
}

#[test]
fn v_cycle_is_symmetric_and_positive_definite() {
    let p = cantilever([40, 4, 4], Order::Linear);
    let (a, _, ns) = system(&p);
    for max_coarse in [2000, 50] {
        let h = Hierarchy::build(&a, &ns, &AmgParams { max_coarse, ..AmgParams::default() }).unwrap();
        let mut rng = Rng(max_coarse as u64);
        let n = a.nrows();
        let apply = |x: &[f64]| {
            let mut z = vec![0.0; n];
            h.apply(&a, x, &mut z);
            z
        };
        let dot = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(a, b)| a * b).sum::<f64>();
        let norm = |x: &[f64]| dot(x, x).sqrt();
        for _ in 0..3 {
            let x: Vec<f64> = (0..n).map(|_| rng.symmetric()).collect();
            let y: Vec<f64> = (0..n).map(|_| rng.symmetric()).collect();
            let (mx, my) = (apply(&x), apply(&y));
            // A V-cycle is ~30 sparse products and solves, each rounding relative ~1e-15 per entry
            // times the row length; 1e-11 of ‖Mx‖‖y‖ leaves a factor 100 over what was measured.
            let asym = (dot(&mx, &y) - dot(&x, &my)).abs() / (norm(&mx) * norm(&y));
            eprintln!(
                "V-cycle with max_coarse {max_coarse} ({} levels): asymmetry {asym:.2e}",
                h.report().levels.len()
            );
            assert!(asym < 1e-11, "⟨Mx, y⟩ ≠ ⟨x, My⟩: {asym:e}");
            assert!(dot(&mx, &x) > 0.0 && dot(&my, &y) > 0.0, "not positive");
        }
    }
}

/// Iterations of AMG-CG to 1e-8 and its distance to the direct solution.
fn check(name: &str, p: &Problem) -> usize {
    let (a, b, ns) = system(p);
    let (x, r) = amg_cg(&a, &b, &ns);
    let d = relative_difference(&x, &direct(&a, &b));
    let amg = r.amg.as_ref().unwrap();
    eprintln!(
        "{name}: {} DOFs, {} iterations, {} levels, complexity {:.2}, setup {:.3} s, solve {:.3} s, |x − x_direct| / |x| = {d:.1e}",
        b.len(),
        r.iterations,
        amg.levels.len(),
        amg.operator_complexity,
        amg.setup_seconds,
        r.seconds
    );
    assert!(r.iterations <= 40, "{name}: {} iterations", r.iterations);
    // rtol 1e-8 bounds the error by κ · 1e-8 only; CG's error here is far below that, and the
    // test holds it to the issue's 1e-8.
    assert!(d < 1e-8, "{name}: {d:e} from the direct solution");
    r.iterations
}

/// The Tet10 cantilever of the reference divisions.
fn cantilever_tet10() -> Problem {
    let r = reference();
    let d: Vec<usize> =
        r["cantilever"]["tet10_divisions"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
    cantilever([d[0], d[1], d[2]], Order::Quadratic)
}

/// Lamé octant (Tet10, three symmetry planes: one component per node eliminated).
fn sphere_problem() -> Problem {
    let mesh = sphere(&SphereParams {
        inner_radius: 1.0,
        outer_radius: 2.0,
        subdivisions: 8,
        layers: 4,
        octant: true,
        order: Order::Quadratic,
    })
    .unwrap();
    let text = "name = \"lame\"\n[mesh]\nfile = \"generated\"\n[[material]]\nregion = \"wall\"\nmodel = \"linear_elastic\"\nyoungs_modulus = 1000.0\npoisson_ratio = 0.3\n[[support]]\nkind = \"symmetry\"\nsurface = \"symmetry_x\"\n[[support]]\nkind = \"symmetry\"\nsurface = \"symmetry_y\"\n[[support]]\nkind = \"symmetry\"\nsurface = \"symmetry_z\"\n[[load]]\nkind = \"pressure\"\nsurface = \"inner\"\nvalue = 1.0\n";
    build(text, mesh).unwrap()
}

/// Titanium in bone (E ratio 6.7), the shipped Gmsh mesh and scenario.
fn implant_problem() -> Problem {
    let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/meshes/implant_in_bone.msh")).unwrap();
    let mesh = io::parse_mesh(&bytes, Format::Gmsh, "implant_in_bone.msh", &BuildOptions::default()).unwrap().mesh;
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/meshes/scenarios/implant_in_bone.toml")).unwrap();
    build(&text, mesh).unwrap()
}

/// Idealised LV, nearly incompressible myocardium (ν = 0.45), base fixed, endocardial pressure.
fn lv_problem() -> Problem {
    let mesh = lv(&LvParams::default()).unwrap();
    let text = "name = \"lv\"\nunits = { length = \"mm\", stress = \"kPa\" }\n[mesh]\nfile = \"generated\"\n[[material]]\nregion = \"all\"\nmodel = \"linear_elastic\"\nyoungs_modulus = 10.0\npoisson_ratio = 0.45\n[[support]]\nkind = \"fixed\"\nsurface = \"base\"\n[[load]]\nkind = \"pressure\"\nsurface = \"endo\"\nvalue = 1.6\n";
    build(text, mesh).unwrap()
}

#[test]
fn amg_cg_converges_in_tens_of_iterations_on_the_verification_meshes() {
    check("cantilever tet10", &cantilever_tet10());
    check("sphere tet10", &sphere_problem());
    check("implant", &implant_problem());
    check("lv tet4", &lv_problem());
}

/// GPU AMG-CG (f32 CG and V-cycle on the GPU, f64 residual replacement) against the CPU AMG-CG
/// (iterations) and the direct solution.
fn check_gpu(name: &str, p: &Problem, backend: &Backend, band: f64) {
    let (a, b, ns) = system(p);
    let (_, cpu) = amg_cg(&a, &b, &ns);
    let params = SolveParams {
        preconditioner: PreconditionerKind::Amg,
        rtol: 1e-8,
        max_iterations: 200,
        ..SolveParams::default()
    };
    let hints = SolveHints { nullspace: Some(&ns), ..SolveHints::default() };
    let mut x = vec![0.0; b.len()];
    let start = std::time::Instant::now();
    let r =
        solve::solve_with(&a, &b, &mut x, &params, backend, &Silent, &hints).unwrap_or_else(|e| panic!("{name}: {e}"));
    let wall = start.elapsed().as_secs_f64();
    let d = relative_difference(&x, &direct(&a, &b));
    let amg = r.amg.as_ref().unwrap();
    eprintln!(
        "GPU AMG-CG {name}: {} DOFs, {} iterations (CPU AMG-CG {}), {} residual replacements, {} levels, setup {:.3} s, solve {:.3} s, total {wall:.3} s, |x − x_direct| / |x| = {d:.1e}",
        b.len(),
        r.iterations,
        cpu.iterations,
        r.refinements,
        amg.levels.len(),
        amg.setup_seconds,
        r.seconds
    );
    assert_eq!(r.backend, "gpu");
    // The same preconditioner in f32 (GPU and CPU recurrences agree to five digits); each f64
    // residual replacement continues the direction from a slightly different residual, which
    // may cost an iteration or two: within `band` × the CPU count, or 2.
    let band = (band * cpu.iterations as f64).max(2.0);
    assert!(
        (r.iterations as f64 - cpu.iterations as f64).abs() <= band,
        "{name}: GPU {} iterations, CPU {}",
        r.iterations,
        cpu.iterations
    );
    assert!(r.relative_residual <= 1e-8, "{name}: residual {:e}", r.relative_residual);
    assert!(d < 1e-8, "{name}: {d:e} from the direct solution");
}

#[test]
fn gpu_amg_cg_matches_the_cpu_on_the_verification_meshes() {
    let Some(g) = gpu() else { return };
    let backend = Backend::Gpu(g);
    check_gpu("cantilever tet4", &cantilever([40, 4, 4], Order::Linear), &backend, 0.1);
    check_gpu("implant", &implant_problem(), &backend, 0.1);
    check_gpu("lv tet4", &lv_problem(), &backend, 0.1);
    check_gpu("sphere tet10", &sphere_problem(), &backend, 0.1);
    // The slender Tet10 beam is at f32's limit (the block-Jacobi GPU solver cannot solve it,
    // see gpu_solver.rs): its f32 matrix bounds each cycle's true gain, so it needs 5 f64
    // replacements to the others' 4 (measured 28 iterations against the CPU's 27).
    check_gpu("cantilever tet10", &cantilever_tet10(), &backend, 0.1);
}

#[test]
fn amg_iterations_grow_slowly_under_refinement() {
    let committed = &reference()["amg"]["cantilever_tet4"];
    let ks: Vec<usize> = committed["k"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
    let counts: Vec<usize> = ks
        .iter()
        .map(|&k| check(&format!("cantilever tet4 k = {k}"), &cantilever([10 * k, k, k], Order::Linear)))
        .collect();
    eprintln!("AMG-CG iterations on the cantilever, k = {ks:?}: {counts:?}");
    for w in counts.windows(2) {
        assert!(w[1] as f64 <= 1.3 * w[0] as f64, "{counts:?} grows faster than 1.3x per halving of h");
    }
    let want: Vec<usize> =
        committed["iterations"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
    assert_eq!(counts, want, "changed from the committed counts (the setup and cycle are deterministic)");
}

#[test]
fn scalar_laplace_uses_block_size_one() {
    let mesh = beam(&BeamParams { size: [10.0, 1.0, 1.0], divisions: [80, 8, 8], order: Order::Linear }).unwrap();
    let dofs = DofMap::new(&mesh);
    let k = laplace::stiffness(&mesh, &dofs).unwrap();
    let pairs = (0..mesh.nodes().len())
        .filter_map(|n| {
            let x = mesh.nodes()[n][0];
            (x == 0.0 || x == 10.0).then(|| (dofs.slot(n).unwrap(), x / 10.0))
        })
        .collect();
    let (a, b) = constraint::constrain(&k, &vec![0.0; dofs.slots()], &Dirichlet::new(pairs));
    let ns = NearNullspace::translations(a.nrows(), 1).unwrap();
    let (x, r) = amg_cg(&a, &b, &ns);
    let amg = r.amg.unwrap();
    eprintln!("laplace: {} unknowns, {} iterations, {:?}", a.nrows(), r.iterations, amg.levels);
    assert!(amg.levels.len() >= 2 && amg.levels.iter().all(|l| l.block == 1), "{amg:?}");
    assert!(r.iterations <= 20, "{} iterations", r.iterations);
    // The exact solution is linear in x: u = x / 10 at every node.
    let err = (0..dofs.slots()).map(|s| (x[s] - mesh.nodes()[dofs.node(s)][0] / 10.0).abs()).fold(0.0, f64::max);
    assert!(err < 1e-7, "max nodal error {err:e}");
    assert!(relative_difference(&x, &direct(&a, &b)) < 1e-8);
}

#[test]
fn refresh_reuses_the_pattern_and_equals_a_fresh_build() {
    let mesh = || beam(&BeamParams { size: [10.0, 1.0, 1.0], divisions: [40, 4, 4], order: Order::Linear }).unwrap();
    let p1 = build(&cantilever_toml(1000.0, 0.3), mesh()).unwrap();
    let p2 = build(&cantilever_toml(3000.0, 0.4), mesh()).unwrap();
    let ((a1, _, ns), (a2, b2, _)) = (system(&p1), system(&p2));
    let params = AmgParams { max_coarse: 50, ..AmgParams::default() };
    let mut h = Hierarchy::build(&a1, &ns, &params).unwrap();
    h.refresh(&a2).unwrap();
    assert!(h.report().refreshed);
    let fresh = Hierarchy::build(&a2, &ns, &params).unwrap();
    let (mut z1, mut z2) = (vec![0.0; b2.len()], vec![0.0; b2.len()]);
    h.apply(&a2, &b2, &mut z1);
    fresh.apply(&a2, &b2, &mut z2);
    // θ = 0: the same aggregates, so the same arithmetic in the same order.
    assert_eq!(z1, z2, "a refreshed hierarchy differs from a fresh one");
    // Another pattern is refused with its reason.
    let small = system(&cantilever([10, 1, 1], Order::Linear)).0;
    assert!(matches!(h.refresh(&small), Err(AmgError::Pattern { .. })));
    // Through solve_with: the cache builds once, then refreshes, and a second solve with the very
    // same matrix (a bordered Newton's second right-hand side) reuses it untouched.
    let cache = AmgCache::new();
    let hints = SolveHints { nullspace: Some(&ns), amg: Some(&cache), ..SolveHints::default() };
    let params = SolveParams { preconditioner: PreconditionerKind::Amg, rtol: 1e-8, ..SolveParams::default() };
    let reports: Vec<solve::SolveReport> = [&a1, &a2, &a2, &a1]
        .iter()
        .map(|a| {
            let mut x = vec![0.0; b2.len()];
            solve::solve_with(a, &b2, &mut x, &params, &Backend::Cpu, &Silent, &hints).unwrap()
        })
        .collect();
    let refreshed: Vec<bool> = reports.iter().map(|r| r.amg.as_ref().unwrap().refreshed).collect();
    assert_eq!(refreshed, [false, true, true, true]);
    let reused: Vec<bool> = reports.iter().map(|r| r.amg.as_ref().unwrap().reused).collect();
    assert_eq!(reused, [false, false, true, false]);
    assert_eq!(reports[2].amg.as_ref().unwrap().setup_seconds, 0.0);
    assert_eq!(reports[2].iterations, reports[1].iterations, "the same preconditioner, the same iterations");
}

#[test]
fn gpu_refresh_uploads_values_into_the_same_buffers() {
    let Some(g) = gpu() else { return };
    let backend = std::sync::Arc::new(organ_twin::solve::GpuBackend::new(g.gpu().clone()));
    let mesh = || beam(&BeamParams { size: [10.0, 1.0, 1.0], divisions: [40, 4, 4], order: Order::Linear }).unwrap();
    let p1 = build(&cantilever_toml(1000.0, 0.3), mesh()).unwrap();
    let p2 = build(&cantilever_toml(3000.0, 0.4), mesh()).unwrap();
    let ((a1, b, ns), (a2, _, _)) = (system(&p1), system(&p2));
    let cache = AmgCache::new();
    let hints = SolveHints { nullspace: Some(&ns), amg: Some(&cache), ..SolveHints::default() };
    let params = SolveParams { preconditioner: PreconditionerKind::Amg, rtol: 1e-8, ..SolveParams::default() };
    for (a, refreshed, reused) in [(&a1, false, false), (&a2, true, false), (&a1, true, false), (&a1, true, true)] {
        let mut x = vec![0.0; b.len()];
        let r = solve::solve_with(a, &b, &mut x, &params, &Backend::Gpu(backend.clone()), &Silent, &hints).unwrap();
        assert_eq!((r.amg.as_ref().unwrap().refreshed, r.amg.as_ref().unwrap().reused), (refreshed, reused));
        let d = relative_difference(&x, &direct(a, &b));
        assert!(d < 1e-8 && r.iterations <= 40, "{d:e} after {} iterations", r.iterations);
    }
    // A Newton-like sequence on one pattern: one engine and one V-cycle buffer set, refilled;
    // the repeated matrix (reused hierarchy) uploads nothing.
    assert_eq!((backend.engines_built(), backend.vcycles_built()), (1, 1));
    assert_eq!(backend.vcycle_uploads(), 3);
    // A block-Jacobi solve on the same engine drops the V-cycle; AMG afterwards rebuilds it.
    let mut x = vec![0.0; b.len()];
    solve::solve(&a1, &b, &mut x, &SolveParams::default(), &Backend::Gpu(backend.clone()), &Silent).unwrap();
    assert!(relative_difference(&x, &direct(&a1, &b)) < 1e-8);
    assert_eq!(backend.engines_built(), 1);
    // ... and uploads again, though the hierarchy is the one of the last AMG solve.
    let mut x = vec![0.0; b.len()];
    let r = solve::solve_with(&a1, &b, &mut x, &params, &Backend::Gpu(backend.clone()), &Silent, &hints).unwrap();
    assert!(r.amg.as_ref().unwrap().reused && relative_difference(&x, &direct(&a1, &b)) < 1e-8);
    assert_eq!((backend.vcycles_built(), backend.vcycle_uploads()), (2, 4));
}

#[test]
fn the_scenario_hook_and_its_refusals() {
    // `preconditioner = "amg"` in [solver] runs AMG-CG with the rigid-body modes.
    let p = cantilever([40, 4, 4], Order::Linear);
    let s = p.solve(&Backend::Cpu, &Silent).unwrap();
    let amg = s.report.amg.as_ref().unwrap();
    assert!(s.report.iterations <= 40 && amg.nullspace.starts_with("6 vectors"), "{:?}", s.report);
    assert_eq!(s.summary.solver.preconditioner, "amg");
    // Without coordinates: translations only, and the report says so.
    let (a, b, _) = system(&p);
    let params = SolveParams { preconditioner: PreconditionerKind::Amg, rtol: 1e-8, ..SolveParams::default() };
    let mut x = vec![0.0; b.len()];
    let r = solve::solve(&a, &b, &mut x, &params, &Backend::Cpu, &Silent).unwrap();
    assert!(r.amg.unwrap().nullspace.contains("no rotations"));
    eprintln!("translations only: {} iterations (rigid-body modes: {})", r.iterations, s.report.iterations);
    // The matrix preconditioners cannot be asked for AMG; the scenario's AMG runs on the GPU too.
    assert!(matches!(Preconditioner::new(PreconditionerKind::Amg, &a), Err(SolveError::Shape { .. })));
    if let Some(g) = gpu() {
        let s = p.solve(&Backend::Gpu(g), &Silent).unwrap();
        assert!(s.report.amg.is_some() && s.report.backend == "gpu", "{:?}", s.report);
        assert!(s.report.iterations <= 40, "{} iterations", s.report.iterations);
    }
}
