/*
 * tmlc runtime tests: what the kernel-variant tests (test_kernels_arm.c, test_kernels_mve.c)
 * share: the check counters, a fixed-seed splitmix64 stream, and the random layer shapes,
 * quantization parameters and buffers they draw, with the printing of a failing case. Included
 * once by each test program (its functions are static).
 */
#ifndef TMLC_TESTS_RANDOM_LAYERS_H
#define TMLC_TESTS_RANDOM_LAYERS_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmlc/kernels.h"

static int g_checks;
static int g_failures;

/* ---------------------------------------------------------------------------------------- */
/* Pseudo-random numbers (splitmix64)                                                        */

static uint64_t g_rng = 0x7E57C0DE2024ULL;

static uint32_t rnd(void)
{
    uint64_t z = (g_rng += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return (uint32_t)((z ^ (z >> 31)) >> 32);
}

/* A uniform integer in [lo, hi]. */
static int32_t rnd_range(int32_t lo, int32_t hi)
{
    uint32_t span = (uint32_t)hi - (uint32_t)lo + 1u;
    uint32_t r = span == 0 ? rnd() : rnd() % span;
    return (int32_t)((int64_t)lo + (int64_t)r);
}

/* True with probability percent / 100. */
static int chance(int percent)
{
    return rnd_range(0, 99) < percent;
}

static int32_t bits_s32(uint32_t u)
{
    return u <= (uint32_t)INT32_MAX ? (int32_t)u : (int32_t)(u - 0x80000000u) - INT32_MAX - 1;
}

/* ---------------------------------------------------------------------------------------- */
/* Buffers                                                                                   */

static void *xmalloc(size_t n)
{
    void *p = malloc(n > 0 ? n : 1u);
    if (p == NULL) {
        fprintf(stderr, "out of memory (%lu bytes)\n", (unsigned long)n);
        exit(2);
    }
    return p;
}

static int8_t *random_s8(int32_t n)
{
    int8_t *p = (int8_t *)xmalloc((size_t)n);
    int32_t i;
    /* Mostly uniform; sometimes all-extreme values, which maximize the sums. */
    int mode = rnd_range(0, 9);
    for (i = 0; i < n; ++i) {
        int32_t v;
        if (mode == 0) {
            v = chance(50) ? -128 : 127;
        } else if (mode == 1) {
            v = -128;
        } else {
            v = rnd_range(-128, 127);
        }
        p[i] = (int8_t)v;
    }
    return p;
}

static int32_t *random_bias(int32_t n)
{
    int32_t *p = (int32_t *)xmalloc((size_t)n * sizeof(int32_t));
    int32_t i;
    int huge = chance(10);
    for (i = 0; i < n; ++i) {
        p[i] = huge ? bits_s32(rnd()) : rnd_range(-100000, 100000);
    }
    return p;
}

/* Per-channel (multiplier, shift) pairs: mostly QuantizeMultiplier-like with right shifts
 * (the fast path), sometimes every other case the generic path must handle. */
static void random_requant(int32_t n, int32_t **multipliers, int32_t **shifts)
{
    int32_t *m = (int32_t *)xmalloc((size_t)n * sizeof(int32_t));
    int32_t *s = (int32_t *)xmalloc((size_t)n * sizeof(int32_t));
    int32_t i;
    int wide = chance(30);
    for (i = 0; i < n; ++i) {
        int kind = rnd_range(0, 99);
        m[i] = rnd_range(1 << 30, INT32_MAX);
        if (!wide || kind < 60) {
            s[i] = rnd_range(-14, -2);
        } else if (kind < 70) {
            s[i] = rnd_range(-24, -15);
        } else if (kind < 80) {
            s[i] = rnd_range(-1, 3);
        } else if (kind < 85) {
            s[i] = rnd_range(-45, -25);
        } else if (kind < 90) {
            s[i] = rnd_range(4, 40);
        } else if (kind < 95) {
            m[i] = 1 << 30; /* a power of two: rounding ties everywhere */
            s[i] = rnd_range(-12, 0);
        } else {
            m[i] = chance(50) ? 0 : rnd_range(0, INT32_MAX);
            s[i] = rnd_range(-20, 2);
        }
    }
    *multipliers = m;
    *shifts = s;
}

static int32_t random_input_offset(void)
{
    int kind = rnd_range(0, 9);
    if (kind == 0) {
        return -127;
    }
    if (kind == 1) {
        return 128;
    }
    if (kind == 2) {
        return 0;
    }
    return rnd_range(-127, 128);
}

static int32_t random_output_offset(void)
{
    int kind = rnd_range(0, 19);
    if (kind == 0) {
        return chance(50) ? -128 : 127;
    }
    if (kind == 1) {
        return chance(50) ? 128 : -129; /* just outside int8 */
    }
    if (kind == 2) {
        return bits_s32(rnd()); /* anything (the generic path) */
    }
    return rnd_range(-128, 127);
}

static void random_act(int32_t output_offset, int32_t *act_min, int32_t *act_max)
{
    int kind = rnd_range(0, 9);
    int32_t zp = output_offset < -128 ? -128 : (output_offset > 127 ? 127 : output_offset);
    if (kind < 3) {
        *act_min = -128;
        *act_max = 127;
    } else if (kind < 5) {
        *act_min = zp; /* relu */
        *act_max = 127;
    } else if (kind < 7) {
        *act_min = zp; /* relu6-like */
        *act_max = zp + rnd_range(0, 127 - zp);
    } else if (kind < 9) {
        *act_min = rnd_range(-128, 127);
        *act_max = rnd_range(*act_min, 127);
    } else {
        *act_min = rnd_range(-300, 300); /* outside int8, or empty */
        *act_max = rnd_range(-300, 300);
    }
}

/* Scratch with garbage in it (the kernels must not depend on its content). */
static void *random_scratch(int32_t n)
{
    unsigned char *p = (unsigned char *)xmalloc((size_t)n);
    int32_t i;
    for (i = 0; i < n; ++i) {
        p[i] = (unsigned char)(rnd() & 0xFFu);
    }
    return p;
}

/* ---------------------------------------------------------------------------------------- */
/* Checks                                                                                    */

static const int k_sentinels[2] = {0x55, 0xAA};

static int8_t *alloc_output(int32_t n, int fill)
{
    int8_t *p = (int8_t *)xmalloc((size_t)n);
    memset(p, fill, n > 0 ? (size_t)n : 0u);
    return p;
}

/* Compares n outputs; on a difference prints `what` (a case description) and a few elements. */
static int check_s8(const char *what, const int8_t *got, const int8_t *want, int32_t n)
{
    int32_t i;
    int shown = 0;
    ++g_checks;
    for (i = 0; i < n; ++i) {
        if (got[i] != want[i]) {
            if (shown == 0) {
                ++g_failures;
                fprintf(stderr, "FAIL %s\n", what);
            }
            if (shown < 6) {
                fprintf(stderr, "  element %ld: got %d, want %d\n", (long)i, got[i], want[i]);
            }
            ++shown;
        }
    }
    if (shown > 6) {
        fprintf(stderr, "  %d elements differ\n", shown);
    }
    return shown == 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Layer descriptions                                                                        */

typedef struct {
    int32_t batches, in_h, in_w, in_c, out_c, k_h, k_w;
    int32_t stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left, out_h, out_w;
} conv_shape;

/* Output size for a window of k taps (dilation d) over n inputs padded by before + after. */
static int32_t out_size(int32_t n, int32_t k, int32_t stride, int32_t dilation, int32_t before,
                        int32_t after)
{
    int32_t span = (k - 1) * dilation + 1;
    int32_t padded = n + before + after;
    return padded < span ? 0 : (padded - span) / stride + 1;
}

/* TFLite SAME padding: the leading amount (the trailing one is implied by the output size). */
static void same_padding(int32_t n, int32_t k, int32_t stride, int32_t dilation, int32_t *out,
                         int32_t *before)
{
    int32_t span = (k - 1) * dilation + 1;
    int32_t o = (n + stride - 1) / stride;
    int32_t total = (o - 1) * stride + span - n;
    *out = o;
    *before = total > 0 ? total / 2 : 0;
}

/* Random window geometry along one axis: padding before/after within the span. */
static int random_axis(int32_t n, int32_t k, int32_t stride, int32_t dilation, int32_t *pad,
                       int32_t *out)
{
    int32_t span = (k - 1) * dilation + 1;
    if (chance(40)) {
        same_padding(n, k, stride, dilation, out, pad);
    } else {
        int32_t after = rnd_range(0, span - 1);
        *pad = rnd_range(0, span - 1);
        *out = out_size(n, k, stride, dilation, *pad, after);
    }
    return *out > 0;
}

static void describe_conv(char *buf, size_t size, const char *kernel, const conv_shape *s,
                          int32_t input_offset, int32_t output_offset, int32_t act_min,
                          int32_t act_max, int case_index)
{
    snprintf(buf, size,
             "%s #%d: b%ld in %ldx%ldx%ld -> out %ldx%ldx%ld, k %ldx%ld, stride %ld,%ld, "
             "dilation %ld,%ld, pad %ld,%ld, in_off %ld, out_off %ld, act [%ld, %ld]",
             kernel, case_index, (long)s->batches, (long)s->in_h, (long)s->in_w, (long)s->in_c,
             (long)s->out_h, (long)s->out_w, (long)s->out_c, (long)s->k_h, (long)s->k_w,
             (long)s->stride_h, (long)s->stride_w, (long)s->dilation_h, (long)s->dilation_w,
             (long)s->pad_top, (long)s->pad_left, (long)input_offset, (long)output_offset,
             (long)act_min, (long)act_max);
}

#endif
