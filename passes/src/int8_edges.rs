//! `int8-edges`: gives a model with float32 edges int8 ones, as TinyEngine and most firmware
//! pipelines run such models: a float input read only by a QUANTIZE becomes that QUANTIZE's int8
//! result, and a float output made by a DEQUANTIZE (returned, used nowhere else) becomes the int8
//! tensor it dequantizes. The caller then quantizes with the edges' scale and zero point (the
//! generated `_SCALE` / `_ZERO_POINT` macros), and the arena no longer holds float copies of
//! the edges (mcunet_vww1_80's 76,800-byte float input).
//!
//! Matches: function parameters of element type f32 whose only use is a `tinyml.quantize`, and
//! returned values made by a `tinyml.dequantize` of an int8 tensor. Fails (E302) when a float
//! edge is made or read otherwise (LeNet's float log-softmax output): the model then has no int8
//! view of that edge. Needs: verified IR; run first (before `tile`, which can then start at the
//! int8 input). Preserves: the int8 bytes of every tensor; it changes the function's signature.
//! Options: none.

use tmlc_core::diagnostic::{DiagResult, Diagnostic, ErrorCode};
use tmlc_core::dialect::Context;
use tmlc_core::ir::{Function, Module, Value};
use tmlc_core::pass::{Pass, PassInfo, PassOptions};
use tmlc_core::types::ElementType;
use tmlc_tinyml::OpView;

pub struct Int8Edges;

pub fn info() -> PassInfo {
    PassInfo {
        name: "int8-edges",
        summary: "give float32 model edges their int8 view: drop the QUANTIZE after each float input and the DEQUANTIZE before each float output",
        options: &[],
        create: |_: &PassOptions, _| Ok(Box::new(Int8Edges)),
    }
}

/// The error for edge `what` (`input 0`) of the function, which `why` has no int8 view.
fn no_int8_view(function: &Function, what: String, why: &str, value: Value) -> Diagnostic {
    Diagnostic::new(
        ErrorCode::PassFailed,
        format!(
            "int8-edges: float {what} of @{} has no int8 view: {why}",
            function.name
        ),
    )
    .at(function.values[value].span)
}

fn strip(module: &Module, function: &mut Function) -> DiagResult<bool> {
    let uses = function.use_counts();
    let mut changed = false;
    // Inputs: a float parameter read by one QUANTIZE takes the QUANTIZE's place.
    for (index, &param) in function.params.clone().iter().enumerate() {
        if function.value_type(param).element != ElementType::F32 {
            continue;
        }
        let reader = function.body.ops.iter().copied().find(|&op| {
            function.ops[op].operands.contains(&param)
                && matches!(OpView::of(module, function, op), Some(OpView::Quantize(_)))
        });
        let Some(quantize) = reader.filter(|_| uses[param] == 1) else {
            return Err(no_int8_view(
                function,
                format!("input {index}"),
                "it is not read by exactly one tinyml.quantize",
                param,
            ));
        };
        let result = function.ops[quantize].results[0];
        function.values[param].ty = function.value_type(result).clone();
        function.replace_all_uses(result, param);
        function.remove_from_body(quantize);
        changed = true;
    }
    // Outputs: a float result made by a DEQUANTIZE of int8 returns the int8 tensor instead.
    let uses = function.use_counts();
    for (index, value) in function.returned_values().to_vec().into_iter().enumerate() {
        if function.value_type(value).element != ElementType::F32 {
            continue;
        }
        let maker = function
            .defining_op(value)
            .filter(|&op| {
                matches!(
                    OpView::of(module, function, op),
                    Some(OpView::Dequantize(_))
                )
            })
            .filter(|_| uses[value] == 1);
        let why = "it is not made by a tinyml.dequantize (of int8) used nowhere else";
        let Some(dequantize) = maker else {
            return Err(no_int8_view(
                function,
                format!("output {index}"),
                why,
                value,
            ));
        };
        let source = function.ops[dequantize].operands[0];
        if function.value_type(source).element != ElementType::I8 {
            return Err(no_int8_view(
                function,
                format!("output {index}"),
                why,
                value,
            ));
        }
        let Some(ret) = function.return_op() else {
            continue;
        };
        function.ops[ret].operands[index] = source;
        function.result_types[index] = function.value_type(source).clone();
        function.remove_from_body(dequantize);
        changed = true;
    }
    Ok(changed)
}

impl Pass for Int8Edges {
    fn run(&mut self, module: &mut Module, _context: &Context) -> DiagResult<bool> {
        let mut changed = false;
        for index in 0..module.functions.len() {
            let mut function = module.functions[index].clone();
            changed |= strip(module, &mut function)?;
            module.functions[index] = function;
        }
        Ok(changed)
    }
}
