//! `organ-twin mesh beam|sphere|lv|implant`: procedural meshes of any size.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use super::Failure;
use crate::io;
use crate::mesh::generate::{self, BeamParams, ImplantParams, LvParams, Order, SphereParams};
use crate::mesh::Mesh;

/// Polynomial order on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(super) enum OrderArg {
    /// Linear tetrahedra (Tet4).
    #[value(name = "1")]
    One,
    /// Quadratic tetrahedra (Tet10), mid-edge nodes on the exact geometry.
    #[value(name = "2")]
    Two,
}

#[derive(Args, Debug)]
pub(super) struct Common {
    /// Output file (.msh for Gmsh 4.1 ASCII, .vtu for ParaView).
    #[arg(short, long)]
    output: PathBuf,
    /// Element order.
    #[arg(long, value_enum, default_value = "1")]
    order: OrderArg,
}

/// The shapes.
#[derive(Subcommand, Debug)]
pub(super) enum Shape {
    /// Box [0,Lx]×[0,Ly]×[0,Lz]; surfaces xmin, xmax, ymin, ymax, zmin, zmax.
    Beam {
        /// Edge lengths, as LX,LY,LZ.
        #[arg(long, value_parser = triple::<f64>, default_value = "10,1,1")]
        size: [f64; 3],
        /// Divisions per axis, as NX,NY,NZ (each cube becomes 6 tets; each at least 1, at most 20 M tets).
        #[arg(long, value_parser = triple::<usize>, default_value = "20,2,2")]
        divisions: [usize; 3],
        #[command(flatten)]
        common: Common,
    },
    /// Thick-walled sphere (octant with symmetry planes unless --full); surfaces inner, outer, symmetry_x/y/z.
    Sphere {
        /// Inner radius.
        #[arg(long, default_value_t = 1.0)]
        inner: f64,
        /// Outer radius.
        #[arg(long, default_value_t = 2.0)]
        outer: f64,
        /// Subdivisions of a 90° arc (at least 2).
        #[arg(long, default_value_t = 8)]
        subdivisions: usize,
        /// Element layers through the wall (at least 1).
        #[arg(long, default_value_t = 4)]
        layers: usize,
        /// The whole sphere instead of the octant.
        #[arg(long)]
        full: bool,
        #[command(flatten)]
        common: Common,
    },
    /// Land et al. (2015) idealised left ventricle in mm; surfaces endo, epi, base; cell field fiber.
    Lv {
        /// Subdivisions of a quarter circumference (at least 2); apex-to-base rows follow to keep cells isotropic.
        #[arg(long, default_value_t = 8)]
        subdivisions: usize,
        /// Element layers through the wall, at least 1 [default: as many as keep cells isotropic].
        #[arg(long)]
        layers: Option<usize>,
        #[command(flatten)]
        common: Common,
    },
    /// Cylindrical implant (region implant) bonded in a bone tube (region bone), in mm.
    Implant {
        /// Implant radius.
        #[arg(long, default_value_t = 2.0)]
        implant_radius: f64,
        /// Outer bone radius.
        #[arg(long, default_value_t = 6.0)]
        bone_radius: f64,
        /// Length along z.
        #[arg(long, default_value_t = 20.0)]
        length: f64,
        /// Rings across the implant radius.
        #[arg(long, default_value_t = 3)]
        implant_rings: usize,
        /// Rings across the bone wall.
        #[arg(long, default_value_t = 4)]
        bone_rings: usize,
        /// Element layers along z (at least 1).
        #[arg(long, default_value_t = 16)]
        layers: usize,
        #[command(flatten)]
        common: Common,
    },
}

fn order(o: OrderArg) -> Order {
    match o {
        OrderArg::One => Order::Linear,
        OrderArg::Two => Order::Quadratic,
    }
}

/// Parses `a,b,c`.
pub(super) fn triple<T: std::str::FromStr + Copy>(s: &str) -> Result<[T; 3], String> {
    let v: Vec<T> = s
        .split(',')
        .map(|p| p.trim().parse::<T>())
        .collect::<Result<_, _>>()
        .map_err(|_| format!("'{s}' is not a list of three numbers"))?;
    match v.as_slice() {
        [a, b, c] => Ok([*a, *b, *c]),
        _ => Err(format!("expected three comma-separated values, got {}", v.len())),
    }
}

fn usage(message: String) -> Failure {
    Failure { code: 2, message }
}

fn check_positive(values: &[(&str, f64)]) -> Result<(), Failure> {
    for (name, v) in values {
        if !(v.is_finite() && *v > 0.0) {
            return Err(usage(format!("--{name} must be a positive number, got {v}")));
        }
    }
    Ok(())
}

fn check_larger(outer: (&str, f64), inner: (&str, f64)) -> Result<(), Failure> {
    if outer.1 > inner.1 {
        Ok(())
    } else {
        Err(usage(format!("--{} ({}) must be larger than --{} ({})", outer.0, outer.1, inner.0, inner.1)))
    }
}

/// Builds the mesh, writes it and prints a one-line summary with the analytic volume.
pub(super) fn run(shape: Shape, quiet: bool) -> Result<(), Failure> {
    let output = match &shape {
        Shape::Beam { common, .. }
        | Shape::Sphere { common, .. }
        | Shape::Lv { common, .. }
        | Shape::Implant { common, .. } => &common.output,
    };
    io::check_writable(output)?;
    let (mesh, common, exact): (Mesh, Common, f64) = match shape {
        Shape::Beam { size, divisions, common } => {
            check_positive(&[("size", size[0]), ("size", size[1]), ("size", size[2])])?;
            let p = BeamParams { size, divisions, order: order(common.order) };
            (generate::beam(&p).map_err(invalid)?, common, size.iter().product())
        }
        Shape::Sphere { inner, outer, subdivisions, layers, full, common } => {
            check_positive(&[("inner", inner), ("outer", outer)])?;
            check_larger(("outer", outer), ("inner", inner))?;
            let p = SphereParams {
                inner_radius: inner,
                outer_radius: outer,
                subdivisions,
                layers,
                octant: !full,
                order: order(common.order),
            };
            (generate::sphere(&p).map_err(invalid)?, common, generate::sphere_volume(&p))
        }
        Shape::Lv { subdivisions, layers, common } => {
            let p = LvParams { subdivisions, layers, order: order(common.order), ..LvParams::default() };
            (generate::lv(&p).map_err(invalid)?, common, generate::lv_volumes(&p).0)
        }
        Shape::Implant { implant_radius, bone_radius, length, implant_rings, bone_rings, layers, common } => {
            check_positive(&[("implant-radius", implant_radius), ("bone-radius", bone_radius), ("length", length)])?;
            check_larger(("bone-radius", bone_radius), ("implant-radius", implant_radius))?;
            let p = ImplantParams {
                implant_radius,
                bone_radius,
                length,
                implant_rings,
                bone_rings,
                layers,
                order: order(common.order),
            };
            let exact = std::f64::consts::PI * bone_radius * bone_radius * length;
            (generate::implant(&p).map_err(invalid)?, common, exact)
        }
    };
    io::write_mesh(&mesh, &common.output)?;
    if quiet {
        return Ok(());
    }
    let v = mesh.volume();
    let line = format!(
        "wrote {}: {}, {}, volume {v:.6} (analytic {exact:.6}, {:+.3}%)",
        common.output.display(),
        super::count(mesh.nodes().len(), "node"),
        super::count(mesh.cell_count(), "cell"),
        super::tidy(100.0 * (v - exact) / exact, 3)
    );
    super::report(|out| writeln!(out, "{line}"))
}

fn invalid(e: crate::mesh::MeshError) -> Failure {
    if let crate::mesh::MeshError::Parameter { .. } = e {
        return usage(format!("--{e}"));
    }
    Failure { code: super::EXIT_DATA, message: format!("the generated mesh is invalid: {e}; try other parameters") }
}
