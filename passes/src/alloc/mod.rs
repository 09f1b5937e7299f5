//! `alloc`: gives every arena buffer (activations and scratch) an offset in one arena and records
//! the plan in the IR: `mem.offset` on ops and parameters, `mem.scratch_offset` on ops with
//! scratch, `mem.arena_size` on the function.
//!
//! Matches: every function. Needs: verified IR in its final op order (after `schedule` and
//! `inplace`). Preserves: ops and their order; only adds mem attributes.
//!
//! How: liveness (`crate::liveness`) gives the buffers; the plain planner (`crate::arena`: several
//! greedy heuristics, then an exact branch and bound, time-bounded, whenever they miss the
//! lower bound) places them with no two live buffers overlapping; when window ops may overlap
//! their output with their dying input (`overlap=true`, the default), an allowance-aware best
//! fit (`overlap`) tries too, and the smaller plan wins. An independent check (`check`) proves
//! every plan before it is written. Options: `alignment` (bytes, a power of two; default the
//! target's arena alignment), `timeout-ms` for the
//! exact search (default 2000), `overlap` (default true).

pub mod check;
pub mod overlap;

use crate::arena::{self, PlanOptions, Problem};
use crate::liveness::{analyze, BufferKind, Liveness};
use check::check_plan;
use std::time::Duration;
use tmlc_core::diagnostic::{DiagResult, Diagnostic, ErrorCode};
use tmlc_core::dialect::Context;
use tmlc_core::ir::{Function, Module};
use tmlc_core::pass::{Pass, PassInfo, PassOption, PassOptions};
use tmlc_core::target::Target;

pub struct Alloc {
    alignment: usize,
    timeout: Duration,
    overlap: bool,
}

pub fn info() -> PassInfo {
    PassInfo {
        name: "alloc",
        summary: "plan the arena: offsets for every activation and scratch buffer (exact when heuristics miss the lower bound)",
        options: &[
            PassOption {
                name: "alignment",
                help: "byte alignment of every offset, a power of two (default: the target's)",
            },
            PassOption {
                name: "timeout-ms",
                help: "time the exact search may take per function (default 2000)",
            },
            PassOption {
                name: "overlap",
                help: "let window ops write their output over input rows already read (default true)",
            },
        ],
        create: |options: &PassOptions, target: &Target| {
            let alignment = options.usize("alignment", target.memory.alignment as usize)?;
            if !alignment.is_power_of_two() {
                let diagnostic = Diagnostic::new(
                    ErrorCode::InvalidPipeline,
                    format!(
                        "option `alignment` of pass `alloc` must be a power of two, got {alignment}"
                    ),
                );
                return Err(match options.values.get("alignment") {
                    Some((_, span)) => diagnostic.at(*span),
                    None => diagnostic,
                });
            }
            Ok(Box::new(Alloc {
                alignment,
                timeout: Duration::from_millis(options.usize("timeout-ms", 2000)? as u64),
                overlap: options.bool("overlap", true)?,
            }))
        },
    }
}

fn align_up(value: usize, alignment: usize) -> usize {
    value.div_ceil(alignment) * alignment
}

/// The plain problem: the same buffers, no overlap allowed.
pub fn plain_problem(liveness: &Liveness, alignment: usize) -> Problem {
    Problem::new(
        liveness
            .buffers
            .iter()
            .enumerate()
            .map(|(i, b)| {
                arena::Buffer::new(
                    format!("b{i}"),
                    b.lower as u64,
                    b.upper as u64,
                    b.size.max(1) as u64,
                )
                .with_alignment(alignment as u64)
            })
            .collect(),
    )
}

/// Plans one function's arena; returns the offsets of `liveness.buffers`.
pub fn plan_function(
    function: &Function,
    liveness: &Liveness,
    alignment: usize,
    timeout: Duration,
    overlap: bool,
) -> DiagResult<Vec<usize>> {
    let problem = plain_problem(liveness, alignment);
    let options = PlanOptions {
        budget: timeout,
        ..PlanOptions::default()
    };
    let plan = arena::plan(&problem, &options)
        .map_err(|e| Diagnostic::new(ErrorCode::PassFailed, e.to_string()))?;
    let mut offsets: Vec<usize> = plan.solution.offsets.iter().map(|&o| o as usize).collect();
    if overlap && !liveness.allowances.is_empty() {
        // The placement heuristics are not monotone in the allowances, and a plan valid without
        // an allowance is valid with it: also try without each kind of op's allowances.
        let mut kinds: Vec<&str> = liveness
            .allowances
            .iter()
            .map(|a| function.ops[a.op].name.as_str())
            .collect();
        kinds.sort_unstable();
        kinds.dedup();
        let mut candidates = vec![liveness.clone()];
        for kind in kinds {
            let mut fewer = liveness.clone();
            fewer.allowances.retain(|a| function.ops[a.op].name != kind);
            candidates.push(fewer);
        }
        for candidate in &candidates {
            let overlapped = overlap::place(candidate, alignment);
            if overlap::peak(liveness, &overlapped) < overlap::peak(liveness, &offsets) {
                offsets = overlapped;
            }
        }
    }
    check_plan(function, liveness, &offsets, alignment)?;
    Ok(offsets)
}

fn write_plan(function: &mut Function, liveness: &Liveness, offsets: &[usize], alignment: usize) {
    for (buffer, &offset) in liveness.buffers.iter().zip(offsets) {
        match buffer.kind {
            BufferKind::Values => {
                for &value in &buffer.values {
                    tmlc_mem::set_value_offset(function, value, offset);
                }
            }
            BufferKind::Scratch(op) => {
                function.ops[op].attributes.insert(
                    tmlc_mem::SCRATCH_OFFSET.into(),
                    tmlc_core::attributes::Attribute::Int(offset as i64),
                );
            }
        }
    }
    let size = overlap::peak(liveness, offsets);
    tmlc_mem::set_arena_size(function, align_up(size, alignment));
}

impl Pass for Alloc {
    fn run(&mut self, module: &mut Module, _context: &Context) -> DiagResult<bool> {
        for index in 0..module.functions.len() {
            let liveness = analyze(module, &module.functions[index])?;
            let function = &module.functions[index];
            let offsets = plan_function(
                function,
                &liveness,
                self.alignment,
                self.timeout,
                self.overlap,
            )?;
            write_plan(
                &mut module.functions[index],
                &liveness,
                &offsets,
                self.alignment,
            );
        }
        Ok(true)
    }
}
