//! Total-Lagrangian finite strain: internal forces and consistent tangent from one energy.
//!
//! With `F = I + Σ_a u_a ⊗ ∇₀N_a`, the discrete potential of the body is
//!
//! `Π(u) = Σ_e [ ∫_e (ψ_dev(C) + ½ T_a (f₀·C f₀ − 1)) dV₀ + V_e U(θ_e) ]`,  `θ_e = (1/V_e) ∫_e J dV₀`,
//!
//! where `ψ_dev` is the deviatoric (isochoric) part of the cell's law ([`hyper`](super::hyper)),
//! `T_a` the active fibre tension (active stress `S_a = T_a f₀ ⊗ f₀`), and `U` the volumetric
//! energy evaluated on the cell's **mean dilatation** `θ_e` (Nagtegaal, Parks, Rice 1974; Simo,
//! Taylor, Pister 1985: the displacement–pressure formulation with a pressure constant per cell,
//! condensed statically). The residual `R = ∂Π/∂u` and the tangent `K = ∂²Π/∂u²` are the first
//! and second derivatives of this one function, so `K` is symmetric. Per cell, with
//! `P = F S` and the spatial gradients `a = F⁻ᵀ∇₀N_a`:
//!
//! - `R_ai = ∫ P_ik ∂_k N_a dV₀ + V_e U'(θ) g_ai`,  `g_ai = (1/V_e) ∫ J a_i dV₀`;
//! - `K = ∫ (Bᵀ ℂ B + δ_ij ∇₀N_a · S ∇₀N_b) dV₀ + V_e (U''(θ) g ⊗ g + U'(θ) H)`,
//!   `H_ai,bj = (1/V_e) ∫ J (a_i b_j − a_j b_i) dV₀`, `B` the variation of `E` (engineering shears).
//!
//! The cell pressure is `p = U'(θ) + λ_e`, where the optional per-cell multiplier `λ_e` (an
//! augmented-Lagrangian term `V_e λ_e (θ_e − 1)` in `Π`) lets a driver enforce incompressibility
//! with a moderate `κ` by Uzawa updates `λ_e ← λ_e + U'(θ_e)`. On Tet10 the mean dilatation leaves the quadratic
//! displacements free of volumetric locking and converges to the incompressible solution as
//! `κ → ∞`; on Tet4 (one quadrature point) `θ = J` and the cell still locks for large `κ`.
//!
//! [`FiniteStrain`] builds, once per mesh, the quadrature data and the value positions of every
//! cell's blocks in the pattern of [`Assembler`]; [`FiniteStrain::assemble`] refills residual and
//! tangent in parallel over chunks of cells (element work) with a serial scatter, reusing one
//! scratch buffer: nothing proportional to the mesh is allocated per Newton iteration.

use std::sync::Mutex;

use nalgebra::{Matrix3, Vector3};
use nalgebra_sparse::CsrMatrix;
use rayon::prelude::*;

use super::assembly::Assembler;
use super::element::physical_gradients;
use super::hyper::{deviatoric, tensor, volumetric, Frame, Law};
use super::{quadrature, FemError};
use crate::mesh::{CellType, Mesh};

/// Quadrature of the finite-strain cells: the centroid for Tet4, the 4-point degree-2 rule for
/// Tet10 (as the stiffness of the linear path, and Abaqus' C3D10).
pub fn finite_strain_rule(kind: CellType) -> Vec<quadrature::Point<3>> {
    super::assembly::stiffness_rule(kind)
}

/// Cells per parallel chunk (bounds the scratch buffer to a few tens of MB).
const CHUNK: usize = 2048;

/// The material data of every cell, borrowed for one assembly.
#[derive(Debug, Clone, Copy)]
pub struct CellMaterials<'a> {
    /// The laws.
    pub laws: &'a [Box<dyn Law>],
    /// Index into `laws` per cell.
    pub law_of_cell: &'a [usize],
    /// Fibre frame per cell.
    pub frames: &'a [Frame],
    /// Active fibre tension `T_a` per cell (Pa).
    pub active_tension: &'a [f64],
    /// Augmented-Lagrangian pressure `λ_e` per cell (Pa): adds `V_e λ_e (θ_e − 1)` to `Π` (zero
    /// for a plain penalty).
    pub pressure: &'a [f64],
}

/// Figures of one assembly.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AssemblyStats {
    /// `Π_int`, the stored energy (J).
    pub energy: f64,
    /// Smallest `det F` at a quadrature point.
    pub min_j: f64,
    /// Largest `det F` at a quadrature point.
    pub max_j: f64,
    /// Deformed volume `Σ_e θ_e V_e` (m³).
    pub volume: f64,
}

/// Per-cell state for results.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellState {
    /// Volume-averaged Cauchy stress (Pa, order xx yy zz xy yz xz).
    pub cauchy: tensor::Sym,
    /// Mean dilatation `θ`.
    pub theta: f64,
    /// Smallest `det F` in the cell.
    pub min_j: f64,
    /// Volume-averaged Green–Lagrange strain along the fibre, `f₀ · E f₀`.
    pub e_ff: f64,
    /// Cauchy stress along the deformed fibre, `σ : (f ⊗ f)`, `f = F f₀ / |F f₀|`.
    pub sigma_ff: f64,
}

/// Per-mesh finite-strain structure (see the module docs).
#[derive(Debug)]
pub struct FiniteStrain {
    slots: Vec<usize>,
    slot_offsets: Vec<usize>,
    /// Per cell, per point: `w det J₀`, then `3 n` reference gradients.
    qp: Vec<f64>,
    qp_offsets: Vec<usize>,
    /// Per cell, `n²` block positions `(value index, row width)`.
    blocks: Vec<(usize, usize)>,
    block_offsets: Vec<usize>,
    cell_ids: Vec<u64>,
    scratch: Mutex<Vec<f64>>,
    dofs: usize,
}

impl FiniteStrain {
    /// Builds the structure for `mesh` (SI coordinates) on the pattern of `assembler`.
    pub fn new(mesh: &Mesh, assembler: &Assembler) -> Result<Self, FemError> {
        let (mut qp, mut qp_offsets) = (Vec::new(), vec![0]);
        let (mut blocks, mut block_offsets) = (Vec::new(), vec![0]);
        let (mut slots, mut slot_offsets) = (Vec::new(), vec![0]);
        for c in 0..mesh.cell_count() {
            let kind = mesh.cell_type(c);
            let x = mesh.cell_coords(c);
            for (xi, w) in finite_strain_rule(kind) {
                match physical_gradients(kind, &x, xi) {
                    Some((g, det)) if det > 0.0 => {
                        qp.push(w * det);
                        qp.extend(g.iter().flatten());
                    }
                    _ => return Err(FemError::InvertedCell { cell: mesh.cell_ids()[c], point: xi }),
                }
            }
            qp_offsets.push(qp.len());
            let cs = assembler.cell_slots(c);
            for &sa in cs {
                for &sb in cs {
                    blocks.push(assembler.block_entry(sa, sb).expect("the pattern holds every cell pair"));
                }
            }
            block_offsets.push(blocks.len());
            slots.extend_from_slice(cs);
            slot_offsets.push(slots.len());
        }
        Ok(FiniteStrain {
            slots,
            slot_offsets,
            qp,
            qp_offsets,
            blocks,
            block_offsets,
            cell_ids: mesh.cell_ids().to_vec(),
            scratch: Mutex::new(Vec::new()),
            dofs: assembler.dofs().len(),
        })
    }

    /// The reference volume `Σ_e V_e` with the quadrature of the cells (the measure that
    /// [`AssemblyStats::volume`] is compared with).
    pub fn reference_volume(&self) -> f64 {
        (0..self.cell_count())
            .map(|c| {
                let n = self.slot_offsets[c + 1] - self.slot_offsets[c];
                self.qp[self.qp_offsets[c]..self.qp_offsets[c + 1]].chunks_exact(1 + 3 * n).map(|p| p[0]).sum::<f64>()
            })
            .sum()
    }

    /// Number of cells.
    pub fn cell_count(&self) -> usize {
        self.slot_offsets.len() - 1
    }

    /// What the kernel reads for cell `c` at `u`; `ue` receives the cell's displacements.
    fn input<'a>(
        &'a self,
        materials: &CellMaterials<'a>,
        c: usize,
        u: &[f64],
        ue: &'a mut [[f64; 3]; 10],
    ) -> CellInput<'a> {
        let slots = &self.slots[self.slot_offsets[c]..self.slot_offsets[c + 1]];
        for (a, &s) in slots.iter().enumerate() {
            ue[a] = [u[3 * s], u[3 * s + 1], u[3 * s + 2]];
        }
        CellInput {
            n: slots.len(),
            qp: &self.qp[self.qp_offsets[c]..self.qp_offsets[c + 1]],
            u: &ue[..slots.len()],
            law: materials.laws[materials.law_of_cell[c]].as_ref(),
            frame: &materials.frames[c],
            active: materials.active_tension[c],
            multiplier: materials.pressure[c],
        }
    }

    /// Sets `residual` to `∂Π/∂u` and, when given, `tangent` (on the pattern of the assembler)
    /// to `∂²Π/∂u²`, at the DOF vector `u` (m). Fails on the first cell where `det F ≤ 0`.
    pub fn assemble(
        &self,
        materials: &CellMaterials<'_>,
        u: &[f64],
        residual: &mut [f64],
        mut tangent: Option<&mut CsrMatrix<f64>>,
    ) -> Result<AssemblyStats, FemError> {
        assert!(u.len() == self.dofs && residual.len() == self.dofs, "vectors match the DOF map");
        residual.fill(0.0);
        if let Some(k) = tangent.as_deref_mut() {
            k.values_mut().fill(0.0);
        }
        let with_k = tangent.is_some();
        let stride = 30 + if with_k { 900 } else { 0 };
        let mut scratch = self.scratch.lock().unwrap_or_else(|e| e.into_inner());
        scratch.resize(CHUNK * stride, 0.0);
        let mut stats = AssemblyStats { energy: 0.0, min_j: f64::INFINITY, max_j: f64::NEG_INFINITY, volume: 0.0 };
        for start in (0..self.cell_count()).step_by(CHUNK) {
            let end = (start + CHUNK).min(self.cell_count());
            let results: Vec<Result<AssemblyStats, FemError>> = scratch[..(end - start) * stride]
                .par_chunks_mut(stride)
                .enumerate()
                .map(|(i, buf)| {
                    let c = start + i;
                    let mut ue = [[0.0; 3]; 10];
                    let input = self.input(materials, c, u, &mut ue);
                    let n = input.n;
                    let (fe, ke) = buf.split_at_mut(30);
                    let ke = if with_k { Some(&mut ke[..9 * n * n]) } else { None };
                    cell_kernel(&input, &mut fe[..3 * n], ke)
                        .map_err(|j| FemError::Inverted { cell: self.cell_ids[c], j })
                })
                .collect();
            for (i, r) in results.into_iter().enumerate() {
                let s = r?;
                stats.energy += s.energy;
                stats.min_j = stats.min_j.min(s.min_j);
                stats.max_j = stats.max_j.max(s.max_j);
                stats.volume += s.volume;
                self.scatter(start + i, &scratch[i * stride..(i + 1) * stride], residual, tangent.as_deref_mut());
            }
        }
        Ok(stats)
    }

    fn scatter(&self, c: usize, buf: &[f64], residual: &mut [f64], tangent: Option<&mut CsrMatrix<f64>>) {
        let slots = &self.slots[self.slot_offsets[c]..self.slot_offsets[c + 1]];
        let n = slots.len();
        for (a, &s) in slots.iter().enumerate() {
            for i in 0..3 {
                residual[3 * s + i] += buf[3 * a + i];
            }
        }
        let Some(k) = tangent else { return };
        let values = k.values_mut();
        let ke = &buf[30..30 + 9 * n * n];
        let blocks = &self.blocks[self.block_offsets[c]..self.block_offsets[c + 1]];
        for a in 0..n {
            for b in 0..n {
                let (pos, width) = blocks[a * n + b];
                for i in 0..3 {
                    for j in 0..3 {
                        values[pos + i * width + j] += ke[(3 * a + i) * 3 * n + 3 * b + j];
                    }
                }
            }
        }
    }

    /// Cauchy stress, dilatation and fibre strain and stress of every cell at `u`.
    pub fn cell_states(&self, materials: &CellMaterials<'_>, u: &[f64]) -> Result<Vec<CellState>, FemError> {
        (0..self.cell_count())
            .into_par_iter()
            .map(|c| {
                let mut ue = [[0.0; 3]; 10];
                cell_state(&self.input(materials, c, u, &mut ue))
                    .map_err(|j| FemError::Inverted { cell: self.cell_ids[c], j })
            })
            .collect()
    }
}

/// What the cell kernel reads.
struct CellInput<'a> {
    n: usize,
    qp: &'a [f64],
    u: &'a [[f64; 3]],
    law: &'a dyn Law,
    frame: &'a Frame,
    active: f64,
    multiplier: f64,
}

/// One quadrature point's kinematics and stress.
struct Point {
    dv: f64,
    f: Matrix3<f64>,
    j: f64,
    c: tensor::Sym,
    s: tensor::Sym,
    response: super::hyper::Response,
}

impl CellInput<'_> {
    fn points(&self) -> impl Iterator<Item = (f64, &[f64])> {
        self.qp.chunks_exact(1 + 3 * self.n).map(|p| (p[0], &p[1..]))
    }

    /// Kinematics and stress at one point; `Err(J)` when `J ≤ 0`.
    fn point(&self, dv: f64, g: &[f64]) -> Result<Point, f64> {
        let mut f: Matrix3<f64> = Matrix3::identity();
        for (a, ua) in self.u.iter().enumerate() {
            for i in 0..3 {
                for k in 0..3 {
                    f[(i, k)] += ua[i] * g[3 * a + k];
                }
            }
        }
        let j = f.determinant();
        if j.is_nan() || j <= 0.0 || !j.is_finite() {
            return Err(j);
        }
        let c = tensor::from_matrix(&(f.transpose() * f));
        let response = deviatoric(self.law, &c, j, self.frame);
        let fa = tensor::sym_outer(&self.frame.fibre, &self.frame.fibre);
        let s = tensor::lin(1.0, &response.stress, self.active, &fa);
        if s.iter().any(|v| !v.is_finite()) {
            return Err(f64::NAN);
        }
        Ok(Point { dv, f, j, c, s, response })
    }
}

/// Residual `fe` (3n) and, when given, tangent `ke` (3n × 3n, row-major) of one cell; returns
/// its energy, `det F` range and deformed volume, or `Err(J)` for the first `J ≤ 0`.
fn cell_kernel(cell: &CellInput<'_>, fe: &mut [f64], mut ke: Option<&mut [f64]>) -> Result<AssemblyStats, f64> {
    let n = cell.n;
    let m = 3 * n;
    fe.fill(0.0);
    if let Some(k) = ke.as_deref_mut() {
        k.fill(0.0);
    }
    let kappa = cell.law.bulk_modulus();
    let (mut v0, mut v) = (0.0, 0.0);
    let mut gvol = [0.0; 30];
    let mut hvol = [0.0; 900];
    let mut stats = AssemblyStats { energy: 0.0, min_j: f64::INFINITY, max_j: f64::NEG_INFINITY, volume: 0.0 };
    let mut bmat = [[0.0; 30]; 6];
    for (dv, g) in cell.points() {
        let p = cell.point(dv, g)?;
        stats.min_j = stats.min_j.min(p.j);
        stats.max_j = stats.max_j.max(p.j);
        v0 += dv;
        v += dv * p.j;
        let fib = &cell.frame.fibre;
        stats.energy += dv * (p.response.energy + 0.5 * cell.active * (tensor::quad(fib, &p.c, fib) - 1.0));
        let pk1 = p.f * tensor::to_matrix(&p.s);
        for a in 0..n {
            for i in 0..3 {
                fe[3 * a + i] += dv * (0..3).map(|k| pk1[(i, k)] * g[3 * a + k]).sum::<f64>();
            }
        }
        if let Some(k) = ke.as_deref_mut() {
            material_and_geometric(n, &p, g, &mut bmat, k);
        }
        if kappa.is_some() {
            let finv_t = p.f.try_inverse().map(|x| x.transpose()).ok_or(p.j)?;
            let mut spatial = [[0.0; 3]; 10];
            for a in 0..n {
                let sa = finv_t * Vector3::new(g[3 * a], g[3 * a + 1], g[3 * a + 2]);
                spatial[a] = sa.into();
                for i in 0..3 {
                    gvol[3 * a + i] += dv * p.j * sa[i];
                }
            }
            if ke.is_some() {
                for a in 0..n {
                    for b in a..n {
                        let (sa, sb) = (spatial[a], spatial[b]);
                        for i in 0..3 {
                            for j in 0..3 {
                                hvol[(3 * a + i) * m + 3 * b + j] += dv * p.j * (sa[i] * sb[j] - sa[j] * sb[i]);
                            }
                        }
                    }
                }
            }
        }
    }
    stats.volume = v;
    // The point loops filled the blocks `b ≥ a` only; the tangent is symmetric (ℂ has the major
    // symmetry of a hyperelastic law, S is symmetric, and so is the volumetric part).
    if let Some(k) = ke.as_deref_mut() {
        mirror_lower_blocks(n, k);
        if kappa.is_some() {
            mirror_lower_blocks(n, &mut hvol[..m * m]);
        }
    }
    if let Some(kappa) = kappa {
        let theta = v / v0;
        let (u, du, ddu) = volumetric(kappa, theta);
        stats.energy += v0 * (u + cell.multiplier * (theta - 1.0));
        let du = du + cell.multiplier;
        for (f, g) in fe.iter_mut().zip(&gvol[..m]) {
            *f += du * g;
        }
        if let Some(k) = ke {
            // V (U'' g⊗g + U' H) with g and H scaled by 1/V: U''/V (Vg)⊗(Vg) + U' (V H).
            for p in 0..m {
                for q in 0..m {
                    k[p * m + q] += ddu / v0 * gvol[p] * gvol[q] + du * hvol[p * m + q];
                }
            }
        }
    }
    Ok(stats)
}

/// Copies the blocks `(a, b)`, `b > a`, of the symmetric `3n × 3n` row-major `k` onto `(b, a)`.
fn mirror_lower_blocks(n: usize, k: &mut [f64]) {
    let m = 3 * n;
    for a in 0..n {
        for b in a + 1..n {
            for i in 0..3 {
                for j in 0..3 {
                    k[(3 * b + j) * m + 3 * a + i] = k[(3 * a + i) * m + 3 * b + j];
                }
            }
        }
    }
}

/// Adds `dV (Bᵀ ℂ B + geometric)` of one point to the blocks `(a, b)`, `b ≥ a`, of `ke` (the
/// others are mirrored once per cell).
fn material_and_geometric(n: usize, p: &Point, g: &[f64], b: &mut [[f64; 30]; 6], ke: &mut [f64]) {
    let m = 3 * n;
    let f = &p.f;
    for a in 0..n {
        let ga = [g[3 * a], g[3 * a + 1], g[3 * a + 2]];
        for i in 0..3 {
            let col = 3 * a + i;
            b[0][col] = f[(i, 0)] * ga[0];
            b[1][col] = f[(i, 1)] * ga[1];
            b[2][col] = f[(i, 2)] * ga[2];
            b[3][col] = f[(i, 0)] * ga[1] + f[(i, 1)] * ga[0];
            b[4][col] = f[(i, 1)] * ga[2] + f[(i, 2)] * ga[1];
            b[5][col] = f[(i, 0)] * ga[2] + f[(i, 2)] * ga[0];
        }
    }
    let d = &p.response.tangent;
    let mut db = [[0.0; 30]; 6];
    for r in 0..6 {
        for col in 0..m {
            db[r][col] = (0..6).map(|t| d[r][t] * b[t][col]).sum();
        }
    }
    let s = tensor::to_matrix(&p.s);
    for a in 0..n {
        let ga = Vector3::new(g[3 * a], g[3 * a + 1], g[3 * a + 2]);
        let sga = s * ga;
        for bn in a..n {
            let gb = Vector3::new(g[3 * bn], g[3 * bn + 1], g[3 * bn + 2]);
            let geo = p.dv * sga.dot(&gb);
            for i in 0..3 {
                let row = 3 * a + i;
                for j in 0..3 {
                    let col = 3 * bn + j;
                    let mat: f64 = (0..6).map(|r| b[r][row] * db[r][col]).sum();
                    ke[row * m + col] += p.dv * mat + if i == j { geo } else { 0.0 };
                }
            }
        }
    }
}

/// Volume averages of one cell's stress and strain (see [`CellState`]).
fn cell_state(cell: &CellInput<'_>) -> Result<CellState, f64> {
    let mut out = CellState { cauchy: [0.0; 6], theta: 0.0, min_j: f64::INFINITY, e_ff: 0.0, sigma_ff: 0.0 };
    let (mut v0, mut v) = (0.0, 0.0);
    let mut points = Vec::with_capacity(4);
    for (dv, g) in cell.points() {
        let p = cell.point(dv, g)?;
        v0 += dv;
        v += dv * p.j;
        out.min_j = out.min_j.min(p.j);
        points.push(p);
    }
    out.theta = v / v0;
    let pressure = cell.law.bulk_modulus().map_or(0.0, |kappa| volumetric(kappa, out.theta).1 + cell.multiplier);
    let f0 = Vector3::from(cell.frame.fibre);
    for p in &points {
        let sigma = p.f * tensor::to_matrix(&p.s) * p.f.transpose() / p.j + Matrix3::identity() * pressure;
        let w = p.dv / v0;
        let sym = tensor::from_matrix(&sigma);
        out.cauchy.iter_mut().zip(&sym).for_each(|(c, s)| *c += w * s);
        out.e_ff += w * 0.5 * (tensor::quad(&cell.frame.fibre, &p.c, &cell.frame.fibre) - 1.0);
        let ff = p.f * f0;
        let dir = ff / ff.norm();
        out.sigma_ff += w * dir.dot(&(sigma * dir));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fem::hyper::{Guccione, HolzapfelOgden, NeoHookean, StVenantKirchhoff};
    use crate::fem::{DofMap, LinearElastic};
    use crate::mesh::generate::{beam, BeamParams, Order};

    fn frame() -> Frame {
        let f = Vector3::new(0.6, 0.64, 0.48).normalize();
        let s = (Vector3::new(-0.8, 0.6, 0.0) - f * f.dot(&Vector3::new(-0.8, 0.6, 0.0))).normalize();
        Frame { fibre: f.into(), sheet: s.into(), normal: f.cross(&s).into() }
    }

    /// Residual = derivative of the energy, and tangent = derivative of the residual, by central
    /// differences, for every law (with mean dilatation and active tension) on Tet4 and Tet10.
    #[test]
    fn residual_and_tangent_are_derivatives_of_the_energy() {
        let laws: Vec<Box<dyn Law>> = vec![
            Box::new(NeoHookean::new(10e3, 2e5).unwrap()),
            Box::new(Guccione::new(2e3, 8.0, 2.0, 4.0, 1e5).unwrap()),
            Box::new(HolzapfelOgden::new([59.0, 8.023, 18472.0, 16.026, 2481.0, 11.12, 216.0, 11.436], 1e5).unwrap()),
            Box::new(StVenantKirchhoff::new(&LinearElastic::new(1e4, 0.3).unwrap())),
        ];
        for order in [Order::Linear, Order::Quadratic] {
            let mesh = beam(&BeamParams { size: [2.0, 1.0, 1.0], divisions: [2, 1, 1], order }).unwrap();
            let assembler = Assembler::with_dofs(&mesh, DofMap::new(&mesh)).unwrap();
            let fs = FiniteStrain::new(&mesh, &assembler).unwrap();
            let cells = mesh.cell_count();
            let law_of_cell: Vec<usize> = (0..cells).map(|c| c % laws.len()).collect();
            let frames = vec![frame(); cells];
            let active: Vec<f64> = (0..cells).map(|c| 500.0 * (c % 3) as f64).collect();
            let lambda: Vec<f64> = (0..cells).map(|c| 40.0 * (c % 2) as f64).collect();
            let m = CellMaterials {
                laws: &laws,
                law_of_cell: &law_of_cell,
                frames: &frames,
                active_tension: &active,
                pressure: &lambda,
            };
            let n = assembler.dofs().len();
            let u: Vec<f64> = (0..n).map(|i| 0.04 * ((i as f64) * 1.3).sin()).collect();
            let mut r = vec![0.0; n];
            let mut k = assembler.zero_matrix();
            fs.assemble(&m, &u, &mut r, Some(&mut k)).unwrap();
            let dense = nalgebra::DMatrix::from(&k);
            assert!((&dense - dense.transpose()).abs().max() < 1e-9 * dense.abs().max(), "symmetric tangent");
            let h = 1e-7;
            let rmax = r.iter().fold(0.0f64, |a, v| a.max(v.abs()));
            let kmax = dense.abs().max();
            for j in 0..n {
                let (mut up, mut um) = (u.clone(), u.clone());
                up[j] += h;
                um[j] -= h;
                let (mut rp, mut rm) = (vec![0.0; n], vec![0.0; n]);
                let ep = fs.assemble(&m, &up, &mut rp, None).unwrap().energy;
                let em = fs.assemble(&m, &um, &mut rm, None).unwrap().energy;
                let de = (ep - em) / (2.0 * h);
                assert!((de - r[j]).abs() < 1e-6 * rmax, "{order:?} dof {j}: dΠ/du {de} vs R {}", r[j]);
                for i in 0..n {
                    let d = (rp[i] - rm[i]) / (2.0 * h);
                    assert!((d - dense[(i, j)]).abs() < 1e-6 * kmax, "{order:?} K[{i}][{j}] {} vs {d}", dense[(i, j)]);
                }
            }
        }
    }

    /// A rigid rotation leaves a stress-free body stress free: zero residual, J = 1.
    #[test]
    fn rigid_rotation_is_stress_free() {
        let mesh = beam(&BeamParams { size: [2.0, 1.0, 1.0], divisions: [2, 1, 1], order: Order::Quadratic }).unwrap();
        let assembler = Assembler::with_dofs(&mesh, DofMap::new(&mesh)).unwrap();
        let fs = FiniteStrain::new(&mesh, &assembler).unwrap();
        let laws: Vec<Box<dyn Law>> = vec![Box::new(Guccione::new(2e3, 8.0, 2.0, 4.0, 1e6).unwrap())];
        let cells = mesh.cell_count();
        let (lc, frames, active) = (vec![0; cells], vec![frame(); cells], vec![0.0; cells]);
        let m = CellMaterials {
            laws: &laws,
            law_of_cell: &lc,
            frames: &frames,
            active_tension: &active,
            pressure: &active,
        };
        let q = nalgebra::Rotation3::from_euler_angles(0.4, -0.2, 0.9);
        let dofs = assembler.dofs();
        let mut u = vec![0.0; dofs.len()];
        for s in 0..dofs.slots() {
            let x = Vector3::from(mesh.nodes()[dofs.node(s)]);
            let d = q * x - x;
            u[3 * s..3 * s + 3].copy_from_slice(d.as_slice());
        }
        let mut r = vec![0.0; u.len()];
        let stats = fs.assemble(&m, &u, &mut r, None).unwrap();
        assert!(r.iter().all(|v| v.abs() < 1e-9), "max residual {}", r.iter().fold(0.0f64, |a, v| a.max(v.abs())));
        assert!((stats.min_j - 1.0).abs() < 1e-12 && (stats.max_j - 1.0).abs() < 1e-12);
        assert!((stats.volume - mesh.volume()).abs() < 1e-12);
    }
}
