/*
 * tmlc runtime, Arm DSP kernels: private helpers shared by the *_dsp kernels (not API).
 *
 * Owns the fast requantization (the per-output hot path after the dot products) and the
 * activation clamp. Both compute exactly what the portable kernels compute with
 * tmlc_i_requant_s8 (src/internal.h), for every accumulator value. Also declares the wide
 * (int16-weight) GEMM that conv2d_wide_dsp.c defines and both convolution files call.
 *
 * Fast requantization. The portable kernels apply TFLite's double-rounding
 * MultiplyByQuantizedMultiplier: t = SRDHM(a, m), r = RoundingDivideByPOT(t, e), then add the
 * output offset. For m >= 0 and a right shift e = -shift >= 2 the two roundings fold into one
 * 64-bit multiply-accumulate and one shift (proof below), which is one SMLAL and four single-cycle
 * instructions on Cortex-M4 instead of about twenty:
 *
 *   Y = a * m + 2^30 + 2^(30 + e) - s * 2^31 + off * 2^(31 + e),  s = (a < 0)
 *   result = floor(Y / 2^(31 + e)) = (high word of Y) >> (e - 1)   (arithmetic shifts)
 *
 * Proof. SRDHM(a, m) (no saturation: m >= 0) is trunc((a*m + nudge) / 2^31) with nudge 2^30 for
 * a*m >= 0 and 1 - 2^30 otherwise; in both cases that equals t = floor((a*m + 2^30) / 2^31)
 * (for a*m < 0, trunc(n / 2^31) = floor((n + 2^31 - 1) / 2^31) with n = a*m + 1 - 2^30).
 * RoundingDivideByPOT(t, e) (round half away from zero) is floor((t + 2^(e-1) - [t < 0]) / 2^e),
 * and floor((floor(y) + c) / n) = floor((y + c) / n) for integers c and n > 0, which merges the
 * two floors into floor((a*m + 2^30 + (2^(e-1) - [t < 0]) * 2^31) / 2^(31+e)). [t < 0] and
 * s = [a < 0] differ only when -2^30 <= a*m < 0, where t = 0, and then 2^(e-1) and 2^(e-1) - 1
 * give the same quotient (0) for e >= 1. Adding off * 2^(31+e) adds exactly off to the quotient.
 * Bounds: |a*m| < 2^62, so for e <= 22 and |off| <= 128, |Y| < 2^62 + 2^52 + 2^60 + 2^31 < 2^63
 * and the high word of Y fits int32; it is computed modulo 2^64, which is then exact.
 * Initial value of the SMLAL accumulator: low word 2^30 | (a & 2^31) (that is 2^30 - s * 2^31
 * modulo 2^32), high word khi - s with khi = 2^(e-2) + off * 2^(e-1).
 *
 * Every other channel (shift > -2 or < -22, negative multiplier, |off| > 128) takes the exact
 * generic path of internal.h (tmlc_dsp_generic); the choice is made once per channel.
 */
#ifndef TMLC_ARM_DSP_INTERNAL_H
#define TMLC_ARM_DSP_INTERNAL_H

#include <stdint.h>

#include "../internal.h"
#include "simd.h"

#define TMLC_DSP_INLINE static inline

/* Keeps a helper out of its caller, so that the caller's hot loop keeps its registers. */
#if defined(__GNUC__) || defined(__clang__)
#define TMLC_DSP_NOINLINE __attribute__((noinline))
#else
#define TMLC_DSP_NOINLINE
#endif

/* The int8 values p[0 .. n) (n < 4) as one word, zero-padded (the tail of a row of bytes that
 * a word load would read past). */
TMLC_DSP_INLINE uint32_t tmlc_dsp_load_tail(const int8_t *p, int32_t n)
{
    uint32_t v = 0;
    int32_t j;
    for (j = 0; j < n; ++j) {
        v |= (uint32_t)(uint8_t)p[j] << (8 * j);
    }
    return v;
}

/* Whether an output offset allows the fast path (|off| <= 128), checked once per call. */
TMLC_DSP_INLINE int tmlc_dsp_fast_offset(int32_t output_offset)
{
    return output_offset >= -128 && output_offset <= 128;
}

/* Whether a channel's (multiplier, shift) takes the fast path: m >= 0, shift in [-22, -2]. */
TMLC_DSP_INLINE int tmlc_dsp_fast_channel(int32_t multiplier, int32_t shift)
{
    return multiplier >= 0 && (uint32_t)shift + 22u <= 20u;
}

/* The high word of the fast path's initial accumulator without the sign term:
 * 2^(e-2) + output_offset * 2^(e-1) modulo 2^32, e = -shift. */
TMLC_DSP_INLINE uint32_t tmlc_dsp_fast_khi(int32_t shift, int32_t output_offset)
{
    return ((uint32_t)1 << (-shift - 2)) + ((uint32_t)output_offset << (-shift - 1));
}

/*
 * The fast path: MBQM(acc, multiplier, -(e1 + 1)) + output_offset for a channel and an offset
 * that passed the two checks above, with khi = tmlc_dsp_fast_khi(shift, output_offset) and
 * e1 = -shift - 1. On Cortex-M4: AND, ORR, ADD (ASR #31), SMLAL, ASR.
 */
TMLC_DSP_INLINE int32_t tmlc_dsp_fast(uint32_t acc, int32_t multiplier, uint32_t khi, int32_t e1)
{
    const uint32_t lo = (acc & 0x80000000u) | 0x40000000u;
    const uint32_t hi = khi - (acc >> 31);
    const uint64_t y =
        ((((uint64_t)hi) << 32) | lo) + (uint64_t)((int64_t)tmlc_i_s32(acc) * multiplier);
    return tmlc_i_asr(tmlc_i_s32((uint32_t)(y >> 32)), e1);
}

/*
 * The fast path for any output offset and every right shift TFLite allows (e = -shift in
 * [2, 31]): the offset is added after the shift instead of being folded into the accumulator,
 * so that the high word stays an int32 for shifts beyond 22. With Y' = a * m + 2^30 + 2^(30 + e)
 * - s * 2^31 (Y of the proof above without the offset term), |Y'| < 2^62 + 2^61 + 2^31 < 2^63,
 * so floor(Y' / 2^32) is an int32 and its arithmetic shift by e - 1 is floor(Y' / 2^(31 + e)),
 * MBQM(a, m, shift) exactly; then the offset is added modulo 2^32 as in tmlc_dsp_generic. The
 * initial high word is khi0 - s with khi0 = 2^(e - 2). One instruction more than tmlc_dsp_fast.
 */
TMLC_DSP_INLINE int tmlc_dsp_fast_channel_any(int32_t multiplier, int32_t shift)
{
    return multiplier >= 0 && (uint32_t)shift + 31u <= 29u;
}

/* MBQM(acc, multiplier, -(e1 + 1)) + output_offset (mod 2^32) for a channel that passed
 * tmlc_dsp_fast_channel_any, e1 = -shift - 1 in [1, 30]. */
TMLC_DSP_INLINE int32_t tmlc_dsp_fast_any(uint32_t acc, int32_t multiplier, int32_t e1,
                                          int32_t output_offset)
{
    const uint32_t khi0 = (uint32_t)1 << (e1 - 1);
    return tmlc_i_add_wrap(tmlc_dsp_fast(acc, multiplier, khi0, e1), output_offset);
}

/*
 * Any channel: MBQM(acc, multiplier, shift) + output_offset modulo 2^32 (unclamped), exactly
 * what tmlc_i_requant_s8 computes before its clamp. Out of line (requant_dsp.c), so that the
 * rare generic case costs the hot loops no registers.
 */
int32_t tmlc_dsp_generic(uint32_t acc, int32_t multiplier, int32_t shift, int32_t output_offset);

/* The requantization of one output channel, prepared by tmlc_dsp_rq_init. */
typedef struct {
    int32_t multiplier;
    int32_t shift;
    uint32_t khi; /* fast path: tmlc_dsp_fast_khi */
    int32_t e1;   /* fast path: e - 1 in [1, 21]; 0 selects the generic path */
} tmlc_dsp_rq;

TMLC_DSP_INLINE void tmlc_dsp_rq_init(tmlc_dsp_rq *q, int32_t multiplier, int32_t shift,
                                      int32_t output_offset)
{
    q->multiplier = multiplier;
    q->shift = shift;
    if (tmlc_dsp_fast_offset(output_offset) && tmlc_dsp_fast_channel(multiplier, shift)) {
        q->khi = tmlc_dsp_fast_khi(shift, output_offset);
        q->e1 = -shift - 1;
    } else {
        q->khi = 0;
        q->e1 = 0;
    }
}

/* MBQM(acc, multiplier, shift) + output_offset, modulo 2^32, unclamped. */
TMLC_DSP_INLINE int32_t tmlc_dsp_rq_apply(uint32_t acc, const tmlc_dsp_rq *q,
                                          int32_t output_offset)
{
    if (q->e1 != 0) {
        return tmlc_dsp_fast(acc, q->multiplier, q->khi, q->e1);
    }
    return tmlc_dsp_generic(acc, q->multiplier, q->shift, output_offset);
}

/*
 * The activation range narrowed to int8: clamping to [lo, hi] (as returned) equals the portable
 * clamp to [act_min, act_max] followed by the clamp to [-128, 127], for any act_min, act_max
 * (clamping to int8 is monotone, so it commutes with max and min).
 */
TMLC_DSP_INLINE void tmlc_dsp_act_range(int32_t act_min, int32_t act_max, int32_t *lo,
                                        int32_t *hi)
{
    *lo = act_min < -128 ? -128 : (act_min > 127 ? 127 : act_min);
    *hi = act_max < -128 ? -128 : (act_max > 127 ? 127 : act_max);
}

/* v clamped to [lo, hi] (from tmlc_dsp_act_range), as int8. */
TMLC_DSP_INLINE int8_t tmlc_dsp_clamp(int32_t v, int32_t lo, int32_t hi)
{
    if (v < lo) {
        v = lo;
    }
    if (v > hi) {
        v = hi;
    }
    return (int8_t)v;
}

/*
 * The wide GEMM (conv2d_wide_dsp.c): K int8 inputs of three pixels, widened into a pass buffer
 * (TMLC_CONV2D_1X1_S8_DSP_WIDE_SCRATCH(K) bytes) by tmlc_dsp_wide_pack, times a filter in the
 * layout of tmlc_conv2d_1x1_s8_dsp_pack_wide (with K for in_c), requantized and stored at
 * out[pixel * out_c + channel] by tmlc_dsp_wide_pass; tmlc_dsp_wide_init prepares the call.
 */
typedef struct {
    const uint32_t *filter;
    int32_t groups, out_c;
    const int32_t *multipliers, *shifts;
    int32_t output_offset, lo, hi;
    int any_generic; /* a channel outside tmlc_dsp_fast_channel_any */
    int all_folded;  /* every channel tmlc_dsp_fast_channel, the offset tmlc_dsp_fast_offset */
} tmlc_dsp_wide;

void tmlc_dsp_wide_init(tmlc_dsp_wide *g, const void *packed_filter, int32_t k, int32_t out_c,
                        const int32_t *multipliers, const int32_t *shifts,
                        int32_t output_offset, int32_t act_min, int32_t act_max);

/* Widens pixel j (0-2) of a pass: its k values at src (NULL: a missing pixel, zeros). */
void tmlc_dsp_wide_pack(uint32_t *packed, int32_t j, const int8_t *src, int32_t k);

/* The outputs of the pass's first n (1-3) pixels, all channels. */
void tmlc_dsp_wide_pass(const tmlc_dsp_wide *g, const uint32_t *packed, int32_t n, int8_t *out);

#endif /* TMLC_ARM_DSP_INTERNAL_H */
