//! The generated code's layers as a list: for every layer (every `_LAYER_BEGIN` / `_END` pair of
//! the run function, in order) its op, output shape, MACs and kernel variant. A Cortex-M project
//! keeps it in `tmlc-project.json`, and `tmlc sim --profile` labels its per-layer instruction
//! counts with it.
//!
//! A patch loop (`loop.patches`) is one layer: its op is `patches`, `body` names the ops inside
//! (constants aside),
//! its MACs are theirs summed (over the whole output, without the halo the patches recompute), and
//! its kernel is the variant its body runs (`mixed` when the body runs several).

use serde::{Deserialize, Serialize};
use tmlc_core::ir::{Function, Module, Op};
use tmlc_tinyml::macs::op_macs;
use tmlc_tinyml::OpView;

/// One layer of the generated code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layer {
    /// The hook index, from 0.
    pub index: usize,
    /// The op without its dialect (`conv2d`, `patches`).
    pub op: String,
    /// The ops inside a patch loop, in order; empty for any other layer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub body: Vec<String>,
    /// The output tensor's shape.
    pub shape: Vec<usize>,
    pub macs: u64,
    /// `portable`, `arm_dsp` or, for a patch loop running several, `mixed`.
    pub kernel: String,
}

impl Layer {
    /// The shape as the IR writes it: `1x48x48x8`.
    pub fn shape_text(&self) -> String {
        let dims: Vec<String> = self.shape.iter().map(|d| d.to_string()).collect();
        dims.join("x")
    }
}

/// An op's name without its dialect: `tinyml.conv2d` -> `conv2d`.
pub fn short_name(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

/// The layer that top-level op `op` of `function` becomes, numbered `index`.
pub fn describe(module: &Module, function: &Function, op: Op, index: usize) -> Layer {
    let data = &function.ops[op];
    let inner: Vec<Op> = data
        .regions
        .iter()
        .flat_map(|region| tmlc_loop::body(region).iter().copied())
        .filter(|&o| !matches!(OpView::of(module, function, o), Some(OpView::Const(_))))
        .collect();
    let computing = if inner.is_empty() {
        vec![op]
    } else {
        inner.clone()
    };
    let mut kernels: Vec<&'static str> = computing
        .iter()
        .map(|&o| tmlc_mem::kernel_variant(&function.ops[o].attributes).name())
        .collect();
    kernels.sort_unstable();
    kernels.dedup();
    let kernel = match kernels[..] {
        [one] => one.to_string(),
        _ => "mixed".to_string(),
    };
    Layer {
        index,
        op: short_name(&data.name).to_string(),
        body: inner
            .iter()
            .map(|&o| short_name(&function.ops[o].name).to_string())
            .collect(),
        shape: data
            .results
            .first()
            .map(|&r| function.value_type(r).shape.clone())
            .unwrap_or_default(),
        macs: computing
            .iter()
            .map(|&o| op_macs(module, function, o))
            .sum(),
        kernel,
    }
}
