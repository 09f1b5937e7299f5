//! The generated model: `<model>.h` (the API and sizes as macros) and `<model>.c` (weights as
//! `const` arrays, per-layer constant tables, the arena, one kernel call per layer).

use super::api::{self, ApiOptions};
use super::edges::{
    accessor_declarations, accessor_definitions, arena_accessor_declarations, description,
    element_macros, float_edge_ops, int8_accessor_declarations, int8_accessor_definitions,
    int8_static_accessor_definitions, int8_view, invoke_arguments, invoke_body, invoke_signature,
    quantization_macros, size_macros, static_accessor_definitions, Edge, Side,
};
use super::layer_list::{self, Layer};
use super::layers::{emit_layer, raw_constant_operands, ValueNames};
use super::state::{StatePlan, StateSource};
use super::writer::{c_array, int8_array, CWriter};
use cranelift_entity::SecondaryMap;
use tmlc_core::diagnostic::{DiagResult, Diagnostic, ErrorCode};
use tmlc_core::dialect::OpContext;
use tmlc_core::ir::{Function, Module, Value, RETURN_OP};
use tmlc_core::target::KernelVariant;
use tmlc_core::types::ElementType;
use tmlc_tinyml::OpView;

/// A C identifier made from any name.
pub fn c_identifier(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let identifier = match cleaned.chars().next() {
        Some(c) if c.is_ascii_alphabetic() => cleaned,
        _ => format!("m_{cleaned}"),
    };
    // `<model>.c` and `<model>.h` sit beside the project's own files: a model called `main` (or
    // `tmlc_board`) would overwrite the harness (or the board header).
    if RESERVED.contains(&identifier.as_str()) {
        format!("{identifier}_model")
    } else {
        identifier
    }
}

/// Names of files the projects generate besides the model's.
const RESERVED: &[&str] = &[
    "main",
    "tmlc_board",
    "startup",
    "semihosting",
    "markers",
    "profile_markers",
];

/// The generated sources and the facts the rest of the project needs.
pub struct GeneratedModel {
    pub header: String,
    pub source: String,
    pub inputs: Vec<Edge>,
    pub outputs: Vec<Edge>,
    pub input_size: usize,
    pub output_size: usize,
    pub arena_size: usize,
    pub weight_bytes: usize,
    /// Bytes of the state buffer (0 for a model without stateful ops).
    pub state_size: usize,
    /// The layers of the run function, in hook order.
    pub layers: Vec<Layer>,
}

struct Names {
    pointers: SecondaryMap<Value, String>,
}

impl ValueNames for Names {
    fn pointer(&self, value: Value) -> String {
        self.pointers[value].clone()
    }
}

fn plan_missing(what: String) -> Diagnostic {
    Diagnostic::new(ErrorCode::PassFailed, what)
        .with_note("the C backend reads the memory plan from the IR: run the `alloc` pass last")
}

/// Generates `<model>.h` and `<model>.c` for the module's `@main`.
pub fn generate_model(
    module: &Module,
    model: &str,
    options: &ApiOptions,
) -> DiagResult<GeneratedModel> {
    generate(module, model, options, false)
}

/// The bytes of weights and constant tables [`generate_model`] would count, without writing
/// the tables' text (the most of its time): the same errors, the same count.
pub fn weight_bytes(module: &Module, model: &str, options: &ApiOptions) -> DiagResult<usize> {
    generate(module, model, options, true).map(|generated| generated.weight_bytes)
}

/// [`generate_model`]; `measuring`: without the tables' text.
fn generate(
    module: &Module,
    model: &str,
    options: &ApiOptions,
    measuring: bool,
) -> DiagResult<GeneratedModel> {
    let function = module
        .function("main")
        .or(module.functions.first())
        .ok_or_else(|| Diagnostic::new(ErrorCode::PassFailed, "the module has no function"))?;
    if function.params.is_empty() || function.result_types.is_empty() {
        return Err(Diagnostic::new(
            ErrorCode::PassFailed,
            format!(
                "the C backend compiles functions with inputs and outputs; @{} has {} and {}",
                function.name,
                function.params.len(),
                function.result_types.len()
            ),
        ));
    }
    let arena_size = tmlc_mem::arena_size(function)
        .ok_or_else(|| plan_missing(format!("@{} has no `mem.arena_size`", function.name)))?;
    let macro_prefix = format!("TMLC_{}", model.to_ascii_uppercase());
    let mut writer = CWriter {
        measuring,
        hook_prefix: macro_prefix.clone(),
        ..CWriter::default()
    };
    let mut names = Names {
        pointers: SecondaryMap::new(),
    };
    let mut weight_bytes = 0;
    let mut emitted_resources = std::collections::HashSet::new();
    let arena_pointer = |function: &Function, value: Value| -> DiagResult<String> {
        let offset = tmlc_mem::value_offset(function, value)
            .ok_or_else(|| plan_missing(format!("value {value} has no `mem.offset`")))?;
        if offset + function.value_type(value).byte_size() > arena_size {
            return Err(plan_missing(format!(
                "value {value} at offset {offset} does not fit the {arena_size}-byte arena"
            )));
        }
        Ok(format!("arena + {offset}"))
    };
    for &param in &function.params {
        names.pointers[param] = arena_pointer(function, param)?;
    }
    let mut layer = 0;
    let mut layers = Vec::new();
    // Constants some call reads directly; the others (weights the DSP kernels take packed) are
    // not emitted, so that no unused array is left in the C.
    let mut raw_constants = std::collections::HashSet::new();
    for op in function.walk() {
        let context = OpContext {
            module,
            function,
            op,
        };
        for index in raw_constant_operands(&context) {
            raw_constants.insert(function.ops[op].operands[index]);
        }
    }
    let edge_ops = float_edge_ops(module, function);
    let mut int8_body = String::new();
    for &op in &function.body.ops {
        let data = &function.ops[op];
        if data.name == RETURN_OP {
            continue;
        }
        let result = data.results[0];
        if let Some(OpView::Const(constant)) = OpView::of(module, function, op) {
            if !raw_constants.contains(&result) {
                continue;
            }
            let resource = constant.resource.as_str();
            let array = format!("w_{}", c_identifier(resource));
            if emitted_resources.insert(resource.to_string()) {
                let bytes = module.resource(resource).map_or(&[][..], |r| &r.data[..]);
                weight_bytes += bytes.len();
                writer.table(&format!(
                    "/* {resource}: {} */\n",
                    function.value_type(result)
                ));
                match function.value_type(result).element {
                    ElementType::I8 if writer.measuring => {}
                    ElementType::I8 => int8_array(&mut writer.tables, &array, bytes),
                    ElementType::F32 => writer.table_with(|| {
                        c_array(
                            "float",
                            &array,
                            bytes.chunks_exact(4).map(|c| {
                                super::layers::float_literal(f32::from_le_bytes([
                                    c[0], c[1], c[2], c[3],
                                ]))
                            }),
                        )
                    }),
                    ElementType::I32 => writer.table_with(|| {
                        c_array(
                            "int32_t",
                            &array,
                            bytes
                                .chunks_exact(4)
                                .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]])),
                        )
                    }),
                }
            }
            names.pointers[result] = array;
            continue;
        }
        names.pointers[result] = arena_pointer(function, result)?;
        let start = writer.body.len();
        let hook_name = layer_list::short_name(&data.name).to_string();
        layers.push(layer_list::describe(module, function, op, layer));
        writer.body_line(&api::layer_hook(&macro_prefix, "BEGIN", layer, &hook_name));
        emit_layer(
            &OpContext {
                module,
                function,
                op,
            },
            layer,
            &names,
            &mut writer,
        )?;
        writer.body_line(&api::layer_hook(&macro_prefix, "END", layer, &hook_name));
        if !edge_ops.contains(&op) {
            int8_body.push_str(&writer.body[start..]);
        }
        layer += 1;
    }
    weight_bytes += writer.constant_bytes;
    // Every op, those inside patch loops too (a model whose only Arm kernels run per patch).
    let uses = |wanted: KernelVariant| {
        function
            .walk()
            .into_iter()
            .any(|op| tmlc_mem::kernel_variant(&function.ops[op].attributes) == wanted)
    };
    let mut arm_include = String::new();
    if uses(KernelVariant::ArmDsp) {
        arm_include.push_str("#include \"tmlc/kernels_arm.h\"\n");
    }
    if uses(KernelVariant::ArmMve) {
        arm_include.push_str("#include \"tmlc/kernels_mve.h\"\n");
    }
    let edges = |side: Side, values: &[Value]| -> Vec<Edge> {
        values
            .iter()
            .enumerate()
            .map(|(index, &value)| Edge {
                side,
                index,
                count: values.len(),
                ty: function.value_type(value).clone(),
                pointer: names.pointers[value].clone(),
            })
            .collect()
    };
    let inputs = edges(Side::Input, &function.params);
    let outputs = edges(Side::Output, function.returned_values());
    if outputs.iter().any(|e| !e.pointer.starts_with("arena")) {
        return Err(Diagnostic::new(
            ErrorCode::PassFailed,
            "the model returns a constant; nothing to compute",
        ));
    }
    let int8_edge = |edge: &Edge, value: Value| -> Edge {
        match int8_view(module, function, value, &edge_ops) {
            Some(int8) => Edge {
                ty: function.value_type(int8).clone(),
                pointer: names.pointers[int8].clone(),
                ..edge.clone()
            },
            None => edge.clone(),
        }
    };
    let int8_inputs: Vec<Edge> = inputs
        .iter()
        .zip(&function.params)
        .map(|(e, &v)| int8_edge(e, v))
        .collect();
    let int8_outputs: Vec<Edge> = outputs
        .iter()
        .zip(function.returned_values())
        .map(|(e, &v)| int8_edge(e, v))
        .collect();
    let int8_api = if edge_ops.is_empty() {
        String::new()
    } else {
        let declarations = format!(
            "{}{}",
            int8_accessor_declarations(model, &int8_inputs),
            int8_accessor_declarations(model, &int8_outputs)
        );
        format!(
            "/* The int8 edges, to skip the float conversion: write the int8 input at\n \
             * tmlc_{model}_input_int8(), call tmlc_{model}_run_int8(), read the int8 output at\n \
             * tmlc_{model}_output_int8() (quantized as the _SCALE and _ZERO_POINT macros say);\n \
             * the _with_arena forms do the same in a caller-supplied arena. */\n\
             {declarations}int tmlc_{model}_run_int8(void);\n\
             int tmlc_{model}_run_int8_with_arena(void *arena);\n\n"
        )
    };
    let int8_definitions = if edge_ops.is_empty() {
        String::new()
    } else {
        format!(
            "{}{}int tmlc_{model}_run_int8_with_arena(void *memory) {{\n    int8_t *arena = (int8_t *)memory;\n{}{int8_body}    return 0;\n}}\n\n",
            int8_accessor_definitions(model, &int8_inputs),
            int8_accessor_definitions(model, &int8_outputs),
            StatePlan::of(module, function).run_prologue(model),
        )
    };
    let static_arena = format!("tmlc_{model}_arena.bytes");
    let int8_static_definitions = if edge_ops.is_empty() {
        String::new()
    } else {
        format!(
            "{}{}int tmlc_{model}_run_int8(void) {{\n    return tmlc_{model}_run_int8_with_arena({static_arena});\n}}\n\n",
            int8_static_accessor_definitions(model, &int8_inputs, &static_arena),
            int8_static_accessor_definitions(model, &int8_outputs, &static_arena),
        )
    };
    let edge_quantization = format!(
        "{}{}{}{}",
        element_macros(&macro_prefix, &inputs),
        element_macros(&macro_prefix, &outputs),
        quantization_macros(&macro_prefix, &int8_inputs),
        quantization_macros(&macro_prefix, &int8_outputs)
    );
    let input_size: usize = inputs.iter().map(Edge::bytes).sum();
    let output_size: usize = outputs.iter().map(Edge::bytes).sum();
    let edge_sizes = size_macros(&macro_prefix, &inputs, &outputs);
    let invoke = invoke_signature(model, &inputs, &outputs);
    let accessors = format!(
        "{}{}",
        accessor_declarations(model, &inputs),
        accessor_declarations(model, &outputs)
    );
    let arena_accessors = format!(
        "{}{}",
        arena_accessor_declarations(model, &inputs),
        arena_accessor_declarations(model, &outputs)
    );
    let invoke_with_arena = api::with_arena_signature(&invoke, "arena");
    let provenance = options.provenance.macros(&macro_prefix, model);
    let alignment = options.arena_alignment;
    let state = StatePlan::of(module, function);
    let state_api = state.header(model, &macro_prefix);
    let header = format!(
        "/* The API of module @{name}.\n * {description} */\n\
         #ifndef {macro_prefix}_MODEL_H\n#define {macro_prefix}_MODEL_H\n\n#include <stdint.h>\n\n\
         #ifdef __cplusplus\nextern \"C\" {{\n#endif\n\n\
         {provenance}\
         /* Bytes of the arena holding every activation (scratch included), and the alignment\n \
         * its start needs: the static one, or one the caller supplies to the _with_arena API. */\n\
         #define {macro_prefix}_ARENA_SIZE {arena_size}\n\
         #define {macro_prefix}_ARENA_ALIGNMENT {alignment}\n\
         #define {macro_prefix}_INPUT_SIZE {input_size}\n\
         #define {macro_prefix}_OUTPUT_SIZE {output_size}\n\
         {edge_sizes}\
         /* Bytes of constant weights and biases (flash). */\n\
         #define {macro_prefix}_WEIGHT_SIZE {weight_bytes}\n\
         /* Each edge's element count, C type and shape, and its int8 quantization (for a float32\n \
         * edge, that of the int8 tensor it is quantized to or dequantized from):\n \
         * real = scale * (q - zero point). */\n\
         {edge_quantization}\n\
         /* Copies the input in, runs one inference, copies the output out. Returns 0. */\n\
         {invoke};\n\n\
         /* Zero-copy use: write the input at tmlc_{model}_input(), call tmlc_{model}_run(), read\n \
         * the output at tmlc_{model}_output(). Both point into the arena, which run() reuses. */\n\
         {accessors}\
         int tmlc_{model}_run(void);\n\n\
         /* The same in an arena the caller supplies ({macro_prefix}_ARENA_SIZE bytes whose start is\n \
         * aligned to {macro_prefix}_ARENA_ALIGNMENT, in any RAM: a DTCM, a linker section, the\n \
         * heap). Build the library with -D{macro_prefix}_NO_STATIC_ARENA to leave the static\n \
         * arena and the functions above out. */\n\
         {invoke_with_arena};\n\
         {arena_accessors}\
         int tmlc_{model}_run_with_arena(void *arena);\n\n\
         {state_api}\
         {hooks_doc}\
         {int8_api}\
         #ifdef __cplusplus\n}}\n#endif\n\n#endif /* {macro_prefix}_MODEL_H */\n",
        name = module.name,
        description = description(&module.name, &inputs, &outputs),
        hooks_doc = api::hooks_documentation(&macro_prefix),
    );
    let prefix = format!(
        "/* The layers of module @{name}, one kernel call each. */\n\
         #include \"{model}.h\"\n\n#include <stddef.h>\n#include <string.h>\n\n#include \"tmlc/kernels.h\"\n{arm_include}\n\
         {hooks}\n\
         /* ---- constants (flash) ---- */\n\n",
        name = module.name,
        hooks = api::hooks_defaults(&macro_prefix),
    );
    let suffix = format!(
        "\n\
         /* ---- the arena (SRAM): every activation lives at the offset the planner chose from\n \
         * `arena`, the caller's or the static one ---- */\n\n\
         {state_definitions}{input_accessors}{output_accessors}\
         int tmlc_{model}_run_with_arena(void *memory) {{\n    int8_t *arena = (int8_t *)memory;\n{prologue}{body}    return 0;\n}}\n\n\
         {int8_definitions}\
         {invoke_definition} {{\n{invoke_body}    return 0;\n}}\n\n\
         #ifndef {macro_prefix}_NO_STATIC_ARENA\n\
         #ifndef {macro_prefix}_ARENA_ATTRIBUTES\n\
         /* Define it to place the static arena: __attribute__((section(\".ccm\"))), say. */\n\
         #define {macro_prefix}_ARENA_ATTRIBUTES\n\
         #endif\n\n\
         static union {{\n    int8_t bytes[{macro_prefix}_ARENA_SIZE];\n    int32_t align;\n}} tmlc_{model}_arena {macro_prefix}_ARENA_ATTRIBUTES;\n\n\
         {static_input_accessors}{static_output_accessors}\
         int tmlc_{model}_run(void) {{\n    return tmlc_{model}_run_with_arena({static_arena});\n}}\n\n\
         {int8_static_definitions}\
         {invoke} {{\n    return tmlc_{model}_invoke_with_arena({static_arena}, {arguments});\n}}\n\
         #endif /* {macro_prefix}_NO_STATIC_ARENA */\n",
        input_accessors = accessor_definitions(model, &inputs),
        output_accessors = accessor_definitions(model, &outputs),
        static_input_accessors = static_accessor_definitions(model, &inputs, &static_arena),
        static_output_accessors = static_accessor_definitions(model, &outputs, &static_arena),
        body = writer.body,
        state_definitions = state.definitions(model, &macro_prefix),
        prologue = state.run_prologue(model),
        invoke_body = invoke_body(model, &macro_prefix, &inputs, &outputs),
        arguments = invoke_arguments(&inputs, &outputs),
        invoke_definition = api::with_arena_signature(&invoke, "memory"),
    );
    // The tables (the weights: most of the file) become the source in place, not copied.
    let mut source = std::mem::take(&mut writer.tables);
    source.reserve_exact(prefix.len() + suffix.len());
    source.insert_str(0, &prefix);
    source.push_str(&suffix);
    Ok(GeneratedModel {
        header,
        source,
        inputs,
        outputs,
        input_size,
        output_size,
        arena_size,
        weight_bytes,
        state_size: state.size,
        layers,
    })
}
