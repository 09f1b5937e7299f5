//! Op attributes: a dictionary from names to constant values (integers, floats, booleans,
//! strings, keywords such as `same` or `relu6`, `@symbol` references and arrays). Kept sorted by
//! name so the printed form is canonical.

use crate::types::write_f32;
use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum Attribute {
    Int(i64),
    /// Stored as `f32`: every float attribute of the dialects is a TFLite `float`.
    Float(f32),
    Bool(bool),
    Str(String),
    /// A bare keyword, used for enumerations: `padding = same`, `act = relu6`.
    Keyword(String),
    /// A reference to a named entity: `@w0` names a resource.
    Symbol(String),
    Array(Vec<Attribute>),
}

impl Attribute {
    /// A short name of the attribute's kind, for diagnostics.
    pub fn kind(&self) -> &'static str {
        match self {
            Attribute::Int(_) => "integer",
            Attribute::Float(_) => "float",
            Attribute::Bool(_) => "boolean",
            Attribute::Str(_) => "string",
            Attribute::Keyword(_) => "keyword",
            Attribute::Symbol(_) => "symbol",
            Attribute::Array(_) => "array",
        }
    }

    pub fn int_array(values: &[i64]) -> Attribute {
        Attribute::Array(values.iter().map(|&v| Attribute::Int(v)).collect())
    }
}

impl fmt::Display for Attribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Attribute::Int(v) => write!(f, "{v}"),
            Attribute::Float(v) => write_f32(f, *v),
            Attribute::Bool(v) => write!(f, "{v}"),
            Attribute::Str(s) => write!(f, "{s:?}"),
            Attribute::Keyword(k) => f.write_str(k),
            Attribute::Symbol(s) => write!(f, "@{s}"),
            Attribute::Array(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
        }
    }
}

/// The attribute dictionary of an op.
pub type Attributes = BTreeMap<String, Attribute>;
