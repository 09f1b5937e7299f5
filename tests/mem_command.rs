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

/// `--objective fast` takes the fastest plan that fits the SRAM with the least stack left: the
/// untiled arena when it fits (cortex-m4's 256 KB), and under a tighter `--sram-bytes` a patch
/// plan that fits it, whatever the default instruction budget; with the default objective the
/// arena is the smallest within that budget.
#[test]
fn objective_fast_fits_the_sram_budget() {
    use tmlc_tests::shared::shared_dir;
    let Some(shared) = shared_dir() else { return };
    let path = shared
        .join("models/vww_96_int8.tflite")
        .display()
        .to_string();
    let arena = |extra: &[&str]| -> (u64, bool) {
        let mut args = vec!["mem", &path, "--target", "cortex-m4", "--json"];
        args.extend_from_slice(extra);
        let json: serde_json::Value = serde_json::from_str(&run(&args)).expect("JSON");
        let tiled = json["plan"]["patch_stages"]
            .as_array()
            .is_some_and(|stages| !stages.is_empty());
        (json["arena_bytes"].as_u64().expect("arena_bytes"), tiled)
    };
    let (small, small_tiled) = arena(&[]);
    let (fast, fast_tiled) = arena(&["--objective", "fast"]);
    assert!(small_tiled && !fast_tiled, "small {small}, fast {fast}");
    assert!(
        fast > small,
        "untiled {fast} should exceed the small plan's {small}"
    );
    // A budget between the two: a plan fits it, though above the default instruction budget.
    let sram = small - 1 + tmlc_core::target::MIN_STACK_BYTES;
    let sram_text = sram.to_string();
    let (budgeted, budgeted_tiled) = arena(&["--objective", "fast", "--sram-bytes", &sram_text]);
    assert!(budgeted_tiled);
    assert!(
        budgeted + tmlc_core::target::MIN_STACK_BYTES <= sram,
        "{budgeted} + stack over {sram}"
    );
}
