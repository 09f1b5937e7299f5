//! int8 FULLY_CONNECTED: TFLite's `reference_integer_ops::FullyConnected` (per-tensor weights)
//! and `FullyConnectedPerChannel`, with TFLM's `Prepare`: for per-tensor weights the multiplier
//! comes from `GetQuantizedConvolutionMultipler`, whose input * filter scale product is an f32
//! product (see [`fully_connected_multipliers`]). Weights `[O, I]`; the input is read as
//! `[batches, I]` whatever its shape, batches taken from the output shape `[.., O]`.

use super::quant::{activation_range, fully_connected_multipliers, Activation};
use super::{clamp_i8, OutputSpec, QuantTensor, Weights};

/// int8 fully connected layer: `out[b, o] = requant(sum_i w[o, i] * (x[b, i] - zp_in) + bias[o])`.
pub fn fully_connected(
    input: &QuantTensor,
    weights: &Weights,
    bias: Option<&[i32]>,
    activation: Activation,
    output: &OutputSpec,
) -> Vec<i8> {
    let out_depth = output.shape.last().copied().unwrap_or(1);
    let accum_depth = weights.shape.last().copied().unwrap_or(1);
    let mut out = vec![0i8; output.len()];
    if out_depth == 0 || accum_depth == 0 {
        return out;
    }
    let batches = output.len() / out_depth;
    debug_assert_eq!(
        weights.data.len(),
        out_depth * accum_depth,
        "fully_connected: weights"
    );
    debug_assert_eq!(
        input.data.len(),
        batches * accum_depth,
        "fully_connected: input size"
    );
    let multipliers =
        fully_connected_multipliers(input.scale, weights.scales, output.scale, out_depth);
    let (act_min, act_max) = activation_range(activation, output.scale, output.zero_point);
    let input_offset = -input.zero_point;

    for b in 0..batches {
        let x = &input.data[b * accum_depth..(b + 1) * accum_depth];
        for o in 0..out_depth {
            let w = &weights.data[o * accum_depth..(o + 1) * accum_depth];
            let mut acc: i32 = 0;
            for (&xv, &wv) in x.iter().zip(w) {
                acc = acc.wrapping_add((wv as i32).wrapping_mul(xv as i32 + input_offset));
            }
            if let Some(bias) = bias {
                acc = acc.wrapping_add(bias[o]);
            }
            let v = multipliers[o].apply(acc).wrapping_add(output.zero_point);
            out[b * out_depth + o] = clamp_i8(v, act_min, act_max);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_batches_relu() {
        // x zp 2, w [[1, -1], [2, 3]], bias [1, -20], effective scale 0.5 * 0.5 / 0.125 = 2.
        let input = [4i8, 3, 2, 6];
        let weights = [1i8, -1, 2, 3];
        let out = fully_connected(
            &QuantTensor::new(&input, &[2, 2], 0.5, 2),
            &Weights::new(&weights, &[2, 2], &[0.5]),
            Some(&[1, -20]),
            Activation::Relu,
            &OutputSpec::new(&[2, 2], 0.125, -5),
        );
        // b0: x-zp = (2, 1): o0 = 2 - 1 + 1 = 2 -> 4 - 5 = -1; o1 = 4 + 3 - 20 = -13 -> -26 - 5
        //     = -31 -> relu min is zp -5.
        // b1: x-zp = (0, 4): o0 = -4 + 1 = -3 -> -6 - 5 = -11 -> -5; o1 = 12 - 20 = -8 -> -21 -> -5.
        assert_eq!(out, vec![-1, -5, -5, -5]);
    }

    #[test]
    fn rounding_is_double() {
        // Effective scale 0.25 (multiplier 2^30, shift -1): acc 1 -> 0.5 -> 1, then 1/2 -> 1.
        let out = fully_connected(
            &QuantTensor::new(&[1], &[1, 1], 0.5, 0),
            &Weights::new(&[1], &[1, 1], &[0.5]),
            None,
            Activation::None,
            &OutputSpec::new(&[1, 1], 1.0, 0),
        );
        assert_eq!(out, vec![1]);
    }
}
