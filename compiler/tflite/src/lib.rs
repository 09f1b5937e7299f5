//! The `.tflite` frontend: `reader` turns flatbuffer bytes into a checked [`model::Model`]
//! (reading them through `schema`, hand-written flatbuffer accessors, and `opcodes`),
//! `import` turns that into tinyml IR. `mutate` (cargo feature `mutate`) builds malformed models
//! for tests.

pub mod import;
pub mod model;
#[cfg(feature = "mutate")]
pub mod mutate;
pub mod opcodes;
pub mod reader;
// Parts of `schema` only `mutate` uses.
#[cfg_attr(not(feature = "mutate"), allow(dead_code))]
mod schema;

pub use reader::{read_model, ReadError};
