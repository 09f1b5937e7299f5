//! `dsp-kernels`: chooses the Arm DSP kernel variants (runtime-c/src/arm/) for the ops that have
//! one, before memory planning, so that `alloc` plans their scratch.
//!
//! Matches: `tinyml.conv2d` (1x1 stride-1 unpadded convolutions as a GEMM, the others through an
//! im2col of eight pixels), `tinyml.depthwise_conv2d` (ring of padded input rows; in place, one
//! padded input plane), `tinyml.fully_connected` and same-shape `tinyml.add`. Marks them
//! `mem.kernel_variant = 1` and sets `mem.scratch_size` to the variant's scratch (the sizes of
//! runtime-c/include/tmlc/kernels_arm.h; for depthwise the larger of the ordinary and in-place
//! needs, since `alloc` decides whether it runs in place). Needs: the final op order, after
//! `inplace`. Preserves: what is computed (every DSP kernel gives the portable kernel's bytes).
//! Run it only for targets with the DSP extension (`tmlc compile` does). Options: none.

use tmlc_core::attributes::Attribute;
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::dialect::{Context, OpContext};
use tmlc_core::ir::Module;
use tmlc_core::pass::{Pass, PassInfo, PassOptions};
use tmlc_tinyml::ops::common::window_attributes;

pub struct DspKernels;

pub fn info() -> PassInfo {
    PassInfo {
        name: "dsp-kernels",
        summary: "use the Arm DSP kernel variants (SMLAD) and plan their scratch",
        options: &[],
        create: |_: &PassOptions| Ok(Box::new(DspKernels)),
    }
}

fn quarter_up(n: usize) -> usize {
    n.div_ceil(4)
}

/// `TMLC_DSP_RING_WIDTH`: bytes of one padded row of a depthwise plane.
fn ring_width(out_w: usize, stride_w: usize, k_w: usize, dilation_w: usize) -> usize {
    ((out_w - 1) * stride_w + (k_w - 1) * dilation_w + 1 + 8).div_ceil(4) * 4
}

/// Bytes of scratch the DSP variant of `op` needs, or `None` when it has no DSP variant.
pub fn dsp_scratch(op: &OpContext) -> Option<usize> {
    let data = op.data();
    match data.name.as_str() {
        "tinyml.conv2d" => {
            let input = &op.operand_type(0).shape;
            let filter = &op.operand_type(1).shape;
            let window = window_attributes(op, true).ok()?;
            let pointwise = filter[1] == 1 && filter[2] == 1 && window.stride == [1, 1];
            Some(if pointwise {
                64 * quarter_up(input[3])
            } else {
                68 * quarter_up(filter[1] * filter[2] * input[3])
            })
        }
        "tinyml.depthwise_conv2d" => {
            let input = &op.operand_type(0).shape;
            let filter = &op.operand_type(1).shape;
            let output = &op.result_type(0).shape;
            let window = window_attributes(op, true).ok()?;
            let (k_h, k_w) = (filter[1], filter[2]);
            let [stride_h, stride_w] = window.stride;
            let [dilation_h, dilation_w] = window.dilation;
            let width = ring_width(output[2], stride_w, k_w, dilation_w);
            let ring = ((k_h - 1) * dilation_h + 1) * input[3] * width;
            let plane_rows = (output[1] - 1) * stride_h + (k_h - 1) * dilation_h + 1;
            let in_place = (output[1] * output[2]).div_ceil(4) * 4 + plane_rows * width;
            Some(ring.max(in_place))
        }
        "tinyml.fully_connected" => Some(0),
        "tinyml.add" if op.operand_type(0).shape == op.operand_type(1).shape => Some(0),
        _ => None,
    }
}

impl Pass for DspKernels {
    fn run(&mut self, module: &mut Module, _context: &Context) -> DiagResult<bool> {
        let mut changed = false;
        for index in 0..module.functions.len() {
            let choices: Vec<_> = {
                let function = &module.functions[index];
                function
                    .body
                    .ops
                    .iter()
                    .filter_map(|&op| {
                        dsp_scratch(&OpContext {
                            module,
                            function,
                            op,
                        })
                        .map(|scratch| (op, scratch))
                    })
                    .collect()
            };
            let function = &mut module.functions[index];
            for (op, scratch) in choices {
                let attributes = &mut function.ops[op].attributes;
                attributes.insert(
                    tmlc_mem::KERNEL_VARIANT.into(),
                    Attribute::Int(tmlc_mem::VARIANT_DSP as i64),
                );
                if scratch > 0 {
                    attributes.insert(
                        tmlc_mem::SCRATCH_SIZE.into(),
                        Attribute::Int(scratch as i64),
                    );
                }
                changed = true;
            }
        }
        Ok(changed)
    }
}
