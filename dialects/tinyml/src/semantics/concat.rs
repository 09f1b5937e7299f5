//! int8 CONCATENATION along one axis. TFLM's kernel (`reference_ops::Concatenation`) is a plain
//! copy and its `Prepare` rejects int8 inputs whose scale or zero point differ from the output's.
//! For such inputs (which TFLM cannot run) this kernel requantizes the way TFLite's
//! `ConcatenationWithScaling` does, in f32: with `s = s_in * (1 / s_out)`,
//! `round(q * s - zp_in * s) + zp_out`, clamped to int8. Inputs whose quantization equals the output's are copied, so
//! every model TFLM accepts gets TFLM's result.

use super::{OutputSpec, QuantTensor};

/// Concatenates `inputs` along `axis` (non-negative, `< rank`) into `output`.
pub fn concat(inputs: &[QuantTensor], axis: usize, output: &OutputSpec) -> Vec<i8> {
    let rank = output.shape.len();
    debug_assert!(axis < rank.max(1), "concat: axis out of range");
    let outer: usize = output.shape[..axis.min(rank)].iter().product();
    let base_inner: usize = output.shape[(axis + 1).min(rank)..].iter().product();
    let inverse_output_scale = 1.0f32 / output.scale;
    let mut out = Vec::with_capacity(output.len());
    for k in 0..outer {
        for input in inputs {
            let axis_size = input.shape.get(axis).copied().unwrap_or(1);
            let copy_size = axis_size * base_inner;
            let chunk = input
                .data
                .get(k * copy_size..(k + 1) * copy_size)
                .unwrap_or(&[]);
            if input.zero_point == output.zero_point && input.scale == output.scale {
                out.extend_from_slice(chunk);
            } else {
                let scale = input.scale * inverse_output_scale;
                let bias = -(input.zero_point as f32) * scale;
                out.extend(chunk.iter().map(|&q| {
                    let v = ((q as f32) * scale + bias).round() as i32 + output.zero_point;
                    v.clamp(i8::MIN as i32, i8::MAX as i32) as i8
                }));
            }
        }
    }
    out.resize(output.len(), output.zero_point.clamp(-128, 127) as i8);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concat_channels_copies() {
        // Two [1, 2, 1] tensors and one [1, 2, 2] along axis 2.
        let a = [1i8, 2];
        let b = [3i8, 4, 5, 6];
        let out = concat(
            &[
                QuantTensor::new(&a, &[1, 2, 1], 0.5, 0),
                QuantTensor::new(&b, &[1, 2, 2], 0.5, 0),
            ],
            2,
            &OutputSpec::new(&[1, 2, 3], 0.5, 0),
        );
        assert_eq!(out, vec![1, 3, 4, 2, 5, 6]);
    }

    #[test]
    fn concat_requantizes_differing_input() {
        // Second input scale 1, zp 2 into output scale 0.5, zp -1: q -> (q - 2) * 2 - 1.
        let out = concat(
            &[
                QuantTensor::new(&[7], &[1], 0.5, -1),
                QuantTensor::new(&[3, 100], &[2], 1.0, 2),
            ],
            0,
            &OutputSpec::new(&[3], 0.5, -1),
        );
        assert_eq!(out, vec![7, 1, 127]);
    }
}
