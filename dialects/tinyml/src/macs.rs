//! Multiply-accumulates of a function, the unit of work of int8 inference: convolutions,
//! depthwise convolutions and fully-connected layers (one MAC per weight tap per output
//! element); other ops count zero.

use crate::ops::OpView;
use tmlc_core::ir::{Function, Module, Op};

/// MACs of one op: its MACs per output element times its output elements.
pub fn op_macs(module: &Module, function: &Function, op: Op) -> u64 {
    let Some(view) = OpView::of(module, function, op) else {
        return 0;
    };
    let per_output = view.interface().macs_per_output();
    if per_output == 0 {
        return 0;
    }
    let result = function.ops[op].results[0];
    per_output * function.value_type(result).num_elements() as u64
}

/// MACs of every op of the function's body.
pub fn function_macs(module: &Module, function: &Function) -> u64 {
    function
        .body
        .ops
        .iter()
        .map(|&op| op_macs(module, function, op))
        .sum()
}
