//! The memory report behind `tmlc mem` and the fit check of `tmlc compile`: for a planned
//! function, per op the bytes live across it, the arena high-water mark and the buffers involved;
//! in summary the arena (scratch included), the liveness lower bound, the naive sum of all
//! buffers and what TFLite Micro's greedy planner would need for the same buffers.

use crate::alloc::check::recorded_offsets;
use crate::alloc::plain_problem;
use crate::arena::heuristics;
use crate::liveness::{analyze, lower_bound, BufferKind, Liveness};
use cranelift_entity::SecondaryMap;
use serde::Serialize;
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::ir::{Function, Module, Value, ValueDef, RETURN_OP};
use tmlc_core::printer::value_names;

/// One buffer of the plan.
#[derive(Debug, Clone, Serialize)]
pub struct BufferRow {
    /// `%name` of the value (or `scratch of <op>`).
    pub name: String,
    pub kind: &'static str,
    pub offset: usize,
    pub size: usize,
    /// Live over op times `[lower, upper)`; time 0 is before the first op.
    pub lower: usize,
    pub upper: usize,
}

/// One op of the scheduled body.
#[derive(Debug, Clone, Serialize)]
pub struct OpRow {
    pub time: usize,
    pub op: String,
    pub result: String,
    /// Bytes of all buffers live while the op runs, counted as if disjoint (what a placement
    /// without in-place or overlapping execution would need).
    pub live_bytes: usize,
    /// Highest arena byte in use while the op runs.
    pub high_water: usize,
    /// Indices into `buffers` of the buffers live while the op runs.
    pub buffers: Vec<usize>,
}

/// One patch stage of the plan (a `loop.patches` op).
#[derive(Debug, Clone, Serialize)]
pub struct PatchStage {
    pub grid: [usize; 2],
    /// Its bands of rows are streamed (rows kept from band to band, no halo recomputed).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub stream: bool,
    /// The layers it computes patch by patch.
    pub layers: usize,
    pub mac_overhead_percent: i64,
    /// The cost model's predicted extra instructions, when `tile` recorded them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub predicted_overhead_percent: Option<i64>,
}

/// The plan chosen: patch stages and how many ops run each kernel variant.
#[derive(Debug, Clone, Serialize, Default)]
pub struct PlanSummary {
    pub patch_stages: Vec<PatchStage>,
    /// `(variant, ops)`, e.g. `("arm_dsp", 27)`, in order of first appearance.
    pub kernels: Vec<(String, usize)>,
}

/// One stateful op's part of the state section (outside the arena, kept across invocations).
#[derive(Debug, Clone, Serialize)]
pub struct StateRow {
    pub op: String,
    pub result: String,
    pub offset: usize,
    /// The state itself (an LSTM's hidden and cell state) and its kernel's work buffer.
    pub state_bytes: usize,
    pub work_bytes: usize,
}

/// The whole report for one function.
#[derive(Debug, Clone, Serialize)]
pub struct MemoryReport {
    pub function: String,
    pub arena_bytes: usize,
    /// The largest scratch of one op (ops run one at a time, so never more is live at once).
    pub scratch_bytes: usize,
    pub lower_bound_bytes: usize,
    pub naive_bytes: usize,
    pub tflm_greedy_bytes: usize,
    /// With a pipeline that tiles: the arena the same pipeline plans without `tile` (set by
    /// `tmlc mem`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arena_without_tile_bytes: Option<usize>,
    /// Index into `ops` of the op where the high-water mark is highest.
    pub peak_op: Option<usize>,
    pub plan: PlanSummary,
    pub ops: Vec<OpRow>,
    pub buffers: Vec<BufferRow>,
    /// The state section (`tmlc_tinyml::state`): its size and one row per stateful op.
    pub state_section_bytes: usize,
    pub state: Vec<StateRow>,
}

fn buffer_name(
    function: &Function,
    names: &SecondaryMap<Value, String>,
    liveness: &Liveness,
    index: usize,
) -> (String, &'static str) {
    let buffer = &liveness.buffers[index];
    match buffer.kind {
        BufferKind::Scratch(op) => (format!("scratch of {}", function.ops[op].name), "scratch"),
        BufferKind::Values => {
            let names: Vec<String> = buffer
                .values
                .iter()
                .map(|&v| format!("%{}", names[v]))
                .collect();
            let kind = match buffer.values.first().map(|&v| function.values[v].def) {
                Some(ValueDef::Param(_)) => "input",
                _ => "activation",
            };
            (names.join(" = "), kind)
        }
    }
}

/// Builds the report of a planned function (it must carry `mem` attributes; run `alloc` first).
pub fn report(module: &Module, function: &Function) -> DiagResult<MemoryReport> {
    let liveness = analyze(module, function)?;
    let offsets = recorded_offsets(function, &liveness)?;
    let names = value_names(function);
    let buffers: Vec<BufferRow> = liveness
        .buffers
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let (name, kind) = buffer_name(function, &names, &liveness, i);
            BufferRow {
                name,
                kind,
                offset: offsets[i],
                size: b.size,
                lower: b.lower,
                upper: b.upper,
            }
        })
        .collect();
    // The buffers live at each time, by a sweep: those starting join, those ending leave.
    let end = buffers.iter().map(|b| b.upper).max().unwrap_or(0);
    let mut starting = vec![Vec::new(); end + 1];
    let mut ending = vec![Vec::new(); end + 1];
    for (i, b) in buffers.iter().enumerate() {
        if b.lower < b.upper {
            starting[b.lower].push(i);
            ending[b.upper].push(i);
        }
    }
    let mut active = std::collections::BTreeSet::new();
    let mut swept = 0;
    let mut ops = Vec::new();
    for (index, &op) in function.body.ops.iter().enumerate() {
        let time = index + 1;
        while swept <= time.min(end) {
            active.extend(starting[swept].iter().copied());
            for i in &ending[swept] {
                active.remove(i);
            }
            swept += 1;
        }
        let data = &function.ops[op];
        if data.name == RETURN_OP || crate::liveness::is_constant(module, function, op) {
            continue;
        }
        let live: Vec<usize> = active.iter().copied().collect();
        ops.push(OpRow {
            time,
            op: data.name.clone(),
            result: data
                .results
                .first()
                .map(|&r| format!("%{}", names[r]))
                .unwrap_or_default(),
            live_bytes: live.iter().map(|&i| buffers[i].size).sum(),
            high_water: live
                .iter()
                .map(|&i| buffers[i].offset + buffers[i].size)
                .max()
                .unwrap_or(0),
            buffers: live,
        });
    }
    let peak_op = (0..ops.len()).max_by_key(|&i| (ops[i].high_water, std::cmp::Reverse(i)));
    let problem = plain_problem(&liveness, 1);
    let layout = tmlc_tinyml::state::StateLayout::of(module, function);
    let state = layout
        .slots
        .iter()
        .map(|slot| StateRow {
            op: function.ops[slot.op].name.clone(),
            result: function.ops[slot.op]
                .results
                .first()
                .map(|&r| format!("%{}", names[r]))
                .unwrap_or_default(),
            offset: slot.offset,
            state_bytes: slot.reset.len(),
            work_bytes: slot.work_bytes,
        })
        .collect();
    Ok(MemoryReport {
        function: function.name.clone(),
        arena_bytes: tmlc_mem::arena_size(function).unwrap_or(0),
        // One op runs at a time: the largest scratch is what the arena holds for scratch at once.
        scratch_bytes: buffers
            .iter()
            .filter(|b| b.kind == "scratch")
            .map(|b| b.size)
            .max()
            .unwrap_or(0),
        lower_bound_bytes: lower_bound(&liveness.buffers),
        naive_bytes: buffers.iter().map(|b| b.size).sum(),
        tflm_greedy_bytes: heuristics::tflm_greedy(&problem).peak as usize,
        arena_without_tile_bytes: None,
        peak_op,
        plan: plan_summary(module, function),
        state_section_bytes: layout.size,
        state,
        ops,
        buffers,
    })
}

/// The patch stages and kernel variants of a planned function.
fn plan_summary(module: &Module, function: &Function) -> PlanSummary {
    let int = |op: tmlc_core::ir::Op, key: &str| match function.ops[op].attributes.get(key) {
        Some(tmlc_core::attributes::Attribute::Int(v)) => Some(*v),
        _ => None,
    };
    let mut summary = PlanSummary::default();
    for op in function.walk() {
        if let Some(plan) = tmlc_loop::patches::loop_plan(module, function, op) {
            summary.patch_stages.push(PatchStage {
                grid: tmlc_loop::patches::loop_grid(function, op).unwrap_or([1, 1]),
                stream: plan.row_buffers.is_some(),
                layers: plan.layers.len(),
                mac_overhead_percent: int(op, "mac_overhead_percent").unwrap_or(0),
                predicted_overhead_percent: int(op, "predicted_overhead_percent"),
            });
            continue;
        }
        if tmlc_tinyml::OpView::of(module, function, op).is_none_or(|view| {
            tmlc_tinyml::kernels::lookup(&view, tmlc_core::target::KernelVariant::Portable)
                .is_none()
        }) {
            continue;
        }
        let variant = tmlc_mem::kernel_variant(&function.ops[op].attributes).name();
        match summary.kernels.iter_mut().find(|(v, _)| v == variant) {
            Some((_, count)) => *count += 1,
            None => summary.kernels.push((variant.to_string(), 1)),
        }
    }
    summary
}
