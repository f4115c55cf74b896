//! Lagrange shape functions of the Tet4/Tet10 cells and Tri3/Tri6 faces, and the isoparametric
//! map from reference to physical coordinates.
//!
//! With barycentric coordinates `L0 = 1 − ξ − η − ζ, L1 = ξ, L2 = η, L3 = ζ`:
//! Tet4 `N_i = L_i`; Tet10 vertices `N_i = L_i (2 L_i − 1)` and mid-edge nodes `N = 4 L_a L_b`
//! on the edges of [`TET_EDGES`] (node order of [`crate::mesh::cell`]). Faces use the same
//! construction in two dimensions, in the Tri3/Tri6 order of [`Mesh::face_nodes`].
//!
//! [`Mesh::face_nodes`]: crate::mesh::Mesh::face_nodes

use nalgebra::{Matrix3, Vector3};

use crate::mesh::cell::TET_EDGES;
use crate::mesh::geometry::TET10_NODES_REF;
use crate::mesh::CellType;

/// Derivatives of the barycentric coordinates with respect to (ξ, η, ζ).
const DL: [[f64; 3]; 4] = [[-1.0, -1.0, -1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];

/// Edges of the Tri6 face in mid-node order: (0,1), (1,2), (2,0).
const TRI_EDGES: [[usize; 2]; 3] = [[0, 1], [1, 2], [2, 0]];

/// Reference coordinates of the nodes of a cell (vertices, then mid-edge nodes).
pub fn reference_nodes(kind: CellType) -> &'static [[f64; 3]] {
    &TET10_NODES_REF[..kind.node_count()]
}

/// Shape function values at reference point `xi` (length = node count).
pub fn shape(kind: CellType, xi: [f64; 3]) -> Vec<f64> {
    let l = [1.0 - xi[0] - xi[1] - xi[2], xi[0], xi[1], xi[2]];
    match kind {
        CellType::Tet4 => l.to_vec(),
        CellType::Tet10 => {
            let mut n: Vec<f64> = l.iter().map(|li| li * (2.0 * li - 1.0)).collect();
            n.extend(TET_EDGES.iter().map(|[a, b]| 4.0 * l[*a] * l[*b]));
            n
        }
    }
}

/// Shape function derivatives `∂N_i/∂(ξ, η, ζ)` at reference point `xi`.
pub fn shape_derivatives(kind: CellType, xi: [f64; 3]) -> Vec<[f64; 3]> {
    match kind {
        CellType::Tet4 => DL.to_vec(),
        CellType::Tet10 => {
            let l = [1.0 - xi[0] - xi[1] - xi[2], xi[0], xi[1], xi[2]];
            let mut d: Vec<[f64; 3]> = (0..4).map(|i| DL[i].map(|g| (4.0 * l[i] - 1.0) * g)).collect();
            for [a, b] in TET_EDGES {
                d.push([0, 1, 2].map(|c| 4.0 * (l[a] * DL[b][c] + l[b] * DL[a][c])));
            }
            d
        }
    }
}

/// Jacobian `J = ∂x/∂ξ` (columns are the derivatives along ξ, η, ζ).
pub fn jacobian(x: &[[f64; 3]], dn: &[[f64; 3]]) -> Matrix3<f64> {
    let mut j = Matrix3::zeros();
    for (p, d) in x.iter().zip(dn) {
        for r in 0..3 {
            for c in 0..3 {
                j[(r, c)] += p[r] * d[c];
            }
        }
    }
    j
}

/// Physical point `x(ξ)` of a cell.
pub fn map_point(kind: CellType, x: &[[f64; 3]], xi: [f64; 3]) -> [f64; 3] {
    let n = shape(kind, xi);
    let mut p = [0.0; 3];
    for (ni, xi) in n.iter().zip(x) {
        for k in 0..3 {
            p[k] += ni * xi[k];
        }
    }
    p
}

/// Physical gradients `∇N_i` and `det J` at a reference point; `None` when `J` is singular.
pub fn physical_gradients(kind: CellType, x: &[[f64; 3]], xi: [f64; 3]) -> Option<(Vec<[f64; 3]>, f64)> {
    let dn = shape_derivatives(kind, xi);
    let j = jacobian(x, &dn);
    let det = j.determinant();
    let jinv_t = j.try_inverse()?.transpose();
    let grads = dn.iter().map(|d| (jinv_t * Vector3::from(*d)).into()).collect();
    Some((grads, det))
}

/// Face shape functions (Tri3 for 3 nodes, Tri6 for 6) at barycentric `(a, b)` with
/// `L = (1 − a − b, a, b)`, and their derivatives along `a` and `b`.
pub fn face_shape(nodes: usize, ab: [f64; 2]) -> (Vec<f64>, Vec<[f64; 2]>) {
    let l = [1.0 - ab[0] - ab[1], ab[0], ab[1]];
    let dl = [[-1.0, -1.0], [1.0, 0.0], [0.0, 1.0]];
    if nodes == 3 {
        return (l.to_vec(), dl.to_vec());
    }
    let mut n: Vec<f64> = l.iter().map(|li| li * (2.0 * li - 1.0)).collect();
    let mut d: Vec<[f64; 2]> = (0..3).map(|i| dl[i].map(|g| (4.0 * l[i] - 1.0) * g)).collect();
    for [a, b] in TRI_EDGES {
        n.push(4.0 * l[a] * l[b]);
        d.push([0, 1].map(|c| 4.0 * (l[a] * dl[b][c] + l[b] * dl[a][c])));
    }
    (n, d)
}

/// The area-weighted normal `∂x/∂a × ∂x/∂b` of a face at `(a, b)` (points out of the cell for
/// faces from [`Mesh::face_nodes`](crate::mesh::Mesh::face_nodes)); its norm is the area density.
pub fn face_normal(x: &[[f64; 3]], d: &[[f64; 2]]) -> Vector3<f64> {
    let mut ta = Vector3::zeros();
    let mut tb = Vector3::zeros();
    for (p, di) in x.iter().zip(d) {
        ta += Vector3::from(*p) * di[0];
        tb += Vector3::from(*p) * di[1];
    }
    ta.cross(&tb)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_functions_are_nodal_and_sum_to_one() {
        for kind in [CellType::Tet4, CellType::Tet10] {
            for (i, xi) in reference_nodes(kind).iter().enumerate() {
                let n = shape(kind, *xi);
                for (j, v) in n.iter().enumerate() {
                    assert!((v - if i == j { 1.0 } else { 0.0 }).abs() < 1e-15);
                }
            }
            let xi = [0.2, 0.3, 0.1];
            assert!((shape(kind, xi).iter().sum::<f64>() - 1.0).abs() < 1e-15);
            for c in 0..3 {
                assert!(shape_derivatives(kind, xi).iter().map(|d| d[c]).sum::<f64>().abs() < 1e-14);
            }
        }
    }

    #[test]
    fn derivatives_match_finite_differences() {
        let xi = [0.21, 0.17, 0.33];
        let h = 1e-6;
        for kind in [CellType::Tet4, CellType::Tet10] {
            let d = shape_derivatives(kind, xi);
            for c in 0..3 {
                let (mut p, mut m) = (xi, xi);
                p[c] += h;
                m[c] -= h;
                let (np, nm) = (shape(kind, p), shape(kind, m));
                for i in 0..kind.node_count() {
                    assert!(((np[i] - nm[i]) / (2.0 * h) - d[i][c]).abs() < 1e-8, "{kind} node {i} dir {c}");
                }
            }
        }
        let ab = [0.3, 0.25];
        let (_, d) = face_shape(6, ab);
        for c in 0..2 {
            let (mut p, mut m) = (ab, ab);
            p[c] += h;
            m[c] -= h;
            let (np, nm) = (face_shape(6, p).0, face_shape(6, m).0);
            for i in 0..6 {
                assert!(((np[i] - nm[i]) / (2.0 * h) - d[i][c]).abs() < 1e-8);
            }
        }
    }
}
