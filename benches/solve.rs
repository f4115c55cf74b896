//! Assembly and CPU conjugate-gradient throughput on procedural beams of growing size, up to
//! about 1e6 DOFs (beam `4n × n × n` Kuhn cubes, Tet4, fixed at x = 0).
//!
//! - `assembly`: parallel value refill on a fixed pattern (elements/s);
//! - `spmv`: one CSR product (bytes: values + column indices + row offsets + x + y);
//! - `cg_50`: 50 block-Jacobi PCG iterations (the per-iteration cost of a solve);
//! - `amg_setup`: the smoothed-aggregation hierarchy with the rigid-body modes;
//! - `amg_cg`: a whole AMG-CG solve to rtol 1e-8 on a built hierarchy (iterations printed).
//!
//! Run with `cargo bench --bench solve`; figures are in the README.

use criterion::{criterion_main, BenchmarkId, Criterion, Throughput};
use organ_twin::fem::{constraint, Assembler, Dirichlet, LinearElastic};
use organ_twin::mesh::generate::{beam, BeamParams, Order};
use organ_twin::progress::Silent;
use organ_twin::solve::{self, AmgParams, Backend, Hierarchy, NearNullspace, PreconditionerKind, SolveParams};

const SIZES: [usize; 4] = [8, 16, 32, 44];

struct Case {
    assembler: Assembler,
    materials: Vec<LinearElastic>,
    a: nalgebra_sparse::CsrMatrix<f64>,
    b: Vec<f64>,
    nullspace: NearNullspace,
}

fn case(n: usize) -> Case {
    let mesh = beam(&BeamParams { size: [4.0, 1.0, 1.0], divisions: [4 * n, n, n], order: Order::Linear }).unwrap();
    let materials = vec![LinearElastic::new(200e9, 0.3).unwrap(); mesh.cell_count()];
    let assembler = Assembler::new(&mesh).unwrap();
    let mut k = assembler.zero_matrix();
    assembler.assemble(&materials, &mut k).unwrap();
    let dofs = assembler.dofs();
    let mut fixed = Vec::new();
    let mut f = vec![0.0; dofs.len()];
    for (node, p) in mesh.nodes().iter().enumerate() {
        if p[0] == 0.0 {
            fixed.extend((0..3).map(|c| (dofs.dof(node, c).unwrap(), 0.0)));
        } else if p[0] == 4.0 {
            f[dofs.dof(node, 2).unwrap()] = -1.0;
        }
    }
    let (a, b) = constraint::constrain(&k, &f, &Dirichlet::new(fixed));
    let coords: Vec<[f64; 3]> = (0..dofs.slots()).map(|s| mesh.nodes()[dofs.node(s)]).collect();
    let nullspace = NearNullspace::rigid_body_modes(&coords).unwrap();
    Case { assembler, materials, a, b, nullspace }
}

fn spmv_bytes(a: &nalgebra_sparse::CsrMatrix<f64>) -> u64 {
    let (n, nnz) = (a.nrows() as u64, a.nnz() as u64);
    nnz * (8 + 8) + (n + 1) * 8 + 2 * n * 8
}

fn benches(c: &mut Criterion) {
    let mut assembly = c.benchmark_group("assembly");
    assembly.sample_size(10);
    let cases: Vec<(usize, Case)> = SIZES.iter().map(|&n| (n, case(n))).collect();
    for (n, case) in &cases {
        let dofs = case.a.nrows();
        assembly.throughput(Throughput::Elements(case.assembler.cell_count() as u64));
        let mut k = case.assembler.zero_matrix();
        assembly.bench_with_input(BenchmarkId::new("tet4", format!("n{n}_{dofs}dofs")), case, |bench, case| {
            bench.iter(|| case.assembler.assemble(&case.materials, &mut k).unwrap())
        });
    }
    assembly.finish();

    let mut spmv = c.benchmark_group("spmv");
    spmv.sample_size(10);
    for (n, case) in &cases {
        spmv.throughput(Throughput::Bytes(spmv_bytes(&case.a)));
        let x = vec![1.0; case.a.nrows()];
        let mut y = vec![0.0; case.a.nrows()];
        spmv.bench_with_input(
            BenchmarkId::new("csr_f64", format!("n{n}_{}dofs", case.a.nrows())),
            case,
            |bench, case| bench.iter(|| solve::vector::spmv(&case.a, &x, &mut y)),
        );
    }
    spmv.finish();

    let mut cg = c.benchmark_group("cg_50");
    cg.sample_size(10);
    for (n, case) in &cases {
        cg.throughput(Throughput::Bytes(50 * spmv_bytes(&case.a)));
        let params = SolveParams { rtol: 1e-30, max_iterations: 50, ..SolveParams::default() };
        cg.bench_with_input(
            BenchmarkId::new("block_jacobi_f64", format!("n{n}_{}dofs", case.a.nrows())),
            case,
            |bench, case| {
                bench.iter(|| {
                    let mut x = vec![0.0; case.b.len()];
                    // 50 iterations, then the expected "not converged" with its report.
                    let r = solve::solve(&case.a, &case.b, &mut x, &params, &Backend::Cpu, &Silent);
                    assert_eq!(r.unwrap_err().report().map(|r| r.iterations), Some(50));
                })
            },
        );
    }
    cg.finish();

    // AMG on the sizes up to ~4e5 DOFs (the largest takes minutes per sample on two cores).
    let mut amg = c.benchmark_group("amg_setup");
    amg.sample_size(10);
    for (n, case) in cases.iter().take(3) {
        amg.bench_with_input(
            BenchmarkId::new("sa_rbm", format!("n{n}_{}dofs", case.a.nrows())),
            case,
            |bench, case| bench.iter(|| Hierarchy::build(&case.a, &case.nullspace, &AmgParams::default()).unwrap()),
        );
    }
    amg.finish();
    let mut amg = c.benchmark_group("amg_cg");
    amg.sample_size(10);
    for (n, case) in cases.iter().take(3) {
        let h = Hierarchy::build(&case.a, &case.nullspace, &AmgParams::default()).unwrap();
        let params = SolveParams { preconditioner: PreconditionerKind::Amg, rtol: 1e-8, ..SolveParams::default() };
        let solve = |case: &Case| {
            let mut x = vec![0.0; case.b.len()];
            let report = solve::SolveReport::empty(&params, &case.a);
            solve::cg::pcg(&case.a, &case.b, &mut x, &h.preconditioner(&case.a), &params, report, &Silent)
                .unwrap()
                .iterations
        };
        eprintln!("amg_cg n{n}: {} iterations, {:?}", solve(case), h.report().levels);
        amg.bench_with_input(
            BenchmarkId::new("rtol_1e-8", format!("n{n}_{}dofs", case.a.nrows())),
            case,
            |bench, case| bench.iter(|| solve(case)),
        );
    }
    amg.finish();
}

#[allow(missing_docs, reason = "criterion_group! expands to an undocumented function")]
mod group {
    criterion::criterion_group!(solve_benches, super::benches);
}

criterion_main!(group::solve_benches);
