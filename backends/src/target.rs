//! Target descriptions: data, one JSON file per target in `backends/targets/`, embedded in the
//! binary, read into the core's [`Target`] (its core, typed ISA features, memory map, QEMU
//! machine and backend). Adding a target is adding a file and a line to `SOURCES`.

pub use tmlc_core::target::{BackendKind, Features, KernelVariant, MemoryMap, Target};

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
            assert_eq!(
                target.backend == BackendKind::CortexM,
                target.qemu_machine.is_some(),
                "{}: the Cortex-M backend builds for a QEMU machine",
                target.name
            );
        }
        assert_eq!(
            lookup("cortex-m4").and_then(|t| t.qemu_machine),
            Some("mps2-an386".into())
        );
    }
}
