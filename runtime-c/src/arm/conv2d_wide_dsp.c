/*
 * tmlc runtime, Arm DSP kernels: int8 CONV_2D with int16 weights (owns the wide GEMM of
 * dsp_internal.h, tmlc_dsp_wide_*, tmlc_conv2d_1x1_s8_dsp_wide on it, and the layout's
 * reference, tmlc_conv2d_1x1_s8_dsp_pack_wide; tmlc_conv2d_s8_dsp_wide in conv2d_dsp.c runs the
 * same GEMM on the receptive fields it stages, with K = k_h * k_w * in_c for in_c).
 *
 * With the filter widened to int16 at compile time (twice its flash, chosen by the compiler only
 * when the flash allows), the GEMM needs no SXTB16 per weight, and the inner loop is bound by the
 * loads alone. A pass computes three pixels times two output channels (six accumulators): per
 * group of four input channels it loads the three pixels' two words with two LDM, the two
 * channels' two words with two LDRD, and adds twelve SMLAD, 16 instructions per 24 MACs (14
 * registers: six accumulators, five operands, the two pointers, one spare for the loop test).
 * The input offset is folded into the bias at compile time, so the pixels are widened as they
 * are (LDR, two SXTB16 per four channels, once per pixel for all output channels).
 *
 * Layouts, with G = ceil(in_c / 4) groups of four input channels, lanes past in_c 0 and
 * E(v) = (v0, v2), O(v) = (v1, v3) the int16 halfword pairs of four values v0..v3:
 *  - packed filter: for each pair q of output channels (c0 = 2q, c1 = 2q + 1; the missing
 *    channel of an odd out_c has weights 0), a record of TMLC_CONV2D_1X1_S8_DSP_WIDE_RECORD_WORDS
 *    words: the folded biases b(c0), b(c1) (bias + input_offset * sum of the row, modulo 2^32),
 *    then for each group g the words E(w_c0), E(w_c1), O(w_c0), O(w_c1) of the group's four
 *    weights, then per channel (c0, then c1) what its requantization needs, read with one LDM:
 *    multiplier, khi, e1 = -shift - 1 and add, with khi = tmlc_dsp_fast_khi(shift,
 *    output_offset) and add = 0 where the offset folds (tmlc_dsp_fast_channel), khi = 2^(e1 - 1)
 *    and add = output_offset for the other channels of the fast path
 *    (tmlc_dsp_fast_channel_any), and 0, 0, 0, 0 for the rest (the exact generic path);
 *  - scratch (three pixels, missing pixels 0): for each group g: E(x_p0), E(x_p1), E(x_p2),
 *    O(x_p0), O(x_p1), O(x_p2): 24 * G bytes.
 * A whole pass of three pixels over all channel pairs is one asm block: per pair the biases, the
 * dot products, the requantization in registers (seven instructions per output, the clamp to a
 * range narrower than int8 six more) and the stores. The rare channels of the generic path are
 * then computed again in C and overwritten, and so are the last one or two pixels of a layer.
 * The sums wrap modulo 2^32 like the portable kernel's (the same products in another order), and
 * dsp_internal.h requantizes bit for bit.
 *
 * A pass reads all three pixels before it writes their outputs, in pixel order, so the
 * row-streaming overlap the memory planner allows for tmlc_conv2d_s8 holds here too.
 */
#include "tmlc/kernels_arm.h"

#include "dsp_internal.h"

/* The asm loop takes thirteen registers; as in conv2d_dsp.c, only GCC optimizing (no frame
 * pointer) gives them. Elsewhere the C loop runs (the same sums). */
#if TMLC_ARM_HAVE_DSP && defined(__GNUC__) && !defined(__clang__) && defined(__OPTIMIZE__) &&   \
    !defined(TMLC_ARM_NO_GEMM_ASM)
#define TMLC_WIDE_ASM 1
#else
#define TMLC_WIDE_ASM 0
#endif

#if defined(__GNUC__) || defined(__clang__)
#define WIDE_ALWAYS_INLINE static inline __attribute__((always_inline))
#else
#define WIDE_ALWAYS_INLINE static inline
#endif

void tmlc_conv2d_1x1_s8_dsp_pack_wide(const int8_t *filter, const int32_t *bias, int32_t in_c,
                                      int32_t out_c, int32_t input_offset,
                                      const int32_t *multipliers, const int32_t *shifts,
                                      int32_t output_offset, uint32_t *packed)
{
    const int32_t groups = (in_c + 3) / 4;
    int32_t q, g, j, i;
    for (q = 0; q < (out_c + 1) / 2; ++q) {
        for (j = 0; j < 2; ++j) {
            const int32_t c = 2 * q + j;
            uint32_t sum = 0;
            for (i = 0; c < out_c && i < in_c; ++i) {
                sum += (uint32_t)filter[c * in_c + i];
            }
            *packed++ = c < out_c ? (bias != 0 ? (uint32_t)bias[c] : 0u) +
                                        (uint32_t)input_offset * sum
                                  : 0u;
        }
        for (g = 0; g < groups; ++g) {
            int32_t w[2][4];
            for (j = 0; j < 8; ++j) {
                const int32_t c = 2 * q + j / 4, k = 4 * g + j % 4;
                w[j / 4][j % 4] = c < out_c && k < in_c ? filter[c * in_c + k] : 0;
            }
            *packed++ = tmlc_arm_pack16(w[0][0], w[0][2]);
            *packed++ = tmlc_arm_pack16(w[1][0], w[1][2]);
            *packed++ = tmlc_arm_pack16(w[0][1], w[0][3]);
            *packed++ = tmlc_arm_pack16(w[1][1], w[1][3]);
        }
        for (j = 0; j < 2; ++j) {
            const int32_t c = 2 * q + j;
            const int32_t m = c < out_c ? multipliers[c] : 0, shift = c < out_c ? shifts[c] : 0;
            packed[0] = packed[1] = packed[2] = packed[3] = 0;
            if (c < out_c && tmlc_dsp_fast_channel_any(m, shift)) {
                const int folds =
                    tmlc_dsp_fast_offset(output_offset) && tmlc_dsp_fast_channel(m, shift);
                packed[0] = (uint32_t)m;
                packed[1] = folds ? tmlc_dsp_fast_khi(shift, output_offset)
                                  : (uint32_t)1 << (-shift - 2);
                packed[2] = (uint32_t)(-shift - 1);
                packed[3] = folds ? 0u : (uint32_t)output_offset;
            }
            packed += 4;
        }
    }
}

/* Widens pixel j (0-2) of a pass, its in_c values at src (NULL: a missing pixel, zeros). */
WIDE_ALWAYS_INLINE void wide_pack_pixel(uint32_t *dst, int32_t j, const int8_t *src,
                                        int32_t in_c)
{
    int32_t i;
    dst += j;
    if (src == 0) {
        for (i = 0; i < in_c; i += 4) {
            dst[0] = 0;
            dst[3] = 0;
            dst += 6;
        }
        return;
    }
    for (i = 0; i + 4 <= in_c; i += 4) {
        const uint32_t v = tmlc_arm_load32(src + i);
        dst[0] = tmlc_arm_sxtb16(v);
        dst[3] = tmlc_arm_sxtb16_ror8(v);
        dst += 6;
    }
    if (i < in_c) {
        const uint32_t v = tmlc_dsp_load_tail(src + i, in_c - i);
        dst[0] = tmlc_arm_sxtb16(v);
        dst[3] = tmlc_arm_sxtb16_ror8(v);
    }
}

/* The six sums of a pass. */
typedef struct {
    uint32_t a[3][2]; /* [pixel][channel] */
} wide_sums;

/* Adds the G groups of the pass's pixels (x) times one channel pair's words (w) to s (C; the
 * asm pass below has the same loop). */
static void wide_dot(wide_sums *s, const uint32_t *x, const uint32_t *w, int32_t groups)
{
    int32_t g, h, j;
    for (g = 0; g < groups; ++g) {
        for (h = 0; h < 2; ++h) {
            for (j = 0; j < 3; ++j) {
                s->a[j][0] = tmlc_arm_smlad(x[j], w[0], s->a[j][0]);
                s->a[j][1] = tmlc_arm_smlad(x[j], w[1], s->a[j][1]);
            }
            x += 3;
            w += 2;
        }
    }
}

/* Stores the requantized sums of channel c of the pass's n pixels. */
static void wide_store(const wide_sums *s, int32_t ch, int32_t c, int32_t n, int8_t *output,
                       const tmlc_dsp_wide *q)
{
    const int32_t out_c = q->out_c, multiplier = q->multipliers[c], shift = q->shifts[c];
    const int fast = tmlc_dsp_fast_channel_any(multiplier, shift);
    int32_t j;
    for (j = 0; j < n; ++j) {
        const int32_t r =
            fast ? tmlc_dsp_fast_any(s->a[j][ch], multiplier, -shift - 1, q->output_offset)
                 : tmlc_dsp_generic(s->a[j][ch], multiplier, shift, q->output_offset);
        output[j * out_c + c] = tmlc_dsp_clamp(r, q->lo, q->hi);
    }
}

/* One pass of n pixels (packed at x) over channels [c0, c1) (c0 even), in C. */
static void wide_pass_c(const tmlc_dsp_wide *q, const uint32_t *x, int32_t n, int8_t *out,
                        int32_t c0, int32_t c1)
{
    const int32_t groups = q->groups;
    const uint32_t *w =
        q->filter + (c0 / 2) * TMLC_CONV2D_1X1_S8_DSP_WIDE_RECORD_WORDS(4 * groups);
    int32_t c, j;
    for (c = c0; c < c1; c += 2) {
        wide_sums s;
        for (j = 0; j < 3; ++j) {
            s.a[j][0] = w[0];
            s.a[j][1] = w[1];
        }
        wide_dot(&s, x, w + 2, groups);
        wide_store(&s, 0, c, n, out, q);
        if (c + 1 < c1) {
            wide_store(&s, 1, c + 1, n, out, q);
        }
        w += TMLC_CONV2D_1X1_S8_DSP_WIDE_RECORD_WORDS(4 * groups);
    }
}

#if TMLC_WIDE_ASM
/* One group: the three pixels' words of one half (E or O) by LDM, the two channels' by LDRD. */
#define WIDE_ASM_HALF                                                                         \
    "ldmia %[x]!, {%[e0], %[e1], %[e2]}\n\t"                                                  \
    "ldrd %[wa], %[wb], [%[w]], #8\n\t"                                                       \
    "smlad %[a00], %[e0], %[wa], %[a00]\n\t"                                                  \
    "smlad %[a01], %[e0], %[wb], %[a01]\n\t"                                                  \
    "smlad %[a10], %[e1], %[wa], %[a10]\n\t"                                                  \
    "smlad %[a11], %[e1], %[wb], %[a11]\n\t"                                                  \
    "smlad %[a20], %[e2], %[wa], %[a20]\n\t"                                                  \
    "smlad %[a21], %[e2], %[wb], %[a21]\n\t"

/* The fast requantization of accumulator a in place (e0: multiplier, e1: khi, e2: e1, x: the
 * offset added after the shift; wa, wb: the SMLAL pair), then the clamp to int8; WIDE_ASM_FOLDED
 * for layers whose every channel has the offset folded into khi (add = 0): one instruction less. */
#define WIDE_ASM_ANY(a)                                                                       \
    "and %[wa], %[" a "], #0x80000000\n\t"                                                    \
    "orr %[wa], %[wa], #0x40000000\n\t"                                                       \
    "sub %[wb], %[e1], %[" a "], lsr #31\n\t"                                                 \
    "smlal %[wa], %[wb], %[" a "], %[e0]\n\t"                                                 \
    "asr %[" a "], %[wb], %[e2]\n\t"                                                          \
    "add %[" a "], %[" a "], %[x]\n\t"                                                        \
    "ssat %[" a "], #8, %[" a "]\n\t"
#define WIDE_ASM_FOLDED(a)                                                                    \
    "and %[wa], %[" a "], #0x80000000\n\t"                                                    \
    "orr %[wa], %[wa], #0x40000000\n\t"                                                       \
    "sub %[wb], %[e1], %[" a "], lsr #31\n\t"                                                 \
    "smlal %[wa], %[wb], %[" a "], %[e0]\n\t"                                                 \
    "asr %[" a "], %[wb], %[e2]\n\t"                                                          \
    "ssat %[" a "], #8, %[" a "]\n\t"

/* The clamp of a (already int8) to [wa, wb]. */
#define WIDE_ASM_CLAMP(a)                                                                     \
    "cmp %[" a "], %[wa]\n\t"                                                                 \
    "it lt\n\t"                                                                               \
    "movlt %[" a "], %[wa]\n\t"                                                               \
    "cmp %[" a "], %[wb]\n\t"                                                                 \
    "it gt\n\t"                                                                               \
    "movgt %[" a "], %[wb]\n\t"

/*
 * A pass of three pixels (packed at x0) over the first `pairs` channel pairs (records at w): per
 * pair the biases, the dot products (two groups per loop iteration), the requantization of the
 * six sums, their clamp and their stores at out, out + out_c, out + 2 out_c. Returns the filter
 * pointer after the pairs' records. Made in eight variants, so that a pair runs no test that
 * the layer decides: REQ requantizes one accumulator (WIDE_ASM_ANY or WIDE_ASM_FOLDED), ENTRY
 * enters the group loop (WIDE_ASM_EVEN, or WIDE_ASM_ODD at its second group when G is odd),
 * CLAMP narrows the six results to [lo, hi] (WIDE_ASM_NARROW) or leaves them (WIDE_ASM_FULL).
 */
#define WIDE_ASM_EVEN ""
#define WIDE_ASM_ODD "b 2f\n\t"
#define WIDE_ASM_FULL ""
#define WIDE_ASM_NARROW                                                                       \
    "ldr %[wa], %[lo]\n\t"                                                                    \
    "ldr %[wb], %[hi]\n\t" WIDE_ASM_CLAMP("a00") WIDE_ASM_CLAMP("a10") WIDE_ASM_CLAMP("a20")  \
        WIDE_ASM_CLAMP("a01") WIDE_ASM_CLAMP("a11") WIDE_ASM_CLAMP("a21")
#define WIDE_PASS_ASM(NAME, REQ, ENTRY, CLAMP)                                                 \
static const uint32_t *NAME(const uint32_t *x0, const uint32_t *w, int32_t groups,             \
                                     int32_t pairs, int8_t *out, int32_t out_c, int32_t lo,    \
                                     int32_t hi)                                               \
{                                                                                              \
    /* LDM fills its registers in ascending order: e0 < e1 < e2 < x by number. */              \
    register uint32_t e0 __asm__("r8");                                                        \
    register uint32_t e1 __asm__("r10");                                                       \
    register uint32_t e2 __asm__("r11");                                                       \
    register const uint32_t *x __asm__("r12");                                                 \
    const uint32_t *volatile xs = x0;                                                          \
    const uint32_t *volatile xe = x0 + 6 * groups;                                             \
    volatile int32_t stride = out_c;                                                           \
    volatile int32_t lo_ = lo, hi_ = hi;                                                       \
    int8_t *volatile o = out;                                                                  \
    volatile int32_t left = pairs;                                                             \
    uint32_t a00, a01, a10, a11, a20, a21, wa, wb;                                             \
    __asm__ volatile(                                                                          \
        "3:\n\t"                                                                               \
        "ldrd %[a00], %[a01], [%[w]], #8\n\t"                                                  \
        "mov %[a10], %[a00]\n\t"                                                               \
        "mov %[a20], %[a00]\n\t"                                                               \
        "mov %[a11], %[a01]\n\t"                                                               \
        "mov %[a21], %[a01]\n\t"                                                               \
        "ldr %[x], %[xs]\n\t" ENTRY                                                            \
        "1:\n\t" WIDE_ASM_HALF WIDE_ASM_HALF                                                   \
        "2:\n\t" WIDE_ASM_HALF WIDE_ASM_HALF                                                   \
        "ldr %[wa], %[xe]\n\t"                                                                 \
        "cmp %[x], %[wa]\n\t"                                                                  \
        "bne 1b\n\t"                                                                           \
        "ldmia %[w]!, {%[e0], %[e1], %[e2], %[x]}\n\t"                                         \
        REQ("a00") REQ("a10") REQ("a20")                                                       \
        "ldmia %[w]!, {%[e0], %[e1], %[e2], %[x]}\n\t"                                         \
        REQ("a01") REQ("a11") REQ("a21")                                                       \
        CLAMP                                                                                  \
        "ldr %[x], %[o]\n\t"                                                                   \
        "ldr %[wa], %[stride]\n\t"                                                             \
        "strb %[a00], [%[x]]\n\t"                                                              \
        "strb %[a01], [%[x], #1]\n\t"                                                          \
        "strb %[a10], [%[x], %[wa]]\n\t"                                                       \
        "add %[wb], %[x], %[wa]\n\t"                                                           \
        "strb %[a11], [%[wb], #1]\n\t"                                                         \
        "strb %[a20], [%[wb], %[wa]]\n\t"                                                      \
        "add %[wb], %[wb], %[wa]\n\t"                                                          \
        "strb %[a21], [%[wb], #1]\n\t"                                                         \
        "adds %[x], %[x], #2\n\t"                                                              \
        "str %[x], %[o]\n\t"                                                                   \
        "ldr %[wa], %[left]\n\t"                                                               \
        "subs %[wa], %[wa], #1\n\t"                                                            \
        "str %[wa], %[left]\n\t"                                                               \
        "bne 3b\n\t"                                                                           \
        : [a00] "=&r"(a00), [a01] "=&r"(a01), [a10] "=&r"(a10), [a11] "=&r"(a11),              \
          [a20] "=&r"(a20), [a21] "=&r"(a21), [x] "=&r"(x), [w] "+r"(w), [e0] "=&r"(e0),       \
          [e1] "=&r"(e1), [e2] "=&r"(e2), [wa] "=&r"(wa), [wb] "=&r"(wb), [o] "+m"(o),         \
          [left] "+m"(left)                                                                    \
        : [xs] "m"(xs), [xe] "m"(xe), [stride] "m"(stride), [lo] "m"(lo_), [hi] "m"(hi_)       \
        : "cc", "memory");                                                                     \
    return w;                                                                                  \
}

WIDE_PASS_ASM(wide_pass_any_even_full, WIDE_ASM_ANY, WIDE_ASM_EVEN, WIDE_ASM_FULL)
WIDE_PASS_ASM(wide_pass_any_odd_full, WIDE_ASM_ANY, WIDE_ASM_ODD, WIDE_ASM_FULL)
WIDE_PASS_ASM(wide_pass_any_even_narrow, WIDE_ASM_ANY, WIDE_ASM_EVEN, WIDE_ASM_NARROW)
WIDE_PASS_ASM(wide_pass_any_odd_narrow, WIDE_ASM_ANY, WIDE_ASM_ODD, WIDE_ASM_NARROW)
WIDE_PASS_ASM(wide_pass_folded_even_full, WIDE_ASM_FOLDED, WIDE_ASM_EVEN, WIDE_ASM_FULL)
WIDE_PASS_ASM(wide_pass_folded_odd_full, WIDE_ASM_FOLDED, WIDE_ASM_ODD, WIDE_ASM_FULL)
WIDE_PASS_ASM(wide_pass_folded_even_narrow, WIDE_ASM_FOLDED, WIDE_ASM_EVEN, WIDE_ASM_NARROW)
WIDE_PASS_ASM(wide_pass_folded_odd_narrow, WIDE_ASM_FOLDED, WIDE_ASM_ODD, WIDE_ASM_NARROW)

typedef const uint32_t *(*wide_pass_fn)(const uint32_t *, const uint32_t *, int32_t, int32_t,
                                        int8_t *, int32_t, int32_t, int32_t);

/* The variant of a layer: [all_folded][G odd][narrow range]. */
static const wide_pass_fn k_wide_passes[2][2][2] = {
    {{wide_pass_any_even_full, wide_pass_any_even_narrow},
     {wide_pass_any_odd_full, wide_pass_any_odd_narrow}},
    {{wide_pass_folded_even_full, wide_pass_folded_even_narrow},
     {wide_pass_folded_odd_full, wide_pass_folded_odd_narrow}},
};
#endif

void tmlc_dsp_wide_init(tmlc_dsp_wide *g, const void *packed_filter, int32_t k, int32_t out_c,
                        const int32_t *multipliers, const int32_t *shifts,
                        int32_t output_offset, int32_t act_min, int32_t act_max)
{
    int32_t c;
    g->filter = (const uint32_t *)packed_filter;
    g->groups = (k + 3) / 4;
    g->out_c = out_c;
    g->multipliers = multipliers;
    g->shifts = shifts;
    g->output_offset = output_offset;
    tmlc_dsp_act_range(act_min, act_max, &g->lo, &g->hi);
    g->any_generic = 0;
    g->all_folded = tmlc_dsp_fast_offset(output_offset);
    for (c = 0; c < out_c; ++c) {
        g->any_generic = g->any_generic || !tmlc_dsp_fast_channel_any(multipliers[c], shifts[c]);
        g->all_folded = g->all_folded && tmlc_dsp_fast_channel(multipliers[c], shifts[c]);
    }
}

void tmlc_dsp_wide_pack(uint32_t *packed, int32_t j, const int8_t *src, int32_t k)
{
    wide_pack_pixel(packed, j, src, k);
}

/* tmlc_dsp_wide_pass, inlined into the 1x1 kernel's pixel loop. */
WIDE_ALWAYS_INLINE void wide_pass(const tmlc_dsp_wide *g, const uint32_t *packed, int32_t n,
                                  int8_t *out)
{
    const int32_t out_c = g->out_c;
#if TMLC_WIDE_ASM
    if (n == 3 && out_c >= 2) {
        const int32_t groups = g->groups;
        int32_t c;
        const int narrow = g->lo != -128 || g->hi != 127;
        k_wide_passes[g->all_folded != 0][groups & 1][narrow](packed, g->filter, groups,
                                                              out_c / 2, out, out_c, g->lo, g->hi);
        if ((out_c & 1) != 0) {
            /* The last channel, alone in its pair. */
            wide_pass_c(g, packed, 3, out, out_c - 1, out_c);
        }
        /* The generic channels, again in C. */
        for (c = 0; g->any_generic && c < out_c; ++c) {
            if (!tmlc_dsp_fast_channel_any(g->multipliers[c], g->shifts[c])) {
                wide_pass_c(g, packed, 3, out, c & ~1, c + 1);
            }
        }
        return;
    }
#endif
    wide_pass_c(g, packed, n, out, 0, out_c);
}

void tmlc_dsp_wide_pass(const tmlc_dsp_wide *g, const uint32_t *packed, int32_t n, int8_t *out)
{
    wide_pass(g, packed, n, out);
}

void tmlc_conv2d_1x1_s8_dsp_wide(const int8_t *input, int32_t pixels, int32_t in_c,
                                 const void *packed_filter, int32_t out_c,
                                 const int32_t *multipliers, const int32_t *shifts,
                                 int8_t *output, int32_t output_offset, int32_t act_min,
                                 int32_t act_max, void *scratch)
{
    uint32_t *packed = (uint32_t *)scratch;
    tmlc_dsp_wide g;
    int32_t pix, j;
    tmlc_dsp_wide_init(&g, packed_filter, in_c, out_c, multipliers, shifts, output_offset,
                       act_min, act_max);
    for (pix = 0; pix < pixels; pix += 3) {
        const int32_t n = pixels - pix < 3 ? pixels - pix : 3;
        for (j = 0; j < 3; ++j) {
            wide_pack_pixel(packed, j, j < n ? input + (pix + j) * in_c : 0, in_c);
        }
        wide_pass(&g, packed, n, output + pix * out_c);
    }
}
