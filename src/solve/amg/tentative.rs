//! The tentative prolongator: per aggregate, an orthonormal basis of the near-nullspace
//! restricted to the aggregate's unknowns.
//!
//! With `B_a` the rows of the near-nullspace `B` (n × k) on aggregate `a`, a thin QR
//! factorisation `B_a = Q_a R_a` (modified Gram–Schmidt, applied twice for orthogonality to
//! rounding) gives the block `Q_a` of the tentative prolongator `T` (columns `k a .. k a + k`) and
//! the block `R_a` of the coarse near-nullspace `B_c`, so that `T B_c = B` exactly, up to
//! rounding, on every aggregated unknown. A column of `B_a` that depends on the previous ones
//! (a one-node aggregate has only three independent rigid-body modes) gives a zero column of
//! `Q_a` and a zero row of `R_a`: the reproduction stays exact, and the coarse unknown it
//! would have carried is decoupled (see [`super::Level`]).

use nalgebra_sparse::CsrMatrix;
use rayon::prelude::*;

use super::aggregate::Aggregates;
use super::nullspace::NearNullspace;

/// Relative size below which a Gram–Schmidt residual counts as linearly dependent.
const DEPENDENT: f64 = 1e-10;

/// `Q_a` (rows × k, row-major) and `R_a` (k × k, row-major) of one aggregate.
fn qr(rows: &[usize], ns: &NearNullspace) -> (Vec<f64>, Vec<f64>) {
    let (m, k) = (rows.len(), ns.dim());
    let column = |j: usize| rows.iter().map(|&i| ns.vectors()[j][i]).collect::<Vec<f64>>();
    let scale = (0..k).map(|j| column(j).iter().map(|v| v * v).sum::<f64>().sqrt()).fold(0.0, f64::max);
    let mut q: Vec<Vec<f64>> = Vec::with_capacity(k);
    let mut r = vec![0.0; k * k];
    for j in 0..k {
        let mut v = column(j);
        for _ in 0..2 {
            for (i, qi) in q.iter().enumerate() {
                let c: f64 = qi.iter().zip(&v).map(|(a, b)| a * b).sum();
                r[i * k + j] += c;
                v.iter_mut().zip(qi).for_each(|(v, q)| *v -= c * q);
            }
        }
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm > DEPENDENT * scale && norm > 0.0 {
            r[j * k + j] = norm;
            v.iter_mut().for_each(|x| *x /= norm);
        } else {
            v.fill(0.0);
        }
        q.push(v);
    }
    let q_rows = (0..m).flat_map(|row| q.iter().map(move |c| c[row]).collect::<Vec<_>>()).collect();
    (q_rows, r)
}

/// The tentative prolongator `T` (n × k·aggregates) and the coarse near-nullspace, for nodes of
/// `b` unknowns aggregated by `agg`.
pub fn tentative(agg: &Aggregates, ns: &NearNullspace) -> (CsrMatrix<f64>, NearNullspace) {
    let (b, k, n) = (ns.block(), ns.dim(), ns.len());
    let members = agg.members();
    let blocks: Vec<(Vec<usize>, Vec<f64>, Vec<f64>)> = members
        .par_iter()
        .map(|nodes| {
            let rows: Vec<usize> = nodes.iter().flat_map(|&s| (0..b).map(move |c| b * s + c)).collect();
            let (q, r) = qr(&rows, ns);
            (rows, q, r)
        })
        .collect();
    // Row i of T holds row `local[i]` of its aggregate's Q in columns k·a .. k·a + k.
    let mut local: Vec<Option<(usize, usize)>> = vec![None; n];
    for (a, (rows, _, _)) in blocks.iter().enumerate() {
        rows.iter().enumerate().for_each(|(l, &i)| local[i] = Some((a, l)));
    }
    let mut offsets = vec![0];
    let (mut cols, mut vals) = (Vec::new(), Vec::new());
    for entry in &local {
        if let Some((a, l)) = *entry {
            cols.extend(k * a..k * a + k);
            vals.extend_from_slice(&blocks[a].1[l * k..(l + 1) * k]);
        }
        offsets.push(cols.len());
    }
    let t = CsrMatrix::try_from_csr_data(n, k * agg.count, offsets, cols, vals).expect("one sorted block per row");
    let mut coarse = vec![vec![0.0; k * agg.count]; k];
    for (a, (_, _, r)) in blocks.iter().enumerate() {
        for i in 0..k {
            for (j, c) in coarse.iter_mut().enumerate() {
                c[k * a + i] = r[i * k + j];
            }
        }
    }
    let coarse = NearNullspace::new(k, coarse).expect("k vectors of k·aggregates entries");
    (t, coarse)
}
