//! `tmlc fit`: the exact memory and latency oracle for architecture search. An architecture
//! description (JSON, `architecture::schema`) is built as tinyml IR with synthetic weights, planned
//! by the target's default pipeline, and answered with the exact peak SRAM of the plan (arena and
//! the stack `compile` leaves), the flash, the MACs, the cost model's predicted instructions,
//! whether it fits, the op at the peak and the plan (patch stage, kernels). `--jsonl` answers one
//! JSON line per description line, for a search loop.

use super::mem::render_plan;
use crate::architecture::{build, locate, schema};
use crate::budget::{budget, Budget};
use crate::cli::FitArgs;
use crate::commands::compile::with_alloc;
use crate::input::{target, StdinReader};
use crate::{context, write_output, Failure, Outcome};
use serde::Serialize;
use std::fmt::Write;
use tmlc_core::diagnostic::{Diagnostic, ErrorCode};
use tmlc_core::ir::Module;
use tmlc_core::pass::PassManager;
use tmlc_core::target::Target;
use tmlc_core::verifier::verify_module;
use tmlc_passes::memory_report::{report, PlanSummary};
use tmlc_passes::pipeline::default_pipeline_text;

/// The op where the arena's high-water mark peaks.
#[derive(Debug, Clone, Serialize)]
pub struct PeakOp {
    /// Its index among the layers `tmlc mem` lists.
    pub index: usize,
    pub op: String,
    pub result: String,
    pub high_water_bytes: usize,
}

/// The answer for one architecture.
#[derive(Debug, Clone, Serialize)]
pub struct FitReport {
    pub name: String,
    pub target: String,
    pub resolution: usize,
    pub width: f64,
    #[serde(flatten)]
    pub planned: Planned,
}

/// What planning one module answers: its memory, flash, MACs, predicted instructions.
#[derive(Debug, Clone, Serialize)]
pub struct Planned {
    pub layers: usize,
    pub macs: u64,
    /// Bytes of the synthetic weights as built (before `fuse` folds or packs anything).
    pub weight_bytes: usize,
    #[serde(flatten)]
    pub budget: Budget,
    pub fits: bool,
    pub lower_bound_bytes: usize,
    pub predicted_instructions: u64,
    pub peak_op: Option<PeakOp>,
    pub plan: PlanSummary,
}

/// The description in `source` and the IR built from it (errors point at the JSON).
fn built(source: &str) -> Result<(schema::Architecture, Module), Diagnostic> {
    let architecture = schema::parse(source)?;
    let module = build::build(&architecture).map_err(|error| {
        let span = match error.part {
            build::Part::Stem => locate::field(source, "stem"),
            build::Part::Block(index) => locate::element(source, "blocks", index),
            build::Part::Head => locate::field(source, "head"),
        };
        match span {
            Some(span) => error.diagnostic.at(span),
            None => *error.diagnostic,
        }
    })?;
    Ok((architecture, module))
}

/// Everything one description needs: the target and its pipeline.
pub(crate) struct Oracle {
    pub target: Target,
    pub pipeline: String,
}

impl Oracle {
    /// Parses, builds, verifies and plans one description.
    fn fit(&self, source: &str) -> Result<FitReport, Diagnostic> {
        let (architecture, module) = built(source)?;
        self.plan(&architecture, module)
    }

    /// Builds, verifies and plans one architecture.
    pub(crate) fn fit_architecture(
        &self,
        architecture: &schema::Architecture,
    ) -> Result<FitReport, Diagnostic> {
        let module = build::build(architecture).map_err(|error| *error.diagnostic)?;
        self.plan(architecture, module)
    }

    /// Verifies and plans the module built from `architecture`.
    fn plan(
        &self,
        architecture: &schema::Architecture,
        module: Module,
    ) -> Result<FitReport, Diagnostic> {
        Ok(FitReport {
            name: architecture.name.clone(),
            target: self.target.name.clone(),
            resolution: architecture.resolution.0,
            width: architecture.width,
            planned: self.plan_module(module)?,
        })
    }

    /// Verifies and plans `module` (its first function) with the target's pipeline.
    pub(crate) fn plan_module(&self, mut module: Module) -> Result<Planned, Diagnostic> {
        let context = context();
        verify_module(&module, &context)?;
        let macs: u64 = module.functions[0]
            .body
            .ops
            .iter()
            .map(|&op| tmlc_tinyml::macs::op_macs(&module, &module.functions[0], op))
            .sum();
        let weight_bytes = module.resources.iter().map(|r| r.data.len()).sum();
        let passes = crate::pass_registry().build_pipeline(&self.pipeline, &self.target)?;
        PassManager::new(passes).run(&mut module, &context)?;
        let function = &module.functions[0];
        let memory = report(&module, function)?;
        let budget =
            budget(&module, &self.target).map_err(|m| Diagnostic::new(ErrorCode::PassFailed, m))?;
        let predicted = tmlc_passes::predicted::predicted_instructions(&module, function);
        let peak_op = memory.peak_op.map(|index| PeakOp {
            index,
            op: memory.ops[index].op.clone(),
            result: memory.ops[index].result.clone(),
            high_water_bytes: memory.ops[index].high_water,
        });
        Ok(Planned {
            layers: memory.ops.len(),
            macs,
            weight_bytes,
            fits: budget.fits(),
            budget,
            lower_bound_bytes: memory.lower_bound_bytes,
            predicted_instructions: predicted.round() as u64,
            peak_op,
            plan: memory.plan,
        })
    }
}

fn verdict(fits: bool) -> &'static str {
    if fits {
        "fits"
    } else {
        "DOES NOT FIT"
    }
}

/// The human-readable answer.
fn text(report: &FitReport, pipeline: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "architecture @{} at {}x{}, width {}, on target {} (pipeline {pipeline})",
        report.name, report.resolution, report.resolution, report.width, report.target
    );
    out.push_str(&planned_text(&report.planned));
    out
}

/// The lines of a planned module's answer.
pub(crate) fn planned_text(report: &Planned) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "  layers   {:>12}", report.layers);
    let _ = writeln!(out, "  MACs     {:>12}", report.macs);
    let _ = writeln!(
        out,
        "  predicted instructions {:>12} (cost model, kernels as selected)",
        report.predicted_instructions
    );
    let b = &report.budget;
    let _ = writeln!(
        out,
        "  arena    {:>12} bytes (lower bound without in-place or patches: {})",
        b.arena_bytes, report.lower_bound_bytes
    );
    let _ = writeln!(
        out,
        "  SRAM     {:>12} of {} bytes (arena + stack {}): {}",
        b.sram_bytes,
        b.sram_limit_bytes,
        b.stack_bytes,
        verdict(b.sram_fits)
    );
    match b.flash_bytes {
        Some(flash) => {
            let _ = writeln!(
                out,
                "  flash    {flash:>12} of {} bytes (weights and constant tables): {}",
                b.flash_limit_bytes,
                verdict(b.flash_fits)
            );
        }
        None => {
            let _ = writeln!(
                out,
                "  flash    unknown: {}",
                b.flash_error.as_deref().unwrap_or_default()
            );
        }
    }
    if let Some(peak) = &report.peak_op {
        let _ = writeln!(
            out,
            "  peak at layer {} ({} {}): {} bytes",
            peak.index,
            peak.op.trim_start_matches("tinyml."),
            peak.result,
            peak.high_water_bytes
        );
    }
    out.push_str(&render_plan(&report.plan));
    let _ = writeln!(
        out,
        "  {}",
        if report.fits {
            "fits the target"
        } else {
            "does not fit the target"
        }
    );
    out
}

fn read_input(path: &std::path::Path, stdin: StdinReader) -> Result<(String, String), Failure> {
    let file_name = path.display().to_string();
    let bytes = if file_name == "-" {
        stdin().map_err(|e| Failure::io(format!("cannot read standard input: {e}")))?
    } else {
        std::fs::read(path).map_err(|e| Failure::io(format!("cannot read {file_name}: {e}")))?
    };
    let file_name = if file_name == "-" {
        "<stdin>".to_string()
    } else {
        file_name
    };
    let source = String::from_utf8(bytes)
        .map_err(|_| Failure::message(format!("error[E401]: {file_name}: not UTF-8 text\n")))?;
    Ok((file_name, source))
}

/// The JSON line answering description line `index` (0-based) of the input.
fn answer_line(oracle: &Oracle, file_name: &str, index: usize, line: &str) -> String {
    match oracle.fit(line) {
        Ok(report) => serde_json::to_string(&report).unwrap_or_else(|e| {
            serde_json::json!({"line": index + 1, "error": format!("cannot encode the report: {e}")})
                .to_string()
        }),
        Err(diagnostic) => {
            // The diagnostic's line is the JSON line's: shift it to the file's.
            let rendered = diagnostic.render(file_name, line).replacen(
                &format!("{file_name}:1:"),
                &format!("{file_name}:{}:", index + 1),
                1,
            );
            serde_json::json!({
                "line": index + 1,
                "error": rendered.lines().next().unwrap_or_default(),
                "rendered": rendered,
            })
            .to_string()
        }
    }
}

/// `answer` of every item, in order, computed on `jobs` threads (each item independently).
pub(crate) fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    jobs: usize,
    answer: impl Fn(&T) -> R + Sync,
) -> Vec<Option<R>> {
    let jobs = jobs.clamp(1, items.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut answers: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..jobs)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let at = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(item) = items.get(at) else {
                            break done;
                        };
                        done.push((at, answer(item)));
                    }
                })
            })
            .collect();
        for worker in workers {
            for (at, result) in worker.join().unwrap_or_default() {
                answers[at] = Some(result);
            }
        }
    });
    answers
}

/// The threads to use: `--jobs`, or the machine's cores.
pub(crate) fn jobs(requested: Option<u64>) -> usize {
    requested.map_or_else(
        || std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
        |j| j as usize,
    )
}

/// One JSON line per description line (blank lines skipped), in input order; a bad line answers
/// `{"line": N, "error": "..."}` and the others go on. Lines are answered on `jobs` threads.
fn jsonl(oracle: &Oracle, file_name: &str, source: &str, jobs: usize) -> String {
    let lines: Vec<(usize, &str)> = source
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .collect();
    let answers = parallel_map(&lines, jobs, |&(index, line)| {
        answer_line(oracle, file_name, index, line)
    });
    let mut out = String::new();
    for (answer, (index, _)) in answers.into_iter().zip(&lines) {
        out.push_str(&answer.unwrap_or_else(|| {
            serde_json::json!({"line": index + 1, "error": "the worker answering it failed"})
                .to_string()
        }));
        out.push('\n');
    }
    out
}

pub fn run(args: &FitArgs, stdin: StdinReader) -> Result<Outcome, Failure> {
    let target = target(&args.target, args.kernels)?;
    let pipeline = match &args.pass_pipeline {
        Some(pipeline) => with_alloc(pipeline)?,
        None => default_pipeline_text(&target),
    };
    // A bad pipeline is a usage error, found before any description is read.
    crate::pass_registry()
        .build_pipeline(&pipeline, &target)
        .map_err(|d| Failure::usage(d.render("<pass-pipeline>", &pipeline)))?;
    let oracle = Oracle { target, pipeline };
    let Some(architecture) = &args.architecture else {
        return crate::commands::fit_space::run(args, &oracle);
    };
    if !args.resolutions.is_empty() || crate::commands::fit_model::is_model(architecture) {
        return crate::commands::fit_model::run(args, &oracle, architecture, stdin);
    }
    let (file_name, source) = read_input(architecture, stdin)?;
    let mut outcome = Outcome::default();
    if args.jsonl {
        let text = jsonl(&oracle, &file_name, &source, jobs(args.jobs));
        write_output(&mut outcome, None, text.as_bytes())?;
        return Ok(outcome);
    }
    let report = oracle
        .fit(&source)
        .map_err(|d| Failure::message(d.render(&file_name, &source)))?;
    if let Some(path) = &args.emit_ir {
        let (_, module) =
            built(&source).map_err(|d| Failure::message(d.render(&file_name, &source)))?;
        let ir = tmlc_core::printer::print_module(&module);
        std::fs::write(path, ir)
            .map_err(|e| Failure::io(format!("cannot write {}: {e}", path.display())))?;
    }
    let text = if args.json {
        serde_json::to_string_pretty(&report)
            .map_err(|e| Failure::io(format!("cannot encode the report: {e}")))?
            + "\n"
    } else {
        text(&report, &oracle.pipeline)
    };
    write_output(&mut outcome, None, text.as_bytes())?;
    Ok(outcome)
}
