//! `tmlc sim --profile`: the per-layer instruction counts of the profile build in QEMU. On
//! person_detect (cortex-m4) every layer of the generated code gets one row with a positive
//! count, the rows sum to the inference's instructions within a small overhead, their MACs to the
//! model's, the counts repeat run after run, the depthwise layers stay within per-MAC bounds of
//! the fused DSP kernels, a patch loop's body ops and copies are counted apart and sum to its
//! row, and the headline count is the normal build's (which links no layer marker). The tables
//! of examples/tiny_cnn.tir and of examples/two_stages.tir (a patch loop's ops under it) are
//! snapshotted: instruction counts are deterministic. A project without a profile build is refused with a message.
//!
//! Needs gcc-arm-none-eabi, libnewlib-arm-none-eabi, qemu-system-arm, make and cc (a loud skip
//! without them, a failure under CI=true); the person_detect test also needs ../shared.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use tmlc_tests::shared::shared_dir;
use tmlc_tests::tools::have;

/// Instructions the rows may differ from the inference's count by, per layer: the begin
/// marker's body and the call to the end marker are inside a row; the run function's code
/// between the layers is outside every row.
const OVERHEAD_PER_LAYER: u64 = 16;
/// ... plus this much whatever the model: the run function's entry and exit.
const OVERHEAD_FIXED: u64 = 256;

fn have_tools() -> bool {
    [
        "arm-none-eabi-gcc",
        "arm-none-eabi-nm",
        "arm-none-eabi-size",
        "qemu-system-arm",
        "make",
        "cc",
    ]
    .iter()
    .all(|tool| have(tool))
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tmlc-profile-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn tmlc(args: &[&str]) -> Result<tmlc::Outcome, tmlc::Failure> {
    let mut stdin = || Ok(Vec::new());
    tmlc::run_cli(args.iter().map(|s| s.to_string()), &mut stdin)
}

fn compile(model: &Path, dir: &Path) {
    let (model, dir) = (model.display().to_string(), dir.display().to_string());
    if let Err(failure) = tmlc(&["compile", &model, "--target", "cortex-m4", "-o", &dir]) {
        panic!("tmlc compile {model} failed:\n{}", failure.rendered);
    }
}

/// `tmlc sim DIR --input IN [extra]`: standard output.
fn sim(dir: &Path, input: &Path, extra: &[&str]) -> String {
    let (dir, input) = (dir.display().to_string(), input.display().to_string());
    let mut args = vec!["sim", &dir, "--input", &input];
    args.extend(extra);
    match tmlc(&args) {
        Ok(outcome) => String::from_utf8(outcome.stdout).expect("UTF-8"),
        Err(failure) => panic!("tmlc {} failed:\n{}", args.join(" "), failure.rendered),
    }
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("sim --json prints JSON")
}

fn number(value: &Value, key: &str) -> u64 {
    value[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} in {value}"))
}

/// The layer indices of the generated run function (`_LAYER_BEGIN(<index>, ...)`).
fn emitted_layers(source: &str, prefix: &str) -> BTreeSet<usize> {
    let hook = format!("{prefix}_LAYER_BEGIN(");
    source
        .match_indices(&hook)
        .filter_map(|(at, _)| {
            let rest = &source[at + hook.len()..];
            rest[..rest.find(',')?].trim().parse().ok()
        })
        .collect()
}

#[test]
fn person_detect_profile_covers_every_layer() {
    let Some(shared) = shared_dir() else { return };
    if !have_tools() {
        return;
    }
    let model = shared.join("models/person_detect.tflite");
    let input = shared.join("reference/person_detect/input.rng42.bin");
    let dir = scratch("person_detect");
    compile(&model, &dir);

    let normal = json(&sim(&dir, &input, &["--json"]));
    let report = json(&sim(&dir, &input, &["--json", "--profile"]));
    let total = number(&report, "instructions");
    assert_eq!(
        total,
        number(&normal, "instructions"),
        "--profile moved the headline count"
    );
    assert_eq!(report["output"], normal["output"]);

    let rows = report["layers"].as_array().expect("a `layers` array");
    let source = std::fs::read_to_string(dir.join("person_detect.c")).expect("model source");
    let emitted = emitted_layers(&source, "TMLC_PERSON_DETECT");
    assert!(!emitted.is_empty());
    assert_eq!(rows.len(), emitted.len(), "one row per emitted layer");
    let mut sum = 0;
    let mut macs = 0;
    let (mut patch_loops, mut segments) = (0, 0);
    for (position, row) in rows.iter().enumerate() {
        assert_eq!(number(row, "index") as usize, position);
        assert!(emitted.contains(&position));
        let instructions = number(row, "instructions");
        assert!(instructions > 0, "layer {position} counted nothing: {row}");
        let layer_macs = number(row, "macs");
        if layer_macs > 0 {
            let per_mac = row["instructions_per_mac"].as_f64().expect("instr/MAC");
            assert!((per_mac - instructions as f64 / layer_macs as f64).abs() < 1e-9);
        } else {
            assert!(row["instructions_per_mac"].is_null());
        }
        assert!(["portable", "arm_dsp", "mixed"].contains(&row["kernel"].as_str().unwrap()));
        if row["op"] == "patches" {
            patch_loops += 1;
            segments += check_patch_loop(row);
        } else {
            segments += 1;
        }
        sum += instructions;
        macs += layer_macs;
    }
    // The depthwise DSP kernels (requantization fused into the row loops, outputs stored
    // straight to NHWC): instructions per MAC of the layers outside patch loops, by output
    // plane. Before the fused loops: 4.43 (24x24), 6.87 (12x12), 8.54 (6x6), 13.11 (3x3).
    for row in rows.iter().filter(|row| row["op"] == "depthwise_conv2d") {
        let shape = row["shape"].as_array().expect("a shape");
        let plane = shape[1].as_u64().unwrap() * shape[2].as_u64().unwrap();
        let bound = match plane {
            576.. => 3.9,
            144.. => 6.5,
            36.. => 8.3,
            _ => 10.7,
        };
        let per_mac = row["instructions_per_mac"].as_f64().expect("instr/MAC");
        assert!(
            per_mac <= bound,
            "depthwise {shape:?}: {per_mac:.2} instructions per MAC > {bound}"
        );
    }
    assert_eq!(sum, number(&report, "layer_instructions"));
    assert!(sum < number(&report, "profile_instructions"));
    assert!(patch_loops > 0, "the default plan has a patch loop");
    let bound = OVERHEAD_PER_LAYER * segments + OVERHEAD_FIXED;
    assert!(
        sum.abs_diff(total) <= bound,
        "the layers sum to {sum}, the inference takes {total}: more than {bound} apart"
    );
    let bytes = std::fs::read(&model).expect("model");
    let imported = tmlc_tflite::import::import_tflite(&bytes, "person_detect", &tmlc::context())
        .expect("imports");
    let function = &imported.module.functions[0];
    assert_eq!(
        macs,
        tmlc_tinyml::macs::function_macs(&imported.module, function),
        "the rows' MACs are the model's"
    );

    let again = json(&sim(&dir, &input, &["--json", "--profile"]));
    assert_eq!(
        again["layers"], report["layers"],
        "the profile changed between runs"
    );

    // The normal build links no layer marker: its code and count are today's.
    let nm = Command::new("arm-none-eabi-nm")
        .arg(dir.join("model.elf"))
        .output()
        .expect("nm");
    let symbols = String::from_utf8_lossy(&nm.stdout);
    assert!(symbols.contains("tmlc_marker_start"));
    assert!(!symbols.contains("tmlc_marker_layer"), "{symbols}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A patch loop's row: one part per body op, each counted, the parts and the copies summing to
/// the row, the parts' MACs to the row's. Returns the marker pairs it ran (the step hooks split
/// every patch).
fn check_patch_loop(row: &Value) -> u64 {
    let body = row["body"].as_array().expect("a body");
    let parts = row["part_instructions"]
        .as_array()
        .expect("a patch loop has part_instructions");
    assert_eq!(parts.len(), body.len(), "one part per body op: {row}");
    let mut sum = number(row, "copy_instructions");
    let mut macs = 0;
    for (part, op) in parts.iter().zip(body) {
        assert_eq!(&part["op"], op);
        assert!(
            number(part, "instructions") > 0,
            "a part counted nothing: {part}"
        );
        sum += number(part, "instructions");
        macs += number(part, "macs");
    }
    assert_eq!(
        sum,
        number(row, "instructions"),
        "parts + copies = the loop: {row}"
    );
    assert_eq!(macs, number(row, "macs"));
    // The copies of a patch's input region and output patch are a small share of the loop.
    assert!(number(row, "copy_instructions") * 10 < number(row, "instructions"));
    1 + number(row, "patches") * (parts.len() as u64 + 1)
}

#[test]
fn tiny_cnn_profile_table() {
    if !have_tools() {
        return;
    }
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let dir = scratch("tiny_cnn");
    compile(&examples.join("tiny_cnn.tir"), &dir);
    let input = dir.join("input.bin");
    std::fs::write(
        &input,
        (0..64u8).map(|i| i.wrapping_mul(37)).collect::<Vec<u8>>(),
    )
    .expect("input");
    let text = sim(&dir, &input, &["--profile"]);
    let table = &text[text.find("per-layer profile").expect("a profile table")..];
    insta::assert_snapshot!(table);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A patch loop's table: its body ops and its copies, each a row under it (examples/two_stages.tir
/// with a stage on its inverted-residual block).
#[test]
fn two_stages_profile_table_splits_the_patch_loop() {
    if !have_tools() {
        return;
    }
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let dir = scratch("two_stages");
    let (model, out) = (
        examples.join("two_stages.tir").display().to_string(),
        dir.display().to_string(),
    );
    let pipeline = "canonicalize,fuse,schedule,tile{cost-budget=1000},inplace,select-kernels,alloc";
    let compiled = tmlc(&[
        "compile",
        &model,
        "--target",
        "cortex-m4",
        "--pass-pipeline",
        pipeline,
        "-o",
        &out,
    ]);
    if let Err(failure) = compiled {
        panic!("tmlc compile {model} failed:\n{}", failure.rendered);
    }
    let input = dir.join("input.bin");
    std::fs::write(
        &input,
        (0..3072u32)
            .map(|i| (i.wrapping_mul(37) % 251) as u8)
            .collect::<Vec<u8>>(),
    )
    .expect("input");
    let text = sim(&dir, &input, &["--profile"]);
    let table = &text[text.find("per-layer profile").expect("a profile table")..];
    assert!(table.contains("(patch copies, loop)"), "{table}");
    insta::assert_snapshot!(table);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_project_without_a_profile_build_is_refused() {
    if !have_tools() {
        return;
    }
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let dir = scratch("old_project");
    compile(&examples.join("tiny_cnn.tir"), &dir);
    let manifest_path = dir.join("tmlc-project.json");
    let mut manifest = json(&std::fs::read_to_string(&manifest_path).expect("manifest"));
    manifest
        .as_object_mut()
        .expect("object")
        .remove("profile_elf");
    std::fs::write(&manifest_path, manifest.to_string()).expect("manifest");
    let input = dir.join("input.bin");
    std::fs::write(&input, [0u8; 64]).expect("input");
    let (dir_text, input_text) = (dir.display().to_string(), input.display().to_string());
    let Err(failure) = tmlc(&["sim", &dir_text, "--input", &input_text, "--profile"]) else {
        panic!("--profile without a profile build should fail");
    };
    assert!(
        failure.rendered.contains("has no profile build"),
        "{}",
        failure.rendered
    );
    // Without --profile the same project still runs.
    assert!(sim(&dir, &input, &[]).contains("instructions:"));
    let _ = std::fs::remove_dir_all(&dir);
}
