/*
 * tmlc runtime: int8 TRANSPOSE over 5-D (owns tmlc_transpose_s8).
 *
 * Mirrors dialects/tinyml/src/semantics/transpose.rs (TFLite's reference Transpose): the output
 * is walked in row-major order and each step along output axis d moves the input position by
 * the input stride of axis perm[d]. A pure byte copy: plain loops, no libc.
 */
#include "tmlc/kernels.h"

void tmlc_transpose_s8(const int8_t *input, const int32_t in_dims[5], const int32_t perm[5],
                       int8_t *output)
{
    int32_t in_strides[5];
    int32_t out_dims[5];
    int32_t steps[5];
    int32_t d, i0, i1, i2, i3, i4;
    in_strides[4] = 1;
    for (d = 3; d >= 0; --d) {
        in_strides[d] = in_strides[d + 1] * in_dims[d + 1];
    }
    for (d = 0; d < 5; ++d) {
        out_dims[d] = in_dims[perm[d]];
        steps[d] = in_strides[perm[d]];
    }
    for (i0 = 0; i0 < out_dims[0]; ++i0) {
        for (i1 = 0; i1 < out_dims[1]; ++i1) {
            for (i2 = 0; i2 < out_dims[2]; ++i2) {
                for (i3 = 0; i3 < out_dims[3]; ++i3) {
                    const int8_t *src =
                        input + i0 * steps[0] + i1 * steps[1] + i2 * steps[2] + i3 * steps[3];
                    for (i4 = 0; i4 < out_dims[4]; ++i4) {
                        *output++ = src[i4 * steps[4]];
                    }
                }
            }
        }
    }
}
