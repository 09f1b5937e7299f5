//! The importer: a checked [`Model`] becomes a tinyml [`Module`] with one function `@main`,
//! weights and biases in the resource section, one tinyml op per TFLite operator, verified.
//! Errors name the operator index and type; unsupported ops and non-int8 tensors are rejected.

use crate::model::{Activation, Model, OpCode, Operator, Options, Padding, Tensor, TensorType};
use crate::reader::read_model;
use std::collections::HashMap;
use tmlc_core::attributes::{Attribute, Attributes};
use tmlc_core::diagnostic::{DiagResult, Diagnostic, ErrorCode};
use tmlc_core::dialect::{Context, OpContext};
use tmlc_core::ir::{Function, Module, Value, RETURN_OP};
use tmlc_core::types::{ElementType, Quantization, TensorType as IrType};
use tmlc_core::verifier::verify_module;

/// An imported model and where each TFLite tensor ended up.
pub struct Imported {
    pub module: Module,
    /// TFLite tensor index -> the IR value holding it (in `@main`).
    pub tensor_values: HashMap<usize, Value>,
}

/// Reads `.tflite` bytes and imports them; `name` becomes the module name.
pub fn import_tflite(bytes: &[u8], name: &str, context: &Context) -> DiagResult<Imported> {
    let model = read_model(bytes)
        .map_err(|e| Diagnostic::new(ErrorCode::InvalidModel, e.message().to_string()))?;
    import_model(&model, name, context)
}

/// Imports a model that the reader accepted.
pub fn import_model(model: &Model, name: &str, context: &Context) -> DiagResult<Imported> {
    let mut importer = Importer::new(model, name, context);
    importer.import_graph(None)?;
    let mut returned = Vec::new();
    for &output in &model.outputs {
        let value = importer.value(output, "graph output")?;
        let ty = importer.function().value_type(value).clone();
        importer.function().result_types.push(ty);
        returned.push(value);
    }
    importer
        .function()
        .append_op(RETURN_OP, returned, Attributes::new(), vec![]);
    let Importer { module, values, .. } = importer;
    verify_module(&module, context).map_err(|d| {
        Diagnostic::new(
            ErrorCode::InvalidModel,
            format!("the imported model is inconsistent: {}", d.message),
        )
    })?;
    Ok(Imported {
        module,
        tensor_values: values,
    })
}

/// Every reason the model cannot be imported, one per graph input or operator, in order: the
/// whole gap at once rather than the first error. Empty when the model imports.
pub fn unsupported_operators(model: &Model, context: &Context) -> Vec<Diagnostic> {
    let mut importer = Importer::new(model, "model", context);
    let mut problems = Vec::new();
    if let Err(diagnostic) = importer.import_graph(Some(&mut problems)) {
        problems.push(diagnostic);
    }
    problems
}

fn in_operator(diagnostic: Diagnostic, index: usize, opcode: &OpCode) -> Diagnostic {
    Diagnostic {
        message: format!(
            "operator {index} ({}): {}",
            opcode.name(),
            diagnostic.message
        ),
        ..diagnostic
    }
}

fn unsupported(message: impl Into<String>) -> Diagnostic {
    Diagnostic::new(ErrorCode::UnsupportedModel, message)
}

fn invalid(message: impl Into<String>) -> Diagnostic {
    Diagnostic::new(ErrorCode::InvalidModel, message)
}

/// Turns a TFLite name into an identifier the `.tir` syntax accepts.
fn sanitize(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    match cleaned.chars().next() {
        None => "model".to_string(),
        Some(c) if c.is_ascii_digit() => format!("m_{cleaned}"),
        Some(_) => cleaned,
    }
}

struct Importer<'m> {
    model: &'m Model,
    /// The module being built; its only function is `@main`.
    module: Module,
    context: &'m Context,
    values: HashMap<usize, Value>,
}

impl<'m> Importer<'m> {
    /// An importer building module `name` with an empty `@main`.
    fn new(model: &'m Model, name: &str, context: &'m Context) -> Importer<'m> {
        let mut module = Module::new(sanitize(name));
        module.functions.push(Function::new("main"));
        Importer {
            model,
            module,
            context,
            values: HashMap::new(),
        }
    }

    /// Imports the graph inputs and every operator. With `problems`, an input or operator that
    /// cannot be imported is recorded there and its outputs get placeholder values, so that the
    /// rest of the graph is still examined; without, the first problem is the error.
    fn import_graph(&mut self, mut problems: Option<&mut Vec<Diagnostic>>) -> DiagResult<()> {
        let model = self.model;
        for &input in &model.inputs {
            let ty = match (self.activation_type(input, "graph input"), &mut problems) {
                (Ok(ty), _) => ty,
                (Err(diagnostic), Some(problems)) => {
                    problems.push(diagnostic);
                    IrType::i8(vec![1], 1.0, 0)
                }
                (Err(diagnostic), None) => return Err(diagnostic),
            };
            let value = self
                .function()
                .add_param(ty, Some(sanitize(&model.tensors[input].name)));
            self.values.insert(input, value);
        }
        for (index, operator) in model.operators.iter().enumerate() {
            let Err(diagnostic) = self.operator(operator) else {
                continue;
            };
            let diagnostic = in_operator(diagnostic, index, &operator.opcode);
            let Some(problems) = problems.as_deref_mut() else {
                return Err(diagnostic);
            };
            problems.push(diagnostic);
            for output in operator
                .outputs
                .iter()
                .filter_map(|&o| usize::try_from(o).ok())
            {
                if !self.values.contains_key(&output) && output < model.tensors.len() {
                    let ty = self
                        .activation_type(output, "output")
                        .unwrap_or_else(|_| IrType::i8(vec![1], 1.0, 0));
                    let value = self.function().add_param(ty, None);
                    self.values.insert(output, value);
                }
            }
        }
        Ok(())
    }

    fn function(&mut self) -> &mut Function {
        &mut self.module.functions[0]
    }

    fn tensor(&self, index: i32, role: &str) -> DiagResult<(usize, &Tensor)> {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.model.tensors.get(i).map(|t| (i, t)))
            .ok_or_else(|| invalid(format!("{role} tensor index {index} is out of range")))
    }

    fn shape(tensor: &Tensor, index: usize) -> DiagResult<Vec<usize>> {
        tensor
            .shape
            .iter()
            .map(|&d| usize::try_from(d).ok().filter(|&d| d > 0))
            .collect::<Option<Vec<usize>>>()
            .ok_or_else(|| {
                invalid(format!(
                    "tensor {index} '{}' has an invalid shape {:?}",
                    tensor.name, tensor.shape
                ))
            })
    }

    fn check_int8(tensor: &Tensor, index: usize, role: &str) -> DiagResult<()> {
        match tensor.dtype {
            TensorType::Int8 => Ok(()),
            other => Err(unsupported(format!(
                "{role} tensor {index} '{}' is {}; tmlc supports int8 activations and weights only",
                tensor.name,
                dtype_name(other)
            ))),
        }
    }

    /// The type of an activation tensor: int8 quantized per tensor, or unquantized float32 (the
    /// float edges: ops that do not take float32 say so when they are verified).
    fn activation_type(&self, index: usize, role: &str) -> DiagResult<IrType> {
        let tensor = &self.model.tensors[index];
        if tensor.dtype == TensorType::Float32 {
            return Ok(IrType::new(
                Self::shape(tensor, index)?,
                ElementType::F32,
                None,
            ));
        }
        Self::check_int8(tensor, index, role)?;
        let shape = Self::shape(tensor, index)?;
        let quant = tensor
            .quantization
            .as_ref()
            .filter(|q| !q.scales.is_empty());
        let Some(quant) = quant else {
            return Err(unsupported(format!(
                "{role} tensor {index} '{}' is not quantized",
                tensor.name
            )));
        };
        let zero_point = quant.zero_points.first().copied().unwrap_or(0);
        let zero_point = i32::try_from(zero_point)
            .map_err(|_| invalid(format!("tensor {index} has zero point {zero_point}")))?;
        Ok(IrType::i8(shape, quant.scales[0], zero_point))
    }

    /// The IR value of an activation tensor produced earlier (or a graph input).
    fn value(&self, index: usize, role: &str) -> DiagResult<Value> {
        self.values.get(&index).copied().ok_or_else(|| {
            invalid(format!(
                "{role} tensor {index} '{}' is used before any operator produces it",
                self.model.tensors[index].name
            ))
        })
    }

    /// An operator input: an activation produced earlier, or a constant (materialized as a
    /// `tinyml.const` of weights or an i32 bias).
    fn input(
        &mut self,
        operator_input: i32,
        role: &str,
        weight_axis: Option<usize>,
    ) -> DiagResult<Value> {
        let (index, tensor) = self.tensor(operator_input, role)?;
        if let Some(&value) = self.values.get(&index) {
            return Ok(value);
        }
        let Some(data) = &tensor.data else {
            return self.value(index, role);
        };
        let shape = Self::shape(tensor, index)?;
        let ty = match tensor.dtype {
            TensorType::Int32 => IrType::new(shape, ElementType::I32, None),
            TensorType::Int8 => {
                let quant = tensor.quantization.as_ref().filter(|q| !q.scales.is_empty());
                let Some(quant) = quant else {
                    return Err(unsupported(format!("{role} tensor {index} '{}' is not quantized", tensor.name)));
                };
                let quant = match (quant.scales.len(), weight_axis) {
                    (1, _) => Quantization::PerTensor {
                        scale: quant.scales[0],
                        zero_point: quant.zero_points.first().copied().unwrap_or(0) as i32,
                    },
                    (_, Some(axis)) => {
                        if usize::try_from(quant.quantized_dimension).ok() != Some(axis) {
                            return Err(invalid(format!(
                                "{role} tensor {index} is quantized per channel along dimension {}, expected {axis}",
                                quant.quantized_dimension
                            )));
                        }
                        if quant.zero_points.iter().any(|&z| z != 0) {
                            return Err(unsupported(format!(
                                "{role} tensor {index} has non-zero per-channel zero points"
                            )));
                        }
                        Quantization::PerChannel {
                            scales: quant.scales.clone(),
                            axis,
                        }
                    }
                    (_, None) => {
                        return Err(unsupported(format!(
                            "{role} tensor {index} is quantized per channel where tmlc expects per tensor"
                        )))
                    }
                };
                IrType::new(shape, ElementType::I8, Some(quant))
            }
            other => {
                return Err(unsupported(format!(
                    "{role} tensor {index} '{}' is {}; tmlc supports int8 weights and int32 biases only",
                    tensor.name,
                    dtype_name(other)
                )))
            }
        };
        if data.len() != ty.byte_size() {
            return Err(invalid(format!(
                "{role} tensor {index} '{}' holds {} bytes, but its shape needs {}",
                tensor.name,
                data.len(),
                ty.byte_size()
            )));
        }
        let resource = self
            .module
            .add_resource(&format!("{role}_t{index}"), data.clone());
        let mut attributes = Attributes::new();
        attributes.insert("value".into(), Attribute::Symbol(resource.clone()));
        let op = self
            .function()
            .append_op("tinyml.const", vec![], attributes, vec![ty]);
        let value = self.function().ops[op].results[0];
        self.function().values[value].name = Some(resource);
        self.values.insert(index, value);
        Ok(value)
    }

    /// The element types of an operator's first input and first output.
    fn edge_types(&self, operator: &Operator) -> (Option<TensorType>, Option<TensorType>) {
        let dtype = |index: Option<&i32>| {
            index
                .and_then(|&i| usize::try_from(i).ok())
                .and_then(|i| self.model.tensors.get(i))
                .map(|t| t.dtype)
        };
        (
            dtype(operator.inputs.first()),
            dtype(operator.outputs.first()),
        )
    }

    /// Whether a QUANTIZE operator maps int8 to int8 (a requantization).
    fn int8_to_int8(&self, operator: &Operator) -> bool {
        self.edge_types(operator) == (Some(TensorType::Int8), Some(TensorType::Int8))
    }

    /// Whether a QUANTIZE operator maps float32 to int8 (a model's float input edge).
    fn float_to_int8(&self, operator: &Operator) -> bool {
        self.edge_types(operator) == (Some(TensorType::Float32), Some(TensorType::Int8))
    }

    /// Whether a DEQUANTIZE operator maps int8 to float32 (a model's float output edge).
    fn int8_to_float(&self, operator: &Operator) -> bool {
        self.edge_types(operator) == (Some(TensorType::Int8), Some(TensorType::Float32))
    }

    /// The integer contents of a constant int32 tensor (pad amounts, mean axes, a transpose's
    /// permutation, a resize's size, a slice's begin, end and strides).
    fn constant_ints(&self, operator_input: i32, role: &str) -> DiagResult<Vec<i64>> {
        let (index, tensor) = self.tensor(operator_input, role)?;
        let data = tensor
            .data
            .as_ref()
            .filter(|_| tensor.dtype == TensorType::Int32);
        let Some(data) = data else {
            return Err(unsupported(format!(
                "{role} tensor {index} must be a constant int32 tensor"
            )));
        };
        Ok(data
            .chunks_exact(4)
            .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as i64)
            .collect())
    }

    fn expect_io(operator: &Operator, inputs: std::ops::RangeInclusive<usize>) -> DiagResult<()> {
        let present = operator.inputs.iter().rev().skip_while(|&&i| i < 0).count();
        if !inputs.contains(&present) {
            return Err(invalid(format!(
                "expects {} to {} inputs, has {present}",
                inputs.start(),
                inputs.end()
            )));
        }
        if operator.outputs.len() != 1 {
            return Err(invalid(format!(
                "expects 1 output, has {}",
                operator.outputs.len()
            )));
        }
        Ok(())
    }

    fn operator(&mut self, operator: &Operator) -> DiagResult<()> {
        let (name, mut attributes, input_roles): (&str, Attributes, Vec<(&str, Option<usize>)>) =
            match (&operator.opcode, &operator.options) {
                (OpCode::Conv2d, Options::Conv2d { padding, stride_w, stride_h, dilation_w, dilation_h, activation }) => {
                    Self::expect_io(operator, 2..=3)?;
                    let a = convolution_attributes(*padding, [*stride_h, *stride_w], [*dilation_h, *dilation_w], *activation)?;
                    ("tinyml.conv2d", a, vec![("input", None), ("weights", Some(0)), ("bias", None)])
                }
                (OpCode::DepthwiseConv2d, Options::DepthwiseConv2d { padding, stride_w, stride_h, dilation_w, dilation_h, activation, .. }) => {
                    Self::expect_io(operator, 2..=3)?;
                    let mut a = convolution_attributes(*padding, [*stride_h, *stride_w], [*dilation_h, *dilation_w], *activation)?;
                    // TFLite Micro derives the multiplier from the channel counts; so do we.
                    let (_, input) = self.tensor(operator.inputs[0], "input")?;
                    let (_, filter) = self.tensor(operator.inputs[1], "weights")?;
                    let (in_c, out_c) = (input.shape.last().copied().unwrap_or(0), filter.shape.last().copied().unwrap_or(0));
                    if in_c <= 0 || out_c <= 0 || out_c % in_c != 0 {
                        return Err(invalid(format!("{out_c} output channels are not a multiple of {in_c} input channels")));
                    }
                    a.insert("multiplier".into(), Attribute::Int((out_c / in_c) as i64));
                    ("tinyml.depthwise_conv2d", a, vec![("input", None), ("weights", Some(3)), ("bias", None)])
                }
                (OpCode::FullyConnected, Options::FullyConnected { activation, .. }) => {
                    Self::expect_io(operator, 2..=3)?;
                    let mut a = Attributes::new();
                    a.insert("act".into(), activation_keyword(*activation)?);
                    ("tinyml.fully_connected", a, vec![("input", None), ("weights", Some(0)), ("bias", None)])
                }
                (OpCode::AveragePool2d | OpCode::MaxPool2d, Options::Pool2d { padding, stride_w, stride_h, filter_w, filter_h, activation }) => {
                    Self::expect_io(operator, 1..=1)?;
                    let mut a = Attributes::new();
                    a.insert("filter".into(), pair(*filter_h, *filter_w));
                    a.insert("stride".into(), pair(*stride_h, *stride_w));
                    a.insert("padding".into(), padding_keyword(*padding));
                    a.insert("act".into(), activation_keyword(*activation)?);
                    let name = if operator.opcode == OpCode::MaxPool2d { "tinyml.max_pool2d" } else { "tinyml.avg_pool2d" };
                    (name, a, vec![("input", None)])
                }
                (OpCode::Add, Options::Add { activation }) => {
                    Self::expect_io(operator, 2..=2)?;
                    let mut a = Attributes::new();
                    a.insert("act".into(), activation_keyword(*activation)?);
                    ("tinyml.add", a, vec![("lhs", None), ("rhs", None)])
                }
                (OpCode::Mul, Options::Mul { activation }) => {
                    Self::expect_io(operator, 2..=2)?;
                    let mut a = Attributes::new();
                    a.insert("act".into(), activation_keyword(*activation)?);
                    ("tinyml.mul", a, vec![("lhs", None), ("rhs", None)])
                }
                (OpCode::Sub, Options::Sub { activation }) => {
                    Self::expect_io(operator, 2..=2)?;
                    let mut a = Attributes::new();
                    a.insert("act".into(), activation_keyword(*activation)?);
                    ("tinyml.sub", a, vec![("lhs", None), ("rhs", None)])
                }
                (OpCode::HardSwish | OpCode::Logistic | OpCode::Tanh | OpCode::LogSoftmax, _) => {
                    Self::expect_io(operator, 1..=1)?;
                    let name = match operator.opcode {
                        OpCode::HardSwish => "tinyml.hard_swish",
                        OpCode::Logistic => "tinyml.logistic",
                        OpCode::Tanh => "tinyml.tanh",
                        _ => "tinyml.log_softmax",
                    };
                    (name, Attributes::new(), vec![("input", None)])
                }
                (OpCode::LeakyRelu, Options::LeakyRelu { alpha }) => {
                    Self::expect_io(operator, 1..=1)?;
                    let mut a = Attributes::new();
                    a.insert("alpha".into(), Attribute::Float(*alpha));
                    ("tinyml.leaky_relu", a, vec![("input", None)])
                }
                (OpCode::Reshape, _) => {
                    Self::expect_io(operator, 1..=2)?;
                    ("tinyml.reshape", Attributes::new(), vec![("input", None)])
                }
                (OpCode::Softmax, Options::Softmax { beta }) => {
                    Self::expect_io(operator, 1..=1)?;
                    let mut a = Attributes::new();
                    a.insert("beta".into(), Attribute::Float(*beta));
                    ("tinyml.softmax", a, vec![("input", None)])
                }
                (OpCode::Pad, _) => {
                    Self::expect_io(operator, 2..=2)?;
                    let pads = self.constant_ints(operator.inputs[1], "paddings")?;
                    let mut a = Attributes::new();
                    a.insert("pads".into(), Attribute::int_array(&pads));
                    ("tinyml.pad", a, vec![("input", None)])
                }
                (OpCode::Mean, Options::Reducer { keep_dims }) => {
                    Self::expect_io(operator, 2..=2)?;
                    let (_, input) = self.tensor(operator.inputs[0], "input")?;
                    let rank = input.shape.len() as i64;
                    let axes: Vec<i64> = self
                        .constant_ints(operator.inputs[1], "axes")?
                        .into_iter()
                        .map(|a| if a < 0 { a + rank } else { a })
                        .collect();
                    let mut a = Attributes::new();
                    a.insert("axes".into(), Attribute::int_array(&axes));
                    a.insert("keep_dims".into(), Attribute::Bool(*keep_dims));
                    ("tinyml.mean", a, vec![("input", None)])
                }
                (OpCode::Concatenation, Options::Concatenation { axis, activation }) => {
                    if operator.inputs.is_empty() || operator.outputs.len() != 1 {
                        return Err(invalid("expects at least 1 input and 1 output"));
                    }
                    let (_, first) = self.tensor(operator.inputs[0], "input")?;
                    let rank = first.shape.len() as i64;
                    let axis = if *axis < 0 { *axis as i64 + rank } else { *axis as i64 };
                    let mut a = Attributes::new();
                    a.insert("axis".into(), Attribute::Int(axis));
                    a.insert("act".into(), activation_keyword(*activation)?);
                    ("tinyml.concat", a, vec![("input", None); operator.inputs.len()])
                }
                (OpCode::Transpose, _) => {
                    Self::expect_io(operator, 2..=2)?;
                    let perm = self.constant_ints(operator.inputs[1], "perm")?;
                    let mut a = Attributes::new();
                    a.insert("perm".into(), Attribute::int_array(&perm));
                    ("tinyml.transpose", a, vec![("input", None)])
                }
                (OpCode::ResizeNearestNeighbor, Options::ResizeNearestNeighbor { align_corners, half_pixel_centers }) => {
                    Self::expect_io(operator, 2..=2)?;
                    let size = self.constant_ints(operator.inputs[1], "size")?;
                    let mut a = Attributes::new();
                    a.insert("size".into(), Attribute::int_array(&size));
                    a.insert("align_corners".into(), Attribute::Bool(*align_corners));
                    a.insert("half_pixel_centers".into(), Attribute::Bool(*half_pixel_centers));
                    ("tinyml.resize_nearest_neighbor", a, vec![("input", None)])
                }
                (OpCode::Squeeze, Options::Squeeze { squeeze_dims }) => {
                    Self::expect_io(operator, 1..=1)?;
                    let (_, input) = self.tensor(operator.inputs[0], "input")?;
                    let rank = input.shape.len() as i64;
                    // TFLite: no dims means every axis of size 1; negative axes count from the end.
                    let dims: Vec<i64> = if squeeze_dims.is_empty() {
                        (0..rank).filter(|&d| input.shape[d as usize] == 1).collect()
                    } else {
                        squeeze_dims.iter().map(|&d| if d < 0 { d as i64 + rank } else { d as i64 }).collect()
                    };
                    let mut a = Attributes::new();
                    a.insert("dims".into(), Attribute::int_array(&dims));
                    ("tinyml.squeeze", a, vec![("input", None)])
                }
                (OpCode::StridedSlice, Options::StridedSlice { begin_mask, end_mask, ellipsis_mask, new_axis_mask, shrink_axis_mask, offset }) => {
                    Self::expect_io(operator, 4..=4)?;
                    if *ellipsis_mask != 0 || *new_axis_mask != 0 || *offset {
                        return Err(unsupported(format!(
                            "ellipsis_mask {ellipsis_mask}, new_axis_mask {new_axis_mask}, offset {offset}: TFLite Micro ignores these, so tmlc accepts STRIDED_SLICE only without them"
                        )));
                    }
                    let mut a = Attributes::new();
                    for (name, position) in [("begin", 1), ("end", 2), ("strides", 3)] {
                        let values = self.constant_ints(operator.inputs[position], name)?;
                        a.insert(name.into(), Attribute::int_array(&values));
                    }
                    a.insert("begin_mask".into(), Attribute::Int(*begin_mask as i64));
                    a.insert("end_mask".into(), Attribute::Int(*end_mask as i64));
                    a.insert("shrink_axis_mask".into(), Attribute::Int(*shrink_axis_mask as i64));
                    ("tinyml.strided_slice", a, vec![("input", None)])
                }
                (OpCode::UnidirectionalSequenceLstm, Options::UnidirectionalSequenceLstm { activation, cell_clip, time_major }) => {
                    let a = self.lstm_attributes(operator, *activation, *cell_clip, *time_major)?;
                    let mut roles = vec![("input", None)];
                    roles.extend(["input_to_input_weights", "input_to_forget_weights", "input_to_cell_weights", "input_to_output_weights", "recurrent_to_input_weights", "recurrent_to_forget_weights", "recurrent_to_cell_weights", "recurrent_to_output_weights", "cell_to_input_weights", "cell_to_forget_weights", "cell_to_output_weights", "input_gate_bias", "forget_gate_bias", "cell_gate_bias", "output_gate_bias"].map(|role| (role, None)));
                    ("tinyml.lstm", a, roles)
                }
                (OpCode::Other { code: 19 | 21, .. }, _) => {
                    // RELU and RELU6: tmlc keeps them as clamps, which needs the output's
                    // quantization to equal the input's (the verifier says so otherwise).
                    Self::expect_io(operator, 1..=1)?;
                    let name = if operator.opcode.code() == 19 { "tinyml.relu" } else { "tinyml.relu6" };
                    (name, Attributes::new(), vec![("input", None)])
                }
                (OpCode::Quantize, _) if self.int8_to_int8(operator) => {
                    Self::expect_io(operator, 1..=1)?;
                    ("tinyml.requantize", Attributes::new(), vec![("input", None)])
                }
                (OpCode::Quantize, _) if self.float_to_int8(operator) => {
                    Self::expect_io(operator, 1..=1)?;
                    ("tinyml.quantize", Attributes::new(), vec![("input", None)])
                }
                (OpCode::Dequantize, _) if self.int8_to_float(operator) => {
                    Self::expect_io(operator, 1..=1)?;
                    ("tinyml.dequantize", Attributes::new(), vec![("input", None)])
                }
                (OpCode::Quantize | OpCode::Dequantize, _) => {
                    return Err(unsupported(
                        "supported: QUANTIZE int8 -> int8 and float32 -> int8, DEQUANTIZE int8 -> float32",
                    ))
                }
                (OpCode::Other { .. }, _) => {
                    return Err(unsupported("this operator is not supported by tmlc").with_note(
                        "supported: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, AVERAGE_POOL_2D, MAX_POOL_2D, ADD, SUB, MUL, RESHAPE, SQUEEZE, TRANSPOSE, STRIDED_SLICE, RESIZE_NEAREST_NEIGHBOR, SOFTMAX, LOG_SOFTMAX, PAD, MEAN, CONCATENATION, RELU, RELU6, LEAKY_RELU, HARD_SWISH, LOGISTIC, TANH, UNIDIRECTIONAL_SEQUENCE_LSTM, QUANTIZE (int8 to int8, float32 to int8), DEQUANTIZE (int8 to float32)",
                    ))
                }
                (_, options) => {
                    return Err(invalid(format!("has missing or mismatched builtin options ({options:?})")))
                }
            };
        let mut operands = Vec::new();
        for (position, (role, axis)) in input_roles.iter().enumerate() {
            match operator.inputs.get(position) {
                Some(&index) if index >= 0 => operands.push(self.input(index, role, *axis)?),
                _ => {}
            }
        }
        let (output_index, _) = self.tensor(operator.outputs[0], "output")?;
        let output_type = self.activation_type(output_index, "output")?;
        if name == "tinyml.reshape" {
            attributes.clear();
        }
        let op = self
            .function()
            .append_op(name, operands, attributes, vec![output_type]);
        // Verify now, so that an inconsistent model is reported at its operator.
        if let Some(definition) = self.context.op(name) {
            definition
                .verify(&OpContext {
                    module: &self.module,
                    function: &self.module.functions[0],
                    op,
                })
                .map_err(|d| Diagnostic {
                    code: ErrorCode::InvalidModel,
                    ..d
                })?;
        }
        let result = self.function().ops[op].results[0];
        self.values.insert(output_index, result);
        Ok(())
    }
}

/// Inputs of UNIDIRECTIONAL_SEQUENCE_LSTM that TFLite Micro's kernel requires absent, with
/// what they would add.
const LSTM_ABSENT: [(usize, &str); 9] = [
    (9, "peephole (cell to input weights)"),
    (10, "peephole (cell to forget weights)"),
    (11, "peephole (cell to output weights)"),
    (16, "projection weights"),
    (17, "projection bias"),
    (20, "input layer normalization"),
    (21, "forget layer normalization"),
    (22, "cell layer normalization"),
    (23, "output layer normalization"),
];

impl Importer<'_> {
    /// The attributes of `tinyml.lstm`: the options and the quantization of the two state
    /// tensors (inputs 18 and 19), after checking that the operator is the standard LSTM TFLite
    /// Micro runs (24 inputs, every gate present, no peephole, projection or layer norm).
    fn lstm_attributes(
        &self,
        operator: &Operator,
        activation: Activation,
        cell_clip: f32,
        time_major: bool,
    ) -> DiagResult<Attributes> {
        if operator.inputs.len() != 24 || operator.outputs.len() != 1 {
            return Err(invalid(format!(
                "expects 24 inputs and 1 output, has {} and {}",
                operator.inputs.len(),
                operator.outputs.len()
            )));
        }
        for (position, what) in LSTM_ABSENT {
            if operator.inputs[position] >= 0 {
                return Err(unsupported(format!(
                    "input {position} ({what}) is present; TFLite Micro's LSTM kernel supports the standard LSTM only"
                )));
            }
        }
        for position in (0..9).chain(12..16) {
            if operator.inputs[position] < 0 {
                return Err(unsupported(format!(
                    "input {position} is absent; TFLite Micro's LSTM kernel needs every gate (no CIFG)"
                )));
            }
        }
        let cell_activation = match activation {
            Activation::Tanh => "tanh",
            _ => {
                return Err(unsupported(format!(
                    "cell activation {activation:?}: TFLite Micro's LSTM kernel runs TANH (or SIGMOID) only"
                )))
            }
        };
        let (hidden_index, hidden) = self.tensor(operator.inputs[18], "hidden state")?;
        let (cell_index, cell) = self.tensor(operator.inputs[19], "cell state")?;
        for (index, tensor) in [(hidden_index, hidden), (cell_index, cell)] {
            if !tensor.is_variable || tensor.data.is_some() {
                return Err(unsupported(format!(
                    "state tensor {index} '{}' must be a variable tensor without data, as TFLite Micro requires",
                    tensor.name
                )));
            }
        }
        if hidden.dtype != TensorType::Int8 || cell.dtype != TensorType::Int16 {
            return Err(unsupported(format!(
                "the hidden state (tensor {hidden_index}) is {} and the cell state (tensor {cell_index}) {}; tmlc supports int8 hidden and int16 cell state",
                dtype_name(hidden.dtype),
                dtype_name(cell.dtype)
            )));
        }
        let scale_of = |tensor: &Tensor, index: usize| {
            let quant = tensor
                .quantization
                .as_ref()
                .filter(|q| !q.scales.is_empty());
            quant
                .map(|q| (q.scales[0], q.zero_points.first().copied().unwrap_or(0)))
                .ok_or_else(|| {
                    unsupported(format!(
                        "state tensor {index} '{}' is not quantized",
                        tensor.name
                    ))
                })
        };
        let (hidden_scale, hidden_zero_point) = scale_of(hidden, hidden_index)?;
        let (cell_scale, _) = scale_of(cell, cell_index)?;
        let mut attributes = Attributes::new();
        attributes.insert("time_major".into(), Attribute::Bool(time_major));
        attributes.insert("cell_clip".into(), Attribute::Float(cell_clip));
        attributes.insert(
            "cell_activation".into(),
            Attribute::Keyword(cell_activation.into()),
        );
        attributes.insert("hidden_scale".into(), Attribute::Float(hidden_scale));
        attributes.insert(
            "hidden_zero_point".into(),
            Attribute::Int(hidden_zero_point),
        );
        attributes.insert("cell_scale".into(), Attribute::Float(cell_scale));
        Ok(attributes)
    }
}

/// `stride`, `dilation`, `padding` and `act` of a convolution.
fn convolution_attributes(
    padding: Padding,
    stride: [i32; 2],
    dilation: [i32; 2],
    activation: Activation,
) -> DiagResult<Attributes> {
    let mut attributes = Attributes::new();
    attributes.insert("stride".into(), pair(stride[0], stride[1]));
    attributes.insert("dilation".into(), pair(dilation[0], dilation[1]));
    attributes.insert("padding".into(), padding_keyword(padding));
    attributes.insert("act".into(), activation_keyword(activation)?);
    Ok(attributes)
}

fn pair(h: i32, w: i32) -> Attribute {
    Attribute::int_array(&[h as i64, w as i64])
}

fn padding_keyword(padding: Padding) -> Attribute {
    Attribute::Keyword(match padding {
        Padding::Same => "same".into(),
        Padding::Valid => "valid".into(),
    })
}

fn activation_keyword(activation: Activation) -> DiagResult<Attribute> {
    let keyword = match activation {
        Activation::None => "none",
        Activation::Relu => "relu",
        Activation::Relu6 => "relu6",
        Activation::ReluN1To1 => {
            return Err(unsupported(
                "fused activation RELU_N1_TO_1 is not supported",
            ))
        }
        Activation::Tanh => return Err(unsupported("fused activation TANH is not supported")),
        Activation::Other(code) => {
            return Err(unsupported(format!(
                "fused activation code {code} is not supported"
            )))
        }
    };
    Ok(Attribute::Keyword(keyword.into()))
}

fn dtype_name(dtype: TensorType) -> String {
    match dtype {
        TensorType::Float32 => "float32".into(),
        TensorType::Int32 => "int32".into(),
        TensorType::Int8 => "int8".into(),
        TensorType::Int16 => "int16".into(),
        TensorType::UInt8 => "uint8".into(),
        TensorType::Other(code) => format!("of type code {code}"),
    }
}
