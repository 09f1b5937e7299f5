//! int8 MUL: TFLM's `CalculateOpDataMul` (input offsets `-zp`, output multiplier
//! `QuantizeMultiplier((f64)s_1 * (f64)s_2 / (f64)s_out)`, every scale widened to f64 before the
//! product, unlike TFLite's own mul.cc which multiplies the f32 scales first) and
//! `reference_integer_ops::MulElementwise` / `BroadcastMul4DSlow` (= `BroadcastMul6DSlow`):
//! `clamp(zp_out + MBQM((x - zp_1) * (y - zp_2), m, s), act_min, act_max)` per element, one
//! double-rounding multiply; same-shape inputs or NumPy-style broadcasting (shapes
//! right-aligned, each dimension equal or 1).

use super::add::broadcast_binary;
use super::quant::{activation_range, quantize_multiplier, Activation, QuantizedMultiplier};
use super::{clamp_i8, OutputSpec, QuantTensor};

/// The precomputed parameters of an int8 MUL (TFLM's `OpDataMul` as `EvalMulQuantizedReference`
/// turns it into `ArithmeticParams`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MulParams {
    pub input1_offset: i32,
    pub input2_offset: i32,
    pub output_offset: i32,
    pub output: QuantizedMultiplier,
    pub act_min: i32,
    pub act_max: i32,
}

impl MulParams {
    /// TFLM's `CalculateOpDataMul` for int8 tensors; each argument is `(scale, zero_point)`.
    pub fn prepare(
        input1: (f32, i32),
        input2: (f32, i32),
        output: (f32, i32),
        activation: Activation,
    ) -> Self {
        // Left to right in f64, as `static_cast<double>(s1) * static_cast<double>(s2) /
        // static_cast<double>(s_out)`.
        let real = input1.0 as f64 * input2.0 as f64 / output.0 as f64;
        let (act_min, act_max) = activation_range(activation, output.0, output.1);
        MulParams {
            input1_offset: input1.1.wrapping_neg(),
            input2_offset: input2.1.wrapping_neg(),
            output_offset: output.1,
            output: quantize_multiplier(real),
            act_min,
            act_max,
        }
    }

    /// One element: offset inputs multiplied in int32, rescaled by one double-rounding
    /// `MultiplyByQuantizedMultiplier`, output offset, clamp. With int8 data and zero points the
    /// product is at most 255 * 255; the wrapping ops only matter for out-of-range zero points
    /// (and the rescale's left shift wraps for real multipliers of 2^15 and more, as in C++).
    #[inline]
    pub fn apply(&self, x: i8, y: i8) -> i8 {
        let x = (x as i32).wrapping_add(self.input1_offset);
        let y = (y as i32).wrapping_add(self.input2_offset);
        let raw = self
            .output
            .apply(x.wrapping_mul(y))
            .wrapping_add(self.output_offset);
        clamp_i8(raw, self.act_min, self.act_max)
    }
}

/// int8 elementwise multiplication with broadcasting to `output.shape`.
pub fn mul(
    input1: &QuantTensor,
    input2: &QuantTensor,
    activation: Activation,
    output: &OutputSpec,
) -> Vec<i8> {
    let params = MulParams::prepare(
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

    fn qm(multiplier: i32, shift: i32) -> QuantizedMultiplier {
        QuantizedMultiplier { multiplier, shift }
    }

    /// Scales 1 and zero points 0 everywhere: out = clamp(x * y).
    fn mul_plain(
        a: &[i8],
        a_shape: &[usize],
        b: &[i8],
        b_shape: &[usize],
        out: &[usize],
    ) -> Vec<i8> {
        mul(
            &QuantTensor::new(a, a_shape, 1.0, 0),
            &QuantTensor::new(b, b_shape, 1.0, 0),
            Activation::None,
            &OutputSpec::new(out, 1.0, 0),
        )
    }

    #[test]
    fn prepare_constants() {
        // 0.5 * 0.25 / 0.125 = 1 = 0.5 * 2^1 -> (2^30, 1).
        let p = MulParams::prepare((0.5, 3), (0.25, -2), (0.125, 1), Activation::None);
        assert_eq!(p.output, qm(1 << 30, 1));
        assert_eq!(
            (p.input1_offset, p.input2_offset, p.output_offset),
            (-3, 2, 1)
        );
        assert_eq!((p.act_min, p.act_max), (-128, 127));
        // 1 * 1 / 4 = 0.25 -> (2^30, -1).
        let p = MulParams::prepare((1.0, 0), (1.0, 0), (4.0, 0), Activation::None);
        assert_eq!(p.output, qm(1 << 30, -1));
    }

    #[test]
    fn prepare_product_in_f64() {
        // 0.1f * 0.2f / 0.3f: in f64 (TFLM) QuantizeMultiplier gives (1145324601, -3); with the
        // product and quotient in f32 (TFLite's mul.cc) it would be (1145324672, -3).
        let p = MulParams::prepare((0.1, 0), (0.2, 0), (0.3, 0), Activation::None);
        assert_eq!(p.output, qm(1_145_324_601, -3));
        let f32_path = quantize_multiplier((0.1f32 * 0.2f32 / 0.3f32) as f64);
        assert_eq!(f32_path, qm(1_145_324_672, -3));
    }

    #[test]
    fn same_shape_with_zero_points() {
        // Scales 0.5 * 0.5 / 0.25 = 1: out = (x - 1) * (y + 2) + 5, exact.
        let x = [3i8, -1, 0, 11];
        let y = [2i8, 4, -2, 10];
        let out = mul(
            &QuantTensor::new(&x, &[4], 0.5, 1),
            &QuantTensor::new(&y, &[4], 0.5, -2),
            Activation::None,
            &OutputSpec::new(&[4], 0.25, 5),
        );
        // 2 * 4 + 5 = 13; -2 * 6 + 5 = -7; -1 * 0 + 5 = 5; 10 * 12 + 5 = 125.
        assert_eq!(out, vec![13, -7, 5, 125]);
    }

    #[test]
    fn saturates_at_both_ends() {
        let out = mul_plain(
            &[2, -3, 10, -10, 127, -128, -128],
            &[7],
            &[3, 4, 13, 13, 127, -128, 127],
            &[7],
            &[7],
        );
        // 6, -12, 130 -> 127, -130 -> -128, 16129 -> 127, 16384 -> 127, -16256 -> -128.
        assert_eq!(out, vec![6, -12, 127, -128, 127, 127, -128]);
    }

    #[test]
    fn double_rounding() {
        // Output scale 2: multiplier 0.5 = (2^30, 0); SRDHM rounds ties towards +infinity:
        // 3 / 2 -> 2, -3 / 2 -> -1, 5 / 2 -> 3, -5 / 2 -> -2.
        let out = mul(
            &QuantTensor::new(&[3, -3, 5, -5], &[4], 1.0, 0),
            &QuantTensor::new(&[1, 1, 1, 1], &[4], 1.0, 0),
            Activation::None,
            &OutputSpec::new(&[4], 2.0, 0),
        );
        assert_eq!(out, vec![2, -1, 3, -2]);
        // Output scale 4: (2^30, -1). 1 -> SRDHM 1 (0.5 up) -> RDBPOT(1, 1) = 1 (0.25 in one
        // rounding would be 0); 6 -> 3 -> 2; -6 -> -3 -> -2; 2 -> 1 -> 1.
        let out = mul(
            &QuantTensor::new(&[1, 6, -6, 2], &[4], 1.0, 0),
            &QuantTensor::new(&[1, 1, 1, 1], &[4], 1.0, 0),
            Activation::None,
            &OutputSpec::new(&[4], 4.0, 0),
        );
        assert_eq!(out, vec![1, 2, -2, 1]);
    }

    #[test]
    fn broadcast_channels_both_orders() {
        // [1, 1, 1, 3] x [1, 2, 2, 3]: out[i] = c[i % 3] * b[i].
        let c = [1i8, -2, 3];
        let b: Vec<i8> = (1..=12).collect();
        let want: Vec<i8> = b.iter().enumerate().map(|(i, &v)| c[i % 3] * v).collect();
        assert_eq!(want, vec![1, -4, 9, 4, -10, 18, 7, -16, 27, 10, -22, 36]);
        let shape = [1usize, 2, 2, 3];
        assert_eq!(mul_plain(&c, &[1, 1, 1, 3], &b, &shape, &shape), want);
        assert_eq!(mul_plain(&b, &shape, &c, &[1, 1, 1, 3], &shape), want);
        // Lower rank right-aligned: [3] x [1, 2, 2, 3].
        assert_eq!(mul_plain(&c, &[3], &b, &shape, &shape), want);
        // With zero points the operands keep their own offsets in either order:
        // (c - 1) * (b + 1), scales 1: [0, -3, 2] x [2..13].
        let out1 = mul(
            &QuantTensor::new(&c, &[1, 1, 1, 3], 1.0, 1),
            &QuantTensor::new(&b, &shape, 1.0, -1),
            Activation::None,
            &OutputSpec::new(&shape, 1.0, 0),
        );
        let out2 = mul(
            &QuantTensor::new(&b, &shape, 1.0, -1),
            &QuantTensor::new(&c, &[1, 1, 1, 3], 1.0, 1),
            Activation::None,
            &OutputSpec::new(&shape, 1.0, 0),
        );
        assert_eq!(out1, vec![0, -9, 8, 0, -18, 14, 0, -27, 20, 0, -36, 26]);
        assert_eq!(out1, out2);
    }

    #[test]
    fn broadcast_outer_and_rank6() {
        // [2, 1] x [1, 3].
        assert_eq!(
            mul_plain(&[1, 2], &[2, 1], &[10, 20, 30], &[1, 3], &[2, 3]),
            vec![10, 20, 30, 20, 40, 60]
        );
        // 6-D (BroadcastMul6DSlow): [2, 1, 1, 1, 1, 2] x [1, 1, 1, 1, 3, 1] -> [2, 1, 1, 1, 3, 2].
        assert_eq!(
            mul_plain(
                &[1, 2, 3, 4],
                &[2, 1, 1, 1, 1, 2],
                &[1, 2, 3],
                &[1, 1, 1, 1, 3, 1],
                &[2, 1, 1, 1, 3, 2]
            ),
            vec![1, 2, 2, 4, 3, 6, 3, 4, 6, 8, 9, 12]
        );
    }

    #[test]
    fn scalar_broadcast() {
        let a = [1i8, -2, 3, 40, -50, 60];
        let want = vec![3, -6, 9, 120, -128, 127];
        for scalar_shape in [&[][..], &[1][..], &[1, 1, 1, 1][..]] {
            assert_eq!(mul_plain(&[3], scalar_shape, &a, &[2, 3], &[2, 3]), want);
            assert_eq!(mul_plain(&a, &[2, 3], &[3], scalar_shape, &[2, 3]), want);
        }
        // Scalar times scalar.
        assert_eq!(mul_plain(&[-7], &[], &[6], &[1], &[1]), vec![-42]);
    }

    #[test]
    fn relu_and_relu6() {
        // Scales 0.5 * 0.5 / 0.25 = 1, output zero point -10: out = x * y - 10.
        // Relu: act_min = -10 + round(0 / 0.25) = -10; relu6: act_max = -10 + 24 = 14.
        let x = [-3i8, 1, 2, 5, 127];
        let y = [2i8, 3, 9, 7, 127];
        let run = |activation| {
            mul(
                &QuantTensor::new(&x, &[5], 0.5, 0),
                &QuantTensor::new(&y, &[5], 0.5, 0),
                activation,
                &OutputSpec::new(&[5], 0.25, -10),
            )
        };
        // -6 - 10 = -16; 3 - 10 = -7; 18 - 10 = 8; 35 - 10 = 25; 16129 - 10 -> 127.
        assert_eq!(run(Activation::None), vec![-16, -7, 8, 25, 127]);
        assert_eq!(run(Activation::Relu), vec![-10, -7, 8, 25, 127]);
        assert_eq!(run(Activation::Relu6), vec![-10, -7, 8, 14, 14]);
        let p = MulParams::prepare((0.5, 0), (0.5, 0), (0.25, -10), Activation::Relu6);
        assert_eq!((p.act_min, p.act_max), (-10, 14));
    }

    /// The vectors of runtime-c/tests/test_kernels.c (`test_mul_hand`, `test_mul_sweeps`): the C
    /// kernels must reproduce these results, which this test pins to the reference.
    #[test]
    fn runtime_c_vectors() {
        // [1, 2, 2, 3] x [1, 1, 1, 3], relu6, in both operand orders.
        let a: [i8; 12] = [-100, 37, 5, 127, -128, 64, 0, -7, 99, -55, 18, 120];
        let c: [i8; 3] = [90, -128, 33];
        let (qa, qc, qo) = ((0.05, -7), (0.0235, 12), (0.04, -60));
        let p = MulParams::prepare(qa, qc, qo, Activation::Relu6);
        assert_eq!(
            p,
            MulParams {
                input1_offset: 7,
                input2_offset: -12,
                output_offset: -60,
                output: qm(2_018_634_635, -5),
                act_min: -60,
                act_max: 90,
            }
        );
        let want = vec![-60, -60, -53, 90, 90, -16, -44, -60, 5, -60, -60, 18];
        let (sa, sc) = ([1usize, 2, 2, 3], [1usize, 1, 1, 3]);
        let ta = QuantTensor::new(&a, &sa, qa.0, qa.1);
        let tc = QuantTensor::new(&c, &sc, qc.0, qc.1);
        let out = OutputSpec::new(&sa, qo.0, qo.1);
        assert_eq!(mul(&ta, &tc, Activation::Relu6, &out), want);
        assert_eq!(mul(&tc, &ta, Activation::Relu6, &out), want);

        // Same shape, multiplier 0.5 * 0.5 / 0.01 = 25 (positive shift), saturating.
        let x: [i8; 8] = [1, 2, -3, 10, -10, 127, -128, 0];
        let y: [i8; 8] = [-2, 3, 4, 5, 7, -128, -128, 100];
        let p = MulParams::prepare((0.5, 1), (0.5, -2), (0.01, -128), Activation::None);
        assert_eq!(
            (p.input1_offset, p.input2_offset, p.output_offset),
            (-1, 2, -128)
        );
        assert_eq!(p.output, qm(1_677_721_638, 5));
        let out = mul(
            &QuantTensor::new(&x, &[8], 0.5, 1),
            &QuantTensor::new(&y, &[8], 0.5, -2),
            Activation::None,
            &OutputSpec::new(&[8], 0.01, -128),
        );
        assert_eq!(out, vec![-128, -3, -128, 127, -128, -128, 127, -128]);

        // [2, 3] x [1]: 70 * (x - 3) * 0.28 + 10. x = -1: -280 -> SRDHM -156.8 -> -157 ->
        // RDBPOT(-157, 1) = -79 (double rounding; -78.4 rounds to -78 in one step) -> -69.
        let x: [i8; 6] = [-128, -64, -1, 0, 63, 127];
        let p = MulParams::prepare((0.02, 3), (0.7, -90), (0.05, 10), Activation::None);
        assert_eq!(p.output, qm(1_202_590_778, -1));
        let out = mul(
            &QuantTensor::new(&x, &[2, 3], 0.02, 3),
            &QuantTensor::new(&[-20], &[1], 0.7, -90),
            Activation::None,
            &OutputSpec::new(&[2, 3], 0.05, 10),
        );
        assert_eq!(out, vec![-128, -128, -69, -49, 127, 127]);

        // Exhaustive sweeps: all 65536 (x, y) pairs, x = (i >> 8) as i8 major, y = i as i8,
        // outputs folded FNV-1a style as test_kernels.c's sweep_mix.
        let xs: Vec<i8> = (0..65536u32).map(|i| (i >> 8) as u8 as i8).collect();
        let ys: Vec<i8> = (0..65536u32).map(|i| i as u8 as i8).collect();
        let sets = [
            (
                ((0.05, -7), (0.0235, 12), (0.0117, -20), Activation::None),
                [7, -12, -20, 1_725_328_756, -3, -128, 127],
                0xC6D5_8B6B_8F3E_C421u64,
            ),
            (
                ((0.1, 0), (0.2, 0), (0.3, 0), Activation::Relu),
                [0, 0, 0, 1_145_324_601, -3, 0, 127],
                0x964A_781B_6F74_7978,
            ),
            // Multiplier 2^16: the rescale's left shift by 17 wraps (as TFLM's int32 math).
            (
                ((1.0, 5), (1.0, -3), (1.0 / 65536.0, 0), Activation::None),
                [-5, 3, 0, 1 << 30, 17, -128, 127],
                0x22CD_39EE_3A0D_72BB,
            ),
            (
                ((0.001, 100), (0.002, -100), (0.5, 3), Activation::Relu6),
                [-100, 100, 3, 1_125_900_014, -17, 3, 15],
                0x49E8_FB35_D9CF_2325,
            ),
            (
                ((0.5, 1), (0.5, -2), (0.01, -128), Activation::Relu6),
                [-1, 2, -128, 1_677_721_638, 5, -128, 127],
                0x2B4B_BAAF_D241_3977,
            ),
        ];
        for ((q1, q2, qo, act), fields, hash) in sets {
            let p = MulParams::prepare(q1, q2, qo, act);
            let got = [
                p.input1_offset,
                p.input2_offset,
                p.output_offset,
                p.output.multiplier,
                p.output.shift,
                p.act_min,
                p.act_max,
            ];
            assert_eq!(got, fields);
            let out = mul(
                &QuantTensor::new(&xs, &[65536], q1.0, q1.1),
                &QuantTensor::new(&ys, &[65536], q2.0, q2.1),
                act,
                &OutputSpec::new(&[65536], qo.0, qo.1),
            );
            let h = out.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &v| {
                (h ^ v as i32 as u32 as u64).wrapping_mul(0x0100_0000_01B3)
            });
            assert_eq!(h, hash, "sweep {fields:?}");
        }
    }
}
