//! The state section of a generated model: the bytes stateful ops (an LSTM's hidden and cell
//! state) keep from one invocation to the next. They live in their own static buffer, outside
//! the arena, so the arena planner can never overlap them with anything; each stateful op's
//! kernel scratch sits beside its state. `tmlc_<model>_reset()` restores every op's reset state
//! (`OpInterface::state`), and the first run resets first, so a program starts from the state
//! TFLite Micro starts from.

use tmlc_core::ir::{Function, Module, Op};
use tmlc_core::target::KernelVariant;
use tmlc_tinyml::{kernels, OpView};

/// Where one stateful op's bytes are in the state buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateSlot {
    pub op: Op,
    /// Offset of the op's state.
    pub offset: usize,
    pub reset: Vec<u8>,
    /// Offset (4-aligned, after the state) and size of its kernel's work buffer.
    pub work_offset: usize,
    pub work_bytes: usize,
}

/// Every stateful op's slot and the size of the buffer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatePlan {
    pub slots: Vec<StateSlot>,
    pub size: usize,
}

impl StatePlan {
    /// The slots of `function`'s stateful ops, in program order, each aligned as its state
    /// asks (at least 4 bytes: the buffer is a union with an `int32_t`).
    pub fn of(module: &Module, function: &Function) -> StatePlan {
        let mut plan = StatePlan::default();
        for op in function.walk() {
            let Some(view) = OpView::of(module, function, op) else {
                continue;
            };
            let Some(state) = view.interface().state() else {
                continue;
            };
            let work_bytes = kernels::lookup(&view, KernelVariant::Portable)
                .map_or(0, |kernel| kernel.scratch_bytes);
            let alignment = state.alignment.max(4);
            let offset = plan.size.div_ceil(alignment) * alignment;
            let work_offset = (offset + state.reset.len()).div_ceil(4) * 4;
            plan.size = (work_offset + work_bytes).div_ceil(4) * 4;
            plan.slots.push(StateSlot {
                op,
                offset,
                reset: state.reset,
                work_offset,
                work_bytes,
            });
        }
        plan
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    pub fn slot(&self, op: Op) -> Option<&StateSlot> {
        self.slots.iter().find(|slot| slot.op == op)
    }

    /// The header's part: the size macro and the reset call (nothing for a stateless model).
    pub fn header(&self, model: &str, macro_prefix: &str) -> String {
        if self.is_empty() {
            return String::new();
        }
        format!(
            "/* Bytes of the static state buffer: what the model's recurrent layers keep from one\n \
             * invocation to the next (outside the arena), with their work buffers. */\n\
             #define {macro_prefix}_STATE_SIZE {size}\n\
             /* Restores the initial state (the first run does it by itself): call it between\n \
             * independent sequences. */\n\
             void tmlc_{model}_reset(void);\n\n",
            size = self.size
        )
    }

    /// The source's part: the buffer, the reset function and the flag that makes the first run
    /// reset. Runs of equal reset bytes become one `memset` each.
    pub fn definitions(&self, model: &str, macro_prefix: &str) -> String {
        if self.is_empty() {
            return String::new();
        }
        let mut resets = String::new();
        for slot in &self.slots {
            let mut start = 0;
            while start < slot.reset.len() {
                let value = slot.reset[start];
                let end = slot.reset[start..]
                    .iter()
                    .position(|&b| b != value)
                    .map_or(slot.reset.len(), |n| start + n);
                resets.push_str(&format!(
                    "    memset(state.bytes + {}, {}, {});\n",
                    slot.offset + start,
                    value as i8,
                    end - start
                ));
                start = end;
            }
        }
        format!(
            "/* ---- the state (SRAM): kept across invocations, never reused by the arena ---- */\n\n\
             static union {{\n    int8_t bytes[{macro_prefix}_STATE_SIZE];\n    int32_t align;\n}} state;\n\
             static int state_ready;\n\n\
             void tmlc_{model}_reset(void) {{\n{resets}    state_ready = 1;\n}}\n\n"
        )
    }

    /// The first statement of `run()`: reset before the first invocation.
    pub fn run_prologue(&self, model: &str) -> String {
        if self.is_empty() {
            return String::new();
        }
        format!("    if (!state_ready) {{\n        tmlc_{model}_reset();\n    }}\n")
    }
}
