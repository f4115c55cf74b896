//! The smoother: Chebyshev iteration on `M⁻¹A`, with `M` the diagonal or the nodal block
//! diagonal of `A`, and the estimate of `ρ(M⁻¹A)` it (and the prolongator smoothing) needs.
//!
//! One application maps `x` to `x + p(M⁻¹A) M⁻¹ (b − A x)`, where the error polynomial
//! `1 − λ p(λ) = T_d((θ − λ)/δ) / T_d(θ/δ)` is the degree-`d` Chebyshev polynomial scaled to be
//! smallest on the interval `[λ_lo, λ_hi] = [lower ρ, upper ρ]` (θ and δ its midpoint and
//! half-width). The operator `p(M⁻¹A) M⁻¹ = M^{-1/2} p(M^{-1/2} A M^{-1/2}) M^{-1/2}` is symmetric, so
//! the same smoother before and after the coarse correction gives a symmetric V-cycle; and since
//! `|1 − λ p(λ)| < 1` on `(0, λ_hi]`, it is a convergent smoother as long as `λ_hi ≥ ρ(M⁻¹A)`,
//! which the safety factor `upper > 1` on the Lanczos estimate provides. The iteration is the
//! three-term recurrence (Saad, Iterative Methods, Alg. 12.1): `d − 1` products with `A` from
//! `x = 0`, `d` otherwise.
//!
//! `ρ(M⁻¹A)` is estimated by Lanczos in the `M` inner product, run as a few steps of
//! preconditioned CG from a seeded random right-hand side: with CG's step lengths `α_j` and
//! ratios `β_j`, the Lanczos matrix has diagonal `1/α_j + β_{j−1}/α_{j−1}` and off-diagonal
//! `√β_j / α_j`, and its largest eigenvalue approaches `ρ` from below.

use nalgebra::{DMatrix, SymmetricEigen};
use nalgebra_sparse::CsrMatrix;
use rayon::prelude::*;

use super::{csr, AmgError, Relaxation};
use crate::solve::vector::{axpy, dot, spmv};

/// `M⁻¹` for the Chebyshev iteration: row-major inverse blocks of `b` unknowns (b = 1: Jacobi).
#[derive(Debug, Clone)]
pub struct DiagonalInverse {
    b: usize,
    blocks: Vec<f64>,
}

impl DiagonalInverse {
    /// The inverse diagonal (`Jacobi`) or nodal block diagonal (`BlockJacobi`, `b` unknowns
    /// per node) of `a`, the matrix of level `level`.
    pub fn new(a: &CsrMatrix<f64>, b: usize, kind: Relaxation, level: usize) -> Result<Self, AmgError> {
        let b = if kind == Relaxation::Jacobi { 1 } else { b };
        let entry = |i: usize, j: usize| a.get_entry(i, j).map_or(0.0, |e| e.into_value());
        let blocks = (0..a.nrows() / b)
            .into_par_iter()
            .map(|s| {
                let m = DMatrix::from_fn(b, b, |i, j| entry(b * s + i, b * s + j));
                let inv = m.cholesky().map(|c| c.inverse()).filter(|inv| inv.iter().all(|v| v.is_finite()));
                inv.map(|inv| inv.transpose().as_slice().to_vec()).ok_or(AmgError::NotPositiveDefinite {
                    level,
                    row: b * s,
                    what: format!("its {b} x {b} diagonal block is not positive definite"),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(DiagonalInverse { b, blocks: blocks.concat() })
    }

    /// `z = M⁻¹ r`.
    pub fn apply(&self, r: &[f64], z: &mut [f64]) {
        let b = self.b;
        z.par_chunks_mut(b).zip(r.par_chunks(b)).zip(self.blocks.par_chunks(b * b)).for_each(|((z, r), m)| {
            for (i, zi) in z.iter_mut().enumerate() {
                *zi = m[i * b..(i + 1) * b].iter().zip(r).map(|(a, b)| a * b).sum();
            }
        });
    }

    /// Unknowns per block (1 for Jacobi).
    pub fn block(&self) -> usize {
        self.b
    }

    /// The inverse blocks, row-major, `block²` per node.
    pub fn blocks(&self) -> &[f64] {
        &self.blocks
    }

    /// `M⁻¹` as a sparse matrix.
    pub fn matrix(&self) -> CsrMatrix<f64> {
        csr::block_diagonal(self.b, &self.blocks)
    }
}

/// Seeded uniform numbers in [−1, 1) (SplitMix64).
pub fn random_vector(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            (z >> 11) as f64 / (1u64 << 52) as f64 - 1.0
        })
        .collect()
}

/// The largest Ritz value of `M⁻¹A` after `steps` Lanczos steps (see the module docs).
pub fn spectral_radius(a: &CsrMatrix<f64>, minv: &DiagonalInverse, steps: usize) -> f64 {
    let n = a.nrows();
    let mut r = random_vector(n, 0x5eed ^ n as u64);
    let (mut z, mut q) = (vec![0.0; n], vec![0.0; n]);
    minv.apply(&r, &mut z);
    let mut p = z.clone();
    let mut rz = dot(&r, &z);
    let rz0 = rz;
    let (mut diag, mut off) = (Vec::new(), Vec::new());
    let mut previous: Option<(f64, f64)> = None; // (α, β) of the step before
    for _ in 0..steps.min(n) {
        spmv(a, &p, &mut q);
        let pq = dot(&p, &q);
        if pq <= 0.0 || !pq.is_finite() {
            break;
        }
        let alpha = rz / pq;
        diag.push(1.0 / alpha + previous.map_or(0.0, |(a, b)| b / a));
        axpy(-alpha, &q, &mut r);
        minv.apply(&r, &mut z);
        let rz_new = dot(&r, &z);
        let beta = rz_new / rz;
        // An invariant subspace (r ≈ 0): the Ritz values found are exact.
        if rz_new <= 1e-28 * rz0 {
            break;
        }
        off.push(beta.sqrt() / alpha);
        p.par_iter_mut().zip(&z).for_each(|(p, z)| *p = z + beta * *p);
        rz = rz_new;
        previous = Some((alpha, beta));
    }
    let k = diag.len();
    if k == 0 {
        return 1.0;
    }
    let t = DMatrix::from_fn(k, k, |i, j| match i.abs_diff(j) {
        0 => diag[i],
        1 => off[i.min(j)],
        _ => 0.0,
    });
    SymmetricEigen::new(t).eigenvalues.iter().copied().fold(0.0, f64::max)
}

/// A Chebyshev smoother for one level.
#[derive(Debug, Clone)]
pub struct Chebyshev {
    minv: DiagonalInverse,
    degree: usize,
    theta: f64,
    delta: f64,
}

impl Chebyshev {
    /// Degree `degree` on `[lower ρ, upper ρ]`.
    pub fn new(minv: DiagonalInverse, rho: f64, degree: usize, lower: f64, upper: f64) -> Self {
        let (lo, hi) = (lower * rho, upper * rho);
        Chebyshev { minv, degree: degree.max(1), theta: 0.5 * (hi + lo), delta: 0.5 * (hi - lo) }
    }

    /// The inverse (block) diagonal `M⁻¹`.
    pub fn minv(&self) -> &DiagonalInverse {
        &self.minv
    }

    /// `(c1, c2)` of each of the `degree` steps of [`smooth`](Self::smooth): step 0 sets
    /// `d = c2 M⁻¹ r` (`c1 = 0`), step `k ≥ 1` sets `d = c1 d + c2 M⁻¹ r` after `r −= A d`; each
    /// step ends with `x += d`. The same f64 arithmetic as `smooth`, for the GPU's kernels.
    pub fn steps(&self) -> Vec<(f64, f64)> {
        let sigma = self.theta / self.delta;
        let mut rho = 1.0 / sigma;
        let mut steps = vec![(0.0, 1.0 / self.theta)];
        for _ in 1..self.degree {
            let rho_new = 1.0 / (2.0 * sigma - rho);
            steps.push((rho_new * rho, 2.0 * rho_new / self.delta));
            rho = rho_new;
        }
        steps
    }

    /// `x ← x + p(M⁻¹A) M⁻¹ (b − A x)`; `x` is taken as zero when `zero` (one product saved).
    /// `r`, `d` and `w` are work vectors of `b`'s length.
    pub fn smooth(&self, a: &CsrMatrix<f64>, b: &[f64], x: &mut [f64], zero: bool, work: &mut [Vec<f64>; 3]) {
        let [r, d, w] = work;
        if zero {
            r.copy_from_slice(b);
            x.fill(0.0);
        } else {
            spmv(a, x, w);
            r.par_iter_mut().zip(b.par_iter().zip(w.par_iter())).for_each(|(r, (b, w))| *r = b - w);
        }
        let sigma = self.theta / self.delta;
        let mut rho = 1.0 / sigma;
        self.minv.apply(r, d);
        d.par_iter_mut().for_each(|d| *d /= self.theta);
        for k in 0..self.degree {
            axpy(1.0, d, x);
            if k + 1 == self.degree {
                break;
            }
            spmv(a, d, w);
            axpy(-1.0, w, r);
            let rho_new = 1.0 / (2.0 * sigma - rho);
            self.minv.apply(r, w);
            let (c1, c2) = (rho_new * rho, 2.0 * rho_new / self.delta);
            d.par_iter_mut().zip(w.par_iter()).for_each(|(d, w)| *d = c1 * *d + c2 * w);
            rho = rho_new;
        }
    }
}
