//! `tinyml.mul`: elementwise product of two int8 tensors with their own quantizations, rescaled
//! to the output's, with a fused activation. Shapes must be equal or broadcast TFLite-style (each
//! dimension equal or 1, aligned from the right): a squeeze-excite gate `[1, 1, 1, C]` times
//! `[1, H, W, C]`, or a scalar times anything.
//!
//! `%y = tinyml.mul %a, %b {act = none} : T`
//! Semantics: TFLite Micro's reference int8 `Mul` (see `semantics::mul`).

use crate::interfaces::{InPlace, OpInterface};
use crate::ops::add::verify_broadcast_binary;
use crate::ops::common::activation;
use crate::semantics::Activation;
use crate::tensor::{Operands, TensorData};
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::dialect::{OpContext, OpDefinition};

/// The definition of `tinyml.mul`.
pub struct MulOp;

/// A verified `tinyml.mul`, its attributes decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mul {
    pub act: Activation,
}

impl Mul {
    pub fn decode(op: &OpContext) -> DiagResult<Mul> {
        Ok(Mul {
            act: activation(op)?,
        })
    }
}

impl OpDefinition for MulOp {
    fn name(&self) -> &'static str {
        "tinyml.mul"
    }

    fn summary(&self) -> &'static str {
        "elementwise int8 multiplication with broadcasting, rescaling and fused activation"
    }

    fn verify(&self, op: &OpContext) -> DiagResult<()> {
        verify_broadcast_binary(op)
    }
}

impl OpInterface for Mul {
    fn elementwise(&self) -> bool {
        true
    }

    fn in_place(&self) -> InPlace {
        InPlace::Elementwise
    }

    fn evaluate(&self, operands: &Operands) -> DiagResult<TensorData> {
        Ok(TensorData::I8(crate::semantics::mul(
            &operands.activation(0),
            &operands.activation(1),
            self.act,
            &operands.output(),
        )))
    }
}
