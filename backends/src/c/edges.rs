//! The edges of a generated model: its inputs and outputs as the C API shows them. Each edge has
//! its C element type (`int8_t`, or `float` for a model's float32 edges), its place in the arena
//! and its size; the API gets one pointer per edge (`input`, `output` when there is one of each;
//! `input0`, `input1`, ... otherwise), one zero-copy accessor per edge (`tmlc_<model>_output()`
//! for the first, `tmlc_<model>_output1()` ... for the others) and size macros. Raw files hold
//! the edges' bytes concatenated in graph order.

use std::collections::HashSet;
use tmlc_core::ir::{Function, Module, Op, Value};
use tmlc_core::types::{ElementType, TensorType};
use tmlc_tinyml::OpView;

/// Which side of the model an edge is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Input,
    Output,
}

impl Side {
    fn word(self) -> &'static str {
        match self {
            Side::Input => "input",
            Side::Output => "output",
        }
    }
}

/// One input or output of the model.
#[derive(Debug, Clone)]
pub struct Edge {
    pub side: Side,
    /// Position among the edges of its side.
    pub index: usize,
    /// How many edges its side has.
    pub count: usize,
    pub ty: TensorType,
    /// The arena address, as an `int8_t *` C expression over the arena's base `arena`.
    pub pointer: String,
}

impl Edge {
    /// `int8_t` or `float`.
    pub fn c_type(&self) -> &'static str {
        match self.ty.element {
            ElementType::F32 => "float",
            ElementType::I32 => "int32_t",
            ElementType::I8 => "int8_t",
        }
    }

    pub fn bytes(&self) -> usize {
        self.ty.byte_size()
    }

    /// The parameter name in `invoke`: `input`, or `input1` when the side has several edges.
    pub fn parameter(&self) -> String {
        if self.count == 1 {
            self.side.word().to_string()
        } else {
            format!("{}{}", self.side.word(), self.index)
        }
    }

    /// The zero-copy accessor: `tmlc_<model>_input` for the first edge, `..._input1` after.
    pub fn accessor(&self, model: &str) -> String {
        if self.index == 0 {
            format!("tmlc_{model}_{}", self.side.word())
        } else {
            format!("tmlc_{model}_{}{}", self.side.word(), self.index)
        }
    }

    /// The macro of the edge's size: the side's total when it has one edge.
    pub fn size_macro(&self, prefix: &str) -> String {
        let word = self.side.word().to_ascii_uppercase();
        if self.count == 1 {
            format!("{prefix}_{word}_SIZE")
        } else {
            format!("{prefix}_{word}{}_SIZE", self.index)
        }
    }

    /// The accessor's body expression, typed.
    fn typed_pointer(&self) -> String {
        match self.ty.element {
            ElementType::I8 => self.pointer.clone(),
            _ => format!("({} *)(void *)({})", self.c_type(), self.pointer),
        }
    }
}

/// The size macro of every edge, when its side has several (one edge: the side's total).
pub fn size_macros(prefix: &str, inputs: &[Edge], outputs: &[Edge]) -> String {
    let mut out = String::new();
    for edges in [inputs, outputs] {
        if edges.len() > 1 {
            for edge in edges {
                out.push_str(&format!(
                    "#define {} {}\n",
                    edge.size_macro(prefix),
                    edge.bytes()
                ));
            }
        }
    }
    out
}

/// `int tmlc_<model>_invoke(const int8_t *input, int8_t *output)`, one pointer per edge.
pub fn invoke_signature(model: &str, inputs: &[Edge], outputs: &[Edge]) -> String {
    let parameters: Vec<String> = inputs
        .iter()
        .map(|e| format!("const {} *{}", e.c_type(), e.parameter()))
        .chain(
            outputs
                .iter()
                .map(|e| format!("{} *{}", e.c_type(), e.parameter())),
        )
        .collect();
    format!("int tmlc_{model}_invoke({})", parameters.join(", "))
}

/// The accessor declarations, one line each.
pub fn accessor_declarations(model: &str, edges: &[Edge]) -> String {
    edges
        .iter()
        .map(|e| format!("{} *{}(void);\n", e.c_type(), e.accessor(model)))
        .collect()
}

/// The declarations of the accessors into a caller-supplied arena (`..._input_with_arena`).
pub fn arena_accessor_declarations(model: &str, edges: &[Edge]) -> String {
    edges
        .iter()
        .map(|e| {
            format!(
                "{} *{}_with_arena(void *arena);\n",
                e.c_type(),
                e.accessor(model)
            )
        })
        .collect()
}

/// The accessor definitions: each edge's place in a caller-supplied arena
/// (`..._with_arena(void *arena)`, where `arena` is the `int8_t *` the edge pointers use).
pub fn accessor_definitions(model: &str, edges: &[Edge]) -> String {
    edges
        .iter()
        .map(|e| {
            format!(
                "{} *{}_with_arena(void *memory) {{\n    int8_t *arena = (int8_t *)memory;\n    return {};\n}}\n\n",
                e.c_type(),
                e.accessor(model),
                e.typed_pointer()
            )
        })
        .collect()
}

/// The accessors into the static arena `static_arena`, which call the `_with_arena` ones.
pub fn static_accessor_definitions(model: &str, edges: &[Edge], static_arena: &str) -> String {
    edges
        .iter()
        .map(|e| {
            format!(
                "{} *{name}(void) {{\n    return {name}_with_arena({static_arena});\n}}\n\n",
                e.c_type(),
                name = e.accessor(model),
            )
        })
        .collect()
}

/// The body of `invoke_with_arena` (the arena is `memory`): copy every input in, run, copy
/// every output out.
pub fn invoke_body(model: &str, prefix: &str, inputs: &[Edge], outputs: &[Edge]) -> String {
    let mut out = String::new();
    for edge in inputs {
        out.push_str(&format!(
            "    memmove({}_with_arena(memory), {}, {});\n",
            edge.accessor(model),
            edge.parameter(),
            edge.size_macro(prefix)
        ));
    }
    out.push_str(&format!("    tmlc_{model}_run_with_arena(memory);\n"));
    for edge in outputs {
        out.push_str(&format!(
            "    memmove({}, {}_with_arena(memory), {});\n",
            edge.parameter(),
            edge.accessor(model),
            edge.size_macro(prefix)
        ));
    }
    out
}

/// The parameter names of `invoke`, in order (`input, output`).
pub fn invoke_arguments(inputs: &[Edge], outputs: &[Edge]) -> String {
    inputs
        .iter()
        .chain(outputs)
        .map(Edge::parameter)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `int8` or `float32`, for the header's one-line description.
fn element_word(ty: &TensorType) -> &'static str {
    match ty.element {
        ElementType::I8 => "int8",
        ElementType::I32 => "int32",
        ElementType::F32 => "float32",
    }
}

/// The header's description of the edges.
pub fn description(name: &str, inputs: &[Edge], outputs: &[Edge]) -> String {
    if let ([input], [output]) = (inputs, outputs) {
        return format!(
            "One inference of {name}: {} input of {}, {} output of {}.",
            element_word(&input.ty),
            input.ty,
            element_word(&output.ty),
            output.ty
        );
    }
    let list = |edges: &[Edge]| -> String {
        edges
            .iter()
            .map(|e| format!("{} ({})", e.parameter(), e.ty))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "One inference of {name}.\n * Inputs: {}.\n * Outputs, in this order in raw files: {}.",
        list(inputs),
        list(outputs)
    )
}

/// The QUANTIZE ops right after float32 inputs and the DEQUANTIZE ops right before float32
/// outputs, which `run_int8` skips; empty when there is no int8 view of every edge (a float op
/// behind the DEQUANTIZE, as LeNet's log-softmax) or when skipping them would be wrong (an op
/// after a skipped DEQUANTIZE writes over the int8 tensor it reads).
pub fn float_edge_ops(module: &Module, function: &Function) -> HashSet<Op> {
    let uses = function.use_counts();
    let mut ops = HashSet::new();
    for &op in &function.body.ops {
        let data = &function.ops[op];
        let view = OpView::of(module, function, op);
        let feeds_from_input = matches!(view, Some(OpView::Quantize(_)))
            && function.params.contains(&data.operands[0]);
        let feeds_output = matches!(view, Some(OpView::Dequantize(_)))
            && uses[data.results[0]] == 1
            && function.returned_values().contains(&data.results[0]);
        if feeds_from_input || feeds_output {
            ops.insert(op);
        }
    }
    let is_float = |v: &Value| function.value_type(*v).element == ElementType::F32;
    let inputs_covered = function.params.iter().filter(|v| is_float(v)).all(|&p| {
        ops.iter()
            .any(|&op| function.ops[op].operands.first() == Some(&p))
    });
    let outputs_covered = function
        .returned_values()
        .iter()
        .filter(|v| is_float(v))
        .all(|&v| function.defining_op(v).is_some_and(|op| ops.contains(&op)));
    if !inputs_covered || !outputs_covered {
        return HashSet::new();
    }
    let written = |op: Op| -> Vec<(usize, usize)> {
        let data = &function.ops[op];
        let mut regions = Vec::new();
        if let Some(offset) = tmlc_mem::read(&data.attributes, tmlc_mem::OFFSET) {
            let bytes = data
                .results
                .first()
                .map_or(0, |&r| function.value_type(r).byte_size());
            regions.push((offset, offset + bytes));
        }
        if let (Some(offset), Some(bytes)) = (
            tmlc_mem::read(&data.attributes, tmlc_mem::SCRATCH_OFFSET),
            tmlc_mem::read(&data.attributes, tmlc_mem::SCRATCH_SIZE),
        ) {
            regions.push((offset, offset + bytes));
        }
        regions
    };
    for (position, &op) in function.body.ops.iter().enumerate() {
        if !ops.contains(&op)
            || !matches!(
                OpView::of(module, function, op),
                Some(OpView::Dequantize(_))
            )
        {
            continue;
        }
        let int8 = function.ops[op].operands[0];
        let Some(start) = tmlc_mem::value_offset(function, int8) else {
            return HashSet::new();
        };
        let end = start + function.value_type(int8).byte_size();
        let clobbered = function.body.ops[position + 1..]
            .iter()
            .filter(|later| !ops.contains(later))
            .flat_map(|&later| written(later))
            .any(|(a, b)| a < end && start < b);
        if clobbered {
            return HashSet::new();
        }
    }
    ops
}

/// The int8 tensor of a float edge: the QUANTIZE result of an input, the DEQUANTIZE operand of
/// an output (`None` for an int8 edge or when `run_int8` is not offered).
pub fn int8_view(
    module: &Module,
    function: &Function,
    value: Value,
    edge_ops: &HashSet<Op>,
) -> Option<Value> {
    if let Some(op) = function.defining_op(value) {
        return edge_ops.contains(&op).then(|| function.ops[op].operands[0]);
    }
    function.body.ops.iter().find_map(|&op| {
        let data = &function.ops[op];
        (edge_ops.contains(&op)
            && data.operands.first() == Some(&value)
            && matches!(OpView::of(module, function, op), Some(OpView::Quantize(_))))
        .then(|| data.results[0])
    })
}

fn int8_accessor(edge: &Edge, model: &str) -> String {
    format!("{}_int8", edge.accessor(model))
}

/// The declarations of the int8 edges' accessors, static and caller-supplied arena.
pub fn int8_accessor_declarations(model: &str, edges: &[Edge]) -> String {
    edges
        .iter()
        .map(|e| format!("int8_t *{}(void);\n", int8_accessor(e, model)))
        .chain(edges.iter().map(|e| {
            format!(
                "int8_t *{}_with_arena(void *arena);\n",
                int8_accessor(e, model)
            )
        }))
        .collect()
}

/// The definitions of the int8 edges' accessors into a caller-supplied arena.
pub fn int8_accessor_definitions(model: &str, edges: &[Edge]) -> String {
    edges
        .iter()
        .map(|e| {
            format!(
                "int8_t *{}_with_arena(void *memory) {{\n    int8_t *arena = (int8_t *)memory;\n    return {};\n}}\n\n",
                int8_accessor(e, model),
                e.pointer
            )
        })
        .collect()
}

/// The int8 edges' accessors into the static arena.
pub fn int8_static_accessor_definitions(model: &str, edges: &[Edge], static_arena: &str) -> String {
    edges
        .iter()
        .map(|e| {
            format!(
                "int8_t *{name}(void) {{\n    return {name}_with_arena({static_arena});\n}}\n\n",
                name = int8_accessor(e, model),
            )
        })
        .collect()
}

/// `_ELEMENTS` and `_TYPE` (the C element type the API's pointer has) of every edge.
pub fn element_macros(prefix: &str, edges: &[Edge]) -> String {
    let mut out = String::new();
    for edge in edges {
        let name = edge.size_macro(prefix);
        let name = name.trim_end_matches("_SIZE");
        out.push_str(&format!(
            "#define {name}_ELEMENTS {}\n#define {name}_TYPE {}\n",
            edge.ty.num_elements(),
            edge.c_type()
        ));
    }
    out
}

/// `_SHAPE`, and for quantized edges `_SCALE` and `_ZERO_POINT`, of every edge.
pub fn quantization_macros(prefix: &str, edges: &[Edge]) -> String {
    let mut out = String::new();
    for edge in edges {
        let name = edge.size_macro(prefix);
        let name = name.trim_end_matches("_SIZE");
        let dims: Vec<String> = edge.ty.shape.iter().map(|d| d.to_string()).collect();
        out.push_str(&format!("#define {name}_SHAPE {{{}}}\n", dims.join(", ")));
        if let Some((scale, zero_point)) = edge.ty.per_tensor() {
            out.push_str(&format!(
                "#define {name}_SCALE {}\n#define {name}_ZERO_POINT {zero_point}\n",
                super::layers::float_literal(scale)
            ));
        }
    }
    out
}
