/*
 * tmlc runtime: int8 table lookup (owns tmlc_lut_s8).
 *
 * The kernel of every op whose result element is a pure function of one int8 input element
 * under fixed quantizations (HARD_SWISH, LOGISTIC, TANH, LEAKY_RELU): the compiler tabulates
 * the reference semantics (dialects/tinyml/src/semantics/, each op's lookup_table interface)
 * on the inputs -128..127, so the result is exact by construction and this file needs no
 * arithmetic. May run in place (output == input).
 */
#include "tmlc/kernels.h"

void tmlc_lut_s8(const int8_t *input, const int8_t table[256], int8_t *output, int32_t size)
{
    int32_t i;
    for (i = 0; i < size; ++i) {
        output[i] = table[input[i] + 128];
    }
}
