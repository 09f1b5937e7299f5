//! TFLite's `BuiltinOperator` codes: which become an [`OpCode`] variant, and the schema names
//! of common others, for messages (`OpCode::Other { code: 111, name: "ELU" }`).

use crate::model::OpCode;

/// The `BuiltinOperator` code of custom operators.
pub const CUSTOM: i32 = 32;

/// Schema names of other builtins commonly found in TinyML models; codes missing here are
/// named `BUILTIN_<code>`.
const OTHER_NAMES: &[(i32, &str)] = &[
    (5, "DEPTH_TO_SPACE"),
    (7, "EMBEDDING_LOOKUP"),
    (8, "FLOOR"),
    (11, "L2_NORMALIZATION"),
    (12, "L2_POOL_2D"),
    (13, "LOCAL_RESPONSE_NORMALIZATION"),
    (16, "LSTM"),
    (19, "RELU"),
    (20, "RELU_N1_TO_1"),
    (21, "RELU6"),
    (23, "RESIZE_BILINEAR"),
    (24, "RNN"),
    (26, "SPACE_TO_DEPTH"),
    (27, "SVDF"),
    (31, "CALL"),
    (CUSTOM, "CUSTOM"),
    (36, "GATHER"),
    (37, "BATCH_TO_SPACE_ND"),
    (38, "SPACE_TO_BATCH_ND"),
    (42, "DIV"),
    (47, "EXP"),
    (49, "SPLIT"),
    (53, "CAST"),
    (54, "PRELU"),
    (55, "MAXIMUM"),
    (56, "ARG_MAX"),
    (57, "MINIMUM"),
    (58, "LESS"),
    (59, "NEG"),
    (60, "PADV2"),
    (61, "GREATER"),
    (62, "GREATER_EQUAL"),
    (63, "LESS_EQUAL"),
    (64, "SELECT"),
    (65, "SLICE"),
    (67, "TRANSPOSE_CONV"),
    (69, "TILE"),
    (70, "EXPAND_DIMS"),
    (71, "EQUAL"),
    (72, "NOT_EQUAL"),
    (73, "LOG"),
    (74, "SUM"),
    (75, "SQRT"),
    (76, "RSQRT"),
    (77, "SHAPE"),
    (79, "ARG_MIN"),
    (81, "REDUCE_PROD"),
    (82, "REDUCE_MAX"),
    (83, "PACK"),
    (88, "UNPACK"),
    (89, "REDUCE_MIN"),
    (92, "SQUARE"),
    (94, "FILL"),
    (99, "SQUARED_DIFFERENCE"),
    (100, "MIRROR_PAD"),
    (101, "ABS"),
    (102, "SPLIT_V"),
    (106, "ADD_N"),
    (107, "GATHER_ND"),
    (111, "ELU"),
    (116, "ROUND"),
    (118, "IF"),
    (119, "WHILE"),
    (123, "SELECT_V2"),
    (126, "BATCH_MATMUL"),
    (128, "CUMSUM"),
    (130, "BROADCAST_TO"),
    (150, "GELU"),
];

/// The [`OpCode`] of builtin operator `code` (not for custom ops: see [`custom_opcode`]).
pub fn builtin_opcode(code: i32) -> OpCode {
    match code {
        0 => OpCode::Add,
        1 => OpCode::AveragePool2d,
        2 => OpCode::Concatenation,
        3 => OpCode::Conv2d,
        4 => OpCode::DepthwiseConv2d,
        6 => OpCode::Dequantize,
        9 => OpCode::FullyConnected,
        14 => OpCode::Logistic,
        17 => OpCode::MaxPool2d,
        18 => OpCode::Mul,
        22 => OpCode::Reshape,
        25 => OpCode::Softmax,
        28 => OpCode::Tanh,
        34 => OpCode::Pad,
        39 => OpCode::Transpose,
        40 => OpCode::Mean,
        43 => OpCode::Squeeze,
        44 => OpCode::UnidirectionalSequenceLstm,
        45 => OpCode::StridedSlice,
        97 => OpCode::ResizeNearestNeighbor,
        41 => OpCode::Sub,
        50 => OpCode::LogSoftmax,
        98 => OpCode::LeakyRelu,
        114 => OpCode::Quantize,
        117 => OpCode::HardSwish,
        _ => {
            let name = match OTHER_NAMES.iter().find(|(other, _)| *other == code) {
                Some((_, name)) => name.to_string(),
                None => format!("BUILTIN_{code}"),
            };
            OpCode::Other { code, name }
        }
    }
}

/// The [`OpCode`] of a custom operator: code 32, named by its `custom_code`.
pub fn custom_opcode(custom_code: &str) -> OpCode {
    OpCode::Other {
        code: CUSTOM,
        name: custom_code.to_string(),
    }
}

impl OpCode {
    /// The `BuiltinOperator` code (32 for custom operators).
    pub fn code(&self) -> i32 {
        match self {
            OpCode::Add => 0,
            OpCode::AveragePool2d => 1,
            OpCode::Concatenation => 2,
            OpCode::Conv2d => 3,
            OpCode::DepthwiseConv2d => 4,
            OpCode::Dequantize => 6,
            OpCode::FullyConnected => 9,
            OpCode::Logistic => 14,
            OpCode::MaxPool2d => 17,
            OpCode::Mul => 18,
            OpCode::Reshape => 22,
            OpCode::Softmax => 25,
            OpCode::Tanh => 28,
            OpCode::Pad => 34,
            OpCode::Transpose => 39,
            OpCode::Mean => 40,
            OpCode::Squeeze => 43,
            OpCode::UnidirectionalSequenceLstm => 44,
            OpCode::StridedSlice => 45,
            OpCode::ResizeNearestNeighbor => 97,
            OpCode::Sub => 41,
            OpCode::LogSoftmax => 50,
            OpCode::LeakyRelu => 98,
            OpCode::Quantize => 114,
            OpCode::HardSwish => 117,
            OpCode::Other { code, .. } => *code,
        }
    }

    /// The schema name (`CONV_2D`), or for [`OpCode::Other`] the name it carries.
    pub fn name(&self) -> &str {
        match self {
            OpCode::Add => "ADD",
            OpCode::AveragePool2d => "AVERAGE_POOL_2D",
            OpCode::Concatenation => "CONCATENATION",
            OpCode::Conv2d => "CONV_2D",
            OpCode::DepthwiseConv2d => "DEPTHWISE_CONV_2D",
            OpCode::Dequantize => "DEQUANTIZE",
            OpCode::FullyConnected => "FULLY_CONNECTED",
            OpCode::Logistic => "LOGISTIC",
            OpCode::MaxPool2d => "MAX_POOL_2D",
            OpCode::Mul => "MUL",
            OpCode::Reshape => "RESHAPE",
            OpCode::Softmax => "SOFTMAX",
            OpCode::Tanh => "TANH",
            OpCode::Pad => "PAD",
            OpCode::Mean => "MEAN",
            OpCode::Transpose => "TRANSPOSE",
            OpCode::Squeeze => "SQUEEZE",
            OpCode::UnidirectionalSequenceLstm => "UNIDIRECTIONAL_SEQUENCE_LSTM",
            OpCode::StridedSlice => "STRIDED_SLICE",
            OpCode::ResizeNearestNeighbor => "RESIZE_NEAREST_NEIGHBOR",
            OpCode::Sub => "SUB",
            OpCode::LogSoftmax => "LOG_SOFTMAX",
            OpCode::LeakyRelu => "LEAKY_RELU",
            OpCode::Quantize => "QUANTIZE",
            OpCode::HardSwish => "HARD_SWISH",
            OpCode::Other { name, .. } => name,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapped_codes_round_trip() {
        let mapped: Vec<OpCode> = (0..=255)
            .map(builtin_opcode)
            .filter(|opcode| !matches!(opcode, OpCode::Other { .. }))
            .collect();
        assert_eq!(mapped.len(), 25);
        for opcode in mapped {
            assert_eq!(builtin_opcode(opcode.code()), opcode);
        }
        assert_eq!(builtin_opcode(3).name(), "CONV_2D");
        assert_eq!(builtin_opcode(114).name(), "QUANTIZE");
    }

    #[test]
    fn others_carry_their_schema_name_or_a_generated_one() {
        let elu = builtin_opcode(111);
        assert_eq!(
            elu,
            OpCode::Other {
                code: 111,
                name: "ELU".into()
            }
        );
        assert_eq!((elu.code(), elu.name()), (111, "ELU"));
        assert_eq!(builtin_opcode(999).name(), "BUILTIN_999");
        assert_eq!(custom_opcode("TFLite_Detection_PostProcess").code(), CUSTOM);
    }

    #[test]
    fn other_names_are_unique_and_not_mapped_codes() {
        let mut codes: Vec<i32> = OTHER_NAMES.iter().map(|(code, _)| *code).collect();
        assert!(codes
            .iter()
            .all(|&code| matches!(builtin_opcode(code), OpCode::Other { .. })));
        let count = codes.len();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), count);
    }
}
