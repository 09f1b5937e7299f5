//! The `.tflite` frontend: `reader` turns flatbuffer bytes into a checked [`model::Model`]
//! (reading them through `schema`, hand-written flatbuffer accessors, and `opcodes`),
//! `import` turns that into tinyml IR. `mutate` builds malformed models for tests.

pub mod import;
pub mod model;
pub mod mutate;
pub mod opcodes;
pub mod reader;
mod schema;

pub use reader::{read_model, ReadError};
