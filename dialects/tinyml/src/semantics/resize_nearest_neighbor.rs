//! RESIZE_NEAREST_NEIGHBOR: TFLite's `reference_ops::ResizeNearestNeighbor` on a 4-D NHWC
//! tensor, a pure copy of whole pixels (the quantization is irrelevant). Each output row `y`
//! reads input row [`nearest_source_index`]`(y, in_h, out_h, ..)`, each column likewise.
//!
//! The source index is computed in `f32`, as TFLM's `GetNearestNeighbor` does:
//! `scale = in / (float)out` (with `align_corners` and `out > 1`:
//! `(in - 1) / (float)(out - 1)`), `offset = 0.5f` with `half_pixel_centers` (else 0), then
//! `(int)round((i + offset) * scale)` with `align_corners` (`std::round`: ties away from zero)
//! or `(int)floor(..)` without, capped at `in - 1` and, with `half_pixel_centers`, floored at 0.

use super::{dims4, QuantTensor};

/// The two flags of `ResizeNearestNeighborOptions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ResizeNearestOptions {
    pub align_corners: bool,
    pub half_pixel_centers: bool,
}

/// The input coordinate output coordinate `index` copies along an axis resized from
/// `input_size` to `output_size` (TFLM's `GetNearestNeighbor`).
pub fn nearest_source_index(
    index: usize,
    input_size: usize,
    output_size: usize,
    options: ResizeNearestOptions,
) -> usize {
    let scale = if options.align_corners && output_size > 1 {
        (input_size as i32 - 1) as f32 / (output_size as i32 - 1) as f32
    } else {
        input_size as i32 as f32 / output_size as i32 as f32
    };
    let offset = if options.half_pixel_centers {
        0.5f32
    } else {
        0.0
    };
    let position = (index as i32 as f32 + offset) * scale;
    let rounded = if options.align_corners {
        position.round()
    } else {
        position.floor()
    };
    let mut source = (rounded as i32).min(input_size as i32 - 1);
    if options.half_pixel_centers {
        source = source.max(0);
    }
    source as usize
}

/// Resizes the H and W axes of NHWC `input` to `[out_h, out_w]`.
pub fn resize_nearest_neighbor(
    input: &QuantTensor,
    [out_h, out_w]: [usize; 2],
    options: ResizeNearestOptions,
) -> Vec<i8> {
    let [batches, in_h, in_w, depth] = dims4(input.shape);
    let columns: Vec<usize> = (0..out_w)
        .map(|x| nearest_source_index(x, in_w, out_w, options))
        .collect();
    let mut out = Vec::with_capacity(batches * out_h * out_w * depth);
    for b in 0..batches {
        for y in 0..out_h {
            let row = (b * in_h + nearest_source_index(y, in_h, out_h, options)) * in_w;
            for &x in &columns {
                let pixel = (row + x) * depth;
                out.extend_from_slice(&input.data[pixel..pixel + depth]);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn indices(input: usize, output: usize, align_corners: bool, half: bool) -> Vec<usize> {
        let options = ResizeNearestOptions {
            align_corners,
            half_pixel_centers: half,
        };
        (0..output)
            .map(|i| nearest_source_index(i, input, output, options))
            .collect()
    }

    #[test]
    fn source_indices_of_every_flag_combination() {
        // 3 -> 5: scale 0.6 (0.5 with align_corners).
        // plain: floor(0, 0.6, 1.2, 1.8, 2.4) = 0 0 1 1 2
        assert_eq!(indices(3, 5, false, false), vec![0, 0, 1, 1, 2]);
        // half pixel: floor(0.3, 0.9, 1.5, 2.1, 2.7) = 0 0 1 2 2
        assert_eq!(indices(3, 5, false, true), vec![0, 0, 1, 2, 2]);
        // align corners: round(0, 0.5, 1, 1.5, 2), ties away from zero = 0 1 1 2 2
        assert_eq!(indices(3, 5, true, false), vec![0, 1, 1, 2, 2]);
        // both: round(0.25, 0.75, 1.25, 1.75, 2.25) = 0 1 1 2 2
        assert_eq!(indices(3, 5, true, true), vec![0, 1, 1, 2, 2]);
        // Downscaling 5 -> 2 (scale 2.5): floor(0, 2.5) = 0 2; half: floor(1.25, 3.75) = 1 3.
        assert_eq!(indices(5, 2, false, false), vec![0, 2]);
        assert_eq!(indices(5, 2, false, true), vec![1, 3]);
        // align corners with one output: the scale is in / out, not (in - 1) / 0.
        assert_eq!(indices(4, 1, true, false), vec![0]);
    }

    #[test]
    fn scale_two_upsampling_repeats_pixels() {
        // The MCUNet detector's upsampling: every pixel twice in both directions.
        assert_eq!(indices(4, 8, false, false), vec![0, 0, 1, 1, 2, 2, 3, 3]);
        let data = [1i8, 2, 3, 4, 5, 6, 7, 8];
        let out = resize_nearest_neighbor(
            &QuantTensor::new(&data, &[1, 2, 2, 2], 0.1, 3),
            [4, 4],
            ResizeNearestOptions::default(),
        );
        let rows = [
            [1, 2, 1, 2, 3, 4, 3, 4],
            [1, 2, 1, 2, 3, 4, 3, 4],
            [5, 6, 5, 6, 7, 8, 7, 8],
            [5, 6, 5, 6, 7, 8, 7, 8],
        ];
        assert_eq!(out, rows.concat());
    }

    #[test]
    fn batches_are_resized_independently() {
        let data = [1i8, 2, 3, 4];
        let out = resize_nearest_neighbor(
            &QuantTensor::new(&data, &[2, 1, 2, 1], 1.0, 0),
            [1, 3],
            ResizeNearestOptions::default(),
        );
        assert_eq!(out, vec![1, 1, 2, 3, 3, 4]);
    }
}
