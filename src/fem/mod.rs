//! Finite elements for small-strain linear elasticity on Tet4 and Tet10 meshes.
//!
//! Find `u` with `u = ū` on the supported boundary such that for every admissible `v`
//!
//! `∫_Ω σ(u) : ε(v) dV = ∫_Ω b · v dV + ∫_Γ t · v dA`,  `σ = λ tr(ε) I + 2 μ ε`.
//!
//! Everything here is in SI units (m, Pa, N); scenarios convert at their boundary.
//!
//! | module | what it holds |
//! | --- | --- |
//! | [`quadrature`] | tet and triangle rules |
//! | [`element`] | shape functions and the isoparametric map |
//! | [`material`] | the isotropic linear elastic law |
//! | [`dofs`] | the node ↔ DOF map (unused nodes get none) |
//! | [`assembly`] | sparsity pattern once, parallel value refill, serial oracle |
//! | [`load`] | consistent nodal loads from tractions, pressures, body and nodal forces |
//! | [`constraint`] | Dirichlet elimination and the rigid-body check |
//! | [`post`] | stresses, von Mises, nodal averages, point location, error norms |

pub mod assembly;
pub mod constraint;
pub mod dofs;
pub mod element;
pub mod load;
pub mod material;
pub mod post;
pub mod quadrature;

pub use assembly::Assembler;
pub use constraint::Dirichlet;
pub use dofs::DofMap;
pub use material::LinearElastic;

/// Why a finite-element operation failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FemError {
    /// A cell has a non-positive Jacobian determinant at a quadrature point.
    #[error(
        "cell {cell}: det J <= 0 at reference point {point:?} (the cell is inverted or folded); fix the mesh or \
         re-import it with --fix-orientation"
    )]
    InvertedCell {
        /// Source id of the cell.
        cell: u64,
        /// Reference coordinates of the point.
        point: [f64; 3],
    },
    /// Material parameters are not physical.
    #[error("{what}")]
    Material {
        /// What is wrong.
        what: String,
    },
    /// One material per cell was expected.
    #[error("{given} materials given for {cells} cells")]
    MaterialCount {
        /// Number of cells.
        cells: usize,
        /// Number of materials given.
        given: usize,
    },
    /// The supports leave a rigid-body motion free.
    #[error(
        "body {body} of {bodies} ({nodes} nodes, region '{region}') is not held by the supports: {free} remain free; \
         add supports (fixed, displacement or symmetry) that stop these motions"
    )]
    Unconstrained {
        /// Body number (1-based).
        body: usize,
        /// Number of bodies (connected parts) in the mesh.
        bodies: usize,
        /// Nodes of the body.
        nodes: usize,
        /// Region of its first cell.
        region: String,
        /// The free motions.
        free: String,
    },
}
