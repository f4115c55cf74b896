//! The scalar Laplace operator on Tet4 and Tet10 meshes, for auxiliary potentials (the
//! transmural and apicobasal coordinates of rule-based fibres, distance-like fields).
//!
//! Find `u` with `u = ū` on the Dirichlet boundary and `∇·∇u = 0` in `Ω` (zero flux
//! elsewhere). With `u = Σ_b N_b u_b` the Galerkin form `∫ ∇u·∇v dV = 0` gives `K u = 0` with
//!
//! `K_ab = ∫_Ω ∇N_a·∇N_b dV = Σ_cells Σ_q w_q det J_q ∇N_a(ξ_q)·∇N_b(ξ_q)`,
//!
//! integrated with [`stiffness_rule`] (exact for straight-sided cells). There is one scalar DOF
//! per node that a cell uses: the DOF of a node is its slot in [`DofMap::new`] (`0..slots()`),
//! so a vector of `slots()` values is a nodal scalar field. `K` is symmetric and singular: its
//! rows sum to zero because `Σ_b N_b = 1`, so constants are in its kernel and at least one
//! prescribed value is needed (see [`constrain`](super::constraint::constrain), which works on
//! scalar DOF indices as well). `K` scales with length (units m when coordinates are in m).

use nalgebra_sparse::{CooMatrix, CsrMatrix};

use super::assembly::stiffness_rule;
use super::dofs::DofMap;
use super::element::{physical_gradients, shape};
use super::FemError;
use crate::mesh::Mesh;

/// Reference coordinates of the centroid of every tetrahedron.
pub const CENTROID: [f64; 3] = [0.25; 3];

/// The Laplace stiffness `K_ab = ∫ ∇N_a·∇N_b dV` on the slots of `dofs`, which must be
/// [`DofMap::new`] of `mesh`; [`FemError::InvertedCell`] when `det J ≤ 0` at a quadrature point.
pub fn stiffness(mesh: &Mesh, dofs: &DofMap) -> Result<CsrMatrix<f64>, FemError> {
    let n = dofs.slots();
    let mut coo = CooMatrix::new(n, n);
    for c in 0..mesh.cell_count() {
        let slots = cell_slots(mesh, dofs, c);
        let ke = element_matrix(mesh, c)?;
        let len = slots.len();
        for (a, &sa) in slots.iter().enumerate() {
            for (b, &sb) in slots.iter().enumerate() {
                coo.push(sa, sb, ke[a * len + b]);
            }
        }
    }
    // The conversion sums the duplicate (row, column) entries of neighbouring cells.
    Ok(CsrMatrix::from(&coo))
}

/// The element matrix of cell `c`, row-major `n × n` for its `n` nodes.
fn element_matrix(mesh: &Mesh, c: usize) -> Result<Vec<f64>, FemError> {
    let kind = mesh.cell_type(c);
    let x = mesh.cell_coords(c);
    let n = x.len();
    let mut ke = vec![0.0; n * n];
    for (xi, w) in stiffness_rule(kind) {
        let (g, det) = gradients(mesh, c, &x, xi)?;
        for a in 0..n {
            for b in 0..n {
                ke[a * n + b] += w * det * dot(g[a], g[b]);
            }
        }
    }
    Ok(ke)
}

/// Physical shape gradients and `det J > 0` of cell `c` (node coordinates `x`) at `xi`.
fn gradients(mesh: &Mesh, c: usize, x: &[[f64; 3]], xi: [f64; 3]) -> Result<(Vec<[f64; 3]>, f64), FemError> {
    match physical_gradients(mesh.cell_type(c), x, xi) {
        Some((g, det)) if det > 0.0 => Ok((g, det)),
        _ => Err(FemError::InvertedCell { cell: mesh.cell_ids()[c], point: xi }),
    }
}

/// Slots of the nodes of cell `c`, in the cell's node order.
fn cell_slots(mesh: &Mesh, dofs: &DofMap, c: usize) -> Vec<usize> {
    mesh.cell_nodes(c).iter().map(|&n| dofs.slot(n).expect("a node used by a cell has a slot")).collect()
}

/// Value `Σ_a N_a(ξ) u_a` of the nodal field `u` (one value per slot) in cell `c` at `xi`.
pub fn value(mesh: &Mesh, dofs: &DofMap, u: &[f64], c: usize, xi: [f64; 3]) -> f64 {
    let n = shape(mesh.cell_type(c), xi);
    cell_slots(mesh, dofs, c).iter().zip(&n).map(|(&s, ni)| ni * u[s]).sum()
}

/// Gradient `Σ_a u_a ∇N_a(ξ)` of the nodal field `u` (one value per slot) in cell `c` at `xi`.
pub fn gradient(mesh: &Mesh, dofs: &DofMap, u: &[f64], c: usize, xi: [f64; 3]) -> Result<[f64; 3], FemError> {
    let (g, _) = gradients(mesh, c, &mesh.cell_coords(c), xi)?;
    let mut out = [0.0; 3];
    for (&s, ga) in cell_slots(mesh, dofs, c).iter().zip(&g) {
        for k in 0..3 {
            out[k] += u[s] * ga[k];
        }
    }
    Ok(out)
}

fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fem::constraint::{constrain, Dirichlet};
    use crate::mesh::generate::{beam, BeamParams, Order};
    use crate::progress::Silent;
    use crate::solve::{solve, Backend, Method, SolveParams};

    fn cube(order: Order) -> Mesh {
        beam(&BeamParams { size: [1.0, 2.0, 1.5], divisions: [3, 3, 3], order }).unwrap()
    }

    fn max_abs(k: &CsrMatrix<f64>) -> f64 {
        k.values().iter().fold(0.0, |m, v| m.max(v.abs()))
    }

    #[test]
    fn matrix_is_symmetric_with_constants_in_its_kernel() {
        for order in [Order::Linear, Order::Quadratic] {
            let mesh = cube(order);
            let dofs = DofMap::new(&mesh);
            let k = stiffness(&mesh, &dofs).unwrap();
            let scale = max_abs(&k);
            let dense = nalgebra::DMatrix::from(&k);
            // Each entry is summed from the same products in the same cell order as its
            // transpose, so only rounding (a few ulps of the largest entry) may differ.
            assert!((&dense - dense.transpose()).amax() <= 1e-14 * scale, "{order:?}: not symmetric");
            // Σ_b ∇N_b = 0 exactly; a row sums at most ~30 terms of size ≤ scale, each rounded.
            for (i, row) in dense.row_iter().enumerate() {
                assert!(row.sum().abs() <= 1e-13 * scale, "{order:?}: row {i} sums to {}", row.sum());
            }
            // ∫ |∇N_a|² dV > 0 on every diagonal.
            assert!((0..dofs.slots()).all(|i| dense[(i, i)] > 0.0));
        }
    }

    /// Prescribes `u = a·x + c` on the boundary, solves `K u = 0` inside, returns the nodal error.
    fn patch_error(mesh: &Mesh) -> f64 {
        let exact = |x: [f64; 3]| 0.3 * x[0] - 1.7 * x[1] + 0.9 * x[2] + 2.0;
        let dofs = DofMap::new(mesh);
        let k = stiffness(mesh, &dofs).unwrap();
        let mut pairs = Vec::new();
        for f in mesh.boundary_faces() {
            for n in mesh.face_nodes(f) {
                pairs.push((dofs.slot(n).unwrap(), exact(mesh.nodes()[n])));
            }
        }
        let bc = Dirichlet::new(pairs);
        assert!(bc.dofs().len() < dofs.slots(), "the patch has interior nodes");
        let (a, b) = constrain(&k, &vec![0.0; dofs.slots()], &bc);
        let mut u = vec![0.0; dofs.slots()];
        let params = SolveParams { method: Method::Direct, ..Default::default() };
        solve(&a, &b, &mut u, &params, &Backend::Cpu, &Silent).unwrap();
        (0..dofs.slots()).map(|s| (u[s] - exact(mesh.nodes()[dofs.node(s)])).abs()).fold(0.0, f64::max)
    }

    #[test]
    fn linear_field_is_reproduced_exactly() {
        // A linear field is in both spaces and has zero Laplacian, so the Galerkin solution is
        // the field itself; only the direct solve's rounding (κ(K) ~ 1e2 here, values ~ 5) is left.
        for order in [Order::Linear, Order::Quadratic] {
            let err = patch_error(&cube(order));
            assert!(err < 1e-11, "{order:?}: patch test error {err:e}");
        }
    }

    #[test]
    fn gradient_and_value_of_a_linear_field_are_exact() {
        let mesh = cube(Order::Quadratic);
        let dofs = DofMap::new(&mesh);
        let u: Vec<f64> = (0..dofs.slots()).map(|s| 2.0 * mesh.nodes()[dofs.node(s)][1] - 1.0).collect();
        for c in [0, mesh.cell_count() / 2, mesh.cell_count() - 1] {
            let g = gradient(&mesh, &dofs, &u, c, CENTROID).unwrap();
            assert!((g[0].abs() + (g[1] - 2.0).abs() + g[2].abs()) < 1e-12, "cell {c}: {g:?}");
            let x = crate::fem::element::map_point(mesh.cell_type(c), &mesh.cell_coords(c), CENTROID);
            assert!((value(&mesh, &dofs, &u, c, CENTROID) - (2.0 * x[1] - 1.0)).abs() < 1e-13);
        }
    }
}
