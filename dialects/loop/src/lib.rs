//! The `loop` dialect: `loop.patches`, the patch-based execution of the first layers of a network
//! (MCUNetV2) that the `tile` pass makes, and its terminator `loop.yield`.
//!
//! ```text
//! %stage = loop.patches %input {grid = [8, 8], mac_overhead_percent = 3} : tensor<1x24x24x16xi8, ...> {
//!   ^(%x: tensor<1x96x96x1xi8, ...>):
//!     %0 = tinyml.depthwise_conv2d %x, %w0, %b0 {...} : tensor<1x48x48x8xi8, ...>
//!     ...
//!     loop.yield %3
//! }
//! ```
//!
//! The body is a chain of ops written with their full-size types; its meaning is the body computed
//! once over the whole input, which is what the reference interpreter does. A backend computes it
//! output patch by output patch on a `grid = [rows, columns]` of the result, each patch from the
//! input region it needs (its receptive field, halo included), so only patch-sized intermediate
//! tensors are ever live: that is what saves memory. With `stream = true` (a grid of `[N, 1]`,
//! bands of full-width rows) it recomputes no halo: every layer keeps the rows the next one still
//! needs in a row buffer of its own (`patches::stream_plan`); `in_place = [k, ...]` names the
//! body layers (depthwise) that run in place in the previous layer's row buffer, `below = [k,
//! ...]` those that write their output rows below their input rows there.

pub mod patches;

use tmlc_core::diagnostic::DiagResult;
use tmlc_core::dialect::{Context, OpContext, OpDefinition};
use tmlc_core::ir::Region;

pub const PATCHES: &str = "loop.patches";
pub const YIELD: &str = "loop.yield";

/// `loop.patches`.
pub struct Patches;

/// `loop.yield`: ends a `loop.patches` body with the value the loop returns.
pub struct Yield;

/// The body's ops, the argument and the yielded value of a `loop.patches` region.
pub fn body(region: &Region) -> &[tmlc_core::ir::Op] {
    &region.ops[..region.ops.len().saturating_sub(1)]
}

impl OpDefinition for Patches {
    fn name(&self) -> &'static str {
        PATCHES
    }

    fn summary(&self) -> &'static str {
        "computes a chain of layers patch by patch over a grid of its output"
    }

    fn regions(&self) -> usize {
        1
    }

    fn verify(&self, op: &OpContext) -> DiagResult<()> {
        op.expect_operands(1, 1)?;
        op.expect_results(1)?;
        op.expect_attributes(&[
            "grid",
            "mac_overhead_percent",
            "predicted_overhead_percent",
            "stream",
            "in_place",
            "below",
        ])?;
        let grid = op.int_array_attribute("grid", Some(2), None)?;
        if grid.iter().any(|&g| !(1..=1024).contains(&g)) {
            return Err(op.attribute_error("grid", "the grid must be two numbers in [1, 1024]"));
        }
        match op.data().attributes.get("stream") {
            None | Some(tmlc_core::attributes::Attribute::Bool(false)) => {}
            Some(tmlc_core::attributes::Attribute::Bool(true)) if grid[1] == 1 => {}
            Some(tmlc_core::attributes::Attribute::Bool(true)) => {
                return Err(op.attribute_error(
                    "stream",
                    "a streamed loop runs bands of full-width rows: its grid must be [N, 1]",
                ))
            }
            Some(_) => return Err(op.attribute_error("stream", "`stream` must be true or false")),
        }
        for key in ["in_place", "below"] {
            if !op.data().attributes.contains_key(key) {
                continue;
            }
            let streamed = matches!(
                op.data().attributes.get("stream"),
                Some(tmlc_core::attributes::Attribute::Bool(true))
            );
            let layers = op.data().regions.first().map_or(0, |r| body(r).len());
            let listed = op.int_array_attribute(key, None, None)?;
            if !streamed || listed.iter().any(|&k| k < 1 || k as usize >= layers) {
                return Err(op.attribute_error(
                    key,
                    format!("`{key}` names body layers after the first of a streamed loop"),
                ));
            }
        }
        let data = op.data();
        let [region] = data.regions.as_slice() else {
            return Err(op.error("needs exactly one region (the layers computed per patch)"));
        };
        let function = op.function;
        if region.arguments.len() != 1
            || function.value_type(region.arguments[0]) != op.operand_type(0)
        {
            return Err(op.error("its region takes one argument of the operand's type"));
        }
        let Some(&last) = region.ops.last() else {
            return Err(op.error("its region must end with `loop.yield`"));
        };
        let yielded = &function.ops[last];
        if yielded.name != YIELD || yielded.operands.len() != 1 {
            return Err(op.error("its region must end with `loop.yield` of one value"));
        }
        if function.value_type(yielded.operands[0]) != op.result_type(0) {
            return Err(op.result_error(0, "the result type must be the type of the yielded value"));
        }
        // A chain: every op reads the previous op's result (or the argument) as operand 0.
        let mut previous = region.arguments[0];
        for &inner in body(region) {
            let inner = &function.ops[inner];
            if inner.operands.first() != Some(&previous) || inner.results.len() != 1 {
                return Err(op.error(format!(
                    "its body must be a chain: '{}' does not read the previous layer",
                    inner.name
                )));
            }
            previous = inner.results[0];
        }
        if yielded.operands[0] != previous {
            return Err(op.error("`loop.yield` must return the last layer of the chain"));
        }
        Ok(())
    }
}

impl OpDefinition for Yield {
    fn name(&self) -> &'static str {
        YIELD
    }

    fn summary(&self) -> &'static str {
        "ends a loop body with its value"
    }

    fn verify(&self, op: &OpContext) -> DiagResult<()> {
        op.expect_operands(1, 1)?;
        op.expect_results(0)?;
        op.expect_attributes(&[])
    }
}

/// Registers the loop dialect's ops.
pub fn register(context: &mut Context) {
    context.register_op(Box::new(Patches));
    context.register_op(Box::new(Yield));
}
