/*
 * tmlc runtime, Helium (MVE) kernels: private helpers shared by the *_mve kernels (not API).
 *
 * Owns the 4-lane requantization and the per-channel tables the kernels prepare in their
 * scratch. Both compute exactly what the portable kernels compute with tmlc_i_requant_s8
 * (src/internal.h), for every accumulator value:
 *
 *   TFLite's MultiplyByQuantizedMultiplier is x = acc << left, t = SRDHM(x, m),
 *   r = RoundingDivideByPOT(t, right), then + output offset (mod 2^32) and the clamp.
 *   - acc << left: VSHL, which wraps, as the portable (uint32_t) shift does.
 *   - SRDHM(x, m) = VQRDMULH: both are floor((x*m + 2^30) / 2^31), saturated only for
 *     x = m = INT32_MIN (dsp_internal.h proves the floor form of SRDHM).
 *   - RoundingDivideByPOT rounds half away from zero; VRSHL by -right computes
 *     floor((t + 2^(right-1)) / 2^right), which rounds half up. For t < 0 and right > 0,
 *     floor((t - 1 + 2^(right-1)) / 2^right) is the half-away result, so t gets -1 first
 *     (VAND with -right keeps t's sign bit only when right > 0, VSHR #31 makes it -1 or 0).
 *     The -1 saturates (VQADD) only for t = INT32_MIN, a multiple of 2^right, where both
 *     roundings give the same quotient.
 *   - The output offset is added modulo 2^32 (VADD), and clamping to the activation range
 *     narrowed to int8 (tmlc_dsp_act_range's proof) equals the portable double clamp.
 */
#ifndef TMLC_ARM_MVE_INTERNAL_H
#define TMLC_ARM_MVE_INTERNAL_H

#include <stdint.h>

#include "../internal.h"

#define TMLC_MVE_INLINE static inline

/* An input offset whose padding value -offset is an int8 (the zero point of an int8 tensor).
 * The kernels fold offset * sum(weights) into the bias, which is exact when padded taps read
 * that value; any other offset runs the portable kernel. */
TMLC_MVE_INLINE int tmlc_mve_foldable_offset(int32_t input_offset)
{
    return input_offset >= -127 && input_offset <= 128;
}

/* The activation range narrowed to int8 (see above). */
TMLC_MVE_INLINE void tmlc_mve_act_range(int32_t act_min, int32_t act_max, int32_t *lo,
                                        int32_t *hi)
{
    *lo = act_min < -128 ? -128 : (act_min > 127 ? 127 : act_min);
    *hi = act_max < -128 ? -128 : (act_max > 127 ? 127 : act_max);
}

/* The left shift and the negated right shift of tmlc_i_mbqm for one channel's shift. */
TMLC_MVE_INLINE int32_t tmlc_mve_left(int32_t shift)
{
    return shift > 0 ? (shift > 31 ? 31 : shift) : 0;
}

TMLC_MVE_INLINE int32_t tmlc_mve_neg_right(int32_t shift)
{
    return shift >= 0 ? 0 : (shift < -31 ? -31 : shift);
}

/* The per-output-channel tables a GEMM-style kernel (1x1, im2col conv) prepares in its
 * scratch: the bias folded with input_offset * sum(filter row), the left shift, the negated
 * right shift. */
typedef struct {
    int32_t *folded_bias;
    int32_t *left;
    int32_t *neg_right;
    int32_t any_left; /* nonzero when some channel has a left shift */
} tmlc_mve_tables;

/* Bytes of the tables for out_c channels (three int32 per channel). */
#define TMLC_MVE_TABLE_BYTES(out_c) (12 * (out_c))

#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#define TMLC_HAVE_MVE 1
#include <arm_mve.h>

/* Requantizes four accumulators of four channels (vector multipliers and shifts). */
TMLC_MVE_INLINE int32x4_t tmlc_mve_requant(int32x4_t acc, int32x4_t multiplier, int32x4_t left,
                                           int32x4_t neg_right, int32_t output_offset,
                                           int32_t lo, int32_t hi)
{
    int32x4_t t = vqrdmulhq_s32(vshlq_s32(acc, left), multiplier);
    t = vqaddq_s32(t, vshrq_n_s32(vandq_s32(t, neg_right), 31));
    t = vaddq_n_s32(vrshlq_s32(t, neg_right), output_offset);
    return vminq_s32(vmaxq_s32(t, vdupq_n_s32(lo)), vdupq_n_s32(hi));
}

/* The same for four accumulators of one channel (scalar multiplier and shifts). */
TMLC_MVE_INLINE int32x4_t tmlc_mve_requant_n(int32x4_t acc, int32_t multiplier, int32_t left,
                                             int32_t neg_right, int32_t output_offset,
                                             int32_t lo, int32_t hi)
{
    int32x4_t t = vqrdmulhq_n_s32(vshlq_r_s32(acc, left), multiplier);
    t = vqaddq_s32(t, vshrq_n_s32(vandq_s32(t, vdupq_n_s32(neg_right)), 31));
    t = vaddq_n_s32(vrshlq_n_s32(t, neg_right), output_offset);
    return vminq_s32(vmaxq_s32(t, vdupq_n_s32(lo)), vdupq_n_s32(hi));
}
#endif

#endif /* TMLC_ARM_MVE_INTERNAL_H */
