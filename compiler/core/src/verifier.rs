//! The verifier: structural checks the core owns (types well-formed, operands defined before use,
//! one `return` ending each function with the declared types), then each op's own verifier from
//! its dialect. Runs after parsing and after every pass.

use crate::attributes::Attribute;
use crate::diagnostic::{DiagResult, Diagnostic, ErrorCode};
use crate::dialect::{is_dialect_attribute, Context, OpContext};
use crate::ir::{Function, Module, Op, Region, Value, RETURN_OP};
use crate::span::Span;
use crate::types::{ElementType, Quantization, TensorType};
use std::collections::HashSet;

/// Verifies the whole module; the first error wins.
pub fn verify_module(module: &Module, context: &Context) -> DiagResult<()> {
    for function in &module.functions {
        verify_function(module, function, context)?;
    }
    Ok(())
}

fn structure(message: impl Into<String>, span: Span) -> Diagnostic {
    Diagnostic::new(ErrorCode::InvalidStructure, message).at(span)
}

/// Checks that a tensor type is well-formed: quantization only on i8, sane scales and zero
/// points, a per-channel axis inside the shape with one scale per channel.
pub fn verify_type(ty: &TensorType, span: Span) -> DiagResult<()> {
    let invalid = |message: String| {
        Diagnostic::new(ErrorCode::InvalidStructure, message)
            .at(span)
            .with_label("invalid type")
    };
    if ty.shape.contains(&0) {
        return Err(invalid(format!("tensor type {ty} has a zero dimension")));
    }
    if ty
        .shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .is_none_or(|n| n > 1 << 31)
    {
        return Err(invalid(format!(
            "tensor type {ty} has more than 2^31 elements"
        )));
    }
    let Some(quant) = &ty.quant else {
        return Ok(());
    };
    if ty.element != ElementType::I8 {
        return Err(invalid(format!(
            "only i8 tensors are quantized, found quantization on {}",
            ty.element.name()
        )));
    }
    let check_scale = |scale: f32| {
        if !(scale.is_finite() && scale > 0.0) {
            Err(invalid(format!(
                "quantization scale must be positive and finite (per-channel scales may be negative), got {scale:?}"
            )))
        } else {
            Ok(())
        }
    };
    match quant {
        Quantization::PerTensor { scale, zero_point } => {
            check_scale(*scale)?;
            if !(-128..=127).contains(zero_point) {
                return Err(invalid(format!(
                    "zero point {zero_point} is outside the i8 range [-128, 127]"
                )));
            }
        }
        Quantization::PerChannel { scales, axis } => {
            let Some(&channels) = ty.shape.get(*axis) else {
                return Err(invalid(format!(
                    "quantization axis {axis} is out of range for a rank-{} tensor",
                    ty.rank()
                )));
            };
            if scales.len() != channels {
                return Err(invalid(format!(
                    "{} per-channel scales for {channels} channels along axis {axis}",
                    scales.len()
                )));
            }
            // Per-channel (weight) scales may be negative: TFLite Micro then computes the
            // channel with a negative multiplier (an MCUNet ImageNet model has such channels).
            scales.iter().try_for_each(|&s| check_scale(s.abs()))?;
        }
    }
    Ok(())
}

/// Checks attributes that must all be dialect attributes (on functions and parameters).
fn verify_dialect_attributes<'a>(
    context: &Context,
    attributes: impl Iterator<Item = (&'a String, &'a Attribute)>,
    span_of: impl Fn(&str) -> Span,
) -> DiagResult<()> {
    for (key, value) in attributes {
        if let Err(message) = context.verify_attribute(key, value) {
            return Err(Diagnostic::new(ErrorCode::InvalidStructure, message)
                .at(span_of(key))
                .with_label("invalid attribute"));
        }
    }
    Ok(())
}

fn verify_function(module: &Module, function: &Function, context: &Context) -> DiagResult<()> {
    for (index, &param) in function.params.iter().enumerate() {
        verify_type(&function.values[param].ty, function.values[param].span)?;
        if let Some(attributes) = function.param_attributes.get(index) {
            verify_dialect_attributes(context, attributes.iter(), |_| function.values[param].span)?;
        }
    }
    verify_dialect_attributes(context, function.attributes.iter(), |key| {
        function
            .attribute_spans
            .iter()
            .find(|(k, _)| k == key)
            .map_or(function.span, |(_, span)| *span)
    })?;
    for (ty, span) in function.result_types.iter().zip(
        function
            .result_type_spans
            .iter()
            .copied()
            .chain(std::iter::repeat(function.span)),
    ) {
        verify_type(ty, span)?;
    }
    let Some(return_op) = function.return_op() else {
        let span = function
            .body
            .ops
            .last()
            .map_or(function.span, |&op| function.ops[op].span);
        return Err(structure(
            format!("function @{} must end with `return`", function.name),
            span,
        )
        .with_label("last op of the body"));
    };
    let mut defined: HashSet<Value> = function.params.iter().copied().collect();
    verify_region(
        module,
        function,
        context,
        &function.body,
        &mut defined,
        true,
    )?;

    let returned = &function.ops[return_op];
    if returned.operands.len() != function.result_types.len() {
        return Err(structure(
            format!(
                "`return` has {} operand(s) but @{} returns {} value(s)",
                returned.operands.len(),
                function.name,
                function.result_types.len()
            ),
            returned.span,
        ));
    }
    for (index, (&value, expected)) in returned
        .operands
        .iter()
        .zip(&function.result_types)
        .enumerate()
    {
        let actual = function.value_type(value);
        if actual != expected {
            let span = returned
                .spans
                .operands
                .get(index)
                .copied()
                .unwrap_or(returned.span);
            return Err(structure(
                format!(
                    "returned value {index} has type {actual}, but the function returns {expected}"
                ),
                span,
            )
            .with_label("type mismatch"));
        }
    }
    Ok(())
}

fn verify_region(
    module: &Module,
    function: &Function,
    context: &Context,
    region: &Region,
    defined: &mut HashSet<Value>,
    is_body: bool,
) -> DiagResult<()> {
    for &argument in &region.arguments {
        verify_type(
            &function.values[argument].ty,
            function.values[argument].span,
        )?;
        defined.insert(argument);
    }
    for (position, &op) in region.ops.iter().enumerate() {
        let data = &function.ops[op];
        for (index, operand) in data.operands.iter().enumerate() {
            if !defined.contains(operand) {
                let span = data.spans.operands.get(index).copied().unwrap_or(data.span);
                return Err(Diagnostic::new(
                    ErrorCode::UndefinedName,
                    format!(
                        "operand {index} of '{}' is used before it is defined",
                        data.name
                    ),
                )
                .at(span));
            }
        }
        if data.name == RETURN_OP {
            if !is_body || position + 1 != region.ops.len() {
                return Err(structure(
                    "`return` must be the last op of a function body",
                    data.span,
                ));
            }
            if !data.results.is_empty() || !data.regions.is_empty() || !data.attributes.is_empty() {
                return Err(structure("`return` takes only operands", data.span));
            }
            continue;
        }
        verify_op(module, function, context, op)?;
        for nested in &data.regions {
            verify_region(module, function, context, nested, defined, false)?;
        }
        for (index, &result) in data.results.iter().enumerate() {
            let span = data
                .spans
                .result_types
                .get(index)
                .copied()
                .unwrap_or(data.span);
            verify_type(&function.values[result].ty, span)?;
            defined.insert(result);
        }
    }
    Ok(())
}

fn verify_op(module: &Module, function: &Function, context: &Context, op: Op) -> DiagResult<()> {
    let data = &function.ops[op];
    let Some(definition) = context.op(&data.name) else {
        let span = if data.spans.name.is_none() {
            data.span
        } else {
            data.spans.name
        };
        let dialect = data.name.split('.').next().unwrap_or("");
        let same_dialect: Vec<&str> = context
            .ops()
            .map(|d| d.name())
            .filter(|n| n.starts_with(&format!("{dialect}.")))
            .collect();
        let mut diagnostic =
            Diagnostic::new(ErrorCode::UnknownOp, format!("unknown op `{}`", data.name))
                .at(span)
                .with_label("no registered dialect defines this op");
        if !same_dialect.is_empty() {
            diagnostic = diagnostic.with_note(format!(
                "ops of dialect `{dialect}`: {}",
                same_dialect.join(", ")
            ));
        }
        return Err(diagnostic);
    };
    let view = OpContext {
        module,
        function,
        op,
    };
    for (key, value) in &data.attributes {
        if is_dialect_attribute(key) {
            if let Err(message) = context.verify_attribute(key, value) {
                return Err(view.attribute_error(key, message));
            }
        }
    }
    if data.regions.len() != definition.regions() {
        return Err(view.error(format!(
            "takes {} region(s), got {}",
            definition.regions(),
            data.regions.len()
        )));
    }
    definition.verify(&view)
}
