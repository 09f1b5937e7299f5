/*
 * tmlc runtime: int8 CONV_2D (owns tmlc_conv2d_s8 and tmlc_conv2d_grouped_s8).
 *
 * Mirrors dialects/tinyml/src/semantics/conv2d.rs (TFLite's reference ConvPerChannel): int32
 * accumulation modulo 2^32 of filter * (input + input_offset) over the taps inside the input,
 * raw int32 bias, per-channel double-rounding requantization, clamp. Instead of testing every
 * tap against the input bounds, the in-bounds tap range of each window is computed once.
 */
#include "tmlc/kernels.h"

#include "internal.h"

void tmlc_conv2d_grouped_s8(const int8_t *input, int32_t batches, int32_t in_h, int32_t in_w,
                            int32_t in_c, int32_t input_offset, const int8_t *filter,
                            int32_t out_c, int32_t k_h, int32_t k_w, int32_t filter_in_c,
                            const int32_t *bias, const int32_t *multipliers,
                            const int32_t *shifts, int32_t stride_h, int32_t stride_w,
                            int32_t dilation_h, int32_t dilation_w, int32_t pad_top,
                            int32_t pad_left, int8_t *output, int32_t out_h, int32_t out_w,
                            int32_t output_offset, int32_t act_min, int32_t act_max)
{
    const uint32_t offset = (uint32_t)input_offset;
    const int32_t filter_size = k_h * k_w * filter_in_c; /* one output channel's filter */
    int32_t groups;
    int32_t filters_per_group;
    int32_t b, oy, ox, oc;
    if (filter_in_c <= 0 || out_c <= 0) {
        /* Degenerate filter: the reference leaves its zero-initialized output. */
        const int32_t total = batches * out_h * out_w * out_c;
        int32_t i;
        for (i = 0; i < total; ++i) {
            output[i] = 0;
        }
        return;
    }
    groups = in_c / filter_in_c;
    if (groups < 1) {
        groups = 1;
    }
    filters_per_group = out_c / groups;
    if (filters_per_group < 1) {
        filters_per_group = 1;
    }
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
                for (oc = 0; oc < out_c; ++oc) {
                    const int8_t *in_group = in_batch + (oc / filters_per_group) * filter_in_c;
                    const int8_t *f_oc = filter + oc * filter_size;
                    uint32_t acc = 0;
                    int32_t fy, fx, ic;
                    for (fy = fy_first; fy < fy_last; ++fy) {
                        const int32_t iy = in_y0 + fy * dilation_h;
                        for (fx = fx_first; fx < fx_last; ++fx) {
                            const int32_t ix = in_x0 + fx * dilation_w;
                            const int8_t *in_p = in_group + (iy * in_w + ix) * in_c;
                            const int8_t *f_p = f_oc + (fy * k_w + fx) * filter_in_c;
                            for (ic = 0; ic < filter_in_c; ++ic) {
                                acc += (uint32_t)f_p[ic] * ((uint32_t)in_p[ic] + offset);
                            }
                        }
                    }
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

void tmlc_conv2d_s8(const int8_t *input, int32_t batches, int32_t in_h, int32_t in_w,
                    int32_t in_c, int32_t input_offset, const int8_t *filter, int32_t out_c,
                    int32_t k_h, int32_t k_w, const int32_t *bias, const int32_t *multipliers,
                    const int32_t *shifts, int32_t stride_h, int32_t stride_w, int32_t dilation_h,
                    int32_t dilation_w, int32_t pad_top, int32_t pad_left, int8_t *output,
                    int32_t out_h, int32_t out_w, int32_t output_offset, int32_t act_min,
                    int32_t act_max)
{
    tmlc_conv2d_grouped_s8(input, batches, in_h, in_w, in_c, input_offset, filter, out_c, k_h,
                           k_w, in_c, bias, multipliers, shifts, stride_h, stride_w, dilation_h,
                           dilation_w, pad_top, pad_left, output, out_h, out_w, output_offset,
                           act_min, act_max);
}
