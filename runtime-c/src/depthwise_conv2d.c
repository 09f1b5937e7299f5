/*
 * tmlc runtime: int8 DEPTHWISE_CONV_2D (owns tmlc_depthwise_conv2d_s8).
 *
 * Mirrors dialects/tinyml/src/semantics/depthwise_conv2d.rs (TFLite's reference
 * DepthwiseConvPerChannel): output channel oc = ic * depth_multiplier + m accumulates, modulo
 * 2^32, filter[fy][fx][oc] * (input[..][ic] + input_offset) over the taps inside the input, adds
 * the raw bias and requantizes per channel.
 */
#include "tmlc/kernels.h"

#include "internal.h"

void tmlc_depthwise_conv2d_s8(const int8_t *input, int32_t batches, int32_t in_h, int32_t in_w,
                              int32_t in_c, int32_t input_offset, const int8_t *filter,
                              int32_t depth_multiplier, int32_t k_h, int32_t k_w,
                              const int32_t *bias, const int32_t *multipliers,
                              const int32_t *shifts, int32_t stride_h, int32_t stride_w,
                              int32_t dilation_h, int32_t dilation_w, int32_t pad_top,
                              int32_t pad_left, int8_t *output, int32_t out_h, int32_t out_w,
                              int32_t output_offset, int32_t act_min, int32_t act_max)
{
    const uint32_t offset = (uint32_t)input_offset;
    const int32_t out_c = in_c * depth_multiplier;
    int32_t b, oy, ox, ic, m;
    for (b = 0; b < batches; ++b) {
        const int8_t *in_batch = input + (int32_t)b * in_h * in_w * in_c;
        for (oy = 0; oy < out_h; ++oy) {
            const int32_t in_y0 = oy * stride_h - pad_top;
            int32_t fy_first, fy_last;
            tmlc_i_tap_range(in_y0, dilation_h, k_h, in_h, &fy_first, &fy_last);
            for (ox = 0; ox < out_w; ++ox) {
                const int32_t in_x0 = ox * stride_w - pad_left;
                int32_t fx_first, fx_last;
                tmlc_i_tap_range(in_x0, dilation_w, k_w, in_w, &fx_first, &fx_last);
                for (ic = 0; ic < in_c; ++ic) {
                    for (m = 0; m < depth_multiplier; ++m) {
                        const int32_t oc = ic * depth_multiplier + m;
                        uint32_t acc = tmlc_i_depthwise_taps(
                            in_batch + ic, filter + oc, in_w, in_c, out_c, k_w, in_y0, in_x0,
                            dilation_h, dilation_w, fy_first, fy_last, fx_first, fx_last, offset);
                        if (bias != 0) {
                            acc += (uint32_t)bias[oc];
                        }
                        *output++ = tmlc_i_requant_s8(acc, multipliers[oc], shifts[oc],
                                                      output_offset, act_min, act_max);
                    }
                }
            }
        }
    }
}
