//! Multiply-accumulates of a function, the unit of work of int8 inference: convolutions,
//! depthwise convolutions and fully-connected layers (one MAC per weight tap per output
//! element); other ops count zero.

use tmlc_core::ir::{Function, Op};

/// MACs of one op.
pub fn op_macs(function: &Function, op: Op) -> u64 {
    let data = &function.ops[op];
    let result = || function.value_type(data.results[0]).num_elements() as u64;
    let weights = || &function.value_type(data.operands[1]).shape;
    match data.name.as_str() {
        "tinyml.conv2d" => {
            let w = weights();
            result() * (w[1] * w[2] * w[3]) as u64
        }
        "tinyml.depthwise_conv2d" => {
            let w = weights();
            result() * (w[1] * w[2]) as u64
        }
        "tinyml.fully_connected" => result() * weights()[1] as u64,
        _ => 0,
    }
}

/// MACs of every op of the function's body.
pub fn function_macs(function: &Function) -> u64 {
    function
        .body
        .ops
        .iter()
        .map(|&op| op_macs(function, op))
        .sum()
}
