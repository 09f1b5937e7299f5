//! `tinyml.relu`, `tinyml.relu6` and `tinyml.requantize`: standalone elementwise int8 ops.
//! RELU and RELU6 keep the quantization (the result type must equal the input's), so they are
//! clamps; `requantize` (TFLite's int8 -> int8 QUANTIZE) rescales to the result's quantization.
//!
//! `%y = tinyml.relu6 %x : tensor<1x8xi8, !q<0.05, -128>>`
//! `%y = tinyml.requantize %x : tensor<1x8xi8, !q<0.1, 3>>`
//! Semantics: `semantics::activation`.

use crate::interfaces::{InPlace, OpInterface};
use crate::ops::common::{
    expect_activation_operand, expect_activation_result, expect_result_shape,
    expect_same_quantization,
};
use crate::semantics::activation::{clamp_activation, requantize};
use crate::semantics::Activation;
use crate::tensor::{Operands, TensorData};
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::dialect::{OpContext, OpDefinition};

/// Which elementwise op.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Elementwise {
    Relu,
    Relu6,
    Requantize,
}

pub struct ElementwiseOp(pub Elementwise);

impl OpDefinition for ElementwiseOp {
    fn name(&self) -> &'static str {
        match self.0 {
            Elementwise::Relu => "tinyml.relu",
            Elementwise::Relu6 => "tinyml.relu6",
            Elementwise::Requantize => "tinyml.requantize",
        }
    }

    fn summary(&self) -> &'static str {
        match self.0 {
            Elementwise::Relu => "clamps below the zero point (quantization unchanged)",
            Elementwise::Relu6 => "clamps to the real range [0, 6] (quantization unchanged)",
            Elementwise::Requantize => "rescales int8 values to another quantization",
        }
    }

    fn verify(&self, op: &OpContext) -> DiagResult<()> {
        op.expect_operands(1, 1)?;
        op.expect_results(1)?;
        op.expect_attributes(&[])?;
        expect_activation_operand(op, 0, "input", None)?;
        expect_activation_result(op, 0)?;
        if self.0 != Elementwise::Requantize {
            expect_same_quantization(op)?;
        }
        expect_result_shape(op, &op.operand_type(0).shape)
    }
}

impl OpInterface for Elementwise {
    fn elementwise(&self) -> bool {
        true
    }

    fn in_place(&self) -> InPlace {
        InPlace::Elementwise
    }

    fn evaluate(&self, operands: &Operands) -> DiagResult<TensorData> {
        let input = operands.activation(0);
        Ok(TensorData::I8(match self {
            Elementwise::Relu => clamp_activation(&input, Activation::Relu),
            Elementwise::Relu6 => clamp_activation(&input, Activation::Relu6),
            Elementwise::Requantize => requantize(&input, &operands.output()),
        }))
    }
}
