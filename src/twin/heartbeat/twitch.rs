//! The active tension of one beat, `T_a(t)`, repeated every period.
//!
//! Two forms:
//! - the **raised-cosine twitch**: with `τ = t − onset` inside the beat, peak tension `T`, time to
//!   peak `t_p` and relaxation time `t_r`,
//!   `T_a = T · ½ (1 − cos(π τ / t_p))` for `0 ≤ τ ≤ t_p`,
//!   `T_a = T · ½ (1 + cos(π (τ − t_p) / t_r))` for `t_p < τ ≤ t_p + t_r`, and 0 otherwise. It is
//!   continuous with a continuous slope (zero at onset, peak and end), so the Newton solves of
//!   neighbouring time steps start close to each other;
//! - a **table** of `(t, T_a)` pairs within the beat, linearly interpolated, zero outside it.
//!
//! Tension is in the scenario's stress unit here; the driver converts it to Pa.

/// The tension waveform.
#[derive(Debug, Clone, PartialEq)]
pub enum Twitch {
    /// The raised-cosine twitch.
    Cosine {
        /// Peak tension.
        peak: f64,
        /// Start within the beat (s).
        onset: f64,
        /// Time from onset to peak (s).
        time_to_peak: f64,
        /// Time from peak back to zero (s).
        relaxation: f64,
    },
    /// `(t, T_a)` pairs, `t` increasing within the beat.
    Table(Vec<[f64; 2]>),
}

impl Twitch {
    /// The tension at time `t` (s) of a beat of `period` s (the waveform repeats).
    pub fn tension(&self, t: f64, period: f64) -> f64 {
        let t = t.rem_euclid(period);
        match self {
            Twitch::Cosine { peak, onset, time_to_peak, relaxation } => {
                let tau = t - onset;
                if tau < 0.0 {
                    0.0
                } else if tau <= *time_to_peak {
                    peak * 0.5 * (1.0 - (std::f64::consts::PI * tau / time_to_peak).cos())
                } else if tau <= time_to_peak + relaxation {
                    peak * 0.5 * (1.0 + (std::f64::consts::PI * (tau - time_to_peak) / relaxation).cos())
                } else {
                    0.0
                }
            }
            Twitch::Table(points) => {
                let (first, last) = (points[0], points[points.len() - 1]);
                if t < first[0] || t > last[0] {
                    return 0.0;
                }
                let k = points.partition_point(|p| p[0] <= t).clamp(1, points.len() - 1);
                let (a, b) = (points[k - 1], points[k]);
                if b[0] == a[0] {
                    return b[1];
                }
                a[1] + (b[1] - a[1]) * (t - a[0]) / (b[0] - a[0])
            }
        }
    }

    /// The largest tension of the waveform.
    pub fn peak(&self) -> f64 {
        match self {
            Twitch::Cosine { peak, .. } => *peak,
            Twitch::Table(points) => points.iter().map(|p| p[1]).fold(0.0, f64::max),
        }
    }

    /// Checks the waveform fits in a beat of `period` s; the message says which value is wrong.
    pub fn check(&self, period: f64) -> Result<(), String> {
        match self {
            Twitch::Cosine { peak, onset, time_to_peak, relaxation } => {
                if !(peak.is_finite() && *peak >= 0.0) {
                    return Err(format!("twitch peak = {peak} must be a finite tension >= 0"));
                }
                if !(onset.is_finite() && *onset >= 0.0) {
                    return Err(format!("twitch onset = {onset} must be a time >= 0 s"));
                }
                for (key, v) in [("time_to_peak", time_to_peak), ("relaxation", relaxation)] {
                    if !(v.is_finite() && *v > 0.0) {
                        return Err(format!("twitch {key} = {v} must be a time > 0 s"));
                    }
                }
                let end = onset + time_to_peak + relaxation;
                if end > period * (1.0 + 1e-12) {
                    return Err(format!(
                        "the twitch ends at onset + time_to_peak + relaxation = {end} s, after the beat's period of \
                         {period} s: shorten it or lengthen the period"
                    ));
                }
                Ok(())
            }
            Twitch::Table(points) => {
                if points.len() < 2 {
                    return Err("a twitch table needs at least two [t, T_a] pairs".into());
                }
                for (i, p) in points.iter().enumerate() {
                    if !(p[0].is_finite() && p[1].is_finite() && p[1] >= 0.0) {
                        return Err(format!("twitch table[{}] = {p:?}: t and T_a must be finite, T_a >= 0", i + 1));
                    }
                    if i > 0 && p[0] <= points[i - 1][0] {
                        return Err(format!(
                            "twitch table[{}]: the times must increase ({} after {})",
                            i + 1,
                            p[0],
                            points[i - 1][0]
                        ));
                    }
                }
                if points[0][0] < 0.0 || points[points.len() - 1][0] > period {
                    return Err(format!("the twitch table's times must lie within the beat, 0..={period} s"));
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_twitch_rises_peaks_and_relaxes() {
        let t = Twitch::Cosine { peak: 60.0, onset: 0.05, time_to_peak: 0.15, relaxation: 0.3 };
        assert!(t.check(0.8).is_ok());
        assert_eq!(t.tension(0.0, 0.8), 0.0);
        assert_eq!(t.tension(0.05, 0.8), 0.0);
        assert!((t.tension(0.125, 0.8) - 30.0).abs() < 1e-12, "half way up is half the peak");
        assert!((t.tension(0.2, 0.8) - 60.0).abs() < 1e-12);
        assert!((t.tension(0.35, 0.8) - 30.0).abs() < 1e-12);
        assert!(t.tension(0.5, 0.8).abs() < 1e-12);
        assert_eq!(t.tension(0.7, 0.8), 0.0);
        // Periodic.
        assert!((t.tension(1.0, 0.8) - 60.0).abs() < 1e-12);
        assert!(t.check(0.4).unwrap_err().contains("after the beat's period"));
    }

    #[test]
    fn table_twitch_interpolates() {
        let t = Twitch::Table(vec![[0.0, 0.0], [0.2, 50.0], [0.5, 0.0]]);
        assert!(t.check(0.8).is_ok());
        assert!((t.tension(0.1, 0.8) - 25.0).abs() < 1e-12);
        assert!((t.tension(0.35, 0.8) - 25.0).abs() < 1e-12);
        assert_eq!(t.tension(0.6, 0.8), 0.0);
        assert_eq!(t.peak(), 50.0);
        assert!(Twitch::Table(vec![[0.0, 0.0], [0.0, 1.0]]).check(1.0).unwrap_err().contains("increase"));
    }
}
