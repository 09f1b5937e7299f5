/*
 * tmlc runtime: int8 PAD / PADV2 over 4-D (owns tmlc_pad_s8).
 *
 * Mirrors dialects/tinyml/src/semantics/pad.rs (TFLite's reference Pad): the output is the pad
 * value everywhere except the input, placed at offset pad_before in every dimension. Works row
 * by row along the contiguous last dimension (plain loops: the runtime needs no libc).
 */
#include "tmlc/kernels.h"

static void fill(int8_t *dst, int8_t value, int32_t n)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        dst[i] = value;
    }
}

void tmlc_pad_s8(const int8_t *input, const int32_t in_dims[4], const int32_t pad_before[4],
                 const int32_t pad_after[4], int8_t pad_value, int8_t *output)
{
    int32_t out_dims[4];
    int32_t d, n, h, w;
    int32_t in_empty = 0;
    for (d = 0; d < 4; ++d) {
        out_dims[d] = in_dims[d] + pad_before[d] + pad_after[d];
        if (in_dims[d] <= 0) {
            in_empty = 1;
        }
    }
    for (n = 0; n < out_dims[0]; ++n) {
        const int32_t in_n = n - pad_before[0];
        for (h = 0; h < out_dims[1]; ++h) {
            const int32_t in_h = h - pad_before[1];
            for (w = 0; w < out_dims[2]; ++w) {
                const int32_t in_w = w - pad_before[2];
                if (in_empty || in_n < 0 || in_n >= in_dims[0] || in_h < 0 ||
                    in_h >= in_dims[1] || in_w < 0 || in_w >= in_dims[2]) {
                    fill(output, pad_value, out_dims[3]);
                } else {
                    const int8_t *in_row =
                        input + ((in_n * in_dims[1] + in_h) * in_dims[2] + in_w) * in_dims[3];
                    int32_t c;
                    fill(output, pad_value, pad_before[3]);
                    for (c = 0; c < in_dims[3]; ++c) {
                        output[pad_before[3] + c] = in_row[c];
                    }
                    fill(output + pad_before[3] + in_dims[3], pad_value, pad_after[3]);
                }
                output += out_dims[3];
            }
        }
    }
}
