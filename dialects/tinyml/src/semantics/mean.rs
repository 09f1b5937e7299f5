//! int8 MEAN: TFLM's reduce `PrepareMeanOrSumHelper` (`QuantizeMultiplier(input_scale /
//! output_scale)` in f64) and TFLite's integer `QuantizedMeanOrSum` (reference/reduce.h, used by
//! TFLM for every int8 MEAN since 2023): sum in int32 over the reduced axes, fold `1/n` into
//! the multiplier (`shift = min(floor(log2 n), 32, 31 + output_shift)`,
//! `multiplier = (multiplier << shift) / n`, `output_shift -= shift`), subtract
//! `input_zp * n`, requantize with double rounding, add the output zero point, clamp.
//! Any axes (negative counted from the end, duplicates ignored), `keep_dims` either way: the
//! element order of the output is the same, only its shape differs.

use super::quant::{multiply_by_quantized_multiplier, quantize_multiplier};
use super::{OutputSpec, QuantTensor};

/// int8 mean of `input` over `axes`.
pub fn mean(input: &QuantTensor, axes: &[i32], keep_dims: bool, output: &OutputSpec) -> Vec<i8> {
    let rank = input.shape.len();
    let mut reduced = vec![false; rank];
    for &a in axes {
        let a = if a < 0 { a + rank as i32 } else { a };
        debug_assert!(a >= 0 && (a as usize) < rank, "mean: axis out of range");
        if a >= 0 && (a as usize) < rank {
            reduced[a as usize] = true;
        }
    }
    debug_assert_eq!(
        output.shape.len(),
        if keep_dims {
            rank
        } else {
            reduced.iter().filter(|r| !**r).count()
        },
        "mean: output rank does not match keep_dims"
    );
    let num_outputs: usize = (0..rank)
        .filter(|&d| !reduced[d])
        .map(|d| input.shape[d])
        .product();
    debug_assert_eq!(num_outputs, output.len(), "mean: output size");
    let mut out = vec![0i8; output.len()];
    let n: i64 = (0..rank)
        .filter(|&d| reduced[d])
        .map(|d| input.shape[d] as i64)
        .product();
    if n == 0 || input.data.is_empty() {
        return out;
    }

    // Output offset of every input element: strides of the kept axes, 0 on reduced ones.
    let mut strides = vec![0usize; rank];
    let mut stride = 1usize;
    for d in (0..rank).rev() {
        if !reduced[d] {
            strides[d] = stride;
            stride *= input.shape[d];
        }
    }
    let mut sums = vec![0i32; num_outputs];
    let mut index = vec![0usize; rank];
    let mut offset = 0usize;
    for &v in input.data {
        if let Some(s) = sums.get_mut(offset) {
            *s = s.wrapping_add(v as i32);
        }
        for d in (0..rank).rev() {
            index[d] += 1;
            offset += strides[d];
            if index[d] < input.shape[d] {
                break;
            }
            offset -= strides[d] * index[d];
            index[d] = 0;
        }
    }

    let q = quantize_multiplier(input.scale as f64 / output.scale as f64);
    let shift = (63 - (n as u64).leading_zeros() as i32)
        .min(32)
        .min(31 + q.shift)
        .max(0);
    let multiplier = (((q.multiplier as i64) << shift) / n) as i32;
    let output_shift = q.shift - shift;
    for (o, &sum) in out.iter_mut().zip(&sums) {
        let shifted_sum = (sum as i64 - input.zero_point as i64 * n) as i32;
        let v = multiply_by_quantized_multiplier(shifted_sum, multiplier, output_shift)
            .wrapping_add(output.zero_point);
        *o = v.clamp(i8::MIN as i32, i8::MAX as i32) as i8;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spatial_mean_keep_dims() {
        // 1x2x2x2, channels interleaved: c0 = [1, 2, 3, 4] (mean 2.5 -> 3), c1 = [-1, -2, -3, -4]
        // (-2.5 -> -3). Multiplier 1 = (2^30, 1); n = 4 -> shift 2, multiplier 2^30, shift -1:
        // 10 -> 5 -> 5/2 rounded away from zero = 3.
        let input = [1i8, -1, 2, -2, 3, -3, 4, -4];
        let out = mean(
            &QuantTensor::new(&input, &[1, 2, 2, 2], 1.0, 0),
            &[1, 2],
            true,
            &OutputSpec::new(&[1, 1, 1, 2], 1.0, 0),
        );
        assert_eq!(out, vec![3, -3]);
    }

    #[test]
    fn spatial_mean_requantizes_without_keep_dims() {
        // c0 = [1, 2, 3, 4], zp 1, scale 0.5 -> reals 0, 0.5, 1, 1.5, mean 0.75;
        // output scale 0.25 zp -2 -> 3 - 2 = 1.
        let input = [1i8, 2, 3, 4];
        let out = mean(
            &QuantTensor::new(&input, &[1, 2, 2, 1], 0.5, 1),
            &[2, -3],
            false,
            &OutputSpec::new(&[1, 1], 0.25, -2),
        );
        assert_eq!(out, vec![1]);
    }

    #[test]
    fn mean_over_three_truncates_multiplier() {
        // n = 3: shift 1, multiplier 2^31 / 3 = 715827882, shift 0; 7 * 0.3333 = 2.33 -> 2.
        let out = mean(
            &QuantTensor::new(&[1, 2, 4], &[3], 1.0, 0),
            &[0],
            false,
            &OutputSpec::new(&[], 1.0, 0),
        );
        assert_eq!(out, vec![2]);
    }
}
