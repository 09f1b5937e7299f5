/*
 * tmlc runtime, Arm DSP kernels: int8 UNIDIRECTIONAL_SEQUENCE_LSTM (owns tmlc_lstm_s8_dsp).
 *
 * tmlc_lstm_s8's step loop (lstm_internal.h) with the gates' matrix-vector products on SMLAD:
 * per step the input row and the hidden state (plus their offsets) are widened once into int16
 * pairs in the order SXTB16 widens four weight bytes ((x0, x2), (x1, x3)), for all four gates;
 * then, two rows at a time, per weight word one unaligned LDR, two SXTB16 and two SMLAD do four
 * MACs. A depth that is not a multiple of four ends with plain multiply-adds. The sums wrap modulo 2^32 as the portable
 * kernel's, so the results are its bytes.
 */
#include "tmlc/kernels_arm.h"

#include "../lstm_internal.h"
#include "dsp_internal.h"

/* Widens x + x_offset into int16 pairs in SXTB16's order: (x0, x2), (x1, x3) per group. */
static void pack_dsp(const int8_t *x, int32_t depth, int32_t x_offset, uint32_t *packed)
{
    int32_t g;
    for (g = 0; g < depth / 4; ++g) {
        const int8_t *q = x + 4 * g;
        packed[2 * g] = tmlc_arm_pack16(q[0] + x_offset, q[2] + x_offset);
        packed[2 * g + 1] = tmlc_arm_pack16(q[1] + x_offset, q[3] + x_offset);
    }
}

static int16_t requant16(uint32_t acc, int32_t multiplier, int32_t shift)
{
    int32_t v = tmlc_i_mbqm(tmlc_i_s32(acc), multiplier, shift);
    return (int16_t)(v < INT16_MIN ? INT16_MIN : (v > INT16_MAX ? INT16_MAX : v));
}

/* The products of x's tail (depth % 4 elements from first) with one row. */
static uint32_t tail(const int8_t *x, const int8_t *row, int32_t first, int32_t depth,
                     int32_t x_offset, uint32_t acc)
{
    int32_t i;
    for (i = first; i < depth; ++i) {
        acc += (uint32_t)((int32_t)row[i] * ((int32_t)x[i] + x_offset));
    }
    return acc;
}

/* Two rows at a time, so that each widened pair of x is loaded once for both. */
static void fc_dsp(const int8_t *x, const uint32_t *packed, int32_t depth, int32_t x_offset,
                   const int8_t *weights, const int32_t *bias, int32_t rows, int32_t multiplier,
                   int32_t shift, int16_t *out)
{
    const int32_t groups = depth / 4;
    int32_t s = 0;
    int32_t g;
    for (; s + 1 < rows; s += 2) {
        const int8_t *row0 = weights + s * depth;
        const int8_t *row1 = row0 + depth;
        uint32_t acc0 = bias != 0 ? (uint32_t)bias[s] : 0u;
        uint32_t acc1 = bias != 0 ? (uint32_t)bias[s + 1] : 0u;
        for (g = 0; g < groups; ++g) {
            uint32_t even = packed[2 * g];
            uint32_t odd = packed[2 * g + 1];
            uint32_t w0 = tmlc_arm_load32(row0 + 4 * g);
            uint32_t w1 = tmlc_arm_load32(row1 + 4 * g);
            acc0 = tmlc_arm_smlad(tmlc_arm_sxtb16(w0), even, acc0);
            acc0 = tmlc_arm_smlad(tmlc_arm_sxtb16_ror8(w0), odd, acc0);
            acc1 = tmlc_arm_smlad(tmlc_arm_sxtb16(w1), even, acc1);
            acc1 = tmlc_arm_smlad(tmlc_arm_sxtb16_ror8(w1), odd, acc1);
        }
        out[s] = requant16(tail(x, row0, 4 * groups, depth, x_offset, acc0), multiplier, shift);
        out[s + 1] =
            requant16(tail(x, row1, 4 * groups, depth, x_offset, acc1), multiplier, shift);
    }
    if (s < rows) {
        const int8_t *row = weights + s * depth;
        uint32_t acc = bias != 0 ? (uint32_t)bias[s] : 0u;
        for (g = 0; g < groups; ++g) {
            uint32_t w = tmlc_arm_load32(row + 4 * g);
            acc = tmlc_arm_smlad(tmlc_arm_sxtb16(w), packed[2 * g], acc);
            acc = tmlc_arm_smlad(tmlc_arm_sxtb16_ror8(w), packed[2 * g + 1], acc);
        }
        out[s] = requant16(tail(x, row, 4 * groups, depth, x_offset, acc), multiplier, shift);
    }
}

void tmlc_lstm_s8_dsp(const int8_t *input, const tmlc_lstm_params *params, int16_t *cell_state,
                      int8_t *hidden_state, int16_t *work, int8_t *output)
{
    static const tmlc_i_lstm_fc dsp = {pack_dsp, fc_dsp};
    tmlc_i_lstm_steps(input, params, cell_state, hidden_state, work, output, &dsp);
}
