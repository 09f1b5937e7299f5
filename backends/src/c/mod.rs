//! The portable C backend: C99 that compiles anywhere, calling the portable runtime-c kernels.
//! It writes `<model>.h`, `<model>.c`, the runtime sources the model needs, a host harness
//! (`main.c`) and a `Makefile`, after checking the weights fit the target's flash (the driver
//! checks SRAM against the memory plan, where it can name the op at the peak).

pub mod harness;
pub mod layers;
pub mod model;
pub mod runtime;
pub mod writer;

use crate::project::Project;
use crate::target::Target;
use crate::Backend;
use model::{c_identifier, generate_model};
use tmlc_core::diagnostic::{DiagResult, Diagnostic, ErrorCode};
use tmlc_core::ir::Module;

pub struct CBackend;

impl Backend for CBackend {
    fn name(&self) -> &'static str {
        "c"
    }

    fn generate(&self, module: &Module, target: &Target) -> DiagResult<Project> {
        let model = c_identifier(&module.name);
        let generated = generate_model(module, &model)?;
        if generated.weight_bytes as u64 > target.flash_bytes {
            return Err(Diagnostic::new(
                ErrorCode::PassFailed,
                format!(
                    "the weights need {} bytes of flash, but {} has {}",
                    generated.weight_bytes, target.name, target.flash_bytes
                ),
            ));
        }
        let function = module.function("main").or(module.functions.first());
        let ops = function
            .map(|f| {
                f.body
                    .ops
                    .iter()
                    .map(|&op| f.ops[op].name.as_str())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        let mut project = Project::default();
        project.add(format!("{model}.h"), generated.header);
        project.add(format!("{model}.c"), generated.source);
        let mut sources = Vec::new();
        for (path, contents) in runtime::runtime_files(ops.into_iter()) {
            if path.ends_with(".c") {
                sources.push(path.to_string());
            }
            project.add(path, contents);
        }
        project.add("main.c", harness::main_c(&model));
        project.add("Makefile", harness::makefile(&model, &sources));
        Ok(project)
    }
}
