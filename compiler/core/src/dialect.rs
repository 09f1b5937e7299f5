//! How dialects plug into the core: an [`OpDefinition`] per op (name, summary, verifier), a
//! [`Context`] registry of them, and [`OpContext`], the view of one op that verifiers use, with
//! helpers that turn every contract violation into a diagnostic pointing at the right token.

use crate::attributes::Attribute;
use crate::diagnostic::{DiagResult, Diagnostic, ErrorCode};
use crate::ir::{Function, Module, Op, OpData};
use crate::span::Span;
use crate::types::TensorType;
use std::collections::BTreeMap;

/// One op of a dialect.
pub trait OpDefinition: Send + Sync {
    /// Dialect-qualified name, e.g. `tinyml.conv2d`.
    fn name(&self) -> &'static str;
    /// One line for `--help`-style listings.
    fn summary(&self) -> &'static str;
    /// How many regions the op holds (the core rejects any other number before `verify`).
    fn regions(&self) -> usize {
        0
    }
    /// Checks operands, attributes and result types; runs after the core's structural checks.
    fn verify(&self, op: &OpContext) -> DiagResult<()>;
}

/// A dialect attribute (its name has the dialect as prefix: `mem.offset`) that may sit on any
/// op, function or function parameter, beside the op's own attributes.
pub struct AttributeDefinition {
    pub name: &'static str,
    pub summary: &'static str,
    /// Checks the value; the message is shown at the attribute.
    pub verify: fn(&Attribute) -> Result<(), String>,
}

/// Whether an attribute name belongs to a dialect (contains a `.`) rather than to the op.
pub fn is_dialect_attribute(name: &str) -> bool {
    name.contains('.')
}

/// The registered ops and dialect attributes of every loaded dialect.
#[derive(Default)]
pub struct Context {
    ops: BTreeMap<&'static str, Box<dyn OpDefinition>>,
    attributes: BTreeMap<&'static str, AttributeDefinition>,
}

impl Context {
    pub fn new() -> Context {
        Context::default()
    }

    pub fn register_op(&mut self, definition: Box<dyn OpDefinition>) {
        self.ops.insert(definition.name(), definition);
    }

    pub fn op(&self, name: &str) -> Option<&dyn OpDefinition> {
        self.ops.get(name).map(|d| d.as_ref())
    }

    pub fn register_attribute(&mut self, definition: AttributeDefinition) {
        self.attributes.insert(definition.name, definition);
    }

    pub fn attribute(&self, name: &str) -> Option<&AttributeDefinition> {
        self.attributes.get(name)
    }

    /// Checks one dialect attribute: it must be registered and its value valid.
    pub fn verify_attribute(&self, name: &str, value: &Attribute) -> Result<(), String> {
        match self.attribute(name) {
            None => {
                let known: Vec<&str> = self.attributes.keys().copied().collect();
                Err(format!(
                    "unknown dialect attribute `{name}` (known: {})",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ))
            }
            Some(definition) => (definition.verify)(value).map_err(|e| format!("`{name}`: {e}")),
        }
    }

    /// All registered ops, sorted by name.
    pub fn ops(&self) -> impl Iterator<Item = &dyn OpDefinition> {
        self.ops.values().map(|d| d.as_ref())
    }
}

/// One op seen by its verifier, with error helpers.
pub struct OpContext<'a> {
    pub module: &'a Module,
    pub function: &'a Function,
    pub op: Op,
}

impl<'a> OpContext<'a> {
    pub fn data(&self) -> &'a OpData {
        &self.function.ops[self.op]
    }

    fn name_span(&self) -> Span {
        let data = self.data();
        if data.spans.name.is_none() {
            data.span
        } else {
            data.spans.name
        }
    }

    /// An `InvalidOp` error at the op's name.
    pub fn error(&self, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(
            ErrorCode::InvalidOp,
            format!("'{}' op {}", self.data().name, message.into()),
        )
        .at(self.name_span())
    }

    /// An error at operand `index` (falls back to the op's name).
    pub fn operand_error(&self, index: usize, message: impl Into<String>) -> Diagnostic {
        let span = self.data().spans.operands.get(index).copied();
        let mut diagnostic = self.error(message);
        if let Some(span) = span {
            diagnostic.span = span;
        }
        diagnostic.with_secondary(
            self.function.values[self.data().operands[index]].span,
            "defined here",
        )
    }

    /// An error at attribute `name` (falls back to the op's name).
    pub fn attribute_error(&self, name: &str, message: impl Into<String>) -> Diagnostic {
        let span = self
            .data()
            .spans
            .attributes
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, span)| *span);
        let mut diagnostic = self.error(message);
        if let Some(span) = span {
            diagnostic.span = span;
        }
        diagnostic
    }

    /// An error at the type of result `index` (falls back to the op's name).
    pub fn result_error(&self, index: usize, message: impl Into<String>) -> Diagnostic {
        let span = self.data().spans.result_types.get(index).copied();
        let mut diagnostic = self.error(message);
        if let Some(span) = span {
            diagnostic.span = span;
        }
        diagnostic
    }

    pub fn num_operands(&self) -> usize {
        self.data().operands.len()
    }

    pub fn operand_type(&self, index: usize) -> &'a TensorType {
        self.function.value_type(self.data().operands[index])
    }

    pub fn result_type(&self, index: usize) -> &'a TensorType {
        self.function.value_type(self.data().results[index])
    }

    /// Requires between `min` and `max` operands.
    pub fn expect_operands(&self, min: usize, max: usize) -> DiagResult<()> {
        let count = self.num_operands();
        if count < min || count > max {
            let expected = if min == max {
                format!("{min}")
            } else if max == usize::MAX {
                format!("at least {min}")
            } else {
                format!("{min} to {max}")
            };
            return Err(self.error(format!("expects {expected} operand(s), got {count}")));
        }
        Ok(())
    }

    pub fn expect_results(&self, count: usize) -> DiagResult<()> {
        let got = self.data().results.len();
        if got != count {
            return Err(self.error(format!("expects {count} result(s), got {got}")));
        }
        Ok(())
    }

    /// Rejects op attributes not in `known`; dialect attributes (`mem.offset`) are checked by
    /// the verifier against their own definitions.
    pub fn expect_attributes(&self, known: &[&str]) -> DiagResult<()> {
        for key in self.data().attributes.keys() {
            if !known.contains(&key.as_str()) && !is_dialect_attribute(key) {
                let expected = if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                };
                return Err(self.attribute_error(
                    key,
                    format!("has unknown attribute `{key}` (expected: {expected})"),
                ));
            }
        }
        Ok(())
    }

    pub fn attribute(&self, name: &str) -> Option<&'a Attribute> {
        self.data().attributes.get(name)
    }

    fn required(&self, name: &str) -> DiagResult<&'a Attribute> {
        self.attribute(name)
            .ok_or_else(|| self.error(format!("requires attribute `{name}`")))
    }

    fn wrong_kind(&self, name: &str, expected: &str, found: &Attribute) -> Diagnostic {
        self.attribute_error(
            name,
            format!(
                "attribute `{name}` must be {expected}, found {}",
                found.kind()
            ),
        )
    }

    /// An integer attribute, or `default` when absent.
    pub fn int_attribute(&self, name: &str, default: Option<i64>) -> DiagResult<i64> {
        let attribute = match (self.attribute(name), default) {
            (None, Some(default)) => return Ok(default),
            (None, None) => return Err(self.required(name).unwrap_err()),
            (Some(attribute), _) => attribute,
        };
        match attribute {
            Attribute::Int(v) => Ok(*v),
            other => Err(self.wrong_kind(name, "an integer", other)),
        }
    }

    /// A positive integer attribute (`stride`, `multiplier`, ...), or `default` when absent.
    pub fn positive_attribute(&self, name: &str, default: Option<i64>) -> DiagResult<usize> {
        let value = self.int_attribute(name, default)?;
        if value < 1 || value > u32::MAX as i64 {
            return Err(self.attribute_error(
                name,
                format!("attribute `{name}` must be a positive integer, got {value}"),
            ));
        }
        Ok(value as usize)
    }

    /// An array of exactly `len` integers (any length when `len` is `None`), or `default`.
    pub fn int_array_attribute(
        &self,
        name: &str,
        len: Option<usize>,
        default: Option<Vec<i64>>,
    ) -> DiagResult<Vec<i64>> {
        let attribute = match (self.attribute(name), default) {
            (None, Some(default)) => return Ok(default),
            (None, None) => return Err(self.required(name).unwrap_err()),
            (Some(attribute), _) => attribute,
        };
        let expected = match len {
            Some(n) => format!("an array of {n} integers"),
            None => "an array of integers".to_string(),
        };
        let Attribute::Array(items) = attribute else {
            return Err(self.wrong_kind(name, &expected, attribute));
        };
        let values: Option<Vec<i64>> = items
            .iter()
            .map(|item| match item {
                Attribute::Int(v) => Some(*v),
                _ => None,
            })
            .collect();
        match values {
            Some(values) if len.is_none_or(|n| values.len() == n) => Ok(values),
            _ => Err(self.attribute_error(name, format!("attribute `{name}` must be {expected}"))),
        }
    }

    /// A keyword attribute from `allowed`, or `default` when absent.
    pub fn keyword_attribute(
        &self,
        name: &str,
        allowed: &[&'static str],
        default: Option<&'static str>,
    ) -> DiagResult<&'static str> {
        let attribute = match (self.attribute(name), default) {
            (None, Some(default)) => return Ok(default),
            (None, None) => return Err(self.required(name).unwrap_err()),
            (Some(attribute), _) => attribute,
        };
        let Attribute::Keyword(keyword) = attribute else {
            return Err(self.wrong_kind(name, "a keyword", attribute));
        };
        allowed
            .iter()
            .find(|a| **a == keyword)
            .copied()
            .ok_or_else(|| {
                self.attribute_error(
                    name,
                    format!(
                        "attribute `{name}` must be one of {}, got `{keyword}`",
                        allowed.join(", ")
                    ),
                )
            })
    }

    pub fn float_attribute(&self, name: &str, default: Option<f32>) -> DiagResult<f32> {
        let attribute = match (self.attribute(name), default) {
            (None, Some(default)) => return Ok(default),
            (None, None) => return Err(self.required(name).unwrap_err()),
            (Some(attribute), _) => attribute,
        };
        match attribute {
            Attribute::Float(v) => Ok(*v),
            Attribute::Int(v) => Ok(*v as f32),
            other => Err(self.wrong_kind(name, "a float", other)),
        }
    }

    pub fn bool_attribute(&self, name: &str, default: Option<bool>) -> DiagResult<bool> {
        let attribute = match (self.attribute(name), default) {
            (None, Some(default)) => return Ok(default),
            (None, None) => return Err(self.required(name).unwrap_err()),
            (Some(attribute), _) => attribute,
        };
        match attribute {
            Attribute::Bool(v) => Ok(*v),
            other => Err(self.wrong_kind(name, "a boolean", other)),
        }
    }

    pub fn symbol_attribute(&self, name: &str) -> DiagResult<&'a str> {
        match self.required(name)? {
            Attribute::Symbol(s) => Ok(s),
            other => Err(self.wrong_kind(name, "a symbol (@name)", other)),
        }
    }
}
