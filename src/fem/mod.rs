//! Finite elements on Tet4 and Tet10 meshes: small-strain linear elasticity, and total-Lagrangian
//! finite strain with hyperelastic laws, follower pressure and cavity volumes.
//!
//! Small strain:
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
//! | [`coupling`] | distributing coupling: a force and moment at a point off the mesh carried onto a surface |
//! | [`constraint`] | Dirichlet elimination and the rigid-body check |
//! | [`laplace`] | the scalar Laplace stiffness and nodal-field gradients (auxiliary potentials) |
//! | [`post`] | stresses, von Mises, nodal averages, point location, error norms |
//! | [`hyper`] | hyperelastic laws (neo-Hookean, Guccione, Holzapfel–Ogden, St Venant–Kirchhoff) and the isochoric split |
//! | [`finite_strain`] | finite-strain residual and tangent with mean-dilatation volumetric part and active stress |
//! | [`pressure`] | follower pressure and its load stiffness |
//! | [`cavity`] | the volume enclosed by an open surface and the plane of its rim |

pub mod assembly;
pub mod cavity;
pub mod constraint;
pub mod coupling;
pub mod dofs;
pub mod element;
pub mod finite_strain;
pub mod hyper;
pub mod laplace;
pub mod load;
pub mod material;
pub mod post;
pub mod pressure;
pub mod quadrature;
pub mod spring;

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
    /// A deformation makes `det F ≤ 0` at a quadrature point (the cell turns inside out).
    #[error("the deformation inverts cell {cell} (det F = {j:.3e} <= 0 at a quadrature point)")]
    Inverted {
        /// Source id of the cell.
        cell: u64,
        /// The offending `det F`.
        j: f64,
    },
    /// The supports leave a rigid-body motion free.
    #[error(
        "body {body} of {bodies} ({nodes} nodes, {regions}) is not held by the supports: {free} remain free; \
         add supports (fixed, displacement or symmetry) that stop these motions"
    )]
    Unconstrained {
        /// Body number (1-based).
        body: usize,
        /// Number of bodies (connected parts) in the mesh.
        bodies: usize,
        /// Nodes of the body.
        nodes: usize,
        /// Every region of its cells, as text ("region 'bone'", "regions 'bone', 'implant'").
        regions: String,
        /// The free motions.
        free: String,
    },
    /// A part of a body is joined to the rest only at a node or along an edge (a hinge).
    #[error(
        "part {part} of the mesh ({cells} cells, region '{region}') is joined to the rest only at {joint}, which \
         is a point or a line: it can turn there ({free} free motion(s)), and the stiffness matrix is singular; \
         join the parts through shared faces (a conformal mesh: merge duplicate nodes, or mesh the assembly as \
         one), or support the part itself"
    )]
    Mechanism {
        /// Part number (1-based, cells joined through faces).
        part: usize,
        /// Its cells.
        cells: usize,
        /// Region of its first cell.
        region: String,
        /// The nodes it shares with other parts.
        joint: String,
        /// Free motions.
        free: usize,
    },
}
