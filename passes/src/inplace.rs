//! `inplace`: lets ops write their result over an input that dies at them, so the two share one
//! buffer.
//!
//! Matches: `tinyml.depthwise_conv2d` with multiplier 1 and batch 1 whose output is no larger
//! than its input in height and width (computed channel by channel through one channel plane of
//! scratch, TinyEngine's scheme: marks `mem.inplace = 0` and `mem.scratch_size = out_h * out_w`);
//! and elementwise ops whose kernels may run in place, `tinyml.add` (over an operand of the
//! result's shape), `tinyml.softmax`, `tinyml.relu`, `tinyml.relu6` and `tinyml.requantize`
//! (marks `mem.inplace = K`). An input qualifies when no op
//! after this one reads its buffer and the function does not return it. Needs: the final op
//! order (run after `schedule`, before `alloc`). Preserves: what is computed; only adds mem
//! attributes. Options: none.

use crate::liveness::{analyze, BufferKind};
use tmlc_core::attributes::Attribute;
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::dialect::Context;
use tmlc_core::ir::{Module, Op, Value};
use tmlc_core::pass::{Pass, PassInfo, PassOptions};

pub struct InPlace;

pub fn info() -> PassInfo {
    PassInfo {
        name: "inplace",
        summary: "run depthwise convolutions and elementwise ops over their dying input",
        options: &[],
        create: |_: &PassOptions| Ok(Box::new(InPlace)),
    }
}

/// What an op needs to run in place: the operand it overwrites and scratch bytes.
struct Candidate {
    op: Op,
    operand: usize,
    scratch: Option<usize>,
}

/// The in-place candidates of function `index`, in body order, before liveness is checked.
fn candidates(module: &Module, index: usize) -> Vec<Candidate> {
    let function = &module.functions[index];
    let mut out = Vec::new();
    for &op in &function.body.ops {
        let data = &function.ops[op];
        if data.attributes.contains_key(tmlc_mem::INPLACE) || data.results.len() != 1 {
            continue;
        }
        let result = function.value_type(data.results[0]);
        match data.name.as_str() {
            "tinyml.depthwise_conv2d" => {
                let input = function.value_type(data.operands[0]);
                let multiplier = match data.attributes.get("multiplier") {
                    Some(Attribute::Int(m)) => *m,
                    _ => 1,
                };
                let fits = input.shape[0] == 1
                    && result.shape[1] <= input.shape[1]
                    && result.shape[2] <= input.shape[2];
                if multiplier == 1 && fits {
                    out.push(Candidate {
                        op,
                        operand: 0,
                        scratch: Some(result.shape[1] * result.shape[2]),
                    });
                }
            }
            "tinyml.add" | "tinyml.softmax" | "tinyml.relu" | "tinyml.relu6"
            | "tinyml.requantize" => {
                let same_shape = |v: &Value| function.value_type(*v).shape == result.shape;
                for (operand, value) in data.operands.iter().enumerate() {
                    if same_shape(value) {
                        out.push(Candidate {
                            op,
                            operand,
                            scratch: None,
                        });
                    }
                }
            }
            _ => {}
        }
    }
    out
}

impl Pass for InPlace {
    fn run(&mut self, module: &mut Module, _context: &Context) -> DiagResult<bool> {
        let mut changed = false;
        for index in 0..module.functions.len() {
            for candidate in candidates(module, index) {
                let function = &module.functions[index];
                if function.ops[candidate.op]
                    .attributes
                    .contains_key(tmlc_mem::INPLACE)
                {
                    continue;
                }
                let liveness = analyze(module, function)?;
                let time = function
                    .body
                    .ops
                    .iter()
                    .position(|&o| o == candidate.op)
                    .unwrap_or(0)
                    + 1;
                let operand = function.ops[candidate.op].operands[candidate.operand];
                let dies_here = liveness.buffers.iter().any(|buffer| {
                    buffer.kind == BufferKind::Values
                        && buffer.values.contains(&operand)
                        && buffer.upper == time + 1
                });
                if !dies_here {
                    continue;
                }
                let attributes = &mut module.functions[index].ops[candidate.op].attributes;
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
