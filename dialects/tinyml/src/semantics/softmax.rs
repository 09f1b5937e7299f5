//! int8 SOFTMAX (int8 in, int8 out with scale 1/256 and zero point -128, as TFLM requires):
//! TFLM's `CalculateSoftmaxParams` (`PreprocessSoftmaxScaling` with `kScaledDiffIntegerBits = 5`,
//! `diff_min = -CalculateInputRadius(5, input_left_shift)`) and TFLite's reference quantized
//! `Softmax`: per row, `exp` of the rescaled differences to the row maximum in gemmlowp fixed
//! point (Q5.26 in, Q0.31 out), summed in Q12.19, one reciprocal, then each output is
//! `RoundingDivideByPOT(recip * exp, num_bits_over_unit + 23) - 128`. Works on the last axis.

use super::fixed_point::{exp_on_negative_values, get_reciprocal, mul, rescale};
use super::quant::{multiply_by_quantized_multiplier, quantize_multiplier};
use super::QuantTensor;

const SCALED_DIFF_INTEGER_BITS: i32 = 5;
const ACCUMULATION_INTEGER_BITS: i32 = 12;

/// The precomputed parameters of an int8 softmax (TFLM's `SoftmaxParams`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SoftmaxParams {
    pub input_multiplier: i32,
    pub input_left_shift: i32,
    /// Differences to the row maximum below this give an output of -128 without any `exp`.
    pub diff_min: i32,
}

impl SoftmaxParams {
    /// `PreprocessSoftmaxScaling(beta, input_scale, 5)` and `CalculateInputRadius(5, shift)`:
    /// `real = min(beta * input_scale * 2^26, 2^31 - 1)` (f64), quantized with
    /// `QuantizeMultiplier` (a left shift since `real > 1`), and
    /// `diff_min = -floor(31 * 2^26 / 2^input_left_shift)`.
    pub fn prepare(beta: f32, input_scale: f32) -> Self {
        let max_real_multiplier = ((1i64 << 31) - 1) as f64;
        let real =
            (beta as f64 * input_scale as f64 * (1i64 << (31 - SCALED_DIFF_INTEGER_BITS)) as f64)
                .min(max_real_multiplier);
        let q = quantize_multiplier(real);
        let max_input_rescaled = ((1i64 << SCALED_DIFF_INTEGER_BITS) - 1) as f64
            * (1i64 << (31 - SCALED_DIFF_INTEGER_BITS)) as f64
            / 2f64.powi(q.shift);
        SoftmaxParams {
            input_multiplier: q.multiplier,
            input_left_shift: q.shift,
            diff_min: -(max_input_rescaled.floor() as i32),
        }
    }

    /// `MultiplyByQuantizedMultiplierGreaterThanOne(diff, multiplier, left_shift)`.
    #[inline]
    fn rescale_diff(&self, diff: i32) -> i32 {
        multiply_by_quantized_multiplier(diff, self.input_multiplier, self.input_left_shift)
    }
}

/// int8 softmax over the last axis of `input`; the output has the input's shape, scale 1/256
/// and zero point -128.
pub fn softmax(input: &QuantTensor, beta: f32) -> Vec<i8> {
    let params = SoftmaxParams::prepare(beta, input.scale);
    let depth = input.shape.last().copied().unwrap_or(1);
    let mut out = vec![i8::MIN; input.data.len()];
    if depth == 0 {
        return out;
    }
    for (row, out_row) in input.data.chunks(depth).zip(out.chunks_mut(depth)) {
        let max_in_row = row.iter().copied().max().unwrap_or(i8::MIN) as i32;
        let exp_of = |v: i8| -> Option<i32> {
            let diff = v as i32 - max_in_row;
            (diff >= params.diff_min).then(|| {
                exp_on_negative_values(params.rescale_diff(diff), SCALED_DIFF_INTEGER_BITS)
            })
        };
        let mut sum_of_exps: i32 = 0;
        for &v in row {
            if let Some(e) = exp_of(v) {
                sum_of_exps = sum_of_exps.wrapping_add(rescale(e, 0, ACCUMULATION_INTEGER_BITS));
            }
        }
        let (shifted_scale, num_bits_over_unit) =
            get_reciprocal(sum_of_exps, ACCUMULATION_INTEGER_BITS);
        let exponent = num_bits_over_unit + 31 - 8;
        for (o, &v) in out_row.iter_mut().zip(row) {
            *o = match exp_of(v) {
                Some(e) => {
                    let unsat =
                        super::quant::rounding_divide_by_pot(mul(shifted_scale, e), exponent);
                    (unsat + i8::MIN as i32).clamp(i8::MIN as i32, i8::MAX as i32) as i8
                }
                None => i8::MIN,
            };
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prepare_known_values() {
        // beta 1, scale 2^-4: real = 2^22 = 0.5 * 2^23 -> (2^30, 23);
        // diff_min = -floor(31 * 2^26 / 2^23) = -248.
        let p = SoftmaxParams::prepare(1.0, 0.0625);
        assert_eq!(
            p,
            SoftmaxParams {
                input_multiplier: 1 << 30,
                input_left_shift: 23,
                diff_min: -248
            }
        );
    }

    #[test]
    fn uniform_row_is_uniform() {
        // Four equal inputs: each exp = 1 (i32::MAX), sum ~ 4 -> 1/4 = 64/256 -> 64 - 128 = -64.
        let out = softmax(&QuantTensor::new(&[7, 7, 7, 7], &[1, 4], 0.1, 0), 1.0);
        assert_eq!(out, vec![-64; 4]);
        // Two equal inputs: 1/2 = 128/256 -> 0.
        let out = softmax(&QuantTensor::new(&[-3, -3], &[2], 0.5, 0), 1.0);
        assert_eq!(out, vec![0, 0]);
    }

    #[test]
    fn single_element_saturates() {
        // 1.0 = 256/256 -> 256 - 128 = 128 -> clamped to 127.
        let out = softmax(&QuantTensor::new(&[5], &[1, 1], 0.1, 0), 1.0);
        assert_eq!(out, vec![127]);
    }

    #[test]
    fn far_below_max_is_zero_probability() {
        // scale 1: a difference of 200 is far below diff_min -> -128; the max gets ~1.0.
        let out = softmax(&QuantTensor::new(&[100, -100], &[2], 1.0, 0), 1.0);
        assert_eq!(out, vec![127, -128]);
    }

    #[test]
    fn two_classes_match_float_within_one() {
        // Real difference 1.0: p = 1/(1+e^-1) = 0.731 -> 187.1/256 -> 59; 0.269 -> 68.9 -> -59.
        let out = softmax(&QuantTensor::new(&[10, 0], &[2], 0.1, 0), 1.0);
        assert!(
            (out[0] as i32 - 59).abs() <= 1 && (out[1] as i32 + 59).abs() <= 1,
            "{out:?}"
        );
    }
}
