//! The `.tir` printer. Output parses back to the same IR, and printing that again gives the same
//! text (the round-trip invariant). Values keep their names unless the name is a number or
//! clashes; numbered values are renumbered `%0, %1, ...` in order of definition.

use crate::attributes::Attributes;
use crate::ir::{Function, Module, Op, Region, Value};
use cranelift_entity::SecondaryMap;
use std::collections::HashSet;
use std::fmt::Write;

/// Prints a whole module, resources included.
pub fn print_module(module: &Module) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "module @{} {{", module.name);
    for function in &module.functions {
        print_function(&mut out, function);
    }
    out.push_str("}\n");
    if !module.resources.is_empty() {
        out.push_str("resources {\n");
        for resource in &module.resources {
            let _ = write!(out, "  {} = \"0x", resource.name);
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.reserve(resource.data.len() * 2);
            for &byte in &resource.data {
                out.push(HEX[(byte >> 4) as usize] as char);
                out.push(HEX[(byte & 15) as usize] as char);
            }
            out.push_str("\",\n");
        }
        out.push_str("}\n");
    }
    out
}

/// The names the printer gives every reachable value (without `%`): parameters and region
/// arguments keep theirs, results keep non-numeric names, the rest are numbered.
pub fn value_names(function: &Function) -> SecondaryMap<Value, String> {
    let mut names = SecondaryMap::new();
    let mut taken = HashSet::new();
    let mut counter = 0usize;
    let mut name_value = |value: Value, names: &mut SecondaryMap<Value, String>| {
        let hint = function.values[value].name.as_deref();
        let keep = hint.filter(|h| !h.is_empty() && !h.bytes().all(|b| b.is_ascii_digit()));
        let mut name = match keep {
            Some(hint) => hint.to_string(),
            None => {
                while taken.contains(&counter.to_string()) {
                    counter += 1;
                }
                counter += 1;
                (counter - 1).to_string()
            }
        };
        if taken.contains(&name) {
            let base = name.clone();
            let mut suffix = 1;
            while taken.contains(&name) {
                name = format!("{base}_{suffix}");
                suffix += 1;
            }
        }
        taken.insert(name.clone());
        names[value] = name;
    };
    // Parameters and named results first, so numbering cannot steal a kept name.
    for &param in &function.params {
        name_value(param, &mut names);
    }
    for op in function.walk() {
        for region in &function.ops[op].regions {
            for &argument in &region.arguments {
                name_value(argument, &mut names);
            }
        }
        for &result in &function.ops[op].results {
            name_value(result, &mut names);
        }
    }
    names
}

fn print_function(out: &mut String, function: &Function) {
    let names = value_names(function);
    let _ = write!(out, "  func @{}(", function.name);
    for (i, &param) in function.params.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "%{}: {}", names[param], function.values[param].ty);
        if let Some(attributes) = function.param_attributes.get(i) {
            print_attributes(out, attributes);
        }
    }
    out.push(')');
    match function.result_types.as_slice() {
        [] => {}
        [single] => {
            let _ = write!(out, " -> {single}");
        }
        many => {
            out.push_str(" -> (");
            for (i, ty) in many.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "{ty}");
            }
            out.push(')');
        }
    }
    if !function.attributes.is_empty() {
        out.push_str(" attributes");
        print_attributes(out, &function.attributes);
    }
    out.push_str(" {\n");
    print_ops(out, function, &function.body, &names, 2);
    out.push_str("  }\n");
}

fn print_ops(
    out: &mut String,
    function: &Function,
    region: &Region,
    names: &SecondaryMap<Value, String>,
    depth: usize,
) {
    for &op in &region.ops {
        print_op(out, function, op, names, depth);
    }
}

fn print_op(
    out: &mut String,
    function: &Function,
    op: Op,
    names: &SecondaryMap<Value, String>,
    depth: usize,
) {
    let data = &function.ops[op];
    let indent = "  ".repeat(depth);
    out.push_str(&indent);
    if !data.results.is_empty() {
        let results: Vec<String> = data
            .results
            .iter()
            .map(|&r| format!("%{}", names[r]))
            .collect();
        let _ = write!(out, "{} = ", results.join(", "));
    }
    out.push_str(&data.name);
    if !data.operands.is_empty() {
        let operands: Vec<String> = data
            .operands
            .iter()
            .map(|&v| format!("%{}", names[v]))
            .collect();
        let _ = write!(out, " {}", operands.join(", "));
    }
    print_attributes(out, &data.attributes);
    if !data.results.is_empty() {
        let types: Vec<String> = data
            .results
            .iter()
            .map(|&r| function.values[r].ty.to_string())
            .collect();
        let _ = write!(out, " : {}", types.join(", "));
    }
    for region in &data.regions {
        out.push_str(" {\n");
        if !region.arguments.is_empty() {
            let arguments: Vec<String> = region
                .arguments
                .iter()
                .map(|&a| format!("%{}: {}", names[a], function.values[a].ty))
                .collect();
            let _ = writeln!(out, "{indent}^({}):", arguments.join(", "));
        }
        print_ops(out, function, region, names, depth + 1);
        out.push_str(&indent);
        out.push('}');
    }
    out.push('\n');
}

fn print_attributes(out: &mut String, attributes: &Attributes) {
    if attributes.is_empty() {
        return;
    }
    let items: Vec<String> = attributes
        .iter()
        .map(|(key, value)| format!("{key} = {value}"))
        .collect();
    let _ = write!(out, " {{{}}}", items.join(", "));
}
