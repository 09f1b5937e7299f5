/*
 * tmlc runtime: int8 MEAN (owns tmlc_mean_s8 and tmlc_mean_fold_multiplier).
 *
 * Mirrors dialects/tinyml/src/semantics/mean.rs (TFLite's integer QuantizedMeanOrSum, used by
 * TFLM for int8 MEAN): sum modulo 2^32 over the reduced axis, subtract input_zero_point * n,
 * requantize with the multiplier into which 1/n has been folded by a truncating division, add
 * the output zero point, clamp to int8 (no fused activation).
 */
#include "tmlc/kernels.h"

#include "internal.h"

void tmlc_mean_fold_multiplier(int32_t q_multiplier, int32_t q_shift, int32_t n,
                               int32_t *multiplier, int32_t *shift)
{
    int32_t s = 0; /* floor(log2 n) */
    uint32_t v = (uint32_t)n;
    while (v > 1u) {
        v >>= 1;
        ++s;
    }
    if (s > 32) {
        s = 32;
    }
    if (s > 31 + q_shift) {
        s = 31 + q_shift;
    }
    if (s < 0) {
        s = 0;
    }
    /* (q_multiplier as i64) << s, then / n and a truncating `as i32`. */
    *multiplier = tmlc_i_s32((uint32_t)(((int64_t)q_multiplier * ((int64_t)1 << s)) / n));
    *shift = q_shift - s;
}

void tmlc_mean_s8(const int8_t *input, int32_t outer, int32_t reduce, int32_t inner,
                  int32_t input_zero_point, int32_t multiplier, int32_t shift,
                  int32_t output_zero_point, int8_t *output)
{
    /* (input_zero_point as i64 * n) truncated to 32 bits: only its value mod 2^32 matters. */
    const uint32_t zero_sum = (uint32_t)((int64_t)input_zero_point * (int64_t)reduce);
    int32_t o, i, r;
    for (o = 0; o < outer; ++o) {
        const int8_t *in_outer = input + o * reduce * inner;
        for (i = 0; i < inner; ++i) {
            uint32_t sum = 0;
            int32_t v;
            if (reduce <= 0) {
                *output++ = 0;
                continue;
            }
            for (r = 0; r < reduce; ++r) {
                const int32_t q = in_outer[r * inner + i];
                sum += (uint32_t)q;
            }
            v = tmlc_i_mbqm(tmlc_i_s32(sum - zero_sum), multiplier, shift);
            *output++ = tmlc_i_clamp_s8(tmlc_i_add_wrap(v, output_zero_point), -128, 127);
        }
    }
}
