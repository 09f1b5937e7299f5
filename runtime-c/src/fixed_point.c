/*
 * tmlc runtime: fixed-point arithmetic (owns the exported functions of tmlc/fixed_point.h).
 *
 * SRDHM, RoundingDivideByPOT, MultiplyByQuantizedMultiplier and SaturatingRoundingMultiplyByPOT
 * forward to the inline versions in internal.h; the gemmlowp exp and reciprocal used by the
 * int8 softmax and TFLite's log used by the int8 log-softmax live here. Everything mirrors dialects/tinyml/src/semantics/{quant,
 * fixed_point}.rs line by line; a raw value with I integer bits represents raw / 2^(31 - I).
 */
#include "tmlc/fixed_point.h"

#include "internal.h"

int32_t tmlc_saturating_rounding_doubling_high_mul(int32_t a, int32_t b)
{
    return tmlc_i_srdhm(a, b);
}

int32_t tmlc_rounding_divide_by_pot(int32_t x, int32_t exponent)
{
    return tmlc_i_rdbpot(x, exponent);
}

int32_t tmlc_multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int32_t shift)
{
    return tmlc_i_mbqm(x, multiplier, shift);
}

int32_t tmlc_saturating_rounding_multiply_by_pot(int32_t x, int32_t exponent)
{
    return tmlc_i_srmbpot(x, exponent);
}

int32_t tmlc_rounding_half_sum(int32_t a, int32_t b)
{
    int64_t sum = (int64_t)a + (int64_t)b;
    int64_t sign = sum >= 0 ? 1 : -1;
    return (int32_t)((sum + sign) / 2);
}

/* gemmlowp's FixedPoint::One() for a value with integer_bits integer bits (INT32_MAX when 1.0
 * is not representable, i.e. 0 integer bits). */
static int32_t one_raw(int32_t integer_bits)
{
    return integer_bits == 0 ? INT32_MAX : (int32_t)((uint32_t)1 << (31 - integer_bits));
}

int32_t tmlc_exp_on_interval_between_negative_one_quarter_and_0_excl(int32_t a)
{
    const int32_t exp_minus_one_eighth = 1895147668; /* exp(-1/8) in Q0.31 */
    const int32_t one_third = 715827883;             /* 1/3 in Q0.31 */
    int32_t x = tmlc_i_add_wrap(a, (int32_t)1 << 28); /* a + 1/8 */
    int32_t x2 = tmlc_i_srdhm(x, x);
    int32_t x3 = tmlc_i_srdhm(x2, x);
    int32_t x4 = tmlc_i_srdhm(x2, x2);
    int32_t x4_over_4 = tmlc_i_srmbpot(x4, -2);
    int32_t poly = tmlc_i_srmbpot(
        tmlc_i_add_wrap(tmlc_i_srdhm(tmlc_i_add_wrap(x4_over_4, x3), one_third), x2), -1);
    return tmlc_i_add_wrap(exp_minus_one_eighth,
                           tmlc_i_srdhm(exp_minus_one_eighth, tmlc_i_add_wrap(x, poly)));
}

int32_t tmlc_exp_on_negative_values(int32_t a, int32_t integer_bits)
{
    /* exp(-2^e) in Q0.31 for e = -2..4: the barrel shifter over the bits above 1/4. */
    static const int32_t barrel_exponent[7] = {-2, -1, 0, 1, 2, 3, 4};
    static const int32_t barrel_multiplier[7] = {1672461947, 1302514674, 790015084, 290630308,
                                                 39332535,   720401,     242};
    int32_t fractional_bits = 31 - integer_bits;
    int32_t one_quarter = (int32_t)1 << (fractional_bits - 2);
    int32_t mask = one_quarter - 1;
    int32_t a_mod_quarter_minus_one_quarter = tmlc_i_sub_wrap(a & mask, one_quarter);
    int32_t result = tmlc_exp_on_interval_between_negative_one_quarter_and_0_excl(
        tmlc_i_srmbpot(a_mod_quarter_minus_one_quarter, integer_bits)); /* Rescale<0> */
    int32_t remainder = tmlc_i_sub_wrap(a_mod_quarter_minus_one_quarter, a);
    int i;
    for (i = 0; i < 7; ++i) {
        if (integer_bits > barrel_exponent[i]) {
            int32_t shift = fractional_bits + barrel_exponent[i];
            if (shift >= 0 && shift < 31 && (remainder & ((int32_t)1 << shift)) != 0) {
                result = tmlc_i_srdhm(result, barrel_multiplier[i]);
            }
        }
    }
    if (integer_bits > 5) {
        int32_t clamp_bits = 36 - integer_bits;
        int32_t clamp;
        if (clamp_bits < 0) {
            clamp_bits = 0;
        } else if (clamp_bits > 30) {
            clamp_bits = 30;
        }
        clamp = -((int32_t)1 << clamp_bits); /* -32.0 */
        if (a < clamp) {
            result = 0;
        }
    }
    if (a == 0) {
        result = one_raw(0);
    }
    return result;
}

int32_t tmlc_one_over_one_plus_x_for_x_in_0_1(int32_t a)
{
    const int32_t c48_over_17 = 1515870810;     /* 2 integer bits */
    const int32_t cneg32_over_17 = -1010580540; /* 2 integer bits */
    int32_t half_denominator = tmlc_rounding_half_sum(a, one_raw(0)); /* 0 integer bits */
    int32_t x = tmlc_i_add_wrap(c48_over_17, tmlc_i_srdhm(half_denominator, cneg32_over_17));
    int i;
    for (i = 0; i < 3; ++i) {
        int32_t half_denominator_times_x = tmlc_i_srdhm(half_denominator, x); /* 2 bits */
        int32_t one_minus = tmlc_i_sub_wrap(one_raw(2), half_denominator_times_x);
        /* Rescale<2> of a 4-integer-bit product. */
        x = tmlc_i_add_wrap(x, tmlc_i_srmbpot(tmlc_i_srdhm(x, one_minus), 2));
    }
    /* ExactMulByPot<-1> (2 -> 1 integer bits, raw unchanged), then Rescale<0>. */
    return tmlc_i_srmbpot(x, 1);
}

/* Count of leading zero bits of a 32-bit value (32 for 0). */
static int32_t clz32(uint32_t x)
{
#if (defined(__GNUC__) || defined(__clang__)) && UINT_MAX == 0xFFFFFFFFu
    return x == 0 ? 32 : (int32_t)__builtin_clz(x);
#else
    int32_t n = 0;
    if (x == 0) {
        return 32;
    }
    while ((x & 0x80000000u) == 0) {
        x <<= 1;
        ++n;
    }
    return n;
#endif
}

int32_t tmlc_get_reciprocal(int32_t x, int32_t x_integer_digits, int32_t *num_bits_over_unit)
{
    int32_t headroom_plus_one = clz32((uint32_t)x);
    uint32_t shifted = headroom_plus_one < 32 ? (uint32_t)x << headroom_plus_one : 0u;
    *num_bits_over_unit = x_integer_digits - headroom_plus_one;
    return tmlc_one_over_one_plus_x_for_x_in_0_1(tmlc_i_s32(shifted - 0x80000000u));
}

/* TFLite's SaturatingAddNonGemmlowp / SaturatingSub on int32: the exact result, clamped. */
static int32_t saturate_s64(int64_t v)
{
    return v > INT32_MAX ? INT32_MAX : (v < INT32_MIN ? INT32_MIN : (int32_t)v);
}

int32_t tmlc_log_x_for_x_greater_than_or_equal_to_1(int32_t x, int32_t input_integer_bits,
                                                    int32_t output_integer_bits)
{
    const int32_t log_2 = 1488522236;
    const int32_t sqrt_sqrt_half = 1805811301;
    const int32_t sqrt_half = 1518500250;
    const int32_t one_quarter = 536870912;
    const int32_t alpha_n = 117049297;
    const int32_t alpha_d = 127690142;
    const int32_t alpha_i = 1057819769;
    const int32_t alpha_f = 638450708;
    const int32_t accum_integer_bits = output_integer_bits + 1;
    const int32_t shifted_quarter = tmlc_i_srmbpot(one_quarter, -accum_integer_bits);
    /* x's raw read as a value with 0 integer bits; the shifts are worked out here. */
    const int32_t z_a_headroom_plus_1 = clz32((uint32_t)x);
    const int32_t r_a_tmp = tmlc_i_srmbpot(x, z_a_headroom_plus_1 - 1);
    const int32_t r_a_raw = tmlc_i_srmbpot(tmlc_i_srdhm(r_a_tmp, sqrt_half), 1);
    const int32_t z_a_pow_2_adj = saturate_s64(
        (int64_t)tmlc_i_srmbpot(input_integer_bits - z_a_headroom_plus_1,
                                31 - accum_integer_bits) +
        shifted_quarter);
    /* z_b is x premultiplied by sqrt(1/2). */
    const int32_t z_b = tmlc_i_srdhm(x, sqrt_half);
    const int32_t z_b_headroom = clz32((uint32_t)z_b) - 1;
    const int32_t r_b_raw = tmlc_i_srmbpot(x, z_b_headroom);
    const int32_t z_b_pow_2_adj = saturate_s64(
        (int64_t)tmlc_i_srmbpot(input_integer_bits - z_b_headroom, 31 - accum_integer_bits) -
        shifted_quarter);
    const int32_t r = r_a_raw < r_b_raw ? r_a_raw : r_b_raw;
    const int32_t z_pow_2_adj = z_a_pow_2_adj > z_b_pow_2_adj ? z_a_pow_2_adj : z_b_pow_2_adj;
    const int32_t p = tmlc_rounding_half_sum(r, sqrt_sqrt_half);
    const int32_t q_half = tmlc_i_sub_wrap(r, sqrt_sqrt_half);
    const int32_t q = tmlc_i_add_wrap(q_half, q_half);
    const int32_t common_sq = tmlc_i_srdhm(q, q);
    const int32_t num = tmlc_i_add_wrap(tmlc_i_srdhm(q, r),
                                        tmlc_i_srdhm(tmlc_i_srdhm(q, common_sq), alpha_n));
    const int32_t denom_minus_one = tmlc_i_add_wrap(
        tmlc_i_srdhm(p, tmlc_i_add_wrap(tmlc_i_add_wrap(alpha_i, q),
                                        tmlc_i_srdhm(alpha_d, common_sq))),
        tmlc_i_srdhm(alpha_f, q));
    const int32_t recip_denom = tmlc_one_over_one_plus_x_for_x_in_0_1(denom_minus_one);
    const int32_t num_scaled = tmlc_i_srmbpot(num, -accum_integer_bits); /* Rescale 0 -> accum */
    return tmlc_i_srmbpot(tmlc_i_add_wrap(tmlc_i_srdhm(z_pow_2_adj, log_2),
                                          tmlc_i_srdhm(num_scaled, recip_denom)),
                          accum_integer_bits - output_integer_bits);
}
