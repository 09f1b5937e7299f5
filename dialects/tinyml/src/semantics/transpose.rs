//! TRANSPOSE: TFLite's `reference_ops::Transpose`, a pure byte permutation (no arithmetic, so
//! the quantization is irrelevant). Output axis `d` is input axis `perm[d]`; the output is
//! written in row-major order, each element read from the input position whose coordinate
//! along `perm[d]` is the output's coordinate along `d`. TFLM accepts ranks 1 to 5.

use super::QuantTensor;

/// The shape of `input` transposed by `perm` (`out[d] = input[perm[d]]`).
pub fn transposed_shape(shape: &[usize], perm: &[usize]) -> Vec<usize> {
    perm.iter().map(|&axis| shape[axis]).collect()
}

/// Row-major strides of `shape` (in elements).
pub(crate) fn strides(shape: &[usize]) -> Vec<usize> {
    let mut strides = vec![1; shape.len()];
    for d in (0..shape.len().saturating_sub(1)).rev() {
        strides[d] = strides[d + 1] * shape[d + 1];
    }
    strides
}

/// Transposes `input` by `perm`, a permutation of `0..rank`.
pub fn transpose(input: &QuantTensor, perm: &[usize]) -> Vec<i8> {
    debug_assert_eq!(perm.len(), input.shape.len(), "transpose: perm length");
    let output_shape = transposed_shape(input.shape, perm);
    let input_strides = strides(input.shape);
    // The input stride taken by one step along each output axis.
    let steps: Vec<usize> = perm.iter().map(|&axis| input_strides[axis]).collect();
    let count: usize = output_shape.iter().product();
    let mut out = Vec::with_capacity(count);
    let mut index = vec![0usize; output_shape.len()];
    for _ in 0..count {
        let source: usize = index.iter().zip(&steps).map(|(i, s)| i * s).sum();
        out.push(input.data[source]);
        for d in (0..index.len()).rev() {
            index[d] += 1;
            if index[d] < output_shape[d] {
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

    fn ramp(n: usize) -> Vec<i8> {
        (0..n).map(|i| i as i8).collect()
    }

    #[test]
    fn nhwc_to_nchw() {
        // [1, 2, 3, 2] (values = flat index) to [1, 2, 2, 3]: channel planes.
        let data = ramp(12);
        let out = transpose(
            &QuantTensor::new(&data, &[1, 2, 3, 2], 0.1, 0),
            &[0, 3, 1, 2],
        );
        assert_eq!(out, vec![0, 2, 4, 6, 8, 10, 1, 3, 5, 7, 9, 11]);
    }

    #[test]
    fn identity_and_matrix() {
        let data = ramp(6);
        let identity = transpose(&QuantTensor::new(&data, &[2, 3], 1.0, 0), &[0, 1]);
        assert_eq!(identity, data);
        let swapped = transpose(&QuantTensor::new(&data, &[2, 3], 1.0, 0), &[1, 0]);
        assert_eq!(swapped, vec![0, 3, 1, 4, 2, 5]);
        let one = transpose(&QuantTensor::new(&[7], &[1], 1.0, 0), &[0]);
        assert_eq!(one, vec![7]);
    }

    #[test]
    fn five_dimensions_follow_the_definition() {
        // Every element lands where out[i0..i4] = in[j] with j[perm[d]] = i[d].
        let shape = [2, 3, 1, 4, 2];
        let perm = [4, 1, 3, 0, 2];
        let data = ramp(48);
        let out = transpose(&QuantTensor::new(&data, &shape, 1.0, 0), &perm);
        let out_shape = transposed_shape(&shape, &perm);
        assert_eq!(out_shape, vec![2, 3, 4, 2, 1]);
        let (in_strides, out_strides) = (strides(&shape), strides(&out_shape));
        for (flat, &value) in out.iter().enumerate() {
            let mut source = 0;
            for d in 0..5 {
                let coordinate = flat / out_strides[d] % out_shape[d];
                source += coordinate * in_strides[perm[d]];
            }
            assert_eq!(value, data[source], "output element {flat}");
        }
    }
}
