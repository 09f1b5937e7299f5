/*
 * tmlc runtime: unit tests of the portable kernels (owns the test harness).
 *
 * Two kinds of tests:
 *  - hand-computed cases (the derivation is in the comments): fixed-point helpers at known
 *    values and one small case per kernel family;
 *  - vectors.h: pseudo-random cases whose constants and expected outputs were produced by the
 *    Rust reference (tmlc_tinyml::semantics), so that passing means bit-exact agreement.
 * Every kernel output is checked twice, into a buffer pre-filled with two different sentinel
 * bytes, so an element the kernel fails to write is caught; outputs are heap buffers of the
 * exact size so that AddressSanitizer (make test-sanitize) catches any overrun.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmlc/kernels.h"

static int g_checks;
static int g_failures;

#define CHECK_EQ_I32(what, got, want)                                                         \
    check_i32(__FILE__, __LINE__, (what), (int32_t)(got), (int32_t)(want))

static void check_i32(const char *file, int line, const char *what, int32_t got, int32_t want)
{
    ++g_checks;
    if (got != want) {
        ++g_failures;
        fprintf(stderr, "%s:%d: %s: got %ld, want %ld\n", file, line, what, (long)got,
                (long)want);
    }
}

/* Compares n int8 outputs; prints the first few differences. */
static void check_s8(const char *what, const int8_t *got, const int8_t *want, int32_t n)
{
    int32_t i;
    int shown = 0;
    ++g_checks;
    for (i = 0; i < n; ++i) {
        if (got[i] != want[i]) {
            if (shown == 0) {
                ++g_failures;
            }
            if (shown < 8) {
                fprintf(stderr, "%s: element %ld: got %d, want %d\n", what, (long)i, got[i],
                        want[i]);
            }
            ++shown;
        }
    }
    if (shown > 8) {
        fprintf(stderr, "%s: %d elements differ\n", what, shown);
    }
}

static int8_t *alloc_output(int32_t n, int fill)
{
    int8_t *p = (int8_t *)malloc(n > 0 ? (size_t)n : 1u);
    if (p == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    memset(p, fill, n > 0 ? (size_t)n : 1u);
    return p;
}

static const int k_sentinels[2] = {0x55, 0xAA};

/* ---------------------------------------------------------------------------------------- */
/* Case types of vectors.h                                                                   */

typedef struct {
    int32_t a, b, expected;
} srdhm_vec;
typedef struct {
    int32_t x, exponent, expected;
} rdbpot_vec;
typedef struct {
    int32_t x, multiplier, shift, expected;
} mbqm_vec;
typedef struct {
    int32_t x, exponent, expected;
} srmbpot_vec;
typedef struct {
    int32_t a, expected; /* exp_on_negative_values(a, 5) */
} exp_vec;
typedef struct {
    int32_t x, expected, expected_bits; /* get_reciprocal(x, 12) */
} recip_vec;

typedef struct {
    const char *name;
    const int8_t *input;
    int32_t batches, in_h, in_w, in_c, input_offset;
    const int8_t *filter;
    int32_t out_c, k_h, k_w, filter_in_c;
    const int32_t *bias, *multipliers, *shifts;
    int32_t stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left;
    int32_t out_h, out_w, output_offset, act_min, act_max;
    const int8_t *expected;
} conv_case;

typedef struct {
    const char *name;
    const int8_t *input;
    int32_t batches, in_h, in_w, in_c, input_offset;
    const int8_t *filter;
    int32_t depth_multiplier, k_h, k_w;
    const int32_t *bias, *multipliers, *shifts;
    int32_t stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left;
    int32_t out_h, out_w, output_offset, act_min, act_max;
    const int8_t *expected;
} depthwise_case;

typedef struct {
    const char *name;
    const int8_t *input;
    int32_t batches, in_depth, input_offset;
    const int8_t *weights;
    int32_t out_depth;
    const int32_t *bias, *multipliers, *shifts;
    int32_t per_channel, output_offset, act_min, act_max;
    const int8_t *expected;
} fc_case;

typedef struct {
    const char *name;
    int32_t is_max;
    const int8_t *input;
    int32_t batches, in_h, in_w, channels, filter_h, filter_w, stride_h, stride_w;
    int32_t pad_top, pad_left, out_h, out_w, output_zero_point, act_min, act_max;
    const int8_t *expected;
} pool_case;

typedef struct {
    const char *name;
    int32_t broadcast;
    const int8_t *input1;
    int32_t dims1[4];
    const int8_t *input2;
    int32_t dims2[4];
    int32_t size;
    int32_t input1_offset, input2_offset, output_offset, left_shift;
    int32_t input1_multiplier, input1_shift, input2_multiplier, input2_shift;
    int32_t output_multiplier, output_shift, act_min, act_max;
    const int8_t *expected;
} add_case;

typedef struct {
    const char *name;
    const int8_t *input;
    int32_t rows, depth, input_multiplier, input_left_shift, diff_min;
    const int8_t *expected;
} softmax_case;

typedef struct {
    const char *name;
    const int8_t *input;
    int32_t in_dims[4], pad_before[4], pad_after[4];
    int8_t pad_value;
    int32_t size;
    const int8_t *expected;
} pad_case;

typedef struct {
    const char *name;
    const int8_t *input;
    int32_t outer, reduce, inner, input_zero_point;
    int32_t q_multiplier, q_shift; /* QuantizeMultiplier(in_scale / out_scale) */
    int32_t multiplier, shift;     /* after folding 1/reduce */
    int32_t output_zero_point;
    const int8_t *expected;
} mean_case;

typedef struct {
    const char *name;
    int32_t num_inputs;
    const int8_t *inputs[3];
    int32_t axis_sizes[3];
    const int8_t *luts[3];
    int32_t outer, inner, size;
    const int8_t *expected;
} concat_case;

typedef struct {
    int32_t input1_offset, input2_offset, output_offset, left_shift;
    int32_t input1_multiplier, input1_shift, input2_multiplier, input2_shift;
    int32_t output_multiplier, output_shift, act_min, act_max;
    uint64_t hash; /* over the outputs of all 65536 (x, y) pairs, x major */
} add_sweep_case;

typedef struct {
    uint64_t seed;
    int32_t input_multiplier, input_left_shift, diff_min;
    uint64_t hash; /* over the outputs of 512 rows drawn from the seed */
} softmax_sweep_case;

#include "vectors.h"

#define COUNT(a) ((int32_t)(sizeof(a) / sizeof((a)[0])))

/* ---------------------------------------------------------------------------------------- */
/* Fixed point                                                                               */

static void test_fixed_point_known_values(void)
{
    int32_t bits = 0;
    int32_t r;
    /* SRDHM: saturation, 0.5 * 0.5, ties towards +infinity. */
    CHECK_EQ_I32("srdhm(MIN, MIN)",
                 tmlc_saturating_rounding_doubling_high_mul(INT32_MIN, INT32_MIN), INT32_MAX);
    CHECK_EQ_I32("srdhm(2^30, 2^30)",
                 tmlc_saturating_rounding_doubling_high_mul(1 << 30, 1 << 30), 1 << 29);
    CHECK_EQ_I32("srdhm(3, 0.5)", tmlc_saturating_rounding_doubling_high_mul(3, 1 << 30), 2);
    CHECK_EQ_I32("srdhm(-3, 0.5)", tmlc_saturating_rounding_doubling_high_mul(-3, 1 << 30), -1);
    CHECK_EQ_I32("srdhm(-5, 0.5)", tmlc_saturating_rounding_doubling_high_mul(-5, 1 << 30), -2);
    CHECK_EQ_I32("srdhm(-100, MAX)",
                 tmlc_saturating_rounding_doubling_high_mul(-100, INT32_MAX), -100);
    CHECK_EQ_I32("srdhm(MIN, MAX)",
                 tmlc_saturating_rounding_doubling_high_mul(INT32_MIN, INT32_MAX), -INT32_MAX);
    /* RoundingDivideByPOT: ties away from zero. */
    CHECK_EQ_I32("rdbpot(5, 1)", tmlc_rounding_divide_by_pot(5, 1), 3);
    CHECK_EQ_I32("rdbpot(-5, 1)", tmlc_rounding_divide_by_pot(-5, 1), -3);
    CHECK_EQ_I32("rdbpot(-4, 1)", tmlc_rounding_divide_by_pot(-4, 1), -2);
    CHECK_EQ_I32("rdbpot(-7, 2)", tmlc_rounding_divide_by_pot(-7, 2), -2);
    CHECK_EQ_I32("rdbpot(6, 2)", tmlc_rounding_divide_by_pot(6, 2), 2);
    CHECK_EQ_I32("rdbpot(-6, 2)", tmlc_rounding_divide_by_pot(-6, 2), -2);
    CHECK_EQ_I32("rdbpot(-5, 2)", tmlc_rounding_divide_by_pot(-5, 2), -1);
    CHECK_EQ_I32("rdbpot(MIN, 31)", tmlc_rounding_divide_by_pot(INT32_MIN, 31), -1);
    CHECK_EQ_I32("rdbpot(MAX, 31)", tmlc_rounding_divide_by_pot(INT32_MAX, 31), 1);
    CHECK_EQ_I32("rdbpot(MIN, 0)", tmlc_rounding_divide_by_pot(INT32_MIN, 0), INT32_MIN);
    /* MultiplyByQuantizedMultiplier: double rounding (1 * 0.25 gives 1, not 0). */
    CHECK_EQ_I32("mbqm(100, 0.5)", tmlc_multiply_by_quantized_multiplier(100, 1 << 30, 0), 50);
    CHECK_EQ_I32("mbqm(100, 0.125)", tmlc_multiply_by_quantized_multiplier(100, 1 << 30, -2),
                 13);
    CHECK_EQ_I32("mbqm(-100, 0.125)", tmlc_multiply_by_quantized_multiplier(-100, 1 << 30, -2),
                 -13);
    CHECK_EQ_I32("mbqm(100, 1.0)", tmlc_multiply_by_quantized_multiplier(100, 1 << 30, 1), 100);
    CHECK_EQ_I32("mbqm(1, 0.25)", tmlc_multiply_by_quantized_multiplier(1, 1 << 30, -1), 1);
    /* The left shift wraps: 2^30 * 2 = 2^31 wraps to INT32_MIN, times 0.5 = -2^30. */
    CHECK_EQ_I32("mbqm wraps", tmlc_multiply_by_quantized_multiplier(1 << 30, 1 << 30, 1),
                 -(1 << 30));
    /* SaturatingRoundingMultiplyByPOT. */
    CHECK_EQ_I32("srmbpot(3, 2)", tmlc_saturating_rounding_multiply_by_pot(3, 2), 12);
    CHECK_EQ_I32("srmbpot(2^29, 2)", tmlc_saturating_rounding_multiply_by_pot(1 << 29, 2),
                 INT32_MAX);
    CHECK_EQ_I32("srmbpot(-2^29, 2)", tmlc_saturating_rounding_multiply_by_pot(-(1 << 29), 2),
                 INT32_MIN);
    CHECK_EQ_I32("srmbpot(-2^29 + 1, 2)",
                 tmlc_saturating_rounding_multiply_by_pot(-(1 << 29) + 1, 2), INT32_MIN + 4);
    CHECK_EQ_I32("srmbpot(-6, -2)", tmlc_saturating_rounding_multiply_by_pot(-6, -2), -2);
    /* RoundingHalfSum. */
    CHECK_EQ_I32("half_sum(1, 2)", tmlc_rounding_half_sum(1, 2), 2);
    CHECK_EQ_I32("half_sum(-1, -2)", tmlc_rounding_half_sum(-1, -2), -2);
    CHECK_EQ_I32("half_sum(MAX, MAX)", tmlc_rounding_half_sum(INT32_MAX, INT32_MAX), INT32_MAX);
    /* exp(0) = 1 (INT32_MAX); exp(-1/4) is the first barrel constant up to the Taylor error. */
    CHECK_EQ_I32("exp(0)", tmlc_exp_on_negative_values(0, 5), INT32_MAX);
    r = tmlc_exp_on_negative_values(-(1 << 24), 5);
    CHECK_EQ_I32("exp(-1/4) ~ 1672461947", r > 1672461947 - 1024 && r < 1672461947 + 1024, 1);
    /* 1 / 3 with 12 integer bits: 3 << 19 has 11 leading zeros, one bit over unit, and
     * 2 * raw / 2^31 ~ 1/3, i.e. raw ~ 2^31 * 2/3 = 1431655765. */
    r = tmlc_get_reciprocal(3 << 19, 12, &bits);
    CHECK_EQ_I32("reciprocal(3) bits", bits, 1);
    CHECK_EQ_I32("reciprocal(3) ~ 2/3", r > 1431655765 - 8 && r < 1431655765 + 8, 1);
    /* 1 / (1 + 0) = 1 - 2^-31. */
    r = tmlc_one_over_one_plus_x_for_x_in_0_1(0);
    CHECK_EQ_I32("1/(1+0) ~ MAX", r > INT32_MAX - 8, 1);
}

static void test_fixed_point_vectors(void)
{
    int32_t i;
    for (i = 0; i < COUNT(srdhm_vectors); ++i) {
        const srdhm_vec *v = &srdhm_vectors[i];
        CHECK_EQ_I32("srdhm vector", tmlc_saturating_rounding_doubling_high_mul(v->a, v->b),
                     v->expected);
    }
    for (i = 0; i < COUNT(rdbpot_vectors); ++i) {
        const rdbpot_vec *v = &rdbpot_vectors[i];
        CHECK_EQ_I32("rdbpot vector", tmlc_rounding_divide_by_pot(v->x, v->exponent),
                     v->expected);
    }
    for (i = 0; i < COUNT(mbqm_vectors); ++i) {
        const mbqm_vec *v = &mbqm_vectors[i];
        CHECK_EQ_I32("mbqm vector",
                     tmlc_multiply_by_quantized_multiplier(v->x, v->multiplier, v->shift),
                     v->expected);
    }
    for (i = 0; i < COUNT(srmbpot_vectors); ++i) {
        const srmbpot_vec *v = &srmbpot_vectors[i];
        CHECK_EQ_I32("srmbpot vector", tmlc_saturating_rounding_multiply_by_pot(v->x, v->exponent),
                     v->expected);
    }
    for (i = 0; i < COUNT(exp_vectors); ++i) {
        const exp_vec *v = &exp_vectors[i];
        CHECK_EQ_I32("exp vector", tmlc_exp_on_negative_values(v->a, 5), v->expected);
    }
    for (i = 0; i < COUNT(recip_vectors); ++i) {
        const recip_vec *v = &recip_vectors[i];
        int32_t bits = 0;
        CHECK_EQ_I32("reciprocal vector", tmlc_get_reciprocal(v->x, 12, &bits), v->expected);
        CHECK_EQ_I32("reciprocal vector bits", bits, v->expected_bits);
    }
}

/*
 * Sweeps: the Rust oracle ran the same generator (splitmix64, high 32 bits) over the same
 * inputs and folded its results with sweep_mix; equal hashes mean equal results on all of them.
 */
static uint64_t g_sweep_state;

static uint32_t sweep_next(void)
{
    uint64_t z;
    g_sweep_state += 0x9E3779B97F4A7C15ull;
    z = g_sweep_state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (uint32_t)((z ^ (z >> 31)) >> 32);
}

static uint64_t sweep_mix(uint64_t h, int32_t v)
{
    return (h ^ (uint64_t)(uint32_t)v) * 0x100000001B3ull;
}

#define SWEEP_N 65536
#define SWEEP_BASIS 0xcbf29ce484222325ull

/* The int32 / int8 with the bit pattern of u (Rust's `as`), without implementation-defined
 * conversions. */
static int32_t bits_s32(uint32_t u)
{
    return u <= (uint32_t)INT32_MAX ? (int32_t)u : (int32_t)(u - 0x80000000u) - INT32_MAX - 1;
}

static int8_t bits_s8(uint32_t u)
{
    int32_t v = (int32_t)(u & 0xFFu);
    return (int8_t)(v > 127 ? v - 256 : v);
}

static void check_hash(const char *what, uint64_t got, uint64_t want)
{
    ++g_checks;
    if (got != want) {
        ++g_failures;
        fprintf(stderr, "%s: sweep hash differs from the Rust reference\n", what);
    }
}

static void test_fixed_point_sweeps(void)
{
    uint64_t h;
    int32_t i;

    g_sweep_state = 1; h = SWEEP_BASIS;
    for (i = 0; i < SWEEP_N; ++i) {
        const int32_t a = bits_s32(sweep_next());
        const int32_t b = bits_s32(sweep_next());
        h = sweep_mix(h, tmlc_saturating_rounding_doubling_high_mul(a, b));
    }
    check_hash("srdhm sweep", h, sweep_hashes[0]);

    g_sweep_state = 2; h = SWEEP_BASIS;
    for (i = 0; i < SWEEP_N; ++i) {
        const int32_t x = bits_s32(sweep_next());
        const int32_t e = (int32_t)(sweep_next() % 32u);
        h = sweep_mix(h, tmlc_rounding_divide_by_pot(x, e));
    }
    check_hash("rdbpot sweep", h, sweep_hashes[1]);

    g_sweep_state = 3; h = SWEEP_BASIS;
    for (i = 0; i < SWEEP_N; ++i) {
        const uint32_t u = sweep_next();
        const int32_t x = i % 2 == 0 ? bits_s32(u) : (int32_t)(u & 0xFFFFFu) - 0x80000;
        const int32_t m = (int32_t)((1u << 30) + sweep_next() % (1u << 30));
        const int32_t sh = (int32_t)(sweep_next() % 48u) - 31;
        h = sweep_mix(h, tmlc_multiply_by_quantized_multiplier(x, m, sh));
    }
    check_hash("mbqm sweep", h, sweep_hashes[2]);

    g_sweep_state = 4; h = SWEEP_BASIS;
    for (i = 0; i < SWEEP_N; ++i) {
        const int32_t x = bits_s32(sweep_next());
        const int32_t e = (int32_t)(sweep_next() % 80u) - 40;
        h = sweep_mix(h, tmlc_saturating_rounding_multiply_by_pot(x, e));
    }
    check_hash("srmbpot sweep", h, sweep_hashes[3]);

    g_sweep_state = 5; h = SWEEP_BASIS;
    for (i = 0; i < SWEEP_N; ++i) {
        const uint32_t k = sweep_next() % 31u + 1u;
        const int32_t a = -(int32_t)(sweep_next() % (1u << k));
        h = sweep_mix(h, tmlc_exp_on_negative_values(a, 5));
    }
    check_hash("exp sweep", h, sweep_hashes[4]);

    g_sweep_state = 6; h = SWEEP_BASIS;
    for (i = 0; i < SWEEP_N; ++i) {
        const int32_t a = (int32_t)(sweep_next() & 0x7FFFFFFFu);
        h = sweep_mix(h, tmlc_one_over_one_plus_x_for_x_in_0_1(a));
    }
    check_hash("one_over_one_plus_x sweep", h, sweep_hashes[5]);

    g_sweep_state = 7; h = SWEEP_BASIS;
    for (i = 0; i < SWEEP_N; ++i) {
        const int32_t x = (int32_t)((sweep_next() & 0x7FFFFFFFu) | 1u);
        int32_t bits = 0;
        const int32_t v = tmlc_get_reciprocal(x, 12, &bits);
        h = sweep_mix(sweep_mix(h, v), bits);
    }
    check_hash("get_reciprocal sweep", h, sweep_hashes[6]);

    /* The log of log-softmax on Q12.19 values of at least 1.0, to Q5.26; the hash is pinned
     * by fixed_point.rs's log_runtime_c_sweep. */
    g_sweep_state = 8; h = SWEEP_BASIS;
    for (i = 0; i < SWEEP_N; ++i) {
        const int32_t x = (int32_t)((sweep_next() & 0x7FFFFFFFu) | (1u << 19));
        h = sweep_mix(h, tmlc_log_x_for_x_greater_than_or_equal_to_1(x, 12, 5));
    }
    check_hash("log_x sweep", h, 0xF63B7BEDFDD3AE07ull);
}

static void test_add_sweeps(void)
{
    int8_t *x = alloc_output(65536, 0);
    int8_t *y = alloc_output(65536, 0);
    int8_t *out = alloc_output(65536, 0);
    int32_t i, k;
    for (i = 0; i < 65536; ++i) {
        x[i] = bits_s8((uint32_t)i >> 8);
        y[i] = bits_s8((uint32_t)i);
    }
    for (k = 0; k < COUNT(add_sweeps); ++k) {
        const add_sweep_case *c = &add_sweeps[k];
        uint64_t h = SWEEP_BASIS;
        tmlc_add_s8(x, y, out, 65536, c->input1_offset, c->input2_offset, c->output_offset,
                    c->left_shift, c->input1_multiplier, c->input1_shift, c->input2_multiplier,
                    c->input2_shift, c->output_multiplier, c->output_shift, c->act_min,
                    c->act_max);
        for (i = 0; i < 65536; ++i) {
            h = sweep_mix(h, out[i]);
        }
        check_hash("add exhaustive sweep", h, c->hash);
        /* The table kernel on the table of these results: the same bytes, on a size that is
         * not a multiple of 4, and in place over input1. */
        {
            int8_t *table = alloc_output(65536, 0);
            int8_t *got = alloc_output(65536, 0);
            for (i = 0; i < 65536; ++i) {
                table[((x[i] + 128) << 8) + y[i] + 128] = out[i];
            }
            tmlc_add_table_s8(x, y, table, got, 65535);
            for (i = 0; i < 65535; ++i) {
                CHECK_EQ_I32("add table", got[i], out[i]);
            }
            memcpy(got, x, 65536);
            tmlc_add_table_s8(got, y, table, got, 65536);
            for (i = 0; i < 65536; ++i) {
                CHECK_EQ_I32("add table in place", got[i], out[i]);
            }
            free(table);
            free(got);
        }
    }
    free(x);
    free(y);
    free(out);
}

static void test_softmax_sweeps(void)
{
    int32_t k, r, i;
    for (k = 0; k < COUNT(softmax_sweeps); ++k) {
        const softmax_sweep_case *c = &softmax_sweeps[k];
        uint64_t h = SWEEP_BASIS;
        g_sweep_state = c->seed;
        for (r = 0; r < 512; ++r) {
            int8_t row[16];
            int8_t out[16];
            const int32_t depth = (int32_t)(sweep_next() % 16u) + 1;
            for (i = 0; i < depth; ++i) {
                row[i] = bits_s8(sweep_next());
            }
            tmlc_softmax_s8(row, 1, depth, c->input_multiplier, c->input_left_shift,
                            c->diff_min, out);
            for (i = 0; i < depth; ++i) {
                h = sweep_mix(h, out[i]);
            }
        }
        check_hash("softmax sweep", h, c->hash);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Kernel runners (shared by hand cases and vectors)                                         */

static void run_conv(const conv_case *c)
{
    const int32_t n = c->batches * c->out_h * c->out_w * c->out_c;
    int s;
    for (s = 0; s < 2; ++s) {
        int8_t *out = alloc_output(n, k_sentinels[s]);
        tmlc_conv2d_grouped_s8(c->input, c->batches, c->in_h, c->in_w, c->in_c, c->input_offset,
                               c->filter, c->out_c, c->k_h, c->k_w, c->filter_in_c, c->bias,
                               c->multipliers, c->shifts, c->stride_h, c->stride_w,
                               c->dilation_h, c->dilation_w, c->pad_top, c->pad_left, out,
                               c->out_h, c->out_w, c->output_offset, c->act_min, c->act_max);
        check_s8(c->name, out, c->expected, n);
        if (c->filter_in_c == c->in_c) { /* the plain entry point gives the same */
            memset(out, k_sentinels[s], (size_t)n);
            tmlc_conv2d_s8(c->input, c->batches, c->in_h, c->in_w, c->in_c, c->input_offset,
                           c->filter, c->out_c, c->k_h, c->k_w, c->bias, c->multipliers,
                           c->shifts, c->stride_h, c->stride_w, c->dilation_h, c->dilation_w,
                           c->pad_top, c->pad_left, out, c->out_h, c->out_w, c->output_offset,
                           c->act_min, c->act_max);
            check_s8(c->name, out, c->expected, n);
        }
        free(out);
    }
}

static void run_depthwise(const depthwise_case *c)
{
    const int32_t n = c->batches * c->out_h * c->out_w * c->in_c * c->depth_multiplier;
    int s;
    for (s = 0; s < 2; ++s) {
        int8_t *out = alloc_output(n, k_sentinels[s]);
        tmlc_depthwise_conv2d_s8(c->input, c->batches, c->in_h, c->in_w, c->in_c,
                                 c->input_offset, c->filter, c->depth_multiplier, c->k_h, c->k_w,
                                 c->bias, c->multipliers, c->shifts, c->stride_h, c->stride_w,
                                 c->dilation_h, c->dilation_w, c->pad_top, c->pad_left, out,
                                 c->out_h, c->out_w, c->output_offset, c->act_min, c->act_max);
        check_s8(c->name, out, c->expected, n);
        free(out);
    }
}

static void run_fc(const fc_case *c)
{
    const int32_t n = c->batches * c->out_depth;
    int s;
    for (s = 0; s < 2; ++s) {
        int8_t *out = alloc_output(n, k_sentinels[s]);
        tmlc_fully_connected_s8(c->input, c->batches, c->in_depth, c->input_offset, c->weights,
                                c->out_depth, c->bias, c->multipliers, c->shifts,
                                c->per_channel, out, c->output_offset, c->act_min, c->act_max);
        check_s8(c->name, out, c->expected, n);
        free(out);
    }
}

static void run_pool(const pool_case *c)
{
    const int32_t n = c->batches * c->out_h * c->out_w * c->channels;
    int s;
    for (s = 0; s < 2; ++s) {
        int8_t *out = alloc_output(n, k_sentinels[s]);
        if (c->is_max) {
            tmlc_max_pool2d_s8(c->input, c->batches, c->in_h, c->in_w, c->channels, c->filter_h,
                               c->filter_w, c->stride_h, c->stride_w, c->pad_top, c->pad_left,
                               out, c->out_h, c->out_w, c->act_min, c->act_max);
        } else {
            tmlc_avg_pool2d_s8(c->input, c->batches, c->in_h, c->in_w, c->channels, c->filter_h,
                               c->filter_w, c->stride_h, c->stride_w, c->pad_top, c->pad_left,
                               out, c->out_h, c->out_w, c->output_zero_point, c->act_min,
                               c->act_max);
        }
        check_s8(c->name, out, c->expected, n);
        free(out);
    }
}

/* ADD, or SUB (which takes the same parameters) when subtract. */
typedef void (*add_kernel)(const int8_t *, const int8_t *, int8_t *, int32_t, int32_t, int32_t,
                           int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t,
                           int32_t, int32_t, int32_t);
typedef void (*add_broadcast_kernel)(const int8_t *, const int32_t *, const int8_t *,
                                     const int32_t *, int8_t *, int32_t, int32_t, int32_t,
                                     int32_t, int32_t, int32_t, int32_t, int32_t, int32_t,
                                     int32_t, int32_t, int32_t);

static void call_add(const add_case *c, const int8_t *in1, const int8_t *in2, int8_t *out,
                     int broadcast, int subtract)
{
    if (broadcast) {
        const add_broadcast_kernel kernel =
            subtract ? tmlc_sub_broadcast4d_s8 : tmlc_add_broadcast4d_s8;
        kernel(in1, c->dims1, in2, c->dims2, out, c->input1_offset, c->input2_offset,
               c->output_offset, c->left_shift, c->input1_multiplier, c->input1_shift,
               c->input2_multiplier, c->input2_shift, c->output_multiplier, c->output_shift,
               c->act_min, c->act_max);
    } else {
        const add_kernel kernel = subtract ? tmlc_sub_s8 : tmlc_add_s8;
        kernel(in1, in2, out, c->size, c->input1_offset, c->input2_offset, c->output_offset,
               c->left_shift, c->input1_multiplier, c->input1_shift, c->input2_multiplier,
               c->input2_shift, c->output_multiplier, c->output_shift, c->act_min, c->act_max);
    }
}

static void run_add_or_sub(const add_case *c, int subtract)
{
    int s;
    for (s = 0; s < 2; ++s) {
        int8_t *out = alloc_output(c->size, k_sentinels[s]);
        call_add(c, c->input1, c->input2, out, c->broadcast, subtract);
        check_s8(c->name, out, c->expected, c->size);
        if (!c->broadcast) {
            /* The broadcast kernel on equal shapes, and both in place. */
            memset(out, k_sentinels[s], (size_t)c->size);
            call_add(c, c->input1, c->input2, out, 1, subtract);
            check_s8(c->name, out, c->expected, c->size);
            memcpy(out, c->input1, (size_t)c->size);
            call_add(c, out, c->input2, out, 0, subtract);
            check_s8(c->name, out, c->expected, c->size);
            memcpy(out, c->input2, (size_t)c->size);
            call_add(c, c->input1, out, out, 1, subtract);
            check_s8(c->name, out, c->expected, c->size);
        }
        free(out);
    }
}

static void run_add(const add_case *c)
{
    run_add_or_sub(c, 0);
}

/* MUL cases (not in vectors.h): same_shape runs tmlc_mul_s8 on size elements, otherwise
 * tmlc_mul_broadcast4d_s8 on dims1 x dims2 (size = elements of the broadcast output). */
typedef struct {
    const char *name;
    int32_t broadcast;
    const int8_t *input1;
    int32_t dims1[4];
    const int8_t *input2;
    int32_t dims2[4];
    int32_t size;
    int32_t input1_offset, input2_offset, output_offset;
    int32_t output_multiplier, output_shift, act_min, act_max;
    const int8_t *expected;
} mul_case;

static void call_mul(const mul_case *c, const int8_t *in1, const int8_t *in2, int8_t *out,
                     int broadcast)
{
    if (broadcast) {
        tmlc_mul_broadcast4d_s8(in1, c->dims1, in2, c->dims2, out, c->input1_offset,
                                c->input2_offset, c->output_offset, c->output_multiplier,
                                c->output_shift, c->act_min, c->act_max);
    } else {
        tmlc_mul_s8(in1, in2, out, c->size, c->input1_offset, c->input2_offset,
                    c->output_offset, c->output_multiplier, c->output_shift, c->act_min,
                    c->act_max);
    }
}

/* Runs c into sentinel-filled outputs; same-shape cases also through the broadcast kernel
 * (dims1 == dims2), and every case in place where the contract allows it (output == an input
 * whose 4-D shape is the output shape). */
static void run_mul(const mul_case *c)
{
    int in_place1 = 1;
    int in_place2 = 1;
    int s, d;
    for (d = 0; d < 4; ++d) {
        const int32_t out_d = c->dims1[d] == 1 ? c->dims2[d] : c->dims1[d];
        in_place1 = in_place1 && c->dims1[d] == out_d;
        in_place2 = in_place2 && c->dims2[d] == out_d;
    }
    for (s = 0; s < 2; ++s) {
        int8_t *out = alloc_output(c->size, k_sentinels[s]);
        call_mul(c, c->input1, c->input2, out, c->broadcast);
        check_s8(c->name, out, c->expected, c->size);
        if (!c->broadcast) {
            memset(out, k_sentinels[s], (size_t)c->size);
            call_mul(c, c->input1, c->input2, out, 1);
            check_s8(c->name, out, c->expected, c->size);
        }
        if (in_place1) {
            memcpy(out, c->input1, (size_t)c->size);
            call_mul(c, out, c->input2, out, c->broadcast);
            check_s8(c->name, out, c->expected, c->size);
        }
        if (in_place2) {
            memcpy(out, c->input2, (size_t)c->size);
            call_mul(c, c->input1, out, out, c->broadcast);
            check_s8(c->name, out, c->expected, c->size);
        }
        free(out);
    }
}

static void run_softmax(const softmax_case *c)
{
    const int32_t n = c->rows * c->depth;
    int s;
    for (s = 0; s < 2; ++s) {
        int8_t *out = alloc_output(n, k_sentinels[s]);
        tmlc_softmax_s8(c->input, c->rows, c->depth, c->input_multiplier, c->input_left_shift,
                        c->diff_min, out);
        check_s8(c->name, out, c->expected, n);
        /* In place. */
        memcpy(out, c->input, (size_t)n);
        tmlc_softmax_s8(out, c->rows, c->depth, c->input_multiplier, c->input_left_shift,
                        c->diff_min, out);
        check_s8(c->name, out, c->expected, n);
        free(out);
    }
}

static void run_pad(const pad_case *c)
{
    int s;
    for (s = 0; s < 2; ++s) {
        int8_t *out = alloc_output(c->size, k_sentinels[s]);
        tmlc_pad_s8(c->input, c->in_dims, c->pad_before, c->pad_after, c->pad_value, out);
        check_s8(c->name, out, c->expected, c->size);
        free(out);
    }
}

static void run_mean(const mean_case *c)
{
    const int32_t n = c->outer * c->inner;
    int32_t m = 0, sh = 0;
    int s;
    tmlc_mean_fold_multiplier(c->q_multiplier, c->q_shift, c->reduce, &m, &sh);
    CHECK_EQ_I32(c->name, m, c->multiplier);
    CHECK_EQ_I32(c->name, sh, c->shift);
    for (s = 0; s < 2; ++s) {
        int8_t *out = alloc_output(n, k_sentinels[s]);
        tmlc_mean_s8(c->input, c->outer, c->reduce, c->inner, c->input_zero_point,
                     c->multiplier, c->shift, c->output_zero_point, out);
        check_s8(c->name, out, c->expected, n);
        free(out);
    }
}

static void run_concat(const concat_case *c)
{
    int s;
    for (s = 0; s < 2; ++s) {
        int8_t *out = alloc_output(c->size, k_sentinels[s]);
        tmlc_concat_s8(c->inputs, c->axis_sizes, c->luts, c->num_inputs, c->outer, c->inner,
                       out);
        check_s8(c->name, out, c->expected, c->size);
        free(out);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Hand-computed kernel cases                                                                */

static const int32_t k_one_mult[4] = {1 << 30, 1 << 30, 1 << 30, 1 << 30}; /* with shift 1: x1 */
static const int32_t k_one_shift[4] = {1, 1, 1, 1};

static void test_conv_hand(void)
{
    /* 1x1 conv (conv2d.rs): input 1x1x2x2 zp 1; filter 2x1x1x2 with effective scales 1 and 0.5
     * ((2^30, 1) and (2^30, 0)); bias (10, -4); output zp -3.
     * pixel 0 (2, 4): oc0 = 2 + 8 + 10 = 20 -> 17; oc1 = -6 + 16 - 4 = 6 -> 3 -> 0.
     * pixel 1 (-2, 0): oc0 = -2 + 10 = 8 -> 5; oc1 = 6 - 4 = 2 -> 1 -> -2. */
    static const int8_t input[4] = {3, 5, -1, 1};
    static const int8_t filter[4] = {1, 2, -3, 4};
    static const int32_t bias[2] = {10, -4};
    static const int32_t mult[2] = {1 << 30, 1 << 30};
    static const int32_t shift[2] = {1, 0};
    static const int8_t want1x1[4] = {17, 0, 5, -2};
    /* 3x3 SAME stride 2 on a 4x4 input of ones: total padding 1, all at the bottom/right, so
     * output (0,0) sees 9 taps, (0,1) and (1,0) 6, (1,1) 4. */
    static const int8_t ones[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    static const int8_t want_s2[4] = {9, 6, 6, 4};
    /* 3x3 SAME stride 1 on a 3x3 input (pad 1 on every side), input 1..9 with zp 0, filter of
     * ones, output zp 0: each output is the sum of its 3x3 neighbourhood inside the input. */
    static const int8_t in3[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    static const int8_t want_s1[9] = {12, 21, 16, 27, 45, 33, 24, 39, 28};
    conv_case c;
    memset(&c, 0, sizeof c);
    c.name = "hand conv 1x1";
    c.input = input;
    c.batches = 1; c.in_h = 1; c.in_w = 2; c.in_c = 2; c.input_offset = -1;
    c.filter = filter; c.out_c = 2; c.k_h = 1; c.k_w = 1; c.filter_in_c = 2;
    c.bias = bias; c.multipliers = mult; c.shifts = shift;
    c.stride_h = 1; c.stride_w = 1; c.dilation_h = 1; c.dilation_w = 1;
    c.out_h = 1; c.out_w = 2; c.output_offset = -3; c.act_min = -128; c.act_max = 127;
    c.expected = want1x1;
    run_conv(&c);

    c.name = "hand conv 3x3 same stride 2";
    c.input = ones; c.in_h = 4; c.in_w = 4; c.in_c = 1; c.input_offset = 0;
    c.filter = ones; c.out_c = 1; c.k_h = 3; c.k_w = 3; c.filter_in_c = 1; c.bias = NULL;
    c.multipliers = k_one_mult; c.shifts = k_one_shift;
    c.stride_h = 2; c.stride_w = 2; c.pad_top = 0; c.pad_left = 0;
    c.out_h = 2; c.out_w = 2; c.output_offset = 0; c.expected = want_s2;
    run_conv(&c);

    c.name = "hand conv 3x3 same stride 1 border";
    c.input = in3; c.in_h = 3; c.in_w = 3;
    c.stride_h = 1; c.stride_w = 1; c.pad_top = 1; c.pad_left = 1;
    c.out_h = 3; c.out_w = 3; c.expected = want_s1;
    run_conv(&c);
}

static void test_depthwise_hand(void)
{
    /* depthwise_conv2d.rs: input 1x1x2x2 zp -1 (offsets: pixel0 (2, 3), pixel1 (4, 5)),
     * filter 1x1x2x4 (kw 2, multiplier 2), bias (0, 0, 0, 1), all scales 1.
     * oc0 (c0) = 1*2 + 1*4 = 6; oc1 (c0) = 0*2 - 1*4 = -4; oc2 (c1) = 0*3 + 1*5 = 5;
     * oc3 (c1) = 2*3 + 0*5 + 1 = 7. */
    static const int8_t input[4] = {1, 2, 3, 4};
    static const int8_t filter[8] = {1, 0, 0, 2, 1, -1, 1, 0};
    static const int32_t bias[4] = {0, 0, 0, 1};
    static const int8_t want[4] = {6, -4, 5, 7};
    depthwise_case c;
    memset(&c, 0, sizeof c);
    c.name = "hand depthwise multiplier 2";
    c.input = input; c.batches = 1; c.in_h = 1; c.in_w = 2; c.in_c = 2; c.input_offset = 1;
    c.filter = filter; c.depth_multiplier = 2; c.k_h = 1; c.k_w = 2;
    c.bias = bias; c.multipliers = k_one_mult; c.shifts = k_one_shift;
    c.stride_h = 1; c.stride_w = 1; c.dilation_h = 1; c.dilation_w = 1;
    c.out_h = 1; c.out_w = 1; c.output_offset = 0; c.act_min = -128; c.act_max = 127;
    c.expected = want;
    run_depthwise(&c);
}

/* The in-place depthwise kernel on a Rust-derived case (multiplier 1, batch 1): the buffer
 * holds the input, then must hold exactly the expected output at its start. */
static void run_depthwise_inplace(const depthwise_case *c)
{
    const int32_t in_n = c->in_h * c->in_w * c->in_c;
    const int32_t out_n = c->out_h * c->out_w * c->in_c;
    int8_t *buffer = alloc_output(in_n, 0);
    int8_t *scratch = alloc_output(c->out_h * c->out_w, 0x5a);
    memcpy(buffer, c->input, (size_t)in_n);
    tmlc_depthwise_conv2d_inplace_s8(buffer, c->in_h, c->in_w, c->in_c, c->input_offset,
                                     c->filter, c->k_h, c->k_w, c->bias, c->multipliers,
                                     c->shifts, c->stride_h, c->stride_w, c->dilation_h,
                                     c->dilation_w, c->pad_top, c->pad_left, c->out_h, c->out_w,
                                     c->output_offset, c->act_min, c->act_max, scratch);
    check_s8(c->name, buffer, c->expected, out_n);
    free(buffer);
    free(scratch);
}

/* In place versus out of place on pseudo-random data over shapes the models use: 3x3 and 5x5,
 * stride 1 and 2, SAME (even and odd sizes) and VALID. */
static void test_depthwise_inplace_matches(void)
{
    static const int32_t shapes[][6] = {
        /* in_h, in_w, channels, k, stride, pad (leading) */
        {8, 8, 16, 3, 1, 1}, {8, 8, 16, 3, 2, 0}, {7, 9, 5, 3, 2, 1},
        {10, 6, 8, 5, 1, 2}, {9, 9, 3, 5, 2, 2}, {6, 6, 4, 3, 1, 0},
    };
    uint32_t seed = 12345u;
    int32_t s, i;
    for (s = 0; s < (int32_t)(sizeof shapes / sizeof shapes[0]); ++s) {
        const int32_t in_h = shapes[s][0], in_w = shapes[s][1], ch = shapes[s][2];
        const int32_t k = shapes[s][3], stride = shapes[s][4], pad = shapes[s][5];
        const int32_t valid = (pad == 0 && stride == 1);
        const int32_t out_h = valid ? in_h - k + 1 : (in_h + stride - 1) / stride;
        const int32_t out_w = valid ? in_w - k + 1 : (in_w + stride - 1) / stride;
        const int32_t in_n = in_h * in_w * ch, out_n = out_h * out_w * ch;
        int8_t *input = alloc_output(in_n, 0), *filter = alloc_output(k * k * ch, 0);
        int8_t *want = alloc_output(out_n, 0), *scratch = alloc_output(out_h * out_w, 0);
        int32_t *bias = (int32_t *)malloc((size_t)ch * sizeof(int32_t));
        int32_t *mult = (int32_t *)malloc((size_t)ch * sizeof(int32_t));
        int32_t *shift = (int32_t *)malloc((size_t)ch * sizeof(int32_t));
        char name[64];
        for (i = 0; i < in_n; ++i) {
            seed = seed * 1103515245u + 12345u;
            input[i] = (int8_t)(seed >> 24);
        }
        for (i = 0; i < k * k * ch; ++i) {
            seed = seed * 1103515245u + 12345u;
            filter[i] = (int8_t)(seed >> 24);
        }
        for (i = 0; i < ch; ++i) {
            bias[i] = (int32_t)(i * 37) - 100;
            mult[i] = 1288490189 + i * 1000;
            shift[i] = -7 - (i % 3);
        }
        tmlc_depthwise_conv2d_s8(input, 1, in_h, in_w, ch, 3, filter, 1, k, k, bias, mult,
                                 shift, stride, stride, 1, 1, pad, pad, want, out_h, out_w, -5,
                                 -128, 127);
        tmlc_depthwise_conv2d_inplace_s8(input, in_h, in_w, ch, 3, filter, k, k, bias, mult,
                                         shift, stride, stride, 1, 1, pad, pad, out_h, out_w,
                                         -5, -128, 127, scratch);
        sprintf(name, "depthwise in place, shape %ld", (long)s);
        check_s8(name, input, want, out_n);
        free(input); free(filter); free(want); free(scratch);
        free(bias); free(mult); free(shift);
    }
}

/* RELU6 as a clamp and QUANTIZE int8 -> int8, hand-derived (semantics/activation.rs tests):
 * scale 0.5, zp -10: relu6 range [-10, 2]; requantize 0.5 -> 1.0 (multiplier 2^30, shift 0),
 * output zp 5, ties of the halving go towards +infinity. */
static void test_elementwise_hand(void)
{
    static const int8_t relu_in[7] = {-128, -11, -10, 0, 2, 3, 127};
    static const int8_t relu6_want[7] = {-10, -10, -10, 0, 2, 2, 2};
    static const int8_t req_in[7] = {-128, -3, -1, 0, 1, 3, 127};
    static const int8_t req_want[7] = {-59, 4, 5, 5, 6, 7, 69};
    int8_t *out = alloc_output(7, 0);
    tmlc_clamp_s8(relu_in, out, 7, -10, 2);
    check_s8("clamp (relu6)", out, relu6_want, 7);
    tmlc_requantize_s8(req_in, out, 7, 0, 1073741824, 0, 5);
    check_s8("requantize", out, req_want, 7);
    memcpy(out, req_in, 7);
    tmlc_requantize_s8(out, out, 7, 0, 1073741824, 0, 5);
    check_s8("requantize in place", out, req_want, 7);
    free(out);
}

static void test_fc_hand(void)
{
    /* fully_connected.rs: x zp 2, w [[1, -1], [2, 3]], bias (1, -20), effective scale 2
     * (2^30, 2), output zp -5, relu (act_min -5).
     * b0 x - zp = (2, 1): o0 = 2 - 1 + 1 = 2 -> 4 - 5 = -1; o1 = 4 + 3 - 20 = -13 -> -31 -> -5.
     * b1 (0, 4): o0 = -3 -> -11 -> -5; o1 = -8 -> -21 -> -5. */
    static const int8_t input[4] = {4, 3, 2, 6};
    static const int8_t weights[4] = {1, -1, 2, 3};
    static const int32_t bias[2] = {1, -20};
    static const int32_t mult[1] = {1 << 30};
    static const int32_t shift[1] = {2};
    static const int8_t want[4] = {-1, -5, -5, -5};
    fc_case c;
    memset(&c, 0, sizeof c);
    c.name = "hand fully connected";
    c.input = input; c.batches = 2; c.in_depth = 2; c.input_offset = -2;
    c.weights = weights; c.out_depth = 2; c.bias = bias; c.multipliers = mult; c.shifts = shift;
    c.per_channel = 0; c.output_offset = -5; c.act_min = -5; c.act_max = 127;
    c.expected = want;
    run_fc(&c);
}

static void test_pool_hand(void)
{
    /* 2x2 VALID average pools with sums 5 (1.25 -> 1), 6 (1.5 -> 2), -5 (-1.25 -> -1) and
     * -6 (-1.5 -> -2): negative sums round half away from zero. */
    static const int8_t input[16] = {1,  1,  2,  2,  1,  2,  1,  1,
                                     -1, -1, -2, -2, -2, -1, -1, -1};
    static const int8_t want_avg[4] = {1, 2, -1, -2};
    /* 3x3 SAME stride 1 average on 3x3 (10..90): corner (0,0) 120 / 4 = 30, edge (0,1)
     * 210 / 6 = 35, centre 450 / 9 = 50, ... */
    static const int8_t in3[9] = {10, 20, 30, 40, 50, 60, 70, 80, 90};
    static const int8_t want_same[9] = {30, 35, 40, 45, 50, 55, 60, 65, 70};
    /* Max pool 2x2 of (-5, -3, -7, -1): -1; with relu (act_min 0): 0. */
    static const int8_t neg[4] = {-5, -3, -7, -1};
    static const int8_t want_max[1] = {-1};
    static const int8_t want_max_relu[1] = {0};
    pool_case c;
    memset(&c, 0, sizeof c);
    c.name = "hand avg pool rounding";
    c.input = input; c.batches = 1; c.in_h = 4; c.in_w = 4; c.channels = 1;
    c.filter_h = 2; c.filter_w = 2; c.stride_h = 2; c.stride_w = 2;
    c.out_h = 2; c.out_w = 2; c.act_min = -128; c.act_max = 127; c.expected = want_avg;
    run_pool(&c);

    c.name = "hand avg pool same";
    c.input = in3; c.in_h = 3; c.in_w = 3; c.filter_h = 3; c.filter_w = 3;
    c.stride_h = 1; c.stride_w = 1; c.pad_top = 1; c.pad_left = 1; c.out_h = 3; c.out_w = 3;
    c.expected = want_same;
    run_pool(&c);

    c.name = "hand max pool";
    c.is_max = 1; c.input = neg; c.in_h = 2; c.in_w = 2; c.filter_h = 2; c.filter_w = 2;
    c.stride_h = 2; c.stride_w = 2; c.pad_top = 0; c.pad_left = 0; c.out_h = 1; c.out_w = 1;
    c.expected = want_max;
    run_pool(&c);
    c.name = "hand max pool relu";
    c.act_min = 0; c.expected = want_max_relu;
    run_pool(&c);
}

static void test_add_hand(void)
{
    /* All scales 1, zero points 0 (add.rs broadcast_add): input multipliers 1/2 = (2^30, 0),
     * output 2 / 2^20 = (2^30, -18); [2, 3] + [3] and [2, 1] + [1, 3]. */
    static const int8_t a[6] = {1, 2, 3, 4, 5, 6};
    static const int8_t b[3] = {10, 20, 30};
    static const int8_t col[2] = {1, 2};
    static const int8_t want_row[6] = {11, 22, 33, 14, 25, 36};
    static const int8_t want_outer[6] = {11, 21, 31, 12, 22, 32};
    /* Same shape, x scale 1, y scale 0.5, out scale 1, relu (add.rs different_scales_round):
     * input multipliers 1/2 (2^30, 0) and 1/4 (2^30, -1), output 2/2^20 (2^30, -18):
     * 3 + 1 = 4; 3 + 1.5 = 4.5 -> 5; -3 - 1.5 -> relu 0. */
    static const int8_t x[3] = {3, 3, -3};
    static const int8_t y[3] = {2, 3, -3};
    static const int8_t want_scaled[3] = {4, 5, 0};
    add_case c;
    memset(&c, 0, sizeof c);
    c.left_shift = 20;
    c.input1_multiplier = 1 << 30; c.input1_shift = 0;
    c.input2_multiplier = 1 << 30; c.input2_shift = 0;
    c.output_multiplier = 1 << 30; c.output_shift = -18;
    c.act_min = -128; c.act_max = 127;

    c.name = "hand add broadcast row"; c.broadcast = 1; c.size = 6;
    c.input1 = a; c.dims1[0] = 1; c.dims1[1] = 1; c.dims1[2] = 2; c.dims1[3] = 3;
    c.input2 = b; c.dims2[0] = 1; c.dims2[1] = 1; c.dims2[2] = 1; c.dims2[3] = 3;
    c.expected = want_row;
    run_add(&c);

    c.name = "hand add broadcast outer";
    c.input1 = col; c.dims1[2] = 2; c.dims1[3] = 1;
    c.input2 = b; c.dims2[2] = 1; c.dims2[3] = 3;
    c.expected = want_outer;
    run_add(&c);

    c.name = "hand add scales"; c.broadcast = 0; c.size = 3;
    c.input1 = x; c.input2 = y; c.dims1[2] = 1; c.dims1[3] = 3; c.dims2[3] = 3;
    c.input2_shift = -1; c.act_min = 0; c.expected = want_scaled;
    run_add(&c);
}

static void test_mul_hand(void)
{
    /* Hand-computed (the same cases as mul.rs's unit tests, which assert these values).
     * Scales 0.5 * 0.5 / 0.25 = 1 = (2^30, 1), zero points 1, -2, 5:
     * (x - 1) * (y + 2) + 5 = 2 * 4 + 5, -2 * 6 + 5, -1 * 0 + 5, 10 * 12 + 5. */
    static const int8_t zx[4] = {3, -1, 0, 11};
    static const int8_t zy[4] = {2, 4, -2, 10};
    static const int8_t want_zp[4] = {13, -7, 5, 125};
    /* Scales 1 (2^30, 1): x * y = 6, -12, 130, -130, 16129, 16384, -16256, clamped. */
    static const int8_t sx[7] = {2, -3, 10, -10, 127, -128, -128};
    static const int8_t sy[7] = {3, 4, 13, 13, 127, -128, 127};
    static const int8_t want_sat[7] = {6, -12, 127, -128, 127, 127, -128};
    /* Output scale 2: (2^30, 0), SRDHM ties towards +infinity: 3/2 -> 2, -3/2 -> -1, 5/2 -> 3,
     * -5/2 -> -2. Output scale 4: (2^30, -1), two roundings: 1 -> 1 -> 1 (0.25 would give 0 in
     * one), 6 -> 3 -> 2, -6 -> -3 -> -2, 2 -> 1 -> 1. */
    static const int8_t r1[4] = {3, -3, 5, -5};
    static const int8_t r2[4] = {1, 6, -6, 2};
    static const int8_t ones[4] = {1, 1, 1, 1};
    static const int8_t want_half[4] = {2, -1, 3, -2};
    static const int8_t want_quarter[4] = {1, 2, -2, 1};
    /* [1, 1, 1, 3] x [1, 2, 2, 3], scales 1: c[i % 3] * b[i]; with zero points 1 (c) and -1
     * (b): (c - 1) * (b + 1) = [0, -3, 2] x [2 .. 13]. */
    static const int8_t ch[3] = {1, -2, 3};
    static const int8_t b12[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    static const int8_t want_ch[12] = {1, -4, 9, 4, -10, 18, 7, -16, 27, 10, -22, 36};
    static const int8_t want_ch_zp[12] = {0, -9, 8, 0, -18, 14, 0, -27, 20, 0, -36, 26};
    /* [2, 1] x [1, 3]. */
    static const int8_t col[2] = {1, 2};
    static const int8_t row[3] = {10, 20, 30};
    static const int8_t want_outer[6] = {10, 20, 30, 20, 40, 60};
    /* Scalar 3 times [2, 3]: 3, -6, 9, 120, -150 -> -128, 180 -> 127. */
    static const int8_t three[1] = {3};
    static const int8_t a6[6] = {1, -2, 3, 40, -50, 60};
    static const int8_t want_scalar[6] = {3, -6, 9, 120, -128, 127};
    /* Scales 0.5 * 0.5 / 0.25 (2^30, 1), output zero point -10: x * y - 10 = -16, -7, 8, 25,
     * 16119 -> 127; relu clamps at -10, relu6 at [-10, -10 + 6 / 0.25 = 14]. */
    static const int8_t ax[5] = {-3, 1, 2, 5, 127};
    static const int8_t ay[5] = {2, 3, 9, 7, 127};
    static const int8_t want_none[5] = {-16, -7, 8, 25, 127};
    static const int8_t want_relu[5] = {-10, -7, 8, 25, 127};
    static const int8_t want_relu6[5] = {-10, -7, 8, 14, 14};
    /* From the Rust reference (mul.rs, test runtime_c_vectors, which asserts these constants
     * and outputs): MulParams::prepare and semantics::mul on the same data.
     * [1, 2, 2, 3] (scale 0.05, zp -7) x [1, 1, 1, 3] (0.0235, 12) -> (0.04, -60), relu6:
     * (2018634635, -5), act [-60, 90]; both operand orders. */
    static const int8_t va[12] = {-100, 37, 5, 127, -128, 64, 0, -7, 99, -55, 18, 120};
    static const int8_t vc[3] = {90, -128, 33};
    static const int8_t want_va[12] = {-60, -60, -53, 90, 90, -16, -44, -60, 5, -60, -60, 18};
    /* Same shape (0.5, 1) x (0.5, -2) -> (0.01, -128): multiplier 25 = (1677721638, 5). */
    static const int8_t vx[8] = {1, 2, -3, 10, -10, 127, -128, 0};
    static const int8_t vy[8] = {-2, 3, 4, 5, 7, -128, -128, 100};
    static const int8_t want_vx[8] = {-128, -3, -128, 127, -128, -128, 127, -128};
    /* [2, 3] (0.02, 3) x [1] (0.7, -90) -> (0.05, 10): 0.28 = (1202590778, -1); x = -1 gives
     * -280 -> SRDHM -157 -> RDBPOT -79 (double rounding) -> -69. */
    static const int8_t vs[6] = {-128, -64, -1, 0, 63, 127};
    static const int8_t vk[1] = {-20};
    static const int8_t want_vs[6] = {-128, -128, -69, -49, 127, 127};
    static const mul_case cases[] = {
        {"hand mul zero points", 0, zx, {1, 1, 1, 4}, zy, {1, 1, 1, 4}, 4, -1, 2, 5, 1 << 30, 1,
         -128, 127, want_zp},
        {"hand mul saturate", 0, sx, {1, 1, 1, 7}, sy, {1, 1, 1, 7}, 7, 0, 0, 0, 1 << 30, 1,
         -128, 127, want_sat},
        {"hand mul round half", 0, r1, {1, 1, 1, 4}, ones, {1, 1, 1, 4}, 4, 0, 0, 0, 1 << 30, 0,
         -128, 127, want_half},
        {"hand mul round quarter", 0, r2, {1, 1, 1, 4}, ones, {1, 1, 1, 4}, 4, 0, 0, 0, 1 << 30,
         -1, -128, 127, want_quarter},
        {"hand mul broadcast channels", 1, ch, {1, 1, 1, 3}, b12, {1, 2, 2, 3}, 12, 0, 0, 0,
         1 << 30, 1, -128, 127, want_ch},
        {"hand mul broadcast channels swapped", 1, b12, {1, 2, 2, 3}, ch, {1, 1, 1, 3}, 12, 0, 0,
         0, 1 << 30, 1, -128, 127, want_ch},
        {"hand mul broadcast channels zp", 1, ch, {1, 1, 1, 3}, b12, {1, 2, 2, 3}, 12, -1, 1, 0,
         1 << 30, 1, -128, 127, want_ch_zp},
        {"hand mul broadcast channels zp swapped", 1, b12, {1, 2, 2, 3}, ch, {1, 1, 1, 3}, 12, 1,
         -1, 0, 1 << 30, 1, -128, 127, want_ch_zp},
        {"hand mul broadcast outer", 1, col, {1, 1, 2, 1}, row, {1, 1, 1, 3}, 6, 0, 0, 0,
         1 << 30, 1, -128, 127, want_outer},
        {"hand mul scalar first", 1, three, {1, 1, 1, 1}, a6, {1, 1, 2, 3}, 6, 0, 0, 0, 1 << 30,
         1, -128, 127, want_scalar},
        {"hand mul scalar second", 1, a6, {1, 1, 2, 3}, three, {1, 1, 1, 1}, 6, 0, 0, 0, 1 << 30,
         1, -128, 127, want_scalar},
        {"hand mul no activation", 0, ax, {1, 1, 1, 5}, ay, {1, 1, 1, 5}, 5, 0, 0, -10, 1 << 30,
         1, -128, 127, want_none},
        {"hand mul relu", 0, ax, {1, 1, 1, 5}, ay, {1, 1, 1, 5}, 5, 0, 0, -10, 1 << 30, 1, -10,
         127, want_relu},
        {"hand mul relu6", 0, ax, {1, 1, 1, 5}, ay, {1, 1, 1, 5}, 5, 0, 0, -10, 1 << 30, 1, -10,
         14, want_relu6},
        {"rust mul broadcast relu6", 1, va, {1, 2, 2, 3}, vc, {1, 1, 1, 3}, 12, 7, -12, -60,
         2018634635, -5, -60, 90, want_va},
        {"rust mul broadcast relu6 swapped", 1, vc, {1, 1, 1, 3}, va, {1, 2, 2, 3}, 12, -12, 7,
         -60, 2018634635, -5, -60, 90, want_va},
        {"rust mul multiplier 25", 0, vx, {1, 1, 1, 8}, vy, {1, 1, 1, 8}, 8, -1, 2, -128,
         1677721638, 5, -128, 127, want_vx},
        {"rust mul scalar double rounding", 1, vs, {1, 1, 2, 3}, vk, {1, 1, 1, 1}, 6, -3, 90, 10,
         1202590778, -1, -128, 127, want_vs},
    };
    int32_t i;
    for (i = 0; i < COUNT(cases); ++i) {
        run_mul(&cases[i]);
    }
}

/* Exhaustive MUL sweeps: all 65536 (x, y) pairs per parameter set, hashed like
 * test_add_sweeps. Constants and hashes from the Rust reference (mul.rs, runtime_c_vectors:
 * MulParams::prepare of the scales / zero points / activation in the comments, semantics::mul
 * on the same pairs, folded with sweep_mix). */
static void test_mul_sweeps(void)
{
    typedef struct {
        int32_t input1_offset, input2_offset, output_offset, output_multiplier, output_shift;
        int32_t act_min, act_max;
        uint64_t hash;
    } mul_sweep_case;
    static const mul_sweep_case sweeps[] = {
        /* (0.05, -7) x (0.0235, 12) -> (0.0117, -20) */
        {7, -12, -20, 1725328756, -3, -128, 127, 0xC6D58B6B8F3EC421ull},
        /* (0.1, 0) x (0.2, 0) -> (0.3, 0), relu (the f64 product; f32 gives 1145324672) */
        {0, 0, 0, 1145324601, -3, 0, 127, 0x964A781B6F747978ull},
        /* (1, 5) x (1, -3) -> (2^-16, 0): multiplier 2^16, MBQM's left shift 17 wraps */
        {-5, 3, 0, 1073741824, 17, -128, 127, 0x22CD39EE3A0D72BBull},
        /* (0.001, 100) x (0.002, -100) -> (0.5, 3), relu6 */
        {-100, 100, 3, 1125900014, -17, 3, 15, 0x49E8FB35D9CF2325ull},
        /* (0.5, 1) x (0.5, -2) -> (0.01, -128), relu6 */
        {-1, 2, -128, 1677721638, 5, -128, 127, 0x2B4BBAAFD2413977ull},
    };
    int8_t *x = alloc_output(65536, 0);
    int8_t *y = alloc_output(65536, 0);
    int8_t *out = alloc_output(65536, 0);
    int32_t i, k;
    for (i = 0; i < 65536; ++i) {
        x[i] = bits_s8((uint32_t)i >> 8);
        y[i] = bits_s8((uint32_t)i);
    }
    for (k = 0; k < COUNT(sweeps); ++k) {
        const mul_sweep_case *c = &sweeps[k];
        uint64_t h = SWEEP_BASIS;
        tmlc_mul_s8(x, y, out, 65536, c->input1_offset, c->input2_offset, c->output_offset,
                    c->output_multiplier, c->output_shift, c->act_min, c->act_max);
        for (i = 0; i < 65536; ++i) {
            h = sweep_mix(h, out[i]);
        }
        check_hash("mul exhaustive sweep", h, c->hash);
    }
    free(x);
    free(y);
    free(out);
}

static void test_softmax_hand(void)
{
    /* Parameters of SoftmaxParams::prepare(1.0, 0.0625): (2^30, 23), diff_min -248 (the
     * multiplier is 2^22: a difference of d raw units is d / 16 in real, d * 2^22 in Q5.26).
     * Row (7, 7): two equal entries, 1/2 = 128/256 -> 0 each.
     * Row (5, 5, 5, 5): 1/4 = 64/256 -> -64 each.
     * Row (100, -100): difference -200 >= -248 but exp(-12.5) = 3.7e-6 -> 0.00095/256 -> -128;
     * the max gets ~1.0 = 256/256 -> 128 -> saturates at 127.
     * A single element: 127. */
    static const int8_t two[2] = {7, 7};
    static const int8_t want_two[2] = {0, 0};
    static const int8_t four[4] = {5, 5, 5, 5};
    static const int8_t want_four[4] = {-64, -64, -64, -64};
    static const int8_t far[2] = {100, -100};
    static const int8_t want_far[2] = {127, -128};
    static const int8_t one[1] = {-3};
    static const int8_t want_one[1] = {127};
    softmax_case c;
    c.input_multiplier = 1 << 30; c.input_left_shift = 23; c.diff_min = -248;
    c.name = "hand softmax 2 equal"; c.input = two; c.rows = 1; c.depth = 2;
    c.expected = want_two;
    run_softmax(&c);
    c.name = "hand softmax 4 equal"; c.input = four; c.rows = 1; c.depth = 4;
    c.expected = want_four;
    run_softmax(&c);
    c.name = "hand softmax far apart"; c.input = far; c.rows = 1; c.depth = 2;
    c.expected = want_far;
    run_softmax(&c);
    c.name = "hand softmax single"; c.input = one; c.rows = 1; c.depth = 1;
    c.expected = want_one;
    run_softmax(&c);
}

static void test_pad_hand(void)
{
    /* pad.rs: [1, 2, 2, 1] padded by one row on top and one column on the right with the
     * output zero point -7. */
    static const int8_t input[4] = {1, 2, 3, 4};
    static const int8_t want[9] = {-7, -7, -7, 1, 2, -7, 3, 4, -7};
    pad_case c;
    memset(&c, 0, sizeof c);
    c.name = "hand pad";
    c.input = input;
    c.in_dims[0] = 1; c.in_dims[1] = 2; c.in_dims[2] = 2; c.in_dims[3] = 1;
    c.pad_before[1] = 1; c.pad_after[2] = 1;
    c.pad_value = -7; c.size = 9; c.expected = want;
    run_pad(&c);
}

static void test_mean_hand(void)
{
    /* mean.rs: 1x2x2x2, channels interleaved c0 = (1, 2, 3, 4), c1 = (-1, -2, -3, -4), scales
     * equal: q = (2^30, 1); n = 4 folds to (2^30, -1); 10 -> 5 -> 5/2 -> 3 and -10 -> -3.
     * Then n = 3: (2^30, 1) folds with shift 1 to (2^31 / 3 = 715827882, 0); 7 / 3 -> 2. */
    static const int8_t input[8] = {1, -1, 2, -2, 3, -3, 4, -4};
    static const int8_t want[2] = {3, -3};
    static const int8_t three[3] = {1, 2, 4};
    static const int8_t want3[1] = {2};
    mean_case c;
    memset(&c, 0, sizeof c);
    c.name = "hand mean hw";
    c.input = input; c.outer = 1; c.reduce = 4; c.inner = 2;
    c.q_multiplier = 1 << 30; c.q_shift = 1; c.multiplier = 1 << 30; c.shift = -1;
    c.expected = want;
    run_mean(&c);
    /* Folding when 31 + q_shift limits the shift: q = (2^30, -29), n = 16:
     * s = min(4, 32, 2) = 2, multiplier 2^32 / 16 = 2^28, shift -31. With q_shift -31, s = 0
     * and the division by n loses 4 bits: 2^30 / 16 = 2^26. And n = 1: unchanged. */
    {
        int32_t m = 0, sh = 0;
        tmlc_mean_fold_multiplier(1 << 30, -29, 16, &m, &sh);
        CHECK_EQ_I32("mean fold limited by q_shift", m, 1 << 28);
        CHECK_EQ_I32("mean fold limited by q_shift: shift", sh, -31);
        tmlc_mean_fold_multiplier(1 << 30, -31, 16, &m, &sh);
        CHECK_EQ_I32("mean fold with q_shift -31", m, 1 << 26);
        CHECK_EQ_I32("mean fold with q_shift -31: shift", sh, -31);
        tmlc_mean_fold_multiplier(1234567890, 3, 1, &m, &sh);
        CHECK_EQ_I32("mean fold n = 1", m, 1234567890);
        CHECK_EQ_I32("mean fold n = 1: shift", sh, 3);
    }
    c.name = "hand mean n3";
    c.input = three; c.outer = 1; c.reduce = 3; c.inner = 1;
    c.multiplier = 715827882; c.shift = 0; c.expected = want3;
    run_mean(&c);
}

static void test_concat_hand(void)
{
    /* concat.rs: [1, 2, 1] and [1, 2, 2] along axis 2: outer 2, inner 1. */
    static const int8_t a[2] = {1, 2};
    static const int8_t b[4] = {3, 4, 5, 6};
    static const int8_t want[6] = {1, 3, 4, 2, 5, 6};
    concat_case c;
    memset(&c, 0, sizeof c);
    c.name = "hand concat copy";
    c.num_inputs = 2; c.inputs[0] = a; c.inputs[1] = b;
    c.axis_sizes[0] = 1; c.axis_sizes[1] = 2;
    c.outer = 2; c.inner = 1; c.size = 6; c.expected = want;
    run_concat(&c);
    /* luts == NULL altogether means every input is copied. */
    {
        int8_t out[6];
        tmlc_concat_s8(c.inputs, c.axis_sizes, NULL, 2, 2, 1, out);
        check_s8("hand concat NULL luts", out, want, 6);
    }
}

/* The bits of a float, to compare floats exactly. */
static uint32_t float_bits(float value)
{
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    return bits;
}

static float float_of_bits(uint32_t bits)
{
    float value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

static void test_float_edges_hand(void)
{
    /* float_edges.rs's tests: round half away from zero, clamp, NaN gives the zero point. */
    const float in[7] = {0.25f, -0.25f, 0.74f, 1000.0f, -1000.0f, 0.0f / 0.0f, 1.0f / 0.0f};
    static const int8_t want[7] = {1, -1, 1, 127, -128, 0, 127};
    static const int8_t want_zp3[7] = {4, 2, 4, 127, -128, 3, 127};
    int8_t out[7];
    /* Dequantize with scale 0x3c007070 (0.007839307f), zero point 3: the bits come from the
     * Rust reference (the double product rounded once to float). */
    static const int8_t q[4] = {-128, 5, 10, 127};
    static const uint32_t want_bits[4] = {0xbf837313u, 0x3c807070u, 0x3d60c4c4u, 0x3f78d9d9u};
    float deq[4];
    int32_t i;
    tmlc_quantize_f32_s8(in, out, 7, 0.5f, 0);
    check_s8("quantize, zero point 0", out, want, 7);
    tmlc_quantize_f32_s8(in, out, 7, 0.5f, 3);
    check_s8("quantize, zero point 3", out, want_zp3, 7);
    tmlc_dequantize_s8_f32(q, deq, 4, float_of_bits(0x3c007070u), 3);
    for (i = 0; i < 4; ++i) {
        CHECK_EQ_I32("dequantize bits", (int32_t)float_bits(deq[i]), (int32_t)want_bits[i]);
    }
}

static void test_log_softmax_f32_hand(void)
{
    /* One row of 4: the bits are x - max - logf(sum of expf(x - max)) with glibc's expf and
     * logf, the reference's (and the golden data's) libm. Another libm may differ in the last
     * bit; this test runs on the host. */
    const float in[4] = {1.5f, -0.25f, 3.0f, 0.75f};
    static const uint32_t want[4] = {0xbfe80b2au, 0xc0640595u, 0xbea02ca6u, 0xc0240595u};
    float out[4];
    int32_t i;
    tmlc_log_softmax_f32(in, 1, 4, out);
    for (i = 0; i < 4; ++i) {
        CHECK_EQ_I32("log_softmax bits", (int32_t)float_bits(out[i]), (int32_t)want[i]);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Data movement: transpose, resize, strided slice                                           */

static void test_transpose_hand(void)
{
    /* transpose.rs: [1, 2, 3, 2] holding its flat index, NHWC -> NCHW (perm 0 3 1 2), as 5-D:
     * dims 1 1 2 3 2, perm 0 1 4 2 3. Channel 0 is the even values, channel 1 the odd. */
    static const int32_t dims[5] = {1, 1, 2, 3, 2};
    static const int32_t perm[5] = {0, 1, 4, 2, 3};
    static const int8_t want[12] = {0, 2, 4, 6, 8, 10, 1, 3, 5, 7, 9, 11};
    int8_t input[12];
    int32_t i;
    int s;
    for (i = 0; i < 12; ++i) {
        input[i] = (int8_t)i;
    }
    for (s = 0; s < 2; ++s) {
        int8_t *out = alloc_output(12, k_sentinels[s]);
        tmlc_transpose_s8(input, dims, perm, out);
        check_s8("hand transpose nhwc -> nchw", out, want, 12);
        free(out);
    }
}

/* Every permutation of a 2x3x1x4x2 tensor holding its flat index: each output element must be
 * the input element whose coordinate along perm[d] is the output's coordinate along d. */
static void test_transpose_every_permutation(void)
{
    static const int32_t dims[5] = {2, 3, 1, 4, 2};
    int8_t input[48];
    int8_t want[48];
    int32_t perm[5];
    int32_t code, i, d;
    int permutations = 0;
    for (i = 0; i < 48; ++i) {
        input[i] = (int8_t)i;
    }
    for (code = 0; code < 3125; ++code) {
        int32_t seen = 0, c = code;
        int32_t out_dims[5], in_strides[5];
        int s;
        for (d = 0; d < 5; ++d) {
            perm[d] = c % 5;
            c /= 5;
            seen |= 1 << perm[d];
        }
        if (seen != 31) {
            continue;
        }
        ++permutations;
        in_strides[4] = 1;
        for (d = 3; d >= 0; --d) {
            in_strides[d] = in_strides[d + 1] * dims[d + 1];
        }
        for (d = 0; d < 5; ++d) {
            out_dims[d] = dims[perm[d]];
        }
        for (i = 0; i < 48; ++i) {
            int32_t rest = i, source = 0;
            for (d = 4; d >= 0; --d) {
                source += (rest % out_dims[d]) * in_strides[perm[d]];
                rest /= out_dims[d];
            }
            want[i] = input[source];
        }
        for (s = 0; s < 2; ++s) {
            int8_t *out = alloc_output(48, k_sentinels[s]);
            tmlc_transpose_s8(input, dims, perm, out);
            check_s8("transpose permutation", out, want, 48);
            free(out);
        }
    }
    CHECK_EQ_I32("transpose permutations tried", permutations, 120);
}

static void test_resize_nearest_neighbor_hand(void)
{
    /* resize_nearest_neighbor.rs: [1, 2, 2, 2] upsampled by 2 (the MCUNet detector's case):
     * nearest_source_index gives rows = cols = 0 0 1 1. */
    static const int8_t input[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    static const int32_t twice[4] = {0, 0, 1, 1};
    static const int8_t want[32] = {1, 2, 1, 2, 3, 4, 3, 4, 1, 2, 1, 2, 3, 4, 3, 4,
                                    5, 6, 5, 6, 7, 8, 7, 8, 5, 6, 5, 6, 7, 8, 7, 8};
    /* [2, 1, 2, 1] to width 3 (scale 2/3: floor(0, 0.67, 1.33) = 0 0 1), per batch. */
    static const int8_t two_batches[4] = {1, 2, 3, 4};
    static const int32_t one_row[1] = {0};
    static const int32_t widen[3] = {0, 0, 1};
    static const int8_t want_batches[6] = {1, 1, 2, 3, 3, 4};
    /* [1, 3, 1, 1] to height 5 with half_pixel_centers: rows 0 0 1 2 2. */
    static const int8_t column[3] = {-7, 0, 9};
    static const int32_t half_pixel[5] = {0, 0, 1, 2, 2};
    static const int32_t one_col[1] = {0};
    static const int8_t want_half[5] = {-7, -7, 0, 9, 9};
    int s;
    for (s = 0; s < 2; ++s) {
        int8_t *out = alloc_output(32, k_sentinels[s]);
        tmlc_resize_nearest_neighbor_s8(input, 1, 2, 2, 2, twice, twice, out, 4, 4);
        check_s8("hand resize x2", out, want, 32);
        free(out);
        out = alloc_output(6, k_sentinels[s]);
        tmlc_resize_nearest_neighbor_s8(two_batches, 2, 1, 2, 1, one_row, widen, out, 1, 3);
        check_s8("hand resize batches", out, want_batches, 6);
        free(out);
        out = alloc_output(5, k_sentinels[s]);
        tmlc_resize_nearest_neighbor_s8(column, 1, 3, 1, 1, half_pixel, one_col, out, 5, 1);
        check_s8("hand resize half pixel", out, want_half, 5);
        free(out);
    }
}

static void test_strided_slice_hand(void)
{
    /* strided_slice.rs: [1, 4, 3, 2] holding its flat index, x[0, 1:4:2, -1, :] with axis 2
     * shrunk: axes give start 0 1 2 0, stride 1 2 1 1, count 1 2 1 2 -> 10 11 22 23. */
    static const int32_t dims[4] = {1, 4, 3, 2};
    static const int32_t start[4] = {0, 1, 2, 0};
    static const int32_t stride[4] = {1, 2, 1, 1};
    static const int32_t count[4] = {1, 2, 1, 2};
    static const int8_t want[4] = {10, 11, 22, 23};
    /* 1-D [6] as 1x1x1x6: [10:-10:-3] resolves to start 5, stride -3, count 2 -> 5 2; the
     * reverse [::-1] to start 5, stride -1, count 6. */
    static const int32_t line[4] = {1, 1, 1, 6};
    static const int32_t back_start[4] = {0, 0, 0, 5};
    static const int32_t back_stride[4] = {1, 1, 1, -3};
    static const int32_t back_count[4] = {1, 1, 1, 2};
    static const int8_t want_back[2] = {5, 2};
    static const int32_t reverse_stride[4] = {1, 1, 1, -1};
    static const int32_t reverse_count[4] = {1, 1, 1, 6};
    static const int8_t want_reverse[6] = {5, 4, 3, 2, 1, 0};
    /* Negative strides on the outer axes of [2, 2, 2, 1]: rows and batches reversed. */
    static const int32_t cube[4] = {2, 2, 2, 1};
    static const int32_t flip_start[4] = {1, 1, 0, 0};
    static const int32_t flip_stride[4] = {-1, -1, 1, 1};
    static const int32_t flip_count[4] = {2, 2, 2, 1};
    static const int8_t want_flip[8] = {6, 7, 4, 5, 2, 3, 0, 1};
    int8_t input[24];
    int32_t i;
    int s;
    for (i = 0; i < 24; ++i) {
        input[i] = (int8_t)i;
    }
    for (s = 0; s < 2; ++s) {
        int8_t *out = alloc_output(4, k_sentinels[s]);
        tmlc_strided_slice_s8(input, dims, start, stride, count, out);
        check_s8("hand strided slice shrink", out, want, 4);
        free(out);
        out = alloc_output(2, k_sentinels[s]);
        tmlc_strided_slice_s8(input, line, back_start, back_stride, back_count, out);
        check_s8("hand strided slice negative stride", out, want_back, 2);
        free(out);
        out = alloc_output(6, k_sentinels[s]);
        tmlc_strided_slice_s8(input, line, back_start, reverse_stride, reverse_count, out);
        check_s8("hand strided slice reverse", out, want_reverse, 6);
        free(out);
        out = alloc_output(8, k_sentinels[s]);
        tmlc_strided_slice_s8(input, cube, flip_start, flip_stride, flip_count, out);
        check_s8("hand strided slice flip", out, want_flip, 8);
        free(out);
    }
}


static void test_sub_hand(void)
{
    /* sub.rs's unit tests. Equal scales 0.5 (same_scales_are_exact): multipliers (2^30, 0),
     * (2^30, 0), (2^30, -18), zero points 3, -2, 1: (x - 3) - (y + 2) + 1, clamped. */
    static const int8_t x[4] = {10, -20, 100, -128};
    static const int8_t y[4] = {5, 5, -100, 127};
    static const int8_t want_exact[4] = {1, -29, 127, -128};
    /* x scale 1, y scale 0.5, out 1 (rounding_of_the_difference): y multiplier (2^30, -1);
     * 3 - 1.5 -> 2, -3 + 1.5 -> -2 (ties away from zero), 3 - 1 = 2, 0 - 2.5 -> -3. */
    static const int8_t rx[4] = {3, -3, 3, 0};
    static const int8_t ry[4] = {3, -3, 2, 5};
    static const int8_t want_round[4] = {2, -2, 2, -3};
    /* Scales 1 (broadcasts_both_ways): [2, 3] - [3] and [3] - [2, 3]. */
    static const int8_t a[6] = {10, 20, 30, 40, 50, 60};
    static const int8_t b[3] = {1, 2, 3};
    static const int8_t want_row[6] = {9, 18, 27, 39, 48, 57};
    static const int8_t want_reversed[6] = {-9, -18, -27, -39, -48, -57};
    add_case c;
    memset(&c, 0, sizeof c);
    c.left_shift = 20;
    c.input1_multiplier = 1 << 30; c.input1_shift = 0;
    c.input2_multiplier = 1 << 30; c.input2_shift = 0;
    c.output_multiplier = 1 << 30; c.output_shift = -18;
    c.act_min = -128; c.act_max = 127;

    c.name = "hand sub exact"; c.size = 4; c.input1 = x; c.input2 = y;
    c.dims1[0] = 1; c.dims1[1] = 1; c.dims1[2] = 1; c.dims1[3] = 4;
    c.dims2[0] = 1; c.dims2[1] = 1; c.dims2[2] = 1; c.dims2[3] = 4;
    c.input1_offset = -3; c.input2_offset = 2; c.output_offset = 1;
    c.expected = want_exact;
    run_add_or_sub(&c, 1);

    c.name = "hand sub rounding"; c.input1 = rx; c.input2 = ry;
    c.input1_offset = 0; c.input2_offset = 0; c.output_offset = 0; c.input2_shift = -1;
    c.expected = want_round;
    run_add_or_sub(&c, 1);

    c.name = "hand sub broadcast"; c.broadcast = 1; c.size = 6; c.input2_shift = 0;
    c.input1 = a; c.dims1[2] = 2; c.dims1[3] = 3;
    c.input2 = b; c.dims2[2] = 1; c.dims2[3] = 3;
    c.expected = want_row;
    run_add_or_sub(&c, 1);

    c.name = "hand sub broadcast reversed";
    c.input1 = b; c.dims1[2] = 1;
    c.input2 = a; c.dims2[2] = 2;
    c.expected = want_reversed;
    run_add_or_sub(&c, 1);
}

static void test_sub_sweeps(void)
{
    /* sub.rs's runtime_c_vectors: SubParams::prepare's fields and the hash over all 65536
     * (x, y) pairs, x major. */
    static const add_sweep_case sweeps[] = {
        {7, -12, -20, 20, 1073741824, 0, 2018634530, -2, 1147160117, -16, -128, 127,
         0x1793FB337B9B3218ull},
        {0, 0, 0, 20, 1431655730, -2, 1073741824, 0, 1840700374, -20, 0, 127,
         0x54FA2FD6F9AE0236ull},
        {-1, 2, -128, 20, 1073741824, 0, 1073741824, 0, 1677721638, -13, -128, 127,
         0x2BA1B50060D09BADull},
        {-100, 100, 3, 20, 1073741824, -1, 1073741824, 0, 1677721722, -11, -128, 127,
         0xC3389F4FB6267870ull},
    };
    int8_t *x = alloc_output(65536, 0);
    int8_t *y = alloc_output(65536, 0);
    int8_t *out = alloc_output(65536, 0);
    int32_t i, k;
    for (i = 0; i < 65536; ++i) {
        x[i] = bits_s8((uint32_t)i >> 8);
        y[i] = bits_s8((uint32_t)i);
    }
    for (k = 0; k < COUNT(sweeps); ++k) {
        const add_sweep_case *c = &sweeps[k];
        uint64_t h = SWEEP_BASIS;
        tmlc_sub_s8(x, y, out, 65536, c->input1_offset, c->input2_offset, c->output_offset,
                    c->left_shift, c->input1_multiplier, c->input1_shift, c->input2_multiplier,
                    c->input2_shift, c->output_multiplier, c->output_shift, c->act_min,
                    c->act_max);
        for (i = 0; i < 65536; ++i) {
            h = sweep_mix(h, out[i]);
        }
        check_hash("sub exhaustive sweep", h, c->hash);
    }
    free(x);
    free(y);
    free(out);
}

/* LOG_SOFTMAX parameters: the fields of log_softmax::LogSoftmaxParams::prepare. */
typedef struct {
    int32_t input_multiplier, input_left_shift, reverse_scaling_divisor;
    int32_t reverse_scaling_right_shift, diff_min;
} log_softmax_params;

static void run_log_softmax(const char *name, const log_softmax_params *p, const int8_t *input,
                            int32_t rows, int32_t depth, const int8_t *expected)
{
    const int32_t n = rows * depth;
    int s;
    for (s = 0; s < 2; ++s) {
        int8_t *out = alloc_output(n, k_sentinels[s]);
        tmlc_log_softmax_s8(input, rows, depth, p->input_multiplier, p->input_left_shift,
                            p->reverse_scaling_divisor, p->reverse_scaling_right_shift,
                            p->diff_min, out);
        check_s8(name, out, expected, n);
        /* In place. */
        memcpy(out, input, (size_t)n);
        tmlc_log_softmax_s8(out, rows, depth, p->input_multiplier, p->input_left_shift,
                            p->reverse_scaling_divisor, p->reverse_scaling_right_shift,
                            p->diff_min, out);
        check_s8(name, out, expected, n);
        free(out);
    }
}

static void test_log_softmax_hand(void)
{
    /* log_softmax.rs's unit tests. Scale 1/16: (2^30, 23), reverse (2^30, -21), diff_min -248.
     * log(1/n) * 16 + 127: n = 1 -> 127, n = 2 -> 116, n = 4 -> 105; [0, 16] is -1.31 and
     * -0.31 real -> 106, 122; [100, -100]: -12.5 -> -73. Scale 1: (2^30, 27), reverse
     * (2^30, -25), diff_min -15: a difference of -20 gives -128. Two rows in one call. */
    static const log_softmax_params sixteenth = {1 << 30, 23, 1 << 30, 21, -248};
    static const log_softmax_params one = {1 << 30, 27, 1 << 30, 25, -15};
    static const int8_t single[1] = {-3};
    static const int8_t want_single[1] = {127};
    static const int8_t two_rows[4] = {7, 7, 0, 16};
    static const int8_t want_two_rows[4] = {116, 116, 106, 122};
    static const int8_t four[4] = {5, 5, 5, 5};
    static const int8_t want_four[4] = {105, 105, 105, 105};
    static const int8_t far[2] = {100, -100};
    static const int8_t want_far[2] = {127, -73};
    static const int8_t below[2] = {10, -10};
    static const int8_t want_below[2] = {127, -128};
    run_log_softmax("hand log_softmax single", &sixteenth, single, 1, 1, want_single);
    run_log_softmax("hand log_softmax two rows", &sixteenth, two_rows, 2, 2, want_two_rows);
    run_log_softmax("hand log_softmax 4 equal", &sixteenth, four, 1, 4, want_four);
    run_log_softmax("hand log_softmax far", &sixteenth, far, 1, 2, want_far);
    run_log_softmax("hand log_softmax below diff_min", &one, below, 1, 2, want_below);
}

static void test_log_softmax_sweeps(void)
{
    /* log_softmax.rs's runtime_c_vectors: per seed, 512 rows of 1 to 16 values. */
    static const struct {
        uint64_t seed;
        log_softmax_params p;
        uint64_t hash;
    } sweeps[] = {
        {11, {1073741824, 23, 1073741824, 21, -248}, 0x2ABC0D30ECC38A04ull},  /* 0.0625 */
        {12, {1717986944, 23, 1342177260, 22, -248}, 0xE0CCADC0118F8444ull},  /* 0.1 */
        {13, {1374389504, 21, 1677721638, 20, -992}, 0xD725A05A803071F3ull},  /* 0.02 */
        {14, {1073741824, 26, 1073741824, 24, -31}, 0x57E60EB56D6E8CA0ull},   /* 0.5 */
        {15, {1073741824, 27, 1073741824, 25, -15}, 0xBAFEA2E1D7CC8E9Eull},   /* 1 */
        {16, {1649267456, 18, 1398101321, 17, -7936}, 0x839DE126D8F3E5A1ull}, /* 0.003 */
    };
    int32_t k, r, i;
    for (k = 0; k < COUNT(sweeps); ++k) {
        const log_softmax_params *p = &sweeps[k].p;
        uint64_t h = SWEEP_BASIS;
        g_sweep_state = sweeps[k].seed;
        for (r = 0; r < 512; ++r) {
            int8_t row[16];
            int8_t out[16];
            const int32_t depth = (int32_t)(sweep_next() % 16u) + 1;
            for (i = 0; i < depth; ++i) {
                row[i] = bits_s8(sweep_next());
            }
            tmlc_log_softmax_s8(row, 1, depth, p->input_multiplier, p->input_left_shift,
                                p->reverse_scaling_divisor, p->reverse_scaling_right_shift,
                                p->diff_min, out);
            for (i = 0; i < depth; ++i) {
                h = sweep_mix(h, out[i]);
            }
        }
        check_hash("log_softmax sweep", h, sweeps[k].hash);
    }
}

static void test_lut_hand(void)
{
    /* table[i] = 127 - i maps q to -1 - q; in place too. The tables of HARD_SWISH, LOGISTIC,
     * TANH and LEAKY_RELU come from the Rust semantics (their lookup_table interface). */
    static const int8_t input[6] = {-128, -1, 0, 1, 100, 127};
    static const int8_t want[6] = {127, 0, -1, -2, -101, -128};
    int8_t table[256];
    int8_t out[6];
    int32_t i;
    for (i = 0; i < 256; ++i) {
        table[i] = (int8_t)(127 - i);
    }
    memset(out, 0x55, sizeof out);
    tmlc_lut_s8(input, table, out, 6);
    check_s8("lut", out, want, 6);
    memcpy(out, input, sizeof out);
    tmlc_lut_s8(out, table, out, 6);
    check_s8("lut in place", out, want, 6);
}

/* ---------------------------------------------------------------------------------------- */

/* LSTM (semantics::lstm): the int16 logistic and tanh at values semantics::lstm's tests pin,
 * and a one-unit LSTM with zero weights and biases, whose gates are then 1/2 (input, forget,
 * output) and tanh(0) = 0 (cell): the cell stays 0 and the hidden state at its zero point. */
static void test_lstm_hand(void)
{
    static const int8_t zero_weight[1] = {0};
    static const int32_t zero_bias[1] = {0};
    tmlc_lstm_params p;
    int16_t cell[1] = {0};
    int8_t hidden[1] = {5};
    int16_t work[4];
    int8_t input[2] = {17, -90};
    int8_t output[2] = {0, 0};
    int32_t g;
    CHECK_EQ_I32("logistic_s16(0)", tmlc_logistic_s16(0), 16384);
    CHECK_EQ_I32("logistic_s16(max)", tmlc_logistic_s16(INT16_MAX), 32757);
    CHECK_EQ_I32("logistic_s16(min)", tmlc_logistic_s16(INT16_MIN), 11);
    CHECK_EQ_I32("tanh_s16(0)", tmlc_tanh_s16(0, 0, 0), 0);
    CHECK_EQ_I32("tanh_s16(max)", tmlc_tanh_s16(INT16_MAX, 0, 0), 32767);
    CHECK_EQ_I32("tanh_s16(min)", tmlc_tanh_s16(INT16_MIN, 0, 0), -32767);
    memset(&p, 0, sizeof p);
    p.batches = 1;
    p.time_steps = 2;
    p.input_depth = 1;
    p.state_depth = 1;
    p.input_offset = 3;
    p.hidden_zero_point = 5;
    for (g = 0; g < 8; ++g) {
        p.weights[g] = zero_weight;
        p.fc_multipliers[g] = 1 << 30;
        p.fc_shifts[g] = 1;
    }
    for (g = 0; g < 4; ++g) {
        p.biases[g] = zero_bias;
    }
    p.forget_cell_multiplier = 1 << 30;
    p.forget_cell_shift = -14;
    p.input_mul_multiplier = 1 << 30;
    p.input_mul_shift = -17;
    p.output_mul_multiplier = 1 << 30;
    p.output_mul_shift = -20;
    tmlc_lstm_s8(input, &p, cell, hidden, work, output);
    CHECK_EQ_I32("lstm zero weights: cell", cell[0], 0);
    CHECK_EQ_I32("lstm zero weights: hidden", hidden[0], 5);
    CHECK_EQ_I32("lstm zero weights: output 0", output[0], 5);
    CHECK_EQ_I32("lstm zero weights: output 1", output[1], 5);
}

int main(void)
{
    int32_t i;
    test_fixed_point_known_values();
    test_fixed_point_vectors();
    test_fixed_point_sweeps();

    test_conv_hand();
    test_depthwise_hand();
    test_fc_hand();
    test_elementwise_hand();
    test_pool_hand();
    test_add_hand();
    test_mul_hand();
    test_sub_hand();
    test_softmax_hand();
    test_log_softmax_hand();
    test_lut_hand();
    test_pad_hand();
    test_mean_hand();
    test_concat_hand();
    test_transpose_hand();
    test_transpose_every_permutation();
    test_resize_nearest_neighbor_hand();
    test_strided_slice_hand();

    for (i = 0; i < COUNT(conv_cases); ++i) {
        run_conv(&conv_cases[i]);
    }
    for (i = 0; i < COUNT(depthwise_cases); ++i) {
        run_depthwise(&depthwise_cases[i]);
    }
    for (i = 0; i < COUNT(depthwise_cases); ++i) {
        if (depthwise_cases[i].depth_multiplier == 1 && depthwise_cases[i].batches == 1) {
            run_depthwise_inplace(&depthwise_cases[i]);
        }
    }
    test_depthwise_inplace_matches();
    for (i = 0; i < COUNT(fc_cases); ++i) {
        run_fc(&fc_cases[i]);
    }
    for (i = 0; i < COUNT(pool_cases); ++i) {
        run_pool(&pool_cases[i]);
    }
    for (i = 0; i < COUNT(add_cases); ++i) {
        run_add(&add_cases[i]);
    }
    for (i = 0; i < COUNT(softmax_cases); ++i) {
        run_softmax(&softmax_cases[i]);
    }
    for (i = 0; i < COUNT(pad_cases); ++i) {
        run_pad(&pad_cases[i]);
    }
    for (i = 0; i < COUNT(mean_cases); ++i) {
        run_mean(&mean_cases[i]);
    }
    for (i = 0; i < COUNT(concat_cases); ++i) {
        run_concat(&concat_cases[i]);
    }
    test_add_sweeps();
    test_mul_sweeps();
    test_sub_sweeps();
    test_softmax_sweeps();
    test_float_edges_hand();
    test_log_softmax_f32_hand();
    test_log_softmax_sweeps();
    test_lstm_hand();

    printf("%d checks, %d failures\n", g_checks, g_failures);
    return g_failures == 0 ? 0 : 1;
}
