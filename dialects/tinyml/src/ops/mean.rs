//! `tinyml.mean`: int8 mean over a set of axes, requantized to the output, keeping or dropping
//! the reduced dimensions.
//!
//! `%y = tinyml.mean %x {axes = [1, 2], keep_dims = true} : tensor<1x1x1x64xi8, !q<...>>`
//! Semantics: TFLite Micro's reference int8 `Mean` (see `semantics::mean`).

use crate::interfaces::OpInterface;
use crate::ops::common::{
    expect_activation_operand, expect_activation_result, expect_result_shape,
};
use crate::tensor::{Operands, TensorData};
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::dialect::{OpContext, OpDefinition};

/// The definition of `tinyml.mean`.
pub struct MeanOp;

/// A verified `tinyml.mean`, its attributes decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mean {
    pub axes: Vec<usize>,
    pub keep_dims: bool,
}

impl Mean {
    pub fn decode(op: &OpContext) -> DiagResult<Mean> {
        Ok(Mean {
            axes: op
                .int_array_attribute("axes", None, None)?
                .into_iter()
                .map(|a| a as usize)
                .collect(),
            keep_dims: op.bool_attribute("keep_dims", Some(false))?,
        })
    }
}

impl OpDefinition for MeanOp {
    fn name(&self) -> &'static str {
        "tinyml.mean"
    }

    fn summary(&self) -> &'static str {
        "int8 mean over axes, requantized"
    }

    fn verify(&self, op: &OpContext) -> DiagResult<()> {
        op.expect_operands(1, 1)?;
        op.expect_results(1)?;
        op.expect_attributes(&["axes", "keep_dims"])?;
        expect_activation_operand(op, 0, "input", None)?;
        expect_activation_result(op, 0)?;
        let input = &op.operand_type(0).shape;
        let axes = op.int_array_attribute("axes", None, None)?;
        let keep_dims = op.bool_attribute("keep_dims", Some(false))?;
        let mut reduced = vec![false; input.len()];
        for &axis in &axes {
            let index = usize::try_from(axis).ok().filter(|&a| a < input.len());
            let Some(index) = index else {
                return Err(op.attribute_error(
                    "axes",
                    format!(
                        "axis {axis} is out of range for a rank-{} input",
                        input.len()
                    ),
                ));
            };
            if reduced[index] {
                return Err(op.attribute_error("axes", format!("axis {axis} is listed twice")));
            }
            reduced[index] = true;
        }
        let shape: Vec<usize> = input
            .iter()
            .zip(&reduced)
            .filter_map(|(&d, &r)| match (r, keep_dims) {
                (false, _) => Some(d),
                (true, true) => Some(1),
                (true, false) => None,
            })
            .collect();
        expect_result_shape(op, &shape)
    }
}

impl OpInterface for Mean {
    /// The input without (or with 1 in) the reduced axes.
    fn result_shape(&self, operands: &[&[usize]]) -> Option<Vec<usize>> {
        let input = operands.first()?;
        if self.axes.iter().any(|&axis| axis >= input.len()) {
            return None;
        }
        Some(
            input
                .iter()
                .enumerate()
                .filter_map(
                    |(axis, &d)| match (self.axes.contains(&axis), self.keep_dims) {
                        (false, _) => Some(d),
                        (true, true) => Some(1),
                        (true, false) => None,
                    },
                )
                .collect(),
        )
    }

    fn evaluate(&self, operands: &Operands) -> DiagResult<TensorData> {
        let axes: Vec<i32> = self.axes.iter().map(|&a| a as i32).collect();
        Ok(TensorData::I8(crate::semantics::mean(
            &operands.activation(0),
            &axes,
            self.keep_dims,
            &operands.output(),
        )))
    }
}
