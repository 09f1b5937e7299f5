/*
 * tmlc runtime, Arm DSP kernels: int8 FULLY_CONNECTED (owns tmlc_fully_connected_s8_dsp,
 * tmlc_fully_connected_s8_dsp_wide and their layouts' references, tmlc_fully_connected_s8_dsp_pack
 * and tmlc_fully_connected_s8_dsp_pack_wide).
 *
 * A matrix-vector product per batch row, four output units at a time. Every weight is used once
 * per inference, so what matters is the cost per weight byte: the compiler lays the weights out
 * so that the four rows of a block are interleaved by groups of four inputs (16 bytes per group,
 * read with two LDRD), and folds the input offset into the bias. Per four inputs the kernel then
 * loads and widens the inputs once (LDR, 2 SXTB16) and, per row, widens four weights (2 SXTB16)
 * and adds two SMLAD: with two groups per loop pass, 45 instructions per 32 MACs. The sums wrap
 * modulo 2^32 like the portable kernel's and dsp_internal.h requantizes bit for bit.
 *
 * tmlc_fully_connected_s8_dsp_wide reads the same layout with every weight as int16 (the wide
 * layout of tmlc_fully_connected_s8_dsp_pack_wide, twice the flash, chosen by the compiler only
 * when the flash allows): per row and four inputs one LDRD and two SMLAD, 33 instructions per
 * 32 MACs with the inputs' widening.
 *
 * Packed layout (tmlc_fully_connected_s8_dsp_pack is the reference; the compiler computes the
 * same bytes), with G = ceil(in_depth / 4) groups of four inputs, missing inputs' weights 0:
 *  - for each block b of four rows (b < out_depth / 4), for each group g < G, for r = 0..3:
 *    the four bytes weights[4b + r][4g .. 4g + 3];
 *  - then each remaining row o (out_depth % 4 of them) as G groups of four bytes.
 * out_depth * 4 * G bytes in all, 4-byte aligned.
 */
#include "tmlc/kernels_arm.h"

#include "dsp_internal.h"

void tmlc_fully_connected_s8_dsp_pack(const int8_t *weights, int32_t in_depth, int32_t out_depth,
                                      int8_t *packed)
{
    const int32_t groups = (in_depth + 3) / 4;
    const int32_t blocks = out_depth / 4;
    int32_t b, g, r, j, o;
    for (b = 0; b < blocks; ++b) {
        for (g = 0; g < groups; ++g) {
            for (r = 0; r < 4; ++r) {
                const int8_t *row = weights + (4 * b + r) * in_depth;
                for (j = 0; j < 4; ++j) {
                    *packed++ = 4 * g + j < in_depth ? row[4 * g + j] : 0;
                }
            }
        }
    }
    for (o = 4 * blocks; o < out_depth; ++o) {
        for (g = 0; g < groups; ++g) {
            for (j = 0; j < 4; ++j) {
                *packed++ = 4 * g + j < in_depth ? weights[o * in_depth + 4 * g + j] : 0;
            }
        }
    }
}

void tmlc_fully_connected_s8_dsp_pack_wide(const int8_t *weights, int32_t in_depth,
                                           int32_t out_depth, uint32_t *packed)
{
    const int32_t words = out_depth * ((in_depth + 3) / 4);
    int32_t i;
    /* The int8 layout first, in the second half of the buffer, then widened word by word
     * (word i of the int8 layout lies at or after words 2i, 2i + 1 it becomes). */
    int8_t *bytes = (int8_t *)(packed + words);
    tmlc_fully_connected_s8_dsp_pack(weights, in_depth, out_depth, bytes);
    for (i = 0; i < words; ++i) {
        const uint32_t v = tmlc_arm_load32(bytes + 4 * i);
        packed[2 * i] = tmlc_arm_sxtb16(v);
        packed[2 * i + 1] = tmlc_arm_sxtb16_ror8(v);
    }
}

/* Adds the four rows' products of one group: xe, xo the widened inputs, w the group's words. */
#define FC_ROW(acc, wv)                                                                       \
    do {                                                                                      \
        acc = tmlc_arm_smlad(xe, tmlc_arm_sxtb16(wv), acc);                                   \
        acc = tmlc_arm_smlad(xo, tmlc_arm_sxtb16_ror8(wv), acc);                              \
    } while (0)

/*
 * Four rows (a block of the packed layout): acc[r] += row r . x. Inline, so that the common
 * case (fc_blocks_common) keeps the block loop in one function.
 */
static inline void fc_block4(const int8_t *x, const uint32_t *w, int32_t in_depth,
                             uint32_t acc[4])
{
    const int32_t rem = in_depth & 3;
    const int8_t *const x_end2 = x + 8 * (in_depth >> 3);
    uint32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    while (x != x_end2) {
        /* Two groups per pass: half the loop overhead. */
        uint32_t xv = tmlc_arm_load32(x);
        uint32_t xe = tmlc_arm_sxtb16(xv);
        uint32_t xo = tmlc_arm_sxtb16_ror8(xv);
        uint32_t w0, w1;
        TMLC_ARM_LDRD(w, 0, w0, w1);
        FC_ROW(a0, w0);
        FC_ROW(a1, w1);
        TMLC_ARM_LDRD(w, 8, w0, w1);
        FC_ROW(a2, w0);
        FC_ROW(a3, w1);
        xv = tmlc_arm_load32(x + 4);
        xe = tmlc_arm_sxtb16(xv);
        xo = tmlc_arm_sxtb16_ror8(xv);
        TMLC_ARM_LDRD(w, 16, w0, w1);
        FC_ROW(a0, w0);
        FC_ROW(a1, w1);
        TMLC_ARM_LDRD(w, 24, w0, w1);
        FC_ROW(a2, w0);
        FC_ROW(a3, w1);
        x += 8;
        w += 8;
    }
    if (in_depth & 4) {
        const uint32_t xv = tmlc_arm_load32(x);
        const uint32_t xe = tmlc_arm_sxtb16(xv);
        const uint32_t xo = tmlc_arm_sxtb16_ror8(xv);
        uint32_t w0, w1;
        TMLC_ARM_LDRD(w, 0, w0, w1);
        FC_ROW(a0, w0);
        FC_ROW(a1, w1);
        TMLC_ARM_LDRD(w, 8, w0, w1);
        FC_ROW(a2, w0);
        FC_ROW(a3, w1);
        x += 4;
        w += 4;
    }
    if (rem != 0) {
        const uint32_t xv = tmlc_dsp_load_tail(x, rem);
        const uint32_t xe = tmlc_arm_sxtb16(xv);
        const uint32_t xo = tmlc_arm_sxtb16_ror8(xv);
        FC_ROW(a0, w[0]);
        FC_ROW(a1, w[1]);
        FC_ROW(a2, w[2]);
        FC_ROW(a3, w[3]);
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
}

/* The wide layout's products of one row and group: its two words we, wo of int16 pairs. */
#define FC_ROW_WIDE(acc, we, wo)                                                              \
    do {                                                                                      \
        acc = tmlc_arm_smlad(xe, we, acc);                                                    \
        acc = tmlc_arm_smlad(xo, wo, acc);                                                    \
    } while (0)

/* One group of four inputs at x of a block of the wide layout at w (8 words). */
#define FC_GROUP_WIDE(xp, wp)                                                                 \
    do {                                                                                      \
        const uint32_t xv_ = tmlc_arm_load32(xp);                                             \
        const uint32_t xe = tmlc_arm_sxtb16(xv_);                                             \
        const uint32_t xo = tmlc_arm_sxtb16_ror8(xv_);                                        \
        uint32_t we_, wo_;                                                                    \
        TMLC_ARM_LDRD(wp, 0, we_, wo_);                                                       \
        FC_ROW_WIDE(a0, we_, wo_);                                                            \
        TMLC_ARM_LDRD(wp, 8, we_, wo_);                                                       \
        FC_ROW_WIDE(a1, we_, wo_);                                                            \
        TMLC_ARM_LDRD(wp, 16, we_, wo_);                                                      \
        FC_ROW_WIDE(a2, we_, wo_);                                                            \
        TMLC_ARM_LDRD(wp, 24, we_, wo_);                                                      \
        FC_ROW_WIDE(a3, we_, wo_);                                                            \
    } while (0)

/* fc_block4 for the wide layout (int16 weights: 8 words per group). */
static inline void fc_block4_wide(const int8_t *x, const uint32_t *w, int32_t in_depth,
                                  uint32_t acc[4])
{
    const int32_t rem = in_depth & 3;
    const int8_t *const x_end2 = x + 8 * (in_depth >> 3);
    uint32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    while (x != x_end2) {
        FC_GROUP_WIDE(x, w);
        FC_GROUP_WIDE(x + 4, w + 8);
        x += 8;
        w += 16;
    }
    if (in_depth & 4) {
        FC_GROUP_WIDE(x, w);
        x += 4;
        w += 8;
    }
    if (rem != 0) {
        const uint32_t xv = tmlc_dsp_load_tail(x, rem);
        const uint32_t xe = tmlc_arm_sxtb16(xv);
        const uint32_t xo = tmlc_arm_sxtb16_ror8(xv);
        FC_ROW_WIDE(a0, w[0], w[1]);
        FC_ROW_WIDE(a1, w[2], w[3]);
        FC_ROW_WIDE(a2, w[4], w[5]);
        FC_ROW_WIDE(a3, w[6], w[7]);
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
}

/* fc_row for the wide layout (2 G words). */
static uint32_t fc_row_wide(const int8_t *x, const uint32_t *w, int32_t in_depth, uint32_t acc)
{
    int32_t i = 0;
    for (; i + 4 <= in_depth; i += 4) {
        const uint32_t xv = tmlc_arm_load32(x + i);
        const uint32_t xe = tmlc_arm_sxtb16(xv);
        const uint32_t xo = tmlc_arm_sxtb16_ror8(xv);
        FC_ROW_WIDE(acc, w[0], w[1]);
        w += 2;
    }
    if (i < in_depth) {
        const uint32_t xv = tmlc_dsp_load_tail(x + i, in_depth - i);
        const uint32_t xe = tmlc_arm_sxtb16(xv);
        const uint32_t xo = tmlc_arm_sxtb16_ror8(xv);
        FC_ROW_WIDE(acc, w[0], w[1]);
    }
    return acc;
}

/*
 * The common case for the blocks of four rows of one batch row: every unit takes the fast
 * requantization and the activation range is int8 (one SSAT). Per-tensor requantization
 * constants are computed once.
 */
TMLC_DSP_NOINLINE static void fc_blocks_common(const int8_t *x, const uint32_t *w,
                                               int32_t in_depth, int32_t blocks,
                                               const int32_t *folded_bias,
                                               const int32_t *multipliers, const int32_t *shifts,
                                               int32_t per_channel, int32_t output_offset,
                                               int wide, int8_t *out)
{
    const int32_t words = (wide ? 8 : 4) * ((in_depth + 3) >> 2);
    int32_t multiplier = multipliers[0];
    int32_t e1 = -shifts[0] - 1;
    uint32_t khi = tmlc_dsp_fast_khi(shifts[0], output_offset);
    int32_t b, j;
    for (b = 0; b < blocks; ++b) {
        uint32_t acc[4];
        acc[0] = (uint32_t)folded_bias[0];
        acc[1] = (uint32_t)folded_bias[1];
        acc[2] = (uint32_t)folded_bias[2];
        acc[3] = (uint32_t)folded_bias[3];
        if (wide) {
            fc_block4_wide(x, w, in_depth, acc);
        } else {
            fc_block4(x, w, in_depth, acc);
        }
        for (j = 0; j < 4; ++j) {
            if (per_channel) {
                multiplier = multipliers[j];
                e1 = -shifts[j] - 1;
                khi = tmlc_dsp_fast_khi(shifts[j], output_offset);
            }
            out[j] = (int8_t)tmlc_arm_ssat8(tmlc_dsp_fast(acc[j], multiplier, khi, e1));
        }
        folded_bias += 4;
        if (per_channel) {
            multipliers += 4;
            shifts += 4;
        }
        w += words;
        out += 4;
    }
}

/* One row of the packed layout (G words): acc + row . x. */
static uint32_t fc_row(const int8_t *x, const uint32_t *w, int32_t in_depth, uint32_t acc)
{
    int32_t i = 0;
    for (; i + 4 <= in_depth; i += 4) {
        const uint32_t xv = tmlc_arm_load32(x + i);
        const uint32_t xe = tmlc_arm_sxtb16(xv);
        const uint32_t xo = tmlc_arm_sxtb16_ror8(xv);
        FC_ROW(acc, *w);
        ++w;
    }
    if (i < in_depth) {
        const uint32_t xv = tmlc_dsp_load_tail(x + i, in_depth - i);
        const uint32_t xe = tmlc_arm_sxtb16(xv);
        const uint32_t xo = tmlc_arm_sxtb16_ror8(xv);
        FC_ROW(acc, *w);
    }
    return acc;
}

/* Requantizes and stores acc[0 .. n) of output units o0 .. o0 + n - 1. */
static void fc_store(const int32_t *multipliers, const int32_t *shifts, int32_t per_channel,
                     int32_t o0, const uint32_t *acc, int32_t n, int32_t output_offset, int32_t lo,
                     int32_t hi, int common, int8_t *out)
{
    int32_t j;
    for (j = 0; j < n; ++j) {
        const int32_t c = per_channel ? o0 + j : 0;
        const int32_t multiplier = multipliers[c];
        const int32_t shift = shifts[c];
        if (common) {
            out[j] = (int8_t)tmlc_arm_ssat8(tmlc_dsp_fast(
                acc[j], multiplier, tmlc_dsp_fast_khi(shift, output_offset), -shift - 1));
        } else {
            tmlc_dsp_rq q;
            tmlc_dsp_rq_init(&q, multiplier, shift, output_offset);
            out[j] = tmlc_dsp_clamp(tmlc_dsp_rq_apply(acc[j], &q, output_offset), lo, hi);
        }
    }
}

/* Both layouts: wide selects the int16 one (words per row and group: 2, else 1). */
static void fc_run(const int8_t *input, int32_t batches, int32_t in_depth,
                   const void *packed_weights, int32_t out_depth, const int32_t *folded_bias,
                   const int32_t *multipliers, const int32_t *shifts, int32_t per_channel,
                   int8_t *output, int32_t output_offset, int32_t act_min, int32_t act_max,
                   int wide)
{
    const int32_t groups = (wide ? 2 : 1) * ((in_depth + 3) >> 2);
    const uint32_t *const weights = (const uint32_t *)packed_weights;
    int32_t lo, hi, b, o, j;
    int common;
    tmlc_dsp_act_range(act_min, act_max, &lo, &hi);
    /* The usual case: int8 activation range and the fast requantization for every unit. */
    common = lo == -128 && hi == 127 && tmlc_dsp_fast_offset(output_offset);
    for (o = 0; o < (per_channel ? out_depth : 1) && common; ++o) {
        common = tmlc_dsp_fast_channel(multipliers[o], shifts[o]);
    }
    for (b = 0; b < batches; ++b) {
        const int8_t *x = input + b * in_depth;
        const uint32_t *w = weights;
        o = 0;
        if (common) {
            const int32_t blocks = out_depth >> 2;
            fc_blocks_common(x, w, in_depth, blocks, folded_bias, multipliers, shifts,
                             per_channel, output_offset, wide, output);
            o = 4 * blocks;
            w += o * groups;
            output += o;
        }
        for (; o + 4 <= out_depth; o += 4) {
            uint32_t acc[4];
            for (j = 0; j < 4; ++j) {
                acc[j] = (uint32_t)folded_bias[o + j];
            }
            if (wide) {
                fc_block4_wide(x, w, in_depth, acc);
            } else {
                fc_block4(x, w, in_depth, acc);
            }
            w += 4 * groups;
            fc_store(multipliers, shifts, per_channel, o, acc, 4, output_offset, lo, hi, common,
                     output);
            output += 4;
        }
        for (; o < out_depth; ++o) {
            const uint32_t acc = wide ? fc_row_wide(x, w, in_depth, (uint32_t)folded_bias[o])
                                      : fc_row(x, w, in_depth, (uint32_t)folded_bias[o]);
            w += groups;
            fc_store(multipliers, shifts, per_channel, o, &acc, 1, output_offset, lo, hi, common,
                     output);
            ++output;
        }
    }
}

void tmlc_fully_connected_s8_dsp(const int8_t *input, int32_t batches, int32_t in_depth,
                                 const void *packed_weights, int32_t out_depth,
                                 const int32_t *folded_bias, const int32_t *multipliers,
                                 const int32_t *shifts, int32_t per_channel, int8_t *output,
                                 int32_t output_offset, int32_t act_min, int32_t act_max)
{
    fc_run(input, batches, in_depth, packed_weights, out_depth, folded_bias, multipliers, shifts,
           per_channel, output, output_offset, act_min, act_max, 0);
}

void tmlc_fully_connected_s8_dsp_wide(const int8_t *input, int32_t batches, int32_t in_depth,
                                      const void *packed_weights, int32_t out_depth,
                                      const int32_t *folded_bias, const int32_t *multipliers,
                                      const int32_t *shifts, int32_t per_channel,
                                      int8_t *output, int32_t output_offset, int32_t act_min,
                                      int32_t act_max)
{
    fc_run(input, batches, in_depth, packed_weights, out_depth, folded_bias, multipliers, shifts,
           per_channel, output, output_offset, act_min, act_max, 1);
}
