//! Conformance with TFLite Micro: every model of ../shared/models (the LSTM too: from reset state)
//! is imported and interpreted on both reference inputs (raw int8, or float32 for float edges);
//! outputs (every output's bytes, concatenated) and every intermediate tensor of the ramp run must
//! equal the golden files byte for byte. A mismatch names the first op that differs, its index and the
//! largest difference. Also: the real person/no-person images give TFLM's documented scores, and
//! the imported `.tir` reparses, prints identically and computes the same bytes.

use serde_json::Value as Json;
use std::collections::HashMap;
use std::path::Path;
use tmlc_core::ir::Value;
use tmlc_core::parser::parse_module;
use tmlc_core::printer::print_module;
use tmlc_tests::shared::{shared_dir, MODELS, SECOND_SET};
use tmlc_tflite::import::{import_tflite, Imported};
use tmlc_tinyml::interpreter::{run, TensorData};

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn import(shared: &Path, model: &str) -> Imported {
    let path = shared.join("models").join(format!("{model}.tflite"));
    let bytes = std::fs::read(&path).expect("model is readable");
    import_tflite(&bytes, model, &tmlc::context())
        .unwrap_or_else(|d| panic!("{model}: import failed: {d}"))
}

/// The raw bytes of every input, concatenated, as the function's inputs (int8 or float32).
fn inputs(imported: &Imported, raw: &[u8]) -> Vec<TensorData> {
    let function = &imported.module.functions[0];
    let mut offset = 0;
    let inputs = function
        .params
        .iter()
        .map(|&param| {
            let ty = function.value_type(param);
            let bytes = &raw[offset..offset + ty.byte_size()];
            offset += ty.byte_size();
            TensorData::from_bytes(ty, bytes)
        })
        .collect();
    assert_eq!(offset, raw.len(), "the input file holds every input");
    inputs
}

/// Runs the module on raw input bytes; returns every output's raw bytes concatenated and every
/// op's output by result value.
fn run_all(imported: &Imported, raw: &[u8]) -> (Vec<u8>, HashMap<Value, Vec<u8>>) {
    let function = &imported.module.functions[0];
    let mut seen = HashMap::new();
    let outputs = run(
        &imported.module,
        &inputs(imported, raw),
        &mut |_, op, data| {
            seen.insert(function.ops[op].results[0], data.to_bytes());
        },
    )
    .unwrap_or_else(|d| panic!("interpretation failed: {d}"));
    (
        outputs.iter().flat_map(TensorData::to_bytes).collect(),
        seen,
    )
}

/// The first element (of `width` bytes) that differs.
fn first_difference(actual: &[u8], expected: &[u8], width: usize) -> Option<usize> {
    actual
        .chunks(width)
        .zip(expected.chunks(width))
        .position(|(a, e)| a != e)
}

#[test]
fn every_intermediate_tensor_is_bit_exact() {
    let Some(shared) = shared_dir() else { return };
    let mut failures = Vec::new();
    for model in MODELS.iter().chain(SECOND_SET) {
        let reference = shared.join("reference").join(model);
        let manifest: Json = serde_json::from_str(
            &std::fs::read_to_string(reference.join("manifest.json")).expect("manifest"),
        )
        .expect("manifest is JSON");
        let imported = import(&shared, model);
        let (_, seen) = run_all(&imported, &read(&reference.join("input.ramp.bin")));
        let entries = manifest["op_outputs_for_ramp"]
            .as_array()
            .expect("op outputs");
        assert!(!entries.is_empty(), "{model}: manifest lists no tensors");
        for entry in entries {
            let tensor = entry["index"].as_u64().expect("index") as usize;
            let op = entry["op"].as_str().unwrap_or("?");
            let value = imported
                .tensor_values
                .get(&tensor)
                .unwrap_or_else(|| panic!("{model}: tensor {tensor} (op {op}) has no IR value"));
            let expected = read(&reference.join(entry["file"].as_str().expect("file")));
            let width = if entry["dtype"] == "float32" { 4 } else { 1 };
            let actual = seen
                .get(value)
                .unwrap_or_else(|| panic!("{model}: op {op} was not executed"));
            assert_eq!(
                actual.len(),
                expected.len(),
                "{model}: op {op}: size differs"
            );
            if let Some(element) = first_difference(actual, &expected, width) {
                let max = actual
                    .iter()
                    .zip(&expected)
                    .map(|(&a, &e)| (a as i8 as i32 - e as i8 as i32).abs())
                    .max()
                    .unwrap_or(0);
                failures.push(format!(
                    "{model}: first differing op {op} (tensor {tensor}): element {element}, max |byte difference| {max}"
                ));
                break;
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn outputs_match_golden_for_both_inputs() {
    let Some(shared) = shared_dir() else { return };
    for model in MODELS.iter().chain(SECOND_SET) {
        let reference = shared.join("reference").join(model);
        let imported = import(&shared, model);
        for input in ["ramp", "rng42"] {
            let (output, _) = run_all(
                &imported,
                &read(&reference.join(format!("input.{input}.bin"))),
            );
            let expected = read(&reference.join(format!("output.{input}.bin")));
            assert_eq!(
                output, expected,
                "{model}: output for input {input} differs"
            );
        }
    }
}

#[test]
fn real_person_images_give_documented_scores() {
    let Some(shared) = shared_dir() else { return };
    let imported = import(&shared, "person_detect");
    let real = shared.join("reference/real_inputs");
    let (person, _) = run_all(&imported, &read(&real.join("person.int8.bin")));
    let (no_person, _) = run_all(&imported, &read(&real.join("no_person.int8.bin")));
    assert_eq!(person, [-113i8 as u8, 113]);
    assert_eq!(no_person, [57, -57i8 as u8]);
}

#[test]
fn imported_tir_round_trips_and_computes_the_same_bytes() {
    let Some(shared) = shared_dir() else { return };
    for model in MODELS.iter().chain(SECOND_SET) {
        let imported = import(&shared, model);
        let printed = print_module(&imported.module);
        let reparsed = parse_module(&printed).unwrap_or_else(|d| panic!("{model}: {d}"));
        tmlc_core::verifier::verify_module(&reparsed, &tmlc::context())
            .unwrap_or_else(|d| panic!("{model}: reparsed IR does not verify: {d}"));
        assert_eq!(
            print_module(&reparsed),
            printed,
            "{model}: print(parse(x)) differs"
        );
        let input = read(&shared.join("reference").join(model).join("input.rng42.bin"));
        let (from_tflite, _) = run_all(&imported, &input);
        let reparsed = Imported {
            module: reparsed,
            tensor_values: HashMap::new(),
        };
        let (from_tir, _) = run_all(&reparsed, &input);
        assert_eq!(
            from_tir, from_tflite,
            "{model}: .tir and .tflite outputs differ"
        );
    }
}

/// MAC counts agree with the figures of ../shared/models/README.md.
#[test]
fn mac_counts_match_the_published_figures() {
    let Some(shared) = shared_dir() else { return };
    let published = [
        ("person_detect", 7_157_888),
        ("vww_96_int8", 7_489_664),
        ("kws_ref_model", 2_656_768),
        ("pretrainedResnet_quant", 12_501_632),
        ("ad01_int8", 264_192),
        ("micro_speech_quantized", 336_000),
        ("hello_world_int8", 288),
    ];
    for (model, macs) in published {
        let imported = import(&shared, model);
        assert_eq!(
            tmlc_tinyml::macs::function_macs(&imported.module, &imported.module.functions[0]),
            macs,
            "{model}"
        );
    }
}
