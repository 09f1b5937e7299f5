//! `schedule`: a memory-aware topological order of the ops, minimizing the peak bytes of live
//! activations (Serenity-style dynamic programming over the sets of ops already run).
//!
//! Matches: every function, of any number of ops. Needs: verified IR whose body is a single
//! block. Preserves: what is computed; only the order of ops changes (each constant moves right
//! before its first user). A state (a set of done ops) is a [`Done`]: the length of the prefix of
//! ops (in written order) all done, plus the few done ops beyond it, so a state of a long chain
//! costs a word, not a bit per op. Each state carries its live bytes and its ready ops, updated
//! from its parent's by the one op that ran, so a step costs the degree of that op, not the size
//! of the graph. The search is exact while the number of distinct states stays under `max-states`
//! (option, default 200000), which covers chains with residual branches and concats; beyond that
//! it falls back to a greedy order (always run the ready op with the smallest step peak). Run it
//! before `alloc`, which plans memory on the order it finds.

use cranelift_entity::SecondaryMap;
use std::collections::{HashMap, HashSet};
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

/// A down-closed set of compute ops by index: every op below `prefix` is done, `prefix` is not,
/// and `beyond` lists the done ops above it (ascending).
#[derive(Clone, PartialEq, Eq, Hash, Default)]
struct Done {
    prefix: usize,
    beyond: Vec<usize>,
}

impl Done {
    fn contains(&self, i: usize) -> bool {
        i < self.prefix || self.beyond.binary_search(&i).is_ok()
    }

    /// The set with `i` (not in it) added.
    fn with(&self, i: usize) -> Done {
        let mut set = self.clone();
        if i == set.prefix {
            set.prefix += 1;
            let absorbed = set
                .beyond
                .iter()
                .enumerate()
                .take_while(|&(k, &j)| j == set.prefix + k)
                .count();
            set.prefix += absorbed;
            set.beyond.drain(..absorbed);
        } else if let Err(position) = set.beyond.binary_search(&i) {
            set.beyond.insert(position, i);
        }
        set
    }
}

/// The compute ops of a function as a dependence graph with byte sizes, views resolved to the
/// value that owns the bytes. Every list is ascending and without repeats.
struct Graph {
    ops: Vec<Op>,
    /// Bytes each op's result adds to the arena (0 for views).
    output_bytes: Vec<usize>,
    /// Indices of the compute ops each op depends on.
    predecessors: Vec<Vec<usize>>,
    /// The ops that depend on each op.
    successors: Vec<Vec<usize>>,
    /// For each owned buffer (by producing op index): the ops that read it.
    readers: Vec<Vec<usize>>,
    /// For each op: the owned buffers it reads.
    reads: Vec<Vec<usize>>,
    /// For each op: the graph inputs it reads.
    input_reads: Vec<Vec<usize>>,
    /// Bytes of graph inputs, live until their last reader runs.
    input_bytes: Vec<(usize, Vec<usize>)>,
    /// Buffers (producer indices) the function returns: live to the end.
    returned: Vec<bool>,
}

/// Appends `item` unless it is already the last element (lists are built in ascending order).
fn push_new(list: &mut Vec<usize>, item: usize) {
    if list.last() != Some(&item) {
        list.push(item);
    }
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
        output_bytes: Vec::with_capacity(len),
        predecessors: Vec::with_capacity(len),
        successors: vec![Vec::new(); len],
        readers: vec![Vec::new(); len],
        reads: Vec::with_capacity(len),
        input_reads: Vec::with_capacity(len),
        input_bytes: function
            .params
            .iter()
            .map(|&p| (function.value_type(p).byte_size(), Vec::new()))
            .collect(),
        returned: vec![false; len],
    };
    let mut owner: Vec<usize> = Vec::with_capacity(len);
    // Views of graph inputs read the input itself.
    let mut input_view: SecondaryMap<Value, Option<usize>> = SecondaryMap::new();
    for (i, &op) in ops.iter().enumerate() {
        let data = &function.ops[op];
        let mut predecessors = Vec::new();
        let mut reads = Vec::new();
        let mut input_reads = Vec::new();
        for &operand in &data.operands {
            if let Some(j) = index_of[operand] {
                predecessors.push(j);
                reads.push(owner[j]);
            } else if let Some(p) = param_of[operand].or(input_view[operand]) {
                input_reads.push(p);
            }
        }
        for list in [&mut predecessors, &mut reads, &mut input_reads] {
            list.sort_unstable();
            list.dedup();
        }
        for &j in &predecessors {
            graph.successors[j].push(i);
        }
        for &b in &reads {
            push_new(&mut graph.readers[b], i);
        }
        for &p in &input_reads {
            push_new(&mut graph.input_bytes[p].1, i);
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
        owner.push(if view {
            data.operands
                .first()
                .and_then(|&o| index_of[o])
                .map_or(i, |j| owner[j])
        } else {
            i
        });
        graph.output_bytes.push(if view {
            0
        } else {
            function.value_type(result).byte_size()
        });
        graph.predecessors.push(predecessors);
        graph.reads.push(reads);
        graph.input_reads.push(input_reads);
        index_of[result] = Some(i);
    }
    for &value in function.returned_values() {
        if let Some(j) = index_of[value] {
            graph.returned[owner[j]] = true;
        }
    }
    graph
}

/// A state of the search: the done ops, the bytes live after them, and the ops ready to run.
#[derive(Clone)]
struct State {
    done: Done,
    live: usize,
    ready: Vec<usize>,
}

impl Graph {
    fn len(&self) -> usize {
        self.ops.len()
    }

    /// The state before any op ran: the inputs someone reads are live.
    fn start(&self) -> State {
        State {
            done: Done::default(),
            live: self
                .input_bytes
                .iter()
                .filter(|(_, readers)| !readers.is_empty())
                .map(|(bytes, _)| bytes)
                .sum(),
            ready: (0..self.len())
                .filter(|&v| self.predecessors[v].is_empty())
                .collect(),
        }
    }

    /// The state after running ready op `v` in `state`: `v`'s output becomes live if anyone
    /// needs it, and every buffer and input whose last reader was `v` dies.
    fn advance(&self, state: &State, v: usize) -> State {
        let done = state.done.with(v);
        let mut live = state.live;
        if !self.readers[v].is_empty() || self.returned[v] {
            live += self.output_bytes[v];
        }
        for &b in &self.reads[v] {
            if !self.returned[b] && self.readers[b].iter().all(|&r| done.contains(r)) {
                live -= self.output_bytes[b];
            }
        }
        for &p in &self.input_reads[v] {
            let (bytes, readers) = &self.input_bytes[p];
            if readers.iter().all(|&r| done.contains(r)) {
                live -= bytes;
            }
        }
        let mut ready = state.ready.clone();
        if let Ok(position) = ready.binary_search(&v) {
            ready.remove(position);
        }
        for &u in &self.successors[v] {
            if self.predecessors[u].iter().all(|&p| done.contains(p)) {
                if let Err(position) = ready.binary_search(&u) {
                    ready.insert(position, u);
                }
            }
        }
        State { done, live, ready }
    }
}

/// Exact minimum-peak order by dynamic programming over the reachable sets of done ops, or
/// `None` when more than `max_states` sets would be visited.
fn exact_order(graph: &Graph, max_states: usize) -> Option<Vec<usize>> {
    // Every state visited: (its parent's index, the op run last).
    let mut history: Vec<(usize, usize)> = vec![(usize::MAX, usize::MAX)];
    // The states of the current layer: (state, peak so far, index in `history`).
    let start = graph.start();
    let mut frontier = vec![(start.live, start, 0usize)];
    for _ in 0..graph.len() {
        // next[done] = (peak so far, op run last, parent's position in `frontier`).
        let mut next: HashMap<Done, (usize, usize, usize)> = HashMap::new();
        for (position, (peak, state, _)) in frontier.iter().enumerate() {
            for &v in &state.ready {
                let candidate = (*peak).max(state.live + graph.output_bytes[v]);
                let entry = next.entry(state.done.with(v)).or_insert((usize::MAX, 0, 0));
                if candidate < entry.0 || (candidate == entry.0 && v < entry.1) {
                    *entry = (candidate, v, position);
                }
            }
        }
        if history.len() + next.len() > max_states {
            return None;
        }
        let mut layer: Vec<(usize, usize, usize)> = next.into_values().collect();
        layer.sort_unstable_by_key(|&(_, v, position)| (position, v));
        frontier = layer
            .into_iter()
            .map(|(peak, v, position)| {
                let (_, parent, parent_index) = &frontier[position];
                history.push((*parent_index, v));
                (peak, graph.advance(parent, v), history.len() - 1)
            })
            .collect();
    }
    let mut order = Vec::with_capacity(graph.len());
    let mut index = frontier.first().map_or(0, |&(_, _, index)| index);
    while index != 0 {
        let (parent, v) = history[index];
        order.push(v);
        index = parent;
    }
    order.reverse();
    Some(order)
}

/// Greedy fallback: run the ready op with the smallest step peak, ties by original order. The
/// live bytes are the same for every ready op, so the smallest step peak is the smallest output.
fn greedy_order(graph: &Graph) -> Vec<usize> {
    let mut state = graph.start();
    let mut order = Vec::with_capacity(graph.len());
    while order.len() < graph.len() {
        let v = state
            .ready
            .iter()
            .copied()
            .min_by_key(|&v| (graph.output_bytes[v], v))
            .expect("a DAG always has a ready op");
        order.push(v);
        state = graph.advance(&state, v);
    }
    order
}

/// Rebuilds the body in `order`, each constant right before its first user.
fn reorder(function: &mut Function, graph: &Graph, order: &[usize], constants: Vec<Op>) -> bool {
    let return_op = function.return_op();
    let constants: HashSet<Op> = constants.into_iter().collect();
    let mut placed = HashSet::new();
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
    body.extend(
        function
            .body
            .ops
            .iter()
            .filter(|&c| constants.contains(c) && !placed.contains(c)),
    );
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
    fn done_sets_absorb_their_prefix() {
        let set = Done::default().with(2).with(5).with(3);
        assert_eq!((set.prefix, &set.beyond[..]), (0, &[2, 3, 5][..]));
        assert!(set.contains(3) && !set.contains(0) && !set.contains(4));
        let set = set.with(0).with(1);
        assert_eq!((set.prefix, &set.beyond[..]), (4, &[5][..]));
        let set = set.with(4);
        assert_eq!((set.prefix, set.beyond.len()), (6, 0));
        assert!(set.contains(5) && !set.contains(6));
        assert!(Done::default().with(0) == Done::default().with(0));
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
    /// every op, with live bytes recounted from scratch after every step.
    fn peak(graph: &Graph, order: &[usize]) -> usize {
        let mut state = graph.start();
        let mut peak = state.live;
        let mut ran = vec![false; graph.len()];
        for &v in order {
            assert!(!ran[v] && graph.predecessors[v].iter().all(|&p| ran[p]));
            assert!(state.ready.contains(&v));
            peak = peak.max(state.live + graph.output_bytes[v]);
            state = graph.advance(&state, v);
            ran[v] = true;
            let inputs: usize = graph
                .input_bytes
                .iter()
                .filter(|(_, readers)| readers.iter().any(|&r| !ran[r]))
                .map(|(bytes, _)| bytes)
                .sum();
            let buffers: usize = (0..graph.len())
                .filter(|&b| {
                    ran[b] && (graph.readers[b].iter().any(|&r| !ran[r]) || graph.returned[b])
                })
                .map(|b| graph.output_bytes[b])
                .sum();
            assert_eq!(state.live, inputs + buffers, "live bytes after op {v}");
        }
        assert!(ran.iter().all(|&r| r), "not every op runs");
        assert_eq!(state.done.prefix, graph.len());
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
