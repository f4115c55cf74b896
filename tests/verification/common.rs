//! Helpers shared by the verification tests.

use std::sync::{Arc, OnceLock};

use organ_twin::gpu::{Gpu, GpuOptions};
use organ_twin::mesh::Mesh;
use organ_twin::progress::Silent;
use organ_twin::solve::{Backend, GpuBackend};
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
    run_on(&Backend::Cpu, toml, mesh)
}

/// Builds and solves on `backend`. On the GPU a scenario's `method = "direct"` becomes CG at
/// its default rtol 1e-8 (the GPU solves by CG only; the committed references were computed
/// by the direct solver, and the GPU must reproduce them).
pub fn run_on(backend: &Backend, toml: &str, mesh: Mesh) -> Result<(Problem, Solution), ScenarioError> {
    let toml = match backend {
        Backend::Gpu(_) => toml.replace("method = \"direct\"", "method = \"cg\""),
        _ => toml.to_string(),
    };
    let p = build(&toml, mesh)?;
    let s = p.solve(backend, &Silent)?;
    Ok((p, s))
}

/// The GPU backend, shared by the tests of this binary; `None` when no adapter exists, except
/// under `CI=true`, where a missing adapter fails the test (CI installs lavapipe).
pub fn gpu() -> Option<Arc<GpuBackend>> {
    static GPU: OnceLock<Option<Arc<GpuBackend>>> = OnceLock::new();
    GPU.get_or_init(|| match Gpu::new(&GpuOptions::default()) {
        Ok(gpu) => Some(Arc::new(GpuBackend::new(gpu))),
        Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but no GPU adapter: {e}")
        }
        Err(e) => {
            eprintln!("GPU tests skipped (not under CI=true): {e}");
            None
        }
    })
    .clone()
}

/// The CPU, and the GPU when there is one (see [`gpu`]).
pub fn backends() -> Vec<Backend> {
    std::iter::once(Backend::Cpu).chain(gpu().map(Backend::Gpu)).collect()
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
