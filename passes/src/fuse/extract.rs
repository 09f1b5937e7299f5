//! Extraction: one e-node per e-class, the program `fuse` writes back.
//!
//! egg's greedy [`Extractor`] picks, per e-class, the e-node of least tree cost. A tree cost
//! counts a shared value once per use, so folding an activation into a conv whose raw output is
//! also read elsewhere looks free to it, though the program would then run the conv twice. A
//! repair step follows: for every e-class the program needs, every other e-node is tried in its
//! place, and the change is kept when the cost of the whole program, each needed e-class counted
//! once, goes down; rounds repeat until none helps. Everything iterates in id order, so the
//! result is deterministic.
//!
//! The repair is linear in the program, not quadratic: the cost of a change is computed from use
//! counts (an e-class is needed while a needed e-node or a root uses it; only e-classes whose
//! count reaches or leaves zero change the cost), and the cycle check walks the chosen graph
//! from the new e-node's children only down to e-classes that come before the changed one in a
//! topological order of the program (those cannot reach it). Walks use explicit stacks, so a
//! chain of any length fits.

use super::analysis::FuseGraph;
use super::cost::{node_cost, TreeCost};
use super::language::Node;
use egg::{Extractor, Id, Language};
use std::collections::{BTreeMap, HashMap, HashSet};

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
    let mut seen = HashSet::new();
    let mut order = Vec::new();
    // (e-class, how many of its children were visited)
    let mut stack: Vec<(Id, usize)> = Vec::new();
    for &root in roots {
        let root = egraph.find(root);
        if !seen.insert(root) {
            continue;
        }
        stack.push((root, 0));
        while let Some(&(id, next)) = stack.last() {
            match choice[&id].children().get(next) {
                Some(&child) => {
                    if let Some(top) = stack.last_mut() {
                        top.1 += 1;
                    }
                    if seen.insert(child) {
                        stack.push((child, 0));
                    }
                }
                None => {
                    order.push(id);
                    stack.pop();
                }
            }
        }
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

/// The state of the repair: the choice, how often each e-class is used by the needed program,
/// and a topological position of the needed e-classes.
struct Repair<'a, 'g> {
    egraph: &'a FuseGraph<'g>,
    roots: &'a [Id],
    choice: &'a mut Choice,
    /// Uses of each e-class by needed e-nodes (with multiplicity) and by the roots.
    uses: HashMap<Id, usize>,
    /// Post-order positions: whatever a positioned e-class reaches is positioned lower or is
    /// unpositioned and reaches only e-classes positioned lower.
    position: HashMap<Id, usize>,
}

impl Repair<'_, '_> {
    fn renumber(&mut self) {
        self.position = needed(self.egraph, self.roots, self.choice)
            .into_iter()
            .enumerate()
            .map(|(position, id)| (id, position))
            .collect();
    }

    /// Adds one use to each of `children`; returns the cost of the e-classes that become needed.
    fn add_uses(&mut self, children: &[Id]) -> i128 {
        let mut delta = 0i128;
        let mut stack = children.to_vec();
        while let Some(id) = stack.pop() {
            let uses = self.uses.entry(id).or_insert(0);
            *uses += 1;
            if *uses == 1 {
                let node = &self.choice[&id];
                delta += i128::from(node_cost(self.egraph, node));
                stack.extend_from_slice(node.children());
            }
        }
        delta
    }

    /// Removes one use from each of `children`; returns minus the cost of the e-classes that
    /// are no longer needed.
    fn remove_uses(&mut self, children: &[Id]) -> i128 {
        let mut delta = 0i128;
        let mut stack = children.to_vec();
        while let Some(id) = stack.pop() {
            let uses = self.uses.get_mut(&id).expect("a used e-class is counted");
            *uses -= 1;
            if *uses == 0 {
                let node = &self.choice[&id];
                delta -= i128::from(node_cost(self.egraph, node));
                stack.extend_from_slice(node.children());
            }
        }
        delta
    }

    /// Whether `from` (through the chosen e-nodes) reaches `target`, and whether the walk met a
    /// positioned e-class above it. Walks stop at e-classes positioned below `target`; an
    /// unpositioned `target` (needed again since the last numbering) gets the full walk.
    fn reaches(&self, from: &[Id], target: Id) -> (bool, bool) {
        let limit = self.position.get(&target).copied().unwrap_or(0);
        let mut above = false;
        let mut stack = from.to_vec();
        let mut seen = HashSet::new();
        while let Some(id) = stack.pop() {
            if id == target {
                return (true, above);
            }
            match self.position.get(&id) {
                Some(&p) if p < limit => continue,
                Some(_) => above = true,
                None => {}
            }
            if seen.insert(id) {
                stack.extend_from_slice(self.choice[&id].children());
            }
        }
        (false, above)
    }

    /// Puts `node` in place of the choice of `class` (needed); returns the change of cost.
    fn switch(&mut self, class: Id, node: Node) -> i128 {
        let mut delta = self.add_uses(node.children()) + i128::from(node_cost(self.egraph, &node));
        let previous = self
            .choice
            .insert(class, node)
            .expect("every e-class has a choice");
        delta -= i128::from(node_cost(self.egraph, &previous));
        delta + self.remove_uses(previous.children())
    }
}

fn repair_sharing(egraph: &FuseGraph, roots: &[Id], choice: &mut Choice) {
    let mut repair = Repair {
        egraph,
        roots,
        choice,
        uses: HashMap::new(),
        position: HashMap::new(),
    };
    let roots: Vec<Id> = roots.iter().map(|&root| egraph.find(root)).collect();
    repair.add_uses(&roots);
    for _ in 0..REPAIR_ROUNDS {
        let mut improved = false;
        repair.renumber();
        for class in needed(egraph, &roots, repair.choice) {
            for node in &egraph[class].nodes {
                if repair.uses.get(&class).is_none_or(|&uses| uses == 0) {
                    break;
                }
                let node = node.clone().map_children(|child| egraph.find(child));
                if node == repair.choice[&class] {
                    continue;
                }
                let (cycle, above) = repair.reaches(node.children(), class);
                if cycle {
                    continue;
                }
                let previous = repair.choice[&class].clone();
                if repair.switch(class, node) < 0 {
                    improved = true;
                    if above {
                        repair.renumber();
                    }
                } else {
                    repair.switch(class, previous);
                }
            }
        }
        if !improved {
            return;
        }
    }
}
