//! Strain-based overload check of bone.
//!
//! With principal strains ε₁ ≥ ε₂ ≥ ε₃ (tensor components, `ε_xy = γ_xy / 2`, as
//! [`crate::fem::post`] stores them), the risk ratio is
//! `max(ε₁ / ε_t, −ε₃ / ε_c, 0)`: 1 means a principal strain reaches its limit. The default
//! limits, 0.73 % in tension and 1.04 % in compression, are those used in femur-strength FE
//! (DOMAIN.md §3 \[R\]).

use super::equivalent::principal;
use super::error::{positive, FatigueError};

/// Principal-strain limits (dimensionless strain, positive numbers).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoneStrainLimits {
    /// Tensile limit ε_t (default 0.0073).
    pub tension: f64,
    /// Compressive limit ε_c as a positive magnitude (default 0.0104).
    pub compression: f64,
}

impl Default for BoneStrainLimits {
    fn default() -> Self {
        Self { tension: 0.0073, compression: 0.0104 }
    }
}

impl BoneStrainLimits {
    /// Both limits finite and > 0.
    pub fn validate(&self) -> Result<(), FatigueError> {
        positive("bone_tension_strain_limit", self.tension)?;
        positive("bone_compression_strain_limit", self.compression)?;
        Ok(())
    }
}

/// The overload risk ratio `max(ε₁/ε_t, −ε₃/ε_c, 0)` of the strain tensor `strain`.
pub fn strain_risk(strain: &[f64; 6], limits: &BoneStrainLimits) -> f64 {
    let p = principal(strain);
    (p[0] / limits.tension).max(-p[2] / limits.compression).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniaxial_strains_hit_their_limits() {
        let l = BoneStrainLimits::default();
        // Uniaxial compression at the limit with lateral Poisson expansion ν = 0.3 (below the
        // tensile limit): the compressive term governs and equals 1.
        let e = [-0.0104, 0.3 * 0.0104, 0.3 * 0.0104, 0.0, 0.0, 0.0];
        assert!((strain_risk(&e, &l) - 1.0).abs() < 1e-12);
        // Pure shear γ = 2ε: principal ±ε.
        let s = [0.0, 0.0, 0.0, 0.00365, 0.0, 0.0];
        assert!((strain_risk(&s, &l) - 0.5).abs() < 1e-12);
        assert!(BoneStrainLimits { tension: 0.0, ..l }.validate().is_err());
    }
}
