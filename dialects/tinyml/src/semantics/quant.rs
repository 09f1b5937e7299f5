//! Requantization arithmetic shared by every kernel: TFLite's `QuantizeMultiplier` (a real scale
//! to a Q31 multiplier and a power-of-two shift), gemmlowp's `SaturatingRoundingDoublingHighMul`
//! and `RoundingDivideByPOT`, the double-rounding `MultiplyByQuantizedMultiplier`, the fused
//! activation ranges of `CalculateActivationRangeQuantized`, and the derivation of the
//! multipliers of convolutions and fully-connected layers exactly as TFLM's `Prepare` does it
//! (which products are taken in `f32` and which in `f64` matters for bit-exactness).

/// Fused activation of an op, as TFLite's `ActivationFunctionType` (the subset tmlc supports).
/// Ordered by strength: for one output quantization the clamp ranges nest (`Relu6` inside `Relu`
/// inside `None`), so composing two is taking the larger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Activation {
    #[default]
    None,
    Relu,
    Relu6,
}

/// A real multiplier `m` as `multiplier * 2^(shift - 31)`, `multiplier` in `[2^30, 2^31)` (or 0).
/// A positive `shift` is a left shift.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QuantizedMultiplier {
    pub multiplier: i32,
    pub shift: i32,
}

impl QuantizedMultiplier {
    /// `QuantizeMultiplier(real)`.
    pub fn from_real(real: f64) -> Self {
        quantize_multiplier(real)
    }

    /// `MultiplyByQuantizedMultiplier(x, multiplier, shift)` (double rounding).
    #[inline]
    pub fn apply(self, x: i32) -> i32 {
        multiply_by_quantized_multiplier(x, self.multiplier, self.shift)
    }
}

/// `std::frexp`: `x = m * 2^e` with `|m|` in `[0.5, 1)`; `(x, 0)` for zero, infinities and NaN.
pub fn frexp(x: f64) -> (f64, i32) {
    if x == 0.0 || !x.is_finite() {
        return (x, 0);
    }
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    if biased == 0 {
        // Subnormal: scale into the normal range first.
        let (m, e) = frexp(x * f64::from_bits(0x43f0_0000_0000_0000)); // 2^64
        return (m, e - 64);
    }
    let mantissa_bits = (bits & !(0x7ffu64 << 52)) | (1022u64 << 52);
    (f64::from_bits(mantissa_bits), biased - 1022)
}

/// TFLite's `QuantizeMultiplier` (quantization_util.cc, double-rounding build): frexp, round the
/// mantissa half away from zero to Q31, renormalize 2^31 to 2^30, flush shifts below -31 to 0.
pub fn quantize_multiplier(real: f64) -> QuantizedMultiplier {
    if real == 0.0 {
        return QuantizedMultiplier::default();
    }
    let (q, mut shift) = frexp(real);
    // `f64::round` rounds half away from zero, as `std::round` (TfLiteRound).
    let mut q_fixed = (q * (1i64 << 31) as f64).round() as i64;
    if q_fixed == 1i64 << 31 {
        q_fixed /= 2;
        shift += 1;
    }
    if shift < -31 {
        shift = 0;
        q_fixed = 0;
    }
    QuantizedMultiplier {
        multiplier: q_fixed.clamp(i32::MIN as i64, i32::MAX as i64) as i32,
        shift,
    }
}

/// gemmlowp `SaturatingRoundingDoublingHighMul`: `(a * b * 2 + 2^31) >> 32` with the nudge
/// `1 - 2^30` for negative products and C++ truncating division, saturating `MIN * MIN`.
/// Ties round towards +infinity (1.5 -> 2, -1.5 -> -1).
#[inline]
pub fn saturating_rounding_doubling_high_mul(a: i32, b: i32) -> i32 {
    if a == i32::MIN && b == i32::MIN {
        return i32::MAX;
    }
    let ab = a as i64 * b as i64;
    let nudge: i64 = if ab >= 0 { 1 << 30 } else { 1 - (1 << 30) };
    ((ab + nudge) / (1i64 << 31)) as i32
}

/// gemmlowp `RoundingDivideByPOT`: `x / 2^exponent` rounded to nearest, ties away from zero.
/// `exponent` is clamped to `[0, 31]` (TFLite never passes anything else).
#[inline]
pub fn rounding_divide_by_pot(x: i32, exponent: i32) -> i32 {
    let exponent = exponent.clamp(0, 31);
    let mask = ((1i64 << exponent) - 1) as i32;
    let remainder = x & mask;
    let threshold = (mask >> 1) + i32::from(x < 0);
    (x >> exponent) + i32::from(remainder > threshold)
}

/// TFLite's double-rounding `MultiplyByQuantizedMultiplier(int32 x, multiplier, shift)`:
/// `RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x * 2^left, multiplier), right)`.
#[inline]
pub fn multiply_by_quantized_multiplier(x: i32, multiplier: i32, shift: i32) -> i32 {
    let left_shift = shift.clamp(0, 31);
    let right_shift = if shift > 0 { 0 } else { -shift };
    rounding_divide_by_pot(
        saturating_rounding_doubling_high_mul(x.wrapping_mul(1i32 << left_shift), multiplier),
        right_shift,
    )
}

/// `CalculateActivationRangeQuantized` for an int8 output: the clamp bounds
/// `(act_min, act_max)`. Real bounds are quantized as `zp + round(f / scale)` in `f32`.
pub fn activation_range(activation: Activation, scale: f32, zero_point: i32) -> (i32, i32) {
    let quantize = |f: f32| zero_point.saturating_add((f / scale).round() as i32);
    let (qmin, qmax) = (i8::MIN as i32, i8::MAX as i32);
    match activation {
        Activation::None => (qmin, qmax),
        Activation::Relu => (qmin.max(quantize(0.0)), qmax),
        Activation::Relu6 => (qmin.max(quantize(0.0)), qmax.min(quantize(6.0))),
    }
}

/// The scale of channel `c` from a per-channel slice, or the single per-tensor scale.
#[inline]
pub(crate) fn channel_scale(scales: &[f32], c: usize) -> f32 {
    if scales.len() == 1 {
        scales[0]
    } else {
        scales.get(c).copied().unwrap_or(0.0)
    }
}

/// `PopulateConvolutionQuantizationParams` (conv and depthwise, per-channel or per-tensor):
/// `effective_scale[c] = (f64)input_scale * (f64)filter_scale[c] / (f64)output_scale`, then
/// `QuantizeMultiplier`. A single filter scale is broadcast over `channels`.
pub fn conv_multipliers(
    input_scale: f32,
    filter_scales: &[f32],
    output_scale: f32,
    channels: usize,
) -> Vec<QuantizedMultiplier> {
    (0..channels)
        .map(|c| {
            let filter_scale = channel_scale(filter_scales, c) as f64;
            quantize_multiplier(input_scale as f64 * filter_scale / output_scale as f64)
        })
        .collect()
}

/// TFLM fully-connected multipliers. Per-tensor weights (one scale) go through
/// `GetQuantizedConvolutionMultipler`, whose input * filter product is taken in **f32** and only
/// then widened: `(f64)(input_scale * filter_scale) / (f64)output_scale`. Per-channel weights use
/// the all-`f64` product of the conv path. Returns one multiplier per output channel.
pub fn fully_connected_multipliers(
    input_scale: f32,
    filter_scales: &[f32],
    output_scale: f32,
    channels: usize,
) -> Vec<QuantizedMultiplier> {
    if filter_scales.len() == 1 {
        let product = (input_scale * filter_scales[0]) as f64;
        vec![quantize_multiplier(product / output_scale as f64); channels]
    } else {
        conv_multipliers(input_scale, filter_scales, output_scale, channels)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn qm(multiplier: i32, shift: i32) -> QuantizedMultiplier {
        QuantizedMultiplier { multiplier, shift }
    }

    #[test]
    fn frexp_matches_libm() {
        assert_eq!(frexp(0.5), (0.5, 0));
        assert_eq!(frexp(1.0), (0.5, 1));
        assert_eq!(frexp(0.75), (0.75, 0));
        assert_eq!(frexp(-3.0), (-0.75, 2));
        assert_eq!(frexp(0.0), (0.0, 0));
        // Smallest subnormal: 2^-1074 = 0.5 * 2^-1073.
        assert_eq!(frexp(f64::from_bits(1)), (0.5, -1073));
    }

    #[test]
    fn negative_scales_give_the_negated_multiplier() {
        // TFLM's QuantizeMultiplier on a negative real: frexp keeps the sign in the mantissa.
        for real in [0.3, 0.75, 1.0 / 3.0, 0.0123, 2.5] {
            let positive = quantize_multiplier(real);
            let negative = quantize_multiplier(-real);
            assert_eq!(negative.shift, positive.shift, "{real}");
            assert_eq!(negative.multiplier, -positive.multiplier, "{real}");
        }
        let channels = conv_multipliers(0.5, &[0.02, -0.02], 0.25, 2);
        assert_eq!(channels[1].multiplier, -channels[0].multiplier);
    }

    #[test]
    fn quantize_multiplier_known_values() {
        assert_eq!(quantize_multiplier(0.5), qm(1 << 30, 0));
        assert_eq!(quantize_multiplier(1.0), qm(1 << 30, 1));
        assert_eq!(quantize_multiplier(0.25), qm(1 << 30, -1));
        assert_eq!(quantize_multiplier(2.0), qm(1 << 30, 2));
        // 0.75 * 2^31 = 1610612736 exactly.
        assert_eq!(quantize_multiplier(0.75), qm(1_610_612_736, 0));
        // 1/3 = (2/3) * 2^-1; round(2/3 * 2^31) = round(1431655765.33) = 1431655765.
        assert_eq!(quantize_multiplier(1.0 / 3.0), qm(1_431_655_765, -1));
        assert_eq!(quantize_multiplier(0.0), qm(0, 0));
        // Mantissa rounds up to 2^31: renormalized to 2^30 with shift + 1.
        assert_eq!(quantize_multiplier(1.0 - 2f64.powi(-33)), qm(1 << 30, 1));
        // Shifts below -31 are flushed to zero.
        assert_eq!(quantize_multiplier(2f64.powi(-40)), qm(0, 0));
        // 2^-32 = 0.5 * 2^-31: still representable.
        assert_eq!(quantize_multiplier(2f64.powi(-32)), qm(1 << 30, -31));
    }

    #[test]
    fn srdhm_known_values() {
        assert_eq!(
            saturating_rounding_doubling_high_mul(i32::MIN, i32::MIN),
            i32::MAX
        );
        // 0.5 * 0.5 = 0.25 in Q31.
        assert_eq!(
            saturating_rounding_doubling_high_mul(1 << 30, 1 << 30),
            1 << 29
        );
        // 3 * 0.5 = 1.5 -> 2; -3 * 0.5 = -1.5 -> -1 (ties towards +inf).
        assert_eq!(saturating_rounding_doubling_high_mul(3, 1 << 30), 2);
        assert_eq!(saturating_rounding_doubling_high_mul(-3, 1 << 30), -1);
        // -5 * 0.5 = -2.5 -> -2.
        assert_eq!(saturating_rounding_doubling_high_mul(-5, 1 << 30), -2);
        // x * (1 - 2^-31) stays x for small x.
        assert_eq!(saturating_rounding_doubling_high_mul(100, i32::MAX), 100);
        assert_eq!(saturating_rounding_doubling_high_mul(-100, i32::MAX), -100);
        assert_eq!(saturating_rounding_doubling_high_mul(0, 12345), 0);
    }

    #[test]
    fn rounding_divide_by_pot_known_values() {
        assert_eq!(rounding_divide_by_pot(5, 1), 3); // 2.5 -> 3
        assert_eq!(rounding_divide_by_pot(-5, 1), -3); // -2.5 -> -3
        assert_eq!(rounding_divide_by_pot(-4, 1), -2);
        assert_eq!(rounding_divide_by_pot(7, 2), 2); // 1.75
        assert_eq!(rounding_divide_by_pot(-7, 2), -2); // -1.75
        assert_eq!(rounding_divide_by_pot(6, 2), 2); // 1.5 -> 2
        assert_eq!(rounding_divide_by_pot(-6, 2), -2); // -1.5 -> -2
        assert_eq!(rounding_divide_by_pot(-5, 2), -1); // -1.25
        assert_eq!(rounding_divide_by_pot(123, 0), 123);
        assert_eq!(rounding_divide_by_pot(i32::MIN, 31), -1);
        assert_eq!(rounding_divide_by_pot(i32::MAX, 31), 1);
    }

    #[test]
    fn multiply_by_quantized_multiplier_known_values() {
        assert_eq!(multiply_by_quantized_multiplier(100, 1 << 30, 0), 50);
        assert_eq!(multiply_by_quantized_multiplier(100, 1 << 30, -2), 13); // 12.5 -> 13
        assert_eq!(multiply_by_quantized_multiplier(100, 1 << 30, 1), 100);
        assert_eq!(multiply_by_quantized_multiplier(-100, 1 << 30, -2), -13);
        // Double rounding: 1 * 0.25 is 0.25 exactly, but 1 * 0.5 -> 1 first, then 1 / 2 -> 1.
        assert_eq!(multiply_by_quantized_multiplier(1, 1 << 30, -1), 1);
        assert_eq!(qm(1 << 30, -1).apply(2), 1);
    }

    #[test]
    fn activation_ranges() {
        assert_eq!(activation_range(Activation::None, 0.1, 3), (-128, 127));
        assert_eq!(activation_range(Activation::Relu, 0.1, 10), (10, 127));
        assert_eq!(activation_range(Activation::Relu, 0.1, -200), (-128, 127));
        // 6 / 0.05 = 120.
        assert_eq!(activation_range(Activation::Relu6, 0.05, -20), (-20, 100));
        // Relu6 covering the whole range: 6 / (6/255) = 255.
        assert_eq!(
            activation_range(Activation::Relu6, 6.0 / 255.0, -128),
            (-128, 127)
        );
    }

    #[test]
    fn fully_connected_product_in_f32() {
        let m = fully_connected_multipliers(0.5, &[0.25], 0.125, 3);
        assert_eq!(m, vec![qm(1 << 30, 1); 3]);
        let m = conv_multipliers(0.5, &[0.25, 0.125], 0.125, 2);
        assert_eq!(m, vec![qm(1 << 30, 1), qm(1 << 30, 0)]);
    }
}
