//! Liveness of activation buffers on the scheduled op order (the body order). Constants live in
//! flash and have no buffer; a reshape is a view of its operand's buffer; graph inputs and
//! outputs are buffers too. Time `0` is before the first op, op `i` runs at time `i + 1`, and the
//! outputs stay live after the last op.

use cranelift_entity::SecondaryMap;
use tmlc_core::ir::{Function, Value};

/// Ops whose result is its operand's bytes seen with another type.
pub fn is_view(op_name: &str) -> bool {
    op_name == "tinyml.reshape"
}

/// One arena buffer: a root value and the views of it, live over `[lower, upper)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Buffer {
    /// The value that owns the bytes, then its views.
    pub values: Vec<Value>,
    pub size: usize,
    pub lower: usize,
    pub upper: usize,
}

impl Buffer {
    /// Whether two buffers are live at the same time.
    pub fn overlaps_in_time(&self, other: &Buffer) -> bool {
        self.lower < other.upper && other.lower < self.upper
    }
}

/// The buffers of a function's body, in order of definition.
pub fn buffers(function: &Function) -> Vec<Buffer> {
    let mut buffer_of: SecondaryMap<Value, Option<usize>> = SecondaryMap::new();
    let mut buffers: Vec<Buffer> = Vec::new();
    for &param in &function.params {
        buffer_of[param] = Some(buffers.len());
        buffers.push(Buffer {
            values: vec![param],
            size: function.value_type(param).byte_size(),
            lower: 0,
            upper: 1,
        });
    }
    let end = function.body.ops.len() + 1;
    for (index, &op) in function.body.ops.iter().enumerate() {
        let time = index + 1;
        let data = &function.ops[op];
        for &operand in &data.operands {
            if let Some(buffer) = buffer_of[operand] {
                buffers[buffer].upper = buffers[buffer].upper.max(time + 1);
            }
        }
        if data.name == tmlc_core::ir::RETURN_OP {
            for &operand in &data.operands {
                if let Some(buffer) = buffer_of[operand] {
                    buffers[buffer].upper = end + 1;
                }
            }
            continue;
        }
        if data.name == "tinyml.const" {
            continue;
        }
        for &result in &data.results {
            if is_view(&data.name) {
                if let Some(buffer) = data.operands.first().and_then(|&o| buffer_of[o]) {
                    buffer_of[result] = Some(buffer);
                    buffers[buffer].values.push(result);
                    continue;
                }
            }
            buffer_of[result] = Some(buffers.len());
            buffers.push(Buffer {
                values: vec![result],
                size: function.value_type(result).byte_size(),
                lower: time,
                upper: time + 1,
            });
        }
    }
    buffers
}

/// Max over time of the bytes of all live buffers: what any placement of these buffers needs.
pub fn lower_bound(buffers: &[Buffer]) -> usize {
    let end = buffers.iter().map(|b| b.upper).max().unwrap_or(0);
    (0..end)
        .map(|t| {
            buffers
                .iter()
                .filter(|b| b.lower <= t && t < b.upper)
                .map(|b| b.size)
                .sum::<usize>()
        })
        .max()
        .unwrap_or(0)
}
