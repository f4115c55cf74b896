//! Sliding and spring supports against closed forms: a block compressed on a sliding base
//! (uniaxial stress, the pins carry nothing), a column on a normal-spring foundation (springs in
//! series with the body), both on the linear path and on the finite-strain path at a small load.

use organ_twin::mesh::generate::{beam, BeamParams, Order};
use organ_twin::mesh::Mesh;

use crate::common::run;
use crate::finite_strain::run_quasi_static;

/// E = 1000 MPa, ν = 0.3; pressure 1 MPa on the top face.
const E: f64 = 1000.0;
const NU: f64 = 0.3;

fn block(order: Order, size: [f64; 3], divisions: [usize; 3]) -> Mesh {
    beam(&BeamParams { size, divisions, order }).expect("block")
}

const SLIDING: &str = r#"
name = "sliding"
units = { length = "mm", stress = "MPa" }
[mesh]
file = "block.msh"
[[material]]
region = "all"
model = "linear_elastic"
youngs_modulus = 1000.0
poisson_ratio = 0.3
[[support]]
kind = "sliding"
surface = "zmin"
[[load]]
kind = "pressure"
surface = "zmax"
value = 1.0
[solver]
method = "direct"
"#;

/// Uniaxial stress: `u_z = −z/E` at every node and `Δu_x = ν Δx / E` along x, exactly (the
/// field is linear, which Tet4 represents); three pins, whose reactions vanish.
#[test]
fn a_block_on_a_sliding_base_is_in_uniaxial_stress() {
    let mesh = block(Order::Linear, [2.0, 1.0, 1.0], [4, 2, 2]);
    let (_, s) = run(SLIDING, mesh.clone()).unwrap();
    assert_eq!(s.summary.pins.len(), 3, "{:?}", s.summary.pins);
    assert!(s.summary.pins.iter().all(|p| p.support == "zmin" && p.component != "z" && p.position[2] == 0.0));
    let tol = 1e-9 / E;
    for (x, u) in mesh.nodes().iter().zip(&s.displacement) {
        assert!((u[2] + x[2] / E).abs() < tol, "u_z at {x:?}: {}", u[2]);
    }
    let (a, b) = (
        mesh.nodes().iter().position(|x| *x == [0.0, 0.5, 0.5]),
        mesh.nodes().iter().position(|x| *x == [2.0, 0.5, 0.5]),
    );
    let (a, b) = (a.expect("node"), b.expect("node"));
    let du = s.displacement[b][0] - s.displacement[a][0];
    assert!((du - NU * 2.0 / E).abs() < tol, "Δu_x {du} vs {}", NU * 2.0 / E);
    let r = s.summary.reactions["zmin"];
    // 1 MPa on 2 mm²: 2 N, and nothing in the plane.
    assert!((r[2] - 2.0).abs() < 1e-9 && r[0].abs() < 1e-9 && r[1].abs() < 1e-9, "{r:?}");
}

const SPRINGS: &str = r#"
name = "springs"
units = { length = "mm", stress = "MPa" }
[mesh]
file = "column.msh"
[[material]]
region = "all"
model = "linear_elastic"
youngs_modulus = 1000.0
poisson_ratio = 0.3
[[support]]
kind = "spring"
surface = "zmin"
normal_stiffness = 100.0
[[support]]
kind = "symmetry"
surface = "xmin"
[[support]]
kind = "symmetry"
surface = "ymin"
[[load]]
kind = "pressure"
surface = "zmax"
value = 1.0
[solver]
method = "direct"
"#;

/// A column on normal springs `k_n`: the base sinks by `p / k_n`, the column shortens by
/// `p L / E` on top of that, exactly on Tet4 and Tet10; the springs carry the whole load.
#[test]
fn a_column_on_springs_sinks_by_p_over_k() {
    for order in [Order::Linear, Order::Quadratic] {
        let mesh = block(order, [1.0, 1.0, 2.0], [2, 2, 4]);
        let (_, s) = run(SPRINGS, mesh.clone()).unwrap();
        let tol = 1e-9 * (1.0 / 100.0 + 2.0 / E);
        for (x, u) in mesh.nodes().iter().zip(&s.displacement) {
            let exact = -1.0 / 100.0 - x[2] / E;
            assert!((u[2] - exact).abs() < tol, "{order:?}: u_z at {x:?}: {} vs {exact}", u[2]);
        }
        let r = s.summary.reactions["zmin"];
        assert!((r[2] - 1.0).abs() < 1e-9, "{order:?}: spring force {r:?}");
        assert!(s.summary.pins.is_empty());
    }
}

/// Without the symmetry planes the normal springs alone leave x, y and the rotation about z
/// free: refused before any solve, naming the motions.
#[test]
fn normal_springs_alone_do_not_hold_a_body() {
    let text = SPRINGS.replace(
        "[[support]]\nkind = \"symmetry\"\nsurface = \"xmin\"\n[[support]]\nkind = \"symmetry\"\nsurface = \"ymin\"\n",
        "",
    );
    assert_ne!(text, SPRINGS, "test bug: the symmetry supports were not removed");
    let err = run(&text, block(Order::Linear, [1.0, 1.0, 2.0], [2, 2, 4])).expect_err("must be refused").to_string();
    assert!(err.contains("rotation about z") && err.contains("translation along x"), "{err}");
}

#[test]
fn bad_sliding_and_spring_supports_are_refused_with_their_entry() {
    let mesh = || block(Order::Linear, [2.0, 1.0, 1.0], [4, 2, 2]);
    let cases = [
        (
            SLIDING.replace("surface = \"zmin\"", "select = { box = [[0.0, 0.0, 0.0], [2.0, 1.0, 0.5]] }"),
            "plane normal to x, y or z",
        ),
        (
            SLIDING
                .replace("surface = \"zmin\"", "select = { box = [[0.0, 0.0, 0.0], [2.0, 1.0, 0.5]] }\nnormal = \"z\""),
            "one plane surface",
        ),
        (
            SPRINGS.replace("normal_stiffness = 100.0", "normal_stiffness = 0.0"),
            "normal_stiffness and/or tangential_stiffness > 0",
        ),
        (
            SLIDING.replace("kind = \"sliding\"", "kind = \"sliding\"\nnormal_stiffness = 1.0"),
            "belongs to kind = \"spring\" only",
        ),
        (SPRINGS.replace("normal_stiffness = 100.0", "normal_stiffness = -1.0"), "finite number >= 0"),
        (SPRINGS.replace("normal_stiffness = 100.0", "normal_stiffness = nan"), "finite number >= 0"),
    ];
    for (text, needle) in cases {
        let err = run(&text, mesh()).expect_err("must be refused").to_string();
        assert!(err.contains("support[1]") && err.contains(needle), "{err}");
    }
}

/// The finite-strain path at a load of 1e-4 E: the same closed forms to within the size of the
/// geometric nonlinearity (strains of 1e-4 make relative differences of order 1e-4).
#[test]
fn sliding_and_springs_on_the_finite_strain_path() {
    let qs = |text: &str| {
        text.replace("model = \"linear_elastic\"\nyoungs_modulus = 1000.0\npoisson_ratio = 0.3", &neo_hookean())
            .replace("value = 1.0", "value = 0.1")
            .replace("[solver]\nmethod = \"direct\"\n", "[analysis]\nkind = \"quasi_static\"\nsteps = 1\n")
            + "[[probe]]\nname = \"top\"\npoint = [0.0, 0.0, 2.0]\n"
    };
    let mesh = block(Order::Quadratic, [1.0, 1.0, 2.0], [2, 2, 4]);
    let out = run_quasi_static(&qs(SPRINGS), mesh).unwrap();
    let uz = out.summary.steps[0].probes["top"].displacement[2];
    let exact = -0.1 / 100.0 - 0.1 * 2.0 / E;
    assert!((uz / exact - 1.0).abs() < 1e-3, "top u_z {uz} vs {exact}");
    assert!((out.summary.reactions["zmin"][2] - 0.1).abs() < 1e-6, "{:?}", out.summary.reactions);

    let mesh = block(Order::Quadratic, [1.0, 1.0, 2.0], [2, 2, 4]);
    let out = run_quasi_static(&qs(SLIDING), mesh).unwrap();
    assert_eq!(out.summary.pins.len(), 3);
    let uz = out.summary.steps[0].probes["top"].displacement[2];
    let exact = -0.1 * 2.0 / E;
    assert!((uz / exact - 1.0).abs() < 1e-3, "top u_z {uz} vs {exact}");
}

/// A compressible neo-Hookean solid with the small-strain E and ν.
fn neo_hookean() -> String {
    let mu = E / (2.0 * (1.0 + NU));
    let kappa = E / (3.0 * (1.0 - 2.0 * NU));
    format!("model = \"neo_hookean\"\nmu = {mu}\nbulk_modulus = {kappa}")
}
