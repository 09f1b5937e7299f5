//! int8 SUB: TFLM's `CalculateOpDataSub` (sub_common.cc) and `reference_ops::SubElementwise` /
//! `BroadcastQuantSubSlow` (reference/sub.h). The parameters are ADD's (`OpDataSub` has
//! `OpDataAdd`'s fields: input offsets `-zp` for both inputs, `left_shift = 20`, the input
//! multipliers `s_i / (2 max(s_1, s_2))`, the output one `2 max / (2^20 s_out)`, each through
//! `QuantizeMultiplierSmallerThanOneExp`, which aborts unless the factor is in `(0, 1)` with a
//! shift of at most 0: [`SubParams::is_supported`]); the element function is ADD's with the two
//! rescaled inputs subtracted instead of summed:
//!
//! - the quotients: TFLM's source up to the snapshot read here (90b983c2, Aug 2026) takes them in
//!   f32 and widens the result (a "fouble", tflite-micro issue #3271), where ADD's are f64; the
//!   TFLM build on PyPI (tflite-micro 0.dev20261023) computes them in f64 like ADD's, which the
//!   TFLM-checked cases below tell apart (about one element in 65536 differs). We follow the
//!   build: [`SubParams::prepare`] is `AddParams::prepare`;
//! - SUB is not ADD with the second input negated (its offset or its multiplier): negating
//!   before the rescale would round ties the other way (`SaturatingRoundingDoublingHighMul`
//!   rounds them towards +inf), so the subtraction happens on the rescaled values, as in TFLM.
//!
//! Shapes: equal (TFLM's `Sub`, elementwise) or NumPy-style broadcast (`BroadcastQuantSubSlow`),
//! as `add::broadcast_binary`.

use super::add::{broadcast_binary, AddParams};
use super::quant::Activation;
use super::{OutputSpec, QuantTensor};

/// The precomputed parameters of an int8 SUB (TFLM's `OpDataSub`): ADD's fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubParams(pub AddParams);

impl SubParams {
    /// TFLM's `CalculateOpDataSub` for int8 tensors (ADD's `CalculateOpDataAdd`, see the
    /// module notes); each argument is `(scale, zero_point)`.
    pub fn prepare(
        input1: (f32, i32),
        input2: (f32, i32),
        output: (f32, i32),
        activation: Activation,
    ) -> Self {
        SubParams(AddParams::prepare(input1, input2, output, activation))
    }

    /// Whether TFLM's `QuantizeMultiplierSmallerThanOneExp` accepts the three multipliers: a
    /// real factor in `(0, 1)` whose shift is at most 0 (the factors are positive for the
    /// positive scales the IR requires). Only the output one can fail, when the output scale is
    /// at most `2 * max(s_1, s_2) / 2^20`.
    pub fn is_supported(&self) -> bool {
        [self.0.input1, self.0.input2, self.0.output]
            .iter()
            .all(|q| q.shift <= 0)
    }

    /// One element: `MBQM(MBQM(x') - MBQM(y'))` with ADD's rescaling of both inputs.
    #[inline]
    pub fn apply(&self, x: i8, y: i8) -> i8 {
        let (sx, sy) = self.0.rescale_inputs(x, y);
        self.0.rescale_output(sx.wrapping_sub(sy))
    }
}

/// int8 elementwise `input1 - input2` with broadcasting to `output.shape`.
pub fn sub(
    input1: &QuantTensor,
    input2: &QuantTensor,
    activation: Activation,
    output: &OutputSpec,
) -> Vec<i8> {
    let params = SubParams::prepare(
        (input1.scale, input1.zero_point),
        (input2.scale, input2.zero_point),
        (output.scale, output.zero_point),
        activation,
    );
    broadcast_binary(input1, input2, output, |x, y| params.apply(x, y))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::semantics::quant::QuantizedMultiplier;

    fn qm(multiplier: i32, shift: i32) -> QuantizedMultiplier {
        QuantizedMultiplier { multiplier, shift }
    }

    fn sub_plain(
        a: &[i8],
        a_shape: &[usize],
        b: &[i8],
        b_shape: &[usize],
        out: &[usize],
    ) -> Vec<i8> {
        sub(
            &QuantTensor::new(a, a_shape, 1.0, 0),
            &QuantTensor::new(b, b_shape, 1.0, 0),
            Activation::None,
            &OutputSpec::new(out, 1.0, 0),
        )
    }

    #[test]
    fn prepare_equal_scales() {
        // As ADD: input multipliers 1/2 -> (2^30, 0), output 2^-19 -> (2^30, -18).
        let SubParams(p) = SubParams::prepare((0.5, 3), (0.5, -2), (0.5, 1), Activation::Relu);
        assert_eq!(
            (p.input1, p.input2, p.output),
            (qm(1 << 30, 0), qm(1 << 30, 0), qm(1 << 30, -18))
        );
        assert_eq!(
            (
                p.input1_offset,
                p.input2_offset,
                p.output_offset,
                p.left_shift
            ),
            (-3, 2, 1, 20)
        );
        assert_eq!((p.act_min, p.act_max), (1, 127));
    }

    /// Outputs of TFLite Micro (tflite-micro 0.dev20261023, reference kernels, broadcast SUB of
    /// every pair) where f32 quotients in prepare would give one more: TFLM takes them in f64,
    /// as ADD's prepare does.
    #[test]
    fn multipliers_in_f64_as_tflm_computes_them() {
        let run = |q1: (u32, i32), q2: (u32, i32), qo: (u32, i32), act, x, y| {
            SubParams::prepare(
                (f32::from_bits(q1.0), q1.1),
                (f32::from_bits(q2.0), q2.1),
                (f32::from_bits(qo.0), qo.1),
                act,
            )
            .apply(x, y)
        };
        let (s1, s2, so) = ((0x3D80_BCC2, -10), (0x3D10_0928, -122), (0x3BCD_12CB, -68));
        assert_eq!(run(s1, s2, so, Activation::None, 28, -49), -96);
        let (s1, s2, so) = ((0x3D89_4938, 41), (0x3E93_F961, -50), (0x3F44_FB75, 73));
        assert_eq!(run(s1, s2, so, Activation::Relu, 101, -88), 92);
    }

    #[test]
    fn same_scales_are_exact() {
        // Scales equal: out = (x - zx) - (y - zy) + zo.
        let x = [10i8, -20, 100, -128];
        let y = [5i8, 5, -100, 127];
        let out = sub(
            &QuantTensor::new(&x, &[4], 0.5, 3),
            &QuantTensor::new(&y, &[4], 0.5, -2),
            Activation::None,
            &OutputSpec::new(&[4], 0.5, 1),
        );
        // 7 - 7 + 1 = 1; -23 - 7 + 1 = -29; 97 + 98 + 1 -> 127; -131 - 129 + 1 -> -128.
        assert_eq!(out, vec![1, -29, 127, -128]);
    }

    #[test]
    fn rounding_of_the_difference() {
        // x scale 1, y scale 0.5, output 1: out = x - y / 2, rounded in fixed point. y' is
        // rescaled by (2^30, -1): 3 -> 1.5 * 2^20, exact; the difference 1.5 rounds away from
        // zero in the output RoundingDivideByPOT: 3 - 1.5 -> 2, -3 + 1.5 -> -2.
        let out = sub(
            &QuantTensor::new(&[3, -3, 3, 0], &[4], 1.0, 0),
            &QuantTensor::new(&[3, -3, 2, 5], &[4], 0.5, 0),
            Activation::None,
            &OutputSpec::new(&[4], 1.0, 0),
        );
        // 3 - 1 = 2; 0 - 2.5 -> -3 (away from zero).
        assert_eq!(out, vec![2, -2, 2, -3]);
        // With relu the negative results clamp at the zero point.
        let out = sub(
            &QuantTensor::new(&[3, -3], &[2], 1.0, 0),
            &QuantTensor::new(&[3, -3], &[2], 0.5, 0),
            Activation::Relu,
            &OutputSpec::new(&[2], 1.0, 0),
        );
        assert_eq!(out, vec![2, 0]);
    }

    #[test]
    fn broadcasts_both_ways() {
        let a = [10i8, 20, 30, 40, 50, 60];
        let b = [1i8, 2, 3];
        assert_eq!(
            sub_plain(&a, &[2, 3], &b, &[3], &[2, 3]),
            vec![9, 18, 27, 39, 48, 57]
        );
        assert_eq!(
            sub_plain(&b, &[3], &a, &[2, 3], &[2, 3]),
            vec![-9, -18, -27, -39, -48, -57]
        );
        assert_eq!(
            sub_plain(&[1, 2], &[2, 1], &[10, 20, 30], &[1, 3], &[2, 3]),
            vec![-9, -19, -29, -8, -18, -28]
        );
    }

    #[test]
    fn output_scale_must_keep_the_multiplier_below_one() {
        // 2 * 1 / (2^20 * s_out) = 1 at s_out = 2^-19: shift 1, TFLM aborts.
        let at = SubParams::prepare((1.0, 0), (1.0, 0), (2f32.powi(-19), 0), Activation::None);
        assert!(!at.is_supported());
        let above = SubParams::prepare((1.0, 0), (1.0, 0), (2f32.powi(-18), 0), Activation::None);
        assert!(above.is_supported());
    }

    /// The vectors of runtime-c/tests/test_kernels.c (`test_sub_sweeps`): all 65536 (x, y)
    /// pairs, x = (i >> 8) as i8 major, y = i as i8, outputs folded FNV-1a style as its
    /// sweep_mix; the C kernels must reproduce these parameters and hashes.
    #[test]
    fn runtime_c_vectors() {
        let sets = [
            (
                ((0.05, -7), (0.0235, 12), (0.0117, -20), Activation::None),
                [
                    7,
                    -12,
                    -20,
                    20,
                    1 << 30,
                    0,
                    2_018_634_530,
                    -2,
                    1_147_160_117,
                    -16,
                    -128,
                    127,
                ],
                0x1793_FB33_7B9B_3218u64,
            ),
            (
                ((0.1, 0), (0.3, 0), (0.7, 0), Activation::Relu),
                [
                    0,
                    0,
                    0,
                    20,
                    1_431_655_730,
                    -2,
                    1 << 30,
                    0,
                    1_840_700_374,
                    -20,
                    0,
                    127,
                ],
                0x54FA_2FD6_F9AE_0236,
            ),
            (
                ((0.5, 1), (0.5, -2), (0.01, -128), Activation::Relu6),
                [
                    -1,
                    2,
                    -128,
                    20,
                    1 << 30,
                    0,
                    1 << 30,
                    0,
                    1_677_721_638,
                    -13,
                    -128,
                    127,
                ],
                0x2BA1_B500_60D0_9BAD,
            ),
            (
                ((0.001, 100), (0.002, -100), (0.00001, 3), Activation::None),
                [
                    -100,
                    100,
                    3,
                    20,
                    1 << 30,
                    -1,
                    1 << 30,
                    0,
                    1_677_721_722,
                    -11,
                    -128,
                    127,
                ],
                0xC338_9F4F_B626_7870,
            ),
        ];
        for ((q1, q2, qo, act), fields, hash) in sets {
            let SubParams(p) = SubParams::prepare(q1, q2, qo, act);
            let got = [
                p.input1_offset,
                p.input2_offset,
                p.output_offset,
                p.left_shift,
                p.input1.multiplier,
                p.input1.shift,
                p.input2.multiplier,
                p.input2.shift,
                p.output.multiplier,
                p.output.shift,
                p.act_min,
                p.act_max,
            ];
            assert_eq!(got, fields);
            let params = SubParams(p);
            let h = (0..65536u32).fold(0xcbf2_9ce4_8422_2325u64, |h, i| {
                let v = params.apply((i >> 8) as u8 as i8, i as u8 as i8);
                (h ^ v as i32 as u32 as u64).wrapping_mul(0x0100_0000_01B3)
            });
            assert_eq!(h, hash, "sweep {fields:?}");
        }
    }
}
