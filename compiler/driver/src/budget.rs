//! Whether a planned module fits a target: the SRAM it needs (the arena and the state section of
//! stateful ops, plus on a Cortex-M target the least stack the linker script leaves, against the
//! RAM the program links into) and the flash (weights and constant tables of the generated C; code not counted). `tmlc info` and
//! `tmlc fit` both decide "fits" here, as `tmlc compile` does before it builds.

use serde::Serialize;
use tmlc_backends::c::api::{arena_alignment, ApiOptions};
use tmlc_backends::c::model::{c_identifier, weight_bytes};
use tmlc_backends::cortex_m::layout::{target_layout, MIN_STACK};
use tmlc_backends::target::{BackendKind, Target};
use tmlc_core::ir::Module;

/// The SRAM and flash of a planned module on a target.
#[derive(Debug, Clone, Serialize)]
pub struct Budget {
    pub arena_bytes: u64,
    /// The state section of stateful ops (an LSTM's state), a static buffer beside the arena.
    pub state_bytes: u64,
    /// What must fit the RAM: the arena and the state section, plus `stack_bytes` on a
    /// Cortex-M target.
    pub sram_bytes: u64,
    pub stack_bytes: u64,
    /// The RAM the program links into (Cortex-M) or the target's SRAM.
    pub sram_limit_bytes: u64,
    /// Weights and constant tables of the generated C, or `None` when the C backend cannot
    /// compile the module (`flash_error` says why).
    pub flash_bytes: Option<u64>,
    pub flash_limit_bytes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flash_error: Option<String>,
    pub sram_fits: bool,
    pub flash_fits: bool,
}

impl Budget {
    pub fn fits(&self) -> bool {
        self.sram_fits && self.flash_fits
    }
}

/// The budget of the first function (`@main` if there is one) of `planned` on `target`.
pub fn budget(planned: &Module, target: &Target) -> Result<Budget, String> {
    let function = planned
        .function("main")
        .or(planned.functions.first())
        .ok_or("the module has no function")?;
    let arena_bytes = tmlc_mem::arena_size(function)
        .ok_or_else(|| format!("@{} has no memory plan", function.name))?
        as u64;
    let ram = match target.backend {
        BackendKind::CortexM => target_layout(target).ok().map(|layout| layout.ram.length),
        BackendKind::PortableC => None,
    };
    let (stack_bytes, sram_limit_bytes) = match ram {
        Some(ram) => (MIN_STACK, ram),
        None => (0, target.memory.sram_bytes),
    };
    let state_bytes = tmlc_tinyml::state::StateLayout::of(planned, function).size as u64;
    let sram_bytes = arena_bytes + state_bytes + stack_bytes;
    let provenance = Default::default();
    let api = ApiOptions {
        provenance: &provenance,
        arena_alignment: arena_alignment(target.memory.alignment),
    };
    let (flash_bytes, flash_error) = match weight_bytes(planned, &c_identifier(&planned.name), &api)
    {
        Ok(bytes) => (Some(bytes as u64), None),
        Err(diagnostic) => (None, Some(diagnostic.message)),
    };
    let flash_limit_bytes = target.memory.flash_bytes;
    Ok(Budget {
        arena_bytes,
        state_bytes,
        sram_bytes,
        stack_bytes,
        sram_limit_bytes,
        flash_bytes,
        flash_limit_bytes,
        flash_error,
        sram_fits: sram_bytes <= sram_limit_bytes,
        flash_fits: flash_bytes.is_some_and(|f| f <= flash_limit_bytes),
    })
}
