//! The state section: where the state of a function's stateful ops (an LSTM's hidden and cell
//! state, `OpInterface::state`) and their kernels' work buffers go in one static buffer outside
//! the arena. The arena planner never sees it, so nothing can overlap it; the C backend emits it
//! and the memory report shows it, both from this one layout.

use crate::ops::OpView;
use tmlc_core::ir::{Function, Module, Op};

/// Where one stateful op's bytes are in the state buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateSlot {
    pub op: Op,
    /// Offset of the op's state.
    pub offset: usize,
    /// The state's bytes after a reset.
    pub reset: Vec<u8>,
    /// Offset (4-aligned, after the state) and size of its kernel's work buffer.
    pub work_offset: usize,
    pub work_bytes: usize,
}

/// Every stateful op's slot, in program order, and the size of the buffer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StateLayout {
    pub slots: Vec<StateSlot>,
    pub size: usize,
}

impl StateLayout {
    /// The slots of `function`'s stateful ops, each aligned as its state asks (at least 4
    /// bytes), each followed by its work buffer.
    pub fn of(module: &Module, function: &Function) -> StateLayout {
        let mut layout = StateLayout::default();
        for op in function.walk() {
            let Some(view) = OpView::of(module, function, op) else {
                continue;
            };
            let Some(state) = view.interface().state() else {
                continue;
            };
            let work_bytes = state.work_bytes;
            let alignment = state.alignment.max(4);
            let offset = layout.size.div_ceil(alignment) * alignment;
            let work_offset = (offset + state.reset.len()).div_ceil(4) * 4;
            layout.size = (work_offset + work_bytes).div_ceil(4) * 4;
            layout.slots.push(StateSlot {
                op,
                offset,
                reset: state.reset,
                work_offset,
                work_bytes,
            });
        }
        layout
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    pub fn slot(&self, op: Op) -> Option<&StateSlot> {
        self.slots.iter().find(|slot| slot.op == op)
    }
}
