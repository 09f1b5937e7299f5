/*
 * tmlc runtime: int8 STRIDED_SLICE over 4-D (owns tmlc_strided_slice_s8).
 *
 * Mirrors dialects/tinyml/src/semantics/strided_slice.rs (TFLite's reference StridedSlice as
 * TFLite Micro runs it): the compiler resolves begin/end/strides and the masks into a start,
 * a stride and a visit count per axis (StridedSliceParams::axes); this file copies the visited
 * elements in row-major order. Strides may be negative. Plain loops, no libc.
 */
#include "tmlc/kernels.h"

void tmlc_strided_slice_s8(const int8_t *input, const int32_t in_dims[4], const int32_t start[4],
                           const int32_t stride[4], const int32_t count[4], int8_t *output)
{
    const int32_t s2 = in_dims[3];
    const int32_t s1 = in_dims[2] * s2;
    const int32_t s0 = in_dims[1] * s1;
    int32_t k0, k1, k2, k3;
    for (k0 = 0; k0 < count[0]; ++k0) {
        const int32_t o0 = (start[0] + k0 * stride[0]) * s0;
        for (k1 = 0; k1 < count[1]; ++k1) {
            const int32_t o1 = o0 + (start[1] + k1 * stride[1]) * s1;
            for (k2 = 0; k2 < count[2]; ++k2) {
                const int8_t *row = input + o1 + (start[2] + k2 * stride[2]) * s2;
                for (k3 = 0; k3 < count[3]; ++k3) {
                    *output++ = row[start[3] + k3 * stride[3]];
                }
            }
        }
    }
}
