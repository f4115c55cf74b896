//! Cell and face geometry: Jacobians, volumes, areas and shape quality.
//!
//! Tet10 geometry is isoparametric: with barycentric coordinates `L0 = 1-ξ-η-ζ, L1 = ξ, L2 = η,
//! L3 = ζ`, the vertex shape functions are `Li (2 Li - 1)` and the mid-edge ones `4 La Lb`.
//! `det J` is then a cubic polynomial, so the 5-point Keast rule (exact to degree 3) integrates the
//! volume of a curved Tet10 exactly. Straight-sided cells reduce to `det J = 6 V`.

use nalgebra::{Matrix3, Vector3};

use super::cell::{CellType, TET_EDGES};

/// Keast's 5-point rule on the reference tet (weights sum to 1, exact for cubics).
const KEAST5: [([f64; 3], f64); 5] = [
    ([0.25, 0.25, 0.25], -0.8),
    ([1.0 / 6.0, 1.0 / 6.0, 1.0 / 6.0], 0.45),
    ([0.5, 1.0 / 6.0, 1.0 / 6.0], 0.45),
    ([1.0 / 6.0, 0.5, 1.0 / 6.0], 0.45),
    ([1.0 / 6.0, 1.0 / 6.0, 0.5], 0.45),
];

/// Dunavant's 7-point rule on the reference triangle, barycentric (a, b), weights sum to 1;
/// exact to degree 5, enough for the area of a curved Tri6 to well below 1e-6 relative.
const DUNAVANT7: [([f64; 2], f64); 7] = [
    ([1.0 / 3.0, 1.0 / 3.0], 0.225),
    ([0.059_715_871_789_770, 0.470_142_064_105_115], 0.132_394_152_788_506),
    ([0.470_142_064_105_115, 0.059_715_871_789_770], 0.132_394_152_788_506),
    ([0.470_142_064_105_115, 0.470_142_064_105_115], 0.132_394_152_788_506),
    ([0.797_426_985_353_087, 0.101_286_507_323_456], 0.125_939_180_544_827),
    ([0.101_286_507_323_456, 0.797_426_985_353_087], 0.125_939_180_544_827),
    ([0.101_286_507_323_456, 0.101_286_507_323_456], 0.125_939_180_544_827),
];

/// Reference coordinates of the Tet10 nodes (vertices, then mid-edge nodes).
pub const TET10_NODES_REF: [[f64; 3]; 10] = [
    [0.0, 0.0, 0.0],
    [1.0, 0.0, 0.0],
    [0.0, 1.0, 0.0],
    [0.0, 0.0, 1.0],
    [0.5, 0.0, 0.0],
    [0.5, 0.5, 0.0],
    [0.0, 0.5, 0.0],
    [0.0, 0.0, 0.5],
    [0.5, 0.0, 0.5],
    [0.0, 0.5, 0.5],
];

fn v(p: [f64; 3]) -> Vector3<f64> {
    Vector3::from(p)
}

/// Signed volume of the straight tetrahedron on four points (positive for the internal
/// orientation, see [`cell`](super::cell)).
pub fn tet_signed_volume(x: &[[f64; 3]]) -> f64 {
    let (a, b, c, d) = (v(x[0]), v(x[1]), v(x[2]), v(x[3]));
    (b - a).cross(&(c - a)).dot(&(d - a)) / 6.0
}

/// Jacobian matrix (columns ∂x/∂ξ, ∂x/∂η, ∂x/∂ζ) of a cell at reference point `xi`.
pub fn jacobian(kind: CellType, x: &[[f64; 3]], xi: [f64; 3]) -> Matrix3<f64> {
    match kind {
        CellType::Tet4 => {
            let a = v(x[0]);
            Matrix3::from_columns(&[v(x[1]) - a, v(x[2]) - a, v(x[3]) - a])
        }
        CellType::Tet10 => {
            let l = [1.0 - xi[0] - xi[1] - xi[2], xi[0], xi[1], xi[2]];
            // d L_i / d xi_j
            let dl = [[-1.0, -1.0, -1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
            let mut j = Matrix3::zeros();
            for (i, dli) in dl.iter().enumerate() {
                let dn = 4.0 * l[i] - 1.0;
                for (c, d) in dli.iter().enumerate() {
                    j.column_mut(c).axpy(dn * d, &v(x[i]), 1.0);
                }
            }
            for (m, [a, b]) in TET_EDGES.iter().enumerate() {
                for (c, (da, db)) in dl[*a].iter().zip(&dl[*b]).enumerate() {
                    let dn = 4.0 * (l[*a] * db + l[*b] * da);
                    j.column_mut(c).axpy(dn, &v(x[4 + m]), 1.0);
                }
            }
            j
        }
    }
}

/// Volume of a cell (exact for straight Tet4 and for curved Tet10).
pub fn cell_volume(kind: CellType, x: &[[f64; 3]]) -> f64 {
    match kind {
        CellType::Tet4 => tet_signed_volume(x),
        CellType::Tet10 => KEAST5.iter().map(|(xi, w)| w * jacobian(kind, x, *xi).determinant() / 6.0).sum(),
    }
}

/// Smallest and largest `det J` over the points where a Tet10 can first fold (its ten nodes and
/// the centroid); for Tet4 both equal `6 V`.
pub fn det_jacobian_range(kind: CellType, x: &[[f64; 3]]) -> (f64, f64) {
    match kind {
        CellType::Tet4 => {
            let d = 6.0 * tet_signed_volume(x);
            (d, d)
        }
        CellType::Tet10 => TET10_NODES_REF
            .iter()
            .chain(std::iter::once(&[0.25, 0.25, 0.25]))
            .map(|xi| jacobian(kind, x, *xi).determinant())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), d| (lo.min(d), hi.max(d))),
    }
}

/// Length of the longest vertex-to-vertex edge.
pub fn max_edge_length(x: &[[f64; 3]]) -> f64 {
    TET_EDGES.iter().map(|[a, b]| (v(x[*a]) - v(x[*b])).norm()).fold(0.0, f64::max)
}

/// Scaled Jacobian of the vertex tetrahedron (Verdict's definition): 1 for the regular tet,
/// 0 for a flat one, negative when inverted. Invariant under scaling.
pub fn scaled_jacobian(x: &[[f64; 3]]) -> f64 {
    let p: [Vector3<f64>; 4] = [v(x[0]), v(x[1]), v(x[2]), v(x[3])];
    let det = 6.0 * tet_signed_volume(x);
    // The three edges that meet at each vertex.
    let corners = [[1, 2, 3], [0, 2, 3], [0, 1, 3], [0, 1, 2]];
    let mut max_product = 0.0f64;
    for (i, others) in corners.iter().enumerate() {
        let product: f64 = others.iter().map(|&j| (p[j] - p[i]).norm()).product();
        max_product = max_product.max(product);
    }
    if max_product == 0.0 {
        return 0.0;
    }
    det * std::f64::consts::SQRT_2 / max_product
}

/// Smallest and largest dihedral angle of the vertex tetrahedron, in degrees.
pub fn dihedral_angles(x: &[[f64; 3]]) -> (f64, f64) {
    let p: [Vector3<f64>; 4] = [v(x[0]), v(x[1]), v(x[2]), v(x[3])];
    // Outward normals of the faces opposite each vertex.
    let normal = |a: usize, b: usize, c: usize, opp: usize| {
        let n = (p[b] - p[a]).cross(&(p[c] - p[a]));
        if n.dot(&(p[opp] - p[a])) > 0.0 {
            -n
        } else {
            n
        }
    };
    let n = [normal(1, 2, 3, 0), normal(0, 2, 3, 1), normal(0, 1, 3, 2), normal(0, 1, 2, 3)];
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for i in 0..4 {
        for j in (i + 1)..4 {
            let (a, b) = (n[i].norm(), n[j].norm());
            if a == 0.0 || b == 0.0 {
                return (0.0, 180.0);
            }
            let cos = (-n[i].dot(&n[j]) / (a * b)).clamp(-1.0, 1.0);
            let angle = cos.acos().to_degrees();
            lo = lo.min(angle);
            hi = hi.max(angle);
        }
    }
    (lo, hi)
}

/// Area-weighted normal of a triangle (length = twice the area), right-hand rule on a, b, c.
pub fn triangle_normal(a: [f64; 3], b: [f64; 3], c: [f64; 3]) -> Vector3<f64> {
    (v(b) - v(a)).cross(&(v(c) - v(a)))
}

/// Area of a Tri3 (3 points) or curved Tri6 (6 points: vertices then mid-edge nodes).
pub fn face_area(x: &[[f64; 3]]) -> f64 {
    if x.len() == 3 {
        return 0.5 * triangle_normal(x[0], x[1], x[2]).norm();
    }
    // Tri6: x(a, b) with barycentric (1-a-b, a, b); shape-function derivatives in (a, b).
    let mut area = 0.0;
    for ([a, b], w) in DUNAVANT7 {
        let l = [1.0 - a - b, a, b];
        let dl = [[-1.0, -1.0], [1.0, 0.0], [0.0, 1.0]];
        let mut d = [Vector3::zeros(), Vector3::zeros()];
        for (i, li) in l.iter().enumerate() {
            for (c, dc) in d.iter_mut().enumerate() {
                *dc += (4.0 * li - 1.0) * dl[i][c] * v(x[i]);
            }
        }
        let edges = [[0, 1], [1, 2], [2, 0]];
        for (m, [i, j]) in edges.iter().enumerate() {
            for (c, dc) in d.iter_mut().enumerate() {
                *dc += 4.0 * (l[*i] * dl[*j][c] + l[*j] * dl[*i][c]) * v(x[3 + m]);
            }
        }
        area += w * 0.5 * d[0].cross(&d[1]).norm();
    }
    area
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference_tet10(bulge: f64) -> Vec<[f64; 3]> {
        let mut x: Vec<[f64; 3]> = TET10_NODES_REF.to_vec();
        // Push the mid-node of edge (0,1) outwards, in -y.
        x[4][1] -= bulge;
        x
    }

    #[test]
    fn straight_tet10_volume_equals_tet4_volume() {
        let x = reference_tet10(0.0);
        assert!((cell_volume(CellType::Tet10, &x) - 1.0 / 6.0).abs() < 1e-15);
        assert!((tet_signed_volume(&x) - 1.0 / 6.0).abs() < 1e-15);
        let (lo, hi) = det_jacobian_range(CellType::Tet10, &x);
        assert!((lo - 1.0).abs() < 1e-14 && (hi - 1.0).abs() < 1e-14);
    }

    #[test]
    fn curved_tet10_volume_matches_closed_form() {
        // Moving node 4 (on edge 0-1) by -b in y gives J = I - b e_y (grad N4)^T, so
        // det J = 1 + 4 b xi (N4 = 4 L0 L1) and V = (1 + 4 b * 1/24 * 6) / 6 = (1 + b) / 6.
        for b in [0.05, 0.1, 0.3] {
            let x = reference_tet10(b);
            let v = cell_volume(CellType::Tet10, &x);
            assert!((v - (1.0 + b) / 6.0).abs() < 1e-15, "b = {b}: {v}");
        }
    }

    #[test]
    fn regular_tet_quality() {
        let s = 1.0 / 2f64.sqrt();
        let x = [[1.0, 0.0, -s], [-1.0, 0.0, -s], [0.0, 1.0, s], [0.0, -1.0, s]];
        let sign = tet_signed_volume(&x).signum();
        let sj = scaled_jacobian(&x) * sign;
        assert!((sj - 1.0).abs() < 1e-12, "scaled Jacobian {sj}");
        let (lo, hi) = dihedral_angles(&x);
        let expected = (1.0f64 / 3.0).acos().to_degrees();
        assert!((lo - expected).abs() < 1e-9 && (hi - expected).abs() < 1e-9);
    }

    #[test]
    fn tri6_area_of_flat_and_curved_faces() {
        let flat =
            [[0.0, 0.0, 0.0], [2.0, 0.0, 0.0], [0.0, 2.0, 0.0], [1.0, 0.0, 0.0], [1.0, 1.0, 0.0], [0.0, 1.0, 0.0]];
        assert!((face_area(&flat) - 2.0).abs() < 1e-12);
        // Lift the mid-nodes: a curved face has a larger area than its flat projection.
        let mut curved = flat;
        for p in curved.iter_mut().skip(3) {
            p[2] = 0.3;
        }
        assert!(face_area(&curved) > 2.0);
    }
}
