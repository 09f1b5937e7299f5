//! int8 UNIDIRECTIONAL_SEQUENCE_LSTM with int16 gates and cell state: TFLite Micro's integer
//! kernel (`micro/kernels/unidirectional_sequence_lstm.cc`, `lstm_eval.{h,cc}`,
//! `lstm_eval_common.cc`), bit for bit.
//!
//! Prepare ([`LstmParams::prepare`]): every gate has two fully-connected layers, on the input and
//! on the hidden state, both writing int16 at the fixed scale 2^-12 (Q3.12, the input of the
//! gate's nonlinearity); their multipliers come from `CalculateOpDataFullyConnected`, i.e.
//! `GetQuantizedConvolutionMultipler` with the scale product taken in **f32**:
//! `(f64)(s_x * s_w) / (f64)2^-12`. The three element-wise products of the cell and hidden
//! updates (`CreateInterGateMulParams`) take their scales in **f64**: `(f64)2^-15 * (f64)s_c /
//! (f64)s_c` (forget x cell), `(f64)2^-15 * (f64)2^-15 / (f64)s_c` (input x cell gate) and
//! `(f64)2^-15 * (f64)2^-15 / (f64)s_h` (tanh(cell) x output gate, to the int8 hidden state). The
//! cell scale's power of two comes from `CheckedLog2` (f32 `log`, rounded), the cell clip from
//! `(f64)clip / (f64)s_c` saturated to int16.
//!
//! Eval, per batch row and time step (rows are independent, so `time_major` only changes where
//! a row's input and output live): each gate is `act(sat16(FC_x + FC_h))` with `FC_x` the
//! input's (with the gate's bias) and `FC_h` the hidden state's (no bias), each requantized by
//! the double-rounding `MultiplyByQuantizedMultiplier` and clamped to int16; `act` is TFLite's
//! int16 `Logistic` / `Tanh`, interpolating `sigmoid_table_uint16` (inputs times 3, the
//! power-of-two case of both). Then `c = sat16(mul(f, c) + mul(i, g))`, clipped when
//! `cell_clip > 0`; the output gate is computed from the *old* hidden state after the cell
//! update; `h = clamp8(zp_h + mul(tanh(c), o))`, and `h` is also the step's output (TFLM copies
//! the bytes, so the output's own quantization is not used).
//!
//! The hidden and cell states persist between invocations (TFLM's variable tensors); TFLM's
//! `ResetVariableTensors` fills an int8 state with its zero point and an int16 one with 0
//! ([`LstmState::reset`]). TFLM's kernel supports only the standard LSTM: no CIFG, peephole,
//! projection or layer normalization (its `Prepare` fails on them), and per-tensor weights.

use super::quant::{multiply_by_quantized_multiplier, quantize_multiplier, QuantizedMultiplier};

/// The fixed scale of every gate's fully-connected output (Q3.12).
pub const GATE_INPUT_SCALE: f32 = 1.0 / 4096.0;
/// The fixed scale of every gate's nonlinearity output (Q0.15).
pub const GATE_OUTPUT_SCALE: f32 = 1.0 / 32768.0;

/// TFLite's `sigmoid_table_uint16` (internal/common.h): sigmoid(i / 24) in 0.16 fixed point,
/// shared by the int16 logistic and tanh (`tanh(x) = 2 sigmoid(2x) - 1`).
pub const SIGMOID_TABLE: [u16; 256] = [
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
    65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65535,
];

/// The nonlinearity of the cell gate (TFLite's `fused_activation_function`; TFLM supports these
/// two).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellActivation {
    Tanh,
    Logistic,
}

/// The four gates, in the order of TFLite's tensors (input, forget, cell, output).
pub const GATES: [&str; 4] = ["input", "forget", "cell", "output"];

/// The sizes of an LSTM: batches, time steps, input and state (hidden and cell) depth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LstmShape {
    pub batches: usize,
    pub time_steps: usize,
    pub input_depth: usize,
    pub state_depth: usize,
    /// Input `[time, batch, input]` (else `[batch, time, input]`); the output likewise.
    pub time_major: bool,
}

impl LstmShape {
    /// The offset of row (batch `b`, time `t`) in a `[.., .., depth]` tensor.
    pub fn row(&self, b: usize, t: usize) -> usize {
        if self.time_major {
            t * self.batches + b
        } else {
            b * self.time_steps + t
        }
    }
}

/// The quantization an LSTM is prepared from (scales as stored in the model).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LstmQuantization {
    pub input: (f32, i32),
    /// The per-tensor scales of the input weights and of the recurrent weights, per gate
    /// ([`GATES`] order).
    pub input_weight_scales: [f32; 4],
    pub recurrent_weight_scales: [f32; 4],
    /// The hidden state (int8): scale and zero point.
    pub hidden: (f32, i32),
    /// The cell state's (int16, symmetric) scale.
    pub cell_scale: f32,
    pub cell_clip: f32,
    pub cell_activation: CellActivation,
}

/// TFLM's `OpDataLSTM` for the int8 x int8 -> int16 kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LstmParams {
    pub input_zero_point: i32,
    pub hidden_zero_point: i32,
    /// Per gate ([`GATES`] order): the input and the recurrent fully-connected multipliers.
    pub input_fc: [QuantizedMultiplier; 4],
    pub recurrent_fc: [QuantizedMultiplier; 4],
    /// forget gate x cell -> cell, input gate x cell gate -> cell, tanh(cell) x output gate ->
    /// hidden.
    pub forget_cell_mul: QuantizedMultiplier,
    pub input_mul: QuantizedMultiplier,
    pub output_mul: QuantizedMultiplier,
    /// The cell clip in cell-state units; `None` when the model's clip is 0 (no clipping).
    pub cell_clip: Option<i16>,
    /// The left shift of the tanh of the cell state (`15 + log2(s_c) - 3`), and whether it is
    /// negative (then TFLM scales by 3 and shifts right by its magnitude).
    pub cell_tanh: (i32, i32),
    pub cell_activation: CellActivation,
}

/// `QuantizeMultiplier((f64)(s_in * s_w) / (f64)s_out)`, the product in f32
/// (`GetQuantizedConvolutionMultipler`).
fn fc_multiplier(input_scale: f32, weight_scale: f32) -> QuantizedMultiplier {
    quantize_multiplier((input_scale * weight_scale) as f64 / GATE_INPUT_SCALE as f64)
}

/// `CreateInterGateMulParams`: the scales widened to f64 before the product.
fn mul_multiplier(a: f32, b: f32, out: f32) -> QuantizedMultiplier {
    quantize_multiplier(a as f64 * b as f64 / out as f64)
}

/// `CheckedLog2`'s result: `round(log(x) * (1 / log(2)))` in f32.
pub fn log2_power(x: f32) -> i32 {
    (x.ln() * (1.0f32 / 2.0f32.ln())).round() as i32
}

impl LstmParams {
    pub fn prepare(q: &LstmQuantization) -> LstmParams {
        let input_fc = q
            .input_weight_scales
            .map(|scale| fc_multiplier(q.input.0, scale));
        let recurrent_fc = q
            .recurrent_weight_scales
            .map(|scale| fc_multiplier(q.hidden.0, scale));
        let clip = (q.cell_clip as f64 / q.cell_scale as f64).clamp(-32768.0, 32767.0) as i16;
        let shift = 15 + log2_power(q.cell_scale) - 3;
        LstmParams {
            input_zero_point: q.input.1,
            hidden_zero_point: q.hidden.1,
            input_fc,
            recurrent_fc,
            forget_cell_mul: mul_multiplier(GATE_OUTPUT_SCALE, q.cell_scale, q.cell_scale),
            input_mul: mul_multiplier(GATE_OUTPUT_SCALE, GATE_OUTPUT_SCALE, q.cell_scale),
            output_mul: mul_multiplier(GATE_OUTPUT_SCALE, GATE_OUTPUT_SCALE, q.hidden.0),
            cell_clip: (q.cell_clip > 0.0).then_some(clip),
            cell_tanh: if shift < 0 { (3, -shift) } else { (0, shift) },
            cell_activation: q.cell_activation,
        }
    }
}

/// An LSTM's weights: per gate ([`GATES`] order) the input weights `[S, I]`, the recurrent
/// weights `[S, S]` and the bias `[S]`.
#[derive(Debug, Clone, Copy)]
pub struct LstmWeights<'a> {
    pub input: [&'a [i8]; 4],
    pub recurrent: [&'a [i8]; 4],
    pub bias: [&'a [i32]; 4],
}

/// The persistent state of one LSTM: the int8 hidden state and the int16 cell state, `[B, S]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LstmState {
    pub hidden: Vec<i8>,
    pub cell: Vec<i16>,
}

impl LstmState {
    /// TFLM's reset: the hidden state at its zero point, the cell state at 0.
    pub fn reset(shape: &LstmShape, hidden_zero_point: i32) -> LstmState {
        let n = shape.batches * shape.state_depth;
        LstmState {
            hidden: vec![hidden_zero_point as i8; n],
            cell: vec![0; n],
        }
    }

    /// The state as bytes: the cell state little-endian, then the hidden state (the layout of
    /// the generated code's state buffer; the int16 part first keeps it aligned).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes: Vec<u8> = self.cell.iter().flat_map(|v| v.to_le_bytes()).collect();
        bytes.extend(self.hidden.iter().map(|&v| v as u8));
        bytes
    }

    /// The inverse of [`LstmState::to_bytes`] for `n` elements per state.
    pub fn from_bytes(bytes: &[u8], n: usize) -> LstmState {
        LstmState {
            cell: bytes[..2 * n]
                .chunks_exact(2)
                .map(|c| i16::from_le_bytes([c[0], c[1]]))
                .collect(),
            hidden: bytes[2 * n..3 * n].iter().map(|&b| b as i8).collect(),
        }
    }
}

fn saturate16(x: i32) -> i16 {
    x.clamp(i16::MIN as i32, i16::MAX as i32) as i16
}

/// `reference_integer_ops::Logistic` on int16 with `input_multiplier = 0`, `input_left_shift = 0`
/// (the power-of-two case: the input is multiplied by 3).
pub fn logistic16(x: i16) -> i16 {
    let input = x as i32 * 3;
    let abs = input.unsigned_abs();
    let uh = abs >> 9;
    let mut result: u32 = if uh >= 255 {
        0x7fff << 10
    } else {
        let ua = SIGMOID_TABLE[uh as usize] as u32;
        let ub = SIGMOID_TABLE[uh as usize + 1] as u32;
        (ua << 9) + (abs & 0x1ff) * (ub - ua)
    };
    result = if input >= 0 {
        result + (1 << 9)
    } else {
        (1u32 << 25).wrapping_sub(result).wrapping_add((1 << 9) - 1)
    };
    (result >> 10) as i16
}

/// `reference_integer_ops::Tanh` on int16 with `input_multiplier` and `input_left_shift` as the
/// LSTM passes them (multiplier 0 means 3 shifted left by the shift).
pub fn tanh16(x: i16, input_multiplier: i32, input_left_shift: i32) -> i16 {
    let (multiplier, shift) = if input_multiplier == 0 {
        (3 << input_left_shift, 0)
    } else {
        (input_multiplier, input_left_shift)
    };
    let round = if shift > 0 { 1 << (shift - 1) } else { 0 };
    let input = (x as i32 * multiplier + round) >> shift;
    let abs = input.unsigned_abs();
    let uh = abs >> 8;
    let result: i32 = if uh >= 255 {
        0xffff << 8
    } else {
        let ua = SIGMOID_TABLE[uh as usize] as u32;
        let ub = SIGMOID_TABLE[uh as usize + 1] as u32;
        ((ua << 8) + (abs & 0xff) * (ub - ua)) as i32
    };
    let result = if input >= 0 {
        result - (1 << 23) + (1 << 7)
    } else {
        -result + (1 << 23) + (1 << 7) - 1
    };
    (result >> 8) as i16
}

/// One gate's fully-connected layer to int16 (`reference_integer_ops::FullyConnected`, int8 x
/// int8 -> int16, weights zero point 0, output zero point 0).
fn gate_fc(
    x: &[i8],
    x_offset: i32,
    weights: &[i8],
    bias: Option<&[i32]>,
    multiplier: QuantizedMultiplier,
    out: &mut [i16],
) {
    let depth = x.len();
    for (s, out) in out.iter_mut().enumerate() {
        let row = &weights[s * depth..(s + 1) * depth];
        let mut acc: i32 = 0;
        for (&xv, &wv) in x.iter().zip(row) {
            acc = acc.wrapping_add((wv as i32).wrapping_mul(xv as i32 + x_offset));
        }
        if let Some(bias) = bias {
            acc = acc.wrapping_add(bias[s]);
        }
        *out = saturate16(multiplier.apply(acc));
    }
}

/// `MulElementwise` of two int16 vectors with offsets 0 to `[lo, hi]` after `zero_point`.
fn mul16(a: i16, b: i16, m: QuantizedMultiplier, zero_point: i32, lo: i32, hi: i32) -> i32 {
    (zero_point + multiply_by_quantized_multiplier(a as i32 * b as i32, m.multiplier, m.shift))
        .clamp(lo, hi)
}

/// Runs the LSTM over `input` from `state` (updated in place) and returns the output
/// `[B, T, S]` (or `[T, B, S]` when time major).
pub fn lstm(
    input: &[i8],
    weights: &LstmWeights,
    params: &LstmParams,
    shape: &LstmShape,
    state: &mut LstmState,
) -> Vec<i8> {
    let (depth_in, depth) = (shape.input_depth, shape.state_depth);
    let mut output = vec![0i8; shape.batches * shape.time_steps * depth];
    let mut gates = [vec![0i16; depth], vec![0i16; depth], vec![0i16; depth]];
    let mut recurrent = vec![0i16; depth];
    let mut output_gate = vec![0i16; depth];
    for b in 0..shape.batches {
        for t in 0..shape.time_steps {
            let row = shape.row(b, t);
            let x = &input[row * depth_in..(row + 1) * depth_in];
            let hidden = &mut state.hidden[b * depth..(b + 1) * depth];
            let cell = &mut state.cell[b * depth..(b + 1) * depth];
            let gate = |g: usize, out: &mut [i16], recurrent: &mut [i16], hidden: &[i8]| {
                gate_fc(
                    x,
                    -params.input_zero_point,
                    weights.input[g],
                    Some(weights.bias[g]),
                    params.input_fc[g],
                    out,
                );
                gate_fc(
                    hidden,
                    -params.hidden_zero_point,
                    weights.recurrent[g],
                    None,
                    params.recurrent_fc[g],
                    recurrent,
                );
                let activation: fn(i16) -> i16 = match (g, params.cell_activation) {
                    (2, CellActivation::Tanh) => |v| tanh16(v, 0, 0),
                    _ => logistic16,
                };
                for (o, &r) in out.iter_mut().zip(recurrent.iter()) {
                    *o = activation(saturate16(*o as i32 + r as i32));
                }
            };
            let [input_gate, forget_gate, cell_gate] = &mut gates;
            gate(1, forget_gate, &mut recurrent, hidden);
            gate(0, input_gate, &mut recurrent, hidden);
            gate(2, cell_gate, &mut recurrent, hidden);
            let (lo, hi) = (i16::MIN as i32, i16::MAX as i32);
            for s in 0..depth {
                let kept = mul16(forget_gate[s], cell[s], params.forget_cell_mul, 0, lo, hi);
                let added = mul16(input_gate[s], cell_gate[s], params.input_mul, 0, lo, hi);
                let mut c = saturate16(kept + added);
                if let Some(clip) = params.cell_clip {
                    c = c.min(clip).max(clip.wrapping_neg());
                }
                cell[s] = c;
            }
            gate(3, &mut output_gate, &mut recurrent, hidden);
            let (multiplier, shift) = params.cell_tanh;
            for s in 0..depth {
                let tanh = tanh16(cell[s], multiplier, shift);
                let h = mul16(
                    tanh,
                    output_gate[s],
                    params.output_mul,
                    params.hidden_zero_point,
                    i8::MIN as i32,
                    i8::MAX as i32,
                );
                hidden[s] = h as i8;
            }
            output[row * depth..(row + 1) * depth].copy_from_slice(hidden);
        }
    }
    output
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logistic16_is_one_half_at_zero_and_saturates() {
        // sigmoid(0) = 1/2 in Q0.15.
        assert_eq!(logistic16(0), 16384);
        // 3 * 32767 >> 9 = 191 is still inside the table: no saturation at the int16 ends.
        assert_eq!(logistic16(i16::MAX), 32757);
        assert_eq!(logistic16(i16::MIN), 11);
        // |3x| >> 9 >= 255 cannot happen for int16 inputs: the table is never left.
        // sigmoid(20000 / 4096) = 0.9925.
        assert!((logistic16(20000) as i32 - 32522).abs() <= 2);
        // Symmetry up to TFLM's rounding: s(x) + s(-x) = 1 within one LSB.
        for x in [1i16, 100, 1000, 4096, 20000] {
            let sum = logistic16(x) as i32 + logistic16(-x) as i32;
            assert!((sum - 32768).abs() <= 2, "{x}: {sum}");
        }
    }

    #[test]
    fn tanh16_is_zero_at_zero_and_odd() {
        assert_eq!(tanh16(0, 0, 0), 0);
        // |3x| >> 8 >= 255: saturated, with TFLM's rounding offsets.
        assert_eq!(tanh16(i16::MAX, 0, 0), 32767);
        assert_eq!(tanh16(i16::MIN, 0, 0), -32767);
        // tanh(1.0) in Q3.12 -> Q0.15: 0.76159 * 32768 = 24956.
        assert!((tanh16(4096, 0, 0) as i32 - 24956).abs() <= 2);
    }

    #[test]
    fn cell_state_power_of_two() {
        assert_eq!(log2_power(GATE_INPUT_SCALE), -12);
        assert_eq!(log2_power(1.0 / 2048.0), -11);
    }

    #[test]
    fn state_round_trips_through_bytes() {
        let state = LstmState {
            hidden: vec![-3, 4],
            cell: vec![-32768, 513],
        };
        assert_eq!(LstmState::from_bytes(&state.to_bytes(), 2), state);
    }

    /// A one-unit LSTM with all weights zero: every gate sees only its bias, so the result
    /// follows from the gate functions alone, step by step.
    #[test]
    fn bias_only_cell_integrates_over_time() {
        let zeros = [0i8; 1];
        // Q3.12 gate inputs: bias 4096 with the FC multiplier of 1 (s_x * s_w = 2^-12).
        let q = LstmQuantization {
            input: (1.0 / 64.0, 0),
            input_weight_scales: [1.0 / 64.0; 4],
            recurrent_weight_scales: [1.0 / 64.0; 4],
            hidden: (1.0 / 128.0, 0),
            cell_scale: GATE_INPUT_SCALE,
            cell_clip: 0.0,
            cell_activation: CellActivation::Tanh,
        };
        let params = LstmParams::prepare(&q);
        assert_eq!(params.cell_clip, None);
        let bias = [4096i32];
        let weights = LstmWeights {
            input: [&zeros; 4],
            recurrent: [&zeros; 4],
            bias: [&bias; 4],
        };
        let shape = LstmShape {
            batches: 1,
            time_steps: 2,
            input_depth: 1,
            state_depth: 1,
            time_major: false,
        };
        let mut state = LstmState::reset(&shape, 0);
        let out = lstm(&[0, 0], &weights, &params, &shape, &mut state);
        // Every gate input is 1.0: i = f = o = sigmoid(1), g = tanh(1).
        let s = logistic16(4096) as i32;
        let g = tanh16(4096, 0, 0) as i32;
        let apply = |a: i32, b: i32, m: QuantizedMultiplier| {
            multiply_by_quantized_multiplier(a * b, m.multiplier, m.shift)
        };
        let c1 = apply(s, g, params.input_mul);
        let h1 = apply(tanh16(c1 as i16, 0, 0) as i32, s, params.output_mul);
        let c2 = apply(s, c1, params.forget_cell_mul) + apply(s, g, params.input_mul);
        let h2 = apply(tanh16(c2 as i16, 0, 0) as i32, s, params.output_mul);
        assert_eq!(out, vec![h1 as i8, h2 as i8]);
        assert_eq!(state.cell, vec![c2 as i16]);
        assert!(h2 > h1 && h1 > 0);
    }
}
