//! Abaqus `.inp` reader: `*NODE`, `*ELEMENT` (C3D4, C3D10 and their hybrid / modified variants as
//! cells; 3- and 6-node triangles as surface faces), `*NSET`, `*ELSET` (with `GENERATE` and set
//! references), `*SURFACE` (element-face based `S1`–`S4`, or node based), `*SOLID SECTION`.
//!
//! Regions come, in order of priority, from the element sets of `*SOLID SECTION`, then from
//! explicit `*ELSET`s of volume cells, then from `*ELEMENT, ELSET=`. Triangles become surfaces by
//! their element sets the same way. A single part with a single instance is flattened; assemblies
//! with more are rejected with a clear message. Analysis keywords (`*MATERIAL`, `*STEP`, …) are
//! skipped. Names are case-insensitive, as in Abaqus.

use std::collections::{HashMap, HashSet};

use super::text::{parse_coord, parse_token, utf8, Lines};
use super::ReadError;
use crate::mesh::{CellType, RawCell, RawCellFace, RawFace, RawMesh, RawNode, SourceLoc, SurfaceKey};

/// What an element type becomes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Cell(CellType),
    Face(usize),
    Unsupported,
    Skip,
}

fn element_kind(t: &str) -> Kind {
    let t = t.to_ascii_uppercase();
    const TRI3: [&str; 13] =
        ["CPS3", "CPE3", "CAX3", "S3", "S3R", "S3RS", "STRI3", "M3D3", "SFM3D3", "R3D3", "DC2D3", "DS3", "CPEG3"];
    const TRI6: [&str; 10] = ["CPS6", "CPE6", "CAX6", "STRI65", "M3D6", "SFM3D6", "DC2D6", "CPS6M", "CPE6M", "DS6"];
    if t.starts_with("C3D10") {
        Kind::Cell(CellType::Tet10)
    } else if t.starts_with("C3D4") {
        Kind::Cell(CellType::Tet4)
    } else if t.starts_with("C3D") || t.starts_with("DC3D") {
        Kind::Unsupported
    } else if TRI3.contains(&t.as_str()) {
        Kind::Face(3)
    } else if TRI6.contains(&t.as_str()) {
        Kind::Face(6)
    } else {
        Kind::Skip
    }
}

/// A keyword line: upper-case name and parameters (upper-case keys, values as written).
struct Keyword {
    name: String,
    params: HashMap<String, String>,
    line: usize,
}

fn parse_keyword(text: &str, line: usize) -> Keyword {
    let mut parts = text.trim_start_matches('*').split(',');
    let name = parts.next().unwrap_or("").split_whitespace().collect::<Vec<_>>().join(" ").to_ascii_uppercase();
    let params = parts
        .filter_map(|p| {
            let mut kv = p.splitn(2, '=');
            let k = kv.next()?.trim().to_ascii_uppercase();
            (!k.is_empty()).then(|| (k, kv.next().unwrap_or("").trim().to_string()))
        })
        .collect();
    Keyword { name, params, line }
}

/// A named set as read: members (ids or names of other sets) and where it was defined.
#[derive(Default)]
struct Sets {
    /// Upper-case name → (display name, ids, line of first definition).
    map: HashMap<String, (String, Vec<u64>, usize)>,
    order: Vec<String>,
}

impl Sets {
    fn add(&mut self, name: &str, ids: impl IntoIterator<Item = u64>, line: usize) {
        let key = name.to_ascii_uppercase();
        if !self.map.contains_key(&key) {
            self.order.push(key.clone());
        }
        self.map.entry(key).or_insert_with(|| (name.to_string(), Vec::new(), line)).1.extend(ids);
    }

    /// Looks a set up, also without an `Instance.` prefix.
    fn get(&self, name: &str) -> Option<&(String, Vec<u64>, usize)> {
        let key = name.to_ascii_uppercase();
        self.map.get(&key).or_else(|| key.rsplit_once('.').and_then(|(_, n)| self.map.get(n)))
    }
}

struct Reader<'a> {
    lines: Lines<'a>,
    raw: RawMesh,
    /// Triangle elements: id → (nodes, line, *ELEMENT ELSET).
    triangles: Vec<(u64, Vec<u64>, usize, Option<String>)>,
    element_elsets: Vec<(String, u64)>,
    elsets: Sets,
    nsets: Sets,
    sections: Vec<String>,
    skipped: HashMap<String, usize>,
    /// Ids of elements of skipped types (beams, shells, …).
    other_elements: HashSet<u64>,
    parts: usize,
    instances: usize,
}

/// Parses an Abaqus input file.
pub(crate) fn parse(bytes: &[u8], source: &str) -> Result<RawMesh, ReadError> {
    let text = utf8(bytes, source)?;
    let mut r = Reader {
        lines: Lines::new(text, source),
        raw: RawMesh::default(),
        triangles: Vec::new(),
        element_elsets: Vec::new(),
        elsets: Sets::default(),
        nsets: Sets::default(),
        sections: Vec::new(),
        skipped: HashMap::new(),
        other_elements: HashSet::new(),
        parts: 0,
        instances: 0,
    };
    let mut keywords = 0;
    while let Some(kw) = r.next_keyword()? {
        keywords += 1;
        r.keyword(kw)?;
    }
    if keywords == 0 {
        return Err(ReadError::syntax(
            source,
            SourceLoc::Line(1),
            "no Abaqus keywords (lines starting with '*') found: not an .inp file",
        ));
    }
    r.finish()
}

impl<'a> Reader<'a> {
    /// Advances to the next keyword line; stray data lines before it are an error.
    fn next_keyword(&mut self) -> Result<Option<Keyword>, ReadError> {
        while let Some((l, line)) = self.lines.next_line() {
            let t = line.trim();
            if t.is_empty() || t.starts_with("**") {
                continue;
            }
            if t.starts_with('*') {
                return Ok(Some(parse_keyword(t, l)));
            }
            return Err(self.lines.error(l, format!("data line '{}' outside any keyword", clip(t))));
        }
        Ok(None)
    }

    /// The data lines of the current keyword, split into non-empty comma-separated fields.
    fn data_lines(&mut self) -> Vec<(usize, Vec<&'a str>)> {
        let mut out = Vec::new();
        while let Some((l, line)) = self.lines.peek() {
            let t = line.trim();
            if t.starts_with('*') && !t.starts_with("**") {
                break;
            }
            self.lines.next_line();
            if t.is_empty() || t.starts_with("**") {
                continue;
            }
            out.push((l, t.split(',').map(str::trim).filter(|f| !f.is_empty()).collect()));
        }
        out
    }

    fn keyword(&mut self, kw: Keyword) -> Result<(), ReadError> {
        let source = self.lines.source();
        match kw.name.as_str() {
            "NODE" => self.nodes(&kw),
            "ELEMENT" => self.elements(&kw),
            "NSET" | "ELSET" => self.set(&kw),
            "SURFACE" => self.surface(&kw),
            "SOLID SECTION" => {
                let elset = self.param(&kw, "ELSET")?;
                self.sections.push(elset);
                self.data_lines();
                Ok(())
            }
            "PART" => {
                self.parts += 1;
                if self.parts > 1 {
                    return Err(self.lines.error(kw.line, "more than one *PART: assemblies of several parts are not supported; export a flat input file (one part, or an orphan mesh)"));
                }
                Ok(())
            }
            "INSTANCE" => {
                self.instances += 1;
                let data = self.data_lines();
                if self.instances > 1 || !data.is_empty() {
                    return Err(self.lines.error(
                        kw.line,
                        "only one *INSTANCE without translation or rotation can be flattened; export a flat input file",
                    ));
                }
                Ok(())
            }
            "HEADING" | "PREPRINT" | "END PART" | "ASSEMBLY" | "END ASSEMBLY" | "END INSTANCE" => {
                self.data_lines();
                Ok(())
            }
            "INCLUDE" => Err(ReadError::syntax(
                source,
                SourceLoc::Line(kw.line),
                "*INCLUDE is not supported: merge the included file into this one",
            )),
            other => {
                *self.skipped.entry(other.to_string()).or_default() += 1;
                self.data_lines();
                Ok(())
            }
        }
    }

    fn param(&self, kw: &Keyword, key: &str) -> Result<String, ReadError> {
        kw.params
            .get(key)
            .filter(|v| !v.is_empty())
            .cloned()
            .ok_or_else(|| self.lines.error(kw.line, format!("*{} needs the parameter {key}=…", kw.name)))
    }

    fn nodes(&mut self, kw: &Keyword) -> Result<(), ReadError> {
        let source = self.lines.source();
        let nset = kw.params.get("NSET").cloned();
        let mut ids = Vec::new();
        for (l, f) in self.data_lines() {
            let at = SourceLoc::Line(l);
            let id: u64 = parse_token(source, at, f.first().copied(), "a node id")?;
            if f.len() < 3 || f.len() > 4 {
                return Err(ReadError::syntax(
                    source,
                    at,
                    format!("node {id}: expected 'id, x, y[, z]', found {} fields", f.len()),
                ));
            }
            let mut x = [0.0; 3];
            for (k, c) in x.iter_mut().enumerate().take(f.len() - 1) {
                *c = parse_coord(source, at, f.get(k + 1).copied(), "a coordinate")?;
            }
            self.raw.nodes.push(RawNode { id, x, at });
            ids.push(id);
        }
        if let Some(name) = nset {
            self.nsets.add(&name, ids, kw.line);
        }
        Ok(())
    }

    fn elements(&mut self, kw: &Keyword) -> Result<(), ReadError> {
        let source = self.lines.source();
        let t = self.param(kw, "TYPE")?;
        let kind = element_kind(&t);
        let n = match kind {
            Kind::Cell(c) => c.node_count(),
            Kind::Face(n) => n,
            Kind::Unsupported => {
                return Err(self.lines.error(
                    kw.line,
                    format!("element type {t} is not supported: organ-twin reads tetrahedral meshes (C3D4, C3D10 and variants); re-mesh with tetrahedra"),
                ))
            }
            Kind::Skip => {
                *self.skipped.entry(format!("ELEMENT, TYPE={t}")).or_default() += 1;
                // Their ids stay known, so that element sets may name them.
                let ids = self.data_lines().into_iter().filter_map(|(_, f)| f.first()?.parse::<u64>().ok());
                self.other_elements.extend(ids);
                return Ok(());
            }
        };
        let elset = kw.params.get("ELSET").cloned();
        let data = self.data_lines();
        let mut i = 0;
        while i < data.len() {
            let (l, first) = &data[i];
            let mut fields: Vec<&str> = first.clone();
            // An element may continue on the following lines.
            while fields.len() < n + 1 && i + 1 < data.len() {
                i += 1;
                fields.extend(data[i].1.iter());
            }
            i += 1;
            let at = SourceLoc::Line(*l);
            let id: u64 = parse_token(source, at, fields.first().copied(), "an element id")?;
            if fields.len() != n + 1 {
                return Err(ReadError::syntax(
                    source,
                    at,
                    format!("element {id} of type {t}: expected {n} node ids, found {}", fields.len() - 1),
                ));
            }
            let nodes = fields[1..]
                .iter()
                .map(|f| parse_token(source, at, Some(f), "a node id"))
                .collect::<Result<Vec<u64>, _>>()?;
            match kind {
                Kind::Cell(kind) => self.raw.cells.push(RawCell { id, kind, nodes, region: 0, at }),
                _ => self.triangles.push((id, nodes, *l, elset.clone())),
            }
            if let Some(name) = &elset {
                self.element_elsets.push((name.clone(), id));
            }
        }
        Ok(())
    }

    fn set(&mut self, kw: &Keyword) -> Result<(), ReadError> {
        let source = self.lines.source();
        let is_node = kw.name == "NSET";
        let name = self.param(kw, if is_node { "NSET" } else { "ELSET" })?;
        let generate = kw.params.contains_key("GENERATE");
        let mut ids = Vec::new();
        for (l, f) in self.data_lines() {
            let at = SourceLoc::Line(l);
            if generate {
                let num = |k: usize, what| parse_token::<u64>(source, at, f.get(k).copied(), what);
                let (a, b) = (num(0, "the first id")?, num(1, "the last id")?);
                let step = if f.len() > 2 { num(2, "the increment")? } else { 1 };
                if step == 0 || b < a || (b - a) / step > 100_000_000 {
                    return Err(ReadError::syntax(source, at, format!("invalid GENERATE range {a}, {b}, {step}")));
                }
                ids.extend((a..=b).step_by(step as usize));
                continue;
            }
            for tok in f {
                match tok.parse::<u64>() {
                    Ok(id) => ids.push(id),
                    Err(_) => {
                        let sets = if is_node { &self.nsets } else { &self.elsets };
                        let (_, members, _) = sets.get(tok).ok_or_else(|| {
                            ReadError::syntax(source, at, format!("'{}' is neither an id nor a defined set", clip(tok)))
                        })?;
                        ids.extend(members.clone());
                    }
                }
            }
        }
        if is_node {
            self.nsets.add(&name, ids, kw.line);
        } else {
            self.elsets.add(&name, ids, kw.line);
        }
        Ok(())
    }

    fn surface(&mut self, kw: &Keyword) -> Result<(), ReadError> {
        let source = self.lines.source();
        let name = self.param(kw, "NAME")?;
        let node_based = kw.params.get("TYPE").is_some_and(|t| t.eq_ignore_ascii_case("NODE"));
        for (l, f) in self.data_lines() {
            let at = SourceLoc::Line(l);
            let target = *f.first().ok_or_else(|| ReadError::syntax(source, at, "empty *SURFACE entry"))?;
            let members: Vec<u64> = match target.parse::<u64>() {
                Ok(id) => vec![id],
                Err(_) => {
                    let sets = if node_based { &self.nsets } else { &self.elsets };
                    sets.get(target)
                        .ok_or_else(|| {
                            ReadError::syntax(
                                source,
                                at,
                                format!("surface '{name}' refers to the undefined set '{}'", clip(target)),
                            )
                        })?
                        .1
                        .clone()
                }
            };
            if node_based {
                self.nsets.add(&name, members, l);
                continue;
            }
            let label = f.get(1).map(|s| s.to_ascii_uppercase()).unwrap_or_default();
            let face = match label.as_str() {
                "S1" => 0,
                "S2" => 1,
                "S3" => 2,
                "S4" => 3,
                _ => {
                    return Err(ReadError::syntax(
                        source,
                        at,
                        format!("surface '{name}': face label '{}' is not S1–S4 (tetrahedron faces)", clip(&label)),
                    ))
                }
            };
            for cell in members {
                self.raw.cell_faces.push(RawCellFace { surface: name.clone(), cell, face, at });
            }
        }
        Ok(())
    }

    /// Every member of an explicit `*ELSET` must be an element of the file.
    fn check_elsets(&self, cells: &HashMap<u64, usize>, triangles: &HashMap<u64, usize>) -> Result<(), ReadError> {
        for key in &self.elsets.order {
            let (display, ids, line) = &self.elsets.map[key];
            let known =
                |id: &u64| cells.contains_key(id) || triangles.contains_key(id) || self.other_elements.contains(id);
            if let Some(id) = ids.iter().find(|id| !known(id)) {
                return Err(self.lines.error(
                    *line,
                    format!(
                        "element set '{}' names element {id}, which is not defined: the file is inconsistent \
                         or truncated",
                        clip(display)
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Resolves regions, surfaces and node sets.
    fn finish(mut self) -> Result<RawMesh, ReadError> {
        let cell_pos: HashMap<u64, usize> = self.raw.cells.ids().iter().enumerate().map(|(i, &id)| (id, i)).collect();
        let tri_pos: HashMap<u64, usize> = self.triangles.iter().enumerate().map(|(i, t)| (t.0, i)).collect();
        self.check_elsets(&cell_pos, &tri_pos)?;
        // Regions by priority: section sets, explicit element sets, *ELEMENT ELSET.
        let mut candidates: Vec<(String, Vec<u64>)> = Vec::new();
        for s in &self.sections {
            if let Some((display, ids, _)) = self.elsets.get(s) {
                candidates.push((display.clone(), ids.clone()));
            }
        }
        for key in &self.elsets.order {
            let (display, ids, _) = &self.elsets.map[key];
            candidates.push((display.clone(), ids.clone()));
        }
        let mut element_sets: Sets = Sets::default();
        for (name, id) in &self.element_elsets {
            element_sets.add(name, [*id], 0);
        }
        for key in &element_sets.order {
            let (display, ids, _) = &element_sets.map[key];
            candidates.push((display.clone(), ids.clone()));
        }
        let mut assigned = vec![false; self.raw.cells.len()];
        let mut next_region = 1;
        for (name, ids) in &candidates {
            let cells: Vec<usize> =
                ids.iter().filter_map(|id| cell_pos.get(id).copied()).filter(|&c| !assigned[c]).collect();
            if cells.is_empty() || self.raw.region_names.values().any(|n| n == name) {
                continue;
            }
            for c in cells {
                assigned[c] = true;
                self.raw.cells.set_region(c, next_region);
            }
            self.raw.region_names.insert(next_region, name.clone());
            next_region += 1;
        }
        // Triangles: by explicit element set, else by their *ELEMENT ELSET.
        let mut in_explicit = vec![false; self.triangles.len()];
        for key in &self.elsets.order {
            let (display, ids, _) = &self.elsets.map[key];
            for id in ids {
                if let Some(&t) = tri_pos.get(id) {
                    in_explicit[t] = true;
                    let (_, nodes, l, _) = &self.triangles[t];
                    self.raw.faces.push(RawFace {
                        nodes: nodes.clone(),
                        surface: SurfaceKey::Name(display.clone()),
                        at: SourceLoc::Line(*l),
                    });
                }
            }
        }
        for (t, (_, nodes, l, elset)) in self.triangles.iter().enumerate() {
            if !in_explicit[t] {
                let name = elset.clone().unwrap_or_else(|| "faces".to_string());
                self.raw.faces.push(RawFace {
                    nodes: nodes.clone(),
                    surface: SurfaceKey::Name(name),
                    at: SourceLoc::Line(*l),
                });
            }
        }
        for key in &self.nsets.order {
            let (display, ids, l) = &self.nsets.map[key];
            self.raw.node_sets.push((display.clone(), ids.clone(), SourceLoc::Line(*l)));
        }
        let mut skipped: Vec<_> = self.skipped.into_iter().collect();
        skipped.sort();
        if !skipped.is_empty() {
            let list: Vec<String> =
                skipped.iter().map(|(k, n)| if *n > 1 { format!("*{k} ({n}×)") } else { format!("*{k}") }).collect();
            self.raw.notes.push(format!("keywords not used for the mesh were skipped: {}", list.join(", ")));
        }
        Ok(self.raw)
    }
}

fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}
