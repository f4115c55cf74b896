//! MSH 4.1 ASCII, streamed: one pass over the text, a line in memory at a time, every entity
//! stored with the line it came from.
//!
//! Patient meshes come as MSH 4.1 ASCII files of hundreds of megabytes. Going through `mshio`
//! (which needs the whole file in memory, builds a hash map per node block and keeps no
//! positions, so a second pass had to index the lines) read about 40 MB/s and held the file,
//! `mshio`'s copy and ours at once. This reader parses the tokens of each line straight into the
//! flat [`RawCells`](crate::mesh::RawCells) layout, so the file is never held whole: reading
//! costs the mesh plus one line. Binary MSH 4.1 stays with `mshio` ([`super::v41`]).
//!
//! The layout is checked as it streams: every `$Name` needs its `$EndName`, counts in the
//! section headers must match the records, and nothing but blanks may lie between sections (a
//! file cut inside a trailing `$ElementData`, or followed by garbage, is an error). Tokens may
//! be split across lines in any way, as the format allows. Reservations from header counts are
//! capped by the bytes left in the input, so a corrupt count cannot allocate more than the file
//! could hold.

use std::collections::BTreeMap;
use std::io::BufRead;

use super::{
    apply_names, attach_fields, clip, element_kind, to_internal, unsupported_message, DataSection, ElementKind,
    PhysicalNames,
};
use crate::io::text::capacity;
use crate::io::ReadError;
use crate::mesh::{RawFace, RawMesh, RawNode, SourceLoc, SurfaceKey};

/// Parses an MSH 4.1 ASCII file from `input`, `size` bytes long (used only to cap reservations).
pub(crate) fn parse(input: impl BufRead, size: u64, source: &str) -> Result<RawMesh, ReadError> {
    let mut s = Stream { input, source, buf: Vec::new(), pos: 0, line: 0, read: 0, size };
    let mut reader = Reader::default();
    while let Some((l, tok)) = s.next_token()? {
        let Some(name) = tok.strip_prefix('$').filter(|n| !n.is_empty() && !n.starts_with("End")) else {
            return Err(s.error_at(
                l,
                format!("unexpected text '{}' outside a section: the file is corrupt or has trailing data", clip(&tok)),
            ));
        };
        let name = name.to_string();
        match name.as_str() {
            "MeshFormat" => mesh_format(&mut s)?,
            "PhysicalNames" => reader.names = physical_names(&mut s)?,
            "Entities" => reader.entities(&mut s)?,
            "Nodes" if reader.nodes_seen => {
                return Err(s.error_at(l, "a second $Nodes section: merge the meshes in Gmsh"))
            }
            "Nodes" => reader.nodes(&mut s, l)?,
            "Elements" if reader.elements_seen => {
                return Err(s.error_at(l, "a second $Elements section: merge the meshes in Gmsh"))
            }
            "Elements" => reader.elements(&mut s, l)?,
            "NodeData" => reader.node_data.push(data_section(&mut s, "NodeData")?),
            "ElementData" => reader.cell_data.push(data_section(&mut s, "ElementData")?),
            known if super::SKIPPED_SECTIONS.contains(&known) => skip_section(&mut s, &name, l)?,
            _ => {
                skip_section(&mut s, &name, l)?;
                reader
                    .raw
                    .notes
                    .push(format!("section ${} (line {l}) is not part of MSH 4.1 and was skipped", clip(&name)));
            }
        }
    }
    reader.finish(source)
}

/// Tokens of a buffered input, with their line numbers.
struct Stream<'s, R> {
    input: R,
    source: &'s str,
    /// The current line, without its line break.
    buf: Vec<u8>,
    /// Where the next token search starts in `buf`.
    pos: usize,
    /// 1-based number of the line in `buf` (0 before the first).
    line: usize,
    /// Bytes consumed so far.
    read: u64,
    /// Size of the whole input.
    size: u64,
}

impl<R: BufRead> Stream<'_, R> {
    /// Reads the next line into `buf`; false at the end of the input.
    fn next_line(&mut self) -> Result<bool, ReadError> {
        self.buf.clear();
        self.pos = 0;
        let n = self
            .input
            .read_until(b'\n', &mut self.buf)
            .map_err(|source| ReadError::Io { path: self.source.to_string(), source })?;
        if n == 0 {
            return Ok(false);
        }
        self.read += n as u64;
        self.line += 1;
        while matches!(self.buf.last(), Some(b'\n' | b'\r')) {
            self.buf.pop();
        }
        Ok(true)
    }

    /// The byte range of the next token in `buf`, reading lines as needed; `None` at the end.
    fn advance(&mut self) -> Result<Option<(usize, usize)>, ReadError> {
        loop {
            let b = &self.buf;
            let mut p = self.pos;
            while p < b.len() && b[p].is_ascii_whitespace() {
                p += 1;
            }
            if p < b.len() {
                let start = p;
                while p < b.len() && !b[p].is_ascii_whitespace() {
                    p += 1;
                }
                self.pos = p;
                return Ok(Some((start, p)));
            }
            if !self.next_line()? {
                return Ok(None);
            }
        }
    }

    /// The next token as text, with its line.
    fn next_token(&mut self) -> Result<Option<(usize, String)>, ReadError> {
        Ok(self.advance()?.map(|(a, b)| (self.line, String::from_utf8_lossy(&self.buf[a..b]).into_owned())))
    }

    /// The next token's range; the end of the input is a truncation error naming `what`.
    fn require(&mut self, what: &str) -> Result<(usize, usize), ReadError> {
        match self.advance()? {
            Some(r) => Ok(r),
            None => Err(self.error_at(
                self.line.max(1),
                format!("the file ends while reading {what}: it looks truncated; export or copy it again"),
            )),
        }
    }

    /// The error for the token `range` of the current line, which is not `what`.
    fn bad_token(&self, range: (usize, usize), what: &str) -> ReadError {
        let shown = clip(&String::from_utf8_lossy(&self.buf[range.0..range.1]));
        self.error_at(self.line, format!("expected {what}, found '{shown}'"))
    }

    /// The next token as an unsigned integer (tags, counts).
    fn u64(&mut self, what: &str) -> Result<u64, ReadError> {
        let r = self.require(what)?;
        let tok = &self.buf[r.0..r.1];
        let mut v: u64 = 0;
        for &d in tok {
            let digit = d.wrapping_sub(b'0');
            if digit > 9 {
                return Err(self.bad_token(r, what));
            }
            v = match v.checked_mul(10).and_then(|v| v.checked_add(u64::from(digit))) {
                Some(v) => v,
                None => {
                    return Err(self.error_at(self.line, format!("{what} {} is too large", clip(&lossy(tok)))));
                }
            };
        }
        Ok(v)
    }

    /// The next token as a count, bounded by what an `i64` holds.
    fn count(&mut self, what: &str) -> Result<usize, ReadError> {
        let v = self.u64(what)?;
        usize::try_from(v)
            .ok()
            .filter(|&v| v <= i64::MAX as usize)
            .ok_or_else(|| self.error_at(self.line, format!("{what} {v} is too large: the header is corrupt")))
    }

    /// The next token as a signed integer (dimensions, entity and physical tags, types).
    fn i32(&mut self, what: &str) -> Result<i32, ReadError> {
        let r = self.require(what)?;
        let parsed = std::str::from_utf8(&self.buf[r.0..r.1]).ok().and_then(|t| t.parse::<i32>().ok());
        parsed.ok_or_else(|| self.bad_token(r, what))
    }

    /// The next token as a float (`nan` and `inf` spellings pass, so that validation can name
    /// the node).
    fn f64(&mut self, what: &str) -> Result<f64, ReadError> {
        let r = self.require(what)?;
        let parsed = std::str::from_utf8(&self.buf[r.0..r.1]).ok().and_then(|t| t.parse::<f64>().ok());
        parsed.ok_or_else(|| self.bad_token(r, what))
    }

    /// The rest of the current line (after the tokens read), trimmed.
    fn rest_of_line(&mut self) -> String {
        let rest = String::from_utf8_lossy(&self.buf[self.pos..]).trim().to_string();
        self.pos = self.buf.len();
        rest
    }

    /// The next whole line (the rest of the current one is dropped), trimmed; `None` at the end.
    fn whole_line(&mut self) -> Result<Option<(usize, String)>, ReadError> {
        if !self.next_line()? {
            return Ok(None);
        }
        let text = String::from_utf8_lossy(&self.buf).trim().to_string();
        self.pos = self.buf.len();
        Ok(Some((self.line, text)))
    }

    /// Bytes not yet read.
    fn left(&self) -> usize {
        usize::try_from(self.size.saturating_sub(self.read)).unwrap_or(usize::MAX)
    }

    fn error_at(&self, line: usize, message: impl Into<String>) -> ReadError {
        ReadError::syntax(self.source, SourceLoc::Line(line), message)
    }

    /// Consumes the `$End<name>` token.
    fn expect_end(&mut self, name: &str, start: usize) -> Result<(), ReadError> {
        let end = format!("$End{name}");
        match self.advance()? {
            Some((a, b)) if self.buf[a..b] == *end.as_bytes() => Ok(()),
            Some(r) => {
                let found = clip(&lossy(&self.buf[r.0..r.1]));
                Err(self.error_at(
                    self.line,
                    format!("expected {end}, found '{found}': the section holds more data than its counts say"),
                ))
            }
            None => Err(self.error_at(start, format!("section ${name} has no {end}: the file looks truncated"))),
        }
    }
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `$MeshFormat`: `4.1 0 8` (the caller has dispatched on the header already).
fn mesh_format<R: BufRead>(s: &mut Stream<R>) -> Result<(), ReadError> {
    let start = s.line;
    for (what, expected) in [("the MSH version", "4.1"), ("the file type", "0"), ("the data size", "8")] {
        let r = s.require(what)?;
        if s.buf[r.0..r.1] != *expected.as_bytes() {
            return Err(s.error_at(
                s.line,
                format!(
                    "$MeshFormat: expected {what} {expected} (MSH 4.1 ASCII), found '{}'",
                    clip(&lossy(&s.buf[r.0..r.1]))
                ),
            ));
        }
    }
    s.expect_end("MeshFormat", start)
}

/// `$PhysicalNames`: a count, then `dim tag "name"` per line (the name may hold blanks).
fn physical_names<R: BufRead>(s: &mut Stream<R>) -> Result<PhysicalNames, ReadError> {
    let start = s.line;
    let count = s.count("the number of physical names")?;
    let mut names = PhysicalNames::new();
    for _ in 0..count {
        let dim = s.i32("the physical group dimension")?;
        let tag = s.i32("the physical group tag")?;
        let line = s.line;
        let rest = s.rest_of_line();
        let name = rest.strip_prefix('"').and_then(|r| r.strip_suffix('"')).filter(|n| !n.is_empty());
        let Some(name) = name else {
            let message = if rest.is_empty() || rest.starts_with('"') {
                "expected a quoted physical name, e.g. 3 1 \"myocardium\"".to_string()
            } else {
                format!("unexpected '{}' before the physical name", clip(&rest))
            };
            return Err(s.error_at(line, message));
        };
        names.insert((dim, tag), name.to_string());
    }
    s.expect_end("PhysicalNames", start)?;
    Ok(names)
}

/// A section this reader does not use: skipped to its `$End` line.
fn skip_section<R: BufRead>(s: &mut Stream<R>, name: &str, start: usize) -> Result<(), ReadError> {
    let end = format!("$End{name}");
    s.rest_of_line();
    while let Some((_, line)) = s.whole_line()? {
        if line == end {
            return Ok(());
        }
    }
    Err(s.error_at(start, format!("section ${name} has no {end}: the file looks truncated")))
}

/// `$NodeData` / `$ElementData`: string, real and integer tags, then `tag value…` records.
fn data_section<R: BufRead>(s: &mut Stream<R>, section: &str) -> Result<DataSection, ReadError> {
    let start = s.line;
    let n_strings = s.count("the number of string tags")?;
    let mut name = String::from("data");
    for i in 0..n_strings {
        let Some((_, line)) = s.whole_line()? else {
            return Err(
                s.error_at(start, format!("the file ends in the string tags of ${section}: it looks truncated"))
            );
        };
        if i == 0 {
            name = line.trim_matches('"').to_string();
        }
    }
    let n_reals = s.count("the number of real tags")?;
    for _ in 0..n_reals {
        s.f64("a real tag")?;
    }
    let n_ints = s.count("the number of integer tags")?;
    let mut ints = Vec::new();
    for _ in 0..n_ints {
        let v = s.u64("an integer tag")?;
        if ints.len() < 16 {
            ints.push(v);
        }
    }
    let (components, count) = match (ints.get(1), ints.get(2)) {
        (Some(&c), Some(&n)) if (1..=9).contains(&c) => (c as usize, usize::try_from(n).unwrap_or(usize::MAX)),
        _ => {
            return Err(s.error_at(s.line, format!("${section} needs integer tags (time step, components 1..9, count)")))
        }
    };
    // Each record takes at least two bytes per number.
    let reserve = capacity(count, s.left(), 2 * (components + 1));
    let mut tags = Vec::with_capacity(reserve);
    let mut values = Vec::with_capacity(reserve * components);
    for _ in 0..count {
        tags.push(s.u64("an entity tag")?);
        for _ in 0..components {
            values.push(s.f64("a data value")?);
        }
    }
    s.expect_end(section, start)?;
    Ok(DataSection { name, components, tags, values })
}

/// The header of `$Nodes` and `$Elements`: `blocks total min max`, and the checks of the block
/// counts against it.
struct Counts {
    section: &'static str,
    entity: &'static str,
    blocks: usize,
    total: usize,
    line: usize,
}

impl Counts {
    fn read<R: BufRead>(s: &mut Stream<R>, section: &'static str, entity: &'static str) -> Result<Counts, ReadError> {
        let blocks = s.count(&format!("the number of {entity} blocks"))?;
        let line = s.line;
        let total = s.count(&format!("the number of {entity}s"))?;
        s.u64(&format!("the smallest {entity} tag"))?;
        s.u64(&format!("the largest {entity} tag"))?;
        Ok(Counts { section, entity, blocks, total, line })
    }

    /// A block of `count` after `read` entities must fit the header's total.
    fn check_block<R: BufRead>(&self, s: &Stream<R>, read: usize, count: usize) -> Result<(), ReadError> {
        if read.saturating_add(count) <= self.total {
            return Ok(());
        }
        let Counts { section, entity, total, line, .. } = self;
        Err(s.error_at(
            s.line,
            format!(
                "the {entity} blocks hold more {entity}s than the {total} the ${section} header says (line {line})"
            ),
        ))
    }

    /// The blocks must hold exactly the header's total.
    fn check_total<R: BufRead>(&self, s: &Stream<R>, read: usize) -> Result<(), ReadError> {
        if read == self.total {
            return Ok(());
        }
        let Counts { section, entity, total, line, .. } = self;
        Err(s.error_at(
            *line,
            format!("the ${section} header says {total} {entity}s but its blocks hold {read}: the file is corrupt"),
        ))
    }
}

/// What one element block's elements become, resolved once the entities are known.
struct Block {
    entity: i32,
    /// Cells `cells.0..cells.1` of `raw.cells`.
    cells: (usize, usize),
}

/// A face or point element, with its entity (physical groups are applied at the end, as the
/// format allows `$Entities` after `$Elements`).
struct Pending {
    entity: i32,
    nodes: Vec<u64>,
    at: SourceLoc,
}

#[derive(Default)]
struct Reader {
    raw: RawMesh,
    names: PhysicalNames,
    /// Entity tag → physical tags, per dimension 0..=3.
    groups: [BTreeMap<i32, Vec<i32>>; 4],
    blocks: Vec<Block>,
    faces: Vec<Pending>,
    points: Vec<Pending>,
    skipped: usize,
    nodes_seen: bool,
    elements_seen: bool,
    node_data: Vec<DataSection>,
    cell_data: Vec<DataSection>,
}

impl Reader {
    /// `$Entities`: counts of points, curves, surfaces and volumes, then one record each.
    fn entities<R: BufRead>(&mut self, s: &mut Stream<R>) -> Result<(), ReadError> {
        let start = s.line;
        let mut counts = [0usize; 4];
        for (dim, c) in counts.iter_mut().enumerate() {
            *c = s.count(
                ["the number of points", "the number of curves", "the number of surfaces", "the number of volumes"]
                    [dim],
            )?;
        }
        for (dim, &count) in counts.iter().enumerate() {
            for _ in 0..count {
                let tag = s.i32("an entity tag")?;
                // A point has its coordinates, the others their bounding box.
                for _ in 0..if dim == 0 { 3 } else { 6 } {
                    s.f64("an entity coordinate")?;
                }
                let n = s.count("the number of physical tags")?;
                let mut physical = Vec::with_capacity(capacity(n, s.left(), 2));
                for _ in 0..n {
                    physical.push(s.i32("a physical tag")?);
                }
                if dim > 0 {
                    let bounding = s.count("the number of bounding entities")?;
                    for _ in 0..bounding {
                        s.i32("a bounding entity tag")?;
                    }
                }
                self.groups[dim].insert(tag, physical);
            }
        }
        s.expect_end("Entities", start)
    }

    /// `$Nodes`: `blocks nodes min max`, then per block `dim tag parametric count`, the tags and
    /// the coordinates (with parametric coordinates when `parametric` is 1).
    fn nodes<R: BufRead>(&mut self, s: &mut Stream<R>, start: usize) -> Result<(), ReadError> {
        self.nodes_seen = true;
        let header = Counts::read(s, "Nodes", "node")?;
        let (blocks, total) = (header.blocks, header.total);
        // A node takes at least 8 bytes ("1\n0 0 0\n").
        self.raw.nodes.reserve(capacity(total, s.left(), 8));
        let mut tags = Vec::new();
        let mut read = 0usize;
        for _ in 0..blocks {
            let dim = s.i32("the entity dimension of a node block")?;
            s.i32("the entity tag of a node block")?;
            let parametric = s.u64("the parametric flag of a node block")?;
            let count = s.count("the number of nodes in a block")?;
            let extra = match (parametric, dim) {
                (0, _) => 0,
                (1, d @ 0..=3) => d as usize,
                _ => {
                    return Err(s.error_at(
                        s.line,
                        format!("invalid node block: parametric flag {parametric} on dimension {dim}"),
                    ))
                }
            };
            header.check_block(s, read, count)?;
            tags.clear();
            tags.reserve(capacity(count, s.left(), 2));
            for _ in 0..count {
                tags.push(s.u64("a node tag")?);
            }
            for &id in &tags {
                let x = s.f64("a node coordinate")?;
                let at = SourceLoc::Line(s.line);
                let y = s.f64("a node coordinate")?;
                let z = s.f64("a node coordinate")?;
                for _ in 0..extra {
                    s.f64("a parametric coordinate")?;
                }
                self.raw.nodes.push(RawNode { id, x: [x, y, z], at });
            }
            read += count;
        }
        header.check_total(s, read)?;
        s.expect_end("Nodes", start)
    }

    /// `$Elements`: `blocks elements min max`, then per block `dim entity type count` and one
    /// record `tag node…` per element.
    fn elements<R: BufRead>(&mut self, s: &mut Stream<R>, start: usize) -> Result<(), ReadError> {
        self.elements_seen = true;
        let header = Counts::read(s, "Elements", "element")?;
        let mut nodes = Vec::new();
        let mut read = 0usize;
        for _ in 0..header.blocks {
            let dim = s.i32("the entity dimension of an element block")?;
            let entity = s.i32("the entity tag of an element block")?;
            let t = s.i32("the element type of a block")?;
            let count = s.count("the number of elements in a block")?;
            let block_line = s.line;
            header.check_block(s, read, count)?;
            let Some((kind, n)) = element_kind(i64::from(t)) else {
                return Err(
                    s.error_at(block_line, format!("element block of entity {entity} has unknown element type {t}"))
                );
            };
            let first = self.raw.cells.len();
            if let ElementKind::Cell(_) = kind {
                // An element takes at least two bytes per number.
                self.raw.cells.reserve(capacity(count, s.left(), 2 * (n + 1)), n);
            }
            for _ in 0..count {
                let id = s.u64("an element tag")?;
                let at = SourceLoc::Line(s.line);
                nodes.clear();
                for _ in 0..n {
                    nodes.push(s.u64("a node tag of an element")?);
                }
                match kind {
                    ElementKind::Cell(cell) => {
                        self.raw.cells.push_nodes(id, cell, &to_internal(cell, &nodes), entity, at)
                    }
                    ElementKind::Face(_) => self.faces.push(Pending { entity, nodes: nodes.clone(), at }),
                    ElementKind::Skip(_) if t == 15 && dim == 0 => {
                        self.points.push(Pending { entity, nodes: nodes.clone(), at })
                    }
                    ElementKind::Skip(_) => self.skipped += 1,
                    ElementKind::Unsupported(name) => {
                        return Err(
                            s.error_at(s.line, format!("element {id}: {}", unsupported_message(name, i64::from(t))))
                        )
                    }
                }
            }
            read += count;
            self.blocks.push(Block { entity, cells: (first, self.raw.cells.len()) });
        }
        header.check_total(s, read)?;
        s.expect_end("Elements", start)
    }

    /// Applies the physical groups and names, and attaches the data sections.
    fn finish(self, source: &str) -> Result<RawMesh, ReadError> {
        let Reader {
            mut raw,
            names,
            groups,
            blocks,
            faces,
            points,
            mut skipped,
            nodes_seen,
            elements_seen,
            node_data,
            cell_data,
        } = self;
        if !nodes_seen {
            return Err(ReadError::syntax(source, SourceLoc::Unknown, "the file has no $Nodes section"));
        }
        if !elements_seen {
            return Err(ReadError::syntax(source, SourceLoc::Unknown, "the file has no $Elements section"));
        }
        // Cells: the first physical group of their volume, else the entity tag.
        for b in blocks.iter().filter(|b| b.cells.1 > b.cells.0) {
            let region = groups[3].get(&b.entity).and_then(|p| p.first().copied()).unwrap_or(b.entity);
            if region != b.entity {
                for c in b.cells.0..b.cells.1 {
                    raw.cells.set_region(c, region);
                }
            }
        }
        // Faces: once per physical group of their surface, else a surface per entity.
        for f in faces {
            match groups[2].get(&f.entity).filter(|p| !p.is_empty()) {
                Some(tags) => {
                    for &p in tags {
                        raw.faces.push(RawFace { nodes: f.nodes.clone(), surface: SurfaceKey::Tag(p), at: f.at });
                    }
                }
                None => raw.faces.push(RawFace {
                    nodes: f.nodes,
                    surface: SurfaceKey::Name(format!("entity_{}", f.entity)),
                    at: f.at,
                }),
            }
        }
        // Physical points are node sets (organ-twin writes its node sets so).
        let mut point_groups: BTreeMap<i32, (Vec<u64>, SourceLoc)> = BTreeMap::new();
        for p in points {
            match groups[0].get(&p.entity).filter(|g| !g.is_empty()) {
                Some(tags) => {
                    for &tag in tags {
                        point_groups.entry(tag).or_insert_with(|| (Vec::new(), p.at)).0.extend(&p.nodes);
                    }
                }
                None => skipped += 1,
            }
        }
        for (tag, (nodes, at)) in point_groups {
            let name = names.get(&(0, tag)).cloned().unwrap_or_else(|| format!("point_{tag}"));
            raw.node_sets.push((name, nodes, at));
        }
        if skipped > 0 {
            raw.notes.push(format!(
                "{skipped} point/line/quadrangle element(s) were skipped (not used by a tetrahedral mesh)"
            ));
        }
        apply_names(&mut raw, names);
        attach_fields(&mut raw, node_data, cell_data);
        Ok(raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mesh::BuildOptions;

    /// One Tet10 in a volume with a physical group, its bottom face on a physical surface.
    const ONE_TET10: &str =
        "$MeshFormat\n4.1 0 8\n$EndMeshFormat\n$PhysicalNames\n2\n3 1 \"the tet\"\n2 7 \"bottom\"\n$EndPhysicalNames\n\
        $Entities\n0 0 1 1\n4 0 0 0 1 1 0 1 7 0\n1 0 0 0 1 1 1 1 1 0\n$EndEntities\n\
        $Nodes\n1 10 1 10\n3 1 0 10\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n\
        0 0 0\n1 0 0\n0 1 0\n0 0 1\n0.5 0 0\n0.5 0.5 0\n0 0.5 0\n0 0 0.5\n0 0.5 0.5\n0.5 0 0.5\n$EndNodes\n\
        $Elements\n2 2 1 2\n3 1 11 1\n1 1 2 3 4 5 6 7 8 9 10\n2 4 9 1\n2 1 3 2 7 6 5\n$EndElements\n";

    fn read(text: &str) -> Result<RawMesh, ReadError> {
        parse(text.as_bytes(), text.len() as u64, "t.msh")
    }

    fn error(text: &str) -> String {
        read(text).map(|_| ()).unwrap_err().to_string()
    }

    #[test]
    fn reads_cells_faces_groups_names_and_lines() {
        let raw = read(ONE_TET10).unwrap();
        assert_eq!(raw.nodes.len(), 10);
        assert_eq!(raw.nodes[3].at, SourceLoc::Line(30), "a node is at its coordinate line");
        assert_eq!(raw.cells.len(), 1);
        assert_eq!(raw.cells.region(0), 1);
        assert_eq!(raw.cells.at(0), SourceLoc::Line(41));
        // Gmsh's last two Tet10 nodes are swapped into the internal order.
        assert_eq!(raw.cells.nodes(0), &[1, 2, 3, 4, 5, 6, 7, 8, 10, 9]);
        assert_eq!(raw.faces.len(), 1);
        assert_eq!((raw.faces[0].surface.clone(), raw.faces[0].at), (SurfaceKey::Tag(7), SourceLoc::Line(43)));
        assert_eq!(raw.region_names[&1], "the tet");
        assert_eq!(raw.surface_names[&7], "bottom");
        let (mesh, warnings) = raw.build(&BuildOptions::default()).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(mesh.surface("bottom").unwrap().faces.len(), 1);
    }

    /// The format separates tokens by any blanks: records split over lines or joined on one read
    /// the same, and `$Entities` may come after `$Elements`.
    #[test]
    fn token_layout_and_section_order_do_not_matter() {
        let reference = read(ONE_TET10).unwrap();
        let joined = ONE_TET10.replace("\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n", "\n1 2 3 4 5 6 7 8 9\n  10\n");
        let split = joined.replace("1 1 2 3 4 5 6 7 8 9 10\n", "1 1 2 3\r\n4 5\t6 7 8\n9 10\n");
        let entities = &ONE_TET10[ONE_TET10.find("$Entities").unwrap()..ONE_TET10.find("$Nodes").unwrap()];
        let moved = split.replace(entities, "") + entities;
        let raw = read(&moved).unwrap();
        let ids = |r: &RawMesh| r.nodes.iter().map(|n| (n.id, n.x)).collect::<Vec<_>>();
        assert_eq!(ids(&raw), ids(&reference));
        assert_eq!(raw.cells.nodes(0), reference.cells.nodes(0));
        assert_eq!(raw.cells.region(0), 1);
        assert_eq!(raw.faces[0].surface, SurfaceKey::Tag(7));
    }

    #[test]
    fn parametric_nodes_carry_extra_coordinates() {
        let text = ONE_TET10.replace("3 1 0 10\n", "3 1 1 10\n").replace("0 0 0.5\n", "0 0 0.5 0.1 0.2 0.3\n");
        let text = text.replace(
            "\n0 0 0\n1 0 0\n0 1 0\n0 0 1\n0.5 0 0\n0.5 0.5 0\n0 0.5 0\n",
            "\n0 0 0 0 0 0\n1 0 0 1 0 0\n0 1 0 0 1 0\n0 0 1 0 0 1\n0.5 0 0 1 1 1\n0.5 0.5 0 1 1 1\n0 0.5 0 1 1 1\n",
        );
        let text = text.replace("0 0.5 0.5\n0.5 0 0.5\n", "0 0.5 0.5 1 1 1\n0.5 0 0.5 1 1 1\n");
        let raw = read(&text).unwrap();
        assert_eq!(raw.nodes[9].x, [0.5, 0.0, 0.5]);
    }

    /// Each malformation is an error naming its line and what was expected.
    #[test]
    fn malformed_sections_are_errors_with_lines() {
        let cases = [
            (ONE_TET10.replace("1 10 1 10\n", "1 11 1 10\n"), "line 15", "says 11 nodes but its blocks hold 10"),
            (ONE_TET10.replace("2 2 1 2\n", "2 1 1 2\n"), "line 42", "more elements than the 1"),
            (ONE_TET10.replace("0.5 0 0.5\n", "0.5 zero 0.5\n"), "line 36", "expected a node coordinate, found 'zero'"),
            (ONE_TET10.replace("3 1 11 1\n", "3 1 93 1\n"), "line 40", "unknown element type 93"),
            (ONE_TET10.replace("3 1 11 1\n", "3 1 5 1\n"), "line 41", "8-node hexahedron"),
            (ONE_TET10.replace("2 1 3 2 7 6 5\n", "2 1 3 2 7 6 5 9\n"), "line 43", "expected $EndElements, found '9'"),
            (ONE_TET10.replace("$EndNodes\n", ""), "line 37", "expected $EndNodes, found '$Elements'"),
            (ONE_TET10.replace("3 1 \"the tet\"", "3 1 the tet"), "line 6", "unexpected 'the tet'"),
            (ONE_TET10.replace("\"the tet\"", "\"\""), "line 6", "expected a quoted physical name"),
            (ONE_TET10.replace("1\n2\n3\n", "1\n2\n99999999999999999999999\n"), "line 19", "too large"),
            (ONE_TET10.replace("$Nodes\n1 10 1 10", "$Nodes\n1 18446744073709551615 1 10"), "line 15", "too large"),
            (format!("{ONE_TET10}garbage\n"), "line 45", "outside a section"),
            (format!("{ONE_TET10}$Comments\nnever closed\n"), "line 45", "has no $EndComments"),
            (ONE_TET10.replace("4.1 0 8", "4.1 0 4"), "line 2", "the data size 8"),
            (ONE_TET10[..ONE_TET10.find("$Nodes").unwrap()].to_string(), "t.msh", "no $Nodes section"),
            (ONE_TET10[..ONE_TET10.find("$Elements").unwrap()].to_string(), "t.msh", "no $Elements section"),
        ];
        for (text, at, phrase) in cases {
            let e = error(&text);
            assert!(e.contains(at) && e.contains(phrase), "expected '{at}' and '{phrase}' in: {e}");
        }
        // Cut anywhere inside the data: an error, never a smaller mesh.
        let end = ONE_TET10.find("$EndElements").unwrap();
        for cut in ONE_TET10.find("$Nodes").unwrap()..end {
            assert!(read(&ONE_TET10[..cut]).is_err(), "cut at {cut} was accepted");
        }
    }

    /// Counts far beyond the input reserve only what the bytes left could hold.
    #[test]
    fn huge_counts_do_not_allocate() {
        let text = ONE_TET10.replace("2 2 1 2\n3 1 11 1\n", "2 2 1 2\n3 1 11 4000000000000000000\n");
        assert!(error(&text).contains("more elements than the 2"));
        let text = ONE_TET10.replace("2 2 1 2\n", "2 4000000000000000000 1 2\n");
        assert!(error(&text).contains("says 4000000000000000000 elements"));
        let text =
            ONE_TET10.replace("1 10 1 10\n3 1 0 10\n", "1 4000000000000000000 1 10\n3 1 0 4000000000000000000\n");
        assert!(error(&text).contains("expected a node tag, found '0.5'"));
    }

    /// Unknown sections are skipped with a note; Gmsh's own optional sections silently.
    #[test]
    fn unknown_sections_are_noted() {
        let text = format!("{ONE_TET10}$Periodic\n0\n$EndPeriodic\n$Bogus\nx y\n$EndBogus\n");
        let raw = read(&text).unwrap();
        assert_eq!(raw.notes.len(), 1, "{:?}", raw.notes);
        assert!(raw.notes[0].contains("$Bogus (line 48)"), "{:?}", raw.notes);
    }

    /// Data sections become fields aligned with the cells, whatever the order of their records.
    #[test]
    fn element_data_becomes_a_cell_field() {
        let text = format!("{ONE_TET10}$ElementData\n1\n\"fiber\"\n1\n0\n3\n0\n3\n1\n1 1 0 0\n$EndElementData\n");
        let raw = read(&text).unwrap();
        assert_eq!(raw.cell_fields.len(), 1);
        assert_eq!((raw.cell_fields[0].name.as_str(), &raw.cell_fields[0].values[..]), ("fiber", &[1.0, 0.0, 0.0][..]));
        let short = format!("{ONE_TET10}$ElementData\n1\n\"fiber\"\n1\n0\n3\n0\n3\n2\n1 1 0 0\n$EndElementData\n");
        assert!(error(&short).contains("expected an entity tag, found '$EndElementData'"), "{}", error(&short));
    }
}
