//! The section layout of an MSH 4.1 file, found without parsing its data, and the input handed
//! to `mshio`.
//!
//! `mshio` skips sections it does not know (`$PhysicalNames`, `$NodeData`, …) by trying their end
//! tag, after any blanks, at every byte; a long run of blanks inside such a section makes that
//! quadratic (300 k spaces took 21 s). Skipped sections that hold such a run are cut out of
//! `mshio`'s input (they are read from the original bytes here anyway), so its work stays linear.
//!
//! ASCII files are checked line by line: every `$Name` has its `$EndName`, and nothing but blank
//! lines lies outside sections (a file cut inside a trailing `$ElementData`, or followed by
//! garbage, is an error). Binary data cannot be scanned for lines; there only the text after the
//! last `$End…` line is checked.

use std::borrow::Cow;

use crate::io::ReadError;
use crate::mesh::SourceLoc;

/// Sections `mshio` parses; all others it skips.
const PARSED: [&str; 4] = ["MeshFormat", "Entities", "Nodes", "Elements"];

/// Blank runs longer than this inside a skipped section make `mshio` slow.
const LONG_BLANKS: usize = 64;

/// A section: its name and byte range (from its `$Name` line to after its `$EndName` line).
struct Span {
    name: String,
    start: usize,
    end: usize,
}

/// `mshio`'s input: the file, or the file with some sections cut out.
pub(super) struct Input<'a> {
    /// The bytes to parse.
    pub bytes: Cow<'a, [u8]>,
    /// `(position in bytes, bytes removed there)`, in order.
    cuts: Vec<(usize, usize)>,
}

impl Input<'_> {
    /// The original position of `offset` in [`Input::bytes`].
    pub fn original(&self, offset: usize) -> usize {
        offset + self.cuts.iter().take_while(|(at, _)| *at <= offset).map(|(_, n)| n).sum::<usize>()
    }
}

/// Lines of `bytes` with their start offsets (without `\n` / `\r`).
fn lines(bytes: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut pos = 0;
    std::iter::from_fn(move || {
        if pos >= bytes.len() {
            return None;
        }
        let start = pos;
        let len = bytes[start..].iter().position(|&b| b == b'\n').unwrap_or(bytes.len() - start);
        pos = start + len + 1;
        let line = &bytes[start..start + len];
        Some((start, line.strip_suffix(b"\r").unwrap_or(line)))
    })
}

fn line_of(bytes: &[u8], offset: usize) -> usize {
    1 + bytes[..offset.min(bytes.len())].iter().filter(|&&b| b == b'\n').count()
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

/// Every section of an ASCII file, checking that each is closed and nothing lies between them.
fn ascii_spans(bytes: &[u8], source: &str) -> Result<Vec<Span>, ReadError> {
    let mut spans = Vec::new();
    let mut open: Option<(String, usize)> = None;
    for (start, line) in lines(bytes) {
        let text = String::from_utf8_lossy(line);
        let text = text.trim();
        match &open {
            Some((name, begin)) => {
                if text.strip_prefix("$End") == Some(name.as_str()) {
                    spans.push(Span { name: name.clone(), start: *begin, end: start + line.len() });
                    open = None;
                }
            }
            None if text.is_empty() => {}
            None => match text.strip_prefix('$').filter(|n| !n.starts_with("End") && !n.is_empty()) {
                Some(name) => open = Some((name.to_string(), start)),
                None => {
                    let shown: String = text.chars().take(40).collect();
                    return Err(ReadError::syntax(
                        source,
                        SourceLoc::Line(line_of(bytes, start)),
                        format!(
                            "unexpected text '{shown}' outside a section: the file is corrupt or has trailing data"
                        ),
                    ));
                }
            },
        }
    }
    match open {
        Some((name, begin)) => Err(ReadError::syntax(
            source,
            SourceLoc::Line(line_of(bytes, begin)),
            format!("section ${name} has no $End{name}: the file looks truncated"),
        )),
        None => Ok(spans),
    }
}

/// Binary files: nothing but blanks after the last `$End…` line.
fn check_binary_tail(bytes: &[u8], source: &str) -> Result<(), ReadError> {
    let Some(last) = bytes.windows(5).rposition(|w| w == b"\n$End") else { return Ok(()) };
    let rest = &bytes[last + 1..];
    let line_end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
    let name = &rest[4..line_end];
    let tail = rest.get(line_end..).unwrap_or(&[]);
    if name.iter().all(u8::is_ascii_alphabetic) && !is_blank(tail) {
        return Err(ReadError::syntax(
            source,
            SourceLoc::Byte(last + 1 + line_end),
            "data follows the last complete section ($End… line): the file looks truncated inside a section, or has trailing data",
        ));
    }
    Ok(())
}

/// Checks the layout and builds `mshio`'s input.
pub(super) fn prepare<'a>(bytes: &'a [u8], source: &str, binary: bool) -> Result<Input<'a>, ReadError> {
    let skipped: Vec<(usize, usize)> = if binary {
        check_binary_tail(bytes, source)?;
        physical_names_span(bytes).into_iter().collect()
    } else {
        ascii_spans(bytes, source)?
            .into_iter()
            .filter(|s| !PARSED.contains(&s.name.as_str()))
            .map(|s| (s.start, s.end))
            .collect()
    };
    let slow: Vec<(usize, usize)> =
        skipped.into_iter().filter(|&(a, b)| longest_blank_run(&bytes[a..b]) > LONG_BLANKS).collect();
    if slow.is_empty() {
        return Ok(Input { bytes: Cow::Borrowed(bytes), cuts: Vec::new() });
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut cuts = Vec::new();
    let mut from = 0;
    for (a, b) in slow {
        out.extend_from_slice(&bytes[from..a]);
        cuts.push((out.len(), b - a));
        from = b;
    }
    out.extend_from_slice(&bytes[from..]);
    Ok(Input { bytes: Cow::Owned(out), cuts })
}

/// `$PhysicalNames` … `$EndPhysicalNames` (ASCII in every MSH file).
fn physical_names_span(bytes: &[u8]) -> Option<(usize, usize)> {
    let start = super::v41::find_line(bytes, b"$PhysicalNames", 0)?;
    let end = super::v41::find_line(bytes, b"$EndPhysicalNames", start)?;
    Some((start, end + b"$EndPhysicalNames".len()))
}

fn longest_blank_run(bytes: &[u8]) -> usize {
    let (mut best, mut run) = (0, 0);
    for &b in bytes {
        run = if b.is_ascii_whitespace() { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}
