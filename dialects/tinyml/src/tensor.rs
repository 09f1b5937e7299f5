//! Tensors at run time: [`TensorData`], and [`Operands`], the operands of one op being evaluated
//! as the reference kernels want them (quantized activations, weights, bias, the output spec).

use crate::semantics::{OutputSpec, QuantTensor, Weights};
use tmlc_core::dialect::OpContext;

/// The contents of a tensor at run time.
#[derive(Debug, Clone, PartialEq)]
pub enum TensorData {
    I8(Vec<i8>),
    I32(Vec<i32>),
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
            TensorData::I32(_) => &[],
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
