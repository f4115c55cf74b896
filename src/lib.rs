//! organ-twin: a finite-element digital twin of organs and implants.
//!
//! The data flows one way, and the modules say so:
//!
//! ```text
//! mesh file ─► io ─► mesh ─► fem ─► solve (cpu | gpu) ─► twin ─► report / VTU
//! ```
//!
//! | module | what it holds |
//! | --- | --- |
//! | [`io`] | readers (Gmsh 2.2/4.1, VTK/VTU, Abaqus, Medit, TetGen) and writers (VTU, VTK, Gmsh 4.1); parsing from bytes, atomic writes |
//! | [`mesh`] | the validated [`mesh::Mesh`], its validation, geometry, statistics and procedural generators |
//! | [`fatigue`] | stress-life fatigue of superposed load cases: S-N curves, mean-stress corrections, rainflow, Miner, Findley, material library |
//! | [`render`] | offscreen pictures of a mesh coloured by a field (wgpu), with colour bar and labels |
//! | [`plot`] | line, scatter and histogram plots as PNG and SVG (plotters) |
//! | [`report`] | `report.html`: self-contained run reports, one section per analysis |
//! | [`cli`] | the `organ-twin` command line |
//!
//! Lower layers never import higher ones: `mesh` knows nothing of files or physics.

pub mod cli;
pub mod fatigue;
pub mod fem;
pub mod gpu;
pub mod io;
pub mod mesh;
pub mod plot;
pub mod progress;
pub mod render;
pub mod report;
pub mod solve;
pub mod twin;
