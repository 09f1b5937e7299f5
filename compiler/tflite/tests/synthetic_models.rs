//! Small models written here with `flatbuffers::FlatBufferBuilder`, for what the real models do
//! not exercise: absent or empty options tables (schema defaults), every options table's fields,
//! options of the wrong table, operator codes (deprecated vs extended, custom), buffers stored
//! after the flatbuffer, subgraph counts and quantization forms.

use flatbuffers::{FlatBufferBuilder, TableFinishedWIPOffset, WIPOffset};
use tmlc_tflite::model::{
    Activation, Model, OpCode, Operator, Options, Padding, Quantization, Tensor, TensorType,
};
use tmlc_tflite::read_model;

/// A value of an options table field.
#[derive(Clone)]
enum Value {
    I8(i8),
    I32(i32),
    Bool(bool),
    F32(f32),
    I32s(Vec<i32>),
}

enum BufferSpec {
    Empty,
    Inline(Vec<u8>),
    /// Stored after the flatbuffer, found through `Buffer.offset` and `Buffer.size`.
    External(Vec<u8>),
}

struct TensorSpec {
    name: &'static str,
    shape: Vec<i32>,
    type_code: i8,
    buffer: u32,
    /// scales, zero points, quantized dimension
    quantization: Option<(Vec<f32>, Vec<i64>, i32)>,
}

struct CodeSpec {
    deprecated: Option<i8>,
    builtin: Option<i32>,
    custom: Option<&'static str>,
}

impl CodeSpec {
    /// How current converters write a builtin code: both fields, the byte capped at 127.
    fn builtin(code: i32) -> Self {
        Self {
            deprecated: Some(code.min(127) as i8),
            builtin: Some(code),
            custom: None,
        }
    }
}

struct OperatorSpec {
    opcode_index: u32,
    inputs: Vec<i32>,
    outputs: Vec<i32>,
    /// `BuiltinOptions` union tag and the table's fields by schema id.
    options: Option<(u8, Vec<(u16, Value)>)>,
}

struct Spec {
    subgraph_count: usize,
    tensors: Vec<TensorSpec>,
    buffers: Vec<BufferSpec>,
    operator_codes: Vec<CodeSpec>,
    operators: Vec<OperatorSpec>,
    inputs: Vec<i32>,
    outputs: Vec<i32>,
}

/// One FULLY_CONNECTED with RELU: input [1, 4], weights [2, 4], bias [2], output [1, 2].
fn fully_connected() -> Spec {
    let tensor = |name, shape: &[i32], type_code, buffer| TensorSpec {
        name,
        shape: shape.to_vec(),
        type_code,
        buffer,
        quantization: None,
    };
    let mut input = tensor("input", &[1, 4], 9, 0);
    input.quantization = Some((vec![0.5], vec![-1], 0));
    Spec {
        subgraph_count: 1,
        tensors: vec![
            input,
            tensor("weights", &[2, 4], 9, 1),
            tensor("bias", &[2], 2, 2),
            tensor("output", &[1, 2], 9, 0),
        ],
        buffers: vec![
            BufferSpec::Empty,
            BufferSpec::Inline((1..=8).collect()),
            BufferSpec::Inline(vec![1, 0, 0, 0, 255, 255, 255, 255]),
        ],
        operator_codes: vec![CodeSpec::builtin(9)],
        operators: vec![OperatorSpec {
            opcode_index: 0,
            inputs: vec![0, 1, 2],
            outputs: vec![3],
            options: Some((8, vec![(0, Value::I8(1))])),
        }],
        inputs: vec![0],
        outputs: vec![3],
    }
}

/// The base model with its one operator turned into builtin `code` with `options`.
fn single_operator(code: i32, options: Option<(u8, Vec<(u16, Value)>)>) -> Spec {
    let mut spec = fully_connected();
    spec.operator_codes = vec![CodeSpec::builtin(code)];
    spec.operators[0].options = options;
    spec
}

/// The vtable slot of field `id`.
fn slot(id: u16) -> u16 {
    4 + 2 * id
}

/// The model's bytes; external buffers follow the flatbuffer, each 16-byte aligned.
fn build(spec: &Spec) -> Vec<u8> {
    let placeholder = flatbuffer(spec, &vec![0; spec.buffers.len()]);
    let mut offsets = Vec::new();
    let mut end = placeholder.len();
    for buffer in &spec.buffers {
        if let BufferSpec::External(data) = buffer {
            end = end.next_multiple_of(16);
            offsets.push(end as u64);
            end += data.len();
        } else {
            offsets.push(0);
        }
    }
    let mut bytes = flatbuffer(spec, &offsets);
    assert_eq!(bytes.len(), placeholder.len());
    for (buffer, &offset) in spec.buffers.iter().zip(&offsets) {
        if let BufferSpec::External(data) = buffer {
            bytes.resize(offset as usize, 0);
            bytes.extend_from_slice(data);
        }
    }
    bytes
}

/// The flatbuffer of `spec`, with `external_offsets[i]` as the offset of external buffer `i`.
fn flatbuffer(spec: &Spec, external_offsets: &[u64]) -> Vec<u8> {
    let mut fbb = FlatBufferBuilder::new();

    let mut buffers = Vec::new();
    for (buffer, &offset) in spec.buffers.iter().zip(external_offsets) {
        let data = match buffer {
            BufferSpec::Inline(data) => Some(fbb.create_vector(data)),
            _ => None,
        };
        let table = fbb.start_table();
        if let Some(data) = data {
            fbb.push_slot_always(slot(0), data);
        }
        if let BufferSpec::External(data) = buffer {
            fbb.push_slot_always(slot(1), offset);
            fbb.push_slot_always(slot(2), data.len() as u64);
        }
        buffers.push(fbb.end_table(table));
    }

    let mut tensors = Vec::new();
    for tensor in &spec.tensors {
        let shape = fbb.create_vector(&tensor.shape);
        let name = fbb.create_string(tensor.name);
        let quantization = tensor
            .quantization
            .as_ref()
            .map(|(scales, zero_points, dim)| {
                let scales = fbb.create_vector(scales);
                let zero_points = fbb.create_vector(zero_points);
                let table = fbb.start_table();
                fbb.push_slot_always(slot(2), scales);
                fbb.push_slot_always(slot(3), zero_points);
                fbb.push_slot(slot(6), *dim, 0);
                fbb.end_table(table)
            });
        let table = fbb.start_table();
        fbb.push_slot_always(slot(0), shape);
        fbb.push_slot(slot(1), tensor.type_code, 0);
        fbb.push_slot(slot(2), tensor.buffer, 0);
        fbb.push_slot_always(slot(3), name);
        if let Some(quantization) = quantization {
            fbb.push_slot_always(slot(4), quantization);
        }
        tensors.push(fbb.end_table(table));
    }

    let mut operators = Vec::new();
    for operator in &spec.operators {
        let inputs = fbb.create_vector(&operator.inputs);
        let outputs = fbb.create_vector(&operator.outputs);
        let options = operator
            .options
            .as_ref()
            .map(|(tag, fields)| (*tag, options_table(&mut fbb, fields)));
        let table = fbb.start_table();
        fbb.push_slot(slot(0), operator.opcode_index, 0);
        fbb.push_slot_always(slot(1), inputs);
        fbb.push_slot_always(slot(2), outputs);
        if let Some((tag, options)) = options {
            fbb.push_slot_always(slot(3), tag);
            fbb.push_slot_always(slot(4), options);
        }
        operators.push(fbb.end_table(table));
    }

    let tensors = fbb.create_vector(&tensors);
    let operators = fbb.create_vector(&operators);
    let inputs = fbb.create_vector(&spec.inputs);
    let outputs = fbb.create_vector(&spec.outputs);
    let table = fbb.start_table();
    fbb.push_slot_always(slot(0), tensors);
    fbb.push_slot_always(slot(1), inputs);
    fbb.push_slot_always(slot(2), outputs);
    fbb.push_slot_always(slot(3), operators);
    let subgraph = fbb.end_table(table);
    let subgraphs = fbb.create_vector(&vec![subgraph; spec.subgraph_count]);

    let mut codes = Vec::new();
    for code in &spec.operator_codes {
        let custom = code.custom.map(|name| fbb.create_string(name));
        let table = fbb.start_table();
        if let Some(deprecated) = code.deprecated {
            fbb.push_slot_always(slot(0), deprecated);
        }
        if let Some(custom) = custom {
            fbb.push_slot_always(slot(1), custom);
        }
        if let Some(builtin) = code.builtin {
            fbb.push_slot_always(slot(3), builtin);
        }
        codes.push(fbb.end_table(table));
    }
    let codes = fbb.create_vector(&codes);
    let buffers = fbb.create_vector(&buffers);

    let table = fbb.start_table();
    fbb.push_slot(slot(0), 3u32, 0);
    fbb.push_slot_always(slot(1), codes);
    fbb.push_slot_always(slot(2), subgraphs);
    fbb.push_slot_always(slot(4), buffers);
    let model = fbb.end_table(table);
    fbb.finish(model, Some("TFL3"));
    fbb.finished_data().to_vec()
}

fn options_table(
    fbb: &mut FlatBufferBuilder,
    fields: &[(u16, Value)],
) -> WIPOffset<TableFinishedWIPOffset> {
    let vectors: Vec<_> = fields
        .iter()
        .map(|(_, value)| match value {
            Value::I32s(values) => Some(fbb.create_vector(values)),
            _ => None,
        })
        .collect();
    let table = fbb.start_table();
    for ((id, value), vector) in fields.iter().zip(vectors) {
        match value {
            Value::I8(value) => fbb.push_slot_always(slot(*id), *value),
            Value::I32(value) => fbb.push_slot_always(slot(*id), *value),
            Value::Bool(value) => fbb.push_slot_always(slot(*id), *value),
            Value::F32(value) => fbb.push_slot_always(slot(*id), *value),
            Value::I32s(_) => fbb.push_slot_always(slot(*id), vector.unwrap()),
        }
    }
    fbb.end_table(table)
}

#[track_caller]
fn read(spec: &Spec) -> Model {
    read_model(&build(spec)).unwrap_or_else(|error| panic!("rejected: {error}"))
}

#[track_caller]
fn rejected(spec: &Spec) -> String {
    match read_model(&build(spec)) {
        Ok(_) => panic!("the reader accepted a malformed model"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn the_base_model_reads_completely() {
    let quantized = |scales: Vec<f32>, zero_points: Vec<i64>| Quantization {
        scales,
        zero_points,
        quantized_dimension: 0,
    };
    let expected = Model {
        tensors: vec![
            Tensor {
                name: "input".into(),
                shape: vec![1, 4],
                dtype: TensorType::Int8,
                data: None,
                quantization: Some(quantized(vec![0.5], vec![-1])),
                is_variable: false,
            },
            Tensor {
                name: "weights".into(),
                shape: vec![2, 4],
                dtype: TensorType::Int8,
                data: Some((1..=8).collect()),
                quantization: None,
                is_variable: false,
            },
            Tensor {
                name: "bias".into(),
                shape: vec![2],
                dtype: TensorType::Int32,
                data: Some(vec![1, 0, 0, 0, 255, 255, 255, 255]),
                quantization: None,
                is_variable: false,
            },
            Tensor {
                name: "output".into(),
                shape: vec![1, 2],
                dtype: TensorType::Int8,
                data: None,
                quantization: None,
                is_variable: false,
            },
        ],
        operators: vec![Operator {
            opcode: OpCode::FullyConnected,
            inputs: vec![0, 1, 2],
            outputs: vec![3],
            options: Options::FullyConnected {
                activation: Activation::Relu,
                keep_num_dims: false,
            },
        }],
        inputs: vec![0],
        outputs: vec![3],
    };
    assert_eq!(read(&fully_connected()), expected);
}

/// The mapped ops, their options table's union tag, and what an absent table reads as.
fn schema_defaults() -> Vec<(i32, Option<u8>, Options)> {
    vec![
        (
            3,
            Some(1),
            Options::Conv2d {
                padding: Padding::Same,
                stride_w: 0,
                stride_h: 0,
                dilation_w: 1,
                dilation_h: 1,
                activation: Activation::None,
            },
        ),
        (
            4,
            Some(2),
            Options::DepthwiseConv2d {
                padding: Padding::Same,
                stride_w: 0,
                stride_h: 0,
                depth_multiplier: 0,
                dilation_w: 1,
                dilation_h: 1,
                activation: Activation::None,
            },
        ),
        (1, Some(5), pool_defaults()),
        (17, Some(5), pool_defaults()),
        (
            9,
            Some(8),
            Options::FullyConnected {
                activation: Activation::None,
                keep_num_dims: false,
            },
        ),
        (25, Some(9), Options::Softmax { beta: 0.0 }),
        (
            2,
            Some(10),
            Options::Concatenation {
                axis: 0,
                activation: Activation::None,
            },
        ),
        (
            0,
            Some(11),
            Options::Add {
                activation: Activation::None,
            },
        ),
        (22, Some(17), Options::Reshape { new_shape: vec![] }),
        (40, Some(27), Options::Reducer { keep_dims: false }),
        (
            97,
            Some(74),
            Options::ResizeNearestNeighbor {
                align_corners: false,
                half_pixel_centers: false,
            },
        ),
        (
            43,
            Some(30),
            Options::Squeeze {
                squeeze_dims: vec![],
            },
        ),
        (
            45,
            Some(32),
            Options::StridedSlice {
                begin_mask: 0,
                end_mask: 0,
                ellipsis_mask: 0,
                new_axis_mask: 0,
                shrink_axis_mask: 0,
                offset: false,
            },
        ),
        (39, None, Options::None),
        (
            41,
            Some(28),
            Options::Sub {
                activation: Activation::None,
            },
        ),
        (98, Some(75), Options::LeakyRelu { alpha: 0.0 }),
        (6, None, Options::None),
        (114, None, Options::None),
        (34, None, Options::None),
        (28, None, Options::None),
        (14, None, Options::None),
        (50, None, Options::None),
        (117, None, Options::None),
    ]
}

fn pool_defaults() -> Options {
    Options::Pool2d {
        padding: Padding::Same,
        stride_w: 0,
        stride_h: 0,
        filter_w: 0,
        filter_h: 0,
        activation: Activation::None,
    }
}

#[test]
fn absent_options_read_as_schema_defaults() {
    for (code, _, defaults) in schema_defaults() {
        let model = read(&single_operator(code, None));
        assert_eq!(model.operators[0].options, defaults, "builtin {code}");
        assert_eq!(model.operators[0].opcode.code(), code);
    }
}

#[test]
fn empty_options_tables_read_as_schema_defaults() {
    for (code, tag, defaults) in schema_defaults() {
        let Some(tag) = tag else { continue };
        let model = read(&single_operator(code, Some((tag, vec![]))));
        assert_eq!(model.operators[0].options, defaults, "builtin {code}");
    }
}

#[test]
fn options_fields_are_read() {
    use Value::*;
    let cases = vec![
        (
            3,
            1,
            vec![
                (0, I8(1)),
                (1, I32(2)),
                (2, I32(3)),
                (3, I8(3)),
                (4, I32(2)),
                (5, I32(4)),
            ],
            Options::Conv2d {
                padding: Padding::Valid,
                stride_w: 2,
                stride_h: 3,
                dilation_w: 2,
                dilation_h: 4,
                activation: Activation::Relu6,
            },
        ),
        (
            4,
            2,
            vec![
                (0, I8(1)),
                (1, I32(2)),
                (2, I32(3)),
                (3, I32(8)),
                (4, I8(1)),
                (5, I32(5)),
                (6, I32(6)),
            ],
            Options::DepthwiseConv2d {
                padding: Padding::Valid,
                stride_w: 2,
                stride_h: 3,
                depth_multiplier: 8,
                dilation_w: 5,
                dilation_h: 6,
                activation: Activation::Relu,
            },
        ),
        (
            17,
            5,
            vec![
                (0, I8(1)),
                (1, I32(2)),
                (2, I32(3)),
                (3, I32(4)),
                (4, I32(5)),
                (5, I8(2)),
            ],
            Options::Pool2d {
                padding: Padding::Valid,
                stride_w: 2,
                stride_h: 3,
                filter_w: 4,
                filter_h: 5,
                activation: Activation::ReluN1To1,
            },
        ),
        (
            9,
            8,
            vec![(0, I8(3)), (1, I8(1)), (2, Bool(true))],
            Options::FullyConnected {
                activation: Activation::Relu6,
                keep_num_dims: true,
            },
        ),
        (25, 9, vec![(0, F32(0.5))], Options::Softmax { beta: 0.5 }),
        (
            2,
            10,
            vec![(0, I32(-1)), (1, I8(1))],
            Options::Concatenation {
                axis: -1,
                activation: Activation::Relu,
            },
        ),
        (
            0,
            11,
            vec![(0, I8(4))],
            Options::Add {
                activation: Activation::Tanh,
            },
        ),
        (
            22,
            17,
            vec![(0, I32s(vec![-1, 49, 40, 1]))],
            Options::Reshape {
                new_shape: vec![-1, 49, 40, 1],
            },
        ),
        (
            40,
            27,
            vec![(0, Bool(true))],
            Options::Reducer { keep_dims: true },
        ),
        (
            97,
            74,
            vec![(0, Bool(true)), (1, Bool(true))],
            Options::ResizeNearestNeighbor {
                align_corners: true,
                half_pixel_centers: true,
            },
        ),
        (
            43,
            30,
            vec![(0, I32s(vec![1, -2]))],
            Options::Squeeze {
                squeeze_dims: vec![1, -2],
            },
        ),
        (
            45,
            32,
            vec![
                (0, I32(1)),
                (1, I32(2)),
                (2, I32(4)),
                (3, I32(8)),
                (4, I32(5)),
                (5, Bool(true)),
            ],
            Options::StridedSlice {
                begin_mask: 1,
                end_mask: 2,
                ellipsis_mask: 4,
                new_axis_mask: 8,
                shrink_axis_mask: 5,
                offset: true,
            },
        ),
        (
            41,
            28,
            vec![(0, I8(3))],
            Options::Sub {
                activation: Activation::Relu6,
            },
        ),
        (
            98,
            75,
            vec![(0, F32(0.25))],
            Options::LeakyRelu { alpha: 0.25 },
        ),
        (
            44,
            71,
            vec![(0, I8(4)), (1, F32(10.0)), (3, Bool(true))],
            Options::UnidirectionalSequenceLstm {
                activation: Activation::Tanh,
                cell_clip: 10.0,
                time_major: true,
            },
        ),
    ];
    for (code, tag, fields, expected) in cases {
        let model = read(&single_operator(code, Some((tag, fields))));
        assert_eq!(model.operators[0].options, expected, "builtin {code}");
    }
}

#[test]
fn options_of_another_table_are_an_error() {
    let conv_with_fc_options = single_operator(3, Some((8, vec![])));
    assert_eq!(
        rejected(&conv_with_fc_options),
        "operator 0 (CONV_2D): builtin options are FullyConnectedOptions, expected Conv2DOptions"
    );
    let pool_with_unread_member = single_operator(1, Some((99, vec![])));
    assert_eq!(
        rejected(&pool_with_unread_member),
        "operator 0 (AVERAGE_POOL_2D): builtin options are BuiltinOptions member 99, expected \
         Pool2DOptions"
    );
    // Ops without options in tmlc's model ignore theirs (TANH has none, QUANTIZE an empty one).
    let tanh = read(&single_operator(28, Some((99, vec![(0, Value::I32(7))]))));
    assert_eq!(tanh.operators[0].options, Options::None);
}

#[test]
fn unknown_padding_is_an_error() {
    let spec = single_operator(3, Some((1, vec![(0, Value::I8(2))])));
    assert_eq!(
        rejected(&spec),
        "operator 0 (CONV_2D): unknown padding code 2 (SAME is 0, VALID 1)"
    );
}

#[test]
fn operator_codes() {
    let opcode = |code: CodeSpec| {
        let mut spec = single_operator(0, None);
        spec.operator_codes = vec![code];
        read(&spec).operators[0].opcode.clone()
    };
    let code = |deprecated, builtin, custom| CodeSpec {
        deprecated,
        builtin,
        custom,
    };
    // Old files: the int8 code alone.
    assert_eq!(opcode(code(Some(3), None, None)), OpCode::Conv2d);
    // Current files: both; the byte saturates at 127 (PLACEHOLDER_FOR_GREATER_OP_CODES).
    assert_eq!(opcode(code(Some(127), Some(150), None)).name(), "GELU");
    assert_eq!(opcode(code(None, Some(114), None)), OpCode::Quantize);
    assert_eq!(
        opcode(code(
            Some(32),
            Some(32),
            Some("TFLite_Detection_PostProcess")
        )),
        OpCode::Other {
            code: 32,
            name: "TFLite_Detection_PostProcess".into()
        }
    );
    assert_eq!(opcode(code(Some(32), None, None)).name(), "CUSTOM");
    assert_eq!(
        opcode(code(Some(127), Some(250), None)),
        OpCode::Other {
            code: 250,
            name: "BUILTIN_250".into()
        }
    );
    // An absent code is 0, ADD.
    assert_eq!(opcode(code(None, None, None)), OpCode::Add);
}

#[test]
fn buffers_stored_after_the_flatbuffer() {
    let mut spec = fully_connected();
    spec.buffers[1] = BufferSpec::External((1..=8).collect());
    let bytes = build(&spec);
    let model = read_model(&bytes).unwrap();
    assert_eq!(model, read(&fully_connected()));

    // The external data cut short.
    let error = read_model(&bytes[..bytes.len() - 1]).unwrap_err();
    assert!(
        error
            .message()
            .starts_with("tensor 1 (`weights`): buffer 1 stores 8 bytes at offset "),
        "{error}"
    );
    assert!(error.message().ends_with(&format!(
        "beyond the end of the file ({} bytes)",
        bytes.len() - 1
    )));
}

#[test]
fn exactly_one_subgraph() {
    let mut spec = fully_connected();
    spec.subgraph_count = 0;
    assert_eq!(rejected(&spec), "the model has no subgraph");
    spec.subgraph_count = 2;
    assert_eq!(
        rejected(&spec),
        "the model has 2 subgraphs; tmlc reads models with exactly one"
    );
}

#[test]
fn quantization_forms() {
    let mut spec = fully_connected();
    spec.tensors[1].quantization = Some((vec![0.25, 0.5], vec![0, 0], 0));
    spec.tensors[3].quantization = Some((vec![], vec![], 3));
    let model = read(&spec);
    assert_eq!(
        model.tensors[1].quantization,
        Some(Quantization {
            scales: vec![0.25, 0.5],
            zero_points: vec![0, 0],
            quantized_dimension: 0
        })
    );
    // A table with empty vectors is no quantization, as an absent one.
    assert_eq!(model.tensors[3].quantization, None);
    assert_eq!(model.tensors[2].quantization, None);
}

#[test]
fn structural_errors_in_a_small_model() {
    let mut spec = fully_connected();
    spec.buffers = vec![];
    spec.tensors.retain(|tensor| tensor.buffer == 0);
    spec.operators[0].inputs = vec![0, -1, -1];
    spec.operators[0].outputs = vec![1];
    spec.outputs = vec![1];
    // Without any buffer, buffer 0 (the sentinel) still means "no data".
    let model = read(&spec);
    assert!(model.tensors.iter().all(|tensor| tensor.data.is_none()));

    spec.tensors[0].buffer = 1;
    assert_eq!(
        rejected(&spec),
        "tensor 0 (`input`): buffer index 1 out of range (model has 0 buffers)"
    );

    let mut spec = fully_connected();
    spec.tensors[2].shape = vec![3];
    assert_eq!(
        rejected(&spec),
        "tensor 2 (`bias`): buffer 2: holds 8 bytes but shape [3] of int32 needs 12"
    );
}

#[test]
fn heavily_shared_buffers_are_refused_before_they_exhaust_memory() {
    // 64 KiB of weights shared by `count` tensors: each tensor gets its own copy.
    let shared_by = |count: usize| {
        let mut spec = fully_connected();
        spec.buffers[1] = BufferSpec::Inline(vec![7; 1 << 16]);
        spec.tensors[1].shape = vec![2, 1 << 15];
        for _ in 0..count {
            spec.tensors.push(TensorSpec {
                name: "alias",
                shape: vec![1 << 16],
                type_code: 9,
                buffer: 1,
                quantization: None,
            });
        }
        spec
    };
    // 200 copies (13 MB) fit in the budget of 4 times the file size plus 16 MiB...
    assert_eq!(read(&shared_by(200)).tensors.len(), 204);
    // ... 300 (20 MB) do not.
    let error = rejected(&shared_by(300));
    assert!(
        error.ends_with("would copy over 4 times its size plus 16 MiB"),
        "{error}"
    );
}
