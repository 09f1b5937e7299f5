//! One runtime-c kernel call per tinyml op, chosen by the op's typed view and kernel variant
//! (`mem.kernel`), with every quantization constant computed here by the reference semantics'
//! own prepare functions (so the C side does integer math only and matches the interpreter bit
//! for bit). Per-layer constant tables go into `tables`, the call (a [`KernelCall`]) into `body`.

mod lstm;

use super::api;
use super::call::KernelCall;
use super::writer::{c_array, CWriter, U32Literal};
use crate::cortex_m::packing;
use tmlc_core::diagnostic::{DiagResult, Diagnostic, ErrorCode};
use tmlc_core::dialect::OpContext;
use tmlc_core::ir::Value;
use tmlc_core::target::KernelVariant;
use tmlc_core::types::{ElementType, TensorType};
use tmlc_loop::patches::{loop_plan, LayerGeometry};
use tmlc_tinyml::kernels::{self, WeightLayout};
use tmlc_tinyml::ops::activation::Elementwise;
use tmlc_tinyml::ops::common::shape_text;
use tmlc_tinyml::ops::pool::PoolKind;
use tmlc_tinyml::semantics::add::AddParams;
use tmlc_tinyml::semantics::log_softmax::LogSoftmaxParams;
use tmlc_tinyml::semantics::mul::MulParams;
use tmlc_tinyml::semantics::quant::{
    activation_range, conv_multipliers, fully_connected_multipliers, quantize_multiplier,
    QuantizedMultiplier,
};
use tmlc_tinyml::semantics::resize_nearest_neighbor::{nearest_source_index, ResizeNearestOptions};
use tmlc_tinyml::semantics::softmax::SoftmaxParams;
use tmlc_tinyml::semantics::strided_slice::StridedSliceParams;
use tmlc_tinyml::semantics::sub::SubParams;
use tmlc_tinyml::semantics::{Activation, OutputSpec, QuantTensor};
use tmlc_tinyml::{OpInterface, OpView, SlidingWindow};

/// The kernel variant an op runs.
fn variant(op: &OpContext) -> KernelVariant {
    tmlc_mem::kernel_variant(&op.data().attributes)
}

/// The operands whose constant bytes the emitted call reads directly: all of them, except the
/// weights and bias of a kernel that takes them in another layout (packed here instead).
pub fn raw_constant_operands(op: &OpContext) -> Vec<usize> {
    let view = OpView::decode(op).and_then(Result::ok);
    let wide = tmlc_mem::wide_weights(&op.data().attributes);
    let layout = view
        .as_ref()
        .and_then(|view| {
            let wide_layout = kernels::wide_layout(view, variant(op)).filter(|_| wide);
            wide_layout
                .map(|(layout, _)| layout)
                .or_else(|| kernels::lookup(view, variant(op)).map(|kernel| kernel.weights))
        })
        .unwrap_or(WeightLayout::AsStored);
    (0..op.data().operands.len())
        .filter(|&i| !layout.repacks_operand(i))
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
    if loop_plan(op.module, op.function, op.op).is_some() {
        return layer.patch_loop(writer, index);
    }
    let Some(view) = OpView::decode(op).transpose()? else {
        return Err(Diagnostic::new(
            ErrorCode::PassFailed,
            format!("the C backend cannot emit '{}'", data.name),
        )
        .at(data.span));
    };
    match &view {
        OpView::Conv2d(conv) => layer.conv2d(writer, conv.window, conv.act, None),
        OpView::DepthwiseConv2d(depthwise) => layer.conv2d(
            writer,
            depthwise.window,
            depthwise.act,
            Some(depthwise.multiplier),
        ),
        OpView::FullyConnected(fc) => layer.fully_connected(writer, fc.act),
        OpView::Pool2d(pool) => layer.pool(writer, pool.kind, pool.window, pool.act),
        OpView::Add(add) => layer.add(writer, add.act),
        OpView::Mul(mul) => layer.mul(writer, mul.act),
        OpView::Softmax(softmax) => layer.softmax(writer, softmax.beta),
        OpView::Pad(pad) => layer.pad(writer, &pad.pads),
        OpView::Reshape(_) | OpView::Squeeze(_) => layer.reshape(writer),
        OpView::Transpose(transpose) => layer.transpose(writer, &transpose.perm),
        OpView::ResizeNearestNeighbor(resize) => {
            layer.resize_nearest_neighbor(writer, resize.size, resize.options)
        }
        OpView::StridedSlice(slice) => layer.strided_slice(writer, &slice.params),
        OpView::Mean(mean) => layer.mean(writer, &mean.axes),
        OpView::Concat(concat) => layer.concat(writer, concat.axis, concat.act),
        OpView::Elementwise(kind) => layer.elementwise(writer, *kind),
        OpView::Quantize(_) | OpView::Dequantize(_) => layer.float_edge(writer),
        OpView::Sub(sub) => layer.sub(writer, sub.act),
        OpView::LogSoftmax(log_softmax) if log_softmax.float => layer.log_softmax_f32(writer),
        OpView::LogSoftmax(_) => layer.log_softmax(writer),
        OpView::HardSwish(_) | OpView::Sigmoid(_) | OpView::LeakyRelu(_) => {
            layer.lookup(writer, view.interface())
        }
        OpView::Lstm(lstm) => layer.lstm(writer, lstm),
        OpView::Const(_) => Err(Diagnostic::new(
            ErrorCode::PassFailed,
            "the C backend emits constants as tables, not as layers",
        )
        .at(data.span)),
    }
}

/// A patch loop's table of `int16_t` rows, one per patch (or band), after `comment`.
fn patch_table(writer: &mut CWriter, comment: &str, table: &str, rows: &[String], columns: usize) {
    writer.table(&format!(
        "{comment}static const int16_t {table}[{}][{columns}] = {{\n    {}\n}};\n",
        rows.len(),
        rows.join(",\n    ")
    ));
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

/// The tensor's shape right-aligned to 4-D with leading 1s.
fn dims4(shape: &[usize]) -> [usize; 4] {
    let mut dims = [1; 4];
    for (slot, &d) in dims[4 - shape.len().min(4)..].iter_mut().zip(shape) {
        *slot = d;
    }
    dims
}

/// A float as a C literal that reads back as the same bits (Rust prints the shortest decimal that
/// round-trips; a C compiler converts it correctly rounded).
pub fn float_literal(value: f32) -> String {
    format!("{value:?}f")
}

/// `values` (one per axis) right-aligned to `rank` entries, the missing leading axis `d` given
/// `padding(d)`.
fn right_aligned(
    values: impl ExactSizeIterator<Item = i64>,
    rank: usize,
    padding: impl Fn(usize) -> i64,
) -> Vec<i64> {
    let mut aligned: Vec<i64> = (0..rank - values.len()).map(padding).collect();
    aligned.extend(values);
    aligned
}

/// The leading `[top, left]` padding of a window on an NHWC input.
fn leading_padding(window: &SlidingWindow, input: &[usize]) -> [usize; 2] {
    [
        window.pad(0, input[1]).before,
        window.pad(1, input[2]).before,
    ]
}

impl Layer<'_> {
    fn input(&self, index: usize) -> String {
        self.names.pointer(self.op.data().operands[index])
    }

    fn output(&self) -> String {
        self.names.pointer(self.op.data().results[0])
    }

    fn activation_range(&self, act: Activation) -> (i32, i32) {
        let (scale, zero_point) = per_tensor(self.op.result_type(0));
        activation_range(act, scale, zero_point)
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
        writer.table_with(|| {
            c_array(
                "int32_t",
                &names.0,
                multipliers.iter().map(|m| m.multiplier.to_string()),
            )
        });
        writer.table_with(|| {
            c_array(
                "int32_t",
                &names.1,
                multipliers.iter().map(|m| m.shift.to_string()),
            )
        });
        names
    }

    /// The per-channel requantization tables of a convolution with `channels` outputs.
    fn conv_tables(&self, writer: &mut CWriter, channels: usize) -> (String, String) {
        let (input_scale, _) = per_tensor(self.op.operand_type(0));
        let (output_scale, _) = per_tensor(self.op.result_type(0));
        let multipliers = conv_multipliers(
            input_scale,
            self.op.operand_type(1).scales(),
            output_scale,
            channels,
        );
        self.multiplier_tables(writer, &multipliers)
    }

    /// A `loop.patches` op: for every output patch, copy the input region it needs to the start
    /// of the patch buffer region, run each layer of the body from one end of the region to the
    /// other with the patch's sizes and border padding (a table computed here by `loop_plan`), and copy the
    /// last layer's patch into the result. Step hooks (`api::layer_step`) mark each body op's
    /// call, so a profile build can count the ops and the copies apart.
    fn patch_loop(&self, writer: &mut CWriter, index: usize) -> DiagResult<()> {
        let function = self.op.function;
        let plan = loop_plan(self.op.module, function, self.op.op).ok_or_else(|| {
            self.op
                .error("has a layer the C backend cannot compute per patch")
        })?;
        if let Some(row_buffers) = &plan.row_buffers {
            return self.stream_loop(writer, index, &plan, row_buffers);
        }
        let layers = &plan.layers;
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
        patch_table(writer, "", &table, &rows, columns);
        let input_channels = layers[0].input[2];
        let last = layers[layers.len() - 1];
        let (input_width, output_width, output_channels) =
            (layers[0].input[1], last.output[1], last.output[2]);
        self.open_loop(writer, &plan, &scratch, &table, rows.len(), "p, y");
        // Layers alternate the two ends of the patch buffer region (`PatchPlan::buffer_bytes`):
        // the first reads its input at the start and writes its output at the end.
        writer.body_line(&format!("        int8_t *buffer_a = {scratch};"));
        writer.body_line("        int8_t *buffer_b;");
        writer.body_line(&format!(
            "        for (y = t[0]; y < t[1]; ++y) memcpy(buffer_a + (y - t[0]) * (t[3] - t[2]) * {input_channels}, {} + ((int32_t)y * {input_width} + t[2]) * {input_channels}, (size_t)((t[3] - t[2]) * {input_channels}));",
            self.input(0)
        ));
        for (k, layer) in layers.iter().enumerate() {
            let base = 8 + 6 * k;
            let dims = PatchDims {
                in_h: format!("t[{base}]"),
                in_w: format!("t[{}]", base + 1),
                pad_top: format!("t[{}]", base + 2),
                pad_left: format!("t[{}]", base + 3),
                out_h: format!("t[{}]", base + 4),
                out_w: format!("t[{}]", base + 5),
            };
            writer.body_line(&format!("        /* {} */", function.ops[layer.op].name));
            if k % 2 == 0 {
                writer.body_line(&format!(
                    "        buffer_b = {scratch} + {} - (((int32_t){} * {} * {} + 3) & ~3);",
                    plan.buffers_bytes(),
                    dims.out_h,
                    dims.out_w,
                    layer.output[2]
                ));
            } else {
                writer.body_line(&format!("        buffer_b = {scratch};"));
            }
            let call = self.body_call(writer, k, layer, &dims, false)?;
            let step = api::layer_step(&writer.hook_prefix, index, k);
            writer.body_line(&format!("        {step}"));
            writer.body_line(&format!("        {}", call.statement()));
            writer.body_line("        buffer_a = buffer_b;");
        }
        let step = api::layer_step(&writer.hook_prefix, index, layers.len());
        writer.body_line(&format!("        {step}"));
        writer.body_line(&format!(
            "        for (y = t[4]; y < t[5]; ++y) memcpy({} + ((int32_t)y * {output_width} + t[6]) * {output_channels}, buffer_a + (y - t[4]) * (t[7] - t[6]) * {output_channels}, (size_t)((t[7] - t[6]) * {output_channels}));",
            self.output()
        ));
        writer.body_line("    }");
        writer.body_line("}");
        Ok(())
    }

    /// The kernel call of body layer `k` of this patch loop (in place over `buffer_b` when
    /// `in_place`), its tables named after the loop's.
    fn body_call(
        &self,
        writer: &mut CWriter,
        k: usize,
        layer: &LayerGeometry,
        dims: &PatchDims,
        in_place: bool,
    ) -> DiagResult<KernelCall> {
        let inner = OpContext {
            module: self.op.module,
            function: self.op.function,
            op: layer.op,
        };
        let inner_layer = Layer {
            op: &inner,
            prefix: format!("{}_{k}", self.prefix),
            names: self.names,
        };
        if in_place {
            inner_layer.patch_call_in_place(writer, layer, dims)
        } else {
            inner_layer.patch_call(writer, layer, dims)
        }
    }

    /// Opens a patch loop's block: the kernels' scratch after the patch buffers (when a layer's
    /// kernel has scratch), the counters, the loop over the table's rows and its row `t`.
    fn open_loop(
        &self,
        writer: &mut CWriter,
        plan: &tmlc_loop::patches::PatchPlan,
        scratch: &str,
        table: &str,
        rows: usize,
        counters: &str,
    ) {
        let function = self.op.function;
        writer.body_line("{");
        let kernels_use_scratch = plan.layers.iter().any(|layer| {
            tmlc_mem::kernel_variant(&function.ops[layer.op].attributes) != KernelVariant::Portable
        });
        if kernels_use_scratch {
            // The layers' kernels share the scratch after the patch buffer region.
            writer.body_line(&format!(
                "    void *kernel_scratch = {scratch} + {};",
                plan.buffers_bytes()
            ));
        }
        writer.body_line(&format!("    int32_t {counters};"));
        writer.body_line(&format!("    for (p = 0; p < {rows}; ++p) {{"));
        writer.body_line(&format!("        const int16_t *t = {table}[p];"));
    }

    /// A streamed `loop.patches` op (`PatchPlan::row_buffers`): band by band, the rows each
    /// layer keeps move to the start of its row buffer, then every layer computes its new rows
    /// after them, the first reading the loop's input and the last writing the loop's result in
    /// place (a table of the rows per band, computed here by `loop_plan`).
    fn stream_loop(
        &self,
        writer: &mut CWriter,
        index: usize,
        plan: &tmlc_loop::patches::PatchPlan,
        row_buffers: &[usize],
    ) -> DiagResult<()> {
        let function = self.op.function;
        let layers = &plan.layers;
        let n = layers.len();
        let scratch = self.scratch()?;
        let table = format!("{}_bands", self.prefix);
        let columns = 2 + 5 * n;
        let rows: Vec<String> = plan
            .patches
            .iter()
            .map(|patch| {
                let mut row = vec![patch[0].input.row0, patch[n - 1].output.row0];
                for layer in patch {
                    row.extend([
                        layer.input.height(),
                        layer.pad[0],
                        layer.output.height(),
                        layer.kept_rows,
                        layer.shift_rows,
                    ]);
                }
                let cells: Vec<String> = row.iter().map(|v| v.to_string()).collect();
                format!("{{{}}}", cells.join(", "))
            })
            .collect();
        patch_table(
            writer,
            "/* Per band: the loop's first input row, its first result row, then per layer the\n * rows it reads, its top padding, the rows it computes, the rows its buffer keeps and how\n * far they move. */\n",
            &table,
            &rows,
            columns,
        );
        let row_bytes = |k: usize| layers[k].output[1] * layers[k].output[2];
        self.open_loop(writer, plan, &scratch, &table, rows.len(), "p");
        writer.body_line("        const int8_t *buffer_a;");
        writer.body_line("        int8_t *buffer_b;");
        for (k, &offset) in row_buffers.iter().enumerate() {
            let (kept, shift) = (2 + 5 * k + 3, 2 + 5 * k + 4);
            writer.body_line(&format!(
                "        if (t[{shift}] > 0) memmove({scratch} + {offset}, {scratch} + {offset} + (int32_t)t[{shift}] * {rb}, (size_t)t[{kept}] * {rb});",
                rb = row_bytes(k)
            ));
        }
        for (k, layer) in layers.iter().enumerate() {
            let base = 2 + 5 * k;
            let dims = PatchDims {
                in_h: format!("t[{base}]"),
                in_w: layer.input[1].to_string(),
                pad_top: format!("t[{}]", base + 1),
                pad_left: layer.pad[1].to_string(),
                out_h: format!("t[{}]", base + 2),
                out_w: layer.output[1].to_string(),
            };
            writer.body_line(&format!("        /* {} */", function.ops[layer.op].name));
            let input = if k == 0 {
                format!(
                    "(const int8_t *)({}) + (int32_t)t[0] * {}",
                    self.input(0),
                    layer.input[1] * layer.input[2]
                )
            } else {
                format!("{scratch} + {}", row_buffers[k - 1])
            };
            let output = if k + 1 == n {
                format!("{} + (int32_t)t[1] * {}", self.output(), row_bytes(k))
            } else {
                format!(
                    "{scratch} + {} + (int32_t)t[{}] * {}",
                    row_buffers[k],
                    base + 3,
                    row_bytes(k)
                )
            };
            let in_place = plan.patches.first().is_some_and(|p| p[k].in_place);
            let call = if in_place {
                // Over its input in the previous layer's row buffer, the output rows at its
                // start (then, for the last layer, copied to the result).
                writer.body_line(&format!("        buffer_b = {input};"));
                writer.body_line("        buffer_a = buffer_b;");
                self.body_call(writer, k, layer, &dims, true)?
            } else {
                writer.body_line(&format!("        buffer_a = {input};"));
                writer.body_line(&format!("        buffer_b = {output};"));
                self.body_call(writer, k, layer, &dims, false)?
            };
            let step = api::layer_step(&writer.hook_prefix, index, k);
            writer.body_line(&format!("        {step}"));
            writer.body_line(&format!(
                "        if (t[{}] > 0) {}",
                base + 2,
                call.statement()
            ));
            if in_place && k + 1 == n {
                writer.body_line(&format!(
                    "        memcpy({output}, buffer_b, (size_t)t[{}] * {});",
                    base + 2,
                    row_bytes(k)
                ));
            }
        }
        let step = api::layer_step(&writer.hook_prefix, index, n);
        writer.body_line(&format!("        {step}"));
        writer.body_line("    }");
        writer.body_line("}");
        Ok(())
    }

    /// This layer's op decoded (an error for an op outside the tinyml dialect).
    fn view(&self) -> DiagResult<OpView> {
        OpView::decode(self.op)
            .transpose()?
            .ok_or_else(|| self.op.error("is not a tinyml op"))
    }

    /// The in-place kernel call of a depthwise body layer of a streamed loop over `buffer_b`
    /// (`buffer_a` is the same buffer), its scratch at `kernel_scratch`.
    fn patch_call_in_place(
        &self,
        writer: &mut CWriter,
        layer: &LayerGeometry,
        d: &PatchDims,
    ) -> DiagResult<KernelCall> {
        let view = self.view()?;
        let OpView::DepthwiseConv2d(depthwise) = &view else {
            return Err(self.op.error("cannot run in place in a patch loop"));
        };
        match variant(self.op) {
            KernelVariant::ArmMve => self.patch_call_mve(writer, &view, layer, d),
            KernelVariant::ArmDsp => {
                let (_, input_zero_point) = per_tensor(self.op.operand_type(0));
                let (_, output_zero_point) = per_tensor(self.op.result_type(0));
                let (multipliers, shifts) = self.conv_tables(writer, depthwise.output[3]);
                let packed = self.packed_depthwise_filter(writer, -input_zero_point)?;
                let (act_min, act_max) = self.activation_range(depthwise.act);
                Ok(KernelCall::new("tmlc_depthwise_conv2d_inplace_s8_dsp")
                    .args(["buffer_b", &d.in_h, &d.in_w])
                    .arg(layer.input[2])
                    .arg(-input_zero_point)
                    .arg(packed)
                    .args([layer.kernel[0], layer.kernel[1]])
                    .args([multipliers, shifts])
                    .args([
                        layer.stride[0],
                        layer.stride[1],
                        layer.dilation[0],
                        layer.dilation[1],
                    ])
                    .args([&d.pad_top, &d.pad_left])
                    .args([&d.out_h, &d.out_w])
                    .args([output_zero_point, act_min, act_max])
                    .arg("kernel_scratch"))
            }
            KernelVariant::Portable => Err(self
                .op
                .error("has no portable kernel the C backend can run in place per patch")),
        }
    }

    /// The kernel call of one body layer on the patch buffers (`buffer_a` in, `buffer_b` out).
    fn patch_call(
        &self,
        writer: &mut CWriter,
        layer: &LayerGeometry,
        d: &PatchDims,
    ) -> DiagResult<KernelCall> {
        let view = self.view()?;
        let (input_scale, input_zero_point) = per_tensor(self.op.operand_type(0));
        let (output_scale, output_zero_point) = per_tensor(self.op.result_type(0));
        let [in_c, out_c] = [layer.input[2], layer.output[2]];
        let size = format!("{} * {} * {out_c}", d.out_h, d.out_w);
        let mut window_call = |function: &str, channels: usize, channel_argument: usize, act| {
            let (multiplier_table, shift_table) = self.conv_tables(writer, channels);
            let (act_min, act_max) = self.activation_range(act);
            KernelCall::new(function)
                .args(["buffer_a", "1", &d.in_h, &d.in_w])
                .arg(in_c)
                .arg(-input_zero_point)
                .arg(self.input(1))
                .arg(channel_argument)
                .args([layer.kernel[0], layer.kernel[1]])
                .arg(self.bias(2))
                .args([multiplier_table, shift_table])
                .args([
                    layer.stride[0],
                    layer.stride[1],
                    layer.dilation[0],
                    layer.dilation[1],
                ])
                .args([&d.pad_top, &d.pad_left])
                .args(["buffer_b", &d.out_h, &d.out_w])
                .args([output_zero_point, act_min, act_max])
        };
        if variant(self.op) == KernelVariant::ArmDsp {
            return self.patch_call_dsp(writer, &view, layer, d);
        }
        if variant(self.op) == KernelVariant::ArmMve {
            return self.patch_call_mve(writer, &view, layer, d);
        }
        Ok(match view {
            OpView::Conv2d(conv) => window_call(
                "tmlc_conv2d_s8",
                conv.out_channels,
                conv.out_channels,
                conv.act,
            ),
            OpView::DepthwiseConv2d(depthwise) => window_call(
                "tmlc_depthwise_conv2d_s8",
                depthwise.output[3],
                depthwise.multiplier,
                depthwise.act,
            ),
            OpView::Pool2d(pool) => {
                let (act_min, act_max) = self.activation_range(pool.act);
                let call = |function| {
                    KernelCall::new(function)
                        .args(["buffer_a", "1", &d.in_h, &d.in_w])
                        .arg(in_c)
                        .args([
                            layer.kernel[0],
                            layer.kernel[1],
                            layer.stride[0],
                            layer.stride[1],
                        ])
                        .args([&d.pad_top, &d.pad_left])
                        .args(["buffer_b", &d.out_h, &d.out_w])
                };
                match pool.kind {
                    PoolKind::Max => call("tmlc_max_pool2d_s8").args([act_min, act_max]),
                    PoolKind::Average => {
                        call("tmlc_avg_pool2d_s8").args([output_zero_point, act_min, act_max])
                    }
                }
            }
            OpView::Elementwise(Elementwise::Requantize) => {
                let q = quantize_multiplier(input_scale as f64 / output_scale as f64);
                KernelCall::new("tmlc_requantize_s8")
                    .args(["buffer_a", "buffer_b", &size])
                    .args([input_zero_point, q.multiplier, q.shift, output_zero_point])
            }
            OpView::Elementwise(clamp) => {
                let activation = if clamp == Elementwise::Relu6 {
                    Activation::Relu6
                } else {
                    Activation::Relu
                };
                let (low, high) = activation_range(activation, input_scale, input_zero_point);
                KernelCall::new("tmlc_clamp_s8")
                    .args(["buffer_a", "buffer_b", &size])
                    .args([low, high])
            }
            OpView::HardSwish(_) | OpView::Sigmoid(_) | OpView::LeakyRelu(_) => {
                let table = self.lookup_table(writer, view.interface())?;
                KernelCall::new("tmlc_lut_s8").args(["buffer_a", &table, "buffer_b", &size])
            }
            _ => {
                return Err(self
                    .op
                    .error("has no kernel the C backend can call per patch"))
            }
        })
    }

    /// The Arm DSP kernel call of one body layer on the patch buffers, its scratch at
    /// `kernel_scratch` (after the patch buffer region; `select-kernels` sized the loop's scratch).
    fn patch_call_dsp(
        &self,
        writer: &mut CWriter,
        view: &OpView,
        layer: &LayerGeometry,
        d: &PatchDims,
    ) -> DiagResult<KernelCall> {
        let (_, input_zero_point) = per_tensor(self.op.operand_type(0));
        let (_, output_zero_point) = per_tensor(self.op.result_type(0));
        let in_c = layer.input[2];
        let geometry = |call: KernelCall| {
            call.args([
                layer.stride[0],
                layer.stride[1],
                layer.dilation[0],
                layer.dilation[1],
            ])
            .args([&d.pad_top, &d.pad_left])
        };
        let tail = |call: KernelCall, act| {
            let (act_min, act_max) = self.activation_range(act);
            call.args([output_zero_point, act_min, act_max])
                .arg("kernel_scratch")
        };
        Ok(match view {
            OpView::Conv2d(conv) if layer.kernel == [1, 1] && layer.stride == [1, 1] => {
                let (multipliers, shifts) = self.conv_tables(writer, conv.out_channels);
                let pixels = format!("{} * {}", d.in_h, d.in_w);
                let call = KernelCall::new("tmlc_conv2d_1x1_s8_dsp")
                    .args(["buffer_a", &pixels])
                    .arg(in_c)
                    .arg(-input_zero_point)
                    .arg(self.input(1))
                    .arg(conv.out_channels)
                    .arg(self.bias(2))
                    .args([multipliers, shifts])
                    .arg("buffer_b");
                tail(call, conv.act)
            }
            OpView::Conv2d(conv) => {
                let (multipliers, shifts) = self.conv_tables(writer, conv.out_channels);
                let call = KernelCall::new("tmlc_conv2d_s8_dsp")
                    .args(["buffer_a", "1", &d.in_h, &d.in_w])
                    .arg(in_c)
                    .arg(-input_zero_point)
                    .arg(self.input(1))
                    .arg(conv.out_channels)
                    .args([layer.kernel[0], layer.kernel[1]])
                    .arg(self.bias(2))
                    .args([multipliers, shifts]);
                let call = geometry(call).args(["buffer_b", &d.out_h, &d.out_w]);
                tail(call, conv.act)
            }
            OpView::DepthwiseConv2d(depthwise) if kernels::depthwise_runs_as_conv(depthwise) => {
                let (multipliers, shifts) = self.conv_tables(writer, depthwise.output[3]);
                let filter = self.depthwise_conv_filter(writer)?;
                let call = KernelCall::new("tmlc_conv2d_s8_dsp")
                    .args(["buffer_a", "1", &d.in_h, &d.in_w])
                    .arg(in_c)
                    .arg(-input_zero_point)
                    .arg(filter)
                    .arg(depthwise.output[3])
                    .args([layer.kernel[0], layer.kernel[1]])
                    .arg(self.bias(2))
                    .args([multipliers, shifts]);
                let call = geometry(call).args(["buffer_b", &d.out_h, &d.out_w]);
                tail(call, depthwise.act)
            }
            OpView::DepthwiseConv2d(depthwise) => {
                let (multipliers, shifts) = self.conv_tables(writer, depthwise.output[3]);
                let packed = self.packed_depthwise_filter(writer, -input_zero_point)?;
                let call = KernelCall::new("tmlc_depthwise_conv2d_s8_dsp")
                    .args(["buffer_a", "1", &d.in_h, &d.in_w])
                    .arg(in_c)
                    .arg(-input_zero_point)
                    .arg(packed)
                    .arg(depthwise.multiplier)
                    .args([layer.kernel[0], layer.kernel[1]])
                    .args([multipliers, shifts]);
                let call = geometry(call).args(["buffer_b", &d.out_h, &d.out_w]);
                tail(call, depthwise.act)
            }
            _ => {
                return Err(self
                    .op
                    .error("has no Arm DSP kernel the C backend can call per patch"))
            }
        })
    }

    /// The Helium kernel call of one body layer on the patch buffers (the loop's scratch holds
    /// its tables after the two buffers: `kernel_scratch`).
    fn patch_call_mve(
        &self,
        writer: &mut CWriter,
        view: &OpView,
        layer: &LayerGeometry,
        d: &PatchDims,
    ) -> DiagResult<KernelCall> {
        let (_, input_zero_point) = per_tensor(self.op.operand_type(0));
        let (_, output_zero_point) = per_tensor(self.op.result_type(0));
        let in_c = layer.input[2];
        let window = |call: KernelCall| {
            call.args([
                layer.stride[0],
                layer.stride[1],
                layer.dilation[0],
                layer.dilation[1],
            ])
            .args([&d.pad_top, &d.pad_left])
            .args(["buffer_b", &d.out_h, &d.out_w])
        };
        let tail = |call: KernelCall, act| {
            let (act_min, act_max) = self.activation_range(act);
            call.args([output_zero_point, act_min, act_max])
                .arg("kernel_scratch")
        };
        Ok(match view {
            OpView::Conv2d(conv) if layer.kernel == [1, 1] && layer.stride == [1, 1] => {
                let (multipliers, shifts) = self.conv_tables(writer, conv.out_channels);
                let pixels = format!("{} * {}", d.in_h, d.in_w);
                let call = KernelCall::new("tmlc_conv2d_1x1_s8_mve")
                    .args(["buffer_a", &pixels, &d.in_w])
                    .arg(in_c)
                    .arg(-input_zero_point)
                    .arg(self.input(1))
                    .arg(conv.out_channels)
                    .arg(self.bias(2))
                    .args([multipliers, shifts])
                    .arg("buffer_b");
                tail(call, conv.act)
            }
            OpView::Conv2d(conv) => {
                let (multipliers, shifts) = self.conv_tables(writer, conv.out_channels);
                let call = KernelCall::new("tmlc_conv2d_s8_mve")
                    .args(["buffer_a", "1", &d.in_h, &d.in_w])
                    .arg(in_c)
                    .arg(-input_zero_point)
                    .arg(self.input(1))
                    .arg(conv.out_channels)
                    .args([layer.kernel[0], layer.kernel[1]])
                    .arg(self.bias(2))
                    .args([multipliers, shifts]);
                tail(window(call), conv.act)
            }
            OpView::DepthwiseConv2d(depthwise) => {
                let (multipliers, shifts) = self.conv_tables(writer, depthwise.output[3]);
                let call = KernelCall::new("tmlc_depthwise_conv2d_s8_mve")
                    .args(["buffer_a", "1", &d.in_h, &d.in_w])
                    .arg(in_c)
                    .arg(-input_zero_point)
                    .arg(self.input(1))
                    .arg(depthwise.multiplier)
                    .args([layer.kernel[0], layer.kernel[1]])
                    .arg(self.bias(2))
                    .args([multipliers, shifts]);
                tail(window(call), depthwise.act)
            }
            _ => {
                return Err(self
                    .op
                    .error("has no Helium kernel the C backend can call per patch"))
            }
        })
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

    /// Emits the depthwise DSP kernels' packed filter; returns its name.
    fn packed_depthwise_filter(
        &self,
        writer: &mut CWriter,
        input_offset: i32,
    ) -> DiagResult<String> {
        let shape = &self.op.operand_type(1).shape;
        let (k_h, k_w, out_c) = (shape[1], shape[2], shape[3]);
        let words = packing::depthwise_filter(
            &self.constant_i8(1)?,
            &self.bias_values(2, out_c),
            [k_h, k_w, out_c],
            input_offset,
        );
        let name = format!("{}_packed_filter", self.prefix);
        writer.constant_bytes += 4 * words.len();
        writer.table_with(|| c_array("uint32_t", &name, words.iter().map(|&w| U32Literal(w))));
        Ok(name)
    }

    /// Emits the filter `[1, k_h, k_w, M]` of a depthwise convolution with one input channel as
    /// the convolution filter `[M, k_h, k_w, 1]` (`WeightLayout::DepthwiseAsConv`); returns its
    /// name.
    fn depthwise_conv_filter(&self, writer: &mut CWriter) -> DiagResult<String> {
        let shape = &self.op.operand_type(1).shape;
        let (taps, channels) = (shape[1] * shape[2], shape[3]);
        let filter = self.constant_i8(1)?;
        let name = format!("{}_conv_filter", self.prefix);
        writer.constant_bytes += taps * channels;
        writer.table_with(|| {
            c_array(
                "int8_t",
                &name,
                (0..channels)
                    .flat_map(|m| (0..taps).map(move |t| (m, t)))
                    .map(|(m, t)| filter[t * channels + m]),
            )
        });
        Ok(name)
    }

    /// Emits the fully-connected DSP kernel's packed weights and folded bias; returns their
    /// names.
    fn packed_fully_connected(
        &self,
        writer: &mut CWriter,
        input_offset: i32,
        wide: bool,
    ) -> DiagResult<(String, String)> {
        let shape = &self.op.operand_type(1).shape;
        let (out_depth, in_depth) = (shape[0], shape[1]);
        let pack = if wide {
            packing::fully_connected_wide
        } else {
            packing::fully_connected
        };
        let (words, folded) = pack(
            &self.constant_i8(1)?,
            &self.bias_values(2, out_depth),
            [out_depth, in_depth],
            input_offset,
        );
        let names = (
            format!("{}_packed_weights", self.prefix),
            format!("{}_folded_bias", self.prefix),
        );
        writer.constant_bytes += 4 * words.len() + 4 * folded.len();
        writer.table_with(|| c_array("uint32_t", &names.0, words.iter().map(|&w| U32Literal(w))));
        writer.table_with(|| c_array("int32_t", &names.1, folded.iter().map(|v| v.to_string())));
        Ok(names)
    }

    /// Emits the int16 filter of a convolution with its folded bias and requantization
    /// constants (`WeightLayout::ConvDspWide`, the `[out_c, k_h, k_w, in_c]` filter as
    /// `[out_c, K]`); returns its name.
    fn packed_conv_wide(&self, writer: &mut CWriter, input_offset: i32) -> DiagResult<String> {
        let shape = &self.op.operand_type(1).shape;
        let (out_c, in_c) = (shape[0], shape[1] * shape[2] * shape[3]);
        let (input_scale, _) = per_tensor(self.op.operand_type(0));
        let (output_scale, output_zero_point) = per_tensor(self.op.result_type(0));
        let requant: Vec<(i32, i32)> = conv_multipliers(
            input_scale,
            self.op.operand_type(1).scales(),
            output_scale,
            out_c,
        )
        .iter()
        .map(|m| (m.multiplier, m.shift))
        .collect();
        let words = packing::conv_1x1_wide(
            &self.constant_i8(1)?,
            &self.bias_values(2, out_c),
            [out_c, in_c],
            input_offset,
            &requant,
            output_zero_point,
        );
        let name = format!("{}_wide_filter", self.prefix);
        writer.constant_bytes += 4 * words.len();
        writer.table_with(|| c_array("uint32_t", &name, words.iter().map(|&w| U32Literal(w))));
        Ok(name)
    }

    /// The op's scratch in the arena (`mem.scratch_offset`), for in-place kernels.
    fn scratch(&self) -> DiagResult<String> {
        tmlc_mem::read(&self.op.data().attributes, tmlc_mem::SCRATCH_OFFSET)
            .map(|offset| format!("arena + {offset}"))
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

    /// A convolution (`multiplier` is `None`) or depthwise convolution.
    fn conv2d(
        &self,
        writer: &mut CWriter,
        window: SlidingWindow,
        act: Activation,
        multiplier: Option<usize>,
    ) -> DiagResult<()> {
        let input = &self.op.operand_type(0).shape;
        let filter = &self.op.operand_type(1).shape;
        let output = &self.op.result_type(0).shape;
        let [k_h, k_w] = window.kernel;
        let [pad_top, pad_left] = leading_padding(&window, input);
        let (_, input_zero_point) = per_tensor(self.op.operand_type(0));
        let (_, output_zero_point) = per_tensor(self.op.result_type(0));
        let depthwise = multiplier.is_some();
        let channels = if depthwise { filter[3] } else { filter[0] };
        let (multiplier_table, shift_table) = self.conv_tables(writer, channels);
        let (act_min, act_max) = self.activation_range(act);
        let geometry = [
            window.stride[0],
            window.stride[1],
            window.dilation[0],
            window.dilation[1],
            pad_top,
            pad_left,
        ];
        let tail = [output_zero_point, act_min, act_max];
        // Over its input where `inplace` allowed it and `alloc` took the offer (the scratch of
        // an op marked `mem.inplace` covers both kernels; an unmarked op's only the ordinary
        // one, which also runs when `alloc` overlapped the two by the row margin).
        let in_place = self.op.data().attributes.contains_key(tmlc_mem::INPLACE)
            && self.input(0) == self.output();
        let call = if variant(self.op) == KernelVariant::ArmMve {
            // The weights as stored; the scratch holds the per-call tables. The depthwise kernel
            // runs in place when given the output as its input.
            let call = if depthwise {
                let source = if in_place {
                    self.output()
                } else {
                    self.input(0)
                };
                KernelCall::new("tmlc_depthwise_conv2d_s8_mve")
                    .arg(source)
                    .args([input[0], input[1], input[2], input[3]])
                    .arg(-input_zero_point)
                    .arg(self.input(1))
                    .args([multiplier.unwrap_or(1), k_h, k_w])
                    .arg(self.bias(2))
                    .args([&multiplier_table, &shift_table])
                    .args(geometry)
                    .arg(self.output())
                    .args([output[1], output[2]])
            } else if k_h == 1 && k_w == 1 && window.stride == [1, 1] {
                KernelCall::new("tmlc_conv2d_1x1_s8_mve")
                    .arg(self.input(0))
                    .args([input[0] * input[1] * input[2], input[2], input[3]])
                    .arg(-input_zero_point)
                    .arg(self.input(1))
                    .arg(filter[0])
                    .arg(self.bias(2))
                    .args([&multiplier_table, &shift_table])
                    .arg(self.output())
            } else {
                KernelCall::new("tmlc_conv2d_s8_mve")
                    .arg(self.input(0))
                    .args([input[0], input[1], input[2], input[3]])
                    .arg(-input_zero_point)
                    .arg(self.input(1))
                    .arg(filter[0])
                    .args([k_h, k_w])
                    .arg(self.bias(2))
                    .args([&multiplier_table, &shift_table])
                    .args(geometry)
                    .arg(self.output())
                    .args([output[1], output[2]])
            };
            call.args(tail).arg(self.scratch()?)
        } else if variant(self.op) == KernelVariant::ArmDsp {
            let scratch = self.scratch()?;
            let as_conv = match OpView::decode(self.op).transpose()? {
                Some(OpView::DepthwiseConv2d(view)) => kernels::depthwise_runs_as_conv(&view),
                _ => false,
            };
            if as_conv {
                let filter_table = self.depthwise_conv_filter(writer)?;
                KernelCall::new("tmlc_conv2d_s8_dsp")
                    .arg(self.input(0))
                    .args([input[0], input[1], input[2], input[3]])
                    .arg(-input_zero_point)
                    .arg(filter_table)
                    .arg(channels)
                    .args([k_h, k_w])
                    .arg(self.bias(2))
                    .args([&multiplier_table, &shift_table])
                    .args(geometry)
                    .arg(self.output())
                    .args([output[1], output[2]])
            } else if depthwise {
                let packed = self.packed_depthwise_filter(writer, -input_zero_point)?;
                let call = if in_place {
                    KernelCall::new("tmlc_depthwise_conv2d_inplace_s8_dsp")
                        .arg(self.output())
                        .args([input[1], input[2], input[3]])
                } else {
                    KernelCall::new("tmlc_depthwise_conv2d_s8_dsp")
                        .arg(self.input(0))
                        .args([input[0], input[1], input[2], input[3]])
                };
                let call = call.arg(-input_zero_point).arg(packed);
                let call = if in_place {
                    call
                } else {
                    call.arg(multiplier.unwrap_or(1))
                };
                let call = call
                    .args([k_h, k_w])
                    .args([&multiplier_table, &shift_table])
                    .args(geometry);
                if in_place {
                    call.args([output[1], output[2]])
                } else {
                    call.arg(self.output()).args([output[1], output[2]])
                }
            } else if k_h == 1
                && k_w == 1
                && window.stride == [1, 1]
                && tmlc_mem::wide_weights(&self.op.data().attributes)
            {
                // `select-kernels` chose the int16 filter where the flash allows.
                let packed = self.packed_conv_wide(writer, -input_zero_point)?;
                KernelCall::new("tmlc_conv2d_1x1_s8_dsp_wide")
                    .arg(self.input(0))
                    .args([input[0] * input[1] * input[2], input[3]])
                    .arg(packed)
                    .arg(filter[0])
                    .args([&multiplier_table, &shift_table])
                    .arg(self.output())
            } else if k_h == 1 && k_w == 1 && window.stride == [1, 1] {
                KernelCall::new("tmlc_conv2d_1x1_s8_dsp")
                    .arg(self.input(0))
                    .args([input[0] * input[1] * input[2], input[3]])
                    .arg(-input_zero_point)
                    .arg(self.input(1))
                    .arg(filter[0])
                    .arg(self.bias(2))
                    .args([&multiplier_table, &shift_table])
                    .arg(self.output())
            } else if tmlc_mem::wide_weights(&self.op.data().attributes) {
                let packed = self.packed_conv_wide(writer, -input_zero_point)?;
                KernelCall::new("tmlc_conv2d_s8_dsp_wide")
                    .arg(self.input(0))
                    .args([input[0], input[1], input[2], input[3]])
                    .arg(-input_zero_point)
                    .arg(packed)
                    .arg(filter[0])
                    .args([k_h, k_w])
                    .args([&multiplier_table, &shift_table])
                    .args(geometry)
                    .arg(self.output())
                    .args([output[1], output[2]])
            } else {
                KernelCall::new("tmlc_conv2d_s8_dsp")
                    .arg(self.input(0))
                    .args([input[0], input[1], input[2], input[3]])
                    .arg(-input_zero_point)
                    .arg(self.input(1))
                    .arg(filter[0])
                    .args([k_h, k_w])
                    .arg(self.bias(2))
                    .args([&multiplier_table, &shift_table])
                    .args(geometry)
                    .arg(self.output())
                    .args([output[1], output[2]])
            }
            .args(tail)
            .arg(scratch)
        } else if depthwise && in_place {
            // Planned in place (`mem.inplace`, same offset): one channel plane of scratch.
            KernelCall::new("tmlc_depthwise_conv2d_inplace_s8")
                .arg(self.output())
                .args([input[1], input[2], input[3]])
                .arg(-input_zero_point)
                .arg(self.input(1))
                .args([k_h, k_w])
                .arg(self.bias(2))
                .args([&multiplier_table, &shift_table])
                .args(geometry)
                .args([output[1], output[2]])
                .args(tail)
                .arg(self.scratch()?)
        } else {
            let (function, channel_argument) = match multiplier {
                Some(multiplier) => ("tmlc_depthwise_conv2d_s8", multiplier),
                None => ("tmlc_conv2d_s8", filter[0]),
            };
            KernelCall::new(function)
                .arg(self.input(0))
                .args([input[0], input[1], input[2], input[3]])
                .arg(-input_zero_point)
                .arg(self.input(1))
                .args([channel_argument, k_h, k_w])
                .arg(self.bias(2))
                .args([&multiplier_table, &shift_table])
                .args(geometry)
                .arg(self.output())
                .args([output[1], output[2]])
                .args(tail)
        };
        writer.body_line(&call.statement());
        Ok(())
    }

    fn fully_connected(&self, writer: &mut CWriter, act: Activation) -> DiagResult<()> {
        let input = self.op.operand_type(0);
        let weights = self.op.operand_type(1);
        let (out_depth, in_depth) = (weights.shape[0], weights.shape[1]);
        let (input_scale, input_zero_point) = per_tensor(input);
        let (output_scale, output_zero_point) = per_tensor(self.op.result_type(0));
        let weight_scales = weights.scales();
        let per_channel = weight_scales.len() > 1;
        let multipliers =
            fully_connected_multipliers(input_scale, weight_scales, output_scale, out_depth);
        let (multiplier_table, shift_table) = self.multiplier_tables(writer, &multipliers);
        let (act_min, act_max) = self.activation_range(act);
        let batches = input.num_elements() / in_depth;
        let call = if variant(self.op) == KernelVariant::ArmDsp {
            // `select-kernels` chose the wide (int16) weights when the flash allows.
            let wide = tmlc_mem::wide_weights(&self.op.data().attributes);
            let (packed, folded) = self.packed_fully_connected(writer, -input_zero_point, wide)?;
            KernelCall::new(if wide {
                "tmlc_fully_connected_s8_dsp_wide"
            } else {
                "tmlc_fully_connected_s8_dsp"
            })
            .arg(self.input(0))
            .args([batches, in_depth])
            .arg(packed)
            .arg(out_depth)
            .args([folded, multiplier_table, shift_table])
        } else {
            let function = if variant(self.op) == KernelVariant::ArmMve {
                "tmlc_fully_connected_s8_mve"
            } else {
                "tmlc_fully_connected_s8"
            };
            KernelCall::new(function)
                .arg(self.input(0))
                .args([batches, in_depth])
                .arg(-input_zero_point)
                .arg(self.input(1))
                .arg(out_depth)
                .arg(self.bias(2))
                .args([multiplier_table, shift_table])
        };
        let call = call.arg(per_channel as i32).arg(self.output()).args([
            output_zero_point,
            act_min,
            act_max,
        ]);
        writer.body_line(&call.statement());
        Ok(())
    }

    fn pool(
        &self,
        writer: &mut CWriter,
        kind: PoolKind,
        window: SlidingWindow,
        act: Activation,
    ) -> DiagResult<()> {
        let input = &self.op.operand_type(0).shape;
        let output = &self.op.result_type(0).shape;
        let [pad_top, pad_left] = leading_padding(&window, input);
        let (act_min, act_max) = self.activation_range(act);
        let function = match kind {
            PoolKind::Max => "tmlc_max_pool2d_s8",
            PoolKind::Average => "tmlc_avg_pool2d_s8",
        };
        let call = KernelCall::new(function)
            .arg(self.input(0))
            .args([input[0], input[1], input[2], input[3]])
            .args(window.kernel)
            .args(window.stride)
            .args([pad_top, pad_left])
            .arg(self.output())
            .args([output[1], output[2]]);
        let call = match kind {
            PoolKind::Max => call,
            PoolKind::Average => call.arg(per_tensor(self.op.result_type(0)).1),
        };
        writer.body_line(&call.args([act_min, act_max]).statement());
        Ok(())
    }

    /// The `(scale, zero_point)` of operand 0, operand 1 and the result.
    fn binary_quantizations(&self) -> [(f32, i32); 3] {
        [
            per_tensor(self.op.operand_type(0)),
            per_tensor(self.op.operand_type(1)),
            per_tensor(self.op.result_type(0)),
        ]
    }

    fn add(&self, writer: &mut CWriter, act: Activation) -> DiagResult<()> {
        let [a, b, output] = self.binary_quantizations();
        let params = AddParams::prepare(a, b, output, act);
        // `select-kernels` chose the table of every result where the flash allows
        // (`WeightLayout::AddTable`): exact by construction, one lookup per element.
        if tmlc_mem::wide_weights(&self.op.data().attributes) {
            let table = format!("{}_add_table", self.prefix);
            let results: Vec<u8> = (-128..=127i32)
                .flat_map(|x| (-128..=127i32).map(move |y| (x, y)))
                .map(|(x, y)| params.apply(x as i8, y as i8) as u8)
                .collect();
            writer.constant_bytes += results.len();
            writer.table_with(|| {
                let mut text = String::new();
                super::writer::int8_array(&mut text, &table, &results);
                text
            });
            let call = KernelCall::new("tmlc_add_table_s8")
                .args([self.input(0), self.input(1), table, self.output()])
                .arg(self.op.result_type(0).num_elements());
            writer.body_line(&call.statement());
            return Ok(());
        }
        if let Some(tables) = self.add_input_tables(writer, &params)? {
            let call = KernelCall::new("tmlc_add_s8_dsp_tables")
                .args([self.input(0), self.input(1), tables, self.output()])
                .arg(self.op.result_type(0).num_elements())
                .args([
                    params.output_offset,
                    params.output.multiplier,
                    params.output.shift,
                    params.act_min,
                    params.act_max,
                ]);
            writer.body_line(&call.statement());
            return Ok(());
        }
        let same_shape = match variant(self.op) {
            KernelVariant::ArmDsp => "tmlc_add_s8_dsp",
            KernelVariant::ArmMve => "tmlc_add_s8_mve",
            KernelVariant::Portable => "tmlc_add_s8",
        };
        let call = self.binary_call(writer, same_shape, "tmlc_add_broadcast4d_s8");
        writer.body_line(&call.args(add_arguments(&params)).statement());
        Ok(())
    }

    /// Emits the DSP ADD's input tables (`WeightLayout::AddInputTables`: each input's value
    /// rescaled to the common scale, by the op's own semantics) and returns their name; `None`
    /// when the op's kernel has no such layout or a sum of two entries could reach 2^30, which
    /// `tmlc_add_s8_dsp_tables` does not take.
    fn add_input_tables(
        &self,
        writer: &mut CWriter,
        params: &AddParams,
    ) -> DiagResult<Option<String>> {
        let layout = OpView::decode(self.op)
            .transpose()?
            .and_then(|view| kernels::lookup(&view, variant(self.op)))
            .map(|kernel| kernel.weights);
        if layout != Some(WeightLayout::AddInputTables) {
            return Ok(None);
        }
        let (first, second): (Vec<i32>, Vec<i32>) = (-128..=127i32)
            .map(|v| params.rescale_inputs(v as i8, v as i8))
            .unzip();
        let largest = |t: &[i32]| t.iter().map(|v| v.unsigned_abs() as u64).max().unwrap_or(0);
        if largest(&first) + largest(&second) >= 1 << 30 {
            return Ok(None);
        }
        let name = format!("{}_add_tables", self.prefix);
        writer.constant_bytes += 4 * (first.len() + second.len());
        writer.table_with(|| {
            c_array(
                "int32_t",
                &name,
                first.iter().chain(&second).map(|v| v.to_string()),
            )
        });
        Ok(Some(name))
    }

    /// SUB calls the ADD kernels' siblings with the same arguments (its parameters have ADD's
    /// layout, derived by `SubParams::prepare`).
    fn sub(&self, writer: &mut CWriter, act: Activation) -> DiagResult<()> {
        let [a, b, output] = self.binary_quantizations();
        let SubParams(params) = SubParams::prepare(a, b, output, act);
        let call = self.binary_call(writer, "tmlc_sub_s8", "tmlc_sub_broadcast4d_s8");
        writer.body_line(&call.args(add_arguments(&params)).statement());
        Ok(())
    }

    /// Emits the op's table of 256 results (its `lookup_table` interface); returns its name.
    fn lookup_table(
        &self,
        writer: &mut CWriter,
        interface: &dyn OpInterface,
    ) -> DiagResult<String> {
        let table = interface
            .lookup_table()
            .ok_or_else(|| self.op.error("has no lookup table for the C backend"))?;
        let name = format!("{}_table", self.prefix);
        writer.table_with(|| c_array("int8_t", &name, table.iter().map(|v| v.to_string())));
        Ok(name)
    }

    /// A pure function of one int8 element, as one table lookup per element.
    fn lookup(&self, writer: &mut CWriter, interface: &dyn OpInterface) -> DiagResult<()> {
        let table = self.lookup_table(writer, interface)?;
        let call = KernelCall::new("tmlc_lut_s8")
            .args([self.input(0), table, self.output()])
            .arg(self.op.result_type(0).num_elements());
        writer.body_line(&call.statement());
        Ok(())
    }

    /// The call of a binary elementwise kernel: `same_shape` on equal shapes, `broadcast` (with
    /// the operands' 4-D shapes as tables) otherwise, then the quantization parameters.
    fn binary_call(&self, writer: &mut CWriter, same_shape: &str, broadcast: &str) -> KernelCall {
        let (a, b) = (self.op.operand_type(0), self.op.operand_type(1));
        if a.shape == b.shape {
            return KernelCall::new(same_shape)
                .args([self.input(0), self.input(1), self.output()])
                .arg(self.op.result_type(0).num_elements());
        }
        let (dims1, dims2) = (
            format!("{}_dims1", self.prefix),
            format!("{}_dims2", self.prefix),
        );
        let dims = |shape: &[usize]| dims4(shape).map(|d| d.to_string()).into_iter();
        writer.table_with(|| c_array("int32_t", &dims1, dims(&a.shape)));
        writer.table_with(|| c_array("int32_t", &dims2, dims(&b.shape)));
        KernelCall::new(broadcast).args([self.input(0), dims1, self.input(1), dims2, self.output()])
    }

    fn mul(&self, writer: &mut CWriter, act: Activation) -> DiagResult<()> {
        let params = MulParams::prepare(
            per_tensor(self.op.operand_type(0)),
            per_tensor(self.op.operand_type(1)),
            per_tensor(self.op.result_type(0)),
            act,
        );
        let call = self
            .binary_call(writer, "tmlc_mul_s8", "tmlc_mul_broadcast4d_s8")
            .args([
                params.input1_offset,
                params.input2_offset,
                params.output_offset,
                params.output.multiplier,
                params.output.shift,
                params.act_min,
                params.act_max,
            ]);
        writer.body_line(&call.statement());
        Ok(())
    }

    fn elementwise(&self, writer: &mut CWriter, kind: Elementwise) -> DiagResult<()> {
        let input = self.op.operand_type(0);
        let size = input.num_elements();
        let (input_scale, input_zero_point) = per_tensor(input);
        let call = KernelCall::new(match kind {
            Elementwise::Requantize => "tmlc_requantize_s8",
            Elementwise::Relu | Elementwise::Relu6 => "tmlc_clamp_s8",
        })
        .args([self.input(0), self.output()])
        .arg(size);
        let call = match kind {
            Elementwise::Requantize => {
                let (output_scale, output_zero_point) = per_tensor(self.op.result_type(0));
                let q = quantize_multiplier(input_scale as f64 / output_scale as f64);
                call.args([input_zero_point, q.multiplier, q.shift, output_zero_point])
            }
            Elementwise::Relu | Elementwise::Relu6 => {
                let activation = if kind == Elementwise::Relu6 {
                    Activation::Relu6
                } else {
                    Activation::Relu
                };
                let (low, high) = activation_range(activation, input_scale, input_zero_point);
                call.args([low, high])
            }
        };
        writer.body_line(&call.statement());
        Ok(())
    }

    /// QUANTIZE float32 -> int8 or DEQUANTIZE int8 -> float32, with the int8 side's
    /// quantization; the float side's pointer is cast from the arena's bytes.
    fn float_edge(&self, writer: &mut CWriter) -> DiagResult<()> {
        let (input, output) = (self.op.operand_type(0), self.op.result_type(0));
        let float = |pointer: String, constant: &str| {
            format!("({constant}float *)({constant}void *)({pointer})")
        };
        let call = if input.element == ElementType::F32 {
            let (scale, zero_point) = per_tensor(output);
            KernelCall::new("tmlc_quantize_f32_s8")
                .arg(float(self.input(0), "const "))
                .arg(self.output())
                .arg(output.num_elements())
                .arg(float_literal(scale))
                .arg(zero_point)
        } else {
            let (scale, zero_point) = per_tensor(input);
            KernelCall::new("tmlc_dequantize_s8_f32")
                .arg(self.input(0))
                .arg(float(self.output(), ""))
                .arg(input.num_elements())
                .arg(float_literal(scale))
                .arg(zero_point)
        };
        writer.body_line(&call.statement());
        Ok(())
    }

    fn softmax(&self, writer: &mut CWriter, beta: f32) -> DiagResult<()> {
        let input = self.op.operand_type(0);
        let params = SoftmaxParams::prepare(beta, per_tensor(input).0);
        let depth = input.shape.last().copied().unwrap_or(1);
        let call = KernelCall::new("tmlc_softmax_s8")
            .arg(self.input(0))
            .args([input.num_elements() / depth, depth])
            .args([
                params.input_multiplier,
                params.input_left_shift,
                params.diff_min,
            ])
            .arg(self.output());
        writer.body_line(&call.statement());
        Ok(())
    }

    /// Float32 log-softmax over the last axis (a model's float tail).
    fn log_softmax_f32(&self, writer: &mut CWriter) -> DiagResult<()> {
        let input = self.op.operand_type(0);
        let depth = input.shape.last().copied().unwrap_or(1);
        let call = KernelCall::new("tmlc_log_softmax_f32")
            .arg(format!("(const float *)(const void *)({})", self.input(0)))
            .args([input.num_elements() / depth, depth])
            .arg(format!("(float *)(void *)({})", self.output()));
        writer.body_line(&call.statement());
        Ok(())
    }

    fn log_softmax(&self, writer: &mut CWriter) -> DiagResult<()> {
        let input = self.op.operand_type(0);
        let params = LogSoftmaxParams::prepare(per_tensor(input).0);
        let depth = input.shape.last().copied().unwrap_or(1);
        let call = KernelCall::new("tmlc_log_softmax_s8")
            .arg(self.input(0))
            .args([input.num_elements() / depth, depth])
            .args([
                params.input_multiplier,
                params.input_left_shift,
                params.reverse_scaling_divisor,
                params.reverse_scaling_right_shift,
                params.diff_min,
            ])
            .arg(self.output());
        writer.body_line(&call.statement());
        Ok(())
    }

    fn pad(&self, writer: &mut CWriter, pads: &[[usize; 2]]) -> DiagResult<()> {
        let input = &self.op.operand_type(0).shape;
        if input.len() > 4 {
            return Err(self
                .op
                .error("the C backend pads tensors of rank at most 4"));
        }
        let missing = 4 - input.len();
        let side = |which: usize| -> Vec<String> {
            (0..4)
                .map(|d| {
                    if d < missing {
                        "0".into()
                    } else {
                        pads[d - missing][which].to_string()
                    }
                })
                .collect()
        };
        let names = [
            format!("{}_dims", self.prefix),
            format!("{}_before", self.prefix),
            format!("{}_after", self.prefix),
        ];
        writer.table_with(|| {
            c_array(
                "int32_t",
                &names[0],
                dims4(input).iter().map(|d| d.to_string()),
            )
        });
        writer.table_with(|| c_array("int32_t", &names[1], side(0).into_iter()));
        writer.table_with(|| c_array("int32_t", &names[2], side(1).into_iter()));
        let (_, zero_point) = per_tensor(self.op.result_type(0));
        let call = KernelCall::new("tmlc_pad_s8")
            .arg(self.input(0))
            .args(names)
            .arg(zero_point)
            .arg(self.output());
        writer.body_line(&call.statement());
        Ok(())
    }

    fn reshape(&self, writer: &mut CWriter) -> DiagResult<()> {
        let (input, output) = (self.input(0), self.output());
        if input == output {
            writer.body_line("/* a view: the bytes are already in place */");
        } else {
            let call = KernelCall::new("memmove")
                .args([output, input])
                .arg(self.op.result_type(0).byte_size());
            writer.body_line(&call.statement());
        }
        Ok(())
    }

    /// Emits an `int32_t` table of this layer named `{prefix}_{what}`; returns its name.
    fn int_table(&self, writer: &mut CWriter, what: &str, values: &[i64]) -> String {
        let name = format!("{}_{what}", self.prefix);
        writer.table_with(|| c_array("int32_t", &name, values.iter().map(|v| v.to_string())));
        name
    }

    /// `tmlc_transpose_s8` works on 5-D: the shape right-aligned with leading 1s, the
    /// permutation extended by identity axes in front.
    fn transpose(&self, writer: &mut CWriter, perm: &[usize]) -> DiagResult<()> {
        let input = &self.op.operand_type(0).shape;
        let missing = 5 - input.len();
        let dims = right_aligned(input.iter().map(|&d| d as i64), 5, |_| 1);
        let perm = right_aligned(perm.iter().map(|&a| (a + missing) as i64), 5, |d| d as i64);
        let call = KernelCall::new("tmlc_transpose_s8")
            .arg(self.input(0))
            .arg(self.int_table(writer, "dims", &dims))
            .arg(self.int_table(writer, "perm", &perm))
            .arg(self.output());
        writer.body_line(&call.statement());
        Ok(())
    }

    /// The source row and column tables come from the reference's own index function (TFLM
    /// computes them in float; the kernel is integer only).
    fn resize_nearest_neighbor(
        &self,
        writer: &mut CWriter,
        [out_h, out_w]: [usize; 2],
        options: ResizeNearestOptions,
    ) -> DiagResult<()> {
        let input = &self.op.operand_type(0).shape;
        let sources = |input_size: usize, output_size: usize| -> Vec<i64> {
            (0..output_size)
                .map(|i| nearest_source_index(i, input_size, output_size, options) as i64)
                .collect()
        };
        let rows = self.int_table(writer, "rows", &sources(input[1], out_h));
        let cols = self.int_table(writer, "cols", &sources(input[2], out_w));
        let call = KernelCall::new("tmlc_resize_nearest_neighbor_s8")
            .arg(self.input(0))
            .args([input[0], input[1], input[2], input[3]])
            .args([rows, cols])
            .arg(self.output())
            .args([out_h, out_w]);
        writer.body_line(&call.statement());
        Ok(())
    }

    /// The slice resolved per axis by `StridedSliceParams::axes`, right-aligned to 4-D.
    fn strided_slice(&self, writer: &mut CWriter, params: &StridedSliceParams) -> DiagResult<()> {
        let input = &self.op.operand_type(0).shape;
        let axes = params.axes(input);
        let dims = right_aligned(input.iter().map(|&d| d as i64), 4, |_| 1);
        let start = right_aligned(axes.iter().map(|a| a.start as i64), 4, |_| 0);
        let stride = right_aligned(axes.iter().map(|a| a.stride as i64), 4, |_| 1);
        let count = right_aligned(axes.iter().map(|a| a.count as i64), 4, |_| 1);
        let call = KernelCall::new("tmlc_strided_slice_s8")
            .arg(self.input(0))
            .arg(self.int_table(writer, "dims", &dims))
            .arg(self.int_table(writer, "start", &start))
            .arg(self.int_table(writer, "stride", &stride))
            .arg(self.int_table(writer, "count", &count))
            .arg(self.output());
        writer.body_line(&call.statement());
        Ok(())
    }

    fn mean(&self, writer: &mut CWriter, axes: &[usize]) -> DiagResult<()> {
        let input = self.op.operand_type(0);
        let mut axes = axes.to_vec();
        axes.sort();
        let contiguous = axes.windows(2).all(|w| w[1] == w[0] + 1);
        let (Some(&first), Some(&last), true) = (axes.first(), axes.last(), contiguous) else {
            return Err(self
                .op
                .error("the C backend reduces a contiguous, non-empty set of axes only"));
        };
        let product = |range: std::ops::Range<usize>| input.shape[range].iter().product::<usize>();
        let (outer, reduce, inner) = (
            product(0..first),
            product(first..last + 1),
            product(last + 1..input.rank()),
        );
        let (input_scale, input_zero_point) = per_tensor(input);
        let (output_scale, output_zero_point) = per_tensor(self.op.result_type(0));
        let q = quantize_multiplier(input_scale as f64 / output_scale as f64);
        let fold = KernelCall::new("tmlc_mean_fold_multiplier")
            .args([q.multiplier, q.shift])
            .arg(reduce)
            .args(["&multiplier", "&shift"]);
        let call = KernelCall::new("tmlc_mean_s8")
            .arg(self.input(0))
            .args([outer, reduce, inner])
            .arg(input_zero_point)
            .args(["multiplier", "shift"])
            .arg(output_zero_point)
            .arg(self.output());
        writer.body_line("{");
        writer.body_line("    int32_t multiplier, shift;");
        writer.body_line(&format!("    {}", fold.statement()));
        writer.body_line(&format!("    {}", call.statement()));
        writer.body_line("}");
        Ok(())
    }

    fn concat(&self, writer: &mut CWriter, axis: usize, act: Activation) -> DiagResult<()> {
        if act != Activation::None {
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
        writer.table_with(|| {
            c_array(
                "int32_t",
                &sizes,
                (0..count).map(|i| self.op.operand_type(i).shape[axis].to_string()),
            )
        });
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
            writer.table_with(|| c_array("int8_t", &name, table.iter().map(|v| v.to_string())));
            luts.push(name);
        }
        let inputs: Vec<String> = (0..count).map(|i| self.input(i)).collect();
        let call = KernelCall::new("tmlc_concat_s8")
            .args(["inputs", &sizes, "luts"])
            .args([count, outer, inner])
            .arg(self.output());
        writer.body_line("{");
        writer.body_line(&format!(
            "    const int8_t *const inputs[{count}] = {{{}}};",
            inputs.join(", ")
        ));
        writer.body_line(&format!(
            "    const int8_t *const luts[{count}] = {{{}}};",
            luts.join(", ")
        ));
        writer.body_line(&format!("    {}", call.statement()));
        writer.body_line("}");
        Ok(())
    }
}

/// The quantization arguments of the ADD and SUB kernels: the fields of `AddParams` in order.
fn add_arguments(params: &AddParams) -> [i32; 12] {
    [
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
        params.act_max,
    ]
}
