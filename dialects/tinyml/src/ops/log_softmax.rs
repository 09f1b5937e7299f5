//! `tinyml.log_softmax`: int8 log-softmax over the last axis. TFLite Micro fixes the output
//! quantization to scale 16/256, zero point 127 (the range [-16, 0)) and needs an input scale
//! above 2^-26.
//!
//! `%y = tinyml.log_softmax %x : tensor<1x10xi8, !q<0.0625, 127>>`
//! Semantics: TFLite Micro's reference int8 `LogSoftmax` in gemmlowp fixed point (see
//! `semantics::log_softmax`).

use crate::interfaces::{InPlace, OpInterface};
use crate::ops::common::{expect_result_quantization, quantization, verify_unary};
use crate::semantics::log_softmax::{LogSoftmaxParams, LOG_SOFTMAX_OUTPUT};
use crate::tensor::{Operands, TensorData};
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::dialect::{OpContext, OpDefinition};

/// The definition of `tinyml.log_softmax`.
pub struct LogSoftmaxOp;

/// A verified `tinyml.log_softmax` (it has no attributes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogSoftmax;

impl OpDefinition for LogSoftmaxOp {
    fn name(&self) -> &'static str {
        "tinyml.log_softmax"
    }

    fn summary(&self) -> &'static str {
        "int8 log-softmax over the last axis (output scale 16/256, zero point 127)"
    }

    fn verify(&self, op: &OpContext) -> DiagResult<()> {
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
    /// Row by row: each row's maximum and sum are read before the row is written, and each
    /// output element then depends on its own input element only.
    fn in_place(&self) -> InPlace {
        InPlace::Elementwise
    }

    fn evaluate(&self, operands: &Operands) -> DiagResult<TensorData> {
        Ok(TensorData::I8(crate::semantics::log_softmax(
            &operands.activation(0),
        )))
    }
}
