//! State across invocations, against TFLite Micro: `tflm_mnist_lstm_int8` run twice in a row
//! (the ramp input, then rng42) without reset, as TFLite Micro's Python interpreter runs it (its
//! LSTM keeps the hidden and cell state in variable tensors from one invoke() to the next). The
//! expected bytes are TFLM's, made by `tests/lstm/make_sequence_golden.py`: both softmax outputs
//! and both LSTM outputs (tensor 23). Checked through `tmlc run --frames 2` (every LSTM output
//! too), the host C program (`model_run` on a two-frame file), a host program that calls
//! `tmlc_<model>_reset()` between sequences, and the Cortex-M4 program in QEMU. The hand-made
//! `examples/recurrent.tir` (two stacked LSTMs, time major and batch major) runs a three-frame
//! sequence in C as in the interpreter.

use std::path::{Path, PathBuf};
use std::process::Command;
use tmlc_tests::shared::shared_dir;
use tmlc_tests::tools::have;

const MODEL: &str = "tflm_mnist_lstm_int8";
const OUTPUT: &[u8] = include_bytes!("lstm/sequence.ramp_rng42.output.bin");
const LSTM: &[u8] = include_bytes!("lstm/sequence.ramp_rng42.lstm.bin");

fn tmlc(args: &[String]) -> tmlc::Outcome {
    let mut stdin = || Ok(Vec::new());
    tmlc::run_cli(args.to_vec(), &mut stdin)
        .unwrap_or_else(|f| panic!("tmlc {} failed:\n{}", args.join(" "), f.rendered))
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tmlc-lstm-seq-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// The model and a two-frame input file (ramp, then rng42), or `None` without ../shared.
fn setup(name: &str) -> Option<(PathBuf, PathBuf, PathBuf)> {
    let shared = shared_dir()?;
    let reference = shared.join("reference").join(MODEL);
    let dir = scratch(name);
    let mut frames = std::fs::read(reference.join("input.ramp.bin")).expect("ramp");
    frames.extend(std::fs::read(reference.join("input.rng42.bin")).expect("rng42"));
    let input = dir.join("ramp_rng42.bin");
    std::fs::write(&input, frames).expect("write frames");
    Some((
        shared.join("models").join(format!("{MODEL}.tflite")),
        input,
        dir,
    ))
}

fn path(p: &Path) -> String {
    p.display().to_string()
}

#[test]
fn the_golden_sequence_starts_from_the_one_invocation_golden() {
    let Some(shared) = shared_dir() else { return };
    let reference = shared.join("reference").join(MODEL);
    let ramp = std::fs::read(reference.join("output.ramp.bin")).expect("golden");
    let lstm = std::fs::read(reference.join("tensors/t23.bin")).expect("golden");
    assert_eq!(&OUTPUT[..10], &ramp[..]);
    assert_eq!(&LSTM[..560], &lstm[..]);
    assert_eq!(LSTM.len(), 2 * 560);
}

#[test]
fn interpreter_runs_the_sequence_bit_exact() {
    let Some((model, input, dir)) = setup("run") else {
        return;
    };
    let output = dir.join("out.bin");
    let dump = dir.join("dump");
    tmlc(&[
        "run".into(),
        path(&model),
        "--frames".into(),
        "2".into(),
        "--input".into(),
        path(&input),
        "--output".into(),
        path(&output),
        "--dump-dir".into(),
        path(&dump),
    ]);
    assert_eq!(std::fs::read(&output).expect("output"), OUTPUT);
    let mut lstm = std::fs::read(dump.join("0_lstm.bin")).expect("frame 0");
    lstm.extend(std::fs::read(dump.join("0_lstm.1.bin")).expect("frame 1"));
    assert_eq!(lstm, LSTM, "the LSTM's output tensor of both invocations");
    // Without the state carried over, the second invocation's LSTM output would be rng42's
    // from reset, which differs (the softmax happens to saturate to the same bytes).
    let Some(shared) = shared_dir() else { return };
    let fresh = dir.join("fresh");
    tmlc(&[
        "run".into(),
        path(&model),
        "--input".into(),
        path(&shared.join("reference").join(MODEL).join("input.rng42.bin")),
        "--output".into(),
        path(&dir.join("fresh.bin")),
        "--dump-dir".into(),
        path(&fresh),
    ]);
    let from_reset = std::fs::read(fresh.join("0_lstm.bin")).expect("fresh");
    assert_ne!(
        &LSTM[560..],
        &from_reset[..],
        "the second invocation sees the state"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A host program that runs the sequence, resets, and runs the ramp again: the reset must bring
/// back the first invocation's output.
const RESET_MAIN: &str = r#"#include <stdio.h>
#include <string.h>
#include "tflm_mnist_lstm_int8.h"

int main(int argc, char **argv) {
    static int8_t frames[2][TMLC_TFLM_MNIST_LSTM_INT8_INPUT_SIZE];
    int8_t out[3][TMLC_TFLM_MNIST_LSTM_INT8_OUTPUT_SIZE];
    FILE *file = argc == 2 ? fopen(argv[1], "rb") : NULL;
    if (file == NULL || fread(frames, 1, sizeof frames, file) != sizeof frames) {
        return 2;
    }
    fclose(file);
    tmlc_tflm_mnist_lstm_int8_invoke(frames[0], out[0]);
    tmlc_tflm_mnist_lstm_int8_invoke(frames[1], out[1]);
    tmlc_tflm_mnist_lstm_int8_reset();
    tmlc_tflm_mnist_lstm_int8_invoke(frames[0], out[2]);
    fwrite(out, 1, sizeof out, stdout);
    return 0;
}
"#;

#[test]
fn host_c_runs_the_sequence_and_resets() {
    if !have("make") || !have("cc") {
        return;
    }
    let Some((model, input, dir)) = setup("host") else {
        return;
    };
    let project = dir.join("project");
    tmlc(&[
        "compile".into(),
        path(&model),
        "--target".into(),
        "host".into(),
        "-o".into(),
        path(&project),
    ]);
    let build = Command::new("make")
        .arg("-s")
        .arg("-C")
        .arg(&project)
        .output()
        .expect("make");
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let run = Command::new(project.join("model_run"))
        .arg(&input)
        .output()
        .expect("model_run");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(run.stdout, OUTPUT, "model_run on two frames");

    std::fs::write(project.join("main.c"), RESET_MAIN).expect("reset harness");
    let build = Command::new("make")
        .arg("-s")
        .arg("-B")
        .arg("-C")
        .arg(&project)
        .output()
        .expect("make");
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let run = Command::new(project.join("model_run"))
        .arg(&input)
        .output()
        .expect("reset program");
    assert!(run.status.success());
    assert_eq!(&run.stdout[..20], OUTPUT, "invoke twice without reset");
    assert_eq!(
        &run.stdout[20..],
        &OUTPUT[..10],
        "reset restores the first invocation"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cortex_m4_runs_the_sequence_in_qemu() {
    if !["arm-none-eabi-gcc", "qemu-system-arm", "make"]
        .iter()
        .all(|tool| have(tool))
    {
        return;
    }
    let Some((model, input, dir)) = setup("qemu") else {
        return;
    };
    let outcome = tmlc(&[
        "sim".into(),
        path(&model),
        "--target".into(),
        "cortex-m4".into(),
        "--frames".into(),
        "2".into(),
        "--input".into(),
        path(&input),
        "--json".into(),
    ]);
    let report: serde_json::Value = serde_json::from_slice(&outcome.stdout).expect("json");
    let output: Vec<u8> = report["output"]
        .as_array()
        .expect("output")
        .iter()
        .map(|v| v.as_i64().expect("int") as i8 as u8)
        .collect();
    assert_eq!(output, OUTPUT);
    // Hidden (20 bytes) and cell (40) state plus the LSTM's work buffer (4 x 20 int16 and the
    // DSP kernel's widened input row and hidden state, 28 + 20 int16: 256), outside the arena.
    assert_eq!(report["state_bytes"].as_u64(), Some(316));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn stacked_lstms_carry_state_in_c_as_in_the_interpreter() {
    if !have("make") || !have("cc") {
        return;
    }
    let dir = scratch("recurrent");
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/recurrent.tir");
    // Three frames of 18 bytes, a different pattern each.
    let frames: Vec<u8> = (0..54u32).map(|i| (i * 37 + 11) as u8).collect();
    let input = dir.join("frames.bin");
    std::fs::write(&input, &frames).expect("frames");
    let expected = dir.join("expected.bin");
    tmlc(&[
        "run".into(),
        path(&model),
        "--frames".into(),
        "3".into(),
        "--input".into(),
        path(&input),
        "--output".into(),
        path(&expected),
    ]);
    let expected = std::fs::read(&expected).expect("expected");
    let project = dir.join("project");
    tmlc(&[
        "compile".into(),
        path(&model),
        "--target".into(),
        "host".into(),
        "-o".into(),
        path(&project),
    ]);
    let build = Command::new("make")
        .arg("-s")
        .arg("-C")
        .arg(&project)
        .output()
        .expect("make");
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let run = Command::new(project.join("model_run"))
        .arg(&input)
        .output()
        .expect("model_run");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(run.stdout, expected);
    // The frames differ from the same frames each from reset: the state is carried.
    let first_alone = dir.join("third.bin");
    std::fs::write(&first_alone, &frames[36..]).expect("third frame");
    let alone = Command::new(project.join("model_run"))
        .arg(&first_alone)
        .output()
        .expect("model_run");
    assert_ne!(
        alone.stdout,
        expected[36..],
        "the third frame sees the state"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
