//! Nearly incompressible neo-Hookean law: `ψ = μ/2 (Ī₁ − 3) + U(J)`, `Ī₁ = tr C̄`.
//!
//! In `C̄`: `S̄ = μ I`, `ℂ̄ = 0`; the isochoric projection and `U` are those of
//! [`hyper`](super). Parameters: shear modulus `μ > 0` and bulk modulus `κ > 0` (Pa). In the
//! incompressible limit, uniaxial stretch `λ` gives the Cauchy stress `σ = μ (λ² − 1/λ)`.

use super::{check_parameter, identity, tensor, Frame, Law, Response};

/// The neo-Hookean law.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NeoHookean {
    mu: f64,
    kappa: f64,
}

impl NeoHookean {
    /// Checks `μ > 0`, `κ > 0`.
    pub fn new(mu: f64, kappa: f64) -> Result<Self, String> {
        check_parameter("mu", mu, false)?;
        check_parameter("bulk_modulus", kappa, false)?;
        Ok(NeoHookean { mu, kappa })
    }
}

impl Law for NeoHookean {
    fn name(&self) -> &'static str {
        "neo_hookean"
    }

    fn bulk_modulus(&self) -> Option<f64> {
        Some(self.kappa)
    }

    fn shear_modulus(&self) -> f64 {
        self.mu
    }

    fn response(&self, c: &tensor::Sym, _frame: &Frame) -> Response {
        let i1 = c[0] + c[1] + c[2];
        Response { energy: 0.5 * self.mu * (i1 - 3.0), stress: identity().map(|v| self.mu * v), tangent: [[0.0; 6]; 6] }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn derivatives_and_objectivity() {
        let law = NeoHookean::new(10e3, 1.0).unwrap();
        check_derivatives(&law, &cauchy_green(&sample_f()), &Frame::AXES, 1e-6);
        check_objectivity(&law, &Frame::AXES);
        assert!(NeoHookean::new(-1.0, 1.0).is_err() && NeoHookean::new(1.0, f64::NAN).is_err());
    }
}
