//! Global stiffness assembly: pattern once, values every step.
//!
//! The weak form of linear elasticity is `∫ σ(u) : ε(v) dV = ∫ b·v dV + ∫ t·v dA`. With
//! `u = Σ N_b u_b` the nodal block coupling nodes `a` and `b` of one cell is, for the isotropic
//! law of [`material`](super::material),
//!
//! `K_ab[i][j] = Σ_q w_q det J_q (λ ∂_i N_a ∂_j N_b + μ ∂_j N_a ∂_i N_b + μ δ_ij ∇N_a·∇N_b)`.
//!
//! [`Assembler::new`] builds, once per mesh: the DOF map, the block sparsity pattern (one 3 × 3
//! block per pair of nodes sharing a cell, stored as a scalar CSR matrix whose rows keep the
//! blocks' three columns together), the physical shape gradients at the quadrature points, and
//! for every (node, incident cell) the positions of its blocks in the row. [`Assembler::assemble`]
//! then refills the values in parallel over block rows: each task owns the values of one node's
//! three rows and gathers from the cells around the node, so no two tasks write the same memory,
//! no locks or atomics are needed, and the sum order is fixed (bitwise reproducible).
//! [`Assembler::assemble_serial`] is the classical element loop with the 6 × 6 `D` matrix, kept as
//! the oracle.

use nalgebra_sparse::{pattern::SparsityPattern, CsrMatrix};
use rayon::prelude::*;

use super::dofs::DofMap;
use super::element::physical_gradients;
use super::material::LinearElastic;
use super::quadrature;
use super::FemError;
use crate::mesh::{CellType, Mesh};

/// Quadrature used for the stiffness of a cell type: exact for straight-sided cells.
pub fn stiffness_rule(kind: CellType) -> Vec<quadrature::Point<3>> {
    match kind {
        CellType::Tet4 => quadrature::tet_centroid(),
        CellType::Tet10 => quadrature::tet_degree2(),
    }
}

/// Shape gradients and weights at the stiffness quadrature points of every cell.
#[derive(Debug, Clone)]
struct CellGeometry {
    /// Start of each cell's data; per point: `w det J`, then `3 n` gradient components.
    offsets: Vec<usize>,
    data: Vec<f64>,
}

impl CellGeometry {
    fn new(mesh: &Mesh) -> Result<Self, FemError> {
        let per_cell: Vec<Result<Vec<f64>, FemError>> = (0..mesh.cell_count())
            .into_par_iter()
            .map(|c| {
                let kind = mesh.cell_type(c);
                let x = mesh.cell_coords(c);
                let mut out = Vec::new();
                for (xi, w) in stiffness_rule(kind) {
                    match physical_gradients(kind, &x, xi) {
                        Some((g, det)) if det > 0.0 => {
                            out.push(w * det);
                            out.extend(g.iter().flatten());
                        }
                        _ => return Err(FemError::InvertedCell { cell: mesh.cell_ids()[c], point: xi }),
                    }
                }
                Ok(out)
            })
            .collect();
        let mut offsets = Vec::with_capacity(mesh.cell_count() + 1);
        let mut data = Vec::new();
        offsets.push(0);
        for cell in per_cell {
            data.extend(cell?);
            offsets.push(data.len());
        }
        Ok(CellGeometry { offsets, data })
    }

    /// Quadrature points of cell `c` as `(w det J, gradients)`.
    fn points(&self, c: usize, n: usize) -> impl Iterator<Item = (f64, &[f64])> {
        self.data[self.offsets[c]..self.offsets[c + 1]].chunks_exact(1 + 3 * n).map(|p| (p[0], &p[1..]))
    }
}

/// Per-mesh assembly structure: DOF map, block pattern, geometry and scatter positions.
#[derive(Debug, Clone)]
pub struct Assembler {
    dofs: DofMap,
    pattern: SparsityPattern,
    /// Block row of each slot: `block_offsets[s]..block_offsets[s + 1]` in `block_cols`.
    block_offsets: Vec<usize>,
    block_cols: Vec<usize>,
    /// Cells around each slot: `(cell, local node)` in `incident[incident_offsets[s]..]`.
    incident_offsets: Vec<usize>,
    incident: Vec<(usize, usize)>,
    /// For incident entry `e`, the block position of each local node `lb` of the cell:
    /// `scatter[scatter_offsets[e] + lb]`.
    scatter_offsets: Vec<usize>,
    scatter: Vec<u32>,
    geometry: CellGeometry,
    cell_nodes: Vec<usize>,
    cell_offsets: Vec<usize>,
    cell_ids: Vec<u64>,
}

impl Assembler {
    /// Builds the structure for `mesh` (coordinates in SI units).
    pub fn new(mesh: &Mesh) -> Result<Self, FemError> {
        Assembler::with_dofs(mesh, DofMap::new(mesh))
    }

    /// As [`new`](Self::new), with the DOF map already made for `mesh` by [`DofMap::new`].
    pub fn with_dofs(mesh: &Mesh, dofs: DofMap) -> Result<Self, FemError> {
        let slots = dofs.slots();
        let geometry = CellGeometry::new(mesh)?;

        let mut cell_offsets = vec![0];
        let mut cell_nodes = Vec::new();
        for c in 0..mesh.cell_count() {
            cell_nodes.extend(mesh.cell_nodes(c).iter().map(|&n| dofs.slot(n).expect("used node has a slot")));
            cell_offsets.push(cell_nodes.len());
        }

        // Cells around each slot (counting sort by slot).
        let mut incident_offsets = vec![0usize; slots + 1];
        for &s in &cell_nodes {
            incident_offsets[s + 1] += 1;
        }
        for s in 0..slots {
            incident_offsets[s + 1] += incident_offsets[s];
        }
        let mut fill = incident_offsets.clone();
        let mut incident = vec![(0, 0); cell_nodes.len()];
        for c in 0..mesh.cell_count() {
            for (l, &s) in cell_nodes[cell_offsets[c]..cell_offsets[c + 1]].iter().enumerate() {
                incident[fill[s]] = (c, l);
                fill[s] += 1;
            }
        }

        // Block rows: the sorted slots sharing a cell with each slot.
        let rows: Vec<Vec<usize>> = (0..slots)
            .into_par_iter()
            .map(|s| {
                let mut cols: Vec<usize> = incident[incident_offsets[s]..incident_offsets[s + 1]]
                    .iter()
                    .flat_map(|&(c, _)| cell_nodes[cell_offsets[c]..cell_offsets[c + 1]].iter().copied())
                    .collect();
                cols.sort_unstable();
                cols.dedup();
                cols
            })
            .collect();
        let mut block_offsets = Vec::with_capacity(slots + 1);
        block_offsets.push(0);
        let mut block_cols = Vec::new();
        for r in &rows {
            block_cols.extend_from_slice(r);
            block_offsets.push(block_cols.len());
        }
        drop(rows);

        let mut scatter_offsets = Vec::with_capacity(incident.len() + 1);
        scatter_offsets.push(0);
        let mut scatter = Vec::new();
        for s in 0..slots {
            let row = &block_cols[block_offsets[s]..block_offsets[s + 1]];
            for &(c, _) in &incident[incident_offsets[s]..incident_offsets[s + 1]] {
                for b in &cell_nodes[cell_offsets[c]..cell_offsets[c + 1]] {
                    let k = row.binary_search(b).expect("pattern holds every cell pair");
                    scatter.push(k as u32);
                }
                scatter_offsets.push(scatter.len());
            }
        }

        let pattern = scalar_pattern(&block_offsets, &block_cols);
        Ok(Assembler {
            dofs,
            pattern,
            block_offsets,
            block_cols,
            incident_offsets,
            incident,
            scatter_offsets,
            scatter,
            geometry,
            cell_nodes,
            cell_offsets,
            cell_ids: mesh.cell_ids().to_vec(),
        })
    }

    /// The DOF map.
    pub fn dofs(&self) -> &DofMap {
        &self.dofs
    }

    /// The scalar sparsity pattern of the stiffness (square, `dofs().len()` rows).
    pub fn pattern(&self) -> &SparsityPattern {
        &self.pattern
    }

    /// Number of cells.
    pub fn cell_count(&self) -> usize {
        self.cell_offsets.len() - 1
    }

    /// A zero matrix on the pattern, to be filled by [`assemble`](Self::assemble).
    pub fn zero_matrix(&self) -> CsrMatrix<f64> {
        CsrMatrix::try_from_pattern_and_values(self.pattern.clone(), vec![0.0; self.pattern.nnz()])
            .expect("values match the pattern")
    }

    fn check_materials(&self, materials: &[LinearElastic]) -> Result<(), FemError> {
        if materials.len() != self.cell_count() {
            return Err(FemError::MaterialCount { cells: self.cell_count(), given: materials.len() });
        }
        Ok(())
    }

    /// Refills `k` (made by [`zero_matrix`](Self::zero_matrix)) with the stiffness for one
    /// material per cell, in parallel over nodes. Allocates nothing proportional to the mesh
    /// beyond one slice handle per node.
    pub fn assemble(&self, materials: &[LinearElastic], k: &mut CsrMatrix<f64>) -> Result<(), FemError> {
        self.check_materials(materials)?;
        let row_offsets = self.pattern.major_offsets();
        let mut rows: Vec<(usize, &mut [f64])> = Vec::with_capacity(self.dofs.slots());
        let mut rest = k.values_mut();
        for s in 0..self.dofs.slots() {
            let len = row_offsets[3 * s + 3] - row_offsets[3 * s];
            let (head, tail) = rest.split_at_mut(len);
            rows.push((s, head));
            rest = tail;
        }
        rows.into_par_iter().for_each(|(s, values)| self.gather_row(s, materials, values));
        Ok(())
    }

    /// The three rows of slot `s`: sum over the cells around it, in a fixed order.
    fn gather_row(&self, s: usize, materials: &[LinearElastic], values: &mut [f64]) {
        values.fill(0.0);
        let width = 3 * (self.block_offsets[s + 1] - self.block_offsets[s]);
        for e in self.incident_offsets[s]..self.incident_offsets[s + 1] {
            let (c, la) = self.incident[e];
            let n = self.cell_offsets[c + 1] - self.cell_offsets[c];
            let (lambda, mu) = materials[c].lame();
            let positions = &self.scatter[self.scatter_offsets[e]..self.scatter_offsets[e + 1]];
            for (wdet, g) in self.geometry.points(c, n) {
                let a = &g[3 * la..3 * la + 3];
                for (lb, &k) in positions.iter().enumerate() {
                    let b = &g[3 * lb..3 * lb + 3];
                    let ab = a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
                    for i in 0..3 {
                        let row = &mut values[i * width + 3 * k as usize..][..3];
                        for j in 0..3 {
                            let diag = if i == j { mu * ab } else { 0.0 };
                            row[j] += wdet * (lambda * a[i] * b[j] + mu * a[j] * b[i] + diag);
                        }
                    }
                }
            }
        }
    }

    /// The oracle: element stiffness `Σ_q w det J Bᵀ D B` with the Voigt `D` matrix, scattered
    /// cell by cell on one thread.
    pub fn assemble_serial(&self, materials: &[LinearElastic], k: &mut CsrMatrix<f64>) -> Result<(), FemError> {
        self.check_materials(materials)?;
        let row_offsets = self.pattern.major_offsets().to_vec();
        let values = k.values_mut();
        values.fill(0.0);
        for (c, material) in materials.iter().enumerate() {
            let slots = &self.cell_nodes[self.cell_offsets[c]..self.cell_offsets[c + 1]];
            let n = slots.len();
            let d = material.voigt();
            let mut ke = vec![0.0; 9 * n * n];
            for (wdet, g) in self.geometry.points(c, n) {
                let b = strain_displacement(g, n);
                for p in 0..3 * n {
                    for q in 0..3 * n {
                        let mut sum = 0.0;
                        for r in 0..6 {
                            for t in 0..6 {
                                sum += b[r][p] * d[r][t] * b[t][q];
                            }
                        }
                        ke[p * 3 * n + q] += wdet * sum;
                    }
                }
            }
            for (la, &sa) in slots.iter().enumerate() {
                let row = &self.block_cols[self.block_offsets[sa]..self.block_offsets[sa + 1]];
                for (lb, sb) in slots.iter().enumerate() {
                    let kpos = row.binary_search(sb).expect("pattern holds every cell pair");
                    for i in 0..3 {
                        let start = row_offsets[3 * sa + i] + 3 * kpos;
                        for j in 0..3 {
                            values[start + j] += ke[(3 * la + i) * 3 * n + 3 * lb + j];
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// The position in the matrix values of entry `(3 sa, 3 sb)` of the block coupling slots
    /// `sa` and `sb`, and the length of each of the three rows of slot `sa` (entry `(3 sa + i,
    /// 3 sb + j)` lies at `position + i · width + j`); `None` when the slots share no cell.
    pub fn block_entry(&self, sa: usize, sb: usize) -> Option<(usize, usize)> {
        let row = &self.block_cols[self.block_offsets[sa]..self.block_offsets[sa + 1]];
        let k = row.binary_search(&sb).ok()?;
        Some((self.pattern.major_offsets()[3 * sa] + 3 * k, 3 * row.len()))
    }

    /// DOF slots of the nodes of cell `c`, in the cell's node order.
    pub fn cell_slots(&self, c: usize) -> &[usize] {
        &self.cell_nodes[self.cell_offsets[c]..self.cell_offsets[c + 1]]
    }

    /// The source id of cell `c` (for messages).
    pub fn cell_id(&self, c: usize) -> u64 {
        self.cell_ids[c]
    }
}

/// The 6 × 3n strain-displacement matrix `B` (engineering shears, Voigt order xx yy zz xy yz xz)
/// from the physical gradients `g` (3 per node).
pub fn strain_displacement(g: &[f64], n: usize) -> Vec<Vec<f64>> {
    let mut b = vec![vec![0.0; 3 * n]; 6];
    for a in 0..n {
        let (x, y, z) = (g[3 * a], g[3 * a + 1], g[3 * a + 2]);
        b[0][3 * a] = x;
        b[1][3 * a + 1] = y;
        b[2][3 * a + 2] = z;
        b[3][3 * a] = y;
        b[3][3 * a + 1] = x;
        b[4][3 * a + 1] = z;
        b[4][3 * a + 2] = y;
        b[5][3 * a] = z;
        b[5][3 * a + 2] = x;
    }
    b
}

/// The scalar CSR pattern of a block pattern: row `3 s + i` holds columns `3 b + j` for every
/// block column `b` of slot `s`, in order.
fn scalar_pattern(block_offsets: &[usize], block_cols: &[usize]) -> SparsityPattern {
    let slots = block_offsets.len() - 1;
    let mut offsets = Vec::with_capacity(3 * slots + 1);
    let mut indices = Vec::with_capacity(9 * block_cols.len());
    offsets.push(0);
    for s in 0..slots {
        let row = &block_cols[block_offsets[s]..block_offsets[s + 1]];
        for _ in 0..3 {
            indices.extend(row.iter().flat_map(|&b| [3 * b, 3 * b + 1, 3 * b + 2]));
            offsets.push(indices.len());
        }
    }
    SparsityPattern::try_from_offsets_and_indices(3 * slots, 3 * slots, offsets, indices)
        .expect("block rows are sorted and unique")
}
