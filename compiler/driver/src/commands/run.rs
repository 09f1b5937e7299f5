//! `tmlc run`: interpret a model with the reference semantics on raw input bytes (int8, or
//! float32 for float edges): one file per input, or one file of the inputs concatenated. The
//! raw output is every output's bytes concatenated in graph-output order. With `--frames N` the
//! inputs hold N frames, run one after the other with the model's state (an LSTM's) carried
//! over, and the output holds every frame's outputs.

use crate::cli::RunArgs;
use crate::input::{load_model, StdinReader};
use crate::{write_output, Failure, Outcome};
use std::fmt::Write;
use std::path::PathBuf;
use tmlc_core::diagnostic::{Diagnostic, ErrorCode};
use tmlc_core::ir::Module;
use tmlc_core::types::TensorType;
use tmlc_tinyml::interpreter::{run_with_state, ModelState};
use tmlc_tinyml::tensor::TensorData;

pub fn run(args: &RunArgs, stdin: StdinReader) -> Result<Outcome, Failure> {
    let loaded = load_model(&args.model, stdin)?;
    let frames = args.frames as usize;
    let inputs = read_inputs(&loaded.module, &args.input, frames)?;
    if let Some(dir) = &args.dump_dir {
        std::fs::create_dir_all(dir)
            .map_err(|e| Failure::io(format!("cannot create {}: {e}", dir.display())))?;
    }
    let function = loaded
        .module
        .function("main")
        .or(loaded.module.functions.first());
    let mut dump_error = None;
    let mut state = ModelState::reset(&loaded.module);
    let mut outputs = Vec::new();
    for (frame, frame_inputs) in inputs.iter().enumerate() {
        let suffix = if frame == 0 {
            String::new()
        } else {
            format!(".{frame}")
        };
        let frame_outputs = run_with_state(
            &loaded.module,
            frame_inputs,
            &mut state,
            &mut |index, op, data| {
                let (Some(dir), Some(function)) = (&args.dump_dir, function) else {
                    return;
                };
                let name = function.ops[op].name.trim_start_matches("tinyml.");
                let path = dir.join(format!("{index}_{name}{suffix}.bin"));
                if let Err(e) = std::fs::write(&path, data.to_bytes()) {
                    dump_error.get_or_insert(format!("cannot write {}: {e}", path.display()));
                }
            },
        )
        .map_err(|d| loaded.failure(d))?;
        outputs.extend(frame_outputs.into_iter().map(|o| (frame, o)));
    }
    if let Some(message) = dump_error {
        return Err(Failure::io(message));
    }
    let bytes: Vec<u8> = outputs.iter().flat_map(|(_, o)| o.to_bytes()).collect();
    let per_frame = outputs.len() / frames.max(1);
    let mut outcome = Outcome::default();
    if args.output.is_some() {
        write_output(&mut outcome, args.output.as_deref(), &bytes)?;
    } else {
        let mut text = String::new();
        for (position, (frame, output)) in outputs.iter().enumerate() {
            let index = position % per_frame.max(1);
            let values: Vec<String> = match output {
                TensorData::I8(values) => values.iter().map(|v| v.to_string()).collect(),
                TensorData::I32(values) => values.iter().map(|v| v.to_string()).collect(),
                TensorData::F32(values) => values.iter().map(|v| format!("{v:?}")).collect(),
            };
            if frames > 1 {
                let _ = write!(text, "frame {frame} ");
            }
            let _ = writeln!(text, "output {index}: [{}]", values.join(", "));
        }
        outcome.stdout = text.into_bytes();
    }
    Ok(outcome)
}

/// The model's inputs of each of `frames` frames from `paths`: one file per input (each
/// holding its input's bytes for every frame), or one file holding them all, frame by frame.
fn read_inputs(
    module: &Module,
    paths: &[PathBuf],
    frames: usize,
) -> Result<Vec<Vec<TensorData>>, Failure> {
    let function = module
        .function("main")
        .or(module.functions.first())
        .ok_or_else(|| Failure::message("error[E302]: the module has no function\n".into()))?;
    let types: Vec<&TensorType> = function
        .params
        .iter()
        .map(|&p| function.value_type(p))
        .collect();
    let mut files = Vec::new();
    for path in paths {
        files.push(
            std::fs::read(path)
                .map_err(|e| Failure::io(format!("cannot read {}: {e}", path.display())))?,
        );
    }
    let expected: Vec<usize> = types.iter().map(|t| t.byte_size()).collect();
    let usage = |message: String| {
        Failure::message(Diagnostic::new(ErrorCode::Runtime, message).render("<command line>", ""))
    };
    let frame_note = if frames > 1 {
        format!(" for each of {frames} frames")
    } else {
        String::new()
    };
    let chunks: Vec<Vec<Vec<u8>>> = if files.len() == types.len() {
        for (index, (file, &bytes)) in files.iter().zip(&expected).enumerate() {
            if file.len() != bytes * frames {
                return Err(usage(format!(
                    "input {index} ({}) must hold {bytes} bytes for {}{frame_note}, got {}",
                    paths[index].display(),
                    types[index],
                    file.len()
                )));
            }
        }
        (0..frames)
            .map(|frame| {
                files
                    .iter()
                    .zip(&expected)
                    .map(|(file, &bytes)| file[frame * bytes..(frame + 1) * bytes].to_vec())
                    .collect()
            })
            .collect()
    } else if files.len() == 1 {
        let total: usize = expected.iter().sum();
        if files[0].len() != total * frames {
            return Err(usage(format!(
                "{} must hold the {} input(s) concatenated ({total} bytes){frame_note}, got {}",
                paths[0].display(),
                types.len(),
                files[0].len()
            )));
        }
        let mut offset = 0;
        (0..frames)
            .map(|_| {
                expected
                    .iter()
                    .map(|&bytes| {
                        offset += bytes;
                        files[0][offset - bytes..offset].to_vec()
                    })
                    .collect()
            })
            .collect()
    } else {
        return Err(usage(format!(
            "the model has {} input(s), got {} --input files",
            types.len(),
            files.len()
        )));
    };
    Ok(chunks
        .iter()
        .map(|frame| {
            frame
                .iter()
                .zip(&types)
                .map(|(bytes, ty)| TensorData::from_bytes(ty, bytes))
                .collect()
        })
        .collect())
}
