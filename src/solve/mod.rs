//! Linear solvers for the symmetric positive definite systems `A x = b` that [`fem`] produces.
//!
//! Solvers see only an operator (a CSR matrix and vectors), never a mesh or a scenario. The entry
//! point [`solve`] takes the system, [`SolveParams`] and an explicit [`Backend`], and returns a
//! [`SolveReport`] or a [`SolveError`] that carries the numbers (a failed iterative solve returns
//! its partial report).
//!
//! CPU reference solvers:
//! - [`cg::pcg`]: preconditioned conjugate gradients, generic over f32/f64, rayon-parallel SpMV,
//!   with the [`precond`] Jacobi and 3 × 3 block-Jacobi preconditioners;
//! - [`direct::cholesky`]: sparse Cholesky (faer), the exact reference;
//! - [`amg`]: smoothed-aggregation multigrid, a CG preconditioner (`preconditioner = "amg"`)
//!   that needs the near-nullspace of the operator: [`solve_with`] takes it in [`SolveHints`]
//!   (with an [`amg::AmgCache`] to keep the hierarchy between solves on one pattern).
//!
//! Nonlinear drivers: [`newton`] (Newton with line search on a fixed pattern) and [`bordered`]
//! (Newton for a system bordered by one scalar unknown and equation, solved by the Schur
//! complement so the linear solver sees only the symmetric tangent).
//!
//! GPU solver: [`gpu`], CG in f32 WGSL kernels with the residual replaced by the true f64
//! residual until the f64 tolerance is met.
//!
//! Every report carries its verdict ([`accuracy`]): the relative residual met `rtol`
//! ([`Convergence::Tolerance`]), or it stagnated within [`accuracy::FLOOR_FACTOR`] of the
//! attainable floor `ε ‖|A||x|‖ / ‖b‖` ([`Convergence::AttainableAccuracy`], a success, whether CG
//! or Cholesky produced it). A failed CG says why, with advice for that cause: the iteration limit
//! ([`SolveError::IterationLimit`]), stagnation far above the floor ([`SolveError::Stagnated`]),
//! negative curvature ([`SolveError::Indefinite`]) or a breakdown of the recurrence
//! ([`SolveError::Breakdown`]).
//!
//! [`fem`]: crate::fem

pub mod accuracy;
pub mod amg;
pub mod bordered;
pub mod cg;
pub mod direct;
pub mod gpu;
mod llt;
pub mod newton;
mod ordering;
pub mod precond;
pub mod vector;

use std::sync::Arc;

use nalgebra_sparse::CsrMatrix;
use serde::{Deserialize, Serialize};

pub use accuracy::Convergence;
pub use amg::{AmgCache, AmgParams, AmgReport, Hierarchy, NearNullspace};
pub use gpu::GpuBackend;
pub use precond::{Precondition, Preconditioner, PreconditionerKind};
pub use vector::Real;

use crate::progress::Progress;

/// Iterative or direct.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Preconditioned conjugate gradients.
    #[default]
    Cg,
    /// Sparse Cholesky factorization.
    Direct,
}

impl Method {
    /// Name used in reports and scenario files.
    pub fn name(self) -> &'static str {
        match self {
            Method::Cg => "cg",
            Method::Direct => "direct",
        }
    }
}

/// Where a solve runs.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Backend {
    /// The CPU reference solvers (rayon threads of the global pool).
    Cpu,
    /// CG on a GPU in f32 with f64 residual replacement ([`gpu`]); the engine for a sparsity
    /// pattern is kept between solves.
    Gpu(Arc<GpuBackend>),
}

impl Backend {
    /// Name used in reports.
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Cpu => "cpu",
            Backend::Gpu(_) => "gpu",
        }
    }

    /// The GPU adapter, if any.
    pub fn adapter(&self) -> Option<String> {
        match self {
            Backend::Cpu => None,
            Backend::Gpu(g) => Some(g.gpu().describe()),
        }
    }
}

/// Parameters of a solve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SolveParams {
    /// Iterative or direct.
    pub method: Method,
    /// Preconditioner for CG.
    pub preconditioner: PreconditionerKind,
    /// Relative residual tolerance `‖b − A x‖ / ‖b‖` ([`DEFAULT_RTOL`] by default); a residual
    /// above it but at the attainable floor also converges ([`accuracy`]).
    pub rtol: f64,
    /// Iteration limit for CG.
    pub max_iterations: usize,
}

/// The default relative residual tolerance: the out-of-balance nodal forces `b − A x` at most
/// 1e-8 of the load `b` (in the 2-norm). That is far below any discretization error (≥ 1e-4 on
/// practical meshes), attainable in f64 on every verification mesh, and the tolerance the peers
/// (pyamg, FEniCS/PETSc GAMG) are compared at.
pub const DEFAULT_RTOL: f64 = 1e-8;

impl Default for SolveParams {
    fn default() -> Self {
        SolveParams {
            method: Method::Cg,
            preconditioner: PreconditionerKind::BlockJacobi,
            rtol: DEFAULT_RTOL,
            max_iterations: 20_000,
        }
    }
}

/// What a solve did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SolveReport {
    /// Backend name.
    pub backend: String,
    /// Method.
    pub method: Method,
    /// Preconditioner (CG only).
    pub preconditioner: PreconditionerKind,
    /// Arithmetic precision ("f32", "f64").
    pub precision: String,
    /// Number of unknowns.
    pub unknowns: usize,
    /// Stored nonzeros of the matrix.
    pub nonzeros: usize,
    /// Requested relative residual tolerance.
    pub rtol: f64,
    /// CG iterations (0 for direct).
    pub iterations: usize,
    /// CG restarts after the true residual missed the tolerance.
    pub restarts: usize,
    /// GPU: times the f32 residual was replaced by the true residual computed in f64.
    pub refinements: usize,
    /// GPU adapter that ran the solve (None on the CPU).
    pub adapter: Option<String>,
    /// Final true relative residual `‖b − A x‖ / ‖b‖`, evaluated in f64.
    pub relative_residual: f64,
    /// The attainable floor of the relative residual, `ε ‖|A||x|‖ / ‖b‖` at the solution
    /// ([`accuracy::attainable_floor`]; 0 when not evaluated).
    pub floor: f64,
    /// The verdict: rtol met, converged to the attainable accuracy, or failed.
    pub convergence: Convergence,
    /// Recurrence relative residual after each CG iteration.
    #[serde(skip)]
    pub history: Vec<f64>,
    /// Wall time of the solve (s), setup of the preconditioner excluded.
    pub seconds: f64,
    /// The AMG hierarchy's figures (setup time included), when `preconditioner = "amg"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amg: Option<AmgReport>,
}

impl SolveReport {
    /// A CPU report for `params` on `a` with nothing done yet (for callers of [`cg::pcg`]).
    pub fn empty<T: Real>(params: &SolveParams, a: &CsrMatrix<T>) -> Self {
        SolveReport::new(&Backend::Cpu, params, a)
    }

    fn new<T: Real>(backend: &Backend, params: &SolveParams, a: &CsrMatrix<T>) -> Self {
        SolveReport {
            backend: backend.name().into(),
            method: params.method,
            preconditioner: params.preconditioner,
            precision: T::NAME.into(),
            unknowns: a.nrows(),
            nonzeros: a.nnz(),
            rtol: params.rtol,
            iterations: 0,
            restarts: 0,
            refinements: 0,
            adapter: backend.adapter(),
            relative_residual: 0.0,
            floor: 0.0,
            convergence: Convergence::Failed,
            history: Vec::new(),
            seconds: 0.0,
            amg: None,
        }
    }
}

/// Why a solve failed. Each iterative failure carries the partial report and advice for its own
/// cause.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SolveError {
    /// CG used all `max_iterations` while its residual was still falling.
    #[error(
        "the solver reached its iteration limit: relative residual {:.3e} after {} iterations (rtol {:e}, \
         solver.max_iterations = {max_iterations}) and still falling; raise solver.max_iterations, or use \
         preconditioner = \"amg\" (tens of iterations instead of thousands) or method = \"direct\"",
        .report.relative_residual, .report.iterations, .report.rtol
    )]
    IterationLimit {
        /// The partial report (the solution vector holds the last iterate).
        report: Box<SolveReport>,
        /// The limit reached.
        max_iterations: usize,
    },
    /// CG's true residual stopped falling far above the attainable floor (its recurrence
    /// residual met rtol, but restarts from the true residual did not bring that down).
    #[error(
        "the solver stagnated: relative residual {:.3e} after {} iterations and {} restarts (rtol {:e}), far \
         above this system's attainable floor ≈ {:.1e}; more iterations will not help (the rounding of the \
         recurrences on an ill-conditioned system, or a preconditioner that does not fit the matrix): use \
         method = \"direct\", or preconditioner = \"amg\"",
        .report.relative_residual, .report.iterations, .report.restarts, .report.rtol, .report.floor
    )]
    Stagnated {
        /// The partial report (the solution vector holds the best iterate).
        report: Box<SolveReport>,
    },
    /// The GPU's arithmetic stopped reducing the true residual (its floor, κ(A) times the unit
    /// roundoff, is too close to the tolerance).
    #[error(
        "the GPU solver stalled at relative residual {:.3e} after {} iterations (rtol {}): this system is too \
         ill-conditioned for the GPU's {} arithmetic (a slender structure or extreme stiffness contrast); use \
         --backend cpu (method = \"direct\" for the worst cases)",
        .report.relative_residual, .report.iterations, .report.rtol, .report.precision
    )]
    Precision {
        /// The partial report (the solution vector holds the best iterate).
        report: Box<SolveReport>,
    },
    /// CG found a direction of negative (or zero) curvature: the matrix is not positive definite.
    #[error(
        "CG met negative curvature at iteration {}: pᵀAp = {curvature:e} ≤ 0, so the stiffness matrix is not \
         positive definite; check the supports (a body or part left free to move) and the materials (a negative \
         or zero stiffness); no solver can solve this system as it stands",
        .report.iterations
    )]
    Indefinite {
        /// The offending `pᵀAp`.
        curvature: f64,
        /// The partial report.
        report: Box<SolveReport>,
    },
    /// The CG recurrence broke down: a non-finite value, or `rᵀM⁻¹r ≤ 0` (a preconditioner that
    /// is not positive definite).
    #[error(
        "CG broke down at iteration {}: {what}; the preconditioner is not positive definite or the values \
         overflowed: use preconditioner = \"jacobi\" or \"amg\", or method = \"direct\", and check the \
         materials for extreme values",
        .report.iterations
    )]
    Breakdown {
        /// What broke down, with its value.
        what: String,
        /// The partial report.
        report: Box<SolveReport>,
    },
    /// A direct solution failed its own residual check: far above the attainable floor.
    #[error(
        "the direct solver's solution fails its residual check: relative residual {:.3e} (rtol {:e}) against an \
         attainable floor ≈ {:.1e}; the factorization does not fit the matrix (numerically singular: a mechanism \
         or stiffness contrasts beyond f64); check the supports and the materials",
        .report.relative_residual, .report.rtol, .report.floor
    )]
    Inaccurate {
        /// The report (the solution vector holds the inaccurate solution).
        report: Box<SolveReport>,
    },
    /// The matrix is not positive definite.
    #[error("the matrix is not positive definite at row {row}: {what}; check the supports and materials")]
    NotPositiveDefinite {
        /// Row (DOF) where it showed.
        row: usize,
        /// What showed it.
        what: String,
    },
    /// NaN or infinity in the input.
    #[error("{what} contains NaN or infinite values; check the loads and materials")]
    NonFinite {
        /// Which input.
        what: String,
    },
    /// The matrix shape does not fit the method.
    #[error("{what}")]
    Shape {
        /// What does not fit.
        what: String,
    },
    /// The GPU failed (no device, device lost, out of memory, matrix too large).
    #[error("{0}")]
    Gpu(#[from] crate::gpu::GpuError),
    /// The AMG hierarchy could not be built.
    #[error("{0}")]
    Amg(#[from] amg::AmgError),
    /// The direct solver failed for a non-numerical reason (e.g. memory).
    #[error("the direct solver failed: {what}; use method = \"cg\" for large systems")]
    Direct {
        /// faer's error.
        what: String,
    },
}

impl SolveError {
    /// The partial report of a CG that failed (iteration limit, stagnation, precision,
    /// indefiniteness or breakdown).
    pub fn report(&self) -> Option<&SolveReport> {
        match self {
            SolveError::IterationLimit { report, .. }
            | SolveError::Stagnated { report }
            | SolveError::Precision { report }
            | SolveError::Indefinite { report, .. }
            | SolveError::Breakdown { report, .. }
            | SolveError::Inaccurate { report } => Some(report),
            _ => None,
        }
    }

    /// Whether the matrix showed itself not positive definite (negative curvature in CG, a
    /// non-positive pivot in Cholesky, or a CG breakdown): what a Newton loop answers by damping.
    pub fn is_indefinite(&self) -> bool {
        matches!(
            self,
            SolveError::NotPositiveDefinite { .. } | SolveError::Indefinite { .. } | SolveError::Breakdown { .. }
        )
    }
}

/// What a solver may use beyond the operator.
#[derive(Debug, Clone, Copy, Default)]
pub struct SolveHints<'a> {
    /// The near-nullspace for AMG (rigid-body modes of the free nodes for elasticity: see
    /// [`NearNullspace::rigid_body_modes`]). Without it AMG uses the translations of 3 unknowns
    /// per node (1 if the size is not a multiple of 3), and its report says so.
    pub nullspace: Option<&'a NearNullspace>,
    /// A hierarchy kept between solves (a Newton loop: built once, refreshed per matrix).
    pub amg: Option<&'a AmgCache>,
    /// AMG parameters (the defaults if `None`).
    pub amg_params: Option<&'a AmgParams>,
}

/// Solves `a x = b` in f64 with the method of `params` on `backend`; `x` holds the initial
/// guess on entry (CG) and the solution on success. The same as [`solve_with`] without hints.
pub fn solve(
    a: &CsrMatrix<f64>,
    b: &[f64],
    x: &mut [f64],
    params: &SolveParams,
    backend: &Backend,
    progress: &dyn Progress,
) -> Result<SolveReport, SolveError> {
    solve_with(a, b, x, params, backend, progress, &SolveHints::default())
}

/// [`solve`] with [`SolveHints`] (used by `preconditioner = "amg"`).
pub fn solve_with(
    a: &CsrMatrix<f64>,
    b: &[f64],
    x: &mut [f64],
    params: &SolveParams,
    backend: &Backend,
    progress: &dyn Progress,
    hints: &SolveHints<'_>,
) -> Result<SolveReport, SolveError> {
    if a.nrows() != b.len() || a.ncols() != b.len() || x.len() != b.len() {
        return Err(SolveError::Shape {
            what: format!("matrix {}x{} with vectors of {} and {}", a.nrows(), a.ncols(), b.len(), x.len()),
        });
    }
    let report = SolveReport::new(backend, params, a);
    let amg = params.preconditioner == PreconditionerKind::Amg;
    match (backend, params.method) {
        (_, Method::Cg) if amg => amg_pcg(a, b, x, params, backend, progress, hints),
        (Backend::Cpu, Method::Cg) => {
            let m = Preconditioner::new(params.preconditioner, a)?;
            cg::pcg(a, b, x, &m, params, report, progress)
        }
        (Backend::Cpu, Method::Direct) => direct::cholesky(a, b, x, report),
        (Backend::Gpu(gpu), Method::Cg) => gpu.solve(a, b, x, params, report, progress),
        (Backend::Gpu(_), Method::Direct) => Err(SolveError::Shape {
            what:
                "method = \"direct\" (sparse Cholesky) runs on the CPU only; use backend = \"cpu\" or method = \"cg\""
                    .into(),
        }),
    }
}

/// CG preconditioned by an AMG V-cycle: the hierarchy from `hints` (built or refreshed) or a new
/// one, built on the CPU; the iterations on `backend` (on the GPU, V-cycle included).
fn amg_pcg(
    a: &CsrMatrix<f64>,
    b: &[f64],
    x: &mut [f64],
    params: &SolveParams,
    backend: &Backend,
    progress: &dyn Progress,
    hints: &SolveHints<'_>,
) -> Result<SolveReport, SolveError> {
    let mut report = SolveReport::new(backend, params, a);
    let n = a.nrows();
    let fallback;
    let (nullspace, note) = match hints.nullspace {
        Some(ns) => (ns, None),
        None => {
            let block = if n.is_multiple_of(3) { 3 } else { 1 };
            fallback = NearNullspace::translations(n, block)?;
            (&fallback, Some(format!("{block} translations only: no coordinates were given, so no rotations")))
        }
    };
    let amg_params = hints.amg_params.copied().unwrap_or_default();
    let mut run = |h: &Hierarchy| {
        let mut amg_report = h.report().clone();
        if let Some(note) = &note {
            amg_report.nullspace = note.clone();
        }
        report.amg = Some(amg_report);
        match backend {
            Backend::Cpu => cg::pcg(a, b, x, &h.preconditioner(a), params, report.clone(), progress),
            Backend::Gpu(gpu) => gpu.solve_amg(a, b, x, h, params, report.clone(), progress),
        }
    };
    match hints.amg {
        Some(cache) => cache.with(a, nullspace, &amg_params, run)?,
        None => run(&Hierarchy::build(a, nullspace, &amg_params)?),
    }
}

/// Solves `a x = b` by CG in precision `T` (the matrix and vectors rounded from f64); the
/// reference the GPU's f32 iterations are compared with.
pub fn cg_in<T: Real>(
    a: &CsrMatrix<f64>,
    b: &[f64],
    params: &SolveParams,
    progress: &dyn Progress,
) -> Result<(Vec<T>, SolveReport), SolveError> {
    let at = vector::convert::<T>(a);
    let bt: Vec<T> = b.iter().map(|&v| T::from_f64(v)).collect();
    let mut x = vec![T::zero(); b.len()];
    let m = Preconditioner::new(params.preconditioner, &at)?;
    let report = SolveReport::new(&Backend::Cpu, params, &at);
    let report = cg::pcg(&at, &bt, &mut x, &m, params, report, progress)?;
    Ok((x, report))
}
