//! The independent checker, the safety net of every arena planner: given a problem and one
//! offset per buffer, it verifies that no two buffers live at the same time share a byte and
//! that every offset is aligned, and returns the peak. It shares no code with the planners: a
//! sweep over time keeps the live buffers ordered by offset, where a new buffer can only clash
//! with its two neighbours (O(n log n), so 100,000 buffers take milliseconds); only when there is
//! a clash does the obvious pair loop name the first pair.

use std::collections::BTreeMap;
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
    if let Some((a, b)) = first_overlap(problem, offsets) {
        return Err(CheckError::Overlap { a, b });
    }
    Ok(peak)
}

/// Whether buffers `i` and `j` are live at the same time and share a byte.
fn clash(problem: &Problem, offsets: &[u64], i: usize, j: usize) -> bool {
    let (a, b) = (&problem.buffers[i], &problem.buffers[j]);
    let live_together = a.lower < b.upper && b.lower < a.upper;
    let share_bytes = a.size > 0
        && b.size > 0
        && offsets[i] < offsets[j] + b.size
        && offsets[j] < offsets[i] + a.size;
    live_together && share_bytes
}

/// The first clashing pair `(a, b)`, `a < b`, in the order of the pair loop, if any. Offsets
/// plus sizes are known not to overflow.
fn first_overlap(problem: &Problem, offsets: &[u64]) -> Option<(usize, usize)> {
    let buffers = &problem.buffers;
    // Events by time, ends before starts at equal times (lifetimes are half-open).
    let mut events: Vec<(u64, bool, usize)> = Vec::with_capacity(2 * buffers.len());
    for (i, b) in buffers.iter().enumerate() {
        if b.size > 0 && b.lower < b.upper {
            events.push((b.lower, true, i));
            events.push((b.upper, false, i));
        }
    }
    events.sort_unstable();
    // The live buffers by (offset, index): pairwise disjoint as long as no clash was found.
    let mut live: BTreeMap<(u64, usize), usize> = BTreeMap::new();
    let mut clashes = false;
    for (_, start, i) in events {
        let key = (offsets[i], i);
        if !start {
            live.remove(&key);
            continue;
        }
        let below = live.range(..key).next_back().map(|(_, &j)| j);
        let above = live.range(key..).next().map(|(_, &j)| j);
        if below
            .into_iter()
            .chain(above)
            .any(|j| clash(problem, offsets, i, j))
        {
            clashes = true;
            break;
        }
        live.insert(key, i);
    }
    if !clashes {
        return None;
    }
    (0..buffers.len())
        .flat_map(|i| (i + 1..buffers.len()).map(move |j| (i, j)))
        .find(|&(i, j)| clash(problem, offsets, i, j))
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

    /// The sweep finds a clash exactly when the pair loop does, on random small instances
    /// (deterministic linear congruential generator; many share offsets and lifetimes).
    #[test]
    fn sweep_agrees_with_the_pair_loop() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = |bound: u64| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) % bound
        };
        let (mut clashing, mut clean) = (0, 0);
        for _ in 0..2000 {
            let n = 1 + next(8) as usize;
            let mut buffers = Vec::new();
            let mut offsets = Vec::new();
            for i in 0..n {
                let lower = next(6);
                buffers.push(Buffer::new(
                    format!("b{i}"),
                    lower,
                    lower + 1 + next(4),
                    next(5),
                ));
                offsets.push(next(12));
            }
            let p = Problem::new(buffers);
            let expected = (0..n)
                .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
                .find(|&(i, j)| clash(&p, &offsets, i, j));
            match expected {
                Some((a, b)) => {
                    clashing += 1;
                    assert_eq!(check(&p, &offsets), Err(CheckError::Overlap { a, b }));
                }
                None => {
                    clean += 1;
                    assert!(check(&p, &offsets).is_ok());
                }
            }
        }
        assert!(
            clashing > 200 && clean > 200,
            "{clashing} clashing, {clean} clean"
        );
    }
}
