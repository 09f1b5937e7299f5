//! Byte spans into a source file. Every token, op and diagnostic carries one; line and column
//! are computed only when a diagnostic is rendered.

use std::ops::Range;

/// A half-open byte range `[start, end)` into the source text. Ops built by passes or importers
/// have no source and use [`Span::NONE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    /// The span of IR that was not parsed from text.
    pub const NONE: Span = Span {
        start: u32::MAX,
        end: u32::MAX,
    };

    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }

    pub fn is_none(self) -> bool {
        self == Span::NONE
    }

    /// The smallest span covering both; `NONE` is neutral.
    pub fn to(self, other: Span) -> Span {
        if self.is_none() {
            return other;
        }
        if other.is_none() {
            return self;
        }
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}
