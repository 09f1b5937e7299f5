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

/// The structure of a module with every span left out: per function its signature and
/// attributes, per op (in walk order) its name, operands (numbered by first definition), result
/// types, attributes and regions; the resources' bytes. Two modules with the same structure
/// print the same, but a printer that drops or alters something fails to match its own input.
fn structure(module: &tmlc_core::ir::Module) -> Vec<String> {
    use std::collections::HashMap;
    let mut lines = vec![format!("module @{}", module.name)];
    for function in &module.functions {
        let mut number: HashMap<tmlc_core::ir::Value, usize> = HashMap::new();
        let name = |value, number: &mut HashMap<_, usize>| {
            let next = number.len();
            *number.entry(value).or_insert(next)
        };
        for &param in &function.params {
            name(param, &mut number);
        }
        let params: Vec<String> = function
            .params
            .iter()
            .zip(&function.param_attributes)
            .map(|(&p, attributes)| format!("{:?} {attributes:?}", function.value_type(p)))
            .collect();
        lines.push(format!(
            "func @{}({params:?}) -> {:?} {:?}",
            function.name, function.result_types, function.attributes
        ));
        for op in function.walk() {
            let data = &function.ops[op];
            let mut regions = Vec::new();
            for region in &data.regions {
                let arguments: Vec<String> = region
                    .arguments
                    .iter()
                    .map(|&a| format!("{}: {:?}", name(a, &mut number), function.value_type(a)))
                    .collect();
                regions.push(format!("{} ops, arguments {arguments:?}", region.ops.len()));
            }
            let operands: Vec<usize> = data
                .operands
                .iter()
                .map(|&v| name(v, &mut number))
                .collect();
            let results: Vec<String> = data
                .results
                .iter()
                .map(|&r| format!("{}: {:?}", name(r, &mut number), function.value_type(r)))
                .collect();
            lines.push(format!(
                "  {} {operands:?} -> {results:?} {:?} {regions:?}",
                data.name, data.attributes
            ));
        }
    }
    for resource in &module.resources {
        lines.push(format!("resource {} = {:?}", resource.name, resource.data));
    }
    lines
}

/// Structural round trip: every module the test files and examples hold, parsed, printed and
/// parsed again, has the structure it had (a text comparison alone cannot see a printer that
/// always drops the same attribute).
#[test]
fn round_trips_keep_the_structure() {
    use tmlc_core::parser::parse_module;
    use tmlc_core::printer::print_module;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for folder in ["../examples", "tinyml", "passes", "mem", "generated-c"] {
        for entry in std::fs::read_dir(root.join(folder)).expect("folder") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "tir") {
                files.push(path);
            }
        }
    }
    let mut checked = 0;
    for path in files {
        let text = std::fs::read_to_string(&path).expect("readable");
        for (line, case) in tmlc_tests::split_cases(&text) {
            let Ok(module) = parse_module(&case) else {
                continue;
            };
            let printed = print_module(&module);
            let again = parse_module(&printed).unwrap_or_else(|d| {
                panic!(
                    "{}:{line}: printed IR does not reparse: {d:?}",
                    path.display()
                )
            });
            assert_eq!(
                structure(&again),
                structure(&module),
                "{}:{line}: parse(print(x)) differs from x",
                path.display()
            );
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} modules checked");
}
