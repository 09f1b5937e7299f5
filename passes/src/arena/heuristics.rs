//! Fast placements: greedy planners that place buffers one by one in a fixed order, never
//! moving a placed buffer. `best` runs every (order, fit) pair plus the "skyline" planner and
//! keeps the lowest peak; `tflm_greedy` reproduces TFLite Micro's GreedyMemoryPlanner (size
//! descending, first fit) for comparison reports. Each planner takes O(n log n + P log P)
//! time for P pairs of buffers live at the same time (at worst n^2).
//!
//! [`best_until`] is the same search under a deadline, for callers whose time limit covers the
//! heuristics too (`tmlc arena --timeout`): it starts from the naive placement (O(n)), then
//! start-ordered first fit computed by a sweep over time that needs no pair lists, then builds
//! the pair lists (at most [`MAX_PAIRS`]) and tries the other planners, each abandoned when the
//! deadline passes.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::time::Instant;

use super::problem::{round_up, Problem, Solution};

/// The order in which a greedy planner takes the buffers (ties: input order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Order {
    /// Largest first (TFLite Micro's order; ties: longer lifetime first).
    SizeDesc,
    /// Longest lifetime first (ties: larger first).
    WidthDesc,
    /// Largest size x lifetime first.
    AreaDesc,
    /// Earliest start first (ties: larger first).
    StartAsc,
    /// Buffers live at the busiest times first: by the maximum total live size over the
    /// buffer's lifetime, descending (ties: larger first).
    PressureDesc,
    /// Most time-overlapping buffers first (ties: larger first).
    ConflictsDesc,
}

impl Order {
    pub const ALL: [Order; 6] = [
        Order::SizeDesc,
        Order::WidthDesc,
        Order::AreaDesc,
        Order::StartAsc,
        Order::PressureDesc,
        Order::ConflictsDesc,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Order::SizeDesc => "size",
            Order::WidthDesc => "width",
            Order::AreaDesc => "area",
            Order::StartAsc => "start",
            Order::PressureDesc => "pressure",
            Order::ConflictsDesc => "conflicts",
        }
    }
}

/// Where a greedy planner puts a buffer among the gaps left by already-placed buffers that
/// are live at the same time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fit {
    /// The lowest offset where it fits.
    First,
    /// The smallest gap where it fits (ties: lowest); on top of everything if none fits.
    Best,
}

/// How a heuristic placement was made, for reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Strategy {
    /// Take buffers in `Order`, put each at a gap chosen by `Fit`.
    Greedy(Order, Fit),
    /// Repeatedly place, among unplaced buffers, the one that can go lowest (on top of
    /// everything placed that overlaps it in time; ties broken by `Order`).
    Skyline(Order),
    /// TFLite Micro's GreedyMemoryPlanner.
    Tflm,
    /// Every buffer in its own bytes (the fallback when time runs out at once).
    Naive,
}

impl std::fmt::Display for Strategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Strategy::Greedy(order, Fit::First) => write!(f, "greedy {} first-fit", order.name()),
            Strategy::Greedy(order, Fit::Best) => write!(f, "greedy {} best-fit", order.name()),
            Strategy::Skyline(order) => write!(f, "skyline {}", order.name()),
            Strategy::Tflm => write!(f, "tflm greedy"),
            Strategy::Naive => write!(f, "naive"),
        }
    }
}

/// Runs one strategy.
pub fn run(problem: &Problem, strategy: Strategy) -> Solution {
    run_with(problem, strategy, &overlap_lists(problem))
}

fn run_with(problem: &Problem, strategy: Strategy, overlaps: &[Vec<usize>]) -> Solution {
    match strategy {
        Strategy::Greedy(order, fit) => greedy_with(
            problem,
            &ordering_with(problem, order, overlaps),
            fit,
            overlaps,
        ),
        Strategy::Skyline(order) => {
            skyline_with(problem, &ordering_with(problem, order, overlaps), overlaps)
        }
        Strategy::Tflm => tflm_greedy(problem),
        Strategy::Naive => naive(problem),
    }
}

/// Pair lists longer than this are not built under a deadline (their memory would dwarf the
/// problem's); the sweep's placement stands.
pub const MAX_PAIRS: usize = 20_000_000;

/// How many placements a deadline-bound planner makes between two looks at the clock.
const CLOCK_EVERY: usize = 1024;

/// Every buffer in its own bytes, in input order.
pub fn naive(problem: &Problem) -> Solution {
    let mut top = 0u64;
    let offsets = problem
        .buffers
        .iter()
        .map(|b| {
            let at = round_up(top, b.alignment);
            top = at.saturating_add(b.size);
            at
        })
        .collect();
    Solution::from_offsets(problem, offsets)
}

/// Start-ordered first fit (the placement of `Greedy(StartAsc, First)`) by a sweep over time: in
/// that order the placed buffers live at the same time as the next one are exactly those still
/// live at its start, kept by offset. `None` when the deadline passes first.
pub fn start_first_fit_sweep(problem: &Problem, deadline: Instant) -> Option<Solution> {
    let b = &problem.buffers;
    let order = ordering_with(problem, Order::StartAsc, &[]);
    let mut offsets = vec![0u64; b.len()];
    // Live placed buffers by (offset, index) -> end offset; ends by (upper, offset, index).
    let mut live: BTreeMap<(u64, usize), u64> = BTreeMap::new();
    let mut ends: BinaryHeap<Reverse<(u64, u64, usize)>> = BinaryHeap::new();
    for (count, &i) in order.iter().enumerate() {
        if count.is_multiple_of(CLOCK_EVERY) && Instant::now() >= deadline {
            return None;
        }
        let x = &b[i];
        while let Some(&Reverse((upper, offset, j))) = ends.peek() {
            if upper > x.lower {
                break;
            }
            ends.pop();
            live.remove(&(offset, j));
        }
        if x.size == 0 {
            continue;
        }
        let mut cursor = 0u64;
        let mut chosen = None;
        for (&(start, _), &end) in &live {
            let at = round_up(cursor, x.alignment);
            if start > cursor && at.saturating_add(x.size) <= start {
                chosen = Some(at);
                break;
            }
            cursor = cursor.max(end);
        }
        let at = chosen.unwrap_or_else(|| round_up(cursor, x.alignment));
        offsets[i] = at;
        live.insert((at, i), at.saturating_add(x.size));
        ends.push(Reverse((x.upper, at, i)));
    }
    Some(Solution::from_offsets(problem, offsets))
}

/// [`best`] under a deadline: the best placement found before `deadline`, never worse than the
/// naive one, and `None` for TFLite Micro's peak unless there was time to compute it.
pub fn best_until(problem: &Problem, deadline: Instant) -> (Strategy, Solution, Option<u64>) {
    let mut best = (Strategy::Naive, naive(problem));
    let lower_bound = problem.lower_bound();
    let consider = |strategy: Strategy, solution: Solution, best: &mut (Strategy, Solution)| {
        if solution.peak < best.1.peak {
            *best = (strategy, solution);
        }
    };
    if let Some(solution) = start_first_fit_sweep(problem, deadline) {
        consider(
            Strategy::Greedy(Order::StartAsc, Fit::First),
            solution,
            &mut best,
        );
    }
    let Some(overlaps) = overlap_lists_until(problem, deadline) else {
        return (best.0, best.1, None);
    };
    let tflm = {
        let mut order: Vec<usize> = (0..problem.len()).collect();
        order.sort_by_key(|&i| Reverse(problem.buffers[i].size));
        greedy_until(problem, &order, Fit::First, &overlaps, Some(deadline)).map(|s| s.peak)
    };
    for strategy in strategies() {
        if best.1.peak <= lower_bound || Instant::now() >= deadline {
            break;
        }
        let solution = match strategy {
            Strategy::Greedy(order, fit) => greedy_until(
                problem,
                &ordering_with(problem, order, &overlaps),
                fit,
                &overlaps,
                Some(deadline),
            ),
            Strategy::Skyline(order) => skyline_until(
                problem,
                &ordering_with(problem, order, &overlaps),
                &overlaps,
                Some(deadline),
            ),
            Strategy::Tflm | Strategy::Naive => None,
        };
        if let Some(solution) = solution {
            consider(strategy, solution, &mut best);
        }
    }
    (best.0, best.1, tflm)
}

/// [`overlap_lists`], or `None` when the deadline passes or the lists would hold more than
/// [`MAX_PAIRS`] pairs.
fn overlap_lists_until(problem: &Problem, deadline: Instant) -> Option<Vec<Vec<usize>>> {
    let b = &problem.buffers;
    let mut by_lower: Vec<usize> = (0..b.len()).collect();
    by_lower.sort_by_key(|&i| (b[i].lower, i));
    let mut lists = vec![Vec::new(); b.len()];
    let mut active: Vec<usize> = Vec::new();
    let mut pairs = 0usize;
    for (count, &i) in by_lower.iter().enumerate() {
        if count.is_multiple_of(CLOCK_EVERY) && Instant::now() >= deadline {
            return None;
        }
        active.retain(|&j| b[j].upper > b[i].lower);
        pairs += active.len();
        if pairs > MAX_PAIRS {
            return None;
        }
        for &j in &active {
            if b[j].lower < b[i].upper {
                lists[i].push(j);
                lists[j].push(i);
            }
        }
        active.push(i);
    }
    for list in &mut lists {
        list.sort_unstable();
    }
    Some(lists)
}

/// Every strategy `best` tries, in the order it tries them.
pub fn strategies() -> Vec<Strategy> {
    let mut all = Vec::new();
    for order in Order::ALL {
        all.push(Strategy::Greedy(order, Fit::First));
        all.push(Strategy::Greedy(order, Fit::Best));
        all.push(Strategy::Skyline(order));
    }
    all
}

/// Runs every strategy of [`strategies`] and returns the one with the lowest peak (ties: the
/// first tried) with its solution.
pub fn best(problem: &Problem) -> (Strategy, Solution) {
    let mut best: Option<(Strategy, Solution)> = None;
    let lower_bound = problem.lower_bound();
    let overlaps = overlap_lists(problem);
    for strategy in strategies() {
        let solution = run_with(problem, strategy, &overlaps);
        if best.as_ref().is_none_or(|(_, b)| solution.peak < b.peak) {
            let done = solution.peak <= lower_bound;
            best = Some((strategy, solution));
            if done {
                break;
            }
        }
    }
    best.unwrap_or((
        Strategy::Tflm,
        Solution {
            offsets: Vec::new(),
            peak: 0,
        },
    ))
}

/// TFLite Micro's GreedyMemoryPlanner: buffers sorted by size, largest first (a stable sort,
/// so ties keep input order), each put at the lowest offset where it fits between the
/// already-placed buffers live at the same time. Alignment is honored by rounding up.
pub fn tflm_greedy(problem: &Problem) -> Solution {
    let mut order: Vec<usize> = (0..problem.len()).collect();
    order.sort_by_key(|&i| Reverse(problem.buffers[i].size));
    greedy(problem, &order, Fit::First)
}

/// The buffer indices sorted by `order` (ties: input order).
pub fn ordering(problem: &Problem, order: Order) -> Vec<usize> {
    ordering_with(problem, order, &overlap_lists(problem))
}

fn ordering_with(problem: &Problem, order: Order, overlaps: &[Vec<usize>]) -> Vec<usize> {
    let b = &problem.buffers;
    let mut idx: Vec<usize> = (0..b.len()).collect();
    match order {
        Order::SizeDesc => idx.sort_by_key(|&i| (Reverse(b[i].size), Reverse(b[i].width()), i)),
        Order::WidthDesc => idx.sort_by_key(|&i| (Reverse(b[i].width()), Reverse(b[i].size), i)),
        Order::AreaDesc => idx.sort_by_key(|&i| (Reverse(b[i].area()), Reverse(b[i].size), i)),
        Order::StartAsc => idx.sort_by_key(|&i| (b[i].lower, Reverse(b[i].size), i)),
        Order::PressureDesc => {
            let pressure = pressures(problem);
            idx.sort_by_key(|&i| (Reverse(pressure[i]), Reverse(b[i].size), i));
        }
        Order::ConflictsDesc => {
            idx.sort_by_key(|&i| (Reverse(overlaps[i].len()), Reverse(b[i].size), i));
        }
    }
    idx
}

/// For each buffer, the maximum total size live at any time of its lifetime.
pub fn pressures(problem: &Problem) -> Vec<u128> {
    let b = &problem.buffers;
    let mut times: Vec<u64> = b.iter().flat_map(|x| [x.lower, x.upper]).collect();
    times.sort_unstable();
    times.dedup();
    let index = |t: u64| times.partition_point(|&x| x < t);
    // live[s]: total size live in elementary interval [times[s], times[s + 1]).
    let mut delta = vec![0i128; times.len() + 1];
    for x in b {
        delta[index(x.lower)] += i128::from(x.size);
        delta[index(x.upper)] -= i128::from(x.size);
    }
    let mut live = Vec::with_capacity(times.len());
    let mut acc = 0i128;
    for d in &delta[..times.len()] {
        acc += d;
        live.push(acc.max(0) as u128);
    }
    b.iter()
        .map(|x| {
            live[index(x.lower)..index(x.upper)]
                .iter()
                .copied()
                .max()
                .unwrap_or(0)
        })
        .collect()
}

/// For each buffer, the buffers whose lifetimes overlap its own (sorted ascending).
pub fn overlap_lists(problem: &Problem) -> Vec<Vec<usize>> {
    let b = &problem.buffers;
    let mut by_lower: Vec<usize> = (0..b.len()).collect();
    by_lower.sort_by_key(|&i| (b[i].lower, i));
    let mut lists = vec![Vec::new(); b.len()];
    let mut active: Vec<usize> = Vec::new();
    for &i in &by_lower {
        active.retain(|&j| b[j].upper > b[i].lower);
        for &j in &active {
            if b[j].lower < b[i].upper {
                lists[i].push(j);
                lists[j].push(i);
            }
        }
        active.push(i);
    }
    for list in &mut lists {
        list.sort_unstable();
    }
    lists
}

/// Places buffers in `order`, each at a gap chosen by `fit` among placed buffers live at the
/// same time. Buffers not in `order` are left at offset 0 (callers pass a permutation).
pub fn greedy(problem: &Problem, order: &[usize], fit: Fit) -> Solution {
    greedy_with(problem, order, fit, &overlap_lists(problem))
}

fn greedy_with(problem: &Problem, order: &[usize], fit: Fit, overlaps: &[Vec<usize>]) -> Solution {
    greedy_until(problem, order, fit, overlaps, None).expect("no deadline")
}

/// [`greedy_with`], abandoned (`None`) when `deadline` passes.
fn greedy_until(
    problem: &Problem,
    order: &[usize],
    fit: Fit,
    overlaps: &[Vec<usize>],
    deadline: Option<Instant>,
) -> Option<Solution> {
    let b = &problem.buffers;
    let mut offsets = vec![0u64; b.len()];
    let mut placed = vec![false; b.len()];
    let mut busy: Vec<(u64, u64)> = Vec::new();
    for (count, &i) in order.iter().enumerate() {
        if count.is_multiple_of(CLOCK_EVERY) && deadline.is_some_and(|d| Instant::now() >= d) {
            return None;
        }
        let x = &b[i];
        busy.clear();
        for &j in &overlaps[i] {
            if placed[j] && b[j].size > 0 {
                busy.push((offsets[j], offsets[j].saturating_add(b[j].size)));
            }
        }
        busy.sort_unstable();
        offsets[i] = if x.size == 0 {
            0
        } else {
            choose_gap(&busy, x.size, x.alignment, fit)
        };
        placed[i] = true;
    }
    Some(Solution::from_offsets(problem, offsets))
}

/// The offset for a buffer of `size` and `alignment` among `busy` byte ranges sorted by start.
fn choose_gap(busy: &[(u64, u64)], size: u64, alignment: u64, fit: Fit) -> u64 {
    let mut cursor = 0u64; // everything below `cursor` is taken or examined
    let mut best: Option<(u64, u64)> = None; // (gap length, offset)
    for &(start, end) in busy {
        let at = round_up(cursor, alignment);
        if start > cursor && at.saturating_add(size) <= start {
            match fit {
                Fit::First => return at,
                Fit::Best => {
                    let gap = start - cursor;
                    if best.is_none_or(|(g, _)| gap < g) {
                        best = Some((gap, at));
                    }
                }
            }
        }
        cursor = cursor.max(end);
    }
    match best {
        Some((_, at)) => at,
        None => round_up(cursor, alignment),
    }
}

/// The skyline planner: repeatedly picks the unplaced buffer whose lowest possible offset
/// (just above every placed buffer live at the same time) is smallest, ties broken by rank in
/// `order`, and places it there. This is the first dive of the exact search without a
/// capacity.
pub fn skyline(problem: &Problem, order: &[usize]) -> Solution {
    skyline_with(problem, order, &overlap_lists(problem))
}

fn skyline_with(problem: &Problem, order: &[usize], overlaps: &[Vec<usize>]) -> Solution {
    skyline_until(problem, order, overlaps, None).expect("no deadline")
}

/// [`skyline_with`], abandoned (`None`) when `deadline` passes.
fn skyline_until(
    problem: &Problem,
    order: &[usize],
    overlaps: &[Vec<usize>],
    deadline: Option<Instant>,
) -> Option<Solution> {
    let b = &problem.buffers;
    let n = b.len();
    let mut rank = vec![usize::MAX; n];
    for (r, &i) in order.iter().enumerate() {
        rank[i] = r;
    }
    let mut min_offset = vec![0u64; n];
    let mut offsets = vec![0u64; n];
    let mut placed = vec![false; n];
    // A min-heap of (lowest offset, rank, buffer); stale entries are skipped when popped.
    let mut heap: BinaryHeap<Reverse<(u64, usize, usize)>> =
        (0..n).map(|i| Reverse((0, rank[i], i))).collect();
    let mut count = 0usize;
    while let Some(Reverse((at, _, i))) = heap.pop() {
        if placed[i] || at != min_offset[i] {
            continue;
        }
        count += 1;
        if count.is_multiple_of(CLOCK_EVERY) && deadline.is_some_and(|d| Instant::now() >= d) {
            return None;
        }
        placed[i] = true;
        offsets[i] = at;
        if b[i].size == 0 {
            continue;
        }
        let top = at.saturating_add(b[i].size);
        for &j in &overlaps[i] {
            let raised = round_up(top, b[j].alignment);
            if !placed[j] && raised > min_offset[j] {
                min_offset[j] = raised;
                heap.push(Reverse((raised, rank[j], j)));
            }
        }
    }
    Some(Solution::from_offsets(problem, offsets))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arena::checker::check;
    use crate::arena::problem::Buffer;

    fn example() -> Problem {
        Problem::new(vec![
            Buffer::new("b1", 0, 3, 4),
            Buffer::new("b2", 3, 9, 4),
            Buffer::new("b3", 0, 9, 4),
            Buffer::new("b4", 9, 21, 4),
            Buffer::new("b5", 0, 21, 4),
        ])
    }

    #[test]
    fn every_strategy_is_valid() {
        let p = example();
        for s in strategies().into_iter().chain([Strategy::Tflm]) {
            let sol = run(&p, s);
            assert_eq!(check(&p, &sol.offsets), Ok(sol.peak), "{s}");
        }
        assert_eq!(best(&p).1.peak, 12);
    }

    #[test]
    fn first_fit_vs_best_fit() {
        // Gaps [0,4) (length 4) and [6,8) (length 2) around buffers at [4,6) and [8,10).
        let busy = [(4, 6), (8, 10)];
        assert_eq!(choose_gap(&busy, 2, 1, Fit::First), 0);
        assert_eq!(choose_gap(&busy, 2, 1, Fit::Best), 6);
        assert_eq!(choose_gap(&busy, 5, 1, Fit::Best), 10);
        assert_eq!(choose_gap(&busy, 2, 4, Fit::First), 0);
        assert_eq!(choose_gap(&[(0, 1)], 2, 4, Fit::First), 4);
    }

    #[test]
    fn tflm_is_size_descending_first_fit() {
        // Sizes 8 then 4 then 4; the two 4s never live together so they share offset 8.
        let p = Problem::new(vec![
            Buffer::new("x", 0, 2, 4),
            Buffer::new("y", 0, 4, 8),
            Buffer::new("z", 2, 4, 4),
        ]);
        let sol = tflm_greedy(&p);
        assert_eq!(sol.offsets, vec![8, 0, 8]);
        assert_eq!(sol.peak, 12);
    }

    #[test]
    fn alignment_is_respected() {
        let p = Problem::new(vec![
            Buffer::new("a", 0, 2, 3),
            Buffer::new("b", 0, 2, 5).with_alignment(8),
            Buffer::new("c", 0, 2, 1).with_alignment(2),
        ]);
        for s in strategies().into_iter().chain([Strategy::Tflm]) {
            let sol = run(&p, s);
            assert!(check(&p, &sol.offsets).is_ok(), "{s}");
        }
    }
}
