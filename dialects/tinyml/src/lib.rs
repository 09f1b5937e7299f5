//! The `tinyml` dialect: graph-level int8 ops as TFLite defines them (`ops`), their reference
//! integer semantics (`semantics`) and the interpreter that runs a module with them.

pub mod interpreter;
pub mod macs;
pub mod ops;
pub mod semantics;

use tmlc_core::dialect::Context;

/// Registers every tinyml op in `context`.
pub fn register(context: &mut Context) {
    use ops::pool::{Pool2d, PoolKind};
    context.register_op(Box::new(ops::constant::Const));
    context.register_op(Box::new(ops::conv2d::Conv2d));
    context.register_op(Box::new(ops::depthwise_conv2d::DepthwiseConv2d));
    context.register_op(Box::new(ops::fully_connected::FullyConnected));
    context.register_op(Box::new(ops::add::Add));
    context.register_op(Box::new(Pool2d(PoolKind::Average)));
    context.register_op(Box::new(Pool2d(PoolKind::Max)));
    context.register_op(Box::new(ops::pad::Pad));
    context.register_op(Box::new(ops::reshape::Reshape));
    context.register_op(Box::new(ops::softmax::Softmax));
    context.register_op(Box::new(ops::mean::Mean));
    context.register_op(Box::new(ops::concat::Concat));
    use ops::activation::{Elementwise, ElementwiseOp};
    context.register_op(Box::new(ElementwiseOp(Elementwise::Relu)));
    context.register_op(Box::new(ElementwiseOp(Elementwise::Relu6)));
    context.register_op(Box::new(ElementwiseOp(Elementwise::Requantize)));
}
