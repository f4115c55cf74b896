//! The benchmark problem shared by `organ-twin bench` and the criterion benches: a steel brick
//! `2n × n × n` (Kuhn cubes, Tet4), clamped at x = 0, pulled down at x = 2. A bulky solid like
//! an organ or a bone segment, with about `6 n³` DOFs (n = 55 gives 1.0e6).

use nalgebra_sparse::CsrMatrix;

use crate::fem::{constraint, Assembler, Dirichlet, FemError, LinearElastic};
use crate::mesh::generate::{beam, BeamParams, Order};

/// An assembled, constrained system and what made it.
#[derive(Debug)]
pub struct BenchSystem {
    /// Divisions across the brick.
    pub n: usize,
    /// The assembler (its pattern and refill are benchmarked too).
    pub assembler: Assembler,
    /// One material per cell.
    pub materials: Vec<LinearElastic>,
    /// The constrained stiffness (full size, eliminated rows).
    pub a: CsrMatrix<f64>,
    /// The load.
    pub b: Vec<f64>,
    /// Coordinates of the nodes with DOFs, in DOF order (for AMG's rigid-body modes).
    pub coords: Vec<[f64; 3]>,
}

/// The divisions `n` whose brick has about `dofs` unknowns.
pub fn divisions_for(dofs: f64) -> usize {
    ((dofs / 6.0).cbrt().round() as usize).max(1)
}

/// Builds the brick with `n` divisions across.
pub fn brick(n: usize) -> Result<BenchSystem, FemError> {
    let mesh = beam(&BeamParams { size: [2.0, 1.0, 1.0], divisions: [2 * n, n, n], order: Order::Linear })
        .expect("a brick with positive divisions is a valid mesh");
    let materials = vec![LinearElastic::new(200e9, 0.3)?; mesh.cell_count()];
    let assembler = Assembler::new(&mesh)?;
    let mut k = assembler.zero_matrix();
    assembler.assemble(&materials, &mut k)?;
    let dofs = assembler.dofs();
    let mut fixed = Vec::new();
    let mut f = vec![0.0; dofs.len()];
    for (node, p) in mesh.nodes().iter().enumerate() {
        let dof = |c| dofs.dof(node, c).expect("every node of the brick is used");
        if p[0] == 0.0 {
            fixed.extend((0..3).map(|c| (dof(c), 0.0)));
        } else if p[0] == 2.0 {
            f[dof(2)] = -1.0;
        }
    }
    let (a, b) = constraint::constrain(&k, &f, &Dirichlet::new(fixed));
    let coords = (0..dofs.slots()).map(|s| mesh.nodes()[dofs.node(s)]).collect();
    Ok(BenchSystem { n, assembler, materials, a, b, coords })
}
