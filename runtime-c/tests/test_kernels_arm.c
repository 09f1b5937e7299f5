/*
 * tmlc runtime: tests of the Arm DSP kernels against the portable ones (owns the harness of
 * make test-arm, test-arm-sanitize, test-arm-qemu and bench-arm-qemu).
 *
 * Every *_dsp kernel must compute exactly what its portable counterpart computes, so the test
 * draws many pseudo-random layers (a fixed-seed splitmix64 stream: odd channel counts, 1 and 3
 * input channels, every padding, strides 1-3, dilations, depth multipliers 1-8, filters 1x1 to
 * 10x10 and 17 rows, per-channel multipliers that take both the fast and the generic
 * requantization, extreme offsets, huge biases that overflow the int32 sums, activation ranges
 * inside and outside int8), runs both kernels and compares the outputs bit for bit. The
 * compile-time preparations (folded biases, packed filters and weights) are made here the way
 * the compiler makes them: with the *_pack reference functions and a C copy of the fold.
 * Requantization edges (INT32_MIN / INT32_MAX accumulators, rounding ties, both sides of every
 * bound of the fast path) are driven through the bias. ADD is also compared on all 65536 input
 * pairs for a few parameter sets, and in place.
 *
 * As in test_kernels.c, DSP outputs are computed twice into buffers pre-filled with different
 * sentinels, so an element a kernel fails to write is caught, and every buffer (scratch
 * included, filled with garbage) is a heap block of the exact size, so AddressSanitizer
 * (make test-arm-sanitize) catches any overrun.
 *
 * Built for the host, the kernels run on the C emulation of the DSP instructions; built with
 * arm-none-eabi-gcc -mcpu=cortex-m4 they use the real ones in QEMU (mps2-an386).
 *
 * With TMLC_ARM_BENCH defined (make bench-arm-qemu, QEMU run with -icount shift=0) the program
 * also times representative layers of the benchmark models with SysTick: under -icount shift=0
 * one instruction is 1 ns of virtual time and SysTick counts the 25 MHz CPU clock, so one tick
 * is 40 instructions. It prints instructions per MAC of the portable and the DSP kernel, and
 * checks that their outputs agree.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmlc/fixed_point.h"
#include "tmlc/kernels.h"
#include "tmlc/kernels_arm.h"

#include "random_layers.h"

/* ---------------------------------------------------------------------------------------- */
/* CONV_2D                                                                                   */

/* Runs the portable and the DSP convolution on one random instance of shape s. */
static void run_conv(const conv_shape *s, int one_by_one, int case_index)
{
    const int32_t in_size = s->batches * s->in_h * s->in_w * s->in_c;
    const int32_t out_size_ = s->batches * s->out_h * s->out_w * s->out_c;
    const int32_t filter_size = s->out_c * s->k_h * s->k_w * s->in_c;
    const int32_t scratch_size = one_by_one ? TMLC_CONV2D_1X1_S8_DSP_SCRATCH(s->in_c)
                                            : TMLC_CONV2D_S8_DSP_SCRATCH(s->k_h, s->k_w, s->in_c);
    int8_t *input = random_s8(in_size);
    int8_t *filter = random_s8(filter_size);
    int32_t *bias = chance(90) ? random_bias(s->out_c) : NULL;
    int32_t *multipliers, *shifts;
    /* Rarely an offset no int8 zero point gives (the kernels pass it to the portable one). */
    int32_t input_offset = chance(2) ? rnd_range(-40000, 40000) : random_input_offset();
    int32_t output_offset = random_output_offset();
    int32_t act_min, act_max;
    int8_t *want = alloc_output(out_size_, 0);
    char what[400];
    int k;
    random_requant(s->out_c, &multipliers, &shifts);
    random_act(output_offset, &act_min, &act_max);
    describe_conv(what, sizeof what, one_by_one ? "conv2d_1x1" : "conv2d", s, input_offset,
                  output_offset, act_min, act_max, case_index);
    tmlc_conv2d_s8(input, s->batches, s->in_h, s->in_w, s->in_c, input_offset, filter, s->out_c,
                   s->k_h, s->k_w, bias, multipliers, shifts, s->stride_h, s->stride_w,
                   s->dilation_h, s->dilation_w, s->pad_top, s->pad_left, want, s->out_h,
                   s->out_w, output_offset, act_min, act_max);
    for (k = 0; k < 2; ++k) {
        int8_t *got = alloc_output(out_size_, k_sentinels[k]);
        void *scratch = random_scratch(scratch_size);
        if (one_by_one) {
            tmlc_conv2d_1x1_s8_dsp(input, s->batches * s->in_h * s->in_w, s->in_c, input_offset,
                                   filter, s->out_c, bias, multipliers, shifts, got,
                                   output_offset, act_min, act_max, scratch);
        } else {
            tmlc_conv2d_s8_dsp(input, s->batches, s->in_h, s->in_w, s->in_c, input_offset,
                               filter, s->out_c, s->k_h, s->k_w, bias, multipliers, shifts,
                               s->stride_h, s->stride_w, s->dilation_h, s->dilation_w,
                               s->pad_top, s->pad_left, got, s->out_h, s->out_w, output_offset,
                               act_min, act_max, scratch);
        }
        check_s8(what, got, want, out_size_);
        free(scratch);
        free(got);
    }
    if (!one_by_one && input_offset >= -127 && input_offset <= 128) {
        /* The int16-weight variant (the padding must be an int8 zero point). */
        const int32_t k = s->k_h * s->k_w * s->in_c;
        uint32_t *packed =
            (uint32_t *)xmalloc((size_t)TMLC_CONV2D_1X1_S8_DSP_WIDE_PACKED_BYTES(k, s->out_c));
        int8_t *got = alloc_output(out_size_, k_sentinels[case_index & 1]);
        void *scratch = random_scratch(TMLC_CONV2D_S8_DSP_WIDE_SCRATCH(s->k_h, s->k_w, s->in_c));
        char what_wide[420];
        snprintf(what_wide, sizeof what_wide, "%s (wide)", what);
        tmlc_conv2d_1x1_s8_dsp_pack_wide(filter, bias, k, s->out_c, input_offset, multipliers,
                                         shifts, output_offset, packed);
        tmlc_conv2d_s8_dsp_wide(input, s->batches, s->in_h, s->in_w, s->in_c, input_offset,
                                packed, s->out_c, s->k_h, s->k_w, multipliers, shifts,
                                s->stride_h, s->stride_w, s->dilation_h, s->dilation_w,
                                s->pad_top, s->pad_left, got, s->out_h, s->out_w, output_offset,
                                act_min, act_max, scratch);
        check_s8(what_wide, got, want, out_size_);
        free(scratch);
        free(got);
        free(packed);
    }
    free(input);
    free(filter);
    free(bias);
    free(multipliers);
    free(shifts);
    free(want);
}

/* run_conv with a bias, every channel's requantization fast (right shifts -31..-2, positive
 * multipliers) and the full int8 activation range: the eight-pixel asm blocks. */
static void run_conv_fast(const conv_shape *s, int case_index)
{
    const int32_t in_size = s->batches * s->in_h * s->in_w * s->in_c;
    const int32_t out_size_ = s->batches * s->out_h * s->out_w * s->out_c;
    const int32_t filter_size = s->out_c * s->k_h * s->k_w * s->in_c;
    const int32_t scratch_size = TMLC_CONV2D_S8_DSP_SCRATCH(s->k_h, s->k_w, s->in_c);
    int8_t *input = random_s8(in_size);
    int8_t *filter = random_s8(filter_size);
    int32_t *bias = random_bias(s->out_c);
    int32_t *multipliers = (int32_t *)xmalloc((size_t)s->out_c * sizeof(int32_t));
    int32_t *shifts = (int32_t *)xmalloc((size_t)s->out_c * sizeof(int32_t));
    const int32_t input_offset = random_input_offset();
    const int32_t output_offset = rnd_range(-128, 128);
    int8_t *want = alloc_output(out_size_, 0);
    int8_t *got = alloc_output(out_size_, k_sentinels[case_index & 1]);
    void *scratch = random_scratch(scratch_size);
    char what[400];
    int32_t c;
    for (c = 0; c < s->out_c; ++c) {
        multipliers[c] = rnd_range(1 << 30, INT32_MAX);
        shifts[c] = chance(80) ? rnd_range(-12, -2) : rnd_range(-31, -2);
    }
    describe_conv(what, sizeof what, "conv2d first layer", s, input_offset, output_offset, -128,
                  127, case_index);
    tmlc_conv2d_s8(input, s->batches, s->in_h, s->in_w, s->in_c, input_offset, filter, s->out_c,
                   s->k_h, s->k_w, bias, multipliers, shifts, s->stride_h, s->stride_w,
                   s->dilation_h, s->dilation_w, s->pad_top, s->pad_left, want, s->out_h,
                   s->out_w, output_offset, -128, 127);
    tmlc_conv2d_s8_dsp(input, s->batches, s->in_h, s->in_w, s->in_c, input_offset, filter,
                       s->out_c, s->k_h, s->k_w, bias, multipliers, shifts, s->stride_h,
                       s->stride_w, s->dilation_h, s->dilation_w, s->pad_top, s->pad_left, got,
                       s->out_h, s->out_w, output_offset, -128, 127, scratch);
    check_s8(what, got, want, out_size_);
    free(scratch);
    free(got);
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
        s.in_c = chance(20) ? rnd_range(1, 4) : rnd_range(1, 70);
        s.out_c = rnd_range(1, 24);
        s.k_h = s.k_w = 1;
        s.stride_h = s.stride_w = 1;
        s.dilation_h = s.dilation_w = 1;
        s.pad_top = s.pad_left = 0;
        s.out_h = s.in_h;
        s.out_w = s.in_w;
        run_conv(&s, 1, i);
    }
}

/*
 * First layers: 3x3 (or 5x5, 3x1) filters at stride 1 or 2 over one or three input channels
 * (K = 9, 27, 25, 75, 3: the eight-pixel asm block with an odd number of groups), every channel
 * taking the fast requantization and the full int8 range, any padding.
 */
static void test_conv_first_layers(int cases)
{
    int i = 0;
    while (i < cases) {
        conv_shape s;
        int32_t j;
        s.batches = 1;
        s.in_h = rnd_range(1, 20);
        s.in_w = rnd_range(1, 20);
        s.in_c = chance(50) ? 1 : 3;
        s.out_c = rnd_range(1, 20);
        s.k_h = chance(70) ? 3 : 5;
        s.k_w = chance(90) ? s.k_h : 1;
        s.stride_h = s.stride_w = rnd_range(1, 2);
        s.dilation_h = s.dilation_w = 1;
        if (!random_axis(s.in_h, s.k_h, s.stride_h, 1, &s.pad_top, &s.out_h) ||
            !random_axis(s.in_w, s.k_w, s.stride_w, 1, &s.pad_left, &s.out_w)) {
            continue;
        }
        for (j = 0; j < 4; ++j) {
            run_conv_fast(&s, i);
        }
        ++i;
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
        s.in_c = chance(30) ? rnd_range(1, 3) : rnd_range(1, 24);
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

/* The packed depthwise filter, in a heap block of the exact size. */
static uint32_t *pack_depthwise(const int8_t *filter, const int32_t *bias, int32_t input_offset,
                                int32_t out_c, int32_t k_h, int32_t k_w)
{
    uint32_t *packed =
        (uint32_t *)xmalloc((size_t)TMLC_DEPTHWISE_CONV2D_S8_DSP_PACKED_BYTES(out_c, k_h, k_w));
    tmlc_depthwise_conv2d_s8_dsp_pack(filter, bias, input_offset, out_c, k_h, k_w, packed);
    return packed;
}

static void run_depthwise(const conv_shape *s, int32_t multiplier, int inplace, int case_index)
{
    const int32_t in_size = s->batches * s->in_h * s->in_w * s->in_c;
    const int32_t out_c = s->in_c * multiplier;
    const int32_t out_size_ = s->batches * s->out_h * s->out_w * out_c;
    const int32_t filter_size = s->k_h * s->k_w * out_c;
    const int32_t scratch_size =
        inplace ? TMLC_DEPTHWISE_CONV2D_INPLACE_S8_DSP_SCRATCH(
                      s->out_h, s->out_w, s->k_h, s->k_w, s->stride_h, s->stride_w,
                      s->dilation_h, s->dilation_w)
                : TMLC_DEPTHWISE_CONV2D_S8_DSP_SCRATCH(s->in_c, s->k_h, s->k_w, s->stride_w,
                                                       s->dilation_h, s->dilation_w, s->out_w);
    int8_t *input = random_s8(in_size);
    int8_t *filter = random_s8(filter_size);
    int32_t *bias = chance(90) ? random_bias(out_c) : NULL;
    int32_t *multipliers, *shifts;
    int32_t input_offset = random_input_offset();
    int32_t output_offset = random_output_offset();
    int32_t act_min, act_max;
    int8_t *want = alloc_output(inplace ? in_size : out_size_, 0);
    int8_t *plane = alloc_output(s->out_h * s->out_w, 0);
    uint32_t *packed;
    char what[400];
    conv_shape d = *s;
    int k;
    d.out_c = out_c;
    packed = pack_depthwise(filter, bias, input_offset, out_c, s->k_h, s->k_w);
    random_requant(out_c, &multipliers, &shifts);
    random_act(output_offset, &act_min, &act_max);
    describe_conv(what, sizeof what, inplace ? "depthwise_inplace" : "depthwise", &d,
                  input_offset, output_offset, act_min, act_max, case_index);
    if (inplace) {
        /* The whole buffer must agree: outputs, and the input bytes beyond them. */
        memcpy(want, input, (size_t)in_size);
        tmlc_depthwise_conv2d_inplace_s8(want, s->in_h, s->in_w, s->in_c, input_offset, filter,
                                         s->k_h, s->k_w, bias, multipliers, shifts, s->stride_h,
                                         s->stride_w, s->dilation_h, s->dilation_w, s->pad_top,
                                         s->pad_left, s->out_h, s->out_w, output_offset,
                                         act_min, act_max, plane);
    } else {
        tmlc_depthwise_conv2d_s8(input, s->batches, s->in_h, s->in_w, s->in_c, input_offset,
                                 filter, multiplier, s->k_h, s->k_w, bias, multipliers, shifts,
                                 s->stride_h, s->stride_w, s->dilation_h, s->dilation_w,
                                 s->pad_top, s->pad_left, want, s->out_h, s->out_w,
                                 output_offset, act_min, act_max);
    }
    for (k = 0; k < 2; ++k) {
        void *scratch = random_scratch(scratch_size);
        if (inplace) {
            int8_t *buffer = alloc_output(in_size, 0);
            memcpy(buffer, input, (size_t)in_size);
            tmlc_depthwise_conv2d_inplace_s8_dsp(
                buffer, s->in_h, s->in_w, s->in_c, input_offset, packed, s->k_h, s->k_w,
                multipliers, shifts, s->stride_h, s->stride_w, s->dilation_h, s->dilation_w,
                s->pad_top, s->pad_left, s->out_h, s->out_w, output_offset, act_min, act_max,
                scratch);
            check_s8(what, buffer, want, in_size);
            free(buffer);
        } else {
            int8_t *got = alloc_output(out_size_, k_sentinels[k]);
            tmlc_depthwise_conv2d_s8_dsp(input, s->batches, s->in_h, s->in_w, s->in_c,
                                         input_offset, packed, multiplier, s->k_h, s->k_w,
                                         multipliers, shifts, s->stride_h, s->stride_w,
                                         s->dilation_h, s->dilation_w, s->pad_top, s->pad_left,
                                         got, s->out_h, s->out_w, output_offset, act_min,
                                         act_max, scratch);
            check_s8(what, got, want, out_size_);
            free(got);
        }
        free(scratch);
    }
    free(input);
    free(filter);
    free(bias);
    free(multipliers);
    free(shifts);
    free(want);
    free(plane);
    free(packed);
}

static void test_depthwise(int cases, int inplace)
{
    static const int32_t k_sizes[] = {1, 2, 3, 3, 3, 3, 4, 5, 7, 8, 10};
    static const int32_t k_multipliers[] = {1, 1, 1, 2, 3, 4, 8};
    int i = 0;
    while (i < cases) {
        conv_shape s;
        int32_t multiplier = inplace ? 1 : k_multipliers[rnd_range(0, 6)];
        s.batches = inplace || chance(85) ? 1 : 2;
        s.in_h = rnd_range(1, 20);
        s.in_w = rnd_range(1, 20);
        s.in_c = chance(30) ? rnd_range(1, 3) : rnd_range(1, 20);
        s.k_h = chance(1) ? 17 : k_sizes[rnd_range(0, 10)]; /* 17 rows: the scalar path */
        s.k_w = chance(80) ? s.k_h : k_sizes[rnd_range(0, 10)];
        s.stride_h = rnd_range(1, 3);
        s.stride_w = chance(70) ? s.stride_h : rnd_range(1, 3);
        s.dilation_h = chance(80) ? 1 : rnd_range(2, 3);
        s.dilation_w = chance(80) ? s.dilation_h : rnd_range(1, 3);
        if (!random_axis(s.in_h, s.k_h, s.stride_h, s.dilation_h, &s.pad_top, &s.out_h) ||
            !random_axis(s.in_w, s.k_w, s.stride_w, s.dilation_w, &s.pad_left, &s.out_w)) {
            continue;
        }
        if (inplace && (s.out_h > s.in_h || s.out_w > s.in_w)) {
            continue; /* the in-place contract: the output fits in the input */
        }
        s.out_c = s.in_c * multiplier;
        run_depthwise(&s, multiplier, inplace, i);
        ++i;
    }
}

/*
 * The channel-parallel variant (output planes of at most 100 pixels, or with a 3x3 filter at
 * most 8 wide and of at most 128 pixels; channels a multiple of four) on the small planes the
 * models have, in the in-place kernel and in the normal one (separate output), and beside them
 * the planar paths on the same shapes (channel counts not a multiple of four, larger planes, the
 * two-row 3x3 pass and the 5x5 / 7x7 stride 1 rows); random data, padding, dilation and
 * requantization as in test_depthwise, three of the six runs of a shape with SAME padding.
 */
static void test_depthwise_small_planes(void)
{
    static const int32_t k_cases[][6] = {
        /* in_h, in_w, k, stride, dilation, channels */
        {6, 6, 3, 1, 1, 128}, {6, 6, 3, 2, 1, 64}, {3, 3, 3, 1, 1, 256}, {5, 5, 5, 1, 1, 24},
        {5, 5, 7, 1, 1, 12},  {10, 10, 7, 2, 1, 8}, {4, 6, 3, 1, 2, 16}, {1, 1, 3, 1, 1, 4},
        {6, 6, 3, 1, 1, 13},  {3, 3, 5, 1, 1, 6},   {12, 3, 3, 2, 1, 20}, {7, 5, 2, 1, 1, 4},
        {25, 5, 3, 1, 1, 64}, {16, 8, 5, 1, 1, 8}, {32, 9, 3, 1, 1, 4},
        /* the two-row 3x3 pass (odd heights and widths), 5x5 and 7x7 stride 1 rows */
        {7, 7, 3, 1, 1, 12},  {5, 6, 3, 1, 1, 8},   {9, 5, 3, 1, 1, 3},   {10, 10, 5, 1, 1, 12},
        {5, 5, 7, 1, 1, 16},  {9, 7, 7, 1, 1, 5},   {11, 9, 5, 1, 2, 4},  {3, 3, 3, 2, 1, 16},
        {6, 6, 3, 2, 1, 8},   {5, 5, 5, 2, 1, 8},
        /* the models' small planes (person_detect, vww_96_int8, mcunet_vww1_80) */
        {12, 12, 3, 2, 1, 64}, {5, 5, 3, 1, 1, 240}, {10, 10, 7, 2, 1, 144},
        {5, 5, 7, 1, 1, 240},  {5, 5, 5, 2, 1, 240}, {3, 3, 3, 1, 1, 480},
        {3, 3, 7, 1, 1, 288},  {6, 6, 3, 2, 1, 128}, {25, 5, 3, 2, 1, 8},
        {9, 4, 5, 1, 1, 12},   {7, 3, 7, 2, 1, 4},   {4, 9, 3, 1, 3, 8},
    };
    size_t i;
    int r;
    for (i = 0; i < sizeof k_cases / sizeof k_cases[0]; ++i) {
        for (r = 0; r < 6; ++r) {
            conv_shape s;
            s.batches = 1;
            s.in_h = k_cases[i][0];
            s.in_w = k_cases[i][1];
            s.k_h = s.k_w = k_cases[i][2];
            s.stride_h = s.stride_w = k_cases[i][3];
            s.dilation_h = s.dilation_w = k_cases[i][4];
            s.in_c = s.out_c = k_cases[i][5];
            if (r < 3) {
                same_padding(s.in_h, s.k_h, s.stride_h, s.dilation_h, &s.out_h, &s.pad_top);
                same_padding(s.in_w, s.k_w, s.stride_w, s.dilation_w, &s.out_w, &s.pad_left);
            } else if (!random_axis(s.in_h, s.k_h, s.stride_h, s.dilation_h, &s.pad_top,
                                    &s.out_h) ||
                       !random_axis(s.in_w, s.k_w, s.stride_w, s.dilation_w, &s.pad_left,
                                    &s.out_w) ||
                       s.out_h > s.in_h || s.out_w > s.in_w) {
                continue;
            }
            run_depthwise(&s, 1, 1, (int)i * 6 + r);
            run_depthwise(&s, 1, 0, (int)i * 6 + r); /* the normal kernel, separate output */
        }
    }
}

/* ---------------------------------------------------------------------------------------- */
/* FULLY_CONNECTED                                                                           */

/* What the compiler precomputes: bias + input_offset * row sum, modulo 2^32. */
static int32_t *fold_bias(const int32_t *bias, const int8_t *weights, int32_t in_depth,
                          int32_t out_depth, int32_t input_offset)
{
    int32_t *folded = (int32_t *)xmalloc((size_t)out_depth * sizeof(int32_t));
    int32_t o, i;
    for (o = 0; o < out_depth; ++o) {
        uint32_t sum = 0;
        for (i = 0; i < in_depth; ++i) {
            sum += (uint32_t)weights[o * in_depth + i];
        }
        folded[o] = bits_s32((bias != NULL ? (uint32_t)bias[o] : 0u) +
                             (uint32_t)input_offset * sum);
    }
    return folded;
}

/* The packed weights, in a heap block of the exact size (4-byte aligned, as malloc's). */
static void *pack_fc(const int8_t *weights, int32_t in_depth, int32_t out_depth)
{
    void *packed =
        xmalloc((size_t)TMLC_FULLY_CONNECTED_S8_DSP_PACKED_BYTES(in_depth, out_depth));
    tmlc_fully_connected_s8_dsp_pack(weights, in_depth, out_depth, (int8_t *)packed);
    return packed;
}

/* The 1x1 convolution with int16 weights (tmlc_conv2d_1x1_s8_dsp_wide) against the portable
 * one on random layers: any in_c (tails of 1-3), odd and even out_c, pixel counts not a multiple
 * of three, every requantization (fast and generic channels), any activation range. */
static void test_conv_1x1_wide(int cases)
{
    int i;
    for (i = 0; i < cases; ++i) {
        const int32_t pixels = chance(20) ? rnd_range(1, 4) : rnd_range(1, 80);
        const int32_t in_c = chance(20) ? rnd_range(1, 4) : rnd_range(1, 140);
        const int32_t out_c = rnd_range(1, 40);
        int8_t *input = random_s8(pixels * in_c);
        int8_t *filter = random_s8(out_c * in_c);
        int32_t *bias = chance(90) ? random_bias(out_c) : NULL;
        const int32_t input_offset = chance(5) ? rnd_range(-40000, 40000) : random_input_offset();
        const int32_t output_offset = random_output_offset();
        uint32_t *packed =
            (uint32_t *)xmalloc((size_t)TMLC_CONV2D_1X1_S8_DSP_WIDE_PACKED_BYTES(in_c, out_c));
        int32_t *multipliers, *shifts, act_min, act_max;
        int8_t *want = alloc_output(pixels * out_c, 0);
        char what[200];
        int k;
        random_requant(out_c, &multipliers, &shifts);
        random_act(output_offset, &act_min, &act_max);
        tmlc_conv2d_1x1_s8_dsp_pack_wide(filter, bias, in_c, out_c, input_offset, multipliers,
                                         shifts, output_offset, packed);
        snprintf(what, sizeof what,
                 "conv2d_1x1 wide case %d: %d pixels, in_c %d, out_c %d, offsets %d %d, act "
                 "[%d, %d]",
                 i, (int)pixels, (int)in_c, (int)out_c, (int)input_offset, (int)output_offset,
                 (int)act_min, (int)act_max);
        tmlc_conv2d_s8(input, 1, 1, pixels, in_c, input_offset, filter, out_c, 1, 1, bias,
                       multipliers, shifts, 1, 1, 1, 1, 0, 0, want, 1, pixels, output_offset,
                       act_min, act_max);
        for (k = 0; k < 2; ++k) {
            int8_t *got = alloc_output(pixels * out_c, k_sentinels[k]);
            void *scratch = random_scratch(TMLC_CONV2D_1X1_S8_DSP_WIDE_SCRATCH(in_c));
            tmlc_conv2d_1x1_s8_dsp_wide(input, pixels, in_c, packed, out_c, multipliers, shifts,
                                        got, output_offset, act_min, act_max, scratch);
            check_s8(what, got, want, pixels * out_c);
            free(scratch);
            free(got);
        }
        free(input);
        free(filter);
        free(bias);
        free(packed);
        free(multipliers);
        free(shifts);
        free(want);
    }
}

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
        /* Any int32 offset can be folded; mostly int8 zero points. */
        int32_t input_offset = chance(90) ? random_input_offset() : bits_s32(rnd());
        int32_t *folded = fold_bias(bias, weights, in_depth, out_depth, input_offset);
        void *packed = pack_fc(weights, in_depth, out_depth);
        uint32_t *wide = (uint32_t *)xmalloc(
            (size_t)TMLC_FULLY_CONNECTED_S8_DSP_WIDE_PACKED_BYTES(in_depth, out_depth));
        int32_t output_offset = random_output_offset();
        int32_t *multipliers, *shifts;
        int32_t act_min, act_max;
        int8_t *want = alloc_output(batches * out_depth, 0);
        char what[300];
        int k;
        random_requant(out_depth, &multipliers, &shifts);
        random_act(output_offset, &act_min, &act_max);
        snprintf(what, sizeof what,
                 "fully_connected #%d: b%ld %ld -> %ld, per_channel %ld, in_off %ld, out_off "
                 "%ld, act [%ld, %ld]",
                 i, (long)batches, (long)in_depth, (long)out_depth, (long)per_channel,
                 (long)input_offset, (long)output_offset, (long)act_min, (long)act_max);
        tmlc_fully_connected_s8(input, batches, in_depth, input_offset, weights, out_depth, bias,
                                multipliers, shifts, per_channel, want, output_offset, act_min,
                                act_max);
        tmlc_fully_connected_s8_dsp_pack_wide(weights, in_depth, out_depth, wide);
        for (k = 0; k < 2; ++k) {
            int8_t *got = alloc_output(batches * out_depth, k_sentinels[k]);
            tmlc_fully_connected_s8_dsp(input, batches, in_depth, packed, out_depth, folded,
                                        multipliers, shifts, per_channel, got, output_offset,
                                        act_min, act_max);
            check_s8(what, got, want, batches * out_depth);
            free(got);
            /* The int16 weight layout. */
            got = alloc_output(batches * out_depth, k_sentinels[k]);
            tmlc_fully_connected_s8_dsp_wide(input, batches, in_depth, wide, out_depth, folded,
                                             multipliers, shifts, per_channel, got,
                                             output_offset, act_min, act_max);
            check_s8(what, got, want, batches * out_depth);
            free(got);
        }
        free(wide);
        free(input);
        free(weights);
        free(packed);
        free(bias);
        free(folded);
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
        const int realistic = chance(80);
        if (realistic) {
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
                 "add #%d: size %ld, offsets %ld %ld %ld, left_shift %ld, (%ld, %ld) (%ld, %ld) "
                 "(%ld, %ld), act [%ld, %ld]",
                 i, (long)size, (long)o1, (long)o2, (long)oo, (long)ls, (long)m1, (long)sh1,
                 (long)m2, (long)sh2, (long)mo, (long)sho, (long)act_min, (long)act_max);
        tmlc_add_s8(x, y, want, size, o1, o2, oo, ls, m1, sh1, m2, sh2, mo, sho, act_min,
                    act_max);
        for (k = 0; k < 2; ++k) {
            int8_t *got = alloc_output(size, k_sentinels[k]);
            tmlc_add_s8_dsp(x, y, got, size, o1, o2, oo, ls, m1, sh1, m2, sh2, mo, sho, act_min,
                            act_max);
            check_s8(what, got, want, size);
            free(got);
        }
        /* The tabulated kernel, where its tables' sums stay within 2^30 (TFLite's parameters)
         * or its output stage takes the generic path (any sums). */
        if (realistic || oo < -128 || oo > 128 || mo < 0 || sho > -1 || sho < -22) {
            int32_t tables[512], v;
            int8_t *got = alloc_output(size, k_sentinels[i & 1]);
            for (v = -128; v < 128; ++v) {
                tables[v + 128] =
                    tmlc_multiply_by_quantized_multiplier(bits_s32((uint32_t)(v + o1) << ls), m1, sh1);
                tables[v + 384] =
                    tmlc_multiply_by_quantized_multiplier(bits_s32((uint32_t)(v + o2) << ls), m2, sh2);
            }
            tmlc_add_s8_dsp_tables(x, y, tables, got, size, oo, mo, sho, act_min, act_max);
            check_s8(what, got, want, size);
            free(got);
        }
        /* In place: the output is the first input. */
        tmlc_add_s8_dsp(x, y, x, size, o1, o2, oo, ls, m1, sh1, m2, sh2, mo, sho, act_min,
                        act_max);
        check_s8(what, x, want, size);
        free(x);
        free(y);
        free(want);
    }
}

/* Every (x, y) pair through both kernels, for a few prepared parameter sets. */
static void test_add_all_pairs(void)
{
    static const double scales[][3] = {
        {0.05, 0.05, 0.1}, {0.0235, 0.0118, 0.03}, {0.1, 0.003, 0.09}, {0.5, 0.25, 0.002}};
    enum { n = 256 * 256 };
    int8_t *x = (int8_t *)xmalloc(n);
    int8_t *y = (int8_t *)xmalloc(n);
    int8_t *want = alloc_output(n, 0);
    int8_t *got = alloc_output(n, 0);
    size_t c;
    int32_t i;
    for (i = 0; i < n; ++i) {
        x[i] = (int8_t)((i & 0xFF) - 128);
        y[i] = (int8_t)((i >> 8) - 128);
    }
    for (c = 0; c < sizeof scales / sizeof scales[0]; ++c) {
        const double twice_max = 2.0 * (scales[c][0] > scales[c][1] ? scales[c][0] : scales[c][1]);
        int32_t m1, s1, m2, s2, mo, so;
        char what[80];
        quantize_multiplier(scales[c][0] / twice_max, &m1, &s1);
        quantize_multiplier(scales[c][1] / twice_max, &m2, &s2);
        quantize_multiplier(twice_max / (1048576.0 * scales[c][2]), &mo, &so);
        tmlc_add_s8(x, y, want, n, 128 - (int32_t)c, -5, -128 + 7 * (int32_t)c, 20, m1, s1, m2, s2,
                    mo, so, -128, 127);
        tmlc_add_s8_dsp(x, y, got, n, 128 - (int32_t)c, -5, -128 + 7 * (int32_t)c, 20, m1, s1,
                        m2, s2, mo, so, -128, 127);
        snprintf(what, sizeof what, "add all pairs, scales #%d", (int)c);
        check_s8(what, got, want, n);
    }
    free(x);
    free(y);
    free(want);
    free(got);
}

/* ---------------------------------------------------------------------------------------- */
/* Requantization edge cases through a 1x1 convolution with one input channel              */

/*
 * A 1x1 convolution of one pixel with input 0, input offset 0 and all-ones filters has the
 * accumulator acc[oc] = bias[oc], so the bias drives every (accumulator, multiplier, shift,
 * output offset) combination directly: INT32_MIN / INT32_MAX, rounding ties, and both sides of
 * the bounds of the fast requantization (shift -2 / -1, -22 / -23, offsets 128 / 129).
 */
static void test_requant_edges(int cases)
{
    static const int32_t k_shifts[] = {-31, -23, -22, -21, -12, -8, -3, -2, -1, 0, 1, 5};
    static const int32_t k_offsets[] = {-128, -127, -1, 0, 1, 127, 128, 129, -129, INT32_MAX};
    enum { n = 64 };
    int8_t input[1] = {0};
    int8_t ones[n];
    int32_t bias[n], multipliers[n], shifts[n];
    int8_t want[n], got[n];
    uint32_t scratch[TMLC_CONV2D_1X1_S8_DSP_SCRATCH(1) / 4];
    int i, j;
    memset(ones, 1, sizeof ones);
    for (i = 0; i < cases; ++i) {
        const int32_t output_offset = k_offsets[rnd_range(0, 9)];
        char what[120];
        for (j = 0; j < n; ++j) {
            const int32_t shift = k_shifts[rnd_range(0, 11)];
            const int kind = rnd_range(0, 5);
            multipliers[j] = chance(20) ? 1 << 30 : rnd_range(1 << 30, INT32_MAX);
            shifts[j] = shift;
            if (kind == 0) {
                bias[j] = chance(50) ? INT32_MIN : INT32_MAX;
            } else if (kind == 1 && shift < 0) {
                /* Odd multiples of 2^-shift, +-2: with multiplier 2^30 (a factor
                 * 2^(shift - 1)) these are exact ties of the final rounding. */
                const int32_t e = -shift < 30 ? -shift : 30;
                int64_t t = ((int64_t)rnd_range(-300, 300) * 2 + 1) * ((int64_t)1 << e);
                bias[j] = bits_s32((uint32_t)(uint64_t)(t + rnd_range(-2, 2)));
            } else if (kind == 2) {
                bias[j] = rnd_range(-4, 4);
            } else {
                bias[j] = bits_s32(rnd());
            }
        }
        tmlc_conv2d_s8(input, 1, 1, 1, 1, 0, ones, n, 1, 1, bias, multipliers, shifts, 1, 1, 1,
                       1, 0, 0, want, 1, 1, output_offset, -128, 127);
        memset(got, 0x55, sizeof got);
        tmlc_conv2d_1x1_s8_dsp(input, 1, 1, 0, ones, n, bias, multipliers, shifts, got,
                               output_offset, -128, 127, scratch);
        snprintf(what, sizeof what, "requant edges #%d (out_off %ld)", i, (long)output_offset);
        check_s8(what, got, want, n);
    }
}

/*
 * The same edges through the paths that only take channels with the fast requantization and an
 * int8 activation range: 1x1 convolutions of 3 full blocks of eight pixels (the wide GEMM) and
 * in-place 3x3 depthwise convolutions (the plane path). Accumulators are the edge biases plus
 * small per-pixel input values, so neighbouring pixels straddle rounding ties.
 */
static void test_requant_edges_fast_paths(int cases)
{
    static const int32_t k_shifts[] = {-22, -21, -20, -12, -8, -3, -2};
    enum { channels = 16, pixels = 24, side = 5 };
    int8_t input[pixels], dw_in[side * side * channels], dw_want[side * side * channels];
    int8_t ones[channels * 9];
    int32_t bias[channels], multipliers[channels], shifts[channels];
    int8_t want[pixels * channels], got[pixels * channels];
    uint32_t scratch[TMLC_CONV2D_1X1_S8_DSP_SCRATCH(1) / 4];
    uint32_t dw_scratch[TMLC_DEPTHWISE_CONV2D_INPLACE_S8_DSP_SCRATCH(side, side, 3, 3, 1, 1, 1,
                                                                     1) /
                        4];
    int8_t plane[side * side];
    int i, j;
    memset(ones, 1, sizeof ones);
    for (i = 0; i < cases; ++i) {
        const int32_t output_offset = rnd_range(-128, 128);
        uint32_t *packed;
        char what[120];
        for (j = 0; j < channels; ++j) {
            const int32_t shift = k_shifts[rnd_range(0, 6)];
            const int kind = rnd_range(0, 3);
            multipliers[j] = chance(20) ? 1 << 30 : rnd_range(1 << 30, INT32_MAX);
            shifts[j] = shift;
            if (kind == 0) {
                bias[j] = chance(50) ? INT32_MIN + 40 : INT32_MAX - 40;
            } else if (kind == 1) {
                bias[j] = bits_s32((uint32_t)(uint64_t)((int64_t)rnd_range(-300, 300) *
                                                        ((int64_t)1 << -shift)));
            } else {
                bias[j] = bits_s32(rnd());
            }
        }
        for (j = 0; j < pixels; ++j) {
            input[j] = (int8_t)rnd_range(-3, 3);
        }
        tmlc_conv2d_s8(input, 1, 1, pixels, 1, 0, ones, channels, 1, 1, bias, multipliers, shifts,
                       1, 1, 1, 1, 0, 0, want, 1, pixels, output_offset, -128, 127);
        tmlc_conv2d_1x1_s8_dsp(input, pixels, 1, 0, ones, channels, bias, multipliers, shifts,
                               got, output_offset, -128, 127, scratch);
        snprintf(what, sizeof what, "requant edges, wide GEMM #%d (out_off %ld)", i,
                 (long)output_offset);
        check_s8(what, got, want, pixels * channels);
        /* In-place 3x3 depthwise of a 5x5 image with filters of ones: acc = bias + 9 taps. */
        for (j = 0; j < side * side * channels; ++j) {
            dw_in[j] = (int8_t)rnd_range(-3, 3);
        }
        memcpy(dw_want, dw_in, sizeof dw_in);
        tmlc_depthwise_conv2d_inplace_s8(dw_want, side, side, channels, 0, ones, 3, 3, bias,
                                         multipliers, shifts, 1, 1, 1, 1, 1, 1, side, side,
                                         output_offset, -128, 127, plane);
        packed = pack_depthwise(ones, bias, 0, channels, 3, 3);
        tmlc_depthwise_conv2d_inplace_s8_dsp(dw_in, side, side, channels, 0, packed, 3, 3,
                                             multipliers, shifts, 1, 1, 1, 1, 1, 1, side, side,
                                             output_offset, -128, 127, dw_scratch);
        snprintf(what, sizeof what, "requant edges, depthwise plane #%d (out_off %ld)", i,
                 (long)output_offset);
        check_s8(what, dw_in, dw_want, side * side * channels);
        free(packed);
    }
}

/*
 * The requantization edges through the 1x1 GEMM with K a multiple of 8 (the eight-pixel asm
 * block on Cortex-M, tmlc_dsp_fast_any for every right shift -31..-2 and any output offset,
 * the generic path per channel for the others), on 29 pixels: blocks of 8 and a tail of
 * 4 + 1. Filter row c has a single 1 at tap c % K, so acc = bias + one input value per pixel.
 */
static void test_requant_edges_gemm(int cases)
{
    static const int32_t k_shifts[] = {-31, -30, -27, -24, -23, -22, -21, -12, -3, -2, -1, 0, 4};
    static const int32_t k_offsets[] = {-128, -1, 0, 5, 127, 128, 129, -129, 70000, INT32_MAX};
    /* K: multiples of 8 (the pairs and quads loops), odd group counts (one group after the
     * pairs, or alone, the last channel in C when K % 4 != 0), even ones with a tail. */
    static const int32_t k_depths[] = {8, 16, 1, 3, 4, 5, 9, 12, 20, 27, 6, 14};
    enum { channels = 12, pixels = 29, max_k = 27 };
    int8_t input[pixels * max_k], filter[channels * max_k];
    int32_t bias[channels], multipliers[channels], shifts[channels];
    int8_t want[pixels * channels], got[pixels * channels];
    uint32_t scratch[TMLC_CONV2D_1X1_S8_DSP_SCRATCH(max_k) / 4];
    int i, j;
    for (i = 0; i < cases; ++i) {
        /* Mode 0: any shifts (channels fast and generic side by side); 1: right shifts only
         * (every channel fast); 2: shifts -22..-2 and an offset within +-128 (the offset
         * folded into khi). */
        const int mode = rnd_range(0, 2);
        const int32_t k = k_depths[rnd_range(0, 11)];
        const int32_t output_offset = mode != 2 && chance(50) ? k_offsets[rnd_range(0, 9)]
                                                              : rnd_range(-128, 128);
        char what[120];
        memset(filter, 0, sizeof filter);
        for (j = 0; j < channels; ++j) {
            const int32_t shift = mode == 0   ? k_shifts[rnd_range(0, 12)]
                                  : mode == 1 ? k_shifts[rnd_range(0, 9)]
                                              : k_shifts[rnd_range(5, 9)];
            const int kind = rnd_range(0, 3);
            filter[j * k + j % k] = 1;
            multipliers[j] = chance(20) ? 1 << 30 : rnd_range(0, INT32_MAX);
            shifts[j] = shift;
            if (kind == 0) {
                bias[j] = chance(50) ? INT32_MIN + 40 : INT32_MAX - 40;
            } else if (kind == 1 && shift < 0 && shift > -31) {
                bias[j] = bits_s32((uint32_t)(uint64_t)((int64_t)rnd_range(-300, 300) *
                                                        ((int64_t)1 << -shift)));
            } else {
                bias[j] = bits_s32(rnd());
            }
        }
        for (j = 0; j < pixels * k; ++j) {
            input[j] = (int8_t)rnd_range(-3, 3);
        }
        tmlc_conv2d_s8(input, 1, 1, pixels, k, 0, filter, channels, 1, 1, bias, multipliers,
                       shifts, 1, 1, 1, 1, 0, 0, want, 1, pixels, output_offset, -128, 127);
        memset(got, 0x55, sizeof got);
        tmlc_conv2d_1x1_s8_dsp(input, pixels, k, 0, filter, channels, bias, multipliers, shifts,
                               got, output_offset, -128, 127, scratch);
        snprintf(what, sizeof what, "requant edges, GEMM mode %d K=%ld #%d (out_off %ld)", mode,
                 (long)k, i, (long)output_offset);
        check_s8(what, got, want, pixels * channels);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Benchmarks (QEMU with -icount shift=0 only)                                               */

#if defined(TMLC_ARM_BENCH)

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)

static uint32_t g_tick_start;

static void bench_start(void)
{
    SYST_CSR = 0;
    SYST_RVR = 0x00FFFFFFu;
    SYST_CVR = 0;
    SYST_CSR = 5; /* enable, CPU clock, no interrupt */
    g_tick_start = SYST_CVR;
}

/* Instructions since bench_start (40 per tick; the 24-bit counter wraps after 671 M). */
static uint32_t bench_stop(void)
{
    uint32_t now = SYST_CVR;
    return ((g_tick_start - now) & 0x00FFFFFFu) * 40u;
}

typedef enum { B_CONV, B_CONV_1X1, B_DEPTHWISE, B_DEPTHWISE_INPLACE, B_FC } bench_kind;

typedef struct {
    const char *name;
    bench_kind kind;
    int32_t in_h, in_w, in_c, out_c, k_h, k_w, stride, same; /* out_c: depth multiplier
                                                                for depthwise */
} bench_layer;

static void bench_one(const bench_layer *b)
{
    conv_shape s;
    int32_t multiplier = b->kind == B_DEPTHWISE || b->kind == B_DEPTHWISE_INPLACE ? b->out_c : 1;
    int32_t in_size, out_size_, filter_size, scratch_size = 0, out_c;
    int8_t *input, *filter, *want, *got;
    int32_t *bias, *multipliers, *shifts, *folded = NULL;
    uint32_t *packed = NULL;
    void *scratch = NULL;
    uint32_t t_ref, t_dsp;
    uint32_t macs;
    const int32_t input_offset = 128, output_offset = -128, act_min = -128, act_max = 127;
    s.batches = 1;
    s.in_h = b->in_h;
    s.in_w = b->in_w;
    s.in_c = b->in_c;
    s.k_h = b->k_h;
    s.k_w = b->k_w;
    s.stride_h = s.stride_w = b->stride;
    s.dilation_h = s.dilation_w = 1;
    if (b->same) {
        same_padding(s.in_h, s.k_h, s.stride_h, 1, &s.out_h, &s.pad_top);
        same_padding(s.in_w, s.k_w, s.stride_w, 1, &s.out_w, &s.pad_left);
    } else {
        s.pad_top = s.pad_left = 0;
        s.out_h = out_size(s.in_h, s.k_h, s.stride_h, 1, 0, 0);
        s.out_w = out_size(s.in_w, s.k_w, s.stride_w, 1, 0, 0);
    }
    out_c = b->kind == B_DEPTHWISE || b->kind == B_DEPTHWISE_INPLACE ? s.in_c * multiplier
                                                                      : b->out_c;
    in_size = s.in_h * s.in_w * s.in_c;
    out_size_ = s.out_h * s.out_w * out_c;
    filter_size = b->kind == B_DEPTHWISE || b->kind == B_DEPTHWISE_INPLACE
                      ? s.k_h * s.k_w * out_c
                      : out_c * s.k_h * s.k_w * s.in_c;
    macs = (uint32_t)s.out_h * (uint32_t)s.out_w * (uint32_t)out_c * (uint32_t)s.k_h *
           (uint32_t)s.k_w * (b->kind == B_DEPTHWISE || b->kind == B_DEPTHWISE_INPLACE
                                  ? 1u
                                  : (uint32_t)s.in_c);
    input = random_s8(in_size);
    filter = random_s8(filter_size);
    bias = random_bias(out_c);
    multipliers = (int32_t *)xmalloc((size_t)out_c * sizeof(int32_t));
    shifts = (int32_t *)xmalloc((size_t)out_c * sizeof(int32_t));
    {
        int32_t i;
        for (i = 0; i < out_c; ++i) {
            multipliers[i] = rnd_range(1 << 30, INT32_MAX);
            shifts[i] = rnd_range(-10, -6);
        }
    }
    want = alloc_output(b->kind == B_DEPTHWISE_INPLACE ? in_size : out_size_, 0);
    got = alloc_output(b->kind == B_DEPTHWISE_INPLACE ? in_size : out_size_, 0);
    switch (b->kind) {
    case B_CONV:
    case B_CONV_1X1:
        scratch_size = b->kind == B_CONV ? TMLC_CONV2D_S8_DSP_SCRATCH(s.k_h, s.k_w, s.in_c)
                                         : TMLC_CONV2D_1X1_S8_DSP_SCRATCH(s.in_c);
        scratch = xmalloc((size_t)scratch_size);
        bench_start();
        tmlc_conv2d_s8(input, 1, s.in_h, s.in_w, s.in_c, input_offset, filter, out_c, s.k_h,
                       s.k_w, bias, multipliers, shifts, s.stride_h, s.stride_w, 1, 1, s.pad_top,
                       s.pad_left, want, s.out_h, s.out_w, output_offset, act_min, act_max);
        t_ref = bench_stop();
        bench_start();
        if (b->kind == B_CONV) {
            tmlc_conv2d_s8_dsp(input, 1, s.in_h, s.in_w, s.in_c, input_offset, filter, out_c,
                               s.k_h, s.k_w, bias, multipliers, shifts, s.stride_h, s.stride_w,
                               1, 1, s.pad_top, s.pad_left, got, s.out_h, s.out_w,
                               output_offset, act_min, act_max, scratch);
        } else {
            tmlc_conv2d_1x1_s8_dsp(input, s.in_h * s.in_w, s.in_c, input_offset, filter, out_c,
                                   bias, multipliers, shifts, got, output_offset, act_min,
                                   act_max, scratch);
        }
        t_dsp = bench_stop();
        break;
    case B_DEPTHWISE:
        scratch_size = TMLC_DEPTHWISE_CONV2D_S8_DSP_SCRATCH(s.in_c, s.k_h, s.k_w, s.stride_w, 1,
                                                            1, s.out_w);
        scratch = xmalloc((size_t)scratch_size);
        packed = pack_depthwise(filter, bias, input_offset, out_c, s.k_h, s.k_w);
        bench_start();
        tmlc_depthwise_conv2d_s8(input, 1, s.in_h, s.in_w, s.in_c, input_offset, filter,
                                 multiplier, s.k_h, s.k_w, bias, multipliers, shifts, s.stride_h,
                                 s.stride_w, 1, 1, s.pad_top, s.pad_left, want, s.out_h, s.out_w,
                                 output_offset, act_min, act_max);
        t_ref = bench_stop();
        bench_start();
        tmlc_depthwise_conv2d_s8_dsp(input, 1, s.in_h, s.in_w, s.in_c, input_offset, packed,
                                     multiplier, s.k_h, s.k_w, multipliers, shifts, s.stride_h,
                                     s.stride_w, 1, 1, s.pad_top, s.pad_left, got, s.out_h,
                                     s.out_w, output_offset, act_min, act_max, scratch);
        t_dsp = bench_stop();
        break;
    case B_DEPTHWISE_INPLACE: {
        int8_t *plane = alloc_output(s.out_h * s.out_w, 0);
        scratch_size = TMLC_DEPTHWISE_CONV2D_INPLACE_S8_DSP_SCRATCH(
            s.out_h, s.out_w, s.k_h, s.k_w, s.stride_h, s.stride_w, 1, 1);
        scratch = xmalloc((size_t)scratch_size);
        packed = pack_depthwise(filter, bias, input_offset, out_c, s.k_h, s.k_w);
        memcpy(want, input, (size_t)in_size);
        memcpy(got, input, (size_t)in_size);
        bench_start();
        tmlc_depthwise_conv2d_inplace_s8(want, s.in_h, s.in_w, s.in_c, input_offset, filter,
                                         s.k_h, s.k_w, bias, multipliers, shifts, s.stride_h,
                                         s.stride_w, 1, 1, s.pad_top, s.pad_left, s.out_h,
                                         s.out_w, output_offset, act_min, act_max, plane);
        t_ref = bench_stop();
        bench_start();
        tmlc_depthwise_conv2d_inplace_s8_dsp(got, s.in_h, s.in_w, s.in_c, input_offset, packed,
                                             s.k_h, s.k_w, multipliers, shifts, s.stride_h,
                                             s.stride_w, 1, 1, s.pad_top, s.pad_left, s.out_h,
                                             s.out_w, output_offset, act_min, act_max, scratch);
        t_dsp = bench_stop();
        free(plane);
        out_size_ = in_size;
        break;
    }
    case B_FC:
    default:
        folded = fold_bias(bias, filter, s.in_c, out_c, input_offset);
        scratch = pack_fc(filter, s.in_c, out_c); /* the packed weights */
        bench_start();
        tmlc_fully_connected_s8(input, 1, s.in_c, input_offset, filter, out_c, bias,
                                multipliers, shifts, 1, want, output_offset, act_min, act_max);
        t_ref = bench_stop();
        bench_start();
        tmlc_fully_connected_s8_dsp(input, 1, s.in_c, scratch, out_c, folded, multipliers,
                                    shifts, 1, got, output_offset, act_min, act_max);
        t_dsp = bench_stop();
        out_size_ = out_c;
        break;
    }
    check_s8(b->name, got, want, out_size_);
    printf("%-34s %9lu MACs  portable %6.2f  dsp %5.2f instr/MAC  (%lu -> %lu instr, x%.2f)  "
           "scratch %ld B\n",
           b->name, (unsigned long)macs, (double)t_ref / (double)macs,
           (double)t_dsp / (double)macs, (unsigned long)t_ref, (unsigned long)t_dsp,
           (double)t_ref / (double)(t_dsp ? t_dsp : 1u), (long)scratch_size);
    free(input);
    free(filter);
    free(bias);
    free(folded);
    free(packed);
    free(multipliers);
    free(shifts);
    free(want);
    free(got);
    free(scratch);
}

static void run_benchmarks(void)
{
    static const bench_layer layers[] = {
        {"pd conv 3x3/2 96x96x1->8", B_CONV, 96, 96, 1, 8, 3, 3, 2, 1},
        {"vww conv 3x3/2 96x96x3->8", B_CONV, 96, 96, 3, 8, 3, 3, 2, 1},
        {"pd dw*8 3x3/2 96x96x1", B_DEPTHWISE, 96, 96, 1, 8, 3, 3, 2, 1},
        {"pd dw 3x3/1 48x48x8", B_DEPTHWISE, 48, 48, 8, 1, 3, 3, 1, 1},
        {"pd dw 3x3/1 48x48x8 inplace", B_DEPTHWISE_INPLACE, 48, 48, 8, 1, 3, 3, 1, 1},
        {"pd 1x1 48x48x8->16", B_CONV_1X1, 48, 48, 8, 16, 1, 1, 1, 0},
        {"pd dw 3x3/2 48x48x16", B_DEPTHWISE, 48, 48, 16, 1, 3, 3, 2, 1},
        {"pd dw 3x3/2 48x48x16 inplace", B_DEPTHWISE_INPLACE, 48, 48, 16, 1, 3, 3, 2, 1},
        {"pd 1x1 24x24x16->32", B_CONV_1X1, 24, 24, 16, 32, 1, 1, 1, 0},
        {"pd 1x1 24x24x32->32", B_CONV_1X1, 24, 24, 32, 32, 1, 1, 1, 0},
        {"pd 1x1 12x12x64->64", B_CONV_1X1, 12, 12, 64, 64, 1, 1, 1, 0},
        {"pd dw 3x3/1 6x6x128", B_DEPTHWISE, 6, 6, 128, 1, 3, 3, 1, 1},
        {"pd dw 3x3/1 6x6x128 inplace", B_DEPTHWISE_INPLACE, 6, 6, 128, 1, 3, 3, 1, 1},
        {"pd 1x1 6x6x128->128", B_CONV_1X1, 6, 6, 128, 128, 1, 1, 1, 0},
        {"pd 1x1 3x3x256->256", B_CONV_1X1, 3, 3, 256, 256, 1, 1, 1, 0},
        {"resnet conv 3x3 32x32x3->16", B_CONV, 32, 32, 3, 16, 3, 3, 1, 1},
        {"resnet conv 3x3 32x32x16->16", B_CONV, 32, 32, 16, 16, 3, 3, 1, 1},
        {"resnet conv 3x3/2 32x32x16->32", B_CONV, 32, 32, 16, 32, 3, 3, 2, 1},
        {"resnet conv 3x3 8x8x64->64", B_CONV, 8, 8, 64, 64, 3, 3, 1, 1},
        {"kws conv 10x4/2 49x10x1->64", B_CONV, 49, 10, 1, 64, 10, 4, 2, 1},
        {"pd dw 3x3/1 3x3x256", B_DEPTHWISE, 3, 3, 256, 1, 3, 3, 1, 1},
        {"mcunet dw 5x5/1 10x10x144", B_DEPTHWISE, 10, 10, 144, 1, 5, 5, 1, 1},
        {"mcunet dw 7x7/1 10x10x120", B_DEPTHWISE, 10, 10, 120, 1, 7, 7, 1, 1},
        {"mcunet dw 7x7/2 10x10x48", B_DEPTHWISE, 20, 20, 48, 1, 7, 7, 2, 1},
        {"kws dw 3x3/1 25x5x64", B_DEPTHWISE, 25, 5, 64, 1, 3, 3, 1, 1},
        {"kws dw 3x3/1 25x5x64 inplace", B_DEPTHWISE_INPLACE, 25, 5, 64, 1, 3, 3, 1, 1},
        {"ms dw*8 10x8/2 49x40x1", B_DEPTHWISE, 49, 40, 1, 8, 10, 8, 2, 1},
        {"pd dw 3x3/1 24x24x32 inplace", B_DEPTHWISE_INPLACE, 24, 24, 32, 1, 3, 3, 1, 1},
        {"pd dw 3x3/2 24x24x32 inplace", B_DEPTHWISE_INPLACE, 24, 24, 32, 1, 3, 3, 2, 1},
        {"pd dw 3x3/1 12x12x64 inplace", B_DEPTHWISE_INPLACE, 12, 12, 64, 1, 3, 3, 1, 1},
        {"pd dw 3x3/2 12x12x64 inplace", B_DEPTHWISE_INPLACE, 12, 12, 64, 1, 3, 3, 2, 1},
        {"pd dw 3x3/2 6x6x128", B_DEPTHWISE, 6, 6, 128, 1, 3, 3, 2, 1},
        {"pd dw 3x3/1 3x3x256 inplace", B_DEPTHWISE_INPLACE, 3, 3, 256, 1, 3, 3, 1, 1},
        {"mcunet dw 3x3/2 40x40x48 inplace", B_DEPTHWISE_INPLACE, 40, 40, 48, 1, 3, 3, 2, 1},
        {"mcunet dw 3x3/1 20x20x48 inplace", B_DEPTHWISE_INPLACE, 20, 20, 48, 1, 3, 3, 1, 1},
        {"mcunet dw 7x7/2 20x20x48 inplace", B_DEPTHWISE_INPLACE, 20, 20, 48, 1, 7, 7, 2, 1},
        {"mcunet dw 3x3/1 10x10x144 inplace", B_DEPTHWISE_INPLACE, 10, 10, 144, 1, 3, 3, 1, 1},
        {"mcunet dw 5x5/1 10x10x120 inplace", B_DEPTHWISE_INPLACE, 10, 10, 120, 1, 5, 5, 1, 1},
        {"mcunet dw 7x7/2 10x10x144 inplace", B_DEPTHWISE_INPLACE, 10, 10, 144, 1, 7, 7, 2, 1},
        {"mcunet dw 7x7/1 5x5x240 inplace", B_DEPTHWISE_INPLACE, 5, 5, 240, 1, 7, 7, 1, 1},
        {"mcunet dw 3x3/1 5x5x240 inplace", B_DEPTHWISE_INPLACE, 5, 5, 240, 1, 3, 3, 1, 1},
        {"mcunet dw 5x5/2 5x5x240 inplace", B_DEPTHWISE_INPLACE, 5, 5, 240, 1, 5, 5, 2, 1},
        {"mcunet dw 3x3/1 3x3x480 inplace", B_DEPTHWISE_INPLACE, 3, 3, 480, 1, 3, 3, 1, 1},
        {"mcunet dw 7x7/1 3x3x288 inplace", B_DEPTHWISE_INPLACE, 3, 3, 288, 1, 7, 7, 1, 1},
        {"kws 1x1 25x5x64->64", B_CONV_1X1, 25, 5, 64, 64, 1, 1, 1, 0},
        {"ms conv 10x8/2 49x40x1->8", B_CONV, 49, 40, 1, 8, 10, 8, 2, 1},
        {"ms fc 4000->4", B_FC, 1, 1, 4000, 4, 1, 1, 1, 0},
        {"ad fc 640->128", B_FC, 1, 1, 640, 128, 1, 1, 1, 0},
        {"ad fc 128->128", B_FC, 1, 1, 128, 128, 1, 1, 1, 0},
    };
    size_t i;
    for (i = 0; i < sizeof layers / sizeof layers[0]; ++i) {
        bench_one(&layers[i]);
    }
}

#endif /* TMLC_ARM_BENCH */

/* ---------------------------------------------------------------------------------------- */

#ifndef TMLC_ARM_TEST_CASES
#define TMLC_ARM_TEST_CASES 2000 /* random layers per kernel (the QEMU builds use fewer) */
#endif

/* LSTM: the DSP kernel against the portable one on random shapes, weights, requantization and
 * state, both layouts; outputs and both updated states must be equal. */
static void test_lstm(int cases)
{
    int i;
    for (i = 0; i < cases / 4 + 1; ++i) {
        tmlc_lstm_params p;
        const int32_t batches = rnd_range(1, 3);
        const int32_t steps = rnd_range(1, 4);
        const int32_t in_depth = rnd_range(1, 40);
        const int32_t depth = rnd_range(1, 24);
        const int32_t n = batches * depth;
        int8_t *input = random_s8(batches * steps * in_depth);
        int8_t *weights[8];
        int32_t *biases[4];
        int8_t *hidden = random_s8(n);
        int8_t *hidden_dsp = malloc((size_t)n);
        int16_t *cell = malloc(sizeof(int16_t) * (size_t)n);
        int16_t *cell_dsp = malloc(sizeof(int16_t) * (size_t)n);
        int32_t *work = malloc((size_t)TMLC_LSTM_S8_WORK(in_depth, depth) + 4);
        int8_t *want = alloc_output(batches * steps * depth, 0);
        int8_t *got = alloc_output(batches * steps * depth, 0);
        int32_t *multipliers, *shifts;
        char what[200];
        int32_t g, k;
        memset(&p, 0, sizeof p);
        random_requant(8, &multipliers, &shifts);
        p.batches = batches;
        p.time_steps = steps;
        p.input_depth = in_depth;
        p.state_depth = depth;
        p.time_major = chance(50);
        p.input_offset = rnd_range(-127, 128);
        p.hidden_zero_point = rnd_range(-128, 127);
        for (g = 0; g < 8; ++g) {
            weights[g] = random_s8(depth * (g < 4 ? in_depth : depth));
            p.weights[g] = weights[g];
            p.fc_multipliers[g] = multipliers[g];
            p.fc_shifts[g] = shifts[g];
        }
        for (g = 0; g < 4; ++g) {
            biases[g] = random_bias(depth);
            p.biases[g] = biases[g];
        }
        p.forget_cell_multiplier = 1 << 30;
        p.forget_cell_shift = -14;
        p.input_mul_multiplier = 1 << 30;
        p.input_mul_shift = rnd_range(-20, -14);
        p.output_mul_multiplier = (int32_t)(rnd() | 0x40000000u) & 0x7fffffff;
        p.output_mul_shift = rnd_range(-24, -16);
        p.has_cell_clip = chance(50);
        p.cell_clip = rnd_range(0, 32767);
        p.cell_tanh_multiplier = chance(50) ? 3 : 0;
        p.cell_tanh_shift = rnd_range(0, 3);
        p.cell_gate_logistic = chance(20);
        for (k = 0; k < n; ++k) {
            cell[k] = (int16_t)rnd_range(-32768, 32767);
        }
        memcpy(hidden_dsp, hidden, (size_t)n);
        memcpy(cell_dsp, cell, sizeof(int16_t) * (size_t)n);
        snprintf(what, sizeof what, "lstm #%d: b%ld t%ld i%ld s%ld time_major %ld", i,
                 (long)batches, (long)steps, (long)in_depth, (long)depth, (long)p.time_major);
        tmlc_lstm_s8(input, &p, cell, hidden, (int16_t *)(void *)work, want);
        tmlc_lstm_s8_dsp(input, &p, cell_dsp, hidden_dsp, (int16_t *)(void *)work, got);
        check_s8(what, got, want, batches * steps * depth);
        check_s8(what, hidden_dsp, hidden, n);
        check_s8(what, (const int8_t *)cell_dsp, (const int8_t *)cell, 2 * n);
        for (g = 0; g < 8; ++g) {
            free(weights[g]);
        }
        for (g = 0; g < 4; ++g) {
            free(biases[g]);
        }
        free(input);
        free(hidden);
        free(hidden_dsp);
        free(cell);
        free(cell_dsp);
        free(work);
        free(want);
        free(got);
        free(multipliers);
        free(shifts);
    }
}

int main(void)
{
    const int n = TMLC_ARM_TEST_CASES;
    test_requant_edges(n);
    test_requant_edges_fast_paths(n);
    test_requant_edges_gemm(n);
    test_conv_1x1(n);
    test_conv(n);
    test_conv_first_layers(n / 4);
    test_depthwise(n, 0);
    test_depthwise(n, 1);
    test_depthwise_small_planes();
    test_fully_connected(n);
    test_conv_1x1_wide(n);
    test_add(n);
    test_add_all_pairs();
    test_lstm(n);
#if defined(TMLC_ARM_BENCH)
    run_benchmarks();
#endif
    printf("test_kernels_arm (%s): %d checks, %d failures\n",
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
           "DSP instructions",
#else
           "emulated DSP instructions",
#endif
           g_checks, g_failures);
    return g_failures == 0 ? 0 : 1;
}
