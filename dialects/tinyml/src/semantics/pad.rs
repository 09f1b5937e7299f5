//! int8 PAD / PADV2: TFLite's `reference_ops::Pad`. Input and output share quantization (TFLM
//! checks it); the pad value is the constant input of PADV2 when given, else the output zero
//! point (so padding means real 0.0). Any rank; `paddings[d] = [before, after]`.

use super::{OutputSpec, QuantTensor};

/// Pads `input` with `paddings[d] = [before, after]` per dimension. Dimensions of `input.shape`
/// without an entry in `paddings` are not padded.
pub fn pad(
    input: &QuantTensor,
    paddings: &[[usize; 2]],
    constant: Option<i8>,
    output: &OutputSpec,
) -> Vec<i8> {
    let value = constant.unwrap_or(output.zero_point.clamp(-128, 127) as i8);
    let rank = input.shape.len();
    let before = |d: usize| paddings.get(d).map_or(0, |p| p[0]);
    debug_assert_eq!(output.shape.len(), rank, "pad: rank mismatch");
    debug_assert!((0..rank).all(|d| {
        output.shape[d] == input.shape[d] + before(d) + paddings.get(d).map_or(0, |p| p[1])
    }));
    if rank == 0 {
        return input.data.to_vec();
    }
    let mut out = vec![value; output.len()];
    // Copy the input rows (last axis contiguous) into place.
    let inner = input.shape[rank - 1];
    if inner == 0 || input.data.is_empty() {
        return out;
    }
    let mut out_strides = vec![1usize; rank];
    for d in (0..rank - 1).rev() {
        out_strides[d] = out_strides[d + 1] * output.shape[d + 1];
    }
    let mut index = vec![0usize; rank];
    for row in input.data.chunks(inner) {
        let offset: usize = (0..rank)
            .map(|d| (index[d] + before(d)) * out_strides[d])
            .sum();
        out[offset..offset + inner].copy_from_slice(row);
        // Next row: advance every axis but the last.
        for d in (0..rank - 1).rev() {
            index[d] += 1;
            if index[d] < input.shape[d] {
                break;
            }
            index[d] = 0;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pads_with_output_zero_point() {
        // [1, 2, 2, 1] padded by one row on top and one column on the right.
        let input = [1i8, 2, 3, 4];
        let out = pad(
            &QuantTensor::new(&input, &[1, 2, 2, 1], 0.1, -7),
            &[[0, 0], [1, 0], [0, 1], [0, 0]],
            None,
            &OutputSpec::new(&[1, 3, 3, 1], 0.1, -7),
        );
        assert_eq!(out, vec![-7, -7, -7, 1, 2, -7, 3, 4, -7]);
    }

    #[test]
    fn pads_last_axis_with_constant() {
        let out = pad(
            &QuantTensor::new(&[5, 6], &[2], 1.0, 0),
            &[[2, 1]],
            Some(9),
            &OutputSpec::new(&[5], 1.0, 0),
        );
        assert_eq!(out, vec![9, 9, 5, 6, 9]);
    }
}
