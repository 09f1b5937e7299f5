/*
 * tmlc runtime: int8 LOG_SOFTMAX (owns tmlc_log_softmax_s8).
 *
 * Mirrors dialects/tinyml/src/semantics/log_softmax.rs (TFLite's reference LogSoftmaxQuantized
 * with TFLM's LogSoftmaxOpData): per row, the differences to the row maximum at or above
 * diff_min are rescaled to Q5.26, exponentiated in gemmlowp fixed point to Q0.31 and summed in
 * Q12.19 (modulo 2^32); the log of the sum (Q5.26) is subtracted from every rescaled difference
 * above the adjusted threshold and the result brought to the output scale 16/256 with zero
 * point 127. The rescaled differences are recomputed in the output pass, as the reference does,
 * so that no scratch memory is needed.
 */
#include "tmlc/kernels.h"

#include "internal.h"

enum {
    SCALED_DIFF_INTEGER_BITS = 5,
    ACCUMULATION_INTEGER_BITS = 12,
    OUTPUT_INTEGER_BITS = 4
};

void tmlc_log_softmax_s8(const int8_t *input, int32_t rows, int32_t depth,
                         int32_t input_multiplier, int32_t input_left_shift,
                         int32_t reverse_scaling_divisor, int32_t reverse_scaling_right_shift,
                         int32_t diff_min, int8_t *output)
{
    int32_t r, i;
    for (r = 0; r < rows; ++r) {
        const int8_t *row = input + r * depth;
        int8_t *out_row = output + r * depth;
        int32_t max_in_row = -128;
        uint32_t sum_of_exps = 0;
        int32_t log_sum;
        int32_t reverse;
        int32_t adjusted_diff_min;
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
        log_sum = tmlc_log_x_for_x_greater_than_or_equal_to_1(
            tmlc_i_s32(sum_of_exps), ACCUMULATION_INTEGER_BITS, SCALED_DIFF_INTEGER_BITS);
        /* The smallest Q5.26 value plus the log, scaled back to input differences. */
        reverse = tmlc_i_mbqm(tmlc_i_add_wrap(log_sum, INT32_MIN), reverse_scaling_divisor,
                              -reverse_scaling_right_shift);
        adjusted_diff_min = diff_min - 1 > reverse ? diff_min - 1 : reverse;
        for (i = 0; i < depth; ++i) {
            const int32_t diff = row[i] - max_in_row;
            int8_t q = -128;
            if (diff > adjusted_diff_min) {
                const int32_t scaled = tmlc_i_mbqm(diff, input_multiplier, input_left_shift);
                const int32_t unsat = tmlc_i_rdbpot(
                    tmlc_i_sub_wrap(scaled, log_sum),
                    31 - SCALED_DIFF_INTEGER_BITS - OUTPUT_INTEGER_BITS);
                q = tmlc_i_clamp_s8(unsat + 127, -128, 127);
            }
            out_row[i] = q;
        }
    }
}
