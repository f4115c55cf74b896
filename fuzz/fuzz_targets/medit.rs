//! Fuzz target: the Medit reader and mesh validation must return, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use organ_twin::io::{parse_mesh, Format};
use organ_twin::mesh::BuildOptions;

fuzz_target!(|data: &[u8]| {
    let _ = parse_mesh(data, Format::Medit, "fuzz", &BuildOptions::default());
});
