//! The kernel library: what each runtime-c kernel variant of a tinyml op needs and promises, in
//! one place for the passes (scratch to plan, whether a variant exists, whether it may run in
//! place, the order it walks rows) and the backends (the weight layout to emit, the source files
//! to ship). The numbers mirror the macros of `runtime-c/include/tmlc/kernels_arm.h`;
//! `tests/kernel_library.rs` checks them against the C header.

use crate::ops::OpView;
use tmlc_core::target::KernelVariant;

/// The order in which a kernel writes output rows and reads input rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowOrder {
    /// Output rows in increasing order; output row `r` reads input rows no later than its
    /// window's last row. An output may then overwrite input rows already consumed (liveness's
    /// overlapping placement).
    Increasing,
}

/// How the kernel wants the op's constant weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeightLayout {
    /// As the IR stores them (and the bias as stored).
    AsStored,
    /// `tmlc_depthwise_conv2d_s8_dsp_pack`: per output channel the bias folded with
    /// `input_offset * sum(weights)`, then int16 pairs of taps.
    DepthwiseDspPacked,
    /// `tmlc_fully_connected_s8_dsp_pack`: blocks of four rows in groups of four inputs, and the
    /// bias folded with `input_offset * sum(row)`.
    FullyConnectedDspPacked,
    /// `tmlc_fully_connected_s8_dsp_pack_wide`: the same order with every weight as int16 (twice
    /// the flash, no widening at run time), for `tmlc_fully_connected_s8_dsp_wide`; the bias
    /// folded as for `FullyConnectedDspPacked`. Chosen by `select-kernels` (`mem.weights =
    /// wide`) when [`wide_weights_fit`].
    FullyConnectedDspWide,
    /// `tmlc_conv2d_1x1_s8_dsp_pack_wide`: a convolution's filter as int16, pairs of output
    /// channels by groups of four of its K = k_h * k_w * in_c taps (twice the flash, no
    /// widening at run time), for `tmlc_conv2d_1x1_s8_dsp_wide` and `tmlc_conv2d_s8_dsp_wide`,
    /// with the bias folded with `input_offset * sum(row)` and the fast requantization's
    /// constants per channel. Chosen by `select-kernels` (`mem.weights = wide`) when
    /// [`wide_weights_fit`].
    ConvDspWide,
    /// A depthwise convolution with one input channel run as a convolution
    /// ([`depthwise_runs_as_conv`]): the filter `[1, k_h, k_w, M]` transposed to the convolution
    /// filter `[M, k_h, k_w, 1]` (output channel major); the bias as stored.
    DepthwiseAsConv,
    /// A same-shape ADD computed by one table lookup per element: the 65,536 results of every
    /// pair of int8 inputs, made at compile time by the op's own semantics (exact by
    /// construction), for `tmlc_add_table_s8`. Chosen by `select-kernels` (`mem.weights = wide`)
    /// where the flash allows ([`wide_weights_fit`]) and the target's kernel is scalar.
    AddTable,
    /// A same-shape ADD whose inputs' rescalings are tabulated, 256 int32 per input (2 KB, made
    /// by the op's own semantics), for `tmlc_add_s8_dsp_tables`: the DSP kernel's layout for
    /// adds of at least [`ADD_INPUT_TABLES_MIN_ELEMENTS`] elements.
    AddInputTables,
}

/// The instructions a wide layout must save ([`WeightLayout::saving_per_unit`] times the op's
/// work) for `select-kernels` to take it: below, the wide kernels' per-call set-up (the scan of
/// the requantization tables, the last pixels in C) eats the saving (a 576-MAC convolution ran
/// 5% slower wide).
pub const WIDE_MIN_SAVING: f64 = 2000.0;

/// The elements from which a DSP ADD takes its input tables ([`WeightLayout::AddInputTables`]):
/// about 20 instructions saved per element (33 -> 13 on cortex-m4) pay for the 2 KB of flash.
pub const ADD_INPUT_TABLES_MIN_ELEMENTS: usize = 256;

/// Bytes of an ADD's table ([`WeightLayout::AddTable`]).
pub const ADD_TABLE_BYTES: usize = 256 * 256;

impl WeightLayout {
    /// Instructions a wide layout saves per unit of its op's work (per MAC; an ADD's table per
    /// element), measured on cortex-m4 in QEMU against the layout it replaces: the int16 1x1
    /// filter 0.19-0.23 per MAC (person_detect's layers, K = 16-256; first layers with three
    /// input channels gain more, see `conv2d_wide_dsp.c`), the int16 fully connected
    /// weights about 0.38, an ADD's table about 14 per element (pretrainedResnet_quant).
    /// `select-kernels` takes the layouts that save the most per byte of flash first.
    pub fn saving_per_unit(self) -> f64 {
        match self {
            WeightLayout::ConvDspWide => 0.2,
            WeightLayout::FullyConnectedDspWide => 0.38,
            WeightLayout::AddTable => 14.0,
            _ => 0.0,
        }
    }

    /// Whether the backend emits operand `index` of the op in this layout itself (so that the
    /// operand's stored bytes are not emitted for the call).
    pub fn repacks_operand(self, index: usize) -> bool {
        match self {
            WeightLayout::AsStored | WeightLayout::AddTable | WeightLayout::AddInputTables => false,
            WeightLayout::DepthwiseAsConv => index == 1,
            _ => index >= 1,
        }
    }
}

/// Whether the DSP library runs a depthwise convolution as a convolution: with one input
/// channel and a depth multiplier M of at least 2, output channel m reads the one input channel
/// through filter column m, which is a convolution with M output channels (same sums, the same
/// per-channel requantization on the output channel), and the GEMM widens each input pixel once
/// for all M channels instead of once per channel. Only when the filter rows are whole groups of
/// four taps (`k_w % 4 == 0`), so that the GEMM packs each window straight from the input: with
/// other widths it stages every window byte by byte first, which on micro-sized filters (3x3,
/// person_detect's first layer: 3.6 instructions per MAC as a convolution in its patch loop)
/// costs more than the depthwise kernel.
pub fn depthwise_runs_as_conv(depthwise: &crate::ops::depthwise_conv2d::DepthwiseConv2d) -> bool {
    depthwise.input[3] == 1
        && depthwise.multiplier >= 2
        && depthwise.window.kernel[1].is_multiple_of(4)
        && depthwise.window.dilation[1] == 1
}

/// `TMLC_FULLY_CONNECTED_S8_DSP_PACKED_BYTES(in_depth, out_depth)`: the int8 packed weights of
/// the fully-connected DSP kernel, and what its wide layout adds to them.
pub fn fully_connected_dsp_packed_bytes(in_depth: usize, out_depth: usize) -> usize {
    out_depth * 4 * in_depth.div_ceil(4)
}

/// The wide layout of an op's kernel of `variant`, when it has one (`mem.weights = wide` then
/// selects it), and the flash bytes it takes beyond the kernel's default layout.
pub fn wide_layout(view: &OpView, variant: KernelVariant) -> Option<(WeightLayout, usize)> {
    match (view, variant) {
        (OpView::FullyConnected(fc), KernelVariant::ArmDsp) => Some((
            WeightLayout::FullyConnectedDspWide,
            fully_connected_dsp_packed_bytes(fc.in_depth, fc.out_depth),
        )),
        // The int16 filter with the biases replaces the int8 filter and the bias.
        (OpView::Conv2d(conv), KernelVariant::ArmDsp) => {
            let taps = conv.window.kernel[0] * conv.window.kernel[1] * conv.in_channels;
            let wide = conv2d_1x1_dsp_wide_packed_bytes(taps, conv.out_channels);
            let stored = taps * conv.out_channels + 4 * conv.out_channels;
            Some((WeightLayout::ConvDspWide, wide.saturating_sub(stored)))
        }
        // The Helium ADD does 16 elements per vector: faster than a scalar lookup. A table pays
        // for its 64 KB from 4,096 elements on (at least a byte of flash per 16 instructions
        // saved).
        (OpView::Add(add), KernelVariant::ArmDsp | KernelVariant::Portable)
            if add.same_shapes && add.elements >= ADD_TABLE_BYTES / 16 =>
        {
            Some((WeightLayout::AddTable, ADD_TABLE_BYTES))
        }
        _ => None,
    }
}

/// The op's wide layout (as [`wide_layout`]: the layout and the bytes it adds) and the
/// instructions it saves on `work` (the op's MACs; for ops without MACs its output elements),
/// when that saving reaches [`WIDE_MIN_SAVING`]; `None` otherwise.
pub fn wide_saving(
    view: &OpView,
    variant: KernelVariant,
    work: u64,
) -> Option<(WeightLayout, usize, f64)> {
    let (layout, extra) = wide_layout(view, variant)?;
    let saving = layout.saving_per_unit() * work as f64;
    (saving >= WIDE_MIN_SAVING).then_some((layout, extra, saving))
}

/// `TMLC_CONV2D_1X1_S8_DSP_WIDE_PACKED_BYTES(in_c, out_c)`: the int16 filter of
/// `tmlc_conv2d_1x1_s8_dsp_wide` with, per pair of channels, the two folded biases and the
/// requantization constants (eight words).
pub fn conv2d_1x1_dsp_wide_packed_bytes(in_c: usize, out_c: usize) -> usize {
    4 * out_c.div_ceil(2) * (10 + 4 * in_c.div_ceil(4))
}

/// Whether ops with a wide layout that add `wide_extra_bytes` in all may take it: when the
/// model's constant bytes plus those stay within three quarters of the target's flash (the last
/// quarter for the code, the runtime and the application). `select-kernels` takes the wide
/// layouts that save the most instructions per added byte first, as many as fit.
pub fn wide_weights_fit(constant_bytes: usize, wide_extra_bytes: usize, flash_bytes: u64) -> bool {
    wide_extra_bytes > 0 && ((constant_bytes + wide_extra_bytes) as u64) <= flash_bytes / 4 * 3
}

/// One kernel of the library for one op.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kernel {
    pub variant: KernelVariant,
    /// Scratch bytes the kernel needs while it runs into a separate output (0: none). A stateful
    /// op's kernels have none: their work buffer is part of the op's state
    /// (`OpState::work_bytes`), outside the arena.
    pub scratch_bytes: usize,
    /// Whether the kernel can run over its input when the op's `in_place` allows it.
    pub in_place: bool,
    /// Scratch bytes when it runs in place (0 for kernels that never do).
    pub in_place_scratch_bytes: usize,
    pub row_order: RowOrder,
    pub weights: WeightLayout,
    /// runtime-c source files it needs, relative to `runtime-c/`.
    pub sources: &'static [&'static str],
}

/// `TMLC_CONV2D_1X1_S8_MVE_SCRATCH(out_c)`: the folded bias and the two shifts per channel.
pub fn conv2d_1x1_mve_scratch(out_c: usize) -> usize {
    12 * out_c
}

/// `TMLC_CONV2D_MVE_FIELDS`: receptive fields the Helium im2col kernel copies at a time.
pub const CONV2D_MVE_FIELDS: usize = 8;

/// `TMLC_CONV2D_S8_MVE_SCRATCH(k_h, k_w, in_c, out_c)`: the tables, then the receptive fields.
pub fn conv2d_mve_scratch(k_h: usize, k_w: usize, in_c: usize, out_c: usize) -> usize {
    12 * out_c + CONV2D_MVE_FIELDS * (k_h * k_w * in_c).div_ceil(4) * 4
}

/// `TMLC_DEPTHWISE_CONV2D_S8_MVE_SCRATCH(in_c, channels, k_h, k_w, stride_h, stride_w,
/// dilation_h, dilation_w, out_h, out_w)`: the folded bias of every output channel, each output
/// pixel's offset (whole chunks of 12), then the padded input image
/// (`TMLC_DW_MVE_PADDED_H` x `TMLC_DW_MVE_PADDED_W` pixels).
pub fn depthwise_mve_scratch(
    in_c: usize,
    channels: usize,
    [k_h, k_w]: [usize; 2],
    [stride_h, stride_w]: [usize; 2],
    [dilation_h, dilation_w]: [usize; 2],
    [out_h, out_w]: [usize; 2],
) -> usize {
    let padded_w = (out_w - 1) * stride_w + (k_w - 1) * dilation_w + 1;
    let padded_h = (out_h - 1) * stride_h + (k_h - 1) * dilation_h + 1;
    4 * channels + 48 * (out_h * out_w).div_ceil(12) + (padded_h * padded_w * in_c).div_ceil(4) * 4
}

/// The scratch of `TMLC_CONV2D_1X1_S8_DSP_SCRATCH(in_c)`.
pub fn conv2d_1x1_dsp_scratch(in_c: usize) -> usize {
    64 * in_c.div_ceil(4)
}

/// `TMLC_CONV2D_S8_DSP_SCRATCH(k_h, k_w, in_c)`.
pub fn conv2d_dsp_scratch(k_h: usize, k_w: usize, in_c: usize) -> usize {
    68 * (k_h * k_w * in_c).div_ceil(4)
}

/// `TMLC_DSP_RING_WIDTH(out_w, stride_w, k_w, dilation_w)`: bytes of one padded row of a
/// depthwise plane.
pub fn dsp_ring_width(out_w: usize, stride_w: usize, k_w: usize, dilation_w: usize) -> usize {
    ((out_w - 1) * stride_w + (k_w - 1) * dilation_w + 1 + 8).div_ceil(4) * 4
}

/// `TMLC_DEPTHWISE_CONV2D_S8_DSP_SCRATCH(in_c, k_h, k_w, stride_w, dilation_h, dilation_w,
/// out_w)`: a ring of padded input rows of every channel.
pub fn depthwise_dsp_scratch(
    in_c: usize,
    [k_h, k_w]: [usize; 2],
    stride_w: usize,
    [dilation_h, dilation_w]: [usize; 2],
    out_w: usize,
) -> usize {
    ((k_h - 1) * dilation_h + 1) * in_c * dsp_ring_width(out_w, stride_w, k_w, dilation_w)
}

/// `TMLC_DEPTHWISE_CONV2D_INPLACE_S8_DSP_SCRATCH(out_h, out_w, k_h, k_w, stride_h, stride_w,
/// dilation_h, dilation_w)`: one padded input plane (the outputs go straight to the buffer), or on
/// small output planes (`TMLC_DSP_DW_SMALL_PLANE`: at most 100 pixels, or with a 3x3 filter at
/// most 8 wide and 128 pixels) the larger of that and the channel-parallel variant's (the padded
/// plane of four channels widened to two words per pixel, then two words per tap of four
/// channels).
pub fn depthwise_inplace_dsp_scratch(
    [out_h, out_w]: [usize; 2],
    [k_h, k_w]: [usize; 2],
    [stride_h, stride_w]: [usize; 2],
    [dilation_h, dilation_w]: [usize; 2],
) -> usize {
    let plane_rows = (out_h - 1) * stride_h + (k_h - 1) * dilation_h + 1;
    let plane = plane_rows * dsp_ring_width(out_w, stride_w, k_w, dilation_w);
    let small =
        out_h * out_w <= 100 || (k_h == 3 && k_w == 3 && out_w <= 8 && out_h * out_w <= 128);
    if !small {
        return plane;
    }
    let padded_w = (out_w - 1) * stride_w + (k_w - 1) * dilation_w + 1;
    plane.max(8 * plane_rows * padded_w + 8 * k_h * k_w)
}

impl Kernel {
    /// The scratch to plan: the ordinary kernel's, or, when the op may run in place
    /// (`mem.inplace`: `alloc` then decides where the output goes, and the backend runs the
    /// in-place kernel only when it shares the input's offset), enough for either kernel.
    pub fn scratch(&self, may_run_in_place: bool) -> usize {
        if may_run_in_place {
            self.scratch_bytes.max(self.in_place_scratch_bytes)
        } else {
            self.scratch_bytes
        }
    }
}

/// `TMLC_LSTM_S8_WORK(input_depth, state_depth)`: four int16 vectors of the state depth, and
/// the DSP kernel's widened input row and hidden state (whole groups of four).
pub fn lstm_work_bytes(input_depth: usize, state_depth: usize) -> usize {
    8 * state_depth + 2 * (input_depth / 4 * 4) + 2 * (state_depth / 4 * 4)
}

fn kernel(
    variant: KernelVariant,
    scratch_bytes: usize,
    weights: WeightLayout,
    sources: &'static [&'static str],
) -> Kernel {
    Kernel {
        variant,
        scratch_bytes,
        in_place: false,
        in_place_scratch_bytes: 0,
        row_order: RowOrder::Increasing,
        weights,
        sources,
    }
}

/// The kernel of `variant` for the op, `None` when the library has none (then the op runs the
/// portable kernel, which every op has).
pub fn lookup(view: &OpView, variant: KernelVariant) -> Option<Kernel> {
    use KernelVariant::*;
    use WeightLayout::*;
    Some(match (view, variant) {
        (OpView::Const(_) | OpView::Reshape(_) | OpView::Squeeze(_), _) => return None,
        // Pure functions of one int8 element: one lookup in their `lookup_table` per element.
        (OpView::HardSwish(_) | OpView::Sigmoid(_) | OpView::LeakyRelu(_), Portable) => Kernel {
            in_place: true,
            ..kernel(Portable, 0, AsStored, &["src/lut.c"])
        },
        (OpView::Conv2d(_), Portable) => kernel(Portable, 0, AsStored, &["src/conv2d.c"]),
        (OpView::Conv2d(conv), ArmDsp) => {
            let window = conv.window;
            let pointwise = window.kernel == [1, 1] && window.stride == [1, 1];
            let scratch = if pointwise {
                conv2d_1x1_dsp_scratch(conv.in_channels)
            } else {
                conv2d_dsp_scratch(window.kernel[0], window.kernel[1], conv.in_channels)
            };
            kernel(
                ArmDsp,
                scratch,
                AsStored,
                &[
                    "src/conv2d.c",
                    "src/arm/conv2d_dsp.c",
                    "src/arm/conv2d_wide_dsp.c",
                ],
            )
        }
        (OpView::Conv2d(conv), ArmMve) => {
            let window = conv.window;
            let pointwise = window.kernel == [1, 1] && window.stride == [1, 1];
            let scratch = if pointwise {
                conv2d_1x1_mve_scratch(conv.out_channels)
            } else {
                conv2d_mve_scratch(
                    window.kernel[0],
                    window.kernel[1],
                    conv.in_channels,
                    conv.out_channels,
                )
            };
            kernel(
                ArmMve,
                scratch,
                AsStored,
                &["src/conv2d.c", "src/arm/conv2d_mve.c"],
            )
        }
        (OpView::DepthwiseConv2d(depthwise), Portable) => Kernel {
            in_place: true,
            // One output channel plane (`InPlace::ChannelPlanes`).
            in_place_scratch_bytes: depthwise.output[1] * depthwise.output[2],
            ..kernel(
                Portable,
                0,
                AsStored,
                &["src/depthwise_conv2d.c", "src/depthwise_conv2d_inplace.c"],
            )
        },
        (OpView::DepthwiseConv2d(depthwise), ArmDsp) if depthwise_runs_as_conv(depthwise) => {
            let [k_h, k_w] = depthwise.window.kernel;
            kernel(
                ArmDsp,
                conv2d_dsp_scratch(k_h, k_w, 1),
                DepthwiseAsConv,
                &["src/conv2d.c", "src/arm/conv2d_dsp.c"],
            )
        }
        (OpView::DepthwiseConv2d(depthwise), ArmDsp) => {
            let window = depthwise.window;
            let out = [depthwise.output[1], depthwise.output[2]];
            let ring = depthwise_dsp_scratch(
                depthwise.input[3],
                window.kernel,
                window.stride[1],
                window.dilation,
                out[1],
            );
            let in_place =
                depthwise_inplace_dsp_scratch(out, window.kernel, window.stride, window.dilation);
            Kernel {
                in_place: true,
                in_place_scratch_bytes: in_place,
                ..kernel(
                    ArmDsp,
                    ring,
                    DepthwiseDspPacked,
                    &[
                        "src/depthwise_conv2d.c",
                        "src/depthwise_conv2d_inplace.c",
                        "src/arm/depthwise_conv2d_dsp.c",
                    ],
                )
            }
        }
        // The same kernel runs in place (`mem.inplace` taken by `alloc`); its scratch then also
        // holds the output plane of the portable in-place kernel it falls back to.
        (OpView::DepthwiseConv2d(depthwise), ArmMve) => {
            let ring = depthwise_mve_scratch(
                depthwise.input[3],
                depthwise.output[3],
                depthwise.window.kernel,
                depthwise.window.stride,
                depthwise.window.dilation,
                [depthwise.output[1], depthwise.output[2]],
            );
            Kernel {
                in_place: true,
                in_place_scratch_bytes: ring.max(depthwise.output[1] * depthwise.output[2]),
                ..kernel(
                    ArmMve,
                    ring,
                    AsStored,
                    &[
                        "src/depthwise_conv2d.c",
                        "src/depthwise_conv2d_inplace.c",
                        "src/arm/depthwise_conv2d_mve.c",
                    ],
                )
            }
        }
        (OpView::FullyConnected(_), Portable) => {
            kernel(Portable, 0, AsStored, &["src/fully_connected.c"])
        }
        (OpView::FullyConnected(_), ArmDsp) => kernel(
            ArmDsp,
            0,
            FullyConnectedDspPacked,
            &["src/fully_connected.c", "src/arm/fully_connected_dsp.c"],
        ),
        (OpView::FullyConnected(_), ArmMve) => kernel(
            ArmMve,
            0,
            AsStored,
            &["src/fully_connected.c", "src/arm/fully_connected_mve.c"],
        ),
        (OpView::Add(_), Portable) => Kernel {
            in_place: true,
            ..kernel(Portable, 0, AsStored, &["src/add.c", "src/add_table.c"])
        },
        (OpView::Add(add), ArmDsp) if add.same_shapes => Kernel {
            in_place: true,
            ..kernel(
                ArmDsp,
                0,
                if add.elements >= ADD_INPUT_TABLES_MIN_ELEMENTS {
                    AddInputTables
                } else {
                    AsStored
                },
                &["src/add.c", "src/add_table.c", "src/arm/add_dsp.c"],
            )
        },
        (OpView::Add(add), ArmMve) if add.same_shapes => Kernel {
            in_place: true,
            ..kernel(ArmMve, 0, AsStored, &["src/add.c", "src/arm/add_mve.c"])
        },
        (OpView::Mul(_), Portable) => Kernel {
            in_place: true,
            ..kernel(Portable, 0, AsStored, &["src/mul.c"])
        },
        (OpView::Quantize(_) | OpView::Dequantize(_), Portable) => {
            kernel(Portable, 0, AsStored, &["src/float_edges.c"])
        }
        (OpView::Sub(_), Portable) => Kernel {
            in_place: true,
            ..kernel(Portable, 0, AsStored, &["src/add.c"])
        },
        (OpView::Pool2d(_), Portable) => kernel(Portable, 0, AsStored, &["src/pool.c"]),
        (OpView::Pad(_), Portable) => kernel(Portable, 0, AsStored, &["src/pad.c"]),
        (OpView::Softmax(_), Portable) => Kernel {
            in_place: true,
            ..kernel(Portable, 0, AsStored, &["src/softmax.c"])
        },
        (OpView::LogSoftmax(log_softmax), Portable) => Kernel {
            in_place: true,
            ..kernel(
                Portable,
                0,
                AsStored,
                if log_softmax.float {
                    &["src/log_softmax_f32.c"]
                } else {
                    &["src/log_softmax.c"]
                },
            )
        },
        (OpView::Lstm(_), Portable) => kernel(
            Portable,
            0,
            AsStored,
            &["src/lstm.c", "src/lstm_internal.h"],
        ),
        (OpView::Lstm(_), ArmDsp) => kernel(
            ArmDsp,
            0,
            AsStored,
            &["src/lstm.c", "src/lstm_internal.h", "src/arm/lstm_dsp.c"],
        ),
        (OpView::Mean(_), Portable) => kernel(Portable, 0, AsStored, &["src/mean.c"]),
        (OpView::Concat(_), Portable) => kernel(Portable, 0, AsStored, &["src/concat.c"]),
        (OpView::Transpose(_), Portable) => kernel(Portable, 0, AsStored, &["src/transpose.c"]),
        (OpView::ResizeNearestNeighbor(_), Portable) => {
            kernel(Portable, 0, AsStored, &["src/resize_nearest_neighbor.c"])
        }
        (OpView::StridedSlice(_), Portable) => {
            kernel(Portable, 0, AsStored, &["src/strided_slice.c"])
        }
        (OpView::Elementwise(_), Portable) => Kernel {
            in_place: true,
            ..kernel(Portable, 0, AsStored, &["src/elementwise.c"])
        },
        _ => return None,
    })
}

/// Whether the backends can run a variant's kernels inside a patch loop (`loop.patches`) on
/// patch buffers: every variant can (the loop's scratch holds the kernels' scratch after the two
/// patch buffers, see [`patch_scratch`]).
pub fn runs_in_patch_loops(variant: KernelVariant) -> bool {
    matches!(
        variant,
        KernelVariant::Portable | KernelVariant::ArmDsp | KernelVariant::ArmMve
    )
}

/// The scratch of the variant's kernel for the op computed patch by patch, on output patches at
/// most `out_h` high and `out_w` wide. A layer in a patch loop never runs in place (it reads one
/// patch buffer and writes the other); only the depthwise kernels' scratch depends on the patch
/// (the DSP row ring on its width, the Helium padded image on both).
pub fn patch_scratch(view: &OpView, variant: KernelVariant, [out_h, out_w]: [usize; 2]) -> usize {
    match (view, variant) {
        (OpView::DepthwiseConv2d(depthwise), KernelVariant::ArmDsp)
            if depthwise_runs_as_conv(depthwise) =>
        {
            let [k_h, k_w] = depthwise.window.kernel;
            conv2d_dsp_scratch(k_h, k_w, 1)
        }
        (OpView::DepthwiseConv2d(depthwise), KernelVariant::ArmDsp) => depthwise_dsp_scratch(
            depthwise.input[3],
            depthwise.window.kernel,
            depthwise.window.stride[1],
            depthwise.window.dilation,
            out_w.max(1),
        ),
        (OpView::DepthwiseConv2d(depthwise), KernelVariant::ArmMve) => depthwise_mve_scratch(
            depthwise.input[3],
            depthwise.output[3],
            depthwise.window.kernel,
            depthwise.window.stride,
            depthwise.window.dilation,
            [out_h.max(1), out_w.max(1)],
        ),
        _ => lookup(view, variant).map_or(0, |kernel| kernel.scratch_bytes),
    }
}

/// [`patch_scratch`] of a depthwise layer that a streamed patch loop runs in place in its
/// input's row buffer (`[out_h, out_w]` of one band): the in-place kernel's scratch.
pub fn patch_scratch_in_place(
    view: &OpView,
    variant: KernelVariant,
    [out_h, out_w]: [usize; 2],
) -> usize {
    let [out_h, out_w] = [out_h.max(1), out_w.max(1)];
    match (view, variant) {
        (OpView::DepthwiseConv2d(depthwise), KernelVariant::ArmDsp) => {
            depthwise_inplace_dsp_scratch(
                [out_h, out_w],
                depthwise.window.kernel,
                depthwise.window.stride,
                depthwise.window.dilation,
            )
        }
        // The Helium kernel runs in place as it is; the portable one needs a channel plane.
        _ => patch_scratch(view, variant, [out_h, out_w]).max(out_h * out_w),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_weights_fit_three_quarters_of_the_flash() {
        assert!(wide_weights_fit(500, 250, 1000));
        assert!(!wide_weights_fit(500, 251, 1000));
        // Nothing to widen: nothing chosen.
        assert!(!wide_weights_fit(0, 0, 1 << 20));
        assert_eq!(fully_connected_dsp_packed_bytes(5, 3), 3 * 8);
    }
}
