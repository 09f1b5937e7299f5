//! External tools the tests run (C compilers, make, nm): whether one is installed, with a loud
//! skip when it is not (a failure under `CI=true`, where every tool must be there).

use std::process::Command;

/// True when `program --version` runs; otherwise prints a SKIPPED banner and returns false, or
/// panics under `CI=true`.
pub fn have(program: &str) -> bool {
    let found = Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        let message = format!("SKIPPED: `{program}` is not installed");
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "{message}; CI must have it"
        );
        eprintln!("\n{}\n{message}\n{}\n", "=".repeat(80), "=".repeat(80));
    }
    found
}
