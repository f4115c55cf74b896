//! Thick-walled sphere (or its positive octant with three symmetry planes).
//!
//! The directions come from an octahedron whose faces are subdivided into `n²` triangles and
//! projected onto the unit sphere; the wall is extruded radially in `layers` prism layers.

use std::collections::HashMap;

use super::{Order, ParamMesh};
use crate::mesh::{Mesh, MeshError, Region};

/// Parameters of [`sphere`].
#[derive(Debug, Clone, PartialEq)]
pub struct SphereParams {
    /// Inner radius.
    pub inner_radius: f64,
    /// Outer radius.
    pub outer_radius: f64,
    /// Subdivisions of each octant edge (90° of arc).
    pub subdivisions: usize,
    /// Element layers through the wall.
    pub layers: usize,
    /// Only the octant x, y, z ≥ 0, with symmetry planes.
    pub octant: bool,
    /// Linear or quadratic cells.
    pub order: Order,
}

impl Default for SphereParams {
    fn default() -> Self {
        SphereParams {
            inner_radius: 1.0,
            outer_radius: 2.0,
            subdivisions: 8,
            layers: 4,
            octant: true,
            order: Order::Linear,
        }
    }
}

/// Analytic volume of the shell described by `p`.
pub fn sphere_volume(p: &SphereParams) -> f64 {
    let full = 4.0 / 3.0 * std::f64::consts::PI * (p.outer_radius.powi(3) - p.inner_radius.powi(3));
    if p.octant {
        full / 8.0
    } else {
        full
    }
}

/// Subdivided faces of the octahedron whose corners are `±e1, ±e2, ±e3` with the sign triples
/// `faces`; returns integer lattice points (coordinates sum in absolute value to `n`) and
/// triangles, shared points merged.
pub(super) fn octahedron_lattice(n: usize, faces: &[[i64; 3]]) -> (Vec<[i64; 3]>, Vec<[usize; 3]>) {
    let n = n.max(1) as i64;
    let mut points: Vec<[i64; 3]> = Vec::new();
    let mut index: HashMap<[i64; 3], usize> = HashMap::new();
    let mut tris = Vec::new();
    for s in faces {
        let mut id = |i: i64, j: i64| {
            let p = [s[0] * (n - i - j), s[1] * i, s[2] * j];
            *index.entry(p).or_insert_with(|| {
                points.push(p);
                points.len() - 1
            })
        };
        for i in 0..n {
            for j in 0..n - i {
                tris.push([id(i, j), id(i + 1, j), id(i, j + 1)]);
                if i + j < n - 1 {
                    tris.push([id(i + 1, j), id(i + 1, j + 1), id(i, j + 1)]);
                }
            }
        }
    }
    (points, tris)
}

/// All eight octahedron faces.
pub(super) const ALL_OCTANTS: [[i64; 3]; 8] =
    [[1, 1, 1], [-1, 1, 1], [1, -1, 1], [-1, -1, 1], [1, 1, -1], [-1, 1, -1], [1, -1, -1], [-1, -1, -1]];

/// Extrudes the lattice in `layers` layers: parameter `[X, Y, Z, layer]`.
pub(super) fn extrude_lattice(points: &[[i64; 3]], tris: &[[usize; 3]], layers: usize) -> ParamMesh {
    let mut pm = ParamMesh::default();
    for l in 0..=layers {
        for p in points {
            pm.params.push([p[0] as f64, p[1] as f64, p[2] as f64, l as f64]);
        }
    }
    for l in 0..layers {
        for t in tris {
            pm.push_prism(*t, l, points.len(), 1);
        }
    }
    pm
}

/// Unit direction of lattice parameters (X, Y, Z).
pub(super) fn direction(q: &[f64; 4]) -> [f64; 3] {
    let norm = (q[0] * q[0] + q[1] * q[1] + q[2] * q[2]).sqrt();
    [q[0] / norm, q[1] / norm, q[2] / norm]
}

/// A spherical shell with region 1 `wall` and surfaces `inner`, `outer` and, for the octant,
/// `symmetry_x`, `symmetry_y`, `symmetry_z` (the planes x = 0, y = 0, z = 0).
pub fn sphere(p: &SphereParams) -> Result<Mesh, MeshError> {
    let faces: &[[i64; 3]] = if p.octant { &ALL_OCTANTS[..1] } else { &ALL_OCTANTS };
    super::at_least("subdivisions", p.subdivisions, super::MIN_ARC_SUBDIVISIONS)?;
    super::at_least("layers", p.layers, 1)?;
    let n = p.subdivisions as u64;
    let triangles = n.checked_mul(n).and_then(|t| t.checked_mul(faces.len() as u64));
    let cells = triangles.and_then(|t| super::prism_cells(t, p.layers));
    super::within_budget("subdivisions", format!("{} with {} layers", p.subdivisions, p.layers), cells)?;
    let (points, tris) = octahedron_lattice(p.subdivisions, faces);
    let layers = p.layers;
    let pm = extrude_lattice(&points, &tris, layers);
    let (ri, ro, nl) = (p.inner_radius, p.outer_radius, layers as f64);
    let map = move |q: &[f64; 4]| {
        let r = ri + (ro - ri) * q[3] / nl;
        direction(q).map(|d| r * d)
    };
    let octant = p.octant;
    let classify = move |f: &super::FaceQuery| {
        if f.other.is_some() {
            return None;
        }
        if f.all(3, 0.0) {
            Some("inner")
        } else if f.all(3, nl) {
            Some("outer")
        } else if octant {
            ["symmetry_x", "symmetry_y", "symmetry_z"]
                .into_iter()
                .enumerate()
                .find(|(k, _)| f.all(*k, 0.0))
                .map(|(_, s)| s)
        } else {
            None
        }
    };
    let regions = vec![Region { id: 1, name: Some("wall".into()) }];
    pm.finish(p.order, map, classify, regions, |_| Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn octahedron_lattice_counts() {
        let (points, tris) = octahedron_lattice(4, &ALL_OCTANTS);
        // A subdivided octahedron: 8 n² triangles, 4 n² + 2 vertices (Euler: V - E + F = 2).
        assert_eq!(tris.len(), 8 * 16);
        assert_eq!(points.len(), 4 * 16 + 2);
    }

    #[test]
    fn full_sphere_is_closed_and_quadratic_volume_is_accurate() {
        let p = SphereParams {
            octant: false,
            subdivisions: 4,
            layers: 2,
            order: Order::Quadratic,
            ..SphereParams::default()
        };
        let m = sphere(&p).unwrap();
        let names: Vec<&str> = m.surfaces().iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["inner", "outer"]);
        let err = (m.volume() - sphere_volume(&p)).abs() / sphere_volume(&p);
        assert!(err < 2e-3, "relative volume error {err}");
        let outer = m.surface_area(m.surface("outer").unwrap());
        let exact = 4.0 * std::f64::consts::PI * 4.0;
        assert!((outer - exact).abs() / exact < 2e-3, "outer area {outer} vs {exact}");
    }
}
