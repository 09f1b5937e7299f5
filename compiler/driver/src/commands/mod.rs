//! One module per `tmlc` command.

pub mod opt;
