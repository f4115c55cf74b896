//! The seeded synthetic fatigue model that benchmarks and tests share: random unit stress states
//! and two kinds of history, reproducible from their seeds on every machine.
//!
//! - [`gait`]: two loads as sums of three harmonics over one repetition (a smooth gait-like
//!   cycle, few reversals);
//! - [`noise`]: white noise per load (a reversal at about every second sample, the rainflow's
//!   worst case).

use super::Loading;

/// A SplitMix64 stream in [−1, 1) from `seed`.
pub fn splitmix(seed: u64) -> impl FnMut() -> f64 {
    let mut x = seed;
    move || {
        x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    }
}

/// `points × cases` unit stress states (Pa), each component uniform in [−`peak`, `peak`).
pub fn stresses(points: usize, cases: usize, peak: f64, seed: u64) -> Vec<[f64; 6]> {
    let mut r = splitmix(seed);
    (0..points * cases).map(|_| std::array::from_fn(|_| peak * r())).collect()
}

/// The gait-like history of two loads, `samples` samples over one repetition.
pub fn gait(samples: usize) -> Loading {
    let samples = (0..samples)
        .map(|j| {
            let t = std::f64::consts::TAU * j as f64 / samples as f64;
            vec![1.0 + 0.8 * t.sin() + 0.3 * (2.0 * t).sin(), 0.5 * t.cos() + 0.2 * (3.0 * t).cos()]
        })
        .collect();
    Loading::History { samples }
}

/// A white-noise history of `cases` loads, each coefficient uniform in [−1, 1).
pub fn noise(samples: usize, cases: usize, seed: u64) -> Loading {
    let mut r = splitmix(seed);
    Loading::History { samples: (0..samples).map(|_| (0..cases).map(|_| r()).collect()).collect() }
}
