//! Stress-life (S-N) curves: Basquin with an endurance knee, or a user table, with Marin factors.
//!
//! Stresses are fully-reversed amplitudes σ_a in Pa; lives are cycles N (one cycle = two
//! reversals).
//!
//! **Basquin.** `σ_a = σ'_f (2N)^b` (b < 0), so `N(σ_a) = ½ (σ_a / σ'_f)^{1/b}`. With a knee at
//! N_e the endurance strength is `S_e = σ'_f (2 N_e)^b`: amplitudes below S_e have infinite life,
//! and `S(N) = S_e` for N ≥ N_e. Without a knee the line continues (life always finite).
//!
//! **Table.** Rows (N_i, S_i) with N strictly increasing and S strictly decreasing, interpolated
//! linearly in (log N, log S). Above the first row the first segment is extrapolated; the last
//! row is the knee: amplitudes below S_last have infinite life and `S(N) = S_last` beyond N_last.
//!
//! **Default rule** (a common tool convention, DOMAIN.md §3 \[V\]): when only S_u and the endurance
//! strength S_e are known, the table `(10³, 0.9 S_u), (10⁷, S_e)`.
//!
//! **Marin factors** `k = k_surface · k_size · k_reliability`, each in (0, 1], scale the whole
//! curve's strength: `S(N) = k S_raw(N)`, hence `N(σ) = N_raw(σ / k)`. (Shigley applies them to
//! S_e only; scaling the whole curve is the simpler, slightly more conservative choice in the
//! low-cycle range, and the only one defined for a table.)

use super::error::{finite, positive, FatigueError};

/// Marin-style strength modification factors, each in (0, 1]; 1 means no reduction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Marin {
    /// Surface finish factor k_a.
    pub surface: f64,
    /// Size factor k_b.
    pub size: f64,
    /// Reliability factor k_e.
    pub reliability: f64,
}

impl Default for Marin {
    fn default() -> Self {
        Self { surface: 1.0, size: 1.0, reliability: 1.0 }
    }
}

impl Marin {
    /// The product k_a k_b k_e.
    pub fn factor(&self) -> f64 {
        self.surface * self.size * self.reliability
    }

    /// Each factor finite and in (0, 1].
    pub fn validate(&self) -> Result<(), FatigueError> {
        for (name, value) in [("surface", self.surface), ("size", self.size), ("reliability", self.reliability)] {
            if !(value > 0.0 && value <= 1.0) {
                return Err(FatigueError::Marin { name, value });
            }
        }
        Ok(())
    }
}

/// The raw (unmodified) S-N data.
#[derive(Debug, Clone, PartialEq)]
pub enum SnData {
    /// Basquin `σ_a = σ'_f (2N)^b`.
    Basquin {
        /// Fatigue strength coefficient σ'_f (Pa).
        coefficient: f64,
        /// Basquin exponent b (< 0).
        exponent: f64,
        /// Knee N_e (cycles): infinite life below `σ'_f (2 N_e)^b`; `None` for no endurance limit.
        knee_cycles: Option<f64>,
    },
    /// Rows (N cycles, S Pa), N increasing and S decreasing strictly; the last row is the knee.
    Table {
        /// The rows.
        points: Vec<(f64, f64)>,
    },
}

/// An S-N curve with its Marin factors.
#[derive(Debug, Clone, PartialEq)]
pub struct SnCurve {
    /// The raw data.
    pub data: SnData,
    /// Strength modification applied to the whole curve.
    pub marin: Marin,
}

impl SnCurve {
    /// A Basquin curve, validated.
    pub fn basquin(coefficient: f64, exponent: f64, knee_cycles: Option<f64>) -> Result<Self, FatigueError> {
        let c = Self { data: SnData::Basquin { coefficient, exponent, knee_cycles }, marin: Marin::default() };
        c.validate()?;
        Ok(c)
    }

    /// A table curve (rows `(N, S)`), validated.
    pub fn table(points: Vec<(f64, f64)>) -> Result<Self, FatigueError> {
        let c = Self { data: SnData::Table { points }, marin: Marin::default() };
        c.validate()?;
        Ok(c)
    }

    /// The default rule: the log-log line from `0.9 S_u` at 10³ cycles to `S_e` at 10⁷ (the knee).
    pub fn default_rule(ultimate: f64, endurance: f64) -> Result<Self, FatigueError> {
        positive("ultimate_strength", ultimate)?;
        positive("endurance_strength", endurance)?;
        if 0.9 * ultimate <= endurance {
            return Err(FatigueError::DefaultRule { high: 0.9 * ultimate, endurance });
        }
        Self::table(vec![(1e3, 0.9 * ultimate), (1e7, endurance)])
    }

    /// The same curve with Marin factors `marin`, validated.
    pub fn with_marin(mut self, marin: Marin) -> Result<Self, FatigueError> {
        marin.validate()?;
        self.marin = marin;
        Ok(self)
    }

    /// Checks every number: finite, positive, b < 0, table monotone (naming the row), Marin in (0, 1].
    pub fn validate(&self) -> Result<(), FatigueError> {
        self.marin.validate()?;
        match &self.data {
            SnData::Basquin { coefficient, exponent, knee_cycles } => {
                positive("basquin_coefficient", *coefficient)?;
                finite("basquin_exponent", *exponent)?;
                if *exponent >= 0.0 {
                    return Err(FatigueError::BasquinExponent { value: *exponent });
                }
                if let Some(n) = knee_cycles {
                    positive("knee_cycles", *n)?;
                }
            }
            SnData::Table { points } => {
                if points.len() < 2 {
                    return Err(FatigueError::TableTooShort { rows: points.len() });
                }
                for &(n, s) in points {
                    positive("sn_table_cycles", n)?;
                    positive("sn_table_strength", s)?;
                }
                for (row, w) in points.windows(2).enumerate() {
                    let ((n0, s0), (n1, s1)) = (w[0], w[1]);
                    if !(n1 > n0 && s1 < s0) {
                        return Err(FatigueError::TableNotMonotone {
                            row: row + 1,
                            cycles: n1,
                            strength: s1,
                            prev: row,
                            prev_cycles: n0,
                            prev_strength: s0,
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// The endurance strength (Marin-scaled): amplitudes below it have infinite life; `None` when
    /// the curve has no knee.
    pub fn endurance(&self) -> Option<f64> {
        let k = self.marin.factor();
        match &self.data {
            SnData::Basquin { coefficient, exponent, knee_cycles } => {
                knee_cycles.map(|ne| k * coefficient * (2.0 * ne).powf(*exponent))
            }
            SnData::Table { points } => points.last().map(|p| k * p.1),
        }
    }

    /// Cycles to failure at the fully-reversed amplitude `amplitude` (Pa): `f64::INFINITY` at or
    /// below zero and below the endurance strength, 0 for an infinite amplitude.
    pub fn life(&self, amplitude: f64) -> f64 {
        if amplitude.is_nan() || amplitude <= 0.0 {
            return f64::INFINITY;
        }
        let s = amplitude / self.marin.factor();
        match &self.data {
            SnData::Basquin { coefficient, exponent, knee_cycles } => {
                if let Some(ne) = knee_cycles {
                    if s < coefficient * (2.0 * ne).powf(*exponent) {
                        return f64::INFINITY;
                    }
                }
                0.5 * (s / coefficient).powf(1.0 / exponent)
            }
            SnData::Table { points } => table_life(points, s),
        }
    }

    /// Strength (fully-reversed amplitude, Pa) at `cycles`; the endurance strength beyond the knee.
    pub fn strength(&self, cycles: f64) -> f64 {
        let k = self.marin.factor();
        match &self.data {
            SnData::Basquin { coefficient, exponent, knee_cycles } => {
                let n = knee_cycles.map_or(cycles, |ne| cycles.min(ne));
                k * coefficient * (2.0 * n).powf(*exponent)
            }
            SnData::Table { points } => k * table_strength(points, cycles),
        }
    }
}

/// A validated curve in log space for the hot loops: `ln N` as a piecewise-linear function of
/// `ln σ_a`, Marin factors applied, with the same segments and knee as [`SnCurve::life`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LogSn {
    /// `ln` of the endurance strength (amplitudes below it: infinite life); −∞ without a knee.
    ln_knee: f64,
    /// Segments `(ln S_lo, ln S_hi, ln N at S_hi, d ln N / d ln S)` in decreasing strength; the
    /// first extends upwards, the last down to the knee.
    segments: Vec<(f64, f64, f64, f64)>,
}

impl LogSn {
    /// The log-space form of the validated curve `c`.
    pub(crate) fn new(c: &SnCurve) -> Self {
        let ln_k = c.marin.factor().ln();
        match &c.data {
            SnData::Basquin { coefficient, exponent, knee_cycles } => {
                // ln N = ln ½ + (ln σ − ln(k σ'_f)) / b.
                let ln_sf = ln_k + coefficient.ln();
                let ln_knee = knee_cycles.map_or(f64::NEG_INFINITY, |ne| ln_sf + exponent * (2.0 * ne).ln());
                Self { ln_knee, segments: vec![(f64::NEG_INFINITY, ln_sf, 0.5f64.ln(), 1.0 / exponent)] }
            }
            SnData::Table { points } => {
                let segments = points
                    .windows(2)
                    .map(|w| {
                        let (hi, lo) = ((w[0].1.ln() + ln_k, w[0].0.ln()), (w[1].1.ln() + ln_k, w[1].0.ln()));
                        (lo.0, hi.0, hi.1, (lo.1 - hi.1) / (lo.0 - hi.0))
                    })
                    .collect();
                Self { ln_knee: points[points.len() - 1].1.ln() + ln_k, segments }
            }
        }
    }

    /// `ln N` at `ln σ_a` (+∞ below the knee).
    #[inline]
    pub(crate) fn ln_life(&self, ln_s: f64) -> f64 {
        if ln_s < self.ln_knee || ln_s.is_nan() {
            return f64::INFINITY;
        }
        let last = self.segments.len() - 1;
        let seg = self.segments.iter().position(|s| ln_s >= s.0).unwrap_or(last);
        let (_, ln_hi, ln_n, slope) = self.segments[seg];
        ln_n + slope * (ln_s - ln_hi)
    }

    /// The damage `1/N(σ)` of one cycle at amplitude `σ = e^{ln_s}`.
    #[inline]
    pub(crate) fn damage(&self, ln_s: f64) -> f64 {
        (-self.ln_life(ln_s)).exp()
    }

    /// `ln` of the endurance strength (−∞ without a knee).
    pub(crate) fn ln_knee(&self) -> f64 {
        self.ln_knee
    }

    /// The segments `(ln S_lo, ln S_hi, ln N at S_hi, d ln N / d ln S)`, decreasing strength (the
    /// first's `ln S_lo` may be −∞).
    pub(crate) fn segments(&self) -> &[(f64, f64, f64, f64)] {
        &self.segments
    }

    /// |d ln N / d ln S| of the steepest-strength (first) segment, a guess of ln D's slope in ln λ.
    pub(crate) fn slope(&self) -> f64 {
        -self.segments[0].3
    }
}

/// Log-log interpolation of N at strength `s` on a validated table.
fn table_life(points: &[(f64, f64)], s: f64) -> f64 {
    let last = points[points.len() - 1];
    if s < last.1 {
        return f64::INFINITY;
    }
    // The segment [i, i+1] with S_i ≥ s ≥ S_{i+1}; above S_0 the first segment extrapolates.
    let i = points.windows(2).position(|w| s >= w[1].1).unwrap_or(0);
    let ((n0, s0), (n1, s1)) = (points[i], points[i + 1]);
    let t = (s.ln() - s0.ln()) / (s1.ln() - s0.ln());
    (n0.ln() + t * (n1.ln() - n0.ln())).exp()
}

/// Log-log interpolation of S at `cycles` on a validated table.
fn table_strength(points: &[(f64, f64)], cycles: f64) -> f64 {
    let last = points[points.len() - 1];
    if cycles >= last.0 {
        return last.1;
    }
    let i = points.windows(2).position(|w| cycles <= w[1].0).unwrap_or(0);
    let ((n0, s0), (n1, s1)) = (points[i], points[i + 1]);
    let t = (cycles.ln() - n0.ln()) / (n1.ln() - n0.ln());
    (s0.ln() + t * (s1.ln() - s0.ln())).exp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basquin_life_and_strength_invert_each_other() {
        let c = SnCurve::basquin(2464e6, -0.1715, Some(1e7)).unwrap();
        for n in [1e3, 1e5, 3e6] {
            let s = c.strength(n);
            assert!((c.life(s) / n - 1.0).abs() < 1e-12, "N = {n}");
        }
        let se = c.endurance().unwrap();
        assert_eq!(c.life(se * (1.0 - 1e-12)), f64::INFINITY);
        assert!((c.strength(1e9) - se).abs() < 1e-6);
    }

    #[test]
    fn table_interpolates_log_log_and_names_the_bad_row() {
        let c = SnCurve::table(vec![(1e3, 800e6), (1e5, 400e6), (1e7, 200e6)]).unwrap();
        // Midway in log N between 1e3 and 1e5 is the geometric mean of the strengths.
        assert!((c.strength(1e4) / (800e6f64 * 400e6).sqrt() - 1.0).abs() < 1e-12);
        assert!((c.life(400e6) / 1e5 - 1.0).abs() < 1e-12);
        assert_eq!(c.life(199e6), f64::INFINITY);
        let e = SnCurve::table(vec![(1e3, 800e6), (1e5, 400e6), (1e6, 450e6)]).unwrap_err();
        assert!(matches!(e, FatigueError::TableNotMonotone { row: 2, prev: 1, .. }), "{e}");
    }

    #[test]
    fn log_form_matches_the_life() {
        let m = Marin { surface: 0.9, ..Marin::default() };
        let curves = [
            SnCurve::basquin(2464e6, -0.1715, Some(1e7)).unwrap().with_marin(m).unwrap(),
            SnCurve::basquin(2464e6, -0.1715, None).unwrap(),
            SnCurve::table(vec![(1e3, 800e6), (1e5, 400e6), (1e7, 200e6)]).unwrap().with_marin(m).unwrap(),
        ];
        for c in &curves {
            let l = LogSn::new(c);
            for s in [150e6, 190e6, 250e6, 399e6, 600e6, 900e6, 2e9] {
                let (a, b) = (c.life(s), l.ln_life(s.ln()).exp());
                // Same line, evaluated through logs: a few ulps of ln N ≈ 20, i.e. 1e-14.
                assert!(a == b || (a / b - 1.0).abs() < 1e-13, "{c:?} at {s}: {a} vs {b}");
            }
        }
    }

    #[test]
    fn marin_scales_the_strength() {
        let m = Marin { surface: 0.8, size: 0.9, reliability: 0.814 };
        let c = SnCurve::basquin(1000e6, -0.1, None).unwrap().with_marin(m).unwrap();
        let raw = SnCurve::basquin(1000e6, -0.1, None).unwrap();
        assert!((c.strength(1e6) / raw.strength(1e6) - m.factor()).abs() < 1e-12);
        assert!(SnCurve::basquin(1000e6, -0.1, None).unwrap().with_marin(Marin { size: 1.2, ..m }).is_err());
    }
}
