//! A unit cube coloured by f = x, seen from the front: at known places the picture shows the
//! colour map at the known value, and the background where there is no geometry.
//!
//! Tolerance: the shader interpolates a 256-entry table linearly, and viridis bends at most a
//! few levels between entries; 8-bit output rounds by ½ level. Barycentric interpolation of a
//! linear field across the triangles is exact up to f32 rounding, and a pixel centre misses the
//! projected point by at most ½ pixel, i.e. Δf ≤ 0.5 / (pixels across the cube) ≈ 0.002, which
//! moves viridis by under 2 levels. So every channel must be within 4 levels of viridis(f).

use organ_twin::mesh::generate::Order;
use organ_twin::render::colormap::viridis;
use organ_twin::render::overlay::{hidden, Layout};
use organ_twin::render::{Fields, Picture, RenderError, RenderOptions, Scene, View};

use crate::common::{cube, decode_png, linear_fields, renderer};

const TOLERANCE: i32 = 4;

fn options(shading: bool) -> RenderOptions {
    RenderOptions { field: "f".into(), view: View::Front, width: 480, height: 320, shading, ..RenderOptions::default() }
}

fn assert_colour(p: &Picture, at: [f64; 3], expected: [u8; 3], what: &str) {
    let ([x, y], _) = p.camera.project(at);
    let got = p.pixel(x as u32, y as u32);
    let close = (0..3).all(|k| (got[k] as i32 - expected[k] as i32).abs() <= TOLERANCE);
    assert!(close, "{what}: pixel ({x:.1}, {y:.1}) of point {at:?} is {got:?}, expected {expected:?}");
}

/// Points on the front face (y = 0) away from its edges, and the value of f there.
fn front_points() -> Vec<([f64; 3], f64)> {
    [0.1, 0.25, 0.4, 0.5, 0.62, 0.75, 0.9].iter().flat_map(|&x| [0.3, 0.5, 0.7].map(|z| ([x, 0.0, z], x))).collect()
}

#[test]
fn a_linear_field_on_a_cube_shows_the_colour_map_at_known_pixels_with_and_without_shading() {
    let Some(r) = renderer() else { return };
    for order in [Order::Linear, Order::Quadratic] {
        let mesh = cube(4, order);
        let point = linear_fields(&mesh, [0.0; 3]);
        let fields = Fields { point: &point, cell: &[] };
        // Head-on faces are lit at full strength, so the shaded front face shows the bare colours too.
        for shading in [false, true] {
            let p = r.render(&mesh, &fields, &options(shading)).expect("renders");
            assert_eq!((p.width, p.height, p.pixels.len()), (480, 320, 480 * 320 * 4));
            for (at, f) in front_points() {
                assert_colour(&p, at, viridis(f), &format!("{order:?}, shading {shading}"));
            }
        }
    }
}

#[test]
fn a_fixed_range_maps_the_colours_to_it() {
    let Some(r) = renderer() else { return };
    let mesh = cube(4, Order::Linear);
    let point = linear_fields(&mesh, [0.0; 3]);
    let options = RenderOptions { range: Some((0.0, 2.0)), ..options(false) };
    let p = r.render(&mesh, &Fields { point: &point, cell: &[] }, &options).expect("renders");
    for (at, f) in front_points() {
        assert_colour(&p, at, viridis(f / 2.0), "range 0..2");
    }
}

#[test]
fn where_there_is_no_geometry_the_background_shows_and_the_png_decodes_to_the_same_pixels() {
    let Some(r) = renderer() else { return };
    let mesh = cube(3, Order::Linear);
    let point = linear_fields(&mesh, [0.0; 3]);
    let p = r.render(&mesh, &Fields { point: &point, cell: &[] }, &options(true)).expect("renders");
    // The cube is square and the view wider than tall: left and right of it is empty.
    for at in [[-0.15, 0.0, 0.5], [1.15, 0.0, 0.5], [-0.15, 0.0, 0.05], [1.15, 0.0, 0.95]] {
        assert_colour(&p, at, [255, 255, 255], "background");
    }
    let ([left, _], _) = p.camera.project([0.0, 0.0, 0.5]);
    let ([right, _], _) = p.camera.project([1.0, 0.0, 0.5]);
    assert!(right - left > 150.0, "the cube fills the view: {left}..{right}");
    // The min/max markers tell whether their place is seen: the front face is, the back is not.
    let scene = Scene::build(&mesh, &Fields { point: &point, cell: &[] }, &options(true)).expect("a scene");
    assert!(!hidden(&p, &scene, [0.5, 0.0, 0.5]) && hidden(&p, &scene, [0.5, 1.0, 0.5]));
    assert!(hidden(&p, &scene, [0.5, 0.5, 0.5]), "inside the body");
    let (w, h, pixels) = decode_png(&p.png().expect("encodes"));
    assert_eq!((w, h), (480, 320));
    assert!(pixels == p.pixels, "the PNG holds the picture");
}

#[test]
fn the_colour_bar_runs_through_the_colour_map_from_min_at_the_bottom_to_max_at_the_top() {
    let Some(r) = renderer() else { return };
    let mesh = cube(2, Order::Linear);
    let point = linear_fields(&mesh, [0.0; 3]);
    let p = r.render(&mesh, &Fields { point: &point, cell: &[] }, &options(true)).expect("renders");
    let [bx, by, bw, bh] = Layout::new(p.width, p.height).bar;
    for t in [0.05, 0.3, 0.5, 0.7, 0.95] {
        let (x, y) = ((bx + 0.5 * bw) as u32, (by + (1.0 - t) * bh) as u32);
        let got = p.pixel(x, y);
        let want = viridis(t);
        assert!((0..3).all(|k| (got[k] as i32 - want[k] as i32).abs() <= TOLERANCE), "bar at {t}: {got:?} vs {want:?}");
    }
}

#[test]
fn a_deformed_picture_moves_the_colours_with_the_displacement_and_draws_the_outline_in_grey() {
    let Some(r) = renderer() else { return };
    let mesh = cube(4, Order::Linear);
    let point = linear_fields(&mesh, [0.25, 0.0, 0.0]);
    let options = RenderOptions { deformed: Some(2.0), ..options(false) };
    let p = r.render(&mesh, &Fields { point: &point, cell: &[] }, &options).expect("renders");
    // (Not at x = 0.5, which lands on the undeformed right edge x = 1 and its outline.)
    for (at, f) in front_points().into_iter().filter(|(_, f)| (f - 0.5).abs() > 0.05) {
        assert_colour(&p, [at[0] + 0.5, at[1], at[2]], viridis(f), "shifted by 2 × 0.25");
    }
    // The undeformed left edge x = 0 lies outside the shifted cube: grey outline pixels there.
    let ([x, _], _) = p.camera.project([0.0, 0.0, 0.5]);
    let grey = (0..p.height).any(|y| {
        let c = p.pixel(x.round() as u32, y);
        c[0] == c[1] && c[1] == c[2] && (60..230).contains(&c[0])
    });
    assert!(grey, "an undeformed outline at x = {x}");
}

#[test]
fn cell_fields_vector_magnitudes_and_bad_choices() {
    let Some(r) = renderer() else { return };
    let mesh = cube(2, Order::Linear);
    let point = linear_fields(&mesh, [3.0, 4.0, 0.0]);
    let cell = vec![organ_twin::mesh::Field { name: "f".into(), components: 1, values: vec![0.5; mesh.cell_count()] }];
    let fields = Fields { point: &point, cell: &cell };
    // |u| = 5 everywhere: an empty range shows the middle colour.
    let magnitude = RenderOptions { field: "displacement".into(), ..options(false) };
    let p = r.render(&mesh, &fields, &magnitude).expect("renders |u|");
    assert_colour(&p, [0.5, 0.0, 0.5], viridis(0.5), "constant |u|");
    let by_cell = RenderOptions { field: "cell:f".into(), ..options(false) };
    r.render(&mesh, &fields, &by_cell).expect("renders a cell field");
    match r.render(&mesh, &fields, &RenderOptions { field: "stress".into(), ..options(false) }) {
        Err(RenderError::UnknownField { available, .. }) => {
            assert_eq!(available, "point:f (1), point:displacement (3), cell:f (1)")
        }
        other => panic!("{other:?}"),
    }
    let component = RenderOptions { field: "f".into(), component: Some(1), ..options(false) };
    assert!(matches!(r.render(&mesh, &fields, &component), Err(RenderError::Component { .. })));
    let inverted = RenderOptions { range: Some((1.0, 0.0)), ..options(false) };
    assert!(matches!(r.render(&mesh, &fields, &inverted), Err(RenderError::Option { what: "range", .. })));
    let tiny = RenderOptions { width: 10, ..options(false) };
    assert!(matches!(r.render(&mesh, &fields, &tiny), Err(RenderError::Option { what: "size", .. })));
}
