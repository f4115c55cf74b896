//! `report.html`: one self-contained page per run (styles inline, images embedded as data URIs),
//! readable offline and printable to PDF, for the engineer and for a regulator's reviewer.
//!
//! A report is a list of [`Section`]s. Each analysis contributes its own sections from its own
//! file ([`static_run`] for the inputs, solver, results and checks of a linear-elastic run,
//! [`fatigue`] for a fatigue assessment, [`verification`] for the committed verification
//! evidence, [`convergence`] for a mesh-convergence study), so a new analysis adds a section
//! without touching the others. The writer only arranges them: a title block with the software
//! version and commit, a table of contents, the sections in order. The page is also well-formed
//! XML (every element closed), so scripts and the tests can parse it.

pub mod convergence;
pub mod fatigue;
pub mod heartbeat;
pub mod quasi_static;
pub mod static_run;
pub mod verification;

use base64::Engine;

/// The software version and the git commit it was built from (set by `build.rs`).
pub fn version() -> String {
    format!("organ-twin {} (commit {})", env!("CARGO_PKG_VERSION"), env!("ORGAN_TWIN_COMMIT"))
}

/// A picture or plot in a section.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// File name stem (the run also writes the picture as `<name>.png`).
    pub name: String,
    /// Caption under the image.
    pub caption: String,
    /// PNG file contents.
    pub png: Vec<u8>,
    /// The same picture as SVG, for plots (vector graphics for papers and slides; the run
    /// writes it as `<name>.svg`); `None` for rendered views.
    pub svg: Option<String>,
}

/// Whether `name` is a picture file a run writes beside its report ([`Figure::files`]): what a
/// run without a report removes as stale.
pub fn is_picture_file(name: &str) -> bool {
    name.ends_with(".png") || name.ends_with(".svg")
}

impl Figure {
    /// Its files: `(name.png, bytes)` and, for a plot, `(name.svg, bytes)`.
    pub fn files(&self) -> Vec<(String, &[u8])> {
        let mut out = vec![(format!("{}.png", self.name), self.png.as_slice())];
        if let Some(svg) = &self.svg {
            out.push((format!("{}.svg", self.name), svg.as_bytes()));
        }
        out
    }
}

/// One section of the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// Anchor (letters, digits, '-').
    pub id: String,
    /// Heading.
    pub title: String,
    /// Body (trusted HTML built with [`escape`], [`table`] and [`figure`]).
    pub body: String,
}

impl Section {
    /// A section with an empty body.
    pub fn new(id: &str, title: &str) -> Section {
        Section { id: id.into(), title: title.into(), body: String::new() }
    }

    /// Appends a paragraph of plain text.
    pub fn paragraph(&mut self, text: &str) -> &mut Self {
        self.body.push_str(&format!("<p>{}</p>\n", escape(text)));
        self
    }

    /// Appends a sub-heading.
    pub fn heading(&mut self, text: &str) -> &mut Self {
        self.body.push_str(&format!("<h3>{}</h3>\n", escape(text)));
        self
    }

    /// Appends a table of plain-text cells.
    pub fn table(&mut self, headers: &[&str], rows: &[Vec<String>]) -> &mut Self {
        self.body.push_str(&table(headers, rows));
        self
    }

    /// Appends a figure.
    pub fn figure(&mut self, f: &Figure) -> &mut Self {
        self.body.push_str(&figure(f));
        self
    }

    /// Appends a list of plain-text items, marked as warnings when `warn`.
    pub fn list(&mut self, items: &[String], warn: bool) -> &mut Self {
        let class = if warn { " class=\"warn\"" } else { "" };
        self.body.push_str(&format!("<ul{class}>\n"));
        for i in items {
            self.body.push_str(&format!("<li>{}</li>\n", escape(i)));
        }
        self.body.push_str("</ul>\n");
        self
    }
}

/// HTML-escapes text.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A table of plain-text cells.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::from("<table>\n<thead><tr>");
    for h in headers {
        out.push_str(&format!("<th>{}</th>", escape(h)));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for r in rows {
        out.push_str("<tr>");
        for c in r {
            out.push_str(&format!("<td>{}</td>", escape(c)));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    out
}

/// A figure with its PNG embedded as a data URI.
pub fn figure(f: &Figure) -> String {
    let data = base64::engine::general_purpose::STANDARD.encode(&f.png);
    format!(
        "<figure><img alt=\"{alt}\" src=\"data:image/png;base64,{data}\"/><figcaption>{alt}</figcaption></figure>\n",
        alt = escape(&f.caption)
    )
}

/// A number for a table: 4 significant digits, scientific outside [1e-3, 1e5).
pub fn num(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let a = v.abs();
    if (1e-3..1e5).contains(&a) {
        let digits = (3 - a.log10().floor() as i32).max(0) as usize;
        format!("{v:.digits$}")
    } else {
        format!("{v:.3e}")
    }
}

/// A region reference of a summary (`'all'`, `'wall'`, `2`) as a table shows it, unquoted.
pub fn region(reference: &str) -> String {
    reference.trim_matches('\'').to_string()
}

/// A vector for a table.
pub fn vec3(v: &[f64; 3]) -> String {
    format!("({}, {}, {})", num(v[0]), num(v[1]), num(v[2]))
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1100px;margin:2em auto;\
padding:0 1em;color:#222;line-height:1.45}h1{font-size:1.7em;margin-bottom:0.2em}h2{border-bottom:2px solid #3b528b;\
padding-bottom:0.2em;margin-top:2em}h3{margin-top:1.4em}table{border-collapse:collapse;margin:0.6em 0;font-size:0.92em}\
th,td{border:1px solid #ccc;padding:0.25em 0.6em;text-align:left;vertical-align:top}th{background:#eef1f7}\
figure{margin:1em 0;page-break-inside:avoid}img{max-width:100%;border:1px solid #ddd}figcaption{font-size:0.9em;\
color:#555}.meta{color:#555;font-size:0.92em}.warn li{color:#8a4b00}.ok{color:#1d6b2c;font-weight:600}\
.bad{color:#a0001c;font-weight:600}nav ol{columns:2}@media print{nav{display:none}h2{page-break-before:auto}\
body{margin:0;max-width:none}}";

/// The whole page: title block, contents, sections.
pub fn render(title: &str, subtitle: &str, sections: &[Section]) -> String {
    let mut out = String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n");
    out.push_str(&format!("<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n", escape(title)));
    out.push_str(&format!(
        "<header>\n<h1>{}</h1>\n<p class=\"meta\">{}<br/>{}</p>\n</header>\n",
        escape(title),
        escape(subtitle),
        escape(&version())
    ));
    out.push_str("<nav><h2>Contents</h2><ol>\n");
    for s in sections {
        out.push_str(&format!("<li><a href=\"#{}\">{}</a></li>\n", s.id, escape(&s.title)));
    }
    out.push_str("</ol></nav>\n");
    for s in sections {
        out.push_str(&format!("<section id=\"{}\">\n<h2>{}</h2>\n{}</section>\n", s.id, escape(&s.title), s.body));
    }
    out.push_str("</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_numbers_read_well() {
        assert_eq!(escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
        assert_eq!(num(325.12345), "325.1");
        assert_eq!(num(0.012345), "0.01235");
        assert_eq!(num(1.5e-7), "1.500e-7");
        let mut s = Section::new("x", "X");
        s.table(&["a"], &[vec!["<1>".into()]]);
        let page = render("T", "sub", &[s]);
        assert!(page.contains("<td>&lt;1&gt;</td>") && page.contains("href=\"#x\"") && page.ends_with("</html>\n"));
    }
}
