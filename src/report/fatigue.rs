//! The section of a fatigue assessment: verdict, hot spot, regions with their material data,
//! load cases, bone maps and the plots.

use super::{num, vec3, Figure, Section};
use crate::twin::fatigue_summary::FatigueSummary;
use crate::twin::summary::UnitsSummary;

fn life(l: Option<f64>) -> String {
    l.map_or("infinite".into(), |l| format!("{l:.3e}"))
}

/// The fatigue section.
pub fn section(f: &FatigueSummary, u: &UnitsSummary, figures: &[Figure]) -> Section {
    let mut s = Section::new("fatigue", "Fatigue");
    let verdict = if f.passes { "reaches" } else { "does NOT reach" };
    s.paragraph(&format!(
        "Criterion {} with mean-stress correction {}; loading: {}; design life {:.3e} {}. The design {verdict} its \
         design life: minimum safety factor {} (the factor on the whole loading that gives exactly the design \
         life), minimum life {}, largest damage {}. Evaluation points: {}.",
        f.criterion,
        f.mean_stress,
        f.loading,
        f.design_life,
        f.life_unit,
        num(f.min_safety_factor),
        life(f.min_life),
        num(f.max_damage),
        f.evaluation_points
    ));
    let h = &f.hot_spot;
    s.heading("Hot spot").table(
        &[
            "node",
            &format!("position ({})", u.length),
            "region",
            "safety factor",
            "life",
            &format!("alternating / mean / equivalent ({})", u.stress),
        ],
        &[vec![
            h.node.to_string(),
            vec3(&h.position),
            h.region.clone(),
            num(h.safety_factor),
            life(h.life),
            format!("{} / {} / {}", num(h.alternating), num(h.mean), num(h.equivalent)),
        ]],
    );
    let regions: Vec<Vec<String>> = f
        .regions
        .iter()
        .map(|r| {
            vec![
                r.region.clone(),
                format!("{}{}", r.material, if r.typical { " (typical literature values, not certified)" } else { "" }),
                format!("{} / {}", num(r.yield_strength), num(r.ultimate_strength)),
                num(r.strength_at_design_life),
                r.nodes.to_string(),
                num(r.min_safety_factor),
                life(r.min_life),
                r.source.clone(),
            ]
        })
        .collect();
    s.heading("Regions").table(
        &[
            "region",
            "material",
            &format!("S_y / S_u ({})", u.stress),
            &format!("strength at design life ({})", u.stress),
            "nodes",
            "min safety factor",
            "min life",
            "source",
        ],
        &regions,
    );
    let gpu: Vec<Vec<String>> = f
        .regions
        .iter()
        .filter_map(|r| {
            let g = r.gpu.as_ref()?;
            Some(vec![
                r.region.clone(),
                g.adapter.clone(),
                format!("{} × {}", g.points, g.samples),
                g.passes.to_string(),
                format!("{:.3} / {:.3}", g.kernel_seconds, g.cpu_seconds),
                format!("{} / {}", g.cpu_completed, g.cpu_checked),
                format!(
                    "{:.1e} (tolerance {:.0e}){}",
                    g.max_safety_difference,
                    g.tolerance,
                    if g.agrees { "" } else { " — DOES NOT AGREE" }
                ),
                format!("{:.1e}; {} at the knee", g.max_damage_difference, g.knee_flips),
            ])
        })
        .collect();
    if !gpu.is_empty() {
        s.heading("GPU evaluation").paragraph(
            "The per-point assessment ran on the GPU in f32 (shaders/fatigue.wgsl). The points that decide the \
             reported figures (within 0.1 % of the smallest safety factor or the largest damage) and an evenly \
             spread sample were assessed again in f64 on the CPU, whose values are reported there; the differences \
             below are the GPU's against those.",
        );
        s.table(
            &[
                "region",
                "adapter",
                "points × samples",
                "passes",
                "GPU / CPU seconds",
                "completed / checked on the CPU",
                "max safety-factor difference",
                "max damage difference",
            ],
            &gpu,
        );
    }
    let cases: Vec<Vec<String>> = f
        .load_cases
        .iter()
        .map(|c| {
            let reactions: Vec<String> = c.reactions.iter().map(|(n, r)| format!("{n}: {}", vec3(r))).collect();
            vec![
                c.name.clone(),
                vec3(&c.applied_load),
                reactions.join("; "),
                num(c.max_von_mises),
                format!("{:.1e}", c.relative_residual),
            ]
        })
        .collect();
    s.heading("Unit load cases").table(
        &[
            "load",
            &format!("applied ({})", u.force),
            &format!("reactions ({})", u.force),
            &format!("max von Mises ({})", u.stress),
            "residual",
        ],
        &cases,
    );
    if !f.bone.is_empty() {
        let bone: Vec<Vec<String>> = f
            .bone
            .iter()
            .map(|b| {
                vec![
                    b.region.clone(),
                    num(b.max_risk),
                    b.node.to_string(),
                    vec3(&b.position),
                    format!("{} / {}", b.tension_limit, b.compression_limit),
                ]
            })
            .collect();
        s.heading("Bone overload")
            .table(&["region", "max risk ratio", "node", "position", "limits (tension / compression)"], &bone);
    }
    for fig in figures {
        s.figure(fig);
    }
    s
}
