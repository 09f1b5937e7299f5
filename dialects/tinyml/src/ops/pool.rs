//! `tinyml.avg_pool2d` and `tinyml.max_pool2d`: window pooling over NHWC int8 tensors. The
//! output keeps the input's quantization (as TFLite requires) and may fuse an activation.
//!
//! `%y = tinyml.avg_pool2d %x {filter = [3, 3], stride = [1, 1], padding = valid, act = none} : T`
//! Semantics: TFLite Micro's reference int8 `AveragePool` (rounded division by the number of
//! in-bounds elements) and `MaxPool` (see `semantics::pool`).

use crate::ops::common::{
    activation, expect_activation_operand, expect_activation_result, expect_result_shape,
    expect_same_quantization, positive_pair, window_attributes, window_output,
};
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
