//! The IR: a module of functions; a function owns its SSA values and ops in `PrimaryMap`s
//! (cranelift style) and lists them in a body region; an op has a dialect-qualified name,
//! operands, results, an attribute dictionary and optional nested regions. Weight blobs live in
//! the module's resource section.

use crate::attributes::{Attribute, Attributes};
use crate::span::Span;
use crate::types::TensorType;
use cranelift_entity::{entity_impl, PrimaryMap};
use std::collections::HashMap;

/// An SSA value: a function parameter, an op result or a region argument.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Value(u32);
entity_impl!(Value, "v");

/// An operation.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Op(u32);
entity_impl!(Op, "op");

/// The name of the function terminator op.
pub const RETURN_OP: &str = "return";

/// Where a value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueDef {
    /// The n-th function parameter.
    Param(usize),
    /// The n-th result of an op.
    Result(Op, usize),
    /// The n-th argument of region `region` of an op.
    RegionArg(Op, usize, usize),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ValueData {
    pub ty: TensorType,
    pub def: ValueDef,
    /// The name to print (`%input`); `None` or a number means "number me".
    pub name: Option<String>,
    pub span: Span,
}

/// Source locations of an op's parts, for diagnostics. Empty for ops not parsed from text.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OpSpans {
    pub name: Span,
    pub operands: Vec<Span>,
    pub attributes: Vec<(String, Span)>,
    pub result_types: Vec<Span>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OpData {
    /// Dialect-qualified name (`tinyml.conv2d`), or `return`.
    pub name: String,
    pub operands: Vec<Value>,
    pub results: Vec<Value>,
    pub attributes: Attributes,
    pub regions: Vec<Region>,
    /// The whole op in the source.
    pub span: Span,
    pub spans: OpSpans,
}

/// A list of ops with arguments (a single block).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Region {
    pub arguments: Vec<Value>,
    pub ops: Vec<Op>,
}

/// A function: typed parameters, result types and a body region ending in `return`.
#[derive(Debug, Clone, PartialEq)]
pub struct Function {
    pub name: String,
    pub span: Span,
    pub values: PrimaryMap<Value, ValueData>,
    pub ops: PrimaryMap<Op, OpData>,
    pub params: Vec<Value>,
    /// Dialect attributes of each parameter (`%x: T {mem.offset = 0}`), parallel to `params`.
    pub param_attributes: Vec<Attributes>,
    pub result_types: Vec<TensorType>,
    pub result_type_spans: Vec<Span>,
    /// Dialect attributes of the function (`attributes {mem.arena_size = 9216}`).
    pub attributes: Attributes,
    pub attribute_spans: Vec<(String, Span)>,
    pub body: Region,
}

/// A named constant blob (weights, biases) referenced by `@name` from ops.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub name: String,
    pub data: Vec<u8>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Module {
    pub name: String,
    pub span: Span,
    pub functions: Vec<Function>,
    /// In definition order; names are unique.
    pub resources: Vec<Resource>,
    /// Where each resource is, so that looking one up by name does not scan them all.
    resource_index: ResourceIndex,
}

/// A cache of resource positions by name, checked on every use: an entry that no longer names
/// the resource at its position (the list was edited) rebuilds the cache; resources appended
/// since the last look-up are added to it. So finding a resource is O(1) amortized however the
/// public list is changed, and never wrong; a name that is not there still costs a scan.
#[derive(Default)]
struct ResourceIndex(std::sync::Mutex<(usize, HashMap<String, usize>)>);

impl ResourceIndex {
    fn position(&self, resources: &[Resource], name: &str) -> Option<usize> {
        let mut guard = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let (indexed, map) = &mut *guard;
        let valid = |map: &HashMap<String, usize>| {
            map.get(name)
                .copied()
                .filter(|&i| resources.get(i).is_some_and(|r| r.name == name))
        };
        if let Some(position) = valid(map) {
            return Some(position);
        }
        let stale = map.get(name).is_some() || *indexed > resources.len();
        if stale {
            map.clear();
            *indexed = 0;
        }
        for (i, resource) in resources.iter().enumerate().skip(*indexed) {
            map.entry(resource.name.clone()).or_insert(i);
        }
        *indexed = resources.len();
        // A miss may be a resource renamed in place: the list decides.
        valid(map).or_else(|| resources.iter().position(|r| r.name == name))
    }
}

impl Clone for ResourceIndex {
    fn clone(&self) -> ResourceIndex {
        ResourceIndex::default()
    }
}

impl PartialEq for ResourceIndex {
    /// A cache: never a difference between modules.
    fn eq(&self, _: &ResourceIndex) -> bool {
        true
    }
}

impl std::fmt::Debug for ResourceIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ResourceIndex")
    }
}

impl Module {
    pub fn new(name: impl Into<String>) -> Module {
        Module {
            name: name.into(),
            span: Span::NONE,
            functions: Vec::new(),
            resources: Vec::new(),
            resource_index: ResourceIndex::default(),
        }
    }

    pub fn resource(&self, name: &str) -> Option<&Resource> {
        let position = self.resource_index.position(&self.resources, name)?;
        self.resources.get(position)
    }

    pub fn function(&self, name: &str) -> Option<&Function> {
        self.functions.iter().find(|f| f.name == name)
    }

    /// Adds a resource, renaming it with a numeric suffix if the name is taken; returns the name.
    pub fn add_resource(&mut self, name: &str, data: Vec<u8>) -> String {
        let mut unique = name.to_string();
        let mut counter = 1;
        while self.resource(&unique).is_some() {
            unique = format!("{name}_{counter}");
            counter += 1;
        }
        self.resources.push(Resource {
            name: unique.clone(),
            data,
            span: Span::NONE,
        });
        unique
    }

    /// Drops resources no op references through a `@symbol` attribute.
    pub fn remove_unused_resources(&mut self) {
        let mut used = std::collections::HashSet::new();
        for function in &self.functions {
            for op in function.walk() {
                for attribute in function.ops[op].attributes.values() {
                    collect_symbols(attribute, &mut used);
                }
            }
        }
        self.resources.retain(|r| used.contains(&r.name));
    }
}

fn collect_symbols(attribute: &Attribute, out: &mut std::collections::HashSet<String>) {
    match attribute {
        Attribute::Symbol(name) => {
            out.insert(name.clone());
        }
        Attribute::Array(items) => items.iter().for_each(|a| collect_symbols(a, out)),
        _ => {}
    }
}

impl Function {
    pub fn new(name: impl Into<String>) -> Function {
        Function {
            name: name.into(),
            span: Span::NONE,
            values: PrimaryMap::new(),
            ops: PrimaryMap::new(),
            params: Vec::new(),
            param_attributes: Vec::new(),
            result_types: Vec::new(),
            result_type_spans: Vec::new(),
            attributes: Attributes::new(),
            attribute_spans: Vec::new(),
            body: Region::default(),
        }
    }

    pub fn add_param(&mut self, ty: TensorType, name: Option<String>) -> Value {
        let value = self.values.push(ValueData {
            ty,
            def: ValueDef::Param(self.params.len()),
            name,
            span: Span::NONE,
        });
        self.params.push(value);
        self.param_attributes.push(Attributes::new());
        value
    }

    /// Creates an op with fresh result values, not yet placed in any region.
    pub fn create_op(
        &mut self,
        name: impl Into<String>,
        operands: Vec<Value>,
        attributes: Attributes,
        result_types: Vec<TensorType>,
    ) -> Op {
        let op = self.ops.push(OpData {
            name: name.into(),
            operands,
            results: Vec::new(),
            attributes,
            regions: Vec::new(),
            span: Span::NONE,
            spans: OpSpans::default(),
        });
        let results = result_types
            .into_iter()
            .enumerate()
            .map(|(i, ty)| {
                self.values.push(ValueData {
                    ty,
                    def: ValueDef::Result(op, i),
                    name: None,
                    span: Span::NONE,
                })
            })
            .collect();
        self.ops[op].results = results;
        op
    }

    /// Creates an op and appends it to the function body.
    pub fn append_op(
        &mut self,
        name: impl Into<String>,
        operands: Vec<Value>,
        attributes: Attributes,
        result_types: Vec<TensorType>,
    ) -> Op {
        let op = self.create_op(name, operands, attributes, result_types);
        self.body.ops.push(op);
        op
    }

    pub fn value_type(&self, value: Value) -> &TensorType {
        &self.values[value].ty
    }

    /// The op defining `value`, if it is an op result.
    pub fn defining_op(&self, value: Value) -> Option<Op> {
        match self.values[value].def {
            ValueDef::Result(op, _) => Some(op),
            _ => None,
        }
    }

    /// The `return` op ending the body, if present.
    pub fn return_op(&self) -> Option<Op> {
        self.body
            .ops
            .last()
            .copied()
            .filter(|&op| self.ops[op].name == RETURN_OP)
    }

    /// The values the function returns (empty if the body has no `return`).
    pub fn returned_values(&self) -> &[Value] {
        match self.return_op() {
            Some(op) => &self.ops[op].operands,
            None => &[],
        }
    }

    /// Every op reachable from the body, in order, nested regions after their parent op.
    pub fn walk(&self) -> Vec<Op> {
        let mut out = Vec::new();
        self.walk_region(&self.body, &mut out);
        out
    }

    fn walk_region(&self, region: &Region, out: &mut Vec<Op>) {
        for &op in &region.ops {
            out.push(op);
            for nested in &self.ops[op].regions {
                self.walk_region(nested, out);
            }
        }
    }

    /// Number of uses of every value by ops reachable from the body.
    pub fn use_counts(&self) -> cranelift_entity::SecondaryMap<Value, usize> {
        let mut counts = cranelift_entity::SecondaryMap::new();
        for op in self.walk() {
            for &operand in &self.ops[op].operands {
                counts[operand] += 1;
            }
        }
        counts
    }

    /// Makes every op reachable from the body use `new` instead of `old`.
    pub fn replace_all_uses(&mut self, old: Value, new: Value) {
        for op in self.walk() {
            for operand in &mut self.ops[op].operands {
                if *operand == old {
                    *operand = new;
                }
            }
        }
    }

    /// Removes `op` from the body (its data stays in the map, unreachable).
    pub fn remove_from_body(&mut self, op: Op) {
        self.body.ops.retain(|&o| o != op);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The look-up cache follows every edit of the public list: appends, removals, renames.
    #[test]
    fn resources_are_found_after_any_edit() {
        let mut module = Module::new("m");
        for name in ["a", "b", "c"] {
            module.add_resource(name, vec![name.as_bytes()[0]]);
        }
        assert_eq!(module.resource("b").map(|r| r.data[0]), Some(b'b'));
        assert_eq!(module.add_resource("b", vec![9]), "b_1");
        assert_eq!(module.resource("b_1").map(|r| r.data[0]), Some(9));
        module.resources.retain(|r| r.name != "a");
        assert_eq!(module.resource("c").map(|r| r.data[0]), Some(b'c'));
        assert!(module.resource("a").is_none());
        module.resources[0].name = "z".into();
        assert!(module.resource("b").is_none());
        assert_eq!(module.resource("z").map(|r| r.data[0]), Some(b'b'));
        module.resources.reverse();
        for name in ["z", "c", "b_1"] {
            assert_eq!(module.resource(name).map(|r| r.name.as_str()), Some(name));
        }
        let copy = module.clone();
        assert_eq!(copy, module);
        assert_eq!(copy.resource("c").map(|r| r.data[0]), Some(b'c'));
    }
}
