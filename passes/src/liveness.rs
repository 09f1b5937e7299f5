//! Liveness of arena buffers on the scheduled op order (the body order). Constants live in flash
//! and have no buffer; a reshape is a view of its operand's buffer; an op marked `mem.inplace = K`
//! writes its result into operand `K`'s buffer; an op with `mem.scratch_size` gets a scratch
//! buffer live only while it runs; graph inputs and outputs are buffers too. Time `0` is before
//! the first op, op `i` of the body runs at time `i + 1`, outputs stay live after the last op.
//!
//! It also finds the overlapping placements a planner may use: a sliding-window op whose kernel
//! walks rows in increasing order (the kernel library's `RowOrder::Increasing`) computes its
//! output row by row and reads input rows in increasing order, so when its input dies at the op,
//! the output may start `margin` bytes below the input and overwrite input rows already
//! consumed. Ops are asked through their interfaces (constant, pure view, sliding window).

use cranelift_entity::SecondaryMap;
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::ir::{Function, Module, Op, Value, RETURN_OP};
use tmlc_tinyml::kernels::{self, RowOrder};
use tmlc_tinyml::OpView;

/// Whether `op`'s result is its operand's bytes seen with another type (a pure view).
pub fn is_view(module: &Module, function: &Function, op: Op) -> bool {
    OpView::of(module, function, op).is_some_and(|view| view.interface().is_view())
}

/// Whether `op` defines a constant (which lives in flash and has no buffer).
pub fn is_constant(module: &Module, function: &Function, op: Op) -> bool {
    matches!(OpView::of(module, function, op), Some(OpView::Const(_)))
}

/// What a buffer holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BufferKind {
    /// One or more values (a root, its views and in-place results).
    Values,
    /// The scratch of one op.
    Scratch(Op),
}

/// One arena buffer, live over `[lower, upper)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Buffer {
    /// The values stored in it, in order of definition (empty for scratch).
    pub values: Vec<Value>,
    pub kind: BufferKind,
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

/// How an output may overlap its op's input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlap {
    /// The output starts at least `margin` bytes below the input.
    Below { margin: usize },
    /// The output starts exactly where the input starts (in-place execution).
    Same,
}

/// Permission for buffer `output` to overlap buffer `input` in the way `overlap` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverlapAllowance {
    pub op: Op,
    pub input: usize,
    pub output: usize,
    pub overlap: Overlap,
}

impl OverlapAllowance {
    /// Whether the offsets are a placement this allowance permits.
    pub fn permits(&self, input_offset: usize, output_offset: usize) -> bool {
        match self.overlap {
            Overlap::Below { margin } => output_offset + margin <= input_offset,
            Overlap::Same => output_offset == input_offset,
        }
    }
}

/// Buffers and overlap allowances of a function.
#[derive(Debug, Clone, Default)]
pub struct Liveness {
    pub buffers: Vec<Buffer>,
    pub allowances: Vec<OverlapAllowance>,
}

/// The pairs of buffers a placement must respect, indexed once so that placing or checking a
/// buffer looks only at its own neighbours (linear in buffers plus pairs live together, where
/// testing every pair would be quadratic in the ops of a long chain).
pub struct Conflicts<'a> {
    liveness: &'a Liveness,
    /// For each buffer, the buffers live at the same time as it (ascending).
    pub overlaps: Vec<Vec<usize>>,
    /// For each buffer, the indices of the allowances it is the input or the output of.
    allowances: Vec<Vec<usize>>,
}

impl<'a> Conflicts<'a> {
    pub fn new(liveness: &'a Liveness) -> Conflicts<'a> {
        let buffers = &liveness.buffers;
        let mut by_lower: Vec<usize> = (0..buffers.len()).collect();
        by_lower.sort_by_key(|&i| (buffers[i].lower, i));
        let mut overlaps = vec![Vec::new(); buffers.len()];
        let mut active: Vec<usize> = Vec::new();
        for &i in &by_lower {
            active.retain(|&j| buffers[j].upper > buffers[i].lower);
            for &j in &active {
                if buffers[j].overlaps_in_time(&buffers[i]) {
                    overlaps[i].push(j);
                    overlaps[j].push(i);
                }
            }
            active.push(i);
        }
        for list in &mut overlaps {
            list.sort_unstable();
        }
        let mut allowances = vec![Vec::new(); buffers.len()];
        for (k, allowance) in liveness.allowances.iter().enumerate() {
            allowances[allowance.input].push(k);
            if allowance.output != allowance.input {
                allowances[allowance.output].push(k);
            }
        }
        Conflicts {
            liveness,
            overlaps,
            allowances,
        }
    }

    /// The allowances buffer `buffer` takes part in.
    pub fn allowances_of(&self, buffer: usize) -> impl Iterator<Item = &'a OverlapAllowance> + '_ {
        self.allowances[buffer]
            .iter()
            .map(|&k| &self.liveness.allowances[k])
    }

    /// Whether buffers `a` and `b` at these offsets break no rule: disjoint in time or memory,
    /// or overlapping as an allowance permits.
    pub fn compatible(&self, a: usize, offset_a: usize, b: usize, offset_b: usize) -> bool {
        let (x, y) = (&self.liveness.buffers[a], &self.liveness.buffers[b]);
        if !x.overlaps_in_time(y) || x.size == 0 || y.size == 0 {
            return true;
        }
        if offset_a + x.size <= offset_b || offset_b + y.size <= offset_a {
            return true;
        }
        self.allowances_of(a).any(|allowance| {
            let (input_offset, output_offset) = match (allowance.input, allowance.output) {
                (i, o) if i == a && o == b => (offset_a, offset_b),
                (i, o) if i == b && o == a => (offset_b, offset_a),
                _ => return false,
            };
            allowance.permits(input_offset, output_offset)
        })
    }
}

/// Computes buffers and allowances of a function.
pub fn analyze(module: &Module, function: &Function) -> DiagResult<Liveness> {
    let mut buffer_of: SecondaryMap<Value, Option<usize>> = SecondaryMap::new();
    let mut buffers: Vec<Buffer> = Vec::new();
    for &param in &function.params {
        buffer_of[param] = Some(buffers.len());
        buffers.push(Buffer {
            values: vec![param],
            kind: BufferKind::Values,
            size: function.value_type(param).byte_size(),
            lower: 0,
            upper: 1,
        });
    }
    let end = function.body.ops.len() + 1;
    let mut candidates = Vec::new();
    for (index, &op) in function.body.ops.iter().enumerate() {
        let time = index + 1;
        let data = &function.ops[op];
        for &operand in &data.operands {
            if let Some(buffer) = buffer_of[operand] {
                buffers[buffer].upper = buffers[buffer].upper.max(time + 1);
            }
        }
        if data.name == RETURN_OP {
            for &operand in &data.operands {
                if let Some(buffer) = buffer_of[operand] {
                    buffers[buffer].upper = end + 1;
                }
            }
            continue;
        }
        if is_constant(module, function, op) {
            continue;
        }
        if let Some(size) = tmlc_mem::read(&data.attributes, tmlc_mem::SCRATCH_SIZE) {
            buffers.push(Buffer {
                values: Vec::new(),
                kind: BufferKind::Scratch(op),
                size,
                lower: time,
                upper: time + 1,
            });
        }
        let result = data.results[0];
        let size = function.value_type(result).byte_size();
        let view_of = is_view(module, function, op)
            .then(|| data.operands.first().and_then(|&o| buffer_of[o]))
            .flatten();
        if let Some(buffer) = view_of {
            buffer_of[result] = Some(buffer);
            buffers[buffer].values.push(result);
            continue;
        }
        buffer_of[result] = Some(buffers.len());
        let inplace = tmlc_mem::read(&data.attributes, tmlc_mem::INPLACE);
        let input = data
            .operands
            .get(inplace.unwrap_or(0))
            .and_then(|&o| buffer_of[o]);
        if let Some(input) = input {
            candidates.push((op, input, buffers.len(), time, inplace.is_some()));
        }
        buffers.push(Buffer {
            values: vec![result],
            kind: BufferKind::Values,
            size,
            lower: time,
            upper: time + 1,
        });
    }
    let mut allowances = Vec::new();
    for (op, input, output, time, inplace) in candidates {
        let dies_here = buffers[input].upper == time + 1;
        if !dies_here || buffers[input].kind != BufferKind::Values {
            continue;
        }
        let overlap = if inplace {
            Some(Overlap::Same)
        } else {
            overlap_margin(module, function, op).map(|margin| Overlap::Below { margin })
        };
        if let Some(overlap) = overlap {
            allowances.push(OverlapAllowance {
                op,
                input,
                output,
                overlap,
            });
        }
    }
    Ok(Liveness {
        buffers,
        allowances,
    })
}

/// The smallest distance the output of a window op must start below its input so that writing
/// output row `r` never touches an input row that row `r` or a later row still reads:
/// `max over r of (r + 1) * output_row - first_input_row(r) * input_row`, where
/// `first_input_row(r) = clamp(r * stride - pad_top, 0, input_height)`. `None` for ops without a
/// sliding window, kernels that do not walk rows in order, and batches above 1.
pub fn overlap_margin(module: &Module, function: &Function, op: Op) -> Option<usize> {
    if let Some(plan) = tmlc_loop::patches::loop_plan(module, function, op) {
        return Some(patch_loop_margin(&plan));
    }
    let view = OpView::of(module, function, op)?;
    let window = view.interface().sliding_window()?;
    let variant = tmlc_mem::kernel_variant(&function.ops[op].attributes);
    let kernel = kernels::lookup(&view, variant)
        .or_else(|| kernels::lookup(&view, tmlc_core::target::KernelVariant::Portable))?;
    if kernel.row_order != RowOrder::Increasing {
        return None;
    }
    let data = &function.ops[op];
    let input = &function.value_type(data.operands[0]).shape;
    let output = &function.value_type(data.results[0]).shape;
    if input[0] != 1 {
        return None;
    }
    let pad = window.pad(0, input[1]);
    let input_row = input[2] * input[3];
    let output_row = output[2] * output[3];
    let margin = (0..output[1])
        .map(|r| {
            let first = (r * window.stride[0])
                .saturating_sub(pad.before)
                .min(input[1]);
            ((r + 1) * output_row).saturating_sub(first * input_row)
        })
        .max()
        .unwrap_or(0);
    Some(margin)
}

/// The margin of a patch loop: patches run band of rows by band of rows, each reading its input
/// region before writing its output patch, so writing through band `i` must stay below the first
/// input row band `i` (and every later band) reads:
/// `max over bands of end_row(i) * output_row - first_input_row(i) * input_row`.
fn patch_loop_margin(plan: &tmlc_loop::patches::PatchPlan) -> usize {
    let (Some(first), Some(last)) = (plan.layers.first(), plan.layers.last()) else {
        return 0;
    };
    let input_row = first.input[1] * first.input[2];
    let output_row = last.output[1] * last.output[2];
    let mut margin = 0;
    for patch in &plan.patches {
        if let (Some(input), Some(output)) = (patch.first(), patch.last()) {
            margin = margin.max(
                (output.output.row1 * output_row).saturating_sub(input.input.row0 * input_row),
            );
        }
    }
    margin
}

/// Max over time of the bytes of all live buffers: what any placement without overlap needs.
pub fn lower_bound(buffers: &[Buffer]) -> usize {
    // A sweep over lifetime endpoints; at equal times ends come first (half-open lifetimes).
    let mut events: Vec<(usize, bool, usize)> = Vec::with_capacity(2 * buffers.len());
    for b in buffers.iter().filter(|b| b.lower < b.upper) {
        events.push((b.lower, true, b.size));
        events.push((b.upper, false, b.size));
    }
    events.sort_unstable();
    let (mut live, mut peak) = (0usize, 0usize);
    for (_, start, size) in events {
        if start {
            live += size;
            peak = peak.max(live);
        } else {
            live -= size;
        }
    }
    peak
}
