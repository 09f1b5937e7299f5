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
//! - section inference: in every time section, the unplaced buffers live there still need
//!   their total size above the section's floor (the lowest offset any of them can take);
//! - decomposition: when no unplaced buffer crosses a boundary between time sections, both
//!   sides are solved independently (at the start and during the search).
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
    let goal = if capacity.is_some() { Goal::Fit } else { Goal::Minimize };
    solve_with(problem, &ExactOptions { capacity, budget, goal, ..ExactOptions::default() })
}

/// [`solve`] with every option.
pub fn solve_with(problem: &Problem, options: &ExactOptions) -> Outcome {
    let start = Instant::now();
    let mut deadline = start.checked_add(options.budget).unwrap_or(start + Duration::from_secs(1 << 40));
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
        let probe = if first { lo } else { lo + (best.peak - 1 - lo) / 2 };
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
    if problem.lower_bound() > capacity {
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
        return (Fit::Found(Solution::from_offsets(problem, offsets)), Stats::default());
    }
    let size: Vec<u64> = active.iter().map(|&i| problem.buffers[i].size).collect();
    let align: Vec<u64> = active.iter().map(|&i| problem.buffers[i].alignment.max(1)).collect();
    if size.iter().any(|&s| s > capacity) {
        return (Fit::Infeasible, Stats::default());
    }
    let lifetimes: Vec<(u64, u64)> =
        active.iter().map(|&i| (problem.buffers[i].lower, problem.buffers[i].upper)).collect();
    let sections = Sections::new(&lifetimes);
    let stack = (64usize << 20).max(active.len() * 4096);
    let result = std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name("arena-exact".into())
            .stack_size(stack)
            .spawn_scoped(scope, || {
                let mut engine = Engine::new(&sections, &size, &align, &lifetimes, capacity, deadline);
                let fit = engine.run();
                (fit, engine.solution, Stats { nodes: engine.nodes, restarts: engine.restarts })
            });
        match handle {
            Ok(h) => h.join().ok(),
            Err(_) => None,
        }
    });
    let Some((status, local, stats)) = result else {
        return (Fit::TimedOut, Stats::default());
    };
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
    rank: Vec<u32>,
    /// Offset of each placed buffer, `UNPLACED` otherwise.
    off: Vec<u64>,
    /// Lowest offset each unplaced buffer can take (aligned).
    min_off: Vec<u64>,
    /// Per section: total size of the unplaced buffers live in it.
    total: Vec<u64>,
    /// Per section: a lower bound on the offset of every unplaced buffer live in it.
    floor: Vec<u64>,
    /// Per boundary: unplaced buffers crossing it.
    cuts: Vec<u32>,
    min_log: Vec<(u32, u64)>,
    floor_log: Vec<(u32, u64)>,
    stamp: Vec<u32>,
    now: u32,
    affected: Vec<u32>,
    solution: Vec<u64>,
    nodes: u64,
    nodes_left: u64,
    restarts: u64,
    timed_out: bool,
}

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
        Engine {
            sec,
            size,
            align,
            lifetimes,
            cap,
            deadline,
            rank: (0..n as u32).collect(),
            off: vec![UNPLACED; n],
            min_off: vec![0; n],
            floor: vec![0; sec.count()],
            cuts: sec.cuts(0..n as u32),
            total,
            min_log: Vec::new(),
            floor_log: Vec::new(),
            stamp: vec![0; sec.count()],
            now: 0,
            affected: Vec::new(),
            solution: vec![0; n],
            nodes: 0,
            nodes_left: 0,
            restarts: 0,
            timed_out: false,
        }
    }

    fn set_preorder(&mut self, keys: &[Key]) {
        let n = self.size.len();
        let key = |b: usize, k: Key| -> u128 {
            let (lower, upper) = self.lifetimes[b];
            match k {
                Key::Width => u128::from(upper - lower),
                Key::Area => u128::from(upper - lower) * u128::from(self.size[b]),
                Key::Total => {
                    let (lo, hi) = self.sec.span[b];
                    u128::from(self.total[lo as usize..hi as usize].iter().copied().max().unwrap_or(0))
                }
            }
        };
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| {
            for &k in keys {
                let c = key(b, k).cmp(&key(a, k));
                if c.is_ne() {
                    return c;
                }
            }
            a.cmp(&b)
        });
        for (r, &b) in order.iter().enumerate() {
            self.rank[b] = r as u32;
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
                self.set_preorder(keys);
                self.nodes_left = limit;
                self.restarts += 1;
                let hi = self.sec.count() as u32;
                let zero: Vec<u32> =
                    (1..hi).filter(|&k| self.cuts[k as usize - 1] == 0).collect();
                let status = self.decompose(0, hi, &all, zero);
                match status {
                    Status::Aborted => continue,
                    other => return other,
                }
            }
        }
    }

    /// Solves the unplaced buffers `remaining` of sections `[lo, hi)` part by part, split at
    /// `points` (section indices where no unplaced buffer crosses from `point - 1`).
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
                let status = self.search(start, end, &part, None);
                if status != Status::Found {
                    return status;
                }
            }
            start = end;
        }
        Status::Found
    }

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
        let mut min_height = u64::MAX;
        for &b in remaining {
            let b = b as usize;
            min_height = min_height.min(self.min_off[b] + self.size[b]);
        }
        let mut cands: Vec<(u64, u32, u32)> = Vec::new();
        for &b in remaining {
            let bu = b as usize;
            let x = self.min_off[bu];
            if x >= min_height || x + self.size[bu] > self.cap {
                continue;
            }
            let key = (x, self.rank[bu]);
            if let Some(l) = last {
                if key <= l {
                    continue;
                }
            }
            cands.push((key.0, key.1, b));
        }
        cands.sort_unstable();
        let mut next: Vec<u32> = Vec::with_capacity(remaining.len());
        for (x, r, b) in cands {
            let min_mark = self.min_log.len();
            let floor_mark = self.floor_log.len();
            let mut zero_cuts = Vec::new();
            let hat = self.place(b, x, &mut zero_cuts);
            let mut status = Status::NotFound;
            if self.check(lo, hi, x) {
                next.clear();
                next.extend(remaining.iter().copied().filter(|&o| o != b));
                status = if zero_cuts.is_empty() {
                    self.search(lo, hi, &next, Some((x, r)))
                } else {
                    self.decompose(lo, hi, &next, zero_cuts)
                };
            }
            self.unplace(b, min_mark, floor_mark);
            match status {
                Status::Found => {
                    self.solution[b as usize] = x;
                    return Status::Found;
                }
                Status::NotFound => {}
                other => return other,
            }
            if !hat {
                break;
            }
        }
        Status::NotFound
    }

    /// Places `b` at `x`; returns whether some unplaced buffer overlaps `b` in time, and
    /// pushes the boundaries whose cut count dropped to zero (as section indices).
    fn place(&mut self, b: u32, x: u64, zero_cuts: &mut Vec<u32>) -> bool {
        let sec = self.sec;
        let bu = b as usize;
        self.off[bu] = x;
        let top = x + self.size[bu];
        self.now = self.now.wrapping_add(1);
        if self.now == 0 {
            self.stamp.iter_mut().for_each(|s| *s = 0);
            self.now = 1;
        }
        self.affected.clear();
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
                let (lo, hi) = sec.span[ou];
                for s in lo..hi {
                    if self.stamp[s as usize] != self.now {
                        self.stamp[s as usize] = self.now;
                        self.affected.push(s);
                    }
                }
            }
        }
        let (lo, hi) = sec.span[bu];
        for s in lo..hi {
            let su = s as usize;
            self.floor_log.push((s, self.floor[su]));
            self.floor[su] = top;
            self.total[su] -= self.size[bu];
        }
        for k in 0..self.affected.len() {
            let s = self.affected[k] as usize;
            let mut m = UNPLACED;
            for &o in &sec.members[s] {
                let ou = o as usize;
                if self.off[ou] == UNPLACED {
                    m = m.min(self.min_off[ou]);
                }
            }
            if m != UNPLACED && self.floor[s] < m {
                self.floor_log.push((s, self.floor[s]));
                self.floor[s] = m;
            }
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

    fn unplace(&mut self, b: u32, min_mark: usize, floor_mark: usize) {
        let bu = b as usize;
        while self.floor_log.len() > floor_mark {
            let (s, v) = self.floor_log.pop().unwrap_or((0, 0));
            self.floor[s as usize] = v;
        }
        while self.min_log.len() > min_mark {
            let (o, v) = self.min_log.pop().unwrap_or((0, 0));
            self.min_off[o as usize] = v;
        }
        let (lo, hi) = self.sec.span[bu];
        for s in lo..hi {
            self.total[s as usize] += self.size[bu];
        }
        for k in lo..hi.saturating_sub(1) {
            self.cuts[k as usize] += 1;
        }
        self.off[bu] = UNPLACED;
    }

    /// Section inference: every section of `[lo, hi)` can still hold its unplaced buffers
    /// above its floor (and above `x`, since offsets only grow along a branch).
    fn check(&self, lo: u32, hi: u32, x: u64) -> bool {
        for s in lo as usize..hi as usize {
            let t = self.total[s];
            if t > 0 && self.floor[s].max(x) + t > self.cap {
                return false;
            }
        }
        true
    }
}
