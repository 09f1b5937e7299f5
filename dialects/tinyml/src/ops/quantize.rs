//! `tinyml.quantize`: TFLite's QUANTIZE of a float32 tensor (a model's float input edge) to an
//! int8 tensor quantized per tensor. (QUANTIZE int8 -> int8 is `tinyml.requantize`.)
//!
//! `%q = tinyml.quantize %x : tensor<1x80x80x3xi8, !q<0.0078, 0>>` with `%x` of `f32`.
//! Semantics: TFLite Micro's reference `AffineQuantize` (see `semantics::float_edges`).

use crate::interfaces::OpInterface;
use crate::ops::common::{expect_activation_result, expect_result_shape};
use crate::semantics::float_edges::quantize;
use crate::tensor::{Operands, TensorData};
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::dialect::{OpContext, OpDefinition};
use tmlc_core::types::ElementType;

/// The definition of `tinyml.quantize`.
pub struct QuantizeOp;

/// A verified `tinyml.quantize` (no attributes: the result type holds the quantization).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quantize;

impl OpDefinition for QuantizeOp {
    fn name(&self) -> &'static str {
        "tinyml.quantize"
    }

    fn summary(&self) -> &'static str {
        "quantizes a float32 tensor to int8 (a model's float input edge)"
    }

    fn verify(&self, op: &OpContext) -> DiagResult<()> {
        op.expect_operands(1, 1)?;
        op.expect_results(1)?;
        op.expect_attributes(&[])?;
        let input = op.operand_type(0);
        if input.element != ElementType::F32 || input.quant.is_some() {
            return Err(op.operand_error(
                0,
                format!("input must be an unquantized f32 tensor, got {input}"),
            ));
        }
        expect_activation_result(op, 0)?;
        expect_result_shape(op, &input.shape)
    }
}

impl OpInterface for Quantize {
    fn elementwise(&self) -> bool {
        true
    }

    fn evaluate(&self, operands: &Operands) -> DiagResult<TensorData> {
        let output = operands.output();
        Ok(TensorData::I8(quantize(
            operands.f32_data(0),
            output.scale,
            output.zero_point,
        )))
    }
}
