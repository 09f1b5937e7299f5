//! `tmlc import`: a `.tflite` model in, tinyml IR out.

use crate::cli::ImportArgs;
use crate::input::import_flatbuffer;
use crate::{context, write_output, Failure, Outcome};
use tmlc_core::diagnostic::{Diagnostic, ErrorCode};
use tmlc_core::printer::print_module;
use tmlc_tflite::import::unsupported_operators;
use tmlc_tflite::reader::read_model;

pub fn run(args: &ImportArgs) -> Result<Outcome, Failure> {
    let file_name = args.input.display().to_string();
    let bytes = std::fs::read(&args.input)
        .map_err(|e| Failure::io(format!("cannot read {file_name}: {e}")))?;
    if args.list_unsupported {
        return list_unsupported(&file_name, &bytes);
    }
    let imported = import_flatbuffer(&args.input, &file_name, &bytes)?;
    let mut outcome = Outcome::default();
    write_output(
        &mut outcome,
        args.output.as_deref(),
        print_module(&imported.module).as_bytes(),
    )?;
    Ok(outcome)
}

/// `--list-unsupported`: every problem of the model, one rendered diagnostic each.
fn list_unsupported(file_name: &str, bytes: &[u8]) -> Result<Outcome, Failure> {
    let model = read_model(bytes).map_err(|e| {
        Failure::message(
            Diagnostic::new(ErrorCode::InvalidModel, e.message().to_string()).render(file_name, ""),
        )
    })?;
    let problems = unsupported_operators(&model, &context());
    if problems.is_empty() {
        return Ok(Outcome::stdout(format!(
            "{file_name}: every operator is supported ({} operators)\n",
            model.operators.len()
        )));
    }
    let mut text: String = problems.iter().map(|d| d.render(file_name, "")).collect();
    text.push_str(&format!(
        "{file_name}: {} of {} operators cannot be imported\n",
        problems.len(),
        model.operators.len()
    ));
    Err(Failure::message(text))
}
