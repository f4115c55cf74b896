//! `organ-twin template iso14801|iso7206-4`: a ready scenario for a standard fatigue test, on a
//! generated idealised implant or on the user's mesh.

use std::path::{Path, PathBuf};

use clap::Args;

use super::generate::{triple, OrderArg};
use super::{report, Failure, EXIT_DATA};
use crate::io;
use crate::mesh::generate::Order;
use crate::twin::template::{self, Standard, TemplateParams, UserImplant};

/// The arguments of `organ-twin template`.
#[derive(Args, Debug)]
pub(super) struct TemplateArgs {
    /// The standard.
    #[arg(value_enum)]
    standard: Standard,
    /// Output folder (the scenario and, for the generated geometry, its mesh).
    #[arg(short, long, value_name = "DIR")]
    out: PathBuf,
    /// The user's implant mesh (mm; implant axis along z, pointing away from the embedding).
    #[arg(long, value_name = "MESH", requires_all = ["load_surface", "load_point", "embed"])]
    implant: Option<PathBuf>,
    /// With --implant: the surface that carries the load (abutment top, neck).
    #[arg(long, value_name = "NAME")]
    load_surface: Option<String>,
    /// With --implant: the load point X,Y,Z in mm (cap centre, head centre).
    #[arg(long, value_name = "X,Y,Z", value_parser = triple::<f64>, allow_hyphen_values = true)]
    load_point: Option<[f64; 3]>,
    /// With --implant: the embedding plane z (mm); the implant below it is fixed.
    #[arg(long, value_name = "Z", allow_hyphen_values = true)]
    embed: Option<f64>,
    /// F_max in N [default: 400 for ISO 14801, 2300 for ISO 7206-4].
    #[arg(long, value_name = "N")]
    fmax: Option<f64>,
    /// Element order of the generated geometry.
    #[arg(long, value_enum, default_value = "2")]
    order: OrderArg,
}

/// Runs `organ-twin template`.
pub(super) fn run(a: TemplateArgs, quiet: bool) -> Result<(), Failure> {
    let data = |message: String| Failure { code: EXIT_DATA, message };
    if let Some(f) = a.fmax {
        if !(f.is_finite() && f > 0.0) {
            return Err(Failure { code: 2, message: format!("--fmax {f}: F_max must be a finite force > 0 (N)") });
        }
    }
    let implant = match &a.implant {
        None => None,
        Some(path) => {
            let imported = io::read_mesh(path, &super::build_options(false))?;
            super::warn(quiet, &imported.warnings);
            Some(UserImplant {
                file: absolute(path).display().to_string(),
                mesh: imported.mesh,
                load_surface: a.load_surface.clone().expect("clap requires it"),
                load_point: a.load_point.expect("clap requires it"),
                embed: a.embed.expect("clap requires it"),
            })
        }
    };
    let order = match a.order {
        OrderArg::One => Order::Linear,
        OrderArg::Two => Order::Quadratic,
    };
    let params = TemplateParams { standard: a.standard, implant, f_max: a.fmax, order };
    let t = template::template(&params).map_err(|m| {
        data(format!("{}: {m}", a.implant.as_ref().map_or("template".into(), |p| p.display().to_string())))
    })?;
    let name = a.standard.scenario_name();
    let scenario_file = format!("{name}.toml");
    let mut staging = io::staging::Staging::begin(&a.out)?;
    if let Some((file, mesh)) = &t.mesh {
        staging.write(file, |w| io::write_msh41(mesh, w))?;
    }
    staging.write(&scenario_file, |w| w.write_all(t.scenario.as_bytes()))?;
    staging.publish(&scenario_file, |_| false)?;
    if quiet {
        return Ok(());
    }
    let scenario = a.out.join(&scenario_file);
    report(|w| {
        writeln!(
            w,
            "wrote {}{}",
            scenario.display(),
            t.mesh.as_ref().map_or(String::new(), |(f, _)| format!(" and {f}"))
        )?;
        writeln!(w, "run it with: organ-twin run {}", scenario.display())
    })
}

fn absolute(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}
