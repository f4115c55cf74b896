//! Dirichlet constraints (prescribed displacement components) and the check that they remove
//! every rigid-body motion.
//!
//! [`constrain`] applies them by symmetric elimination that keeps the matrix size and its 3 × 3
//! block pattern: for a constrained DOF `c` with value `ū_c`, the right-hand side of every free
//! row `i` loses `K_ic ū_c`, row and column `c` are zeroed except the diagonal `K_cc` (kept, so
//! the scale of the matrix and the conditioning under Jacobi preconditioning are unchanged),
//! and `f_c = K_cc ū_c`. The result is symmetric positive definite exactly when the constraints
//! leave no rigid-body motion, and its solution carries `ū` on the constrained DOFs.
//! [`reduce`] drops the constrained rows and columns instead (the system written by
//! `export-system`).

use nalgebra::{Matrix6, SymmetricEigen, Vector3, Vector6};
use nalgebra_sparse::{pattern::SparsityPattern, CsrMatrix};
use rayon::prelude::*;

use super::dofs::DofMap;
use super::FemError;
use crate::mesh::Mesh;

/// Prescribed values on a set of DOFs (sorted, unique).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dirichlet {
    dofs: Vec<usize>,
    values: Vec<f64>,
}

impl Dirichlet {
    /// Builds from `(dof, value)` pairs; a DOF listed twice keeps its first value (callers check
    /// for conflicts before, where they can name the supports).
    pub fn new(mut pairs: Vec<(usize, f64)>) -> Self {
        pairs.sort_by_key(|p| p.0);
        pairs.dedup_by_key(|p| p.0);
        let (dofs, values) = pairs.into_iter().unzip();
        Dirichlet { dofs, values }
    }

    /// The constrained DOFs, sorted.
    pub fn dofs(&self) -> &[usize] {
        &self.dofs
    }

    /// The prescribed values, in the order of [`dofs`](Self::dofs).
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// A per-DOF mask of constrained DOFs.
    pub fn mask(&self, n: usize) -> Vec<bool> {
        let mut m = vec![false; n];
        for &d in &self.dofs {
            m[d] = true;
        }
        m
    }

    /// The full vector with the prescribed values and zeros elsewhere.
    pub fn lifting(&self, n: usize) -> Vec<f64> {
        let mut u = vec![0.0; n];
        for (&d, &v) in self.dofs.iter().zip(&self.values) {
            u[d] = v;
        }
        u
    }
}

/// Applies `bc` to `k u = f` by symmetric elimination (see the module docs).
pub fn constrain(k: &CsrMatrix<f64>, f: &[f64], bc: &Dirichlet) -> (CsrMatrix<f64>, Vec<f64>) {
    let n = f.len();
    let mask = bc.mask(n);
    let lift = bc.lifting(n);
    let mut out = k.clone();
    let offsets = k.pattern().major_offsets();
    let cols = k.pattern().minor_indices();
    let mut rhs = f.to_vec();
    // Row i of the new right-hand side: f_i − Σ_c K_ic ū_c (free rows), K_cc ū_c (constrained).
    rhs.par_iter_mut().enumerate().for_each(|(i, r)| {
        let range = offsets[i]..offsets[i + 1];
        let vals = &k.values()[range.clone()];
        if mask[i] {
            let diag = cols[range].iter().zip(vals).find(|(&j, _)| j == i).map_or(0.0, |(_, v)| *v);
            *r = diag * lift[i];
        } else {
            *r -= cols[range].iter().zip(vals).filter(|(&j, _)| mask[j]).map(|(&j, v)| v * lift[j]).sum::<f64>();
        }
    });
    let mut rows: Vec<&mut [f64]> = Vec::with_capacity(n);
    let mut rest = out.values_mut();
    for i in 0..n {
        let (head, tail) = rest.split_at_mut(offsets[i + 1] - offsets[i]);
        rows.push(head);
        rest = tail;
    }
    rows.into_par_iter().enumerate().for_each(|(i, vals)| {
        for (v, &j) in vals.iter_mut().zip(&cols[offsets[i]..offsets[i + 1]]) {
            if (mask[i] || mask[j]) && i != j {
                *v = 0.0;
            }
        }
    });
    (out, rhs)
}

/// The system on the free DOFs only: `K_ff u_f = f_f − K_fc ū_c`, and the free DOF list.
pub fn reduce(k: &CsrMatrix<f64>, f: &[f64], bc: &Dirichlet) -> (CsrMatrix<f64>, Vec<f64>, Vec<usize>) {
    let n = f.len();
    let (constrained, rhs) = constrain(k, f, bc);
    let mask = bc.mask(n);
    let free: Vec<usize> = (0..n).filter(|&i| !mask[i]).collect();
    let mut new_index = vec![usize::MAX; n];
    for (r, &i) in free.iter().enumerate() {
        new_index[i] = r;
    }
    let mut offsets = vec![0];
    let mut indices = Vec::new();
    let mut values = Vec::new();
    for &i in &free {
        let row = constrained.row(i);
        for (&j, &v) in row.col_indices().iter().zip(row.values()) {
            if !mask[j] {
                indices.push(new_index[j]);
                values.push(v);
            }
        }
        offsets.push(indices.len());
    }
    let m = free.len();
    let pattern = SparsityPattern::try_from_offsets_and_indices(m, m, offsets, indices).expect("sorted sub-pattern");
    let matrix = CsrMatrix::try_from_pattern_and_values(pattern, values).expect("values match the pattern");
    let rhs_free = free.iter().map(|&i| rhs[i]).collect();
    (matrix, rhs_free, free)
}

/// Names of the six rigid-body modes, in the order of the check.
const MODES: [&str; 6] = [
    "translation along x",
    "translation along y",
    "translation along z",
    "rotation about x",
    "rotation about y",
    "rotation about z",
];

/// A direction along which a node is held elastically (a spring support): it removes the rigid
/// motions that move the node along `direction`, as a prescribed component does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Restraint {
    /// Node index.
    pub node: usize,
    /// Unit direction.
    pub direction: [f64; 3],
}

/// The rigid-mode geometry of one body: its DOF slots, centre and size.
struct Body {
    slots: Vec<usize>,
    centre: Vector3<f64>,
    size: f64,
}

impl Body {
    /// The row of the six modes (three translations, three rotations about the centre, scaled
    /// by the size) seen along `d` at point `p`: `[d, r × d]`, `r = (p − centre) / size`.
    fn row(&self, p: Vector3<f64>, d: Vector3<f64>) -> Vector6<f64> {
        let r = (p - self.centre) / self.size;
        let rot = r.cross(&d);
        Vector6::new(d[0], d[1], d[2], rot[0], rot[1], rot[2])
    }
}

fn split_bodies(mesh: &Mesh, dofs: &DofMap) -> (Vec<usize>, Vec<Body>) {
    let bodies = bodies(mesh, dofs);
    let count = bodies.iter().copied().max().map_or(0, |b| b + 1);
    let mut list: Vec<Body> =
        (0..count).map(|_| Body { slots: Vec::new(), centre: Vector3::zeros(), size: 0.0 }).collect();
    for (s, &b) in bodies.iter().enumerate() {
        list[b].slots.push(s);
    }
    for body in &mut list {
        let points = body.slots.iter().map(|&s| Vector3::from(mesh.nodes()[dofs.node(s)]));
        body.centre = points.clone().sum::<Vector3<f64>>() / body.slots.len() as f64;
        body.size = points.map(|p| (p - body.centre).norm()).fold(0.0, f64::max).max(f64::MIN_POSITIVE);
    }
    (bodies, list)
}

/// The rigid motions of each body left free by `bc` and `restraints`: an orthonormal basis
/// (columns, in the coordinates of the six modes) of the near-null space of the Gram matrix
/// `G = Σ_c r_c r_cᵀ` over every constraining direction `c` (eigenvalues below `1e-10 · max`).
fn free_modes(
    mesh: &Mesh,
    dofs: &DofMap,
    bodies: &[usize],
    list: &[Body],
    bc: &Dirichlet,
    restraints: &[Restraint],
) -> Vec<Vec<Vector6<f64>>> {
    let mut gram = vec![Matrix6::zeros(); list.len()];
    let point = |s: usize| Vector3::from(mesh.nodes()[dofs.node(s)]);
    for &dof in bc.dofs() {
        let (s, k) = (dof / 3, dof % 3);
        let b = bodies[s];
        let row = list[b].row(point(s), Vector3::ith(k, 1.0));
        gram[b] += row * row.transpose();
    }
    for r in restraints {
        let Some(s) = dofs.slot(r.node) else { continue };
        let b = bodies[s];
        let row = list[b].row(point(s), Vector3::from(r.direction));
        gram[b] += row * row.transpose();
    }
    gram.into_iter()
        .map(|g| {
            let eig = SymmetricEigen::new(g);
            let max = eig.eigenvalues.max();
            (0..6)
                .filter(|&i| max <= 0.0 || eig.eigenvalues[i] < 1e-10 * max)
                .map(|i| if max <= 0.0 { Vector6::ith(i, 1.0) } else { eig.eigenvectors.column(i).into_owned() })
                .collect()
        })
        .collect()
}

/// Checks that every connected body of the mesh has its six rigid-body motions removed by the
/// constrained DOFs; otherwise names the body and the motions left free.
///
/// For each body, with `r_m(x)` the rigid modes (three translations and three rotations about
/// the body's centre, scaled by its size), the Gram matrix `G = Σ_c r_m,c r_n,c` over the
/// constrained DOFs `c` must be non-singular: an eigenvalue below `1e-10 · max` is a free motion.
pub fn check_rigid_body(mesh: &Mesh, dofs: &DofMap, bc: &Dirichlet) -> Result<(), FemError> {
    check_rigid_body_with(mesh, dofs, bc, &[])
}

/// [`check_rigid_body`] with elastic restraints (springs) counted as constraints too, followed
/// by the check for mechanisms ([`check_mechanisms`]).
pub fn check_rigid_body_with(
    mesh: &Mesh,
    dofs: &DofMap,
    bc: &Dirichlet,
    restraints: &[Restraint],
) -> Result<(), FemError> {
    check_bodies(mesh, dofs, bc, restraints)?;
    check_mechanisms(mesh, dofs, bc, restraints)
}

/// Face-connected parts: cells joined through shared faces; the part of every cell and the count.
fn face_parts(mesh: &Mesh) -> (Vec<usize>, usize) {
    let mut parent: Vec<usize> = (0..mesh.cell_count()).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for (_, faces) in crate::mesh::build::face_map(mesh).iter() {
        for pair in faces.windows(2) {
            let (a, b) = (find(&mut parent, pair[0].cell), find(&mut parent, pair[1].cell));
            if a != b {
                parent[a.max(b)] = a.min(b);
            }
        }
    }
    let mut label = vec![usize::MAX; parent.len()];
    let mut next = 0;
    let parts = (0..parent.len())
        .map(|c| {
            let root = find(&mut parent, c);
            if label[root] == usize::MAX {
                label[root] = next;
                next += 1;
            }
            label[root]
        })
        .collect();
    (parts, next)
}

/// Checks for mechanisms: parts of a body joined to the rest only at a node or along an edge
/// (a hinge), which turn freely although the body as a whole is held. Each face-connected part
/// must have its rigid motions removed by its own constraints and restraints together with its
/// nodes shared with other parts (taken as held); otherwise the part and its joint are named.
pub fn check_mechanisms(mesh: &Mesh, dofs: &DofMap, bc: &Dirichlet, restraints: &[Restraint]) -> Result<(), FemError> {
    let (part_of, count) = face_parts(mesh);
    if count <= split_bodies(mesh, dofs).1.len() {
        return Ok(());
    }
    let mut node_parts: Vec<Vec<usize>> = vec![Vec::new(); mesh.nodes().len()];
    for (c, &part) in part_of.iter().enumerate() {
        for &n in mesh.cell_nodes(c) {
            if !node_parts[n].contains(&part) {
                node_parts[n].push(part);
            }
        }
    }
    let mask = bc.mask(dofs.len());
    let mut part_nodes: Vec<Vec<usize>> = vec![Vec::new(); count];
    for (n, parts) in node_parts.iter().enumerate() {
        parts.iter().for_each(|&p| part_nodes[p].push(n));
    }
    let mut part_restraints: Vec<Vec<&Restraint>> = vec![Vec::new(); count];
    for r in restraints {
        node_parts[r.node].iter().for_each(|&p| part_restraints[p].push(r));
    }
    for (part, nodes) in part_nodes.iter().enumerate() {
        let points: Vec<Vector3<f64>> = nodes.iter().map(|&n| Vector3::from(mesh.nodes()[n])).collect();
        let centre = points.iter().sum::<Vector3<f64>>() / points.len() as f64;
        let size = points.iter().map(|p| (p - centre).norm()).fold(0.0, f64::max).max(f64::MIN_POSITIVE);
        let geometry = Body { slots: Vec::new(), centre, size };
        let mut gram = Matrix6::zeros();
        let mut joint = Vec::new();
        for (&n, &p) in nodes.iter().zip(&points) {
            let Some(s) = dofs.slot(n) else { continue };
            let shared = node_parts[n].len() > 1;
            if shared {
                joint.push(n);
            }
            for k in 0..3 {
                if shared || mask[3 * s + k] {
                    let row = geometry.row(p, Vector3::ith(k, 1.0));
                    gram += row * row.transpose();
                }
            }
        }
        for r in &part_restraints[part] {
            let row = geometry.row(Vector3::from(mesh.nodes()[r.node]), Vector3::from(r.direction));
            gram += row * row.transpose();
        }
        let eig = SymmetricEigen::new(gram);
        let max = eig.eigenvalues.max();
        let free = eig.eigenvalues.iter().filter(|&&l| l < 1e-10 * max).count();
        if free > 0 && !joint.is_empty() {
            let cells: Vec<usize> = (0..mesh.cell_count()).filter(|&c| part_of[c] == part).collect();
            let ids: Vec<String> = joint.iter().take(6).map(|&n| mesh.node_ids()[n].to_string()).collect();
            return Err(FemError::Mechanism {
                part: part + 1,
                cells: cells.len(),
                region: mesh.region_label(mesh.cell_regions()[cells[0]]),
                joint: format!(
                    "{} node{} ({}{})",
                    joint.len(),
                    if joint.len() == 1 { "" } else { "s" },
                    ids.join(", "),
                    if joint.len() > ids.len() { ", …" } else { "" }
                ),
                free,
            });
        }
    }
    Ok(())
}

fn check_bodies(mesh: &Mesh, dofs: &DofMap, bc: &Dirichlet, restraints: &[Restraint]) -> Result<(), FemError> {
    let (bodies, list) = split_bodies(mesh, dofs);
    for (body, free) in free_modes(mesh, dofs, &bodies, &list, bc, restraints).into_iter().enumerate() {
        if free.is_empty() {
            continue;
        }
        let mut names: Vec<&str> = free
            .iter()
            .map(|v| MODES[(0..6).max_by(|&a, &b| v[a].abs().total_cmp(&v[b].abs())).expect("six modes")])
            .collect();
        names.sort();
        names.dedup();
        let mut ids: Vec<i32> = (0..mesh.cell_count())
            .filter(|&c| bodies[dofs.slot(mesh.cell_nodes(c)[0]).expect("used")] == body)
            .map(|c| mesh.cell_regions()[c])
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let labels: Vec<String> = ids.iter().map(|&r| format!("'{}'", mesh.region_label(r))).collect();
        let regions = format!("region{} {}", if labels.len() == 1 { "" } else { "s" }, labels.join(", "));
        return Err(FemError::Unconstrained {
            body: body + 1,
            bodies: list.len(),
            nodes: list[body].slots.len(),
            regions,
            free: names.join(", "),
        });
    }
    Ok(())
}

/// The fewest extra prescribed DOFs ("pins") among `candidates` (DOFs not in `bc`) that remove
/// the rigid motions `bc` and `restraints` leave free, chosen greedily for conditioning: each
/// pin is the candidate whose motion under the remaining free modes is largest (a pivoted QR on
/// the modes' rows), and the modes it removes are then projected out. Motions no candidate can
/// remove stay free (for [`check_rigid_body_with`] to report). Returns the DOFs in pick order.
pub fn pins(mesh: &Mesh, dofs: &DofMap, bc: &Dirichlet, restraints: &[Restraint], candidates: &[usize]) -> Vec<usize> {
    let (bodies, list) = split_bodies(mesh, dofs);
    let free = free_modes(mesh, dofs, &bodies, &list, bc, restraints);
    let mut chosen = Vec::new();
    for (b, basis) in free.into_iter().enumerate() {
        let rows: Vec<(usize, Vector6<f64>)> = candidates
            .iter()
            .filter(|&&d| bodies[d / 3] == b)
            .map(|&d| (d, list[b].row(Vector3::from(mesh.nodes()[dofs.node(d / 3)]), Vector3::ith(d % 3, 1.0))))
            .collect();
        let mut basis = basis;
        while !basis.is_empty() {
            // The motion of each candidate under the free modes, and the largest.
            let best = rows
                .iter()
                .map(|(d, r)| (*d, basis.iter().map(|q| r.dot(q)).collect::<Vec<f64>>()))
                .max_by(|a, b| norm2(&a.1).total_cmp(&norm2(&b.1)));
            let Some((dof, a)) = best.filter(|(_, a)| norm2(a) > 1e-16) else { break };
            chosen.push(dof);
            basis = deflate(&basis, &a);
        }
    }
    chosen
}

fn norm2(a: &[f64]) -> f64 {
    a.iter().map(|v| v * v).sum()
}

/// An orthonormal basis of the part of span(`basis`) whose combination coefficients are
/// orthogonal to `a` (the modes that leave the pinned DOF at rest).
fn deflate(basis: &[Vector6<f64>], a: &[f64]) -> Vec<Vector6<f64>> {
    let m = basis.len();
    let na = norm2(a).sqrt();
    let a: Vec<f64> = a.iter().map(|v| v / na).collect();
    let mut out: Vec<Vec<f64>> = Vec::new();
    for k in 0..m {
        // e_k minus its components along a and the vectors kept so far.
        let mut v: Vec<f64> = (0..m).map(|i| if i == k { 1.0 } else { 0.0 }).collect();
        for q in std::iter::once(&a).chain(out.iter()) {
            let c: f64 = v.iter().zip(q).map(|(x, y)| x * y).sum();
            v.iter_mut().zip(q).for_each(|(x, y)| *x -= c * y);
        }
        let n = norm2(&v).sqrt();
        if n > 1e-8 && out.len() + 1 < m {
            out.push(v.iter().map(|x| x / n).collect());
        }
    }
    out.iter().map(|c| c.iter().zip(basis).fold(Vector6::zeros(), |acc, (ci, q)| acc + q * *ci)).collect()
}

/// Connected component (body) of each DOF slot, numbered by first appearance.
fn bodies(mesh: &Mesh, dofs: &DofMap) -> Vec<usize> {
    let mut parent: Vec<usize> = (0..dofs.slots()).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for c in 0..mesh.cell_count() {
        let nodes = mesh.cell_nodes(c);
        let first = dofs.slot(nodes[0]).expect("used");
        for &n in &nodes[1..] {
            let (a, b) = (find(&mut parent, first), find(&mut parent, dofs.slot(n).expect("used")));
            if a != b {
                parent[a.max(b)] = a.min(b);
            }
        }
    }
    let mut label = vec![usize::MAX; parent.len()];
    let mut next = 0;
    (0..parent.len())
        .map(|s| {
            let root = find(&mut parent, s);
            if label[root] == usize::MAX {
                label[root] = next;
                next += 1;
            }
            label[root]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mesh::generate::{beam, BeamParams};

    fn zmin_nodes(mesh: &Mesh) -> Vec<usize> {
        let mut nodes: Vec<usize> =
            mesh.surface("zmin").expect("zmin").faces.iter().flat_map(|&f| mesh.face_nodes(f).to_vec()).collect();
        nodes.sort();
        nodes.dedup();
        nodes
    }

    /// A beam sliding on its bottom face (u_z = 0 there) keeps x, y and the rotation about z
    /// free: three pins, no fewer, remove them, and the check then passes; springs holding the
    /// far end sideways leave two motions to pin.
    #[test]
    fn fewest_pins_remove_the_in_plane_motions() {
        let mesh = beam(&BeamParams::default()).expect("beam");
        let dofs = DofMap::new(&mesh);
        let nodes = zmin_nodes(&mesh);
        let bc = Dirichlet::new(nodes.iter().map(|&n| (dofs.dof(n, 2).expect("dof"), 0.0)).collect());
        assert!(check_rigid_body(&mesh, &dofs, &bc).is_err());
        let candidates: Vec<usize> =
            nodes.iter().flat_map(|&n| [dofs.dof(n, 0).expect("dof"), dofs.dof(n, 1).expect("dof")]).collect();
        let chosen = pins(&mesh, &dofs, &bc, &[], &candidates);
        assert_eq!(chosen.len(), 3, "{chosen:?}");
        let mut pairs: Vec<(usize, f64)> = bc.dofs().iter().map(|&d| (d, 0.0)).collect();
        pairs.extend(chosen.iter().map(|&d| (d, 0.0)));
        check_rigid_body(&mesh, &dofs, &Dirichlet::new(pairs)).expect("pinned");

        let end: Vec<Restraint> = (0..mesh.nodes().len())
            .filter(|&n| mesh.nodes()[n][0] > 10.0 - 1e-9)
            .map(|n| Restraint { node: n, direction: [0.0, 1.0, 0.0] })
            .collect();
        let chosen = pins(&mesh, &dofs, &bc, &end, &candidates);
        // The end springs hold y only along x = 10: the rotation about z through that end and
        // the translation along x are left, two pins.
        assert_eq!(chosen.len(), 2, "{chosen:?}");
        assert!(chosen.iter().any(|d| d % 3 == 0), "a pin holds x: {chosen:?}");
        let mut pairs: Vec<(usize, f64)> = bc.dofs().iter().map(|&d| (d, 0.0)).collect();
        pairs.extend(chosen.iter().map(|&d| (d, 0.0)));
        check_rigid_body_with(&mesh, &dofs, &Dirichlet::new(pairs), &end).expect("pinned with springs");
    }
}
