//! Finite strain: the patch test, the incompressible thick-walled sphere against its closed form,
//! and the Land et al. (2015) cardiac mechanics benchmark (Problems 1 and 2), with the committed
//! reference values of `reference.json` (`finite_strain`).

use nalgebra::{Matrix3, Vector3};
use nalgebra_sparse::CsrMatrix;
use organ_twin::fem::finite_strain::{CellMaterials, FiniteStrain};
use organ_twin::fem::hyper::{Frame, Guccione, Law};
use organ_twin::fem::{Assembler, DofMap};
use organ_twin::mesh::generate::{beam, lv, sphere, BeamParams, LvParams, Order, SphereParams};
use organ_twin::mesh::Mesh;
use organ_twin::progress::Silent;
use organ_twin::solve::newton::{newton, Evaluation, Inadmissible, NewtonParams, NonlinearSystem};
use organ_twin::solve::Backend;
use organ_twin::twin::mechanics::eliminated_entries;
use organ_twin::twin::quasi_static::{Outcome, QuasiStatic};
use organ_twin::twin::{Scenario, ScenarioError};

use crate::common::reference;

/// Runs a quasi-static scenario on an in-memory mesh on the CPU.
pub fn run_quasi_static(toml: &str, mesh: Mesh) -> Result<Outcome, ScenarioError> {
    let scenario = Scenario::parse(toml, "test.toml")?;
    let analysis = QuasiStatic::build(scenario, mesh, "test.toml")?;
    analysis.run(&Backend::Cpu, &Silent, &mut |_| Ok(()))
}

/// The deformed position of a probe at the last step.
fn probe(outcome: &Outcome, name: &str) -> [f64; 3] {
    outcome.summary.steps.last().expect("a step").probes[name].position
}

/// Equilibrium with every boundary node prescribed by `u = (F − I) X`.
struct Patch<'a> {
    fs: &'a FiniteStrain,
    materials: CellMaterials<'a>,
    mask: Vec<bool>,
    eliminated: Vec<usize>,
}

impl NonlinearSystem for Patch<'_> {
    fn evaluate(
        &mut self,
        x: &[f64],
        r: &mut [f64],
        k: Option<&mut CsrMatrix<f64>>,
    ) -> Result<Evaluation, Inadmissible> {
        let mut k = k;
        self.fs.assemble(&self.materials, x, r, k.as_deref_mut()).map_err(|e| Inadmissible(e.to_string()))?;
        let scale = r.iter().map(|v| v * v).sum::<f64>().sqrt();
        if let Some(k) = k {
            for &e in &self.eliminated {
                k.values_mut()[e] = 0.0;
            }
        }
        for (v, &m) in r.iter_mut().zip(&self.mask) {
            if m {
                *v = 0.0;
            }
        }
        Ok(Evaluation { scale })
    }
}

/// A homogeneous deformation prescribed on the boundary of a Tet10 cube is reproduced at every
/// interior node to rounding (the Guccione law with an oblique fibre, nearly incompressible).
#[test]
fn finite_strain_patch_test() {
    let mesh = beam(&BeamParams { size: [1.0, 1.0, 1.0], divisions: [3, 3, 3], order: Order::Quadratic }).unwrap();
    let assembler = Assembler::with_dofs(&mesh, DofMap::new(&mesh)).unwrap();
    let fs = FiniteStrain::new(&mesh, &assembler).unwrap();
    let laws: Vec<Box<dyn Law>> = vec![Box::new(Guccione::new(2e3, 8.0, 2.0, 4.0, 2e6).unwrap())];
    let f0 = Vector3::new(1.0, 1.0, 0.5).normalize();
    let s0 = (Vector3::new(0.0, 0.0, 1.0) - f0 * f0[2]).normalize();
    let frame = Frame { fibre: f0.into(), sheet: s0.into(), normal: f0.cross(&s0).into() };
    let cells = mesh.cell_count();
    let (lc, frames, active) = (vec![0; cells], vec![frame; cells], vec![300.0; cells]);
    let zero = vec![0.0; cells];
    let materials =
        CellMaterials { laws: &laws, law_of_cell: &lc, frames: &frames, active_tension: &active, pressure: &zero };
    // Isochoric (det = 1, triangular): a nearly incompressible body under a large volume change
    // would carry a hydrostatic tension of κ (J − 1), far above the shear stiffness.
    let grad = Matrix3::new(1.1, 0.05, 0.02, 0.0, 1.0 / 1.1, 0.03, 0.0, 0.0, 1.0);
    let dofs = assembler.dofs();
    let exact: Vec<f64> = (0..dofs.slots())
        .flat_map(|s| {
            let x = Vector3::from(mesh.nodes()[dofs.node(s)]);
            let u = grad * x - x;
            [u[0], u[1], u[2]]
        })
        .collect();
    let mut boundary = vec![false; dofs.len()];
    for f in mesh.boundary_faces() {
        for n in mesh.face_nodes(f) {
            let s = dofs.slot(n).unwrap();
            boundary[3 * s..3 * s + 3].fill(true);
        }
    }
    // Start from the exact field with the interior nodes moved by up to 1e-4 of the cube's size
    // (a volumetric error above C / κ ≈ 1e-3 would make the start hydrostatically unstable).
    let mut x: Vec<f64> = exact
        .iter()
        .zip(&boundary)
        .enumerate()
        .map(|(i, (&u, &b))| if b { u } else { u + 1e-4 * (i as f64).sin() })
        .collect();
    let mut k = assembler.zero_matrix();
    let eliminated = eliminated_entries(&k, &boundary);
    let mut system = Patch { fs: &fs, materials, mask: boundary.clone(), eliminated };
    let report =
        newton(&mut system, &mut x, &mut k, &NewtonParams::default(), &Backend::Cpu, &Silent).unwrap_or_else(|e| {
            let r = e.report();
            panic!("{e}: damped {}, steps {:?}, residuals {:?}", r.damped, r.steps, r.residuals)
        });
    let interior = boundary.iter().filter(|b| !**b).count();
    assert!(interior > 0, "the mesh has interior nodes");
    let err = x.iter().zip(&exact).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
    assert!(err < 1e-10, "patch test: max nodal error {err:.2e} after {} Newton iterations", report.iterations);
}

/// The thick-walled sphere (A = 7 mm, B = 10 mm) inflated to 3 kPa (also `converge.rs`).
pub const SPHERE: &str = r#"
name = "sphere"
units = { length = "mm", stress = "kPa" }
[mesh]
file = "generated"
[[material]]
region = "wall"
model = "neo_hookean"
mu = 10.0
bulk_modulus = 1.0e5
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
name = "p"
kind = "pressure"
surface = "inner"
value = 3.0
follower = true
[analysis]
kind = "quasi_static"
steps = 6
[[probe]]
name = "inner"
point = [7.0, 0.0, 0.0]
"#;

/// The closed-form pressure of the incompressible neo-Hookean sphere at inner stretch `la`.
fn sphere_pressure(mu: f64, la: f64) -> f64 {
    let lb = (1.0 + (7.0f64 / 10.0).powi(3) * (la.powi(3) - 1.0)).cbrt();
    mu * (2.0 / lb + 0.5 / lb.powi(4) - 2.0 / la - 0.5 / la.powi(4))
}

/// The inner stretch at pressure `p` (bisection below the pressure maximum at λ = 1.5715).
pub fn sphere_stretch(mu: f64, p: f64) -> f64 {
    let (mut lo, mut hi) = (1.0, 1.5715);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if sphere_pressure(mu, mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// Thick-walled sphere, incompressible neo-Hookean (A = 7, B = 10, μ = 10 kPa) under a
/// follower pressure of 3 kPa: the deformed inner radius on two Tet10 octant meshes against
/// the closed form, within the committed tolerance and converging under refinement.
#[test]
fn thick_sphere_matches_the_incompressible_closed_form() {
    let r = &reference()["finite_strain"]["sphere"];
    let exact = 7.0 * sphere_stretch(10.0, 3.0);
    let mut errors = Vec::new();
    for level in r["meshes"].as_array().unwrap() {
        let (n, layers) = (level[0].as_u64().unwrap() as usize, level[1].as_u64().unwrap() as usize);
        let p = SphereParams {
            inner_radius: 7.0,
            outer_radius: 10.0,
            subdivisions: n,
            layers,
            octant: true,
            order: Order::Quadratic,
        };
        let outcome = run_quasi_static(SPHERE, sphere(&p).unwrap()).unwrap();
        assert!(outcome.failure.is_none(), "{:?}", outcome.failure);
        let a = probe(&outcome, "inner")[0];
        let err = (a - exact).abs() / exact;
        // A bulk modulus of 10⁴ μ lets the wall change volume by about P/κ = 3e-5: far below
        // the tolerance.
        let dv = outcome.summary.steps.last().unwrap().volume_change.abs();
        assert!(dv < 1e-4, "volume change {dv:.2e}");
        errors.push(err);
    }
    let tol = r["tolerance"].as_f64().unwrap();
    assert!(errors[1] <= tol, "inner radius error {:.3e} above {tol} (exact {exact})", errors[1]);
    assert!(errors[1] < errors[0], "refinement must reduce the error: {errors:?}");
    let committed: Vec<f64> = r["errors"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    for (e, c) in errors.iter().zip(&committed) {
        assert!((e - c).abs() <= 0.05 * c + 1e-6, "errors {errors:?} moved from the committed {committed:?}");
    }
}

const LAND_P1: &str = r#"
name = "land_p1"
units = { length = "mm", stress = "kPa" }
[mesh]
file = "generated"
[[material]]
region = "all"
model = "guccione"
c = 2.0
bf = 8.0
bt = 2.0
bfs = 4.0
[fibers]
direction = [1.0, 0.0, 0.0]
[[support]]
kind = "fixed"
surface = "xmin"
[[load]]
name = "pressure"
kind = "pressure"
surface = "zmin"
value = 0.004
follower = true
[analysis]
kind = "quasi_static"
steps = 10
[[probe]]
name = "tip"
point = [10.0, 0.5, 1.0]
"#;

/// Land et al. 2015 Problem 1 (beam, follower pressure on its bottom face) on a 20 × 2 × 2 Tet10
/// beam: the deformed z of (10, 0.5, 1) against the benchmark's 4.17 mm. This mesh is coarse
/// for the problem (the README's table: 5.75, 4.38 and 4.22 mm on 10 × 1 × 1, 20 × 2 × 2 and
/// 40 × 4 × 4, converging from above), so the test holds the committed value and bounds the
/// error and the lateral drift of the tip, which the y symmetry of the problem makes a
/// discretisation artefact.
#[test]
fn land_problem_1_beam_tip() {
    let r = &reference()["finite_strain"]["land_p1"];
    let mesh = beam(&BeamParams { size: [10.0, 1.0, 1.0], divisions: [20, 2, 2], order: Order::Quadratic }).unwrap();
    let outcome = run_quasi_static(LAND_P1, mesh).unwrap();
    assert!(outcome.failure.is_none(), "{:?}", outcome.failure);
    assert!(outcome.summary.solver.tangent.starts_with("symmetrized"), "the bottom face's rim moves");
    assert!(
        outcome.summary.warnings.iter().any(|w| w.starts_with("the tangent is symmetrized")),
        "the symmetrized tangent is a warning: {:?}",
        outcome.summary.warnings
    );
    let tip = probe(&outcome, "tip");
    assert!(tip[2] > 4.17 && tip[2] < 4.17 * 1.06, "tip z {:.4} mm against 4.17", tip[2]);
    assert!((tip[1] - 0.5).abs() < 0.1, "lateral drift of the tip: y = {:.4}", tip[1]);
    let committed = r["z"].as_f64().unwrap();
    assert!((tip[2] - committed).abs() < 1e-6, "tip z {} moved from the committed {committed}", tip[2]);
}

const LAND_P2: &str = r#"
name = "land_p2"
units = { length = "mm", stress = "kPa" }
[mesh]
file = "generated"
[[material]]
region = "all"
model = "guccione"
c = 10.0
bf = 1.0
bt = 1.0
bfs = 1.0
[[support]]
kind = "fixed"
surface = "base"
[[load]]
name = "endo_pressure"
kind = "pressure"
surface = "endo"
value = 10.0
follower = true
[[cavity]]
name = "lv"
surface = "endo"
[analysis]
kind = "quasi_static"
steps = 10
[[probe]]
name = "endo_apex"
point = [0.0, 0.0, -17.0]
[[probe]]
name = "epi_apex"
point = [0.0, 0.0, -20.0]
"#;

/// Land et al. 2015 Problem 2 on a coarse generated Tet10 LV: the apex positions against the
/// benchmark (−26.53 / −28.18 mm) within the committed tolerance for this mesh (the README's
/// refinement table shows the error falling with the mesh), the committed values themselves,
/// and quadratic convergence of Newton at the last step.
#[test]
fn land_problem_2_inflated_ventricle() {
    let r = &reference()["finite_strain"]["land_p2"];
    let m = r["subdivisions"].as_u64().unwrap() as usize;
    let mesh = lv(&LvParams { subdivisions: m, order: Order::Quadratic, ..LvParams::default() }).unwrap();
    let outcome = run_quasi_static(LAND_P2, mesh).unwrap();
    assert!(outcome.failure.is_none(), "{:?}", outcome.failure);
    assert_eq!(outcome.summary.solver.tangent, "exact (consistent, symmetric)", "the base holds the rim");
    let (endo, epi) = (probe(&outcome, "endo_apex")[2], probe(&outcome, "epi_apex")[2]);
    let tol = r["tolerance"].as_f64().unwrap();
    for (got, want) in [(endo, -26.53), (epi, -28.18)] {
        assert!((got - want).abs() <= tol * want.abs(), "apex z {got:.4} against {want} (tolerance {tol})");
    }
    let committed = [r["endo"].as_f64().unwrap(), r["epi"].as_f64().unwrap()];
    assert!((endo - committed[0]).abs() < 1e-6 && (epi - committed[1]).abs() < 1e-6, "{endo} {epi} vs {committed:?}");
    // Newton converged quadratically at the last step: the residual fell by at least 1e3 per
    // iteration over its last two iterations.
    let h = &outcome.summary.steps.last().unwrap().residual_history;
    let n = h.len();
    assert!(h[n - 1] < 1e-3 * h[n - 2] || h[n - 1] < 1e-9 * h[0], "history {h:?}");
}

/// Bad finite-strain input gets a clear error naming the entry, before any solve.
#[test]
fn bad_finite_strain_input_is_refused_with_its_entry() {
    let mesh = || lv(&LvParams { subdivisions: 2, layers: Some(1), ..LvParams::default() }).unwrap();
    let expect = |edit: (&str, &str), words: &[&str]| {
        assert!(LAND_P2.contains(edit.0), "the edit {:?} applies", edit.0);
        let toml = LAND_P2.replace(edit.0, edit.1);
        let err = match Scenario::parse(&toml, "test.toml") {
            Err(e) => e.to_string(),
            Ok(s) => QuasiStatic::build(s, mesh(), "test.toml").map(|_| ()).expect_err("must be refused").to_string(),
        };
        for w in words {
            assert!(err.contains(w), "{err:?} lacks {w:?}");
        }
    };
    expect(("bfs = 1.0", "bfs = 1.0\nmu = 3.0"), &["material[1]", "mu is not a parameter of model = \"guccione\""]);
    expect(("bfs = 1.0", "bfs = nan"), &["material[1]", "bfs = NaN"]);
    expect(("c = 10.0", "c = -1.0"), &["c = -1", "> 0"]);
    expect(("bt = 1.0\n", ""), &["needs bt"]);
    expect(
        ("steps = 10", "[[analysis.step]]\nloads = { pressure = 1.0 }"),
        &["analysis.step[1]", "no load is named 'pressure'"],
    );
    expect(("follower = true", "follower = true\n[[load]]\nkind = \"traction\"\nsurface = \"epi\"\nvalue = [0.0, 0.0, 1.0]\nfollower = true"), &["load[2]", "follower = true belongs to kind = \"pressure\""]);
    expect(
        ("surface = \"endo\"\n[analysis]", "surface = \"lid\"\n[analysis]"),
        &["cavity[1] 'lv'", "no surface named 'lid'"],
    );
    // The generated LV carries its analytic `fiber` field, which an anisotropic law then uses;
    // a field name the mesh lacks is refused with the names it has.
    expect(
        ("point = [0.0, 0.0, -20.0]", "point = [0.0, 0.0, -20.0]\n[fibers]\nfield = \"fibre\""),
        &["fibers", "fibre", "fiber"],
    );
}

/// The GPU backend (CG in f32 with f64 refinement, lavapipe in CI) runs the same Newton
/// iterations as the CPU's direct solver on a small Land P2 ventricle: the apex positions agree
/// to 1e-6 relative (both solve each Newton system to `solver.rtol` or better, and Newton
/// converges to 1e-8 of the initial residual, so the two stop within its tolerance).
#[test]
fn land_problem_2_on_the_gpu_matches_the_cpu() {
    let Some(gpu) = crate::common::gpu() else { return };
    let mesh =
        || lv(&LvParams { subdivisions: 3, layers: Some(1), order: Order::Quadratic, ..LvParams::default() }).unwrap();
    let toml = LAND_P2.replace("value = 10.0", "value = 1.0").replace("steps = 10", "steps = 1");
    let run = |backend: &Backend| {
        let scenario = Scenario::parse(&toml, "test.toml").unwrap();
        let analysis = QuasiStatic::build(scenario, mesh(), "test.toml").unwrap();
        analysis.run(backend, &Silent, &mut |_| Ok(())).unwrap()
    };
    let cpu = run(&Backend::Cpu);
    let on_gpu = run(&Backend::Gpu(gpu));
    assert!(cpu.failure.is_none() && on_gpu.failure.is_none());
    assert_eq!(on_gpu.summary.solver.backend, "gpu");
    assert!(on_gpu.summary.solver.linear_iterations > 0, "the GPU solves by CG");
    for name in ["endo_apex", "epi_apex"] {
        let (a, b) = (probe(&cpu, name), probe(&on_gpu, name));
        let diff = (0..3).map(|k| (a[k] - b[k]).powi(2)).sum::<f64>().sqrt();
        let size = (0..3).map(|k| a[k].powi(2)).sum::<f64>().sqrt();
        assert!(diff <= 1e-6 * size, "{name}: CPU {a:?} GPU {b:?}");
    }
}

/// A small neo-Hookean block pulled by a traction in 2 steps, solved by CG at `rtol`.
fn pulled_block(method: &str, rtol: f64) -> String {
    format!(
        r#"
name = "block"
units = {{ length = "mm", stress = "kPa" }}
[mesh]
file = "generated"
[[material]]
region = "all"
model = "neo_hookean"
mu = 10.0
bulk_modulus = 100.0
[[support]]
kind = "fixed"
surface = "xmin"
[[load]]
kind = "traction"
surface = "xmax"
value = [1.0, 0.0, 0.0]
[analysis]
kind = "quasi_static"
steps = 2
[solver]
method = "{method}"
rtol = {rtol:e}
"#
    )
}

/// `QuasiStaticSummary::warnings` (issue 9): a step whose linear solves end above
/// `solver.rtol` (here CG asked for 1e-15, below the tangent's floor, so it converges to the
/// attainable accuracy) says so, step by step; at an attainable rtol no warning is raised. The
/// symmetrized-tangent warning is checked on Land Problem 1 above.
#[test]
fn quasi_static_warnings_name_linear_solves_above_the_tolerance() {
    let mesh = || beam(&BeamParams { size: [2.0, 1.0, 1.0], divisions: [4, 2, 2], order: Order::Linear }).unwrap();
    let outcome = run_quasi_static(&pulled_block("cg", 1e-15), mesh()).unwrap();
    assert!(outcome.failure.is_none(), "{:?}", outcome.failure);
    let w = &outcome.summary.warnings;
    assert_eq!(w.len(), 2, "one per step: {w:?}");
    assert!(w[0].starts_with("step 1 (") && w[0].contains("above the tolerance asked (solver.rtol 1e-15"), "{w:?}");
    assert!(w[1].starts_with("step 2 ("), "{w:?}");
    let json = serde_json::to_value(&outcome.summary).unwrap();
    assert_eq!(json["warnings"].as_array().map(Vec::len), Some(2), "warnings are in summary.json");
    let outcome = run_quasi_static(&pulled_block("cg", 1e-8), mesh()).unwrap();
    assert!(outcome.summary.warnings.is_empty(), "{:?}", outcome.summary.warnings);
}

/// The same with the direct method, whose Newton iterations ask their solves for a forcing term
/// looser than `solver.rtol` (inexact Newton: 1e-2 at the first iteration): the solves with a
/// kept factor stop there, far above `solver.rtol`, by design and without a warning. (Comparing
/// the largest linear residual with `solver.rtol` would warn on every step here; a solve accepted
/// at the attainable accuracy above its own tolerance is still counted, see the unit tests of
/// `NewtonReport::add_linear`.)
#[test]
fn direct_newton_does_not_warn_about_solves_that_met_their_forcing_term() {
    let mesh = || beam(&BeamParams { size: [2.0, 1.0, 1.0], divisions: [4, 2, 2], order: Order::Linear }).unwrap();
    let outcome = run_quasi_static(&pulled_block("direct", 1e-8), mesh()).unwrap();
    assert!(outcome.failure.is_none(), "{:?}", outcome.failure);
    assert!(outcome.summary.warnings.is_empty(), "{:?}", outcome.summary.warnings);
    let solver = &outcome.summary.solver;
    assert!(solver.linear_iterations > 0, "some solves used a kept factor: {solver:?}");
}
