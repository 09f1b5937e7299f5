//! HARD_SWISH and LOGISTIC against TFLite Micro, op by op: armzoo_ssd_mobilenet_v3_int8 is read
//! with the tflite reader and, for every operator of those kinds, the semantics function runs on
//! the golden input tensor of the ramp run (`../shared/reference/<model>/tensors/t<index>.bin`,
//! files named by `manifest.json`) with the model's quantization; the result must equal the
//! golden output tensor byte for byte. Then the whole model, imported and interpreted, must give
//! TFLite Micro's two outputs on both reference inputs.

use serde_json::Value as Json;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tmlc_tests::shared::shared_dir;
use tmlc_tflite::import::import_tflite;
use tmlc_tflite::model::{Model, OpCode, Tensor};
use tmlc_tflite::read_model;
use tmlc_tinyml::interpreter::{run, TensorData};
use tmlc_tinyml::semantics::{hard_swish, logistic, OutputSpec, QuantTensor};

const MODEL: &str = "armzoo_ssd_mobilenet_v3_int8";

/// The model and, for the ramp run, the file of every tensor TFLite Micro dumped: op outputs
/// (from the manifest) and the graph input.
fn load(shared: &Path) -> (Model, HashMap<usize, PathBuf>) {
    let bytes = std::fs::read(shared.join("models").join(format!("{MODEL}.tflite")))
        .expect("model is readable");
    let model = read_model(&bytes).unwrap_or_else(|e| panic!("{MODEL}: {e}"));
    let reference = shared.join("reference").join(MODEL);
    let manifest: Json = serde_json::from_str(
        &std::fs::read_to_string(reference.join("manifest.json")).expect("manifest"),
    )
    .expect("manifest is JSON");
    let mut files: HashMap<usize, PathBuf> = manifest["op_outputs_for_ramp"]
        .as_array()
        .expect("op outputs")
        .iter()
        .map(|entry| {
            let index = entry["index"].as_u64().expect("index") as usize;
            (index, reference.join(entry["file"].as_str().expect("file")))
        })
        .collect();
    let input = manifest["input"]["index"].as_u64().expect("input index") as usize;
    files.insert(input, reference.join("input.ramp.bin"));
    (model, files)
}

fn read_i8(path: &Path) -> Vec<i8> {
    std::fs::read(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
        .into_iter()
        .map(|b| b as i8)
        .collect()
}

/// `(shape, scale, zero point)` of an int8 tensor quantized per tensor.
fn quantization(tensor: &Tensor) -> (Vec<usize>, f32, i32) {
    let q = tensor.quantization.as_ref().expect("quantized tensor");
    let shape = tensor.shape.iter().map(|&d| d as usize).collect();
    (shape, q.scales[0], q.zero_points[0] as i32)
}

/// Runs `semantics` on the golden input of every operator with `opcode` and compares with the
/// golden output; returns how many operators were checked.
fn check_every(opcode: OpCode, semantics: impl Fn(&QuantTensor, &OutputSpec) -> Vec<i8>) -> usize {
    let Some(shared) = shared_dir() else { return 0 };
    let (model, files) = load(&shared);
    let mut checked = 0;
    for (position, operator) in model.operators.iter().enumerate() {
        if operator.opcode != opcode {
            continue;
        }
        let (input, output) = (operator.inputs[0] as usize, operator.outputs[0] as usize);
        let file = |index: usize| {
            files
                .get(&index)
                .unwrap_or_else(|| panic!("operator {position}: no golden file for tensor {index}"))
        };
        let data = read_i8(file(input));
        let (in_shape, in_scale, in_zero_point) = quantization(&model.tensors[input]);
        let (out_shape, out_scale, out_zero_point) = quantization(&model.tensors[output]);
        let got = semantics(
            &QuantTensor::new(&data, &in_shape, in_scale, in_zero_point),
            &OutputSpec::new(&out_shape, out_scale, out_zero_point),
        );
        let want = read_i8(file(output));
        assert_eq!(got.len(), want.len(), "operator {position}: output size");
        if let Some(first) = got.iter().zip(&want).position(|(a, b)| a != b) {
            let differing = got.iter().zip(&want).filter(|(a, b)| a != b).count();
            panic!(
                "operator {position} ({}, tensor {input} -> {output}, scales {in_scale} -> \
                 {out_scale}, zero points {in_zero_point} -> {out_zero_point}): {differing} of \
                 {} bytes differ from TFLite Micro, first at {first}: got {}, want {}",
                opcode.name(),
                want.len(),
                got[first],
                want[first]
            );
        }
        checked += 1;
    }
    checked
}

#[test]
fn every_hard_swish_is_bit_exact() {
    let checked = check_every(OpCode::HardSwish, hard_swish);
    if checked > 0 {
        assert_eq!(checked, 18, "the model has 18 HARD_SWISH operators");
    }
}

#[test]
fn the_logistic_is_bit_exact() {
    let checked = check_every(OpCode::Logistic, |input, output| {
        assert_eq!(
            (output.scale, output.zero_point),
            (1.0 / 256.0, -128),
            "TFLite's int8 LOGISTIC output quantization"
        );
        logistic(input)
    });
    if checked > 0 {
        assert_eq!(checked, 1, "the model has one LOGISTIC operator");
    }
}

#[test]
fn the_whole_model_is_bit_exact() {
    let Some(shared) = shared_dir() else { return };
    let bytes = std::fs::read(shared.join("models").join(format!("{MODEL}.tflite")))
        .expect("model is readable");
    let imported = import_tflite(&bytes, MODEL, &tmlc::context())
        .unwrap_or_else(|d| panic!("{MODEL}: import failed: {d}"));
    let reference = shared.join("reference").join(MODEL);
    for input in ["ramp", "rng42"] {
        let data = read_i8(&reference.join(format!("input.{input}.bin")));
        let outputs = run(&imported.module, &[TensorData::I8(data)], &mut |_, _, _| {})
            .unwrap_or_else(|d| panic!("{MODEL} {input}: interpretation failed: {d}"));
        assert_eq!(outputs.len(), 2, "the model has two outputs");
        for (k, output) in outputs.iter().enumerate() {
            let TensorData::I8(got) = output else {
                panic!("output {k} is not int8");
            };
            let want = read_i8(&reference.join(format!("output{k}.{input}.bin")));
            assert!(
                got == &want,
                "{MODEL} {input}: output {k} differs from TFLite Micro"
            );
        }
    }
}
