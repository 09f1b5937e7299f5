/*
 * tmlc runtime: tests of the Helium (MVE) kernels against the portable ones (owns the harness
 * of make test-mve and test-mve-qemu).
 *
 * Every *_mve kernel must compute exactly what its portable counterpart computes: the test
 * draws pseudo-random layers (a fixed-seed splitmix64 stream; channel counts that leave
 * partial vectors, 1 and 3 input channels, every padding, strides 1-3, dilations, filters 1x1
 * to 10x10, output widths that leave partial chunks, per-channel multipliers with left and
 * right shifts and rounding ties, extreme offsets, huge biases that overflow the int32 sums,
 * activation ranges inside and outside int8), runs both kernels and compares the outputs bit
 * for bit, twice into buffers pre-filled with different sentinels so an element a kernel fails
 * to write is caught; the scratch is filled with garbage. The random helpers are
 * tests/random_layers.h, shared with test_kernels_arm.c.
 *
 * Built with arm-none-eabi-gcc -mcpu=cortex-m55 it runs the vector code in QEMU (mps3-an547);
 * built for the host the kernels run their portable fallback (only the harness is tested).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmlc/kernels.h"
#include "tmlc/kernels_mve.h"

#include "random_layers.h"

/* ---------------------------------------------------------------------------------------- */
/* CONV_2D                                                                                   */


/* ---------------------------------------------------------------------------------------- */
/* CONV_2D                                                                                   */

static void run_conv(const conv_shape *s, int one_by_one, int case_index)
{
    const int32_t in_size = s->batches * s->in_h * s->in_w * s->in_c;
    const int32_t out_size_ = s->batches * s->out_h * s->out_w * s->out_c;
    const int32_t filter_size = s->out_c * s->k_h * s->k_w * s->in_c;
    const int32_t scratch_size = one_by_one
                                     ? TMLC_CONV2D_1X1_S8_MVE_SCRATCH(s->out_c)
                                     : TMLC_CONV2D_S8_MVE_SCRATCH(s->k_h, s->k_w, s->in_c,
                                                                  s->out_c);
    int8_t *input = random_s8(in_size);
    int8_t *filter = random_s8(filter_size);
    int32_t *bias = chance(90) ? random_bias(s->out_c) : NULL;
    int32_t *multipliers, *shifts;
    int32_t input_offset = chance(2) ? rnd_range(-40000, 40000) : random_input_offset();
    int32_t output_offset = random_output_offset();
    int32_t act_min, act_max;
    int8_t *want = alloc_output(out_size_, 0);
    char what[400];
    int k;
    random_requant(s->out_c, &multipliers, &shifts);
    random_act(output_offset, &act_min, &act_max);
    describe_conv(what, sizeof what, one_by_one ? "conv2d_1x1_mve" : "conv2d_mve", s,
                  input_offset, output_offset, act_min, act_max, case_index);
    tmlc_conv2d_s8(input, s->batches, s->in_h, s->in_w, s->in_c, input_offset, filter, s->out_c,
                   s->k_h, s->k_w, bias, multipliers, shifts, s->stride_h, s->stride_w,
                   s->dilation_h, s->dilation_w, s->pad_top, s->pad_left, want, s->out_h,
                   s->out_w, output_offset, act_min, act_max);
    for (k = 0; k < 2; ++k) {
        int8_t *got = alloc_output(out_size_, k_sentinels[k]);
        void *scratch = random_scratch(scratch_size);
        if (one_by_one) {
            tmlc_conv2d_1x1_s8_mve(input, s->batches * s->in_h * s->in_w, s->in_w, s->in_c,
                                   input_offset,
                                   filter, s->out_c, bias, multipliers, shifts, got,
                                   output_offset, act_min, act_max, scratch);
        } else {
            tmlc_conv2d_s8_mve(input, s->batches, s->in_h, s->in_w, s->in_c, input_offset,
                               filter, s->out_c, s->k_h, s->k_w, bias, multipliers, shifts,
                               s->stride_h, s->stride_w, s->dilation_h, s->dilation_w,
                               s->pad_top, s->pad_left, got, s->out_h, s->out_w, output_offset,
                               act_min, act_max, scratch);
        }
        check_s8(what, got, want, out_size_);
        free(scratch);
        free(got);
    }
    /* The output overlapping the input by the margin liveness allows (RowOrder::Increasing:
     * output row r ends where input row r starts, at the latest). */
    if (one_by_one && s->batches == 1) {
        const int32_t in_row = s->in_w * s->in_c;
        const int32_t out_row = s->in_w * s->out_c;
        int32_t margin = 0;
        int32_t r;
        for (r = 0; r < s->in_h; ++r) {
            const int32_t m = (r + 1) * out_row - r * in_row;
            margin = m > margin ? m : margin;
        }
        {
            const int32_t total = margin + in_size > out_size_ ? margin + in_size : out_size_;
            int8_t *buffer = (int8_t *)xmalloc((size_t)total);
            void *scratch = random_scratch(scratch_size);
            char overlapping[440];
            memcpy(buffer + margin, input, (size_t)in_size);
            snprintf(overlapping, sizeof overlapping, "%s (overlapping)",
                     what);
            tmlc_conv2d_1x1_s8_mve(buffer + margin, s->in_h * s->in_w, s->in_w, s->in_c,
                                   input_offset, filter, s->out_c, bias, multipliers, shifts,
                                   buffer, output_offset, act_min, act_max, scratch);
            check_s8(overlapping, buffer, want, out_size_);
            free(scratch);
            free(buffer);
        }
    }
    free(input);
    free(filter);
    free(bias);
    free(multipliers);
    free(shifts);
    free(want);
}

static void test_conv_1x1(int cases)
{
    int i;
    for (i = 0; i < cases; ++i) {
        conv_shape s;
        s.batches = rnd_range(1, 2);
        s.in_h = rnd_range(1, 7);
        s.in_w = rnd_range(1, 9);
        /* Multiples of 16 channels: contiguous pixel vectors (rows4 without the x step). */
        s.in_c = chance(20) ? rnd_range(1, 4)
                            : (chance(25) ? 16 * rnd_range(1, 5) : rnd_range(1, 90));
        s.out_c = chance(20) ? 4 * rnd_range(4, 16) : rnd_range(1, 24);
        s.k_h = s.k_w = 1;
        s.stride_h = s.stride_w = 1;
        s.dilation_h = s.dilation_w = 1;
        s.pad_top = s.pad_left = 0;
        s.out_h = s.in_h;
        s.out_w = s.in_w;
        run_conv(&s, 1, i);
    }
}

static void test_conv(int cases)
{
    int i = 0;
    while (i < cases) {
        conv_shape s;
        s.batches = chance(85) ? 1 : 2;
        s.in_h = rnd_range(1, 12);
        s.in_w = rnd_range(1, 12);
        /* 16 or 32 channels: receptive fields of whole vectors (resnet-like 3x3 layers). */
        s.in_c = chance(30) ? rnd_range(1, 3) : (chance(20) ? 16 * rnd_range(1, 2) : rnd_range(1, 40));
        s.out_c = rnd_range(1, 20);
        s.k_h = rnd_range(1, 5);
        s.k_w = chance(70) ? s.k_h : rnd_range(1, 5);
        s.stride_h = rnd_range(1, 3);
        s.stride_w = chance(70) ? s.stride_h : rnd_range(1, 3);
        s.dilation_h = chance(80) ? 1 : rnd_range(2, 3);
        s.dilation_w = chance(80) ? s.dilation_h : rnd_range(1, 3);
        if (!random_axis(s.in_h, s.k_h, s.stride_h, s.dilation_h, &s.pad_top, &s.out_h) ||
            !random_axis(s.in_w, s.k_w, s.stride_w, s.dilation_w, &s.pad_left, &s.out_w)) {
            continue;
        }
        run_conv(&s, 0, i);
        ++i;
    }
}

/* ---------------------------------------------------------------------------------------- */
/* DEPTHWISE_CONV_2D                                                                         */

static void run_depthwise(const conv_shape *s, int32_t multiplier, int case_index)
{
    const int32_t in_size = s->batches * s->in_h * s->in_w * s->in_c;
    const int32_t out_size_ = s->batches * s->out_h * s->out_w * s->out_c;
    const int32_t filter_size = s->k_h * s->k_w * s->out_c;
    int8_t *input = random_s8(in_size);
    int8_t *filter = random_s8(filter_size);
    int32_t *bias = chance(90) ? random_bias(s->out_c) : NULL;
    int32_t *multipliers, *shifts;
    int32_t input_offset = chance(2) ? rnd_range(-40000, 40000) : random_input_offset();
    int32_t output_offset = random_output_offset();
    int32_t act_min, act_max;
    int8_t *want = alloc_output(out_size_, 0);
    char what[400];
    int k;
    random_requant(s->out_c, &multipliers, &shifts);
    random_act(output_offset, &act_min, &act_max);
    describe_conv(what, sizeof what, "depthwise_mve", s, input_offset, output_offset, act_min,
                  act_max, case_index);
    tmlc_depthwise_conv2d_s8(input, s->batches, s->in_h, s->in_w, s->in_c, input_offset, filter,
                             multiplier, s->k_h, s->k_w, bias, multipliers, shifts, s->stride_h,
                             s->stride_w, s->dilation_h, s->dilation_w, s->pad_top, s->pad_left,
                             want, s->out_h, s->out_w, output_offset, act_min, act_max);
    for (k = 0; k < 2; ++k) {
        int8_t *got = alloc_output(out_size_, k_sentinels[k]);
        void *scratch = random_scratch(TMLC_DEPTHWISE_CONV2D_S8_MVE_SCRATCH(
            s->in_c, s->out_c, s->k_h, s->k_w, s->stride_h, s->stride_w, s->dilation_h,
            s->dilation_w, s->out_h, s->out_w));
        tmlc_depthwise_conv2d_s8_mve(input, s->batches, s->in_h, s->in_w, s->in_c, input_offset,
                                     filter, multiplier, s->k_h, s->k_w, bias, multipliers,
                                     shifts, s->stride_h, s->stride_w, s->dilation_h,
                                     s->dilation_w, s->pad_top, s->pad_left, got, s->out_h,
                                     s->out_w, output_offset, act_min, act_max, scratch);
        check_s8(what, got, want, out_size_);
        free(scratch);
        free(got);
    }
    /* In place: the output from the start of the input's buffer. */
    if (multiplier == 1 && s->batches == 1 && s->out_h <= s->in_h && s->out_w <= s->in_w) {
        const int32_t ring = TMLC_DEPTHWISE_CONV2D_S8_MVE_SCRATCH(
            s->in_c, s->out_c, s->k_h, s->k_w, s->stride_h, s->stride_w, s->dilation_h,
            s->dilation_w, s->out_h, s->out_w);
        const int32_t plane = s->out_h * s->out_w;
        void *scratch = random_scratch(ring > plane ? ring : plane);
        int8_t *buffer = (int8_t *)xmalloc((size_t)in_size);
        char in_place[420];
        memcpy(buffer, input, (size_t)in_size);
        snprintf(in_place, sizeof in_place, "%s (in place)", what);
        tmlc_depthwise_conv2d_s8_mve(buffer, 1, s->in_h, s->in_w, s->in_c, input_offset, filter,
                                     1, s->k_h, s->k_w, bias, multipliers, shifts, s->stride_h,
                                     s->stride_w, s->dilation_h, s->dilation_w, s->pad_top,
                                     s->pad_left, buffer, s->out_h, s->out_w, output_offset,
                                     act_min, act_max, scratch);
        check_s8(in_place, buffer, want, out_size_);
        free(buffer);
        free(scratch);
    }
    free(input);
    free(filter);
    free(bias);
    free(multipliers);
    free(shifts);
    free(want);
}

static void test_depthwise(int cases)
{
    static const int32_t k_sizes[] = {1, 2, 3, 3, 3, 3, 4, 5, 5, 7, 10};
    int i = 0;
    while (i < cases) {
        conv_shape s;
        int32_t multiplier = chance(85) ? 1 : rnd_range(2, 4);
        s.batches = chance(85) ? 1 : 2;
        s.in_h = rnd_range(1, 20);
        s.in_w = rnd_range(1, 40);
        s.in_c = chance(30) ? rnd_range(1, 3) : rnd_range(1, 24);
        s.k_h = k_sizes[rnd_range(0, 10)];
        s.k_w = chance(80) ? s.k_h : k_sizes[rnd_range(0, 10)];
        s.stride_h = rnd_range(1, 3);
        s.stride_w = chance(70) ? s.stride_h : rnd_range(1, 3);
        s.dilation_h = chance(80) ? 1 : rnd_range(2, 3);
        s.dilation_w = chance(80) ? s.dilation_h : rnd_range(1, 3);
        if (!random_axis(s.in_h, s.k_h, s.stride_h, s.dilation_h, &s.pad_top, &s.out_h) ||
            !random_axis(s.in_w, s.k_w, s.stride_w, s.dilation_w, &s.pad_left, &s.out_w)) {
            continue;
        }
        s.out_c = s.in_c * multiplier;
        run_depthwise(&s, multiplier, i);
        ++i;
    }
}

/* ---------------------------------------------------------------------------------------- */
/* FULLY_CONNECTED                                                                           */

static void test_fully_connected(int cases)
{
    int i;
    for (i = 0; i < cases; ++i) {
        const int32_t batches = rnd_range(1, 3);
        const int32_t in_depth = chance(20) ? rnd_range(1, 5) : rnd_range(1, 150);
        const int32_t out_depth = rnd_range(1, 22);
        const int32_t per_channel = chance(50);
        int8_t *input = random_s8(batches * in_depth);
        int8_t *weights = random_s8(in_depth * out_depth);
        int32_t *bias = chance(90) ? random_bias(out_depth) : NULL;
        int32_t input_offset = chance(90) ? random_input_offset() : bits_s32(rnd());
        int32_t output_offset = random_output_offset();
        int32_t *multipliers, *shifts;
        int32_t act_min, act_max;
        int8_t *want = alloc_output(batches * out_depth, 0);
        char what[300];
        int k;
        random_requant(out_depth, &multipliers, &shifts);
        random_act(output_offset, &act_min, &act_max);
        snprintf(what, sizeof what,
                 "fully_connected_mve #%d: b%ld %ld -> %ld, per_channel %ld, in_off %ld, "
                 "out_off %ld, act [%ld, %ld]",
                 i, (long)batches, (long)in_depth, (long)out_depth, (long)per_channel,
                 (long)input_offset, (long)output_offset, (long)act_min, (long)act_max);
        tmlc_fully_connected_s8(input, batches, in_depth, input_offset, weights, out_depth, bias,
                                multipliers, shifts, per_channel, want, output_offset, act_min,
                                act_max);
        for (k = 0; k < 2; ++k) {
            int8_t *got = alloc_output(batches * out_depth, k_sentinels[k]);
            tmlc_fully_connected_s8_mve(input, batches, in_depth, input_offset, weights,
                                        out_depth, bias, multipliers, shifts, per_channel, got,
                                        output_offset, act_min, act_max);
            check_s8(what, got, want, batches * out_depth);
            free(got);
        }
        free(input);
        free(weights);
        free(bias);
        free(multipliers);
        free(shifts);
        free(want);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* ADD                                                                                       */

/* TFLite's QuantizeMultiplier (frexp, round, the 2^31 carry); 0 for 0. */
static void quantize_multiplier(double real, int32_t *multiplier, int32_t *shift)
{
    int exponent = 0;
    double q, scaled;
    int64_t q_fixed;
    if (real == 0.0) {
        *multiplier = 0;
        *shift = 0;
        return;
    }
    q = frexp(real, &exponent);
    scaled = floor(q * 2147483648.0 + 0.5); /* std::round of a positive value */
    q_fixed = (int64_t)scaled;
    if (q_fixed == ((int64_t)1 << 31)) {
        q_fixed /= 2;
        ++exponent;
    }
    *multiplier = (int32_t)q_fixed;
    *shift = exponent;
}

/*
 * tmlc_add_s8_dsp against tmlc_add_s8: parameters as AddParams::prepare makes them from random
 * scales (the fast path), or anything (the fallback), on random data and, in place, into the
 * first input.
 */
static void test_add(int cases)
{
    int i;
    for (i = 0; i < cases; ++i) {
        const int32_t size = chance(20) ? rnd_range(1, 7) : rnd_range(1, 300);
        int8_t *x = random_s8(size);
        int8_t *y = random_s8(size);
        int8_t *want = alloc_output(size, 0);
        int32_t o1, o2, oo, ls, m1, sh1, m2, sh2, mo, sho, act_min, act_max;
        char what[300];
        int k;
        if (chance(80)) {
            const double s1 = ldexp(1.0 + rnd_range(0, 1000) / 1000.0, rnd_range(-9, -2));
            const double s2 = chance(10) ? s1 : ldexp(1.0 + rnd_range(0, 1000) / 1000.0,
                                                      rnd_range(-9, -2));
            const double so = ldexp(1.0 + rnd_range(0, 1000) / 1000.0, rnd_range(-9, -1));
            const double twice_max = 2.0 * (s1 > s2 ? s1 : s2);
            ls = 20;
            quantize_multiplier(s1 / twice_max, &m1, &sh1);
            quantize_multiplier(s2 / twice_max, &m2, &sh2);
            quantize_multiplier(twice_max / (1048576.0 * so), &mo, &sho);
            o1 = random_input_offset();
            o2 = random_input_offset();
            oo = rnd_range(-128, 127);
        } else {
            ls = rnd_range(0, 24);
            m1 = bits_s32(rnd());
            m2 = chance(50) ? rnd_range(0, INT32_MAX) : bits_s32(rnd());
            mo = rnd_range(0, INT32_MAX);
            sh1 = rnd_range(-33, 3);
            sh2 = rnd_range(-33, 3);
            sho = rnd_range(-30, 2);
            o1 = chance(50) ? random_input_offset() : rnd_range(-300, 300);
            o2 = random_input_offset();
            oo = random_output_offset();
        }
        random_act(oo, &act_min, &act_max);
        snprintf(what, sizeof what,
                 "add_mve #%d: size %ld, offsets %ld %ld %ld, left_shift %ld, (%ld, %ld) (%ld, %ld) "
                 "(%ld, %ld), act [%ld, %ld]",
                 i, (long)size, (long)o1, (long)o2, (long)oo, (long)ls, (long)m1, (long)sh1,
                 (long)m2, (long)sh2, (long)mo, (long)sho, (long)act_min, (long)act_max);
        tmlc_add_s8(x, y, want, size, o1, o2, oo, ls, m1, sh1, m2, sh2, mo, sho, act_min,
                    act_max);
        for (k = 0; k < 2; ++k) {
            int8_t *got = alloc_output(size, k_sentinels[k]);
            tmlc_add_s8_mve(x, y, got, size, o1, o2, oo, ls, m1, sh1, m2, sh2, mo, sho, act_min,
                            act_max);
            check_s8(what, got, want, size);
            free(got);
        }
        /* In place: the output is the first input. */
        tmlc_add_s8_mve(x, y, x, size, o1, o2, oo, ls, m1, sh1, m2, sh2, mo, sho, act_min,
                        act_max);
        check_s8(what, x, want, size);
        free(x);
        free(y);
        free(want);
    }
}

#ifndef TMLC_MVE_TEST_CASES
#define TMLC_MVE_TEST_CASES 1000
#endif

int main(void)
{
    const int n = TMLC_MVE_TEST_CASES;
    test_conv_1x1(n);
    test_conv(n);
    test_depthwise(n);
    test_fully_connected(n);
    test_add(n);
    printf("test_kernels_mve (%s): %d checks, %d failures\n",
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
           "MVE instructions",
#else
           "portable fallback",
#endif
           g_checks, g_failures);
    return g_failures == 0 ? 0 : 1;
}
