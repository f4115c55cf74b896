//! The Holzapfel–Ogden (2009) orthotropic myocardium law:
//!
//! `ψ̄ = a/(2b) (e^{b(Ī₁−3)} − 1) + Σ_{i=f,s} a_i/(2b_i) (e^{b_i (Ī₄ᵢ−1)²} − 1) + a_fs/(2b_fs) (e^{b_fs Ī₈²} − 1)`,
//!
//! `Ī₁ = tr C̄`, `Ī₄f = f₀·C̄f₀`, `Ī₄s = s₀·C̄s₀`, `Ī₈ = f₀·C̄s₀`; the fibre and sheet terms act only
//! in tension (`Ī₄ᵢ > 1`). With `ψ₁ = a/2 e^{b(Ī₁−3)}`, `ψ₄ᵢ = a_i (Ī₄ᵢ−1) e^{b_i(Ī₄ᵢ−1)²}`,
//! `ψ₈ = a_fs Ī₈ e^{b_fs Ī₈²}`:
//! `S̄ = 2 (ψ₁ I + ψ₄f f₀⊗f₀ + ψ₄s s₀⊗s₀ + ψ₈ sym(f₀⊗s₀))` and
//! `ℂ̄ = 4 (b ψ₁ I⊗I + ψ₄₄f F₀⊗F₀ + ψ₄₄s S₀⊗S₀ + ψ₈₈ M⊗M)` with
//! `ψ₄₄ᵢ = a_i e^{…} (1 + 2 b_i (Ī₄ᵢ−1)²)`, `ψ₈₈ = a_fs e^{…} (1 + 2 b_fs Ī₈²)`.
//! Parameters (Pa for `a`s): `a, b, b_f, b_s, b_fs > 0`; `a_f, a_s, a_fs ≥ 0`; bulk modulus `κ > 0`.

use super::tensor::{outer, quad, sym_outer, Sym, Voigt};
use super::{check_parameter, identity, Frame, Law, Response};

/// The Holzapfel–Ogden parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HolzapfelOgden {
    /// `[a, b, a_f, b_f, a_s, b_s, a_fs, b_fs]`.
    p: [f64; 8],
    kappa: f64,
}

/// Scenario key names of the parameters, in the order of [`HolzapfelOgden::new`].
pub const KEYS: [&str; 8] = ["a", "b", "a_f", "b_f", "a_s", "b_s", "a_fs", "b_fs"];

impl HolzapfelOgden {
    /// Parameters in the order of [`KEYS`], and `κ`.
    pub fn new(p: [f64; 8], kappa: f64) -> Result<Self, String> {
        for (i, (&name, &v)) in KEYS.iter().zip(&p).enumerate() {
            check_parameter(name, v, matches!(i, 2 | 4 | 6))?;
        }
        check_parameter("bulk_modulus", kappa, false)?;
        Ok(HolzapfelOgden { p, kappa })
    }
}

/// `(ψ, ψ', ψ'')` of `a/(2b) (e^{b x²} − 1)` in `x`... written for the invariant term
/// `a/(2b)(e^{b(I−1)²} − 1)`: energy, `∂/∂I`, `∂²/∂I²`.
fn exp_square(a: f64, b: f64, x: f64) -> (f64, f64, f64) {
    let e = (b * x * x).exp();
    (a / (2.0 * b) * (e - 1.0), a * x * e, a * e * (1.0 + 2.0 * b * x * x))
}

impl Law for HolzapfelOgden {
    fn name(&self) -> &'static str {
        "holzapfel_ogden"
    }

    fn bulk_modulus(&self) -> Option<f64> {
        Some(self.kappa)
    }

    fn shear_modulus(&self) -> f64 {
        let [a, _, af, _, a_s, _, afs, _] = self.p;
        a.max(af).max(a_s).max(afs)
    }

    fn anisotropic(&self) -> bool {
        true
    }

    fn response(&self, c: &Sym, frame: &Frame) -> Response {
        let [a, b, af, bf, a_s, bs, afs, bfs] = self.p;
        let (f, s) = (&frame.fibre, &frame.sheet);
        let i1 = c[0] + c[1] + c[2];
        let e1 = (b * (i1 - 3.0)).exp();
        let (ff, ss, fs) = (sym_outer(f, f), sym_outer(s, s), sym_outer(f, s));
        let mut energy = a / (2.0 * b) * (e1 - 1.0);
        let mut stress: Sym = identity().map(|v| a * e1 * v);
        let mut tangent: Voigt = outer(&identity(), &identity()).map(|r| r.map(|v| 2.0 * a * b * e1 * v));
        let mut add = |w: (f64, f64, f64), m: &Sym| {
            energy += w.0;
            for k in 0..6 {
                stress[k] += 2.0 * w.1 * m[k];
            }
            let mm = outer(m, m);
            for (row, mrow) in tangent.iter_mut().zip(&mm) {
                for (v, x) in row.iter_mut().zip(mrow) {
                    *v += 4.0 * w.2 * x;
                }
            }
        };
        for (ai, bi, dir, m) in [(af, bf, f, &ff), (a_s, bs, s, &ss)] {
            let i4 = quad(dir, c, dir);
            if i4 > 1.0 && ai > 0.0 {
                add(exp_square(ai, bi, i4 - 1.0), m);
            }
        }
        if afs > 0.0 {
            add(exp_square(afs, bfs, quad(f, c, s)), &fs);
        }
        Response { energy, stress, tangent }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    /// The published set (a = 59 Pa, …) in `DOMAIN.md`.
    fn published() -> HolzapfelOgden {
        // A small bulk modulus, so that the deviatoric part dominates the derivative checks.
        HolzapfelOgden::new([59.0, 8.023, 18472.0, 16.026, 2481.0, 11.12, 216.0, 11.436], 1.0).unwrap()
    }

    #[test]
    fn derivatives_and_objectivity() {
        // sample_f stretches the fibre of frame() (I4f > 1): the fibre term is active.
        let c = cauchy_green(&sample_f());
        assert!(quad(&frame().fibre, &c, &frame().fibre) > 1.0);
        check_derivatives(&published(), &c, &frame(), 1e-6);
        check_objectivity(&published(), &frame());
        assert!(HolzapfelOgden::new([59.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], 1e6).is_err());
    }

    /// Incompressible uniaxial stretch along the fibre (x): Ī₁ = λ² + 2/λ, Ī₄f = λ², sheet
    /// compressed (inactive), Ī₈ = 0, so σ_ff = 2 ψ₁ (λ² − 1/λ) + 2 ψ₄f λ².
    #[test]
    fn uniaxial_along_fibre_matches_closed_form() {
        let law = HolzapfelOgden::new([59.0, 8.023, 18472.0, 16.026, 2481.0, 11.12, 216.0, 11.436], 1e9).unwrap();
        for lambda in [1.05f64, 1.1] {
            let i1 = lambda * lambda + 2.0 / lambda;
            let psi1 = 59.0 / 2.0 * (8.023 * (i1 - 3.0)).exp();
            let x: f64 = lambda * lambda - 1.0;
            let psi4 = 18472.0 * x * (16.026 * x * x).exp();
            let want = 2.0 * psi1 * (lambda * lambda - 1.0 / lambda) + 2.0 * psi4 * lambda * lambda;
            let got = uniaxial_cauchy(&law, lambda, &Frame::AXES);
            assert!((got - want).abs() < 1e-5 * want, "λ = {lambda}: {got} vs {want}");
        }
    }
}
