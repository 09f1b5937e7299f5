//! The 7 real models of `shared/models` read without error, and what the reader returns
//! matches the golden manifests of `shared/reference` (opcode sequence, graph inputs and outputs,
//! every op output's shape and quantization) and the facts of `shared/models/README.md`.

mod common;

use std::path::Path;

use serde_json::Value;
use tmlc_tflite::model::{Model, OpCode, Options, Tensor, TensorType};
use tmlc_tflite::read_model;

fn read(shared: &Path, name: &str) -> Model {
    read_model(&common::model_bytes(shared, name)).unwrap_or_else(|error| panic!("{name}: {error}"))
}

fn manifest(shared: &Path, name: &str) -> Value {
    let path = shared.join("reference").join(name).join("manifest.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// Checks a tensor against a manifest entry (`index`, `shape`, `dtype`, `scale`, `zero_point`).
fn assert_tensor_matches(model: &Model, entry: &Value, context: &str) {
    let index = entry["index"].as_u64().unwrap() as usize;
    let tensor: &Tensor = &model.tensors[index];
    let shape: Vec<i32> = entry["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|dim| dim.as_i64().unwrap() as i32)
        .collect();
    assert_eq!(tensor.shape, shape, "{context}: shape of tensor {index}");
    assert_eq!(entry["dtype"], "int8", "{context}: manifest dtype");
    assert_eq!(
        tensor.dtype,
        TensorType::Int8,
        "{context}: dtype of tensor {index}"
    );
    let quantization = tensor.quantization.as_ref().expect("quantized");
    // The manifest holds the f32 scale widened to f64; compare in f32.
    let scale = entry["scale"].as_f64().unwrap() as f32;
    assert_eq!(
        quantization.scales,
        [scale],
        "{context}: scale of tensor {index}"
    );
    let zero_point = entry["zero_point"].as_i64().unwrap();
    assert_eq!(
        quantization.zero_points,
        [zero_point],
        "{context}: zero point"
    );
}

#[test]
fn every_model_matches_its_reference_manifest() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    for name in common::MODELS {
        let model = read(&shared, name);
        let manifest = manifest(&shared, name);

        let input = &manifest["input"];
        assert_eq!(
            model.inputs,
            [input["index"].as_u64().unwrap() as usize],
            "{name}"
        );
        assert_tensor_matches(&model, input, &format!("{name} input"));
        let output = &manifest["output"];
        assert_eq!(
            model.outputs,
            [output["index"].as_u64().unwrap() as usize],
            "{name}"
        );
        assert_tensor_matches(&model, output, &format!("{name} output"));

        // One entry per op output, "op": "<operator index>:<OP_NAME>", every operator once.
        let entries = manifest["op_outputs_for_ramp"].as_array().unwrap();
        assert_eq!(
            model.operators.len(),
            entries.len(),
            "{name}: operator count"
        );
        for entry in entries {
            let (index, op_name) = entry["op"].as_str().unwrap().split_once(':').unwrap();
            let index: usize = index.parse().unwrap();
            let operator = &model.operators[index];
            assert_eq!(operator.opcode.name(), op_name, "{name}: operator {index}");
            let tensor = entry["index"].as_u64().unwrap() as i32;
            assert_eq!(
                operator.outputs,
                [tensor],
                "{name}: outputs of operator {index}"
            );
            assert_tensor_matches(&model, entry, &format!("{name} operator {index}"));
        }
    }
}

/// `shared/models/README.md`: int8 activations and weights, int32 biases, no float tensors,
/// only the ops it lists, and the "weights+bias B" column is the sum of all constant data.
#[test]
fn models_hold_what_the_readme_says() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let weight_bytes = [
        ("person_detect", 218_928),
        ("vww_96_int8", 219_072),
        ("kws_ref_model", 24_376),
        ("pretrainedResnet_quant", 78_752),
        ("ad01_int8", 270_880),
        ("micro_speech_quantized", 16_704),
        ("hello_world_int8", 420),
    ];
    for (name, expected_bytes) in weight_bytes {
        let model = read(&shared, name);
        let constant_bytes: usize = model
            .tensors
            .iter()
            .filter_map(|tensor| tensor.data.as_ref())
            .map(Vec::len)
            .sum();
        assert_eq!(constant_bytes, expected_bytes, "{name}: weights+bias bytes");
        for tensor in &model.tensors {
            assert!(
                matches!(tensor.dtype, TensorType::Int8 | TensorType::Int32),
                "{name}: tensor `{}` is {:?}",
                tensor.name,
                tensor.dtype
            );
        }
        for operator in &model.operators {
            assert!(
                matches!(
                    operator.opcode,
                    OpCode::Conv2d
                        | OpCode::DepthwiseConv2d
                        | OpCode::FullyConnected
                        | OpCode::AveragePool2d
                        | OpCode::Add
                        | OpCode::Reshape
                        | OpCode::Softmax
                ),
                "{name}: unexpected {}",
                operator.opcode.name()
            );
        }
    }
}

#[test]
fn person_detect_details() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let model = read(&shared, "person_detect");
    assert_eq!(model.tensors.len(), 89);
    assert_eq!(model.operators.len(), 31);

    let first = &model.operators[0];
    assert_eq!(first.opcode, OpCode::DepthwiseConv2d);
    assert!(matches!(
        first.options,
        Options::DepthwiseConv2d {
            depth_multiplier: 8,
            stride_w: 2,
            stride_h: 2,
            ..
        }
    ));
    // Depthwise weights [1, H, W, C*mult] are quantized per channel along axis 3.
    let weights = &model.tensors[first.inputs[1] as usize];
    let quantization = weights.quantization.as_ref().unwrap();
    assert_eq!(weights.shape, [1, 3, 3, 8]);
    assert_eq!(quantization.quantized_dimension, 3);
    assert_eq!(quantization.scales.len(), 8);
    assert_eq!(weights.data.as_ref().map(Vec::len), Some(72));
    // The exporter quirk: quantized_dimension 3 on the 1-D bias is read as stored.
    let bias = &model.tensors[first.inputs[2] as usize];
    assert_eq!(
        (bias.shape.as_slice(), bias.dtype),
        ([8].as_slice(), TensorType::Int32)
    );
    assert_eq!(bias.quantization.as_ref().unwrap().quantized_dimension, 3);

    // Activations have no data; RESHAPE keeps its new_shape option.
    assert_eq!(model.tensors[model.inputs[0]].data, None);
    assert_eq!(
        model.operators[29].options,
        Options::Reshape {
            new_shape: vec![1, 2]
        }
    );
    assert_eq!(model.operators[30].options, Options::Softmax { beta: 1.0 });
}
