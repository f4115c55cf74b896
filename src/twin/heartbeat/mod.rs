//! A whole heartbeat: the finite-strain ventricle driven by a time-varying active tension and
//! coupled to a lumped circulation, in numbered steps:
//!
//! 1. resolve the scenario as a quasi-static one ([`QuasiStatic`]): mesh, laws, fibres,
//!    supports, follower pressure, active tension; then the heartbeat's own parts: the cavity
//!    (the first `[[cavity]]`, whose pressure load must be a follower pressure), the active
//!    tension load the twitch drives ([`twitch`]), and the circulation ([`circulation`]);
//! 2. **preload**: ramp the cavity pressure from 0 to the atrial pressure in
//!    `preload_increments` quasi-static increments (no tension): the end-diastolic state;
//! 3. **time steps** of `dt` over `beats` periods. Each step sets `T_a(t)` and solves the
//!    mechanics with the cavity pressure `p` as an extra unknown and the phase's linear relation
//!    between `p` and the cavity volume `V` as the extra equation (filling: atrial pressure through
//!    the mitral resistance; isovolumetric: `V` fixed; ejection: the Windkessel), by the
//!    bordered Newton of [`crate::solve::bordered`]: the linear solver sees the symmetric
//!    mechanics tangent only, with one extra right-hand side per iteration. The exact derivative
//!    of the cone-closed cavity volume is the follower-pressure load vector per pascal when the
//!    rim is fixed (the LV base); with a moving rim it is a close approximation that costs
//!    Newton its quadratic rate, not its answer (the constraint itself is the measured volume).
//!    Incompressible laws keep their Uzawa updates around each Newton solve;
//! 4. after each step, the **valves** are checked against the result; when one opens or closes,
//!    the step is solved again in the new phase. A step that fails is split in halves (at most
//!    `max_cutbacks` times), each half its own circulation step;
//! 5. per beat: EDV, ESV, stroke volume, EF, EDP, peak pressure, stroke work `∮ p dV`, the valve
//!    events, the gap of the loop, the volume drift of the isovolumetric phases and the change
//!    from the previous beat ([`summary`]). A beat whose valves never open (a loop that
//!    degenerates) fails the run with what was reached.

pub mod circulation;
pub mod spec;
pub mod summary;
pub mod twitch;

mod cavity_system;

use std::time::Instant;

use circulation::{Circulation, Constraint, Phase, State};
use spec::HeartbeatSpec;
use summary::{beat_figures, BeatSummary, CirculationSummary, HeartbeatSummary, PvSample};
use twitch::Twitch;

use super::calibrate::{CalibrateReport, MMHG};
use super::mechanics::{LoadTerm, Mechanics};
use super::quasi_static::QuasiStatic;
use super::scenario::{LoadKind, Scenario};
use super::summary::UnitsSummary;
use super::ScenarioError;
use crate::mesh::{CellFace, Field, Mesh};
use crate::progress::Progress;
use crate::solve::bordered::newton_bordered;
use crate::solve::newton::{NewtonError, NewtonParams};
use crate::solve::Backend;

/// A resolved heartbeat scenario, ready to run.
#[derive(Debug)]
pub struct Heartbeat {
    analysis: QuasiStatic,
    spec: HeartbeatSpec,
    twitch: Twitch,
    circulation: Circulation,
    /// Index of the cavity in the analysis, of its pressure load, and of the tension load.
    cavity: usize,
    pressure_load: usize,
    tension_load: usize,
    faces: Vec<CellFace>,
    /// The cavity's reference volume (m³).
    reference_volume: f64,
    /// Whether the rim of the cavity's surface moves (then the volume gradient is approximate).
    rim_moves: bool,
    calibration: Option<CalibrateReport>,
}

/// One converged step, for its VTU.
#[derive(Debug, Clone)]
pub struct BeatStep<'a> {
    /// Its PV point.
    pub sample: &'a PvSample,
    /// Point data.
    pub point_fields: Vec<Field>,
    /// Cell data.
    pub cell_fields: Vec<Field>,
}

/// Receives the steps to write (every `output_every`-th).
pub type Observer<'o> = dyn FnMut(&BeatStep<'_>) -> Result<(), ScenarioError> + 'o;

/// The end of a run: the summary and, for a run that stopped early, why.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// `summary.json`.
    pub summary: HeartbeatSummary,
    /// Why the run stopped before the end.
    pub failure: Option<String>,
}

/// The mechanical state carried between steps.
#[derive(Debug, Clone)]
struct Mechanical {
    x: Vec<f64>,
    pressure: f64,
    multipliers: Vec<f64>,
}

impl Heartbeat {
    /// Step 1. `mesh` is in the scenario's length unit.
    pub fn build(scenario: Scenario, mesh: Mesh, source: &str) -> Result<Heartbeat, ScenarioError> {
        let invalid = |entry: &str, message: String| ScenarioError::Invalid {
            source_name: source.into(),
            entry: entry.into(),
            message,
        };
        let spec = scenario.heartbeat.clone().ok_or_else(|| {
            invalid(
                "analysis",
                "kind = \"heartbeat\" needs a [heartbeat] table (period, dt, twitch, circulation)".into(),
            )
        })?;
        let twitch = spec.twitch.twitch().map_err(|m| invalid("heartbeat.twitch", m))?;
        let circulation = spec.circulation.si(spec.pressure_unit);
        let tension_load = tension_load(&scenario, &spec).map_err(|m| invalid("heartbeat.tension_load", m))?;
        if spec.calibrate && scenario.patient.is_none() {
            return Err(invalid(
                "heartbeat.calibrate",
                "calibrate = true needs a [patient] table (edv_ml, edp, edp_unit)".into(),
            ));
        }
        let analysis = QuasiStatic::build(scenario, mesh, source)?;
        let (cavity, pressure_load) = match analysis.cavities().first() {
            Some((_, _, Some(load))) => (0, *load),
            Some((name, _, None)) => {
                return Err(invalid(
                    "cavity[1]",
                    format!("the cavity '{name}' has no pressure load: add a follower pressure on its surface"),
                ))
            }
            None => {
                return Err(invalid("cavity", "a heartbeat needs a [[cavity]] (the ventricle's endocardium)".into()))
            }
        };
        let (cavity_surface, load_surface) = (
            analysis.scenario().cavities[cavity].surface.as_str(),
            analysis.scenario().loads[pressure_load].surface.as_deref().unwrap_or("(none)"),
        );
        if cavity_surface != load_surface {
            return Err(invalid(
                "cavity[1].pressure_load",
                format!(
                    "the cavity's pressure load '{}' acts on the surface '{load_surface}', not on the cavity's \
                     surface '{cavity_surface}': the cavity pressure must load the surface whose volume it sets",
                    analysis.scenario().load_name(pressure_load)
                ),
            ));
        }
        let faces = match &analysis.terms()[pressure_load] {
            LoadTerm::Follower(faces) => faces.clone(),
            _ => {
                return Err(invalid(
                    &format!("load[{}]", pressure_load + 1),
                    "the cavity's pressure load must be a follower pressure (follower = true) for a heartbeat".into(),
                ))
            }
        };
        let rim_moves =
            crate::fem::pressure::rim_moves(analysis.mesh_si(), analysis.assembler(), &faces, analysis.mask());
        let zero = vec![[0.0; 3]; analysis.mesh_si().nodes().len()];
        let reference_volume = analysis.cavities()[cavity].1.volume(analysis.mesh_si(), &zero);
        if reference_volume.is_nan() || reference_volume <= 0.0 {
            return Err(invalid(
                "cavity[1]",
                format!("the cavity's volume is {reference_volume:e} m³: check the surface's orientation"),
            ));
        }
        Ok(Heartbeat {
            analysis,
            spec,
            twitch,
            circulation,
            cavity,
            pressure_load,
            tension_load,
            faces,
            reference_volume,
            rim_moves,
            calibration: None,
        })
    }

    /// The underlying finite-strain analysis.
    pub fn analysis(&self) -> &QuasiStatic {
        &self.analysis
    }

    /// The `[heartbeat]` table.
    pub fn spec(&self) -> &HeartbeatSpec {
        &self.spec
    }

    /// Takes a calibration's materials (`calibrate = true`) and keeps its report for the summary.
    pub fn calibrated(&mut self, report: CalibrateReport) -> Result<(), ScenarioError> {
        self.analysis.set_materials(report.materials.clone())?;
        self.calibration = Some(report);
        Ok(())
    }

    /// Fits the passive stiffness to the scenario's `[patient]` on this heartbeat's analysis
    /// ([`calibrate`](super::calibrate::calibrate)) and takes the result ([`Heartbeat::calibrated`]).
    pub fn calibrate(
        &mut self,
        backend: &Backend,
        progress: &dyn Progress,
    ) -> Result<&CalibrateReport, super::calibrate::CalibrateError> {
        let a = &self.analysis;
        let report = super::calibrate::calibrate(a.scenario(), a.mesh(), a.source(), backend, progress)?;
        self.calibrated(report)?;
        Ok(self.calibration.as_ref().expect("set by calibrated"))
    }

    /// Steps 2–5 on `backend`.
    pub fn run(
        &self,
        backend: &Backend,
        progress: &dyn Progress,
        observer: &mut Observer<'_>,
    ) -> Result<Outcome, ScenarioError> {
        let start = Instant::now();
        let direct_before = self.analysis.direct_stats();
        let params = self.analysis.newton_params(backend);
        let parts = self.analysis.parts();
        let mut mech = self.analysis.mechanics(&parts);
        let mut tangent = self.analysis.assembler().zero_matrix();
        let n = self.analysis.assembler().dofs().len();
        let mut state = Mechanical { x: vec![0.0; n], pressure: 0.0, multipliers: vec![0.0; mech.pressure.len()] };
        let mut summary = self.empty_summary(backend, &params);
        let steps = self.spec.beats * self.spec.steps_per_beat();
        let mut run = Run {
            mech: &mut mech,
            tangent: &mut tangent,
            params: &params,
            backend,
            progress,
            totals: Default::default(),
            step: 0,
        };
        // 2. Preload.
        progress.stage("preload", Some(self.spec.preload_increments as u64));
        let p_at = self.circulation.atrial_pressure;
        let mut failure = None;
        for k in 1..=self.spec.preload_increments {
            let f = k as f64 / self.spec.preload_increments as f64;
            let constraint = Constraint { gamma_p: 1.0, gamma_v: 0.0, rhs: f * p_at };
            match self.solve(&mut run, &mut state, constraint, 0.0, f) {
                Ok(_) => progress.advance(k as u64, &format!("{:.2} mmHg", f * p_at / MMHG)),
                Err(e) => {
                    failure = Some(format!(
                        "{}: the preload increment {k} of {} (to {:.3} mmHg) failed: {e}",
                        self.analysis.source(),
                        self.spec.preload_increments,
                        f * p_at / MMHG
                    ));
                    break;
                }
            }
        }
        progress.finish();
        let volume = self.volume(&run, &state.x);
        let mut circ = State {
            phase: Phase::Filling,
            compliance_pressure: self.spec.circulation.arterial_pressure * self.spec.pressure_unit.mmhg() * MMHG,
            closed_volume: volume,
            volume,
            pressure: state.pressure,
        };
        if failure.is_none() {
            let sample = self.sample(&run, &state, &circ, (0, 0, 0.0), (0, 0.0));
            self.observe(&run, &state, &sample, observer, true)?;
            summary.samples.push(sample);
        }
        // 3–4. Time steps.
        let beating = failure.is_none();
        if beating {
            progress.stage("heartbeat", Some(steps as u64));
        }
        for step in 1..=steps {
            if failure.is_some() {
                break;
            }
            let t0 = Instant::now();
            let time = step as f64 * self.spec.dt;
            let beat = (step - 1) / self.spec.steps_per_beat() + 1;
            run.step = step;
            match self.time_step(&mut run, &mut state, &mut circ, time - self.spec.dt, self.spec.dt, 0) {
                Ok((iterations, cutbacks)) => {
                    if cutbacks > 0 {
                        summary.warnings.push(format!("step {step} (t = {time:.4} s) was cut back {cutbacks} times"));
                    }
                    let sample =
                        self.sample(&run, &state, &circ, (step, beat, time), (iterations, t0.elapsed().as_secs_f64()));
                    let every = self.spec.output_every;
                    self.observe(&run, &state, &sample, observer, every > 0 && step % every == 0)?;
                    summary.samples.push(sample);
                    progress.advance(step as u64, &format!("beat {beat}, t = {time:.3} s, {}", circ.phase.name()));
                }
                Err(e) => {
                    failure = Some(format!(
                        "{}: time step {step} (beat {beat}, t = {:.4} to {time:.4} s, phase {}) failed: {e}; the {} \
                         converged steps are kept. Try a smaller dt, or check the twitch and the circulation",
                        self.analysis.source(),
                        time - self.spec.dt,
                        circ.phase.name(),
                        step - 1
                    ));
                }
            }
            if step % self.spec.steps_per_beat() == 0 && failure.is_none() {
                if let Err(why) = self.close_beat(&mut summary, beat) {
                    failure = Some(format!("{}: {why}", self.analysis.source()));
                }
            }
        }
        if beating {
            progress.finish();
        }
        self.finish_summary(&mut summary, &run, failure.clone(), start);
        if let (Backend::Cpu, crate::solve::Method::Direct) = (backend, params.linear.method) {
            summary.solver.direct = Some(self.analysis.direct_stats().since(&direct_before));
        }
        self.analysis.release_factor();
        Ok(Outcome { summary, failure })
    }

    /// A time step from `t` of length `dt`, with its valve changes; on failure, two half steps
    /// (at most `max_cutbacks` deep). Returns the Newton iterations and the cut-backs.
    fn time_step(
        &self,
        run: &mut Run<'_, '_>,
        state: &mut Mechanical,
        circ: &mut State,
        t: f64,
        dt: f64,
        depth: usize,
    ) -> Result<(usize, usize), String> {
        let tension = self.twitch.tension(t + dt, self.spec.period) * self.analysis.scenario().units.stress();
        let saved = (state.clone(), *circ);
        match self.phased_step(run, state, circ, tension, dt) {
            Ok(iterations) => Ok((iterations, 0)),
            Err(e) if depth >= self.analysis.scenario().analysis.max_cutbacks => {
                Err(format!("{e} (after {depth} halvings of the time step, to {dt:.2e} s)"))
            }
            Err(_) => {
                (*state, *circ) = saved;
                let (a, ca) = self.time_step(run, state, circ, t, 0.5 * dt, depth + 1)?;
                let (b, cb) = self.time_step(run, state, circ, t + 0.5 * dt, 0.5 * dt, depth + 1)?;
                Ok((a + b, ca + cb + 1))
            }
        }
    }

    /// Solves a step in the state's phase and, while the valves call for the next phase, again
    /// in that one (at most the four phases).
    fn phased_step(
        &self,
        run: &mut Run<'_, '_>,
        state: &mut Mechanical,
        circ: &mut State,
        tension: f64,
        dt: f64,
    ) -> Result<usize, String> {
        let saved = state.clone();
        let mut phase = circ.phase;
        let mut iterations = 0;
        let flow_tol = 1e-6 * self.reference_volume / dt;
        for _ in 0..4 {
            let constraint = self.circulation.constraint(circ, phase, dt);
            let solved = self.solve(run, state, constraint, tension, 1.0);
            iterations += solved.map_err(|e| e.to_string())?;
            let v = self.volume(run, &state.x);
            match self.circulation.transition(circ, phase, state.pressure, v, dt, flow_tol) {
                Some(next) => {
                    *state = saved.clone();
                    phase = next;
                }
                None => {
                    *circ = self.circulation.after(circ, phase, state.pressure, v, dt);
                    return Ok(iterations);
                }
            }
        }
        Err("the valves did not settle on a phase within the step".into())
    }

    /// Solves the mechanics with the cavity relation `constraint` at tension `tension` (Pa) and
    /// support fraction `fraction`; returns the Newton iterations.
    fn solve(
        &self,
        run: &mut Run<'_, '_>,
        state: &mut Mechanical,
        constraint: Constraint,
        tension: f64,
        fraction: f64,
    ) -> Result<usize, NewtonError> {
        let mut levels = self.analysis.full_levels();
        levels[self.pressure_load] = vec![state.pressure];
        levels[self.tension_load] = vec![tension];
        run.mech.set_levels(levels);
        let (dofs, values) = self.analysis.prescribed();
        for (&d, &v) in dofs.iter().zip(values) {
            state.x[d] = fraction * v;
        }
        run.mech.pressure.copy_from_slice(&state.multipliers);
        let p_ref = self.circulation.atrial_pressure;
        // The isovolumetric relation is V = V_closed: its tolerance is relative to V_closed, the
        // drift `beat_figures` reports; the others mix pressure and volume at their scales.
        let volume_scale = if constraint.gamma_p == 0.0 { constraint.rhs } else { self.reference_volume };
        let g_tol = self.spec.volume_tolerance * (constraint.gamma_p * p_ref + constraint.gamma_v * volume_scale);
        let cavity = &self.analysis.cavities()[self.cavity].1;
        let mut pressure = state.pressure;
        let mut x = state.x.clone();
        let (params, backend, progress, tangent) = (run.params, run.backend, run.progress, &mut *run.tangent);
        progress.stage("Newton", None);
        let solved = self.analysis.equilibrium_with(run.mech, &mut x, params, &mut |mech, x, reuse, params| {
            let mut system =
                cavity_system::CavitySystem::new(mech, &self.faces, cavity, self.pressure_load, constraint);
            newton_bordered(&mut system, (x, &mut pressure), tangent, (params, g_tol, backend), progress, reuse)
        });
        progress.finish();
        let report = match solved {
            Ok(r) => r,
            Err(e) => {
                run.totals.add(&e.report());
                return Err(e);
            }
        };
        run.totals.add(&report);
        run.totals.note(run.step, &report);
        state.x = x;
        state.pressure = pressure;
        state.multipliers.copy_from_slice(&run.mech.pressure);
        Ok(report.iterations)
    }

    /// The cavity volume (m³) at `x`.
    fn volume(&self, run: &Run<'_, '_>, x: &[f64]) -> f64 {
        let u = run.mech.assembler.dofs().to_nodes(x);
        self.analysis.cavities()[self.cavity].1.volume(self.analysis.mesh_si(), &u)
    }

    fn sample(
        &self,
        run: &Run<'_, '_>,
        state: &Mechanical,
        circ: &State,
        (step, beat, time): (usize, usize, f64),
        (iterations, seconds): (usize, f64),
    ) -> PvSample {
        let ml = 1e6;
        let stats = run.mech.last;
        PvSample {
            step,
            beat,
            time,
            phase: circ.phase,
            pressure_mmhg: state.pressure / MMHG,
            volume_ml: circ.volume * ml,
            outflow_ml_s: 0.0,
            // With the aortic valve open the cavity pressure is the aortic one (p_c + R_c Q).
            aortic_pressure_mmhg: if circ.phase == Phase::Ejection { state.pressure } else { circ.compliance_pressure }
                / MMHG,
            active_tension: run.mech.active.iter().copied().fold(0.0, f64::max)
                / self.analysis.scenario().units.stress(),
            newton_iterations: iterations,
            min_j: stats.map_or(1.0, |s| s.min_j),
            seconds,
        }
    }

    fn observe(
        &self,
        run: &Run<'_, '_>,
        state: &Mechanical,
        sample: &PvSample,
        observer: &mut Observer<'_>,
        write: bool,
    ) -> Result<(), ScenarioError> {
        if !write {
            return Ok(());
        }
        let (point_fields, cell_fields) = self.analysis.fields(run.mech, &state.x)?;
        observer(&BeatStep { sample, point_fields, cell_fields })
    }

    /// Step 5 for beat `beat`: its figures, or why the loop degenerated.
    fn close_beat(&self, summary: &mut HeartbeatSummary, beat: usize) -> Result<(), String> {
        let previous = summary.beats.last();
        let figures =
            beat_figures(&summary.samples, beat, self.spec.period, previous).ok_or("the beat has no steps")?;
        let last = summary.samples.iter().rev().find(|s| s.beat == beat);
        let opened = figures.valve_events.iter().any(|(e, _)| e == "aortic opens");
        if !opened {
            let peak = figures.peak_pressure_mmhg;
            let arterial = last.map_or(f64::NAN, |s| s.aortic_pressure_mmhg);
            return Err(format!(
                "beat {beat}: the aortic valve never opened: the peak cavity pressure {peak:.1} mmHg stayed below the \
                 arterial pressure ({arterial:.1} mmHg at the end of the beat); raise the twitch's peak tension or \
                 lower circulation.arterial_pressure"
            ));
        }
        if !figures.valve_events.iter().any(|(e, _)| e == "mitral opens") {
            let cavity = last.map_or(f64::NAN, |s| s.pressure_mmhg);
            let atrial = self.circulation.atrial_pressure / MMHG;
            return Err(format!(
                "beat {beat}: the mitral valve did not reopen before the beat ended (the cavity pressure {cavity:.1} \
                 mmHg at the end of the beat stayed above the atrial pressure {atrial:.1} mmHg): lengthen the period, \
                 shorten the twitch's relaxation, or lower the peripheral resistance"
            ));
        }
        summary.beats.push(figures);
        Ok(())
    }

    fn empty_summary(&self, backend: &Backend, params: &NewtonParams) -> HeartbeatSummary {
        let units = self.analysis.scenario().units;
        let (length, stress, force, energy) = units.names();
        let c = &self.spec.circulation;
        let parts = self.analysis.summary_parts(backend, params);
        let unit = match self.spec.pressure_unit {
            super::calibrate::PressureUnit::MmHg => "mmHg",
            super::calibrate::PressureUnit::KPa => "kPa",
        };
        HeartbeatSummary {
            scenario: self.analysis.scenario().name.clone(),
            analysis: "heartbeat".into(),
            status: "running".into(),
            message: None,
            units: UnitsSummary { length, stress, force, energy },
            mesh: parts.mesh,
            materials: parts.materials,
            formulation: parts.formulation,
            coupling:
                "cavity pressure as an unknown with the phase's pressure-volume relation, bordered Newton (Schur \
                       complement on the pressure: two solves with the symmetric tangent per iteration); 3-element \
                       Windkessel by the exponential integrator; ideal valves"
                    .into(),
            calibration: self.calibration.clone(),
            circulation: CirculationSummary {
                pressure_unit: unit.into(),
                atrial_pressure: c.atrial_pressure,
                mitral_resistance: c.mitral_resistance,
                characteristic_resistance: c.characteristic_resistance,
                peripheral_resistance: c.peripheral_resistance,
                compliance: c.compliance,
                arterial_pressure: c.arterial_pressure,
            },
            period: self.spec.period,
            dt: self.spec.dt,
            volume_tolerance: self.spec.volume_tolerance,
            planned_beats: self.spec.beats,
            beats: Vec::new(),
            samples: Vec::new(),
            solver: parts.solver,
            warnings: if self.rim_moves {
                vec!["the rim of the cavity's surface moves (the base is not fixed): Newton uses the follower \
                      load as the volume gradient, which then misses the rim's share; it converges more slowly, to \
                      the same answer"
                    .into()]
            } else {
                Vec::new()
            },
            seconds: 0.0,
        }
    }

    fn finish_summary(
        &self,
        summary: &mut HeartbeatSummary,
        run: &Run<'_, '_>,
        failure: Option<String>,
        start: Instant,
    ) {
        summary.solver.newton_iterations = run.totals.iterations;
        summary.solver.linear_iterations = run.totals.linear_iterations;
        summary.solver.assembly_seconds = run.totals.assembly_seconds;
        summary.solver.solve_seconds = run.totals.solve_seconds;
        summary.warnings.extend(run.totals.warnings(run.params.linear.rtol));
        // Each Newton solve holds the closed volume to the tolerance; a beat whose figures say
        // otherwise is not passed off as fine (the report marks it CHECK too).
        let tol = self.spec.volume_tolerance;
        for b in summary.beats.iter().filter(|b| !b.holds_volume(tol)) {
            summary.warnings.push(format!(
                "beat {}: the volume drifted by {:.2e} (relative) while the valves were closed, above volume_tolerance \
                 {tol:e}",
                b.beat, b.isovolumetric_drift
            ));
        }
        summary.solver.tangent = run.totals.tangent_note(&summary.solver.tangent);
        // Outflow of each step from the volumes.
        for k in 1..summary.samples.len() {
            let (a, b) = (summary.samples[k - 1], summary.samples[k]);
            let dt = b.time - a.time;
            if dt > 0.0 {
                summary.samples[k].outflow_ml_s = (a.volume_ml - b.volume_ml) / dt;
            }
        }
        if let Some(last) = summary.beats.last() {
            if let Some(change) = last.change_from_previous_pct.filter(|c| *c > 1.0) {
                summary.warnings.push(format!(
                    "the loop is not yet periodic: beat {} differs from the one before by {change:.2} % (EDV, ESV or \
                     peak pressure); run more beats",
                    last.beat
                ));
            }
        }
        summary.status = if failure.is_some() { "failed" } else { "completed" }.into();
        summary.message = failure;
        summary.seconds = start.elapsed().as_secs_f64();
    }
}

/// The solver state of a run.
struct Run<'m, 'a> {
    mech: &'m mut Mechanics<'a>,
    tangent: &'m mut nalgebra_sparse::CsrMatrix<f64>,
    params: &'m NewtonParams,
    backend: &'m Backend,
    progress: &'m dyn Progress,
    totals: Totals,
    /// The time step being solved (0: the preload).
    step: usize,
}

/// Solver figures summed over the run (failed attempts included).
#[derive(Debug, Default)]
struct Totals {
    iterations: usize,
    linear_iterations: usize,
    assembly_seconds: f64,
    solve_seconds: f64,
    /// Newton iterations of converged solves whose tangent was not positive definite (damped),
    /// and their steps.
    damped: usize,
    damped_steps: Vec<usize>,
    /// Steps whose converged Newton had a linear solve end above the linear rtol, and the worst.
    loose_steps: Vec<usize>,
    worst_linear: f64,
}

impl Totals {
    /// Records what a converged solve of `step` leaves for the warnings.
    fn note(&mut self, step: usize, r: &crate::solve::newton::NewtonReport) {
        self.damped += r.damped;
        if r.damped > 0 && self.damped_steps.last() != Some(&step) {
            self.damped_steps.push(step);
        }
        if r.floor_solves > 0 {
            if self.loose_steps.last() != Some(&step) {
                self.loose_steps.push(step);
            }
            self.worst_linear = self.worst_linear.max(r.floor_residual);
        }
    }

    /// The warnings of [`Totals::note`]'s records (steps 0 = the preload).
    fn warnings(&self, rtol: f64) -> Vec<String> {
        let mut out = Vec::new();
        if !self.loose_steps.is_empty() {
            out.push(format!(
                "steps {} (0: the preload): a linear solve ended above the tolerance asked (solver.rtol {rtol:e}, or \
                 the inexact-Newton forcing term; worst {:.2e}), accepted as the attainable accuracy of that tangent; \
                 Newton's own residual test still passed",
                step_list(&self.loose_steps),
                self.worst_linear
            ));
        }
        out
    }

    fn add(&mut self, r: &crate::solve::newton::NewtonReport) {
        self.iterations += r.iterations;
        self.linear_iterations += r.linear_iterations;
        self.assembly_seconds += r.assembly_seconds;
        self.solve_seconds += r.solve_seconds;
    }

    /// The tangent's note with the damped iterations, if any. Not a warning: with the cavity
    /// relation held by the border, the pressure-controlled `K` may be indefinite (a ventricle
    /// at a held volume is stable where one at a held pressure need not be); damping changes
    /// Newton's path, not the converged answer.
    fn tangent_note(&self, tangent: &str) -> String {
        if self.damped == 0 {
            return tangent.into();
        }
        format!(
            "{tangent}; {} Newton iteration(s), in steps {} (0: the preload), met a pressure-controlled tangent that \
             is not positive definite and damped it (K + sigma diag K) for the search direction only",
            self.damped,
            step_list(&self.damped_steps)
        )
    }
}

/// Up to 12 step numbers, then how many more.
fn step_list(steps: &[usize]) -> String {
    let shown: Vec<String> = steps.iter().take(12).map(|s| s.to_string()).collect();
    let more = if steps.len() > 12 { format!(" and {} more", steps.len() - 12) } else { String::new() };
    format!("{}{more}", shown.join(", "))
}

/// The active-tension load the twitch drives: the named one, else the only one.
fn tension_load(scenario: &Scenario, spec: &HeartbeatSpec) -> Result<usize, String> {
    let active: Vec<usize> =
        (0..scenario.loads.len()).filter(|&i| scenario.loads[i].kind == LoadKind::ActiveTension).collect();
    match &spec.tension_load {
        Some(name) => active
            .iter()
            .copied()
            .find(|&i| &scenario.load_name(i) == name)
            .ok_or_else(|| format!("no active_tension load is named '{name}'")),
        None if active.len() == 1 => Ok(active[0]),
        None if active.is_empty() => {
            Err("a heartbeat needs a load of kind = \"active_tension\" for the twitch to drive".into())
        }
        None => Err("several active_tension loads: name the twitch's one with tension_load".into()),
    }
}

/// For tests and the CLI: the beat summaries' headline, one line per beat.
pub fn beat_line(b: &BeatSummary) -> String {
    format!(
        "beat {}: EDV {:.3} mL, ESV {:.3} mL, SV {:.3} mL, EF {:.1} %, peak {:.1} mmHg, stroke work {:.2} mmHg·mL",
        b.beat,
        b.edv_ml,
        b.esv_ml,
        b.stroke_volume_ml,
        b.ejection_fraction_pct,
        b.peak_pressure_mmhg,
        b.stroke_work_mmhg_ml
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solve::newton::NewtonReport;

    /// Loose linear solves are warned once per step, naming the steps; damped tangents go to the
    /// tangent's note.
    #[test]
    fn totals_name_damped_and_loose_steps_by_number() {
        let report = |floor_residual: f64, damped| NewtonReport {
            linear_residual: floor_residual.max(1e-12),
            floor_solves: usize::from(floor_residual > 0.0),
            floor_residual,
            damped,
            ..NewtonReport::default()
        };
        let mut t = Totals::default();
        t.note(0, &report(0.0, 0));
        // Above solver.rtol but within the forcing term asked: by design, no warning.
        t.note(1, &NewtonReport { linear_residual: 1e-3, forcing: 1e-2, ..NewtonReport::default() });
        assert!(t.warnings(1e-8).is_empty());
        assert_eq!(t.tangent_note("exact"), "exact");
        t.note(3, &report(0.0, 2));
        t.note(3, &report(0.0, 1));
        t.note(5, &report(3e-7, 0));
        t.note(6, &report(2e-8, 1));
        let w = t.warnings(1e-8);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].starts_with("steps 5, 6 ") && w[0].contains("worst 3.00e-7"), "{w:?}");
        let note = t.tangent_note("exact");
        assert!(note.starts_with("exact; 4 Newton iteration(s), in steps 3, 6 "), "{note}");
    }
}
