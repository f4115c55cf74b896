//! VTU appended *raw* data → appended *base64* data.
//!
//! VTK and ParaView write `<AppendedData encoding="raw">` by default, which `vtkio` 0.7 cannot
//! decode. This module re-encodes each array's block as base64 in the layout `vtkio` expects and
//! rewrites the `offset` attributes to point into the new text:
//!
//! - uncompressed block: `[n][n bytes]` → one base64 chunk;
//! - compressed block: `[nb][nu][np][nc_1..nc_nb][data]` → base64(header) ++ base64(data).
//!
//! Header integers are `UInt32` unless `header_type="UInt64"`, in the file's byte order. All
//! offsets and sizes are bounds-checked: a corrupt or truncated file gives an error, never a panic.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// Why a raw appended section could not be converted.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AppendedError(pub String);

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|p| p + from)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

/// Value of attribute `name` inside the tag starting at `tag_start`.
fn attribute(xml: &[u8], tag_start: usize, name: &str) -> Option<String> {
    let end = find(xml, b">", tag_start)?;
    let tag = std::str::from_utf8(&xml[tag_start..end]).ok()?;
    let key = format!(" {name}=\"");
    let at = tag.find(&key)? + key.len();
    let len = tag[at..].find('"')?;
    Some(tag[at..at + len].to_string())
}

struct Layout {
    header_bytes: usize,
    big_endian: bool,
    compressed: bool,
}

impl Layout {
    fn read(&self, data: &[u8], at: usize) -> Result<usize, AppendedError> {
        let bytes = data
            .get(at..at + self.header_bytes)
            .ok_or_else(|| AppendedError(format!("appended data ends inside a block header at byte {at}")))?;
        let mut v: u64 = 0;
        for i in 0..self.header_bytes {
            let b = if self.big_endian { bytes[i] } else { bytes[self.header_bytes - 1 - i] };
            v = (v << 8) | u64::from(b);
        }
        usize::try_from(v).map_err(|_| AppendedError(format!("block size {v} at byte {at} is too large")))
    }

    /// Encodes the block at `offset` of the raw data.
    fn encode_block(&self, data: &[u8], offset: usize) -> Result<String, AppendedError> {
        let truncated = |what: &str| {
            AppendedError(format!("the {what} of the block at offset {offset} runs past the end of the appended data: the file is truncated"))
        };
        let h = self.header_bytes;
        if !self.compressed {
            let n = self.read(data, offset)?;
            let block =
                data.get(offset..offset.saturating_add(h).saturating_add(n)).ok_or_else(|| truncated("data"))?;
            return Ok(STANDARD.encode(block));
        }
        let blocks = self.read(data, offset)?;
        let header_len = blocks.checked_add(3).and_then(|b| b.checked_mul(h)).ok_or_else(|| truncated("header"))?;
        let header = data.get(offset..offset.saturating_add(header_len)).ok_or_else(|| truncated("header"))?;
        let mut total = 0usize;
        for i in 0..blocks {
            total = total.saturating_add(self.read(data, offset + h * (3 + i))?);
        }
        let start = offset + header_len;
        let payload = data.get(start..start.saturating_add(total)).ok_or_else(|| truncated("compressed data"))?;
        Ok(STANDARD.encode(header) + &STANDARD.encode(payload))
    }
}

/// If `xml` has raw appended data, returns the equivalent document with base64 appended data.
pub(crate) fn raw_to_base64(xml: &[u8]) -> Result<Option<Vec<u8>>, AppendedError> {
    let Some(tag) = find(xml, b"<AppendedData", 0) else { return Ok(None) };
    if attribute(xml, tag, "encoding").as_deref() != Some("raw") {
        return Ok(None);
    }
    let root = find(xml, b"<VTKFile", 0).ok_or_else(|| AppendedError("no <VTKFile> element".into()))?;
    let layout = Layout {
        header_bytes: if attribute(xml, root, "header_type").as_deref() == Some("UInt64") { 8 } else { 4 },
        big_endian: attribute(xml, root, "byte_order").as_deref() == Some("BigEndian"),
        compressed: attribute(xml, root, "compressor").is_some_and(|c| !c.is_empty()),
    };
    let tag_end = find(xml, b">", tag).ok_or_else(|| AppendedError("unterminated <AppendedData> tag".into()))?;
    let underscore =
        find(xml, b"_", tag_end).ok_or_else(|| AppendedError("appended data does not start with '_'".into()))?;
    let data_start = underscore + 1;
    let data_end = rfind(xml, b"</AppendedData>")
        .filter(|&e| e >= data_start)
        .ok_or_else(|| AppendedError("no </AppendedData>: the file is truncated".into()))?;
    let data = &xml[data_start..data_end];
    // Re-encode every `offset="…"` in the XML before the appended section, in file order.
    let head = &xml[..tag];
    let mut out = Vec::with_capacity(xml.len() * 4 / 3 + 64);
    let mut encoded = String::new();
    let mut cursor = 0;
    let mut search = 0;
    while let Some(pos) = find(head, b" offset=\"", search) {
        let value_start = pos + b" offset=\"".len();
        let value_end =
            find(head, b"\"", value_start).ok_or_else(|| AppendedError("unterminated offset attribute".into()))?;
        let offset: usize = std::str::from_utf8(&head[value_start..value_end])
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .ok_or_else(|| AppendedError("an offset attribute is not a number".into()))?;
        out.extend_from_slice(&head[cursor..value_start]);
        out.extend_from_slice(encoded.len().to_string().as_bytes());
        encoded.push_str(&layout.encode_block(data, offset)?);
        cursor = value_end;
        search = value_end;
    }
    out.extend_from_slice(&head[cursor..]);
    out.extend_from_slice(b"<AppendedData encoding=\"base64\">\n_");
    out.extend_from_slice(encoded.as_bytes());
    out.extend_from_slice(b"\n");
    out.extend_from_slice(&xml[data_end..]);
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_an_uncompressed_block_and_rewrites_the_offset() {
        let mut xml = b"<VTKFile type=\"UnstructuredGrid\" byte_order=\"LittleEndian\">\n<DataArray format=\"appended\" offset=\"0\"/>\n<DataArray format=\"appended\" offset=\"8\"/>\n<AppendedData encoding=\"raw\">\n_".to_vec();
        xml.extend_from_slice(&[4, 0, 0, 0, 1, 2, 3, 4, 2, 0, 0, 0, 9, 9]);
        xml.extend_from_slice(b"\n</AppendedData>\n</VTKFile>\n");
        let out = String::from_utf8(raw_to_base64(&xml).unwrap().unwrap()).unwrap();
        let first = STANDARD.encode([4, 0, 0, 0, 1, 2, 3, 4]);
        assert!(out.contains(&format!("offset=\"{}\"", first.len())), "{out}");
        assert!(out.contains(&format!("_{first}{}", STANDARD.encode([2, 0, 0, 0, 9, 9]))));
    }

    #[test]
    fn a_truncated_block_is_an_error() {
        let mut xml =
            b"<VTKFile byte_order=\"LittleEndian\">\n<DataArray offset=\"0\"/>\n<AppendedData encoding=\"raw\">\n_"
                .to_vec();
        xml.extend_from_slice(&[100, 0, 0, 0, 1, 2]);
        xml.extend_from_slice(b"</AppendedData></VTKFile>");
        assert!(raw_to_base64(&xml).unwrap_err().0.contains("truncated"));
    }
}
