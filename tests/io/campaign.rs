//! The malformed-input campaign of issue 11, re-runnable: every bundled fixture is mutated with a
//! seeded generator (truncations, byte flips, huge numbers written into numeric fields, inserted
//! garbage, duplicated and deleted ranges) and read again. It asserts that
//!
//! - no reader panics (a panic fails the test) and every error has a message naming the file;
//! - every read is bounded: no single parse takes longer than [`SLOW`], and on Linux the process's
//!   peak virtual memory grows by less than [`MEMORY`] over the campaign (an allocation sized
//!   from a corrupt header would show here before it could abort the process);
//! - nothing is dropped silently: a mutated file that still reads either gives the original mesh
//!   or a mesh of consistent sizes that keeps every region array, field and surface face (for
//!   the formats that declare their counts, also every node and cell).
//!
//! `CAMPAIGN_CASES=n` sets the mutations per fixture (default 150, about 10 s in release);
//! `CAMPAIGN_SEED=s` changes the seed. A failure prints the fixture, the seed and the case.

use std::time::{Duration, Instant};

use organ_twin::io::{self, Format};
use organ_twin::mesh::{BuildOptions, Mesh};

use super::common::fixture;

/// Slowest acceptable single parse of a mutated fixture.
const SLOW: Duration = Duration::from_secs(3);
/// Largest acceptable growth of peak virtual memory over the campaign.
const MEMORY: u64 = 2 << 30;

const FIXTURES: [&str; 19] = [
    "block_tet4.msh",
    "block_tet4_bin.msh",
    "block_tet10_bin.msh",
    "block_tet4_v22.msh",
    "block_tet10.msh",
    "tet10_single.msh",
    "implant_tet4_v22.msh",
    "block_tet4.vtk",
    "block_tet10.vtk",
    "block_tet4_ascii.vtu",
    "block_tet4_inline.vtu",
    "block_tet4_appended.vtu",
    "block_tet4_zlib.vtu",
    "block_tet10_zlib.vtu",
    "block_tet4.inp",
    "block_tet10.inp",
    "block_tet4.mesh",
    "block_tetgen.node",
    "block_tetgen.face",
];

/// Numbers written over numeric fields.
const HUGE: [&str; 8] =
    ["2147483647", "4294967295", "18446744073709551615", "99999999999999999999", "1e9", "1e308", "-1", "0"];

/// xorshift64*: small, seeded, reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One mutation of `data`, described for the failure message.
fn mutate(data: &mut Vec<u8>, rng: &mut Rng) -> String {
    let len = data.len();
    let at = rng.below(len);
    match rng.below(6) {
        0 => {
            data.truncate(at);
            format!("truncated at byte {at}")
        }
        1 => {
            let flips = 1 + rng.below(4);
            for _ in 0..flips {
                let i = rng.below(len);
                data[i] ^= 1 << rng.below(8);
            }
            format!("{flips} bit flips from byte {at}")
        }
        2 => {
            // Overwrite the digit run nearest `at` with a huge or odd number.
            let Some(start) = (at..len).find(|&i| data[i].is_ascii_digit()) else { return "no digits".into() };
            let end = (start..len).find(|&i| !data[i].is_ascii_digit()).unwrap_or(len);
            let n = HUGE[rng.below(HUGE.len())];
            data.splice(start..end, n.bytes());
            format!("number at byte {start} replaced by {n}")
        }
        3 => {
            let n = 1 + rng.below(64);
            let garbage: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
            data.splice(at..at, garbage);
            format!("{n} garbage bytes inserted at {at}")
        }
        4 => {
            let end = (at + 1 + rng.below(256)).min(len);
            data.drain(at..end);
            format!("bytes {at}..{end} deleted")
        }
        _ => {
            let end = (at + 1 + rng.below(256)).min(len);
            let copy = data[at..end].to_vec();
            data.splice(at..at, copy);
            format!("bytes {at}..{end} duplicated")
        }
    }
}

/// Whether a format's file declares its counts, so that losing records must be an error.
fn counted(name: &str) -> bool {
    !name.ends_with(".inp")
}

/// Reads one fixture (a TetGen part with the other parts of its set): the mesh and the number
/// of warnings.
fn read(name: &str, data: &[u8]) -> Result<(Mesh, usize), String> {
    let opts = BuildOptions::default();
    let result = if name.starts_with("block_tetgen") {
        let part = |ext: &str| -> Vec<u8> {
            let file = format!("block_tetgen.{ext}");
            if file == name {
                data.to_vec()
            } else {
                std::fs::read(fixture(&file)).unwrap()
            }
        };
        let (n, e, f) = (part("node"), part("ele"), part("face"));
        io::parse_tetgen((&n, name), (&e, name), Some((&f, name)))
            .and_then(|raw| io::validate(raw, Format::TetGen, name, &opts))
    } else {
        let format = Format::from_path(std::path::Path::new(name)).unwrap();
        io::parse_mesh(data, format, name, &opts)
    };
    match result {
        Ok(imported) => Ok((imported.mesh, imported.warnings.len())),
        Err(e) => Err(e.to_string()),
    }
}

/// What a mutated file may not lose without an error.
fn check_no_silent_drop(name: &str, original: &Mesh, mutated: &Mesh) -> Result<(), String> {
    if mutated == original {
        return Ok(());
    }
    let named = |m: &Mesh| m.regions().iter().filter(|r| r.name.is_some()).count();
    let faces = |m: &Mesh| m.surfaces().iter().map(|s| s.faces.len()).sum::<usize>();
    let fields = |m: &Mesh| {
        let mut f: Vec<(String, usize)> =
            m.cell_fields().iter().chain(m.node_fields()).map(|f| (f.name.clone(), f.components)).collect();
        f.sort();
        f
    };
    let regions_dropped = original.regions().len() > 1 && mutated.regions().len() == 1 && mutated.regions()[0].id == 0;
    if regions_dropped {
        return Err("every cell fell back to region 0".into());
    }
    if counted(name) {
        if mutated.cell_count() != original.cell_count() || mutated.nodes().len() != original.nodes().len() {
            return Err(format!(
                "{} cells and {} nodes instead of {} and {}",
                mutated.cell_count(),
                mutated.nodes().len(),
                original.cell_count(),
                original.nodes().len()
            ));
        }
        if faces(mutated) < faces(original) && mutated.surfaces().len() <= original.surfaces().len() {
            return Err(format!("{} surface faces instead of {}", faces(mutated), faces(original)));
        }
        if fields(mutated).len() != fields(original).len() {
            return Err(format!("fields {:?} instead of {:?}", fields(mutated), fields(original)));
        }
        if named(mutated) + 1 < named(original) {
            return Err(format!("{} named regions instead of {}", named(mutated), named(original)));
        }
    }
    Ok(())
}

#[cfg(target_os = "linux")]
fn peak_virtual_memory() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status.lines().find_map(|l| l.strip_prefix("VmPeak:")).and_then(|v| v.split_whitespace().next());
    kb.and_then(|v| v.parse::<u64>().ok()).unwrap_or(0) * 1024
}

#[cfg(not(target_os = "linux"))]
fn peak_virtual_memory() -> u64 {
    0
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[test]
fn mutated_fixtures_never_panic_hang_or_drop_data_silently() {
    let cases = env("CAMPAIGN_CASES", 1000);
    let seed = env("CAMPAIGN_SEED", 0x5eed_0011);
    let memory_before = peak_virtual_memory();
    let mut failures = Vec::new();
    let (mut accepted, mut total) = (0, 0);
    for (k, name) in FIXTURES.iter().enumerate() {
        let original_bytes = std::fs::read(fixture(name)).unwrap();
        let (original, original_warnings) = read(name, &original_bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut rng = Rng(seed ^ (k as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        for case in 0..cases {
            let mut data = original_bytes.clone();
            let mut what = Vec::new();
            for _ in 0..1 + rng.below(3) {
                if !data.is_empty() {
                    what.push(mutate(&mut data, &mut rng));
                }
            }
            let start = Instant::now();
            let result = read(name, &data);
            let took = start.elapsed();
            total += 1;
            let context = format!("{name} (seed {seed:#x}, case {case}: {})", what.join(", "));
            if took > SLOW {
                failures.push(format!("{context}: took {took:?}"));
            }
            match result {
                Err(e) if e.trim().is_empty() || !e.contains(name) => {
                    failures.push(format!("{context}: error without a message naming the file: {e:?}"))
                }
                Err(_) => {}
                // A new warning says what was skipped: not silent.
                Ok((_, warnings)) if warnings > original_warnings => accepted += 1,
                Ok((mesh, _)) => {
                    accepted += 1;
                    if let Err(drop) = check_no_silent_drop(name, &original, &mesh) {
                        failures.push(format!("{context}: silent drop: {drop}"));
                    }
                }
            }
        }
    }
    let grown = peak_virtual_memory().saturating_sub(memory_before);
    assert!(grown < MEMORY, "peak virtual memory grew by {} MiB during the campaign", grown >> 20);
    assert!(
        failures.is_empty(),
        "{} of {total} cases failed ({accepted} accepted):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
