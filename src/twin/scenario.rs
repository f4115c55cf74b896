//! The scenario file (TOML): mesh, materials per region, supports, loads, solver and probes.
//!
//! The names below are the public format (README, "Scenario format"). Unknown keys are errors,
//! so a misspelt key never silently falls back to a default. Quantities are in the scenario's
//! `units` (default SI) and converted to SI once, by [`Units`].

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::analysis::{AnalysisKind, AnalysisSpec, CavitySpec, FibreSpec};
use super::fatigue_spec::FatigueSpec;
use super::ScenarioError;

/// A parsed scenario (values still in the scenario's units).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short name (used in reports).
    pub name: String,
    /// Free text.
    #[serde(default)]
    pub description: Option<String>,
    /// Units of every quantity in the file.
    #[serde(default)]
    pub units: Units,
    /// The mesh.
    pub mesh: MeshSpec,
    /// Materials, matched to cells by region.
    #[serde(rename = "material", default)]
    pub materials: Vec<MaterialSpec>,
    /// Supports (Dirichlet conditions).
    #[serde(rename = "support", default)]
    pub supports: Vec<SupportSpec>,
    /// Loads.
    #[serde(rename = "load", default)]
    pub loads: Vec<LoadSpec>,
    /// Solver settings.
    #[serde(default)]
    pub solver: SolverSpec,
    /// Points where the displacement is reported.
    #[serde(rename = "probe", default)]
    pub probes: Vec<ProbeSpec>,
    /// Analysis kind, load steps and Newton settings.
    #[serde(default)]
    pub analysis: AnalysisSpec,
    /// Where the fibre frame comes from (anisotropic laws).
    #[serde(rename = "fibers", default)]
    pub fibres: Option<FibreSpec>,
    /// Cavities whose volume is reported.
    #[serde(rename = "cavity", default)]
    pub cavities: Vec<CavitySpec>,
    /// A fatigue assessment of the load cases (static analyses).
    #[serde(default)]
    pub fatigue: Option<FatigueSpec>,
    /// The patient's measured end-diastolic state (`organ-twin calibrate`).
    #[serde(default)]
    pub patient: Option<super::calibrate::PatientSpec>,
    /// Time stepping, twitch and circulation of a heartbeat (`kind = "heartbeat"`).
    #[serde(default)]
    pub heartbeat: Option<super::heartbeat::spec::HeartbeatSpec>,
}

/// Length unit of the scenario (and of the mesh coordinates).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum LengthUnit {
    /// Metre.
    #[default]
    #[serde(rename = "m")]
    M,
    /// Centimetre.
    #[serde(rename = "cm")]
    Cm,
    /// Millimetre.
    #[serde(rename = "mm")]
    Mm,
    /// Micrometre.
    #[serde(rename = "um")]
    Um,
}

/// Stress unit of the scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum StressUnit {
    /// Pascal.
    #[default]
    #[serde(rename = "Pa")]
    Pa,
    /// Kilopascal.
    #[serde(rename = "kPa")]
    KPa,
    /// Megapascal (= N/mm²).
    #[serde(rename = "MPa")]
    MPa,
    /// Gigapascal.
    #[serde(rename = "GPa")]
    GPa,
    /// Millimetre of mercury (133.322 Pa).
    #[serde(rename = "mmHg")]
    MmHg,
}

/// The scenario's units. Forces are in `stress × length²` (N for mm and MPa), body forces in
/// `stress / length`, energies in `force × length`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Units {
    /// Length unit.
    #[serde(default)]
    pub length: LengthUnit,
    /// Stress unit.
    #[serde(default)]
    pub stress: StressUnit,
}

impl Units {
    /// Metres per length unit.
    pub fn length(&self) -> f64 {
        match self.length {
            LengthUnit::M => 1.0,
            LengthUnit::Cm => 1e-2,
            LengthUnit::Mm => 1e-3,
            LengthUnit::Um => 1e-6,
        }
    }

    /// Pascals per stress unit.
    pub fn stress(&self) -> f64 {
        match self.stress {
            StressUnit::Pa => 1.0,
            StressUnit::KPa => 1e3,
            StressUnit::MPa => 1e6,
            StressUnit::GPa => 1e9,
            StressUnit::MmHg => 133.322_387_415,
        }
    }

    /// Newtons per force unit.
    pub fn force(&self) -> f64 {
        self.stress() * self.length() * self.length()
    }

    /// Names of the units for reports: (length, stress, force, energy).
    pub fn names(&self) -> (String, String, String, String) {
        let l = match self.length {
            LengthUnit::M => "m",
            LengthUnit::Cm => "cm",
            LengthUnit::Mm => "mm",
            LengthUnit::Um => "um",
        };
        let s = match self.stress {
            StressUnit::Pa => "Pa",
            StressUnit::KPa => "kPa",
            StressUnit::MPa => "MPa",
            StressUnit::GPa => "GPa",
            StressUnit::MmHg => "mmHg",
        };
        let force = newtons(self.force()).unwrap_or_else(|| format!("{s}·{l}²"));
        let energy = format!("{force}·{l}");
        (l.into(), s.into(), force, energy)
    }
}

/// The SI name of a force unit of `factor` newtons when it is a power of 1000 from pN to GN
/// (kPa · mm² = mN); `None` otherwise (mmHg, cm).
fn newtons(factor: f64) -> Option<String> {
    let power = factor.log10().round() as i32;
    let exact = (factor / 10f64.powi(power) - 1.0).abs() < 1e-9;
    let prefix = match power {
        -12 => "p",
        -9 => "n",
        -6 => "µ",
        -3 => "m",
        0 => "",
        3 => "k",
        6 => "M",
        9 => "G",
        _ => return None,
    };
    exact.then(|| format!("{prefix}N"))
}

/// Where the mesh comes from.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeshSpec {
    /// Mesh file, relative to the scenario file.
    pub file: PathBuf,
    /// Re-orient inverted cells instead of rejecting the mesh.
    #[serde(default)]
    pub fix_orientation: bool,
}

/// A region by name or id, or every region.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum RegionRef {
    /// Region id.
    Id(i64),
    /// Region name, or `"all"`.
    Name(String),
}

impl std::fmt::Display for RegionRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RegionRef::Id(i) => write!(f, "{i}"),
            RegionRef::Name(n) => write!(f, "'{n}'"),
        }
    }
}

/// Constitutive model names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Model {
    /// Isotropic linear elasticity (St Venant–Kirchhoff in finite-strain analyses).
    LinearElastic,
    /// Nearly incompressible neo-Hookean.
    NeoHookean,
    /// Guccione's transversely isotropic myocardium law.
    Guccione,
    /// Holzapfel–Ogden (2009) orthotropic myocardium law.
    HolzapfelOgden,
}

impl Model {
    /// Name as in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            Model::LinearElastic => "linear_elastic",
            Model::NeoHookean => "neo_hookean",
            Model::Guccione => "guccione",
            Model::HolzapfelOgden => "holzapfel_ogden",
        }
    }
}

/// A material assigned to a region. Which parameters a model takes is checked by
/// [`MaterialSpec::check_keys`]; stiffnesses are in the stress unit, exponents dimensionless.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaterialSpec {
    /// Region name, id, or `"all"`.
    pub region: RegionRef,
    /// Constitutive model.
    pub model: Model,
    /// Young's modulus (`linear_elastic`).
    #[serde(default)]
    pub youngs_modulus: Option<f64>,
    /// Poisson's ratio (`linear_elastic`).
    #[serde(default)]
    pub poisson_ratio: Option<f64>,
    /// Shear modulus (`neo_hookean`).
    #[serde(default)]
    pub mu: Option<f64>,
    /// Bulk modulus of the split laws (default 1000 × their shear-like stiffness).
    #[serde(default)]
    pub bulk_modulus: Option<f64>,
    /// Guccione `C`.
    #[serde(default)]
    pub c: Option<f64>,
    /// Guccione `b_f`.
    #[serde(default)]
    pub bf: Option<f64>,
    /// Guccione `b_t`.
    #[serde(default)]
    pub bt: Option<f64>,
    /// Guccione `b_fs`.
    #[serde(default)]
    pub bfs: Option<f64>,
    /// Holzapfel–Ogden `a`.
    #[serde(default)]
    pub a: Option<f64>,
    /// Holzapfel–Ogden `b`.
    #[serde(default)]
    pub b: Option<f64>,
    /// Holzapfel–Ogden `a_f`.
    #[serde(default)]
    pub a_f: Option<f64>,
    /// Holzapfel–Ogden `b_f`.
    #[serde(default)]
    pub b_f: Option<f64>,
    /// Holzapfel–Ogden `a_s`.
    #[serde(default)]
    pub a_s: Option<f64>,
    /// Holzapfel–Ogden `b_s`.
    #[serde(default)]
    pub b_s: Option<f64>,
    /// Holzapfel–Ogden `a_fs`.
    #[serde(default)]
    pub a_fs: Option<f64>,
    /// Holzapfel–Ogden `b_fs`.
    #[serde(default)]
    pub b_fs: Option<f64>,
    /// A built-in material (`ti6al4v_eli`, …, see [`crate::fatigue::library`]): its elastic
    /// constants fill `youngs_modulus` and `poisson_ratio` where not given, and its strengths and
    /// S-N data serve the fatigue assessment.
    #[serde(default)]
    pub library: Option<String>,
}

/// A coordinate axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Axis {
    /// x.
    X,
    /// y.
    Y,
    /// z.
    Z,
}

impl Axis {
    /// 0, 1 or 2.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A geometric node selector (for meshes without tags). Exactly one of `plane`, `box`, `point`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Selector {
    /// Nodes on the plane `axis = at`.
    #[serde(default)]
    pub plane: Option<Axis>,
    /// Plane position.
    #[serde(default)]
    pub at: Option<f64>,
    /// Distance tolerance (default 1e-6 of the mesh size for planes and boxes; for a point, the
    /// nearest node only).
    #[serde(default)]
    pub tol: Option<f64>,
    /// Nodes inside the box `[[x0, y0, z0], [x1, y1, z1]]` (inclusive).
    #[serde(default, rename = "box")]
    pub bbox: Option<[[f64; 3]; 2]>,
    /// The node nearest to this point (or all nodes within `tol` of it).
    #[serde(default)]
    pub point: Option<[f64; 3]>,
    /// Nodes in the half-space below a plane: `(x − point) · n̂ ≤ tol` (an implant's embedded
    /// part under its embedding plane).
    #[serde(default)]
    pub below: Option<HalfSpace>,
}

/// A half-space `(x − point) · n̂ ≤ 0`, `n̂` the unit `normal` (pointing out of the half-space).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HalfSpace {
    /// A point of the bounding plane.
    pub point: [f64; 3],
    /// The plane's normal, pointing away from the selected side (need not be unit).
    pub normal: [f64; 3],
}

/// What a support or load acts on: exactly one of a named surface, a named node set, or a
/// geometric selector. The three keys are repeated in [`SupportSpec`] and [`LoadSpec`] rather
/// than flattened from one struct, because serde's `flatten` disables `deny_unknown_fields`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Target<'a> {
    /// Named surface of the mesh.
    pub surface: Option<&'a str>,
    /// Named node set of the mesh.
    pub node_set: Option<&'a str>,
    /// Geometric selector.
    pub select: Option<&'a Selector>,
}

/// Support kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SupportKind {
    /// All three components zero.
    Fixed,
    /// Prescribed components (`value`, optionally only `components`).
    Displacement,
    /// Zero normal component on an axis-aligned plane (roller).
    Symmetry,
    /// Zero normal component on a plane surface normal to x, y or z, free to slide in the plane;
    /// the in-plane rigid motions nothing else removes are removed by the fewest pins, chosen
    /// automatically and listed in the summary.
    Sliding,
    /// Distributed springs on a surface (Robin condition): `normal_stiffness` and
    /// `tangential_stiffness` per area (stress unit per length unit).
    Spring,
}

/// A support.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupportSpec {
    /// Name in the summary (default: the surface or node-set name, else `support<N>`).
    #[serde(default)]
    pub name: Option<String>,
    /// Kind.
    pub kind: SupportKind,
    /// Named surface.
    #[serde(default)]
    pub surface: Option<String>,
    /// Named node set.
    #[serde(default)]
    pub node_set: Option<String>,
    /// Geometric selector.
    #[serde(default)]
    pub select: Option<Selector>,
    /// Prescribed displacement (length unit), for `displacement`.
    #[serde(default)]
    pub value: Option<[f64; 3]>,
    /// Constrained components for `displacement` (default all three).
    #[serde(default)]
    pub components: Option<Vec<Axis>>,
    /// Plane normal for `symmetry` and `sliding` when it cannot be inferred from the faces or
    /// a `plane` selector.
    #[serde(default)]
    pub normal: Option<Axis>,
    /// Spring stiffness per area along the surface normal (stress unit / length unit), for
    /// `spring`.
    #[serde(default)]
    pub normal_stiffness: Option<f64>,
    /// Spring stiffness per area in the surface's plane (stress unit / length unit), for
    /// `spring`.
    #[serde(default)]
    pub tangential_stiffness: Option<f64>,
}

/// Load kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoadKind {
    /// Force per area (vector, stress unit) on a surface.
    Traction,
    /// Pressure (scalar, stress unit) on a surface, positive pushing into the body.
    Pressure,
    /// Resultant force (vector, force unit) spread uniformly over a surface's area, or equally
    /// over selected nodes.
    Force,
    /// Force (vector, force unit) added to every selected node.
    Nodal,
    /// Force per volume (vector, stress / length) over a region.
    Body,
    /// A force (and moment) at a point off the mesh, carried onto a surface by a distributing
    /// coupling ([`crate::fem::coupling`]): `point`, `value` (a force vector, or a magnitude with
    /// `angles`), optional `moment`.
    RemoteForce,
    /// Active fibre tension `T_a` (scalar, stress unit) over a region: `S_a = T_a f₀ ⊗ f₀`.
    ActiveTension,
}

/// A scalar or a 3-vector.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// A number.
    Scalar(f64),
    /// Three numbers.
    Vector([f64; 3]),
}

/// A load.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadSpec {
    /// Name in the summary (default `load<N>`).
    #[serde(default)]
    pub name: Option<String>,
    /// Kind.
    pub kind: LoadKind,
    /// Named surface.
    #[serde(default)]
    pub surface: Option<String>,
    /// Named node set.
    #[serde(default)]
    pub node_set: Option<String>,
    /// Geometric selector.
    #[serde(default)]
    pub select: Option<Selector>,
    /// Region for body loads and active tension (default all).
    #[serde(default)]
    pub region: Option<RegionRef>,
    /// Magnitude: scalar for pressure and active tension, vector otherwise.
    pub value: Value,
    /// A pressure that acts on the deformed surface (finite-strain analyses).
    #[serde(default)]
    pub follower: bool,
    /// `remote_force`: the point where the force acts (e.g. the centre of a hip head).
    #[serde(default)]
    pub point: Option<[f64; 3]>,
    /// `remote_force`: a moment at `point` (force unit × length unit).
    #[serde(default)]
    pub moment: Option<[f64; 3]>,
    /// `force` and `remote_force`: the direction by angles, with `value` the magnitude.
    #[serde(default)]
    pub angles: Option<LoadAngles>,
}

/// A load direction by the two projected angles test standards give (ISO 7206-4's α and β, ISO
/// 14801's 30°): the load line is `−z` (along the implant axis, towards the embedding) tilted by
/// `frontal` degrees towards `+x` in the x–z plane and by `sagittal` degrees towards `+y` in the
/// y–z plane, i.e. along `(tan frontal, tan sagittal, −1)`, normalised.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadAngles {
    /// Tilt in the x–z plane, degrees, in (−90, 90).
    #[serde(default)]
    pub frontal: f64,
    /// Tilt in the y–z plane, degrees, in (−90, 90).
    #[serde(default)]
    pub sagittal: f64,
}

impl LoadAngles {
    /// The unit direction.
    pub fn direction(&self) -> [f64; 3] {
        let d = [self.frontal.to_radians().tan(), self.sagittal.to_radians().tan(), -1.0];
        let n = (d[0] * d[0] + d[1] * d[1] + 1.0).sqrt();
        d.map(|c| c / n)
    }
}

impl LoadSpec {
    /// The force vector of a `force` or `remote_force` load: `value` as given, or magnitude ×
    /// the direction of `angles`.
    pub fn force_vector(&self) -> Option<[f64; 3]> {
        match (self.value, self.angles) {
            (Value::Vector(v), None) => Some(v),
            (Value::Scalar(m), Some(a)) => Some(a.direction().map(|c| c * m)),
            _ => None,
        }
    }
}

/// Backend choice in a scenario or on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum BackendChoice {
    /// CPU reference solvers.
    Cpu,
    /// GPU solver (wgpu).
    Gpu,
    /// GPU when a hardware adapter exists, else CPU.
    #[default]
    Auto,
}

/// Solver settings.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SolverSpec {
    /// Backend.
    #[serde(default)]
    pub backend: BackendChoice,
    /// Method (default `cg` for static analyses; `direct` for quasi-static ones on the CPU, `cg`
    /// on the GPU); see [`SolverSpec::method_for`].
    #[serde(default)]
    pub method: Option<crate::solve::Method>,
    /// Preconditioner.
    #[serde(default)]
    pub preconditioner: crate::solve::PreconditionerKind,
    /// Relative residual tolerance on `‖b − A x‖ / ‖b‖` (default [`crate::solve::DEFAULT_RTOL`],
    /// 1e-8); a residual above it at the attainable floor also converges.
    #[serde(default = "default_rtol")]
    pub rtol: f64,
    /// CG iteration limit.
    #[serde(default = "default_max_iterations")]
    pub max_iterations: usize,
    /// After a static solve, solve again on the CPU by the direct solver and compare
    /// ([`super::cross_check`]; also `organ-twin run --cross-check`).
    #[serde(default)]
    pub cross_check: bool,
}

fn default_rtol() -> f64 {
    crate::solve::DEFAULT_RTOL
}

fn default_max_iterations() -> usize {
    20_000
}

impl Default for SolverSpec {
    fn default() -> Self {
        SolverSpec {
            backend: BackendChoice::default(),
            method: None,
            preconditioner: Default::default(),
            rtol: default_rtol(),
            max_iterations: default_max_iterations(),
            cross_check: false,
        }
    }
}

impl SolverSpec {
    /// The method: as given, else CG for static analyses and for the GPU backend, and the
    /// sparse direct solver for quasi-static ones (their tangents, with a bulk modulus a thousand
    /// times the shear stiffness, are too ill-conditioned for block-Jacobi CG).
    pub fn method_for(&self, kind: AnalysisKind, backend: BackendChoice) -> crate::solve::Method {
        use crate::solve::Method;
        self.method.unwrap_or(match (kind, backend) {
            (AnalysisKind::QuasiStatic | AnalysisKind::Heartbeat, BackendChoice::Cpu | BackendChoice::Auto) => {
                Method::Direct
            }
            _ => Method::Cg,
        })
    }
}

/// A named point where the displacement is reported.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbeSpec {
    /// Name (key in the summary).
    pub name: String,
    /// Location in the undeformed mesh (length unit).
    pub point: [f64; 3],
}

impl SupportSpec {
    /// The target fields.
    pub fn target(&self) -> Target<'_> {
        Target { surface: self.surface.as_deref(), node_set: self.node_set.as_deref(), select: self.select.as_ref() }
    }
}

impl LoadSpec {
    /// The target fields.
    pub fn target(&self) -> Target<'_> {
        Target { surface: self.surface.as_deref(), node_set: self.node_set.as_deref(), select: self.select.as_ref() }
    }
}

impl Scenario {
    /// Parses scenario text; `source` names it in errors.
    pub fn parse(text: &str, source: &str) -> Result<Scenario, ScenarioError> {
        let mut scenario: Scenario = toml::from_str(text)
            .map_err(|e| ScenarioError::Syntax { source_name: source.into(), message: e.to_string() })?;
        scenario.fill_library(source)?;
        scenario.check(source)?;
        Ok(scenario)
    }

    /// Reads and parses a scenario file.
    pub fn read(path: &Path) -> Result<Scenario, ScenarioError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ScenarioError::Io { path: path.display().to_string(), source: e })?;
        Scenario::parse(&text, &path.display().to_string())
    }

    /// Checks of values that need no mesh: finite numbers, positive tolerances, one target each.
    /// Fills `youngs_modulus` and `poisson_ratio` of every `[[material]]` naming a `library`
    /// entry, where the scenario does not give them (converted to its stress unit).
    fn fill_library(&mut self, source: &str) -> Result<(), ScenarioError> {
        let stress = self.units.stress();
        for (i, m) in self.materials.iter_mut().enumerate() {
            let Some(name) = &m.library else { continue };
            let entry = crate::fatigue::Material::named(name).ok_or_else(|| ScenarioError::Invalid {
                source_name: source.into(),
                entry: format!("material[{}] (region {})", i + 1, m.region),
                message: format!(
                    "library = \"{name}\" is not a built-in material (library: {})",
                    crate::fatigue::library::NAMES.join(", ")
                ),
            })?;
            if m.model == Model::LinearElastic {
                m.youngs_modulus.get_or_insert(entry.youngs_modulus / stress);
                m.poisson_ratio.get_or_insert(entry.poisson_ratio);
            }
        }
        Ok(())
    }

    fn check(&self, source: &str) -> Result<(), ScenarioError> {
        let bad =
            |entry: String, message: String| Err(ScenarioError::Invalid { source_name: source.into(), entry, message });
        check_name(&self.name).or_else(|m| bad("name".into(), m))?;
        if self.materials.is_empty() {
            return bad("material".into(), "no [[material]] given; every region needs one".into());
        }
        for (i, m) in self.materials.iter().enumerate() {
            if let Err(e) = m.law(1.0) {
                return bad(format!("material[{}] (region {})", i + 1, m.region), e);
            }
        }
        let finite_strain = self.analysis_kind().finite_strain();
        let finite = |v: &[f64]| v.iter().all(|x| x.is_finite());
        for (i, s) in self.supports.iter().enumerate() {
            let entry = format!("support[{}]", i + 1);
            check_target(&s.target()).or_else(|m| bad(entry.clone(), m))?;
            match s.kind {
                SupportKind::Displacement if s.value.is_none() => {
                    return bad(entry, "kind = \"displacement\" needs value = [ux, uy, uz]".into())
                }
                SupportKind::Fixed | SupportKind::Symmetry | SupportKind::Sliding | SupportKind::Spring
                    if s.value.is_some() || s.components.is_some() =>
                {
                    return bad(entry, "value and components belong to kind = \"displacement\" only".into())
                }
                _ => {}
            }
            let springs = [("normal_stiffness", s.normal_stiffness), ("tangential_stiffness", s.tangential_stiffness)];
            if s.kind == SupportKind::Spring {
                for (key, v) in springs {
                    if v.is_some_and(|v| !(v.is_finite() && v >= 0.0)) {
                        return bad(entry, format!("{key} must be a finite number >= 0 (stress unit per length unit)"));
                    }
                }
                if springs.iter().all(|(_, v)| v.is_none_or(|v| v == 0.0)) {
                    return bad(
                        entry,
                        "kind = \"spring\" needs normal_stiffness and/or tangential_stiffness > 0 (stress unit per \
                         length unit)"
                            .into(),
                    );
                }
                if s.surface.is_none() && s.select.is_none() {
                    return bad(
                        entry,
                        "kind = \"spring\" acts on faces: give surface = \"...\" or a plane selector".into(),
                    );
                }
            } else if let Some((key, _)) = springs.iter().find(|(_, v)| v.is_some()) {
                return bad(entry, format!("{key} belongs to kind = \"spring\" only"));
            }
            if s.value.is_some_and(|v| !finite(&v)) {
                return bad(entry, "value must be finite numbers".into());
            }
        }
        for (i, l) in self.loads.iter().enumerate() {
            let entry = format!("load[{}]", i + 1);
            if l.follower && l.kind != LoadKind::Pressure {
                return bad(entry, "follower = true belongs to kind = \"pressure\" only".into());
            }
            if let Some(m) = check_remote(l, finite_strain) {
                return bad(entry, m);
            }
            if !finite_strain && (l.follower || l.kind == LoadKind::ActiveTension) {
                return bad(
                    entry,
                    "follower pressures and active tension need a finite-strain analysis: [analysis] kind = \"quasi_static\""
                        .into(),
                );
            }
            if matches!(l.kind, LoadKind::Body | LoadKind::ActiveTension) {
                if l.surface.is_some() || l.node_set.is_some() || l.select.is_some() {
                    return bad(
                        entry,
                        "a body load or active tension acts on a region (region = ...), not on a surface or selection"
                            .into(),
                    );
                }
            } else {
                check_target(&l.target()).or_else(|m| bad(entry.clone(), m))?;
                if l.region.is_some() {
                    return bad(entry, "region belongs to kind = \"body\" and \"active_tension\" only".into());
                }
            }
            match (l.kind, l.value) {
                (LoadKind::Pressure, Value::Vector(_)) => {
                    return bad(entry, "a pressure is a number (positive pushes into the body)".into())
                }
                (LoadKind::ActiveTension, Value::Vector(_)) => {
                    return bad(entry, "an active tension is a number (stress unit, along the fibres)".into())
                }
                (LoadKind::Pressure | LoadKind::ActiveTension, Value::Scalar(_)) => {}
                (LoadKind::Force | LoadKind::RemoteForce, Value::Scalar(_)) if l.angles.is_some() => {}
                (_, Value::Scalar(_)) => return bad(entry, "this load needs a vector value = [x, y, z]".into()),
                _ => {}
            }
            let v = match l.value {
                Value::Scalar(s) => vec![s],
                Value::Vector(v) => v.to_vec(),
            };
            if !finite(&v) {
                return bad(entry, "value must be finite numbers".into());
            }
        }
        if !(self.solver.rtol >= 1e-15 && self.solver.rtol < 1.0) {
            return bad(
                "solver".into(),
                format!(
                    "rtol = {:e} must lie in [1e-15, 1): a relative residual below about 1e-15 is beneath f64 \
                     round-off (2.2e-16 per operation) and no solver reaches it; 1e-8 to 1e-10 suits engineering \
                     accuracy",
                    self.solver.rtol
                ),
            );
        }
        if self.solver.max_iterations == 0 {
            return bad("solver".into(), "max_iterations must be at least 1".into());
        }
        for (i, p) in self.probes.iter().enumerate() {
            if !finite(&p.point) {
                return bad(format!("probe[{}] '{}'", i + 1, p.name), "point must be finite numbers".into());
            }
            if self.probes[..i].iter().any(|q| q.name == p.name) {
                return bad(format!("probe[{}]", i + 1), format!("the name '{}' is used twice", p.name));
            }
        }
        if let Some(f) = &self.fatigue {
            if finite_strain {
                return bad(
                    "fatigue".into(),
                    "a fatigue assessment superposes linear-elastic load cases: it needs [analysis] kind = \"static\" \
                     and linear_elastic materials"
                        .into(),
                );
            }
            let names: Vec<String> = (0..self.loads.len()).map(|i| self.load_name(i)).collect();
            f.check(&names).map_err(|(entry, message)| ScenarioError::Invalid {
                source_name: source.into(),
                entry,
                message,
            })?;
        }
        super::steps::check(self).map_err(|(entry, message)| ScenarioError::Invalid {
            source_name: source.into(),
            entry,
            message,
        })?;
        match (&self.heartbeat, self.analysis_kind()) {
            (Some(h), AnalysisKind::Heartbeat) => h.check().map_err(|(entry, message)| ScenarioError::Invalid {
                source_name: source.into(),
                entry,
                message,
            })?,
            (None, AnalysisKind::Heartbeat) => {
                return bad(
                    "analysis".into(),
                    "kind = \"heartbeat\" needs a [heartbeat] table (period, dt, pressure_unit, [heartbeat.twitch], \
                     [heartbeat.circulation])"
                        .into(),
                )
            }
            (Some(_), _) => {
                return bad(
                    "heartbeat".into(),
                    "the [heartbeat] table belongs to [analysis] kind = \"heartbeat\"".into(),
                )
            }
            (None, _) => {}
        }
        Ok(())
    }

    /// The analysis kind: as given, else `static` when every material is `linear_elastic` and
    /// `quasi_static` otherwise.
    pub fn analysis_kind(&self) -> AnalysisKind {
        self.analysis.kind.unwrap_or(if self.materials.iter().all(|m| m.model == Model::LinearElastic) {
            AnalysisKind::Static
        } else {
            AnalysisKind::QuasiStatic
        })
    }

    /// The name of load `i` (0-based): its `name`, else `load<i+1>`.
    pub fn load_name(&self, i: usize) -> String {
        self.loads[i].name.clone().unwrap_or(format!("load{}", i + 1))
    }
}

/// The keys of `remote_force` and load angles: where they belong and what they need.
fn check_remote(l: &LoadSpec, finite_strain: bool) -> Option<String> {
    let remote = l.kind == LoadKind::RemoteForce;
    if !remote && (l.point.is_some() || l.moment.is_some()) {
        return Some("point and moment belong to kind = \"remote_force\" only".into());
    }
    if l.angles.is_some() && !matches!(l.kind, LoadKind::Force | LoadKind::RemoteForce) {
        return Some("angles belong to kind = \"force\" and \"remote_force\" only".into());
    }
    if l.angles.is_some() && finite_strain {
        return Some("load angles are available on static analyses; give value = [fx, fy, fz]".into());
    }
    if let Some(a) = l.angles {
        if !(a.frontal.abs() < 90.0 && a.sagittal.abs() < 90.0) {
            return Some(format!(
                "angles = {{ frontal = {}, sagittal = {} }}: each tilt from the -z axis must lie strictly between -90 \
                 and 90 degrees",
                a.frontal, a.sagittal
            ));
        }
        if matches!(l.value, Value::Vector(_)) {
            return Some("with angles, value is the magnitude of the force (a number), not a vector".into());
        }
    }
    if !remote {
        return None;
    }
    if finite_strain {
        return Some(
            "kind = \"remote_force\" is available on static (linear-elastic) analyses; in a finite-strain analysis use \
             kind = \"force\" on the surface"
                .into(),
        );
    }
    match l.point {
        None => return Some("kind = \"remote_force\" needs point = [x, y, z], where the force acts".into()),
        Some(p) if !p.iter().all(|v| v.is_finite()) => return Some("point must be finite numbers".into()),
        _ => {}
    }
    if l.moment.is_some_and(|m| !m.iter().all(|v| v.is_finite())) {
        return Some("moment must be finite numbers".into());
    }
    if l.node_set.is_some() {
        return Some(
            "a remote force is carried onto faces: give surface = \"...\" or a selector that covers whole faces".into(),
        );
    }
    None
}

fn check_target(t: &Target<'_>) -> Result<(), String> {
    let given = [t.surface.is_some(), t.node_set.is_some(), t.select.is_some()].iter().filter(|b| **b).count();
    if given != 1 {
        return Err("give exactly one of surface = \"name\", node_set = \"name\" or select = { ... }".into());
    }
    if let Some(s) = t.select {
        let kinds =
            [s.plane.is_some(), s.bbox.is_some(), s.point.is_some(), s.below.is_some()].iter().filter(|b| **b).count();
        if kinds != 1 {
            return Err(
                "a selector needs exactly one of plane = \"x\" (with at = ...), box = [[...], [...]], point = \
                        [...] or below = { point = [...], normal = [...] }"
                    .into(),
            );
        }
        if let Some(h) = s.below {
            if !h.point.iter().chain(&h.normal).all(|v| v.is_finite()) {
                return Err("below = { point, normal } must be finite numbers".into());
            }
            if h.normal.iter().all(|v| *v == 0.0) {
                return Err("below = { normal = [0, 0, 0] }: the normal of the plane must not be zero".into());
            }
        }
        if s.plane.is_some() != s.at.is_some() {
            return Err("a plane selector needs both plane = \"x|y|z\" and at = <coordinate>".into());
        }
        if s.tol.is_some_and(|t| !(t >= 0.0 && t.is_finite())) {
            return Err("tol must be a finite number >= 0".into());
        }
        let finite = s.at.is_none_or(f64::is_finite)
            && s.bbox.is_none_or(|b| b.iter().flatten().all(|v| v.is_finite()))
            && s.point.is_none_or(|p| p.iter().all(|v| v.is_finite()));
        if !finite {
            return Err("selector coordinates must be finite numbers".into());
        }
        if let Some([a, b]) = s.bbox {
            if let Some(k) = (0..3).find(|&k| a[k] > b[k]) {
                return Err(format!(
                    "box = [{a:?}, {b:?}] is inverted along {} ({} > {}): give [[min x, min y, min z], [max x, max y, \
                     max z]]",
                    ["x", "y", "z"][k],
                    a[k],
                    b[k]
                ));
            }
        }
    }
    Ok(())
}

/// The scenario file's folder, against which the mesh path is resolved.
pub fn base_dir(path: &Path) -> PathBuf {
    path.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// The scenario name names the default output folder `out/<name>`: it must be one safe path
/// component, so that no name writes outside `out/` or straight into it.
fn check_name(name: &str) -> Result<(), String> {
    let problem = if name.trim().is_empty() {
        Some("is empty".to_string())
    } else if name == "." || name == ".." {
        Some("is a relative folder".to_string())
    } else if name.trim() != name {
        Some("starts or ends with white space".to_string())
    } else if let Some(c) =
        name.chars().find(|&c| c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|'))
    {
        Some(format!("holds {}", if c.is_control() { "a control character".to_string() } else { format!("'{c}'") }))
    } else if name.starts_with('.') {
        Some("starts with '.' (a hidden folder)".to_string())
    } else if name.len() > 200 {
        Some(format!("is {} bytes long (at most 200)", name.len()))
    } else {
        None
    };
    match problem {
        None => Ok(()),
        Some(p) => Err(format!(
            "the name {:?} {p}; it names the output folder out/<name>, so it must be a single file name \
             (letters, digits, '-', '_', '.', spaces), e.g. name = \"lv_twin\"",
            name.chars().take(60).collect::<String>()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Force units are SI names where the product is a power of 1000 of the newton, and a
    /// readable product otherwise (issue 11, item 22: no "mmHg*mm^2").
    #[test]
    fn force_units_have_readable_names() {
        let name = |length, stress| Units { length, stress }.names();
        assert_eq!(name(LengthUnit::Mm, StressUnit::MPa).2, "N");
        assert_eq!(name(LengthUnit::Mm, StressUnit::KPa).2, "mN");
        assert_eq!(name(LengthUnit::M, StressUnit::KPa).2, "kN");
        assert_eq!(name(LengthUnit::Um, StressUnit::KPa).2, "nN");
        assert_eq!(name(LengthUnit::Mm, StressUnit::MmHg).2, "mmHg·mm²");
        assert_eq!(name(LengthUnit::Mm, StressUnit::MmHg).3, "mmHg·mm²·mm");
        assert_eq!(name(LengthUnit::Mm, StressUnit::MPa).3, "N·mm");
    }
}
