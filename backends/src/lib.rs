//! tmlc's backends: the [`Backend`] trait, target descriptions as data (`target`), the generated
//! project and how it is written (`project`), and the portable C backend (`c`). A backend reads
//! scheduled, allocated IR (offsets from the `mem` dialect) and never changes it.

pub mod c;
pub mod project;
pub mod target;

use project::Project;
use target::Target;
use tmlc_core::diagnostic::{DiagResult, Diagnostic, ErrorCode};
use tmlc_core::ir::Module;

/// Turns a planned module into a project for a target.
pub trait Backend {
    fn name(&self) -> &'static str;
    /// Generates every file of the project.
    fn generate(&self, module: &Module, target: &Target) -> DiagResult<Project>;
}

/// The backend that serves `target`: the portable C backend for `host`. Cortex-M targets need
/// startup code, a linker script and a bare-metal harness, which the Cortex-M backend will add.
pub fn backend_for(target: &Target) -> DiagResult<Box<dyn Backend>> {
    if target.qemu_machine.is_none() {
        return Ok(Box::new(c::CBackend));
    }
    Err(Diagnostic::new(
        ErrorCode::PassFailed,
        format!("no backend generates a bare-metal project for {} yet", target.name),
    )
    .with_note("`--target host` emits portable C99 that also compiles for Cortex-M; only its harness (main.c) is host-specific"))
}
