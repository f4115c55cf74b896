//! The report of a mesh-convergence study (`organ-twin converge`): the mesh levels, the
//! quantities of interest with their observed order, extrapolated value and GCI, the convergence
//! plot, and the method.

use super::{num, Figure, Section};
use crate::twin::converge::{Convergence, SAFETY_FACTOR};

/// Levels: cells, nodes, DOFs, relative element size and time of each mesh.
pub fn levels(study: &Convergence) -> Section {
    let mut s = Section::new("levels", "Mesh levels");
    s.paragraph(&format!(
        "{} levels, coarse to fine, the element size shrinking by a ratio r = {} from one level to the next; the \
         order, extrapolation and GCI use the three finest.",
        study.levels.len(),
        study.ratio
    ));
    let rows: Vec<Vec<String>> = study
        .levels
        .iter()
        .enumerate()
        .map(|(k, l)| {
            vec![
                (k + 1).to_string(),
                l.cells.to_string(),
                l.nodes.to_string(),
                l.dofs.to_string(),
                num(l.relative_size),
                num(l.seconds),
            ]
        })
        .collect();
    s.table(&["level", "cells", "nodes", "DOFs", "h / h0", "seconds"], &rows);
    s
}

/// Quantities: the values per level, order, extrapolated value, GCI, asymptotic ratio, verdict,
/// and the plot.
pub fn quantities(study: &Convergence, figures: &[Figure], notes: &[String]) -> Section {
    let mut s = Section::new("quantities", "Quantities of interest");
    if study.analysis == "quasi_static" {
        s.paragraph(
            "A quasi-static (finite-strain) scenario: every level ran all its load steps, and the quantities are those \
             of the last step (cavity volumes, probe displacements, peaks of the displacement and of the cell \
             stresses, and the range of det F at the quadrature points).",
        );
    }
    let mut headers: Vec<String> = vec!["quantity".into(), "unit".into()];
    headers.extend((1..=study.levels.len()).map(|k| format!("level {k}")));
    headers.extend(["order p".into(), "extrapolated".into(), "GCI fine".into(), "asymptotic ratio".into()]);
    let opt = |v: Option<f64>| v.map_or("—".to_string(), num);
    let rows: Vec<Vec<String>> = study
        .quantities
        .iter()
        .map(|q| {
            let mut r = vec![q.name.clone(), q.unit.clone()];
            r.extend(q.values.iter().map(|v| num(*v)));
            r.extend([
                q.order.map_or("—".into(), |p| format!("{p:.2}")),
                opt(q.extrapolated),
                q.gci_fine.map_or("—".into(), |g| format!("{:.2} %", 100.0 * g)),
                q.asymptotic_ratio.map_or("—".into(), |a| format!("{a:.3}")),
            ]);
            r
        })
        .collect();
    let h: Vec<&str> = headers.iter().map(String::as_str).collect();
    s.table(&h, &rows);
    let verdicts: Vec<Vec<String>> = study.quantities.iter().map(|q| vec![q.name.clone(), q.verdict.clone()]).collect();
    s.heading("Verdicts").table(&["quantity", "verdict"], &verdicts);
    for f in figures {
        s.figure(f);
    }
    if !notes.is_empty() {
        s.heading("Notes").list(notes, true);
    }
    s
}

/// Method: Roache's three-grid GCI and how to read it.
pub fn method(study: &Convergence) -> Section {
    let mut s = Section::new("method", "Method");
    s.paragraph(&format!(
        "Calculation verification by Roache's three-grid Grid Convergence Index. With f₃, f₂, f₁ a quantity on the \
         three finest meshes (coarse to fine), ε₃₂ = f₃ − f₂, ε₂₁ = f₂ − f₁ and the refinement ratio r = {}: the \
         observed order p = ln(ε₃₂ / ε₂₁) / ln r, the Richardson-extrapolated value f_ext = f₁ − ε₂₁ / (rᵖ − 1), the \
         fine mesh's GCI = F_s |ε₂₁ / f₁| / (rᵖ − 1) with the safety factor F_s = {SAFETY_FACTOR} of a three-grid \
         study, and the asymptotic-range ratio GCI₂₃ / (rᵖ GCI₁₂), which is near 1 when the meshes are fine enough \
         for the error to behave as C hᵖ.",
        study.ratio
    ));
    s.paragraph(
        "The GCI is an uncertainty band on the fine mesh's value from the discretisation alone (not from the model, \
         its inputs or the solver's tolerance). It is only meaningful for monotone convergence: a sequence that \
         oscillates, or one that is unchanged to round-off, gets no order; a peak stress at a re-entrant corner or a \
         clamp grows under refinement (a singularity) and is reported as diverging.",
    );
    s
}

/// The whole report of a convergence study on `source`.
pub fn document(study: &Convergence, source: &str, figures: &[Figure], notes: &[String]) -> String {
    let sections =
        vec![levels(study), quantities(study, figures, notes), method(study), super::verification::section()];
    super::render(
        &format!("organ-twin convergence study: {}", study.scenario),
        &format!("Scenario {source} ({}), {} mesh levels", study.analysis.replace('_', "-"), study.levels.len()),
        &sections,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::twin::converge::{quantity, Level};

    #[test]
    fn the_report_lists_levels_quantities_and_the_method() {
        let level = |k: i32| Level {
            cells: 8usize.pow(k as u32),
            nodes: 10,
            dofs: 30,
            relative_size: 2f64.powi(-k),
            seconds: 0.5,
        };
        let study = Convergence {
            scenario: "s".into(),
            analysis: "static".into(),
            ratio: 2.0,
            levels: vec![level(0), level(1), level(2)],
            quantities: vec![quantity("f".into(), "mm".into(), vec![11.0, 10.25, 10.0625], 2.0)],
        };
        let page = document(&study, "s.toml", &[], &[]);
        for id in ["levels", "quantities", "method", "verification"] {
            assert!(page.contains(&format!("<section id=\"{id}\">")), "{id}");
        }
        // Order 2, extrapolated 10, GCI 1.25 · 0.1875 / 10.0625 / 3 = 0.78 %.
        assert!(page.contains("<td>2.00</td>") && page.contains("<td>10.00</td>"), "{page}");
        assert!(page.contains("<td>0.78 %</td>") && page.contains("F_s = 1.25"), "{page}");
    }
}
