//! `fuse`: folds activations, pads, reshapes and requantizations into their neighbours by
//! equality saturation with egg, then keeps the cheapest equivalent program.
//!
//! Matches: the rules of `rules.rs` (one table, one named rule per line, each exact under TFLite
//! Micro's integer semantics, the reason beside it). Needs: verified IR whose functions hold
//! only tinyml ops in one block and no dialect attributes (run it before `schedule`, `inplace`
//! and `alloc`; other functions are left alone). Preserves: what every function computes, bit
//! for bit; the signature; value names where an op survives or is replaced (a fused op takes the
//! name of the value it replaces); the original op order wherever nothing changed. Ops whose
//! results are never used are dropped; resources are kept.
//!
//! How: the body becomes an e-graph (`program.rs`, `language.rs`) whose e-classes carry types
//! (`analysis.rs`); the rules run under named limits (`node-limit`, `iter-limit`,
//! `time-limit-ms`); extraction (`extract.rs`) picks one e-node per e-class by the Cortex-M cost
//! model of `cost.rs`; the body is rebuilt from the chosen e-nodes. See docs/passes/fuse.md. egg's `deterministic` feature and id-ordered iteration make
//! the output the same run after run (unless the time limit, the one clock-driven bound, stops
//! a run). `stats=true` reports the stop reason, the e-graph sizes, the rules applied and the cost
//! before and after in the pass run (`Pass::statistics`), which `tmlc opt` prints to standard
//! error.

mod analysis;
mod cost;
mod extract;
mod language;
mod program;
mod rewrite;
mod rules;

use analysis::TypeAnalysis;
use egg::{Runner, SimpleScheduler, StopReason, Symbol};
use std::fmt;
use std::time::Duration;
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::dialect::Context;
use tmlc_core::ir::{Function, Module};
use tmlc_core::pass::{Pass, PassInfo, PassOption, PassOptions};

/// Bounds of one equality-saturation run.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// E-nodes in the e-graph.
    pub nodes: usize,
    pub iterations: usize,
    pub time: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            nodes: 10_000,
            iterations: 20,
            time: Duration::from_millis(2_000),
        }
    }
}

pub struct Fuse {
    limits: Limits,
    stats: bool,
    /// The reports of the last run, one per function.
    reports: Vec<Report>,
}

pub fn info() -> PassInfo {
    PassInfo {
        name: "fuse",
        summary: "fold activations, pads, reshapes and requantizations into their neighbours (egg)",
        options: &[
            PassOption {
                name: "node-limit",
                help: "stop saturating beyond this many e-nodes (default 10000)",
            },
            PassOption {
                name: "iter-limit",
                help: "stop saturating after this many iterations (default 20)",
            },
            PassOption {
                name: "time-limit-ms",
                help: "stop saturating after this many milliseconds (default 2000)",
            },
            PassOption {
                name: "stats",
                help: "print stop reason, e-graph sizes, rules applied and costs to stderr",
            },
        ],
        create: |options: &PassOptions, _| {
            let defaults = Limits::default();
            let time = options.usize("time-limit-ms", defaults.time.as_millis() as usize)?;
            Ok(Box::new(Fuse {
                limits: Limits {
                    nodes: options.usize("node-limit", defaults.nodes)?,
                    iterations: options.usize("iter-limit", defaults.iterations)?,
                    time: Duration::from_millis(time as u64),
                },
                stats: options.bool("stats", false)?,
                reports: Vec::new(),
            }))
        },
    }
}

/// What `fuse` did to one function.
#[derive(Debug, Clone)]
pub struct Report {
    pub function: String,
    pub outcome: Outcome,
}

#[derive(Debug, Clone)]
pub enum Outcome {
    /// The function was left alone, for this reason.
    Skipped(String),
    Saturated(RunStats),
}

/// Sizes and results of one run.
#[derive(Debug, Clone)]
pub struct RunStats {
    pub stop_reason: StopReason,
    pub iterations: usize,
    /// E-nodes and e-classes before and after saturation.
    pub nodes: (usize, usize),
    pub classes: (usize, usize),
    /// Times each rule changed the e-graph, in table order (rules that never did are omitted).
    pub applied: Vec<(&'static str, usize)>,
    /// The cost-model cost of the function as written and as rebuilt.
    pub cost: (u64, u64),
    pub changed: bool,
}

impl RunStats {
    /// Whether the rules ran to a fixpoint (no limit stopped them).
    pub fn saturated(&self) -> bool {
        matches!(self.stop_reason, StopReason::Saturated)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "fuse @{}: ", self.function)?;
        let stats = match &self.outcome {
            Outcome::Skipped(reason) => return write!(f, "left unchanged: {reason}"),
            Outcome::Saturated(stats) => stats,
        };
        let stop = match &stats.stop_reason {
            StopReason::Saturated => "saturated".to_string(),
            StopReason::IterationLimit(n) => format!("stopped at the iteration limit ({n})"),
            StopReason::NodeLimit(n) => format!("stopped at the node limit ({n})"),
            StopReason::TimeLimit(s) => format!("stopped at the time limit ({s} s)"),
            StopReason::Other(reason) => format!("stopped: {reason}"),
        };
        write!(
            f,
            "{stop} after {} iteration(s); e-graph {} -> {} e-nodes, {} -> {} e-classes; cost {} -> {}",
            stats.iterations,
            stats.nodes.0,
            stats.nodes.1,
            stats.classes.0,
            stats.classes.1,
            stats.cost.0,
            stats.cost.1
        )?;
        let applied: Vec<String> = stats
            .applied
            .iter()
            .map(|(rule, count)| format!("{rule} x{count}"))
            .collect();
        if !applied.is_empty() {
            write!(f, "; applied {}", applied.join(", "))?;
        }
        Ok(())
    }
}

impl Pass for Fuse {
    fn run(&mut self, module: &mut Module, context: &Context) -> DiagResult<bool> {
        self.reports = fuse_module(module, context, self.limits);
        Ok(self
            .reports
            .iter()
            .any(|r| matches!(&r.outcome, Outcome::Saturated(stats) if stats.changed)))
    }

    fn statistics(&self) -> Vec<String> {
        if !self.stats {
            return Vec::new();
        }
        self.reports
            .iter()
            .map(|report| report.to_string())
            .collect()
    }
}

/// Runs `fuse` on every function of a module.
pub fn fuse_module(module: &mut Module, context: &Context, limits: Limits) -> Vec<Report> {
    module
        .functions
        .iter_mut()
        .map(|function| {
            let outcome = match program::unsupported(function) {
                Some(reason) => Outcome::Skipped(reason),
                None => {
                    let (stats, rebuilt) = fuse_function(function, context, limits);
                    if let Some(rebuilt) = rebuilt {
                        *function = rebuilt;
                    }
                    Outcome::Saturated(stats)
                }
            };
            Report {
                function: function.name.clone(),
                outcome,
            }
        })
        .collect()
}

/// Saturates, extracts and rebuilds one supported function; the new function when it changed.
fn fuse_function(
    function: &Function,
    context: &Context,
    limits: Limits,
) -> (RunStats, Option<Function>) {
    let mut runner: Runner<_, _, ()> = Runner::new(TypeAnalysis { context })
        .with_node_limit(limits.nodes)
        .with_iter_limit(limits.iterations)
        .with_time_limit(limits.time)
        .with_scheduler(SimpleScheduler);
    let original = program::add_function(&mut runner.egraph, function);
    runner.egraph.rebuild();
    let before = (
        runner.egraph.total_number_of_nodes(),
        runner.egraph.number_of_classes(),
    );
    let cost_before = original.cost(&runner.egraph);
    let table = rules::rules();
    let names: Vec<&'static str> = table.iter().map(|rule| rule.name).collect();
    let rewrites = rewrite::rewrites(table);
    let runner = runner.run(&rewrites);
    let egraph = &runner.egraph;
    let choice = extract::extract(egraph, &original.roots);
    let rebuilt = program::rebuild(function, egraph, &original, &choice);
    let changed = !program::same_body(function, &rebuilt);
    let applied = names
        .into_iter()
        .map(|name| {
            let symbol = Symbol::from(name);
            let count = runner
                .iterations
                .iter()
                .filter_map(|iteration| iteration.applied.get(&symbol))
                .sum();
            (name, count)
        })
        .filter(|&(_, count)| count > 0)
        .collect();
    let stats = RunStats {
        stop_reason: runner
            .stop_reason
            .clone()
            .expect("a finished run has a stop reason"),
        iterations: runner.iterations.len(),
        nodes: (before.0, egraph.total_number_of_nodes()),
        classes: (before.1, egraph.number_of_classes()),
        applied,
        cost: (
            cost_before,
            extract::program_cost(egraph, &original.roots, &choice),
        ),
        changed,
    };
    (stats, changed.then_some(rebuilt))
}
