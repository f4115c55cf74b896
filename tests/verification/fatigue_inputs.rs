//! Fatigue inputs: the material library's sanity, every bad input's error, the parallel path
//! against its serial oracle, the history safety factor's defining property, and the bone
//! strain check.

use organ_twin::fatigue::assess::equivalent_history;
use organ_twin::fatigue::bone::{strain_risk, BoneStrainLimits};
use organ_twin::fatigue::library::NAMES;
use organ_twin::fatigue::miner::{self, Block};
use organ_twin::fatigue::rainflow;
use organ_twin::fatigue::{
    assess, assess_point, assess_serial, Criterion, FatigueError, FatigueParams, Loading, Marin, Material, MeanStress,
    SnCurve, SnData,
};

const MPA: f64 = 1e6;

#[test]
fn library_entries_are_sane() {
    let all = Material::library();
    assert_eq!(all.len(), NAMES.len());
    for m in &all {
        m.validate().unwrap_or_else(|e| panic!("{}: {e}", m.name));
        assert!(m.yield_strength <= m.ultimate_strength, "{}", m.name);
        // Moduli of implant materials and bone lie within 1–250 GPa; ν of solids in (0, 0.5).
        assert!((1e9..250e9).contains(&m.youngs_modulus) && (0.0..0.5).contains(&m.poisson_ratio), "{}", m.name);
        // The curve falls strictly from 10³ to its knee, stays below S_u, and its endurance
        // strength gives infinite life.
        let s: Vec<f64> = [1e3, 1e4, 1e5, 1e6, 1e7 * 0.999].iter().map(|&n| m.sn.strength(n)).collect();
        assert!(s.windows(2).all(|w| w[1] < w[0]), "{}: {s:?}", m.name);
        assert!(s[0] <= m.ultimate_strength, "{}: S(10³) = {} above S_u", m.name, s[0]);
        let se = m.sn.endurance().expect("every library curve has a knee");
        assert!(se < s[0] && m.sn.life(0.99 * se).is_infinite(), "{}", m.name);
        assert!(!m.source.is_empty() && m.typical, "{}", m.name);
    }
    // The ASTM minimums of DOMAIN.md §3 for two entries.
    let ti = Material::named("ti6al4v_eli").unwrap();
    assert_eq!((ti.yield_strength, ti.ultimate_strength), (795.0 * MPA, 860.0 * MPA));
    let am = Material::named("ti6al4v_am").unwrap();
    assert_eq!(am.sn.data, SnData::Basquin { coefficient: 2464.0 * MPA, exponent: -0.1715, knee_cycles: Some(1e7) });
    assert!(Material::named("unobtainium").is_none());
}

fn uniaxial() -> (Vec<[f64; 6]>, Loading) {
    (vec![[1.0, 0.0, 0.0, 0.0, 0.0, 0.0]], Loading::from_r(vec![300.0 * MPA], 0.1).unwrap())
}

fn err(params: &FatigueParams) -> FatigueError {
    let (s, l) = uniaxial();
    assess_point(&s, &l, params).unwrap_err()
}

#[test]
fn bad_inputs_are_named_errors() {
    let ok = FatigueParams::default();
    assert!(matches!(err(&FatigueParams { design_life: 0.0, ..ok.clone() }), FatigueError::DesignLife { .. }));
    assert!(matches!(err(&FatigueParams { design_life: f64::NAN, ..ok.clone() }), FatigueError::DesignLife { .. }));
    let e = err(&FatigueParams { ultimate_strength: f64::INFINITY, ..ok.clone() });
    assert!(matches!(e, FatigueError::NonFinite { name: "ultimate_strength", .. }), "{e}");
    let e = err(&FatigueParams { yield_strength: 2000.0 * MPA, ..ok.clone() });
    assert!(matches!(e, FatigueError::YieldAboveUltimate { .. }), "{e}");
    let e = err(&FatigueParams { criterion: Criterion::Findley { k: -0.1, step: 10.0 }, ..ok.clone() });
    assert!(matches!(e, FatigueError::FindleyK { .. }), "{e}");
    let e = err(&FatigueParams { criterion: Criterion::Findley { k: 0.3, step: 0.0 }, ..ok.clone() });
    assert!(matches!(e, FatigueError::FindleyStep { .. }), "{e}");
    let e = err(&FatigueParams { mean_stress: MeanStress::Walker { gamma: -0.5 }, ..ok.clone() });
    assert!(matches!(e, FatigueError::WalkerGamma { .. }), "{e}");
    let mut marin = ok.clone();
    marin.sn.marin = Marin { surface: 0.0, ..Marin::default() };
    assert!(matches!(err(&marin), FatigueError::Marin { name: "surface", .. }));
    // An S-N table that rises names its row.
    let e = SnCurve::table(vec![(1e3, 700.0 * MPA), (1e5, 500.0 * MPA), (1e7, 520.0 * MPA)]).unwrap_err();
    assert!(matches!(e, FatigueError::TableNotMonotone { row: 2, .. }), "{e}");
    assert!(e.to_string().contains("row 2"), "{e}");
    let e = SnCurve::table(vec![(1e5, 700.0 * MPA), (1e3, 500.0 * MPA)]).unwrap_err();
    assert!(matches!(e, FatigueError::TableNotMonotone { row: 1, .. }), "{e}");
    assert!(matches!(SnCurve::table(vec![(1e3, 1.0)]), Err(FatigueError::TableTooShort { rows: 1 })));
    assert!(matches!(SnCurve::basquin(1e9, 0.1, None), Err(FatigueError::BasquinExponent { .. })));
    assert!(matches!(SnCurve::default_rule(100.0, 95.0), Err(FatigueError::DefaultRule { .. })));
    // R = 1 is static; NaN is no ratio.
    for r in [1.0, f64::NAN] {
        assert!(matches!(Loading::from_r(vec![1.0], r), Err(FatigueError::StressRatio { .. })));
    }
    let (s, _) = uniaxial();
    let empty = Loading::History { samples: vec![] };
    assert_eq!(assess_point(&s, &empty, &ok).unwrap_err(), FatigueError::EmptyHistory);
    let ragged = Loading::History { samples: vec![vec![1.0], vec![1.0, 2.0]] };
    assert!(matches!(
        assess_point(&s, &ragged, &ok),
        Err(FatigueError::LoadCaseCount { row: 1, found: 2, expected: 1 })
    ));
    let nan = Loading::History { samples: vec![vec![1.0], vec![f64::NAN]] };
    assert!(matches!(assess_point(&s, &nan, &ok), Err(FatigueError::LoadCoefficient { row: 1, case: 0, .. })));
    let two = Loading::Constant { max: vec![1.0, 2.0], min: vec![0.0, 0.0] };
    assert!(matches!(assess(&s, &two, &ok), Err(FatigueError::StressLayout { len: 1, cases: 2 })));
    let bad_stress = vec![[0.0, f64::NAN, 0.0, 0.0, 0.0, 0.0]];
    assert!(matches!(
        assess(&bad_stress, &uniaxial().1, &ok),
        Err(FatigueError::Stress { point: 0, case: 0, component: 1, .. })
    ));
}

/// A small deterministic generator (splitmix64) for seeded random inputs.
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

fn random_problem(points: usize, samples: usize) -> (Vec<[f64; 6]>, Loading) {
    let mut r = rng(7);
    let stresses = (0..points * 2).map(|_| std::array::from_fn(|_| 100.0 * MPA * r())).collect();
    let history = (0..samples).map(|_| vec![2.0 * r(), 1.5 * r()]).collect();
    (stresses, Loading::History { samples: history })
}

#[test]
fn parallel_assessment_equals_the_serial_oracle() {
    let (stresses, loading) = random_problem(400, 200);
    for criterion in [Criterion::SignedVonMises, Criterion::MaxPrincipal, Criterion::Findley { k: 0.3, step: 15.0 }] {
        let p = FatigueParams { criterion, ..FatigueParams::default() };
        let (par, ser) = (assess(&stresses, &loading, &p).unwrap(), assess_serial(&stresses, &loading, &p).unwrap());
        // Each point is computed by the same code on its own: bit-identical.
        assert_eq!(par, ser, "{criterion:?}");
        assert!(par.iter().any(|q| q.damage > 0.0) && par.iter().any(|q| q.safety_factor > 1.0), "{criterion:?}");
    }
}

#[test]
fn rainflow_table_of_the_equivalent_history_reproduces_the_damage() {
    // The lead's CSV path: equivalent_history → rainflow::count → Miner, against assess.
    let (stresses, loading) = random_problem(5, 500);
    // Three times the random stresses: peaks above Ti-6Al-4V ELI's 500 MPa endurance (SWT: no
    // static-failure cut-off of Goodman).
    let stresses: Vec<[f64; 6]> = stresses.iter().map(|s| s.map(|v| 3.0 * v)).collect();
    let Loading::History { samples } = &loading else { unreachable!() };
    let p =
        FatigueParams { criterion: Criterion::MaxPrincipal, mean_stress: MeanStress::Swt, ..FatigueParams::default() };
    let points = assess(&stresses, &loading, &p).unwrap();
    for (i, q) in points.iter().enumerate() {
        let series = equivalent_history(&stresses[2 * i..2 * i + 2], samples, p.criterion).unwrap();
        let blocks: Vec<Block> = rainflow::count(&series)
            .iter()
            .map(|c| Block { amplitude: c.amplitude(), mean: c.mean, cycles: c.count })
            .collect();
        let d = p.design_life * miner::damage(&blocks, &p.sn, p.mean_stress, p.ultimate_strength, p.yield_strength);
        // Same cycles; assess sums 1/N through ln N (a few ulps of ln N ≈ 20): 1e-12.
        assert!((q.damage - d).abs() <= 1e-12 * d.max(1e-300), "point {i}: {} vs {d}", q.damage);
        assert!(d > 0.0, "point {i} takes damage (the test would be empty)");
    }
    assert!(equivalent_history(&stresses[..2], samples, Criterion::Findley { k: 0.3, step: 10.0 }).is_none());
}

#[test]
fn history_safety_factor_gives_the_design_life() {
    let (stresses, loading) = random_problem(40, 300);
    let Loading::History { samples } = &loading else { unreachable!() };
    for mean_stress in [MeanStress::Goodman, MeanStress::Swt, MeanStress::Gerber] {
        let p = FatigueParams { mean_stress, design_life: 1e4, ..FatigueParams::default() };
        let base = assess(&stresses, &loading, &p).unwrap();
        for (i, q) in base.iter().enumerate() {
            let unit = &stresses[2 * i..2 * i + 2];
            let n = q.safety_factor;
            let scaled =
                Loading::History { samples: samples.iter().map(|c| c.iter().map(|v| v * n).collect()).collect() };
            let at = assess_point(unit, &scaled, &p).unwrap();
            // The damage for the design life is 1 at the factor, unless the root sits on a knee
            // jump (then just below 1 below the factor and above 1 past it). D ∝ λ^{~6}: a 1e-12
            // error in λ is ~1e-11 in D; 1e-8 leaves room for the scaled history's rounding.
            let above = assess_point(
                unit,
                &Loading::History {
                    samples: samples.iter().map(|c| c.iter().map(|v| v * n * 1.001).collect()).collect(),
                },
                &p,
            )
            .unwrap();
            assert!(
                (at.damage - 1.0).abs() < 1e-8 || (at.damage < 1.0 && above.damage > 1.0),
                "{mean_stress:?} point {i}: n {n}, damage {} (above {})",
                at.damage,
                above.damage
            );
        }
    }
}

#[test]
fn marin_factors_scale_the_safety_factor() {
    // Without a mean-stress correction n = k S_N / σ_a: the Marin product scales n exactly,
    // below the knee (S_N on the line) and beyond it (k S_e).
    // σ_a = 600 MPa, above Ti-6Al-4V ELI's 500 MPa endurance: a finite life to compare.
    let (s, loading) = (vec![[1.0, 0.0, 0.0, 0.0, 0.0, 0.0]], Loading::from_r(vec![600.0 * MPA], -1.0).unwrap());
    let marin = Marin { surface: 0.8, size: 0.9, reliability: 0.868 };
    for design_life in [1e5, 1e8] {
        let plain = FatigueParams { mean_stress: MeanStress::None, design_life, ..FatigueParams::default() };
        let mut reduced = plain.clone();
        reduced.sn = reduced.sn.with_marin(marin).unwrap();
        let (a, b) = (assess_point(&s, &loading, &plain).unwrap(), assess_point(&s, &loading, &reduced).unwrap());
        // One multiplication apart: 1e-14.
        assert!((b.safety_factor / a.safety_factor / marin.factor() - 1.0).abs() < 1e-14, "N {design_life}");
        assert!(b.life < a.life, "a weaker surface shortens the life");
    }
}

#[test]
fn bone_strain_risk_of_uniaxial_compression() {
    // Cortical bone, E = 17.9 GPa, ν = 0.3, uniaxial compression σ: ε₃ = σ/E, ε₁ = −ν σ/E.
    let (e, nu, sigma) = (17.9e9, 0.3, -150.0 * MPA);
    let strain = [sigma / e, -nu * sigma / e, -nu * sigma / e, 0.0, 0.0, 0.0];
    let risk = strain_risk(&strain, &BoneStrainLimits::default());
    let expected = (-sigma / e / 0.0104).max(-nu * sigma / e / 0.0073);
    assert!((risk / expected - 1.0).abs() < 1e-12, "{risk} vs {expected}");
    assert!(risk > 0.8 && risk < 0.81, "150 MPa in compression is 81 % of the 1.04 % limit: {risk}");
}
