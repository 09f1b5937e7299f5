//! `tinyml.strided_slice`: the int8 STRIDED_SLICE that TFLite Micro runs (rank 1 to 4): one
//! `begin` / `end` / `strides` entry per axis (negative indices count from the end, strides may
//! be negative but not 0), and the bit masks `begin_mask`, `end_mask` (ignore that axis's begin
//! or end) and `shrink_axis_mask` (take the one element at `begin` and drop the axis). TFLM
//! ignores `ellipsis_mask` and `new_axis_mask`, so the op has neither (the importer rejects
//! models that set them). The bytes move unchanged: TFLM checks only the element type, so a
//! result quantization that differs from the input's reinterprets them.
//!
//! `%y = tinyml.strided_slice %x {begin = [0, 0, 1, 0], end = [1, 4, 4, 8],
//!        strides = [1, 1, 2, 1], begin_mask = 0, end_mask = 0, shrink_axis_mask = 1}
//!        : tensor<4x2x8xi8, !q<...>>`
//! Semantics: TFLite's `reference_ops::StridedSlice` (see `semantics::strided_slice`).

use crate::interfaces::OpInterface;
use crate::ops::common::{
    expect_activation_operand, expect_activation_result, expect_result_shape,
};
use crate::semantics::strided_slice::{strided_slice, StridedSliceParams};
use crate::tensor::{Operands, TensorData};
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::dialect::{OpContext, OpDefinition};

/// The largest rank TFLM slices.
pub const MAX_RANK: usize = 4;

/// The definition of `tinyml.strided_slice`.
pub struct StridedSliceOp;

/// A verified `tinyml.strided_slice`, its attributes decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StridedSlice {
    pub params: StridedSliceParams,
}

const MASKS: [&str; 3] = ["begin_mask", "end_mask", "shrink_axis_mask"];

impl StridedSlice {
    pub fn decode(op: &OpContext) -> DiagResult<StridedSlice> {
        let ints = |name: &str| -> DiagResult<Vec<i32>> {
            Ok(op
                .int_array_attribute(name, None, None)?
                .into_iter()
                .map(|v| v as i32)
                .collect())
        };
        let mask = |name: &str| -> DiagResult<u32> { Ok(op.int_attribute(name, Some(0))? as u32) };
        Ok(StridedSlice {
            params: StridedSliceParams {
                begin: ints("begin")?,
                end: ints("end")?,
                strides: ints("strides")?,
                begin_mask: mask(MASKS[0])?,
                end_mask: mask(MASKS[1])?,
                shrink_axis_mask: mask(MASKS[2])?,
            },
        })
    }
}

impl OpDefinition for StridedSliceOp {
    fn name(&self) -> &'static str {
        "tinyml.strided_slice"
    }

    fn summary(&self) -> &'static str {
        "copies a strided slice of an int8 tensor (rank 1 to 4)"
    }

    fn verify(&self, op: &OpContext) -> DiagResult<()> {
        op.expect_operands(1, 1)?;
        op.expect_results(1)?;
        op.expect_attributes(&["begin", "end", "strides", MASKS[0], MASKS[1], MASKS[2]])?;
        expect_activation_operand(op, 0, "input", None)?;
        expect_activation_result(op, 0)?;
        let input = &op.operand_type(0).shape;
        let rank = input.len();
        if !(1..=MAX_RANK).contains(&rank) {
            return Err(op.operand_error(
                0,
                format!("input must have rank 1 to {MAX_RANK}, got {rank}"),
            ));
        }
        for name in ["begin", "end", "strides"] {
            let values = op.int_array_attribute(name, Some(rank), None)?;
            if values.iter().any(|&v| i32::try_from(v).is_err()) {
                return Err(op.attribute_error(
                    name,
                    format!("attribute `{name}` must hold 32-bit integers"),
                ));
            }
            if name == "strides" && values.contains(&0) {
                return Err(op.attribute_error("strides", "strides must not be 0"));
            }
        }
        for name in MASKS {
            let mask = op.int_attribute(name, Some(0))?;
            if !(0..1 << rank).contains(&mask) {
                return Err(op.attribute_error(
                    name,
                    format!("`{name}` = {mask} has bits beyond the {rank} input axes"),
                ));
            }
        }
        let params = StridedSlice::decode(op)?.params;
        let axes = params.axes(input);
        if let Some(axis) = (0..rank).find(|&a| axes[a].shrink && axes[a].count != 1) {
            return Err(op.attribute_error(
                "begin",
                format!(
                    "shrunk axis {axis} selects no element (begin {}, stride {}, size {}): \
                     TFLite Micro would leave the output unwritten",
                    params.begin[axis], params.strides[axis], input[axis]
                ),
            ));
        }
        expect_result_shape(op, &params.output_shape(input))
    }
}

impl OpInterface for StridedSlice {
    fn evaluate(&self, operands: &Operands) -> DiagResult<TensorData> {
        Ok(TensorData::I8(strided_slice(
            &operands.activation(0),
            &self.params,
        )))
    }
}
