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
 * One gate's fully-connected layer to int16: out[s] = sat16(mbqm(sum_i weights[s][i] *
 * (x[i] + x_offset) + bias[s])) for s < rows (bias may be NULL), weights [rows][depth].
 * scratch: TMLC_LSTM_S8_WORK's room beyond the four gate vectors, 4-byte aligned.
 */
typedef void (*tmlc_i_lstm_fc)(const int8_t *x, int32_t depth, int32_t x_offset,
                               const int8_t *weights, const int32_t *bias, int32_t rows,
                               int32_t multiplier, int32_t shift, int16_t *out,
                               uint32_t *scratch);

/* tmlc_lstm_s8 with the gates' fully-connected layers computed by fc. */
void tmlc_i_lstm_steps(const int8_t *input, const tmlc_lstm_params *params, int16_t *cell_state,
                       int8_t *hidden_state, int16_t *work, int8_t *output, tmlc_i_lstm_fc fc);

#endif /* TMLC_LSTM_INTERNAL_H */
