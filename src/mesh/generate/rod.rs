//! A solid cylinder along z in stacked regions: the idealised geometry of the fatigue test
//! templates — a one-piece dental implant with its abutment (ISO 14801) and a straight stem
//! (ISO 7206-4).
//!
//! The cross-section is the hexagonal-ring disk of [`implant`](super::implant) mapped onto a
//! circle of radius `radius`; it is extruded from `z0` to `z1` in `layers` prism layers. Cells
//! below `z` = `split` form region 1 (`names.0`), those above region 2 (`names.1`); a layer
//! boundary is placed on `split` exactly. Surfaces: `bottom` (z = z0), `top` (z = z1) and
//! `lateral`.

use super::implant::{disk, hex_norm};
use super::{Order, ParamMesh};
use crate::mesh::{Mesh, MeshError, Region};

/// Parameters of [`rod`].
#[derive(Debug, Clone, PartialEq)]
pub struct RodParams {
    /// Radius.
    pub radius: f64,
    /// Bottom.
    pub z0: f64,
    /// Top.
    pub z1: f64,
    /// Region boundary (strictly between `z0` and `z1`), or `None` for one region.
    pub split: Option<f64>,
    /// Region names below and above `split`.
    pub names: (String, String),
    /// Rings across the radius.
    pub rings: usize,
    /// Prism layers along z.
    pub layers: usize,
    /// Linear or quadratic cells.
    pub order: Order,
}

impl Default for RodParams {
    /// The ISO 14801 dental implant of the template: Ø 4.1 mm, 7 mm below the clamping plane
    /// (z = 0), implant up to the nominal bone level at z = 3 mm, abutment up to z = 8 mm.
    fn default() -> Self {
        RodParams {
            radius: 2.05,
            z0: -7.0,
            z1: 8.0,
            split: Some(3.0),
            names: ("implant".into(), "abutment".into()),
            rings: 4,
            layers: 30,
            order: Order::Quadratic,
        }
    }
}

/// The rod: regions 1 and 2 (or 1 only) and surfaces `bottom`, `top`, `lateral`.
pub fn rod(p: &RodParams) -> Result<Mesh, MeshError> {
    super::at_least("rings", p.rings, 1)?;
    super::at_least("layers", p.layers, 2)?;
    let bad = |parameter: &'static str, value: String, valid: &str| MeshError::Parameter {
        parameter,
        value,
        valid: valid.into(),
    };
    if !(p.radius > 0.0 && p.radius.is_finite()) {
        return Err(bad("radius", p.radius.to_string(), "a finite length > 0"));
    }
    if !(p.z0.is_finite() && p.z1.is_finite() && p.z1 > p.z0) {
        return Err(bad("z0, z1", format!("{}, {}", p.z0, p.z1), "finite with z1 > z0"));
    }
    if let Some(s) = p.split {
        if !(s > p.z0 && s < p.z1) {
            return Err(bad("split", s.to_string(), "strictly between z0 and z1"));
        }
    }
    let triangles = (p.rings as u64).checked_mul(p.rings as u64).and_then(|t| t.checked_mul(6));
    let shown = format!("{} rings with {} layers", p.rings, p.layers);
    super::within_budget("layers", shown, triangles.and_then(|t| super::prism_cells(t, p.layers)))?;
    // Layers below and above the split, in proportion to the lengths (at least one each).
    let (z0, z1) = (p.z0, p.z1);
    let levels: Vec<f64> = match p.split {
        None => (0..=p.layers).map(|l| z0 + (z1 - z0) * l as f64 / p.layers as f64).collect(),
        Some(s) => {
            let below = (((s - z0) / (z1 - z0) * p.layers as f64).round() as usize).clamp(1, p.layers - 1);
            let above = p.layers - below;
            let mut v: Vec<f64> = (0..=below).map(|l| z0 + (s - z0) * l as f64 / below as f64).collect();
            v.extend((1..=above).map(|l| s + (z1 - s) * l as f64 / above as f64));
            v
        }
    };
    let (points, tris) = disk(p.rings);
    let mut pm = ParamMesh::default();
    for l in 0..=p.layers {
        for q in &points {
            pm.params.push([q[0], q[1], l as f64, 0.0]);
        }
    }
    let split = p.split;
    for (l, pair) in levels.windows(2).enumerate() {
        let mid = 0.5 * (pair[0] + pair[1]);
        let region = if split.is_some_and(|s| mid > s) { 2 } else { 1 };
        for (t, _) in &tris {
            pm.push_prism(*t, l, points.len(), region);
        }
    }
    let (radius, rings) = (p.radius, p.rings as f64);
    let levels_map = levels.clone();
    let map = move |q: &[f64; 4]| {
        // Layer parameter to z, linear between levels (mid-edge nodes sit halfway).
        let (l, frac) = (q[2].floor() as usize, q[2] - q[2].floor());
        let z = if l + 1 < levels_map.len() {
            levels_map[l] + frac * (levels_map[l + 1] - levels_map[l])
        } else {
            levels_map[levels_map.len() - 1]
        };
        let rho = hex_norm(q[0], q[1]);
        if rho == 0.0 {
            return [0.0, 0.0, z];
        }
        let scale = radius * rho / rings / (q[0] * q[0] + q[1] * q[1]).sqrt();
        [q[0] * scale, q[1] * scale, z]
    };
    let top = p.layers as f64;
    let classify = move |f: &super::FaceQuery| {
        let on_ring = f.params.iter().all(|q| (hex_norm(q[0], q[1]) - rings).abs() < 1e-9);
        match f.other {
            Some(_) => None,
            None if on_ring => Some("lateral"),
            None if f.all(2, 0.0) => Some("bottom"),
            None if f.all(2, top) => Some("top"),
            None => None,
        }
    };
    let mut regions = vec![Region { id: 1, name: Some(p.names.0.clone()) }];
    if split.is_some() {
        regions.push(Region { id: 2, name: Some(p.names.1.clone()) });
    }
    pm.finish(p.order, map, classify, regions, |_| Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    /// Volume, lateral area and the region split of the quadratic rod follow the cylinder.
    #[test]
    fn quadratic_rod_is_a_cylinder() {
        let p = RodParams::default();
        let m = rod(&p).expect("rod");
        let v = PI * p.radius.powi(2) * (p.z1 - p.z0);
        // Tet10 faces carry the circle to O(h³) with 4 rings: 2e-3 relative is ample.
        assert!((m.volume() - v).abs() / v < 2e-3, "{} vs {v}", m.volume());
        let lateral = 2.0 * PI * p.radius * (p.z1 - p.z0);
        let a = m.surface_area(m.surface("lateral").expect("lateral"));
        assert!((a - lateral).abs() / lateral < 2e-3, "{a} vs {lateral}");
        let upper: f64 = (0..m.cell_count()).filter(|&c| m.cell_regions()[c] == 2).map(|c| m.cell_volume(c)).sum();
        let expected = PI * p.radius.powi(2) * (p.z1 - 3.0);
        assert!((upper - expected).abs() / expected < 2e-3, "{upper} vs {expected}");
        assert!(m.nodes().iter().any(|x| (x[2] - 3.0).abs() < 1e-12), "a layer lies on the split");
    }

    /// Bad dimensions are refused with the parameter named.
    #[test]
    fn bad_dimensions_are_refused() {
        let e = rod(&RodParams { split: Some(9.0), ..RodParams::default() }).expect_err("split outside");
        assert!(e.to_string().contains("split"), "{e}");
        assert!(rod(&RodParams { radius: -1.0, ..RodParams::default() }).is_err());
    }
}
