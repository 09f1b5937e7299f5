//! `alloc`: gives every activation buffer an offset in one arena and records the plan in the IR
//! (`mem.offset` on ops and parameters, `mem.arena_size` on the function).
//!
//! Matches: every function. Needs: verified IR in its final op order (run after the passes that
//! reorder or rewrite ops). Preserves: ops and their order; only adds mem attributes. Offsets are
//! aligned to `alignment` bytes (option, default 4). After placing, an independent check proves
//! that no two buffers live at the same time share a byte.

use crate::liveness::{buffers, Buffer};
use tmlc_core::diagnostic::{DiagResult, Diagnostic, ErrorCode};
use tmlc_core::dialect::Context;
use tmlc_core::ir::Module;
use tmlc_core::pass::{Pass, PassInfo, PassOption, PassOptions};

pub struct Alloc {
    alignment: usize,
}

pub fn info() -> PassInfo {
    PassInfo {
        name: "alloc",
        summary: "place activation buffers in one arena by liveness (offsets in mem.* attributes)",
        options: &[PassOption {
            name: "alignment",
            help: "byte alignment of every offset (default 4)",
        }],
        create: |options: &PassOptions| {
            let alignment = options.usize("alignment", 4)?.max(1);
            Ok(Box::new(Alloc { alignment }))
        },
    }
}

fn align(value: usize, alignment: usize) -> usize {
    value.div_ceil(alignment) * alignment
}

/// Best-fit placement in order of decreasing size: each buffer goes to the lowest aligned
/// offset where it overlaps no placed buffer live at the same time.
fn place(buffers: &[Buffer], alignment: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..buffers.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(buffers[i].size), buffers[i].lower));
    let mut offsets = vec![0; buffers.len()];
    let mut placed: Vec<usize> = Vec::new();
    for &index in &order {
        let buffer = &buffers[index];
        let mut busy: Vec<(usize, usize)> = placed
            .iter()
            .filter(|&&other| buffers[other].overlaps_in_time(buffer))
            .map(|&other| (offsets[other], offsets[other] + buffers[other].size))
            .collect();
        busy.sort();
        let mut candidate = 0;
        for (start, end) in busy {
            if candidate + buffer.size <= start {
                break;
            }
            candidate = candidate.max(align(end, alignment));
        }
        offsets[index] = candidate;
        placed.push(index);
    }
    offsets
}

/// Fails if two buffers live at the same time share a byte.
pub fn check(buffers: &[Buffer], offsets: &[usize]) -> DiagResult<()> {
    for (i, a) in buffers.iter().enumerate() {
        for (j, b) in buffers.iter().enumerate().skip(i + 1) {
            let disjoint = offsets[i] + a.size <= offsets[j] || offsets[j] + b.size <= offsets[i];
            if a.overlaps_in_time(b) && !disjoint && a.size > 0 && b.size > 0 {
                return Err(Diagnostic::new(
                    ErrorCode::PassFailed,
                    format!(
                        "memory plan is invalid: buffers {i} [{}, {}) and {j} [{}, {}) are live together and overlap",
                        offsets[i],
                        offsets[i] + a.size,
                        offsets[j],
                        offsets[j] + b.size
                    ),
                ));
            }
        }
    }
    Ok(())
}

impl Pass for Alloc {
    fn run(&mut self, module: &mut Module, _context: &Context) -> DiagResult<bool> {
        for function in &mut module.functions {
            let buffers = buffers(function);
            let offsets = place(&buffers, self.alignment);
            check(&buffers, &offsets)?;
            let size = buffers
                .iter()
                .zip(&offsets)
                .map(|(b, o)| o + b.size)
                .max()
                .unwrap_or(0);
            for (buffer, &offset) in buffers.iter().zip(&offsets) {
                for &value in &buffer.values {
                    tmlc_mem::set_value_offset(function, value, offset);
                }
            }
            tmlc_mem::set_arena_size(function, align(size, self.alignment));
        }
        Ok(true)
    }
}
