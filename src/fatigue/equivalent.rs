//! Equivalent uniaxial stresses for proportional loading (stress in Pa, Voigt order
//! `xx, yy, zz, xy, yz, xz`, as [`crate::fem::post`]).
//!
//! - **Signed von Mises** `σ_svm = sign(tr σ) · σ_vm`, `σ_vm² = 3/2 s:s` with `s` the deviator;
//!   the sign is the **trace's** (hydrostatic tension positive; a zero trace, e.g. pure shear,
//!   counts as positive). The trace's sign is continuous under proportional scaling, unlike the
//!   sign of the largest-magnitude principal stress, which can flip between samples of a
//!   nearly-balanced state.
//! - **Maximum absolute principal** `σ_p`: the principal stress of largest magnitude, with its sign.
//!
//! Along a history `σ(t) = Σ_k c_k(t) σ_k` of unit load cases, `σ_vm²` is a quadratic form in
//! the coefficients: `σ_vm²(t) = cᵀ Q c` with `Q_kl = B(σ_k, σ_l)`, `B(a, b) = 3/2 dev a : dev b`,
//! and `tr σ(t) = Σ c_k tr σ_k`. [`VonMisesForm`] precomputes Q per point, so each sample costs
//! O(cases²) instead of assembling a tensor.
//!
//! Principal stresses come in closed form (the trigonometric solution of the characteristic
//! cubic): `q = tr σ / 3`, `p = √(((σ − qI):(σ − qI))/6)`, `r = det((σ − qI)/p) / 2`,
//! `φ = acos(r)/3`, `σ1 = q + 2p cos φ`, `σ3 = q + 2p cos(φ + 2π/3)`, `σ2 = 3q − σ1 − σ3`.

use std::f64::consts::PI;

/// Von Mises equivalent stress.
pub fn von_mises(s: &[f64; 6]) -> f64 {
    bilinear(s, s).max(0.0).sqrt()
}

/// Signed von Mises: the von Mises stress with the sign of the trace (zero trace: positive).
pub fn signed_von_mises(s: &[f64; 6]) -> f64 {
    let vm = von_mises(s);
    if s[0] + s[1] + s[2] < 0.0 {
        -vm
    } else {
        vm
    }
}

/// Principal stresses, largest first (closed form).
pub fn principal(s: &[f64; 6]) -> [f64; 3] {
    let off = s[3] * s[3] + s[4] * s[4] + s[5] * s[5];
    let q = (s[0] + s[1] + s[2]) / 3.0;
    let (a, b, c) = (s[0] - q, s[1] - q, s[2] - q);
    let p2 = (a * a + b * b + c * c + 2.0 * off) / 6.0;
    if off == 0.0 {
        let mut d = [s[0], s[1], s[2]];
        d.sort_by(|x, y| y.total_cmp(x));
        return d;
    }
    let p = p2.sqrt();
    let (a, b, c, xy, yz, xz) = (a / p, b / p, c / p, s[3] / p, s[4] / p, s[5] / p);
    let det = a * (b * c - yz * yz) - xy * (xy * c - yz * xz) + xz * (xy * yz - b * xz);
    let phi = (0.5 * det).clamp(-1.0, 1.0).acos() / 3.0;
    let e1 = q + 2.0 * p * phi.cos();
    let e3 = q + 2.0 * p * (phi + 2.0 * PI / 3.0).cos();
    [e1, 3.0 * q - e1 - e3, e3]
}

/// The principal stress of largest magnitude, with its sign.
pub fn max_abs_principal(s: &[f64; 6]) -> f64 {
    let p = principal(s);
    if p[0].abs() >= p[2].abs() {
        p[0]
    } else {
        p[2]
    }
}

/// `B(a, b) = 3/2 dev a : dev b` (so that `B(σ, σ) = σ_vm²`).
fn bilinear(a: &[f64; 6], b: &[f64; 6]) -> f64 {
    let (qa, qb) = ((a[0] + a[1] + a[2]) / 3.0, (b[0] + b[1] + b[2]) / 3.0);
    let normal = (a[0] - qa) * (b[0] - qb) + (a[1] - qa) * (b[1] - qb) + (a[2] - qa) * (b[2] - qb);
    1.5 * normal + 3.0 * (a[3] * b[3] + a[4] * b[4] + a[5] * b[5])
}

/// The signed von Mises stress of `Σ c_k σ_k` as a quadratic form in the coefficients c.
#[derive(Debug, Clone, Default)]
pub struct VonMisesForm {
    cases: usize,
    q: Vec<f64>,
    trace: Vec<f64>,
}

impl VonMisesForm {
    /// Refills the form for the unit stresses `unit` (one per load case), reusing its buffers.
    pub fn set(&mut self, unit: &[[f64; 6]]) {
        let n = unit.len();
        self.cases = n;
        self.q.clear();
        self.q.resize(n * n, 0.0);
        self.trace.clear();
        for (k, a) in unit.iter().enumerate() {
            self.trace.push(a[0] + a[1] + a[2]);
            for (l, b) in unit.iter().enumerate().skip(k) {
                let v = bilinear(a, b);
                self.q[k * n + l] = if k == l { v } else { 2.0 * v };
            }
        }
    }

    /// Appends the signed von Mises stress of every sample of `coefficients` (row-major, one
    /// row of `cases` coefficients per sample) to `out`.
    pub fn series_into(&self, coefficients: &[f64], out: &mut Vec<f64>) {
        if self.cases == 2 {
            // The common two-load-case form, in one tight loop.
            let (q0, q1, q3, t0, t1) = (self.q[0], self.q[1], self.q[3], self.trace[0], self.trace[1]);
            out.extend(coefficients.chunks_exact(2).map(|c| {
                let (a, b) = (c[0], c[1]);
                let vm = (a * (q0 * a + q1 * b) + q3 * b * b).max(0.0).sqrt();
                if a * t0 + b * t1 < 0.0 {
                    -vm
                } else {
                    vm
                }
            }));
        } else {
            out.extend(coefficients.chunks_exact(self.cases).map(|c| self.signed(c)));
        }
    }

    /// Appends the form packed as the GPU kernel reads it: the upper triangle of Q row by row
    /// (k ≤ l, off-diagonals doubled), then the traces.
    pub fn packed_into(&self, out: &mut Vec<f64>) {
        let n = self.cases;
        for k in 0..n {
            out.extend_from_slice(&self.q[k * n + k..k * n + n]);
        }
        out.extend_from_slice(&self.trace);
    }

    /// Signed von Mises of `Σ c_k σ_k` (Q is kept upper-triangular with doubled off-diagonals).
    #[inline]
    pub fn signed(&self, c: &[f64]) -> f64 {
        let n = self.cases;
        let (vm2, tr) = if n == 2 {
            // The common two-load-case form, unrolled.
            let q = &self.q[..4];
            (c[0] * (q[0] * c[0] + q[1] * c[1]) + q[3] * c[1] * c[1], c[0] * self.trace[0] + c[1] * self.trace[1])
        } else {
            let (mut vm2, mut tr) = (0.0, 0.0);
            for k in 0..n {
                let row = &self.q[k * n + k..k * n + n];
                let acc: f64 = row.iter().zip(&c[k..n]).map(|(q, c)| q * c).sum();
                vm2 += c[k] * acc;
                tr += c[k] * self.trace[k];
            }
            (vm2, tr)
        };
        let vm = vm2.max(0.0).sqrt();
        if tr < 0.0 {
            -vm
        } else {
            vm
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_form_principal_matches_the_eigen_solver() {
        let states = [
            [100.0, -40.0, 25.0, 30.0, -12.0, 8.0],
            [1.0, 1.0, 1.0, 0.0, 0.0, 0.0],
            [0.0, 0.0, 0.0, 5.0, 0.0, 0.0],
            [-3e8, 2e7, 1e6, 0.0, 4e7, 0.0],
        ];
        for s in states {
            let (a, b) = (principal(&s), crate::fem::post::principal(&s));
            let scale = s.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            // Trig closed form vs symmetric QR: both backward stable; 1e-10 of the largest entry.
            for i in 0..3 {
                assert!((a[i] - b[i]).abs() <= 1e-10 * scale, "{s:?}: {a:?} vs {b:?}");
            }
        }
    }

    #[test]
    fn signs_follow_the_trace_and_the_largest_principal() {
        let compression = [-300.0, 50.0, 0.0, 0.0, 0.0, 0.0];
        assert_eq!(max_abs_principal(&compression), -300.0);
        assert_eq!(signed_von_mises(&compression), -von_mises(&compression));
        let shear = [0.0, 0.0, 0.0, 10.0, 0.0, 0.0];
        assert!((signed_von_mises(&shear) - 10.0 * 3f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn quadratic_form_equals_the_assembled_tensor() {
        let unit = [[100.0, -40.0, 25.0, 30.0, -12.0, 8.0], [-5.0, 60.0, -20.0, 0.0, 14.0, -9.0]];
        let mut f = VonMisesForm::default();
        f.set(&unit);
        for c in [[1.0, 0.0], [0.3, -2.0], [-1.0, -0.5]] {
            let three = [unit[0], unit[1], unit[0]];
            let mut f3 = VonMisesForm::default();
            f3.set(&three);
            let c3 = [0.5 * c[0], c[1], 0.5 * c[0]];
            let s: [f64; 6] = std::array::from_fn(|i| c[0] * unit[0][i] + c[1] * unit[1][i]);
            let direct = signed_von_mises(&s);
            assert!((f.signed(&c) - direct).abs() < 1e-12 * direct.abs().max(1.0));
            // The general path (three cases, the first split in two halves) gives the same.
            assert!((f3.signed(&c3) - direct).abs() < 1e-12 * direct.abs().max(1.0));
            let (mut two, mut three) = (Vec::new(), Vec::new());
            f.series_into(&c, &mut two);
            f3.series_into(&c3, &mut three);
            assert_eq!(two[0], f.signed(&c));
            assert!((three[0] - direct).abs() < 1e-12 * direct.abs().max(1.0));
            assert!((von_mises(&s) - crate::fem::post::von_mises(&s)).abs() < 1e-12 * direct.abs());
        }
    }
}
