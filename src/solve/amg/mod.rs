//! Smoothed-aggregation algebraic multigrid (Vaněk, Mandel and Brezina 1996) as a symmetric
//! preconditioner for CG, built on the CPU in f64.
//!
//! The solver sees only the matrix `A` (n × n, symmetric positive definite, `b` unknowns per
//! node, node-major) and a [`NearNullspace`] `B` (n × k): the rigid-body modes for elasticity
//! ([`NearNullspace::rigid_body_modes`], k = 6), the constant for a scalar problem
//! ([`NearNullspace::translations`], k = b). Each level `l` with matrix `A_l` gets, in order:
//!
//! 1. the strong-neighbour graph of its nodes ([`strength`]) from block norms and threshold θ;
//! 2. aggregates of that graph ([`aggregate`]), isolated nodes left out;
//! 3. the tentative prolongator `T` and coarse near-nullspace `B_c` with `T B_c = B` from a QR
//!    factorisation per aggregate ([`tentative`]);
//! 4. the smoothed prolongator `P = (I − ω M⁻¹ A_l) T`, `ω = 4 / (3 ρ(M⁻¹ A_l))`, with `M` the
//!    (block) diagonal and ρ from a few Lanczos steps ([`chebyshev::spectral_radius`]);
//! 5. the Galerkin product `A_{l+1} = Pᵀ A_l P` (symmetrised: rounding is the only asymmetry),
//!    with `k` unknowns per aggregate;
//!
//! until a level has at most [`AmgParams::max_coarse`] unknowns, which is factorised by sparse
//! Cholesky ([`coarse`]). The V-cycle smooths with the same Chebyshev polynomial in `M⁻¹A`
//! before and after the coarse correction ([`chebyshev`]), so the preconditioner is symmetric,
//! and positive definite when the smoother converges.
//!
//! Dirichlet conditions in eliminated-row form (row and column zero but the diagonal) make
//! "decoupled" unknowns: they are removed from the near-nullspace, nodes made only of them have
//! no strong neighbour and belong to no aggregate, so `P` is zero on them, and the V-cycle sets
//! them exactly to `r_i / A_ii`. A near-nullspace column that is dependent on an aggregate gives a
//! zero column of `T`, hence a zero row of `A_{l+1}`; its diagonal is set to the level's mean
//! diagonal, which makes it a decoupled unknown of the coarse level, harmless to the cycle.
//!
//! [`Hierarchy::refresh`] takes a new matrix with the same pattern (a Newton iteration) and keeps
//! the graph, aggregates, tentative prolongators and near-nullspaces and the coarse symbolic
//! factorisation; it recomputes the diagonal inverses, spectral radii, smoothed prolongators,
//! Galerkin products and the coarse numeric factorisation.

pub mod aggregate;
pub mod chebyshev;
pub mod coarse;
pub mod csr;
pub mod nullspace;
pub mod strength;
pub mod tentative;

use std::sync::Mutex;
use std::time::Instant;

use nalgebra_sparse::CsrMatrix;
use serde::Serialize;

use self::chebyshev::{Chebyshev, DiagonalInverse};
use self::coarse::CoarseSolver;
pub use self::nullspace::NearNullspace;
use super::precond::Precondition;
use super::vector::{axpy, spmv};

/// The preconditioner `M` of the Chebyshev smoother.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Relaxation {
    /// The diagonal.
    Jacobi,
    /// The nodal diagonal blocks (b × b).
    #[default]
    BlockJacobi,
}

/// Parameters of the hierarchy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AmgParams {
    /// Strength threshold θ (0: every non-zero coupling is strong).
    pub strength_threshold: f64,
    /// A level with at most this many unknowns is the coarsest (solved by Cholesky).
    pub max_coarse: usize,
    /// Most levels, the coarsest included.
    pub max_levels: usize,
    /// Smooth the tentative prolongator (false: plain aggregation).
    pub smooth_prolongator: bool,
    /// `M` of the smoother and of the prolongator smoothing.
    pub relaxation: Relaxation,
    /// Degree of the Chebyshev polynomial (products with `A` per smoothing: degree − 1 from zero).
    pub degree: usize,
    /// Lower end of the Chebyshev interval, as a fraction of ρ(M⁻¹A).
    pub lower: f64,
    /// Upper end of the Chebyshev interval, as a multiple of the ρ estimate (> 1, a safety margin
    /// over the Lanczos estimate, which is from below).
    pub upper: f64,
    /// Lanczos steps for ρ(M⁻¹A).
    pub lanczos_steps: usize,
}

impl Default for AmgParams {
    fn default() -> Self {
        AmgParams {
            strength_threshold: 0.0,
            max_coarse: 2000,
            max_levels: 10,
            smooth_prolongator: true,
            relaxation: Relaxation::BlockJacobi,
            degree: 3,
            lower: 1.0 / 30.0,
            upper: 1.1,
            lanczos_steps: 15,
        }
    }
}

/// One level's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LevelReport {
    /// Unknowns.
    pub unknowns: usize,
    /// Stored nonzeros.
    pub nonzeros: usize,
    /// Unknowns per node.
    pub block: usize,
    /// Estimated ρ(M⁻¹A) (0 on the coarsest level).
    pub spectral_radius: f64,
}

/// What the setup built.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AmgReport {
    /// Per level, finest first (the last is the coarsest).
    pub levels: Vec<LevelReport>,
    /// Σ nonzeros of all levels / nonzeros of the finest.
    pub operator_complexity: f64,
    /// Bytes of the levels below the finest and of the prolongators (CSR: 12 per entry, 8 per
    /// row); the tentative prolongators kept for a refresh are not counted.
    pub memory_bytes: usize,
    /// Near-nullspace used, in words.
    pub nullspace: String,
    /// Wall time of the last build or refresh (s); on the GPU backend the coarse inverse and the
    /// upload of the hierarchy are added.
    pub setup_seconds: f64,
    /// Whether the last setup was a refresh on a kept pattern.
    pub refreshed: bool,
    /// Whether the last solve reused the hierarchy untouched (the same matrix as the setup
    /// before it: no setup, `setup_seconds` 0).
    pub reused: bool,
}

/// Why a hierarchy could not be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AmgError {
    /// The matrix and near-nullspace do not fit together.
    #[error("AMG: {what}")]
    Shape {
        /// What does not fit.
        what: String,
    },
    /// An invalid near-nullspace.
    #[error("AMG near-nullspace: {what}")]
    Nullspace {
        /// What is wrong.
        what: String,
    },
    /// A level's matrix is not positive definite.
    #[error("AMG level {level}, row {row}: {what}; check the supports and materials")]
    NotPositiveDefinite {
        /// Level (0 = the given matrix).
        level: usize,
        /// Row on that level.
        row: usize,
        /// What showed it.
        what: String,
    },
    /// The coarsest factorisation failed for a non-numerical reason.
    #[error("AMG coarsest level: {what}")]
    Coarse {
        /// faer's error.
        what: String,
    },
    /// `refresh` got a matrix of another pattern.
    #[error("AMG refresh: {what}; build a new hierarchy")]
    Pattern {
        /// What differs.
        what: String,
    },
}

/// One level above the coarsest.
#[derive(Debug, Clone)]
struct Level {
    /// The level's matrix; `None` on the finest, which the caller keeps (see [`Hierarchy::apply`]).
    a: Option<CsrMatrix<f64>>,
    unknowns: usize,
    nonzeros: usize,
    /// Unknowns per node.
    block: usize,
    tentative: CsrMatrix<f64>,
    /// The smoothed prolongator; restriction is `Pᵀ`, applied without storing it.
    p: CsrMatrix<f64>,
    smoother: Chebyshev,
    rho: f64,
    /// Decoupled unknowns and their inverse diagonals.
    decoupled: Vec<(usize, f64)>,
}

/// The multigrid hierarchy: plain data, built by [`Hierarchy::build`], applied as a
/// preconditioner (one V-cycle) by [`Hierarchy::apply`] or, for CG, [`Hierarchy::preconditioner`].
/// The fine matrix is not copied: the caller passes it to every application.
#[derive(Debug, Clone)]
pub struct Hierarchy {
    params: AmgParams,
    levels: Vec<Level>,
    coarsest: CsrMatrix<f64>,
    /// Unknowns per node of the coarsest level.
    coarse_block: usize,
    coarse: CoarseSolver,
    /// The finest level's eliminated unknowns and pattern fingerprint, to check a refresh against.
    decoupled: Vec<usize>,
    fine: PatternKey,
    /// A hash of the fine matrix's values: a solve with the very matrix of the last setup (the
    /// second right-hand side of a bordered Newton iteration) reuses the hierarchy as it is.
    fine_values: u64,
    /// The coarsest matrix's dense inverse, computed at first use after each setup.
    coarse_inverse: std::sync::OnceLock<Vec<f64>>,
    /// Unique per build or refresh in this process (a GPU engine holding these values skips
    /// their upload).
    generation: u64,
    report: AmgReport,
}

/// The source of [`Hierarchy::generation`].
static GENERATIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

fn next_generation() -> u64 {
    GENERATIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// FNV-1a over the bits of `a`'s values.
fn values_hash(a: &CsrMatrix<f64>) -> u64 {
    a.values().iter().fold(0xcbf2_9ce4_8422_2325u64, |h, v| (h ^ v.to_bits()).wrapping_mul(0x0000_0100_0000_01b3))
}

/// Size, nonzeros and a hash (FNV-1a) of a matrix's row offsets and column indices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PatternKey(usize, usize, u64);

impl PatternKey {
    fn of(a: &CsrMatrix<f64>) -> Self {
        let (offsets, cols) = (a.pattern().major_offsets(), a.pattern().minor_indices());
        let hash = offsets
            .iter()
            .chain(cols)
            .fold(0xcbf2_9ce4_8422_2325u64, |h, &v| (h ^ v as u64).wrapping_mul(0x0000_0100_0000_01b3));
        PatternKey(a.nrows(), a.nnz(), hash)
    }
}

/// Unknowns whose row holds no non-zero off-diagonal entry, with `1 / A_ii`.
fn decoupled(a: &CsrMatrix<f64>) -> Vec<(usize, f64)> {
    a.row_iter()
        .enumerate()
        .filter(|(i, row)| row.col_indices().iter().zip(row.values()).all(|(&j, &v)| j == *i || v == 0.0))
        .map(|(i, row)| {
            let d = row.col_indices().iter().zip(row.values()).find(|(&j, _)| j == i).map_or(0.0, |(_, &v)| v);
            (i, if d > 0.0 { 1.0 / d } else { 0.0 })
        })
        .collect()
}

/// Steps 4–5 for one level: smoother, smoothed prolongator, Galerkin product.
fn numeric(
    a: &CsrMatrix<f64>,
    block: usize,
    tentative: &CsrMatrix<f64>,
    params: &AmgParams,
    level: usize,
) -> Result<(Level, CsrMatrix<f64>), AmgError> {
    let minv = DiagonalInverse::new(a, block, params.relaxation, level)?;
    let rho = chebyshev::spectral_radius(a, &minv, params.lanczos_steps);
    let p = if params.smooth_prolongator {
        let s = csr::identity_minus(4.0 / (3.0 * rho), &csr::product(&minv.matrix(), a));
        csr::product(&s, tentative)
    } else {
        tentative.clone()
    };
    let product = csr::product(&p.transpose(), &csr::product(a, &p));
    let mut coarse = csr::symmetric_part(&product).ok_or_else(|| AmgError::Shape {
        what: format!("the Galerkin product of level {level} is not structurally symmetric (is the matrix?)"),
    })?;
    fix_empty_rows(&mut coarse);
    let smoother = Chebyshev::new(minv, rho, params.degree, params.lower, params.upper);
    let decoupled = decoupled(a);
    let (unknowns, nonzeros) = (a.nrows(), a.nnz());
    let tentative = tentative.clone();
    Ok((Level { a: None, unknowns, nonzeros, block, tentative, p, smoother, rho, decoupled }, coarse))
}

/// Gives each all-zero row of a Galerkin product (a zero column of `T`) the mean diagonal.
fn fix_empty_rows(a: &mut CsrMatrix<f64>) {
    let offsets = a.pattern().major_offsets().to_vec();
    let cols = a.pattern().minor_indices().to_vec();
    let diag = |vals: &[f64], i: usize| (offsets[i]..offsets[i + 1]).find(|&k| cols[k] == i).map(|k| (k, vals[k]));
    let n = a.nrows();
    let (sum, count) = (0..n)
        .filter_map(|i| diag(a.values(), i).map(|d| d.1.abs()))
        .filter(|d| *d > 0.0)
        .fold((0.0, 0usize), |s, d| (s.0 + d, s.1 + 1));
    let mean = if count > 0 { sum / count as f64 } else { 1.0 };
    for i in 0..n {
        let empty = a.values()[offsets[i]..offsets[i + 1]].iter().all(|&v| v == 0.0);
        if let (true, Some((k, _))) = (empty, diag(a.values(), i)) {
            a.values_mut()[k] = mean;
        }
    }
}

impl Hierarchy {
    /// Builds the hierarchy of `a` for the near-nullspace `nullspace` (steps 1–5 of the module
    /// docs on every level, then the coarsest factorisation).
    pub fn build(a: &CsrMatrix<f64>, nullspace: &NearNullspace, params: &AmgParams) -> Result<Self, AmgError> {
        let start = Instant::now();
        let n = a.nrows();
        if a.ncols() != n || nullspace.len() != n {
            return Err(AmgError::Shape {
                what: format!("a {}x{} matrix with a near-nullspace of length {}", n, a.ncols(), nullspace.len()),
            });
        }
        if a.values().iter().any(|v| !v.is_finite()) {
            return Err(AmgError::Shape { what: "the matrix holds NaN or infinite values".into() });
        }
        let fine_decoupled: Vec<usize> = decoupled(a).into_iter().map(|d| d.0).collect();
        let mut levels = Vec::new();
        let (mut a_l, mut ns) = (a.clone(), nullspace.clone());
        while a_l.nrows() > params.max_coarse && levels.len() + 1 < params.max_levels.max(1) {
            let level = levels.len();
            let ns_free = ns.without(&decoupled(&a_l).into_iter().map(|d| d.0).collect::<Vec<_>>());
            let graph = strength::strong_graph(&a_l, ns.block(), params.strength_threshold);
            let agg = aggregate::standard(&graph);
            // Stop when aggregation no longer coarsens (isolated nodes only, or aggregates so
            // small that k unknowns each are about as many as the level has).
            if agg.count == 0 || 10 * agg.count * ns.dim() > 9 * a_l.nrows() {
                break;
            }
            let (t, ns_c) = tentative::tentative(&agg, &ns_free);
            let (mut lev, a_c) = numeric(&a_l, ns.block(), &t, params, level)?;
            let a_prev = std::mem::replace(&mut a_l, a_c);
            lev.a = (level > 0).then_some(a_prev);
            levels.push(lev);
            ns = ns_c;
        }
        let coarse = CoarseSolver::new(&a_l, None).map_err(|e| at_level(e, levels.len()))?;
        let mut h = Hierarchy {
            params: *params,
            levels,
            coarsest: a_l,
            coarse_block: ns.block(),
            coarse,
            decoupled: fine_decoupled,
            fine: PatternKey::of(a),
            fine_values: values_hash(a),
            coarse_inverse: std::sync::OnceLock::new(),
            generation: next_generation(),
            report: AmgReport {
                levels: Vec::new(),
                operator_complexity: 0.0,
                memory_bytes: 0,
                nullspace: describe(nullspace),
                setup_seconds: 0.0,
                refreshed: false,
                reused: false,
            },
        };
        h.update_report(start, false);
        Ok(h)
    }

    /// Rebuilds the numbers for `a`, a matrix with the pattern (and the eliminated rows) of the
    /// one the hierarchy was built from; keeps what the module docs list.
    pub fn refresh(&mut self, a: &CsrMatrix<f64>) -> Result<(), AmgError> {
        let start = Instant::now();
        if PatternKey::of(a) != self.fine {
            return Err(AmgError::Pattern { what: "the matrix has another sparsity pattern".into() });
        }
        let now: Vec<usize> = decoupled(a).into_iter().map(|d| d.0).collect();
        if now != self.decoupled {
            return Err(AmgError::Pattern {
                what: format!("{} eliminated rows where the hierarchy has {}", now.len(), self.decoupled.len()),
            });
        }
        let mut a_l = a.clone();
        for level in 0..self.levels.len() {
            let old = &self.levels[level];
            let (mut lev, a_c) = numeric(&a_l, old.block, &old.tentative, &self.params, level)?;
            let a_prev = std::mem::replace(&mut a_l, a_c);
            lev.a = (level > 0).then_some(a_prev);
            self.levels[level] = lev;
        }
        self.coarse = CoarseSolver::new(&a_l, Some(&self.coarse)).map_err(|e| at_level(e, self.levels.len()))?;
        self.coarsest = a_l;
        self.fine_values = values_hash(a);
        self.coarse_inverse = std::sync::OnceLock::new();
        self.generation = next_generation();
        self.update_report(start, true);
        Ok(())
    }

    /// Which build or refresh the numbers come from: unique in the process.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Whether `a` is the very matrix (pattern and values) of the last build or refresh.
    pub fn is_for(&self, a: &CsrMatrix<f64>) -> bool {
        // Values first: in a Newton sequence they differ, and the pattern's hash is not needed.
        values_hash(a) == self.fine_values && PatternKey::of(a) == self.fine
    }

    /// The figures of the last build or refresh.
    pub fn report(&self) -> &AmgReport {
        &self.report
    }

    /// Unknowns of the finest level.
    pub fn unknowns(&self) -> usize {
        self.fine.0
    }

    /// Level `l`'s matrix for `l ≥ 1` (the last is the coarsest); `None` for the finest, which
    /// the hierarchy does not copy, when there is only one level, and beyond the coarsest.
    pub fn matrix(&self, l: usize) -> Option<&CsrMatrix<f64>> {
        match l {
            0 => None,
            l if l == self.levels.len() => Some(&self.coarsest),
            l => self.levels.get(l).and_then(|lev| lev.a.as_ref()),
        }
    }

    fn level_matrix<'a>(&'a self, l: usize, fine: &'a CsrMatrix<f64>) -> &'a CsrMatrix<f64> {
        if l == 0 {
            fine
        } else {
            self.matrix(l).expect("levels 1..=coarsest store their matrices")
        }
    }

    /// One V-cycle for the fine matrix `a` (the one given to [`build`](Self::build) or the last
    /// [`refresh`](Self::refresh)): `z ≈ a⁻¹ r`.
    pub fn apply(&self, a: &CsrMatrix<f64>, r: &[f64], z: &mut [f64]) {
        debug_assert_eq!(a.nrows(), self.unknowns(), "the hierarchy belongs to another matrix");
        self.cycle(0, a, r, z);
    }

    /// The V-cycle for `a` as a CG preconditioner.
    pub fn preconditioner<'a>(&'a self, a: &'a CsrMatrix<f64>) -> AmgPreconditioner<'a> {
        AmgPreconditioner { hierarchy: self, a }
    }

    /// Levels above the coarsest (those with a smoother and a prolongator).
    pub fn depth(&self) -> usize {
        self.levels.len()
    }

    /// Level `l`'s smoother (`l` < [`depth`](Self::depth)).
    pub fn smoother(&self, l: usize) -> Option<&Chebyshev> {
        self.levels.get(l).map(|lev| &lev.smoother)
    }

    /// Level `l`'s decoupled unknowns with `1 / A_ii`, set exactly after the post-smoothing.
    pub fn decoupled_unknowns(&self, l: usize) -> Option<&[(usize, f64)]> {
        self.levels.get(l).map(|lev| lev.decoupled.as_slice())
    }

    /// Unknowns of the coarsest level.
    pub fn coarse_unknowns(&self) -> usize {
        self.coarsest.nrows()
    }

    /// The coarsest matrix's inverse, dense row-major, from its Cholesky factor (see
    /// [`CoarseSolver::inverse`]).
    pub fn coarse_inverse(&self) -> &[f64] {
        self.coarse_inverse.get_or_init(|| self.coarse.inverse(self.coarsest.nrows()))
    }

    /// Level `l`'s tentative and smoothed prolongators (to level `l + 1`).
    pub fn prolongators(&self, l: usize) -> Option<(&CsrMatrix<f64>, &CsrMatrix<f64>)> {
        self.levels.get(l).map(|lev| (&lev.tentative, &lev.p))
    }

    fn update_report(&mut self, start: Instant, refreshed: bool) {
        let mut levels: Vec<LevelReport> = self
            .levels
            .iter()
            .map(|l| LevelReport { unknowns: l.unknowns, nonzeros: l.nonzeros, block: l.block, spectral_radius: l.rho })
            .collect();
        levels.push(LevelReport {
            unknowns: self.coarsest.nrows(),
            nonzeros: self.coarsest.nnz(),
            block: self.coarse_block,
            spectral_radius: 0.0,
        });
        let total: usize = levels.iter().map(|l| l.nonzeros).sum();
        let bytes = |m: &CsrMatrix<f64>| 12 * m.nnz() + 8 * (m.nrows() + 1);
        let memory = self.levels.iter().map(|l| bytes(&l.p) + bytes(&l.tentative)).sum::<usize>()
            + self.levels.iter().filter_map(|l| l.a.as_ref()).map(bytes).sum::<usize>()
            + if self.levels.is_empty() { 0 } else { bytes(&self.coarsest) };
        self.report.operator_complexity = total as f64 / levels[0].nonzeros.max(1) as f64;
        self.report.levels = levels;
        self.report.memory_bytes = memory;
        self.report.setup_seconds = start.elapsed().as_secs_f64();
        self.report.refreshed = refreshed;
        self.report.reused = false;
    }

    /// One V-cycle from level `l` (matrix `a`): `x ≈ a⁻¹ b`.
    fn cycle(&self, l: usize, a: &CsrMatrix<f64>, b: &[f64], x: &mut [f64]) {
        let Some(lev) = self.levels.get(l) else {
            x.copy_from_slice(b);
            self.coarse.solve(x);
            return;
        };
        let n = b.len();
        let mut work = [vec![0.0; n], vec![0.0; n], vec![0.0; n]];
        lev.smoother.smooth(a, b, x, true, &mut work);
        let [res, ax, _] = &mut work;
        spmv(a, x, ax);
        res.iter_mut().zip(b.iter().zip(ax.iter())).for_each(|(r, (b, ax))| *r = b - ax);
        let nc = lev.p.ncols();
        let (mut bc, mut xc) = (vec![0.0; nc], vec![0.0; nc]);
        csr::transpose_multiply(&lev.p, res, &mut bc);
        self.cycle(l + 1, self.level_matrix(l + 1, a), &bc, &mut xc);
        spmv(&lev.p, &xc, ax);
        axpy(1.0, ax, x);
        lev.smoother.smooth(a, b, x, false, &mut work);
        for &(i, inv) in &lev.decoupled {
            x[i] = b[i] * inv;
        }
    }
}

fn at_level(e: AmgError, level: usize) -> AmgError {
    match e {
        AmgError::NotPositiveDefinite { row, what, .. } => AmgError::NotPositiveDefinite { level, row, what },
        other => other,
    }
}

fn describe(ns: &NearNullspace) -> String {
    format!("{} vectors, {} unknowns per node", ns.dim(), ns.block())
}

/// A hierarchy with its fine matrix: one V-cycle per [`Precondition::precondition`].
#[derive(Debug, Clone, Copy)]
pub struct AmgPreconditioner<'a> {
    hierarchy: &'a Hierarchy,
    a: &'a CsrMatrix<f64>,
}

impl Precondition<f64> for AmgPreconditioner<'_> {
    fn precondition(&self, r: &[f64], z: &mut [f64]) {
        self.hierarchy.apply(self.a, r, z);
    }
}

/// A hierarchy kept between solves on one pattern: the first solve builds it, later solves on
/// the same pattern [`refresh`](Hierarchy::refresh) it, a new pattern rebuilds it.
#[derive(Debug, Default)]
pub struct AmgCache {
    hierarchy: Mutex<Option<Hierarchy>>,
}

impl AmgCache {
    /// An empty cache.
    pub fn new() -> Self {
        AmgCache::default()
    }

    /// Runs `f` on the hierarchy for `a` (built or refreshed first).
    pub fn with<R>(
        &self,
        a: &CsrMatrix<f64>,
        nullspace: &NearNullspace,
        params: &AmgParams,
        f: impl FnOnce(&Hierarchy) -> R,
    ) -> Result<R, AmgError> {
        let mut slot = self.hierarchy.lock().unwrap_or_else(|p| p.into_inner());
        let reused = match slot.as_mut() {
            Some(h) if h.params == *params && h.is_for(a) => {
                h.report.reused = true;
                h.report.setup_seconds = 0.0;
                true
            }
            Some(h) if h.params == *params && h.unknowns() == a.nrows() => h.refresh(a).is_ok(),
            _ => false,
        };
        if !reused {
            *slot = Some(Hierarchy::build(a, nullspace, params)?);
        }
        Ok(f(slot.as_ref().expect("built above")))
    }
}
