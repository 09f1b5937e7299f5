//! `tinyml.sub`: elementwise difference `lhs - rhs` of two int8 tensors with their own
//! quantizations, rescaled to the output's, with a fused activation. Shapes must be equal or
//! broadcast TFLite-style (each dimension equal or 1, aligned from the right).
//!
//! `%y = tinyml.sub %a, %b {act = none} : T`
//! Semantics: TFLite Micro's reference int8 `Sub` (see `semantics::sub`: ADD's parameters, the
//! rescaled inputs subtracted). TFLite Micro rejects an output scale of at most
//! `2 * max(lhs scale, rhs scale) / 2^20`, and so does the verifier.

use crate::interfaces::{InPlace, OpInterface};
use crate::ops::add::verify_broadcast_binary;
use crate::ops::common::{activation, quantization};
use crate::semantics::sub::SubParams;
use crate::semantics::Activation;
use crate::tensor::{Operands, TensorData};
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::dialect::{OpContext, OpDefinition};

/// The definition of `tinyml.sub`.
pub struct SubOp;

/// A verified `tinyml.sub`, its attributes decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sub {
    pub act: Activation,
}

impl Sub {
    pub fn decode(op: &OpContext) -> DiagResult<Sub> {
        Ok(Sub {
            act: activation(op)?,
        })
    }
}

impl OpDefinition for SubOp {
    fn name(&self) -> &'static str {
        "tinyml.sub"
    }

    fn summary(&self) -> &'static str {
        "elementwise int8 subtraction with broadcasting, rescaling and fused activation"
    }

    fn verify(&self, op: &OpContext) -> DiagResult<()> {
        verify_broadcast_binary(op)?;
        let (lhs, rhs, output) = (
            quantization(op.operand_type(0)),
            quantization(op.operand_type(1)),
            quantization(op.result_type(0)),
        );
        if !SubParams::prepare(lhs, rhs, output, Activation::None).is_supported() {
            return Err(op.result_error(
                0,
                format!(
                    "output scale {} is too small for operand scales {} and {}: TFLite \
                     Micro needs 2 * max(operand scales) / (2^20 * output scale) below 1",
                    output.0, lhs.0, rhs.0
                ),
            ));
        }
        Ok(())
    }
}

impl OpInterface for Sub {
    fn elementwise(&self) -> bool {
        true
    }

    fn in_place(&self) -> InPlace {
        InPlace::Elementwise
    }

    fn evaluate(&self, operands: &Operands) -> DiagResult<TensorData> {
        Ok(TensorData::I8(crate::semantics::sub(
            &operands.activation(0),
            &operands.activation(1),
            self.act,
            &operands.output(),
        )))
    }
}
