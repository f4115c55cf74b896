//! Per-point fatigue assessment of a superposed loading.
//!
//! An evaluation point is whatever the caller passes stresses for (recovered nodal stresses or
//! quadrature-point stresses); the module never sees the mesh. In linear elasticity the stress
//! at a point is `σ(t) = Σ_k c_k(t) σ_k`, σ_k its stress under
//! unit load case k. For every point:
//!
//! 1. **Loading.** [`Loading::Constant`]: one cycle between `σ_max = Σ max_k σ_k` and
//!    `σ_min = Σ min_k σ_k` (design life in cycles). [`Loading::History`]: one repetition of the
//!    samples `c(t)` (design life in repetitions).
//! 2. **Equivalent stress.** Proportional criteria ([`Criterion::SignedVonMises`],
//!    [`Criterion::MaxPrincipal`]) reduce each state to a signed scalar (see
//!    [`super::equivalent`]); a constant cycle has amplitude `|e(σ_max) − e(σ_min)|/2` and mean
//!    `(e(σ_max) + e(σ_min))/2`, a history is rainflow-counted ([`super::rainflow`]).
//!    [`Criterion::Findley`] searches the critical plane ([`super::findley`]).
//! 3. **Mean stress → S-N → Miner.** Each cycle's equivalent fully-reversed amplitude σ_ar
//!    ([`super::mean_stress`]; Findley: its own mapping) gives N from the S-N curve; the life is
//!    N (constant) or `1/Σ nᵢ/Nᵢ` repetitions (history); the damage is design life / life.
//! 4. **Safety factor** n: the factor on the whole loading (amplitude and mean together) that
//!    gives exactly the design life. Constant: the closed forms of [`MeanStress::safety_factor`]
//!    against `S_N = S(design life)` — beyond the knee, the infinite-life factor against the
//!    endurance strength. History: [`super::miner::load_factor`]. Reported within
//!    [1e-6, 1e3] ([`MIN_LOAD_FACTOR`], [`MAX_LOAD_FACTOR`]) (an unloaded point reports 1e3).
//!
//! The reported cycle (`alternating`, `mean`, `equivalent`) is the one of largest σ_ar. For
//! Findley on a history the safety factor is solved on the critical plane and direction found at
//! load factor 1 (the plane ranking is load-independent for a homogeneous criterion except where
//! cycles cross the knee). Points are evaluated independently: [`assess`] in parallel (rayon, one
//! set of working buffers per task), [`assess_serial`] in order (its oracle).

use rayon::prelude::*;

use super::equivalent::{max_abs_principal, VonMisesForm};
use super::error::{finite, positive, FatigueError};
use super::findley::{self, FindleyHistory, PlaneSet};
use super::library::Material;
use super::mean_stress::MeanStress;
use super::miner::{load_factor_log, MAX_LOAD_FACTOR, MIN_LOAD_FACTOR};
use super::rainflow::{count_into, Cycle};
use super::sn::{LogSn, SnCurve};

/// The loading as coefficients of the unit load cases.
#[derive(Debug, Clone, PartialEq)]
pub enum Loading {
    /// Constant amplitude between two load states (coefficients per load case).
    Constant {
        /// Coefficients of the maximum load.
        max: Vec<f64>,
        /// Coefficients of the minimum load.
        min: Vec<f64>,
    },
    /// A variable-amplitude history: one coefficient row per sample.
    History {
        /// `samples[t][k]`: coefficient of load case k at sample t.
        samples: Vec<Vec<f64>>,
    },
}

impl Loading {
    /// Constant amplitude with `min = R · max`. Any finite R except 1 (a static load): R ∈ [−1, 1)
    /// for tension-led cycles, R > 1 compression-compression (|min| > |max|, both compressive),
    /// R < −1 compression-dominated reversal.
    pub fn from_r(max: Vec<f64>, r: f64) -> Result<Self, FatigueError> {
        if !r.is_finite() || r == 1.0 {
            return Err(FatigueError::StressRatio { value: r });
        }
        let min = max.iter().map(|m| r * m).collect();
        Ok(Self::Constant { max, min })
    }

    /// The number of load cases, validated: every row of the same length, every coefficient
    /// finite, a history not empty.
    pub fn validate(&self) -> Result<usize, FatigueError> {
        let rows: Vec<&[f64]> = match self {
            Self::Constant { max, min } => vec![max, min],
            Self::History { samples } => samples.iter().map(Vec::as_slice).collect(),
        };
        let Some(first) = rows.first() else { return Err(FatigueError::EmptyHistory) };
        let cases = first.len();
        if cases == 0 {
            return Err(FatigueError::NoLoadCases);
        }
        for (row, r) in rows.iter().enumerate() {
            if r.len() != cases {
                return Err(FatigueError::LoadCaseCount { row, found: r.len(), expected: cases });
            }
            if let Some((case, &value)) = r.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                return Err(FatigueError::LoadCoefficient { row, case, value });
            }
        }
        Ok(cases)
    }
}

/// The equivalent-stress criterion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Criterion {
    /// Von Mises with the sign of the trace (proportional loading).
    SignedVonMises,
    /// The principal stress of largest magnitude, signed (proportional loading).
    MaxPrincipal,
    /// Findley's critical plane `τ_a + k σ_n,max` (non-proportional loading).
    Findley {
        /// Normal-stress sensitivity k ≥ 0 (typically 0.2–0.3 for metals).
        k: f64,
        /// Plane grid step in degrees, (0, 45]; [`DEFAULT_FINDLEY_STEP`] is 10°.
        step: f64,
    },
}

/// The default Findley plane-grid step (degrees).
pub const DEFAULT_FINDLEY_STEP: f64 = 10.0;

/// What the assessment needs besides the stresses and the loading.
#[derive(Debug, Clone, PartialEq)]
pub struct FatigueParams {
    /// Equivalent-stress criterion.
    pub criterion: Criterion,
    /// Mean-stress correction (ignored by Findley, whose normal-stress term is its own).
    pub mean_stress: MeanStress,
    /// S-N curve with its Marin factors.
    pub sn: SnCurve,
    /// Ultimate strength S_u (Pa), for Goodman and Gerber.
    pub ultimate_strength: f64,
    /// Yield strength S_y (Pa), for Soderberg.
    pub yield_strength: f64,
    /// Design life: cycles for [`Loading::Constant`], repetitions for [`Loading::History`].
    pub design_life: f64,
}

impl Default for FatigueParams {
    /// Ti-6Al-4V ELI, signed von Mises, Goodman, 5·10⁶ cycles (the ISO 7206-4 / 14801 run-out).
    fn default() -> Self {
        Self::for_material(&Material::named("ti6al4v_eli").expect("library entry"), 5e6)
    }
}

impl FatigueParams {
    /// Signed von Mises and Goodman with `material`'s strengths and S-N curve.
    pub fn for_material(material: &Material, design_life: f64) -> Self {
        Self {
            criterion: Criterion::SignedVonMises,
            mean_stress: MeanStress::Goodman,
            sn: material.sn.clone(),
            ultimate_strength: material.ultimate_strength,
            yield_strength: material.yield_strength,
            design_life,
        }
    }

    /// Every parameter checked, naming the first bad one.
    pub fn validate(&self) -> Result<(), FatigueError> {
        if !(self.design_life.is_finite() && self.design_life > 0.0) {
            return Err(FatigueError::DesignLife { value: self.design_life });
        }
        positive("ultimate_strength", self.ultimate_strength)?;
        positive("yield_strength", self.yield_strength)?;
        if self.yield_strength > self.ultimate_strength {
            return Err(FatigueError::YieldAboveUltimate {
                yield_strength: self.yield_strength,
                ultimate: self.ultimate_strength,
            });
        }
        self.sn.validate()?;
        self.mean_stress.validate()?;
        if let Criterion::Findley { k, step } = self.criterion {
            finite("findley_k", k)?;
            if k < 0.0 {
                return Err(FatigueError::FindleyK { value: k });
            }
            PlaneSet::hemisphere(step)?;
        }
        Ok(())
    }
}

/// The fatigue result of one point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PointFatigue {
    /// Amplitude of the governing cycle (Pa): of the equivalent stress, or Findley's τ_a.
    pub alternating: f64,
    /// Mean of the governing cycle (Pa), or Findley's σ_n,max on the critical plane.
    pub mean: f64,
    /// The governing cycle's equivalent fully-reversed amplitude σ_ar (Pa).
    pub equivalent: f64,
    /// Life: cycles (constant) or repetitions (history); `f64::INFINITY` for infinite life.
    pub life: f64,
    /// Miner damage for the design life (design life / life).
    pub damage: f64,
    /// Factor on the loading that gives exactly the design life, in [1e-6, 1e3].
    pub safety_factor: f64,
    /// Findley's critical-plane normal; `None` for the proportional criteria.
    pub normal: Option<[f64; 3]>,
}

/// The assessment of one point (`unit`: its stress per load case), validated.
pub fn assess_point(
    unit: &[[f64; 6]],
    loading: &Loading,
    params: &FatigueParams,
) -> Result<PointFatigue, FatigueError> {
    Ok(assess_serial(unit, loading, params)?[0])
}

/// The assessment of every point, in parallel: `stresses[p * cases + k]` is point p's stress
/// under load case k (`cases` the loading's load-case count).
pub fn assess(
    stresses: &[[f64; 6]],
    loading: &Loading,
    params: &FatigueParams,
) -> Result<Vec<PointFatigue>, FatigueError> {
    let plan = Plan::new(stresses, loading, params)?;
    Ok(stresses.par_chunks(plan.cases).map_init(Scratch::default, |s, unit| plan.point(unit, s)).collect())
}

/// [`assess`] on one thread, in order (the parallel path's oracle).
pub fn assess_serial(
    stresses: &[[f64; 6]],
    loading: &Loading,
    params: &FatigueParams,
) -> Result<Vec<PointFatigue>, FatigueError> {
    let plan = Plan::new(stresses, loading, params)?;
    let mut s = Scratch::default();
    Ok(stresses.chunks(plan.cases).map(|unit| plan.point(unit, &mut s)).collect())
}

/// The signed equivalent-stress history of one point under a proportional criterion (the series
/// that [`assess`] rainflow-counts; for a rainflow table), or `None` for Findley.
pub fn equivalent_history(unit: &[[f64; 6]], samples: &[Vec<f64>], criterion: Criterion) -> Option<Vec<f64>> {
    let mut form = VonMisesForm::default();
    form.set(unit);
    samples.iter().map(|c| equivalent_of(criterion, unit, &form, c)).collect()
}

fn equivalent_of(criterion: Criterion, unit: &[[f64; 6]], form: &VonMisesForm, c: &[f64]) -> Option<f64> {
    match criterion {
        Criterion::SignedVonMises => Some(form.signed(c)),
        Criterion::MaxPrincipal => Some(max_abs_principal(&combine(unit, c))),
        Criterion::Findley { .. } => None,
    }
}

/// `Σ_k c_k σ_k`.
fn combine(unit: &[[f64; 6]], c: &[f64]) -> [f64; 6] {
    let mut s = [0.0; 6];
    for (u, &ck) in unit.iter().zip(c) {
        for i in 0..6 {
            s[i] += ck * u[i];
        }
    }
    s
}

/// Every input of an assessment checked, naming the first bad one: the parameters, the loading,
/// and the stresses (`points × cases`, all finite). The number of load cases.
pub(crate) fn validate_inputs(
    stresses: &[[f64; 6]],
    loading: &Loading,
    params: &FatigueParams,
) -> Result<usize, FatigueError> {
    params.validate()?;
    let cases = loading.validate()?;
    if stresses.is_empty() || !stresses.len().is_multiple_of(cases) {
        return Err(FatigueError::StressLayout { len: stresses.len(), cases });
    }
    for (i, s) in stresses.iter().enumerate() {
        if let Some((component, &value)) = s.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(FatigueError::Stress { point: i / cases, case: i % cases, component, value });
        }
    }
    Ok(cases)
}

/// Working buffers of one task.
#[derive(Debug, Default)]
struct Scratch {
    form: VonMisesForm,
    series: Vec<f64>,
    stack: Vec<(usize, f64)>,
    cycles: Vec<Cycle>,
    damaging: Vec<(f64, f64, f64)>,
    amplitudes: Vec<(f64, f64)>,
    findley: FindleyHistory,
}

/// Validated inputs shared by every point.
struct Plan<'a> {
    params: &'a FatigueParams,
    cases: usize,
    /// Constant: [max..., min...]; history: samples × cases, row-major.
    coefficients: Vec<f64>,
    history: bool,
    planes: Option<PlaneSet>,
    /// S-N strength at the design life.
    strength: f64,
    /// Endurance strength (0 without a knee).
    endurance: f64,
    /// The S-N curve in log space.
    log_sn: LogSn,
}

impl<'a> Plan<'a> {
    fn new(stresses: &[[f64; 6]], loading: &Loading, params: &'a FatigueParams) -> Result<Self, FatigueError> {
        let cases = validate_inputs(stresses, loading, params)?;
        let (coefficients, history) = match loading {
            Loading::Constant { max, min } => ([max.as_slice(), min].concat(), false),
            Loading::History { samples } => (samples.concat(), true),
        };
        let planes = match params.criterion {
            Criterion::Findley { step, .. } => Some(PlaneSet::hemisphere(step)?),
            _ => None,
        };
        let strength = params.sn.strength(params.design_life);
        let endurance = params.sn.endurance().unwrap_or(0.0);
        let log_sn = LogSn::new(&params.sn);
        Ok(Self { params, cases, coefficients, history, planes, strength, endurance, log_sn })
    }

    fn point(&self, unit: &[[f64; 6]], s: &mut Scratch) -> PointFatigue {
        match (self.params.criterion, self.history) {
            (Criterion::Findley { k, .. }, false) => self.findley_constant(unit, k),
            (Criterion::Findley { k, .. }, true) => self.findley_history(unit, k, s),
            (_, false) => self.proportional_constant(unit, s),
            (_, true) => self.proportional_history(unit, s),
        }
    }

    fn result(&self, alternating: f64, mean: f64, equivalent: f64, life: f64, safety: f64) -> PointFatigue {
        let damage = if life.is_infinite() { 0.0 } else { self.params.design_life / life };
        let safety_factor = safety.clamp(MIN_LOAD_FACTOR, MAX_LOAD_FACTOR);
        PointFatigue { alternating, mean, equivalent, life, damage, safety_factor, normal: None }
    }

    fn proportional_constant(&self, unit: &[[f64; 6]], s: &mut Scratch) -> PointFatigue {
        let p = self.params;
        s.form.set(unit);
        let (cmax, cmin) = self.coefficients.split_at(self.cases);
        let e1 = equivalent_of(p.criterion, unit, &s.form, cmax).unwrap_or(0.0);
        let e2 = equivalent_of(p.criterion, unit, &s.form, cmin).unwrap_or(0.0);
        let (a, m) = (0.5 * (e1 - e2).abs(), 0.5 * (e1 + e2));
        let (su, sy) = (p.ultimate_strength, p.yield_strength);
        let sar = p.mean_stress.equivalent_amplitude(a, m, su, sy);
        let safety = p.mean_stress.safety_factor(a, m, self.strength, su, sy);
        self.result(a, m, sar, p.sn.life(sar), safety)
    }

    fn proportional_history(&self, unit: &[[f64; 6]], s: &mut Scratch) -> PointFatigue {
        let p = self.params;
        let (su, sy, ms) = (p.ultimate_strength, p.yield_strength, p.mean_stress);
        s.form.set(unit);
        s.series.clear();
        if p.criterion == Criterion::MaxPrincipal {
            s.series.extend(self.coefficients.chunks_exact(self.cases).map(|c| max_abs_principal(&combine(unit, c))));
        } else {
            s.form.series_into(&self.coefficients, &mut s.series);
        }
        count_into(&s.series, &mut s.stack, &mut s.cycles);
        let (mut per_rep, mut worst, mut worst_count) = (0.0, (0.0, 0.0, 0.0), 0.0);
        s.damaging.clear();
        for c in &s.cycles {
            let (a, m) = (c.amplitude(), c.mean);
            let sar = ms.equivalent_amplitude(a, m, su, sy);
            if sar >= self.endurance {
                per_rep += c.count * self.log_sn.damage(sar.ln());
            }
            if sar > worst.2 {
                (worst, worst_count) = ((a, m, sar), c.count);
            }
            // A zero-amplitude cycle does no fatigue damage, but a tensile mean can still reach
            // the static limit under a larger load: keep it for the load factor.
            if a > 0.0 || m > 0.0 {
                s.damaging.push((a, m, c.count));
            }
        }
        // The worst cycle alone reaches the design life at its own closed-form factor, and more
        // cycles only add damage: that factor (1e-9 above, for rounding at the knee) bounds the
        // root, and cycles still under the knee there never count.
        let bound = ms.safety_factor(worst.0, worst.1, p.sn.strength(p.design_life * worst_count), su, sy);
        let bound = if bound.is_finite() { (bound * (1.0 + 1e-9)).min(MAX_LOAD_FACTOR) } else { MAX_LOAD_FACTOR };
        let endurance = self.endurance;
        s.damaging.retain(|&(a, m, _)| ms.equivalent_amplitude(bound * a, bound * m, su, sy) >= endurance);
        s.amplitudes.clear();
        if ms.is_homogeneous() {
            s.amplitudes.extend(s.damaging.iter().map(|&(a, m, n)| (ms.equivalent_amplitude(a, m, su, sy).ln(), n)));
        }
        let safety = if ms.is_homogeneous() {
            self.homogeneous_factor(&s.amplitudes)
        } else {
            let damaging = &s.damaging;
            load_factor_log(
                |x| {
                    let l = x.exp();
                    let d: f64 = damaging
                        .iter()
                        .map(|&(a, m, n)| n * self.log_sn.damage(ms.equivalent_amplitude(l * a, l * m, su, sy).ln()))
                        .sum();
                    (p.design_life * d).ln()
                },
                self.log_sn.slope(),
            )
        };
        self.result(worst.0, worst.1, worst.2, super::miner::life(per_rep), safety)
    }

    /// The load factor of cycles `(ln σ_ar, count)` whose σ_ar scales with the load.
    fn homogeneous_factor(&self, cycles: &[(f64, f64)]) -> f64 {
        let ln_life = self.params.design_life.ln();
        load_factor_log(
            |x| cycles.iter().map(|&(ln_s, n)| n * self.log_sn.damage(x + ln_s)).sum::<f64>().ln() + ln_life,
            self.log_sn.slope(),
        )
    }

    fn findley_constant(&self, unit: &[[f64; 6]], k: f64) -> PointFatigue {
        let (cmax, cmin) = self.coefficients.split_at(self.cases);
        let planes = self.planes.as_ref().expect("Findley plan has planes");
        let plane = findley::constant(&combine(unit, cmax), &combine(unit, cmin), k, planes);
        let sar = findley::equivalent_amplitude(plane.parameter, k);
        let safety = if sar > 0.0 { self.strength / sar } else { f64::INFINITY };
        let life = self.params.sn.life(sar);
        let r = self.result(plane.shear_amplitude, plane.normal_max, sar, life, safety);
        PointFatigue { normal: Some(plane.normal), ..r }
    }

    fn findley_history(&self, unit: &[[f64; 6]], k: f64, s: &mut Scratch) -> PointFatigue {
        let p = self.params;
        let planes = self.planes.as_ref().expect("Findley plan has planes");
        let plane = s.findley.critical(unit, &self.coefficients, k, planes, &p.sn);
        s.findley.cycles_on(unit, &self.coefficients, k, &plane, &mut s.amplitudes);
        let ln_endurance = self.endurance.ln();
        s.amplitudes.retain_mut(|c| {
            c.0 = c.0.ln();
            c.0 + MAX_LOAD_FACTOR.ln() >= ln_endurance
        });
        let safety = self.homogeneous_factor(&s.amplitudes);
        let r = self.result(
            plane.shear_amplitude,
            plane.normal_max,
            plane.equivalent,
            super::miner::life(plane.damage),
            safety,
        );
        PointFatigue { normal: Some(plane.normal), ..r }
    }
}
