//! Pictures and plots: rendered images checked pixel by pixel against the colour map (no golden
//! images), the `organ-twin render` command, and the plots' PNG and SVG output.
//!
//! The rendering tests run on any wgpu adapter (lavapipe in CI); under `CI=true` a missing
//! adapter fails them instead of skipping.

#[path = "render/common.rs"]
mod common;

#[path = "render/pixels.rs"]
mod pixels;

#[path = "render/cli.rs"]
mod cli;

#[path = "render/plots.rs"]
mod plots;
