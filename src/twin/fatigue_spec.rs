//! The `[fatigue]` table of a static linear-elastic scenario: which regions are assessed, with
//! what material data, criterion and mean-stress correction, under which cycle or load history.
//!
//! ```toml
//! [fatigue]
//! regions = ["implant", "abutment"]  # default: every region whose [[material]] names a library entry
//! material = "ti6al4v_eli"           # fatigue data (default: the region's [[material]] library)
//! criterion = "signed_von_mises"     # or "max_principal", "findley" (findley_k, findley_step)
//! mean_stress = "goodman"            # none, goodman, gerber, soderberg, swt, walker (walker_gamma)
//! design_life = 5e6                  # cycles (cycle) or repetitions (history)
//! surface_factor = 1.0               # Marin factors, each in (0, 1]
//! size_factor = 1.0
//! reliability_factor = 1.0
//! # Overrides of the library values (stress unit of the scenario):
//! # ultimate_strength = 860.0, yield_strength = 795.0,
//! # basquin = { coefficient = 2464.0, exponent = -0.1715, knee_cycles = 1e7 },
//! # sn_table = [[1e3, 774.0], [1e7, 500.0]], or endurance_limit = 500.0 (the default rule)
//!
//! [fatigue.cycle]                    # constant amplitude: factors on the loads' values
//! max = { head_load = 1.0 }          # default: every load at its value
//! r = 0.1                            # or min = { head_load = 0.1 }
//!
//! # or a variable-amplitude history (one column per load, factors on the loads' values):
//! # [fatigue.history]
//! # file = "gait.csv"
//! # time_column = "time"
//!
//! [[fatigue.bone]]                   # principal-strain overload map of a bone region
//! region = "bone"
//! tension_limit = 0.0073
//! compression_limit = 0.0104
//! ```

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

use super::scenario::RegionRef;

/// `[fatigue]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FatigueSpec {
    /// Regions assessed (default: every region whose material names a library entry).
    #[serde(default)]
    pub regions: Option<Vec<RegionRef>>,
    /// Library entry for the fatigue data of every assessed region.
    #[serde(default)]
    pub material: Option<String>,
    /// Equivalent-stress criterion.
    #[serde(default)]
    pub criterion: CriterionName,
    /// Findley's normal-stress sensitivity k (default 0.3).
    #[serde(default)]
    pub findley_k: Option<f64>,
    /// Findley's plane grid step in degrees (default 10).
    #[serde(default)]
    pub findley_step: Option<f64>,
    /// Mean-stress correction.
    #[serde(default)]
    pub mean_stress: MeanStressName,
    /// Walker's exponent γ (default 0.5).
    #[serde(default)]
    pub walker_gamma: Option<f64>,
    /// Design life: cycles (constant amplitude) or repetitions of the history.
    pub design_life: f64,
    /// Marin surface-finish factor.
    #[serde(default = "one")]
    pub surface_factor: f64,
    /// Marin size factor.
    #[serde(default = "one")]
    pub size_factor: f64,
    /// Marin reliability factor.
    #[serde(default = "one")]
    pub reliability_factor: f64,
    /// Override: ultimate strength (stress unit).
    #[serde(default)]
    pub ultimate_strength: Option<f64>,
    /// Override: yield strength (stress unit).
    #[serde(default)]
    pub yield_strength: Option<f64>,
    /// Override: a Basquin curve (coefficient in the stress unit).
    #[serde(default)]
    pub basquin: Option<BasquinSpec>,
    /// Override: an S-N table, rows `[cycles, amplitude]` (stress unit).
    #[serde(default)]
    pub sn_table: Option<Vec<[f64; 2]>>,
    /// Override: the endurance limit at 10⁷ cycles, with the default rule from 0.9 S_u at 10³.
    #[serde(default)]
    pub endurance_limit: Option<f64>,
    /// Constant-amplitude cycle.
    #[serde(default)]
    pub cycle: Option<CycleSpec>,
    /// Variable-amplitude history.
    #[serde(default)]
    pub history: Option<HistorySpec>,
    /// Bone regions with a strain overload map.
    #[serde(default)]
    pub bone: Vec<BoneSpec>,
}

fn one() -> f64 {
    1.0
}

/// Criterion names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CriterionName {
    /// Signed von Mises (sign of the trace).
    #[default]
    SignedVonMises,
    /// Signed largest-magnitude principal stress.
    MaxPrincipal,
    /// Findley's critical plane.
    Findley,
}

impl CriterionName {
    /// The name as written in the scenario.
    pub fn name(self) -> &'static str {
        match self {
            CriterionName::SignedVonMises => "signed_von_mises",
            CriterionName::MaxPrincipal => "max_principal",
            CriterionName::Findley => "findley",
        }
    }
}

/// Mean-stress correction names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeanStressName {
    /// None.
    None,
    /// Goodman (implant practice).
    #[default]
    Goodman,
    /// Gerber.
    Gerber,
    /// Soderberg.
    Soderberg,
    /// Smith–Watson–Topper.
    Swt,
    /// Walker.
    Walker,
}

impl MeanStressName {
    /// The name as written in the scenario.
    pub fn name(self) -> &'static str {
        match self {
            MeanStressName::None => "none",
            MeanStressName::Goodman => "goodman",
            MeanStressName::Gerber => "gerber",
            MeanStressName::Soderberg => "soderberg",
            MeanStressName::Swt => "swt",
            MeanStressName::Walker => "walker",
        }
    }
}

/// `basquin = { ... }`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasquinSpec {
    /// σ'_f (stress unit).
    pub coefficient: f64,
    /// b (< 0).
    pub exponent: f64,
    /// The knee N_e (cycles); none for no endurance limit.
    #[serde(default)]
    pub knee_cycles: Option<f64>,
}

/// `[fatigue.cycle]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CycleSpec {
    /// Factors on the loads' values at the maximum (default: every load at 1).
    #[serde(default)]
    pub max: Option<BTreeMap<String, f64>>,
    /// Factors at the minimum (or `r`).
    #[serde(default)]
    pub min: Option<BTreeMap<String, f64>>,
    /// The load ratio R = F_min / F_max.
    #[serde(default)]
    pub r: Option<f64>,
}

/// `[fatigue.history]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistorySpec {
    /// CSV file relative to the scenario: a time column and one column per load name.
    pub file: PathBuf,
    /// Name of the time column (default `time`).
    #[serde(default = "time")]
    pub time_column: String,
}

fn time() -> String {
    "time".into()
}

/// `[[fatigue.bone]]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoneSpec {
    /// The bone region.
    pub region: RegionRef,
    /// Tensile principal-strain limit (default 0.0073).
    #[serde(default = "tension")]
    pub tension_limit: f64,
    /// Compressive principal-strain limit, a positive magnitude (default 0.0104).
    #[serde(default = "compression")]
    pub compression_limit: f64,
}

fn tension() -> f64 {
    0.0073
}

fn compression() -> f64 {
    0.0104
}

impl FatigueSpec {
    /// Checks that need no mesh: one of cycle or history, load names known, numbers in range.
    pub fn check(&self, load_names: &[String]) -> Result<(), (String, String)> {
        let bad = |entry: &str, m: String| Err((entry.to_string(), m));
        if !(self.design_life.is_finite() && self.design_life > 0.0) {
            return bad(
                "fatigue",
                format!(
                    "design_life = {} must be a finite number > 0 (cycles, or repetitions of the history)",
                    self.design_life
                ),
            );
        }
        match (&self.cycle, &self.history) {
            (None, None) => {
                return bad(
                    "fatigue",
                    "give the loading: a [fatigue.cycle] (constant amplitude) or a [fatigue.history] (CSV)".into(),
                )
            }
            (Some(_), Some(_)) => return bad("fatigue", "give [fatigue.cycle] or [fatigue.history], not both".into()),
            _ => {}
        }
        if let Some(c) = &self.cycle {
            for (key, map) in [("max", &c.max), ("min", &c.min)] {
                for (name, v) in map.iter().flatten() {
                    if !load_names.contains(name) {
                        return bad(
                            "fatigue.cycle",
                            format!(
                                "{key} names the load '{name}', which the scenario lacks (loads: {})",
                                load_names.join(", ")
                            ),
                        );
                    }
                    if !v.is_finite() {
                        return bad("fatigue.cycle", format!("{key}.{name} = {v} must be a finite number"));
                    }
                }
            }
            match (c.min.is_some(), c.r) {
                (true, Some(_)) => return bad("fatigue.cycle", "give min = { ... } or r, not both".into()),
                (false, None) => return bad("fatigue.cycle", "give the minimum of the cycle: r = F_min / F_max (e.g. 0.1) or min = { load = factor }".into()),
                (_, Some(r)) if !r.is_finite() || r == 1.0 => {
                    return bad("fatigue.cycle", format!("r = {r}: the load ratio must be a finite number other than 1 (R = 1 is a static load); ISO 14801 and 7206-4 use 0.1"))
                }
                _ => {}
            }
        }
        let finite_positive = |key: &str, v: Option<f64>| {
            v.is_none_or(|v| v.is_finite() && v > 0.0)
                .then_some(())
                .ok_or_else(|| ("fatigue".to_string(), format!("{key} must be a finite number > 0")))
        };
        finite_positive("ultimate_strength", self.ultimate_strength)?;
        finite_positive("yield_strength", self.yield_strength)?;
        finite_positive("endurance_limit", self.endurance_limit)?;
        let overrides = [self.basquin.is_some(), self.sn_table.is_some(), self.endurance_limit.is_some()];
        if overrides.iter().filter(|b| **b).count() > 1 {
            return bad("fatigue", "give one S-N override: basquin, sn_table or endurance_limit".into());
        }
        if (self.findley_k.is_some() || self.findley_step.is_some()) && self.criterion != CriterionName::Findley {
            return bad("fatigue", "findley_k and findley_step belong to criterion = \"findley\"".into());
        }
        if self.walker_gamma.is_some() && self.mean_stress != MeanStressName::Walker {
            return bad("fatigue", "walker_gamma belongs to mean_stress = \"walker\"".into());
        }
        for (i, b) in self.bone.iter().enumerate() {
            for (key, v) in [("tension_limit", b.tension_limit), ("compression_limit", b.compression_limit)] {
                if !(v.is_finite() && v > 0.0) {
                    return bad(
                        &format!("fatigue.bone[{}]", i + 1),
                        format!("{key} = {v} must be a finite strain > 0 (e.g. 0.0073)"),
                    );
                }
            }
        }
        Ok(())
    }
}
