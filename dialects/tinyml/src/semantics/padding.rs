//! Spatial padding of windowed ops (conv, depthwise, pools) as TFLite computes it
//! (`ComputeOutSize`, `ComputePaddingWithOffset`, `ComputePaddingHeightWidth` in
//! kernels/padding.h). The kernels only use the leading (top/left) amount; the window is clipped
//! at the far edge, so an odd total padding puts the extra row/column at the bottom/right. With
//! SAME, stride 2 and an even input (3x3 filter) the total is 1: TFLite pads only the bottom and
//! right, never the top and left.

/// `Padding` of convolutions and pools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Padding {
    Same,
    Valid,
}

/// Padding before and after one spatial dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PadAmount {
    /// Rows (columns) of padding before the input: what the kernels subtract from the origin.
    pub before: usize,
    /// Rows (columns) implied after the input (`before + offset` in TFLite's terms).
    pub after: usize,
}

/// `(filter - 1) * dilation + 1`.
pub fn effective_filter_size(filter: usize, dilation: usize) -> usize {
    filter.saturating_sub(1) * dilation + 1
}

/// TFLite's `ComputeOutSize`: SAME gives `ceil(in / stride)`, VALID
/// `(in + stride - effective_filter) / stride` (0 when the filter does not fit); stride 0 gives 0.
pub fn output_size(
    padding: Padding,
    in_size: usize,
    filter: usize,
    stride: usize,
    dilation: usize,
) -> usize {
    if stride == 0 {
        return 0;
    }
    match padding {
        Padding::Same => in_size.div_ceil(stride),
        Padding::Valid => {
            (in_size + stride).saturating_sub(effective_filter_size(filter, dilation)) / stride
        }
    }
}

/// TFLite's `ComputePaddingWithOffset` for the given output size:
/// `total = max(0, (out - 1) * stride + effective_filter - in)`, `before = total / 2`,
/// `after = total - before`. VALID output sizes always give zero padding.
pub fn padding_amount(
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

/// Output size and padding of one spatial dimension (`ComputePaddingHeightWidth` for one axis).
pub fn compute_padding(
    padding: Padding,
    in_size: usize,
    filter: usize,
    stride: usize,
    dilation: usize,
) -> (usize, PadAmount) {
    let out = output_size(padding, in_size, filter, stride, dilation);
    (out, padding_amount(in_size, filter, stride, dilation, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_stride2_even_input_pads_only_after() {
        // 96 -> 48 with a 3x3 filter: total = 47*2 + 3 - 96 = 1.
        assert_eq!(
            compute_padding(Padding::Same, 96, 3, 2, 1),
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
            compute_padding(Padding::Same, 10, 3, 1, 1),
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
            compute_padding(Padding::Same, 10, 4, 1, 1),
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
            compute_padding(Padding::Same, 5, 3, 2, 1),
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
            compute_padding(Padding::Valid, 49, 10, 2, 1),
            (20, PadAmount::default())
        );
        assert_eq!(
            compute_padding(Padding::Valid, 3, 3, 1, 1),
            (1, PadAmount::default())
        );
        assert_eq!(output_size(Padding::Valid, 2, 3, 1, 1), 0);
    }

    #[test]
    fn dilation_widens_the_filter() {
        assert_eq!(effective_filter_size(3, 2), 5);
        assert_eq!(
            compute_padding(Padding::Same, 8, 3, 1, 2),
            (
                8,
                PadAmount {
                    before: 2,
                    after: 2
                }
            )
        );
        assert_eq!(output_size(Padding::Valid, 8, 3, 1, 2), 4);
    }
}
