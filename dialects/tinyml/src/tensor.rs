//! Tensors at run time: [`TensorData`], and [`Operands`], the operands of one op being evaluated
//! as the reference kernels want them (quantized activations, weights, bias, the output spec).

use crate::semantics::{OutputSpec, QuantTensor, Weights};
use tmlc_core::dialect::OpContext;
use tmlc_core::types::{ElementType, TensorType};

/// The contents of a tensor at run time.
#[derive(Debug, Clone, PartialEq)]
pub enum TensorData {
    I8(Vec<i8>),
    I32(Vec<i32>),
    F32(Vec<f32>),
}

impl TensorData {
    /// Raw little-endian bytes (row-major) read as elements of `ty`; trailing bytes that do not
    /// fill an element are dropped.
    pub fn from_bytes(ty: &TensorType, bytes: &[u8]) -> TensorData {
        let words = || bytes.chunks_exact(4).map(|c| [c[0], c[1], c[2], c[3]]);
        match ty.element {
            ElementType::I8 => TensorData::I8(bytes.iter().map(|&b| b as i8).collect()),
            ElementType::I32 => TensorData::I32(words().map(i32::from_le_bytes).collect()),
            ElementType::F32 => TensorData::F32(words().map(f32::from_le_bytes).collect()),
        }
    }

    /// The raw little-endian bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            TensorData::I8(values) => values.iter().map(|&v| v as u8).collect(),
            TensorData::I32(values) => values.iter().flat_map(|v| v.to_le_bytes()).collect(),
            TensorData::F32(values) => values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        }
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        match self {
            TensorData::I8(values) => values.len(),
            TensorData::I32(values) => values.len(),
            TensorData::F32(values) => values.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The element type of the data.
    pub fn element(&self) -> ElementType {
        match self {
            TensorData::I8(_) => ElementType::I8,
            TensorData::I32(_) => ElementType::I32,
            TensorData::F32(_) => ElementType::F32,
        }
    }
}

/// The operands of one op being evaluated.
pub struct Operands<'a> {
    pub op: OpContext<'a>,
    pub data: Vec<&'a TensorData>,
}

impl<'a> Operands<'a> {
    fn i8_data(&self, index: usize) -> &'a [i8] {
        match self.data[index] {
            TensorData::I8(data) => data,
            _ => &[],
        }
    }

    /// Operand `index` as float32 values (empty for other element types).
    pub fn f32_data(&self, index: usize) -> &'a [f32] {
        match self.data[index] {
            TensorData::F32(data) => data,
            _ => &[],
        }
    }

    /// Operand `index` as a quantized activation.
    pub fn activation(&self, index: usize) -> QuantTensor<'a> {
        let ty = self.op.operand_type(index);
        let (scale, zero_point) = ty.per_tensor().unwrap_or((1.0, 0));
        QuantTensor::new(self.i8_data(index), &ty.shape, scale, zero_point)
    }

    /// Operand `index` as symmetric weights.
    pub fn weights(&self, index: usize) -> Weights<'a> {
        let ty = self.op.operand_type(index);
        Weights::new(self.i8_data(index), &ty.shape, ty.scales())
    }

    /// The optional bias operand at `index`.
    pub fn bias(&self, index: usize) -> Option<&'a [i32]> {
        match self.data.get(index) {
            Some(TensorData::I32(data)) => Some(data),
            _ => None,
        }
    }

    pub fn count(&self) -> usize {
        self.data.len()
    }

    /// The result's shape and quantization.
    pub fn output(&self) -> OutputSpec<'a> {
        let ty = self.op.result_type(0);
        let (scale, zero_point) = ty.per_tensor().unwrap_or((1.0, 0));
        OutputSpec::new(&ty.shape, scale, zero_point)
    }
}
