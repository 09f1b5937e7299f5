/*
 * tmlc runtime, Helium (MVE) kernels: ADD of two same-shape tensors (owns tmlc_add_s8_mve;
 * contract in tmlc/kernels_mve.h).
 *
 * Four elements per vector (int8 widened to int32 by the loads, the last vector predicated):
 * each input gets its offset and the common left shift (VSHL wraps, as the portable uint32_t
 * shift does), then its MultiplyByQuantizedMultiplier, the sum its own, then the output offset
 * and the clamp; every MultiplyByQuantizedMultiplier is mve_internal.h's exact 4-lane one. An
 * element is read before it is written, so the output may be either input (in place).
 */
#include "tmlc/kernels_mve.h"

#include "tmlc/kernels.h"
#include "mve_internal.h"

#ifdef TMLC_HAVE_MVE

/* MultiplyByQuantizedMultiplier of four lanes, without offset or clamp. */
TMLC_MVE_INLINE int32x4_t mbqm(int32x4_t x, int32_t multiplier, int32_t left, int32_t neg_right)
{
    int32x4_t t = vqrdmulhq_n_s32(vshlq_r_s32(x, left), multiplier);
    t = vqaddq_s32(t, vshrq_n_s32(vandq_s32(t, vdupq_n_s32(neg_right)), 31));
    return vrshlq_n_s32(t, neg_right);
}

#endif

void tmlc_add_s8_mve(const int8_t *input1, const int8_t *input2, int8_t *output, int32_t size,
                     int32_t input1_offset, int32_t input2_offset, int32_t output_offset,
                     int32_t left_shift, int32_t input1_multiplier, int32_t input1_shift,
                     int32_t input2_multiplier, int32_t input2_shift, int32_t output_multiplier,
                     int32_t output_shift, int32_t act_min, int32_t act_max)
{
#ifdef TMLC_HAVE_MVE
    const int32_t shift = left_shift < 0 ? 0 : (left_shift > 31 ? 31 : left_shift);
    const int32_t left1 = tmlc_mve_left(input1_shift);
    const int32_t right1 = tmlc_mve_neg_right(input1_shift);
    const int32_t left2 = tmlc_mve_left(input2_shift);
    const int32_t right2 = tmlc_mve_neg_right(input2_shift);
    const int32_t left_out = tmlc_mve_left(output_shift);
    const int32_t right_out = tmlc_mve_neg_right(output_shift);
    int32_t lo, hi, i;
    int32x4_t los, his;
    tmlc_mve_act_range(act_min, act_max, &lo, &hi);
    los = vdupq_n_s32(lo);
    his = vdupq_n_s32(hi);
    for (i = 0; i < size; i += 4) {
        const mve_pred16_t p = vctp32q((uint32_t)(size - i));
        const int32x4_t x = vshlq_r_s32(vaddq_n_s32(vldrbq_z_s32(input1 + i, p), input1_offset),
                                        shift);
        const int32x4_t y = vshlq_r_s32(vaddq_n_s32(vldrbq_z_s32(input2 + i, p), input2_offset),
                                        shift);
        const int32x4_t sum =
            vaddq_s32(mbqm(x, input1_multiplier, left1, right1),
                      mbqm(y, input2_multiplier, left2, right2));
        int32x4_t out = vaddq_n_s32(mbqm(sum, output_multiplier, left_out, right_out),
                                    output_offset);
        out = vminq_s32(vmaxq_s32(out, los), his);
        vstrbq_p_s32(output + i, out, p);
    }
#else
    tmlc_add_s8(input1, input2, output, size, input1_offset, input2_offset, output_offset,
                left_shift, input1_multiplier, input1_shift, input2_multiplier, input2_shift,
                output_multiplier, output_shift, act_min, act_max);
#endif
}
