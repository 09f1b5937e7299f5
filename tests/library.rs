//! The generated model as a library a project uses as it is: a C++ program that includes
//! `<model>.h` links against the static library `tmlc_<model>` that the generated
//! `CMakeLists.txt` builds through `add_subdirectory`, with the host compilers (and runs: the
//! output must be the reference interpreter's bytes, from the static arena and from a
//! caller-supplied one) and with arm-none-eabi-gcc/g++ (links). The per-layer hooks, defined in
//! a header the library is built with, see every layer in order, and a library built with
//! `TMLC_<MODEL>_NO_STATIC_ARENA` has no static arena. The Arduino layout holds the library
//! under `src/` with its `library.properties`, and compiles as the Arduino builder would.
//!
//! Needs cmake, make, cc and c++ (and for the cross build arm-none-eabi-gcc and -g++): a loud
//! skip without them (a failure under CI=true).

use std::path::{Path, PathBuf};
use std::process::Command;
use tmlc_tests::tools::have;
use tmlc_tinyml::tensor::TensorData;

const MODEL: &str = "generated-c/mini_net.tir";

fn tests_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tmlc-library-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

fn tmlc(args: &[&str]) {
    let mut stdin = || Ok(Vec::new());
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    if let Err(failure) = tmlc::run_cli(args.clone(), &mut stdin) {
        panic!("tmlc {} failed:\n{}", args.join(" "), failure.rendered);
    }
}

fn run(command: &mut Command) -> std::process::Output {
    let output = command.output().expect("the tool runs");
    assert!(
        output.status.success(),
        "{command:?} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// A CMake project beside the generated library: a C++ program, a C file with the hooks'
/// records, and the hooks header the library is built with.
fn consumer(dir: &Path, library: &Path, no_static_arena: bool, arm: bool) {
    let definitions = if no_static_arena {
        "TMLC_MINI_NET_NO_STATIC_ARENA"
    } else {
        ""
    };
    let link = if arm {
        // No libstdc++ for arm-none-eabi on Debian without an extra package: the program uses
        // none, so gcc links it.
        "target_link_options(app PRIVATE --specs=nosys.specs)\n\
         set_target_properties(app PROPERTIES LINKER_LANGUAGE C)\n"
    } else {
        ""
    };
    std::fs::write(
        dir.join("CMakeLists.txt"),
        format!(
            "cmake_minimum_required(VERSION 3.13)\n\
             project(consumer C CXX)\n\
             add_subdirectory(\"{library}\" tmlc_mini_net)\n\
             target_include_directories(tmlc_mini_net PRIVATE \"${{CMAKE_CURRENT_SOURCE_DIR}}\")\n\
             target_compile_definitions(tmlc_mini_net PRIVATE [[TMLC_MINI_NET_HOOKS_HEADER=\"hooks.h\"]] {definitions})\n\
             target_compile_options(tmlc_mini_net PRIVATE -Wall -Wextra -Werror -pedantic)\n\
             add_executable(app app.cpp hooks.c)\n\
             target_compile_definitions(app PRIVATE {definitions})\n\
             target_link_libraries(app PRIVATE tmlc_mini_net)\n{link}",
            library = library.display()
        ),
    )
    .expect("write");
    std::fs::write(
        dir.join("hooks.h"),
        "/* Records every layer the model runs: BEGIN and END must pair up, in order. */\n\
         extern int tmlc_test_layers[64];\nextern const char *tmlc_test_names[64];\n\
         extern int tmlc_test_count;\nextern int tmlc_test_unpaired;\n\
         #define TMLC_MINI_NET_LAYER_BEGIN(index, name) \\\n\
         \x20   (tmlc_test_names[tmlc_test_count] = (name), tmlc_test_layers[tmlc_test_count++] = (index))\n\
         #define TMLC_MINI_NET_LAYER_END(index, name) \\\n\
         \x20   (tmlc_test_unpaired += (index) != tmlc_test_layers[tmlc_test_count - 1])\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("hooks.c"),
        "int tmlc_test_layers[64];\nconst char *tmlc_test_names[64];\n\
         int tmlc_test_count;\nint tmlc_test_unpaired;\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("app.cpp"),
        "// Runs mini_net on the input file: the caller's arena, then the static one (unless the\n\
         // library has none); writes the output bytes and the layers the hooks saw.\n\
         #include <stdio.h>\n#include <string.h>\n#include \"mini_net.h\"\n\n\
         extern \"C\" {\nextern int tmlc_test_layers[64];\nextern const char *tmlc_test_names[64];\n\
         extern int tmlc_test_count;\nextern int tmlc_test_unpaired;\n}\n\n\
         static int32_t arena[(TMLC_MINI_NET_ARENA_SIZE + 3) / 4];\n\n\
         int main(int argc, char **argv) {\n\
         \x20   static_assert(TMLC_MINI_NET_ARENA_ALIGNMENT <= alignof(int32_t), \"arena alignment\");\n\
         \x20   int8_t input[TMLC_MINI_NET_INPUT_SIZE];\n\
         \x20   int8_t output[TMLC_MINI_NET_OUTPUT_SIZE];\n\
         \x20   FILE *file = argc == 2 ? fopen(argv[1], \"rb\") : nullptr;\n\
         \x20   if (file == nullptr || fread(input, 1, sizeof input, file) != sizeof input) {\n\
         \x20       return 2;\n\
         \x20   }\n\
         \x20   fclose(file);\n\
         \x20   tmlc_mini_net_invoke_with_arena(arena, input, output);\n\
         #ifndef TMLC_MINI_NET_NO_STATIC_ARENA\n\
         \x20   int8_t again[TMLC_MINI_NET_OUTPUT_SIZE];\n\
         \x20   tmlc_mini_net_invoke(input, again);\n\
         \x20   if (memcmp(output, again, sizeof output) != 0) {\n\
         \x20       return 3;\n\
         \x20   }\n\
         #endif\n\
         \x20   fwrite(output, 1, sizeof output, stdout);\n\
         \x20   for (int i = 0; i < tmlc_test_count; i++) {\n\
         \x20       fprintf(stderr, \"%d:%s\\n\", tmlc_test_layers[i], tmlc_test_names[i]);\n\
         \x20   }\n\
         \x20   return tmlc_test_unpaired;\n\
         }\n",
    )
    .expect("write");
}

fn cmake_build(source: &Path, build: &Path, extra: &[&str]) {
    run(Command::new("cmake")
        .arg("-S")
        .arg(source)
        .arg("-B")
        .arg(build)
        .args(extra));
    run(Command::new("cmake").arg("--build").arg(build));
}

/// The layers the generated C runs, from its `/* N: tinyml.op ... */` comments.
fn layers_of(source: &str) -> Vec<String> {
    source
        .lines()
        .filter_map(|line| {
            let rest = line.trim().strip_prefix("/* ")?;
            let (index, rest) = rest.split_once(": tinyml.")?;
            let op = rest.split_whitespace().next()?;
            index
                .parse::<usize>()
                .ok()
                .map(|index| format!("{index}:{op}"))
        })
        .collect()
}

fn expected_output(input: &[u8]) -> Vec<u8> {
    let source = std::fs::read_to_string(tests_dir().join(MODEL)).expect("model");
    let module = tmlc_core::parser::parse_module(&source).expect("parses");
    let ty = module.functions[0].value_type(module.functions[0].params[0]);
    let inputs = [TensorData::from_bytes(ty, input)];
    tmlc_tinyml::interpreter::run(&module, &inputs, &mut |_, _, _| {})
        .expect("interprets")
        .iter()
        .flat_map(TensorData::to_bytes)
        .collect()
}

#[test]
fn a_cpp_program_links_the_cmake_library_on_the_host() {
    if !(have("cmake") && have("make") && have("cc") && have("c++")) {
        return;
    }
    let dir = scratch("host");
    let library = dir.join("mini_net");
    let model = tests_dir().join(MODEL);
    tmlc(&[
        "compile",
        &model.display().to_string(),
        "-o",
        &library.display().to_string(),
    ]);
    let input: Vec<u8> = (0..64u32).map(|i| (i * 37 % 251) as u8).collect();
    let input_path = dir.join("input.bin");
    std::fs::write(&input_path, &input).expect("write input");
    let generated = std::fs::read_to_string(library.join("mini_net.c")).expect("model source");
    let layers = layers_of(&generated);
    assert!(layers.len() >= 4, "{generated}");
    for no_static_arena in [false, true] {
        let name = if no_static_arena { "caller" } else { "static" };
        let app = dir.join(format!("app-{name}"));
        std::fs::create_dir_all(&app).expect("mkdir");
        consumer(&app, &library, no_static_arena, false);
        let build = app.join("build");
        cmake_build(&app, &build, &[]);
        let output = Command::new(build.join("app"))
            .arg(&input_path)
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(0), "{name}: {output:?}");
        assert_eq!(output.stdout, expected_output(&input), "{name}");
        let seen: Vec<String> = String::from_utf8_lossy(&output.stderr)
            .lines()
            .map(str::to_string)
            .collect();
        // One inference in the caller's arena, and one in the static arena when there is one.
        let runs = if no_static_arena { 1 } else { 2 };
        assert_eq!(
            seen,
            [layers.as_slice(); 2][..runs].concat(),
            "{name}: the hooks saw other layers"
        );
        let symbols = run(Command::new("nm").arg(build.join("tmlc_mini_net/libtmlc_mini_net.a")));
        let symbols = String::from_utf8_lossy(&symbols.stdout);
        assert!(
            symbols.contains("T tmlc_mini_net_run_with_arena"),
            "{symbols}"
        );
        assert_eq!(
            symbols.contains("T tmlc_mini_net_run\n"),
            !no_static_arena,
            "{name}: {symbols}"
        );
        assert_eq!(
            symbols.contains("tmlc_mini_net_arena"),
            !no_static_arena,
            "{name}: {symbols}"
        );
    }
    // The CMake build alone also builds the harness, as the Makefile does.
    cmake_build(&library, &dir.join("alone"), &[]);
    let output = Command::new(dir.join("alone/model_run"))
        .arg(&input_path)
        .output()
        .expect("runs");
    assert_eq!(output.stdout, expected_output(&input));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_cpp_program_links_the_cmake_library_with_arm_none_eabi() {
    if !(have("cmake") && have("make") && have("arm-none-eabi-gcc") && have("arm-none-eabi-g++")) {
        return;
    }
    let dir = scratch("arm");
    let library = dir.join("mini_net");
    let model = tests_dir().join(MODEL);
    tmlc(&[
        "compile",
        &model.display().to_string(),
        "--target",
        "cortex-m4",
        "-o",
        &library.display().to_string(),
    ]);
    let app = dir.join("app");
    std::fs::create_dir_all(&app).expect("mkdir");
    consumer(&app, &library, false, true);
    let flags = "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16";
    let build = app.join("build");
    cmake_build(
        &app,
        &build,
        &[
            "-DCMAKE_SYSTEM_NAME=Generic",
            "-DCMAKE_SYSTEM_PROCESSOR=arm",
            "-DCMAKE_C_COMPILER=arm-none-eabi-gcc",
            "-DCMAKE_CXX_COMPILER=arm-none-eabi-g++",
            "-DCMAKE_TRY_COMPILE_TARGET_TYPE=STATIC_LIBRARY",
            &format!("-DCMAKE_C_FLAGS={flags}"),
            &format!("-DCMAKE_CXX_FLAGS={flags} -fno-exceptions -fno-rtti"),
        ],
    );
    let header = run(Command::new("arm-none-eabi-readelf")
        .arg("-h")
        .arg(build.join("app")));
    let header = String::from_utf8_lossy(&header.stdout);
    assert!(
        header.contains("Machine:                           ARM"),
        "{header}"
    );
    let symbols = run(Command::new("arm-none-eabi-nm").arg(build.join("app")));
    let symbols = String::from_utf8_lossy(&symbols.stdout);
    // The DSP kernels of the Cortex-M4 build are in the program.
    assert!(
        symbols.contains(" tmlc_mini_net_invoke_with_arena"),
        "{symbols}"
    );
    assert!(symbols.contains("_dsp"), "{symbols}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The Arduino layout: `library.properties`, the sources under `src/` with their includes
/// resolving from `src/` alone (as the Arduino builder compiles them), an example sketch, no
/// harness or board files; the sketch compiles as C++ against it.
#[test]
fn the_arduino_layout_builds_from_src_alone() {
    if !(have("cc") && have("c++")) {
        return;
    }
    let dir = scratch("arduino");
    let library = dir.join("tmlc_mini_net");
    let model = tests_dir().join(MODEL);
    tmlc(&[
        "compile",
        &model.display().to_string(),
        "--target",
        "cortex-m4",
        "--layout",
        "arduino",
        "-o",
        &library.display().to_string(),
    ]);
    let properties =
        std::fs::read_to_string(library.join("library.properties")).expect("library.properties");
    assert!(properties.contains("name=tmlc_mini_net\n"), "{properties}");
    assert!(properties.contains("includes=mini_net.h\n"), "{properties}");
    for absent in ["main.c", "Makefile", "board", "src/main.c", "src/board"] {
        assert!(
            !library.join(absent).exists(),
            "{absent} in an Arduino library"
        );
    }
    let sketch = library.join("examples/mini_net/mini_net.ino");
    assert!(sketch.is_file());
    let mut sources = Vec::new();
    let mut stack = vec![library.join("src")];
    while let Some(path) = stack.pop() {
        for entry in std::fs::read_dir(&path).expect("readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "c") {
                sources.push(path);
            }
        }
    }
    assert!(sources.len() > 3, "{sources:?}");
    let src = library.join("src");
    for source in &sources {
        let object = dir.join(format!(
            "{}.o",
            source.file_stem().expect("stem").to_string_lossy()
        ));
        run(Command::new("cc")
            .args([
                "-std=c99",
                "-Wall",
                "-Wextra",
                "-Werror",
                "-pedantic",
                "-c",
                "-I",
            ])
            .arg(&src)
            .arg(source)
            .arg("-o")
            .arg(&object));
    }
    // The sketch, as C++ with stand-ins for the Arduino core's Serial, micros and delay.
    let sketch_cpp = dir.join("sketch.cpp");
    std::fs::write(
        &sketch_cpp,
        format!(
            "struct {{ void begin(long) {{}} template <class T> void print(T) {{}} template <class T> void println(T) {{}} }} Serial;\n\
             static unsigned long micros() {{ return 0; }}\nstatic void delay(unsigned long) {{}}\n\
             {}\nint main() {{ setup(); loop(); return 0; }}\n",
            std::fs::read_to_string(&sketch).expect("sketch")
        ),
    )
    .expect("write");
    run(Command::new("c++")
        .args(["-Wall", "-Wextra", "-Werror", "-c", "-I"])
        .arg(&src)
        .arg(&sketch_cpp)
        .arg("-o")
        .arg(dir.join("sketch.o")));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every name the model's files give the linker, and every macro its header defines, carries
/// the model's prefix (`tmlc_mini_net_`, `TMLC_MINI_NET_`), so two models, the runtime and the
/// user's code cannot clash.
#[test]
fn every_exported_name_and_macro_is_prefixed_by_the_model() {
    if !(have("cc") && have("nm")) {
        return;
    }
    let dir = scratch("prefix");
    let library = dir.join("mini_net");
    let model = tests_dir().join(MODEL);
    tmlc(&[
        "compile",
        &model.display().to_string(),
        "-o",
        &library.display().to_string(),
    ]);
    let object = dir.join("mini_net.o");
    run(Command::new("cc")
        .args(["-std=c99", "-c", "-I"])
        .arg(&library)
        .arg("-I")
        .arg(library.join("runtime/include"))
        .arg(library.join("mini_net.c"))
        .arg("-o")
        .arg(&object));
    let symbols = run(Command::new("nm").arg("--defined-only").arg(&object));
    let exported: Vec<String> = String::from_utf8_lossy(&symbols.stdout)
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [_, kind, name] = fields.as_slice() else {
                return None;
            };
            kind.chars()
                .all(|c| c.is_ascii_uppercase())
                .then(|| name.to_string())
        })
        .collect();
    assert!(exported.len() > 4, "{exported:?}");
    for name in &exported {
        assert!(name.starts_with("tmlc_mini_net_"), "{name} is not prefixed");
    }
    let header = std::fs::read_to_string(library.join("mini_net.h")).expect("header");
    let macros: Vec<&str> = header
        .lines()
        .filter_map(|l| l.strip_prefix("#define "))
        .map(|l| l.split([' ', '(']).next().unwrap_or(l))
        .collect();
    assert!(macros.len() > 10, "{macros:?}");
    for name in macros {
        assert!(name.starts_with("TMLC_MINI_NET_"), "{name} is not prefixed");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
