//! `canonicalize`: local clean-ups that never change what the model computes.
//!
//! Matches: ops whose results are unused (every tinyml op is pure), `reshape` of a `reshape`
//! (folded into one reshape of the original value), and `reshape` to the type it already has
//! (removed). Needs: verified IR. Preserves: results, op order of the remaining ops. Drops
//! resources no longer referenced. Options: none.

use tmlc_core::diagnostic::DiagResult;
use tmlc_core::dialect::Context;
use tmlc_core::ir::{Function, Module, RETURN_OP};
use tmlc_core::pass::{Pass, PassInfo, PassOptions};

const RESHAPE: &str = "tinyml.reshape";

pub struct Canonicalize;

pub fn info() -> PassInfo {
    PassInfo {
        name: "canonicalize",
        summary: "remove dead ops and fold reshape chains and identity reshapes",
        options: &[],
        create: |_: &PassOptions| Ok(Box::new(Canonicalize)),
    }
}

impl Pass for Canonicalize {
    fn run(&mut self, module: &mut Module, _context: &Context) -> DiagResult<bool> {
        let mut changed = false;
        for function in &mut module.functions {
            changed |= fold_reshapes(function);
            changed |= remove_dead_ops(function);
        }
        if changed {
            module.remove_unused_resources();
        }
        Ok(changed)
    }
}

/// Rewrites `reshape(reshape(x))` to `reshape(x)` and drops reshapes that change nothing.
fn fold_reshapes(function: &mut Function) -> bool {
    let mut changed = false;
    for op in function.body.ops.clone() {
        if function.ops[op].name != RESHAPE {
            continue;
        }
        let input = function.ops[op].operands[0];
        if let Some(producer) = function.defining_op(input) {
            if function.ops[producer].name == RESHAPE {
                function.ops[op].operands[0] = function.ops[producer].operands[0];
                changed = true;
            }
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
