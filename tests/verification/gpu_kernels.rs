//! Every WGSL kernel against its CPU twin (`reference()`, f32 in the kernel's order) on a
//! hand-checked tiny case, seeded random data and the implant's stiffness matrix.
//!
//! Tolerances: the GPU may contract `a·b + c` into a fused multiply-add, so it and the twin may
//! round differently. Each of two f32 evaluations of a sum of k products differs from the exact
//! value by at most γ_k Σ|terms| (γ_k = k u / (1 − k u), u = 2⁻²⁴, Higham §3.1), so they differ
//! from each other by at most 2 γ_k Σ|terms|; k counts the products and the additions of the
//! workgroup tree (8 levels) and of the final strided reduction.

use nalgebra_sparse::{CooMatrix, CsrMatrix};
use organ_twin::gpu::cg::Vector;
use organ_twin::gpu::kernels::cg_reduce::{self, Step, REDUCED, RUNNING};
use organ_twin::gpu::kernels::cg_update::VecParams;
use organ_twin::gpu::kernels::spmv_bsr::MatrixChunk;
use organ_twin::gpu::kernels::{cg_direction, cg_update, copy, spmv_bsr, spmv_csr, Precision, Scalars};
use organ_twin::gpu::{GpuPcg, HISTORY_CAPACITY as HISTORY};
use organ_twin::solve::gpu::preconditioner_blocks;
use organ_twin::solve::{Preconditioner, PreconditionerKind};

use crate::common::{build, gpu, Rng};

const U: f64 = 1.0 / 16_777_216.0;

fn gamma(k: usize) -> f64 {
    k as f64 * U / (1.0 - k as f64 * U)
}

/// The tiny case: A = [[2I, I], [I, 3I]] (identity blocks), x = 1..6, so A x =
/// (6, 9, 12, 13, 17, 21) by hand.
fn tiny() -> (CsrMatrix<f64>, Vec<f32>, Vec<f64>) {
    let mut coo = CooMatrix::new(6, 6);
    for i in 0..3 {
        coo.push(i, i, 2.0);
        coo.push(i, i + 3, 1.0);
        coo.push(i + 3, i, 1.0);
        coo.push(i + 3, i + 3, 3.0);
    }
    (CsrMatrix::from(&coo), (1..=6).map(|v| v as f32).collect(), vec![6.0, 9.0, 12.0, 13.0, 17.0, 21.0])
}

/// A random symmetric matrix with full 3 × 3 blocks: each node coupled to itself and to a few
/// random others, diagonally dominant (so also usable by CG).
fn random(nodes: usize, rng: &mut Rng) -> CsrMatrix<f64> {
    let mut coo = CooMatrix::new(3 * nodes, 3 * nodes);
    for i in 0..nodes {
        for _ in 0..4 {
            let j = ((rng.symmetric() + 1.0) * 0.5 * nodes as f64) as usize % nodes;
            if j == i {
                continue;
            }
            for (a, b) in [(i, j), (j, i)] {
                for r in 0..3 {
                    for c in 0..3 {
                        let v = if a < b { rng.symmetric() } else { 0.0 };
                        coo.push(3 * a + r, 3 * b + c, v);
                        coo.push(3 * b + c, 3 * a + r, v);
                    }
                }
            }
        }
        for r in 0..3 {
            coo.push(3 * i + r, 3 * i + r, 30.0 + rng.symmetric());
        }
    }
    CsrMatrix::from(&coo)
}

fn implant_matrix() -> CsrMatrix<f64> {
    let mesh = organ_twin::io::read_mesh(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("meshes/implant_in_bone.msh").as_path(),
        &Default::default(),
    )
    .unwrap()
    .mesh;
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("meshes/scenarios/implant_in_bone.toml"),
    )
    .unwrap();
    build(&text, mesh).unwrap().constrained_system().0
}

fn engine(a: &CsrMatrix<f64>) -> Option<GpuPcg> {
    engine_in(a, Precision::F32)
}

fn engine_in(a: &CsrMatrix<f64>, precision: Precision) -> Option<GpuPcg> {
    let gpu = gpu()?;
    let mut e = GpuPcg::new(gpu.gpu().clone(), a, precision).unwrap();
    let m = Preconditioner::new(PreconditionerKind::BlockJacobi, a).unwrap();
    e.set_matrix(a, &preconditioner_blocks(&m, a.nrows() / 3)).unwrap();
    Some(e)
}

fn vector(n: usize, rng: &mut Rng) -> Vec<f32> {
    (0..n).map(|_| rng.symmetric() as f32).collect()
}

fn wide(v: &[f32]) -> Vec<f64> {
    v.iter().map(|&x| x as f64).collect()
}

fn narrow(v: &[f64]) -> Vec<f32> {
    v.iter().map(|&x| x as f32).collect()
}

/// Runs spmv_bsr on the GPU and its twin; checks y row by row and the partials.
fn check_spmv(a: &CsrMatrix<f64>, x: &[f32]) -> Option<Vec<f32>> {
    let mut e = engine(a)?;
    let running = Scalars { status: RUNNING, history_capacity: HISTORY as u32, ..Default::default() };
    e.set_state(running);
    e.write(Vector::P, &wide(x));
    e.run_recorded(|e, pass| e.record_spmv(pass)).unwrap();
    let (q, partials) = (narrow(&e.read(Vector::Q).unwrap()), narrow(&e.read_partials().unwrap()));
    let bsr = e.bsr();
    let (vals, rowsum) = (narrow(&bsr.vals), narrow(&bsr.rowsum));
    let (mut y, mut tp) = (vec![0.0f32; x.len()], vec![0.0f32; partials.len()]);
    for (params, _) in e.spmv_chunks() {
        let (b0, b1) = (params.block_base as usize, bsr.row_ptr[params.row_end as usize] as usize);
        let chunk = MatrixChunk {
            row_ptr: &bsr.row_ptr,
            cols: &bsr.cols[b0..b1],
            vals: &vals[9 * b0..9 * b1],
            rowsum: &rowsum,
        };
        spmv_bsr::reference(&params, &running, chunk, x, &mut y, &mut tp);
    }
    // The kernel's terms: K_ij (x_j − x_i), each difference rounded once, and S_i x_i.
    let mut bound_total = 0.0;
    for row in 0..bsr.block_rows {
        let (k0, k1) = (bsr.row_ptr[row] as usize, bsr.row_ptr[row + 1] as usize);
        for i in 0..3 {
            let xi = |j: usize| x[3 * row + j] as f64;
            let differences: f64 = (k0..k1)
                .flat_map(|k| (0..3).map(move |j| (k, j)))
                .map(|(k, j)| {
                    let d = (x[3 * bsr.cols[k] as usize + j] as f64 - xi(j)).abs() * (1.0 + U) + U * xi(j).abs();
                    (vals[9 * k + 3 * i + j] as f64).abs() * d
                })
                .sum();
            let sums: f64 = (0..3).map(|j| (rowsum[9 * row + 3 * i + j] as f64 * xi(j)).abs()).sum();
            let terms = differences + sums;
            let bound = 2.0 * gamma(9 * (k1 - k0) + 3) * terms;
            let (g, t) = (q[3 * row + i] as f64, y[3 * row + i] as f64);
            assert!((g - t).abs() <= bound, "row {}: gpu {g} twin {t} bound {bound:e}", 3 * row + i);
            bound_total += terms * (x[3 * row + i] as f64).abs();
        }
    }
    let (sum_gpu, sum_twin): (f64, f64) =
        (partials.iter().map(|&v| v as f64).sum(), tp.iter().map(|&v| v as f64).sum());
    let bound = 2.0 * gamma(9 * 27 + 8 + partials.len()) * bound_total;
    assert!((sum_gpu - sum_twin).abs() <= bound, "xᵀAx: gpu {sum_gpu} twin {sum_twin} bound {bound:e}");
    Some(q.iter().map(|v| v / e.scale() as f32).collect())
}

#[test]
fn spmv_bsr_matches_its_twin_and_the_hand_computed_product() {
    let (a, x, by_hand) = tiny();
    let Some(y) = check_spmv(&a, &x) else { return };
    for (g, h) in y.iter().zip(&by_hand) {
        // Small integers: exact in f32, up to the 1/mean-diagonal scaling (one rounding each way).
        assert!((*g as f64 - h).abs() <= 4.0 * U * h, "{y:?} vs {by_hand:?}");
    }
    let mut rng = Rng(7);
    let a = random(700, &mut rng);
    check_spmv(&a, &vector(a.nrows(), &mut rng));
    let a = implant_matrix();
    check_spmv(&a, &vector(a.nrows(), &mut rng));
}

#[test]
fn spmv_csr_twin_agrees_with_the_bsr_twin() {
    // The CSR kernel runs in the benchmark; here its twin (and so its indexing) is checked
    // against the BSR twin on the same matrix, on the GPU in tests/verification/gpu_solver.rs.
    let mut rng = Rng(11);
    let a = random(300, &mut rng);
    let x = vector(a.nrows(), &mut rng);
    let a32 = organ_twin::solve::vector::convert::<f32>(&a);
    let row_ptr: Vec<u32> = a32.row_offsets().iter().map(|&v| v as u32).collect();
    let cols: Vec<u32> = a32.col_indices().iter().map(|&v| v as u32).collect();
    let n = a.nrows() as u32;
    let params = spmv_bsr::SpmvParams { row_end: n, workgroups: n.div_ceil(256), ..Default::default() };
    let (mut y, mut partials) = (vec![0.0; x.len()], vec![0.0; 8]);
    let chunk = MatrixChunk { row_ptr: &row_ptr, cols: &cols, vals: a32.values(), rowsum: &[] };
    spmv_csr::reference(&params, &Scalars::default(), chunk, &x, &mut y, &mut partials);
    let mut exact = vec![0.0f64; x.len()];
    for (i, row) in a.row_iter().enumerate() {
        exact[i] = row.col_indices().iter().zip(row.values()).map(|(&j, v)| v * x[j] as f64).sum();
    }
    for (i, (g, e)) in y.iter().zip(&exact).enumerate() {
        let terms: f64 =
            a.row(i).values().iter().zip(a.row(i).col_indices()).map(|(v, &j)| (v * x[j] as f64).abs()).sum();
        assert!((*g as f64 - e).abs() <= 2.0 * gamma(a.row(i).nnz()) * terms, "row {i}");
    }
}

/// One cg_update + cg_direction on the GPU against the twins, from random state.
fn check_vector_kernels(a: &CsrMatrix<f64>, rng: &mut Rng) {
    let Some(mut e) = engine(a) else { return };
    let n = a.nrows();
    let (x, r, p, q) = (vector(n, rng), vector(n, rng), vector(n, rng), vector(n, rng));
    for (v, data) in [(Vector::X, &x), (Vector::R, &r), (Vector::P, &p), (Vector::Q, &q)] {
        e.write(v, &wide(data));
    }
    let state =
        Scalars { alpha: 0.37, beta: 0.61, status: RUNNING, history_capacity: HISTORY as u32, ..Default::default() };
    e.set_state(state);
    e.run_recorded(|e, pass| {
        e.record_update(pass);
        e.record_direction(pass);
    })
    .unwrap();
    let read = |v| narrow(&e.read(v).unwrap());
    let (gx, gr, gp, gpart) = (read(Vector::X), read(Vector::R), read(Vector::P), narrow(&e.read_partials().unwrap()));
    let m = Preconditioner::new(PreconditionerKind::BlockJacobi, a).unwrap();
    let minv: Vec<f32> =
        preconditioner_blocks(&m, n / 3).iter().flat_map(|b| b.map(|v| (v / e.scale()) as f32)).collect();
    let params = VecParams::new(n / 3);
    let (mut tx, mut tr, mut tp, mut tpart) = (x.clone(), r.clone(), p.clone(), vec![0.0; gpart.len()]);
    cg_update::reference(&params, &state, &mut tx, &mut tr, (&p, &q), &minv, &mut tpart);
    cg_direction::reference(&params, &state, &tr, &minv, &mut tp);
    for i in 0..n {
        let bx = 2.0 * 2.0 * U * (x[i].abs() + (state.alpha * p[i]).abs()) as f64;
        let br = 2.0 * 2.0 * U * (r[i].abs() + (state.alpha * q[i]).abs()) as f64;
        assert!((gx[i] - tx[i]).abs() as f64 <= bx, "x[{i}]: {} vs {}", gx[i], tx[i]);
        assert!((gr[i] - tr[i]).abs() as f64 <= br, "r[{i}]: {} vs {}", gr[i], tr[i]);
        // z = M⁻¹r (3 products) computed from r values that may differ by br, then + βp.
        let node = i / 3;
        let mz: f64 = (0..3).map(|j| (minv[9 * node + 3 * (i % 3) + j] * tr[3 * node + j]).abs() as f64).sum();
        let rows_r: f64 = (0..3).map(|j| minv[9 * node + 3 * (i % 3) + j].abs() as f64).sum::<f64>() * br;
        let bp = 2.0 * gamma(4) * (mz + (state.beta * p[i]).abs() as f64) + rows_r;
        assert!((gp[i] - tp[i]).abs() as f64 <= bp, "p[{i}]: {} vs {} bound {bp:e}", gp[i], tp[i]);
    }
    let rr_terms: f64 = tr.iter().map(|v| (v * v) as f64).sum();
    let (g_rr, t_rr): (f64, f64) = (
        gpart.iter().skip(1).step_by(2).map(|&v| v as f64).sum(),
        tpart.iter().skip(1).step_by(2).map(|&v| v as f64).sum(),
    );
    let bound = 2.0 * gamma(3 + 8 + 4) * rr_terms * 2.0;
    assert!((g_rr - t_rr).abs() <= bound, "r·r {g_rr} vs {t_rr} bound {bound:e}");
}

#[test]
fn cg_update_and_direction_match_their_twins() {
    let mut rng = Rng(23);
    check_vector_kernels(&tiny().0, &mut rng);
    check_vector_kernels(&random(1000, &mut rng), &mut rng);
    check_vector_kernels(&implant_matrix(), &mut rng);
}

#[test]
fn cg_reduce_matches_its_twin_step_by_step() {
    let mut rng = Rng(5);
    let a = random(2000, &mut rng);
    let Some(mut e) = engine(&a) else { return };
    // Drive a few real iterations step by step, comparing the state after every scalar step.
    let r = vector(a.nrows(), &mut rng);
    e.start(&wide(&r), 1e-30, 0.0);
    let mut twin_history = vec![0.0f32; HISTORY];
    let reduce_params = cg_reduce::ReduceParams {
        spmv_partials: e.spmv_chunks().iter().map(|(p, _)| p.workgroups).sum(),
        vec_partials: VecParams::new(a.nrows() / 3).workgroups,
        ..Default::default()
    };
    // The restart sequence of start(): update with α = 0, then Restart; compare after it.
    let before = *e.state();
    e.run_recorded(|e, pass| e.record_update(pass)).unwrap();
    let partials = narrow(&e.read_partials().unwrap());
    let mut twin = before;
    cg_reduce::reference(Step::Restart, &reduce_params, &mut twin, &partials, &mut twin_history);
    e.run_recorded(|e, pass| e.record_reduce(pass, Step::Restart)).unwrap();
    assert_close(e.state(), &twin, &partials);
    e.run_recorded(|e, pass| e.record_direction(pass)).unwrap();
    for _ in 0..3 {
        for (record, step) in [
            (
                Box::new(|e: &GpuPcg, pass: &mut wgpu::ComputePass<'_>| e.record_spmv(pass))
                    as Box<dyn Fn(&GpuPcg, &mut wgpu::ComputePass<'_>)>,
                Step::Alpha,
            ),
            (Box::new(|e: &GpuPcg, pass: &mut wgpu::ComputePass<'_>| e.record_update(pass)), Step::Beta),
        ] {
            e.run_recorded(|e, pass| record(e, pass)).unwrap();
            let partials = narrow(&e.read_partials().unwrap());
            let mut twin = *e.state();
            cg_reduce::reference(step, &reduce_params, &mut twin, &partials, &mut twin_history);
            e.run_recorded(|e, pass| e.record_reduce(pass, step)).unwrap();
            assert_close(e.state(), &twin, &partials);
        }
        e.run_recorded(|e, pass| e.record_direction(pass)).unwrap();
    }
    assert_eq!(e.state().iteration, 3);
    // The stop test: a threshold above the current rr stops at the next Beta step.
    let mut state = *e.state();
    state.rr_stop = 2.0 * state.rr;
    e.set_state(state);
    let batch = e.run(5).unwrap();
    assert_eq!(e.state().status, REDUCED);
    assert_eq!(batch.iteration, 4, "stops after one more iteration, the rest of the batch is inert");
}

/// Same state up to the rounding of sums over the partials (the only arithmetic of the kernel
/// besides one division).
fn assert_close(gpu: &Scalars, twin: &Scalars, partials: &[f32]) {
    let scale: f64 = partials.iter().map(|v| v.abs() as f64).sum();
    let tol = 2.0 * gamma(8 + partials.len() / 256 + 2);
    assert_eq!((gpu.status, gpu.iteration), (twin.status, twin.iteration));
    for (name, g, t) in [("rz", gpu.rz, twin.rz), ("pq", gpu.pq, twin.pq), ("rr", gpu.rr, twin.rr)] {
        assert!(((g - t).abs() as f64) <= tol * scale.max(t.abs() as f64), "{name}: {g} vs {t}");
    }
    for (name, g, t) in [("alpha", gpu.alpha, twin.alpha), ("beta", gpu.beta, twin.beta)] {
        assert!(((g - t).abs() as f64) <= 1e-5 * t.abs().max(1e-30) as f64, "{name}: {g} vs {t}");
    }
}

#[test]
fn f64_spmv_variant_matches_the_cpu_product_to_double_precision() {
    let Some(shared) = gpu() else { return };
    if !shared.gpu().has_f64() {
        eprintln!("no SHADER_F64 on {}: the f64 variants are validated by naga only", shared.gpu().describe());
        return;
    }
    let a = implant_matrix();
    let Some(mut e) = engine_in(&a, Precision::F64) else { return };
    let mut rng = Rng(17);
    let x: Vec<f64> = (0..a.nrows()).map(|_| rng.symmetric()).collect();
    e.set_state(Scalars { history_capacity: HISTORY as u32, ..Default::default() });
    e.write(Vector::P, &x);
    e.run_recorded(|e, pass| e.record_spmv(pass)).unwrap();
    let q = e.read(Vector::Q).unwrap();
    let mut y = vec![0.0; x.len()];
    organ_twin::solve::vector::spmv(&a, &x, &mut y);
    for (i, row) in a.row_iter().enumerate() {
        // f64 rounding of ~90 terms (and the difference form's extra terms), doubled.
        let terms: f64 = row.col_indices().iter().zip(row.values()).map(|(&j, v)| (v * x[j]).abs()).sum();
        let bound = 2.0 * 200.0 * f64::EPSILON * terms;
        assert!((q[i] / e.scale() - y[i]).abs() <= bound, "row {i}: {} vs {}", q[i] / e.scale(), y[i]);
    }
}

#[test]
fn copy_kernel_copies_exactly() {
    let Some(gpu) = gpu() else { return };
    let mut rng = Rng(3);
    let words = 70_001;
    let src: Vec<[f32; 4]> = (0..words).map(|_| std::array::from_fn(|_| rng.symmetric() as f32)).collect();
    let got = organ_twin::gpu::bench::copy_roundtrip(gpu.gpu(), &src).unwrap();
    let mut twin = vec![[0.0; 4]; words];
    copy::reference(&copy::CopyParams { count: words as u32, ..Default::default() }, &src, &mut twin);
    assert_eq!(got, twin);
}

/// The AMG V-cycle's kernels (`amg_csr`, `amg_smooth`, `amg_dense`, `amg_dot`) against their
/// twins, on buffers made here; and the whole V-cycle's symmetry and positivity.
mod amg {
    use nalgebra_sparse::{CooMatrix, CsrMatrix};
    use organ_twin::gpu::kernels::amg_csr::{self, CsrArrays, CsrBuffers, CsrParams};
    use organ_twin::gpu::kernels::amg_smooth::{self, SmoothBuffers, SmoothParams, SmoothState};
    use organ_twin::gpu::kernels::cg_update::VecParams;
    use organ_twin::gpu::kernels::{amg_dense, amg_dot, Precision, Scalars};
    use organ_twin::gpu::{Gpu, GpuPcg};
    use organ_twin::mesh::generate::{beam, BeamParams, Order};
    use organ_twin::solve::gpu::{preconditioner_blocks, vcycle};
    use organ_twin::solve::{AmgParams, Hierarchy, Preconditioner};

    use super::{gamma, vector, U};
    use crate::common::{build, gpu, Rng};

    const RW: wgpu::BufferUsages =
        wgpu::BufferUsages::STORAGE.union(wgpu::BufferUsages::COPY_DST).union(wgpu::BufferUsages::COPY_SRC);
    const UNIFORM: wgpu::BufferUsages = wgpu::BufferUsages::UNIFORM.union(wgpu::BufferUsages::COPY_DST);

    fn storage<T: bytemuck::Pod>(gpu: &Gpu, data: &[T]) -> wgpu::Buffer {
        let b = gpu.buffer("test data", std::mem::size_of_val(data) as u64, RW).unwrap();
        gpu.queue.write_buffer(&b, 0, bytemuck::cast_slice(data));
        b
    }

    fn uniform<T: bytemuck::Pod>(gpu: &Gpu, value: &T) -> wgpu::Buffer {
        let b = gpu.buffer("test params", std::mem::size_of::<T>() as u64, UNIFORM).unwrap();
        gpu.queue.write_buffer(&b, 0, bytemuck::bytes_of(value));
        b
    }

    /// Records `record` in one pass, then reads `len` f32 from each of `outputs`.
    fn run(
        gpu: &Gpu,
        record: impl FnOnce(&mut wgpu::ComputePass<'_>),
        outputs: &[(&wgpu::Buffer, usize)],
    ) -> Vec<Vec<f32>> {
        let mut encoder =
            gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("amg test") });
        {
            let mut pass = encoder
                .begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some("amg test"), timestamp_writes: None });
            record(&mut pass);
        }
        let total: usize = outputs.iter().map(|o| o.1).sum();
        let staging = gpu
            .buffer("test readback", 4 * total as u64, wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST)
            .unwrap();
        let mut offset = 0;
        for (buffer, len) in outputs {
            encoder.copy_buffer_to_buffer(buffer, 0, &staging, 4 * offset as u64, 4 * *len as u64);
            offset += len;
        }
        let bytes = gpu.submit_and_read(encoder, &staging, 4 * total as u64, "amg kernel test").unwrap();
        let all: Vec<f32> = bytemuck::pod_collect_to_vec(&bytes);
        let mut offset = 0;
        outputs
            .iter()
            .map(|(_, len)| {
                offset += len;
                all[offset - len..offset].to_vec()
            })
            .collect()
    }

    /// A random `rows × cols` matrix with about `per_row` entries per row.
    fn sparse(rows: usize, cols: usize, per_row: usize, rng: &mut Rng) -> CsrMatrix<f64> {
        let mut coo = CooMatrix::new(rows, cols);
        for i in 0..rows {
            for _ in 0..per_row {
                let j = ((rng.symmetric() + 1.0) * 0.5 * cols as f64) as usize % cols;
                coo.push(i, j, rng.symmetric());
            }
        }
        CsrMatrix::from(&coo)
    }

    fn arrays(m: &CsrMatrix<f64>) -> (Vec<u32>, Vec<u32>, Vec<f32>) {
        (
            m.row_offsets().iter().map(|&v| v as u32).collect(),
            m.col_indices().iter().map(|&v| v as u32).collect(),
            m.values().iter().map(|&v| v as f32).collect(),
        )
    }

    fn running() -> Scalars {
        Scalars { history_capacity: 1, ..Default::default() }
    }

    /// The three modes of amg_csr on `m`; bound per row: 2 γ_k Σ |a_ij (x_j − w_j)| (k products,
    /// the difference rounded identically in both, the prolongation's + y one more term).
    fn check_csr(gpu: &Gpu, m: &CsrMatrix<f64>, rng: &mut Rng) {
        let (rp, cols, vals) = arrays(m);
        let (x, w, y0) = (vector(m.ncols(), rng), vector(m.ncols(), rng), vector(m.nrows(), rng));
        let cg = uniform(gpu, &running());
        let (brp, bcols, bvals, bx, bw) =
            (storage(gpu, &rp), storage(gpu, &cols), storage(gpu, &vals), storage(gpu, &x), storage(gpu, &w));
        for mode in [amg_csr::PRODUCT, amg_csr::RESTRICT, amg_csr::PROLONG] {
            let by = storage(gpu, &y0);
            let params = CsrParams::new(m.nrows(), mode);
            let pb = uniform(gpu, &params);
            let w_or_x = if mode == amg_csr::RESTRICT { &bw } else { &bx };
            let buffers = CsrBuffers {
                params: &pb,
                cg: &cg,
                row_ptr: &brp,
                cols: &bcols,
                vals: &bvals,
                x: &bx,
                w: w_or_x,
                y: &by,
            };
            let bg = gpu.kernels.amg.csr.bind(&gpu.device, buffers);
            let grid = gpu.grid(params.workgroups);
            let got = run(gpu, |pass| gpu.kernels.amg.csr.record(pass, &bg, grid), &[(&by, m.nrows())]).remove(0);
            let mut twin = y0.clone();
            let arrays = CsrArrays { row_ptr: &rp, cols: &cols, vals: &vals };
            amg_csr::reference(&params, &running(), arrays, &x, &w, &mut twin);
            for i in 0..m.nrows() {
                let ks = rp[i] as usize..rp[i + 1] as usize;
                let terms: f64 = ks
                    .clone()
                    .map(|k| {
                        let c = cols[k] as usize;
                        let v = if mode == amg_csr::RESTRICT { x[c] - w[c] } else { x[c] };
                        (vals[k] * v).abs() as f64
                    })
                    .sum::<f64>()
                    + if mode == amg_csr::PROLONG { y0[i].abs() as f64 } else { 0.0 };
                let bound = 2.0 * gamma(ks.len() + 1) * terms;
                assert!(((got[i] - twin[i]) as f64).abs() <= bound, "mode {mode} row {i}: {} vs {}", got[i], twin[i]);
            }
        }
    }

    /// The fine (Tet4 cantilever, 40 × 4 × 4) system and its hierarchy.
    fn cantilever(max_coarse: usize) -> (CsrMatrix<f64>, Hierarchy) {
        let text = "name = \"c\"\n[mesh]\nfile = \"generated\"\n[[material]]\nregion = \"all\"\nmodel = \"linear_elastic\"\nyoungs_modulus = 1000.0\npoisson_ratio = 0.3\n[[support]]\nkind = \"fixed\"\nsurface = \"xmin\"\n[[load]]\nkind = \"force\"\nsurface = \"xmax\"\nvalue = [0.0, 0.0, -1.0]\n";
        let mesh = beam(&BeamParams { size: [10.0, 1.0, 1.0], divisions: [40, 4, 4], order: Order::Linear }).unwrap();
        let p = build(text, mesh).unwrap();
        let (a, _) = p.constrained_system();
        let h = Hierarchy::build(&a, &p.near_nullspace(), &AmgParams { max_coarse, ..AmgParams::default() }).unwrap();
        (a, h)
    }

    #[test]
    fn amg_csr_matches_its_twin_in_every_mode() {
        let Some(shared) = gpu() else { return };
        let gpu = shared.gpu();
        let mut rng = Rng(31);
        // Rectangular (a restriction's shape), more rows than one workgroup.
        check_csr(gpu, &sparse(700, 300, 9, &mut rng), &mut rng);
        // A real smoothed prolongator and its transpose.
        let (_, h) = cantilever(50);
        let p = h.prolongators(0).unwrap().1;
        check_csr(gpu, p, &mut rng);
        check_csr(gpu, &p.transpose(), &mut rng);
    }

    #[test]
    fn amg_smooth_matches_its_twin() {
        let Some(shared) = gpu() else { return };
        let gpu = shared.gpu();
        let mut rng = Rng(41);
        for (block, nodes) in [(3usize, 600usize), (6, 300), (1, 1000)] {
            let n = block * nodes;
            let (b, w, minv) = (vector(n, &mut rng), vector(n, &mut rng), vector(n * block, &mut rng));
            let decoupled: Vec<f32> = (0..n).map(|i| if i % 7 == 0 { 0.5 + i as f32 * 1e-3 } else { 0.0 }).collect();
            let (r0, d0, x0) = (vector(n, &mut rng), vector(n, &mut rng), vector(n, &mut rng));
            for (mode, last) in [(amg_smooth::FROM_ZERO, 0), (amg_smooth::RESIDUAL, 0), (amg_smooth::UPDATE, 1)] {
                let params = SmoothParams {
                    nodes: nodes as u32,
                    block: block as u32,
                    workgroups: (nodes as u32).div_ceil(256),
                    mode,
                    c1: 0.7,
                    c2: -1.3,
                    last,
                    _pad0: 0,
                };
                let (pb, cg) = (uniform(gpu, &params), uniform(gpu, &running()));
                let (bb, bw, bm, bd) =
                    (storage(gpu, &b), storage(gpu, &w), storage(gpu, &minv), storage(gpu, &decoupled));
                let (br, bdd, bx) = (storage(gpu, &r0), storage(gpu, &d0), storage(gpu, &x0));
                let buffers = SmoothBuffers {
                    params: &pb,
                    cg: &cg,
                    b: &bb,
                    w: &bw,
                    minv: &bm,
                    decoupled: &bd,
                    r: &br,
                    d: &bdd,
                    x: &bx,
                };
                let bg = gpu.kernels.amg.smooth.bind(&gpu.device, buffers);
                let grid = gpu.grid(params.workgroups);
                let got =
                    run(gpu, |pass| gpu.kernels.amg.smooth.record(pass, &bg, grid), &[(&br, n), (&bdd, n), (&bx, n)]);
                let (mut r, mut d, mut x) = (r0.clone(), d0.clone(), x0.clone());
                let state = SmoothState { r: &mut r, d: &mut d, x: &mut x };
                amg_smooth::reference(&params, &running(), [&b, &w, &minv, &decoupled], state);
                // r: one subtraction, rounded identically: exact agreement.
                assert_eq!(got[0], r, "block {block} mode {mode}: r");
                for i in 0..n {
                    let node = i / block;
                    // z = Σ_j m_ij r_j (block products), then c1 d + c2 z and x + d: each of the
                    // two evaluations within γ_{block+2} of the sum of the absolute terms.
                    let mz: f64 = (0..block)
                        .map(|j| {
                            (minv[block * block * node + block * (i % block) + j] * r[block * node + j]).abs() as f64
                        })
                        .sum();
                    let terms = 1.3 * mz + (0.7 * d0[i]).abs() as f64 + x0[i].abs() as f64;
                    let bound = 2.0 * gamma(block + 2) * terms + 4.0 * U * d[i].abs() as f64;
                    assert!(((got[1][i] - d[i]) as f64).abs() <= bound, "block {block} mode {mode}: d[{i}]");
                    assert!(((got[2][i] - x[i]) as f64).abs() <= 2.0 * bound, "block {block} mode {mode}: x[{i}]");
                }
            }
        }
    }

    #[test]
    fn amg_dense_and_dot_match_their_twins() {
        let Some(shared) = gpu() else { return };
        let gpu = shared.gpu();
        let mut rng = Rng(43);
        // 700 columns: three strided terms per invocation before the tree.
        let n = 700;
        let (m, x) = (vector(n * n, &mut rng), vector(n, &mut rng));
        let params = amg_dense::DenseParams { rows: n as u32, columns: n as u32, workgroups: n as u32, _pad0: 0 };
        let (pb, cg, bm, bx) = (uniform(gpu, &params), uniform(gpu, &running()), storage(gpu, &m), storage(gpu, &x));
        let by = storage(gpu, &vec![0.0f32; n]);
        let bg = gpu.kernels.amg.dense.bind(&gpu.device, [&pb, &cg, &bm, &bx, &by]);
        let grid = gpu.grid(n as u32);
        let got = run(gpu, |pass| gpu.kernels.amg.dense.record(pass, &bg, grid), &[(&by, n)]).remove(0);
        let mut twin = vec![0.0; n];
        amg_dense::reference(&params, &running(), &m, &x, &mut twin);
        for i in 0..n {
            let terms: f64 = (0..n).map(|j| (m[i * n + j] * x[j]).abs() as f64).sum();
            // 3 strided terms and 8 tree levels per path.
            let bound = 2.0 * gamma(3 + 8) * terms;
            assert!(((got[i] - twin[i]) as f64).abs() <= bound, "row {i}: {} vs {}", got[i], twin[i]);
        }
        let nodes = 1000;
        let (r, z) = (vector(3 * nodes, &mut rng), vector(3 * nodes, &mut rng));
        let vp = VecParams::new(nodes);
        let (pv, br, bz) = (uniform(gpu, &vp), storage(gpu, &r), storage(gpu, &z));
        let bp = storage(gpu, &vec![0.0f32; 2 * vp.workgroups as usize]);
        let bg = gpu.kernels.amg.dot.bind(&gpu.device, [&pv, &cg, &br, &bz, &bp]);
        let grid = gpu.grid(vp.workgroups);
        let got = run(gpu, |pass| gpu.kernels.amg.dot.record(pass, &bg, grid), &[(&bp, 2 * vp.workgroups as usize)])
            .remove(0);
        let mut twin = vec![0.0; got.len()];
        amg_dot::reference(&vp, &running(), &r, &z, &mut twin);
        for (k, (g, t)) in got.iter().zip(&twin).enumerate() {
            let wg = k / 2;
            let range = 3 * 256 * wg..(3 * 256 * (wg + 1)).min(3 * nodes);
            let terms: f64 = range.map(|i| if k % 2 == 0 { (r[i] * z[i]).abs() } else { r[i] * r[i] } as f64).sum();
            assert!(((g - t) as f64).abs() <= 2.0 * gamma(3 + 8) * terms, "partial {k}: {g} vs {t}");
        }
    }

    #[test]
    fn gpu_v_cycle_is_symmetric_positive_and_close_to_the_cpu_one() {
        let Some(shared) = gpu() else { return };
        for max_coarse in [2000, 50] {
            let (a, h) = cantilever(max_coarse);
            let mut e = GpuPcg::new(shared.gpu().clone(), &a, Precision::F32).unwrap();
            let identity = preconditioner_blocks(&Preconditioner::Identity, a.nrows() / 3);
            e.set_matrix(&a, &identity).unwrap();
            e.set_vcycle(Some(&vcycle(&h))).unwrap();
            let n = a.nrows();
            let mut rng = Rng(max_coarse as u64);
            let dot = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(a, b)| a * b).sum::<f64>();
            for _ in 0..3 {
                let x: Vec<f64> = (0..n).map(|_| rng.symmetric()).collect();
                let y: Vec<f64> = (0..n).map(|_| rng.symmetric()).collect();
                // The engine works on s A: its V-cycle approximates (s A)⁻¹ = A⁻¹ / s.
                let s = e.scale();
                let mx: Vec<f64> = e.apply_vcycle(&x).unwrap().iter().map(|v| v * s).collect();
                let my: Vec<f64> = e.apply_vcycle(&y).unwrap().iter().map(|v| v * s).collect();
                let mut cpu = vec![0.0; n];
                h.apply(&a, &x, &mut cpu);
                let norm = |v: &[f64]| dot(v, v).sqrt();
                let diff: Vec<f64> = mx.iter().zip(&cpu).map(|(g, c)| g - c).collect();
                let to_cpu = norm(&diff) / norm(&cpu);
                let asym = (dot(&mx, &y) - dot(&x, &my)).abs() / (norm(&mx) * norm(&y));
                eprintln!(
                    "GPU V-cycle, max_coarse {max_coarse} ({} levels): asymmetry {asym:.2e}, relative difference to \
                     the CPU's f64 V-cycle {to_cpu:.2e}",
                    h.report().levels.len()
                );
                // The exact V-cycle M is symmetric; each GPU application is M x + e_x with
                // ‖e_x‖ ≤ ε ‖Mx‖, ε its distance to the f64 cycle (measured 1e-7 to 8e-7, a few
                // f32 units u = 6e-8: the ~30 kernels of a cycle each round once, and its
                // residuals b − A x cancel to the size of their result). Then
                // |⟨Mx, y⟩ − ⟨x, My⟩| ≤ ε (‖Mx‖‖y‖ + ‖x‖‖My‖), about 2ε ‖Mx‖‖y‖ for random x, y
                // of one size (measured ≤ 3e-8). Bounds: ε < 2e-5 (300 u) and asymmetry < 4e-5.
                assert!(to_cpu < 2e-5, "GPU V-cycle differs from the CPU one by {to_cpu:e}");
                assert!(asym < 4e-5, "⟨Mx, y⟩ ≠ ⟨x, My⟩: {asym:e}");
                assert!(dot(&mx, &x) > 0.0 && dot(&my, &y) > 0.0, "not positive");
            }
        }
    }
}

/// `fatigue.wgsl` on the device against its CPU twin and the f64 assessment, on seeded random
/// unit stresses under a smooth two-load history and a three-load white-noise history (a
/// reversal at about every second sample), for both proportional criteria; then the whole
/// driver, once in one chunk and once in many (a lowered binding limit).
///
/// Tolerances: the device's `exp`, `log` and `sqrt` may differ from the twin's in the
/// last bits, so the two agree to the f32 accuracy of the method itself, and each agrees with
/// the f64 assessment within `fatigue::gpu::SAFETY_TOLERANCE` (1e-4 on the safety factor, see
/// that module) and `DAMAGE_TOLERANCE` (1e-3 on the damage) except where a cycle sits on the
/// endurance knee (a flip between no damage and some, counted and bounded).
#[test]
fn fatigue_kernel_matches_its_twin_and_the_f64_assessment() {
    use organ_twin::fatigue::gpu::{assess_gpu, kernel_results, DAMAGE_TOLERANCE, SAFETY_TOLERANCE};
    use organ_twin::fatigue::{assess, Criterion, FatigueParams, Loading, MeanStress};
    use organ_twin::gpu::{Gpu, GpuOptions};

    let Some(backend) = gpu() else { return };
    let device = backend.gpu();
    let mut rng = Rng(21);
    let points = 1500;
    let gait = organ_twin::fatigue::synthetic::gait(160);
    let noise = Loading::History { samples: (0..400).map(|_| (0..3).map(|_| rng.symmetric()).collect()).collect() };
    let mut flips = 0;
    for (loading, cases) in [(&gait, 2), (&noise, 3)] {
        let stresses: Vec<[f64; 6]> =
            (0..points * cases).map(|_| std::array::from_fn(|_| 300e6 * rng.symmetric())).collect();
        for (criterion, mean_stress) in
            [(Criterion::SignedVonMises, MeanStress::Goodman), (Criterion::MaxPrincipal, MeanStress::Swt)]
        {
            let params = FatigueParams { criterion, mean_stress, design_life: 1e6, ..FatigueParams::default() };
            let on_gpu = kernel_results(Some(device), &stresses, loading, &params).expect("kernel runs");
            let twin = kernel_results(None, &stresses, loading, &params).expect("twin runs");
            let cpu = assess(&stresses, loading, &params).expect("valid");
            for (p, ((g, t), c)) in on_gpu.iter().zip(&twin).zip(&cpu).enumerate() {
                let (Some(g), Some(t)) = (g, t) else {
                    assert_eq!(
                        g.is_some(),
                        t.is_some(),
                        "point {p}: the device and the twin hand the same points over"
                    );
                    continue;
                };
                for (name, v) in [("device", g), ("twin", t)] {
                    let ds = (v.safety_factor - c.safety_factor).abs() / c.safety_factor;
                    assert!(ds <= SAFETY_TOLERANCE, "{name} point {p}: {} vs f64 {}", v.safety_factor, c.safety_factor);
                }
                // Near the static limit (a Goodman mean within 10 % of S_u) σ_ar = σ_a/(1 − σ_m/S_u)
                // magnifies the mean's rounding more than tenfold, in either precision.
                let near_limit = c.mean > 0.9 * params.yield_strength;
                if (g.damage > 0.0) != (c.damage > 0.0) {
                    flips += 1;
                } else if c.damage > 0.0 && c.damage.is_finite() && !near_limit {
                    let dd = (g.damage - c.damage).abs() / c.damage;
                    assert!(
                        dd <= DAMAGE_TOLERANCE,
                        "point {p}: damage {} (twin {}) vs f64 {}: {g:?} {c:?} {params:?}",
                        g.damage,
                        t.damage,
                        c.damage
                    );
                }
            }
            // The driver: the reported extremes are the f64 ones, and the check agrees.
            let (results, eval) = assess_gpu(device, &stresses, loading, &params).expect("GPU assessment");
            assert!(eval.agrees, "{eval:?}");
            let min = |v: &[organ_twin::fatigue::PointFatigue]| {
                v.iter().map(|r| r.safety_factor).fold(f64::INFINITY, f64::min)
            };
            assert_eq!(min(&results), min(&cpu));
        }
    }
    assert!(flips * 200 <= 4 * points, "{flips} knee flips");
    // Many chunks (a binding of 200 point states): the same per-point work, the same answer.
    let chunked = Gpu::new(&GpuOptions { max_binding_bytes: Some(200 * 64), ..GpuOptions::default() }).expect("device");
    let stresses: Vec<[f64; 6]> = (0..points * 2).map(|_| std::array::from_fn(|_| 300e6 * rng.symmetric())).collect();
    let params = FatigueParams { design_life: 1e6, ..FatigueParams::default() };
    let whole = kernel_results(Some(device), &stresses, &gait, &params).expect("one chunk");
    let split = kernel_results(Some(&chunked), &stresses, &gait, &params).expect("chunks");
    assert_eq!(whole, split);
}
