//! Malformed and unsupported `.tflite` files, made from the real models by the test itself
//! (truncated, corrupted offsets and indices, an op swapped for an unsupported one, float and
//! int16 tensors): `tmlc import` must exit with status 1 and a specific message for each. The
//! messages are snapshotted together.

use std::path::Path;
use tmlc_tests::shared::shared_dir;
use tmlc_tflite::mutate::{self, TableRef};

/// The weight tensor of person_detect's first operator, a depthwise convolution whose weights
/// are quantized per channel along axis 3.
fn depthwise_weights(person: &[u8]) -> usize {
    let model = tmlc_tflite::read_model(person).expect("a valid model");
    let weights = model.operators[0].inputs[1] as usize;
    let quantization = model.tensors[weights].quantization.as_ref();
    assert_eq!(quantization.map(|q| q.quantized_dimension), Some(3));
    weights
}

/// Builds the corpus: (case name, bytes).
fn corpus(models: &Path) -> Vec<(String, Vec<u8>)> {
    let read = |name: &str| std::fs::read(models.join(format!("{name}.tflite"))).expect("model");
    let hello = read("hello_world_int8");
    let speech = read("micro_speech_quantized");
    let person = read("person_detect");
    let vww = read("vww_96_int8");
    let ok = |label: &str, mutation: Result<Vec<u8>, String>| {
        (
            label.to_string(),
            mutation.unwrap_or_else(|e| panic!("{label}: {e}")),
        )
    };
    vec![
        ("empty file".into(), vec![]),
        ("seven bytes".into(), hello[..7].to_vec()),
        (
            "wrong file identifier".into(),
            mutate::set_file_identifier(&hello, *b"TFL2"),
        ),
        ("truncated to 64 bytes".into(), hello[..64].to_vec()),
        (
            "truncated to half".into(),
            person[..person.len() / 2].to_vec(),
        ),
        (
            "truncated before the last 16 bytes".into(),
            speech[..speech.len() - 16].to_vec(),
        ),
        (
            "root offset beyond the end".into(),
            mutate::set_root_offset(&hello, 0x7fff_fff0),
        ),
        ok(
            "model vtable offset corrupted",
            mutate::set_vtable_offset(&hello, TableRef::Model, 0x4000_0000),
        ),
        ok(
            "operator vtable offset corrupted",
            mutate::set_vtable_offset(&speech, TableRef::Operator(1), -0x7000_0000),
        ),
        ok(
            "operator input index out of range",
            mutate::set_operator_input(&person, 3, 0, 999),
        ),
        ok(
            "operator output index out of range",
            mutate::set_operator_output(&speech, 2, 0, 5000),
        ),
        ok(
            "opcode index out of range",
            mutate::set_operator_opcode_index(&speech, 2, 77),
        ),
        ok(
            "subgraph input index out of range",
            mutate::set_subgraph_input(&hello, 0, 4096),
        ),
        ok(
            "subgraph output index out of range",
            mutate::set_subgraph_output(&vww, 0, -7),
        ),
        ok(
            "tensor buffer index out of range",
            mutate::set_tensor_buffer(&hello, 2, 9999),
        ),
        ok(
            "negative tensor dimension",
            mutate::set_tensor_dim(&speech, 0, 0, -3),
        ),
        ok(
            "depthwise weights quantized per channel along the wrong axis",
            mutate::set_quantized_dimension(&person, depthwise_weights(&person), 0),
        ),
        ok(
            "CONV_2D swapped for TANH",
            mutate::set_operator_builtin_code(&vww, 0, 28),
        ),
        ok(
            "FULLY_CONNECTED swapped for ELU",
            mutate::set_operator_builtin_code(&hello, 0, 111),
        ),
        ok(
            "DEPTHWISE_CONV_2D swapped for MUL",
            mutate::set_operator_builtin_code(&person, 0, 18),
        ),
        ok(
            "graph input is float32",
            mutate::set_tensor_type(&hello, 0, 0),
        ),
        ok(
            "weights are float32",
            mutate::set_tensor_type(&person, 0, 0),
        ),
        ok(
            "activation is int16",
            mutate::set_tensor_type(&speech, 3, 7),
        ),
        ok("bias is uint8", mutate::set_tensor_type(&hello, 1, 3)),
        ok(
            "inconsistent shape (output channels)",
            mutate::set_tensor_dim(&hello, 7, 1, 15),
        ),
    ]
}

#[test]
fn every_malformed_model_is_rejected_with_a_specific_message() {
    let Some(shared) = shared_dir() else { return };
    let dir = std::env::temp_dir().join(format!("tmlc-malformed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut report = String::new();
    let cases = corpus(&shared.join("models"));
    assert!(cases.len() >= 20);
    for (index, (name, bytes)) in cases.iter().enumerate() {
        let path = dir.join(format!("case{index:02}.tflite"));
        std::fs::write(&path, bytes).expect("write case");
        let mut stdin = || Ok(Vec::new());
        let result = tmlc::run_cli(["import".into(), path.display().to_string()], &mut stdin);
        let Err(failure) = result else {
            panic!("case {index} ({name}) was accepted");
        };
        assert_eq!(failure.exit_code, 1, "{name}: {}", failure.rendered);
        let message = failure
            .rendered
            .lines()
            .next()
            .unwrap_or_default()
            .to_string();
        assert!(message.starts_with("error[E40"), "{name}: {message}");
        report.push_str(&format!("{name}\n    {message}\n"));
    }
    let _ = std::fs::remove_dir_all(&dir);
    insta::assert_snapshot!(report);
}

/// `tmlc import --list-unsupported` names every operator that cannot be imported, not only the
/// first: in person_detect, turning the operator code that operator 28 uses (the one of its 14
/// 1x1 convolutions, operators 2, 4, ..., 28) into ELU and that of operator 30 (the softmax)
/// into SPACE_TO_DEPTH makes 15 operators unsupported, and all 15 are listed; the real model lists
/// none.
#[test]
fn list_unsupported_names_every_operator() {
    let Some(shared) = shared_dir() else { return };
    let person = std::fs::read(shared.join("models/person_detect.tflite")).expect("model");
    let mutated = mutate::set_operator_builtin_code(&person, 28, 111)
        .and_then(|bytes| mutate::set_operator_builtin_code(&bytes, 30, 26))
        .expect("mutates");
    let dir = std::env::temp_dir().join(format!("tmlc-list-unsupported-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("two_unsupported.tflite");
    std::fs::write(&path, mutated).expect("write");
    let list = |path: String| {
        let mut stdin = || Ok(Vec::new());
        tmlc::run_cli(
            ["import".into(), "--list-unsupported".into(), path],
            &mut stdin,
        )
    };
    let failure = list(path.display().to_string()).expect_err("two operators are unsupported");
    assert_eq!(failure.exit_code, 1);
    let errors: Vec<&str> = failure
        .rendered
        .lines()
        .filter(|l| l.starts_with("error["))
        .collect();
    let expected: Vec<String> = (2..=28)
        .step_by(2)
        .map(|i| format!("error[E402]: operator {i} (ELU): this operator is not supported by tmlc"))
        .chain([
            "error[E402]: operator 30 (SPACE_TO_DEPTH): this operator is not supported by tmlc"
                .into(),
        ])
        .collect();
    assert_eq!(errors, expected);
    assert!(failure
        .rendered
        .contains("15 of 31 operators cannot be imported"));
    let real = shared.join("models/person_detect.tflite");
    let ok = list(real.display().to_string()).expect("the real model imports");
    assert!(String::from_utf8_lossy(&ok.stdout).contains("every operator is supported"));
    let _ = std::fs::remove_dir_all(&dir);
}
