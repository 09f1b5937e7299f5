/*
 * tmlc runtime: int8 FULLY_CONNECTED (owns tmlc_fully_connected_s8).
 *
 * Mirrors dialects/tinyml/src/semantics/fully_connected.rs (TFLite's reference FullyConnected
 * and FullyConnectedPerChannel): per batch row and output unit, the dot product modulo 2^32 of
 * the weights with (input + input_offset), the raw bias, then double-rounding requantization
 * with a per-channel or a single (per-tensor) multiplier.
 */
#include "tmlc/kernels.h"

#include "internal.h"

void tmlc_fully_connected_s8(const int8_t *input, int32_t batches, int32_t in_depth,
                             int32_t input_offset, const int8_t *weights, int32_t out_depth,
                             const int32_t *bias, const int32_t *multipliers,
                             const int32_t *shifts, int32_t per_channel, int8_t *output,
                             int32_t output_offset, int32_t act_min, int32_t act_max)
{
    const uint32_t offset = (uint32_t)input_offset;
    int32_t b, o, i;
    for (b = 0; b < batches; ++b) {
        const int8_t *x = input + b * in_depth;
        for (o = 0; o < out_depth; ++o) {
            const int8_t *w = weights + o * in_depth;
            const int32_t c = per_channel ? o : 0;
            uint32_t acc = 0;
            for (i = 0; i < in_depth; ++i) {
                acc += (uint32_t)w[i] * ((uint32_t)x[i] + offset);
            }
            if (bias != 0) {
                acc += (uint32_t)bias[o];
            }
            *output++ = tmlc_i_requant_s8(acc, multipliers[c], shifts[c], output_offset, act_min,
                                          act_max);
        }
    }
}
