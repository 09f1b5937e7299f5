//! `tinyml.softmax`: int8 softmax over the last axis. The output quantization is fixed by
//! TFLite to scale 1/256, zero point -128.
//!
//! `%y = tinyml.softmax %x {beta = 1.0} : tensor<1x2xi8, !q<0.00390625, -128>>`
//! Semantics: TFLite Micro's reference int8 `Softmax` with its fixed-point exp (see
//! `semantics::softmax`).

use crate::interfaces::{InPlace, OpInterface};
use crate::ops::common::{
    expect_activation_operand, expect_activation_result, expect_result_shape,
};
use crate::tensor::{Operands, TensorData};
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::dialect::{OpContext, OpDefinition};

/// The definition of `tinyml.softmax`.
pub struct SoftmaxOp;

/// A verified `tinyml.softmax`, its attributes decoded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Softmax {
    pub beta: f32,
}

impl Softmax {
    pub fn decode(op: &OpContext) -> DiagResult<Softmax> {
        Ok(Softmax {
            beta: op.float_attribute("beta", Some(1.0))?,
        })
    }
}

impl OpDefinition for SoftmaxOp {
    fn name(&self) -> &'static str {
        "tinyml.softmax"
    }

    fn summary(&self) -> &'static str {
        "int8 softmax over the last axis (output scale 1/256, zero point -128)"
    }

    fn verify(&self, op: &OpContext) -> DiagResult<()> {
        op.expect_operands(1, 1)?;
        op.expect_results(1)?;
        op.expect_attributes(&["beta"])?;
        expect_activation_operand(op, 0, "input", None)?;
        expect_activation_result(op, 0)?;
        let beta = op.float_attribute("beta", Some(1.0))?;
        if !(beta.is_finite() && beta > 0.0) {
            return Err(op.attribute_error("beta", format!("beta must be positive, got {beta:?}")));
        }
        if op.operand_type(0).rank() == 0 {
            return Err(op.operand_error(0, "input must have rank at least 1"));
        }
        if op.result_type(0).per_tensor() != Some((1.0 / 256.0, -128)) {
            return Err(op.result_error(
                0,
                "int8 softmax output must be quantized with scale 0.00390625 and zero point -128",
            ));
        }
        expect_result_shape(op, &op.operand_type(0).shape)
    }
}

impl OpInterface for Softmax {
    /// The input's shape (rows along the last axis).
    fn result_shape(&self, operands: &[&[usize]]) -> Option<Vec<usize>> {
        operands.first().map(|input| input.to_vec())
    }

    /// Row by row: each row's maximum and sum are read before the row is written.
    fn in_place(&self) -> InPlace {
        InPlace::Elementwise
    }

    fn evaluate(&self, operands: &Operands) -> DiagResult<TensorData> {
        Ok(TensorData::I8(crate::semantics::softmax(
            &operands.activation(0),
            self.beta,
        )))
    }
}
