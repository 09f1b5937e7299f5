//! `tinyml.hard_swish`: `x * relu6(x + 3) / 6` on int8, from the input's quantization to the
//! result's (MobileNetV3's activation).
//!
//! `%y = tinyml.hard_swish %x : tensor<1x8x8x16xi8, !q<0.25, -127>>`
//! Semantics: TFLite Micro's reference int8 `HardSwish` (see `semantics::hard_swish`). TFLite
//! Micro rejects an output scale below `input_scale / 128` (its output multiplier exponent must
//! be at most 0), and so does the verifier.

use crate::interfaces::{InPlace, OpInterface};
use crate::ops::common::{quantization, verify_unary};
use crate::semantics::hard_swish::HardSwishParams;
use crate::semantics::lookup_table;
use crate::tensor::{Operands, TensorData};
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::dialect::{OpContext, OpDefinition};

/// The definition of `tinyml.hard_swish`.
pub struct HardSwishOp;

/// A verified `tinyml.hard_swish`, its constants prepared from the operand and result types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HardSwish {
    pub params: HardSwishParams,
}

impl HardSwish {
    pub fn decode(op: &OpContext) -> DiagResult<HardSwish> {
        Ok(HardSwish {
            params: HardSwishParams::prepare(
                quantization(op.operand_type(0)),
                quantization(op.result_type(0)),
            ),
        })
    }
}

impl OpDefinition for HardSwishOp {
    fn name(&self) -> &'static str {
        "tinyml.hard_swish"
    }

    fn summary(&self) -> &'static str {
        "int8 hard swish, x * relu6(x + 3) / 6, rescaled to the result's quantization"
    }

    fn verify(&self, op: &OpContext) -> DiagResult<()> {
        verify_unary(op, &[])?;
        if !HardSwish::decode(op)?.params.is_supported() {
            let (input_scale, _) = quantization(op.operand_type(0));
            let (output_scale, _) = quantization(op.result_type(0));
            return Err(op.result_error(
                0,
                format!(
                    "output scale {output_scale} is not above input scale / 128 \
                     ({input_scale} / 128): TFLite Micro needs an output multiplier below 1"
                ),
            ));
        }
        Ok(())
    }
}

impl OpInterface for HardSwish {
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
