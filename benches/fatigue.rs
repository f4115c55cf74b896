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
use organ_twin::fatigue::{assess, Criterion as Crit, FatigueParams, Loading};

/// splitmix64 in [−1, 1).
fn rng(seed: u64) -> impl FnMut() -> f64 {
    let mut x = seed;
    move || {
        x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    }
}

fn stresses(points: usize) -> Vec<[f64; 6]> {
    let mut r = rng(3);
    (0..points * 2).map(|_| std::array::from_fn(|_| 150e6 * r())).collect()
}

/// A gait-like cycle: two loads as sums of three harmonics over one repetition.
fn gait(samples: usize) -> Loading {
    let samples = (0..samples)
        .map(|j| {
            let t = std::f64::consts::TAU * j as f64 / samples as f64;
            vec![1.0 + 0.8 * t.sin() + 0.3 * (2.0 * t).sin(), 0.5 * t.cos() + 0.2 * (3.0 * t).cos()]
        })
        .collect();
    Loading::History { samples }
}

fn noise(samples: usize) -> Loading {
    let mut r = rng(5);
    Loading::History { samples: (0..samples).map(|_| vec![r(), r()]).collect() }
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
