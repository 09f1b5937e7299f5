/*
 * tmlc runtime, Helium (MVE) kernels: DEPTHWISE_CONV_2D (owns tmlc_depthwise_conv2d_s8_mve;
 * contract in tmlc/kernels_mve.h).
 *
 * The input rows are copied once each into a ring of padded rows in the scratch (the zero point
 * -input_offset left and right of the input and for rows outside it; wide enough for whole
 * chunks), so that the inner loops never test a border. An output row is written only after
 * every input row its window reads is in the ring, and a later row only copies input rows below
 * those, so the kernel also runs in place (see tmlc/kernels_mve.h for the conditions).
 * Lanes are output pixels of one output channel (input channel c / depth_multiplier): a chunk
 * of 4, 8 or 12 pixels (1-3 int32 vectors, by the row's width).
 * For each tap, one gather load per vector reads the chunk's input values of that tap (lane
 * offsets of stride_w * channels bytes, int8 widened to int32) and one VMLA adds them times the
 * tap's scalar weight. The input offset is folded into the bias once per call (bias + offset *
 * sum of the channel's taps), exact because the padding holds the zero point. Each vector is
 * requantized with the channel's scalar multiplier (mve_internal.h) and stored with a scatter of
 * channels-byte lane offsets (predicated in the row's last chunk).
 */
#include <stddef.h>

#include "tmlc/kernels_mve.h"

#include "tmlc/kernels.h"
#include "mve_internal.h"

#ifdef TMLC_HAVE_MVE

#if defined(__GNUC__)
#define TMLC_MVE_ALWAYS_INLINE static inline __attribute__((always_inline))
#else
#define TMLC_MVE_ALWAYS_INLINE static inline
#endif

typedef struct {
    const int8_t *rows[TMLC_DW_MVE_MAX_ROWS]; /* the padded row of each filter row ky */
    const int8_t *filter;
    int32_t in_c, multiplier, k_h, k_w, stride_w, dilation_w;
    int32_t out_w;
} dw_row;

/* One output row of every channel with chunks of 4 * nv pixels (nv = 1, 2 or 3). */
TMLC_MVE_ALWAYS_INLINE void dw_row_chunks(const dw_row *g, const int nv,
                                          const int32_t *folded_bias,
                                          const int32_t *multipliers, const int32_t *shifts,
                                          int8_t *out_row, int32_t output_offset, int32_t lo,
                                          int32_t hi)
{
    const int32_t cs = g->in_c * g->multiplier; /* output channels */
    const int32_t step = g->stride_w * g->in_c;
    const int32_t chunk = 4 * nv;
    const uint32x4_t lanes = vidupq_n_u32(0, 1);
    const uint32x4_t off0 = vmulq_n_u32(lanes, (uint32_t)step);
    const uint32x4_t off1 = vaddq_n_u32(off0, (uint32_t)(4 * step));
    const uint32x4_t off2 = vaddq_n_u32(off0, (uint32_t)(8 * step));
    const uint32x4_t store_offsets = vmulq_n_u32(lanes, (uint32_t)cs);
    const int32_t tap_step = g->dilation_w * g->in_c;
    int32_t ox0, c;
    for (c = 0; c < cs; ++c) {
        const int32_t m = multipliers[c];
        const int32_t left = tmlc_mve_left(shifts[c]);
        const int32_t neg_right = tmlc_mve_neg_right(shifts[c]);
        const int32_t in_channel = c / g->multiplier;
        for (ox0 = 0; ox0 < g->out_w; ox0 += chunk) {
            const int32_t n = g->out_w - ox0 < chunk ? g->out_w - ox0 : chunk;
            const int32_t chunk_offset = ox0 * step + in_channel;
            const int8_t *w = g->filter + c;
            int32x4_t acc0 = vdupq_n_s32(folded_bias[c]);
            int32x4_t acc1 = acc0;
            int32x4_t acc2 = acc0;
            int8_t *out = out_row + ox0 * cs + c;
            int32_t ky, kx;
            for (ky = 0; ky < g->k_h; ++ky) {
                const int8_t *x = g->rows[ky] + chunk_offset;
                for (kx = 0; kx < g->k_w; ++kx) {
                    const int32_t wk = *w;
                    acc0 = vmlaq_n_s32(acc0, vldrbq_gather_offset_s32(x, off0), wk);
                    if (nv > 1) {
                        acc1 = vmlaq_n_s32(acc1, vldrbq_gather_offset_s32(x, off1), wk);
                    }
                    if (nv > 2) {
                        acc2 = vmlaq_n_s32(acc2, vldrbq_gather_offset_s32(x, off2), wk);
                    }
                    x += tap_step;
                    w += cs;
                }
            }
            acc0 = tmlc_mve_requant_n(acc0, m, left, neg_right, output_offset, lo, hi);
            if (nv > 1) {
                acc1 = tmlc_mve_requant_n(acc1, m, left, neg_right, output_offset, lo, hi);
            }
            if (nv > 2) {
                acc2 = tmlc_mve_requant_n(acc2, m, left, neg_right, output_offset, lo, hi);
            }
            if (n == chunk) {
                vstrbq_scatter_offset_s32(out, store_offsets, acc0);
                if (nv > 1) {
                    vstrbq_scatter_offset_s32(out + 4 * cs, store_offsets, acc1);
                }
                if (nv > 2) {
                    vstrbq_scatter_offset_s32(out + 8 * cs, store_offsets, acc2);
                }
            } else {
                vstrbq_scatter_offset_p_s32(out, store_offsets, acc0, vctp32q((uint32_t)n));
                if (nv > 1 && n > 4) {
                    vstrbq_scatter_offset_p_s32(out + 4 * cs, store_offsets, acc1,
                                                vctp32q((uint32_t)(n - 4)));
                }
                if (nv > 2 && n > 8) {
                    vstrbq_scatter_offset_p_s32(out + 8 * cs, store_offsets, acc2,
                                                vctp32q((uint32_t)(n - 8)));
                }
            }
        }
    }
}

/* n bytes of the zero point at dst. */
static void fill_zero_point(int8_t *dst, int32_t n, int8x16_t zero_points)
{
    int32_t i;
    for (i = 0; i < n; i += 16) {
        vstrbq_p_s8(dst + i, zero_points, vctp8q((uint32_t)(n - i)));
    }
}

/* n bytes from src to dst. */
static void copy_bytes(int8_t *dst, const int8_t *src, int32_t n)
{
    int32_t i;
    for (i = 0; i + 16 <= n; i += 16) {
        vstrbq_s8(dst + i, vldrbq_s8(src + i));
    }
    if (i < n) {
        const mve_pred16_t p = vctp8q((uint32_t)(n - i));
        vstrbq_p_s8(dst + i, vldrbq_z_s8(src + i, p), p);
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
    const int32_t ring_rows = (k_h - 1) * dilation_h + 1;
    if (depth_multiplier >= 1 && tmlc_mve_foldable_offset(input_offset) &&
        k_h <= TMLC_DW_MVE_MAX_ROWS &&
        (input != output || (depth_multiplier == 1 && batches == 1 && out_w <= in_w &&
                             out_h <= in_h && pad_top <= (k_h - 1) * dilation_h))) {
        const int32_t cs = in_c * depth_multiplier;
        const int32_t width = TMLC_DW_MVE_WIDTH(out_w, stride_w, k_w, dilation_w);
        const int32_t row_bytes = width * in_c;
        const int8x16_t zero_points = vdupq_n_s8((int8_t)-input_offset);
        int32_t *folded_bias = (int32_t *)scratch;
        int8_t *ring = (int8_t *)scratch + 4 * cs;
        const int nv = out_w <= 4 ? 1 : (out_w <= 8 ? 2 : 3);
        int32_t lo, hi, c, b, oy, tap;
        dw_row g;
        for (c = 0; c < cs; ++c) {
            folded_bias[c] = bias != NULL ? bias[c] : 0;
        }
        for (tap = 0; tap < k_h * k_w; ++tap) {
            const int8_t *w = filter + tap * cs;
            for (c = 0; c < cs; ++c) {
                folded_bias[c] = tmlc_i_s32((uint32_t)folded_bias[c] +
                                            (uint32_t)input_offset * (uint32_t)(int32_t)w[c]);
            }
        }
        tmlc_mve_act_range(act_min, act_max, &lo, &hi);
        g.filter = filter;
        g.in_c = in_c;
        g.multiplier = depth_multiplier;
        g.k_h = k_h;
        g.k_w = k_w;
        g.stride_w = stride_w;
        g.dilation_w = dilation_w;
        g.out_w = out_w;
        for (b = 0; b < batches; ++b) {
            const int8_t *image = input + b * in_h * in_w * in_c;
            /* Rows below `next` are in the ring (slot: row modulo ring_rows). */
            int32_t next = -pad_top;
            for (oy = 0; oy < out_h; ++oy) {
                int8_t *out_row = output + ((b * out_h + oy) * out_w) * cs;
                const int32_t first = oy * stride_h - pad_top;
                const int32_t last = first + (k_h - 1) * dilation_h;
                int32_t iy, ky;
                for (iy = next > first ? next : first; iy <= last; ++iy) {
                    int8_t *dst = ring + ((iy % ring_rows + ring_rows) % ring_rows) * row_bytes;
                    if (iy < 0 || iy >= in_h) {
                        fill_zero_point(dst, row_bytes, zero_points);
                    } else {
                        /* Columns [0, pad_left) and [pad_left + in_w, width) are padding. */
                        const int32_t lead = pad_left < width ? pad_left : width;
                        const int32_t count = in_w < width - lead ? in_w : width - lead;
                        fill_zero_point(dst, lead * in_c, zero_points);
                        copy_bytes(dst + lead * in_c, image + iy * in_w * in_c, count * in_c);
                        fill_zero_point(dst + (lead + count) * in_c,
                                        (width - lead - count) * in_c, zero_points);
                    }
                }
                next = last + 1;
                for (ky = 0; ky < k_h; ++ky) {
                    const int32_t row = first + ky * dilation_h;
                    g.rows[ky] = ring + ((row % ring_rows + ring_rows) % ring_rows) * row_bytes;
                }
                if (nv == 1) {
                    dw_row_chunks(&g, 1, folded_bias, multipliers, shifts, out_row,
                                  output_offset, lo, hi);
                } else if (nv == 2) {
                    dw_row_chunks(&g, 2, folded_bias, multipliers, shifts, out_row,
                                  output_offset, lo, hi);
                } else {
                    dw_row_chunks(&g, 3, folded_bias, multipliers, shifts, out_row,
                                  output_offset, lo, hi);
                }
            }
        }
        return;
    }
    if (input == output) {
        tmlc_depthwise_conv2d_inplace_s8(output, in_h, in_w, in_c, input_offset, filter, k_h, k_w,
                                         bias, multipliers, shifts, stride_h, stride_w,
                                         dilation_h, dilation_w, pad_top, pad_left, out_h, out_w,
                                         output_offset, act_min, act_max, scratch);
        return;
    }
#else
    if (input == output) {
        tmlc_depthwise_conv2d_inplace_s8(output, in_h, in_w, in_c, input_offset, filter, k_h, k_w,
                                         bias, multipliers, shifts, stride_h, stride_w,
                                         dilation_h, dilation_w, pad_top, pad_left, out_h, out_w,
                                         output_offset, act_min, act_max, scratch);
        return;
    }
#endif
    tmlc_depthwise_conv2d_s8(input, batches, in_h, in_w, in_c, input_offset, filter,
                             depth_multiplier, k_h, k_w, bias, multipliers, shifts, stride_h,
                             stride_w, dilation_h, dilation_w, pad_top, pad_left, output, out_h,
                             out_w, output_offset, act_min, act_max);
}
