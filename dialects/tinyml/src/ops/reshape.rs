//! `tinyml.reshape`: the same bytes seen with another shape (a view; no data moves). The
//! result may also carry another per-tensor quantization: TFLite Micro's RESHAPE checks only the
//! element type and count and copies the bytes, so the values are reinterpreted, not rescaled.
//!
//! `%y = tinyml.reshape %x : tensor<1x1024xi8, !q<...>>`

use crate::interfaces::OpInterface;
use crate::ops::common::{expect_activation_operand, expect_activation_result, shape_text};
use crate::tensor::{Operands, TensorData};
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::dialect::{OpContext, OpDefinition};

/// The definition of `tinyml.reshape`.
pub struct ReshapeOp;

/// A verified `tinyml.reshape` (it has no attributes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reshape;

impl OpInterface for Reshape {
    fn is_view(&self) -> bool {
        true
    }

    fn evaluate(&self, operands: &Operands) -> DiagResult<TensorData> {
        Ok(TensorData::I8(operands.activation(0).data.to_vec()))
    }
}

impl OpDefinition for ReshapeOp {
    fn name(&self) -> &'static str {
        "tinyml.reshape"
    }

    fn summary(&self) -> &'static str {
        "reinterprets a tensor with another shape of the same size"
    }

    fn verify(&self, op: &OpContext) -> DiagResult<()> {
        op.expect_operands(1, 1)?;
        op.expect_results(1)?;
        op.expect_attributes(&[])?;
        expect_activation_operand(op, 0, "input", None)?;
        expect_activation_result(op, 0)?;
        let (input, output) = (op.operand_type(0), op.result_type(0));
        if input.num_elements() != output.num_elements() {
            return Err(op.result_error(
                0,
                format!(
                    "cannot reshape {} elements ({}) into {} ({})",
                    input.num_elements(),
                    shape_text(&input.shape),
                    output.num_elements(),
                    shape_text(&output.shape)
                ),
            ));
        }
        Ok(())
    }
}
