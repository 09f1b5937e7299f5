//! The reference interpreter: runs a verified tinyml function op by op with the reference
//! semantics (`semantics`), bit-exact with TFLite Micro. It is the oracle every pass and backend
//! is checked against. An observer sees every op's output (for `--dump-dir` and layer-by-layer
//! conformance). The state of stateful ops (an LSTM's hidden and cell state) lives in a
//! [`ModelState`] that a caller keeps from one invocation to the next ([`run_with_state`]);
//! [`run`] starts from the reset state.

use crate::ops::OpView;
use crate::tensor::Operands;
pub use crate::tensor::TensorData;
use cranelift_entity::SecondaryMap;
use tmlc_core::diagnostic::{DiagResult, Diagnostic, ErrorCode};
use tmlc_core::dialect::OpContext;
use tmlc_core::ir::{Function, Module, Op, Value, RETURN_OP};

/// The state of every stateful op of a model between invocations, as the op's `OpState` bytes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ModelState {
    states: std::collections::BTreeMap<Op, Vec<u8>>,
}

impl ModelState {
    /// Every stateful op of `@main` (or the only function) at its reset state.
    pub fn reset(module: &Module) -> ModelState {
        let mut states = std::collections::BTreeMap::new();
        if let Some(function) = main_function(module) {
            for op in function.walk() {
                if let Some(state) =
                    OpView::of(module, function, op).and_then(|v| v.interface().state())
                {
                    states.insert(op, state.reset);
                }
            }
        }
        ModelState { states }
    }

    /// The state of `op`, if it is stateful.
    pub fn get(&self, op: Op) -> Option<&[u8]> {
        self.states.get(&op).map(Vec::as_slice)
    }

    /// Whether the model has any stateful op.
    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
    }
}

fn main_function(module: &Module) -> Option<&Function> {
    module.function("main").or_else(|| module.functions.first())
}

/// Runs `@main` (or the only function) on its inputs (one per parameter, of its element type and
/// size) and returns the outputs. The
/// observer is called after every op other than constants, with its index among those ops.
pub fn run(
    module: &Module,
    inputs: &[TensorData],
    observer: &mut dyn FnMut(usize, Op, &TensorData),
) -> DiagResult<Vec<TensorData>> {
    run_with_state(module, inputs, &mut ModelState::reset(module), observer)
}

/// [`run`] from `state`, which the stateful ops update: the next call continues where this one
/// ended (a stream of frames).
pub fn run_with_state(
    module: &Module,
    inputs: &[TensorData],
    state: &mut ModelState,
    observer: &mut dyn FnMut(usize, Op, &TensorData),
) -> DiagResult<Vec<TensorData>> {
    let function =
        main_function(module).ok_or_else(|| runtime("the module has no function to run"))?;
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
            evaluate(module, function, op, &values, state.states.get_mut(&op))?
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
        let output = evaluate(module, function, inner, values, None)?;
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
    state: Option<&mut Vec<u8>>,
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
    let operands = Operands {
        op: context,
        data: operands,
    };
    match state {
        Some(state) => view.interface().evaluate_with_state(&operands, state),
        None => view.interface().evaluate(&operands),
    }
}
