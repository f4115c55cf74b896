//! Supports of a scenario resolved on the mesh, for every analysis: prescribed DOFs (`fixed`,
//! `displacement`, `symmetry`, `sliding` and its automatic pins) and elastic `spring` surfaces.
//!
//! A **sliding** support fixes the normal component on a plane surface normal to x, y or z and
//! leaves it free to move in the plane. The in-plane rigid motions (two translations and the
//! rotation about the normal) that no other support or spring removes are then removed by the
//! fewest extra zero-displacement components on the surface ("pins",
//! [`constraint::pins`](crate::fem::constraint::pins)), picked far apart for conditioning and
//! listed in the summary. Under balanced in-plane loads the pins carry no force (their reactions,
//! in the summary, say so).
//!
//! A **spring** support holds a surface with stiffness per area along its normal and in its
//! plane ([`spring`](crate::fem::spring)); the springs remove rigid motions as constraints do.

use std::collections::BTreeMap;

use nalgebra::Vector3;

use super::problem::EntryError;
use super::scenario::{Scenario, SupportKind};
use super::select::{resolve, symmetry_axis};
use super::summary::PinSummary;
use crate::fem::constraint::{self, Restraint};
use crate::fem::{Dirichlet, DofMap};
use crate::mesh::{CellFace, Mesh};

/// A spring support: its faces and stiffnesses (Pa/m).
#[derive(Debug, Clone)]
pub(super) struct SpringSpec {
    /// Index of the support (into `names`).
    pub(super) owner: usize,
    pub(super) faces: Vec<CellFace>,
    pub(super) k_n: f64,
    pub(super) k_t: f64,
}

/// Supports resolved to prescribed DOFs (SI), with the support owning each DOF's reaction, the
/// spring surfaces, the pins added for sliding supports, and the directions springs restrain.
#[derive(Debug, Clone)]
pub(super) struct Supports {
    pub(super) bc: Dirichlet,
    pub(super) owners: Vec<usize>,
    pub(super) names: Vec<String>,
    pub(super) springs: Vec<SpringSpec>,
    pub(super) pins: Vec<PinSummary>,
    pub(super) restraints: Vec<Restraint>,
}

impl Supports {
    /// Checks that the supports hold every body (prescribed DOFs and springs together).
    pub(super) fn check_rigid_body(&self, mesh_si: &Mesh, dofs: &DofMap) -> Result<(), crate::fem::FemError> {
        constraint::check_rigid_body_with(mesh_si, dofs, &self.bc, &self.restraints)
    }
}

/// Step 2: every support's nodes and components; a DOF prescribed twice must get the same value,
/// and its reaction belongs to the first support listed. Pins for sliding supports come last.
pub(super) fn resolve_supports(
    scenario: &Scenario,
    mesh: &Mesh,
    dofs: &DofMap,
    boundary: &[CellFace],
) -> Result<Supports, EntryError> {
    let units = scenario.units;
    let l = units.length();
    let mut prescribed: BTreeMap<usize, (f64, usize)> = BTreeMap::new();
    let mut names: Vec<String> = Vec::new();
    let (mut springs, mut restraints, mut sliding) = (Vec::new(), Vec::new(), Vec::new());
    for (i, sp) in scenario.supports.iter().enumerate() {
        let entry = format!("support[{}]", i + 1);
        let sel = resolve(mesh, dofs, boundary, &sp.target()).map_err(|m| (entry.clone(), m))?;
        let name =
            sp.name.clone().or(sp.surface.clone()).or(sp.node_set.clone()).unwrap_or(format!("support{}", i + 1));
        if names.contains(&name) {
            return Err((entry, format!("the support name '{name}' is used twice; give name = \"...\"")));
        }
        names.push(name);
        let components: Vec<(usize, f64)> = match sp.kind {
            SupportKind::Fixed => (0..3).map(|k| (k, 0.0)).collect(),
            SupportKind::Displacement => {
                let v = sp.value.expect("checked: a displacement support has a value");
                match &sp.components {
                    Some(c) => c.iter().map(|a| (a.index(), v[a.index()] * l)).collect(),
                    None => (0..3).map(|k| (k, v[k] * l)).collect(),
                }
            }
            SupportKind::Symmetry => {
                let axis = symmetry_axis("symmetry", mesh, sp.normal, sp.select.as_ref(), &sel.faces)
                    .map_err(|m| (entry.clone(), m))?;
                vec![(axis, 0.0)]
            }
            SupportKind::Sliding => {
                let axis = sliding_axis(mesh, sp, &sel.nodes, &sel.faces).map_err(|m| (entry.clone(), m))?;
                sliding
                    .extend(sel.nodes.iter().flat_map(|&n| (0..3).filter(move |&k| k != axis).map(move |k| (n, k, i))));
                vec![(axis, 0.0)]
            }
            SupportKind::Spring => {
                if sel.faces.is_empty() {
                    return Err((entry, "a spring support needs faces: this target selects none".into()));
                }
                let stiffness = units.stress() / l;
                let k_n = sp.normal_stiffness.unwrap_or(0.0) * stiffness;
                let k_t = sp.tangential_stiffness.unwrap_or(0.0) * stiffness;
                restraints.extend(spring_restraints(mesh, &sel.faces, k_n > 0.0, k_t > 0.0));
                springs.push(SpringSpec { owner: i, faces: sel.faces.clone(), k_n, k_t });
                Vec::new()
            }
        };
        for &node in &sel.nodes {
            for &(k, v) in &components {
                let dof = dofs.dof(node, k).expect("selected nodes have DOFs");
                match prescribed.get(&dof) {
                    Some(&(old, owner)) if (old - v).abs() > 1e-12 * old.abs().max(v.abs()) => {
                        let message = format!(
                            "node {} component {} is prescribed {} here but {} by {}; make the supports agree",
                            mesh.node_ids()[node],
                            ["x", "y", "z"][k],
                            v / l,
                            old / l,
                            names[owner]
                        );
                        return Err((entry, message));
                    }
                    Some(_) => {}
                    None => {
                        prescribed.insert(dof, (v, i));
                    }
                }
            }
        }
    }
    let pins = add_pins(mesh, dofs, &mut prescribed, &restraints, &sliding, &names);
    let owners = prescribed.values().map(|&(_, o)| o).collect();
    let bc = Dirichlet::new(prescribed.iter().map(|(&d, &(v, _))| (d, v)).collect());
    Ok(Supports { bc, owners, names, springs, pins, restraints })
}

/// The axis normal to a sliding surface, which must be one plane.
fn sliding_axis(
    mesh: &Mesh,
    sp: &super::scenario::SupportSpec,
    nodes: &[usize],
    faces: &[CellFace],
) -> Result<usize, String> {
    let axis = symmetry_axis("sliding", mesh, sp.normal, sp.select.as_ref(), faces)?;
    let (lo, hi) = nodes
        .iter()
        .map(|&n| mesh.nodes()[n][axis])
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    let size = mesh.bounding_box().map_or(1.0, |(a, b)| (0..3).map(|k| b[k] - a[k]).fold(0.0, f64::max));
    if hi - lo > 1e-6 * size {
        return Err(format!(
            "a sliding support needs one plane surface, but its nodes span {} = {lo} to {hi}; select a plane \
             (select = {{ plane = \"{}\", at = ... }}) or use kind = \"spring\"",
            ["x", "y", "z"][axis],
            ["x", "y", "z"][axis]
        ));
    }
    Ok(axis)
}

/// Directions the springs on `faces` restrain at their nodes: the face normal (normal springs)
/// and two directions in the face plane (tangential springs).
fn spring_restraints(mesh: &Mesh, faces: &[CellFace], normal: bool, tangential: bool) -> Vec<Restraint> {
    let mut out = Vec::new();
    for &f in faces {
        let nodes = mesh.face_nodes(f);
        let x: Vec<Vector3<f64>> = nodes.iter().take(3).map(|&n| Vector3::from(mesh.nodes()[n])).collect();
        let n = (x[1] - x[0]).cross(&(x[2] - x[0]));
        if n.norm() == 0.0 {
            continue;
        }
        let n = n.normalize();
        let t1 = (x[1] - x[0]).normalize();
        let t2 = n.cross(&t1);
        let mut dirs = Vec::new();
        if normal {
            dirs.push(n);
        }
        if tangential {
            dirs.extend([t1, t2]);
        }
        for node in nodes {
            out.extend(dirs.iter().map(|d| Restraint { node, direction: [d[0], d[1], d[2]] }));
        }
    }
    out
}

/// Pins the in-plane rigid motions of sliding supports that nothing else removes.
fn add_pins(
    mesh: &Mesh,
    dofs: &DofMap,
    prescribed: &mut BTreeMap<usize, (f64, usize)>,
    restraints: &[Restraint],
    sliding: &[(usize, usize, usize)],
    names: &[String],
) -> Vec<PinSummary> {
    if sliding.is_empty() {
        return Vec::new();
    }
    let bc = Dirichlet::new(prescribed.iter().map(|(&d, &(v, _))| (d, v)).collect());
    let mut owner_of = BTreeMap::new();
    for &(n, k, owner) in sliding {
        let dof = dofs.dof(n, k).expect("selected nodes have DOFs");
        if !prescribed.contains_key(&dof) {
            owner_of.entry(dof).or_insert((n, k, owner));
        }
    }
    let candidates: Vec<usize> = owner_of.keys().copied().collect();
    constraint::pins(mesh, dofs, &bc, restraints, &candidates)
        .into_iter()
        .map(|dof| {
            let (node, k, owner) = owner_of[&dof];
            prescribed.insert(dof, (0.0, owner));
            PinSummary {
                support: names[owner].clone(),
                node: mesh.node_ids()[node],
                component: ["x", "y", "z"][k].into(),
                position: mesh.nodes()[node],
            }
        })
        .collect()
}
