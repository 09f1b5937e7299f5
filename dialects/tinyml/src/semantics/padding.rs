//! Spatial padding of windowed ops (conv, depthwise, pools) as TFLite computes it
//! (`ComputeOutSize`, `ComputePaddingWithOffset`, `ComputePaddingHeightWidth` in
//! kernels/padding.h). The kernels only use the leading (top/left) amount; the window is clipped
//! at the far edge, so an odd total padding puts the extra row/column at the bottom/right. With
//! SAME, stride 2 and an even input (3x3 filter) the total is 1: TFLite pads only the bottom and
//! right, never the top and left.

/// `Padding` of convolutions and pools: TFLite's two schemes, or explicit amounts (what a
/// folded PAD op leaves, see `fuse`'s `fold-explicit-pad-into-*`). Explicit padding behaves as
/// SAME does in the kernels: taps outside the input are skipped; only the output size and the
/// leading amount differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Padding {
    Same,
    Valid,
    /// `rows` (top, bottom) and `cols` (left, right).
    Explicit {
        rows: PadAmount,
        cols: PadAmount,
    },
}

impl Padding {
    /// The padding of one spatial axis (0 rows, 1 columns).
    pub fn axis(self, axis: usize) -> AxisPadding {
        match self {
            Padding::Same => AxisPadding::Same,
            Padding::Valid => AxisPadding::Valid,
            Padding::Explicit { rows, cols } => {
                AxisPadding::Explicit(if axis == 0 { rows } else { cols })
            }
        }
    }

    /// The explicit padding `[top, bottom, left, right]`.
    pub fn explicit(amounts: [usize; 4]) -> Padding {
        Padding::Explicit {
            rows: PadAmount {
                before: amounts[0],
                after: amounts[1],
            },
            cols: PadAmount {
                before: amounts[2],
                after: amounts[3],
            },
        }
    }
}

/// The padding of one spatial axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AxisPadding {
    Same,
    Valid,
    Explicit(PadAmount),
}

/// Padding before and after one spatial dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PadAmount {
    /// Rows (columns) of padding before the input: what the kernels subtract from the origin.
    pub before: usize,
    /// Rows (columns) implied after the input (`before + offset` in TFLite's terms; for explicit
    /// padding the amount given, of which the window may use less).
    pub after: usize,
}

/// `(filter - 1) * dilation + 1`.
pub fn effective_filter_size(filter: usize, dilation: usize) -> usize {
    filter.saturating_sub(1) * dilation + 1
}

/// TFLite's `ComputeOutSize`: SAME gives `ceil(in / stride)`, VALID
/// `(in + stride - effective_filter) / stride` (0 when the filter does not fit); explicit padding
/// is VALID over the padded size; stride 0 gives 0.
pub fn output_size(
    padding: AxisPadding,
    in_size: usize,
    filter: usize,
    stride: usize,
    dilation: usize,
) -> usize {
    if stride == 0 {
        return 0;
    }
    let valid = |size: usize| {
        size.saturating_add(stride)
            .saturating_sub(effective_filter_size(filter, dilation))
            / stride
    };
    match padding {
        AxisPadding::Same => in_size.div_ceil(stride),
        AxisPadding::Valid => valid(in_size),
        AxisPadding::Explicit(amount) => valid(
            in_size
                .saturating_add(amount.before)
                .saturating_add(amount.after),
        ),
    }
}

/// TFLite's `ComputePaddingWithOffset` for the given output size:
/// `total = max(0, (out - 1) * stride + effective_filter - in)`, `before = total / 2`,
/// `after = total - before`. VALID output sizes always give zero padding.
fn padding_amount(
    in_size: usize,
    filter: usize,
    stride: usize,
    dilation: usize,
    out_size: usize,
) -> PadAmount {
    let needed = out_size.saturating_sub(1) * stride + effective_filter_size(filter, dilation);
    let total = needed.saturating_sub(in_size);
    PadAmount {
        before: total / 2,
        after: total - total / 2,
    }
}

/// Output size and padding of one spatial dimension (`ComputePaddingHeightWidth` for one axis;
/// explicit padding is returned as given).
pub fn compute_padding(
    padding: AxisPadding,
    in_size: usize,
    filter: usize,
    stride: usize,
    dilation: usize,
) -> (usize, PadAmount) {
    let out = output_size(padding, in_size, filter, stride, dilation);
    match padding {
        AxisPadding::Explicit(amount) => (out, amount),
        _ => (out, padding_amount(in_size, filter, stride, dilation, out)),
    }
}

/// The leading padding `[top, left]` of a window op computing an `output` of `[height, width]`,
/// checking in debug builds that this is the output size TFLite computes for the padding.
pub fn leading_padding(
    padding: Padding,
    input: [usize; 2],
    filter: [usize; 2],
    stride: [usize; 2],
    dilation: [usize; 2],
    output: [usize; 2],
) -> [usize; 2] {
    [0, 1].map(|axis| {
        let (out, amount) = compute_padding(
            padding.axis(axis),
            input[axis],
            filter[axis],
            stride[axis],
            dilation[axis],
        );
        debug_assert_eq!(out, output[axis], "window output size along axis {axis}");
        amount.before
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_stride2_even_input_pads_only_after() {
        // 96 -> 48 with a 3x3 filter: total = 47*2 + 3 - 96 = 1.
        assert_eq!(
            compute_padding(AxisPadding::Same, 96, 3, 2, 1),
            (
                48,
                PadAmount {
                    before: 0,
                    after: 1
                }
            )
        );
    }

    #[test]
    fn same_stride1_pads_both_sides() {
        assert_eq!(
            compute_padding(AxisPadding::Same, 10, 3, 1, 1),
            (
                10,
                PadAmount {
                    before: 1,
                    after: 1
                }
            )
        );
        // 4x4 filter: total 3, one before, two after.
        assert_eq!(
            compute_padding(AxisPadding::Same, 10, 4, 1, 1),
            (
                10,
                PadAmount {
                    before: 1,
                    after: 2
                }
            )
        );
        // Odd input with stride 2: 5 -> 3, total = 2*2 + 3 - 5 = 2.
        assert_eq!(
            compute_padding(AxisPadding::Same, 5, 3, 2, 1),
            (
                3,
                PadAmount {
                    before: 1,
                    after: 1
                }
            )
        );
    }

    #[test]
    fn valid_has_no_padding() {
        assert_eq!(
            compute_padding(AxisPadding::Valid, 49, 10, 2, 1),
            (20, PadAmount::default())
        );
        assert_eq!(
            compute_padding(AxisPadding::Valid, 3, 3, 1, 1),
            (1, PadAmount::default())
        );
        assert_eq!(output_size(AxisPadding::Valid, 2, 3, 1, 1), 0);
    }

    #[test]
    fn dilation_widens_the_filter() {
        assert_eq!(effective_filter_size(3, 2), 5);
        assert_eq!(
            compute_padding(AxisPadding::Same, 8, 3, 1, 2),
            (
                8,
                PadAmount {
                    before: 2,
                    after: 2
                }
            )
        );
        assert_eq!(output_size(AxisPadding::Valid, 8, 3, 1, 2), 4);
    }

    #[test]
    fn explicit_padding_is_valid_over_the_padded_size() {
        // PyTorch's pad (1, 1) before a stride-2 3x3 VALID conv on 80 rows: 40 outputs, the
        // window starts one row above the input and never reaches the last padded row.
        let pad = AxisPadding::Explicit(PadAmount {
            before: 1,
            after: 1,
        });
        assert_eq!(
            compute_padding(pad, 80, 3, 2, 1),
            (
                40,
                PadAmount {
                    before: 1,
                    after: 1
                }
            )
        );
        assert_eq!(output_size(pad, 1, 5, 1, 1), 0);
        assert_eq!(
            Padding::explicit([1, 2, 3, 4]).axis(1),
            AxisPadding::Explicit(PadAmount {
                before: 3,
                after: 4
            })
        );
    }
}
