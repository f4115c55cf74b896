//! Idealised left ventricle of the Land et al. (2015) cardiac mechanics benchmark: a truncated
//! prolate ellipsoid, apex towards −z, base plane z = 5 mm.
//!
//! Surfaces at transmural coordinate t ∈ [0, 1] (0 = endocardium):
//! `x = r_s(t) sin u cos v, y = r_s(t) sin u sin v, z = r_l(t) cos u`, with `r_s = 7 + 3t`,
//! `r_l = 17 + 3t` (mm), `u ∈ [u_base(t), π]`, `u_base = acos(5 / r_l)`, `v ∈ [0, 2π)`.
//! The mesh comes from the lower half of a subdivided octahedron (apex at its lower vertex, the
//! base ring on its equator), mapped so that lattice latitude runs linearly in `u`.
//!
//! Each cell carries the benchmark's fibre field `fiber`: helix angle α from +90° at the
//! endocardium to −90° at the epicardium, `f = sin α ê_u + cos α ê_v` (ê = unit tangents).

use std::f64::consts::{FRAC_PI_2, PI};

use super::sphere::{direction, extrude_lattice, octahedron_lattice};
use super::{Order, Param};
use crate::mesh::{Field, Mesh, MeshError, Region};

/// Parameters of [`lv`], in millimetres; the defaults are the benchmark's.
#[derive(Debug, Clone, PartialEq)]
pub struct LvParams {
    /// Endocardial short radius (7 mm).
    pub endo_short: f64,
    /// Endocardial long radius (17 mm).
    pub endo_long: f64,
    /// Epicardial short radius (10 mm).
    pub epi_short: f64,
    /// Epicardial long radius (20 mm).
    pub epi_long: f64,
    /// Height of the base plane (5 mm).
    pub base_z: f64,
    /// Subdivisions of a quarter of the circumference (and of the apex-to-base meridian).
    pub subdivisions: usize,
    /// Element layers through the wall.
    pub layers: usize,
    /// Linear or quadratic cells.
    pub order: Order,
}

impl Default for LvParams {
    fn default() -> Self {
        LvParams {
            endo_short: 7.0,
            endo_long: 17.0,
            epi_short: 10.0,
            epi_long: 20.0,
            base_z: 5.0,
            subdivisions: 8,
            layers: 3,
            order: Order::Linear,
        }
    }
}

/// Volume of the prolate ellipsoid with short radius `a` and long radius `c`, cut at `z = h`:
/// `π a² ∫_{-c}^{h} (1 - z²/c²) dz`.
fn truncated_ellipsoid_volume(a: f64, c: f64, h: f64) -> f64 {
    PI * a * a * ((h + c) - (h.powi(3) + c.powi(3)) / (3.0 * c * c))
}

/// Analytic (myocardium, cavity) volumes of the truncated ellipsoidal shell.
pub fn lv_volumes(p: &LvParams) -> (f64, f64) {
    let cavity = truncated_ellipsoid_volume(p.endo_short, p.endo_long, p.base_z);
    let outer = truncated_ellipsoid_volume(p.epi_short, p.epi_long, p.base_z);
    (outer - cavity, cavity)
}

/// Prolate coordinates (t, u, v) of a lattice parameter.
fn prolate(p: &LvParams, q: &Param, layers: f64) -> (f64, f64, f64) {
    let d = direction(q);
    let t = q[3] / layers;
    let r_long = p.endo_long + t * (p.epi_long - p.endo_long);
    let s = (PI - d[2].clamp(-1.0, 1.0).acos()) / FRAC_PI_2;
    let u_base = (p.base_z / r_long).acos();
    let u = PI - s * (PI - u_base);
    (t, u, d[1].atan2(d[0]))
}

/// The LV wall: region 1 `myocardium`, surfaces `endo`, `epi`, `base`, cell field `fiber`.
pub fn lv(p: &LvParams) -> Result<Mesh, MeshError> {
    let lower = [[1, 1, -1], [-1, 1, -1], [1, -1, -1], [-1, -1, -1]];
    let (points, tris) = octahedron_lattice(p.subdivisions, &lower);
    let layers = p.layers.max(1);
    let pm = extrude_lattice(&points, &tris, layers);
    let nl = layers as f64;
    let radii =
        |t: f64| (p.endo_short + t * (p.epi_short - p.endo_short), p.endo_long + t * (p.epi_long - p.endo_long));
    let map = |q: &Param| {
        let (t, u, v) = prolate(p, q, nl);
        let (rs, rl) = radii(t);
        [rs * u.sin() * v.cos(), rs * u.sin() * v.sin(), rl * u.cos()]
    };
    let classify = move |f: &super::FaceQuery| match (f.other, f.all(3, 0.0), f.all(3, nl), f.all(2, 0.0)) {
        (Some(_), ..) => None,
        (None, true, ..) => Some("endo"),
        (None, _, true, _) => Some("epi"),
        (None, _, _, true) => Some("base"),
        _ => None,
    };
    let fibres = |centroids: &[Param]| {
        let mut values = Vec::with_capacity(3 * centroids.len());
        for q in centroids {
            let (t, u, v) = prolate(p, q, nl);
            let (rs, rl) = radii(t);
            let alpha = (90.0 - 180.0 * t).to_radians();
            let du = [rs * u.cos() * v.cos(), rs * u.cos() * v.sin(), -rl * u.sin()];
            let dv = [-rs * u.sin() * v.sin(), rs * u.sin() * v.cos(), 0.0];
            let (nu, nv) = (norm(du), norm(dv));
            values.extend((0..3).map(|k| alpha.sin() * du[k] / nu + alpha.cos() * dv[k] / nv));
        }
        vec![Field { name: "fiber".into(), components: 3, values }]
    };
    let regions = vec![Region { id: 1, name: Some("myocardium".into()) }];
    pm.finish(p.order, map, classify, regions, fibres)
}

fn norm(a: [f64; 3]) -> f64 {
    (a[0] * a[0] + a[1] * a[1] + a[2] * a[2]).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_is_planar_and_apex_is_at_minus_r_long() {
        let m = lv(&LvParams { subdivisions: 4, layers: 2, ..LvParams::default() }).unwrap();
        let base = m.surface("base").unwrap();
        for &f in &base.faces {
            for n in m.face_nodes(f) {
                assert!((m.nodes()[n][2] - 5.0).abs() < 1e-12);
            }
        }
        let (lo, _) = m.bounding_box().unwrap();
        assert!((lo[2] + 20.0).abs() < 1e-12, "epicardial apex at z = -20 mm, got {}", lo[2]);
        let fiber = &m.cell_fields()[0];
        for f in fiber.values.chunks(3) {
            assert!((norm([f[0], f[1], f[2]]) - 1.0).abs() < 1e-12);
        }
    }
}
