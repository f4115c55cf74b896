//! Cavity volume of an open surface (the LV endocardium), closed by the cone from its rim.
//!
//! For a surface `Γ` whose rim is a single closed loop, close it by the cone of segments from
//! the rim's centroid `c` to the rim. On that cone `(x − c) · n = 0`, so by the divergence
//! theorem the enclosed volume is exactly `V = −⅓ ∫_Γ (x − c) · n da` with `n` the body's outward
//! normal (which points into the cavity); on a planar rim the cone is the flat lid of the rim's
//! plane. The integrand is a polynomial of degree 4 on Tri6 faces and the 16-point rule integrates
//! it exactly, on the reference or any deformed configuration.

use nalgebra::{SymmetricEigen, Vector3};

use super::element::face_shape;
use super::quadrature::tri_gauss;
use crate::mesh::{CellFace, Mesh};

/// A cavity: its surface faces and rim nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct Cavity {
    faces: Vec<CellFace>,
    rim: Vec<usize>,
}

/// Relative tolerance of the rim's planarity (distance to the best-fit plane over the rim's size).
pub const PLANARITY_TOLERANCE: f64 = 1e-3;

impl Cavity {
    /// Checks that the surface can be closed: its rim is one loop (not several: holes) and
    /// planar within [`PLANARITY_TOLERANCE`]; a closed surface (no rim) is accepted as it is.
    pub fn new(mesh: &Mesh, faces: &[CellFace]) -> Result<Cavity, String> {
        if faces.is_empty() {
            return Err("the cavity surface has no faces".into());
        }
        let loops = rim_loops(mesh, faces);
        if loops > 1 {
            return Err(format!(
                "the surface's rim is made of {loops} separate loops (the surface has holes); a cavity needs one \
                 open rim"
            ));
        }
        let rim = super::pressure::rim_nodes(mesh, faces);
        if !rim.is_empty() {
            let pts: Vec<Vector3<f64>> = rim.iter().map(|&n| Vector3::from(mesh.nodes()[n])).collect();
            let c = pts.iter().sum::<Vector3<f64>>() / pts.len() as f64;
            let cov = pts.iter().fold(nalgebra::Matrix3::zeros(), |m, p| m + (p - c) * (p - c).transpose());
            let eig = SymmetricEigen::new(cov);
            let (k, _) = eig.eigenvalues.argmin();
            let normal = eig.eigenvectors.column(k).into_owned();
            let size = pts.iter().map(|p| (p - c).norm()).fold(0.0, f64::max);
            let off = pts.iter().map(|p| (p - c).dot(&normal).abs()).fold(0.0, f64::max);
            if off > PLANARITY_TOLERANCE * size {
                return Err(format!(
                    "the surface's rim is not planar: it lies up to {off:.3e} from its best-fit plane ({:.1e} of its \
                     size, tolerance {PLANARITY_TOLERANCE:e}); a cavity is closed by the plane of its rim",
                    off / size
                ));
            }
        }
        Ok(Cavity { faces: faces.to_vec(), rim })
    }

    /// The enclosed volume with nodal displacements `u` (per mesh node; zeros for the reference).
    pub fn volume(&self, mesh: &Mesh, u: &[[f64; 3]]) -> f64 {
        let x = |n: usize| Vector3::from(mesh.nodes()[n]) + Vector3::from(u[n]);
        let c = if self.rim.is_empty() {
            Vector3::zeros()
        } else {
            self.rim.iter().map(|&n| x(n)).sum::<Vector3<f64>>() / self.rim.len() as f64
        };
        let rule = tri_gauss(4);
        let mut v = 0.0;
        for &f in &self.faces {
            let nodes = mesh.face_nodes(f);
            let xs: Vec<Vector3<f64>> = nodes.iter().map(|&n| x(n) - c).collect();
            for (ab, w) in &rule {
                let (n, d) = face_shape(nodes.len(), *ab);
                let (mut p, mut ta, mut tb) = (Vector3::zeros(), Vector3::zeros(), Vector3::zeros());
                for ((xi, ni), di) in xs.iter().zip(&n).zip(&d) {
                    p += xi * *ni;
                    ta += xi * di[0];
                    tb += xi * di[1];
                }
                v -= w * p.dot(&ta.cross(&tb)) / 3.0;
            }
        }
        v
    }
}

/// Number of closed loops formed by the rim edges of a surface.
fn rim_loops(mesh: &Mesh, faces: &[CellFace]) -> usize {
    let mut count: std::collections::HashMap<(usize, usize), usize> = Default::default();
    for &f in faces {
        let n = mesh.face_nodes(f);
        for e in 0..3 {
            let (a, b) = (n[e], n[(e + 1) % 3]);
            *count.entry((a.min(b), a.max(b))).or_default() += 1;
        }
    }
    let rim: Vec<(usize, usize)> = count.into_iter().filter(|(_, c)| *c == 1).map(|(e, _)| e).collect();
    // Union–find over the rim's vertices: each connected set of rim edges is one loop.
    let mut nodes: Vec<usize> = rim.iter().flat_map(|&(a, b)| [a, b]).collect();
    nodes.sort_unstable();
    nodes.dedup();
    let index = |n: usize| nodes.binary_search(&n).expect("rim node");
    let mut parent: Vec<usize> = (0..nodes.len()).collect();
    fn find(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    for &(a, b) in &rim {
        let (ra, rb) = (find(&mut parent, index(a)), find(&mut parent, index(b)));
        parent[ra.max(rb)] = ra.min(rb);
    }
    (0..nodes.len()).filter(|&i| find(&mut parent, i) == i).count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mesh::generate::{lv, lv_volumes, LvParams, Order};

    /// The Tet10 LV's endocardium encloses the analytic truncated-ellipsoid volume to the
    /// accuracy of its quadratic faces; translating the mesh changes nothing.
    #[test]
    fn lv_cavity_volume_matches_the_ellipsoid() {
        let p = LvParams { subdivisions: 6, order: Order::Quadratic, ..LvParams::default() };
        let mesh = lv(&p).unwrap();
        let cavity = Cavity::new(&mesh, &mesh.surface("endo").unwrap().faces).unwrap();
        let zero = vec![[0.0; 3]; mesh.nodes().len()];
        let v = cavity.volume(&mesh, &zero);
        let exact = lv_volumes(&p).1;
        assert!((v - exact).abs() < 2e-3 * exact, "cavity {v} vs {exact} mm³");
        let shift = vec![[1.0, -2.0, 3.0]; mesh.nodes().len()];
        assert!((cavity.volume(&mesh, &shift) - v).abs() < 1e-9 * v);
        // A closed surface (the whole boundary) encloses the mesh's own volume.
        let all = Cavity::new(&mesh, &mesh.boundary_faces()).unwrap();
        assert!((all.volume(&mesh, &zero) + mesh.volume()).abs() < 1e-9 * mesh.volume());
    }
}
