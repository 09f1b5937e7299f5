/*
 * tmlc runtime, Helium (MVE) kernels: ADD of two same-shape tensors (owns tmlc_add_s8_mve;
 * contract in tmlc/kernels_mve.h).
 *
 * Four elements per vector (int8 widened to int32 by the loads, the last vector predicated):
 * each input gets its offset and the common left shift (VSHL wraps, as the portable uint32_t
 * shift does), then its MultiplyByQuantizedMultiplier, the sum its own, then the output offset
 * and the clamp; every MultiplyByQuantizedMultiplier is mve_internal.h's exact 4-lane one. An
 * element is read before it is written, so the output may be either input (in place). Without
 * left shifts in the three MultiplyByQuantizedMultiplier (TFLite's usual parameters) the loop is
 * one tail-predicated assembly loop (add_loop).
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


/*
 * The loop below for no left shift in any MultiplyByQuantizedMultiplier, as one
 * tail-predicated assembly loop (DLSTP.32/LETP: the last pass loads and stores only the
 * elements left): the same instructions as mbqm, the negated right shifts and the activation
 * range held in q3-q7 (GCC's allocation of the C loop spilled them); the widening loads and
 * the narrowing store take low registers (r0-r2 here).
 */
static void add_loop(const int8_t *input1, const int8_t *input2, int8_t *output, int32_t size,
                     int32_t off1, int32_t off2, int32_t out_off, int32_t shift, int32_t m1,
                     int32_t m2, int32_t mo, int32_t r1, int32_t r2, int32_t ro, int32_t lo,
                     int32_t hi)
{
    /* The five vectors, then the element count and input1_offset in the first lanes of a
     * sixth (the assembly runs out of registers otherwise). */
    int32x4_t consts[6];
    register const int8_t *in1 __asm__("r0") = input1;
    register const int8_t *in2 __asm__("r1") = input2;
    register int8_t *out __asm__("r2") = output;
    const int32_t *c = (const int32_t *)consts;
    consts[0] = vdupq_n_s32(r1);
    consts[1] = vdupq_n_s32(r2);
    consts[2] = vdupq_n_s32(ro);
    consts[3] = vdupq_n_s32(lo);
    consts[4] = vdupq_n_s32(hi);
    consts[5] = vsetq_lane_s32(off1, vdupq_n_s32(size), 1);
    __asm__ volatile("vldrw.u32 q3, [%[c]]\n\t"
                     "vldrw.u32 q4, [%[c], #16]\n\t"
                     "vldrw.u32 q5, [%[c], #32]\n\t"
                     "vldrw.u32 q6, [%[c], #48]\n\t"
                     "vldrw.u32 q7, [%[c], #64]\n\t"
                     "ldr lr, [%[c], #80]\n\t"
                     "ldr %[c], [%[c], #84]\n\t"
                     "dlstp.32 lr, lr\n"
                     "1:\n\t"
                     "vldrb.s32 q0, [%[in1]], #4\n\t"
                     "vldrb.s32 q1, [%[in2]], #4\n\t"
                     "vadd.i32 q0, q0, %[c]\n\t"
                     "vadd.i32 q1, q1, %[off2]\n\t"
                     "vshl.s32 q0, %[shift]\n\t"
                     "vshl.s32 q1, %[shift]\n\t"
                     "vqrdmulh.s32 q0, q0, %[m1]\n\t"
                     "vand q2, q0, q3\n\t"
                     "vshr.s32 q2, q2, #31\n\t"
                     "vqadd.s32 q0, q0, q2\n\t"
                     "vrshl.s32 q0, q0, q3\n\t"
                     "vqrdmulh.s32 q1, q1, %[m2]\n\t"
                     "vand q2, q1, q4\n\t"
                     "vshr.s32 q2, q2, #31\n\t"
                     "vqadd.s32 q1, q1, q2\n\t"
                     "vrshl.s32 q1, q1, q4\n\t"
                     "vadd.i32 q0, q0, q1\n\t"
                     "vqrdmulh.s32 q0, q0, %[mo]\n\t"
                     "vand q2, q0, q5\n\t"
                     "vshr.s32 q2, q2, #31\n\t"
                     "vqadd.s32 q0, q0, q2\n\t"
                     "vrshl.s32 q0, q0, q5\n\t"
                     "vadd.i32 q0, q0, %[oo]\n\t"
                     "vmax.s32 q0, q0, q6\n\t"
                     "vmin.s32 q0, q0, q7\n\t"
                     "vstrb.32 q0, [%[out]], #4\n\t"
                     "letp lr, 1b"
                     : [in1] "+r"(in1), [in2] "+r"(in2), [out] "+r"(out), [c] "+r"(c)
                     : [off2] "r"(off2),
                       [shift] "r"(shift), [m1] "r"(m1), [m2] "r"(m2), [mo] "r"(mo),
                       [oo] "r"(out_off)
                     : "q0", "q1", "q2", "q3", "q4", "q5", "q6", "q7", "lr", "memory");
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
    if (left1 == 0 && left2 == 0 && left_out == 0 && size > 0) {
        add_loop(input1, input2, output, size, input1_offset, input2_offset, output_offset, shift,
                 input1_multiplier, input2_multiplier, output_multiplier, right1, right2,
                 right_out, lo, hi);
        return;
    }
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
