//! The unloaded (stress-free) reference geometry of an imaged, pressurised ventricle, by the
//! backward-displacement fixed point (Sellier 2011, Bols et al. 2013), in numbered steps:
//!
//! 1. the imaged mesh `x_img` (the scenario's mesh) and the inflation: the scenario's own
//!    materials, fibres and supports, with its schedule replaced by one stage that ramps the
//!    cavity's pressure load to the measured pressure in `increments` (every other load at zero);
//! 2. start from `X_0 = x_img`; at iterate `k`, inflate the reference `X_k` to the pressure and
//!    take the deformed nodes `x(X_k) = X_k + u_k`;
//! 3. the mismatch `r_k = x_img − x(X_k)` per node: stop when its largest norm is below `tol`;
//! 4. update `X_{k+1} = X_k + ω_k r_k`, with `ω_k = 1` (plain Sellier) or Aitken's dynamic
//!    relaxation `ω_k = −ω_{k−1} r_{k−1}·(r_k − r_{k−1}) / |r_k − r_{k−1}|²` (clamped to
//!    [`OMEGA_RANGE`]), which cuts the iterations when the plain map converges slowly;
//! 5. fail, with the iteration and the mismatch reached, when an inflation fails, when an update
//!    inverts a cell, when the mismatch grows for [`GROWING_LIMIT`] iterations in a row, or at the
//!    iteration limit.
//!
//! Fibres: the unloaded mesh keeps every node and cell field of the imaged mesh, cell by cell
//! (a `fiber` cell field is carried unchanged, which neglects the rotation of the fibres between
//! the two shapes); rule-based fibres (`[fibers.rule_based]`) are recomputed by the scenario on
//! every iterate's geometry, so a run on the unloaded mesh sees the same fibres as the last
//! iteration did.

use std::time::Instant;

use super::quasi_static::{QuasiStatic, WarmStart};
use super::scenario::{LoadKind, Scenario, Value};
use super::ScenarioError;
use crate::fem::cavity::Cavity;
use crate::mesh::Mesh;
use crate::progress::Progress;
use crate::solve::Backend;

/// Range of Aitken's relaxation factor.
pub const OMEGA_RANGE: (f64, f64) = (0.1, 1.5);
/// Iterations in a row with a growing mismatch after which the unloading stops as diverging.
pub const GROWING_LIMIT: usize = 3;

/// Settings of [`unload`].
#[derive(Debug, Clone, PartialEq)]
pub struct UnloadParams {
    /// The measured cavity pressure of the image (scenario stress unit).
    pub pressure: f64,
    /// Load increments of every inflation.
    pub increments: usize,
    /// Largest nodal mismatch accepted (scenario length unit); `None`: 1e-3 of the mesh's largest extent.
    pub tol: Option<f64>,
    /// Most fixed-point iterations (inflations).
    pub max_iterations: usize,
    /// Aitken relaxation (else the plain fixed point, `ω = 1`).
    pub aitken: bool,
}

impl Default for UnloadParams {
    fn default() -> Self {
        UnloadParams { pressure: 0.0, increments: 4, tol: None, max_iterations: 30, aitken: true }
    }
}

/// One fixed-point iteration.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct UnloadIteration {
    /// Largest nodal mismatch (length unit).
    pub max_mismatch: f64,
    /// Root-mean-square nodal mismatch (length unit).
    pub rms_mismatch: f64,
    /// The relaxation factor of the update that follows.
    pub omega: f64,
    /// Newton iterations of the inflation.
    pub newton_iterations: usize,
}

/// The result of [`unload`].
#[derive(Debug, Clone)]
pub struct UnloadReport {
    /// The unloaded mesh (scenario length unit), with the imaged mesh's fields.
    pub mesh: Mesh,
    /// Fixed-point iterations (= inflations) done.
    pub iterations: usize,
    /// Largest nodal mismatch of the last inflation (length unit).
    pub max_mismatch: f64,
    /// RMS nodal mismatch of the last inflation (length unit).
    pub rms_mismatch: f64,
    /// The tolerance used (length unit).
    pub tol: f64,
    /// Every iteration.
    pub history: Vec<UnloadIteration>,
    /// Cavity volume of the imaged geometry (length unit³), when the scenario has a cavity.
    pub imaged_volume: Option<f64>,
    /// Cavity volume of the unloaded geometry (length unit³).
    pub unloaded_volume: Option<f64>,
    /// Wall-clock seconds.
    pub seconds: f64,
}

/// Why the unloading failed.
#[derive(Debug, thiserror::Error)]
pub enum UnloadError {
    /// The scenario or its inflation is invalid.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// An inflation did not reach the pressure.
    #[error(
        "unloading: the inflation of iterate {iteration} failed before reaching the pressure {pressure}: {reason}; \
         largest mismatch reached so far {max_mismatch:.4e} (tolerance {tol:.4e})"
    )]
    Inflation {
        /// Iteration (1-based).
        iteration: usize,
        /// The pressure (stress unit).
        pressure: f64,
        /// The solver's message.
        reason: String,
        /// Best mismatch reached before (length unit; infinite at the first iteration).
        max_mismatch: f64,
        /// Tolerance.
        tol: f64,
    },
    /// An update inverted a cell.
    #[error(
        "unloading: the update after iteration {iteration} inverts a cell ({reason}); largest mismatch reached \
         {max_mismatch:.4e} (tolerance {tol:.4e}); the pressure may be too high for the material or the mesh too coarse"
    )]
    Inverted {
        /// Iteration (1-based).
        iteration: usize,
        /// The mesh check's message.
        reason: String,
        /// Mismatch at that iteration.
        max_mismatch: f64,
        /// Tolerance.
        tol: f64,
    },
    /// The mismatch grew for several iterations.
    #[error(
        "unloading diverges: the largest mismatch grew for {GROWING_LIMIT} iterations in a row, to {max_mismatch:.4e} \
         at iteration {iteration} (best {best:.4e}, tolerance {tol:.4e})"
    )]
    Diverging {
        /// Iteration (1-based).
        iteration: usize,
        /// Mismatch there.
        max_mismatch: f64,
        /// Best mismatch reached.
        best: f64,
        /// Tolerance.
        tol: f64,
    },
    /// The iteration limit was reached.
    #[error(
        "unloading did not converge in {iterations} iterations: largest mismatch {max_mismatch:.4e}, RMS \
         {rms_mismatch:.4e} (tolerance {tol:.4e}); allow more iterations or a larger tolerance"
    )]
    NotConverged {
        /// Iterations done.
        iterations: usize,
        /// Last largest mismatch.
        max_mismatch: f64,
        /// Last RMS mismatch.
        rms_mismatch: f64,
        /// Tolerance.
        tol: f64,
    },
}

/// The load that pressurises the cavity: the first `[[cavity]]`'s pressure load, else the only
/// pressure load; an error naming what is missing otherwise.
pub fn cavity_pressure_load(scenario: &Scenario, source: &str) -> Result<usize, ScenarioError> {
    let invalid =
        |message: String| ScenarioError::Invalid { source_name: source.into(), entry: "cavity".into(), message };
    let pressures: Vec<usize> =
        (0..scenario.loads.len()).filter(|&i| scenario.loads[i].kind == LoadKind::Pressure).collect();
    let found = match scenario.cavities.first() {
        Some(c) => match &c.pressure_load {
            Some(name) => (0..scenario.loads.len()).find(|&i| &scenario.load_name(i) == name),
            None => {
                pressures.iter().copied().find(|&i| scenario.loads[i].surface.as_deref() == Some(c.surface.as_str()))
            }
        },
        None if pressures.len() == 1 => Some(pressures[0]),
        None => None,
    };
    found.ok_or_else(|| {
        invalid(
            "an inflation needs the cavity's pressure load: add a [[cavity]] with the pressure load on its surface \
             (kind = \"pressure\", surface = the cavity's surface) or name it with pressure_load"
                .into(),
        )
    })
}

/// The scenario with its schedule replaced by one stage `inflation` that ramps load `load` to
/// `pressure` (stress unit) in `increments`, every other load held at zero, and no probes.
pub fn inflation_scenario(scenario: &Scenario, load: usize, pressure: f64, increments: usize) -> Scenario {
    let mut s = scenario.clone();
    let loads = (0..s.loads.len())
        .map(|i| {
            let v = match (i == load, s.loads[i].value) {
                (true, _) => Value::Scalar(pressure),
                (false, Value::Scalar(_)) => Value::Scalar(0.0),
                (false, Value::Vector(_)) => Value::Vector([0.0; 3]),
            };
            (s.load_name(i), v)
        })
        .collect();
    // Probes are not needed, and a probe point of the imaged shape may lie outside an iterate.
    s.probes.clear();
    s.analysis.kind = Some(super::analysis::AnalysisKind::QuasiStatic);
    s.heartbeat = None;
    s.analysis.steps = None;
    s.analysis.step_list =
        vec![super::analysis::StepSpec { name: Some("inflation".into()), increments: increments.max(1), loads }];
    s
}

/// The cavity volume of the first `[[cavity]]` of `scenario` on `mesh` undeformed (length unit³).
pub fn reference_cavity_volume(scenario: &Scenario, mesh: &Mesh) -> Option<f64> {
    let c = scenario.cavities.first()?;
    let faces = &mesh.surface(&c.surface)?.faces;
    let cavity = Cavity::new(mesh, faces).ok()?;
    Some(cavity.volume(mesh, &vec![[0.0; 3]; mesh.nodes().len()]))
}

/// One inflation of a built analysis: the cavity volume after every increment and the final
/// nodal displacement (scenario units), or the solver's message.
pub(crate) struct Inflated {
    /// Cavity volumes (length unit³) of the increments.
    pub volumes: Vec<f64>,
    /// Final nodal displacement (length unit).
    pub displacement: Vec<[f64; 3]>,
    /// Newton iterations.
    pub newton_iterations: usize,
}

/// Runs the (inflation) schedule of `analysis`; `Err` carries the failure message.
pub(crate) fn inflate(
    analysis: &QuasiStatic,
    backend: &Backend,
    progress: &dyn Progress,
) -> Result<Result<Inflated, String>, ScenarioError> {
    inflate_warm(analysis, backend, progress, None)
}

/// [`inflate`] with the increments started from `warm`'s guesses.
pub(crate) fn inflate_warm(
    analysis: &QuasiStatic,
    backend: &Backend,
    progress: &dyn Progress,
    warm: Option<&mut dyn WarmStart>,
) -> Result<Result<Inflated, String>, ScenarioError> {
    let mut last = Vec::new();
    let mut observer = |step: &super::quasi_static::StepOutput<'_>| -> Result<(), ScenarioError> {
        if let Some(u) = step.point_fields.iter().find(|f| f.name == "displacement") {
            last = u.values.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect();
        }
        Ok(())
    };
    let outcome = match warm {
        Some(warm) => analysis.run_warm(backend, progress, &mut observer, warm)?,
        None => analysis.run(backend, progress, &mut observer)?,
    };
    if let Some(failure) = outcome.failure {
        return Ok(Err(failure));
    }
    let s = &outcome.summary;
    let cavity = s.steps.first().and_then(|st| st.cavities.values().next().map(|_| ()));
    let volumes = match cavity {
        Some(()) => s
            .steps
            .iter()
            .map(|st| st.cavities.values().next().expect("every step reports the cavities").volume)
            .collect(),
        None => Vec::new(),
    };
    Ok(Ok(Inflated { volumes, displacement: last, newton_iterations: s.solver.newton_iterations }))
}

/// Largest and RMS norm of nodal vectors.
fn norms(r: &[[f64; 3]]) -> (f64, f64) {
    let sq: Vec<f64> = r.iter().map(|v| v.iter().map(|c| c * c).sum::<f64>()).collect();
    let max = sq.iter().copied().fold(0.0, f64::max).sqrt();
    let rms = (sq.iter().sum::<f64>() / sq.len().max(1) as f64).sqrt();
    (max, rms)
}

fn dot(a: &[[f64; 3]], b: &[[f64; 3]]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x[0] * y[0] + x[1] * y[1] + x[2] * y[2]).sum()
}

/// Steps 1–5: the unloaded geometry of `scenario`'s mesh `imaged` (scenario units) at
/// `params.pressure`.
pub fn unload(
    scenario: &Scenario,
    imaged: &Mesh,
    source: &str,
    params: &UnloadParams,
    backend: &Backend,
    progress: &dyn Progress,
) -> Result<UnloadReport, UnloadError> {
    let start = Instant::now();
    // 1. The imaged geometry and the inflation.
    let load = cavity_pressure_load(scenario, source)?;
    if !(params.pressure.is_finite() && params.pressure > 0.0) {
        return Err(ScenarioError::Invalid {
            source_name: source.into(),
            entry: "--pressure".into(),
            message: format!("the measured pressure {} must be a positive number", params.pressure),
        }
        .into());
    }
    let inflation = inflation_scenario(scenario, load, params.pressure, params.increments);
    let extent = imaged.bounding_box().map(|(a, b)| (0..3).map(|k| b[k] - a[k]).fold(0.0, f64::max)).unwrap_or(1.0);
    let tol = params.tol.unwrap_or(1e-3 * extent);
    let x_img = imaged.nodes().to_vec();
    // 2. Start from the image.
    let mut reference = imaged.clone();
    let mut history: Vec<UnloadIteration> = Vec::new();
    let (mut previous, mut omega, mut growing) = (None::<Vec<[f64; 3]>>, 1.0, 0);
    let mut best = f64::INFINITY;
    progress.stage("unloading", Some(params.max_iterations as u64));
    for iteration in 1..=params.max_iterations {
        let analysis = QuasiStatic::build(inflation.clone(), reference.clone(), source)?;
        let inflated = inflate(&analysis, backend, progress)?.map_err(|reason| UnloadError::Inflation {
            iteration,
            pressure: params.pressure,
            reason,
            max_mismatch: best,
            tol,
        })?;
        // 3. The mismatch.
        let r: Vec<[f64; 3]> = x_img
            .iter()
            .zip(reference.nodes())
            .zip(&inflated.displacement)
            .map(|((xi, xr), u)| std::array::from_fn(|k| xi[k] - (xr[k] + u[k])))
            .collect();
        let (max, rms) = norms(&r);
        growing = if max > history.last().map_or(f64::INFINITY, |h| h.max_mismatch) { growing + 1 } else { 0 };
        best = best.min(max);
        progress.advance(iteration as u64, &format!("mismatch {max:.3e}"));
        // 4. Aitken's factor from the last two mismatches.
        if let (true, Some(prev)) = (params.aitken, &previous) {
            let dr: Vec<[f64; 3]> = r.iter().zip(prev).map(|(a, b)| std::array::from_fn(|k| a[k] - b[k])).collect();
            let den = dot(&dr, &dr);
            if den > 0.0 {
                omega = (-omega * dot(prev, &dr) / den).clamp(OMEGA_RANGE.0, OMEGA_RANGE.1);
            }
        }
        history.push(UnloadIteration {
            max_mismatch: max,
            rms_mismatch: rms,
            omega,
            newton_iterations: inflated.newton_iterations,
        });
        if max <= tol {
            progress.finish();
            let imaged_volume = reference_cavity_volume(scenario, imaged);
            let unloaded_volume = reference_cavity_volume(scenario, &reference);
            return Ok(UnloadReport {
                mesh: reference,
                iterations: iteration,
                max_mismatch: max,
                rms_mismatch: rms,
                tol,
                history,
                imaged_volume,
                unloaded_volume,
                seconds: start.elapsed().as_secs_f64(),
            });
        }
        // 5. Divergence and the limit.
        if growing >= GROWING_LIMIT {
            progress.finish();
            return Err(UnloadError::Diverging { iteration, max_mismatch: max, best, tol });
        }
        if iteration == params.max_iterations {
            progress.finish();
            return Err(UnloadError::NotConverged { iterations: iteration, max_mismatch: max, rms_mismatch: rms, tol });
        }
        let nodes: Vec<[f64; 3]> =
            reference.nodes().iter().zip(&r).map(|(x, d)| std::array::from_fn(|k| x[k] + omega * d[k])).collect();
        reference = reference.with_nodes(nodes).map_err(|e| UnloadError::Inverted {
            iteration,
            reason: e.to_string(),
            max_mismatch: max,
            tol,
        })?;
        previous = Some(r);
    }
    progress.finish();
    Err(UnloadError::NotConverged { iterations: 0, max_mismatch: f64::INFINITY, rms_mismatch: f64::INFINITY, tol })
}
