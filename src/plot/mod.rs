//! Plots for reports, as PNG and SVG from one description: line and scatter plots of several
//! series (labelled axes with units, optional log axes, a legend in the corner that hides the
//! fewest of the lines' points) and histograms.
//!
//! They are drawn with `plotters`; its text goes through `ab_glyph` with the embedded font of
//! [`crate::render::text`] (registered as `sans-serif` on first use), so plots need no system
//! fonts and look the same on every machine. A log axis plots `log10` of the values on a linear
//! axis labelled with the values themselves; points ≤ 0 on a log axis are left out.
//!
//! The plots of the analyses are this one call with their axes:
//!
//! | plot | x | y |
//! | --- | --- | --- |
//! | solver convergence ([`solver_convergence`]) | iteration | relative residual (log) |
//! | load–displacement | displacement [mm] | load [N] |
//! | pressure–volume per cavity | volume [mL] | pressure [mmHg] |
//! | Newton convergence per step | Newton iteration | residual norm (log) |
//! | S-N curve with operating points | cycles (log) | stress amplitude [MPa] (log) |
//! | safety-factor histogram ([`histogram`]) | safety factor | cells |

use std::sync::Once;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::render::overlay::format_value;
use crate::render::picture::encode_png;

/// Colour-blind-safe series colours (Okabe & Ito 2008), used in order.
pub const PALETTE: [(u8, u8, u8); 8] = [
    (0, 114, 178),
    (213, 94, 0),
    (0, 158, 115),
    (204, 121, 167),
    (230, 159, 0),
    (86, 180, 233),
    (0, 0, 0),
    (240, 228, 66),
];

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mark {
    /// A polyline through the points.
    #[default]
    Line,
    /// A dot at each point.
    Points,
    /// Both.
    LinePoints,
}

/// One named set of `(x, y)` points.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    /// Legend entry (empty: not in the legend).
    pub label: String,
    /// The points, in drawing order.
    pub points: Vec<(f64, f64)>,
    /// Line, points or both.
    pub mark: Mark,
}

impl Series {
    /// A line through `points`.
    pub fn line(label: impl Into<String>, points: Vec<(f64, f64)>) -> Series {
        Series { label: label.into(), points, mark: Mark::Line }
    }

    /// Dots at `points`.
    pub fn points(label: impl Into<String>, points: Vec<(f64, f64)>) -> Series {
        Series { label: label.into(), points, mark: Mark::Points }
    }
}

/// An axis: its label, units and scale.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Axis {
    /// What is plotted (e.g. `relative residual`).
    pub label: String,
    /// Units shown in brackets after the label (e.g. `mm`).
    pub units: Option<String>,
    /// Logarithmic scale.
    pub log: bool,
}

impl Axis {
    /// A linear axis.
    pub fn new(label: impl Into<String>, units: Option<&str>) -> Axis {
        Axis { label: label.into(), units: units.map(str::to_string), log: false }
    }

    /// The same axis on a log scale.
    pub fn log(self) -> Axis {
        Axis { log: true, ..self }
    }

    /// `label [units]`.
    pub fn text(&self) -> String {
        match &self.units {
            Some(u) => format!("{} [{u}]", self.label),
            None => self.label.clone(),
        }
    }

    fn map(&self, v: f64) -> Option<f64> {
        let m = if self.log { (v > 0.0).then(|| v.log10())? } else { v };
        m.is_finite().then_some(m)
    }

    /// The axis over `(lo, hi)` (mapped values) with its tick positions.
    fn coord(&self, (lo, hi): (f64, f64)) -> Ticked {
        Ticked { lo, hi, log: self.log }
    }

    fn tick(&self, v: f64) -> String {
        match self.log {
            true if (v - v.round()).abs() < 1e-9 => format!("1e{}", v.round()),
            true => trim(&format_value(10f64.powf(v))),
            false => trim(&format_value(v)),
        }
    }
}

/// A plotted axis range (mapped values) whose ticks are plotters' own on a linear axis and
/// [`log_ticks`] on a log one; labels come from [`Axis::tick`].
struct Ticked {
    lo: f64,
    hi: f64,
    log: bool,
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        RangedCoordf64::from(self.lo..self.hi).map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if self.log {
            log_ticks(self.lo, self.hi, hint.max_num_points(), hint.weight().allow_light_points())
        } else {
            RangedCoordf64::from(self.lo..self.hi).key_points(hint)
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

/// Tick positions (log10 values) of a log axis over `[lo, hi]`, at most `n` (at least 2): the
/// decades when at least three fall inside (every k-th when more than `n`), else the 1–2–5
/// values, else 1 to 9 times each power of ten, so a range shorter than a decade is labelled
/// with round values (0.3, 0.4, … 1) rather than at even steps of the logarithm. The light
/// grid (`light`) is 1 to 9 times each power of ten when that is not too dense.
fn log_ticks(lo: f64, hi: f64, n: usize, light: bool) -> Vec<f64> {
    let n = n.max(2);
    let at = |mantissas: &[f64]| -> Vec<f64> {
        let (first, last) = (lo.floor() as i32, hi.ceil() as i32);
        (first..=last)
            .flat_map(|e| mantissas.iter().map(move |m| m.log10() + e as f64))
            .filter(|v| *v >= lo - 1e-9 && *v <= hi + 1e-9)
            .collect()
    };
    let all: Vec<f64> = at(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
    if light {
        return if all.len() <= n { all } else { Vec::new() };
    }
    let decades = at(&[1.0]);
    if decades.len() >= 3 {
        let step = decades.len().div_ceil(n);
        return decades.into_iter().step_by(step).collect();
    }
    [at(&[1.0, 2.0, 5.0]), all].into_iter().find(|t| t.len() >= 3 && t.len() <= n).unwrap_or(decades)
}

/// A tick label without trailing zeros (`10.00` → `10`, `2.500e-3` → `2.5e-3`).
fn trim(s: &str) -> String {
    let mantissa = |m: &str| {
        if m.contains('.') {
            m.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            m.to_string()
        }
    };
    match s.split_once('e') {
        Some((m, e)) => format!("{}e{e}", mantissa(m)),
        None => mantissa(s),
    }
}

/// What a plot shows and its size.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotSpec {
    /// Title above the plot.
    pub title: String,
    /// Horizontal axis.
    pub x: Axis,
    /// Vertical axis.
    pub y: Axis,
    /// Size in pixels (the SVG uses the same units).
    pub size: (u32, u32),
}

impl PlotSpec {
    /// A 800 × 500 plot.
    pub fn new(title: impl Into<String>, x: Axis, y: Axis) -> PlotSpec {
        PlotSpec { title: title.into(), x, y, size: (800, 500) }
    }
}

/// A drawn plot in both formats.
#[derive(Debug, Clone, PartialEq)]
pub struct Plot {
    /// PNG file contents.
    pub png: Vec<u8>,
    /// SVG document.
    pub svg: String,
}

/// Why a plot could not be drawn.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlotError {
    /// No series has a point that can be drawn on the axes.
    #[error("plot `{title}`: no data to draw (empty series, or only values ≤ 0 on a log axis)")]
    Empty {
        /// The plot's title.
        title: String,
    },
    /// A size below 100 × 100 or above 8192.
    #[error("plot `{title}`: size {width}x{height} must be 100 to 8192 pixels each way")]
    Size {
        /// The plot's title.
        title: String,
        /// Width.
        width: u32,
        /// Height.
        height: u32,
    },
    /// plotters failed.
    #[error("plot `{title}`: {message}")]
    Draw {
        /// The plot's title.
        title: String,
        /// plotters' message.
        message: String,
    },
}

type DrawResult = Result<(), Box<dyn std::error::Error>>;

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The embedded font is checked by `render::text`'s tests: failing here is a bug.
        plotters::style::register_font("sans-serif", FontStyle::Normal, crate::render::text::FONT)
            .unwrap_or_else(|_| panic!("the embedded font parses"));
    });
}

/// What is drawn inside the axes.
enum Content<'a> {
    Lines(&'a [Series]),
    Bars { edges: Vec<f64>, counts: Vec<usize>, marker: Option<(f64, &'a str)> },
}

/// Draws `content` into a PNG and an SVG of `spec.size`.
fn draw_both(spec: &PlotSpec, content: &Content<'_>) -> Result<Plot, PlotError> {
    let (width, height) = spec.size;
    if !(100..=8192).contains(&width) || !(100..=8192).contains(&height) {
        return Err(PlotError::Size { title: spec.title.clone(), width, height });
    }
    register_font();
    let fail = |e: Box<dyn std::error::Error>| PlotError::Draw { title: spec.title.clone(), message: e.to_string() };
    let mut rgb = vec![255u8; 3 * width as usize * height as usize];
    draw(BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area(), spec, content).map_err(fail)?;
    let rgba: Vec<u8> = rgb.chunks_exact(3).flat_map(|c| [c[0], c[1], c[2], 255]).collect();
    let png = encode_png(width, height, &rgba).map_err(|e| fail(e.to_string().into()))?;
    let mut svg = String::new();
    draw(SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area(), spec, content).map_err(fail)?;
    Ok(Plot { png, svg })
}

/// The data range of mapped values, widened by 5 % (or by 1 around a single value).
fn range(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if lo > hi {
        return None;
    }
    let pad = if hi > lo { 0.05 * (hi - lo) } else { 1.0 };
    Some((lo - pad, hi + pad))
}

fn colour(i: usize) -> RGBColor {
    let (r, g, b) = PALETTE[i % PALETTE.len()];
    RGBColor(r, g, b)
}

fn mapped<'a>(spec: &'a PlotSpec, s: &'a Series) -> impl Iterator<Item = (f64, f64)> + Clone + 'a {
    s.points.iter().filter_map(|&(x, y)| Some((spec.x.map(x)?, spec.y.map(y)?)))
}

fn draw<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, spec: &PlotSpec, content: &Content<'_>) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let empty = || -> Box<dyn std::error::Error> { "no data to draw".into() };
    let (xr, yr) = match content {
        Content::Lines(series) => (
            range(series.iter().flat_map(|s| mapped(spec, s).map(|p| p.0))).ok_or_else(empty)?,
            range(series.iter().flat_map(|s| mapped(spec, s).map(|p| p.1))).ok_or_else(empty)?,
        ),
        Content::Bars { edges, counts, marker } => {
            let xs = edges.iter().copied().chain(marker.map(|m| m.0));
            let top = *counts.iter().max().ok_or_else(empty)? as f64;
            (range(xs).ok_or_else(empty)?, (0.0, 1.08 * top.max(1.0)))
        }
    };
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(&spec.title, ("sans-serif", 20))
        .margin(14)
        .x_label_area_size(48)
        .y_label_area_size(78)
        .build_cartesian_2d(spec.x.coord(xr), spec.y.coord(yr))?;
    let (fx, fy) = (|v: &f64| spec.x.tick(*v), |v: &f64| spec.y.tick(*v));
    chart
        .configure_mesh()
        .x_desc(spec.x.text())
        .y_desc(spec.y.text())
        .x_label_formatter(&fx)
        .y_label_formatter(&fy)
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 15))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()?;
    let mut legend = false;
    match content {
        Content::Lines(series) => {
            for (i, s) in series.iter().enumerate() {
                let c = colour(i);
                let pts = mapped(spec, s);
                let drawn = match s.mark {
                    Mark::Line => chart.draw_series(LineSeries::new(pts, c.stroke_width(2)))?,
                    Mark::Points => chart.draw_series(pts.map(|p| Circle::new(p, 3, c.filled())))?,
                    Mark::LinePoints => {
                        chart.draw_series(LineSeries::new(pts.clone(), c.stroke_width(2)))?;
                        chart.draw_series(pts.map(|p| Circle::new(p, 3, c.filled())))?
                    }
                };
                if !s.label.is_empty() {
                    legend = true;
                    let mark = s.mark;
                    drawn.label(s.label.as_str()).legend(move |(x, y)| -> DynElement<'static, DB, (i32, i32)> {
                        match mark {
                            Mark::Points => Circle::new((x + 10, y), 3, c.filled()).into_dyn(),
                            _ => PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)).into_dyn(),
                        }
                    });
                }
            }
        }
        Content::Bars { edges, counts, marker } => {
            let c = colour(0);
            chart.draw_series(
                edges
                    .windows(2)
                    .zip(counts)
                    .map(|(e, &n)| Rectangle::new([(e[0], 0.0), (e[1], n as f64)], c.mix(0.75).filled())),
            )?;
            if let Some((x, label)) = marker {
                let red = colour(1);
                let line = chart.draw_series(std::iter::once(PathElement::new(
                    vec![(*x, yr.0), (*x, yr.1)],
                    red.stroke_width(2),
                )))?;
                legend = true;
                line.label(*label)
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], red.stroke_width(2)));
            }
        }
    }
    if legend {
        let corner = match content {
            Content::Lines(series) => legend_corner(series.iter().map(|s| mapped(spec, s).collect()).collect(), xr, yr),
            Content::Bars { .. } => Corner::UpperRight,
        };
        let position = match corner {
            Corner::UpperRight => SeriesLabelPosition::UpperRight,
            Corner::UpperLeft => SeriesLabelPosition::UpperLeft,
            Corner::LowerRight => SeriesLabelPosition::LowerRight,
            Corner::LowerLeft => SeriesLabelPosition::LowerLeft,
        };
        chart
            .configure_series_labels()
            .position(position)
            .label_font(("sans-serif", 13))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(120, 120, 120))
            .draw()?;
    }
    root.present()?;
    Ok(())
}

/// A corner of the plot area, for the legend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Corner {
    UpperRight,
    UpperLeft,
    LowerRight,
    LowerLeft,
}

/// The corner whose box (45 % of the width, 40 % of the height) covers the fewest samples of the
/// lines (each segment sampled at 16 points), the upper right on a tie: where the legend hides
/// the least data. `series` are mapped points, `xr` and `yr` the axes' ranges.
fn legend_corner(series: Vec<Vec<(f64, f64)>>, xr: (f64, f64), yr: (f64, f64)) -> Corner {
    let unit = |(x, y): (f64, f64)| ((x - xr.0) / (xr.1 - xr.0), (y - yr.0) / (yr.1 - yr.0));
    let mut samples = Vec::new();
    for points in &series {
        let pts: Vec<(f64, f64)> = points.iter().copied().map(unit).collect();
        samples.extend(pts.iter().copied());
        for w in pts.windows(2) {
            samples.extend((1..16).map(|k| {
                let t = k as f64 / 16.0;
                (w[0].0 + t * (w[1].0 - w[0].0), w[0].1 + t * (w[1].1 - w[0].1))
            }));
        }
    }
    let inside = |right: bool, upper: bool| {
        samples
            .iter()
            .filter(|(x, y)| {
                (if right { *x >= 0.55 } else { *x <= 0.45 }) && (if upper { *y >= 0.6 } else { *y <= 0.4 })
            })
            .count()
    };
    [
        (Corner::UpperRight, inside(true, true)),
        (Corner::UpperLeft, inside(false, true)),
        (Corner::LowerRight, inside(true, false)),
        (Corner::LowerLeft, inside(false, false)),
    ]
    .into_iter()
    .min_by_key(|(_, n)| *n)
    .map_or(Corner::UpperRight, |(c, _)| c)
}

/// A line or scatter plot of several series.
pub fn line_plot(spec: &PlotSpec, series: &[Series]) -> Result<Plot, PlotError> {
    if series.iter().all(|s| mapped(spec, s).next().is_none()) {
        return Err(PlotError::Empty { title: spec.title.clone() });
    }
    draw_both(spec, &Content::Lines(series))
}

/// A histogram of `values` (non-finite ones left out) in `bins` equal bins over their range, with
/// an optional vertical line at `marker.0` named `marker.1` (e.g. the safety factor 1).
pub fn histogram(spec: &PlotSpec, values: &[f64], bins: usize, marker: Option<(f64, &str)>) -> Result<Plot, PlotError> {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let Some((lo, hi)) =
        finite.iter().fold(None, |r: Option<(f64, f64)>, &v| Some(r.map_or((v, v), |(a, b)| (a.min(v), b.max(v)))))
    else {
        return Err(PlotError::Empty { title: spec.title.clone() });
    };
    let bins = bins.max(1);
    let (lo, hi) = if hi > lo { (lo, hi) } else { (lo - 0.5, hi + 0.5) };
    let width = (hi - lo) / bins as f64;
    let edges: Vec<f64> = (0..=bins).map(|i| lo + width * i as f64).collect();
    let mut counts = vec![0usize; bins];
    for v in finite {
        counts[(((v - lo) / width) as usize).min(bins - 1)] += 1;
    }
    let spec =
        PlotSpec { x: Axis { log: false, ..spec.x.clone() }, y: Axis { log: false, ..spec.y.clone() }, ..spec.clone() };
    draw_both(&spec, &Content::Bars { edges, counts, marker })
}

/// Relative residual against iteration for each named solve (log y).
pub fn solver_convergence(histories: &[(String, Vec<f64>)]) -> Result<Plot, PlotError> {
    let series: Vec<Series> = histories
        .iter()
        .map(|(name, r)| Series::line(name.clone(), r.iter().enumerate().map(|(i, &v)| (i as f64, v)).collect()))
        .collect();
    let spec =
        PlotSpec::new("Solver convergence", Axis::new("iteration", None), Axis::new("relative residual", None).log());
    line_plot(&spec, &series)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Half a decade is labelled at 0.3, 0.4, … 1; four decades at the decades with the 2–9
    /// multiples as light lines; twenty decades at every other decade.
    #[test]
    fn log_ticks_fall_on_round_values() {
        let labels = |lo: f64, hi: f64| -> Vec<String> {
            log_ticks(lo, hi, 10, false).iter().map(|v| Axis::new("", None).log().tick(*v)).collect()
        };
        assert_eq!(labels(0.25f64.log10(), 0.0), ["0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "1e0"]);
        assert_eq!(labels(-4.2, -0.5), ["1e-4", "1e-3", "1e-2", "1e-1"]);
        // 7e-5, 8e-5, 9e-5; 1e-4 to 9e-2; 0.1, 0.2, 0.3.
        assert_eq!(log_ticks(-4.2, -0.5, 50, true).len(), 3 + 27 + 3);
        assert_eq!(log_ticks(-20.0, 0.0, 10, false).len(), 7);
        assert_eq!(labels(0.0, 0.9), ["1e0", "2", "5"]);
    }

    /// A rising line (a convergence plot: error against element size) leaves the upper left
    /// free; a falling one (a residual history) the upper right; an empty plot keeps it.
    #[test]
    fn the_legend_goes_where_the_lines_are_not() {
        let rising = vec![vec![(0.0, 0.0), (1.0, 1.0)]];
        assert_eq!(legend_corner(rising, (0.0, 1.0), (0.0, 1.0)), Corner::UpperLeft);
        let falling = vec![vec![(0.0, 1.0), (1.0, 0.0)]];
        assert_eq!(legend_corner(falling, (0.0, 1.0), (0.0, 1.0)), Corner::UpperRight);
        assert_eq!(legend_corner(Vec::new(), (0.0, 1.0), (0.0, 1.0)), Corner::UpperRight);
    }

    #[test]
    fn log_axes_drop_non_positive_values_and_label_with_the_values() {
        let a = Axis::new("r", None).log();
        assert_eq!(a.map(100.0), Some(2.0));
        assert_eq!(a.map(0.0), None);
        assert_eq!((a.tick(-3.0), a.tick(0.5)), ("1e-3".to_string(), "3.162".to_string()));
        assert_eq!((trim("10.00"), trim("2.500e-3"), trim("300")), ("10".into(), "2.5e-3".into(), "300".to_string()));
        assert_eq!(Axis::new("u", Some("mm")).text(), "u [mm]");
        assert_eq!(range([1.0, 3.0].into_iter()), Some((0.9, 3.1)));
        assert_eq!(range([2.0].into_iter()), Some((1.0, 3.0)));
    }
}
