//! `tinyml.lstm`: TFLite's UNIDIRECTIONAL_SEQUENCE_LSTM, int8 in and out with int16 gates and
//! cell state, and a hidden and a cell state that persist from one invocation to the next.
//!
//! ```text
//! %y = tinyml.lstm %x, %w_ii, %w_if, %w_ic, %w_io, %w_hi, %w_hf, %w_hc, %w_ho,
//!                  %b_i, %b_f, %b_c, %b_o
//!        {time_major = false, cell_clip = 10.0, cell_activation = tanh,
//!         hidden_scale = 0.0078, hidden_zero_point = 0, cell_scale = 0.000244140625}
//!        : tensor<1x28x20xi8, !q<0.0078, 0>>
//! ```
//!
//! Operands, in TFLite's order without the optional tensors TFLite Micro rejects: the input
//! `[B, T, I]` (`[T, B, I]` when `time_major`), the input weights `[S, I]` and the recurrent
//! weights `[S, S]` of the input, forget, cell and output gates (i8, per tensor, symmetric), and
//! the four gate biases `[S]` (i32). The result is `[B, T, S]` (`[T, B, S]`), the hidden state of
//! every step. The state is not an SSA value: the op owns it (`OpInterface::state`), `hidden_*`
//! give the int8 hidden state's quantization and `cell_scale` the int16 cell state's.
//! Semantics: TFLite Micro's integer LSTM kernel (see `semantics::lstm`).

use crate::interfaces::{OpInterface, OpState};
use crate::ops::common::{expect_activation_operand, expect_activation_result, shape_text};
use crate::semantics::lstm::{
    lstm, CellActivation, LstmParams, LstmQuantization, LstmShape, LstmState, LstmWeights,
};
use crate::tensor::{Operands, TensorData};
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::dialect::{OpContext, OpDefinition};
use tmlc_core::types::{ElementType, Quantization};

/// The definition of `tinyml.lstm`.
pub struct LstmOp;

/// Operands: the input, 4 input weights, 4 recurrent weights, 4 biases.
pub const LSTM_OPERANDS: usize = 13;

const ATTRIBUTES: [&str; 6] = [
    "time_major",
    "cell_clip",
    "cell_activation",
    "hidden_scale",
    "hidden_zero_point",
    "cell_scale",
];

/// A verified `tinyml.lstm`: its sizes and the constants TFLM's `Prepare` derives.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lstm {
    pub shape: LstmShape,
    pub quantization: LstmQuantization,
    pub params: LstmParams,
}

fn per_tensor_scale(op: &OpContext, index: usize) -> f32 {
    op.operand_type(index).per_tensor().map_or(1.0, |(s, _)| s)
}

impl Lstm {
    pub fn decode(op: &OpContext) -> DiagResult<Lstm> {
        let time_major = op.bool_attribute("time_major", Some(false))?;
        let input = &op.operand_type(0).shape;
        let state_depth = op.operand_type(1).shape.first().copied().unwrap_or(0);
        let (outer, inner) = (
            input.first().copied().unwrap_or(0),
            input.get(1).copied().unwrap_or(0),
        );
        let shape = LstmShape {
            batches: if time_major { inner } else { outer },
            time_steps: if time_major { outer } else { inner },
            input_depth: input.get(2).copied().unwrap_or(0),
            state_depth,
            time_major,
        };
        let cell_activation =
            match op.keyword_attribute("cell_activation", &["tanh", "logistic"], Some("tanh"))? {
                "logistic" => CellActivation::Logistic,
                _ => CellActivation::Tanh,
            };
        let hidden_zero_point = op.int_attribute("hidden_zero_point", Some(0))?;
        if !(i8::MIN as i64..=i8::MAX as i64).contains(&hidden_zero_point) {
            return Err(op.attribute_error(
                "hidden_zero_point",
                format!("the hidden state's zero point must fit int8, got {hidden_zero_point}"),
            ));
        }
        let quantization = LstmQuantization {
            input: op.operand_type(0).per_tensor().unwrap_or((1.0, 0)),
            input_weight_scales: [1, 2, 3, 4].map(|i| per_tensor_scale(op, i)),
            recurrent_weight_scales: [5, 6, 7, 8].map(|i| per_tensor_scale(op, i)),
            hidden: (
                op.float_attribute("hidden_scale", None)?,
                hidden_zero_point as i32,
            ),
            cell_scale: op.float_attribute("cell_scale", None)?,
            cell_clip: op.float_attribute("cell_clip", Some(0.0))?,
            cell_activation,
        };
        Ok(Lstm {
            shape,
            quantization,
            params: LstmParams::prepare(&quantization),
        })
    }

    /// Elements of each state (`B * S`).
    pub fn state_elements(&self) -> usize {
        self.shape.batches * self.shape.state_depth
    }
}

/// Requires operand `index` to be i8 weights `[rows, cols]` quantized per tensor, symmetric.
fn expect_gate_weights(op: &OpContext, index: usize, rows: usize, cols: usize) -> DiagResult<()> {
    let ty = op.operand_type(index);
    if ty.element != ElementType::I8 || ty.shape != [rows, cols] {
        return Err(op.operand_error(
            index,
            format!(
                "gate weights must be an i8 tensor of shape {rows}x{cols}, got {}",
                ty
            ),
        ));
    }
    match &ty.quant {
        Some(Quantization::PerTensor { zero_point: 0, .. }) => Ok(()),
        _ => Err(op.operand_error(
            index,
            format!(
                "gate weights must be quantized per tensor with zero point 0 (TFLite Micro's \
                 LSTM takes one scale per weight tensor), got {ty}"
            ),
        )),
    }
}

fn expect_positive_finite(op: &OpContext, name: &str, value: f32) -> DiagResult<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(op.attribute_error(name, format!("`{name}` must be positive, got {value}")))
    }
}

impl OpDefinition for LstmOp {
    fn name(&self) -> &'static str {
        "tinyml.lstm"
    }

    fn summary(&self) -> &'static str {
        "int8 LSTM over a sequence (int16 gates and cell state) with state kept across invocations"
    }

    fn verify(&self, op: &OpContext) -> DiagResult<()> {
        op.expect_operands(LSTM_OPERANDS, LSTM_OPERANDS)?;
        op.expect_results(1)?;
        op.expect_attributes(&ATTRIBUTES)?;
        expect_activation_operand(op, 0, "input", Some(3))?;
        expect_activation_result(op, 0)?;
        let input = &op.operand_type(0).shape;
        let state_depth = op.operand_type(1).shape.first().copied().unwrap_or(0);
        for index in 1..5 {
            expect_gate_weights(op, index, state_depth, input[2])?;
        }
        for index in 5..9 {
            expect_gate_weights(op, index, state_depth, state_depth)?;
        }
        for index in 9..13 {
            let ty = op.operand_type(index);
            if ty.element != ElementType::I32 || ty.quant.is_some() || ty.shape != [state_depth] {
                return Err(op.operand_error(
                    index,
                    format!(
                        "gate bias must be an unquantized i32 tensor of shape {state_depth}, got {ty}"
                    ),
                ));
            }
        }
        let view = Lstm::decode(op)?;
        let q = &view.quantization;
        expect_positive_finite(op, "hidden_scale", q.hidden.0)?;
        expect_positive_finite(op, "cell_scale", q.cell_scale)?;
        if !q.cell_clip.is_finite() || q.cell_clip < 0.0 {
            return Err(op.attribute_error(
                "cell_clip",
                format!(
                    "`cell_clip` must be 0 (none) or positive, got {}",
                    q.cell_clip
                ),
            ));
        }
        let inferred = [input[0], input[1], state_depth];
        let declared = &op.result_type(0).shape;
        if declared.as_slice() != inferred {
            return Err(op.result_error(
                0,
                format!(
                    "result shape {} does not match the inferred shape {}",
                    shape_text(declared),
                    shape_text(&inferred)
                ),
            ));
        }
        Ok(())
    }
}

impl Lstm {
    fn weights<'a>(&self, operands: &Operands<'a>) -> (LstmWeights<'a>, &'a [i8]) {
        let weights = |i: usize| operands.weights(i).data;
        let bias = |i: usize| operands.bias(i).unwrap_or(&[]);
        (
            LstmWeights {
                input: [1, 2, 3, 4].map(weights),
                recurrent: [5, 6, 7, 8].map(weights),
                bias: [9, 10, 11, 12].map(bias),
            },
            operands.activation(0).data,
        )
    }
}

impl OpInterface for Lstm {
    /// Four gates, each an input and a recurrent matrix-vector product per step.
    fn macs_per_output(&self) -> u64 {
        4 * (self.shape.input_depth + self.shape.state_depth) as u64
    }

    fn state(&self) -> Option<OpState> {
        let reset = LstmState::reset(&self.shape, self.params.hidden_zero_point).to_bytes();
        Some(OpState {
            alignment: 2,
            reset,
            work_bytes: crate::kernels::lstm_work_bytes(
                self.shape.input_depth,
                self.shape.state_depth,
            ),
        })
    }

    fn evaluate(&self, operands: &Operands) -> DiagResult<TensorData> {
        let mut state = self.state().map(|s| s.reset).unwrap_or_default();
        self.evaluate_with_state(operands, &mut state)
    }

    fn evaluate_with_state(&self, operands: &Operands, state: &mut [u8]) -> DiagResult<TensorData> {
        let (weights, input) = self.weights(operands);
        let n = self.state_elements();
        let mut lstm_state = LstmState::from_bytes(state, n);
        let output = lstm(input, &weights, &self.params, &self.shape, &mut lstm_state);
        state.copy_from_slice(&lstm_state.to_bytes());
        Ok(TensorData::I8(output))
    }
}
