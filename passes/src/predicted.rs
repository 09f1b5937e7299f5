//! The kernel library's predicted instructions (`tmlc_tinyml::cost`) of a planned function: each
//! op costed with the kernel variant `select-kernels` recorded on it (`mem.kernel`), a patch
//! loop's layers once per patch on the rows and MACs the patch computes, an op with a wide weight
//! layout (`mem.weights = wide`) less that layout's saving (`WeightLayout::saving_per_unit`).
//! The same model `tile` weighs its plans with, summed over the plan the pipeline chose.

use tmlc_core::ir::{Function, Module, Op};
use tmlc_loop::patches::{loop_plan, LayerGeometry};
use tmlc_tinyml::cost::{call_cost, CallCost};
use tmlc_tinyml::OpView;

/// The cost of the kernel `op` runs (its recorded variant), or `None` for ops without a kernel
/// (constants, views).
fn op_cost(module: &Module, function: &Function, op: Op) -> Option<CallCost> {
    let view = OpView::of(module, function, op)?;
    if matches!(view, OpView::Const(_)) {
        return None;
    }
    let variant = tmlc_mem::kernel_variant(&function.ops[op].attributes);
    tmlc_tinyml::kernels::lookup(&view, variant)?;
    Some(call_cost(&view, variant))
}

/// What the op's wide weight layout saves, when `select-kernels` chose it.
fn wide_saving(module: &Module, function: &Function, op: Op, work: u64) -> f64 {
    let attributes = &function.ops[op].attributes;
    if !tmlc_mem::wide_weights(attributes) {
        return 0.0;
    }
    OpView::of(module, function, op)
        .and_then(|view| {
            tmlc_tinyml::kernels::wide_saving(&view, tmlc_mem::kernel_variant(attributes), work)
        })
        .map_or(0.0, |(_, _, saving)| saving)
}

/// Predicted instructions of one run of `function` as planned.
pub fn predicted_instructions(module: &Module, function: &Function) -> f64 {
    let mut total = 0.0;
    for &op in &function.body.ops {
        if let Some(plan) = loop_plan(module, function, op) {
            let cost = |layer: &LayerGeometry| {
                op_cost(module, function, layer.op).unwrap_or(CallCost {
                    per_mac: 2.0,
                    per_row: 20.0,
                    per_call: 100.0,
                })
            };
            total += plan.instructions(&cost).0;
            continue;
        }
        let Some(cost) = op_cost(module, function, op) else {
            continue;
        };
        let Some(&result) = function.ops[op].results.first() else {
            continue;
        };
        let ty = function.value_type(result);
        let rows = if ty.shape.len() == 4 { ty.shape[1] } else { 1 };
        let macs = tmlc_tinyml::macs::op_macs(module, function, op);
        let work = if macs > 0 {
            macs
        } else {
            ty.num_elements() as u64
        };
        total += cost.instructions(rows, work) - wide_saving(module, function, op, work);
    }
    total
}
