/*
 * tmlc runtime, Helium (MVE) kernels: DEPTHWISE_CONV_2D (owns tmlc_depthwise_conv2d_s8_mve;
 * contract in tmlc/kernels_mve.h).
 *
 * Lanes are output pixels of one channel: twelve pixels of an output row in three int32
 * vectors. For each tap, one gather load per vector reads the twelve input values of that tap
 * (lane offsets of stride_w * channels bytes; the int8 values widened to int32), and one VMLA
 * adds them times the tap's scalar weight. The input offset is folded into the bias once per
 * call (bias + offset * sum of the channel's taps), so a padded tap must read the zero point
 * -offset: a column outside the input is a predicated gather whose inactive lanes VPSEL
 * replaces by the zero point, a row outside the input adds zero point * the row's weights.
 * Chunks whose taps are all inside the input (the common case) take a loop without predicates.
 * Each vector is requantized with the channel's scalar multiplier (mve_internal.h) and stored
 * with a scatter of channels-byte lane offsets (predicated for the row's last chunk).
 */
#include <stddef.h>

#include "tmlc/kernels_mve.h"

#include "tmlc/kernels.h"
#include "mve_internal.h"

#ifdef TMLC_HAVE_MVE

/* One channel of one output row: columns [0, out_w) in chunks of 12. */
typedef struct {
    const int8_t *image; /* the batch's input, channel 0 */
    const int8_t *filter;
    int32_t in_h, in_w, channels, k_h, k_w;
    int32_t stride_w, dilation_h, dilation_w, pad_left;
    int32_t out_w;
    int32_t zero_point;
} dw_geometry;

static void dw_row_channel(const dw_geometry *g, int32_t c, int32_t iy0, int32_t folded_bias,
                           int32_t multiplier, int32_t left, int32_t neg_right,
                           int8_t *out_row, int32_t output_offset, int32_t lo, int32_t hi)
{
    const int32_t cs = g->channels;
    const int32_t step = g->stride_w * cs;
    const uint32x4_t lanes = vidupq_n_u32(0, 1);
    const uint32x4_t off0 = vmulq_n_u32(lanes, (uint32_t)step);
    const uint32x4_t off1 = vaddq_n_u32(off0, (uint32_t)(4 * step));
    const uint32x4_t off2 = vaddq_n_u32(off0, (uint32_t)(8 * step));
    const uint32x4_t store_offsets = vmulq_n_u32(lanes, (uint32_t)cs);
    const int32x4_t zero_points = vdupq_n_s32(g->zero_point);
    int32_t ox0;
    for (ox0 = 0; ox0 < g->out_w; ox0 += 12) {
        const int32_t n = g->out_w - ox0 < 12 ? g->out_w - ox0 : 12;
        const int32_t first_col = ox0 * g->stride_w - g->pad_left;
        const int32_t last_col = (ox0 + n - 1) * g->stride_w - g->pad_left +
                                 (g->k_w - 1) * g->dilation_w;
        const int inside_cols = n == 12 && first_col >= 0 && last_col < g->in_w;
        int32x4_t acc0 = vdupq_n_s32(folded_bias);
        int32x4_t acc1 = acc0;
        int32x4_t acc2 = acc0;
        const mve_pred16_t p0 = vctp32q((uint32_t)n);
        const mve_pred16_t p1 = vctp32q((uint32_t)(n > 4 ? n - 4 : 0));
        const mve_pred16_t p2 = vctp32q((uint32_t)(n > 8 ? n - 8 : 0));
        int32_t ky;
        for (ky = 0; ky < g->k_h; ++ky) {
            const int32_t iy = iy0 + ky * g->dilation_h;
            const int8_t *w = g->filter + ky * g->k_w * cs + c;
            int32_t kx;
            if (iy < 0 || iy >= g->in_h) {
                int32_t sum = 0;
                for (kx = 0; kx < g->k_w; ++kx) {
                    sum += w[kx * cs];
                }
                acc0 = vaddq_n_s32(acc0, g->zero_point * sum);
                acc1 = vaddq_n_s32(acc1, g->zero_point * sum);
                acc2 = vaddq_n_s32(acc2, g->zero_point * sum);
                continue;
            }
            if (inside_cols) {
                const int8_t *x = g->image + (iy * g->in_w + first_col) * cs + c;
                const int32_t tap_step = g->dilation_w * cs;
                for (kx = 0; kx < g->k_w; ++kx) {
                    const int32_t wk = *w;
                    acc0 = vmlaq_n_s32(acc0, vldrbq_gather_offset_s32(x, off0), wk);
                    acc1 = vmlaq_n_s32(acc1, vldrbq_gather_offset_s32(x, off1), wk);
                    acc2 = vmlaq_n_s32(acc2, vldrbq_gather_offset_s32(x, off2), wk);
                    x += tap_step;
                    w += cs;
                }
            } else {
                const int8_t *row = g->image + iy * g->in_w * cs + c;
                const int32x4_t cols0 =
                    vreinterpretq_s32_u32(vmulq_n_u32(lanes, (uint32_t)g->stride_w));
                for (kx = 0; kx < g->k_w; ++kx) {
                    const int32_t col = first_col + kx * g->dilation_w;
                    const int32_t wk = w[kx * cs];
                    int32x4_t ix = vaddq_n_s32(cols0, col);
                    int j;
                    for (j = 0; j < 3; ++j) {
                        const mve_pred16_t tail = j == 0 ? p0 : (j == 1 ? p1 : p2);
                        const mve_pred16_t p = (mve_pred16_t)(vcmpgeq_n_s32(ix, 0) &
                                                              vcmpltq_n_s32(ix, g->in_w) & tail);
                        const uint32x4_t offsets =
                            vreinterpretq_u32_s32(vmulq_n_s32(ix, cs));
                        int32x4_t v = vldrbq_gather_offset_z_s32(row, offsets, p);
                        v = vpselq_s32(v, zero_points, p);
                        if (j == 0) {
                            acc0 = vmlaq_n_s32(acc0, v, wk);
                        } else if (j == 1) {
                            acc1 = vmlaq_n_s32(acc1, v, wk);
                        } else {
                            acc2 = vmlaq_n_s32(acc2, v, wk);
                        }
                        ix = vaddq_n_s32(ix, 4 * g->stride_w);
                    }
                }
            }
        }
        {
            int8_t *out = out_row + ox0 * cs + c;
            acc0 = tmlc_mve_requant_n(acc0, multiplier, left, neg_right, output_offset, lo, hi);
            acc1 = tmlc_mve_requant_n(acc1, multiplier, left, neg_right, output_offset, lo, hi);
            acc2 = tmlc_mve_requant_n(acc2, multiplier, left, neg_right, output_offset, lo, hi);
            if (n == 12) {
                vstrbq_scatter_offset_s32(out, store_offsets, acc0);
                vstrbq_scatter_offset_s32(out + 4 * cs, store_offsets, acc1);
                vstrbq_scatter_offset_s32(out + 8 * cs, store_offsets, acc2);
            } else {
                vstrbq_scatter_offset_p_s32(out, store_offsets, acc0, p0);
                if (n > 4) {
                    vstrbq_scatter_offset_p_s32(out + 4 * cs, store_offsets, acc1, p1);
                }
                if (n > 8) {
                    vstrbq_scatter_offset_p_s32(out + 8 * cs, store_offsets, acc2, p2);
                }
            }
        }
    }
}

#endif /* TMLC_HAVE_MVE */

void tmlc_depthwise_conv2d_s8_mve(const int8_t *input, int32_t batches, int32_t in_h,
                                  int32_t in_w, int32_t in_c, int32_t input_offset,
                                  const int8_t *filter, int32_t depth_multiplier, int32_t k_h,
                                  int32_t k_w, const int32_t *bias, const int32_t *multipliers,
                                  const int32_t *shifts, int32_t stride_h, int32_t stride_w,
                                  int32_t dilation_h, int32_t dilation_w, int32_t pad_top,
                                  int32_t pad_left, int8_t *output, int32_t out_h,
                                  int32_t out_w, int32_t output_offset, int32_t act_min,
                                  int32_t act_max, void *scratch)
{
#ifdef TMLC_HAVE_MVE
    if (depth_multiplier == 1 && tmlc_mve_foldable_offset(input_offset)) {
        int32_t *folded_bias = (int32_t *)scratch;
        int32_t lo, hi, c, b, oy, tap;
        dw_geometry g;
        for (c = 0; c < in_c; ++c) {
            folded_bias[c] = bias != NULL ? bias[c] : 0;
        }
        for (tap = 0; tap < k_h * k_w; ++tap) {
            const int8_t *w = filter + tap * in_c;
            for (c = 0; c < in_c; ++c) {
                folded_bias[c] = tmlc_i_s32((uint32_t)folded_bias[c] +
                                            (uint32_t)input_offset * (uint32_t)(int32_t)w[c]);
            }
        }
        tmlc_mve_act_range(act_min, act_max, &lo, &hi);
        g.filter = filter;
        g.in_h = in_h;
        g.in_w = in_w;
        g.channels = in_c;
        g.k_h = k_h;
        g.k_w = k_w;
        g.stride_w = stride_w;
        g.dilation_h = dilation_h;
        g.dilation_w = dilation_w;
        g.pad_left = pad_left;
        g.out_w = out_w;
        g.zero_point = -input_offset;
        for (b = 0; b < batches; ++b) {
            g.image = input + b * in_h * in_w * in_c;
            for (oy = 0; oy < out_h; ++oy) {
                int8_t *out_row = output + ((b * out_h + oy) * out_w) * in_c;
                for (c = 0; c < in_c; ++c) {
                    dw_row_channel(&g, c, oy * stride_h - pad_top, folded_bias[c],
                                   multipliers[c], tmlc_mve_left(shifts[c]),
                                   tmlc_mve_neg_right(shifts[c]), out_row, output_offset, lo,
                                   hi);
                }
            }
        }
        return;
    }
#endif
    (void)scratch;
    tmlc_depthwise_conv2d_s8(input, batches, in_h, in_w, in_c, input_offset, filter,
                             depth_multiplier, k_h, k_w, bias, multipliers, shifts, stride_h,
                             stride_w, dilation_h, dilation_w, pad_top, pad_left, output, out_h,
                             out_w, output_offset, act_min, act_max);
}
