//! Sparse kernels of the AMG setup: row-by-row (Gustavson) products `C = A B` with a dense
//! accumulator per worker, the block-diagonal inverse as a matrix, and the symmetric part.
//!
//! Patterns are structural: an entry that cancels to zero is kept, so a matrix with the same
//! pattern as the one a hierarchy was built from gives products with the same patterns too.

use nalgebra_sparse::CsrMatrix;
use rayon::prelude::*;

/// Rows per parallel task in the products.
const ROWS_PER_TASK: usize = 256;

/// One row chunk of a product: entries per row, then columns and values row after row.
type Chunk = (Vec<usize>, Vec<usize>, Vec<f64>);

/// `C = A B` (columns sorted in every row, structural zeros kept).
pub fn product(a: &CsrMatrix<f64>, b: &CsrMatrix<f64>) -> CsrMatrix<f64> {
    assert_eq!(a.ncols(), b.nrows(), "product: inner dimensions differ");
    let (ao, ac, av) = (a.pattern().major_offsets(), a.pattern().minor_indices(), a.values());
    let (bo, bc, bv) = (b.pattern().major_offsets(), b.pattern().minor_indices(), b.values());
    let ncols = b.ncols();
    let chunks: Vec<Chunk> = (0..a.nrows().div_ceil(ROWS_PER_TASK))
        .into_par_iter()
        .map_init(
            || (vec![0.0; ncols], vec![usize::MAX; ncols]),
            |(acc, mark), chunk| {
                let rows = chunk * ROWS_PER_TASK..((chunk + 1) * ROWS_PER_TASK).min(a.nrows());
                let (mut counts, mut cols, mut vals) = (Vec::with_capacity(rows.len()), Vec::new(), Vec::new());
                for i in rows {
                    let first = cols.len();
                    for k in ao[i]..ao[i + 1] {
                        let (j, x) = (ac[k], av[k]);
                        for l in bo[j]..bo[j + 1] {
                            let c = bc[l];
                            if mark[c] != i {
                                mark[c] = i;
                                acc[c] = 0.0;
                                cols.push(c);
                            }
                            acc[c] += x * bv[l];
                        }
                    }
                    cols[first..].sort_unstable();
                    vals.extend(cols[first..].iter().map(|&c| acc[c]));
                    counts.push(cols.len() - first);
                }
                (counts, cols, vals)
            },
        )
        .collect();
    assemble(a.nrows(), ncols, chunks)
}

fn assemble(nrows: usize, ncols: usize, chunks: Vec<Chunk>) -> CsrMatrix<f64> {
    let nnz = chunks.iter().map(|c| c.1.len()).sum();
    let mut offsets = Vec::with_capacity(nrows + 1);
    offsets.push(0);
    let (mut cols, mut vals) = (Vec::with_capacity(nnz), Vec::with_capacity(nnz));
    for (counts, c, v) in chunks {
        for n in counts {
            offsets.push(offsets[offsets.len() - 1] + n);
        }
        cols.extend(c);
        vals.extend(v);
    }
    CsrMatrix::try_from_csr_data(nrows, ncols, offsets, cols, vals).expect("sorted unique columns by construction")
}

/// Row ranges of [`transpose_multiply`]: fixed, so its sums do not depend on the thread count.
const PARTS: usize = 16;

/// `y = Pᵀ x` without storing `Pᵀ`: each of [`PARTS`] row ranges scatters into its own partial
/// vector, and the partials are added in order (deterministic).
pub fn transpose_multiply(p: &CsrMatrix<f64>, x: &[f64], y: &mut [f64]) {
    let (offsets, cols, vals) = (p.pattern().major_offsets(), p.pattern().minor_indices(), p.values());
    let (n, m) = (p.nrows(), p.ncols());
    let rows = n.div_ceil(PARTS).max(1);
    let partials: Vec<Vec<f64>> = (0..PARTS)
        .into_par_iter()
        .map(|part| {
            let mut acc = vec![0.0; m];
            for i in (part * rows).min(n)..((part + 1) * rows).min(n) {
                for k in offsets[i]..offsets[i + 1] {
                    acc[cols[k]] += vals[k] * x[i];
                }
            }
            acc
        })
        .collect();
    y.par_iter_mut().enumerate().for_each(|(j, y)| *y = partials.iter().map(|a| a[j]).sum());
}

/// The block-diagonal matrix with the row-major `b × b` blocks `blocks` on its diagonal.
pub fn block_diagonal(b: usize, blocks: &[f64]) -> CsrMatrix<f64> {
    let n = blocks.len() / b;
    let offsets = (0..=n).map(|i| i * b).collect();
    let cols = (0..n).flat_map(|i| (0..b).map(move |j| (i / b) * b + j)).collect();
    CsrMatrix::try_from_csr_data(n, n, offsets, cols, blocks.to_vec()).expect("diagonal blocks are sorted")
}

/// `I − ω A` on the pattern of `A`, which must store every diagonal entry.
pub fn identity_minus(omega: f64, a: &CsrMatrix<f64>) -> CsrMatrix<f64> {
    let mut s = a.clone();
    for (i, mut row) in s.row_iter_mut().enumerate() {
        let (cols, vals) = row.cols_and_values_mut();
        for (&j, v) in cols.iter().zip(vals) {
            *v = if j == i { 1.0 - omega * *v } else { -omega * *v };
        }
    }
    s
}

/// `(A + Aᵀ) / 2` for a structurally symmetric `A` (a Galerkin product, symmetric up to
/// rounding); `None` if the pattern is not symmetric.
pub fn symmetric_part(a: &CsrMatrix<f64>) -> Option<CsrMatrix<f64>> {
    let t = a.transpose();
    if t.pattern() != a.pattern() {
        return None;
    }
    let mut s = a.clone();
    s.values_mut().iter_mut().zip(t.values()).for_each(|(v, w)| *v = 0.5 * (*v + w));
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::DMatrix;
    use nalgebra_sparse::CooMatrix;

    fn random(n: usize, m: usize, fill: u64, seed: u64) -> CsrMatrix<f64> {
        let mut coo = CooMatrix::new(n, m);
        let mut s = seed;
        for i in 0..n {
            for j in 0..m {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                if (s >> 33) % 100 < fill {
                    coo.push(i, j, ((s >> 11) % 1000) as f64 / 500.0 - 1.0);
                }
            }
        }
        CsrMatrix::from(&coo)
    }

    #[test]
    fn product_matches_the_dense_product() {
        // Over 256 rows, so several tasks (and accumulator reuse across rows) are exercised.
        let (a, b) = (random(300, 40, 10, 1), random(40, 70, 20, 2));
        let c = DMatrix::from(&product(&a, &b));
        let d = DMatrix::from(&a) * DMatrix::from(&b);
        // Each entry sums at most 40 products of magnitude ≤ 1: a few ulps of 40.
        assert!((c - d).amax() < 1e-13);
    }

    #[test]
    fn transpose_multiply_matches_the_dense_product() {
        let p = random(300, 40, 10, 4);
        let x: Vec<f64> = (0..300).map(|i| (i as f64).sin()).collect();
        let mut y = vec![0.0; 40];
        transpose_multiply(&p, &x, &mut y);
        let want = DMatrix::from(&p).transpose() * nalgebra::DVector::from_column_slice(&x);
        // Sums of at most 300 terms of size ≤ 1.
        assert!(y.iter().zip(want.iter()).all(|(a, b)| (a - b).abs() < 1e-12));
    }

    #[test]
    fn symmetric_part_and_identity_minus() {
        let a = random(30, 30, 30, 3);
        let s = product(&a.transpose(), &a);
        let sym = symmetric_part(&s).unwrap();
        let d = DMatrix::from(&sym);
        assert_eq!(d, d.transpose());
        let i = DMatrix::from(&identity_minus(0.5, &sym));
        assert!((i - (DMatrix::identity(30, 30) - 0.5 * d)).amax() == 0.0);
        let blocks: Vec<f64> = (0..18).map(f64::from).collect();
        let bd = DMatrix::from(&block_diagonal(3, &blocks));
        assert_eq!(bd[(4, 5)], 14.0);
        assert_eq!(bd[(2, 3)], 0.0);
    }
}
