//! `tmlc targets`: the known targets and what they are.

use crate::Outcome;
use std::fmt::Write;
use tmlc_backends::target::{targets, Features};

/// The features a target has, by name.
fn features(features: &Features) -> String {
    [
        ("dsp", features.dsp),
        ("mve", features.mve),
        ("fpu", features.fpu),
        ("fpu-double", features.fpu_double),
    ]
    .iter()
    .filter(|(_, present)| *present)
    .map(|(name, _)| *name)
    .collect::<Vec<_>>()
    .join(", ")
}

pub fn run() -> Outcome {
    let mut out = String::from("Targets (use as --target NAME):\n");
    let targets = targets();
    let width = targets.iter().map(|t| t.name.len()).max().unwrap_or(0);
    for target in targets {
        let _ = writeln!(
            out,
            "  {:<width$} {}\n  {:<width$} features: [{}], SRAM {} B, flash {} B, QEMU machine: {}",
            target.name,
            target.description,
            "",
            features(&target.features),
            target.memory.sram_bytes,
            target.memory.flash_bytes,
            target.qemu_machine.as_deref().unwrap_or("none")
        );
    }
    Outcome::stdout(out)
}
