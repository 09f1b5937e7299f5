//! `tinyml.logistic` and `tinyml.tanh`: the int8 sigmoid functions, whose result quantization
//! TFLite fixes (logistic: scale 1/256, zero point -128, i.e. [0, 1); tanh: scale 1/128, zero
//! point 0, i.e. [-1, 1)).
//!
//! `%y = tinyml.logistic %x : tensor<1x10xi8, !q<0.00390625, -128>>`
//! `%y = tinyml.tanh %x : tensor<1x10xi8, !q<0.0078125, 0>>`
//! Semantics: TFLite Micro's reference int8 `Logistic` and `Tanh` in gemmlowp fixed point (see
//! `semantics::sigmoid`).

use crate::interfaces::{InPlace, OpInterface};
use crate::ops::common::{expect_result_quantization, quantization, verify_unary};
use crate::semantics::lookup_table;
use crate::semantics::sigmoid::{self, SigmoidFunction, SigmoidParams};
use crate::tensor::{Operands, TensorData};
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::dialect::{OpContext, OpDefinition};

/// The definition of `tinyml.logistic` or `tinyml.tanh`.
pub struct SigmoidOp(pub SigmoidFunction);

/// A verified `tinyml.logistic` or `tinyml.tanh`, its constants prepared from the operand type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sigmoid {
    pub params: SigmoidParams,
}

impl Sigmoid {
    pub fn decode(op: &OpContext, function: SigmoidFunction) -> DiagResult<Sigmoid> {
        Ok(Sigmoid {
            params: SigmoidParams::prepare(function, quantization(op.operand_type(0))),
        })
    }
}

impl OpDefinition for SigmoidOp {
    fn name(&self) -> &'static str {
        match self.0 {
            SigmoidFunction::Logistic => "tinyml.logistic",
            SigmoidFunction::Tanh => "tinyml.tanh",
        }
    }

    fn summary(&self) -> &'static str {
        match self.0 {
            SigmoidFunction::Logistic => {
                "int8 logistic 1 / (1 + exp(-x)) (output scale 1/256, zero point -128)"
            }
            SigmoidFunction::Tanh => "int8 tanh (output scale 1/128, zero point 0)",
        }
    }

    fn verify(&self, op: &OpContext) -> DiagResult<()> {
        verify_unary(op, &[])?;
        match self.0 {
            SigmoidFunction::Logistic => {
                expect_result_quantization(op, "logistic", sigmoid::LOGISTIC_OUTPUT)
            }
            SigmoidFunction::Tanh => expect_result_quantization(op, "tanh", sigmoid::TANH_OUTPUT),
        }
    }
}

impl OpInterface for Sigmoid {
    fn elementwise(&self) -> bool {
        true
    }

    fn in_place(&self) -> InPlace {
        InPlace::Elementwise
    }

    fn lookup_table(&self) -> Option<[i8; 256]> {
        Some(lookup_table(|x| self.params.apply(x)))
    }

    fn evaluate(&self, operands: &Operands) -> DiagResult<TensorData> {
        let input = operands.activation(0);
        Ok(TensorData::I8(
            input.data.iter().map(|&x| self.params.apply(x)).collect(),
        ))
    }
}
