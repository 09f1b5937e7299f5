//! Standalone int8 activations and requantization (TFLite's RELU, RELU6 and int8 -> int8
//! QUANTIZE). RELU and RELU6 keep the quantization (the verifier requires it), so they are
//! clamps to the zero point and to `zero_point + round(6 / scale)`, exactly the bounds of
//! `quant::activation_range`. QUANTIZE is TFLM's `Requantize`:
//! `clamp(MultiplyByQuantizedMultiplier(x - input_zp, m, s) + output_zp)` with `(m, s)` from
//! `QuantizeMultiplier((f64)input_scale / (f64)output_scale)`.

use super::quant::{activation_range, multiply_by_quantized_multiplier, quantize_multiplier};
use super::{Activation, OutputSpec, QuantTensor};

/// RELU / RELU6 on a tensor whose output keeps its quantization.
pub fn clamp_activation(input: &QuantTensor, activation: Activation) -> Vec<i8> {
    let (low, high) = activation_range(activation, input.scale, input.zero_point);
    input
        .data
        .iter()
        .map(|&x| (x as i32).clamp(low, high) as i8)
        .collect()
}

/// int8 -> int8 QUANTIZE: rescales every element to the output's quantization.
pub fn requantize(input: &QuantTensor, output: &OutputSpec) -> Vec<i8> {
    let q = quantize_multiplier(input.scale as f64 / output.scale as f64);
    input
        .data
        .iter()
        .map(|&x| {
            let scaled = multiply_by_quantized_multiplier(
                x as i32 - input.zero_point,
                q.multiplier,
                q.shift,
            );
            (scaled + output.zero_point).clamp(-128, 127) as i8
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relu_clamps_at_the_zero_point_and_relu6_at_six() {
        // scale 0.5, zp -10: 0.0 -> -10, 6.0 -> -10 + 12 = 2.
        let data = [-128, -11, -10, 0, 2, 3, 127];
        let input = QuantTensor::new(&data, &[7], 0.5, -10);
        assert_eq!(
            clamp_activation(&input, Activation::Relu),
            vec![-10, -10, -10, 0, 2, 3, 127]
        );
        assert_eq!(
            clamp_activation(&input, Activation::Relu6),
            vec![-10, -10, -10, 0, 2, 2, 2]
        );
    }

    #[test]
    fn requantize_halves_and_shifts() {
        // 0.5 -> 1.0: QuantizeMultiplier(0.5) = (2^30, 0), so the value is halved by
        // SaturatingRoundingDoublingHighMul, whose ties go towards +infinity:
        // -64 (+5 = -59), -1.5 -> -1 (4), -0.5 -> 0 (5), 0 (5), 0.5 -> 1 (6), 1.5 -> 2 (7), 63.5 -> 64 (69).
        let data = [-128, -3, -1, 0, 1, 3, 127];
        let input = QuantTensor::new(&data, &[7], 0.5, 0);
        let output = OutputSpec::new(&[7], 1.0, 5);
        assert_eq!(requantize(&input, &output), vec![-59, 4, 5, 5, 6, 7, 69]);
    }
}
