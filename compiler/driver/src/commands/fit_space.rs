//! `tmlc fit --space`: the search-space step of TinyNAS. For every (width, resolution) of the
//! grid, `--samples` random architectures of the MCUNet family (`architecture::space`) are
//! planned for the target by the same oracle as `tmlc fit`; those that fit (SRAM and flash) are
//! kept and the distribution of their MACs reported (the CDF MCUNet plots). The space whose
//! fitting models have the largest mean MACs is chosen. Text or `--json`, and `--svg` draws the
//! CDFs.

use crate::architecture::space::sample;
use crate::cli::FitArgs;
use crate::commands::fit::{jobs, parallel_map, Oracle};
use crate::{write_output, Failure, Outcome};
use serde::Serialize;
use std::fmt::Write;

/// One (width, resolution) of the grid.
#[derive(Debug, Clone, Serialize)]
pub struct SpaceRow {
    pub width: f64,
    pub resolution: usize,
    pub sampled: usize,
    pub fitting: usize,
    /// Mean MACs of the fitting samples (0 when none fits).
    pub mean_macs: f64,
    /// The fitting samples' MACs, ascending: the CDF's steps.
    pub fitting_macs: Vec<u64>,
    /// Samples that do not fit, by what they miss (one sample may miss both).
    pub over_sram: usize,
    pub over_flash: usize,
    /// Samples the oracle could not plan (an error), with the first message.
    pub failed: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_error: Option<String>,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct SpaceReport {
    pub target: String,
    pub pipeline: String,
    pub samples: u64,
    pub seed: u64,
    pub spaces: Vec<SpaceRow>,
    /// Index into `spaces` of the chosen space, or `None` when no sample fits anywhere.
    pub chosen: Option<usize>,
}

fn svg(report: &SpaceReport) -> String {
    const W: f64 = 720.0;
    const H: f64 = 420.0;
    const LEFT: f64 = 70.0;
    const TOP: f64 = 40.0;
    const RIGHT: f64 = 200.0;
    const BOTTOM: f64 = 50.0;
    let max_macs = report
        .spaces
        .iter()
        .flat_map(|s| s.fitting_macs.last().copied())
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let x = |macs: f64| LEFT + macs / max_macs * plot_w;
    let y = |fraction: f64| TOP + (1.0 - fraction) * plot_h;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" font-family=\"sans-serif\" font-size=\"11\">"
    );
    let _ = writeln!(
        out,
        "<text x=\"{LEFT}\" y=\"20\" font-size=\"13\">MACs of the sampled models that fit {} (CDF per width x resolution)</text>",
        report.target
    );
    let _ = writeln!(
        out,
        "<rect x=\"{LEFT}\" y=\"{TOP}\" width=\"{plot_w}\" height=\"{plot_h}\" fill=\"none\" stroke=\"#888\"/>"
    );
    for tick in 0..=4 {
        let fraction = tick as f64 / 4.0;
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{fraction:.2}</text>",
            LEFT - 6.0,
            y(fraction) + 4.0
        );
        let macs = max_macs * fraction;
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{:.0}M</text>",
            x(macs),
            H - BOTTOM + 16.0,
            macs / 1e6
        );
    }
    let _ = writeln!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">MACs</text>",
        LEFT + plot_w / 2.0,
        H - 12.0
    );
    for (index, space) in report.spaces.iter().enumerate() {
        let colour = format!("hsl({}, 60%, 45%)", (index * 67) % 360);
        let chosen = report.chosen == Some(index);
        let legend_y = TOP + 14.0 * index as f64;
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{legend_y:.1}\" fill=\"{colour}\"{}>w{} r{}: {}/{} fit{}</text>",
            W - RIGHT + 12.0,
            if chosen { " font-weight=\"bold\"" } else { "" },
            space.width,
            space.resolution,
            space.fitting,
            space.sampled,
            if chosen { " (chosen)" } else { "" }
        );
        if space.fitting_macs.is_empty() {
            continue;
        }
        let n = space.fitting_macs.len() as f64;
        let mut points = format!("{:.1},{:.1}", x(space.fitting_macs[0] as f64), y(0.0));
        for (k, &macs) in space.fitting_macs.iter().enumerate() {
            let _ = write!(
                points,
                " {:.1},{:.1} {:.1},{:.1}",
                x(macs as f64),
                y(k as f64 / n),
                x(macs as f64),
                y((k + 1) as f64 / n)
            );
        }
        let _ = writeln!(
            out,
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"{}\" points=\"{points}\"/>",
            if chosen { 3 } else { 1 }
        );
    }
    out.push_str("</svg>\n");
    out
}

fn text(report: &SpaceReport) -> String {
    let mut out = format!(
        "search space on target {} ({} samples per space, seed {}, pipeline {})\n",
        report.target, report.samples, report.seed, report.pipeline
    );
    let _ = writeln!(
        out,
        "  {:>5} {:>10} {:>8} {:>14} {:>14} {:>14}  over SRAM/flash",
        "width", "resolution", "fit", "mean MACs", "min MACs", "max MACs"
    );
    for (index, space) in report.spaces.iter().enumerate() {
        let _ = writeln!(
            out,
            "  {:>5} {:>10} {:>4}/{:<3} {:>14.0} {:>14} {:>14}  {:>15}{}",
            space.width,
            space.resolution,
            space.fitting,
            space.sampled,
            space.mean_macs,
            space
                .fitting_macs
                .first()
                .map_or("-".into(), u64::to_string),
            space.fitting_macs.last().map_or("-".into(), u64::to_string),
            format!("{}/{}", space.over_sram, space.over_flash),
            if report.chosen == Some(index) {
                "  <- chosen"
            } else {
                ""
            }
        );
        if let Some(error) = &space.first_error {
            let _ = writeln!(out, "        {} failed: {error}", space.failed);
        }
    }
    match report.chosen {
        Some(index) => {
            let space = &report.spaces[index];
            let _ = writeln!(
                out,
                "chosen: width {} at resolution {} (fitting models' mean MACs {:.0})",
                space.width, space.resolution, space.mean_macs
            );
        }
        None => {
            let _ = writeln!(out, "chosen: none (no sample fits the target)");
        }
    }
    out
}

/// The resolutions of the grid when `--resolutions` is not given.
const DEFAULT_RESOLUTIONS: [u64; 5] = [96, 128, 144, 160, 176];

pub(crate) fn run(args: &FitArgs, oracle: &Oracle) -> Result<Outcome, Failure> {
    let resolutions: &[u64] = if args.resolutions.is_empty() {
        &DEFAULT_RESOLUTIONS
    } else {
        &args.resolutions
    };
    if let Some(&width) = args.widths.iter().find(|w| !(**w > 0.0 && **w <= 4.0)) {
        return Err(Failure::usage(format!(
            "error[E502]: width multiplier {width} is not in (0, 4]\n"
        )));
    }
    if let Some(&resolution) = resolutions
        .iter()
        .find(|&&r| r == 0 || r > crate::architecture::schema::MAX_DIMENSION)
    {
        return Err(Failure::usage(format!(
            "error[E502]: resolution {resolution} is not between 1 and {}\n",
            crate::architecture::schema::MAX_DIMENSION
        )));
    }
    let grid: Vec<(f64, usize)> = args
        .widths
        .iter()
        .flat_map(|&w| resolutions.iter().map(move |&r| (w, r as usize)))
        .collect();
    let work: Vec<(usize, u64)> = (0..grid.len())
        .flat_map(|g| (0..args.samples).map(move |s| (g, s)))
        .collect();
    let answers = parallel_map(&work, jobs(args.jobs), |&(g, s)| {
        let (width, resolution) = grid[g];
        oracle
            .fit_architecture(&sample(width, resolution, args.seed, s))
            .map(|report| {
                (
                    report.planned.budget.sram_fits,
                    report.planned.budget.flash_fits,
                    report.planned.macs,
                )
            })
            .map_err(|d| d.message)
    });
    let mut spaces: Vec<SpaceRow> = grid
        .iter()
        .map(|&(width, resolution)| SpaceRow {
            width,
            resolution,
            sampled: 0,
            fitting: 0,
            mean_macs: 0.0,
            fitting_macs: Vec::new(),
            over_sram: 0,
            over_flash: 0,
            failed: 0,
            first_error: None,
        })
        .collect();
    for (&(g, _), answer) in work.iter().zip(answers) {
        let row = &mut spaces[g];
        row.sampled += 1;
        match answer {
            Some(Ok((true, true, macs))) => row.fitting_macs.push(macs),
            Some(Ok((sram, flash, _))) => {
                row.over_sram += usize::from(!sram);
                row.over_flash += usize::from(!flash);
            }
            Some(Err(message)) => {
                row.failed += 1;
                row.first_error.get_or_insert(message);
            }
            None => row.failed += 1,
        }
    }
    for row in &mut spaces {
        row.fitting_macs.sort_unstable();
        row.fitting = row.fitting_macs.len();
        if row.fitting > 0 {
            row.mean_macs =
                row.fitting_macs.iter().map(|&m| m as f64).sum::<f64>() / row.fitting as f64;
        }
    }
    let chosen = (0..spaces.len())
        .filter(|&i| spaces[i].fitting > 0)
        .max_by(|&a, &b| spaces[a].mean_macs.total_cmp(&spaces[b].mean_macs));
    let report = SpaceReport {
        target: oracle.target.name.clone(),
        pipeline: oracle.pipeline.clone(),
        samples: args.samples,
        seed: args.seed,
        spaces,
        chosen,
    };
    if let Some(path) = &args.svg {
        std::fs::write(path, svg(&report))
            .map_err(|e| Failure::io(format!("cannot write {}: {e}", path.display())))?;
    }
    let text = if args.json {
        serde_json::to_string_pretty(&report)
            .map_err(|e| Failure::io(format!("cannot encode the report: {e}")))?
            + "\n"
    } else {
        text(&report)
    };
    let mut outcome = Outcome::default();
    write_output(&mut outcome, None, text.as_bytes())?;
    Ok(outcome)
}
