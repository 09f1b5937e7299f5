/*
 * tmlc runtime: int8 UNIDIRECTIONAL_SEQUENCE_LSTM with int16 gates and cell state
 * (semantics::lstm, TFLite Micro's integer LSTM kernel bit for bit).
 *
 * Per batch row and time step: each gate is act(sat16(FC(input) + FC(hidden))), the two
 * fully-connected layers requantized to int16 Q3.12; act is TFLite's int16 logistic or tanh,
 * which interpolate one 256-entry sigmoid table. Then cell = sat16(f*cell + i*g) (clipped), the
 * output gate from the previous hidden state, hidden = zp + tanh(cell)*o, copied to the output.
 * Arithmetic as internal.h says: no signed overflow, no implementation-defined shifts.
 */
#include "tmlc/kernels.h"

#include "internal.h"
#include "lstm_internal.h"

/* TFLite's sigmoid_table_uint16: sigmoid(i / 24) in 0.16 fixed point (semantics::lstm's
 * SIGMOID_TABLE; tests/kernel_library.rs checks the two agree). */
static const uint16_t tmlc_sigmoid_table[256] = {
    32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149, 40794,
    41432, 42064, 42688, 43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369, 47911, 48443,
    48964, 49475, 49975, 50464, 50942, 51409, 51865, 52311, 52745, 53169, 53581, 53983, 54374,
    54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433, 57724, 58007, 58280, 58544,
    58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370, 60565, 60753, 60935, 61110, 61279,
    61441, 61599, 61750, 61896, 62036, 62172, 62302, 62428, 62549, 62666, 62778, 62886, 62990,
    63090, 63186, 63279, 63368, 63454, 63536, 63615, 63691, 63765, 63835, 63903, 63968, 64030,
    64090, 64148, 64204, 64257, 64308, 64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652,
    64687, 64721, 64754, 64786, 64816, 64845, 64873, 64900, 64926, 64950, 64974, 64997, 65019,
    65039, 65060, 65079, 65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208, 65221, 65234,
    65246, 65258, 65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360,
    65367, 65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433,
    65438, 65442, 65445, 65449, 65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474, 65476,
    65479, 65481, 65483, 65485, 65488, 65489, 65491, 65493, 65495, 65497, 65498, 65500, 65501,
    65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513, 65514, 65515, 65516,
    65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522, 65523, 65523, 65524, 65524,
    65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528, 65528, 65528, 65529, 65529, 65529,
    65529, 65530, 65530, 65530, 65530, 65531, 65531, 65531, 65531, 65531, 65532, 65532, 65532,
    65532, 65532, 65532, 65533, 65533, 65533, 65533, 65533, 65533, 65533, 65533, 65534, 65534,
    65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65535};

static int16_t tmlc_i_sat16(int32_t x)
{
    if (x < INT16_MIN) {
        return INT16_MIN;
    }
    if (x > INT16_MAX) {
        return INT16_MAX;
    }
    return (int16_t)x;
}

int16_t tmlc_logistic_s16(int16_t x)
{
    int32_t input = (int32_t)x * 3;
    uint32_t abs_input = input < 0 ? (uint32_t)(-input) : (uint32_t)input;
    uint32_t uh = abs_input >> 9;
    uint32_t result;
    if (uh >= 255) {
        result = (uint32_t)0x7fff << 10;
    } else {
        uint32_t ua = tmlc_sigmoid_table[uh];
        uint32_t ub = tmlc_sigmoid_table[uh + 1];
        result = (ua << 9) + (abs_input & 0x1ff) * (ub - ua);
    }
    result = input >= 0 ? result + (1u << 9) : (1u << 25) - result + (1u << 9) - 1u;
    return (int16_t)(result >> 10);
}

int16_t tmlc_tanh_s16(int16_t x, int32_t input_multiplier, int32_t input_left_shift)
{
    int32_t multiplier = input_multiplier;
    int32_t shift = input_left_shift;
    int32_t input;
    uint32_t abs_input;
    uint32_t uh;
    int32_t result;
    if (multiplier == 0) {
        multiplier = 3 << shift;
        shift = 0;
    }
    input = tmlc_i_asr((int32_t)x * multiplier + (shift > 0 ? 1 << (shift - 1) : 0), shift);
    abs_input = input < 0 ? (uint32_t)(-input) : (uint32_t)input;
    uh = abs_input >> 8;
    if (uh >= 255) {
        result = 0xffff << 8;
    } else {
        uint32_t ua = tmlc_sigmoid_table[uh];
        uint32_t ub = tmlc_sigmoid_table[uh + 1];
        result = (int32_t)((ua << 8) + (abs_input & 0xff) * (ub - ua));
    }
    result = input >= 0 ? result - (1 << 23) + (1 << 7) : -result + (1 << 23) + (1 << 7) - 1;
    return (int16_t)tmlc_i_asr(result, 8);
}

/* One gate's fully-connected layer to int16 (weights zero point 0, output zero point 0). */
static void tmlc_i_gate_fc(const int8_t *x, const uint32_t *packed, int32_t depth,
                           int32_t x_offset, const int8_t *weights, const int32_t *bias,
                           int32_t rows, int32_t multiplier, int32_t shift, int16_t *out)
{
    int32_t s;
    int32_t i;
    (void)packed;
    for (s = 0; s < rows; ++s) {
        const int8_t *row = weights + s * depth;
        uint32_t acc = 0;
        for (i = 0; i < depth; ++i) {
            acc += (uint32_t)((int32_t)row[i] * ((int32_t)x[i] + x_offset));
        }
        if (bias != 0) {
            acc += (uint32_t)bias[s];
        }
        out[s] = tmlc_i_sat16(tmlc_i_mbqm(tmlc_i_s32(acc), multiplier, shift));
    }
}

/* gate = act(sat16(FC_x + FC_h)) for gate g (0 input, 1 forget, 2 cell, 3 output). */
static void tmlc_i_gate(const tmlc_lstm_params *p, const tmlc_i_lstm_fc *fc, int32_t g,
                        const int8_t *x, const int8_t *hidden, int16_t *out, int16_t *recurrent,
                        const uint32_t *packed_x, const uint32_t *packed_hidden)
{
    int32_t s;
    int32_t depth = p->state_depth;
    fc->fc(x, packed_x, p->input_depth, p->input_offset, p->weights[g], p->biases[g], depth,
           p->fc_multipliers[g], p->fc_shifts[g], out);
    fc->fc(hidden, packed_hidden, depth, -p->hidden_zero_point, p->weights[4 + g], 0, depth,
           p->fc_multipliers[4 + g], p->fc_shifts[4 + g], recurrent);
    for (s = 0; s < depth; ++s) {
        int16_t v = tmlc_i_sat16((int32_t)out[s] + (int32_t)recurrent[s]);
        out[s] = (g == 2 && !p->cell_gate_logistic) ? tmlc_tanh_s16(v, 0, 0)
                                                     : tmlc_logistic_s16(v);
    }
}

static int32_t tmlc_i_mul16(int16_t a, int16_t b, int32_t multiplier, int32_t shift)
{
    return tmlc_i_mbqm((int32_t)a * (int32_t)b, multiplier, shift);
}

void tmlc_i_lstm_steps(const int8_t *input, const tmlc_lstm_params *p, int16_t *cell_state,
                       int8_t *hidden_state, int16_t *work, int8_t *output,
                       const tmlc_i_lstm_fc *fc)
{
    int32_t depth = p->state_depth;
    int16_t *input_gate = work;
    int16_t *forget_gate = work + depth;
    int16_t *cell_gate = work + 2 * depth;
    int16_t *recurrent = work + 3 * depth;
    /* 4-byte aligned: work is, and 4 * depth halfwords are 8 * depth bytes. */
    uint32_t *packed_x = (uint32_t *)(void *)(work + 4 * depth);
    uint32_t *packed_hidden = packed_x + p->input_depth / 4 * 2;
    int32_t b;
    int32_t t;
    int32_t s;
    for (b = 0; b < p->batches; ++b) {
        int16_t *cell = cell_state + b * depth;
        int8_t *hidden = hidden_state + b * depth;
        for (t = 0; t < p->time_steps; ++t) {
            int32_t row = p->time_major ? t * p->batches + b : b * p->time_steps + t;
            const int8_t *x = input + row * p->input_depth;
            if (fc->pack != 0) {
                fc->pack(x, p->input_depth, p->input_offset, packed_x);
                fc->pack(hidden, depth, -p->hidden_zero_point, packed_hidden);
            }
            tmlc_i_gate(p, fc, 1, x, hidden, forget_gate, recurrent, packed_x, packed_hidden);
            tmlc_i_gate(p, fc, 0, x, hidden, input_gate, recurrent, packed_x, packed_hidden);
            tmlc_i_gate(p, fc, 2, x, hidden, cell_gate, recurrent, packed_x, packed_hidden);
            for (s = 0; s < depth; ++s) {
                int32_t kept = tmlc_i_sat16(tmlc_i_mul16(forget_gate[s], cell[s],
                                                         p->forget_cell_multiplier,
                                                         p->forget_cell_shift));
                int32_t added = tmlc_i_sat16(tmlc_i_mul16(input_gate[s], cell_gate[s],
                                                          p->input_mul_multiplier,
                                                          p->input_mul_shift));
                int16_t c = tmlc_i_sat16(kept + added);
                if (p->has_cell_clip) {
                    if (c > p->cell_clip) {
                        c = (int16_t)p->cell_clip;
                    }
                    if (c < -p->cell_clip) {
                        c = (int16_t)-p->cell_clip;
                    }
                }
                cell[s] = c;
            }
            /* The output gate reuses the input gate's buffer (read the old hidden state). */
            tmlc_i_gate(p, fc, 3, x, hidden, input_gate, recurrent, packed_x, packed_hidden);
            for (s = 0; s < depth; ++s) {
                int16_t tanh = tmlc_tanh_s16(cell[s], p->cell_tanh_multiplier, p->cell_tanh_shift);
                int32_t h = p->hidden_zero_point + tmlc_i_mul16(tanh, input_gate[s],
                                                                p->output_mul_multiplier,
                                                                p->output_mul_shift);
                hidden[s] = tmlc_i_clamp_s8(h, -128, 127);
            }
            for (s = 0; s < depth; ++s) {
                output[row * depth + s] = hidden[s];
            }
        }
    }
}

void tmlc_lstm_s8(const int8_t *input, const tmlc_lstm_params *params, int16_t *cell_state,
                  int8_t *hidden_state, int16_t *work, int8_t *output)
{
    static const tmlc_i_lstm_fc portable = {0, tmlc_i_gate_fc};
    tmlc_i_lstm_steps(input, params, cell_state, hidden_state, work, output, &portable);
}
