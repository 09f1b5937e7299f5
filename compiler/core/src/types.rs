//! Value types: ranked tensors of int8, int32 or float32 elements, with optional int8 quantization
//! (per-tensor scale and zero point, or per-channel scales along an axis).

use std::fmt;

/// Element type of a tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ElementType {
    I8,
    I32,
    /// IEEE single precision: the float edges of models (QUANTIZE in, DEQUANTIZE out).
    F32,
}

impl ElementType {
    pub fn byte_size(self) -> usize {
        match self {
            ElementType::I8 => 1,
            ElementType::I32 | ElementType::F32 => 4,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ElementType::I8 => "i8",
            ElementType::I32 => "i32",
            ElementType::F32 => "f32",
        }
    }

    pub fn from_name(name: &str) -> Option<ElementType> {
        match name {
            "i8" => Some(ElementType::I8),
            "i32" => Some(ElementType::I32),
            "f32" => Some(ElementType::F32),
            _ => None,
        }
    }
}

/// Affine quantization: `real = scale * (q - zero_point)`. Scales are `f32`, exactly as TFLite
/// stores them, because the integer kernels derive their multipliers from those bits.
#[derive(Debug, Clone, PartialEq)]
pub enum Quantization {
    /// One scale and zero point for the whole tensor (activations, fully-connected weights).
    PerTensor { scale: f32, zero_point: i32 },
    /// One scale per index along `axis`, zero point 0 (symmetric conv and depthwise weights).
    PerChannel { scales: Vec<f32>, axis: usize },
}

/// A ranked tensor type: `tensor<1x96x96x1xi8, !q<0.007843138, -1>>`.
#[derive(Debug, Clone, PartialEq)]
pub struct TensorType {
    pub shape: Vec<usize>,
    pub element: ElementType,
    pub quant: Option<Quantization>,
}

impl TensorType {
    pub fn new(shape: Vec<usize>, element: ElementType, quant: Option<Quantization>) -> Self {
        TensorType {
            shape,
            element,
            quant,
        }
    }

    /// An int8 tensor with per-tensor quantization.
    pub fn i8(shape: Vec<usize>, scale: f32, zero_point: i32) -> Self {
        TensorType::new(
            shape,
            ElementType::I8,
            Some(Quantization::PerTensor { scale, zero_point }),
        )
    }

    pub fn rank(&self) -> usize {
        self.shape.len()
    }

    /// Number of elements, saturating (verified types never get near the limit).
    pub fn num_elements(&self) -> usize {
        self.shape
            .iter()
            .fold(1usize, |acc, &d| acc.saturating_mul(d))
    }

    pub fn byte_size(&self) -> usize {
        self.num_elements().saturating_mul(self.element.byte_size())
    }

    /// `(scale, zero_point)` when quantized per tensor.
    pub fn per_tensor(&self) -> Option<(f32, i32)> {
        match self.quant {
            Some(Quantization::PerTensor { scale, zero_point }) => Some((scale, zero_point)),
            _ => None,
        }
    }

    /// The scales: one for per-tensor quantization, one per channel otherwise, none when the
    /// tensor is not quantized.
    pub fn scales(&self) -> &[f32] {
        match &self.quant {
            Some(Quantization::PerTensor { scale, .. }) => std::slice::from_ref(scale),
            Some(Quantization::PerChannel { scales, .. }) => scales,
            None => &[],
        }
    }

    /// The same type with another shape.
    pub fn with_shape(&self, shape: Vec<usize>) -> TensorType {
        TensorType {
            shape,
            ..self.clone()
        }
    }
}

/// Writes an `f32` so that it parses back to the same bits (shortest round-trip form, always
/// with a `.` or an exponent so the lexer reads it as a float).
pub fn write_f32(f: &mut impl fmt::Write, value: f32) -> fmt::Result {
    let text = format!("{value:?}");
    f.write_str(&text)
}

impl fmt::Display for Quantization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Quantization::PerTensor { scale, zero_point } => {
                f.write_str("!q<")?;
                write_f32(f, *scale)?;
                write!(f, ", {zero_point}>")
            }
            Quantization::PerChannel { scales, axis } => {
                f.write_str("!q<[")?;
                for (i, scale) in scales.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write_f32(f, *scale)?;
                }
                write!(f, "], axis = {axis}>")
            }
        }
    }
}

impl fmt::Display for TensorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tensor<")?;
        for dim in &self.shape {
            write!(f, "{dim}x")?;
        }
        f.write_str(self.element.name())?;
        if let Some(quant) = &self.quant {
            write!(f, ", {quant}")?;
        }
        f.write_str(">")
    }
}
