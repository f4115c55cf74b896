//! An owned sparse Cholesky factor `A = L Lᵀ` that is refactorized in place: the symbolic
//! analysis (fill-reducing ordering, elimination tree, supernodes) is made once per pattern, and
//! every later matrix on the pattern is factorized into the same value buffer with the same
//! workspace.
//!
//! The ordering is the one of two that gives the smaller factor: nested dissection
//! ([`super::ordering`]) or faer's approximate minimum degree. On the Land P2 tangents (Tet10,
//! 2-core machine) nested dissection left 68.5 M values in the factor at 90,657 DOFs against AMD's
//! 97.2 M, and a factorization took 1.9 s against 4.5 s; 12.6 M against 13.8 M at 25,455 DOFs.
//!
//! Built on faer's low-level sparse Cholesky (`factorize_symbolic_cholesky`,
//! `factorize_numeric_llt`, `LltRef`) rather than its `Llt` wrapper, which allocates a new factor
//! and a new workspace on every factorization and every solve: in a Newton loop that is one
//! fresh `nnz(L)`-sized allocation per iteration, whose first touch page-faulted about 40 GB of
//! memory over a Land Problem 2 run at 9e4 DOFs (a fifth of its CPU time in the kernel). The
//! low-level API also takes the parallelism per call ([`parallelism`]) instead of faer's
//! process-wide setting, which tests running in parallel would race on.

use std::sync::Mutex;

use faer::dyn_stack::{MemBuffer, MemStack, StackReq};
use faer::linalg::cholesky::llt::factor::LltError;
use faer::perm::PermRef;
use faer::sparse::linalg::cholesky::{
    factorize_symbolic_cholesky, CholeskySymbolicParams, LltRef, SymbolicCholesky, SymbolicCholeskyRaw,
    SymmetricOrdering,
};
use faer::sparse::{SparseColMatRef, SymbolicSparseColMatRef};
use faer::{Conj, MatMut, Par, Side};
use nalgebra_sparse::CsrMatrix;

use super::SolveError;

/// Unknowns from which the factorization and the triangular solves use faer's parallel
/// (rayon) kernels; below, one thread. Measured on the 2-core machine with Land P2 tangents
/// (Tet10): at 3.6k DOFs the parallel kernels spent a quarter of the default heartbeat job in
/// rayon's spinning and yielding, and one thread made its solves 1.7× faster; at 25k DOFs both
/// factorize in 0.39 s; at 90k DOFs the parallel kernels take 3.5–4.5 s against 6.1 s, their
/// supernodes being large enough for the dense kernels to share.
const PARALLEL_FROM: usize = 20_000;

/// The parallelism for a factor of `n` unknowns.
fn parallelism(n: usize) -> Par {
    if n < PARALLEL_FROM {
        Par::Seq
    } else {
        faer::get_global_parallelism()
    }
}

/// A sparse Cholesky factor of a symmetric positive definite matrix, on one pattern.
pub(crate) struct Cholesky {
    symbolic: SymbolicCholesky<usize>,
    /// The values of `L` (faer's layout, `symbolic.len_val()` of them).
    values: Vec<f64>,
    /// Whether `values` hold a completed factorization.
    factored: bool,
    /// Workspace of the numeric factorization.
    factor_scratch: MemBuffer,
    /// Workspace of one triangular solve pair (behind a lock: a preconditioner is `Sync`).
    solve_scratch: Mutex<MemBuffer>,
    par: Par,
}

impl std::fmt::Debug for Cholesky {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cholesky")
            .field("n", &self.symbolic.nrows())
            .field("nnz_l", &self.values.len())
            .field("factored", &self.factored)
            .finish()
    }
}

/// `a`'s pattern as faer's compressed columns: a symmetric CSR matrix read as CSC is itself.
fn pattern(a: &CsrMatrix<f64>) -> SymbolicSparseColMatRef<'_, usize> {
    let n = a.nrows();
    SymbolicSparseColMatRef::new_checked(n, n, a.pattern().major_offsets(), None, a.pattern().minor_indices())
}

/// A workspace of `req`, or the direct solver's out-of-memory error.
fn buffer(req: StackReq, what: &str) -> Result<MemBuffer, SolveError> {
    MemBuffer::try_new(req).map_err(|_| SolveError::Direct {
        what: format!("out of memory for the {what} ({} MB)", req.size_bytes() / (1 << 20)),
    })
}

impl Cholesky {
    /// The symbolic analysis of the square symmetric `a` (its values are not read) and the
    /// storage for its factor; an error when the factor would not fit in memory.
    pub fn analyse(a: &CsrMatrix<f64>) -> Result<Cholesky, SolveError> {
        if a.nrows() != a.ncols() {
            return Err(SolveError::Shape { what: format!("a {} × {} matrix is not square", a.nrows(), a.ncols()) });
        }
        let n = a.nrows();
        let analyse = |ordering| {
            factorize_symbolic_cholesky(pattern(a), Side::Lower, ordering, CholeskySymbolicParams::default())
                .map_err(|e| SolveError::Direct { what: format!("symbolic analysis: {e:?}") })
        };
        // The ordering with the smaller factor: nested dissection on the meshes measured, AMD
        // as the safeguard (an analysis costs a fraction of one factorization, once per pattern).
        let amd = analyse(SymmetricOrdering::Amd)?;
        let symbolic = match super::ordering::nested_dissection(a) {
            Some(fwd) => {
                let mut inv = vec![0usize; n];
                for (k, &r) in fwd.iter().enumerate() {
                    inv[r] = k;
                }
                let nd = analyse(SymmetricOrdering::Custom(PermRef::new_checked(&fwd, &inv, n)))?;
                if nd.len_val() < amd.len_val() {
                    nd
                } else {
                    amd
                }
            }
            None => amd,
        };
        let len = symbolic.len_val();
        let mut values = Vec::new();
        values.try_reserve_exact(len).map_err(|_| SolveError::Direct {
            what: format!("out of memory for the Cholesky factor ({len} values, {} MB)", len * 8 / (1 << 20)),
        })?;
        values.resize(len, 0.0);
        let par = parallelism(n);
        let factor_scratch =
            buffer(symbolic.factorize_numeric_llt_scratch::<f64>(par, Default::default()), "factorization workspace")?;
        let solve_scratch = Mutex::new(buffer(symbolic.solve_in_place_scratch::<f64>(1, par), "solve workspace")?);
        Ok(Cholesky { symbolic, values, factored: false, factor_scratch, solve_scratch, par })
    }

    /// Rows (and columns) of the factor.
    pub fn n(&self) -> usize {
        self.symbolic.nrows()
    }

    /// Factorizes `a`, which must have the pattern this factor was analysed for (the caller
    /// keys it), into the kept storage. A non-positive pivot is
    /// [`SolveError::NotPositiveDefinite`] naming the row of `a` where it showed.
    pub fn factorize(&mut self, a: &CsrMatrix<f64>) -> Result<(), SolveError> {
        self.factored = false;
        if a.values().iter().any(|v| !v.is_finite()) {
            return Err(SolveError::NonFinite { what: "the matrix".into() });
        }
        if matches!(self.symbolic.raw(), SymbolicCholeskyRaw::Simplicial(_)) {
            // The supernodal kernels clear their storage themselves.
            self.values.fill(0.0);
        }
        let matrix = SparseColMatRef::new(pattern(a), a.values());
        let outcome = self.symbolic.factorize_numeric_llt::<f64>(
            &mut self.values,
            matrix,
            Side::Lower,
            Default::default(),
            self.par,
            MemStack::new(&mut self.factor_scratch),
            Default::default(),
        );
        match outcome {
            Ok(_) => {
                self.factored = true;
                Ok(())
            }
            Err(LltError::NonPositivePivot { index }) => {
                // faer factorizes P A Pᵀ and names the failing column of it: 0-based in the
                // supernodal kernels, 1-based (k + 1) in the simplicial one. Column k of P A Pᵀ
                // is row `fwd[k]` of `a`.
                let k = match self.symbolic.raw() {
                    SymbolicCholeskyRaw::Simplicial(_) => index.saturating_sub(1),
                    SymbolicCholeskyRaw::Supernodal(_) => index,
                };
                let row = self.symbolic.perm().map_or(k, |p| p.arrays().0[k]);
                Err(SolveError::NotPositiveDefinite {
                    row,
                    what: "a non-positive pivot in the Cholesky factorization".into(),
                })
            }
        }
    }

    /// Overwrites `x` (the right-hand side) with the solution; the factor must be complete
    /// (the last [`Cholesky::factorize`] succeeded).
    pub fn solve_in_place(&self, x: &mut [f64]) {
        assert!(
            self.factored && x.len() == self.n(),
            "solve with an incomplete factor or a vector of the wrong length"
        );
        let mut scratch = self.solve_scratch.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let llt = LltRef::new(&self.symbolic, &self.values);
        let rhs = MatMut::from_column_major_slice_mut(x, self.n(), 1);
        llt.solve_in_place_with_conj(Conj::No, rhs, self.par, MemStack::new(&mut scratch));
    }
}

#[cfg(test)]
mod tests {
    use nalgebra_sparse::CooMatrix;

    use super::*;

    /// The graph Laplacian of an `m × m` (`dims` = 2) or `m × m × m` grid plus `4 + shift` on the
    /// diagonal, with the diagonal entry of row `bad` (if any) set to −1: every principal
    /// submatrix without that row stays positive definite.
    fn grid(dims: u32, m: usize, shift: f64, bad: Option<usize>) -> CsrMatrix<f64> {
        let n = m.pow(dims);
        let stride = [1, m, m * m];
        let mut coo = CooMatrix::new(n, n);
        for r in 0..n {
            coo.push(r, r, if Some(r) == bad { -1.0 } else { 2.0 * dims as f64 + shift });
            for &step in &stride[..dims as usize] {
                let at = (r / step) % m;
                if at + 1 < m {
                    coo.push(r, r + step, -1.0);
                }
                if at > 0 {
                    coo.push(r, r - step, -1.0);
                }
            }
        }
        CsrMatrix::from(&coo)
    }

    fn residual(a: &CsrMatrix<f64>, x: &[f64], b: &[f64]) -> f64 {
        let mut worst = 0.0f64;
        for (r, row) in a.row_iter().enumerate() {
            let ax: f64 = row.col_indices().iter().zip(row.values()).map(|(&c, v)| v * x[c]).sum();
            worst = worst.max((ax - b[r]).abs());
        }
        worst
    }

    #[test]
    fn refactorizing_in_place_solves_each_matrix_of_the_pattern() {
        let b: Vec<f64> = (0..144).map(|i| ((i * 7) % 11) as f64 - 5.0).collect();
        let first = grid(2, 12, 0.0, None);
        let mut llt = Cholesky::analyse(&first).unwrap();
        // The second matrix is much stiffer: a stale factor would leave a residual of order |b|.
        for a in [first, grid(2, 12, 10.0, None)] {
            llt.factorize(&a).unwrap();
            let mut x = b.clone();
            llt.solve_in_place(&mut x);
            assert!(residual(&a, &x, &b) < 1e-12, "residual {}", residual(&a, &x, &b));
        }
    }

    #[test]
    fn a_negative_pivot_names_the_row_of_the_matrix_not_of_the_ordering() {
        // Every principal submatrix without row `bad` is positive definite, so the elimination
        // fails exactly when it reaches that row, wherever the AMD ordering puts it. A 2-D grid
        // gets faer's simplicial kernel, a 3-D one its supernodal kernels: both are checked.
        for (dims, m, bad, supernodal) in [(2, 10, 37, false), (3, 16, 1234, true)] {
            let a = grid(dims, m, 0.0, Some(bad));
            let mut llt = Cholesky::analyse(&a).unwrap();
            assert_eq!(matches!(llt.symbolic.raw(), SymbolicCholeskyRaw::Supernodal(_)), supernodal, "{dims}-D");
            assert!(llt.symbolic.perm().is_some_and(|p| p.arrays().0[bad] != bad), "the ordering must move the row");
            match llt.factorize(&a) {
                Err(SolveError::NotPositiveDefinite { row, .. }) => assert_eq!(row, bad, "{dims}-D"),
                other => panic!("expected a non-positive pivot, got {other:?}"),
            }
        }
    }
}
