//! Tests of the arena planner (`tmlc_passes::arena`): hand-made cases, CSV errors, the checker
//! catching a planted overlap, and the shared benchmarks (MiniMalloc's 11 challenging
//! instances must fit their capacity; two real traces must reach the lower bound), every
//! result verified by the independent checker.
//!
//! The benchmarks are read from `$TMLC_SHARED/alloc-benchmarks` (default
//! `<manifest>/../../shared`); when missing, the tests print `SKIPPED:` and pass, unless
//! `CI=true`, where they fail.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use tmlc_passes::arena::{
    check, csv, exact, heuristics, plan, Buffer, CheckError, Goal, Method, Outcome, PlanOptions,
    Problem, Status,
};

/// Per-instance budget for the exact search: generous, so a slow machine still passes, but a
/// test can never hang.
const BUDGET: Duration = Duration::from_secs(60);

fn benchmarks() -> Option<PathBuf> {
    let shared = std::env::var_os("TMLC_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"));
    let dir = shared.join("alloc-benchmarks");
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("alloc benchmarks not found at {} (CI=true)", dir.display());
    }
    eprintln!(
        "SKIPPED: alloc benchmarks not found at {}; set TMLC_SHARED to the shared data folder",
        dir.display()
    );
    None
}

fn load(path: &std::path::Path) -> Problem {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    csv::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

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
fn example_fits_in_12() {
    let p = example();
    assert_eq!(p.lower_bound(), 12);
    match exact::solve(&p, Some(12), BUDGET) {
        Outcome::Solved(s) => assert_eq!(check(&p, &s.offsets), Ok(12)),
        other => panic!("{other:?}"),
    }
    assert_eq!(exact::solve(&p, Some(11), BUDGET), Outcome::Infeasible);
    let planned = plan(&p, &PlanOptions::default()).unwrap();
    assert_eq!((planned.peak, planned.status), (12, Status::Optimal));
}

#[test]
fn example_file_fits_in_12() {
    let Some(dir) = benchmarks() else { return };
    let p = load(&dir.join("input.12.csv"));
    assert_eq!(p, example());
    let options = PlanOptions {
        capacity: Some(12),
        ..PlanOptions::default()
    };
    let planned = plan(&p, &options).unwrap();
    assert_eq!(check(&p, &planned.solution.offsets), Ok(12));
}

#[test]
fn tiny_hand_cases() {
    // Empty problem.
    let p = Problem::default();
    assert_eq!(
        exact::solve(&p, None, BUDGET),
        Outcome::Solved(tmlc_passes::arena::Solution {
            offsets: vec![],
            peak: 0
        })
    );
    // One buffer; capacity too small.
    let p = Problem::new(vec![Buffer::new("a", 0, 1, 10)]);
    assert_eq!(exact::solve(&p, Some(9), BUDGET), Outcome::Infeasible);
    // Buffers that never live together share offset 0.
    let p = Problem::new(vec![Buffer::new("a", 0, 1, 10), Buffer::new("b", 1, 2, 7)]);
    let s = exact::solve(&p, None, BUDGET);
    assert_eq!(s.solution().map(|s| s.peak), Some(10));
    // A case where greedy by size is not optimal but the exact search is:
    // the lower bound 10 is reachable only with the small buffers stacked cleverly.
    let p = Problem::new(vec![
        Buffer::new("a", 0, 2, 5),
        Buffer::new("b", 1, 4, 5),
        Buffer::new("c", 3, 5, 5),
        Buffer::new("d", 0, 1, 5),
        Buffer::new("e", 2, 3, 5),
        Buffer::new("f", 4, 5, 5),
    ]);
    let planned = plan(&p, &PlanOptions::default()).unwrap();
    assert_eq!(planned.lower_bound, 10);
    assert_eq!((planned.peak, planned.status), (10, Status::Optimal));
    // Alignment.
    let p = Problem::new(vec![
        Buffer::new("a", 0, 4, 3),
        Buffer::new("b", 0, 4, 8).with_alignment(8),
        Buffer::new("c", 2, 6, 5).with_alignment(4),
    ]);
    let planned = plan(&p, &PlanOptions::default()).unwrap();
    assert!(check(&p, &planned.solution.offsets).is_ok());
    // Zero-size buffers.
    let p = Problem::new(vec![Buffer::new("a", 0, 4, 0), Buffer::new("b", 0, 4, 3)]);
    assert_eq!(plan(&p, &PlanOptions::default()).unwrap().peak, 3);
}

#[test]
fn infeasible_capacity_is_proven() {
    // Three pairwise-overlapping buffers of 4 with a capacity of 11: no fit.
    let p = Problem::new(vec![
        Buffer::new("a", 0, 3, 4),
        Buffer::new("b", 1, 4, 4),
        Buffer::new("c", 2, 5, 4),
    ]);
    assert_eq!(exact::solve(&p, Some(11), BUDGET), Outcome::Infeasible);
    let options = PlanOptions {
        capacity: Some(11),
        ..PlanOptions::default()
    };
    let planned = plan(&p, &options).unwrap();
    assert_eq!(planned.status, Status::OverCapacity { proven: true });
    // Lower bound 8 is unreachable here: a and c never meet, but each meets b, and the
    // ring a-b, b-c with an interval structure always reaches 8.
    let p = Problem::new(vec![
        Buffer::new("a", 0, 2, 4),
        Buffer::new("b", 1, 3, 4),
        Buffer::new("c", 2, 4, 4),
    ]);
    assert_eq!(
        exact::solve(&p, None, BUDGET).solution().map(|s| s.peak),
        Some(8)
    );
}

#[test]
fn checker_catches_a_planted_overlap() {
    let p = example();
    let Outcome::Solved(s) = exact::solve(&p, Some(12), BUDGET) else {
        panic!()
    };
    let mut offsets = s.offsets.clone();
    // b3 [0,9) and b5 [0,21) are live together: put b5 on top of b3's bytes, shifted by 1.
    offsets[4] = offsets[2] + 1;
    match check(&p, &offsets) {
        Err(CheckError::Overlap { a, b }) => {
            assert!(b == 4 || a == 4, "overlap reported between {a} and {b}")
        }
        other => panic!("planted overlap not caught: {other:?}"),
    }
}

#[test]
fn csv_errors_name_the_line() {
    let cases = [
        ("", "line 1: empty input"),
        ("id,lower,upper\n", "line 1: missing column `size`"),
        (
            "id,lower,upper,size,color\n",
            "line 1: unknown column `color`",
        ),
        (
            "id,lower,lower,size\n",
            "line 1: column `lower` appears twice",
        ),
        (
            "id,lower,upper,size\na,0,3,4\n\nb,5,3,4\n",
            "line 4: upper (3) must be greater than lower (5)",
        ),
        (
            "id,lower,upper,size\na,0,3,x4\n",
            "line 2: bad integer `x4` in column `size`",
        ),
        (
            "id,lower,upper,size\na,-1,3,4\n",
            "line 2: bad integer `-1` in column `lower`",
        ),
        (
            "id,lower,upper,size\na,0,3,99999999999999999999\n",
            "line 2: size `99999999999999999999` is too large",
        ),
        (
            "id,lower,upper,size\na,0,3\n",
            "line 2: 3 fields, but the header has 4 columns",
        ),
        (
            "id,lower,upper,size\na,0,3,4\nb,0,3,4\na,1,2,3\n",
            "line 4: duplicate id `a` (first on line 2)",
        ),
        ("id,lower,upper,size\n,0,3,4\n", "line 2: empty id"),
        (
            "id,lower,upper,size,alignment\na,0,3,4,0\n",
            "line 2: alignment must be at least 1",
        ),
        (
            "id,lower,upper,size,offset\na,0,3,4,z\n",
            "line 2: bad integer `z` in column `offset`",
        ),
    ];
    for (input, expected) in cases {
        let error = csv::parse(input).expect_err(input).to_string();
        assert!(
            error.starts_with(expected),
            "{input:?}: got `{error}`, expected `{expected}...`"
        );
    }
}

#[test]
fn csv_never_panics() {
    // A deterministic stream of mangled inputs built from CSV-ish pieces and random bytes.
    let pieces = [
        "id",
        "lower",
        "upper",
        "size",
        "offset",
        ",",
        "\n",
        "\r\n",
        "0",
        "7",
        "-",
        "x",
        "18446744073709551616",
        " ",
        "\u{feff}",
        "é",
        "\"",
        "end",
        "start",
    ];
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..20_000 {
        let mut text = String::new();
        if next() % 2 == 0 {
            text.push_str("id,lower,upper,size\n");
        }
        for _ in 0..next() % 24 {
            if next() % 8 == 0 {
                text.push(char::from_u32((next() % 0x250) as u32).unwrap_or('?'));
            } else {
                text.push_str(pieces[(next() % pieces.len() as u64) as usize]);
            }
        }
        if let Ok(p) = csv::parse(&text) {
            assert!(p.validate().is_ok());
            let offsets = vec![0; p.len()];
            let written = csv::write(&p, &offsets).unwrap();
            assert_eq!(csv::parse(&written).unwrap(), p);
        }
    }
}

#[test]
fn tflm_greedy_is_worse_on_a_classic_case() {
    let Some(dir) = benchmarks() else { return };
    let p = load(&dir.join("challenging/K.1048576.csv"));
    let tflm = heuristics::tflm_greedy(&p);
    assert!(check(&p, &tflm.offsets).is_ok());
    assert!(
        tflm.peak > 1_048_576,
        "TFLM greedy unexpectedly fits: {}",
        tflm.peak
    );
}

fn run_challenging(name: &str) {
    let Some(dir) = benchmarks() else { return };
    let path = dir.join(format!("challenging/{name}.1048576.csv"));
    let p = load(&path);
    let start = Instant::now();
    let outcome = exact::solve(&p, Some(1_048_576), BUDGET);
    let elapsed = start.elapsed();
    let solution = match &outcome {
        Outcome::Solved(s) | Outcome::Feasible(s) => s,
        other => panic!("{name}: no fit within 1048576 after {elapsed:?}: {other:?}"),
    };
    let peak = check(&p, &solution.offsets).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(peak <= 1_048_576, "{name}: peak {peak}");
    eprintln!(
        "challenging {name}: {} buffers, lower bound {}, peak {peak}, tflm {}, {:.3} s",
        p.len(),
        p.lower_bound(),
        heuristics::tflm_greedy(&p).peak,
        elapsed.as_secs_f64()
    );
}

macro_rules! challenging {
    ($($test:ident => $name:literal),* $(,)?) => {
        $(#[test] fn $test() { run_challenging($name) })*
    };
}

challenging! {
    challenging_a => "A", challenging_b => "B", challenging_c => "C", challenging_d => "D",
    challenging_e => "E", challenging_f => "F", challenging_g => "G", challenging_h => "H",
    challenging_i => "I", challenging_j => "J", challenging_k => "K",
}

fn run_real(name: &str) -> Option<Method> {
    let dir = benchmarks()?;
    let p = load(&dir.join(format!("real/{name}.csv")));
    let options = PlanOptions {
        budget: BUDGET,
        goal: Goal::Minimize,
        ..PlanOptions::default()
    };
    let planned = plan(&p, &options).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(check(&p, &planned.solution.offsets), Ok(planned.peak));
    eprintln!(
        "real {name}: {} buffers, lower bound {}, peak {}, heuristic {}, tflm {}, by {}, {:.3} s",
        p.len(),
        planned.lower_bound,
        planned.peak,
        planned.heuristic_peak,
        planned.tflm_peak.unwrap_or(0),
        planned.method,
        planned.elapsed.as_secs_f64()
    );
    assert_eq!(
        planned.peak, planned.lower_bound,
        "{name} did not reach the lower bound"
    );
    assert_eq!(planned.status, Status::Optimal);
    Some(planned.method)
}

#[test]
fn real_resnet50_reaches_lower_bound() {
    // The heuristics stay above the lower bound here: the exact search closes the gap.
    if let Some(method) = run_real("resnet50") {
        assert_eq!(method, Method::Exact);
    }
}

#[test]
fn real_g1_reaches_lower_bound() {
    run_real("G_1");
}

#[test]
fn csv_header_details() {
    let p = csv::parse("\u{feff}id,lower,upper,size\na,0,1,2\n").unwrap();
    assert_eq!(p.buffers[0], Buffer::new("a", 0, 1, 2));
    let e = csv::parse("id,lower,upper,size,\n").unwrap_err();
    assert_eq!(e.to_string(), "line 1: empty column name in the header");
}

/// The optimum of a tiny problem by exhaustive search, sharing no code with the library: for
/// every order of the buffers, place each at the lowest aligned offset where it fits. Some
/// order reproduces an optimal placement (sort one by offset), so the minimum is optimal.
fn brute_force_optimum(p: &Problem) -> u64 {
    fn visit(p: &Problem, order: &mut Vec<usize>, used: &mut Vec<bool>, best: &mut u64) {
        let n = p.buffers.len();
        if order.len() == n {
            let mut offsets = vec![0u64; n];
            let mut peak = 0;
            for (k, &i) in order.iter().enumerate() {
                let b = &p.buffers[i];
                let earlier = &order[..k];
                let conflicts = |o: u64| {
                    earlier.iter().any(|&j| {
                        let c = &p.buffers[j];
                        b.lower < c.upper
                            && c.lower < b.upper
                            && o < offsets[j] + c.size
                            && offsets[j] < o + b.size
                    })
                };
                let mut o = 0;
                while conflicts(o) || o % b.alignment != 0 {
                    o += 1;
                }
                offsets[i] = o;
                peak = peak.max(o + b.size);
            }
            *best = (*best).min(peak);
            return;
        }
        for i in 0..n {
            if !used[i] {
                used[i] = true;
                order.push(i);
                visit(p, order, used, best);
                order.pop();
                used[i] = false;
            }
        }
    }
    let mut best = u64::MAX;
    visit(p, &mut Vec::new(), &mut vec![false; p.len()], &mut best);
    if p.is_empty() {
        0
    } else {
        best
    }
}

#[test]
fn exact_search_matches_brute_force() {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move |m: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % m
    };
    let mut gaps = 0;
    for case in 0..4000 {
        let n = 1 + next(7) as usize;
        let buffers: Vec<Buffer> = (0..n)
            .map(|i| {
                let lower = next(5);
                let size = if next(10) == 0 { 0 } else { 1 + next(6) };
                let alignment = [1, 1, 1, 1, 2, 4][next(6) as usize];
                Buffer::new(format!("b{i}"), lower, lower + 1 + next(4), size)
                    .with_alignment(alignment)
            })
            .collect();
        let p = Problem::new(buffers);
        let optimum = brute_force_optimum(&p);
        match exact::solve(&p, None, BUDGET) {
            Outcome::Solved(s) => {
                assert_eq!(check(&p, &s.offsets), Ok(s.peak), "case {case}: {p:?}");
                assert_eq!(s.peak, optimum, "case {case}: {p:?}");
            }
            other => panic!("case {case}: {other:?} for {p:?}"),
        }
        let fit = exact::solve(&p, Some(optimum), BUDGET);
        let s = fit
            .solution()
            .unwrap_or_else(|| panic!("case {case}: {fit:?} for {p:?}"));
        assert!(
            check(&p, &s.offsets).is_ok_and(|peak| peak <= optimum),
            "case {case}"
        );
        if optimum > 0 {
            let below = exact::solve(&p, Some(optimum - 1), BUDGET);
            assert_eq!(below, Outcome::Infeasible, "case {case}: {p:?}");
        }
        // The search engine itself, without the heuristics' shortcut.
        let deadline = Instant::now() + BUDGET;
        match exact::fit(&p, optimum, deadline) {
            exact::Fit::Found(s) => assert!(check(&p, &s.offsets).is_ok_and(|v| v <= optimum)),
            other => panic!("case {case}: {other:?} for {p:?}"),
        }
        if optimum > 0 {
            assert_eq!(
                exact::fit(&p, optimum - 1, deadline),
                exact::Fit::Infeasible
            );
        }
        gaps += usize::from(optimum > p.lower_bound());
        let planned = plan(&p, &PlanOptions::default()).unwrap();
        assert_eq!(planned.peak, optimum, "case {case}: {p:?}");
    }
    // Enough cases where the lower bound is not reachable, so infeasibility proofs ran.
    assert!(gaps > 100, "only {gaps} cases above the lower bound");
}

#[test]
fn random_medium_instances_are_planned_and_checked() {
    let mut state = 0x1234_5678_9abc_def1u64;
    let mut next = move |m: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % m
    };
    for case in 0..30 {
        let n = 20 + next(180) as usize;
        let horizon = 1 + next(200);
        let buffers: Vec<Buffer> = (0..n)
            .map(|i| {
                let lower = next(horizon);
                let size = [next(64), 1 + next(4096), 1 << next(12)][next(3) as usize];
                Buffer::new(
                    format!("t{i}"),
                    lower,
                    lower + 1 + next(horizon / 4 + 1),
                    size,
                )
                .with_alignment([1, 4, 16][next(3) as usize])
            })
            .collect();
        let p = Problem::new(buffers);
        let lb = p.lower_bound();
        let options = PlanOptions {
            budget: Duration::from_millis(50),
            ..PlanOptions::default()
        };
        let planned = plan(&p, &options).unwrap_or_else(|e| panic!("case {case}: {e}"));
        assert_eq!(
            check(&p, &planned.solution.offsets),
            Ok(planned.peak),
            "case {case}"
        );
        assert!(
            planned.peak >= lb && planned.peak <= planned.heuristic_peak,
            "case {case}"
        );
        // A capacity in between must be met or refuted, within the budget.
        let capacity = lb + (planned.peak - lb) / 2;
        let start = Instant::now();
        let outcome = exact::solve(&p, Some(capacity), Duration::from_millis(50));
        assert!(start.elapsed() < Duration::from_secs(5), "case {case}");
        if let Outcome::Solved(s) | Outcome::Feasible(s) = &outcome {
            assert!(
                check(&p, &s.offsets).is_ok_and(|peak| peak <= capacity),
                "case {case}"
            );
        }
    }
}

#[test]
fn budget_is_respected() {
    let Some(dir) = benchmarks() else { return };
    // Minimizing D below its capacity is hard (lower bound 986112; 1048576 is easy): the
    // search must give up on time and still return its best placement.
    let p = load(&dir.join("challenging/D.1048576.csv"));
    let start = Instant::now();
    let outcome = exact::solve(&p, None, Duration::from_millis(500));
    let elapsed = start.elapsed();
    assert!(elapsed < Duration::from_secs(3), "took {elapsed:?}");
    let s = outcome.solution().expect("a placement");
    assert!(check(&p, &s.offsets).is_ok());
    // With no time at all, a capacity the heuristics miss cannot be met: TimedOut with the
    // best (over-capacity) placement.
    let p = load(&dir.join("challenging/A.1048576.csv"));
    match exact::solve(&p, Some(1_048_576), Duration::ZERO) {
        Outcome::TimedOut(Some(s)) => {
            assert!(s.peak > 1_048_576);
            assert_eq!(check(&p, &s.offsets), Ok(s.peak));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn solutions_round_trip_through_csv() {
    let Some(dir) = benchmarks() else { return };
    let p = load(&dir.join("challenging/K.1048576.csv"));
    let Outcome::Solved(s) = exact::solve(&p, Some(1_048_576), BUDGET) else {
        panic!("K must fit")
    };
    let text = csv::write(&p, &s.offsets).unwrap();
    assert!(text.starts_with("id,lower,upper,size,offset\n"));
    assert_eq!(csv::parse(&text).unwrap(), p);
}

/// Prints a table of every benchmark (run with `--ignored --nocapture`).
#[test]
#[ignore]
fn benchmark_report() {
    let Some(dir) = benchmarks() else { return };
    let mut files: Vec<PathBuf> = ["challenging", "real"]
        .iter()
        .flat_map(|d| {
            std::fs::read_dir(dir.join(d))
                .into_iter()
                .flatten()
                .flatten()
        })
        .map(|e| e.path())
        .collect();
    files.sort();
    println!("| instance | buffers | lower bound | capacity | TFLM greedy | best heuristic | exact | nodes | time (s) |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for path in files {
        let p = load(&path);
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let capacity: Option<u64> = name.split('.').nth(1).and_then(|c| c.parse().ok());
        let lb = p.lower_bound();
        let start = Instant::now();
        let (strategy, heuristic) = heuristics::best(&p);
        let (exact_peak, nodes) = if heuristic.peak <= capacity.unwrap_or(lb) {
            (heuristic.peak, 0)
        } else {
            let deadline = Instant::now() + BUDGET;
            let (fit, stats) = exact::fit_with_stats(&p, capacity.unwrap_or(lb), deadline);
            match fit {
                exact::Fit::Found(s) => (check(&p, &s.offsets).expect("checked"), stats.nodes),
                other => panic!("{name}: {other:?}"),
            }
        };
        println!(
            "| {name} | {} | {lb} | {} | {} | {} ({strategy}) | {exact_peak} | {nodes} | {:.3} |",
            p.len(),
            capacity.map_or("-".to_string(), |c| c.to_string()),
            heuristics::tflm_greedy(&p).peak,
            heuristic.peak,
            start.elapsed().as_secs_f64()
        );
    }
}

/// A random instance of `n` buffers over `horizon` time steps (xorshift, deterministic).
fn random_problem(seed: u64, n: usize, horizon: u64) -> Problem {
    let mut state = seed;
    let mut next = move |m: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % m
    };
    let buffers = (0..n)
        .map(|i| {
            let lower = next(horizon);
            Buffer::new(
                format!("t{i}"),
                lower,
                lower + 1 + next(horizon / 8 + 1),
                [0, 1 + next(512), 1 << next(10)][next(3) as usize],
            )
            .with_alignment([1, 4, 16][next(3) as usize])
        })
        .collect();
    Problem::new(buffers)
}

/// The sweep that needs no pair lists places exactly as start-ordered first fit does.
#[test]
fn start_first_fit_sweep_matches_the_greedy_planner() {
    let far = Instant::now() + Duration::from_secs(3600);
    for case in 0..40 {
        let p = random_problem(0x9e37_79b9_7f4a_7c15 ^ case, 10 + 20 * case as usize, 100);
        let sweep = heuristics::start_first_fit_sweep(&p, far).expect("no deadline");
        let greedy = heuristics::run(
            &p,
            heuristics::Strategy::Greedy(heuristics::Order::StartAsc, heuristics::Fit::First),
        );
        assert_eq!(sweep.offsets, greedy.offsets, "case {case}");
        assert_eq!(check(&p, &sweep.offsets), Ok(sweep.peak), "case {case}");
    }
}

/// Under a deadline already past, the heuristics still give a valid placement (the naive one)
/// at once; with time to spare they find what the unbounded heuristics find.
#[test]
fn deadline_bound_heuristics_stop_at_once_and_stay_valid() {
    let p = random_problem(7, 3000, 500);
    let (strategy, naive, tflm) = heuristics::best_until(&p, Instant::now());
    assert_eq!(strategy, heuristics::Strategy::Naive);
    assert_eq!(tflm, None);
    assert_eq!(check(&p, &naive.offsets), Ok(naive.peak));
    let (_, best, tflm) = heuristics::best_until(&p, Instant::now() + Duration::from_secs(600));
    assert_eq!(best.peak, heuristics::best(&p).1.peak);
    assert_eq!(tflm, Some(heuristics::tflm_greedy(&p).peak));
    let options = PlanOptions {
        deadline: Some(Instant::now()),
        budget: Duration::ZERO,
        ..PlanOptions::default()
    };
    let planned = plan(&p, &options).expect("plans");
    assert_eq!(check(&p, &planned.solution.offsets), Ok(planned.peak));
    assert_eq!(planned.tflm_peak, None);
}

/// Sizes whose sum at one time exceeds 64 bits are a clear error, not an internal one.
#[test]
fn sizes_beyond_64_bits_are_refused() {
    let half = 1u64 << 63;
    let p = Problem::new(vec![
        Buffer::new("a", 0, 2, half),
        Buffer::new("b", 1, 3, half),
    ]);
    let error = plan(&p, &PlanOptions::default()).expect_err("too large");
    assert_eq!(
        error,
        tmlc_passes::arena::PlanError::TooLarge {
            needed: 1u128 << 64
        }
    );
    assert!(error
        .to_string()
        .contains("beyond what 64-bit offsets address"));
    // Apart in time, the same buffers fit: both at offset 0.
    let p = Problem::new(vec![
        Buffer::new("a", 0, 2, half),
        Buffer::new("b", 2, 3, half),
    ]);
    assert_eq!(plan(&p, &PlanOptions::default()).expect("fits").peak, half);
}
