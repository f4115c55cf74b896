//! Mesh import, generation and export benchmarks (criterion).
//!
//! Run with `cargo bench --bench mesh_io`. Parsing reports bytes/s of the input file (what a
//! user waits for when loading a patient mesh); generation reports cells/s.

use std::hint::black_box;

use criterion::{criterion_main, Criterion, Throughput};
use organ_twin::io::{self, Format, VtuCompression, VtuOptions};
use organ_twin::mesh::generate::{self, LvParams};
use organ_twin::mesh::{BuildOptions, Field};

/// Parsing and validating the same medium LV mesh written in each format, and MSH 4.1 split into
/// parsing (the streaming reader) and validation (`RawMesh::build`).
fn parse(c: &mut Criterion) {
    let mesh = generate::lv(&LvParams { subdivisions: 16, ..LvParams::default() }).expect("valid LV");
    let mut msh = Vec::new();
    io::write_msh41(&mesh, &mut msh).expect("in-memory write");
    let mut vtu = Vec::new();
    io::write_vtu(&mesh, &mut vtu).expect("in-memory write");
    let zlib = VtuOptions { compression: VtuCompression::Zlib, sets: true };
    let mut vtu_zlib = Vec::new();
    io::write_vtu_with_options(&mesh, &[], &[], &zlib, &mut vtu_zlib).expect("in-memory write");
    let mut group = c.benchmark_group("parse+validate lv_medium");
    for (name, bytes, format) in
        [("msh41_ascii", &msh, Format::Gmsh), ("vtu_raw", &vtu, Format::Vtu), ("vtu_zlib", &vtu_zlib, Format::Vtu)]
    {
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| io::parse_mesh(black_box(bytes), format, "bench", &BuildOptions::default()).expect("valid"))
        });
    }
    group.throughput(Throughput::Bytes(msh.len() as u64));
    group.bench_function("msh41_ascii parse only", |b| {
        b.iter(|| io::parse_raw(black_box(&msh), Format::Gmsh, "bench").expect("valid"))
    });
    let raw = io::parse_raw(&msh, Format::Gmsh, "bench").expect("valid");
    group.bench_function("msh41_ascii validate only", |b| {
        b.iter(|| io::validate(black_box(raw.clone()), Format::Gmsh, "bench", &BuildOptions::default()).expect("valid"))
    });
    group.finish();
}

/// Reading a large mesh from disk as a user does (`read_mesh`: MSH 4.1 ASCII streamed, then
/// validated): the 10 × 1 × 1 beam of issue 11 at 100 × 41 × 41 divisions, 1,008,600 Tet4 and
/// 42.8 MB of MSH. Bytes per second of the file.
fn read_large(c: &mut Criterion) {
    use organ_twin::mesh::generate::{beam, BeamParams, Order};
    let mesh = beam(&BeamParams { size: [10.0, 1.0, 1.0], divisions: [100, 41, 41], order: Order::Linear })
        .expect("valid beam");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("beam.msh");
    io::write_mesh(&mesh, &path).expect("write the beam");
    let bytes = std::fs::read(&path).expect("read back");
    let mut group = c.benchmark_group("read beam_1m");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("msh41_ascii read_mesh (streamed + validated)", |b| {
        b.iter(|| io::read_mesh(black_box(&path), &BuildOptions::default()).expect("valid"))
    });
    group.bench_function("msh41_ascii parse only (in memory)", |b| {
        b.iter(|| io::parse_raw(black_box(&bytes), Format::Gmsh, "bench").expect("valid"))
    });
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

/// Writing MSH 4.1 ASCII, and a result VTU (the fields of a static run: 10 values per node, 16
/// per cell) raw and zlib-compressed; bytes per second of output.
fn write(c: &mut Criterion) {
    let mesh = generate::lv(&LvParams { subdivisions: 16, ..LvParams::default() }).expect("valid LV");
    let (nodes, cells) = (mesh.nodes().len(), mesh.cell_count());
    let field = |name: &str, components: usize, count: usize| Field {
        name: name.into(),
        components,
        values: (0..components * count).map(|i| (i as f64 * 0.37).sin()).collect(),
    };
    let point = [field("displacement", 3, nodes), field("stress", 6, nodes), field("von_mises", 1, nodes)];
    let cell = [field("stress", 6, cells), field("strain", 6, cells), field("von_mises", 1, cells)];
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
    for (name, compression) in [("result vtu_raw", VtuCompression::None), ("result vtu_zlib", VtuCompression::Zlib)] {
        let options = VtuOptions { compression, sets: false };
        let mut sized = Vec::new();
        io::write_vtu_with_options(&mesh, &point, &cell, &options, &mut sized).expect("in-memory write");
        group.throughput(Throughput::Bytes(sized.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut buf = Vec::with_capacity(sized.len());
                io::write_vtu_with_options(black_box(&mesh), &point, &cell, &options, &mut buf).expect("write");
                buf
            })
        });
    }
    group.finish();
}

// The macro generates an undocumented `benches` function.
#[allow(missing_docs, reason = "criterion_group! expands to an undocumented function")]
mod group {
    criterion::criterion_group!(benches, super::parse, super::read_large, super::generate_lv, super::write);
}

criterion_main!(group::benches);
