//! `tmlc import`: a `.tflite` model in, tinyml IR out.

use crate::cli::ImportArgs;
use crate::input::import_flatbuffer;
use crate::{write_output, Failure, Outcome};
use tmlc_core::printer::print_module;

pub fn run(args: &ImportArgs) -> Result<Outcome, Failure> {
    let file_name = args.input.display().to_string();
    let bytes = std::fs::read(&args.input)
        .map_err(|e| Failure::io(format!("cannot read {file_name}: {e}")))?;
    let imported = import_flatbuffer(&args.input, &file_name, &bytes)?;
    let mut outcome = Outcome::default();
    write_output(
        &mut outcome,
        args.output.as_deref(),
        print_module(&imported.module).as_bytes(),
    )?;
    Ok(outcome)
}
