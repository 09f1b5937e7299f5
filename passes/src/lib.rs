//! tmlc's passes, one module per pass; each documents what it matches, needs and preserves.

pub mod alloc;
pub mod arena;
pub mod canonicalize;
pub mod fuse;
pub mod inplace;
pub mod int8_edges;
pub mod liveness;
pub mod memory_report;
pub mod pipeline;
pub mod predicted;
pub mod schedule;
pub mod select_kernels;
pub mod tile;

use tmlc_core::pass::PassRegistry;

/// Registers every pass, in the order `--list-passes` shows them.
pub fn register(registry: &mut PassRegistry) {
    registry.register(int8_edges::info());
    registry.register(canonicalize::info());
    registry.register(fuse::info());
    registry.register(schedule::info());
    registry.register(tile::info());
    registry.register(inplace::info());
    registry.register(select_kernels::info());
    registry.register(alloc::info());
    registry.register(alloc::check::info());
}
