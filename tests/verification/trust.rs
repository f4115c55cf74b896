//! Results a user can trust (issue 11, items 1–3 and 19): a mechanism is refused before the
//! solve, the summary's von Mises peak is the one the VTU shows, and a small-strain model that
//! cannot represent its problem says so.

use organ_twin::io::{parse_mesh, Format};
use organ_twin::mesh::generate::{beam, BeamParams, Order};
use organ_twin::mesh::Mesh;
use organ_twin::twin::ScenarioError;

use crate::common::run;

/// Two tetrahedra sharing only the edge from (0,0,0) to (1,0,0): a hinge.
const HINGE: &str = "# vtk DataFile Version 3.0
hinge
ASCII
DATASET UNSTRUCTURED_GRID
POINTS 6 double
0 0 0
1 0 0
0 1 0
0 0 1
0 -1 0
0 0 -1
CELLS 2 10
4 0 1 2 3
4 0 1 4 5
CELL_TYPES 2
10
10
";

const HELD: &str = r#"
name = "hinge"
units = { length = "mm", stress = "MPa" }
[mesh]
file = "hinge.vtk"
[[material]]
region = "all"
model = "linear_elastic"
youngs_modulus = 1000.0
poisson_ratio = 0.3
[[support]]
kind = "fixed"
select = { box = [[-0.1, -0.01, -0.01], [1.1, 1.1, 1.1]] }
[[load]]
kind = "nodal"
select = { point = [0.0, 0.0, -1.0] }
value = [0.0, 1.0, 0.0]
[solver]
method = "direct"
"#;

/// The held tetrahedron holds the body as a whole, but the other turns about the shared edge:
/// refused before any solve, naming the part and the joint (issue 11, item 1).
#[test]
fn a_part_joined_by_an_edge_is_a_mechanism() {
    let mesh =
        parse_mesh(HINGE.as_bytes(), Format::VtkLegacy, "hinge.vtk", &Default::default()).expect("hinge mesh").mesh;
    match run(HELD, mesh) {
        Err(ScenarioError::Fem { source, .. }) => {
            let msg = source.to_string();
            assert!(msg.contains("part 2") && msg.contains("only at 2 nodes (0, 1)"), "{msg}");
            assert!(msg.contains("1 free motion"), "{msg}");
        }
        other => panic!("expected the mechanism to be refused, got {:?}", other.map(|r| r.1.summary.max_displacement)),
    }
}

fn beam_mesh(order: Order) -> Mesh {
    beam(&BeamParams { size: [10.0, 1.0, 1.0], divisions: [10, 1, 1], order }).expect("beam")
}

fn cantilever(nu: f64, load: f64) -> String {
    format!(
        r#"
name = "beam"
units = {{ length = "mm", stress = "MPa" }}
[mesh]
file = "beam.msh"
[[material]]
region = "all"
model = "linear_elastic"
youngs_modulus = 1000.0
poisson_ratio = {nu}
[[support]]
kind = "fixed"
surface = "xmin"
[[load]]
kind = "traction"
surface = "xmax"
value = [0.0, 0.0, {load}]
[solver]
method = "direct"
"#
    )
}

/// The summary's peak is the VTU's nodal peak, which on Tet10 lies above the cell averages
/// (item 2).
#[test]
fn the_von_mises_peak_is_the_one_the_vtu_shows() {
    let (_, s) = run(&cantilever(0.3, -0.1), beam_mesh(Order::Quadratic)).unwrap();
    let nodal = s.point_fields.iter().find(|f| f.name == "von_mises").expect("nodal von Mises");
    let peak = nodal.values.iter().copied().fold(0.0, f64::max);
    assert_eq!(s.summary.max_von_mises, peak);
    assert!(s.summary.max_von_mises > s.summary.max_von_mises_cell_average, "{:?}", s.summary);
    assert!(s.summary.warnings.is_empty(), "{:?}", s.summary.warnings);
}

/// Locking Tet4 at ν ≥ 0.49 and strains beyond small strain are warned about, in the summary
/// (item 3); the same models at ν = 0.3 and a small load are not.
#[test]
fn models_beyond_their_validity_are_warned_about() {
    let (_, s) = run(&cantilever(0.495, -0.001), beam_mesh(Order::Linear)).unwrap();
    assert!(s.summary.warnings.iter().any(|w| w.contains("lock volumetrically")), "{:?}", s.summary.warnings);
    let (_, s) = run(&cantilever(0.3, -5.0), beam_mesh(Order::Linear)).unwrap();
    assert!(s.summary.warnings.iter().any(|w| w.contains("strains reach")), "{:?}", s.summary.warnings);
    let (_, s) = run(&cantilever(0.3, -0.001), beam_mesh(Order::Linear)).unwrap();
    assert!(s.summary.warnings.is_empty(), "{:?}", s.summary.warnings);
}

/// A subnormal Young's modulus is refused (item 19).
#[test]
fn a_subnormal_youngs_modulus_is_refused() {
    let text = cantilever(0.3, -0.1).replace("youngs_modulus = 1000.0", "youngs_modulus = 1e-320");
    let err = run(&text, beam_mesh(Order::Linear)).map(|_| ()).expect_err("refused").to_string();
    assert!(err.contains("smallest normal"), "{err}");
}

/// A probe exactly on the curved outer surface of a Tet10 sphere is located (the quadratic faces
/// meet the sphere only at their nodes), and one outside names its distance to the mesh, not
/// to a node (item 20).
#[test]
fn probes_on_a_curved_boundary_are_found_and_outside_ones_name_their_distance() {
    use organ_twin::fem::post::{distance_to_mesh, locate};
    use organ_twin::mesh::generate::{sphere, SphereParams};
    let mesh = sphere(&SphereParams {
        inner_radius: 1.0,
        outer_radius: 2.0,
        subdivisions: 4,
        layers: 2,
        octant: true,
        order: Order::Quadratic,
    })
    .expect("sphere");
    let d = nalgebra::Vector3::new(1.0, 0.3, 0.2).normalize();
    let on = [2.0 * d[0], 2.0 * d[1], 2.0 * d[2]];
    assert!(mesh.nodes().iter().all(|n| (nalgebra::Vector3::from(*n) - nalgebra::Vector3::from(on)).norm() > 0.05));
    assert!(locate(&mesh, on).is_some(), "a point on the curved surface is in the mesh");
    let out = [2.1 * d[0], 2.1 * d[1], 2.1 * d[2]];
    assert!(locate(&mesh, out).is_none());
    // 0.1 beyond the sphere, plus the depth of the straight corner triangles below the sphere
    // (at most h² / 4R with the arc cell size h = π R / 8 ≈ 0.79: 0.077).
    let dist = distance_to_mesh(&mesh, out);
    assert!((0.1..0.1 + 0.077).contains(&dist), "distance {dist}");
}
