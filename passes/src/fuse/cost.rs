//! The cost model that picks among equivalent forms: rough Cortex-M cycles of one inference.
//!
//! An op kernel pays a fixed [`KERNEL_CALL`] (call, argument set-up, multiplier tables, loop
//! prologues), one [`BYTE`] per activation byte it reads or writes through SRAM (each operand
//! and the result once; weights and biases sit in flash and are paid through the MACs), one
//! [`MAC`] per multiply-accumulate or window tap, and a per-output-element finishing step:
//! [`REQUANTIZE`] for a double-rounding multiply (conv, depthwise, fully connected, mean,
//! requantize; three for add, four for softmax's fixed-point exp and reciprocal) or [`DIVIDE`]
//! for average pooling's rounded division. Clamps (fused or standalone activations) cost one
//! per element only when they are a kernel of their own.
//!
//! `reshape` and `squeeze` are views: `alloc` gives them their source's bytes and the C backend
//! emits nothing, so they pay no call and no bytes, only [`VIEW`] = 1 so that among otherwise equal forms the one
//! with fewer reshapes wins (fully_connected(x) over fully_connected(reshape(x)), and a 1x1
//! conv2d over reshape(fully_connected) and the reverse). Parameters and constants cost nothing.

use super::analysis::FuseGraph;
use super::language::{Kind, Node, OpNode};
use egg::{CostFunction, Id, Language};
use tmlc_core::types::TensorType;

pub const KERNEL_CALL: u64 = 100;
pub const BYTE: u64 = 1;
pub const MAC: u64 = 1;
pub const REQUANTIZE: u64 = 10;
pub const DIVIDE: u64 = 8;
pub const VIEW: u64 = 1;

/// The cost of one e-node alone (not counting its operands' producers).
pub fn node_cost(egraph: &FuseGraph, node: &Node) -> u64 {
    match node {
        Node::Param { .. } | Node::Const { .. } => 0,
        Node::Op(op) if matches!(op.kind, Kind::Reshape | Kind::Squeeze) => VIEW,
        Node::Op(op) => {
            let operand = |index: usize| -> &TensorType { &egraph[op.operands[index]].data.0 };
            let activations = match op.kind {
                Kind::Conv2d | Kind::DepthwiseConv2d | Kind::FullyConnected => 1,
                _ => op.operands.len(),
            };
            let bytes_read: usize = (0..activations).map(|i| operand(i).byte_size()).sum();
            let moved = (bytes_read + op.ty.0.byte_size()) as u64;
            KERNEL_CALL + BYTE * moved + work(op, operand)
        }
    }
}

/// MACs (or taps) and per-element finishing steps of an op kernel.
fn work<'t>(op: &OpNode, operand: impl Fn(usize) -> &'t TensorType) -> u64 {
    let outputs = op.ty.0.num_elements() as u64;
    let product = |dims: &[usize]| dims.iter().product::<usize>() as u64;
    match op.kind {
        // Weights [O, KH, KW, I]: KH * KW * I MACs per output.
        Kind::Conv2d => outputs * (MAC * product(&operand(1).shape[1..]) + REQUANTIZE),
        // Weights [1, KH, KW, C * m]: KH * KW MACs per output.
        Kind::DepthwiseConv2d => outputs * (MAC * product(&operand(1).shape[1..3]) + REQUANTIZE),
        // Weights [O, I].
        Kind::FullyConnected => outputs * (MAC * product(&operand(1).shape[1..]) + REQUANTIZE),
        Kind::AvgPool2d | Kind::MaxPool2d => {
            let taps = MAC * product(&op.attributes.pair("filter", [1, 1]));
            let divide = if op.kind == Kind::AvgPool2d {
                DIVIDE
            } else {
                0
            };
            outputs * (taps + divide)
        }
        Kind::Mean => MAC * operand(0).num_elements() as u64 + outputs * REQUANTIZE,
        Kind::Add | Kind::Sub => outputs * 3 * REQUANTIZE,
        Kind::Requantize => outputs * REQUANTIZE,
        // Data movement: the bytes moved, nothing per element.
        Kind::Pad
        | Kind::Concat
        | Kind::Transpose
        | Kind::ResizeNearestNeighbor
        | Kind::StridedSlice
        | Kind::Reshape
        | Kind::Squeeze
        | Kind::Const => 0,
        Kind::Softmax | Kind::LogSoftmax => outputs * 4 * REQUANTIZE,
        // Clamps, and the ops a table lookup computes.
        Kind::Relu
        | Kind::Relu6
        | Kind::HardSwish
        | Kind::Logistic
        | Kind::Tanh
        | Kind::LeakyRelu => outputs,
        // Any other op (elementwise ones such as mul): one requantization per output.
        _ => outputs * REQUANTIZE,
    }
}

/// The greedy extractor's cost: an e-node plus the best costs of its operands (a tree cost,
/// which counts a shared operand once per use; `extract` repairs what that misses).
pub struct TreeCost<'g, 'a> {
    pub egraph: &'g FuseGraph<'a>,
}

impl CostFunction<Node> for TreeCost<'_, '_> {
    type Cost = u64;

    fn cost<C>(&mut self, enode: &Node, mut costs: C) -> u64
    where
        C: FnMut(Id) -> u64,
    {
        enode
            .children()
            .iter()
            .fold(node_cost(self.egraph, enode), |total, &child| {
                total.saturating_add(costs(child))
            })
    }
}
