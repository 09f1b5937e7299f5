//! `tinyml.depthwise_conv2d`: per-channel 2-D convolution with a depth multiplier; weights are
//! `[1, KH, KW, C * multiplier]`, quantized per channel along axis 3.
//!
//! `%y = tinyml.depthwise_conv2d %x, %w, %b {stride = [2, 2], padding = same, multiplier = 8, act = relu6} : T`
//! Semantics: TFLite Micro's reference `DepthwiseConvPerChannel` (see `semantics::depthwise_conv2d`).

use crate::interpreter::{padding, Operands};
use crate::ops::common::{
    activation, expect_activation_operand, expect_activation_result, expect_bias,
    expect_result_shape, expect_weights, window_attributes, window_output,
};
use crate::semantics::{depthwise_conv2d, DepthwiseConv2dOptions};
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::dialect::{OpContext, OpDefinition};

pub struct DepthwiseConv2d;

impl OpDefinition for DepthwiseConv2d {
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

/// Runs the op with the reference kernel.
pub fn evaluate(operands: &Operands) -> DiagResult<Vec<i8>> {
    let window = window_attributes(&operands.op, true)?;
    let options = DepthwiseConv2dOptions {
        stride_h: window.stride[0],
        stride_w: window.stride[1],
        dilation_h: window.dilation[0],
        dilation_w: window.dilation[1],
        depth_multiplier: operands.op.positive_attribute("multiplier", Some(1))?,
        padding: padding(window.same_padding),
        activation: operands.activation_function()?,
    };
    Ok(depthwise_conv2d(
        &operands.activation(0),
        &operands.weights(1),
        operands.bias(2),
        &options,
        &operands.output(),
    ))
}
