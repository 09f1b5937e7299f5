/*
 * tmlc runtime: private helpers shared by the kernel sources (not installed, not API).
 *
 * Owns the inline versions of the requantization primitives (the hot path of every kernel),
 * the wrap-around helpers that give Rust's wrapping_* semantics without undefined behaviour,
 * the int8 clamp and the clipping of a filter window to the input. The exported, out-of-line
 * versions in fixed_point.c call these, so there is one implementation of each formula.
 *
 * Portability: only C99 with <stdint.h>. int32_t is two's complement by definition; right
 * shifts of negative values and out-of-range conversions to signed types are never used (they
 * are implementation-defined), signed overflow never happens (sums that the Rust reference
 * computes with wrapping_add are done in uint32_t and converted back with tmlc_i_s32).
 */
#ifndef TMLC_INTERNAL_H
#define TMLC_INTERNAL_H

#include <limits.h>
#include <stdint.h>

#define TMLC_I_INLINE static inline

/* The int32 whose two's complement bit pattern is u (what Rust's `u as i32` gives). */
TMLC_I_INLINE int32_t tmlc_i_s32(uint32_t u)
{
    if (u <= (uint32_t)INT32_MAX) {
        return (int32_t)u;
    }
    return (int32_t)(u - 0x80000000u) - INT32_MAX - 1;
}

/* Rust's a.wrapping_add(b) / a.wrapping_sub(b) on i32. */
TMLC_I_INLINE int32_t tmlc_i_add_wrap(int32_t a, int32_t b)
{
    return tmlc_i_s32((uint32_t)a + (uint32_t)b);
}

TMLC_I_INLINE int32_t tmlc_i_sub_wrap(int32_t a, int32_t b)
{
    return tmlc_i_s32((uint32_t)a - (uint32_t)b);
}

/* Arithmetic shift right (floor division by 2^n), n in [0, 31], without relying on the
 * implementation-defined >> of negative values; compilers turn this into one shift. */
TMLC_I_INLINE int32_t tmlc_i_asr(int32_t x, int32_t n)
{
    return x < 0 ? ~(~x >> n) : x >> n;
}

/* Clamp to [lo, hi] and then to int8: Rust's clamp_i8 (v.max(lo).min(hi).clamp(-128, 127)). */
TMLC_I_INLINE int8_t tmlc_i_clamp_s8(int32_t v, int32_t lo, int32_t hi)
{
    if (v < lo) {
        v = lo;
    }
    if (v > hi) {
        v = hi;
    }
    if (v < -128) {
        v = -128;
    }
    if (v > 127) {
        v = 127;
    }
    return (int8_t)v;
}

TMLC_I_INLINE int32_t tmlc_i_srdhm(int32_t a, int32_t b)
{
    int64_t ab;
    int64_t nudge;
    if (a == INT32_MIN && b == INT32_MIN) {
        return INT32_MAX;
    }
    ab = (int64_t)a * (int64_t)b;
    nudge = ab >= 0 ? ((int64_t)1 << 30) : (1 - ((int64_t)1 << 30));
    /* C99 division truncates towards zero, as C++ and Rust do. */
    return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

TMLC_I_INLINE int32_t tmlc_i_rdbpot(int32_t x, int32_t exponent)
{
    int32_t mask;
    int32_t remainder;
    int32_t threshold;
    if (exponent < 0) {
        exponent = 0;
    } else if (exponent > 31) {
        exponent = 31;
    }
    mask = (int32_t)(((int64_t)1 << exponent) - 1);
    remainder = x & mask;
    threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return tmlc_i_asr(x, exponent) + (remainder > threshold ? 1 : 0);
}

TMLC_I_INLINE int32_t tmlc_i_mbqm(int32_t x, int32_t multiplier, int32_t shift)
{
    int32_t left = shift > 0 ? (shift > 31 ? 31 : shift) : 0;
    int32_t right = shift >= 0 ? 0 : (shift < -31 ? 31 : -shift);
    return tmlc_i_rdbpot(tmlc_i_srdhm(tmlc_i_s32((uint32_t)x << left), multiplier), right);
}

TMLC_I_INLINE int32_t tmlc_i_srmbpot(int32_t x, int32_t exponent)
{
    if (exponent > 0) {
        int32_t e = exponent > 31 ? 31 : exponent;
        int32_t threshold = (int32_t)(((int64_t)1 << (31 - e)) - 1);
        if (x > threshold) {
            return INT32_MAX;
        }
        if (x < -threshold) {
            return INT32_MIN;
        }
        return tmlc_i_s32((uint32_t)x << e);
    }
    if (exponent < 0) {
        return tmlc_i_rdbpot(x, exponent < -31 ? 31 : -exponent);
    }
    return x;
}

/* Requantize an int32 accumulator kept modulo 2^32 (uint32_t) to int8: Rust's
 * clamp_i8(m.apply(acc).wrapping_add(zero_point), act_min, act_max). */
TMLC_I_INLINE int8_t tmlc_i_requant_s8(uint32_t acc, int32_t multiplier, int32_t shift,
                                       int32_t output_offset, int32_t act_min, int32_t act_max)
{
    int32_t v = tmlc_i_mbqm(tmlc_i_s32(acc), multiplier, shift);
    return tmlc_i_clamp_s8(tmlc_i_add_wrap(v, output_offset), act_min, act_max);
}

/*
 * The filter taps t in [0, taps) whose input coordinate origin + t * dilation lies inside
 * [0, size): *first .. *last (one past). An empty range has *first == *last. dilation >= 1.
 * This replaces the per-tap bounds test of the reference (taps outside are skipped there).
 */
TMLC_I_INLINE void tmlc_i_tap_range(int32_t origin, int32_t dilation, int32_t taps, int32_t size,
                                    int32_t *first, int32_t *last)
{
    int32_t lo = 0;
    int32_t hi = taps;
    if (origin < 0) {
        lo = (-origin + dilation - 1) / dilation;
    }
    if (taps > 0 && origin + (taps - 1) * dilation >= size) {
        hi = size > origin ? (size - origin + dilation - 1) / dilation : 0;
    }
    if (lo > taps) {
        lo = taps;
    }
    if (hi < lo) {
        hi = lo;
    }
    *first = lo;
    *last = hi;
}

/* The accumulator of one depthwise output, modulo 2^32: the sum over the taps
 * [fy_first, fy_last) x [fx_first, fx_last) of filter * (input + offset). `input` points at
 * channel ic of the batch's first pixel, `filter` at output channel oc of the first tap; a pixel
 * is in_c bytes apart in the input and a tap out_c bytes apart in the filter. Shared by the
 * ordinary and the in-place depthwise kernels so they compute the same sums. */
TMLC_I_INLINE uint32_t tmlc_i_depthwise_taps(const int8_t *input, const int8_t *filter,
                                             int32_t in_w, int32_t in_c, int32_t out_c,
                                             int32_t k_w, int32_t in_y0, int32_t in_x0,
                                             int32_t dilation_h, int32_t dilation_w,
                                             int32_t fy_first, int32_t fy_last,
                                             int32_t fx_first, int32_t fx_last, uint32_t offset)
{
    uint32_t acc = 0;
    int32_t fy, fx;
    for (fy = fy_first; fy < fy_last; ++fy) {
        const int32_t iy = in_y0 + fy * dilation_h;
        const int8_t *in_row = input + iy * in_w * in_c;
        const int8_t *f_row = filter + fy * k_w * out_c;
        for (fx = fx_first; fx < fx_last; ++fx) {
            const int32_t ix = in_x0 + fx * dilation_w;
            acc += (uint32_t)f_row[fx * out_c] * ((uint32_t)in_row[ix * in_c] + offset);
        }
    }
    return acc;
}

#endif /* TMLC_INTERNAL_H */
