//! One runtime-c kernel call per tinyml op, with every quantization constant computed here by the
//! reference semantics' own prepare functions (so the C side does integer math only and matches
//! the interpreter bit for bit). Per-layer constant tables go into `tables`, the call into `body`.

use super::writer::{c_array, CWriter};
use tmlc_core::diagnostic::{DiagResult, Diagnostic, ErrorCode};
use tmlc_core::dialect::OpContext;
use tmlc_core::ir::Value;
use tmlc_core::types::{Quantization, TensorType};
use tmlc_passes::tile::patches::{layer_geometry, plan as patch_plan, LayerGeometry};
use tmlc_tinyml::ops::common::{activation, positive_pair, shape_text, window_attributes};
use tmlc_tinyml::semantics::add::AddParams;
use tmlc_tinyml::semantics::padding::compute_padding;
use tmlc_tinyml::semantics::quant::{
    activation_range, conv_multipliers, fully_connected_multipliers, quantize_multiplier,
    QuantizedMultiplier,
};
use tmlc_tinyml::semantics::softmax::SoftmaxParams;
use tmlc_tinyml::semantics::{Activation, OutputSpec, Padding, QuantTensor};

/// The operands whose constant bytes the emitted call reads directly: all of them, except the
/// weights and bias that the DSP depthwise and fully-connected kernels take packed.
pub fn raw_constant_operands(op: &OpContext) -> Vec<usize> {
    let data = op.data();
    let dsp =
        tmlc_mem::read(&data.attributes, tmlc_mem::KERNEL_VARIANT) == Some(tmlc_mem::VARIANT_DSP);
    let packed = dsp
        && matches!(
            data.name.as_str(),
            "tinyml.depthwise_conv2d" | "tinyml.fully_connected"
        );
    (0..data.operands.len())
        .filter(|&i| !(packed && i >= 1))
        .collect()
}

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
        "loop.patches" => layer.patch_loop(writer),
        other => Err(Diagnostic::new(
            ErrorCode::PassFailed,
            format!("the C backend cannot emit '{other}'"),
        )
        .at(data.span)),
    }
}

/// C expressions of one layer's sizes and border padding within a patch.
struct PatchDims {
    in_h: String,
    in_w: String,
    pad_top: String,
    pad_left: String,
    out_h: String,
    out_w: String,
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

    /// A `loop.patches` op: for every output patch, copy the input region it needs into patch
    /// buffer A, run each layer of the body from one patch buffer into the other with the
    /// patch's sizes and border padding (a table computed here by `tile::patches::plan`), and
    /// copy the last layer's patch into the result.
    fn patch_loop(&self, writer: &mut CWriter) -> DiagResult<()> {
        let data = self.op.data();
        let function = self.op.function;
        let region = &data.regions[0];
        let body = tmlc_loop::body(region);
        let layers: Vec<LayerGeometry> = body
            .iter()
            .map(|&op| layer_geometry(self.op.module, function, op))
            .collect::<Option<_>>()
            .ok_or_else(|| {
                self.op
                    .error("has a layer the C backend cannot compute per patch")
            })?;
        let grid = self.op.int_array_attribute("grid", Some(2), None)?;
        let plan = patch_plan(&layers, [grid[0] as usize, grid[1] as usize]);
        let scratch = self.scratch()?;
        let table = format!("{}_patches", self.prefix);
        let columns = 8 + 6 * layers.len();
        let mut rows = Vec::new();
        for patch in &plan.patches {
            let (first, last) = (patch[0].input, patch[patch.len() - 1].output);
            let mut row = vec![
                first.row0, first.row1, first.col0, first.col1, last.row0, last.row1, last.col0,
                last.col1,
            ];
            for layer in patch {
                row.extend([
                    layer.input.height(),
                    layer.input.width(),
                    layer.pad[0],
                    layer.pad[1],
                    layer.output.height(),
                    layer.output.width(),
                ]);
            }
            rows.push(format!(
                "{{{}}}",
                row.iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        writer.table(&format!(
            "static const int16_t {table}[{}][{columns}] = {{
    {}
}};
",
            rows.len(),
            rows.join(
                ",
    "
            )
        ));
        let input_channels = layers[0].input[2];
        let last = layers[layers.len() - 1];
        let (input_width, output_width, output_channels) =
            (layers[0].input[1], last.output[1], last.output[2]);
        writer.body_line("{");
        writer.body_line(&format!("    int8_t *buffer_a = {scratch};"));
        writer.body_line(&format!(
            "    int8_t *buffer_b = {scratch} + {};",
            plan.buffer_bytes
        ));
        writer.body_line("    int32_t p, y;");
        writer.body_line(&format!("    for (p = 0; p < {}; ++p) {{", rows.len()));
        writer.body_line(&format!("        const int16_t *t = {table}[p];"));
        writer.body_line("        int8_t *swap;");
        writer.body_line(&format!(
            "        for (y = t[0]; y < t[1]; ++y) memcpy(buffer_a + (y - t[0]) * (t[3] - t[2]) * {input_channels}, {} + ((int32_t)y * {input_width} + t[2]) * {input_channels}, (size_t)((t[3] - t[2]) * {input_channels}));",
            self.input(0)
        ));
        for (k, (&op, layer)) in body.iter().zip(&layers).enumerate() {
            let base = 8 + 6 * k;
            let dims = PatchDims {
                in_h: format!("t[{base}]"),
                in_w: format!("t[{}]", base + 1),
                pad_top: format!("t[{}]", base + 2),
                pad_left: format!("t[{}]", base + 3),
                out_h: format!("t[{}]", base + 4),
                out_w: format!("t[{}]", base + 5),
            };
            let inner = OpContext {
                module: self.op.module,
                function,
                op,
            };
            let inner_layer = Layer {
                op: &inner,
                prefix: format!("{}_{k}", self.prefix),
                names: self.names,
            };
            writer.body_line(&format!("        /* {} */", function.ops[op].name));
            let call = inner_layer.patch_call(writer, layer, &dims)?;
            writer.body_line(&format!("        {call}"));
            writer.body_line("        swap = buffer_a; buffer_a = buffer_b; buffer_b = swap;");
        }
        writer.body_line(&format!(
            "        for (y = t[4]; y < t[5]; ++y) memcpy({} + ((int32_t)y * {output_width} + t[6]) * {output_channels}, buffer_a + (y - t[4]) * (t[7] - t[6]) * {output_channels}, (size_t)((t[7] - t[6]) * {output_channels}));",
            self.output()
        ));
        writer.body_line("    }");
        writer.body_line("}");
        Ok(())
    }

    /// The kernel call of one body layer on the patch buffers (`buffer_a` in, `buffer_b` out).
    fn patch_call(
        &self,
        writer: &mut CWriter,
        layer: &LayerGeometry,
        d: &PatchDims,
    ) -> DiagResult<String> {
        let name = self.op.data().name.as_str();
        let (input_scale, input_zero_point) = per_tensor(self.op.operand_type(0));
        let (output_scale, output_zero_point) = per_tensor(self.op.result_type(0));
        let [in_c, out_c] = [layer.input[2], layer.output[2]];
        let size = format!("{} * {} * {out_c}", d.out_h, d.out_w);
        Ok(match name {
            "tinyml.conv2d" | "tinyml.depthwise_conv2d" => {
                let filter = self.op.operand_type(1);
                let channels = if name == "tinyml.conv2d" {
                    filter.shape[0]
                } else {
                    filter.shape[3]
                };
                let multipliers =
                    conv_multipliers(input_scale, &scales(filter), output_scale, channels);
                let (multiplier_table, shift_table) = self.multiplier_tables(writer, &multipliers);
                let (act_min, act_max) = self.activation_range()?;
                let (function, channel_argument) = if name == "tinyml.conv2d" {
                    ("tmlc_conv2d_s8", filter.shape[0])
                } else {
                    (
                        "tmlc_depthwise_conv2d_s8",
                        self.op.positive_attribute("multiplier", Some(1))?,
                    )
                };
                format!(
                    "{function}(buffer_a, 1, {}, {}, {in_c}, {}, {}, {channel_argument}, {}, {}, {}, {multiplier_table}, {shift_table}, {}, {}, {}, {}, {}, {}, buffer_b, {}, {}, {output_zero_point}, {act_min}, {act_max});",
                    d.in_h, d.in_w, -input_zero_point, self.input(1), layer.kernel[0], layer.kernel[1], self.bias(2),
                    layer.stride[0], layer.stride[1], layer.dilation[0], layer.dilation[1], d.pad_top, d.pad_left, d.out_h, d.out_w,
                )
            }
            "tinyml.max_pool2d" | "tinyml.avg_pool2d" => {
                let (act_min, act_max) = self.activation_range()?;
                let common = format!(
                    "buffer_a, 1, {}, {}, {in_c}, {}, {}, {}, {}, {}, {}, buffer_b, {}, {}",
                    d.in_h,
                    d.in_w,
                    layer.kernel[0],
                    layer.kernel[1],
                    layer.stride[0],
                    layer.stride[1],
                    d.pad_top,
                    d.pad_left,
                    d.out_h,
                    d.out_w
                );
                if name == "tinyml.max_pool2d" {
                    format!("tmlc_max_pool2d_s8({common}, {act_min}, {act_max});")
                } else {
                    format!(
                        "tmlc_avg_pool2d_s8({common}, {output_zero_point}, {act_min}, {act_max});"
                    )
                }
            }
            "tinyml.requantize" => {
                let q = quantize_multiplier(input_scale as f64 / output_scale as f64);
                format!(
                    "tmlc_requantize_s8(buffer_a, buffer_b, {size}, {input_zero_point}, {}, {}, {output_zero_point});",
                    q.multiplier, q.shift
                )
            }
            _ => {
                let activation = if name == "tinyml.relu6" {
                    Activation::Relu6
                } else {
                    Activation::Relu
                };
                let (low, high) = activation_range(activation, input_scale, input_zero_point);
                format!("tmlc_clamp_s8(buffer_a, buffer_b, {size}, {low}, {high});")
            }
        })
    }

    /// Whether the op runs the Arm DSP kernel variant (`mem.kernel_variant = 1`).
    fn dsp(&self) -> bool {
        tmlc_mem::read(&self.op.data().attributes, tmlc_mem::KERNEL_VARIANT)
            == Some(tmlc_mem::VARIANT_DSP)
    }

    /// The bytes of constant operand `index` (`None` when absent or not a constant).
    fn constant_bytes(&self, index: usize) -> Option<&[u8]> {
        let value = *self.op.data().operands.get(index)?;
        let constant = self.op.function.defining_op(value)?;
        let Some(tmlc_core::attributes::Attribute::Symbol(name)) =
            self.op.function.ops[constant].attributes.get("value")
        else {
            return None;
        };
        self.op.module.resource(name).map(|r| &r.data[..])
    }

    fn constant_i8(&self, index: usize) -> DiagResult<Vec<i32>> {
        self.constant_bytes(index)
            .map(|bytes| bytes.iter().map(|&b| b as i8 as i32).collect())
            .ok_or_else(|| self.op.error("the DSP kernels need constant weights"))
    }

    fn bias_values(&self, index: usize, count: usize) -> Vec<i32> {
        match self.constant_bytes(index) {
            Some(bytes) => bytes
                .chunks_exact(4)
                .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
            None => vec![0; count],
        }
    }

    /// The depthwise DSP kernels' packed filter (runtime-c's `tmlc_depthwise_conv2d_s8_dsp_pack`):
    /// per output channel the bias folded with `input_offset * sum(weights)`, then per filter row
    /// and group of four taps the int16 pairs (w0, w2) and (w1, w3).
    fn packed_depthwise_filter(
        &self,
        writer: &mut CWriter,
        input_offset: i32,
    ) -> DiagResult<String> {
        let shape = &self.op.operand_type(1).shape;
        let (k_h, k_w, out_c) = (shape[1], shape[2], shape[3]);
        let filter = self.constant_i8(1)?;
        let bias = self.bias_values(2, out_c);
        let pack16 = |lo: i32, hi: i32| (lo as u32 & 0xFFFF) | ((hi as u32) << 16);
        let mut words = Vec::new();
        for oc in 0..out_c {
            let mut sum = 0u32;
            let mut taps = Vec::new();
            for fy in 0..k_h {
                for group in 0..k_w.div_ceil(4) {
                    let tap = |j: usize| {
                        let fx = 4 * group + j;
                        if fx < k_w {
                            filter[(fy * k_w + fx) * out_c + oc]
                        } else {
                            0
                        }
                    };
                    sum = (0..4).fold(sum, |s, j| s.wrapping_add(tap(j) as u32));
                    taps.push(pack16(tap(0), tap(2)));
                    taps.push(pack16(tap(1), tap(3)));
                }
            }
            words.push((bias[oc] as u32).wrapping_add(sum.wrapping_mul(input_offset as u32)));
            words.extend(taps);
        }
        let name = format!("{}_packed_filter", self.prefix);
        writer.constant_bytes += 4 * words.len();
        writer.table(&c_array(
            "uint32_t",
            &name,
            words.iter().map(|w| format!("{w}u")),
        ));
        Ok(name)
    }

    /// The fully-connected DSP kernel's packed weights (blocks of four rows, groups of four
    /// inputs; runtime-c's `tmlc_fully_connected_s8_dsp_pack`) and folded bias
    /// (`bias + input_offset * sum(row)`, wrapping).
    fn packed_fully_connected(
        &self,
        writer: &mut CWriter,
        input_offset: i32,
    ) -> DiagResult<(String, String)> {
        let shape = &self.op.operand_type(1).shape;
        let (out_depth, in_depth) = (shape[0], shape[1]);
        let weights = self.constant_i8(1)?;
        let bias = self.bias_values(2, out_depth);
        let groups = in_depth.div_ceil(4);
        let at = |o: usize, i: usize| {
            if i < in_depth {
                weights[o * in_depth + i] as u8
            } else {
                0
            }
        };
        let mut bytes = Vec::with_capacity(out_depth * groups * 4);
        let blocks = out_depth / 4;
        for block in 0..blocks {
            for group in 0..groups {
                for r in 0..4 {
                    bytes.extend((0..4).map(|j| at(4 * block + r, 4 * group + j)));
                }
            }
        }
        for o in 4 * blocks..out_depth {
            for group in 0..groups {
                bytes.extend((0..4).map(|j| at(o, 4 * group + j)));
            }
        }
        let folded: Vec<i32> = (0..out_depth)
            .map(|o| {
                let sum =
                    (0..in_depth).fold(0i32, |s, i| s.wrapping_add(weights[o * in_depth + i]));
                bias[o].wrapping_add(sum.wrapping_mul(input_offset))
            })
            .collect();
        let names = (
            format!("{}_packed_weights", self.prefix),
            format!("{}_folded_bias", self.prefix),
        );
        writer.constant_bytes += bytes.len() + 4 * folded.len();
        let words = bytes
            .chunks_exact(4)
            .map(|c| format!("{}u", u32::from_le_bytes([c[0], c[1], c[2], c[3]])));
        writer.table(&c_array("uint32_t", &names.0, words));
        writer.table(&c_array(
            "int32_t",
            &names.1,
            folded.iter().map(|v| v.to_string()),
        ));
        Ok(names)
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
        if self.dsp() {
            let geometry = format!(
                "{multiplier_table}, {shift_table}, {}, {}, {}, {}, {}, {}",
                window.stride[0],
                window.stride[1],
                window.dilation[0],
                window.dilation[1],
                pad_h.before,
                pad_w.before
            );
            let scratch = self.scratch()?;
            if depthwise {
                let packed = self.packed_depthwise_filter(writer, -input_zero_point)?;
                if self.input(0) == self.output() {
                    writer.body_line(&format!(
                        "tmlc_depthwise_conv2d_inplace_s8_dsp({}, {}, {}, {}, {}, {packed}, {k_h}, {k_w}, {geometry}, {}, {}, {output_zero_point}, {act_min}, {act_max}, {scratch});",
                        self.output(), input[1], input[2], input[3], -input_zero_point, output[1], output[2],
                    ));
                } else {
                    let multiplier = self.op.positive_attribute("multiplier", Some(1))?;
                    writer.body_line(&format!(
                        "tmlc_depthwise_conv2d_s8_dsp({}, {}, {}, {}, {}, {}, {packed}, {multiplier}, {k_h}, {k_w}, {geometry}, {}, {}, {}, {output_zero_point}, {act_min}, {act_max}, {scratch});",
                        self.input(0), input[0], input[1], input[2], input[3], -input_zero_point,
                        self.output(), output[1], output[2],
                    ));
                }
            } else if k_h == 1 && k_w == 1 && window.stride == [1, 1] {
                writer.body_line(&format!(
                    "tmlc_conv2d_1x1_s8_dsp({}, {}, {}, {}, {}, {}, {}, {multiplier_table}, {shift_table}, {}, {output_zero_point}, {act_min}, {act_max}, {scratch});",
                    self.input(0), input[0] * input[1] * input[2], input[3], -input_zero_point,
                    self.input(1), filter.shape[0], self.bias(2), self.output(),
                ));
            } else {
                writer.body_line(&format!(
                    "tmlc_conv2d_s8_dsp({}, {}, {}, {}, {}, {}, {}, {}, {k_h}, {k_w}, {}, {geometry}, {}, {}, {}, {output_zero_point}, {act_min}, {act_max}, {scratch});",
                    self.input(0), input[0], input[1], input[2], input[3], -input_zero_point,
                    self.input(1), filter.shape[0], self.bias(2), self.output(), output[1], output[2],
                ));
            }
            return Ok(());
        }
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
        if self.dsp() {
            let (packed, folded) = self.packed_fully_connected(writer, -input_zero_point)?;
            writer.body_line(&format!(
                "tmlc_fully_connected_s8_dsp({}, {}, {in_depth}, {packed}, {out_depth}, {folded}, {multiplier_table}, {shift_table}, {}, {}, {output_zero_point}, {act_min}, {act_max});",
                self.input(0), input.num_elements() / in_depth, per_channel as i32, self.output(),
            ));
            return Ok(());
        }
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
            let kernel = if self.dsp() {
                "tmlc_add_s8_dsp"
            } else {
                "tmlc_add_s8"
            };
            writer.body_line(&format!(
                "{kernel}({}, {}, {}, {}, {quant});",
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
