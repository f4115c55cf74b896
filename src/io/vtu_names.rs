//! Region and surface names of a VTU file: the dataset's `<FieldData>` arrays of two integers
//! `[tag, dim]` named after a region (dim 3) or a surface (dim 2), as organ-twin and meshio write
//! Gmsh physical names. `vtkio` does not read dataset field data, so it is scanned here; other
//! field data arrays (a time value, say) are not names and are left alone.

use super::vtu_scan::{attribute, find};

/// At most this many names are read (a file cannot hold more distinct regions than this anyway).
const MAX_NAMES: usize = 1 << 16;

/// The names declared in `xml`'s first `<FieldData>` before its first `<Piece>`: `(name, tag, dim)`.
pub(crate) fn names(xml: &[u8]) -> Vec<(String, i32, i32)> {
    let piece = find(xml, b"<Piece", 0).unwrap_or(xml.len());
    let head = &xml[..piece];
    let (Some(start), Some(end)) = (find(head, b"<FieldData", 0), find(head, b"</FieldData>", 0)) else {
        return Vec::new();
    };
    let Ok(body) = std::str::from_utf8(&head[start..end.max(start)]) else { return Vec::new() };
    let mut out = Vec::new();
    for array in body.split("<DataArray").skip(1).take(MAX_NAMES) {
        let Some((tag, rest)) = array.split_once('>') else { continue };
        let text = rest.split("</DataArray>").next().unwrap_or("");
        let int_type = attribute(tag, "type").is_some_and(|t| t.starts_with("Int") || t.starts_with("UInt"));
        let ascii = attribute(tag, "format").is_none_or(|f| f == "ascii");
        let (Some(name), true, true) = (attribute(tag, "Name"), int_type, ascii) else { continue };
        let numbers: Vec<i32> = text.split_ascii_whitespace().map_while(|v| v.parse().ok()).collect();
        if let [tag, dim @ (2 | 3)] = numbers[..] {
            if text.split_ascii_whitespace().count() == 2 {
                out.push((unescape(name), tag, dim));
            }
        }
    }
    out
}

/// XML entities (the five named ones and numeric references) → characters.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let Some(semi) = rest.find(';').filter(|&s| s <= 12) else { break };
        let entity = &rest[1..semi];
        let c = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            e => e
                .strip_prefix("#x")
                .map(|h| u32::from_str_radix(h, 16))
                .or_else(|| e.strip_prefix('#').map(str::parse))
                .and_then(Result::ok)
                .and_then(char::from_u32),
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_read_and_unescaped_and_other_field_data_is_left_alone() {
        let xml = br#"<VTKFile><UnstructuredGrid><FieldData>
            <DataArray type="Int32" Name="a &amp; b" NumberOfTuples="2" format="ascii">4 3</DataArray>
            <DataArray type="Int32" Name="endo" NumberOfTuples="2" format="ascii">7 2</DataArray>
            <DataArray type="Float64" Name="TimeValue" NumberOfTuples="1" format="ascii">0.5</DataArray>
            <DataArray type="Int32" Name="three" NumberOfTuples="3" format="ascii">1 3 9</DataArray>
            </FieldData><Piece>"#;
        assert_eq!(names(xml), vec![("a & b".to_string(), 4, 3), ("endo".to_string(), 7, 2)]);
        assert!(names(b"<VTKFile><Piece><FieldData>").is_empty());
        assert_eq!(unescape("&#x41;&#66;&bogus;&"), "AB&bogus;&");
    }
}
