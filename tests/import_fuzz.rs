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

/// Structured mutations of two small real models (truncated, bytes changed, a dimension made
/// huge or negative) go through every command that reads a model: `import`, `opt`, `mem`,
/// `compile` and `run`. Each ends in success or in exit status 1 with a coded diagnostic, never a
/// panic; and both outcomes occur.
#[test]
fn mutated_models_through_every_command() {
    let Some(shared) = shared_dir() else { return };
    let dir = std::env::temp_dir().join(format!("tmlc-fuzz-commands-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let (mut succeeded, mut failed) = (0, 0);
    for model in ["hello_world_int8", "micro_speech_quantized"] {
        let bytes =
            std::fs::read(shared.join("models").join(format!("{model}.tflite"))).expect("model");
        let input = shared.join("reference").join(model).join("input.ramp.bin");
        let tensors = tmlc_tflite::read_model(&bytes)
            .expect("valid")
            .tensors
            .len();
        for round in 0..32u64 {
            let mutated = match round % 4 {
                0 => bytes[..(bytes.len() as u64 * round / 32) as usize].to_vec(),
                1 => mutate_random_bytes(&bytes, round, 1 + round as usize % 8),
                _ => {
                    let value = [i32::MAX, 1 << 20, -1, 0][(round / 4 % 4) as usize];
                    let tensor = (round as usize * 7) % tensors;
                    tmlc_tflite::mutate::set_tensor_dim(&bytes, tensor, 0, value)
                        .unwrap_or_else(|_| mutate_random_bytes(&bytes, round, 2))
                }
            };
            let path = dir.join(format!("{model}-{round}.tflite"));
            std::fs::write(&path, &mutated).expect("write mutant");
            let path = path.display().to_string();
            let out = dir.join(format!("{model}-{round}-c")).display().to_string();
            let tir = dir
                .join(format!("{model}-{round}.tir"))
                .display()
                .to_string();
            let commands: [Vec<&str>; 5] = [
                vec!["import", &path, "-o", &tir],
                vec!["opt", &path],
                vec!["mem", &path],
                vec!["compile", &path, "-o", &out],
                vec!["run", &path, "--input", input.to_str().unwrap()],
            ];
            for args in commands {
                let mut stdin = || Ok(Vec::new());
                let result = catch_unwind(AssertUnwindSafe(|| {
                    tmlc::run_cli(args.iter().map(|a| a.to_string()), &mut stdin)
                }));
                match result {
                    Err(_) => panic!("{args:?} panicked"),
                    Ok(Ok(_)) => succeeded += 1,
                    Ok(Err(failure)) => {
                        assert_eq!(failure.exit_code, 1, "{args:?}: {}", failure.rendered);
                        assert!(
                            failure.rendered.contains("error["),
                            "{args:?}: no diagnostic code in {}",
                            failure.rendered
                        );
                        failed += 1;
                    }
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        succeeded >= 20 && failed >= 100,
        "{succeeded} succeeded, {failed} failed"
    );
}
