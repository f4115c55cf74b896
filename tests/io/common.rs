//! Fixture helpers shared by the I/O tests.

use std::collections::BTreeSet;
use std::path::PathBuf;

use organ_twin::io::{self, Imported};
use organ_twin::mesh::{BuildOptions, Mesh};

/// Path of a fixture.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// Reads a fixture that must be valid.
pub fn read(name: &str) -> Imported {
    io::read_mesh(&fixture(name), &BuildOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The faces of a surface as sorted vertex-node triples (comparable across files).
pub fn face_set(m: &Mesh, surface: &str) -> BTreeSet<[usize; 3]> {
    let s = m.surface(surface).unwrap_or_else(|| panic!("surface {surface} missing"));
    s.faces
        .iter()
        .map(|&f| {
            let n = m.face_nodes(f);
            let mut k = [n[0], n[1], n[2]];
            k.sort_unstable();
            k
        })
        .collect()
}

/// Number of cells in region `id`.
pub fn region_cells(m: &Mesh, id: i32) -> usize {
    m.cell_regions().iter().filter(|&&r| r == id).count()
}

/// Region id by name.
pub fn region_id(m: &Mesh, name: &str) -> i32 {
    m.regions().iter().find(|r| r.name.as_deref() == Some(name)).unwrap_or_else(|| panic!("region {name} missing")).id
}
