//! int8 DEPTHWISE_CONV_2D: TFLite's `reference_integer_ops::DepthwiseConvPerChannel` with TFLM's
//! `Prepare` (per-channel multipliers in f64, activation range, TFLite padding). Filter layout
//! `[1, KH, KW, C * depth_multiplier]`; output channel `c * depth_multiplier + m` reads input
//! channel `c`.

use super::padding::{leading_padding, Padding};
use super::quant::{activation_range, conv_multipliers, Activation};
use super::{clamp_i8, dims4, OutputSpec, QuantTensor, Weights};

/// Attributes of a depthwise 2-D convolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DepthwiseConv2dOptions {
    pub stride_h: usize,
    pub stride_w: usize,
    pub dilation_h: usize,
    pub dilation_w: usize,
    pub depth_multiplier: usize,
    pub padding: Padding,
    pub activation: Activation,
}

impl Default for DepthwiseConv2dOptions {
    fn default() -> Self {
        DepthwiseConv2dOptions {
            stride_h: 1,
            stride_w: 1,
            dilation_h: 1,
            dilation_w: 1,
            depth_multiplier: 1,
            padding: Padding::Valid,
            activation: Activation::None,
        }
    }
}

/// int8 depthwise convolution, NHWC input `[N, H, W, C]`, filter `[1, KH, KW, C * mult]`,
/// optional int32 bias `[C * mult]`, output `[N, OH, OW, C * mult]`.
pub fn depthwise_conv2d(
    input: &QuantTensor,
    filter: &Weights,
    bias: Option<&[i32]>,
    options: &DepthwiseConv2dOptions,
    output: &OutputSpec,
) -> Vec<i8> {
    let [batches, in_h, in_w, in_c] = dims4(input.shape);
    let [_, k_h, k_w, filter_c] = dims4(filter.shape);
    let [out_n, out_h, out_w, out_c] = dims4(output.shape);
    let mult = options.depth_multiplier;
    debug_assert_eq!(batches, out_n, "depthwise_conv2d: batch mismatch");
    debug_assert_eq!(
        out_c,
        in_c * mult,
        "depthwise_conv2d: channels != C * multiplier"
    );
    debug_assert_eq!(filter_c, out_c, "depthwise_conv2d: filter channels");
    let mut out = vec![0i8; output.len()];
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
                for ic in 0..in_c {
                    for m in 0..mult {
                        let oc = ic * mult + m;
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
                                let iv = input.data
                                    [((b * in_h + iy as usize) * in_w + ix as usize) * in_c + ic]
                                    as i32;
                                let fv = filter.data[(fy * k_w + fx) * filter_c + oc] as i32;
                                acc = acc.wrapping_add(fv.wrapping_mul(iv + input_offset));
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
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_multiplier_two() {
        // Input 1x1x2x2 (two pixels, two channels), zp -1; filter 1x1x2x4 (kw = 2, mult 2).
        // VALID 1x2 window -> output 1x1x1x4.
        let input = [1i8, 2, 3, 4]; // pixel0 (c0=1, c1=2), pixel1 (c0=3, c1=4)
        let filter = [
            1i8, 0, 0, 2, // kx = 0: oc0..oc3
            1, -1, 1, 0, // kx = 1
        ];
        let out = depthwise_conv2d(
            &QuantTensor::new(&input, &[1, 1, 2, 2], 1.0, -1),
            &Weights::new(&filter, &[1, 1, 2, 4], &[1.0]),
            Some(&[0, 0, 0, 1]),
            &DepthwiseConv2dOptions {
                depth_multiplier: 2,
                ..Default::default()
            },
            &OutputSpec::new(&[1, 1, 1, 4], 1.0, 0),
        );
        // Offsets: pixel0 (2, 3), pixel1 (4, 5).
        // oc0 (c0): 1*2 + 1*4 = 6; oc1 (c0): 0*2 - 1*4 = -4;
        // oc2 (c1): 0*3 + 1*5 = 5; oc3 (c1): 2*3 + 0*5 + 1 = 7.
        assert_eq!(out, vec![6, -4, 5, 7]);
    }

    #[test]
    fn same_padding_skips_outside_taps() {
        // 1x3x3x1 of value 2 (zp 0), 3x3 filter of ones, stride 1 SAME: corner sums 4 taps.
        let input = [2i8; 9];
        let filter = [1i8; 9];
        let out = depthwise_conv2d(
            &QuantTensor::new(&input, &[1, 3, 3, 1], 0.5, 0),
            &Weights::new(&filter, &[1, 3, 3, 1], &[0.5]),
            None,
            &DepthwiseConv2dOptions {
                padding: Padding::Same,
                ..Default::default()
            },
            &OutputSpec::new(&[1, 3, 3, 1], 0.25, 0),
        );
        assert_eq!(out, vec![8, 12, 8, 12, 18, 12, 8, 12, 8]);
    }
}
