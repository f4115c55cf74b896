//! Readers, writers, round trips, validation errors and parser robustness, on fixtures written by
//! the real tools (`tests/fixtures/make_fixtures.py`: gmsh, VTK, TetGen).

#[path = "io/campaign.rs"]
mod campaign;
#[path = "io/common.rs"]
mod common;
#[path = "io/hostile.rs"]
mod hostile;
#[path = "io/malformed.rs"]
mod malformed;
#[path = "io/properties.rs"]
mod properties;
#[path = "io/readers.rs"]
mod readers;
#[path = "io/roundtrip.rs"]
mod roundtrip;
#[path = "io/staging.rs"]
mod staging;
