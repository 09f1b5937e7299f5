//! The arena planner (dynamic storage allocation) as a pure library: give every buffer an
//! offset in one arena so that no two buffers live at the same time share a byte, with the
//! smallest peak, or decide whether everything fits a given capacity.
//!
//! - [`problem`]: [`Buffer`], [`Problem`], [`Solution`], the lower bound and the naive sum;
//! - [`csv`]: MiniMalloc's CSV format, read (with line-numbered errors) and written;
//! - [`heuristics`]: greedy placements (several orders, first/best fit, skyline) and
//!   TFLite Micro's greedy planner for comparison;
//! - [`exact`]: a time-bounded branch and bound in MiniMalloc's style ([`exact::solve`]);
//! - [`checker`]: the independent checker every result goes through;
//! - [`sections`]: the time sections the exact search reasons about.
//!
//! [`plan`] runs them in order: heuristics; the exact search if the best heuristic is above
//! the lower bound or above the capacity; the checker. It reports which method won.

pub mod checker;
pub mod csv;
pub mod exact;
pub mod heuristics;
pub mod problem;
pub mod sections;

use std::fmt;
use std::time::{Duration, Instant};

pub use checker::{check, CheckError};
pub use exact::{ExactOptions, Goal, Outcome};
pub use heuristics::Strategy;
pub use problem::{Buffer, Problem, ProblemError, Solution};

/// Options of [`plan`].
#[derive(Clone, Debug)]
pub struct PlanOptions {
    /// The arena must not exceed this many bytes; `None`: no limit.
    pub capacity: Option<u64>,
    /// Time allowed for the exact search.
    pub budget: Duration,
    /// When everything, heuristics included, must be done: the heuristics then stop early
    /// (from the naive placement up, see [`heuristics::best_until`]) and the exact search gets
    /// what is left. `None`: the heuristics always run to the end.
    pub deadline: Option<Instant>,
    /// Run the exact search when the heuristics leave a gap (or miss the capacity).
    pub exact: bool,
    /// With a capacity: stop at the first placement that fits ([`Goal::Fit`]) or keep
    /// lowering the peak ([`Goal::Minimize`]).
    pub goal: Goal,
}

impl Default for PlanOptions {
    fn default() -> PlanOptions {
        PlanOptions {
            capacity: None,
            budget: Duration::from_secs(2),
            deadline: None,
            exact: true,
            goal: Goal::Minimize,
        }
    }
}

/// Which planner produced the placement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Heuristic(Strategy),
    Exact,
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Method::Heuristic(s) => write!(f, "heuristic ({s})"),
            Method::Exact => write!(f, "exact search"),
        }
    }
}

/// How good the placement is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Proven smallest possible peak (and within the capacity, if given).
    Optimal,
    /// Within the capacity (if given); not proven optimal.
    Feasible,
    /// Over the capacity: proven that nothing fits (`proven`), or the budget ran out.
    OverCapacity { proven: bool },
}

/// The result of [`plan`]: a checked placement and how it was found.
#[derive(Clone, Debug)]
pub struct Plan {
    pub solution: Solution,
    pub method: Method,
    pub status: Status,
    pub lower_bound: u64,
    /// The peak, as computed by the checker.
    pub peak: u64,
    /// The best heuristic's peak.
    pub heuristic_peak: u64,
    /// TFLite Micro's greedy planner's peak, for comparison (`None` if the deadline came first).
    pub tflm_peak: Option<u64>,
    /// Every buffer in its own bytes.
    pub naive_sum: u64,
    pub elapsed: Duration,
}

/// Why [`plan`] failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlanError {
    Invalid(ProblemError),
    /// The buffers need more bytes than 64-bit offsets reach: `needed` live at one time, or a
    /// placement whose end overflows.
    TooLarge {
        needed: u128,
    },
    /// The checker rejected a planner's placement: a bug in a planner.
    CheckFailed(Method, CheckError),
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlanError::Invalid(e) => write!(f, "invalid arena problem: {e}"),
            PlanError::TooLarge { needed } => write!(
                f,
                "the buffers need {needed} bytes at once or more, beyond what 64-bit offsets \
                 address (at most {} bytes)",
                u64::MAX
            ),
            PlanError::CheckFailed(m, e) => {
                write!(
                    f,
                    "internal error: the {m} produced an invalid placement: {e}"
                )
            }
        }
    }
}

impl std::error::Error for PlanError {}

/// Plans the arena: heuristics first; the exact search if they leave the lower bound (or the
/// capacity) unmet and `options.exact`; then the checker.
pub fn plan(problem: &Problem, options: &PlanOptions) -> Result<Plan, PlanError> {
    let start = Instant::now();
    problem.validate().map_err(PlanError::Invalid)?;
    let needed = problem.live_peak();
    let too_large = PlanError::TooLarge { needed };
    if needed > u128::from(u64::MAX) {
        return Err(too_large);
    }
    // A placement whose end does not fit in 64 bits is a problem too large, not a planner bug.
    let checked = |method: Method, offsets: &[u64]| match check(problem, offsets) {
        Err(CheckError::OutOfRange { .. }) => Err(too_large.clone()),
        other => other.map_err(|e| PlanError::CheckFailed(method, e)),
    };
    let lower_bound = problem.lower_bound();
    let (strategy, heuristic, tflm_peak) = match options.deadline {
        Some(deadline) => heuristics::best_until(problem, deadline),
        None => {
            let tflm_peak = heuristics::tflm_greedy(problem).peak;
            let (strategy, heuristic) = heuristics::best(problem);
            (strategy, heuristic, Some(tflm_peak))
        }
    };
    checked(Method::Heuristic(strategy), &heuristic.offsets)?;
    let capacity = options.capacity.unwrap_or(u64::MAX);
    let heuristic_peak = heuristic.peak;
    let (mut solution, mut method) = (heuristic, Method::Heuristic(strategy));
    let mut status = if heuristic_peak > capacity {
        Status::OverCapacity {
            proven: lower_bound > capacity,
        }
    } else if heuristic_peak <= lower_bound {
        Status::Optimal
    } else {
        Status::Feasible
    };
    let wanted = match options.goal {
        Goal::Minimize => status != Status::Optimal,
        Goal::Fit => status == (Status::OverCapacity { proven: false }),
    };
    if options.exact && wanted {
        let exact_options = ExactOptions {
            capacity: options.capacity,
            budget: options.budget,
            deadline: options.deadline,
            goal: options.goal,
            incumbent: Some(solution.clone()),
        };
        let outcome = exact::solve_with(problem, &exact_options);
        let (found, new_status) = match outcome {
            Outcome::Solved(s) => (Some(s), Status::Optimal),
            Outcome::Feasible(s) => (Some(s), Status::Feasible),
            Outcome::Infeasible => (None, Status::OverCapacity { proven: true }),
            Outcome::TimedOut(_) => (None, status),
        };
        status = new_status;
        if let Some(s) = found {
            if s.peak < solution.peak {
                checked(Method::Exact, &s.offsets)?;
                solution = s;
                method = Method::Exact;
            }
        }
    }
    let peak = checked(method, &solution.offsets)?;
    Ok(Plan {
        solution,
        method,
        status,
        lower_bound,
        peak,
        heuristic_peak,
        tflm_peak,
        naive_sum: problem.naive_sum(),
        elapsed: start.elapsed(),
    })
}
