//! A static linear-elastic scenario, from scenario and mesh to results, in numbered steps:
//!
//! 1. convert the mesh to SI and give every cell the material of its region;
//! 2. resolve the supports into prescribed DOFs, refusing conflicting values;
//! 3. resolve the loads into the consistent load vector;
//! 4. locate the probes (before any expensive work, so a typo fails fast);
//! 5. check that the supports hold every body against rigid-body motion;
//! 6. build the sparsity pattern once and assemble the stiffness in parallel;
//! 7. apply the supports and solve on the chosen backend;
//! 8. recover reactions, strain energy, stresses and probe values, in the scenario's units.

use std::time::Instant;

use nalgebra_sparse::CsrMatrix;

use super::scenario::{LoadKind, RegionRef, Scenario, Value};
use super::select::{resolve, Selection};
use super::summary::PinSummary;
use super::summary::{MeshSummary, ProbeSummary, SolverSummary, Summary, UnitsSummary};
pub(super) use super::supports::resolve_supports;
use super::ScenarioError;
use crate::fem::spring::SpringSupport;
use crate::fem::{constraint, load, post, Assembler, Dirichlet, DofMap, LinearElastic};
use crate::mesh::{CellFace, CellType, Field, Mesh};
use crate::progress::Progress;
use crate::solve::{self, Backend, SolveParams};

/// A scenario made ready to solve: assembled stiffness, loads, supports and probes (SI inside).
#[derive(Debug, Clone)]
pub struct Problem {
    scenario: Scenario,
    source: String,
    mesh: Mesh,
    mesh_si: Mesh,
    materials: Vec<LinearElastic>,
    assembler: Assembler,
    stiffness: CsrMatrix<f64>,
    bc: Dirichlet,
    /// For each constrained DOF (in `bc` order), the support that owns its reaction.
    owners: Vec<usize>,
    support_names: Vec<String>,
    /// Spring supports (stiffness already in `stiffness`) and the support owning each.
    springs: Vec<(usize, SpringSupport)>,
    /// Pins added for sliding supports.
    pins: Vec<PinSummary>,
    loads: Vec<f64>,
    /// Each load's own vector (SI), in scenario order: the unit load cases of superposition.
    load_cases: Vec<Vec<f64>>,
    probes: Vec<(usize, [f64; 3])>,
    assembly_seconds: f64,
}

/// The results of a solve.
#[derive(Debug, Clone)]
pub struct Solution {
    /// Displacement per mesh node (scenario length unit).
    pub displacement: Vec<[f64; 3]>,
    /// Solver report.
    pub report: solve::SolveReport,
    /// The summary (`summary.json`).
    pub summary: Summary,
    /// Point data for the VTU.
    pub point_fields: Vec<Field>,
    /// Cell data for the VTU.
    pub cell_fields: Vec<Field>,
}

impl Problem {
    /// Steps 1–6. `mesh` is in the scenario's length unit; `source` names the scenario in errors.
    pub fn build(
        scenario: Scenario,
        mesh: Mesh,
        source: &str,
        progress: &dyn Progress,
    ) -> Result<Problem, ScenarioError> {
        let invalid =
            |entry: String, message: String| ScenarioError::Invalid { source_name: source.into(), entry, message };
        let units = scenario.units;
        let (l, s) = (units.length(), units.stress());

        // 1. Mesh in SI, material per cell.
        let mesh_si = mesh.scaled(l);
        let materials = cell_materials(&scenario, &mesh, s).map_err(|(e, m)| invalid(e, m))?;
        let dofs = DofMap::new(&mesh_si);
        let boundary = mesh.boundary_faces();

        // 2. Supports.
        let supports = resolve_supports(&scenario, &mesh, &dofs, &boundary).map_err(|(e, m)| invalid(e, m))?;

        // 3. Loads (geometry in SI, values converted).
        let load_cases = resolve_loads(&scenario, &mesh, &mesh_si, &dofs, &boundary).map_err(|(e, m)| invalid(e, m))?;
        let mut loads = vec![0.0; dofs.len()];
        for case in &load_cases {
            loads.iter_mut().zip(case.iter()).for_each(|(a, b)| *a += b);
        }

        // 4. Probes.
        let probes = locate_probes(&scenario, &mesh).map_err(|(e, m)| invalid(e, m))?;

        // 5. Rigid-body check.
        supports
            .check_rigid_body(&mesh_si, &dofs)
            .map_err(|e| ScenarioError::Fem { source_name: source.into(), source: e })?;

        // 6. Pattern and stiffness.
        let start = Instant::now();
        progress.stage("assembly", None);
        let fem = |e| ScenarioError::Fem { source_name: source.into(), source: e };
        let assembler = Assembler::with_dofs(&mesh_si, dofs).map_err(fem)?;
        let mut stiffness = assembler.zero_matrix();
        assembler.assemble(&materials, &mut stiffness).map_err(fem)?;
        let springs: Vec<(usize, SpringSupport)> = supports
            .springs
            .iter()
            .map(|sp| (sp.owner, SpringSupport::new(&mesh_si, &assembler, &sp.faces, sp.k_n, sp.k_t)))
            .collect();
        for (_, sp) in &springs {
            sp.add_stiffness(stiffness.values_mut());
        }
        progress.finish();
        let assembly_seconds = start.elapsed().as_secs_f64();

        Ok(Problem {
            scenario,
            source: source.into(),
            mesh,
            mesh_si,
            materials,
            assembler,
            stiffness,
            bc: supports.bc,
            owners: supports.owners,
            support_names: supports.names,
            springs,
            pins: supports.pins,
            loads,
            load_cases,
            probes,
            assembly_seconds,
        })
    }

    /// The scenario.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The mesh in the scenario's units.
    pub fn mesh(&self) -> &Mesh {
        &self.mesh
    }

    /// The assembled stiffness (SI) before supports.
    pub fn stiffness(&self) -> &CsrMatrix<f64> {
        &self.stiffness
    }

    /// The load vector (SI).
    pub fn loads(&self) -> &[f64] {
        &self.loads
    }

    /// Each load's own vector (SI), in scenario order: the unit load cases of superposition.
    pub fn load_cases(&self) -> &[Vec<f64>] {
        &self.load_cases
    }

    /// The materials of the cells (SI).
    pub fn materials(&self) -> &[LinearElastic] {
        &self.materials
    }

    /// The mesh in SI.
    pub fn mesh_si(&self) -> &Mesh {
        &self.mesh_si
    }

    /// The supports' prescribed DOFs and values (SI).
    pub fn supports(&self) -> &Dirichlet {
        &self.bc
    }

    /// The index into `scenario.materials` of the entry each region's cells use (the rule of
    /// [`Problem::build`]: the first entry naming the region, else the first `"all"`), by region id.
    pub fn material_entry_of_region(&self, region: i32) -> Option<usize> {
        let of_cells = material_of_cells(&self.scenario, &self.mesh).ok()?;
        self.mesh.cell_regions().iter().position(|&r| r == region).map(|c| of_cells[c])
    }

    /// The scenario file's name, for messages.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The assembler (DOF map and pattern).
    pub fn assembler(&self) -> &Assembler {
        &self.assembler
    }

    /// The system with supports applied by symmetric elimination (SI), as the solvers see it.
    pub fn constrained_system(&self) -> (CsrMatrix<f64>, Vec<f64>) {
        constraint::constrain(&self.stiffness, &self.loads, &self.bc)
    }

    /// The reduced system on the free DOFs in the scenario's units (stiffness in force/length,
    /// loads in force, so the solution is in the length unit), and each row's (node id,
    /// component).
    pub fn reduced_system(&self) -> (CsrMatrix<f64>, Vec<f64>, Vec<(u64, usize)>) {
        let units = self.scenario.units;
        let (k, f, free) = constraint::reduce(&self.stiffness, &self.loads, &self.bc);
        let kscale = units.length() / units.force();
        let k = CsrMatrix::try_from_pattern_and_values(
            k.pattern().clone(),
            k.values().iter().map(|v| v * kscale).collect(),
        )
        .expect("same pattern");
        let f = f.iter().map(|v| v / units.force()).collect();
        let dofs = self.assembler.dofs();
        let rows = free.iter().map(|&d| (self.mesh.node_ids()[dofs.node(d / 3)], d % 3)).collect();
        (k, f, rows)
    }

    /// The rigid-body modes of the nodes with DOFs (SI coordinates, DOF order): AMG's
    /// near-nullspace for [`constrained_system`](Self::constrained_system).
    pub fn near_nullspace(&self) -> solve::NearNullspace {
        let dofs = self.assembler.dofs();
        let coords: Vec<[f64; 3]> = (0..dofs.slots()).map(|s| self.mesh_si.nodes()[dofs.node(s)]).collect();
        solve::NearNullspace::rigid_body_modes(&coords).expect("finite coordinates of a valid mesh")
    }

    /// Steps 7–8.
    pub fn solve(&self, backend: &Backend, progress: &dyn Progress) -> Result<Solution, ScenarioError> {
        let spec = &self.scenario.solver;
        let params = SolveParams {
            method: spec.method_for(super::analysis::AnalysisKind::Static, spec.backend),
            preconditioner: spec.preconditioner,
            rtol: spec.rtol,
            max_iterations: spec.max_iterations,
        };
        self.solve_with(&params, backend, progress)
    }

    /// Steps 7–8 on the CPU by the sparse direct solver (Cholesky): the reference a run's own
    /// solve is checked against ([`super::cross_check`]).
    pub fn solve_reference(&self, progress: &dyn Progress) -> Result<Solution, ScenarioError> {
        let spec = &self.scenario.solver;
        let params = SolveParams {
            method: solve::Method::Direct,
            preconditioner: solve::PreconditionerKind::default(),
            rtol: spec.rtol,
            max_iterations: spec.max_iterations,
        };
        self.solve_with(&params, &Backend::Cpu, progress)
    }

    /// Steps 7–8 with `params` on `backend`.
    fn solve_with(
        &self,
        params: &SolveParams,
        backend: &Backend,
        progress: &dyn Progress,
    ) -> Result<Solution, ScenarioError> {
        // 7. Supports and solve, starting from the prescribed values.
        let (a, b) = self.constrained_system();
        let n = b.len();
        let mut x = self.bc.lifting(n);
        let nullspace = (params.preconditioner == solve::PreconditionerKind::Amg).then(|| self.near_nullspace());
        let hints = solve::SolveHints { nullspace: nullspace.as_ref(), ..Default::default() };
        let report = solve::solve_with(&a, &b, &mut x, params, backend, progress, &hints)
            .map_err(|e| ScenarioError::Solve { source_name: self.source.clone(), source: e })?;
        // 8. The accuracy check, then the results.
        let mut warnings = self.accuracy(&a, &b, &x, &report)?;
        warnings.extend(self.model_warnings());
        let mut solution = self.results(&x, report);
        solution.summary.warnings.extend(warnings);
        Ok(solution)
    }

    /// Every result's accuracy check, whatever solved it: the relative residual must meet `rtol`,
    /// or at least lie within [`FLOOR_FACTOR`] of the attainable floor `ε ‖ |A| |x| ‖ / ‖b‖`
    /// (the rounding level of the residual itself, reached by a backward-stable solve; then a
    /// warning says so). Beyond that the answer is wrong (a singular or nearly singular system):
    /// an error, never a result.
    pub(super) fn accuracy(
        &self,
        a: &CsrMatrix<f64>,
        b: &[f64],
        x: &[f64],
        report: &solve::SolveReport,
    ) -> Result<Vec<String>, ScenarioError> {
        let floor = attainable_floor(a, b, x);
        verdict(report.relative_residual, report.rtol, floor, report.method.name())
            .map(|w| w.into_iter().collect())
            .map_err(|message| ScenarioError::Inaccurate { source_name: self.source.clone(), message })
    }

    /// Warnings about the model a small-strain analysis cannot represent well.
    pub(super) fn model_warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        let tet4 = self.mesh.cell_types_present().contains(&CellType::Tet4);
        if tet4 {
            if let Some(nu) = self.materials.iter().map(|m| m.poisson_ratio()).reduce(f64::max) {
                if nu >= 0.49 {
                    out.push(format!(
                        "linear Tet4 cells with Poisson's ratio {nu} lock volumetrically (displacements too small, \
                         even of the wrong sign): use Tet10 cells (--order 2), or the nearly incompressible \
                         finite-strain formulation ([analysis] kind = \"quasi_static\")"
                    ));
                }
            }
        }
        out
    }

    /// The results (summary, fields) of a solution `x` (SI, DOF order) of this problem.
    fn results(&self, x: &[f64], report: solve::SolveReport) -> Solution {
        self.results_for(x, report, &self.loads)
    }

    /// [`results`](Self::results) of a solution `x` of the load vector `loads` (SI; one load
    /// case's vector, or the sum of all).
    pub(super) fn results_for(&self, x: &[f64], report: solve::SolveReport, loads: &[f64]) -> Solution {
        let units = self.scenario.units;
        let (l, s, f) = (units.length(), units.stress(), units.force());
        let dofs = self.assembler.dofs();
        let u_si = dofs.to_nodes(x);

        // Reactions r = K u − f on the constrained DOFs, summed per owning support.
        let mut ku = vec![0.0; x.len()];
        solve::vector::spmv(&self.stiffness, x, &mut ku);
        let mut reactions = vec![[0.0; 3]; self.support_names.len()];
        for (&dof, &owner) in self.bc.dofs().iter().zip(&self.owners) {
            reactions[owner][dof % 3] += (ku[dof] - loads[dof]) / f;
        }
        for (owner, sp) in &self.springs {
            let r = sp.resultant(x);
            (0..3).for_each(|k| reactions[*owner][k] += r[k] / f);
        }
        let strain_energy = 0.5 * x.iter().zip(&ku).map(|(a, b)| a * b).sum::<f64>() / (f * l);

        let cells = post::cell_results(&self.mesh_si, &self.materials, &u_si);
        let nodal = post::nodal_stress(&self.mesh_si, &self.materials, &u_si);
        let displacement: Vec<[f64; 3]> = u_si.iter().map(|u| u.map(|c| c / l)).collect();

        let norm = |v: &[f64; 3]| (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
        let (max_u_node, max_u) =
            displacement
                .iter()
                .enumerate()
                .map(|(i, u)| (i, norm(u)))
                .fold((0, 0.0), |a, b| if b.1 > a.1 { b } else { a });
        let (max_vm_cell, max_vm) =
            cells.von_mises.iter().enumerate().fold((0, 0.0), |a, (i, &v)| if v / s > a.1 { (i, v / s) } else { a });

        let (max_vm_node, max_vm_nodal) = nodal
            .iter()
            .map(|t| post::von_mises(t) / s)
            .enumerate()
            .fold((0, 0.0), |a, (i, v)| if v > a.1 { (i, v) } else { a });
        let probes = self
            .scenario
            .probes
            .iter()
            .zip(&self.probes)
            .map(|(p, &(c, xi))| {
                let d = post::interpolate(&self.mesh, c, xi, &displacement);
                (p.name.clone(), ProbeSummary { point: p.point, displacement: d, cell: self.mesh.cell_ids()[c] })
            })
            .collect();

        let (length, stress, force, energy) = units.names();
        let summary = Summary {
            scenario: self.scenario.name.clone(),
            units: UnitsSummary { length, stress, force, energy },
            mesh: MeshSummary {
                file: self.scenario.mesh.file.display().to_string(),
                nodes: self.mesh.nodes().len(),
                cells: self.mesh.cell_count(),
                cell_types: self.mesh.cell_types_present().iter().map(CellType::to_string).collect(),
                dofs: dofs.len(),
                constrained_dofs: self.bc.dofs().len(),
                volume: self.mesh.volume(),
            },
            solver: SolverSummary {
                backend: report.backend.clone(),
                adapter: report.adapter.clone(),
                method: report.method.name().into(),
                preconditioner: report.preconditioner.name().into(),
                precision: report.precision.clone(),
                iterations: report.iterations,
                relative_residual: report.relative_residual,
                rtol: report.rtol,
                floor: report.floor,
                convergence: report.convergence,
                nonzeros: report.nonzeros,
                seconds: report.seconds,
                assembly_seconds: self.assembly_seconds,
            },
            max_displacement: max_u,
            max_displacement_node: self.mesh.node_ids()[max_u_node],
            max_von_mises: max_vm_nodal,
            max_von_mises_node: self.mesh.node_ids().get(max_vm_node).copied().unwrap_or(0),
            max_von_mises_cell_average: max_vm,
            max_von_mises_cell: self.mesh.cell_ids().get(max_vm_cell).copied().unwrap_or(0),
            strain_energy,
            applied_load: load::resultant(loads).map(|c| c / f),
            reactions: self.support_names.iter().cloned().zip(reactions).collect(),
            pins: self.pins.clone(),
            warnings: strain_warning(&cells.strain).into_iter().collect(),
            probes,
            fatigue: None,
            cross_check: None,
        };
        let mut summary = summary;
        let imbalance = summary.load_imbalance();
        if imbalance > BALANCE_TOLERANCE {
            summary.warnings.push(format!(
                "the reactions do not balance the applied load: the sum of applied load and reactions is {imbalance:.2e} \
                 of the load (more than {BALANCE_TOLERANCE:e}); the solve's accuracy or a support's reaction is off, \
                 treat the result with care"
            ));
        }

        let field = |name: &str, components: usize, values: Vec<f64>| Field { name: name.into(), components, values };
        let tensor = |v: &[[f64; 6]]| v.iter().flat_map(|t| t.map(|c| c / s)).collect::<Vec<f64>>();
        let point_fields = vec![
            field("displacement", 3, displacement.iter().flatten().copied().collect()),
            field("stress", 6, tensor(&nodal)),
            field("von_mises", 1, nodal.iter().map(|t| post::von_mises(t) / s).collect()),
        ];
        let cell_fields = vec![
            field("stress", 6, tensor(&cells.stress)),
            field("strain", 6, cells.strain.iter().flatten().copied().collect()),
            field("von_mises", 1, cells.von_mises.iter().map(|v| v / s).collect()),
            field("principal_stress", 3, cells.principal.iter().flat_map(|p| p.map(|c| c / s)).collect()),
        ];
        Solution { displacement, report, summary, point_fields, cell_fields }
    }
}

/// The material of every cell: the first `[[material]]` naming its region, else the first with
/// region "all". Names that match no region, and regions left without a material, are errors.
fn cell_materials(scenario: &Scenario, mesh: &Mesh, stress: f64) -> Result<Vec<LinearElastic>, EntryError> {
    let materials = scenario
        .materials
        .iter()
        .enumerate()
        .map(|(i, m)| m.linear(stress).map_err(|e| (format!("material[{}] (region {})", i + 1, m.region), e)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(material_of_cells(scenario, mesh)?.into_iter().map(|i| materials[i]).collect())
}

/// The index into `scenario.materials` of every cell's material (rule of [`cell_materials`]).
pub(super) fn material_of_cells(scenario: &Scenario, mesh: &Mesh) -> Result<Vec<usize>, EntryError> {
    let mut by_region: Vec<(Option<i32>, usize)> = Vec::new();
    for (i, m) in scenario.materials.iter().enumerate() {
        let entry = format!("material[{}] (region {})", i + 1, m.region);
        match region_ids(mesh, &m.region).map_err(|msg| (entry, msg))? {
            None => by_region.push((None, i)),
            Some(ids) => by_region.extend(ids.into_iter().map(|id| (Some(id), i))),
        }
    }
    mesh.cell_regions()
        .iter()
        .map(|&r| {
            by_region
                .iter()
                .find(|(id, _)| *id == Some(r))
                .or_else(|| by_region.iter().find(|(id, _)| id.is_none()))
                .map(|(_, i)| *i)
                .ok_or_else(|| {
                    (
                        "material".to_string(),
                        format!(
                            "{} has no material; add a [[material]] with region = its name or id, or \"all\"",
                            mesh.region_label(r)
                        ),
                    )
                })
        })
        .collect()
}

/// Region ids a reference names (`None` for "all").
pub(super) fn region_ids(mesh: &Mesh, r: &RegionRef) -> Result<Option<Vec<i32>>, String> {
    let available = || {
        mesh.regions()
            .iter()
            .map(|g| format!("{} ({})", g.id, g.name.as_deref().unwrap_or("unnamed")))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match r {
        RegionRef::Name(n) if n == "all" => Ok(None),
        RegionRef::Name(n) => {
            let ids: Vec<i32> = mesh.regions().iter().filter(|g| g.name.as_deref() == Some(n)).map(|g| g.id).collect();
            if ids.is_empty() {
                Err(format!("the mesh has no region named '{n}' (regions: {})", available()))
            } else {
                Ok(Some(ids))
            }
        }
        RegionRef::Id(id) => {
            if mesh.cell_regions().iter().any(|&c| i64::from(c) == *id) {
                Ok(Some(vec![*id as i32]))
            } else {
                Err(format!("the mesh has no region with id {id} (regions: {})", available()))
            }
        }
    }
}

/// Cells of a region reference (all cells when none is given).
pub(super) fn region_cells(mesh: &Mesh, r: Option<&RegionRef>) -> Result<Vec<usize>, String> {
    let ids = match r {
        None => None,
        Some(r) => region_ids(mesh, r)?,
    };
    Ok((0..mesh.cell_count())
        .filter(|&c| ids.as_ref().is_none_or(|ids| ids.contains(&mesh.cell_regions()[c])))
        .collect())
}

pub use crate::solve::accuracy::{attainable_floor, FLOOR_FACTOR};

/// The verdict on a solve's relative residual `rel`: fine when it meets `rtol`; a warning when it
/// lies within [`FLOOR_FACTOR`] of the attainable `floor`; otherwise an error message.
pub fn verdict(rel: f64, rtol: f64, floor: f64, method: &str) -> Result<Option<String>, String> {
    use crate::solve::accuracy::{classify, Convergence};
    if classify(rel, rtol, floor) == Convergence::Tolerance {
        return Ok(None);
    }
    if classify(rel, rtol, floor) == Convergence::AttainableAccuracy {
        return Ok(Some(format!(
            "the {method} solve converged to the attainable accuracy (floor ≈ {floor:.1e}, from eps |A| |x| / |b|): \
             relative residual {rel:.2e} is above rtol {rtol:e}, but no solve does better in f64, so the result is \
             as accurate as double precision allows; set solver.rtol >= {:.0e} to silence this",
            (10.0 * rel).max(1e-15)
        )));
    }
    Err(format!(
        "the {method} solve returned an answer that fails its accuracy check: relative residual {rel:.3e} against \
         rtol {rtol:e} and an attainable floor of {floor:.1e}; the stiffness matrix is singular or nearly so (a \
         mechanism, cells of near-zero volume, or a stiffness contrast beyond f64), so no result is written; check \
         `organ-twin info` for sliver cells, and the supports"
    ))
}

/// Relative imbalance of applied load and reactions above which a result carries a warning: far
/// above what a solve meeting rtol ≤ 1e-8 leaves (the imbalance is the residual's sum over the
/// free DOFs).
pub const BALANCE_TOLERANCE: f64 = 1e-6;

/// Largest strain component a small-strain result is trusted with, without a warning.
pub const SMALL_STRAIN: f64 = 0.05;

/// A warning when a cell strain (tensor component) exceeds [`SMALL_STRAIN`].
fn strain_warning(strains: &[[f64; 6]]) -> Option<String> {
    let worst = strains
        .iter()
        .map(|e| [e[0], e[1], e[2], 0.5 * e[3], 0.5 * e[4], 0.5 * e[5]].iter().fold(0.0f64, |m, v| m.max(v.abs())))
        .fold(0.0f64, f64::max);
    (worst > SMALL_STRAIN).then(|| {
        format!(
            "strains reach {:.1} %, beyond the few percent small-strain (linear) elasticity is valid for: the \
             displacements and stresses are qualitative only; run a finite-strain analysis ([analysis] kind = \
             \"quasi_static\" with a hyperelastic material)",
            100.0 * worst
        )
    })
}

/// An entry of the scenario (e.g. `support[2]`) and what is wrong with it.
pub(super) type EntryError = (String, String);

/// Step 3: the consistent load vector (SI) of every load, in scenario order. Selection uses
/// `mesh` (scenario units), integration `mesh_si`.
fn resolve_loads(
    scenario: &Scenario,
    mesh: &Mesh,
    mesh_si: &Mesh,
    dofs: &DofMap,
    boundary: &[CellFace],
) -> Result<Vec<Vec<f64>>, EntryError> {
    let units = scenario.units;
    let (l, s, f) = (units.length(), units.stress(), units.force());
    let vector = |v: Value, factor: f64| match v {
        Value::Vector(v) => v.map(|c| c * factor),
        Value::Scalar(_) => unreachable!("checked: this load has a vector"),
    };
    let mut cases = Vec::with_capacity(scenario.loads.len());
    for (i, ld) in scenario.loads.iter().enumerate() {
        let entry = format!("load[{}]", i + 1);
        let mut loads = vec![0.0; dofs.len()];
        if ld.kind == LoadKind::Body {
            let cells = region_cells(mesh, ld.region.as_ref()).map_err(|m| (entry.clone(), m))?;
            let b = vector(ld.value, s / l);
            load::add_body_load(mesh_si, dofs, &cells, |_| b, &mut loads);
            cases.push(loads);
            continue;
        }
        let sel = resolve(mesh, dofs, boundary, &ld.target()).map_err(|m| (entry.clone(), m))?;
        let need_faces = |sel: &Selection| {
            if sel.faces.is_empty() {
                let message = format!(
                    "this load acts on a surface, but the target selects {} nodes and no boundary face; use a named \
                     surface, a selector that covers whole faces, or kind = \"nodal\"",
                    sel.nodes.len()
                );
                Err((entry.clone(), message))
            } else {
                Ok(())
            }
        };
        match (ld.kind, ld.value) {
            (LoadKind::Traction, v) => {
                need_faces(&sel)?;
                let t = vector(v, s);
                load::add_surface_load(mesh_si, dofs, &sel.faces, |_, _| t, &mut loads);
            }
            (LoadKind::Pressure, Value::Scalar(p)) => {
                need_faces(&sel)?;
                let p = p * s;
                load::add_surface_load(mesh_si, dofs, &sel.faces, |_, n| (-p * n).into(), &mut loads);
            }
            (LoadKind::RemoteForce, _) => {
                need_faces(&sel)?;
                let force = ld.force_vector().expect("checked: a vector or a magnitude with angles").map(|c| c * f);
                let point = ld.point.expect("checked: remote_force has a point").map(|c| c * l);
                let moment = ld.moment.unwrap_or([0.0; 3]).map(|c| c * f * l);
                let coupling = crate::fem::coupling::Coupling::new(mesh_si, &sel.faces, point, force, moment)
                    .map_err(|e| (entry.clone(), e.to_string()))?;
                coupling.add_to(dofs, &mut loads);
            }
            (LoadKind::Force, _) => {
                let total = ld.force_vector().expect("checked: a vector or a magnitude with angles").map(|c| c * f);
                if sel.faces.is_empty() {
                    let per = total.map(|c| c / sel.nodes.len() as f64);
                    load::add_nodal_load(dofs, &sel.nodes, per, &mut loads);
                } else {
                    // The area with the load rule itself, so the resultant is exactly `total`.
                    let area = load::faces_area(mesh_si, &sel.faces);
                    let t = total.map(|c| c / area);
                    load::add_surface_load(mesh_si, dofs, &sel.faces, |_, _| t, &mut loads);
                }
            }
            (LoadKind::Nodal, v) => load::add_nodal_load(dofs, &sel.nodes, vector(v, f), &mut loads),
            _ => unreachable!("checked: kinds and values agree"),
        }
        cases.push(loads);
    }
    Ok(cases)
}

/// Step 4: the cell and reference coordinates of every probe.
pub(super) fn locate_probes(scenario: &Scenario, mesh: &Mesh) -> Result<Vec<(usize, [f64; 3])>, EntryError> {
    scenario
        .probes
        .iter()
        .enumerate()
        .map(|(i, p)| {
            post::locate(mesh, p.point).ok_or_else(|| {
                (
                    format!("probe[{}] '{}'", i + 1, p.name),
                    format!(
                        "the point {:?} lies outside the mesh, {:.6} from its boundary (farther than {} of a \
                         cell's size); give a point inside the undeformed mesh",
                        p.point,
                        post::distance_to_mesh(mesh, p.point),
                        post::LOCATE_TOLERANCE
                    ),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The verdict: met, at the floor (warning), far above it (error), NaN (error).
    #[test]
    fn accuracy_verdicts() {
        assert_eq!(verdict(1e-11, 1e-10, 1e-15, "direct"), Ok(None));
        let w = verdict(2.5e-10, 1e-10, 1e-12, "direct").expect("at the floor").expect("a warning");
        assert!(w.contains("attainable") && w.contains("2.50e-10"), "{w}");
        let e = verdict(2.879, 1e-10, 1e-12, "direct").expect_err("wrong answer");
        assert!(e.contains("fails its accuracy check") && e.contains("2.879e0"), "{e}");
        assert!(verdict(f64::NAN, 1e-10, 1e-12, "cg").is_err());
    }
}
