//! VTK legacy `.vtk` unstructured grids, ASCII and BINARY (big-endian), file versions 2.0 to 5.1.
//!
//! Read here rather than by `vtkio`, so that every count is checked against the bytes left before
//! anything is allocated, every section must be complete, and nothing but whitespace may follow
//! the last section. Layout: four header lines (`# vtk DataFile Version x.y`, a title, `ASCII` or
//! `BINARY`, `DATASET UNSTRUCTURED_GRID`), then `POINTS n type`, `CELLS` (`n size` and `n` lists
//! `k i_1 … i_k`; or, from 5.1, `OFFSETS` and `CONNECTIVITY` arrays), `CELL_TYPES n`, and optional
//! `CELL_DATA n` / `POINT_DATA n` with `SCALARS`, `VECTORS`, `NORMALS`, `TENSORS`, `FIELD`, …
//! arrays. `METADATA` blocks (to the next blank line) and dataset `FIELD` data are skipped.

use super::vtk::{Array, Grid};
use super::ReadError;
use crate::mesh::{RawMesh, SourceLoc};

/// Parses a legacy `.vtk` file.
pub(crate) fn parse(bytes: &[u8], source: &str) -> Result<RawMesh, ReadError> {
    let mut c = Cursor { bytes, pos: 0, line: 1, binary: false, source };
    let first = c.line_text();
    if !first.starts_with("# vtk DataFile Version") {
        return Err(c.error("not a VTK legacy file: it must start with '# vtk DataFile Version'".into()));
    }
    c.line_text(); // title
    let encoding = c.line_text().trim().to_ascii_uppercase();
    c.binary = match encoding.as_str() {
        "ASCII" => false,
        "BINARY" => true,
        other => return Err(c.error(format!("expected ASCII or BINARY on line 3, found '{}'", clip(other)))),
    };
    let grid = read_body(&mut c)?;
    super::vtk::from_grids(vec![grid], source)
}

fn read_body(c: &mut Cursor) -> Result<Grid, ReadError> {
    let mut grid = Grid::default();
    let (mut points, mut cells, mut types) = (None::<usize>, false, false);
    // Which attribute section the following arrays belong to.
    let mut section: Option<(bool, usize)> = None;
    while let Some(word) = c.word() {
        match word.to_ascii_uppercase().as_str() {
            "DATASET" => {
                let kind = c.expect_word("the data set type")?;
                if !kind.eq_ignore_ascii_case("UNSTRUCTURED_GRID") {
                    return Err(c.error(format!(
                        "the data set is {}, not UNSTRUCTURED_GRID: organ-twin reads unstructured tetrahedral grids",
                        clip(kind)
                    )));
                }
            }
            "POINTS" => {
                let n = c.count("the number of points")?;
                let ty = c.expect_word("the point data type")?;
                grid.point_at.push(c.here());
                grid.coords = c.values(n.checked_mul(3).ok_or_else(|| c.too_many(n))?, ty)?;
                points = Some(n);
            }
            "CELLS" => {
                read_cells(c, &mut grid)?;
                cells = true;
            }
            "CELL_TYPES" => {
                let n = c.count("the number of cell types")?;
                let values = c.values(n, "int")?;
                grid.types = values.iter().map(|&t| if (0.0..=255.0).contains(&t) { t as u8 } else { 0 }).collect();
                types = true;
            }
            "CELL_DATA" | "POINT_DATA" => {
                let is_cell = word.eq_ignore_ascii_case("CELL_DATA");
                let n = c.count("the number of data tuples")?;
                let expected = if is_cell { grid.types.len() } else { points.unwrap_or(0) };
                if n != expected {
                    let what = if is_cell { "cells" } else { "points" };
                    return Err(c.error(format!("{word} {n} does not match the {expected} {what} of the grid")));
                }
                section = Some((is_cell, n));
            }
            "METADATA" => c.skip_metadata(),
            "FIELD" => {
                let arrays = read_field(c, section.map(|s| s.1))?;
                if let Some((is_cell, _)) = section {
                    push_arrays(&mut grid, is_cell, arrays);
                }
            }
            kw @ ("SCALARS"
            | "COLOR_SCALARS"
            | "VECTORS"
            | "NORMALS"
            | "TENSORS"
            | "TENSORS6"
            | "TEXTURE_COORDINATES"
            | "LOOKUP_TABLE") => {
                let Some((is_cell, n)) = section else {
                    return Err(c.error(format!("{kw} outside CELL_DATA / POINT_DATA")));
                };
                if let Some(array) = read_attribute(c, kw, n)? {
                    push_arrays(&mut grid, is_cell, vec![array]);
                }
            }
            _ => {
                return Err(c.error(format!(
                    "unexpected '{}': not a VTK legacy section keyword (the file is corrupt or has trailing data)",
                    clip(word)
                )))
            }
        }
    }
    if points.is_none() || !cells || !types {
        let missing = if points.is_none() {
            "POINTS"
        } else if !cells {
            "CELLS"
        } else {
            "CELL_TYPES"
        };
        return Err(c.error(format!("the file ends without a {missing} section: it is truncated")));
    }
    if grid.types.len() != grid.ends.len() {
        return Err(c.error(format!("CELL_TYPES lists {} cells but CELLS {}", grid.types.len(), grid.ends.len())));
    }
    Ok(grid)
}

fn push_arrays(grid: &mut Grid, is_cell: bool, arrays: Vec<Array>) {
    if is_cell {
        grid.cell_arrays.extend(arrays);
    } else {
        grid.point_arrays.extend(arrays);
    }
}

/// `CELLS n size` and either `size` integers (`k i_1 … i_k` per cell) or, in version 5.1,
/// `OFFSETS type` (`n` values) and `CONNECTIVITY type` (`size` values).
fn read_cells(c: &mut Cursor, grid: &mut Grid) -> Result<(), ReadError> {
    let n = c.count("the number of cells")?;
    let size = c.count("the size of the cell list")?;
    if c.peek_word().is_some_and(|w| w.eq_ignore_ascii_case("OFFSETS")) {
        c.word();
        let ty = c.expect_word("the offsets type")?;
        let offsets = c.values(n, ty)?;
        if !c.word().is_some_and(|w| w.eq_ignore_ascii_case("CONNECTIVITY")) {
            return Err(c.error("expected CONNECTIVITY after the cell OFFSETS".into()));
        }
        let ty = c.expect_word("the connectivity type")?;
        grid.connectivity = c.values(size, ty)?.into_iter().map(|v| v as u64).collect();
        // Offsets start with 0; cell ends are the rest.
        grid.ends = offsets.iter().skip(1).map(|&v| v as u64).collect();
        return Ok(());
    }
    grid.cell_at.push(c.here());
    let list = c.values(size, "int")?;
    let mut i = 0;
    while i < list.len() {
        let k = list[i] as usize;
        let ids = list.get(i + 1..i.saturating_add(1).saturating_add(k)).ok_or_else(|| {
            c.error(format!("CELLS entry {} announces {k} points but the list ends first", grid.ends.len()))
        })?;
        grid.connectivity.extend(ids.iter().map(|&v| v as u64));
        grid.ends.push(grid.connectivity.len() as u64);
        i += 1 + k;
    }
    if grid.ends.len() != n {
        return Err(c.error(format!("CELLS declares {n} cells but lists {}", grid.ends.len())));
    }
    Ok(())
}

/// `FIELD name k`, then `k` arrays `name components tuples type` with their values.
fn read_field(c: &mut Cursor, tuples_expected: Option<usize>) -> Result<Vec<Array>, ReadError> {
    c.expect_word("the field name")?;
    let k = c.count("the number of field arrays")?;
    let mut arrays = Vec::new();
    for _ in 0..k {
        let name = c.expect_word("a field array name")?.to_string();
        let components = c.count("the number of components")?;
        let tuples = c.count("the number of tuples")?;
        let ty = c.expect_word("the field array type")?;
        if let Some(n) = tuples_expected.filter(|&n| n != tuples) {
            return Err(c.error(format!("field array '{}' has {tuples} tuples for {n} entities", clip(&name))));
        }
        let count = components.checked_mul(tuples).ok_or_else(|| c.too_many(tuples))?;
        let values = c.values(count, ty)?;
        arrays.push(Array { name, components: components.max(1), values });
    }
    Ok(arrays)
}

/// One attribute array of `n` tuples; `LOOKUP_TABLE` data is read and dropped.
fn read_attribute(c: &mut Cursor, kw: &str, n: usize) -> Result<Option<Array>, ReadError> {
    let name = c.expect_word("the array name")?.to_string();
    let (components, ty) = match kw {
        "SCALARS" => {
            let ty = c.expect_word("the data type")?;
            // The component count is optional (default 1); LOOKUP_TABLE follows.
            let components = match c.peek_word() {
                Some(w) if w.bytes().all(|b| b.is_ascii_digit()) => c.count("the number of components")?,
                _ => 1,
            };
            if c.peek_word().is_some_and(|w| w.eq_ignore_ascii_case("LOOKUP_TABLE")) {
                c.word();
                c.expect_word("the lookup table name")?;
            }
            (components, ty)
        }
        "COLOR_SCALARS" => {
            (c.count("the number of color components")?, if c.binary { "unsigned_char" } else { "float" })
        }
        "LOOKUP_TABLE" => {
            let size = c.count("the lookup table size")?;
            c.values(
                size.checked_mul(4).ok_or_else(|| c.too_many(size))?,
                if c.binary { "unsigned_char" } else { "float" },
            )?;
            return Ok(None);
        }
        "TEXTURE_COORDINATES" => (c.count("the texture dimension")?, c.expect_word("the data type")?),
        "TENSORS" => (9, c.expect_word("the data type")?),
        "TENSORS6" => (6, c.expect_word("the data type")?),
        _ => (3, c.expect_word("the data type")?),
    };
    let count = components.checked_mul(n).ok_or_else(|| c.too_many(n))?;
    let values = c.values(count, ty)?;
    Ok(Some(Array { name, components: components.max(1), values }))
}

/// Byte size of a VTK data type in BINARY files.
fn type_size(ty: &str) -> Option<usize> {
    Some(match ty.to_ascii_lowercase().as_str() {
        "unsigned_char" | "char" => 1,
        "unsigned_short" | "short" => 2,
        "unsigned_int" | "int" | "float" => 4,
        "unsigned_long" | "long" | "double" | "vtktypeint64" | "vtktypeuint64" | "vtkidtype" => 8,
        _ => return None,
    })
}

/// A cursor over the file with its line number.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: usize,
    binary: bool,
    source: &'a str,
}

impl<'a> Cursor<'a> {
    fn here(&self) -> SourceLoc {
        if self.binary {
            SourceLoc::Byte(self.pos)
        } else {
            SourceLoc::Line(self.line)
        }
    }

    fn error(&self, message: String) -> ReadError {
        ReadError::syntax(self.source, self.here(), message)
    }

    fn too_many(&self, n: usize) -> ReadError {
        self.error(format!("a count of {n} is too large for any file: the file is corrupt"))
    }

    /// The rest of the current line (header lines), consuming its newline.
    fn line_text(&mut self) -> String {
        let rest = &self.bytes[self.pos..];
        let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        self.pos += (end + 1).min(rest.len());
        self.line += 1;
        String::from_utf8_lossy(&rest[..end]).trim_end_matches('\r').to_string()
    }

    fn skip_space(&mut self) {
        while let Some(&b) = self.bytes.get(self.pos) {
            if !b.is_ascii_whitespace() {
                break;
            }
            if b == b'\n' {
                self.line += 1;
            }
            self.pos += 1;
        }
    }

    fn peek_word(&mut self) -> Option<&'a str> {
        let (pos, line) = (self.pos, self.line);
        let w = self.word();
        (self.pos, self.line) = (pos, line);
        w
    }

    /// The next whitespace-separated word (non-UTF-8 words come back as `"\u{fffd}"`).
    fn word(&mut self) -> Option<&'a str> {
        self.skip_space();
        let start = self.pos;
        while self.bytes.get(self.pos).is_some_and(|b| !b.is_ascii_whitespace()) {
            self.pos += 1;
        }
        let w = &self.bytes[start..self.pos];
        (!w.is_empty()).then(|| std::str::from_utf8(w).unwrap_or("\u{fffd}"))
    }

    fn expect_word(&mut self, what: &str) -> Result<&'a str, ReadError> {
        self.word().ok_or_else(|| self.error(format!("the file ends while reading {what}: it is truncated")))
    }

    fn count(&mut self, what: &str) -> Result<usize, ReadError> {
        let w = self.expect_word(what)?;
        w.parse().map_err(|_| self.error(format!("expected {what} (a non-negative integer), found '{}'", clip(w))))
    }

    /// Skips a `METADATA` block, which ends at the next blank line.
    fn skip_metadata(&mut self) {
        self.line_text();
        while self.pos < self.bytes.len() && !self.line_text().trim().is_empty() {}
    }

    /// `n` values of type `ty`, refusing counts the rest of the file cannot hold.
    fn values(&mut self, n: usize, ty: &str) -> Result<Vec<f64>, ReadError> {
        let left = self.bytes.len() - self.pos;
        if self.binary {
            let size = type_size(ty)
                .ok_or_else(|| self.error(format!("data type '{}' is not supported in BINARY files", clip(ty))))?;
            // The binary block starts after the header line's newline.
            let rest = &self.bytes[self.pos..];
            let skip = rest.iter().position(|&b| b == b'\n').map_or(rest.len(), |p| p + 1);
            let start = self.pos + skip;
            let len = n.checked_mul(size).filter(|&len| len <= self.bytes.len() - start.min(self.bytes.len()));
            let len = len.ok_or_else(|| self.short(n, left))?;
            let block = &self.bytes[start..start + len];
            self.pos = start + len;
            return Ok(block.chunks_exact(size).map(|b| big_endian(b, ty)).collect());
        }
        // Each ASCII value takes at least two bytes ("0 "), the last one one.
        if n > left / 2 + 1 {
            return Err(self.short(n, left));
        }
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let w = self.word().ok_or_else(|| {
                self.error(format!("the file ends after {} of {n} values: it is truncated", out.len()))
            })?;
            let v: f64 = w.parse().map_err(|_| self.error(format!("expected a number, found '{}'", clip(w))))?;
            out.push(v);
        }
        Ok(out)
    }

    fn short(&self, n: usize, left: usize) -> ReadError {
        self.error(format!(
            "{n} values are announced but only {left} bytes are left: the count is corrupt or the file truncated"
        ))
    }
}

/// A big-endian value of VTK type `ty` (its size is `b.len()`).
fn big_endian(b: &[u8], ty: &str) -> f64 {
    let mut be = [0u8; 8];
    be[8 - b.len()..].copy_from_slice(b);
    let u = u64::from_be_bytes(be);
    let signed = |bits: u32| ((u << (64 - bits)) as i64 >> (64 - bits)) as f64;
    match (ty.to_ascii_lowercase().as_str(), b.len()) {
        ("float", _) => f64::from(f32::from_bits(u as u32)),
        ("double", _) => f64::from_bits(u),
        (t, _) if t.starts_with("unsigned") || t == "vtktypeuint64" => u as f64,
        (_, n) => signed(8 * n as u32),
    }
}

fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}
