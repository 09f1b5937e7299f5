//! Robustness: 2,000 deterministic random byte mutations of each small real model, and every
//! truncation of the smallest, go through `read_model`. It must return (`Ok` or `Err`), never
//! panic; a panic fails the test.

mod common;

use tmlc_tflite::{mutate, read_model};

const MUTATIONS_PER_MODEL: u64 = 2_000;

#[test]
fn random_byte_mutations_never_panic() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    for name in ["hello_world_int8", "micro_speech_quantized"] {
        let model = common::model_bytes(&shared, name);
        let mut rejected = 0;
        for seed in 0..MUTATIONS_PER_MODEL {
            let count = 1 + (seed % 4) as usize;
            let mutated = mutate::mutate_random_bytes(&model, seed, count);
            if let Err(error) = read_model(&mutated) {
                assert!(!error.message().is_empty());
                rejected += 1;
            }
        }
        eprintln!("{name}: {rejected} of {MUTATIONS_PER_MODEL} mutations rejected");
        // Most mutations land in weights and are harmless; some must hit the structure.
        assert!(rejected > 0, "{name}: no mutation was rejected");
    }
}

#[test]
fn every_truncation_is_rejected_or_drops_only_unused_bytes() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    for name in ["hello_world_int8", "micro_speech_quantized"] {
        let model = common::model_bytes(&shared, name);
        let whole = read_model(&model).unwrap();
        for cut in 0..model.len() {
            if let Ok(read) = read_model(&model[..cut]) {
                assert_eq!(read, whole, "{name} cut at {cut} reads differently");
            }
        }
    }
}

#[test]
fn mutations_are_deterministic() {
    let bytes: Vec<u8> = (0..=255).collect();
    assert_eq!(
        mutate::mutate_random_bytes(&bytes, 7, 3),
        mutate::mutate_random_bytes(&bytes, 7, 3)
    );
    assert_ne!(mutate::mutate_random_bytes(&bytes, 7, 3), bytes);
    assert!(mutate::mutate_random_bytes(&[], 7, 3).is_empty());
}
