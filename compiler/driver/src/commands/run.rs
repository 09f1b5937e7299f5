//! `tmlc run`: interpret a model with the reference semantics on raw int8 input bytes.

use crate::cli::RunArgs;
use crate::input::{load_model, StdinReader};
use crate::{write_output, Failure, Outcome};
use std::fmt::Write;
use tmlc_tinyml::interpreter::run as interpret;
use tmlc_tinyml::tensor::TensorData;

pub fn run(args: &RunArgs, stdin: StdinReader) -> Result<Outcome, Failure> {
    let loaded = load_model(&args.model, stdin)?;
    let input = std::fs::read(&args.input)
        .map_err(|e| Failure::io(format!("cannot read {}: {e}", args.input.display())))?;
    let input: Vec<i8> = input.into_iter().map(|b| b as i8).collect();
    if let Some(dir) = &args.dump_dir {
        std::fs::create_dir_all(dir)
            .map_err(|e| Failure::io(format!("cannot create {}: {e}", dir.display())))?;
    }
    let function = loaded
        .module
        .function("main")
        .or(loaded.module.functions.first());
    let mut dump_error = None;
    let outputs = interpret(&loaded.module, &[input], &mut |index, op, data| {
        let (Some(dir), Some(function), TensorData::I8(bytes)) = (&args.dump_dir, function, data)
        else {
            return;
        };
        let name = function.ops[op].name.trim_start_matches("tinyml.");
        let path = dir.join(format!("{index}_{name}.bin"));
        let raw: Vec<u8> = bytes.iter().map(|&b| b as u8).collect();
        if let Err(e) = std::fs::write(&path, raw) {
            dump_error.get_or_insert(format!("cannot write {}: {e}", path.display()));
        }
    })
    .map_err(|d| loaded.failure(d))?;
    if let Some(message) = dump_error {
        return Err(Failure::io(message));
    }
    let mut bytes = Vec::new();
    for output in &outputs {
        if let TensorData::I8(values) = output {
            bytes.extend(values.iter().map(|&v| v as u8));
        }
    }
    let mut outcome = Outcome::default();
    if args.output.is_some() {
        write_output(&mut outcome, args.output.as_deref(), &bytes)?;
    } else {
        let mut text = String::new();
        for (index, output) in outputs.iter().enumerate() {
            if let TensorData::I8(values) = output {
                let values: Vec<String> = values.iter().map(|v| v.to_string()).collect();
                let _ = writeln!(text, "output {index}: [{}]", values.join(", "));
            }
        }
        outcome.stdout = text.into_bytes();
    }
    Ok(outcome)
}
