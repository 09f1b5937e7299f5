//! The arena-planning problem itself: buffers with half-open lifetimes and sizes, a placement
//! (`Solution`), validation, and the two reference figures every planner is judged by: the
//! lower bound (the most bytes ever live at once) and the naive sum (no sharing at all).

use std::fmt;

/// One buffer to place: live over the half-open interval `[lower, upper)` (in any time unit,
/// e.g. op indices), `size` bytes, placed at an offset that is a multiple of `alignment`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Buffer {
    pub id: String,
    pub lower: u64,
    pub upper: u64,
    pub size: u64,
    /// Required offset alignment in bytes; 1 means none. Must be at least 1.
    pub alignment: u64,
}

impl Buffer {
    /// A buffer with alignment 1.
    pub fn new(id: impl Into<String>, lower: u64, upper: u64, size: u64) -> Buffer {
        Buffer {
            id: id.into(),
            lower,
            upper,
            size,
            alignment: 1,
        }
    }

    /// The same buffer with another alignment.
    pub fn with_alignment(mut self, alignment: u64) -> Buffer {
        self.alignment = alignment;
        self
    }

    /// Whether the two lifetimes share at least one time step (half-open intervals).
    pub fn overlaps_in_time(&self, other: &Buffer) -> bool {
        self.lower < other.upper && other.lower < self.upper
    }

    /// Lifetime length (`upper - lower`).
    pub fn width(&self) -> u64 {
        self.upper.saturating_sub(self.lower)
    }

    /// Size times lifetime length, saturating.
    pub fn area(&self) -> u128 {
        u128::from(self.size) * u128::from(self.width())
    }
}

/// A set of buffers to place in one arena. Buffer `i` of the problem gets `offsets[i]` of a
/// [`Solution`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Problem {
    pub buffers: Vec<Buffer>,
}

/// A placement: one offset per buffer (same order as [`Problem::buffers`]) and its peak, the
/// arena size it needs (max of offset + size; 0 when there is no buffer).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Solution {
    pub offsets: Vec<u64>,
    pub peak: u64,
}

impl Solution {
    /// Builds a solution from offsets, computing the peak (saturating at `u64::MAX`).
    pub fn from_offsets(problem: &Problem, offsets: Vec<u64>) -> Solution {
        let peak = problem
            .buffers
            .iter()
            .zip(&offsets)
            .map(|(b, &o)| o.saturating_add(b.size))
            .max()
            .unwrap_or(0);
        Solution { offsets, peak }
    }
}

/// Why a problem cannot be planned at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProblemError {
    /// `upper <= lower`: the buffer would never be live.
    EmptyLifetime {
        index: usize,
        id: String,
        lower: u64,
        upper: u64,
    },
    /// Alignment 0.
    ZeroAlignment { index: usize, id: String },
    /// Two buffers share an id.
    DuplicateId {
        first: usize,
        second: usize,
        id: String,
    },
}

impl fmt::Display for ProblemError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProblemError::EmptyLifetime {
                index,
                id,
                lower,
                upper,
            } => write!(
                f,
                "buffer {index} (`{id}`): upper ({upper}) must be greater than lower ({lower})"
            ),
            ProblemError::ZeroAlignment { index, id } => {
                write!(f, "buffer {index} (`{id}`): alignment must be at least 1")
            }
            ProblemError::DuplicateId { first, second, id } => {
                write!(f, "buffers {first} and {second} share the id `{id}`")
            }
        }
    }
}

impl std::error::Error for ProblemError {}

impl Problem {
    pub fn new(buffers: Vec<Buffer>) -> Problem {
        Problem { buffers }
    }

    pub fn len(&self) -> usize {
        self.buffers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buffers.is_empty()
    }

    /// Checks what every planner relies on: non-empty lifetimes, alignment >= 1, unique ids.
    /// Sizes may be 0 (such a buffer occupies no byte and conflicts with nothing).
    pub fn validate(&self) -> Result<(), ProblemError> {
        let mut seen = std::collections::HashMap::with_capacity(self.buffers.len());
        for (index, b) in self.buffers.iter().enumerate() {
            if b.upper <= b.lower {
                return Err(ProblemError::EmptyLifetime {
                    index,
                    id: b.id.clone(),
                    lower: b.lower,
                    upper: b.upper,
                });
            }
            if b.alignment == 0 {
                return Err(ProblemError::ZeroAlignment {
                    index,
                    id: b.id.clone(),
                });
            }
            if let Some(first) = seen.insert(b.id.as_str(), index) {
                return Err(ProblemError::DuplicateId {
                    first,
                    second: index,
                    id: b.id.clone(),
                });
            }
        }
        Ok(())
    }

    /// The lower bound: the maximum over time of the total size of the buffers live at that
    /// time, computed by a sweep over lifetime endpoints (ends before starts at equal times,
    /// since lifetimes are half-open). No placement can have a smaller peak.
    ///
    /// Alignment is not rounded into the bound: rounding each size up to its alignment would
    /// overestimate (an aligned buffer of 3 bytes may be followed directly by an unaligned
    /// one), so the bound stays valid but with alignments > 1 it may be unreachable.
    /// Saturates at `u64::MAX`.
    pub fn lower_bound(&self) -> u64 {
        u64::try_from(self.live_peak()).unwrap_or(u64::MAX)
    }

    /// The exact maximum total live size (the lower bound without saturation).
    pub fn live_peak(&self) -> u128 {
        let mut events: Vec<(u64, bool, u64)> = Vec::with_capacity(2 * self.buffers.len());
        for b in &self.buffers {
            if b.upper > b.lower && b.size > 0 {
                // `false` (an end) sorts before `true` (a start) at the same time.
                events.push((b.lower, true, b.size));
                events.push((b.upper, false, b.size));
            }
        }
        events.sort_unstable();
        let (mut live, mut best) = (0u128, 0u128);
        for (_, start, size) in events {
            if start {
                live += u128::from(size);
                best = best.max(live);
            } else {
                live -= u128::from(size);
            }
        }
        best
    }

    /// The naive plan's size: every buffer gets its own bytes (sum of sizes, each rounded up
    /// to its alignment), saturating.
    pub fn naive_sum(&self) -> u64 {
        self.buffers.iter().fold(0u64, |acc, b| {
            acc.saturating_add(round_up(b.size, b.alignment))
        })
    }
}

/// `value` rounded up to a multiple of `alignment` (alignment 0 or 1: unchanged); saturates.
pub fn round_up(value: u64, alignment: u64) -> u64 {
    if alignment <= 1 {
        return value;
    }
    match value % alignment {
        0 => value,
        r => value.saturating_add(alignment - r),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_bound_uses_half_open_lifetimes() {
        let p = Problem::new(vec![
            Buffer::new("a", 0, 2, 10),
            Buffer::new("b", 2, 4, 10),
            Buffer::new("c", 1, 3, 5),
        ]);
        assert_eq!(p.lower_bound(), 15);
        assert_eq!(p.naive_sum(), 25);
    }

    #[test]
    fn empty_problem() {
        let p = Problem::default();
        assert_eq!(p.lower_bound(), 0);
        assert_eq!(p.naive_sum(), 0);
        assert!(p.validate().is_ok());
    }

    #[test]
    fn validation_errors() {
        let p = Problem::new(vec![Buffer::new("a", 5, 3, 1)]);
        assert!(matches!(
            p.validate(),
            Err(ProblemError::EmptyLifetime { .. })
        ));
        let p = Problem::new(vec![Buffer::new("a", 0, 3, 1).with_alignment(0)]);
        assert!(matches!(
            p.validate(),
            Err(ProblemError::ZeroAlignment { .. })
        ));
        let p = Problem::new(vec![Buffer::new("a", 0, 3, 1), Buffer::new("a", 0, 3, 1)]);
        assert!(matches!(
            p.validate(),
            Err(ProblemError::DuplicateId {
                first: 0,
                second: 1,
                ..
            })
        ));
    }

    #[test]
    fn round_up_saturates() {
        assert_eq!(round_up(5, 4), 8);
        assert_eq!(round_up(8, 4), 8);
        assert_eq!(round_up(u64::MAX, 2), u64::MAX);
        assert_eq!(round_up(7, 0), 7);
    }
}
