//! Stress-life fatigue assessment of implants under superposed linear-elastic load cases.
//!
//! A pure library below `twin`: it sees unit-load-case stresses per evaluation point (Pa, Voigt
//! order `xx, yy, zz, xy, yz, xz`), never a mesh or a scenario.
//!
//! ```text
//! unit stresses σ_k ─► loading c(t) ─► equivalent stress / critical plane ─► cycles (rainflow)
//!                 ─► mean-stress correction ─► S-N curve ─► Miner damage, life, safety factor
//! ```
//!
//! | module | what it holds |
//! | --- | --- |
//! | [`sn`] | Basquin and table S-N curves, the endurance knee, Marin factors, the default rule |
//! | [`mean_stress`] | none, Goodman, Gerber, Soderberg, SWT, Walker: σ_ar and the safety factor |
//! | [`equivalent`] | signed von Mises, maximum absolute principal, closed-form principal stresses |
//! | [`findley`] | Findley's critical plane: the plane grid, refinement, constant and history forms |
//! | [`rainflow`] | ASTM E1049-85 rainflow counting |
//! | [`miner`] | Palmgren–Miner damage and the load factor for a target damage |
//! | [`library`] | built-in implant materials with sources |
//! | [`mod@assess`] | the per-point evaluation: [`fn@assess`] |
//! | [`gpu`] | the same for histories on the GPU (`shaders/fatigue.wgsl`), completed and checked in f64 |
//! | [`bone`] | principal-strain overload risk of bone |
//! | [`synthetic`] | the seeded synthetic model of the benchmarks and tests |
//! | [`error`] | [`FatigueError`] |

pub mod assess;
pub mod bone;
pub mod equivalent;
pub mod error;
pub mod findley;
pub mod gpu;
pub mod library;
pub mod mean_stress;
pub mod miner;
pub mod rainflow;
pub mod sn;
pub mod synthetic;

pub use assess::{assess, assess_point, assess_serial, Criterion, FatigueParams, Loading, PointFatigue};
pub use error::FatigueError;
pub use library::Material;
pub use mean_stress::MeanStress;
pub use sn::{Marin, SnCurve, SnData};
