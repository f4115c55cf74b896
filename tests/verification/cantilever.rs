//! Cantilever 10 × 1 × 1, clamped at x = 0, end load P on x = 10 (spread uniformly over the end
//! face), against Timoshenko beam theory:
//! `δ = P L³ / (3 E I) + P L / (κ G A)`, `I = b h³ / 12`, `κ = 10 (1 + ν) / (12 + 11 ν)`.

use organ_twin::mesh::generate::{beam, BeamParams, Order};

use crate::common::{reference, run};

const E: f64 = 1000.0;
const NU: f64 = 0.3;
const P: f64 = 1.0;

fn scenario() -> String {
    format!(
        r#"
name = "cantilever"
units = {{ length = "m", stress = "Pa" }}
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
[[load]]
kind = "force"
surface = "xmax"
value = [0.0, 0.0, -{P}]
[solver]
method = "direct"
[[probe]]
name = "tip"
point = [10.0, 0.5, 0.5]
"#
    )
}

fn timoshenko() -> f64 {
    let (l, b, h): (f64, f64, f64) = (10.0, 1.0, 1.0);
    let i = b * h * h * h / 12.0;
    let g = E / (2.0 * (1.0 + NU));
    let kappa = 10.0 * (1.0 + NU) / (12.0 + 11.0 * NU);
    P * l.powi(3) / (3.0 * E * i) + P * l / (kappa * g * b * h)
}

/// Tip deflection (positive down) at the centre of the end face.
fn tip(divisions: [usize; 3], order: Order) -> f64 {
    let mesh = beam(&BeamParams { size: [10.0, 1.0, 1.0], divisions, order }).unwrap();
    let (_, s) = run(&scenario(), mesh).unwrap();
    -s.summary.probes["tip"].displacement[2]
}

#[test]
fn tet10_tip_deflection_within_one_percent_of_timoshenko() {
    let r = reference();
    let d = r["cantilever"]["tet10_divisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect::<Vec<_>>();
    let err = (tip([d[0], d[1], d[2]], Order::Quadratic) - timoshenko()) / timoshenko();
    eprintln!("cantilever tet10 {d:?}: relative error {err:+.4e}");
    assert!(err.abs() < 0.01, "Tet10 tip deflection error {err:+.4e}");
    let committed = r["cantilever"]["tet10_error"].as_f64().unwrap();
    assert!((err - committed).abs() < 1e-6, "changed from the committed {committed:+.6e} to {err:+.6e}");
}

#[test]
fn tet4_converges_towards_timoshenko() {
    let errors: Vec<f64> =
        [1, 2, 4, 8].iter().map(|&k| (tip([10 * k, k, k], Order::Linear) - timoshenko()) / timoshenko()).collect();
    eprintln!("cantilever tet4 errors: {errors:?}");
    // Linear tets lock in bending: too stiff, approaching from below, error shrinking each time.
    assert!(errors.iter().all(|&e| e < 0.0));
    assert!(errors.windows(2).all(|w| w[1].abs() < 0.7 * w[0].abs()), "{errors:?}");
    let committed: Vec<f64> =
        reference()["cantilever"]["tet4_errors"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    for (e, c) in errors.iter().zip(&committed) {
        assert!((e - c).abs() < 1e-6, "changed from the committed {c:+.6e} to {e:+.6e}");
    }
}
