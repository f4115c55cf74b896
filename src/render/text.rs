//! Text on pictures with the embedded font (a DejaVu Sans subset: Latin-1, Greek, super- and
//! subscripts, a few maths signs; licence in `assets/fonts/LICENSE-DejaVu.txt`), so pictures and
//! plots look the same everywhere and need no system fonts.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};

/// The embedded font file.
pub const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-subset.ttf");

/// The parsed font.
pub fn font() -> &'static FontRef<'static> {
    static PARSED: OnceLock<FontRef<'static>> = OnceLock::new();
    // The file is compiled in and checked by a test: failing to parse it is a bug.
    PARSED.get_or_init(|| FontRef::try_from_slice(FONT).expect("the embedded font parses"))
}

/// Horizontal anchor of a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// `x` is the left end.
    Left,
    /// `x` is the middle.
    Centre,
    /// `x` is the right end.
    Right,
}

/// Width in pixels of `text` at `size` pixels.
pub fn width(text: &str, size: f32) -> f32 {
    let f = font().as_scaled(PxScale::from(size));
    let mut last = None;
    let mut w = 0.0;
    for c in text.chars() {
        let id = f.glyph_id(c);
        if let Some(prev) = last {
            w += f.kern(prev, id);
        }
        w += f.h_advance(id);
        last = Some(id);
    }
    w
}

/// Draws `text` into the RGBA8 image `pixels` (`w` × `h`) with its top (the font's ascent) at
/// `y`, anchored at `x`, blending `colour` by the glyph coverage.
#[allow(clippy::too_many_arguments)] // reason: a drawing call; grouping would only add a struct
pub fn draw(pixels: &mut [u8], w: u32, h: u32, text: &str, x: f32, y: f32, size: f32, align: Align, colour: [u8; 3]) {
    let f = font().as_scaled(PxScale::from(size));
    let mut pen = match align {
        Align::Left => x,
        Align::Centre => x - 0.5 * width(text, size),
        Align::Right => x - width(text, size),
    };
    let baseline = y + f.ascent();
    let mut last = None;
    for c in text.chars() {
        let id = f.glyph_id(c);
        if let Some(prev) = last {
            pen += f.kern(prev, id);
        }
        let glyph = id.with_scale_and_position(PxScale::from(size), ab_glyph::point(pen, baseline));
        pen += f.h_advance(id);
        last = Some(id);
        let Some(outline) = font().outline_glyph(glyph) else { continue };
        let bounds = outline.px_bounds();
        outline.draw(|gx, gy, coverage| {
            let (px, py) = (bounds.min.x as i64 + gx as i64, bounds.min.y as i64 + gy as i64);
            if px < 0 || py < 0 || px >= w as i64 || py >= h as i64 {
                return;
            }
            let i = 4 * (py as usize * w as usize + px as usize);
            let a = coverage.clamp(0.0, 1.0);
            for k in 0..3 {
                pixels[i + k] = (pixels[i + k] as f32 * (1.0 - a) + colour[k] as f32 * a).round() as u8;
            }
        });
    }
}

/// Height of a line of text at `size` pixels (ascent − descent).
pub fn line_height(size: f32) -> f32 {
    let f = font().as_scaled(PxScale::from(size));
    f.ascent() - f.descent()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_font_parses_and_has_the_labels_glyphs() {
        for c in "von Mises [MPa] 0.5e-3 ×10⁻³ σ μm ° ± −".chars() {
            assert!(c == ' ' || font().glyph_id(c).0 != 0, "no glyph for {c:?}");
        }
        assert!(width("abc", 20.0) > width("ab", 20.0));
        let mut px = vec![255u8; 4 * 40 * 20];
        draw(&mut px, 40, 20, "Ag", 2.0, 2.0, 14.0, Align::Left, [0, 0, 0]);
        assert!(px.chunks(4).any(|p| p[0] < 100), "ink on the image");
    }
}
