//! The `tinyml` dialect: graph-level int8 ops as TFLite defines them (`ops`: definitions, typed
//! views, interfaces), their reference integer semantics (`semantics`), the tensors they run on
//! (`tensor`), the interpreter that runs a module with them, and MAC counts.
//!
//! Dependencies inside the crate point one way: semantics <- tensor <- interfaces <- ops <-
//! interpreter, macs, kernels (the runtime kernel library's description), state (the state
//! section of stateful ops).

pub mod cost;
pub mod interfaces;
pub mod interpreter;
pub mod kernels;
pub mod macs;
pub mod ops;
pub mod semantics;
pub mod state;
pub mod tensor;

pub use interfaces::{InPlace, OpInterface, SlidingWindow};
pub use ops::{register, OpKind, OpView};
