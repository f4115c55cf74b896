//! Cylinder-in-cylinder implant model: a solid implant (region 1) bonded inside a bone tube
//! (region 2), both of the same length along z.
//!
//! The cross-section is a disk built from concentric rings on a hexagonal lattice (ring `j` has
//! `6 j` nodes), mapped onto circles: rings `1..=implant_rings` span the implant radius, the rest
//! the bone. It is extruded along z in prism layers.

use super::{Order, ParamMesh};
use crate::mesh::{Mesh, MeshError, Region};

/// Parameters of [`implant`] (units are the caller's; the bundled meshes use mm).
#[derive(Debug, Clone, PartialEq)]
pub struct ImplantParams {
    /// Implant radius.
    pub implant_radius: f64,
    /// Outer bone radius.
    pub bone_radius: f64,
    /// Length along z.
    pub length: f64,
    /// Rings across the implant radius.
    pub implant_rings: usize,
    /// Rings across the bone wall.
    pub bone_rings: usize,
    /// Layers along z.
    pub layers: usize,
    /// Linear or quadratic cells.
    pub order: Order,
}

impl Default for ImplantParams {
    fn default() -> Self {
        ImplantParams {
            implant_radius: 2.0,
            bone_radius: 6.0,
            length: 20.0,
            implant_rings: 3,
            bone_rings: 4,
            layers: 16,
            order: Order::Linear,
        }
    }
}

/// Hexagon corner `s` (mod 6) at unit distance.
fn corner(s: usize) -> [f64; 2] {
    let a = (60.0 * (s % 6) as f64).to_radians();
    [a.cos(), a.sin()]
}

/// Hexagonal norm: 1 on the unit hexagon through the corners.
pub(super) fn hex_norm(x: f64, y: f64) -> f64 {
    (0..6)
        .map(|m| {
            let a = (30.0 + 60.0 * m as f64).to_radians();
            (x * a.cos() + y * a.sin()) / 30f64.to_radians().cos()
        })
        .fold(0.0, f64::max)
}

/// A disk triangle and its ring band (1-based).
type BandTriangle = ([usize; 3], usize);

/// Disk lattice: node positions (hexagonal) and triangles with their ring band.
pub(super) fn disk(rings: usize) -> (Vec<[f64; 2]>, Vec<BandTriangle>) {
    let mut points = vec![[0.0, 0.0]];
    let ring_start = |j: usize| if j == 0 { 0 } else { 1 + 3 * j * (j - 1) };
    for j in 1..=rings {
        for k in 0..6 * j {
            let (s, i) = (k / j, k % j);
            let (c0, c1) = (corner(s), corner(s + 1));
            let f = i as f64;
            points.push([j as f64 * c0[0] + f * (c1[0] - c0[0]), j as f64 * c0[1] + f * (c1[1] - c0[1])]);
        }
    }
    let node = |j: usize, k: usize| if j == 0 { 0 } else { ring_start(j) + k % (6 * j) };
    let mut tris = Vec::new();
    for j in 1..=rings {
        for s in 0..6 {
            let outer = |i: usize| node(j, s * j + i);
            let inner = |i: usize| node(j - 1, s * (j - 1) + i);
            for i in 0..j {
                tris.push(([outer(i), outer(i + 1), inner(i)], j));
            }
            for i in 0..j - 1 {
                tris.push(([inner(i), outer(i + 1), inner(i + 1)], j));
            }
        }
    }
    (points, tris)
}

/// The implant model: regions 1 `implant` and 2 `bone`; surfaces `interface` (on the implant
/// side), `bone_outer`, `implant_bottom`, `implant_top`, `bone_bottom`, `bone_top`.
pub fn implant(p: &ImplantParams) -> Result<Mesh, MeshError> {
    super::at_least("implant-rings", p.implant_rings, 1)?;
    super::at_least("bone-rings", p.bone_rings, 1)?;
    super::at_least("layers", p.layers, 1)?;
    let (ni, nb, layers) = (p.implant_rings, p.bone_rings, p.layers);
    // A disk of `rings` rings has 6 rings² triangles.
    let triangles = ni.checked_add(nb).and_then(|r| (r as u64).checked_mul(r as u64)).and_then(|t| t.checked_mul(6));
    let shown = format!("{ni} + {nb} rings with {layers} layers");
    super::within_budget("layers", shown, triangles.and_then(|t| super::prism_cells(t, layers)))?;
    let rings = ni + nb;
    let (points, tris) = disk(rings);
    let mut pm = ParamMesh::default();
    for l in 0..=layers {
        for q in &points {
            pm.params.push([q[0], q[1], l as f64, 0.0]);
        }
    }
    for l in 0..layers {
        for (t, band) in &tris {
            pm.push_prism(*t, l, points.len(), if *band <= ni { 1 } else { 2 });
        }
    }
    let (ri, ro, length, nl) = (p.implant_radius, p.bone_radius, p.length, layers as f64);
    let radius = move |rho: f64| {
        if rho <= ni as f64 {
            ri * rho / ni as f64
        } else {
            ri + (ro - ri) * (rho - ni as f64) / nb as f64
        }
    };
    let map = move |q: &[f64; 4]| {
        let rho = hex_norm(q[0], q[1]);
        let z = length * q[2] / nl;
        if rho == 0.0 {
            return [0.0, 0.0, z];
        }
        let scale = radius(rho) / (q[0] * q[0] + q[1] * q[1]).sqrt();
        [q[0] * scale, q[1] * scale, z]
    };
    let outer_ring = rings as f64;
    let classify = move |f: &super::FaceQuery| {
        let on_ring = f.params.iter().all(|q| (hex_norm(q[0], q[1]) - outer_ring).abs() < 1e-9);
        match f.other {
            Some(2) if f.region == 1 => Some("interface"),
            Some(_) => None,
            None if on_ring => Some("bone_outer"),
            None if f.all(2, 0.0) => Some(if f.region == 1 { "implant_bottom" } else { "bone_bottom" }),
            None if f.all(2, nl) => Some(if f.region == 1 { "implant_top" } else { "bone_top" }),
            None => None,
        }
    };
    let regions = vec![Region { id: 1, name: Some("implant".into()) }, Region { id: 2, name: Some("bone".into()) }];
    pm.finish(p.order, map, classify, regions, |_| Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    #[test]
    fn disk_counts() {
        let (points, tris) = disk(3);
        assert_eq!(points.len(), 1 + 6 + 12 + 18);
        assert_eq!(tris.len(), 6 * 9);
    }

    #[test]
    fn quadratic_implant_areas_follow_the_circles() {
        let p = ImplantParams { order: Order::Quadratic, layers: 4, ..ImplantParams::default() };
        let m = implant(&p).unwrap();
        let area = |s: &str| m.surface_area(m.surface(s).unwrap());
        let interface = 2.0 * PI * p.implant_radius * p.length;
        assert!((area("interface") - interface).abs() / interface < 2e-3, "{}", area("interface"));
        let bottom = PI * (p.bone_radius.powi(2) - p.implant_radius.powi(2));
        assert!((area("bone_bottom") - bottom).abs() / bottom < 2e-3);
        let v = PI * p.bone_radius.powi(2) * p.length;
        assert!((m.volume() - v).abs() / v < 2e-3, "{} vs {v}", m.volume());
    }
}
