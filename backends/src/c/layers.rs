//! One runtime-c kernel call per tinyml op, with every quantization constant computed here by the
//! reference semantics' own prepare functions (so the C side does integer math only and matches
//! the interpreter bit for bit). Per-layer constant tables go into `tables`, the call into `body`.

use super::writer::{c_array, CWriter};
use tmlc_core::diagnostic::{DiagResult, Diagnostic, ErrorCode};
use tmlc_core::dialect::OpContext;
use tmlc_core::ir::Value;
use tmlc_core::types::{Quantization, TensorType};
use tmlc_tinyml::ops::common::{activation, positive_pair, shape_text, window_attributes};
use tmlc_tinyml::semantics::add::AddParams;
use tmlc_tinyml::semantics::padding::compute_padding;
use tmlc_tinyml::semantics::quant::{
    activation_range, conv_multipliers, fully_connected_multipliers, quantize_multiplier,
    QuantizedMultiplier,
};
use tmlc_tinyml::semantics::softmax::SoftmaxParams;
use tmlc_tinyml::semantics::{Activation, OutputSpec, Padding, QuantTensor};

/// Where a value is, as a C expression: an arena address or a constant array.
pub trait ValueNames {
    fn pointer(&self, value: Value) -> String;
}

/// Emits layer `index` (the op) into `writer`.
pub fn emit_layer(
    op: &OpContext,
    index: usize,
    names: &dyn ValueNames,
    writer: &mut CWriter,
) -> DiagResult<()> {
    let data = op.data();
    let input_types: Vec<String> = (0..op.num_operands())
        .map(|i| shape_text(&op.operand_type(i).shape))
        .collect();
    writer.body_line(&format!(
        "/* {index}: {} {} -> {} */",
        data.name,
        input_types.join(", "),
        shape_text(&op.result_type(0).shape)
    ));
    let layer = Layer {
        op,
        prefix: format!("layer{index}"),
        names,
    };
    match data.name.as_str() {
        "tinyml.conv2d" => layer.conv2d(writer, false),
        "tinyml.depthwise_conv2d" => layer.conv2d(writer, true),
        "tinyml.fully_connected" => layer.fully_connected(writer),
        "tinyml.avg_pool2d" | "tinyml.max_pool2d" => layer.pool(writer),
        "tinyml.add" => layer.add(writer),
        "tinyml.softmax" => layer.softmax(writer),
        "tinyml.pad" => layer.pad(writer),
        "tinyml.reshape" => layer.reshape(writer),
        "tinyml.mean" => layer.mean(writer),
        "tinyml.concat" => layer.concat(writer),
        "tinyml.relu" | "tinyml.relu6" | "tinyml.requantize" => layer.elementwise(writer),
        other => Err(Diagnostic::new(
            ErrorCode::PassFailed,
            format!("the C backend cannot emit '{other}'"),
        )
        .at(data.span)),
    }
}

struct Layer<'a> {
    op: &'a OpContext<'a>,
    prefix: String,
    names: &'a dyn ValueNames,
}

fn per_tensor(ty: &TensorType) -> (f32, i32) {
    ty.per_tensor().unwrap_or((1.0, 0))
}

fn scales(ty: &TensorType) -> Vec<f32> {
    match &ty.quant {
        Some(Quantization::PerTensor { scale, .. }) => vec![*scale],
        Some(Quantization::PerChannel { scales, .. }) => scales.clone(),
        None => vec![1.0],
    }
}

/// The tensor's shape right-aligned to 4-D with leading 1s.
fn dims4(shape: &[usize]) -> [usize; 4] {
    let mut dims = [1; 4];
    for (slot, &d) in dims[4 - shape.len().min(4)..].iter_mut().zip(shape) {
        *slot = d;
    }
    dims
}

fn padding(same: bool) -> Padding {
    if same {
        Padding::Same
    } else {
        Padding::Valid
    }
}

impl Layer<'_> {
    fn input(&self, index: usize) -> String {
        self.names.pointer(self.op.data().operands[index])
    }

    fn output(&self) -> String {
        self.names.pointer(self.op.data().results[0])
    }

    fn activation(&self) -> DiagResult<Activation> {
        Ok(match activation(self.op)? {
            "relu" => Activation::Relu,
            "relu6" => Activation::Relu6,
            _ => Activation::None,
        })
    }

    fn activation_range(&self) -> DiagResult<(i32, i32)> {
        let (scale, zero_point) = per_tensor(self.op.result_type(0));
        Ok(activation_range(self.activation()?, scale, zero_point))
    }

    /// Emits the multiplier and shift tables of this layer; returns their names.
    fn multiplier_tables(
        &self,
        writer: &mut CWriter,
        multipliers: &[QuantizedMultiplier],
    ) -> (String, String) {
        let names = (
            format!("{}_multipliers", self.prefix),
            format!("{}_shifts", self.prefix),
        );
        writer.table(&c_array(
            "int32_t",
            &names.0,
            multipliers.iter().map(|m| m.multiplier.to_string()),
        ));
        writer.table(&c_array(
            "int32_t",
            &names.1,
            multipliers.iter().map(|m| m.shift.to_string()),
        ));
        names
    }

    /// The op's scratch in the arena (`mem.scratch_offset`), for in-place kernels.
    fn scratch(&self) -> DiagResult<String> {
        tmlc_mem::read(&self.op.data().attributes, tmlc_mem::SCRATCH_OFFSET)
            .map(|offset| format!("arena.bytes + {offset}"))
            .ok_or_else(|| {
                self.op
                    .error("runs in place but has no `mem.scratch_offset`: run `alloc`")
            })
    }

    fn bias(&self, index: usize) -> String {
        if self.op.num_operands() > index {
            self.input(index)
        } else {
            "NULL".to_string()
        }
    }

    fn conv2d(&self, writer: &mut CWriter, depthwise: bool) -> DiagResult<()> {
        let window = window_attributes(self.op, true)?;
        let input = &self.op.operand_type(0).shape;
        let filter = self.op.operand_type(1);
        let output = &self.op.result_type(0).shape;
        let (k_h, k_w) = (filter.shape[1], filter.shape[2]);
        let same = padding(window.same_padding);
        let (_, pad_h) = compute_padding(same, input[1], k_h, window.stride[0], window.dilation[0]);
        let (_, pad_w) = compute_padding(same, input[2], k_w, window.stride[1], window.dilation[1]);
        let (input_scale, input_zero_point) = per_tensor(self.op.operand_type(0));
        let (output_scale, output_zero_point) = per_tensor(self.op.result_type(0));
        let channels = if depthwise {
            filter.shape[3]
        } else {
            filter.shape[0]
        };
        let multipliers = conv_multipliers(input_scale, &scales(filter), output_scale, channels);
        let (multiplier_table, shift_table) = self.multiplier_tables(writer, &multipliers);
        let (act_min, act_max) = self.activation_range()?;
        if depthwise && self.input(0) == self.output() {
            // Planned in place (`mem.inplace`, same offset): one channel plane of scratch.
            let scratch = self.scratch()?;
            writer.body_line(&format!(
                "tmlc_depthwise_conv2d_inplace_s8({}, {}, {}, {}, {}, {}, {k_h}, {k_w}, {}, {multiplier_table}, {shift_table}, {}, {}, {}, {}, {}, {}, {}, {}, {output_zero_point}, {act_min}, {act_max}, {scratch});",
                self.output(), input[1], input[2], input[3], -input_zero_point, self.input(1),
                self.bias(2), window.stride[0], window.stride[1], window.dilation[0],
                window.dilation[1], pad_h.before, pad_w.before, output[1], output[2],
            ));
            return Ok(());
        }
        let (function, channel_argument) = if depthwise {
            let multiplier = self.op.positive_attribute("multiplier", Some(1))?;
            ("tmlc_depthwise_conv2d_s8", multiplier)
        } else {
            ("tmlc_conv2d_s8", filter.shape[0])
        };
        writer.body_line(&format!(
            "{function}({}, {}, {}, {}, {}, {}, {}, {channel_argument}, {k_h}, {k_w}, {}, {multiplier_table}, {shift_table}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {output_zero_point}, {act_min}, {act_max});",
            self.input(0), input[0], input[1], input[2], input[3], -input_zero_point,
            self.input(1), self.bias(2),
            window.stride[0], window.stride[1], window.dilation[0], window.dilation[1],
            pad_h.before, pad_w.before, self.output(), output[1], output[2],
        ));
        Ok(())
    }

    fn fully_connected(&self, writer: &mut CWriter) -> DiagResult<()> {
        let input = self.op.operand_type(0);
        let weights = self.op.operand_type(1);
        let (out_depth, in_depth) = (weights.shape[0], weights.shape[1]);
        let (input_scale, input_zero_point) = per_tensor(input);
        let (output_scale, output_zero_point) = per_tensor(self.op.result_type(0));
        let weight_scales = scales(weights);
        let per_channel = weight_scales.len() > 1;
        let multipliers =
            fully_connected_multipliers(input_scale, &weight_scales, output_scale, out_depth);
        let (multiplier_table, shift_table) = self.multiplier_tables(writer, &multipliers);
        let (act_min, act_max) = self.activation_range()?;
        writer.body_line(&format!(
            "tmlc_fully_connected_s8({}, {}, {in_depth}, {}, {}, {out_depth}, {}, {multiplier_table}, {shift_table}, {}, {}, {output_zero_point}, {act_min}, {act_max});",
            self.input(0), input.num_elements() / in_depth, -input_zero_point, self.input(1),
            self.bias(2), per_channel as i32, self.output(),
        ));
        Ok(())
    }

    fn pool(&self, writer: &mut CWriter) -> DiagResult<()> {
        let filter = positive_pair(self.op, "filter", None)?;
        let window = window_attributes(self.op, false)?;
        let input = &self.op.operand_type(0).shape;
        let output = &self.op.result_type(0).shape;
        let same = padding(window.same_padding);
        let (_, pad_h) = compute_padding(same, input[1], filter[0], window.stride[0], 1);
        let (_, pad_w) = compute_padding(same, input[2], filter[1], window.stride[1], 1);
        let (act_min, act_max) = self.activation_range()?;
        let common = format!(
            "{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}",
            self.input(0),
            input[0],
            input[1],
            input[2],
            input[3],
            filter[0],
            filter[1],
            window.stride[0],
            window.stride[1],
            pad_h.before,
            pad_w.before,
            self.output(),
            output[1],
            output[2]
        );
        if self.op.data().name == "tinyml.max_pool2d" {
            writer.body_line(&format!(
                "tmlc_max_pool2d_s8({common}, {act_min}, {act_max});"
            ));
        } else {
            let (_, zero_point) = per_tensor(self.op.result_type(0));
            writer.body_line(&format!(
                "tmlc_avg_pool2d_s8({common}, {zero_point}, {act_min}, {act_max});"
            ));
        }
        Ok(())
    }

    fn add(&self, writer: &mut CWriter) -> DiagResult<()> {
        let (a, b) = (self.op.operand_type(0), self.op.operand_type(1));
        let output = self.op.result_type(0);
        let params = AddParams::prepare(
            per_tensor(a),
            per_tensor(b),
            per_tensor(output),
            self.activation()?,
        );
        let quant = format!(
            "{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}",
            params.input1_offset,
            params.input2_offset,
            params.output_offset,
            params.left_shift,
            params.input1.multiplier,
            params.input1.shift,
            params.input2.multiplier,
            params.input2.shift,
            params.output.multiplier,
            params.output.shift,
            params.act_min,
            params.act_max
        );
        if a.shape == b.shape {
            writer.body_line(&format!(
                "tmlc_add_s8({}, {}, {}, {}, {quant});",
                self.input(0),
                self.input(1),
                self.output(),
                output.num_elements()
            ));
        } else {
            let dims = |shape: &[usize]| {
                dims4(shape)
                    .iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
            };
            let (dims1, dims2) = (
                format!("{}_dims1", self.prefix),
                format!("{}_dims2", self.prefix),
            );
            writer.table(&c_array("int32_t", &dims1, dims(&a.shape).into_iter()));
            writer.table(&c_array("int32_t", &dims2, dims(&b.shape).into_iter()));
            writer.body_line(&format!(
                "tmlc_add_broadcast4d_s8({}, {dims1}, {}, {dims2}, {}, {quant});",
                self.input(0),
                self.input(1),
                self.output()
            ));
        }
        Ok(())
    }

    fn elementwise(&self, writer: &mut CWriter) -> DiagResult<()> {
        let input = self.op.operand_type(0);
        let size = input.num_elements();
        let (input_scale, input_zero_point) = per_tensor(input);
        match self.op.data().name.as_str() {
            "tinyml.requantize" => {
                let (output_scale, output_zero_point) = per_tensor(self.op.result_type(0));
                let q = quantize_multiplier(input_scale as f64 / output_scale as f64);
                writer.body_line(&format!(
                    "tmlc_requantize_s8({}, {}, {size}, {input_zero_point}, {}, {}, {output_zero_point});",
                    self.input(0), self.output(), q.multiplier, q.shift
                ));
            }
            name => {
                let activation = if name == "tinyml.relu6" {
                    Activation::Relu6
                } else {
                    Activation::Relu
                };
                let (low, high) = activation_range(activation, input_scale, input_zero_point);
                writer.body_line(&format!(
                    "tmlc_clamp_s8({}, {}, {size}, {low}, {high});",
                    self.input(0),
                    self.output()
                ));
            }
        }
        Ok(())
    }

    fn softmax(&self, writer: &mut CWriter) -> DiagResult<()> {
        let input = self.op.operand_type(0);
        let beta = self.op.float_attribute("beta", Some(1.0))?;
        let params = SoftmaxParams::prepare(beta, per_tensor(input).0);
        let depth = input.shape.last().copied().unwrap_or(1);
        writer.body_line(&format!(
            "tmlc_softmax_s8({}, {}, {depth}, {}, {}, {}, {});",
            self.input(0),
            input.num_elements() / depth,
            params.input_multiplier,
            params.input_left_shift,
            params.diff_min,
            self.output()
        ));
        Ok(())
    }

    fn pad(&self, writer: &mut CWriter) -> DiagResult<()> {
        let input = &self.op.operand_type(0).shape;
        if input.len() > 4 {
            return Err(self
                .op
                .error("the C backend pads tensors of rank at most 4"));
        }
        let pads = self.op.int_array_attribute("pads", None, None)?;
        let missing = 4 - input.len();
        let before: Vec<String> = (0..4)
            .map(|d| {
                if d < missing {
                    "0".into()
                } else {
                    pads[2 * (d - missing)].to_string()
                }
            })
            .collect();
        let after: Vec<String> = (0..4)
            .map(|d| {
                if d < missing {
                    "0".into()
                } else {
                    pads[2 * (d - missing) + 1].to_string()
                }
            })
            .collect();
        let names = [
            format!("{}_dims", self.prefix),
            format!("{}_before", self.prefix),
            format!("{}_after", self.prefix),
        ];
        writer.table(&c_array(
            "int32_t",
            &names[0],
            dims4(input).iter().map(|d| d.to_string()),
        ));
        writer.table(&c_array("int32_t", &names[1], before.into_iter()));
        writer.table(&c_array("int32_t", &names[2], after.into_iter()));
        let (_, zero_point) = per_tensor(self.op.result_type(0));
        writer.body_line(&format!(
            "tmlc_pad_s8({}, {}, {}, {}, {zero_point}, {});",
            self.input(0),
            names[0],
            names[1],
            names[2],
            self.output()
        ));
        Ok(())
    }

    fn reshape(&self, writer: &mut CWriter) -> DiagResult<()> {
        let (input, output) = (self.input(0), self.output());
        if input == output {
            writer.body_line("/* a view: the bytes are already in place */");
        } else {
            writer.body_line(&format!(
                "memmove({output}, {input}, {});",
                self.op.result_type(0).byte_size()
            ));
        }
        Ok(())
    }

    fn mean(&self, writer: &mut CWriter) -> DiagResult<()> {
        let input = self.op.operand_type(0);
        let mut axes = self.op.int_array_attribute("axes", None, None)?;
        axes.sort();
        let contiguous = axes.windows(2).all(|w| w[1] == w[0] + 1);
        let (Some(&first), Some(&last), true) = (axes.first(), axes.last(), contiguous) else {
            return Err(self
                .op
                .error("the C backend reduces a contiguous, non-empty set of axes only"));
        };
        let product = |range: std::ops::Range<usize>| input.shape[range].iter().product::<usize>();
        let (outer, reduce, inner) = (
            product(0..first as usize),
            product(first as usize..last as usize + 1),
            product(last as usize + 1..input.rank()),
        );
        let (input_scale, input_zero_point) = per_tensor(input);
        let (output_scale, output_zero_point) = per_tensor(self.op.result_type(0));
        let q = quantize_multiplier(input_scale as f64 / output_scale as f64);
        writer.body_line("{");
        writer.body_line("    int32_t multiplier, shift;");
        writer.body_line(&format!(
            "    tmlc_mean_fold_multiplier({}, {}, {reduce}, &multiplier, &shift);",
            q.multiplier, q.shift
        ));
        writer.body_line(&format!(
            "    tmlc_mean_s8({}, {outer}, {reduce}, {inner}, {input_zero_point}, multiplier, shift, {output_zero_point}, {});",
            self.input(0), self.output()
        ));
        writer.body_line("}");
        Ok(())
    }

    fn concat(&self, writer: &mut CWriter) -> DiagResult<()> {
        let axis = self.op.int_attribute("axis", None)? as usize;
        if self.activation()? != Activation::None {
            return Err(self
                .op
                .error("the C backend does not fuse an activation into concat"));
        }
        let output = self.op.result_type(0);
        let (output_scale, output_zero_point) = per_tensor(output);
        let count = self.op.num_operands();
        let shape = &output.shape;
        let outer: usize = shape[..axis].iter().product();
        let inner: usize = shape[axis + 1..].iter().product();
        let sizes = format!("{}_sizes", self.prefix);
        writer.table(&c_array(
            "int32_t",
            &sizes,
            (0..count).map(|i| self.op.operand_type(i).shape[axis].to_string()),
        ));
        let ramp: Vec<i8> = (-128..=127).collect();
        let mut luts = Vec::new();
        for index in 0..count {
            let ty = self.op.operand_type(index);
            if ty.quant == output.quant {
                luts.push("NULL".to_string());
                continue;
            }
            let (scale, zero_point) = per_tensor(ty);
            let table = tmlc_tinyml::semantics::concat(
                &[QuantTensor::new(&ramp, &[256], scale, zero_point)],
                0,
                &OutputSpec::new(&[256], output_scale, output_zero_point),
            );
            let name = format!("{}_lut{index}", self.prefix);
            writer.table(&c_array(
                "int8_t",
                &name,
                table.iter().map(|v| v.to_string()),
            ));
            luts.push(name);
        }
        let inputs: Vec<String> = (0..count).map(|i| self.input(i)).collect();
        writer.body_line("{");
        writer.body_line(&format!(
            "    const int8_t *const inputs[{count}] = {{{}}};",
            inputs.join(", ")
        ));
        writer.body_line(&format!(
            "    const int8_t *const luts[{count}] = {{{}}};",
            luts.join(", ")
        ));
        writer.body_line(&format!(
            "    tmlc_concat_s8(inputs, {sizes}, luts, {count}, {outer}, {inner}, {});",
            self.output()
        ));
        writer.body_line("}");
        Ok(())
    }
}
