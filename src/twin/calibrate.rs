//! Passive-stiffness calibration against the patient's end-diastolic pressure–volume data, in
//! numbered steps:
//!
//! 1. the patient (`[patient]`: EDV in mL, EDP with its unit, optional measured (P, V) pairs) and
//!    the inflation: the scenario with its schedule replaced by one stage ramping the cavity's
//!    pressure load to EDP in `increments` ([`unload::inflation_scenario`]);
//! 2. the target: Klotz's curve ([`klotz`](super::klotz)) through (EDV, EDP) **from the model's
//!    unloaded cavity volume** `V0 = V_model(0)` (the mesh is the stress-free geometry; run
//!    `organ-twin unload` first when it is an image under pressure). Klotz's own
//!    `V0 = EDV (0.6 − 0.006 EDP)` is reported beside it: a ratio far from 1 says the mesh is not
//!    this patient's size (the bundled ventricles are a few mL; give an EDV scaled to the mesh);
//! 3. one free parameter, a scale `s = e^θ` on every stiffness of every material (Guccione `c`;
//!    Holzapfel–Ogden `a`, `a_f`, `a_s`, `a_fs`; neo-Hookean `mu`; `bulk_modulus` when given),
//!    exponents unchanged. Every stress is then proportional to `s`, so the inflation curve of
//!    scale `s` is that of scale 1 with the pressure divided by `s`: `V(p; s) = V(p/s; 1)`, whence
//!    `∂V/∂θ = −p ∂V/∂p`, read off each inflation's own curve;
//! 4. Gauss–Newton on θ over the residuals `(V_sim(p_j) − V_target(p_j)) / EDV`: with
//!    `fit = "edv"` (default) the one residual at EDP (one parameter, so the EDV is hit
//!    exactly and the curve's shape error is reported), with `fit = "least_squares"` the Klotz
//!    curve at every increment's pressure up to EDP and the measured pairs. Each evaluation is a
//!    full nonlinear inflation; the built analysis (mesh, fibres, pattern, symbolic
//!    factorisation) is kept and only the laws change ([`QuasiStatic::set_materials`]), and
//!    every inflation after the first starts from the previous one by the same scaling
//!    ([`Warm`]: state at `(p, s')` = state at `(p s/s', s)`, cell pressures times `s'/s`);
//! 5. steps are limited to a factor 4 and to `scale_bounds`; an inflation that fails (too soft
//!    to carry EDP) halves the step back; the fit stops when the EDV error is below `tol` (edv)
//!    or the scale changes by less than `tol` (least squares), and fails, naming the bound and the
//!    EDV reached, when the target lies beyond a bound.
//!
//! ```toml
//! [patient]
//! edv_ml = 4.7             # end-diastolic volume, mL
//! edp = 12.0               # end-diastolic pressure
//! edp_unit = "mmHg"        # or "kPa": always explicit
//! pv = [[6.0, 4.1]]        # optional measured (P in edp_unit, V in mL) pairs, P <= EDP
//! fit = "edv"              # or "least_squares"
//! ```

use std::time::Instant;

use serde::Deserialize;

use super::klotz::{klotz_v0, Klotz};
use super::quasi_static::QuasiStatic;
use super::quasi_static::{State, WarmStart};
use super::scenario::{MaterialSpec, Model, Scenario};
use super::unload::{cavity_pressure_load, inflate_warm, inflation_scenario, reference_cavity_volume};
use super::ScenarioError;
use crate::mesh::Mesh;
use crate::progress::Progress;
use crate::solve::Backend;

/// Pascals per mmHg.
pub const MMHG: f64 = 133.322_387_415;
/// Largest change of the scale in one step.
pub const MAX_STEP_FACTOR: f64 = 4.0;

/// The unit of the patient's pressures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum PressureUnit {
    /// Millimetre of mercury.
    #[serde(rename = "mmHg")]
    MmHg,
    /// Kilopascal.
    #[serde(rename = "kPa")]
    KPa,
}

impl PressureUnit {
    /// mmHg per unit.
    pub fn mmhg(self) -> f64 {
        match self {
            PressureUnit::MmHg => 1.0,
            PressureUnit::KPa => 1e3 / MMHG,
        }
    }
}

/// What the scale is fitted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fit {
    /// The simulated volume at EDP equals EDV.
    #[default]
    Edv,
    /// Least squares over the Klotz curve up to EDP and the measured pairs.
    LeastSquares,
}

/// `[patient]`: the measured end-diastolic state.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatientSpec {
    /// End-diastolic volume (mL).
    pub edv_ml: f64,
    /// End-diastolic pressure, in `edp_unit`.
    pub edp: f64,
    /// Unit of `edp` and of the pressures of `pv`.
    pub edp_unit: PressureUnit,
    /// Measured (pressure, volume mL) pairs.
    #[serde(default)]
    pub pv: Vec<[f64; 2]>,
    /// What the scale is fitted to.
    #[serde(default)]
    pub fit: Fit,
    /// Load increments of every inflation (default 6).
    #[serde(default = "default_increments")]
    pub increments: usize,
    /// Bounds of the stiffness scale, relative to the scenario's values (default [0.01, 100]).
    #[serde(default = "default_bounds")]
    pub scale_bounds: [f64; 2],
    /// Relative tolerance: of the EDV error (edv) or of the scale's last change (least squares).
    #[serde(default = "default_tol")]
    pub tol: f64,
    /// Most Gauss–Newton iterations (default 15).
    #[serde(default = "default_iterations")]
    pub max_iterations: usize,
}

fn default_increments() -> usize {
    6
}
fn default_bounds() -> [f64; 2] {
    [0.01, 100.0]
}
fn default_tol() -> f64 {
    1e-3
}
fn default_iterations() -> usize {
    15
}

/// A fitted stiffness parameter.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FittedParameter {
    /// Material (1-based, as `material[i]`).
    pub material: usize,
    /// The key (`c`, `a`, …).
    pub key: &'static str,
    /// The scenario's value (stress unit).
    pub initial: f64,
    /// The calibrated value (stress unit).
    pub fitted: f64,
}

/// A point of the simulated-vs-Klotz curve.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct CurvePoint {
    /// Pressure (mmHg).
    pub pressure_mmhg: f64,
    /// Simulated cavity volume (mL).
    pub simulated_ml: f64,
    /// Klotz's volume (mL).
    pub klotz_ml: f64,
}

/// One evaluation of the fit.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct FitStep {
    /// Stiffness scale.
    pub scale: f64,
    /// Simulated volume at EDP (mL).
    pub edv_ml: f64,
    /// RMS error over the curve and pairs (% of EDV).
    pub rms_error_pct: f64,
    /// Newton iterations of the inflation (warm-started from the one before after the first).
    pub newton_iterations: usize,
    /// Wall time of the inflation (s).
    pub seconds: f64,
}

/// The result of [`calibrate`].
#[derive(Debug, Clone, serde::Serialize)]
pub struct CalibrateReport {
    /// What was fitted.
    pub fit: Fit,
    /// The stiffness scale found.
    pub scale: f64,
    /// The fitted parameters.
    pub parameters: Vec<FittedParameter>,
    /// The calibrated materials.
    #[serde(skip)]
    pub materials: Vec<MaterialSpec>,
    /// Gauss–Newton iterations.
    pub iterations: usize,
    /// Full nonlinear inflations done (failed ones included).
    pub inflations: usize,
    /// Newton iterations of all inflations.
    pub newton_iterations: usize,
    /// Target EDV (mL) and EDP (mmHg).
    pub edv_ml: f64,
    /// EDP (mmHg).
    pub edp_mmhg: f64,
    /// Simulated volume at EDP (mL).
    pub simulated_edv_ml: f64,
    /// EDV error (% of EDV, signed).
    pub edv_error_pct: f64,
    /// RMS error over the Klotz curve at the increments' pressures and the pairs (% of EDV).
    pub rms_error_pct: f64,
    /// The model's unloaded cavity volume, the target curve's V0 (mL).
    pub v0_model_ml: f64,
    /// Klotz's `EDV (0.6 − 0.006 EDP)` (mL), for comparison.
    pub v0_klotz_ml: f64,
    /// The simulated and Klotz curves at the increments' pressures (from 0).
    pub curve: Vec<CurvePoint>,
    /// Every accepted evaluation.
    pub history: Vec<FitStep>,
    /// Wall-clock seconds in all.
    pub seconds: f64,
}

/// Why a calibration failed.
#[derive(Debug, thiserror::Error)]
pub enum CalibrateError {
    /// The scenario or `[patient]` is invalid.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// The target lies beyond a bound of the scale.
    #[error(
        "calibration cannot reach EDV = {edv_ml:.4} mL at EDP = {edp_mmhg:.3} mmHg within scale_bounds [{lo}, {hi}]: at \
         the {which} bound (scale {scale}) the simulated volume at EDP is {reached_ml:.4} mL ({error_pct:+.2} % of EDV); \
         widen scale_bounds or check EDV, EDP and the mesh's size"
    )]
    OutOfBounds {
        /// Target (mL).
        edv_ml: f64,
        /// EDP (mmHg).
        edp_mmhg: f64,
        /// Bounds.
        lo: f64,
        /// Upper bound.
        hi: f64,
        /// `lower` or `upper`.
        which: &'static str,
        /// Scale at the bound.
        scale: f64,
        /// Volume reached there (mL).
        reached_ml: f64,
        /// Its error (% of EDV).
        error_pct: f64,
    },
    /// An inflation failed and halving the step did not help.
    #[error(
        "calibration: the inflation at stiffness scale {scale:.5} failed: {reason} (after {inflations} inflations)"
    )]
    Inflation {
        /// Scale tried.
        scale: f64,
        /// The solver's message.
        reason: String,
        /// Inflations done.
        inflations: usize,
    },
    /// The iteration limit was reached.
    #[error(
        "calibration did not converge in {iterations} iterations: scale {scale:.5}, simulated EDV {reached_ml:.4} mL \
         ({error_pct:+.3} % of EDV, tolerance {tol_pct} %)"
    )]
    NotConverged {
        /// Iterations.
        iterations: usize,
        /// Last scale.
        scale: f64,
        /// Last simulated EDV (mL).
        reached_ml: f64,
        /// Its error (%).
        error_pct: f64,
        /// Tolerance (%).
        tol_pct: f64,
    },
}

/// The stiffness keys of a model that the scale multiplies.
pub fn stiffness_keys(model: Model) -> &'static [&'static str] {
    match model {
        Model::Guccione => &["c", "bulk_modulus"],
        Model::HolzapfelOgden => &["a", "a_f", "a_s", "a_fs", "bulk_modulus"],
        Model::NeoHookean => &["mu", "bulk_modulus"],
        Model::LinearElastic => &["youngs_modulus"],
    }
}

fn stiffness_mut<'a>(m: &'a mut MaterialSpec, key: &str) -> Option<&'a mut Option<f64>> {
    Some(match key {
        "c" => &mut m.c,
        "a" => &mut m.a,
        "a_f" => &mut m.a_f,
        "a_s" => &mut m.a_s,
        "a_fs" => &mut m.a_fs,
        "mu" => &mut m.mu,
        "bulk_modulus" => &mut m.bulk_modulus,
        "youngs_modulus" => &mut m.youngs_modulus,
        _ => return None,
    })
}

/// `materials` with every stiffness multiplied by `scale`.
pub fn scaled_materials(materials: &[MaterialSpec], scale: f64) -> Vec<MaterialSpec> {
    materials
        .iter()
        .map(|m| {
            let mut m = m.clone();
            for key in stiffness_keys(m.model) {
                if let Some(Some(v)) = stiffness_mut(&mut m, key) {
                    *v *= scale;
                }
            }
            m
        })
        .collect()
}

/// The checked patient data: the table, EDP (mmHg), the pairs (mmHg, mL).
type Patient = (PatientSpec, f64, Vec<(f64, f64)>);

/// The checked patient data.
fn patient(scenario: &Scenario, source: &str) -> Result<Patient, ScenarioError> {
    let bad = |entry: &str, message: String| ScenarioError::Invalid {
        source_name: source.into(),
        entry: entry.into(),
        message,
    };
    let p = scenario.patient.clone().ok_or_else(|| {
        bad(
            "patient",
            "calibration needs a [patient] table: edv_ml = <mL>, edp = <pressure>, edp_unit = \"mmHg\"|\"kPa\"".into(),
        )
    })?;
    let edp = p.edp * p.edp_unit.mmhg();
    Klotz::new(p.edv_ml, edp).map_err(|e| bad("patient", e.to_string()))?;
    let [lo, hi] = p.scale_bounds;
    if !(lo.is_finite() && hi.is_finite() && lo > 0.0 && lo <= 1.0 && hi >= 1.0) {
        return Err(bad("patient", format!("scale_bounds = [{lo}, {hi}] must bracket 1 with 0 < lower <= 1 <= upper")));
    }
    if !(p.tol.is_finite() && p.tol > 0.0 && p.tol < 0.5) || p.increments == 0 || p.max_iterations == 0 {
        return Err(bad("patient", "tol must lie in (0, 0.5), increments and max_iterations be at least 1".into()));
    }
    let mut pairs = Vec::new();
    for (i, [pv, v]) in p.pv.iter().copied().enumerate() {
        let pm = pv * p.edp_unit.mmhg();
        if !(pm > 0.0 && pm <= edp * (1.0 + 1e-12) && v.is_finite() && v > 0.0) {
            return Err(bad(
                &format!("patient.pv[{}]", i + 1),
                format!("the pair ({pv}, {v} mL) needs 0 < P <= EDP = {} and a positive volume", p.edp),
            ));
        }
        pairs.push((pm, v));
    }
    Ok((p, edp, pairs))
}

/// Warm starts between inflations (step 4). Every stress is proportional to the scale, so the
/// state at pressure `p` and scale `s'` is the one at pressure `p s/s'` and scale `s` with its
/// cell pressures times `s'/s` (the displacements unchanged): each increment of an inflation
/// starts from the previous completed inflation's states, interpolated linearly in pressure
/// between its increments (from the last two beyond EDP). Exact up to that interpolation, the
/// guess typically leaves Newton one or two iterations per increment instead of four to six;
/// an increment that fails from it is solved again from the previous increment.
#[derive(Debug, Default)]
struct Warm {
    /// The last completed inflation: its scale and its states at the grid's pressures
    /// (index 0: undeformed).
    previous: Option<(f64, Vec<State>)>,
    /// The inflation being run: its scale and its states so far.
    current: (f64, Vec<State>),
}

/// The largest extrapolation beyond the previous inflation's last increment, in increments.
const MAX_EXTRAPOLATION: f64 = 2.0;

impl Warm {
    /// A new inflation at `scale`.
    fn begin(&mut self, scale: f64) {
        self.current = (scale, Vec::new());
    }

    /// The current inflation completed its `increments`: the next one starts from it.
    fn complete(&mut self, increments: usize) {
        let (scale, states) = std::mem::take(&mut self.current);
        if states.len() == increments + 1 {
            self.previous = Some((scale, states));
        }
    }
}

impl WarmStart for Warm {
    fn guess(&mut self, step: usize) -> Option<State> {
        let (scale, states) = self.previous.as_ref()?;
        let n = states.len().checked_sub(1).filter(|&n| n >= 1)?;
        // The previous inflation's grid position of this step's pressure.
        let ratio = scale / self.current.0;
        let r = step as f64 * ratio;
        if !r.is_finite() || r > n as f64 + MAX_EXTRAPOLATION {
            return None;
        }
        let i = (r.floor() as usize).min(n - 1);
        let w = r - i as f64;
        let (a, b) = (&states[i], &states[i + 1]);
        let mix = |a: &[f64], b: &[f64], f: f64| -> Vec<f64> {
            a.iter().zip(b).map(|(a, b)| f * ((1.0 - w) * a + w * b)).collect()
        };
        Some(State { x: mix(&a.x, &b.x, 1.0), multipliers: mix(&a.multipliers, &b.multipliers, 1.0 / ratio) })
    }

    fn converged(&mut self, step: usize, state: &State) {
        let states = &mut self.current.1;
        if states.is_empty() {
            states.push(State { x: vec![0.0; state.x.len()], multipliers: vec![0.0; state.multipliers.len()] });
        }
        if states.len() == step {
            states.push(state.clone());
        }
    }
}

/// The simulated curve of one inflation: pressures (mmHg) and volumes (mL) from 0 to EDP.
struct Curve {
    p: Vec<f64>,
    v: Vec<f64>,
    /// Newton iterations and wall time (s) of the inflation that made it.
    newton_iterations: usize,
    seconds: f64,
}

impl Curve {
    /// Quadratic interpolation through the three nearest points: the volume and `dV/dp`.
    fn at(&self, p: f64) -> (f64, f64) {
        let n = self.p.len();
        let i = self.p.partition_point(|&q| q < p).clamp(1, n - 1);
        let i0 = if i + 1 < n { i - 1 } else { n.saturating_sub(3) };
        let (x, y) = (&self.p[i0..(i0 + 3).min(n)], &self.v[i0..(i0 + 3).min(n)]);
        if x.len() < 3 {
            let s = (y[1] - y[0]) / (x[1] - x[0]);
            return (y[0] + s * (p - x[0]), s);
        }
        let l = |j: usize| {
            let (a, b) = ((j + 1) % 3, (j + 2) % 3);
            let d = (x[j] - x[a]) * (x[j] - x[b]);
            ((p - x[a]) * (p - x[b]) / d, ((p - x[a]) + (p - x[b])) / d)
        };
        (0..3).fold((0.0, 0.0), |(v, dv), j| {
            let (w, dw) = l(j);
            (v + w * y[j], dv + dw * y[j])
        })
    }
}

/// The residuals and their θ-derivatives at the fit points.
fn residuals(curve: &Curve, points: &[(f64, f64)], edv: f64) -> (Vec<f64>, Vec<f64>) {
    points
        .iter()
        .map(|&(p, v)| {
            let (vs, dv) = curve.at(p);
            ((vs - v) / edv, -p * dv / edv)
        })
        .unzip()
}

/// Steps 1–5 on `mesh` (scenario units; the stress-free geometry).
pub fn calibrate(
    scenario: &Scenario,
    mesh: &Mesh,
    source: &str,
    backend: &Backend,
    progress: &dyn Progress,
) -> Result<CalibrateReport, CalibrateError> {
    let start = Instant::now();
    // 1. Patient and inflation.
    let (spec, edp, pairs) = patient(scenario, source)?;
    let units = scenario.units;
    let ml = units.length().powi(3) * 1e6;
    let load = cavity_pressure_load(scenario, source)?;
    let p_scn = edp * MMHG / units.stress();
    let inflation = inflation_scenario(scenario, load, p_scn, spec.increments);
    let base = scenario.materials.clone();
    let mut analysis = QuasiStatic::build(inflation, mesh.clone(), source)?;
    // 2. The target curve from the model's unloaded volume.
    let bad = |message: String| ScenarioError::Invalid { source_name: source.into(), entry: "patient".into(), message };
    let v0 = reference_cavity_volume(scenario, mesh)
        .ok_or_else(|| bad("calibration needs a [[cavity]] whose volume is the patient's EDV".into()))?
        * ml;
    let klotz = Klotz::with_v0(spec.edv_ml, edp, v0).map_err(|e| {
        bad(format!("{e}: the mesh's unloaded cavity ({v0:.4} mL) is too large for this EDV (give the EDV of a heart of the mesh's size)"))
    })?;
    let grid: Vec<f64> = (0..=spec.increments).map(|i| edp * i as f64 / spec.increments as f64).collect();
    let mut curve_points: Vec<(f64, f64)> = grid[1..].iter().map(|&p| (p, klotz.volume(p))).collect();
    curve_points.extend(&pairs);
    let fit_points = match spec.fit {
        Fit::Edv => vec![(edp, spec.edv_ml)],
        Fit::LeastSquares => curve_points.clone(),
    };
    // 3–5. Gauss–Newton on θ = ln(scale).
    let (lo, hi) = (spec.scale_bounds[0].ln(), spec.scale_bounds[1].ln());
    // Inflations and Newton iterations so far.
    let counts = std::cell::Cell::new((0usize, 0usize));
    let warm = std::cell::RefCell::new(Warm::default());
    let evaluate = |theta: f64, analysis: &mut QuasiStatic| -> Result<Result<Curve, String>, CalibrateError> {
        analysis.set_materials(scaled_materials(&base, theta.exp()))?;
        let (n, newton) = counts.get();
        counts.set((n + 1, newton));
        progress.advance(n as u64 + 1, &format!("inflation at scale {:.4}", theta.exp()));
        let mut warm = warm.borrow_mut();
        warm.begin(theta.exp());
        let t0 = Instant::now();
        let inflated = inflate_warm(analysis, backend, progress, Some(&mut *warm))?;
        Ok(inflated.map(|inf| {
            warm.complete(spec.increments);
            counts.set((n + 1, newton + inf.newton_iterations));
            let mut v = vec![v0];
            v.extend(inf.volumes.iter().map(|x| x * ml));
            Curve { p: grid.clone(), v, newton_iterations: inf.newton_iterations, seconds: t0.elapsed().as_secs_f64() }
        }))
    };
    progress.stage("calibration", None);
    let mut theta = 0.0;
    let mut curve = match evaluate(theta, &mut analysis)? {
        Ok(c) => c,
        Err(reason) => return Err(CalibrateError::Inflation { scale: 1.0, reason, inflations: 1 }),
    };
    let mut history = Vec::new();
    let stats = |curve: &Curve| {
        let (r, _) = residuals(curve, &curve_points, spec.edv_ml);
        let rms = 100.0 * (r.iter().map(|x| x * x).sum::<f64>() / r.len() as f64).sqrt();
        (curve.at(edp).0, rms)
    };
    let mut iterations = 0;
    loop {
        let (edv_sim, rms) = stats(&curve);
        history.push(FitStep {
            scale: theta.exp(),
            edv_ml: edv_sim,
            rms_error_pct: rms,
            newton_iterations: curve.newton_iterations,
            seconds: curve.seconds,
        });
        let (r, j) = residuals(&curve, &fit_points, spec.edv_ml);
        let jj: f64 = j.iter().map(|x| x * x).sum();
        let step = if jj > 0.0 { -j.iter().zip(&r).map(|(a, b)| a * b).sum::<f64>() / jj } else { 0.0 };
        let edv_error = (edv_sim - spec.edv_ml) / spec.edv_ml;
        let done = match spec.fit {
            Fit::Edv => edv_error.abs() <= spec.tol,
            Fit::LeastSquares => step.abs() <= spec.tol && iterations > 0,
        };
        if done {
            break;
        }
        if iterations == spec.max_iterations {
            progress.finish();
            return Err(CalibrateError::NotConverged {
                iterations,
                scale: theta.exp(),
                reached_ml: edv_sim,
                error_pct: 100.0 * edv_error,
                tol_pct: 100.0 * spec.tol,
            });
        }
        iterations += 1;
        let step = step.clamp(-MAX_STEP_FACTOR.ln(), MAX_STEP_FACTOR.ln());
        let target = (theta + step).clamp(lo, hi);
        if (target - theta).abs() < 1e-12 {
            progress.finish();
            let which = if step < 0.0 { "lower" } else { "upper" };
            return Err(CalibrateError::OutOfBounds {
                edv_ml: spec.edv_ml,
                edp_mmhg: edp,
                lo: spec.scale_bounds[0],
                hi: spec.scale_bounds[1],
                which,
                scale: theta.exp(),
                reached_ml: edv_sim,
                error_pct: 100.0 * edv_error,
            });
        }
        let mut trial = target;
        let mut halvings = 0;
        curve = loop {
            match evaluate(trial, &mut analysis)? {
                Ok(c) => break c,
                Err(reason) if halvings == 4 => {
                    progress.finish();
                    return Err(CalibrateError::Inflation { scale: trial.exp(), reason, inflations: counts.get().0 });
                }
                Err(_) => {
                    halvings += 1;
                    trial = 0.5 * (trial + theta);
                }
            }
        };
        theta = trial;
    }
    progress.finish();
    let (edv_sim, rms) = stats(&curve);
    let scale = theta.exp();
    let materials = scaled_materials(&base, scale);
    let parameters = base
        .iter()
        .zip(&materials)
        .enumerate()
        .flat_map(|(i, (b, m))| {
            let (mut b, mut m) = (b.clone(), m.clone());
            stiffness_keys(b.model)
                .iter()
                .filter_map(|key| {
                    let initial = (*stiffness_mut(&mut b, key)?)?;
                    let fitted = (*stiffness_mut(&mut m, key)?)?;
                    Some(FittedParameter { material: i + 1, key, initial, fitted })
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let curve_out = grid
        .iter()
        .zip(&curve.v)
        .map(|(&p, &v)| CurvePoint { pressure_mmhg: p, simulated_ml: v, klotz_ml: klotz.volume(p) })
        .collect();
    let (inflations, newton_iterations) = counts.get();
    Ok(CalibrateReport {
        fit: spec.fit,
        scale,
        parameters,
        materials,
        iterations,
        inflations,
        newton_iterations,
        edv_ml: spec.edv_ml,
        edp_mmhg: edp,
        simulated_edv_ml: edv_sim,
        edv_error_pct: 100.0 * (edv_sim - spec.edv_ml) / spec.edv_ml,
        rms_error_pct: rms,
        v0_model_ml: v0,
        v0_klotz_ml: klotz_v0(spec.edv_ml, edp),
        curve: curve_out,
        history,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// The scenario text with the calibrated stiffnesses and `mesh.file` set to `mesh_file`, and a
/// comment line saying what was calibrated (comments of the original are not kept).
pub fn calibrated_toml(text: &str, report: &CalibrateReport, mesh_file: &str) -> Result<String, String> {
    let mut table: toml::Table = text.parse().map_err(|e: toml::de::Error| e.to_string())?;
    if let Some(toml::Value::Table(mesh)) = table.get_mut("mesh") {
        mesh.insert("file".into(), toml::Value::String(mesh_file.into()));
    }
    if let Some(toml::Value::Array(materials)) = table.get_mut("material") {
        for p in &report.parameters {
            if let Some(toml::Value::Table(m)) = materials.get_mut(p.material - 1) {
                m.insert(p.key.into(), toml::Value::Float(p.fitted));
            }
        }
    }
    let body = toml::to_string(&table).map_err(|e| e.to_string())?;
    Ok(format!(
        "# Calibrated by organ-twin calibrate: stiffness scale {:.6} ({}), EDV {:.4} mL at EDP {:.3} mmHg, simulated \
         {:.4} mL ({:+.3} %), RMS error over the Klotz curve {:.3} % of EDV\n{body}",
        report.scale,
        report
            .parameters
            .iter()
            .map(|p| format!("material[{}].{} = {:.6}", p.material, p.key, p.fitted))
            .collect::<Vec<_>>()
            .join(", "),
        report.edv_ml,
        report.edp_mmhg,
        report.simulated_edv_ml,
        report.edv_error_pct,
        report.rms_error_pct
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(v: f64) -> State {
        State { x: vec![v; 2], multipliers: vec![10.0 * v; 3] }
    }

    /// The guess of step k at scale s' is the previous inflation's state at grid position
    /// k s/s' (interpolated, extrapolated at most two increments), cell pressures times s'/s.
    #[test]
    fn warm_start_maps_the_previous_inflation_by_the_stiffness_scale() {
        let mut warm = Warm::default();
        warm.begin(2.0);
        assert_eq!(warm.guess(1), None, "no inflation completed yet");
        for k in 1..=4 {
            warm.converged(k, &state(k as f64));
        }
        warm.complete(4);
        // Softer by half: step 1 lands on the previous step 2 exactly.
        warm.begin(1.0);
        assert_eq!(warm.guess(1), Some(State { x: vec![2.0; 2], multipliers: vec![10.0; 3] }));
        // Between the undeformed state and step 1, and beyond the last step by linear extrapolation.
        warm.begin(4.0);
        assert_eq!(warm.guess(1).unwrap().x, vec![0.5; 2]);
        warm.begin(1.0);
        assert_eq!(warm.guess(3).unwrap().x, vec![6.0; 2]);
        assert_eq!(warm.guess(4), None, "position 8 lies more than two increments beyond the last");
        // An inflation that failed part-way does not replace the completed one.
        warm.converged(1, &state(9.0));
        warm.complete(4);
        warm.begin(2.0);
        assert_eq!(warm.guess(2).unwrap().x, vec![2.0; 2]);
    }
}
