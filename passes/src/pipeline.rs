//! The default pipeline of a target, derived from what the target can do rather than written as
//! a pipeline string: `canonicalize, fuse, schedule`, then `tile` (patch-based first layers, the
//! smallest arena within the cost model's instruction budget) when every kernel variant the
//! target runs works inside patch loops (today all do), `inplace`, `select-kernels` when the
//! target has variants beyond the portable kernels (the Arm DSP kernels on DSP cores, inside
//! patch loops too), and `alloc` with the target's alignment. `tmlc compile` and `tmlc mem` run it when no
//! `--pass-pipeline` is given. The [`Objective`] chooses what `tile` searches for: the smallest
//! arena within the instruction budget (the default), or the fastest plan that fits the
//! target's SRAM with the least stack left (`tile{max-sram=target}`).

use crate::{alloc, canonicalize, fuse, inplace, schedule, select_kernels, tile};
use tmlc_core::pass::PassInfo;
use tmlc_core::target::{KernelVariant, Target};
use tmlc_tinyml::kernels::runs_in_patch_loops;

/// The passes of the default pipeline for `target`, in order.
pub fn default_passes(target: &Target) -> Vec<PassInfo> {
    let variants = target.kernel_variants();
    let mut passes = vec![canonicalize::info(), fuse::info(), schedule::info()];
    if variants.iter().all(|&v| runs_in_patch_loops(v)) {
        passes.push(tile::info());
    }
    passes.push(inplace::info());
    if variants.iter().any(|&v| v != KernelVariant::Portable) {
        passes.push(select_kernels::info());
    }
    passes.push(alloc::info());
    passes
}

/// What the default pipeline's plan search optimizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Objective {
    /// The smallest arena within `tile`'s instruction budget (+10% predicted), each patch stage
    /// worth its instructions.
    #[default]
    Small,
    /// The fastest plan whose arena fits the target's SRAM less the least stack
    /// (`MIN_STACK_BYTES`): untiled when that fits.
    Fast,
}

/// The default pipeline as `--pass-pipeline` text: the pass names alone, since every option
/// that depends on the target (alignment, kernel variants) defaults to the target's own.
pub fn default_pipeline_text(target: &Target) -> String {
    pipeline_text(target, Objective::Small)
}

/// The default pipeline of `target` for `objective`, as `--pass-pipeline` text.
pub fn pipeline_text(target: &Target, objective: Objective) -> String {
    default_passes(target)
        .iter()
        .map(|info| match (info.name, objective) {
            ("tile", Objective::Fast) => "tile{max-sram=target}",
            (name, _) => name,
        })
        .collect::<Vec<_>>()
        .join(",")
}
