/*
 * tmlc runtime, Helium (MVE) kernels: FULLY_CONNECTED (owns tmlc_fully_connected_s8_mve;
 * contract in tmlc/kernels_mve.h).
 *
 * Four weight rows per pass over one input row: 16 inputs and 16 weights of each row per
 * VMLADAVA, the last partial vector predicated. The input offset enters as offset * sum(row)
 * (VADDVA over the weights already loaded, so no preparation pass and no scratch: a fully
 * connected layer mostly runs one batch, where a separate pass would cost as much). The four
 * sums are requantized in one vector (per-channel or per-tensor multiplier) and stored with
 * one VSTRB.
 */
#include <stddef.h>

#include "tmlc/kernels_mve.h"

#include "tmlc/kernels.h"
#include "mve_internal.h"

void tmlc_fully_connected_s8_mve(const int8_t *input, int32_t batches, int32_t in_depth,
                                 int32_t input_offset, const int8_t *weights, int32_t out_depth,
                                 const int32_t *bias, const int32_t *multipliers,
                                 const int32_t *shifts, int32_t per_channel, int8_t *output,
                                 int32_t output_offset, int32_t act_min, int32_t act_max)
{
#ifdef TMLC_HAVE_MVE
    const int32_t k = in_depth;
    const int32_t full = k & ~15;
    const mve_pred16_t tail = vctp8q((uint32_t)(k - full));
    int32_t lo, hi, b, o;
    tmlc_mve_act_range(act_min, act_max, &lo, &hi);
    for (b = 0; b < batches; ++b) {
        const int8_t *x = input + b * k;
        int8_t *out = output + b * out_depth;
        for (o = 0; o < out_depth; o += 4) {
            const int32_t n = out_depth - o < 4 ? out_depth - o : 4;
            const mve_pred16_t p = vctp32q((uint32_t)n);
            const int8_t *w0 = weights + o * k;
            const int8_t *w1 = n > 1 ? w0 + k : w0;
            const int8_t *w2 = n > 2 ? w1 + k : w1;
            const int8_t *w3 = n > 3 ? w2 + k : w2;
            const int8_t *xp = x;
            int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
            int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            int32_t i;
            int32x4_t acc, sums, m, left, neg_right;
            for (i = full >> 4; i > 0; --i) {
                const int8x16_t xv = vldrbq_s8(xp);
                const int8x16_t v0 = vldrbq_s8(w0);
                const int8x16_t v1 = vldrbq_s8(w1);
                const int8x16_t v2 = vldrbq_s8(w2);
                const int8x16_t v3 = vldrbq_s8(w3);
                a0 = vmladavaq_s8(a0, xv, v0);
                s0 = vaddvaq_s8(s0, v0);
                a1 = vmladavaq_s8(a1, xv, v1);
                s1 = vaddvaq_s8(s1, v1);
                a2 = vmladavaq_s8(a2, xv, v2);
                s2 = vaddvaq_s8(s2, v2);
                a3 = vmladavaq_s8(a3, xv, v3);
                s3 = vaddvaq_s8(s3, v3);
                xp += 16;
                w0 += 16;
                w1 += 16;
                w2 += 16;
                w3 += 16;
            }
            if (full != k) {
                const int8x16_t xv = vldrbq_z_s8(xp, tail);
                const int8x16_t v0 = vldrbq_z_s8(w0, tail);
                const int8x16_t v1 = vldrbq_z_s8(w1, tail);
                const int8x16_t v2 = vldrbq_z_s8(w2, tail);
                const int8x16_t v3 = vldrbq_z_s8(w3, tail);
                a0 = vmladavaq_s8(a0, xv, v0);
                s0 = vaddvaq_s8(s0, v0);
                a1 = vmladavaq_s8(a1, xv, v1);
                s1 = vaddvaq_s8(s1, v1);
                a2 = vmladavaq_s8(a2, xv, v2);
                s2 = vaddvaq_s8(s2, v2);
                a3 = vmladavaq_s8(a3, xv, v3);
                s3 = vaddvaq_s8(s3, v3);
            }
            acc = vsetq_lane_s32(a3, vsetq_lane_s32(a2, vsetq_lane_s32(a1, vdupq_n_s32(a0), 1), 2),
                                 3);
            sums = vsetq_lane_s32(s3, vsetq_lane_s32(s2, vsetq_lane_s32(s1, vdupq_n_s32(s0), 1), 2),
                                  3);
            /* acc + offset * sums (+ bias), modulo 2^32 (VMLA wraps). */
            acc = vmlaq_n_s32(acc, sums, input_offset);
            if (bias != NULL) {
                acc = vaddq_s32(acc, vldrwq_z_s32(bias + o, p));
            }
            if (per_channel) {
                const int32x4_t s = vldrwq_z_s32(shifts + o, p);
                m = vldrwq_z_s32(multipliers + o, p);
                left = vminq_s32(vmaxq_s32(s, vdupq_n_s32(0)), vdupq_n_s32(31));
                neg_right = vmaxq_s32(vminq_s32(s, vdupq_n_s32(0)), vdupq_n_s32(-31));
            } else {
                m = vdupq_n_s32(multipliers[0]);
                left = vdupq_n_s32(tmlc_mve_left(shifts[0]));
                neg_right = vdupq_n_s32(tmlc_mve_neg_right(shifts[0]));
            }
            acc = tmlc_mve_requant(acc, m, left, neg_right, output_offset, lo, hi);
            vstrbq_p_s32(out + o, acc, p);
        }
    }
#else
    tmlc_fully_connected_s8(input, batches, in_depth, input_offset, weights, out_depth, bias,
                            multipliers, shifts, per_channel, output, output_offset, act_min,
                            act_max);
#endif
}
