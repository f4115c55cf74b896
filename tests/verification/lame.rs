//! Lamé's thick-walled sphere under internal pressure `p` (inner radius a, outer b), modelled as
//! the positive octant with three symmetry planes. Closed form:
//! `u_r(r) = p a³ / (E (b³ − a³)) · ((1 − 2ν) r + (1 + ν) b³ / (2 r²))`.

use organ_twin::fem::post;
use organ_twin::mesh::generate::{sphere, Order, SphereParams};

use organ_twin::solve::Backend;

use crate::common::{backends, reference, run_on};

const A: f64 = 1.0;
const B: f64 = 2.0;
const E: f64 = 1000.0;
const NU: f64 = 0.3;
const P: f64 = 1.0;

fn exact_radial(r: f64) -> f64 {
    P * A.powi(3) / (E * (B.powi(3) - A.powi(3))) * ((1.0 - 2.0 * NU) * r + (1.0 + NU) * B.powi(3) / (2.0 * r * r))
}

fn exact(x: [f64; 3]) -> [f64; 3] {
    let r = (x[0] * x[0] + x[1] * x[1] + x[2] * x[2]).sqrt();
    let ur = exact_radial(r);
    x.map(|c| ur * c / r)
}

fn scenario() -> String {
    format!(
        r#"
name = "lame"
[mesh]
file = "generated"
[[material]]
region = "wall"
model = "linear_elastic"
youngs_modulus = {E}
poisson_ratio = {NU}
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
value = {P}
[solver]
method = "direct"
"#
    )
}

/// Mean radial displacement of the nodes of a surface, and the L2 error over the wall.
fn solve(backend: &Backend, subdivisions: usize, layers: usize, order: Order) -> (f64, f64, f64, usize) {
    let mesh =
        sphere(&SphereParams { inner_radius: A, outer_radius: B, subdivisions, layers, octant: true, order }).unwrap();
    let (p, s) = run_on(backend, &scenario(), mesh).unwrap_or_else(|e| panic!("{}: {e}", backend.name()));
    let mesh = p.mesh();
    let radial = |name: &str| {
        let mut nodes: Vec<usize> =
            mesh.surface(name).unwrap().faces.iter().flat_map(|&f| mesh.face_nodes(f)).collect();
        nodes.sort_unstable();
        nodes.dedup();
        nodes
            .iter()
            .map(|&n| {
                let x = mesh.nodes()[n];
                let r = (x[0] * x[0] + x[1] * x[1] + x[2] * x[2]).sqrt();
                (0..3).map(|k| s.displacement[n][k] * x[k] / r).sum::<f64>()
            })
            .sum::<f64>()
            / nodes.len() as f64
    };
    let (err, norm) = post::l2_error(mesh, &s.displacement, exact);
    (radial("inner"), radial("outer"), err / norm, s.summary.mesh.dofs)
}

#[test]
fn tet10_radial_displacement_within_half_a_percent() {
    let r = reference();
    for backend in backends() {
        let (ui, uo, _, _) = solve(&backend, 8, 4, Order::Quadratic);
        let ei = ui / exact_radial(A) - 1.0;
        let eo = uo / exact_radial(B) - 1.0;
        eprintln!("lame tet10 (8, 4) on {}: inner {ei:+.4e}, outer {eo:+.4e}", backend.name());
        assert!(ei.abs() < 0.005 && eo.abs() < 0.005);
        let c = &r["lame"]["tet10_radial_errors"];
        assert!(
            (ei - c[0].as_f64().unwrap()).abs() < 1e-6 && (eo - c[1].as_f64().unwrap()).abs() < 1e-6,
            "changed: {ei} {eo}"
        );
    }
}

fn rates(backend: &Backend, order: Order, levels: &[(usize, usize)]) -> (Vec<f64>, Vec<f64>) {
    let errors: Vec<f64> = levels.iter().map(|&(n, l)| solve(backend, n, l, order).2).collect();
    let rates = errors.windows(2).map(|w| (w[0] / w[1]).log2()).collect();
    (errors, rates)
}

#[test]
fn tet4_l2_error_converges_at_rate_two() {
    for backend in backends() {
        let (errors, rates) = rates(&backend, Order::Linear, &[(4, 2), (8, 4), (16, 8), (32, 16)]);
        eprintln!("lame tet4 L2 errors on {}: {errors:?}, rates {rates:?}", backend.name());
        // Three refinements; the first is pre-asymptotic, the last must show the optimal rate.
        assert!((rates[2] - 2.0).abs() < 0.15 && rates.windows(2).all(|w| w[1] > w[0] - 0.05), "rates {rates:?}");
        let committed = &reference()["lame"]["tet4_l2_errors"];
        for (k, e) in errors.iter().enumerate() {
            assert!((e / committed[k].as_f64().unwrap() - 1.0).abs() < 1e-6, "changed: {errors:?}");
        }
    }
}

#[test]
fn tet10_l2_error_converges_at_rate_three() {
    for backend in backends() {
        let (errors, rates) = rates(&backend, Order::Quadratic, &[(2, 1), (4, 2), (8, 4), (16, 8)]);
        eprintln!("lame tet10 L2 errors on {}: {errors:?}, rates {rates:?}", backend.name());
        assert!((rates[2] - 3.0).abs() < 0.15 && rates.windows(2).all(|w| w[1] > w[0] - 0.05), "rates {rates:?}");
        let committed = &reference()["lame"]["tet10_l2_errors"];
        for (k, e) in errors.iter().enumerate() {
            assert!((e / committed[k].as_f64().unwrap() - 1.0).abs() < 1e-6, "changed: {errors:?}");
        }
    }
}
