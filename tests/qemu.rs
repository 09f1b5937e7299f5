//! Cortex-M for real, in QEMU: every model of the first set of ../shared/models (and the second
//! set's on the targets that hold them) is compiled by
//! `tmlc compile --target cortex-m3|m4|m7|m33|m55|stm32f405` (once per model and target; the
//! Cortex-M0+ takes the two models its 16 KB hold), built with
//! arm-none-eabi-gcc and run by `tmlc sim` on both reference inputs; the output bytes must equal
//! TFLite Micro's golden outputs. Also: the instruction count of an inference is the same run
//! after run and bounded by the model's work (between an eighth and [`MAX_INSTRUCTIONS_PER_MAC`]
//! instructions per MAC, plus a small constant: a counter that started at reset, not at the
//! inference, would count the start-up code and zeroing of RAM as well), and `tmlc sim` takes a
//! model file as well as a project.
//!
//! Needs gcc-arm-none-eabi, libnewlib-arm-none-eabi, qemu-system-arm, make and cc. Without them
//! the tests say SKIPPED loudly; under CI=true they fail.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use tmlc_core::types::ElementType;
use tmlc_tests::shared::{shared_dir, MODELS};
use tmlc_tinyml::tensor::TensorData;

const TOOLS: &[&str] = &[
    "arm-none-eabi-gcc",
    "arm-none-eabi-nm",
    "arm-none-eabi-size",
    "qemu-system-arm",
    "make",
    "cc",
];

/// True when the toolchain and QEMU are installed; otherwise a loud skip (a failure in CI).
fn have_tools() -> bool {
    let runs = |program: &str| {
        Command::new(program)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let mut missing: Vec<String> = TOOLS
        .iter()
        .filter(|p| !runs(p))
        .map(|p| p.to_string())
        .collect();
    if missing.is_empty() {
        let specs = Command::new("arm-none-eabi-gcc")
            .arg("-print-file-name=rdimon.specs")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default();
        if !Path::new(&specs).is_absolute() {
            missing.push("newlib (rdimon.specs)".into());
        }
    }
    if missing.is_empty() {
        return true;
    }
    let message = format!(
        "SKIPPED: QEMU tests need {} (apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm make gcc)",
        missing.join(", ")
    );
    assert!(
        std::env::var("CI").map_or(true, |v| v != "true"),
        "{message}; CI must have them"
    );
    eprintln!("\n{}\n{message}\n{}\n", "=".repeat(80), "=".repeat(80));
    false
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tmlc-qemu-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn tmlc(args: &[String]) -> Result<tmlc::Outcome, tmlc::Failure> {
    let mut stdin = || Ok(Vec::new());
    tmlc::run_cli(args.to_vec(), &mut stdin)
}

fn compile(model: &Path, target: &str, out: &Path) {
    compile_with(model, target, out, &[]);
}

/// `tmlc compile MODEL --target T -o OUT [extra]`.
fn compile_with(model: &Path, target: &str, out: &Path, extra: &[&str]) {
    let mut args = vec![
        "compile".to_string(),
        model.display().to_string(),
        "--target".into(),
        target.into(),
        "-o".into(),
        out.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    if let Err(failure) = tmlc(&args) {
        panic!(
            "tmlc compile {} --target {target} failed:\n{}",
            model.display(),
            failure.rendered
        );
    }
}

/// `tmlc sim <project or model> --input IN --json [extra]`, parsed.
fn sim(model: &Path, input: &Path, extra: &[&str]) -> Value {
    let mut args = vec![
        "sim".to_string(),
        model.display().to_string(),
        "--input".into(),
        input.display().to_string(),
        "--json".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    match tmlc(&args) {
        Ok(outcome) => serde_json::from_slice(&outcome.stdout).expect("sim --json prints JSON"),
        Err(failure) => panic!("tmlc {} failed:\n{}", args.join(" "), failure.rendered),
    }
}

fn output_bytes(report: &Value) -> Vec<u8> {
    report["output"]
        .as_array()
        .expect("output array")
        .iter()
        .map(|v| v.as_i64().expect("int") as i8 as u8)
        .collect()
}

fn number(report: &Value, key: &str) -> u64 {
    report[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} in {report}"))
}

/// Instructions an inference may take per MAC of the model, beyond [`FIXED_INSTRUCTIONS`]: the
/// kernels' inner loops take a few per MAC, requantization and the non-MAC ops (pooling,
/// softmax, elementwise) add per output element.
const MAX_INSTRUCTIONS_PER_MAC: u64 = 16;

/// The same bound on Armv6-M (Cortex-M0+), which has no 32x32->64-bit multiply: its
/// requantization takes a dozen instructions more per output (micro_speech: 17.4 per MAC).
const MAX_INSTRUCTIONS_PER_MAC_ARMV6M: u64 = 32;

/// Instructions an inference may take whatever its work: calls, loop set-up, the tables.
const FIXED_INSTRUCTIONS: u64 = 4_000;

/// The MACs of a model, as the importer sees it.
fn model_macs(model: &Path) -> u64 {
    let bytes = std::fs::read(model).expect("model");
    let name = model.file_stem().unwrap().to_string_lossy();
    let imported = tmlc_tflite::import::import_tflite(&bytes, &name, &tmlc::context())
        .expect("the model imports");
    let function = &imported.module.functions[0];
    tmlc_tinyml::macs::function_macs(&imported.module, function)
}

/// The instruction count of one inference is bounded by the model's MACs on both sides.
fn assert_instructions_fit_the_work(target: &str, what: &str, instructions: u64, macs: u64) {
    let armv6m = tmlc_backends::target::lookup(target).is_some_and(|t| t.core == "cortex-m0plus");
    let per_mac = if armv6m {
        MAX_INSTRUCTIONS_PER_MAC_ARMV6M
    } else {
        MAX_INSTRUCTIONS_PER_MAC
    };
    assert!(
        instructions >= macs / 8,
        "{what}: {instructions} instructions for {macs} MACs is fewer than one per 8 MACs"
    );
    assert!(
        instructions <= per_mac * macs + FIXED_INSTRUCTIONS,
        "{what}: {instructions} instructions for {macs} MACs: more than {per_mac} per MAC plus \
         {FIXED_INSTRUCTIONS} (is the count started at the inference?)"
    );
}

/// Compiles every model for `target` once, then simulates both reference inputs.
fn every_model_bit_exact(target: &str) {
    models_bit_exact(target, MODELS);
}

/// Compiles `models` for `target` once each, then simulates both reference inputs (raw bytes:
/// int8, or float32 for float edges; several outputs concatenated).
fn models_bit_exact(target: &str, models: &[&str]) {
    let Some(shared) = shared_dir() else { return };
    if !have_tools() {
        return;
    }
    let mut summary = String::new();
    for model in models {
        let dir = scratch(&format!("{target}-{model}"));
        let path = shared.join("models").join(format!("{model}.tflite"));
        compile(&path, target, &dir);
        let macs = model_macs(&path);
        for input in ["ramp", "rng42"] {
            let reference = shared.join("reference").join(model);
            let report = sim(&dir, &reference.join(format!("input.{input}.bin")), &[]);
            let expected =
                std::fs::read(reference.join(format!("output.{input}.bin"))).expect("golden");
            assert_eq!(
                output_bytes(&report),
                expected,
                "{target} {model} {input}: output differs from TFLite Micro"
            );
            assert_instructions_fit_the_work(
                target,
                &format!("{target} {model} {input}"),
                number(&report, "instructions"),
                macs,
            );
            assert!(number(&report, "ram_bytes") >= number(&report, "arena_bytes"));
            assert!(number(&report, "flash_bytes") > 0);
            summary.push_str(&format!(
                "{target} {model:<24} {input:<6} instructions {:>10} ({:.2} per MAC)  RAM {:>7} (arena {:>6}, stack {:>4})  flash {:>7}\n",
                number(&report, "instructions"),
                number(&report, "instructions") as f64 / macs.max(1) as f64,
                number(&report, "ram_bytes"),
                number(&report, "arena_bytes"),
                number(&report, "stack_peak_bytes"),
                number(&report, "flash_bytes"),
            ));
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    eprint!("{summary}");
}

#[test]
fn cortex_m4_every_model_bit_exact() {
    every_model_bit_exact("cortex-m4");
}

#[test]
fn cortex_m7_every_model_bit_exact() {
    every_model_bit_exact("cortex-m7");
}

#[test]
fn cortex_m33_every_model_bit_exact() {
    every_model_bit_exact("cortex-m33");
}

#[test]
fn cortex_m55_every_model_bit_exact() {
    every_model_bit_exact("cortex-m55");
}

/// The Cortex-M55's default kernels are the Helium ones: bit-exact, within the instruction bounds
/// measured when they were written (one inference, QEMU mps3-an547), and at most 0.4x the
/// instructions of the same model with the Arm DSP kernels (`--kernels dsp`; 0.36-0.41x measured
/// against the fused-requantization DSP kernels, 0.26-0.32x against the earlier ones): at most
/// 0.45x.
/// The bounds hold for `--objective fast`, the fastest plan that fits the part's 512 KB
/// (untiled for these models), and for the default objective (`small`), which trades up to +10%
/// predicted instructions for a smaller arena.
/// TFLite Micro with CMSIS-NN's MVE kernels on the same emulator: person_detect 6,510,285;
/// vww_96_int8 6,560,469; kws_ref_model 1,814,004; pretrainedResnet_quant 4,911,913.
#[test]
fn cortex_m55_helium_kernels_are_bit_exact_and_fast() {
    let Some(shared) = shared_dir() else { return };
    if !have_tools() {
        return;
    }
    // (model, bound): issue 15's goals, 0.75x TFLite Micro + CMSIS-NN, for both objectives.
    // Measured (fast; small): 3,737,828 and 4,202,108; 4,084,967 and 4,299,352; 1,352,108 both;
    // 3,542,881 and 3,557,211.
    let bounds = [
        ("person_detect", 4_880_000),
        ("vww_96_int8", 4_920_000),
        ("kws_ref_model", 1_360_000),
        ("pretrainedResnet_quant", 3_680_000),
    ];
    for (model, bound) in bounds {
        let path = shared.join("models").join(format!("{model}.tflite"));
        let reference = shared.join("reference").join(model);
        let input = reference.join("input.ramp.bin");
        let golden = std::fs::read(reference.join("output.ramp.bin")).expect("golden");
        let fast = ["--target", "cortex-m55", "--objective", "fast"];
        let helium = sim(&path, &input, &fast);
        let small = sim(&path, &input, &["--target", "cortex-m55"]);
        let dsp = sim(&path, &input, &[&fast[..], &["--kernels", "dsp"]].concat());
        assert_eq!(
            output_bytes(&small),
            golden,
            "{model}: Helium kernels, tiled"
        );
        assert_eq!(output_bytes(&helium), golden, "{model}: Helium kernels");
        assert_eq!(output_bytes(&dsp), golden, "{model}: Arm DSP kernels");
        let (helium, dsp) = (
            number(&helium, "instructions"),
            number(&dsp, "instructions"),
        );
        eprintln!("cortex-m55 {model:<24} Helium {helium:>10}  Arm DSP {dsp:>10}");
        assert!(helium <= bound, "{model}: {helium} instructions > {bound}");
        let small = number(&small, "instructions");
        assert!(
            small <= bound,
            "{model}: {small} instructions with the default objective > {bound}"
        );
        assert!(
            helium * 20 <= dsp * 9,
            "{model}: Helium {helium} is more than 0.45x Arm DSP {dsp}"
        );
    }
}

/// No DSP extension: the portable kernels and the tiled default pipeline, on QEMU's mps2-an385.
#[test]
fn cortex_m3_every_model_bit_exact() {
    every_model_bit_exact("cortex-m3");
}

/// A board target: linked from the STM32F405's own memory map (flash at 0x08000000, 128 KB of
/// SRAM), run on QEMU's netduinoplus2.
#[test]
fn stm32f405_every_model_bit_exact() {
    every_model_bit_exact("stm32f405");
}

/// Armv6-M (no DSP, no divide instruction, Thumb-1 mostly) in 16 KB of SRAM and 256 KB of flash,
/// on QEMU's microbit: the first-set models that fit it (the others' arenas or, for ad01, weights
/// do not; `tests/boards.rs` checks that they fail cleanly).
#[test]
fn cortex_m0plus_small_models_bit_exact() {
    models_bit_exact(
        "cortex-m0plus",
        &[
            "hello_world_int8",
            "micro_speech_quantized",
            "kws_ref_model",
        ],
    );
}

/// The second set on the targets whose SRAM holds them: MCUNet's vww1 (float edges, transpose,
/// explicit pads) and the LeNet (float log-softmax after the DEQUANTIZE, newlib's expf and logf)
/// on the Cortex-M4, and MCUNet's person detector (three float outputs, upsampling) on the
/// Cortex-M7; the MNIST LSTM (int16 cell state) on the Cortex-M4. (The SSD, 320x320, is host
/// only.) The Cortex-M55 runs all four below.
#[test]
fn second_set_bit_exact_on_cortex_m() {
    models_bit_exact(
        "cortex-m4",
        &[
            "mcunet_vww1_80",
            "te_mnist_lenet_300_100",
            "tflm_mnist_lstm_int8",
        ],
    );
    models_bit_exact("cortex-m7", &["mcunet_person_det_128x160"]);
}

/// The second set on the Cortex-M55 with its default Helium kernels (the LSTM keeps its DSP
/// kernel, the float edges their portable ones).
#[test]
fn second_set_bit_exact_on_cortex_m55() {
    models_bit_exact(
        "cortex-m55",
        &[
            "mcunet_vww1_80",
            "mcunet_person_det_128x160",
            "te_mnist_lenet_300_100",
            "tflm_mnist_lstm_int8",
        ],
    );
}

#[test]
fn instruction_count_is_identical_run_after_run() {
    let Some(shared) = shared_dir() else { return };
    if !have_tools() {
        return;
    }
    let dir = scratch("deterministic");
    let model = "kws_ref_model";
    compile(
        &shared.join("models").join(format!("{model}.tflite")),
        "cortex-m4",
        &dir,
    );
    let input = shared.join("reference").join(model).join("input.rng42.bin");
    let first = sim(&dir, &input, &[]);
    let second = sim(&dir, &input, &[]);
    assert_eq!(
        number(&first, "instructions"),
        number(&second, "instructions")
    );
    assert_eq!(first, second, "two runs reported differently");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sim_compiles_a_model_file_on_every_cortex_m_target() {
    let Some(shared) = shared_dir() else { return };
    if !have_tools() {
        return;
    }
    let model = "micro_speech_quantized";
    let reference = shared.join("reference").join(model);
    let expected = std::fs::read(reference.join("output.ramp.bin")).expect("golden");
    for target in ["cortex-m4", "cortex-m7", "cortex-m33", "cortex-m55"] {
        let out = scratch(&format!("model-file-{target}.bin"));
        let report = sim(
            &shared.join("models").join(format!("{model}.tflite")),
            &reference.join("input.ramp.bin"),
            &["--target", target, "--output", &out.display().to_string()],
        );
        assert_eq!(report["target"], target);
        assert_eq!(output_bytes(&report), expected, "{target}");
        assert_eq!(std::fs::read(&out).expect("--output"), expected, "{target}");
        let _ = std::fs::remove_file(&out);
    }
}

#[test]
fn sim_rejects_bad_requests() {
    let Some(shared) = shared_dir() else { return };
    if !have_tools() {
        return;
    }
    let model = shared.join("models").join("hello_world_int8.tflite");
    let wrong_size = scratch("wrong-size.bin");
    std::fs::write(&wrong_size, [1u8, 2, 3]).expect("write");
    let failing = |extra: &[&str]| {
        let mut args = vec!["sim".to_string(), model.display().to_string()];
        args.extend(extra.iter().map(|s| s.to_string()));
        match tmlc(&args) {
            Ok(_) => panic!("tmlc {} succeeded", args.join(" ")),
            Err(failure) => failure.rendered,
        }
    };
    let input = wrong_size.display().to_string();
    let message = failing(&["--input", &input]);
    assert!(
        message.contains("takes 1 input bytes per frame (1 frame(s)), got 3"),
        "{message}"
    );
    let message = failing(&["--input", &input, "--target", "host"]);
    assert!(message.contains("no QEMU machine"), "{message}");
    // A board QEMU does not emulate: compiled, it is firmware to flash, not to simulate.
    let message = failing(&["--input", &input, "--target", "nrf52840"]);
    assert!(
        message.contains("nrf52840 has no QEMU machine"),
        "{message}"
    );
    let project = scratch("board-project");
    compile(&model, "nrf52840", &project);
    let right_size = shared.join("reference/hello_world_int8/input.ramp.bin");
    let args = [
        "sim".to_string(),
        project.display().to_string(),
        "--input".into(),
        right_size.display().to_string(),
    ];
    let message = match tmlc(&args) {
        Ok(_) => panic!("tmlc sim on an nrf52840 project succeeded"),
        Err(failure) => failure.rendered,
    };
    assert!(
        message.contains("which no QEMU machine emulates"),
        "{message}"
    );
    let _ = std::fs::remove_dir_all(&project);
    let _ = std::fs::remove_file(&wrong_size);
}

/// The hand-made examples (ops the real models lack, negative per-channel scales, float edges
/// with several inputs and outputs, patch loops searched and streamed) give the interpreter's bytes on the Cortex-M4 (Arm DSP
/// kernels, FPU) and the Cortex-M7.
#[test]
fn examples_match_the_interpreter_in_qemu() {
    if !have_tools() {
        return;
    }
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    // The inverted-residual example with the smallest-arena search: its patch stage after the
    // stem, the Arm DSP kernels inside the loop; the two-stage example: its block in a patch
    // loop (the stem stays whole on the DSP cores, where its int16 filter is cheaper).
    let searched = "--pass-pipeline=canonicalize,fuse,schedule,tile{cost-budget=1000},inplace,select-kernels,alloc";
    // Streamed bands of rows: the stem and its stride-2 depthwise, 4 bands, the DSP kernels on
    // the row buffers.
    let streamed = "--pass-pipeline=canonicalize,fuse,schedule,tile{patches=4x1,split=2,stream=true},inplace,select-kernels,alloc";
    for target in ["cortex-m4", "cortex-m7"] {
        for (name, extra) in [
            ("op_tour", &[][..]),
            ("float_edges", &[]),
            ("inverted_residual", &[searched]),
            ("two_stages", &[searched]),
            ("two_stages", &[streamed]),
            ("recurrent", &[]),
        ] {
            let model = examples.join(format!("{name}.tir"));
            let dir = scratch(&format!("example-{target}-{name}"));
            compile_with(&model, target, &dir, extra);
            let source = std::fs::read_to_string(&model).expect("example");
            let module = tmlc_core::parser::parse_module(&source).expect("parses");
            let function = &module.functions[0];
            let mut state = 0x9e37_79b9_u32;
            let inputs: Vec<TensorData> = function
                .params
                .iter()
                .map(|&p| {
                    let ty = function.value_type(p);
                    let bytes: Vec<u8> = (0..ty.num_elements())
                        .flat_map(|_| {
                            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                            match ty.element {
                                ElementType::F32 => {
                                    ((state >> 20) as f32 / 256.0 - 8.0).to_le_bytes().to_vec()
                                }
                                _ => vec![(state >> 24) as u8],
                            }
                        })
                        .collect();
                    TensorData::from_bytes(ty, &bytes)
                })
                .collect();
            let path = dir.join("input.bin");
            let raw: Vec<u8> = inputs.iter().flat_map(TensorData::to_bytes).collect();
            std::fs::write(&path, raw).expect("write input");
            let expected: Vec<u8> =
                tmlc_tinyml::interpreter::run(&module, &inputs, &mut |_, _, _| {})
                    .expect("interprets")
                    .iter()
                    .flat_map(TensorData::to_bytes)
                    .collect();
            let report = sim(&dir, &path, &[]);
            assert_eq!(
                output_bytes(&report),
                expected,
                "{target} {name}: output differs from the interpreter"
            );
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
}

/// When the plugin cache cannot be used (here: below a regular file), the plugin is built in a
/// scratch directory that goes away with the handle: nothing `tmlc-plugin-*` of this process is
/// left in the temporary directory.
#[test]
fn an_unusable_plugin_cache_leaves_nothing_behind() {
    if !tmlc_tests::tools::have("cc") {
        return;
    }
    let blocker = scratch("plugin-cache-blocker");
    std::fs::write(&blocker, "a file, not a directory").expect("write");
    let leftovers = || -> Vec<String> {
        let prefix = format!("tmlc-plugin-{}-", std::process::id());
        std::fs::read_dir(std::env::temp_dir())
            .expect("temporary directory")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            // Other tests' scratch directories come and go; a leaked plugin is a file.
            .filter(|name| name.starts_with(&prefix) && name.ends_with(".so"))
            .collect()
    };
    let tools = tmlc_backends::cortex_m::qemu::Tools::default();
    let plugin = tmlc_backends::cortex_m::qemu::plugin_cached_in(&tools, blocker.join("cache"))
        .expect("the plugin builds");
    assert!(plugin.path().is_file(), "{}", plugin.path().display());
    let path = plugin.path().to_path_buf();
    drop(plugin);
    assert!(!path.exists(), "{} outlived the run", path.display());
    assert!(path.parent().is_some_and(|dir| !dir.exists()));
    assert_eq!(leftovers(), Vec::<String>::new());
    let _ = std::fs::remove_file(&blocker);
}

/// The default cortex-m4 plan runs the Arm DSP kernels inside the patch loop: person_detect stays
/// bit-exact, fits 24,000 bytes of RAM (arena, data, bss and stack; 23,820 measured) and costs
/// at most 11.46 M instructions (issue 14: 0.5x TFLite Micro + CMSIS-NN; 10.57 M measured with
/// the int16-weight convolutions and the four-channel depthwise kernel, 12.18 M before them;
/// tiled portable: 20,140 B and 90.0 M).
#[test]
fn person_detect_on_cortex_m4_is_small_and_fast_at_once() {
    let Some(shared) = shared_dir() else { return };
    if !have_tools() {
        return;
    }
    let model = shared.join("models/person_detect.tflite");
    let reference = shared.join("reference/person_detect");
    let report = sim(
        &model,
        &reference.join("input.ramp.bin"),
        &["--target", "cortex-m4"],
    );
    let golden = std::fs::read(reference.join("output.ramp.bin")).expect("golden");
    assert_eq!(output_bytes(&report), golden, "person_detect on cortex-m4");
    let (ram, instructions) = (
        number(&report, "ram_bytes"),
        number(&report, "instructions"),
    );
    assert!(ram <= 24_000, "RAM {ram} > 24,000");
    assert!(
        instructions <= 11_460_000,
        "instructions {instructions} > 11.46 M"
    );
}

/// vww_96_int8 on cortex-m4 with the default pipeline: its 27,648-byte input stays resident, so
/// the patch stage must be small and its kernels fast (issue 13: at most 36,000 B of RAM with at
/// most 18.0 M instructions; issue 14: at most 12.05 M, 0.5x TFLite Micro + CMSIS-NN). Measured:
/// 35,032 B and 11.40 M (12.68 M before the int16-weight convolutions and the four-channel
/// depthwise kernel; 4 layers in 24 streamed bands, the
/// last depthwise in place, the first one's output below its input); 35,216 B and 14.50 M with
/// the 5x4 halo grid the search took before streamed bands (42,196 B and 17.79 M with two fixed
/// buffers on a 3x3 grid and the earlier kernels).
#[test]
fn vww_96_on_cortex_m4_is_small_and_fast_at_once() {
    let Some(shared) = shared_dir() else { return };
    if !have_tools() {
        return;
    }
    let model = shared.join("models/vww_96_int8.tflite");
    let reference = shared.join("reference/vww_96_int8");
    let report = sim(
        &model,
        &reference.join("input.ramp.bin"),
        &["--target", "cortex-m4"],
    );
    let golden = std::fs::read(reference.join("output.ramp.bin")).expect("golden");
    assert_eq!(output_bytes(&report), golden, "vww_96_int8 on cortex-m4");
    let (ram, instructions) = (
        number(&report, "ram_bytes"),
        number(&report, "instructions"),
    );
    assert!(ram <= 36_000, "RAM {ram} > 36,000");
    assert!(
        instructions <= 12_050_000,
        "instructions {instructions} > 12.05 M"
    );
}

/// The other models of issue 14's bounds on cortex-m4 with the default pipeline, bit-exact:
/// kws_ref_model at most 3.85 M instructions and micro_speech_quantized at most 0.75 M (0.5x
/// TFLite Micro + CMSIS-NN; 3.53 M and 0.68 M measured), mcunet_vww1_80 with its float32 edges at
/// most 20.85 M (0.6x TinyEngine's 34.75 M in its float-requantization mode; 19.88 M measured,
/// 23.78 M before the int16-weight convolutions, the ADD's input tables and the four-channel
/// depthwise kernel).
#[test]
fn cortex_m4_default_plans_are_within_the_instruction_bounds() {
    let Some(shared) = shared_dir() else { return };
    if !have_tools() {
        return;
    }
    for (name, bound) in [
        ("kws_ref_model", 3_850_000),
        ("micro_speech_quantized", 750_000),
        ("mcunet_vww1_80", 20_850_000),
    ] {
        let reference = shared.join("reference").join(name);
        let report = sim(
            &shared.join(format!("models/{name}.tflite")),
            &reference.join("input.ramp.bin"),
            &["--target", "cortex-m4"],
        );
        let golden = std::fs::read(reference.join("output.ramp.bin")).expect("golden");
        assert_eq!(output_bytes(&report), golden, "{name} on cortex-m4");
        let instructions = number(&report, "instructions");
        assert!(instructions <= bound, "{name}: {instructions} > {bound}");
    }
}

/// Streamed patch loops with the Arm DSP kernels on cortex-m4, each network cut right after its
/// loop (softmax would hide errors): the whole stage output, computed band by band in QEMU (row
/// buffers, a depthwise in place, outputs below their inputs), equals the interpreter's.
#[test]
fn streamed_stages_match_the_interpreter_on_cortex_m4() {
    let Some(shared) = shared_dir() else { return };
    if !have_tools() {
        return;
    }
    let context = tmlc::context();
    for (model, plan) in [
        ("vww_96_int8", "patches=24x1,split=4"),
        ("person_detect", "patches=7x1,split=4"),
        ("kws_ref_model", "patches=25x1,split=3"),
    ] {
        let bytes = std::fs::read(shared.join(format!("models/{model}.tflite"))).expect("model");
        let mut module = tmlc_tflite::import::import_tflite(&bytes, model, &context)
            .expect("imports")
            .module;
        let pipeline =
            format!("canonicalize,fuse,schedule,tile{{{plan},stream=true}},inplace,select-kernels");
        let cortex_m4 = tmlc_backends::target::lookup("cortex-m4").expect("target");
        let passes = tmlc::pass_registry()
            .build_pipeline(&pipeline, &cortex_m4)
            .expect("pipeline");
        tmlc_core::pass::PassManager::new(passes)
            .run(&mut module, &context)
            .unwrap_or_else(|d| panic!("{model}: {d}"));
        assert!(
            tmlc_tests::stages::cut_after_first_patch_loop(&mut module),
            "{model}: no patch loop"
        );
        let dir = scratch(&format!("streamed-{model}"));
        std::fs::create_dir_all(&dir).expect("dir");
        let source = dir.join("stage.tir");
        std::fs::write(&source, tmlc_core::printer::print_module(&module)).expect("write");
        let input = shared.join(format!("reference/{model}/input.rng42.bin"));
        let raw = std::fs::read(&input).expect("input");
        let expected = tmlc_tinyml::interpreter::run(
            &module,
            &[TensorData::I8(raw.iter().map(|&b| b as i8).collect())],
            &mut |_, _, _| {},
        )
        .expect("interprets");
        let expected: Vec<u8> = expected.iter().flat_map(TensorData::to_bytes).collect();
        assert!(
            expected.len() > 1000,
            "{model}: a stage of {} bytes",
            expected.len()
        );
        let report = sim(
            &source,
            &input,
            &[
                "--target",
                "cortex-m4",
                "--pass-pipeline",
                "canonicalize,select-kernels,alloc",
            ],
        );
        assert_eq!(
            output_bytes(&report),
            expected,
            "{model}: the streamed stage on cortex-m4 differs from the interpreter"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// ad01_int8 (fully-connected layers only) on cortex-m4: the 1 MB of flash holds its weights as
/// int16 (`mem.weights = wide`, 554 KB of flash), so the kernel widens no weight at run time:
/// bit-exact, at most 0.38 M instructions (0.5x TFLite Micro + CMSIS-NN; 0.336 M measured,
/// 0.425 M with the int8 layout).
#[test]
fn ad01_on_cortex_m4_runs_on_int16_weights() {
    let Some(shared) = shared_dir() else { return };
    if !have_tools() {
        return;
    }
    let model = shared.join("models/ad01_int8.tflite");
    let reference = shared.join("reference/ad01_int8");
    let report = sim(
        &model,
        &reference.join("input.ramp.bin"),
        &["--target", "cortex-m4"],
    );
    let golden = std::fs::read(reference.join("output.ramp.bin")).expect("golden");
    assert_eq!(output_bytes(&report), golden, "ad01_int8 on cortex-m4");
    let instructions = number(&report, "instructions");
    assert!(
        instructions <= 380_000,
        "instructions {instructions} > 0.38 M"
    );
}

/// pretrainedResnet_quant on cortex-m4, default pipeline: its three same-shape ADDs take the
/// table layout (the 1 MB of flash holds their 3 x 64 KB: one lookup per element instead of three
/// requantizations) and its first two convolutions a streamed patch stage: bit-exact, at most
/// 14.93 M instructions (issue 14: 0.5x TFLite Micro + CMSIS-NN; 14.30 M measured, 15.02 M
/// without the tables).
#[test]
fn resnet_on_cortex_m4_adds_by_table() {
    let Some(shared) = shared_dir() else { return };
    if !have_tools() {
        return;
    }
    let model = shared.join("models/pretrainedResnet_quant.tflite");
    let reference = shared.join("reference/pretrainedResnet_quant");
    let report = sim(
        &model,
        &reference.join("input.ramp.bin"),
        &["--target", "cortex-m4"],
    );
    let golden = std::fs::read(reference.join("output.ramp.bin")).expect("golden");
    assert_eq!(
        output_bytes(&report),
        golden,
        "pretrainedResnet_quant on cortex-m4"
    );
    let instructions = number(&report, "instructions");
    assert!(
        instructions <= 14_930_000,
        "instructions {instructions} > 14.93 M"
    );
    // The tables are in flash: three of 65,536 bytes.
    assert!(number(&report, "rodata_bytes") > 3 * 65_536);
}

/// MCUNet's own mcunet-vww1 with int8 edges (as TinyEngine runs it) and the default cortex-m4
/// plan: its explicit PADs folded, the first layers patch by patch with the DSP kernels. It stays
/// bit-exact with TFLite Micro's int8 output, in at most 56,000 bytes of RAM (0.6x TinyEngine's
/// 93,992) and at most 29.5 M instructions (20.10 M and 43,872 B measured, 28.94 M in an earlier
/// session; TinyEngine's float-requantization mode: 34.75 M).
#[test]
fn mcunet_vww1_on_cortex_m4_beats_tinyengine_in_memory_and_speed() {
    let Some(shared) = shared_dir() else { return };
    if !have_tools() {
        return;
    }
    let target = tmlc_backends::target::lookup("cortex-m4").expect("cortex-m4");
    let pipeline = format!(
        "--pass-pipeline=int8-edges,{}",
        tmlc_passes::pipeline::default_pipeline_text(&target)
    );
    let model = shared.join("models/mcunet_vww1_80.tflite");
    let reference = shared.join("reference/mcunet_vww1_80");
    for input in ["ramp", "rng42"] {
        let report = sim(
            &model,
            &reference.join(format!("input.{input}.int8.bin")),
            &["--target", "cortex-m4", &pipeline],
        );
        let golden = std::fs::read(reference.join(format!("output.{input}.int8.bin")))
            .expect("golden int8 output");
        assert_eq!(output_bytes(&report), golden, "mcunet_vww1_80 {input}");
        let (ram, instructions) = (
            number(&report, "ram_bytes"),
            number(&report, "instructions"),
        );
        assert!(ram <= 56_000, "RAM {ram} > 56,000");
        assert!(
            instructions <= 29_500_000,
            "instructions {instructions} > 29.5 M"
        );
    }
}
