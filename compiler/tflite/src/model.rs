//! The plain, owned view of a `.tflite` model that the reader produces and the importer consumes:
//! only the subset of the TFLite schema tmlc understands, already bounds-checked.

/// Element type of a tensor, as stored in the flatbuffer (`TensorType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TensorType {
    Float32,
    Int32,
    Int8,
    Int16,
    UInt8,
    /// Any other `TensorType` code.
    Other(i8),
}

/// Quantization parameters of a tensor (`QuantizationParameters`).
#[derive(Debug, Clone, PartialEq)]
pub struct Quantization {
    pub scales: Vec<f32>,
    pub zero_points: Vec<i64>,
    pub quantized_dimension: i32,
}

/// One tensor of the (single) subgraph.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    pub name: String,
    pub shape: Vec<i32>,
    pub dtype: TensorType,
    /// Constant data from the tensor's buffer; `None` when the buffer is empty (activations).
    pub data: Option<Vec<u8>>,
    pub quantization: Option<Quantization>,
    /// A variable tensor: state an operator keeps across invocations (an LSTM's).
    pub is_variable: bool,
}

/// `Padding` of convolutions and pools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Padding {
    Same,
    Valid,
}

/// `ActivationFunctionType` fused into an op.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    None,
    Relu,
    ReluN1To1,
    Relu6,
    /// TANH (4): only an LSTM's cell gate takes it.
    Tanh,
    /// Any other code (SIGN_BIT, ...): the importer rejects it.
    Other(i8),
}

/// The builtin operator code of an operator, resolved through the model's `operator_codes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpCode {
    Add,
    Mul,
    Sub,
    AveragePool2d,
    Concatenation,
    Conv2d,
    DepthwiseConv2d,
    Dequantize,
    FullyConnected,
    HardSwish,
    LeakyRelu,
    Logistic,
    LogSoftmax,
    MaxPool2d,
    Mean,
    Pad,
    Quantize,
    Reshape,
    ResizeNearestNeighbor,
    Softmax,
    Squeeze,
    StridedSlice,
    Transpose,
    Tanh,
    UnidirectionalSequenceLstm,
    /// Any other builtin (with its code and schema name when known) or a custom op.
    Other {
        code: i32,
        name: String,
    },
}

/// Builtin options of the ops tmlc maps; `None` for ops without options or absent tables.
#[derive(Debug, Clone, PartialEq)]
pub enum Options {
    None,
    Conv2d {
        padding: Padding,
        stride_w: i32,
        stride_h: i32,
        dilation_w: i32,
        dilation_h: i32,
        activation: Activation,
    },
    DepthwiseConv2d {
        padding: Padding,
        stride_w: i32,
        stride_h: i32,
        depth_multiplier: i32,
        dilation_w: i32,
        dilation_h: i32,
        activation: Activation,
    },
    FullyConnected {
        activation: Activation,
        keep_num_dims: bool,
    },
    Pool2d {
        padding: Padding,
        stride_w: i32,
        stride_h: i32,
        filter_w: i32,
        filter_h: i32,
        activation: Activation,
    },
    Add {
        activation: Activation,
    },
    Mul {
        activation: Activation,
    },
    Sub {
        activation: Activation,
    },
    LeakyRelu {
        alpha: f32,
    },
    Reshape {
        new_shape: Vec<i32>,
    },
    Softmax {
        beta: f32,
    },
    Concatenation {
        axis: i32,
        activation: Activation,
    },
    Reducer {
        keep_dims: bool,
    },
    ResizeNearestNeighbor {
        align_corners: bool,
        half_pixel_centers: bool,
    },
    Squeeze {
        /// The axes to remove; empty means every axis of size 1.
        squeeze_dims: Vec<i32>,
    },
    UnidirectionalSequenceLstm {
        /// The cell gate's nonlinearity (`fused_activation_function`; TANH in practice).
        activation: Activation,
        cell_clip: f32,
        time_major: bool,
    },
    StridedSlice {
        begin_mask: i32,
        end_mask: i32,
        ellipsis_mask: i32,
        new_axis_mask: i32,
        shrink_axis_mask: i32,
        /// `end` is an offset from `begin` (TFLM ignores it).
        offset: bool,
    },
}

/// One operator of the subgraph, in execution order.
#[derive(Debug, Clone, PartialEq)]
pub struct Operator {
    pub opcode: OpCode,
    /// Tensor indices; `-1` marks an omitted optional input (e.g. no bias).
    pub inputs: Vec<i32>,
    pub outputs: Vec<i32>,
    pub options: Options,
}

/// A whole model: its single subgraph, flattened.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub tensors: Vec<Tensor>,
    pub operators: Vec<Operator>,
    pub inputs: Vec<usize>,
    pub outputs: Vec<usize>,
}
