/*
 * tmlc runtime: int8 DEPTHWISE_CONV_2D computed in place (owns
 * tmlc_depthwise_conv2d_inplace_s8).
 *
 * The output overwrites the input in the same buffer, with one channel plane of scratch, as
 * TinyEngine does. Channel c of the output depends only on channel c of the input (depth
 * multiplier 1), and in NHWC every byte of channel c sits at a position congruent to c modulo the
 * channel count, for the input and for the (smaller or equal) output alike. So: compute output
 * plane c from input channel c into scratch, then scatter it to the output positions of channel
 * c; that only overwrites input channel c, which is no longer needed. Same arithmetic as
 * tmlc_depthwise_conv2d_s8, so results are identical.
 */
#include "tmlc/kernels.h"

#include "internal.h"

void tmlc_depthwise_conv2d_inplace_s8(int8_t *buffer, int32_t in_h, int32_t in_w,
                                      int32_t channels, int32_t input_offset,
                                      const int8_t *filter, int32_t k_h, int32_t k_w,
                                      const int32_t *bias, const int32_t *multipliers,
                                      const int32_t *shifts, int32_t stride_h, int32_t stride_w,
                                      int32_t dilation_h, int32_t dilation_w, int32_t pad_top,
                                      int32_t pad_left, int32_t out_h, int32_t out_w,
                                      int32_t output_offset, int32_t act_min, int32_t act_max,
                                      int8_t *scratch)
{
    const uint32_t offset = (uint32_t)input_offset;
    int32_t c, oy, ox;
    for (c = 0; c < channels; ++c) {
        int8_t *plane = scratch;
        for (oy = 0; oy < out_h; ++oy) {
            const int32_t in_y0 = oy * stride_h - pad_top;
            int32_t fy_first, fy_last;
            tmlc_i_tap_range(in_y0, dilation_h, k_h, in_h, &fy_first, &fy_last);
            for (ox = 0; ox < out_w; ++ox) {
                const int32_t in_x0 = ox * stride_w - pad_left;
                int32_t fx_first, fx_last;
                uint32_t acc;
                tmlc_i_tap_range(in_x0, dilation_w, k_w, in_w, &fx_first, &fx_last);
                acc = tmlc_i_depthwise_taps(buffer + c, filter + c, in_w, channels, channels, k_w,
                                            in_y0, in_x0, dilation_h, dilation_w, fy_first,
                                            fy_last, fx_first, fx_last, offset);
                if (bias != 0) {
                    acc += (uint32_t)bias[c];
                }
                *plane++ = tmlc_i_requant_s8(acc, multipliers[c], shifts[c], output_offset,
                                             act_min, act_max);
            }
        }
        for (oy = 0; oy < out_h * out_w; ++oy) {
            buffer[oy * channels + c] = scratch[oy];
        }
    }
}
