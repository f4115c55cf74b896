//! Checks of a VTU document that `vtkio` does not make, run before it sees the document (after raw
//! appended data has been re-encoded as base64, see [`super::appended`]):
//!
//! - nothing but whitespace follows `</VTKFile>`;
//! - `NumberOfPoints` / `NumberOfCells` fit in the file (zlib inflates at most 1032-fold);
//! - every appended `DataArray` has an `offset`;
//! - every compressed block header (`[nb][nu][np][nc_1..nc_nb]`) announces exactly the bytes its
//!   array needs (points, point and cell data, offsets, types), and no more than its compressed
//!   bytes can inflate to, so that a corrupt header or a shifted offset cannot make `vtkio`
//!   allocate gigabytes or inflate a zip bomb.
//!
//! It returns the names of the point and cell arrays each piece declares, so that the reader
//! can tell when `vtkio` dropped one it could not decode.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// Why a VTU document was refused.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ScanError(pub String);

/// Names of the data arrays one piece declares.
#[derive(Debug, Default)]
pub(crate) struct Declared {
    /// `<CellData>` arrays.
    pub cell: Vec<String>,
    /// `<PointData>` arrays.
    pub point: Vec<String>,
}

/// The most a zlib stream can inflate (deflate's limit is about 1032:1).
const MAX_RATIO: usize = 1032;

pub(super) fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|p| p + from)
}

/// Value of attribute `name` inside the tag `tag` (the text between `<` and `>`).
pub(super) fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let mut from = 0;
    while let Some(p) = tag[from..].find(name) {
        let at = from + p;
        from = at + name.len();
        let before_ok = at > 0 && tag.as_bytes()[at - 1].is_ascii_whitespace();
        let rest = tag[from..].trim_start();
        if before_ok && rest.starts_with('=') {
            let rest = rest[1..].trim_start();
            let quote = rest.chars().next().filter(|&q| q == '"' || q == '\'')?;
            let len = rest[1..].find(quote)?;
            return Some(&rest[1..1 + len]);
        }
    }
    None
}

fn number(tag: &str, name: &str) -> Result<Option<usize>, ScanError> {
    attribute(tag, name)
        .map(|v| v.trim().parse().map_err(|_| ScanError(format!("{name}=\"{}\" is not a count", clip(v)))))
        .transpose()
}

fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

/// The document-wide settings of the root element.
struct Root {
    header_bytes: usize,
    big_endian: bool,
    compressed: bool,
}

/// Runs the checks; see the module docs.
pub(crate) fn check(xml: &[u8]) -> Result<Vec<Declared>, ScanError> {
    let Some(root_at) = find(xml, b"<VTKFile", 0) else { return Ok(Vec::new()) };
    let end = xml
        .windows(b"</VTKFile>".len())
        .rposition(|w| w == b"</VTKFile>")
        .ok_or_else(|| ScanError("no </VTKFile> at the end: the file is truncated".into()))?;
    let tail = &xml[end + b"</VTKFile>".len()..];
    if let Some(p) = tail.iter().position(|b| !b.is_ascii_whitespace()) {
        return Err(ScanError(format!(
            "{} bytes of data follow </VTKFile> (from byte {}): the file is corrupt or two files were joined",
            tail.len() - p,
            end + 10 + p
        )));
    }
    let tag_of = |at: usize| -> Result<&str, ScanError> {
        let close = find(xml, b">", at).ok_or_else(|| ScanError("an unterminated XML tag".into()))?;
        std::str::from_utf8(&xml[at..close]).map_err(|_| ScanError("an XML tag is not UTF-8 text".into()))
    };
    let root_tag = tag_of(root_at)?;
    let root = Root {
        header_bytes: if attribute(root_tag, "header_type") == Some("UInt64") { 8 } else { 4 },
        big_endian: attribute(root_tag, "byte_order") == Some("BigEndian"),
        compressed: attribute(root_tag, "compressor").is_some_and(|c| !c.is_empty()),
    };
    let limit = if root.compressed { xml.len().saturating_mul(MAX_RATIO) } else { xml.len() };
    let appended = appended_data(xml);
    let mut pieces = Vec::new();
    let (mut points, mut cells) = (0usize, 0usize);
    let mut parent = "";
    let mut pos = root_at + 1;
    while let Some(lt) = find(xml, b"<", pos) {
        pos = lt + 1;
        if xml[lt..].starts_with(b"<AppendedData") {
            break;
        }
        let tag = tag_of(lt)?;
        let name = tag[1..].split(|c: char| c.is_ascii_whitespace() || c == '/').next().unwrap_or("");
        match name {
            "Piece" => {
                points = number(tag, "NumberOfPoints")?.unwrap_or(0);
                cells = number(tag, "NumberOfCells")?.unwrap_or(0);
                if points > limit || cells > limit {
                    return Err(ScanError(format!(
                        "a piece announces {points} points and {cells} cells, more than a file of {} bytes can hold",
                        xml.len()
                    )));
                }
                pieces.push(Declared::default());
            }
            "Points" | "Cells" | "PointData" | "CellData" => parent = name,
            "/Points" | "/Cells" | "/PointData" | "/CellData" => parent = "",
            "DataArray" => {
                let array = ArrayTag { tag, parent, points, cells };
                if let Some(piece) = pieces.last_mut() {
                    let name = attribute(tag, "Name").unwrap_or("").to_string();
                    match parent {
                        "CellData" => piece.cell.push(name),
                        "PointData" => piece.point.push(name),
                        _ => {}
                    }
                }
                check_array(xml, lt + tag.len(), &array, &root, appended)?;
            }
            _ => {}
        }
    }
    Ok(pieces)
}

/// The base64 text of `<AppendedData encoding="base64">` after its `_`.
fn appended_data(xml: &[u8]) -> Option<&[u8]> {
    let tag = find(xml, b"<AppendedData", 0)?;
    let underscore = find(xml, b"_", tag)?;
    let end = find(xml, b"</AppendedData>", underscore)?;
    Some(&xml[underscore + 1..end])
}

/// A `DataArray` tag and what it belongs to.
struct ArrayTag<'a> {
    tag: &'a str,
    parent: &'a str,
    points: usize,
    cells: usize,
}

impl ArrayTag<'_> {
    /// The uncompressed bytes the array must hold, when its length is known.
    fn expected_bytes(&self) -> Option<usize> {
        let size = match attribute(self.tag, "type")? {
            "Int8" | "UInt8" => 1,
            "Int16" | "UInt16" => 2,
            "Int32" | "UInt32" | "Float32" => 4,
            "Int64" | "UInt64" | "Float64" => 8,
            _ => return None,
        };
        let components: usize = attribute(self.tag, "NumberOfComponents").and_then(|c| c.parse().ok()).unwrap_or(1);
        let entities = match (self.parent, attribute(self.tag, "Name")) {
            ("Points" | "PointData", _) => self.points,
            ("CellData", _) | ("Cells", Some("types")) => self.cells,
            _ => return None,
        };
        entities.checked_mul(components)?.checked_mul(size)
    }
}

fn check_array(
    xml: &[u8],
    content: usize,
    array: &ArrayTag,
    root: &Root,
    appended: Option<&[u8]>,
) -> Result<(), ScanError> {
    let name = clip(attribute(array.tag, "Name").unwrap_or(""));
    let format = attribute(array.tag, "format").unwrap_or("ascii");
    let data: &[u8] = match format {
        "appended" => {
            let offset = number(array.tag, "offset")?.ok_or_else(|| {
                ScanError(format!("appended data array '{name}' has no offset attribute: the file is corrupt"))
            })?;
            let data = appended.ok_or_else(|| {
                ScanError(format!("data array '{name}' is appended, but there is no <AppendedData> section"))
            })?;
            data.get(offset..)
                .ok_or_else(|| ScanError(format!("data array '{name}' has offset {offset}, past the appended data")))?
        }
        "binary" => {
            let start = content + 1;
            let end = find(xml, b"</DataArray>", start).unwrap_or(start);
            xml.get(start..end).unwrap_or(&[])
        }
        _ => return Ok(()),
    };
    if !root.compressed {
        return Ok(());
    }
    let data: Vec<u8> = data.iter().copied().skip_while(u8::is_ascii_whitespace).collect();
    let fail = |what: String| ScanError(format!("compressed data array '{name}': {what}: the file is corrupt"));
    let h = root.header_bytes;
    let decode = |bytes: usize| -> Result<Vec<u8>, ScanError> {
        let chars = bytes.div_ceil(3).checked_mul(4).ok_or_else(|| fail("its header is too long".into()))?;
        let text = data.get(..chars).ok_or_else(|| fail("the block header runs past the data".into()))?;
        STANDARD.decode(text).map_err(|e| fail(format!("the block header is not base64 ({e})")))
    };
    let read = |bytes: &[u8], k: usize| -> usize {
        let b = &bytes[k * h..(k + 1) * h];
        let mut v = 0u64;
        for i in 0..h {
            v = (v << 8) | u64::from(if root.big_endian { b[i] } else { b[h - 1 - i] });
        }
        usize::try_from(v).unwrap_or(usize::MAX)
    };
    let blocks = read(&decode(h)?, 0);
    if blocks.checked_add(3).and_then(|b| b.checked_mul(h)).is_none_or(|len| len > data.len()) {
        return Err(fail(format!("its header announces {blocks} blocks, more than its data holds")));
    }
    let header = decode(h * (3 + blocks))?;
    if header.len() < h * (3 + blocks) {
        return Err(fail("the block header is cut short".into()));
    }
    let (block_size, last) = (read(&header, 1), read(&header, 2));
    let compressed = (0..blocks).try_fold(0usize, |sum, k| sum.checked_add(read(&header, 3 + k)));
    let total = match blocks {
        0 if block_size == 0 && last == 0 => Some(0),
        0 => None,
        n => block_size.checked_mul(n - 1).and_then(|t| t.checked_add(if last == 0 { block_size } else { last })),
    };
    let (Some(total), Some(compressed)) = (total, compressed) else {
        return Err(fail(format!("block sizes {block_size} and {last} in {blocks} blocks overflow")));
    };
    if compressed > data.len() {
        return Err(fail(format!("its blocks announce {compressed} compressed bytes, more than the data holds")));
    }
    if let Some(expected) = array.expected_bytes() {
        if total != expected {
            return Err(fail(format!("its blocks inflate to {total} bytes, but the array needs {expected}")));
        }
    }
    if total > compressed.saturating_mul(MAX_RATIO).saturating_add(1024 * blocks) {
        return Err(fail(format!("{compressed} compressed bytes cannot inflate to the {total} bytes announced")));
    }
    Ok(())
}
