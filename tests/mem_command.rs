//! `tmlc mem`: the per-op table (snapshotted), the JSON report and the SVG picture, on the
//! bundled example.

use std::path::Path;

fn example() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/tiny_cnn.tir")
        .display()
        .to_string()
}

fn run(args: &[&str]) -> String {
    let mut stdin = || Ok(Vec::new());
    let outcome = tmlc::run_cli(args.iter().map(|s| s.to_string()), &mut stdin)
        .unwrap_or_else(|f| panic!("tmlc {}: {}", args.join(" "), f.rendered));
    String::from_utf8(outcome.stdout).expect("UTF-8")
}

#[test]
fn table_shows_every_op_and_the_summary() {
    let model = example();
    insta::assert_snapshot!(run(&["mem", &model]));
}

#[test]
fn json_has_the_figures_and_they_are_consistent() {
    let model = example();
    let json: serde_json::Value =
        serde_json::from_str(&run(&["mem", &model, "--json"])).expect("JSON");
    let arena = json["arena_bytes"].as_u64().expect("arena_bytes");
    let lower_bound = json["lower_bound_bytes"]
        .as_u64()
        .expect("lower_bound_bytes");
    let naive = json["naive_bytes"].as_u64().expect("naive_bytes");
    assert!(arena > 0 && arena <= lower_bound && lower_bound <= naive);
    let ops = json["ops"].as_array().expect("ops");
    assert_eq!(
        ops.len(),
        5,
        "five layers in the example once fuse folds the reshape into the fully-connected layer"
    );
    let peak = json["peak_op"].as_u64().expect("peak") as usize;
    assert_eq!(ops[peak]["high_water"].as_u64(), Some(arena));
    // Without overlapping placement the arena is back at the lower bound.
    let plain: serde_json::Value = serde_json::from_str(&run(&[
        "mem",
        &model,
        "--json",
        "--pass-pipeline=canonicalize,alloc{overlap=false}",
    ]))
    .expect("JSON");
    assert_eq!(plain["arena_bytes"].as_u64(), Some(lower_bound));
}

#[test]
fn svg_draws_every_buffer_and_marks_the_peak() {
    let model = example();
    let path = std::env::temp_dir().join(format!("tmlc-mem-{}.svg", std::process::id()));
    let json: serde_json::Value = serde_json::from_str(&run(&[
        "mem",
        &model,
        "--json",
        "--svg",
        &path.display().to_string(),
    ]))
    .expect("JSON");
    let svg = std::fs::read_to_string(&path).expect("SVG written");
    let _ = std::fs::remove_file(&path);
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    let buffers = json["buffers"].as_array().expect("buffers").len();
    assert_eq!(
        svg.matches("<title>").count(),
        buffers,
        "one rectangle per buffer"
    );
    assert!(svg.contains(">peak</text>"));
}

/// `tmlc mem --target T` reports the plan `tmlc compile --target T` builds: the same arena to the
/// byte (the `_ARENA_SIZE` macro of the generated header), on every shared model and on a DSP
/// target (tile, the DSP kernels' scratch) as well as on host.
#[test]
fn mem_and_compile_agree_on_the_arena_for_every_shared_model() {
    use tmlc_tests::shared::{shared_dir, MODELS, SECOND_SET};
    let Some(shared) = shared_dir() else { return };
    let out = std::env::temp_dir().join(format!("tmlc-mem-agree-{}", std::process::id()));
    for target in ["cortex-m4", "host"] {
        for model in MODELS.iter().chain(SECOND_SET) {
            let path = shared.join(format!("models/{model}.tflite"));
            let path = path.display().to_string();
            let json: serde_json::Value =
                serde_json::from_str(&run(&["mem", &path, "--target", target, "--json"]))
                    .expect("JSON");
            let reported = json["arena_bytes"].as_u64().expect("arena_bytes");
            let _ = std::fs::remove_dir_all(&out);
            let dir = out.display().to_string();
            let mut stdin = || Ok(Vec::new());
            let args = ["compile", &path, "--target", target, "-o", &dir];
            if let Err(failure) = tmlc::run_cli(args.iter().map(|s| s.to_string()), &mut stdin) {
                // A model the target cannot hold: mem must say the same arena does not fit.
                assert!(
                    failure.rendered.contains("bytes of SRAM"),
                    "{}",
                    failure.rendered
                );
                let sram = tmlc_backends::target::lookup(target)
                    .expect("target")
                    .memory
                    .sram_bytes;
                assert!(reported > sram, "{model} on {target}: {}", failure.rendered);
                continue;
            }
            let header = std::fs::read_dir(&out)
                .expect("output")
                .filter_map(Result::ok)
                .map(|e| e.path())
                .find(|p| p.extension().is_some_and(|e| e == "h"))
                .expect("a header");
            let text = std::fs::read_to_string(&header).expect("header");
            let built: u64 = text
                .lines()
                .find_map(|line| {
                    let rest = line.strip_prefix("#define ")?;
                    let (name, value) = rest.split_once(' ')?;
                    name.ends_with("_ARENA_SIZE")
                        .then(|| value.trim().parse().ok())?
                })
                .unwrap_or_else(|| panic!("{model}: no _ARENA_SIZE in {}", header.display()));
            assert_eq!(
                reported, built,
                "{model} on {target}: mem and compile disagree"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&out);
}
