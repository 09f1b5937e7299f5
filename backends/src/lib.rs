//! tmlc's backends: the [`Backend`] trait, target descriptions as data (`target`), the generated
//! project and how it is written (`project`), the portable C backend (`c`) and the Cortex-M
//! backend with its weight packing and QEMU runner (`cortex_m`). A backend reads
//! scheduled, allocated IR (offsets from the `mem` dialect) and never changes it.

pub mod c;
pub mod cortex_m;
pub mod project;
pub mod provenance;
pub mod target;

use project::Project;
use provenance::Provenance;
use target::{BackendKind, Target};
use tmlc_core::diagnostic::{DiagResult, Diagnostic, ErrorCode};
use tmlc_core::ir::Module;

/// How the generated files are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LibraryLayout {
    /// The backend's project: the library (`CMakeLists.txt`), a harness and its `Makefile`.
    #[default]
    Project,
    /// An Arduino library: `library.properties`, the model and runtime under `src/`, an example
    /// sketch; no harness, no board files.
    Arduino,
}

/// What a compilation asks of the backend beyond the module and target.
#[derive(Debug, Clone, Default)]
pub struct GenerateOptions {
    pub provenance: Provenance,
    pub layout: LibraryLayout,
}

/// Turns a planned module into a project for a target.
pub trait Backend {
    fn name(&self) -> &'static str;
    /// Generates every file of the project.
    fn generate(
        &self,
        module: &Module,
        target: &Target,
        options: &GenerateOptions,
    ) -> DiagResult<Project>;
}

/// The files of a compilation: the target's backend's project, or the Arduino library, with the
/// provenance stamped on every generated file.
pub fn generate(
    module: &Module,
    target: &Target,
    options: &GenerateOptions,
) -> DiagResult<Project> {
    let backend = backend_for(target)?;
    let mut project = match options.layout {
        LibraryLayout::Project => backend.generate(module, target, options)?,
        LibraryLayout::Arduino => {
            c::library::arduino(&c::model_project(module, target, options)?, target, options)
        }
    };
    let model = c::model::c_identifier(&module.name);
    options.provenance.stamp(&model, &mut project);
    Ok(project)
}

/// The backend the target names: the portable C backend, or the Cortex-M backend (a bare-metal
/// project linked for the board's memory map or the target's QEMU machine, one of which it then
/// requires).
pub fn backend_for(target: &Target) -> DiagResult<Box<dyn Backend>> {
    match target.backend {
        BackendKind::PortableC => Ok(Box::new(c::CBackend)),
        BackendKind::CortexM
            if target.qemu_machine.is_some() || !target.memory.regions.is_empty() =>
        {
            Ok(Box::new(cortex_m::CortexMBackend))
        }
        BackendKind::CortexM => Err(Diagnostic::new(
            ErrorCode::InvalidArgument,
            format!(
                "target `{}` uses the Cortex-M backend but has neither `memory.regions` nor a `qemu_machine`: the backend links for a memory map",
                target.name
            ),
        )),
    }
}
