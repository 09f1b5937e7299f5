//! The `tinyml` dialect.

pub mod semantics;
