//! `inplace`: lets ops write their result over an input that dies at them, so the two share one
//! buffer.
//!
//! Matches: ops whose `in_place` interface allows it and whose portable kernel can run in place
//! (the kernel library): channel by channel (`InPlace::ChannelPlanes`, the depthwise convolution
//! with multiplier 1: one channel plane of scratch, TinyEngine's scheme; marks `mem.inplace = 0`
//! and `mem.scratch_size`), and element by element (`InPlace::Elementwise`: add, sub, mul,
//! softmax, log_softmax, relu, relu6, requantize, the table-lookup activations; over any operand
//! of the result's shape; marks `mem.inplace = K`). An input
//! qualifies when no op after this one reads its buffer and the function does not return it.
//! Needs: the final op order (run after `schedule`, before `alloc`). Preserves: what is computed;
//! only adds mem attributes. Options: none.

use crate::liveness::{analyze, BufferKind, Liveness};
use cranelift_entity::SecondaryMap;
use tmlc_core::attributes::Attribute;
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::dialect::Context;
use tmlc_core::ir::{Function, Module, Op, Value};
use tmlc_core::pass::{Pass, PassInfo, PassOptions};
use tmlc_core::target::KernelVariant;
use tmlc_tinyml::{kernels, InPlace as Ability, OpView};

pub struct InPlace;

pub fn info() -> PassInfo {
    PassInfo {
        name: "inplace",
        summary: "run depthwise convolutions and elementwise ops over their dying input",
        options: &[],
        create: |_: &PassOptions, _| Ok(Box::new(InPlace)),
    }
}

/// What an op needs to run in place: the operand it overwrites and scratch bytes.
struct Candidate {
    op: Op,
    operand: usize,
    scratch: Option<usize>,
}

/// The in-place candidates of a function, in body order, before liveness is checked.
fn candidates(module: &Module, function: &Function) -> Vec<Candidate> {
    let mut out = Vec::new();
    for &op in &function.body.ops {
        let data = &function.ops[op];
        if data.attributes.contains_key(tmlc_mem::INPLACE) || data.results.len() != 1 {
            continue;
        }
        let Some(view) = OpView::of(module, function, op) else {
            continue;
        };
        let kernel_in_place =
            kernels::lookup(&view, KernelVariant::Portable).is_some_and(|kernel| kernel.in_place);
        if !kernel_in_place {
            continue;
        }
        let result = function.value_type(data.results[0]);
        match view.interface().in_place() {
            Ability::Never => {}
            Ability::ChannelPlanes { plane_bytes } => out.push(Candidate {
                op,
                operand: 0,
                scratch: Some(plane_bytes),
            }),
            Ability::Elementwise => {
                for (operand, &value) in data.operands.iter().enumerate() {
                    if function.value_type(value).shape == result.shape {
                        out.push(Candidate {
                            op,
                            operand,
                            scratch: None,
                        });
                    }
                }
            }
        }
    }
    out
}

/// Where each op runs and which buffer holds each value, so that asking whether an operand dies
/// costs a lookup, not a scan of the function.
struct Times {
    time: SecondaryMap<Op, usize>,
    buffer: SecondaryMap<Value, Option<usize>>,
}

impl Times {
    fn new(function: &Function, liveness: &Liveness) -> Times {
        let mut time = SecondaryMap::new();
        for (index, &op) in function.body.ops.iter().enumerate() {
            time[op] = index + 1;
        }
        let mut buffer = SecondaryMap::new();
        for (index, b) in liveness.buffers.iter().enumerate() {
            if b.kind == BufferKind::Values {
                for &value in &b.values {
                    buffer[value] = Some(index);
                }
            }
        }
        Times { time, buffer }
    }
}

/// Whether the candidate's operand dies at its op (no later op reads it, it is not returned).
fn dies_at(function: &Function, liveness: &Liveness, times: &Times, candidate: &Candidate) -> bool {
    let time = times.time[candidate.op];
    let operand = function.ops[candidate.op].operands[candidate.operand];
    times.buffer[operand].is_some_and(|buffer| liveness.buffers[buffer].upper == time + 1)
}

impl Pass for InPlace {
    fn run(&mut self, module: &mut Module, _context: &Context) -> DiagResult<bool> {
        let mut changed = false;
        for index in 0..module.functions.len() {
            // Marking an op in place changes no buffer's lifetime, so one analysis serves every
            // candidate.
            let function = &module.functions[index];
            let liveness = analyze(module, function)?;
            let times = Times::new(function, &liveness);
            let chosen: Vec<Candidate> = candidates(module, function)
                .into_iter()
                .filter(|candidate| dies_at(function, &liveness, &times, candidate))
                .collect();
            for candidate in chosen {
                let attributes = &mut module.functions[index].ops[candidate.op].attributes;
                if attributes.contains_key(tmlc_mem::INPLACE) {
                    continue;
                }
                attributes.insert(
                    tmlc_mem::INPLACE.into(),
                    Attribute::Int(candidate.operand as i64),
                );
                if let Some(bytes) = candidate.scratch {
                    attributes.insert(tmlc_mem::SCRATCH_SIZE.into(), Attribute::Int(bytes as i64));
                }
                changed = true;
            }
        }
        Ok(changed)
    }
}
