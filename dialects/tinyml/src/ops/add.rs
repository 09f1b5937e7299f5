//! `tinyml.add`: elementwise sum of two int8 tensors with their own quantizations, rescaled to
//! the output's, with a fused activation. Shapes must be equal or broadcast TFLite-style (each
//! dimension equal or 1, aligned from the right).
//!
//! `%y = tinyml.add %a, %b {act = relu} : T`
//! Semantics: TFLite Micro's reference int8 `Add` with its 20-bit left shift (see `semantics::add`).

use crate::interfaces::{InPlace, OpInterface};
use crate::ops::common::{
    activation, expect_activation_operand, expect_activation_result, expect_result_shape,
    shape_text,
};
use crate::semantics::Activation;
use crate::tensor::{Operands, TensorData};
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::dialect::{OpContext, OpDefinition};

/// The definition of `tinyml.add`.
pub struct AddOp;

/// A verified `tinyml.add`, its attributes decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Add {
    pub act: Activation,
    /// Whether both operands have the result's shape (no broadcasting).
    pub same_shapes: bool,
    /// Elements of the result.
    pub elements: usize,
}

impl Add {
    pub fn decode(op: &OpContext) -> DiagResult<Add> {
        Ok(Add {
            act: activation(op)?,
            same_shapes: op.operand_type(0).shape == op.operand_type(1).shape,
            elements: op.result_type(0).num_elements(),
        })
    }
}

/// The broadcast shape of two shapes, or `None` when they are incompatible.
pub fn broadcast_shape(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let rank = a.len().max(b.len());
    let dim = |shape: &[usize], i: usize| {
        let offset = rank - shape.len();
        if i < offset {
            1
        } else {
            shape[i - offset]
        }
    };
    (0..rank)
        .map(|i| match (dim(a, i), dim(b, i)) {
            (x, y) if x == y => Some(x),
            (1, y) => Some(y),
            (x, 1) => Some(x),
            _ => None,
        })
        .collect()
}

impl OpDefinition for AddOp {
    fn name(&self) -> &'static str {
        "tinyml.add"
    }

    fn summary(&self) -> &'static str {
        "elementwise int8 addition with rescaling and fused activation"
    }

    fn verify(&self, op: &OpContext) -> DiagResult<()> {
        verify_broadcast_binary(op)
    }
}

/// The verifier of binary elementwise ops with TFLite broadcasting and a fused activation
/// (`add`, `mul`): two i8 operands whose shapes broadcast (rank at most 4) to the result's.
pub fn verify_broadcast_binary(op: &OpContext) -> DiagResult<()> {
    op.expect_operands(2, 2)?;
    op.expect_results(1)?;
    op.expect_attributes(&["act"])?;
    expect_activation_operand(op, 0, "lhs", None)?;
    expect_activation_operand(op, 1, "rhs", None)?;
    expect_activation_result(op, 0)?;
    activation(op)?;
    let (a, b) = (&op.operand_type(0).shape, &op.operand_type(1).shape);
    let shape = broadcast_shape(a, b).ok_or_else(|| {
        op.operand_error(
            1,
            format!(
                "operand shapes {} and {} do not broadcast",
                shape_text(a),
                shape_text(b)
            ),
        )
    })?;
    if shape.len() > 4 {
        return Err(op.error("supports tensors of rank at most 4"));
    }
    expect_result_shape(op, &shape)
}

impl OpInterface for Add {
    fn elementwise(&self) -> bool {
        true
    }

    fn in_place(&self) -> InPlace {
        InPlace::Elementwise
    }

    fn evaluate(&self, operands: &Operands) -> DiagResult<TensorData> {
        Ok(TensorData::I8(crate::semantics::add(
            &operands.activation(0),
            &operands.activation(1),
            self.act,
            &operands.output(),
        )))
    }
}
