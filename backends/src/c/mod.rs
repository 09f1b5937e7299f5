//! The portable C backend: C99 that compiles anywhere, calling the portable runtime-c kernels.
//! It writes `<model>.h`, `<model>.c`, the runtime sources the model needs, a host harness
//! (`main.c`), a `Makefile`, and the library's `CMakeLists.txt` and `README.md` (`library.rs`), after checking the weights fit the target's flash (the driver
//! checks SRAM against the memory plan, where it can name the op at the peak).

pub mod api;
pub mod call;
pub mod edges;
pub mod harness;
pub mod layer_list;
pub mod layers;
pub mod library;
pub mod model;
pub mod runtime;
pub mod state;
pub mod writer;

use crate::project::Project;
use crate::target::Target;
use crate::{Backend, GenerateOptions};
use edges::Edge;
use model::{c_identifier, generate_model, GeneratedModel};
use tmlc_core::diagnostic::{DiagResult, Diagnostic, ErrorCode};
use tmlc_core::ir::Module;
use tmlc_core::target::KernelVariant;
use tmlc_tinyml::{kernels, OpView};

pub struct CBackend;

/// What every C-based backend's project shares: `<model>.h`, `<model>.c` and the runtime files
/// the model's ops need, after checking that the weights fit the target's flash. A backend adds
/// its harness and build files.
#[derive(Clone)]
pub struct ModelProject {
    /// The C identifier of the model (`tmlc_<model>_invoke`).
    pub model: String,
    /// Bytes of the input and output tensors, of the arena and of the weights.
    pub input_size: usize,
    pub output_size: usize,
    pub arena_size: usize,
    pub weight_bytes: usize,
    /// Bytes of the state buffer of stateful ops (outside the arena; 0 for most models).
    pub state_size: usize,
    /// The model's inputs and outputs, in graph order.
    pub inputs: Vec<Edge>,
    pub outputs: Vec<Edge>,
    pub project: Project,
    /// The runtime `.c` files in the project, in a stable order.
    pub runtime_sources: Vec<String>,
    /// The layers of the generated run function, in hook order.
    pub layers: Vec<layer_list::Layer>,
}

/// Generates the model and runtime files of a project for `target`.
pub fn model_project(
    module: &Module,
    target: &Target,
    options: &GenerateOptions,
) -> DiagResult<ModelProject> {
    let model = c_identifier(&module.name);
    let api = api::ApiOptions {
        provenance: &options.provenance,
        arena_alignment: api::arena_alignment(target.memory.alignment),
    };
    let mut generated = generate_model(module, &model, &api)?;
    if generated.weight_bytes as u64 > target.memory.flash_bytes {
        // `select-kernels` chose wide weight layouts on an estimate of the flash; when the
        // tables do not fit with them, the default layouts may still.
        let mut narrow = module.clone();
        let mut any_wide = false;
        for function in &mut narrow.functions {
            for op in function.ops.values_mut() {
                any_wide |= op.attributes.remove(tmlc_mem::WEIGHTS).is_some();
            }
        }
        if any_wide {
            generated = generate_model(&narrow, &model, &api)?;
        }
    }
    let GeneratedModel {
        header,
        source,
        inputs,
        outputs,
        input_size,
        output_size,
        arena_size,
        weight_bytes,
        state_size,
        layers,
    } = generated;
    if weight_bytes as u64 > target.memory.flash_bytes {
        return Err(Diagnostic::new(
            ErrorCode::PassFailed,
            format!(
                "the weights need {} bytes of flash, but {} has {}",
                weight_bytes, target.name, target.memory.flash_bytes
            ),
        ));
    }
    let function = module.function("main").or(module.functions.first());
    let mut sources = std::collections::BTreeSet::new();
    let mut dsp = false;
    let mut mve = false;
    if let Some(f) = function {
        for op in f.walk() {
            let Some(view) = OpView::of(module, f, op) else {
                continue;
            };
            let variant = tmlc_mem::kernel_variant(&f.ops[op].attributes);
            dsp |= variant == KernelVariant::ArmDsp;
            mve |= variant == KernelVariant::ArmMve;
            // The portable kernel too: the DSP kernels fall back to it.
            for variant in [KernelVariant::Portable, variant] {
                if let Some(kernel) = kernels::lookup(&view, variant) {
                    sources.extend(kernel.sources.iter().copied());
                }
            }
        }
    }
    let mut project = Project::default();
    project.add(format!("{model}.h"), header);
    project.add(format!("{model}.c"), source);
    let mut runtime_sources = Vec::new();
    for (path, contents) in runtime::runtime_files(&sources, dsp, mve) {
        if path.ends_with(".c") {
            runtime_sources.push(path.to_string());
        }
        project.add_copy(path, contents);
    }
    Ok(ModelProject {
        model,
        input_size,
        output_size,
        arena_size,
        weight_bytes,
        state_size,
        inputs,
        outputs,
        project,
        runtime_sources,
        layers,
    })
}

impl Backend for CBackend {
    fn name(&self) -> &'static str {
        "c"
    }

    fn generate(
        &self,
        module: &Module,
        target: &Target,
        options: &GenerateOptions,
    ) -> DiagResult<Project> {
        let model_project = model_project(module, target, options)?;
        let ModelProject {
            model,
            project,
            runtime_sources,
            inputs,
            outputs,
            ..
        } = &model_project;
        let mut project = project.clone();
        project.add("main.c", harness::main_c(model, inputs, outputs));
        project.add("Makefile", harness::makefile(model, runtime_sources));
        library::add_library_files(&mut project, &model_project, target, library::Kind::Host);
        Ok(project)
    }
}
