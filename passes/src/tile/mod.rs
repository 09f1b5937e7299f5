//! `tile`: patch-based execution of the first layers (MCUNetV2). The first `split` layers of the
//! network, a chain of window and elementwise ops, become one `loop.patches` op computed output
//! patch by output patch on a `patches = NxM` grid, each patch from the input region it needs,
//! halo included; only patch-sized intermediate tensors are ever live.
//!
//! Matches: the chain of int8 ops that starts at the function's input, each a sliding window or
//! elementwise on one operand (`tmlc_loop::patches::layer_geometry` asks the interfaces); batch
//! 1; each result used only by the next layer. Needs: the final
//! op order (after `schedule`, before `inplace` and `alloc`). Preserves: what is computed (the
//! loop's meaning is its body; the backends compute the same bytes patch by patch). Records the
//! plan on the op: `grid`, `mac_overhead_percent`, and `mem.scratch_size` (two patch buffers).
//!
//! Options: `patches=NxM` and `split=K` fix the plan. Without them (or with `max-sram=BYTES`)
//! the pass searches split and square grid for the smallest arena (as `inplace,alloc` would
//! plan it) whose extra MACs (recomputed halos, in percent of the whole network's MACs) stay
//! within `mac-budget` percent (default 15); with `max-sram` it
//! takes, among plans whose arena fits, the one with the least extra MACs. When no plan beats
//! the untiled arena the IR is left unchanged. The search is bounded so that it stays linear in
//! the size of the function: it tries splits up to [`MAX_SPLIT`] layers, and plans each
//! candidate's arena on the head of the function, its first [`SEARCH_OPS`] ops with every value
//! used later kept live to the end (the whole function when it is shorter, as every real model
//! is); patches pay off in the first layers.

use crate::alloc::plan_function;
use crate::liveness::{analyze, is_constant};
use std::collections::HashSet;
use std::time::Duration;
use tmlc_core::attributes::{Attribute, Attributes};
use tmlc_core::diagnostic::{DiagResult, Diagnostic, ErrorCode};
use tmlc_core::dialect::Context;
use tmlc_core::ir::{Module, OpData, Region, ValueDef, RETURN_OP};
use tmlc_core::pass::{Pass, PassInfo, PassOption, PassOptions};
use tmlc_core::target::Target;
use tmlc_loop::patches::{layer_geometry, plan, LayerGeometry};

/// The deepest split the search tries.
pub const MAX_SPLIT: usize = 32;

/// Ops of the head of a function on which candidate plans are compared.
pub const SEARCH_OPS: usize = 4096;

/// How much a candidate plan is preferred; smaller is better (compared lexicographically).
type Preference = (u8, u64, u64);

pub struct Tile {
    grid: Option<[usize; 2]>,
    split: Option<usize>,
    max_sram: Option<usize>,
    mac_budget: usize,
    /// The target's arena alignment, with which candidate plans are sized.
    alignment: usize,
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
                name: "max-sram",
                help: "search: the least extra MACs whose arena fits this many bytes",
            },
            PassOption {
                name: "mac-budget",
                help: "search: extra MACs allowed, in percent (default 15)",
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
                max_sram: options
                    .get("max-sram")
                    .map(|_| options.usize("max-sram", 0))
                    .transpose()?,
                mac_budget: options.usize("mac-budget", 15)?,
                alignment: target.memory.alignment as usize,
            }))
        },
    }
}

/// The chain of layers that starts at the function's first input.
fn leading_chain(module: &Module, index: usize) -> Vec<LayerGeometry> {
    let function = &module.functions[index];
    let Some(&input) = function.params.first() else {
        return Vec::new();
    };
    let uses = function.use_counts();
    let mut chain = Vec::new();
    let mut current = input;
    for &op in &function.body.ops {
        let data = &function.ops[op];
        if is_constant(module, function, op) {
            continue;
        }
        if data.operands.first() != Some(&current) || uses[current] != 1 && current != input {
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

/// Moves the first `split` layers of the chain into a `loop.patches` op on `grid`.
fn apply(
    module: &mut Module,
    index: usize,
    chain: &[LayerGeometry],
    split: usize,
    grid: [usize; 2],
) {
    let layers = &chain[..split];
    let plan = plan(layers, grid);
    let total_macs = tmlc_tinyml::macs::function_macs(module, &module.functions[index]);
    let function = &mut module.functions[index];
    let first = function.ops[layers[0].op].operands[0];
    let last = function.ops[layers[split - 1].op].results[0];
    let mut attributes = Attributes::new();
    attributes.insert(
        "grid".into(),
        Attribute::int_array(&[grid[0] as i64, grid[1] as i64]),
    );
    attributes.insert(
        "mac_overhead_percent".into(),
        Attribute::Int(plan.overhead_percent(total_macs).round() as i64),
    );
    attributes.insert(
        tmlc_mem::SCRATCH_SIZE.into(),
        Attribute::Int(2 * plan.buffer_bytes as i64),
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
}

/// The module with function `index` cut after its first [`SEARCH_OPS`] ops: a return of every
/// value the cut-off ops read replaces them, so those values stay live to the end. Without the
/// resources: planning needs no weights, and every candidate is a copy of the head.
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

/// The arena `inplace,alloc` would plan for function `index` (no exact search: fast).
fn planned_arena(mut module: Module, index: usize, alignment: usize) -> Option<usize> {
    let context = Context::new();
    crate::inplace::InPlace.run(&mut module, &context).ok()?;
    let function = &module.functions[index];
    let liveness = analyze(&module, function).ok()?;
    let offsets = plan_function(function, &liveness, alignment, Duration::ZERO, true).ok()?;
    Some(crate::alloc::overlap::peak(&liveness, &offsets))
}

impl Pass for Tile {
    fn run(&mut self, module: &mut Module, _context: &Context) -> DiagResult<bool> {
        let mut changed = false;
        for index in 0..module.functions.len() {
            let chain = leading_chain(module, index);
            if chain.is_empty() {
                continue;
            }
            if let (Some(grid), Some(split)) = (self.grid, self.split) {
                if split == 0 || split > chain.len() {
                    return Err(Diagnostic::new(
                        ErrorCode::PassFailed,
                        format!(
                            "tile: split={split}, but the leading chain of @{} has {} layer(s)",
                            module.functions[index].name,
                            chain.len()
                        ),
                    ));
                }
                apply(module, index, &chain, split, grid);
                changed = true;
                continue;
            }
            let head = head(module, index);
            let chain = leading_chain(&head, index);
            let untiled = planned_arena(head.clone(), index, self.alignment).unwrap_or(usize::MAX);
            let total_macs = tmlc_tinyml::macs::function_macs(module, &module.functions[index]);
            // Lexicographic preference: with max-sram, fitting plans first, then the fewest extra
            // MACs (fitting) or the smallest arena (not fitting); otherwise the smallest arena,
            // then the fewest extra MACs.
            let key = |arena: usize, overhead: f64| -> Preference {
                let overhead = (overhead * 1000.0) as u64;
                match self.max_sram {
                    Some(limit) if arena <= limit => (0, overhead, arena as u64),
                    Some(_) => (1, arena as u64, overhead),
                    None => (0, arena as u64, overhead),
                }
            };
            let mut best: Option<(Preference, usize, usize, [usize; 2])> = None;
            for split in 1..=chain.len().min(MAX_SPLIT) {
                for n in 1..=16 {
                    let grid = [n, n];
                    let overhead = plan(&chain[..split], grid).overhead_percent(total_macs);
                    if overhead > self.mac_budget as f64 {
                        continue;
                    }
                    let mut candidate = head.clone();
                    apply(&mut candidate, index, &chain, split, grid);
                    let Some(arena) = planned_arena(candidate, index, self.alignment) else {
                        continue;
                    };
                    let score = key(arena, overhead);
                    if best.is_none_or(|(b, ..)| score < b) {
                        best = Some((score, arena, split, grid));
                    }
                }
            }
            if let Some((_, arena, split, grid)) = best {
                if arena < untiled {
                    apply(module, index, &chain, split, grid);
                    changed = true;
                }
            }
        }
        Ok(changed)
    }
}
