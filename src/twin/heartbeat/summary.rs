//! `summary.json` of a heartbeat, the PV-loop samples, and the per-beat figures computed from
//! them (pressures in mmHg, volumes in mL: the clinic's units).

use serde::Serialize;

use super::circulation::Phase;
use crate::twin::calibrate::CalibrateReport;
use crate::twin::summary::{LawSummary, MeshSummary, NewtonSummary, UnitsSummary};

/// Joules per mmHg·mL.
pub const JOULE_PER_MMHG_ML: f64 = 1.333_223_874_15e-4;

/// One time step of the beat: a point of the PV loop.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PvSample {
    /// Step number (0: the end of the preload).
    pub step: usize,
    /// Beat (1-based; 0 for the preload).
    pub beat: usize,
    /// Time since the first beat began (s).
    pub time: f64,
    /// Phase of the step.
    pub phase: Phase,
    /// Cavity pressure (mmHg).
    pub pressure_mmhg: f64,
    /// Cavity volume (mL).
    pub volume_ml: f64,
    /// Outflow through the aortic valve, negative for inflow through the mitral (mL/s).
    pub outflow_ml_s: f64,
    /// Aortic pressure (mmHg): the cavity's while ejecting (`p_c + R_c Q`), else the
    /// compliance pressure `p_c`.
    pub aortic_pressure_mmhg: f64,
    /// Active tension (stress unit).
    pub active_tension: f64,
    /// Newton iterations of the step (all its phases and Uzawa updates).
    pub newton_iterations: usize,
    /// Smallest `det F`.
    pub min_j: f64,
    /// Wall time of the step (s).
    pub seconds: f64,
}

/// The figures of one beat.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BeatSummary {
    /// Beat (1-based).
    pub beat: usize,
    /// End-diastolic volume: the volume when the mitral valve closed (mL).
    pub edv_ml: f64,
    /// End-systolic volume: the volume when the aortic valve closed (mL).
    pub esv_ml: f64,
    /// Stroke volume `EDV − ESV` (mL).
    pub stroke_volume_ml: f64,
    /// Ejection fraction (%).
    pub ejection_fraction_pct: f64,
    /// End-diastolic pressure (mmHg).
    pub edp_mmhg: f64,
    /// Peak cavity pressure (mmHg).
    pub peak_pressure_mmhg: f64,
    /// Stroke work: the area the loop encloses, `−∮ p dV` traversed in time order, positive for a
    /// pumping beat (mmHg·mL).
    pub stroke_work_mmhg_ml: f64,
    /// Stroke work (J).
    pub stroke_work_j: f64,
    /// Times the valves opened or closed (s since the beat's start): mitral closes, aortic opens,
    /// aortic closes, mitral opens.
    pub valve_events: Vec<(String, f64)>,
    /// `|V_end − V_start| / EDV` (%): how far the loop is from closing.
    pub loop_gap_pct: f64,
    /// Largest `|V − V_closed| / V_closed` in the isovolumetric phases.
    pub isovolumetric_drift: f64,
    /// Largest relative change of EDV, ESV or peak pressure from the previous beat (%; none for
    /// the first).
    pub change_from_previous_pct: Option<f64>,
}

impl BeatSummary {
    /// Whether the isovolumetric drift is within `volume_tolerance` (each Newton solve holds it in
    /// m³; the slack covers the conversion to mL).
    pub fn holds_volume(&self, volume_tolerance: f64) -> bool {
        self.isovolumetric_drift <= volume_tolerance * (1.0 + 1e-6) + 1e-12
    }
}

/// The circulation as given (the table's pressure unit, mL).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CirculationSummary {
    /// Pressure unit of this table.
    pub pressure_unit: String,
    /// Atrial pressure.
    pub atrial_pressure: f64,
    /// Mitral resistance (pressure unit s/mL).
    pub mitral_resistance: f64,
    /// Characteristic resistance (pressure unit s/mL).
    pub characteristic_resistance: f64,
    /// Peripheral resistance (pressure unit s/mL).
    pub peripheral_resistance: f64,
    /// Compliance (mL per pressure unit).
    pub compliance: f64,
    /// Initial compliance pressure.
    pub arterial_pressure: f64,
}

/// `summary.json` of a heartbeat.
#[derive(Debug, Clone, Serialize)]
pub struct HeartbeatSummary {
    /// Scenario name.
    pub scenario: String,
    /// `"heartbeat"`.
    pub analysis: String,
    /// `"completed"` or `"failed"`.
    pub status: String,
    /// Why it failed.
    pub message: Option<String>,
    /// Units of the fields and stresses.
    pub units: UnitsSummary,
    /// The mesh.
    pub mesh: MeshSummary,
    /// The laws (after calibration, when calibrated).
    pub materials: Vec<LawSummary>,
    /// The finite-strain formulation.
    pub formulation: String,
    /// How the cavity is coupled.
    pub coupling: String,
    /// The passive-stiffness calibration that ran first, when `calibrate = true`.
    pub calibration: Option<CalibrateReport>,
    /// The circulation.
    pub circulation: CirculationSummary,
    /// Period (s).
    pub period: f64,
    /// Time step (s).
    pub dt: f64,
    /// The isovolumetric phases' volume tolerance, relative to the volume at closure.
    pub volume_tolerance: f64,
    /// Beats planned.
    pub planned_beats: usize,
    /// Per completed beat.
    pub beats: Vec<BeatSummary>,
    /// Every step's PV point (also in `pv_loop.csv`).
    pub samples: Vec<PvSample>,
    /// The Newton and linear solver figures.
    pub solver: NewtonSummary,
    /// Things the user should know (loops not yet periodic, time steps cut back).
    pub warnings: Vec<String>,
    /// Wall time (s).
    pub seconds: f64,
}

/// The figures of the samples of beat `beat` (with the last sample of the previous beat, or the
/// preload, as its start); `None` when the beat has no samples.
pub fn beat_figures(
    samples: &[PvSample],
    beat: usize,
    period: f64,
    previous: Option<&BeatSummary>,
) -> Option<BeatSummary> {
    let first = samples.iter().position(|s| s.beat == beat)?;
    let start = first.saturating_sub(1);
    let loop_: Vec<&PvSample> = samples[start..].iter().take_while(|s| s.beat <= beat).collect();
    let t0 = (beat - 1) as f64 * period;
    let mut events = Vec::new();
    for w in loop_.windows(2) {
        if w[1].phase != w[0].phase {
            let name = match w[1].phase {
                Phase::IsovolumetricContraction => "mitral closes",
                Phase::Ejection => "aortic opens",
                Phase::IsovolumetricRelaxation => "aortic closes",
                Phase::Filling => "mitral opens",
            };
            events.push((name.to_string(), w[0].time - t0));
        }
    }
    // EDV: the volume as the mitral valve closed (the last filling volume); without a closure
    // in the beat, its largest volume.
    let closed_at = |phase: Phase| loop_.windows(2).find(|w| w[1].phase == phase && w[0].phase != phase).map(|w| w[0]);
    let largest = loop_.iter().copied().max_by(|a, b| a.volume_ml.total_cmp(&b.volume_ml))?;
    let smallest = loop_.iter().copied().min_by(|a, b| a.volume_ml.total_cmp(&b.volume_ml))?;
    let ed = closed_at(Phase::IsovolumetricContraction).unwrap_or(largest);
    let es = closed_at(Phase::IsovolumetricRelaxation).unwrap_or(smallest);
    let (edv, esv) = (ed.volume_ml, es.volume_ml);
    let peak = loop_.iter().map(|s| s.pressure_mmhg).fold(f64::NEG_INFINITY, f64::max);
    // −∮ p dV by the trapezoid rule over the closed polygon, in time order: filling at low
    // pressure (dV > 0) and ejection at high (dV < 0) make it positive, the work done on the blood.
    let mut work = 0.0;
    for k in 0..loop_.len() {
        let (a, b) = (loop_[k], loop_[(k + 1) % loop_.len()]);
        work -= 0.5 * (a.pressure_mmhg + b.pressure_mmhg) * (b.volume_ml - a.volume_ml);
    }
    // The volume of an isovolumetric phase is the one at closure: the sample before its first step.
    let (mut drift, mut closed) = (0.0f64, None);
    for w in loop_.windows(2) {
        if w[1].phase.isovolumetric() {
            let v = *closed.get_or_insert(w[0].volume_ml);
            drift = drift.max((w[1].volume_ml - v).abs() / v);
        } else {
            closed = None;
        }
    }
    let end = loop_.last()?;
    let change = previous.map(|p| {
        let rel = |a: f64, b: f64| 100.0 * (a - b).abs() / b.abs().max(f64::MIN_POSITIVE);
        rel(edv, p.edv_ml).max(rel(esv, p.esv_ml)).max(rel(peak, p.peak_pressure_mmhg))
    });
    Some(BeatSummary {
        beat,
        edv_ml: edv,
        esv_ml: esv,
        stroke_volume_ml: edv - esv,
        ejection_fraction_pct: 100.0 * (edv - esv) / edv,
        edp_mmhg: ed.pressure_mmhg,
        peak_pressure_mmhg: peak,
        stroke_work_mmhg_ml: work,
        stroke_work_j: work * JOULE_PER_MMHG_ML,
        valve_events: events,
        loop_gap_pct: 100.0 * (end.volume_ml - loop_[0].volume_ml).abs() / edv,
        isovolumetric_drift: drift,
        change_from_previous_pct: change,
    })
}
