//! The independent check of a memory plan: every pair of buffers live at the same time is
//! disjoint in memory, or overlaps exactly as an allowance permits; every offset is aligned.
//! `alloc` runs it on every plan it makes; the `check-plan` pass runs it on the plan recorded in
//! the IR, however it got there.

use crate::liveness::{analyze, BufferKind, Liveness};
use tmlc_core::diagnostic::{DiagResult, Diagnostic, ErrorCode};
use tmlc_core::dialect::Context;
use tmlc_core::ir::{Function, Module};
use tmlc_core::pass::{Pass, PassInfo, PassOptions};

/// Fails with the first pair of buffers that breaks the rules.
pub fn check_plan(liveness: &Liveness, offsets: &[usize], alignment: usize) -> DiagResult<()> {
    let buffers = &liveness.buffers;
    for (i, &offset) in offsets.iter().enumerate() {
        if offset % alignment != 0 {
            return Err(Diagnostic::new(
                ErrorCode::PassFailed,
                format!("memory plan is invalid: buffer {i} at offset {offset} is not {alignment}-byte aligned"),
            ));
        }
    }
    for i in 0..buffers.len() {
        for j in i + 1..buffers.len() {
            if !liveness.compatible(i, offsets[i], j, offsets[j]) {
                return Err(Diagnostic::new(
                    ErrorCode::PassFailed,
                    format!(
                        "memory plan is invalid: buffers {i} [{}, {}) and {j} [{}, {}) are live together (times [{}, {}) and [{}, {})) and overlap",
                        offsets[i],
                        offsets[i] + buffers[i].size,
                        offsets[j],
                        offsets[j] + buffers[j].size,
                        buffers[i].lower,
                        buffers[i].upper,
                        buffers[j].lower,
                        buffers[j].upper
                    ),
                ));
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
        create: |_: &PassOptions| Ok(Box::new(CheckPlan)),
    }
}

impl Pass for CheckPlan {
    fn run(&mut self, module: &mut Module, _context: &Context) -> DiagResult<bool> {
        for function in &module.functions {
            let liveness = analyze(module, function)?;
            let offsets = recorded_offsets(function, &liveness)?;
            check_plan(&liveness, &offsets, 1)?;
        }
        Ok(false)
    }
}
