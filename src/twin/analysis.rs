//! Scenario tables of the finite-strain analyses: `[analysis]` (kind, load steps, Newton
//! settings), `[fibers]`, `[[cavity]]`, and the hyperelastic keys of `[[material]]`.
//!
//! ```toml
//! [analysis]
//! kind = "quasi_static"        # "static" (one linear solve) is the default for linear_elastic
//! steps = 10                   # every load ramps linearly to its value in 10 steps, or:
//! [[analysis.step]]            # explicit steps: load values by load name
//! increments = 10
//! loads = { endo_pressure = 10.0 }
//! [[analysis.step]]
//! increments = 10
//! loads = { endo_pressure = 15.0, contraction = 60.0 }
//! ```
//!
//! In a step list every load starts at zero; a step ramps the loads it names from their previous
//! values to the given ones over its increments, the others hold; a load no step names (and every
//! prescribed displacement) ramps to its `value` over the first step.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::scenario::{MaterialSpec, Model, Value};
use crate::fem::hyper::{self, Guccione, HolzapfelOgden, Law, NeoHookean, StVenantKirchhoff};
use crate::fem::LinearElastic;

/// The analysis kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnalysisKind {
    /// One linear solve (small strain, linear elastic).
    Static,
    /// Finite strain, load steps solved by Newton's method.
    QuasiStatic,
    /// Finite strain through whole heartbeats against a lumped circulation (`[heartbeat]`).
    Heartbeat,
}

impl AnalysisKind {
    /// Whether the analysis is finite-strain (Newton on hyperelastic laws).
    pub fn finite_strain(self) -> bool {
        matches!(self, AnalysisKind::QuasiStatic | AnalysisKind::Heartbeat)
    }
}

/// `[analysis]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalysisSpec {
    /// Kind; default `static` when every material is `linear_elastic`, else `quasi_static`.
    #[serde(default)]
    pub kind: Option<AnalysisKind>,
    /// Equal increments to ramp every load to its value (default 10; not with `step`).
    #[serde(default)]
    pub steps: Option<usize>,
    /// Explicit steps.
    #[serde(rename = "step", default)]
    pub step_list: Vec<StepSpec>,
    /// Newton residual tolerance relative to the step's initial residual.
    #[serde(default = "default_newton_rtol")]
    pub newton_rtol: f64,
    /// Newton iteration limit per increment.
    #[serde(default = "default_newton_iterations")]
    pub max_newton_iterations: usize,
    /// How many times an increment may be halved after a failure before the run stops.
    #[serde(default = "default_cutbacks")]
    pub max_cutbacks: usize,
    /// For incompressible laws (no `bulk_modulus`): the largest `|J − 1|` a cell may keep.
    #[serde(default = "default_volume_tolerance")]
    pub volume_tolerance: f64,
}

fn default_volume_tolerance() -> f64 {
    1e-4
}

fn default_newton_rtol() -> f64 {
    1e-8
}

fn default_newton_iterations() -> usize {
    25
}

fn default_cutbacks() -> usize {
    8
}

impl Default for AnalysisSpec {
    fn default() -> Self {
        AnalysisSpec {
            kind: None,
            steps: None,
            step_list: Vec::new(),
            newton_rtol: default_newton_rtol(),
            max_newton_iterations: default_newton_iterations(),
            max_cutbacks: default_cutbacks(),
            volume_tolerance: default_volume_tolerance(),
        }
    }
}

/// One `[[analysis.step]]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepSpec {
    /// Name in reports (default `step<N>`).
    #[serde(default)]
    pub name: Option<String>,
    /// Equal increments of the step (default 1).
    #[serde(default = "one")]
    pub increments: usize,
    /// Target values by load name (same type as the load's `value`).
    #[serde(default)]
    pub loads: BTreeMap<String, Value>,
}

fn one() -> usize {
    1
}

/// `[fibers]`: where the fibre frame comes from.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FibreSpec {
    /// A per-cell or per-node vector field of the mesh.
    #[serde(default)]
    pub field: Option<String>,
    /// The sheet field (optional; needed by Holzapfel–Ogden's sheet terms).
    #[serde(default)]
    pub sheet_field: Option<String>,
    /// One fibre direction for every cell (e.g. `[1, 0, 0]` for the Land beam).
    #[serde(default)]
    pub direction: Option<[f64; 3]>,
    /// Rule-based fibres (Bayer et al. 2012) on the `endo`, `epi` and `base` surfaces.
    #[serde(default)]
    pub rule_based: Option<RuleBasedSpec>,
}

/// `[fibers.rule_based]`: helix and sheet angles in degrees.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleBasedSpec {
    /// Helix angle at the endocardium (default 60).
    #[serde(default = "alpha_endo")]
    pub alpha_endo: f64,
    /// Helix angle at the epicardium (default −60).
    #[serde(default = "alpha_epi")]
    pub alpha_epi: f64,
    /// Sheet angle at the endocardium (default −15).
    #[serde(default = "beta_endo")]
    pub beta_endo: f64,
    /// Sheet angle at the epicardium (default 15).
    #[serde(default = "beta_epi")]
    pub beta_epi: f64,
}

fn alpha_endo() -> f64 {
    60.0
}
fn alpha_epi() -> f64 {
    -60.0
}
fn beta_endo() -> f64 {
    -15.0
}
fn beta_epi() -> f64 {
    15.0
}

/// `[[cavity]]`: a named cavity bounded by a surface of the mesh.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CavitySpec {
    /// Name (key in the summary and column of `pv.csv`).
    pub name: String,
    /// The bounding surface (e.g. `endo`).
    pub surface: String,
    /// The load whose pressure is this cavity's (for `pv.csv`; default the pressure load on the
    /// same surface).
    #[serde(default)]
    pub pressure_load: Option<String>,
}

/// Keys each model accepts (`bulk_modulus` is optional for the split laws).
fn model_keys(model: Model) -> &'static [&'static str] {
    match model {
        Model::LinearElastic => &["youngs_modulus", "poisson_ratio"],
        Model::NeoHookean => &["mu", "bulk_modulus"],
        Model::Guccione => &["c", "bf", "bt", "bfs", "bulk_modulus"],
        Model::HolzapfelOgden => &["a", "b", "a_f", "b_f", "a_s", "b_s", "a_fs", "b_fs", "bulk_modulus"],
    }
}

impl MaterialSpec {
    /// The parameters given, by key.
    pub fn given(&self) -> Vec<(&'static str, f64)> {
        let all = [
            ("youngs_modulus", self.youngs_modulus),
            ("poisson_ratio", self.poisson_ratio),
            ("mu", self.mu),
            ("bulk_modulus", self.bulk_modulus),
            ("c", self.c),
            ("bf", self.bf),
            ("bt", self.bt),
            ("bfs", self.bfs),
            ("a", self.a),
            ("b", self.b),
            ("a_f", self.a_f),
            ("b_f", self.b_f),
            ("a_s", self.a_s),
            ("b_s", self.b_s),
            ("a_fs", self.a_fs),
            ("b_fs", self.b_fs),
        ];
        all.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))).collect()
    }

    /// Checks that the keys fit the model: none foreign, none required missing.
    pub fn check_keys(&self) -> Result<(), String> {
        let keys = model_keys(self.model);
        let name = self.model.name();
        for (k, _) in self.given() {
            if !keys.contains(&k) {
                return Err(format!("{k} is not a parameter of model = \"{name}\" (its keys: {})", keys.join(", ")));
            }
        }
        for k in keys.iter().filter(|k| **k != "bulk_modulus") {
            if !self.given().iter().any(|(g, _)| g == k) {
                return Err(format!("model = \"{name}\" needs {k} (its keys: {})", keys.join(", ")));
            }
        }
        Ok(())
    }

    /// The linear elastic material of a `linear_elastic` entry, stresses scaled to Pa.
    pub fn linear(&self, stress: f64) -> Result<LinearElastic, String> {
        match (self.model, self.youngs_modulus, self.poisson_ratio) {
            (Model::LinearElastic, Some(e), Some(nu)) => LinearElastic::new(e * stress, nu).map_err(|e| e.to_string()),
            _ => Err(format!(
                "model = \"{}\" is a finite-strain law: it needs [analysis] kind = \"quasi_static\"",
                self.model.name()
            )),
        }
    }

    /// The finite-strain law of the entry, stresses scaled to Pa (`linear_elastic` becomes St
    /// Venant–Kirchhoff). Without `bulk_modulus`, a split law is incompressible: it gets
    /// [`hyper::DEFAULT_BULK_FACTOR`] times its shear-like stiffness as the penalty of an
    /// augmented Lagrangian (the quasi-static driver updates the cell pressures).
    pub fn law(&self, stress: f64) -> Result<Box<dyn Law>, String> {
        self.check_keys()?;
        let v = |k: &str| self.given().iter().find(|(g, _)| *g == k).map(|(_, v)| *v).unwrap_or(f64::NAN);
        let kappa = |shear: f64| self.bulk_modulus.map_or(hyper::DEFAULT_BULK_FACTOR * shear, |k| k * stress);
        Ok(match self.model {
            Model::LinearElastic => Box::new(StVenantKirchhoff::new(&self.linear(stress)?)),
            Model::NeoHookean => {
                let mu = v("mu") * stress;
                Box::new(NeoHookean::new(mu, kappa(mu))?)
            }
            Model::Guccione => {
                let probe = Guccione::new(v("c") * stress, v("bf"), v("bt"), v("bfs"), 1.0)?;
                Box::new(Guccione::new(v("c") * stress, v("bf"), v("bt"), v("bfs"), kappa(probe.shear_modulus()))?)
            }
            Model::HolzapfelOgden => {
                let keys = hyper::holzapfel_ogden::KEYS;
                let p: [f64; 8] = std::array::from_fn(|i| v(keys[i]) * if i % 2 == 0 { stress } else { 1.0 });
                let probe = HolzapfelOgden::new(p, 1.0)?;
                Box::new(HolzapfelOgden::new(p, kappa(probe.shear_modulus()))?)
            }
        })
    }
}
