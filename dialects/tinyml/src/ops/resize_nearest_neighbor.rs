//! `tinyml.resize_nearest_neighbor`: resizes the H and W axes of an NHWC int8 tensor to
//! `size = [h, w]` by copying the nearest input pixel. The bytes move unchanged: TFLite Micro
//! checks only the element type, so a result quantization that differs from the input's
//! reinterprets them.
//!
//! `%y = tinyml.resize_nearest_neighbor %x {size = [8, 10], align_corners = false,
//!        half_pixel_centers = false} : tensor<1x8x10x32xi8, !q<...>>`
//! Semantics: TFLite's `reference_ops::ResizeNearestNeighbor`, its source index computed in
//! f32 (see `semantics::resize_nearest_neighbor`).

use crate::interfaces::OpInterface;
use crate::ops::common::{
    expect_activation_operand, expect_activation_result, expect_result_shape, positive_pair,
};
use crate::semantics::resize_nearest_neighbor::{resize_nearest_neighbor, ResizeNearestOptions};
use crate::tensor::{Operands, TensorData};
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::dialect::{OpContext, OpDefinition};

/// The definition of `tinyml.resize_nearest_neighbor`.
pub struct ResizeNearestNeighborOp;

/// A verified `tinyml.resize_nearest_neighbor`, its attributes decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResizeNearestNeighbor {
    /// The output `[height, width]`.
    pub size: [usize; 2],
    pub options: ResizeNearestOptions,
}

impl ResizeNearestNeighbor {
    pub fn decode(op: &OpContext) -> DiagResult<ResizeNearestNeighbor> {
        Ok(ResizeNearestNeighbor {
            size: positive_pair(op, "size", None)?,
            options: ResizeNearestOptions {
                align_corners: op.bool_attribute("align_corners", Some(false))?,
                half_pixel_centers: op.bool_attribute("half_pixel_centers", Some(false))?,
            },
        })
    }
}

impl OpDefinition for ResizeNearestNeighborOp {
    fn name(&self) -> &'static str {
        "tinyml.resize_nearest_neighbor"
    }

    fn summary(&self) -> &'static str {
        "resizes H and W of an NHWC int8 tensor, copying the nearest pixel"
    }

    fn verify(&self, op: &OpContext) -> DiagResult<()> {
        op.expect_operands(1, 1)?;
        op.expect_results(1)?;
        op.expect_attributes(&["size", "align_corners", "half_pixel_centers"])?;
        expect_activation_operand(op, 0, "input", Some(4))?;
        expect_activation_result(op, 0)?;
        let view = ResizeNearestNeighbor::decode(op)?;
        let input = &op.operand_type(0).shape;
        expect_result_shape(op, &[input[0], view.size[0], view.size[1], input[3]])
    }
}

impl OpInterface for ResizeNearestNeighbor {
    fn evaluate(&self, operands: &Operands) -> DiagResult<TensorData> {
        Ok(TensorData::I8(resize_nearest_neighbor(
            &operands.activation(0),
            self.size,
            self.options,
        )))
    }
}
