//! Hyperelastic laws for finite strain, and the split of their energy into an isochoric and a
//! volumetric part.
//!
//! Every law is one strain-energy density. With `F = I + ∇u`, `C = FᵀF`, `J = det F` and the
//! isochoric `C̄ = J^{-2/3} C` (Holzapfel, *Nonlinear Solid Mechanics*, 2000, §6.4), a nearly
//! incompressible law is written as
//!
//! `ψ(C) = ψ̄(C̄) + U(J)`,  `U(J) = κ/4 (J² − 1 − 2 ln J)`,
//!
//! and each [`Law`] gives `ψ̄`, `S̄ = 2 ∂ψ̄/∂C̄` and `ℂ̄ = 4 ∂²ψ̄/∂C̄∂C̄` in its own variable. The
//! isochoric second Piola–Kirchhoff stress and its tangent in `C` follow by the projection
//! ([`isochoric`]):
//!
//! - `S_iso = J^{-2/3} Dev S̄`,  `Dev A = A − ⅓ (A : C) C⁻¹`;
//! - `ℂ_iso = ℙ : (J^{-4/3} ℂ̄) : ℙᵀ + ⅔ (J^{-2/3} S̄ : C) ℙ̃ − ⅔ (C⁻¹ ⊗ S_iso + S_iso ⊗ C⁻¹)`,
//!   `ℙ = 𝕀 − ⅓ C⁻¹ ⊗ C`, `ℙ̃ = C⁻¹ ⊙ C⁻¹ − ⅓ C⁻¹ ⊗ C⁻¹`.
//!
//! The volumetric part `U` is not evaluated point by point but on the cell's mean dilatation
//! (see [`finite_strain`](super::finite_strain)), which keeps Tet10 free of locking as `κ` grows.
//! St Venant–Kirchhoff ([`svk`]) is the finite-strain form of `linear_elastic` and is written in
//! the full `C` (no split, no separate `κ`).
//!
//! Stresses are in Pa; the laws never see a mesh.

pub mod guccione;
pub mod holzapfel_ogden;
pub mod neo_hookean;
pub mod svk;
pub mod tensor;

use std::fmt::Debug;

pub use guccione::Guccione;
pub use holzapfel_ogden::HolzapfelOgden;
pub use neo_hookean::NeoHookean;
pub use svk::StVenantKirchhoff;
use tensor::{combine, ddot, det_inv, odot, outer, Sym, Voigt, IDENTITY};

/// The local material frame: fibre, sheet and sheet-normal unit vectors (orthonormal).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    /// Fibre direction `f₀`.
    pub fibre: [f64; 3],
    /// Sheet direction `s₀`.
    pub sheet: [f64; 3],
    /// Sheet normal `n₀ = f₀ × s₀`.
    pub normal: [f64; 3],
}

impl Frame {
    /// The coordinate axes (for isotropic laws and meshes without fibres).
    pub const AXES: Frame = Frame { fibre: [1.0, 0.0, 0.0], sheet: [0.0, 1.0, 0.0], normal: [0.0, 0.0, 1.0] };
}

/// Energy density, second Piola–Kirchhoff stress and tangent `ℂ = 2 ∂S/∂C` at one point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Response {
    /// `ψ` (J/m³).
    pub energy: f64,
    /// `S` (Pa).
    pub stress: Sym,
    /// `ℂ` (Pa).
    pub tangent: Voigt,
}

/// A strain-energy density.
pub trait Law: Debug + Send + Sync {
    /// Model name as in scenario files.
    fn name(&self) -> &'static str;
    /// `Some(κ)` for laws split into `ψ̄(C̄) + U(J)`; `None` for laws written in the full `C`.
    fn bulk_modulus(&self) -> Option<f64>;
    /// A shear-like stiffness (Pa): the initial shear modulus or the law's largest stiffness
    /// parameter, used for the default bulk modulus and in reports.
    fn shear_modulus(&self) -> f64;
    /// `ψ̄`, `S̄`, `ℂ̄` at `C̄` (split laws) or `ψ`, `S`, `ℂ` at `C` (others).
    fn response(&self, c: &Sym, frame: &Frame) -> Response;
    /// Whether the law needs a fibre frame.
    fn anisotropic(&self) -> bool {
        false
    }
}

/// The response in `C` of the deviatoric part of `law` at `C` with `J = det F`: the isochoric
/// projection of the law's response for split laws, the response itself otherwise.
pub fn deviatoric(law: &dyn Law, c: &Sym, j: f64, frame: &Frame) -> Response {
    if law.bulk_modulus().is_none() {
        return law.response(c, frame);
    }
    let scale = j.powf(-2.0 / 3.0);
    let c_bar = c.map(|v| v * scale);
    isochoric(&law.response(&c_bar, frame), c, j)
}

/// The isochoric projection of a response `(ψ̄, S̄, ℂ̄)` given at `C̄` (module docs).
pub fn isochoric(bar: &Response, c: &Sym, j: f64) -> Response {
    let Some((_, c_inv)) = det_inv(c) else {
        return Response { energy: f64::NAN, stress: [f64::NAN; 6], tangent: [[f64::NAN; 6]; 6] };
    };
    let j23 = j.powf(-2.0 / 3.0);
    let j43 = j23 * j23;
    // S_iso = J^{-2/3} (S̄ − ⅓ (S̄ : C) C⁻¹)
    let trace = ddot(&bar.stress, c);
    let stress: Sym = std::array::from_fn(|k| j23 * (bar.stress[k] - trace / 3.0 * c_inv[k]));
    // ℙ : ℂ' : ℙᵀ with ℂ' = J^{-4/3} ℂ̄, expanded:
    // ℂ' − ⅓ C⁻¹ ⊗ (C : ℂ') − ⅓ (ℂ' : C) ⊗ C⁻¹ + (1/9)(C : ℂ' : C) C⁻¹ ⊗ C⁻¹.
    let cp = bar.tangent.map(|row| row.map(|v| v * j43));
    let c_cp = tensor::left(c, &cp);
    let cp_c = tensor::right(&cp, c);
    let c_cp_c = ddot(&c_cp, c);
    let inv_inv = outer(&c_inv, &c_inv);
    let p_tilde = combine(1.0, &odot(&c_inv), -1.0 / 3.0, &inv_inv);
    let a = outer(&c_inv, &stress);
    let b = outer(&stress, &c_inv);
    let l = outer(&c_inv, &c_cp);
    let r = outer(&cp_c, &c_inv);
    let tangent = std::array::from_fn(|p| {
        std::array::from_fn(|q| {
            cp[p][q] - (l[p][q] + r[p][q]) / 3.0
                + c_cp_c / 9.0 * inv_inv[p][q]
                + 2.0 / 3.0 * j23 * trace * p_tilde[p][q]
                - 2.0 / 3.0 * (a[p][q] + b[p][q])
        })
    });
    Response { energy: bar.energy, stress, tangent }
}

/// The volumetric energy `U(J) = κ/4 (J² − 1 − 2 ln J)` and its first two derivatives.
///
/// `U` is convex, zero with zero slope at `J = 1`, and grows without bound as `J → 0`, so a
/// Newton update cannot cross into inverted states without the energy noticing.
pub fn volumetric(kappa: f64, j: f64) -> (f64, f64, f64) {
    let u = 0.25 * kappa * (j * j - 1.0 - 2.0 * j.ln());
    let du = 0.5 * kappa * (j - 1.0 / j);
    let ddu = 0.5 * kappa * (1.0 + 1.0 / (j * j));
    (u, du, ddu)
}

/// The default volumetric penalty of a split law without a given bulk modulus: 100 times its
/// shear-like stiffness. Such a law is treated as incompressible: the penalty is that of an
/// augmented Lagrangian whose cell pressures the driver updates until the volume is kept, so it
/// need not be large (a large one slows Newton on bending and twisting).
pub const DEFAULT_BULK_FACTOR: f64 = 100.0;

/// Checks that a material parameter is a finite number, positive (`> 0`) or non-negative.
pub fn check_parameter(name: &str, value: f64, allow_zero: bool) -> Result<(), String> {
    let ok = value.is_finite() && (value > 0.0 || (allow_zero && value == 0.0));
    if ok && (value == 0.0 || value.abs() >= f64::MIN_POSITIVE) {
        Ok(())
    } else {
        let need = if allow_zero { ">= 0" } else { "> 0" };
        Err(format!("{name} = {value} must be a finite number {need}"))
    }
}

/// `I`, for laws that need it.
pub(crate) const fn identity() -> Sym {
    IDENTITY
}

#[cfg(test)]
pub(crate) mod testing {
    //! Finite-difference checks shared by the laws' tests.
    use super::tensor::{Sym, PAIRS};
    use super::*;

    /// A moderately large, non-symmetric deformation gradient with `det F > 0`.
    pub fn sample_f() -> nalgebra::Matrix3<f64> {
        nalgebra::Matrix3::new(1.12, 0.08, -0.05, -0.03, 0.94, 0.11, 0.06, -0.07, 1.05)
    }

    /// `C` of `F`.
    pub fn cauchy_green(f: &nalgebra::Matrix3<f64>) -> Sym {
        tensor::from_matrix(&(f.transpose() * f))
    }

    /// A fibre frame not aligned with the axes.
    pub fn frame() -> Frame {
        let f = nalgebra::Vector3::new(0.6, 0.64, 0.48).normalize();
        let s = nalgebra::Vector3::new(-0.8, 0.6, 0.0);
        let s = (s - f * f.dot(&s)).normalize();
        let n = f.cross(&s);
        Frame { fibre: f.into(), sheet: s.into(), normal: n.into() }
    }

    /// The full response (deviatoric plus pointwise volumetric) in `C`.
    pub fn full(law: &dyn Law, c: &Sym, frame: &Frame) -> Response {
        let (j2, _) = det_inv(c).expect("regular");
        let j = j2.sqrt();
        let mut r = deviatoric(law, c, j, frame);
        if let Some(kappa) = law.bulk_modulus() {
            let (u, du, ddu) = volumetric(kappa, j);
            let (_, c_inv) = det_inv(c).expect("regular");
            // S_vol = J U' C⁻¹, ℂ_vol = J (U' + J U'') C⁻¹ ⊗ C⁻¹ − 2 J U' C⁻¹ ⊙ C⁻¹.
            let (a, b) = (outer(&c_inv, &c_inv), odot(&c_inv));
            r.energy += u;
            r.stress.iter_mut().zip(&c_inv).for_each(|(s, ci)| *s += j * du * ci);
            let vol = combine(j * (du + j * ddu), &a, -2.0 * j * du, &b);
            r.tangent = combine(1.0, &r.tangent, 1.0, &vol);
        }
        r
    }

    /// Checks `S = 2 ∂ψ/∂C` and `ℂ = 2 ∂S/∂C` by central differences at `C` (relative
    /// tolerance `tol`, scaled by the largest entry).
    pub fn check_derivatives(law: &dyn Law, c: &Sym, frame: &Frame, tol: f64) {
        let h = 1e-6;
        let r = full(law, c, frame);
        let smax = r.stress.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-300);
        let cmax = r.tangent.iter().flatten().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-300);
        for (q, (k, l)) in PAIRS.iter().enumerate() {
            // Perturb C_kl and C_lk together: dψ = S : dC / 2 with dC symmetric.
            let mut cp = *c;
            let mut cm = *c;
            cp[q] += h;
            cm[q] -= h;
            let (rp, rm) = (full(law, &cp, frame), full(law, &cm, frame));
            let weight = if k == l { 1.0 } else { 2.0 };
            let ds = (rp.energy - rm.energy) / (2.0 * h);
            assert!(
                (2.0 * ds - weight * r.stress[q]).abs() <= tol * smax,
                "{}: S[{q}] = {} but 2 dψ/dC = {}",
                law.name(),
                r.stress[q],
                2.0 * ds / weight
            );
            for p in 0..6 {
                let d = (rp.stress[p] - rm.stress[p]) / (2.0 * h);
                assert!(
                    (2.0 * d - weight * r.tangent[p][q]).abs() <= tol * cmax,
                    "{}: C[{p}][{q}] = {} but 2 dS/dC = {}",
                    law.name(),
                    r.tangent[p][q],
                    2.0 * d / weight
                );
            }
        }
    }

    /// Incompressible uniaxial Cauchy stress `σ_xx − σ_yy` under the stretch `λ` along x
    /// (`F = diag(λ, λ^{-1/2}, λ^{-1/2})`, `J = 1`): the lateral stress vanishes for the right
    /// hydrostatic pressure, which this difference eliminates.
    pub fn uniaxial_cauchy(law: &dyn Law, lambda: f64, frame: &Frame) -> f64 {
        let l = 1.0 / lambda.sqrt();
        let f = nalgebra::Matrix3::new(lambda, 0.0, 0.0, 0.0, l, 0.0, 0.0, 0.0, l);
        let s = deviatoric(law, &cauchy_green(&f), 1.0, frame).stress;
        let sigma = f * tensor::to_matrix(&s) * f.transpose();
        sigma[(0, 0)] - sigma[(1, 1)]
    }

    /// Checks objectivity: `ψ(C)` is unchanged by a superposed rotation `F → Q F`.
    pub fn check_objectivity(law: &dyn Law, frame: &Frame) {
        let f = sample_f();
        let q = nalgebra::Rotation3::from_euler_angles(0.3, -0.7, 1.1).into_inner();
        let (c1, c2) = (cauchy_green(&f), cauchy_green(&(q * f)));
        let (e1, e2) = (full(law, &c1, frame).energy, full(law, &c2, frame).energy);
        assert!((e1 - e2).abs() <= 1e-12 * e1.abs().max(1.0), "{}: {e1} vs {e2}", law.name());
    }
}
