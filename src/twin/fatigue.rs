//! The fatigue twin of an implant: stress-life assessment of a static linear-elastic scenario
//! under a constant-amplitude cycle or a variable-amplitude load history, by superposition of
//! unit load cases, in numbered steps:
//!
//! 1. resolve the assessed regions and their fatigue data: the library entry (the region's
//!    `[[material]] library`, or `[fatigue] material`), the scenario's overrides and the Marin
//!    factors, in SI;
//! 2. build the loading as coefficients of the load cases: the cycle's maximum and minimum
//!    (`r` or `min`), or the history CSV ([`history`](super::history));
//! 3. solve every load once as a unit load case ([`load_cases`](super::load_cases));
//! 4. recover the nodal stresses of every case per assessed region, averaged over that region's
//!    cells only (so an implant node on the bone interface carries the implant's stress);
//! 5. assess every node ([`crate::fatigue::assess`]): equivalent stress or critical plane,
//!    rainflow, mean-stress correction, S-N, Miner, life and safety factor; a node shared by two
//!    assessed regions keeps its worse result;
//! 6. the bone overload maps: the largest principal-strain risk over the loading's states;
//! 7. the hot spot, the summary, the VTU fields, and for a history the rainflow table of the
//!    hot spot's equivalent stress.
//!
//! Evaluation points are the mesh nodes with recovered (extrapolated, region-averaged) stress —
//! what the VTU shows; stress concentrations at Tet10 corners are kept, not smoothed away.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use rayon::prelude::*;

use super::fatigue_spec::{CriterionName, FatigueSpec, MeanStressName};
use super::fatigue_summary::{BoneSummary, FatigueSummary, HotSpot, LoadCaseSummary, RegionFatigue};
use super::history::{self, History};
use super::load_cases::LoadCases;
use super::problem::{material_of_cells, region_ids, Problem, Solution};
use super::scenario::RegionRef;
use super::ScenarioError;
use crate::fatigue::{self, bone, rainflow, Criterion, FatigueParams, Loading, Marin, MeanStress, SnCurve};
use crate::fem::post;
use crate::mesh::Field;
use crate::progress::Progress;
use crate::solve::Backend;

/// Written as log10 of an infinite life in the `fatigue_life_log10` field.
pub const INFINITE_LIFE_LOG10: f64 = 30.0;

/// A fatigue run's results.
#[derive(Debug, Clone)]
pub struct FatigueRun {
    /// The unit load cases.
    pub cases: LoadCases,
    /// The maximum load state (the cycle's maximum, or the history's largest sample): its
    /// summary carries `fatigue`, its fields the fatigue maps.
    pub solution: Solution,
    /// The rainflow table of the hot spot (CSV), for a history with a proportional criterion.
    pub rainflow_csv: Option<String>,
    /// Per assessed region, its name and S-N curve (SI, Marin factors applied).
    pub curves: Vec<(String, SnCurve)>,
}

/// One assessed region, resolved.
struct Assessed {
    name: String,
    ids: Vec<i32>,
    params: FatigueParams,
    material: fatigue::Material,
}

/// Steps 1–7. `base` is the scenario's folder (the history file is relative to it).
pub fn run(
    problem: &Problem,
    base: &Path,
    backend: &Backend,
    progress: &dyn Progress,
) -> Result<FatigueRun, ScenarioError> {
    let scenario = problem.scenario();
    let spec = scenario.fatigue.as_ref().ok_or_else(|| invalid(problem, "fatigue", "no [fatigue] table".into()))?;
    // 1–2.
    let assessed = resolve_regions(problem, spec)?;
    let names: Vec<String> = (0..scenario.loads.len()).map(|i| scenario.load_name(i)).collect();
    let (loading, history, describe) = loading(problem, spec, base, &names)?;
    loading.validate().map_err(|e| invalid(problem, "fatigue", e.to_string()))?;
    // 3.
    let start = Instant::now();
    let cases = problem.solve_load_cases(backend, progress)?;
    let solve_seconds = start.elapsed().as_secs_f64();
    // 4–5.
    let start = Instant::now();
    progress.stage("fatigue", None);
    let mesh = problem.mesh();
    let n = mesh.nodes().len();
    let dofs = problem.assembler().dofs();
    let displacements: Vec<Vec<[f64; 3]>> = cases.vectors.iter().map(|x| dofs.to_nodes(x)).collect();
    let regions = mesh.cell_regions();
    let mut best: Vec<Option<(usize, fatigue::PointFatigue)>> = vec![None; n];
    let mut region_rows = Vec::new();
    let mut warnings = Vec::new();
    for (r, a) in assessed.iter().enumerate() {
        let keep = |c: usize| a.ids.contains(&regions[c]);
        let nodes = nodes_of(mesh, &keep);
        let per_case: Vec<Vec<[f64; 6]>> = displacements
            .iter()
            .map(|u| post::nodal_tensors_where(problem.mesh_si(), problem.materials(), u, keep).1)
            .collect();
        let stresses: Vec<[f64; 6]> = nodes.iter().flat_map(|&p| per_case.iter().map(move |s| s[p])).collect();
        let entry = || format!("fatigue (region '{}')", a.name);
        let (results, gpu_evaluation) = evaluate(backend, &stresses, &loading, &a.params, &a.name, &mut warnings)
            .map_err(|e| invalid(problem, &entry(), e.to_string()))?;
        for (&p, res) in nodes.iter().zip(&results) {
            if best[p].is_none_or(|(_, b)| res.safety_factor < b.safety_factor) {
                best[p] = Some((r, *res));
            }
        }
        let mut row = region_summary(problem, a, &nodes, &results);
        row.gpu = gpu_evaluation;
        region_rows.push(row);
    }
    if region_rows.iter().all(|r| r.nodes == 0) {
        return Err(invalid(problem, "fatigue", "the assessed regions hold no node".into()));
    }
    // 6.
    let states = loading_states(&loading);
    let (bone_rows, risk) = bone_maps(problem, spec, &displacements, &states)?;
    let assess_seconds = start.elapsed().as_secs_f64();
    progress.finish();
    // 7.
    let (hot, hot_result) = best
        .iter()
        .enumerate()
        .filter_map(|(p, b)| b.map(|b| (p, b)))
        .min_by(|a, b| a.1 .1.safety_factor.total_cmp(&b.1 .1.safety_factor))
        .expect("a region holds nodes");
    let s = scenario.units.stress();
    let (r, res) = hot_result;
    let hot_spot = HotSpot {
        node: mesh.node_ids()[hot],
        position: mesh.nodes()[hot],
        region: assessed[r].name.clone(),
        safety_factor: res.safety_factor,
        life: res.life.is_finite().then_some(res.life),
        alternating: res.alternating / s,
        mean: res.mean / s,
        equivalent: res.equivalent / s,
        plane_normal: res.normal,
    };
    let min_life = best.iter().flatten().map(|(_, b)| b.life).fold(f64::INFINITY, f64::min);
    let max_damage = best.iter().flatten().map(|(_, b)| b.damage).fold(0.0, f64::max);
    let max_state = max_state(&loading);
    let mut solution = combined(problem, &cases, &max_state);
    let rainflow_csv = match (&history, spec.criterion) {
        (Some(h), CriterionName::SignedVonMises | CriterionName::MaxPrincipal) => {
            let unit: Vec<[f64; 6]> = stresses_at(problem, &assessed[r], &displacements, hot);
            Some(rainflow_table(&unit, h, assessed[r].params.criterion, s))
        }
        _ => None,
    };
    let load_cases = cases
        .names
        .iter()
        .zip(&cases.solutions)
        .map(|(name, sol)| LoadCaseSummary {
            name: name.clone(),
            applied_load: sol.summary.applied_load,
            reactions: sol.summary.reactions.clone(),
            max_von_mises: sol.summary.max_von_mises,
            max_displacement: sol.summary.max_displacement,
            relative_residual: sol.summary.solver.relative_residual,
        })
        .collect();
    let life_unit = if history.is_some() { "repetitions" } else { "cycles" };
    let summary = FatigueSummary {
        criterion: spec.criterion.name().into(),
        mean_stress: if spec.criterion == CriterionName::Findley {
            "findley (own normal-stress term)".into()
        } else {
            spec.mean_stress.name().into()
        },
        loading: describe,
        design_life: spec.design_life,
        life_unit: life_unit.into(),
        evaluation_points: "mesh nodes, stress extrapolated from the cells and averaged over each region's own cells"
            .into(),
        min_safety_factor: res.safety_factor,
        min_life: min_life.is_finite().then_some(min_life),
        max_damage,
        passes: res.safety_factor >= 1.0,
        hot_spot,
        regions: region_rows,
        load_cases,
        bone: bone_rows,
        seconds: BTreeMap::from([
            ("load_case_solves".to_string(), solve_seconds),
            ("assessment".to_string(), assess_seconds),
        ]),
    };
    solution.summary.warnings.extend(warnings);
    for w in cases.solutions.iter().flat_map(|c| c.summary.warnings.iter()) {
        if !solution.summary.warnings.contains(w) {
            solution.summary.warnings.push(w.clone());
        }
    }
    if let Some(h) = &history {
        if !h.missing.is_empty() {
            solution.summary.warnings.push(format!(
                "the history has no column for {}: held at zero through the history",
                h.missing.join(", ")
            ));
        }
    }
    if history.is_some() && spec.criterion == CriterionName::Findley {
        solution.summary.warnings.push(
            "no rainflow table is written with criterion = \"findley\" (its cycles are counted per plane)".into(),
        );
    }
    solution.point_fields.extend(fields(&best, s, risk));
    solution.summary.fatigue = Some(summary);
    let curves = assessed.iter().map(|a| (a.name.clone(), a.params.sn.clone())).collect();
    Ok(FatigueRun { cases, solution, rainflow_csv, curves })
}

/// Step 5 for one region: on the GPU where the backend is one and the kernel covers the loading
/// ([`fatigue::gpu::supports`]), else on the CPU. A GPU that fails, or whose check against the CPU
/// does not agree, leaves a warning (the reported extremes are CPU values either way).
fn evaluate(
    backend: &Backend,
    stresses: &[[f64; 6]],
    loading: &Loading,
    params: &FatigueParams,
    region: &str,
    warnings: &mut Vec<String>,
) -> Result<(Vec<fatigue::PointFatigue>, Option<fatigue::gpu::GpuEvaluation>), fatigue::FatigueError> {
    if let Backend::Gpu(g) = backend {
        if fatigue::gpu::supports(loading, params) {
            match fatigue::gpu::assess_gpu(g.gpu(), stresses, loading, params) {
                Ok((results, evaluation)) => {
                    if !evaluation.agrees {
                        warnings.push(format!(
                            "the GPU fatigue evaluation of region '{region}' differs from the CPU reference by up to \
                             {:.2e} on the safety factor (tolerance {:.0e}) on {} checked points; the hot spot and \
                             the extremes are the CPU's, the maps elsewhere the GPU's",
                            evaluation.max_safety_difference, evaluation.tolerance, evaluation.cpu_checked
                        ));
                    }
                    return Ok((results, Some(evaluation)));
                }
                Err(fatigue::gpu::GpuFatigueError::Fatigue(e)) => return Err(e),
                Err(fatigue::gpu::GpuFatigueError::Gpu(e)) => warnings.push(format!(
                    "the GPU fatigue evaluation of region '{region}' failed ({e}); it was evaluated on the CPU"
                )),
                // `supports` said yes: not reached, and the CPU covers every case anyway.
                Err(fatigue::gpu::GpuFatigueError::Unsupported(_)) => {}
            }
        }
    }
    Ok((fatigue::assess(stresses, loading, params)?, None))
}

fn invalid(problem: &Problem, entry: &str, message: String) -> ScenarioError {
    ScenarioError::Invalid { source_name: problem.source().into(), entry: entry.into(), message }
}

/// Step 1.
fn resolve_regions(problem: &Problem, spec: &FatigueSpec) -> Result<Vec<Assessed>, ScenarioError> {
    let scenario = problem.scenario();
    let mesh = problem.mesh();
    let of_cells = material_of_cells(scenario, mesh).map_err(|(e, m)| invalid(problem, &e, m))?;
    // The region ids present and the material entry of each.
    let mut present: Vec<(i32, usize)> = Vec::new();
    for (c, &r) in mesh.cell_regions().iter().enumerate() {
        if !present.iter().any(|(id, _)| *id == r) {
            present.push((r, of_cells[c]));
        }
    }
    present.sort_unstable();
    let refs: Vec<RegionRef> = match &spec.regions {
        Some(list) => list.clone(),
        None => present
            .iter()
            .filter(|(_, m)| scenario.materials[*m].library.is_some() || spec.material.is_some())
            .map(|(id, _)| RegionRef::Id(i64::from(*id)))
            .collect(),
    };
    if refs.is_empty() {
        return Err(invalid(
            problem,
            "fatigue",
            "no region to assess: give [fatigue] regions = [\"implant\"], or library = \"...\" on the implant's \
             [[material]]"
                .into(),
        ));
    }
    let mut out: Vec<Assessed> = Vec::new();
    for r in &refs {
        let ids = match region_ids(mesh, r).map_err(|m| invalid(problem, "fatigue.regions", m))? {
            None => present.iter().map(|(id, _)| *id).collect(),
            Some(ids) => ids,
        };
        for id in ids {
            if out.iter().any(|a| a.ids.contains(&id)) {
                continue;
            }
            let name =
                mesh.regions().iter().find(|g| g.id == id).and_then(|g| g.name.clone()).unwrap_or(id.to_string());
            let m = present.iter().find(|(i, _)| *i == id).map(|(_, m)| *m).expect("a present region");
            let library = spec.material.as_ref().or(scenario.materials[m].library.as_ref());
            let material = fatigue_material(problem, spec, library, &name)?;
            let params = params(problem, spec, &material)?;
            out.push(Assessed { name, ids: vec![id], params, material });
        }
    }
    Ok(out)
}

/// The fatigue material of a region: the library entry with the scenario's overrides (SI).
fn fatigue_material(
    problem: &Problem,
    spec: &FatigueSpec,
    library: Option<&String>,
    region: &str,
) -> Result<fatigue::Material, ScenarioError> {
    let s = problem.scenario().units.stress();
    let bad = |m: String| invalid(problem, "fatigue", m);
    let mut material = match library {
        Some(name) => fatigue::Material::named(name).ok_or_else(|| {
            bad(format!(
                "material = \"{name}\" is not a built-in material (library: {})",
                fatigue::library::NAMES.join(", ")
            ))
        })?,
        None => {
            let (Some(su), true) = (
                spec.ultimate_strength,
                spec.basquin.is_some() || spec.sn_table.is_some() || spec.endurance_limit.is_some(),
            ) else {
                return Err(bad(format!(
                    "region '{region}' has no fatigue data: give [fatigue] material = \"...\" (library: {}), library \
                     on its [[material]], or ultimate_strength with basquin, sn_table or endurance_limit",
                    fatigue::library::NAMES.join(", ")
                )));
            };
            let placeholder = SnCurve::default_rule(su * s, 0.5 * su * s).map_err(|e| bad(e.to_string()))?;
            fatigue::Material {
                name: "scenario".into(),
                youngs_modulus: f64::NAN,
                poisson_ratio: f64::NAN,
                yield_strength: spec.yield_strength.unwrap_or(su) * s,
                ultimate_strength: su * s,
                sn: placeholder,
                source: "the scenario's own data".into(),
                typical: false,
            }
        }
    };
    let mut overridden = Vec::new();
    if let Some(v) = spec.ultimate_strength {
        material.ultimate_strength = v * s;
        overridden.push("ultimate_strength");
    }
    if let Some(v) = spec.yield_strength {
        material.yield_strength = v * s;
        overridden.push("yield_strength");
    }
    let sn = if let Some(b) = spec.basquin {
        overridden.push("basquin");
        Some(SnCurve::basquin(b.coefficient * s, b.exponent, b.knee_cycles))
    } else if let Some(rows) = &spec.sn_table {
        overridden.push("sn_table");
        Some(SnCurve::table(rows.iter().map(|r| (r[0], r[1] * s)).collect()))
    } else if let Some(se) = spec.endurance_limit {
        overridden.push("endurance_limit");
        Some(SnCurve::default_rule(material.ultimate_strength, se * s))
    } else {
        None
    };
    if let Some(sn) = sn {
        material.sn = sn.map_err(|e| bad(e.to_string()))?;
    }
    let marin = Marin { surface: spec.surface_factor, size: spec.size_factor, reliability: spec.reliability_factor };
    material.sn = material.sn.clone().with_marin(marin).map_err(|e| bad(e.to_string()))?;
    if !overridden.is_empty() && material.name != "scenario" {
        material.source = format!("{}; overridden by the scenario: {}", material.source, overridden.join(", "));
    }
    if material.yield_strength > material.ultimate_strength {
        return Err(bad(format!(
            "yield_strength {} exceeds ultimate_strength {} (stress unit)",
            material.yield_strength / s,
            material.ultimate_strength / s
        )));
    }
    Ok(material)
}

fn params(problem: &Problem, spec: &FatigueSpec, m: &fatigue::Material) -> Result<FatigueParams, ScenarioError> {
    let criterion = match spec.criterion {
        CriterionName::SignedVonMises => Criterion::SignedVonMises,
        CriterionName::MaxPrincipal => Criterion::MaxPrincipal,
        CriterionName::Findley => Criterion::Findley {
            k: spec.findley_k.unwrap_or(0.3),
            step: spec.findley_step.unwrap_or(fatigue::assess::DEFAULT_FINDLEY_STEP),
        },
    };
    let mean_stress = match spec.mean_stress {
        MeanStressName::None => MeanStress::None,
        MeanStressName::Goodman => MeanStress::Goodman,
        MeanStressName::Gerber => MeanStress::Gerber,
        MeanStressName::Soderberg => MeanStress::Soderberg,
        MeanStressName::Swt => MeanStress::Swt,
        MeanStressName::Walker => MeanStress::Walker { gamma: spec.walker_gamma.unwrap_or(0.5) },
    };
    let p = FatigueParams {
        criterion,
        mean_stress,
        sn: m.sn.clone(),
        ultimate_strength: m.ultimate_strength,
        yield_strength: m.yield_strength,
        design_life: spec.design_life,
    };
    p.validate().map_err(|e| invalid(problem, "fatigue", e.to_string()))?;
    Ok(p)
}

/// Step 2: the loading, the history (if any) and a description.
fn loading(
    problem: &Problem,
    spec: &FatigueSpec,
    base: &Path,
    names: &[String],
) -> Result<(Loading, Option<History>, String), ScenarioError> {
    if let Some(h) = &spec.history {
        let path = base.join(&h.file);
        let history =
            history::read(&path, &h.time_column, names).map_err(|m| invalid(problem, "fatigue.history", m))?;
        let describe = format!("history {} ({} samples)", h.file.display(), history.samples.len());
        return Ok((Loading::History { samples: history.samples.clone() }, Some(history), describe));
    }
    let c = spec.cycle.as_ref().expect("checked: a cycle or a history");
    let factors = |map: &Option<BTreeMap<String, f64>>, default: f64| -> Vec<f64> {
        names.iter().map(|n| map.as_ref().map_or(default, |m| m.get(n).copied().unwrap_or(0.0))).collect()
    };
    let max = factors(&c.max, 1.0);
    match c.r {
        Some(r) => {
            let loading = Loading::from_r(max, r).map_err(|e| invalid(problem, "fatigue.cycle", e.to_string()))?;
            Ok((loading, None, format!("constant amplitude, R = {r}")))
        }
        None => {
            let min = factors(&c.min, 0.0);
            Ok((Loading::Constant { max, min }, None, "constant amplitude between max and min".into()))
        }
    }
}

/// Mesh nodes of the cells `keep` accepts, sorted.
fn nodes_of(mesh: &crate::mesh::Mesh, keep: &impl Fn(usize) -> bool) -> Vec<usize> {
    let mut seen = vec![false; mesh.nodes().len()];
    for c in (0..mesh.cell_count()).filter(|&c| keep(c)) {
        mesh.cell_nodes(c).iter().for_each(|&n| seen[n] = true);
    }
    (0..seen.len()).filter(|&n| seen[n]).collect()
}

/// The load states a loading passes through (coefficient rows).
fn loading_states(loading: &Loading) -> Vec<Vec<f64>> {
    match loading {
        Loading::Constant { max, min } => vec![max.clone(), min.clone()],
        Loading::History { samples } => samples.clone(),
    }
}

/// The state shown in the VTU: the cycle's maximum, or the history's sample of largest norm.
fn max_state(loading: &Loading) -> Vec<f64> {
    match loading {
        Loading::Constant { max, .. } => max.clone(),
        Loading::History { samples } => samples
            .iter()
            .max_by(|a, b| norm(a).total_cmp(&norm(b)))
            .cloned()
            .expect("validated: a history has samples"),
    }
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|c| c * c).sum::<f64>().sqrt()
}

/// The results of the combination `c` of the load cases.
fn combined(problem: &Problem, cases: &LoadCases, c: &[f64]) -> Solution {
    let x = cases.combine(c);
    let mut loads = vec![0.0; x.len()];
    for (ck, case) in c.iter().zip(problem.load_cases()) {
        loads.iter_mut().zip(case).for_each(|(a, b)| *a += ck * b);
    }
    let mut report = cases.solutions[0].report.clone();
    report.seconds = cases.solve_seconds();
    problem.results_for(&x, report, &loads)
}

/// The stress per case at mesh node `p`, recovered over the region's cells.
fn stresses_at(problem: &Problem, a: &Assessed, displacements: &[Vec<[f64; 3]>], p: usize) -> Vec<[f64; 6]> {
    let regions = problem.mesh().cell_regions();
    displacements
        .iter()
        .map(|u| {
            post::nodal_tensors_where(problem.mesh_si(), problem.materials(), u, |c| a.ids.contains(&regions[c])).1[p]
        })
        .collect()
}

fn region_summary(
    problem: &Problem,
    a: &Assessed,
    nodes: &[usize],
    results: &[fatigue::PointFatigue],
) -> RegionFatigue {
    let s = problem.scenario().units.stress();
    let worst = results.iter().enumerate().min_by(|x, y| x.1.safety_factor.total_cmp(&y.1.safety_factor));
    let min_life = results.iter().map(|r| r.life).fold(f64::INFINITY, f64::min);
    RegionFatigue {
        region: a.name.clone(),
        material: a.material.name.clone(),
        source: a.material.source.clone(),
        typical: a.material.typical,
        ultimate_strength: a.material.ultimate_strength / s,
        yield_strength: a.material.yield_strength / s,
        strength_at_design_life: a.params.sn.strength(a.params.design_life) / s,
        nodes: nodes.len(),
        min_safety_factor: worst.map_or(f64::NAN, |(_, r)| r.safety_factor),
        min_life: min_life.is_finite().then_some(min_life),
        hot_spot_node: worst.map_or(0, |(i, _)| problem.mesh().node_ids()[nodes[i]]),
        gpu: None,
    }
}

/// Step 6: per bone region the largest risk over the states; and the risk per node (NaN off bone).
fn bone_maps(
    problem: &Problem,
    spec: &FatigueSpec,
    displacements: &[Vec<[f64; 3]>],
    states: &[Vec<f64>],
) -> Result<(Vec<BoneSummary>, Vec<f64>), ScenarioError> {
    let mesh = problem.mesh();
    let mut risk = vec![f64::NAN; mesh.nodes().len()];
    let mut rows = Vec::new();
    for (i, b) in spec.bone.iter().enumerate() {
        let entry = format!("fatigue.bone[{}]", i + 1);
        let ids = region_ids(mesh, &b.region).map_err(|m| invalid(problem, &entry, m))?;
        let regions = mesh.cell_regions();
        let keep = |c: usize| ids.as_ref().is_none_or(|ids| ids.contains(&regions[c]));
        let limits = bone::BoneStrainLimits { tension: b.tension_limit, compression: b.compression_limit };
        limits.validate().map_err(|e| invalid(problem, &entry, e.to_string()))?;
        let nodes = nodes_of(mesh, &keep);
        let strains: Vec<Vec<[f64; 6]>> = displacements
            .iter()
            .map(|u| post::nodal_tensors_where(problem.mesh_si(), problem.materials(), u, keep).0)
            .collect();
        let node_risk: Vec<f64> = nodes
            .par_iter()
            .map(|&p| {
                states
                    .iter()
                    .map(|c| {
                        let mut e = [0.0; 6];
                        for (ck, case) in c.iter().zip(&strains) {
                            (0..6).for_each(|k| e[k] += ck * case[p][k]);
                        }
                        // Engineering shears to tensor components.
                        (3..6).for_each(|k| e[k] *= 0.5);
                        bone::strain_risk(&e, &limits)
                    })
                    .fold(0.0, f64::max)
            })
            .collect();
        let (worst, max_risk) =
            nodes.iter().zip(&node_risk).fold((0, 0.0), |a, (&p, &r)| if r > a.1 { (p, r) } else { a });
        for (&p, &r) in nodes.iter().zip(&node_risk) {
            risk[p] = if risk[p].is_nan() { r } else { risk[p].max(r) };
        }
        let name = match &b.region {
            RegionRef::Name(n) => n.clone(),
            RegionRef::Id(id) => id.to_string(),
        };
        rows.push(BoneSummary {
            region: name,
            tension_limit: b.tension_limit,
            compression_limit: b.compression_limit,
            max_risk,
            node: mesh.node_ids()[worst],
            position: mesh.nodes()[worst],
        });
    }
    Ok((rows, risk))
}

/// The fatigue point fields (NaN where a node is not assessed).
fn fields(best: &[Option<(usize, fatigue::PointFatigue)>], s: f64, risk: Vec<f64>) -> Vec<Field> {
    let field = |name: &str, f: &dyn Fn(&fatigue::PointFatigue) -> f64| Field {
        name: name.into(),
        components: 1,
        values: best.iter().map(|b| b.as_ref().map_or(f64::NAN, |(_, r)| f(r))).collect(),
    };
    let mut out = vec![
        field("fatigue_alternating", &|r| r.alternating / s),
        field("fatigue_mean", &|r| r.mean / s),
        field("fatigue_equivalent", &|r| r.equivalent / s),
        field("fatigue_life_log10", &|r| if r.life.is_finite() { r.life.log10() } else { INFINITE_LIFE_LOG10 }),
        field("fatigue_damage", &|r| r.damage),
        field("safety_factor", &|r| r.safety_factor),
    ];
    if risk.iter().any(|r| !r.is_nan()) {
        out.push(Field { name: "bone_strain_risk".into(), components: 1, values: risk });
    }
    out
}

/// The rainflow table of the equivalent stress at one point (CSV, stress unit).
fn rainflow_table(unit: &[[f64; 6]], h: &History, criterion: Criterion, s: f64) -> String {
    let series = fatigue::assess::equivalent_history(unit, &h.samples, criterion).unwrap_or_default();
    let mut out = String::from("range,mean,count,start_time,end_time\n");
    for c in rainflow::count(&series) {
        out.push_str(&format!("{},{},{},{},{}\n", c.range / s, c.mean / s, c.count, h.times[c.start], h.times[c.end]));
    }
    out
}
