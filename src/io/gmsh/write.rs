//! MSH 4.1 ASCII writer: one volume entity per region, one surface entity per named surface
//! (its faces written as triangles), one point entity per node set (a physical point group of
//! point elements, one per node), all nodes in one block, fields as `$NodeData` /
//! `$ElementData`. Node and element tags are dense (index + 1); cell `c` has element tag `c + 1`.

use std::collections::BTreeSet;
use std::io::Write;

use crate::mesh::cell::GMSH_TET10;
use crate::mesh::{CellType, Field, Mesh};

/// Shortest text that parses back to exactly `x`.
pub(crate) fn num(x: f64) -> String {
    let a = x.abs();
    if x == 0.0 || (1e-4..1e15).contains(&a) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

/// Positive, unique physical tags for `ids` (kept where they already are).
pub(crate) fn physical_tags(ids: impl Iterator<Item = Option<i32>>) -> Vec<i32> {
    let ids: Vec<Option<i32>> = ids.collect();
    let mut used = BTreeSet::new();
    let mut tags = vec![0; ids.len()];
    for (i, id) in ids.iter().enumerate() {
        if let Some(t) = id.filter(|&t| t > 0) {
            if used.insert(t) {
                tags[i] = t;
            }
        }
    }
    let first_free = used.iter().next_back().copied().unwrap_or(0) + 1;
    for (next, t) in (first_free..).zip(tags.iter_mut().filter(|t| **t == 0)) {
        *t = next;
    }
    tags
}

fn gmsh_type(kind: CellType) -> (u32, u32) {
    match kind {
        CellType::Tet4 => (4, 2),
        CellType::Tet10 => (11, 9),
    }
}

/// Writes `mesh` as MSH 4.1 ASCII.
pub(crate) fn write_msh41(mesh: &Mesh, w: &mut dyn Write) -> std::io::Result<()> {
    let regions = mesh.regions();
    let surfaces = mesh.surfaces();
    let region_tags = physical_tags(regions.iter().map(|r| Some(r.id)));
    let surface_tags = physical_tags(surfaces.iter().map(|s| s.id));
    writeln!(w, "$MeshFormat\n4.1 0 8\n$EndMeshFormat")?;
    let node_sets = mesh.node_sets();
    let named = regions.iter().filter(|r| r.name.is_some()).count() + surfaces.len() + node_sets.len();
    if named > 0 {
        writeln!(w, "$PhysicalNames\n{named}")?;
        for (i, s) in node_sets.iter().enumerate() {
            writeln!(w, "0 {} \"{}\"", i + 1, s.name)?;
        }
        for (r, t) in regions.iter().zip(&region_tags) {
            if let Some(name) = &r.name {
                writeln!(w, "3 {t} \"{name}\"")?;
            }
        }
        for (s, t) in surfaces.iter().zip(&surface_tags) {
            writeln!(w, "2 {t} \"{}\"", s.name)?;
        }
        writeln!(w, "$EndPhysicalNames")?;
    }
    // Entities, with bounding boxes of their nodes.
    let (lo, hi) = mesh.bounding_box().unwrap_or(([0.0; 3], [0.0; 3]));
    let bbox = format!("{} {} {} {} {} {}", num(lo[0]), num(lo[1]), num(lo[2]), num(hi[0]), num(hi[1]), num(hi[2]));
    writeln!(w, "$Entities\n{} 0 {} {}", node_sets.len(), surfaces.len(), regions.len())?;
    // A node set is a physical point group: one point entity holding a point element per node.
    for (i, s) in node_sets.iter().enumerate() {
        let p = s.nodes.first().map_or([0.0; 3], |&n| mesh.nodes()[n]);
        writeln!(w, "{} {} {} {} 1 {}", i + 1, num(p[0]), num(p[1]), num(p[2]), i + 1)?;
    }
    for (i, t) in surface_tags.iter().enumerate() {
        writeln!(w, "{} {bbox} 1 {t} 0", i + 1)?;
    }
    for (i, t) in region_tags.iter().enumerate() {
        writeln!(w, "{} {bbox} 1 {t} 0", i + 1)?;
    }
    writeln!(w, "$EndEntities")?;
    // Nodes: one block on volume entity 1.
    let n = mesh.nodes().len();
    writeln!(w, "$Nodes\n1 {n} 1 {n}\n3 1 0 {n}")?;
    for i in 1..=n {
        writeln!(w, "{i}")?;
    }
    for p in mesh.nodes() {
        writeln!(w, "{} {} {}", num(p[0]), num(p[1]), num(p[2]))?;
    }
    writeln!(w, "$EndNodes")?;
    write_elements(mesh, w)?;
    for (f, what) in
        mesh.node_fields().iter().map(|f| (f, "NodeData")).chain(mesh.cell_fields().iter().map(|f| (f, "ElementData")))
    {
        write_field(w, f, what)?;
    }
    Ok(())
}

fn write_elements(mesh: &Mesh, w: &mut dyn Write) -> std::io::Result<()> {
    let regions = mesh.regions();
    let surfaces = mesh.surfaces();
    // Blocks are (region, cell type) and (surface, face type).
    let mut blocks: Vec<(u32, usize, CellType)> = Vec::new();
    for (i, r) in regions.iter().enumerate() {
        for t in mesh.cell_types_present() {
            if (0..mesh.cell_count()).any(|c| mesh.cell_regions()[c] == r.id && mesh.cell_type(c) == t) {
                blocks.push((3, i, t));
            }
        }
    }
    for (i, s) in surfaces.iter().enumerate() {
        for t in mesh.cell_types_present() {
            if s.faces.iter().any(|f| mesh.cell_type(f.cell) == t) {
                blocks.push((2, i, t));
            }
        }
    }
    let n_faces: usize = surfaces.iter().map(|s| s.faces.len()).sum();
    let n_points: usize = mesh.node_sets().iter().map(|s| s.nodes.len()).sum();
    let total = mesh.cell_count() + n_faces + n_points;
    writeln!(w, "$Elements\n{} {total} 1 {total}", blocks.len() + mesh.node_sets().len())?;
    let mut next_face_tag = mesh.cell_count() + 1;
    for (dim, i, t) in blocks {
        let (vol_type, tri_type) = gmsh_type(t);
        if dim == 3 {
            let id = regions[i].id;
            let cells: Vec<usize> =
                (0..mesh.cell_count()).filter(|&c| mesh.cell_regions()[c] == id && mesh.cell_type(c) == t).collect();
            writeln!(w, "3 {} {vol_type} {}", i + 1, cells.len())?;
            for c in cells {
                let nodes = mesh.cell_nodes(c);
                write!(w, "{}", c + 1)?;
                // GMSH_TET10 is an involution: it also gives the internal position of Gmsh slot k.
                let order: &[usize] = match t {
                    CellType::Tet4 => &[0, 1, 2, 3],
                    CellType::Tet10 => &GMSH_TET10,
                };
                for &internal in order {
                    write!(w, " {}", nodes[internal] + 1)?;
                }
                writeln!(w)?;
            }
        } else {
            let faces: Vec<_> = surfaces[i].faces.iter().filter(|f| mesh.cell_type(f.cell) == t).collect();
            writeln!(w, "2 {} {tri_type} {}", i + 1, faces.len())?;
            for f in faces {
                write!(w, "{next_face_tag}")?;
                next_face_tag += 1;
                for n in mesh.face_nodes(*f) {
                    write!(w, " {}", n + 1)?;
                }
                writeln!(w)?;
            }
        }
    }
    for (i, s) in mesh.node_sets().iter().enumerate() {
        writeln!(w, "0 {} 15 {}", i + 1, s.nodes.len())?;
        for &n in &s.nodes {
            writeln!(w, "{next_face_tag} {}", n + 1)?;
            next_face_tag += 1;
        }
    }
    writeln!(w, "$EndElements")
}

fn write_field(w: &mut dyn Write, f: &Field, section: &str) -> std::io::Result<()> {
    let count = f.values.len() / f.components.max(1);
    writeln!(w, "${section}\n1\n\"{}\"\n1\n0\n3\n0\n{}\n{count}", f.name, f.components)?;
    for (i, chunk) in f.values.chunks(f.components.max(1)).enumerate() {
        write!(w, "{}", i + 1)?;
        for v in chunk {
            write!(w, " {}", num(*v))?;
        }
        writeln!(w)?;
    }
    writeln!(w, "$End{section}")
}
