//! The 3 × 3 block-sparse-row (BSR) layout of a stiffness matrix, and its split into chunks of
//! rows whose arrays fit one storage binding each. Values are kept in f64 here and rounded to
//! the GPU's precision when uploaded.
//!
//! Block row `I` covers scalar rows `3I..3I+3`; it holds a block `(I, J)` for every block column
//! `J` that any of its rows touches (for an assembled elasticity matrix, every block is full).
//! The pattern and the scatter map from CSR entries to block slots are built once; [`Bsr3::fill`]
//! only copies values, so Newton steps on one mesh reuse everything else.

use nalgebra_sparse::CsrMatrix;

use super::GpuError;

/// One chunk: rows `row_begin..row_end` with entries (blocks) `entry_begin..entry_end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk {
    /// First row (block row for BSR).
    pub row_begin: usize,
    /// One past the last row.
    pub row_end: usize,
    /// First entry (block).
    pub entry_begin: usize,
    /// One past the last entry.
    pub entry_end: usize,
}

/// A matrix with 3 DOFs per node in BSR form, values in f32.
#[derive(Debug, Clone, PartialEq)]
pub struct Bsr3 {
    /// Block rows (nodes).
    pub block_rows: usize,
    /// Block offsets per block row (`block_rows + 1`).
    pub row_ptr: Vec<u32>,
    /// Block column of each block.
    pub cols: Vec<u32>,
    /// Nine values per block, row-major (rounded to the GPU's precision on upload).
    pub vals: Vec<f64>,
    /// Block row sums `S_i = Σ_j K_ij`, nine per block row.
    pub rowsum: Vec<f64>,
    /// Value slot of each CSR entry.
    scatter: Vec<u32>,
}

impl Bsr3 {
    /// The block pattern of `a` (values zero).
    pub fn from_pattern(a: &CsrMatrix<f64>) -> Result<Self, GpuError> {
        let n = a.nrows();
        if !n.is_multiple_of(3) || a.ncols() != n {
            return Err(GpuError::Shape(format!(
                "the GPU solver needs a square matrix with 3 DOFs per node, got {}x{}",
                n,
                a.ncols()
            )));
        }
        let too_large =
            || GpuError::Shape(format!("a matrix of {} nonzeros exceeds the GPU's 32-bit indices", a.nnz()));
        let block_rows = n / 3;
        let (offsets, indices) = (a.row_offsets(), a.col_indices());
        let mut row_ptr = Vec::with_capacity(block_rows + 1);
        row_ptr.push(0u32);
        let mut cols: Vec<u32> = Vec::new();
        let mut scatter = vec![0u32; a.nnz()];
        let mut row_cols: Vec<u32> = Vec::new();
        for block in 0..block_rows {
            let entries = offsets[3 * block]..offsets[3 * block + 3];
            row_cols.clear();
            row_cols.extend(indices[entries.clone()].iter().map(|&j| (j / 3) as u32));
            row_cols.sort_unstable();
            row_cols.dedup();
            let base = cols.len();
            for row in 3 * block..3 * block + 3 {
                for k in offsets[row]..offsets[row + 1] {
                    let j = indices[k];
                    let b = base + row_cols.binary_search(&((j / 3) as u32)).expect("column collected above");
                    let slot = 9 * b + 3 * (row - 3 * block) + j % 3;
                    scatter[k] = u32::try_from(slot).map_err(|_| too_large())?;
                }
            }
            cols.extend_from_slice(&row_cols);
            row_ptr.push(u32::try_from(cols.len()).map_err(|_| too_large())?);
        }
        let vals = vec![0.0; 9 * cols.len()];
        Ok(Bsr3 { block_rows, row_ptr, cols, vals, rowsum: vec![0.0; 9 * block_rows], scatter })
    }

    /// Copies `scale · a` into the block values and sums the block rows; `a` must have the
    /// pattern this was built from.
    pub fn fill(&mut self, a: &CsrMatrix<f64>, scale: f64) {
        assert_eq!(a.nnz(), self.scatter.len(), "fill with the pattern the layout was built from");
        self.vals.fill(0.0);
        for (&slot, &v) in self.scatter.iter().zip(a.values()) {
            self.vals[slot as usize] = v * scale;
        }
        let mut sums = vec![0.0f64; 9 * self.block_rows];
        for (row, entries) in a.row_iter().enumerate() {
            for (&j, &v) in entries.col_indices().iter().zip(entries.values()) {
                sums[9 * (row / 3) + 3 * (row % 3) + j % 3] += v * scale;
            }
        }
        self.rowsum = sums;
    }

    /// Stored blocks.
    pub fn blocks(&self) -> usize {
        self.cols.len()
    }

    /// Chunks of block rows whose values (`value_bytes` each, nine per block) fit
    /// `max_binding_bytes` each.
    pub fn chunks(&self, value_bytes: u64, max_binding_bytes: u64) -> Result<Vec<Chunk>, GpuError> {
        split_rows(&self.row_ptr, 9 * value_bytes, max_binding_bytes, "one block row of the matrix")
    }
}

/// Splits rows greedily so that each chunk's entries take at most `max_bytes` at
/// `bytes_per_entry`; an error if a single row does not fit.
pub fn split_rows(row_ptr: &[u32], bytes_per_entry: u64, max_bytes: u64, what: &str) -> Result<Vec<Chunk>, GpuError> {
    let rows = row_ptr.len() - 1;
    let capacity = max_bytes / bytes_per_entry;
    let mut chunks = Vec::new();
    let mut begin = 0;
    while begin < rows {
        let entry_begin = row_ptr[begin] as usize;
        let mut end = begin;
        while end < rows && (row_ptr[end + 1] as usize - entry_begin) as u64 <= capacity {
            end += 1;
        }
        if end == begin {
            let needed = (row_ptr[begin + 1] - row_ptr[begin]) as u64 * bytes_per_entry;
            return Err(GpuError::TooLarge {
                what: what.into(),
                needed_mib: needed as f64 / 1048576.0,
                limit_mib: max_bytes as f64 / 1048576.0,
            });
        }
        chunks.push(Chunk { row_begin: begin, row_end: end, entry_begin, entry_end: row_ptr[end] as usize });
        begin = end;
    }
    Ok(chunks)
}

#[cfg(test)]
mod tests {
    use nalgebra_sparse::CooMatrix;

    use super::*;

    /// A 6 × 6 matrix with a missing corner entry and a full off-diagonal block.
    fn sample() -> CsrMatrix<f64> {
        let mut coo = CooMatrix::new(6, 6);
        for i in 0..6 {
            for j in 0..6 {
                if (i, j) != (0, 5) && (i, j) != (5, 0) {
                    coo.push(i, j, (10 * i + j) as f64);
                }
            }
        }
        CsrMatrix::from(&coo)
    }

    #[test]
    fn blocks_hold_every_entry_in_place_and_zeros_elsewhere() {
        let a = sample();
        let mut bsr = Bsr3::from_pattern(&a).unwrap();
        bsr.fill(&a, 2.0);
        assert_eq!(bsr.row_ptr, vec![0, 2, 4]);
        assert_eq!(bsr.cols, vec![0, 1, 0, 1]);
        for (bi, bj, k) in [(0, 0, 0), (0, 1, 1), (1, 0, 2), (1, 1, 3)] {
            for i in 0..3 {
                for j in 0..3 {
                    let (row, col) = (3 * bi + i, 3 * bj + j);
                    let expected =
                        if (row, col) == (0, 5) || (row, col) == (5, 0) { 0.0 } else { 2.0 * (10 * row + col) as f64 };
                    assert_eq!(bsr.vals[9 * k + 3 * i + j], expected, "({row}, {col})");
                }
            }
        }
    }

    #[test]
    fn chunks_cover_all_rows_within_the_limit() {
        let row_ptr: Vec<u32> = [0u32, 3, 7, 8, 15, 20, 22].to_vec();
        let chunks = split_rows(&row_ptr, 36, 36 * 7, "row").unwrap();
        assert_eq!(chunks.first().unwrap().row_begin, 0);
        assert_eq!(chunks.last().unwrap().row_end, 6);
        for w in chunks.windows(2) {
            assert_eq!(w[0].row_end, w[1].row_begin);
        }
        for c in &chunks {
            assert!((c.entry_end - c.entry_begin) * 36 <= 36 * 7);
            assert_eq!(c.entry_begin, row_ptr[c.row_begin] as usize);
        }
        assert!(matches!(split_rows(&row_ptr, 36, 36 * 6, "row"), Err(GpuError::TooLarge { .. })));
    }

    #[test]
    fn rejects_a_matrix_without_three_dofs_per_node() {
        let a = CsrMatrix::<f64>::identity(4);
        assert!(matches!(Bsr3::from_pattern(&a), Err(GpuError::Shape(_))));
    }
}
