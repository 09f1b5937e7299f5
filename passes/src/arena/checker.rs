//! The independent checker, the safety net of every arena planner: given a problem and one
//! offset per buffer, it verifies that no two buffers live at the same time share a byte and
//! that every offset is aligned, and returns the peak. It shares no code with the planners and
//! is deliberately the obvious O(n^2) pair loop (a few thousand buffers take milliseconds).

use std::fmt;

use super::problem::Problem;

/// Why a placement is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckError {
    /// The placement has a different number of offsets than the problem has buffers.
    WrongLength { buffers: usize, offsets: usize },
    /// Buffer `buffer`'s offset is not a multiple of its alignment.
    Misaligned {
        buffer: usize,
        offset: u64,
        alignment: u64,
    },
    /// `offset + size` does not fit in a u64.
    OutOfRange { buffer: usize },
    /// Buffers `a` and `b` (indices, `a < b`) are live at the same time and share bytes.
    Overlap { a: usize, b: usize },
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckError::WrongLength { buffers, offsets } => {
                write!(f, "{offsets} offsets for {buffers} buffers")
            }
            CheckError::Misaligned {
                buffer,
                offset,
                alignment,
            } => {
                write!(
                    f,
                    "buffer {buffer}: offset {offset} is not a multiple of {alignment}"
                )
            }
            CheckError::OutOfRange { buffer } => {
                write!(f, "buffer {buffer}: offset + size overflows")
            }
            CheckError::Overlap { a, b } => {
                write!(
                    f,
                    "buffers {a} and {b} are live at the same time and overlap in memory"
                )
            }
        }
    }
}

impl std::error::Error for CheckError {}

/// Verifies `offsets` for `problem`; returns the peak (max of offset + size, 0 if empty).
///
/// Two buffers conflict when their lifetimes `[lower, upper)` intersect and their byte ranges
/// `[offset, offset + size)` intersect; a buffer of size 0 occupies no byte. An alignment of
/// 0 is treated as 1 (the problem validator rejects it anyway).
pub fn check(problem: &Problem, offsets: &[u64]) -> Result<u64, CheckError> {
    let buffers = &problem.buffers;
    if buffers.len() != offsets.len() {
        return Err(CheckError::WrongLength {
            buffers: buffers.len(),
            offsets: offsets.len(),
        });
    }
    let mut peak = 0u64;
    for (i, (b, &offset)) in buffers.iter().zip(offsets).enumerate() {
        let alignment = b.alignment.max(1);
        if offset % alignment != 0 {
            return Err(CheckError::Misaligned {
                buffer: i,
                offset,
                alignment,
            });
        }
        let end = offset
            .checked_add(b.size)
            .ok_or(CheckError::OutOfRange { buffer: i })?;
        peak = peak.max(end);
    }
    for i in 0..buffers.len() {
        let (a, a_start) = (&buffers[i], offsets[i]);
        let a_end = a_start + a.size;
        for j in i + 1..buffers.len() {
            let (b, b_start) = (&buffers[j], offsets[j]);
            let b_end = b_start + b.size;
            let live_together = a.lower < b.upper && b.lower < a.upper;
            let share_bytes = a.size > 0 && b.size > 0 && a_start < b_end && b_start < a_end;
            if live_together && share_bytes {
                return Err(CheckError::Overlap { a: i, b: j });
            }
        }
    }
    Ok(peak)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arena::problem::Buffer;

    fn two() -> Problem {
        Problem::new(vec![Buffer::new("a", 0, 2, 4), Buffer::new("b", 1, 3, 4)])
    }

    #[test]
    fn accepts_disjoint() {
        assert_eq!(check(&two(), &[0, 4]), Ok(8));
        assert_eq!(check(&two(), &[4, 0]), Ok(8));
    }

    #[test]
    fn catches_overlap() {
        assert_eq!(
            check(&two(), &[0, 3]),
            Err(CheckError::Overlap { a: 0, b: 1 })
        );
    }

    #[test]
    fn touching_lifetimes_may_share() {
        let p = Problem::new(vec![Buffer::new("a", 0, 2, 4), Buffer::new("b", 2, 3, 4)]);
        assert_eq!(check(&p, &[0, 0]), Ok(4));
    }

    #[test]
    fn zero_size_never_conflicts() {
        let p = Problem::new(vec![Buffer::new("a", 0, 2, 4), Buffer::new("b", 0, 3, 0)]);
        assert_eq!(check(&p, &[0, 2]), Ok(4));
    }

    #[test]
    fn alignment_length_and_overflow() {
        let p = Problem::new(vec![Buffer::new("a", 0, 2, 4).with_alignment(8)]);
        assert_eq!(
            check(&p, &[4]),
            Err(CheckError::Misaligned {
                buffer: 0,
                offset: 4,
                alignment: 8
            })
        );
        assert_eq!(
            check(&p, &[]),
            Err(CheckError::WrongLength {
                buffers: 1,
                offsets: 0
            })
        );
        let p = Problem::new(vec![Buffer::new("a", 0, 2, 4)]);
        assert_eq!(
            check(&p, &[u64::MAX]),
            Err(CheckError::OutOfRange { buffer: 0 })
        );
    }
}
