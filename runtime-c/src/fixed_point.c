/*
 * tmlc runtime: fixed-point arithmetic (owns the exported functions of tmlc/fixed_point.h).
 *
 * SRDHM, RoundingDivideByPOT, MultiplyByQuantizedMultiplier and SaturatingRoundingMultiplyByPOT
 * forward to the inline versions in internal.h; the gemmlowp exp and reciprocal used by the
 * int8 softmax live here. Everything mirrors dialects/tinyml/src/semantics/{quant,
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
