//! Isotropic linear elasticity: `σ = λ tr(ε) I + 2 μ ε`, with `ε = ½ (∇u + ∇uᵀ)`.
//!
//! Lamé parameters from Young's modulus `E` (Pa) and Poisson's ratio `ν`:
//! `λ = E ν / ((1 + ν)(1 − 2ν))`, `μ = E / (2 (1 + ν))`. Positive definiteness needs `E > 0`
//! and `−1 < ν < ½`.

use super::FemError;

/// An isotropic linear elastic material (SI units).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearElastic {
    youngs_modulus: f64,
    poisson_ratio: f64,
}

impl LinearElastic {
    /// Checks the parameters: `E` finite and positive, `ν` finite in `(−1, ½)`.
    pub fn new(youngs_modulus: f64, poisson_ratio: f64) -> Result<Self, FemError> {
        let bad = |what: String| Err(FemError::Material { what });
        if !youngs_modulus.is_finite() || youngs_modulus < f64::MIN_POSITIVE {
            return bad(format!(
                "youngs_modulus = {youngs_modulus:e} must be a finite number > 0 (and above {:e}, the smallest normal \
                 f64, so that stresses keep their precision); check its unit",
                f64::MIN_POSITIVE
            ));
        }
        if !poisson_ratio.is_finite() || poisson_ratio <= -1.0 || poisson_ratio >= 0.5 {
            return bad(format!(
                "poisson_ratio = {poisson_ratio} must lie in (-1, 0.5); 0.5 is incompressible, which linear \
                 displacement elements cannot represent (use Tet10 cells with a value up to 0.49, or a \
                 finite-strain analysis with an incompressible law)"
            ));
        }
        Ok(LinearElastic { youngs_modulus, poisson_ratio })
    }

    /// Young's modulus `E` (Pa).
    pub fn youngs_modulus(&self) -> f64 {
        self.youngs_modulus
    }

    /// Poisson's ratio `ν`.
    pub fn poisson_ratio(&self) -> f64 {
        self.poisson_ratio
    }

    /// Lamé parameters `(λ, μ)`.
    pub fn lame(&self) -> (f64, f64) {
        let (e, nu) = (self.youngs_modulus, self.poisson_ratio);
        (e * nu / ((1.0 + nu) * (1.0 - 2.0 * nu)), e / (2.0 * (1.0 + nu)))
    }

    /// Stress (Voigt order xx, yy, zz, xy, yz, xz) of a strain with engineering shears
    /// `(εxx, εyy, εzz, γxy, γyz, γxz)`, through the 6 × 6 matrix `D`.
    pub fn stress(&self, strain: &[f64; 6]) -> [f64; 6] {
        let d = self.voigt();
        std::array::from_fn(|i| (0..6).map(|j| d[i][j] * strain[j]).sum())
    }

    /// The elasticity matrix `D` in Voigt notation (engineering shear strains).
    pub fn voigt(&self) -> [[f64; 6]; 6] {
        let (l, m) = self.lame();
        let mut d = [[0.0; 6]; 6];
        for (i, row) in d.iter_mut().enumerate().take(3) {
            row[..3].fill(l);
            row[i] += 2.0 * m;
        }
        for (i, row) in d.iter_mut().enumerate().skip(3) {
            row[i] = m;
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_non_physical_parameters() {
        for (e, nu) in [(0.0, 0.3), (-1.0, 0.3), (f64::NAN, 0.3), (1.0, 0.5), (1.0, -1.0), (1.0, f64::NAN)] {
            assert!(LinearElastic::new(e, nu).is_err(), "E={e} nu={nu}");
        }
        assert!(LinearElastic::new(200e9, 0.3).is_ok());
    }

    #[test]
    fn uniaxial_stress_gives_young_and_poisson() {
        let m = LinearElastic::new(200e9, 0.3).unwrap();
        // Uniaxial stress state: εxx = 1/E, εyy = εzz = −ν/E.
        let s = m.stress(&[1.0 / 200e9, -0.3 / 200e9, -0.3 / 200e9, 0.0, 0.0, 0.0]);
        assert!((s[0] - 1.0).abs() < 1e-12 && s[1].abs() < 1e-12 && s[2].abs() < 1e-12);
        // Pure shear: τ = μ γ.
        let s = m.stress(&[0.0, 0.0, 0.0, 1e-3, 0.0, 0.0]);
        assert!((s[3] - 200e9 / 2.6 * 1e-3).abs() < 1e-3);
    }
}
