//! int8 LOGISTIC and TANH: TFLM's `CalculateArithmeticOpDataLogistic` (logistic_common.cc) and
//! tanh.cc's `CalculateArithmeticOpData`, which prepare both the same way, and
//! `reference_integer_ops::Logistic` / `Tanh` (reference/integer_ops/{logistic,tanh}.h).
//!
//! Prepare: the input is brought to Q4.27 by `input_scale * 2^27` (f64), split by `std::frexp`
//! and rounded to Q31 by `TfLiteRound` (not `QuantizeMultiplier`: no renormalization, no
//! flushing; for an f32 scale the mantissa has 24 bits, so the rounding is exact anyway); the
//! "input range radius" is `CalculateInputRadius(4, shift, 31) = floor(15 * 2^27 / 2^shift)`.
//!
//! Eval: `x - zp` at or beyond the radius saturates (-128 or 127) without any fixed-point math;
//! otherwise it is rescaled with the double-rounding `MultiplyByQuantizedMultiplier`, passed to
//! gemmlowp's `logistic` / `tanh` on Q4.27 (result Q0.31), and `RoundingDivideByPOT` by 23
//! (logistic, then -128) or 24 (tanh) gives the int8 output, clamped. TFLM fixes the output
//! quantization implicitly: logistic writes scale 1/256 with zero point -128 (it checks the zero
//! point), tanh scale 1/128 with zero point 0 (it checks neither).

use super::fixed_point;
use super::quant::{frexp, multiply_by_quantized_multiplier, rounding_divide_by_pot};
use super::QuantTensor;

/// Integer bits of the fixed-point input of both functions.
const INPUT_INTEGER_BITS: i32 = 4;

/// The output quantization TFLite requires of int8 LOGISTIC: scale 1/256, zero point -128.
pub const LOGISTIC_OUTPUT: (f32, i32) = (1.0 / 256.0, -128);
/// The output quantization TFLite requires of int8 TANH: scale 1/128, zero point 0.
pub const TANH_OUTPUT: (f32, i32) = (1.0 / 128.0, 0);

/// Which function of the family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigmoidFunction {
    Logistic,
    Tanh,
}

/// The precomputed parameters of an int8 LOGISTIC or TANH (TFLM's `OpDataLogistic`, tanh.cc's
/// `OpData`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigmoidParams {
    pub function: SigmoidFunction,
    pub input_zero_point: i32,
    pub input_range_radius: i32,
    pub input_multiplier: i32,
    pub input_left_shift: i32,
}

impl SigmoidParams {
    /// The prepare step of both kernels for an int8 input `(scale, zero_point)`.
    pub fn prepare(function: SigmoidFunction, input: (f32, i32)) -> Self {
        let real = input.0 as f64 * (1i64 << (31 - INPUT_INTEGER_BITS)) as f64;
        let (q, shift) = frexp(real);
        // `static_cast<int32_t>(TfLiteRound(q * (1ll << 31)))`; f64 `round` is half away from
        // zero like `std::round`.
        let multiplier = (q * (1i64 << 31) as f64).round() as i32;
        // `CalculateInputRadius(4, shift, 31)`: 15 * 2^27 / 2^shift in f64, floored.
        let max_input_rescaled = ((1i64 << INPUT_INTEGER_BITS) - 1) as f64
            * (1i64 << (31 - INPUT_INTEGER_BITS)) as f64
            / 2f64.powi(shift);
        SigmoidParams {
            function,
            input_zero_point: input.1,
            input_range_radius: max_input_rescaled.floor() as i32,
            input_multiplier: multiplier,
            input_left_shift: shift,
        }
    }

    /// One element, as `reference_integer_ops::Logistic` / `Tanh` for int8.
    pub fn apply(&self, x: i8) -> i8 {
        let input = x as i32 - self.input_zero_point;
        if input <= -self.input_range_radius {
            return i8::MIN;
        }
        if input >= self.input_range_radius {
            return i8::MAX;
        }
        let input_in_q4 =
            multiply_by_quantized_multiplier(input, self.input_multiplier, self.input_left_shift);
        let output = match self.function {
            SigmoidFunction::Logistic => {
                let output_in_q0 = fixed_point::logistic(input_in_q4, INPUT_INTEGER_BITS);
                // To Q8.23, plus the output zero point -128.
                rounding_divide_by_pot(output_in_q0, 31 - 8).wrapping_add(-128)
            }
            SigmoidFunction::Tanh => {
                let output_in_q0 = fixed_point::tanh(input_in_q4, INPUT_INTEGER_BITS);
                // To Q7.24, zero point 0.
                rounding_divide_by_pot(output_in_q0, 31 - 7)
            }
        };
        output.clamp(i8::MIN as i32, i8::MAX as i32) as i8
    }
}

/// int8 LOGISTIC of every element; the output has scale 1/256 and zero point -128.
pub fn logistic(input: &QuantTensor) -> Vec<i8> {
    map(SigmoidFunction::Logistic, input)
}

/// int8 TANH of every element; the output has scale 1/128 and zero point 0.
pub fn tanh(input: &QuantTensor) -> Vec<i8> {
    map(SigmoidFunction::Tanh, input)
}

fn map(function: SigmoidFunction, input: &QuantTensor) -> Vec<i8> {
    let params = SigmoidParams::prepare(function, (input.scale, input.zero_point));
    input.data.iter().map(|&x| params.apply(x)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prepare_constants() {
        // Scale 1/16: 2^-4 * 2^27 = 2^23 = 0.5 * 2^24 -> (2^30, 24); radius 15 * 2^27 / 2^24 = 120.
        let p = SigmoidParams::prepare(SigmoidFunction::Logistic, (0.0625, 3));
        assert_eq!(
            (
                p.input_multiplier,
                p.input_left_shift,
                p.input_range_radius,
                p.input_zero_point
            ),
            (1 << 30, 24, 120, 3)
        );
        // Scale 0.1: 0.1f * 2^27 = 13421773 (f32 rounding) = 0.7999999523 * 2^24; radius
        // floor(15 * 8) = 120; the multiplier is the 24-bit mantissa shifted, with no rounding.
        let p = SigmoidParams::prepare(SigmoidFunction::Tanh, (0.1, 0));
        assert_eq!(p.input_left_shift, 24);
        assert_eq!(p.input_range_radius, 120);
        assert_eq!(
            p.input_multiplier as i64,
            (0.1f32 as f64 * 2f64.powi(31 - 24 + 27)) as i64
        );
    }

    #[test]
    fn zero_and_saturation() {
        let logistic = SigmoidParams::prepare(SigmoidFunction::Logistic, (0.0625, 3));
        let tanh = SigmoidParams::prepare(SigmoidFunction::Tanh, (0.0625, 3));
        // x - zp = 0: logistic(0) = exactly 1/2 = 128/256 -> 0; tanh(0) = 0.
        assert_eq!(logistic.apply(3), 0);
        assert_eq!(tanh.apply(3), 0);
        // At or beyond the radius (120 from the zero point), no fixed-point math: -128 / 127.
        assert_eq!(logistic.apply(123), 127);
        assert_eq!(logistic.apply(127), 127);
        assert_eq!(logistic.apply(-117), -128);
        assert_eq!(tanh.apply(123), 127);
        assert_eq!(tanh.apply(-117), -128);
        // Just inside (x - zp = 119, 7.44 real): logistic 0.99941 -> 255.85/256 -> 127 anyway;
        // tanh 0.9999993 -> 127.99 -> 128 -> clamped to 127; and -119: -128.
        assert_eq!(logistic.apply(122), 127);
        assert_eq!(tanh.apply(122), 127);
        assert_eq!(tanh.apply(-116), -128);
    }

    #[test]
    fn hand_computed_values() {
        // Scale 1/16, zp 0: x = 16 is 1.0 exactly (MBQM(16, 2^30, 24) = 2^27, no rounding).
        // logistic(1) = 0.7310586 -> 187.15/256 -> 187 - 128 = 59; logistic(-1) = 0.2689414 ->
        // 68.85 -> 69 - 128 = -59. tanh(1) = 0.7615942 -> 97.48/128 -> 97; tanh(-1) -> -97.
        let logistic = SigmoidParams::prepare(SigmoidFunction::Logistic, (0.0625, 0));
        let tanh = SigmoidParams::prepare(SigmoidFunction::Tanh, (0.0625, 0));
        assert_eq!(logistic.apply(16), 59);
        assert_eq!(logistic.apply(-16), -59);
        assert_eq!(tanh.apply(16), 97);
        assert_eq!(tanh.apply(-16), -97);
        // x = 8 (0.5): logistic 0.6224593 -> 159.35 -> 31; tanh 0.4621172 -> 59.15 -> 59.
        assert_eq!(logistic.apply(8), 31);
        assert_eq!(tanh.apply(8), 59);
    }

    #[test]
    fn tanh_is_odd_when_the_rescale_is_exact() {
        // With scale 1/16 the input rescale is a plain shift, so tanh(-x) = -tanh(x) exactly:
        // gemmlowp computes both from |x| and RoundingDivideByPOT is symmetric (while the
        // results stay within -127..=127: from |x| = 3.2 on, 128 * tanh clamps to 127 but
        // -128 * tanh does not clamp).
        let tanh = SigmoidParams::prepare(SigmoidFunction::Tanh, (0.0625, 0));
        for x in -48..=48i8 {
            assert_eq!(tanh.apply(-x), -tanh.apply(x), "x = {x}");
        }
    }

    #[test]
    fn close_to_float_on_every_input() {
        for scale in [0.0625f32, 0.1, 0.02, 0.3, 0.0078125, 1.5] {
            for zero_point in [-128, -5, 0, 77] {
                let logistic =
                    SigmoidParams::prepare(SigmoidFunction::Logistic, (scale, zero_point));
                let tanh = SigmoidParams::prepare(SigmoidFunction::Tanh, (scale, zero_point));
                for x in -128..=127i32 {
                    let real = scale as f64 * (x - zero_point) as f64;
                    let l = (256.0 / (1.0 + (-real).exp()) - 128.0)
                        .round()
                        .clamp(-128.0, 127.0);
                    let t = (128.0 * real.tanh()).round().clamp(-128.0, 127.0);
                    let (gl, gt) = (logistic.apply(x as i8) as f64, tanh.apply(x as i8) as f64);
                    assert!(
                        (gl - l).abs() <= 1.0,
                        "logistic {scale} {zero_point} {x}: {gl} vs {l}"
                    );
                    assert!(
                        (gt - t).abs() <= 1.0,
                        "tanh {scale} {zero_point} {x}: {gt} vs {t}"
                    );
                }
            }
        }
    }

    #[test]
    fn tensor_functions_map_every_element() {
        let data = [0i8, 16, -16, 127];
        let input = QuantTensor::new(&data, &[4], 0.0625, 0);
        assert_eq!(logistic(&input), vec![0, 59, -59, 127]);
        assert_eq!(tanh(&input), vec![0, 97, -97, 127]);
    }
}
