//! Robustness of the whole front end on damaged real models: random byte mutations of every
//! model in ../shared/models go through import, verification and (when they import) the
//! reference interpreter. Each must end in a model or a diagnostic, never a panic. The
//! mutations are deterministic, so how many mutants of each model import and how many are
//! rejected is snapshotted: an importer that starts accepting damaged models (a check removed)
//! or rejecting sound ones changes the counts.

use std::panic::{catch_unwind, AssertUnwindSafe};
use tmlc_tests::shared::{shared_dir, MODELS};
use tmlc_tflite::import::import_tflite;
use tmlc_tflite::mutate::mutate_random_bytes;
use tmlc_tinyml::interpreter::run;
use tmlc_tinyml::tensor::TensorData;

#[test]
fn mutated_models_never_panic() {
    let Some(shared) = shared_dir() else { return };
    let context = tmlc::context();
    let (mut imported, mut rejected) = (0, 0);
    let mut report = String::new();
    for (index, model) in MODELS.iter().enumerate() {
        let (imported_before, rejected_before) = (imported, rejected);
        let bytes =
            std::fs::read(shared.join("models").join(format!("{model}.tflite"))).expect("model");
        let rounds = if bytes.len() > 200_000 { 150 } else { 400 };
        for round in 0..rounds {
            let seed = (index as u64) << 32 | round as u64;
            let mutated = mutate_random_bytes(&bytes, seed, 1 + round % 4);
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                let Ok(result) = import_tflite(&mutated, model, &context) else {
                    return false;
                };
                let function = &result.module.functions[0];
                let inputs: Vec<TensorData> = function
                    .params
                    .iter()
                    .map(|&p| {
                        let ty = function.value_type(p);
                        let bytes: Vec<u8> =
                            (0..ty.byte_size()).map(|i| (i * 31 % 256) as u8).collect();
                        TensorData::from_bytes(ty, &bytes)
                    })
                    .collect();
                let _ = run(&result.module, &inputs, &mut |_, _, _| {});
                true
            }));
            match outcome {
                Ok(true) => imported += 1,
                Ok(false) => rejected += 1,
                Err(_) => panic!("{model}: mutation seed {seed:#x} panicked"),
            }
        }
        report += &format!(
            "{model}: {} imported and ran, {} rejected\n",
            imported - imported_before,
            rejected - rejected_before
        );
    }
    eprintln!("mutated models: {imported} imported and ran, {rejected} rejected with a diagnostic");
    assert!(imported > 0 && rejected > 0);
    insta::assert_snapshot!(report);
}
