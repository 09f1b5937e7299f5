//! int8 CONV_2D: TFLite's `reference_integer_ops::ConvPerChannel` with TFLM's `Prepare`
//! (per-channel multipliers in f64, `CalculateActivationRangeQuantized`, TFLite padding).
//! Filter layout `[O, KH, KW, I / groups]`; grouped convolution follows the reference
//! (`groups = input_depth / filter_input_depth`).

use super::padding::{leading_padding, Padding};
use super::quant::{activation_range, conv_multipliers, Activation};
use super::{clamp_i8, dims4, OutputSpec, QuantTensor, Weights};

/// Attributes of a 2-D convolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conv2dOptions {
    pub stride_h: usize,
    pub stride_w: usize,
    pub dilation_h: usize,
    pub dilation_w: usize,
    pub padding: Padding,
    pub activation: Activation,
}

impl Default for Conv2dOptions {
    fn default() -> Self {
        Conv2dOptions {
            stride_h: 1,
            stride_w: 1,
            dilation_h: 1,
            dilation_w: 1,
            padding: Padding::Valid,
            activation: Activation::None,
        }
    }
}

/// int8 2-D convolution, NHWC input `[N, H, W, C]`, filter `[O, KH, KW, C / groups]`,
/// optional int32 bias `[O]`, output `[N, OH, OW, O]`.
///
/// `acc = sum(filter * (input - input_zp)) + bias`, then
/// `clamp(MultiplyByQuantizedMultiplier(acc, m[o], s[o]) + output_zp, act_min, act_max)`.
/// Taps that fall into the padding contribute nothing (they are skipped, not zero-point
/// padded, which is the same since `input - input_zp` would be 0 there).
pub fn conv2d(
    input: &QuantTensor,
    filter: &Weights,
    bias: Option<&[i32]>,
    options: &Conv2dOptions,
    output: &OutputSpec,
) -> Vec<i8> {
    let [batches, in_h, in_w, in_c] = dims4(input.shape);
    let [out_c, k_h, k_w, filter_in_c] = dims4(filter.shape);
    let [out_n, out_h, out_w, out_cc] = dims4(output.shape);
    debug_assert_eq!(batches, out_n, "conv2d: batch mismatch");
    debug_assert_eq!(out_c, out_cc, "conv2d: output channel mismatch");
    debug_assert!(
        filter_in_c > 0 && in_c % filter_in_c == 0,
        "conv2d: bad groups"
    );
    let mut out = vec![0i8; output.len()];
    if filter_in_c == 0 || out_c == 0 {
        return out;
    }
    let groups = (in_c / filter_in_c).max(1);
    let filters_per_group = (out_c / groups).max(1);

    let [pad_h, pad_w] = leading_padding(
        options.padding,
        [in_h, in_w],
        [k_h, k_w],
        [options.stride_h, options.stride_w],
        [options.dilation_h, options.dilation_w],
        [out_h, out_w],
    );
    let multipliers = conv_multipliers(input.scale, filter.scales, output.scale, out_c);
    let (act_min, act_max) = activation_range(options.activation, output.scale, output.zero_point);
    let input_offset = -input.zero_point;

    for b in 0..batches {
        for oy in 0..out_h {
            let in_y0 = (oy * options.stride_h) as isize - pad_h as isize;
            for ox in 0..out_w {
                let in_x0 = (ox * options.stride_w) as isize - pad_w as isize;
                for oc in 0..out_c {
                    let group = oc / filters_per_group;
                    let mut acc: i32 = 0;
                    for fy in 0..k_h {
                        let iy = in_y0 + (options.dilation_h * fy) as isize;
                        if iy < 0 || iy >= in_h as isize {
                            continue;
                        }
                        for fx in 0..k_w {
                            let ix = in_x0 + (options.dilation_w * fx) as isize;
                            if ix < 0 || ix >= in_w as isize {
                                continue;
                            }
                            let in_base = ((b * in_h + iy as usize) * in_w + ix as usize) * in_c
                                + group * filter_in_c;
                            let f_base = ((oc * k_h + fy) * k_w + fx) * filter_in_c;
                            let inputs = &input.data[in_base..in_base + filter_in_c];
                            let weights = &filter.data[f_base..f_base + filter_in_c];
                            for (&iv, &fv) in inputs.iter().zip(weights) {
                                acc = acc.wrapping_add(
                                    (fv as i32).wrapping_mul(iv as i32 + input_offset),
                                );
                            }
                        }
                    }
                    if let Some(bias) = bias {
                        acc = acc.wrapping_add(bias[oc]);
                    }
                    let v = multipliers[oc].apply(acc).wrapping_add(output.zero_point);
                    out[((b * out_h + oy) * out_w + ox) * out_c + oc] =
                        clamp_i8(v, act_min, act_max);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_by_one_conv_with_bias_and_requant() {
        // Input 1x1x2x2, zp 1, scale 0.5; filter 2x1x1x2 scales [0.5, 0.25]; output scale 0.25.
        // Effective scales: 0.5*0.5/0.25 = 1, 0.5*0.25/0.25 = 0.5.
        let input = [3i8, 5, -1, 1];
        let filter = [1i8, 2, -3, 4];
        let bias = [10i32, -4];
        let out = conv2d(
            &QuantTensor::new(&input, &[1, 1, 2, 2], 0.5, 1),
            &Weights::new(&filter, &[2, 1, 1, 2], &[0.5, 0.25]),
            Some(&bias),
            &Conv2dOptions::default(),
            &OutputSpec::new(&[1, 1, 2, 2], 0.25, -3),
        );
        // pixel 0: (2, 4): oc0 = 2 + 8 + 10 = 20 -> 20 - 3 = 17; oc1 = -6 + 16 - 4 = 6 -> 3 - 3 = 0
        // pixel 1: (-2, 0): oc0 = -2 + 10 = 8 -> 5; oc1 = 6 - 4 = 2 -> 1 - 3 = -2
        assert_eq!(out, vec![17, 0, 5, -2]);
    }

    #[test]
    fn same_padding_stride2_pads_bottom_right_only() {
        // 1x4x4x1 input of ones (zp 0), 3x3 filter of ones, stride 2, SAME -> 2x2.
        // Output (0,0) covers rows 0..=2 and columns 0..=2: 9 taps, no top/left padding.
        // Output (1,1) covers rows 2..=4 (row 4 is padding): 2x2 = 4 taps.
        let input = [1i8; 16];
        let filter = [1i8; 9];
        let out = conv2d(
            &QuantTensor::new(&input, &[1, 4, 4, 1], 1.0, 0),
            &Weights::new(&filter, &[1, 3, 3, 1], &[1.0]),
            None,
            &Conv2dOptions {
                stride_h: 2,
                stride_w: 2,
                padding: Padding::Same,
                ..Default::default()
            },
            &OutputSpec::new(&[1, 2, 2, 1], 1.0, 0),
        );
        assert_eq!(out, vec![9, 6, 6, 4]);
    }

    #[test]
    fn relu6_clamps() {
        let input = [100i8];
        let filter = [1i8];
        // output scale 0.1, zp 0: relu6 range [0, 60].
        let out = conv2d(
            &QuantTensor::new(&input, &[1, 1, 1, 1], 0.1, 0),
            &Weights::new(&filter, &[1, 1, 1, 1], &[1.0]),
            None,
            &Conv2dOptions {
                activation: Activation::Relu6,
                ..Default::default()
            },
            &OutputSpec::new(&[1, 1, 1, 1], 0.1, 0),
        );
        assert_eq!(out, vec![60]);
    }
}
