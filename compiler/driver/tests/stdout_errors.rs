//! The `tmlc` binary reports a failed write to standard output (a full disk, a closed pipe)
//! instead of exiting 0 with the output lost.

use std::process::{Command, Stdio};

#[test]
fn a_full_standard_output_is_an_error() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        eprintln!("SKIPPED: /dev/full is not available here");
        return;
    };
    let output = Command::new(env!("CARGO_BIN_EXE_tmlc"))
        .arg("targets")
        .stdout(Stdio::from(full))
        .output()
        .expect("tmlc runs");
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("cannot write to standard output"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
