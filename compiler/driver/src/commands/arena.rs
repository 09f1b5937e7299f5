//! `tmlc arena`: the arena planner on its own, on MiniMalloc's CSV format (`id,lower,upper,size`,
//! half-open lifetimes). Prints the peak, the lower bound and the time; with `--capacity` it
//! answers the decision problem (exit 0 with a placement that fits, exit 1 when none exists or
//! time ran out); `-o` writes the input back with an `offset` column.

use crate::cli::ArenaArgs;
use crate::{write_output, Failure, Outcome};
use std::fmt::Write;
use std::time::{Duration, Instant};
use tmlc_passes::arena::{self, csv, Goal, PlanOptions, Status};

pub fn run(args: &ArenaArgs) -> Result<Outcome, Failure> {
    // The timeout bounds the whole command: reading, heuristics and the exact search.
    let start = Instant::now();
    let budget = Duration::try_from_secs_f64(args.timeout.max(0.0)).unwrap_or(Duration::MAX);
    let file_name = args.input.display().to_string();
    let text = std::fs::read_to_string(&args.input)
        .map_err(|e| Failure::io(format!("cannot read {file_name}: {e}")))?;
    let problem = csv::parse(&text).map_err(|e| {
        Failure::message(format!(
            "error[E103]: {file_name}:{}: {}\n",
            e.line, e.message
        ))
    })?;
    let options = PlanOptions {
        capacity: args.capacity,
        budget,
        deadline: Some(
            start
                .checked_add(budget)
                .unwrap_or(start + Duration::from_secs(1 << 32)),
        ),
        exact: true,
        goal: if args.capacity.is_some() {
            Goal::Fit
        } else {
            Goal::Minimize
        },
    };
    let plan = arena::plan(&problem, &options)
        .map_err(|e| Failure::message(format!("error[E302]: {file_name}: {e}\n")))?;
    let mut summary = String::new();
    let _ = writeln!(summary, "{file_name}: {} buffers", problem.len());
    let _ = writeln!(
        summary,
        "  peak          {:>12} bytes ({})",
        plan.peak, plan.method
    );
    let _ = writeln!(summary, "  lower bound   {:>12} bytes", plan.lower_bound);
    match plan.tflm_peak {
        Some(peak) => {
            let _ = writeln!(summary, "  TFLM greedy   {peak:>12} bytes");
        }
        None => {
            let _ = writeln!(summary, "  TFLM greedy   not computed within the timeout");
        }
    }
    let _ = writeln!(summary, "  naive sum     {:>12} bytes", plan.naive_sum);
    let _ = writeln!(
        summary,
        "  time          {:>12.3} s",
        plan.elapsed.as_secs_f64()
    );
    let verdict = match (args.capacity, plan.status) {
        (Some(capacity), Status::OverCapacity { proven: true }) => Err(format!(
            "no placement fits the capacity of {capacity} bytes (proved by exhaustive search)"
        )),
        (Some(capacity), Status::OverCapacity { proven: false }) => Err(format!(
            "no placement within {capacity} bytes was found before the {}-second timeout",
            args.timeout
        )),
        (Some(capacity), _) => Ok(format!("fits the capacity of {capacity} bytes\n")),
        (None, Status::Optimal) => Ok("optimal: the peak equals the best possible\n".to_string()),
        (None, _) => Ok("not proven optimal within the timeout\n".to_string()),
    };
    match verdict {
        Err(message) => Err(Failure::message(format!(
            "{summary}error[E302]: {message}\n"
        ))),
        Ok(line) => {
            summary.push_str("  ");
            summary.push_str(&line);
            let mut outcome = Outcome::default();
            if let Some(path) = &args.output {
                let written = csv::write(&problem, &plan.solution.offsets)
                    .map_err(|e| Failure::io(format!("cannot write {}: {e}", path.display())))?;
                write_output(&mut outcome, Some(path), written.as_bytes())?;
            }
            outcome.stdout = summary.into_bytes();
            Ok(outcome)
        }
    }
}
