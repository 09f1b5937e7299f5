//! runtime-c's own C unit tests, run by the workspace test command: the portable kernels
//! (`make test`, `test-sanitize`) and the Arm DSP kernels against them, on the host with
//! emulated intrinsics (`test-arm`, `test-arm-sanitize`) and in QEMU with the real instructions
//! (`test-arm-qemu`); the Helium kernels against them in QEMU's Cortex-M55 (`test-mve-qemu`) and
//! their portable fallback on the host (`test-mve`). Missing tools are a loud skip (a failure
//! under CI=true).

use std::path::Path;
use std::process::Command;

fn make(target: &str) {
    make_expecting(target, "");
}

/// `make target`, which must succeed with no failure and print `expected`.
fn make_expecting(target: &str, expected: &str) {
    let runtime = Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime-c");
    let build = std::env::temp_dir().join(format!("tmlc-runtime-{}-{target}", std::process::id()));
    let output = match Command::new("make")
        .arg("-C")
        .arg(&runtime)
        .arg(target)
        .arg(format!("BUILD={}", build.display()))
        .output()
    {
        Ok(output) => output,
        Err(error) => {
            let message = format!("SKIPPED: cannot run make ({error})");
            assert!(
                std::env::var("CI").map_or(true, |v| v != "true"),
                "{message}; CI must have it"
            );
            eprintln!("\n{message}\n");
            return;
        }
    };
    let _ = std::fs::remove_dir_all(&build);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains(", 0 failures") && stdout.contains(expected),
        "make {target} failed:\n{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn kernel_unit_tests_pass() {
    make("test");
}

#[test]
fn kernel_unit_tests_pass_under_sanitizers() {
    make("test-sanitize");
}

#[test]
fn dsp_kernels_match_the_portable_ones_on_the_host() {
    make("test-arm");
    make("test-arm-sanitize");
}

#[test]
fn dsp_kernels_match_the_portable_ones_in_qemu() {
    let tools = ["arm-none-eabi-gcc", "qemu-system-arm"];
    if let Some(missing) = tools
        .iter()
        .find(|tool| Command::new(tool).arg("--version").output().is_err())
    {
        let message = format!("SKIPPED: `{missing}` is not installed (apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm)");
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "{message}; CI must have it"
        );
        eprintln!("\n{message}\n");
        return;
    }
    make("test-arm-qemu");
}

#[test]
fn mve_harness_runs_on_the_host() {
    make("test-mve");
}

#[test]
fn mve_kernels_match_the_portable_ones_in_qemu() {
    let tools = ["arm-none-eabi-gcc", "qemu-system-arm"];
    if let Some(missing) = tools
        .iter()
        .find(|tool| Command::new(tool).arg("--version").output().is_err())
    {
        let message = format!("SKIPPED: `{missing}` is not installed (apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm)");
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "{message}; CI must have it"
        );
        eprintln!("\n{message}\n");
        return;
    }
    // The vector code ran (not the portable fallback), and every comparison agreed.
    make_expecting("test-mve-qemu", "(MVE instructions): ");
}
