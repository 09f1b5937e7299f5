//! Loading models: `.tir` text (from a file or standard input) or a `.tflite` flatbuffer
//! (recognized by extension or file identifier), parsed or imported, and verified, with errors rendered against their source.

use crate::{context, Failure};
use std::path::Path;
use tmlc_backends::provenance::Provenance;
use tmlc_core::diagnostic::Diagnostic;
use tmlc_core::ir::Module;
use tmlc_core::parser::parse_module;
use tmlc_core::target::Target;
use tmlc_core::verifier::verify_module;
use tmlc_tflite::import::{import_tflite, Imported};

/// Reads standard input on demand (only when the input is `-`).
pub type StdinReader<'a> = &'a mut dyn FnMut() -> std::io::Result<Vec<u8>>;

/// A verified module, the name it came from, its text (empty for `.tflite`) and its provenance
/// (the file's name and SHA-256, for the generated files).
pub struct LoadedModel {
    pub module: Module,
    pub file_name: String,
    pub source: String,
    pub provenance: Provenance,
}

impl LoadedModel {
    /// Renders a diagnostic about this model, with a source snippet when the model is text.
    pub fn failure(&self, diagnostic: Diagnostic) -> Failure {
        Failure::message(diagnostic.render(&self.file_name, &self.source))
    }
}

/// Reads and verifies a model from `path` (`-` = `.tir` on standard input).
pub fn load_model(path: &Path, stdin: StdinReader) -> Result<LoadedModel, Failure> {
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
    let provenance = Provenance::of(&file_name, &bytes);
    if is_tflite(path, &bytes) {
        let module = import_flatbuffer(path, &file_name, &bytes)?.module;
        return Ok(LoadedModel {
            module,
            file_name,
            source: String::new(),
            provenance,
        });
    }
    let module = parse_and_verify(&file_name, &bytes)?;
    let source = String::from_utf8(bytes).unwrap_or_default();
    Ok(LoadedModel {
        module,
        file_name,
        source,
        provenance,
    })
}

/// Loads a model and runs `pipeline`, built for `target`, on it (errors rendered against the
/// pipeline or the model).
pub fn load_with_pipeline(
    path: &Path,
    pipeline: &str,
    target: &Target,
    stdin: StdinReader,
) -> Result<LoadedModel, Failure> {
    let passes = crate::pass_registry()
        .build_pipeline(pipeline, target)
        .map_err(|d| Failure::usage(d.render("<pass-pipeline>", pipeline)))?;
    let mut loaded = load_model(path, stdin)?;
    tmlc_core::pass::PassManager::new(passes)
        .run(&mut loaded.module, &context())
        .map_err(|d| loaded.failure(d))?;
    Ok(loaded)
}

/// A `.tflite` file: by extension, or by the flatbuffer file identifier `TFL3`.
pub fn is_tflite(path: &Path, bytes: &[u8]) -> bool {
    path.extension().is_some_and(|e| e == "tflite") || bytes.get(4..8) == Some(b"TFL3")
}

/// Imports `.tflite` bytes; the module is named after the file.
pub fn import_flatbuffer(path: &Path, file_name: &str, bytes: &[u8]) -> Result<Imported, Failure> {
    let name = path
        .file_stem()
        .map_or("model".to_string(), |s| s.to_string_lossy().into_owned());
    import_tflite(bytes, &name, &context()).map_err(|d| Failure::message(d.render(file_name, "")))
}

/// Parses `.tir` bytes and verifies the module.
pub fn parse_and_verify(file_name: &str, bytes: &[u8]) -> Result<Module, Failure> {
    let source = std::str::from_utf8(bytes).map_err(|e| {
        let valid = &bytes[..e.valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        // Columns count characters, as the other diagnostics do.
        let column = String::from_utf8_lossy(&valid[line_start..])
            .chars()
            .count()
            + 1;
        Failure::message(format!(
            "error[E101]: {file_name}:{line}:{column}: the file is not valid UTF-8 (byte {})\n",
            e.valid_up_to()
        ))
    })?;
    let module = parse_module(source).map_err(|d| Failure::message(d.render(file_name, source)))?;
    verify_module(&module, &context())
        .map_err(|d| Failure::message(d.render(file_name, source)))?;
    Ok(module)
}

/// The target called `name` for a command with plan options: `--sram-bytes` replaces its SRAM.
pub fn planned_target(
    name: &str,
    kernels: crate::cli::Kernels,
    plan: &crate::cli::PlanArgs,
) -> Result<Target, Failure> {
    let mut target = target(name, kernels)?;
    if let Some(bytes) = plan.sram_bytes {
        target.memory.sram_bytes = bytes;
    }
    Ok(target)
}

/// The target called `name`, or a usage error listing the known ones; restricted to the Arm DSP
/// kernels with `--kernels dsp`, to the portable ones with `--kernels portable`.
pub fn target(name: &str, kernels: crate::cli::Kernels) -> Result<Target, Failure> {
    let target = tmlc_backends::target::lookup(name).ok_or_else(|| {
        let known: Vec<String> = tmlc_backends::target::targets()
            .into_iter()
            .map(|t| t.name)
            .collect();
        Failure::usage(
            Diagnostic::new(
                tmlc_core::diagnostic::ErrorCode::InvalidArgument,
                format!("unknown target `{name}` (known: {})", known.join(", ")),
            )
            .render("<command line>", ""),
        )
    })?;
    Ok(match kernels {
        crate::cli::Kernels::Auto => target,
        crate::cli::Kernels::Dsp => target.without_mve(),
        crate::cli::Kernels::Portable => target.portable_only(),
    })
}
