//! The ventricle with its cavity pressure as the extra unknown: the mechanics' residual and
//! tangent at pressure `p`, the border `∂R/∂p` (the follower-pressure load vector per pascal on
//! the current surface), and the phase's relation `g = γ_p p + γ_V V(x) − rhs` with
//! `∂g/∂x = γ_V ∂V/∂x = −γ_V ∂R/∂p` (the cavity volume's derivative is the negative of the
//! pressure's load vector per pascal: `δV = −∫ δx · n da` with the wall's outward normal `n`,
//! exact when the rim is fixed).

use nalgebra_sparse::CsrMatrix;

use super::circulation::Constraint;
use crate::fem::cavity::Cavity;
use crate::fem::pressure;
use crate::mesh::CellFace;
use crate::solve::bordered::{BorderedEvaluation, BorderedSystem, BorderedVectors};
use crate::solve::newton::{Inadmissible, NonlinearSystem};
use crate::twin::mechanics::Mechanics;

/// The bordered system of one step.
pub(super) struct CavitySystem<'m, 'a> {
    mech: &'m mut Mechanics<'a>,
    faces: &'m [CellFace],
    cavity: &'m Cavity,
    load: usize,
    constraint: Constraint,
}

impl<'m, 'a> CavitySystem<'m, 'a> {
    /// The system of `mech` with the pressure of load `load` (on `faces`, bounding `cavity`) as
    /// the unknown, under `constraint`.
    pub(super) fn new(
        mech: &'m mut Mechanics<'a>,
        faces: &'m [CellFace],
        cavity: &'m Cavity,
        load: usize,
        constraint: Constraint,
    ) -> CavitySystem<'m, 'a> {
        CavitySystem { mech, faces, cavity, load, constraint }
    }
}

impl BorderedSystem for CavitySystem<'_, '_> {
    fn evaluate(
        &mut self,
        x: &[f64],
        p: f64,
        v: BorderedVectors<'_>,
        tangent: Option<&mut CsrMatrix<f64>>,
    ) -> Result<BorderedEvaluation, Inadmissible> {
        self.mech.levels[self.load] = vec![p];
        let e = self.mech.evaluate(x, v.residual, tangent)?;
        v.border.fill(0.0);
        pressure::add_follower_pressure(self.mech.mesh, self.mech.assembler, self.faces, 1.0, x, v.border, None);
        for (b, &m) in v.border.iter_mut().zip(self.mech.mask) {
            if m {
                *b = 0.0;
            }
        }
        let c = self.constraint;
        v.gradient.iter_mut().zip(v.border.iter()).for_each(|(g, b)| *g = -c.gamma_v * b);
        let u = self.mech.assembler.dofs().to_nodes(x);
        let volume = self.cavity.volume(self.mech.mesh, &u);
        Ok(BorderedEvaluation { scale: e.scale, g: c.residual(p, volume), dg_dlambda: c.gamma_p })
    }
}

#[cfg(test)]
mod tests {
    use crate::fem::cavity::Cavity;
    use crate::fem::{pressure, Assembler};
    use crate::mesh::generate::{lv, LvParams, Order};

    /// The cavity volume's derivative is the negative of the follower load vector per pascal
    /// (base fixed): checked against central differences of the measured volume on a deformed
    /// Tet10 LV. The volume is a quartic in the displacements, so the central difference's error
    /// is O(h²) and tiny at h = 1e-7 of the size.
    #[test]
    fn volume_gradient_is_the_pressure_load_per_pascal() {
        let p = LvParams { subdivisions: 2, order: Order::Quadratic, ..LvParams::default() };
        let mesh = lv(&p).unwrap().scaled(1e-3);
        let assembler = Assembler::new(&mesh).unwrap();
        let faces = mesh.surface("endo").unwrap().faces.clone();
        let cavity = Cavity::new(&mesh, &faces).unwrap();
        let rim = pressure::rim_nodes(&mesh, &faces);
        let dofs = assembler.dofs();
        // A smooth deformation that keeps the rim fixed.
        let mut x = vec![0.0; dofs.len()];
        for s in 0..dofs.slots() {
            let n = dofs.node(s);
            if rim.contains(&n) {
                continue;
            }
            let q = mesh.nodes()[n];
            x[3 * s] = 4e-4 * q[0] + 1e-2 * q[2] * q[2];
            x[3 * s + 1] = -2e-4 * q[1];
            x[3 * s + 2] = 3e-4 * q[2] + 5e-2 * q[0] * q[1];
        }
        let mut border = vec![0.0; dofs.len()];
        pressure::add_follower_pressure(&mesh, &assembler, &faces, 1.0, &x, &mut border, None);
        let h = 1e-7 * 0.02;
        let volume = |x: &[f64]| cavity.volume(&mesh, &dofs.to_nodes(x));
        let mut worst = 0.0f64;
        let scale = border.iter().map(|b| b.abs()).fold(0.0, f64::max);
        for d in (0..dofs.len()).step_by(7) {
            let (mut a, mut b) = (x.clone(), x.clone());
            a[d] += h;
            b[d] -= h;
            let fd = (volume(&a) - volume(&b)) / (2.0 * h);
            let n = dofs.node(d / 3);
            if rim.contains(&n) {
                continue;
            }
            worst = worst.max((fd + border[d]).abs());
        }
        assert!(worst < 1e-6 * scale, "largest |dV/dx + f| = {worst:e} against |f| up to {scale:e}");
    }
}
