//! The scalar type of the CPU solvers and their parallel vector kernels.
//!
//! Reductions are deterministic: partial sums over fixed chunks, added in order, so a solve
//! repeats bit for bit whatever the thread count or scheduling.

use nalgebra_sparse::CsrMatrix;
use rayon::prelude::*;

/// Floating-point types the CPU solvers run in (f32 and f64).
pub trait Real:
    num_traits::Float + nalgebra::Scalar + Send + Sync + std::iter::Sum + Default + std::fmt::Debug + 'static
{
    /// Conversion from f64 (rounding to nearest).
    fn from_f64(v: f64) -> Self;
    /// Conversion to f64 (exact).
    fn to_f64(self) -> f64;
    /// Name used in reports ("f32", "f64").
    const NAME: &'static str;
}

impl Real for f32 {
    fn from_f64(v: f64) -> Self {
        v as f32
    }
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    const NAME: &'static str = "f32";
}

impl Real for f64 {
    fn from_f64(v: f64) -> Self {
        v
    }
    fn to_f64(self) -> f64 {
        self
    }
    const NAME: &'static str = "f64";
}

/// Rows per parallel task in SpMV and entries per partial sum in dot products.
const ROWS_PER_TASK: usize = 512;
const DOT_CHUNK: usize = 4096;

/// `y = A x`, parallel over row chunks.
pub fn spmv<T: Real>(a: &CsrMatrix<T>, x: &[T], y: &mut [T]) {
    let offsets = a.pattern().major_offsets();
    let cols = a.pattern().minor_indices();
    let vals = a.values();
    y.par_chunks_mut(ROWS_PER_TASK).enumerate().for_each(|(chunk, ys)| {
        let first = chunk * ROWS_PER_TASK;
        for (i, yi) in ys.iter_mut().enumerate() {
            let row = first + i;
            let mut sum = T::zero();
            for k in offsets[row]..offsets[row + 1] {
                sum = sum + vals[k] * x[cols[k]];
            }
            *yi = sum;
        }
    });
}

/// `x · y` with a fixed summation order.
pub fn dot<T: Real>(x: &[T], y: &[T]) -> T {
    let partial: Vec<T> = x
        .par_chunks(DOT_CHUNK)
        .zip(y.par_chunks(DOT_CHUNK))
        .map(|(a, b)| a.iter().zip(b).fold(T::zero(), |s, (p, q)| s + *p * *q))
        .collect();
    partial.into_iter().fold(T::zero(), |s, v| s + v)
}

/// `y += a x`.
pub fn axpy<T: Real>(a: T, x: &[T], y: &mut [T]) {
    y.par_iter_mut().zip(x.par_iter()).for_each(|(yi, xi)| *yi = *yi + a * *xi);
}

/// `p = z + b p`.
pub fn xpby<T: Real>(z: &[T], b: T, p: &mut [T]) {
    p.par_iter_mut().zip(z.par_iter()).for_each(|(pi, zi)| *pi = *zi + b * *pi);
}

/// The residual `b − A x` evaluated in f64 whatever `T` is, and its norm relative to `‖b‖`
/// (0 when `b = 0` and `x` solves it exactly).
pub fn relative_residual_f64<T: Real>(a: &CsrMatrix<T>, b: &[T], x: &[T]) -> f64 {
    let offsets = a.pattern().major_offsets();
    let cols = a.pattern().minor_indices();
    let vals = a.values();
    let n = b.len();
    let (r2, b2) = (0..n.div_ceil(ROWS_PER_TASK))
        .into_par_iter()
        .map(|chunk| {
            let (mut r2, mut b2) = (0.0, 0.0);
            for i in chunk * ROWS_PER_TASK..((chunk + 1) * ROWS_PER_TASK).min(n) {
                let mut ax = 0.0;
                for k in offsets[i]..offsets[i + 1] {
                    ax += vals[k].to_f64() * x[cols[k]].to_f64();
                }
                let bi = b[i].to_f64();
                r2 += (bi - ax).powi(2);
                b2 += bi * bi;
            }
            (r2, b2)
        })
        .collect::<Vec<_>>()
        .into_iter()
        .fold((0.0, 0.0), |s, v| (s.0 + v.0, s.1 + v.1));
    if b2 == 0.0 {
        r2.sqrt()
    } else {
        (r2 / b2).sqrt()
    }
}

/// The matrix with values rounded to `T`.
pub fn convert<T: Real>(a: &CsrMatrix<f64>) -> CsrMatrix<T> {
    CsrMatrix::try_from_pattern_and_values(a.pattern().clone(), a.values().iter().map(|&v| T::from_f64(v)).collect())
        .expect("same pattern")
}
