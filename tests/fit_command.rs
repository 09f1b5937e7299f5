//! `tmlc fit`: the answer on the bundled architecture (snapshotted), its agreement to the byte
//! with `tmlc mem` and `tmlc info` on the IR it builds, `--jsonl` (one answer per line, bad lines
//! answered with their error), and the rendered errors of bad descriptions.

use std::path::{Path, PathBuf};

fn example() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/mcunet_small.json")
        .display()
        .to_string()
}

fn try_run(args: &[&str], stdin: &str) -> Result<String, tmlc::Failure> {
    let bytes = stdin.as_bytes().to_vec();
    let mut stdin = move || Ok(bytes.clone());
    tmlc::run_cli(args.iter().map(|s| s.to_string()), &mut stdin)
        .map(|outcome| String::from_utf8(outcome.stdout).expect("UTF-8"))
}

fn run(args: &[&str]) -> String {
    try_run(args, "").unwrap_or_else(|f| panic!("tmlc {}: {}", args.join(" "), f.rendered))
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).expect("JSON")
}

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("tmlc-fit-{}-{name}", std::process::id()))
}

#[test]
fn answer_on_the_bundled_architecture() {
    insta::assert_snapshot!(run(&["fit", &example(), "--target", "cortex-m4"]));
}

/// A description at a resolution where `tile` puts a patch stage, with SAME padding.
fn tiled_architecture() -> String {
    let source = std::fs::read_to_string(example()).expect("example");
    let mut description = json(&source);
    description["resolution"] = 144.into();
    description["padding"] = "same".into();
    description["name"] = "tiled".into();
    description.to_string()
}

/// `fit`'s figures against `mem --json` and `info` on the IR it built, written as .tir text.
fn assert_agrees(architecture: &Path, target: &str) -> serde_json::Value {
    let architecture = architecture.display().to_string();
    let ir = temp(&format!("{target}.tir"));
    let ir_path = ir.display().to_string();
    let fit = json(&run(&[
        "fit",
        &architecture,
        "--target",
        target,
        "--json",
        "--emit-ir",
        &ir_path,
    ]));
    let mem = json(&run(&["mem", &ir_path, "--target", target, "--json"]));
    assert_eq!(fit["arena_bytes"], mem["arena_bytes"], "{target}: arena");
    assert_eq!(fit["lower_bound_bytes"], mem["lower_bound_bytes"]);
    let peak = mem["peak_op"].as_u64().expect("peak_op") as usize;
    assert_eq!(fit["peak_op"]["index"].as_u64(), Some(peak as u64));
    assert_eq!(fit["peak_op"]["op"], mem["ops"][peak]["op"]);
    assert_eq!(
        fit["peak_op"]["high_water_bytes"],
        mem["ops"][peak]["high_water"]
    );
    assert_eq!(fit["plan"], mem["plan"], "{target}: plan");
    assert_eq!(
        fit["layers"].as_u64(),
        mem["ops"].as_array().map(|o| o.len() as u64)
    );
    let info = run(&["info", &ir_path, "--target", target]);
    let flash = format!(
        "flash    {:>12} of",
        fit["flash_bytes"].as_u64().expect("flash")
    );
    assert!(info.contains(&flash), "{target}: `{flash}` in\n{info}");
    let sram = format!(
        "SRAM     {:>12} of",
        fit["sram_bytes"].as_u64().expect("sram")
    );
    assert!(info.contains(&sram), "{target}: `{sram}` in\n{info}");
    let macs = format!("MACs     {:>12}", fit["macs"].as_u64().expect("macs"));
    assert!(info.contains(&macs), "{target}: `{macs}` in\n{info}");
    let _ = std::fs::remove_file(&ir);
    fit
}

#[test]
fn agrees_to_the_byte_with_mem_and_info() {
    let example = PathBuf::from(example());
    for target in ["host", "cortex-m4", "cortex-m0plus"] {
        assert_agrees(&example, target);
    }
    let tiled = temp("tiled.json");
    std::fs::write(&tiled, tiled_architecture()).expect("write");
    let fit = assert_agrees(&tiled, "cortex-m4");
    let stages = fit["plan"]["patch_stages"].as_array().map_or(0, Vec::len);
    assert!(
        stages >= 1,
        "the tiled description gets a patch stage: {fit}"
    );
    assert_eq!(fit["peak_op"]["op"], "loop.patches");
    let _ = std::fs::remove_file(&tiled);
}

#[test]
fn jsonl_answers_every_line_and_reports_bad_ones() {
    let small = std::fs::read_to_string(example()).expect("example");
    let small = json(&small).to_string();
    let lines = format!(
        "{small}\n\n{}\n{{\"resolution\": 64, \"stem\": {{\"channels\": 8}}, \"blocks\": [{{\"kind\": \"fused\"}}]}}\n",
        tiled_architecture()
    );
    let answers = run_stdin(&["fit", "-", "--jsonl", "--target", "cortex-m4"], &lines);
    let answers: Vec<serde_json::Value> = answers.lines().map(json).collect();
    assert_eq!(answers.len(), 3, "one answer per non-blank line");
    let single = json(&run(&[
        "fit",
        &example(),
        "--target",
        "cortex-m4",
        "--json",
    ]));
    assert_eq!(answers[0], single, "a line answers what the file answers");
    assert_eq!(answers[1]["name"], "tiled");
    assert_eq!(answers[2]["line"], 4);
    let error = answers[2]["error"].as_str().expect("error");
    assert!(error.contains("unknown variant `fused`"), "{error}");
    assert!(
        answers[2]["rendered"]
            .as_str()
            .is_some_and(|r| r.contains("<stdin>:4:")),
        "{}",
        answers[2]
    );
}

fn run_stdin(args: &[&str], stdin: &str) -> String {
    try_run(args, stdin).unwrap_or_else(|f| panic!("tmlc {}: {}", args.join(" "), f.rendered))
}

#[test]
fn bad_descriptions_are_reported_with_their_position() {
    let cases = [
        ("syntax", "{\n  \"resolution\": 64\n  \"stem\": {}\n}\n"),
        (
            "unknown block kind",
            "{\n  \"resolution\": 64,\n  \"stem\": {\"channels\": 16},\n  \"blocks\": [\n    {\"kind\": \"fused_mbconv\", \"kernel\": 3, \"channels\": 16}\n  ]\n}\n",
        ),
        (
            "kernel size",
            "{\n  \"resolution\": 64,\n  \"stem\": {\"channels\": 16},\n  \"blocks\": [{\"kind\": \"mbconv\", \"kernel\": 4, \"channels\": 16}]\n}\n",
        ),
        (
            "unknown field",
            "{\"resolution\": 64, \"stem\": {\"channels\": 16}, \"blocks\": [], \"depth\": 3}\n",
        ),
        (
            "impossible skip",
            "{\"resolution\": 64, \"stem\": {\"channels\": 16}, \"blocks\": [{\"kind\": \"mbconv\", \"kernel\": 3, \"stride\": 2, \"channels\": 16, \"skip\": true}]}\n",
        ),
        (
            "resolution zero",
            "{\"resolution\": 0, \"stem\": {\"channels\": 16}, \"blocks\": []}\n",
        ),
        (
            "too many channels",
            "{\"resolution\": 1, \"width\": 4, \"stem\": {\"channels\": 4096}, \"blocks\": [{\"kind\": \"mbconv\", \"kernel\": 3, \"expand\": 4096, \"channels\": 8}]}\n",
        ),
        (
            "too many weights",
            "{\"resolution\": 1, \"width\": 4, \"stem\": {\"channels\": 4096}, \"blocks\": [{\"kind\": \"mbconv\", \"kernel\": 3, \"channels\": 4096}]}\n",
        ),
        (
            "width",
            "{\"resolution\": 64, \"width\": 0, \"stem\": {\"channels\": 16}, \"blocks\": []}\n",
        ),
    ];
    let mut rendered = String::new();
    for (what, source) in cases {
        let path = temp("bad.json");
        std::fs::write(&path, source).expect("write");
        let failure = try_run(&["fit", &path.display().to_string()], "").expect_err(what);
        assert_eq!(failure.exit_code, 1, "{what}: bad input exits 1");
        let text = failure
            .rendered
            .replace(&path.display().to_string(), "bad.json");
        rendered.push_str(&format!("--- {what}\n{text}"));
        let _ = std::fs::remove_file(&path);
    }
    insta::assert_snapshot!(rendered);
}

#[test]
fn space_step_keeps_the_fitting_samples_and_chooses_the_largest_mean() {
    let svg = temp("space.svg");
    let args = [
        "fit",
        "--space",
        "--target",
        "stm32f405",
        "--widths",
        "0.3,1.0",
        "--resolutions",
        "48,96",
        "--samples",
        "2",
        "--json",
        "--svg",
        &svg.display().to_string(),
    ];
    let report = json(&run(&args));
    let spaces = report["spaces"].as_array().expect("spaces");
    assert_eq!(spaces.len(), 4, "2 widths x 2 resolutions");
    let mut best: Option<(usize, f64)> = None;
    for (index, space) in spaces.iter().enumerate() {
        assert_eq!(space["sampled"], 2);
        let macs: Vec<u64> = space["fitting_macs"]
            .as_array()
            .expect("fitting_macs")
            .iter()
            .map(|m| m.as_u64().expect("MACs"))
            .collect();
        assert_eq!(space["fitting"].as_u64(), Some(macs.len() as u64));
        assert!(macs.windows(2).all(|w| w[0] <= w[1]), "ascending: {macs:?}");
        let mean = space["mean_macs"].as_f64().expect("mean");
        if !macs.is_empty() && best.is_none_or(|(_, m)| mean > m) {
            best = Some((index, mean));
        }
    }
    assert_eq!(
        report["chosen"].as_u64(),
        best.map(|(i, _)| i as u64),
        "{report}"
    );
    // Width 1.0 at 96x96 needs more flash than the 1 MB part has: not every space fits.
    assert!(
        spaces.iter().any(|s| s["fitting"] == 0) && best.is_some(),
        "{report}"
    );
    let picture = std::fs::read_to_string(&svg).expect("svg");
    let drawn = spaces.iter().filter(|s| s["fitting"] != 0).count();
    assert_eq!(picture.matches("<polyline").count(), drawn);
    assert!(picture.contains("(chosen)"));
    assert_eq!(json(&run(&args)), report, "the samples are seeded");
    let _ = std::fs::remove_file(&svg);
}

/// The example at another resolution, width and padding, written to a temporary file.
fn variant(name: &str, resolution: u64, width: f64, padding: &str) -> PathBuf {
    let source = std::fs::read_to_string(example()).expect("example");
    let mut description = json(&source);
    description["name"] = name.into();
    description["resolution"] = resolution.into();
    description["width"] = width.into();
    description["padding"] = padding.into();
    let path = temp(&format!("{name}.json"));
    std::fs::write(&path, description.to_string()).expect("write");
    path
}

#[test]
fn predicted_instructions_are_within_ten_percent_of_qemu() {
    if !tmlc_tests::tools::have("arm-none-eabi-gcc") || !tmlc_tests::tools::have("qemu-system-arm")
    {
        return;
    }
    for (name, resolution, width, padding) in [
        ("small", 64, 0.5, "explicit"),
        ("tiled", 144, 0.5, "same"),
        ("wide", 96, 1.0, "explicit"),
    ] {
        let architecture = variant(name, resolution, width, padding);
        let ir = temp(&format!("{name}.tir"));
        let fit = json(&run(&[
            "fit",
            &architecture.display().to_string(),
            "--target",
            "cortex-m4",
            "--json",
            "--emit-ir",
            &ir.display().to_string(),
        ]));
        let input = temp(&format!("{name}.bin"));
        let bytes = (resolution * resolution * 3) as usize;
        std::fs::write(
            &input,
            (0..bytes).map(|i| (i * 37 % 251) as u8).collect::<Vec<_>>(),
        )
        .expect("write");
        let sim = json(&run(&[
            "sim",
            &ir.display().to_string(),
            "--target",
            "cortex-m4",
            "--input",
            &input.display().to_string(),
            "--json",
        ]));
        assert_eq!(sim["arena_bytes"], fit["arena_bytes"], "{name}: arena");
        let predicted = fit["predicted_instructions"].as_f64().expect("predicted");
        let measured = sim["instructions"].as_f64().expect("instructions");
        let error = (predicted - measured).abs() / measured;
        assert!(
            error < 0.10,
            "{name}: predicted {predicted}, QEMU counted {measured} ({:.1}% off)",
            error * 100.0
        );
        for path in [architecture, ir, input] {
            let _ = std::fs::remove_file(path);
        }
    }
}
