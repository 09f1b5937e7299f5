//! The `tmlc` binary: runs the command line through the driver and maps the outcome to output
//! streams and an exit status.

use std::io::{Read, Write};

fn main() {
    let mut read_stdin = || {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes).map(|_| bytes)
    };
    let code = match tmlc::run_cli(std::env::args_os().skip(1), &mut read_stdin) {
        Ok(outcome) => {
            eprint!("{}", outcome.stderr);
            let _ = std::io::stdout().write_all(&outcome.stdout);
            0
        }
        Err(failure) if failure.exit_code == 0 => {
            print!("{}", failure.rendered);
            0
        }
        Err(failure) => {
            eprint!("{}", failure.rendered);
            failure.exit_code
        }
    };
    std::process::exit(code);
}
