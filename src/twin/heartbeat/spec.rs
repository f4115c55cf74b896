//! The `[heartbeat]` table: time stepping, the twitch and the circulation.
//!
//! ```toml
//! [analysis]
//! kind = "heartbeat"
//!
//! [heartbeat]
//! beats = 2                   # beats to run (the loop becomes periodic after a few)
//! period = 0.8                # s (75 beats per minute)
//! dt = 0.01                   # s, time step (systole and diastole alike)
//! preload_increments = 4      # quasi-static ramp to the atrial pressure before the first beat
//! pressure_unit = "mmHg"      # unit of every pressure of [heartbeat.circulation]: "mmHg" or "kPa"
//! volume_tolerance = 1e-6     # isovolumetric phases: |V - V_closed| <= tol x V_closed
//! calibrate = true            # fit the passive stiffness to [patient] first (organ-twin calibrate)
//! output_every = 1            # a VTU every N steps (0: none)
//! tension_load = "T_a"        # the active_tension load driven by the twitch (default: the only one)
//!
//! [heartbeat.twitch]          # raised-cosine twitch (or: table = [[t, T_a], ...])
//! peak = 60.0                 # stress unit of the scenario
//! onset = 0.0                 # s after the beat starts
//! time_to_peak = 0.15         # s
//! relaxation = 0.3            # s
//!
//! [heartbeat.circulation]
//! atrial_pressure = 12.0              # preload (pressure_unit)
//! mitral_resistance = 0.05            # pressure_unit s/mL (default 0: filling at the atrial pressure)
//! characteristic_resistance = 1.0     # R_c, pressure_unit s/mL
//! peripheral_resistance = 25.0        # R_p, pressure_unit s/mL
//! compliance = 0.06                   # C, mL/pressure_unit
//! arterial_pressure = 80.0            # the compliance's pressure at the start (pressure_unit)
//! ```
//!
//! Resistances and compliance scale with the heart's size: for a ventricle `k` times smaller in
//! volume than a human one (EDV ≈ 120 mL; R_p ≈ 1 mmHg s/mL, C ≈ 1.5 mL/mmHg), multiply the
//! resistances by `k` and divide the compliance by `k` to keep the pressures.

use serde::Deserialize;

use super::circulation::Circulation;
use super::twitch::Twitch;
use crate::twin::calibrate::{PressureUnit, MMHG};

/// Most time steps a heartbeat may plan.
pub const MAX_STEPS: usize = 100_000;

/// `[heartbeat]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeartbeatSpec {
    /// Beats to run.
    #[serde(default = "one")]
    pub beats: usize,
    /// Period of a beat (s).
    pub period: f64,
    /// Time step (s).
    pub dt: f64,
    /// Increments of the quasi-static ramp to the atrial pressure.
    #[serde(default = "four")]
    pub preload_increments: usize,
    /// Unit of the circulation's pressures.
    pub pressure_unit: PressureUnit,
    /// Relative tolerance of the volume in the isovolumetric phases.
    #[serde(default = "default_volume_tolerance")]
    pub volume_tolerance: f64,
    /// Calibrate the passive stiffness to `[patient]` before the beat.
    #[serde(default)]
    pub calibrate: bool,
    /// A VTU every `output_every` steps (0: none).
    #[serde(default = "one")]
    pub output_every: usize,
    /// The active-tension load the twitch drives.
    #[serde(default)]
    pub tension_load: Option<String>,
    /// The twitch.
    pub twitch: TwitchSpec,
    /// The circulation.
    pub circulation: CirculationSpec,
}

fn one() -> usize {
    1
}
fn four() -> usize {
    4
}
fn default_volume_tolerance() -> f64 {
    1e-6
}

/// `[heartbeat.twitch]`: the raised-cosine keys, or a table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TwitchSpec {
    /// Peak tension (stress unit).
    #[serde(default)]
    pub peak: Option<f64>,
    /// Onset within the beat (s).
    #[serde(default)]
    pub onset: Option<f64>,
    /// Time to peak (s).
    #[serde(default)]
    pub time_to_peak: Option<f64>,
    /// Relaxation time (s).
    #[serde(default)]
    pub relaxation: Option<f64>,
    /// `[t (s), T_a (stress unit)]` pairs.
    #[serde(default)]
    pub table: Option<Vec<[f64; 2]>>,
}

/// `[heartbeat.circulation]`, in the table's pressure unit and mL.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CirculationSpec {
    /// Atrial (filling) pressure.
    pub atrial_pressure: f64,
    /// Mitral resistance (pressure unit s/mL).
    #[serde(default)]
    pub mitral_resistance: f64,
    /// Characteristic resistance (pressure unit s/mL).
    pub characteristic_resistance: f64,
    /// Peripheral resistance (pressure unit s/mL).
    pub peripheral_resistance: f64,
    /// Compliance (mL per pressure unit).
    pub compliance: f64,
    /// The compliance's pressure at the start.
    pub arterial_pressure: f64,
}

impl TwitchSpec {
    /// The waveform, or what is wrong with the keys.
    pub fn twitch(&self) -> Result<Twitch, String> {
        let cosine = [self.peak, self.onset, self.time_to_peak, self.relaxation];
        match (&self.table, cosine) {
            (Some(t), [None, None, None, None]) => Ok(Twitch::Table(t.clone())),
            (None, [Some(peak), onset, Some(time_to_peak), Some(relaxation)]) => {
                Ok(Twitch::Cosine { peak, onset: onset.unwrap_or(0.0), time_to_peak, relaxation })
            }
            (Some(_), _) => {
                Err("give either table = [[t, T_a], ...] or peak/onset/time_to_peak/relaxation, not both".into())
            }
            (None, _) => {
                Err("the raised-cosine twitch needs peak, time_to_peak and relaxation (onset defaults to 0)".into())
            }
        }
    }
}

impl CirculationSpec {
    /// The parameters in SI, for pressures in `unit`.
    pub fn si(&self, unit: PressureUnit) -> Circulation {
        let pa = unit.mmhg() * MMHG;
        let ml = 1e-6;
        Circulation {
            atrial_pressure: self.atrial_pressure * pa,
            mitral_resistance: self.mitral_resistance * pa / ml,
            characteristic_resistance: self.characteristic_resistance * pa / ml,
            peripheral_resistance: self.peripheral_resistance * pa / ml,
            compliance: self.compliance * ml / pa,
        }
    }

    /// Checks the table, whose pressures are in `unit`.
    fn check(&self, unit: PressureUnit) -> Result<(), String> {
        let positive = [
            ("atrial_pressure", self.atrial_pressure),
            ("peripheral_resistance", self.peripheral_resistance),
            ("compliance", self.compliance),
            ("arterial_pressure", self.arterial_pressure),
        ];
        for (key, v) in positive {
            if !(v.is_finite() && v > 0.0) {
                return Err(format!("circulation.{key} = {v} must be a finite number > 0"));
            }
        }
        for (key, v) in [
            ("mitral_resistance", self.mitral_resistance),
            ("characteristic_resistance", self.characteristic_resistance),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(format!("circulation.{key} = {v} must be a finite number >= 0"));
            }
        }
        // The SI values too: a finite input can overflow on conversion (1e300 mmHg·s/mL), and the
        // exponential integrator divides by the peripheral time constant R_p·C.
        let si = self.si(unit);
        let tau = si.peripheral_resistance * si.compliance;
        let values = [
            si.atrial_pressure,
            si.mitral_resistance,
            si.characteristic_resistance,
            si.peripheral_resistance,
            si.compliance,
            tau,
        ];
        if values.iter().any(|v| !v.is_finite())
            || tau <= 0.0
            || !(self.arterial_pressure * unit.mmhg() * MMHG).is_finite()
        {
            return Err(format!(
                "circulation: the values in SI (Pa, Pa·s/m³, m³/Pa) or the time constant peripheral_resistance × \
                 compliance = {tau:e} s are not finite and positive: check the magnitudes (resistances in \
                 pressure·s/mL, compliance in mL/pressure)"
            ));
        }
        if self.arterial_pressure <= self.atrial_pressure {
            return Err(format!(
                "circulation.arterial_pressure = {} must exceed atrial_pressure = {}: with the arterial side below \
                 the atrium the aortic valve would open before the mitral closes and the loop degenerates",
                self.arterial_pressure, self.atrial_pressure
            ));
        }
        Ok(())
    }
}

impl HeartbeatSpec {
    /// Number of time steps of all beats.
    pub fn steps_per_beat(&self) -> usize {
        (self.period / self.dt).round() as usize
    }

    /// Checks the table; `(entry, message)` on failure.
    pub fn check(&self) -> Result<(), (String, String)> {
        let bad = |m: String| Err(("heartbeat".to_string(), m));
        if !(self.period.is_finite() && self.period > 0.0 && self.period <= 10.0) {
            return bad(format!("period = {} s must lie in (0, 10]", self.period));
        }
        if !(self.dt.is_finite() && self.dt > 0.0 && self.dt <= self.period / 4.0) {
            return bad(format!(
                "dt = {} s must be > 0 and at most a quarter of the period ({} s)",
                self.dt,
                self.period / 4.0
            ));
        }
        let n = self.period / self.dt;
        if (n - n.round()).abs() > 1e-6 * n {
            return bad(format!(
                "dt = {} s must divide the period {} s into whole steps ({n:.3} now)",
                self.dt, self.period
            ));
        }
        if self.beats == 0 || self.beats.saturating_mul(self.steps_per_beat()) > MAX_STEPS {
            return bad(format!("beats = {} must be at least 1, with at most {MAX_STEPS} steps in all", self.beats));
        }
        if self.preload_increments == 0 || self.preload_increments > 1000 {
            return bad(format!("preload_increments = {} must lie in 1..=1000", self.preload_increments));
        }
        if !(self.volume_tolerance > 0.0 && self.volume_tolerance < 1e-2) {
            return bad(format!("volume_tolerance = {} must lie in (0, 0.01)", self.volume_tolerance));
        }
        let twitch = self.twitch.twitch().map_err(|m| ("heartbeat.twitch".to_string(), m))?;
        twitch.check(self.period).map_err(|m| ("heartbeat.twitch".to_string(), m))?;
        self.circulation.check(self.pressure_unit).map_err(|m| ("heartbeat.circulation".to_string(), m))
    }
}
