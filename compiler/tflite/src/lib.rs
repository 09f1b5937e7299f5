//! The `.tflite` frontend: `reader` turns flatbuffer bytes into a checked [`model::Model`],
//! `import` (later) turns that into tinyml IR.

pub mod model;
