//! Checks shared by several tinyml verifiers: quantized activations, fused activation and
//! padding keywords, window (conv/pool) output sizes, result-shape comparison.

use crate::interfaces::SlidingWindow;
use crate::semantics::padding::{effective_filter_size, output_size, AxisPadding};
use crate::semantics::{Activation, Padding};
use tmlc_core::attributes::Attribute;
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::dialect::OpContext;
use tmlc_core::types::{ElementType, Quantization, TensorType};

/// Fused activations TFLite attaches to ops, as their attribute keywords.
pub const ACTIVATIONS: &[&str] = &["none", "relu", "relu6"];

impl Activation {
    /// The `act` keyword of the activation.
    pub fn keyword(self) -> &'static str {
        match self {
            Activation::None => "none",
            Activation::Relu => "relu",
            Activation::Relu6 => "relu6",
        }
    }

    /// The activation an `act` keyword names.
    pub fn from_keyword(keyword: &str) -> Option<Activation> {
        [Activation::None, Activation::Relu, Activation::Relu6]
            .into_iter()
            .find(|a| a.keyword() == keyword)
    }
}

/// Padding keywords of convolutions and pools (the third form is explicit amounts,
/// `padding = [top, bottom, left, right]`).
pub const PADDINGS: &[&str] = &["same", "valid"];

/// Formats a shape as in types: `1x8x8x3`.
pub fn shape_text(shape: &[usize]) -> String {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    if dims.is_empty() {
        "scalar".to_string()
    } else {
        dims.join("x")
    }
}

/// Requires operand `index` to be an i8 tensor quantized per tensor, optionally of rank `rank`.
pub fn expect_activation_operand(
    op: &OpContext,
    index: usize,
    what: &str,
    rank: Option<usize>,
) -> DiagResult<()> {
    let ty = op.operand_type(index);
    if ty.element != ElementType::I8 || ty.per_tensor().is_none() {
        return Err(op.operand_error(
            index,
            format!("{what} must be an i8 tensor quantized per tensor, got {ty}"),
        ));
    }
    if let Some(rank) = rank {
        if ty.rank() != rank {
            return Err(op.operand_error(
                index,
                format!("{what} must have rank {rank}, got {}", ty.rank()),
            ));
        }
    }
    Ok(())
}

/// Requires result `index` to be an i8 tensor quantized per tensor.
pub fn expect_activation_result(op: &OpContext, index: usize) -> DiagResult<()> {
    let ty = op.result_type(index);
    if ty.element != ElementType::I8 || ty.per_tensor().is_none() {
        return Err(op.result_error(
            index,
            format!("result must be an i8 tensor quantized per tensor, got {ty}"),
        ));
    }
    Ok(())
}

/// Requires the result shape to equal the inferred one.
pub fn expect_result_shape(op: &OpContext, inferred: &[usize]) -> DiagResult<()> {
    let declared = &op.result_type(0).shape;
    if declared != inferred {
        return Err(op.result_error(
            0,
            format!(
                "result shape {} does not match the inferred shape {}",
                shape_text(declared),
                shape_text(inferred)
            ),
        ));
    }
    Ok(())
}

/// Requires result 0 to have the same quantization as operand 0 (ops whose TFLite Micro kernel
/// requires it: pad, pools, relu, ...). The data-movement ops (reshape, squeeze, transpose,
/// strided_slice, resize_nearest_neighbor) do not: TFLM copies their bytes whatever the
/// quantizations.
pub fn expect_same_quantization(op: &OpContext) -> DiagResult<()> {
    let input = op.operand_type(0);
    let output = op.result_type(0);
    if input.quant != output.quant {
        return Err(op.result_error(
            0,
            format!(
                "result quantization must equal the input's ({}), got {}",
                quant_text(input),
                quant_text(output)
            ),
        ));
    }
    Ok(())
}

fn quant_text(ty: &TensorType) -> String {
    ty.quant
        .as_ref()
        .map_or("none".to_string(), |q| q.to_string())
}

/// Requires an optional i32 bias operand of shape `[channels]` without quantization.
pub fn expect_bias(op: &OpContext, index: usize, channels: usize) -> DiagResult<()> {
    if op.num_operands() <= index {
        return Ok(());
    }
    let ty = op.operand_type(index);
    if ty.element != ElementType::I32 || ty.quant.is_some() {
        return Err(op.operand_error(
            index,
            format!("bias must be an unquantized i32 tensor, got {ty}"),
        ));
    }
    if ty.shape != [channels] {
        return Err(op.operand_error(
            index,
            format!(
                "bias must have shape {channels} (one per output channel), got {}",
                shape_text(&ty.shape)
            ),
        ));
    }
    Ok(())
}

/// Requires an i8 weight operand quantized per tensor or per channel along `axis`, with zero
/// points of 0 when per tensor (TFLite's weights are symmetric).
pub fn expect_weights(op: &OpContext, index: usize, rank: usize, axis: usize) -> DiagResult<()> {
    let ty = op.operand_type(index);
    if ty.element != ElementType::I8 || ty.rank() != rank {
        return Err(op.operand_error(
            index,
            format!("weights must be a rank-{rank} i8 tensor, got {ty}"),
        ));
    }
    match &ty.quant {
        Some(Quantization::PerChannel { axis: a, .. }) if *a != axis => Err(op.operand_error(
            index,
            format!("per-channel weight quantization must be along axis {axis}, got axis {a}"),
        )),
        Some(Quantization::PerTensor { zero_point, .. }) if *zero_point != 0 => Err(op
            .operand_error(
                index,
                format!("weights must be symmetric (zero point 0), got zero point {zero_point}"),
            )),
        None => Err(op.operand_error(index, "weights must be quantized")),
        _ => Ok(()),
    }
}

/// Window geometry of convolutions and pools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub stride: [usize; 2],
    pub dilation: [usize; 2],
    pub padding: Padding,
}

/// Reads `stride`, `dilation` (if `with_dilation`) and `padding`.
pub fn window_attributes(op: &OpContext, with_dilation: bool) -> DiagResult<Window> {
    let stride = positive_pair(op, "stride", None)?;
    let dilation = if with_dilation {
        positive_pair(op, "dilation", Some(vec![1, 1]))?
    } else {
        [1, 1]
    };
    Ok(Window {
        stride,
        dilation,
        padding: padding(op)?,
    })
}

/// The `padding` attribute: `same`, `valid` or `[top, bottom, left, right]`.
pub fn padding(op: &OpContext) -> DiagResult<Padding> {
    if let Some(Attribute::Array(_)) = op.attribute("padding") {
        let amounts = op.int_array_attribute("padding", Some(4), None)?;
        if amounts.iter().any(|&v| !(0..=u16::MAX as i64).contains(&v)) {
            return Err(op.attribute_error(
                "padding",
                "explicit `padding` must hold 4 amounts from 0 to 65535: [top, bottom, left, right]",
            ));
        }
        let a = |i: usize| amounts[i] as usize;
        return Ok(Padding::explicit([a(0), a(1), a(2), a(3)]));
    }
    let keyword = op.keyword_attribute("padding", PADDINGS, None)?;
    Ok(if keyword == "same" {
        Padding::Same
    } else {
        Padding::Valid
    })
}

/// The `padding` attribute value of `padding`.
pub fn padding_attribute(padding: Padding) -> Attribute {
    match padding {
        Padding::Same => Attribute::Keyword("same".to_string()),
        Padding::Valid => Attribute::Keyword("valid".to_string()),
        Padding::Explicit { rows, cols } => Attribute::Array(
            [rows.before, rows.after, cols.before, cols.after]
                .iter()
                .map(|&v| Attribute::Int(v as i64))
                .collect(),
        ),
    }
}

/// A `[h, w]` attribute of positive integers.
pub fn positive_pair(
    op: &OpContext,
    name: &str,
    default: Option<Vec<i64>>,
) -> DiagResult<[usize; 2]> {
    let values = op.int_array_attribute(name, Some(2), default)?;
    if values.iter().any(|&v| v < 1 || v > u32::MAX as i64) {
        return Err(op.attribute_error(
            name,
            format!("attribute `{name}` must hold positive integers"),
        ));
    }
    Ok([values[0] as usize, values[1] as usize])
}

/// Output `[height, width]` of a window op, or an error when the window does not fit.
pub fn window_output(
    op: &OpContext,
    input: &[usize],
    kernel: [usize; 2],
    window: Window,
) -> DiagResult<[usize; 2]> {
    let mut out = [0; 2];
    for axis in 0..2 {
        let padding = window.padding.axis(axis);
        let padded = match padding {
            AxisPadding::Same => usize::MAX,
            AxisPadding::Valid => input[1 + axis],
            AxisPadding::Explicit(a) => input[1 + axis] + a.before + a.after,
        };
        let dilation = window.dilation[axis];
        out[axis] = output_size(
            padding,
            input[1 + axis],
            kernel[axis],
            window.stride[axis],
            dilation,
        );
        if effective_filter_size(kernel[axis], dilation) > padded {
            let scheme = match padding {
                AxisPadding::Explicit(_) => "its explicit padding",
                _ => "valid padding",
            };
            return Err(op.error(format!(
                "window of {}x{} does not fit the {}x{} input with {scheme}",
                kernel[0], kernel[1], input[1], input[2]
            )));
        }
    }
    Ok(out)
}

/// Reads the fused activation (`act`, default none).
pub fn activation(op: &OpContext) -> DiagResult<Activation> {
    let keyword = op.keyword_attribute("act", ACTIVATIONS, Some("none"))?;
    Ok(Activation::from_keyword(keyword).unwrap_or_default())
}

/// The sliding window of a convolution or pool with a `kernel` of `[h, w]`: its `stride`,
/// `dilation` (when `with_dilation`) and `padding` attributes.
pub fn sliding_window(
    op: &OpContext,
    kernel: [usize; 2],
    with_dilation: bool,
) -> DiagResult<SlidingWindow> {
    let window = window_attributes(op, with_dilation)?;
    Ok(SlidingWindow {
        kernel,
        stride: window.stride,
        dilation: window.dilation,
        padding: window.padding,
    })
}

/// The checks of an op with one i8 operand (`input`) and one i8 result of the same shape, both
/// quantized per tensor, whose attributes are among `attributes`.
pub fn verify_unary(op: &OpContext, attributes: &[&str]) -> DiagResult<()> {
    op.expect_operands(1, 1)?;
    op.expect_results(1)?;
    op.expect_attributes(attributes)?;
    expect_activation_operand(op, 0, "input", None)?;
    expect_activation_result(op, 0)?;
    expect_result_shape(op, &op.operand_type(0).shape)
}

/// Requires the result to be quantized exactly as `(scale, zero_point)`, which the op's TFLite
/// kernel fixes (`what` names the op in the message).
pub fn expect_result_quantization(
    op: &OpContext,
    what: &str,
    (scale, zero_point): (f32, i32),
) -> DiagResult<()> {
    if op.result_type(0).per_tensor() != Some((scale, zero_point)) {
        return Err(op.result_error(
            0,
            format!(
                "int8 {what} output must be quantized with scale {scale} and zero point {zero_point}"
            ),
        ));
    }
    Ok(())
}

/// The `(scale, zero_point)` of a tensor quantized per tensor (`(1.0, 0)` for any other, which
/// the verifiers reject).
pub fn quantization(ty: &TensorType) -> (f32, i32) {
    ty.per_tensor().unwrap_or((1.0, 0))
}
