//! One module per `tmlc` command.

pub mod arena;
pub mod compile;
pub mod fit;
pub mod fit_model;
pub mod fit_space;
pub mod import;
pub mod info;
pub mod mem;
pub mod opt;
pub mod run;
pub mod sim;
pub mod targets;
