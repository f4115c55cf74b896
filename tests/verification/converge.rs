//! Calculation verification (`organ-twin converge`): observed orders of accuracy, Richardson
//! extrapolation and the GCI on the Lamé sphere and the cantilever (static), and on the inflated
//! neo-Hookean sphere (quasi-static, finite strain).

use organ_twin::mesh::generate::{beam, sphere, BeamParams, Order, SphereParams};
use organ_twin::progress::Silent;
use organ_twin::solve::Backend;
use organ_twin::twin::converge::{self, Convergence};
use organ_twin::twin::Scenario;

use super::finite_strain::{sphere_stretch, SPHERE};

const LAME: &str = r#"
name = "lame"
[mesh]
file = "generated"
[[material]]
region = "all"
model = "linear_elastic"
youngs_modulus = 1000.0
poisson_ratio = 0.3
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
value = 1.0
[solver]
method = "direct"
"#;

/// The exact strain energy of the octant: `½ p u_r(a) · π a² / 2` with Lamé's `u_r(a)`.
fn lame_energy() -> f64 {
    let (a, b, e, nu, p) = (1.0f64, 2.0f64, 1000.0, 0.3, 1.0);
    let ur =
        p * a.powi(3) / (e * (b.powi(3) - a.powi(3))) * ((1.0 - 2.0 * nu) * a + (1.0 + nu) * b.powi(3) / (2.0 * a * a));
    0.5 * p * ur * std::f64::consts::PI * a * a / 2.0
}

fn study(toml: &str, meshes: Vec<organ_twin::mesh::Mesh>) -> Convergence {
    let scenario = Scenario::parse(toml, "test.toml").expect("scenario");
    converge::study(&scenario, "test.toml", std::path::Path::new("."), meshes, 2.0, &Backend::Cpu, &Silent)
        .expect("study")
}

fn energy(c: &Convergence) -> &converge::Quantity {
    c.quantities.iter().find(|q| q.name == "strain energy").expect("energy")
}

/// Tet10 on the regenerated sphere (exact geometry at the nodes): the energy converges at order
/// 3 — the O(h⁴) of quadratic elements on a smooth solution is capped by the O(h³) error of the
/// isoparametric boundary — in the asymptotic range, to the exact energy.
#[test]
fn lame_tet10_energy_converges_at_the_isoparametric_order() {
    let meshes = [(2, 1), (4, 2), (8, 4)]
        .map(|(subdivisions, layers)| {
            sphere(&SphereParams { subdivisions, layers, order: Order::Quadratic, ..SphereParams::default() })
                .expect("sphere")
        })
        .to_vec();
    let c = study(LAME, meshes);
    let q = energy(&c);
    let p = q.order.expect("monotone");
    eprintln!("Tet10 Lamé energy: {:?}, order {p:.3}, ratio {:?}", q.values, q.asymptotic_ratio);
    // Measured 2.86 with ratio 1.005; ±0.4 around 3 allows the pre-asymptotic remainder.
    assert!((p - 3.0).abs() < 0.4, "order {p}");
    assert!((q.asymptotic_ratio.expect("ratio") - 1.0).abs() < 0.05);
    let exact = lame_energy();
    let err = (q.extrapolated.expect("extrapolated") - exact) / exact;
    // The extrapolation removes most of the fine mesh's −0.09 % error.
    assert!(err.abs() < 5e-4, "extrapolated energy error {err:+.2e}");
    assert!(q.gci_fine.expect("gci") > (q.values[2] - exact).abs() / exact, "the GCI bounds the true error");
}

/// Tet4 on the regenerated sphere: order 2 for the energy (observed 1.80 on these meshes,
/// approaching 2 from below as the Lamé L2 errors do in `lame.rs`).
#[test]
fn lame_tet4_energy_converges_at_order_two() {
    let meshes = [(8, 4), (16, 8), (32, 16)]
        .map(|(subdivisions, layers)| {
            sphere(&SphereParams { subdivisions, layers, order: Order::Linear, ..SphereParams::default() })
                .expect("sphere")
        })
        .to_vec();
    let c = study(LAME, meshes);
    let q = energy(&c);
    let p = q.order.expect("monotone");
    eprintln!("Tet4 Lamé energy: {:?}, order {p:.3}, ratio {:?}", q.values, q.asymptotic_ratio);
    assert!((p - 2.0).abs() < 0.3, "order {p}");
    let err = (q.extrapolated.expect("extrapolated") - lame_energy()) / lame_energy();
    assert!(err.abs() < 2e-3, "extrapolated energy error {err:+.2e}");
}

/// The Tet10 cantilever of `cantilever.rs` refined uniformly from 10 × 1 × 1 cells: the tip
/// deflection (an energy functional: P δ = 2 W) converges monotonically at order 2 in the
/// asymptotic range — below the smooth-solution order 4, because the fully clamped end's edge
/// singularity governs — and extrapolates to within 1 % of Timoshenko (the 3D clamp is stiffer
/// than the beam theory's, by about 0.7 %). The peak stress at the clamp's corner does not
/// converge, and the study says so.
#[test]
fn cantilever_tet10_refined_uniformly() {
    let toml = r#"
name = "cantilever"
[mesh]
file = "generated"
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
[[probe]]
name = "tip"
point = [10.0, 0.5, 0.5]
"#;
    let coarse =
        beam(&BeamParams { size: [10.0, 1.0, 1.0], divisions: [10, 1, 1], order: Order::Quadratic }).expect("beam");
    let meshes = converge::refined_meshes(coarse, 3, "test.toml").expect("refined");
    assert_eq!(meshes[2].cell_count(), 64 * meshes[0].cell_count());
    let c = study(toml, meshes);
    let tip = c.quantities.iter().find(|q| q.name == "|u| at probe tip").expect("tip");
    let p = tip.order.expect("monotone");
    eprintln!("cantilever tip: {:?}, order {p:.3}, ratio {:?}", tip.values, tip.asymptotic_ratio);
    assert!((p - 2.0).abs() < 0.3, "order {p}");
    assert!((tip.asymptotic_ratio.expect("ratio") - 1.0).abs() < 0.05);
    let kappa = 10.0 * 1.3 / (12.0 + 11.0 * 0.3);
    let timoshenko = 1000.0 / (3.0 * 1000.0 / 12.0) + 10.0 / (kappa * 1000.0 / 2.6);
    let err = (tip.extrapolated.expect("extrapolated") - timoshenko) / timoshenko;
    assert!(err.abs() < 0.01, "extrapolated tip error {err:+.3e}");
}

/// The thick-walled sphere of `finite_strain.rs` (A = 7 mm, B = 10 mm, neo-Hookean μ = 10 kPa with
/// κ = 10⁴ μ, a follower pressure of 3 kPa in 6 steps), a quasi-static scenario whose answer is
/// known: the incompressible closed form `p = μ [2/λ_b + 1/(2λ_b⁴) − 2/λ_a − 1/(2λ_a⁴)]`, with
/// `λ_b³ = 1 + (A/B)³ (λ_a³ − 1)`, gives the inner radial displacement `A (λ_a − 1)`.
///
/// On Tet10 octants regenerated at (2, 1), (4, 2), (8, 4) (exact geometry at the nodes) the
/// inner probe's displacement converges monotonically at the order the isoparametric boundary
/// allows, 3 (the O(h³) geometry error equals the O(h³) nodal error of quadratic elements; the
/// linear Lamé energy shows 2.86 above). Measured 3.39 on these three levels, approaching 3 from
/// above: one more level, (16, 8), gives 3.08 on the three finest (110 s, too slow for the suite),
/// so the band is 3 ± 0.5. The extrapolated value lands within 1.2e-4 of the closed form, a
/// fifth of the fine mesh's −6.5e-4 (the rest is the finite κ and the pre-asymptotic remainder).
#[test]
fn inflated_sphere_quasi_static_converges_at_the_isoparametric_order() {
    let meshes = [(2, 1), (4, 2), (8, 4)]
        .map(|(subdivisions, layers)| {
            let p = SphereParams {
                inner_radius: 7.0,
                outer_radius: 10.0,
                subdivisions,
                layers,
                octant: true,
                order: Order::Quadratic,
            };
            sphere(&p).expect("sphere")
        })
        .to_vec();
    let c = study(SPHERE, meshes);
    assert_eq!(c.analysis, "quasi_static");
    for name in ["max |u|", "min det F", "max det F", "max von Mises (cell)"] {
        assert!(c.quantities.iter().any(|q| q.name == name), "{name} missing");
    }
    assert!(c.quantities.iter().all(|q| !q.name.contains("σ_ff")), "no fibres, no fibre stress");
    let q = c.quantities.iter().find(|q| q.name == "|u| at probe inner").expect("inner probe");
    let p = q.order.expect("monotone");
    eprintln!("sphere inner |u|: {:?}, order {p:.3}, extrapolated {:?}", q.values, q.extrapolated);
    assert!((p - 3.0).abs() < 0.5, "order {p}");
    let exact = 7.0 * (sphere_stretch(10.0, 3.0) - 1.0);
    let fine = (q.values[2] - exact) / exact;
    let extrapolated = (q.extrapolated.expect("extrapolated") - exact) / exact;
    assert!(extrapolated.abs() < 3e-4 && extrapolated.abs() < 0.5 * fine.abs(), "{extrapolated:+.2e} vs {fine:+.2e}");
}
