//! Snapshot tests: every `.tir` file under `tests/` runs through the harness and its outcome is
//! compared with `tests/snapshots/`. Bless changes with `cargo insta review` (see docs/testing.md).
//! Every case that succeeds must also round-trip: its printed IR, parsed and printed again, is
//! identical.

use std::path::Path;
use tmlc_tests::{render_outcomes, run_file};

#[test]
fn tir_files() {
    insta::glob!("**/*.tir", |path| {
        let outcomes = run_file(path);
        for outcome in &outcomes {
            if let Some(output) = &outcome.output {
                assert_round_trip(path, outcome.line, output);
            }
            if let Some((code, rendered)) = &outcome.error {
                // 1: bad input; 2: bad usage (an unknown pass, a malformed pipeline).
                assert!(
                    *code == 1 || *code == 2,
                    "{}:{}: expected exit status 1 or 2, got {code}",
                    path.display(),
                    outcome.line
                );
                assert!(
                    rendered.contains("error["),
                    "{}:{}: no diagnostic",
                    path.display(),
                    outcome.line
                );
            }
        }
        insta::assert_snapshot!(render_outcomes(&outcomes));
    });
}

fn assert_round_trip(path: &Path, line: usize, printed: &str) {
    let bytes = printed.as_bytes().to_vec();
    let mut stdin = || Ok(bytes.clone());
    let again = tmlc::run_cli(["opt", "-"], &mut stdin).unwrap_or_else(|f| {
        panic!(
            "{}:{line}: printed IR does not reparse:\n{}",
            path.display(),
            f.rendered
        )
    });
    assert_eq!(
        String::from_utf8_lossy(&again.stdout),
        printed,
        "{}:{line}: print(parse(x)) is not a fixpoint",
        path.display()
    );
}

/// Every `.tir` in `examples/` is valid and a fixpoint of print(parse(x)) after one round.
#[test]
fn examples_round_trip() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut count = 0;
    for entry in std::fs::read_dir(&examples).expect("examples/") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "tir") {
            continue;
        }
        let bytes = std::fs::read(&path).expect("readable");
        let mut stdin = || Ok(bytes.clone());
        let printed = tmlc::run_cli(["opt", "-"], &mut stdin)
            .unwrap_or_else(|f| panic!("{}: {}", path.display(), f.rendered));
        assert_round_trip(&path, 1, &String::from_utf8_lossy(&printed.stdout));
        count += 1;
    }
    assert!(count > 0, "no examples found");
}
