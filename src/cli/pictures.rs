//! The pictures and plots of a run: rendered on the run's GPU, or on a software adapter
//! (lavapipe) when the run solved on the CPU; without any adapter the report goes without them
//! and says why.

use std::sync::Arc;

use crate::fatigue::SnCurve;
use crate::gpu::{Gpu, GpuOptions};
use crate::mesh::{Field, Mesh};
use crate::plot::{self, Axis, PlotSpec, Series};
use crate::render::{Fields, RenderOptions, Renderer, View};
use crate::report::static_run::Figures;
use crate::report::Figure;
use crate::solve::Backend;
use crate::twin::fatigue::FatigueRun;
use crate::twin::{Problem, Solution};

/// Picture size in the report.
const SIZE: (u32, u32) = (1000, 750);

fn renderer(backend: &Backend) -> Result<Renderer, String> {
    let gpu: Arc<Gpu> = match backend {
        Backend::Gpu(g) => Arc::clone(g.gpu()),
        Backend::Cpu => Gpu::new(&GpuOptions::default()).map_err(|e| e.to_string())?,
    };
    Renderer::new(gpu).map_err(|e| e.to_string())
}

/// A deformation scale that moves the largest displacement to 5 % of the mesh's size.
fn deformation_scale(mesh: &Mesh, max_u: f64) -> Option<f64> {
    let (lo, hi) = mesh.bounding_box()?;
    let size = (0..3).map(|k| (hi[k] - lo[k]).powi(2)).sum::<f64>().sqrt();
    (max_u > 0.0 && size > 0.0).then(|| {
        let s = 0.05 * size / max_u;
        // A round number: 1, 2 or 5 times a power of ten.
        let p = 10f64.powf(s.log10().floor());
        [5.0, 2.0, 1.0].iter().map(|m| m * p).find(|v| *v <= s).unwrap_or(p)
    })
}

struct Picture<'a> {
    name: &'a str,
    field: &'a str,
    units: &'a str,
    caption: String,
    deformed: Option<f64>,
    range: Option<(f64, f64)>,
}

fn render_all(
    renderer: &Result<Renderer, String>,
    mesh: &Mesh,
    point: &[Field],
    cell: &[Field],
    pictures: &[Picture<'_>],
    notes: &mut Vec<String>,
) -> Vec<Figure> {
    let r = match renderer {
        Ok(r) => r,
        Err(e) => {
            let note = format!("the pictures are left out: no GPU adapter to render them ({e})");
            if !notes.contains(&note) {
                notes.push(note);
            }
            return Vec::new();
        }
    };
    let fields = Fields { point, cell };
    pictures
        .iter()
        .filter_map(|p| {
            let options = RenderOptions {
                field: format!("point:{}", p.field),
                view: View::Iso,
                deformed: p.deformed,
                width: SIZE.0,
                height: SIZE.1,
                units: Some(p.units.to_string()),
                range: p.range,
                ..RenderOptions::default()
            };
            match r.render(mesh, &fields, &options).and_then(|pic| pic.png()) {
                Ok(png) => Some(Figure { name: p.name.into(), caption: p.caption.clone(), png, svg: None }),
                Err(e) => {
                    notes.push(format!("the picture of {} could not be made: {e}", p.field));
                    None
                }
            }
        })
        .collect()
}

/// The solver's residual history, when the method iterated.
fn convergence(name: &str, history: &[f64], notes: &mut Vec<String>) -> Option<Figure> {
    if history.is_empty() {
        return None;
    }
    match plot::solver_convergence(&[(name.to_string(), history.to_vec())]) {
        Ok(p) => Some(Figure {
            name: "solver_convergence".into(),
            caption: "Relative residual against CG iteration".into(),
            png: p.png,
            svg: Some(p.svg),
        }),
        Err(e) => {
            notes.push(format!("the convergence plot could not be drawn: {e}"));
            None
        }
    }
}

/// Pictures of a static run: von Mises on the deformed shape, the displacement magnitude, and the
/// CG convergence.
pub(super) fn static_run(problem: &Problem, solution: &Solution, backend: &Backend) -> Figures {
    static_with(problem, solution, &renderer(backend))
}

/// [`static_run`] with a renderer made by the caller (once per run).
fn static_with(problem: &Problem, solution: &Solution, r: &Result<Renderer, String>) -> Figures {
    let s = &solution.summary;
    let mut figures = Figures::default();
    let scale = deformation_scale(problem.mesh(), s.max_displacement);
    let shown = scale.map_or(String::new(), |k| format!(", displacements × {k}"));
    let pictures = [
        Picture {
            name: "von_mises",
            field: "von_mises",
            units: &s.units.stress,
            caption: format!("von Mises stress (nodal) on the deformed shape{shown}; undeformed outline in grey"),
            deformed: scale,
            range: None,
        },
        Picture {
            name: "displacement",
            field: "displacement",
            units: &s.units.length,
            caption: "Displacement magnitude on the undeformed shape".into(),
            deformed: None,
            range: None,
        },
    ];
    figures.results =
        render_all(r, problem.mesh(), &solution.point_fields, &solution.cell_fields, &pictures, &mut figures.notes);
    figures.solver.extend(convergence(&s.solver.method, &solution.report.history, &mut figures.notes));
    figures
}

/// Pictures of a fatigue run: the results' pictures of the maximum load state, the safety-factor
/// map, its histogram, and each region's S-N curve with the hot spot's operating point.
pub(super) fn fatigue_run(problem: &Problem, run: &FatigueRun, backend: &Backend) -> Figures {
    let r = renderer(backend);
    let mut figures = static_with(problem, &run.solution, &r);
    let s = &run.solution.summary;
    let Some(f) = &s.fatigue else { return figures };
    // Nodes outside the assessed regions (NaN) are drawn at the top of the scale, with the safe.
    let mut point = run.solution.point_fields.clone();
    let mut assessed: Vec<f64> = Vec::new();
    if let Some(sf) = point.iter_mut().find(|p| p.name == "safety_factor") {
        assessed = sf.values.iter().copied().filter(|v| v.is_finite()).collect();
        let top = assessed.iter().copied().fold(f64::MIN, f64::max);
        sf.values.iter_mut().filter(|v| v.is_nan()).for_each(|v| *v = top);
    }
    // Colours from the smallest factor to 10 (larger ones, and the capped 1e3 of unloaded nodes,
    // at the top colour).
    let lo = assessed.iter().copied().fold(f64::INFINITY, f64::min);
    let range = (lo.is_finite() && lo < 10.0).then_some((lo, 10.0));
    let pictures = [Picture {
        name: "safety_factor",
        field: "safety_factor",
        units: "-",
        caption: format!(
            "Fatigue safety factor (factor on the loading to the design life of {:.1e} {}), colours clipped at 10; \
             regions not assessed at the top colour",
            f.design_life, f.life_unit
        ),
        deformed: None,
        range,
    }];
    figures.fatigue = render_all(&r, problem.mesh(), &point, &run.solution.cell_fields, &pictures, &mut figures.notes);
    let shown: Vec<f64> = assessed.iter().copied().filter(|v| *v <= 10.0).collect();
    let spec = PlotSpec::new(
        "Safety factor of the assessed nodes (≤ 10)",
        Axis::new("safety factor", None),
        Axis::new("nodes", None),
    );
    match plot::histogram(&spec, &shown, 40, Some((1.0, "design life"))) {
        Ok(p) => figures.fatigue.push(Figure {
            name: "safety_factor_histogram".into(),
            caption: format!("{} of {} assessed nodes have a safety factor ≤ 10", shown.len(), assessed.len()),
            png: p.png,
            svg: Some(p.svg),
        }),
        Err(e) => figures.notes.push(format!("the safety-factor histogram: {e}")),
    }
    let stress = problem.scenario().units.stress();
    if let Some(fig) = sn_plot(&run.curves, f, stress, &s.units.stress, &mut figures.notes) {
        figures.fatigue.push(fig);
    }
    figures
}

/// The S-N curves (stress unit) with the hot spot's equivalent amplitude at the design life.
fn sn_plot(
    curves: &[(String, SnCurve)],
    f: &crate::twin::fatigue_summary::FatigueSummary,
    stress: f64,
    unit: &str,
    notes: &mut Vec<String>,
) -> Option<Figure> {
    let cycles: Vec<f64> = (0..=60).map(|i| 10f64.powf(3.0 + 6.0 * i as f64 / 60.0)).collect();
    let mut series: Vec<Series> = curves
        .iter()
        .map(|(name, c)| {
            Series::line(format!("S-N {name}"), cycles.iter().map(|&n| (n, c.strength(n) / stress)).collect())
        })
        .collect();
    let h = &f.hot_spot;
    let at = h.life.unwrap_or(f.design_life).min(1e9);
    series.push(Series::points(format!("hot spot ({}, node {})", h.region, h.node), vec![(at, h.equivalent)]));
    let spec = PlotSpec::new(
        "S-N curves and the hot spot",
        Axis::new("cycles", None).log(),
        Axis::new("stress amplitude", Some(unit)).log(),
    );
    match plot::line_plot(&spec, &series) {
        Ok(p) => Some(Figure {
            name: "sn_curve".into(),
            caption: "S-N curves of the assessed materials (Marin factors applied) and the hot spot's equivalent fully reversed amplitude at its life (or at the design life when infinite)".into(),
            png: p.png,
            svg: Some(p.svg),
        }),
        Err(e) => {
            notes.push(format!("the S-N plot: {e}"));
            None
        }
    }
}

/// Pictures of a quasi-static run: the last step's displacement on the deformed shape, the
/// pressure–volume curve of each cavity and Newton's convergence per step; and the notes on
/// what is missing.
pub(super) fn quasi_static(
    analysis: &crate::twin::quasi_static::QuasiStatic,
    s: &crate::twin::summary::QuasiStaticSummary,
    last: Option<&(Vec<Field>, Vec<Field>)>,
    backend: &Backend,
) -> (Vec<Figure>, Vec<String>) {
    let mut notes = Vec::new();
    let mut figures = Vec::new();
    let cavities: Vec<String> = s.steps.first().map(|st| st.cavities.keys().cloned().collect()).unwrap_or_default();
    let series: Vec<Series> = cavities
        .iter()
        .filter_map(|c| {
            let points: Vec<(f64, f64)> = s
                .steps
                .iter()
                .filter_map(|st| {
                    let cs = &st.cavities[c];
                    Some((cs.volume_ml.unwrap_or(cs.volume), cs.pressure?))
                })
                .collect();
            (!points.is_empty()).then(|| Series::line(c.clone(), points))
        })
        .collect();
    let ml = s.steps.first().and_then(|st| st.cavities.values().next()).is_some_and(|c| c.volume_ml.is_some());
    let volume_unit = if ml { "mL".to_string() } else { format!("{}³", s.units.length) };
    if !series.is_empty() {
        let spec = PlotSpec::new(
            "Pressure–volume",
            Axis::new("cavity volume", Some(&volume_unit)),
            Axis::new("cavity pressure", Some(&s.units.stress)),
        );
        match plot::line_plot(&spec, &series) {
            Ok(p) => figures.push(Figure {
                name: "pressure_volume".into(),
                caption: "Cavity pressure against volume, step by step".into(),
                png: p.png,
                svg: Some(p.svg),
            }),
            Err(e) => notes.push(format!("the pressure-volume plot: {e}")),
        }
    }
    let newton: Vec<Series> = s
        .steps
        .iter()
        .filter(|st| !st.residual_history.is_empty())
        .map(|st| {
            Series::line(
                format!("step {}", st.step),
                st.residual_history.iter().enumerate().map(|(i, &r)| (i as f64, r)).collect(),
            )
        })
        .collect();
    if !newton.is_empty() {
        let spec = PlotSpec::new(
            "Newton convergence",
            Axis::new("Newton iteration", None),
            Axis::new("relative residual", None).log(),
        );
        match plot::line_plot(&spec, &newton) {
            Ok(p) => figures.push(Figure {
                name: "newton_convergence".into(),
                caption: "Newton's relative residual per iteration, one line per step".into(),
                png: p.png,
                svg: Some(p.svg),
            }),
            Err(e) => notes.push(format!("the Newton plot: {e}")),
        }
    }
    if let Some((point, cell)) = last {
        let pictures = [Picture {
            name: "displacement",
            field: "displacement",
            units: &s.units.length,
            caption: "Displacement magnitude at the last step, on the deformed shape (true scale); undeformed outline in grey".into(),
            deformed: Some(1.0),
            range: None,
        }];
        figures.extend(render_all(&renderer(backend), analysis.mesh(), point, cell, &pictures, &mut notes));
    }
    (figures, notes)
}
