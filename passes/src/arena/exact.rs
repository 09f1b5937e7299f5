//! The exact search: a time-bounded branch and bound in the style of MiniMalloc (Moffitt,
//! ASPLOS 2023) that decides whether every buffer fits under a capacity, and on top of it a
//! minimizer that lowers the peak towards the lower bound.
//!
//! The search explores only *canonical* placements: buffers are placed in non-decreasing
//! order of offset, each at its lowest possible offset (just above every placed buffer live at
//! the same time, rounded up to its alignment). Every feasible instance has such a solution
//! (take one that minimizes the sum of offsets and sort it by offset). Pruning:
//! - dynamic order: at each node the candidates are the unplaced buffers sorted by their
//!   lowest possible offset, ties broken by a static preorder (lifetime width, area, or the
//!   peak total live size over the buffer's lifetime, in three rotations tried round-robin
//!   with a doubling node limit, as MiniMalloc does);
//! - symmetry: the pair (offset, preorder rank) strictly increases along a branch;
//! - dominance: no buffer is placed at or above the lowest top any unplaced buffer could have
//!   (that buffer could drop into the gap, so the placement is not sum-minimal);
//! - "hatless" pruning: if the buffer just tried overlaps no unplaced buffer and its subtree
//!   failed, no other candidate can succeed;
//! - section inference: in every time section, the unplaced buffers live there must still fit
//!   their total size between the capacity and both the last offset placed and the lowest
//!   offset any of them can take. The first part is checked before placing a candidate (with
//!   prefix/suffix maxima of the section totals); the second is kept incrementally with one
//!   *witness* per section (an unplaced buffer low enough), re-sought only when the witness
//!   is placed or pushed up, and restored on backtrack;
//! - decomposition: when no unplaced buffer crosses a boundary between time sections, both
//!   sides are solved independently, each with its preorder recomputed on the current state
//!   (at the start and during the search; recomputing the preorder matters a lot).
//!
//! Memoizing failed independent parts was tried and did not pay on the benchmarks (a few
//! hundred hits, no fewer nodes), so there is none.
//!
//! Buffers of size 0 take no part (offset 0). Recursion depth is at most twice the number of
//! buffers; the search runs on its own thread with a stack sized for it.

use std::time::{Duration, Instant};

use super::heuristics;
use super::problem::{round_up, Problem, Solution};
use super::sections::Sections;

/// The result of [`solve`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Proven optimal (peak equals the lower bound, or no smaller peak fits), and within the
    /// capacity if one was given.
    Solved(Solution),
    /// Within the capacity (if given), optimality not proven: with a capacity, the search
    /// stops at the first placement that fits; without one, the budget ran out while
    /// minimizing.
    Feasible(Solution),
    /// Proven: no placement fits the capacity.
    Infeasible,
    /// The budget ran out before a placement within the capacity was found. Holds the
    /// lowest-peak placement seen (its peak exceeds the capacity), if any.
    TimedOut(Option<Solution>),
}

impl Outcome {
    /// The placement, if the outcome carries one (check its peak against your capacity for
    /// `TimedOut`).
    pub fn solution(&self) -> Option<&Solution> {
        match self {
            Outcome::Solved(s) | Outcome::Feasible(s) | Outcome::TimedOut(Some(s)) => Some(s),
            Outcome::Infeasible | Outcome::TimedOut(None) => None,
        }
    }
}

/// What the search aims for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Goal {
    /// Stop at the first placement within the capacity (minimize if there is none).
    Fit,
    /// Lower the peak as far as the budget allows, down to the lower bound.
    Minimize,
}

/// Options of [`solve_with`].
#[derive(Clone, Debug)]
pub struct ExactOptions {
    /// Largest allowed peak; `None`: unbounded.
    pub capacity: Option<u64>,
    /// Time allowed, counted from the call.
    pub budget: Duration,
    /// An absolute deadline; the earlier of this and `budget` applies.
    pub deadline: Option<Instant>,
    pub goal: Goal,
    /// A known placement to start from (e.g. the best heuristic); computed if `None`.
    pub incumbent: Option<Solution>,
}

impl Default for ExactOptions {
    fn default() -> ExactOptions {
        ExactOptions {
            capacity: None,
            budget: Duration::from_secs(10),
            deadline: None,
            goal: Goal::Minimize,
            incumbent: None,
        }
    }
}

/// Searches for a placement: with `Some(capacity)`, the first one within the capacity (goal
/// [`Goal::Fit`]); with `None`, the one with the smallest peak (goal [`Goal::Minimize`]).
/// Never runs much longer than `budget`. The problem should be valid
/// ([`Problem::validate`]); otherwise buffers with empty lifetimes conflict with nothing and
/// alignment 0 counts as 1.
pub fn solve(problem: &Problem, capacity: Option<u64>, budget: Duration) -> Outcome {
    let goal = if capacity.is_some() {
        Goal::Fit
    } else {
        Goal::Minimize
    };
    solve_with(
        problem,
        &ExactOptions {
            capacity,
            budget,
            goal,
            ..ExactOptions::default()
        },
    )
}

/// [`solve`] with every option.
pub fn solve_with(problem: &Problem, options: &ExactOptions) -> Outcome {
    let start = Instant::now();
    let mut deadline = [
        options.budget,
        Duration::from_secs(1 << 32),
        Duration::from_secs(1 << 20),
    ]
    .into_iter()
    .find_map(|d| start.checked_add(d))
    .unwrap_or(start);
    if let Some(d) = options.deadline {
        deadline = deadline.min(d);
    }
    let lower_bound = problem.lower_bound();
    let capacity = options.capacity.unwrap_or(u64::MAX);
    if lower_bound > capacity {
        return Outcome::Infeasible;
    }
    let mut best = match &options.incumbent {
        Some(s) if s.offsets.len() == problem.len() => s.clone(),
        _ => heuristics::best(problem).1,
    };
    let fits = |s: &Solution| s.peak <= capacity;
    if best.peak <= lower_bound {
        return Outcome::Solved(best);
    }
    if !fits(&best) {
        match fit(problem, capacity, deadline) {
            Fit::Found(s) => best = s,
            Fit::Infeasible => return Outcome::Infeasible,
            Fit::TimedOut => return Outcome::TimedOut(Some(best)),
        }
        if best.peak <= lower_bound {
            return Outcome::Solved(best);
        }
        if options.goal == Goal::Fit {
            return Outcome::Feasible(best);
        }
    } else if options.goal == Goal::Fit {
        return Outcome::Feasible(best);
    }
    // Minimize: the optimum is in [lo, best.peak]. Try the lower bound first (it is the
    // optimum on most real traces), then bisect. Each probe may use half the remaining time.
    let mut lo = lower_bound;
    let mut proven = true;
    let mut first = true;
    while lo < best.peak {
        let now = Instant::now();
        if now >= deadline {
            proven = false;
            break;
        }
        let probe = if first {
            lo
        } else {
            lo + (best.peak - 1 - lo) / 2
        };
        first = false;
        let probe_deadline = now + (deadline - now) / 2;
        match fit(problem, probe, probe_deadline) {
            Fit::Found(s) => best = s,
            Fit::Infeasible => lo = probe + 1,
            Fit::TimedOut => {
                proven = false;
                lo = probe + 1;
            }
        }
    }
    if proven {
        Outcome::Solved(best)
    } else {
        Outcome::Feasible(best)
    }
}

/// The result of one feasibility search.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fit {
    Found(Solution),
    Infeasible,
    TimedOut,
}

/// Decides whether every buffer fits with peak <= `capacity`, stopping at `deadline`.
pub fn fit(problem: &Problem, capacity: u64, deadline: Instant) -> Fit {
    fit_with_stats(problem, capacity, deadline).0
}

/// Search statistics, for tuning and reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub nodes: u64,
    pub restarts: u64,
}

/// [`fit`], also returning how much searching it took.
pub fn fit_with_stats(problem: &Problem, capacity: u64, deadline: Instant) -> (Fit, Stats) {
    if problem.live_peak() > u128::from(capacity) {
        return (Fit::Infeasible, Stats::default());
    }
    // Only buffers that occupy bytes and are live at some time take part.
    let active: Vec<usize> = (0..problem.len())
        .filter(|&i| {
            let b = &problem.buffers[i];
            b.size > 0 && b.upper > b.lower
        })
        .collect();
    let mut offsets = vec![0u64; problem.len()];
    if active.is_empty() {
        return (
            Fit::Found(Solution::from_offsets(problem, offsets)),
            Stats::default(),
        );
    }
    let size: Vec<u64> = active.iter().map(|&i| problem.buffers[i].size).collect();
    let align: Vec<u64> = active
        .iter()
        .map(|&i| problem.buffers[i].alignment.max(1))
        .collect();
    if size.iter().any(|&s| s > capacity) {
        return (Fit::Infeasible, Stats::default());
    }
    let lifetimes: Vec<(u64, u64)> = active
        .iter()
        .map(|&i| (problem.buffers[i].lower, problem.buffers[i].upper))
        .collect();
    let sections = Sections::new(&lifetimes);
    let work = || {
        let mut engine = Engine::new(&sections, &size, &align, &lifetimes, capacity, deadline);
        let status = engine.run();
        let stats = Stats {
            nodes: engine.nodes,
            restarts: engine.restarts,
        };
        (status, engine.solution, stats)
    };
    // The recursion is up to 2n frames deep: give it a stack of its own (or, if no thread can
    // be made, use the current one).
    let stack = (64usize << 20).max(active.len() * 4096);
    let (status, local, stats) = std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name("arena-exact".into())
            .stack_size(stack)
            .spawn_scoped(scope, work);
        match handle {
            Ok(h) => h
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(_) => work(),
        }
    });
    match status {
        Status::Found => {
            for (k, &i) in active.iter().enumerate() {
                offsets[i] = local[k];
            }
            (Fit::Found(Solution::from_offsets(problem, offsets)), stats)
        }
        Status::NotFound => (Fit::Infeasible, stats),
        Status::TimedOut | Status::Aborted => (Fit::TimedOut, stats),
    }
}

const UNPLACED: u64 = u64::MAX;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Found,
    NotFound,
    /// The node limit of this round ran out.
    Aborted,
    TimedOut,
}

/// Static preorders tried round-robin: keys compared in turn, each descending.
#[derive(Clone, Copy)]
enum Key {
    Width,
    Area,
    Total,
}

const PREORDERS: [[Key; 3]; 3] = [
    [Key::Width, Key::Area, Key::Total],
    [Key::Total, Key::Area, Key::Width],
    [Key::Total, Key::Width, Key::Area],
];

struct Engine<'a> {
    sec: &'a Sections,
    size: &'a [u64],
    align: &'a [u64],
    lifetimes: &'a [(u64, u64)],
    cap: u64,
    deadline: Instant,
    keys: [Key; 3],
    rank: Vec<u32>,
    /// Offset of each placed buffer, `UNPLACED` otherwise.
    off: Vec<u64>,
    /// Lowest offset each unplaced buffer can take: above every placed buffer live at the
    /// same time, aligned.
    min_off: Vec<u64>,
    /// Per section: total size of the unplaced buffers live in it.
    total: Vec<u64>,
    /// Per section with unplaced buffers: one of them, `w`, with `min_off[w] + total <= cap`.
    /// Such a witness exists iff the section's unplaced buffers can still be stacked under
    /// the capacity above the lowest of them (section inference, MiniMalloc's "unallocated
    /// floor"). Kept up to date incrementally; restored on backtrack from `witness_log`.
    witness: Vec<u32>,
    /// Per buffer: in how many sections it is the witness.
    witness_count: Vec<u32>,
    /// Per boundary: unplaced buffers crossing it.
    cuts: Vec<u32>,
    min_log: Vec<(u32, u64)>,
    witness_log: Vec<(u32, u32)>,
    solution: Vec<u64>,
    nodes: u64,
    nodes_left: u64,
    restarts: u64,
    timed_out: bool,
}

const NONE: u32 = u32::MAX;

impl<'a> Engine<'a> {
    fn new(
        sec: &'a Sections,
        size: &'a [u64],
        align: &'a [u64],
        lifetimes: &'a [(u64, u64)],
        cap: u64,
        deadline: Instant,
    ) -> Engine<'a> {
        let n = size.len();
        let mut total = vec![0u64; sec.count()];
        for (b, &(lo, hi)) in sec.span.iter().enumerate() {
            for t in &mut total[lo as usize..hi as usize] {
                *t += size[b];
            }
        }
        // Every total is at most the lower bound, hence at most `cap`: any member will do.
        let witness: Vec<u32> = sec
            .members
            .iter()
            .map(|m| m.first().copied().unwrap_or(NONE))
            .collect();
        let mut witness_count = vec![0u32; n];
        for &w in witness.iter().filter(|&&w| w != NONE) {
            witness_count[w as usize] += 1;
        }
        Engine {
            sec,
            size,
            align,
            lifetimes,
            cap,
            deadline,
            keys: PREORDERS[0],
            rank: (0..n as u32).collect(),
            off: vec![UNPLACED; n],
            min_off: vec![0; n],
            cuts: sec.cuts(0..n as u32),
            total,
            witness,
            witness_count,
            min_log: Vec::new(),
            witness_log: Vec::new(),
            solution: vec![0; n],
            nodes: 0,
            nodes_left: 0,
            restarts: 0,
            timed_out: false,
        }
    }

    /// Ranks `buffers` (0, 1, ...) by the current preorder keys, computed on the current state
    /// (the `Total` key uses the unplaced totals).
    fn set_preorder(&mut self, buffers: &[u32]) {
        let keys = self.keys;
        let key = |b: usize, k: Key| -> u128 {
            let (lower, upper) = self.lifetimes[b];
            match k {
                Key::Width => u128::from(upper - lower),
                Key::Area => u128::from(upper - lower) * u128::from(self.size[b]),
                Key::Total => {
                    let (lo, hi) = self.sec.span[b];
                    let t = self.total[lo as usize..hi as usize].iter().copied().max();
                    u128::from(t.unwrap_or(0))
                }
            }
        };
        let mut order: Vec<(u128, u128, u128, u32)> = buffers
            .iter()
            .map(|&b| {
                let bu = b as usize;
                (key(bu, keys[0]), key(bu, keys[1]), key(bu, keys[2]), b)
            })
            .collect();
        order.sort_unstable_by(|a, b| (b.0, b.1, b.2, a.3).cmp(&(a.0, a.1, a.2, b.3)));
        for (r, &(_, _, _, b)) in order.iter().enumerate() {
            self.rank[b as usize] = r as u32;
        }
    }

    /// Round-robin over the preorders with a doubling node limit.
    fn run(&mut self) -> Status {
        let n = self.size.len() as u64;
        let all: Vec<u32> = (0..n as u32).collect();
        let mut limit = n.max(16);
        loop {
            limit = limit.saturating_mul(2);
            for keys in &PREORDERS {
                self.keys = *keys;
                self.nodes_left = limit;
                self.restarts += 1;
                let hi = self.sec.count() as u32;
                let zero: Vec<u32> = (1..hi)
                    .filter(|&k| self.cuts[k as usize - 1] == 0)
                    .collect();
                match self.decompose(0, hi, &all, zero) {
                    Status::Aborted => continue,
                    other => return other,
                }
            }
        }
    }

    /// Solves the unplaced buffers `remaining` of sections `[lo, hi)` part by part, split at
    /// `points` (section indices where no unplaced buffer crosses from `point - 1`). Each
    /// part gets its own preorder, computed on the current state.
    fn decompose(&mut self, lo: u32, hi: u32, remaining: &[u32], mut points: Vec<u32>) -> Status {
        points.sort_unstable();
        points.push(hi);
        let mut start = lo;
        for &end in &points {
            let part: Vec<u32> = remaining
                .iter()
                .copied()
                .filter(|&b| {
                    let (s_lo, s_hi) = self.sec.span[b as usize];
                    s_lo < end && s_hi > start
                })
                .collect();
            if !part.is_empty() {
                let saved: Vec<u32> = part.iter().map(|&b| self.rank[b as usize]).collect();
                self.set_preorder(&part);
                let status = self.search(start, end, &part, None);
                for (&b, &r) in part.iter().zip(&saved) {
                    self.rank[b as usize] = r;
                }
                if status != Status::Found {
                    return status;
                }
            }
            start = end;
        }
        Status::Found
    }

    /// One node: `remaining` are the unplaced buffers of sections `[lo, hi)`; `last` is the
    /// (offset, rank) of the buffer placed just before in this part, if any.
    fn search(&mut self, lo: u32, hi: u32, remaining: &[u32], last: Option<(u64, u32)>) -> Status {
        if self.nodes_left == 0 {
            return Status::Aborted;
        }
        self.nodes_left -= 1;
        self.nodes += 1;
        if self.nodes & 1023 == 0 && Instant::now() >= self.deadline {
            self.timed_out = true;
        }
        if self.timed_out {
            return Status::TimedOut;
        }
        if remaining.is_empty() {
            return Status::Found;
        }
        // Dominance: nothing may go at or above the lowest top an unplaced buffer can have.
        let mut min_height = u64::MAX;
        for &b in remaining {
            let b = b as usize;
            min_height = min_height.min(self.min_off[b].saturating_add(self.size[b]));
        }
        let mut cands: Vec<(u64, u32, u32)> = Vec::new();
        for &b in remaining {
            let bu = b as usize;
            let x = self.min_off[bu];
            if x >= min_height || x.saturating_add(self.size[bu]) > self.cap {
                continue;
            }
            let key = (x, self.rank[bu]);
            if last.is_some_and(|l| key <= l) {
                continue;
            }
            cands.push((key.0, key.1, b));
        }
        cands.sort_unstable();
        // Prefix and suffix maxima of the section totals over [lo, hi), to bound the largest
        // total left after placing a candidate without placing it.
        let totals = &self.total[lo as usize..hi as usize];
        let mut prefix = Vec::with_capacity(totals.len());
        let mut m = 0;
        for &t in totals {
            m = m.max(t);
            prefix.push(m);
        }
        let mut suffix = vec![0u64; totals.len() + 1];
        for i in (0..totals.len()).rev() {
            suffix[i] = suffix[i + 1].max(totals[i]);
        }
        let mut next: Vec<u32> = Vec::with_capacity(remaining.len());
        for (x, r, b) in cands {
            // Offsets only grow along a branch: after placing `b` at `x`, every section must
            // still hold its unplaced buffers above `x`.
            let bu = b as usize;
            let (s_lo, s_hi) = self.sec.span[bu];
            let (i_lo, i_hi) = ((s_lo - lo) as usize, (s_hi - lo) as usize);
            let mut left = if i_lo > 0 { prefix[i_lo - 1] } else { 0 };
            left = left.max(suffix[i_hi]);
            let inside = self.total[s_lo as usize..s_hi as usize]
                .iter()
                .copied()
                .max();
            let after = left.max(inside.unwrap_or(0) - self.size[bu]);
            if x.saturating_add(after) > self.cap {
                continue;
            }
            let min_mark = self.min_log.len();
            let witness_mark = self.witness_log.len();
            let mut zero_cuts = Vec::new();
            let hat = self.place(b, x, &mut zero_cuts);
            let mut status = Status::NotFound;
            // Every section must still have a witness.
            if self.revalidate(b, min_mark) {
                next.clear();
                next.extend(remaining.iter().copied().filter(|&o| o != b));
                status = if zero_cuts.is_empty() {
                    self.search(lo, hi, &next, Some((x, r)))
                } else {
                    self.decompose(lo, hi, &next, zero_cuts)
                };
            }
            self.unplace(b, min_mark, witness_mark);
            match status {
                Status::Found => {
                    self.solution[b as usize] = x;
                    return Status::Found;
                }
                Status::NotFound => {}
                other => return other,
            }
            // "Hatless" pruning: `b` overlapped no unplaced buffer, so its placement did not
            // constrain the rest; any other first move leaves `b` unplaceable (its offset could
            // never rise to respect the canonical order).
            if !hat {
                break;
            }
        }
        Status::NotFound
    }

    /// Places `b` at `x`: raises the lowest offsets of the unplaced buffers it overlaps
    /// (logged in `min_log`), lowers the section totals and the cut counts (pushing the
    /// boundaries whose count dropped to zero). Returns whether `b` overlaps an unplaced
    /// buffer.
    fn place(&mut self, b: u32, x: u64, zero_cuts: &mut Vec<u32>) -> bool {
        let sec = self.sec;
        let bu = b as usize;
        self.off[bu] = x;
        let top = x + self.size[bu];
        let mut hat = false;
        for &o in &sec.overlaps[bu] {
            let ou = o as usize;
            if self.off[ou] != UNPLACED {
                continue;
            }
            hat = true;
            let v = round_up(top, self.align[ou]);
            if v > self.min_off[ou] {
                self.min_log.push((o, self.min_off[ou]));
                self.min_off[ou] = v;
            }
        }
        let (lo, hi) = sec.span[bu];
        for t in &mut self.total[lo as usize..hi as usize] {
            *t -= self.size[bu];
        }
        for k in lo..hi.saturating_sub(1) {
            let c = &mut self.cuts[k as usize];
            *c -= 1;
            if *c == 0 {
                zero_cuts.push(k + 1);
            }
        }
        hat
    }

    /// Restores the witness invariant after `b` was placed and the lowest offsets in
    /// `min_log[min_mark..]` were raised; false if some section has no witness left.
    fn revalidate(&mut self, b: u32, min_mark: usize) -> bool {
        let sec = self.sec;
        let (lo, hi) = sec.span[b as usize];
        for s in lo..hi {
            if self.witness[s as usize] == b && !self.find_witness(s) {
                return false;
            }
        }
        for k in min_mark..self.min_log.len() {
            let o = self.min_log[k].0;
            if self.witness_count[o as usize] == 0 {
                continue;
            }
            let (lo, hi) = sec.span[o as usize];
            for s in lo..hi {
                let su = s as usize;
                if self.witness[su] == o
                    && self.min_off[o as usize].saturating_add(self.total[su]) > self.cap
                    && !self.find_witness(s)
                {
                    return false;
                }
            }
        }
        true
    }

    /// Looks for a new witness of section `s` (logging the change); false if there is none.
    fn find_witness(&mut self, s: u32) -> bool {
        let su = s as usize;
        let slack = self.cap - self.total[su];
        let mut found = NONE;
        if self.total[su] > 0 {
            for &m in &self.sec.members[su] {
                let mu = m as usize;
                if self.off[mu] == UNPLACED && self.min_off[mu] <= slack {
                    found = m;
                    break;
                }
            }
            if found == NONE {
                return false;
            }
        }
        self.set_witness(s, found);
        true
    }

    fn set_witness(&mut self, s: u32, w: u32) {
        let old = std::mem::replace(&mut self.witness[s as usize], w);
        if old != NONE {
            self.witness_count[old as usize] -= 1;
        }
        if w != NONE {
            self.witness_count[w as usize] += 1;
        }
        self.witness_log.push((s, old));
    }

    fn unplace(&mut self, b: u32, min_mark: usize, witness_mark: usize) {
        let bu = b as usize;
        while self.witness_log.len() > witness_mark {
            let (s, w) = self.witness_log.pop().unwrap_or((0, NONE));
            let current = std::mem::replace(&mut self.witness[s as usize], w);
            if current != NONE {
                self.witness_count[current as usize] -= 1;
            }
            if w != NONE {
                self.witness_count[w as usize] += 1;
            }
        }
        while self.min_log.len() > min_mark {
            let (o, v) = self.min_log.pop().unwrap_or((0, 0));
            self.min_off[o as usize] = v;
        }
        let (lo, hi) = self.sec.span[bu];
        for t in &mut self.total[lo as usize..hi as usize] {
            *t += self.size[bu];
        }
        for k in lo..hi.saturating_sub(1) {
            self.cuts[k as usize] += 1;
        }
        self.off[bu] = UNPLACED;
    }
}
