//! One module per `tmlc` command.

pub mod compile;
pub mod import;
pub mod mem;
pub mod opt;
pub mod run;
pub mod targets;
