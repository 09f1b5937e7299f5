/*
 * tmlc runtime: int8 binary table lookup (owns tmlc_add_table_s8).
 *
 * A same-shape ADD whose 65,536 results the compiler tabulated from the reference semantics
 * (dialects/tinyml/src/semantics/add.rs, every pair of int8 inputs) when the flash allows it:
 * the result is exact by construction and this file needs no arithmetic. Four elements per
 * iteration, the table index input1 * 256 + input2 (both offset by 128). May run in place
 * (output == input1 and/or input2).
 */
#include "tmlc/kernels.h"

void tmlc_add_table_s8(const int8_t *input1, const int8_t *input2, const int8_t *table,
                       int8_t *output, int32_t size)
{
    int32_t i = 0;
    for (; i + 4 <= size; i += 4) {
        const int32_t a0 = input1[i], a1 = input1[i + 1], a2 = input1[i + 2], a3 = input1[i + 3];
        const int32_t b0 = input2[i], b1 = input2[i + 1], b2 = input2[i + 2], b3 = input2[i + 3];
        output[i] = table[((a0 + 128) << 8) + b0 + 128];
        output[i + 1] = table[((a1 + 128) << 8) + b1 + 128];
        output[i + 2] = table[((a2 + 128) << 8) + b2 + 128];
        output[i + 3] = table[((a3 + 128) << 8) + b3 + 128];
    }
    for (; i < size; ++i) {
        output[i] = table[((input1[i] + 128) << 8) + input2[i] + 128];
    }
}
