//! `tinyml.avg_pool2d` and `tinyml.max_pool2d`: window pooling over NHWC int8 tensors. The
//! output keeps the input's quantization (as TFLite requires) and may fuse an activation.
//!
//! `%y = tinyml.avg_pool2d %x {filter = [3, 3], stride = [1, 1], padding = valid, act = none} : T`
//! Semantics: TFLite Micro's reference int8 `AveragePool` (rounded division by the number of
//! in-bounds elements) and `MaxPool` (see `semantics::pool`).

use crate::interpreter::{padding, Operands};
use crate::ops::common::{
    activation, expect_activation_operand, expect_activation_result, expect_result_shape,
    expect_same_quantization, positive_pair, window_attributes, window_output,
};
use crate::semantics::{average_pool2d, max_pool2d, Pool2dOptions};
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::dialect::{OpContext, OpDefinition};

/// Which reduction a pool applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolKind {
    Average,
    Max,
}

pub struct Pool2d(pub PoolKind);

impl OpDefinition for Pool2d {
    fn name(&self) -> &'static str {
        match self.0 {
            PoolKind::Average => "tinyml.avg_pool2d",
            PoolKind::Max => "tinyml.max_pool2d",
        }
    }

    fn summary(&self) -> &'static str {
        match self.0 {
            PoolKind::Average => "2-D average pooling (rounded, over in-bounds elements)",
            PoolKind::Max => "2-D max pooling",
        }
    }

    fn verify(&self, op: &OpContext) -> DiagResult<()> {
        op.expect_operands(1, 1)?;
        op.expect_results(1)?;
        op.expect_attributes(&["filter", "stride", "padding", "act"])?;
        expect_activation_operand(op, 0, "input", Some(4))?;
        expect_activation_result(op, 0)?;
        expect_same_quantization(op)?;
        let filter = positive_pair(op, "filter", None)?;
        let window = window_attributes(op, false)?;
        activation(op)?;
        let input = &op.operand_type(0).shape;
        let [height, width] = window_output(op, input, filter, window)?;
        expect_result_shape(op, &[input[0], height, width, input[3]])
    }
}

/// Runs the op with the reference kernel for its kind.
pub fn evaluate(operands: &Operands) -> DiagResult<Vec<i8>> {
    let filter = positive_pair(&operands.op, "filter", None)?;
    let window = window_attributes(&operands.op, false)?;
    let options = Pool2dOptions {
        filter_h: filter[0],
        filter_w: filter[1],
        stride_h: window.stride[0],
        stride_w: window.stride[1],
        padding: padding(window.same_padding),
        activation: operands.activation_function()?,
    };
    let input = operands.activation(0);
    Ok(if operands.op.data().name == "tinyml.max_pool2d" {
        max_pool2d(&input, &options, &operands.output())
    } else {
        average_pool2d(&input, &options, &operands.output())
    })
}
