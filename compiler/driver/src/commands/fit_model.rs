//! `tmlc fit MODEL` for a real model (.tflite or .tir): planned by the same oracle as a
//! description, as it is or, with `--resolutions`, at each listed input resolution (the model
//! re-shaped by `crate::resolution`, its weights unchanged), with the largest resolution that
//! fits the target named.

use super::fit::{jobs, parallel_map, planned_text, Oracle, Planned};
use crate::cli::FitArgs;
use crate::input::{load_model, StdinReader};
use crate::resolution::{at_resolution, input_resolution};
use crate::{write_output, Failure, Outcome};
use serde::Serialize;
use std::fmt::Write;
use std::path::Path;

/// The answer at one input resolution.
#[derive(Debug, Clone, Serialize)]
pub struct AtResolution {
    /// Height and width of the input.
    pub resolution: [usize; 2],
    #[serde(flatten)]
    pub planned: Planned,
}

/// The answer for a model.
#[derive(Debug, Clone, Serialize)]
pub struct ModelFit {
    pub model: String,
    pub target: String,
    /// The input resolution the model was built for.
    pub own_resolution: [usize; 2],
    /// In the order asked (the model's own resolution alone without `--resolutions`).
    pub resolutions: Vec<AtResolution>,
    /// The largest resolution (by pixels) whose plan fits the SRAM and the flash.
    pub largest_fitting: Option<[usize; 2]>,
}

/// Whether `path` names a model rather than a description: a `.tflite` or `.tir` file.
pub fn is_model(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e == "tflite" || e == "tir")
}

fn table(fit: &ModelFit, pipeline: &str) -> String {
    let mut out = String::new();
    let [h, w] = fit.own_resolution;
    let _ = writeln!(
        out,
        "model {} (built for {h}x{w}) on target {} (pipeline {pipeline})",
        fit.model, fit.target
    );
    let _ = writeln!(
        out,
        "  {:>10} {:>12} {:>14} {:>9} {:>9} {:>9}  {:<12} peak at",
        "resolution", "MACs", "predicted", "arena", "SRAM", "flash", "fits"
    );
    for row in &fit.resolutions {
        let p = &row.planned;
        let b = &p.budget;
        let peak = p.peak_op.as_ref().map_or(String::new(), |peak| {
            format!(
                "layer {} ({} {})",
                peak.index,
                peak.op.trim_start_matches("tinyml."),
                peak.result
            )
        });
        let fits = match (b.sram_fits, b.flash_fits) {
            (true, true) => "fits",
            (false, true) => "over SRAM",
            (true, false) => "over flash",
            (false, false) => "over both",
        };
        let _ = writeln!(
            out,
            "  {:>10} {:>12} {:>14} {:>9} {:>9} {:>9}  {fits:<12} {peak}",
            format!("{}x{}", row.resolution[0], row.resolution[1]),
            p.macs,
            p.predicted_instructions,
            b.arena_bytes,
            b.sram_bytes,
            b.flash_bytes.map_or("?".to_string(), |f| f.to_string()),
        );
    }
    if let Some(row) = fit.resolutions.first() {
        let b = &row.planned.budget;
        let _ = writeln!(
            out,
            "  (SRAM: arena + stack {} of {} bytes; flash of {} bytes)",
            b.stack_bytes, b.sram_limit_bytes, b.flash_limit_bytes
        );
    }
    match fit.largest_fitting {
        Some([h, w]) => {
            let _ = writeln!(out, "largest that fits: {h}x{w}");
        }
        None => {
            let _ = writeln!(out, "largest that fits: none");
        }
    }
    out
}

pub(crate) fn run(
    args: &FitArgs,
    oracle: &Oracle,
    path: &Path,
    stdin: StdinReader,
) -> Result<Outcome, Failure> {
    if args.jsonl || args.emit_ir.is_some() {
        return Err(Failure::usage(
            "error[E502]: --jsonl and --emit-ir read architecture descriptions, not a model\n"
                .to_string(),
        ));
    }
    if path
        .extension()
        .is_some_and(|e| e == "json" || e == "jsonl")
    {
        return Err(Failure::usage(format!(
            "error[E502]: --resolutions re-plans a model (.tflite or .tir); {} is a description: \
             set its `resolution` field instead\n",
            path.display()
        )));
    }
    let max = crate::architecture::schema::MAX_DIMENSION;
    if let Some(&r) = args.resolutions.iter().find(|&&r| r == 0 || r > max) {
        return Err(Failure::usage(format!(
            "error[E502]: resolution {r} is not between 1 and {max}\n"
        )));
    }
    let loaded = load_model(path, stdin)?;
    let own = input_resolution(&loaded.module).map_err(|d| loaded.failure(d))?;
    let asked: Vec<[usize; 2]> = if args.resolutions.is_empty() {
        vec![own]
    } else {
        args.resolutions
            .iter()
            .map(|&r| [r as usize, r as usize])
            .collect()
    };
    let answers = parallel_map(&asked, jobs(args.jobs), |&resolution| {
        let module = if resolution == own {
            loaded.module.clone()
        } else {
            at_resolution(&loaded.module, resolution)?
        };
        oracle.plan_module(module).map(|planned| AtResolution {
            resolution,
            planned,
        })
    });
    let mut resolutions = Vec::new();
    for answer in answers {
        match answer {
            Some(Ok(row)) => resolutions.push(row),
            Some(Err(diagnostic)) => return Err(loaded.failure(diagnostic)),
            None => {
                return Err(Failure::message(
                    "error[E302]: the worker planning a resolution failed\n".to_string(),
                ))
            }
        }
    }
    let largest_fitting = resolutions
        .iter()
        .filter(|row| row.planned.fits)
        .map(|row| row.resolution)
        .max_by_key(|&[h, w]| (h * w, h));
    let fit = ModelFit {
        model: loaded.file_name.clone(),
        target: oracle.target.name.clone(),
        own_resolution: own,
        resolutions,
        largest_fitting,
    };
    let text = if args.json {
        serde_json::to_string_pretty(&fit)
            .map_err(|e| Failure::io(format!("cannot encode the report: {e}")))?
            + "\n"
    } else if args.resolutions.is_empty() {
        format!(
            "model {} at {}x{} on target {} (pipeline {})\n{}",
            fit.model,
            own[0],
            own[1],
            fit.target,
            oracle.pipeline,
            planned_text(&fit.resolutions[0].planned)
        )
    } else {
        table(&fit, &oracle.pipeline)
    };
    let mut outcome = Outcome::default();
    write_output(&mut outcome, None, text.as_bytes())?;
    Ok(outcome)
}
