//! The file-driven test harness: a `.tir` test file starts with `// RUN: <tmlc arguments>`,
//! cases are split by `// -----` lines (a case may start with its own `// RUN:` line), and each
//! case runs in-process through the same driver as the binary, with the case on standard input.
//! The outcome (printed IR, or the rendered diagnostic) is what gets snapshotted.

pub mod shared;
pub mod stages;
pub mod tools;

use std::path::Path;

/// One case of a test file and what running it produced.
#[derive(Debug, Clone)]
pub struct CaseOutcome {
    /// 1-based line of the case's first line in the file.
    pub line: usize,
    pub args: Vec<String>,
    /// The printed IR (standard output) when the command succeeded.
    pub output: Option<String>,
    /// The rendered diagnostic and exit status when it failed.
    pub error: Option<(i32, String)>,
}

/// Splits a test file into `(first line number, text)` cases. Each case keeps blank lines in
/// front of it so that diagnostics report the line numbers of the file itself.
pub fn split_cases(text: &str) -> Vec<(usize, String)> {
    let mut cases = Vec::new();
    let mut current = String::new();
    let mut start_line = 1;
    for (index, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("// -----") {
            cases.push((start_line, std::mem::take(&mut current)));
            start_line = index + 2;
            current = "\n".repeat(index + 1);
            continue;
        }
        current.push_str(line);
        current.push('\n');
    }
    cases.push((start_line, current));
    cases
}

/// The arguments of a `// RUN:` line (`None` if the line is not one). The input is always
/// standard input, so the line does not name a file.
pub fn run_line(line: &str) -> Option<Vec<String>> {
    let rest = line.trim_start().strip_prefix("// RUN:")?;
    Some(rest.split_whitespace().map(str::to_string).collect())
}

/// Runs every case of a test file. Panics (failing the test) when the file has no RUN line.
pub fn run_file(path: &Path) -> Vec<CaseOutcome> {
    let text = std::fs::read_to_string(path).expect("test file is readable");
    let first_line = text.lines().next().unwrap_or_default();
    let file_args = run_line(first_line)
        .unwrap_or_else(|| panic!("{}: the first line must be `// RUN: ...`", path.display()));
    let display_name = path
        .components()
        .rev()
        .take(2)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/");
    split_cases(&text)
        .into_iter()
        .map(|(line, case)| {
            let own_run = case
                .lines()
                .find(|l| !l.trim().is_empty())
                .and_then(run_line)
                .filter(|_| line > 1);
            let args = own_run.unwrap_or_else(|| file_args.clone());
            let mut full_args = args.clone();
            full_args.push("-".to_string());
            let bytes = case.into_bytes();
            let mut stdin = || Ok(bytes.clone());
            let result = tmlc::run_cli(full_args, &mut stdin);
            match result {
                Ok(outcome) => CaseOutcome {
                    line,
                    args,
                    output: Some(String::from_utf8_lossy(&outcome.stdout).into_owned()),
                    error: None,
                },
                Err(failure) => CaseOutcome {
                    line,
                    args,
                    output: None,
                    error: Some((
                        failure.exit_code,
                        failure.rendered.replace("<stdin>", &display_name),
                    )),
                },
            }
        })
        .collect()
}

/// The text snapshotted for a test file: every case's arguments and outcome.
pub fn render_outcomes(outcomes: &[CaseOutcome]) -> String {
    let mut out = String::new();
    for outcome in outcomes {
        out.push_str(&format!(
            "// ----- case at line {}: tmlc {}\n",
            outcome.line,
            outcome.args.join(" ")
        ));
        if let Some(output) = &outcome.output {
            out.push_str(output);
        }
        if let Some((code, rendered)) = &outcome.error {
            out.push_str(&format!("exit status {code}\n{rendered}"));
        }
    }
    out
}
