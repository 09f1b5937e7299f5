//! STRIDED_SLICE: TFLite's `reference_ops::StridedSlice` as TFLite Micro runs it, a pure copy
//! (the quantization is irrelevant). TFLM reads `begin`, `end` and `strides` (constant, one per
//! axis, rank <= 4) and `begin_mask`, `end_mask`, `shrink_axis_mask`; it zeroes `ellipsis_mask`
//! and `new_axis_mask` and never sets `offset`.
//!
//! Per axis of size `n` with stride `s` (`strided_slice_logic.h`,
//! `StridedSliceStartForAxis` / `StridedSliceEndForAxis`):
//! - start: `begin`, plus `n` when negative, clamped to `[0, n]` (`s > 0`) or `[-1, n - 1]`
//!   (`s < 0`); a `begin_mask` bit makes it `0` (`s > 0`) or `n - 1` (`s < 0`);
//! - stop: with a `shrink_axis_mask` bit `start + 1` (or `start` when `start >= n`); otherwise
//!   `end`, plus `n` when negative, clamped likewise; an `end_mask` bit makes it `n` or `-1`;
//! - the axis visits `start, start + s, ...` while below (`s > 0`) or above (`s < 0`) the stop.
//!
//! The output is every visited coordinate in row-major order; shrunk axes are dropped from its
//! shape. TFLM's own output-size check (`ceil((stop - start) / (float)s)`) agrees with the visit
//! count except where a shrunk axis starts out of range (then Eval writes nothing); the verifier
//! rejects that case.

use super::transpose::strides;
use super::QuantTensor;

/// The slice attributes, one `begin` / `end` / `strides` entry per input axis.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StridedSliceParams {
    pub begin: Vec<i32>,
    pub end: Vec<i32>,
    pub strides: Vec<i32>,
    pub begin_mask: u32,
    pub end_mask: u32,
    pub shrink_axis_mask: u32,
}

/// What one input axis contributes: the coordinates `start + k * stride` for `k < count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SliceAxis {
    pub start: i32,
    pub stride: i32,
    pub count: usize,
    /// Dropped from the output shape (`shrink_axis_mask`).
    pub shrink: bool,
}

impl StridedSliceParams {
    /// The visited range of every axis of an input of `shape` (strides non-zero).
    pub fn axes(&self, shape: &[usize]) -> Vec<SliceAxis> {
        shape
            .iter()
            .enumerate()
            .map(|(axis, &size)| {
                let bit = |mask: u32| mask & (1 << axis) != 0;
                let size = size as i64;
                let stride = self.strides[axis] as i64;
                let clamp = |v: i64| {
                    if stride > 0 {
                        v.clamp(0, size)
                    } else {
                        v.clamp(-1, size - 1)
                    }
                };
                let wrap = |v: i64| if v < 0 { v + size } else { v };
                let mut start = clamp(wrap(self.begin[axis] as i64));
                if bit(self.begin_mask) {
                    start = if stride > 0 { 0 } else { size - 1 };
                }
                let shrink = bit(self.shrink_axis_mask);
                let stop = if shrink {
                    if start >= size {
                        start
                    } else {
                        start + 1
                    }
                } else if bit(self.end_mask) {
                    if stride > 0 {
                        size
                    } else {
                        -1
                    }
                } else {
                    clamp(wrap(self.end[axis] as i64))
                };
                let count = if stride > 0 && stop > start {
                    (stop - start + stride - 1) / stride
                } else if stride < 0 && start > stop {
                    (start - stop - stride - 1) / -stride
                } else {
                    0
                };
                SliceAxis {
                    start: start as i32,
                    stride: stride as i32,
                    count: count as usize,
                    shrink,
                }
            })
            .collect()
    }

    /// The output shape: the visit counts of the axes that are not shrunk.
    pub fn output_shape(&self, shape: &[usize]) -> Vec<usize> {
        self.axes(shape)
            .iter()
            .filter(|axis| !axis.shrink)
            .map(|axis| axis.count)
            .collect()
    }
}

/// Slices `input` (rank >= 1) by `params`.
pub fn strided_slice(input: &QuantTensor, params: &StridedSliceParams) -> Vec<i8> {
    let axes = params.axes(input.shape);
    let input_strides = strides(input.shape);
    let count: usize = axes.iter().map(|axis| axis.count).product();
    let mut out = Vec::with_capacity(count);
    let mut index = vec![0usize; axes.len()];
    for _ in 0..count {
        let source: i64 = axes
            .iter()
            .zip(&index)
            .zip(&input_strides)
            .map(|((axis, &k), &stride)| {
                (axis.start as i64 + k as i64 * axis.stride as i64) * stride as i64
            })
            .sum();
        out.push(input.data[source as usize]);
        for d in (0..index.len()).rev() {
            index[d] += 1;
            if index[d] < axes[d].count {
                break;
            }
            index[d] = 0;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(begin: &[i32], end: &[i32], strides: &[i32]) -> StridedSliceParams {
        StridedSliceParams {
            begin: begin.to_vec(),
            end: end.to_vec(),
            strides: strides.to_vec(),
            ..StridedSliceParams::default()
        }
    }

    fn slice(data: &[i8], shape: &[usize], p: &StridedSliceParams) -> (Vec<i8>, Vec<usize>) {
        let out = strided_slice(&QuantTensor::new(data, shape, 1.0, 0), p);
        (out, p.output_shape(shape))
    }

    fn ramp(n: usize) -> Vec<i8> {
        (0..n).map(|i| i as i8).collect()
    }

    #[test]
    fn positive_strides_and_negative_indices() {
        let data = ramp(10);
        // [1:8:3] -> 1 4 7; [-4:-1] -> 6 7 8; [7:100] clamps the end to 10.
        assert_eq!(
            slice(&data, &[10], &params(&[1], &[8], &[3])),
            (vec![1, 4, 7], vec![3])
        );
        assert_eq!(
            slice(&data, &[10], &params(&[-4], &[-1], &[1])),
            (vec![6, 7, 8], vec![3])
        );
        assert_eq!(
            slice(&data, &[10], &params(&[7], &[100], &[1])),
            (vec![7, 8, 9], vec![3])
        );
        // An empty range: [5:2] with stride 1.
        assert_eq!(
            slice(&data, &[10], &params(&[5], &[2], &[1])),
            (vec![], vec![0])
        );
    }

    #[test]
    fn negative_strides_and_masks() {
        let data = ramp(6);
        // [::-1] through both masks (begin -> n - 1 = 5, end -> -1).
        let mut reverse = params(&[0], &[0], &[-1]);
        reverse.begin_mask = 1;
        reverse.end_mask = 1;
        assert_eq!(
            slice(&data, &[6], &reverse),
            (vec![5, 4, 3, 2, 1, 0], vec![6])
        );
        // [4:0:-2] -> 4 2 (stop 0 excluded); [10:-10:-3] clamps to [5:-1:-3] -> 5 2.
        assert_eq!(
            slice(&data, &[6], &params(&[4], &[0], &[-2])),
            (vec![4, 2], vec![2])
        );
        assert_eq!(
            slice(&data, &[6], &params(&[10], &[-10], &[-3])),
            (vec![5, 2], vec![2])
        );
        // begin_mask with a positive stride starts at 0, end_mask ends at n.
        let mut all = params(&[3], &[1], &[2]);
        all.begin_mask = 1;
        all.end_mask = 1;
        assert_eq!(slice(&data, &[6], &all), (vec![0, 2, 4], vec![3]));
    }

    #[test]
    fn four_dimensions_with_shrink_axes() {
        // [1, 4, 3, 2] (values = flat index): x[0, 1:4:2, -1, :] with axis 2 shrunk -> [1, 2, 2].
        let data = ramp(24);
        let mut p = params(&[0, 1, -1, 0], &[1, 4, 0, 0], &[1, 2, 1, 1]);
        p.shrink_axis_mask = 0b0100;
        p.end_mask = 0b1000;
        let (out, shape) = slice(&data, &[1, 4, 3, 2], &p);
        assert_eq!(shape, vec![1, 2, 2]);
        // rows 1 and 3, column 2: flat (1 * 3 + 2) * 2 = 10 and (3 * 3 + 2) * 2 = 22.
        assert_eq!(out, vec![10, 11, 22, 23]);
        // Shrinking every axis leaves a scalar.
        let mut scalar = params(&[0, 2, 1, 1], &[0, 0, 0, 0], &[1, 1, 1, 1]);
        scalar.shrink_axis_mask = 0b1111;
        assert_eq!(slice(&data, &[1, 4, 3, 2], &scalar), (vec![15], vec![]));
        // A negative shrink index counts from the end; its `end` does not matter.
        let mut last = params(&[-1], &[-100], &[1]);
        last.shrink_axis_mask = 1;
        assert_eq!(slice(&ramp(4), &[4], &last), (vec![3], vec![]));
    }

    #[test]
    fn axes_report_starts_and_counts() {
        let p = params(&[0, -1], &[2, 0], &[1, -1]);
        let axes = p.axes(&[2, 3]);
        assert_eq!(
            axes,
            vec![
                SliceAxis {
                    start: 0,
                    stride: 1,
                    count: 2,
                    shrink: false
                },
                SliceAxis {
                    start: 2,
                    stride: -1,
                    count: 2,
                    shrink: false
                },
            ]
        );
    }
}
