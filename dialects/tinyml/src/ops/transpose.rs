//! `tinyml.transpose`: permutes the axes of an int8 tensor (rank 1 to 5, as TFLite Micro
//! accepts). Output axis `d` is input axis `perm[d]`. The bytes move unchanged: TFLM checks
//! only that input and output have the same element type, so a result quantization that
//! differs from the input's reinterprets them.
//!
//! `%y = tinyml.transpose %x {perm = [0, 3, 1, 2]} : tensor<1x160x3x3xi8, !q<...>>`
//! Semantics: TFLite's `reference_ops::Transpose` (see `semantics::transpose`).

use crate::interfaces::OpInterface;
use crate::ops::common::{
    expect_activation_operand, expect_activation_result, expect_result_shape,
};
use crate::semantics::transpose::{transpose, transposed_shape};
use crate::tensor::{Operands, TensorData};
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::dialect::{OpContext, OpDefinition};

/// The largest rank TFLM transposes.
pub const MAX_RANK: usize = 5;

/// The definition of `tinyml.transpose`.
pub struct TransposeOp;

/// A verified `tinyml.transpose`, its attributes decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transpose {
    /// Output axis `d` is input axis `perm[d]`.
    pub perm: Vec<usize>,
}

impl Transpose {
    pub fn decode(op: &OpContext) -> DiagResult<Transpose> {
        let perm = op.int_array_attribute("perm", None, None)?;
        Ok(Transpose {
            perm: perm.into_iter().map(|axis| axis as usize).collect(),
        })
    }
}

impl OpDefinition for TransposeOp {
    fn name(&self) -> &'static str {
        "tinyml.transpose"
    }

    fn summary(&self) -> &'static str {
        "permutes the axes of an int8 tensor (rank 1 to 5)"
    }

    fn verify(&self, op: &OpContext) -> DiagResult<()> {
        op.expect_operands(1, 1)?;
        op.expect_results(1)?;
        op.expect_attributes(&["perm"])?;
        expect_activation_operand(op, 0, "input", None)?;
        expect_activation_result(op, 0)?;
        let input = &op.operand_type(0).shape;
        if !(1..=MAX_RANK).contains(&input.len()) {
            return Err(op.operand_error(
                0,
                format!("input must have rank 1 to {MAX_RANK}, got {}", input.len()),
            ));
        }
        let perm = op.int_array_attribute("perm", Some(input.len()), None)?;
        let mut seen = vec![false; input.len()];
        for &axis in &perm {
            let index = usize::try_from(axis).ok().filter(|&a| a < input.len());
            match index {
                Some(index) if !seen[index] => seen[index] = true,
                _ => {
                    return Err(op.attribute_error(
                        "perm",
                        format!(
                            "perm {perm:?} is not a permutation of the {} input axes",
                            input.len()
                        ),
                    ))
                }
            }
        }
        let perm: Vec<usize> = perm.into_iter().map(|axis| axis as usize).collect();
        expect_result_shape(op, &transposed_shape(input, &perm))
    }
}

impl OpInterface for Transpose {
    /// The input's dimensions in `perm`'s order.
    fn result_shape(&self, operands: &[&[usize]]) -> Option<Vec<usize>> {
        let input = operands.first()?;
        self.perm
            .iter()
            .map(|&axis| input.get(axis).copied())
            .collect()
    }

    fn evaluate(&self, operands: &Operands) -> DiagResult<TensorData> {
        Ok(TensorData::I8(transpose(
            &operands.activation(0),
            &self.perm,
        )))
    }
}
