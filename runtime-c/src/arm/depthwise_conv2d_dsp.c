/*
 * tmlc runtime, Arm DSP kernels: int8 DEPTHWISE_CONV_2D (owns tmlc_depthwise_conv2d_s8_dsp,
 * tmlc_depthwise_conv2d_inplace_s8_dsp with its channel-parallel variant for small planes, and
 * tmlc_depthwise_conv2d_s8_dsp_pack).
 *
 * NHWC keeps the taps of one channel C bytes apart, which SIMD cannot pair. So the input is
 * first transposed into channel planes of padded rows, int8, where the padding (left, right,
 * and rows outside the input) holds the input zero point -input_offset. A tap on the padding
 * then contributes w * (zero_point + input_offset) = 0, so every window is complete and
 *
 *   acc = bias + input_offset * (sum of the channel's k_h * k_w weights) + sum w * x_raw
 *
 * is exactly the portable sum (modulo 2^32) with no border cases. The first term is constant
 * per channel, so the compiler folds it (with the filter, packed for SMLAD) into the packed
 * filter, tmlc_depthwise_conv2d_s8_dsp_pack.
 *
 * The normal kernel keeps a ring of R = (k_h - 1) * dilation_h + 1 padded rows of every input
 * channel. Each output row gathers only the input rows it is the first to need (one per row for
 * stride 1), reads nothing else from the input and writes only its own output row, in order, so
 * the row-streaming overlap the memory planner allows for the portable kernel still holds. The
 * in-place kernel works channel by channel like tmlc_depthwise_conv2d_inplace_s8: it gathers the
 * whole padded plane of channel c, then stores output channel c straight over input channel c
 * (which only output channel c ever overwrites), with no output plane and no copy back.
 *
 * A row of one output channel is one fused loop: two outputs at a time, their accumulators
 * starting at the folded bias, then requantized in registers (the fast requantization of
 * dsp_internal.h, the clamp one SSAT) and stored straight to NHWC (out[ox * out_c]). With four
 * plane bytes x0..x3 loaded by one LDR, E = SXTB16 = (x0, x2) and O = SXTB16 ROR 8 = (x1, x3),
 * and each filter row packed as words (w0, w2), (w1, w3):
 *  - 3x3, dilation 1, stride 1:  out[i]   = SMLAD(E, (w0, w2)) + SMLABB(O, w1)
 *                                out[i+1] = SMLAD(O, (w0, w2)) + SMLATB(E, w1)
 *    stride 2: out[i] as above from the word at 2i, out[i+1] = SMLAD(E', (w0, w2)) +
 *    SMLATB(O, w1) with E' from the word at 2i + 2: 7 (stride 1) or 9 (stride 2) instructions
 *    per 6 MACs and filter row, plus 7 per output for the requantization and the store;
 *  - other filters with dilation_w 1 and stride_w <= 4 (5x5, 7x7, 10x8): each group of four
 *    taps of a filter row is SMLAD(E, (w0, w2)) + SMLAD(O, (w1, w3)) (a 5-tap row: tap 4 is one
 *    SMLABB);
 *  - on the in-place kernel's plane (rows equally spaced): 3x3 stride 1 computes two output rows
 *    per pass (dw3x3_s1_fused2: 4 plane words widened once feed both rows), and 5x5 / 7x7
 *    stride 1 and 2 rows share their words between the pass's two outputs
 *    (dw_plane_grouped_fused);
 *  - anything else (dilation_w > 1, more than DW_MAX_ROWS filter rows), and channels without the
 *    fast requantization or with an activation range narrower than int8: window sums of
 *    DW_CHUNK outputs on the stack, then the exact requantization (dw_row_general).
 *
 * Small output planes (TMLC_DSP_DW_SMALL_PLANE) with a multiple of four channels take the
 * channel-parallel variant (dw_quads), which has no per-row set-up: see there (the normal kernel
 * only with an output disjoint from its input, dw_disjoint), and so do larger planes other than
 * the 3x3 stride 1 ones where the variant's scratch fits in the kernel's (dw_takes_quads).
 */
#include "tmlc/kernels_arm.h"

#include "dsp_internal.h"

/* Inlines the fused row dispatch into the per-channel loops that call it. */
#if defined(__GNUC__) || defined(__clang__)
#define DW_ALWAYS_INLINE static inline __attribute__((always_inline))
#else
#define DW_ALWAYS_INLINE static inline
#endif

/* Outputs whose window sums one pass keeps on the stack (even). */
#define DW_CHUNK 32

/* The largest filter height of the SIMD paths. */
#define DW_MAX_ROWS 16

enum { DW_FAST3_S1, DW_FAST3_S2, DW_GROUPED, DW_SCALAR };

/* Everything the row loops need about the layer. */
typedef struct {
    int32_t in_h, in_w;
    int32_t k_h, k_w, stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left;
    int32_t out_w;
    int32_t plane_rows, row_width; /* ring or plane rows, and bytes per plane row */
    int32_t slot_stride;           /* bytes between consecutive padded rows of one plane */
    int32_t first_col, last_col;   /* the plane columns that hold input columns */
    int32_t groups;                /* groups of four taps per filter row */
    int32_t channel_words;         /* words of one channel's packed filter */
    int path;                      /* DW_FAST3_S1, DW_FAST3_S2, DW_GROUPED or DW_SCALAR */
    int32_t output_offset, lo, hi;
    int simple_range; /* [lo, hi] == [-128, 127] and the fast path allows the offset */
    int8_t zero_point;
} dw_layer;

static void dw_layer_init(dw_layer *l, int32_t in_h, int32_t in_w, int32_t k_h, int32_t k_w,
                          int32_t stride_h, int32_t stride_w, int32_t dilation_h,
                          int32_t dilation_w, int32_t pad_top, int32_t pad_left, int32_t out_w,
                          int32_t plane_rows, int32_t planes, int32_t input_offset,
                          int32_t output_offset, int32_t act_min, int32_t act_max)
{
    int32_t first, last;
    l->in_h = in_h;
    l->in_w = in_w;
    l->k_h = k_h;
    l->k_w = k_w;
    l->stride_h = stride_h;
    l->stride_w = stride_w;
    l->dilation_h = dilation_h;
    l->dilation_w = dilation_w;
    l->pad_top = pad_top;
    l->pad_left = pad_left;
    l->out_w = out_w;
    l->plane_rows = plane_rows;
    l->row_width = TMLC_DSP_RING_WIDTH(out_w, stride_w, k_w, dilation_w);
    l->slot_stride = planes * l->row_width;
    first = pad_left < l->row_width ? pad_left : l->row_width;
    last = pad_left + in_w < l->row_width ? pad_left + in_w : l->row_width;
    l->first_col = first;
    l->last_col = last < first ? first : last;
    l->groups = (k_w + 3) / 4;
    l->channel_words = 1 + 2 * k_h * l->groups;
    l->output_offset = output_offset;
    tmlc_dsp_act_range(act_min, act_max, &l->lo, &l->hi);
    l->simple_range = l->lo == -128 && l->hi == 127 && tmlc_dsp_fast_offset(output_offset);
    l->zero_point = (int8_t)tmlc_arm_s8(0u - (uint32_t)input_offset);
    if (k_h == 3 && k_w == 3 && dilation_h == 1 && dilation_w == 1 && stride_w <= 2) {
        l->path = stride_w == 1 ? DW_FAST3_S1 : DW_FAST3_S2;
    } else if (dilation_w == 1 && stride_w <= 4 && k_h <= DW_MAX_ROWS) {
        l->path = DW_GROUPED;
    } else {
        l->path = DW_SCALAR;
    }
}

void tmlc_depthwise_conv2d_s8_dsp_pack(const int8_t *filter, const int32_t *bias,
                                       int32_t input_offset, int32_t out_c, int32_t k_h,
                                       int32_t k_w, uint32_t *packed)
{
    const int32_t groups = (k_w + 3) / 4;
    int32_t oc, fy, g, j;
    for (oc = 0; oc < out_c; ++oc) {
        uint32_t sum = 0;
        uint32_t *taps = packed + 1;
        for (fy = 0; fy < k_h; ++fy) {
            for (g = 0; g < groups; ++g) {
                int32_t tap[4];
                for (j = 0; j < 4; ++j) {
                    const int32_t fx = 4 * g + j;
                    tap[j] = fx < k_w ? filter[(fy * k_w + fx) * out_c + oc] : 0;
                    sum += (uint32_t)tap[j];
                }
                taps[0] = tmlc_arm_pack16(tap[0], tap[2]);
                taps[1] = tmlc_arm_pack16(tap[1], tap[3]);
                taps += 2;
            }
        }
        packed[0] = (bias != 0 ? (uint32_t)bias[oc] : 0u) + sum * (uint32_t)input_offset;
        packed = taps;
    }
}

/*
 * Four pixels' words of four channels (p[i] = channels 0..3 of pixel i) transposed into four
 * channels' words of four pixels (q[c] = pixels 0..3 of channel c): 4 PKHBT/PKHTB and 12
 * AND/ORR-class instructions.
 */
static void transpose4x4(uint32_t p0, uint32_t p1, uint32_t p2, uint32_t p3, uint32_t q[4])
{
    const uint32_t t0 = tmlc_arm_pkhbt(p0, p2); /* p0c0 p0c1 p2c0 p2c1 */
    const uint32_t t1 = tmlc_arm_pkhbt(p1, p3); /* p1c0 p1c1 p3c0 p3c1 */
    const uint32_t t2 = tmlc_arm_pkhtt(p0, p2); /* p0c2 p0c3 p2c2 p2c3 */
    const uint32_t t3 = tmlc_arm_pkhtt(p1, p3); /* p1c2 p1c3 p3c2 p3c3 */
    q[0] = (t0 & 0x00FF00FFu) | ((t1 & 0x00FF00FFu) << 8);
    q[1] = ((t0 >> 8) & 0x00FF00FFu) | (t1 & 0xFF00FF00u);
    q[2] = (t2 & 0x00FF00FFu) | ((t3 & 0x00FF00FFu) << 8);
    q[3] = ((t2 >> 8) & 0x00FF00FFu) | (t3 & 0xFF00FF00u);
}

/* Copies n bytes pixel_stride apart from src to dst (one channel of an input row). */
static void gather_plane_row(int8_t *dst, const int8_t *src, int32_t n, int32_t pixel_stride)
{
    int32_t x;
    for (x = 0; x + 4 <= n; x += 4) {
        /* Nested so that each byte is one ORR with a shifted operand. */
        uint32_t v = (uint32_t)(uint8_t)src[3 * pixel_stride];
        v = (uint32_t)(uint8_t)src[2 * pixel_stride] | (v << 8);
        v = (uint32_t)(uint8_t)src[pixel_stride] | (v << 8);
        v = (uint32_t)(uint8_t)src[0] | (v << 8);
        tmlc_arm_store32(dst + x, v);
        src += 4 * pixel_stride;
    }
    for (; x < n; ++x) {
        dst[x] = *src;
        src += pixel_stride;
    }
}

/*
 * Loads input row iy (the zero point if outside the input) of `count` channels into the rows
 * at `slot`: plane q (planes row_width bytes apart) gets input channel first_channel + q of
 * `input` (NHWC, pixel_stride bytes per pixel). Only the interior columns are written; the
 * padding columns keep the zero point from fill_zero_point. Groups of four channels are
 * transposed four pixels at a time.
 */
static void gather_row(const dw_layer *l, int8_t *slot, int32_t iy, const int8_t *input,
                       int32_t pixel_stride, int32_t first_channel, int32_t count)
{
    const int32_t width = l->row_width;
    const int32_t first = l->first_col;
    const int32_t n = l->last_col - first;
    const int8_t *src;
    int32_t q, x;
    if (iy < 0 || iy >= l->in_h) {
        for (q = 0; q < count; ++q) {
            int8_t *plane = slot + q * width + first;
            for (x = 0; x < n; ++x) {
                plane[x] = l->zero_point;
            }
        }
        return;
    }
    src = input + (iy * l->in_w + (first - l->pad_left)) * pixel_stride + first_channel;
    for (q = 0; q + 4 <= count; q += 4) {
        int8_t *plane = slot + q * width + first;
        const int8_t *s = src + q;
        for (x = 0; x + 4 <= n; x += 4) {
            uint32_t t[4];
            transpose4x4(tmlc_arm_load32(s), tmlc_arm_load32(s + pixel_stride),
                         tmlc_arm_load32(s + 2 * pixel_stride),
                         tmlc_arm_load32(s + 3 * pixel_stride), t);
            tmlc_arm_store32(plane + x, t[0]);
            tmlc_arm_store32(plane + width + x, t[1]);
            tmlc_arm_store32(plane + 2 * width + x, t[2]);
            tmlc_arm_store32(plane + 3 * width + x, t[3]);
            s += 4 * pixel_stride;
        }
        for (; x < n; ++x) {
            plane[x] = s[0];
            plane[width + x] = s[1];
            plane[2 * width + x] = s[2];
            plane[3 * width + x] = s[3];
            s += pixel_stride;
        }
    }
    for (; q < count; ++q) {
        gather_plane_row(slot + q * width + first, src + q, n, pixel_stride);
    }
}

/* Fills n bytes with the zero point (word stores). */
static void fill_zero_point(const dw_layer *l, int8_t *p, int32_t n)
{
    const uint32_t fill = ((uint32_t)(uint8_t)l->zero_point) * 0x01010101u;
    int32_t i;
    for (i = 0; i + 4 <= n; i += 4) {
        tmlc_arm_store32(p + i, fill);
    }
    for (; i < n; ++i) {
        p[i] = l->zero_point;
    }
}

/* Where the tap rows of the current output row are: rows[fy] is the plane row (in the first
 * channel's plane) of filter row fy; channel q's plane is q * row_width bytes further. */
typedef struct {
    const int8_t *rows[DW_MAX_ROWS];
} dw_rows;

/* Window sums without the folded bias, 3x3, stride 1: acc[i], acc[i + 1] for even i < n,
 * from plane rows r0..r2 starting at the first output's column; f: the packed filter rows. */
static void dw3x3_s1(const int8_t *r0, const int8_t *r1, const int8_t *r2, const uint32_t *f,
                     uint32_t *acc, int32_t n)
{
    const uint32_t *const end = acc + n;
    while (acc < end) {
        uint32_t a0, a1, v, e, o, w02, w1;
        TMLC_ARM_LDRD(f, 0, w02, w1);
        v = tmlc_arm_load32(r0);
        e = tmlc_arm_sxtb16(v);
        o = tmlc_arm_sxtb16_ror8(v);
        a0 = tmlc_arm_smlad(e, w02, 0);
        a0 = tmlc_arm_smlabb(o, w1, a0);
        a1 = tmlc_arm_smlad(o, w02, 0);
        a1 = tmlc_arm_smlatb(e, w1, a1);
        TMLC_ARM_LDRD(f, 8, w02, w1);
        v = tmlc_arm_load32(r1);
        e = tmlc_arm_sxtb16(v);
        o = tmlc_arm_sxtb16_ror8(v);
        a0 = tmlc_arm_smlad(e, w02, a0);
        a0 = tmlc_arm_smlabb(o, w1, a0);
        a1 = tmlc_arm_smlad(o, w02, a1);
        a1 = tmlc_arm_smlatb(e, w1, a1);
        TMLC_ARM_LDRD(f, 16, w02, w1);
        v = tmlc_arm_load32(r2);
        e = tmlc_arm_sxtb16(v);
        o = tmlc_arm_sxtb16_ror8(v);
        a0 = tmlc_arm_smlad(e, w02, a0);
        a0 = tmlc_arm_smlabb(o, w1, a0);
        a1 = tmlc_arm_smlad(o, w02, a1);
        a1 = tmlc_arm_smlatb(e, w1, a1);
        acc[0] = a0;
        acc[1] = a1;
        acc += 2;
        r0 += 2;
        r1 += 2;
        r2 += 2;
    }
}

/* 3x3, stride 2: as dw3x3_s1 with output i at column 2i. */
static void dw3x3_s2(const int8_t *r0, const int8_t *r1, const int8_t *r2, const uint32_t *f,
                     uint32_t *acc, int32_t n)
{
    const uint32_t *const end = acc + n;
    while (acc < end) {
        uint32_t a0, a1, v, o, w02, w1;
        TMLC_ARM_LDRD(f, 0, w02, w1);
        v = tmlc_arm_load32(r0);
        o = tmlc_arm_sxtb16_ror8(v);
        a0 = tmlc_arm_smlad(tmlc_arm_sxtb16(v), w02, 0);
        a0 = tmlc_arm_smlabb(o, w1, a0);
        a1 = tmlc_arm_smlad(tmlc_arm_sxtb16(tmlc_arm_load32(r0 + 2)), w02, 0);
        a1 = tmlc_arm_smlatb(o, w1, a1);
        TMLC_ARM_LDRD(f, 8, w02, w1);
        v = tmlc_arm_load32(r1);
        o = tmlc_arm_sxtb16_ror8(v);
        a0 = tmlc_arm_smlad(tmlc_arm_sxtb16(v), w02, a0);
        a0 = tmlc_arm_smlabb(o, w1, a0);
        a1 = tmlc_arm_smlad(tmlc_arm_sxtb16(tmlc_arm_load32(r1 + 2)), w02, a1);
        a1 = tmlc_arm_smlatb(o, w1, a1);
        TMLC_ARM_LDRD(f, 16, w02, w1);
        v = tmlc_arm_load32(r2);
        o = tmlc_arm_sxtb16_ror8(v);
        a0 = tmlc_arm_smlad(tmlc_arm_sxtb16(v), w02, a0);
        a0 = tmlc_arm_smlabb(o, w1, a0);
        a1 = tmlc_arm_smlad(tmlc_arm_sxtb16(tmlc_arm_load32(r2 + 2)), w02, a1);
        a1 = tmlc_arm_smlatb(o, w1, a1);
        acc[0] = a0;
        acc[1] = a1;
        acc += 2;
        r0 += 4;
        r1 += 4;
        r2 += 4;
    }
}

/*
 * Window sums of the grouped path: acc[i] for i < n (n even; an odd last one is computed and
 * ignored) of outputs ox0 + i, two outputs per pass over the packed filter f.
 */
static void dw_grouped(const dw_layer *l, const dw_rows *r, int32_t plane_offset,
                       const uint32_t *f, uint32_t *acc, int32_t ox0, int32_t n)
{
    const int32_t stride = l->stride_w;
    const int32_t groups = l->groups;
    const int32_t k_h = l->k_h;
    int32_t i, fy, g;
    for (i = 0; i < n; i += 2) {
        uint32_t a0 = 0, a1 = 0;
        const uint32_t *p = f;
        for (fy = 0; fy < k_h; ++fy) {
            const int8_t *x0 = r->rows[fy] + plane_offset + (ox0 + i) * stride;
            const int8_t *x1 = x0 + stride;
            if (groups == 2) {
                /* Filters 5 to 8 taps wide, unrolled. */
                uint32_t we, wo, v0, v1;
                TMLC_ARM_LDRD(p, 0, we, wo);
                v0 = tmlc_arm_load32(x0);
                v1 = tmlc_arm_load32(x1);
                a0 = tmlc_arm_smlad(tmlc_arm_sxtb16(v0), we, a0);
                a0 = tmlc_arm_smlad(tmlc_arm_sxtb16_ror8(v0), wo, a0);
                a1 = tmlc_arm_smlad(tmlc_arm_sxtb16(v1), we, a1);
                a1 = tmlc_arm_smlad(tmlc_arm_sxtb16_ror8(v1), wo, a1);
                TMLC_ARM_LDRD(p, 8, we, wo);
                v0 = tmlc_arm_load32(x0 + 4);
                v1 = tmlc_arm_load32(x1 + 4);
                a0 = tmlc_arm_smlad(tmlc_arm_sxtb16(v0), we, a0);
                a0 = tmlc_arm_smlad(tmlc_arm_sxtb16_ror8(v0), wo, a0);
                a1 = tmlc_arm_smlad(tmlc_arm_sxtb16(v1), we, a1);
                a1 = tmlc_arm_smlad(tmlc_arm_sxtb16_ror8(v1), wo, a1);
                p += 4;
                continue;
            }
            for (g = 0; g < groups; ++g) {
                uint32_t we, wo, v0, v1;
                TMLC_ARM_LDRD(p, 0, we, wo);
                v0 = tmlc_arm_load32(x0);
                v1 = tmlc_arm_load32(x1);
                a0 = tmlc_arm_smlad(tmlc_arm_sxtb16(v0), we, a0);
                a0 = tmlc_arm_smlad(tmlc_arm_sxtb16_ror8(v0), wo, a0);
                a1 = tmlc_arm_smlad(tmlc_arm_sxtb16(v1), we, a1);
                a1 = tmlc_arm_smlad(tmlc_arm_sxtb16_ror8(v1), wo, a1);
                p += 2;
                x0 += 4;
                x1 += 4;
            }
        }
        acc[i] = a0;
        acc[i + 1] = a1;
    }
}

/* The weight of tap (fy, fx) in a packed filter f (words after the folded bias). */
static int32_t dw_tap(const dw_layer *l, const uint32_t *f, int32_t fy, int32_t fx)
{
    const uint32_t word = f[2 * (fy * l->groups + fx / 4) + (fx & 1)];
    return tmlc_arm_s16((fx & 2) != 0 ? word >> 16 : word);
}

/* Window sums with one multiply per tap (any dilation and filter size). */
static void dw_scalar(const dw_layer *l, const int8_t *plane0, int32_t oy_prow,
                      const uint32_t *f, uint32_t *acc, int32_t ox0, int32_t n)
{
    int32_t i, fy, fx;
    for (i = 0; i < n; ++i) {
        uint32_t a = 0;
        for (fy = 0; fy < l->k_h; ++fy) {
            const int32_t prow = (oy_prow + fy * l->dilation_h) % l->plane_rows;
            const int8_t *row = plane0 + prow * l->slot_stride + (ox0 + i) * l->stride_w;
            for (fx = 0; fx < l->k_w; ++fx) {
                a += (uint32_t)dw_tap(l, f, fy, fx) * (uint32_t)row[fx * l->dilation_w];
            }
        }
        acc[i] = a;
    }
    if (n & 1) {
        acc[n] = 0; /* read (and ignored) by the requantization of pairs */
    }
}

/* The fast requantization of one output channel (the usual case, see dw_fast_init). */
typedef struct {
    uint32_t acc0; /* the folded bias: word 0 of the packed filter */
    int32_t multiplier;
    uint32_t khi;
    int32_t e1;
} dw_fast;

/* Whether channel (multiplier, shift) of the layer takes the fused paths (fast requantization,
 * activation range int8 so the clamp is one SSAT, a SIMD window path); if so fills q. */
static int dw_fast_init(const dw_layer *l, const uint32_t *f, int32_t multiplier, int32_t shift,
                        dw_fast *q)
{
    if (!l->simple_range || l->path == DW_SCALAR || !tmlc_dsp_fast_channel(multiplier, shift)) {
        return 0;
    }
    q->acc0 = f[0];
    q->multiplier = multiplier;
    q->khi = tmlc_dsp_fast_khi(shift, l->output_offset);
    q->e1 = -shift - 1;
    return 1;
}

/* One requantized output of the fused paths: acc (folded bias included) as int8, with the
 * channel's constants in locals m, khi and e1 (locals: a store through int8_t * may alias a
 * struct, which would reload them after every output). */
#define DW_OUT(acc) ((int8_t)tmlc_arm_ssat8(tmlc_dsp_fast((acc), m, khi, e1)))

/* Three taps (x0, x1, x2) of a plane word v = (x0, x1, x2, x3) into a0 and (x1, x2, x3) into
 * a1, with the filter row packed as w02 = (w0, w2), w1 = (w1, 0): stride 1. */
#define DW3_S1_ROW(v, w02, w1)                                                                 \
    do {                                                                                      \
        const uint32_t e_ = tmlc_arm_sxtb16(v);                                               \
        const uint32_t o_ = tmlc_arm_sxtb16_ror8(v);                                          \
        a0 = tmlc_arm_smlad(e_, (w02), a0);                                                   \
        a0 = tmlc_arm_smlabb(o_, (w1), a0);                                                   \
        a1 = tmlc_arm_smlad(o_, (w02), a1);                                                   \
        a1 = tmlc_arm_smlatb(e_, (w1), a1);                                                   \
    } while (0)

/*
 * The fused 3x3 rows: n >= 1 outputs of one channel, requantized in registers and stored to
 * out[i * out_stride] (NHWC: out_stride = the output channels). x: tap row 0 at the first
 * output's window; tap rows 1 and 2 are d1 and d2 bytes further (any distance: ring slots).
 * Outputs are computed in pairs sharing each plane word, an odd last one alone; the
 * accumulators start at the folded bias f[0]. The filter is read with plain loads, which the
 * compiler pairs into LDRD.
 */
static void dw3x3_s1_fused(const int8_t *x, int32_t d1, int32_t d2, const uint32_t *f,
                           const dw_fast *q, int8_t *out, int32_t out_stride, int32_t n)
{
    const uint32_t acc0 = q->acc0, khi = q->khi;
    const int32_t m = q->multiplier, e1 = q->e1;
    const int8_t *const last = out + (n - 1) * out_stride;
    while (out < last) {
        uint32_t a0 = acc0, a1 = acc0;
        DW3_S1_ROW(tmlc_arm_load32(x), f[1], f[2]);
        DW3_S1_ROW(tmlc_arm_load32(x + d1), f[3], f[4]);
        DW3_S1_ROW(tmlc_arm_load32(x + d2), f[5], f[6]);
        out[0] = DW_OUT(a0);
        out[out_stride] = DW_OUT(a1);
        out += 2 * out_stride;
        x += 2;
    }
    if (out == last) {
        uint32_t a0 = acc0, a1 = 0;
        DW3_S1_ROW(tmlc_arm_load32(x), f[1], f[2]);
        DW3_S1_ROW(tmlc_arm_load32(x + d1), f[3], f[4]);
        DW3_S1_ROW(tmlc_arm_load32(x + d2), f[5], f[6]);
        (void)a1;
        out[0] = DW_OUT(a0);
    }
}

/* Taps (x0, x1, x2) of v = (x0, x1, x2, x3) into a0 and (y0, x3, y2) of u = (y0, y1, y2, y3)
 * (the word at column 2) into a1: stride 2. */
#define DW3_S2_ROW(v, u, w02, w1)                                                              \
    do {                                                                                      \
        const uint32_t o_ = tmlc_arm_sxtb16_ror8(v);                                          \
        a0 = tmlc_arm_smlad(tmlc_arm_sxtb16(v), (w02), a0);                                   \
        a0 = tmlc_arm_smlabb(o_, (w1), a0);                                                   \
        a1 = tmlc_arm_smlad(tmlc_arm_sxtb16(u), (w02), a1);                                   \
        a1 = tmlc_arm_smlatb(o_, (w1), a1);                                                   \
    } while (0)

/* 3x3, stride 2: as dw3x3_s1_fused with output i at column 2i. */
static void dw3x3_s2_fused(const int8_t *x, int32_t d1, int32_t d2, const uint32_t *f,
                           const dw_fast *q, int8_t *out, int32_t out_stride, int32_t n)
{
    const uint32_t acc0 = q->acc0, khi = q->khi;
    const int32_t m = q->multiplier, e1 = q->e1;
    const int8_t *const last = out + (n - 1) * out_stride;
    while (out < last) {
        uint32_t a0 = acc0, a1 = acc0;
        DW3_S2_ROW(tmlc_arm_load32(x), tmlc_arm_load32(x + 2), f[1], f[2]);
        DW3_S2_ROW(tmlc_arm_load32(x + d1), tmlc_arm_load32(x + d1 + 2), f[3], f[4]);
        DW3_S2_ROW(tmlc_arm_load32(x + d2), tmlc_arm_load32(x + d2 + 2), f[5], f[6]);
        out[0] = DW_OUT(a0);
        out[out_stride] = DW_OUT(a1);
        out += 2 * out_stride;
        x += 4;
    }
    if (out == last) {
        uint32_t a0 = acc0, a1 = 0;
        DW3_S1_ROW(tmlc_arm_load32(x), f[1], f[2]);
        DW3_S1_ROW(tmlc_arm_load32(x + d1), f[3], f[4]);
        DW3_S1_ROW(tmlc_arm_load32(x + d2), f[5], f[6]);
        (void)a1;
        out[0] = DW_OUT(a0);
    }
}

/* The fused 3x3 rows for two output rows at once (the in-place kernel's plane, rows w bytes
 * apart), a* the upper row's pair and b* the lower row's. */
#define DW3_S1_ROW2(v, w02, w1, p0, p1)                                                        \
    do {                                                                                      \
        const uint32_t e_ = tmlc_arm_sxtb16(v);                                               \
        const uint32_t o_ = tmlc_arm_sxtb16_ror8(v);                                          \
        p0 = tmlc_arm_smlad(e_, (w02), p0);                                                   \
        p0 = tmlc_arm_smlabb(o_, (w1), p0);                                                   \
        p1 = tmlc_arm_smlad(o_, (w02), p1);                                                   \
        p1 = tmlc_arm_smlatb(e_, (w1), p1);                                                   \
    } while (0)

/*
 * Two output rows of one channel, 3x3, stride 1, from one channel plane (rows w bytes apart):
 * output rows oy and oy + 1 read plane rows oy .. oy + 3 (x: row oy at the first output's
 * window), so each of the four row words of a column pair is loaded and widened once and feeds
 * both rows (rows 1 and 2 twice): 4 loads, 8 SXTB16 and 24 multiplies per 4 outputs (36 MACs)
 * instead of 6, 12 and 24. out: the upper row's first output; the lower row is out_row bytes
 * further; outputs out_stride bytes apart (NHWC). n >= 1 outputs per row, an odd last one
 * computed alone.
 */
TMLC_DSP_NOINLINE static void dw3x3_s1_fused2(const int8_t *x, int32_t w, const uint32_t *f, const dw_fast *q,
                            int8_t *out, int32_t out_stride, int32_t out_row, int32_t n)
{
    const uint32_t acc0 = q->acc0, khi = q->khi;
    const int32_t m = q->multiplier, e1 = q->e1;
    const int8_t *const last = out + (n - 1) * out_stride;
    while (out < last) {
        uint32_t a0 = acc0, a1 = acc0, b0 = acc0, b1 = acc0, v;
        v = tmlc_arm_load32(x);
        DW3_S1_ROW2(v, f[1], f[2], a0, a1);
        v = tmlc_arm_load32(x + w);
        DW3_S1_ROW2(v, f[3], f[4], a0, a1);
        DW3_S1_ROW2(v, f[1], f[2], b0, b1);
        v = tmlc_arm_load32(x + 2 * w);
        DW3_S1_ROW2(v, f[5], f[6], a0, a1);
        DW3_S1_ROW2(v, f[3], f[4], b0, b1);
        v = tmlc_arm_load32(x + 3 * w);
        DW3_S1_ROW2(v, f[5], f[6], b0, b1);
        out[0] = DW_OUT(a0);
        out[out_stride] = DW_OUT(a1);
        out[out_row] = DW_OUT(b0);
        out[out_row + out_stride] = DW_OUT(b1);
        out += 2 * out_stride;
        x += 2;
    }
    if (out == last) {
        uint32_t a0 = acc0, a1 = 0, b0 = acc0, b1 = 0, v;
        v = tmlc_arm_load32(x);
        DW3_S1_ROW2(v, f[1], f[2], a0, a1);
        v = tmlc_arm_load32(x + w);
        DW3_S1_ROW2(v, f[3], f[4], a0, a1);
        DW3_S1_ROW2(v, f[1], f[2], b0, b1);
        v = tmlc_arm_load32(x + 2 * w);
        DW3_S1_ROW2(v, f[5], f[6], a0, a1);
        DW3_S1_ROW2(v, f[3], f[4], b0, b1);
        v = tmlc_arm_load32(x + 3 * w);
        DW3_S1_ROW2(v, f[5], f[6], b0, b1);
        (void)a1;
        (void)b1;
        out[0] = DW_OUT(a0);
        out[out_row] = DW_OUT(b0);
    }
}

/*
 * The fused grouped path: out_w outputs of one channel, two per pass over the packed filter
 * (an odd last one is computed with its neighbour and not stored), requantized in registers.
 * Filters 5 to 8 taps wide are unrolled; a filter row of 5 taps skips its last half group
 * (taps 5..7 are zero): tap 4 is one SMLABB on the next word's even halves.
 */
static void dw_grouped_fused(const dw_layer *l, const dw_rows *r, int32_t plane_offset,
                             const uint32_t *f, const dw_fast *q, int8_t *out,
                             int32_t out_stride)
{
    const int32_t stride = l->stride_w;
    const int32_t groups = l->groups;
    const int32_t k_h = l->k_h;
    const int32_t n = l->out_w;
    const uint32_t *const taps = f + 1;
    const uint32_t acc0 = q->acc0, khi = q->khi;
    const int32_t m = q->multiplier, e1 = q->e1;
    int32_t i, fy, g;
    for (i = 0; i < n; i += 2) {
        uint32_t a0 = acc0, a1 = acc0;
        const uint32_t *p = taps;
        const int32_t column = plane_offset + i * stride;
        if (groups == 2 && l->k_w == 5) {
            for (fy = 0; fy < k_h; ++fy) {
                const int8_t *x0 = r->rows[fy] + column;
                const int8_t *x1 = x0 + stride;
                uint32_t we, wo, v0, v1;
                TMLC_ARM_LDRD(p, 0, we, wo);
                v0 = tmlc_arm_load32(x0);
                v1 = tmlc_arm_load32(x1);
                a0 = tmlc_arm_smlad(tmlc_arm_sxtb16(v0), we, a0);
                a0 = tmlc_arm_smlad(tmlc_arm_sxtb16_ror8(v0), wo, a0);
                a1 = tmlc_arm_smlad(tmlc_arm_sxtb16(v1), we, a1);
                a1 = tmlc_arm_smlad(tmlc_arm_sxtb16_ror8(v1), wo, a1);
                we = p[2];
                a0 = tmlc_arm_smlabb(tmlc_arm_sxtb16(tmlc_arm_load32(x0 + 4)), we, a0);
                a1 = tmlc_arm_smlabb(tmlc_arm_sxtb16(tmlc_arm_load32(x1 + 4)), we, a1);
                p += 4;
            }
        } else if (groups == 2) {
            for (fy = 0; fy < k_h; ++fy) {
                const int8_t *x0 = r->rows[fy] + column;
                const int8_t *x1 = x0 + stride;
                uint32_t we, wo, v0, v1;
                TMLC_ARM_LDRD(p, 0, we, wo);
                v0 = tmlc_arm_load32(x0);
                v1 = tmlc_arm_load32(x1);
                a0 = tmlc_arm_smlad(tmlc_arm_sxtb16(v0), we, a0);
                a0 = tmlc_arm_smlad(tmlc_arm_sxtb16_ror8(v0), wo, a0);
                a1 = tmlc_arm_smlad(tmlc_arm_sxtb16(v1), we, a1);
                a1 = tmlc_arm_smlad(tmlc_arm_sxtb16_ror8(v1), wo, a1);
                TMLC_ARM_LDRD(p, 8, we, wo);
                v0 = tmlc_arm_load32(x0 + 4);
                v1 = tmlc_arm_load32(x1 + 4);
                a0 = tmlc_arm_smlad(tmlc_arm_sxtb16(v0), we, a0);
                a0 = tmlc_arm_smlad(tmlc_arm_sxtb16_ror8(v0), wo, a0);
                a1 = tmlc_arm_smlad(tmlc_arm_sxtb16(v1), we, a1);
                a1 = tmlc_arm_smlad(tmlc_arm_sxtb16_ror8(v1), wo, a1);
                p += 4;
            }
        } else {
            for (fy = 0; fy < k_h; ++fy) {
                const int8_t *x0 = r->rows[fy] + column;
                const int8_t *x1 = x0 + stride;
                for (g = 0; g < groups; ++g) {
                    uint32_t we, wo, v0, v1;
                    TMLC_ARM_LDRD(p, 0, we, wo);
                    v0 = tmlc_arm_load32(x0);
                    v1 = tmlc_arm_load32(x1);
                    a0 = tmlc_arm_smlad(tmlc_arm_sxtb16(v0), we, a0);
                    a0 = tmlc_arm_smlad(tmlc_arm_sxtb16_ror8(v0), wo, a0);
                    a1 = tmlc_arm_smlad(tmlc_arm_sxtb16(v1), we, a1);
                    a1 = tmlc_arm_smlad(tmlc_arm_sxtb16_ror8(v1), wo, a1);
                    p += 2;
                    x0 += 4;
                    x1 += 4;
                }
            }
        }
        out[i * out_stride] = DW_OUT(a0);
        if (i + 1 < n) {
            out[(i + 1) * out_stride] = DW_OUT(a1);
        }
    }
}

/*
 * The fused grouped path on the in-place kernel's plane (tap rows row_width bytes apart): one
 * output row of one channel, x at its first window, two outputs per pass, requantized in
 * registers. Stride 1 filters 5 or 7 taps wide share the words of a pass between its two
 * outputs (A = x0..x3, C = x2..x5, B = x4..x7, E/O the SXTB16 halves):
 *  - 5 taps: out0 = E_A.(w0, w2) + O_A.(w1, w3) + x4 w4 (top of E_C), out1 = O_A.(w0, w2) +
 *    E_C.(w1, w3) + x5 w4 (top of O_C): 2 loads, 4 SXTB16, 6 multiplies per filter row;
 *  - 7 taps: out0 = E_A.(w0, w2) + O_A.(w1, w3) + E_B.(w4, w6) + O_B.(w5, 0), out1 =
 *    O_A.(w0, w2) + E_C.(w1, w3) + O_B.(w4, w6) + x6 w5 (top of E_B): 3 loads, 5 SXTB16, 8
 *    multiplies;
 * at stride 2 (out1 at column 2): 5 taps, out1 = E_C.(w0, w2) + O_C.(w1, w3) + x6 w4 (top of
 * E_B): 3 loads, 5 SXTB16, 6 multiplies; 7 taps, out1 from the words at columns 2 and 6 as
 * out0 from those at 0 and 4. Only for strides 1 and 2 and those two widths (others take
 * dw_grouped_fused).
 */
DW_ALWAYS_INLINE void dw_plane_grouped_fused(const dw_layer *l, const int8_t *x,
                                             const uint32_t *f, const dw_fast *q, int8_t *out,
                                             int32_t out_stride, const int32_t stride)
{
    const int32_t w = l->dilation_h * l->row_width, k_h = l->k_h;
    const int32_t n = l->out_w;
    const uint32_t *const taps = f + 1;
    const uint32_t acc0 = q->acc0, khi = q->khi;
    const int32_t m = q->multiplier, e1 = q->e1;
    const int five = l->k_w == 5; /* else 7 */
    int32_t i, fy;
    for (i = 0; i < n; i += 2) {
        uint32_t a0 = acc0, a1 = acc0;
        const uint32_t *p = taps;
        const int8_t *xr = x + i * stride;
        if (stride == 1 && five) {
            for (fy = 0; fy < k_h; ++fy) {
                const uint32_t va = tmlc_arm_load32(xr), vc = tmlc_arm_load32(xr + 2);
                const uint32_t ea = tmlc_arm_sxtb16(va), oa = tmlc_arm_sxtb16_ror8(va);
                const uint32_t ec = tmlc_arm_sxtb16(vc), oc = tmlc_arm_sxtb16_ror8(vc);
                uint32_t we, wo;
                TMLC_ARM_LDRD(p, 0, we, wo);
                a0 = tmlc_arm_smlad(ea, we, a0);
                a0 = tmlc_arm_smlad(oa, wo, a0);
                a1 = tmlc_arm_smlad(oa, we, a1);
                a1 = tmlc_arm_smlad(ec, wo, a1);
                we = p[2];
                a0 = tmlc_arm_smlatb(ec, we, a0);
                a1 = tmlc_arm_smlatb(oc, we, a1);
                p += 4;
                xr += w;
            }
        } else if (stride == 2 && five) {
            for (fy = 0; fy < k_h; ++fy) {
                const uint32_t va = tmlc_arm_load32(xr), vc = tmlc_arm_load32(xr + 2);
                const uint32_t vb = tmlc_arm_load32(xr + 4);
                const uint32_t ea = tmlc_arm_sxtb16(va), oa = tmlc_arm_sxtb16_ror8(va);
                const uint32_t ec = tmlc_arm_sxtb16(vc), oc = tmlc_arm_sxtb16_ror8(vc);
                const uint32_t eb = tmlc_arm_sxtb16(vb);
                uint32_t we, wo;
                TMLC_ARM_LDRD(p, 0, we, wo);
                a0 = tmlc_arm_smlad(ea, we, a0);
                a0 = tmlc_arm_smlad(oa, wo, a0);
                a1 = tmlc_arm_smlad(ec, we, a1);
                a1 = tmlc_arm_smlad(oc, wo, a1);
                we = p[2];
                a0 = tmlc_arm_smlatb(ec, we, a0);
                a1 = tmlc_arm_smlatb(eb, we, a1);
                p += 4;
                xr += w;
            }
        } else if (stride == 2) {
            for (fy = 0; fy < k_h; ++fy) {
                const uint32_t va = tmlc_arm_load32(xr), vc = tmlc_arm_load32(xr + 2);
                const uint32_t vb = tmlc_arm_load32(xr + 4), vd = tmlc_arm_load32(xr + 6);
                uint32_t we, wo;
                TMLC_ARM_LDRD(p, 0, we, wo);
                a0 = tmlc_arm_smlad(tmlc_arm_sxtb16(va), we, a0);
                a0 = tmlc_arm_smlad(tmlc_arm_sxtb16_ror8(va), wo, a0);
                a1 = tmlc_arm_smlad(tmlc_arm_sxtb16(vc), we, a1);
                a1 = tmlc_arm_smlad(tmlc_arm_sxtb16_ror8(vc), wo, a1);
                TMLC_ARM_LDRD(p, 8, we, wo);
                a0 = tmlc_arm_smlad(tmlc_arm_sxtb16(vb), we, a0);
                a0 = tmlc_arm_smlad(tmlc_arm_sxtb16_ror8(vb), wo, a0);
                a1 = tmlc_arm_smlad(tmlc_arm_sxtb16(vd), we, a1);
                a1 = tmlc_arm_smlad(tmlc_arm_sxtb16_ror8(vd), wo, a1);
                p += 4;
                xr += w;
            }
        } else {
            for (fy = 0; fy < k_h; ++fy) {
                const uint32_t va = tmlc_arm_load32(xr), vc = tmlc_arm_load32(xr + 2);
                const uint32_t vb = tmlc_arm_load32(xr + 4);
                const uint32_t ea = tmlc_arm_sxtb16(va), oa = tmlc_arm_sxtb16_ror8(va);
                const uint32_t eb = tmlc_arm_sxtb16(vb), ob = tmlc_arm_sxtb16_ror8(vb);
                const uint32_t ec = tmlc_arm_sxtb16(vc);
                uint32_t we, wo;
                TMLC_ARM_LDRD(p, 0, we, wo);
                a0 = tmlc_arm_smlad(ea, we, a0);
                a0 = tmlc_arm_smlad(oa, wo, a0);
                a1 = tmlc_arm_smlad(oa, we, a1);
                a1 = tmlc_arm_smlad(ec, wo, a1);
                TMLC_ARM_LDRD(p, 8, we, wo);
                a0 = tmlc_arm_smlad(eb, we, a0);
                a0 = tmlc_arm_smlad(ob, wo, a0);
                a1 = tmlc_arm_smlad(ob, we, a1);
                a1 = tmlc_arm_smlatb(eb, wo, a1);
                p += 4;
                xr += w;
            }
        }
        out[i * out_stride] = DW_OUT(a0);
        if (i + 1 < n) {
            out[(i + 1) * out_stride] = DW_OUT(a1);
        }
    }
}

/* dw_plane_grouped_fused for each stride, the stride a constant of its copy. */
TMLC_DSP_NOINLINE static void dw_plane_grouped_s1(const dw_layer *l, const int8_t *x,
                                                  const uint32_t *f, const dw_fast *q,
                                                  int8_t *out, int32_t out_stride)
{
    dw_plane_grouped_fused(l, x, f, q, out, out_stride, 1);
}

TMLC_DSP_NOINLINE static void dw_plane_grouped_s2(const dw_layer *l, const int8_t *x,
                                                  const uint32_t *f, const dw_fast *q,
                                                  int8_t *out, int32_t out_stride)
{
    dw_plane_grouped_fused(l, x, f, q, out, out_stride, 2);
}

/*
 * One fused output row of one channel (a channel dw_fast_init accepted): r, the tap rows;
 * plane_offset, bytes from the first channel's plane to this channel's; f, the channel's
 * packed filter.
 */
DW_ALWAYS_INLINE void dw_row_fused(const dw_layer *l, const dw_rows *r, int32_t plane_offset,
                                const uint32_t *f, const dw_fast *q, int8_t *out,
                                int32_t out_stride)
{
    if (l->path == DW_FAST3_S1) {
        dw3x3_s1_fused(r->rows[0] + plane_offset, (int32_t)(r->rows[1] - r->rows[0]),
                       (int32_t)(r->rows[2] - r->rows[0]), f, q, out, out_stride, l->out_w);
    } else if (l->path == DW_FAST3_S2) {
        dw3x3_s2_fused(r->rows[0] + plane_offset, (int32_t)(r->rows[1] - r->rows[0]),
                       (int32_t)(r->rows[2] - r->rows[0]), f, q, out, out_stride, l->out_w);
    } else {
        dw_grouped_fused(l, r, plane_offset, f, q, out, out_stride);
    }
}

/* Requantizes acc[0 .. n) (+ acc0) into out[i * out_stride]: any channel, any range. */
static void dw_requant(const dw_layer *l, uint32_t acc0, int32_t multiplier, int32_t shift,
                       const uint32_t *acc, int32_t n, int8_t *out, int32_t out_stride)
{
    tmlc_dsp_rq q;
    int32_t i;
    tmlc_dsp_rq_init(&q, multiplier, shift, l->output_offset);
    for (i = 0; i < n; ++i) {
        *out = tmlc_dsp_clamp(tmlc_dsp_rq_apply(acc[i] + acc0, &q, l->output_offset), l->lo,
                              l->hi);
        out += out_stride;
    }
}

/*
 * One output row of one output channel the fused paths do not take (the generic
 * requantization, an activation range narrower than int8, or the scalar path):
 * out[ox * out_stride] for ox < out_w, window sums of DW_CHUNK outputs at a time on the stack,
 * then their requantization. r: the tap rows; plane_offset: bytes from the first channel's
 * plane to this channel's; f: the channel's packed filter; plane0 and oy_prow: the plane base
 * and the padded row of tap row 0, for the scalar path.
 */
TMLC_DSP_NOINLINE static void dw_row_general(const dw_layer *l, const dw_rows *r,
                                             int32_t plane_offset, const uint32_t *f,
                                             int32_t multiplier, int32_t shift,
                                             const int8_t *plane0, int32_t oy_prow, int8_t *out,
                                             int32_t out_stride)
{
    const int32_t out_w = l->out_w;
    const uint32_t acc0 = f[0];
    uint32_t acc[DW_CHUNK];
    int32_t ox;
    for (ox = 0; ox < out_w; ox += DW_CHUNK) {
        const int32_t n = out_w - ox < DW_CHUNK ? out_w - ox : DW_CHUNK;
        const int32_t n2 = (n + 1) & ~1;
        if (l->path == DW_FAST3_S1) {
            const int32_t c = plane_offset + ox;
            dw3x3_s1(r->rows[0] + c, r->rows[1] + c, r->rows[2] + c, f + 1, acc, n2);
        } else if (l->path == DW_FAST3_S2) {
            const int32_t c = plane_offset + 2 * ox;
            dw3x3_s2(r->rows[0] + c, r->rows[1] + c, r->rows[2] + c, f + 1, acc, n2);
        } else if (l->path == DW_GROUPED) {
            dw_grouped(l, r, plane_offset, f + 1, acc, ox, n2);
        } else {
            dw_scalar(l, plane0 + plane_offset, oy_prow, f + 1, acc, ox, n);
        }
        dw_requant(l, acc0, multiplier, shift, acc, n, out + ox * out_stride, out_stride);
    }
}

/*
 * One output row of every output channel: out[ox * out_c + oc] (NHWC). Channel c's plane is
 * c * row_width bytes after the first's in every tap row; output channel c * depth_multiplier +
 * m reads it with its own filter. Each channel's constants are prepared once per row; the row
 * itself is one fused loop (or the general path).
 */
TMLC_DSP_NOINLINE static void dw_row_channels(const dw_layer *l, const dw_rows *r,
                                              const uint32_t *filters, int32_t in_c,
                                              int32_t depth_multiplier,
                                              const int32_t *multipliers, const int32_t *shifts,
                                              const int8_t *plane0, int32_t oy_prow, int8_t *out)
{
    const int32_t out_c = in_c * depth_multiplier;
    const int32_t words = l->channel_words;
    int32_t c, m, oc = 0;
    for (c = 0; c < in_c; ++c) {
        const int32_t plane_offset = c * l->row_width;
        for (m = 0; m < depth_multiplier; ++m, ++oc) {
            const uint32_t *f = filters + oc * words;
            dw_fast q;
            if (dw_fast_init(l, f, multipliers[oc], shifts[oc], &q)) {
                dw_row_fused(l, r, plane_offset, f, &q, out + oc, out_c);
            } else {
                dw_row_general(l, r, plane_offset, f, multipliers[oc], shifts[oc], plane0,
                               oy_prow, out + oc, out_c);
            }
        }
    }
}

/*
 * The channel-parallel variant (dw_quads) of both kernels, for small output planes
 * (TMLC_DSP_DW_SMALL_PLANE) with a multiple of four channels, where the planar kernel's set-up
 * per row and channel outweighs its rows. Four channels at a time, straight from NHWC words: the
 * word of channels c..c+3 of every pixel of the padded plane is widened once into `words`, two
 * words per pixel, E = SXTB16 = (c0, c2) and O = SXTB16 ROR 8 = (c1, c3) (the padding: the
 * widened zero point, so every window is complete as in the planar kernel); per tap the filter
 * words (w_c0, w_c2) and (w_c1, w_c3), re-packed from the packed filter into `taps` once per
 * group of channels (PKHBT / PKHTB of the packed words), feed SMLABB / SMLATT into four
 * accumulators that start at the folded biases: an LDRD of the pixel, one of the tap and the
 * four MACs, 6 instructions per 4 MACs (asm rows, DW_QUAD_ROW3/5/7, for filter rows of 3, 5 and
 * 7 taps, the 3x3 filter one asm loop per output row with the requantization,
 * dw_quad_plane_3x3; other filters loop in C). When the scratch does not hold the whole widened
 * plane, a ring of its rows (each stored twice, so that a window's rows are consecutive) is
 * refilled per chunk of output rows. Then each output is requantized in registers and stored to
 * the output, which for the in-place kernel is the input (channel c of pixel i is only written
 * after the group's words hold it), for the normal kernel a buffer disjoint from the input
 * (dw_normal_quads).
 */

/* One output of the channel-parallel variant, any channel: acc requantized and clamped. */
TMLC_DSP_NOINLINE static int8_t dw_quad_out(uint32_t acc, const tmlc_dsp_rq *q,
                                            const dw_layer *l)
{
    return tmlc_dsp_clamp(tmlc_dsp_rq_apply(acc, q, l->output_offset), l->lo, l->hi);
}

/* One tap of four channels: x the pixel's two widened words (E, O), t the tap's two filter
 * words. */
#define DW_QUAD_TAP(x, t)                                                                      \
    do {                                                                                      \
        const uint32_t e_ = (x)[0];                                                           \
        const uint32_t o_ = (x)[1];                                                           \
        const uint32_t we_ = (t)[0];                                                          \
        const uint32_t wo_ = (t)[1];                                                          \
        a0 = tmlc_arm_smlabb(e_, we_, a0);                                                    \
        a2 = tmlc_arm_smlatt(e_, we_, a2);                                                    \
        a1 = tmlc_arm_smlabb(o_, wo_, a1);                                                    \
        a3 = tmlc_arm_smlatt(o_, wo_, a3);                                                    \
    } while (0)

/* The taps of one filter row of width 3, 5 or 7 (dilation 1): x the row's first pixel (two
 * widened words per pixel), t its first tap. On Arm one asm block per row: GCC would otherwise
 * compute the four accumulators one after the other, reloading the filter words and spilling
 * the pixels' (an LDRD of the pixel's words and one of the tap's, then the four MACs: 6
 * instructions per 4 MACs). */
#if TMLC_ARM_HAVE_DSP && defined(__GNUC__)
/* One tap (asm text): the pixel's words at x + off and the tap's at t + off (off in bytes). */
#define DW_QUAD_TAP_ASM(off)                                                                  \
    "ldrd %[e], %[o], [%[x], #" #off "]\n\t"                                                  \
    "ldrd %[we], %[wo], [%[t], #" #off "]\n\t"                                                \
    "smlabb %[a0], %[e], %[we], %[a0]\n\t"                                                     \
    "smlatt %[a2], %[e], %[we], %[a2]\n\t"                                                     \
    "smlabb %[a1], %[o], %[wo], %[a1]\n\t"                                                     \
    "smlatt %[a3], %[o], %[wo], %[a3]\n\t"
/* One asm block of the taps TAPS (DW_QUAD_TAP_ASM texts). */
#define DW_QUAD_ROW_ASM(px_, pt_, TAPS)                                                       \
    do {                                                                                      \
        uint32_t e_, o_, we_, wo_;                                                            \
        __asm__(TAPS                                                                          \
                : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [e] "=&r"(e_),  \
                  [o] "=&r"(o_), [we] "=&r"(we_), [wo] "=&r"(wo_)                             \
                : [x] "r"(px_), [t] "r"(pt_)                                                  \
                : "memory");                                                                  \
    } while (0)
#define DW_QUAD_ROW3(px_, pt_)                                                                \
    DW_QUAD_ROW_ASM(px_, pt_, DW_QUAD_TAP_ASM(0) DW_QUAD_TAP_ASM(8) DW_QUAD_TAP_ASM(16))
#define DW_QUAD_ROW5(px_, pt_)                                                                \
    DW_QUAD_ROW_ASM(px_, pt_,                                                                 \
                    DW_QUAD_TAP_ASM(0) DW_QUAD_TAP_ASM(8) DW_QUAD_TAP_ASM(16)                 \
                        DW_QUAD_TAP_ASM(24) DW_QUAD_TAP_ASM(32))
#define DW_QUAD_ROW7(px_, pt_)                                                                \
    DW_QUAD_ROW_ASM(px_, pt_,                                                                 \
                    DW_QUAD_TAP_ASM(0) DW_QUAD_TAP_ASM(8) DW_QUAD_TAP_ASM(16)                 \
                        DW_QUAD_TAP_ASM(24) DW_QUAD_TAP_ASM(32) DW_QUAD_TAP_ASM(40)           \
                            DW_QUAD_TAP_ASM(48))
#else
#define DW_QUAD_ROW3(x, t)                                                                     \
    do {                                                                                      \
        DW_QUAD_TAP((x), (t));                                                                \
        DW_QUAD_TAP((x) + 2, (t) + 2);                                                        \
        DW_QUAD_TAP((x) + 4, (t) + 4);                                                        \
    } while (0)
#define DW_QUAD_ROW5(x, t)                                                                     \
    do {                                                                                      \
        DW_QUAD_ROW3((x), (t));                                                               \
        DW_QUAD_TAP((x) + 6, (t) + 6);                                                        \
        DW_QUAD_TAP((x) + 8, (t) + 8);                                                        \
    } while (0)
#define DW_QUAD_ROW7(x, t)                                                                     \
    do {                                                                                      \
        DW_QUAD_ROW5((x), (t));                                                               \
        DW_QUAD_TAP((x) + 10, (t) + 10);                                                      \
        DW_QUAD_TAP((x) + 12, (t) + 12);                                                      \
    } while (0)
#endif

/* The fast requantization of a group of four channels (khi and multiplier of a channel side
 * by side: one LDRD), and their folded biases. */
typedef struct {
    uint32_t acc0[4];
    uint32_t km[8]; /* khi, multiplier of channel 0, then of channel 1, ... */
    int32_t e1[4];
    /* For the asm 3x3 loop (dw_quad_plane_3x3): bytes between output pixels, from the last row
     * of a window to the first of the next output's, and the end of the row's windows. */
    int32_t out_step, col_bytes;
    const uint32_t *row_end;
    /* The group's multipliers and shifts, for dw_quad_plane_any. */
    const int32_t *multipliers, *shifts;
} dw_quad_rq;

/* Output j of a group of four fast channels: a requantized and clamped. */
#define DW_QUAD_RQ(rq, j, a)                                                                   \
    ((int8_t)tmlc_arm_ssat8(tmlc_dsp_fast((a), (int32_t)(rq)->km[2 * (j) + 1], (rq)->km[2 * (j)], \
                                          (rq)->e1[j])))

/* Everything the channel-parallel variant needs about the layer and the current group. */
typedef struct dw_quad_ctx {
    const dw_layer *l;
    const int8_t *input;
    int8_t *output;
    int32_t channels, out_h, pw, first, last;
    int32_t rows;                  /* TMLC_DSP_RING_ROWS: the padded rows of one window */
    int32_t ring;                  /* 0 (the whole plane in `words`) or the ring's rows */
    int32_t row_step, col_step;    /* words between outputs: next row (whole plane), next one */
    int32_t tap_row, tap_col;      /* words between taps */
    uint32_t zero;                 /* the widened zero point */
    uint32_t *words, *taps;
    /* the asm rows, or 0 */
    void (*plane_fn)(const struct dw_quad_ctx *, const uint32_t *, dw_quad_rq *, int8_t *,
                     int32_t);
} dw_quad_ctx;

/* The whole output plane of a group of four channels whose filter rows are k_w = 3, 5 or 7
 * taps wide (dilation 1; k_w = 9 marks the 3x3 filter, all nine taps unrolled) and that all
 * take the fast requantization: x the widened plane, row_step, col_step and tap_row in words,
 * tp the group's taps, out the group's first output (channels bytes per pixel). */
DW_ALWAYS_INLINE void dw_quad_plane_k(const dw_quad_ctx *c, const uint32_t *x, int32_t k_w,
                                      int general, const tmlc_dsp_rq *q, dw_quad_rq *rq,
                                      int8_t *out, int32_t out_h)
{
    const int32_t row_step = c->row_step, col_step = c->col_step, tap_row = c->tap_row;
    const int32_t k_h = c->l->k_h, out_w = c->l->out_w, channels = c->channels;
    const uint32_t *const tp = c->taps;
    const uint32_t *const end = x + out_h * row_step;
    for (; x != end; x += row_step) {
        const uint32_t *p = x;
        int32_t n;
        for (n = out_w; n > 0; --n) {
            uint32_t a0 = rq->acc0[0], a1 = rq->acc0[1], a2 = rq->acc0[2], a3 = rq->acc0[3];
            if (k_w == 9) {
                DW_QUAD_ROW3(p, tp);
                DW_QUAD_ROW3(p + tap_row, tp + 6);
                DW_QUAD_ROW3(p + 2 * tap_row, tp + 12);
            } else {
                const uint32_t *row = p;
                const uint32_t *t = tp;
                int32_t fy;
                for (fy = k_h; fy > 0; --fy) {
                    if (k_w == 3) {
                        DW_QUAD_ROW3(row, t);
                    } else if (k_w == 5) {
                        DW_QUAD_ROW5(row, t);
                    } else {
                        DW_QUAD_ROW7(row, t);
                    }
                    row += tap_row;
                    t += 2 * k_w;
                }
            }
            if (general) {
                out[0] = dw_quad_out(a0, &q[0], c->l);
                out[1] = dw_quad_out(a1, &q[1], c->l);
                out[2] = dw_quad_out(a2, &q[2], c->l);
                out[3] = dw_quad_out(a3, &q[3], c->l);
            } else {
                out[0] = DW_QUAD_RQ(rq, 0, a0);
                out[1] = DW_QUAD_RQ(rq, 1, a1);
                out[2] = DW_QUAD_RQ(rq, 2, a2);
                out[3] = DW_QUAD_RQ(rq, 3, a3);
            }
            out += channels;
            p += col_step;
        }
    }
}

#define DW_QUAD_PLANE_FN(name, kw)                                                             \
    TMLC_DSP_NOINLINE static void name(const dw_quad_ctx *c, const uint32_t *x,                \
                                       dw_quad_rq *rq, int8_t *out, int32_t out_h)      \
    {                                                                                         \
        dw_quad_plane_k(c, x, (kw), 0, 0, rq, out, out_h);                                    \
    }
/*
 * dw_quad_plane_k for the 3x3 filter on Arm: each output row one asm loop, the nine taps, the
 * four requantizations (tmlc_dsp_fast, then SSAT) and the stores of an output in one pass with
 * no spills (100 instructions per four outputs).
 */
#if TMLC_ARM_HAVE_DSP && defined(__GNUC__)
TMLC_DSP_NOINLINE static void dw_quad_plane_3x3(const dw_quad_ctx *c, const uint32_t *x,
                                                dw_quad_rq *rq, int8_t *out, int32_t out_h)
{
    const int32_t out_w = c->l->out_w;
    const int32_t tr = 4 * c->tap_row;
    int32_t oy;
    rq->out_step = c->channels;
    rq->col_bytes = 4 * c->col_step - 2 * tr; /* from a window's last row to the next's first */
    for (oy = 0; oy < out_h; ++oy, x += c->row_step, out += out_w * c->channels) {
        const uint32_t *p = x;
        int8_t *o_ = out;
        uint32_t a0, a1, a2, a3, e, o, we, wo;
        rq->row_end = x + out_w * c->col_step;
        __asm__ volatile(
                     "1:\n\t"
                     "ldrd %[a0], %[a1], [%[rq]]\n\t"
                     "ldrd %[a2], %[a3], [%[rq], #8]\n\t"
                     "ldrd %[e], %[o], [%[x], #0]\n\t"
                     "ldrd %[we], %[wo], [%[t], #0]\n\t"
                     "smlabb %[a0], %[e], %[we], %[a0]\n\t"
                     "smlatt %[a2], %[e], %[we], %[a2]\n\t"
                     "smlabb %[a1], %[o], %[wo], %[a1]\n\t"
                     "smlatt %[a3], %[o], %[wo], %[a3]\n\t"
                     "ldrd %[e], %[o], [%[x], #8]\n\t"
                     "ldrd %[we], %[wo], [%[t], #8]\n\t"
                     "smlabb %[a0], %[e], %[we], %[a0]\n\t"
                     "smlatt %[a2], %[e], %[we], %[a2]\n\t"
                     "smlabb %[a1], %[o], %[wo], %[a1]\n\t"
                     "smlatt %[a3], %[o], %[wo], %[a3]\n\t"
                     "ldrd %[e], %[o], [%[x], #16]\n\t"
                     "ldrd %[we], %[wo], [%[t], #16]\n\t"
                     "smlabb %[a0], %[e], %[we], %[a0]\n\t"
                     "smlatt %[a2], %[e], %[we], %[a2]\n\t"
                     "smlabb %[a1], %[o], %[wo], %[a1]\n\t"
                     "smlatt %[a3], %[o], %[wo], %[a3]\n\t"
                     "add %[x], %[x], %[tr]\n\t"
                     "ldrd %[e], %[o], [%[x], #0]\n\t"
                     "ldrd %[we], %[wo], [%[t], #24]\n\t"
                     "smlabb %[a0], %[e], %[we], %[a0]\n\t"
                     "smlatt %[a2], %[e], %[we], %[a2]\n\t"
                     "smlabb %[a1], %[o], %[wo], %[a1]\n\t"
                     "smlatt %[a3], %[o], %[wo], %[a3]\n\t"
                     "ldrd %[e], %[o], [%[x], #8]\n\t"
                     "ldrd %[we], %[wo], [%[t], #32]\n\t"
                     "smlabb %[a0], %[e], %[we], %[a0]\n\t"
                     "smlatt %[a2], %[e], %[we], %[a2]\n\t"
                     "smlabb %[a1], %[o], %[wo], %[a1]\n\t"
                     "smlatt %[a3], %[o], %[wo], %[a3]\n\t"
                     "ldrd %[e], %[o], [%[x], #16]\n\t"
                     "ldrd %[we], %[wo], [%[t], #40]\n\t"
                     "smlabb %[a0], %[e], %[we], %[a0]\n\t"
                     "smlatt %[a2], %[e], %[we], %[a2]\n\t"
                     "smlabb %[a1], %[o], %[wo], %[a1]\n\t"
                     "smlatt %[a3], %[o], %[wo], %[a3]\n\t"
                     "add %[x], %[x], %[tr]\n\t"
                     "ldrd %[e], %[o], [%[x], #0]\n\t"
                     "ldrd %[we], %[wo], [%[t], #48]\n\t"
                     "smlabb %[a0], %[e], %[we], %[a0]\n\t"
                     "smlatt %[a2], %[e], %[we], %[a2]\n\t"
                     "smlabb %[a1], %[o], %[wo], %[a1]\n\t"
                     "smlatt %[a3], %[o], %[wo], %[a3]\n\t"
                     "ldrd %[e], %[o], [%[x], #8]\n\t"
                     "ldrd %[we], %[wo], [%[t], #56]\n\t"
                     "smlabb %[a0], %[e], %[we], %[a0]\n\t"
                     "smlatt %[a2], %[e], %[we], %[a2]\n\t"
                     "smlabb %[a1], %[o], %[wo], %[a1]\n\t"
                     "smlatt %[a3], %[o], %[wo], %[a3]\n\t"
                     "ldrd %[e], %[o], [%[x], #16]\n\t"
                     "ldrd %[we], %[wo], [%[t], #64]\n\t"
                     "smlabb %[a0], %[e], %[we], %[a0]\n\t"
                     "smlatt %[a2], %[e], %[we], %[a2]\n\t"
                     "smlabb %[a1], %[o], %[wo], %[a1]\n\t"
                     "smlatt %[a3], %[o], %[wo], %[a3]\n\t"
                     "ldrd %[we], %[wo], [%[rq], #16]\n\t"
                     "and %[e], %[a0], #0x80000000\n\t"
                     "orr %[e], %[e], #0x40000000\n\t"
                     "add %[we], %[we], %[a0], asr #31\n\t"
                     "smlal %[e], %[we], %[a0], %[wo]\n\t"
                     "ldr %[o], [%[rq], #48]\n\t"
                     "asr %[we], %[we], %[o]\n\t"
                     "ssat %[we], #8, %[we]\n\t"
                     "strb %[we], [%[out], #0]\n\t"
                     "ldrd %[we], %[wo], [%[rq], #24]\n\t"
                     "and %[e], %[a1], #0x80000000\n\t"
                     "orr %[e], %[e], #0x40000000\n\t"
                     "add %[we], %[we], %[a1], asr #31\n\t"
                     "smlal %[e], %[we], %[a1], %[wo]\n\t"
                     "ldr %[o], [%[rq], #52]\n\t"
                     "asr %[we], %[we], %[o]\n\t"
                     "ssat %[we], #8, %[we]\n\t"
                     "strb %[we], [%[out], #1]\n\t"
                     "ldrd %[we], %[wo], [%[rq], #32]\n\t"
                     "and %[e], %[a2], #0x80000000\n\t"
                     "orr %[e], %[e], #0x40000000\n\t"
                     "add %[we], %[we], %[a2], asr #31\n\t"
                     "smlal %[e], %[we], %[a2], %[wo]\n\t"
                     "ldr %[o], [%[rq], #56]\n\t"
                     "asr %[we], %[we], %[o]\n\t"
                     "ssat %[we], #8, %[we]\n\t"
                     "strb %[we], [%[out], #2]\n\t"
                     "ldrd %[we], %[wo], [%[rq], #40]\n\t"
                     "and %[e], %[a3], #0x80000000\n\t"
                     "orr %[e], %[e], #0x40000000\n\t"
                     "add %[we], %[we], %[a3], asr #31\n\t"
                     "smlal %[e], %[we], %[a3], %[wo]\n\t"
                     "ldr %[o], [%[rq], #60]\n\t"
                     "asr %[we], %[we], %[o]\n\t"
                     "ssat %[we], #8, %[we]\n\t"
                     "strb %[we], [%[out], #3]\n\t"
                     "ldrd %[e], %[o], [%[rq], #64]\n\t"
                     "add %[out], %[out], %[e]\n\t"
                     "add %[x], %[x], %[o]\n\t"
                     "ldr %[e], [%[rq], #72]\n\t"
                     "cmp %[x], %[e]\n\t"
                     "bne 1b\n\t"
            : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [e] "=&r"(e),
              [o] "=&r"(o), [we] "=&r"(we), [wo] "=&r"(wo), [x] "+r"(p), [out] "+r"(o_)
            : [t] "r"(c->taps), [tr] "r"(tr), [rq] "r"(rq)
            : "cc", "memory");
    }
}
#else
DW_QUAD_PLANE_FN(dw_quad_plane_3x3, 9)
#endif
DW_QUAD_PLANE_FN(dw_quad_plane_w3, 3)
DW_QUAD_PLANE_FN(dw_quad_plane_w5, 5)
DW_QUAD_PLANE_FN(dw_quad_plane_w7, 7)

/* The asm rows with the requantization of any channel and activation range (a group where
 * some channel does not take the fast path): filter rows of 3, 5 or 7 taps. */
TMLC_DSP_NOINLINE static void dw_quad_plane_any(const dw_quad_ctx *c, const uint32_t *x,
                                                dw_quad_rq *rq, int8_t *out, int32_t out_h)
{
    tmlc_dsp_rq q[4];
    int32_t j;
    for (j = 0; j < 4; ++j) {
        tmlc_dsp_rq_init(&q[j], rq->multipliers[j], rq->shifts[j], c->l->output_offset);
    }
    dw_quad_plane_k(c, x, c->l->k_w, 1, q, rq, out, out_h);
}


/* PKHBT and PKHTB (GCC 12 emits two and three instructions for tmlc_arm_pkhbt and
 * tmlc_arm_pkhtt here). */
#if TMLC_ARM_HAVE_DSP && defined(__GNUC__)
static inline uint32_t dw_pkhbt(uint32_t x, uint32_t y)
{
    uint32_t r;
    __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(x), "r"(y));
    return r;
}
static inline uint32_t dw_pkhtt(uint32_t x, uint32_t y)
{
    uint32_t r;
    __asm__("pkhtb %0, %2, %1, asr #16" : "=r"(r) : "r"(x), "r"(y));
    return r;
}
#else
#define dw_pkhbt tmlc_arm_pkhbt
#define dw_pkhtt tmlc_arm_pkhtt
#endif


/* n pixels' words of four channels (stride bytes apart from src) widened into dst, two words
 * per pixel: (c0, c2) and (c1, c3). On Arm two pixels per pass in asm, 5.5 instructions per
 * pixel. */
DW_ALWAYS_INLINE void dw_widen(uint32_t *dst, const int8_t *src, int32_t n, int32_t stride)
{
#if TMLC_ARM_HAVE_DSP && defined(__GNUC__)
    if (n >= 2) {
        uint32_t v0, v1, e0, o0, e1, o1;
        int32_t pairs = n >> 1;
        __asm__ volatile("1:\n\t"
                         "ldr %[v0], [%[src]]\n\t"
                         "ldr %[v1], [%[src], %[stride]]\n\t"
                         "add %[src], %[src], %[stride], lsl #1\n\t"
                         "sxtb16 %[e0], %[v0]\n\t"
                         "sxtb16 %[o0], %[v0], ror #8\n\t"
                         "sxtb16 %[e1], %[v1]\n\t"
                         "sxtb16 %[o1], %[v1], ror #8\n\t"
                         "strd %[e0], %[o0], [%[dst]], #8\n\t"
                         "strd %[e1], %[o1], [%[dst]], #8\n\t"
                         "subs %[pairs], %[pairs], #1\n\t"
                         "bne 1b\n\t"
                         : [src] "+r"(src), [dst] "+r"(dst), [pairs] "+r"(pairs),
                           [v0] "=&r"(v0), [v1] "=&r"(v1), [e0] "=&r"(e0), [o0] "=&r"(o0),
                           [e1] "=&r"(e1), [o1] "=&r"(o1)
                         : [stride] "r"(stride)
                         : "cc", "memory");
    }
    if ((n & 1) != 0) {
        const uint32_t v = tmlc_arm_load32(src);
        dst[0] = tmlc_arm_sxtb16(v);
        dst[1] = tmlc_arm_sxtb16_ror8(v);
    }
#else
    for (; n > 0; --n) {
        const uint32_t v = tmlc_arm_load32(src);
        dst[0] = tmlc_arm_sxtb16(v);
        dst[1] = tmlc_arm_sxtb16_ror8(v);
        dst += 2;
        src += stride;
    }
#endif
}

/* The interior of every padded row of channels c..c+3 inside the input, widened into the whole
 * plane `words` (its padding holds the zero point from the start). */
TMLC_DSP_NOINLINE static void dw_quad_gather_plane(const dw_quad_ctx *x, int32_t c,
                                                   int32_t plane_rows)
{
    const dw_layer *l = x->l;
    const int32_t n = x->last - x->first, row_bytes = l->in_w * x->channels;
    const int32_t top = l->pad_top > 0 ? l->pad_top : 0;
    const int32_t bottom = l->pad_top + l->in_h < plane_rows ? l->pad_top + l->in_h : plane_rows;
    const int8_t *src =
        x->input + ((top - l->pad_top) * l->in_w + (x->first - l->pad_left)) * x->channels + c;
    uint32_t *dst = x->words + (top * x->pw + x->first) * 2;
    int32_t pr;
    for (pr = top; pr < bottom; ++pr, src += row_bytes, dst += 2 * x->pw) {
        dw_widen(dst, src, n, x->channels);
    }
}

/* dw_widen into both dst and mirror (a ring row and its copy). */
DW_ALWAYS_INLINE void dw_widen2(uint32_t *dst, uint32_t *mirror, const int8_t *src, int32_t n,
                                int32_t stride)
{
#if TMLC_ARM_HAVE_DSP && defined(__GNUC__)
    if (n > 0) {
        uint32_t v, e, o;
        __asm__ volatile("1:\n\t"
                         "ldr %[v], [%[src]]\n\t"
                         "add %[src], %[src], %[stride]\n\t"
                         "sxtb16 %[e], %[v]\n\t"
                         "sxtb16 %[o], %[v], ror #8\n\t"
                         "strd %[e], %[o], [%[dst]], #8\n\t"
                         "strd %[e], %[o], [%[mirror]], #8\n\t"
                         "subs %[n], %[n], #1\n\t"
                         "bne 1b\n\t"
                         : [src] "+r"(src), [dst] "+r"(dst), [mirror] "+r"(mirror), [n] "+r"(n),
                           [v] "=&r"(v), [e] "=&r"(e), [o] "=&r"(o)
                         : [stride] "r"(stride)
                         : "cc", "memory");
    }
#else
    for (; n > 0; --n) {
        const uint32_t v = tmlc_arm_load32(src);
        dst[0] = mirror[0] = tmlc_arm_sxtb16(v);
        dst[1] = mirror[1] = tmlc_arm_sxtb16_ror8(v);
        dst += 2;
        mirror += 2;
        src += stride;
    }
#endif
}

/*
 * Padded row pr of channels c..c+3, widened (its interior columns; a row outside the input: the
 * zero point) into the ring slot `dst` and its mirror.
 */
TMLC_DSP_NOINLINE static void dw_quad_gather(const dw_quad_ctx *x, int32_t c, int32_t pr,
                                             uint32_t *dst, uint32_t *mirror)
{
    const dw_layer *l = x->l;
    const int32_t iy = pr - l->pad_top;
    const int32_t n = x->last - x->first;
    int32_t i;
    dst += 2 * x->first;
    mirror += 2 * x->first;
    if (iy < 0 || iy >= l->in_h) {
        for (i = 0; i < 2 * n; ++i) {
            dst[i] = x->zero;
            mirror[i] = x->zero;
        }
    } else {
        dw_widen2(dst, mirror,
                  x->input + (iy * l->in_w + (x->first - l->pad_left)) * x->channels + c, n,
                  x->channels);
    }
}

/* `rows` output rows of channels c..c+3 from `base` (the first row's windows), any channel and
 * activation range: the taps in C, the requantization of tmlc_dsp_rq_apply. */
TMLC_DSP_NOINLINE static void dw_quad_rows_general(const dw_quad_ctx *x, int32_t c,
                                                   const uint32_t *base,
                                 const uint32_t *acc0, const int32_t *multipliers,
                                 const int32_t *shifts, int32_t oy, int32_t rows)
{
    const dw_layer *l = x->l;
    const int32_t out_w = l->out_w, channels = x->channels;
    tmlc_dsp_rq q[4];
    int32_t j, ox, fy, fx;
    for (j = 0; j < 4; ++j) {
        tmlc_dsp_rq_init(&q[j], multipliers[c + j], shifts[c + j], l->output_offset);
    }
    for (; rows > 0; --rows, ++oy, base += x->row_step) {
        int8_t *out = x->output + oy * out_w * channels + c;
        const uint32_t *p = base;
        for (ox = 0; ox < out_w; ++ox, out += channels, p += x->col_step) {
            uint32_t a0 = acc0[0], a1 = acc0[1], a2 = acc0[2], a3 = acc0[3];
            const uint32_t *row = p;
            const uint32_t *tp = x->taps;
            for (fy = 0; fy < l->k_h; ++fy, row += x->tap_row) {
                const uint32_t *w = row;
                for (fx = 0; fx < l->k_w; ++fx, w += x->tap_col, tp += 2) {
                    DW_QUAD_TAP(w, tp);
                }
            }
            out[0] = dw_quad_out(a0, &q[0], l);
            out[1] = dw_quad_out(a1, &q[1], l);
            out[2] = dw_quad_out(a2, &q[2], l);
            out[3] = dw_quad_out(a3, &q[3], l);
        }
    }
}

/* The group set-up of dw_quads for the four channels whose packed filters start at f0: their
 * folded biases, fast requantization, multipliers and shifts into rq, their taps into x->taps;
 * whether all four take the fast path. */
TMLC_DSP_NOINLINE static int dw_quad_setup(const dw_quad_ctx *x, const uint32_t *f0,
                                           const int32_t *multipliers, const int32_t *shifts,
                                           dw_quad_rq *rq)
{
    const dw_layer *l = x->l;
    const int32_t k_h = l->k_h, k_w = l->k_w, words_per_channel = l->channel_words;
    uint32_t *t = x->taps;
    int fast = l->simple_range;
    int32_t j, fy, fx;
    for (j = 0; j < 4; ++j) {
        const int32_t m = multipliers[j], shift = shifts[j];
        rq->acc0[j] = f0[j * words_per_channel];
        if (tmlc_dsp_fast_channel(m, shift)) {
            rq->km[2 * j] = tmlc_dsp_fast_khi(shift, l->output_offset);
            rq->km[2 * j + 1] = (uint32_t)m;
            rq->e1[j] = -shift - 1;
        } else {
            fast = 0;
        }
    }
    /* Each packed filter word of a channel holds taps (4g, 4g + 2) or (4g + 1, 4g + 3) of
     * a filter row: the low halfwords of the four channels pair with PKHBT, the high ones
     * with PKHTB. */
    {
        const uint32_t *p0 = f0 + 1, *p1 = p0 + words_per_channel;
        const uint32_t *p2 = p1 + words_per_channel, *p3 = p2 + words_per_channel;
        for (fy = 0; fy < k_h; ++fy) {
            for (fx = 0; fx < k_w; fx += 4, p0 += 2, p1 += 2, p2 += 2, p3 += 2) {
                const uint32_t a0 = p0[0], a1 = p1[0], a2 = p2[0], a3 = p3[0];
                const uint32_t b0 = p0[1], b1 = p1[1], b2 = p2[1], b3 = p3[1];
                t[0] = dw_pkhbt(a0, a2);
                t[1] = dw_pkhbt(a1, a3);
                if (fx + 1 < k_w) {
                    t[2] = dw_pkhbt(b0, b2);
                    t[3] = dw_pkhbt(b1, b3);
                }
                if (fx + 2 < k_w) {
                    t[4] = dw_pkhtt(a0, a2);
                    t[5] = dw_pkhtt(a1, a3);
                }
                if (fx + 3 < k_w) {
                    t[6] = dw_pkhtt(b0, b2);
                    t[7] = dw_pkhtt(b1, b3);
                }
                t += 2 * (k_w - fx < 4 ? k_w - fx : 4);
            }
        }
    }
    rq->multipliers = multipliers;
    rq->shifts = shifts;
    return fast;
}

/* The least scratch of the channel-parallel variant: the widened plane, or a ring of twice a
 * window's rows if that is less (dw_quads), then the taps. */
static int32_t dw_quad_min_scratch(const dw_layer *l, int32_t out_h)
{
    const int32_t pw = (l->out_w - 1) * l->stride_w + (l->k_w - 1) * l->dilation_w + 1;
    const int32_t rows = TMLC_DSP_RING_ROWS(l->k_h, l->dilation_h);
    const int32_t plane_rows = TMLC_DSP_PLANE_ROWS(out_h, l->stride_h, l->k_h, l->dilation_h);
    return 8 * (plane_rows < 2 * rows ? plane_rows : 2 * rows) * pw + 8 * l->k_h * l->k_w;
}

TMLC_DSP_NOINLINE static void dw_quads(const dw_layer *l, const int8_t *input, int8_t *output,
                                       int32_t channels, const uint32_t *filters,
                                       const int32_t *multipliers, const int32_t *shifts,
                                       int32_t out_h, uint32_t *words, int32_t scratch_bytes)
{
    const int32_t out_w = l->out_w;
    const int32_t k_h = l->k_h, k_w = l->k_w;
    const int32_t words_per_channel = l->channel_words;
    const int32_t plane_rows = TMLC_DSP_PLANE_ROWS(out_h, l->stride_h, k_h, l->dilation_h);
    dw_quad_ctx x;
    int32_t c, i, oy, slot_words, slots, chunk;
    x.l = l;
    x.input = input;
    x.output = output;
    x.channels = channels;
    x.out_h = out_h;
    x.pw = (out_w - 1) * l->stride_w + (k_w - 1) * l->dilation_w + 1;
    x.first = l->pad_left < x.pw ? l->pad_left : x.pw;
    x.last = l->pad_left + l->in_w < x.pw ? l->pad_left + l->in_w : x.pw;
    x.last = x.last < x.first ? x.first : x.last;
    x.rows = TMLC_DSP_RING_ROWS(k_h, l->dilation_h);
    slot_words = 2 * x.pw;
    /* The whole plane if it fits, else the largest ring of rows the scratch holds (at least
     * twice a window's rows: dw_takes_quads), each row stored twice, at slot pr % ring and ring
     * slots after it, so that the rows of `chunk` output rows are consecutive slots. */
    slots = (scratch_bytes / 4 - 2 * k_h * k_w) / slot_words;
    x.ring = plane_rows <= slots ? 0 : slots / 2;
    slots = x.ring != 0 ? 2 * x.ring : plane_rows;
    chunk = x.ring != 0 ? (x.ring - x.rows) / l->stride_h + 1 : out_h;
    /* In words of the widened plane (two per pixel). */
    x.row_step = l->stride_h * slot_words;
    x.col_step = 2 * l->stride_w;
    x.tap_row = l->dilation_h * slot_words;
    x.tap_col = 2 * l->dilation_w;
    x.zero = tmlc_arm_sxtb16((uint32_t)(uint8_t)l->zero_point * 0x01010101u);
    x.words = words;
    x.taps = words + slots * slot_words;
    x.plane_fn = 0;
    if (x.tap_col == 2) {
        if (k_w == 3) {
            x.plane_fn = k_h == 3 ? dw_quad_plane_3x3 : dw_quad_plane_w3;
        } else if (k_w == 5) {
            x.plane_fn = dw_quad_plane_w5;
        } else if (k_w == 7) {
            x.plane_fn = dw_quad_plane_w7;
        }
    }
    /* The padding columns (and in the whole plane the padding rows) stay the zero point. */
    for (i = 0; i < slots * slot_words; ++i) {
        words[i] = x.zero;
    }
    for (c = 0; c + 4 <= channels; c += 4) {
        dw_quad_rq rq;
        const int fast = dw_quad_setup(&x, filters + c * words_per_channel, multipliers + c,
                                       shifts + c, &rq);
        if (x.ring == 0) {
            /* The whole plane, then all output rows in one pass. */
            dw_quad_gather_plane(&x, c, plane_rows);
            if (x.plane_fn != 0) {
                (fast ? x.plane_fn : dw_quad_plane_any)(&x, words, &rq, output + c, out_h);
            } else {
                dw_quad_rows_general(&x, c, words, rq.acc0, multipliers, shifts, 0, out_h);
            }
            continue;
        }
        {
            /* The ring: each chunk of output rows first gathers the padded rows it is the first
             * to need (a row is gathered before any output over its pixels: dw_takes_quads). */
            int32_t next = 0;
            for (oy = 0; oy < out_h; oy += chunk) {
                const int32_t n = out_h - oy < chunk ? out_h - oy : chunk;
                const int32_t prow0 = oy * l->stride_h;
                const int32_t end = prow0 + (n - 1) * l->stride_h + x.rows;
                int32_t pr = next > prow0 ? next : prow0;
                const uint32_t *base = words + (prow0 % x.ring) * slot_words;
                for (; pr < end; ++pr) {
                    uint32_t *slot = words + (pr % x.ring) * slot_words;
                    dw_quad_gather(&x, c, pr, slot, slot + x.ring * slot_words);
                }
                next = end;
                if (x.plane_fn != 0) {
                    (fast ? x.plane_fn : dw_quad_plane_any)(
                        &x, base, &rq, output + oy * out_w * channels + c, n);
                } else {
                    dw_quad_rows_general(&x, c, base, rq.acc0, multipliers, shifts, oy, n);
                }
            }
        }
    }
}

/*
 * Whether a kernel with `scratch_bytes` of scratch takes the channel-parallel variant: a
 * multiple of four channels, its scratch fits (TMLC_DSP_DW_QUAD_SCRATCH: always on the small
 * planes, TMLC_DSP_DW_SMALL_PLANE, where the compiler plans it for the in-place kernel), and
 * the plane is small or not one of the 3x3 stride 1 planes, where the planar kernel's two-row
 * pass (dw3x3_s1_fused2) runs at about 3.0 per MAC (24x24 and 20x20 planes; on kws_ref_model's
 * 25x5 planes the planar kernel takes 4.5 per MAC, the variant 3.3). The ring of rows is safe
 * in place when no output row reaches the pixels of an input row before the first output row
 * that needs it gathers it: with the padding inside the window (pad_top <= (k_h - 1) *
 * dilation_h) that row is at most the input row's index, and with out_w <= in_w its outputs
 * end before that input row starts.
 */
static int dw_takes_quads(const dw_layer *l, int32_t out_h, int32_t channels,
                          int32_t scratch_bytes)
{
    if (channels % 4 != 0 || l->pad_top > (l->k_h - 1) * l->dilation_h || l->out_w > l->in_w ||
        dw_quad_min_scratch(l, out_h) > scratch_bytes) {
        return 0;
    }
    return TMLC_DSP_DW_SMALL_PLANE(out_h, l->out_w, l->k_h, l->k_w) ||
           !(l->path == DW_FAST3_S1 && l->stride_h == 1);
}

/*
 * Whether the normal kernel may run the channel-parallel variant: the output does not overlap
 * the input (the variant writes every output row of four channels before it reads the next four,
 * which the row-streaming overlap the memory planner may give the normal kernel would not
 * survive; disjoint buffers have no such order).
 */
static int dw_disjoint(const int8_t *input, const int8_t *output, int32_t in_bytes,
                       int32_t out_bytes)
{
    const uintptr_t in = (uintptr_t)input, out = (uintptr_t)output;
    return out + (uintptr_t)out_bytes <= in || in + (uintptr_t)in_bytes <= out;
}


void tmlc_depthwise_conv2d_s8_dsp(const int8_t *input, int32_t batches, int32_t in_h,
                                  int32_t in_w, int32_t in_c, int32_t input_offset,
                                  const void *packed_filter, int32_t depth_multiplier,
                                  int32_t k_h, int32_t k_w, const int32_t *multipliers,
                                  const int32_t *shifts, int32_t stride_h, int32_t stride_w,
                                  int32_t dilation_h, int32_t dilation_w, int32_t pad_top,
                                  int32_t pad_left, int8_t *output, int32_t out_h, int32_t out_w,
                                  int32_t output_offset, int32_t act_min, int32_t act_max,
                                  void *scratch)
{
    const int32_t out_c = in_c * depth_multiplier;
    const uint32_t *const filters = (const uint32_t *)packed_filter;
    int8_t *const ring = (int8_t *)scratch;
    dw_layer l;
    dw_rows r;
    int32_t b, oy, fy, slot_size;
    dw_layer_init(&l, in_h, in_w, k_h, k_w, stride_h, stride_w, dilation_h, dilation_w, pad_top,
                  pad_left, out_w, TMLC_DSP_RING_ROWS(k_h, dilation_h), in_c, input_offset,
                  output_offset, act_min, act_max);
    if (depth_multiplier == 1 &&
        dw_disjoint(input, output, batches * in_h * in_w * in_c, batches * out_h * out_w * in_c) &&
        dw_takes_quads(&l, out_h, in_c,
                       TMLC_DEPTHWISE_CONV2D_S8_DSP_SCRATCH(in_c, k_h, k_w, stride_w, dilation_h,
                                                            dilation_w, out_w))) {
        /* The channel-parallel variant, per batch, into the separate output. */
        for (b = 0; b < batches; ++b) {
            dw_quads(&l, input + b * in_h * in_w * in_c, output + b * out_h * out_w * in_c, in_c,
                     filters, multipliers, shifts, out_h, (uint32_t *)scratch,
                     TMLC_DEPTHWISE_CONV2D_S8_DSP_SCRATCH(in_c, k_h, k_w, stride_w, dilation_h,
                                                          dilation_w, out_w));
        }
        return;
    }
    slot_size = l.slot_stride;
    fill_zero_point(&l, ring, l.plane_rows * slot_size);
    for (b = 0; b < batches; ++b) {
        const int8_t *in_batch = input + b * in_h * in_w * in_c;
        int32_t next = 0; /* the first padded input row not in the ring yet */
        for (oy = 0; oy < out_h; ++oy) {
            const int32_t prow0 = oy * stride_h;
            int32_t prow = next > prow0 ? next : prow0;
            for (; prow < prow0 + l.plane_rows; ++prow) {
                gather_row(&l, ring + (prow % l.plane_rows) * slot_size, prow - pad_top, in_batch,
                           in_c, 0, in_c);
            }
            next = prow0 + l.plane_rows;
            for (fy = 0; fy < k_h && fy < DW_MAX_ROWS; ++fy) {
                r.rows[fy] = ring + ((prow0 + fy * dilation_h) % l.plane_rows) * slot_size;
            }
            dw_row_channels(&l, &r, filters, in_c, depth_multiplier, multipliers, shifts, ring,
                            prow0, output);
            output += out_w * out_c;
        }
    }
}

/* The planar in-place kernel (l: the layer as tmlc_depthwise_conv2d_inplace_s8_dsp sets it up). */
TMLC_DSP_NOINLINE static void dw_inplace_planar(const dw_layer *l, int8_t *buffer,
                                                int32_t channels, const uint32_t *filters,
                                                const int32_t *multipliers,
                                                const int32_t *shifts, int32_t out_h,
                                                void *scratch)
{
    const int32_t in_h = l->in_h, in_w = l->in_w, k_h = l->k_h, k_w = l->k_w;
    const int32_t stride_h = l->stride_h, stride_w = l->stride_w, dilation_h = l->dilation_h;
    const int32_t pad_top = l->pad_top, pad_left = l->pad_left, out_w = l->out_w;
    int8_t *const in_plane = (int8_t *)scratch;
    dw_rows r;
    int32_t c, oy, fy, prow;
    fill_zero_point(l, in_plane, l->plane_rows * l->row_width);
    for (c = 0; c < channels; ++c) {
        const uint32_t *f = filters + c * l->channel_words;
        dw_fast q;
        const int fast = dw_fast_init(l, f, multipliers[c], shifts[c], &q);
        /* The whole padded plane of input channel c. */
        for (prow = 0; prow < l->plane_rows; ++prow) {
            const int32_t iy = prow - pad_top;
            int8_t *row = in_plane + prow * l->row_width;
            if (iy >= 0 && iy < in_h) {
                gather_plane_row(row + l->first_col,
                                 buffer + (iy * in_w + (l->first_col - pad_left)) * channels + c,
                                 l->last_col - l->first_col, channels);
            }
        }
        /* Channel c of the output goes straight over channel c of the input, which is all in
         * the plane now (out_h * out_w <= in_h * in_w: only its first pixels are written). */
        oy = 0;
        if (fast && l->path == DW_FAST3_S1 && stride_h == 1) {
            for (; oy + 2 <= out_h; oy += 2) {
                dw3x3_s1_fused2(in_plane + oy * l->row_width, l->row_width, f, &q,
                                buffer + oy * out_w * channels + c, channels, out_w * channels,
                                out_w);
            }
        }
        for (; oy < out_h; ++oy) {
            const int8_t *row0 = in_plane + oy * stride_h * l->row_width;
            int8_t *out = buffer + oy * out_w * channels + c;
            for (fy = 0; fy < k_h && fy < DW_MAX_ROWS; ++fy) {
                r.rows[fy] = row0 + fy * dilation_h * l->row_width;
            }
            if (fast && l->path == DW_GROUPED && stride_w <= 2 && (k_w == 5 || k_w == 7)) {
                if (stride_w == 1) {
                    dw_plane_grouped_s1(l, row0, f, &q, out, channels);
                } else {
                    dw_plane_grouped_s2(l, row0, f, &q, out, channels);
                }
            } else if (fast) {
                dw_row_fused(l, &r, 0, f, &q, out, channels);
            } else {
                dw_row_general(l, &r, 0, f, multipliers[c], shifts[c], in_plane, oy * stride_h,
                               out, channels);
            }
        }
    }
}

void tmlc_depthwise_conv2d_inplace_s8_dsp(int8_t *buffer, int32_t in_h, int32_t in_w,
                                          int32_t channels, int32_t input_offset,
                                          const void *packed_filter, int32_t k_h, int32_t k_w,
                                          const int32_t *multipliers, const int32_t *shifts,
                                          int32_t stride_h, int32_t stride_w, int32_t dilation_h,
                                          int32_t dilation_w, int32_t pad_top, int32_t pad_left,
                                          int32_t out_h, int32_t out_w, int32_t output_offset,
                                          int32_t act_min, int32_t act_max, void *scratch)
{
    const int32_t scratch_bytes = TMLC_DEPTHWISE_CONV2D_INPLACE_S8_DSP_SCRATCH(
        out_h, out_w, k_h, k_w, stride_h, stride_w, dilation_h, dilation_w);
    dw_layer l;
    dw_layer_init(&l, in_h, in_w, k_h, k_w, stride_h, stride_w, dilation_h, dilation_w, pad_top,
                  pad_left, out_w, TMLC_DSP_PLANE_ROWS(out_h, stride_h, k_h, dilation_h), 1,
                  input_offset, output_offset, act_min, act_max);
    if (dw_takes_quads(&l, out_h, channels, scratch_bytes)) {
        dw_quads(&l, buffer, buffer, channels, (const uint32_t *)packed_filter, multipliers,
                 shifts, out_h, (uint32_t *)scratch, scratch_bytes);
        return;
    }
    /* The planar kernel out of line: its frame is not on the variant's stack. */
    dw_inplace_planar(&l, buffer, channels, (const uint32_t *)packed_filter, multipliers, shifts,
                      out_h, scratch);
}
