//! `tmlc compile` on bad requests: an op the backend cannot emit, a model larger than the
//! target's SRAM or flash (or, on a Cortex-M target, than its RAM with the least stack), an
//! unknown target, an unwritable output
//! directory. Each exits with a clear message (snapshotted together; status 1, or 2 for a usage
//! error such as an unknown target or pipeline), and leaves nothing in the output directory.

use std::path::{Path, PathBuf};

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tmlc-compile-errors-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/tiny_cnn.tir")
}

/// Runs `tmlc compile` expecting failure; returns the first line of the diagnostic plus notes.
fn failing(args: &[String]) -> String {
    let mut stdin = || Ok(Vec::new());
    let Err(failure) = tmlc::run_cli(args.to_vec(), &mut stdin) else {
        panic!("tmlc {} succeeded", args.join(" "));
    };
    assert!(
        failure.exit_code == 1 || failure.exit_code == 2,
        "{}",
        failure.rendered
    );
    let lines: Vec<&str> = failure
        .rendered
        .lines()
        .filter(|l| l.starts_with("error") || l.contains("┌─") || l.trim_start().starts_with("= "))
        .collect();
    format!("exit status {}\n{}", failure.exit_code, lines.join("\n"))
}

#[test]
fn bad_compilations_fail_cleanly() {
    let dir = scratch();
    let out = dir.join("out");
    let out_arg = out.display().to_string();
    let model = example().display().to_string();
    let mut report = String::new();
    let mut case = |name: &str, args: Vec<String>| {
        let message = failing(&args);
        assert!(!out.exists(), "{name}: the output directory was written");
        report.push_str(&format!("{name}\n{message}\n\n"));
    };
    let args = |extra: &[&str], model: &str| {
        let mut all = vec![
            "compile".to_string(),
            model.to_string(),
            "-o".into(),
            out_arg.clone(),
        ];
        all.extend(extra.iter().map(|s| s.to_string()));
        all
    };
    case(
        "arena larger than SRAM",
        args(&["--sram-bytes", "40"], &model),
    );
    case(
        "weights larger than flash",
        args(&["--flash-bytes", "50"], &model),
    );
    case("unknown target", args(&["--target", "avr"], &model));
    case(
        "weights larger than a Cortex-M target's flash",
        args(&["--target", "cortex-m4", "--flash-bytes", "50"], &model),
    );
    case(
        "arena and the least stack larger than a Cortex-M target's RAM",
        args(
            &["--target", "cortex-m0plus", "--sram-bytes", "4100"],
            &model,
        ),
    );
    // The arena (44 bytes) fits, but the LSTM's state section (124 bytes) lives beside it.
    let recurrent = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/recurrent.tir");
    case(
        "arena and the state section larger than SRAM",
        args(&["--sram-bytes", "100"], &recurrent.display().to_string()),
    );
    case(
        "bad pipeline",
        args(&["--pass-pipeline", "canonicalize,nope"], &model),
    );

    let concat = dir.join("concat_relu.tir");
    std::fs::write(
        &concat,
        "module @m {\n  func @main(%x: tensor<1x4xi8, !q<0.5, 0>>) -> tensor<1x8xi8, !q<0.5, 0>> {\n    \
         %0 = tinyml.concat %x, %x {act = relu, axis = 1} : tensor<1x8xi8, !q<0.5, 0>>\n    return %0\n  }\n}\n",
    )
    .expect("write");
    case(
        "op the backend cannot emit (concat with a fused relu)",
        args(&[], &concat.display().to_string()),
    );
    let mean = dir.join("mean_gap.tir");
    std::fs::write(
        &mean,
        "module @m {\n  func @main(%x: tensor<1x4x4x2xi8, !q<0.5, 0>>) -> tensor<4xi8, !q<0.5, 0>> {\n    \
         %0 = tinyml.mean %x {axes = [0, 3]} : tensor<4x4xi8, !q<0.5, 0>>\n    %1 = tinyml.reshape %0 : tensor<16xi8, !q<0.5, 0>>\n    \
         %2 = tinyml.mean %1 {axes = [0], keep_dims = true} : tensor<1xi8, !q<0.5, 0>>\n    \
         %3 = tinyml.concat %2, %2, %2, %2 {axis = 0} : tensor<4xi8, !q<0.5, 0>>\n    return %3\n  }\n}\n",
    )
    .expect("write");
    case(
        "op the backend cannot emit (mean over non-adjacent axes)",
        args(&[], &mean.display().to_string()),
    );

    // An output path below a regular file cannot be created.
    let file = dir.join("a_file");
    std::fs::write(&file, "x").expect("write");
    let below_file = file.join("out").display().to_string();
    let message = failing(&["compile".into(), model.clone(), "-o".into(), below_file]);
    report.push_str(&format!("unwritable output directory\n{message}\n"));
    let _ = std::fs::remove_dir_all(&dir);
    let filters = vec![
        (r"/[^ ]*tmlc-compile-errors-[0-9]+", "[scratch]"),
        (r"/[^ ]*/examples/", "[repo]/examples/"),
    ];
    insta::with_settings!({filters => filters}, {
        insta::assert_snapshot!(report);
    });
}
