/*
 * tmlc runtime: int8 AVERAGE_POOL_2D and MAX_POOL_2D (owns tmlc_avg_pool2d_s8 and
 * tmlc_max_pool2d_s8).
 *
 * Mirrors dialects/tinyml/src/semantics/pool.rs (TFLite's reference AveragePool / MaxPool): the
 * window of each output is clipped to the input; the average divides the raw sum by the number
 * of taps inside (rounding half away from zero), the maximum starts from -128. Input and output
 * share quantization, so there is no requantization, only the activation clamp.
 */
#include "tmlc/kernels.h"

#include "internal.h"

/* The clipped input range [*start, *end) of a window starting at origin with filter taps. */
static void window_range(int32_t origin, int32_t filter, int32_t size, int32_t *start,
                         int32_t *end)
{
    int32_t s = origin < 0 ? 0 : origin;
    int32_t e = origin + filter;
    if (e < 0) {
        e = 0;
    } else if (e > size) {
        e = size;
    }
    *start = s;
    *end = e;
}

void tmlc_avg_pool2d_s8(const int8_t *input, int32_t batches, int32_t in_h, int32_t in_w,
                        int32_t channels, int32_t filter_h, int32_t filter_w, int32_t stride_h,
                        int32_t stride_w, int32_t pad_top, int32_t pad_left, int8_t *output,
                        int32_t out_h, int32_t out_w, int32_t output_zero_point,
                        int32_t act_min, int32_t act_max)
{
    int32_t b, oy, ox, c;
    for (b = 0; b < batches; ++b) {
        const int8_t *in_batch = input + b * in_h * in_w * channels;
        for (oy = 0; oy < out_h; ++oy) {
            int32_t y_start, y_end;
            window_range(oy * stride_h - pad_top, filter_h, in_h, &y_start, &y_end);
            for (ox = 0; ox < out_w; ++ox) {
                int32_t x_start, x_end, count;
                window_range(ox * stride_w - pad_left, filter_w, in_w, &x_start, &x_end);
                count = (y_end > y_start && x_end > x_start)
                            ? (y_end - y_start) * (x_end - x_start)
                            : 0;
                for (c = 0; c < channels; ++c) {
                    int32_t v;
                    if (count == 0) {
                        v = output_zero_point;
                    } else {
                        int32_t acc = 0;
                        int32_t iy, ix;
                        for (iy = y_start; iy < y_end; ++iy) {
                            const int8_t *in_row = in_batch + iy * in_w * channels + c;
                            for (ix = x_start; ix < x_end; ++ix) {
                                acc += in_row[ix * channels];
                            }
                        }
                        /* Round half away from zero; C99 division truncates towards zero. */
                        v = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
                    }
                    *output++ = tmlc_i_clamp_s8(v, act_min, act_max);
                }
            }
        }
    }
}

void tmlc_max_pool2d_s8(const int8_t *input, int32_t batches, int32_t in_h, int32_t in_w,
                        int32_t channels, int32_t filter_h, int32_t filter_w, int32_t stride_h,
                        int32_t stride_w, int32_t pad_top, int32_t pad_left, int8_t *output,
                        int32_t out_h, int32_t out_w, int32_t act_min, int32_t act_max)
{
    int32_t b, oy, ox, c;
    for (b = 0; b < batches; ++b) {
        const int8_t *in_batch = input + b * in_h * in_w * channels;
        for (oy = 0; oy < out_h; ++oy) {
            int32_t y_start, y_end;
            window_range(oy * stride_h - pad_top, filter_h, in_h, &y_start, &y_end);
            for (ox = 0; ox < out_w; ++ox) {
                int32_t x_start, x_end;
                window_range(ox * stride_w - pad_left, filter_w, in_w, &x_start, &x_end);
                for (c = 0; c < channels; ++c) {
                    int32_t max = -128;
                    int32_t iy, ix;
                    for (iy = y_start; iy < y_end; ++iy) {
                        const int8_t *in_row = in_batch + iy * in_w * channels + c;
                        for (ix = x_start; ix < x_end; ++ix) {
                            if (in_row[ix * channels] > max) {
                                max = in_row[ix * channels];
                            }
                        }
                    }
                    *output++ = tmlc_i_clamp_s8(max, act_min, act_max);
                }
            }
        }
    }
}
