//! The tinyml ops, one file each: what the op means, its verifier (operands, attributes, shape
//! inference) and a pointer to its semantics.

pub mod activation;
pub mod add;
pub mod common;
pub mod concat;
pub mod constant;
pub mod conv2d;
pub mod depthwise_conv2d;
pub mod fully_connected;
pub mod mean;
pub mod pad;
pub mod pool;
pub mod reshape;
pub mod softmax;
