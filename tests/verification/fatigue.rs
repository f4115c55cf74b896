//! Fatigue assessment against closed forms, hand calculations, the ASTM E1049-85 rainflow
//! example and the independent Python `rainflow` package (counts committed in
//! `fatigue_rainflow.json` by `tests/scripts/rainflow_reference.py`; hand values in
//! `fatigue_reference.json`).

use organ_twin::fatigue::assess::DEFAULT_FINDLEY_STEP;
use organ_twin::fatigue::miner::{self, Block, MAX_LOAD_FACTOR};
use organ_twin::fatigue::rainflow;
use organ_twin::fatigue::{assess_point, Criterion, FatigueParams, Loading, MeanStress, SnCurve};

const MPA: f64 = 1e6;

fn reference() -> serde_json::Value {
    serde_json::from_str(include_str!("fatigue_reference.json")).expect("fatigue_reference.json parses")
}

fn f(v: &serde_json::Value) -> f64 {
    v.as_f64().expect("number")
}

/// Uniaxial unit stress: 1 Pa σ_xx per unit load coefficient.
const UNIT_XX: [f64; 6] = [1.0, 0.0, 0.0, 0.0, 0.0, 0.0];

fn basquin() -> SnCurve {
    let r = &reference()["basquin"];
    SnCurve::basquin(f(&r["coefficient"]), f(&r["exponent"]), None).unwrap()
}

fn params(sn: SnCurve, mean_stress: MeanStress, design_life: f64) -> FatigueParams {
    FatigueParams {
        criterion: Criterion::SignedVonMises,
        mean_stress,
        sn,
        ultimate_strength: 1000.0 * MPA,
        yield_strength: 900.0 * MPA,
        design_life,
    }
}

#[test]
fn rainflow_reproduces_the_astm_e1049_worked_example() {
    let r = &reference()["astm_e1049_fig6"];
    let series: Vec<f64> = r["series"].as_array().unwrap().iter().map(f).collect();
    let cycles = rainflow::count(&series);
    for row in r["counts"].as_array().unwrap() {
        let (range, expected) = (f(&row[0]), f(&row[1]));
        let counted: f64 = cycles.iter().filter(|c| c.range == range).map(|c| c.count).sum();
        // Integer history, counts in halves: exact.
        assert_eq!(counted, expected, "range {range}");
    }
    let total: f64 = cycles.iter().map(|c| c.count).sum();
    assert_eq!(total, 4.0, "the standard's table sums to 4 cycles");
}

#[test]
fn rainflow_matches_the_python_rainflow_package() {
    let data: serde_json::Value =
        serde_json::from_str(include_str!("fatigue_rainflow.json")).expect("fatigue_rainflow.json parses");
    for case in data["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let series: Vec<f64> = case["series"].as_array().unwrap().iter().map(f).collect();
        let ours = rainflow::count(&series);
        let theirs = case["cycles"].as_array().unwrap();
        assert_eq!(ours.len(), theirs.len(), "{name}: cycle count");
        let scale = series.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        for (i, (c, t)) in ours.iter().zip(theirs).enumerate() {
            // Same algorithm and IEEE operations (|x1 − x2|, 0.5 (x1 + x2)) on the same doubles:
            // counts and indices exact; range and mean to 1e-14 of the history's scale, since
            // serde_json's default float parser may miss the correctly rounded double by an ulp
            // (Python writes shortest round-trip decimals).
            let t: Vec<f64> = t.as_array().unwrap().iter().map(f).collect();
            assert_eq!([c.count, c.start as f64, c.end as f64], [t[2], t[3], t[4]], "{name}: cycle {i}");
            assert!(
                (c.range - t[0]).abs() <= 1e-14 * scale && (c.mean - t[1]).abs() <= 1e-14 * scale,
                "{name}: cycle {i}: {c:?} vs {t:?}"
            );
        }
    }
}

#[test]
fn axial_bar_under_constant_amplitude_has_the_basquin_life() {
    let r = &reference()["basquin"];
    let (sf, b) = (f(&r["coefficient"]), f(&r["exponent"]));
    // Uniaxial bar σ = F/A, R = −1, σ_a = 450 MPa; N = ½ (σ_a/σ'_f)^{1/b}.
    let amplitude = 450.0 * MPA;
    let loading = Loading::from_r(vec![amplitude], -1.0).unwrap();
    for criterion in [Criterion::SignedVonMises, Criterion::MaxPrincipal] {
        let p = FatigueParams { criterion, ..params(basquin(), MeanStress::Goodman, 1e4) };
        let point = assess_point(&[UNIT_XX], &loading, &p).unwrap();
        let expected = 0.5 * (amplitude / sf).powf(1.0 / b);
        // Closed form evaluated twice with the same operations up to the 1e-16 rounding of σ_a:
        // the 1/b ≈ −5.8 power amplifies it to a few 1e-15.
        assert!((point.life / expected - 1.0).abs() < 1e-12, "{criterion:?}: {} vs {expected}", point.life);
        assert!((point.damage - 1e4 / expected).abs() < 1e-12 * point.damage);
        assert_eq!((point.alternating, point.mean), (amplitude, 0.0));
    }
}

/// The safety factor of each correction on uniaxial states, written from its formula.
fn formula(ms: MeanStress, a: f64, m: f64, sn: f64) -> f64 {
    let (su, sy) = (1000.0 * MPA, 900.0 * MPA);
    match ms {
        MeanStress::None => sn / a,
        MeanStress::Goodman if m > 0.0 => 1.0 / (a / sn + m / su),
        MeanStress::Soderberg if m > 0.0 => 1.0 / (a / sn + m / sy),
        // n a/S_N + (n m/S_u)² = 1, the positive root.
        MeanStress::Gerber if m > 0.0 => {
            let (qa, qb) = ((m / su).powi(2), a / sn);
            (-qb + (qb * qb + 4.0 * qa).sqrt()) / (2.0 * qa)
        }
        MeanStress::Goodman | MeanStress::Soderberg | MeanStress::Gerber => sn / a,
        // A cycle wholly in compression does no damage: the capped factor.
        MeanStress::Swt | MeanStress::Walker { .. } if a + m <= 0.0 => MAX_LOAD_FACTOR,
        MeanStress::Swt => sn / ((a + m) * a).sqrt(),
        MeanStress::Walker { gamma } => sn / ((a + m).powf(1.0 - gamma) * a.powf(gamma)),
    }
}

#[test]
fn each_mean_stress_correction_gives_its_formula_safety_factor() {
    let all = [
        MeanStress::None,
        MeanStress::Goodman,
        MeanStress::Gerber,
        MeanStress::Soderberg,
        MeanStress::Swt,
        MeanStress::Walker { gamma: 0.65 },
    ];
    // Knee at 10⁷: design life 10⁵ uses S_N on the line, 10⁸ the endurance strength.
    let sn = SnCurve::basquin(2464.0 * MPA, -0.1715, Some(1e7)).unwrap();
    for design_life in [1e5, 1e8] {
        let s_n = sn.strength(design_life);
        for ms in all {
            // R = 0.1 (ISO 14801), R = −1, R = 0.5, R = −3 (compression-dominated: m < 0) and
            // R = 5 (compression-compression: the max load −60 MPa, the min −300 MPa).
            let cases =
                [(300.0 * MPA, 0.1), (200.0 * MPA, -1.0), (400.0 * MPA, 0.5), (100.0 * MPA, -3.0), (-60.0 * MPA, 5.0)];
            for (smax, r) in cases {
                let loading = Loading::from_r(vec![smax], r).unwrap();
                let p = params(sn.clone(), ms, design_life);
                let point = assess_point(&[UNIT_XX], &loading, &p).unwrap();
                let (a, m) = (0.5 * (smax * (1.0 - r)).abs(), 0.5 * smax * (1.0 + r));
                let expected = formula(ms, a, m, s_n).min(MAX_LOAD_FACTOR);
                // Closed forms in another arrangement (the Gerber root taken directly): 1e-12.
                assert!(
                    (point.safety_factor / expected - 1.0).abs() < 1e-12,
                    "{ms:?} R {r} N {design_life}: {} vs {expected}",
                    point.safety_factor
                );
                // The same cycle as a history [min, max, min] is one rainflow cycle per
                // repetition; its factor comes from the damage root-finder instead:
                // 1e-9 covers its 1e-12 stopping width in ln λ and the knee's bisection.
                let history = Loading::History { samples: vec![vec![r * smax], vec![smax], vec![r * smax]] };
                let h = assess_point(&[UNIT_XX], &history, &p).unwrap();
                assert!(
                    (h.safety_factor / expected - 1.0).abs() < 1e-9,
                    "{ms:?} R {r} N {design_life} history: {} vs {expected}",
                    h.safety_factor
                );
                // At the safety factor the loading reaches the design life exactly (below the
                // knee; beyond it, the endurance strength).
                if expected == MAX_LOAD_FACTOR {
                    continue;
                }
                let scaled = Loading::from_r(vec![expected * smax], r).unwrap();
                let at = assess_point(&[UNIT_XX], &scaled, &p).unwrap();
                assert!((at.equivalent / s_n - 1.0).abs() < 1e-10, "{ms:?} R {r}: σ_ar {} vs S_N {s_n}", at.equivalent);
            }
        }
    }
}

#[test]
fn miner_two_block_spectrum_matches_the_hand_calculation() {
    let r = &reference()["miner_two_block"];
    let sn = basquin();
    let blocks: Vec<Block> = r["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| Block { amplitude: f(&b[0]), mean: 0.0, cycles: f(&b[1]) })
        .collect();
    for (b, n) in blocks.iter().zip(r["lives"].as_array().unwrap()) {
        // Basquin inverted in Python and in Rust: a few ulps through the power 1/b.
        assert!((sn.life(b.amplitude) / f(n) - 1.0).abs() < 1e-12);
    }
    let d = miner::damage(&blocks, &sn, MeanStress::None, 1000.0 * MPA, 900.0 * MPA);
    assert!((d / f(&r["damage"]) - 1.0).abs() < 1e-12, "{d}");
    assert!((miner::life(d) * d - 1.0).abs() < 1e-15);
}

#[test]
fn two_block_history_through_rainflow_matches_the_hand_count() {
    let r = &reference()["miner_block_history"];
    let (a, b) = (f(&r["a"]), f(&r["b"]));
    let (n1, n2) = (r["n1"].as_u64().unwrap(), r["n2"].as_u64().unwrap());
    let mut samples = Vec::new();
    for _ in 0..n1 {
        samples.extend([vec![-a], vec![a]]);
    }
    for _ in 0..n2 {
        samples.extend([vec![-b], vec![b]]);
    }
    let p = params(basquin(), MeanStress::None, 1.0);
    let point = assess_point(&[UNIT_XX], &Loading::History { samples }, &p).unwrap();
    let expected = f(&r["damage_per_repetition"]);
    // Sum of ~n1 + n2 terms in another order: 1e-12.
    assert!((point.damage / expected - 1.0).abs() < 1e-12, "{} vs {expected}", point.damage);
    assert!((point.life * expected - 1.0).abs() < 1e-12);
    // No knee: D(λ) = λ^{−1/b} D(1), so the factor for one repetition is D(1)^b.
    let factor = expected.powf(f(&reference()["basquin"]["exponent"]));
    assert!((point.safety_factor / factor - 1.0).abs() < 1e-10, "{} vs {factor}", point.safety_factor);
}

fn findley_params(k: f64) -> FatigueParams {
    let sn = SnCurve::basquin(2464.0 * MPA, -0.1715, Some(1e7)).unwrap();
    FatigueParams {
        criterion: Criterion::Findley { k, step: DEFAULT_FINDLEY_STEP },
        ..params(sn, MeanStress::None, 1e6)
    }
}

#[test]
fn findley_uniaxial_cycle_finds_the_hand_computed_plane() {
    // Uniaxial σ_xx = ±S: on the plane at θ from x, f = (S/2)(sin 2θ + k cos 2θ + k), maximal
    // at tan 2θ* = 1/k with f* = S (k + √(1 + k²))/2, i.e. σ_ar = S.
    let (k, s) = (0.3, 400.0 * MPA);
    let point = assess_point(&[UNIT_XX], &Loading::from_r(vec![s], -1.0).unwrap(), &findley_params(k)).unwrap();
    // After three refinements the normal is within 10°/128 of θ*; f is flat there (second
    // order), so σ_ar is within (0.08°)² ≈ 2e-6 relative: 1e-5.
    assert!((point.equivalent / s - 1.0).abs() < 1e-5, "{}", point.equivalent);
    let theta = 0.5 * (1.0 / k).atan();
    let n = point.normal.unwrap();
    let angle = n[0].abs().clamp(-1.0, 1.0).acos();
    assert!((angle - theta).abs() < 0.2f64.to_radians(), "plane at {}° vs {}°", angle.to_degrees(), theta.to_degrees());
    // τ_a = (S/2) sin 2θ is first order in the angle: 2 cot(2θ*) δθ = 2k · 10°/128 = 8.2e-4.
    assert!((point.alternating / (0.5 * s * (2.0 * theta).sin()) - 1.0).abs() < 1e-3);
}

#[test]
fn findley_rotating_uniaxial_stress_finds_the_hand_computed_plane() {
    // Uniaxial tension S along n(t) = (cos t, sin t, 0): σ = S n nᵀ = S/2 (I_xy) + S/2 cos 2t
    // (x̂x̂ − ŷŷ) + S/2 sin 2t (x̂ŷ + ŷx̂). On the plane of normal (sinψ cosφ, sinψ sinφ, cosψ) the
    // shear path is an ellipse of major axis S sinψ and σ_n,max = S sin²ψ, so
    // f(ψ) = S sinψ / 2 + k S sin²ψ, largest on every vertical plane (ψ = 90°): f* = S (1/2 + k).
    let (k, s) = (0.25, 500.0 * MPA);
    let unit = [
        [0.5 * s, 0.5 * s, 0.0, 0.0, 0.0, 0.0],
        [0.5 * s, -0.5 * s, 0.0, 0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0, 0.5 * s, 0.0, 0.0],
    ];
    let samples: Vec<Vec<f64>> = (0..360)
        .map(|j| {
            let t = (j as f64).to_radians();
            vec![1.0, (2.0 * t).cos(), (2.0 * t).sin()]
        })
        .collect();
    let point = assess_point(&unit, &Loading::History { samples }, &findley_params(k)).unwrap();
    let expected = 2.0 * s * (0.5 + k) / (k + (1.0 + k * k).sqrt());
    // On a vertical plane the in-plane direction ẑ × n is the shear path's; the 1° samples miss
    // the shear peak by at most 1° of phase 2t (1 − cos 1° = 1.5e-4) and the normal-stress
    // peak by 0.5° (1 − cos² 0.5° = 7.6e-5). The plane is chosen by damage, so it need not be a
    // sample-aligned one: 2e-4.
    assert!((point.equivalent / expected - 1.0).abs() < 2e-4, "{} vs {expected}", point.equivalent);
    assert!(point.normal.unwrap()[2].abs() < 1e-6, "critical normal {:?} is not horizontal", point.normal);
    assert!((point.alternating / (0.5 * s) - 1.0).abs() < 2e-4);
    assert!((point.mean / s - 1.0).abs() < 1e-4);
    // Two stress cycles per repetition (the stress has period π) at the plane's σ_ar, plus the
    // residue's half cycles from the history's start and end phases, each at most σ_ar (their f
    // carries the history's σ_n,max): the life lies between N(σ_ar)/3 and N(σ_ar)/2, where the
    // second cycle's sampled peaks may sit up to 2e-4 below the first's.
    let sn = findley_params(k).sn;
    let (n, n_low) = (sn.life(point.equivalent), sn.life(point.equivalent * (1.0 - 2e-4)));
    assert!(point.life <= n_low / 2.0 && point.life >= n / 3.0, "{} vs N = {n}", point.life);
}
