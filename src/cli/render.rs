//! `organ-twin render`: a picture of a result (or any mesh with fields) coloured by a field.

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::run::EXIT_UNAVAILABLE;
use super::{build_options, report, warn, Failure, EXIT_CANT_CREATE, EXIT_DATA};
use crate::gpu::{Gpu, GpuOptions};
use crate::io;
use crate::render::{self, Fields, RenderError, RenderOptions, Renderer, View};

/// Arguments of `organ-twin render`.
#[derive(clap::Args, Debug)]
pub struct RenderArgs {
    /// Result file (e.g. DIR/result.vtu of `organ-twin run`) or any mesh with fields.
    input: PathBuf,
    /// Field to colour by; `point:NAME` / `cell:NAME` choose when both exist. Vectors show their magnitude.
    #[arg(long, default_value = "von_mises")]
    field: String,
    /// Component of a field with several (0-based), instead of a vector's magnitude.
    #[arg(long)]
    component: Option<usize>,
    /// Direction of view: iso, front (along +y), side (along −x), top (along −z).
    #[arg(long, default_value = "iso", value_parser = clap::builder::ValueParser::new(parse_view))]
    view: View,
    /// Draw the shape displaced by SCALE × the `displacement` point field, with the undeformed outline.
    #[arg(long, value_name = "SCALE")]
    deformed: Option<f64>,
    /// Picture size in pixels, WIDTHxHEIGHT.
    #[arg(long, default_value = "1200x900", value_parser = clap::builder::ValueParser::new(parse_size))]
    size: (u32, u32),
    /// Units of the field for the colour bar (the VTU does not carry them), e.g. MPa.
    #[arg(long)]
    units: Option<String>,
    /// Title at the top [default: the field, the view and the deformation scale].
    #[arg(long)]
    title: Option<String>,
    /// Output picture (.png).
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
}

fn parse_view(s: &str) -> Result<View, String> {
    s.parse()
}

/// `WIDTHxHEIGHT` within [`render::MIN_SIZE`]..=[`render::MAX_SIZE`].
fn parse_size(s: &str) -> Result<(u32, u32), String> {
    let bad = || format!("`{s}` is not WIDTHxHEIGHT in pixels (e.g. 1200x900)");
    let (w, h) = s.split_once(['x', 'X']).ok_or_else(bad)?;
    let (w, h): (u32, u32) = (w.trim().parse().map_err(|_| bad())?, h.trim().parse().map_err(|_| bad())?);
    render::check_size(w, h, render::MAX_SIZE).map_err(|e| e.to_string())?;
    Ok((w, h))
}

fn failure(e: RenderError) -> Failure {
    let code = match e {
        RenderError::Gpu(_) => EXIT_UNAVAILABLE,
        RenderError::Option { .. } => 2,
        RenderError::Png(_) => EXIT_CANT_CREATE,
        _ => EXIT_DATA,
    };
    Failure { code, message: e.to_string() }
}

fn is_png(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("png"))
}

/// Reads the input, renders, writes the PNG atomically (nothing is written on any failure).
pub fn run(args: RenderArgs, quiet: bool) -> Result<(), Failure> {
    if !is_png(&args.output) {
        let message = format!("{}: the output of `render` is a PNG picture (.png)", args.output.display());
        return Err(Failure { code: 2, message });
    }
    let imported = io::read_mesh(&args.input, &build_options(false))?;
    warn(quiet, &imported.warnings);
    let options = RenderOptions {
        field: args.field,
        component: args.component,
        view: args.view,
        deformed: args.deformed,
        width: args.size.0,
        height: args.size.1,
        units: args.units,
        title: args.title,
        ..RenderOptions::default()
    };
    let mesh = &imported.mesh;
    let fields = Fields::of(mesh);
    // Check the field before opening a GPU, so a typo fails fast and the same way everywhere.
    render::Scene::build(mesh, &fields, &options).map_err(failure)?;
    let start = Instant::now();
    let gpu = Gpu::new(&GpuOptions::default()).map_err(|e| failure(e.into()))?;
    let picture = Renderer::new(gpu).and_then(|r| r.render(mesh, &fields, &options)).map_err(failure)?;
    picture.write_png(&args.output)?;
    if quiet {
        return Ok(());
    }
    let line = format!(
        "wrote {} ({}x{}, {} in {:.2} s)",
        args.output.display(),
        picture.width,
        picture.height,
        options.field,
        start.elapsed().as_secs_f64()
    );
    report(|out| writeln!(out, "{line}"))
}
