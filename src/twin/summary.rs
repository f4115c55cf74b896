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
    /// Attainable floor of the relative residual, `ε ‖|A||x|‖ / ‖b‖`.
    pub floor: f64,
    /// The verdict: `tolerance` (rtol met) or `attainable_accuracy` (above rtol, at the floor).
    pub convergence: crate::solve::Convergence,
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
    /// Peak von Mises stress of the nodal (recovered) field: the `von_mises` point array of
    /// `result.vtu`, i.e. what ParaView shows; at a Tet10 corner this is the stress extrapolated
    /// from the quadrature points and averaged over the cells around the node.
    pub max_von_mises: f64,
    /// Source id of that node.
    pub max_von_mises_node: u64,
    /// Peak of the cell-averaged von Mises stress (the `von_mises` cell array), lower than the
    /// nodal peak where the stress varies within cells.
    pub max_von_mises_cell_average: f64,
    /// Source id of that cell.
    pub max_von_mises_cell: u64,
    /// Strain energy `½ uᵀ K u`.
    pub strain_energy: f64,
    /// Resultant of all applied loads (force unit).
    pub applied_load: [f64; 3],
    /// Reaction force of each support (force unit; for springs the force they exert); they
    /// balance `applied_load`.
    pub reactions: BTreeMap<String, [f64; 3]>,
    /// Components pinned automatically to hold sliding supports (empty when none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pins: Vec<PinSummary>,
    /// What the run's checks found worth a warning (accuracy at the f64 floor, locking Tet4,
    /// strains beyond small strain); also printed on standard error.
    pub warnings: Vec<String>,
    /// Probe results by name.
    pub probes: BTreeMap<String, ProbeSummary>,
    /// The fatigue assessment, when the scenario has a `[fatigue]` table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fatigue: Option<super::fatigue_summary::FatigueSummary>,
    /// The run's solve against the CPU direct reference (`--cross-check`), when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cross_check: Option<CrossCheckSummary>,
}

impl Summary {
    /// `|applied + Σ reactions|` relative to the larger of `|applied|` and `Σ |reaction|`: zero
    /// for a result in equilibrium.
    pub fn load_imbalance(&self) -> f64 {
        let total: [f64; 3] =
            std::array::from_fn(|k| self.applied_load[k] + self.reactions.values().map(|r| r[k]).sum::<f64>());
        let norm = |v: &[f64; 3]| v.iter().map(|c| c * c).sum::<f64>().sqrt();
        let scale = norm(&self.applied_load).max(self.reactions.values().map(norm).sum()).max(f64::MIN_POSITIVE);
        norm(&total) / scale
    }
}

/// A displacement component pinned to zero to remove an in-plane rigid motion of a sliding
/// support.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PinSummary {
    /// The sliding support.
    pub support: String,
    /// Source id of the node.
    pub node: u64,
    /// The pinned component ("x", "y" or "z").
    pub component: String,
    /// The node's position (length unit).
    pub position: [f64; 3],
}

/// Probe result of a finite-strain step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProbeState {
    /// The undeformed point (length unit).
    pub point: [f64; 3],
    /// Displacement (length unit).
    pub displacement: [f64; 3],
    /// Deformed position `point + displacement`.
    pub position: [f64; 3],
}

/// One cavity at one step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CavityState {
    /// Volume (length unit cubed).
    pub volume: f64,
    /// Volume in millilitres (when the length unit makes it meaningful).
    pub volume_ml: Option<f64>,
    /// The cavity's pressure load at this step (stress unit), when it has one.
    pub pressure: Option<f64>,
}

/// A static run's solve against the CPU direct reference ([`super::cross_check`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CrossCheckSummary {
    /// What solved the run (backend, method, preconditioner, precision).
    pub solved: String,
    /// What solved the reference (`cpu direct (sparse Cholesky), f64`).
    pub reference: String,
    /// `max |u_run − u_ref| / max |u_ref|` over the nodes (vector lengths).
    pub displacement_difference: f64,
    /// `|max σ_vM,run − max σ_vM,ref| / max σ_vM,ref` of the peak nodal von Mises stress.
    pub von_mises_difference: f64,
    /// The largest difference a correct solve leaves ([`super::cross_check::tolerance`]).
    pub tolerance: f64,
    /// Both differences within the tolerance.
    pub passed: bool,
    /// Time of the reference solve (s).
    pub seconds: f64,
}

/// One converged step of a quasi-static analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepSummary {
    /// Step number (1-based).
    pub step: usize,
    /// The stage (`[[analysis.step]]`) it belongs to.
    pub stage: String,
    /// Load values by name (scenario units).
    pub loads: BTreeMap<String, serde_json::Value>,
    /// Fraction of the prescribed displacements applied.
    pub support_fraction: f64,
    /// Cavities by name.
    pub cavities: BTreeMap<String, CavityState>,
    /// Newton iterations (summed over the increment's sub-steps).
    pub newton_iterations: usize,
    /// Times the increment was halved before it converged.
    pub cutbacks: usize,
    /// Final residual norm relative to the sub-step's initial one.
    pub relative_residual: f64,
    /// Residual norms (force unit) of the last sub-step, start and each iteration.
    pub residual_history: Vec<f64>,
    /// Augmented-Lagrangian (Uzawa) updates of the cell pressures.
    pub pressure_updates: usize,
    /// Newton iterations whose tangent was not positive definite and was damped.
    pub damped_iterations: usize,
    /// Line-search step length of each Newton iteration of the last sub-step.
    pub line_search: Vec<f64>,
    /// Linear-solver iterations (0 for direct).
    pub linear_iterations: usize,
    /// Smallest and largest `det F` at a quadrature point.
    pub min_j: f64,
    /// Largest `det F`.
    pub max_j: f64,
    /// Relative change of the solid's volume, `(v − V)/V`.
    pub volume_change: f64,
    /// Probes by name.
    pub probes: BTreeMap<String, ProbeState>,
    /// Time in assembly (s).
    pub assembly_seconds: f64,
    /// Time in linear solves (s).
    pub solve_seconds: f64,
    /// Wall time of the increment (s).
    pub seconds: f64,
}

/// A material as used by a finite-strain analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LawSummary {
    /// Region reference as in the scenario.
    pub region: String,
    /// Model.
    pub model: String,
    /// Bulk modulus of the volumetric part (stress unit), for the split laws.
    pub bulk_modulus: Option<f64>,
}

/// Finite-strain solver figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewtonSummary {
    /// Backend of the linear solves.
    pub backend: String,
    /// GPU adapter, if any.
    pub adapter: Option<String>,
    /// Linear method.
    pub method: String,
    /// Preconditioner (CG).
    pub preconditioner: String,
    /// Newton residual tolerance.
    pub newton_rtol: f64,
    /// Newton iterations, summed over all steps.
    pub newton_iterations: usize,
    /// Linear iterations, summed.
    pub linear_iterations: usize,
    /// How the tangent is formed (exact, or symmetrized for follower pressures with a moving rim).
    pub tangent: String,
    /// Time in assembly and in linear solves (s).
    pub assembly_seconds: f64,
    /// Time in linear solves (s).
    pub solve_seconds: f64,
    /// With the CPU direct method: numeric factorizations, and the solves done instead by CG
    /// preconditioned with an earlier tangent's factor (see `solve::direct::cholesky_or_frozen_many`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direct: Option<crate::solve::direct::FrozenStats>,
}

/// `summary.json` of a quasi-static analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuasiStaticSummary {
    /// Scenario name.
    pub scenario: String,
    /// `"quasi_static"`.
    pub analysis: String,
    /// `"completed"` or `"failed"` (then only `completed_steps` of `planned_steps` are here).
    pub status: String,
    /// Why the run stopped, when it failed.
    pub message: Option<String>,
    /// Steps converged.
    pub completed_steps: usize,
    /// Steps planned.
    pub planned_steps: usize,
    /// Units.
    pub units: UnitsSummary,
    /// Mesh.
    pub mesh: MeshSummary,
    /// Materials.
    pub materials: Vec<LawSummary>,
    /// The incompressibility treatment.
    pub formulation: String,
    /// Solver.
    pub solver: NewtonSummary,
    /// Every converged step.
    pub steps: Vec<StepSummary>,
    /// Reaction force of each support at the last converged step (force unit; for springs the
    /// force they exert).
    pub reactions: BTreeMap<String, [f64; 3]>,
    /// Components pinned automatically to hold sliding supports (empty when none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pins: Vec<PinSummary>,
    /// What the run found worth a warning: linear solves that ended above `solver.rtol`,
    /// Newton iterations that damped an indefinite tangent, a symmetrized tangent.
    pub warnings: Vec<String>,
    /// Wall time of the whole analysis (s).
    pub seconds: f64,
}
