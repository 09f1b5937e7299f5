//! The memory layout a Cortex-M program is linked for, and the linker script made from it.
//!
//! A board target lists its part's memories (`memory.regions` in its target file): the first
//! flash region holds the vector table, code, weights and the `.data` image; the first SRAM
//! region `.data`, `.bss` (with the arena) and the stack; every further SRAM region becomes an
//! uninitialized section named after it (`.ccm`, `.dtcm`) that the user may place buffers in
//! (a caller-supplied arena, say). A generic core has no regions: its QEMU machine's memories
//! (`machine.rs`) play flash and SRAM. Either way the regions are the target's flash and SRAM
//! sizes, capped at the memory there is, so a program too large for the target fails to link.

use super::machine;
use crate::target::Target;
use tmlc_core::diagnostic::{DiagResult, Diagnostic, ErrorCode};
use tmlc_core::target::RegionKind;

/// One region of the linker script's `MEMORY`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    pub name: String,
    pub origin: u64,
    pub length: u64,
    /// What the memory is (the script's comment).
    pub what: String,
}

/// Where the program goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// The script's file name without `.ld`: the QEMU machine, or the board target.
    pub name: String,
    /// `on QEMU's mps2-an386`, `from its memory map (backends/targets/stm32f405.json)`.
    pub source: String,
    /// The vector table, when the core does not read it from the start of `flash`.
    pub vectors: Option<Placed>,
    pub flash: Placed,
    pub ram: Placed,
    /// Further SRAM regions, offered as NOLOAD sections.
    pub extra: Vec<Placed>,
    /// Why `flash` or `ram` is smaller than the memory (`capped` notes, reserved bytes).
    pub flash_note: String,
    pub ram_note: String,
}

impl Layout {
    /// Every region the program may occupy, vectors first.
    pub fn regions(&self) -> Vec<&Placed> {
        self.vectors
            .iter()
            .chain([&self.flash, &self.ram])
            .chain(&self.extra)
            .collect()
    }
}

fn capped(wanted: u64, have: u64, what: &str, whose: &str) -> String {
    if wanted > have {
        format!(" (the target's {wanted} bytes of {what}, capped at the {whose} {have})")
    } else {
        String::new()
    }
}

fn invalid(message: String) -> Diagnostic {
    Diagnostic::new(ErrorCode::InvalidArgument, message)
}

/// The layout of `target`: its own regions, or its QEMU machine's memories.
pub fn target_layout(target: &Target) -> DiagResult<Layout> {
    if target.memory.regions.is_empty() {
        return machine_layout(target);
    }
    let memory = &target.memory;
    let flash = memory.first(RegionKind::Flash).ok_or_else(|| {
        invalid(format!(
            "target {} lists memory regions but no flash region",
            target.name
        ))
    })?;
    let ram = memory.first(RegionKind::Sram).ok_or_else(|| {
        invalid(format!(
            "target {} lists memory regions but no SRAM region",
            target.name
        ))
    })?;
    let usable_flash = flash.bytes.saturating_sub(flash.reserved_bytes);
    let mut flash_note = capped(memory.flash_bytes, usable_flash, "flash", "part's");
    if flash.reserved_bytes > 0 {
        flash_note.push_str(&format!(
            "; the first {} bytes, from {}, are left free",
            flash.reserved_bytes,
            hex(flash.origin)
        ));
    }
    let extra = memory
        .regions
        .iter()
        .filter(|r| r.kind == RegionKind::Sram && !std::ptr::eq(*r, ram))
        .map(|r| Placed {
            name: r.name.clone(),
            origin: r.origin,
            length: r.bytes,
            what: r.description.clone(),
        })
        .collect();
    Ok(Layout {
        name: target.name.clone(),
        source: format!(
            "from its memory map (backends/targets/{}.json)",
            target.name
        ),
        vectors: None,
        flash: Placed {
            name: "FLASH".into(),
            origin: flash.origin + flash.reserved_bytes,
            length: memory.flash_bytes.min(usable_flash),
            what: flash.description.clone(),
        },
        ram: Placed {
            name: "RAM".into(),
            origin: ram.origin,
            length: memory.sram_bytes.min(ram.bytes),
            what: ram.description.clone(),
        },
        extra,
        flash_note,
        ram_note: capped(memory.sram_bytes, ram.bytes, "SRAM", "part's"),
    })
}

fn machine_layout(target: &Target) -> DiagResult<Layout> {
    let map = machine::target_memory_map(target)?;
    let placed = |region: &machine::Region, name: &str, length: u64| Placed {
        name: name.into(),
        origin: region.origin,
        length,
        what: region.what.into(),
    };
    Ok(Layout {
        name: map.machine.into(),
        source: format!("on QEMU's {}", map.machine),
        vectors: map.vectors.map(|v| placed(&v, "VECTORS", v.size)),
        flash: placed(
            &map.flash,
            "FLASH",
            target.memory.flash_bytes.min(map.flash.size),
        ),
        ram: placed(&map.ram, "RAM", target.memory.sram_bytes.min(map.ram.size)),
        extra: Vec::new(),
        flash_note: capped(
            target.memory.flash_bytes,
            map.flash.size,
            "flash",
            "machine's",
        ),
        ram_note: capped(target.memory.sram_bytes, map.ram.size, "SRAM", "machine's"),
    })
}

fn hex(value: u64) -> String {
    format!("0x{value:08X}")
}

/// The least stack the linker script leaves room for.
pub const MIN_STACK: u64 = tmlc_core::target::MIN_STACK_BYTES;

/// Fails, before anything is built, when the arena (with the state section beside it) and the
/// least stack cannot both fit the RAM the program links into (the linker would stop with its
/// stack assertion).
pub fn check_ram(layout: &Layout, arena_bytes: u64, target: &Target) -> DiagResult<()> {
    if arena_bytes + MIN_STACK <= layout.ram.length {
        return Ok(());
    }
    Err(Diagnostic::new(
        ErrorCode::PassFailed,
        format!(
            "the arena needs {arena_bytes} bytes and the stack at least {MIN_STACK}, but {} links its program into {} bytes of RAM ({} at {})",
            target.name,
            layout.ram.length,
            layout.ram.what,
            hex(layout.ram.origin)
        ),
    )
    .with_note(
        "a smaller arena (`tmlc mem` shows where its bytes go; `tile` with `max-sram` shrinks the first layers of image models) or a part with more SRAM",
    ))
}

/// The linker script for `target` laid out as `layout`.
pub fn linker_script(layout: &Layout, target: &Target) -> String {
    let mut regions = String::new();
    let mut comment = String::new();
    if let Some(vectors) = &layout.vectors {
        regions.push_str(&format!(
            "    VECTORS (rx) : ORIGIN = {}, LENGTH = {}\n",
            hex(vectors.origin),
            vectors.length
        ));
        comment.push_str(&format!(
            " * VECTORS: {} at {}: the vector table.\n",
            vectors.what,
            hex(vectors.origin)
        ));
    }
    regions.push_str(&format!(
        "    FLASH (rx) : ORIGIN = {}, LENGTH = {}\n    RAM (rwx) : ORIGIN = {}, LENGTH = {}\n",
        hex(layout.flash.origin),
        layout.flash.length,
        hex(layout.ram.origin),
        layout.ram.length
    ));
    comment.push_str(&format!(
        " * FLASH:   {} at {}: {}code, weights and the initial values of .data{}.\n \
         * RAM:     {} at {}: .data, .bss (with the arena), then the stack up to the top{}.\n",
        layout.flash.what,
        hex(layout.flash.origin),
        if layout.vectors.is_none() {
            "the vector table, "
        } else {
            ""
        },
        layout.flash_note,
        layout.ram.what,
        hex(layout.ram.origin),
        layout.ram_note,
    ));
    let mut extra_sections = String::new();
    for region in &layout.extra {
        let section = region.name.to_ascii_lowercase();
        regions.push_str(&format!(
            "    {} (rwx) : ORIGIN = {}, LENGTH = {}\n",
            region.name,
            hex(region.origin),
            region.length
        ));
        comment.push_str(&format!(
            " * {}: {} at {}: section .{section}, not initialized at reset: place buffers there\n \
             *   with __attribute__((section(\".{section}\"))) (a caller-supplied arena, say).\n",
            region.name,
            region.what,
            hex(region.origin),
        ));
        extra_sections.push_str(&format!(
            "\x20   .{section} (NOLOAD) : ALIGN(8) {{ *(.{section} .{section}.*) }} > {}\n",
            region.name
        ));
    }
    let alias = if layout.vectors.is_none() {
        "REGION_ALIAS(\"VECTORS\", FLASH);\n"
    } else {
        ""
    };
    format!(
        "/* Generated by tmlc: the memory layout of target {target} (core {core}) {source}.\n{comment} */\n\
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
         {extra_sections}\
         \x20   end = __bss_end__;\n\
         \x20   __end__ = __bss_end__;\n\
         \x20   __stack_limit__ = __bss_end__;\n\
         \x20   __stack_top__ = ORIGIN(RAM) + LENGTH(RAM);\n\
         \x20   ASSERT(__stack_top__ - __stack_limit__ >= __tmlc_min_stack__,\n\
         \x20          \"tmlc: less than {MIN_STACK} bytes of RAM are left for the stack\")\n\
         }}\n",
        target = target.name,
        core = target.core,
        source = layout.source,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::{lookup, targets};

    #[test]
    fn every_cortex_m_target_has_a_layout() {
        for target in targets() {
            if target.backend != crate::target::BackendKind::CortexM {
                continue;
            }
            let layout = target_layout(&target).expect("layout");
            assert!(
                target.memory.sram_bytes <= layout.ram.length,
                "{}",
                target.name
            );
            let script = linker_script(&layout, &target);
            assert!(script.contains("> VECTORS"), "{script}");
        }
    }

    #[test]
    fn the_script_caps_regions_at_the_machine() {
        let mut target = lookup("cortex-m4").expect("cortex-m4");
        target.memory.sram_bytes = 64 * 1024 * 1024;
        let script = linker_script(&target_layout(&target).expect("layout"), &target);
        assert!(script.contains("RAM (rwx) : ORIGIN = 0x20000000, LENGTH = 4194304"));
        assert!(script.contains("capped at the machine's 4194304"));
    }

    #[test]
    fn a_board_links_from_its_own_regions() {
        let target = lookup("stm32f405").expect("stm32f405");
        let layout = target_layout(&target).expect("layout");
        assert_eq!(
            (layout.flash.origin, layout.flash.length),
            (0x0800_0000, 1 << 20)
        );
        assert_eq!(
            (layout.ram.origin, layout.ram.length),
            (0x2000_0000, 128 << 10)
        );
        let script = linker_script(&layout, &target);
        assert!(script.contains("CCM (rwx) : ORIGIN = 0x10000000, LENGTH = 65536"));
        assert!(script.contains(".ccm (NOLOAD)"), "{script}");
        // The RP2040 leaves its second-stage bootloader's 256 bytes free.
        let rp2040 = lookup("rp2040").expect("rp2040");
        let layout = target_layout(&rp2040).expect("layout");
        assert_eq!(layout.flash.origin, 0x1000_0100);
        assert_eq!(layout.flash.length, 2 * 1024 * 1024 - 256);
    }
}
