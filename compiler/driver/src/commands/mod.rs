//! One module per `tmlc` command.

pub mod compile;
pub mod import;
pub mod opt;
pub mod run;
pub mod targets;
