//! Patch test: on distorted meshes, a linear displacement imposed on the boundary is reproduced
//! exactly inside (to rounding), and the stress is the constant `D ε`.

use organ_twin::fem::{constraint, post, Assembler, Dirichlet, LinearElastic};
use organ_twin::mesh::cell::TET_EDGES;
use organ_twin::mesh::generate::{beam, BeamParams, Order};
use organ_twin::mesh::Mesh;
use organ_twin::progress::Silent;
use organ_twin::solve::{self, Backend, Method, SolveParams};

use crate::common::{backends, Rng};

/// Unit cube, 3 × 3 × 3 Kuhn cubes; interior vertices moved by up to 30 % of the cell size;
/// Tet10 mid-nodes kept at the (moved) edge midpoints, so cells stay straight-sided.
fn distorted_cube(order: Order) -> Mesh {
    let m = beam(&BeamParams { size: [1.0; 3], divisions: [3; 3], order }).unwrap();
    let mut x = m.nodes().to_vec();
    let mut vertex = vec![false; x.len()];
    for c in 0..m.cell_count() {
        for &v in &m.cell_nodes(c)[..4] {
            vertex[v] = true;
        }
    }
    let mut rng = Rng(7);
    for (n, p) in x.iter_mut().enumerate() {
        if vertex[n] && p.iter().all(|&c| c > 1e-9 && c < 1.0 - 1e-9) {
            for c in p.iter_mut() {
                *c += 0.3 / 3.0 * rng.symmetric();
            }
        }
    }
    if order == Order::Quadratic {
        for c in 0..m.cell_count() {
            let nodes = m.cell_nodes(c);
            for (e, [a, b]) in TET_EDGES.iter().enumerate() {
                let mid = std::array::from_fn(|k| 0.5 * (x[nodes[*a]][k] + x[nodes[*b]][k]));
                x[nodes[4 + e]] = mid;
            }
        }
    }
    m.with_nodes(x).unwrap()
}

fn linear_field(p: [f64; 3]) -> [f64; 3] {
    let a = [[1e-3, 2e-4, -3e-4], [5e-4, -2e-3, 1e-4], [-1e-4, 3e-4, 1.5e-3]];
    let c = [1e-3, -2e-3, 5e-4];
    std::array::from_fn(|i| c[i] + (0..3).map(|j| a[i][j] * p[j]).sum::<f64>())
}

fn patch(backend: &Backend, order: Order) {
    let mesh = distorted_cube(order);
    let material = LinearElastic::new(200e9, 0.3).unwrap();
    let materials = vec![material; mesh.cell_count()];
    let assembler = Assembler::new(&mesh).unwrap();
    let mut k = assembler.zero_matrix();
    assembler.assemble(&materials, &mut k).unwrap();
    let dofs = assembler.dofs();
    let mut boundary: Vec<usize> = mesh.boundary_faces().iter().flat_map(|&f| mesh.face_nodes(f)).collect();
    boundary.sort_unstable();
    boundary.dedup();
    let bc = Dirichlet::new(
        boundary
            .iter()
            .flat_map(|&n| (0..3).map(move |c| (n, c)))
            .map(|(n, c)| (dofs.dof(n, c).unwrap(), linear_field(mesh.nodes()[n])[c]))
            .collect(),
    );
    let f = vec![0.0; dofs.len()];
    let (a, b) = constraint::constrain(&k, &f, &bc);
    let mut x = bc.lifting(dofs.len());
    // The GPU solves by CG to 1e-13 (its residual is f64), so that the field is exact to the
    // same 1e-10 as the direct solve.
    let params = match backend {
        Backend::Gpu(_) => SolveParams { method: Method::Cg, rtol: 1e-13, ..SolveParams::default() },
        _ => SolveParams { method: Method::Direct, ..SolveParams::default() },
    };
    solve::solve(&a, &b, &mut x, &params, backend, &Silent).unwrap();
    let u = dofs.to_nodes(&x);
    let scale =
        mesh.nodes().iter().map(|p| linear_field(*p).iter().fold(0.0f64, |m, v| m.max(v.abs()))).fold(0.0, f64::max);
    let interior = (0..mesh.nodes().len()).filter(|n| boundary.binary_search(n).is_err()).count();
    assert!(interior > 0);
    for (n, p) in mesh.nodes().iter().enumerate() {
        let exact = linear_field(*p);
        for k in 0..3 {
            // Exact up to rounding: 1e-10 relative leaves 6 orders above f64 noise for ~10³ DOFs.
            assert!((u[n][k] - exact[k]).abs() <= 1e-10 * scale, "node {n} comp {k}: {} vs {}", u[n][k], exact[k]);
        }
    }
    // Constant stress D ε, with ε the symmetric part of the field's gradient.
    let g = [[1e-3, 2e-4, -3e-4], [5e-4, -2e-3, 1e-4], [-1e-4, 3e-4, 1.5e-3]];
    let eps = [g[0][0], g[1][1], g[2][2], g[0][1] + g[1][0], g[1][2] + g[2][1], g[0][2] + g[2][0]];
    let sigma = material.stress(&eps);
    let cells = post::cell_results(&mesh, &materials, &u);
    let smax = sigma.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    for s in &cells.stress {
        for k in 0..6 {
            assert!((s[k] - sigma[k]).abs() <= 1e-8 * smax, "stress {k}: {} vs {}", s[k], sigma[k]);
        }
    }
}

#[test]
fn patch_test_tet4_distorted() {
    for backend in backends() {
        patch(&backend, Order::Linear);
    }
}

#[test]
fn patch_test_tet10_distorted() {
    for backend in backends() {
        patch(&backend, Order::Quadratic);
    }
}
