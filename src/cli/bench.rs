//! `organ-twin bench`: GPU solver throughput against the device's own copy bandwidth and the
//! CPU reference, on bricks of growing size (see [`crate::twin::benchmark`]).
//!
//! Per size, in this order and in one process: the BSR and CSR SpMV kernels (wall time of many
//! products in one submission), CG iterations (batches of [`BATCH`] with one readback each, as
//! the solver runs them), a full solve to the f64 tolerance on the GPU, and the same solve by
//! the CPU reference (f64 block-Jacobi PCG on all cores), and CPU CG with the AMG preconditioner
//! (setup and solve timed apart, with the hierarchy's levels, complexity and memory), and the
//! same AMG-CG on the GPU (the hierarchy built on the CPU, its setup including the coarse
//! inverse and the upload; the V-cycle in f32 on the GPU). Bytes are
//! the minimum each kernel must move (each value, index and vector entry once).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;

use super::run::{EXIT_SOLVE, EXIT_UNAVAILABLE};
use super::{report, Failure, EXIT_CANT_CREATE};
use crate::gpu::bench::{copy_bandwidth, CsrSpmv};
use crate::gpu::kernels::Precision;
use crate::gpu::{Gpu, GpuError, GpuOptions, GpuPcg};
use crate::io;
use crate::progress::Silent;
use crate::solve::gpu::{preconditioner_blocks, BATCH};
use crate::solve::{
    self, AmgParams, Backend, GpuBackend, Hierarchy, NearNullspace, Preconditioner, PreconditionerKind, SolveParams,
};
use crate::twin::benchmark::{brick, divisions_for, BenchSystem};

/// One kernel's figures.
#[derive(Debug, Clone, Serialize)]
struct Kernel {
    bytes: u64,
    ms: f64,
    gb_per_s: f64,
    percent_of_copy: f64,
}

impl Kernel {
    fn new(bytes: u64, seconds: f64, copy: f64) -> Self {
        let rate = bytes as f64 / seconds;
        Kernel { bytes, ms: 1e3 * seconds, gb_per_s: rate / 1e9, percent_of_copy: 100.0 * rate / copy }
    }
}

/// A full solve.
#[derive(Debug, Clone, Serialize)]
struct Solve {
    iterations: usize,
    refinements: usize,
    precision: String,
    relative_residual: f64,
    seconds: f64,
}

/// An AMG-CG solve (CPU or GPU): setup and solve apart.
#[derive(Debug, Clone, Serialize)]
struct AmgSolve {
    iterations: usize,
    relative_residual: f64,
    setup_seconds: f64,
    solve_seconds: f64,
    ms_per_iteration: f64,
    levels: usize,
    operator_complexity: f64,
    /// Bytes of the hierarchy beyond the fine matrix, and their ratio to the fine matrix's.
    memory_bytes: usize,
    memory_ratio: f64,
}

/// One size.
#[derive(Debug, Clone, Serialize)]
struct Size {
    dofs: usize,
    nonzeros: usize,
    blocks: usize,
    spmv_bsr: Kernel,
    spmv_csr: Kernel,
    cg_iteration: Kernel,
    /// Measured ms per iteration minus the time its bytes take at the copy bandwidth.
    overhead_ms_per_iteration: f64,
    gpu_solve: Solve,
    cpu_solve: Option<Solve>,
    cpu_amg: Option<AmgSolve>,
    /// AMG-CG on the GPU (f32 V-cycle and CG, f64 residual replacement).
    gpu_amg: AmgSolve,
    /// CPU seconds / GPU seconds to the same tolerance, same run.
    speedup: Option<f64>,
}

/// The whole run.
#[derive(Debug, Clone, Serialize)]
struct Report {
    adapter: String,
    hardware: bool,
    copy_gb_per_s: f64,
    cpu_threads: usize,
    rtol: f64,
    sizes: Vec<Size>,
    stopped: Option<String>,
}

fn gpu_failure(e: GpuError) -> Failure {
    Failure { code: EXIT_UNAVAILABLE, message: e.to_string() }
}

/// Runs `f` `reps` times after one warm-up and returns seconds per call.
fn per_call(reps: usize, mut f: impl FnMut(usize) -> Result<(), GpuError>) -> Result<f64, GpuError> {
    f(1)?;
    let start = Instant::now();
    f(reps)?;
    Ok(start.elapsed().as_secs_f64() / reps as f64)
}

/// Repetitions that take about a quarter of a second, from one timed call.
fn repetitions(mut f: impl FnMut(usize) -> Result<(), GpuError>) -> Result<usize, GpuError> {
    let start = Instant::now();
    f(1)?;
    Ok(((0.25 / start.elapsed().as_secs_f64().max(1e-6)) as usize).clamp(3, 2000))
}

fn measure(gpu: &Arc<Gpu>, sys: &BenchSystem, copy: f64, cpu: bool, rtol: f64) -> Result<Size, Failure> {
    let (a, b) = (&sys.a, &sys.b);
    let (n, nodes) = (a.nrows() as u64, a.nrows() as u64 / 3);
    // 1. SpMV, both layouts (f32).
    let mut engine = GpuPcg::new(gpu.clone(), a, Precision::F32).map_err(gpu_failure)?;
    let m = Preconditioner::new(PreconditionerKind::BlockJacobi, a).map_err(solve_failure)?;
    engine.set_matrix(a, &preconditioner_blocks(&m, nodes as usize)).map_err(gpu_failure)?;
    let blocks = engine.bsr().blocks() as u64;
    let b_norm = b.iter().map(|v| v * v).sum::<f64>().sqrt();
    let r: Vec<f64> = b.iter().map(|v| v / b_norm).collect();
    engine.start(&r, 0.0, 0.0);
    engine.run(1).map_err(gpu_failure)?;
    let reps = repetitions(|k| engine.run_spmv(k)).map_err(gpu_failure)?;
    let t_bsr = per_call(reps, |k| engine.run_spmv(k)).map_err(gpu_failure)?;
    // values + block columns + row offsets + row sums + x + y (f32)
    let bsr_bytes = 36 * blocks + 4 * blocks + 4 * (nodes + 1) + 36 * nodes + 4 * n + 4 * n;
    let csr = CsrSpmv::new(gpu.clone(), a).map_err(gpu_failure)?;
    let reps = repetitions(|k| csr.time(k).map(|_| ())).map_err(gpu_failure)?;
    let t_csr = per_call(reps, |k| csr.time(k).map(|_| ())).map_err(gpu_failure)?;
    let csr_bytes = 8 * a.nnz() as u64 + 4 * (n + 1) + 8 * n;
    drop(csr);
    // 2. CG iterations as the solver runs them: batches with one state readback each.
    engine.start(&r, 0.0, 0.0);
    let first = engine.run(BATCH).map_err(gpu_failure)?.iteration;
    let start = Instant::now();
    let mut last = first;
    for _ in 0..4 {
        last = engine.run(BATCH).map_err(gpu_failure)?.iteration;
    }
    let t_iter = start.elapsed().as_secs_f64() / (last - first).max(1) as f64;
    // SpMV + update (x, r, p, q, M⁻¹ in; x, r out) + direction (r, M⁻¹, p in; p out)
    let cg_bytes = bsr_bytes + (4 * 4 * n + 36 * nodes + 2 * 4 * n) + (2 * 4 * n + 36 * nodes + 4 * n);
    drop(engine);
    // 3. Full solves to the f64 tolerance.
    let params = SolveParams { rtol, max_iterations: 100_000, ..SolveParams::default() };
    let backend = Backend::Gpu(Arc::new(GpuBackend::new(gpu.clone())));
    let timed = |backend: &Backend| -> Result<Solve, Failure> {
        let start = Instant::now();
        let mut x = vec![0.0; b.len()];
        let r = solve::solve(a, b, &mut x, &params, backend, &Silent).map_err(solve_failure)?;
        let seconds = start.elapsed().as_secs_f64();
        let (iterations, refinements) = (r.iterations, r.refinements);
        Ok(Solve { iterations, refinements, precision: r.precision, relative_residual: r.relative_residual, seconds })
    };
    let gpu_solve = timed(&backend)?;
    let cpu_solve = if cpu { Some(timed(&Backend::Cpu)?) } else { None };
    let cpu_amg = if cpu { Some(amg_solve(sys, rtol, None)?) } else { None };
    let gpu_amg = amg_solve(sys, rtol, Some(gpu))?;
    let cg_iteration = Kernel::new(cg_bytes, t_iter, copy);
    Ok(Size {
        dofs: a.nrows(),
        nonzeros: a.nnz(),
        blocks: blocks as usize,
        spmv_bsr: Kernel::new(bsr_bytes, t_bsr, copy),
        spmv_csr: Kernel::new(csr_bytes, t_csr, copy),
        overhead_ms_per_iteration: 1e3 * (t_iter - cg_bytes as f64 / copy),
        cg_iteration,
        speedup: cpu_solve.as_ref().map(|c| c.seconds / gpu_solve.seconds),
        gpu_solve,
        cpu_solve,
        cpu_amg,
        gpu_amg,
    })
}

/// AMG-CG with the brick's rigid-body modes, on the CPU or (with `gpu`) on the GPU.
fn amg_solve(sys: &BenchSystem, rtol: f64, gpu: Option<&Arc<Gpu>>) -> Result<AmgSolve, Failure> {
    let (a, b) = (&sys.a, &sys.b);
    let start = Instant::now();
    let ns = NearNullspace::rigid_body_modes(&sys.coords).map_err(|e| solve_failure(e.into()))?;
    let h = Hierarchy::build(a, &ns, &AmgParams::default()).map_err(|e| solve_failure(e.into()))?;
    let setup_seconds = start.elapsed().as_secs_f64();
    let params =
        SolveParams { preconditioner: PreconditionerKind::Amg, rtol, max_iterations: 1000, ..SolveParams::default() };
    let report = solve::SolveReport { amg: Some(h.report().clone()), ..solve::SolveReport::empty(&params, a) };
    let mut x = vec![0.0; b.len()];
    let (r, setup_seconds) = match gpu {
        None => {
            let r = solve::cg::pcg(a, b, &mut x, &h.preconditioner(a), &params, report, &Silent);
            (r.map_err(solve_failure)?, setup_seconds)
        }
        Some(gpu) => {
            // solve_amg adds the engine, coarse inverse and upload time to the hierarchy's.
            let backend = GpuBackend::new(gpu.clone());
            let r = backend.solve_amg(a, b, &mut x, &h, &params, report, &Silent).map_err(solve_failure)?;
            let gpu_setup = r.amg.as_ref().map_or(0.0, |m| m.setup_seconds - h.report().setup_seconds);
            (r, setup_seconds + gpu_setup)
        }
    };
    let fine = 12 * a.nnz() + 8 * (a.nrows() + 1);
    let amg = h.report();
    Ok(AmgSolve {
        iterations: r.iterations,
        relative_residual: r.relative_residual,
        setup_seconds,
        solve_seconds: r.seconds,
        ms_per_iteration: 1e3 * r.seconds / r.iterations.max(1) as f64,
        levels: amg.levels.len(),
        operator_complexity: amg.operator_complexity,
        memory_bytes: amg.memory_bytes,
        memory_ratio: amg.memory_bytes as f64 / fine as f64,
    })
}

fn solve_failure(e: solve::SolveError) -> Failure {
    let code = if matches!(e, solve::SolveError::Gpu(_)) { EXIT_UNAVAILABLE } else { EXIT_SOLVE };
    Failure { code, message: format!("benchmark solve: {e}") }
}

fn export(dir: &Path, sys: &BenchSystem) -> Result<(), Failure> {
    let dir = dir.join(format!("brick_{}dofs", sys.a.nrows()));
    std::fs::create_dir_all(&dir).map_err(|e| Failure {
        code: EXIT_CANT_CREATE,
        message: format!("{}: cannot create the export folder: {e}", dir.display()),
    })?;
    io::write_matrix_market(&dir.join("K.mtx"), &sys.a)?;
    io::write_vector_market(&dir.join("b.mtx"), &sys.b)?;
    // Node coordinates, node-major (x, y, z per DOF node), for benches/pyamg_amg.py.
    io::write_vector_market(&dir.join("coords.mtx"), sys.coords.as_flattened())?;
    Ok(())
}

fn print_size(out: &mut dyn std::io::Write, s: &Size) -> std::io::Result<()> {
    let k = |k: &Kernel| format!("{:>8.3} ms {:>7.1} GB/s {:>5.1} %", k.ms, k.gb_per_s, k.percent_of_copy);
    writeln!(out, "{:>9} DOFs, {:>10} nonzeros", s.dofs, s.nonzeros)?;
    writeln!(out, "  SpMV BSR      {}", k(&s.spmv_bsr))?;
    writeln!(out, "  SpMV CSR      {}", k(&s.spmv_csr))?;
    writeln!(
        out,
        "  CG iteration  {}  ({} B, overhead {:.3} ms)",
        k(&s.cg_iteration),
        s.cg_iteration.bytes,
        s.overhead_ms_per_iteration
    )?;
    let g = &s.gpu_solve;
    writeln!(
        out,
        "  GPU solve     {} iterations ({} f64 replacements, {}), residual {:.1e}, {:.3} s",
        g.iterations, g.refinements, g.precision, g.relative_residual, g.seconds
    )?;
    if let (Some(c), Some(speedup)) = (&s.cpu_solve, s.speedup) {
        writeln!(
            out,
            "  CPU solve     {} iterations (f64), {:.3} s: GPU speedup {speedup:.1}x",
            c.iterations, c.seconds
        )?;
    }
    if let Some(m) = &s.cpu_amg {
        writeln!(
            out,
            "  CPU AMG-CG    {} iterations (f64), setup {:.3} s + solve {:.3} s ({:.2} ms/iteration), {} levels, \
             complexity {:.2}, hierarchy {:.2}x the matrix",
            m.iterations,
            m.setup_seconds,
            m.solve_seconds,
            m.ms_per_iteration,
            m.levels,
            m.operator_complexity,
            m.memory_ratio
        )?;
    }
    let g = &s.gpu_amg;
    writeln!(
        out,
        "  GPU AMG-CG    {} iterations (f32 V-cycle, f64 residual), setup {:.3} s (CPU hierarchy, coarse inverse, \
         upload) + solve {:.3} s ({:.2} ms/iteration), residual {:.1e}",
        g.iterations, g.setup_seconds, g.solve_seconds, g.ms_per_iteration, g.relative_residual
    )?;
    Ok(())
}

/// Options of `organ-twin bench`.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Target DOFs per size.
    pub sizes: Vec<f64>,
    /// JSON report file.
    pub json: Option<PathBuf>,
    /// Folder for the Matrix Market systems (for `benches/cupy_cg.py` and `benches/pyamg_amg.py`).
    pub export: Option<PathBuf>,
    /// Skip the CPU reference solve.
    pub no_cpu: bool,
    /// Tolerance of the full solves.
    pub rtol: f64,
}

/// `organ-twin bench`.
pub fn run(options: &BenchOptions, quiet: bool) -> Result<(), Failure> {
    let gpu = Gpu::new(&GpuOptions::default()).map_err(gpu_failure)?;
    if !gpu.is_hardware() && !quiet {
        eprintln!("warning: {} is a software adapter: these timings are not GPU figures", gpu.describe());
    }
    let copy = copy_bandwidth(&gpu, 256 << 20, 20, 3).map_err(gpu_failure)?;
    let mut report_data = Report {
        adapter: gpu.describe(),
        hardware: gpu.is_hardware(),
        copy_gb_per_s: copy / 1e9,
        cpu_threads: rayon::current_num_threads(),
        rtol: options.rtol,
        sizes: Vec::new(),
        stopped: None,
    };
    if !quiet {
        eprintln!(
            "{}: copy bandwidth {:.1} GB/s; CPU reference on {} threads",
            report_data.adapter,
            copy / 1e9,
            report_data.cpu_threads
        );
    }
    for &target in &options.sizes {
        let sys = brick(divisions_for(target))
            .map_err(|e| Failure { code: EXIT_SOLVE, message: format!("building the benchmark brick: {e}") })?;
        if let Some(dir) = &options.export {
            export(dir, &sys)?;
        }
        match measure(&gpu, &sys, copy, !options.no_cpu, options.rtol) {
            Ok(size) => {
                report(|out| print_size(out, &size))?;
                report_data.sizes.push(size);
            }
            // The largest that fits: stop at the first size the device cannot hold.
            Err(f) if f.code == EXIT_UNAVAILABLE && !report_data.sizes.is_empty() => {
                report_data.stopped = Some(format!("{} DOFs: {}", sys.a.nrows(), f.message));
                if !quiet {
                    eprintln!("stopped at {} DOFs: {}", sys.a.nrows(), f.message);
                }
                break;
            }
            Err(f) => return Err(f),
        }
    }
    if let Some(path) = &options.json {
        let text = serde_json::to_string_pretty(&report_data).expect("the report serializes");
        io::write_atomic(path, |w| writeln!(w, "{text}"))?;
    }
    Ok(())
}
