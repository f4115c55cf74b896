//! Plots: the PNG decodes at the asked size, the SVG is well-formed XML carrying the title, the
//! axis labels with units and the legend; bad input is refused with the plot's name.

use organ_twin::plot::{histogram, line_plot, solver_convergence, Axis, Mark, PlotError, PlotSpec, Series};

use crate::common::decode_png;

/// Parses the whole document; returns the text of every element.
fn svg_text(svg: &str) -> String {
    let mut reader = quick_xml::Reader::from_str(svg);
    let mut text = String::new();
    let mut depth = 0i32;
    loop {
        match reader.read_event().unwrap_or_else(|e| panic!("SVG not well-formed at {}: {e}", reader.buffer_position()))
        {
            quick_xml::events::Event::Start(_) => depth += 1,
            quick_xml::events::Event::End(_) => depth -= 1,
            quick_xml::events::Event::Text(t) => {
                text.push_str(&t.unescape().expect("text unescapes"));
                text.push('\n');
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(depth, 0, "every element closed");
    text
}

fn check(plot: &organ_twin::plot::Plot, size: (u32, u32), labels: &[&str]) {
    let (w, h, pixels) = decode_png(&plot.png);
    assert_eq!((w, h), size);
    assert!(pixels.chunks(4).any(|p| p[..3] != [255, 255, 255]), "the PNG has ink");
    assert!(plot.svg.starts_with("<svg"), "{}", &plot.svg[..plot.svg.len().min(80)]);
    let text = svg_text(&plot.svg);
    for label in labels {
        assert!(text.contains(label), "the SVG lacks {label:?}:\n{text}");
    }
}

#[test]
fn a_line_plot_with_several_series_log_y_and_units() {
    let spec = PlotSpec {
        size: (640, 400),
        ..PlotSpec::new("Load–displacement", Axis::new("displacement", Some("mm")), Axis::new("load", Some("N")).log())
    };
    let series = [
        Series::line("loading", (1..=10).map(|i| (i as f64 * 0.1, (i * i) as f64)).collect()),
        Series {
            label: "test data".into(),
            points: vec![(0.2, 3.0), (0.5, 30.0), (0.0, -1.0)],
            mark: Mark::LinePoints,
        },
        Series::points("", vec![(0.7, 40.0)]),
    ];
    let plot = line_plot(&spec, &series).expect("draws");
    check(&plot, (640, 400), &["Load–displacement", "displacement [mm]", "load [N]", "loading", "test data"]);
}

#[test]
fn solver_convergence_and_the_safety_factor_histogram() {
    let histories = vec![
        ("cpu cg".to_string(), (0..60).map(|i| 10f64.powf(-i as f64 / 6.0)).collect()),
        ("gpu cg".to_string(), (0..50).map(|i| 10f64.powf(-i as f64 / 5.0)).collect()),
    ];
    let plot = solver_convergence(&histories).expect("draws");
    check(&plot, (800, 500), &["iteration", "relative residual", "cpu cg", "gpu cg", "1e-6"]);
    let spec = PlotSpec::new("Safety factor", Axis::new("safety factor", None), Axis::new("cells", None));
    let values: Vec<f64> = (0..500).map(|i| 0.8 + (i as f64 * 0.37) % 3.0).chain([f64::NAN]).collect();
    let plot = histogram(&spec, &values, 20, Some((1.0, "limit 1.0"))).expect("draws");
    check(&plot, (800, 500), &["safety factor", "cells", "limit 1.0"]);
}

#[test]
fn empty_data_and_bad_sizes_are_refused_with_the_plots_title() {
    let spec = PlotSpec::new("S-N", Axis::new("cycles", None).log(), Axis::new("amplitude", Some("MPa")).log());
    let e = line_plot(&spec, &[Series::points("operating", vec![(0.0, 1.0), (1e6, -3.0)])]).unwrap_err();
    assert!(matches!(&e, PlotError::Empty { title } if title == "S-N"), "{e}");
    let tiny = PlotSpec { size: (50, 500), ..spec.clone() };
    assert!(matches!(line_plot(&tiny, &[Series::line("a", vec![(1.0, 1.0)])]), Err(PlotError::Size { .. })));
    assert!(matches!(histogram(&spec, &[f64::NAN], 10, None), Err(PlotError::Empty { .. })));
}
