//! `tmlc targets`: the known targets and what they are.

use crate::Outcome;
use std::fmt::Write;
use tmlc_backends::target::targets;

pub fn run() -> Outcome {
    let mut out = String::from("Targets (use as --target NAME):\n");
    for target in targets() {
        let _ = writeln!(
            out,
            "  {:<11} {}\n              features: [{}], SRAM {} B, flash {} B, QEMU machine: {}",
            target.name,
            target.description,
            target.features.join(", "),
            target.sram_bytes,
            target.flash_bytes,
            target.qemu_machine.as_deref().unwrap_or("none")
        );
    }
    Outcome::stdout(out)
}
