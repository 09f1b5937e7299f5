//! `tinyml.conv2d`: 2-D convolution of an NHWC int8 input with OHWI int8 weights (per-channel
//! or per-tensor), optional i32 bias, requantized to the output scale with a fused activation.
//!
//! `%y = tinyml.conv2d %x, %w, %b {stride = [1, 1], dilation = [1, 1], padding = same, act = relu6} : T`
//! Semantics: TFLite Micro's reference `ConvPerChannel` (see `semantics::conv2d`).

use crate::interfaces::{OpInterface, SlidingWindow};
use crate::ops::common::{
    activation, expect_activation_operand, expect_activation_result, expect_bias,
    expect_result_shape, expect_weights, sliding_window, window_attributes, window_output,
};
use crate::semantics::{conv2d, Activation, Conv2dOptions};
use crate::tensor::{Operands, TensorData};
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::dialect::{OpContext, OpDefinition};

/// The definition of `tinyml.conv2d` (name, summary, verifier).
pub struct Conv2dOp;

/// A verified `tinyml.conv2d`, its attributes decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conv2d {
    pub window: SlidingWindow,
    pub act: Activation,
    /// Output channels, input channels (weights `[out_c, k_h, k_w, in_c]`).
    pub out_channels: usize,
    pub in_channels: usize,
}

impl Conv2d {
    pub fn decode(op: &OpContext) -> DiagResult<Conv2d> {
        let filter = &op.operand_type(1).shape;
        Ok(Conv2d {
            window: sliding_window(op, [filter[1], filter[2]], true)?,
            act: activation(op)?,
            out_channels: filter[0],
            in_channels: filter[3],
        })
    }
}

impl OpDefinition for Conv2dOp {
    fn name(&self) -> &'static str {
        "tinyml.conv2d"
    }

    fn summary(&self) -> &'static str {
        "2-D convolution (NHWC input, OHWI weights, optional bias, fused activation)"
    }

    fn verify(&self, op: &OpContext) -> DiagResult<()> {
        op.expect_operands(2, 3)?;
        op.expect_results(1)?;
        op.expect_attributes(&["stride", "dilation", "padding", "act"])?;
        expect_activation_operand(op, 0, "input", Some(4))?;
        expect_weights(op, 1, 4, 0)?;
        expect_activation_result(op, 0)?;
        let window = window_attributes(op, true)?;
        activation(op)?;
        let input = &op.operand_type(0).shape;
        let filter = &op.operand_type(1).shape;
        if filter[3] != input[3] {
            return Err(op.operand_error(
                1,
                format!(
                    "weights have {} input channels, but the input has {}",
                    filter[3], input[3]
                ),
            ));
        }
        expect_bias(op, 2, filter[0])?;
        let [height, width] = window_output(op, input, [filter[1], filter[2]], window)?;
        expect_result_shape(op, &[input[0], height, width, filter[0]])
    }
}

impl OpInterface for Conv2d {
    /// `[N, out_h, out_w, out_channels]` over the input's plane.
    fn result_shape(&self, operands: &[&[usize]]) -> Option<Vec<usize>> {
        self.window
            .result_shape(operands.first()?, self.out_channels)
    }

    fn sliding_window(&self) -> Option<SlidingWindow> {
        Some(self.window)
    }

    fn macs_per_output(&self) -> u64 {
        (self.window.kernel[0] * self.window.kernel[1] * self.in_channels) as u64
    }

    fn evaluate(&self, operands: &Operands) -> DiagResult<TensorData> {
        let window = self.window;
        let options = Conv2dOptions {
            stride_h: window.stride[0],
            stride_w: window.stride[1],
            dilation_h: window.dilation[0],
            dilation_w: window.dilation[1],
            padding: window.padding,
            activation: self.act,
        };
        Ok(TensorData::I8(conv2d(
            &operands.activation(0),
            &operands.weights(1),
            operands.bias(2),
            &options,
            &operands.output(),
        )))
    }
}
