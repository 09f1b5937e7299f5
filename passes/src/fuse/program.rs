//! Between a function and the e-graph: [`add_function`] turns the body into e-nodes (parameters
//! and constants are leaves), and [`rebuild`] writes the chosen e-nodes back as a new body.
//!
//! Rebuilding reuses an original op wherever the chosen e-node is that op (so it keeps its value
//! name and attributes), and gives a new op the name of the first original value of its
//! e-class, so `%y = relu(%conv)` folded into the conv still defines `%y`; a new constant is
//! named after its resource. Ops are placed in
//! topological order, each at the position of the first original op of its e-class (a new
//! e-class right before its first user), which is the original order wherever nothing changed.

use super::analysis::FuseGraph;
use super::cost::node_cost;
use super::extract::{needed, Choice};
use super::language::{AttributeMap, Kind, Node, OpNode, Type};
use egg::{Id, Language};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};
use tmlc_core::attributes::Attribute;
use tmlc_core::dialect::is_dialect_attribute;
use tmlc_core::ir::{Function, Op, Value, RETURN_OP};

/// An op of the original body and its e-node.
struct OriginalOp {
    op: Op,
    /// Index in the original body.
    position: usize,
    node: Node,
    class: Id,
}

/// What the e-graph needs to know about the function it was built from.
pub struct Original {
    ops: Vec<OriginalOp>,
    /// The e-classes of the returned values.
    pub roots: Vec<Id>,
}

impl Original {
    /// The cost of the function as written: every op once, as the cost model prices it.
    pub fn cost(&self, egraph: &FuseGraph) -> u64 {
        self.ops
            .iter()
            .map(|op| node_cost(egraph, &op.node))
            .fold(0, u64::saturating_add)
    }
}

/// Why a function is left alone, or `None` when `fuse` can work on it.
pub fn unsupported(function: &Function) -> Option<String> {
    if !function.attributes.is_empty() || function.param_attributes.iter().any(|a| !a.is_empty()) {
        return Some("it carries dialect attributes (run fuse before memory planning)".into());
    }
    for &op in &function.body.ops {
        let data = &function.ops[op];
        if data.name == RETURN_OP {
            continue;
        }
        if !data.regions.is_empty() || data.results.len() != 1 {
            return Some(format!("'{}' has regions or several results", data.name));
        }
        match Kind::from_name(&data.name) {
            None => return Some(format!("'{}' is not a tinyml op", data.name)),
            Some(Kind::Const)
                if !matches!(data.attributes.get("value"), Some(Attribute::Symbol(_))) =>
            {
                return Some("a constant without a resource".into())
            }
            Some(_) => {}
        }
        if data.attributes.keys().any(|k| is_dialect_attribute(k)) {
            return Some("it carries dialect attributes (run fuse before memory planning)".into());
        }
    }
    None
}

/// Adds the body of a supported function (see [`unsupported`]) to the e-graph.
pub fn add_function(egraph: &mut FuseGraph, function: &Function) -> Original {
    let mut class_of: BTreeMap<Value, Id> = BTreeMap::new();
    for (index, &param) in function.params.iter().enumerate() {
        let ty = Type(function.value_type(param).clone());
        class_of.insert(param, egraph.add(Node::Param { index, ty }));
    }
    let mut original = Original {
        ops: Vec::new(),
        roots: Vec::new(),
    };
    for (position, &op) in function.body.ops.iter().enumerate() {
        let data = &function.ops[op];
        if data.name == RETURN_OP {
            original.roots = data.operands.iter().map(|v| class_of[v]).collect();
            continue;
        }
        let result = data.results[0];
        let ty = Type(function.value_type(result).clone());
        let node = match (Kind::from_name(&data.name), data.attributes.get("value")) {
            (Some(Kind::Const), Some(Attribute::Symbol(resource))) => Node::Const {
                resource: resource.clone(),
                ty,
            },
            (Some(kind), _) if kind != Kind::Const => Node::Op(OpNode {
                kind,
                attributes: AttributeMap::from_core(&data.attributes),
                ty,
                operands: data.operands.iter().map(|v| class_of[v]).collect(),
            }),
            _ => unreachable!("supported functions hold tinyml ops and constants"),
        };
        let class = egraph.add(node.clone());
        class_of.insert(result, class);
        original.ops.push(OriginalOp {
            op,
            position,
            node,
            class,
        });
    }
    original
}

/// A copy of `function` whose body computes the chosen e-nodes.
pub fn rebuild(
    function: &Function,
    egraph: &FuseGraph,
    original: &Original,
    choice: &Choice,
) -> Function {
    let mut members: BTreeMap<Id, Vec<(&OriginalOp, Node)>> = BTreeMap::new();
    for op in &original.ops {
        let canonical = op.node.clone().map_children(|id| egraph.find(id));
        let entry = members.entry(egraph.find(op.class)).or_default();
        entry.push((op, canonical));
    }
    let roots: Vec<Id> = original.roots.iter().map(|&r| egraph.find(r)).collect();
    let mut out = function.clone();
    out.body.ops.clear();
    let mut value_of: BTreeMap<Id, Value> = BTreeMap::new();
    for class in placement(egraph, &roots, choice, &members) {
        let node = &choice[&class];
        let value = match node {
            Node::Param { index, .. } => function.params[*index],
            _ => {
                let operands: Vec<Value> = node.children().iter().map(|c| value_of[c]).collect();
                let class_members = members.get(&class).map_or(&[][..], |m| &m[..]);
                let op = match class_members.iter().find(|(_, n)| n == node) {
                    Some((reused, _)) => {
                        out.ops[reused.op].operands = operands;
                        reused.op
                    }
                    None => {
                        let op = create_op(&mut out, node, operands);
                        out.values[out.ops[op].results[0]].name = match (class_members, node) {
                            ([(first, _), ..], _) => {
                                let replaced = function.ops[first.op].results[0];
                                function.values[replaced].name.clone()
                            }
                            ([], Node::Const { resource, .. }) => Some(resource.clone()),
                            ([], _) => None,
                        };
                        op
                    }
                };
                out.body.ops.push(op);
                out.ops[op].results[0]
            }
        };
        value_of.insert(class, value);
    }
    if let Some(return_op) = function.return_op() {
        out.ops[return_op].operands = roots.iter().map(|r| value_of[r]).collect();
        out.body.ops.push(return_op);
    }
    out
}

/// The needed e-classes in a topological order: by Kahn's algorithm, taking first the ready
/// e-class whose first original op came first (an e-class without one takes its first user's
/// position), ties in post-order.
fn placement(
    egraph: &FuseGraph,
    roots: &[Id],
    choice: &Choice,
    members: &BTreeMap<Id, Vec<(&OriginalOp, Node)>>,
) -> Vec<Id> {
    let order = needed(egraph, roots, choice);
    let mut users: BTreeMap<Id, BTreeSet<Id>> = BTreeMap::new();
    for &class in &order {
        for &child in choice[&class].children() {
            users.entry(child).or_default().insert(class);
        }
    }
    let mut position: BTreeMap<Id, usize> = BTreeMap::new();
    for &class in order.iter().rev() {
        let own = members
            .get(&class)
            .and_then(|m| m.iter().map(|(op, _)| op.position).min());
        let users = users.get(&class).into_iter().flatten();
        let from_users = users.map(|u| position[u]).min();
        position.insert(class, own.or(from_users).unwrap_or(usize::MAX));
    }
    let rank: BTreeMap<Id, usize> = order.iter().enumerate().map(|(i, &c)| (c, i)).collect();
    let key = |class: Id| Reverse((position[&class], rank[&class], class));
    let mut waiting: BTreeMap<Id, usize> = order
        .iter()
        .map(|&c| {
            (
                c,
                choice[&c].children().iter().collect::<BTreeSet<_>>().len(),
            )
        })
        .collect();
    let mut ready: BinaryHeap<_> = order
        .iter()
        .filter(|c| waiting[c] == 0)
        .map(|&c| key(c))
        .collect();
    let mut placed = Vec::with_capacity(order.len());
    while let Some(Reverse((_, _, class))) = ready.pop() {
        placed.push(class);
        for &user in users.get(&class).into_iter().flatten() {
            let count = waiting.get_mut(&user).expect("users are needed");
            *count -= 1;
            if *count == 0 {
                ready.push(key(user));
            }
        }
    }
    placed
}

/// A new op computing `node` (a constant or an op).
fn create_op(function: &mut Function, node: &Node, operands: Vec<Value>) -> Op {
    match node {
        Node::Const { resource, ty } => {
            let attributes = [("value".to_string(), Attribute::Symbol(resource.clone()))];
            function.create_op(
                Kind::Const.name(),
                operands,
                attributes.into(),
                vec![ty.0.clone()],
            )
        }
        Node::Op(op) => function.create_op(
            op.kind.name(),
            operands,
            op.attributes.to_core(),
            vec![op.ty.0.clone()],
        ),
        Node::Param { .. } => unreachable!("parameters have no op"),
    }
}

/// Whether two functions have the same body: the same ops in the same order, reading the same
/// values.
pub fn same_body(a: &Function, b: &Function) -> bool {
    a.body.ops == b.body.ops
        && a.body
            .ops
            .iter()
            .all(|&op| a.ops[op].operands == b.ops[op].operands)
}
