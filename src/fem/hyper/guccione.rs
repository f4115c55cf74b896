//! Guccione's transversely isotropic law (Guccione, McCulloch, Waldman 1991), as in the
//! Land et al. (2015) cardiac mechanics benchmark:
//!
//! `ψ̄ = C/2 (e^Q − 1)`,
//! `Q = b_f E_ff² + b_t (E_ss² + E_nn² + E_sn² + E_ns²) + b_fs (E_fs² + E_sf² + E_fn² + E_nf²)`,
//!
//! with `E_pq = p₀ · Ē q₀` the isochoric Green–Lagrange strain `Ē = ½ (C̄ − I)` in the fibre
//! frame `(f₀, s₀, n₀)`. With `M_pq = sym(p₀ ⊗ q₀)` and `A = Σ_pq b_pq E_pq M_pq` (over all nine
//! ordered pairs): `S̄ = C e^Q A`, `ℂ̄ = C e^Q (2 A ⊗ A + Σ_pq b_pq M_pq ⊗ M_pq)`.
//! Parameters: `C > 0` (Pa), `b_f, b_t, b_fs > 0`; bulk modulus `κ > 0` for the volumetric part.

use super::tensor::{outer, sym_outer, Sym, Voigt};
use super::{check_parameter, Frame, Law, Response};

/// The Guccione law.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Guccione {
    c: f64,
    bf: f64,
    bt: f64,
    bfs: f64,
    kappa: f64,
}

impl Guccione {
    /// Checks every parameter is finite and positive.
    pub fn new(c: f64, bf: f64, bt: f64, bfs: f64, kappa: f64) -> Result<Self, String> {
        for (name, v) in [("c", c), ("bf", bf), ("bt", bt), ("bfs", bfs), ("bulk_modulus", kappa)] {
            check_parameter(name, v, false)?;
        }
        Ok(Guccione { c, bf, bt, bfs, kappa })
    }
}

impl Law for Guccione {
    fn name(&self) -> &'static str {
        "guccione"
    }

    fn bulk_modulus(&self) -> Option<f64> {
        Some(self.kappa)
    }

    fn shear_modulus(&self) -> f64 {
        0.5 * self.c * self.bf.max(self.bt).max(self.bfs)
    }

    fn anisotropic(&self) -> bool {
        self.bf != self.bt || self.bt != self.bfs
    }

    fn response(&self, c: &Sym, frame: &Frame) -> Response {
        let e: Sym = std::array::from_fn(|k| 0.5 * (c[k] - super::identity()[k]));
        let axes = [frame.fibre, frame.sheet, frame.normal];
        // b_pq for p, q in (f, s, n).
        let b = [[self.bf, self.bfs, self.bfs], [self.bfs, self.bt, self.bt], [self.bfs, self.bt, self.bt]];
        let mut q = 0.0;
        let mut a = [0.0; 6];
        let mut bmm: Voigt = [[0.0; 6]; 6];
        for (p, ap) in axes.iter().enumerate() {
            for (r, ar) in axes.iter().enumerate() {
                let m = sym_outer(ap, ar);
                let epq = super::tensor::quad(ap, &e, ar);
                q += b[p][r] * epq * epq;
                for k in 0..6 {
                    a[k] += b[p][r] * epq * m[k];
                }
                let mm = outer(&m, &m);
                for (row, mrow) in bmm.iter_mut().zip(&mm) {
                    for (v, w) in row.iter_mut().zip(mrow) {
                        *v += b[p][r] * w;
                    }
                }
            }
        }
        let ceq = self.c * q.exp();
        let aa = outer(&a, &a);
        Response {
            energy: 0.5 * self.c * (q.exp() - 1.0),
            stress: a.map(|v| ceq * v),
            tangent: std::array::from_fn(|i| std::array::from_fn(|j| ceq * (2.0 * aa[i][j] + bmm[i][j]))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn derivatives_and_objectivity() {
        let law = Guccione::new(2e3, 8.0, 2.0, 4.0, 1.0).unwrap();
        check_derivatives(&law, &cauchy_green(&sample_f()), &frame(), 1e-6);
        check_objectivity(&law, &frame());
        assert!(Guccione::new(2e3, 0.0, 2.0, 4.0, 1e6).is_err());
    }

    /// Incompressible uniaxial stretch λ along the fibre, lateral stretch λ^{-1/2}: the Green
    /// strains are E_ff = (λ² − 1)/2, E_ss = E_nn = (1/λ − 1)/2, and the lateral stresses vanish
    /// for the right pressure, which gives σ_ff = C e^Q (b_f E_ff λ² − b_t E_ss / λ).
    #[test]
    fn uniaxial_along_fibre_matches_closed_form() {
        let (c, bf, bt) = (2e3, 8.0, 2.0);
        let law = Guccione::new(c, bf, bt, 4.0, 1e9).unwrap();
        for lambda in [1.05, 1.2] {
            let (eff, ess) = (0.5 * (lambda * lambda - 1.0), 0.5 * (1.0 / lambda - 1.0));
            let q = bf * eff * eff + 2.0 * bt * ess * ess;
            let want = c * q.exp() * (bf * eff * lambda * lambda - bt * ess / lambda);
            let got = super::super::testing::uniaxial_cauchy(&law, lambda, &Frame::AXES);
            assert!((got - want).abs() < 1e-6 * want, "λ = {lambda}: {got} vs {want}");
        }
    }

    /// Simple shear γ in the fibre–sheet plane (x = f, y = s): E_fs = γ/2, E_ss = γ²/2, so
    /// σ_fs = C e^Q (b_fs γ/2 + b_t γ³/2) with Q = b_fs γ²/2 + b_t γ⁴/4 (isochoric, J = 1).
    #[test]
    fn simple_shear_matches_closed_form() {
        let (c, bt, bfs) = (2e3, 2.0, 4.0);
        let law = Guccione::new(c, 8.0, bt, bfs, 1e6).unwrap();
        let g = 0.3;
        let f = nalgebra::Matrix3::new(1.0, g, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0);
        let s = full(&law, &cauchy_green(&f), &Frame::AXES).stress;
        let sigma = f * super::super::tensor::to_matrix(&s) * f.transpose();
        let q = bfs * g * g / 2.0 + bt * g.powi(4) / 4.0;
        let want = c * q.exp() * (bfs * g / 2.0 + bt * g.powi(3) / 2.0);
        assert!((sigma[(0, 1)] - want).abs() < 1e-9 * want, "{} vs {want}", sigma[(0, 1)]);
    }
}
