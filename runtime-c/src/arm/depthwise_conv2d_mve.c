/*
 * tmlc runtime, Helium (MVE) kernels: DEPTHWISE_CONV_2D (owns tmlc_depthwise_conv2d_s8_mve;
 * contract in tmlc/kernels_mve.h).
 *
 * The input image is first copied into the scratch with its padding (the zero point
 * -input_offset around it), so that the inner loops never test a border and the output may
 * then overwrite the input (in place, or overlapping it by any margin). The output pixels are
 * taken in raster order in chunks of twelve, three int32 vectors whose lanes are pixels of one
 * output channel (input channel c / depth_multiplier), possibly of several rows: a table in
 * the scratch holds each output pixel's offset in the padded image. For each tap, one gather
 * load per vector reads the chunk's input values of that tap (int8 widened to int32) and one
 * VMLA adds them times the tap's scalar weight. The input offset is folded into the bias once
 * per call (bias + offset * sum of the channel's taps), exact because the padding holds the
 * zero point. Each vector is requantized with the channel's scalar multiplier (mve_internal.h)
 * and stored with a scatter of channels-byte lane offsets (predicated in the last chunk). The
 * whole chunks of a channel run in one assembly loop (chunks_asm), the last partial one in C.
 */
#include <stddef.h>
#include <stdint.h>

#include "tmlc/kernels_mve.h"

#include "tmlc/kernels.h"
#include "mve_internal.h"

#ifdef TMLC_HAVE_MVE

/* Filters of up to this many taps keep each tap's input pointer and weight in a table. */
#define TMLC_DW_MVE_MAX_TAPS 49

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

/* What chunks_asm reads (offsets fixed: its assembly addresses the fields). */
typedef struct {
    int32_t folded_bias;             /* 0 */
    const int32_t *taps;             /* 4: per tap its input pointer and its weight */
    int32_t tap_count;               /* 8 */
    int32_t multiplier;              /* 12 */
    int32_t left;                    /* 16 */
    int32_t neg_right;               /* 20 */
    int32_t output_offset;           /* 24 */
    int32_t vector_step;             /* 28: output bytes of four pixels (4 * channels) */
    int32x4_t neg_rights, los, his; /* 32, 48, 64 */
    uint32x4_t store_offsets;       /* 80: 0, cs, 2cs, 3cs */
} dw_job;

/*
 * `chunks` > 0 whole chunks of twelve output pixels of one channel: what the C chunk loop of
 * the kernel computes (the same gathers, VMLAs and requantization instructions), in one
 * assembly loop whose per-chunk state stays in registers. offsets: the chunks' twelve window
 * origins each; out: the first chunk's first output byte.
 */
static void chunks_asm(const dw_job *job, const uint32_t *offsets, int8_t *out, int32_t chunks)
{
    const int32_t *tbl;
    const int8_t *p;
    int32_t w, tmp;
    __asm__ volatile("vldrw.u32 q7, [%[job], #80]\n"
                     "2:\n\t"
                     "vldrw.u32 q4, [%[off]], #16\n\t"
                     "vldrw.u32 q5, [%[off]], #16\n\t"
                     "vldrw.u32 q6, [%[off]], #16\n\t"
                     "ldr %[tmp], [%[job], #0]\n\t"
                     "vdup.32 q1, %[tmp]\n\t"
                     "vmov q2, q1\n\t"
                     "vmov q3, q1\n\t"
                     "ldr %[tbl], [%[job], #4]\n\t"
                     "ldr %[tmp], [%[job], #8]\n\t"
                     "dls lr, %[tmp]\n"
                     "1:\n\t"
                     "ldrd %[p], %[w], [%[tbl]], #8\n\t"
                     "vldrb.s32 q0, [%[p], q4]\n\t"
                     "vmla.s32 q1, q0, %[w]\n\t"
                     "vldrb.s32 q0, [%[p], q5]\n\t"
                     "vmla.s32 q2, q0, %[w]\n\t"
                     "vldrb.s32 q0, [%[p], q6]\n\t"
                     "vmla.s32 q3, q0, %[w]\n\t"
                     "le lr, 1b\n\t"
                     "ldr %[p], [%[job], #12]\n\t"
                     "ldr %[w], [%[job], #16]\n\t"
                     "ldr %[tbl], [%[job], #20]\n\t"
                     "ldr %[tmp], [%[job], #24]\n\t"
                     "vldrw.u32 q4, [%[job], #32]\n\t"
                     "vldrw.u32 q5, [%[job], #48]\n\t"
                     "vldrw.u32 q6, [%[job], #64]\n\t"
                     "vshl.s32 q1, %[w]\n\t"
                     "vshl.s32 q2, %[w]\n\t"
                     "vshl.s32 q3, %[w]\n\t"
                     "vqrdmulh.s32 q1, q1, %[p]\n\t"
                     "vqrdmulh.s32 q2, q2, %[p]\n\t"
                     "vqrdmulh.s32 q3, q3, %[p]\n\t"
                     "vand q0, q1, q4\n\t"
                     "vshr.s32 q0, q0, #31\n\t"
                     "vqadd.s32 q1, q1, q0\n\t"
                     "vand q0, q2, q4\n\t"
                     "vshr.s32 q0, q0, #31\n\t"
                     "vqadd.s32 q2, q2, q0\n\t"
                     "vand q0, q3, q4\n\t"
                     "vshr.s32 q0, q0, #31\n\t"
                     "vqadd.s32 q3, q3, q0\n\t"
                     "vrshl.s32 q1, %[tbl]\n\t"
                     "vrshl.s32 q2, %[tbl]\n\t"
                     "vrshl.s32 q3, %[tbl]\n\t"
                     "vadd.i32 q1, q1, %[tmp]\n\t"
                     "vadd.i32 q2, q2, %[tmp]\n\t"
                     "vadd.i32 q3, q3, %[tmp]\n\t"
                     "vmax.s32 q1, q1, q5\n\t"
                     "vmax.s32 q2, q2, q5\n\t"
                     "vmax.s32 q3, q3, q5\n\t"
                     "vmin.s32 q1, q1, q6\n\t"
                     "vmin.s32 q2, q2, q6\n\t"
                     "vmin.s32 q3, q3, q6\n\t"
                     "ldr %[tmp], [%[job], #28]\n\t"
                     "vstrb.32 q1, [%[out], q7]\n\t"
                     "add %[tbl], %[out], %[tmp]\n\t"
                     "vstrb.32 q2, [%[tbl], q7]\n\t"
                     "add %[tbl], %[tbl], %[tmp]\n\t"
                     "vstrb.32 q3, [%[tbl], q7]\n\t"
                     "add %[out], %[tbl], %[tmp]\n\t"
                     "subs %[chunks], %[chunks], #1\n\t"
                     "bne 2b"
                     : [off] "+r"(offsets), [out] "+r"(out), [chunks] "+r"(chunks),
                       [tbl] "=&r"(tbl), [p] "=&r"(p), [w] "=&r"(w), [tmp] "=&r"(tmp)
                     : [job] "r"(job)
                     : "q0", "q1", "q2", "q3", "q4", "q5", "q6", "q7", "lr", "cc", "memory");
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
    if (depth_multiplier >= 1 && tmlc_mve_foldable_offset(input_offset) &&
        k_h * k_w <= TMLC_DW_MVE_MAX_TAPS) {
        const int32_t cs = in_c * depth_multiplier;
        const int32_t pixels = out_h * out_w;
        const int32_t chunks = (pixels + 11) / 12;
        const int32_t width = TMLC_DW_MVE_PADDED_W(out_w, stride_w, k_w, dilation_w);
        const int32_t height = TMLC_DW_MVE_PADDED_H(out_h, stride_h, k_h, dilation_h);
        const int32_t row_bytes = width * in_c;
        const int8x16_t zero_points = vdupq_n_s8((int8_t)-input_offset);
        const uint32x4_t store_offsets = vmulq_n_u32(vidupq_n_u32(0, 1), (uint32_t)cs);
        const int32_t tap_step = dilation_w * in_c;
        const int32_t row_step = dilation_h * row_bytes;
        int32_t *folded_bias = (int32_t *)scratch;
        uint32_t *offsets = (uint32_t *)(folded_bias + cs);
        int8_t *image = (int8_t *)(offsets + 12 * chunks);
        int32_t lo, hi, c, b, i, tap;
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
        /* Each output pixel's window origin in the padded image; 0 for the last chunk's
         * unused lanes. */
        for (i = 0; i < 12 * chunks; ++i) {
            offsets[i] = i < pixels ? (uint32_t)(((i / out_w) * stride_h * width +
                                                  (i % out_w) * stride_w) *
                                                 in_c)
                                    : 0u;
        }
        tmlc_mve_act_range(act_min, act_max, &lo, &hi);
        for (b = 0; b < batches; ++b) {
            const int8_t *src = input + b * in_h * in_w * in_c;
            int8_t *out_image = output + b * pixels * cs;
            int32_t y;
            /* Rows [0, height) of the padded image: input row y - pad_top. */
            for (y = 0; y < height; ++y) {
                const int32_t iy = y - pad_top;
                int8_t *dst = image + y * row_bytes;
                if (iy < 0 || iy >= in_h) {
                    fill_zero_point(dst, row_bytes, zero_points);
                } else {
                    /* Columns [0, pad_left) and [pad_left + in_w, width) are padding. */
                    const int32_t lead = pad_left < width ? pad_left : width;
                    const int32_t count = in_w < width - lead ? in_w : width - lead;
                    fill_zero_point(dst, lead * in_c, zero_points);
                    copy_bytes(dst + lead * in_c, src + iy * in_w * in_c, count * in_c);
                    fill_zero_point(dst + (lead + count) * in_c, (width - lead - count) * in_c,
                                    zero_points);
                }
            }
            for (c = 0; c < cs; ++c) {
                const int32_t m = multipliers[c];
                const int32_t left = tmlc_mve_left(shifts[c]);
                const int32_t neg_right = tmlc_mve_neg_right(shifts[c]);
                const int32_t fb = folded_bias[c];
                const int8_t *channel = image + c / depth_multiplier;
                /* Per tap: where its window origin is and its weight (one load each in the
                 * tap loop). */
                const int8_t *tap_input[TMLC_DW_MVE_MAX_TAPS];
                int32_t tap_weight[TMLC_DW_MVE_MAX_TAPS];
                const int32_t taps = k_h * k_w;
                const int32_t full_chunks = pixels / 12;
                const int32_t tail = pixels - 12 * full_chunks;
                int32_t ky, kx, chunk;
                for (ky = 0; ky < k_h; ++ky) {
                    for (kx = 0; kx < k_w; ++kx) {
                        tap_input[ky * k_w + kx] = channel + ky * row_step + kx * tap_step;
                        tap_weight[ky * k_w + kx] = filter[(ky * k_w + kx) * cs + c];
                    }
                }
                if (full_chunks > 0) {
                    /* The whole chunks in assembly (the table: pointer, weight per tap). */
                    int32_t table[2 * TMLC_DW_MVE_MAX_TAPS];
                    dw_job job;
                    int32_t t;
                    for (t = 0; t < taps; ++t) {
                        table[2 * t] = (int32_t)(uintptr_t)tap_input[t];
                        table[2 * t + 1] = tap_weight[t];
                    }
                    job.folded_bias = fb;
                    job.taps = table;
                    job.tap_count = taps;
                    job.multiplier = m;
                    job.left = left;
                    job.neg_right = neg_right;
                    job.output_offset = output_offset;
                    job.vector_step = 4 * cs;
                    job.neg_rights = vdupq_n_s32(neg_right);
                    job.los = vdupq_n_s32(lo);
                    job.his = vdupq_n_s32(hi);
                    job.store_offsets = store_offsets;
                    chunks_asm(&job, offsets, out_image + c, full_chunks);
                }
                for (chunk = full_chunks; chunk < full_chunks + (tail != 0); ++chunk) {
                    const uint32_t *o = offsets + 12 * chunk;
                    const uint32x4_t off0 = vldrwq_u32(o);
                    const uint32x4_t off1 = vldrwq_u32(o + 4);
                    const uint32x4_t off2 = vldrwq_u32(o + 8);
                    int32x4_t acc0 = vdupq_n_s32(fb);
                    int32x4_t acc1 = acc0;
                    int32x4_t acc2 = acc0;
                    int8_t *out = out_image + chunk * 12 * cs + c;
                    int32_t t;
                    for (t = 0; t < taps; ++t) {
                        const int8_t *x = tap_input[t];
                        const int32_t wk = tap_weight[t];
                        acc0 = vmlaq_n_s32(acc0, vldrbq_gather_offset_s32(x, off0), wk);
                        acc1 = vmlaq_n_s32(acc1, vldrbq_gather_offset_s32(x, off1), wk);
                        acc2 = vmlaq_n_s32(acc2, vldrbq_gather_offset_s32(x, off2), wk);
                    }
                    acc0 = tmlc_mve_requant_n(acc0, m, left, neg_right, output_offset, lo, hi);
                    acc1 = tmlc_mve_requant_n(acc1, m, left, neg_right, output_offset, lo, hi);
                    acc2 = tmlc_mve_requant_n(acc2, m, left, neg_right, output_offset, lo, hi);
                    if (chunk < full_chunks) {
                        vstrbq_scatter_offset_s32(out, store_offsets, acc0);
                        vstrbq_scatter_offset_s32(out + 4 * cs, store_offsets, acc1);
                        vstrbq_scatter_offset_s32(out + 8 * cs, store_offsets, acc2);
                    } else {
                        vstrbq_scatter_offset_p_s32(out, store_offsets, acc0,
                                                    vctp32q((uint32_t)tail));
                        if (tail > 4) {
                            vstrbq_scatter_offset_p_s32(out + 4 * cs, store_offsets, acc1,
                                                        vctp32q((uint32_t)(tail - 4)));
                        }
                        if (tail > 8) {
                            vstrbq_scatter_offset_p_s32(out + 8 * cs, store_offsets, acc2,
                                                        vctp32q((uint32_t)(tail - 8)));
                        }
                    }
                }
            }
        }
        return;
    }
    if (input == output) {
        tmlc_depthwise_conv2d_inplace_s8(output, in_h, in_w, in_c, input_offset, filter, k_h, k_w,
                                         bias, multipliers, shifts, stride_h, stride_w,
                                         dilation_h, dilation_w, pad_top, pad_left, out_h, out_w,
                                         output_offset, act_min, act_max, (int8_t *)scratch);
        return;
    }
#else
    if (input == output) {
        tmlc_depthwise_conv2d_inplace_s8(output, in_h, in_w, in_c, input_offset, filter, k_h, k_w,
                                         bias, multipliers, shifts, stride_h, stride_w,
                                         dilation_h, dilation_w, pad_top, pad_left, out_h, out_w,
                                         output_offset, act_min, act_max, (int8_t *)scratch);
        return;
    }
#endif
    tmlc_depthwise_conv2d_s8(input, batches, in_h, in_w, in_c, input_offset, filter,
                             depth_multiplier, k_h, k_w, bias, multipliers, shifts, stride_h,
                             stride_w, dilation_h, dilation_w, pad_top, pad_left, output, out_h,
                             out_w, output_offset, act_min, act_max);
}
