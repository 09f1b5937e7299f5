//! Target descriptions: data, one JSON file per target in `backends/targets/`, embedded in the
//! binary. A target names its core, ISA features (`dsp`, `mve`, `fpu`), SRAM and flash sizes and
//! the QEMU machine that emulates it. Adding a target is adding a file and a line to `SOURCES`.

use serde::Deserialize;

/// One target, as described by its JSON file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub name: String,
    pub description: String,
    pub core: String,
    pub features: Vec<String>,
    pub sram_bytes: u64,
    pub flash_bytes: u64,
    /// Byte alignment of every arena offset (the planner's `alloc{alignment=N}`).
    pub alignment: u64,
    pub qemu_machine: Option<String>,
}

impl Target {
    pub fn has_feature(&self, feature: &str) -> bool {
        self.features.iter().any(|f| f == feature)
    }
}

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
        assert!(lookup("cortex-m55").is_some_and(|t| t.has_feature("mve")));
        assert_eq!(
            lookup("cortex-m4").and_then(|t| t.qemu_machine),
            Some("mps2-an386".into())
        );
    }
}
