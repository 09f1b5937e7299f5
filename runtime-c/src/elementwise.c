/*
 * tmlc runtime: standalone elementwise int8 ops (owns tmlc_clamp_s8 and tmlc_requantize_s8).
 *
 * Mirrors dialects/tinyml/src/semantics/activation.rs: RELU / RELU6 keep the quantization and
 * are clamps; int8 -> int8 QUANTIZE rescales with the double-rounding
 * MultiplyByQuantizedMultiplier. Both may run in place (output == input).
 */
#include "tmlc/kernels.h"

#include "internal.h"

void tmlc_clamp_s8(const int8_t *input, int8_t *output, int32_t size, int32_t act_min,
                   int32_t act_max)
{
    int32_t i;
    for (i = 0; i < size; ++i) {
        int32_t value = input[i];
        value = value < act_min ? act_min : value;
        value = value > act_max ? act_max : value;
        output[i] = (int8_t)value;
    }
}

void tmlc_requantize_s8(const int8_t *input, int8_t *output, int32_t size,
                        int32_t input_zero_point, int32_t multiplier, int32_t shift,
                        int32_t output_zero_point)
{
    int32_t i;
    for (i = 0; i < size; ++i) {
        int32_t value = tmlc_multiply_by_quantized_multiplier((int32_t)input[i] - input_zero_point,
                                                              multiplier, shift) +
                        output_zero_point;
        value = value < -128 ? -128 : value;
        value = value > 127 ? 127 : value;
        output[i] = (int8_t)value;
    }
}
