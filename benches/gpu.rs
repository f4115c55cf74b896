//! GPU against CPU on the benchmark brick (`organ_twin::twin::benchmark`, about 6 n³ DOFs):
//!
//! - `spmv`: one product, CPU CSR f64 (rayon) against the GPU's BSR and CSR f32 kernels
//!   (bytes: each value, index and vector entry once, per layout and precision);
//! - `cg_solve`: a whole solve to rtol 1e-10, CPU f64 block-Jacobi PCG against the GPU solver
//!   (f32 CG with f64 residual replacement); throughput is the bytes of one CG iteration, so the
//!   figures compare, not add up.
//!
//! Run with `cargo bench --bench gpu`; without an adapter only the CPU cases run. The GPU
//! timings are wall-clock of submissions (launches and readbacks included), not kernel timers.

use std::sync::Arc;

use criterion::{criterion_main, BenchmarkId, Criterion, Throughput};
use organ_twin::gpu::bench::CsrSpmv;
use organ_twin::gpu::kernels::Precision;
use organ_twin::gpu::{Gpu, GpuOptions, GpuPcg};
use organ_twin::progress::Silent;
use organ_twin::solve::gpu::preconditioner_blocks;
use organ_twin::solve::{self, Backend, GpuBackend, Preconditioner, PreconditionerKind, SolveParams};
use organ_twin::twin::benchmark::{brick, BenchSystem};

const SPMV_SIZES: [usize; 3] = [8, 24, 55];
const SOLVE_SIZES: [usize; 2] = [8, 24];

fn bsr_bytes(s: &BenchSystem, blocks: u64) -> u64 {
    let (n, nodes) = (s.a.nrows() as u64, s.a.nrows() as u64 / 3);
    40 * blocks + 4 * (nodes + 1) + 36 * nodes + 8 * n
}

fn csr_bytes(s: &BenchSystem, value: u64, index: u64) -> u64 {
    let n = s.a.nrows() as u64;
    (value + index) * s.a.nnz() as u64 + index * (n + 1) + 2 * value * n
}

fn gpu() -> Option<Arc<Gpu>> {
    Gpu::new(&GpuOptions::default()).inspect_err(|e| eprintln!("GPU benches skipped: {e}")).ok()
}

fn spmv(c: &mut Criterion, gpu: &Option<Arc<Gpu>>) {
    let mut group = c.benchmark_group("spmv");
    group.sample_size(10);
    for n in SPMV_SIZES {
        let s = brick(n).unwrap();
        let id = |name: &str| BenchmarkId::new(name, format!("{}dofs", s.a.nrows()));
        let x = vec![1.0; s.a.nrows()];
        let mut y = vec![0.0; s.a.nrows()];
        group.throughput(Throughput::Bytes(csr_bytes(&s, 8, 8)));
        group.bench_function(id("cpu_csr_f64"), |b| b.iter(|| solve::vector::spmv(&s.a, &x, &mut y)));
        let Some(gpu) = gpu else { continue };
        let mut engine = GpuPcg::new(gpu.clone(), &s.a, Precision::F32).unwrap();
        let m = Preconditioner::new(PreconditionerKind::BlockJacobi, &s.a).unwrap();
        engine.set_matrix(&s.a, &preconditioner_blocks(&m, s.a.nrows() / 3)).unwrap();
        engine.start(&x, 0.0, 0.0);
        engine.run(1).unwrap();
        group.throughput(Throughput::Bytes(bsr_bytes(&s, engine.bsr().blocks() as u64)));
        group.bench_function(id("gpu_bsr_f32"), |b| b.iter(|| engine.run_spmv(1).unwrap()));
        drop(engine);
        let csr = CsrSpmv::new(gpu.clone(), &s.a).unwrap();
        group.throughput(Throughput::Bytes(csr_bytes(&s, 4, 4)));
        group.bench_function(id("gpu_csr_f32"), |b| b.iter(|| csr.time(1).unwrap()));
    }
    group.finish();
}

fn cg_solve(c: &mut Criterion, gpu: &Option<Arc<Gpu>>) {
    let mut group = c.benchmark_group("cg_solve");
    group.sample_size(10);
    let params = SolveParams::default();
    for n in SOLVE_SIZES {
        let s = brick(n).unwrap();
        let id = |name: &str| BenchmarkId::new(name, format!("{}dofs", s.a.nrows()));
        let solve_on = |backend: &Backend| {
            let mut x = vec![0.0; s.b.len()];
            solve::solve(&s.a, &s.b, &mut x, &params, backend, &Silent).unwrap();
        };
        group.throughput(Throughput::Bytes(csr_bytes(&s, 8, 8)));
        group.bench_function(id("cpu_f64"), |b| b.iter(|| solve_on(&Backend::Cpu)));
        let Some(gpu) = gpu else { continue };
        // One backend across iterations: its engine (buffers) is built once, as in a Newton loop.
        let backend = Backend::Gpu(Arc::new(GpuBackend::new(gpu.clone())));
        group.throughput(Throughput::Bytes(bsr_bytes(&s, s.a.nnz() as u64 / 9)));
        group.bench_function(id("gpu_f32_refined"), |b| b.iter(|| solve_on(&backend)));
    }
    group.finish();
}

fn benches(c: &mut Criterion) {
    let gpu = gpu();
    spmv(c, &gpu);
    cg_solve(c, &gpu);
}

#[allow(missing_docs, reason = "criterion_group! expands to an undocumented function")]
mod group {
    criterion::criterion_group!(gpu_benches, super::benches);
}

criterion_main!(group::gpu_benches);
