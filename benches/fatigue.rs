//! Fatigue evaluation throughput (criterion), in points × history samples per second.
//!
//! Run with `cargo bench --bench fatigue`. Two unit load cases per point, seeded random unit
//! stresses; a smooth gait-like history (a few harmonics, so few reversals) and a white-noise
//! history (a reversal at about every second sample: the rainflow worst case). Scale the
//! reported rate to the 10⁶ points × 10⁴ samples = 10¹⁰ point-samples. With a hardware
//! GPU the same cases run through `fatigue::gpu::assess_gpu` (the f32 kernel and its f64 check);
//! `organ-twin bench --fatigue` measures both at full size in one run.

use std::hint::black_box;

use criterion::{criterion_main, Criterion, Throughput};
use organ_twin::fatigue::synthetic::{self, gait};
use organ_twin::fatigue::{assess, Criterion as Crit, FatigueParams, Loading};

fn stresses(points: usize) -> Vec<[f64; 6]> {
    synthetic::stresses(points, 2, 150e6, 3)
}

fn noise(samples: usize) -> Loading {
    synthetic::noise(samples, 2, 5)
}

fn throughput(c: &mut Criterion) {
    let (points, samples) = (20_000, 1_000);
    let s = stresses(points);
    let mut group = c.benchmark_group("fatigue 2 load cases");
    group.sample_size(10);
    group.throughput(Throughput::Elements((points * samples) as u64));
    for (name, loading, criterion) in [
        ("signed_von_mises gait", gait(samples), Crit::SignedVonMises),
        ("signed_von_mises noise", noise(samples), Crit::SignedVonMises),
        ("max_principal gait", gait(samples), Crit::MaxPrincipal),
    ] {
        let p = FatigueParams { criterion, design_life: 1e6, ..FatigueParams::default() };
        group.bench_function(name, |b| b.iter(|| assess(black_box(&s), &loading, &p).expect("valid")));
    }
    // The f32 kernel with its f64 check (`fatigue::gpu`), on a hardware GPU when there is one.
    match organ_twin::gpu::Gpu::new(&organ_twin::gpu::GpuOptions { require_hardware: true, ..Default::default() }) {
        Ok(gpu) => {
            for (name, loading, criterion) in [
                ("gpu signed_von_mises gait", gait(samples), Crit::SignedVonMises),
                ("gpu signed_von_mises noise", noise(samples), Crit::SignedVonMises),
                ("gpu max_principal gait", gait(samples), Crit::MaxPrincipal),
            ] {
                let p = FatigueParams { criterion, design_life: 1e6, ..FatigueParams::default() };
                group.bench_function(name, |b| {
                    b.iter(|| organ_twin::fatigue::gpu::assess_gpu(&gpu, black_box(&s), &loading, &p).expect("valid"))
                });
            }
        }
        Err(e) => eprintln!("no GPU rows: {e}"),
    }
    // Findley searches ~220 grid planes + 72 refinements × 8 directions per point: fewer points.
    let few = stresses(50);
    group.throughput(Throughput::Elements((50 * samples) as u64));
    let p = FatigueParams { criterion: Crit::Findley { k: 0.3, step: 10.0 }, ..FatigueParams::default() };
    let g = gait(samples);
    group.bench_function("findley gait", |b| b.iter(|| assess(black_box(&few), &g, &p).expect("valid")));
    group.finish();
}

// The macro generates an undocumented `benches` function.
#[allow(missing_docs, reason = "criterion_group! expands to an undocumented function")]
mod group {
    criterion::criterion_group!(benches, super::throughput);
}

criterion_main!(group::benches);
