//! The default pipeline of a target, derived from what the target can do rather than written as
//! a pipeline string: `canonicalize, fuse, schedule`, then `tile` (patch-based first layers, the
//! smallest arena within the cost model's instruction budget) when every kernel variant the
//! target runs works inside patch loops (today all do), `inplace`, `select-kernels` when the
//! target has variants beyond the portable kernels (the Arm DSP kernels on DSP cores, inside
//! patch loops too), and `alloc` with the target's alignment. `tmlc compile` and `tmlc mem` run it when no
//! `--pass-pipeline` is given.

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

/// The default pipeline as `--pass-pipeline` text: the pass names alone, since every option
/// that depends on the target (alignment, kernel variants) defaults to the target's own.
pub fn default_pipeline_text(target: &Target) -> String {
    default_passes(target)
        .iter()
        .map(|info| info.name)
        .collect::<Vec<_>>()
        .join(",")
}
