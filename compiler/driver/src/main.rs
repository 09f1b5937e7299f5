//! The `tmlc` binary: runs the command line through the driver and maps the outcome to output
//! streams and an exit status; a failed write to standard output is an error (exit 1).

use std::io::{Read, Write};

fn main() {
    let mut read_stdin = || {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes).map(|_| bytes)
    };
    let code = match tmlc::run_cli(std::env::args_os().skip(1), &mut read_stdin) {
        Ok(outcome) => {
            eprint!("{}", outcome.stderr);
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(&outcome.stdout)
                .and_then(|()| stdout.flush())
            {
                Ok(()) => 0,
                Err(error) => {
                    eprintln!("error[E501]: cannot write to standard output: {error}");
                    1
                }
            }
        }
        Err(failure) if failure.exit_code == 0 => {
            let mut stdout = std::io::stdout().lock();
            match write!(stdout, "{}", failure.rendered).and_then(|()| stdout.flush()) {
                Ok(()) => 0,
                Err(error) => {
                    eprintln!("error[E501]: cannot write to standard output: {error}");
                    1
                }
            }
        }
        Err(failure) => {
            eprint!("{}", failure.rendered);
            failure.exit_code
        }
    };
    std::process::exit(code);
}
