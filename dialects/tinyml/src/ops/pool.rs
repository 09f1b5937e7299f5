//! `tinyml.avg_pool2d` and `tinyml.max_pool2d`: window pooling over NHWC int8 tensors. The
//! output keeps the input's quantization (as TFLite requires) and may fuse an activation.
//!
//! `%y = tinyml.avg_pool2d %x {filter = [3, 3], stride = [1, 1], padding = valid, act = none} : T`
//! Semantics: TFLite Micro's reference int8 `AveragePool` (rounded division by the number of
//! in-bounds elements) and `MaxPool` (see `semantics::pool`).

use crate::interfaces::{OpInterface, SlidingWindow};
use crate::ops::common::{
    activation, expect_activation_operand, expect_activation_result, expect_result_shape,
    expect_same_quantization, positive_pair, sliding_window, window_attributes, window_output,
};
use crate::semantics::{average_pool2d, max_pool2d, Activation, Pool2dOptions};
use crate::tensor::{Operands, TensorData};
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::dialect::{OpContext, OpDefinition};

/// Which reduction a pool applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolKind {
    Average,
    Max,
}

/// The definition of `tinyml.avg_pool2d` or `tinyml.max_pool2d`.
pub struct Pool2dOp(pub PoolKind);

/// A verified pool, its attributes decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pool2d {
    pub kind: PoolKind,
    pub window: SlidingWindow,
    pub act: Activation,
}

impl Pool2d {
    pub fn decode(op: &OpContext, kind: PoolKind) -> DiagResult<Pool2d> {
        let filter = positive_pair(op, "filter", None)?;
        Ok(Pool2d {
            kind,
            window: sliding_window(op, filter, false)?,
            act: activation(op)?,
        })
    }
}

impl OpDefinition for Pool2dOp {
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

impl OpInterface for Pool2d {
    /// `[N, out_h, out_w, C]` over the input's plane.
    fn result_shape(&self, operands: &[&[usize]]) -> Option<Vec<usize>> {
        let input = operands.first()?;
        self.window.result_shape(input, *input.get(3)?)
    }

    fn sliding_window(&self) -> Option<SlidingWindow> {
        Some(self.window)
    }

    fn evaluate(&self, operands: &Operands) -> DiagResult<TensorData> {
        let window = self.window;
        let options = Pool2dOptions {
            filter_h: window.kernel[0],
            filter_w: window.kernel[1],
            stride_h: window.stride[0],
            stride_w: window.stride[1],
            padding: window.padding,
            activation: self.act,
        };
        let input = operands.activation(0);
        Ok(TensorData::I8(match self.kind {
            PoolKind::Max => max_pool2d(&input, &options, &operands.output()),
            PoolKind::Average => average_pool2d(&input, &options, &operands.output()),
        }))
    }
}
