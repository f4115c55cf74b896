//! Degrees of freedom: three displacement components per node that a cell uses.
//!
//! Nodes no cell references (kept by the importer with a warning) get no DOFs. DOFs are numbered
//! node-major (`3 s + k` for the `s`-th used node and component `k`), so the stiffness is made
//! of 3 × 3 nodal blocks.

use crate::mesh::Mesh;

/// Map between mesh nodes and DOF slots.
#[derive(Debug, Clone, PartialEq)]
pub struct DofMap {
    slot_of_node: Vec<Option<usize>>,
    node_of_slot: Vec<usize>,
}

impl DofMap {
    /// Slots for every node used by a cell, in node order.
    pub fn new(mesh: &Mesh) -> Self {
        let mut used = vec![false; mesh.nodes().len()];
        for c in 0..mesh.cell_count() {
            for &n in mesh.cell_nodes(c) {
                used[n] = true;
            }
        }
        let mut node_of_slot = Vec::new();
        let slot_of_node = used
            .iter()
            .enumerate()
            .map(|(n, &u)| {
                u.then(|| {
                    node_of_slot.push(n);
                    node_of_slot.len() - 1
                })
            })
            .collect();
        DofMap { slot_of_node, node_of_slot }
    }

    /// Number of nodes with DOFs.
    pub fn slots(&self) -> usize {
        self.node_of_slot.len()
    }

    /// Number of DOFs (3 per slot).
    pub fn len(&self) -> usize {
        3 * self.slots()
    }

    /// Whether there are no DOFs.
    pub fn is_empty(&self) -> bool {
        self.node_of_slot.is_empty()
    }

    /// Slot of mesh node `node`, `None` for an unused node.
    pub fn slot(&self, node: usize) -> Option<usize> {
        self.slot_of_node[node]
    }

    /// Mesh node of slot `slot`.
    pub fn node(&self, slot: usize) -> usize {
        self.node_of_slot[slot]
    }

    /// DOF of component `k` of mesh node `node`, `None` for an unused node.
    pub fn dof(&self, node: usize, k: usize) -> Option<usize> {
        self.slot(node).map(|s| 3 * s + k)
    }

    /// Scatters a DOF vector to a per-node vector field (unused nodes get zero).
    pub fn to_nodes(&self, u: &[f64]) -> Vec<[f64; 3]> {
        self.slot_of_node.iter().map(|s| s.map_or([0.0; 3], |s| [u[3 * s], u[3 * s + 1], u[3 * s + 2]])).collect()
    }
}
