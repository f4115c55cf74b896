//! Box / beam: `nx × ny × nz` cubes, each split into six tets around its main diagonal
//! (Kuhn's split, conforming because every cube is split the same way).

use super::{Order, ParamMesh};
use crate::mesh::{Mesh, MeshError, Region};

/// Parameters of [`beam`].
#[derive(Debug, Clone, PartialEq)]
pub struct BeamParams {
    /// Edge lengths along x, y, z (the box spans `[0, L]` on each axis).
    pub size: [f64; 3],
    /// Divisions along x, y, z.
    pub divisions: [usize; 3],
    /// Linear or quadratic cells.
    pub order: Order,
}

impl Default for BeamParams {
    /// The 10 × 1 × 1 cantilever of the verification suite.
    fn default() -> Self {
        BeamParams { size: [10.0, 1.0, 1.0], divisions: [20, 2, 2], order: Order::Linear }
    }
}

/// A box with region 1 `beam` and surfaces `xmin`, `xmax`, `ymin`, `ymax`, `zmin`, `zmax`.
pub fn beam(p: &BeamParams) -> Result<Mesh, MeshError> {
    let [nx, ny, nz] = p.divisions;
    let shown = format!("{nx},{ny},{nz}");
    if p.divisions.contains(&0) {
        return Err(MeshError::Parameter {
            parameter: "divisions",
            value: shown,
            valid: "each of NX, NY, NZ must be at least 1".into(),
        });
    }
    let cells = p.divisions.iter().try_fold(6u64, |acc, &n| acc.checked_mul(n as u64));
    super::within_budget("divisions", shown, cells)?;
    let index = |i: usize, j: usize, k: usize| (k * (ny + 1) + j) * (nx + 1) + i;
    let mut pm = ParamMesh::default();
    for k in 0..=nz {
        for j in 0..=ny {
            for i in 0..=nx {
                pm.params.push([i as f64, j as f64, k as f64, 0.0]);
            }
        }
    }
    // Kuhn split: cube corner `b` (bits x=1, y=2, z=4); one tet per axis permutation, walking
    // from corner 0 to corner 7.
    let perms = [[1, 2, 4], [1, 4, 2], [2, 1, 4], [2, 4, 1], [4, 1, 2], [4, 2, 1]];
    for k in 0..nz {
        for j in 0..ny {
            for i in 0..nx {
                let corner = |b: usize| index(i + (b & 1), j + ((b >> 1) & 1), k + ((b >> 2) & 1));
                for [s0, s1, s2] in perms {
                    pm.tets.push([corner(0), corner(s0), corner(s0 | s1), corner(s0 | s1 | s2)]);
                    pm.regions.push(1);
                }
            }
        }
    }
    let n = [nx as f64, ny as f64, nz as f64];
    let size = p.size;
    let map = move |q: &[f64; 4]| [q[0] / n[0] * size[0], q[1] / n[1] * size[1], q[2] / n[2] * size[2]];
    let classify = move |f: &super::FaceQuery| {
        if f.other.is_some() {
            return None;
        }
        let names = [["xmin", "xmax"], ["ymin", "ymax"], ["zmin", "zmax"]];
        (0..3).find_map(|k| {
            if f.all(k, 0.0) {
                Some(names[k][0])
            } else if f.all(k, n[k]) {
                Some(names[k][1])
            } else {
                None
            }
        })
    };
    let regions = vec![Region { id: 1, name: Some("beam".into()) }];
    pm.finish(p.order, map, classify, regions, |_| Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beam_volume_area_and_counts() {
        let p = BeamParams { size: [10.0, 1.0, 2.0], divisions: [5, 2, 3], order: Order::Quadratic };
        let m = beam(&p).unwrap();
        assert_eq!(m.cell_count(), 6 * 5 * 2 * 3);
        assert!((m.volume() - 20.0).abs() < 1e-12);
        let area = |s: &str| m.surface_area(m.surface(s).unwrap());
        assert!((area("xmin") - 2.0).abs() < 1e-12);
        assert!((area("zmax") - 10.0).abs() < 1e-12);
        assert!((area("ymin") - 20.0).abs() < 1e-12);
        assert_eq!(m.surfaces().len(), 6);
    }
}
