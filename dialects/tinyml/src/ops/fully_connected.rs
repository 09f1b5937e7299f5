//! `tinyml.fully_connected`: `y = x W^T + b` with the input flattened to `[batches, I]`, weights
//! `[O, I]` and a fused activation; the result is `[batches, O]`.
//!
//! `%y = tinyml.fully_connected %x, %w, %b {act = relu} : tensor<1x16xi8, !q<...>>`
//! Semantics: TFLite Micro's reference integer `FullyConnected` (see `semantics::fully_connected`).

use crate::interfaces::OpInterface;
use crate::ops::common::{
    activation, expect_activation_operand, expect_activation_result, expect_bias,
    expect_result_shape, expect_weights,
};
use crate::semantics::{fully_connected, Activation};
use crate::tensor::{Operands, TensorData};
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::dialect::{OpContext, OpDefinition};

/// The definition of `tinyml.fully_connected`.
pub struct FullyConnectedOp;

/// A verified `tinyml.fully_connected`, its attributes decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FullyConnected {
    pub act: Activation,
    /// Weights `[out_depth, in_depth]`.
    pub in_depth: usize,
    pub out_depth: usize,
}

impl FullyConnected {
    pub fn decode(op: &OpContext) -> DiagResult<FullyConnected> {
        let filter = &op.operand_type(1).shape;
        Ok(FullyConnected {
            act: activation(op)?,
            in_depth: filter[1],
            out_depth: filter[0],
        })
    }
}

impl OpDefinition for FullyConnectedOp {
    fn name(&self) -> &'static str {
        "tinyml.fully_connected"
    }

    fn summary(&self) -> &'static str {
        "fully-connected layer on the flattened input (weights [O, I])"
    }

    fn verify(&self, op: &OpContext) -> DiagResult<()> {
        op.expect_operands(2, 3)?;
        op.expect_results(1)?;
        op.expect_attributes(&["act"])?;
        expect_activation_operand(op, 0, "input", None)?;
        expect_weights(op, 1, 2, 0)?;
        expect_activation_result(op, 0)?;
        activation(op)?;
        let input = op.operand_type(0);
        let filter = &op.operand_type(1).shape;
        let depth = filter[1];
        if !input.num_elements().is_multiple_of(depth) {
            return Err(op.operand_error(
                0,
                format!(
                    "input of {} elements cannot be flattened into rows of {depth} (the weights' input size)",
                    input.num_elements()
                ),
            ));
        }
        expect_bias(op, 2, filter[0])?;
        expect_result_shape(op, &[input.num_elements() / depth, filter[0]])
    }
}

impl OpInterface for FullyConnected {
    fn macs_per_output(&self) -> u64 {
        self.in_depth as u64
    }

    fn evaluate(&self, operands: &Operands) -> DiagResult<TensorData> {
        Ok(TensorData::I8(fully_connected(
            &operands.activation(0),
            &operands.weights(1),
            operands.bias(2),
            self.act,
            &operands.output(),
        )))
    }
}
