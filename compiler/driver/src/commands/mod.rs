//! One module per `tmlc` command.

pub mod import;
pub mod opt;
pub mod run;
