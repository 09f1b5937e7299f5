//! Placement that can use overlap allowances (a window op's output starting `margin` bytes below
//! its dying input): best fit over candidate offsets, tried in several buffer orders. The plain
//! planner (`crate::arena`) cannot express allowances; this one can, and it is what takes arenas
//! below the liveness lower bound.

use crate::liveness::{Conflicts, Liveness, Overlap};

fn align_up(value: usize, alignment: usize) -> usize {
    value.div_ceil(alignment) * alignment
}

/// Places buffers in `order`: each at the lowest candidate offset compatible with every placed
/// buffer. Candidates: 0, the aligned end of every placed buffer live at the same time, and the
/// positions allowances permit next to a placed partner.
fn place_in_order(
    conflicts: &Conflicts,
    liveness: &Liveness,
    order: &[usize],
    alignment: usize,
) -> Vec<usize> {
    let buffers = &liveness.buffers;
    let mut offsets = vec![0usize; buffers.len()];
    let mut placed = vec![false; buffers.len()];
    // The aligned top of everything placed so far.
    let mut top = 0usize;
    for &index in order {
        let neighbours: Vec<usize> = conflicts.overlaps[index]
            .iter()
            .copied()
            .filter(|&other| placed[other])
            .collect();
        let mut candidates = vec![0usize];
        for &other in &neighbours {
            candidates.push(align_up(offsets[other] + buffers[other].size, alignment));
        }
        for allowance in conflicts.allowances_of(index) {
            let margin = match allowance.overlap {
                Overlap::Below { margin } => margin,
                Overlap::Same => 0,
            };
            if allowance.output == index && placed[allowance.input] {
                let input_offset = offsets[allowance.input];
                if input_offset >= margin {
                    candidates.push((input_offset - margin) / alignment * alignment);
                }
            }
            if allowance.input == index && placed[allowance.output] {
                candidates.push(align_up(offsets[allowance.output] + margin, alignment));
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        // Only buffers live at the same time can conflict.
        let offset = candidates
            .into_iter()
            .find(|&candidate| {
                neighbours
                    .iter()
                    .all(|&other| conflicts.compatible(index, candidate, other, offsets[other]))
            })
            .unwrap_or(top);
        offsets[index] = offset;
        placed[index] = true;
        top = top.max(align_up(offset + buffers[index].size, alignment));
    }
    offsets
}

/// The peak of a placement.
pub fn peak(liveness: &Liveness, offsets: &[usize]) -> usize {
    liveness
        .buffers
        .iter()
        .zip(offsets)
        .map(|(b, o)| o + b.size)
        .max()
        .unwrap_or(0)
}

/// A peak no placement of `liveness` can go below: at every time, the buffers live then must
/// not share bytes, except the two of an allowance; so after dropping one buffer of every
/// allowance whose two buffers are live (the smaller), the rest must lie side by side, and the
/// largest such sum over times bounds every placement's peak from below. Cheap (no placement):
/// `tile` uses it to skip candidates that cannot beat the best one found.
pub fn lower_bound(liveness: &Liveness) -> usize {
    lower_bounds(liveness).into_iter().max().unwrap_or(0)
}

/// [`lower_bound`]'s sum at every time: the bytes that must lie side by side then.
pub fn lower_bounds(liveness: &Liveness) -> Vec<usize> {
    let buffers = &liveness.buffers;
    let end = buffers.iter().map(|b| b.upper).max().unwrap_or(0);
    let mut dropped = vec![false; buffers.len()];
    let mut bounds = Vec::with_capacity(end);
    for time in 0..end {
        let live = |b: usize| buffers[b].lower <= time && time < buffers[b].upper;
        dropped.iter_mut().for_each(|d| *d = false);
        for allowance in &liveness.allowances {
            let (input, output) = (allowance.input, allowance.output);
            if live(input) && live(output) && !dropped[input] && !dropped[output] {
                let smaller = if buffers[output].size <= buffers[input].size {
                    output
                } else {
                    input
                };
                dropped[smaller] = true;
            }
        }
        let sum: usize = (0..buffers.len())
            .filter(|&b| live(b) && !dropped[b])
            .map(|b| buffers[b].size)
            .sum();
        bounds.push(sum);
    }
    bounds
}

/// Chronological placement under a capacity: every buffer that some op may overwrite from below
/// (the input of an allowance) goes as high as it fits, every other buffer as low as it fits,
/// so that chains of window ops stack downwards into the space their inputs free. `None` when a
/// buffer does not fit.
fn place_under_capacity(
    conflicts: &Conflicts,
    liveness: &Liveness,
    capacity: usize,
    alignment: usize,
) -> Option<Vec<usize>> {
    let buffers = &liveness.buffers;
    let mut order: Vec<usize> = (0..buffers.len()).collect();
    order.sort_by_key(|&i| (buffers[i].lower, std::cmp::Reverse(buffers[i].size), i));
    let mut offsets = vec![0usize; buffers.len()];
    let mut placed = vec![false; buffers.len()];
    for &index in &order {
        let size = buffers[index].size;
        let top = capacity.checked_sub(size)? / alignment * alignment;
        let high = conflicts.allowances_of(index).any(|a| a.input == index);
        let neighbours: Vec<usize> = conflicts.overlaps[index]
            .iter()
            .copied()
            .filter(|&other| placed[other])
            .collect();
        let mut candidates = vec![0, top];
        for &other in &neighbours {
            let end = align_up(offsets[other] + buffers[other].size, alignment);
            candidates.push(end);
            if let Some(below) = offsets[other].checked_sub(size) {
                candidates.push(below / alignment * alignment);
            }
        }
        for allowance in conflicts.allowances_of(index).filter(|a| a.output == index) {
            if placed[allowance.input] {
                let margin = match allowance.overlap {
                    Overlap::Below { margin } => margin,
                    Overlap::Same => 0,
                };
                if let Some(below) = offsets[allowance.input].checked_sub(margin) {
                    candidates.push(below / alignment * alignment);
                }
            }
        }
        candidates.retain(|&c| c <= top);
        candidates.sort_unstable();
        candidates.dedup();
        if high {
            candidates.reverse();
        }
        let offset = candidates.into_iter().find(|&candidate| {
            neighbours
                .iter()
                .all(|&other| conflicts.compatible(index, candidate, other, offsets[other]))
        })?;
        offsets[index] = offset;
        placed[index] = true;
    }
    Some(offsets)
}

/// The smallest capacity `place_under_capacity` meets, by binary search between the largest
/// buffer and `upper` (a peak already achieved).
fn place_stacked(
    conflicts: &Conflicts,
    liveness: &Liveness,
    upper: usize,
    alignment: usize,
) -> Option<Vec<usize>> {
    // Search over multiples of the alignment.
    let mut low = liveness
        .buffers
        .iter()
        .map(|b| b.size)
        .max()
        .unwrap_or(0)
        .div_ceil(alignment);
    let mut high = upper / alignment;
    let mut best = None;
    while low <= high {
        let middle = low + (high - low) / 2;
        match place_under_capacity(conflicts, liveness, middle * alignment, alignment) {
            Some(offsets) => {
                best = Some(offsets);
                if middle == 0 {
                    break;
                }
                high = middle - 1;
            }
            None => low = middle + 1,
        }
    }
    best
}

/// The best placement over several orders (size, start time, lifetime, area) and the stacked
/// chronological placement.
pub fn place(liveness: &Liveness, alignment: usize) -> Vec<usize> {
    let buffers = &liveness.buffers;
    let indices: Vec<usize> = (0..buffers.len()).collect();
    let mut orders: Vec<Vec<usize>> = Vec::new();
    let mut by = |key: &dyn Fn(usize) -> (i64, i64)| {
        let mut order = indices.clone();
        order.sort_by_key(|&i| (key(i), i));
        orders.push(order);
    };
    by(&|i| (-(buffers[i].size as i64), buffers[i].lower as i64));
    by(&|i| (buffers[i].lower as i64, -(buffers[i].size as i64)));
    by(&|i| {
        (
            -((buffers[i].upper - buffers[i].lower) as i64),
            -(buffers[i].size as i64),
        )
    });
    by(&|i| {
        (
            -((buffers[i].size * (buffers[i].upper - buffers[i].lower)) as i64),
            0,
        )
    });
    let conflicts = Conflicts::new(liveness);
    let best = orders
        .iter()
        .map(|order| place_in_order(&conflicts, liveness, order, alignment))
        .min_by_key(|offsets| peak(liveness, offsets))
        .unwrap_or_default();
    match place_stacked(&conflicts, liveness, peak(liveness, &best), alignment) {
        Some(stacked) if peak(liveness, &stacked) < peak(liveness, &best) => stacked,
        _ => best,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::liveness::{Buffer, BufferKind, OverlapAllowance};
    use cranelift_entity::EntityRef;
    use tmlc_core::ir::Op;

    fn buffer(size: usize, lower: usize, upper: usize) -> Buffer {
        Buffer {
            values: Vec::new(),
            kind: BufferKind::Values,
            size,
            lower,
            upper,
        }
    }

    /// A (100 bytes) dies where B (60) is written over it, C (30) lives beside both.
    fn liveness(allowed: bool) -> Liveness {
        Liveness {
            buffers: vec![buffer(100, 0, 2), buffer(60, 1, 3), buffer(30, 1, 2)],
            allowances: if allowed {
                vec![OverlapAllowance {
                    op: Op::new(0),
                    input: 0,
                    output: 1,
                    overlap: Overlap::Below { margin: 0 },
                }]
            } else {
                Vec::new()
            },
        }
    }

    #[test]
    fn lower_bound_drops_one_buffer_of_each_allowance_and_bounds_the_placement() {
        // Without the allowance the three live at time 1 lie side by side.
        assert_eq!(lower_bound(&liveness(false)), 190);
        assert_eq!(peak(&liveness(false), &place(&liveness(false), 1)), 190);
        // With it B may share A's bytes: only A and C must be apart, and placement reaches it.
        assert_eq!(lower_bound(&liveness(true)), 130);
        assert_eq!(peak(&liveness(true), &place(&liveness(true), 1)), 130);
    }
}
