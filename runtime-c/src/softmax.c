/*
 * tmlc runtime: int8 SOFTMAX (owns tmlc_softmax_s8).
 *
 * Mirrors dialects/tinyml/src/semantics/softmax.rs (TFLite's reference quantized Softmax with
 * TFLM's SoftmaxParams): per row, the differences to the row maximum are rescaled to Q5.26
 * (MultiplyByQuantizedMultiplierGreaterThanOne), exponentiated in gemmlowp fixed point to Q0.31,
 * summed in Q12.19 (modulo 2^32), inverted once with GetReciprocal, and each output is
 * RoundingDivideByPOT(SRDHM(reciprocal, exp), num_bits_over_unit + 23) - 128, clamped.
 * Differences below diff_min give -128 without an exp. The exp is recomputed in the output pass
 * (as the reference does) so that no scratch memory is needed.
 */
#include "tmlc/kernels.h"

#include "internal.h"

enum {
    SCALED_DIFF_INTEGER_BITS = 5,
    ACCUMULATION_INTEGER_BITS = 12
};

void tmlc_softmax_s8(const int8_t *input, int32_t rows, int32_t depth, int32_t input_multiplier,
                     int32_t input_left_shift, int32_t diff_min, int8_t *output)
{
    int32_t r, i;
    for (r = 0; r < rows; ++r) {
        const int8_t *row = input + r * depth;
        int8_t *out_row = output + r * depth;
        int32_t max_in_row = -128;
        uint32_t sum_of_exps = 0;
        int32_t num_bits_over_unit;
        int32_t shifted_scale;
        int32_t exponent;
        for (i = 0; i < depth; ++i) {
            if (row[i] > max_in_row) {
                max_in_row = row[i];
            }
        }
        for (i = 0; i < depth; ++i) {
            const int32_t diff = row[i] - max_in_row;
            if (diff >= diff_min) {
                const int32_t scaled = tmlc_i_mbqm(diff, input_multiplier, input_left_shift);
                const int32_t e = tmlc_exp_on_negative_values(scaled, SCALED_DIFF_INTEGER_BITS);
                /* Rescale Q0.31 -> Q12.19. */
                sum_of_exps += (uint32_t)tmlc_i_rdbpot(e, ACCUMULATION_INTEGER_BITS);
            }
        }
        shifted_scale = tmlc_get_reciprocal(tmlc_i_s32(sum_of_exps), ACCUMULATION_INTEGER_BITS,
                                            &num_bits_over_unit);
        exponent = num_bits_over_unit + 31 - 8;
        for (i = 0; i < depth; ++i) {
            const int32_t diff = row[i] - max_in_row;
            int8_t q = -128;
            if (diff >= diff_min) {
                const int32_t scaled = tmlc_i_mbqm(diff, input_multiplier, input_left_shift);
                const int32_t e = tmlc_exp_on_negative_values(scaled, SCALED_DIFF_INTEGER_BITS);
                const int32_t unsat = tmlc_i_rdbpot(tmlc_i_srdhm(shifted_scale, e), exponent);
                q = tmlc_i_clamp_s8(tmlc_i_add_wrap(unsat, -128), -128, 127);
            }
            out_row[i] = q;
        }
    }
}
