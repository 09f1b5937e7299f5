//! int8 LEAKY_RELU, `x > 0 ? x : alpha * x`: TFLM's `CalculateOpDataLeakyRelu`
//! (leaky_relu_common.cc) and `reference_ops::QuantizeLeakyRelu` (reference/leaky_relu.h).
//!
//! Prepare, in f64: the alpha multiplier `QuantizeMultiplier(input_scale * alpha / output_scale)`
//! and the identity multiplier `QuantizeMultiplier(input_scale / output_scale)`. TFLM's source up
//! to the snapshot read here (90b983c2) computes both in f32 and widens the result (a "fouble",
//! tflite-micro issue #3271); the TFLM build on PyPI (tflite-micro 0.dev20261023) computes them
//! in f64, which a TFLM-checked case below tells apart. We follow the build. Eval: `x - input_zp`; at or above 0
//! (zero included) it is rescaled by the identity multiplier, below 0 by the alpha one (a
//! negative alpha is applied as its magnitude and the sign flipped afterwards, as TFLM does since
//! `MultiplyByQuantizedMultiplier` wants a non-negative multiplier), each a double-rounding
//! `MultiplyByQuantizedMultiplier`; plus the output zero point, clamped to int8.

use super::quant::{quantize_multiplier, QuantizedMultiplier};
use super::{OutputSpec, QuantTensor};

/// The precomputed parameters of an int8 LEAKY_RELU (TFLM's `LeakyReluOpData`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeakyReluParams {
    pub input_zero_point: i32,
    pub output_zero_point: i32,
    pub alpha: QuantizedMultiplier,
    pub identity: QuantizedMultiplier,
}

impl LeakyReluParams {
    /// TFLM's prepare for int8 tensors; `input` and `output` are `(scale, zero_point)`.
    pub fn prepare(input: (f32, i32), output: (f32, i32), alpha: f32) -> Self {
        LeakyReluParams {
            input_zero_point: input.1,
            output_zero_point: output.1,
            alpha: quantize_multiplier(input.0 as f64 * alpha as f64 / output.0 as f64),
            identity: quantize_multiplier(input.0 as f64 / output.0 as f64),
        }
    }

    /// One element, as `QuantizeLeakyRelu<int8_t>`.
    pub fn apply(&self, x: i8) -> i8 {
        let input = x as i32 - self.input_zero_point;
        let scaled = if input >= 0 {
            self.identity.apply(input)
        } else {
            let negative = self.alpha.multiplier < 0;
            let magnitude = QuantizedMultiplier {
                multiplier: self.alpha.multiplier.wrapping_abs(),
                shift: self.alpha.shift,
            };
            let scaled = magnitude.apply(input);
            if negative {
                scaled.wrapping_neg()
            } else {
                scaled
            }
        };
        self.output_zero_point
            .wrapping_add(scaled)
            .clamp(i8::MIN as i32, i8::MAX as i32) as i8
    }
}

/// int8 LEAKY_RELU of every element of `input` with slope `alpha`, to `output`'s quantization.
pub fn leaky_relu(input: &QuantTensor, alpha: f32, output: &OutputSpec) -> Vec<i8> {
    let params = LeakyReluParams::prepare(
        (input.scale, input.zero_point),
        (output.scale, output.zero_point),
        alpha,
    );
    input.data.iter().map(|&x| params.apply(x)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn qm(multiplier: i32, shift: i32) -> QuantizedMultiplier {
        QuantizedMultiplier { multiplier, shift }
    }

    #[test]
    fn prepare_constants() {
        // Identity 0.5 / 0.5 = 1 -> (2^30, 1); alpha 0.5 * 0.25 / 0.5 = 0.25 -> (2^30, -1).
        let p = LeakyReluParams::prepare((0.5, -10), (0.5, 3), 0.25);
        assert_eq!(
            p,
            LeakyReluParams {
                input_zero_point: -10,
                output_zero_point: 3,
                alpha: qm(1 << 30, -1),
                identity: qm(1 << 30, 1),
            }
        );
        // The alpha multiplier is s_in * alpha / s_out in f64, not the f32 expression widened.
        let p = LeakyReluParams::prepare((0.1, 0), (0.7, 0), 0.3);
        assert_eq!(
            p.alpha,
            quantize_multiplier(0.1f32 as f64 * 0.3f32 as f64 / 0.7f32 as f64)
        );
        assert_ne!(
            p.alpha,
            quantize_multiplier((0.1f32 * 0.3f32 / 0.7f32) as f64)
        );
    }

    #[test]
    fn hand_computed_elements() {
        let p = LeakyReluParams::prepare((0.5, -10), (0.5, 3), 0.25);
        // x - zp = 0 takes the identity branch: 0 + 3.
        assert_eq!(p.apply(-10), 3);
        assert_eq!(p.apply(20), 33);
        // -4 * 0.25 = -1: SRDHM(-4, 2^30) = -2, RDBPOT(-2, 1) = -1 -> 2.
        assert_eq!(p.apply(-14), 2);
        // -5: SRDHM gives -2.5 -> -2 (ties towards +inf), RDBPOT(-2, 1) = -1 -> 2.
        assert_eq!(p.apply(-15), 2);
        // -6: -3, then -1.5 -> -2 (ties away from zero) -> 1.
        assert_eq!(p.apply(-16), 1);
        // -118: -59, -29.5 -> -30 -> -27; 137 + 3 saturates.
        assert_eq!(p.apply(-128), -27);
        assert_eq!(p.apply(127), 127);
    }

    /// An output of TFLite Micro (tflite-micro 0.dev20261023, reference kernels) where f32 and
    /// f64 multipliers differ: with the f32 alpha multiplier it would be -65.
    #[test]
    fn multipliers_in_f64_as_tflm_computes_them() {
        let p = LeakyReluParams::prepare(
            (f32::from_bits(0x3E33_7641), -3),
            (f32::from_bits(0x3BB6_4131), 62),
            f32::from_bits(0x3F01_7BEF),
        );
        assert_eq!(p.apply(-11), -66);
    }

    #[test]
    fn negative_alpha_flips_the_sign_after_the_rescale() {
        // alpha -0.5: QuantizeMultiplier(-0.5) = (-2^30, 0). TFLM rescales by 2^30 and negates:
        // -5 -> SRDHM(-5, 2^30) = -2 -> 2; a direct MBQM(-5, -2^30, 0) would give 3.
        let p = LeakyReluParams::prepare((1.0, 0), (1.0, 10), -0.5);
        assert_eq!(p.alpha, qm(-(1 << 30), 0));
        assert_eq!(p.apply(-5), 12);
        assert_eq!(p.apply(-6), 13);
        assert_eq!(p.apply(5), 15);
    }

    #[test]
    fn zero_alpha_is_a_relu() {
        let p = LeakyReluParams::prepare((0.2, 4), (0.2, -7), 0.0);
        assert_eq!(p.alpha, qm(0, 0));
        assert_eq!(p.apply(-128), -7);
        assert_eq!(p.apply(3), -7);
        assert_eq!(p.apply(4), -7);
        assert_eq!(p.apply(14), 3);
    }

    #[test]
    fn rescales_to_the_output_quantization() {
        // Output scale twice the input's: identity 0.5 -> (2^30, 0); alpha 0.1 * 0.5.
        let data = [0i8, 7, -7, -128, 127];
        let out = leaky_relu(
            &QuantTensor::new(&data, &[5], 0.1, 0),
            0.1,
            &OutputSpec::new(&[5], 0.2, -1),
        );
        // 7 / 2 = 3.5 -> SRDHM ties up -> 4 - 1 = 3; -7 * 0.05 = -0.35 -> 0 -> -1;
        // -128 * 0.05 = -6.4 -> -6 -> -7; 127 / 2 = 63.5 -> 64 -> 63.
        assert_eq!(out, vec![-1, 3, -1, -7, 63]);
    }
}
