//! Standard aggregation of the strong-neighbour graph (Vaněk, Mandel and Brezina 1996), in three
//! passes over the nodes in their natural order:
//!
//! 1. a node whose strong neighbours are all free forms an aggregate with them (its "root" and
//!    its neighbourhood);
//! 2. each node left over joins the aggregate of a strong neighbour aggregated in pass 1;
//! 3. the nodes still left form aggregates with their free strong neighbours.
//!
//! Nodes without strong neighbours (isolated nodes, such as those of rows eliminated for a
//! Dirichlet condition) belong to no aggregate: the prolongator has zero rows for them, and the
//! smoother alone resolves them.

use super::strength::Graph;

/// Which aggregate each node belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregates {
    /// Aggregate of each node; `None` for isolated nodes.
    pub of_node: Vec<Option<usize>>,
    /// Number of aggregates.
    pub count: usize,
}

impl Aggregates {
    /// The nodes of each aggregate, in node order.
    pub fn members(&self) -> Vec<Vec<usize>> {
        let mut m = vec![Vec::new(); self.count];
        for (node, a) in self.of_node.iter().enumerate() {
            if let Some(a) = a {
                m[*a].push(node);
            }
        }
        m
    }
}

/// Aggregates the nodes of `g` (see the module docs).
pub fn standard(g: &Graph) -> Aggregates {
    let n = g.nodes();
    let mut of_node: Vec<Option<usize>> = vec![None; n];
    let mut count = 0;
    // Pass 1: roots with entirely free neighbourhoods.
    for i in 0..n {
        let nb = g.of(i);
        if nb.is_empty() || of_node[i].is_some() || nb.iter().any(|&j| of_node[j].is_some()) {
            continue;
        }
        of_node[i] = Some(count);
        nb.iter().for_each(|&j| of_node[j] = Some(count));
        count += 1;
    }
    // Pass 2: join a neighbouring pass-1 aggregate (decided on the pass-1 state, so the result
    // does not depend on the order within this pass).
    let first = of_node.clone();
    for (i, a) in of_node.iter_mut().enumerate() {
        if a.is_none() {
            *a = g.of(i).iter().find_map(|&j| first[j]);
        }
    }
    // Pass 3: what is left, with its free neighbours.
    for i in 0..n {
        let nb = g.of(i);
        if of_node[i].is_some() || nb.is_empty() {
            continue;
        }
        of_node[i] = Some(count);
        for &j in nb {
            if of_node[j].is_none() {
                of_node[j] = Some(count);
            }
        }
        count += 1;
    }
    Aggregates { of_node, count }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(n: usize) -> Graph {
        let mut offsets = vec![0];
        let mut neighbours = Vec::new();
        for i in 0..n {
            if i > 0 {
                neighbours.push(i - 1);
            }
            if i + 1 < n {
                neighbours.push(i + 1);
            }
            offsets.push(neighbours.len());
        }
        Graph { offsets, neighbours }
    }

    #[test]
    fn a_path_is_cut_into_triples_and_isolated_nodes_stay_out() {
        // The path 0-1-2-3-4-5-6 and an isolated node 7: pass 1 roots {0,1} at 0, {2,3,4} at 3
        // (2 cannot root: 1 is taken) and {5,6} at 6 (5 cannot: 4 is taken); 7 stays out.
        let mut g = path(7);
        g.offsets.push(g.neighbours.len());
        let a = standard(&g);
        assert_eq!(a.of_node, vec![Some(0), Some(0), Some(1), Some(1), Some(1), Some(2), Some(2), None]);
        assert_eq!(a.count, 3);
        assert_eq!(a.members()[1], vec![2, 3, 4]);
    }
}
