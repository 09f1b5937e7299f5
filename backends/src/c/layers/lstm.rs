//! The C call of `tinyml.lstm`: a `tmlc_lstm_params` table with the constants of
//! `LstmParams::prepare`, and `tmlc_lstm_s8` (`tmlc_lstm_s8_dsp` for the Arm DSP variant) on the op's slot of the state buffer
//! (`super::super::state`).

use super::super::state::StatePlan;
use super::{KernelCall, Layer};
use crate::c::writer::CWriter;
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::target::KernelVariant;
use tmlc_tinyml::ops::lstm::Lstm;
use tmlc_tinyml::semantics::lstm::CellActivation;

impl Layer<'_> {
    pub(super) fn lstm(&self, writer: &mut CWriter, lstm: &Lstm) -> DiagResult<()> {
        let plan = StatePlan::of(self.op.module, self.op.function);
        let slot = plan
            .slot(self.op.op)
            .ok_or_else(|| self.op.error("has no slot in the state buffer"))?;
        let (shape, p) = (&lstm.shape, &lstm.params);
        let n = lstm.state_elements();
        let fc: Vec<_> = p.input_fc.iter().chain(&p.recurrent_fc).collect();
        let list = |values: Vec<String>| format!("{{{}}}", values.join(", "));
        let name = format!("{}_params", self.prefix);
        let (clip, has_clip) = p.cell_clip.map_or((0, 0), |clip| (clip as i32, 1));
        let fields = [
            shape.batches.to_string(),
            shape.time_steps.to_string(),
            shape.input_depth.to_string(),
            shape.state_depth.to_string(),
            (shape.time_major as i32).to_string(),
            (-p.input_zero_point).to_string(),
            p.hidden_zero_point.to_string(),
            list((1..9).map(|i| self.input(i)).collect()),
            list((9..13).map(|i| self.input(i)).collect()),
            list(fc.iter().map(|m| m.multiplier.to_string()).collect()),
            list(fc.iter().map(|m| m.shift.to_string()).collect()),
            p.forget_cell_mul.multiplier.to_string(),
            p.forget_cell_mul.shift.to_string(),
            p.input_mul.multiplier.to_string(),
            p.input_mul.shift.to_string(),
            p.output_mul.multiplier.to_string(),
            p.output_mul.shift.to_string(),
            has_clip.to_string(),
            clip.to_string(),
            p.cell_tanh.0.to_string(),
            p.cell_tanh.1.to_string(),
            ((p.cell_activation == CellActivation::Logistic) as i32).to_string(),
        ];
        writer.table(&format!(
            "static const tmlc_lstm_params {name} = {{\n    {}\n}};\n",
            fields.join(",\n    ")
        ));
        let function = if super::variant(self.op) == KernelVariant::ArmDsp {
            "tmlc_lstm_s8_dsp"
        } else {
            "tmlc_lstm_s8"
        };
        let call = KernelCall::new(function)
            .arg(self.input(0))
            .arg(format!("&{name}"))
            .arg(format!(
                "(int16_t *)(void *)(state.bytes + {})",
                slot.offset
            ))
            .arg(format!("state.bytes + {}", slot.offset + 2 * n))
            .arg(format!(
                "(int16_t *)(void *)(state.bytes + {})",
                slot.work_offset
            ))
            .arg(self.output());
        writer.body_line(&call.statement());
        Ok(())
    }
}
