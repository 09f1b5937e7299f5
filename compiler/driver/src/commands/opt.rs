//! `tmlc opt`: load, run a pass pipeline, print the IR.

use crate::cli::OptArgs;
use crate::input::{load_model, StdinReader};
use crate::{context, pass_registry, write_output, Failure, Outcome};
use std::fmt::Write;
use tmlc_core::pass::PassManager;
use tmlc_core::printer::print_module;

pub fn run(args: &OptArgs, stdin: StdinReader) -> Result<Outcome, Failure> {
    let registry = pass_registry();
    if args.list_passes {
        let mut out = String::from("Passes (use as --pass-pipeline=a,b{option=value}):\n");
        for pass in registry.passes() {
            let _ = writeln!(out, "  {:<14} {}", pass.name, pass.summary);
            for option in pass.options {
                let _ = writeln!(out, "      {:<12} {}", option.name, option.help);
            }
        }
        return Ok(Outcome::stdout(out));
    }
    let Some(input) = &args.input else {
        return Err(Failure::message("error: no input file".to_string()));
    };
    let target = crate::input::target(&args.target, crate::cli::Kernels::Auto)?;
    let passes = registry
        .build_pipeline(&args.pass_pipeline, &target)
        .map_err(|d| Failure::usage(d.render("<pass-pipeline>", &args.pass_pipeline)))?;
    let mut loaded = load_model(input, stdin)?;
    let mut manager = PassManager::new(passes);
    manager.verify_each = !args.no_verify_each;
    manager.print_ir_after_all = args.print_ir_after_all;
    let runs = manager
        .run(&mut loaded.module, &context())
        .map_err(|d| loaded.failure(d))?;
    let mut outcome = Outcome::default();
    for run in &runs {
        for line in &run.statistics {
            let _ = writeln!(outcome.stderr, "{line}");
        }
        if let Some(ir) = &run.ir_after {
            let _ = write!(
                outcome.stderr,
                "// -----// IR Dump After {} //----- //\n{ir}\n",
                run.pass
            );
        }
    }
    if args.timing {
        let total: f64 = runs.iter().map(|r| r.duration.as_secs_f64()).sum();
        let _ = writeln!(
            outcome.stderr,
            "Pass timing ({} passes, {:.3} ms total):",
            runs.len(),
            total * 1e3
        );
        for run in &runs {
            let _ = writeln!(
                outcome.stderr,
                "  {:>10.3} ms  {}{}",
                run.duration.as_secs_f64() * 1e3,
                run.pass,
                if run.changed { "" } else { "  (no change)" }
            );
        }
    }
    let printed = print_module(&loaded.module);
    write_output(&mut outcome, args.output.as_deref(), printed.as_bytes())?;
    Ok(outcome)
}
