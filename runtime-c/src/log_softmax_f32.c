/*
 * tmlc runtime: float32 LOG_SOFTMAX over the last axis (semantics::log_softmax_f32), as TFLite
 * Micro's reference LogSoftmax for float computes it: the row's maximum, the sum of expf(x - max)
 * in order, logf of the sum, and x - max - log_sum. Uses the C library's expf and logf (link with
 * -lm).
 */
#include <math.h>

#include "tmlc/kernels.h"

void tmlc_log_softmax_f32(const float *input, int32_t rows, int32_t depth, float *output) {
    int32_t r, c;
    for (r = 0; r < rows; ++r) {
        const float *row = input + r * depth;
        float *out = output + r * depth;
        float max = -3.402823466e+38f;
        float sum = 0.0f;
        float log_sum;
        for (c = 0; c < depth; ++c) {
            max = row[c] > max ? row[c] : max;
        }
        for (c = 0; c < depth; ++c) {
            sum += expf(row[c] - max);
        }
        log_sum = logf(sum);
        for (c = 0; c < depth; ++c) {
            out[c] = row[c] - max - log_sum;
        }
    }
}
