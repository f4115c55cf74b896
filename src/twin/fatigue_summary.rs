//! The `fatigue` section of `summary.json` (stresses in the scenario's stress unit, positions in
//! its length unit; an infinite life is written as `null`).

use std::collections::BTreeMap;

use serde::Serialize;

/// The fatigue result of a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FatigueSummary {
    /// Equivalent-stress criterion.
    pub criterion: String,
    /// Mean-stress correction.
    pub mean_stress: String,
    /// The loading, in words (e.g. "constant amplitude, R = 0.1").
    pub loading: String,
    /// Design life.
    pub design_life: f64,
    /// Unit of lives and of the design life: "cycles" or "repetitions" (of the history).
    pub life_unit: String,
    /// Where the stresses are evaluated.
    pub evaluation_points: String,
    /// Smallest safety factor (factor on the loading that gives exactly the design life).
    pub min_safety_factor: f64,
    /// Smallest life (`null`: infinite everywhere).
    pub min_life: Option<f64>,
    /// Largest Miner damage for the design life.
    pub max_damage: f64,
    /// True when every assessed point reaches the design life (min safety factor ≥ 1).
    pub passes: bool,
    /// The point of the smallest safety factor.
    pub hot_spot: HotSpot,
    /// Per assessed region.
    pub regions: Vec<RegionFatigue>,
    /// Per load case (each load solved on its own at its value).
    pub load_cases: Vec<LoadCaseSummary>,
    /// Bone overload maps.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bone: Vec<BoneSummary>,
    /// Seconds: load-case solves and the fatigue evaluation.
    pub seconds: BTreeMap<String, f64>,
}

/// The hot spot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HotSpot {
    /// Source id of the node.
    pub node: u64,
    /// Its position.
    pub position: [f64; 3],
    /// Its region.
    pub region: String,
    /// Safety factor there.
    pub safety_factor: f64,
    /// Life there (`null`: infinite).
    pub life: Option<f64>,
    /// Alternating stress of the governing cycle.
    pub alternating: f64,
    /// Mean stress of the governing cycle.
    pub mean: f64,
    /// Equivalent fully reversed amplitude.
    pub equivalent: f64,
    /// Findley's critical-plane normal, when that criterion is used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plane_normal: Option<[f64; 3]>,
}

/// One assessed region.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegionFatigue {
    /// Region name.
    pub region: String,
    /// Fatigue material (library name, or "scenario" for user data only).
    pub material: String,
    /// Where the material values come from, with their certainty.
    pub source: String,
    /// True when the values are typical literature values, not certified data.
    pub typical: bool,
    /// Ultimate strength used.
    pub ultimate_strength: f64,
    /// Yield strength used.
    pub yield_strength: f64,
    /// Fatigue strength at the design life (Marin factors applied).
    pub strength_at_design_life: f64,
    /// Nodes assessed.
    pub nodes: usize,
    /// Smallest safety factor in the region.
    pub min_safety_factor: f64,
    /// Smallest life in the region (`null`: infinite).
    pub min_life: Option<f64>,
    /// Source id of the node of the smallest safety factor.
    pub hot_spot_node: u64,
    /// How the GPU evaluated the region, when it did ([`crate::fatigue::gpu`]); absent: the CPU.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gpu: Option<crate::fatigue::gpu::GpuEvaluation>,
}

/// One unit load case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoadCaseSummary {
    /// Load name.
    pub name: String,
    /// Resultant of the load (force unit).
    pub applied_load: [f64; 3],
    /// Reactions of the supports (force unit).
    pub reactions: BTreeMap<String, [f64; 3]>,
    /// Peak nodal von Mises stress of the case alone.
    pub max_von_mises: f64,
    /// Largest displacement of the case alone.
    pub max_displacement: f64,
    /// True relative residual of its solve.
    pub relative_residual: f64,
}

/// A bone region's strain overload map.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BoneSummary {
    /// Region name.
    pub region: String,
    /// Tensile principal-strain limit.
    pub tension_limit: f64,
    /// Compressive principal-strain limit.
    pub compression_limit: f64,
    /// Largest risk ratio over the loading (1: a principal strain reaches its limit).
    pub max_risk: f64,
    /// Source id of that node.
    pub node: u64,
    /// Its position.
    pub position: [f64; 3],
}
