//! `tinyml.concat`: joins int8 tensors along an axis, rescaling inputs whose quantization
//! differs from the output's, with a fused activation.
//!
//! `%y = tinyml.concat %a, %b {axis = 3, act = none} : T`
//! Semantics: TFLite Micro's reference int8 `Concatenation` (see `semantics::concat`).

use crate::interfaces::OpInterface;
use crate::ops::common::{
    activation, expect_activation_operand, expect_activation_result, expect_result_shape,
    shape_text,
};
use crate::semantics::Activation;
use crate::tensor::{Operands, TensorData};
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::dialect::{OpContext, OpDefinition};

/// The definition of `tinyml.concat`.
pub struct ConcatOp;

/// A verified `tinyml.concat`, its attributes decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Concat {
    pub axis: usize,
    pub act: Activation,
}

impl Concat {
    pub fn decode(op: &OpContext) -> DiagResult<Concat> {
        Ok(Concat {
            axis: op.int_attribute("axis", None)? as usize,
            act: activation(op)?,
        })
    }
}

impl OpDefinition for ConcatOp {
    fn name(&self) -> &'static str {
        "tinyml.concat"
    }

    fn summary(&self) -> &'static str {
        "concatenation along an axis, rescaling inputs to the output quantization"
    }

    fn verify(&self, op: &OpContext) -> DiagResult<()> {
        op.expect_operands(1, usize::MAX)?;
        op.expect_results(1)?;
        op.expect_attributes(&["axis", "act"])?;
        activation(op)?;
        for index in 0..op.num_operands() {
            expect_activation_operand(op, index, "input", None)?;
        }
        expect_activation_result(op, 0)?;
        let first = &op.operand_type(0).shape;
        let axis = op.int_attribute("axis", None)?;
        let axis = usize::try_from(axis)
            .ok()
            .filter(|&a| a < first.len())
            .ok_or_else(|| {
                op.attribute_error(
                    "axis",
                    format!(
                        "axis {axis} is out of range for rank-{} inputs",
                        first.len()
                    ),
                )
            })?;
        let mut shape = first.clone();
        for index in 1..op.num_operands() {
            let other = &op.operand_type(index).shape;
            let compatible = other.len() == first.len()
                && other
                    .iter()
                    .zip(first)
                    .enumerate()
                    .all(|(i, (a, b))| i == axis || a == b);
            if !compatible {
                return Err(op.operand_error(
                    index,
                    format!(
                        "shape {} does not match {} outside axis {axis}",
                        shape_text(other),
                        shape_text(first)
                    ),
                ));
            }
            shape[axis] += other[axis];
        }
        expect_result_shape(op, &shape)
    }
}

impl OpInterface for Concat {
    /// The first operand's shape with the operands' sizes along `axis` summed.
    fn result_shape(&self, operands: &[&[usize]]) -> Option<Vec<usize>> {
        let mut shape = operands.first()?.to_vec();
        *shape.get_mut(self.axis)? = operands
            .iter()
            .map(|o| o.get(self.axis))
            .sum::<Option<usize>>()?;
        Some(shape)
    }

    /// The reference kernel, then the fused activation's clamp.
    fn evaluate(&self, operands: &Operands) -> DiagResult<TensorData> {
        let inputs: Vec<_> = (0..operands.count())
            .map(|i| operands.activation(i))
            .collect();
        let output = operands.output();
        let joined = crate::semantics::concat(&inputs, self.axis, &output);
        let (min, max) =
            crate::semantics::quant::activation_range(self.act, output.scale, output.zero_point);
        Ok(TensorData::I8(
            joined
                .into_iter()
                .map(|v| (v as i32).clamp(min, max) as i8)
                .collect(),
        ))
    }
}
