//! Resolving scenario targets (named surfaces, node sets, geometric selectors) on a mesh.
//!
//! All coordinates here are in the mesh's units (the caller passes the scenario's values
//! unconverted together with the unconverted mesh, or both in SI).

use nalgebra::Vector3;

use super::scenario::{Axis, Selector, Target};
use crate::fem::DofMap;
use crate::mesh::{CellFace, Mesh};

/// Nodes (with DOFs) and, where the target defines them, boundary faces.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    /// Selected mesh nodes, sorted and unique.
    pub nodes: Vec<usize>,
    /// Selected faces (all faces of a named surface, or the boundary faces whose nodes are all
    /// selected by a selector).
    pub faces: Vec<CellFace>,
}

fn names(list: impl Iterator<Item = String>) -> String {
    let v: Vec<String> = list.collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

/// Resolves `target` on `mesh`; `boundary` is the mesh's boundary faces (computed once).
pub fn resolve(mesh: &Mesh, dofs: &DofMap, boundary: &[CellFace], target: &Target<'_>) -> Result<Selection, String> {
    if let Some(name) = target.surface {
        let surface = mesh.surface(name).ok_or_else(|| {
            format!(
                "the mesh has no surface named '{name}' (surfaces: {}); use a geometric select = {{ ... }} for untagged meshes",
                names(mesh.surfaces().iter().map(|s| s.name.clone()))
            )
        })?;
        let mut nodes: Vec<usize> = surface.faces.iter().flat_map(|&f| mesh.face_nodes(f)).collect();
        nodes.sort_unstable();
        nodes.dedup();
        return Ok(Selection { nodes, faces: surface.faces.clone() });
    }
    if let Some(name) = target.node_set {
        let set = mesh.node_sets().iter().find(|s| s.name == name).ok_or_else(|| {
            format!(
                "the mesh has no node set named '{name}' (node sets: {})",
                names(mesh.node_sets().iter().map(|s| s.name.clone()))
            )
        })?;
        let mut nodes: Vec<usize> = set.nodes.iter().copied().filter(|&n| dofs.slot(n).is_some()).collect();
        nodes.sort_unstable();
        nodes.dedup();
        if nodes.is_empty() {
            return Err(format!("node set '{name}' holds no node of any cell"));
        }
        return Ok(Selection { nodes, faces: Vec::new() });
    }
    let select = target.select.expect("checked: one target is given");
    let nodes = select_nodes(mesh, dofs, select)?;
    let mut selected = vec![false; mesh.nodes().len()];
    for &n in &nodes {
        selected[n] = true;
    }
    let faces = boundary.iter().copied().filter(|&f| mesh.face_nodes(f).iter().all(|&n| selected[n])).collect();
    Ok(Selection { nodes, faces })
}

fn select_nodes(mesh: &Mesh, dofs: &DofMap, s: &Selector) -> Result<Vec<usize>, String> {
    let (lo, hi) = mesh.bounding_box().unwrap_or(([0.0; 3], [0.0; 3]));
    let size = (Vector3::from(hi) - Vector3::from(lo)).norm();
    let default_tol = 1e-6 * size;
    let candidates = (0..mesh.nodes().len()).filter(|&n| dofs.slot(n).is_some());
    let p = |n: usize| mesh.nodes()[n];
    let nodes: Vec<usize> = if let (Some(axis), Some(at)) = (s.plane, s.at) {
        let tol = s.tol.unwrap_or(default_tol);
        candidates.filter(|&n| (p(n)[axis.index()] - at).abs() <= tol).collect()
    } else if let Some([a, b]) = s.bbox {
        let tol = s.tol.unwrap_or(default_tol);
        candidates
            .filter(|&n| (0..3).all(|k| p(n)[k] >= a[k].min(b[k]) - tol && p(n)[k] <= a[k].max(b[k]) + tol))
            .collect()
    } else if let Some(point) = s.point {
        let d = |n: usize| (Vector3::from(p(n)) - Vector3::from(point)).norm();
        match s.tol {
            Some(tol) => candidates.filter(|&n| d(n) <= tol).collect(),
            None => candidates.min_by(|&a, &b| d(a).total_cmp(&d(b))).into_iter().collect(),
        }
    } else if let Some(h) = s.below {
        let n = Vector3::from(h.normal).normalize();
        let tol = s.tol.unwrap_or(default_tol);
        candidates.filter(|&i| (Vector3::from(p(i)) - Vector3::from(h.point)).dot(&n) <= tol).collect()
    } else {
        Vec::new()
    };
    if nodes.is_empty() {
        return Err(format!(
            "the selector matches no node (mesh bounding box {lo:?} to {hi:?}); check the coordinates, the units and tol"
        ));
    }
    Ok(nodes)
}

/// The axis a symmetry support constrains: given, from a plane selector, or from the faces'
/// normals when they all lie along one axis.
pub fn symmetry_axis(
    kind: &str,
    mesh: &Mesh,
    normal: Option<Axis>,
    select: Option<&Selector>,
    faces: &[CellFace],
) -> Result<usize, String> {
    if let Some(a) = normal.or(select.and_then(|s| s.plane)) {
        return Ok(a.index());
    }
    let mut axis = None;
    for &f in faces {
        let x: Vec<Vector3<f64>> = mesh.face_nodes(f).iter().take(3).map(|&n| Vector3::from(mesh.nodes()[n])).collect();
        let n = (x[1] - x[0]).cross(&(x[2] - x[0])).normalize();
        let k = n.iamax();
        if n[k].abs() < 1.0 - 1e-6 || axis.is_some_and(|a| a != k) {
            let other = if kind == "sliding" { "spring" } else { "displacement" };
            return Err(format!(
                "{kind} needs a plane normal to x, y or z; this surface is not (give normal = \"x|y|z\" to force one, \
                 or use kind = \"{other}\")"
            ));
        }
        axis = Some(k);
    }
    axis.ok_or_else(|| format!("a {kind} support needs faces or normal = \"x|y|z\""))
}
