//! `tile`: patch-based execution of the first layers (MCUNetV2). The first `split` layers of the
//! network, a chain of window and elementwise ops, become one `loop.patches` op computed output
//! patch by output patch on a `patches = NxM` grid, each patch from the input region it needs,
//! halo included; only patch-sized intermediate tensors are ever live.
//!
//! Matches: a chain of int8 ops, each a sliding window or elementwise on one operand
//! (`tmlc_loop::patches::layer_geometry` asks the interfaces); batch 1; each result used only by
//! the next layer. Fixed plans take the chain at the function's input; the search also tries the
//! chains holding the ops where the most bytes are live (after a skip branch, for instance),
//! near-square and per-axis grids (one column fewer), and makes stage after stage (each
//! search sees the stages before it; the budgets are shared). Needs: the final
//! op order (after `schedule`, before `inplace` and `alloc`). Preserves: what is computed (the
//! loop's meaning is its body; the backends compute the same bytes patch by patch). Records the
//! plan on the op: `grid`, `mac_overhead_percent`, and `mem.scratch_size` (the patch buffer region).
//!
//! A streamed stage (`stream = true`, bands of full-width rows; `tmlc_loop::patches::stream_plan`)
//! recomputes no halo: each layer keeps the rows the next one still needs. The search tries
//! streamed bands beside the grids.
//!
//! Options: `patches=NxM` and `split=K` fix the plan (`stream=true` with `patches=Nx1` streams
//! it). Without them (or with `max-sram=BYTES`)
//! the pass searches split and grid for the smallest arena (as
//! `inplace,select-kernels,alloc` would plan it for the target) whose extra MACs (recomputed
//! halos, in percent of the whole network's MACs) stay within `mac-budget` percent (default 15)
//! and whose extra instructions, predicted by the kernel library's cost model
//! (`tmlc_tinyml::cost`: per MAC, per output row and per call of the kernel variant the target
//! runs, so that many small patches cost what they cost the DSP kernels), stay within
//! `cost-budget` percent of the network's predicted instructions (default 10, shared by the
//! stages), each stage saving at least `saving-per-cost` percent of the arena per percent of
//! its predicted extra instructions (default 1). With `max-sram`
//! (bytes, or `target`: the target's SRAM less the least stack) the objective is speed within an
//! SRAM budget: the function untiled when its arena fits, otherwise, among plans whose arena fits
//! (any predicted cost), the one with the fewest predicted extra instructions, and the smallest
//! arena when none fits.
//! When no plan beats the untiled arena the IR is left unchanged. The chosen plan's predicted
//! overhead is recorded as `predicted_overhead_percent`. The search is bounded so that it stays
//! linear in the size of the function: it tries splits up to [`MAX_SPLIT`] layers, and plans
//! each candidate's arena on the head of the function, its first [`SEARCH_OPS`] ops with every
//! value used later kept live to the end (the whole function when it is shorter, as every real
//! model is); patches pay off in the first layers.

use crate::alloc::plan_function;
use crate::liveness::{analyze, is_constant};
use crate::select_kernels::SelectKernels;
use std::collections::HashSet;
use std::time::Duration;
use tmlc_core::attributes::{Attribute, Attributes};
use tmlc_core::diagnostic::{DiagResult, Diagnostic, ErrorCode};
use tmlc_core::dialect::Context;
use tmlc_core::ir::{Module, OpData, Region, Value, ValueDef, RETURN_OP};
use tmlc_core::pass::{Pass, PassInfo, PassOption, PassOptions};
use tmlc_core::target::{KernelVariant, Target};
use tmlc_loop::patches::{
    layer_geometry, plan, stream_plan, streams_below, streams_in_place, LayerGeometry, PatchPlan,
};
use tmlc_tinyml::cost::{call_cost, CallCost};
use tmlc_tinyml::{kernels, OpView};

/// The deepest split the search tries.
pub const MAX_SPLIT: usize = 32;

/// The most patch stages the search makes in one function.
pub const MAX_STAGES: usize = 4;

/// How many of the times where the most bytes are live give the search a chain to try.
pub const PEAK_CHAINS: usize = 2;

/// Ops of the head of a function on which candidate plans are compared.
pub const SEARCH_OPS: usize = 4096;

/// How much a candidate plan is preferred; smaller is better (compared lexicographically).
type Preference = (u8, u64, u64);

/// The shape of a stage's loop: its grid, and whether its bands of rows are streamed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Shape {
    grid: [usize; 2],
    stream: bool,
}

impl Shape {
    /// The loop's plan for `layers`; `None` when a streamed one cannot be made. A streamed plan
    /// saves the row buffer of every layer it can: in place where the layer is in `in_place`
    /// (its op and kernel can run over their input) and `streams_in_place` allows it, else with
    /// its output below its input (`streams_below`: the target's kernels walk rows in
    /// increasing order), never two neighbours.
    fn plan(&self, layers: &[LayerGeometry], in_place: &[usize]) -> Option<PatchPlan> {
        if !self.stream {
            return Some(plan(layers, self.grid));
        }
        let base = stream_plan(layers, self.grid[0], &[], &[])?;
        let (mut chosen, mut below): (Vec<usize>, Vec<usize>) = (Vec::new(), Vec::new());
        for k in 1..layers.len() {
            if chosen.contains(&(k - 1)) || below.contains(&(k - 1)) {
                continue;
            }
            if in_place.contains(&k) && streams_in_place(layers, &base.patches, k) {
                chosen.push(k);
            } else if streams_below(layers, &base.patches, k).is_some() {
                below.push(k);
            }
        }
        if chosen.is_empty() && below.is_empty() {
            return Some(base);
        }
        stream_plan(layers, self.grid[0], &chosen, &below).or(Some(base))
    }
}

pub struct Tile {
    grid: Option<[usize; 2]>,
    split: Option<usize>,
    /// The fixed plan streams its bands (`tmlc_loop::patches::stream_plan`).
    stream: bool,
    max_sram: Option<usize>,
    mac_budget: usize,
    cost_budget: usize,
    /// Percent of the arena a stage must save per percent of predicted extra instructions.
    saving_per_cost: usize,
    /// The target's arena alignment, with which candidate plans are sized.
    alignment: usize,
    /// Chooses the target's kernels (and their scratch) in candidate plans, as the pipeline
    /// will after `tile`.
    kernels: SelectKernels,
}

fn option_error(options: &PassOptions, key: &str, message: String) -> Diagnostic {
    let diagnostic = Diagnostic::new(ErrorCode::InvalidPipeline, message);
    match options.values.get(key) {
        Some((_, span)) => diagnostic.at(*span),
        None => diagnostic,
    }
}

pub fn info() -> PassInfo {
    PassInfo {
        name: "tile",
        summary: "compute the first layers patch by patch (MCUNetV2) to shrink the arena",
        options: &[
            PassOption {
                name: "patches",
                help: "the output grid, NxM (with split)",
            },
            PassOption {
                name: "split",
                help: "how many leading layers the patches compute",
            },
            PassOption {
                name: "stream",
                help: "with patches=Nx1: stream the N bands of rows (each layer keeps the rows the next needs; no halo recomputed, no copies)",
            },
            PassOption {
                name: "max-sram",
                help: "search: the fewest predicted extra instructions whose arena fits BYTES, or `target` (the target's SRAM less the least stack); untiled when that fits",
            },
            PassOption {
                name: "mac-budget",
                help: "search: extra MACs allowed, in percent (default 15)",
            },
            PassOption {
                name: "cost-budget",
                help: "search: extra predicted instructions allowed, in percent (default 10)",
            },
            PassOption {
                name: "saving-per-cost",
                help: "search: percent of the arena a stage must save per percent of predicted extra instructions (default 1)",
            },
        ],
        create: |options: &PassOptions, target: &Target| {
            let grid = match options.get("patches") {
                None => None,
                Some(text) => {
                    let parts: Vec<Option<usize>> =
                        text.split('x').map(|p| p.parse().ok()).collect();
                    match parts.as_slice() {
                        [Some(n), Some(m)] if *n > 0 && *m > 0 => Some([*n, *m]),
                        _ => return Err(option_error(options, "patches", format!("option `patches` of pass `tile` must be NxM with positive N and M, got `{text}`"))),
                    }
                }
            };
            let split = options
                .get("split")
                .map(|_| options.usize("split", 0))
                .transpose()?;
            let stream = match options.get("stream") {
                None | Some("false") => false,
                Some("true") => true,
                Some(text) => return Err(option_error(options, "stream", format!("option `stream` of pass `tile` must be true or false, got `{text}`"))),
            };
            if stream && grid.is_none_or(|g| g[1] != 1) {
                return Err(option_error(
                    options,
                    "stream",
                    "pass `tile` streams bands of full-width rows: `stream=true` needs `patches=Nx1`".into(),
                ));
            }
            if grid.is_some() != split.is_some() {
                let given = if grid.is_some() { "patches" } else { "split" };
                return Err(option_error(
                    options,
                    given,
                    "pass `tile` takes `patches` and `split` together".into(),
                ));
            }
            Ok(Box::new(Tile {
                grid,
                split,
                stream,
                max_sram: match options.get("max-sram") {
                    None => None,
                    Some("target") => Some(
                        target
                            .memory
                            .sram_bytes
                            .saturating_sub(tmlc_core::target::MIN_STACK_BYTES)
                            as usize,
                    ),
                    Some(text) => Some(text.parse().map_err(|_| {
                        option_error(
                            options,
                            "max-sram",
                            format!("option `max-sram` of pass `tile` must be a number of bytes or `target`, got `{text}`"),
                        )
                    })?),
                },
                mac_budget: options.usize("mac-budget", 15)?,
                cost_budget: options.usize("cost-budget", 10)?,
                saving_per_cost: options.usize("saving-per-cost", 1)?,
                alignment: target.memory.alignment as usize,
                kernels: SelectKernels::new(target),
            }))
        },
    }
}

/// The chain of layers that starts at the function's first input.
fn leading_chain(module: &Module, index: usize) -> Vec<LayerGeometry> {
    match module.functions[index].params.first() {
        Some(&input) => chain_from(module, index, input),
        None => Vec::new(),
    }
}

/// The chain of layers that starts at value `start`: from the first op reading it, each
/// following op a layer (`layer_geometry`) reading the previous layer's result as its operand 0,
/// that result used by nothing else. `start` itself may have other readers (a skip branch).
fn chain_from(module: &Module, index: usize, start: Value) -> Vec<LayerGeometry> {
    let function = &module.functions[index];
    let uses = function.use_counts();
    let mut chain = Vec::new();
    let mut current = start;
    let ops = function
        .body
        .ops
        .iter()
        .copied()
        .skip_while(|&op| function.ops[op].operands.first() != Some(&start));
    for op in ops {
        let data = &function.ops[op];
        if is_constant(module, function, op) {
            continue;
        }
        if data.operands.first() != Some(&current) || uses[current] != 1 && current != start {
            break;
        }
        let Some(geometry) = layer_geometry(module, function, op) else {
            break;
        };
        chain.push(geometry);
        current = data.results[0];
    }
    chain
}

/// A chain a stage may cover, and the fewest of its layers a stage takes: a chain found at a
/// peak is tried only with stages that reach the peak's op.
struct Candidate {
    chain: Vec<LayerGeometry>,
    min_split: usize,
}

/// The chains a stage may cover: the one at the function's input, and the maximal chains that
/// hold the ops where the most bytes are live (where the arena peaks, deeper in the network
/// than the input for many models): up to [`PEAK_CHAINS`] more, from the highest peak down.
fn candidate_chains(module: &Module, index: usize) -> Vec<Candidate> {
    let mut chains = vec![Candidate {
        chain: leading_chain(module, index),
        min_split: 1,
    }];
    let function = &module.functions[index];
    let Ok(liveness) = analyze(module, function) else {
        return chains;
    };
    // Bytes live at every time, by one sweep over the buffers' intervals.
    let end = liveness.buffers.iter().map(|b| b.upper).max().unwrap_or(0);
    let mut delta = vec![0i64; end + 1];
    for buffer in &liveness.buffers {
        delta[buffer.lower] += buffer.size as i64;
        delta[buffer.upper] -= buffer.size as i64;
    }
    let live: Vec<i64> = delta
        .iter()
        .scan(0i64, |sum, d| {
            *sum += d;
            Some(*sum)
        })
        .collect();
    let mut times: Vec<usize> = (1..end).collect();
    times.sort_by_key(|&t| (std::cmp::Reverse(live[t]), t));
    let uses = function.use_counts();
    let mut walks = 0;
    for time in times {
        if chains.len() > PEAK_CHAINS || walks >= 4 * PEAK_CHAINS {
            break;
        }
        let Some(&peak_op) = function.body.ops.get(time - 1) else {
            continue;
        };
        if chains
            .iter()
            .any(|c| c.chain.iter().any(|layer| layer.op == peak_op))
            || layer_geometry(module, function, peak_op).is_none()
        {
            continue;
        }
        walks += 1;
        // Walk back from the peak op to the start of its maximal chain.
        let mut first = peak_op;
        while let Some(&operand) = function.ops[first].operands.first() {
            match function.defining_op(operand) {
                Some(producer)
                    if uses[operand] == 1
                        && !is_constant(module, function, producer)
                        && layer_geometry(module, function, producer).is_some() =>
                {
                    first = producer
                }
                _ => break,
            }
        }
        let start = function.ops[first].operands[0];
        let chain = chain_from(module, index, start);
        if let Some(position) = chain.iter().position(|layer| layer.op == peak_op) {
            chains.push(Candidate {
                chain,
                min_split: position + 1,
            });
        }
    }
    chains
}

/// Why the chain of function `index` ends after `chain`: the op that stops it and the reason.
fn chain_stop(module: &Module, index: usize, chain: &[LayerGeometry]) -> String {
    let function = &module.functions[index];
    let names = tmlc_core::printer::value_names(function);
    let Some(&input) = function.params.first() else {
        return "the function has no input".into();
    };
    let current = chain
        .last()
        .map_or(input, |layer| function.ops[layer.op].results[0]);
    let uses = function.use_counts();
    let next = function.body.ops.iter().copied().find(|&op| {
        !is_constant(module, function, op) && function.ops[op].operands.first() == Some(&current)
    });
    let Some(op) = next else {
        return format!("nothing after %{} continues it", names[current]);
    };
    let data = &function.ops[op];
    if data.name == tmlc_core::ir::RETURN_OP {
        return format!("the function returns %{} after it", names[current]);
    }
    let what = format!(
        "{} = {}",
        data.results
            .first()
            .map_or("(no result)".to_string(), |&r| format!("%{}", names[r])),
        data.name
    );
    if current != input && uses[current] != 1 {
        return format!(
            "%{} is read by {} ops (a skip branch), so the chain stops before {what}",
            names[current], uses[current]
        );
    }
    let int8 = |v| function.value_type(v).element == tmlc_core::types::ElementType::I8;
    if !data.operands.iter().take(1).all(|&v| int8(v)) || !data.results.iter().all(|&v| int8(v)) {
        return format!(
            "{what} reads or makes a tensor that is not int8 (patch buffers hold int8)"
        );
    }
    format!(
        "{what} is neither a sliding window nor elementwise on one operand, or its batch is not 1"
    )
}

/// Moves the first `split` layers of the chain into a `loop.patches` op on `grid`
/// (`total_macs`: the function's, for the MAC overhead it records).
fn apply(
    module: &mut Module,
    index: usize,
    chain: &[LayerGeometry],
    split: usize,
    (shape, in_place): (Shape, &[usize]),
    predicted_overhead: Option<f64>,
    total_macs: u64,
) -> Option<tmlc_core::ir::Op> {
    let layers = &chain[..split];
    let plan = shape.plan(layers, in_place)?;
    let grid = shape.grid;
    let function = &mut module.functions[index];
    let first = function.ops[layers[0].op].operands[0];
    let last = function.ops[layers[split - 1].op].results[0];
    let mut attributes = Attributes::new();
    attributes.insert(
        "grid".into(),
        Attribute::int_array(&[grid[0] as i64, grid[1] as i64]),
    );
    if shape.stream {
        attributes.insert("stream".into(), Attribute::Bool(true));
        let in_place: Vec<i64> = (0..split)
            .filter(|&k| plan.patches.first().is_some_and(|p| p[k].in_place))
            .map(|k| k as i64)
            .collect();
        if !in_place.is_empty() {
            attributes.insert("in_place".into(), Attribute::int_array(&in_place));
        }
        // Layers with their output under their input: their row buffer is the previous one's.
        let below: Vec<i64> = (0..split)
            .filter(|&k| plan.patches.first().is_some_and(|p| p[k].below))
            .map(|k| k as i64)
            .collect();
        if !below.is_empty() {
            attributes.insert("below".into(), Attribute::int_array(&below));
        }
    }
    attributes.insert(
        "mac_overhead_percent".into(),
        Attribute::Int(plan.overhead_percent(total_macs).round() as i64),
    );
    if let Some(percent) = predicted_overhead {
        attributes.insert(
            "predicted_overhead_percent".into(),
            Attribute::Int(percent.round() as i64),
        );
    }
    attributes.insert(
        tmlc_mem::SCRATCH_SIZE.into(),
        Attribute::Int(plan.buffers_bytes() as i64),
    );
    let result_type = function.value_type(last).clone();
    let loop_op = function.create_op(
        tmlc_loop::PATCHES,
        vec![first],
        attributes,
        vec![result_type],
    );
    let result = function.ops[loop_op].results[0];
    function.replace_all_uses(last, result);
    let argument = function.values.push(tmlc_core::ir::ValueData {
        ty: function.value_type(first).clone(),
        def: ValueDef::RegionArg(loop_op, 0, 0),
        name: Some("patch_input".into()),
        span: tmlc_core::span::Span::NONE,
    });
    function.ops[layers[0].op].operands[0] = argument;
    let yield_op = function.create_op(tmlc_loop::YIELD, vec![last], Attributes::new(), vec![]);
    let moved: Vec<_> = layers.iter().map(|l| l.op).collect();
    for &op in &moved {
        function.ops[op]
            .attributes
            .retain(|key, _| !key.starts_with("mem."));
    }
    let position = function
        .body
        .ops
        .iter()
        .position(|&op| op == layers[split - 1].op)
        .unwrap_or(0);
    function.body.ops.insert(position + 1, loop_op);
    function.body.ops.retain(|op| !moved.contains(op));
    let mut region_ops = moved;
    region_ops.push(yield_op);
    function.ops[loop_op].regions.push(Region {
        arguments: vec![argument],
        ops: region_ops,
    });
    Some(loop_op)
}

fn head(module: &Module, index: usize) -> Module {
    let mut head = Module::new(module.name.clone());
    head.span = module.span;
    head.functions = module.functions.clone();
    let function = &mut head.functions[index];
    if function.body.ops.len() <= SEARCH_OPS {
        return head;
    }
    let mut defined = HashSet::new();
    for &op in &function.body.ops[..SEARCH_OPS] {
        defined.extend(function.ops[op].results.iter().copied());
    }
    defined.extend(function.params.iter().copied());
    let mut kept = HashSet::new();
    let mut live_out = Vec::new();
    for &op in &function.body.ops[SEARCH_OPS..] {
        for &operand in &function.ops[op].operands {
            if defined.contains(&operand) && kept.insert(operand) {
                live_out.push(operand);
            }
        }
    }
    // The cut-off ops become empty placeholders, so that copies of the head stay small.
    for op in function.body.ops.split_off(SEARCH_OPS) {
        function.ops[op] = OpData {
            name: String::new(),
            operands: Vec::new(),
            results: Vec::new(),
            attributes: Attributes::new(),
            regions: Vec::new(),
            span: tmlc_core::span::Span::NONE,
            spans: Default::default(),
        };
    }
    let return_op = function.create_op(RETURN_OP, live_out, Attributes::new(), vec![]);
    function.body.ops.push(return_op);
    head
}

/// A candidate after `inplace,select-kernels`, with its liveness: what its arena is planned
/// from, and what bounds that arena from below without planning it.
struct Prepared {
    module: Module,
    index: usize,
    liveness: crate::liveness::Liveness,
}

impl Prepared {
    fn new(mut module: Module, index: usize, kernels: &mut SelectKernels) -> Option<Prepared> {
        let context = Context::new();
        crate::inplace::InPlace.run(&mut module, &context).ok()?;
        kernels.run(&mut module, &context).ok()?;
        let liveness = analyze(&module, &module.functions[index]).ok()?;
        Some(Prepared {
            module,
            index,
            liveness,
        })
    }

    /// No arena `arena` plans is below this (`overlap::lower_bound`).
    fn lower_bound(&self) -> usize {
        crate::alloc::overlap::lower_bound(&self.liveness)
    }

    /// The arena the default planner gives.
    fn arena(&self, alignment: usize) -> Option<usize> {
        let function = &self.module.functions[self.index];
        let offsets =
            plan_function(function, &self.liveness, alignment, Duration::ZERO, true).ok()?;
        Some(crate::alloc::overlap::peak(&self.liveness, &offsets))
    }
}

impl Tile {
    /// The layers of `chain` that may run in place in a streamed loop: the op may run over its
    /// input channel by channel (its interface) and the kernel the target runs for it can (the
    /// Arm DSP and Helium depthwise kernels).
    fn in_place_layers(
        &self,
        module: &Module,
        index: usize,
        chain: &[LayerGeometry],
    ) -> Vec<usize> {
        let function = &module.functions[index];
        (0..chain.len())
            .filter(|&k| {
                OpView::of(module, function, chain[k].op).is_some_and(|view| {
                    matches!(
                        view.interface().in_place(),
                        tmlc_tinyml::interfaces::InPlace::ChannelPlanes { .. }
                    ) && tmlc_tinyml::kernels::lookup(&view, self.kernels.variant_of(&view))
                        .is_some_and(|kernel| {
                            // The portable loops have no kernel scratch for the channel plane.
                            kernel.in_place && kernel.variant != KernelVariant::Portable
                        })
                })
            })
            .collect()
    }

    /// The predicted extra instructions of computing the plan of `layers` patch by patch, in
    /// percent of the function's predicted instructions (each op costed with the kernel variant
    /// the target will run).
    fn predicted_overhead(&self, module: &Module, index: usize, geometry: &PatchPlan) -> f64 {
        let total = self.predicted_instructions(module, index);
        self.predicted_overhead_of(module, index, geometry, total)
    }

    /// The cost model's instructions for the whole of function `index`.
    fn predicted_instructions(&self, module: &Module, index: usize) -> f64 {
        let function = &module.functions[index];
        let cost_of = |op| {
            OpView::of(module, function, op)
                .map(|view| call_cost(&view, self.kernels.variant_of(&view)))
        };
        function
            .body
            .ops
            .iter()
            .filter_map(|&op| {
                let cost = cost_of(op)?;
                let result = *function.ops[op].results.first()?;
                let shape = &function.value_type(result).shape;
                let rows = if shape.len() == 4 { shape[1] } else { 1 };
                let macs = tmlc_tinyml::macs::op_macs(module, function, op);
                let work = if macs > 0 {
                    macs
                } else {
                    function.value_type(result).num_elements() as u64
                };
                Some(cost.instructions(rows, work))
            })
            .sum()
    }

    /// [`Self::predicted_overhead`] of a plan already made, with the function's predicted
    /// instructions given.
    fn predicted_overhead_of(
        &self,
        module: &Module,
        index: usize,
        geometry: &PatchPlan,
        total: f64,
    ) -> f64 {
        let function = &module.functions[index];
        let cost_of = |op| {
            OpView::of(module, function, op)
                .map(|view| call_cost(&view, self.kernels.variant_of(&view)))
        };
        let fallback = call_cost_default();
        let (patched, whole) =
            geometry.instructions(&|layer: &LayerGeometry| cost_of(layer.op).unwrap_or(fallback));
        // Outside a loop a layer may take its kernel's wide weight layout
        // (`kernels::wide_layout`, when it saves `WIDE_MIN_SAVING` instructions); the layers of a
        // patch loop keep the stored one, and lose that saving.
        let wide_saving: f64 = geometry
            .layers
            .iter()
            .filter_map(|layer| {
                let view = OpView::of(module, function, layer.op)?;
                let [h, w, c] = layer.output;
                let work = (h * w * c * layer.macs_per_output.max(1)) as u64;
                let variant = self.kernels.variant_of(&view);
                kernels::wide_saving(&view, variant, work).map(|(_, _, saving)| saving)
            })
            .sum();
        if total <= 0.0 {
            return 0.0;
        }
        (patched - whole + wide_saving) / total * 100.0
    }
}

/// The cost of an op the model does not know (never for tinyml layers).
fn call_cost_default() -> CallCost {
    CallCost {
        per_mac: 2.0,
        per_row: 20.0,
        per_call: 100.0,
    }
}

/// The grids tried for a stage ending in `last`: for 1..16 rows of patches, the columns that
/// make patches near-square (as many on a square output; scaled by width / height otherwise)
/// and one column fewer (per-axis grids: more, shorter bands of rows make the first band, whose
/// output the loop writes before it has freed any input, smaller; vww_96_int8 fits a 5x4 grid
/// where 4x4 does not, at fewer extra instructions than 5x5).
fn grids(last: &LayerGeometry) -> Vec<[usize; 2]> {
    let [height, width] = [last.output[0].max(1), last.output[1].max(1)];
    let mut grids = Vec::new();
    for n in 1..=16usize {
        let scaled = ((n * width) as f64 / height as f64)
            .round()
            .clamp(1.0, 16.0) as usize;
        for m in [scaled, n, scaled.saturating_sub(1)] {
            if (1..=16).contains(&m) && !grids.contains(&[n, m]) {
                grids.push([n, m]);
            }
        }
    }
    // One patch would only copy the stage's input and output through the patch buffers.
    grids.retain(|g| g[0] <= height && g[1] <= width && g[0] * g[1] > 1);
    // Coarse to fine.
    grids.sort_by_key(|g| (g[0] * g[1], g[0]));
    grids
}

/// The shapes tried for a stage ending in `last`: its [`grids`], then streamed bands of 1, 2,
/// 3, 4, 6 and 8 output rows. Fine to coarse: the finest bands have the smallest arena, so for
/// the smallest-arena objective the coarser ones are then skipped by their bounds, unplanned.
fn shapes(last: &LayerGeometry) -> Vec<Shape> {
    let height = last.output[0].max(1);
    let mut shapes: Vec<Shape> = grids(last)
        .into_iter()
        .map(|grid| Shape {
            grid,
            stream: false,
        })
        .collect();
    for rows in [1usize, 2, 3, 4, 6, 8] {
        let bands = height.div_ceil(rows);
        let shape = Shape {
            grid: [bands, 1],
            stream: true,
        };
        if (2..=height).contains(&bands) && !shapes.contains(&shape) {
            shapes.push(shape);
        }
    }
    shapes
}

/// The budgets (percent of the function's predicted instructions and of its MACs) the stages
/// applied so far have used.
#[derive(Debug, Clone, Copy, Default)]
struct Spent {
    instructions: f64,
    macs: f64,
}

/// A stage the search chose: the first `split` layers of `chain` in a loop of `shape`.
struct Stage {
    chain: Vec<LayerGeometry>,
    split: usize,
    shape: Shape,
    /// The layers that may run in place (`Tile::in_place_layers`).
    in_place: Vec<usize>,
    overhead: f64,
    mac_overhead: f64,
}

impl Tile {
    /// The best next stage for function `index` as it is now, or `None` when no stage makes its
    /// arena smaller (or, with an SRAM budget, when it already fits).
    fn search_stage(
        &mut self,
        module: &Module,
        index: usize,
        total_instructions: f64,
        total_macs: u64,
        spent: Spent,
    ) -> Option<Stage> {
        // Candidates are planned on the head of the function, without its weights.
        let head = head(module, index);
        let chains: Vec<_> = candidate_chains(&head, index)
            .into_iter()
            .filter(|candidate| !candidate.chain.is_empty())
            .collect();
        if chains.is_empty() {
            return None;
        }
        let prepared_current = Prepared::new(head.clone(), index, &mut self.kernels)?;
        let current = prepared_current.arena(self.alignment).unwrap_or(usize::MAX);
        // A stage leaves every time before its first layer and after its last one as it is, so
        // the largest lower bound at those times bounds a candidate's arena before it is built.
        let bounds = crate::alloc::overlap::lower_bounds(&prepared_current.liveness);
        let time_of = |op| {
            head.functions[index]
                .body
                .ops
                .iter()
                .position(|&o| o == op)
                .map_or(0, |p| p + 1)
        };
        let outside = |first: usize, last: usize| {
            bounds
                .iter()
                .enumerate()
                .filter(|&(t, _)| t < first || t > last)
                .map(|(_, &b)| b)
                .max()
                .unwrap_or(0)
        };
        // What `apply` records on a candidate of the head (computed once, not per candidate).
        let head_macs = tmlc_tinyml::macs::function_macs(&head, &head.functions[index]);
        // With an SRAM budget the function as it is, when it fits, is the fastest plan.
        if self.max_sram.is_some_and(|limit| current <= limit) {
            return None;
        }
        // Lexicographic preference: with max-sram, fitting plans first, then the fewest extra
        // instructions (fitting) or the smallest arena (not fitting); otherwise the smallest
        // arena, then the fewest extra instructions.
        let key = |arena: usize, overhead: f64| -> Preference {
            let overhead = (overhead * 1000.0).max(0.0) as u64;
            match self.max_sram {
                Some(limit) if arena <= limit => (0, overhead, arena as u64),
                Some(_) => (1, arena as u64, overhead),
                None => (0, arena as u64, overhead),
            }
        };
        // The best candidate so far: its preference, arena, and which stage it is.
        let mut best: Option<(Preference, usize, usize, Stage)> = None;
        for (c, Candidate { chain, min_split }) in chains.iter().enumerate() {
            let may_run_in_place = self.in_place_layers(&head, index, chain);
            for split in *min_split..=chain.len().min(MAX_SPLIT) {
                let in_place: Vec<usize> = may_run_in_place
                    .iter()
                    .copied()
                    .filter(|&k| k < split)
                    .collect();
                let untouched = outside(time_of(chain[0].op), time_of(chain[split - 1].op));
                let function = &head.functions[index];
                let bytes = |v| function.value_type(v).num_elements();
                let ends = bytes(function.ops[chain[0].op].operands[0])
                    .max(bytes(function.ops[chain[split - 1].op].results[0]));
                for shape in shapes(&chain[split - 1]) {
                    let Some(geometry) = shape.plan(&chain[..split], &in_place) else {
                        continue;
                    };
                    let mac_overhead = geometry.overhead_percent(total_macs);
                    if spent.macs + mac_overhead > self.mac_budget as f64 {
                        continue;
                    }
                    let overhead =
                        self.predicted_overhead_of(module, index, &geometry, total_instructions);
                    // A given SRAM budget replaces the instruction budget: any plan that fits
                    // beats one that does not.
                    if self.max_sram.is_none()
                        && spent.instructions + overhead > self.cost_budget as f64
                    {
                        continue;
                    }
                    // The preference only grows with the arena: a candidate whose lower bound
                    // cannot beat the best one (ties keep the first found) is not planned.
                    // While the stage runs its patch buffers lie beside its input or output.
                    let at_stage = geometry.buffers_bytes() + ends;
                    // A stage is taken only when its arena is below the current one.
                    if untouched.max(at_stage) >= current {
                        continue;
                    }
                    if let Some((b, ..)) = &best {
                        if key(untouched.max(at_stage), overhead) >= *b {
                            continue;
                        }
                    }
                    let mut candidate = head.clone();
                    let planned = apply(
                        &mut candidate,
                        index,
                        chain,
                        split,
                        (shape, &in_place),
                        None,
                        head_macs,
                    );
                    if planned.is_none() {
                        continue;
                    }
                    let Some(prepared) = Prepared::new(candidate, index, &mut self.kernels) else {
                        continue;
                    };
                    let bound = prepared.lower_bound();
                    if bound >= current {
                        continue;
                    }
                    if let Some((b, ..)) = &best {
                        if key(bound, overhead) >= *b {
                            continue;
                        }
                    }
                    let Some(arena) = prepared.arena(self.alignment) else {
                        continue;
                    };
                    // Without an SRAM budget a stage must also be worth its instructions: it
                    // saves at least `saving-per-cost` percent of the arena per percent of
                    // predicted extra instructions (a candidate that buys a few bytes with many
                    // instructions is passed over, for the best one that is worth it).
                    let saved =
                        (current.saturating_sub(arena)) as f64 / current.max(1) as f64 * 100.0;
                    if self.max_sram.is_none()
                        && saved < self.saving_per_cost as f64 * overhead.max(0.0)
                    {
                        continue;
                    }
                    let score = key(arena, overhead);
                    if best.as_ref().is_none_or(|(b, ..)| score < *b) {
                        let stage = Stage {
                            chain: Vec::new(),
                            split,
                            shape,
                            in_place: in_place.clone(),
                            overhead,
                            mac_overhead,
                        };
                        best = Some((score, arena, c, stage));
                    }
                }
            }
        }
        let (_, arena, c, stage) = best?;
        (arena < current).then(|| Stage {
            chain: chains[c].chain.clone(),
            ..stage
        })
    }
}

impl Pass for Tile {
    fn run(&mut self, module: &mut Module, _context: &Context) -> DiagResult<bool> {
        let mut changed = false;
        for index in 0..module.functions.len() {
            let chain = leading_chain(module, index);
            if let (Some(grid), Some(split)) = (self.grid, self.split) {
                if split == 0 || split > chain.len() {
                    return Err(Diagnostic::new(
                        ErrorCode::PassFailed,
                        format!(
                            "tile: split={split}, but the leading chain of @{} has {} layer(s): {}",
                            module.functions[index].name,
                            chain.len(),
                            chain_stop(module, index, &chain)
                        ),
                    ));
                }
                let shape = Shape {
                    grid,
                    stream: self.stream,
                };
                let in_place: Vec<usize> = self
                    .in_place_layers(module, index, &chain)
                    .into_iter()
                    .filter(|&k| k < split)
                    .collect();
                let Some(geometry) = shape.plan(&chain[..split], &in_place) else {
                    return Err(Diagnostic::new(
                        ErrorCode::PassFailed,
                        format!(
                            "tile: the first {split} layer(s) of @{} cannot stream {} bands: the chain needs two layers or more, at most one band per output row, and no stride above its kernel",
                            module.functions[index].name, grid[0]
                        ),
                    ));
                };
                let overhead = self.predicted_overhead(module, index, &geometry);
                let total_macs = tmlc_tinyml::macs::function_macs(module, &module.functions[index]);
                let _ = apply(
                    module,
                    index,
                    &chain,
                    split,
                    (shape, &in_place),
                    Some(overhead),
                    total_macs,
                );
                changed = true;
                continue;
            }
            // Stage after stage: each search sees the function with the stages before it, whose
            // peak has moved; the budgets are shared by all stages.
            let total_instructions = self.predicted_instructions(module, index);
            let total_macs = tmlc_tinyml::macs::function_macs(module, &module.functions[index]);
            let mut spent = Spent::default();
            for _ in 0..MAX_STAGES {
                let Some(stage) =
                    self.search_stage(module, index, total_instructions, total_macs, spent)
                else {
                    break;
                };
                let _ = apply(
                    module,
                    index,
                    &stage.chain,
                    stage.split,
                    (stage.shape, &stage.in_place),
                    Some(stage.overhead),
                    total_macs,
                );
                spent.instructions += stage.overhead.max(0.0);
                spent.macs += stage.mac_overhead;
                changed = true;
            }
        }
        Ok(changed)
    }
}
