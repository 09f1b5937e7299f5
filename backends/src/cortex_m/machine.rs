//! The QEMU machines that emulate the Cortex-M targets: where each one has memory, and the
//! linker script that places code and weights in "flash" and `.data`, `.bss` (the arena) and
//! the stack in SRAM.
//!
//! The addresses are QEMU's (`info mtree` in its monitor shows them; the MPS2/MPS3 application
//! notes document the boards). In QEMU every one of these memories is RAM; which one plays
//! flash is our choice, made like the real boards boot:
//!
//! | machine | core | vector table, code | weights, `.data` image | SRAM |
//! |---|---|---|---|---|
//! | `mps2-an386` | Cortex-M4 | ZBT SSRAM1 `0x00000000` (4 MiB) | same | ZBT SSRAM2&3 `0x20000000` (4 MiB) |
//! | `mps2-an500` | Cortex-M7 | ZBT SSRAM1 `0x00000000` (4 MiB) | same | ZBT SSRAM2&3 `0x20000000` (4 MiB) |
//! | `mps2-an505` | Cortex-M33 | ZBT SSRAM1, Secure alias `0x10000000` (4 MiB) | same | ZBT SSRAM2&3, Secure alias `0x38000000` (4 MiB) |
//! | `mps3-an547` | Cortex-M55 | ITCM `0x00000000` (512 KiB), vector table only | SRAM `0x01000000` (2 MiB) | DTCM `0x20000000` (512 KiB) |
//!
//! The TrustZone machines (AN505, AN547) reset in Secure state with the vector table at
//! `VTOR_S` (`0x10000000` on the AN505, `0x00000000` on the AN547); with the SAU off every
//! address is Secure, so the program runs there without any security setup. The regions in the
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

fn hex(value: u64) -> String {
    format!("0x{value:08X}")
}

/// The linker script for `target` on `map`.
pub fn linker_script(map: &MemoryMap, target: &Target) -> String {
    let flash = target.memory.flash_bytes.min(map.flash.size);
    let ram = target.memory.sram_bytes.min(map.ram.size);
    let capped = |wanted: u64, have: u64, what: &str| {
        if wanted > have {
            format!(" (the target's {wanted} bytes of {what}, capped at the machine's {have})")
        } else {
            String::new()
        }
    };
    let mut regions = String::new();
    let mut layout = String::new();
    if let Some(vectors) = map.vectors {
        regions.push_str(&format!(
            "    VECTORS (rx) : ORIGIN = {}, LENGTH = {}\n",
            hex(vectors.origin),
            vectors.size
        ));
        layout.push_str(&format!(
            " * VECTORS: {} at {}: the vector table.\n",
            vectors.what,
            hex(vectors.origin)
        ));
    }
    regions.push_str(&format!(
        "    FLASH (rx) : ORIGIN = {}, LENGTH = {flash}\n    RAM (rwx) : ORIGIN = {}, LENGTH = {ram}\n",
        hex(map.flash.origin),
        hex(map.ram.origin)
    ));
    layout.push_str(&format!(
        " * FLASH:   {} at {}: {}code, weights and the initial values of .data{}.\n \
         * RAM:     {} at {}: .data, .bss (with the arena), then the stack up to the top{}.\n",
        map.flash.what,
        hex(map.flash.origin),
        if map.vectors.is_none() {
            "the vector table, "
        } else {
            ""
        },
        capped(target.memory.flash_bytes, map.flash.size, "flash"),
        map.ram.what,
        hex(map.ram.origin),
        capped(target.memory.sram_bytes, map.ram.size, "SRAM"),
    ));
    let alias = if map.vectors.is_none() {
        "REGION_ALIAS(\"VECTORS\", FLASH);\n"
    } else {
        ""
    };
    format!(
        "/* Generated by tmlc: the memory layout of target {target} (core {core}) on QEMU's {machine}.\n{layout} */\n\
         MEMORY\n{{\n{regions}}}\n{alias}\n\
         ENTRY(Reset_Handler)\n\n\
         /* The stack takes all of RAM above .bss; linking fails when less than this is left. */\n\
         __tmlc_min_stack__ = {MIN_STACK};\n\n\
         SECTIONS\n{{\n\
         \x20   .vectors : {{ KEEP(*(.vectors)) }} > VECTORS\n\
         \x20   .text : ALIGN(4)\n    {{\n\
         \x20       *(.text .text.* .gnu.linkonce.t.*)\n\
         \x20       *(.glue_7) *(.glue_7t) *(.vfp11_veneer) *(.v4_bx)\n\
         \x20       KEEP(*(.init)) KEEP(*(.fini))\n\
         \x20   }} > FLASH\n\
         \x20   .ARM.extab : {{ *(.ARM.extab* .gnu.linkonce.armextab.*) }} > FLASH\n\
         \x20   .ARM.exidx : {{ *(.ARM.exidx* .gnu.linkonce.armexidx.*) }} > FLASH\n\
         \x20   .rodata : ALIGN(4) {{ *(.rodata .rodata.* .gnu.linkonce.r.*) }} > FLASH\n\
         \x20   /* Nothing calls constructors; this only keeps such sections out of RAM. */\n\
         \x20   .init_array : ALIGN(4) {{ KEEP(*(.preinit_array*)) KEEP(*(.init_array*)) KEEP(*(.fini_array*)) }} > FLASH\n\
         \x20   .data : ALIGN(4)\n    {{\n\
         \x20       __data_start__ = .;\n\
         \x20       *(.data .data.* .gnu.linkonce.d.*)\n\
         \x20       . = ALIGN(4);\n\
         \x20       __data_end__ = .;\n\
         \x20   }} > RAM AT > FLASH\n\
         \x20   __data_load__ = LOADADDR(.data);\n\
         \x20   .bss (NOLOAD) : ALIGN(4)\n    {{\n\
         \x20       __bss_start__ = .;\n\
         \x20       *(.bss .bss.* .gnu.linkonce.b.*)\n\
         \x20       *(COMMON)\n\
         \x20       . = ALIGN(8);\n\
         \x20       __bss_end__ = .;\n\
         \x20   }} > RAM\n\
         \x20   end = __bss_end__;\n\
         \x20   __end__ = __bss_end__;\n\
         \x20   __stack_limit__ = __bss_end__;\n\
         \x20   __stack_top__ = ORIGIN(RAM) + LENGTH(RAM);\n\
         \x20   ASSERT(__stack_top__ - __stack_limit__ >= __tmlc_min_stack__,\n\
         \x20          \"tmlc: less than {MIN_STACK} bytes of RAM are left for the stack\")\n\
         }}\n",
        target = target.name,
        core = target.core,
        machine = map.machine,
    )
}

/// The least stack the linker script leaves room for.
pub const MIN_STACK: u64 = 4096;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::targets;

    #[test]
    fn every_qemu_target_has_a_memory_map() {
        for target in targets() {
            if target.qemu_machine.is_some() {
                let map = target_memory_map(&target).expect("memory map");
                assert!(target.memory.sram_bytes <= map.ram.size, "{}", target.name);
                let script = linker_script(map, &target);
                assert!(script.contains("> VECTORS"), "{script}");
            }
        }
    }

    #[test]
    fn the_script_caps_regions_at_the_machine() {
        let mut target = crate::target::lookup("cortex-m4").expect("cortex-m4");
        target.memory.sram_bytes = 64 * MIB;
        let script = linker_script(memory_map("mps2-an386").expect("map"), &target);
        assert!(script.contains("RAM (rwx) : ORIGIN = 0x20000000, LENGTH = 4194304"));
        assert!(script.contains("capped at the machine's 4194304"));
    }
}
