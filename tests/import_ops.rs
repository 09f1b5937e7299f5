//! The importer on the data-movement operators, with models written here as
//! `tmlc_tflite::model::Model` values (what the reader produces): TRANSPOSE, RESIZE_NEAREST_NEIGHBOR,
//! SQUEEZE and STRIDED_SLICE become tinyml ops with their constant inputs as attributes, a
//! RESHAPE whose output quantization differs from its input's imports (TFLite Micro copies its
//! bytes), and what TFLite Micro ignores or rejects is refused with a message.

use tmlc_core::diagnostic::ErrorCode;
use tmlc_core::printer::print_module;
use tmlc_tflite::import::import_model;
use tmlc_tflite::model::{Model, OpCode, Operator, Options, Quantization, Tensor, TensorType};

fn activation(name: &str, shape: &[i32], scale: f32, zero_point: i64) -> Tensor {
    Tensor {
        name: name.to_string(),
        shape: shape.to_vec(),
        dtype: TensorType::Int8,
        data: None,
        quantization: Some(Quantization {
            scales: vec![scale],
            zero_points: vec![zero_point],
            quantized_dimension: 0,
        }),
        is_variable: false,
    }
}

fn ints(name: &str, values: &[i32]) -> Tensor {
    Tensor {
        name: name.to_string(),
        shape: vec![values.len() as i32],
        dtype: TensorType::Int32,
        data: Some(values.iter().flat_map(|v| v.to_le_bytes()).collect()),
        quantization: None,
        is_variable: false,
    }
}

fn operator(opcode: OpCode, inputs: &[i32], output: i32, options: Options) -> Operator {
    Operator {
        opcode,
        inputs: inputs.to_vec(),
        outputs: vec![output],
        options,
    }
}

fn strided_slice_options(shrink_axis_mask: i32, ellipsis_mask: i32) -> Options {
    Options::StridedSlice {
        begin_mask: 0,
        end_mask: 2,
        ellipsis_mask,
        new_axis_mask: 0,
        shrink_axis_mask,
        offset: false,
    }
}

/// input [1, 2, 3, 4] -> RESIZE_NEAREST_NEIGHBOR to 4x6 -> TRANSPOSE (0 3 1 2) -> RESHAPE to
/// [1, 4, 1, 24] with another quantization -> SQUEEZE (no dims: every axis of size 1) ->
/// STRIDED_SLICE [0:4:2, -1::-5] (end_mask on axis 1).
fn chain(strided_slice: Options) -> Model {
    Model {
        tensors: vec![
            activation("input", &[1, 2, 3, 4], 0.5, -3),
            ints("size", &[4, 6]),
            activation("resized", &[1, 4, 6, 4], 0.5, -3),
            ints("perm", &[0, 3, 1, 2]),
            activation("transposed", &[1, 4, 4, 6], 0.5, -3),
            activation("reshaped", &[1, 4, 1, 24], 0.25, 7),
            activation("squeezed", &[4, 24], 0.25, 7),
            ints("begin", &[0, -1]),
            ints("end", &[4, 0]),
            ints("strides", &[2, -5]),
            activation("sliced", &[2, 5], 0.25, 7),
            ints("new_shape", &[1, 4, 1, 24]),
        ],
        operators: vec![
            operator(
                OpCode::ResizeNearestNeighbor,
                &[0, 1],
                2,
                Options::ResizeNearestNeighbor {
                    align_corners: false,
                    half_pixel_centers: true,
                },
            ),
            operator(OpCode::Transpose, &[2, 3], 4, Options::None),
            operator(
                OpCode::Reshape,
                &[4, 11],
                5,
                Options::Reshape {
                    new_shape: vec![1, 4, 1, 24],
                },
            ),
            operator(
                OpCode::Squeeze,
                &[5],
                6,
                Options::Squeeze {
                    squeeze_dims: vec![],
                },
            ),
            operator(OpCode::StridedSlice, &[6, 7, 8, 9], 10, strided_slice),
        ],
        inputs: vec![0],
        outputs: vec![10],
    }
}

#[test]
fn data_movement_operators_import_with_constant_inputs_as_attributes() {
    let imported = import_model(
        &chain(strided_slice_options(0, 0)),
        "chain",
        &tmlc::context(),
    )
    .unwrap_or_else(|error| panic!("{}", error.message));
    let printed = print_module(&imported.module);
    for line in [
        "tinyml.resize_nearest_neighbor %input {align_corners = false, half_pixel_centers = true, size = [4, 6]} : tensor<1x4x6x4xi8, !q<0.5, -3>>",
        "tinyml.transpose %0 {perm = [0, 3, 1, 2]} : tensor<1x4x4x6xi8, !q<0.5, -3>>",
        "tinyml.reshape %1 : tensor<1x4x1x24xi8, !q<0.25, 7>>",
        "tinyml.squeeze %2 {dims = [0, 2]} : tensor<4x24xi8, !q<0.25, 7>>",
        "tinyml.strided_slice %3 {begin = [0, -1], begin_mask = 0, end = [4, 0], end_mask = 2, shrink_axis_mask = 0, strides = [2, -5]} : tensor<2x5xi8, !q<0.25, 7>>",
    ] {
        assert!(printed.contains(line), "missing `{line}` in\n{printed}");
    }
    // No constant survives: every int32 input became an attribute.
    assert!(!printed.contains("tinyml.const"), "{printed}");
}

#[test]
fn a_reshape_that_changes_the_quantization_keeps_the_bytes() {
    let mut model = chain(strided_slice_options(0, 0));
    model.operators.truncate(3);
    model.outputs = vec![5];
    let imported = import_model(&model, "reshape", &tmlc::context())
        .unwrap_or_else(|error| panic!("{}", error.message));
    let input: Vec<i8> = (0..24).map(|i| (i * 37 % 256) as i8).collect();
    let main = &imported.module.functions[0];
    assert_eq!(main.result_types[0].per_tensor(), Some((0.25, 7)));
    let outputs = tmlc_tinyml::interpreter::run(
        &imported.module,
        &[tmlc_tinyml::tensor::TensorData::I8(input.clone())],
        &mut |_, _, _| {},
    )
    .expect("runs");
    let tmlc_tinyml::interpreter::TensorData::I8(output) = &outputs[0] else {
        panic!("int8 output expected");
    };
    // Resize (half pixel, 2x3 -> 4x6 repeats each pixel twice) then NHWC -> NCHW; the reshape
    // adds nothing: channel c, row y, column x of the output is input pixel (y / 2, x / 2).
    let expected: Vec<i8> = (0..4)
        .flat_map(|c| (0..4).flat_map(move |y| (0..6).map(move |x| (c, y, x))))
        .map(|(c, y, x)| input[((y / 2) * 3 + x / 2) * 4 + c])
        .collect();
    assert_eq!(output, &expected);
}

#[test]
fn strided_slice_with_a_shrunk_axis_imports() {
    let mut model = chain(strided_slice_options(1, 0));
    model.tensors[10] = activation("sliced", &[5], 0.25, 7);
    let imported = import_model(&model, "shrink", &tmlc::context())
        .unwrap_or_else(|error| panic!("{}", error.message));
    assert!(print_module(&imported.module).contains("shrink_axis_mask = 1"));
}

#[test]
fn what_tflite_micro_ignores_or_rejects_is_refused() {
    let error = import_model(
        &chain(strided_slice_options(0, 1)),
        "ellipsis",
        &tmlc::context(),
    )
    .err()
    .expect("rejected");
    assert_eq!(error.code, ErrorCode::UnsupportedModel);
    assert!(
        error
            .message
            .starts_with("operator 4 (STRIDED_SLICE): ellipsis_mask 1"),
        "{}",
        error.message
    );

    // A permutation from a tensor computed at run time (TFLM: "Non-constant >perm<").
    let mut model = chain(strided_slice_options(0, 0));
    model.tensors[3].data = None;
    let error = import_model(&model, "perm", &tmlc::context())
        .err()
        .expect("rejected");
    assert_eq!(
        error.message,
        "operator 1 (TRANSPOSE): perm tensor 3 must be a constant int32 tensor"
    );

    // A permutation that is not one: the verifier's error, at the operator.
    let mut model = chain(strided_slice_options(0, 0));
    model.tensors[3] = ints("perm", &[0, 3, 3, 2]);
    let error = import_model(&model, "perm", &tmlc::context())
        .err()
        .expect("rejected");
    assert_eq!(error.code, ErrorCode::InvalidModel);
    assert!(
        error.message.contains("is not a permutation"),
        "{}",
        error.message
    );

    // SQUEEZE of an axis whose size is not 1.
    let mut model = chain(strided_slice_options(0, 0));
    model.operators[3].options = Options::Squeeze {
        squeeze_dims: vec![-1],
    };
    let error = import_model(&model, "squeeze", &tmlc::context())
        .err()
        .expect("rejected");
    assert!(
        error
            .message
            .contains("axis 3 of the 1x4x1x24 input has size 24, not 1"),
        "{}",
        error.message
    );
}
