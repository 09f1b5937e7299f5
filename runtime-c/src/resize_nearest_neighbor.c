/*
 * tmlc runtime: int8 RESIZE_NEAREST_NEIGHBOR (owns tmlc_resize_nearest_neighbor_s8).
 *
 * Mirrors dialects/tinyml/src/semantics/resize_nearest_neighbor.rs (TFLite's reference
 * ResizeNearestNeighbor): every output pixel copies the depth channels of one input pixel. The
 * source rows and columns come as tables from the compiler, which computes them with TFLM's
 * float formula; this file is integer only. Plain loops, no libc.
 */
#include "tmlc/kernels.h"

void tmlc_resize_nearest_neighbor_s8(const int8_t *input, int32_t batches, int32_t in_h,
                                     int32_t in_w, int32_t depth, const int32_t *rows,
                                     const int32_t *cols, int8_t *output, int32_t out_h,
                                     int32_t out_w)
{
    int32_t b, y, x, c;
    for (b = 0; b < batches; ++b) {
        const int8_t *batch = input + b * in_h * in_w * depth;
        for (y = 0; y < out_h; ++y) {
            const int8_t *row = batch + rows[y] * in_w * depth;
            for (x = 0; x < out_w; ++x) {
                const int8_t *pixel = row + cols[x] * depth;
                for (c = 0; c < depth; ++c) {
                    *output++ = pixel[c];
                }
            }
        }
    }
}
