//! Target descriptions: data, one JSON file per target in `backends/targets/`, embedded in the
//! binary, read into the core's [`Target`] (its core, typed ISA features, memory map, QEMU
//! machine and backend). Adding a target is adding a file and a line to `SOURCES`.

pub use tmlc_core::target::{
    BackendKind, Features, KernelVariant, MemoryMap, MemoryRegion, RegionKind, Target,
};

/// The embedded target files.
const SOURCES: &[(&str, &str)] = &[
    ("host.json", include_str!("../targets/host.json")),
    ("cortex-m4.json", include_str!("../targets/cortex-m4.json")),
    ("cortex-m7.json", include_str!("../targets/cortex-m7.json")),
    (
        "cortex-m33.json",
        include_str!("../targets/cortex-m33.json"),
    ),
    (
        "cortex-m55.json",
        include_str!("../targets/cortex-m55.json"),
    ),
    ("cortex-m3.json", include_str!("../targets/cortex-m3.json")),
    (
        "cortex-m0plus.json",
        include_str!("../targets/cortex-m0plus.json"),
    ),
    ("stm32f405.json", include_str!("../targets/stm32f405.json")),
    (
        "stm32f746g-disco.json",
        include_str!("../targets/stm32f746g-disco.json"),
    ),
    (
        "nucleo-h743zi.json",
        include_str!("../targets/nucleo-h743zi.json"),
    ),
    ("nrf52840.json", include_str!("../targets/nrf52840.json")),
    ("rp2040.json", include_str!("../targets/rp2040.json")),
];

/// Every known target, in the order of `SOURCES`.
pub fn targets() -> Vec<Target> {
    SOURCES
        .iter()
        .map(|(file, text)| {
            serde_json::from_str(text)
                .unwrap_or_else(|e| panic!("backends/targets/{file} is not a valid target: {e}"))
        })
        .collect()
}

/// The target called `name`.
pub fn lookup(name: &str) -> Option<Target> {
    targets().into_iter().find(|t| t.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_target_file_parses_and_names_match_files() {
        for (file, _) in SOURCES {
            assert!(lookup(file.trim_end_matches(".json")).is_some(), "{file}");
        }
        assert!(lookup("cortex-m55").is_some_and(|t| t.features.mve));
        for target in targets() {
            let alignment = target.memory.alignment;
            assert!(alignment.is_power_of_two(), "{}", target.name);
            let has_map = target.qemu_machine.is_some() || !target.memory.regions.is_empty();
            assert_eq!(
                target.backend == BackendKind::CortexM,
                has_map,
                "{}: the Cortex-M backend builds for a memory map (the board's or a QEMU machine's)",
                target.name
            );
            // A board's sizes are those of its program regions, and no two regions overlap.
            if let Some(ram) = target.memory.first(RegionKind::Sram) {
                assert_eq!(target.memory.sram_bytes, ram.bytes, "{}", target.name);
            }
            if let Some(flash) = target.memory.first(RegionKind::Flash) {
                assert_eq!(
                    target.memory.flash_bytes,
                    flash.bytes - flash.reserved_bytes,
                    "{}",
                    target.name
                );
            }
            let regions = &target.memory.regions;
            for (i, a) in regions.iter().enumerate() {
                for b in &regions[i + 1..] {
                    let apart = a.origin + a.bytes <= b.origin || b.origin + b.bytes <= a.origin;
                    assert!(apart, "{}: {} overlaps {}", target.name, a.name, b.name);
                }
            }
        }
        assert_eq!(
            lookup("cortex-m4").and_then(|t| t.qemu_machine),
            Some("mps2-an386".into())
        );
    }
}
