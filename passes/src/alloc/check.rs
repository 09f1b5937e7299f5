//! The independent check of a memory plan: every pair of buffers live at the same time is
//! disjoint in memory, or overlaps exactly as an allowance permits; every offset is aligned.
//! `alloc` runs it on every plan it makes; the `check-plan` pass runs it on the plan recorded in
//! the IR, however it got there.

use crate::liveness::{analyze, BufferKind, Conflicts, Liveness};
use tmlc_core::diagnostic::{DiagResult, Diagnostic, ErrorCode};
use tmlc_core::dialect::Context;
use tmlc_core::ir::{Function, Module, ValueDef};
use tmlc_core::pass::{Pass, PassInfo, PassOptions};
use tmlc_core::span::Span;

/// Names a buffer for diagnostics and gives the span of the op that defines it.
fn describe(function: &Function, buffer: &crate::liveness::Buffer) -> (String, Span) {
    match (buffer.kind, buffer.values.first()) {
        (BufferKind::Scratch(op), _) => (
            format!("the scratch of '{}'", function.ops[op].name),
            function.ops[op].span,
        ),
        (BufferKind::Values, Some(&value)) => match function.values[value].def {
            ValueDef::Result(op, _) => (
                format!("the result of '{}'", function.ops[op].name),
                function.ops[op].span,
            ),
            _ => (
                format!(
                    "parameter %{}",
                    function.values[value].name.as_deref().unwrap_or("?")
                ),
                function.values[value].span,
            ),
        },
        (BufferKind::Values, None) => ("an empty buffer".into(), Span::NONE),
    }
}

/// Fails with the first pair of buffers that breaks the rules.
pub fn check_plan(
    function: &Function,
    liveness: &Liveness,
    offsets: &[usize],
    alignment: usize,
) -> DiagResult<()> {
    let buffers = &liveness.buffers;
    for (i, &offset) in offsets.iter().enumerate() {
        if offset % alignment != 0 {
            return Err(Diagnostic::new(
                ErrorCode::PassFailed,
                format!("memory plan is invalid: buffer {i} at offset {offset} is not {alignment}-byte aligned"),
            ));
        }
    }
    // Only buffers live at the same time can conflict: the pairs in time order of `i`, then `j`.
    let conflicts = Conflicts::new(liveness);
    for i in 0..buffers.len() {
        for &j in conflicts.overlaps[i].iter().filter(|&&j| j > i) {
            if !conflicts.compatible(i, offsets[i], j, offsets[j]) {
                let (first, first_span) = describe(function, &buffers[i]);
                let (second, second_span) = describe(function, &buffers[j]);
                return Err(Diagnostic::new(
                    ErrorCode::PassFailed,
                    format!(
                        "memory plan is invalid: {second} at bytes [{}, {}) overlaps {first} at [{}, {}) while both are live",
                        offsets[j],
                        offsets[j] + buffers[j].size,
                        offsets[i],
                        offsets[i] + buffers[i].size,
                    ),
                )
                .at(second_span)
                .with_label("placed over a live buffer")
                .with_secondary(first_span, "this one"));
            }
        }
    }
    Ok(())
}

/// Reads the plan recorded in a function's `mem` attributes back into offsets of
/// `liveness.buffers`, checking that the values of one buffer agree and that everything fits
/// `mem.arena_size`.
pub fn recorded_offsets(function: &Function, liveness: &Liveness) -> DiagResult<Vec<usize>> {
    let missing = |what: String| {
        Diagnostic::new(
            ErrorCode::PassFailed,
            format!("memory plan is incomplete: {what}"),
        )
        .with_note("run the `alloc` pass to plan memory")
    };
    let arena = tmlc_mem::arena_size(function)
        .ok_or_else(|| missing(format!("@{} has no `mem.arena_size`", function.name)))?;
    let mut offsets = Vec::new();
    for (index, buffer) in liveness.buffers.iter().enumerate() {
        let offset = match buffer.kind {
            BufferKind::Values => {
                let mut found = None;
                for &value in &buffer.values {
                    let offset = tmlc_mem::value_offset(function, value)
                        .ok_or_else(|| missing(format!("value {value} has no `mem.offset`")))?;
                    if found.is_some_and(|f| f != offset) {
                        return Err(Diagnostic::new(
                            ErrorCode::PassFailed,
                            format!("memory plan is invalid: value {value} is a view of buffer {index} but has another offset"),
                        ));
                    }
                    found = Some(offset);
                }
                found.unwrap_or(0)
            }
            BufferKind::Scratch(op) => {
                tmlc_mem::read(&function.ops[op].attributes, tmlc_mem::SCRATCH_OFFSET).ok_or_else(
                    || {
                        missing(format!(
                            "'{}' needs scratch but has no `mem.scratch_offset`",
                            function.ops[op].name
                        ))
                    },
                )?
            }
        };
        if offset + buffer.size > arena {
            return Err(Diagnostic::new(
                ErrorCode::PassFailed,
                format!(
                    "memory plan is invalid: buffer {index} [{offset}, {}) exceeds the {arena}-byte arena",
                    offset + buffer.size
                ),
            ));
        }
        offsets.push(offset);
    }
    Ok(offsets)
}

/// `check-plan`: verifies the memory plan recorded in the IR, independently of how it was made.
pub struct CheckPlan;

pub fn info() -> PassInfo {
    PassInfo {
        name: "check-plan",
        summary:
            "verify the recorded memory plan: no two live buffers overlap unless an op allows it",
        options: &[],
        create: |_: &PassOptions, _| Ok(Box::new(CheckPlan)),
    }
}

impl Pass for CheckPlan {
    fn run(&mut self, module: &mut Module, _context: &Context) -> DiagResult<bool> {
        for function in &module.functions {
            let liveness = analyze(module, function)?;
            let offsets = recorded_offsets(function, &liveness)?;
            check_plan(function, &liveness, &offsets, 1)?;
        }
        Ok(false)
    }
}
