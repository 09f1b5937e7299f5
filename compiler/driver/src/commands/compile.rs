//! `tmlc compile`: load, run the pipeline (ending with `alloc`), generate the project for a
//! target and write it to the output directory.

use crate::cli::{CompileArgs, Layout, Objective, PlanArgs};
use crate::input::{load_with_pipeline, planned_target, LoadedModel, StdinReader};
use crate::{Failure, Outcome};
use tmlc_backends::target::Target;
use tmlc_backends::{generate, GenerateOptions, LibraryLayout};
use tmlc_core::diagnostic::{Diagnostic, ErrorCode};
use tmlc_core::pass::parse_pipeline;
use tmlc_passes::memory_report::report;
use tmlc_passes::pipeline::pipeline_text;

/// Fails when the planned arena (with the state section of stateful ops, which lives beside
/// it) exceeds the target's SRAM, naming the op at the peak.
fn fit_check(loaded: &LoadedModel, target: &Target) -> Result<(), Failure> {
    for function in &loaded.module.functions {
        let report = report(&loaded.module, function).map_err(|d| loaded.failure(d))?;
        let state = report.state_section_bytes as u64;
        if report.arena_bytes as u64 + state <= target.memory.sram_bytes {
            continue;
        }
        let state_part = if state > 0 {
            format!(" and its state section {state} more")
        } else {
            String::new()
        };
        let mut diagnostic = Diagnostic::new(
            ErrorCode::PassFailed,
            format!(
                "the arena needs {} bytes of SRAM{state_part}, but {} has {}",
                report.arena_bytes, target.name, target.memory.sram_bytes
            ),
        );
        if let Some((layer, peak)) = report.peak_op.map(|i| (i, &report.ops[i])) {
            let op = function.body.ops[peak.time - 1];
            diagnostic = diagnostic
                .at(function.ops[op].span)
                .with_label("the arena peaks here")
                .with_note(format!(
                    "the peak is at layer {layer}, '{}' ({}): its live buffers take {} bytes, the arena's high-water mark is {} bytes",
                    peak.op, peak.result, peak.live_bytes, peak.high_water
                ));
        }
        return Err(loaded.failure(diagnostic.with_note(
            "what helps: the default pipeline's schedule, inplace and overlapping alloc; for the first layers of image models, patch-based execution (the default pipeline's `tile`; `--objective fast --sram-bytes N` takes the fastest plan that fits N bytes); `tmlc mem` shows where the bytes go",
        )));
    }
    Ok(())
}

/// The pipeline, with `alloc` appended when it does not plan memory itself.
pub fn with_alloc(pipeline: &str) -> Result<String, Failure> {
    let elements = parse_pipeline(pipeline)
        .map_err(|d| Failure::usage(d.render("<pass-pipeline>", pipeline)))?;
    Ok(if elements.iter().any(|e| e.name == "alloc") {
        pipeline.to_string()
    } else if pipeline.trim().is_empty() {
        "alloc".to_string()
    } else {
        format!("{pipeline},alloc")
    })
}

/// The pipeline a command runs: the one given (`alloc` appended when missing), or the target's
/// default for the plan's objective.
pub fn pipeline(
    given: &Option<String>,
    target: &Target,
    plan: &PlanArgs,
) -> Result<String, Failure> {
    match given {
        Some(pipeline) => with_alloc(pipeline),
        None => Ok(pipeline_text(
            target,
            match plan.objective {
                Objective::Small => tmlc_passes::pipeline::Objective::Small,
                Objective::Fast => tmlc_passes::pipeline::Objective::Fast,
            },
        )),
    }
}

pub fn run(args: &CompileArgs, stdin: StdinReader) -> Result<Outcome, Failure> {
    let mut target = planned_target(&args.target, args.kernels, &args.plan)?;
    let memory = &mut target.memory;
    memory.flash_bytes = args.flash_bytes.unwrap_or(memory.flash_bytes);
    let pipeline = pipeline(&args.pass_pipeline, &target, &args.plan)?;
    let loaded = load_with_pipeline(&args.model, &pipeline, &target, stdin)?;
    fit_check(&loaded, &target)?;
    let options = GenerateOptions {
        provenance: loaded.provenance.clone(),
        layout: match args.layout {
            Layout::Project => LibraryLayout::Project,
            Layout::Arduino => LibraryLayout::Arduino,
        },
    };
    let project = generate(&loaded.module, &target, &options).map_err(|d| loaded.failure(d))?;
    project
        .write_to(&args.output)
        .map_err(|d| loaded.failure(d))?;
    Ok(Outcome {
        stdout: Vec::new(),
        stderr: format!(
            "wrote {} files to {} (target {}, pipeline {pipeline})\n",
            project.files.len(),
            args.output.display(),
            target.name
        ),
    })
}
