//! Helpers shared by the verification tests.

use organ_twin::mesh::Mesh;
use organ_twin::progress::Silent;
use organ_twin::solve::Backend;
use organ_twin::twin::{Problem, Scenario, ScenarioError, Solution};

/// Reference values and tolerances (committed JSON).
pub fn reference() -> serde_json::Value {
    serde_json::from_str(include_str!("reference.json")).expect("reference.json parses")
}

/// Builds a problem from scenario text and an in-memory mesh.
pub fn build(toml: &str, mesh: Mesh) -> Result<Problem, ScenarioError> {
    let scenario = Scenario::parse(toml, "test.toml")?;
    Problem::build(scenario, mesh, "test.toml", &Silent)
}

/// Builds and solves on the CPU.
pub fn run(toml: &str, mesh: Mesh) -> Result<(Problem, Solution), ScenarioError> {
    let p = build(toml, mesh)?;
    let s = p.solve(&Backend::Cpu, &Silent)?;
    Ok((p, s))
}

/// A small deterministic generator (SplitMix64) for seeded perturbations.
pub struct Rng(pub u64);

impl Rng {
    /// Uniform in [-1, 1).
    pub fn symmetric(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
}
