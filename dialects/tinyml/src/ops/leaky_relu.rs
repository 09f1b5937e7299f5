//! `tinyml.leaky_relu`: `x > 0 ? x : alpha * x` on int8, from the input's quantization to the
//! result's.
//!
//! `%y = tinyml.leaky_relu %x {alpha = 0.2} : tensor<1x8xi8, !q<0.05, -20>>`
//! Semantics: TFLite Micro's reference int8 `QuantizeLeakyRelu` with its identity and alpha
//! multipliers (see `semantics::leaky_relu`). `alpha` is required (TFLite's schema default, 0,
//! would be a RELU).

use crate::interfaces::{InPlace, OpInterface};
use crate::ops::common::{quantization, verify_unary};
use crate::semantics::leaky_relu::LeakyReluParams;
use crate::semantics::lookup_table;
use crate::tensor::{Operands, TensorData};
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::dialect::{OpContext, OpDefinition};

/// The definition of `tinyml.leaky_relu`.
pub struct LeakyReluOp;

/// A verified `tinyml.leaky_relu`: its slope and the constants prepared from it and the types.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LeakyRelu {
    pub alpha: f32,
    pub params: LeakyReluParams,
}

impl LeakyRelu {
    pub fn decode(op: &OpContext) -> DiagResult<LeakyRelu> {
        let alpha = op.float_attribute("alpha", None)?;
        Ok(LeakyRelu {
            alpha,
            params: LeakyReluParams::prepare(
                quantization(op.operand_type(0)),
                quantization(op.result_type(0)),
                alpha,
            ),
        })
    }
}

impl OpDefinition for LeakyReluOp {
    fn name(&self) -> &'static str {
        "tinyml.leaky_relu"
    }

    fn summary(&self) -> &'static str {
        "int8 leaky relu with slope alpha below 0, rescaled to the result's quantization"
    }

    fn verify(&self, op: &OpContext) -> DiagResult<()> {
        verify_unary(op, &["alpha"])?;
        let alpha = LeakyRelu::decode(op)?.alpha;
        if !alpha.is_finite() {
            return Err(op.attribute_error("alpha", format!("alpha must be finite, got {alpha:?}")));
        }
        Ok(())
    }
}

impl OpInterface for LeakyRelu {
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
