//! The input handed to `mshio` for a binary MSH 4.1 file.
//!
//! `mshio` skips sections it does not know (`$PhysicalNames`, `$NodeData`, …) by trying their end
//! tag, after any blanks, at every byte; a long run of blanks inside such a section makes that
//! quadratic (300 k spaces took 21 s). A `$PhysicalNames` section that holds such a run is cut
//! out of `mshio`'s input (it is read from the original bytes anyway), so its work stays linear.
//!
//! Binary data cannot be scanned for lines; only the text after the last `$End…` line is checked
//! (nothing but blanks may follow it). ASCII files have their own reader, which checks the
//! layout as it streams ([`super::v41_ascii`]).

use std::borrow::Cow;

use crate::io::ReadError;
use crate::mesh::SourceLoc;

/// Blank runs longer than this inside a skipped section make `mshio` slow.
const LONG_BLANKS: usize = 64;

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

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
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

/// Checks the tail and builds `mshio`'s input.
pub(super) fn prepare<'a>(bytes: &'a [u8], source: &str) -> Result<Input<'a>, ReadError> {
    check_binary_tail(bytes, source)?;
    let skipped: Vec<(usize, usize)> = physical_names_span(bytes).into_iter().collect();
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
