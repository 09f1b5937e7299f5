//! gemmlowp's fixed-point arithmetic (`fixedpoint.h`) as used by TFLite's int8 softmax, on raw
//! `i32` values. A value with `I` integer bits represents `raw / 2^(31 - I)`; the caller tracks
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

/// gemmlowp `one_over_one_plus_x_for_x_in_0_1`: `1 / (1 + a)` for `a` in `[0, 1)`, 0 integer
/// bits in and out, by three Newton-Raphson steps from 48/17 - 32/17 * d (d = (1 + a) / 2).
pub fn one_over_one_plus_x_for_x_in_0_1(a: i32) -> i32 {
    const C48_OVER_17: i32 = 1_515_870_810; // 2 integer bits
    const CNEG32_OVER_17: i32 = -1_010_580_540; // 2 integer bits
    let half_denominator = rounding_half_sum(a, one(0)); // 0 integer bits
    let mut x = C48_OVER_17.wrapping_add(mul(half_denominator, CNEG32_OVER_17)); // 2 bits
    for _ in 0..3 {
        let half_denominator_times_x = mul(half_denominator, x); // 2 bits
        let one_minus = one(2).wrapping_sub(half_denominator_times_x); // 2 bits
        x = x.wrapping_add(rescale(mul(x, one_minus), 4, 2));
    }
    // ExactMulByPot<-1> (2 -> 1 integer bits, raw unchanged), then Rescale<0>.
    rescale(x, 1, 0)
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
