//! Fuzz target: the TetGen reader. The input is split at the first two 0xFF bytes into the
//! .node, .ele and .face files.
#![no_main]

use libfuzzer_sys::fuzz_target;
use organ_twin::io::{parse_tetgen, validate, Format};
use organ_twin::mesh::BuildOptions;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(3, |&b| b == 0xff);
    let node = parts.next().unwrap_or(&[]);
    let ele = parts.next().unwrap_or(&[]);
    let face = parts.next();
    if let Ok(raw) = parse_tetgen((node, "fuzz.node"), (ele, "fuzz.ele"), face.map(|f| (f, "fuzz.face"))) {
        let _ = validate(raw, Format::TetGen, "fuzz.ele", &BuildOptions::default());
    }
});
