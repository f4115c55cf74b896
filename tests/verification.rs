//! Verification: the linear-elastic solver against analytic solutions, convergence rates, and
//! its own oracles (serial assembly, direct solve). Reference values live in
//! `tests/verification/reference.json`.

#[path = "verification/common.rs"]
mod common;

#[path = "verification/patch.rs"]
mod patch;

#[path = "verification/cantilever.rs"]
mod cantilever;

#[path = "verification/lame.rs"]
mod lame;

#[path = "verification/oracles.rs"]
mod oracles;

#[path = "verification/scenarios.rs"]
mod scenarios;
