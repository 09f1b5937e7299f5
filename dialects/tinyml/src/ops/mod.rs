//! The tinyml op set. One file per op holds what the op means, its verifier (operands,
//! attributes, shape inference), its typed view (attributes decoded once) and its interfaces
//! (`crate::interfaces`). This module lists them: [`OpKind`] (every op and its name), [`OpView`]
//! (a verified op decoded into its typed view) and [`register`].
//!
//! Adding an op: its file here, a variant in [`OpKind`] and [`OpView`], an arm in
//! [`OpView::decode`] and [`OpView::interface`], a line in [`register`]
//! (docs/adding-an-op.md walks through one).

pub mod activation;
pub mod add;
pub mod common;
pub mod concat;
pub mod constant;
pub mod conv2d;
pub mod depthwise_conv2d;
pub mod dequantize;
pub mod fully_connected;
pub mod hard_swish;
pub mod leaky_relu;
pub mod log_softmax;
pub mod lstm;
pub mod mean;
pub mod mul;
pub mod pad;
pub mod pool;
pub mod quantize;
pub mod reshape;
pub mod resize_nearest_neighbor;
pub mod sigmoid;
pub mod softmax;
pub mod squeeze;
pub mod strided_slice;
pub mod sub;
pub mod transpose;

use crate::interfaces::OpInterface;
use crate::semantics::sigmoid::SigmoidFunction;
use activation::{Elementwise, ElementwiseOp};
use pool::{Pool2dOp, PoolKind};
use sigmoid::SigmoidOp;
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::dialect::{Context, OpContext};
use tmlc_core::ir::{Function, Module, Op};

/// Every tinyml op.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OpKind {
    Const,
    Conv2d,
    DepthwiseConv2d,
    FullyConnected,
    Add,
    AvgPool2d,
    MaxPool2d,
    Pad,
    Reshape,
    Softmax,
    Mean,
    Mul,
    Concat,
    Transpose,
    ResizeNearestNeighbor,
    Squeeze,
    StridedSlice,
    Relu,
    Relu6,
    Requantize,
    Quantize,
    Dequantize,
    Sub,
    HardSwish,
    Logistic,
    Tanh,
    LeakyRelu,
    LogSoftmax,
    Lstm,
}

impl OpKind {
    pub const ALL: [OpKind; 29] = [
        OpKind::Const,
        OpKind::Conv2d,
        OpKind::DepthwiseConv2d,
        OpKind::FullyConnected,
        OpKind::Add,
        OpKind::AvgPool2d,
        OpKind::MaxPool2d,
        OpKind::Pad,
        OpKind::Reshape,
        OpKind::Softmax,
        OpKind::Mean,
        OpKind::Mul,
        OpKind::Concat,
        OpKind::Transpose,
        OpKind::ResizeNearestNeighbor,
        OpKind::Squeeze,
        OpKind::StridedSlice,
        OpKind::Relu,
        OpKind::Relu6,
        OpKind::Requantize,
        OpKind::Quantize,
        OpKind::Dequantize,
        OpKind::Sub,
        OpKind::HardSwish,
        OpKind::Logistic,
        OpKind::Tanh,
        OpKind::LeakyRelu,
        OpKind::LogSoftmax,
        OpKind::Lstm,
    ];

    /// The op's name in the IR.
    pub fn name(self) -> &'static str {
        match self {
            OpKind::Const => "tinyml.const",
            OpKind::Conv2d => "tinyml.conv2d",
            OpKind::DepthwiseConv2d => "tinyml.depthwise_conv2d",
            OpKind::FullyConnected => "tinyml.fully_connected",
            OpKind::Add => "tinyml.add",
            OpKind::AvgPool2d => "tinyml.avg_pool2d",
            OpKind::MaxPool2d => "tinyml.max_pool2d",
            OpKind::Pad => "tinyml.pad",
            OpKind::Reshape => "tinyml.reshape",
            OpKind::Softmax => "tinyml.softmax",
            OpKind::Mean => "tinyml.mean",
            OpKind::Mul => "tinyml.mul",
            OpKind::Concat => "tinyml.concat",
            OpKind::Transpose => "tinyml.transpose",
            OpKind::ResizeNearestNeighbor => "tinyml.resize_nearest_neighbor",
            OpKind::Squeeze => "tinyml.squeeze",
            OpKind::StridedSlice => "tinyml.strided_slice",
            OpKind::Relu => "tinyml.relu",
            OpKind::Relu6 => "tinyml.relu6",
            OpKind::Requantize => "tinyml.requantize",
            OpKind::Quantize => "tinyml.quantize",
            OpKind::Dequantize => "tinyml.dequantize",
            OpKind::Sub => "tinyml.sub",
            OpKind::HardSwish => "tinyml.hard_swish",
            OpKind::Logistic => "tinyml.logistic",
            OpKind::Tanh => "tinyml.tanh",
            OpKind::LeakyRelu => "tinyml.leaky_relu",
            OpKind::LogSoftmax => "tinyml.log_softmax",
            OpKind::Lstm => "tinyml.lstm",
        }
    }

    /// The tinyml op called `name`, if any.
    pub fn from_name(name: &str) -> Option<OpKind> {
        OpKind::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// The kind of `op` (`None` for ops of other dialects and `return`).
    pub fn of(function: &Function, op: Op) -> Option<OpKind> {
        OpKind::from_name(&function.ops[op].name)
    }
}

/// A verified tinyml op, decoded into its typed view.
#[derive(Debug, Clone, PartialEq)]
pub enum OpView {
    Const(constant::Const),
    Conv2d(conv2d::Conv2d),
    DepthwiseConv2d(depthwise_conv2d::DepthwiseConv2d),
    FullyConnected(fully_connected::FullyConnected),
    Add(add::Add),
    Pool2d(pool::Pool2d),
    Pad(pad::Pad),
    Reshape(reshape::Reshape),
    Softmax(softmax::Softmax),
    Mean(mean::Mean),
    Mul(mul::Mul),
    Concat(concat::Concat),
    Transpose(transpose::Transpose),
    ResizeNearestNeighbor(resize_nearest_neighbor::ResizeNearestNeighbor),
    Squeeze(squeeze::Squeeze),
    StridedSlice(strided_slice::StridedSlice),
    Elementwise(Elementwise),
    Quantize(quantize::Quantize),
    Dequantize(dequantize::Dequantize),
    Sub(sub::Sub),
    HardSwish(hard_swish::HardSwish),
    /// `tinyml.logistic` and `tinyml.tanh`.
    Sigmoid(sigmoid::Sigmoid),
    LeakyRelu(leaky_relu::LeakyRelu),
    LogSoftmax(log_softmax::LogSoftmax),
    Lstm(lstm::Lstm),
}

impl OpView {
    /// Decodes a tinyml op; `None` for ops of other dialects. An error means the op's
    /// attributes are malformed (the verifier reports the same error).
    pub fn decode(op: &OpContext) -> Option<DiagResult<OpView>> {
        let kind = OpKind::from_name(&op.data().name)?;
        Some(match kind {
            OpKind::Const => constant::Const::decode(op).map(OpView::Const),
            OpKind::Conv2d => conv2d::Conv2d::decode(op).map(OpView::Conv2d),
            OpKind::DepthwiseConv2d => {
                depthwise_conv2d::DepthwiseConv2d::decode(op).map(OpView::DepthwiseConv2d)
            }
            OpKind::FullyConnected => {
                fully_connected::FullyConnected::decode(op).map(OpView::FullyConnected)
            }
            OpKind::Add => add::Add::decode(op).map(OpView::Add),
            OpKind::AvgPool2d => pool::Pool2d::decode(op, PoolKind::Average).map(OpView::Pool2d),
            OpKind::MaxPool2d => pool::Pool2d::decode(op, PoolKind::Max).map(OpView::Pool2d),
            OpKind::Pad => pad::Pad::decode(op).map(OpView::Pad),
            OpKind::Reshape => Ok(OpView::Reshape(reshape::Reshape)),
            OpKind::Softmax => softmax::Softmax::decode(op).map(OpView::Softmax),
            OpKind::Mean => mean::Mean::decode(op).map(OpView::Mean),
            OpKind::Mul => mul::Mul::decode(op).map(OpView::Mul),
            OpKind::Concat => concat::Concat::decode(op).map(OpView::Concat),
            OpKind::Transpose => transpose::Transpose::decode(op).map(OpView::Transpose),
            OpKind::ResizeNearestNeighbor => {
                resize_nearest_neighbor::ResizeNearestNeighbor::decode(op)
                    .map(OpView::ResizeNearestNeighbor)
            }
            OpKind::Squeeze => Ok(OpView::Squeeze(squeeze::Squeeze)),
            OpKind::StridedSlice => {
                strided_slice::StridedSlice::decode(op).map(OpView::StridedSlice)
            }
            OpKind::Relu => Ok(OpView::Elementwise(Elementwise::Relu)),
            OpKind::Relu6 => Ok(OpView::Elementwise(Elementwise::Relu6)),
            OpKind::Requantize => Ok(OpView::Elementwise(Elementwise::Requantize)),
            OpKind::Quantize => Ok(OpView::Quantize(quantize::Quantize)),
            OpKind::Dequantize => Ok(OpView::Dequantize(dequantize::Dequantize)),
            OpKind::Sub => sub::Sub::decode(op).map(OpView::Sub),
            OpKind::HardSwish => hard_swish::HardSwish::decode(op).map(OpView::HardSwish),
            OpKind::Logistic => {
                sigmoid::Sigmoid::decode(op, SigmoidFunction::Logistic).map(OpView::Sigmoid)
            }
            OpKind::Tanh => {
                sigmoid::Sigmoid::decode(op, SigmoidFunction::Tanh).map(OpView::Sigmoid)
            }
            OpKind::LeakyRelu => leaky_relu::LeakyRelu::decode(op).map(OpView::LeakyRelu),
            OpKind::LogSoftmax => log_softmax::LogSoftmax::decode(op).map(OpView::LogSoftmax),
            OpKind::Lstm => lstm::Lstm::decode(op).map(OpView::Lstm),
        })
    }

    /// The typed view of `op` in verified IR; `None` for ops of other dialects.
    pub fn of(module: &Module, function: &Function, op: Op) -> Option<OpView> {
        let context = OpContext {
            module,
            function,
            op,
        };
        OpView::decode(&context)?.ok()
    }

    /// The op's interfaces.
    pub fn interface(&self) -> &dyn OpInterface {
        match self {
            OpView::Const(op) => op,
            OpView::Conv2d(op) => op,
            OpView::DepthwiseConv2d(op) => op,
            OpView::FullyConnected(op) => op,
            OpView::Add(op) => op,
            OpView::Pool2d(op) => op,
            OpView::Pad(op) => op,
            OpView::Reshape(op) => op,
            OpView::Softmax(op) => op,
            OpView::Mean(op) => op,
            OpView::Mul(op) => op,
            OpView::Concat(op) => op,
            OpView::Transpose(op) => op,
            OpView::ResizeNearestNeighbor(op) => op,
            OpView::Squeeze(op) => op,
            OpView::StridedSlice(op) => op,
            OpView::Elementwise(op) => op,
            OpView::Quantize(op) => op,
            OpView::Dequantize(op) => op,
            OpView::Sub(op) => op,
            OpView::HardSwish(op) => op,
            OpView::Sigmoid(op) => op,
            OpView::LeakyRelu(op) => op,
            OpView::LogSoftmax(op) => op,
            OpView::Lstm(op) => op,
        }
    }
}

/// Registers every tinyml op in `context`.
pub fn register(context: &mut Context) {
    context.register_op(Box::new(constant::ConstOp));
    context.register_op(Box::new(conv2d::Conv2dOp));
    context.register_op(Box::new(depthwise_conv2d::DepthwiseConv2dOp));
    context.register_op(Box::new(fully_connected::FullyConnectedOp));
    context.register_op(Box::new(add::AddOp));
    context.register_op(Box::new(Pool2dOp(PoolKind::Average)));
    context.register_op(Box::new(Pool2dOp(PoolKind::Max)));
    context.register_op(Box::new(pad::PadOp));
    context.register_op(Box::new(reshape::ReshapeOp));
    context.register_op(Box::new(softmax::SoftmaxOp));
    context.register_op(Box::new(mean::MeanOp));
    context.register_op(Box::new(mul::MulOp));
    context.register_op(Box::new(concat::ConcatOp));
    context.register_op(Box::new(transpose::TransposeOp));
    context.register_op(Box::new(resize_nearest_neighbor::ResizeNearestNeighborOp));
    context.register_op(Box::new(squeeze::SqueezeOp));
    context.register_op(Box::new(strided_slice::StridedSliceOp));
    context.register_op(Box::new(ElementwiseOp(Elementwise::Relu)));
    context.register_op(Box::new(ElementwiseOp(Elementwise::Relu6)));
    context.register_op(Box::new(ElementwiseOp(Elementwise::Requantize)));
    context.register_op(Box::new(quantize::QuantizeOp));
    context.register_op(Box::new(dequantize::DequantizeOp));
    context.register_op(Box::new(sub::SubOp));
    context.register_op(Box::new(hard_swish::HardSwishOp));
    context.register_op(Box::new(SigmoidOp(SigmoidFunction::Logistic)));
    context.register_op(Box::new(SigmoidOp(SigmoidFunction::Tanh)));
    context.register_op(Box::new(leaky_relu::LeakyReluOp));
    context.register_op(Box::new(log_softmax::LogSoftmaxOp));
    context.register_op(Box::new(lstm::LstmOp));
}
