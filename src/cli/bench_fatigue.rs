//! `organ-twin bench --fatigue`: fatigue-evaluation throughput in point × history samples per
//! second, on the CPU ([`crate::fatigue::assess`], f64, all threads) and on the GPU
//! ([`crate::fatigue::gpu::assess_gpu`], the f32 kernel plus its f64 check), in one process.
//!
//! The model is synthetic and seeded, so runs compare: `--points` points with two unit load
//! cases of random stress states (±150 MPa per component, Ti-6Al-4V ELI, Goodman, a design life
//! of 10⁶ repetitions), under a smooth gait-like history (three harmonics per load: few
//! reversals) and a white-noise history (a reversal at about every second sample: the rainflow's
//! worst case). The figure is 10⁶ points × 10⁴ samples (the defaults).

use std::path::Path;
use std::time::Instant;

use serde::Serialize;

use super::run::EXIT_UNAVAILABLE;
use super::{report, Failure};
use crate::fatigue::gpu::assess_gpu;
use crate::fatigue::{assess, synthetic, Criterion, FatigueParams, Loading, PointFatigue};
use crate::gpu::{Gpu, GpuOptions};
use crate::io;

/// The options of `bench --fatigue`.
#[derive(Debug, Clone)]
pub struct FatigueBenchOptions {
    /// Evaluation points.
    pub points: usize,
    /// History samples.
    pub samples: usize,
    /// Criteria: "svm" (signed von Mises), "mp" (maximum principal).
    pub criteria: Vec<String>,
    /// Skip the CPU rows.
    pub no_cpu: bool,
    /// Measure a software adapter (lavapipe) when there is no hardware GPU.
    pub software_gpu: bool,
}

/// One criterion × history × backend.
#[derive(Debug, Clone, Serialize)]
struct Row {
    criterion: String,
    history: String,
    backend: String,
    adapter: Option<String>,
    points: usize,
    samples: usize,
    seconds: f64,
    point_samples_per_second: f64,
    /// GPU rows: the kernel's part, the f64 completion and check, passes, checked points.
    kernel_seconds: Option<f64>,
    cpu_check_seconds: Option<f64>,
    passes: Option<u32>,
    cpu_checked: Option<usize>,
    max_safety_difference: Option<f64>,
    agrees: Option<bool>,
    /// GPU rows: the CPU row's seconds over this row's.
    speedup_vs_cpu: Option<f64>,
    min_safety_factor: f64,
}

/// The JSON report.
#[derive(Debug, Clone, Serialize)]
struct Report {
    cpu_threads: usize,
    /// Why there is no GPU row, when there is none.
    gpu_note: Option<String>,
    rows: Vec<Row>,
}

fn histories(samples: usize) -> Vec<(&'static str, Loading)> {
    vec![("gait", synthetic::gait(samples)), ("noise", synthetic::noise(samples, 2, 5))]
}

/// The most points: 10⁸ points take ~10 GB of f64 unit stresses, the most a benchmark machine
/// is expected to hold.
pub const MAX_POINTS: f64 = 1e8;
/// The most history samples (10⁷, 160 MB of coefficients).
pub const MAX_SAMPLES: f64 = 1e7;

/// A whole number in `[min, max]`, written plainly or in scientific notation (`1e6`).
fn parse_count(text: &str, min: f64, max: f64) -> Result<usize, String> {
    let v: f64 = text.trim().parse().map_err(|_| format!("'{text}' is not a number"))?;
    if !(v.fract() == 0.0 && v >= min && v <= max) {
        return Err(format!("{text} must be a whole number from {min} to {max:e}"));
    }
    Ok(v as usize)
}

/// `--points`: 1 to [`MAX_POINTS`].
pub fn parse_points(text: &str) -> Result<usize, String> {
    parse_count(text, 1.0, MAX_POINTS)
}

/// `--samples`: 2 to [`MAX_SAMPLES`].
pub fn parse_samples(text: &str) -> Result<usize, String> {
    parse_count(text, 2.0, MAX_SAMPLES)
}

/// Runs the benchmark.
pub fn run(o: &FatigueBenchOptions, json: Option<&Path>, quiet: bool) -> Result<(), Failure> {
    let mut criteria = Vec::new();
    for c in &o.criteria {
        criteria.push(match c.as_str() {
            "svm" => ("signed_von_mises", Criterion::SignedVonMises),
            "mp" => ("max_principal", Criterion::MaxPrincipal),
            other => {
                return Err(Failure {
                    code: 2,
                    message: format!("--criteria: unknown criterion '{other}' (svm or mp)"),
                })
            }
        });
    }
    let gpu = Gpu::new(&GpuOptions { require_hardware: !o.software_gpu, ..GpuOptions::default() });
    let gpu_note = gpu.as_ref().err().map(|e| format!("no GPU rows: {e}"));
    if let (Some(note), false) = (&gpu_note, quiet) {
        eprintln!("note: {note}");
    }
    if o.no_cpu && gpu.is_err() {
        return Err(Failure {
            code: EXIT_UNAVAILABLE,
            message: "bench --fatigue --no-cpu: no GPU adapter, so nothing to measure".into(),
        });
    }
    let stresses = synthetic::stresses(o.points, 2, 150e6, 3);
    let work = (o.points * o.samples) as f64;
    let mut out = Report { cpu_threads: rayon::current_num_threads(), gpu_note, rows: Vec::new() };
    let min_safety = |v: &[PointFatigue]| v.iter().map(|p| p.safety_factor).fold(f64::INFINITY, f64::min);
    for (history, loading) in histories(o.samples) {
        for &(name, criterion) in &criteria {
            let params = FatigueParams { criterion, design_life: 1e6, ..FatigueParams::default() };
            let row = |backend: &str, seconds: f64, min: f64| Row {
                criterion: name.into(),
                history: history.into(),
                backend: backend.into(),
                adapter: None,
                points: o.points,
                samples: o.samples,
                seconds,
                point_samples_per_second: work / seconds,
                kernel_seconds: None,
                cpu_check_seconds: None,
                passes: None,
                cpu_checked: None,
                max_safety_difference: None,
                agrees: None,
                speedup_vs_cpu: None,
                min_safety_factor: min,
            };
            let mut cpu_seconds = None;
            if !o.no_cpu {
                let start = Instant::now();
                let results = assess(&stresses, &loading, &params)
                    .map_err(|e| Failure { code: super::EXIT_DATA, message: e.to_string() })?;
                let seconds = start.elapsed().as_secs_f64();
                cpu_seconds = Some(seconds);
                let row = row("cpu", seconds, min_safety(&results));
                report(|w| print_row(w, &row))?;
                out.rows.push(row);
            }
            if let Ok(gpu) = &gpu {
                let start = Instant::now();
                let (results, eval) = assess_gpu(gpu, &stresses, &loading, &params).map_err(|e| Failure {
                    code: super::run::EXIT_SOLVE,
                    message: format!("the GPU fatigue evaluation failed: {e}"),
                })?;
                let seconds = start.elapsed().as_secs_f64();
                let row = Row {
                    adapter: Some(eval.adapter.clone()),
                    kernel_seconds: Some(eval.kernel_seconds),
                    cpu_check_seconds: Some(eval.cpu_seconds),
                    passes: Some(eval.passes),
                    cpu_checked: Some(eval.cpu_checked + eval.cpu_completed),
                    max_safety_difference: Some(eval.max_safety_difference),
                    agrees: Some(eval.agrees),
                    speedup_vs_cpu: cpu_seconds.map(|c| c / seconds),
                    ..row("gpu", seconds, min_safety(&results))
                };
                report(|w| print_row(w, &row))?;
                out.rows.push(row);
            }
        }
    }
    if let Some(path) = json {
        let text = serde_json::to_string_pretty(&out).expect("the report serializes");
        io::write_atomic(path, |w| writeln!(w, "{text}"))?;
    }
    Ok(())
}

fn print_row(w: &mut dyn std::io::Write, r: &Row) -> std::io::Result<()> {
    write!(
        w,
        "{} {} on {}: {} points × {} samples in {:.2} s = {:.3e} point-samples/s; min safety factor {:.6}",
        r.criterion,
        r.history,
        r.backend,
        r.points,
        r.samples,
        r.seconds,
        r.point_samples_per_second,
        r.min_safety_factor
    )?;
    if let (Some(k), Some(c), Some(p), Some(n), Some(d)) =
        (r.kernel_seconds, r.cpu_check_seconds, r.passes, r.cpu_checked, r.max_safety_difference)
    {
        write!(w, "\n    {}: kernel {k:.2} s in {p} passes, f64 check of {n} points {c:.2} s, max safety-factor difference {d:.1e}", r.adapter.as_deref().unwrap_or("?"))?;
        if let Some(s) = r.speedup_vs_cpu {
            write!(w, ", {s:.1}× the CPU")?;
        }
        if r.agrees == Some(false) {
            write!(w, " — DOES NOT AGREE with the CPU")?;
        }
    }
    writeln!(w)
}
