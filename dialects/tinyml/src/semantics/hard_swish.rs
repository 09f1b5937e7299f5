//! int8 HARD_SWISH, `x * relu6(x + 3) / 6`: TFLM's `HardSwishPrepare` (hard_swish_common.cc) and
//! `reference_ops::HardSwish` (reference/hard_swish.h), whose arithmetic is 16-bit.
//!
//! Prepare: `hires_input_scale = (1/128) * input_scale` and `reluish_scale = 3/32768` in f32
//! (both exact), the output multiplier `QuantizeMultiplier(hires_input_scale / output_scale)`
//! and the "reluish" multiplier `QuantizeMultiplier(hires_input_scale / reluish_scale)` with the
//! quotients in f64, each Q31 multiplier rounded to Q15 by `DownScaleInt32ToInt16Multiplier`;
//! TFLM rejects an output exponent above 0. The quotients: TFLM's source up to the snapshot read
//! here (90b983c2, Aug 2026) takes them in f32 and widens the result (a "fouble", tflite-micro
//! issue #3271); the TFLM build on PyPI (tflite-micro 0.dev20261023) takes them in f64, which
//! the two TFLM-checked cases below tell apart. We follow the build.
//!
//! Eval, per element, all values `int16_t`: the offset input shifted left by 7; once multiplied
//! by the output multiplier (`SaturatingRoundingDoublingHighMul` on int16); once rescaled to
//! "3.0 is 32768" (a saturating left shift by `exponent - 1`, the multiply, the last bit of left
//! shift saturating, or a `RoundingDivideByPOT` for negative exponents), mapped from [-1, 1] to
//! [0, 1] by `(v + 2^15) >> 1`; the two multiplied by the *non-rounding*
//! `SaturatingDoublingHighMul` (truncating division); then `RoundingDivideByPOT` by the output
//! exponent, the output zero point added in int16 and the result clamped to int8.

use super::quant::{quantize_multiplier, QuantizedMultiplier};
use super::{OutputSpec, QuantTensor};

/// The precomputed parameters of an int8 HARD_SWISH (TFLM's `HardSwishParams`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HardSwishParams {
    pub input_zero_point: i16,
    pub output_zero_point: i16,
    /// Q15 multiplier from the high-resolution input scale to the "reluish" scale 3/32768.
    pub reluish_multiplier: i16,
    pub reluish_exponent: i32,
    /// Q15 multiplier from the high-resolution input scale to the output scale.
    pub output_multiplier: i16,
    /// At most 0 for TFLM to accept the op (`HardSwishParams::is_supported`).
    pub output_exponent: i32,
}

/// TFLite's `DownScaleInt32ToInt16Multiplier`: a non-negative Q31 multiplier rounded to Q15
/// (half up), saturating at `i16::MAX`.
fn down_scale_to_i16(multiplier: i32) -> i16 {
    const ROUNDING_OFFSET: i32 = 1 << 15;
    if multiplier >= i32::MAX - ROUNDING_OFFSET {
        return i16::MAX;
    }
    ((multiplier + ROUNDING_OFFSET) >> 16) as i16
}

/// gemmlowp `SaturatingRoundingDoublingHighMul` on `int16_t`: `(a * b + nudge) / 2^15` with the
/// nudge `2^14` (or `1 - 2^14` for negative products) and truncating division; `MIN * MIN`
/// saturates.
fn saturating_rounding_doubling_high_mul_i16(a: i16, b: i16) -> i16 {
    if a == i16::MIN && b == i16::MIN {
        return i16::MAX;
    }
    let ab = a as i32 * b as i32;
    let nudge = if ab >= 0 { 1 << 14 } else { 1 - (1 << 14) };
    ((ab + nudge) / (1 << 15)) as i16
}

/// TFLite's `SaturatingDoublingHighMul` on `int16_t`: `a * b / 2^15` truncated towards zero
/// (no rounding nudge); `MIN * MIN` saturates.
fn saturating_doubling_high_mul_i16(a: i16, b: i16) -> i16 {
    if a == i16::MIN && b == i16::MIN {
        return i16::MAX;
    }
    ((a as i32 * b as i32) / (1 << 15)) as i16
}

/// gemmlowp `RoundingDivideByPOT<int16_t>` for `exponent` in `[0, 31]`: the mask
/// `(1 << exponent) - 1` is narrowed to `int16_t` (all ones from 16 on) and the shift is done
/// on the promoted `int`, exactly as the template does it.
fn rounding_divide_by_pot_i16(x: i16, exponent: i32) -> i16 {
    let exponent = exponent.clamp(0, 31);
    let mask = ((1i64 << exponent) - 1) as i16;
    let remainder = x & mask;
    let threshold = (mask >> 1).wrapping_add(i16::from(x < 0));
    let shifted = ((x as i32) >> exponent) as i16;
    shifted.wrapping_add(i16::from(remainder > threshold))
}

/// TFLite's `SaturatingLeftShift` on `int16_t`: `value * 2^amount` in 64 bits, clamped to the
/// `int16_t` range (`1 << amount` is an `int`, as in C++).
fn saturating_left_shift_i16(value: i16, amount: i32) -> i16 {
    let result = value as i64 * 1i32.wrapping_shl(amount as u32) as i64;
    result.clamp(i16::MIN as i64, i16::MAX as i64) as i16
}

impl HardSwishParams {
    /// TFLM's `HardSwishPrepare` for int8 tensors; each argument is `(scale, zero_point)`.
    pub fn prepare(input: (f32, i32), output: (f32, i32)) -> Self {
        let hires_input_scale = (1.0f32 / 128.0f32) * input.0;
        let reluish_scale = 3.0f32 / 32768.0f32;
        let output_q: QuantizedMultiplier =
            quantize_multiplier(hires_input_scale as f64 / output.0 as f64);
        let reluish_q = quantize_multiplier(hires_input_scale as f64 / reluish_scale as f64);
        HardSwishParams {
            // `int16_t` fields assigned from the `int32_t` zero points.
            input_zero_point: input.1 as i16,
            output_zero_point: output.1 as i16,
            reluish_multiplier: down_scale_to_i16(reluish_q.multiplier),
            reluish_exponent: reluish_q.shift,
            output_multiplier: down_scale_to_i16(output_q.multiplier),
            output_exponent: output_q.shift,
        }
    }

    /// Whether TFLM's prepare accepts these parameters (`output_multiplier_exponent <= 0`).
    pub fn is_supported(&self) -> bool {
        self.output_exponent <= 0
    }

    /// One element, as `reference_ops::HardSwish<int8_t>`.
    pub fn apply(&self, x: i8) -> i8 {
        let input_value = (x as i16).wrapping_sub(self.input_zero_point);
        let hires = input_value.wrapping_mul(1 << 7);
        let preshift_output_scale =
            saturating_rounding_doubling_high_mul_i16(hires, self.output_multiplier);
        let mut reluish = hires;
        if self.reluish_exponent > 0 {
            reluish = saturating_left_shift_i16(reluish, self.reluish_exponent - 1);
        }
        reluish = saturating_rounding_doubling_high_mul_i16(reluish, self.reluish_multiplier);
        if self.reluish_exponent > 0 {
            reluish = saturating_left_shift_i16(reluish, 1);
        }
        if self.reluish_exponent < 0 {
            reluish = rounding_divide_by_pot_i16(reluish, -self.reluish_exponent);
        }
        // From [-1, 1] to [0, 1]: computed in `int`, stored back in `int16_t`.
        let reluish = ((reluish as i32 + (1 << 15)) >> 1) as i16;
        let preshift_output = saturating_doubling_high_mul_i16(reluish, preshift_output_scale);
        let output = rounding_divide_by_pot_i16(preshift_output, -self.output_exponent)
            .wrapping_add(self.output_zero_point);
        output.clamp(i8::MIN as i16, i8::MAX as i16) as i8
    }
}

/// int8 HARD_SWISH of every element of `input`, to `output`'s quantization.
pub fn hard_swish(input: &QuantTensor, output: &OutputSpec) -> Vec<i8> {
    let params = HardSwishParams::prepare(
        (input.scale, input.zero_point),
        (output.scale, output.zero_point),
    );
    input.data.iter().map(|&x| params.apply(x)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Input and output scale 3/256, so that the reluish multiplier is exactly 1 ((2^30, 1),
    /// Q15 16384, exponent 1) and the output one 2^-7 ((2^30, -6), Q15 16384, exponent -6): for
    /// an offset input x, the pre-shift output scale value is 64x and the reluish value 128x.
    const S: f32 = 3.0 / 256.0;

    #[test]
    fn prepare_constants() {
        let p = HardSwishParams::prepare((S, 5), (S, -3));
        assert_eq!(
            p,
            HardSwishParams {
                input_zero_point: 5,
                output_zero_point: -3,
                reluish_multiplier: 16384,
                reluish_exponent: 1,
                output_multiplier: 16384,
                output_exponent: -6,
            }
        );
        assert!(p.is_supported());
    }

    #[test]
    fn hand_computed_elements() {
        let p = HardSwishParams::prepare((S, 0), (S, 0));
        // x = 10: reluish 1280 -> (1280 + 32768) >> 1 = 17024; 17024 * 640 / 2^15 = 332.5,
        // truncated to 332; RDBPOT(332, 6) = 5.19 -> 5 (float: 5.195).
        assert_eq!(p.apply(10), 5);
        // x = 127: reluish 16256 -> 24512; 24512 * 8128 / 2^15 = 6080.1 -> 6080 = 95 * 64.
        assert_eq!(p.apply(127), 95);
        // x = -128 (real -1.5): reluish -16384 -> 8192; 8192 * -8192 / 2^15 = -2048 -> -32.
        assert_eq!(p.apply(-128), -32);
        // x = -1: 16320 * -64 / 2^15 = -31.875, truncated towards zero to -31; RDBPOT(-31, 6)
        // = -0.48 -> 0.
        assert_eq!(p.apply(-1), 0);
        assert_eq!(p.apply(0), 0);
        // Zero points: the same elements offset by 5 in and -3 out.
        let p = HardSwishParams::prepare((S, 5), (S, -3));
        assert_eq!(p.apply(15), 2);
        assert_eq!(p.apply(5), -3);
    }

    #[test]
    fn output_clamps_to_int8() {
        // Output scale 3/2048 (8 times finer), zero point -100: x = 127 would be 660, x = -128
        // (-0.375 real) -356.
        let p = HardSwishParams::prepare((S, 0), (S / 8.0, -100));
        assert_eq!(p.apply(127), 127);
        assert_eq!(p.apply(-128), -128);
        assert_eq!(p.apply(0), -100);
    }

    #[test]
    fn close_to_float_on_every_input() {
        for (input, output) in [
            ((0.3731673f32, -45), (0.2524547f32, -127)),
            ((0.02, 3), (0.01, -128)),
            ((0.5, -20), (0.3, -100)),
            ((S, 0), (S, 0)),
        ] {
            let p = HardSwishParams::prepare(input, output);
            for x in -128..=127i32 {
                let real = input.0 as f64 * (x - input.1) as f64;
                let swish = real * (real + 3.0).clamp(0.0, 6.0) / 6.0;
                let want = (swish / output.0 as f64 + output.1 as f64)
                    .round()
                    .clamp(-128.0, 127.0);
                let got = p.apply(x as i8) as f64;
                assert!(
                    (got - want).abs() <= 1.0,
                    "{input:?} {output:?} x={x}: {got} vs {want}"
                );
            }
        }
    }

    #[test]
    fn output_multiplier_must_stay_below_one() {
        // hires / output = (s / 128) / (s / 64) = 1/2: exponent 0, accepted.
        assert!(HardSwishParams::prepare((0.5, 0), (0.5 / 64.0, 0)).is_supported());
        // = 1: QuantizeMultiplier(1.0) = (2^30, 1), which TFLM rejects.
        assert!(!HardSwishParams::prepare((0.5, 0), (0.5 / 128.0, 0)).is_supported());
    }

    /// Outputs of TFLite Micro (tflite-micro 0.dev20261023, reference kernels) for quantizations
    /// where f32 and f64 quotients in prepare give different Q15 multipliers and outputs: with
    /// f32 quotients these elements would be one more.
    #[test]
    fn quotients_in_f64_as_tflm_computes_them() {
        let p = HardSwishParams::prepare(
            (f32::from_bits(0x3FCE_C6CD), -31),
            (f32::from_bits(0x4008_5B14), -128),
        );
        assert_eq!(p.apply(91), -36);
        let p = HardSwishParams::prepare(
            (f32::from_bits(0x403F_9681), 0),
            (f32::from_bits(0x4029_6079), -111),
        );
        assert_eq!((p.apply(42), p.apply(103)), (-64, 5));
    }

    #[test]
    fn int16_helpers() {
        // Q31 to Q15 rounds half up and saturates.
        assert_eq!(down_scale_to_i16(1 << 30), 16384);
        assert_eq!(down_scale_to_i16((1 << 30) + (1 << 15)), 16385);
        assert_eq!(down_scale_to_i16(i32::MAX), i16::MAX);
        // The rounding doubling multiply rounds ties up, the plain one truncates.
        assert_eq!(saturating_rounding_doubling_high_mul_i16(3, 16384), 2);
        assert_eq!(saturating_rounding_doubling_high_mul_i16(-3, 16384), -1);
        assert_eq!(saturating_doubling_high_mul_i16(3, 16384), 1);
        assert_eq!(saturating_doubling_high_mul_i16(-3, 16384), -1);
        assert_eq!(
            saturating_doubling_high_mul_i16(i16::MIN, i16::MIN),
            i16::MAX
        );
        // RoundingDivideByPOT on int16: ties away from zero; from exponent 16 on the mask is
        // all ones, so every non-negative value gives 1 and every negative one -1.
        assert_eq!(rounding_divide_by_pot_i16(5, 1), 3);
        assert_eq!(rounding_divide_by_pot_i16(-5, 1), -3);
        assert_eq!(rounding_divide_by_pot_i16(-31, 6), 0);
        assert_eq!(rounding_divide_by_pot_i16(32767, 15), 1);
        assert_eq!(rounding_divide_by_pot_i16(0, 16), 1);
        assert_eq!(rounding_divide_by_pot_i16(-7, 20), -1);
        assert_eq!(saturating_left_shift_i16(20000, 1), i16::MAX);
        assert_eq!(saturating_left_shift_i16(-20000, 1), i16::MIN);
        assert_eq!(saturating_left_shift_i16(100, 3), 800);
    }
}
