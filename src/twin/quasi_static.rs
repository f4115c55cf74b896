//! A quasi-static finite-strain scenario, in numbered steps:
//!
//! 1. convert the mesh to SI, give every cell the law of its region and its fibre frame;
//! 2. resolve the supports into prescribed DOFs (ramped over the first stage);
//! 3. resolve the loads: dead load vectors per value unit, follower-pressure faces, active cells;
//! 4. check the cavities are closable and locate the probes;
//! 5. check the supports hold every body; build the pattern and the finite-strain structure;
//! 6. march through the load schedule ([`steps`](super::steps)): each increment is solved by
//!    Newton's method with line search ([`newton`](crate::solve::newton)); an increment that fails
//!    (no convergence, an inverted cell, a failed linear solve) is halved and retried, at most
//!    `max_cutbacks` times, and the sub-increment grows back after easy solves;
//! 7. after each increment: cavity volumes, `det F` range, volume change of the solid, probes,
//!    and the fields handed to the caller's observer (which writes the VTU of the step).
//!
//! A run that cannot complete an increment stops there: the converged steps are kept and the
//! summary says `status = "failed"`, with the step, the load level reached and the reason.

use std::collections::BTreeMap;
use std::time::Instant;

use nalgebra_sparse::CsrMatrix;

use super::analysis::FibreSpec;
use super::fibres::{self, Fibres, RuleBasedParams};
use super::mechanics::{eliminated_entries, LoadTerm, Mechanics};
use super::problem::{locate_probes, material_of_cells, region_cells, resolve_supports, EntryError};
use super::scenario::{LoadKind, Scenario, Units, Value};
use super::select::resolve;
use super::steps::{self, Stage};
use super::summary::{
    CavityState, LawSummary, MeshSummary, NewtonSummary, ProbeState, QuasiStaticSummary, StepSummary, UnitsSummary,
};
use super::supports::Supports;
use super::ScenarioError;
use crate::fem::cavity::Cavity;
use crate::fem::finite_strain::{CellState, FiniteStrain};
use crate::fem::hyper::{Frame, Law};
use crate::fem::spring::SpringSupport;
use crate::fem::{load, post, pressure, Assembler, DofMap};
use crate::mesh::{CellFace, CellType, Field, Mesh};
use crate::progress::Progress;
use crate::solve::newton::{newton_with, NewtonError, NewtonParams, NewtonReport, Reuse};
use crate::solve::{Backend, SolveParams};

/// Most Uzawa updates of the cell pressures per increment.
pub const MAX_UZAWA: usize = 25;

/// How the tangent note of a symmetrized (modified Newton) tangent begins.
const SYMMETRIZED: &str = "symmetrized";

/// The warnings a converged step leaves: linear solves above the tolerance, damped tangents.
fn step_warnings(step: usize, stage: &str, report: &NewtonReport, rtol: f64) -> Vec<String> {
    let mut out = Vec::new();
    if report.floor_solves > 0 {
        out.push(format!(
            "step {step} ({stage}): {} linear solve(s) of its Newton iterations ended at relative residual up to \
             {:.2e}, above the tolerance asked (solver.rtol {rtol:e}, or the inexact-Newton forcing term), accepted \
             as the attainable accuracy of that tangent; Newton's own residual test still passed, but a tangent this \
             ill-conditioned may converge slowly",
            report.floor_solves, report.floor_residual
        ));
    }
    if report.damped > 0 {
        out.push(format!(
            "step {step} ({stage}): {} Newton iteration(s) met a tangent that is not positive definite and damped it \
             (K + sigma diag K): the step may be near a limit point (buckling, snap-through) or too large; check the \
             result, or use more steps",
            report.damped
        ));
    }
    out
}

/// A resolved quasi-static scenario, ready to run.
#[derive(Debug)]
pub struct QuasiStatic {
    scenario: Scenario,
    source: String,
    mesh: Mesh,
    mesh_si: Mesh,
    laws: Vec<Box<dyn Law>>,
    /// Per law: incompressible (no `bulk_modulus` given), enforced by the augmented Lagrangian.
    incompressible: Vec<bool>,
    law_of_cell: Vec<usize>,
    frames: Vec<Frame>,
    fibre_fields: Vec<Field>,
    supports: Supports,
    springs: Vec<SpringSupport>,
    mask: Vec<bool>,
    terms: Vec<LoadTerm>,
    cavities: Vec<(String, Cavity, Option<usize>)>,
    probes: Vec<(usize, [f64; 3])>,
    assembler: Assembler,
    fs: FiniteStrain,
    tangent_note: String,
    /// The direct solver's symbolic analysis of the tangent's pattern, kept between solves.
    reuse: std::sync::Mutex<Reuse>,
}

/// A Newton solve at the current cell pressures, from `x`, with the given settings (for
/// [`QuasiStatic::equilibrium_with`]).
pub(crate) type InnerSolve<'s> =
    dyn FnMut(&mut Mechanics<'_>, &mut [f64], &mut Reuse, &NewtonParams) -> Result<NewtonReport, NewtonError> + 's;

/// How far the Newton solves between two Uzawa updates go: to this fraction of the residual the
/// increment started from. The next update moves the equilibrium anyway; converging tighter in
/// between only costs iterations (one more each, as measured on `land_p2.toml`). At this level
/// the dilatations are off by about `1e-3` of the increment's change of `J`, well below the
/// volume tolerance; the state that passes the volume test is then converged to `newton_rtol`
/// and tested again.
const UZAWA_NEWTON_RTOL: f64 = 1e-3;

/// The parts of a summary shared by the finite-strain analyses ([`QuasiStatic::summary_parts`]).
#[derive(Debug, Clone)]
pub(crate) struct SummaryParts {
    pub mesh: MeshSummary,
    pub materials: Vec<LawSummary>,
    pub formulation: String,
    pub solver: NewtonSummary,
}

/// The constrained DOFs and eliminated tangent entries a [`Mechanics`] borrows.
#[derive(Debug, Clone)]
pub(crate) struct MechanicsParts {
    constrained: Vec<usize>,
    eliminated: Vec<usize>,
}

/// The fields of one converged step, for its VTU.
#[derive(Debug, Clone)]
pub struct StepOutput<'a> {
    /// Step number (1-based).
    pub step: usize,
    /// Its summary.
    pub summary: &'a StepSummary,
    /// Point data.
    pub point_fields: Vec<Field>,
    /// Cell data.
    pub cell_fields: Vec<Field>,
}

/// The end of a run: the summary and, for a run that stopped early, why.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// `summary.json`.
    pub summary: QuasiStaticSummary,
    /// Why the run stopped before the end (`None` when it completed).
    pub failure: Option<String>,
}

/// Receives every converged step (to write its files).
pub type Observer<'o> = dyn FnMut(&StepOutput<'_>) -> Result<(), ScenarioError> + 'o;

/// A converged state: the unknowns and the cell pressures of the incompressible laws.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct State {
    /// The DOF vector (m).
    pub x: Vec<f64>,
    /// The augmented Lagrangian's cell pressures (Pa; zero for compressible cells).
    pub multipliers: Vec<f64>,
}

/// Starting guesses for a run's increments from an earlier, related run (the calibration's
/// inflations at another stiffness scale), and the record of this run's converged states.
pub(crate) trait WarmStart {
    /// The state to start step `step` (1-based) from instead of the previous step's, if any.
    fn guess(&mut self, step: usize) -> Option<State>;
    /// Step `step` converged to `state`.
    fn converged(&mut self, step: usize, state: &State);
}

/// No guesses, nothing kept: [`QuasiStatic::run`].
struct Cold;

impl WarmStart for Cold {
    fn guess(&mut self, _: usize) -> Option<State> {
        None
    }
    fn converged(&mut self, _: usize, _: &State) {}
}

fn si_factor(kind: LoadKind, units: &Units) -> f64 {
    match kind {
        LoadKind::Traction | LoadKind::Pressure | LoadKind::ActiveTension => units.stress(),
        LoadKind::Force | LoadKind::Nodal | LoadKind::RemoteForce => units.force(),
        LoadKind::Body => units.stress() / units.length(),
    }
}

fn components(v: &Value) -> Vec<f64> {
    match v {
        Value::Scalar(s) => vec![*s],
        Value::Vector(v) => v.to_vec(),
    }
}

impl QuasiStatic {
    /// Steps 1–5. `mesh` is in the scenario's length unit.
    pub fn build(scenario: Scenario, mesh: Mesh, source: &str) -> Result<QuasiStatic, ScenarioError> {
        let invalid =
            |(entry, message): EntryError| ScenarioError::Invalid { source_name: source.into(), entry, message };
        let fem = |e| ScenarioError::Fem { source_name: source.into(), source: e };
        let units = scenario.units;
        // 1. Mesh, laws, fibres.
        let mesh_si = mesh.scaled(units.length());
        let (laws, law_of_cell) = cell_laws(&scenario, &mesh).map_err(invalid)?;
        let incompressible = scenario
            .materials
            .iter()
            .zip(&laws)
            .map(|(m, law)| m.bulk_modulus.is_none() && law.bulk_modulus().is_some())
            .collect();
        let fibres = cell_fibres(&scenario, &mesh, &laws).map_err(invalid)?;
        let frames = match &fibres {
            Some(f) => (0..mesh.cell_count())
                .map(|c| Frame { fibre: f.fibre[c], sheet: f.sheet[c], normal: f.normal[c] })
                .collect(),
            None => vec![Frame::AXES; mesh.cell_count()],
        };
        let fibre_fields = fibres.as_ref().map(fibres::to_cell_fields).unwrap_or_default();
        // 2. Supports.
        let dofs = DofMap::new(&mesh_si);
        let boundary = mesh.boundary_faces();
        let supports = resolve_supports(&scenario, &mesh, &dofs, &boundary).map_err(invalid)?;
        let mask = supports.bc.mask(dofs.len());
        // 3. Loads.
        let terms = load_terms(&scenario, &mesh, &mesh_si, &dofs, &boundary).map_err(invalid)?;
        // 4. Cavities and probes.
        let cavities = resolve_cavities(&scenario, &mesh_si).map_err(invalid)?;
        let probes = locate_probes(&scenario, &mesh).map_err(invalid)?;
        // 5. Rigid-body check, pattern, structure.
        supports.check_rigid_body(&mesh_si, &dofs).map_err(fem)?;
        let assembler = Assembler::with_dofs(&mesh_si, dofs).map_err(fem)?;
        let reuse = Reuse {
            nullspace: crate::solve::NearNullspace::rigid_body_modes(
                &(0..assembler.dofs().slots()).map(|s| mesh_si.nodes()[assembler.dofs().node(s)]).collect::<Vec<_>>(),
            )
            .ok(),
            ..Reuse::default()
        };
        let springs = supports
            .springs
            .iter()
            .map(|sp| SpringSupport::new(&mesh_si, &assembler, &sp.faces, sp.k_n, sp.k_t))
            .collect();
        let fs = FiniteStrain::new(&mesh_si, &assembler).map_err(fem)?;
        let moving: Vec<String> = terms
            .iter()
            .enumerate()
            .filter_map(|(i, t)| match t {
                LoadTerm::Follower(faces) if pressure::rim_moves(&mesh_si, &assembler, faces, &mask) => {
                    Some(scenario.load_name(i))
                }
                _ => None,
            })
            .collect();
        let tangent_note = if moving.is_empty() {
            "exact (consistent, symmetric)".to_string()
        } else {
            format!(
                "{SYMMETRIZED}: the follower pressure {} acts on a surface whose rim moves, so the skew part of its \
                 load stiffness is dropped (Newton converges linearly, to the same solution)",
                moving.join(", ")
            )
        };
        Ok(QuasiStatic {
            scenario,
            source: source.into(),
            mesh,
            mesh_si,
            laws,
            incompressible,
            law_of_cell,
            frames,
            fibre_fields,
            supports,
            springs,
            mask,
            terms,
            cavities,
            probes,
            assembler,
            fs,
            tangent_note,
            reuse: std::sync::Mutex::new(reuse),
        })
    }

    /// The scenario.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The scenario file's name, for messages.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The mesh (scenario units).
    pub fn mesh(&self) -> &Mesh {
        &self.mesh
    }

    /// Replaces the materials' parameters (the same models, in the same order) and keeps the rest:
    /// mesh, fibres, supports, the pattern and the direct solver's symbolic analysis. For
    /// parameter studies and calibrations that re-run the schedule with other stiffnesses.
    pub fn set_materials(&mut self, materials: Vec<super::scenario::MaterialSpec>) -> Result<(), ScenarioError> {
        let invalid =
            |(entry, message): EntryError| ScenarioError::Invalid { source_name: self.source.clone(), entry, message };
        let same = materials.len() == self.scenario.materials.len()
            && materials.iter().zip(&self.scenario.materials).all(|(a, b)| a.model == b.model && a.region == b.region);
        if !same {
            return Err(invalid((
                "material".into(),
                "set_materials keeps the models and regions; only parameters change".into(),
            )));
        }
        let mut scenario = self.scenario.clone();
        scenario.materials = materials;
        let (laws, law_of_cell) = cell_laws(&scenario, &self.mesh).map_err(invalid)?;
        self.incompressible = scenario
            .materials
            .iter()
            .zip(&laws)
            .map(|(m, law)| m.bulk_modulus.is_none() && law.bulk_modulus().is_some())
            .collect();
        self.laws = laws;
        self.law_of_cell = law_of_cell;
        self.scenario = scenario;
        Ok(())
    }

    /// Number of steps the schedule plans.
    pub fn planned_steps(&self) -> usize {
        steps::stages(&self.scenario).iter().map(|s| s.increments).sum()
    }

    /// What a [`Mechanics`] of this analysis borrows besides the analysis: the constrained DOFs
    /// and the tangent entries their elimination zeroes.
    pub(crate) fn parts(&self) -> MechanicsParts {
        let constrained = self.supports.bc.dofs().to_vec();
        let eliminated = eliminated_entries(&self.assembler.zero_matrix(), &self.mask);
        MechanicsParts { constrained, eliminated }
    }

    /// The equilibrium of this analysis, every load at zero.
    pub(crate) fn mechanics<'a>(&'a self, parts: &'a MechanicsParts) -> Mechanics<'a> {
        Mechanics {
            mesh: &self.mesh_si,
            assembler: &self.assembler,
            fs: &self.fs,
            laws: &self.laws,
            law_of_cell: &self.law_of_cell,
            frames: &self.frames,
            terms: &self.terms,
            springs: &self.springs,
            mask: &self.mask,
            constrained: &parts.constrained,
            eliminated: &parts.eliminated,
            reactions: Vec::new(),
            levels: Vec::new(),
            active: vec![0.0; self.mesh.cell_count()],
            pressure: vec![0.0; self.mesh.cell_count()],
            last: None,
        }
    }

    /// The mesh in SI units.
    pub(crate) fn mesh_si(&self) -> &Mesh {
        &self.mesh_si
    }

    /// Pattern and DOF map.
    pub(crate) fn assembler(&self) -> &Assembler {
        &self.assembler
    }

    /// The resolved loads, in the scenario's order.
    pub(crate) fn terms(&self) -> &[LoadTerm] {
        &self.terms
    }

    /// The constrained DOFs as a mask.
    pub(crate) fn mask(&self) -> &[bool] {
        &self.mask
    }

    /// The prescribed DOFs and their full values (m).
    pub(crate) fn prescribed(&self) -> (&[usize], &[f64]) {
        (self.supports.bc.dofs(), self.supports.bc.values())
    }

    /// The cavities: name, geometry and the index of their pressure load.
    pub(crate) fn cavities(&self) -> &[(String, Cavity, Option<usize>)] {
        &self.cavities
    }

    /// The SI values of every load at its scenario `value`.
    pub(crate) fn full_levels(&self) -> Vec<Vec<f64>> {
        let units = self.scenario.units;
        self.scenario
            .loads
            .iter()
            .map(|l| components(&l.value).iter().map(|v| v * si_factor(l.kind, &units)).collect())
            .collect()
    }

    /// The parts of `summary.json` every finite-strain analysis of this scenario shares: the mesh,
    /// the laws, the formulation and the solver figures (zero counts) on `backend` with `params`.
    pub(crate) fn summary_parts(&self, backend: &Backend, params: &NewtonParams) -> SummaryParts {
        let s = self.empty_summary(backend, params);
        SummaryParts { mesh: s.mesh, materials: s.materials, formulation: s.formulation, solver: s.solver }
    }

    /// Steps 6–7 on `backend`; every converged step goes to `observer` before the next begins.
    pub fn run(
        &self,
        backend: &Backend,
        progress: &dyn Progress,
        observer: &mut Observer<'_>,
    ) -> Result<Outcome, ScenarioError> {
        self.run_warm(backend, progress, observer, &mut Cold)
    }

    /// [`run`](Self::run) with each increment first tried from `warm`'s guess, when it has one
    /// (Newton from there to the increment's full load, no sub-steps); when that fails the
    /// increment is solved as usual from the previous step. Every converged state goes to `warm`.
    pub(crate) fn run_warm(
        &self,
        backend: &Backend,
        progress: &dyn Progress,
        observer: &mut Observer<'_>,
        warm: &mut dyn WarmStart,
    ) -> Result<Outcome, ScenarioError> {
        let start = Instant::now();
        let stages = steps::stages(&self.scenario);
        let params = self.newton_params(backend);
        let direct_before = self.direct_stats();
        let parts = self.parts();
        let mut tangent = self.assembler.zero_matrix();
        let mut mech = self.mechanics(&parts);
        let mut x = vec![0.0; self.assembler.dofs().len()];
        let mut march = March { summary: self.empty_summary(backend, &params), before: steps::initial(&self.scenario) };
        progress.stage("load steps", Some(self.planned_steps() as u64));
        let mut failure = None;
        'stages: for (index, stage) in stages.iter().enumerate() {
            let first = index == 0;
            let mut rate: Option<Rate> = None;
            for inc in 1..=stage.increments {
                let t = Instant::now();
                let fractions = ((inc - 1) as f64 / stage.increments as f64, inc as f64 / stage.increments as f64);
                let start_state = (x.clone(), mech.pressure.clone());
                let ramp = Ramp { stage, before: &march.before, first, fractions, rate: rate.as_ref() };
                let step = march.summary.steps.len() + 1;
                let guessed = warm.guess(step).and_then(|guess| {
                    self.warm_increment(&mut mech, &mut x, &mut tangent, &ramp, guess, (&params, backend), progress)
                });
                let solved = match guessed {
                    Some(Ok(report)) => Ok((report, 0)),
                    Some(Err(failed)) => self
                        .increment(&mut mech, &mut x, &mut tangent, &ramp, (&params, backend), progress)
                        .map(|(mut report, cutbacks)| {
                            add_failed(&mut report, &failed);
                            (report, cutbacks)
                        }),
                    None => self.increment(&mut mech, &mut x, &mut tangent, &ramp, (&params, backend), progress),
                };
                match solved {
                    Ok((report, cutbacks)) => {
                        warm.converged(step, &State { x: x.clone(), multipliers: mech.pressure.clone() });
                        let dt = fractions.1 - fractions.0;
                        let next_rate = Rate::between((&start_state.0, &start_state.1), (&x, &mech.pressure), dt);
                        let warnings = step_warnings(step, &stage.name, &report, params.linear.rtol);
                        march.summary.warnings.extend(warnings);
                        let record = self.record(&mech, &x, &ramp, &march, report, cutbacks, t);
                        let output = self.step_output(&mech, &x, step, &record)?;
                        observer(&output)?;
                        march.summary.steps.push(record);
                        march.summary.completed_steps = step;
                        self.add_reactions(&mech, &x, &mut march.summary);
                        progress.advance(step as u64, &format!("{} {inc}/{}", stage.name, stage.increments));
                        rate = next_rate;
                    }
                    Err(message) => {
                        failure = Some(self.failure_message(&march, stage, inc, fractions, &message));
                        break 'stages;
                    }
                }
            }
            march.before = stage.targets.clone();
        }
        progress.finish();
        let mut summary = march.summary;
        summary.status = if failure.is_some() { "failed" } else { "completed" }.into();
        summary.message = failure.clone();
        summary.seconds = start.elapsed().as_secs_f64();
        if let (Backend::Cpu, crate::solve::Method::Direct) = (backend, params.linear.method) {
            summary.solver.direct = Some(self.direct_stats().since(&direct_before));
        }
        self.release_factor();
        Ok(Outcome { summary, failure })
    }

    /// The direct solver's counters so far (factorizations, solves with a kept factor).
    pub(crate) fn direct_stats(&self) -> crate::solve::direct::FrozenStats {
        self.reuse.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).direct.stats
    }

    /// Frees the direct solver's kept factor, at the end of a run.
    pub(crate) fn release_factor(&self) {
        self.reuse.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).direct.release_factor();
    }

    /// The Newton settings of the scenario on `backend`.
    pub(crate) fn newton_params(&self, backend: &Backend) -> NewtonParams {
        let a = &self.scenario.analysis;
        let s = &self.scenario.solver;
        let choice = match backend {
            Backend::Gpu(_) => super::BackendChoice::Gpu,
            _ => super::BackendChoice::Cpu,
        };
        NewtonParams {
            rtol: a.newton_rtol,
            rtol_x: a.newton_rtol.sqrt() * 0.1,
            max_iterations: a.max_newton_iterations,
            max_halvings: 6,
            reference: 0.0,
            linear: SolveParams {
                method: s.method_for(super::analysis::AnalysisKind::QuasiStatic, choice),
                preconditioner: s.preconditioner,
                rtol: s.rtol,
                max_iterations: s.max_iterations,
            },
        }
    }

    /// The load values (SI) and support fraction at fraction `t` of `stage`.
    fn levels(&self, stage: &Stage, before: &[Value], t: f64) -> Vec<Vec<f64>> {
        let units = self.scenario.units;
        self.scenario
            .loads
            .iter()
            .zip(before.iter().zip(&stage.targets))
            .map(|(l, (a, b))| {
                let f = si_factor(l.kind, &units);
                components(a).iter().zip(components(b)).map(|(a, b)| f * (a + t * (b - a))).collect()
            })
            .collect()
    }

    /// Solves the increment from `fractions.0` to `fractions.1` of its stage with cut-backs;
    /// returns the last sub-step's Newton report (iterations summed) and the cut-backs.
    fn increment(
        &self,
        mech: &mut Mechanics<'_>,
        x: &mut Vec<f64>,
        tangent: &mut CsrMatrix<f64>,
        ramp: &Ramp<'_>,
        (params, backend): (&NewtonParams, &Backend),
        progress: &dyn Progress,
    ) -> Result<(NewtonReport, usize), String> {
        let (stage, before, (t0, t1)) = (ramp.stage, ramp.before, ramp.fractions);
        let (mut t, mut dt, mut cutbacks, mut total) = (t0, t1 - t0, 0, 0);
        let (mut assembly, mut solving, mut damped) = (0.0, 0.0, 0);
        // The linear solves of the converged increments (a failed attempt's are dropped).
        let mut linear = NewtonReport::default();
        let mut predictor = ramp.rate;
        loop {
            let tn = (t + dt).min(t1);
            mech.set_levels(self.levels(stage, before, tn));
            let mut trial = x.clone();
            let multipliers = mech.pressure.clone();
            if let Some(rate) = predictor {
                let h = tn - t;
                trial.iter_mut().zip(&rate.x).for_each(|(x, v)| *x += h * v);
                mech.pressure.iter_mut().zip(&rate.pressure).for_each(|(p, v)| *p += h * v);
            }
            let fraction = ramp.support_fraction(tn);
            for (&d, &v) in self.supports.bc.dofs().iter().zip(self.supports.bc.values()) {
                trial[d] = fraction * v;
            }
            progress.stage("Newton", None);
            let solved = self.equilibrium(mech, &mut trial, tangent, params, backend, progress);
            progress.finish();
            match solved {
                Ok(mut report) => {
                    total += report.iterations;
                    linear.add_linear_records(&report);
                    assembly += report.assembly_seconds;
                    solving += report.solve_seconds;
                    damped += report.damped;
                    *x = trial;
                    t = tn;
                    if t >= t1 - 1e-12 * (t1 - t0).max(1e-300) {
                        report.iterations = total;
                        report.set_linear_records(&linear);
                        report.assembly_seconds = assembly;
                        report.solve_seconds = solving;
                        report.damped = damped;
                        return Ok((report, cutbacks));
                    }
                    if report.iterations <= 5 {
                        dt = (2.0 * dt).min(t1 - t0);
                    }
                }
                Err(e) => {
                    mech.pressure = multipliers;
                    let failed = e.report();
                    total += failed.iterations;
                    assembly += failed.assembly_seconds;
                    solving += failed.solve_seconds;
                    if predictor.take().is_some() {
                        // Retry the same increment from the previous state, not extrapolated.
                        continue;
                    }
                    cutbacks += 1;
                    if cutbacks > self.scenario.analysis.max_cutbacks {
                        return Err(format!("{e} (after {} cut-backs of the increment)", cutbacks - 1));
                    }
                    dt *= 0.5;
                }
            }
        }
    }

    /// The increment `ramp` solved in one Newton from `guess` (cell pressures included); on
    /// failure `x` and the cell pressures are left as they were and the failed solve's report
    /// comes back. `None` when the guess does not fit this analysis.
    #[allow(clippy::too_many_arguments)]
    fn warm_increment(
        &self,
        mech: &mut Mechanics<'_>,
        x: &mut Vec<f64>,
        tangent: &mut CsrMatrix<f64>,
        ramp: &Ramp<'_>,
        guess: State,
        (params, backend): (&NewtonParams, &Backend),
        progress: &dyn Progress,
    ) -> Option<Result<NewtonReport, NewtonReport>> {
        if guess.x.len() != x.len() || guess.multipliers.len() != mech.pressure.len() {
            return None;
        }
        let t1 = ramp.fractions.1;
        mech.set_levels(self.levels(ramp.stage, ramp.before, t1));
        let mut trial = guess.x;
        let fraction = ramp.support_fraction(t1);
        for (&d, &v) in self.supports.bc.dofs().iter().zip(self.supports.bc.values()) {
            trial[d] = fraction * v;
        }
        let multipliers = std::mem::replace(&mut mech.pressure, guess.multipliers);
        progress.stage("Newton (warm start)", None);
        let solved = self.equilibrium(mech, &mut trial, tangent, params, backend, progress);
        progress.finish();
        Some(match solved {
            Ok(report) => {
                *x = trial;
                Ok(report)
            }
            Err(e) => {
                mech.pressure = multipliers;
                Err(e.report())
            }
        })
    }

    /// Newton's method at the current load level and, for incompressible laws, Uzawa updates of
    /// the cell pressures `λ_e ← λ_e + U'(θ_e)` with a Newton solve after each, until every such
    /// cell's dilatation is within `volume_tolerance` of 1 (at most [`MAX_UZAWA`] updates).
    fn equilibrium(
        &self,
        mech: &mut Mechanics<'_>,
        x: &mut [f64],
        tangent: &mut CsrMatrix<f64>,
        params: &NewtonParams,
        backend: &Backend,
        progress: &dyn Progress,
    ) -> Result<NewtonReport, NewtonError> {
        self.equilibrium_with(mech, x, params, &mut |mech, x, reuse, params| {
            newton_with(mech, x, tangent, (params, backend), progress, reuse)
        })
    }

    /// [`equilibrium`](Self::equilibrium) with the Newton solve given by `solve` (for the
    /// heartbeat's bordered Newton): it solves at the current cell pressures, from `x`, with the
    /// settings it is handed.
    ///
    /// With incompressible laws the loop is an inexact Uzawa iteration: the solves between
    /// updates stop at [`UZAWA_NEWTON_RTOL`] of the increment's initial residual (after at least
    /// one iteration), and only a state that keeps the volume is converged to `params.rtol`, that
    /// same initial residual being the reference of every solve of the increment.
    pub(crate) fn equilibrium_with(
        &self,
        mech: &mut Mechanics<'_>,
        x: &mut [f64],
        params: &NewtonParams,
        solve: &mut InnerSolve<'_>,
    ) -> Result<NewtonReport, NewtonError> {
        let mut reuse = self.reuse.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if !self.incompressible.iter().any(|&i| i) {
            return solve(mech, x, &mut reuse, params);
        }
        let loose = NewtonParams { rtol: UZAWA_NEWTON_RTOL.max(params.rtol), rtol_x: f64::MAX, ..*params };
        let mut report = solve(mech, x, &mut reuse, &loose)?;
        let reference = report.residuals.first().copied().unwrap_or(0.0).max(params.reference);
        let (loose, tight) = (NewtonParams { reference, ..loose }, NewtonParams { reference, ..*params });
        // Whether `x` is converged to `params.rtol` at the current cell pressures.
        let mut converged = false;
        let tol = self.scenario.analysis.volume_tolerance;
        let mut update = 0;
        loop {
            let states = self
                .fs
                .cell_states(&mech.materials(), x)
                .map_err(|e| NewtonError::Start { reason: crate::solve::newton::Inadmissible(e.to_string()) })?;
            let incompressible = |c: usize| self.incompressible[self.law_of_cell[c]];
            let worst = states
                .iter()
                .enumerate()
                .filter(|&(c, _)| incompressible(c))
                .fold(0.0f64, |w, (_, st)| w.max((st.theta - 1.0).abs()));
            report.uzawa = update;
            let next = if worst <= tol {
                if converged {
                    // The cell pressures stay those `x` is in equilibrium with (outputs and the
                    // next step's predictor read them).
                    return Ok(report);
                }
                converged = true;
                solve(mech, x, &mut reuse, &tight)?
            } else {
                if update == MAX_UZAWA {
                    let what = format!(
                        "the cell pressures did not enforce incompressibility in {MAX_UZAWA} updates (largest |J - 1| \
                         {worst:.2e}, tolerance {tol:e})"
                    );
                    return Err(NewtonError::Outer { report: Box::new(report), what });
                }
                for (c, st) in states.iter().enumerate().filter(|&(c, _)| incompressible(c)) {
                    let law = self.law_of_cell[c];
                    let kappa = self.laws[law].bulk_modulus().expect("incompressible laws are split");
                    mech.pressure[c] += crate::fem::hyper::volumetric(kappa, st.theta).1;
                }
                update += 1;
                // A state that has kept the volume within ten tolerances is most likely one
                // update from the end: converge it fully at once.
                converged = worst <= 10.0 * tol;
                solve(mech, x, &mut reuse, if converged { &tight } else { &loose })?
            };
            report.iterations += next.iterations;
            report.add_linear_records(&next);
            report.assembly_seconds += next.assembly_seconds;
            report.solve_seconds += next.solve_seconds;
            report.damped += next.damped;
            report.residuals = next.residuals;
            report.steps = next.steps;
        }
    }

    fn empty_summary(&self, backend: &Backend, params: &NewtonParams) -> QuasiStaticSummary {
        let units = self.scenario.units;
        let (length, stress, force, energy) = units.names();
        let stress_unit = units.stress();
        QuasiStaticSummary {
            scenario: self.scenario.name.clone(),
            analysis: "quasi_static".into(),
            status: "running".into(),
            message: None,
            completed_steps: 0,
            planned_steps: self.planned_steps(),
            units: UnitsSummary { length, stress, force, energy },
            mesh: MeshSummary {
                file: self.scenario.mesh.file.display().to_string(),
                nodes: self.mesh.nodes().len(),
                cells: self.mesh.cell_count(),
                cell_types: self.mesh.cell_types_present().iter().map(CellType::to_string).collect(),
                dofs: self.assembler.dofs().len(),
                constrained_dofs: self.supports.bc.dofs().len(),
                volume: self.mesh.volume(),
            },
            materials: self
                .scenario
                .materials
                .iter()
                .zip(&self.laws)
                .map(|(m, law)| LawSummary {
                    region: m.region.to_string(),
                    model: m.model.name().into(),
                    bulk_modulus: law.bulk_modulus().map(|k| k / stress_unit),
                })
                .collect(),
            formulation: format!(
                "total Lagrangian; isochoric/volumetric split with the volumetric energy on the cell's mean dilatation \
                 (condensed constant-pressure cells, Simo-Taylor-Pister 1985){}",
                if self.incompressible.iter().any(|&i| i) {
                    format!(
                        "; incompressible laws by augmented Lagrangian (Uzawa updates of the cell pressures until \
                         |J - 1| <= {:e} in every cell)",
                        self.scenario.analysis.volume_tolerance
                    )
                } else {
                    String::new()
                }
            ),
            solver: NewtonSummary {
                backend: backend.name().into(),
                adapter: backend.adapter(),
                method: params.linear.method.name().into(),
                preconditioner: params.linear.preconditioner.name().into(),
                newton_rtol: params.rtol,
                newton_iterations: 0,
                linear_iterations: 0,
                tangent: self.tangent_note.clone(),
                assembly_seconds: 0.0,
                solve_seconds: 0.0,
                direct: None,
            },
            steps: Vec::new(),
            reactions: BTreeMap::new(),
            pins: self.supports.pins.clone(),
            warnings: self
                .tangent_note
                .starts_with(SYMMETRIZED)
                .then(|| format!("the tangent is {}", self.tangent_note))
                .into_iter()
                .collect(),
            seconds: 0.0,
        }
    }

    #[allow(clippy::too_many_arguments)] // one step's figures, gathered in one place
    fn record(
        &self,
        mech: &Mechanics<'_>,
        x: &[f64],
        ramp: &Ramp<'_>,
        march: &March,
        report: NewtonReport,
        cutbacks: usize,
        start: Instant,
    ) -> StepSummary {
        let (stage, t) = (ramp.stage, ramp.fractions.1);
        let units = self.scenario.units;
        let l = units.length();
        let u_nodes = self.assembler.dofs().to_nodes(x);
        let loads = self
            .scenario
            .loads
            .iter()
            .enumerate()
            .zip(march.before.iter().zip(&stage.targets))
            .map(|((i, _), (a, b))| {
                let v: Vec<f64> = components(a).iter().zip(components(b)).map(|(a, b)| a + t * (b - a)).collect();
                let json = if v.len() == 1 { serde_json::json!(v[0]) } else { serde_json::json!(v) };
                (self.scenario.load_name(i), json)
            })
            .collect::<BTreeMap<_, _>>();
        let cavities = self
            .cavities
            .iter()
            .map(|(name, cavity, load)| {
                let volume = cavity.volume(&self.mesh_si, &u_nodes) / l.powi(3);
                let pressure = load.and_then(|i| loads.get(&self.scenario.load_name(i))).and_then(|v| v.as_f64());
                let volume_ml = (units.length == super::scenario::LengthUnit::Mm).then_some(volume / 1000.0);
                (name.clone(), CavityState { volume, volume_ml, pressure })
            })
            .collect();
        let stats = mech.last.expect("a converged step has been evaluated");
        let u_scn: Vec<[f64; 3]> = u_nodes.iter().map(|u| u.map(|c| c / l)).collect();
        let probes = self
            .scenario
            .probes
            .iter()
            .zip(&self.probes)
            .map(|(p, &(c, xi))| {
                let d = post::interpolate(&self.mesh, c, xi, &u_scn);
                let position = std::array::from_fn(|k| p.point[k] + d[k]);
                (p.name.clone(), ProbeState { point: p.point, displacement: d, position })
            })
            .collect();
        let r0 = report.residuals.first().copied().unwrap_or(0.0);
        let rl = report.residuals.last().copied().unwrap_or(0.0);
        StepSummary {
            step: march.summary.steps.len() + 1,
            stage: stage.name.clone(),
            loads,
            support_fraction: ramp.support_fraction(t),
            cavities,
            newton_iterations: report.iterations,
            cutbacks,
            relative_residual: if r0 > 0.0 { rl / r0 } else { 0.0 },
            residual_history: report.residuals.iter().map(|r| r / units.force()).collect(),
            line_search: report.steps.clone(),
            damped_iterations: report.damped,
            pressure_updates: report.uzawa,
            assembly_seconds: report.assembly_seconds,
            solve_seconds: report.solve_seconds,
            linear_iterations: report.linear_iterations,
            min_j: stats.min_j,
            max_j: stats.max_j,
            volume_change: stats.volume / self.fs.reference_volume() - 1.0,
            probes,
            seconds: start.elapsed().as_secs_f64(),
        }
    }

    fn add_reactions(&self, mech: &Mechanics<'_>, x: &[f64], summary: &mut QuasiStaticSummary) {
        let f = self.scenario.units.force();
        let mut reactions = vec![[0.0; 3]; self.supports.names.len()];
        for ((&dof, &owner), r) in self.supports.bc.dofs().iter().zip(&self.supports.owners).zip(&mech.reactions) {
            reactions[owner][dof % 3] += r / f;
        }
        for (spec, spring) in self.supports.springs.iter().zip(&self.springs) {
            let r = spring.resultant(x);
            (0..3).for_each(|k| reactions[spec.owner][k] += r[k] / f);
        }
        summary.reactions = self.supports.names.iter().cloned().zip(reactions).collect();
        let last = summary.steps.last().expect("a step was recorded");
        summary.solver.newton_iterations += last.newton_iterations;
        summary.solver.linear_iterations += last.linear_iterations;
        summary.solver.assembly_seconds += last.assembly_seconds;
        summary.solver.solve_seconds += last.solve_seconds;
    }

    fn step_output<'a>(
        &self,
        mech: &Mechanics<'_>,
        x: &[f64],
        step: usize,
        summary: &'a StepSummary,
    ) -> Result<StepOutput<'a>, ScenarioError> {
        let (point_fields, cell_fields) = self.fields(mech, x)?;
        Ok(StepOutput { step, summary, point_fields, cell_fields })
    }

    /// The point and cell fields of the state `x` (scenario units): displacement, Cauchy stress,
    /// von Mises, J, fibre strain and stress, active tension, and the fibre frame.
    pub(crate) fn fields(&self, mech: &Mechanics<'_>, x: &[f64]) -> Result<(Vec<Field>, Vec<Field>), ScenarioError> {
        let units = self.scenario.units;
        let (l, s) = (units.length(), units.stress());
        let states: Vec<CellState> = self
            .fs
            .cell_states(&mech.materials(), x)
            .map_err(|e| ScenarioError::Fem { source_name: self.source.clone(), source: e })?;
        let u: Vec<f64> = self.assembler.dofs().to_nodes(x).iter().flat_map(|u| u.map(|c| c / l)).collect();
        let field = |name: &str, components: usize, values: Vec<f64>| Field { name: name.into(), components, values };
        let point_fields = vec![field("displacement", 3, u)];
        let mut cell_fields = vec![
            field("cauchy_stress", 6, states.iter().flat_map(|c| c.cauchy.map(|v| v / s)).collect()),
            field("von_mises", 1, states.iter().map(|c| post::von_mises(&c.cauchy) / s).collect()),
            field("J", 1, states.iter().map(|c| c.theta).collect()),
            field("E_ff", 1, states.iter().map(|c| c.e_ff).collect()),
            field("sigma_ff", 1, states.iter().map(|c| c.sigma_ff / s).collect()),
            field("active_tension", 1, mech.active.iter().map(|t| t / s).collect()),
        ];
        // The mesh's own cell fields are written too: a frame array of the same name is written
        // only when it differs from the mesh's (then as `<name>_model`).
        for f in &self.fibre_fields {
            match self.mesh.cell_fields().iter().find(|m| m.name == f.name) {
                Some(m) if m.values == f.values => {}
                Some(_) => cell_fields.push(Field { name: format!("{}_model", f.name), ..f.clone() }),
                None => cell_fields.push(f.clone()),
            }
        }
        Ok((point_fields, cell_fields))
    }

    fn failure_message(&self, march: &March, stage: &Stage, inc: usize, (t0, t1): (f64, f64), why: &str) -> String {
        let step = march.summary.steps.len() + 1;
        let worst = march
            .summary
            .steps
            .last()
            .map(|s| format!("; smallest det F at the last converged step: {:.4}", s.min_j))
            .unwrap_or_default();
        format!(
            "{}: step {step} (increment {inc} of {} of stage '{}', from load fraction {:.3} to {:.3}) failed: \
             {why}{worst}; the {} converged steps are kept. Try more steps (smaller increments) or check the \
             supports; under load control a load past a limit point (a pressure maximum) cannot be reached",
            self.source,
            stage.increments,
            stage.name,
            t0,
            t1,
            march.summary.steps.len()
        )
    }
}

/// One increment of a stage: from `fractions.0` to `fractions.1` of the way from `before` to the
/// stage's targets; prescribed displacements ramp over the first stage.
struct Ramp<'a> {
    stage: &'a Stage,
    before: &'a [Value],
    first: bool,
    fractions: (f64, f64),
    /// The rate of the previous increment of the stage, for the predictor.
    rate: Option<&'a Rate>,
}

/// The change per unit of stage fraction of the unknowns and the cell pressures over the last
/// converged increment: the predictor of the next increment of the same stage starts Newton at
/// `x + Δt · rate.x` with pressures `λ + Δt · rate.pressure` (a linear extrapolation, the
/// secant predictor of a load-stepping continuation), which on a smooth load path saves Newton
/// iterations and Uzawa updates. A start the predictor makes inadmissible or that fails is
/// retried from the previous state.
struct Rate {
    x: Vec<f64>,
    pressure: Vec<f64>,
}

impl Rate {
    /// The rate from `before` (unknowns, pressures) to `after` over a fraction `dt`.
    fn between(before: (&[f64], &[f64]), after: (&[f64], &[f64]), dt: f64) -> Option<Self> {
        if dt.is_nan() || dt <= 0.0 {
            return None;
        }
        let per = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(a, b)| (b - a) / dt).collect::<Vec<f64>>();
        let rate = Self { x: per(before.0, after.0), pressure: per(before.1, after.1) };
        rate.x.iter().chain(&rate.pressure).all(|v| v.is_finite()).then_some(rate)
    }
}

impl Ramp<'_> {
    fn support_fraction(&self, t: f64) -> f64 {
        if self.first {
            t
        } else {
            1.0
        }
    }
}

/// The marching state: the summary so far and the load values before the current stage.
struct March {
    summary: QuasiStaticSummary,
    before: Vec<Value>,
}

/// Step 1: the laws, and the law of every cell (first `[[material]]` naming its region, else "all").
/// The laws of a scenario and the law of each cell.
type CellLaws = (Vec<Box<dyn Law>>, Vec<usize>);

fn cell_laws(scenario: &Scenario, mesh: &Mesh) -> Result<CellLaws, EntryError> {
    let s = scenario.units.stress();
    let laws = scenario
        .materials
        .iter()
        .enumerate()
        .map(|(i, m)| m.law(s).map_err(|e| (format!("material[{}] (region {})", i + 1, m.region), e)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((laws, material_of_cells(scenario, mesh)?))
}

/// Step 1: the fibre frame, from `[fibers]`, else the mesh's `fiber` cell field when an
/// anisotropic law needs one; `None` when every law is isotropic and no `[fibers]` is given.
fn cell_fibres(scenario: &Scenario, mesh: &Mesh, laws: &[Box<dyn Law>]) -> Result<Option<Fibres>, EntryError> {
    let entry = || "fibers".to_string();
    let needs = laws.iter().any(|l| l.anisotropic());
    let fib = |r: Result<Fibres, fibres::FibreError>| r.map(Some).map_err(|e| (entry(), e.to_string()));
    match &scenario.fibres {
        Some(FibreSpec { field: Some(f), rule_based: None, sheet_field, direction: None }) => {
            fib(fibres::from_fields(mesh, f, sheet_field.as_deref()))
        }
        Some(FibreSpec { field: None, rule_based: None, sheet_field: None, direction: Some(d) }) => {
            fib(fibres::uniform(mesh, *d))
        }
        Some(FibreSpec { field: None, rule_based: Some(r), sheet_field: None, direction: None }) => {
            let p = RuleBasedParams {
                alpha_endo: r.alpha_endo,
                alpha_epi: r.alpha_epi,
                beta_endo: r.beta_endo,
                beta_epi: r.beta_epi,
            };
            fib(fibres::rule_based(mesh, &p))
        }
        Some(_) => Err((
            entry(),
            "give one of field = \"name\" (with an optional sheet_field), direction = [x, y, z] or a \
             [fibers.rule_based] table"
                .into(),
        )),
        None if needs && mesh.cell_fields().iter().any(|f| f.name == "fiber") => {
            fib(fibres::from_fields(mesh, "fiber", None))
        }
        None if needs => Err((
            entry(),
            "an anisotropic material needs fibres: add [fibers] field = \"<mesh field>\" or a [fibers.rule_based] table"
                .into(),
        )),
        None => Ok(None),
    }
}

/// Step 3: every load as a [`LoadTerm`].
fn load_terms(
    scenario: &Scenario,
    mesh: &Mesh,
    mesh_si: &Mesh,
    dofs: &DofMap,
    boundary: &[CellFace],
) -> Result<Vec<LoadTerm>, EntryError> {
    let unit = |k: usize| std::array::from_fn::<f64, 3, _>(|i| if i == k { 1.0 } else { 0.0 });
    let mut terms = Vec::new();
    for (i, ld) in scenario.loads.iter().enumerate() {
        let entry = format!("load[{}] '{}'", i + 1, scenario.load_name(i));
        let err = |m: String| (entry.clone(), m);
        if matches!(ld.kind, LoadKind::Body | LoadKind::ActiveTension) {
            let cells = region_cells(mesh, ld.region.as_ref()).map_err(err)?;
            if ld.kind == LoadKind::ActiveTension {
                terms.push(LoadTerm::Active(cells));
                continue;
            }
            let basis = (0..3)
                .map(|k| {
                    let mut f = vec![0.0; dofs.len()];
                    load::add_body_load(mesh_si, dofs, &cells, |_| unit(k), &mut f);
                    f
                })
                .collect();
            terms.push(LoadTerm::Dead(basis));
            continue;
        }
        let sel = resolve(mesh, dofs, boundary, &ld.target()).map_err(err)?;
        let surface_load = matches!(ld.kind, LoadKind::Traction | LoadKind::Pressure);
        if surface_load && sel.faces.is_empty() {
            return Err(err("this load acts on a surface, but its target selects no boundary face".into()));
        }
        if ld.follower {
            if let Some(f) = sel.faces.iter().find(|f| boundary.binary_search(f).is_err()) {
                return Err(err(format!(
                    "a follower pressure needs a boundary surface, but face {} of cell {} lies inside the mesh",
                    f.face,
                    mesh.cell_ids()[f.cell]
                )));
            }
            terms.push(LoadTerm::Follower(sel.faces));
            continue;
        }
        let basis = match ld.kind {
            LoadKind::Pressure => {
                let mut f = vec![0.0; dofs.len()];
                load::add_surface_load(mesh_si, dofs, &sel.faces, |_, n| (-n).into(), &mut f);
                vec![f]
            }
            LoadKind::Traction => (0..3)
                .map(|k| {
                    let mut f = vec![0.0; dofs.len()];
                    load::add_surface_load(mesh_si, dofs, &sel.faces, |_, _| unit(k), &mut f);
                    f
                })
                .collect(),
            LoadKind::Force if !sel.faces.is_empty() => {
                let area = load::faces_area(mesh_si, &sel.faces);
                (0..3)
                    .map(|k| {
                        let mut f = vec![0.0; dofs.len()];
                        let t = unit(k).map(|c| c / area);
                        load::add_surface_load(mesh_si, dofs, &sel.faces, |_, _| t, &mut f);
                        f
                    })
                    .collect()
            }
            _ => {
                let per = if ld.kind == LoadKind::Force { 1.0 / sel.nodes.len() as f64 } else { 1.0 };
                (0..3)
                    .map(|k| {
                        let mut f = vec![0.0; dofs.len()];
                        load::add_nodal_load(dofs, &sel.nodes, unit(k).map(|c| c * per), &mut f);
                        f
                    })
                    .collect()
            }
        };
        terms.push(LoadTerm::Dead(basis));
    }
    Ok(terms)
}

/// Adds a failed attempt's work to the report of the solve that followed it.
fn add_failed(report: &mut NewtonReport, failed: &NewtonReport) {
    report.iterations += failed.iterations;
    report.linear_iterations += failed.linear_iterations;
    report.assembly_seconds += failed.assembly_seconds;
    report.solve_seconds += failed.solve_seconds;
}

/// Step 4: the cavities, each with the pressure load acting on its surface.
fn resolve_cavities(scenario: &Scenario, mesh_si: &Mesh) -> Result<Vec<(String, Cavity, Option<usize>)>, EntryError> {
    scenario
        .cavities
        .iter()
        .enumerate()
        .map(|(k, c)| {
            let entry = format!("cavity[{}] '{}'", k + 1, c.name);
            let surface = mesh_si.surface(&c.surface).ok_or_else(|| {
                let names: Vec<&str> = mesh_si.surfaces().iter().map(|s| s.name.as_str()).collect();
                (
                    entry.clone(),
                    format!("the mesh has no surface named '{}' (surfaces: {})", c.surface, names.join(", ")),
                )
            })?;
            let cavity = Cavity::new(mesh_si, &surface.faces).map_err(|m| (entry.clone(), m))?;
            let load = match &c.pressure_load {
                Some(name) => (0..scenario.loads.len()).find(|&i| &scenario.load_name(i) == name),
                None => scenario
                    .loads
                    .iter()
                    .position(|l| l.kind == LoadKind::Pressure && l.surface.as_deref() == Some(c.surface.as_str())),
            };
            Ok((c.name.clone(), cavity, load))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A step's warnings: a linear solve above rtol, damped tangents, both, or neither.
    #[test]
    fn step_warnings_name_the_step_and_the_cause() {
        let report = |floor_residual: f64, damped| NewtonReport {
            floor_solves: usize::from(floor_residual > 0.0),
            floor_residual,
            damped,
            ..NewtonReport::default()
        };
        assert!(step_warnings(1, "filling", &report(0.0, 0), 1e-8).is_empty());
        // A linear residual above solver.rtol that met a looser forcing term is by design.
        let forced = NewtonReport { linear_residual: 1e-3, forcing: 1e-2, ..NewtonReport::default() };
        assert!(step_warnings(1, "filling", &forced, 1e-8).is_empty());
        let w = step_warnings(3, "filling", &report(2.5e-8, 0), 1e-8);
        assert_eq!(w.len(), 1);
        assert!(w[0].starts_with("step 3 (filling): 1 linear solve(s)") && w[0].contains("2.50e-8"), "{w:?}");
        let w = step_warnings(7, "contraction", &report(0.0, 2), 1e-8);
        assert_eq!(w.len(), 1);
        assert!(w[0].starts_with("step 7 (contraction): 2 Newton iteration(s)") && w[0].contains("damped"), "{w:?}");
        assert_eq!(step_warnings(2, "s", &report(1e-6, 1), 1e-8).len(), 2);
    }
}
