//! Snapshots of the C that `tmlc compile` generates, so that a change to a backend shows as a
//! per-file diff. One small model (`tests/generated-c/mini_net.tir`) is compiled in process
//! three ways:
//!
//! - `host`: the portable C backend, default pipeline (no patch loop for this model; portable
//!   in-place depthwise, in-place add);
//! - `cortex-m4`: the Cortex-M backend, default pipeline (`select-kernels`: the Arm DSP variants,
//!   the in-place DSP depthwise, the 1x1 GEMM convolution);
//! - `host-tiled`: the portable C backend with a fixed `tile` plan, so the patch loop is covered.
//!
//! And `examples/recurrent.tir` (two stacked LSTMs) for the Cortex-M4 as `recurrent`: the state
//! section, `tmlc_<model>_reset()` and the DSP LSTM calls (checked against the interpreter by
//! tests/end_to_end.rs, tests/qemu.rs and tests/lstm_sequence.rs).
//!
//! Every file generated per model gets its own snapshot, named `<build>__<path>`: the model's
//! `.c` and `.h`, `main.c`, the `Makefile`, the library's `CMakeLists.txt` and `README.md`, the
//! `.tmlc-files` list, and for Cortex-M the linker script and `tmlc-project.json`. Files the backends copy verbatim (`runtime/` from `runtime-c/`, the
//! static `board/` sources from `backends/src/cortex_m/board/`) are not snapshotted: each is
//! checked byte for byte against its checked-in source, and `<build>__files` lists every file of
//! the project and what it is, so a file added, dropped or no longer a plain copy shows too.
//!
//! The host projects are also built with `make` (the Makefile's strict default flags) and run on
//! pseudo-random inputs: the output must be the reference interpreter's bytes. A missing `make`
//! or `cc` is a loud skip (a failure under CI=true).
//!
//! Bless with `INSTA_UPDATE=always cargo test --release -p tmlc-tests --test generated_c` and
//! review `git diff tests/snapshots/` (docs/testing.md).

use std::path::{Path, PathBuf};
use std::process::Command;
use tmlc_tests::tools::have;

/// The model, relative to `tests/`, and as the snapshots name it.
const MODEL: &str = "generated-c/mini_net.tir";
const MODEL_SHOWN: &str = "tests/generated-c/mini_net.tir";

/// The host default pipeline with a fixed plan for `tile`: the first two layers (conv2d and the
/// in-place-capable depthwise) as one patch loop over a 2x2 grid.
const TILED_PIPELINE: &str =
    "canonicalize,fuse,schedule,tile{patches=2x2,split=2},inplace,alloc{alignment=16}";

fn tests_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn scratch(build: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tmlc-generated-c-{}-{build}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Every file under `dir`, as sorted `/`-separated relative paths.
fn files_under(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("readable directory") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let relative = path.strip_prefix(root).expect("below the root");
                let parts: Vec<String> = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                out.push(parts.join("/"));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// The checked-in file a backend copies verbatim to `path` of a project, if it is one.
fn checked_in_source(path: &str) -> Option<PathBuf> {
    let repo = tests_dir().join("..");
    if let Some(rest) = path.strip_prefix("runtime/") {
        return Some(repo.join("runtime-c").join(rest));
    }
    let board = path.strip_prefix("board/")?;
    let source = repo.join("backends/src/cortex_m/board").join(board);
    source.exists().then_some(source)
}

/// Compiles the model with `extra` arguments into a fresh directory and snapshots the project.
/// Returns the directory (left in place for the caller to build, then remove).
fn compile_and_snapshot(build: &str, extra: &[&str]) -> PathBuf {
    compile_model_and_snapshot(build, (MODEL, MODEL_SHOWN), extra)
}

/// [`compile_and_snapshot`] for `model` (its path relative to `tests/` and as shown).
fn compile_model_and_snapshot(
    build: &str,
    (model, model_shown): (&str, &str),
    extra: &[&str],
) -> PathBuf {
    let out = scratch(build);
    let out_text = out.display().to_string();
    let model = tests_dir().join(model);
    let mut args = vec![
        "compile".to_string(),
        model.display().to_string(),
        "-o".to_string(),
        out_text.clone(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let mut stdin = || Ok(Vec::new());
    let outcome = tmlc::run_cli(args, &mut stdin)
        .unwrap_or_else(|f| panic!("{build}: tmlc compile failed:\n{}", f.rendered));
    let hide_paths = |text: &str| {
        text.replace(&out_text, "[out]")
            .replace(&model.display().to_string(), model_shown)
    };
    let command = format!("tmlc compile {model_shown} {} -o [out]", extra.join(" "));

    let mut listing = format!("{}\n", hide_paths(outcome.stderr.trim_end()));
    let mut snapshotted = Vec::new();
    for path in files_under(&out) {
        let bytes = std::fs::read(out.join(&path)).expect("generated file");
        if let Some(source) = checked_in_source(&path) {
            let original = std::fs::read(&source).unwrap_or_else(|e| {
                panic!("{build}: {path}: cannot read {}: {e}", source.display())
            });
            assert!(
                bytes == original,
                "{build}: {path} is not a verbatim copy of {}",
                source.display()
            );
            let relative = source
                .strip_prefix(tests_dir().join(".."))
                .unwrap_or(&source)
                .display()
                .to_string();
            listing.push_str(&format!("{path}  (copy of {relative})\n"));
        } else {
            listing.push_str(&format!("{path}  (snapshot)\n"));
            snapshotted.push((path, bytes));
        }
    }

    let mut snapshots = vec![(format!("{build}__files"), listing)];
    for (path, bytes) in snapshotted {
        let text =
            String::from_utf8(bytes).unwrap_or_else(|_| panic!("{build}: {path} is not UTF-8"));
        snapshots.push((
            format!("{build}__{}", path.replace('/', "__")),
            hide_paths(&text),
        ));
    }
    // Every snapshot is compared even when an earlier one differs, so that one run reports
    // (and, outside CI, writes a `.snap.new` for) every changed file.
    let mut differing = Vec::new();
    insta::with_settings!({ description => command.clone(), omit_expression => true }, {
        for (name, text) in &snapshots {
            let compared =
                std::panic::catch_unwind(|| insta::assert_snapshot!(name.as_str(), text));
            if compared.is_err() {
                differing.push(name.as_str());
            }
        }
    });
    assert!(
        differing.is_empty(),
        "{build}: generated files differ from their snapshots: {}",
        differing.join(", ")
    );
    out
}

/// Builds a host project with its own Makefile (default `CC` and strict `CFLAGS`) and checks
/// `model_run` against the reference interpreter on pseudo-random inputs.
fn build_and_run_host(build: &str, dir: &Path) {
    if !have("make") || !have("cc") {
        return;
    }
    let output = Command::new("make")
        .arg("-C")
        .arg(dir)
        .output()
        .expect("make runs");
    assert!(
        output.status.success(),
        "{build}: make failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let source = std::fs::read_to_string(tests_dir().join(MODEL)).expect("model");
    let module = tmlc_core::parser::parse_module(&source).expect("model parses");
    let size = module.functions[0]
        .value_type(module.functions[0].params[0])
        .num_elements();
    let mut seed = 0x9e37_79b9_u64;
    for round in 0..4 {
        let input: Vec<i8> = (0..size)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                (seed >> 24) as i8
            })
            .collect();
        let path = dir.join(format!("input{round}.bin"));
        std::fs::write(&path, input.iter().map(|&v| v as u8).collect::<Vec<u8>>())
            .expect("write input");
        let outputs = tmlc_tinyml::interpreter::run(
            &module,
            &[tmlc_tinyml::tensor::TensorData::I8(input.clone())],
            &mut |_, _, _| {},
        )
        .expect("interprets");
        let tmlc_tinyml::interpreter::TensorData::I8(expected) = &outputs[0] else {
            panic!("int8 output expected");
        };
        let run = Command::new(dir.join("model_run"))
            .arg(&path)
            .output()
            .expect("model_run runs");
        assert!(
            run.status.success() && run.stderr.is_empty(),
            "{build} round {round}: model_run failed:\n{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let got: Vec<i8> = run.stdout.iter().map(|&b| b as i8).collect();
        assert_eq!(
            &got, expected,
            "{build} round {round}: C differs from the interpreter"
        );
    }
}

#[test]
fn host_project() {
    let dir = compile_and_snapshot("host", &["--target", "host"]);
    build_and_run_host("host", &dir);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cortex_m4_project() {
    let dir = compile_and_snapshot("cortex-m4", &["--target", "cortex-m4"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn host_tiled_project() {
    let dir = compile_and_snapshot(
        "host-tiled",
        &["--target", "host", "--pass-pipeline", TILED_PIPELINE],
    );
    let source = std::fs::read_to_string(dir.join("mini_net.c")).expect("model source");
    assert!(
        source.contains("loop.patches"),
        "host-tiled: no patch loop in the generated C"
    );
    build_and_run_host("host-tiled", &dir);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn recurrent_cortex_m4_project() {
    let dir = compile_model_and_snapshot(
        "recurrent",
        ("../examples/recurrent.tir", "examples/recurrent.tir"),
        &["--target", "cortex-m4"],
    );
    let source = std::fs::read_to_string(dir.join("recurrent.c")).expect("model source");
    assert!(
        source.contains("tmlc_lstm_s8_dsp(") && source.contains("void tmlc_recurrent_reset(void)")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A streamed patch loop on the Cortex-M4 (`tile{...,stream=true}`): the band table, the row
/// buffer's moves, the stem reading the image in place and the depthwise layer writing the
/// result in place (the Arm DSP kernels). Only the model's source is snapshotted here (the other
/// files are those of `cortex-m4`); tests/qemu.rs runs such loops, in place and below too.
#[test]
fn cortex_m4_streamed_model_source() {
    let out = scratch("cortex-m4-streamed");
    let model = tests_dir().join(MODEL);
    let args = [
        "compile",
        &model.display().to_string(),
        "--target",
        "cortex-m4",
        "--pass-pipeline",
        "canonicalize,fuse,schedule,tile{patches=4x1,split=2,stream=true},inplace,select-kernels,alloc",
        "-o",
        &out.display().to_string(),
    ]
    .map(String::from);
    let mut stdin = || Ok(Vec::new());
    tmlc::run_cli(args, &mut stdin).unwrap_or_else(|f| panic!("{}", f.rendered));
    let source = std::fs::read_to_string(out.join("mini_net.c")).expect("model source");
    assert!(source.contains("layer0_bands") && source.contains("memmove"));
    insta::assert_snapshot!("cortex-m4-streamed__mini_net.c", source);
    let _ = std::fs::remove_dir_all(&out);
}
