/*
 * tmlc runtime, Arm DSP kernels: int8 CONV_2D (owns tmlc_conv2d_1x1_s8_dsp, tmlc_conv2d_s8_dsp
 * and tmlc_conv2d_s8_dsp_wide, which stages the receptive fields as tmlc_conv2d_s8_dsp does and
 * runs the int16-weight GEMM of conv2d_wide_dsp.c on them).
 *
 * Both are a GEMM over blocks of up to eight output pixels. For each block the input vectors
 * (K = k_h * k_w * in_c values: the receptive field for a general convolution, the pixel's
 * channels for 1x1) are widened once to int16 with the input offset added, into the scratch,
 * in the order SMLAD wants them: for each group g of four K-indices, the pair of words
 *
 *   (x[4g] + off, x[4g + 2] + off), (x[4g + 1] + off, x[4g + 3] + off)
 *
 * which is what SXTB16 and SXTB16 ROR #8 make of four filter bytes, so the filter is read as
 * stored (int8, [out_c][K]) with one LDR and two SXTB16 per four taps. The K % 4 leftover
 * values form one more group whose missing lanes are 0.
 *
 * A block of n pixels is packed as sub-blocks of 8, 4, 2 and 1 pixels (the binary digits of
 * n), each multiplied with the filters by a GEMM of exactly its size (no padding pixels), so that
 * a tail costs what its pixels need. Per output channel a sub-block's GEMM makes one pass over
 * the filter row with N accumulators in registers (per 4 taps: 1 LDR, 2 SXTB16, N LDRD, 2N
 * SMLAD), then requantizes the N sums in registers and stores them. The requantization is chosen
 * per channel: tmlc_dsp_fast_any (any right shift TFLite gives, -31..-2, any output offset) or
 * the exact generic path for the others, so one odd channel costs only itself.
 *
 * The eight-pixel GEMM with K a multiple of 8 and an int8 activation range is written in asm,
 * since its loop needs all fourteen allocatable registers: two groups (64 MACs) in 58
 * instructions (four in 112 when K is a multiple of 16), and when every channel takes the fast
 * path the whole channel loop (bias, dot products, requantization, stores; 7.5 instructions per
 * output, 8.5 when the output offset cannot be folded into the rounding constant) is one asm
 * block, which also takes K with an odd number of groups (first layers: K = 9, 27, 75): one
 * group after the pairs, its filter word read whole, the last channel in C when that word would
 * reach past the filter.
 *
 * Tails of K: the packed lanes past K are 0, so the GEMM reads whole filter words (the next
 * rows' bytes add nothing; the filter is read only as far as it goes).
 *
 * A tap in the padding must add nothing: the receptive field is first copied as int8 into a
 * staging area with padded taps set to -input_offset (the input zero point), which becomes 0
 * once the offset is added. Windows inside the input skip the padding logic, and when their
 * rows are whole groups (k_w * in_c a multiple of 4) they are widened straight from the input.
 * Sums wrap modulo 2^32 exactly as in the portable kernel (the same products, added in another
 * order), then dsp_internal.h requantizes bit for bit.
 *
 * Outputs are produced block after block in pixel order, and a block's inputs are all read
 * before any of its outputs is written, so the row-streaming overlap the memory planner allows
 * for tmlc_conv2d_s8 holds here too.
 */
#include "tmlc/kernels_arm.h"

#include "dsp_internal.h"

/* Pixels per block. */
#define GEMM_BLOCK 8

/*
 * The asm blocks take all fourteen registers GCC allocates when it omits the frame pointer, as
 * it does when optimizing; without optimization (-O0), with Clang (which keeps r7), or with
 * TMLC_ARM_NO_GEMM_ASM defined (say, for -fno-omit-frame-pointer) the C paths run instead.
 */
#if TMLC_ARM_HAVE_DSP && defined(__GNUC__) && !defined(__clang__) && defined(__OPTIMIZE__) &&   \
    !defined(TMLC_ARM_NO_GEMM_ASM)
#define TMLC_GEMM_ASM 1
#else
#define TMLC_GEMM_ASM 0
#endif

/* Four copies of the low byte of v. */
static uint32_t splat8(uint32_t v)
{
    return (v & 0xFFu) * 0x01010101u;
}

/* Copies n bytes (word by word, then byte by byte). */
static void copy_bytes(int8_t *dst, const int8_t *src, int32_t n)
{
    int32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        tmlc_arm_store32(dst + i, tmlc_arm_load32(src + i));
    }
    for (; i < n; ++i) {
        dst[i] = src[i];
    }
}

/* Sets n bytes to the byte whose four copies are fill4. */
static void fill_bytes(int8_t *dst, uint32_t fill4, int32_t n)
{
    int32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        tmlc_arm_store32(dst + i, fill4);
    }
    for (; i < n; ++i) {
        dst[i] = (int8_t)tmlc_arm_s8(fill4);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Packing                                                                                   */

/*
 * A packed block of n (1-8) pixels is a sequence of sub-blocks whose sizes are the binary
 * digits of n, largest first (7 = 4 + 2 + 1), each computed by its own exact-size GEMM. In a
 * sub-block of N pixels that starts at pixel s, pixel p's pair of words of group g is at words
 * base(s) + 2N g + 2(p - s), base(s) = 2 s groups: the N pixels' pairs of a group side by side.
 * This returns where pixel p's pair of group 0 is, and (*step) the words from one group to the
 * next.
 */
static uint32_t *pixel_words(uint32_t *packed, int32_t p, int32_t n, int32_t groups,
                             int32_t *step)
{
    int32_t start = 0, size;
    for (size = GEMM_BLOCK; size > 0; size >>= 1) {
        if ((n & size) != 0) {
            if (p < start + size) {
                break;
            }
            start += size;
        }
    }
    *step = 2 * size;
    return packed + 2 * start * groups + 2 * (p - start);
}

/* Widens four int8 values (one word) + the offset in both halfwords of off2 into dst[0, 1]. */
static void pack_group(uint32_t *dst, uint32_t v, uint32_t off2)
{
    dst[0] = tmlc_arm_sadd16(tmlc_arm_sxtb16(v), off2);
    dst[1] = tmlc_arm_sadd16(tmlc_arm_sxtb16_ror8(v), off2);
}

/*
 * The last group of a pixel whose K is not a multiple of 4: its rem (1-3) values widened, the
 * missing lanes 0, so that whatever filter bytes meet them add nothing (the GEMM reads whole
 * filter words).
 */
static void pack_tail(uint32_t *dst, const int8_t *src, int32_t rem, uint32_t off2)
{
    pack_group(dst, tmlc_dsp_load_tail(src, rem), off2);
    if (rem < 3) {
        dst[0] &= 0xFFFFu;
    }
    dst[1] = rem == 1 ? 0u : dst[1] & 0xFFFFu;
}

/* Packs the k int8 values at src (reading src[0 .. k) only) as pixel p of a block of n. */
static void pack_pixel(uint32_t *packed, int32_t p, int32_t n, const int8_t *src, int32_t k,
                       uint32_t off2)
{
    int32_t step, i;
    uint32_t *dst = pixel_words(packed, p, n, (k + 3) >> 2, &step);
    for (i = 0; i + 4 <= k; i += 4) {
        pack_group(dst, tmlc_arm_load32(src + i), off2);
        dst += step;
    }
    if (i < k) {
        pack_tail(dst, src + i, k - i, off2);
    }
}

/*
 * pack_pixel for a window inside the input whose rows are whole groups (row_len % 4 == 0):
 * its k_h rows, row_stride bytes apart from src, are widened straight from the input.
 */
static void pack_window_rows(uint32_t *packed, int32_t p, int32_t n, const int8_t *src,
                             int32_t k_h, int32_t row_len, int32_t row_stride, int32_t k,
                             uint32_t off2)
{
    int32_t step, fy, i;
    uint32_t *dst = pixel_words(packed, p, n, (k + 3) >> 2, &step);
    for (fy = 0; fy < k_h; ++fy) {
        for (i = 0; i < row_len; i += 4) {
            pack_group(dst, tmlc_arm_load32(src + i), off2);
            dst += step;
        }
        src += row_stride;
    }
}

/* ---------------------------------------------------------------------------------------- */
/* GEMM of a packed block with the filters                                                   */

/* The filters and the requantization of a call. */
typedef struct {
    const int8_t *filter; /* [out_c][k] */
    int32_t k, out_c;
    const int32_t *bias, *multipliers, *shifts;
    int32_t output_offset, lo, hi;
    int full_range;  /* [lo, hi] == [-128, 127]: the clamp is one SSAT */
    int all_fast;    /* a bias, and every channel passes tmlc_dsp_fast_channel_any */
    int all_folded;  /* all_fast, tmlc_dsp_fast_offset, every channel tmlc_dsp_fast_channel */
    int asm_all;     /* gemm8_asm_all takes the eight-pixel sub-blocks */
    /* For gemm8_asm_all: the channels its asm block computes (all but the last when the last
     * filter word of a row would be read past the filter's end), the bytes the filter pointer
     * moves back after a row ((4 - K % 4) % 4), and the distance from a channel's multiplier to
     * its shift (bytes). */
    int32_t asm_channels, wadj, dshift;
} gemm_params;

static void gemm_params_init(gemm_params *g, const int8_t *filter, int32_t k, int32_t out_c,
                             const int32_t *bias, const int32_t *multipliers,
                             const int32_t *shifts, int32_t output_offset, int32_t act_min,
                             int32_t act_max)
{
    int32_t oc;
    g->filter = filter;
    g->k = k;
    g->out_c = out_c;
    g->bias = bias;
    g->multipliers = multipliers;
    g->shifts = shifts;
    g->output_offset = output_offset;
    tmlc_dsp_act_range(act_min, act_max, &g->lo, &g->hi);
    g->full_range = g->lo == -128 && g->hi == 127;
    g->all_fast = bias != 0 && out_c > 0;
    g->all_folded = g->all_fast && tmlc_dsp_fast_offset(output_offset);
    for (oc = 0; oc < out_c && g->all_fast; ++oc) {
        g->all_fast = tmlc_dsp_fast_channel_any(multipliers[oc], shifts[oc]);
        g->all_folded = g->all_folded && tmlc_dsp_fast_channel(multipliers[oc], shifts[oc]);
    }
    g->all_folded = g->all_folded && g->all_fast;
    /* K a multiple of 8, or an odd number of groups (one group after the pairs). */
    g->asm_all = g->all_fast && g->full_range && ((k & 7) == 0 || (((k + 3) >> 2) & 1) != 0);
    g->asm_channels = (k & 3) != 0 ? out_c - 1 : out_c;
    g->wadj = (4 - (k & 3)) & 3;
    g->dshift = (int32_t)((uintptr_t)shifts - (uintptr_t)multipliers);
}

#if defined(__GNUC__) || defined(__clang__)
#define GEMM_ALWAYS_INLINE static inline __attribute__((always_inline))
#else
#define GEMM_ALWAYS_INLINE static inline
#endif

/* Pixel j (a literal) of a sub-block of N: one group of four taps, its pair at x + 8j bytes. */
#define GEMM_TAP(j, off)                                                                      \
    do {                                                                                      \
        if (N > (j)) {                                                                        \
            uint32_t e_, o_;                                                                  \
            TMLC_ARM_LDRD(x, off, e_, o_);                                                    \
            a##j = tmlc_arm_smlad(o_, wo, tmlc_arm_smlad(e_, we, a##j));                      \
        }                                                                                     \
    } while (0)

/* One group of four taps (filter bytes v) of the N pixels at x. */
#define GEMM_GROUP(v)                                                                         \
    do {                                                                                      \
        const uint32_t we = tmlc_arm_sxtb16(v);                                               \
        const uint32_t wo = tmlc_arm_sxtb16_ror8(v);                                          \
        GEMM_TAP(0, 0);                                                                       \
        GEMM_TAP(1, 8);                                                                       \
        GEMM_TAP(2, 16);                                                                      \
        GEMM_TAP(3, 24);                                                                      \
        GEMM_TAP(4, 32);                                                                      \
        GEMM_TAP(5, 40);                                                                      \
        GEMM_TAP(6, 48);                                                                      \
        GEMM_TAP(7, 56);                                                                      \
    } while (0)

#if TMLC_GEMM_ASM
/* One group of four taps of the eight pixels at x + off (off: a literal, bytes), the filter
 * word's halves in we and wo. */
#define GEMM_ASM_GROUP8(off)                                                                  \
    "sxtb16 %[wo], %[we], ror #8\n\t"                                                         \
    "sxtb16 %[we], %[we]\n\t"                                                                 \
    "ldrd %[e], %[o], [%[x], #" #off "]\n\t"                                                  \
    "smlad %[a0], %[e], %[we], %[a0]\n\t"                                                     \
    "smlad %[a0], %[o], %[wo], %[a0]\n\t"                                                     \
    "ldrd %[e], %[o], [%[x], #(" #off " + 8)]\n\t"                                            \
    "smlad %[a1], %[e], %[we], %[a1]\n\t"                                                     \
    "smlad %[a1], %[o], %[wo], %[a1]\n\t"                                                     \
    "ldrd %[e], %[o], [%[x], #(" #off " + 16)]\n\t"                                           \
    "smlad %[a2], %[e], %[we], %[a2]\n\t"                                                     \
    "smlad %[a2], %[o], %[wo], %[a2]\n\t"                                                     \
    "ldrd %[e], %[o], [%[x], #(" #off " + 24)]\n\t"                                           \
    "smlad %[a3], %[e], %[we], %[a3]\n\t"                                                     \
    "smlad %[a3], %[o], %[wo], %[a3]\n\t"                                                     \
    "ldrd %[e], %[o], [%[x], #(" #off " + 32)]\n\t"                                           \
    "smlad %[a4], %[e], %[we], %[a4]\n\t"                                                     \
    "smlad %[a4], %[o], %[wo], %[a4]\n\t"                                                     \
    "ldrd %[e], %[o], [%[x], #(" #off " + 40)]\n\t"                                           \
    "smlad %[a5], %[e], %[we], %[a5]\n\t"                                                     \
    "smlad %[a5], %[o], %[wo], %[a5]\n\t"                                                     \
    "ldrd %[e], %[o], [%[x], #(" #off " + 48)]\n\t"                                           \
    "smlad %[a6], %[e], %[we], %[a6]\n\t"                                                     \
    "smlad %[a6], %[o], %[wo], %[a6]\n\t"                                                     \
    "ldrd %[e], %[o], [%[x], #(" #off " + 56)]\n\t"                                           \
    "smlad %[a7], %[e], %[we], %[a7]\n\t"                                                     \
    "smlad %[a7], %[o], %[wo], %[a7]\n\t"

/*
 * The pairs of groups of an eight-pixel sub-block (x != end on entry): GEMM_GROUP twice per
 * iteration, written out because the loop needs all fourteen allocatable registers (eight
 * accumulators, x, w and four temporaries; the end pointer is read from the stack), which GCC
 * does not manage on its own: 58 instructions per 64 MACs.
 */
#define GEMM_PAIRS8_ASM(x, w, end)                                                            \
    do {                                                                                      \
        const uint32_t *volatile end_ = (end);                                                \
        uint32_t we_, wo_, e_, o_;                                                            \
        __asm__("1:\n\t"                                                                      \
                "ldr %[we], [%[w]], #4\n\t" GEMM_ASM_GROUP8(0)                                \
                "ldr %[we], [%[w]], #4\n\t" GEMM_ASM_GROUP8(64)                               \
                "adds %[x], %[x], #128\n\t"                                                   \
                "ldr %[e], %[endp]\n\t"                                                       \
                "cmp %[x], %[e]\n\t"                                                          \
                "bne 1b\n\t"                                                                  \
                : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [a4] "+r"(a4),  \
                  [a5] "+r"(a5), [a6] "+r"(a6), [a7] "+r"(a7), [x] "+r"(x), [w] "+r"(w),      \
                  [we] "=&r"(we_), [wo] "=&r"(wo_), [e] "=&r"(e_), [o] "=&r"(o_)              \
                : [endp] "m"(end_)                                                            \
                : "cc", "memory");                                                            \
    } while (0)
#endif

/* Requantizes accumulator j (a literal) of the fast channel in registers and stores it at o. */
#define GEMM_FAST(j)                                                                          \
    do {                                                                                      \
        if (N > (j)) {                                                                        \
            const int32_t r_ = tmlc_dsp_fast_any(a##j, multiplier, e1, output_offset);        \
            *o = FULL ? (int8_t)tmlc_arm_ssat8(r_) : tmlc_dsp_clamp(r_, lo, hi);              \
            o += out_c;                                                                       \
        }                                                                                     \
    } while (0)

/* The same for a channel the fast requantization does not cover. */
#define GEMM_GENERIC(j)                                                                       \
    do {                                                                                      \
        if (N > (j)) {                                                                        \
            const int32_t r_ = tmlc_dsp_generic(a##j, multiplier, shift, output_offset);      \
            *o = tmlc_dsp_clamp(r_, lo, hi);                                                  \
            o += out_c;                                                                       \
        }                                                                                     \
    } while (0)

/*
 * All outputs of a sub-block of N (a constant: 8, 4, 2, 1) pixels packed at x0:
 * output[p * out_c + oc] for p < N, oc < out_c. FULL (a constant): the activation range is
 * the whole int8 range. Per output channel: one pass over its filter row (two groups per
 * iteration) with N accumulators in registers, then the requantization of the N sums in
 * registers, fast or generic as the channel allows.
 */
GEMM_ALWAYS_INLINE void gemm_sub(const gemm_params *g, const uint32_t *x0, int8_t *output,
                                 const int32_t N, const int FULL, int32_t oc_begin,
                                 int32_t oc_end)
{
    const int32_t k = g->k;
    const int32_t out_c = g->out_c;
    const int32_t rem = k & 3;
    const int32_t output_offset = g->output_offset;
    const int32_t lo = g->lo, hi = g->hi;
    const uint32_t *const pairs_end = x0 + 4 * N * (k >> 3);
    const int8_t *w = g->filter + oc_begin * k;
    const int8_t *const filter_end = g->filter + out_c * k;
    int32_t oc;
    for (oc = oc_begin; oc < oc_end; ++oc) {
        const uint32_t b = g->bias != 0 ? (uint32_t)g->bias[oc] : 0u;
        const int32_t multiplier = g->multipliers[oc];
        const int32_t shift = g->shifts[oc];
        const uint32_t *x = x0;
        int8_t *o = output + oc;
        uint32_t a0 = b, a1 = b, a2 = b, a3 = b, a4 = b, a5 = b, a6 = b, a7 = b;
#if TMLC_GEMM_ASM
        if (N == 8) {
            if (x != pairs_end) {
                GEMM_PAIRS8_ASM(x, w, pairs_end);
            }
        } else
#endif
        {
            while (x != pairs_end) {
                const uint32_t v0 = tmlc_arm_load32(w);
                const uint32_t v1 = tmlc_arm_load32(w + 4);
                GEMM_GROUP(v0);
                x += 2 * N;
                GEMM_GROUP(v1);
                x += 2 * N;
                w += 8;
            }
        }
        if ((k & 4) != 0) {
            const uint32_t v = tmlc_arm_load32(w);
            GEMM_GROUP(v);
            x += 2 * N;
            w += 4;
        }
        if (rem != 0) {
            /* The packed lanes past K are 0: the bytes past the row (the next rows') add
             * nothing, and the filter is read only as far as it goes. */
            const uint32_t v =
                filter_end - w >= 4 ? tmlc_arm_load32(w) : tmlc_dsp_load_tail(w, rem);
            GEMM_GROUP(v);
            w += rem;
        }
        if (tmlc_dsp_fast_channel_any(multiplier, shift)) {
            const int32_t e1 = -shift - 1;
            GEMM_FAST(0);
            GEMM_FAST(1);
            GEMM_FAST(2);
            GEMM_FAST(3);
            GEMM_FAST(4);
            GEMM_FAST(5);
            GEMM_FAST(6);
            GEMM_FAST(7);
        } else {
            GEMM_GENERIC(0);
            GEMM_GENERIC(1);
            GEMM_GENERIC(2);
            GEMM_GENERIC(3);
            GEMM_GENERIC(4);
            GEMM_GENERIC(5);
            GEMM_GENERIC(6);
            GEMM_GENERIC(7);
        }
    }
}

/* The instances of gemm_sub: pixels 8, 4, 2, 1 and a full or a narrower activation range. */
TMLC_DSP_NOINLINE static void gemm8_full(const gemm_params *g, const uint32_t *x, int8_t *o)
{
    gemm_sub(g, x, o, 8, 1, 0, g->out_c);
}
TMLC_DSP_NOINLINE static void gemm4_full(const gemm_params *g, const uint32_t *x, int8_t *o)
{
    gemm_sub(g, x, o, 4, 1, 0, g->out_c);
}
TMLC_DSP_NOINLINE static void gemm2_full(const gemm_params *g, const uint32_t *x, int8_t *o)
{
    gemm_sub(g, x, o, 2, 1, 0, g->out_c);
}
TMLC_DSP_NOINLINE static void gemm1_full(const gemm_params *g, const uint32_t *x, int8_t *o)
{
    gemm_sub(g, x, o, 1, 1, 0, g->out_c);
}
TMLC_DSP_NOINLINE static void gemm8_clamp(const gemm_params *g, const uint32_t *x, int8_t *o)
{
    gemm_sub(g, x, o, 8, 0, 0, g->out_c);
}
TMLC_DSP_NOINLINE static void gemm4_clamp(const gemm_params *g, const uint32_t *x, int8_t *o)
{
    gemm_sub(g, x, o, 4, 0, 0, g->out_c);
}
TMLC_DSP_NOINLINE static void gemm2_clamp(const gemm_params *g, const uint32_t *x, int8_t *o)
{
    gemm_sub(g, x, o, 2, 0, 0, g->out_c);
}
TMLC_DSP_NOINLINE static void gemm1_clamp(const gemm_params *g, const uint32_t *x, int8_t *o)
{
    gemm_sub(g, x, o, 1, 0, 0, g->out_c);
}

#if TMLC_GEMM_ASM
/* Output channel oc alone of an eight-pixel sub-block (the channels gemm8_asm leaves out). */
TMLC_DSP_NOINLINE static void gemm8_one(const gemm_params *g, const uint32_t *x, int8_t *o,
                                        int32_t oc)
{
    gemm_sub(g, x, o, 8, 1, oc, oc + 1);
}

/* The fast requantization of accumulator a (an operand name) into %[o], saturated to int8. */
#define GEMM_ASM_REQUANT(a)                                                                   \
    "and %[e], %[" a "], #0x80000000\n\t"                                                     \
    "orr %[e], %[e], #0x40000000\n\t"                                                         \
    "add %[o], %[wo], %[" a "], asr #31\n\t"                                                  \
    "smlal %[e], %[o], %[" a "], %[we]\n\t"                                                   \
    "asr %[o], %[o], %[x]\n\t"

/* Adds the output offset (in %[a0]) to %[o], saturates it to int8 and stores it at addr. */
#define GEMM_ASM_STORE(addr)                                                                  \
    "add %[o], %[o], %[a0]\n\t"                                                             \
    "ssat %[o], #8, %[o]\n\t"                                                               \
    "strb %[o], " addr "\n\t"

/*
 * gemm8_full for K a multiple of 8: each fast channel is one asm block (the eight sums start at
 * the bias, GEMM_PAIRS8_ASM's loop, then the eight requantizations of tmlc_dsp_fast_any in
 * registers, the multiplier, khi0, e1, the output pointer, the offset and out_c taking the
 * registers the loop leaves free: 8.5 instructions per output); the other channels (shifts
 * -1 and above, negative multipliers) take gemm8_one.
 */
TMLC_DSP_NOINLINE static void gemm8_asm(const gemm_params *g, const uint32_t *x0, int8_t *output)
{
    const int32_t k = g->k;
    const int32_t out_c = g->out_c;
    const uint32_t *const end = x0 + 4 * k;
    const int32_t output_offset = g->output_offset;
    int32_t oc;
    for (oc = 0; oc < out_c; ++oc) {
        const int32_t multiplier = g->multipliers[oc];
        const int32_t shift = g->shifts[oc];
        if (!tmlc_dsp_fast_channel_any(multiplier, shift)) {
            gemm8_one(g, x0, output, oc);
        } else {
            const uint32_t bias = g->bias != 0 ? (uint32_t)g->bias[oc] : 0u;
            const uint32_t khi = (uint32_t)1 << (-shift - 2);
            const int32_t e1 = -shift - 1;
            int8_t *const optr = output + oc;
            const uint32_t *x = x0;
            const int8_t *w = g->filter + oc * k;
            uint32_t a0, a1, a2, a3, a4, a5, a6, a7, we_, wo_, e_, o_;
            __asm__ volatile(
                "ldr %[a0], %[bias]\n\t"
                "mov %[a1], %[a0]\n\t"
                "mov %[a2], %[a0]\n\t"
                "mov %[a3], %[a0]\n\t"
                "mov %[a4], %[a0]\n\t"
                "mov %[a5], %[a0]\n\t"
                "mov %[a6], %[a0]\n\t"
                "mov %[a7], %[a0]\n\t"
                "1:\n\t"
                "ldr %[we], [%[w]], #4\n\t" GEMM_ASM_GROUP8(0)
                "ldr %[we], [%[w]], #4\n\t" GEMM_ASM_GROUP8(64)
                "adds %[x], %[x], #128\n\t"
                "ldr %[e], %[endp]\n\t"
                "cmp %[x], %[e]\n\t"
                "bne 1b\n\t"
                "ldr %[we], %[mul]\n\t"
                "ldr %[wo], %[khi]\n\t"
                "ldr %[x], %[e1]\n\t"
                "ldr %[w], %[optr]\n\t" GEMM_ASM_REQUANT("a0")
                "ldr %[a0], %[off]\n\t" GEMM_ASM_STORE("[%[w]]")
                GEMM_ASM_REQUANT("a1")
                "ldr %[a1], %[outc]\n\t" GEMM_ASM_STORE("[%[w], %[a1]]")
                "add %[w], %[w], %[a1], lsl #1\n\t" GEMM_ASM_REQUANT("a2")
                GEMM_ASM_STORE("[%[w]]") GEMM_ASM_REQUANT("a3")
                GEMM_ASM_STORE("[%[w], %[a1]]")
                "add %[w], %[w], %[a1], lsl #1\n\t" GEMM_ASM_REQUANT("a4")
                GEMM_ASM_STORE("[%[w]]") GEMM_ASM_REQUANT("a5")
                GEMM_ASM_STORE("[%[w], %[a1]]")
                "add %[w], %[w], %[a1], lsl #1\n\t" GEMM_ASM_REQUANT("a6")
                GEMM_ASM_STORE("[%[w]]") GEMM_ASM_REQUANT("a7")
                GEMM_ASM_STORE("[%[w], %[a1]]")
                : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3),
                  [a4] "=&r"(a4), [a5] "=&r"(a5), [a6] "=&r"(a6), [a7] "=&r"(a7), [x] "+r"(x),
                  [w] "+r"(w), [we] "=&r"(we_), [wo] "=&r"(wo_), [e] "=&r"(e_), [o] "=&r"(o_)
                : [endp] "m"(end), [bias] "m"(bias), [mul] "m"(multiplier), [khi] "m"(khi),
                  [e1] "m"(e1), [optr] "m"(optr), [outc] "m"(out_c), [off] "m"(output_offset)
                : "cc", "memory");
        }
    }
}
#endif

#if TMLC_GEMM_ASM
/* The offset folded into khi (tmlc_dsp_fast): saturate %[o] to int8 and store it at addr. */
#define GEMM_ASM_STORE_FOLDED(addr)                                                           \
    "ssat %[o], #8, %[o]\n\t"                                                                 \
    "strb %[o], " addr "\n\t"

/*
 * The whole of an eight-pixel sub-block in one asm block, for a call whose channels all take
 * tmlc_dsp_fast_any and that has a bias (gemm_params.all_fast), the full int8 range, and K a
 * multiple of 8 or an odd number of groups (GEMM8_LOOP_PAIRS_ONE, GEMM8_ONE_GROUP_ADJ). Per
 * channel: the bias from its array, the pairs loop, the multiplier and the shift from theirs
 * (e1 = ~shift, khi0 = 2^(e1 - 1)), then the eight requantizations. FOLDED: every channel also
 * passes tmlc_dsp_fast_channel and the offset tmlc_dsp_fast_offset, so the offset is folded into
 * khi (tmlc_dsp_fast_khi = khi0 + offset * 2^e1) instead of added per output. The walking
 * pointers and the loop bounds live on the stack: every register is the loop's.
 */
/* The dot products of GEMM8_ASM_ALL: two groups (64 MACs) per iteration, or four when K is a
 * multiple of 16 (112 instructions per 128 MACs). */
#define GEMM8_LOOP_PAIRS                                                                      \
    "1:\n\t"                                                                                  \
    "ldr %[we], [%[w]], #4\n\t" GEMM_ASM_GROUP8(0)                                            \
    "ldr %[we], [%[w]], #4\n\t" GEMM_ASM_GROUP8(64)                                           \
    "adds %[x], %[x], #128\n\t"                                                               \
    "ldr %[e], %[endm]\n\t"                                                                   \
    "cmp %[x], %[e]\n\t"                                                                      \
    "bne 1b\n\t"
#define GEMM8_LOOP_QUADS                                                                      \
    "1:\n\t"                                                                                  \
    "ldr %[we], [%[w]], #4\n\t" GEMM_ASM_GROUP8(0)                                            \
    "ldr %[we], [%[w]], #4\n\t" GEMM_ASM_GROUP8(64)                                           \
    "ldr %[we], [%[w]], #4\n\t" GEMM_ASM_GROUP8(128)                                          \
    "ldr %[we], [%[w]], #4\n\t" GEMM_ASM_GROUP8(192)                                          \
    "adds %[x], %[x], #256\n\t"                                                               \
    "ldr %[e], %[endm]\n\t"                                                                   \
    "cmp %[x], %[e]\n\t"                                                                      \
    "bne 1b\n\t"

#define GEMM8_ASM_ALL(LOOP, FOLD_KHI, AFTER_A0, STORE)                                        \
    __asm__ volatile(                                                                         \
        "2:\n\t"                                                                              \
        "ldr %[x], %[x0m]\n\t"                                                                \
        "ldr %[e], %[pbias]\n\t"                                                              \
        "ldr %[a0], [%[e]], #4\n\t"                                                           \
        "str %[e], %[pbias]\n\t"                                                              \
        "mov %[a1], %[a0]\n\t"                                                                \
        "mov %[a2], %[a0]\n\t"                                                                \
        "mov %[a3], %[a0]\n\t"                                                                \
        "mov %[a4], %[a0]\n\t"                                                                \
        "mov %[a5], %[a0]\n\t"                                                                \
        "mov %[a6], %[a0]\n\t"                                                                \
        "mov %[a7], %[a0]\n\t" LOOP                                                          \
        "ldr %[e], %[pmul]\n\t"                                                               \
        "ldr %[x], %[dshift]\n\t"                                                             \
        "ldr %[x], [%[e], %[x]]\n\t"                                                          \
        "ldr %[we], [%[e]], #4\n\t"                                                           \
        "str %[e], %[pmul]\n\t"                                                               \
        "mvn %[x], %[x]\n\t"                                                                  \
        "sub %[e], %[x], #1\n\t"                                                              \
        "mov %[wo], #1\n\t"                                                                   \
        "lsl %[wo], %[wo], %[e]\n\t" FOLD_KHI                                                 \
        "str %[w], %[wsave]\n\t"                                                              \
        "ldr %[w], %[optr]\n\t"                                                               \
        "add %[e], %[w], #1\n\t"                                                              \
        "str %[e], %[optr]\n\t" GEMM_ASM_REQUANT("a0") AFTER_A0 STORE("[%[w]]")               \
        GEMM_ASM_REQUANT("a1")                                                                \
        "ldr %[a1], %[outc]\n\t" STORE("[%[w], %[a1]]")                                       \
        "add %[w], %[w], %[a1], lsl #1\n\t" GEMM_ASM_REQUANT("a2") STORE("[%[w]]")            \
        GEMM_ASM_REQUANT("a3") STORE("[%[w], %[a1]]")                                         \
        "add %[w], %[w], %[a1], lsl #1\n\t" GEMM_ASM_REQUANT("a4") STORE("[%[w]]")            \
        GEMM_ASM_REQUANT("a5") STORE("[%[w], %[a1]]")                                         \
        "add %[w], %[w], %[a1], lsl #1\n\t" GEMM_ASM_REQUANT("a6") STORE("[%[w]]")            \
        GEMM_ASM_REQUANT("a7") STORE("[%[w], %[a1]]")                                         \
        "ldr %[w], %[wsave]\n\t"                                                              \
        "ldr %[e], %[wend]\n\t"                                                               \
        "cmp %[w], %[e]\n\t"                                                                  \
        "bne 2b\n\t"                                                                          \
        : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [a4] "=&r"(a4),     \
          [a5] "=&r"(a5), [a6] "=&r"(a6), [a7] "=&r"(a7), [x] "=&r"(x), [w] "+r"(w),          \
          [we] "=&r"(we_), [wo] "=&r"(wo_), [e] "=&r"(e_), [o] "=&r"(o_), [pbias] "+m"(pbias), \
          [pmul] "+m"(pmul), [optr] "+m"(optr), [wsave] "+m"(wsave)                          \
        : [x0m] "m"(x0), [endm] "m"(end), [wend] "m"(wend), [off] "m"(output_offset),         \
          [outc] "m"(out_c), [wadj] "m"(wadj), [dshift] "m"(dshift)                          \
        : "cc", "memory")

/*
 * An odd number of groups (K not a multiple of 8): after the pairs (if any), one more group, then
 * the filter pointer moved back by wadj = (4 - K % 4) % 4 bytes, since the last group's filter
 * word was read whole (its bytes past K meet packed lanes that are 0, and belong to the next
 * channel's row: the last channel, whose row ends the filter, is left to gemm8_one).
 */
#define GEMM8_ONE_GROUP_ADJ                                                                   \
    "ldr %[we], [%[w]], #4\n\t" GEMM_ASM_GROUP8(0)                                             \
    "ldr %[e], %[wadj]\n\t"                                                                    \
    "subs %[w], %[w], %[e]\n\t"
#define GEMM8_LOOP_PAIRS_ONE GEMM8_LOOP_PAIRS GEMM8_ONE_GROUP_ADJ

/* gemm8_asm for a call with gemm_params.asm_all (out_c >= 1). */
TMLC_DSP_NOINLINE static void gemm8_asm_all(const gemm_params *g, const uint32_t *x0,
                                            int8_t *output)
{
    const int32_t k = g->k;
    const int32_t out_c = g->out_c;
    const int32_t output_offset = g->output_offset;
    const int32_t groups = (k + 3) >> 2;
    const int32_t channels = g->asm_channels;
    const int32_t wadj = g->wadj;
    const int32_t dshift = g->dshift; /* a channel's shift: at its multiplier + dshift */
    const uint32_t *const end = x0 + 32 * (groups >> 1);
    const int8_t *w = g->filter;
    const int8_t *const wend = g->filter + channels * k;
    const int32_t *pbias = g->bias, *pmul = g->multipliers;
    int8_t *optr = output;
    const int8_t *wsave = w;
    const uint32_t *x;
    uint32_t a0, a1, a2, a3, a4, a5, a6, a7, we_, wo_, e_, o_;
#define GEMM8_FOLD_KHI                                                                        \
    "ldr %[e], %[off]\n\t"                                                                    \
    "lsl %[e], %[e], %[x]\n\t"                                                                \
    "add %[wo], %[wo], %[e]\n\t"
    if (channels == 0) {
        /* One channel, and its row ends the filter. */
    } else if ((k & 15) == 0) {
        if (g->all_folded) {
            GEMM8_ASM_ALL(GEMM8_LOOP_QUADS, GEMM8_FOLD_KHI, "", GEMM_ASM_STORE_FOLDED);
        } else {
            GEMM8_ASM_ALL(GEMM8_LOOP_QUADS, "", "ldr %[a0], %[off]\n\t", GEMM_ASM_STORE);
        }
    } else if ((k & 7) == 0) {
        if (g->all_folded) {
            GEMM8_ASM_ALL(GEMM8_LOOP_PAIRS, GEMM8_FOLD_KHI, "", GEMM_ASM_STORE_FOLDED);
        } else {
            GEMM8_ASM_ALL(GEMM8_LOOP_PAIRS, "", "ldr %[a0], %[off]\n\t", GEMM_ASM_STORE);
        }
    } else if (groups == 1) {
        if (g->all_folded) {
            GEMM8_ASM_ALL(GEMM8_ONE_GROUP_ADJ, GEMM8_FOLD_KHI, "", GEMM_ASM_STORE_FOLDED);
        } else {
            GEMM8_ASM_ALL(GEMM8_ONE_GROUP_ADJ, "", "ldr %[a0], %[off]\n\t", GEMM_ASM_STORE);
        }
    } else if (g->all_folded) {
        GEMM8_ASM_ALL(GEMM8_LOOP_PAIRS_ONE, GEMM8_FOLD_KHI, "", GEMM_ASM_STORE_FOLDED);
    } else {
        GEMM8_ASM_ALL(GEMM8_LOOP_PAIRS_ONE, "", "ldr %[a0], %[off]\n\t", GEMM_ASM_STORE);
    }
#undef GEMM8_FOLD_KHI
    if (channels < out_c) {
        gemm8_one(g, x0, output, out_c - 1);
    }
}
#endif

/* All outputs of a packed block of n (1-8) pixels: one exact-size GEMM per sub-block. */
static void gemm_block(const gemm_params *g, const uint32_t *packed, int8_t *output, int32_t n)
{
    const int32_t groups = (g->k + 3) >> 2;
    const int full = g->full_range;
    if ((n & 8) != 0) {
#if TMLC_GEMM_ASM
        if (g->asm_all) {
            gemm8_asm_all(g, packed, output);
            return;
        }
        if (full && (g->k & 7) == 0) {
            gemm8_asm(g, packed, output);
            return;
        }
#endif
        (full ? gemm8_full : gemm8_clamp)(g, packed, output);
        return;
    }
    if ((n & 4) != 0) {
        (full ? gemm4_full : gemm4_clamp)(g, packed, output);
        packed += 8 * groups;
        output += 4 * g->out_c;
    }
    if ((n & 2) != 0) {
        (full ? gemm2_full : gemm2_clamp)(g, packed, output);
        packed += 4 * groups;
        output += 2 * g->out_c;
    }
    if ((n & 1) != 0) {
        (full ? gemm1_full : gemm1_clamp)(g, packed, output);
    }
}
/* ---------------------------------------------------------------------------------------- */
/* 1x1 convolution                                                                           */

void tmlc_conv2d_1x1_s8_dsp(const int8_t *input, int32_t pixels, int32_t in_c,
                            int32_t input_offset, const int8_t *filter, int32_t out_c,
                            const int32_t *bias, const int32_t *multipliers,
                            const int32_t *shifts, int8_t *output, int32_t output_offset,
                            int32_t act_min, int32_t act_max, void *scratch)
{
    uint32_t *packed = (uint32_t *)scratch;
    const uint32_t off2 = tmlc_arm_pack16(input_offset, input_offset);
    gemm_params g;
    int32_t pix, p;
    if (input_offset < -32640 || input_offset > 32639) {
        /* x + input_offset would not fit the int16 lanes. */
        tmlc_conv2d_s8(input, 1, 1, pixels, in_c, input_offset, filter, out_c, 1, 1, bias,
                       multipliers, shifts, 1, 1, 1, 1, 0, 0, output, 1, pixels, output_offset,
                       act_min, act_max);
        return;
    }
    gemm_params_init(&g, filter, in_c, out_c, bias, multipliers, shifts, output_offset, act_min,
                     act_max);
    for (pix = 0; pix < pixels; pix += GEMM_BLOCK) {
        const int32_t n = pixels - pix < GEMM_BLOCK ? pixels - pix : GEMM_BLOCK;
        for (p = 0; p < n; ++p) {
            pack_pixel(packed, p, n, input + (pix + p) * in_c, in_c, off2);
        }
        gemm_block(&g, packed, output + pix * out_c, n);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* General convolution                                                                       */

/* The window geometry shared by the pixels of one convolution. */
typedef struct {
    const int8_t *input; /* the batch */
    int32_t in_h, in_w, in_c, k_h, k_w, dilation_h, dilation_w;
    uint32_t pad4; /* four copies of the padding byte (the input zero point) */
} window;

/* The geometry of a call's windows; the padding byte is the input zero point. */
static void window_init(window *win, int32_t in_h, int32_t in_w, int32_t in_c, int32_t k_h,
                        int32_t k_w, int32_t dilation_h, int32_t dilation_w, int32_t input_offset)
{
    win->in_h = in_h;
    win->in_w = in_w;
    win->in_c = in_c;
    win->k_h = k_h;
    win->k_w = k_w;
    win->dilation_h = dilation_h;
    win->dilation_w = dilation_w;
    win->pad4 = splat8(0u - (uint32_t)input_offset);
}

/* Whether the window at input (iy0, ix0) lies inside the input with contiguous rows
 * (dilation_w 1), so that it needs no padding. */
static int window_inside(const window *win, int32_t iy0, int32_t ix0)
{
    return win->dilation_w == 1 && iy0 >= 0 && ix0 >= 0 &&
           iy0 + (win->k_h - 1) * win->dilation_h < win->in_h && ix0 + win->k_w <= win->in_w;
}

/* Copies the receptive field of the window at input (iy0, ix0) into dst (k_h * k_w * in_c
 * bytes), the padded taps set to the input zero point (inlined into both of its callers). */
GEMM_ALWAYS_INLINE void stage_window(int8_t *dst, const window *win, int32_t iy0, int32_t ix0)
{
    const int32_t in_c = win->in_c;
    const int32_t row_len = win->k_w * in_c;
    int32_t fx_first, fx_last, fy;
    if (window_inside(win, iy0, ix0)) {
        const int32_t row_stride = win->dilation_h * win->in_w * in_c;
        const int8_t *src = win->input + (iy0 * win->in_w + ix0) * in_c;
        for (fy = 0; fy < win->k_h; ++fy) {
            copy_bytes(dst, src, row_len);
            dst += row_len;
            src += row_stride;
        }
        return;
    }
    tmlc_i_tap_range(ix0, win->dilation_w, win->k_w, win->in_w, &fx_first, &fx_last);
    for (fy = 0; fy < win->k_h; ++fy) {
        const int32_t iy = iy0 + fy * win->dilation_h;
        if (iy < 0 || iy >= win->in_h || fx_first == fx_last) {
            fill_bytes(dst, win->pad4, row_len);
        } else {
            const int8_t *row = win->input + iy * win->in_w * in_c;
            fill_bytes(dst, win->pad4, fx_first * in_c);
            if (win->dilation_w == 1) {
                copy_bytes(dst + fx_first * in_c, row + (ix0 + fx_first) * in_c,
                           (fx_last - fx_first) * in_c);
            } else {
                int32_t fx;
                for (fx = fx_first; fx < fx_last; ++fx) {
                    copy_bytes(dst + fx * in_c, row + (ix0 + fx * win->dilation_w) * in_c, in_c);
                }
            }
            fill_bytes(dst + fx_last * in_c, win->pad4, (win->k_w - fx_last) * in_c);
        }
        dst += row_len;
    }
}

void tmlc_conv2d_s8_dsp(const int8_t *input, int32_t batches, int32_t in_h, int32_t in_w,
                        int32_t in_c, int32_t input_offset, const int8_t *filter, int32_t out_c,
                        int32_t k_h, int32_t k_w, const int32_t *bias,
                        const int32_t *multipliers, const int32_t *shifts, int32_t stride_h,
                        int32_t stride_w, int32_t dilation_h, int32_t dilation_w,
                        int32_t pad_top, int32_t pad_left, int8_t *output, int32_t out_h,
                        int32_t out_w, int32_t output_offset, int32_t act_min, int32_t act_max,
                        void *scratch)
{
    const int32_t k = k_h * k_w * in_c;
    const int32_t groups = (k + 3) >> 2;
    const int32_t pixels = batches * out_h * out_w;
    const int rows_are_groups = ((k_w * in_c) & 3) == 0;
    const uint32_t off2 = tmlc_arm_pack16(input_offset, input_offset);
    uint32_t *packed = (uint32_t *)scratch;
    int8_t *stage = (int8_t *)(packed + GEMM_BLOCK * 2 * groups);
    window win;
    gemm_params g;
    int32_t pix, p;
    int32_t b = 0, oy = 0, ox = 0; /* the next pixel to pack */
    if (in_c <= 0 || out_c <= 0 || input_offset < -127 || input_offset > 128) {
        /* Degenerate filters, or a padding value -input_offset that is not an int8. */
        tmlc_conv2d_s8(input, batches, in_h, in_w, in_c, input_offset, filter, out_c, k_h, k_w,
                       bias, multipliers, shifts, stride_h, stride_w, dilation_h, dilation_w,
                       pad_top, pad_left, output, out_h, out_w, output_offset, act_min,
                       act_max);
        return;
    }
    gemm_params_init(&g, filter, k, out_c, bias, multipliers, shifts, output_offset, act_min,
                     act_max);
    window_init(&win, in_h, in_w, in_c, k_h, k_w, dilation_h, dilation_w, input_offset);
    for (pix = 0; pix < pixels; pix += GEMM_BLOCK) {
        const int32_t n = pixels - pix < GEMM_BLOCK ? pixels - pix : GEMM_BLOCK;
        for (p = 0; p < n; ++p) {
            const int32_t iy0 = oy * stride_h - pad_top;
            const int32_t ix0 = ox * stride_w - pad_left;
            win.input = input + b * in_h * in_w * in_c;
            if (rows_are_groups && window_inside(&win, iy0, ix0)) {
                pack_window_rows(packed, p, n, win.input + (iy0 * in_w + ix0) * in_c, k_h,
                                 k_w * in_c, dilation_h * in_w * in_c, k, off2);
            } else {
                stage_window(stage, &win, iy0, ix0);
                pack_pixel(packed, p, n, stage, k, off2);
            }
            if (++ox == out_w) {
                ox = 0;
                if (++oy == out_h) {
                    oy = 0;
                    ++b;
                }
            }
        }
        gemm_block(&g, packed, output + pix * out_c, n);
    }
}

void tmlc_conv2d_s8_dsp_wide(const int8_t *input, int32_t batches, int32_t in_h, int32_t in_w,
                             int32_t in_c, int32_t input_offset, const void *packed_filter,
                             int32_t out_c, int32_t k_h, int32_t k_w, const int32_t *multipliers,
                             const int32_t *shifts, int32_t stride_h, int32_t stride_w,
                             int32_t dilation_h, int32_t dilation_w, int32_t pad_top,
                             int32_t pad_left, int8_t *output, int32_t out_h, int32_t out_w,
                             int32_t output_offset, int32_t act_min, int32_t act_max,
                             void *scratch)
{
    const int32_t k = k_h * k_w * in_c;
    const int32_t pixels = batches * out_h * out_w;
    uint32_t *packed = (uint32_t *)scratch;
    int8_t *stage = (int8_t *)(packed + 6 * ((k + 3) >> 2));
    window win;
    tmlc_dsp_wide g;
    int32_t pix, p;
    int32_t b = 0, oy = 0, ox = 0; /* the next pixel to pack */
    tmlc_dsp_wide_init(&g, packed_filter, k, out_c, multipliers, shifts, output_offset,
                       act_min, act_max);
    /* The padding is the input zero point: (zero point + input_offset) * w = 0, so the folded
     * bias holds for padded taps too. */
    window_init(&win, in_h, in_w, in_c, k_h, k_w, dilation_h, dilation_w, input_offset);
    for (pix = 0; pix < pixels; pix += 3) {
        const int32_t n = pixels - pix < 3 ? pixels - pix : 3;
        for (p = 0; p < 3; ++p) {
            if (p >= n) {
                tmlc_dsp_wide_pack(packed, p, 0, k);
                continue;
            }
            win.input = input + b * in_h * in_w * in_c;
            stage_window(stage, &win, oy * stride_h - pad_top, ox * stride_w - pad_left);
            tmlc_dsp_wide_pack(packed, p, stage, k);
            if (++ox == out_w) {
                ox = 0;
                if (++oy == out_h) {
                    oy = 0;
                    ++b;
                }
            }
        }
        tmlc_dsp_wide_pass(&g, packed, n, output + pix * out_c);
    }
}
