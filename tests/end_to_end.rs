//! End to end on the host: every model of ../shared/models is compiled by `tmlc compile`, built
//! with `make` (gcc; clang; gcc with AddressSanitizer and UBSan) and run on both reference inputs;
//! the output bytes must equal TFLite Micro's golden outputs. Needs `make` and a C compiler; a
//! missing compiler is a loud skip (a failure under CI=true).

use std::path::{Path, PathBuf};
use std::process::Command;
use tmlc_core::types::ElementType;
use tmlc_tests::shared::{shared_dir, MODELS, SECOND_SET};
use tmlc_tests::tools::have;
use tmlc_tinyml::tensor::TensorData;

const STRICT: &str = "-O2 -std=c99 -Wall -Wextra -Werror -pedantic";
const SANITIZE: &str = "-O1 -g -std=c99 -Wall -Wextra -Werror -pedantic -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer";

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tmlc-e2e-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn compile(model: &Path, out: &Path) {
    compile_with(model, out, &[]);
}

/// `tmlc compile MODEL -o OUT` with `extra` arguments.
fn compile_with(model: &Path, out: &Path, extra: &[&str]) {
    let mut stdin = || Ok(Vec::new());
    let mut args = vec![
        "compile".to_string(),
        model.display().to_string(),
        "-o".into(),
        out.display().to_string(),
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    if let Err(failure) = tmlc::run_cli(args, &mut stdin) {
        panic!(
            "tmlc compile {} failed:\n{}",
            model.display(),
            failure.rendered
        );
    }
}

fn make(dir: &Path, cc: &str, cflags: &str, ldflags: &str) {
    let output = Command::new("make")
        .arg("-C")
        .arg(dir)
        .arg(format!("CC={cc}"))
        .arg(format!("CFLAGS={cflags}"))
        .arg(format!("LDFLAGS={ldflags}"))
        .output()
        .expect("make runs");
    assert!(
        output.status.success(),
        "make in {} failed:\n{}{}",
        dir.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Builds and runs every model with one compiler configuration.
fn every_model_bit_exact(flavor: &str, cc: &str, cflags: &str, ldflags: &str) {
    let Some(shared) = shared_dir() else { return };
    if !have(cc) || !have("make") {
        return;
    }
    for model in MODELS.iter().chain(SECOND_SET) {
        let dir = scratch(&format!("{flavor}-{model}"));
        compile(&shared.join("models").join(format!("{model}.tflite")), &dir);
        make(&dir, cc, cflags, ldflags);
        for input in ["ramp", "rng42"] {
            let reference = shared.join("reference").join(model);
            let run = Command::new(dir.join("model_run"))
                .arg(reference.join(format!("input.{input}.bin")))
                .output()
                .expect("model_run runs");
            assert!(
                run.status.success() && run.stderr.is_empty(),
                "{flavor} {model} {input}: model_run failed:\n{}",
                String::from_utf8_lossy(&run.stderr)
            );
            let expected =
                std::fs::read(reference.join(format!("output.{input}.bin"))).expect("golden");
            assert_eq!(
                run.stdout, expected,
                "{flavor} {model} {input}: output differs from TFLite Micro"
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn gcc_build_is_bit_exact() {
    every_model_bit_exact("gcc", "gcc", STRICT, "");
}

#[test]
fn clang_build_is_bit_exact() {
    every_model_bit_exact("clang", "clang", STRICT, "");
}

#[test]
fn sanitized_build_is_bit_exact_and_clean() {
    every_model_bit_exact("sanitize", "gcc", SANITIZE, "-fsanitize=address,undefined");
}

#[test]
fn harness_rejects_an_input_of_no_frame_and_runs_several_frames() {
    let Some(shared) = shared_dir() else { return };
    if !have("gcc") || !have("make") {
        return;
    }
    let dir = scratch("wrong-size");
    compile(&shared.join("models/hello_world_int8.tflite"), &dir);
    make(&dir, "gcc", STRICT, "");
    // hello_world takes 1 byte: an empty file is no frame at all.
    let input = dir.join("empty.bin");
    std::fs::write(&input, []).expect("write input");
    let run = Command::new(dir.join("model_run"))
        .arg(&input)
        .output()
        .expect("runs");
    assert_eq!(run.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&run.stderr).contains("expected a multiple of 1 input bytes"));
    // Two bytes are two frames: two inferences, two outputs, in order.
    let input = dir.join("two_bytes.bin");
    std::fs::write(&input, [1u8, 2]).expect("write input");
    let run = Command::new(dir.join("model_run"))
        .arg(&input)
        .output()
        .expect("runs");
    assert!(run.status.success());
    let single = |byte: u8| {
        let one = dir.join("one_byte.bin");
        std::fs::write(&one, [byte]).expect("write input");
        Command::new(dir.join("model_run"))
            .arg(&one)
            .output()
            .expect("runs")
            .stdout
    };
    assert_eq!(run.stdout, [single(1), single(2)].concat());
    let _ = std::fs::remove_dir_all(&dir);
}

/// The pipeline that computes the activation tour's convolution, hard swish and leaky relu
/// patch by patch (their table lookups then run on patch buffers).
const TILED: &str =
    "--pass-pipeline=canonicalize,fuse,schedule,tile{patches=2x2,split=3},inplace,alloc";

/// Streamed bands of rows (no halo recomputed): the tour's three layers in 3 uneven bands, the
/// two-stage example's stem and stride-2 depthwise one output row per band.
const STREAMED_TOUR: &str =
    "--pass-pipeline=canonicalize,fuse,schedule,tile{patches=3x1,split=3,stream=true},inplace,alloc";
const STREAMED_STEM: &str =
    "--pass-pipeline=canonicalize,fuse,schedule,tile{patches=16x1,split=2,stream=true},inplace,alloc";

/// The smallest-arena search: puts the inverted-residual example's stage after its stem, where
/// the expansion peaks, and the two-stage example's stages at its input and on its block.
const SEARCHED: &str =
    "--pass-pipeline=canonicalize,fuse,schedule,tile{cost-budget=1000},inplace,alloc";

/// The hand-made examples cover ops the real models lack (pad, max pool, mean, concat with
/// rescaling, broadcast add, mul, relu, relu6, requantize; transpose, resize, strided slice,
/// squeeze and requantizing reshapes; hard swish, leaky relu, logistic, tanh, sub, log-softmax;
/// stacked LSTMs, time major and batch major)
/// and float edges with several inputs and outputs: compiled C must give the reference
/// interpreter's bytes on pseudo-random inputs.
#[test]
fn examples_match_the_interpreter() {
    if !have("gcc") || !have("make") {
        return;
    }
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut seed = 0x2545_f491_u64;
    let cases: [(&str, &[&str]); 13] = [
        ("tiny_cnn", &[]),
        ("op_tour", &[]),
        ("float_edges", &[]),
        ("data_movement", &[]),
        ("activations_tour", &[]),
        ("activations_tour", &[TILED]),
        ("inverted_residual", &[]),
        ("inverted_residual", &[SEARCHED]),
        ("two_stages", &[]),
        ("two_stages", &[SEARCHED]),
        ("activations_tour", &[STREAMED_TOUR]),
        ("two_stages", &[STREAMED_STEM]),
        ("recurrent", &[]),
    ];
    for (index, (name, extra)) in cases.into_iter().enumerate() {
        let model = examples.join(format!("{name}.tir"));
        let dir = scratch(&format!("example{index}-{name}"));
        compile_with(&model, &dir, extra);
        make(&dir, "gcc", SANITIZE, "-fsanitize=address,undefined");
        let source = std::fs::read_to_string(&model).expect("example");
        let module = tmlc_core::parser::parse_module(&source).expect("parses");
        let function = &module.functions[0];
        for round in 0..8 {
            let mut next = || {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed >> 24
            };
            // Every input's raw bytes, concatenated: int8 at random, float32 in [-8, 8).
            let inputs: Vec<TensorData> = function
                .params
                .iter()
                .map(|&p| {
                    let ty = function.value_type(p);
                    match ty.element {
                        ElementType::F32 => TensorData::F32(
                            (0..ty.num_elements())
                                .map(|_| (next() % 4096) as f32 / 256.0 - 8.0)
                                .collect(),
                        ),
                        _ => TensorData::I8((0..ty.num_elements()).map(|_| next() as i8).collect()),
                    }
                })
                .collect();
            let raw: Vec<u8> = inputs.iter().flat_map(TensorData::to_bytes).collect();
            let path = dir.join(format!("input{round}.bin"));
            std::fs::write(&path, &raw).expect("write");
            let expected: Vec<u8> =
                tmlc_tinyml::interpreter::run(&module, &inputs, &mut |_, _, _| {})
                    .expect("interprets")
                    .iter()
                    .flat_map(TensorData::to_bytes)
                    .collect();
            let run = Command::new(dir.join("model_run"))
                .arg(&path)
                .output()
                .expect("runs");
            assert!(
                run.status.success() && run.stderr.is_empty(),
                "{name} {extra:?}: {}",
                String::from_utf8_lossy(&run.stderr)
            );
            assert_eq!(
                run.stdout, expected,
                "{name} {extra:?} round {round}: C differs from the interpreter"
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// A float-edged model's int8 edges skip the float conversion: writing TFLite Micro's int8 input
/// (`input.<pattern>.int8.bin`) at `tmlc_<model>_input_int8()` and calling `run_int8()` gives
/// the int8 tensor TFLite Micro fed to its DEQUANTIZE (`output.<pattern>.int8.bin`).
#[test]
fn int8_edges_skip_the_float_conversion() {
    let Some(shared) = shared_dir() else { return };
    if !have("gcc") || !have("make") {
        return;
    }
    let model = "mcunet_vww1_80";
    let dir = scratch("int8-edges");
    compile(&shared.join("models").join(format!("{model}.tflite")), &dir);
    let main = format!(
        "#include <stdio.h>\n#include \"{model}.h\"\n\
         int main(int argc, char **argv) {{\n\
         \x20   FILE *in = fopen(argv[1], \"rb\");\n\
         \x20   size_t got;\n\
         \x20   (void)argc;\n\
         \x20   if (in == NULL) return 1;\n\
         \x20   got = fread(tmlc_{model}_input_int8(), 1, 80 * 80 * 3, in);\n\
         \x20   fclose(in);\n\
         \x20   if (got != 80 * 80 * 3) return 1;\n\
         \x20   tmlc_{model}_run_int8();\n\
         \x20   return fwrite(tmlc_{model}_output_int8(), 1, 2, stdout) == 2 ? 0 : 1;\n}}\n"
    );
    std::fs::write(dir.join("main.c"), main).expect("write main.c");
    make(&dir, "gcc", STRICT, "");
    for input in ["ramp", "rng42"] {
        let reference = shared.join("reference").join(model);
        let run = Command::new(dir.join("model_run"))
            .arg(reference.join(format!("input.{input}.int8.bin")))
            .output()
            .expect("runs");
        assert!(run.status.success(), "{input}");
        let expected =
            std::fs::read(reference.join(format!("output.{input}.int8.bin"))).expect("golden");
        assert_eq!(run.stdout, expected, "{model} {input}: int8 output differs");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Models whose names clash with the project's own files or include guards (`main`, `kernels`,
/// `tmlc_board`) build and run, and the generated header is usable from C++ (`extern "C"`: the
/// API's symbols are not mangled).
#[test]
fn awkward_model_names_build_and_the_header_serves_cplusplus() {
    let Some(shared) = shared_dir() else { return };
    if !have("gcc") || !have("make") || !have("clang") || !have("nm") {
        return;
    }
    let model = shared.join("models/hello_world_int8.tflite");
    let dir = scratch("awkward-names");
    for name in ["main", "kernels", "tmlc_board"] {
        std::fs::create_dir_all(&dir).expect("dir");
        let renamed = dir.join(format!("{name}.tflite"));
        std::fs::copy(&model, &renamed).expect("copy model");
        let out = dir.join(format!("out-{name}"));
        compile(&renamed, &out);
        make(&out, "gcc", STRICT, "");
        let input = shared.join("reference/hello_world_int8/input.ramp.bin");
        let run = Command::new(out.join("model_run"))
            .arg(&input)
            .output()
            .expect("runs");
        let expected = std::fs::read(shared.join("reference/hello_world_int8/output.ramp.bin"))
            .expect("golden");
        assert_eq!(run.stdout, expected, "{name}");
    }
    let out = dir.join("out-kernels");
    std::fs::write(
        out.join("use.cpp"),
        "#include \"kernels.h\"\nint use(const int8_t *in, int8_t *out) { return tmlc_kernels_invoke(in, out); }\n",
    )
    .expect("write use.cpp");
    let object = out.join("use.o");
    let compiled = Command::new("clang")
        .args(["-x", "c++", "-std=c++11", "-Wall", "-Werror", "-c", "-I"])
        .arg(&out)
        .arg(out.join("use.cpp"))
        .arg("-o")
        .arg(&object)
        .output()
        .expect("clang runs");
    assert!(
        compiled.status.success(),
        "{}",
        String::from_utf8_lossy(&compiled.stderr)
    );
    let symbols = Command::new("nm").arg(&object).output().expect("nm runs");
    assert!(
        String::from_utf8_lossy(&symbols.stdout).contains(" U tmlc_kernels_invoke"),
        "the API is mangled: {}",
        String::from_utf8_lossy(&symbols.stdout)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The differential test on value-mutated real models: the int8 weights of small real models
/// are changed at random (a deterministic generator, about one byte in six), so that kernels
/// see values no trained model has (saturating accumulators, all-negative rows); compiled C
/// built with AddressSanitizer and UBSan must give the interpreter's bytes on two inputs, and
/// the sanitizers must stay silent.
#[test]
fn value_mutated_models_match_the_interpreter_under_sanitizers() {
    let Some(shared) = shared_dir() else { return };
    if !have("gcc") || !have("make") {
        return;
    }
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed >> 16
    };
    for model in ["hello_world_int8", "micro_speech_quantized", "ad01_int8"] {
        let bytes =
            std::fs::read(shared.join("models").join(format!("{model}.tflite"))).expect("model");
        for variant in 0..2 {
            let mut module = tmlc_tflite::import::import_tflite(&bytes, model, &tmlc::context())
                .expect("imports")
                .module;
            let function = &module.functions[0];
            let int8_weights: Vec<String> = function
                .body
                .ops
                .iter()
                .filter_map(|&op| {
                    let data = &function.ops[op];
                    let ty = function.value_type(*data.results.first()?);
                    let name = match data.attributes.get("value")? {
                        tmlc_core::attributes::Attribute::Symbol(name) => name.clone(),
                        _ => return None,
                    };
                    (ty.element == ElementType::I8).then_some(name)
                })
                .collect();
            let mut changed = 0;
            for resource in &mut module.resources {
                if int8_weights.contains(&resource.name) {
                    for byte in &mut resource.data {
                        if next() % 6 == 0 {
                            *byte = next() as u8;
                            changed += 1;
                        }
                    }
                }
            }
            assert!(changed > 0, "{model}: no weight changed");
            let dir = scratch(&format!("mutated-{model}-{variant}"));
            std::fs::create_dir_all(&dir).expect("dir");
            let tir = dir.join(format!("{model}.tir"));
            std::fs::write(&tir, tmlc_core::printer::print_module(&module)).expect("write");
            let out = dir.join("c");
            compile(&tir, &out);
            make(&out, "gcc", SANITIZE, "-fsanitize=address,undefined");
            let function = &module.functions[0];
            for round in 0..2 {
                let inputs: Vec<TensorData> = function
                    .params
                    .iter()
                    .map(|&p| {
                        let ty = function.value_type(p);
                        TensorData::I8((0..ty.num_elements()).map(|_| next() as i8).collect())
                    })
                    .collect();
                let raw: Vec<u8> = inputs.iter().flat_map(TensorData::to_bytes).collect();
                let path = dir.join(format!("input{round}.bin"));
                std::fs::write(&path, &raw).expect("write");
                let expected: Vec<u8> =
                    tmlc_tinyml::interpreter::run(&module, &inputs, &mut |_, _, _| {})
                        .expect("interprets")
                        .iter()
                        .flat_map(TensorData::to_bytes)
                        .collect();
                let run = Command::new(out.join("model_run"))
                    .arg(&path)
                    .output()
                    .expect("runs");
                assert!(
                    run.status.success() && run.stderr.is_empty(),
                    "{model} variant {variant}: {}",
                    String::from_utf8_lossy(&run.stderr)
                );
                assert_eq!(
                    run.stdout, expected,
                    "{model} variant {variant} round {round}: C differs from the interpreter"
                );
            }
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
}
