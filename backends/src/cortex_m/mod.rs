//! The Cortex-M backend: a bare-metal project that `make` builds into `model.elf` with
//! `arm-none-eabi-gcc`, and that runs in QEMU (`qemu.rs`, `tmlc sim`).
//!
//! The model and runtime files are exactly the portable C backend's (`crate::c::model_project`);
//! this backend adds what a bare-metal program needs:
//!
//! | file | what |
//! |---|---|
//! | `main.c` | the harness: reads the input file named on the semihosting command line into the arena, runs one inference between the instruction-count markers, writes the output file, prints the peak stack use |
//! | `board/tmlc_board.h`, `board/startup.c`, `board/semihosting.c`, `board/markers.c` | vector table and reset handler, semihosting calls, the markers (`board/` is the same for every model but `profile_hooks.h`, which names the model's hook macros) |
//! | `board/<machine or board>.ld` | the linker script of the target's memory map, or of its QEMU machine's (`layout.rs`, `machine.rs`) |
//! | `board/profile_markers.c`, `board/profile_hooks.h` | the per-layer markers and the model's layer hooks calling them, built into `model-profile.elf` only (`tmlc sim --profile`) |
//! | `Makefile` | `CC` defaults to `arm-none-eabi-gcc`, `CFLAGS` is the user's, the core's flags live in `TMLC_ARCH`; `make model-profile.elf` is the profile build |
//! | `tmlc-project.json` | what `tmlc sim` needs to know about the project ([`Manifest`]) |

pub mod harness;
pub mod layout;
pub mod machine;
pub mod packing;
pub mod qemu;

use crate::c::layer_list::Layer;
use crate::c::{model_project, ModelProject};
use crate::project::Project;
use crate::target::Target;
use crate::{Backend, GenerateOptions};
use serde::{Deserialize, Serialize};
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::ir::Module;

/// The program `make` builds.
pub const ELF: &str = "model.elf";
/// The profile build: the same program with every layer between the two layer markers.
pub const PROFILE_ELF: &str = "model-profile.elf";
/// The functions the profile build calls at the start and at the end of every layer.
pub const MARKER_LAYER_BEGIN: &str = "tmlc_marker_layer_begin";
pub const MARKER_LAYER_END: &str = "tmlc_marker_layer_end";
/// The header of the profile build's layer hooks.
pub const PROFILE_HOOKS: &str = "board/profile_hooks.h";
/// The project's description for `tmlc sim`.
pub const MANIFEST: &str = "tmlc-project.json";
/// The functions called right before and right after the one inference that is counted.
pub const MARKER_START: &str = "tmlc_marker_start";
pub const MARKER_END: &str = "tmlc_marker_end";
/// The line the harness prints on the semihosting console after a successful inference:
/// `tmlc: stack_peak_bytes=N stack_bytes=M`.
pub const STACK_REPORT_PREFIX: &str = "tmlc: stack_peak_bytes=";

/// The board files, the same for every model and core.
const BOARD: &[(&str, &str)] = &[
    ("board/tmlc_board.h", include_str!("board/tmlc_board.h")),
    ("board/startup.c", include_str!("board/startup.c")),
    ("board/semihosting.c", include_str!("board/semihosting.c")),
    ("board/markers.c", include_str!("board/markers.c")),
    (
        "board/profile_markers.c",
        include_str!("board/profile_markers.c"),
    ),
];

/// What `tmlc sim` reads from a Cortex-M project (`tmlc-project.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The C identifier of the model.
    pub model: String,
    pub target: String,
    pub core: String,
    /// The machine `tmlc sim` runs the program on; `None` for a board QEMU does not emulate.
    pub qemu_machine: Option<String>,
    pub elf: String,
    pub input_bytes: usize,
    pub output_bytes: usize,
    pub arena_bytes: usize,
    /// The state buffer of stateful ops (recurrent layers), outside the arena.
    #[serde(default)]
    pub state_bytes: usize,
    pub weight_bytes: usize,
    pub marker_start: String,
    pub marker_end: String,
    /// The profile build (`None` in a project from before tmlc had one).
    #[serde(default)]
    pub profile_elf: Option<String>,
    /// The layers of the generated code, in the order the profile build's markers see them.
    #[serde(default)]
    pub layers: Vec<Layer>,
}

/// The compiler flags that select the target's core, FPU and float ABI.
pub fn arch_flags(target: &Target) -> String {
    let mut flags = format!("-mcpu={} -mthumb", target.core);
    if !target.features.fpu {
        flags.push_str(" -mfloat-abi=soft");
        return flags;
    }
    flags.push_str(" -mfloat-abi=hard");
    // -mcpu=cortex-m55 implies its FPU and MVE; the others name their FPU.
    let fpu = match target.core.as_str() {
        "cortex-m4" => Some("fpv4-sp-d16"),
        "cortex-m7" if target.features.fpu_double => Some("fpv5-d16"),
        "cortex-m7" => Some("fpv5-sp-d16"),
        "cortex-m33" | "cortex-m35p" => Some("fpv5-sp-d16"),
        _ => None,
    };
    if let Some(fpu) = fpu {
        flags.push_str(" -mfpu=");
        flags.push_str(fpu);
    }
    flags
}

pub struct CortexMBackend;

impl Backend for CortexMBackend {
    fn name(&self) -> &'static str {
        "cortex-m"
    }

    fn generate(
        &self,
        module: &Module,
        target: &Target,
        options: &GenerateOptions,
    ) -> DiagResult<Project> {
        let layout = layout::target_layout(target)?;
        let model_project = model_project(module, target, options)?;
        layout::check_ram(
            &layout,
            (model_project.arena_size + model_project.state_size) as u64,
            target,
        )?;
        let mut project = model_project.project.clone();
        crate::c::library::add_library_files(
            &mut project,
            &model_project,
            target,
            crate::c::library::Kind::Firmware,
        );
        let ModelProject {
            model,
            input_size,
            output_size,
            arena_size,
            weight_bytes,
            state_size,
            inputs,
            outputs,
            runtime_sources,
            layers,
            ..
        } = model_project;
        for (path, contents) in BOARD {
            project.add_copy(*path, *contents);
        }
        let script = format!("board/{}.ld", layout.name);
        project.add(script.as_str(), layout::linker_script(&layout, target));
        project.add("main.c", harness::main_c(&model, &inputs, &outputs));
        project.add(PROFILE_HOOKS, harness::profile_hooks(&model));
        project.add(
            "Makefile",
            harness::makefile(
                &model,
                target,
                target.qemu_machine.as_deref(),
                &script,
                &runtime_sources,
            ),
        );
        let manifest = Manifest {
            model,
            target: target.name.clone(),
            core: target.core.clone(),
            qemu_machine: target.qemu_machine.clone(),
            elf: ELF.to_string(),
            input_bytes: input_size,
            output_bytes: output_size,
            arena_bytes: arena_size,
            state_bytes: state_size,
            weight_bytes,
            marker_start: MARKER_START.to_string(),
            marker_end: MARKER_END.to_string(),
            profile_elf: Some(PROFILE_ELF.to_string()),
            layers,
        };
        let mut json = serde_json::to_string_pretty(&manifest).unwrap_or_default();
        json.push('\n');
        project.add(MANIFEST, json);
        Ok(project)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::lookup;

    #[test]
    fn arch_flags_per_core() {
        let flags = |name: &str| arch_flags(&lookup(name).expect("target"));
        assert_eq!(
            flags("stm32f746g-disco"),
            "-mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16"
        );
        assert_eq!(
            flags("cortex-m3"),
            "-mcpu=cortex-m3 -mthumb -mfloat-abi=soft"
        );
        assert_eq!(
            flags("cortex-m4"),
            "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16"
        );
        assert_eq!(
            flags("cortex-m7"),
            "-mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-d16"
        );
        assert_eq!(
            flags("cortex-m33"),
            "-mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16"
        );
        assert_eq!(
            flags("cortex-m55"),
            "-mcpu=cortex-m55 -mthumb -mfloat-abi=hard"
        );
        let mut m0 = lookup("cortex-m4").expect("target");
        m0.core = "cortex-m0plus".into();
        m0.features = Default::default();
        assert_eq!(
            arch_flags(&m0),
            "-mcpu=cortex-m0plus -mthumb -mfloat-abi=soft"
        );
    }
}
