//! `tmlc fit MODEL --resolutions`: a real model re-planned at other input resolutions. The table
//! on shared models (snapshotted), agreement at the model's own resolution with `tmlc fit` on
//! the model as it is and with `tmlc mem`, agreement of a re-shaped description with the
//! description built at that resolution, and the rendered errors (a model that is not fully
//! convolutional, a window that no longer fits, bad lists).

use std::path::{Path, PathBuf};
use tmlc_tests::shared::shared_dir;

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
    std::env::temp_dir().join(format!("tmlc-fit-res-{}-{name}", std::process::id()))
}

fn repo(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(path)
        .display()
        .to_string()
}

/// The table of a shared model at several resolutions, the model's path made relative.
fn table(shared: &Path, model: &str, resolutions: &str) -> String {
    let path = shared.join("models").join(format!("{model}.tflite"));
    let path = path.display().to_string();
    run(&[
        "fit",
        &path,
        "--target",
        "stm32f746g-disco",
        "--resolutions",
        resolutions,
    ])
    .replace(&path, &format!("{model}.tflite"))
}

#[test]
fn shared_models_at_other_resolutions() {
    let Some(shared) = shared_dir() else { return };
    let person = table(&shared, "person_detect", "64,96,128,160,192,224");
    insta::assert_snapshot!("person_detect", person);
    let vww = table(&shared, "mcunet_vww1_80", "80,96,128,144,160");
    assert!(vww.contains("largest that fits: 144x144"), "{vww}");
    insta::assert_snapshot!("mcunet_vww1_80", vww);
    // The detector upsamples to a fixed size: its first resize stops it.
    let detector = shared.join("models/mcunet_person_det_128x160.tflite");
    let failure = try_run(
        &[
            "fit",
            &detector.display().to_string(),
            "--resolutions",
            "128",
        ],
        "",
    )
    .expect_err("the detector is not fully convolutional");
    assert!(
        failure
            .rendered
            .starts_with("error[E402]: at 128x128: tinyml.resize_nearest_neighbor"),
        "{}",
        failure.rendered
    );
}

/// Every figure of two answers of `tmlc fit --json` that planning decides.
fn assert_same_plan(a: &serde_json::Value, b: &serde_json::Value, what: &str) {
    for field in [
        "arena_bytes",
        "sram_bytes",
        "flash_bytes",
        "macs",
        "predicted_instructions",
        "lower_bound_bytes",
        "layers",
        "peak_op",
        "plan",
        "fits",
    ] {
        assert_eq!(a[field], b[field], "{what}: {field}");
    }
}

#[test]
fn agrees_at_the_models_own_resolution() {
    let Some(shared) = shared_dir() else { return };
    for (model, own) in [("person_detect", "96"), ("mcunet_vww1_80", "80")] {
        let path = shared.join("models").join(format!("{model}.tflite"));
        let path = path.display().to_string();
        let target = ["--target", "stm32f746g-disco", "--json"];
        let mut args = vec!["fit", &path];
        args.extend(target);
        let as_is = json(&run(&args));
        args.extend(["--resolutions", own]);
        let replanned = json(&run(&args));
        let row = &replanned["resolutions"][0];
        assert_same_plan(&as_is["resolutions"][0], row, model);
        let mem = json(&run(&[
            "mem",
            &path,
            "--target",
            "stm32f746g-disco",
            "--json",
        ]));
        assert_eq!(
            row["arena_bytes"], mem["arena_bytes"],
            "{model}: mem's arena"
        );
        assert_eq!(row["plan"], mem["plan"], "{model}: mem's plan");
        let peak = mem["peak_op"].as_u64().expect("peak");
        assert_eq!(row["peak_op"]["index"].as_u64(), Some(peak), "{model}");
    }
}

/// A description's IR re-shaped to another resolution plans exactly as the description built
/// at that resolution (the builder's weights do not depend on the resolution): every shape
/// `--resolutions` derives, the global pooling of the head included, is the builder's.
#[test]
fn a_reshaped_description_plans_as_the_one_built_at_that_resolution() {
    let source = std::fs::read_to_string(repo("examples/mcunet_small.json")).expect("example");
    for (padding, resolution) in [("explicit", 96), ("same", 144), ("explicit", 40)] {
        let mut description = json(&source);
        description["padding"] = padding.into();
        let at_64 = temp(&format!("{padding}-64.json"));
        std::fs::write(&at_64, description.to_string()).expect("write");
        description["resolution"] = resolution.into();
        let at_r = temp(&format!("{padding}-{resolution}.json"));
        std::fs::write(&at_r, description.to_string()).expect("write");
        let ir = temp(&format!("{padding}-64.tir"));
        let (at_64, at_r, ir) = (
            at_64.display().to_string(),
            at_r.display().to_string(),
            ir.display().to_string(),
        );
        run(&["fit", &at_64, "--target", "cortex-m4", "--emit-ir", &ir]);
        let built = json(&run(&["fit", &at_r, "--target", "cortex-m4", "--json"]));
        let reshaped = json(&run(&[
            "fit",
            &ir,
            "--target",
            "cortex-m4",
            "--json",
            "--resolutions",
            &resolution.to_string(),
        ]));
        assert_eq!(reshaped["own_resolution"], serde_json::json!([64, 64]));
        let row = &reshaped["resolutions"][0];
        assert_eq!(
            row["resolution"],
            serde_json::json!([resolution, resolution])
        );
        assert_same_plan(&built, row, &format!("{padding} at {resolution}"));
        for path in [at_64, at_r, ir] {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// A classifier that flattens the feature map: fully convolutional only at its own resolution.
const FLATTENING: &str = "module @flattening {
  func @main(%image: tensor<1x4x4x1xi8, !q<0.0078125, -1>>) -> tensor<1x3xi8, !q<0.1, 3>> {
    %w = tinyml.const {value = @w} : tensor<2x3x3x1xi8, !q<[0.011, 0.012], axis = 0>>
    %0 = tinyml.conv2d %image, %w {act = relu6, dilation = [1, 1], padding = same, stride = [2, 2]} : tensor<1x2x2x2xi8, !q<0.023529412, -128>>
    %1 = tinyml.reshape %0 : tensor<1x8xi8, !q<0.023529412, -128>>
    %fc_w = tinyml.const {value = @fc_w} : tensor<3x8xi8, !q<0.015, 0>>
    %2 = tinyml.fully_connected %1, %fc_w {act = none} : tensor<1x3xi8, !q<0.1, 3>>
    return %2
  }
}
resources {
  w = \"0xF8CC0B4CB2B82FBE033BB427DCAFBC1511B7\",
  fc_w = \"0x45E701564C2DAD1DE54CB3CEC2051EE50731C038E5A9DD0E\"
}
";

#[test]
fn errors_are_rendered() {
    let mut rendered = String::new();
    let mut case = |what: &str, args: &[&str], stdin: &str, exit_code: i32| {
        let failure = try_run(args, stdin).expect_err(what);
        assert_eq!(failure.exit_code, exit_code, "{what}: {}", failure.rendered);
        rendered.push_str(&format!("--- {what}\n{}", failure.rendered));
    };
    let fit = |resolutions: &'static str| ["fit", "-", "--resolutions", resolutions];
    // As it is, the model plans; at another resolution the reshape stops it, at its line.
    run_ok_on_stdin(&["fit", "-", "--resolutions", "4"], FLATTENING);
    case("not fully convolutional", &fit("8"), FLATTENING, 1);
    // mini_net is fully convolutional (its average pooling is global), but at 2x2 its 3x3
    // valid depthwise window no longer fits: the verifier says so, at the op.
    let mini_net =
        std::fs::read_to_string(repo("tests/generated-c/mini_net.tir")).expect("mini_net");
    run_ok_on_stdin(&fit("16"), &mini_net);
    case("a window that no longer fits", &fit("2"), &mini_net, 1);
    let vector = "module @vector {\n  func @main(%x: tensor<1x4xi8, !q<0.5, 0>>) -> tensor<1x4xi8, !q<0.5, 0>> {\n    %0 = tinyml.relu %x : tensor<1x4xi8, !q<0.5, 0>>\n    return %0\n  }\n}\n";
    case("no image input", &fit("8"), vector, 1);
    case("resolution zero", &fit("0,96"), FLATTENING, 2);
    case("resolution too large", &fit("96,5000"), FLATTENING, 2);
    case("not a number", &fit("96,abc"), FLATTENING, 2);
    let example = repo("examples/mcunet_small.json");
    case(
        "a description",
        &["fit", &example, "--resolutions", "96"],
        "",
        2,
    );
    let rendered = rendered.replace(&example, "examples/mcunet_small.json");
    insta::assert_snapshot!(rendered);
}

fn run_ok_on_stdin(args: &[&str], stdin: &str) {
    if let Err(failure) = try_run(args, stdin) {
        panic!("tmlc {}: {}", args.join(" "), failure.rendered);
    }
}
