//! `schedule`: a memory-aware topological order of the ops, minimizing the peak bytes of live
//! activations (Serenity-style dynamic programming over the sets of ops already run).
//!
//! Matches: every function. Needs: verified IR whose body is a single block. Preserves: what is
//! computed; only the order of ops changes (each constant moves right before its first user).
//! The search is exact while the number of distinct states stays under `max-states` (option,
//! default 200000), which covers chains with residual branches and concats; beyond that it falls
//! back to a greedy order (always run the ready op that frees the most bytes). Run it before
//! `alloc`, which plans memory on the order it finds.

use cranelift_entity::SecondaryMap;
use std::collections::HashMap;
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::dialect::Context;
use tmlc_core::ir::{Function, Module, Op, Value, RETURN_OP};
use tmlc_core::pass::{Pass, PassInfo, PassOption, PassOptions};

use crate::liveness::is_view;

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
        create: |options: &PassOptions| {
            Ok(Box::new(Schedule {
                max_states: options.usize("max-states", 200_000)?,
            }))
        },
    }
}

/// The compute ops of a function as a dependence graph with byte sizes, views resolved to the
/// value that owns the bytes.
struct Graph {
    ops: Vec<Op>,
    /// Bytes each op's result adds to the arena (0 for views).
    output_bytes: Vec<usize>,
    /// Indices of the compute ops each op depends on.
    predecessors: Vec<u64>,
    /// For each op: the owned buffers (by producing op index) it reads.
    reads: Vec<Vec<usize>>,
    /// Which compute op's buffer each op's result lives in (itself, or its view source's).
    owner: Vec<usize>,
    /// Bytes of graph inputs, live until their last reader runs.
    input_bytes: Vec<(usize, u64)>,
    /// Buffers (producer indices) the function returns: live to the end.
    returned: u64,
}

fn build_graph(function: &Function) -> Option<Graph> {
    let ops: Vec<Op> = function
        .body
        .ops
        .iter()
        .copied()
        .filter(|&op| {
            let name = &function.ops[op].name;
            name != RETURN_OP && name != "tinyml.const"
        })
        .collect();
    if ops.len() > 64 {
        return None;
    }
    let mut index_of: SecondaryMap<Value, Option<usize>> = SecondaryMap::new();
    let mut param_of: SecondaryMap<Value, Option<usize>> = SecondaryMap::new();
    for (i, &param) in function.params.iter().enumerate() {
        param_of[param] = Some(i);
    }
    let mut graph = Graph {
        ops: ops.clone(),
        output_bytes: Vec::new(),
        predecessors: Vec::new(),
        reads: Vec::new(),
        owner: Vec::new(),
        input_bytes: function
            .params
            .iter()
            .map(|&p| (function.value_type(p).byte_size(), 0))
            .collect(),
        returned: 0,
    };
    // Views of graph inputs read the input itself.
    let mut input_view: SecondaryMap<Value, Option<usize>> = SecondaryMap::new();
    for (i, &op) in ops.iter().enumerate() {
        let data = &function.ops[op];
        let mut predecessors = 0u64;
        let mut reads = Vec::new();
        for &operand in &data.operands {
            if let Some(j) = index_of[operand] {
                predecessors |= 1 << j;
                reads.push(graph.owner[j]);
            } else if let Some(p) = param_of[operand].or(input_view[operand]) {
                graph.input_bytes[p].1 |= 1 << i;
            }
        }
        let result = data.results[0];
        let view_of_input = is_view(&data.name)
            .then(|| {
                data.operands
                    .first()
                    .and_then(|&o| param_of[o].or(input_view[o]))
            })
            .flatten();
        if let Some(p) = view_of_input {
            input_view[result] = Some(p);
        }
        let owner = if is_view(&data.name) {
            data.operands
                .first()
                .and_then(|&o| index_of[o])
                .map_or(i, |j| graph.owner[j])
        } else {
            i
        };
        graph.output_bytes.push(if is_view(&data.name) {
            0
        } else {
            function.value_type(result).byte_size()
        });
        graph.predecessors.push(predecessors);
        graph.reads.push(reads);
        graph.owner.push(owner);
        index_of[result] = Some(i);
    }
    for &value in function.returned_values() {
        if let Some(j) = index_of[value] {
            graph.returned |= 1 << graph.owner[j];
        }
    }
    Some(graph)
}

impl Graph {
    fn len(&self) -> usize {
        self.ops.len()
    }

    /// Bytes live after running exactly the ops in `done`.
    fn live_after(&self, done: u64) -> usize {
        let mut readers_left = vec![false; self.len()];
        for i in 0..self.len() {
            if done & (1 << i) == 0 {
                for &owner in &self.reads[i] {
                    readers_left[owner] = true;
                }
            }
        }
        let mut live: usize = self
            .input_bytes
            .iter()
            .filter(|(_, readers)| readers & !done != 0)
            .map(|(bytes, _)| bytes)
            .sum();
        let buffers = readers_left.iter().zip(&self.owner).zip(&self.output_bytes);
        for (i, ((&read_later, &owner), &bytes)) in buffers.enumerate() {
            let needed = read_later || self.returned & (1 << i) != 0;
            if owner == i && done & (1 << i) != 0 && needed {
                live += bytes;
            }
        }
        live
    }

    /// Peak while running op `v` after `done`: everything live plus `v`'s output.
    fn step_peak(&self, done: u64, v: usize) -> usize {
        self.live_after(done) + self.output_bytes[v]
    }

    fn ready(&self, done: u64) -> impl Iterator<Item = usize> + '_ {
        (0..self.len()).filter(move |&v| done & (1 << v) == 0 && self.predecessors[v] & !done == 0)
    }
}

/// Exact minimum-peak order by dynamic programming over the reachable sets of done ops, or
/// `None` when more than `max_states` sets would be visited.
fn exact_order(graph: &Graph, max_states: usize) -> Option<Vec<usize>> {
    let full = if graph.len() == 64 {
        u64::MAX
    } else {
        (1u64 << graph.len()) - 1
    };
    // best[done] = (peak so far, previous set, op run last)
    let mut best: HashMap<u64, (usize, u64, usize)> = HashMap::new();
    best.insert(0, (graph.live_after(0), 0, usize::MAX));
    let mut frontier = vec![0u64];
    for _ in 0..graph.len() {
        let mut next: HashMap<u64, (usize, u64, usize)> = HashMap::new();
        for &done in &frontier {
            let peak = best[&done].0;
            for v in graph.ready(done) {
                let after = done | (1 << v);
                let candidate = peak.max(graph.step_peak(done, v));
                let entry = next.entry(after).or_insert((usize::MAX, 0, 0));
                if candidate < entry.0 || (candidate == entry.0 && v < entry.2) {
                    *entry = (candidate, done, v);
                }
            }
        }
        if best.len() + next.len() > max_states {
            return None;
        }
        frontier = next.keys().copied().collect();
        frontier.sort_unstable();
        best.extend(next);
    }
    let mut order = Vec::new();
    let mut state = full;
    while state != 0 {
        let (_, previous, v) = best[&state];
        order.push(v);
        state = previous;
    }
    order.reverse();
    Some(order)
}

/// Greedy fallback: run the ready op with the smallest step peak, ties by original order.
fn greedy_order(graph: &Graph) -> Vec<usize> {
    let mut done = 0u64;
    let mut order = Vec::new();
    while order.len() < graph.len() {
        let v = graph
            .ready(done)
            .min_by_key(|&v| (graph.step_peak(done, v), v))
            .expect("a DAG always has a ready op");
        order.push(v);
        done |= 1 << v;
    }
    order
}

/// Rebuilds the body in `order`, each constant right before its first user.
fn reorder(function: &mut Function, graph: &Graph, order: &[usize]) -> bool {
    let constants: Vec<Op> = function
        .body
        .ops
        .iter()
        .copied()
        .filter(|&op| function.ops[op].name == "tinyml.const")
        .collect();
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
        for function in &mut module.functions {
            let Some(graph) = build_graph(function) else {
                continue;
            };
            let order =
                exact_order(&graph, self.max_states).unwrap_or_else(|| greedy_order(&graph));
            changed |= reorder(function, &graph, &order);
        }
        Ok(changed)
    }
}
