//! Errors and warnings of mesh construction and validation.
//!
//! Every error names the entity (by its id in the source file) and, through [`SourceLoc`], where
//! in the file it was defined; the message ends with what the user can do about it.

use super::build::SourceLoc;

/// Why a mesh was rejected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MeshError {
    /// No volume cells at all.
    #[error(
        "the mesh has no volume cells (tetrahedra); organ-twin needs a 3D volume mesh: re-export \
         it with 3D elements (in Gmsh: Mesh > 3D, and save all elements or add a physical volume)"
    )]
    Empty,
    /// A coordinate is NaN or infinite.
    #[error("node {node} has a non-finite coordinate {value}; fix or remove the node in the exporting tool")]
    NonFiniteCoordinate {
        /// Node id.
        node: u64,
        /// The offending value.
        value: f64,
        /// Where the node is defined.
        at: SourceLoc,
    },
    /// Two nodes share an id.
    #[error("node id {node} is defined twice (first at {first}); node ids must be unique")]
    DuplicateNode {
        /// Node id.
        node: u64,
        /// Second definition.
        at: SourceLoc,
        /// First definition.
        first: SourceLoc,
    },
    /// Two cells share an id.
    #[error("cell id {cell} is defined twice (first at {first}); element ids must be unique")]
    DuplicateCell {
        /// Cell id.
        cell: u64,
        /// Second definition.
        at: SourceLoc,
        /// First definition.
        first: SourceLoc,
    },
    /// A cell refers to a node that does not exist.
    #[error("cell {cell} references node {node}, which is not defined; the file is inconsistent or truncated")]
    MissingNode {
        /// Cell id.
        cell: u64,
        /// Missing node id.
        node: u64,
        /// Where the cell is defined.
        at: SourceLoc,
    },
    /// A cell with (near) zero volume.
    #[error(
        "cell {cell} is degenerate (volume {volume:.3e}, {relative:.1e} of its edge length cubed): \
         remesh or collapse it"
    )]
    Degenerate {
        /// Cell id.
        cell: u64,
        /// Signed volume.
        volume: f64,
        /// `|6 V| / h_max³`.
        relative: f64,
        /// Where the cell is defined.
        at: SourceLoc,
    },
    /// A cell with negative Jacobian.
    #[error(
        "cell {cell} is inverted (negative Jacobian, volume {volume:.3e}); {inverted} of {total} cells are \
         inverted. {hint}"
    )]
    Inverted {
        /// Cell id of the first inverted cell.
        cell: u64,
        /// Its signed volume.
        volume: f64,
        /// How many cells are inverted.
        inverted: usize,
        /// How many cells there are.
        total: usize,
        /// What to do, depending on whether all cells are inverted.
        hint: &'static str,
        /// Where the cell is defined.
        at: SourceLoc,
    },
    /// A Tet10 whose curved geometry folds over although its vertices are fine.
    #[error(
        "quadratic cell {cell} folds over (det J = {min_det:.3e} at one of its nodes while its vertex tet \
         is valid): move its mid-edge nodes back towards the edge midpoints or refine the curved boundary"
    )]
    Folded {
        /// Cell id.
        cell: u64,
        /// Smallest det J found.
        min_det: f64,
        /// Where the cell is defined.
        at: SourceLoc,
    },
    /// A surface face that is not a face of any volume cell.
    #[error(
        "surface '{surface}' has a face with nodes {nodes:?} that is not a face of any volume cell; \
         export the surface from the same volume mesh (boundary elements must share the volume's nodes)"
    )]
    StrayFace {
        /// Surface name.
        surface: String,
        /// The face's node ids.
        nodes: Vec<u64>,
        /// Where the face is defined.
        at: SourceLoc,
    },
    /// A surface given as (cell, face) refers to a missing cell or face number.
    #[error("surface '{surface}' refers to face {face} of cell {cell}, which does not exist")]
    BadCellFace {
        /// Surface name.
        surface: String,
        /// Cell id.
        cell: u64,
        /// Face number (1-based, as in the file).
        face: u32,
        /// Where the entry is defined.
        at: SourceLoc,
    },
    /// A node set names a node that does not exist.
    #[error("node set '{set}' references node {node}, which is not defined")]
    MissingSetNode {
        /// Set name.
        set: String,
        /// Node id.
        node: u64,
        /// Where the set is defined.
        at: SourceLoc,
    },
    /// A cell whose coordinates are finite but so large that its volume or Jacobian overflows.
    #[error(
        "cell {cell} has node coordinates so large (up to {magnitude:.3e}) that its volume overflows to a \
         non-finite value; check the coordinates and their units"
    )]
    Overflow {
        /// Cell id.
        cell: u64,
        /// Largest coordinate magnitude of the cell's nodes.
        magnitude: f64,
        /// Where the cell is defined.
        at: SourceLoc,
    },
    /// A generator parameter outside its valid range (nothing was allocated).
    #[error("{parameter} = {value} is out of range: {valid}")]
    Parameter {
        /// Parameter name (as on the command line, without dashes).
        parameter: &'static str,
        /// The value given.
        value: String,
        /// The valid range, in words.
        valid: String,
    },
    /// A data array whose length does not match its entities.
    #[error("data array '{name}' has {got} values, expected {expected} ({components} per entity)")]
    FieldLength {
        /// Array name.
        name: String,
        /// Components per entity.
        components: usize,
        /// Expected number of values.
        expected: usize,
        /// Actual number of values.
        got: usize,
    },
}

impl MeshError {
    /// Where in the source the offending entity is defined.
    pub fn location(&self) -> SourceLoc {
        match self {
            MeshError::NonFiniteCoordinate { at, .. }
            | MeshError::DuplicateNode { at, .. }
            | MeshError::DuplicateCell { at, .. }
            | MeshError::MissingNode { at, .. }
            | MeshError::Degenerate { at, .. }
            | MeshError::Inverted { at, .. }
            | MeshError::Folded { at, .. }
            | MeshError::Overflow { at, .. }
            | MeshError::StrayFace { at, .. }
            | MeshError::BadCellFace { at, .. }
            | MeshError::MissingSetNode { at, .. } => *at,
            MeshError::Empty | MeshError::FieldLength { .. } | MeshError::Parameter { .. } => SourceLoc::Unknown,
        }
    }
}

/// Something suspicious that does not stop the mesh from being used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MeshWarning {
    /// Nodes that no cell uses (they carry no stiffness and are left out of solves).
    #[error("{count} node(s) are not used by any cell (e.g. node ids {examples:?})")]
    UnusedNodes {
        /// How many.
        count: usize,
        /// A few of their ids.
        examples: Vec<u64>,
    },
    /// Cells with a very low scaled Jacobian.
    #[error(
        "{count} cell(s) have very poor shape (scaled Jacobian below {threshold}); worst is cell {worst_cell} \
         with {worst:.3}: stresses there will be inaccurate, consider remeshing"
    )]
    PoorQuality {
        /// How many.
        count: usize,
        /// Threshold used.
        threshold: f64,
        /// Id of the worst cell.
        worst_cell: u64,
        /// Its scaled Jacobian.
        worst: f64,
    },
    /// Cells whose orientation was reversed on request.
    #[error("{count} inverted cell(s) were re-oriented (--fix-orientation)")]
    Reoriented {
        /// How many.
        count: usize,
    },
    /// A reader skipped data it does not use.
    #[error("{0}")]
    Ignored(String),
}
