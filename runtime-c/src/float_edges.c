/*
 * tmlc runtime: the float32 edges of a model (semantics::float_edges): QUANTIZE float32 -> int8
 * and DEQUANTIZE int8 -> float32, as TFLite Micro's reference AffineQuantize and Dequantize
 * compute them, bit for bit, in IEEE single precision and without libm.
 */
#include "tmlc/kernels.h"

/* round(x) half away from zero, for |x| < 2^23 (beyond, every float is an integer and the
 * caller saturates first). x - trunc(x) is exact in single precision. */
static int32_t round_half_away(float x) {
    int32_t truncated = (int32_t)x;
    float fraction = x - (float)truncated;
    if (fraction >= 0.5f) {
        return truncated + 1;
    }
    if (fraction <= -0.5f) {
        return truncated - 1;
    }
    return truncated;
}

void tmlc_quantize_f32_s8(const float *input, int8_t *output, int32_t size, float scale,
                          int32_t zero_point) {
    int32_t i;
    for (i = 0; i < size; ++i) {
        float scaled = input[i] / scale;
        int32_t value;
        if (scaled != scaled) {
            value = zero_point; /* NaN: the reference's saturating cast gives 0 */
        } else if (scaled > 32767.0f) {
            value = 127;
        } else if (scaled < -32768.0f) {
            value = -128;
        } else {
            value = round_half_away(scaled) + zero_point;
        }
        output[i] = (int8_t)(value < -128 ? -128 : value > 127 ? 127 : value);
    }
}

void tmlc_dequantize_s8_f32(const int8_t *input, float *output, int32_t size, float scale,
                            int32_t zero_point) {
    int32_t i;
    for (i = 0; i < size; ++i) {
        /* The reference computes (float)((double)scale * (q - zero_point)); the product is
         * exact in double, so this single-precision multiply rounds to the same float. */
        output[i] = scale * (float)((int32_t)input[i] - zero_point);
    }
}
