//! Cell types and their local numbering: the one internal convention every reader converts to.
//!
//! # Tet4 / Tet10 (internal = VTK = Abaqus C3D10)
//! Vertices 0..3 with positive orientation, i.e. `(x1-x0) × (x2-x0) · (x3-x0) > 0`.
//! Tet10 mid-edge nodes: 4 on edge (0,1), 5 on (1,2), 6 on (0,2), 7 on (0,3), 8 on (1,3),
//! 9 on (2,3). Gmsh swaps the last two (its node 8 lies on edge 2–3 and node 9 on edge 1–3).
//!
//! # Local faces
//! Face `k` is listed counter-clockwise seen from outside, so its right-hand normal points out of
//! the cell. The numbering matches Abaqus' face identifiers: face `k` is Abaqus `S{k+1}`.
//!
//! | face | vertices | Tet10 mid-edge nodes | opposite vertex |
//! | --- | --- | --- | --- |
//! | 0 (S1) | 0 2 1 | 6 5 4 | 3 |
//! | 1 (S2) | 0 1 3 | 4 8 7 | 2 |
//! | 2 (S3) | 1 2 3 | 5 9 8 | 0 |
//! | 3 (S4) | 0 3 2 | 7 9 6 | 1 |
//!
//! Face node lists follow the Tri3/Tri6 convention shared by Gmsh and VTK: the three vertices,
//! then the mid-edge nodes of edges (a,b), (b,c), (c,a).

/// A volume cell type.
///
/// Only tetrahedra exist today; the enum and the flat connectivity in
/// [`Mesh`](super::Mesh) leave room for hexahedra.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CellType {
    /// Linear tetrahedron, 4 nodes.
    Tet4,
    /// Quadratic tetrahedron, 10 nodes (4 vertices + 6 mid-edge nodes).
    Tet10,
}

/// Tet10 edges as (vertex, vertex), in the order of mid-edge nodes 4..9.
pub const TET_EDGES: [[usize; 2]; 6] = [[0, 1], [1, 2], [0, 2], [0, 3], [1, 3], [2, 3]];

/// Local face → local node indices (3 vertices, then 3 mid-edge nodes for Tet10).
pub const TET_FACES: [[usize; 6]; 4] = [[0, 2, 1, 6, 5, 4], [0, 1, 3, 4, 8, 7], [1, 2, 3, 5, 9, 8], [0, 3, 2, 7, 9, 6]];

/// Position in a Gmsh Tet10 node list → position in the internal list (an involution).
pub const GMSH_TET10: [usize; 10] = [0, 1, 2, 3, 4, 5, 6, 7, 9, 8];

/// The node permutation that reverses a cell's orientation (swaps vertices 1 and 2 and the
/// mid-edge nodes that move with them). It is its own inverse.
pub const TET10_FLIP: [usize; 10] = [0, 2, 1, 3, 6, 5, 4, 7, 9, 8];

impl CellType {
    /// Number of nodes of a cell of this type.
    pub const fn node_count(self) -> usize {
        match self {
            CellType::Tet4 => 4,
            CellType::Tet10 => 10,
        }
    }

    /// Number of corner vertices (the nodes that define the straight-sided shape).
    pub const fn vertex_count(self) -> usize {
        4
    }

    /// Number of local faces.
    pub const fn face_count(self) -> usize {
        4
    }

    /// Number of nodes on one face (3 for Tet4, 6 for Tet10).
    pub const fn face_node_count(self) -> usize {
        match self {
            CellType::Tet4 => 3,
            CellType::Tet10 => 6,
        }
    }

    /// Local node indices of face `face` (see the table in the module docs).
    pub fn face_nodes(self, face: usize) -> &'static [usize] {
        &TET_FACES[face][..self.face_node_count()]
    }

    /// Permutation that reverses the orientation of a cell of this type.
    pub fn flip_permutation(self) -> &'static [usize] {
        &TET10_FLIP[..self.node_count()]
    }

    /// Polynomial order of the geometry and of the shape functions.
    pub const fn order(self) -> usize {
        match self {
            CellType::Tet4 => 1,
            CellType::Tet10 => 2,
        }
    }

    /// Short lower-case name used in reports ("tet4", "tet10").
    pub const fn name(self) -> &'static str {
        match self {
            CellType::Tet4 => "tet4",
            CellType::Tet10 => "tet10",
        }
    }
}

impl std::fmt::Display for CellType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn face_mid_nodes_lie_on_face_edges() {
        for face in TET_FACES {
            let v = [face[0], face[1], face[2]];
            for k in 0..3 {
                let (a, b) = (v[k], v[(k + 1) % 3]);
                let mid = face[3 + k];
                let [ea, eb] = TET_EDGES[mid - 4];
                assert!((ea, eb) == (a.min(b), a.max(b)), "face {face:?} mid {mid}");
            }
        }
    }

    #[test]
    fn flip_maps_edges_consistently() {
        for (m, [a, b]) in TET_EDGES.iter().enumerate() {
            let (fa, fb) = (TET10_FLIP[*a], TET10_FLIP[*b]);
            let fm = TET10_FLIP[m + 4];
            assert_eq!(TET_EDGES[fm - 4], [fa.min(fb), fa.max(fb)]);
        }
        for (i, &j) in TET10_FLIP.iter().enumerate() {
            assert_eq!(TET10_FLIP[j], i, "flip must be an involution");
        }
    }

    #[test]
    fn faces_are_outward_on_the_reference_tet() {
        let x = [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
        let opposite = [3, 2, 0, 1];
        for (face, &opp) in TET_FACES.iter().zip(&opposite) {
            let [a, b, c] = [x[face[0]], x[face[1]], x[face[2]]];
            let u = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
            let v = [c[0] - a[0], c[1] - a[1], c[2] - a[2]];
            let n = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
            let to_opp = [x[opp][0] - a[0], x[opp][1] - a[1], x[opp][2] - a[2]];
            let dot: f64 = (0..3).map(|i| n[i] * to_opp[i]).sum();
            assert!(dot < 0.0, "face {face:?} normal points inwards");
        }
    }
}
