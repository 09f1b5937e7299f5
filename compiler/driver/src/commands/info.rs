//! `tmlc info`: a model at a glance. Its edges (shape, type, quantization), its ops with their
//! counts, MACs and weight bytes, as loaded; then, planned by the target's default pipeline (or
//! `--pass-pipeline`), the arena and the flash (weights and constant tables of the generated C)
//! it needs on the target, and whether it fits (on a Cortex-M target, with the least stack
//! beside the arena in the RAM the program links into).

use crate::budget::budget;
use crate::cli::InfoArgs;
use crate::commands::compile::pipeline;
use crate::input::{load_model, load_with_pipeline, planned_target, StdinReader};
use crate::{Failure, Outcome};
use std::fmt::Write;
use tmlc_backends::target::Target;
use tmlc_core::ir::{Function, Module, RETURN_OP};
use tmlc_core::types::{ElementType, Quantization, TensorType};
use tmlc_tinyml::macs::op_macs;
use tmlc_tinyml::OpView;

fn element(ty: &TensorType) -> &'static str {
    match ty.element {
        ElementType::I8 => "int8",
        ElementType::I32 => "int32",
        ElementType::F32 => "float32",
    }
}

fn quantization(ty: &TensorType) -> String {
    match &ty.quant {
        Some(Quantization::PerTensor { scale, zero_point }) => {
            format!("scale {scale}, zero point {zero_point}")
        }
        Some(Quantization::PerChannel { scales, axis }) => {
            format!("{} scales along axis {axis}", scales.len())
        }
        None => "not quantized".to_string(),
    }
}

fn edge_line(out: &mut String, name: &str, ty: &TensorType) {
    let shape: Vec<String> = ty.shape.iter().map(|d| d.to_string()).collect();
    let _ = writeln!(
        out,
        "  {name:<8} {:<8} {:<14} {:>8} bytes  {}",
        element(ty),
        shape.join("x"),
        ty.byte_size(),
        quantization(ty)
    );
}

/// The edges, ops, MACs and weights of the function as loaded.
fn describe(out: &mut String, module: &Module, function: &Function) {
    let _ = writeln!(out, "inputs");
    for (index, &param) in function.params.iter().enumerate() {
        edge_line(out, &format!("input{index}"), function.value_type(param));
    }
    let _ = writeln!(out, "outputs");
    for (index, &value) in function.returned_values().iter().enumerate() {
        edge_line(out, &format!("output{index}"), function.value_type(value));
    }
    let mut counts: Vec<(String, usize, u64)> = Vec::new();
    let mut constants = 0;
    for &op in &function.body.ops {
        let name = &function.ops[op].name;
        if name == RETURN_OP {
            continue;
        }
        if matches!(OpView::of(module, function, op), Some(OpView::Const(_))) {
            constants += 1;
            continue;
        }
        let short = name.strip_prefix("tinyml.").unwrap_or(name).to_string();
        let macs = op_macs(module, function, op);
        match counts.iter_mut().find(|(n, _, _)| *n == short) {
            Some(entry) => {
                entry.1 += 1;
                entry.2 += macs;
            }
            None => counts.push((short, 1, macs)),
        }
    }
    let layers: usize = counts.iter().map(|c| c.1).sum();
    let _ = writeln!(out, "ops ({layers}, constants not counted)");
    for (name, count, macs) in &counts {
        let _ = writeln!(out, "  {name:<24} {count:>4}  {macs:>12} MACs");
    }
    let macs: u64 = counts.iter().map(|c| c.2).sum();
    let weights: usize = module.resources.iter().map(|r| r.data.len()).sum();
    let _ = writeln!(out, "MACs     {macs:>12}");
    let _ = writeln!(
        out,
        "weights  {weights:>12} bytes in {constants} constant tensors"
    );
}

fn verdict(fits: bool) -> &'static str {
    if fits {
        "fits"
    } else {
        "DOES NOT FIT"
    }
}

/// The arena and flash of the planned module on `target`, and whether they fit.
fn on_target(out: &mut String, planned: &Module, target: &Target) -> Result<bool, String> {
    let budget = budget(planned, target)?;
    let arena = budget.arena_bytes;
    let mut what = "arena".to_string();
    if budget.state_bytes > 0 {
        what.push_str(&format!(" + state section ({})", budget.state_bytes));
    }
    if budget.stack_bytes > 0 {
        what.push_str(&format!(" + the least stack ({})", budget.stack_bytes));
    }
    let _ = writeln!(
        out,
        "  arena    {arena:>12} bytes (every activation and scratch buffer)"
    );
    let _ = writeln!(
        out,
        "  SRAM     {:>12} of {} bytes ({what}): {}",
        budget.sram_bytes,
        budget.sram_limit_bytes,
        verdict(budget.sram_fits)
    );
    match (budget.flash_bytes, &budget.flash_error) {
        (Some(flash), _) => {
            let _ = writeln!(
                out,
                "  flash    {flash:>12} of {} bytes (weights and constant tables; code not counted): {}",
                budget.flash_limit_bytes,
                verdict(budget.flash_fits)
            );
        }
        (None, error) => {
            let _ = writeln!(
                out,
                "  flash    unknown: the C backend cannot compile it ({})",
                error.as_deref().unwrap_or_default()
            );
        }
    }
    Ok(budget.fits())
}

pub fn run(args: &InfoArgs, stdin: StdinReader) -> Result<Outcome, Failure> {
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
    let loaded = load_model(&args.model, &mut cached)?;
    let mut out = format!(
        "model @{} ({}, SHA-256 {})\n",
        loaded.module.name, loaded.provenance.source, loaded.provenance.sha256
    );
    let Some(function) = loaded
        .module
        .function("main")
        .or(loaded.module.functions.first())
    else {
        return Err(Failure::message(
            "error[E302]: the module has no function\n".into(),
        ));
    };
    describe(&mut out, &loaded.module, function);
    let planned = load_with_pipeline(&args.model, &pipeline, &target, &mut cached)?;
    let _ = writeln!(
        out,
        "\non target {} ({} bytes SRAM, {} bytes flash), pipeline {pipeline}",
        target.name, target.memory.sram_bytes, target.memory.flash_bytes
    );
    let fits = on_target(&mut out, &planned.module, &target)
        .map_err(|message| Failure::message(format!("error[E302]: {message}\n")))?;
    let _ = writeln!(
        out,
        "  {}",
        if fits {
            "fits the target"
        } else {
            "does not fit the target (`tmlc mem` shows where the arena's bytes go)"
        }
    );
    Ok(Outcome::stdout(out))
}
