//! Strength of connection between nodes (blocks of `b` unknowns).
//!
//! The block `A_IJ` couples node `I` to node `J`; with `‖·‖` the Frobenius norm, `J` is a strong
//! neighbour of `I` when
//!
//! `‖A_IJ‖ > θ √(‖A_II‖ ‖A_JJ‖)` and `‖A_IJ‖ > 0`,
//!
//! the symmetric measure of Vaněk, Mandel and Brezina (1996) applied to block norms. With θ = 0
//! every stored, non-zero coupling is strong. The measure is symmetric in `I` and `J`, so the
//! graph is undirected. A node whose rows were eliminated for a Dirichlet condition (its
//! off-diagonal entries are zero) has no strong neighbour at all.

use nalgebra_sparse::CsrMatrix;
use rayon::prelude::*;

/// The strong-neighbour graph of the nodes, in CSR form (self excluded, sorted).
#[derive(Debug, Clone, PartialEq)]
pub struct Graph {
    /// `neighbours[offsets[i]..offsets[i + 1]]` are node `i`'s strong neighbours.
    pub offsets: Vec<usize>,
    /// Neighbour lists.
    pub neighbours: Vec<usize>,
}

impl Graph {
    /// Number of nodes.
    pub fn nodes(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Node `i`'s strong neighbours.
    pub fn of(&self, i: usize) -> &[usize] {
        &self.neighbours[self.offsets[i]..self.offsets[i + 1]]
    }
}

/// The squared Frobenius norms of node `i`'s blocks `A_IJ`, as sorted `(J, ‖A_IJ‖²)`.
fn block_norms(a: &CsrMatrix<f64>, b: usize, node: usize) -> Vec<(usize, f64)> {
    let mut entries: Vec<(usize, f64)> = (node * b..(node + 1) * b)
        .flat_map(|i| {
            let row = a.row(i);
            row.col_indices().iter().zip(row.values()).map(|(&j, &v)| (j / b, v * v)).collect::<Vec<_>>()
        })
        .collect();
    entries.sort_unstable_by_key(|e| e.0);
    let mut out: Vec<(usize, f64)> = Vec::with_capacity(entries.len() / b.max(1));
    for (j, v) in entries {
        match out.last_mut() {
            Some(last) if last.0 == j => last.1 += v,
            _ => out.push((j, v)),
        }
    }
    out
}

/// The strong-neighbour graph of `a` with `b` unknowns per node and threshold `theta`.
pub fn strong_graph(a: &CsrMatrix<f64>, b: usize, theta: f64) -> Graph {
    let nodes = a.nrows() / b;
    let norms: Vec<Vec<(usize, f64)>> = (0..nodes).into_par_iter().map(|i| block_norms(a, b, i)).collect();
    let diag: Vec<f64> =
        norms.iter().enumerate().map(|(i, row)| row.iter().find(|e| e.0 == i).map_or(0.0, |e| e.1.sqrt())).collect();
    let lists: Vec<Vec<usize>> = norms
        .par_iter()
        .enumerate()
        .map(|(i, row)| {
            row.iter()
                .filter(|&&(j, n2)| j != i && n2 > 0.0 && n2.sqrt() > theta * (diag[i] * diag[j]).sqrt())
                .map(|e| e.0)
                .collect()
        })
        .collect();
    let mut offsets = Vec::with_capacity(nodes + 1);
    offsets.push(0);
    for l in &lists {
        offsets.push(offsets[offsets.len() - 1] + l.len());
    }
    Graph { offsets, neighbours: lists.into_iter().flatten().collect() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra_sparse::CooMatrix;

    #[test]
    fn weak_and_eliminated_couplings_are_dropped() {
        // Scalar chain 0 - 1 - 2 with a weak link 1 - 2, and node 3 eliminated (diagonal only,
        // its stored couplings to node 2 zeroed).
        let mut coo = CooMatrix::new(4, 4);
        for (i, j, v) in [(0, 0, 2.0), (1, 1, 2.0), (2, 2, 2.0), (3, 3, 5.0), (0, 1, -1.0), (1, 2, -0.1), (2, 3, 0.0)] {
            coo.push(i, j, v);
            if i != j {
                coo.push(j, i, v);
            }
        }
        let a = CsrMatrix::from(&coo);
        let g = strong_graph(&a, 1, 0.25);
        assert_eq!((g.of(0), g.of(1), g.of(2), g.of(3)), (&[1][..], &[0][..], &[][..], &[][..]));
        // θ = 0 keeps the weak link (0.1 > 0) but still not the zero one.
        let g = strong_graph(&a, 1, 0.0);
        assert_eq!((g.of(1), g.of(2), g.of(3)), (&[0, 2][..], &[1][..], &[][..]));
    }
}
