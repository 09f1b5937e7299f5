/*
 * tmlc runtime, Arm DSP kernels: int8 ADD of two same-shape tensors (owns tmlc_add_s8_dsp and
 * tmlc_add_s8_dsp_tables).
 *
 * TFLite's ADD requantizes three times per element (each input to the common scale after a
 * left shift by 20, then the sum to the output scale), and each MultiplyByQuantizedMultiplier
 * with its double rounding costs some 40 instructions in portable C. Here every value that is
 * requantized is small (|a| < 2^30: an input is (x + offset) * 2^left_shift with
 * |x + offset| <= 255 and left_shift <= 21, and the sum of two rescaled inputs is below 2^30),
 * so both roundings fold into one SMMLAR and one shift:
 *
 *   SRDHM(a, m) = floor((a * m + 2^30) / 2^31) = floor((2a * m + 2^31) / 2^32)
 *   RDBPOT(t, e) = floor((t + 2^(e-1) - [t < 0]) / 2^e)                       (e >= 1)
 *   MBQM(a, m, -e) + off = SMMLAR(2a, m, 2^(e-1) - [a < 0] + off * 2^e) >> e
 *
 * (dsp_internal.h has the proof that [a < 0] may replace [t < 0]; SMMLAR adds its third operand
 * times 2^32 before rounding the high word, and adding off * 2^e before the floor division adds
 * exactly off). For e = 0 the correction term is 0: MBQM(a, m, 0) = SMMLAR(2a, m, 0). The
 * result is what tmlc_add_s8 computes, bit for bit; calls outside the conditions above (left
 * shift > 21, offsets beyond +-128 or an output offset beyond +-128, negative multipliers,
 * left shifts in the multipliers, output right shift 0 or above 22) are passed to tmlc_add_s8.
 *
 * tmlc_add_s8_dsp_tables: the first two requantizations depend on one int8 input each, so the
 * compiler tabulates them (256 int32 per input, 2 KB in all, made by the op's own semantics):
 * per element two loads and one SMMLAR-based requantization, about a third of the instructions.
 */
#include "tmlc/kernels_arm.h"

#include "dsp_internal.h"

/* One MultiplyByQuantizedMultiplier with a right shift: a2 = 2a (|a| < 2^30), k = 2^(e-1) +
 * offset * 2^e and sign_mask = 1 for e >= 1, k = offset = 0 and sign_mask = 0 for e = 0. */
static inline int32_t add_mbqm(int32_t a2, int32_t multiplier, uint32_t k, uint32_t sign_mask,
                               int32_t e)
{
    const uint32_t ra = k - (((uint32_t)a2 >> 31) & sign_mask);
    return tmlc_i_asr(tmlc_arm_smmlar(a2, multiplier, tmlc_i_s32(ra)), e);
}

/* The constants of one requantization stage. */
typedef struct {
    int32_t multiplier, e;
    uint32_t k, sign_mask;
} add_stage;

/* Prepares a stage for shift <= 0 (e = min(-shift, 31)) and an offset folded into it (0 for
 * the input stages). */
static void add_stage_init(add_stage *st, int32_t multiplier, int32_t shift, int32_t offset)
{
    st->multiplier = multiplier;
    st->e = shift < -31 ? 31 : -shift;
    if (st->e >= 1) {
        st->k = ((uint32_t)1 << (st->e - 1)) + ((uint32_t)offset << st->e);
        st->sign_mask = 1u;
    } else {
        st->k = 0;
        st->sign_mask = 0;
    }
}

/* The unclamped output of one element (see the header comment). */
static inline int32_t add_one(const add_stage *s1, const add_stage *s2, const add_stage *so,
                              int8_t x, int8_t y, uint32_t scale, uint32_t o1, uint32_t o2)
{
    const int32_t x2 = tmlc_i_s32((uint32_t)x * scale + o1);
    const int32_t y2 = tmlc_i_s32((uint32_t)y * scale + o2);
    const int32_t sx = add_mbqm(x2, s1->multiplier, s1->k, s1->sign_mask, s1->e);
    const int32_t sy = add_mbqm(y2, s2->multiplier, s2->k, s2->sign_mask, s2->e);
    return add_mbqm(tmlc_i_s32((uint32_t)(sx + sy) << 1), so->multiplier, so->k, so->sign_mask,
                    so->e);
}

void tmlc_add_s8_dsp(const int8_t *input1, const int8_t *input2, int8_t *output, int32_t size,
                     int32_t input1_offset, int32_t input2_offset, int32_t output_offset,
                     int32_t left_shift, int32_t input1_multiplier, int32_t input1_shift,
                     int32_t input2_multiplier, int32_t input2_shift, int32_t output_multiplier,
                     int32_t output_shift, int32_t act_min, int32_t act_max)
{
    add_stage s1, s2, so;
    int32_t lo, hi, i;
    uint32_t scale, o1, o2;
    if (left_shift < 0 || left_shift > 21 || input1_offset < -128 || input1_offset > 128 ||
        input2_offset < -128 || input2_offset > 128 || output_offset < -128 ||
        output_offset > 128 || input1_multiplier < 0 || input2_multiplier < 0 ||
        output_multiplier < 0 || input1_shift > 0 || input2_shift > 0 || output_shift > -1 ||
        output_shift < -22) {
        tmlc_add_s8(input1, input2, output, size, input1_offset, input2_offset, output_offset,
                    left_shift, input1_multiplier, input1_shift, input2_multiplier,
                    input2_shift, output_multiplier, output_shift, act_min, act_max);
        return;
    }
    add_stage_init(&s1, input1_multiplier, input1_shift, 0);
    add_stage_init(&s2, input2_multiplier, input2_shift, 0);
    add_stage_init(&so, output_multiplier, output_shift, output_offset);
    tmlc_dsp_act_range(act_min, act_max, &lo, &hi);
    /* 2a = (x + offset) * 2^(left_shift + 1) = x * scale + offset * scale (one MLA). */
    scale = (uint32_t)1 << (left_shift + 1);
    o1 = (uint32_t)input1_offset * scale;
    o2 = (uint32_t)input2_offset * scale;
    if (lo == -128 && hi == 127) {
        for (i = 0; i < size; ++i) {
            output[i] = (int8_t)tmlc_arm_ssat8(add_one(&s1, &s2, &so, input1[i], input2[i],
                                                       scale, o1, o2));
        }
    } else {
        for (i = 0; i < size; ++i) {
            output[i] = tmlc_dsp_clamp(add_one(&s1, &s2, &so, input1[i], input2[i], scale, o1, o2),
                                       lo, hi);
        }
    }
}

void tmlc_add_s8_dsp_tables(const int8_t *input1, const int8_t *input2, const int32_t *tables,
                            int8_t *output, int32_t size, int32_t output_offset,
                            int32_t output_multiplier, int32_t output_shift, int32_t act_min,
                            int32_t act_max)
{
    const int32_t *t1 = tables + 128, *t2 = tables + 384;
    add_stage so;
    int32_t lo, hi, i;
    tmlc_dsp_act_range(act_min, act_max, &lo, &hi);
    if (output_offset < -128 || output_offset > 128 || output_multiplier < 0 ||
        output_shift > -1 || output_shift < -22) {
        /* Outside the fast stage: the exact generic requantization of the same sums. */
        for (i = 0; i < size; ++i) {
            const uint32_t sum = (uint32_t)t1[input1[i]] + (uint32_t)t2[input2[i]];
            output[i] = tmlc_dsp_clamp(
                tmlc_dsp_generic(sum, output_multiplier, output_shift, output_offset), lo, hi);
        }
        return;
    }
    add_stage_init(&so, output_multiplier, output_shift, output_offset);
    if (lo == -128 && hi == 127) {
        for (i = 0; i < size; ++i) {
            const int32_t a2 = tmlc_i_s32(((uint32_t)t1[input1[i]] + (uint32_t)t2[input2[i]]) << 1);
            output[i] =
                (int8_t)tmlc_arm_ssat8(add_mbqm(a2, so.multiplier, so.k, so.sign_mask, so.e));
        }
    } else {
        for (i = 0; i < size; ++i) {
            const int32_t a2 = tmlc_i_s32(((uint32_t)t1[input1[i]] + (uint32_t)t2[input2[i]]) << 1);
            output[i] =
                tmlc_dsp_clamp(add_mbqm(a2, so.multiplier, so.k, so.sign_mask, so.e), lo, hi);
        }
    }
}
