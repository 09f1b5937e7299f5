//! gemmlowp's fixed-point arithmetic (`fixedpoint.h`) as used by TFLite's int8 softmax,
//! log-softmax, logistic and tanh, on raw `i32` values, and TFLite's
//! `log_x_for_x_greater_than_or_equal_to_1` (kernels/internal/common.h). A value with `I` integer bits represents `raw / 2^(31 - I)`; the caller tracks
//! `I` (gemmlowp's `FixedPoint<int32_t, I>` template parameter). Multiplying an `I1` value by an
//! `I2` value gives an `I1 + I2` value (`SaturatingRoundingDoublingHighMul` of the raws);
//! addition and subtraction are plain (wrapping) raw operations, as in gemmlowp.

use super::quant::{rounding_divide_by_pot, saturating_rounding_doubling_high_mul};

/// Fixed-point product of two raws (integer bits add up).
#[inline]
pub fn mul(a: i32, b: i32) -> i32 {
    saturating_rounding_doubling_high_mul(a, b)
}

/// The raw of 1.0 in a value with `integer_bits` integer bits (`FixedPoint::One()`); with 0
/// integer bits 1.0 is not representable and `One()` is `i32::MAX`.
#[inline]
pub fn one(integer_bits: i32) -> i32 {
    if integer_bits == 0 {
        i32::MAX
    } else {
        1i32 << (31 - integer_bits)
    }
}

/// `SaturatingRoundingMultiplyByPOT<exponent>`: a saturating left shift for `exponent > 0`, a
/// rounding right shift (`RoundingDivideByPOT`) for `exponent < 0`.
#[inline]
pub fn saturating_rounding_multiply_by_pot(x: i32, exponent: i32) -> i32 {
    if exponent > 0 {
        let exponent = exponent.min(31);
        let threshold = ((1i64 << (31 - exponent)) - 1) as i32;
        if x > threshold {
            i32::MAX
        } else if x < -threshold {
            i32::MIN
        } else {
            x.wrapping_shl(exponent as u32)
        }
    } else if exponent < 0 {
        rounding_divide_by_pot(x, -exponent)
    } else {
        x
    }
}

/// `gemmlowp::Rescale<dst_bits>` of a value with `src_bits` integer bits.
#[inline]
pub fn rescale(x: i32, src_bits: i32, dst_bits: i32) -> i32 {
    saturating_rounding_multiply_by_pot(x, src_bits - dst_bits)
}

/// gemmlowp `RoundingHalfSum`: `(a + b) / 2` rounded half away from zero.
#[inline]
pub fn rounding_half_sum(a: i32, b: i32) -> i32 {
    let sum = a as i64 + b as i64;
    let sign = if sum >= 0 { 1 } else { -1 };
    ((sum + sign) / 2) as i32
}

/// `exp(a)` for `a` in `[-1/4, 0)`, 0 integer bits in and out: a 4th-order Taylor expansion
/// around -1/8 (`exp_on_interval_between_negative_one_quarter_and_0_excl`).
pub fn exp_on_interval_between_negative_one_quarter_and_0_excl(a: i32) -> i32 {
    const EXP_MINUS_ONE_EIGHTH: i32 = 1_895_147_668; // exp(-1/8) in Q0.31
    const ONE_THIRD: i32 = 715_827_883; // 1/3 in Q0.31
    let x = a.wrapping_add(1 << 28); // a + 1/8
    let x2 = mul(x, x);
    let x3 = mul(x2, x);
    let x4 = mul(x2, x2);
    let x4_over_4 = saturating_rounding_multiply_by_pot(x4, -2);
    let poly = saturating_rounding_multiply_by_pot(
        mul(x4_over_4.wrapping_add(x3), ONE_THIRD).wrapping_add(x2),
        -1,
    );
    EXP_MINUS_ONE_EIGHTH.wrapping_add(mul(EXP_MINUS_ONE_EIGHTH, x.wrapping_add(poly)))
}

/// gemmlowp `exp_on_negative_values`: `exp(a)` for `a <= 0` with `integer_bits` integer bits
/// (softmax uses 5); the result has 0 integer bits (`exp(0)` gives `i32::MAX`).
pub fn exp_on_negative_values(a: i32, integer_bits: i32) -> i32 {
    let fractional_bits = 31 - integer_bits;
    let one_quarter = 1i32 << (fractional_bits - 2);
    let mask = one_quarter - 1;
    let a_mod_quarter_minus_one_quarter = (a & mask).wrapping_sub(one_quarter);
    let mut result = exp_on_interval_between_negative_one_quarter_and_0_excl(rescale(
        a_mod_quarter_minus_one_quarter,
        integer_bits,
        0,
    ));
    let remainder = a_mod_quarter_minus_one_quarter.wrapping_sub(a);
    // exp(-2^e) in Q0.31 for e = -2..=4: the barrel shifter over the remaining bits.
    const BARREL: [(i32, i32); 7] = [
        (-2, 1_672_461_947),
        (-1, 1_302_514_674),
        (0, 790_015_084),
        (1, 290_630_308),
        (2, 39_332_535),
        (3, 720_401),
        (4, 242),
    ];
    for (exponent, multiplier) in BARREL {
        if integer_bits > exponent {
            let shift = fractional_bits + exponent;
            if (0..31).contains(&shift) && remainder & (1i32 << shift) != 0 {
                result = mul(result, multiplier);
            }
        }
    }
    if integer_bits > 5 {
        let clamp = -(1i32 << (36 - integer_bits).clamp(0, 30)); // -32.0
        if a < clamp {
            result = 0;
        }
    }
    if a == 0 {
        result = one(0);
    }
    result
}

/// `1 / d` for `d = (1 + a) / 2` (`a` in `[0, 1)`, 0 integer bits), with 2 integer bits: three
/// Newton-Raphson steps from 48/17 - 32/17 * d, the division shared by gemmlowp's
/// `one_over_one_plus_x_for_x_in_0_1` and `one_minus_x_over_one_plus_x_for_x_in_0_1`.
fn newton_reciprocal_of_half_sum(a: i32) -> i32 {
    const C48_OVER_17: i32 = 1_515_870_810; // 2 integer bits
    const CNEG32_OVER_17: i32 = -1_010_580_540; // 2 integer bits
    let half_denominator = rounding_half_sum(a, one(0)); // 0 integer bits
    let mut x = C48_OVER_17.wrapping_add(mul(half_denominator, CNEG32_OVER_17)); // 2 bits
    for _ in 0..3 {
        let half_denominator_times_x = mul(half_denominator, x); // 2 bits
        let one_minus = one(2).wrapping_sub(half_denominator_times_x); // 2 bits
        x = x.wrapping_add(rescale(mul(x, one_minus), 4, 2));
    }
    x
}

/// gemmlowp `one_over_one_plus_x_for_x_in_0_1`: `1 / (1 + a)` for `a` in `[0, 1)`, 0 integer
/// bits in and out, by three Newton-Raphson steps from 48/17 - 32/17 * d (d = (1 + a) / 2).
pub fn one_over_one_plus_x_for_x_in_0_1(a: i32) -> i32 {
    // ExactMulByPot<-1> (2 -> 1 integer bits, raw unchanged), then Rescale<0>.
    rescale(newton_reciprocal_of_half_sum(a), 1, 0)
}

/// gemmlowp `one_minus_x_over_one_plus_x_for_x_in_0_1`: `(1 - a) / (1 + a)` for `a` in
/// `(0, 1)`, 0 integer bits in and out: `1 / d - 1` with the same Newton-Raphson steps.
pub fn one_minus_x_over_one_plus_x_for_x_in_0_1(a: i32) -> i32 {
    rescale(newton_reciprocal_of_half_sum(a).wrapping_sub(one(2)), 2, 0)
}

/// gemmlowp `logistic`: `1 / (1 + exp(-a))` for `a` with `integer_bits` integer bits, 0 integer
/// bits out. Positive inputs go through `one_over_one_plus_x(exp(-a))`, negative ones are
/// `One() - logistic(-a)` (so with `One() = i32::MAX`, not 2^31), and 0 gives exactly 1/2.
pub fn logistic(a: i32, integer_bits: i32) -> i32 {
    if a == 0 {
        return 1 << 30;
    }
    let positive = a > 0;
    let abs = if positive { a } else { a.wrapping_neg() };
    let result_if_positive =
        one_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(abs.wrapping_neg(), integer_bits));
    if positive {
        result_if_positive
    } else {
        one(0).wrapping_sub(result_if_positive)
    }
}

/// gemmlowp `tanh`: `(1 - exp(-2|a|)) / (1 + exp(-2|a|))` with the sign of `a`, for `a` with
/// `integer_bits` integer bits, 0 integer bits out. `ExactMulByPot<1>` doubles `-|a|` by reading
/// its raw with one more integer bit; 0 gives exactly 0.
pub fn tanh(a: i32, integer_bits: i32) -> i32 {
    if a == 0 {
        return 0;
    }
    let negative = a < 0;
    let n = if negative { a } else { a.wrapping_neg() };
    let t = one_minus_x_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(n, integer_bits + 1));
    if negative {
        t.wrapping_neg()
    } else {
        t
    }
}

/// TFLite's `log_x_for_x_greater_than_or_equal_to_1<output_integer_bits>` of `x` with
/// `input_integer_bits` integer bits (`log_x_for_x_greater_than_or_equal_to_1_impl`): `ln x`
/// from the position of `x`'s leading bit (`z_pow_2_adj * ln 2`, in a value with one more
/// integer bit than the output) plus a rational approximation of the log of the normalized
/// mantissa `r` around `2^(-1/4)`, rescaled (saturating) to `output_integer_bits`. `x` must be
/// positive (log-softmax passes a sum of exps holding at least `exp(0)`).
pub fn log_x_for_x_greater_than_or_equal_to_1(
    x: i32,
    input_integer_bits: i32,
    output_integer_bits: i32,
) -> i32 {
    const LOG_2: i32 = 1_488_522_236;
    const SQRT_SQRT_HALF: i32 = 1_805_811_301;
    const SQRT_HALF: i32 = 1_518_500_250;
    const ONE_QUARTER: i32 = 536_870_912;
    const ALPHA_N: i32 = 117_049_297;
    const ALPHA_D: i32 = 127_690_142;
    const ALPHA_I: i32 = 1_057_819_769;
    const ALPHA_F: i32 = 638_450_708;
    let accum_integer_bits = output_integer_bits + 1;
    let shifted_quarter = rescale(ONE_QUARTER, 0, accum_integer_bits);
    // `x`'s raw read as a value with 0 integer bits; the shifts below are worked out here.
    let z_a = x;
    let z_a_headroom_plus_1 = (z_a as u32).leading_zeros() as i32;
    let r_a_tmp = saturating_rounding_multiply_by_pot(z_a, z_a_headroom_plus_1 - 1);
    let r_a_raw = saturating_rounding_multiply_by_pot(mul(r_a_tmp, SQRT_HALF), 1);
    // `SaturatingAddNonGemmlowp` and `SaturatingSub`: the exact result clamped to `i32`.
    let z_a_pow_2_adj = saturating_rounding_multiply_by_pot(
        input_integer_bits - z_a_headroom_plus_1,
        31 - accum_integer_bits,
    )
    .saturating_add(shifted_quarter);
    // z_b is z_a premultiplied by sqrt(1/2).
    let z_b = mul(z_a, SQRT_HALF);
    let z_b_headroom = (z_b as u32).leading_zeros() as i32 - 1;
    let r_b_raw = saturating_rounding_multiply_by_pot(z_a, z_b_headroom);
    let z_b_pow_2_adj = saturating_rounding_multiply_by_pot(
        input_integer_bits - z_b_headroom,
        31 - accum_integer_bits,
    )
    .saturating_sub(shifted_quarter);
    let r = r_a_raw.min(r_b_raw);
    let z_pow_2_adj = z_a_pow_2_adj.max(z_b_pow_2_adj);

    let p = rounding_half_sum(r, SQRT_SQRT_HALF);
    let q = r.wrapping_sub(SQRT_SQRT_HALF);
    let q = q.wrapping_add(q);
    let common_sq = mul(q, q);
    let num = mul(q, r).wrapping_add(mul(mul(q, common_sq), ALPHA_N));
    let denom_minus_one = mul(
        p,
        ALPHA_I
            .wrapping_add(q)
            .wrapping_add(mul(ALPHA_D, common_sq)),
    )
    .wrapping_add(mul(ALPHA_F, q));
    let recip_denom = one_over_one_plus_x_for_x_in_0_1(denom_minus_one);
    let num_scaled = rescale(num, 0, accum_integer_bits);
    rescale(
        mul(z_pow_2_adj, LOG_2).wrapping_add(mul(num_scaled, recip_denom)),
        accum_integer_bits,
        output_integer_bits,
    )
}

/// TFLite's `GetReciprocal(x, x_integer_digits)`: `1 / x` for a positive `x` with
/// `x_integer_digits` integer bits, as `(raw with 0 integer bits, num_bits_over_unit)`:
/// `1/x = raw / 2^31 / 2^num_bits_over_unit`.
pub fn get_reciprocal(x: i32, x_integer_digits: i32) -> (i32, i32) {
    let headroom_plus_one = (x as u32).leading_zeros() as i32;
    let num_bits_over_unit = x_integer_digits - headroom_plus_one;
    let shifted = (x as u32)
        .checked_shl(headroom_plus_one as u32)
        .unwrap_or(0)
        .wrapping_sub(1u32 << 31) as i32;
    (
        one_over_one_plus_x_for_x_in_0_1(shifted),
        num_bits_over_unit,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to_f(raw: i32, integer_bits: i32) -> f64 {
        raw as f64 / 2f64.powi(31 - integer_bits)
    }

    #[test]
    fn saturating_multiply_by_pot() {
        assert_eq!(saturating_rounding_multiply_by_pot(3, 2), 12);
        assert_eq!(saturating_rounding_multiply_by_pot(1 << 29, 2), i32::MAX);
        assert_eq!(saturating_rounding_multiply_by_pot(-(1 << 29), 2), i32::MIN);
        assert_eq!(
            saturating_rounding_multiply_by_pot(-(1 << 29) + 1, 2),
            i32::MIN + 4
        );
        assert_eq!(saturating_rounding_multiply_by_pot(6, -2), 2);
        assert_eq!(saturating_rounding_multiply_by_pot(-6, -2), -2);
        assert_eq!(saturating_rounding_multiply_by_pot(7, 0), 7);
    }

    #[test]
    fn rounding_half_sum_rounds_away_from_zero() {
        assert_eq!(rounding_half_sum(1, 2), 2);
        assert_eq!(rounding_half_sum(-1, -2), -2);
        assert_eq!(rounding_half_sum(i32::MAX, i32::MAX), i32::MAX);
        assert_eq!(rounding_half_sum(0, i32::MAX), 1 << 30);
    }

    #[test]
    fn exp_of_zero_is_one() {
        assert_eq!(exp_on_negative_values(0, 5), i32::MAX);
    }

    #[test]
    fn exp_of_minus_one_quarter_is_the_barrel_constant() {
        // a = -1/4 exactly (Q5.26): a & mask = 0, a_mod - 1/4 = -1/4, remainder 0, so the result
        // is the polynomial at -1/4, which must agree with exp(-1/4) = 1672461947 / 2^31 up to
        // the Taylor remainder at distance 1/8 from -1/8: (1/8)^5 / 120 ~ 2.5e-7, ~550 LSB.
        let r = exp_on_negative_values(-(1 << 24), 5);
        assert!((r - 1_672_461_947).abs() < 1024, "{r}");
    }

    #[test]
    fn exp_is_accurate() {
        for &v in &[-0.01f64, -0.1, -0.3, -1.0, -2.5, -7.9, -15.0, -31.0] {
            let raw = (v * 2f64.powi(26)).round() as i32;
            let got = to_f(exp_on_negative_values(raw, 5), 0);
            assert!((got - v.exp()).abs() < 2e-7, "exp({v}) = {got}");
        }
    }

    #[test]
    fn logistic_and_tanh_are_accurate() {
        // Zero is exact: 1/2 and 0.
        assert_eq!(logistic(0, 4), 1 << 30);
        assert_eq!(tanh(0, 4), 0);
        for &v in &[-7.9f64, -3.0, -1.0, -0.25, 0.001, 0.5, 1.0, 2.0, 5.5, 7.99] {
            let raw = (v * 2f64.powi(27)).round() as i32;
            let l = to_f(logistic(raw, 4), 0);
            let t = to_f(tanh(raw, 4), 0);
            assert!(
                (l - 1.0 / (1.0 + (-v).exp())).abs() < 1e-6,
                "logistic({v}) = {l}"
            );
            assert!((t - v.tanh()).abs() < 1e-6, "tanh({v}) = {t}");
        }
        // logistic(-a) is One() - logistic(a), One() being i32::MAX.
        let a = 3 << 26;
        assert_eq!(logistic(-a, 4), i32::MAX - logistic(a, 4));
        assert_eq!(tanh(-a, 4), -tanh(a, 4));
    }

    #[test]
    fn one_minus_x_over_one_plus_x_is_accurate() {
        for &a in &[0.01f64, 0.25, 0.5, 0.9] {
            let raw = (a * 2f64.powi(31)).round() as i32;
            let got = to_f(one_minus_x_over_one_plus_x_for_x_in_0_1(raw), 0);
            assert!((got - (1.0 - a) / (1.0 + a)).abs() < 1e-8, "{a}: {got}");
        }
    }

    #[test]
    fn log_is_accurate() {
        // Inputs with 12 integer bits (Q12.19), outputs with 5 (Q5.26), as log-softmax uses it.
        for &x in &[1.0f64, 1.0001, 1.5, 2.0, 3.7, 10.0, 100.0, 1000.0, 4095.0] {
            let raw = (x * 2f64.powi(19)).round() as i32;
            let got = to_f(log_x_for_x_greater_than_or_equal_to_1(raw, 12, 5), 5);
            assert!((got - x.ln()).abs() < 1e-6, "ln({x}) = {got}");
        }
        // A different input format: 1.5 with 2 integer bits.
        let got = to_f(log_x_for_x_greater_than_or_equal_to_1(3 << 28, 2, 5), 5);
        assert!((got - 1.5f64.ln()).abs() < 1e-6, "{got}");
    }

    /// The sweep of runtime-c/tests/test_kernels.c (`test_fixed_point_sweeps`, seed 8): the
    /// log of 65536 pseudo-random positive Q12.19 values at least 1.0, hashed as its sweep_mix.
    #[test]
    fn log_runtime_c_sweep() {
        let mut state = 8u64;
        let mut next = || {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) >> 32) as u32
        };
        let mut h = 0xcbf2_9ce4_8422_2325u64;
        for _ in 0..65536 {
            let x = ((next() & 0x7FFF_FFFF) | (1 << 19)) as i32;
            let v = log_x_for_x_greater_than_or_equal_to_1(x, 12, 5);
            h = (h ^ v as u32 as u64).wrapping_mul(0x0100_0000_01B3);
        }
        assert_eq!(h, 0xF63B_7BED_FDD3_AE07);
    }

    #[test]
    fn reciprocal_is_accurate() {
        // 1 / (1 + a)
        for &a in &[0.0f64, 0.25, 0.5, 0.9] {
            let raw = (a * 2f64.powi(31)).round() as i32;
            let got = to_f(one_over_one_plus_x_for_x_in_0_1(raw), 0);
            assert!((got - 1.0 / (1.0 + a)).abs() < 1e-8, "1/(1+{a}) = {got}");
        }
        // 1 / 3 with 12 integer bits: 3 = 0b11 << 19; headroom_plus_one = 11, bits over unit 1.
        let (raw, bits) = get_reciprocal(3 << 19, 12);
        assert_eq!(bits, 1);
        let got = to_f(raw, 0) / 2f64.powi(bits);
        assert!((got - 1.0 / 3.0).abs() < 1e-8, "{got}");
    }
}
