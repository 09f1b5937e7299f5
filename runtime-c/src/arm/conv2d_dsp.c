/*
 * tmlc runtime, Arm DSP kernels: int8 CONV_2D (owns tmlc_conv2d_1x1_s8_dsp and
 * tmlc_conv2d_s8_dsp).
 *
 * Both are a GEMM over blocks of up to eight output pixels. For each block the input vectors
 * (K = k_h * k_w * in_c values: the receptive field for a general convolution, the pixel's
 * channels for 1x1) are widened once to int16 with the input offset added, into the scratch,
 * in the order SMLAD wants them: for each group g of four K-indices, the pair of words
 *
 *   (x[4g] + off, x[4g + 2] + off), (x[4g + 1] + off, x[4g + 3] + off)
 *
 * which is what SXTB16 and SXTB16 ROR #8 make of four filter bytes, so the filter is read as
 * stored (int8, [out_c][K]) with one LDR and two SXTB16 per four taps. The K % 4 leftover
 * values form one more group whose missing filter bytes are 0.
 *
 * The usual case (a full block of eight pixels, every channel with the fast requantization, an
 * int8 activation range) keeps the eight pixels' pairs of a group side by side and runs, per
 * output channel, one pass over its filter row with eight accumulators: 1 LDR, 2 SXTB16, 8 LDRD
 * and 16 SMLAD per 32 MACs, then eight fast requantizations and SSATs. Other blocks are packed
 * as two sub-blocks of four pixels and take a general path (four accumulators, any
 * requantization and clamp).
 *
 * A tap in the padding must add nothing: the receptive field is first copied as int8 into a
 * staging area with padded taps set to -input_offset (the input zero point), which becomes 0
 * once the offset is added. Windows inside the input skip the padding logic, and when their
 * rows are whole groups (k_w * in_c a multiple of 4) they are widened straight from the input.
 * Sums wrap modulo 2^32 exactly as in the portable kernel (the same products, added in another
 * order), then dsp_internal.h requantizes bit for bit.
 *
 * Outputs are produced block after block in pixel order, and a block's inputs are all read
 * before any of its outputs is written, so the row-streaming overlap the memory planner allows
 * for tmlc_conv2d_s8 holds here too.
 */
#include "tmlc/kernels_arm.h"

#include "dsp_internal.h"

/* Pixels per block. */
#define GEMM_BLOCK 8

/* Four copies of the low byte of v. */
static uint32_t splat8(uint32_t v)
{
    return (v & 0xFFu) * 0x01010101u;
}

/* The bytes p[0 .. n) (n < 4) as one word, zero-padded. */
static uint32_t load_tail(const int8_t *p, int32_t n)
{
    uint32_t v = 0;
    int32_t j;
    for (j = 0; j < n; ++j) {
        v |= (uint32_t)(uint8_t)p[j] << (8 * j);
    }
    return v;
}

/* Copies n bytes (word by word, then byte by byte). */
static void copy_bytes(int8_t *dst, const int8_t *src, int32_t n)
{
    int32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        tmlc_arm_store32(dst + i, tmlc_arm_load32(src + i));
    }
    for (; i < n; ++i) {
        dst[i] = src[i];
    }
}

/* Sets n bytes to the byte whose four copies are fill4. */
static void fill_bytes(int8_t *dst, uint32_t fill4, int32_t n)
{
    int32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        tmlc_arm_store32(dst + i, fill4);
    }
    for (; i < n; ++i) {
        dst[i] = (int8_t)tmlc_arm_s8(fill4);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Packing                                                                                   */

/*
 * Where pixel p's pair of words of group 0 is in a packed block of `groups` groups, and
 * (*step) the words from one group to the next. Wide (the usual case): words 16g + 2p,
 * 16g + 2p + 1. Otherwise two sub-blocks of four pixels, 8 * groups words each: sub-block p / 4,
 * words 8g + 2(p % 4), 8g + 2(p % 4) + 1.
 */
static uint32_t *pixel_words(uint32_t *packed, int32_t p, int32_t groups, int wide,
                             int32_t *step)
{
    *step = wide ? 16 : 8;
    return wide ? packed + 2 * p : packed + (p >> 2) * 8 * groups + 2 * (p & 3);
}

/* Widens four int8 values (one word) + the offset in both halfwords of off2 into dst[0, 1]. */
static void pack_group(uint32_t *dst, uint32_t v, uint32_t off2)
{
    dst[0] = tmlc_arm_sadd16(tmlc_arm_sxtb16(v), off2);
    dst[1] = tmlc_arm_sadd16(tmlc_arm_sxtb16_ror8(v), off2);
}

/* Packs the k int8 values at src (reading src[0 .. k) only) as pixel p. */
static void pack_pixel(uint32_t *packed, int32_t p, const int8_t *src, int32_t k, uint32_t off2,
                       int wide)
{
    int32_t step, i;
    uint32_t *dst = pixel_words(packed, p, (k + 3) >> 2, wide, &step);
    for (i = 0; i + 4 <= k; i += 4) {
        pack_group(dst, tmlc_arm_load32(src + i), off2);
        dst += step;
    }
    if (i < k) {
        pack_group(dst, load_tail(src + i, k - i), off2);
    }
}

/*
 * pack_pixel for a window inside the input whose rows are whole groups (row_len % 4 == 0):
 * its k_h rows, row_stride bytes apart from src, are widened straight from the input.
 */
static void pack_window_rows(uint32_t *packed, int32_t p, const int8_t *src, int32_t k_h,
                             int32_t row_len, int32_t row_stride, int32_t k, uint32_t off2,
                             int wide)
{
    int32_t step, fy, i;
    uint32_t *dst = pixel_words(packed, p, (k + 3) >> 2, wide, &step);
    for (fy = 0; fy < k_h; ++fy) {
        for (i = 0; i < row_len; i += 4) {
            pack_group(dst, tmlc_arm_load32(src + i), off2);
            dst += step;
        }
        src += row_stride;
    }
}

/* Zeroes pixel p of a block packed as sub-blocks (the missing pixels of a partial block). */
static void clear_pixel(uint32_t *packed, int32_t p, int32_t groups)
{
    int32_t step, g;
    uint32_t *dst = pixel_words(packed, p, groups, 0, &step);
    for (g = 0; g < groups; ++g) {
        dst[0] = 0;
        dst[1] = 0;
        dst += step;
    }
}

/* ---------------------------------------------------------------------------------------- */
/* GEMM of a packed block with the filters                                                   */

/* The filters and the requantization of a call. */
typedef struct {
    const int8_t *filter; /* [out_c][k] */
    int32_t k, out_c;
    const int32_t *bias, *multipliers, *shifts;
    int32_t output_offset, lo, hi;
    int fast_offset; /* tmlc_dsp_fast_offset(output_offset) */
    int full_range;  /* [lo, hi] == [-128, 127]: the clamp is one SSAT */
    int common;      /* full_range, and every channel takes the fast requantization */
} gemm_params;

static void gemm_params_init(gemm_params *g, const int8_t *filter, int32_t k, int32_t out_c,
                             const int32_t *bias, const int32_t *multipliers,
                             const int32_t *shifts, int32_t output_offset, int32_t act_min,
                             int32_t act_max)
{
    int32_t oc;
    g->filter = filter;
    g->k = k;
    g->out_c = out_c;
    g->bias = bias;
    g->multipliers = multipliers;
    g->shifts = shifts;
    g->output_offset = output_offset;
    tmlc_dsp_act_range(act_min, act_max, &g->lo, &g->hi);
    g->fast_offset = tmlc_dsp_fast_offset(output_offset);
    g->full_range = g->lo == -128 && g->hi == 127;
    g->common = g->fast_offset && g->full_range;
    for (oc = 0; oc < out_c && g->common; ++oc) {
        g->common = tmlc_dsp_fast_channel(multipliers[oc], shifts[oc]);
    }
}

/* Whether a block of `pixels` pixels is packed wide and computed by gemm_block8. */
static int gemm_wide(const gemm_params *g, int32_t pixels)
{
    return pixels == GEMM_BLOCK && g->common;
}

/* One group of four taps (filter bytes wv) of the eight pixels of a wide block at x. */
#define GEMM_GROUP8(x, wv)                                                                    \
    do {                                                                                      \
        const uint32_t we_ = tmlc_arm_sxtb16(wv);                                             \
        const uint32_t wo_ = tmlc_arm_sxtb16_ror8(wv);                                        \
        uint32_t e_, o_;                                                                      \
        TMLC_ARM_LDRD(x, 0, e_, o_);                                                          \
        a0 = tmlc_arm_smlad(o_, wo_, tmlc_arm_smlad(e_, we_, a0));                            \
        TMLC_ARM_LDRD(x, 8, e_, o_);                                                          \
        a1 = tmlc_arm_smlad(o_, wo_, tmlc_arm_smlad(e_, we_, a1));                            \
        TMLC_ARM_LDRD(x, 16, e_, o_);                                                         \
        a2 = tmlc_arm_smlad(o_, wo_, tmlc_arm_smlad(e_, we_, a2));                            \
        TMLC_ARM_LDRD(x, 24, e_, o_);                                                         \
        a3 = tmlc_arm_smlad(o_, wo_, tmlc_arm_smlad(e_, we_, a3));                            \
        TMLC_ARM_LDRD(x, 32, e_, o_);                                                         \
        a4 = tmlc_arm_smlad(o_, wo_, tmlc_arm_smlad(e_, we_, a4));                            \
        TMLC_ARM_LDRD(x, 40, e_, o_);                                                         \
        a5 = tmlc_arm_smlad(o_, wo_, tmlc_arm_smlad(e_, we_, a5));                            \
        TMLC_ARM_LDRD(x, 48, e_, o_);                                                         \
        a6 = tmlc_arm_smlad(o_, wo_, tmlc_arm_smlad(e_, we_, a6));                            \
        TMLC_ARM_LDRD(x, 56, e_, o_);                                                         \
        a7 = tmlc_arm_smlad(o_, wo_, tmlc_arm_smlad(e_, we_, a7));                            \
    } while (0)

/* acc[i] = b + the dot product of filter row w (k taps) with pixel i of the wide block x. Out
 * of line, so that the loop has the registers to itself. */
TMLC_DSP_NOINLINE static void dot8(const uint32_t *x, const int8_t *w, int32_t k, uint32_t b,
                                   uint32_t acc[8])
{
    const uint32_t *const full_end = x + 16 * (k >> 2);
    uint32_t a0 = b, a1 = b, a2 = b, a3 = b, a4 = b, a5 = b, a6 = b, a7 = b;
    while (x != full_end) {
        const uint32_t v = tmlc_arm_load32(w);
        GEMM_GROUP8(x, v);
        w += 4;
        x += 16;
    }
    if (k & 3) {
        const uint32_t v = load_tail(w, k & 3);
        GEMM_GROUP8(x, v);
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
    acc[4] = a4;
    acc[5] = a5;
    acc[6] = a6;
    acc[7] = a7;
}

/* All outputs of a wide block: output[p * out_c + oc] for p < 8, oc < out_c. */
TMLC_DSP_NOINLINE static void gemm_block8(const gemm_params *g, const uint32_t *packed,
                                          int8_t *output)
{
    const int32_t k = g->k;
    const int32_t out_c = g->out_c;
    int32_t oc;
    for (oc = 0; oc < out_c; ++oc) {
        const int32_t multiplier = g->multipliers[oc];
        const int32_t shift = g->shifts[oc];
        const uint32_t khi = tmlc_dsp_fast_khi(shift, g->output_offset);
        const int32_t e1 = -shift - 1;
        uint32_t acc[8];
        int8_t *o = output + oc;
        int32_t i;
        dot8(packed, g->filter + oc * k, k, g->bias != 0 ? (uint32_t)g->bias[oc] : 0u, acc);
        for (i = 0; i < 8; ++i) {
            *o = (int8_t)tmlc_arm_ssat8(tmlc_dsp_fast(acc[i], multiplier, khi, e1));
            o += out_c;
        }
    }
}

/* One group of four taps (filter bytes wv) of the four pixels of a sub-block at x + off. */
#define GEMM_GROUP4(x, off, wv)                                                               \
    do {                                                                                      \
        const uint32_t we_ = tmlc_arm_sxtb16(wv);                                             \
        const uint32_t wo_ = tmlc_arm_sxtb16_ror8(wv);                                        \
        uint32_t e_, o_;                                                                      \
        TMLC_ARM_LDRD(x, off, e_, o_);                                                        \
        a0 = tmlc_arm_smlad(o_, wo_, tmlc_arm_smlad(e_, we_, a0));                            \
        TMLC_ARM_LDRD(x, off + 8, e_, o_);                                                    \
        a1 = tmlc_arm_smlad(o_, wo_, tmlc_arm_smlad(e_, we_, a1));                            \
        TMLC_ARM_LDRD(x, off + 16, e_, o_);                                                   \
        a2 = tmlc_arm_smlad(o_, wo_, tmlc_arm_smlad(e_, we_, a2));                            \
        TMLC_ARM_LDRD(x, off + 24, e_, o_);                                                   \
        a3 = tmlc_arm_smlad(o_, wo_, tmlc_arm_smlad(e_, we_, a3));                            \
    } while (0)

/* The four accumulators of one output channel over a sub-block. */
typedef struct {
    uint32_t a0, a1, a2, a3;
} acc4;

/* b + the dot products of filter row w (k taps) with the four pixels of sub-block x. */
static acc4 dot4(const uint32_t *x, const int8_t *w, int32_t k, uint32_t b)
{
    const uint32_t *const pairs_end = x + 16 * (k >> 3); /* groups of 8 taps */
    uint32_t a0 = b, a1 = b, a2 = b, a3 = b;
    acc4 r;
    while (x != pairs_end) {
        const uint32_t v0 = tmlc_arm_load32(w);
        const uint32_t v1 = tmlc_arm_load32(w + 4);
        GEMM_GROUP4(x, 0, v0);
        GEMM_GROUP4(x, 32, v1);
        w += 8;
        x += 16;
    }
    if (k & 4) {
        const uint32_t v = tmlc_arm_load32(w);
        GEMM_GROUP4(x, 0, v);
        w += 4;
        x += 8;
    }
    if (k & 3) {
        const uint32_t v = load_tail(w, k & 3);
        GEMM_GROUP4(x, 0, v);
    }
    r.a0 = a0;
    r.a1 = a1;
    r.a2 = a2;
    r.a3 = a3;
    return r;
}

/*
 * Stores the requantized values r0..r3 of one output channel for the first `pixels` (1-4)
 * pixels of a sub-block (out: its first pixel), clamped to [lo, hi].
 */
TMLC_DSP_NOINLINE static void store_clamped(const gemm_params *g, int8_t *out, int32_t pixels,
                                            int32_t r0, int32_t r1, int32_t r2, int32_t r3)
{
    const int32_t out_c = g->out_c;
    out[0] = tmlc_dsp_clamp(r0, g->lo, g->hi);
    if (pixels > 1) {
        out[out_c] = tmlc_dsp_clamp(r1, g->lo, g->hi);
    }
    if (pixels > 2) {
        out[2 * out_c] = tmlc_dsp_clamp(r2, g->lo, g->hi);
    }
    if (pixels > 3) {
        out[3 * out_c] = tmlc_dsp_clamp(r3, g->lo, g->hi);
    }
}

/*
 * The general path: output channel oc of a block of `pixels` (1-8) pixels packed as sub-blocks,
 * output[p * out_c] for p < pixels (output points at pixel 0, channel oc). Any requantization
 * and activation range; the per-channel constants are shared by the two sub-blocks.
 */
TMLC_DSP_NOINLINE static void gemm_channel(const gemm_params *g, const uint32_t *packed,
                                           int32_t oc, int8_t *output, int32_t pixels)
{
    const int32_t k = g->k;
    const int32_t out_c = g->out_c;
    const int8_t *w = g->filter + oc * k;
    const uint32_t b = g->bias != 0 ? (uint32_t)g->bias[oc] : 0u;
    const int32_t multiplier = g->multipliers[oc];
    const int32_t shift = g->shifts[oc];
    const int32_t output_offset = g->output_offset;
    const int fast = g->fast_offset && tmlc_dsp_fast_channel(multiplier, shift);
    const uint32_t khi = fast ? tmlc_dsp_fast_khi(shift, output_offset) : 0u;
    const int32_t e1 = -shift - 1;
    int32_t p;
    for (p = 0; p < pixels; p += 4) {
        const acc4 a = dot4(packed + (p >> 2) * 8 * ((k + 3) >> 2), w, k, b);
        int8_t *o = output + p * out_c;
        int32_t r0, r1, r2, r3;
        if (fast) {
            r0 = tmlc_dsp_fast(a.a0, multiplier, khi, e1);
            r1 = tmlc_dsp_fast(a.a1, multiplier, khi, e1);
            r2 = tmlc_dsp_fast(a.a2, multiplier, khi, e1);
            r3 = tmlc_dsp_fast(a.a3, multiplier, khi, e1);
        } else {
            r0 = tmlc_dsp_generic(a.a0, multiplier, shift, output_offset);
            r1 = tmlc_dsp_generic(a.a1, multiplier, shift, output_offset);
            r2 = tmlc_dsp_generic(a.a2, multiplier, shift, output_offset);
            r3 = tmlc_dsp_generic(a.a3, multiplier, shift, output_offset);
        }
        if (pixels - p >= 4 && g->full_range) {
            o[0] = (int8_t)tmlc_arm_ssat8(r0);
            o += out_c;
            o[0] = (int8_t)tmlc_arm_ssat8(r1);
            o += out_c;
            o[0] = (int8_t)tmlc_arm_ssat8(r2);
            o += out_c;
            o[0] = (int8_t)tmlc_arm_ssat8(r3);
        } else {
            store_clamped(g, o, pixels - p, r0, r1, r2, r3);
        }
    }
}

/* All outputs of a packed block of `pixels` (1-8) pixels, packed as gemm_wide says. */
static void gemm_block(const gemm_params *g, const uint32_t *packed, int8_t *output,
                       int32_t pixels)
{
    int32_t oc;
    if (gemm_wide(g, pixels)) {
        gemm_block8(g, packed, output);
        return;
    }
    for (oc = 0; oc < g->out_c; ++oc) {
        gemm_channel(g, packed, oc, output + oc, pixels);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* 1x1 convolution                                                                           */

void tmlc_conv2d_1x1_s8_dsp(const int8_t *input, int32_t pixels, int32_t in_c,
                            int32_t input_offset, const int8_t *filter, int32_t out_c,
                            const int32_t *bias, const int32_t *multipliers,
                            const int32_t *shifts, int8_t *output, int32_t output_offset,
                            int32_t act_min, int32_t act_max, void *scratch)
{
    uint32_t *packed = (uint32_t *)scratch;
    const uint32_t off2 = tmlc_arm_pack16(input_offset, input_offset);
    const int32_t groups = (in_c + 3) >> 2;
    gemm_params g;
    int32_t pix, p;
    if (input_offset < -32640 || input_offset > 32639) {
        /* x + input_offset would not fit the int16 lanes. */
        tmlc_conv2d_s8(input, 1, 1, pixels, in_c, input_offset, filter, out_c, 1, 1, bias,
                       multipliers, shifts, 1, 1, 1, 1, 0, 0, output, 1, pixels, output_offset,
                       act_min, act_max);
        return;
    }
    gemm_params_init(&g, filter, in_c, out_c, bias, multipliers, shifts, output_offset, act_min,
                     act_max);
    for (pix = 0; pix < pixels; pix += GEMM_BLOCK) {
        const int32_t n = pixels - pix < GEMM_BLOCK ? pixels - pix : GEMM_BLOCK;
        const int wide = gemm_wide(&g, n);
        for (p = 0; p < n; ++p) {
            pack_pixel(packed, p, input + (pix + p) * in_c, in_c, off2, wide);
        }
        for (; (p & 3) != 0; ++p) {
            clear_pixel(packed, p, groups);
        }
        gemm_block(&g, packed, output + pix * out_c, n);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* General convolution                                                                       */

/* The window geometry shared by the pixels of one convolution. */
typedef struct {
    const int8_t *input; /* the batch */
    int32_t in_h, in_w, in_c, k_h, k_w, dilation_h, dilation_w;
    uint32_t pad4; /* four copies of the padding byte (the input zero point) */
} window;

/* Whether the window at input (iy0, ix0) lies inside the input with contiguous rows
 * (dilation_w 1), so that it needs no padding. */
static int window_inside(const window *win, int32_t iy0, int32_t ix0)
{
    return win->dilation_w == 1 && iy0 >= 0 && ix0 >= 0 &&
           iy0 + (win->k_h - 1) * win->dilation_h < win->in_h && ix0 + win->k_w <= win->in_w;
}

/* Copies the receptive field of the window at input (iy0, ix0) into dst (k_h * k_w * in_c
 * bytes), the padded taps set to the input zero point. */
static void stage_window(int8_t *dst, const window *win, int32_t iy0, int32_t ix0)
{
    const int32_t in_c = win->in_c;
    const int32_t row_len = win->k_w * in_c;
    int32_t fx_first, fx_last, fy;
    if (window_inside(win, iy0, ix0)) {
        const int32_t row_stride = win->dilation_h * win->in_w * in_c;
        const int8_t *src = win->input + (iy0 * win->in_w + ix0) * in_c;
        for (fy = 0; fy < win->k_h; ++fy) {
            copy_bytes(dst, src, row_len);
            dst += row_len;
            src += row_stride;
        }
        return;
    }
    tmlc_i_tap_range(ix0, win->dilation_w, win->k_w, win->in_w, &fx_first, &fx_last);
    for (fy = 0; fy < win->k_h; ++fy) {
        const int32_t iy = iy0 + fy * win->dilation_h;
        if (iy < 0 || iy >= win->in_h || fx_first == fx_last) {
            fill_bytes(dst, win->pad4, row_len);
        } else {
            const int8_t *row = win->input + iy * win->in_w * in_c;
            fill_bytes(dst, win->pad4, fx_first * in_c);
            if (win->dilation_w == 1) {
                copy_bytes(dst + fx_first * in_c, row + (ix0 + fx_first) * in_c,
                           (fx_last - fx_first) * in_c);
            } else {
                int32_t fx;
                for (fx = fx_first; fx < fx_last; ++fx) {
                    copy_bytes(dst + fx * in_c, row + (ix0 + fx * win->dilation_w) * in_c, in_c);
                }
            }
            fill_bytes(dst + fx_last * in_c, win->pad4, (win->k_w - fx_last) * in_c);
        }
        dst += row_len;
    }
}

void tmlc_conv2d_s8_dsp(const int8_t *input, int32_t batches, int32_t in_h, int32_t in_w,
                        int32_t in_c, int32_t input_offset, const int8_t *filter, int32_t out_c,
                        int32_t k_h, int32_t k_w, const int32_t *bias,
                        const int32_t *multipliers, const int32_t *shifts, int32_t stride_h,
                        int32_t stride_w, int32_t dilation_h, int32_t dilation_w,
                        int32_t pad_top, int32_t pad_left, int8_t *output, int32_t out_h,
                        int32_t out_w, int32_t output_offset, int32_t act_min, int32_t act_max,
                        void *scratch)
{
    const int32_t k = k_h * k_w * in_c;
    const int32_t groups = (k + 3) >> 2;
    const int32_t pixels = batches * out_h * out_w;
    const int rows_are_groups = ((k_w * in_c) & 3) == 0;
    const uint32_t off2 = tmlc_arm_pack16(input_offset, input_offset);
    uint32_t *packed = (uint32_t *)scratch;
    int8_t *stage = (int8_t *)(packed + GEMM_BLOCK * 2 * groups);
    window win;
    gemm_params g;
    int32_t pix, p;
    int32_t b = 0, oy = 0, ox = 0; /* the next pixel to pack */
    if (in_c <= 0 || out_c <= 0 || input_offset < -127 || input_offset > 128) {
        /* Degenerate filters, or a padding value -input_offset that is not an int8. */
        tmlc_conv2d_s8(input, batches, in_h, in_w, in_c, input_offset, filter, out_c, k_h, k_w,
                       bias, multipliers, shifts, stride_h, stride_w, dilation_h, dilation_w,
                       pad_top, pad_left, output, out_h, out_w, output_offset, act_min,
                       act_max);
        return;
    }
    gemm_params_init(&g, filter, k, out_c, bias, multipliers, shifts, output_offset, act_min,
                     act_max);
    win.in_h = in_h;
    win.in_w = in_w;
    win.in_c = in_c;
    win.k_h = k_h;
    win.k_w = k_w;
    win.dilation_h = dilation_h;
    win.dilation_w = dilation_w;
    win.pad4 = splat8(0u - (uint32_t)input_offset);
    for (pix = 0; pix < pixels; pix += GEMM_BLOCK) {
        const int32_t n = pixels - pix < GEMM_BLOCK ? pixels - pix : GEMM_BLOCK;
        const int wide = gemm_wide(&g, n);
        for (p = 0; p < n; ++p) {
            const int32_t iy0 = oy * stride_h - pad_top;
            const int32_t ix0 = ox * stride_w - pad_left;
            win.input = input + b * in_h * in_w * in_c;
            if (rows_are_groups && window_inside(&win, iy0, ix0)) {
                pack_window_rows(packed, p, win.input + (iy0 * in_w + ix0) * in_c, k_h,
                                 k_w * in_c, dilation_h * in_w * in_c, k, off2, wide);
            } else {
                stage_window(stage, &win, iy0, ix0);
                pack_pixel(packed, p, stage, k, off2, wide);
            }
            if (++ox == out_w) {
                ox = 0;
                if (++oy == out_h) {
                    oy = 0;
                    ++b;
                }
            }
        }
        for (; (p & 3) != 0; ++p) {
            clear_pixel(packed, p, groups);
        }
        gemm_block(&g, packed, output + pix * out_c, n);
    }
}
