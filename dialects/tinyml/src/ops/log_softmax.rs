//! `tinyml.log_softmax`: log-softmax over the last axis, of int8 or of float32 (a model's float
//! tail after its DEQUANTIZE, as PyTorch exports put it). For int8, TFLite Micro fixes the output
//! quantization to scale 16/256, zero point 127 (the range [-16, 0)) and needs an input scale
//! above 2^-26.
//!
//! `%y = tinyml.log_softmax %x : tensor<1x10xi8, !q<0.0625, 127>>`
//! `%y = tinyml.log_softmax %f : tensor<1x10xf32>`
//! Semantics: TFLite Micro's reference int8 `LogSoftmax` in gemmlowp fixed point (see
//! `semantics::log_softmax`), and its float `LogSoftmax` (`semantics::log_softmax_f32`).

use crate::interfaces::{InPlace, OpInterface};
use crate::ops::common::{
    expect_result_quantization, expect_result_shape, quantization, verify_unary,
};
use crate::semantics::log_softmax::{LogSoftmaxParams, LOG_SOFTMAX_OUTPUT};
use crate::semantics::log_softmax_f32::log_softmax_f32;
use crate::tensor::{Operands, TensorData};
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::dialect::{OpContext, OpDefinition};
use tmlc_core::types::ElementType;

/// The definition of `tinyml.log_softmax`.
pub struct LogSoftmaxOp;

/// A verified `tinyml.log_softmax` (it has no attributes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogSoftmax {
    /// Whether it computes on float32 rather than int8.
    pub float: bool,
}

impl LogSoftmax {
    pub fn decode(op: &OpContext) -> DiagResult<LogSoftmax> {
        Ok(LogSoftmax {
            float: op.operand_type(0).element == ElementType::F32,
        })
    }
}

/// The float32 form: unquantized f32 in and out, the same shape.
fn verify_float(op: &OpContext) -> DiagResult<()> {
    op.expect_operands(1, 1)?;
    op.expect_results(1)?;
    op.expect_attributes(&[])?;
    let output = op.result_type(0);
    if output.element != ElementType::F32 || output.quant.is_some() {
        return Err(op.result_error(
            0,
            format!("the result of a float32 log_softmax must be unquantized f32, got {output}"),
        ));
    }
    if op.operand_type(0).quant.is_some() {
        return Err(op.operand_error(0, "a float32 input must not be quantized"));
    }
    if op.operand_type(0).rank() == 0 {
        return Err(op.operand_error(0, "input must have rank at least 1"));
    }
    expect_result_shape(op, &op.operand_type(0).shape)
}

impl OpDefinition for LogSoftmaxOp {
    fn name(&self) -> &'static str {
        "tinyml.log_softmax"
    }

    fn summary(&self) -> &'static str {
        "log-softmax over the last axis: int8 (output scale 16/256, zero point 127) or float32"
    }

    fn verify(&self, op: &OpContext) -> DiagResult<()> {
        if op.num_operands() == 1 && op.operand_type(0).element == ElementType::F32 {
            return verify_float(op);
        }
        verify_unary(op, &[])?;
        if op.operand_type(0).rank() == 0 {
            return Err(op.operand_error(0, "input must have rank at least 1"));
        }
        expect_result_quantization(op, "log_softmax", LOG_SOFTMAX_OUTPUT)?;
        let (input_scale, _) = quantization(op.operand_type(0));
        if !LogSoftmaxParams::prepare(input_scale).is_supported() {
            return Err(op.operand_error(
                0,
                format!(
                    "input scale {input_scale} is too small: TFLite Micro needs it \
                     above 2^-26"
                ),
            ));
        }
        Ok(())
    }
}

impl OpInterface for LogSoftmax {
    /// The input's shape (rows along the last axis).
    fn result_shape(&self, operands: &[&[usize]]) -> Option<Vec<usize>> {
        operands.first().map(|input| input.to_vec())
    }

    /// Row by row: each row's maximum and sum are read before the row is written, and each
    /// output element then depends on its own input element only.
    fn in_place(&self) -> InPlace {
        InPlace::Elementwise
    }

    fn evaluate(&self, operands: &Operands) -> DiagResult<TensorData> {
        if self.float {
            let depth = operands
                .op
                .operand_type(0)
                .shape
                .last()
                .copied()
                .unwrap_or(1);
            return Ok(TensorData::F32(log_softmax_f32(
                operands.f32_data(0),
                depth,
            )));
        }
        Ok(TensorData::I8(crate::semantics::log_softmax(
            &operands.activation(0),
        )))
    }
}
