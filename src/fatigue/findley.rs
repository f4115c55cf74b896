//! Findley's stress-based critical-plane criterion.
//!
//! On a plane with unit normal **n**, the traction `t = σ n` splits into the normal stress
//! `σ_n = n·σn` and the shear vector `τ = σn − σ_n n`. Findley's parameter is
//! `f = τ_a + k σ_n,max`, k ≥ 0, maximised over planes.
//!
//! - **Constant amplitude** (two states σ_max, σ_min): the shear path on a plane is the segment
//!   from τ(σ_min) to τ(σ_max), so `τ_a = |τ(σ_max) − τ(σ_min)| / 2` — half its longest chord,
//!   which is also the radius of its minimum circumscribed circle — and
//!   `σ_n,max = max(σ_n(σ_max), σ_n(σ_min))`.
//! - **History** (see [`FindleyHistory`]): the simplification used is the shear *resolved* along
//!   [`DIRECTIONS`] in-plane directions `d_j = cos(jπ/D) e₁ + sin(jπ/D) e₂`; each resolved
//!   series `τ_j(t) = d_j·σ(t)n` is rainflow-counted and every cycle i gets
//!   `f_i = τ_a,i + k max_t σ_n(t)` (the history's largest normal stress on the plane — a
//!   conservative choice against the cycle's own). The direction that misses the path's longest
//!   chord by at most π/(2D) underestimates τ_a by at most `1 − cos(π/(2D))` (1.9 % for D = 8).
//!
//! **Equivalent amplitude.** Under uniaxial fully-reversed σ_a, a plane at θ from the load axis
//! has `τ_a = σ_a sinθ cosθ = (σ_a/2) sin 2θ` and `σ_n,max = σ_a cos²θ = (σ_a/2)(1 + cos 2θ)`,
//! so `f(θ) = (σ_a/2)(sin 2θ + k cos 2θ + k)`, maximal at `tan 2θ* = 1/k` with
//! `f* = σ_a (k + √(1 + k²)) / 2`. A point with Findley parameter f is therefore compared with
//! the S-N curve at `σ_ar = 2 f / (k + √(1 + k²))`; f ≤ 0 does no damage. The normal-stress term
//! is Findley's own mean-stress effect: no further mean-stress correction is applied.
//!
//! **Planes.** [`PlaneSet::hemisphere`] with step Δ (degrees): polar angles θ = iΔ' from +z,
//! Δ' = 90°/⌈90/Δ⌉, and at each θ, ⌈360° sinθ / Δ'⌉ azimuths (⌈180°/Δ'⌉ on the equator, where
//! n and −n are the same plane), plus the pole. The best grid normal is then refined
//! [`REFINE_LEVELS`] times on a 5 × 5 local grid of tangent offsets `tan(iδ) e₁ + tan(jδ) e₂`,
//! `i, j ∈ −2..2`, δ = Δ/4, Δ/16, Δ/64: the final angular resolution is Δ/128 (0.08° for Δ = 10°).

use super::error::FatigueError;
use super::rainflow::{count_into, Cycle};
use super::sn::SnCurve;

/// In-plane shear directions resolved for a history.
pub const DIRECTIONS: usize = 8;
/// Levels of local refinement around the best grid plane.
pub const REFINE_LEVELS: usize = 3;

/// The equivalent fully-reversed amplitude `2 f / (k + √(1 + k²))` of Findley parameter `f`.
pub fn equivalent_amplitude(f: f64, k: f64) -> f64 {
    if f > 0.0 {
        2.0 * f / (k + (1.0 + k * k).sqrt())
    } else {
        0.0
    }
}

/// A set of plane normals on the upper hemisphere.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaneSet {
    /// Unit normals.
    pub normals: Vec<[f64; 3]>,
    /// The grid step Δ (degrees).
    pub step: f64,
}

impl PlaneSet {
    /// The hemisphere grid of step `step` degrees, in (0, 45].
    pub fn hemisphere(step: f64) -> Result<Self, FatigueError> {
        if !(step > 0.0 && step <= 45.0) {
            return Err(FatigueError::FindleyStep { value: step });
        }
        let rings = (90.0 / step).ceil() as usize;
        let d = 90.0 / rings as f64;
        let mut normals = vec![[0.0, 0.0, 1.0]];
        for i in 1..=rings {
            let theta = (i as f64 * d).to_radians();
            let span = if i == rings { 180.0 } else { 360.0 };
            let count = ((span * theta.sin() / d).ceil() as usize).max(1);
            for j in 0..count {
                let phi = (j as f64 * span / count as f64).to_radians();
                normals.push([theta.sin() * phi.cos(), theta.sin() * phi.sin(), theta.cos()]);
            }
        }
        Ok(Self { normals, step })
    }
}

/// An orthonormal basis (e₁, e₂) of the plane with unit normal `n`: e₁ = ẑ × n normalised
/// (x̂ × n near the pole), e₂ = n × e₁.
pub fn plane_basis(n: [f64; 3]) -> ([f64; 3], [f64; 3]) {
    let axis = if n[2].abs() < 0.9 { [0.0, 0.0, 1.0] } else { [1.0, 0.0, 0.0] };
    let e1 = normalise(cross(axis, n));
    (e1, cross(n, e1))
}

/// The traction σn of Voigt stress `s`.
pub fn traction(s: &[f64; 6], n: [f64; 3]) -> [f64; 3] {
    [
        s[0] * n[0] + s[3] * n[1] + s[5] * n[2],
        s[3] * n[0] + s[1] * n[1] + s[4] * n[2],
        s[5] * n[0] + s[4] * n[1] + s[2] * n[2],
    ]
}

pub(crate) fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}

pub(crate) fn normalise(a: [f64; 3]) -> [f64; 3] {
    let l = dot(a, a).sqrt();
    [a[0] / l, a[1] / l, a[2] / l]
}

/// The critical plane of a constant-amplitude cycle between two stress states.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FindleyPlane {
    /// The critical plane's unit normal.
    pub normal: [f64; 3],
    /// Findley's parameter f = τ_a + k σ_n,max on it (Pa).
    pub parameter: f64,
    /// Shear amplitude τ_a (Pa).
    pub shear_amplitude: f64,
    /// Largest normal stress σ_n,max (Pa).
    pub normal_max: f64,
}

/// Findley's parameter on the plane `n` for the cycle between `max` and `min`.
pub fn constant_on_plane(max: &[f64; 6], min: &[f64; 6], k: f64, n: [f64; 3]) -> FindleyPlane {
    let (t1, t2) = (traction(max, n), traction(min, n));
    let (s1, s2) = (dot(t1, n), dot(t2, n));
    let dt = [t1[0] - t2[0] - (s1 - s2) * n[0], t1[1] - t2[1] - (s1 - s2) * n[1], t1[2] - t2[2] - (s1 - s2) * n[2]];
    let tau = 0.5 * dot(dt, dt).sqrt();
    let smax = s1.max(s2);
    FindleyPlane { normal: n, parameter: tau + k * smax, shear_amplitude: tau, normal_max: smax }
}

/// The critical plane for the constant-amplitude cycle between `max` and `min`: the best of
/// `planes`, refined (module docs).
pub fn constant(max: &[f64; 6], min: &[f64; 6], k: f64, planes: &PlaneSet) -> FindleyPlane {
    search(planes, |n| {
        let p = constant_on_plane(max, min, k, n);
        (p.parameter, p)
    })
}

/// Maximises `score(n).0` over the grid, then refines around the best normal.
pub(crate) fn search<K: PartialOrd + Copy, T: Copy>(planes: &PlaneSet, mut score: impl FnMut([f64; 3]) -> (K, T)) -> T {
    let (v0, t0) = score(planes.normals[0]);
    let mut best = (v0, planes.normals[0], Some(t0));
    for &n in &planes.normals[1..] {
        let (v, t) = score(n);
        if v > best.0 {
            best = (v, n, Some(t));
        }
    }
    let mut delta = planes.step.to_radians() / 4.0;
    for _ in 0..REFINE_LEVELS {
        let centre = best.1;
        let (e1, e2) = plane_basis(centre);
        for i in -2i32..=2 {
            for j in -2i32..=2 {
                if i == 0 && j == 0 {
                    continue;
                }
                let (a, b) = ((i as f64 * delta).tan(), (j as f64 * delta).tan());
                let n = normalise([
                    centre[0] + a * e1[0] + b * e2[0],
                    centre[1] + a * e1[1] + b * e2[1],
                    centre[2] + a * e1[2] + b * e2[2],
                ]);
                let (v, t) = score(n);
                if v > best.0 {
                    best = (v, n, Some(t));
                }
            }
        }
        delta /= 4.0;
    }
    best.2.expect("a plane set holds at least the pole")
}

/// The critical plane and shear direction of a history, with the damage per repetition there.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HistoryPlane {
    /// The critical plane's unit normal.
    pub normal: [f64; 3],
    /// The in-plane direction whose resolved shear governs.
    pub direction: [f64; 3],
    /// Miner damage per repetition on it.
    pub damage: f64,
    /// The largest equivalent amplitude `2 f_i / (k + √(1 + k²))` of its cycles (Pa).
    pub equivalent: f64,
    /// The shear amplitude of that cycle (Pa).
    pub shear_amplitude: f64,
    /// The history's largest normal stress on the plane (Pa).
    pub normal_max: f64,
}

/// Working memory of the history evaluation, reused between points.
#[derive(Debug, Clone, Default)]
pub struct FindleyHistory {
    tractions: Vec<[f64; 3]>,
    normal: Vec<f64>,
    shear: Vec<f64>,
    series: Vec<f64>,
    stack: Vec<(usize, f64)>,
    cycles: Vec<Cycle>,
}

impl FindleyHistory {
    /// The critical plane of the history `samples` (flat, `unit.len()` coefficients per
    /// sample) of the unit stresses `unit`: the plane and direction of the largest damage per
    /// repetition, ties (e.g. no damage anywhere) broken by the largest equivalent amplitude.
    pub fn critical(
        &mut self,
        unit: &[[f64; 6]],
        samples: &[f64],
        k: f64,
        planes: &PlaneSet,
        sn: &SnCurve,
    ) -> HistoryPlane {
        search(planes, |n| {
            let p = self.best_direction(unit, samples, k, n, sn);
            ((p.damage, p.equivalent), p)
        })
    }

    /// The equivalent amplitudes and counts `(σ_ar,i, n_i)` of the cycles on `plane`, into `out`.
    pub fn cycles_on(
        &mut self,
        unit: &[[f64; 6]],
        samples: &[f64],
        k: f64,
        plane: &HistoryPlane,
        out: &mut Vec<(f64, f64)>,
    ) {
        self.set_plane(unit, plane.normal);
        self.resolve(samples, plane.direction);
        count_into(&self.series, &mut self.stack, &mut self.cycles);
        out.clear();
        out.extend(
            self.cycles.iter().map(|c| (equivalent_amplitude(c.amplitude() + k * plane.normal_max, k), c.count)),
        );
    }

    /// The best of the [`DIRECTIONS`] resolved shear directions on plane `n`.
    fn best_direction(
        &mut self,
        unit: &[[f64; 6]],
        samples: &[f64],
        k: f64,
        n: [f64; 3],
        sn: &SnCurve,
    ) -> HistoryPlane {
        let cases = unit.len();
        self.set_plane(unit, n);
        let normal_max = samples.chunks_exact(cases).map(|c| dot_n(c, &self.normal)).fold(f64::NEG_INFINITY, f64::max);
        let (e1, e2) = plane_basis(n);
        let mut best: Option<HistoryPlane> = None;
        for j in 0..DIRECTIONS {
            let a = j as f64 * std::f64::consts::PI / DIRECTIONS as f64;
            let d = [0, 1, 2].map(|i| a.cos() * e1[i] + a.sin() * e2[i]);
            self.resolve(samples, d);
            count_into(&self.series, &mut self.stack, &mut self.cycles);
            let (mut damage, mut equivalent, mut shear) = (0.0, 0.0, 0.0);
            for c in &self.cycles {
                let sar = equivalent_amplitude(c.amplitude() + k * normal_max, k);
                damage += c.count / sn.life(sar);
                if sar > equivalent {
                    (equivalent, shear) = (sar, c.amplitude());
                }
            }
            let p = HistoryPlane { normal: n, direction: d, damage, equivalent, shear_amplitude: shear, normal_max };
            if best.is_none_or(|b| (p.damage, p.equivalent) > (b.damage, b.equivalent)) {
                best = Some(p);
            }
        }
        best.expect("DIRECTIONS > 0")
    }

    /// The tractions σ_k n and normal stresses n·σ_k n of the unit cases on plane `n`.
    fn set_plane(&mut self, unit: &[[f64; 6]], n: [f64; 3]) {
        self.tractions.clear();
        self.tractions.extend(unit.iter().map(|s| traction(s, n)));
        self.normal.clear();
        self.normal.extend(self.tractions.iter().map(|&t| dot(t, n)));
    }

    /// `series(t) = Σ_k c_k(t) d·(σ_k n)` on the plane of the last [`Self::set_plane`].
    fn resolve(&mut self, samples: &[f64], d: [f64; 3]) {
        self.shear.clear();
        self.shear.extend(self.tractions.iter().map(|&t| dot(t, d)));
        self.series.clear();
        let shear = &self.shear;
        self.series.extend(samples.chunks_exact(shear.len()).map(|c| dot_n(c, shear)));
    }
}

fn dot_n(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_covers_the_hemisphere_evenly() {
        let p = PlaneSet::hemisphere(10.0).unwrap();
        // Every direction of the sphere is within one step of a grid normal (or its opposite).
        for (theta, phi) in [(0.3f64, 0.2f64), (1.2, 2.9), (1.57, 4.0), (2.5, 1.0)] {
            let d = [theta.sin() * phi.cos(), theta.sin() * phi.sin(), theta.cos()];
            let best = p.normals.iter().map(|&n| dot(n, d).abs()).fold(0.0, f64::max);
            assert!(best > 10f64.to_radians().cos(), "{theta} {phi}: {best}");
        }
        assert!(PlaneSet::hemisphere(0.0).is_err() && PlaneSet::hemisphere(60.0).is_err());
    }
}
