//! The sections of a heartbeat run: inputs (mesh, laws, calibration, circulation), the beats
//! with the PV loop and the pressures, and the checks (valves, isovolumetric volume, loop
//! closure, periodicity).

use super::{num, Figure, Section};
use crate::twin::heartbeat::summary::HeartbeatSummary;

/// Inputs: mesh, laws, the calibration and the circulation.
pub fn inputs(s: &HeartbeatSummary) -> Section {
    let mut out = Section::new("inputs", "Inputs");
    out.paragraph(&format!(
        "Mesh {}: {} nodes, {} cells ({}), {} DOFs. Formulation: {}. Coupling: {}.",
        s.mesh.file,
        s.mesh.nodes,
        s.mesh.cells,
        s.mesh.cell_types.join(", "),
        s.mesh.dofs,
        s.formulation,
        s.coupling
    ));
    let laws: Vec<Vec<String>> = s
        .materials
        .iter()
        .map(|m| vec![super::region(&m.region), m.model.clone(), m.bulk_modulus.map_or("incompressible".into(), num)])
        .collect();
    out.heading("Materials").table(&["region", "law", &format!("bulk modulus ({})", s.units.stress)], &laws);
    if let Some(c) = &s.calibration {
        out.heading("Passive calibration (Klotz et al. 2006)").paragraph(&format!(
            "Stiffness scale {} after {} inflations: EDV {} mL at EDP {} mmHg simulated as {} mL ({:+.3} %), RMS error \
             over the Klotz curve {} % of EDV.",
            num(c.scale),
            c.inflations,
            num(c.edv_ml),
            num(c.edp_mmhg),
            num(c.simulated_edv_ml),
            c.edv_error_pct,
            num(c.rms_error_pct)
        ));
    }
    let c = &s.circulation;
    let u = &c.pressure_unit;
    out.heading("Circulation").table(
        &["atrial pressure", "mitral R", "R_c", "R_p", "C", "initial arterial pressure"],
        &[vec![
            format!("{} {u}", num(c.atrial_pressure)),
            format!("{} {u}·s/mL", num(c.mitral_resistance)),
            format!("{} {u}·s/mL", num(c.characteristic_resistance)),
            format!("{} {u}·s/mL", num(c.peripheral_resistance)),
            format!("{} mL/{u}", num(c.compliance)),
            format!("{} {u}", num(c.arterial_pressure)),
        ]],
    );
    out
}

/// The beats: per-beat table and the figures.
pub fn beats(s: &HeartbeatSummary, figures: &[Figure]) -> Section {
    let mut out = Section::new("beats", "Beats");
    out.paragraph(&format!(
        "{} of {} beats, period {} s, time step {} s, status {}{}; Newton {} iterations in all; {} s.",
        s.beats.len(),
        s.planned_beats,
        num(s.period),
        num(s.dt),
        s.status,
        s.message.as_ref().map_or(String::new(), |m| format!(" ({m})")),
        s.solver.newton_iterations,
        num(s.seconds)
    ));
    let rows: Vec<Vec<String>> = s
        .beats
        .iter()
        .map(|b| {
            vec![
                b.beat.to_string(),
                num(b.edv_ml),
                num(b.esv_ml),
                num(b.stroke_volume_ml),
                format!("{:.1}", b.ejection_fraction_pct),
                num(b.edp_mmhg),
                num(b.peak_pressure_mmhg),
                num(b.stroke_work_mmhg_ml),
            ]
        })
        .collect();
    out.table(&["beat", "EDV mL", "ESV mL", "SV mL", "EF %", "EDP mmHg", "peak mmHg", "stroke work mmHg·mL"], &rows);
    for f in figures {
        out.figure(f);
    }
    out
}

/// Checks of the beats.
pub fn checks(s: &HeartbeatSummary) -> Section {
    let mut out = Section::new("checks", "Checks");
    let mark = |ok: bool| if ok { "pass" } else { "CHECK" };
    let mut rows = vec![vec![
        "beats completed".into(),
        format!("{} / {}", s.beats.len(), s.planned_beats),
        "all".into(),
        mark(s.status == "completed").into(),
    ]];
    for b in &s.beats {
        rows.push(vec![
            format!("beat {}: valve events", b.beat),
            b.valve_events.iter().map(|(e, t)| format!("{e} at {t:.3} s")).collect::<Vec<_>>().join("; "),
            "all four".into(),
            mark(b.valve_events.len() >= 4).into(),
        ]);
        rows.push(vec![
            format!("beat {}: isovolumetric volume drift", b.beat),
            format!("{:.1e}", b.isovolumetric_drift),
            format!("≤ volume_tolerance {:.0e} (relative to the volume at closure)", s.volume_tolerance),
            mark(b.holds_volume(s.volume_tolerance)).into(),
        ]);
        rows.push(vec![
            format!("beat {}: loop gap", b.beat),
            format!("{:.3} % of EDV", b.loop_gap_pct),
            "small once periodic".into(),
            String::new(),
        ]);
    }
    out.table(&["check", "figure", "criterion", "verdict"], &rows);
    if !s.warnings.is_empty() {
        out.heading("Warnings").list(&s.warnings, true);
    }
    out
}

/// The whole report of a heartbeat run of the scenario file `source`.
pub fn document(s: &HeartbeatSummary, source: &str, figures: &[Figure]) -> String {
    let sections = vec![inputs(s), beats(s, figures), checks(s), super::verification::section()];
    super::render(&format!("organ-twin report: {}", s.scenario), &format!("Scenario {source}, heartbeat"), &sections)
}
