//! A malformed-model corpus made from the real models with `tmlc_tflite::mutate`: structural
//! damage must give a `ReadError` that says what and where; semantic changes (an unsupported op,
//! a float or int16 tensor) must read fine, for the importer to reject with its own message.

mod common;

use std::path::Path;

use tmlc_tflite::model::{Model, OpCode, Options, TensorType};
use tmlc_tflite::mutate::{self, TableRef};
use tmlc_tflite::{read_model, ReadError};

fn model_bytes(name: &str) -> Option<Vec<u8>> {
    let shared = common::shared_dir()?;
    Some(common::model_bytes(Path::new(&shared), name))
}

/// Reads bytes that must be rejected; returns the error after checking it contains `expected`.
#[track_caller]
fn rejected(bytes: &[u8], expected: &str) -> ReadError {
    let Err(error) = read_model(bytes) else {
        panic!("the reader accepted a malformed model (expected {expected:?})");
    };
    assert!(
        error.message().contains(expected),
        "expected {expected:?} in: {error}"
    );
    error
}

#[track_caller]
fn accepted(bytes: &[u8]) -> Model {
    read_model(bytes).unwrap_or_else(|error| panic!("rejected: {error}"))
}

#[test]
fn not_a_tflite_file() {
    rejected(&[], "empty file");
    rejected(
        &[0x1C, 0, 0, 0, b'T', b'F', b'L'],
        "file too short (7 bytes)",
    );
    let Some(model) = model_bytes("hello_world_int8") else {
        return;
    };
    rejected(
        &mutate::set_file_identifier(&model, *b"TFL2"),
        "not a TFLite model: the file identifier (bytes 4..8) is \"TFL2\", expected \"TFL3\"",
    );
    rejected(
        &mutate::set_file_identifier(&model, [0, 0xFF, b'a', b'\n']),
        r#"is "\x00\xffa\n""#,
    );
    assert_eq!(rejected(&model[..8], "").operator(), None);
}

#[test]
fn truncated_files() {
    for name in [
        "hello_world_int8",
        "micro_speech_quantized",
        "person_detect",
    ] {
        let Some(model) = model_bytes(name) else {
            return;
        };
        let len = model.len();
        for cut in [8, 12, 64, len / 4, len / 2, 3 * len / 4, len - 16, len - 8] {
            let error = rejected(&model[..cut], "truncated or corrupt TFLite file: ");
            assert!(
                error
                    .message()
                    .contains(&format!("end of the file ({cut} bytes)")),
                "{name} cut at {cut}: {error}"
            );
        }
    }
}

#[test]
fn corrupted_root_offset() {
    let Some(model) = model_bytes("hello_world_int8") else {
        return;
    };
    let past_the_end = model.len() as u32 + 100;
    rejected(
        &mutate::set_root_offset(&model, past_the_end),
        "lie beyond the end of the file (2704 bytes) (in Model)",
    );
    rejected(
        &mutate::set_root_offset(&model, u32::MAX - 3),
        "beyond the end of the file",
    );
    // Unaligned: the root offset of a table must be a multiple of 4.
    rejected(&mutate::set_root_offset(&model, 2), "misaligned");
}

#[test]
fn corrupted_vtable_offsets() {
    let Some(model) = model_bytes("hello_world_int8") else {
        return;
    };
    let bytes = mutate::set_vtable_offset(&model, TableRef::Model, -100_000).unwrap();
    rejected(&bytes, "vtable offset -100000 at byte");
    rejected(&bytes, "points outside the file (in Model)");

    let bytes = mutate::set_vtable_offset(&model, TableRef::Tensor(3), i32::MAX).unwrap();
    rejected(&bytes, "(in Model.subgraphs[0].tensors[3])");

    let bytes = mutate::set_vtable_offset(&model, TableRef::Operator(2), i32::MIN).unwrap();
    let error = rejected(&bytes, "(in Model.subgraphs[0].operators[2])");
    assert_eq!(error.operator(), Some(2));

    let bytes = mutate::set_vtable_offset(&model, TableRef::Buffer(1), 1 << 20).unwrap();
    rejected(&bytes, "(in Model.buffers[1])");
}

#[test]
fn corrupted_vtable_entries() {
    let Some(model) = model_bytes("hello_world_int8") else {
        return;
    };
    // Field offsets past the end of the file. Tables of one layout share their vtable, so the
    // error names the first tensor or operator that uses it.
    let shape = mutate::set_vtable_entry(&model, TableRef::Tensor(3), 0, 0xFFF0).unwrap();
    rejected(
        &shape,
        "beyond the end of the file (2704 bytes) (in Model.subgraphs[0].tensors[",
    );
    rejected(&shape, "].shape)");

    let inputs = mutate::set_vtable_entry(&model, TableRef::Operator(1), 1, 0xFFF0).unwrap();
    let error = rejected(&inputs, "].inputs)");
    assert!(error.operator().is_some());

    let operator_codes = mutate::set_vtable_entry(&model, TableRef::Model, 1, 0xFFF0).unwrap();
    rejected(&operator_codes, "(in Model.operator_codes)");
}

#[test]
fn tensor_index_out_of_range() {
    let Some(model) = model_bytes("person_detect") else {
        return;
    };
    let error = rejected(&mutate::set_operator_input(&model, 2, 0, 999).unwrap(), "");
    assert_eq!(
        error.message(),
        "operator 2 (CONV_2D): input tensor index 999 out of range (model has 89 tensors)"
    );
    assert_eq!(error.operator(), Some(2));
    assert_eq!(error.to_string(), error.message());

    rejected(
        &mutate::set_operator_input(&model, 3, 1, -2).unwrap(),
        "operator 3 (DEPTHWISE_CONV_2D): input tensor index -2 out of range",
    );
    rejected(
        &mutate::set_operator_output(&model, 30, 0, 89).unwrap(),
        "operator 30 (SOFTMAX): output tensor index 89 out of range (model has 89 tensors)",
    );
    rejected(
        &mutate::set_operator_output(&model, 29, 0, -1).unwrap(),
        "operator 29 (RESHAPE): output tensor index -1 out of range",
    );
    // -1 marks an omitted optional input, e.g. a bias.
    let no_bias = accepted(&mutate::set_operator_input(&model, 2, 2, -1).unwrap());
    assert_eq!(no_bias.operators[2].inputs, [51, 10, -1]);
}

#[test]
fn subgraph_input_or_output_out_of_range() {
    let Some(model) = model_bytes("person_detect") else {
        return;
    };
    let error = rejected(
        &mutate::set_subgraph_input(&model, 0, 89).unwrap(),
        "subgraph input 0: tensor index 89 out of range (model has 89 tensors)",
    );
    assert_eq!(error.operator(), None);
    rejected(
        &mutate::set_subgraph_output(&model, 0, -1).unwrap(),
        "subgraph output 0: tensor index -1 out of range",
    );
}

#[test]
fn opcode_index_out_of_range() {
    let Some(model) = model_bytes("person_detect") else {
        return;
    };
    // Operator 27 uses operator code 0, which the file leaves out (it is the default)...
    let absent = mutate::set_operator_opcode_index(&model, 27, 7).unwrap_err();
    assert!(absent.contains("absent"), "{absent}");
    // ... operator 2, a CONV_2D, stores its index.
    let error = rejected(
        &mutate::set_operator_opcode_index(&model, 2, 7).unwrap(),
        "operator 2: opcode index 7 out of range (model has 5 operator codes)",
    );
    assert_eq!(error.operator(), Some(2));
}

#[test]
fn tensor_buffer_and_shape_errors() {
    let Some(model) = model_bytes("hello_world_int8") else {
        return;
    };
    let read = accepted(&model);
    let weights = read.operators[0].inputs[1] as usize;
    let name = &read.tensors[weights].name;

    rejected(
        &mutate::set_tensor_buffer(&model, weights, 5000).unwrap(),
        &format!("tensor {weights} (`{name}`): buffer index 5000 out of range (model has"),
    );
    rejected(
        &mutate::set_tensor_dim(&model, weights, 0, -3).unwrap(),
        &format!("tensor {weights} (`{name}`): negative dimension -3 in shape [-3, 1]"),
    );
    // Constant data must match the shape exactly.
    rejected(
        &mutate::set_tensor_dim(&model, weights, 0, 17).unwrap(),
        "holds 16 bytes but shape [17, 1] of int8 needs 17",
    );
}

#[test]
fn unsupported_op_reads_as_other() {
    let Some(model) = model_bytes("person_detect") else {
        return;
    };
    // Rewrites the OperatorCode of operator 30 (SOFTMAX, used by it alone) to ELU.
    let read = accepted(&mutate::set_operator_builtin_code(&model, 30, 111).unwrap());
    let operator = &read.operators[30];
    assert_eq!(
        operator.opcode,
        OpCode::Other {
            code: 111,
            name: "ELU".into()
        }
    );
    assert_eq!(operator.options, Options::None);
    assert_eq!(read.operators[29].opcode, OpCode::Reshape);

    // person_detect predates `builtin_code`: its int8 `deprecated_builtin_code` cannot hold 150.
    let too_large = mutate::set_operator_builtin_code(&model, 30, 150).unwrap_err();
    assert!(too_large.contains("in place"), "{too_large}");
    // vww_96_int8 stores both codes; a code over 127 lives in `builtin_code` alone.
    let Some(vww) = model_bytes("vww_96_int8") else {
        return;
    };
    let read = accepted(&mutate::set_operator_builtin_code(&vww, 30, 150).unwrap());
    assert_eq!(read.operators[30].opcode.name(), "GELU");
    assert_eq!(read.operators[30].opcode.code(), 150);
}

#[test]
fn float_and_int16_tensors_read_as_such() {
    let Some(model) = model_bytes("person_detect") else {
        return;
    };
    let input = accepted(&model).inputs[0];
    let float = accepted(&mutate::set_tensor_type(&model, input, 0).unwrap());
    assert_eq!(float.tensors[input].dtype, TensorType::Float32);
    let int16 = accepted(&mutate::set_tensor_type(&model, input, 7).unwrap());
    assert_eq!(int16.tensors[input].dtype, TensorType::Int16);
    let other = accepted(&mutate::set_tensor_type(&model, input, 17).unwrap());
    assert_eq!(other.tensors[input].dtype, TensorType::Other(17));
}
