//! int8 LOG_SOFTMAX over the last axis (int8 out with scale 16/256 and zero point 127, which TFLM
//! requires exactly): TFLM's log_softmax.cc `CalculateOpData` (`PreprocessLogSoftmaxScalingExp`
//! with beta 1 and `kScaledDiffIntegerBits = 5`, `diff_min = -CalculateInputRadius(5, shift)`)
//! and `reference_ops::LogSoftmaxQuantized` (reference/log_softmax.h).
//!
//! Prepare: the input multiplier and `diff_min` are softmax's ([`SoftmaxParams::prepare`] with
//! beta 1: `QuantizeMultiplierGreaterThanOne(min(input_scale * 2^26, 2^31 - 1))`); the reverse
//! scaling is `QuantizeMultiplierSmallerThanOneExp(2^(31 - left_shift) / multiplier)`, which TFLM
//! aborts on unless that factor is below 1 (an input scale above 2^-26).
//!
//! Eval, per row: differences to the row maximum at or above `diff_min` are rescaled to Q5.26,
//! exponentiated (Q0.31), rescaled to Q12.19 and summed; `log_sum = log(sum)` in Q5.26
//! (TFLite's `log_x_for_x_greater_than_or_equal_to_1<5>`); an element whose difference is
//! *above* `max(diff_min - 1, MBQM(log_sum + INT32_MIN, reverse))` gives
//! `RoundingDivideByPOT(diff_in_q5 - log_sum, 22) + 127`, clamped, every other -128.

use super::fixed_point::{exp_on_negative_values, log_x_for_x_greater_than_or_equal_to_1, rescale};
use super::quant::{multiply_by_quantized_multiplier, quantize_multiplier, rounding_divide_by_pot};
use super::softmax::SoftmaxParams;
use super::QuantTensor;

const SCALED_DIFF_INTEGER_BITS: i32 = 5;
const ACCUMULATION_INTEGER_BITS: i32 = 12;
const OUTPUT_INTEGER_BITS: i32 = 4;

/// The output quantization TFLM requires of int8 LOG_SOFTMAX: scale 16/256, zero point 127.
pub const LOG_SOFTMAX_OUTPUT: (f32, i32) = (16.0 / 256.0, 127);

/// The precomputed parameters of an int8 log-softmax (TFLM's `LogSoftmaxOpData`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogSoftmaxParams {
    pub input_multiplier: i32,
    pub input_left_shift: i32,
    pub reverse_scaling_divisor: i32,
    /// Minus the shift of the reverse scaling: at least 0 when TFLM accepts the op.
    pub reverse_scaling_right_shift: i32,
    pub diff_min: i32,
}

impl LogSoftmaxParams {
    /// TFLM's prepare for an int8 input of scale `input_scale`.
    pub fn prepare(input_scale: f32) -> Self {
        let softmax = SoftmaxParams::prepare(1.0, input_scale);
        // `(1 << (31 - left_shift)) / (double)multiplier`: the shift is at most 31.
        let real_reverse =
            2f64.powi(31 - softmax.input_left_shift) / softmax.input_multiplier as f64;
        let reverse = quantize_multiplier(real_reverse);
        LogSoftmaxParams {
            input_multiplier: softmax.input_multiplier,
            input_left_shift: softmax.input_left_shift,
            reverse_scaling_divisor: reverse.multiplier,
            reverse_scaling_right_shift: -reverse.shift,
            diff_min: softmax.diff_min,
        }
    }

    /// Whether TFLM's prepare accepts the input scale: `input_scale * 2^26 > 1` for
    /// `QuantizeMultiplierGreaterThanOne`, which is exactly when the reverse factor is below 1
    /// with a shift of at most 0 for `QuantizeMultiplierSmallerThanOneExp`.
    pub fn is_supported(&self) -> bool {
        self.reverse_scaling_right_shift >= 0
    }

    /// A difference to the row maximum rescaled to Q5.26.
    fn rescale_diff(&self, diff: i32) -> i32 {
        multiply_by_quantized_multiplier(diff, self.input_multiplier, self.input_left_shift)
    }
}

/// int8 log-softmax over the last axis of `input`; the output has the input's shape, scale
/// 16/256 and zero point 127.
pub fn log_softmax(input: &QuantTensor) -> Vec<i8> {
    let params = LogSoftmaxParams::prepare(input.scale);
    let depth = input.shape.last().copied().unwrap_or(1);
    let mut out = vec![i8::MIN; input.data.len()];
    if depth == 0 {
        return out;
    }
    for (row, out_row) in input.data.chunks(depth).zip(out.chunks_mut(depth)) {
        let max_in_row = row.iter().copied().max().unwrap_or(i8::MIN) as i32;
        let mut sum_of_exps_in_q12: i32 = 0;
        for &v in row {
            let diff = v as i32 - max_in_row;
            if diff >= params.diff_min {
                let e = exp_on_negative_values(params.rescale_diff(diff), SCALED_DIFF_INTEGER_BITS);
                sum_of_exps_in_q12 =
                    sum_of_exps_in_q12.wrapping_add(rescale(e, 0, ACCUMULATION_INTEGER_BITS));
            }
        }
        let log_sum_of_exps_in_q5 = log_x_for_x_greater_than_or_equal_to_1(
            sum_of_exps_in_q12,
            ACCUMULATION_INTEGER_BITS,
            SCALED_DIFF_INTEGER_BITS,
        );
        // The smallest Q5.26 value plus the log, scaled back to input differences.
        let shifted_log_sum_of_exps_in_q5 = log_sum_of_exps_in_q5.wrapping_add(i32::MIN);
        let adjusted_diff_min = (params.diff_min - 1).max(multiply_by_quantized_multiplier(
            shifted_log_sum_of_exps_in_q5,
            params.reverse_scaling_divisor,
            -params.reverse_scaling_right_shift,
        ));
        for (o, &v) in out_row.iter_mut().zip(row) {
            let diff = v as i32 - max_in_row;
            *o = if diff > adjusted_diff_min {
                let unsat = rounding_divide_by_pot(
                    params
                        .rescale_diff(diff)
                        .wrapping_sub(log_sum_of_exps_in_q5),
                    31 - SCALED_DIFF_INTEGER_BITS - OUTPUT_INTEGER_BITS,
                ) + i8::MAX as i32;
                unsat.clamp(i8::MIN as i32, i8::MAX as i32) as i8
            } else {
                i8::MIN
            };
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(data: &[i8], depth: usize, scale: f32) -> Vec<i8> {
        log_softmax(&QuantTensor::new(
            data,
            &[data.len() / depth, depth],
            scale,
            0,
        ))
    }

    #[test]
    fn prepare_known_values() {
        // Scale 1/16: softmax's (2^30, 23) and diff_min -248; reverse 2^(31 - 23) / 2^30 =
        // 2^-22 = 0.5 * 2^-21 -> (2^30, -21).
        assert_eq!(
            LogSoftmaxParams::prepare(0.0625),
            LogSoftmaxParams {
                input_multiplier: 1 << 30,
                input_left_shift: 23,
                reverse_scaling_divisor: 1 << 30,
                reverse_scaling_right_shift: 21,
                diff_min: -248,
            }
        );
        assert!(LogSoftmaxParams::prepare(0.0625).is_supported());
    }

    #[test]
    fn input_scale_must_exceed_two_to_minus_26() {
        assert!(!LogSoftmaxParams::prepare(2f32.powi(-26)).is_supported());
        assert!(!LogSoftmaxParams::prepare(1e-9).is_supported());
        assert!(LogSoftmaxParams::prepare(2f32.powi(-25)).is_supported());
        // Large scales cap the multiplier at 2^31 - 1 (shift 31, reverse 1 / (2^31 - 1)).
        let p = LogSoftmaxParams::prepare(100.0);
        assert_eq!((p.input_multiplier, p.input_left_shift), (i32::MAX, 31));
        assert!(p.is_supported());
    }

    #[test]
    fn equal_entries_share_the_log_of_the_count() {
        // log(1/n) / (16/256) + 127: n = 1 -> 127, n = 2 -> -11.09 -> 116, n = 4 -> -22.18 -> 105.
        assert_eq!(run(&[-3], 1, 0.0625), vec![127]);
        assert_eq!(run(&[7, 7], 2, 0.0625), vec![116, 116]);
        assert_eq!(run(&[5, 5, 5, 5], 4, 0.0625), vec![105; 4]);
    }

    #[test]
    fn hand_computed_row() {
        // Scale 1/16, [0, 16]: differences -1 and 0 real; log(1 + e^-1) = 0.31326:
        // -5.01 -> -5 -> 122 and -21.01 -> -21 -> 106.
        assert_eq!(run(&[0, 16], 2, 0.0625), vec![106, 122]);
        // The zero point cancels: the same row shifted by 40 gives the same bytes.
        assert_eq!(run(&[40, 56], 2, 0.0625), vec![106, 122]);
    }

    #[test]
    fn far_below_the_maximum_saturates() {
        // Scale 1/16: a difference of -200 (-12.5 real) is summed (above diff_min -248) and
        // still representable: -12.5 * 16 + 127 = -73. At scale 0.1 (-20 real) it is summed too
        // (diff_min is -248 again) but -320 + 127 clamps to -128; the maximum keeps 127.
        assert_eq!(run(&[100, -100], 2, 0.0625), vec![127, -73]);
        assert_eq!(LogSoftmaxParams::prepare(0.1).diff_min, -248);
        assert_eq!(run(&[100, -100], 2, 0.1), vec![127, -128]);
        // Scale 1: diff_min = -15; -20 is neither summed nor above the adjusted threshold.
        let p = LogSoftmaxParams::prepare(1.0);
        assert_eq!(p.diff_min, -15);
        assert_eq!(run(&[10, -10], 2, 1.0), vec![127, -128]);
    }

    #[test]
    fn close_to_float() {
        let rows: [[i8; 5]; 3] = [
            [-128, -60, 0, 1, 127],
            [3, 3, 2, -1, -7],
            [50, 40, 30, 20, 10],
        ];
        for scale in [0.0625f32, 0.1, 0.03, 0.5] {
            for row in &rows {
                let max = *row.iter().max().unwrap() as f64;
                let sum: f64 = row
                    .iter()
                    .map(|&v| ((v as f64 - max) * scale as f64).exp())
                    .sum();
                let got = run(row, 5, scale);
                for (&v, &g) in row.iter().zip(&got) {
                    let real = (v as f64 - max) * scale as f64 - sum.ln();
                    let want = (real * 16.0 + 127.0).round().clamp(-128.0, 127.0);
                    assert!(
                        (g as f64 - want).abs() <= 1.0,
                        "{scale} {row:?}: {g} vs {want}"
                    );
                }
            }
        }
    }

    /// FNV-1a-style fold of the outputs, as test_kernels.c's sweep_mix.
    fn mix(h: u64, v: i32) -> u64 {
        (h ^ v as u32 as u64).wrapping_mul(0x0100_0000_01B3)
    }

    /// The high 32 bits of splitmix64, as test_kernels.c's sweep_next.
    fn splitmix(state: &mut u64) -> u32 {
        *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 32) as u32
    }

    /// The sweeps of runtime-c/tests/test_kernels.c (`test_log_softmax_sweeps`): 512 rows of 1
    /// to 16 pseudo-random values per scale; the C kernel must give these parameters and hashes.
    #[test]
    fn runtime_c_vectors() {
        let sets = [
            (
                11u64,
                0.0625f32,
                [1 << 30, 23, 1 << 30, 21, -248],
                0x2ABC_0D30_ECC3_8A04u64,
            ),
            (
                12,
                0.1,
                [1_717_986_944, 23, 1_342_177_260, 22, -248],
                0xE0CC_ADC0_118F_8444,
            ),
            (
                13,
                0.02,
                [1_374_389_504, 21, 1_677_721_638, 20, -992],
                0xD725_A05A_8030_71F3,
            ),
            (
                14,
                0.5,
                [1 << 30, 26, 1 << 30, 24, -31],
                0x57E6_0EB5_6D6E_8CA0,
            ),
            (
                15,
                1.0,
                [1 << 30, 27, 1 << 30, 25, -15],
                0xBAFE_A2E1_D7CC_8E9E,
            ),
            (
                16,
                0.003,
                [1_649_267_456, 18, 1_398_101_321, 17, -7936],
                0x839D_E126_D8F3_E5A1,
            ),
        ];
        for (seed, scale, fields, hash) in sets {
            let p = LogSoftmaxParams::prepare(scale);
            let got = [
                p.input_multiplier,
                p.input_left_shift,
                p.reverse_scaling_divisor,
                p.reverse_scaling_right_shift,
                p.diff_min,
            ];
            assert_eq!(got, fields, "scale {scale}");
            let mut state = seed;
            let mut h = 0xcbf2_9ce4_8422_2325u64;
            for _ in 0..512 {
                let depth = (splitmix(&mut state) % 16) as usize + 1;
                let row: Vec<i8> = (0..depth)
                    .map(|_| (splitmix(&mut state) & 0xFF) as u8 as i8)
                    .collect();
                for v in log_softmax(&QuantTensor::new(&row, &[1, depth], scale, 0)) {
                    h = mix(h, v as i32);
                }
            }
            assert_eq!(h, hash, "scale {scale}");
        }
    }
}
