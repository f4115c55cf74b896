//! Procedural meshes against analytic geometry (reference values in `tests/mesh/reference.json`,
//! written by `tests/mesh/make_reference.py`).

#[path = "mesh/generated.rs"]
mod generated;
