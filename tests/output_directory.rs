//! `tmlc compile` into a directory that already holds a project: the files the earlier
//! compilation wrote (listed in `.tmlc-files`) and the new one does not are removed, with the
//! directories that leaves empty; files tmlc did not write stay, and a list naming paths outside
//! the directory removes nothing there.

use std::path::{Path, PathBuf};

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tmlc-output-directory-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn compile(model: &Path, target: &str, out: &Path) {
    let mut stdin = || Ok(Vec::new());
    let args: Vec<String> = [
        "compile",
        &model.display().to_string(),
        "--target",
        target,
        "-o",
        &out.display().to_string(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if let Err(failure) = tmlc::run_cli(args, &mut stdin) {
        panic!("{}", failure.rendered);
    }
}

#[test]
fn a_second_model_replaces_the_first_models_files_only() {
    let dir = scratch();
    let out = dir.join("out");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    // mini_net on the Cortex-M4 has DSP kernels (runtime/src/arm/) and board files.
    compile(
        &repo.join("tests/generated-c/mini_net.tir"),
        "cortex-m4",
        &out,
    );
    assert!(out.join("mini_net.c").is_file());
    assert!(out.join("runtime/src/arm/conv2d_dsp.c").is_file());
    assert!(out.join("board/startup.c").is_file());
    std::fs::write(out.join("notes.txt"), "mine").expect("write");
    std::fs::create_dir_all(out.join("runtime/src/arm/mine")).expect("mkdir");
    std::fs::write(out.join("runtime/src/arm/mine/keep.c"), "mine").expect("write");
    // A tampered list naming something outside the directory.
    let outside = dir.join("outside.txt");
    std::fs::write(&outside, "outside").expect("write");
    let mut list = std::fs::read_to_string(out.join(".tmlc-files")).expect("file list");
    list.push_str("../outside.txt\n");
    std::fs::write(out.join(".tmlc-files"), list).expect("write");

    compile(&repo.join("examples/tiny_cnn.tir"), "host", &out);
    for stale in [
        "mini_net.c",
        "mini_net.h",
        "board/startup.c",
        "tmlc-project.json",
    ] {
        assert!(!out.join(stale).exists(), "{stale} was left behind");
    }
    assert!(
        !out.join("board").exists(),
        "the emptied board/ was left behind"
    );
    assert!(!out.join("runtime/src/arm/conv2d_dsp.c").exists());
    for kept in ["notes.txt", "runtime/src/arm/mine/keep.c"] {
        assert!(out.join(kept).is_file(), "{kept}, not tmlc's, was removed");
    }
    assert!(
        outside.is_file(),
        "a path outside the output directory was removed"
    );
    assert!(out.join("tiny_cnn.c").is_file());
    let list = std::fs::read_to_string(out.join(".tmlc-files")).expect("file list");
    assert!(list.lines().any(|l| l == "tiny_cnn.c"), "{list}");
    assert!(!list.contains("mini_net"), "{list}");
    let _ = std::fs::remove_dir_all(&dir);
}
