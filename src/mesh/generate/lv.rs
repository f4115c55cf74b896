//! Idealised left ventricle of the Land et al. (2015) cardiac mechanics benchmark: a truncated
//! prolate ellipsoid, apex towards −z, base plane z = 5 mm.
//!
//! Surfaces at transmural coordinate t ∈ [0, 1] (0 = endocardium):
//! `x = r_s(t) sin u cos v, y = r_s(t) sin u sin v, z = r_l(t) cos u`, with `r_s = 7 + 3t`,
//! `r_l = 17 + 3t` (mm), `u ∈ [u_base(t), π]`, `u_base = acos(5 / r_l)`, `v ∈ [0, 2π)`.
//!
//! The surface mesh is a polar cap plus a band. The cap is the lower half of an octahedron whose
//! faces are subdivided `m` times (apex at its lower vertex). Its equator ring of `4m` nodes
//! continues in `k` structured rows down to the base. Every lattice ring is mapped to a line of
//! constant `u` (rings equally spaced in `u` from apex to base), with nodes equally spaced in `v`
//! along it. `k` makes the meridional spacing match the circumferential spacing at the base, and the
//! default layer count does the same through the wall, so the tets stay close to isotropic.
//!
//! Each cell carries the benchmark's fibre field `fiber`: helix angle α from +90° at the
//! endocardium to −90° at the epicardium, `f = sin α ê_u + cos α ê_v` (ê = unit tangents).

use std::f64::consts::{FRAC_PI_2, PI};

use super::sphere::{extrude_lattice, octahedron_lattice};
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
    /// Subdivisions of a quarter of the circumference (`m`; the cap has `m` rings).
    pub subdivisions: usize,
    /// Element layers through the wall; `None` picks the count that keeps tets near isotropic.
    pub layers: Option<usize>,
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
            layers: None,
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

/// Mesh resolution: cap rings `m`, band rows `k`, wall layers.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Resolution {
    cap: usize,
    band: usize,
    layers: usize,
}

impl Resolution {
    /// Band rows so that the mid-wall meridian is cut into pieces as long as the circumferential
    /// spacing at the base, and (unless given) as many layers as that spacing fits in the wall.
    fn of(p: &LvParams) -> Resolution {
        let m = p.subdivisions.max(1);
        let (rs, rl) = (0.5 * (p.endo_short + p.epi_short), 0.5 * (p.endo_long + p.epi_long));
        let u_base = (p.base_z / rl).clamp(-1.0, 1.0).acos();
        let n = 512;
        let du = (PI - u_base) / n as f64;
        let meridian: f64 = (0..n)
            .map(|i| {
                let u = u_base + (i as f64 + 0.5) * du;
                ((rs * u.cos()).powi(2) + (rl * u.sin()).powi(2)).sqrt() * du
            })
            .sum();
        let spacing = 2.0 * PI * rs * u_base.sin() / (4 * m) as f64;
        let rows = ((meridian / spacing).round() as usize).max(m + 1);
        let wall = 0.5 * ((p.epi_short - p.endo_short) + (p.epi_long - p.endo_long));
        let layers = p.layers.unwrap_or(((wall / spacing).round() as usize).max(1)).max(1);
        Resolution { cap: m, band: rows - m, layers }
    }
}

/// Angle along a ring `|X| + |Y| = const`, proportional to the distance travelled on it, so that
/// the ring's equally spaced lattice nodes are equally spaced in `v`.
fn ring_angle(x: f64, y: f64) -> f64 {
    let r = x.abs() + y.abs();
    if r == 0.0 {
        return 0.0;
    }
    let quarter = FRAC_PI_2;
    match (x >= 0.0, y >= 0.0) {
        (true, true) => quarter * y / r,
        (false, true) => quarter + quarter * -x / r,
        (false, false) => 2.0 * quarter + quarter * -y / r,
        (true, false) => 3.0 * quarter + quarter * x / r,
    }
}

/// Prolate coordinates (t, u, v) of a parameter `[X, Y, Z, layer]`: cap points have `Z ≤ 0` and
/// ring index `|X| + |Y|`, band points ring index `m + Z`.
fn prolate(p: &LvParams, res: &Resolution, q: &Param) -> (f64, f64, f64) {
    let t = q[3] / res.layers as f64;
    let r_long = p.endo_long + t * (p.epi_long - p.endo_long);
    let ring = if q[2] <= 0.0 { q[0].abs() + q[1].abs() } else { res.cap as f64 + q[2] };
    let s = ring / (res.cap + res.band) as f64;
    let u_base = (p.base_z / r_long).clamp(-1.0, 1.0).acos();
    (t, PI - s * (PI - u_base), ring_angle(q[0], q[1]))
}

/// Cap lattice plus `band` rows below its equator: integer points and triangles.
fn cap_and_band(res: &Resolution) -> (Vec<[i64; 3]>, Vec<[usize; 3]>) {
    let lower = [[1, 1, -1], [-1, 1, -1], [1, -1, -1], [-1, -1, -1]];
    let (mut points, mut tris) = octahedron_lattice(res.cap, &lower);
    let mut ring: Vec<usize> = (0..points.len()).filter(|&i| points[i][2] == 0).collect();
    ring.sort_by(|&a, &b| {
        let angle = |i: usize| ring_angle(points[i][0] as f64, points[i][1] as f64);
        angle(a).total_cmp(&angle(b))
    });
    for row in 1..=res.band as i64 {
        let next: Vec<usize> = ring
            .iter()
            .map(|&i| {
                points.push([points[i][0], points[i][1], row]);
                points.len() - 1
            })
            .collect();
        for j in 0..ring.len() {
            let j1 = (j + 1) % ring.len();
            tris.push([ring[j], ring[j1], next[j1]]);
            tris.push([ring[j], next[j1], next[j]]);
        }
        ring = next;
    }
    (points, tris)
}

/// The LV wall: region 1 `myocardium`, surfaces `endo`, `epi`, `base`, cell field `fiber`.
pub fn lv(p: &LvParams) -> Result<Mesh, MeshError> {
    super::at_least("subdivisions", p.subdivisions, super::MIN_ARC_SUBDIVISIONS)?;
    if let Some(layers) = p.layers {
        super::at_least("layers", layers, 1)?;
    }
    // The cap alone must fit before the band is sized from it.
    let cap = (p.subdivisions as u64).checked_mul(p.subdivisions as u64).and_then(|c| c.checked_mul(4));
    super::within_budget("subdivisions", p.subdivisions.to_string(), cap.and_then(|t| super::prism_cells(t, 1)))?;
    let res = Resolution::of(p);
    // The cap has 4 m² triangles, each band row 8 m.
    let m = res.cap as u64;
    let triangles = m.checked_mul(m).and_then(|c| c.checked_mul(4)).and_then(|cap| {
        m.checked_mul(8).and_then(|row| row.checked_mul(res.band as u64)).and_then(|band| band.checked_add(cap))
    });
    let shown = format!("{} with {} layers", p.subdivisions, res.layers);
    super::within_budget("subdivisions", shown, triangles.and_then(|t| super::prism_cells(t, res.layers)))?;
    let (points, tris) = cap_and_band(&res);
    let pm = extrude_lattice(&points, &tris, res.layers);
    let (nl, base_row) = (res.layers as f64, res.band as f64);
    let radii =
        |t: f64| (p.endo_short + t * (p.epi_short - p.endo_short), p.endo_long + t * (p.epi_long - p.endo_long));
    let map = |q: &Param| {
        let (t, u, v) = prolate(p, &res, q);
        let (rs, rl) = radii(t);
        [rs * u.sin() * v.cos(), rs * u.sin() * v.sin(), rl * u.cos()]
    };
    let classify = move |f: &super::FaceQuery| match (f.other, f.all(3, 0.0), f.all(3, nl), f.all(2, base_row)) {
        (Some(_), ..) => None,
        (None, true, ..) => Some("endo"),
        (None, _, true, _) => Some("epi"),
        (None, _, _, true) => Some("base"),
        _ => None,
    };
    let fibres = |centroids: &[Param]| {
        let mut values = Vec::with_capacity(3 * centroids.len());
        for q in centroids {
            let (t, u, v) = prolate(p, &res, q);
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
        let m = lv(&LvParams { subdivisions: 4, layers: Some(2), ..LvParams::default() }).unwrap();
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
