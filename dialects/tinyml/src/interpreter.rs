//! The reference interpreter: runs a verified tinyml function op by op with the reference
//! semantics (`semantics`), bit-exact with TFLite Micro. It is the oracle every pass and backend
//! is checked against. An observer sees every op's output (for `--dump-dir` and layer-by-layer
//! conformance).

use crate::ops::OpView;
use crate::tensor::Operands;
pub use crate::tensor::TensorData;
use cranelift_entity::SecondaryMap;
use tmlc_core::diagnostic::{DiagResult, Diagnostic, ErrorCode};
use tmlc_core::dialect::OpContext;
use tmlc_core::ir::{Function, Module, Op, Value, RETURN_OP};

/// Runs `@main` (or the only function) on its inputs (one per parameter, of its element type and
/// size) and returns the outputs. The
/// observer is called after every op other than constants, with its index among those ops.
pub fn run(
    module: &Module,
    inputs: &[TensorData],
    observer: &mut dyn FnMut(usize, Op, &TensorData),
) -> DiagResult<Vec<TensorData>> {
    let function = module
        .function("main")
        .or_else(|| module.functions.first())
        .ok_or_else(|| runtime("the module has no function to run"))?;
    if inputs.len() != function.params.len() {
        return Err(runtime(format!(
            "@{} takes {} input(s), got {}",
            function.name,
            function.params.len(),
            inputs.len()
        )));
    }
    let mut values: SecondaryMap<Value, Option<TensorData>> = SecondaryMap::new();
    for (index, (&param, input)) in function.params.iter().zip(inputs).enumerate() {
        let ty = function.value_type(param);
        if input.element() != ty.element || input.len() != ty.num_elements() {
            return Err(runtime(format!(
                "input {index} must hold {} {} values for {ty}, got {} {}",
                ty.num_elements(),
                ty.element.name(),
                input.len(),
                input.element().name()
            )));
        }
        values[param] = Some(input.clone());
    }
    let mut executed = 0;
    for &op in &function.body.ops {
        let data = &function.ops[op];
        if data.name == RETURN_OP {
            return data
                .operands
                .iter()
                .map(|&v| {
                    values[v]
                        .clone()
                        .ok_or_else(|| runtime("returned value was never computed"))
                })
                .collect();
        }
        let output = if data.regions.is_empty() {
            evaluate(module, function, op, &values)?
        } else {
            evaluate_region(module, function, op, &mut values)?
        };
        if !matches!(OpView::of(module, function, op), Some(OpView::Const(_))) {
            observer(executed, op, &output);
            executed += 1;
        }
        values[data.results[0]] = Some(output);
    }
    Err(runtime("the function has no `return`"))
}

/// An op with a region (a patch loop): the region's arguments take the op's operands, its ops
/// run in order, and the value its terminator yields is the op's result. A patch loop means its
/// body computed over the whole input, so this is its reference semantics.
fn evaluate_region(
    module: &Module,
    function: &Function,
    op: Op,
    values: &mut SecondaryMap<Value, Option<TensorData>>,
) -> DiagResult<TensorData> {
    let data = &function.ops[op];
    let [region] = data.regions.as_slice() else {
        return Err(runtime(format!(
            "the interpreter cannot run '{}'",
            data.name
        )));
    };
    for (&argument, &operand) in region.arguments.iter().zip(&data.operands) {
        values[argument] = values[operand].clone();
    }
    for (position, &inner) in region.ops.iter().enumerate() {
        let inner_data = &function.ops[inner];
        if position + 1 == region.ops.len() {
            let yielded = inner_data.operands.first().and_then(|&v| values[v].clone());
            return yielded.ok_or_else(|| runtime(format!("'{}' yields nothing", data.name)));
        }
        let output = evaluate(module, function, inner, values)?;
        values[inner_data.results[0]] = Some(output);
    }
    Err(runtime(format!("'{}' has an empty region", data.name)))
}

fn runtime(message: impl Into<String>) -> Diagnostic {
    Diagnostic::new(ErrorCode::Runtime, message)
}

fn evaluate(
    module: &Module,
    function: &Function,
    op: Op,
    values: &SecondaryMap<Value, Option<TensorData>>,
) -> DiagResult<TensorData> {
    let context = OpContext {
        module,
        function,
        op,
    };
    let data = &function.ops[op];
    let view = match OpView::decode(&context) {
        Some(view) => view?,
        None => {
            return Err(runtime(format!(
                "the interpreter cannot run '{}'",
                data.name
            )))
        }
    };
    let operands = data
        .operands
        .iter()
        .map(|&v| values[v].as_ref())
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| {
            runtime(format!(
                "'{}' reads a value that was never computed",
                data.name
            ))
        })?;
    view.interface().evaluate(&Operands {
        op: context,
        data: operands,
    })
}
