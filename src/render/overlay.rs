//! Step 4 of a picture, on the CPU after readback: the title, the colour bar with the field
//! name, units and five ticks from the minimum to the maximum, and markers at the field's minimum
//! and maximum with their values and places written below the view.

use super::colormap::{normalise, viridis};
use super::surface::{Extreme, FieldLocation, Scene};
use super::text::{self, Align};
use super::{Picture, RenderOptions};

const INK: [u8; 3] = [20, 20, 20];
const GREY: [u8; 3] = [90, 90, 90];
/// Ticks on the colour bar, the minimum and maximum included.
pub const TICKS: usize = 5;

/// Where things go in a picture of a given size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Layout {
    /// Picture width and height.
    pub size: [u32; 2],
    /// Text size in pixels.
    pub font: f32,
    /// The 3D view `(x, y, width, height)`.
    pub viewport: [f64; 4],
    /// Pixels kept free around the shape inside the viewport.
    pub margin: f64,
    /// The colour bar `(x, y, width, height)`.
    pub bar: [f64; 4],
}

impl Layout {
    /// The layout of a `width × height` picture: title band on top, two text lines below, the
    /// colour bar on the right.
    pub fn new(width: u32, height: u32) -> Layout {
        let (w, h) = (width as f64, height as f64);
        let font = (h.min(w) * 0.026).clamp(8.0, 40.0);
        let top = 1.9 * font;
        let bottom = 3.0 * font;
        let bar_width = (1.1 * font).max(6.0);
        let right = bar_width + 7.0 * font;
        let viewport = [0.0, top, (w - right).max(1.0), (h - top - bottom).max(1.0)];
        let bar_top = top + 2.8 * font;
        let bar = [w - right + 0.6 * font, bar_top, bar_width, (h - bottom - 0.5 * font - bar_top).max(1.0)];
        Layout { size: [width, height], font: font as f32, viewport, margin: 0.04 * w.min(h), bar }
    }
}

/// A number in four significant digits, in exponent form outside [10⁻³, 10⁵).
pub fn format_value(v: f64) -> String {
    let a = v.abs();
    if v == 0.0 {
        "0".into()
    } else if (1e-3..1e5).contains(&a) {
        let decimals = (3 - a.log10().floor() as i32).max(0) as usize;
        format!("{v:.decimals$}")
    } else {
        format!("{v:.3e}")
    }
}

fn fill(p: &mut Picture, x0: f64, y0: f64, x1: f64, y1: f64, colour: [u8; 3]) {
    let clamp = |v: f64, max: u32| (v.round().max(0.0) as u32).min(max);
    for y in clamp(y0, p.height)..clamp(y1, p.height) {
        for x in clamp(x0, p.width)..clamp(x1, p.width) {
            let i = 4 * (y as usize * p.width as usize + x as usize);
            p.pixels[i..i + 3].copy_from_slice(&colour);
        }
    }
}

fn label(p: &mut Picture, s: &str, x: f64, y: f64, size: f32, align: Align, colour: [u8; 3]) {
    let (w, h) = (p.width, p.height);
    text::draw(&mut p.pixels, w, h, s, x as f32, y as f32, size, align, colour);
}

/// Draws the overlay onto a rendered picture.
pub fn draw(p: &mut Picture, scene: &Scene, layout: &Layout, (lo, hi): (f64, f64), options: &RenderOptions) {
    let fs = layout.font;
    let f = fs as f64;
    let units = options.units.as_deref().map(|u| format!(" [{u}]")).unwrap_or_default();
    let title = options.title.clone().unwrap_or_else(|| {
        let deformed = options.deformed.map(|s| format!(", deformed ×{}", format_value(s))).unwrap_or_default();
        format!("{}{units}{deformed} ({} view)", scene.label, options.view.name())
    });
    label(p, &title, 0.5 * f, 0.4 * f, fs * 1.1, Align::Left, INK);
    colour_bar(p, scene, layout, (lo, hi), &units);
    let kind = if scene.location == FieldLocation::Point { "node" } else { "cell" };
    let y0 = layout.viewport[1] + layout.viewport[3] + 0.3 * f;
    for (row, (name, e)) in [("max", &scene.max), ("min", &scene.min)].into_iter().enumerate() {
        let hidden = hidden(p, scene, e.position);
        marker(p, e, if hidden { format!("{name} (hidden)") } else { name.to_string() }, fs, row == 0, hidden);
        let [x, y, z] = e.reference.map(format_value);
        let unit = options.units.as_deref().map(|u| format!(" {u}")).unwrap_or_default();
        let line = format!("{name} {}{unit} at {kind} {} ({x}, {y}, {z})", format_value(e.value), e.id);
        label(p, &line, 0.5 * f, y0 + row as f64 * 1.3 * f, fs * 0.9, Align::Left, INK);
    }
}

fn colour_bar(p: &mut Picture, scene: &Scene, layout: &Layout, (lo, hi): (f64, f64), units: &str) {
    let fs = layout.font;
    let f = fs as f64;
    let [bx, by, bw, bh] = layout.bar;
    let right = p.width as f64 - 0.4 * f;
    label(p, &scene.label, right, by - 2.6 * f, fs, Align::Right, INK);
    if !units.is_empty() {
        label(p, units.trim(), right, by - 1.4 * f, fs * 0.9, Align::Right, GREY);
    }
    let rows = bh.round().max(1.0) as u32;
    for r in 0..rows {
        let t = 1.0 - (r as f64 + 0.5) / rows as f64;
        fill(p, bx, by + r as f64, bx + bw, by + r as f64 + 1.0, viridis(t));
    }
    for (x0, y0, x1, y1) in [(bx - 1.0, by - 1.0, bx + bw + 1.0, by), (bx - 1.0, by + bh, bx + bw + 1.0, by + bh + 1.0)]
        .into_iter()
        .chain([(bx - 1.0, by, bx, by + bh), (bx + bw, by, bx + bw + 1.0, by + bh)])
    {
        fill(p, x0, y0, x1, y1, INK);
    }
    for i in 0..TICKS {
        let v = lo + (hi - lo) * i as f64 / (TICKS - 1) as f64;
        let y = by + bh * (1.0 - normalise(v, lo, hi));
        fill(p, bx + bw, y - 0.5, bx + bw + 0.35 * f, y + 0.5, INK);
        label(p, &format_value(v), bx + bw + 0.5 * f, y - 0.55 * f, fs * 0.85, Align::Left, INK);
    }
}

/// Whether a drawn triangle lies in front of `at` (by more than 0.2 % of the depth range) at
/// `at`'s pixel: the point is inside the body or behind it.
pub fn hidden(p: &Picture, scene: &Scene, at: [f64; 3]) -> bool {
    let ([x, y], depth) = p.camera.project(at);
    scene.corners.chunks_exact(3).any(|t| {
        let [(a, da), (b, db), (c, dc)] = [0, 1, 2].map(|k| p.camera.project(t[k]));
        let det = (b[0] - a[0]) * (c[1] - a[1]) - (c[0] - a[0]) * (b[1] - a[1]);
        if det.abs() < 1e-12 {
            return false;
        }
        let l1 = ((x - a[0]) * (c[1] - a[1]) - (c[0] - a[0]) * (y - a[1])) / det;
        let l2 = ((b[0] - a[0]) * (y - a[1]) - (x - a[0]) * (b[1] - a[1])) / det;
        let l0 = 1.0 - l1 - l2;
        let inside = l0 >= 0.0 && l1 >= 0.0 && l2 >= 0.0;
        inside && l0 * da + l1 * db + l2 * dc < depth - 2e-3
    })
}

/// A ring (maximum: filled centre) at the extreme's place, with its name beside it; grey when
/// the place is hidden.
fn marker(p: &mut Picture, e: &Extreme, name: String, fs: f32, filled: bool, hidden: bool) {
    let ink = if hidden { GREY } else { INK };
    let ([cx, cy], _) = p.camera.project(e.position);
    let r = (0.45 * fs as f64).max(3.0);
    let (w, h) = (p.width as i64, p.height as i64);
    let reach = r.ceil() as i64 + 2;
    for y in (cy as i64 - reach)..=(cy as i64 + reach) {
        for x in (cx as i64 - reach)..=(cx as i64 + reach) {
            if x < 0 || y < 0 || x >= w || y >= h {
                continue;
            }
            let d = ((x as f64 + 0.5 - cx).powi(2) + (y as f64 + 0.5 - cy).powi(2)).sqrt();
            let colour = if (d - r).abs() < 0.9 || (filled && d < 0.4 * r) {
                Some(ink)
            } else if (d - r).abs() < 2.0 {
                Some([255, 255, 255])
            } else {
                None
            };
            if let Some(c) = colour {
                let i = 4 * (y as usize * p.width as usize + x as usize);
                p.pixels[i..i + 3].copy_from_slice(&c);
            }
        }
    }
    let (x, y) = (cx + r + 3.0, cy - 0.6 * fs as f64);
    for (dx, dy) in
        [(-1.0, 0.0), (1.0, 0.0), (0.0, -1.0), (0.0, 1.0), (-1.0, -1.0), (1.0, 1.0), (-1.0, 1.0), (1.0, -1.0)]
    {
        label(p, &name, x + dx, y + dy, fs * 0.85, Align::Left, [255, 255, 255]);
    }
    label(p, &name, x, y, fs * 0.85, Align::Left, ink);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_written_in_four_significant_digits() {
        assert_eq!(format_value(86.06556), "86.07");
        assert_eq!(format_value(0.0183), "0.01830");
        assert_eq!(format_value(1.5e-8), "1.500e-8");
        assert_eq!(format_value(-2.0), "-2.000");
        assert_eq!(format_value(0.0), "0");
        assert_eq!(format_value(123456.0), "1.235e5");
    }

    #[test]
    fn the_layout_keeps_the_view_left_of_the_bar() {
        for (w, h) in [(64, 64), (400, 300), (1200, 900), (3000, 500)] {
            let l = Layout::new(w, h);
            assert!(l.viewport[0] + l.viewport[2] <= l.bar[0], "{w}x{h}");
            assert!(l.bar[0] + l.bar[2] <= w as f64 && l.bar[1] + l.bar[3] <= h as f64);
        }
    }
}
