//! The parts of the generated C API beyond the model's edges: the caller-supplied arena variant
//! (`tmlc_<model>_run_with_arena`), the per-layer hooks (`TMLC_<MODEL>_LAYER_BEGIN` / `_END`,
//! empty unless the user defines them, so a per-layer profile can be taken on a board), and
//! what the header says about them. Every name is prefixed by the model's.

use crate::provenance::Provenance;

/// What the model's API needs beyond the module.
#[derive(Debug, Clone, Copy)]
pub struct ApiOptions<'a> {
    pub provenance: &'a Provenance,
    /// The alignment the start of a caller-supplied arena needs (`_ARENA_ALIGNMENT`).
    pub arena_alignment: u64,
}

/// The arena alignment a target needs: its offset alignment, and at least that of the `int32_t`
/// and `float` the kernels read from the arena.
pub fn arena_alignment(target_alignment: u64) -> u64 {
    target_alignment.max(4)
}

/// `int tmlc_m_invoke_with_arena(void *<arena>, ...)` from `int tmlc_m_invoke(...)`.
pub fn with_arena_signature(invoke: &str, arena: &str) -> String {
    match invoke.split_once('(') {
        Some((name, parameters)) => format!("{name}_with_arena(void *{arena}, {parameters}"),
        None => invoke.to_string(),
    }
}

/// One hook statement of layer `index` (`BEGIN` or `END`), e.g.
/// `TMLC_M_LAYER_BEGIN(0, "conv2d");`.
pub fn layer_hook(prefix: &str, which: &str, index: usize, op: &str) -> String {
    format!("{prefix}_LAYER_{which}({index}, \"{op}\");")
}

/// The step hook of patch loop `index` before body op `step` of every patch (`step` = the
/// number of body ops after the last one), e.g. `TMLC_M_LAYER_STEP(0, 2);`.
pub fn layer_step(prefix: &str, index: usize, step: usize) -> String {
    format!("{prefix}_LAYER_STEP({index}, {step});")
}

/// The model source's defaults for the hooks: a header the user names, else nothing.
pub fn hooks_defaults(prefix: &str) -> String {
    format!(
        "/* Per-layer hooks: empty unless defined, e.g. in the header named by\n \
         * {prefix}_HOOKS_HEADER (-D{prefix}_HOOKS_HEADER='\"my_hooks.h\"'). */\n\
         #ifdef {prefix}_HOOKS_HEADER\n#include {prefix}_HOOKS_HEADER\n#endif\n\
         #ifndef {prefix}_LAYER_BEGIN\n#define {prefix}_LAYER_BEGIN(index, name) ((void)0)\n#endif\n\
         #ifndef {prefix}_LAYER_END\n#define {prefix}_LAYER_END(index, name) ((void)0)\n#endif\n\
         #ifndef {prefix}_LAYER_STEP\n#define {prefix}_LAYER_STEP(index, step) ((void)0)\n#endif\n"
    )
}

/// The header's note on the hooks.
pub fn hooks_documentation(prefix: &str) -> String {
    format!(
        "/* Per-layer hooks: every layer runs between {prefix}_LAYER_BEGIN(index, name) and\n \
         * {prefix}_LAYER_END(index, name) (index from 0, name the op: \"conv2d\"), which do nothing\n \
         * unless the library is built with them defined, e.g. in a header named by\n \
         * -D{prefix}_HOOKS_HEADER='\"my_hooks.h\"', to read DWT->CYCCNT per layer. Inside a patch\n \
         * loop, {prefix}_LAYER_STEP(index, step) runs before body op `step` of every patch and,\n \
         * with `step` the number of body ops, after the last one (the rest is the patch copies). */\n\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_arena_parameter_comes_first() {
        assert_eq!(
            with_arena_signature(
                "int tmlc_m_invoke(const int8_t *input, int8_t *output)",
                "arena"
            ),
            "int tmlc_m_invoke_with_arena(void *arena, const int8_t *input, int8_t *output)"
        );
        assert_eq!(arena_alignment(1), 4);
        assert_eq!(arena_alignment(16), 16);
    }
}
