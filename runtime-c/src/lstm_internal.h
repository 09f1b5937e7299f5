/*
 * tmlc runtime: the LSTM's step loop shared by the portable kernel (lstm.c) and the Arm DSP
 * kernel (arm/lstm_dsp.c), which differ only in the gates' fully-connected layers (private
 * header, not API).
 */
#ifndef TMLC_LSTM_INTERNAL_H
#define TMLC_LSTM_INTERNAL_H

#include <stdint.h>

#include "tmlc/kernels.h"

/*
 * How a kernel computes the gates' fully-connected layers to int16:
 *   fc:   out[s] = sat16(mbqm(sum_i weights[s][i] * (x[i] + x_offset) + bias[s])) for s < rows
 *         (bias may be NULL), weights [rows][depth]; packed is what pack made of x (or NULL).
 *   pack: NULL, or called once per step for the input row and the hidden state, before the
 *         gates: writes whatever fc wants of x into packed (room for depth / 4 * 2 words).
 */
typedef struct {
    void (*pack)(const int8_t *x, int32_t depth, int32_t x_offset, uint32_t *packed);
    void (*fc)(const int8_t *x, const uint32_t *packed, int32_t depth, int32_t x_offset,
               const int8_t *weights, const int32_t *bias, int32_t rows, int32_t multiplier,
               int32_t shift, int16_t *out);
} tmlc_i_lstm_fc;

/* tmlc_lstm_s8 with the gates' fully-connected layers computed by fc. */
void tmlc_i_lstm_steps(const int8_t *input, const tmlc_lstm_params *params, int16_t *cell_state,
                       int8_t *hidden_state, int16_t *work, int8_t *output,
                       const tmlc_i_lstm_fc *fc);

#endif /* TMLC_LSTM_INTERNAL_H */
