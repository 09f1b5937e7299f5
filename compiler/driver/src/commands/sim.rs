//! `tmlc sim`: compile a model for a Cortex-M target (or take a project `tmlc compile` wrote),
//! build it with arm-none-eabi-gcc, run one inference in QEMU and report the output, the
//! instructions of the inference, RAM and flash, and with `--profile` the instructions of every
//! layer. The QEMU side lives in `tmlc_backends::cortex_m::qemu`.

use crate::cli::{CompileArgs, SimArgs};
use crate::commands::compile;
use crate::input::StdinReader;
use crate::{write_output, Failure, Outcome};
use std::fmt::Write;
use std::time::Duration;
use tmlc_backends::cortex_m::qemu::{self, Profile, ScratchDir, SimOptions, SimReport};
use tmlc_backends::target::lookup;
use tmlc_core::diagnostic::{Diagnostic, ErrorCode};

/// The target when neither `--target` nor a project names one.
pub const DEFAULT_TARGET: &str = "cortex-m4";

fn command_line_error(diagnostic: Diagnostic) -> Failure {
    Failure::message(diagnostic.render("<command line>", ""))
}

fn invalid(message: String) -> Failure {
    command_line_error(Diagnostic::new(ErrorCode::InvalidArgument, message))
}

/// The report as text.
fn render_text(report: &SimReport, show_output: bool) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{} on {} (QEMU {})",
        report.model, report.target, report.qemu_machine
    );
    if show_output {
        let values: Vec<String> = report.output.iter().map(|v| v.to_string()).collect();
        let _ = writeln!(text, "output: [{}]", values.join(", "));
    }
    let _ = writeln!(
        text,
        "instructions: {} (one inference, counted by QEMU; not cycles)",
        report.instructions
    );
    let state = if report.state_bytes > 0 {
        format!(", state {}", report.state_bytes)
    } else {
        String::new()
    };
    let _ = writeln!(
        text,
        "RAM: {} bytes = .data {} + .bss {} (arena {}{state}) + peak stack {}",
        report.ram_bytes,
        report.data_bytes,
        report.bss_bytes,
        report.arena_bytes,
        report.stack_peak_bytes
    );
    let _ = writeln!(
        text,
        "flash: {} bytes = text {} + rodata {} + .data {}",
        report.flash_bytes, report.text_bytes, report.rodata_bytes, report.data_bytes
    );
    if let Some(profile) = &report.profile {
        text.push_str(&render_profile(profile));
    }
    text
}

/// The per-layer table: one row per layer of the generated code, then the totals.
pub fn render_profile(profile: &Profile) -> String {
    let mut rows = vec![[
        "layer".to_string(),
        "op".to_string(),
        "shape".to_string(),
        "MACs".to_string(),
        "kernel".to_string(),
        "instructions".to_string(),
        "instr/MAC".to_string(),
        "share".to_string(),
    ]];
    let per_mac = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.2}"));
    for row in &profile.layers {
        let layer = &row.layer;
        let op = if layer.body.is_empty() {
            layer.op.clone()
        } else {
            format!("{}({} layers)", layer.op, layer.body.len())
        };
        rows.push([
            layer.index.to_string(),
            op,
            layer.shape_text(),
            layer.macs.to_string(),
            layer.kernel.clone(),
            row.instructions.to_string(),
            per_mac(row.instructions_per_mac),
            format!("{:.1}%", row.percent),
        ]);
        // A patch loop's body ops and copies, indented under it (all patches, halo included).
        for (k, part) in row.part_instructions.iter().enumerate() {
            let dims: Vec<String> = part.part.shape.iter().map(|d| d.to_string()).collect();
            rows.push([
                format!("{}.{k}", layer.index),
                format!("  {}", part.part.op),
                dims.join("x"),
                part.part.macs.to_string(),
                part.part.kernel.clone(),
                part.instructions.to_string(),
                per_mac(part.instructions_per_mac),
                format!("{:.1}%", part.percent),
            ]);
        }
        if let Some(copies) = row.copy_instructions {
            rows.push([
                format!("{}.-", layer.index),
                "  (patch copies, loop)".to_string(),
                String::new(),
                String::new(),
                String::new(),
                copies.to_string(),
                "-".to_string(),
                format!(
                    "{:.1}%",
                    100.0 * copies as f64 / profile.profile_instructions.max(1) as f64
                ),
            ]);
        }
    }
    let mut widths = [0usize; 8];
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.len());
        }
    }
    let mut text = String::from(
        "\nper-layer profile (profile build: every layer between two markers; a patch loop is one layer, its ops under it):\n",
    );
    for row in &rows {
        let mut line = String::new();
        for (column, (cell, width)) in row.iter().zip(widths).enumerate() {
            // Names left-aligned, numbers right-aligned.
            if matches!(column, 1 | 2 | 4) {
                let _ = write!(line, "{cell:<width$}  ");
            } else {
                let _ = write!(line, "{cell:>width$}  ");
            }
        }
        let _ = writeln!(text, "{}", line.trim_end());
    }
    let outside = profile
        .profile_instructions
        .saturating_sub(profile.layer_instructions);
    let _ = writeln!(
        text,
        "layers: {} instructions of the profile build's {} ({} outside the layers: the run function between them)",
        profile.layer_instructions, profile.profile_instructions, outside
    );
    text
}

pub fn run(args: &SimArgs, stdin: StdinReader) -> Result<Outcome, Failure> {
    let options = SimOptions {
        timeout: Duration::from_secs(args.timeout.max(1)),
        frames: args.frames as usize,
        profile: args.profile,
        ..SimOptions::default()
    };
    let input = std::fs::read(&args.input)
        .map_err(|e| Failure::io(format!("cannot read {}: {e}", args.input.display())))?;
    // Fail before compiling when the toolchain or QEMU is missing.
    qemu::check_tools(&options.tools).map_err(command_line_error)?;

    let scratch;
    let project = if args.model.is_dir() {
        if args.pass_pipeline.is_some() || args.build_dir.is_some() {
            return Err(invalid(format!(
                "{} is a compiled project: --pass-pipeline and --build-dir apply to model files",
                args.model.display()
            )));
        }
        let manifest = qemu::read_manifest(&args.model).map_err(command_line_error)?;
        if let Some(target) = args.target.as_ref().filter(|t| **t != manifest.target) {
            return Err(invalid(format!(
                "{} was compiled for {}, not {target}",
                args.model.display(),
                manifest.target
            )));
        }
        args.model.clone()
    } else {
        let target = args.target.as_deref().unwrap_or(DEFAULT_TARGET);
        if lookup(target).is_some_and(|t| t.qemu_machine.is_none()) {
            return Err(invalid(format!(
                "target {target} has no QEMU machine to simulate it; choose a target that names one (see `tmlc targets`)"
            )));
        }
        let dir = match &args.build_dir {
            Some(dir) => dir.clone(),
            None => {
                scratch = ScratchDir::new("sim").map_err(command_line_error)?;
                scratch.path().join("project")
            }
        };
        compile::run(
            &CompileArgs {
                model: args.model.clone(),
                target: target.to_string(),
                output: dir.clone(),
                pass_pipeline: args.pass_pipeline.clone(),
                plan: args.plan.clone(),
                flash_bytes: None,
                kernels: args.kernels,
                layout: crate::cli::Layout::Project,
            },
            stdin,
        )?;
        dir
    };

    let report = qemu::simulate(&project, &input, &options).map_err(command_line_error)?;
    let mut outcome = Outcome::default();
    if let Some(path) = &args.output {
        let bytes: Vec<u8> = report.output.iter().map(|&v| v as u8).collect();
        write_output(&mut outcome, Some(path), &bytes)?;
    }
    outcome.stdout = if args.json {
        let mut json = serde_json::to_string_pretty(&report)
            .map_err(|e| Failure::io(format!("cannot write the report: {e}")))?;
        json.push('\n');
        json.into_bytes()
    } else {
        render_text(&report, args.output.is_none()).into_bytes()
    };
    Ok(outcome)
}
