//! Patch-based execution (`tile`) on the real models: the smallest-arena search (the cost
//! budget lifted) fits person_detect in 20,000 bytes and vww_96_int8 in 32,000 within the MAC
//! budget, the default search stays within its predicted-instruction budget; every model stays bit-exact through the interpreter
//! (which runs a patch loop's body over the whole input) and through compiled C (which really
//! computes patch by patch), built with AddressSanitizer and UBSan.

use std::process::Command;
use tmlc_core::ir::Module;
use tmlc_core::pass::PassManager;
use tmlc_tests::shared::{shared_dir, MODELS};
use tmlc_tinyml::interpreter::{run, TensorData};

/// The smallest arena within the MAC budget: no limit on the predicted instructions.
const PIPELINE: &str = "canonicalize,fuse,schedule,tile{cost-budget=1000},inplace,alloc";

fn tiled(shared: &std::path::Path, model: &str) -> Module {
    tiled_with(shared, model, PIPELINE)
}

/// `model` after `pipeline` (and `check-plan`) for the host.
fn tiled_with(shared: &std::path::Path, model: &str, pipeline: &str) -> Module {
    let bytes =
        std::fs::read(shared.join("models").join(format!("{model}.tflite"))).expect("model");
    let context = tmlc::context();
    let mut module = tmlc_tflite::import::import_tflite(&bytes, model, &context)
        .expect("imports")
        .module;
    let passes = tmlc::pass_registry()
        .build_pipeline(&format!("{pipeline},check-plan"), &host())
        .expect("pipeline");
    PassManager::new(passes)
        .run(&mut module, &context)
        .unwrap_or_else(|d| panic!("{model}: {d}"));
    module
}

#[test]
fn person_detect_fits_twenty_kilobytes_within_the_mac_budget() {
    let Some(shared) = shared_dir() else { return };
    let module = tiled(&shared, "person_detect");
    let function = &module.functions[0];
    let arena = tmlc_mem::arena_size(function).expect("planned");
    assert!(arena <= 20_000, "person_detect: arena {arena} > 20,000");
    let patch_loop = function
        .body
        .ops
        .iter()
        .find(|&&op| function.ops[op].name == "loop.patches")
        .expect("a patch loop");
    let overhead = match function.ops[*patch_loop]
        .attributes
        .get("mac_overhead_percent")
    {
        Some(tmlc_core::attributes::Attribute::Int(v)) => *v,
        other => panic!("no overhead recorded: {other:?}"),
    };
    assert!(overhead <= 15, "MAC overhead {overhead}%");
}

#[test]
fn vww_fits_thirty_two_kilobytes_within_the_mac_budget() {
    let Some(shared) = shared_dir() else { return };
    let module = tiled(&shared, "vww_96_int8");
    let arena = tmlc_mem::arena_size(&module.functions[0]).expect("planned");
    assert!(arena <= 32_000, "vww_96_int8: arena {arena} > 32,000");
}

/// The smallest plan on cortex-m4 (`cost-budget=1000`) is smaller than the default one: the
/// saving-per-cost rule passes over candidates not worth their instructions and takes the
/// smallest that is (judging only the smallest candidate left vww_96_int8 untiled, 49,020 bytes).
#[test]
fn smallest_plan_on_cortex_m4_is_below_the_default_one() {
    let Some(shared) = shared_dir() else { return };
    let target = tmlc_backends::target::lookup("cortex-m4").expect("target");
    let arena = |pipeline: &str| {
        let bytes = std::fs::read(shared.join("models/vww_96_int8.tflite")).expect("model");
        let context = tmlc::context();
        let mut module = tmlc_tflite::import::import_tflite(&bytes, "vww_96_int8", &context)
            .expect("imports")
            .module;
        let passes = tmlc::pass_registry()
            .build_pipeline(pipeline, &target)
            .expect("pipeline");
        PassManager::new(passes)
            .run(&mut module, &context)
            .expect("runs");
        tmlc_mem::arena_size(&module.functions[0]).expect("planned")
    };
    let default = arena("canonicalize,fuse,schedule,tile,inplace,select-kernels,alloc");
    let smallest =
        arena("canonicalize,fuse,schedule,tile{cost-budget=1000},inplace,select-kernels,alloc");
    assert!(
        smallest < default,
        "smallest {smallest} >= default {default}"
    );
}

#[test]
fn tiled_models_are_bit_exact_in_the_interpreter() {
    let Some(shared) = shared_dir() else { return };
    for model in MODELS {
        let module = tiled(&shared, model);
        for input in ["ramp", "rng42"] {
            let reference = shared.join("reference").join(model);
            let data: Vec<i8> = std::fs::read(reference.join(format!("input.{input}.bin")))
                .expect("input")
                .into_iter()
                .map(|b| b as i8)
                .collect();
            let outputs = run(
                &module,
                &[tmlc_tinyml::tensor::TensorData::I8(data.clone())],
                &mut |_, _, _| {},
            )
            .expect("runs");
            let TensorData::I8(output) = &outputs[0] else {
                panic!("int8 output")
            };
            let expected: Vec<i8> = std::fs::read(reference.join(format!("output.{input}.bin")))
                .expect("golden")
                .into_iter()
                .map(|b| b as i8)
                .collect();
            assert_eq!(output, &expected, "{model} {input}");
        }
    }
}

#[test]
fn tiled_models_are_bit_exact_in_c() {
    let Some(shared) = shared_dir() else { return };
    let ok = |tool: &str| Command::new(tool).arg("--version").output().is_ok();
    if !ok("gcc") || !ok("make") {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "gcc and make are needed"
        );
        eprintln!("SKIPPED: gcc or make missing");
        return;
    }
    for model in MODELS {
        let dir = std::env::temp_dir().join(format!("tmlc-tile-{}-{model}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut stdin = || Ok(Vec::new());
        let args = [
            "compile".to_string(),
            shared
                .join("models")
                .join(format!("{model}.tflite"))
                .display()
                .to_string(),
            format!("--pass-pipeline={PIPELINE}"),
            "-o".into(),
            dir.display().to_string(),
        ];
        tmlc::run_cli(args, &mut stdin).unwrap_or_else(|f| panic!("{model}: {}", f.rendered));
        let built = Command::new("make")
            .arg("-C")
            .arg(&dir)
            .arg("CFLAGS=-O1 -g -std=c99 -Wall -Wextra -Werror -pedantic -fsanitize=address,undefined -fno-sanitize-recover=all")
            .arg("LDFLAGS=-fsanitize=address,undefined")
            .output()
            .expect("make");
        assert!(
            built.status.success(),
            "{model}: {}",
            String::from_utf8_lossy(&built.stderr)
        );
        for input in ["ramp", "rng42"] {
            let reference = shared.join("reference").join(model);
            let out = Command::new(dir.join("model_run"))
                .arg(reference.join(format!("input.{input}.bin")))
                .output()
                .expect("runs");
            assert!(
                out.status.success() && out.stderr.is_empty(),
                "{model}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let expected =
                std::fs::read(reference.join(format!("output.{input}.bin"))).expect("golden");
            assert_eq!(
                out.stdout, expected,
                "{model} {input}: tiled C differs from TFLite Micro"
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Softmax outputs hide small errors, so this cuts each tiled network right after its patch
/// loop and compares the whole stage output (thousands of bytes) computed by C patch by patch
/// with the interpreter's: the searched plans, and streamed ones (bands of rows kept from band
/// to band: 24 bands of one row, 7 uneven bands, 25 bands of a 10x4 stride-2 start).
#[test]
fn patch_loop_outputs_match_the_interpreter_byte_for_byte() {
    let Some(shared) = shared_dir() else { return };
    if Command::new("gcc").arg("--version").output().is_err() {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "gcc is needed"
        );
        return;
    }
    let streamed =
        |plan: &str| format!("canonicalize,fuse,schedule,tile{{{plan},stream=true}},inplace,alloc");
    for (model, pipeline) in [
        ("person_detect", PIPELINE.to_string()),
        ("vww_96_int8", PIPELINE.to_string()),
        ("kws_ref_model", PIPELINE.to_string()),
        ("pretrainedResnet_quant", PIPELINE.to_string()),
        ("vww_96_int8", streamed("patches=24x1,split=4")),
        ("person_detect", streamed("patches=7x1,split=4")),
        ("kws_ref_model", streamed("patches=25x1,split=3")),
    ] {
        let mut module = tiled_with(&shared, model, &pipeline);
        assert!(
            tmlc_tests::stages::cut_after_first_patch_loop(&mut module),
            "{model}: no patch loop"
        );
        let dir =
            std::env::temp_dir().join(format!("tmlc-tile-stage-{}-{model}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        let source = dir.join("stage.tir");
        std::fs::write(&source, tmlc_core::printer::print_module(&module)).expect("write");
        let out_dir = dir.join("out");
        let mut stdin = || Ok(Vec::new());
        let args = [
            "compile".to_string(),
            source.display().to_string(),
            "--pass-pipeline=canonicalize,alloc".into(),
            "-o".into(),
            out_dir.display().to_string(),
        ];
        tmlc::run_cli(args, &mut stdin).unwrap_or_else(|f| panic!("{model}: {}", f.rendered));
        let built = Command::new("make")
            .arg("-C")
            .arg(&out_dir)
            .output()
            .expect("make");
        assert!(
            built.status.success(),
            "{model}: {}",
            String::from_utf8_lossy(&built.stderr)
        );
        let input_path = shared.join("reference").join(model).join("input.rng42.bin");
        let input: Vec<i8> = std::fs::read(&input_path)
            .expect("input")
            .into_iter()
            .map(|b| b as i8)
            .collect();
        let outputs = run(
            &module,
            &[tmlc_tinyml::tensor::TensorData::I8(input.clone())],
            &mut |_, _, _| {},
        )
        .expect("interprets");
        let TensorData::I8(expected) = &outputs[0] else {
            panic!("int8")
        };
        let out = Command::new(out_dir.join("model_run"))
            .arg(&input_path)
            .output()
            .expect("runs");
        let got: Vec<i8> = out.stdout.iter().map(|&b| b as i8).collect();
        assert!(
            expected.len() > 1000,
            "{model}: stage output of {} bytes",
            expected.len()
        );
        assert_eq!(
            &got, expected,
            "{model}: patch-by-patch C differs from the interpreter"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// `tmlc mem` shows the arena before and after tiling.
#[test]
fn mem_reports_the_arena_before_and_after_tiling() {
    let Some(shared) = shared_dir() else { return };
    let mut stdin = || Ok(Vec::new());
    let args = [
        "mem".to_string(),
        shared
            .join("models/person_detect.tflite")
            .display()
            .to_string(),
        "--json".into(),
        format!("--pass-pipeline={PIPELINE}"),
    ];
    let out = tmlc::run_cli(args, &mut stdin).unwrap_or_else(|f| panic!("{}", f.rendered));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let after = json["arena_bytes"].as_u64().expect("arena");
    let before = json["arena_without_tile_bytes"]
        .as_u64()
        .expect("arena without tile");
    assert!(
        after <= 20_000 && before > 30_000,
        "before {before}, after {after}"
    );
}

/// The default search keeps the predicted extra instructions within 10 percent, and on a DSP
/// core plans the Arm DSP kernels inside the patch loop (their scratch after the patch buffers).
#[test]
fn default_search_respects_the_cost_budget_and_runs_dsp_kernels_in_patches() {
    let Some(shared) = shared_dir() else { return };
    let bytes = std::fs::read(shared.join("models/person_detect.tflite")).expect("model");
    let context = tmlc::context();
    let mut module = tmlc_tflite::import::import_tflite(&bytes, "person_detect", &context)
        .expect("imports")
        .module;
    let target = tmlc_backends::target::lookup("cortex-m4").expect("cortex-m4");
    let pipeline = tmlc_passes::pipeline::default_pipeline_text(&target);
    assert!(pipeline.contains("tile"), "{pipeline}");
    let passes = tmlc::pass_registry()
        .build_pipeline(&format!("{pipeline},check-plan"), &target)
        .expect("pipeline");
    PassManager::new(passes)
        .run(&mut module, &context)
        .unwrap_or_else(|d| panic!("{d}"));
    let function = &module.functions[0];
    let patch_loop = *function
        .body
        .ops
        .iter()
        .find(|&&op| function.ops[op].name == "loop.patches")
        .expect("a patch loop");
    let attributes = &function.ops[patch_loop].attributes;
    let predicted = match attributes.get("predicted_overhead_percent") {
        Some(tmlc_core::attributes::Attribute::Int(v)) => *v,
        other => panic!("no predicted overhead: {other:?}"),
    };
    assert!(predicted <= 10, "predicted overhead {predicted}%");
    // One stage, also with twice the budget: a second would buy about 9% of the arena for +11%
    // predicted instructions, which `saving-per-cost` (1% of the arena per 1%) refuses; without
    // that rule it is taken.
    let loops = |module: &tmlc_core::ir::Module| {
        let function = &module.functions[0];
        function
            .body
            .ops
            .iter()
            .filter(|&&op| function.ops[op].name == "loop.patches")
            .count()
    };
    assert_eq!(loops(&module), 1);
    let with_budget = |tile: &str| {
        let mut module = tmlc_tflite::import::import_tflite(&bytes, "person_detect", &context)
            .expect("imports")
            .module;
        let passes = tmlc::pass_registry()
            .build_pipeline(&pipeline.replace("tile", tile), &target)
            .expect("pipeline");
        PassManager::new(passes)
            .run(&mut module, &context)
            .unwrap_or_else(|d| panic!("{d}"));
        loops(&module)
    };
    assert_eq!(with_budget("tile{cost-budget=20}"), 1);
    assert_eq!(with_budget("tile{cost-budget=20,saving-per-cost=0}"), 2);
    let body = &function.ops[patch_loop].regions[0].ops;
    let dsp = body
        .iter()
        .filter(|&&op| {
            tmlc_mem::kernel_variant(&function.ops[op].attributes)
                == tmlc_core::target::KernelVariant::ArmDsp
        })
        .count();
    assert!(dsp > 0, "no Arm DSP kernel inside the patch loop");
    let scratch = tmlc_mem::read(attributes, tmlc_mem::SCRATCH_SIZE).expect("scratch");
    let plan = tmlc_loop::patches::loop_plan(&module, function, patch_loop).expect("plan");
    assert!(
        scratch > plan.buffers_bytes(),
        "scratch {scratch} holds no kernel scratch beyond the patch buffers"
    );
    assert!(tmlc_mem::arena_size(function).expect("planned") <= 24_000);
}

/// The target the pipelines compile for.
fn host() -> tmlc_backends::target::Target {
    tmlc_backends::target::lookup("host").expect("the host target")
}
