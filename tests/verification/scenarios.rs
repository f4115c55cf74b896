//! Bad scenarios give clear errors (naming the entry and what to do) before any output.

use organ_twin::mesh::generate::{beam, BeamParams, Order};
use organ_twin::mesh::Mesh;
use organ_twin::twin::ScenarioError;

use crate::common::{build, run};

fn mesh() -> Mesh {
    beam(&BeamParams { size: [10.0, 1.0, 1.0], divisions: [10, 1, 1], order: Order::Linear }).unwrap()
}

const GOOD: &str = r#"
name = "beam"
units = { length = "mm", stress = "MPa" }
[mesh]
file = "beam.msh"
[[material]]
region = "beam"
model = "linear_elastic"
youngs_modulus = 200000.0
poisson_ratio = 0.3
[[support]]
kind = "fixed"
select = { plane = "x", at = 0.0 }
[[load]]
kind = "traction"
surface = "xmax"
value = [0.0, 0.0, -1.0]
[[probe]]
name = "tip"
point = [10.0, 0.5, 1.0]
"#;

fn error(text: &str) -> String {
    match run(text, mesh()) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e.to_string(),
    }
}

fn expect(replace: (&str, &str), needles: &[&str]) {
    assert!(GOOD.contains(replace.0), "test bug: {:?} not in the scenario", replace.0);
    let msg = error(&GOOD.replace(replace.0, replace.1));
    for n in needles {
        assert!(msg.contains(n), "message {msg:?} lacks {n:?}");
    }
}

#[test]
fn the_good_scenario_runs_and_balances() {
    let (_, s) = run(GOOD, mesh()).unwrap();
    let r = s.summary.reactions["support1"];
    // Traction 1 MPa on a 1 mm² face: 1 N down, reacted by 1 N up.
    assert!((r[2] - 1.0).abs() < 1e-8 && (s.summary.applied_load[2] + 1.0).abs() < 1e-12, "{r:?}");
    assert_eq!(s.summary.units.force, "N");
    assert!(s.summary.probes["tip"].displacement[2] < 0.0);
}

#[test]
fn unknown_names_are_reported_with_the_alternatives() {
    expect(("region = \"beam\"", "region = \"bone\""), &["material[1]", "no region named 'bone'", "1 (beam)"]);
    expect(("surface = \"xmax\"", "surface = \"tip\""), &["load[1]", "no surface named 'tip'", "xmax"]);
    expect(("youngs_modulus", "youngs_modulos"), &["unknown field", "youngs_modulos", "line"]);
}

#[test]
fn selectors_that_match_nothing_are_errors() {
    expect(("at = 0.0", "at = -5.0"), &["support[1]", "matches no node", "bounding box"]);
}

#[test]
fn non_physical_parameters_are_rejected() {
    expect(("poisson_ratio = 0.3", "poisson_ratio = 0.5"), &["material[1]", "poisson_ratio = 0.5"]);
    expect(("youngs_modulus = 200000.0", "youngs_modulus = 0.0"), &["youngs_modulus = 0", "> 0"]);
    expect(("youngs_modulus = 200000.0", "youngs_modulus = nan"), &["youngs_modulus = NaN"]);
    expect(("value = [0.0, 0.0, -1.0]", "value = [0.0, nan, -1.0]"), &["load[1]", "finite"]);
}

#[test]
fn an_unsupported_body_is_detected() {
    // A symmetry plane alone leaves five rigid motions free.
    let text = GOOD.replace("kind = \"fixed\"", "kind = \"symmetry\"");
    let msg = error(&text);
    assert!(msg.contains("not held by the supports") && msg.contains("translation along y"), "{msg}");
    // A line of fixed nodes leaves the rotation about it free.
    let text =
        GOOD.replace("select = { plane = \"x\", at = 0.0 }", "select = { box = [[0.0, 0.0, 0.0], [10.0, 0.0, 0.0]] }");
    let msg = error(&text);
    assert!(msg.contains("rotation about x"), "{msg}");
}

#[test]
fn a_probe_outside_the_mesh_is_an_error() {
    expect(("point = [10.0, 0.5, 1.0]", "point = [10.0, 0.5, 1.5]"), &["probe[1] 'tip'", "outside the mesh"]);
}

#[test]
fn non_convergence_is_an_error_with_numbers() {
    let text = format!("{GOOD}\n[solver]\nmax_iterations = 3\n");
    match run(&text, mesh()) {
        Err(ScenarioError::Solve { source, .. }) => {
            assert_eq!(source.report().unwrap().iterations, 3);
            assert!(source.to_string().contains("after 3 iterations"), "{source}");
        }
        other => panic!("expected a solver error, got {:?}", other.map(|_| ())),
    }
}

#[test]
fn conflicting_supports_are_refused() {
    let text = format!(
        "{GOOD}\n[[support]]\nkind = \"displacement\"\nselect = {{ plane = \"x\", at = 0.0 }}\nvalue = [0.1, 0.0, 0.0]\nname = \"pull\"\n"
    );
    let msg = build(&text, mesh()).map(|_| ()).unwrap_err().to_string();
    assert!(msg.contains("support[2]") && msg.contains("make the supports agree"), "{msg}");
}

#[test]
fn surface_loads_need_faces() {
    expect(
        ("surface = \"xmax\"", "select = { point = [10.0, 0.0, 0.0] }"),
        &["load[1]", "no boundary face", "kind = \"nodal\""],
    );
}

#[test]
fn an_unreachable_rtol_and_an_inverted_box_are_refused() {
    let text = format!("{GOOD}\n[solver]\nrtol = 1e-300\n");
    let msg = error(&text);
    assert!(msg.contains("[1e-15, 1)") && msg.contains("round-off"), "{msg}");
    expect(
        ("select = { plane = \"x\", at = 0.0 }", "select = { box = [[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]] }"),
        &["support[1]", "inverted along x"],
    );
}
