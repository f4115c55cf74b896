//! A nested-dissection fill-reducing ordering for the direct solver: George's automatic nested
//! dissection by level structures (A. George and J. W. H. Liu, *Computer Solution of Large Sparse
//! Positive Definite Systems*, Prentice-Hall 1981, ch. 8), on the graph of the matrix compressed
//! to its supervariables (the three displacement unknowns of a node share one pattern).
//!
//! 1. Rows whose patterns are equal and adjacent (a node's unknowns) become one vertex.
//! 2. A connected set of vertices is split by a level structure rooted at a pseudo-peripheral
//!    vertex (Gibbs–Poole–Stockmeyer's search: repeat a breadth-first search from a vertex of
//!    least degree in the last level while that lengthens the structure): the level at which half
//!    the set's unknowns are reached is the separator; edges join only adjacent levels, so the
//!    levels before and after it are disconnected. Separator vertices with no neighbour in the
//!    next level separate nothing and go to the first half.
//! 3. The two halves are ordered first, recursively, and the separator last; sets below
//!    [`LEAF`] unknowns, or that a level structure cannot split, keep their order.
//!
//! On meshes of bodies with a long dimension (a beam, a ventricular wall) a pseudo-peripheral
//! vertex lies at one end of it, so the separators are cross-sections, as a geometric dissection
//! would cut.

use nalgebra_sparse::CsrMatrix;

/// Sets with fewer unknowns than this are not dissected further.
const LEAF: usize = 96;

/// The least share of a set's unknowns on either side of its separator.
const BALANCE: f64 = 0.3;

/// Breadth-first searches tried per set in the pseudo-peripheral search.
const PERIPHERAL_TRIES: usize = 6;

/// The compressed graph: vertex `v` stands for rows `first[v]..first[v + 1]`.
struct Graph {
    first: Vec<usize>,
    offsets: Vec<usize>,
    neighbours: Vec<usize>,
}

impl Graph {
    fn of(a: &CsrMatrix<f64>) -> Graph {
        let (offsets, cols) = (a.pattern().major_offsets(), a.pattern().minor_indices());
        let row = |i: usize| &cols[offsets[i]..offsets[i + 1]];
        let n = a.nrows();
        let mut first = Vec::with_capacity(n / 3 + 1);
        let mut vertex_of = vec![0usize; n];
        for (i, vertex) in vertex_of.iter_mut().enumerate() {
            if i == 0 || row(i) != row(i - 1) {
                first.push(i);
            }
            *vertex = first.len() - 1;
        }
        first.push(n);
        let m = first.len() - 1;
        let mut g_offsets = Vec::with_capacity(m + 1);
        let mut neighbours = Vec::new();
        g_offsets.push(0);
        for (v, &start_row) in first[..m].iter().enumerate() {
            let start = neighbours.len();
            neighbours.extend(row(start_row).iter().map(|&c| vertex_of[c]).filter(|&w| w != v));
            neighbours[start..].sort_unstable();
            let mut kept = start;
            for k in start..neighbours.len() {
                if k == start || neighbours[k] != neighbours[kept - 1] {
                    neighbours[kept] = neighbours[k];
                    kept += 1;
                }
            }
            neighbours.truncate(kept);
            g_offsets.push(neighbours.len());
        }
        Graph { first, offsets: g_offsets, neighbours }
    }

    fn len(&self) -> usize {
        self.first.len() - 1
    }

    fn adjacent(&self, v: usize) -> &[usize] {
        &self.neighbours[self.offsets[v]..self.offsets[v + 1]]
    }

    fn weight(&self, v: usize) -> usize {
        self.first[v + 1] - self.first[v]
    }
}

/// Per-vertex scratch shared by all the searches.
struct Scratch {
    /// The set a vertex currently belongs to.
    set: Vec<u32>,
    /// Its level in the current search (`u32::MAX`: not reached).
    level: Vec<u32>,
}

/// The vertices of `set` (tag `tag`) reachable from `root`, by levels: returns the vertices in
/// search order and the start of each level in it.
fn levels(g: &Graph, s: &mut Scratch, tag: u32, root: usize, order: &mut Vec<usize>, starts: &mut Vec<usize>) {
    order.clear();
    starts.clear();
    order.push(root);
    s.level[root] = 0;
    let mut head = 0;
    while head < order.len() {
        starts.push(head);
        let end = order.len();
        let depth = starts.len() as u32;
        for k in head..end {
            for &w in g.adjacent(order[k]) {
                if s.set[w] == tag && s.level[w] == u32::MAX {
                    s.level[w] = depth;
                    order.push(w);
                }
            }
        }
        head = end;
    }
    starts.push(order.len());
}

/// Forgets the levels of `order`'s vertices.
fn clear_levels(s: &mut Scratch, order: &[usize]) {
    for &v in order {
        s.level[v] = u32::MAX;
    }
}

/// The fill-reducing permutation of the symmetric `a` by nested dissection: entry `k` is the
/// row of `a` eliminated `k`-th (faer's forward array). `None` for matrices too small to gain.
pub(crate) fn nested_dissection(a: &CsrMatrix<f64>) -> Option<Vec<usize>> {
    let n = a.nrows();
    if n < 4 * LEAF {
        return None;
    }
    let g = Graph::of(a);
    let m = g.len();
    let mut s = Scratch { set: vec![0; m], level: vec![u32::MAX; m] };
    // Position of each vertex in the elimination order of vertices.
    let mut position = vec![usize::MAX; m];
    // Work items: a set (its vertices) and the first position it fills.
    let mut work: Vec<(Vec<usize>, usize)> = vec![((0..m).collect(), 0)];
    let mut next_tag = 1u32;
    let (mut order, mut starts) = (Vec::new(), Vec::new());
    while let Some((vertices, at)) = work.pop() {
        let tag = next_tag;
        next_tag = next_tag.wrapping_add(1).max(1);
        for &v in &vertices {
            s.set[v] = tag;
        }
        let weight: usize = vertices.iter().map(|&v| g.weight(v)).sum();
        if weight < LEAF {
            for (k, &v) in vertices.iter().enumerate() {
                position[v] = at + k;
            }
            continue;
        }
        // The connected components, one after the other: small ones are placed at once, larger
        // ones dissected on their own. (A matrix with eliminated Dirichlet rows has many
        // isolated vertices: one pass over the set finds them all.)
        let mut components: Vec<Vec<usize>> = Vec::new();
        for &v in &vertices {
            if s.level[v] == u32::MAX {
                levels(&g, &mut s, tag, v, &mut order, &mut starts);
                components.push(order.clone());
            }
        }
        if components.len() > 1 {
            clear_levels(&mut s, &vertices);
            let mut start = at;
            for component in components {
                let (len, weight) = (component.len(), component.iter().map(|&w| g.weight(w)).sum::<usize>());
                if weight < LEAF {
                    for (k, &w) in component.iter().enumerate() {
                        position[w] = start + k;
                    }
                } else {
                    work.push((component, start));
                }
                start += len;
            }
            continue;
        }
        // Pseudo-peripheral root: restart from a least-degree vertex of the last level while the
        // structure lengthens (from there it is never shorter: that vertex is `depth` away).
        for _ in 0..PERIPHERAL_TRIES {
            let depth = starts.len();
            let last = &order[starts[depth - 2]..];
            let root = *last.iter().min_by_key(|&&v| g.adjacent(v).len()).unwrap_or(&order[0]);
            clear_levels(&mut s, &order);
            levels(&g, &mut s, tag, root, &mut order, &mut starts);
            if starts.len() <= depth {
                break;
            }
        }
        let (best, best_starts) = (&order, &starts);
        let depth = best_starts.len() - 1;
        if depth < 3 {
            clear_levels(&mut s, best);
            for (k, &v) in vertices.iter().enumerate() {
                position[v] = at + k;
            }
            continue;
        }
        // The separator level: the lightest of those with between 30 % and 70 % of the set's
        // unknowns before them, the most balanced on ties (the middle one when none is; never
        // the first or last level).
        let level_weight =
            |l: usize| best[best_starts[l]..best_starts[l + 1]].iter().map(|&v| g.weight(v)).sum::<usize>();
        let mut before = 0;
        // (level, its weight, its imbalance |before − after|): lightest first, then most balanced.
        let mut cut = None::<(usize, usize, usize)>;
        let mut middle = 1;
        for l in 1..depth - 1 {
            before += level_weight(l - 1);
            let w = level_weight(l);
            if 2 * before <= weight {
                middle = l;
            }
            let share = before as f64 / weight as f64;
            let imbalance = (weight - before - w).abs_diff(before);
            if (BALANCE..=1.0 - BALANCE).contains(&share)
                && cut.is_none_or(|(_, best_w, best_i)| (w, imbalance) < (best_w, best_i))
            {
                cut = Some((l, w, imbalance));
            }
        }
        let cut = cut.map_or(middle, |(l, _, _)| l);
        let (sep_level, below) = (cut as u32, &best[..best_starts[cut]]);
        let mut first_half: Vec<usize> = below.to_vec();
        let mut separator = Vec::new();
        for &v in &best[best_starts[cut]..best_starts[cut + 1]] {
            if g.adjacent(v).iter().any(|&w| s.set[w] == tag && s.level[w] == sep_level + 1) {
                separator.push(v);
            } else {
                first_half.push(v);
            }
        }
        let second_half: Vec<usize> = best[best_starts[cut + 1]..].to_vec();
        clear_levels(&mut s, best);
        let sep_at = at + first_half.len() + second_half.len();
        for (k, &v) in separator.iter().enumerate() {
            position[v] = sep_at + k;
        }
        let second_at = at + first_half.len();
        work.push((second_half, second_at));
        work.push((first_half, at));
    }
    // Vertices in elimination order, expanded to their rows. (Every vertex was placed once; were
    // one not, AMD would order the matrix instead.)
    let mut by_position = vec![usize::MAX; m];
    for (v, &p) in position.iter().enumerate() {
        *by_position.get_mut(p)? = v;
    }
    if by_position.contains(&usize::MAX) {
        return None;
    }
    let mut fwd = Vec::with_capacity(n);
    for v in by_position {
        fwd.extend(g.first[v]..g.first[v + 1]);
    }
    Some(fwd)
}

#[cfg(test)]
mod tests {
    use nalgebra_sparse::CooMatrix;

    use super::*;

    /// The pattern of 3 unknowns per node of an `nx × ny × nz` grid with 27-point coupling.
    fn grid(nx: usize, ny: usize, nz: usize) -> CsrMatrix<f64> {
        let node = |i: usize, j: usize, k: usize| (k * ny + j) * nx + i;
        let n = 3 * nx * ny * nz;
        let mut coo = CooMatrix::new(n, n);
        for k in 0..nz {
            for j in 0..ny {
                for i in 0..nx {
                    let a = node(i, j, k);
                    for (di, dj, dk) in (0..27).map(|t| (t % 3, (t / 3) % 3, t / 9)) {
                        let (p, q, r) = (i + di, j + dj, k + dk);
                        if (1..=nx).contains(&p) && (1..=ny).contains(&q) && (1..=nz).contains(&r) {
                            let b = node(p - 1, q - 1, r - 1);
                            for (x, y) in (0..9).map(|t| (t % 3, t / 3)) {
                                coo.push(3 * a + x, 3 * b + y, if a == b && x == y { 30.0 } else { -0.1 });
                            }
                        }
                    }
                }
            }
        }
        CsrMatrix::from(&coo)
    }

    #[test]
    fn the_ordering_is_a_permutation_that_keeps_a_nodes_unknowns_together() {
        let a = grid(24, 5, 5);
        let fwd = nested_dissection(&a).expect("large enough");
        let mut seen = vec![false; a.nrows()];
        for &r in &fwd {
            assert!(!seen[r], "row {r} twice");
            seen[r] = true;
        }
        assert!(seen.iter().all(|&s| s));
        for triple in fwd.chunks_exact(3) {
            assert!(triple[0] % 3 == 0 && triple[1] == triple[0] + 1 && triple[2] == triple[0] + 2, "{triple:?}");
        }
    }

    #[test]
    fn a_slender_grid_is_cut_across_its_length_last() {
        // The last unknowns eliminated are the top separator: one cross-section of the beam
        // (5 × 5 nodes), near its middle.
        let a = grid(40, 5, 5);
        let fwd = nested_dissection(&a).expect("large enough");
        let last: Vec<usize> = fwd[fwd.len() - 75..].iter().map(|&r| r / 3).collect();
        let x: Vec<usize> = last.iter().map(|&v| v % 40).collect();
        assert!(x.iter().all(|&i| i == x[0]), "one cross-section: {x:?}");
        assert!((15..=24).contains(&x[0]), "near the middle: x = {}", x[0]);
    }

    #[test]
    fn isolated_rows_and_separate_bodies_are_ordered_too() {
        // Two beams side by side with no coupling, and the first node of each held by an
        // eliminated-row Dirichlet condition (its rows reduced to the diagonal).
        let one = grid(20, 3, 3);
        let n = one.nrows();
        let mut coo = CooMatrix::new(2 * n, 2 * n);
        for (r, c, &v) in one.triplet_iter() {
            for shift in [0, n] {
                let held = |i: usize| i < 3;
                if held(r) || held(c) {
                    if r == c {
                        coo.push(r + shift, c + shift, 1.0);
                    }
                } else {
                    coo.push(r + shift, c + shift, v);
                }
            }
        }
        let a = CsrMatrix::from(&coo);
        let fwd = nested_dissection(&a).expect("large enough");
        let mut sorted = fwd.clone();
        sorted.sort_unstable();
        assert!(sorted.iter().copied().eq(0..2 * n), "not a permutation");
    }
}
