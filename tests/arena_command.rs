//! `tmlc arena` end to end: MiniMalloc's 11 hard instances fit their capacity and the real traces
//! reach their lower bound, each placement written with `-o` and re-verified here by the
//! independent checker; the decision problem exits 1 on an impossible capacity; bad CSV gives a
//! line-numbered error (snapshotted).

use std::path::{Path, PathBuf};
use tmlc_passes::arena::{check, csv};
use tmlc_tests::shared::shared_dir;

fn run(args: &[String]) -> Result<String, (i32, String)> {
    let mut stdin = || Ok(Vec::new());
    tmlc::run_cli(args.to_vec(), &mut stdin)
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .map_err(|f| (f.exit_code, f.rendered))
}

fn scratch(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("tmlc-arena-{}-{name}", std::process::id()))
}

/// Runs `tmlc arena` and re-checks the written placement; returns its peak.
fn solve_and_verify(input: &Path, capacity: Option<u64>) -> u64 {
    let out = scratch(&input.file_name().unwrap().to_string_lossy());
    let mut args = vec![
        "arena".to_string(),
        input.display().to_string(),
        "-o".into(),
        out.display().to_string(),
    ];
    if let Some(capacity) = capacity {
        args.extend(["--capacity".to_string(), capacity.to_string()]);
    }
    args.extend(["--timeout".to_string(), "60".to_string()]);
    let report =
        run(&args).unwrap_or_else(|(code, e)| panic!("{}: exit {code}: {e}", input.display()));
    let written = std::fs::read_to_string(&out).expect("placement written");
    let _ = std::fs::remove_file(&out);
    let problem =
        csv::parse(&std::fs::read_to_string(input).expect("input")).expect("input parses");
    let offsets: Vec<u64> = written
        .lines()
        .skip(1)
        .map(|line| {
            line.rsplit(',')
                .next()
                .unwrap()
                .parse()
                .expect("offset column")
        })
        .collect();
    let peak = check(&problem, &offsets)
        .unwrap_or_else(|e| panic!("{}: invalid placement: {e}", input.display()));
    assert!(report.contains(&format!("peak {:>18}", peak)) || report.contains(&peak.to_string()));
    peak
}

#[test]
fn challenging_instances_fit_their_capacity() {
    let Some(shared) = shared_dir() else { return };
    for name in ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K"] {
        let input = shared.join(format!("alloc-benchmarks/challenging/{name}.1048576.csv"));
        let peak = solve_and_verify(&input, Some(1_048_576));
        assert!(peak <= 1_048_576, "{name}: peak {peak}");
    }
}

#[test]
fn real_traces_reach_the_lower_bound() {
    let Some(shared) = shared_dir() else { return };
    for name in ["resnet50", "G_1"] {
        let input = shared.join(format!("alloc-benchmarks/real/{name}.csv"));
        let problem = csv::parse(&std::fs::read_to_string(&input).expect("input")).expect("parses");
        let peak = solve_and_verify(&input, None);
        assert_eq!(peak, problem.lower_bound(), "{name}");
    }
}

#[test]
fn impossible_capacity_exits_one() {
    let Some(shared) = shared_dir() else { return };
    let input = shared
        .join("alloc-benchmarks/input.12.csv")
        .display()
        .to_string();
    let (code, message) =
        run(&["arena".into(), input, "--capacity".into(), "11".into()]).expect_err("must fail");
    assert_eq!(code, 1);
    assert!(
        message.contains("no placement fits the capacity of 11 bytes (proved"),
        "{message}"
    );
}

#[test]
fn bad_csv_is_reported_with_its_line() {
    let cases = [
        ("missing column", "id,lower,size\na,0,4\n"),
        (
            "upper not after lower",
            "id,lower,upper,size\na,0,4,8\nb,5,3,8\n",
        ),
        ("not a number", "id,lower,upper,size\na,0,x,8\n"),
        ("duplicate id", "id,lower,upper,size\na,0,4,8\na,1,5,8\n"),
        ("empty file", ""),
    ];
    let mut report = String::new();
    for (name, text) in cases {
        let path = scratch(&format!("{}.csv", name.replace(' ', "_")));
        std::fs::write(&path, text).expect("write");
        let (code, message) =
            run(&["arena".into(), path.display().to_string()]).expect_err("must fail");
        let _ = std::fs::remove_file(&path);
        assert_eq!(code, 1, "{name}");
        report.push_str(&format!(
            "{name}\n    {}\n",
            message
                .trim_end()
                .replace(&path.display().to_string(), "FILE")
        ));
    }
    insta::assert_snapshot!(report);
}

/// `--timeout` bounds the whole command, heuristics included: with no time at all, 40,000
/// densely overlapping buffers (tens of millions of pairs) still get a valid placement at once,
/// and the report says what was not computed.
#[test]
fn the_timeout_bounds_the_heuristics_too() {
    let input = scratch("dense.csv");
    let mut text = String::from("id,lower,upper,size\n");
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for i in 0..40_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let lower = state % 4000;
        text += &format!(
            "b{i},{lower},{},{}\n",
            lower + 1 + state % 1000,
            1 + state % 4096
        );
    }
    std::fs::write(&input, text).expect("write problem");
    let out = scratch("dense-out.csv");
    let args: Vec<String> = [
        "arena",
        &input.display().to_string(),
        "--timeout",
        "0",
        "-o",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([out.display().to_string()])
    .collect();
    let report = run(&args).unwrap_or_else(|(code, e)| panic!("exit {code}: {e}"));
    assert!(
        report.contains("TFLM greedy   not computed within the timeout"),
        "{report}"
    );
    let problem = csv::parse(&std::fs::read_to_string(&input).expect("input")).expect("parses");
    let written = std::fs::read_to_string(&out).expect("placement written");
    let offsets: Vec<u64> = written
        .lines()
        .skip(1)
        .map(|line| line.rsplit(',').next().unwrap().parse().expect("offset"))
        .collect();
    assert!(check(&problem, &offsets).is_ok());
    let _ = std::fs::remove_file(&input);
    let _ = std::fs::remove_file(&out);
}
