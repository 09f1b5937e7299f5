//! `tinyml.conv2d`: 2-D convolution of an NHWC int8 input with OHWI int8 weights (per-channel
//! or per-tensor), optional i32 bias, requantized to the output scale with a fused activation.
//!
//! `%y = tinyml.conv2d %x, %w, %b {stride = [1, 1], dilation = [1, 1], padding = same, act = relu6} : T`
//! Semantics: TFLite Micro's reference `ConvPerChannel` (see `semantics::conv2d`).

use crate::interpreter::{padding, Operands};
use crate::ops::common::{
    activation, expect_activation_operand, expect_activation_result, expect_bias,
    expect_result_shape, expect_weights, window_attributes, window_output,
};
use crate::semantics::{conv2d, Conv2dOptions};
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::dialect::{OpContext, OpDefinition};

pub struct Conv2d;

impl OpDefinition for Conv2d {
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

/// Runs the op with the reference kernel.
pub fn evaluate(operands: &Operands) -> DiagResult<Vec<i8>> {
    let window = window_attributes(&operands.op, true)?;
    let options = Conv2dOptions {
        stride_h: window.stride[0],
        stride_w: window.stride[1],
        dilation_h: window.dilation[0],
        dilation_w: window.dilation[1],
        padding: padding(window.same_padding),
        activation: operands.activation_function()?,
    };
    Ok(conv2d(
        &operands.activation(0),
        &operands.weights(1),
        operands.bias(2),
        &options,
        &operands.output(),
    ))
}
