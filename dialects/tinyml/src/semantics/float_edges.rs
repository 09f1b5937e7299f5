//! The float32 edges of a model, as TFLite Micro computes them (reference `AffineQuantize` and
//! `Dequantize`, tensorflow/lite/kernels/internal/reference/{quantize,dequantize}.h):
//!
//! - QUANTIZE float32 -> int8: `clamp(round(x / (float)scale) + zero_point, -128, 127)`, the
//!   division in single precision, `round` half away from zero (`TfLiteRound`).
//! - DEQUANTIZE int8 -> float32: `(float)((double)scale * (q - zero_point))`. The product of a
//!   float scale and an integer of at most 9 bits is exact in double, so the one rounding to
//!   float gives the same bits as a single-precision multiply (what the C kernel does).
//!
//! Both are IEEE single-precision operations that give the same bits everywhere when the
//! compiler neither contracts nor reassociates them.

/// QUANTIZE of one float32 value to int8.
pub fn quantize_value(x: f32, scale: f32, zero_point: i32) -> i8 {
    // `as i32` saturates (and maps NaN to 0) where C++'s cast would be undefined.
    let rounded = (x / scale).round() as i32;
    rounded.saturating_add(zero_point).clamp(-128, 127) as i8
}

/// DEQUANTIZE of one int8 value to float32.
pub fn dequantize_value(q: i8, scale: f32, zero_point: i32) -> f32 {
    (scale as f64 * (q as i32 - zero_point) as f64) as f32
}

/// QUANTIZE of a float32 tensor.
pub fn quantize(input: &[f32], scale: f32, zero_point: i32) -> Vec<i8> {
    input
        .iter()
        .map(|&x| quantize_value(x, scale, zero_point))
        .collect()
}

/// DEQUANTIZE of an int8 tensor.
pub fn dequantize(input: &[i8], scale: f32, zero_point: i32) -> Vec<f32> {
    input
        .iter()
        .map(|&q| dequantize_value(q, scale, zero_point))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantize_rounds_half_away_from_zero_and_clamps() {
        assert_eq!(quantize_value(0.25, 0.5, 0), 1); // 0.5 rounds up
        assert_eq!(quantize_value(-0.25, 0.5, 0), -1); // -0.5 rounds down
        assert_eq!(quantize_value(0.74, 0.5, 3), 4);
        assert_eq!(quantize_value(1000.0, 0.5, 0), 127);
        assert_eq!(quantize_value(-1000.0, 0.5, 0), -128);
        assert_eq!(quantize_value(f32::NAN, 0.5, -5), -5);
        assert_eq!(quantize_value(f32::INFINITY, 0.5, 0), 127);
    }

    #[test]
    fn dequantize_is_the_single_rounding_of_the_exact_product() {
        let scale = 0.007_839_307_f32;
        for q in -128..=127i8 {
            let expected = scale * (q as i32 - 3) as f32;
            assert_eq!(dequantize_value(q, scale, 3).to_bits(), expected.to_bits());
        }
    }

    #[test]
    fn quantize_inverts_dequantize_on_the_grid() {
        // The golden float inputs are float32((x8 - zp) * scale): QUANTIZE gives x8 back.
        let (scale, zero_point) = (0.023_519_728_f32, -18);
        for q in -128..=127i8 {
            let x = ((q as i32 - zero_point) as f32) * scale;
            assert_eq!(quantize_value(x, scale, zero_point), q);
        }
    }
}
