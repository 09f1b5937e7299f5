/*
 * tmlc runtime: int8 CONCATENATION (owns tmlc_concat_s8).
 *
 * Mirrors dialects/tinyml/src/semantics/concat.rs: for each index of the dimensions before the
 * axis, the inputs' slices are appended in order. Inputs quantized like the output are copied
 * (TFLM's kernel); the others go through a 256-entry table precomputed by the compiler from the
 * reference's f32 requantization (see tmlc/kernels.h), which makes the result bit-exact without
 * floating point here. Plain loops, no libc.
 */
#include "tmlc/kernels.h"

void tmlc_concat_s8(const int8_t *const *inputs, const int32_t *axis_sizes,
                    const int8_t *const *luts, int32_t num_inputs, int32_t outer, int32_t inner,
                    int8_t *output)
{
    int32_t o, k, i;
    for (o = 0; o < outer; ++o) {
        for (k = 0; k < num_inputs; ++k) {
            const int32_t chunk = axis_sizes[k] * inner;
            const int8_t *src = inputs[k] + o * chunk;
            const int8_t *lut = luts != 0 ? luts[k] : 0;
            if (lut == 0) {
                for (i = 0; i < chunk; ++i) {
                    output[i] = src[i];
                }
            } else {
                for (i = 0; i < chunk; ++i) {
                    output[i] = lut[src[i] + 128];
                }
            }
            output += chunk;
        }
    }
}
