//! Unit load cases: in linear elasticity the response to `Σ cᵢ Lᵢ` is `Σ cᵢ uᵢ`, so every load
//! of a scenario is solved once, at its own value, as a load case, and a cycle or a load history
//! is a linear combination of them, assembled without new solves.
//!
//! 1. check the supports prescribe no non-zero displacement (it would belong to no load case
//!    and could not be scaled with them);
//! 2. apply the supports to the stiffness once and solve every load vector on the chosen backend
//!    (the direct method factorizes once and solves each case with that factor);
//! 3. pass every case through the accuracy check of a static solve, then keep its displacement
//!    and its results (reactions, stresses) in the scenario's units.
//!
//! [`LoadCases::combine`] gives the DOF vector of a combination; the fatigue driver builds its
//! stress histories from the per-case stresses instead.

use super::problem::{Problem, Solution};
use super::ScenarioError;
use crate::progress::Progress;
use crate::solve::{self, direct, Backend, Method, SolveParams, SolveReport};

/// Every load of a scenario solved on its own.
#[derive(Debug, Clone)]
pub struct LoadCases {
    /// Load names, in scenario order.
    pub names: Vec<String>,
    /// Per case, the solution vector (SI, the constrained system's DOF order).
    pub vectors: Vec<Vec<f64>>,
    /// Per case, its results (summary, fields) as a static run would report them.
    pub solutions: Vec<Solution>,
}

impl LoadCases {
    /// `Σ cᵢ xᵢ` for coefficients by case.
    pub fn combine(&self, coefficients: &[f64]) -> Vec<f64> {
        let n = self.vectors.first().map_or(0, Vec::len);
        let mut x = vec![0.0; n];
        for (c, v) in coefficients.iter().zip(&self.vectors) {
            x.iter_mut().zip(v).for_each(|(a, b)| *a += c * b);
        }
        x
    }

    /// Sum of the solve seconds over the cases.
    pub fn solve_seconds(&self) -> f64 {
        self.solutions.iter().map(|s| s.report.seconds).sum()
    }
}

impl Problem {
    /// Steps 1–3: every load as a unit load case.
    pub fn solve_load_cases(&self, backend: &Backend, progress: &dyn Progress) -> Result<LoadCases, ScenarioError> {
        let invalid = |entry: &str, message: String| ScenarioError::Invalid {
            source_name: self.source().into(),
            entry: entry.into(),
            message,
        };
        // 1. Homogeneous supports only.
        if let Some(v) = self.supports().values().iter().find(|v| **v != 0.0) {
            return Err(invalid(
                "support",
                format!(
                    "a prescribed displacement ({v:e} m) cannot be superposed with the load cases (it belongs to none \
                     and does not scale with them); use fixed, symmetry, sliding or spring supports and loads"
                ),
            ));
        }
        let scenario = self.scenario();
        if scenario.loads.is_empty() {
            return Err(invalid("load", "no [[load]] given: a load-case analysis needs at least one load".into()));
        }
        // 2. One constrained matrix, one solve per case.
        let spec = &scenario.solver;
        let params = SolveParams {
            method: spec.method_for(super::analysis::AnalysisKind::Static, spec.backend),
            preconditioner: spec.preconditioner,
            rtol: spec.rtol,
            max_iterations: spec.max_iterations,
        };
        let solve_error = |e| ScenarioError::Solve { source_name: self.source().into(), source: e };
        let (a, _) = self.constrained_system();
        let factor = match (backend, params.method) {
            (Backend::Cpu, Method::Direct) => Some(direct::Factor::new(&a).map_err(solve_error)?),
            _ => None,
        };
        let nullspace = (params.preconditioner == solve::PreconditionerKind::Amg).then(|| self.near_nullspace());
        let amg = solve::AmgCache::default();
        let hints = solve::SolveHints { nullspace: nullspace.as_ref(), amg: Some(&amg), ..Default::default() };
        let mut cases = LoadCases { names: Vec::new(), vectors: Vec::new(), solutions: Vec::new() };
        for (i, load) in self.load_cases().iter().enumerate() {
            let name = scenario.load_name(i);
            progress.stage(&format!("load case {}/{} '{name}'", i + 1, scenario.loads.len()), None);
            // Homogeneous supports (step 1): the eliminated rows' right-hand side is zero.
            let mut b = load.clone();
            self.supports().dofs().iter().for_each(|&d| b[d] = 0.0);
            let mut x = vec![0.0; b.len()];
            let report = match &factor {
                Some(f) => {
                    let mut report = SolveReport::empty(&params, &a);
                    report = f.solve(&a, &b, &mut x, report).map_err(solve_error)?;
                    if i == 0 {
                        report.seconds += f.seconds;
                    }
                    report
                }
                None => solve::solve_with(&a, &b, &mut x, &params, backend, progress, &hints).map_err(solve_error)?,
            };
            progress.finish();
            // 3. The accuracy check, then the case's results.
            let mut warnings = self.accuracy(&a, &b, &x, &report)?;
            warnings.extend(self.model_warnings());
            let mut solution = self.results_for(&x, report, load);
            solution.summary.warnings.extend(warnings);
            cases.names.push(name);
            cases.vectors.push(x);
            cases.solutions.push(solution);
        }
        Ok(cases)
    }
}
