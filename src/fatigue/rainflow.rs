//! Rainflow cycle counting, ASTM E1049-85 (2011) §5.4.4, with the residue as half cycles.
//!
//! 1. **Reversals.** The first and last samples, and every sample where the slope changes sign;
//!    flat runs are skipped (a reversal on a plateau is reported at the plateau's last sample,
//!    as the Python `rainflow` package does). A two-sample history is one range (the Python
//!    package returns nothing for it).
//! 2. **Three-point rule.** Push each reversal; while three or more points are held, let
//!    `X = |p₋₁ − p₋₂|` (the newest range) and `Y = |p₋₂ − p₋₃|`. If `X < Y`, read the next
//!    reversal. Otherwise, if `Y` contains the starting point (three points held), count `Y` as a
//!    half cycle and discard its first point; else count `Y` as one cycle and discard its two
//!    points.
//! 3. **Residue.** Each remaining consecutive pair is a half cycle.
//!
//! A cycle carries its range `|x₁ − x₂|`, mean `(x₁ + x₂)/2`, count (0.5 or 1) and the sample
//! indices of its two points (the earlier point first in time order of the stack).

/// One counted cycle or half cycle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cycle {
    /// Range `|x₁ − x₂|` (twice the amplitude).
    pub range: f64,
    /// Mean `(x₁ + x₂)/2`.
    pub mean: f64,
    /// 1 for a full cycle, 0.5 for a half cycle.
    pub count: f64,
    /// Sample index of the cycle's first point.
    pub start: usize,
    /// Sample index of the cycle's second point.
    pub end: usize,
}

impl Cycle {
    fn of(a: (usize, f64), b: (usize, f64), count: f64) -> Self {
        Self { range: (a.1 - b.1).abs(), mean: 0.5 * (a.1 + b.1), count, start: a.0, end: b.0 }
    }

    /// The amplitude, half the range.
    pub fn amplitude(&self) -> f64 {
        0.5 * self.range
    }
}

/// The reversals of `series` as (sample index, value) (step 1).
pub fn reversals(series: &[f64]) -> Vec<(usize, f64)> {
    let mut out = Vec::new();
    for_each_reversal(series, |p| out.push(p));
    out
}

/// Calls `f` with each reversal of `series`, in order.
fn for_each_reversal(series: &[f64], mut f: impl FnMut((usize, f64))) {
    let n = series.len();
    if n < 2 {
        return;
    }
    f((0, series[0]));
    let mut x = series[1];
    let mut slope = x - series[0];
    for (i, &next) in series.iter().enumerate().skip(2) {
        if next == x {
            continue;
        }
        let d = next - x;
        if slope * d < 0.0 {
            f((i - 1, x));
        }
        x = next;
        slope = d;
    }
    f((n - 1, series[n - 1]));
}

/// The rainflow cycles of `series`.
pub fn count(series: &[f64]) -> Vec<Cycle> {
    let (mut stack, mut cycles) = (Vec::new(), Vec::new());
    count_into(series, &mut stack, &mut cycles);
    cycles
}

/// The rainflow cycles of `series` into `cycles` (cleared first), with `stack` as working
/// memory: no allocation once both have grown to the history's size.
pub fn count_into(series: &[f64], stack: &mut Vec<(usize, f64)>, cycles: &mut Vec<Cycle>) {
    stack.clear();
    cycles.clear();
    for_each_reversal(series, |p| {
        stack.push(p);
        while stack.len() >= 3 {
            let m = stack.len();
            let x = (stack[m - 1].1 - stack[m - 2].1).abs();
            let y = (stack[m - 2].1 - stack[m - 3].1).abs();
            if x < y {
                break;
            }
            if m == 3 {
                cycles.push(Cycle::of(stack[0], stack[1], 0.5));
                stack.remove(0);
            } else {
                cycles.push(Cycle::of(stack[m - 3], stack[m - 2], 1.0));
                stack[m - 3] = stack[m - 1];
                stack.truncate(m - 2);
            }
        }
    });
    for w in stack.windows(2) {
        cycles.push(Cycle::of(w[0], w[1], 0.5));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plateaus_and_short_histories() {
        assert_eq!(reversals(&[0.0, 1.0, 1.0, 1.0, -1.0]), vec![(0, 0.0), (3, 1.0), (4, -1.0)]);
        assert!(count(&[3.0]).is_empty());
        let c = count(&[0.0, 2.0]);
        assert_eq!(c, vec![Cycle { range: 2.0, mean: 1.0, count: 0.5, start: 0, end: 1 }]);
    }
}
