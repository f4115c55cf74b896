//! Ready-made scenarios for the standard fatigue tests of implants: ISO 14801 (dental implants)
//! and ISO 7206-4 (stem region of femoral stems), on a generated idealised geometry or on the
//! user's implant mesh.
//!
//! The standards' texts are paywalled; the figures below are those of `DOMAIN.md` §2 with its
//! certainty tags, and every template repeats the tags in its comments:
//!
//! | | ISO 14801 (2016) | ISO 7206-4 (2010, Amd 2016) |
//! | --- | --- | --- |
//! | embedding | clamped 3.0 mm below the nominal bone level [R] | embedded ~80 mm below the head centre (120 < CT ≤ 250 mm) [R]; ASTM F2996 uses 90 mm [V] |
//! | load point | centre of the hemispherical cap, 11 mm above the clamping plane [R] | centre of the head |
//! | direction | 30° off the implant axis [R] | adduction α = 10°, flexion β = 9° [R] |
//! | cycle | R = 0.1 [R] | F_max 2300 N, F_min 300 N [V2] |
//! | run-out | 5·10⁶ cycles [V2] | 5·10⁶ cycles [V2] |
//!
//! Coordinates: the implant axis is z, pointing away from the embedding; the embedding is the
//! half-space below a plane normal to z. The generated geometries are idealised (a one-piece
//! cylindrical implant with its abutment; a straight cylindrical stem whose head centre is offset
//! medially), for a first run and for verification, not for a device's claim.

use crate::mesh::generate::{rod, Order, RodParams};
use crate::mesh::Mesh;

/// A fatigue test standard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Standard {
    /// ISO 14801: dental implants.
    #[value(name = "iso14801")]
    Iso14801,
    /// ISO 7206-4: stem region of femoral stems.
    #[value(name = "iso7206-4")]
    Iso7206_4,
}

impl Standard {
    /// The scenario's name.
    pub fn scenario_name(self) -> &'static str {
        match self {
            Standard::Iso14801 => "iso14801_dental",
            Standard::Iso7206_4 => "iso7206_4_stem",
        }
    }
}

/// What the template needs beyond the standard.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateParams {
    /// The standard.
    pub standard: Standard,
    /// The user's implant: its mesh file (as the scenario will name it) and the mesh itself.
    pub implant: Option<UserImplant>,
    /// F_max (N); default 400 N (ISO 14801, a typical test level) or 2300 N (ISO 7206-4).
    pub f_max: Option<f64>,
    /// Cells of the generated geometry.
    pub order: Order,
}

/// A user's implant mesh (mm) and the few dimensions the standard needs.
#[derive(Debug, Clone, PartialEq)]
pub struct UserImplant {
    /// The mesh file, as the scenario should reference it.
    pub file: String,
    /// The mesh (mm).
    pub mesh: Mesh,
    /// The surface that carries the load (the abutment's top, the stem's neck or cone).
    pub load_surface: String,
    /// The load point (cap centre, head centre), mm.
    pub load_point: [f64; 3],
    /// The embedding plane z = embed (mm); the implant below it is fixed.
    pub embed: f64,
}

/// A template: the scenario text and, for the generated geometry, its mesh.
#[derive(Debug, Clone)]
pub struct Template {
    /// The scenario (TOML).
    pub scenario: String,
    /// The generated mesh and its file name, when no user mesh was given.
    pub mesh: Option<(String, Mesh)>,
}

/// Builds the template, checking a user's dimensions against the mesh.
pub fn template(p: &TemplateParams) -> Result<Template, String> {
    let name = p.standard.scenario_name();
    let generated_file = format!("{name}.msh");
    let (file, surface, point, embed, regions, mesh) = match &p.implant {
        Some(u) => {
            check_user(u)?;
            let regions: Vec<String> =
                u.mesh.regions().iter().map(|r| r.name.clone().unwrap_or_else(|| r.id.to_string())).collect();
            (u.file.clone(), u.load_surface.clone(), u.load_point, u.embed, regions, None)
        }
        None => {
            let (params, point) = generated(p.standard, p.order);
            let mesh = rod(&params).map_err(|e| e.to_string())?;
            let regions = match p.standard {
                Standard::Iso14801 => vec!["implant".to_string(), "abutment".to_string()],
                Standard::Iso7206_4 => vec!["stem".to_string()],
            };
            let embed = match p.standard {
                Standard::Iso14801 => 0.0,
                Standard::Iso7206_4 => point[2] - 80.0,
            };
            (generated_file.clone(), "top".to_string(), point, embed, regions, Some((generated_file, mesh)))
        }
    };
    let f_max = p.f_max.unwrap_or(match p.standard {
        Standard::Iso14801 => 400.0,
        Standard::Iso7206_4 => 2300.0,
    });
    let setup = Setup { name, file: &file, surface: &surface, point, embed, regions: &regions, f_max };
    let scenario = match p.standard {
        Standard::Iso14801 => iso14801(&setup),
        Standard::Iso7206_4 => iso7206(&setup),
    };
    Ok(Template { scenario, mesh })
}

/// The generated geometry and its load point.
fn generated(standard: Standard, order: Order) -> (RodParams, [f64; 3]) {
    match standard {
        // Ø 4.1 mm one-piece implant: 7 mm in the clamp, implant to the nominal bone level 3 mm
        // above the clamping plane, abutment to 8 mm; the cap centre 11 mm above the clamp.
        Standard::Iso14801 => (RodParams { order, ..RodParams::default() }, [0.0, 0.0, 11.0]),
        // Ø 14 mm straight stem, 130 mm long, top (neck resection) at z = 0; head centre 30 mm
        // medial and 10 mm above it, so the embedding plane 80 mm below the head centre is z = −70.
        Standard::Iso7206_4 => (
            RodParams {
                radius: 7.0,
                z0: -130.0,
                z1: 0.0,
                split: None,
                names: ("stem".into(), String::new()),
                rings: 4,
                layers: 40,
                order,
            },
            [-30.0, 0.0, 10.0],
        ),
    }
}

/// The embedding plane must cut the implant and the load surface must exist and lie above it.
fn check_user(u: &UserImplant) -> Result<(), String> {
    let surface = u.mesh.surface(&u.load_surface).ok_or_else(|| {
        let names: Vec<&str> = u.mesh.surfaces().iter().map(|s| s.name.as_str()).collect();
        format!("the mesh has no surface named '{}' (surfaces: {})", u.load_surface, names.join(", "))
    })?;
    let (lo, hi) = u.mesh.bounding_box().ok_or("the mesh has no nodes")?;
    if !(u.embed > lo[2] && u.embed < hi[2]) {
        return Err(format!(
            "the embedding plane z = {} misses the implant (it spans z = {} to {}): give --embed between them",
            u.embed, lo[2], hi[2]
        ));
    }
    let below = surface.faces.iter().flat_map(|&f| u.mesh.face_nodes(f)).any(|n| u.mesh.nodes()[n][2] <= u.embed);
    if below {
        return Err(format!(
            "the load surface '{}' reaches below the embedding plane z = {}: the load would go into the fixed part",
            u.load_surface, u.embed
        ));
    }
    if !u.load_point.iter().all(|v| v.is_finite()) {
        return Err("the load point must be finite numbers".into());
    }
    Ok(())
}

fn materials(regions: &[String], library: &str) -> String {
    regions
        .iter()
        .map(|r| {
            let region = if r.parse::<i64>().is_ok() { r.clone() } else { format!("\"{r}\"") };
            format!("[[material]]\nregion = {region}\nmodel = \"linear_elastic\"\nlibrary = \"{library}\"   # E, nu and the fatigue data; typical literature values\n\n")
        })
        .collect()
}

/// What both templates fill in.
#[derive(Clone, Copy)]
struct Setup<'a> {
    name: &'a str,
    file: &'a str,
    surface: &'a str,
    point: [f64; 3],
    embed: f64,
    regions: &'a [String],
    f_max: f64,
}

fn iso14801(u: &Setup<'_>) -> String {
    let Setup { name, file, surface, point, embed, regions, f_max } = *u;
    format!(
        r#"# ISO 14801 (2016) fatigue test of a dental implant (organ-twin template).
# Tags: [V] read in a primary source, [V2] secondary source, [R] commonly quoted, NOT confirmed
# from the standard's text: check the purchased standard before claiming "per ISO 14801".
name = "{name}"
description = "ISO 14801 set-up: clamped {embed} mm plane, load 30 deg off axis through the cap centre, R = 0.1, 5e6 cycles"
units = {{ length = "mm", stress = "MPa" }}   # forces in N

[mesh]
file = "{file}"

{materials}# Clamped below the clamping plane z = {embed} mm, 3.0 +- 0.5 mm below the nominal bone level [R]
# (a rigid clamp: every node below the plane is fixed).
[[support]]
name = "clamp"
kind = "fixed"
select = {{ below = {{ point = [0.0, 0.0, {embed}], normal = [0.0, 0.0, 1.0] }} }}

# F_max through the centre of the hemispherical loading cap, 11 mm above the clamping plane [R],
# 30 +- 2 deg off the implant axis [R] (lever 11 sin 30 = 5.5 mm), carried onto the abutment top
# by a distributing coupling. The test level is the user's (the standard searches the endurance load).
[[load]]
name = "cap_load"
kind = "remote_force"
surface = "{surface}"
point = [{px}, {py}, {pz}]
value = {f_max}
angles = {{ frontal = 30.0 }}

[solver]
backend = "cpu"
method = "direct"

[fatigue]
design_life = 5e6            # run-out for f > 2 Hz [V2]
criterion = "signed_von_mises"
mean_stress = "goodman"      # implant practice [R]

[fatigue.cycle]
r = 0.1                      # F_min / F_max, typical [R]
"#,
        materials = materials(regions, "ti6al4v_eli"),
        px = point[0],
        py = point[1],
        pz = point[2],
    )
}

fn iso7206(u: &Setup<'_>) -> String {
    let Setup { name, file, surface, point, embed, regions, f_max } = *u;
    format!(
        r#"# ISO 7206-4 (2010, Amd 2016) fatigue test of the stem region of a femoral stem (organ-twin template).
# Tags: [V] read in a primary source, [V2] secondary source, [R] commonly quoted, NOT confirmed
# from the standard's text: check the purchased standard before claiming "per ISO 7206-4".
name = "{name}"
description = "ISO 7206-4 set-up: embedded below z = {embed} mm, head load 2300/300 N at alpha 10, beta 9 deg, 5e6 cycles"
units = {{ length = "mm", stress = "MPa" }}   # forces in N

[mesh]
file = "{file}"

{materials}# Embedded ~80 mm below the head centre for 120 < CT <= 250 mm [R] (ASTM F2996 fixes the stem
# 90 mm below it [V]); the embedding is rigid here (the standard's media have E 2000-6000 MPa [V]).
[[support]]
name = "embedding"
kind = "fixed"
select = {{ below = {{ point = [0.0, 0.0, {embed}], normal = [0.0, 0.0, 1.0] }} }}

# F_max 2300 N on the head [V2], at adduction alpha = 10 deg and flexion beta = 9 deg [R], through the
# head centre and carried onto the neck by a distributing coupling. The load line leans towards the
# head's side (-x), so its lever arm about the stem grows towards the embedding (the stem's worst
# case); flip the signs of the angles for the other convention.
[[load]]
name = "head_load"
kind = "remote_force"
surface = "{surface}"
point = [{px}, {py}, {pz}]
value = {f_max}
angles = {{ frontal = -10.0, sagittal = 9.0 }}

[solver]
backend = "cpu"
method = "direct"

[fatigue]
design_life = 5e6            # run-out, at least 6 stems tested [V2]
criterion = "signed_von_mises"
mean_stress = "goodman"      # implant practice [R]

[fatigue.cycle]
r = {r:.6}               # F_min / F_max = 300 / 2300 [V2]
"#,
        materials = materials(regions, "cocrmo_wrought"),
        px = point[0],
        py = point[1],
        pz = point[2],
        r = 300.0 / 2300.0,
    )
}
