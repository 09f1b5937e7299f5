//! `tmlc compile`: load, run the pipeline (ending with `alloc`), generate the project for a
//! target and write it to the output directory.

use crate::cli::CompileArgs;
use crate::input::{load_model, StdinReader};
use crate::{context, pass_registry, Failure, Outcome};
use tmlc_backends::backend_for;
use tmlc_backends::target::{lookup, targets};
use tmlc_core::diagnostic::{Diagnostic, ErrorCode};
use tmlc_core::pass::{parse_pipeline, PassManager};

/// The pipeline `tmlc compile` runs when none is given.
pub const DEFAULT_PIPELINE: &str = "canonicalize,schedule,inplace,alloc";

pub fn run(args: &CompileArgs, stdin: StdinReader) -> Result<Outcome, Failure> {
    let mut target = lookup(&args.target).ok_or_else(|| {
        let known: Vec<String> = targets().into_iter().map(|t| t.name).collect();
        Failure::message(
            Diagnostic::new(
                ErrorCode::InvalidArgument,
                format!(
                    "unknown target `{}` (known: {})",
                    args.target,
                    known.join(", ")
                ),
            )
            .render("<command line>", ""),
        )
    })?;
    target.sram_bytes = args.sram_bytes.unwrap_or(target.sram_bytes);
    target.flash_bytes = args.flash_bytes.unwrap_or(target.flash_bytes);
    let mut pipeline = args
        .pass_pipeline
        .clone()
        .unwrap_or(DEFAULT_PIPELINE.to_string());
    let render_pipeline =
        |d: Diagnostic, text: &str| Failure::message(d.render("<pass-pipeline>", text));
    let elements = parse_pipeline(&pipeline).map_err(|d| render_pipeline(d, &pipeline))?;
    if !elements.iter().any(|e| e.name == "alloc") {
        pipeline = if pipeline.trim().is_empty() {
            "alloc".into()
        } else {
            format!("{pipeline},alloc")
        };
    }
    let passes = pass_registry()
        .build_pipeline(&pipeline)
        .map_err(|d| render_pipeline(d, &pipeline))?;
    let mut loaded = load_model(&args.model, stdin)?;
    PassManager::new(passes)
        .run(&mut loaded.module, &context())
        .map_err(|d| loaded.failure(d))?;
    let project = backend_for(&target)
        .and_then(|backend| backend.generate(&loaded.module, &target))
        .map_err(|d| loaded.failure(d))?;
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
