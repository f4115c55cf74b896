//! St Venant–Kirchhoff: `ψ = λ/2 (tr E)² + μ E : E`, `E = ½ (C − I)`; `S = λ tr(E) I + 2 μ E`,
//! `ℂ = λ I ⊗ I + 2 μ I ⊙ I`. The finite-strain form of `linear_elastic`, which it equals for
//! small strains; written in the full `C` (no volumetric split). Not suited to large
//! compressive strains (it softens and loses ellipticity beyond about 40 % compression).

use super::tensor::{odot, outer, Sym};
use super::{identity, Frame, Law, Response};
use crate::fem::LinearElastic;

/// The St Venant–Kirchhoff law with the Lamé parameters of a linear elastic material.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StVenantKirchhoff {
    lambda: f64,
    mu: f64,
}

impl StVenantKirchhoff {
    /// From a checked linear elastic material.
    pub fn new(material: &LinearElastic) -> Self {
        let (lambda, mu) = material.lame();
        StVenantKirchhoff { lambda, mu }
    }
}

impl Law for StVenantKirchhoff {
    fn name(&self) -> &'static str {
        "linear_elastic"
    }

    fn bulk_modulus(&self) -> Option<f64> {
        None
    }

    fn shear_modulus(&self) -> f64 {
        self.mu
    }

    fn response(&self, c: &Sym, _frame: &Frame) -> Response {
        let i = identity();
        let e: Sym = std::array::from_fn(|k| 0.5 * (c[k] - i[k]));
        let tr = e[0] + e[1] + e[2];
        let ee = super::tensor::ddot(&e, &e);
        let (ii, id) = (outer(&i, &i), odot(&i));
        Response {
            energy: 0.5 * self.lambda * tr * tr + self.mu * ee,
            stress: std::array::from_fn(|k| self.lambda * tr * i[k] + 2.0 * self.mu * e[k]),
            tangent: std::array::from_fn(|p| {
                std::array::from_fn(|q| self.lambda * ii[p][q] + 2.0 * self.mu * id[p][q])
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn derivatives_and_objectivity() {
        let law = StVenantKirchhoff::new(&LinearElastic::new(200e9, 0.3).unwrap());
        check_derivatives(&law, &cauchy_green(&sample_f()), &Frame::AXES, 1e-6);
        check_objectivity(&law, &Frame::AXES);
    }
}
