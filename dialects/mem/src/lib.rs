//! The `mem` dialect: the memory plan attached to IR as dialect attributes, so that it is printed,
//! snapshot-tested and read by backends without them knowing how it was made.
//!
//! - `mem.offset = N` on an op: its result lives at byte `N` of the arena. On a function
//!   parameter: the graph input lives there. Views (reshape) carry their source's offset.
//! - `mem.arena_size = N` on a function: the arena's size in bytes, scratch included.
//! - `mem.inplace = K` on an op (set by `inplace`): its result overwrites operand `K`'s buffer.
//! - `mem.scratch_size = N` on an op (set by `inplace`): it needs `N` bytes of scratch while it
//!   runs; `mem.scratch_offset = M` (set by `alloc`) says where.
//! - `mem.kernel = arm_dsp` on an op (set by `select-kernels`): the kernel variant the backend
//!   calls (its scratch is the op's `mem.scratch_size`); absent, the portable kernel.

use tmlc_core::attributes::{Attribute, Attributes};
use tmlc_core::dialect::{AttributeDefinition, Context};
use tmlc_core::ir::{Function, Value, ValueDef};
use tmlc_core::target::KernelVariant;

pub const OFFSET: &str = "mem.offset";
pub const ARENA_SIZE: &str = "mem.arena_size";
pub const INPLACE: &str = "mem.inplace";
pub const SCRATCH_SIZE: &str = "mem.scratch_size";
pub const SCRATCH_OFFSET: &str = "mem.scratch_offset";
pub const KERNEL: &str = "mem.kernel";
/// `wide`: the op's kernel reads its constant weights in the library's wide (int16) layout
/// (`tmlc_tinyml::kernels::WeightLayout`), which `select-kernels` chooses when the flash allows.
pub const WEIGHTS: &str = "mem.weights";

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
        name: INPLACE,
        summary: "the operand whose buffer an op's result overwrites",
        verify: non_negative,
    });
    context.register_attribute(AttributeDefinition {
        name: SCRATCH_SIZE,
        summary: "bytes of scratch an op needs while it runs",
        verify: non_negative,
    });
    context.register_attribute(AttributeDefinition {
        name: SCRATCH_OFFSET,
        summary: "byte offset of an op's scratch in the arena",
        verify: non_negative,
    });
    context.register_attribute(AttributeDefinition {
        name: KERNEL,
        summary: "which kernel variant the backend calls (portable, arm_dsp)",
        verify: |attribute| match attribute {
            Attribute::Keyword(name) if KernelVariant::from_name(name).is_some() => Ok(()),
            other => Err(format!(
                "must be a kernel variant ({}), got {other}",
                KernelVariant::ALL.map(KernelVariant::name).join(", ")
            )),
        },
    });
    context.register_attribute(AttributeDefinition {
        name: WEIGHTS,
        summary: "the layout of an op's constant weights when not the kernel's default (wide)",
        verify: |attribute| match attribute {
            Attribute::Keyword(name) if name == "wide" => Ok(()),
            other => Err(format!("must be `wide`, got {other}")),
        },
    });
    context.register_attribute(AttributeDefinition {
        name: ARENA_SIZE,
        summary: "size of a function's arena in bytes",
        verify: non_negative,
    });
}

/// An integer mem attribute of an op's attribute dictionary.
pub fn read(attributes: &Attributes, key: &str) -> Option<usize> {
    match attributes.get(key) {
        Some(Attribute::Int(v)) => usize::try_from(*v).ok(),
        _ => None,
    }
}

/// The kernel variant an op runs (`mem.kernel`; portable when absent).
pub fn kernel_variant(attributes: &Attributes) -> KernelVariant {
    match attributes.get(KERNEL) {
        Some(Attribute::Keyword(name)) => {
            KernelVariant::from_name(name).unwrap_or(KernelVariant::Portable)
        }
        _ => KernelVariant::Portable,
    }
}

/// Whether the op's kernel reads its weights in the wide layout (`mem.weights = wide`).
pub fn wide_weights(attributes: &Attributes) -> bool {
    matches!(attributes.get(WEIGHTS), Some(Attribute::Keyword(name)) if name == "wide")
}

/// Records the kernel variant of an op.
pub fn set_kernel_variant(attributes: &mut Attributes, variant: KernelVariant) {
    attributes.insert(KERNEL.into(), Attribute::Keyword(variant.name().into()));
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
