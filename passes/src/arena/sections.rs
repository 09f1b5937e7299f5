//! Time structure of a problem, shared by the exact search: the elementary time sections
//! (intervals between consecutive lifetime endpoints), which sections each buffer spans, the
//! buffers live in each section, the buffers each buffer overlaps in time, and the "cuts"
//! (how many buffers cross each boundary between neighboring sections; a boundary with no
//! crossing buffer splits the problem into independent parts).

/// Sections of a list of lifetimes `[lower, upper)`; indices are positions in that list.
pub struct Sections {
    /// Per buffer: the half-open range of sections it is live in.
    pub span: Vec<(u32, u32)>,
    /// Per section: the buffers live in it, ascending.
    pub members: Vec<Vec<u32>>,
    /// Per buffer: the other buffers whose lifetimes overlap its own, ascending.
    pub overlaps: Vec<Vec<u32>>,
}

impl Sections {
    /// Builds the sections of `lifetimes`; empty lifetimes (`upper <= lower`) span nothing.
    pub fn new(lifetimes: &[(u64, u64)]) -> Sections {
        let mut times: Vec<u64> = lifetimes.iter().flat_map(|&(l, u)| [l, u]).collect();
        times.sort_unstable();
        times.dedup();
        let index = |t: u64| times.partition_point(|&x| x < t) as u32;
        let count = times.len().saturating_sub(1);
        let span: Vec<(u32, u32)> = lifetimes
            .iter()
            .map(|&(l, u)| if u > l { (index(l), index(u)) } else { (0, 0) })
            .collect();
        let mut members = vec![Vec::new(); count];
        for (b, &(lo, hi)) in span.iter().enumerate() {
            for s in lo..hi {
                members[s as usize].push(b as u32);
            }
        }
        // Two buffers overlap in time iff they share a section.
        let mut overlaps = vec![Vec::new(); lifetimes.len()];
        let mut by_lower: Vec<u32> = (0..lifetimes.len() as u32).collect();
        by_lower.sort_by_key(|&b| (span[b as usize].0, b));
        let mut active: Vec<u32> = Vec::new();
        for &b in &by_lower {
            let (lo, hi) = span[b as usize];
            if lo == hi {
                continue;
            }
            active.retain(|&a| span[a as usize].1 > lo);
            for &a in &active {
                overlaps[a as usize].push(b);
                overlaps[b as usize].push(a);
            }
            active.push(b);
        }
        for list in &mut overlaps {
            list.sort_unstable();
        }
        Sections {
            span,
            members,
            overlaps,
        }
    }

    pub fn count(&self) -> usize {
        self.members.len()
    }

    /// Per boundary `k` (between sections `k` and `k + 1`): how many of the given buffers are
    /// live on both sides.
    pub fn cuts(&self, buffers: impl Iterator<Item = u32>) -> Vec<u32> {
        let mut cuts = vec![0u32; self.count().saturating_sub(1)];
        for b in buffers {
            let (lo, hi) = self.span[b as usize];
            for c in &mut cuts[lo as usize..(hi as usize).saturating_sub(1).max(lo as usize)] {
                *c += 1;
            }
        }
        cuts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_spans_overlaps_cuts() {
        // a: [0,2), b: [1,3), c: [3,4)  -> times 0 1 2 3 4 -> sections [0,1) [1,2) [2,3) [3,4)
        let s = Sections::new(&[(0, 2), (1, 3), (3, 4)]);
        assert_eq!(s.count(), 4);
        assert_eq!(s.span, vec![(0, 2), (1, 3), (3, 4)]);
        assert_eq!(s.members, vec![vec![0], vec![0, 1], vec![1], vec![2]]);
        assert_eq!(s.overlaps, vec![vec![1], vec![0], vec![]]);
        assert_eq!(s.cuts(0..3), vec![1, 1, 0]);
    }
}
