//! The near-nullspace: the vectors the coarse spaces must represent exactly, because the
//! operator nearly annihilates them and a local smoother cannot reduce them.
//!
//! For linear elasticity they are the six rigid-body modes of the free nodes, `u(x) = t + ω × (x − c)`:
//! three translations and three rotations about the centroid `c` (scaled by the extent of the
//! nodes, so all six have entries of order one). For a scalar Laplace-type problem it is the
//! constant vector; with `b` components per node and no geometry, the `b` translations.

use super::AmgError;

/// Vectors the coarse spaces reproduce exactly, for a matrix with `block` unknowns per node
/// (node-major: unknown `block · s + k` is component `k` of node `s`).
#[derive(Debug, Clone, PartialEq)]
pub struct NearNullspace {
    block: usize,
    vectors: Vec<Vec<f64>>,
}

impl NearNullspace {
    /// The vectors `vectors` (all of one length, a multiple of `block`).
    pub fn new(block: usize, vectors: Vec<Vec<f64>>) -> Result<Self, AmgError> {
        let n = vectors.first().map_or(0, Vec::len);
        if block == 0 || vectors.is_empty() || !n.is_multiple_of(block) || vectors.iter().any(|v| v.len() != n) {
            return Err(AmgError::Nullspace {
                what: format!(
                    "{} vectors of lengths {:?} with {block} unknowns per node",
                    vectors.len(),
                    vectors.iter().map(Vec::len).collect::<Vec<_>>()
                ),
            });
        }
        if vectors.iter().flatten().any(|v| !v.is_finite()) {
            return Err(AmgError::Nullspace { what: "a vector holds NaN or infinite values".into() });
        }
        Ok(NearNullspace { block, vectors })
    }

    /// The `block` translations (a constant per component) for `n` unknowns: the fallback when
    /// no coordinates are known, and the exact near-nullspace of a scalar problem (`block = 1`).
    pub fn translations(n: usize, block: usize) -> Result<Self, AmgError> {
        let vectors = (0..block).map(|k| (0..n).map(|i| if i % block == k { 1.0 } else { 0.0 }).collect()).collect();
        NearNullspace::new(block, vectors)
    }

    /// The six rigid-body modes of the nodes at `coords` (3 unknowns per node, node-major).
    pub fn rigid_body_modes(coords: &[[f64; 3]]) -> Result<Self, AmgError> {
        let n = coords.len();
        let centroid: [f64; 3] = std::array::from_fn(|k| coords.iter().map(|x| x[k]).sum::<f64>() / n.max(1) as f64);
        let extent = coords.iter().flat_map(|x| (0..3).map(move |k| (x[k] - centroid[k]).abs())).fold(0.0, f64::max);
        let scale = if extent > 0.0 { 1.0 / extent } else { 1.0 };
        let mut vectors = vec![vec![0.0; 3 * n]; 6];
        for (s, x) in coords.iter().enumerate() {
            let d = [0, 1, 2].map(|k| (x[k] - centroid[k]) * scale);
            for k in 0..3 {
                vectors[k][3 * s + k] = 1.0;
            }
            // ω × d for ω = e_x, e_y, e_z.
            let rotations = [[0.0, -d[2], d[1]], [d[2], 0.0, -d[0]], [-d[1], d[0], 0.0]];
            for (r, u) in rotations.iter().enumerate() {
                vectors[3 + r][3 * s..3 * s + 3].copy_from_slice(u);
            }
        }
        NearNullspace::new(3, vectors)
    }

    /// Unknowns per node.
    pub fn block(&self) -> usize {
        self.block
    }

    /// The vectors.
    pub fn vectors(&self) -> &[Vec<f64>] {
        &self.vectors
    }

    /// Number of vectors (the unknowns per aggregate on the next level).
    pub fn dim(&self) -> usize {
        self.vectors.len()
    }

    /// Length of each vector.
    pub fn len(&self) -> usize {
        self.vectors[0].len()
    }

    /// Whether the vectors are empty (never, by construction).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The same vectors with the entries of `rows` set to zero (unknowns eliminated for a
    /// Dirichlet condition are not part of any mode).
    pub fn without(&self, rows: &[usize]) -> NearNullspace {
        let mut out = self.clone();
        for v in &mut out.vectors {
            rows.iter().for_each(|&i| v[i] = 0.0);
        }
        out
    }
}
