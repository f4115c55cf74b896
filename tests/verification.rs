//! Verification: the linear-elastic solver against analytic solutions, convergence rates, and
//! its own oracles (serial assembly, direct solve). Reference values live in
//! `tests/verification/reference.json`.
//!
//! The physics tests run on the CPU and, where an adapter exists (lavapipe in CI), on the GPU;
//! `gpu_kernels` and `gpu_solver` check the WGSL kernels and the GPU solver against their CPU
//! twins and references. Under `CI=true` a missing adapter fails them instead of skipping.

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

#[path = "verification/finite_strain.rs"]
mod finite_strain;

#[path = "verification/supports.rs"]
mod supports;

#[path = "verification/trust.rs"]
mod trust;

#[path = "verification/fatigue_twin.rs"]
mod fatigue_twin;

#[path = "verification/converge.rs"]
mod converge;

#[path = "verification/gpu_kernels.rs"]
mod gpu_kernels;

#[path = "verification/gpu_solver.rs"]
mod gpu_solver;

#[path = "verification/cross_check.rs"]
mod cross_check;

#[path = "verification/amg.rs"]
mod amg;

#[path = "verification/fatigue.rs"]
mod fatigue;

#[path = "verification/fatigue_inputs.rs"]
mod fatigue_inputs;
#[path = "verification/patient.rs"]
mod patient;

#[path = "verification/heartbeat.rs"]
mod heartbeat;

#[path = "verification/verdict.rs"]
mod verdict;
