//! Weight layouts of the Arm DSP kernels (`tmlc_tinyml::kernels::WeightLayout`): the compiler
//! packs constant weights once, as runtime-c's `tmlc_*_dsp_pack` functions define the layouts,
//! and folds `input_offset * sum(weights)` into the bias (wrapping, as the kernels do).

/// The depthwise DSP kernels' packed filter (`tmlc_depthwise_conv2d_s8_dsp_pack`): per output
/// channel the folded bias, then per filter row and group of four taps the int16 pairs
/// (w0, w2) and (w1, w3). `filter` is `[1, k_h, k_w, out_c]`.
pub fn depthwise_filter(
    filter: &[i32],
    bias: &[i32],
    [k_h, k_w, out_c]: [usize; 3],
    input_offset: i32,
) -> Vec<u32> {
    let pack16 = |lo: i32, hi: i32| (lo as u32 & 0xFFFF) | ((hi as u32) << 16);
    let mut words = Vec::new();
    for oc in 0..out_c {
        let mut sum = 0u32;
        let mut taps = Vec::new();
        for fy in 0..k_h {
            for group in 0..k_w.div_ceil(4) {
                let tap = |j: usize| {
                    let fx = 4 * group + j;
                    if fx < k_w {
                        filter[(fy * k_w + fx) * out_c + oc]
                    } else {
                        0
                    }
                };
                sum = (0..4).fold(sum, |s, j| s.wrapping_add(tap(j) as u32));
                taps.push(pack16(tap(0), tap(2)));
                taps.push(pack16(tap(1), tap(3)));
            }
        }
        words.push((bias[oc] as u32).wrapping_add(sum.wrapping_mul(input_offset as u32)));
        words.extend(taps);
    }
    words
}

/// The fully-connected DSP kernel's packed weights (blocks of four rows, groups of four
/// inputs; `tmlc_fully_connected_s8_dsp_pack`) as little-endian words, and the folded bias
/// `bias + input_offset * sum(row)`. `weights` is `[out_depth, in_depth]`.
pub fn fully_connected(
    weights: &[i32],
    bias: &[i32],
    [out_depth, in_depth]: [usize; 2],
    input_offset: i32,
) -> (Vec<u32>, Vec<i32>) {
    let groups = in_depth.div_ceil(4);
    let at = |o: usize, i: usize| {
        if i < in_depth {
            weights[o * in_depth + i] as u8
        } else {
            0
        }
    };
    let mut bytes = Vec::with_capacity(out_depth * groups * 4);
    let blocks = out_depth / 4;
    for block in 0..blocks {
        for group in 0..groups {
            for r in 0..4 {
                bytes.extend((0..4).map(|j| at(4 * block + r, 4 * group + j)));
            }
        }
    }
    for o in 4 * blocks..out_depth {
        for group in 0..groups {
            bytes.extend((0..4).map(|j| at(o, 4 * group + j)));
        }
    }
    let folded = (0..out_depth)
        .map(|o| {
            let sum = (0..in_depth).fold(0i32, |s, i| s.wrapping_add(weights[o * in_depth + i]));
            bias[o].wrapping_add(sum.wrapping_mul(input_offset))
        })
        .collect();
    let words = bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    (words, folded)
}

/// The fully-connected DSP kernel's wide layout (`tmlc_fully_connected_s8_dsp_pack_wide`): the
/// words of [`fully_connected`] in the same order, each word of four weight bytes
/// (w0, w1, w2, w3) as the two words of int16 halfwords (w0, w2) and (w1, w3); the same folded
/// bias.
pub fn fully_connected_wide(
    weights: &[i32],
    bias: &[i32],
    dims: [usize; 2],
    input_offset: i32,
) -> (Vec<u32>, Vec<i32>) {
    let (words, folded) = fully_connected(weights, bias, dims, input_offset);
    let byte = |w: u32, j: u32| ((w >> (8 * j)) as u8 as i8 as i16 as u16) as u32;
    let wide = words
        .iter()
        .flat_map(|&w| {
            [
                byte(w, 0) | (byte(w, 2) << 16),
                byte(w, 1) | (byte(w, 3) << 16),
            ]
        })
        .collect();
    (wide, folded)
}

/// The 1x1 convolution DSP kernel's wide layout (`tmlc_conv2d_1x1_s8_dsp_pack_wide`): per pair of
/// output channels (c0, c1; the missing channel of an odd count 0) a record of the folded biases
/// `bias + input_offset * sum(row)`, then per group of four inputs the int16 words (w0, w2) of
/// c0, (w0, w2) of c1, (w1, w3) of c0, (w1, w3) of c1 (inputs past `in_c` 0), then per channel
/// the multiplier, `khi`, `-shift - 1` and the offset added after the shift of dsp_internal.h's
/// fast requantization: the offset folded into `khi` where `tmlc_dsp_fast_channel` allows, added
/// after for the other shifts of the fast path (-31..-2), 0, 0, 0, 0 for the channels of the
/// generic path. `filter` is `[out_c, in_c]`, `requant` the per-channel (multiplier, shift).
pub fn conv_1x1_wide(
    filter: &[i32],
    bias: &[i32],
    [out_c, in_c]: [usize; 2],
    input_offset: i32,
    requant: &[(i32, i32)],
    output_offset: i32,
) -> Vec<u32> {
    let at = |c: usize, i: usize| {
        if c < out_c && i < in_c {
            filter[c * in_c + i]
        } else {
            0
        }
    };
    let pack16 = |lo: i32, hi: i32| (lo as u32 & 0xFFFF) | ((hi as u32) << 16);
    let folded = |c: usize| {
        if c >= out_c {
            return 0;
        }
        let sum = (0..in_c).fold(0u32, |s, i| s.wrapping_add(filter[c * in_c + i] as u32));
        (bias[c] as u32).wrapping_add(sum.wrapping_mul(input_offset as u32))
    };
    let fast_offset = (-128..=128).contains(&output_offset);
    let fast = |c: usize| -> [u32; 4] {
        match requant.get(c) {
            Some(&(multiplier, shift))
                if c < out_c && multiplier >= 0 && (-31..=-2).contains(&shift) =>
            {
                let e = (-shift) as u32;
                if fast_offset && shift >= -22 {
                    let khi = (1u32 << (e - 2)).wrapping_add((output_offset as u32) << (e - 1));
                    [multiplier as u32, khi, e - 1, 0]
                } else {
                    [multiplier as u32, 1 << (e - 2), e - 1, output_offset as u32]
                }
            }
            _ => [0; 4],
        }
    };
    let groups = in_c.div_ceil(4);
    let mut words = Vec::with_capacity(out_c.div_ceil(2) * (10 + 4 * groups));
    for pair in 0..out_c.div_ceil(2) {
        let (c0, c1) = (2 * pair, 2 * pair + 1);
        words.extend([folded(c0), folded(c1)]);
        for group in 0..groups {
            let i = 4 * group;
            words.extend([
                pack16(at(c0, i), at(c0, i + 2)),
                pack16(at(c1, i), at(c1, i + 2)),
                pack16(at(c0, i + 1), at(c0, i + 3)),
                pack16(at(c1, i + 1), at(c1, i + 3)),
            ]);
        }
        words.extend(fast(c0));
        words.extend(fast(c1));
    }
    words
}
