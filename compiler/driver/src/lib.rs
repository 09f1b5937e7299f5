//! The `tmlc` driver: wires the dialects and passes together and runs commands in-process
//! (`run_cli`), so tests exercise exactly what the binary does.

pub mod architecture;
pub mod budget;
pub mod cli;
pub mod commands;
pub mod input;
pub mod resolution;
pub mod svg;

use clap::Parser;
use std::path::Path;
use tmlc_core::dialect::Context;
use tmlc_core::pass::PassRegistry;

/// Every dialect's ops.
pub fn context() -> Context {
    let mut context = Context::new();
    tmlc_tinyml::register(&mut context);
    tmlc_mem::register(&mut context);
    tmlc_loop::register(&mut context);
    context
}

/// Every pass.
pub fn pass_registry() -> PassRegistry {
    let mut registry = PassRegistry::new();
    tmlc_passes::register(&mut registry);
    registry
}

/// What a successful command prints.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Outcome {
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Outcome {
    pub fn stdout(text: String) -> Outcome {
        Outcome {
            stdout: text.into_bytes(),
            stderr: String::new(),
        }
    }
}

/// A failed command: the rendered error(s) and the exit status.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub rendered: String,
    pub exit_code: i32,
}

impl Failure {
    /// Bad input: exit status 1.
    pub fn message(rendered: String) -> Failure {
        Failure {
            rendered,
            exit_code: 1,
        }
    }

    /// Bad command-line usage (an unknown target, a malformed or unknown pass pipeline): exit
    /// status 2, as clap's own usage errors.
    pub fn usage(rendered: String) -> Failure {
        Failure {
            rendered,
            exit_code: 2,
        }
    }

    pub fn io(message: String) -> Failure {
        Failure::message(format!("error[E501]: {message}\n"))
    }
}

/// Writes `bytes` to `path`, or to the outcome's stdout when there is no path.
pub fn write_output(
    outcome: &mut Outcome,
    path: Option<&Path>,
    bytes: &[u8],
) -> Result<(), Failure> {
    match path {
        None => outcome.stdout.extend_from_slice(bytes),
        Some(path) => std::fs::write(path, bytes)
            .map_err(|e| Failure::io(format!("cannot write {}: {e}", path.display())))?,
    }
    Ok(())
}

/// Parses `args` (without the program name) and runs the command. Usage errors (and `--help`)
/// come back as a `Failure` with clap's exit status and text.
pub fn run_cli<I, T>(args: I, stdin: input::StdinReader) -> Result<Outcome, Failure>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = cli::Cli::try_parse_from(
        std::iter::once("tmlc".into()).chain(args.into_iter().map(Into::into)),
    )
    .map_err(|e| Failure {
        rendered: e.render().to_string(),
        exit_code: e.exit_code(),
    })?;
    match &cli.command {
        cli::Command::Opt(args) => commands::opt::run(args, stdin),
        cli::Command::Import(args) => commands::import::run(args),
        cli::Command::Run(args) => commands::run::run(args, stdin),
        cli::Command::Compile(args) => commands::compile::run(args, stdin),
        cli::Command::Targets => Ok(commands::targets::run()),
        cli::Command::Info(args) => commands::info::run(args, stdin),
        cli::Command::Mem(args) => commands::mem::run(args, stdin),
        cli::Command::Sim(args) => commands::sim::run(args, stdin),
        cli::Command::Arena(args) => commands::arena::run(args),
        cli::Command::Fit(args) => commands::fit::run(args, stdin),
    }
}
