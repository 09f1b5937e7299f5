//! `tinyml.depthwise_conv2d`: per-channel 2-D convolution with a depth multiplier; weights are
//! `[1, KH, KW, C * multiplier]`, quantized per channel along axis 3.
//!
//! `%y = tinyml.depthwise_conv2d %x, %w, %b {stride = [2, 2], padding = same, multiplier = 8, act = relu6} : T`
//! Semantics: TFLite Micro's reference `DepthwiseConvPerChannel` (see `semantics::depthwise_conv2d`).

use crate::interfaces::{InPlace, OpInterface, SlidingWindow};
use crate::ops::common::{
    activation, expect_activation_operand, expect_activation_result, expect_bias,
    expect_result_shape, expect_weights, sliding_window, window_attributes, window_output,
};
use crate::semantics::{depthwise_conv2d, Activation, DepthwiseConv2dOptions};
use crate::tensor::{Operands, TensorData};
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::dialect::{OpContext, OpDefinition};

/// The definition of `tinyml.depthwise_conv2d`.
pub struct DepthwiseConv2dOp;

/// A verified `tinyml.depthwise_conv2d`, its attributes decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DepthwiseConv2d {
    pub window: SlidingWindow,
    pub multiplier: usize,
    pub act: Activation,
    /// `[batch, height, width, channels]` of the input and of the output.
    pub input: [usize; 4],
    pub output: [usize; 4],
}

fn dims(shape: &[usize]) -> [usize; 4] {
    [shape[0], shape[1], shape[2], shape[3]]
}

impl DepthwiseConv2d {
    pub fn decode(op: &OpContext) -> DiagResult<DepthwiseConv2d> {
        let filter = &op.operand_type(1).shape;
        Ok(DepthwiseConv2d {
            window: sliding_window(op, [filter[1], filter[2]], true)?,
            multiplier: op.positive_attribute("multiplier", Some(1))?,
            act: activation(op)?,
            input: dims(&op.operand_type(0).shape),
            output: dims(&op.result_type(0).shape),
        })
    }
}

impl OpDefinition for DepthwiseConv2dOp {
    fn name(&self) -> &'static str {
        "tinyml.depthwise_conv2d"
    }

    fn summary(&self) -> &'static str {
        "depthwise 2-D convolution with a depth multiplier"
    }

    fn verify(&self, op: &OpContext) -> DiagResult<()> {
        op.expect_operands(2, 3)?;
        op.expect_results(1)?;
        op.expect_attributes(&["stride", "dilation", "padding", "multiplier", "act"])?;
        expect_activation_operand(op, 0, "input", Some(4))?;
        expect_weights(op, 1, 4, 3)?;
        expect_activation_result(op, 0)?;
        let window = window_attributes(op, true)?;
        let multiplier = op.positive_attribute("multiplier", Some(1))?;
        activation(op)?;
        let input = &op.operand_type(0).shape;
        let filter = &op.operand_type(1).shape;
        if filter[0] != 1 {
            return Err(op.operand_error(
                1,
                format!(
                    "depthwise weights must have 1 as first dimension, got {}",
                    filter[0]
                ),
            ));
        }
        if filter[3] != input[3] * multiplier {
            return Err(op.operand_error(
                1,
                format!(
                    "weights have {} channels, but input channels x multiplier = {} x {multiplier}",
                    filter[3], input[3]
                ),
            ));
        }
        expect_bias(op, 2, filter[3])?;
        let [height, width] = window_output(op, input, [filter[1], filter[2]], window)?;
        expect_result_shape(op, &[input[0], height, width, filter[3]])
    }
}

impl OpInterface for DepthwiseConv2d {
    /// `[N, out_h, out_w, channels x multiplier]` over the input's plane.
    fn result_shape(&self, operands: &[&[usize]]) -> Option<Vec<usize>> {
        let input = operands.first()?;
        self.window
            .result_shape(input, input.get(3)? * self.multiplier)
    }

    fn sliding_window(&self) -> Option<SlidingWindow> {
        Some(self.window)
    }

    /// Channel by channel (each output channel reads only its input channel) when the
    /// multiplier is 1, the batch 1 and the output plane no larger than the input's.
    fn in_place(&self) -> InPlace {
        let fits = self.output[1] <= self.input[1] && self.output[2] <= self.input[2];
        if self.multiplier == 1 && self.input[0] == 1 && fits {
            InPlace::ChannelPlanes {
                plane_bytes: self.output[1] * self.output[2],
            }
        } else {
            InPlace::Never
        }
    }

    fn macs_per_output(&self) -> u64 {
        (self.window.kernel[0] * self.window.kernel[1]) as u64
    }

    fn evaluate(&self, operands: &Operands) -> DiagResult<TensorData> {
        let window = self.window;
        let options = DepthwiseConv2dOptions {
            stride_h: window.stride[0],
            stride_w: window.stride[1],
            dilation_h: window.dilation[0],
            dilation_w: window.dilation[1],
            depth_multiplier: self.multiplier,
            padding: window.padding,
            activation: self.act,
        };
        Ok(TensorData::I8(depthwise_conv2d(
            &operands.activation(0),
            &operands.weights(1),
            operands.bias(2),
            &options,
            &operands.output(),
        )))
    }
}
