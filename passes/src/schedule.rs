//! `schedule`: a memory-aware topological order of the ops, minimizing the peak bytes of live
//! activations (Serenity-style dynamic programming over the sets of ops already run).
//!
//! Matches: every function, of any number of ops. Needs: verified IR whose body is a single
//! block. Preserves: what is computed; only the order of ops changes (each constant moves right
//! before its first user). A state (a set of done ops) is an [`OpSet`] of as many 64-bit words as
//! the function needs. The search is exact while the number of distinct states stays under
//! `max-states` (option, default 200000), which covers chains with residual branches and concats;
//! beyond that it falls back to a greedy order (always run the ready op with the smallest step
//! peak). Run it before `alloc`, which plans memory on the order it finds.

use cranelift_entity::SecondaryMap;
use std::collections::HashMap;
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::dialect::Context;
use tmlc_core::ir::{Function, Module, Op, Value, RETURN_OP};
use tmlc_core::pass::{Pass, PassInfo, PassOption, PassOptions};

use crate::liveness::{is_constant, is_view};

pub struct Schedule {
    max_states: usize,
}

pub fn info() -> PassInfo {
    PassInfo {
        name: "schedule",
        summary: "reorder ops to minimize peak live activation memory",
        options: &[PassOption {
            name: "max-states",
            help:
                "states the exact search may visit before falling back to greedy (default 200000)",
        }],
        create: |options: &PassOptions, _| {
            Ok(Box::new(Schedule {
                max_states: options.usize("max-states", 200_000)?,
            }))
        },
    }
}

/// A set of compute ops by index: a bitset of `ceil(n / 64)` words for a function of `n` compute
/// ops, so a search state costs one word up to 64 ops and there is no limit on their number.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct OpSet(Box<[u64]>);

impl OpSet {
    /// The empty set of a function of `len` compute ops.
    fn empty(len: usize) -> OpSet {
        OpSet(vec![0; len.div_ceil(64)].into_boxed_slice())
    }

    /// Every op of a function of `len` compute ops.
    fn full(len: usize) -> OpSet {
        let mut set = OpSet::empty(len);
        for i in 0..len {
            set.insert(i);
        }
        set
    }

    fn contains(&self, i: usize) -> bool {
        self.0[i / 64] & (1 << (i % 64)) != 0
    }

    fn insert(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }

    fn remove(&mut self, i: usize) {
        self.0[i / 64] &= !(1 << (i % 64));
    }

    /// The set with `i` added.
    fn with(&self, i: usize) -> OpSet {
        let mut set = self.clone();
        set.insert(i);
        set
    }

    /// Whether every op of `self` is in `other` (of the same function).
    fn is_subset(&self, other: &OpSet) -> bool {
        self.0.iter().zip(other.0.iter()).all(|(a, b)| a & !b == 0)
    }

    fn is_empty(&self) -> bool {
        self.0.iter().all(|&word| word == 0)
    }
}

/// The compute ops of a function as a dependence graph with byte sizes, views resolved to the
/// value that owns the bytes.
struct Graph {
    ops: Vec<Op>,
    /// Bytes each op's result adds to the arena (0 for views).
    output_bytes: Vec<usize>,
    /// Indices of the compute ops each op depends on.
    predecessors: Vec<OpSet>,
    /// For each owned buffer (by producing op index): the ops that read it.
    readers: Vec<OpSet>,
    /// Which compute op's buffer each op's result lives in (itself, or its view source's).
    owner: Vec<usize>,
    /// Bytes of graph inputs, live until their last reader runs.
    input_bytes: Vec<(usize, OpSet)>,
    /// Buffers (producer indices) the function returns: live to the end.
    returned: OpSet,
}

fn build_graph(module: &Module, function: &Function) -> Graph {
    let ops: Vec<Op> = function
        .body
        .ops
        .iter()
        .copied()
        .filter(|&op| function.ops[op].name != RETURN_OP && !is_constant(module, function, op))
        .collect();
    let len = ops.len();
    let mut index_of: SecondaryMap<Value, Option<usize>> = SecondaryMap::new();
    let mut param_of: SecondaryMap<Value, Option<usize>> = SecondaryMap::new();
    for (i, &param) in function.params.iter().enumerate() {
        param_of[param] = Some(i);
    }
    let mut graph = Graph {
        ops: ops.clone(),
        output_bytes: Vec::new(),
        predecessors: Vec::new(),
        readers: Vec::new(),
        owner: Vec::new(),
        input_bytes: function
            .params
            .iter()
            .map(|&p| (function.value_type(p).byte_size(), OpSet::empty(len)))
            .collect(),
        returned: OpSet::empty(len),
    };
    // Views of graph inputs read the input itself.
    let mut input_view: SecondaryMap<Value, Option<usize>> = SecondaryMap::new();
    for (i, &op) in ops.iter().enumerate() {
        let data = &function.ops[op];
        let mut predecessors = OpSet::empty(len);
        for &operand in &data.operands {
            if let Some(j) = index_of[operand] {
                predecessors.insert(j);
                let owner = graph.owner[j];
                graph.readers[owner].insert(i);
            } else if let Some(p) = param_of[operand].or(input_view[operand]) {
                graph.input_bytes[p].1.insert(i);
            }
        }
        let result = data.results[0];
        let view = is_view(module, function, op);
        let view_of_input = view
            .then(|| {
                data.operands
                    .first()
                    .and_then(|&o| param_of[o].or(input_view[o]))
            })
            .flatten();
        if let Some(p) = view_of_input {
            input_view[result] = Some(p);
        }
        let owner = if view {
            data.operands
                .first()
                .and_then(|&o| index_of[o])
                .map_or(i, |j| graph.owner[j])
        } else {
            i
        };
        graph.output_bytes.push(if view {
            0
        } else {
            function.value_type(result).byte_size()
        });
        graph.predecessors.push(predecessors);
        graph.readers.push(OpSet::empty(len));
        graph.owner.push(owner);
        index_of[result] = Some(i);
    }
    for &value in function.returned_values() {
        if let Some(j) = index_of[value] {
            graph.returned.insert(graph.owner[j]);
        }
    }
    graph
}

impl Graph {
    fn len(&self) -> usize {
        self.ops.len()
    }

    /// Bytes live after running exactly the ops in `done`.
    fn live_after(&self, done: &OpSet) -> usize {
        let mut live: usize = self
            .input_bytes
            .iter()
            .filter(|(_, readers)| !readers.is_subset(done))
            .map(|(bytes, _)| bytes)
            .sum();
        let buffers = self.readers.iter().zip(&self.owner).zip(&self.output_bytes);
        for (i, ((readers, &owner), &bytes)) in buffers.enumerate() {
            let needed = !readers.is_subset(done) || self.returned.contains(i);
            if owner == i && done.contains(i) && needed {
                live += bytes;
            }
        }
        live
    }

    /// Peak while running op `v` after `done`: everything live plus `v`'s output.
    fn step_peak(&self, done: &OpSet, v: usize) -> usize {
        self.live_after(done) + self.output_bytes[v]
    }

    fn ready<'a>(&'a self, done: &'a OpSet) -> impl Iterator<Item = usize> + 'a {
        (0..self.len()).filter(move |&v| !done.contains(v) && self.predecessors[v].is_subset(done))
    }
}

/// Exact minimum-peak order by dynamic programming over the reachable sets of done ops, or
/// `None` when more than `max_states` sets would be visited.
fn exact_order(graph: &Graph, max_states: usize) -> Option<Vec<usize>> {
    let empty = OpSet::empty(graph.len());
    // best[done] = (peak so far, op run last); the previous set is `done` without that op.
    let mut best: HashMap<OpSet, (usize, usize)> = HashMap::new();
    best.insert(empty.clone(), (graph.live_after(&empty), usize::MAX));
    let mut frontier = vec![empty];
    for _ in 0..graph.len() {
        let mut next: HashMap<OpSet, (usize, usize)> = HashMap::new();
        for done in &frontier {
            let peak = best[done].0;
            let live = graph.live_after(done);
            for v in graph.ready(done) {
                let candidate = peak.max(live + graph.output_bytes[v]);
                let entry = next.entry(done.with(v)).or_insert((usize::MAX, 0));
                if candidate < entry.0 || (candidate == entry.0 && v < entry.1) {
                    *entry = (candidate, v);
                }
            }
        }
        if best.len() + next.len() > max_states {
            return None;
        }
        frontier = next.keys().cloned().collect();
        frontier.sort_unstable();
        best.extend(next);
    }
    let mut order = Vec::new();
    let mut state = OpSet::full(graph.len());
    while !state.is_empty() {
        let (_, v) = best[&state];
        order.push(v);
        state.remove(v);
    }
    order.reverse();
    Some(order)
}

/// Greedy fallback: run the ready op with the smallest step peak, ties by original order.
fn greedy_order(graph: &Graph) -> Vec<usize> {
    let mut done = OpSet::empty(graph.len());
    let mut order = Vec::new();
    while order.len() < graph.len() {
        let v = graph
            .ready(&done)
            .min_by_key(|&v| (graph.step_peak(&done, v), v))
            .expect("a DAG always has a ready op");
        order.push(v);
        done.insert(v);
    }
    order
}

/// Rebuilds the body in `order`, each constant right before its first user.
fn reorder(function: &mut Function, graph: &Graph, order: &[usize], constants: Vec<Op>) -> bool {
    let return_op = function.return_op();
    let mut placed = std::collections::HashSet::new();
    let mut body = Vec::new();
    for &v in order {
        let op = graph.ops[v];
        for &operand in &function.ops[op].operands {
            if let Some(constant) = function
                .defining_op(operand)
                .filter(|c| constants.contains(c))
            {
                if placed.insert(constant) {
                    body.push(constant);
                }
            }
        }
        body.push(op);
    }
    body.extend(constants.iter().filter(|c| !placed.contains(*c)));
    body.extend(return_op);
    let changed = body != function.body.ops;
    function.body.ops = body;
    changed
}

impl Pass for Schedule {
    fn run(&mut self, module: &mut Module, _context: &Context) -> DiagResult<bool> {
        let mut changed = false;
        for index in 0..module.functions.len() {
            let function = &module.functions[index];
            let graph = build_graph(module, function);
            let constants: Vec<Op> = function
                .body
                .ops
                .iter()
                .copied()
                .filter(|&op| is_constant(module, function, op))
                .collect();
            let order =
                exact_order(&graph, self.max_states).unwrap_or_else(|| greedy_order(&graph));
            changed |= reorder(&mut module.functions[index], &graph, &order, constants);
        }
        Ok(changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tmlc_core::parser::parse_module;

    #[test]
    fn op_sets_span_words() {
        let mut set = OpSet::empty(130);
        assert_eq!(set.0.len(), 3);
        assert!(set.is_empty());
        for i in [0, 63, 64, 65, 129] {
            set.insert(i);
            assert!(set.contains(i));
        }
        assert!(!set.contains(1) && !set.contains(128));
        assert!(set.is_subset(&OpSet::full(130)));
        assert!(!OpSet::full(130).is_subset(&set));
        assert!(set.with(100).contains(100) && !set.contains(100));
        for i in [0, 63, 64, 65, 129] {
            set.remove(i);
        }
        assert!(set.is_empty());
        assert_eq!(OpSet::empty(64).0.len(), 1);
        assert_eq!(OpSet::full(65).0[..], [u64::MAX, 1]);
        assert!(OpSet::empty(0).is_empty() && OpSet::full(0).is_empty());
    }

    /// `blocks` copies of two branches that each blow up (pad to 144 bytes) and shrink again
    /// (pool to 16), written interleaved: 5 compute ops per block.
    fn branches(blocks: usize) -> Module {
        let small = "tensor<1x4x4x1xi8, !q<0.5, 0>>";
        let big = "tensor<1x12x12x1xi8, !q<0.5, 0>>";
        let pool = "{filter = [3, 3], padding = valid, stride = [3, 3]}";
        let mut text = format!("module @m {{\n  func @main(%s: {small}) -> {small} {{\n");
        let mut previous = "%s".to_string();
        for k in 0..blocks {
            for branch in ["a", "b"] {
                text += &format!(
                    "    %{branch}{k} = tinyml.pad {previous} {{pads = [0, 0, 4, 4, 4, 4, 0, 0]}} : {big}\n"
                );
            }
            for branch in ["a", "b"] {
                text += &format!(
                    "    %{branch}p{k} = tinyml.max_pool2d %{branch}{k} {pool} : {small}\n"
                );
            }
            text += &format!("    %s{k} = tinyml.add %ap{k}, %bp{k} : {small}\n");
            previous = format!("%s{k}");
        }
        text += &format!("    return {previous}\n  }}\n}}\n");
        parse_module(&text).expect("valid IR")
    }

    /// The peak of running the graph in `order`, checking that it is a topological order of
    /// every op.
    fn peak(graph: &Graph, order: &[usize]) -> usize {
        let mut done = OpSet::empty(graph.len());
        let mut peak = graph.live_after(&done);
        for &v in order {
            assert!(!done.contains(v) && graph.predecessors[v].is_subset(&done));
            peak = peak.max(graph.step_peak(&done, v));
            done.insert(v);
        }
        assert!(done == OpSet::full(graph.len()), "not every op runs");
        peak
    }

    #[test]
    fn more_than_64_ops_are_scheduled() {
        let module = branches(20);
        let graph = build_graph(&module, &module.functions[0]);
        assert_eq!(graph.len(), 100);
        let written: Vec<usize> = (0..graph.len()).collect();
        assert_eq!(peak(&graph, &written), 304);
        let exact = exact_order(&graph, 200_000).expect("within the state budget");
        assert_eq!(peak(&graph, &exact), 176);
        assert!(exact_order(&graph, 1).is_none());
        assert_eq!(peak(&graph, &greedy_order(&graph)), 176);
    }
}
