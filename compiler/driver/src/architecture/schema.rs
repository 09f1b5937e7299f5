//! The architecture description `tmlc fit` reads: a JSON document describing a network of the
//! MCUNet / MobileNetV2 family (a stem convolution, inverted-residual blocks, an optional
//! classifier head), a width multiplier and an input resolution (docs/fit.md has the schema).
//! Owns parsing and validation; errors point at `file:line:col` of the offending JSON.

use serde::Deserialize;
use tmlc_core::diagnostic::{Diagnostic, ErrorCode};
use tmlc_core::span::Span;

/// A kernel size of the family: 3, 5 or 7.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "u64")]
pub struct KernelSize(pub usize);

impl TryFrom<u64> for KernelSize {
    type Error = String;
    fn try_from(value: u64) -> Result<KernelSize, String> {
        match value {
            3 | 5 | 7 => Ok(KernelSize(value as usize)),
            _ => Err(format!("kernel size {value} is not 3, 5 or 7")),
        }
    }
}

/// A stride of 1 or 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "u64")]
pub struct Stride(pub usize);

impl TryFrom<u64> for Stride {
    type Error = String;
    fn try_from(value: u64) -> Result<Stride, String> {
        match value {
            1 | 2 => Ok(Stride(value as usize)),
            _ => Err(format!("stride {value} is not 1 or 2")),
        }
    }
}

/// A positive count (channels, expansion ratio, resolution).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "u64")]
pub struct Positive(pub usize);

/// The largest channel count or resolution accepted (keeps every size far from overflow).
pub const MAX_DIMENSION: u64 = 4096;

impl TryFrom<u64> for Positive {
    type Error = String;
    fn try_from(value: u64) -> Result<Positive, String> {
        if value == 0 || value > MAX_DIMENSION {
            return Err(format!("{value} is not between 1 and {MAX_DIMENSION}"));
        }
        Ok(Positive(value as usize))
    }
}

/// How convolutions pad: PyTorch/TinyNAS-style explicit `kernel / 2` on every side, or TFLite's
/// SAME.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum PaddingStyle {
    #[default]
    Explicit,
    Same,
}

/// The first convolution.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stem {
    pub channels: Positive,
    #[serde(default = "three")]
    pub kernel: KernelSize,
    #[serde(default = "two")]
    pub stride: Stride,
}

fn three() -> KernelSize {
    KernelSize(3)
}

fn two() -> Stride {
    Stride(2)
}

fn one() -> Positive {
    Positive(1)
}

/// One block, by kind.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum Block {
    /// An inverted residual (MobileNetV2's MBConv): a 1x1 expansion to `expand` times the input
    /// channels (none when `expand` is 1), a `kernel` x `kernel` depthwise convolution of
    /// `stride`, a linear 1x1 projection to `channels`; the input is added back when the stride
    /// is 1 and the channels are equal (unless `skip` is false).
    Mbconv {
        kernel: KernelSize,
        #[serde(default = "one")]
        expand: Positive,
        #[serde(default = "one_stride")]
        stride: Stride,
        channels: Positive,
        #[serde(default)]
        skip: Option<bool>,
    },
}

fn one_stride() -> Stride {
    Stride(1)
}

/// The classifier: an optional 1x1 convolution to `channels`, global average pooling and a
/// fully-connected layer to `classes`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Head {
    #[serde(default)]
    pub channels: Option<Positive>,
    pub classes: Positive,
}

/// A whole architecture description.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Architecture {
    #[serde(default = "default_name")]
    pub name: String,
    pub resolution: Positive,
    #[serde(default = "full_width")]
    pub width: f64,
    #[serde(default = "three_channels")]
    pub input_channels: Positive,
    #[serde(default)]
    pub padding: PaddingStyle,
    /// Seeds the synthetic weights (memory and speed do not depend on their values).
    #[serde(default)]
    pub seed: u64,
    pub stem: Stem,
    pub blocks: Vec<Block>,
    #[serde(default)]
    pub head: Option<Head>,
}

fn default_name() -> String {
    "arch".to_string()
}

fn full_width() -> f64 {
    1.0
}

fn three_channels() -> Positive {
    Positive(3)
}

/// The byte offset of 1-based `line` and `column` (characters) in `source`.
fn offset_of(source: &str, line: usize, column: usize) -> usize {
    let start: usize = source
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let rest = &source[start.min(source.len())..];
    start
        + rest
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(rest.len(), |(i, _)| i)
}

/// Parses and validates a description; the error carries the span of the JSON that is wrong.
pub fn parse(source: &str) -> Result<Architecture, Diagnostic> {
    let architecture: Architecture = serde_json::from_str(source).map_err(|error| {
        let message = error.to_string();
        // serde_json appends " at line L column C"; the span says it instead.
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(m, _)| m)
            .to_string();
        let diagnostic = Diagnostic::new(
            ErrorCode::InvalidModel,
            format!("invalid architecture: {message}"),
        );
        if error.line() == 0 {
            return diagnostic;
        }
        // serde_json's column is the character just read, past the offending token.
        let end = offset_of(source, error.line(), error.column() + 1).min(source.len());
        let start = offset_of(source, error.line(), error.column().max(1)).min(end);
        diagnostic.at(Span::new(start, end))
    })?;
    validate(&architecture, source)?;
    Ok(architecture)
}

/// Checks what the field types cannot: the width, the name and the skips.
fn validate(architecture: &Architecture, source: &str) -> Result<(), Diagnostic> {
    let invalid = |field: &str, message: String| {
        let diagnostic = Diagnostic::new(
            ErrorCode::InvalidModel,
            format!("invalid architecture: {message}"),
        );
        match super::locate::field(source, field) {
            Some(span) => diagnostic.at(span),
            None => diagnostic,
        }
    };
    if !(architecture.width > 0.0 && architecture.width <= 4.0) {
        return Err(invalid(
            "width",
            format!("width multiplier {} is not in (0, 4]", architecture.width),
        ));
    }
    let name_ok = !architecture.name.is_empty()
        && architecture
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !name_ok {
        return Err(invalid(
            "name",
            format!(
                "name `{}` must be letters, digits and `_`",
                architecture.name
            ),
        ));
    }
    Ok(())
}
