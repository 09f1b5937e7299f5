//! tmlc's backends: the [`Backend`] trait, target descriptions as data (`target`), the generated
//! project and how it is written (`project`), and the portable C backend (`c`). A backend reads
//! scheduled, allocated IR (offsets from the `mem` dialect) and never changes it.

pub mod c;
pub mod cortex_m;
pub mod project;
pub mod qemu;
pub mod target;

use project::Project;
use target::Target;
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::ir::Module;

/// Turns a planned module into a project for a target.
pub trait Backend {
    fn name(&self) -> &'static str;
    /// Generates every file of the project.
    fn generate(&self, module: &Module, target: &Target) -> DiagResult<Project>;
}

/// The backend that serves `target`: the portable C backend for `host`, the Cortex-M backend
/// (a bare-metal project for the target's QEMU machine) for targets with a `qemu_machine`.
pub fn backend_for(target: &Target) -> DiagResult<Box<dyn Backend>> {
    if target.qemu_machine.is_none() {
        return Ok(Box::new(c::CBackend));
    }
    Ok(Box::new(cortex_m::CortexMBackend))
}
