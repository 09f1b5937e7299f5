/*
 * tmlc runtime, Arm DSP kernels: int8 UNIDIRECTIONAL_SEQUENCE_LSTM (owns tmlc_lstm_s8_dsp).
 *
 * tmlc_lstm_s8's step loop (lstm_internal.h) with the gates' matrix-vector products on SMLAD:
 * per layer the vector (input or hidden state, plus its offset) is widened once into int16
 * pairs in the order SXTB16 widens four weight bytes ((x0, x2), (x1, x3)); then per weight
 * word one unaligned LDR, two SXTB16 and two SMLAD do four MACs. A depth that is not a
 * multiple of four ends with plain multiply-adds. The sums wrap modulo 2^32 as the portable
 * kernel's, so the results are its bytes.
 */
#include "tmlc/kernels_arm.h"

#include <stddef.h>

#include "../lstm_internal.h"
#include "dsp_internal.h"

static void fc_dsp(const int8_t *x, int32_t depth, int32_t x_offset, const int8_t *weights,
                   const int32_t *bias, int32_t rows, int32_t multiplier, int32_t shift,
                   int16_t *out, uint32_t *scratch)
{
    const int32_t groups = depth / 4;
    int32_t g;
    int32_t s;
    int32_t i;
    for (g = 0; g < groups; ++g) {
        const int8_t *q = x + 4 * g;
        scratch[2 * g] = tmlc_arm_pack16(q[0] + x_offset, q[2] + x_offset);
        scratch[2 * g + 1] = tmlc_arm_pack16(q[1] + x_offset, q[3] + x_offset);
    }
    for (s = 0; s < rows; ++s) {
        const int8_t *row = weights + s * depth;
        uint32_t acc = bias != NULL ? (uint32_t)bias[s] : 0u;
        int32_t v;
        for (g = 0; g < groups; ++g) {
            uint32_t w = tmlc_arm_load32(row + 4 * g);
            acc = tmlc_arm_smlad(tmlc_arm_sxtb16(w), scratch[2 * g], acc);
            acc = tmlc_arm_smlad(tmlc_arm_sxtb16_ror8(w), scratch[2 * g + 1], acc);
        }
        for (i = 4 * groups; i < depth; ++i) {
            acc += (uint32_t)((int32_t)row[i] * ((int32_t)x[i] + x_offset));
        }
        v = tmlc_i_mbqm(tmlc_i_s32(acc), multiplier, shift);
        out[s] = (int16_t)(v < INT16_MIN ? INT16_MIN : (v > INT16_MAX ? INT16_MAX : v));
    }
}

void tmlc_lstm_s8_dsp(const int8_t *input, const tmlc_lstm_params *params, int16_t *cell_state,
                      int8_t *hidden_state, int16_t *work, int8_t *output)
{
    tmlc_i_lstm_steps(input, params, cell_state, hidden_state, work, output, fc_dsp);
}
