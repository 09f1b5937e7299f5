//! int8 ADD: TFLM's `CalculateOpDataAdd` (int8: `left_shift = 20`, input multipliers
//! `scale_i / (2 * max(scale_1, scale_2))`, output multiplier
//! `2 * max_scale / (2^20 * output_scale)`, all in f64 from the f32 scales) and
//! `reference_integer_ops::AddFunc`; same-shape inputs or NumPy-style broadcasting (TFLM's
//! `BroadcastAdd4DSlow`: shapes right-aligned, each dimension equal or 1).

use super::quant::{activation_range, quantize_multiplier, Activation, QuantizedMultiplier};
use super::{clamp_i8, OutputSpec, QuantTensor};

/// The precomputed parameters of an int8 ADD (TFLM's `OpDataAdd`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddParams {
    pub input1_offset: i32,
    pub input2_offset: i32,
    pub output_offset: i32,
    pub left_shift: i32,
    pub input1: QuantizedMultiplier,
    pub input2: QuantizedMultiplier,
    pub output: QuantizedMultiplier,
    pub act_min: i32,
    pub act_max: i32,
}

impl AddParams {
    /// TFLM's `CalculateOpDataAdd` for int8 tensors.
    pub fn prepare(
        input1: (f32, i32),
        input2: (f32, i32),
        output: (f32, i32),
        activation: Activation,
    ) -> Self {
        let left_shift = 20;
        let twice_max_input_scale = 2.0 * input1.0.max(input2.0) as f64;
        let real_input1 = input1.0 as f64 / twice_max_input_scale;
        let real_input2 = input2.0 as f64 / twice_max_input_scale;
        let real_output = twice_max_input_scale / ((1i64 << left_shift) as f64 * output.0 as f64);
        let (act_min, act_max) = activation_range(activation, output.0, output.1);
        AddParams {
            input1_offset: -input1.1,
            input2_offset: -input2.1,
            output_offset: output.1,
            left_shift,
            input1: quantize_multiplier(real_input1),
            input2: quantize_multiplier(real_input2),
            output: quantize_multiplier(real_output),
            act_min,
            act_max,
        }
    }

    /// `AddFunc`: both inputs shifted left by 20, rescaled to the common scale, summed, then
    /// rescaled to the output scale (each step a double-rounding multiply).
    #[inline]
    pub fn apply(&self, x: i8, y: i8) -> i8 {
        let (sx, sy) = self.rescale_inputs(x, y);
        self.rescale_output(sx.wrapping_add(sy))
    }

    /// Both offset inputs shifted left by `left_shift` and rescaled to the common scale (the
    /// first half of ADD's and SUB's element function).
    #[inline]
    pub fn rescale_inputs(&self, x: i8, y: i8) -> (i32, i32) {
        let x = (x as i32 + self.input1_offset).wrapping_mul(1 << self.left_shift);
        let y = (y as i32 + self.input2_offset).wrapping_mul(1 << self.left_shift);
        (self.input1.apply(x), self.input2.apply(y))
    }

    /// The combined value rescaled to the output scale, offset and clamped (the second half).
    #[inline]
    pub(crate) fn rescale_output(&self, raw: i32) -> i8 {
        let raw = self.output.apply(raw).wrapping_add(self.output_offset);
        clamp_i8(raw, self.act_min, self.act_max)
    }
}

/// Offsets into a (right-aligned, broadcast) input for every element of `out_shape`, row-major.
pub(crate) fn broadcast_strides(in_shape: &[usize], out_shape: &[usize]) -> Vec<usize> {
    let rank = out_shape.len();
    let mut strides = vec![0usize; rank];
    let mut stride = 1usize;
    for (k, &d) in in_shape.iter().enumerate().rev() {
        let axis = rank as isize - (in_shape.len() - k) as isize;
        if axis >= 0 {
            let axis = axis as usize;
            strides[axis] = if d == 1 && out_shape[axis] != 1 {
                0
            } else {
                stride
            };
        }
        stride *= d;
    }
    strides
}

/// int8 elementwise addition with broadcasting to `output.shape`.
pub fn add(
    input1: &QuantTensor,
    input2: &QuantTensor,
    activation: Activation,
    output: &OutputSpec,
) -> Vec<i8> {
    let params = AddParams::prepare(
        (input1.scale, input1.zero_point),
        (input2.scale, input2.zero_point),
        (output.scale, output.zero_point),
        activation,
    );
    broadcast_binary(input1, input2, output, |x, y| params.apply(x, y))
}

/// Applies `element` to the pairs of input elements that NumPy-style broadcasting to
/// `output.shape` pairs up (TFLite's `BroadcastBinaryOp` order: row-major over the output), or to
/// the pairs of equal-size inputs directly.
pub fn broadcast_binary(
    input1: &QuantTensor,
    input2: &QuantTensor,
    output: &OutputSpec,
    element: impl Fn(i8, i8) -> i8,
) -> Vec<i8> {
    let n = output.len();
    if input1.data.len() == n && input2.data.len() == n {
        return input1
            .data
            .iter()
            .zip(input2.data)
            .map(|(&x, &y)| element(x, y))
            .collect();
    }
    let s1 = broadcast_strides(input1.shape, output.shape);
    let s2 = broadcast_strides(input2.shape, output.shape);
    let rank = output.shape.len();
    let mut index = vec![0usize; rank];
    let mut out = Vec::with_capacity(n);
    let (mut o1, mut o2) = (0usize, 0usize);
    for _ in 0..n {
        out.push(element(
            input1.data.get(o1).copied().unwrap_or(0),
            input2.data.get(o2).copied().unwrap_or(0),
        ));
        // Advance the multi-index (last axis fastest) and the two input offsets.
        for axis in (0..rank).rev() {
            index[axis] += 1;
            o1 += s1[axis];
            o2 += s2[axis];
            if index[axis] < output.shape[axis] {
                break;
            }
            o1 -= s1[axis] * index[axis];
            o2 -= s2[axis] * index[axis];
            index[axis] = 0;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prepare_equal_scales() {
        // Equal input scales s: input multipliers 1/2 -> (2^30, 0); output 2s / (2^20 * s)
        // = 2^-19 -> (2^30, -18).
        let p = AddParams::prepare((0.5, 3), (0.5, -2), (0.5, 1), Activation::None);
        assert_eq!(
            p.input1,
            QuantizedMultiplier {
                multiplier: 1 << 30,
                shift: 0
            }
        );
        assert_eq!(
            p.input2,
            QuantizedMultiplier {
                multiplier: 1 << 30,
                shift: 0
            }
        );
        assert_eq!(
            p.output,
            QuantizedMultiplier {
                multiplier: 1 << 30,
                shift: -18
            }
        );
        assert_eq!(
            (p.input1_offset, p.input2_offset, p.output_offset),
            (-3, 2, 1)
        );
    }

    #[test]
    fn same_shape_add() {
        // Same scales everywhere: out = (x - zx) + (y - zy) + zo, exact.
        let x = [10i8, -20, 100, 127];
        let y = [5i8, 5, 100, 127];
        let out = add(
            &QuantTensor::new(&x, &[4], 0.5, 3),
            &QuantTensor::new(&y, &[4], 0.5, -2),
            Activation::None,
            &OutputSpec::new(&[4], 0.5, 1),
        );
        // 7 + 7 + 1 = 15; -23 + 7 + 1 = -15; 97 + 102 + 1 = 200 -> 127; saturates.
        assert_eq!(out, vec![15, -15, 127, 127]);
    }

    #[test]
    fn different_scales_round() {
        // x scale 1, y scale 0.5, out scale 1: out = x + y / 2 (rounded in fixed point).
        let out = add(
            &QuantTensor::new(&[3, 3, -3], &[3], 1.0, 0),
            &QuantTensor::new(&[2, 3, -3], &[3], 0.5, 0),
            Activation::Relu,
            &OutputSpec::new(&[3], 1.0, 0),
        );
        // 3 + 1 = 4; 3 + 1.5 = 4.5 -> 5; -3 - 1.5 = -4.5 -> relu 0.
        assert_eq!(out, vec![4, 5, 0]);
    }

    #[test]
    fn broadcast_add() {
        // [2, 3] + [3] and [2, 1] + [1, 3].
        let a = [1i8, 2, 3, 4, 5, 6];
        let b = [10i8, 20, 30];
        let out = add(
            &QuantTensor::new(&a, &[2, 3], 1.0, 0),
            &QuantTensor::new(&b, &[3], 1.0, 0),
            Activation::None,
            &OutputSpec::new(&[2, 3], 1.0, 0),
        );
        assert_eq!(out, vec![11, 22, 33, 14, 25, 36]);
        let out = add(
            &QuantTensor::new(&[1, 2], &[2, 1], 1.0, 0),
            &QuantTensor::new(&b, &[1, 3], 1.0, 0),
            Activation::None,
            &OutputSpec::new(&[2, 3], 1.0, 0),
        );
        assert_eq!(out, vec![11, 21, 31, 12, 22, 32]);
    }
}
