//! The generated model as a library a project uses as it is: the `CMakeLists.txt` with the
//! static library target `tmlc_<model>` (for `add_subdirectory`, and so for Zephyr), the
//! `README.md` that documents the API, the sizes, the build and the integration, and the Arduino
//! library layout (`library.properties`, `src/`, an example sketch).

use super::edges::Edge;
use super::ModelProject;
use crate::project::Project;
use crate::target::{BackendKind, Target};
use crate::GenerateOptions;
use std::fmt::Write;

/// Which project the library files are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The portable C backend's: the CMake build also makes the host harness `model_run`.
    Host,
    /// The Cortex-M backend's: `make` builds the firmware; CMake only the library.
    Firmware,
    /// An Arduino library.
    Arduino,
}

/// Adds `CMakeLists.txt` and `README.md` to a backend's project.
pub fn add_library_files(project: &mut Project, model: &ModelProject, target: &Target, kind: Kind) {
    project.add("CMakeLists.txt", cmake_lists(model, project, kind));
    project.add("README.md", readme(model, target, kind));
}

/// True when a runtime file the project holds calls libm (`#include <math.h>`).
fn needs_libm(project: &Project) -> bool {
    project
        .files
        .iter()
        .filter(|f| f.path.ends_with(".c"))
        .any(|f| f.contents.windows(17).any(|w| w == b"#include <math.h>"))
}

/// The `CMakeLists.txt` of the library `tmlc_<model>`.
pub fn cmake_lists(model: &ModelProject, project: &Project, kind: Kind) -> String {
    let name = &model.model;
    let sources: String = std::iter::once(format!("{name}.c"))
        .chain(model.runtime_sources.iter().cloned())
        .map(|s| format!("    {s}\n"))
        .collect();
    let libm = if needs_libm(project) {
        format!(
            "# The float LOG_SOFTMAX kernel calls expf and logf.\n\
             if(CMAKE_C_COMPILER_ID MATCHES \"GNU|Clang\")\n    target_link_libraries(tmlc_{name} PUBLIC m)\nendif()\n\n"
        )
    } else {
        String::new()
    };
    let harness = match kind {
        Kind::Host => format!(
            "# Built on its own, also the harness (model_run IN.bin > OUT.bin), as the Makefile does.\n\
             if(CMAKE_CURRENT_SOURCE_DIR STREQUAL CMAKE_SOURCE_DIR)\n\
             \x20   add_executable(model_run main.c)\n\
             \x20   target_link_libraries(model_run PRIVATE tmlc_{name})\n\
             endif()\n"
        ),
        Kind::Firmware => "# The QEMU/board firmware (model.elf, with main.c and board/) is the Makefile's; this file\n\
             # builds the library alone, with the including project's compiler and flags.\n"
            .to_string(),
        Kind::Arduino => String::new(),
    };
    format!(
        "# The static library tmlc_{name}: the model and the runtime kernels it calls. Use it with\n\
         #   add_subdirectory(path/to/this/directory)\n\
         #   target_link_libraries(your_app PRIVATE tmlc_{name})\n\
         # (a Zephyr application too; see README.md). Options are compile definitions:\n\
         #   target_compile_definitions(tmlc_{name} PRIVATE TMLC_{upper}_NO_STATIC_ARENA)\n\
         cmake_minimum_required(VERSION 3.13)\n\
         project(tmlc_{name} LANGUAGES C)\n\n\
         add_library(tmlc_{name} STATIC\n{sources})\n\
         target_include_directories(tmlc_{name}\n\
         \x20   PUBLIC \"${{CMAKE_CURRENT_SOURCE_DIR}}\"\n\
         \x20   PRIVATE \"${{CMAKE_CURRENT_SOURCE_DIR}}/runtime/include\")\n\
         set_target_properties(tmlc_{name} PROPERTIES C_STANDARD 99 C_STANDARD_REQUIRED ON)\n\n\
         {libm}{harness}",
        upper = name.to_ascii_uppercase(),
    )
}

/// One row of the README's edge table.
fn edge_row(edge: &Edge, model: &str, prefix: &str) -> String {
    let quantization = edge
        .ty
        .per_tensor()
        .map_or("-".to_string(), |(scale, zero)| {
            format!("scale {scale}, zero point {zero}")
        });
    let shape: Vec<String> = edge.ty.shape.iter().map(|d| d.to_string()).collect();
    format!(
        "| `{}()` | `{}` | {} | {} | {} | `{}` |\n",
        edge.accessor(model),
        edge.c_type(),
        shape.join("x"),
        edge.bytes(),
        quantization,
        edge.size_macro(prefix).trim_end_matches("_SIZE"),
    )
}

/// The `README.md` of the generated library.
pub fn readme(model: &ModelProject, target: &Target, kind: Kind) -> String {
    let name = &model.model;
    let prefix = format!("TMLC_{}", name.to_ascii_uppercase());
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# tmlc_{name}\n\n\
         One inference of the network `{name}`, compiled by tmlc for target `{}` ({}). Plain C99: no\n\
         malloc, no global state but the arena, the weights in `const` arrays (flash).\n",
        target.name, target.description
    );
    let _ = writeln!(out, "## Sizes\n\n| what | bytes | macro |\n|---|---|---|");
    let _ = writeln!(
        out,
        "| arena (every activation and scratch buffer; SRAM) | {} | `{prefix}_ARENA_SIZE`, aligned to `{prefix}_ARENA_ALIGNMENT` |",
        model.arena_size
    );
    let _ = writeln!(
        out,
        "| weights and constant tables (flash) | {} | `{prefix}_WEIGHT_SIZE` |",
        model.weight_bytes
    );
    let _ = writeln!(
        out,
        "| input(s) | {} | `{prefix}_INPUT_SIZE` |\n| output(s) | {} | `{prefix}_OUTPUT_SIZE` |\n",
        model.input_size, model.output_size
    );
    let _ = writeln!(
        out,
        "Code size depends on the compiler and flags: `arm-none-eabi-size` on your build tells.\n"
    );
    let _ = writeln!(
        out,
        "## Edges\n\n| accessor | C type | shape | bytes | int8 quantization (real = scale * (q - zero point)) | macros `_SHAPE`, `_ELEMENTS`, `_TYPE`, `_SCALE`, `_ZERO_POINT` |\n|---|---|---|---|---|---|"
    );
    for edge in model.inputs.iter().chain(&model.outputs) {
        out.push_str(&edge_row(edge, name, &prefix));
    }
    let _ = writeln!(
        out,
        "\n## API (`{name}.h`, C and C++)\n\n```c\n\
         int tmlc_{name}_invoke(inputs..., outputs...); /* copy in, run, copy out; returns 0 */\n\
         int tmlc_{name}_run(void);                     /* zero-copy: write at tmlc_{name}_input(), run, read at tmlc_{name}_output() */\n\n\
         /* The same in an arena you supply: {prefix}_ARENA_SIZE bytes aligned to {prefix}_ARENA_ALIGNMENT. */\n\
         int tmlc_{name}_invoke_with_arena(void *arena, inputs..., outputs...);\n\
         int tmlc_{name}_run_with_arena(void *arena);   /* with tmlc_{name}_input_with_arena(arena), ... */\n```\n\n\
         The pointers of the zero-copy API point into the arena, which the next inference reuses.\n\
         With several inputs or outputs the accessors are `_input()`, `_input1()`, ... and the\n\
         parameters `input0, input1, ...`. `{prefix}_MODEL_NAME`, `{prefix}_TMLC_VERSION` and\n\
         `{prefix}_MODEL_SHA256` say which model the build holds.\n\n\
         Build options (compile definitions of the library):\n\n\
         - `{prefix}_NO_STATIC_ARENA`: no static arena (and no functions without `_with_arena`);\n\
         - `{prefix}_ARENA_ATTRIBUTES`: placed after the static arena's declaration, e.g.\n\
         \x20 `__attribute__((section(\".ccm\")))` to put it in a linker section;\n\
         - `{prefix}_HOOKS_HEADER`: a header (`'\"my_hooks.h\"'`) defining\n\
         \x20 `{prefix}_LAYER_BEGIN(index, name)` and `{prefix}_LAYER_END(index, name)`, run around every\n\
         \x20 layer (empty by default): a per-layer profile on a board, e.g. reading `DWT->CYCCNT`:\n\n\
         ```c\n\
         /* my_hooks.h */\n\
         extern volatile unsigned int *const dwt_cyccnt;  /* (volatile unsigned int *)0xE0001004 */\n\
         extern unsigned int layer_cycles[];\n\
         #define {prefix}_LAYER_BEGIN(index, name) (layer_cycles[index] = *dwt_cyccnt)\n\
         #define {prefix}_LAYER_END(index, name) (layer_cycles[index] = *dwt_cyccnt - layer_cycles[index])\n\
         ```\n"
    );
    let _ = writeln!(out, "## Build and integrate\n");
    match kind {
        Kind::Arduino => {
            let _ = writeln!(
                out,
                "This folder is an Arduino library: copy it into your `libraries/` folder (or zip it\n\
                 and use *Sketch > Include Library > Add .ZIP Library*), then `#include <{name}.h>`.\n\
                 `examples/{name}/{name}.ino` runs one inference a second and prints its time. The\n\
                 model and runtime are under `src/` (the Arduino builder compiles it recursively).\n"
            );
        }
        Kind::Host | Kind::Firmware => {
            let make = if kind == Kind::Host {
                "`make` builds `model_run`, the host harness (`model_run IN.bin > OUT.bin`: raw input\n\
                 bytes in, raw output bytes out); `make CC=clang CFLAGS='-O3'` picks another compiler."
                    .to_string()
            } else {
                let runs = match target.qemu_machine.as_deref() {
                    Some(machine) => format!("`tmlc sim` runs it in QEMU's {machine}"),
                    None => {
                        "QEMU does not emulate this board: flash it with a debugger that serves\n\
                             semihosting (OpenOCD, pyOCD)"
                            .to_string()
                    }
                };
                format!(
                    "`make` builds `model.elf`, a firmware that runs one inference with its input and\n\
                     output files through semihosting ({runs}). The core's flags are `{}`.",
                    super::super::cortex_m::arch_flags(target)
                )
            };
            let _ = writeln!(
                out,
                "{make}\n\n\
                 **CMake**: the library alone is the target `tmlc_{name}` of `CMakeLists.txt`:\n\n\
                 ```cmake\n\
                 add_subdirectory(path/to/{name} tmlc_{name})\n\
                 target_link_libraries(your_app PRIVATE tmlc_{name})\n\
                 ```\n\n\
                 It is compiled with your project's compiler and flags (for an Arm core, your toolchain\n\
                 file's `-mcpu`).\n\n\
                 **Zephyr**: the same two lines in the application's `CMakeLists.txt`, plus\n\
                 `target_link_libraries(tmlc_{name} PRIVATE zephyr_interface)` so that the library gets\n\
                 the board's compiler flags.\n\n\
                 **Any other build** (STM32CubeIDE, MCUXpresso, Keil, a Makefile): add `{name}.c` and\n\
                 the `runtime/src/` files below to the sources and `.` and `runtime/include` to the\n\
                 include paths; link with `-lm` when the list has `log_softmax_f32.c`.\n"
            );
        }
    }
    let _ = writeln!(out, "## Files\n");
    let _ = writeln!(
        out,
        "- `{name}.h`, `{name}.c`: the model (generated; the weights are the model's)"
    );
    for source in &model.runtime_sources {
        let _ = writeln!(out, "- `{source}`: a runtime-c kernel file (part of tmlc)");
    }
    if target.backend == BackendKind::CortexM && kind == Kind::Firmware {
        let _ = writeln!(
            out,
            "- `main.c`, `board/`: the firmware's harness, startup code and linker script"
        );
    }
    out
}

/// The Arduino library: `library.properties`, `src/` (the model and the runtime, with the
/// runtime's relative includes kept), `examples/<model>/<model>.ino` and `README.md`.
pub fn arduino(model: &ModelProject, target: &Target, options: &GenerateOptions) -> Project {
    let name = &model.model;
    let mut project = Project::default();
    for file in &model.project.files {
        let path = if let Some(header) = file.path.strip_prefix("runtime/include/") {
            format!("src/{header}")
        } else if let Some(source) = file.path.strip_prefix("runtime/src/") {
            format!("src/runtime/{source}")
        } else {
            format!("src/{}", file.path)
        };
        project.files.push(crate::project::GeneratedFile {
            path,
            ..file.clone()
        });
    }
    let mut library = model.clone();
    library.runtime_sources = model
        .runtime_sources
        .iter()
        .map(|s| s.replacen("runtime/src/", "src/runtime/", 1))
        .collect();
    project.add(
        "library.properties",
        format!(
            "name=tmlc_{name}\n\
             version={version}\n\
             author=tmlc\n\
             maintainer=tmlc\n\
             sentence=The network {name} compiled by tmlc: one inference in a {arena}-byte arena.\n\
             paragraph=Generated from {source} (SHA-256 {sha}) for target {target}. Include {name}.h; README.md documents the API.\n\
             category=Data Processing\n\
             url=\n\
             architectures=*\n\
             includes={name}.h\n",
            version = options.provenance.tmlc_version,
            arena = model.arena_size,
            source = options.provenance.source,
            sha = options.provenance.sha256,
            target = target.name,
        ),
    );
    let prefix = format!("TMLC_{}", name.to_ascii_uppercase());
    let first_input = model
        .inputs
        .first()
        .map(|e| (e.accessor(name), e.size_macro(&prefix)));
    let clear = first_input.map_or(String::new(), |(accessor, size)| {
        format!("    memset({accessor}(), 0, {size});\n")
    });
    project.add(
        format!("examples/{name}/{name}.ino"),
        format!(
            "// Runs one inference of {name} a second on a zero input and prints how long it took.\n\
             #include <string.h>\n\
             #include <{name}.h>\n\n\
             void setup() {{\n    Serial.begin(115200);\n}}\n\n\
             void loop() {{\n\
             {clear}\
             \x20   unsigned long start = micros();\n\
             \x20   tmlc_{name}_run();\n\
             \x20   unsigned long elapsed = micros() - start;\n\
             \x20   Serial.print(\"{name}: one inference in \");\n\
             \x20   Serial.print(elapsed);\n\
             \x20   Serial.println(\" us\");\n\
             \x20   delay(1000);\n\
             }}\n"
        ),
    );
    project.add("README.md", readme(&library, target, Kind::Arduino));
    project
}
