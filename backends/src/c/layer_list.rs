//! The generated code's layers as a list: for every layer (every `_LAYER_BEGIN` / `_END` pair of
//! the run function, in order) its op, output shape, MACs and kernel variant. A Cortex-M project
//! keeps it in `tmlc-project.json`, and `tmlc sim --profile` labels its per-layer instruction
//! counts with it.
//!
//! A patch loop (`loop.patches`) is one layer: its op is `patches`, `body` names the ops inside
//! (constants aside),
//! its MACs are theirs summed (over the whole output, without the halo the patches recompute), and
//! its kernel is the variant its body runs (`mixed` when the body runs several). Its `parts` are
//! the body ops one by one and `patches` the number of patches: the profile build's step hooks
//! split the loop into segments ([`Layer::segments`]) that count each op and the copies apart.

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
    /// A patch loop's body ops (constants aside), in order; empty for any other layer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Part>,
    /// A patch loop's number of patches; 0 for any other layer (and in a project from a tmlc
    /// without step hooks).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub patches: usize,
}

/// One body op of a patch loop: its op, whole output shape, MACs (without the halo) and kernel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    pub op: String,
    pub shape: Vec<usize>,
    pub macs: u64,
    pub kernel: String,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Layer {
    /// The shape as the IR writes it: `1x48x48x8`.
    pub fn shape_text(&self) -> String {
        let dims: Vec<String> = self.shape.iter().map(|d| d.to_string()).collect();
        dims.join("x")
    }

    /// The marker pairs the profile build counts for this layer: one, or for a patch loop with
    /// step hooks the copy-in of the first patch, then per patch each body op and the copies
    /// after it (copy-out, and the next patch's copy-in).
    pub fn segments(&self) -> usize {
        if self.patches == 0 || self.parts.is_empty() {
            1
        } else {
            1 + self.patches * (self.parts.len() + 1)
        }
    }

    /// Which part segment `segment` (of [`Layer::segments`]) counts: `Some(k)` body op k, `None`
    /// the copies and the loop.
    pub fn segment_part(&self, segment: usize) -> Option<usize> {
        if self.segments() == 1 || segment == 0 {
            return None;
        }
        let k = (segment - 1) % (self.parts.len() + 1);
        (k < self.parts.len()).then_some(k)
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
    let variant = |o: Op| tmlc_mem::kernel_variant(&function.ops[o].attributes).name();
    let mut kernels: Vec<&'static str> = computing.iter().map(|&o| variant(o)).collect();
    kernels.sort_unstable();
    kernels.dedup();
    let kernel = match kernels[..] {
        [one] => one.to_string(),
        _ => "mixed".to_string(),
    };
    let result_shape = |o: Op| {
        function.ops[o]
            .results
            .first()
            .map(|&r| function.value_type(r).shape.clone())
            .unwrap_or_default()
    };
    let parts = inner
        .iter()
        .map(|&o| Part {
            op: short_name(&function.ops[o].name).to_string(),
            shape: result_shape(o),
            macs: op_macs(module, function, o),
            kernel: variant(o).to_string(),
        })
        .collect();
    let patches =
        tmlc_loop::patches::loop_plan(module, function, op).map_or(0, |p| p.patches.len());
    Layer {
        index,
        op: short_name(&data.name).to_string(),
        body: inner
            .iter()
            .map(|&o| short_name(&function.ops[o].name).to_string())
            .collect(),
        shape: result_shape(op),
        macs: computing
            .iter()
            .map(|&o| op_macs(module, function, o))
            .sum(),
        kernel,
        parts,
        patches,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(op: &str) -> Part {
        Part {
            op: op.to_string(),
            shape: vec![1, 4, 4, 8],
            macs: 100,
            kernel: "arm_dsp".to_string(),
        }
    }

    #[test]
    fn a_patch_loop_is_counted_in_segments_per_body_op_and_copies() {
        let mut layer = Layer {
            index: 0,
            op: "patches".to_string(),
            body: vec!["conv2d".to_string(), "depthwise_conv2d".to_string()],
            shape: vec![1, 4, 4, 8],
            macs: 200,
            kernel: "arm_dsp".to_string(),
            parts: vec![part("conv2d"), part("depthwise_conv2d")],
            patches: 3,
        };
        // copy-in, then per patch: op 0, op 1, copies.
        assert_eq!(layer.segments(), 1 + 3 * 3);
        let parts: Vec<Option<usize>> = (0..layer.segments())
            .map(|s| layer.segment_part(s))
            .collect();
        assert_eq!(
            parts,
            [
                None,
                Some(0),
                Some(1),
                None,
                Some(0),
                Some(1),
                None,
                Some(0),
                Some(1),
                None
            ]
        );
        // A project from a tmlc without step hooks: one segment.
        layer.patches = 0;
        assert_eq!(layer.segments(), 1);
        assert_eq!(layer.segment_part(0), None);
    }
}
