//! `tmlc mem`: run the pipeline (planning memory) and show where every byte of the arena goes: a
//! per-op table, a summary, `--json` for tools and `--svg` for people.

use crate::cli::MemArgs;
use crate::commands::compile::pipeline;
use crate::input::{load_with_pipeline, planned_target, StdinReader};
use crate::{svg, write_output, Failure, Outcome};
use std::fmt::Write;
use tmlc_core::pass::parse_pipeline;
use tmlc_passes::memory_report::{report, MemoryReport};

fn table(report: &MemoryReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "@{}: per op (bytes)", report.function);
    let _ = writeln!(
        out,
        "{:>5}  {:<26} {:>9} {:>11}  buffers live",
        "layer", "op", "live", "high-water"
    );
    let _ = writeln!(out, "      (live: bytes of the buffers live at the op, as if disjoint; high-water: top arena byte in use)");
    for (index, row) in report.ops.iter().enumerate() {
        let buffers: Vec<String> = row
            .buffers
            .iter()
            .map(|&b| {
                format!(
                    "{} {}@{}",
                    report.buffers[b].name, report.buffers[b].size, report.buffers[b].offset
                )
            })
            .collect();
        let marker = if report.peak_op == Some(index) {
            " <- peak"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "{:>5}  {:<26} {:>9} {:>11}  {}{marker}",
            index,
            format!("{} {}", row.op.trim_start_matches("tinyml."), row.result),
            row.live_bytes,
            row.high_water,
            buffers.join(", ")
        );
    }
    let _ = writeln!(out, "\nsummary (bytes)");
    let _ = writeln!(
        out,
        "  arena (scratch included)      {:>9}",
        report.arena_bytes
    );
    let _ = writeln!(
        out,
        "    largest op scratch          {:>9}",
        report.scratch_bytes
    );
    let _ = writeln!(
        out,
        "  liveness lower bound          {:>9}",
        report.lower_bound_bytes
    );
    let _ = writeln!(
        out,
        "  TFLite Micro-style greedy     {:>9}",
        report.tflm_greedy_bytes
    );
    let _ = writeln!(
        out,
        "  naive (every buffer apart)    {:>9}",
        report.naive_bytes
    );
    if let Some(before) = report.arena_without_tile_bytes {
        let _ = writeln!(out, "  arena without tile            {before:>9}");
    }
    let _ = writeln!(out, "\nplan");
    out.push_str(&render_plan(&report.plan));
    if !report.state.is_empty() {
        let _ = writeln!(
            out,
            "\nstate section (bytes; kept across invocations, outside the arena, never reused)"
        );
        for row in &report.state {
            let _ = writeln!(
                out,
                "  {:<28} state {:>6} + work {:>6} @{}",
                format!("{} {}", row.op.trim_start_matches("tinyml."), row.result),
                row.state_bytes,
                row.work_bytes,
                row.offset
            );
        }
        let _ = writeln!(
            out,
            "  state section                 {:>9}",
            report.state_section_bytes
        );
    }
    out
}

/// The pipeline without its `tile` passes, or `None` when it has none.
fn without_tile(pipeline: &str) -> Option<String> {
    let elements = parse_pipeline(pipeline).ok()?;
    if !elements.iter().any(|e| e.name == "tile") {
        return None;
    }
    let kept: Vec<String> = elements
        .iter()
        .filter(|e| e.name != "tile")
        .map(|e| {
            let options: Vec<String> = e
                .options
                .values
                .iter()
                .map(|(k, (v, _))| format!("{k}={v}"))
                .collect();
            if options.is_empty() {
                e.name.clone()
            } else {
                format!("{}{{{}}}", e.name, options.join(","))
            }
        })
        .collect();
    Some(kept.join(","))
}

pub fn run(args: &MemArgs, stdin: StdinReader) -> Result<Outcome, Failure> {
    let target = planned_target(&args.target, args.kernels, &args.plan)?;
    let pipeline = pipeline(&args.pass_pipeline, &target, &args.plan)?;
    // The model may come from standard input, which can be read once: keep its bytes.
    let mut bytes: Option<Vec<u8>> = None;
    let mut cached = || -> std::io::Result<Vec<u8>> {
        if bytes.is_none() {
            bytes = Some(stdin()?);
        }
        Ok(bytes.clone().unwrap_or_default())
    };
    let loaded = load_with_pipeline(&args.model, &pipeline, &target, &mut cached)?;
    let mut outcome = Outcome::default();
    let mut reports = Vec::new();
    for function in &loaded.module.functions {
        reports.push(report(&loaded.module, function).map_err(|d| loaded.failure(d))?);
    }
    if let Some(untiled) = without_tile(&pipeline) {
        let before = load_with_pipeline(&args.model, &untiled, &target, &mut cached)?;
        for (report, function) in reports.iter_mut().zip(&before.module.functions) {
            report.arena_without_tile_bytes = tmlc_mem::arena_size(function);
        }
    }
    if let Some(path) = &args.svg {
        let Some(first) = reports.first() else {
            return Err(Failure::message(
                "error[E302]: the module has no function\n".into(),
            ));
        };
        let title = format!("{} @{} ({pipeline})", loaded.module.name, first.function);
        std::fs::write(path, svg::render(first, &title))
            .map_err(|e| Failure::io(format!("cannot write {}: {e}", path.display())))?;
    }
    let text = if args.json {
        let json = match reports.as_slice() {
            [single] => serde_json::to_string_pretty(single),
            many => serde_json::to_string_pretty(many),
        };
        json.map_err(|e| Failure::io(format!("cannot encode the report: {e}")))? + "\n"
    } else {
        let mut text = format!("module @{} with pipeline {pipeline}\n", loaded.module.name);
        for report in &reports {
            text.push_str(&table(report));
        }
        text
    };
    write_output(&mut outcome, None, text.as_bytes())?;
    Ok(outcome)
}

/// The plan lines of a report (`tmlc mem`, `tmlc fit`): each patch stage with its overheads, and
/// how many ops run each kernel variant.
pub fn render_plan(plan: &tmlc_passes::memory_report::PlanSummary) -> String {
    let mut out = String::new();
    for stage in &plan.patch_stages {
        let predicted = stage
            .predicted_overhead_percent
            .map_or(String::new(), |p| format!(", +{p}% instructions predicted"));
        let shape = if stage.stream {
            format!("in {} streamed bands of rows", stage.grid[0])
        } else {
            format!("on a {}x{} grid", stage.grid[0], stage.grid[1])
        };
        let _ = writeln!(
            out,
            "  patch stage: {} layers {shape}, +{}% MACs{predicted}",
            stage.layers, stage.mac_overhead_percent
        );
    }
    if plan.patch_stages.is_empty() {
        let _ = writeln!(out, "  no patch stage");
    }
    let kernels: Vec<String> = plan
        .kernels
        .iter()
        .map(|(variant, count)| format!("{variant} {count}"))
        .collect();
    let _ = writeln!(out, "  kernels (ops): {}", kernels.join(", "));
    out
}
