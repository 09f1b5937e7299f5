//! What the tflite tests share: finding `../shared` (the read-only models and reference data
//! beside the checkout) and loading its models. Each test crate uses a part of it.
#![allow(dead_code)]

use std::path::PathBuf;

/// The 7 real models in `shared/models`, without the `.tflite` extension.
pub const MODELS: [&str; 7] = [
    "person_detect",
    "vww_96_int8",
    "kws_ref_model",
    "pretrainedResnet_quant",
    "ad01_int8",
    "micro_speech_quantized",
    "hello_world_int8",
];

/// The shared folder: `$TMLC_SHARED`, by default `../shared` beside the workspace root. `None`,
/// after a loud message, when it is absent: the caller then skips its test.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("TMLC_SHARED") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    };
    if dir.join("models").is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED: shared data folder {} not found; set TMLC_SHARED",
            dir.display()
        );
        None
    }
}

/// The bytes of `shared/models/<name>.tflite`.
pub fn model_bytes(shared: &std::path::Path, name: &str) -> Vec<u8> {
    let path = shared.join("models").join(format!("{name}.tflite"));
    std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}
