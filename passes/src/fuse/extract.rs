//! Extraction: one e-node per e-class, the program `fuse` writes back.
//!
//! egg's greedy [`Extractor`] picks, per e-class, the e-node of least tree cost. A tree cost
//! counts a shared value once per use, so folding an activation into a conv whose raw output is
//! also read elsewhere looks free to it, though the program would then run the conv twice. A
//! repair step follows: for every e-class the program needs, every other e-node is tried in its
//! place, and the change is kept when the cost of the whole program, each needed e-class counted
//! once, goes down; rounds repeat until none helps. Everything iterates in id order, so the
//! result is deterministic.

use super::analysis::FuseGraph;
use super::cost::{node_cost, TreeCost};
use super::language::Node;
use egg::{Extractor, Id, Language};
use std::collections::{BTreeMap, BTreeSet};

/// The chosen e-node of every e-class, by canonical id, children canonical.
pub type Choice = BTreeMap<Id, Node>;

/// Rounds of the repair step at most (each round strictly lowers the cost).
const REPAIR_ROUNDS: usize = 16;

/// The greedy choice, repaired for sharing.
pub fn extract(egraph: &FuseGraph, roots: &[Id]) -> Choice {
    let extractor = Extractor::new(egraph, TreeCost { egraph });
    let mut choice: Choice = egraph
        .classes()
        .map(|class| {
            let node = extractor.find_best_node(class.id).clone();
            (class.id, node.map_children(|child| egraph.find(child)))
        })
        .collect();
    repair_sharing(egraph, roots, &mut choice);
    choice
}

/// The e-classes the chosen program needs, operands before users (post-order from the roots).
pub fn needed(egraph: &FuseGraph, roots: &[Id], choice: &Choice) -> Vec<Id> {
    fn visit(id: Id, choice: &Choice, seen: &mut BTreeSet<Id>, order: &mut Vec<Id>) {
        if seen.insert(id) {
            for &child in choice[&id].children() {
                visit(child, choice, seen, order);
            }
            order.push(id);
        }
    }
    let mut seen = BTreeSet::new();
    let mut order = Vec::new();
    for &root in roots {
        visit(egraph.find(root), choice, &mut seen, &mut order);
    }
    order
}

/// The cost of the chosen program: every needed e-class once.
pub fn program_cost(egraph: &FuseGraph, roots: &[Id], choice: &Choice) -> u64 {
    needed(egraph, roots, choice)
        .iter()
        .map(|id| node_cost(egraph, &choice[id]))
        .fold(0, u64::saturating_add)
}

/// Whether `from` (through the chosen e-nodes) reaches `target`.
fn reaches(choice: &Choice, from: &[Id], target: Id) -> bool {
    let mut stack = from.to_vec();
    let mut seen = BTreeSet::new();
    while let Some(id) = stack.pop() {
        if id == target {
            return true;
        }
        if seen.insert(id) {
            stack.extend_from_slice(choice[&id].children());
        }
    }
    false
}

fn repair_sharing(egraph: &FuseGraph, roots: &[Id], choice: &mut Choice) {
    let mut cost = program_cost(egraph, roots, choice);
    for _ in 0..REPAIR_ROUNDS {
        let mut improved = false;
        for class in needed(egraph, roots, choice) {
            for node in &egraph[class].nodes {
                let node = node.clone().map_children(|child| egraph.find(child));
                if node == choice[&class] || reaches(choice, node.children(), class) {
                    continue;
                }
                let previous = choice
                    .insert(class, node)
                    .expect("every e-class has a choice");
                let candidate = program_cost(egraph, roots, choice);
                if candidate < cost {
                    cost = candidate;
                    improved = true;
                } else {
                    choice.insert(class, previous);
                }
            }
        }
        if !improved {
            return;
        }
    }
}
