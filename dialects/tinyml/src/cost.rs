//! The instruction cost model of the kernel library: how many instructions a kernel call of a
//! layer is predicted to execute on a Cortex-M core, per MAC, per output row and per call. The
//! `tile` pass weighs patch plans with it (patches recompute halos and call every kernel once per
//! patch, on fewer rows). The constants were fitted to QEMU instruction counts of the shared
//! models (cortex-m4, `tmlc sim`); they predict differences between plans, not cycles.

use crate::ops::OpView;
use tmlc_core::target::KernelVariant;

/// Per MAC of a one-input-channel depthwise convolution the DSP library runs as a convolution
/// (`kernels::depthwise_runs_as_conv`), fitted to micro_speech_quantized's first layer (10x8,
/// stride 2, M = 8: 660948 instructions for 320000 MACs in QEMU, cortex-m4).
const DEPTHWISE_AS_CONV_PER_MAC: f64 = 2.04;

/// Per MAC of a DSP depthwise layer with 5x5 or larger filters at stride 2 outside the small
/// planes (`banded` in `call_cost`): between the channel-parallel bands of the patch loops
/// (about 2.9-3.3) and the planar in-place kernel's whole planes (3.3-3.5), set so that
/// `tests/fit_command.rs`'s three variants of examples/mcunet_small.json come within 3-7% of
/// QEMU.
const PER_MAC_BANDED: f64 = 3.3;

/// Whether the DSP depthwise kernels can run the op four channels at a time.
fn channels_by_four(depthwise: &crate::ops::depthwise_conv2d::DepthwiseConv2d) -> bool {
    depthwise.multiplier == 1
        && depthwise.output[3].is_multiple_of(4)
        && depthwise.window.dilation == [1, 1]
}

/// What one kernel call costs, in instructions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CallCost {
    /// Per multiply-accumulate (for ops without MACs: per output byte).
    pub per_mac: f64,
    /// Per output row (row setup, the depthwise kernels' ring refill, the im2col restart).
    pub per_row: f64,
    /// Per call (argument set-up, prologue, the requantization tables' loads).
    pub per_call: f64,
}

/// The cost of the op's kernel of `variant`.
pub fn call_cost(view: &OpView, variant: KernelVariant) -> CallCost {
    if variant == KernelVariant::ArmMve {
        return mve_call_cost(view);
    }
    let dsp = variant == KernelVariant::ArmDsp;
    let (per_mac, per_row, per_call) = match view {
        OpView::Conv2d(conv) => {
            let window = conv.window;
            let pointwise = window.kernel == [1, 1] && window.stride == [1, 1];
            // DSP: the GEMM of runtime-c's conv2d_dsp.c (eight-pixel asm blocks, the
            // requantization in registers); per MAC over the shared models' layers of each
            // class (pointwise 1.26, im2col 1.11, three input channels 2.12: mcunet_vww1_80's
            // and pretrainedResnet_quant's first layers, K = 27 in the asm block).
            match (dsp, pointwise, conv.in_channels < 4) {
                (true, true, _) => (1.26, 0.0, 1500.0),
                (true, false, true) => (2.12, 300.0, 1500.0),
                (true, false, false) => (1.1, 300.0, 1500.0),
                (false, _, _) => (4.5, 40.0, 200.0),
            }
        }
        OpView::DepthwiseConv2d(depthwise) => {
            if dsp && crate::kernels::depthwise_runs_as_conv(depthwise) {
                // Run as a convolution by conv2d_dsp.c (one input channel, M outputs).
                (DEPTHWISE_AS_CONV_PER_MAC, 300.0, 1500.0)
            } else if dsp && takes_channel_parallel(depthwise) {
                // The channel-parallel variant of small planes (four channels per word of the
                // widened padded plane, asm rows, no per-row set-up): least squares over the
                // shared models' layers that take it (kws_ref_model, person_detect and
                // mcunet_vww1_80 in QEMU, cortex-m4; within 8% per layer on planes of at least
                // 5x5 outputs, 20% on 3x3 ones): 1.83 per MAC, 13.3 per output, 0.63 per byte of
                // the padded plane and 6.0 per tap and channel (the group's set-up).
                let [_, out_h, out_w, channels] = depthwise.output;
                let [k_h, k_w] = depthwise.window.kernel;
                let [s_h, s_w] = depthwise.window.stride;
                let taps = (k_h * k_w) as f64;
                let plane = (((out_h - 1) * s_h + k_h) * ((out_w - 1) * s_w + k_w)) as f64;
                (
                    1.83 + 13.3 / taps + 0.63 * plane / ((out_h * out_w) as f64 * taps),
                    0.0,
                    1500.0 + 6.0 * taps * channels as f64,
                )
            } else if dsp {
                // The fused row loops (requantization in registers): about 2.7 instructions per
                // MAC in the normal kernel's 3x3 loop, more with the gather of two input rows per
                // output row at stride 2. The kernel sets up every output row once per channel
                // (the requantization constants, the tap rows, the gather of the row's plane), so
                // the per-row cost grows with the channels (small planes take the
                // channel-parallel variant, which has no per-row set-up, but cost about the
                // same). Fitted (least squares, per-call cost fixed) to the depthwise layers of
                // person_detect, vww_96_int8, mcunet_vww1_80 and kws_ref_model in QEMU (`tmlc
                // sim --profile --json`, cortex-m4): within 30% per layer and 5% in sum. The
                // in-place kernel's stride 1 paths (two 3x3 output rows per pass, the shared
                // words of 5x5 / 7x7 rows) now run those layers at about 3.1 per MAC and 90 per
                // row and channel, but the normal kernel, which every patch loop runs, keeps the
                // one-row loop the constants were fitted to, and this model cannot tell the two
                // apart: the constants stay those of the normal kernel (refitting them to the
                // in-place layers put the fit tests' patched plans 11-12% under QEMU).
                // Larger 5x5 and 7x7 filters at stride 2 take the channel-parallel variant in the
                // normal kernel, which every patch loop runs on bands of a few rows (a 24x24x96
                // 5x5 band loop of examples/mcunet_small.json at width 1.0: 3.25 per MAC).
                let banded = depthwise.window.kernel[0] >= 5 && channels_by_four(depthwise);
                let per_mac = if depthwise.window.stride[1] >= 2 {
                    if banded {
                        PER_MAC_BANDED
                    } else {
                        4.25
                    }
                } else {
                    3.65
                };
                // Per call, per channel: the plane ring's first rows and the channel's
                // constants (what a streamed band of one output row pays again every call:
                // examples/mcunet_small.json in QEMU, stride 1 with 16 channels 120 a channel
                // per call, stride 2 with 48 channels 330).
                let per_channel = if depthwise.window.stride[1] >= 2 {
                    330.0
                } else {
                    120.0
                };
                (
                    per_mac,
                    120.0 * depthwise.output[3] as f64,
                    1500.0 + per_channel * depthwise.output[3] as f64,
                )
            } else {
                (7.5, 40.0, 200.0)
            }
        }
        OpView::FullyConnected(_) => (if dsp { 1.6 } else { 4.5 }, 0.0, 200.0),
        _ => (2.0, 20.0, 100.0),
    };
    CallCost {
        per_mac,
        per_row,
        per_call,
    }
}

/// Whether the DSP depthwise kernels run the op's plane channel-parallel (the in-place kernel's
/// rule, `dw_takes_quads` of runtime-c's depthwise_conv2d_dsp.c, on the small planes whose
/// scratch the compiler plans for it: `kernels::depthwise_inplace_dsp_scratch`).
fn takes_channel_parallel(depthwise: &crate::ops::depthwise_conv2d::DepthwiseConv2d) -> bool {
    let [_, out_h, out_w, channels] = depthwise.output;
    let [k_h, k_w] = depthwise.window.kernel;
    let small =
        out_h * out_w <= 100 || (k_h == 3 && k_w == 3 && out_w <= 8 && out_h * out_w <= 128);
    small
        && depthwise.multiplier == 1
        && channels.is_multiple_of(4)
        && depthwise.window.dilation == [1, 1]
        && out_h > 0
        && out_w > 0
}

/// The Helium kernels (cortex-m55, QEMU mps3-an547): 16 MACs per VMLADAVA in the GEMM-style
/// kernels, 4 per VMLA in the depthwise kernel, the requantization per output.
fn mve_call_cost(view: &OpView) -> CallCost {
    // Per call: the tables of folded biases and shifts (and for depthwise the padded input
    // copy and the pixel offset table, per output pixel below), which patch loops pay per patch.
    let (per_mac, per_row, per_call) = match view {
        OpView::Conv2d(conv) => {
            let window = conv.window;
            let pointwise = window.kernel == [1, 1] && window.stride == [1, 1];
            let tables = 20.0 * conv.out_channels as f64;
            // Per MAC (cortex-m55, `--objective fast`, after the assembly row loops): pointwise
            // 0.30 (kws_ref_model); im2col with 1-3 input channels 0.58-0.85 (kws_ref_model's
            // and pretrainedResnet_quant's first layers: the receptive field copies dominate);
            // other im2col layers 0.24 over pretrainedResnet_quant's (0.18-0.28 for 3x3,
            // 0.5-0.8 for its small 1x1 stride-2 layers).
            match (pointwise, conv.in_channels < 4) {
                (true, _) => (0.3, 150.0, 800.0 + tables),
                (false, true) => (0.7, 300.0, 800.0 + tables),
                (false, false) => (0.25, 300.0, 800.0 + tables),
            }
        }
        OpView::DepthwiseConv2d(depthwise) => {
            let channels = depthwise.output[3] as f64;
            let taps = (depthwise.window.kernel[0] * depthwise.window.kernel[1]) as f64;
            let row = 15.0 * depthwise.output[2] as f64 + 2.0 * channels;
            (1.6, row, 1000.0 + 4.0 * taps * channels)
        }
        OpView::FullyConnected(_) => (0.3, 0.0, 200.0),
        _ => (2.0, 20.0, 100.0),
    };
    CallCost {
        per_mac,
        per_row,
        per_call,
    }
}

impl CallCost {
    /// Instructions of one call producing `rows` output rows with `macs` MACs in all (for ops
    /// without MACs, pass the output bytes).
    pub fn instructions(&self, rows: usize, macs: u64) -> f64 {
        self.per_call + self.per_row * rows as f64 + self.per_mac * macs as f64
    }
}
