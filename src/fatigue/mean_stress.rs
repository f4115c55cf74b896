//! Mean-stress corrections: the equivalent fully-reversed amplitude σ_ar of a cycle with amplitude
//! σ_a ≥ 0 and mean σ_m, and the safety factor on a proportional load line.
//!
//! | correction | σ_ar(σ_a, σ_m) | safety factor n: n σ_a, n σ_m on the S_N line |
//! | --- | --- | --- |
//! | none | σ_a | n = S_N / σ_a |
//! | Goodman | σ_a / (1 − σ_m/S_u) | 1/n = σ_a/S_N + σ_m/S_u |
//! | Gerber | σ_a / (1 − (σ_m/S_u)²) | n σ_a/S_N + (n σ_m/S_u)² = 1, so n = 2 / (A + √(A² + 4B²)), A = σ_a/S_N, B = σ_m/S_u |
//! | Soderberg | σ_a / (1 − σ_m/S_y) | 1/n = σ_a/S_N + σ_m/S_y |
//! | SWT | √(σ_max σ_a), σ_max = σ_m + σ_a | n = S_N / σ_ar (σ_ar is homogeneous of degree 1) |
//! | Walker (γ ∈ [0, 1]) | σ_max^{1−γ} σ_a^γ | n = S_N / σ_ar |
//!
//! The safety-factor column follows from the σ_ar column by setting σ_ar(n σ_a, n σ_m) = S_N,
//! where S_N is the S-N strength at the design life (S_e beyond the knee): e.g. Goodman
//! `n σ_a / (1 − n σ_m/S_u) = S_N ⇔ 1/n = σ_a/S_N + σ_m/S_u`.
//!
//! **Compressive means** (σ_m ≤ 0) are *neutral* for Goodman, Gerber and Soderberg: σ_ar = σ_a,
//! as implant practice does (DOMAIN.md §3 \[R\]) — no benefit is taken from compression. A tensile
//! mean at or beyond S_u (S_y for Soderberg) is a static failure: σ_ar = ∞, life 0.
//! **SWT and Walker** with σ_max ≤ 0 (the whole cycle in compression) do no damage: σ_ar = 0.
//! Walker with γ = 1 is no correction, γ = ½ is SWT.

use super::error::FatigueError;

/// The mean-stress correction.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum MeanStress {
    /// No correction: σ_ar = σ_a.
    None,
    /// Goodman line (S_u); compressive mean neutral.
    #[default]
    Goodman,
    /// Gerber parabola (S_u); compressive mean neutral.
    Gerber,
    /// Soderberg line (S_y); compressive mean neutral.
    Soderberg,
    /// Smith–Watson–Topper, stress form √(σ_max σ_a).
    Swt,
    /// Walker σ_max^{1−γ} σ_a^γ.
    Walker {
        /// The Walker exponent γ ∈ [0, 1].
        gamma: f64,
    },
}

impl MeanStress {
    /// Walker's γ within [0, 1].
    pub fn validate(&self) -> Result<(), FatigueError> {
        if let Self::Walker { gamma } = *self {
            if !(0.0..=1.0).contains(&gamma) {
                return Err(FatigueError::WalkerGamma { value: gamma });
            }
        }
        Ok(())
    }

    /// True when σ_ar(λσ_a, λσ_m) = λ σ_ar(σ_a, σ_m) for λ > 0 (none, SWT, Walker).
    pub fn is_homogeneous(&self) -> bool {
        matches!(self, Self::None | Self::Swt | Self::Walker { .. })
    }

    /// The equivalent fully-reversed amplitude σ_ar (Pa) of amplitude `amplitude` ≥ 0 and mean
    /// `mean`; `ultimate` S_u and `yield_strength` S_y in Pa.
    pub fn equivalent_amplitude(&self, amplitude: f64, mean: f64, ultimate: f64, yield_strength: f64) -> f64 {
        let a = amplitude;
        let line = |limit: f64, power: i32| {
            if mean <= 0.0 {
                a
            } else if mean >= limit {
                f64::INFINITY
            } else {
                a / (1.0 - (mean / limit).powi(power))
            }
        };
        match *self {
            Self::None => a,
            Self::Goodman => line(ultimate, 1),
            Self::Gerber => line(ultimate, 2),
            Self::Soderberg => line(yield_strength, 1),
            Self::Swt => {
                let max = mean + a;
                if max <= 0.0 {
                    0.0
                } else {
                    (max * a).sqrt()
                }
            }
            Self::Walker { gamma } => {
                let max = mean + a;
                if max <= 0.0 {
                    0.0
                } else {
                    max.powf(1.0 - gamma) * a.powf(gamma)
                }
            }
        }
    }

    /// The load factor n (uncapped; `f64::INFINITY` for a point that takes no damage at any
    /// load) at which the cycle (n σ_a, n σ_m) lies on the strength `strength` = S_N.
    pub fn safety_factor(&self, amplitude: f64, mean: f64, strength: f64, ultimate: f64, yield_strength: f64) -> f64 {
        let a = amplitude / strength;
        let inverse = |b: f64| 1.0 / (a + b);
        let n = match *self {
            Self::Goodman if mean > 0.0 => inverse(mean / ultimate),
            Self::Soderberg if mean > 0.0 => inverse(mean / yield_strength),
            Self::Gerber if mean > 0.0 => {
                let b = mean / ultimate;
                2.0 / (a + (a * a + 4.0 * b * b).sqrt())
            }
            Self::None | Self::Goodman | Self::Gerber | Self::Soderberg => 1.0 / a,
            Self::Swt | Self::Walker { .. } => {
                strength / self.equivalent_amplitude(amplitude, mean, ultimate, yield_strength)
            }
        };
        if n.is_nan() {
            f64::INFINITY
        } else {
            n
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SU: f64 = 1000e6;
    const SY: f64 = 900e6;

    /// The safety factor puts (nσ_a, nσ_m) exactly on S_N for every correction.
    #[test]
    fn safety_factor_lands_on_the_strength() {
        let all = [
            MeanStress::None,
            MeanStress::Goodman,
            MeanStress::Gerber,
            MeanStress::Soderberg,
            MeanStress::Swt,
            MeanStress::Walker { gamma: 0.7 },
        ];
        for ms in all {
            for (a, m) in [(100e6, 50e6), (100e6, -80e6), (20e6, 300e6)] {
                let sn = 400e6;
                let n = ms.safety_factor(a, m, sn, SU, SY);
                let sar = ms.equivalent_amplitude(n * a, n * m, SU, SY);
                assert!((sar / sn - 1.0).abs() < 1e-12, "{ms:?} a {a} m {m}: n {n} gives {sar}");
            }
        }
    }

    #[test]
    fn compressive_means_and_cycles() {
        assert_eq!(MeanStress::Goodman.equivalent_amplitude(100.0, -50.0, SU, SY), 100.0);
        assert_eq!(MeanStress::Swt.equivalent_amplitude(100.0, -150.0, SU, SY), 0.0);
        assert_eq!(MeanStress::Swt.safety_factor(100.0, -150.0, 1.0, SU, SY), f64::INFINITY);
        assert_eq!(MeanStress::Goodman.equivalent_amplitude(1.0, SU, SU, SY), f64::INFINITY);
        assert!(MeanStress::Walker { gamma: 1.5 }.validate().is_err());
    }
}
