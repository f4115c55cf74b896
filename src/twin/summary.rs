//! `summary.json`: what a run computed, in the scenario's units, for people and scripts.

use std::collections::BTreeMap;

use serde::Serialize;

/// Unit names of every quantity in the summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitsSummary {
    /// Length (coordinates, displacements).
    pub length: String,
    /// Stress (and Young's modulus).
    pub stress: String,
    /// Force (reactions, applied load).
    pub force: String,
    /// Energy.
    pub energy: String,
}

/// Mesh counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeshSummary {
    /// Mesh file as given in the scenario.
    pub file: String,
    /// Nodes.
    pub nodes: usize,
    /// Cells.
    pub cells: usize,
    /// Cell types present.
    pub cell_types: Vec<String>,
    /// Degrees of freedom (3 per node used by a cell).
    pub dofs: usize,
    /// DOFs prescribed by supports.
    pub constrained_dofs: usize,
    /// Volume (length³).
    pub volume: f64,
}

/// Solver figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SolverSummary {
    /// Backend that ran ("cpu", "gpu").
    pub backend: String,
    /// GPU adapter name (null on the CPU).
    pub adapter: Option<String>,
    /// "cg" or "direct".
    pub method: String,
    /// Preconditioner name.
    pub preconditioner: String,
    /// Arithmetic precision.
    pub precision: String,
    /// Iterations (0 for direct).
    pub iterations: usize,
    /// True relative residual `‖b − A x‖ / ‖b‖` in f64.
    pub relative_residual: f64,
    /// Requested tolerance.
    pub rtol: f64,
    /// Stored nonzeros.
    pub nonzeros: usize,
    /// Solve wall time (s).
    pub seconds: f64,
    /// Pattern and assembly wall time (s).
    pub assembly_seconds: f64,
}

/// One probe.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProbeSummary {
    /// The point (length unit).
    pub point: [f64; 3],
    /// Interpolated displacement (length unit).
    pub displacement: [f64; 3],
    /// Source id of the cell containing the point.
    pub cell: u64,
}

/// The whole summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Scenario name.
    pub scenario: String,
    /// Units.
    pub units: UnitsSummary,
    /// Mesh.
    pub mesh: MeshSummary,
    /// Solver.
    pub solver: SolverSummary,
    /// Largest nodal displacement magnitude.
    pub max_displacement: f64,
    /// Source id of that node.
    pub max_displacement_node: u64,
    /// Largest cell von Mises stress.
    pub max_von_mises: f64,
    /// Source id of that cell.
    pub max_von_mises_cell: u64,
    /// Strain energy `½ uᵀ K u`.
    pub strain_energy: f64,
    /// Resultant of all applied loads (force unit).
    pub applied_load: [f64; 3],
    /// Reaction force of each support (force unit); they balance `applied_load`.
    pub reactions: BTreeMap<String, [f64; 3]>,
    /// Probe results by name.
    pub probes: BTreeMap<String, ProbeSummary>,
}
