//! tmlc core: the dialect-agnostic IR, its text format, diagnostics, verifier and pass manager.

pub mod attributes;
pub mod diagnostic;
pub mod dialect;
pub mod ir;
pub mod lexer;
pub mod parser;
pub mod pass;
pub mod printer;
pub mod span;
pub mod target;
pub mod types;
pub mod verifier;
