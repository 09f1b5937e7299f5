//! `cargo run --release -p tmlc-tests --bin bench`: measures the front end and the interpreter
//! and rewrites docs/BENCHMARKS.md. Timings are medians of repeated runs on this machine;
//! nothing here is asserted by tests.

mod profile;

use std::fmt::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tmlc_core::attributes::{Attribute, Attributes};
use tmlc_core::ir::{Function, Module, RETURN_OP};
use tmlc_core::parser::parse_module;
use tmlc_core::printer::print_module;
use tmlc_core::types::{ElementType, TensorType};
use tmlc_core::verifier::verify_module;
use tmlc_tests::shared::{shared_dir, MODELS, SECOND_SET};
use tmlc_tflite::import::import_tflite;
use tmlc_tinyml::interpreter::run;

/// Median wall time of `runs` calls.
fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1e3)
}

/// A synthetic module of `layers` fully-connected 64x64 layers with their weights: about 8.3 KB
/// of text per layer.
fn synthetic_module(layers: usize) -> Module {
    let mut module = Module::new("synthetic");
    let mut function = Function::new("main");
    let ty = TensorType::i8(vec![1, 64], 0.05, -3);
    let mut value = function.add_param(ty.clone(), Some("input".into()));
    for layer in 0..layers {
        let weights: Vec<u8> = (0..64 * 64)
            .map(|i| ((i * 31 + layer * 7) % 251) as u8)
            .collect();
        let name = module.add_resource(&format!("w{layer}"), weights);
        let mut attributes = Attributes::new();
        attributes.insert("value".into(), Attribute::Symbol(name));
        let weight_ty = TensorType::i8(vec![64, 64], 0.01, 0);
        let constant = function.append_op("tinyml.const", vec![], attributes, vec![weight_ty]);
        let weight = function.ops[constant].results[0];
        let mut attributes = Attributes::new();
        attributes.insert("act".into(), Attribute::Keyword("relu".into()));
        let op = function.append_op(
            "tinyml.fully_connected",
            vec![value, weight],
            attributes,
            vec![ty.clone()],
        );
        value = function.ops[op].results[0];
    }
    function.result_types.push(TensorType::new(
        vec![1, 64],
        ElementType::I8,
        ty.quant.clone(),
    ));
    function.append_op(RETURN_OP, vec![value], Attributes::new(), vec![]);
    module.functions.push(function);
    module
}

/// Section sizes (`.text`, `.rodata`) of an object file, by `size -A`.
fn section_sizes(object: &std::path::Path) -> Option<(u64, u64)> {
    let output = std::process::Command::new("size")
        .arg("-A")
        .arg(object)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let section = |name: &str| -> u64 {
        text.lines()
            .filter(|l| {
                l.split_whitespace()
                    .next()
                    .is_some_and(|n| n == name || n.starts_with(&format!("{name}.")))
            })
            .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
            .sum()
    };
    Some((section(".text"), section(".rodata")))
}

/// One inference per model in QEMU on Cortex-M4 and M7, with the Arm DSP kernels and with the
/// portable ones, from `tmlc sim --json`; skipped when the Arm toolchain or QEMU is missing.
/// Whether the Arm toolchain and QEMU are installed (the Cortex-M sections need them).
fn have_cortex_m_tools() -> bool {
    ["arm-none-eabi-gcc", "qemu-system-arm"].iter().all(|tool| {
        std::process::Command::new(tool)
            .arg("--version")
            .output()
            .is_ok()
    })
}

/// `tmlc sim MODEL --target T --input IN --json [extra]`, parsed.
fn sim_json(
    model: &std::path::Path,
    target: &str,
    input: &std::path::Path,
    extra: &[String],
) -> serde_json::Value {
    let mut stdin = || Ok(Vec::new());
    let mut args = vec![
        "sim".to_string(),
        model.display().to_string(),
        "--target".into(),
        target.into(),
        "--input".into(),
        input.display().to_string(),
        "--json".into(),
    ];
    args.extend(extra.iter().cloned());
    let out = tmlc::run_cli(args, &mut stdin)
        .unwrap_or_else(|f| panic!("sim {}: {}", model.display(), f.rendered));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

fn cortex_m_section(shared: &std::path::Path, report: &mut String) {
    if !have_cortex_m_tools() {
        report.push_str("## Cortex-M in QEMU\n\nNot measured: arm-none-eabi-gcc or qemu-system-arm is missing.\n\n");
        return;
    }
    let _ = writeln!(
        report,
        "## Cortex-M in QEMU (instructions of one inference, ramp input)\n\n`tmlc sim --json` with the default pipeline: \
         *DSP* uses the Arm DSP kernel variants (`--kernels auto`, the default), *portable* the portable C \
         kernels (`--kernels portable`); both default pipelines tile the first layers within the cost model's 5% budget. Instructions are QEMU's count between the markers around one inference \
         (deterministic; not cycles). RAM = arena + .data + .bss rest + peak stack; flash = text + rodata + data; \
         code = text (generated code and runtime, without weights). Compile = `tmlc compile` to the project \
         (build and run not included). TFLite Micro + CMSIS-NN on the same QEMU machine (Cortex-M4) is \
         from the issue brief and ../shared/models/README.md (mcunet_vww1_80: TinyEngine needs 34.75 M instructions in its \
         float-requantization mode, not bit-exact, and 43.16 M in its exact integer mode).\n\n\
         | model | target | MACs | DSP instr | DSP instr/MAC | portable instr | portable instr/MAC | TFLM+CMSIS-NN | RAM DSP | RAM portable | flash DSP | code DSP | compile ms |\n\
         |---|---|---|---|---|---|---|---|---|---|---|---|---|"
    );
    let tflm = [
        ("person_detect", "22,928,452"),
        ("vww_96_int8", "24,101,939"),
        ("kws_ref_model", "7,697,392"),
        ("pretrainedResnet_quant", "29,864,320"),
        ("ad01_int8", "582,963"),
        ("micro_speech_quantized", "1,495,361"),
        ("mcunet_vww1_80", "48,601,229"),
    ];
    // The first set on both cores; the second set where the core's SRAM holds the arena (the
    // SSD, 320x320, is host only).
    let both: &[&str] = &["cortex-m4", "cortex-m7"];
    let runs = MODELS.iter().map(|&m| (m, both)).chain([
        ("mcunet_vww1_80", both),
        ("mcunet_person_det_128x160", &["cortex-m7"][..]),
        ("te_mnist_lenet_300_100", both),
        ("tflm_mnist_lstm_int8", both),
    ]);
    for (model, targets) in runs {
        let path = shared.join("models").join(format!("{model}.tflite"));
        let input = shared.join("reference").join(model).join("input.ramp.bin");
        let bytes = std::fs::read(&path).expect("model");
        let imported = import_tflite(&bytes, model, &tmlc::context()).expect("imports");
        let macs =
            tmlc_tinyml::macs::function_macs(&imported.module, &imported.module.functions[0]);
        for &target in targets {
            let sim = |kernels: &str| {
                sim_json(&path, target, &input, &["--kernels".into(), kernels.into()])
            };
            let (dsp, portable) = (sim("auto"), sim("portable"));
            let dir =
                std::env::temp_dir().join(format!("tmlc-bench-cm-{}-{model}", std::process::id()));
            let compile_args = [
                "compile".to_string(),
                path.display().to_string(),
                "--target".into(),
                target.into(),
                "-o".into(),
                dir.display().to_string(),
            ];
            let time = median(3, || {
                let mut stdin = || Ok(Vec::new());
                let _ = std::fs::remove_dir_all(&dir);
                tmlc::run_cli(compile_args.clone(), &mut stdin).expect("compiles");
            });
            let _ = std::fs::remove_dir_all(&dir);
            let instructions = |v: &serde_json::Value| v["instructions"].as_u64().unwrap_or(0);
            let per_mac = |v: &serde_json::Value| instructions(v) as f64 / macs.max(1) as f64;
            let theirs = if target == "cortex-m4" {
                tflm.iter()
                    .find(|(m, _)| *m == model)
                    .map_or("-", |(_, t)| *t)
            } else {
                "-"
            };
            let _ = writeln!(
                report,
                "| {model} | {target} | {macs} | {} | {:.2} | {} | {:.2} | {theirs} | {} | {} | {} | {} | {} |",
                instructions(&dsp),
                per_mac(&dsp),
                instructions(&portable),
                per_mac(&portable),
                dsp["ram_bytes"],
                portable["ram_bytes"],
                dsp["flash_bytes"],
                dsp["text_bytes"],
                ms(time)
            );
        }
    }
    report.push('\n');
    helium_section(shared, report);
    lstm_per_mac(shared, report);
    profile::profile_section(shared, report);
}

/// Cortex-M55: the Helium (MVE) kernels (the default there) against the Arm DSP ones
/// (`--kernels dsp`) and TFLite Micro + CMSIS-NN's MVE kernels on the same emulator.
fn helium_section(shared: &std::path::Path, report: &mut String) {
    let _ = writeln!(
        report,
        "### Cortex-M55: Helium (MVE) kernels\n\n`tmlc sim --json --target cortex-m55` (QEMU mps3-an547, \
         ramp input, bit-exact): *Helium* is the default (`--kernels auto`: the MVE variants, the Arm DSP \
         ones for the ops without an MVE kernel), *DSP* `--kernels dsp`. *fast* is `--objective fast` \
         (the fastest plan that fits the part's 512 KB: untiled here), *small* the default objective \
         (the smallest arena within +10% predicted instructions). TFLite Micro + CMSIS-NN with its MVE \
         kernels on the same machine is from issue 15; the goal there is at most 0.75x of it.\n\n\
         | model | MACs | Helium fast instr | instr/MAC | DSP fast instr | Helium/DSP | TFLM+CMSIS-NN MVE | Helium fast/TFLM | RAM Helium fast | Helium small instr | RAM Helium small |\n\
         |---|---|---|---|---|---|---|---|---|---|---|"
    );
    let tflm = [
        ("person_detect", 6_510_285u64),
        ("vww_96_int8", 6_560_469),
        ("kws_ref_model", 1_814_004),
        ("pretrainedResnet_quant", 4_911_913),
    ];
    for (model, theirs) in tflm {
        let path = shared.join("models").join(format!("{model}.tflite"));
        let input = shared.join("reference").join(model).join("input.ramp.bin");
        let bytes = std::fs::read(&path).expect("model");
        let imported = import_tflite(&bytes, model, &tmlc::context()).expect("imports");
        let macs =
            tmlc_tinyml::macs::function_macs(&imported.module, &imported.module.functions[0]);
        let sim = |kernels: &str, objective: &str| {
            sim_json(
                &path,
                "cortex-m55",
                &input,
                &[
                    "--kernels".into(),
                    kernels.into(),
                    "--objective".into(),
                    objective.into(),
                ],
            )
        };
        let (helium, dsp, small) = (
            sim("auto", "fast"),
            sim("dsp", "fast"),
            sim("auto", "small"),
        );
        let instructions = |v: &serde_json::Value| v["instructions"].as_u64().unwrap_or(0);
        let (h, d) = (instructions(&helium), instructions(&dsp));
        let _ = writeln!(
            report,
            "| {model} | {macs} | {h} | {:.2} | {d} | {:.2} | {theirs} | {:.2} | {} | {} | {} |",
            h as f64 / macs.max(1) as f64,
            h as f64 / d.max(1) as f64,
            h as f64 / theirs as f64,
            helium["ram_bytes"],
            instructions(&small),
            small["ram_bytes"],
        );
    }
    report.push('\n');
}

/// The MNIST LSTM's `tinyml.lstm` alone (the model cut after it), as `.tir` text, and its MACs.
fn lstm_alone(shared: &std::path::Path) -> (String, u64) {
    let model = "tflm_mnist_lstm_int8";
    let bytes =
        std::fs::read(shared.join("models").join(format!("{model}.tflite"))).expect("model");
    let mut module = import_tflite(&bytes, model, &tmlc::context())
        .expect("imports")
        .module;
    let function = &mut module.functions[0];
    let position = function
        .body
        .ops
        .iter()
        .position(|&op| function.ops[op].name == "tinyml.lstm")
        .expect("an LSTM");
    let lstm = function.body.ops[position];
    let ret = *function.body.ops.last().expect("return");
    let result = function.ops[lstm].results[0];
    function.body.ops.truncate(position + 1);
    function.body.ops.push(ret);
    function.ops[ret].operands = vec![result];
    function.result_types = vec![function.value_type(result).clone()];
    let macs = tmlc_tinyml::macs::function_macs(&module, &module.functions[0]);
    (print_module(&module), macs)
}

/// "LSTM instructions per MAC": the LSTM layer alone in QEMU, per target.
fn lstm_per_mac(shared: &std::path::Path, report: &mut String) {
    let (text, macs) = lstm_alone(shared);
    let dir = std::env::temp_dir().join(format!("tmlc-bench-lstm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch");
    let model = dir.join("lstm_alone.tir");
    std::fs::write(&model, text).expect("write");
    let input = shared
        .join("reference")
        .join("tflm_mnist_lstm_int8")
        .join("input.ramp.bin");
    let _ = writeln!(
        report,
        "LSTM instructions per MAC: the MNIST LSTM's UNIDIRECTIONAL_SEQUENCE_LSTM alone (the model \
         cut after it: 28 steps of 4 gates x (28 + 20) x 20, {macs} MACs), instructions of one \
         inference in QEMU with the Arm DSP kernel `tmlc_lstm_s8_dsp` (SMLAD gate products, the \
         default on these cores) and the portable `tmlc_lstm_s8` (`--kernels portable`):\n"
    );
    for target in ["cortex-m4", "cortex-m7"] {
        let sim = |kernels: &str| -> serde_json::Value {
            let mut stdin = || Ok(Vec::new());
            let args = [
                "sim".to_string(),
                model.display().to_string(),
                "--target".into(),
                target.into(),
                "--input".into(),
                input.display().to_string(),
                "--json".into(),
                "--kernels".into(),
                kernels.into(),
            ];
            let out = tmlc::run_cli(args, &mut stdin)
                .unwrap_or_else(|f| panic!("sim lstm: {}", f.rendered));
            serde_json::from_slice(&out.stdout).expect("JSON")
        };
        let (dsp, portable) = (sim("auto"), sim("portable"));
        let instructions = |v: &serde_json::Value| v["instructions"].as_u64().unwrap_or(0);
        let _ = writeln!(
            report,
            "- {target}: DSP {} instructions, {:.2} instructions per MAC; portable {} instructions, \
             {:.2} per MAC (state section {} bytes)",
            instructions(&dsp),
            instructions(&dsp) as f64 / macs.max(1) as f64,
            instructions(&portable),
            instructions(&portable) as f64 / macs.max(1) as f64,
            dsp["state_bytes"]
        );
    }
    report.push('\n');
    let _ = std::fs::remove_dir_all(&dir);
}

/// Per model on cortex-m4: RAM and instructions of the default plan, the smallest plan (tile
/// without the instruction budget) and the fastest (no tile), all with the DSP kernels.
fn plans_section(shared: &std::path::Path, report: &mut String) {
    if !have_cortex_m_tools() {
        report.push_str("## Plans on cortex-m4\n\nNot measured: arm-none-eabi-gcc or qemu-system-arm is missing.\n\n");
        return;
    }
    let _ = writeln!(
        report,
        "## Plans on cortex-m4: default, smallest, fastest (QEMU, ramp input, bit-exact)\n\n`tmlc sim --json`, DSP kernels. \
         *default*: the default pipeline (`tile` within a predicted +10% of instructions, each stage saving at least 1% of the arena per 1% of them); *smallest*: `tile{{cost-budget=1000}}` \
         (the smallest arena within 15% extra MACs); *fastest*: no `tile`. RAM = arena + .data + .bss rest + peak stack. \
         `+int8-edges`: the model's float edges replaced by their int8 view (the `int8-edges` pass first; TinyEngine's interface).\n\n\
         | model | default instr | default RAM | smallest instr | smallest RAM | fastest instr | fastest RAM |\n\
         |---|---|---|---|---|---|---|"
    );
    let runs = MODELS.iter().map(|&m| (m, false)).chain([
        ("mcunet_vww1_80", false),
        ("mcunet_vww1_80", true),
        ("te_mnist_lenet_300_100", false),
    ]);
    let base = "canonicalize,fuse,schedule";
    let tail = "inplace,select-kernels,alloc";
    for (model, int8_edges) in runs {
        let path = shared.join("models").join(format!("{model}.tflite"));
        let reference = shared.join("reference").join(model);
        let input = reference.join(if int8_edges {
            "input.ramp.int8.bin"
        } else {
            "input.ramp.bin"
        });
        let prefix = if int8_edges { "int8-edges," } else { "" };
        let sim = |tile: &str| {
            let pipeline = format!("--pass-pipeline={prefix}{base},{tile}{tail}");
            sim_json(&path, "cortex-m4", &input, &[pipeline])
        };
        let plans = [sim("tile,"), sim("tile{cost-budget=1000},"), sim("")];
        let name = if int8_edges {
            format!("{model} +int8-edges")
        } else {
            model.to_string()
        };
        let cells: Vec<String> = plans
            .iter()
            .map(|p| format!("{} | {}", p["instructions"], p["ram_bytes"]))
            .collect();
        let _ = writeln!(report, "| {name} | {} |", cells.join(" | "));
    }
    report.push('\n');
}

/// Arena and MACs per model with and without patch-based execution (`tile`, automatic plan).
fn tile_section(shared: &std::path::Path, report: &mut String) {
    let _ = writeln!(
        report,
        "## Patch-based execution (`tile`)\n\n`tmlc mem --json --pass-pipeline=canonicalize,fuse,schedule,tile,inplace,alloc`: \
         the automatic plan (smallest arena within 15% extra MACs of the whole network), against the same pipeline \
         without `tile`. Extra MACs are the halos the patches recompute; *streamed*: bands of full-width rows, each layer keeping the rows the next still reads (no halo recomputed). All bit-exact (tests/tile.rs).\n\n\
         | model | MACs | arena without tile | arena with tile | grid | extra MACs % |\n|---|---|---|---|---|---|"
    );
    for model in MODELS.iter().chain(SECOND_SET) {
        let path = shared.join("models").join(format!("{model}.tflite"));
        let mut stdin = || Ok(Vec::new());
        let args = [
            "mem".to_string(),
            path.display().to_string(),
            "--json".into(),
            "--pass-pipeline=canonicalize,fuse,schedule,tile,inplace,alloc".into(),
        ];
        let out = tmlc::run_cli(args, &mut stdin).expect("tmlc mem runs");
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        let bytes = std::fs::read(&path).expect("model");
        let module = import_tflite(&bytes, model, &tmlc::context())
            .expect("imports")
            .module;
        let macs = tmlc_tinyml::macs::function_macs(&module, &module.functions[0]);
        let opt = |pipeline: &str| -> tmlc_core::ir::Module {
            let mut stdin = || Ok(Vec::new());
            let args = [
                "opt".to_string(),
                path.display().to_string(),
                format!("--pass-pipeline={pipeline}"),
            ];
            let out = tmlc::run_cli(args, &mut stdin).expect("opt runs");
            tmlc_core::parser::parse_module(&String::from_utf8_lossy(&out.stdout)).expect("parses")
        };
        let tiled = opt("canonicalize,fuse,schedule,tile");
        let function = &tiled.functions[0];
        let patch_loop = function
            .body
            .ops
            .iter()
            .find(|&&op| function.ops[op].name == "loop.patches");
        let (grid, overhead) = match patch_loop {
            Some(&op) => (
                function.ops[op]
                    .attributes
                    .get("grid")
                    .map_or("-".to_string(), |g| g.to_string())
                    + if tmlc_loop::patches::loop_streams(function, op) {
                        " streamed"
                    } else {
                        ""
                    },
                function.ops[op]
                    .attributes
                    .get("mac_overhead_percent")
                    .map_or("-".to_string(), |g| g.to_string()),
            ),
            None => ("no plan beats untiled".to_string(), "0".to_string()),
        };
        let _ = writeln!(
            report,
            "| {model} | {macs} | {} | {} | {grid} | {overhead} |",
            json["arena_without_tile_bytes"]
                .as_u64()
                .or(json["arena_bytes"].as_u64())
                .unwrap_or(0),
            json["arena_bytes"],
        );
    }
    report.push('\n');
}

/// `tmlc arena` on MiniMalloc's hard instances (decision problem at capacity 1 MiB) and the
/// two real traces (minimization).
fn arena_section(shared: &std::path::Path, report: &mut String) {
    use tmlc_passes::arena::{self, csv, Goal, PlanOptions};
    let _ = writeln!(
        report,
        "## `tmlc arena` on the allocation benchmarks\n\nThe 11 challenging instances as the decision problem at \
         capacity 1,048,576 (stop at the first placement that fits); the real traces minimized. Time is the \
         planner's own (heuristics, exact search, checker), median of 3. MiniMalloc's times are from \
         ../shared/alloc-benchmarks/README.md (a 2-core machine like this one).\n\n\
         | instance | buffers | lower bound | TFLM greedy | peak | method | time s | MiniMalloc s |\n|---|---|---|---|---|---|---|---|"
    );
    let minimalloc = [
        ("A", "5.66"),
        ("B", "4.35"),
        ("C", "0.82"),
        ("D", "3.19"),
        ("E", "4.28"),
        ("F", "6.51"),
        ("G", "1.36"),
        ("H", "2.04"),
        ("I", "4.30"),
        ("J", "0.99"),
        ("K", "0.71"),
    ];
    let mut cases: Vec<(String, std::path::PathBuf, Option<u64>, &str)> = minimalloc
        .iter()
        .map(|(name, time)| {
            (
                name.to_string(),
                shared.join(format!("alloc-benchmarks/challenging/{name}.1048576.csv")),
                Some(1_048_576),
                *time,
            )
        })
        .collect();
    cases.push((
        "resnet50".into(),
        shared.join("alloc-benchmarks/real/resnet50.csv"),
        None,
        "0.8 (published)",
    ));
    cases.push((
        "G_1".into(),
        shared.join("alloc-benchmarks/real/G_1.csv"),
        None,
        "-",
    ));
    for (name, path, capacity, theirs) in cases {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let problem = csv::parse(&text).expect("benchmark parses");
        let options = PlanOptions {
            capacity,
            budget: Duration::from_secs(60),
            deadline: None,
            exact: true,
            goal: if capacity.is_some() {
                Goal::Fit
            } else {
                Goal::Minimize
            },
        };
        let mut result = None;
        let time = median(3, || {
            result = Some(arena::plan(&problem, &options).expect("plans"));
        });
        let plan = result.expect("ran");
        let _ = writeln!(
            report,
            "| {name} | {} | {} | {} | {} | {} | {:.3} | {theirs} |",
            problem.len(),
            plan.lower_bound,
            plan.tflm_peak.unwrap_or(0),
            plan.peak,
            plan.method,
            time.as_secs_f64()
        );
    }
    report.push('\n');
}

/// The arena of each model under three pipelines, from `tmlc mem --json`.
fn memory_section(shared: &std::path::Path, report: &mut String) {
    let _ = writeln!(
        report,
        "## Arena per model (bytes, scratch included)\n\nFrom `tmlc mem --json`. *Lower bound*: max over ops of the bytes live \
         with inputs and outputs disjoint (placement alone cannot beat it). *TFLM greedy*: TFLite Micro's planner \
         (size-descending first fit) on the same buffers. *Placement only*: `canonicalize,alloc{{overlap=false}}`. \
         *Default*: `canonicalize,fuse,schedule,tile,inplace,alloc` (patch-based first layers, in-place depthwise and \
         elementwise ops, outputs overlapping dying inputs row by row). TFLite Micro's published activation arena is from ../shared/models/README.md.\n\n\
         | model | lower bound | TFLM greedy | placement only | default | TFLite Micro arena | default / TFLite Micro | default pipeline ms |\n|---|---|---|---|---|---|---|---|"
    );
    let tflm = [
        ("person_detect", 55_296.0),
        ("vww_96_int8", 73_728.0),
        ("kws_ref_model", 16_000.0),
        ("pretrainedResnet_quant", 49_152.0),
        ("ad01_int8", 768.0),
        ("micro_speech_quantized", 5_968.0),
        ("hello_world_int8", 32.0),
    ];
    for model in MODELS.iter().chain(SECOND_SET) {
        let path = shared
            .join("models")
            .join(format!("{model}.tflite"))
            .display()
            .to_string();
        let mem = |pipeline: &str| -> serde_json::Value {
            let mut stdin = || Ok(Vec::new());
            let args = [
                "mem".to_string(),
                path.clone(),
                "--json".into(),
                format!("--pass-pipeline={pipeline}"),
            ];
            let out = tmlc::run_cli(args, &mut stdin).expect("tmlc mem runs");
            serde_json::from_slice(&out.stdout).expect("JSON")
        };
        let plain = mem("canonicalize,alloc{overlap=false}");
        let host = tmlc_backends::target::lookup("host").expect("the host target");
        let default = tmlc_passes::pipeline::default_pipeline_text(&host);
        let best = mem(&default);
        let time = median(5, || {
            mem(&default);
        });
        let published = tflm.iter().find(|(m, _)| m == model).map(|(_, b)| *b);
        let arena = best["arena_bytes"].as_f64().unwrap_or(0.0);
        let (published, ratio) = match published {
            Some(bytes) => (bytes.to_string(), format!("{:.2}", arena / bytes)),
            None => ("-".to_string(), "-".to_string()),
        };
        let _ = writeln!(
            report,
            "| {model} | {} | {} | {} | {} | {published} | {ratio} | {} |",
            plain["lower_bound_bytes"],
            plain["tflm_greedy_bytes"],
            plain["arena_bytes"],
            best["arena_bytes"],
            ms(time)
        );
    }
    report.push_str("\n(`default pipeline ms` includes import and the report.)\n\n");
}

/// `tmlc compile --target host` per model: time, generated C, and the compiled code size.
fn compile_section(shared: &std::path::Path, report: &mut String) {
    let _ = writeln!(
        report,
        "## `tmlc compile --target host` per model\n\nCompile = load the .tflite, run the default pipeline \
         (canonicalize,fuse,schedule,inplace,alloc), generate and write the project. `model .c` is the generated model source; code and \
         weights are the `.text` and `.rodata` of `model.c` plus the runtime kernels it uses, compiled by `gcc -O2` \
         for this x86_64 host (Cortex-M figures are in the next section).\n\n\
         | model | compile ms | model .c bytes | project files | code (.text) B | weights+tables (.rodata) B |\n|---|---|---|---|---|---|"
    );
    for model in MODELS.iter().chain(SECOND_SET) {
        let path = shared.join("models").join(format!("{model}.tflite"));
        let dir = std::env::temp_dir().join(format!("tmlc-bench-{}-{model}", std::process::id()));
        let args = [
            "compile".to_string(),
            path.display().to_string(),
            "-o".into(),
            dir.display().to_string(),
        ];
        let time = median(5, || {
            let mut stdin = || Ok(Vec::new());
            tmlc::run_cli(args.clone(), &mut stdin).expect("compiles");
        });
        let source: usize = std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "c") && !p.ends_with("main.c"))
            .filter_map(|p| std::fs::metadata(p).ok())
            .map(|m| m.len() as usize)
            .sum();
        let files = walk(&dir).len();
        let (mut text, mut rodata) = (0, 0);
        for c_file in walk(&dir)
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "c") && !p.ends_with("main.c"))
        {
            let object = c_file.with_extension("o");
            let built = std::process::Command::new("gcc")
                .args(["-O2", "-std=c99", "-c", "-I"])
                .arg(&dir)
                .arg("-I")
                .arg(dir.join("runtime/include"))
                .arg(&c_file)
                .arg("-o")
                .arg(&object)
                .status()
                .is_ok_and(|s| s.success());
            if let (true, Some((t, r))) = (built, section_sizes(&object)) {
                text += t;
                rodata += r;
            }
        }
        let _ = writeln!(
            report,
            "| {model} | {} | {source} | {files} | {text} | {rodata} |",
            ms(time)
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
    report.push('\n');
}

/// `ARCHITECTURES` descriptions of MCUNet size for the `fit --jsonl` throughput: samples of the
/// MCUNet / MobileNetV2 space (`tmlc fit --space`'s, 16-17 blocks) at widths 0.5-0.7 and
/// resolutions 128-176, with a 1280-channel final convolution and 1000 classes; one JSON line
/// each.
const ARCHITECTURES: usize = 1000;

fn fit_architectures() -> String {
    use tmlc::architecture::schema::{Block, PaddingStyle};
    let widths = [0.5, 0.6, 0.7];
    let resolutions = [128, 144, 160, 176];
    let mut out = String::new();
    for index in 0..ARCHITECTURES {
        let width = widths[index % widths.len()];
        let resolution = resolutions[(index / widths.len()) % resolutions.len()];
        let a = tmlc::architecture::space::sample(width, resolution, 0, index as u64);
        let blocks: Vec<serde_json::Value> = a
            .blocks
            .iter()
            .map(|block| match block {
                Block::Mbconv {
                    kernel,
                    expand,
                    stride,
                    channels,
                    ..
                } => serde_json::json!({
                    "kind": "mbconv", "kernel": kernel.0, "expand": expand.0,
                    "stride": stride.0, "channels": channels.0,
                }),
            })
            .collect();
        let description = serde_json::json!({
            "name": a.name,
            "resolution": a.resolution.0,
            "width": a.width,
            "padding": if a.padding == PaddingStyle::Same { "same" } else { "explicit" },
            "seed": a.seed,
            "stem": {"channels": a.stem.channels.0, "kernel": a.stem.kernel.0, "stride": a.stem.stride.0},
            "blocks": blocks,
            "head": {"channels": 1280, "classes": 1000},
        });
        out.push_str(&description.to_string());
        out.push('\n');
    }
    out
}

/// `tmlc fit --jsonl` on `ARCHITECTURES` descriptions (once: it takes tens of seconds), on one
/// thread and on the machine's cores.
fn fit_section(report: &mut String) {
    let input = std::env::temp_dir().join(format!("tmlc-bench-fit-{}.jsonl", std::process::id()));
    std::fs::write(&input, fit_architectures()).expect("temporary file");
    let target = "stm32f746g-disco";
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut rows = Vec::new();
    let mut answers = Vec::new();
    for jobs in [1, cores] {
        let args = [
            "fit".to_string(),
            input.display().to_string(),
            "--jsonl".to_string(),
            "--target".to_string(),
            target.to_string(),
            "--jobs".to_string(),
            jobs.to_string(),
        ];
        let start = Instant::now();
        let outcome = tmlc::run_cli(args, &mut || Ok(Vec::new())).expect("fit --jsonl runs");
        let wall = start.elapsed();
        let text = String::from_utf8(outcome.stdout).expect("UTF-8");
        let fitting = text.lines().filter(|l| l.contains("\"fits\":true")).count();
        let errors = text.lines().filter(|l| l.contains("\"error\"")).count();
        rows.push(format!(
            "| {jobs} | {:.1} | {:.1} | {fitting} | {errors} |",
            wall.as_secs_f64(),
            wall.as_secs_f64() * 1000.0 / ARCHITECTURES as f64
        ));
        answers.push(text);
    }
    let _ = std::fs::remove_file(&input);
    let _ = writeln!(
        report,
        "## `tmlc fit --jsonl` throughput\n\n{ARCHITECTURES} descriptions of MCUNet size (the \
         `--space` family at widths 0.5-0.7 and resolutions 128-176, a 1280-channel final \
         convolution, 1000 classes) answered on {target}, once per thread count; wall time. \
         Answers identical on one thread and on {cores}: {}.\n\n\
         | threads | seconds | ms per architecture | fit | errors |\n|---|---|---|---|---|\n{}\n",
        answers.windows(2).all(|w| w[0] == w[1]),
        rows.join("\n")
    );
}

fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn main() {
    // `bench --fit-architectures OUT.jsonl`: write the descriptions of the `fit --jsonl`
    // throughput entry and stop (to time the command by hand).
    let args: Vec<String> = std::env::args().collect();
    if let [_, flag, path] = args.as_slice() {
        if flag == "--fit-architectures" {
            std::fs::write(path, fit_architectures()).expect("writable");
            return;
        }
    }
    let context = tmlc::context();
    let mut report = String::from(
        "# Benchmarks\n\nWritten by `cargo run --release -p tmlc-tests --bin bench` (release build, \
         median of repeated runs, wall time on the machine named below). Timings vary between \
         machines; rerun the command to refresh them.\n\n",
    );
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let _ = writeln!(report, "Machine: {cpu}, {cores} cores.\n");

    // Front end on a 1 MB file.
    let module = synthetic_module(124);
    let text = print_module(&module);
    let parse = median(21, || {
        parse_module(&text).expect("synthetic module parses");
    });
    let parsed = parse_module(&text).expect("parses");
    let verify = median(21, || verify_module(&parsed, &context).expect("verifies"));
    let print = median(21, || {
        print_module(&parsed);
    });
    let _ = writeln!(
        report,
        "## Front end: parse, verify, print\n\nA synthetic `.tir` of {:.2} MB ({} ops, {} resources of 4 KB).\n\n\
         | step | median ms |\n|---|---|\n| parse | {} |\n| verify | {} |\n| print | {} |\n| parse + print | {} |\n",
        text.len() as f64 / 1e6,
        parsed.functions[0].body.ops.len(),
        parsed.resources.len(),
        ms(parse),
        ms(verify),
        ms(print),
        ms(parse + print)
    );
    fit_section(&mut report);

    // Import and interpretation per model.
    if let Some(shared) = shared_dir() {
        let _ = writeln!(
            report,
            "## Import and reference interpretation per model\n\n`import` = read the .tflite, build and verify tinyml IR; \
             `interpret` = one inference on the ramp input with the reference interpreter. MACs from ../shared/models/README.md \
             are not recomputed here.\n\n| model | .tflite bytes | .tir bytes | ops | import ms | interpret ms |\n|---|---|---|---|---|---|"
        );
        for model in MODELS.iter().chain(SECOND_SET) {
            let bytes = std::fs::read(shared.join("models").join(format!("{model}.tflite")))
                .expect("model");
            let raw = std::fs::read(shared.join("reference").join(model).join("input.ramp.bin"))
                .expect("input");
            let import = median(11, || {
                import_tflite(&bytes, model, &context).expect("imports");
            });
            let imported = import_tflite(&bytes, model, &context).expect("imports");
            let main = &imported.module.functions[0];
            let mut offset = 0;
            let inputs: Vec<tmlc_tinyml::tensor::TensorData> = main
                .params
                .iter()
                .map(|&p| {
                    let ty = main.value_type(p);
                    offset += ty.byte_size();
                    tmlc_tinyml::tensor::TensorData::from_bytes(
                        ty,
                        &raw[offset - ty.byte_size()..offset],
                    )
                })
                .collect();
            let runs = if bytes.len() > 200_000 { 5 } else { 11 };
            let interpret = median(runs, || {
                run(&imported.module, &inputs, &mut |_, _, _| {}).expect("runs");
            });
            let ops = imported.module.functions[0]
                .body
                .ops
                .iter()
                .filter(|&&op| {
                    let name = &imported.module.functions[0].ops[op].name;
                    name != "tinyml.const" && name != RETURN_OP
                })
                .count();
            let _ = writeln!(
                report,
                "| {model} | {} | {} | {ops} | {} | {} |",
                bytes.len(),
                print_module(&imported.module).len(),
                ms(import),
                ms(interpret)
            );
        }
        report.push('\n');
        memory_section(&shared, &mut report);
        tile_section(&shared, &mut report);
        arena_section(&shared, &mut report);
        compile_section(&shared, &mut report);
        plans_section(&shared, &mut report);
        cortex_m_section(&shared, &mut report);
    } else {
        report.push_str("## Import and reference interpretation per model\n\nNot measured: ../shared was not found.\n\n");
    }

    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/BENCHMARKS.md");
    std::fs::write(&path, &report).expect("docs/BENCHMARKS.md is writable");
    print!("{report}");
    eprintln!("wrote {}", path.display());
}
