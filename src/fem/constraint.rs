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

/// Checks that every connected body of the mesh has its six rigid-body motions removed by the
/// constrained DOFs; otherwise names the body and the motions left free.
///
/// For each body, with `r_m(x)` the rigid modes (three translations and three rotations about
/// the body's centre, scaled by its size), the Gram matrix `G = Σ_c r_m,c r_n,c` over the
/// constrained DOFs `c` must be non-singular: an eigenvalue below `1e-10 · max` is a free motion.
pub fn check_rigid_body(mesh: &Mesh, dofs: &DofMap, bc: &Dirichlet) -> Result<(), FemError> {
    let bodies = bodies(mesh, dofs);
    let count = bodies.iter().copied().max().map_or(0, |b| b + 1);
    let mask = bc.mask(dofs.len());
    for body in 0..count {
        let slots: Vec<usize> = (0..dofs.slots()).filter(|&s| bodies[s] == body).collect();
        let points: Vec<Vector3<f64>> = slots.iter().map(|&s| Vector3::from(mesh.nodes()[dofs.node(s)])).collect();
        let centre = points.iter().sum::<Vector3<f64>>() / points.len() as f64;
        let size = points.iter().map(|p| (p - centre).norm()).fold(0.0, f64::max).max(f64::MIN_POSITIVE);
        let mut gram = Matrix6::zeros();
        for (&s, p) in slots.iter().zip(&points) {
            let r = (p - centre) / size;
            for k in 0..3 {
                if !mask[3 * s + k] {
                    continue;
                }
                // Component k of the six modes at this node: e_k for translations, (e_m × r)_k
                // for rotations about axis m.
                let mut row = Vector6::zeros();
                row[k] = 1.0;
                for m in 0..3 {
                    let mut axis = Vector3::zeros();
                    axis[m] = 1.0;
                    row[3 + m] = axis.cross(&r)[k];
                }
                gram += row * row.transpose();
            }
        }
        let eig = SymmetricEigen::new(gram);
        let max = eig.eigenvalues.max();
        let mut free = Vec::new();
        for (i, &lambda) in eig.eigenvalues.iter().enumerate() {
            if max <= 0.0 || lambda < 1e-10 * max {
                let v = eig.eigenvectors.column(i);
                let m = (0..6).max_by(|&a, &b| v[a].abs().total_cmp(&v[b].abs())).expect("six modes");
                free.push(MODES[m]);
            }
        }
        if max <= 0.0 {
            free = MODES.to_vec();
        }
        if !free.is_empty() {
            free.sort();
            free.dedup();
            let first_cell = (0..mesh.cell_count())
                .find(|&c| bodies[dofs.slot(mesh.cell_nodes(c)[0]).expect("used")] == body)
                .expect("a body has cells");
            return Err(FemError::Unconstrained {
                body: body + 1,
                bodies: count,
                nodes: slots.len(),
                region: mesh.region_label(mesh.cell_regions()[first_cell]),
                free: free.join(", "),
            });
        }
    }
    Ok(())
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
