//! Mesh import, generation and export benchmarks (criterion).
//!
//! Run with `cargo bench --bench mesh_io`. Parsing reports bytes/s of the input file (what a
//! user waits for when loading a patient mesh); generation reports cells/s.

use std::hint::black_box;

use criterion::{criterion_main, Criterion, Throughput};
use organ_twin::io::{self, Format};
use organ_twin::mesh::generate::{self, LvParams};
use organ_twin::mesh::BuildOptions;

/// Parsing and validating the same medium LV mesh written in each format.
fn parse(c: &mut Criterion) {
    let mesh = generate::lv(&LvParams { subdivisions: 16, ..LvParams::default() }).expect("valid LV");
    let mut msh = Vec::new();
    io::write_msh41(&mesh, &mut msh).expect("in-memory write");
    let mut vtu = Vec::new();
    io::write_vtu(&mesh, &mut vtu).expect("in-memory write");
    let mut group = c.benchmark_group("parse+validate lv_medium");
    for (name, bytes, format) in [("msh41_ascii", &msh, Format::Gmsh), ("vtu_base64", &vtu, Format::Vtu)] {
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| io::parse_mesh(black_box(bytes), format, "bench", &BuildOptions::default()).expect("valid"))
        });
    }
    group.finish();
}

/// Generating the LV at growing resolution (Tet4), cells per second.
fn generate_lv(c: &mut Criterion) {
    let mut group = c.benchmark_group("generate lv");
    for n in [8usize, 16, 32] {
        let p = LvParams { subdivisions: n, ..LvParams::default() };
        let cells = generate::lv(&p).expect("valid LV").cell_count();
        group.throughput(Throughput::Elements(cells as u64));
        group.bench_function(format!("subdivisions {n}"), |b| b.iter(|| generate::lv(black_box(&p)).expect("valid")));
    }
    group.finish();
}

/// Writing MSH 4.1 ASCII, bytes per second of output.
fn write(c: &mut Criterion) {
    let mesh = generate::lv(&LvParams { subdivisions: 16, ..LvParams::default() }).expect("valid LV");
    let mut out = Vec::new();
    io::write_msh41(&mesh, &mut out).expect("in-memory write");
    let mut group = c.benchmark_group("write lv_medium");
    group.throughput(Throughput::Bytes(out.len() as u64));
    group.bench_function("msh41_ascii", |b| {
        b.iter(|| {
            let mut buf = Vec::with_capacity(out.len());
            io::write_msh41(black_box(&mesh), &mut buf).expect("in-memory write");
            buf
        })
    });
    group.finish();
}

// The macro generates an undocumented `benches` function.
#[allow(missing_docs, reason = "criterion_group! expands to an undocumented function")]
mod group {
    criterion::criterion_group!(benches, super::parse, super::generate_lv, super::write);
}

criterion_main!(group::benches);
