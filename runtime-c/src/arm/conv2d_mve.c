/*
 * tmlc runtime, Helium (MVE) kernels: CONV_2D (owns tmlc_conv2d_1x1_s8_mve and the im2col
 * tmlc_conv2d_s8_mve; contracts in tmlc/kernels_mve.h).
 *
 * Both reduce to one kernel: the dot products of int8 vectors (pixels' channels, or receptive
 * fields copied TMLC_CONV2D_MVE_FIELDS at a time, a filter row at a border as zero points
 * around one contiguous copy) with every filter row. rows4 does it in assembly for all groups
 * of four filter rows: per pixel one tail-predicated loop (DLSTP/LETP) reads 16 values of the
 * vector and of the four rows and accumulates four VMLADAVA sums, then the four channels are
 * requantized in one vector (mve_internal.h's instructions) and stored with one VSTRB; the
 * last one to three rows take the C loop of dot4_rows. The input offset is folded into the
 * bias once per call (bias + offset * sum(filter row), modulo 2^32 as the portable sums wrap),
 * which is exact because padded taps hold the zero point -offset.
 */
#include <stddef.h>

#include "tmlc/kernels_mve.h"

#include "tmlc/kernels.h"
#include "mve_internal.h"

#ifdef TMLC_HAVE_MVE

/* The tables of tmlc_mve_tables in the scratch, for out_c filter rows of k values. */
static tmlc_mve_tables prepare_tables(void *scratch, const int8_t *filter, int32_t out_c,
                                      int32_t k, const int32_t *bias, const int32_t *shifts,
                                      int32_t input_offset)
{
    tmlc_mve_tables t;
    int32_t oc;
    t.folded_bias = (int32_t *)scratch;
    t.any_left = 0;
    t.left = t.folded_bias + out_c;
    t.neg_right = t.left + out_c;
    for (oc = 0; oc < out_c; ++oc) {
        const int8_t *row = filter + oc * k;
        int32_t sum = 0;
        int32_t i;
        for (i = 0; i + 16 <= k; i += 16) {
            sum = vaddvaq_s8(sum, vldrbq_s8(row + i));
        }
        if (i < k) {
            sum = vaddvaq_s8(sum, vldrbq_z_s8(row + i, vctp8q((uint32_t)(k - i))));
        }
        t.folded_bias[oc] = tmlc_i_s32((uint32_t)(bias != NULL ? bias[oc] : 0) +
                                       (uint32_t)input_offset * (uint32_t)sum);
        t.left[oc] = tmlc_mve_left(shifts[oc]);
        t.any_left |= t.left[oc];
        t.neg_right[oc] = tmlc_mve_neg_right(shifts[oc]);
    }
    return t;
}

#if defined(__GNUC__)
#define TMLC_MVE_ALWAYS_INLINE static inline __attribute__((always_inline))
#else
#define TMLC_MVE_ALWAYS_INLINE static inline
#endif

/* init[r] + the dot product of x with the row at w_r (k values each), r = 0..3, as a vector. One tail-predicated loop (DLSTP/LETP: the last pass loads and sums only the k % 16
 * values left), 16 values of x and of each row per pass. VMLADAVA accumulates into an even
 * register only: GCC's constraint Te. */
TMLC_MVE_ALWAYS_INLINE int32x4_t dot4_at(const int8_t *x, const int8_t *w0, const int8_t *w1,
                                         const int8_t *w2, const int8_t *w3, int32_t k,
                                         const int32_t *init)
{
    int32_t a0 = init[0];
    int32_t a1 = init[1];
    int32_t a2 = init[2];
    int32_t a3 = init[3];
    __asm__("dlstp.8 lr, %[n]\n"
            "1:\n\t"
            "vldrb.8 q0, [%[x]], #16\n\t"
            "vldrb.8 q1, [%[w0]], #16\n\t"
            "vmladava.s8 %[a0], q0, q1\n\t"
            "vldrb.8 q1, [%[w1]], #16\n\t"
            "vmladava.s8 %[a1], q0, q1\n\t"
            "vldrb.8 q1, [%[w2]], #16\n\t"
            "vmladava.s8 %[a2], q0, q1\n\t"
            "vldrb.8 q1, [%[w3]], #16\n\t"
            "vmladava.s8 %[a3], q0, q1\n\t"
            "letp lr, 1b"
            : [a0] "+Te"(a0), [a1] "+Te"(a1), [a2] "+Te"(a2), [a3] "+Te"(a3), [x] "+r"(x),
              [w0] "+r"(w0), [w1] "+r"(w1), [w2] "+r"(w2), [w3] "+r"(w3)
            : [n] "r"(k)
            : "q0", "q1", "lr", "memory");
    return vsetq_lane_s32(a3, vsetq_lane_s32(a2, vsetq_lane_s32(a1, vdupq_n_s32(a0), 1), 2), 3);
}

/* dot4_at for the last n < 4 rows w, w + k, ...: the missing rows repeat the last one. */
static int32x4_t dot4_rows(const int8_t *x, const int8_t *w, int32_t k, int32_t n,
                           const int32_t *init)
{
    const int8_t *w1 = n > 1 ? w + k : w;
    const int8_t *w2 = n > 2 ? w1 + k : w1;
    return dot4_at(x, w, w1, w2, w2, k, init);
}

/* Copies n > 0 bytes from src to dst in one tail-predicated loop; returns dst + n. */
TMLC_MVE_ALWAYS_INLINE int8_t *copy_bytes(int8_t *dst, const int8_t *src, int32_t n)
{
    int8_t *end = dst + n;
    __asm__ volatile("dlstp.8 lr, %[n]\n"
                     "1:\n\t"
                     "vldrb.8 q0, [%[src]], #16\n\t"
                     "vstrb.8 q0, [%[dst]], #16\n\t"
                     "letp lr, 1b"
                     : [src] "+r"(src), [dst] "+r"(dst)
                     : [n] "r"(n)
                     : "q0", "lr", "memory");
    return end;
}

/* Stores n > 0 zero points at dst in one tail-predicated loop; returns dst + n. */
TMLC_MVE_ALWAYS_INLINE int8_t *fill_bytes(int8_t *dst, int32_t n, int8x16_t zero_points)
{
    int8_t *end = dst + n;
    __asm__ volatile("dlstp.8 lr, %[n]\n"
                     "1:\n\t"
                     "vstrb.8 %q[z], [%[dst]], #16\n\t"
                     "letp lr, 1b"
                     : [dst] "+r"(dst)
                     : [n] "r"(n), [z] "w"(zero_points)
                     : "lr", "memory");
    return end;
}

/* What rows4 reads (offsets fixed: its assembly addresses the fields; it advances w, init,
 * m, left, neg_right and out from one group of four rows to the next). */
typedef struct {
    const int8_t *w;          /* 0: the first of the four filter rows (the next ones follow) */
    const int32_t *init;      /* 4: their folded biases */
    int32_t k;                /* 8: values per row */
    int32_t output_offset;    /* 12 */
    int32_t out_stride;       /* 16: bytes from one pixel's output to the next */
    int32_t x_delta;          /* 20: from the end of one x vector's last pass to the next */
    int32_t lo, hi;           /* 24, 28: the activation range */
    const int32_t *m;         /* 32: the rows' multipliers, left shifts, negated right shifts */
    const int32_t *left;      /* 36 */
    const int32_t *neg_right; /* 40 */
    const int8_t *x;          /* 44: the first pixel's vector */
    int8_t *out;              /* 48: the first pixel's output of the group */
    int32_t pixels;           /* 52: > 0 */
    int32_t groups;           /* 56: > 0 groups of four rows */
} row_job;

/*
 * For each of job->groups groups of four filter rows, and job->pixels vectors
 * x_i = x + i * (x_delta + 16 * ceil(k / 16)): the four outputs
 * requant(init[r] + x_i . (w + r * k)) at out + i * out_stride, r = 0..3. One assembly loop,
 * as a tail-predicated dot product (the last pass loads and sums only the k % 16 values
 * left; VMLADAVA accumulates into an even register only, GCC's constraint Te) and
 * tmlc_mve_requant (the same instructions, the rows' constants held in q2-q6) compute them;
 * GCC's allocation of the same code in C spilled most of the per-pixel state. The lanes are
 * set one by one (VMOV.32 Qd[i], Rt).
 */
#define TMLC_ROWS4(name, shl, xadd)                                                            \
static void name(row_job *job)                                                                 \
{                                                                                              \
    int32_t a0, a1, a2, a3, tmp, pixels;                                                       \
    const int8_t *w0, *w1, *w2, *w3, *x;                                                       \
    register int8_t *out __asm__("r1"); /* VSTRB.32 takes a low base register */               \
    __asm__ volatile("3:\n"                                                                    \
                     "ldr %[tmp], [%[job], #32]\n\t"                                           \
                     "vldrw.u32 q2, [%[tmp]]\n\t"                                              \
                     "ldr %[tmp], [%[job], #36]\n\t"                                           \
                     "vldrw.u32 q3, [%[tmp]]\n\t"                                              \
                     "ldr %[tmp], [%[job], #40]\n\t"                                           \
                     "vldrw.u32 q4, [%[tmp]]\n\t"                                              \
                     "ldr %[tmp], [%[job], #24]\n\t"                                           \
                     "vdup.32 q5, %[tmp]\n\t"                                                  \
                     "ldr %[tmp], [%[job], #28]\n\t"                                           \
                     "vdup.32 q6, %[tmp]\n\t"                                                  \
                     "ldr %[x], [%[job], #44]\n\t"                                             \
                     "ldr %[out], [%[job], #48]\n\t"                                           \
                     "ldr %[pixels], [%[job], #52]\n\t"                                        \
                     "2:\n"                                                                    \
                     "ldr %[tmp], [%[job], #4]\n\t"                                            \
                     "ldrd %[a0], %[a1], [%[tmp]]\n\t"                                         \
                     "ldrd %[a2], %[a3], [%[tmp], #8]\n\t"                                     \
                     "ldr %[w0], [%[job], #0]\n\t"                                             \
                     "ldr %[tmp], [%[job], #8]\n\t"                                            \
                     "add %[w1], %[w0], %[tmp]\n\t"                                            \
                     "add %[w2], %[w1], %[tmp]\n\t"                                            \
                     "add %[w3], %[w2], %[tmp]\n\t"                                            \
                     "dlstp.8 lr, %[tmp]\n\t"                                                  \
                     "1:\n"                                                                    \
                     "vldrb.8 q0, [%[x]], #16\n\t"                                             \
                     "vldrb.8 q1, [%[w0]], #16\n\t"                                            \
                     "vmladava.s8 %[a0], q0, q1\n\t"                                           \
                     "vldrb.8 q1, [%[w1]], #16\n\t"                                            \
                     "vmladava.s8 %[a1], q0, q1\n\t"                                           \
                     "vldrb.8 q1, [%[w2]], #16\n\t"                                            \
                     "vmladava.s8 %[a2], q0, q1\n\t"                                           \
                     "vldrb.8 q1, [%[w3]], #16\n\t"                                            \
                     "vmladava.s8 %[a3], q0, q1\n\t"                                           \
                     "letp lr, 1b\n\t"                                                         \
                     "vmov.32 q0[0], %[a0]\n\t"                                                \
                     "vmov.32 q0[1], %[a1]\n\t"                                                \
                     "vmov.32 q0[2], %[a2]\n\t"                                                \
                     "vmov.32 q0[3], %[a3]\n\t"                                                \
                     shl                                                                       \
                     "vqrdmulh.s32 q0, q0, q2\n\t"                                             \
                     "vand q1, q0, q4\n\t"                                                     \
                     "vshr.s32 q1, q1, #31\n\t"                                                \
                     "vqadd.s32 q0, q0, q1\n\t"                                                \
                     "vrshl.s32 q0, q0, q4\n\t"                                                \
                     "ldr %[tmp], [%[job], #12]\n\t"                                           \
                     "vadd.i32 q0, q0, %[tmp]\n\t"                                             \
                     "vmax.s32 q0, q0, q5\n\t"                                                 \
                     "vmin.s32 q0, q0, q6\n\t"                                                 \
                     "vstrb.32 q0, [%[out]]\n\t"                                               \
                     "ldr %[tmp], [%[job], #16]\n\t"                                           \
                     "add %[out], %[out], %[tmp]\n\t"                                          \
                     xadd                                                                      \
                     "subs %[pixels], %[pixels], #1\n\t"                                       \
                     "bne 2b\n\t"                                                              \
                     "ldr %[tmp], [%[job], #48]\n\t"                                           \
                     "adds %[tmp], %[tmp], #4\n\t"                                             \
                     "str %[tmp], [%[job], #48]\n\t"                                           \
                     "ldr %[tmp], [%[job], #0]\n\t"                                            \
                     "ldr %[w0], [%[job], #8]\n\t"                                             \
                     "add %[tmp], %[tmp], %[w0], lsl #2\n\t"                                   \
                     "str %[tmp], [%[job], #0]\n\t"                                            \
                     "ldr %[tmp], [%[job], #4]\n\t"                                            \
                     "adds %[tmp], %[tmp], #16\n\t"                                            \
                     "str %[tmp], [%[job], #4]\n\t"                                            \
                     "ldr %[tmp], [%[job], #32]\n\t"                                           \
                     "adds %[tmp], %[tmp], #16\n\t"                                            \
                     "str %[tmp], [%[job], #32]\n\t"                                           \
                     "ldr %[tmp], [%[job], #36]\n\t"                                           \
                     "adds %[tmp], %[tmp], #16\n\t"                                            \
                     "str %[tmp], [%[job], #36]\n\t"                                           \
                     "ldr %[tmp], [%[job], #40]\n\t"                                           \
                     "adds %[tmp], %[tmp], #16\n\t"                                            \
                     "str %[tmp], [%[job], #40]\n\t"                                           \
                     "ldr %[tmp], [%[job], #56]\n\t"                                           \
                     "subs %[tmp], %[tmp], #1\n\t"                                             \
                     "str %[tmp], [%[job], #56]\n\t"                                           \
                     "bne 3b"                                                                  \
                     : [a0] "=&Te"(a0), [a1] "=&Te"(a1), [a2] "=&Te"(a2), [a3] "=&Te"(a3),     \
                       [w0] "=&r"(w0), [w1] "=&r"(w1), [w2] "=&r"(w2), [w3] "=&r"(w3),         \
                       [tmp] "=&r"(tmp), [x] "=&r"(x), [out] "=&r"(out), [pixels] "=&r"(pixels) \
                     : [job] "r"(job)                                                          \
                     : "q0", "q1", "q2", "q3", "q4", "q5", "q6", "lr", "cc", "memory");        \
}

/* The four variants: with or without the left shift (no row has one) and the step between
 * x vectors (none when they are contiguous, x_delta = 0). */
TMLC_ROWS4(rows4, "vshl.s32 q0, q0, q3\n\t", "ldr %[tmp], [%[job], #20]\n\tadd %[x], %[x], %[tmp]\n\t")
TMLC_ROWS4(rows4_noshl, "", "ldr %[tmp], [%[job], #20]\n\tadd %[x], %[x], %[tmp]\n\t")
TMLC_ROWS4(rows4_contiguous, "vshl.s32 q0, q0, q3\n\t", "")
TMLC_ROWS4(rows4_noshl_contiguous, "", "")

/*
 * output[i * out_stride + oc] = requant(folded_bias[oc] + x_i . filter[oc]) for `pixels`
 * vectors x_i = x + i * x_stride of k values and every oc. Four channels at a time, whose
 * requantization constants stay in registers over the pixels; the last partial group of
 * one to three channels takes dot4_rows.
 */
static void dot_rows(const int8_t *x, int32_t x_stride, int32_t pixels, int32_t k,
                     const int8_t *filter, int32_t out_c, const tmlc_mve_tables *t,
                     const int32_t *multipliers, int8_t *output, int32_t out_stride,
                     int32_t output_offset, int32_t lo, int32_t hi)
{
    const int32_t blocks = k >> 4;
    const int32_t rest = k & 15;
    const mve_pred16_t tail = vctp8q((uint32_t)rest);
    const int32_t full = out_c & ~3;
    int32_t oc;
    if (k <= 16) {
        /* One vector per pixel (all 16 lanes for k = 16): the four filter rows stay in
         * registers over the pixels. */
        const mve_pred16_t p = blocks != 0 ? (mve_pred16_t)0xFFFF : tail;
        for (oc = 0; oc < full; oc += 4) {
            const int8_t *const f = filter + oc * k;
            const int8x16_t w0 = vldrbq_z_s8(f, p);
            const int8x16_t w1 = vldrbq_z_s8(f + k, p);
            const int8x16_t w2 = vldrbq_z_s8(f + 2 * k, p);
            const int8x16_t w3 = vldrbq_z_s8(f + 3 * k, p);
            const int32x4_t folded = vldrwq_s32(t->folded_bias + oc);
            const int32x4_t m = vldrwq_s32(multipliers + oc);
            const int32x4_t left = vldrwq_s32(t->left + oc);
            const int32x4_t neg_right = vldrwq_s32(t->neg_right + oc);
            const int8_t *xi = x;
            int8_t *out = output + oc;
            int32_t i;
            for (i = pixels; i > 0; --i) {
                const int8x16_t xv = vldrbq_z_s8(xi, p);
                int32x4_t acc = vdupq_n_s32(vmladavq_s8(xv, w0));
                acc = vsetq_lane_s32(vmladavq_s8(xv, w1), acc, 1);
                acc = vsetq_lane_s32(vmladavq_s8(xv, w2), acc, 2);
                acc = vsetq_lane_s32(vmladavq_s8(xv, w3), acc, 3);
                acc = tmlc_mve_requant(vaddq_s32(acc, folded), m, left, neg_right, output_offset,
                                       lo, hi);
                vstrbq_s32(out, acc);
                xi += x_stride;
                out += out_stride;
            }
        }
    } else {
        oc = 0;
    }
    if (oc < full && pixels > 0) {
        row_job job;
        job.w = filter;
        job.init = t->folded_bias;
        job.k = k;
        job.output_offset = output_offset;
        job.out_stride = out_stride;
        job.x_delta = x_stride - ((k + 15) & ~15);
        job.lo = lo;
        job.hi = hi;
        job.m = multipliers;
        job.left = t->left;
        job.neg_right = t->neg_right;
        job.x = x;
        job.out = output;
        job.pixels = pixels;
        job.groups = full / 4;
        if (job.x_delta != 0) {
            (t->any_left ? rows4 : rows4_noshl)(&job);
        } else {
            (t->any_left ? rows4_contiguous : rows4_noshl_contiguous)(&job);
        }
        oc = full;
    }
    if (oc < out_c) {
        /* The last one to three rows: the missing rows repeat the last one (their sums are
         * not stored), and their initial values come from a padded copy. */
        const int32_t n = out_c - oc;
        const mve_pred16_t p = vctp32q((uint32_t)n);
        const int8_t *const f = filter + oc * k;
        const int32x4_t m = vldrwq_z_s32(multipliers + oc, p);
        const int32x4_t left = vldrwq_z_s32(t->left + oc, p);
        const int32x4_t neg_right = vldrwq_z_s32(t->neg_right + oc, p);
        int32_t init[4];
        const int8_t *xi = x;
        int8_t *out = output + oc;
        int32_t i;
        vstrwq_s32(init, vldrwq_z_s32(t->folded_bias + oc, p));
        for (i = pixels; i > 0; --i) {
            int32x4_t acc = dot4_rows(xi, f, k, n, init);
            acc = tmlc_mve_requant(acc, m, left, neg_right, output_offset, lo, hi);
            vstrbq_p_s32(out, acc, p);
            xi += x_stride;
            out += out_stride;
        }
    }
}

#endif /* TMLC_HAVE_MVE */

void tmlc_conv2d_1x1_s8_mve(const int8_t *input, int32_t pixels, int32_t row_pixels, int32_t in_c,
                            int32_t input_offset, const int8_t *filter, int32_t out_c,
                            const int32_t *bias, const int32_t *multipliers,
                            const int32_t *shifts, int8_t *output, int32_t output_offset,
                            int32_t act_min, int32_t act_max, void *scratch)
{
#ifdef TMLC_HAVE_MVE
    if (tmlc_mve_foldable_offset(input_offset)) {
        const int32_t row = row_pixels > 0 ? row_pixels : pixels;
        int32_t lo, hi, p;
        const tmlc_mve_tables t =
            prepare_tables(scratch, filter, out_c, in_c, bias, shifts, input_offset);
        tmlc_mve_act_range(act_min, act_max, &lo, &hi);
        /* Row by row (see the contract); a wide row in runs of 64 pixels. */
        for (p = 0; p < pixels; p += row) {
            const int32_t row_end = pixels - p < row ? pixels : p + row;
            int32_t q;
            for (q = p; q < row_end; q += 64) {
                const int32_t run = row_end - q < 64 ? row_end - q : 64;
                dot_rows(input + q * in_c, in_c, run, in_c, filter, out_c, &t, multipliers,
                         output + q * out_c, out_c, output_offset, lo, hi);
            }
        }
        return;
    }
#endif
    (void)scratch;
    (void)row_pixels;
    tmlc_conv2d_s8(input, 1, 1, pixels, in_c, input_offset, filter, out_c, 1, 1, bias,
                   multipliers, shifts, 1, 1, 1, 1, 0, 0, output, 1, pixels, output_offset,
                   act_min, act_max);
}

void tmlc_conv2d_s8_mve(const int8_t *input, int32_t batches, int32_t in_h, int32_t in_w,
                        int32_t in_c, int32_t input_offset, const int8_t *filter, int32_t out_c,
                        int32_t k_h, int32_t k_w, const int32_t *bias,
                        const int32_t *multipliers, const int32_t *shifts, int32_t stride_h,
                        int32_t stride_w, int32_t dilation_h, int32_t dilation_w,
                        int32_t pad_top, int32_t pad_left, int8_t *output, int32_t out_h,
                        int32_t out_w, int32_t output_offset, int32_t act_min, int32_t act_max,
                        void *scratch)
{
#ifdef TMLC_HAVE_MVE
    if (tmlc_mve_foldable_offset(input_offset)) {
        const int32_t k = k_h * k_w * in_c;
        const int8_t zero_point = (int8_t)-input_offset;
        const int8x16_t zero_points = vdupq_n_s8(zero_point);
        const tmlc_mve_tables t =
            prepare_tables(scratch, filter, out_c, k, bias, shifts, input_offset);
        int8_t *fields = (int8_t *)scratch + TMLC_MVE_TABLE_BYTES(out_c);
        const int32_t field_bytes = (k + 3) / 4 * 4;
        int32_t lo, hi, b, oy, ox;
        tmlc_mve_act_range(act_min, act_max, &lo, &hi);
        for (b = 0; b < batches; ++b) {
            const int8_t *image = input + b * in_h * in_w * in_c;
            for (oy = 0; oy < out_h; ++oy) {
                int32_t filled = 0;
                int8_t *out_row = output + (b * out_h + oy) * out_w * out_c;
                for (ox = 0; ox < out_w; ++ox) {
                    int8_t *dst = fields + filled * field_bytes;
                    int32_t ky, kx;
                    for (ky = 0; ky < k_h; ++ky) {
                        const int32_t iy = oy * stride_h - pad_top + ky * dilation_h;
                        const int32_t ix0 = ox * stride_w - pad_left;
                        if (dilation_w == 1 && iy >= 0 && iy < in_h && ix0 >= 0 &&
                            ix0 + k_w <= in_w) {
                            /* The filter row's taps are contiguous in the input. */
                            dst = copy_bytes(dst, image + (iy * in_w + ix0) * in_c, k_w * in_c);
                            continue;
                        }
                        if (iy < 0 || iy >= in_h) {
                            /* A padding row: every tap is the zero point. */
                            dst = fill_bytes(dst, k_w * in_c, zero_points);
                            continue;
                        }
                        if (dilation_w == 1) {
                            /* At a border: zero points, the taps inside (contiguous in the
                             * input), zero points. */
                            const int32_t lead = ix0 < 0 ? (-ix0 < k_w ? -ix0 : k_w) : 0;
                            const int32_t inside = in_w - ix0 < k_w ? in_w - ix0 : k_w;
                            const int32_t end = inside > lead ? inside : lead;
                            if (lead > 0) {
                                dst = fill_bytes(dst, lead * in_c, zero_points);
                            }
                            if (end > lead) {
                                dst = copy_bytes(dst, image + (iy * in_w + ix0 + lead) * in_c,
                                                 (end - lead) * in_c);
                            }
                            if (end < k_w) {
                                dst = fill_bytes(dst, (k_w - end) * in_c, zero_points);
                            }
                            continue;
                        }
                        for (kx = 0; kx < k_w; ++kx) {
                            const int32_t ix = ox * stride_w - pad_left + kx * dilation_w;
                            const int inside = iy >= 0 && iy < in_h && ix >= 0 && ix < in_w;
                            if (inside) {
                                dst = copy_bytes(dst, image + (iy * in_w + ix) * in_c, in_c);
                            } else {
                                int32_t c;
                                for (c = 0; c < in_c; c += 16) {
                                    vstrbq_p_s8(dst + c, zero_points,
                                                vctp8q((uint32_t)(in_c - c)));
                                }
                                dst += in_c;
                            }
                        }
                    }
                    if (++filled == TMLC_CONV2D_MVE_FIELDS || ox == out_w - 1) {
                        dot_rows(fields, field_bytes, filled, k, filter, out_c, &t, multipliers,
                                 out_row + (ox + 1 - filled) * out_c, out_c, output_offset, lo,
                                 hi);
                        filled = 0;
                    }
                }
            }
        }
        return;
    }
#endif
    (void)scratch;
    tmlc_conv2d_s8(input, batches, in_h, in_w, in_c, input_offset, filter, out_c, k_h, k_w, bias,
                   multipliers, shifts, stride_h, stride_w, dilation_h, dilation_w, pad_top,
                   pad_left, output, out_h, out_w, output_offset, act_min, act_max);
}
