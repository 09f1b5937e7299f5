//! The pass manager: passes registered by name with a one-line summary and their options, the
//! `--pass-pipeline` syntax (`a,b{key=value},c`, a subset of MLIR's), and a runner that verifies
//! after every pass and can print the IR after each pass and time them.

use crate::diagnostic::{DiagResult, Diagnostic, ErrorCode};
use crate::dialect::Context;
use crate::ir::Module;
use crate::printer::print_module;
use crate::span::Span;
use crate::target::Target;
use crate::verifier::verify_module;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// A transformation of a whole module.
pub trait Pass {
    /// Runs the pass; returns whether the IR changed.
    fn run(&mut self, module: &mut Module, context: &Context) -> DiagResult<bool>;

    /// What the last run reports about itself (one line each; `fuse{stats=true}`: the stop
    /// reason, e-graph sizes and rules applied), carried in its [`PassRun`].
    fn statistics(&self) -> Vec<String> {
        Vec::new()
    }
}

/// One option a pass accepts.
#[derive(Debug, Clone, Copy)]
pub struct PassOption {
    pub name: &'static str,
    pub help: &'static str,
}

/// Options given to a pass in the pipeline, with typed getters whose errors point into the
/// pipeline text.
#[derive(Debug, Clone, Default)]
pub struct PassOptions {
    pub pass: String,
    pub values: BTreeMap<String, (String, Span)>,
}

impl PassOptions {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(|(v, _)| v.as_str())
    }

    /// A non-negative integer option, or `default`.
    pub fn usize(&self, name: &str, default: usize) -> DiagResult<usize> {
        match self.values.get(name) {
            None => Ok(default),
            Some((text, span)) => text.parse().map_err(|_| {
                Diagnostic::new(
                    ErrorCode::InvalidPipeline,
                    format!(
                        "option `{name}` of pass `{}` must be a non-negative integer, got `{text}`",
                        self.pass
                    ),
                )
                .at(*span)
            }),
        }
    }

    /// A boolean option (`true`/`false`/`1`/`0`), or `default`.
    pub fn bool(&self, name: &str, default: bool) -> DiagResult<bool> {
        match self.values.get(name) {
            None => Ok(default),
            Some((text, span)) => match text.as_str() {
                "true" | "1" => Ok(true),
                "false" | "0" => Ok(false),
                _ => Err(Diagnostic::new(
                    ErrorCode::InvalidPipeline,
                    format!(
                        "option `{name}` of pass `{}` must be true or false, got `{text}`",
                        self.pass
                    ),
                )
                .at(*span)),
            },
        }
    }
}

/// A registered pass: name, summary, options and a constructor, which receives the target the
/// pipeline compiles for.
pub struct PassInfo {
    pub name: &'static str,
    pub summary: &'static str,
    pub options: &'static [PassOption],
    pub create: fn(&PassOptions, &Target) -> DiagResult<Box<dyn Pass>>,
}

/// Every pass the driver knows, in registration order.
#[derive(Default)]
pub struct PassRegistry {
    passes: Vec<PassInfo>,
}

impl PassRegistry {
    pub fn new() -> PassRegistry {
        PassRegistry::default()
    }

    pub fn register(&mut self, info: PassInfo) {
        self.passes.push(info);
    }

    pub fn passes(&self) -> &[PassInfo] {
        &self.passes
    }

    pub fn lookup(&self, name: &str) -> Option<&PassInfo> {
        self.passes.iter().find(|p| p.name == name)
    }

    /// Parses a pipeline string and builds its passes for `target`. Errors carry spans into
    /// `pipeline`.
    pub fn build_pipeline(
        &self,
        pipeline: &str,
        target: &Target,
    ) -> DiagResult<Vec<(String, Box<dyn Pass>)>> {
        let mut passes = Vec::new();
        for element in parse_pipeline(pipeline)? {
            let Some(info) = self.lookup(&element.name) else {
                let known: Vec<&str> = self.passes.iter().map(|p| p.name).collect();
                return Err(Diagnostic::new(
                    ErrorCode::InvalidPipeline,
                    format!("unknown pass `{}`", element.name),
                )
                .at(element.span)
                .with_label("not a registered pass")
                .with_note(format!("known passes: {}", known.join(", "))));
            };
            for (key, (_, span)) in &element.options.values {
                if !info.options.iter().any(|o| o.name == key) {
                    let known: Vec<&str> = info.options.iter().map(|o| o.name).collect();
                    let known = if known.is_empty() {
                        "it takes no options".to_string()
                    } else {
                        format!("known options: {}", known.join(", "))
                    };
                    return Err(Diagnostic::new(
                        ErrorCode::InvalidPipeline,
                        format!("unknown option `{key}` for pass `{}`", info.name),
                    )
                    .at(*span)
                    .with_label("not an option of this pass")
                    .with_note(known));
                }
            }
            passes.push((
                info.name.to_string(),
                (info.create)(&element.options, target)?,
            ));
        }
        Ok(passes)
    }
}

/// One `name{options}` element of a pipeline.
#[derive(Debug, Clone)]
pub struct PipelineElement {
    pub name: String,
    pub span: Span,
    pub options: PassOptions,
}

/// Parses `a,b{key=value,other=1},c`. Whitespace around names and values is allowed. An
/// empty string is the empty pipeline.
pub fn parse_pipeline(text: &str) -> DiagResult<Vec<PipelineElement>> {
    let error = |message: String, start: usize, end: usize| {
        Diagnostic::new(ErrorCode::InvalidPipeline, message).at(Span::new(start, end.max(start)))
    };
    let bytes = text.as_bytes();
    let is_name = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    let skip_spaces = |mut i: usize| {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    };
    let mut elements = Vec::new();
    let mut i = skip_spaces(0);
    if i == bytes.len() {
        return Ok(elements);
    }
    loop {
        let start = i;
        while i < bytes.len() && is_name(bytes[i]) {
            i += 1;
        }
        if i == start {
            return Err(error("expected a pass name".to_string(), start, start + 1)
                .with_label("expected a pass name"));
        }
        let name = text[start..i].to_string();
        let mut options = PassOptions {
            pass: name.clone(),
            values: BTreeMap::new(),
        };
        let name_span = Span::new(start, i);
        i = skip_spaces(i);
        if i < bytes.len() && bytes[i] == b'{' {
            i += 1;
            loop {
                i = skip_spaces(i);
                let key_start = i;
                while i < bytes.len() && is_name(bytes[i]) {
                    i += 1;
                }
                if i == key_start {
                    return Err(error("expected an option name".to_string(), i, i + 1)
                        .with_label("expected `key=value`"));
                }
                let key = text[key_start..i].to_string();
                i = skip_spaces(i);
                if i >= bytes.len() || bytes[i] != b'=' {
                    return Err(
                        error(format!("expected '=' after option `{key}`"), i, i + 1)
                            .with_label("expected '='"),
                    );
                }
                i = skip_spaces(i + 1);
                let value_start = i;
                while i < bytes.len() && !matches!(bytes[i], b',' | b'}' | b' ') {
                    i += 1;
                }
                if i == value_start {
                    return Err(error(format!("missing value for option `{key}`"), i, i + 1)
                        .with_label("expected a value"));
                }
                let value = text[value_start..i].to_string();
                let span = Span::new(key_start, i);
                if options.values.insert(key.clone(), (value, span)).is_some() {
                    return Err(error(
                        format!("option `{key}` is given twice"),
                        key_start,
                        i,
                    ));
                }
                i = skip_spaces(i);
                match bytes.get(i) {
                    Some(b',') => i += 1,
                    Some(b'}') => {
                        i += 1;
                        break;
                    }
                    _ => {
                        return Err(error("expected ',' or '}'".to_string(), i, i + 1)
                            .with_label("unterminated option list"))
                    }
                }
            }
        }
        elements.push(PipelineElement {
            name,
            span: name_span,
            options,
        });
        i = skip_spaces(i);
        match bytes.get(i) {
            None => return Ok(elements),
            Some(b',') => i = skip_spaces(i + 1),
            Some(_) => {
                return Err(error("expected ',' between passes".to_string(), i, i + 1)
                    .with_label("expected ','"))
            }
        }
    }
}

/// What happened while running a pipeline, for `--print-ir-after-all` and `--timing`.
#[derive(Debug, Clone)]
pub struct PassRun {
    pub pass: String,
    pub changed: bool,
    pub duration: Duration,
    /// The printed IR after the pass, when requested.
    pub ir_after: Option<String>,
    /// The pass's own report of the run ([`Pass::statistics`]).
    pub statistics: Vec<String>,
}

/// Runs passes in order, verifying after each.
pub struct PassManager {
    pub passes: Vec<(String, Box<dyn Pass>)>,
    pub verify_each: bool,
    pub print_ir_after_all: bool,
}

impl PassManager {
    pub fn new(passes: Vec<(String, Box<dyn Pass>)>) -> PassManager {
        PassManager {
            passes,
            verify_each: true,
            print_ir_after_all: false,
        }
    }

    /// Runs every pass; a pass error or a failed verification stops the pipeline. The error
    /// says which pass broke the IR.
    pub fn run(&mut self, module: &mut Module, context: &Context) -> DiagResult<Vec<PassRun>> {
        let mut runs = Vec::new();
        for (name, pass) in &mut self.passes {
            let start = Instant::now();
            let changed = pass.run(module, context)?;
            let duration = start.elapsed();
            if self.verify_each {
                verify_module(module, context).map_err(|diagnostic| {
                    diagnostic.with_note(format!("the IR failed verification after pass `{name}`"))
                })?;
            }
            runs.push(PassRun {
                pass: name.clone(),
                changed,
                duration,
                ir_after: self.print_ir_after_all.then(|| print_module(module)),
                statistics: pass.statistics(),
            });
        }
        Ok(runs)
    }
}
