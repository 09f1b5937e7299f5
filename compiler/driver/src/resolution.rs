//! A model at another input resolution: the function's NHWC input gets another height and
//! width and every result shape is derived again, op by op in order, from its operands' new
//! shapes (`OpInterface::result_shape`); the weights do not change. This is what `tmlc fit
//! MODEL --resolutions` re-plans.
//!
//! A model is *fully convolutional* at a resolution when every op whose operands changed can
//! infer its result from them: convolutions, pools, pads, means, transposes, softmax and the
//! elementwise ops can; an op whose result shape is fixed by the IR (reshape, squeeze,
//! fully_connected, resize, strided_slice, ...) stops it, and the error names that op, unless
//! its operands kept their shapes (a classifier after a global pooling). A pool whose window is
//! given by an attribute and covers its whole input plane with valid padding (a 1x1 result) is
//! *global*: its window follows the new plane (a convolution's window is its weights' and never
//! changes). A window that no longer fits a smaller input (a result with a 0 dimension) is an
//! error, and the verifier checks the whole result.

use crate::context;
use tmlc_core::attributes::Attribute;
use tmlc_core::diagnostic::{Diagnostic, ErrorCode};
use tmlc_core::ir::{Module, Value};
use tmlc_core::printer::value_names;
use tmlc_core::verifier::verify_module;
use tmlc_tinyml::ops::common::shape_text;
use tmlc_tinyml::ops::OpView;

/// The input resolution (height, width) of `module`'s entry function: its one rank-4 input.
pub fn input_resolution(module: &Module) -> Result<[usize; 2], Diagnostic> {
    let input = image_input(module)?;
    let shape = &module.functions[0].value_type(input).shape;
    Ok([shape[1], shape[2]])
}

/// The one NHWC (rank-4) parameter of the entry function.
fn image_input(module: &Module) -> Result<Value, Diagnostic> {
    let function = module.functions.first().ok_or_else(|| {
        Diagnostic::new(ErrorCode::UnsupportedModel, "the module has no function")
    })?;
    let images: Vec<Value> = function
        .params
        .iter()
        .copied()
        .filter(|&p| function.value_type(p).shape.len() == 4)
        .collect();
    match images.as_slice() {
        [input] => Ok(*input),
        _ => Err(Diagnostic::new(
            ErrorCode::UnsupportedModel,
            format!(
                "@{}: a model re-planned at other resolutions needs exactly one NHWC (rank-4) \
                 input, this one has {}",
                function.name,
                images.len()
            ),
        )
        .at(function.span)),
    }
}

/// `module` with its input at `resolution` (height, width) and every shape derived again;
/// verified. Errors name the op that cannot follow (at its source location for `.tir` models).
pub fn at_resolution(module: &Module, resolution: [usize; 2]) -> Result<Module, Diagnostic> {
    let [height, width] = resolution;
    let own = input_resolution(module)?;
    let mut out = module.clone();
    let names = value_names(&module.functions[0]);
    let at = format!("at {height}x{width}");
    let input = image_input(module)?;
    let shape = &mut out.functions[0].values[input].ty.shape;
    shape[1] = height;
    shape[2] = width;
    let original = &module.functions[0];
    let body = original.body.ops.clone();
    for (index, op) in body.into_iter().enumerate() {
        let data = &original.ops[op];
        let now = |out: &Module, v: Value| out.functions[0].value_type(v).shape.clone();
        let Some(operand) = data
            .operands
            .iter()
            .position(|&v| now(&out, v) != original.value_type(v).shape)
        else {
            continue;
        };
        if data.name == tmlc_core::ir::RETURN_OP {
            continue;
        }
        let result_name = data
            .results
            .first()
            .map_or(String::new(), |&r| format!(" %{}", names[r]));
        let described = format!(
            "{}{result_name} (op {index} of @{})",
            data.name, original.name
        );
        let stop = |message: String| {
            Diagnostic::new(ErrorCode::UnsupportedModel, message)
                .at(data.span)
                .with_note(format!(
                    "the model is not fully convolutional: it runs at its own resolution, {}x{}, \
                     but this op cannot follow another one",
                    own[0], own[1]
                ))
        };
        if !data.regions.is_empty() || data.results.len() != 1 {
            return Err(stop(format!(
                "{at}: {described} has regions or several results; only plain single-result ops \
                 can be re-shaped"
            )));
        }
        if let Some(window) = global_pool_window(module, &out, op) {
            out.functions[0].ops[op]
                .attributes
                .insert("filter".to_string(), Attribute::int_array(&window));
        }
        let function = &out.functions[0];
        let operands: Vec<&[usize]> = data
            .operands
            .iter()
            .map(|&v| function.value_type(v).shape.as_slice())
            .collect();
        let inferred = OpView::of(&out, function, op)
            .and_then(|view| view.interface().result_shape(&operands));
        let result = data.results[0];
        let Some(shape) = inferred else {
            let input = data.operands[operand];
            return Err(stop(format!(
                "{at}: {described} has a fixed result shape {}, but its operand {operand} is \
                 now {} (was {})",
                shape_text(&original.value_type(result).shape),
                shape_text(&function.value_type(input).shape),
                shape_text(&original.value_type(input).shape)
            ))
            .with_label("this op's result shape does not follow its input"));
        };
        if shape.contains(&0) {
            let input = data.operands[operand];
            return Err(Diagnostic::new(
                ErrorCode::UnsupportedModel,
                format!(
                    "{at}: {described}: its input {} is too small for it (the result would be {})",
                    shape_text(&function.value_type(input).shape),
                    shape_text(&shape)
                ),
            )
            .at(data.span)
            .with_label("its window does not fit the input")
            .with_note(format!(
                "the model's own resolution is {}x{}; ask for a larger one",
                own[0], own[1]
            )));
        }
        out.functions[0].values[result].ty.shape = shape;
    }
    let function = &mut out.functions[0];
    function.result_types = function
        .returned_values()
        .iter()
        .map(|&v| function.value_type(v).clone())
        .collect();
    verify_module(&out, &context()).map_err(|d| {
        let message = format!("{at}: {}", d.message);
        Diagnostic { message, ..d }.with_note(format!(
            "the model's own resolution is {}x{}",
            own[0], own[1]
        ))
    })?;
    Ok(out)
}

/// For a global pool of `out` whose operand changed: the window covering the operand's new
/// plane. A pool is global when its window (the `filter` attribute) covered the original input
/// plane exactly, with valid padding and a 1x1 result.
fn global_pool_window(original: &Module, out: &Module, op: tmlc_core::ir::Op) -> Option<[i64; 2]> {
    let function = &out.functions[0];
    let before = &original.functions[0];
    let data = &function.ops[op];
    if !data.attributes.contains_key("filter") {
        return None;
    }
    let window = OpView::of(out, function, op)?
        .interface()
        .sliding_window()?;
    let result = &before.value_type(*data.results.first()?).shape;
    let was = &before.value_type(*data.operands.first()?).shape;
    let input = &function.value_type(*data.operands.first()?).shape;
    let global = window.padding == tmlc_tinyml::semantics::Padding::Valid
        && window.dilation == [1, 1]
        && result.len() == 4
        && result[1..3] == [1, 1]
        && was.len() == 4
        && window.kernel == [was[1], was[2]]
        && input.len() == 4;
    global.then(|| [input[1] as i64, input[2] as i64])
}
