//! Load histories for fatigue: a CSV file with a header row, a time column and one column per
//! named load, each value a factor on that load's `value` (so a gait cycle scaled by body weight
//! is a column of multiples of the load).
//!
//! ```text
//! time,hip_contact,abductor
//! 0.00,0.12,0.05
//! 0.05,1.85,0.61
//! ```
//!
//! Every column must be the time column or a load's name; the time must increase strictly; every
//! value must be a finite number. Loads without a column stay at zero through the history.

use std::path::Path;

/// A parsed history.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    /// Sample times.
    pub times: Vec<f64>,
    /// Per sample, the factor of every load (scenario order).
    pub samples: Vec<Vec<f64>>,
    /// Loads that have no column (held at zero).
    pub missing: Vec<String>,
}

/// Reads `path` (the error names the file).
pub fn read(path: &Path, time_column: &str, loads: &[String]) -> Result<History, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: cannot read the history: {e}", path.display()))?;
    parse(&bytes, &path.display().to_string(), time_column, loads)
}

/// Parses a history from bytes; `source` names it in errors, with the line of a bad row.
pub fn parse(bytes: &[u8], source: &str, time_column: &str, loads: &[String]) -> Result<History, String> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(bytes);
    let header = reader.headers().map_err(|e| format!("{source}: the header row cannot be read: {e}"))?.clone();
    if !header.iter().any(|h| h == time_column) {
        return Err(format!(
            "{source}: line 1: no time column '{time_column}' (columns: {}); name it, or set [fatigue.history] \
             time_column",
            header.iter().collect::<Vec<_>>().join(", ")
        ));
    }
    let mut time = None;
    let mut columns = Vec::with_capacity(header.len());
    for (i, name) in header.iter().enumerate() {
        if name == time_column {
            if time.replace(i).is_some() {
                return Err(format!("{source}: line 1: the time column '{time_column}' appears twice"));
            }
            columns.push(None);
        } else if let Some(k) = loads.iter().position(|l| l == name) {
            if columns.contains(&Some(k)) {
                return Err(format!("{source}: line 1: the column '{name}' appears twice"));
            }
            columns.push(Some(k));
        } else {
            return Err(format!(
                "{source}: line 1: column '{name}' is neither the time column '{time_column}' nor a load of the \
                 scenario (loads: {})",
                loads.join(", ")
            ));
        }
    }
    let mut history = History {
        times: Vec::new(),
        samples: Vec::new(),
        missing: loads
            .iter()
            .enumerate()
            .filter(|(k, _)| !columns.contains(&Some(*k)))
            .map(|(_, l)| l.clone())
            .collect(),
    };
    for record in reader.records() {
        let record = record.map_err(|e| format!("{source}: {e}"))?;
        let line = record.position().map_or(0, |p| p.line());
        let mut row = vec![0.0; loads.len()];
        let mut t = f64::NAN;
        for (i, field) in record.iter().enumerate() {
            let value: f64 = field.parse().map_err(|_| format!("{source}: line {line}: '{field}' is not a number"))?;
            if !value.is_finite() {
                return Err(format!(
                    "{source}: line {line}: {value} in column '{}' is not a finite number",
                    &header[i]
                ));
            }
            match columns[i] {
                None => t = value,
                Some(k) => row[k] = value,
            }
        }
        if let Some(&last) = history.times.last() {
            if t <= last {
                return Err(format!(
                    "{source}: line {line}: time {t} does not increase (the previous sample is at {last}); a history's \
                     times must increase strictly"
                ));
            }
        }
        history.times.push(t);
        history.samples.push(row);
    }
    if history.samples.len() < 2 {
        return Err(format!(
            "{source}: {} sample(s): a history needs at least two (one cycle needs a rise and a fall)",
            history.samples.len()
        ));
    }
    Ok(history)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loads() -> Vec<String> {
        vec!["hip".into(), "abductor".into()]
    }

    #[test]
    fn a_history_parses_with_missing_loads_at_zero() {
        let h = parse(b"time, hip\n0, 0.1\n0.5, 2.0\n1.0, 0.1\n", "gait.csv", "time", &loads()).expect("history");
        assert_eq!(h.times, vec![0.0, 0.5, 1.0]);
        assert_eq!(h.samples[1], vec![2.0, 0.0]);
        assert_eq!(h.missing, vec!["abductor".to_string()]);
    }

    #[test]
    fn bad_histories_name_the_line_and_the_fix() {
        let cases: [(&[u8], &str); 6] = [
            (b"time,hip,knee\n0,1,1\n1,2,2\n", "column 'knee' is neither"),
            (b"t,hip\n0,1\n1,2\n", "no time column 'time'"),
            (b"time,hip\n0,1\n1,NaN\n", "line 3: NaN"),
            (b"time,hip\n0,1\n0,2\n", "line 3: time 0 does not increase"),
            (b"time,hip\n0,1\n1,abc\n", "line 3: 'abc' is not a number"),
            (b"time,hip\n0,1\n", "needs at least two"),
        ];
        for (text, expected) in cases {
            let e = parse(text, "h.csv", "time", &loads()).expect_err(expected);
            assert!(e.contains(expected) && e.starts_with("h.csv"), "{e}");
        }
    }
}
