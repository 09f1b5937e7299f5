//! [`read_model`]: the bytes of a `.tflite` file to a checked [`Model`]. The reader owns every
//! structural check (file identifier, flatbuffer bounds through `schema`'s verifier, a single
//! subgraph, tensor, buffer and opcode indices, shapes, constant data sizes) and the mapping of
//! schema codes to `model`'s enums. Whether tmlc supports an op or a tensor type is the
//! importer's call: an unknown op reads as `OpCode::Other`, a float tensor as `Float32`.

use std::fmt;

use flatbuffers::{ErrorTraceDetail, InvalidFlatbuffer};

use crate::model::{
    Activation, Model, OpCode, Operator, Options, Padding, Quantization, Tensor, TensorType,
};
use crate::opcodes;
use crate::schema;

/// The file identifier of TFLite flatbuffers, at bytes 4..8 of the file.
pub const FILE_IDENTIFIER: &[u8; 4] = b"TFL3";

/// Why a `.tflite` file could not be read. The message says where: the operator (with its
/// opcode name), tensor or flatbuffer path concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    message: String,
    operator: Option<usize>,
}

impl ReadError {
    /// The whole message, e.g. `operator 3 (CONV_2D): input tensor index 999 out of range
    /// (model has 88 tensors)`.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The index of the operator the problem is in, if it is in one.
    pub fn operator(&self) -> Option<usize> {
        self.operator
    }

    fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            operator: None,
        }
    }

    /// An error inside operator `index`, named by its opcode when known.
    fn in_operator(index: usize, opcode: Option<&OpCode>, detail: &str) -> Self {
        let message = match opcode {
            Some(opcode) => format!("operator {index} ({}): {detail}", opcode.name()),
            None => format!("operator {index}: {detail}"),
        };
        Self {
            message,
            operator: Some(index),
        }
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ReadError {}

/// Reads a `.tflite` file with exactly one subgraph. No input can make it panic or read out of
/// bounds: anything malformed is a [`ReadError`].
pub fn read_model(bytes: &[u8]) -> Result<Model, ReadError> {
    check_header(bytes)?;
    let root = schema::root(bytes).map_err(|error| invalid_flatbuffer(&error, bytes.len()))?;
    let subgraph = only_subgraph(&root)?;

    let mut budget = CopyBudget::for_file(bytes.len());
    let buffers: Vec<schema::Buffer> = root.buffers().iter().collect();
    let tensors = subgraph
        .tensors()
        .iter()
        .enumerate()
        .map(|(index, tensor)| read_tensor(index, &tensor, &buffers, bytes, &mut budget))
        .collect::<Result<Vec<_>, _>>()?;

    let opcodes: Vec<OpCode> = root.operator_codes().iter().map(read_opcode).collect();
    let operators = subgraph
        .operators()
        .iter()
        .enumerate()
        .map(|(index, operator)| {
            read_operator(index, &operator, &opcodes, tensors.len(), &mut budget)
        })
        .collect::<Result<Vec<_>, _>>()?;

    let inputs = graph_tensors("input", subgraph.inputs(), tensors.len())?;
    let outputs = graph_tensors("output", subgraph.outputs(), tensors.len())?;
    Ok(Model {
        tensors,
        operators,
        inputs,
        outputs,
    })
}

/// Checks what must hold before the flatbuffer can be verified: the size and the identifier.
fn check_header(bytes: &[u8]) -> Result<(), ReadError> {
    if bytes.is_empty() {
        return Err(ReadError::new("empty file: not a TFLite model"));
    }
    if bytes.len() < 8 {
        return Err(ReadError::new(format!(
            "file too short ({} bytes): a TFLite model starts with a 4-byte root offset and \
             the file identifier \"TFL3\"",
            bytes.len()
        )));
    }
    let identifier = &bytes[4..8];
    if identifier != FILE_IDENTIFIER {
        return Err(ReadError::new(format!(
            "not a TFLite model: the file identifier (bytes 4..8) is \"{}\", expected \"TFL3\"",
            identifier.escape_ascii()
        )));
    }
    if bytes.len() > i32::MAX as usize {
        return Err(ReadError::new(format!(
            "file too large ({} bytes): tmlc reads models up to 2 GiB",
            bytes.len()
        )));
    }
    Ok(())
}

/// Describes a verifier failure with the path to the table and field it was found in, e.g.
/// `Model.subgraphs[0].operators[3].inputs`.
fn invalid_flatbuffer(error: &InvalidFlatbuffer, file_len: usize) -> ReadError {
    use InvalidFlatbuffer as Invalid;
    let (what, trace): (String, &[ErrorTraceDetail]) = match error {
        Invalid::RangeOutOfBounds { range, error_trace } => (
            format!(
                "bytes {}..{} lie beyond the end of the file ({file_len} bytes)",
                range.start, range.end
            ),
            error_trace.as_ref(),
        ),
        Invalid::SignedOffsetOutOfBounds {
            soffset,
            position,
            error_trace,
        } => (
            format!("vtable offset {soffset} at byte {position} points outside the file"),
            error_trace.as_ref(),
        ),
        Invalid::Unaligned {
            position,
            unaligned_type,
            error_trace,
        } => (
            format!("misaligned {unaligned_type} at byte {position}"),
            error_trace.as_ref(),
        ),
        Invalid::Utf8Error {
            range, error_trace, ..
        } => (
            format!(
                "string at bytes {}..{} is not UTF-8",
                range.start, range.end
            ),
            error_trace.as_ref(),
        ),
        Invalid::MissingNullTerminator { range, error_trace } => (
            format!(
                "string at bytes {}..{} lacks its NUL terminator",
                range.start, range.end
            ),
            error_trace.as_ref(),
        ),
        Invalid::InconsistentUnion {
            field,
            field_type,
            error_trace,
        } => (
            format!("union fields `{field}` and `{field_type}`: one is present without the other"),
            error_trace.as_ref(),
        ),
        Invalid::MissingRequiredField {
            required,
            error_trace,
        } => (
            format!("required field `{required}` is missing"),
            error_trace.as_ref(),
        ),
        Invalid::TooManyTables => ("too many tables".to_string(), &[]),
        Invalid::ApparentSizeTooLarge => ("tables and vectors add up to over 2 GiB".into(), &[]),
        Invalid::DepthLimitReached => ("tables nested too deeply".to_string(), &[]),
    };
    ReadError {
        message: format!(
            "truncated or corrupt TFLite file: {what} (in {})",
            trace_path(trace)
        ),
        operator: operator_in_trace(trace),
    }
}

/// The verifier's trace (innermost first) as a path from the root: `Model.subgraphs[0].tensors`.
fn trace_path(trace: &[ErrorTraceDetail]) -> String {
    let mut path = String::from("Model");
    for detail in trace.iter().rev() {
        match detail {
            ErrorTraceDetail::TableField { field_name, .. } => {
                path.push('.');
                path.push_str(field_name);
            }
            ErrorTraceDetail::VectorElement { index, .. } => path.push_str(&format!("[{index}]")),
            ErrorTraceDetail::UnionVariant { variant, .. } => {
                path.push_str(&format!("({variant})"))
            }
        }
    }
    path
}

/// The operator index when the trace passes through `operators[index]`.
fn operator_in_trace(trace: &[ErrorTraceDetail]) -> Option<usize> {
    trace.windows(2).find_map(|pair| match pair {
        [ErrorTraceDetail::VectorElement { index, .. }, ErrorTraceDetail::TableField { field_name, .. }]
            if field_name == "operators" =>
        {
            Some(*index)
        }
        _ => None,
    })
}

/// How many more bytes the reader may copy out of the file. Tensors can share a buffer and
/// operators an operator code (whose name each copies), so a crafted file of a few KB could
/// otherwise expand to gigabytes; real models copy less than their own size.
struct CopyBudget {
    left: usize,
}

impl CopyBudget {
    /// Copies may add up to this many times the file size...
    const PER_FILE_BYTE: usize = 4;
    /// ... plus this much, for tiny files.
    const FLOOR: usize = 16 << 20;

    fn for_file(len: usize) -> Self {
        Self {
            left: len
                .saturating_mul(Self::PER_FILE_BYTE)
                .saturating_add(Self::FLOOR),
        }
    }

    fn take(&mut self, bytes: usize) -> Result<(), String> {
        self.left = self.left.checked_sub(bytes).ok_or_else(|| {
            format!(
                "tensors share buffers (or operators share codes) so much that reading the model \
                 would copy over {} times its size plus {} MiB",
                Self::PER_FILE_BYTE,
                Self::FLOOR >> 20
            )
        })?;
        Ok(())
    }
}

fn only_subgraph<'a>(root: &schema::Model<'a>) -> Result<schema::SubGraph<'a>, ReadError> {
    let subgraphs = root.subgraphs();
    match subgraphs.len() {
        0 => Err(ReadError::new("the model has no subgraph")),
        1 => Ok(subgraphs.get(0)),
        count => Err(ReadError::new(format!(
            "the model has {count} subgraphs; tmlc reads models with exactly one"
        ))),
    }
}

fn read_tensor(
    index: usize,
    tensor: &schema::Tensor,
    buffers: &[schema::Buffer],
    file: &[u8],
    budget: &mut CopyBudget,
) -> Result<Tensor, ReadError> {
    let error =
        |detail: String| ReadError::new(format!("tensor {index} (`{}`): {detail}", tensor.name()));
    let shape: Vec<i32> = tensor.shape().iter().collect();
    if let Some(dim) = shape.iter().find(|&&dim| dim < 0) {
        return Err(error(format!(
            "negative dimension {dim} in shape {shape:?}"
        )));
    }
    let dtype = tensor_type(tensor.type_code());
    let data = constant_data(tensor.buffer(), buffers, file).map_err(error)?;
    if let Some(data) = data {
        check_data_size(&shape, dtype, data.len())
            .map_err(|detail| error(format!("buffer {}: {detail}", tensor.buffer())))?;
        budget.take(data.len()).map_err(error)?;
    }
    let data = data.map(<[u8]>::to_vec);
    Ok(Tensor {
        name: tensor.name().to_string(),
        shape,
        dtype,
        data,
        quantization: read_quantization(&tensor.quantization()),
        is_variable: tensor.is_variable(),
    })
}

fn tensor_type(code: i8) -> TensorType {
    match code {
        0 => TensorType::Float32,
        2 => TensorType::Int32,
        3 => TensorType::UInt8,
        7 => TensorType::Int16,
        9 => TensorType::Int8,
        other => TensorType::Other(other),
    }
}

/// The bytes of buffer `index`, or `None` when it is empty (activations use buffer 0, the empty
/// sentinel).
fn constant_data<'a>(
    index: u32,
    buffers: &[schema::Buffer<'a>],
    file: &'a [u8],
) -> Result<Option<&'a [u8]>, String> {
    let Some(buffer) = buffers.get(index as usize) else {
        if index == 0 {
            // A model without any buffer: the sentinel is implied.
            return Ok(None);
        }
        return Err(format!(
            "buffer index {index} out of range (model has {} buffers)",
            buffers.len()
        ));
    };
    let bytes = if buffer.offset() > 1 {
        let (offset, size) = (buffer.offset(), buffer.size());
        data_after_flatbuffer(file, offset, size).ok_or_else(|| {
            format!(
                "buffer {index} stores {size} bytes at offset {offset}, beyond the end of the \
                 file ({} bytes)",
                file.len()
            )
        })?
    } else {
        buffer.data()
    };
    Ok((!bytes.is_empty()).then_some(bytes))
}

/// `size` bytes at `offset` from the start of the file, if the file holds them.
fn data_after_flatbuffer(file: &[u8], offset: u64, size: u64) -> Option<&[u8]> {
    let start = usize::try_from(offset).ok()?;
    let end = start.checked_add(usize::try_from(size).ok()?)?;
    file.get(start..end)
}

/// Constant data must hold exactly the elements its shape says (as TFLite itself checks).
fn check_data_size(shape: &[i32], dtype: TensorType, len: usize) -> Result<(), String> {
    let element_size = match dtype {
        TensorType::Float32 | TensorType::Int32 => 4,
        TensorType::Int16 => 2,
        TensorType::Int8 | TensorType::UInt8 => 1,
        TensorType::Other(_) => return Ok(()),
    };
    let needed = shape
        .iter()
        .try_fold(element_size, |bytes: usize, &dim| {
            bytes.checked_mul(usize::try_from(dim).ok()?)
        })
        .ok_or_else(|| format!("shape {shape:?} is too large"))?;
    if needed != len {
        return Err(format!(
            "holds {len} bytes but shape {shape:?} of {} needs {needed}",
            type_name(dtype)
        ));
    }
    Ok(())
}

fn type_name(dtype: TensorType) -> String {
    match dtype {
        TensorType::Float32 => "float32".into(),
        TensorType::Int32 => "int32".into(),
        TensorType::Int8 => "int8".into(),
        TensorType::Int16 => "int16".into(),
        TensorType::UInt8 => "uint8".into(),
        TensorType::Other(code) => format!("tensor type {code}"),
    }
}

/// `None` when the tensor has no quantization, or one without scales and zero points.
fn read_quantization(parameters: &schema::QuantizationParameters) -> Option<Quantization> {
    let scales: Vec<f32> = parameters.scale().iter().collect();
    let zero_points: Vec<i64> = parameters.zero_point().iter().collect();
    if scales.is_empty() && zero_points.is_empty() {
        return None;
    }
    Some(Quantization {
        scales,
        zero_points,
        quantized_dimension: parameters.quantized_dimension(),
    })
}

fn read_opcode(code: schema::OperatorCode) -> OpCode {
    match code.code() {
        opcodes::CUSTOM => opcodes::custom_opcode(code.custom_code().unwrap_or("CUSTOM")),
        builtin => opcodes::builtin_opcode(builtin),
    }
}

fn read_operator(
    index: usize,
    operator: &schema::Operator,
    opcodes: &[OpCode],
    tensor_count: usize,
    budget: &mut CopyBudget,
) -> Result<Operator, ReadError> {
    let opcode_index = operator.opcode_index() as usize;
    let Some(opcode) = opcodes.get(opcode_index) else {
        return Err(ReadError::in_operator(
            index,
            None,
            &format!(
                "opcode index {opcode_index} out of range (model has {} operator codes)",
                opcodes.len()
            ),
        ));
    };
    let error = |detail: String| ReadError::in_operator(index, Some(opcode), &detail);
    budget.take(opcode.name().len()).map_err(error)?;

    let inputs: Vec<i32> = operator.inputs().iter().collect();
    let outputs: Vec<i32> = operator.outputs().iter().collect();
    check_tensor_indices("input", &inputs, true, tensor_count).map_err(error)?;
    check_tensor_indices("output", &outputs, false, tensor_count).map_err(error)?;
    Ok(Operator {
        opcode: opcode.clone(),
        options: read_options(opcode, operator).map_err(error)?,
        inputs,
        outputs,
    })
}

/// Every index must name a tensor; `-1` marks an omitted optional input where `may_omit`.
fn check_tensor_indices(
    kind: &str,
    indices: &[i32],
    may_omit: bool,
    tensor_count: usize,
) -> Result<(), String> {
    for &index in indices {
        let names_tensor = usize::try_from(index).is_ok_and(|index| index < tensor_count);
        let omitted = may_omit && index == -1;
        if !(names_tensor || omitted) {
            return Err(format!(
                "{kind} tensor index {index} out of range (model has {tensor_count} tensors)"
            ));
        }
    }
    Ok(())
}

/// The subgraph's input or output tensor indices, checked.
fn graph_tensors(
    kind: &str,
    indices: flatbuffers::Vector<i32>,
    tensor_count: usize,
) -> Result<Vec<usize>, ReadError> {
    indices
        .iter()
        .enumerate()
        .map(|(position, index)| {
            usize::try_from(index)
                .ok()
                .filter(|&index| index < tensor_count)
                .ok_or_else(|| {
                    ReadError::new(format!(
                        "subgraph {kind} {position}: tensor index {index} out of range (model \
                         has {tensor_count} tensors)"
                    ))
                })
        })
        .collect()
}

/// The builtin options of the ops tmlc maps, from the table their opcode uses; schema defaults
/// when the operator has none.
fn read_options(opcode: &OpCode, operator: &schema::Operator) -> Result<Options, String> {
    Ok(match opcode {
        OpCode::Conv2d => {
            let options: schema::Conv2DOptions = options_table(operator)?;
            Options::Conv2d {
                padding: padding(options.padding())?,
                stride_w: options.stride_w(),
                stride_h: options.stride_h(),
                dilation_w: options.dilation_w_factor(),
                dilation_h: options.dilation_h_factor(),
                activation: activation(options.fused_activation_function()),
            }
        }
        OpCode::DepthwiseConv2d => {
            let options: schema::DepthwiseConv2DOptions = options_table(operator)?;
            Options::DepthwiseConv2d {
                padding: padding(options.padding())?,
                stride_w: options.stride_w(),
                stride_h: options.stride_h(),
                depth_multiplier: options.depth_multiplier(),
                dilation_w: options.dilation_w_factor(),
                dilation_h: options.dilation_h_factor(),
                activation: activation(options.fused_activation_function()),
            }
        }
        OpCode::AveragePool2d | OpCode::MaxPool2d => {
            let options: schema::Pool2DOptions = options_table(operator)?;
            Options::Pool2d {
                padding: padding(options.padding())?,
                stride_w: options.stride_w(),
                stride_h: options.stride_h(),
                filter_w: options.filter_width(),
                filter_h: options.filter_height(),
                activation: activation(options.fused_activation_function()),
            }
        }
        OpCode::FullyConnected => {
            let options: schema::FullyConnectedOptions = options_table(operator)?;
            Options::FullyConnected {
                activation: activation(options.fused_activation_function()),
                keep_num_dims: options.keep_num_dims(),
            }
        }
        OpCode::Add => {
            let options: schema::AddOptions = options_table(operator)?;
            Options::Add {
                activation: activation(options.fused_activation_function()),
            }
        }
        OpCode::Mul => {
            let options: schema::MulOptions = options_table(operator)?;
            Options::Mul {
                activation: activation(options.fused_activation_function()),
            }
        }
        OpCode::Sub => {
            let options: schema::SubOptions = options_table(operator)?;
            Options::Sub {
                activation: activation(options.fused_activation_function()),
            }
        }
        OpCode::LeakyRelu => {
            let options: schema::LeakyReluOptions = options_table(operator)?;
            Options::LeakyRelu {
                alpha: options.alpha(),
            }
        }
        OpCode::Reshape => {
            let options: schema::ReshapeOptions = options_table(operator)?;
            Options::Reshape {
                new_shape: options.new_shape().iter().collect(),
            }
        }
        OpCode::Softmax => {
            let options: schema::SoftmaxOptions = options_table(operator)?;
            Options::Softmax {
                beta: options.beta(),
            }
        }
        OpCode::Concatenation => {
            let options: schema::ConcatenationOptions = options_table(operator)?;
            Options::Concatenation {
                axis: options.axis(),
                activation: activation(options.fused_activation_function()),
            }
        }
        OpCode::Mean => {
            let options: schema::ReducerOptions = options_table(operator)?;
            Options::Reducer {
                keep_dims: options.keep_dims(),
            }
        }
        OpCode::ResizeNearestNeighbor => {
            let options: schema::ResizeNearestNeighborOptions = options_table(operator)?;
            Options::ResizeNearestNeighbor {
                align_corners: options.align_corners(),
                half_pixel_centers: options.half_pixel_centers(),
            }
        }
        OpCode::Squeeze => {
            let options: schema::SqueezeOptions = options_table(operator)?;
            Options::Squeeze {
                squeeze_dims: options.squeeze_dims().iter().collect(),
            }
        }
        OpCode::StridedSlice => {
            let options: schema::StridedSliceOptions = options_table(operator)?;
            Options::StridedSlice {
                begin_mask: options.begin_mask(),
                end_mask: options.end_mask(),
                ellipsis_mask: options.ellipsis_mask(),
                new_axis_mask: options.new_axis_mask(),
                shrink_axis_mask: options.shrink_axis_mask(),
                offset: options.offset(),
            }
        }
        OpCode::UnidirectionalSequenceLstm => {
            let options: schema::UnidirectionalSequenceLSTMOptions = options_table(operator)?;
            Options::UnidirectionalSequenceLstm {
                activation: activation(options.fused_activation_function()),
                cell_clip: options.cell_clip(),
                time_major: options.time_major(),
            }
        }
        OpCode::Dequantize
        | OpCode::Quantize
        | OpCode::Pad
        | OpCode::Transpose
        | OpCode::HardSwish
        | OpCode::Logistic
        | OpCode::Tanh
        | OpCode::LogSoftmax
        | OpCode::Other { .. } => Options::None,
    })
}

/// The operator's options as table `T`, or an error naming the table it holds instead.
fn options_table<'a, T: schema::OptionsTable<'a>>(
    operator: &schema::Operator<'a>,
) -> Result<T, String> {
    operator.builtin_options::<T>().map_err(|tag| {
        format!(
            "builtin options are {}, expected {}",
            schema::builtin_options_name(tag),
            T::NAME
        )
    })
}

fn padding(code: i8) -> Result<Padding, String> {
    match code {
        0 => Ok(Padding::Same),
        1 => Ok(Padding::Valid),
        other => Err(format!("unknown padding code {other} (SAME is 0, VALID 1)")),
    }
}

fn activation(code: i8) -> Activation {
    match code {
        0 => Activation::None,
        1 => Activation::Relu,
        2 => Activation::ReluN1To1,
        3 => Activation::Relu6,
        4 => Activation::Tanh,
        other => Activation::Other(other),
    }
}
