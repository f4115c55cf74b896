//! The load schedule of a quasi-static analysis: stages of equal increments, each ramping the
//! loads from their previous values to its targets (rules in [`analysis`](super::analysis)).

use super::analysis::AnalysisKind;
use super::scenario::{Scenario, Value};

/// One stage: `increments` equal increments from the previous stage's values to `targets`.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    /// Name in reports.
    pub name: String,
    /// Increments.
    pub increments: usize,
    /// Target value of every load (scenario order, scenario units).
    pub targets: Vec<Value>,
    /// Target fraction of the prescribed displacements.
    pub support_fraction: f64,
}

/// Largest number of increments a scenario may ask for.
pub const MAX_INCREMENTS: usize = 100_000;

fn zero(v: &Value) -> Value {
    match v {
        Value::Scalar(_) => Value::Scalar(0.0),
        Value::Vector(_) => Value::Vector([0.0; 3]),
    }
}

/// The values of the loads before the first stage (all zero).
pub fn initial(s: &Scenario) -> Vec<Value> {
    s.loads.iter().map(|l| zero(&l.value)).collect()
}

/// The stages of `s` (checked by [`check`]).
pub fn stages(s: &Scenario) -> Vec<Stage> {
    let a = &s.analysis;
    if a.step_list.is_empty() {
        return vec![Stage {
            name: "ramp".into(),
            increments: a.steps.unwrap_or(10),
            targets: s.loads.iter().map(|l| l.value).collect(),
            support_fraction: 1.0,
        }];
    }
    let names: Vec<String> = (0..s.loads.len()).map(|i| s.load_name(i)).collect();
    let named_anywhere = |n: &str| a.step_list.iter().any(|st| st.loads.contains_key(n));
    let mut current = initial(s);
    let mut out = Vec::new();
    for (k, st) in a.step_list.iter().enumerate() {
        for (i, name) in names.iter().enumerate() {
            if let Some(v) = st.loads.get(name) {
                current[i] = *v;
            } else if k == 0 && !named_anywhere(name) {
                current[i] = s.loads[i].value;
            }
        }
        out.push(Stage {
            name: st.name.clone().unwrap_or(format!("step{}", k + 1)),
            increments: st.increments,
            targets: current.clone(),
            support_fraction: 1.0,
        });
    }
    out
}

/// Checks of `[analysis]` and `[[cavity]]` that need no mesh; `(entry, message)` on failure.
pub fn check(s: &Scenario) -> Result<(), (String, String)> {
    let a = &s.analysis;
    let bad = |m: String| Err(("analysis".to_string(), m));
    let quasi = s.analysis_kind() == AnalysisKind::QuasiStatic;
    if !quasi && (a.steps.is_some() || !a.step_list.is_empty()) {
        if s.analysis_kind() == AnalysisKind::Heartbeat {
            return bad("a heartbeat's time steps come from [heartbeat] period and dt, not analysis steps".into());
        }
        return bad("steps belong to kind = \"quasi_static\"".into());
    }
    if a.steps.is_some() && !a.step_list.is_empty() {
        return bad("give either steps = N or [[analysis.step]] entries, not both".into());
    }
    if a.steps.is_some_and(|n| n == 0 || n > MAX_INCREMENTS) {
        return bad(format!("steps = {} must lie in 1..={MAX_INCREMENTS}", a.steps.unwrap_or(0)));
    }
    if !(a.newton_rtol > 0.0 && a.newton_rtol < 1.0) {
        return bad(format!("newton_rtol = {} must lie in (0, 1)", a.newton_rtol));
    }
    if a.max_newton_iterations == 0 {
        return bad("max_newton_iterations must be at least 1".into());
    }
    if !(a.volume_tolerance > 0.0 && a.volume_tolerance < 0.1) {
        return bad(format!("volume_tolerance = {} must lie in (0, 0.1)", a.volume_tolerance));
    }
    if a.max_cutbacks > 30 {
        return bad(format!("max_cutbacks = {} must be at most 30", a.max_cutbacks));
    }
    let names: Vec<String> = (0..s.loads.len()).map(|i| s.load_name(i)).collect();
    for (i, n) in names.iter().enumerate() {
        if names[..i].contains(n) {
            return Err((format!("load[{}]", i + 1), format!("the load name '{n}' is used twice")));
        }
    }
    let total: usize = a.step_list.iter().map(|st| st.increments).sum();
    if total > MAX_INCREMENTS {
        return bad(format!("the steps add up to {total} increments; at most {MAX_INCREMENTS}"));
    }
    for (k, st) in a.step_list.iter().enumerate() {
        let entry = format!("analysis.step[{}]", k + 1);
        if st.increments == 0 {
            return Err((entry, "increments must be at least 1".into()));
        }
        for (name, v) in &st.loads {
            let Some(i) = names.iter().position(|n| n == name) else {
                return Err((entry, format!("no load is named '{name}' (loads: {})", names.join(", "))));
            };
            let ok = match (v, &s.loads[i].value) {
                (Value::Scalar(x), Value::Scalar(_)) => x.is_finite(),
                (Value::Vector(x), Value::Vector(_)) => x.iter().all(|c| c.is_finite()),
                _ => return Err((entry, format!("load '{name}' takes a value of the type of its own value"))),
            };
            if !ok {
                return Err((entry, format!("the value of '{name}' must be finite")));
            }
        }
    }
    for (k, c) in s.cavities.iter().enumerate() {
        let entry = format!("cavity[{}] '{}'", k + 1, c.name);
        if s.cavities[..k].iter().any(|d| d.name == c.name) {
            return Err((entry, "the name is used twice".into()));
        }
        if let Some(p) = &c.pressure_load {
            if !names.contains(p) {
                return Err((entry, format!("no load is named '{p}' (loads: {})", names.join(", "))));
            }
        }
    }
    Ok(())
}
