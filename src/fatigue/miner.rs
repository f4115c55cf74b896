//! Palmgren–Miner linear damage, and the load factor that gives a target damage.
//!
//! A repetition of a history with counted cycles i (count nᵢ = 0.5 or 1, equivalent
//! fully-reversed amplitude σ_ar,i after the mean-stress correction) does the damage
//! `D₁ = Σᵢ nᵢ / N(σ_ar,i)`, N from the S-N curve (cycles under the endurance strength do none:
//! the knee is a hard cut-off, no Haibach extension). The life is `1 / D₁` repetitions and the
//! damage for a design life of L repetitions is `L D₁`; failure is predicted at `L D₁ = 1`.
//!
//! **Load factor.** Scaling the whole history by λ > 0 scales every cycle's amplitude and mean by
//! λ, and `D(λ)` is non-decreasing in λ (each σ_ar is, and N(σ) falls). [`load_factor`] finds
//! λ with `L D(λ) = 1` by false position (Illinois) on `ln(L D)` against `ln λ` — exact in one
//! step where D is a power law of λ (Basquin, homogeneous correction) — falling back to bisection
//! where `D` is 0 or infinite (below the knee, or a static failure). `D(λ)` jumps where a
//! cycle crosses the knee; the result is then the jump's position. Results lie in
//! `[MIN_LOAD_FACTOR, MAX_LOAD_FACTOR]`: a point that takes no damage up to the maximum factor
//! reports the maximum.

use super::mean_stress::MeanStress;
use super::sn::SnCurve;

/// The largest reported safety factor (points that are unloaded or take no damage up to it).
pub const MAX_LOAD_FACTOR: f64 = 1e3;
/// The smallest reported safety factor.
pub const MIN_LOAD_FACTOR: f64 = 1e-6;

/// One block of a spectrum: `cycles` cycles at amplitude `amplitude` and mean `mean` (Pa).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Block {
    /// Stress amplitude σ_a.
    pub amplitude: f64,
    /// Mean stress σ_m.
    pub mean: f64,
    /// Number of cycles (may be fractional: 0.5 for a rainflow half cycle).
    pub cycles: f64,
}

/// Miner damage `Σ nᵢ / N(σ_ar(σ_a,i, σ_m,i))` of `blocks`, with the mean-stress correction
/// `mean_stress` (S_u `ultimate`, S_y `yield_strength`) and S-N curve `sn`.
pub fn damage(blocks: &[Block], sn: &SnCurve, mean_stress: MeanStress, ultimate: f64, yield_strength: f64) -> f64 {
    blocks
        .iter()
        .map(|b| {
            let sar = mean_stress.equivalent_amplitude(b.amplitude, b.mean, ultimate, yield_strength);
            b.cycles / sn.life(sar)
        })
        .sum()
}

/// Life (repetitions) of a history of damage `damage_per_repetition`: its inverse, infinite
/// for no damage.
pub fn life(damage_per_repetition: f64) -> f64 {
    if damage_per_repetition > 0.0 {
        1.0 / damage_per_repetition
    } else {
        f64::INFINITY
    }
}

/// The load factor λ ∈ [MIN_LOAD_FACTOR, MAX_LOAD_FACTOR] with `damage(λ) = 1`, for a
/// non-decreasing `damage` (the damage for the design life at load factor λ).
pub fn load_factor(damage: impl Fn(f64) -> f64) -> f64 {
    load_factor_log(|x| damage(x.exp()).ln(), 6.0)
}

/// [`load_factor`] on `h(x) = ln D(eˣ)`, with `slope` a guess of `dh/dx` (the S-N curve's
/// exponent −1/b): the first step from λ = 1 is the Newton step of that slope.
pub(crate) fn load_factor_log(h: impl Fn(f64) -> f64, slope: f64) -> f64 {
    let (xmin, xmax) = (MIN_LOAD_FACTOR.ln(), MAX_LOAD_FACTOR.ln());
    let h0 = h(0.0);
    if h0 == 0.0 {
        return 1.0;
    }
    // Bracket [lo, hi] with h(lo) < 0 ≤ h(hi): the guessed step first, then doubling steps
    // (a decade where h is not finite), clipped to [xmin, xmax].
    let first = if h0.is_finite() { (h0.abs() / slope).max(1e-6) } else { std::f64::consts::LN_10 };
    let (mut lo, mut hlo, mut hi, mut hhi);
    let mut step = first;
    if h0 < 0.0 {
        (lo, hlo) = (0.0, h0);
        loop {
            hi = (lo + step).min(xmax);
            hhi = h(hi);
            if hhi >= 0.0 {
                break;
            }
            if hi >= xmax {
                return MAX_LOAD_FACTOR;
            }
            (lo, hlo, step) = (hi, hhi, 2.0 * step);
        }
    } else {
        (hi, hhi) = (0.0, h0);
        loop {
            lo = (hi - step).max(xmin);
            hlo = h(lo);
            if hlo < 0.0 {
                break;
            }
            if lo <= xmin {
                return MIN_LOAD_FACTOR;
            }
            (hi, hhi, step) = (lo, hlo, 2.0 * step);
        }
    }
    // Illinois false position; bisection when an end is not finite. Stops when L·D is within
    // 1e-12 of 1 or the bracket within 1e-12 in ln λ (a relative 1e-12 in λ, far below any
    // material datum's precision; the latter at a knee jump).
    let mut side = 0;
    for _ in 0..200 {
        if hi - lo <= 1e-12 {
            break;
        }
        let x = if hlo.is_finite() && hhi.is_finite() && hhi > hlo {
            lo - hlo * (hi - lo) / (hhi - hlo)
        } else {
            0.5 * (lo + hi)
        };
        let x = if x <= lo || x >= hi { 0.5 * (lo + hi) } else { x };
        let hx = h(x);
        if hx.abs() <= 1e-12 {
            return x.exp();
        }
        if hx < 0.0 {
            (lo, hlo) = (x, hx);
            if side == -1 {
                hhi *= 0.5;
            }
            side = -1;
        } else {
            (hi, hhi) = (x, hx);
            if side == 1 {
                hlo *= 0.5;
            }
            side = 1;
        }
    }
    (0.5 * (lo + hi)).exp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_factor_of_a_power_law_and_of_a_jump() {
        // D(λ) = 0.25 λ^4 → λ = 4^{1/4}.
        let l = load_factor(|x| 0.25 * x.powi(4));
        assert!((l / 4f64.powf(0.25) - 1.0).abs() < 1e-10, "{l}");
        // A step at λ = 3: no damage below, damage 5 above.
        let l = load_factor(|x| if x < 3.0 { 0.0 } else { 5.0 });
        assert!((l / 3.0 - 1.0).abs() < 1e-10, "{l}");
        assert_eq!(load_factor(|_| 0.0), MAX_LOAD_FACTOR);
        assert_eq!(load_factor(|_| f64::INFINITY), MIN_LOAD_FACTOR);
    }
}
