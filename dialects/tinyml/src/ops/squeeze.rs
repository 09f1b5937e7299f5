//! `tinyml.squeeze`: removes axes of size 1 (`dims`, non-negative, each listed once). A view,
//! like `reshape`: the bytes are unchanged (TFLite Micro `memcpy`s them and checks only the
//! byte size), so a result quantization that differs from the input's reinterprets them.
//! The importer resolves TFLite's empty `squeeze_dims` (every axis of size 1) and negative axes.
//!
//! `%y = tinyml.squeeze %x {dims = [1, 2]} : tensor<1x64xi8, !q<...>>`

use crate::interfaces::OpInterface;
use crate::ops::common::{
    expect_activation_operand, expect_activation_result, expect_result_shape, shape_text,
};
use crate::tensor::{Operands, TensorData};
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::dialect::{OpContext, OpDefinition};

/// The definition of `tinyml.squeeze`.
pub struct SqueezeOp;

/// A verified `tinyml.squeeze`: the result type says everything a pass needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Squeeze;

impl OpInterface for Squeeze {
    fn is_view(&self) -> bool {
        true
    }

    fn evaluate(&self, operands: &Operands) -> DiagResult<TensorData> {
        Ok(TensorData::I8(operands.activation(0).data.to_vec()))
    }
}

impl OpDefinition for SqueezeOp {
    fn name(&self) -> &'static str {
        "tinyml.squeeze"
    }

    fn summary(&self) -> &'static str {
        "removes axes of size 1 (a view)"
    }

    fn verify(&self, op: &OpContext) -> DiagResult<()> {
        op.expect_operands(1, 1)?;
        op.expect_results(1)?;
        op.expect_attributes(&["dims"])?;
        expect_activation_operand(op, 0, "input", None)?;
        expect_activation_result(op, 0)?;
        let input = &op.operand_type(0).shape;
        let dims = op.int_array_attribute("dims", None, None)?;
        let mut squeezed = vec![false; input.len()];
        for &dim in &dims {
            let index = usize::try_from(dim).ok().filter(|&d| d < input.len());
            let Some(index) = index else {
                return Err(op.attribute_error(
                    "dims",
                    format!(
                        "axis {dim} is out of range for a rank-{} input",
                        input.len()
                    ),
                ));
            };
            if squeezed[index] {
                return Err(op.attribute_error("dims", format!("axis {dim} is listed twice")));
            }
            if input[index] != 1 {
                return Err(op.attribute_error(
                    "dims",
                    format!(
                        "axis {dim} of the {} input has size {}, not 1",
                        shape_text(input),
                        input[index]
                    ),
                ));
            }
            squeezed[index] = true;
        }
        let shape: Vec<usize> = input
            .iter()
            .zip(&squeezed)
            .filter(|(_, &s)| !s)
            .map(|(&d, _)| d)
            .collect();
        expect_result_shape(op, &shape)
    }
}
