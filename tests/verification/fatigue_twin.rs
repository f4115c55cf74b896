//! The implant fatigue twin end to end: remote forces against beam theory, superposed load
//! cases against the direct solve, the ISO 14801 template against M c / I, and a uniform bar's
//! life against Basquin's law.

use organ_twin::mesh::generate::{beam, BeamParams, Order};
use organ_twin::progress::Silent;
use organ_twin::solve::Backend;
use organ_twin::twin::template::{self, Standard, TemplateParams, UserImplant};
use organ_twin::twin::{fatigue, Problem, Scenario};

use crate::common::{build, run};

const E: f64 = 1000.0;
const NU: f64 = 0.3;

fn cantilever(load: &str) -> String {
    format!(
        r#"
name = "cantilever"
[mesh]
file = "generated"
[[material]]
region = "all"
model = "linear_elastic"
youngs_modulus = {E}
poisson_ratio = {NU}
[[support]]
kind = "fixed"
surface = "xmin"
{load}
[solver]
method = "direct"
[[probe]]
name = "tip"
point = [10.0, 0.5, 0.5]
"#
    )
}

/// The Tet10 cantilever of `cantilever.rs` (40 × 4 × 4 cells; its end-load error is −0.80 %).
fn tet10_beam() -> organ_twin::mesh::Mesh {
    beam(&BeamParams { size: [10.0, 1.0, 1.0], divisions: [40, 4, 4], order: Order::Quadratic }).expect("beam")
}

/// Tip deflection (positive down).
fn tip(load: &str) -> f64 {
    let (_, s) = run(&cantilever(load), tet10_beam()).unwrap_or_else(|e| panic!("{e}"));
    -s.summary.probes["tip"].displacement[2]
}

/// A remote force through the end face's centroid with no moment is the same consistent load as
/// a `force` spread over the face: the nodal weights are the consistent nodal areas.
#[test]
fn remote_force_through_the_centroid_is_the_force_load() {
    let force = tip("[[load]]\nkind = \"force\"\nsurface = \"xmax\"\nvalue = [0.0, 0.0, -1.0]");
    let remote = tip(
        "[[load]]\nkind = \"remote_force\"\nsurface = \"xmax\"\npoint = [10.0, 0.5, 0.5]\nvalue = [0.0, 0.0, -1.0]",
    );
    // Same load vector to round-off, solved by the same factorization: 1e-10 relative.
    assert!((force - remote).abs() <= 1e-10 * force, "{force} vs {remote}");
}

/// A force P at a point e beyond the tip adds the moment P e: Timoshenko's tip deflection plus
/// `P e L² / (2 E I)`. The moment's share is checked on its own too, against the moment given
/// directly as `moment`.
#[test]
fn offset_remote_force_adds_its_moment() {
    let (l, e_off) = (10.0f64, 2.0);
    let i = 1.0 / 12.0;
    let g = E / (2.0 * (1.0 + NU));
    let kappa = 10.0 * (1.0 + NU) / (12.0 + 11.0 * NU);
    let beam_theory = l.powi(3) / (3.0 * E * i) + l / (kappa * g) + e_off * l * l / (2.0 * E * i);
    let offset = tip(
        "[[load]]\nkind = \"remote_force\"\nsurface = \"xmax\"\npoint = [12.0, 0.5, 0.5]\nvalue = [0.0, 0.0, -1.0]",
    );
    let err = (offset - beam_theory) / beam_theory;
    eprintln!("offset remote force: tip {offset:.6}, beam theory {beam_theory:.6}, error {err:+.3e}");
    // Tet10 on 40 x 4 x 4 cells: the plain end load is within 1 % of Timoshenko (cantilever.rs,
    // −0.80 %, mostly the clamp's restraint of the cross-section); the end moment's linear
    // bending field is captured as well, so 1 % holds for the sum.
    assert!(err.abs() < 0.01, "error {err:+.3e}");
    // The same load as a centroid force plus the moment (P e about +y) given explicitly.
    let explicit = tip(
        "[[load]]\nkind = \"remote_force\"\nsurface = \"xmax\"\npoint = [10.0, 0.5, 0.5]\nvalue = [0.0, 0.0, -1.0]\n\
         moment = [0.0, 2.0, 0.0]",
    );
    assert!((explicit - offset).abs() <= 1e-10 * offset, "{explicit} vs {offset}");
}

/// A combination of the unit load cases equals the direct solve of the combined loads.
#[test]
fn combined_load_cases_equal_the_direct_solve() {
    let loads = |a: f64, b: f64| {
        format!(
            "[[load]]\nname = \"tip\"\nkind = \"force\"\nsurface = \"xmax\"\nvalue = [0.0, {}, {}]\n\
             [[load]]\nname = \"offset\"\nkind = \"remote_force\"\nsurface = \"xmax\"\npoint = [11.0, 0.0, 2.0]\n\
             value = [{}, 0.0, {}]\nmoment = [0.0, 0.0, {}]",
            0.3 * a,
            -a,
            2.0 * b,
            0.5 * b,
            0.7 * b
        )
    };
    let unit = build(&cantilever(&loads(1.0, 1.0)), tet10_beam()).expect("problem");
    let cases = unit.solve_load_cases(&Backend::Cpu, &Silent).expect("cases");
    assert_eq!(cases.names, vec!["tip".to_string(), "offset".to_string()]);
    let (ca, cb) = (2.5, -0.75);
    let combined = cases.combine(&[ca, cb]);
    let direct = build(&cantilever(&loads(ca, cb)), tet10_beam()).expect("problem");
    let (a, b) = direct.constrained_system();
    let mut x = vec![0.0; b.len()];
    let params = organ_twin::solve::SolveParams {
        method: organ_twin::solve::Method::Direct,
        ..organ_twin::solve::SolveParams::default()
    };
    organ_twin::solve::solve(&a, &b, &mut x, &params, &Backend::Cpu, &Silent).expect("direct");
    let scale = x.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let diff = x.iter().zip(&combined).fold(0.0f64, |m, (p, q)| m.max((p - q).abs()));
    // Both are Cholesky solves of one matrix with right-hand sides equal up to rounding.
    assert!(diff <= 1e-10 * scale, "max difference {diff:e} of max |u| {scale:e}");
}

/// ISO 14801 on the generated Tet10 implant (Ø 4.1 mm, 30 rows of cells over 15 mm): the axial
/// stress on the tension side of the outer fibre is the beam's `M(z) c / I − F cos 30° / A` with
/// `M(z) = F sin 30° (11 − z)`, a radius and more away from the clamp and from the loaded top
/// (Saint-Venant: within a radius the rigid clamp's restraint of the section lowers the FE
/// stress by up to 9 %). The
/// bending stress at the clamping plane, `M c / I` with `M = F · 11 mm · sin 30°`, is checked
/// by extrapolating the FE surface stress of that region linearly to z = 0, as hot-spot stresses
/// are read off surface stresses.
#[test]
fn iso14801_template_bending_stress_matches_beam_theory() {
    let t = template::template(&TemplateParams {
        standard: Standard::Iso14801,
        implant: None,
        f_max: Some(400.0),
        order: Order::Quadratic,
    })
    .expect("template");
    let (_, mesh) = t.mesh.expect("generated mesh");
    let scenario = Scenario::parse(&t.scenario, "iso14801.toml").expect("scenario");
    let problem = Problem::build(scenario, mesh, "iso14801.toml", &Silent).expect("problem");
    let r = fatigue::run(&problem, std::path::Path::new("."), &Backend::Cpu, &Silent).expect("fatigue run");
    let stress = r.solution.point_fields.iter().find(|f| f.name == "stress").expect("stress field");
    let (radius, f) = (2.05f64, 400.0f64);
    let (area, inertia) = (std::f64::consts::PI * radius * radius, std::f64::consts::PI * radius.powi(4) / 4.0);
    let axial = f * 30f64.to_radians().cos() / area;
    let beam = |z: f64| f * 0.5 * (11.0 - z) * radius / inertia - axial;
    // Tension side (the load leans towards +x, so -x is in tension), at the corner nodes (the
    // layers are 0.5 mm apart) from about one radius above the clamp to one radius below the
    // abutment's top at z = 8, where the coupled load spreads.
    let mut rows: Vec<(f64, f64)> = Vec::new();
    for (n, x) in problem.mesh().nodes().iter().enumerate() {
        let corner = (2.0 * x[2] - (2.0 * x[2]).round()).abs() < 1e-9;
        if (x[0] + radius).abs() < 1e-9 && x[1].abs() < 1e-9 && corner && x[2] >= 2.0 && x[2] <= 6.0 {
            rows.push((x[2], stress.values[6 * n + 2]));
        }
    }
    assert!(rows.len() >= 4, "only {} nodes on the fibre", rows.len());
    for &(z, fe) in &rows {
        let err = (fe - beam(z)) / beam(z);
        eprintln!("z = {z:.3}: FE {fe:.2} MPa, beam {:.2} MPa, error {err:+.3e}", beam(z));
        // Tet10 with 4 rings across the radius reproduces the linear bending field to ~1 %.
        assert!(err.abs() < 0.015, "z = {z}: {err:+.3e}");
    }
    // Least-squares line through the FE values, extrapolated to the clamping plane.
    let k = rows.len() as f64;
    let (sz, ss) = rows.iter().fold((0.0, 0.0), |a, r| (a.0 + r.0, a.1 + r.1));
    let (mz, ms) = (sz / k, ss / k);
    let slope = rows.iter().map(|r| (r.0 - mz) * (r.1 - ms)).sum::<f64>()
        / rows.iter().map(|r| (r.0 - mz).powi(2)).sum::<f64>();
    let at_clamp = ms - slope * mz + axial;
    let mc_i = f * 11.0 * 0.5 * radius / inertia;
    let err = (at_clamp - mc_i) / mc_i;
    eprintln!("bending stress at the clamping plane: FE {at_clamp:.1} MPa, M c / I {mc_i:.1} MPa, error {err:+.3e}");
    assert!(err.abs() < 0.02, "clamp-plane bending stress error {err:+.3e}");
    let fatigue = r.solution.summary.fatigue.expect("fatigue summary");
    assert_eq!(fatigue.hot_spot.region, "implant");
    assert!(fatigue.min_safety_factor > 1.0 && fatigue.passes);
}

/// A bar in uniform uniaxial tension (symmetry supports, so no clamp constrains it) cycled at
/// R = −1: the life is Basquin's `N = ½ (σ_a / σ'_f)^(1/b)` exactly.
#[test]
fn uniform_bar_life_is_basquin() {
    let toml = r#"
name = "bar"
units = { length = "mm", stress = "MPa" }
[mesh]
file = "generated"
[[material]]
region = "all"
model = "linear_elastic"
youngs_modulus = 110000.0
poisson_ratio = 0.34
[[support]]
kind = "symmetry"
surface = "xmin"
[[support]]
kind = "symmetry"
surface = "ymin"
[[support]]
kind = "symmetry"
surface = "zmin"
[[load]]
name = "pull"
kind = "force"
surface = "xmax"
value = [400.0, 0.0, 0.0]
[solver]
method = "direct"
[fatigue]
regions = ["all"]
design_life = 1e6
ultimate_strength = 900.0
basquin = { coefficient = 1500.0, exponent = -0.1 }
mean_stress = "goodman"
[fatigue.cycle]
r = -1.0
"#;
    let mesh = beam(&BeamParams { size: [10.0, 2.0, 2.0], divisions: [5, 2, 2], order: Order::Linear }).expect("bar");
    let problem = build(toml, mesh).expect("problem");
    let r = fatigue::run(&problem, std::path::Path::new("."), &Backend::Cpu, &Silent).expect("fatigue run");
    let f = r.solution.summary.fatigue.expect("fatigue summary");
    let sigma = 400.0 / 4.0;
    let life = 0.5 * (sigma / 1500.0f64).powf(1.0 / -0.1);
    let got = f.min_life.expect("finite life");
    // Uniform stress is exact on linear cells (the patch test): only rounding separates them.
    assert!((got - life).abs() <= 1e-8 * life, "life {got:e} vs Basquin {life:e}");
    assert!((f.hot_spot.alternating - sigma).abs() < 1e-9 * sigma && f.hot_spot.mean.abs() < 1e-9 * sigma);
    // Safety factor: the load factor that gives exactly 1e6 cycles, S(1e6) / σ_a.
    let strength = 1500.0 * (2e6f64).powf(-0.1);
    assert!((f.min_safety_factor - strength / sigma).abs() < 1e-6 * strength / sigma, "{}", f.min_safety_factor);
}

/// The bundled template scenarios are what `organ-twin template` writes (with the mesh path of
/// meshes/scenarios), so they cannot drift from the generator.
#[test]
fn bundled_templates_match_the_generator() {
    for (standard, bundled) in [
        (Standard::Iso14801, include_str!("../../meshes/scenarios/iso14801_dental.toml")),
        (Standard::Iso7206_4, include_str!("../../meshes/scenarios/iso7206_4_stem.toml")),
    ] {
        let t = template::template(&TemplateParams { standard, implant: None, f_max: None, order: Order::Quadratic })
            .expect("template");
        let name = standard.scenario_name();
        let text = t.scenario.replace(&format!("file = \"{name}.msh\""), &format!("file = \"../{name}.msh\""));
        assert_eq!(text, bundled, "{name}: regenerate with `organ-twin template` (see the README)");
    }
}

/// Bad fatigue inputs: a clear error naming the entry.
#[test]
fn bad_fatigue_inputs_are_refused() {
    let base = |fatigue: &str| {
        format!(
            "name = \"bar\"\n[mesh]\nfile = \"g\"\n[[material]]\nregion = \"all\"\nmodel = \"linear_elastic\"\n\
             library = \"ti6al4v_eli\"\n[[support]]\nkind = \"fixed\"\nsurface = \"xmin\"\n[[load]]\nname = \"pull\"\n\
             kind = \"force\"\nsurface = \"xmax\"\nvalue = [1.0, 0.0, 0.0]\n{fatigue}"
        )
    };
    let cases = [
        ("[fatigue]\ndesign_life = 0.0\n[fatigue.cycle]\nr = 0.1", "design_life = 0"),
        ("[fatigue]\ndesign_life = 1e6\n[fatigue.cycle]\nr = 1.0", "R = 1 is a static load"),
        ("[fatigue]\ndesign_life = 1e6", "give the loading"),
        ("[fatigue]\ndesign_life = 1e6\n[fatigue.cycle]\nmax = { push = 1.0 }\nr = 0.1", "names the load 'push'"),
        ("[fatigue]\ndesign_life = 1e6\nwalker_gamma = 0.4\n[fatigue.cycle]\nr = 0.1", "walker_gamma belongs"),
    ];
    for (fatigue, expected) in cases {
        let e = Scenario::parse(&base(fatigue), "bad.toml").expect_err(expected).to_string();
        assert!(e.contains(expected) && e.starts_with("bad.toml"), "{e}");
    }
    // Found when the problem is resolved: the S-N table must decrease, the material must exist.
    let mesh = || beam(&BeamParams::default()).expect("beam");
    let sn = base("[fatigue]\ndesign_life = 1e6\nsn_table = [[1e3, 500.0], [1e6, 600.0]]\n[fatigue.cycle]\nr = 0.1");
    let p = build(&sn, mesh()).expect("problem");
    let e = fatigue::run(&p, std::path::Path::new("."), &Backend::Cpu, &Silent).expect_err("rising S-N").to_string();
    assert!(e.contains("fatigue"), "{e}");
    let lib = base("").replace("ti6al4v_eli", "unobtainium");
    let e = Scenario::parse(&lib, "bad.toml").expect_err("unknown library").to_string();
    assert!(e.contains("unobtainium") && e.contains("ti6al4v_eli"), "{e}");
    // A template whose embedding plane misses the user's implant.
    let implant = UserImplant {
        file: "beam.msh".into(),
        mesh: mesh(),
        load_surface: "xmax".into(),
        load_point: [12.0, 0.5, 0.5],
        embed: 5.0,
    };
    let e = template::template(&TemplateParams {
        standard: Standard::Iso14801,
        implant: Some(implant),
        f_max: None,
        order: Order::Quadratic,
    })
    .expect_err("plane misses");
    assert!(e.contains("misses the implant"), "{e}");
}
