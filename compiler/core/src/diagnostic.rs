//! Diagnostics: one error type for every layer (lexer, parser, verifier, passes, frontends), with a
//! stable code, a primary span and notes, rendered as `file:line:col` with the source line and a
//! caret by codespan-reporting.

use crate::span::Span;
use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::termcolor::NoColor;
use codespan_reporting::term::{self, Config};
use std::fmt;

/// Stable error codes. The first digit names the layer: 1 lexer/parser, 2 verifier, 3 pass
/// manager and passes, 4 frontends, 5 driver and I/O.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// A character or token the lexer does not know.
    InvalidToken,
    /// The parser expected something else.
    UnexpectedToken,
    /// A malformed literal (integer out of range, bad hex blob, bad float).
    InvalidLiteral,
    /// A `%value` or `@resource` used but never defined, or defined twice.
    UndefinedName,
    DuplicateName,
    /// Structural IR errors (operand counts, terminators, signatures).
    InvalidStructure,
    /// An op name no registered dialect defines.
    UnknownOp,
    /// An op's operands, attributes or result types break its contract.
    InvalidOp,
    /// A bad `--pass-pipeline` string, unknown pass or option.
    InvalidPipeline,
    /// A pass failed.
    PassFailed,
    /// A model the frontend cannot read or import.
    InvalidModel,
    UnsupportedModel,
    /// Interpretation failed (wrong input size, ...).
    Runtime,
    /// Reading or writing a file failed.
    Io,
    /// A command-line value is invalid (unknown target, ...).
    InvalidArgument,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidToken => "E101",
            ErrorCode::UnexpectedToken => "E102",
            ErrorCode::InvalidLiteral => "E103",
            ErrorCode::UndefinedName => "E104",
            ErrorCode::DuplicateName => "E105",
            ErrorCode::InvalidStructure => "E201",
            ErrorCode::UnknownOp => "E202",
            ErrorCode::InvalidOp => "E203",
            ErrorCode::InvalidPipeline => "E301",
            ErrorCode::PassFailed => "E302",
            ErrorCode::InvalidModel => "E401",
            ErrorCode::UnsupportedModel => "E402",
            ErrorCode::Runtime => "E403",
            ErrorCode::Io => "E501",
            ErrorCode::InvalidArgument => "E502",
        }
    }
}

/// An error with a code, a message, where it happened and optional notes.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub code: ErrorCode,
    pub message: String,
    /// Where the error is; [`Span::NONE`] when the IR did not come from text.
    pub span: Span,
    /// A short label under the caret.
    pub label: String,
    /// Secondary locations (e.g. "defined here").
    pub secondary: Vec<(Span, String)>,
    pub notes: Vec<String>,
}

impl Diagnostic {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            message: message.into(),
            span: Span::NONE,
            label: String::new(),
            secondary: Vec::new(),
            notes: Vec::new(),
        }
    }

    pub fn at(mut self, span: Span) -> Diagnostic {
        self.span = span;
        self
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = label.into();
        self
    }

    pub fn with_secondary(mut self, span: Span, label: impl Into<String>) -> Diagnostic {
        if !span.is_none() {
            self.secondary.push((span, label.into()));
        }
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    /// Renders as `error[E203]: message` followed by `--> file:line:col`, the source line and a
    /// caret, without colours. Without a span (or source) only the header and notes are shown,
    /// prefixed by the file name.
    pub fn render(&self, file_name: &str, source: &str) -> String {
        let in_bounds = |span: Span| !span.is_none() && span.end as usize <= source.len();
        if !in_bounds(self.span) {
            let mut out = format!(
                "error[{}]: {}\n  --> {}\n",
                self.code.as_str(),
                self.message,
                file_name
            );
            for note in &self.notes {
                out.push_str(&format!("  = note: {note}\n"));
            }
            return out;
        }
        let file = SimpleFile::new(file_name, source);
        let mut labels = vec![Label::primary((), self.span.range()).with_message(&self.label)];
        for (span, label) in &self.secondary {
            if in_bounds(*span) {
                labels.push(Label::secondary((), span.range()).with_message(label));
            }
        }
        let diagnostic = CsDiagnostic::error()
            .with_message(&self.message)
            .with_code(self.code.as_str())
            .with_labels(labels)
            .with_notes(self.notes.clone());
        let mut writer = NoColor::new(Vec::<u8>::new());
        match term::emit(&mut writer, &Config::default(), &file, &diagnostic) {
            Ok(()) => String::from_utf8_lossy(&writer.into_inner()).into_owned(),
            Err(_) => format!("error[{}]: {}\n", self.code.as_str(), self.message),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error[{}]: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for Diagnostic {}

/// Results of every fallible IR operation.
pub type DiagResult<T> = Result<T, Diagnostic>;
