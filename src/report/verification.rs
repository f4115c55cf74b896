//! The verification evidence: the committed reference figures of the verification suite
//! (`tests/verification/reference.json`), compiled into the binary so that every report shows
//! them without running the suite.

use super::Section;

const REFERENCE: &str = include_str!("../../tests/verification/reference.json");

/// The verification section.
pub fn section() -> Section {
    let mut s = Section::new("verification", "Verification evidence");
    s.paragraph(
        "Code verification of this build's solver, from the figures committed beside the verification tests (the \
         tests fail when a figure changes). Each group's note says what was measured; the README's Verification \
         sections give the references (analytic solutions, Land et al. 2015, beam theory, Basquin's law).",
    );
    let Ok(value) = serde_json::from_str::<serde_json::Value>(REFERENCE) else {
        s.paragraph("The committed reference data could not be read.");
        return s;
    };
    let Some(groups) = value.as_object() else { return s };
    for (name, group) in groups.iter().filter(|(k, _)| !k.starts_with('_')) {
        s.heading(name);
        if let Some(note) = group.get("_comment").and_then(|c| c.as_str()) {
            s.paragraph(note);
        }
        let mut rows = Vec::new();
        flatten("", group, &mut rows);
        s.table(&["figure", "value"], &rows);
    }
    s
}

/// `path = value` rows of every leaf except comments.
fn flatten(prefix: &str, v: &serde_json::Value, rows: &mut Vec<Vec<String>>) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, v) in map.iter().filter(|(k, _)| !k.starts_with('_')) {
                let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(&path, v, rows);
            }
        }
        other => rows.push(vec![prefix.to_string(), value(other)]),
    }
}

/// A leaf for the table: numbers as written when that is shorter than four significant digits
/// ([`super::num`]), else to four; arrays of them as a bracketed list; anything else as JSON.
fn value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Number(n) if n.is_f64() => n.as_f64().map_or(n.to_string(), |v| {
            // A tolerance such as 0.05 reads as written; a measured figure to four digits.
            let (short, rounded) = (v.to_string(), super::num(v));
            if short.len() <= rounded.len() {
                short
            } else {
                rounded
            }
        }),
        serde_json::Value::Array(items) => format!("[{}]", items.iter().map(value).collect::<Vec<_>>().join(", ")),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_committed_references_are_summarised() {
        let s = super::section();
        assert!(s.body.contains("cantilever") && s.body.contains("tet10_error"), "{}", s.body);
        // Measured errors read to four digits, integers as they are.
        assert_eq!(super::value(&serde_json::json!([0.0478576394743, 2, [4, 2], 0.05])), "[0.04786, 2, [4, 2], 0.05]");
    }
}
