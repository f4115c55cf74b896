//! Built-in fatigue materials: elastic constants, strengths and S-N data, each with its source.
//!
//! Values come from `DOMAIN.md` §3 with its certainty tags (\[V\] read in a primary source, \[R\]
//! commonly quoted, not confirmed). Every entry here is a **typical literature value**
//! (`typical = true`), none certified data: a device submission must replace them with the
//! supplier's certified values. Strengths are specification minimums where the standard gives
//! them (ASTM F136, F1537, F75, F138). Where DOMAIN.md has no S-N data, the entry uses the default
//! rule (the log-log line from 0.9 S_u at 10³ to S_e at 10⁷, [`SnCurve::default_rule`]) and says
//! which S_e it assumed. Every field is public: a scenario overrides any of them.

use super::error::{positive, FatigueError};
use super::sn::SnCurve;

const MPA: f64 = 1e6;
const GPA: f64 = 1e9;

/// A fatigue material.
#[derive(Debug, Clone, PartialEq)]
pub struct Material {
    /// Library name (`ti6al4v_eli`, …).
    pub name: String,
    /// Young's modulus E (Pa).
    pub youngs_modulus: f64,
    /// Poisson's ratio ν.
    pub poisson_ratio: f64,
    /// Yield strength S_y (Pa).
    pub yield_strength: f64,
    /// Ultimate tensile strength S_u (Pa).
    pub ultimate_strength: f64,
    /// Stress-life curve (fully-reversed amplitude, Pa).
    pub sn: SnCurve,
    /// Where each value comes from, with its certainty.
    pub source: String,
    /// True for a typical literature value, false for certified data.
    pub typical: bool,
}

/// The library's names, in order.
pub const NAMES: [&str; 7] =
    ["ti6al4v_eli", "ti6al4v_am", "cocrmo_wrought", "cocrmo_cast", "ss316l_cw", "peek", "cortical_bone"];

impl Material {
    /// The library entry `name`, or `None` (see [`NAMES`]).
    pub fn named(name: &str) -> Option<Self> {
        let (e, nu, sy, su, sn, source) = match name {
            "ti6al4v_eli" => (
                110.0 * GPA,
                0.34,
                795.0 * MPA,
                860.0 * MPA,
                SnCurve::default_rule(860.0 * MPA, 500.0 * MPA),
                "ASTM F136 minimums S_y ≥ 795, S_u ≥ 860 MPa [V]; E 110 GPa from 105–114 [V]; ν 0.34 [R]; \
                 S-N: default rule to S_e = 500 MPa at 10⁷, the low end of the 500–650 MPa rotating-bending \
                 (smooth, R = −1) range [R]",
            ),
            "ti6al4v_am" => (
                116.0 * GPA,
                0.34,
                942.0 * MPA,
                1042.0 * MPA,
                SnCurve::basquin(2464.0 * MPA, -0.1715, Some(1e7)),
                "additive (cold-metal fusion) example: E 116 GPa, S_y 942, S_u 1042 MPa, Basquin σ'_f = 2464 MPa, \
                 b = −0.1715 [V]; ν 0.34 taken from wrought [R]; knee at 10⁷ cycles assumed (convention, \
                 S_e ≈ 138 MPa)",
            ),
            "cocrmo_wrought" => (
                210.0 * GPA,
                0.30,
                827.0 * MPA,
                1172.0 * MPA,
                SnCurve::table(vec![(1e3, 0.9 * 1172.0 * MPA), (1e8, 0.5 * 1172.0 * MPA)]),
                "ASTM F1537 S_y ≥ 827, S_u ≥ 1172 MPa [R]; E 210 GPa from 195–230 [V]; ν 0.30 [R]; S-N: \
                 0.9 S_u at 10³ to 0.5 S_u at 10⁸ (the 50 % of ultimate at 10⁸ reported for cast CoCrMo in \
                 Eagle's medium [V], carried over to wrought)",
            ),
            "cocrmo_cast" => (
                210.0 * GPA,
                0.30,
                450.0 * MPA,
                655.0 * MPA,
                SnCurve::table(vec![(1e3, 0.9 * 655.0 * MPA), (1e8, 0.5 * 655.0 * MPA)]),
                "ASTM F75 S_y ≥ 450, S_u ≥ 655 MPa [R]; E 210 GPa and ν 0.30 taken from wrought [R]; S-N: 0.9 S_u \
                 at 10³ to 0.5 S_u at 10⁸ (cast, Eagle's medium [V])",
            ),
            "ss316l_cw" => (
                195.0 * GPA,
                0.30,
                690.0 * MPA,
                860.0 * MPA,
                SnCurve::table(vec![(1e3, 0.9 * 860.0 * MPA), (1e8, 0.5 * 860.0 * MPA)]),
                "ASTM F138 cold-worked S_y ≥ 690, S_u ≥ 860 MPa [V]; E 195 GPa from 193–200 [V]; ν 0.30 [R]; \
                 S-N: 0.9 S_u at 10³ to 0.5 S_u at 10⁸ [V]",
            ),
            "peek" => (
                3.8 * GPA,
                0.38,
                95.0 * MPA,
                95.0 * MPA,
                SnCurve::default_rule(95.0 * MPA, 47.5 * MPA),
                "E 3.8 GPa from 3.6–4, ν 0.38 from 0.36–0.4, S_u 95 MPa from 90–100 [R]; no yield datum: S_y = S_u; \
                 no S-N data: default rule with an ASSUMED S_e = 0.5 S_u (a metals rule of thumb, not \
                 confirmed for PEEK) — override with measured data",
            ),
            "cortical_bone" => (
                17.9 * GPA,
                0.30,
                133.0 * MPA,
                133.0 * MPA,
                SnCurve::default_rule(133.0 * MPA, 66.5 * MPA),
                "longitudinal: E 17.9 GPa, ν 0.3, ultimate tension 133 MPa (compression 193) [R]; no yield datum: \
                 S_y = S_u; no S-N data: default rule with an ASSUMED S_e = 0.5 S_u — prefer the strain \
                 overload check (bone::strain_risk) for bone",
            ),
            _ => return None,
        };
        let sn = sn.expect("library S-N data are valid (tested)");
        Some(Self {
            name: name.to_string(),
            youngs_modulus: e,
            poisson_ratio: nu,
            yield_strength: sy,
            ultimate_strength: su,
            sn,
            source: source.to_string(),
            typical: true,
        })
    }

    /// Every library entry, in the order of [`NAMES`].
    pub fn library() -> Vec<Self> {
        NAMES.iter().filter_map(|n| Self::named(n)).collect()
    }

    /// Positive finite constants, ν ∈ (−1, 0.5), S_y ≤ S_u and a valid S-N curve.
    pub fn validate(&self) -> Result<(), FatigueError> {
        positive("youngs_modulus", self.youngs_modulus)?;
        if !(self.poisson_ratio > -1.0 && self.poisson_ratio < 0.5) {
            return Err(FatigueError::PoissonRatio { value: self.poisson_ratio });
        }
        positive("yield_strength", self.yield_strength)?;
        positive("ultimate_strength", self.ultimate_strength)?;
        if self.yield_strength > self.ultimate_strength {
            return Err(FatigueError::YieldAboveUltimate {
                yield_strength: self.yield_strength,
                ultimate: self.ultimate_strength,
            });
        }
        self.sn.validate()
    }
}
