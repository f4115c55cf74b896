//! Line and token cursors for the text formats, with the position of every item, so that each
//! parse error can name its line. Nothing here panics on any input.

use std::str::FromStr;

use super::ReadError;
use crate::mesh::SourceLoc;

/// Decodes bytes as UTF-8, naming the first invalid byte.
pub(crate) fn utf8<'a>(bytes: &'a [u8], source: &str) -> Result<&'a str, ReadError> {
    std::str::from_utf8(bytes).map_err(|e| {
        ReadError::syntax(
            source,
            SourceLoc::Byte(e.valid_up_to()),
            "the file is not text (invalid UTF-8): it is binary, corrupt, or in the wrong format for its extension",
        )
    })
}

/// A line cursor with 1-based line numbers.
pub(crate) struct Lines<'a> {
    source: &'a str,
    iter: std::str::Lines<'a>,
    line: usize,
    peeked: Option<(usize, &'a str)>,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(text: &'a str, source: &'a str) -> Lines<'a> {
        Lines { source, iter: text.lines(), line: 0, peeked: None }
    }

    /// Name of the source, for errors.
    pub(crate) fn source(&self) -> &'a str {
        self.source
    }

    /// The next line (with `\r` removed) and its number.
    pub(crate) fn next_line(&mut self) -> Option<(usize, &'a str)> {
        if let Some(p) = self.peeked.take() {
            return Some(p);
        }
        let l = self.iter.next()?;
        self.line += 1;
        Some((self.line, l.trim_end_matches('\r')))
    }

    /// Looks at the next line without consuming it.
    pub(crate) fn peek(&mut self) -> Option<(usize, &'a str)> {
        if self.peeked.is_none() {
            self.peeked = self.next_line();
        }
        self.peeked
    }

    /// The next line, or a "truncated" error naming what was being read.
    pub(crate) fn require(&mut self, what: &str) -> Result<(usize, &'a str), ReadError> {
        let last = self.line;
        self.next_line().ok_or_else(|| self.truncated(last, what))
    }

    /// The "file ends too early" error.
    pub(crate) fn truncated(&self, line: usize, what: &str) -> ReadError {
        ReadError::syntax(
            self.source,
            SourceLoc::Line(line.max(1)),
            format!("the file ends while reading {what}: it is truncated; export or copy it again"),
        )
    }

    /// An error at `line`.
    pub(crate) fn error(&self, line: usize, message: impl Into<String>) -> ReadError {
        ReadError::syntax(self.source, SourceLoc::Line(line), message)
    }
}

/// Whitespace-separated fields of one line, parsed with errors that name the line and the field.
pub(crate) struct Fields<'a> {
    source: &'a str,
    line: usize,
    iter: std::str::SplitWhitespace<'a>,
}

impl<'a> Fields<'a> {
    pub(crate) fn new(source: &'a str, line: usize, text: &'a str) -> Fields<'a> {
        Fields { source, line, iter: text.split_whitespace() }
    }

    /// The next field parsed as `T`.
    pub(crate) fn parse<T: FromStr>(&mut self, what: &str) -> Result<T, ReadError> {
        let tok = self.iter.next();
        parse_token(self.source, SourceLoc::Line(self.line), tok, what)
    }

    /// The next raw field, if any.
    pub(crate) fn next_str(&mut self) -> Option<&'a str> {
        self.iter.next()
    }

    /// The rest of the fields.
    pub(crate) fn rest(self) -> std::str::SplitWhitespace<'a> {
        self.iter
    }
}

/// Parses one token, naming what was expected and what was found.
pub(crate) fn parse_token<T: FromStr>(
    source: &str,
    at: SourceLoc,
    tok: Option<&str>,
    what: &str,
) -> Result<T, ReadError> {
    match tok {
        None => Err(ReadError::syntax(source, at, format!("expected {what}, found the end of the line"))),
        Some(t) => t.parse::<T>().map_err(|_| {
            let shown: String = t.chars().take(40).collect();
            ReadError::syntax(source, at, format!("expected {what}, found '{shown}'"))
        }),
    }
}

/// Parses a coordinate, accepting the `nan`/`inf` spellings so that validation can name the node.
pub(crate) fn parse_coord(source: &str, at: SourceLoc, tok: Option<&str>, what: &str) -> Result<f64, ReadError> {
    // Fortran-style exponents (1.0D+03) appear in some Abaqus and Medit exports.
    match tok {
        Some(t) if t.contains(['d', 'D']) && !t.to_ascii_lowercase().contains("inf") => {
            let fixed = t.replace(['d', 'D'], "e");
            parse_token(source, at, Some(&fixed), what)
        }
        _ => parse_token(source, at, tok, what),
    }
}

/// A whitespace token stream over a whole text, skipping `#` comments to the end of the line.
pub(crate) struct Tokens<'a> {
    source: &'a str,
    text: &'a str,
    pos: usize,
    line: usize,
}

impl<'a> Tokens<'a> {
    pub(crate) fn new(text: &'a str, source: &'a str) -> Tokens<'a> {
        Tokens { source, text, pos: 0, line: 1 }
    }

    /// The next token and its line.
    pub(crate) fn next_token(&mut self) -> Option<(usize, &'a str)> {
        let bytes = self.text.as_bytes();
        loop {
            while self.pos < bytes.len() && bytes[self.pos].is_ascii_whitespace() {
                if bytes[self.pos] == b'\n' {
                    self.line += 1;
                }
                self.pos += 1;
            }
            if self.pos < bytes.len() && bytes[self.pos] == b'#' {
                while self.pos < bytes.len() && bytes[self.pos] != b'\n' {
                    self.pos += 1;
                }
                continue;
            }
            break;
        }
        if self.pos >= bytes.len() {
            return None;
        }
        let start = self.pos;
        while self.pos < bytes.len() && !bytes[self.pos].is_ascii_whitespace() && bytes[self.pos] != b'#' {
            self.pos += 1;
        }
        // Token boundaries are ASCII, so the slice is on char boundaries.
        self.text.get(start..self.pos).map(|t| (self.line, t))
    }

    /// The next token, or a truncation error naming what was being read.
    fn require(&mut self, what: &str) -> Result<(usize, &'a str), ReadError> {
        let line = self.line;
        self.next_token().ok_or_else(|| {
            ReadError::syntax(
                self.source,
                SourceLoc::Line(line),
                format!("the file ends while reading {what}: it is truncated; export or copy it again"),
            )
        })
    }

    /// The next token parsed as `T`; a missing token is a truncation error.
    pub(crate) fn parse<T: FromStr>(&mut self, what: &str) -> Result<(usize, T), ReadError> {
        let (l, t) = self.require(what)?;
        parse_token(self.source, SourceLoc::Line(l), Some(t), what).map(|v| (l, v))
    }

    /// The next token parsed as a coordinate, with its line.
    pub(crate) fn coord(&mut self, what: &str) -> Result<(usize, f64), ReadError> {
        let (l, t) = self.require(what)?;
        parse_coord(self.source, SourceLoc::Line(l), Some(t), what).map(|v| (l, v))
    }

    /// An error at `line`.
    pub(crate) fn error(&self, line: usize, message: impl Into<String>) -> ReadError {
        ReadError::syntax(self.source, SourceLoc::Line(line), message)
    }
}

/// A count read from a file, capped against the bytes left so that a corrupt header cannot make
/// us reserve gigabytes: each entity needs at least `min_bytes` bytes of text.
pub(crate) fn capacity(count: usize, bytes_left: usize, min_bytes: usize) -> usize {
    count.min(bytes_left / min_bytes.max(1) + 1)
}
