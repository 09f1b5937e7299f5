//! Finding `../shared` (models, golden references) for tests: `TMLC_SHARED` or the folder beside
//! the checkout. When it is absent, tests say so loudly and skip; under `CI=true` they fail.

use std::path::PathBuf;

/// The shared folder, or `None` (after printing why) when it is absent outside CI.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("TMLC_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"));
    if dir.join("models").is_dir() {
        return Some(dir);
    }
    let message = format!(
        "SKIPPED: shared test data not found at {} (set TMLC_SHARED to the folder holding models/ and reference/)",
        dir.display()
    );
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{message}; CI must have it");
    }
    eprintln!("\n{}\n{message}\n{}\n", "=".repeat(80), "=".repeat(80));
    None
}

/// The seven models of ../shared/models, by file stem.
pub const MODELS: &[&str] = &[
    "hello_world_int8",
    "micro_speech_quantized",
    "ad01_int8",
    "kws_ref_model",
    "pretrainedResnet_quant",
    "person_detect",
    "vww_96_int8",
];

/// The models of the second set that tmlc compiles: float32 edges, several outputs, MCUNet's own
/// models, a PyTorch-style export and TFLite Micro's MNIST LSTM (state across invocations).
pub const SECOND_SET: &[&str] = &[
    "mcunet_vww1_80",
    "mcunet_person_det_128x160",
    "armzoo_ssd_mobilenet_v3_int8",
    "te_mnist_lenet_300_100",
    "tflm_mnist_lstm_int8",
];
