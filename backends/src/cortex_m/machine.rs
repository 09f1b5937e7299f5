//! The QEMU machines that emulate the generic Cortex-M targets: where each one has memory (the
//! linker script made from it is `layout.rs`'s). Board targets bring their own memory map
//! (`memory.regions` in their target file) and do not need an entry here.
//!
//! The addresses are QEMU's (`info mtree` in its monitor shows them; the MPS2/MPS3 application
//! notes document the boards). In QEMU every one of these memories is RAM; which one plays
//! flash is our choice, made like the real boards boot:
//!
//! | machine | core | vector table, code | weights, `.data` image | SRAM |
//! |---|---|---|---|---|
//! | `mps2-an385` | Cortex-M3 | ZBT SSRAM1 `0x00000000` (4 MiB) | same | ZBT SSRAM2&3 `0x20000000` (4 MiB) |
//! | `microbit` | Cortex-M0 (nRF51822) | flash `0x00000000` (256 KiB) | same | RAM `0x20000000` (16 KiB) |
//! | `mps2-an386` | Cortex-M4 | ZBT SSRAM1 `0x00000000` (4 MiB) | same | ZBT SSRAM2&3 `0x20000000` (4 MiB) |
//! | `mps2-an500` | Cortex-M7 | ZBT SSRAM1 `0x00000000` (4 MiB) | same | ZBT SSRAM2&3 `0x20000000` (4 MiB) |
//! | `mps2-an505` | Cortex-M33 | ZBT SSRAM1, Secure alias `0x10000000` (4 MiB) | same | ZBT SSRAM2&3, Secure alias `0x38000000` (4 MiB) |
//! | `mps3-an547` | Cortex-M55 | ITCM `0x00000000` (512 KiB), vector table only | SRAM `0x01000000` (2 MiB) | DTCM `0x20000000` (512 KiB) |
//!
//! The TrustZone machines (AN505, AN547) reset in Secure state with the vector table at
//! `VTOR_S` (`0x10000000` on the AN505, `0x00000000` on the AN547); with the SAU off every
//! address is Secure, so the program runs there without any security setup. The microbit machine
//! emulates a Cortex-M0, which runs the Armv6-M code built for a Cortex-M0+. The regions in the
//! linker script are the target's flash and SRAM sizes, capped at the machine's memory: a
//! program too large for the target fails to link.

use crate::target::Target;
use tmlc_core::diagnostic::{DiagResult, Diagnostic, ErrorCode};

/// One memory of a machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub origin: u64,
    pub size: u64,
    pub what: &'static str,
}

/// Where a machine has the memories the program uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryMap {
    pub machine: &'static str,
    /// Where the core reads its vector table at reset, when that is not the start of `flash`.
    pub vectors: Option<Region>,
    /// Code (unless `vectors` says otherwise, the vector table too), constants, `.data` image.
    pub flash: Region,
    /// `.data`, `.bss` and the stack.
    pub ram: Region,
}

const MIB: u64 = 1024 * 1024;
const KIB: u64 = 1024;

const MAPS: &[MemoryMap] = &[
    MemoryMap {
        machine: "mps2-an385",
        vectors: None,
        flash: Region {
            origin: 0x0000_0000,
            size: 4 * MIB,
            what: "ZBT SSRAM1",
        },
        ram: Region {
            origin: 0x2000_0000,
            size: 4 * MIB,
            what: "ZBT SSRAM2&3",
        },
    },
    MemoryMap {
        machine: "mps2-an386",
        vectors: None,
        flash: Region {
            origin: 0x0000_0000,
            size: 4 * MIB,
            what: "ZBT SSRAM1",
        },
        ram: Region {
            origin: 0x2000_0000,
            size: 4 * MIB,
            what: "ZBT SSRAM2&3",
        },
    },
    MemoryMap {
        machine: "mps2-an500",
        vectors: None,
        flash: Region {
            origin: 0x0000_0000,
            size: 4 * MIB,
            what: "ZBT SSRAM1",
        },
        ram: Region {
            origin: 0x2000_0000,
            size: 4 * MIB,
            what: "ZBT SSRAM2&3",
        },
    },
    MemoryMap {
        machine: "mps2-an505",
        vectors: None,
        flash: Region {
            origin: 0x1000_0000,
            size: 4 * MIB,
            what: "ZBT SSRAM1, Secure alias (VTOR_S resets to 0x10000000)",
        },
        ram: Region {
            origin: 0x3800_0000,
            size: 4 * MIB,
            what: "ZBT SSRAM2&3, Secure alias",
        },
    },
    MemoryMap {
        machine: "mps3-an547",
        vectors: Some(Region {
            origin: 0x0000_0000,
            size: 512 * KIB,
            what: "ITCM (VTOR_S resets to 0x00000000)",
        }),
        flash: Region {
            origin: 0x0100_0000,
            size: 2 * MIB,
            what: "SRAM",
        },
        ram: Region {
            origin: 0x2000_0000,
            size: 512 * KIB,
            what: "DTCM",
        },
    },
    MemoryMap {
        machine: "microbit",
        vectors: None,
        flash: Region {
            origin: 0x0000_0000,
            size: 256 * KIB,
            what: "nRF51822 code flash",
        },
        ram: Region {
            origin: 0x2000_0000,
            size: 16 * KIB,
            what: "nRF51822 RAM",
        },
    },
];

/// The memory map of QEMU machine `machine`, if tmlc knows it.
pub fn memory_map(machine: &str) -> Option<&'static MemoryMap> {
    MAPS.iter().find(|m| m.machine == machine)
}

/// Every machine tmlc has a memory map for.
pub fn known_machines() -> Vec<&'static str> {
    MAPS.iter().map(|m| m.machine).collect()
}

/// The memory map of the target's QEMU machine, or an error naming what is missing.
pub fn target_memory_map(target: &Target) -> DiagResult<&'static MemoryMap> {
    let machine = target.qemu_machine.as_deref().ok_or_else(|| {
        Diagnostic::new(
            ErrorCode::InvalidArgument,
            format!("target {} names no QEMU machine", target.name),
        )
    })?;
    memory_map(machine).ok_or_else(|| {
        Diagnostic::new(
            ErrorCode::InvalidArgument,
            format!(
                "tmlc has no memory map for QEMU machine `{machine}` (target {}); it knows {}",
                target.name,
                known_machines().join(", ")
            ),
        )
        .with_note("add the machine's flash and SRAM regions in backends/src/cortex_m/machine.rs")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machines_are_known_by_name() {
        assert!(memory_map("mps2-an385").is_some());
        assert_eq!(memory_map("microbit").map(|m| m.ram.size), Some(16 * KIB));
        assert!(memory_map("nonesuch").is_none());
        assert!(known_machines().contains(&"mps3-an547"));
    }
}
