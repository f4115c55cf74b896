//! `organ-twin converge`: a scenario on systematically refined meshes, with the observed order,
//! the extrapolated value and the GCI of each quantity of interest; writes `convergence.json`
//! and, unless `--no-report`, `report.html` with the convergence plot (`convergence.png` and
//! `.svg`), all published together ([`io::staging`]), `convergence.json` last.

use std::path::PathBuf;

use clap::Args;

use super::run::{load, Bars};
use super::{report, Failure};
use crate::io;
use crate::plot::{self, Axis, PlotSpec, Series};
use crate::report::Figure;
use crate::twin::converge::{self, Convergence};
use crate::twin::scenario::base_dir;
use crate::twin::{resolve_backend, BackendChoice};

/// The arguments of `organ-twin converge`.
#[derive(Args, Debug)]
pub(super) struct ConvergeArgs {
    /// Scenario file: static (with [fatigue], its safety factor is a quantity too) or quasi-static
    /// (the quantities at its last step); a heartbeat is refused.
    scenario: PathBuf,
    /// Mesh levels: the scenario's mesh and LEVELS − 1 uniform refinements (each 8× the cells).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(3..=6))]
    levels: u32,
    /// Use these meshes instead (coarse to fine, comma-separated), refined by --ratio per level.
    #[arg(long, value_delimiter = ',', value_name = "MESH,MESH,MESH")]
    meshes: Vec<PathBuf>,
    /// Refinement ratio of the --meshes list (element size of one level over the next).
    #[arg(long, default_value_t = 2.0)]
    ratio: f64,
    /// Output folder for convergence.json, report.html and the plot [default: out/<name>_convergence].
    #[arg(short, long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Backend, overriding the scenario's.
    #[arg(long, value_enum)]
    backend: Option<BackendChoice>,
    /// Print convergence.json instead of the table.
    #[arg(long)]
    json: bool,
    /// Skip report.html (and the plot it embeds).
    #[arg(long)]
    no_report: bool,
}

/// The file a study publishes last: a folder without it holds no complete study.
const MARKER: &str = "convergence.json";

/// Runs `organ-twin converge`.
pub(super) fn run(a: ConvergeArgs, quiet: bool) -> Result<(), Failure> {
    let (scenario, mesh, source) = load(Some(&a.scenario), quiet)?;
    converge::check_analysis(&scenario, &source)?;
    let (meshes, ratio) = if a.meshes.is_empty() {
        (converge::refined_meshes(mesh, a.levels as usize, &source)?, 2.0)
    } else {
        let mut list = Vec::new();
        for path in &a.meshes {
            let imported = io::read_mesh(path, &super::build_options(scenario.mesh.fix_orientation))?;
            super::warn(quiet, &imported.warnings);
            list.push(imported.mesh);
        }
        (list, a.ratio)
    };
    let choice = a.backend.unwrap_or(scenario.solver.backend);
    let backend = resolve_backend(choice, scenario.solver.method_for(scenario.analysis_kind(), choice))?;
    let bars = Bars::new(quiet);
    let out = a.out.unwrap_or_else(|| PathBuf::from("out").join(format!("{}_convergence", scenario.name)));
    let study = converge::study(&scenario, &source, &base_dir(&a.scenario), meshes, ratio, &backend, &bars)?;
    let json = serde_json::to_string_pretty(&study).expect("study serializes");
    let written = (!a.no_report).then(|| {
        let mut notes = Vec::new();
        let figures: Vec<Figure> = convergence_plot(&study, &mut notes).into_iter().collect();
        (crate::report::convergence::document(&study, &source, &figures, &notes), figures)
    });
    let mut staging = io::staging::Staging::begin(&out)?;
    if let Some((html, figures)) = &written {
        staging.write("report.html", |w| w.write_all(html.as_bytes()))?;
        for (name, bytes) in figures.iter().flat_map(|f| f.files()) {
            staging.write(&name, |w| w.write_all(bytes))?;
        }
    }
    staging.write(MARKER, |w| writeln!(w, "{json}"))?;
    // Stale: an earlier study's plot and report this one did not write (the staging folder only
    // removes files this run did not stage).
    let names = staging.files().join(", ");
    staging.publish(MARKER, |n| n == "report.html" || crate::report::is_picture_file(n))?;
    report(|w| {
        if a.json {
            return writeln!(w, "{json}");
        }
        let last = if study.analysis == "quasi_static" { " (quasi-static: the last step's quantities)" } else { "" };
        writeln!(w, "{}: {} levels, refinement ratio {}{last}", study.scenario, study.levels.len(), study.ratio)?;
        for (k, l) in study.levels.iter().enumerate() {
            writeln!(
                w,
                "  level {}: {} cells, {} DOFs, h/h0 = {:.4}, {:.2} s",
                k + 1,
                l.cells,
                l.dofs,
                l.relative_size,
                l.seconds
            )?;
        }
        for q in &study.quantities {
            let values: Vec<String> = q.values.iter().map(|v| format!("{v:.6e}")).collect();
            writeln!(w, "  {} [{}]: {}", q.name, q.unit, values.join(", "))?;
            let ext = q.extrapolated.map_or(String::new(), |e| format!("; extrapolated {e:.6e}"));
            let ratio = q.asymptotic_ratio.map_or(String::new(), |r| format!("; asymptotic ratio {r:.3}"));
            writeln!(w, "      {}{ext}{ratio}", q.verdict)?;
        }
        writeln!(w, "wrote {} ({names})", out.display())
    })
}

/// Relative difference to the extrapolated value against the element size, log-log, for every
/// quantity that converges monotonically; `None`, with a note, when none does.
fn convergence_plot(study: &Convergence, notes: &mut Vec<String>) -> Option<Figure> {
    let series: Vec<Series> = study
        .quantities
        .iter()
        .filter_map(|q| {
            let ext = q.extrapolated?;
            let points: Vec<(f64, f64)> = q
                .values
                .iter()
                .zip(&study.levels)
                .map(|(v, l)| (l.relative_size, ((v - ext) / ext).abs()))
                .filter(|(_, e)| *e > 0.0)
                .collect();
            let label = format!("{} (p = {:.2})", q.name, q.order.unwrap_or(f64::NAN));
            Some(Series { label, points, mark: plot::Mark::LinePoints })
        })
        .collect();
    let spec = PlotSpec::new(
        "Mesh convergence",
        Axis::new("element size h / h0", None).log(),
        Axis::new("relative difference to the extrapolated value", None).log(),
    );
    match plot::line_plot(&spec, &series) {
        Ok(p) => Some(Figure {
            name: "convergence".into(),
            caption: "Relative difference of each monotonically converging quantity to its Richardson-extrapolated \
                      value against the element size (log-log: the slope is the observed order)"
                .into(),
            png: p.png,
            svg: Some(p.svg),
        }),
        Err(e) => {
            notes.push(format!("no convergence plot: no quantity converges monotonically ({e})"));
            None
        }
    }
}
