//! The kernel library (`tmlc_tinyml::kernels`) against the C header it describes: the scratch
//! sizes the passes plan for the Arm DSP kernels must be exactly the macros of
//! `runtime-c/include/tmlc/kernels_arm.h`. A C program evaluates the macros over a grid of layer
//! shapes and prints them; the Rust formulas must print the same. A missing C compiler is a loud
//! skip (a failure under CI=true). Likewise the LSTM's work buffer (`TMLC_LSTM_S8_WORK`), the
//! Helium kernels' scratch (`runtime-c/include/tmlc/kernels_mve.h`), and the sigmoid table of
//! `runtime-c/src/lstm.c` must be `semantics::lstm::SIGMOID_TABLE`.

use std::fmt::Write;
use std::path::Path;
use std::process::Command;
use tmlc_tests::tools::have;
use tmlc_tinyml::kernels::{
    conv2d_1x1_dsp_scratch, conv2d_1x1_mve_scratch, conv2d_dsp_scratch, conv2d_mve_scratch,
    depthwise_dsp_scratch, depthwise_inplace_dsp_scratch, depthwise_mve_scratch, lstm_work_bytes,
};
use tmlc_tinyml::semantics::lstm::SIGMOID_TABLE;

/// Layer shapes: (in_c, k_h, k_w, stride_h, stride_w, dilation_h, dilation_w, out_h, out_w).
fn shapes() -> Vec<[usize; 9]> {
    let mut out = Vec::new();
    for in_c in [1, 3, 8, 13] {
        for (k_h, k_w) in [(1, 1), (3, 3), (5, 5), (7, 7), (10, 1), (1, 4)] {
            for (s_h, s_w) in [(1, 1), (2, 2), (1, 2)] {
                for (d_h, d_w) in [(1, 1), (2, 3)] {
                    for (out_h, out_w) in [(1, 1), (7, 5), (48, 48)] {
                        out.push([in_c, k_h, k_w, s_h, s_w, d_h, d_w, out_h, out_w]);
                    }
                }
            }
        }
    }
    out
}

fn rust_values() -> String {
    let mut out = String::new();
    for [in_c, k_h, k_w, s_h, s_w, d_h, d_w, out_h, out_w] in shapes() {
        let _ = writeln!(
            out,
            "{} {} {} {}",
            conv2d_1x1_dsp_scratch(in_c),
            conv2d_dsp_scratch(k_h, k_w, in_c),
            depthwise_dsp_scratch(in_c, [k_h, k_w], s_w, [d_h, d_w], out_w),
            depthwise_inplace_dsp_scratch([out_h, out_w], [k_h, k_w], [s_h, s_w], [d_h, d_w]),
        );
    }
    for (input, state) in lstm_depths() {
        let _ = writeln!(out, "{}", lstm_work_bytes(input, state));
    }
    out
}

/// (input depth, state depth) pairs for the LSTM's work buffer.
fn lstm_depths() -> Vec<(usize, usize)> {
    let depths = [1, 3, 4, 5, 20, 28, 127, 128];
    depths
        .iter()
        .flat_map(|&i| depths.iter().map(move |&s| (i, s)))
        .collect()
}

fn c_program() -> String {
    let mut rows = String::new();
    for [in_c, k_h, k_w, s_h, s_w, d_h, d_w, out_h, out_w] in shapes() {
        let _ = writeln!(
            rows,
            "    printf(\"%ld %ld %ld %ld\\n\", (long)TMLC_CONV2D_1X1_S8_DSP_SCRATCH({in_c}), \
             (long)TMLC_CONV2D_S8_DSP_SCRATCH({k_h}, {k_w}, {in_c}), \
             (long)TMLC_DEPTHWISE_CONV2D_S8_DSP_SCRATCH({in_c}, {k_h}, {k_w}, {s_w}, {d_h}, {d_w}, {out_w}), \
             (long)TMLC_DEPTHWISE_CONV2D_INPLACE_S8_DSP_SCRATCH({out_h}, {out_w}, {k_h}, {k_w}, {s_h}, {s_w}, {d_h}, {d_w}));"
        );
    }
    for (input, state) in lstm_depths() {
        let _ = writeln!(
            rows,
            "    printf(\"%ld\\n\", (long)TMLC_LSTM_S8_WORK({input}, {state}));"
        );
    }
    format!("#include <stdio.h>\n#include \"tmlc/kernels_arm.h\"\n\nint main(void) {{\n{rows}    return 0;\n}}\n")
}

/// The Helium kernels' scratch by the Rust formulas, one line per shape (out_c = 2 * in_c + 1).
fn rust_mve_values() -> String {
    let mut out = String::new();
    for [in_c, k_h, k_w, s_h, s_w, d_h, d_w, out_h, out_w] in shapes() {
        let out_c = 2 * in_c + 1;
        let _ = writeln!(
            out,
            "{} {} {}",
            conv2d_1x1_mve_scratch(out_c),
            conv2d_mve_scratch(k_h, k_w, in_c, out_c),
            depthwise_mve_scratch(
                in_c,
                out_c,
                [k_h, k_w],
                [s_h, s_w],
                [d_h, d_w],
                [out_h, out_w]
            ),
        );
    }
    out
}

fn c_mve_program() -> String {
    let mut rows = String::new();
    for [in_c, k_h, k_w, s_h, s_w, d_h, d_w, out_h, out_w] in shapes() {
        let out_c = 2 * in_c + 1;
        let _ = writeln!(
            rows,
            "    printf(\"%ld %ld %ld\\n\", (long)TMLC_CONV2D_1X1_S8_MVE_SCRATCH({out_c}), \
             (long)TMLC_CONV2D_S8_MVE_SCRATCH({k_h}, {k_w}, {in_c}, {out_c}), \
             (long)TMLC_DEPTHWISE_CONV2D_S8_MVE_SCRATCH({in_c}, {out_c}, {k_h}, {k_w}, {s_h}, {s_w}, {d_h}, {d_w}, {out_h}, {out_w}));"
        );
    }
    format!("#include <stdio.h>\n#include \"tmlc/kernels_mve.h\"\n\nint main(void) {{\n{rows}    return 0;\n}}\n")
}

/// Compiles and runs `program` against runtime-c's headers and returns what it prints (`None`:
/// no C compiler, a loud skip).
fn run_c(name: &str, program: &str) -> Option<String> {
    let include = Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime-c/include");
    let dir =
        std::env::temp_dir().join(format!("tmlc-kernel-library-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let source = dir.join("scratch.c");
    let binary = dir.join("scratch");
    std::fs::write(&source, program).expect("write the C program");
    if !have("cc") {
        return None;
    }
    let compiled = Command::new("cc")
        .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-I"])
        .arg(&include)
        .arg(&source)
        .arg("-o")
        .arg(&binary)
        .output()
        .expect("cc runs");
    assert!(
        compiled.status.success(),
        "{}",
        String::from_utf8_lossy(&compiled.stderr)
    );
    let run = Command::new(&binary).output().expect("run the C program");
    let _ = std::fs::remove_dir_all(&dir);
    Some(String::from_utf8_lossy(&run.stdout).into_owned())
}

#[test]
fn mve_scratch_sizes_match_the_c_header() {
    let Some(c_values) = run_c("mve", &c_mve_program()) else {
        return;
    };
    let rust = rust_mve_values();
    for (line, (c, r)) in c_values.lines().zip(rust.lines()).enumerate() {
        assert_eq!(c, r, "line {line}");
    }
    assert_eq!(c_values.lines().count(), shapes().len());
}

#[test]
fn dsp_scratch_sizes_match_the_c_header() {
    let include = Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime-c/include");
    let dir = std::env::temp_dir().join(format!("tmlc-kernel-library-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let source = dir.join("scratch.c");
    let program = dir.join("scratch");
    std::fs::write(&source, c_program()).expect("write the C program");
    if !have("cc") {
        return;
    }
    let compiled = Command::new("cc")
        .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-I"])
        .arg(&include)
        .arg(&source)
        .arg("-o")
        .arg(&program)
        .output()
        .expect("cc runs");
    assert!(
        compiled.status.success(),
        "{}",
        String::from_utf8_lossy(&compiled.stderr)
    );
    let run = Command::new(&program).output().expect("run the C program");
    let _ = std::fs::remove_dir_all(&dir);
    let c_values = String::from_utf8_lossy(&run.stdout);
    let rust = rust_values();
    for (line, (c, r)) in c_values.lines().zip(rust.lines()).enumerate() {
        assert_eq!(c, r, "line {line}");
    }
    assert_eq!(
        c_values.lines().count(),
        shapes().len() + lstm_depths().len()
    );
}

/// The C kernel's copy of TFLite's `sigmoid_table_uint16` is the Rust reference's, entry by entry.
#[test]
fn lstm_sigmoid_tables_agree() {
    let source = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime-c/src/lstm.c"),
    )
    .expect("lstm.c");
    let start = source
        .find("tmlc_sigmoid_table[256] = {")
        .expect("the table");
    let body = &source[start..];
    let body = &body[body.find('{').expect("{") + 1..body.find('}').expect("}")];
    let c: Vec<u16> = body
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| v.parse().expect("a number"))
        .collect();
    assert_eq!(c, SIGMOID_TABLE.to_vec());
}

/// Compiles `model` for cortex-m4 with `extra` arguments; returns the model's C.
fn compiled_c(model: &Path, name: &str, extra: &[&str]) -> String {
    let out = std::env::temp_dir().join(format!("tmlc-wide-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let mut args: Vec<String> = ["compile", "--target", "cortex-m4", "-o"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.push(out.display().to_string());
    args.push(model.display().to_string());
    args.extend(extra.iter().map(|s| s.to_string()));
    let mut stdin = || Ok(Vec::new());
    if let Err(failure) = tmlc::run_cli(args, &mut stdin) {
        panic!("{}", failure.rendered);
    }
    let stem = model
        .file_stem()
        .and_then(|s| s.to_str())
        .expect("model name");
    let c = std::fs::read_to_string(out.join(format!("{stem}.c"))).expect("model source");
    let _ = std::fs::remove_dir_all(&out);
    c
}

fn tiny_cnn_c(name: &str, extra: &[&str]) -> String {
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/tiny_cnn.tir");
    compiled_c(&model, name, extra)
}

/// Wide (int16) weights are chosen only where they pay and the flash allows: tiny_cnn's
/// fully-connected layer (16 MACs) would save under `WIDE_MIN_SAVING` instructions and keeps
/// the int8 kernel even with the cortex-m4's 1 MB; of ad01_int8's fully-connected layers (270 KB
/// of weights) all take the wide kernel with 1 MB of flash, fewer with 400,000 bytes (whose
/// three quarters hold only some of the wide weights beside the others) and none with 300,000.
#[test]
fn fully_connected_takes_int16_weights_only_when_the_flash_allows() {
    let c = tiny_cnn_c("default", &[]);
    assert!(c.contains("tmlc_fully_connected_s8_dsp("));
    assert!(!c.contains("tmlc_fully_connected_s8_dsp_wide("));
    assert!(c.contains("layer3_packed_weights[4]"));
    let Some(shared) = tmlc_tests::shared::shared_dir() else {
        return;
    };
    let model = shared.join("models/ad01_int8.tflite");
    let wide_calls = |flash: &str| {
        let c = compiled_c(&model, &format!("ad01-{flash}"), &["--flash-bytes", flash]);
        c.matches("tmlc_fully_connected_s8_dsp_wide(").count()
    };
    let (all, some, none) = (
        wide_calls("1048576"),
        wide_calls("400000"),
        wide_calls("300000"),
    );
    assert!(all > some && some > 0, "{all} {some}");
    assert_eq!(none, 0);
}
