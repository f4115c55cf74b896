//! The finite-strain equilibrium of a resolved scenario as a [`NonlinearSystem`]: internal
//! forces and tangent from [`FiniteStrain`] and spring supports, follower pressures, dead loads,
//! and the prescribed supports by
//! symmetric elimination (constrained rows of `R` zero; their rows and columns of `K` zero but
//! the diagonal), at the current load level.

use nalgebra_sparse::CsrMatrix;

use crate::fem::finite_strain::{AssemblyStats, CellMaterials, FiniteStrain};
use crate::fem::hyper::{Frame, Law};
use crate::fem::spring::SpringSupport;
use crate::fem::{pressure, Assembler};
use crate::mesh::{CellFace, Mesh};
use crate::solve::newton::{Evaluation, Inadmissible, NonlinearSystem};

/// A load resolved on the mesh, to be scaled by its current value.
#[derive(Debug, Clone)]
pub enum LoadTerm {
    /// A load fixed in space: its load vector per unit of each value component (one vector for
    /// scalar values, three for vectors), in N per value unit (SI).
    Dead(Vec<Vec<f64>>),
    /// A pressure on the deformed faces, per Pa.
    Follower(Vec<CellFace>),
    /// Active fibre tension on these cells, per Pa.
    Active(Vec<usize>),
}

/// The mechanics at one load level.
#[derive(Debug)]
pub struct Mechanics<'a> {
    /// Reference mesh (SI).
    pub mesh: &'a Mesh,
    /// Pattern and DOF map.
    pub assembler: &'a Assembler,
    /// Finite-strain structure.
    pub fs: &'a FiniteStrain,
    /// Laws.
    pub laws: &'a [Box<dyn Law>],
    /// Law of each cell.
    pub law_of_cell: &'a [usize],
    /// Fibre frame of each cell.
    pub frames: &'a [Frame],
    /// Loads.
    pub terms: &'a [LoadTerm],
    /// Spring supports (their forces `K_s u` and stiffness join the internal ones).
    pub springs: &'a [SpringSupport],
    /// Constrained DOFs as a mask.
    pub mask: &'a [bool],
    /// Constrained DOFs, sorted.
    pub constrained: &'a [usize],
    /// Residual (internal minus external force) at each constrained DOF after the last
    /// successful evaluation: the reactions (N).
    pub reactions: Vec<f64>,
    /// Value indices of the tangent zeroed by the elimination.
    pub eliminated: &'a [usize],
    /// Current value of every load (SI; one or three components).
    pub levels: Vec<Vec<f64>>,
    /// Active tension per cell at the current level (Pa).
    pub active: Vec<f64>,
    /// Augmented-Lagrangian pressure per cell (Pa; zero where the law is a plain penalty).
    pub pressure: Vec<f64>,
    /// The figures of the last successful evaluation.
    pub last: Option<AssemblyStats>,
}

/// The value indices of `pattern` that the elimination of `mask` zeroes (off-diagonal entries of
/// constrained rows and columns).
pub fn eliminated_entries(k: &CsrMatrix<f64>, mask: &[bool]) -> Vec<usize> {
    let (offsets, cols) = (k.pattern().major_offsets(), k.pattern().minor_indices());
    (0..k.nrows())
        .flat_map(|i| (offsets[i]..offsets[i + 1]).filter(move |&e| cols[e] != i && (mask[i] || mask[cols[e]])))
        .collect()
}

impl Mechanics<'_> {
    /// Sets the load values (SI) and the per-cell active tension they imply.
    pub fn set_levels(&mut self, levels: Vec<Vec<f64>>) {
        self.active.fill(0.0);
        for (term, v) in self.terms.iter().zip(&levels) {
            if let LoadTerm::Active(cells) = term {
                for &c in cells {
                    self.active[c] += v[0];
                }
            }
        }
        self.levels = levels;
    }

    /// The cell materials at the current level.
    pub fn materials(&self) -> CellMaterials<'_> {
        CellMaterials {
            laws: self.laws,
            law_of_cell: self.law_of_cell,
            frames: self.frames,
            active_tension: &self.active,
            pressure: &self.pressure,
        }
    }
}

impl NonlinearSystem for Mechanics<'_> {
    fn evaluate(
        &mut self,
        x: &[f64],
        residual: &mut [f64],
        mut tangent: Option<&mut CsrMatrix<f64>>,
    ) -> Result<Evaluation, Inadmissible> {
        let materials = CellMaterials {
            laws: self.laws,
            law_of_cell: self.law_of_cell,
            frames: self.frames,
            active_tension: &self.active,
            pressure: &self.pressure,
        };
        let stats = self
            .fs
            .assemble(&materials, x, residual, tangent.as_deref_mut())
            .map_err(|e| Inadmissible(e.to_string()))?;
        for spring in self.springs {
            spring.add_forces(x, residual);
            if let Some(k) = tangent.as_deref_mut() {
                spring.add_stiffness(k.values_mut());
            }
        }
        let scale = residual.iter().map(|v| v * v).sum::<f64>().sqrt();
        for (term, v) in self.terms.iter().zip(&self.levels) {
            match term {
                LoadTerm::Dead(basis) => {
                    for (b, &vk) in basis.iter().zip(v) {
                        if vk != 0.0 {
                            residual.iter_mut().zip(b).for_each(|(r, f)| *r -= vk * f);
                        }
                    }
                }
                LoadTerm::Follower(faces) if v[0] != 0.0 => pressure::add_follower_pressure(
                    self.mesh,
                    self.assembler,
                    faces,
                    v[0],
                    x,
                    residual,
                    tangent.as_deref_mut(),
                ),
                _ => {}
            }
        }
        if residual.iter().any(|r| !r.is_finite()) {
            return Err(Inadmissible("the residual is not finite".into()));
        }
        self.reactions.clear();
        self.reactions.extend(self.constrained.iter().map(|&d| residual[d]));
        for (r, &m) in residual.iter_mut().zip(self.mask) {
            if m {
                *r = 0.0;
            }
        }
        if let Some(k) = tangent {
            let values = k.values_mut();
            for &e in self.eliminated {
                values[e] = 0.0;
            }
        }
        self.last = Some(stats);
        Ok(Evaluation { scale })
    }
}
