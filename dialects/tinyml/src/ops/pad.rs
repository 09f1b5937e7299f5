//! `tinyml.pad`: zero-padding (in real terms: the input's zero point) of an int8 tensor.
//! `pads` holds `[before, after]` for every dimension, flattened.
//!
//! `%y = tinyml.pad %x {pads = [0, 0, 1, 1, 1, 1, 0, 0]} : T`
//! Semantics: TFLite Micro's reference `Pad` with the output zero point as pad value.

use crate::interfaces::OpInterface;
use crate::ops::common::{
    expect_activation_operand, expect_activation_result, expect_result_shape,
    expect_same_quantization,
};
use crate::tensor::{Operands, TensorData};
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::dialect::{OpContext, OpDefinition};

/// The definition of `tinyml.pad`.
pub struct PadOp;

/// A verified `tinyml.pad`, its attributes decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pad {
    /// `[before, after]` per dimension.
    pub pads: Vec<[usize; 2]>,
}

impl Pad {
    pub fn decode(op: &OpContext) -> DiagResult<Pad> {
        let pads = op.int_array_attribute("pads", None, None)?;
        Ok(Pad {
            pads: pads
                .chunks_exact(2)
                .map(|p| [p[0] as usize, p[1] as usize])
                .collect(),
        })
    }
}

impl OpDefinition for PadOp {
    fn name(&self) -> &'static str {
        "tinyml.pad"
    }

    fn summary(&self) -> &'static str {
        "pads an int8 tensor with its zero point"
    }

    fn verify(&self, op: &OpContext) -> DiagResult<()> {
        op.expect_operands(1, 1)?;
        op.expect_results(1)?;
        op.expect_attributes(&["pads"])?;
        expect_activation_operand(op, 0, "input", None)?;
        expect_activation_result(op, 0)?;
        expect_same_quantization(op)?;
        let input = &op.operand_type(0).shape;
        let pads = op.int_array_attribute("pads", Some(2 * input.len()), None)?;
        if pads.iter().any(|&p| !(0..=1 << 20).contains(&p)) {
            return Err(op.attribute_error("pads", "pads must be non-negative (and below 2^20)"));
        }
        let shape: Vec<usize> = input
            .iter()
            .enumerate()
            .map(|(i, &d)| d + pads[2 * i] as usize + pads[2 * i + 1] as usize)
            .collect();
        expect_result_shape(op, &shape)
    }
}

impl OpInterface for Pad {
    /// Every dimension grown by its pads.
    fn result_shape(&self, operands: &[&[usize]]) -> Option<Vec<usize>> {
        let input = operands.first()?;
        (input.len() == self.pads.len()).then(|| {
            input
                .iter()
                .zip(&self.pads)
                .map(|(&d, [before, after])| d + before + after)
                .collect()
        })
    }

    /// The reference kernel; the pad value is the zero point.
    fn evaluate(&self, operands: &Operands) -> DiagResult<TensorData> {
        Ok(TensorData::I8(crate::semantics::pad(
            &operands.activation(0),
            &self.pads,
            None,
            &operands.output(),
        )))
    }
}
