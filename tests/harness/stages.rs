//! Cutting a network right after its first patch loop, so that a test can compare the whole
//! stage output (thousands of bytes, where a softmax would hide errors) between the interpreter
//! and compiled C.

use tmlc_core::ir::Module;

/// Makes the first function return the result of its first `loop.patches` op, dropping what
/// follows and the resources only that used. Returns false when there is no patch loop.
pub fn cut_after_first_patch_loop(module: &mut Module) -> bool {
    let function = &mut module.functions[0];
    let Some(position) = function
        .body
        .ops
        .iter()
        .position(|&op| function.ops[op].name == tmlc_loop::PATCHES)
    else {
        return false;
    };
    let patch_loop = function.body.ops[position];
    let stage = function.ops[patch_loop].results[0];
    let Some(return_op) = function.return_op() else {
        return false;
    };
    function.ops[return_op].operands = vec![stage];
    function.result_types = vec![function.value_type(stage).clone()];
    function.body.ops.truncate(position + 1);
    function.body.ops.push(return_op);
    module.remove_unused_resources();
    true
}
