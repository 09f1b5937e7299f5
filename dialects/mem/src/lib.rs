//! The `mem` dialect: the memory plan attached to IR as dialect attributes, so that it is printed,
//! snapshot-tested and read by backends without them knowing how it was made.
//!
//! - `mem.offset = N` on an op: its result lives at byte `N` of the arena. On a function
//!   parameter: the graph input lives there. Views (reshape) carry their source's offset.
//! - `mem.arena_size = N` on a function: the arena's size in bytes, scratch included.

use tmlc_core::attributes::{Attribute, Attributes};
use tmlc_core::dialect::{AttributeDefinition, Context};
use tmlc_core::ir::{Function, Value, ValueDef};

pub const OFFSET: &str = "mem.offset";
pub const ARENA_SIZE: &str = "mem.arena_size";

fn non_negative(attribute: &Attribute) -> Result<(), String> {
    match attribute {
        Attribute::Int(v) if *v >= 0 => Ok(()),
        other => Err(format!("must be a non-negative integer, got {other}")),
    }
}

/// Registers the mem dialect's attributes.
pub fn register(context: &mut Context) {
    context.register_attribute(AttributeDefinition {
        name: OFFSET,
        summary: "byte offset of a value in the arena",
        verify: non_negative,
    });
    context.register_attribute(AttributeDefinition {
        name: ARENA_SIZE,
        summary: "size of a function's arena in bytes",
        verify: non_negative,
    });
}

fn read(attributes: &Attributes, key: &str) -> Option<usize> {
    match attributes.get(key) {
        Some(Attribute::Int(v)) => usize::try_from(*v).ok(),
        _ => None,
    }
}

/// The arena offset of a value (parameter or op result), if planned.
pub fn value_offset(function: &Function, value: Value) -> Option<usize> {
    match function.values[value].def {
        ValueDef::Param(index) => read(function.param_attributes.get(index)?, OFFSET),
        ValueDef::Result(op, 0) => read(&function.ops[op].attributes, OFFSET),
        _ => None,
    }
}

/// Sets the arena offset of a parameter or single-result op.
pub fn set_value_offset(function: &mut Function, value: Value, offset: usize) {
    let attribute = Attribute::Int(offset as i64);
    match function.values[value].def {
        ValueDef::Param(index) => {
            function.param_attributes[index].insert(OFFSET.into(), attribute);
        }
        ValueDef::Result(op, _) => {
            function.ops[op].attributes.insert(OFFSET.into(), attribute);
        }
        ValueDef::RegionArg(..) => {}
    }
}

/// The function's planned arena size.
pub fn arena_size(function: &Function) -> Option<usize> {
    read(&function.attributes, ARENA_SIZE)
}

pub fn set_arena_size(function: &mut Function, size: usize) {
    function
        .attributes
        .insert(ARENA_SIZE.into(), Attribute::Int(size as i64));
}
