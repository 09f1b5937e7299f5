/*
 * tmlc runtime: fixed-point arithmetic (public API).
 *
 * Owns the integer requantization primitives that every int8 kernel uses and the gemmlowp
 * fixed-point helpers of the int8 softmax and log-softmax, exported so that generated code and tests can call
 * them. Each function computes bit for bit what its namesake in
 * dialects/tinyml/src/semantics/{quant,fixed_point}.rs computes (TFLite Micro's reference
 * arithmetic). Where the Rust code uses wrapping arithmetic, these functions wrap modulo 2^32
 * too, without undefined behaviour. No floating point.
 *
 * The kernels use private inline copies of the same code (src/internal.h) so that the hot
 * loops pay no call; these out-of-line versions are the reference entry points.
 */
#ifndef TMLC_FIXED_POINT_H
#define TMLC_FIXED_POINT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * gemmlowp SaturatingRoundingDoublingHighMul: (a * b * 2 + 2^31) / 2^32 computed on the int64
 * product with the nudge (1 - 2^30) for negative products and truncating division, so ties round
 * towards +infinity (1.5 -> 2, -1.5 -> -1). SRDHM(INT32_MIN, INT32_MIN) saturates to INT32_MAX.
 */
int32_t tmlc_saturating_rounding_doubling_high_mul(int32_t a, int32_t b);

/*
 * gemmlowp RoundingDivideByPOT: x / 2^exponent rounded to nearest, ties away from zero
 * (-5 / 2 -> -3). exponent is clamped to [0, 31].
 */
int32_t tmlc_rounding_divide_by_pot(int32_t x, int32_t exponent);

/*
 * TFLite's double-rounding MultiplyByQuantizedMultiplier: the real factor
 * multiplier * 2^(shift - 31) applied as
 * RoundingDivideByPOT(SRDHM(x * 2^max(shift, 0), multiplier), max(-shift, 0)).
 * The left shift wraps modulo 2^32 (as Rust's wrapping_mul); a left shift is clamped to 31.
 */
int32_t tmlc_multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int32_t shift);

/*
 * gemmlowp SaturatingRoundingMultiplyByPOT: a saturating left shift by exponent (> 0, clamped
 * to 31), a RoundingDivideByPOT by -exponent (< 0), or x (0).
 */
int32_t tmlc_saturating_rounding_multiply_by_pot(int32_t x, int32_t exponent);

/* gemmlowp RoundingHalfSum: (a + b) / 2 in 64 bits, rounded half away from zero. */
int32_t tmlc_rounding_half_sum(int32_t a, int32_t b);

/*
 * exp(a) for a in [-1/4, 0), a and the result with 0 integer bits (Q0.31): gemmlowp's
 * exp_on_interval_between_negative_one_quarter_and_0_excl.
 */
int32_t tmlc_exp_on_interval_between_negative_one_quarter_and_0_excl(int32_t a);

/*
 * gemmlowp exp_on_negative_values: exp(a) for a <= 0 given with integer_bits integer bits
 * (softmax uses 5, i.e. Q5.26; valid range 0..29); the result has 0 integer bits (Q0.31) and
 * exp(0) is INT32_MAX.
 */
int32_t tmlc_exp_on_negative_values(int32_t a, int32_t integer_bits);

/*
 * gemmlowp one_over_one_plus_x_for_x_in_0_1: 1 / (1 + a) for a in [0, 1), 0 integer bits in
 * and out, by three Newton-Raphson steps.
 */
int32_t tmlc_one_over_one_plus_x_for_x_in_0_1(int32_t a);

/*
 * TFLite's GetReciprocal: 1 / x for a positive x with x_integer_digits integer bits. Returns the
 * raw value r (0 integer bits) and stores num_bits_over_unit in *num_bits_over_unit, so that
 * 1 / x = r / 2^31 / 2^num_bits_over_unit.
 */
int32_t tmlc_get_reciprocal(int32_t x, int32_t x_integer_digits, int32_t *num_bits_over_unit);

/*
 * TFLite's log_x_for_x_greater_than_or_equal_to_1<output_integer_bits>: ln(x) for a positive x
 * with input_integer_bits integer bits, with output_integer_bits integer bits (log-softmax
 * passes its Q12.19 sum of exps and wants Q5.26). output_integer_bits must be below 30.
 */
int32_t tmlc_log_x_for_x_greater_than_or_equal_to_1(int32_t x, int32_t input_integer_bits,
                                                    int32_t output_integer_bits);

#ifdef __cplusplus
}
#endif

#endif /* TMLC_FIXED_POINT_H */
