//! `tinyml.dequantize`: TFLite's DEQUANTIZE of an int8 tensor quantized per tensor to float32 (a
//! model's float output edge).
//!
//! `%y = tinyml.dequantize %q : tensor<1x2xf32>`
//! Semantics: TFLite Micro's reference `Dequantize` (see `semantics::float_edges`).

use crate::interfaces::OpInterface;
use crate::ops::common::{expect_activation_operand, expect_result_shape};
use crate::semantics::float_edges::dequantize;
use crate::tensor::{Operands, TensorData};
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::dialect::{OpContext, OpDefinition};
use tmlc_core::types::ElementType;

/// The definition of `tinyml.dequantize`.
pub struct DequantizeOp;

/// A verified `tinyml.dequantize` (no attributes: the operand type holds the quantization).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dequantize;

impl OpDefinition for DequantizeOp {
    fn name(&self) -> &'static str {
        "tinyml.dequantize"
    }

    fn summary(&self) -> &'static str {
        "dequantizes an int8 tensor to float32 (a model's float output edge)"
    }

    fn verify(&self, op: &OpContext) -> DiagResult<()> {
        op.expect_operands(1, 1)?;
        op.expect_results(1)?;
        op.expect_attributes(&[])?;
        expect_activation_operand(op, 0, "input", None)?;
        let output = op.result_type(0);
        if output.element != ElementType::F32 || output.quant.is_some() {
            return Err(op.result_error(
                0,
                format!("result must be an unquantized f32 tensor, got {output}"),
            ));
        }
        expect_result_shape(op, &op.operand_type(0).shape)
    }
}

impl OpInterface for Dequantize {
    fn elementwise(&self) -> bool {
        true
    }

    fn evaluate(&self, operands: &Operands) -> DiagResult<TensorData> {
        let input = operands.activation(0);
        Ok(TensorData::F32(dequantize(
            input.data,
            input.scale,
            input.zero_point,
        )))
    }
}
