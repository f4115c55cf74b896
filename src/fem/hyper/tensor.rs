//! Symmetric second-order tensors as 6-vectors and fourth-order tensors with minor symmetries
//! as 6 × 6 matrices.
//!
//! A symmetric tensor `A` is stored as its tensor components in ParaView's order
//! `[A_xx, A_yy, A_zz, A_xy, A_yz, A_xz]` ([`Sym`]). A fourth-order tensor `ℂ` with
//! `ℂ_ijkl = ℂ_jikl = ℂ_ijlk` is stored as `D[I][J] = ℂ_ijkl` for `I = (ij)`, `J = (kl)`
//! ([`Voigt`]). Contracting over a symmetric index pair counts each off-diagonal pair twice,
//! which [`WEIGHT`] carries: `(ℂ : A)_I = Σ_J D[I][J] w_J A_J`. In particular `D` times the
//! engineering-strain vector `w ∘ A` is the stress, as for the linear law's `D` matrix.

use nalgebra::Matrix3;

/// A symmetric 3 × 3 tensor (tensor components, order xx yy zz xy yz xz).
pub type Sym = [f64; 6];
/// A fourth-order tensor with minor symmetries (see the module docs).
pub type Voigt = [[f64; 6]; 6];

/// Index pairs `(i, j)` of the six components.
pub const PAIRS: [(usize, usize); 6] = [(0, 0), (1, 1), (2, 2), (0, 1), (1, 2), (0, 2)];
/// Multiplicity of each component in a double contraction.
pub const WEIGHT: [f64; 6] = [1.0, 1.0, 1.0, 2.0, 2.0, 2.0];

/// The identity tensor.
pub const IDENTITY: Sym = [1.0, 1.0, 1.0, 0.0, 0.0, 0.0];

/// The symmetric part of a matrix.
pub fn from_matrix(m: &Matrix3<f64>) -> Sym {
    PAIRS.map(|(i, j)| 0.5 * (m[(i, j)] + m[(j, i)]))
}

/// The tensor as a matrix.
pub fn to_matrix(a: &Sym) -> Matrix3<f64> {
    Matrix3::new(a[0], a[3], a[5], a[3], a[1], a[4], a[5], a[4], a[2])
}

/// `A : B`.
pub fn ddot(a: &Sym, b: &Sym) -> f64 {
    (0..6).map(|k| WEIGHT[k] * a[k] * b[k]).sum()
}

/// `a · A b` for vectors `a`, `b`.
pub fn quad(a: &[f64; 3], t: &Sym, b: &[f64; 3]) -> f64 {
    let m = to_matrix(t);
    (0..3).map(|i| (0..3).map(|j| a[i] * m[(i, j)] * b[j]).sum::<f64>()).sum()
}

/// `sym(a ⊗ b) = ½ (a ⊗ b + b ⊗ a)`.
pub fn sym_outer(a: &[f64; 3], b: &[f64; 3]) -> Sym {
    PAIRS.map(|(i, j)| 0.5 * (a[i] * b[j] + a[j] * b[i]))
}

/// `A ⊗ B`: `D[I][J] = A_I B_J`.
pub fn outer(a: &Sym, b: &Sym) -> Voigt {
    std::array::from_fn(|i| std::array::from_fn(|j| a[i] * b[j]))
}

/// `A ⊙ A` for a symmetric `A`: `ℂ_ijkl = ½ (A_ik A_jl + A_il A_jk)`.
pub fn odot(a: &Sym) -> Voigt {
    let m = to_matrix(a);
    std::array::from_fn(|p| {
        std::array::from_fn(|q| {
            let ((i, j), (k, l)) = (PAIRS[p], PAIRS[q]);
            0.5 * (m[(i, k)] * m[(j, l)] + m[(i, l)] * m[(j, k)])
        })
    })
}

/// `A : ℂ` (contraction over the first index pair).
pub fn left(a: &Sym, d: &Voigt) -> Sym {
    std::array::from_fn(|j| (0..6).map(|i| WEIGHT[i] * a[i] * d[i][j]).sum())
}

/// `ℂ : A` (contraction over the second index pair).
pub fn right(d: &Voigt, a: &Sym) -> Sym {
    std::array::from_fn(|i| (0..6).map(|j| d[i][j] * WEIGHT[j] * a[j]).sum())
}

/// `x D + y E`, entrywise.
pub fn combine(x: f64, d: &Voigt, y: f64, e: &Voigt) -> Voigt {
    std::array::from_fn(|i| std::array::from_fn(|j| x * d[i][j] + y * e[i][j]))
}

/// `x a + y b`.
pub fn lin(x: f64, a: &Sym, y: f64, b: &Sym) -> Sym {
    std::array::from_fn(|k| x * a[k] + y * b[k])
}

/// Determinant and inverse of a symmetric tensor; `None` when singular.
pub fn det_inv(a: &Sym) -> Option<(f64, Sym)> {
    let m = to_matrix(a);
    let det = m.determinant();
    let inv = m.try_inverse()?;
    Some((det, from_matrix(&inv)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contractions_match_index_sums() {
        let a = [1.0, 2.0, 3.0, 0.5, -0.25, 0.75];
        let b = [0.3, -1.0, 2.0, 0.1, 0.2, -0.4];
        let (ma, mb) = (to_matrix(&a), to_matrix(&b));
        let full: f64 = (0..3).map(|i| (0..3).map(|j| ma[(i, j)] * mb[(i, j)]).sum::<f64>()).sum();
        assert!((ddot(&a, &b) - full).abs() < 1e-14);
        // (A ⊙ A) : B = A B A for symmetric A and B.
        let aba = from_matrix(&(ma * mb * ma));
        let got = right(&odot(&a), &b);
        for k in 0..6 {
            assert!((got[k] - aba[k]).abs() < 1e-13, "{k}: {} vs {}", got[k], aba[k]);
        }
        let got = left(&b, &odot(&a));
        for k in 0..6 {
            assert!((got[k] - aba[k]).abs() < 1e-13);
        }
    }
}
