//! `canonicalize`: local clean-ups that never change what the model computes.
//!
//! Matches: ops whose results are unused (every tinyml op is pure), a pure view (reshape,
//! squeeze: the `is_view` interface) of a pure view (folded into one reshape of the original
//! value), and views to the type their operand already has (removed). Needs: verified IR. Preserves: results, op order of the remaining ops. Drops
//! resources no longer referenced. Options: none.

use crate::liveness::is_view;
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::dialect::is_dialect_attribute;
use tmlc_core::dialect::Context;
use tmlc_core::ir::{Function, Module, RETURN_OP};
use tmlc_core::pass::{Pass, PassInfo, PassOptions};
use tmlc_tinyml::OpKind;

pub struct Canonicalize;

pub fn info() -> PassInfo {
    PassInfo {
        name: "canonicalize",
        summary: "remove dead ops and fold reshape chains and identity reshapes",
        options: &[],
        create: |_: &PassOptions, _| Ok(Box::new(Canonicalize)),
    }
}

impl Pass for Canonicalize {
    fn run(&mut self, module: &mut Module, _context: &Context) -> DiagResult<bool> {
        let mut changed = false;
        for index in 0..module.functions.len() {
            changed |= fold_views(module, index);
            changed |= remove_dead_ops(&mut module.functions[index]);
        }
        if changed {
            module.remove_unused_resources();
        }
        Ok(changed)
    }
}

/// Rewrites `view(view(x))` to `reshape(x)` (a pure view sees bytes, whatever view made them)
/// and drops views that change nothing.
fn fold_views(module: &mut Module, index: usize) -> bool {
    let mut changed = false;
    for op in module.functions[index].body.ops.clone() {
        if !is_view(module, &module.functions[index], op) {
            continue;
        }
        let function = &module.functions[index];
        let input = function.ops[op].operands[0];
        let producer = function
            .defining_op(input)
            .filter(|&producer| is_view(module, function, producer));
        let function = &mut module.functions[index];
        if let Some(producer) = producer {
            // The outer view now reads the original bytes, so it becomes the plain view: a
            // reshape (a squeeze's `dims` would name axes of the inner view's shape).
            let original = function.ops[producer].operands[0];
            let data = &mut function.ops[op];
            data.operands[0] = original;
            data.name = OpKind::Reshape.name().to_string();
            data.attributes.retain(|key, _| is_dialect_attribute(key));
            changed = true;
        }
        let source = function.ops[op].operands[0];
        let result = function.ops[op].results[0];
        if function.value_type(source) == function.value_type(result) {
            function.replace_all_uses(result, source);
            changed = true;
        }
    }
    changed
}

/// Removes ops (other than `return`) none of whose results is used, until none is left.
fn remove_dead_ops(function: &mut Function) -> bool {
    let mut changed = false;
    loop {
        let uses = function.use_counts();
        let dead: Vec<_> = function
            .body
            .ops
            .iter()
            .copied()
            .filter(|&op| {
                let data = &function.ops[op];
                data.name != RETURN_OP && data.results.iter().all(|&r| uses[r] == 0)
            })
            .collect();
        if dead.is_empty() {
            return changed;
        }
        function.body.ops.retain(|op| !dead.contains(op));
        changed = true;
    }
}
