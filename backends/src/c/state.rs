//! The state section of a generated model: the bytes stateful ops (an LSTM's hidden and cell
//! state) keep from one invocation to the next. They live in their own static buffer, outside
//! the arena, so the arena planner can never overlap them with anything; each stateful op's
//! kernel scratch sits beside its state. `tmlc_<model>_reset()` restores every op's reset state
//! (`OpInterface::state`), and the first run resets first, so a program starts from the state
//! TFLite Micro starts from.

pub use tmlc_tinyml::state::{StateLayout as StatePlan, StateSlot};

/// The C text of the state section.
pub trait StateSource {
    fn header(&self, model: &str, macro_prefix: &str) -> String;
    fn definitions(&self, model: &str, macro_prefix: &str) -> String;
    fn run_prologue(&self, model: &str) -> String;
}

impl StateSource for StatePlan {
    /// The header's part: the size macro and the reset call (nothing for a stateless model).
    fn header(&self, model: &str, macro_prefix: &str) -> String {
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
    fn definitions(&self, model: &str, macro_prefix: &str) -> String {
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
    fn run_prologue(&self, model: &str) -> String {
        if self.is_empty() {
            return String::new();
        }
        format!("    if (!state_ready) {{\n        tmlc_{model}_reset();\n    }}\n")
    }
}
