//! The importer on UNIDIRECTIONAL_SEQUENCE_LSTM: the real MNIST LSTM imports (its state tensors
//! become the op's attributes), and the variants TFLite Micro's kernel refuses (peephole,
//! projection, layer normalization, CIFG, a cell activation other than TANH, per-channel weights,
//! an int8 cell state, state tensors that are not variables) are refused with E402 naming the operator and the reason. The variants
//! are the real model's `Model` (what the reader produces) with one thing changed.

use tmlc_core::diagnostic::ErrorCode;
use tmlc_tests::shared::shared_dir;
use tmlc_tflite::import::import_model;
use tmlc_tflite::model::{Activation, Model, Options, TensorType};
use tmlc_tflite::read_model;

fn model() -> Option<Model> {
    let shared = shared_dir()?;
    let bytes = std::fs::read(shared.join("models/tflm_mnist_lstm_int8.tflite")).expect("model");
    Some(read_model(&bytes).expect("reads"))
}

/// The rendered error of importing `model`, which must be refused as unsupported (E402).
fn refused(model: &Model) -> String {
    match import_model(model, "lstm", &tmlc::context()) {
        Ok(_) => panic!("the variant imported"),
        Err(diagnostic) => {
            assert_eq!(
                diagnostic.code,
                ErrorCode::UnsupportedModel,
                "{}",
                diagnostic.message
            );
            diagnostic.message
        }
    }
}

#[test]
fn the_mnist_lstm_imports_with_its_state_quantization() {
    let Some(model) = model() else { return };
    let imported = import_model(&model, "lstm", &tmlc::context()).expect("imports");
    let text = tmlc_core::printer::print_module(&imported.module);
    assert!(
        text.contains("cell_activation = tanh, cell_clip = 10.0, cell_scale = 0.00024414063, hidden_scale = 0.0078167925, hidden_zero_point = 0, time_major = false"),
        "{text}"
    );
}

#[test]
fn variants_tflite_micro_refuses_are_refused() {
    let Some(model) = model() else { return };
    let lstm = 0;
    let some_tensor = model.operators[lstm].inputs[12];
    for (position, what) in [
        (9, "peephole"),
        (16, "projection weights"),
        (20, "input layer normalization"),
    ] {
        let mut variant = model.clone();
        variant.operators[lstm].inputs[position] = some_tensor;
        let message = refused(&variant);
        assert!(
            message.starts_with("operator 0 (UNIDIRECTIONAL_SEQUENCE_LSTM): ")
                && message.contains(what)
                && message.contains("standard LSTM only"),
            "{message}"
        );
    }

    let mut cifg = model.clone();
    cifg.operators[lstm].inputs[1] = -1;
    assert!(refused(&cifg).contains("no CIFG"));

    let mut relu = model.clone();
    if let Options::UnidirectionalSequenceLstm { activation, .. } =
        &mut relu.operators[lstm].options
    {
        *activation = Activation::Relu;
    }
    assert!(refused(&relu).contains("cell activation Relu"));

    let mut not_variable = model.clone();
    let hidden = model.operators[lstm].inputs[18] as usize;
    not_variable.tensors[hidden].is_variable = false;
    assert!(refused(&not_variable).contains("must be a variable tensor"));

    let mut int8_cell = model.clone();
    let cell = model.operators[lstm].inputs[19] as usize;
    int8_cell.tensors[cell].dtype = TensorType::Int8;
    assert!(refused(&int8_cell).contains("int16 cell state"));

    let mut per_channel = model.clone();
    let weights = model.operators[lstm].inputs[2] as usize;
    let quant = per_channel.tensors[weights]
        .quantization
        .as_mut()
        .expect("quantized");
    quant.scales = vec![0.01; 20];
    quant.zero_points = vec![0; 20];
    let message = refused(&per_channel);
    assert!(message.contains("per channel"), "{message}");
}
