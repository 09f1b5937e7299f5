//! `tmlc info`: the model at a glance (edges, ops with counts and MACs, weights) and what the
//! default plan needs on a target, snapshotted on the bundled example for the host and a
//! Cortex-M target, and on a first-set model for a board it fits and one it does not.

use std::path::Path;
use tmlc_tests::shared::shared_dir;

fn info(model: &Path, target: &str) -> String {
    let mut stdin = || Ok(Vec::new());
    let args = [
        "info".to_string(),
        model.display().to_string(),
        "--target".into(),
        target.into(),
    ];
    let outcome = tmlc::run_cli(args, &mut stdin)
        .unwrap_or_else(|f| panic!("tmlc info {}: {}", model.display(), f.rendered));
    String::from_utf8(outcome.stdout).expect("UTF-8")
}

#[test]
fn the_example_on_the_host_and_a_cortex_m4() {
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/tiny_cnn.tir");
    let host = info(&model, "host");
    let m4 = info(&model, "cortex-m4");
    assert!(host.contains("fits the target"), "{host}");
    insta::assert_snapshot!(format!("{host}\n{m4}"));
}

#[test]
fn person_detect_fits_the_stm32f405_but_not_the_cortex_m0plus() {
    let Some(shared) = shared_dir() else { return };
    let model = shared.join("models/person_detect.tflite");
    let board = info(&model, "stm32f405");
    let small = info(&model, "cortex-m0plus");
    assert!(board.contains("  fits the target"), "{board}");
    assert!(small.contains("DOES NOT FIT"), "{small}");
    insta::assert_snapshot!(format!("{board}\n{small}"));
}
