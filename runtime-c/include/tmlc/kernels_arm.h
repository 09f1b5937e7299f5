/*
 * tmlc runtime: int8 kernels for Armv7E-M / Armv8-M with the DSP extension (public API).
 *
 * Owns the declarations and the contract of the *_dsp kernels (sources in src/arm/). Each one
 * computes, bit for bit, what its portable counterpart in tmlc/kernels.h computes (TFLite
 * Micro's reference integer kernels: the same int32 sums modulo 2^32, the same double-rounding
 * MultiplyByQuantizedMultiplier, the same clamps), only faster on Cortex-M4/M7/M33: SMLAD on
 * int16 pairs made by SXTB16, and a requantization that folds the two roundings into one SMLAL
 * (src/arm/dsp_internal.h has the proof). Built without __ARM_FEATURE_DSP (the host, or
 * Cortex-M0/M3) the same code runs on a portable C emulation of those instructions.
 *
 * Conventions: those of tmlc/kernels.h (NHWC, int32_t sizes, input_offset = -zero point,
 * output_offset = +zero point, per-channel (multiplier, shift) pairs from
 * quant::conv_multipliers, act_min/act_max from quant::activation_range), and:
 *  - Every (multiplier, shift) pair, output offset and activation range is exact. The fast
 *    requantization (one SMLAL) applies to multipliers >= 0 with shifts in [-22, -2] (real
 *    factors below 1/4: every conv, depthwise and fully connected layer of the benchmark
 *    models) and output offsets within +-128; other channels take the generic path.
 *  - The depthwise kernels need input_offset in [-127, 128] (an int8 zero point negated, which
 *    every TFLite int8 tensor satisfies): they pad with the value -input_offset. The
 *    convolutions pass other offsets to the portable kernel.
 *  - scratch: caller-provided working memory of the documented size (a macro below), aligned
 *    to 4 bytes, not overlapping any argument. Its content on entry does not matter; it is
 *    garbage on return. The compiler places it in the arena.
 *  - Packed constants (depthwise filters, fully connected weights and biases) are prepared by
 *    the compiler with the documented layouts (the *_pack functions are their reference) and
 *    live in flash, 4-byte aligned (emit them as uint32_t arrays).
 *  - Output overlap: like the portable kernels, outputs are written in row order, and each
 *    output row is written only after the kernel has read every input row it needs, so the
 *    memory planner's row-streaming overlap (liveness::overlap_margin) stays valid. The
 *    in-place depthwise kernel has the buffer contract of tmlc_depthwise_conv2d_inplace_s8
 *    (with a larger scratch).
 *  - No allocation, no global state, no floating point; reentrant.
 */
#ifndef TMLC_KERNELS_ARM_H
#define TMLC_KERNELS_ARM_H

#include <stdint.h>

#include "tmlc/kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------- */
/* Scratch sizes, in bytes (integer constant expressions when the arguments are).            */

/* tmlc_conv2d_1x1_s8_dsp: eight pixels' channels as int16, rounded up to 4 channels. */
#define TMLC_CONV2D_1X1_S8_DSP_SCRATCH(in_c) (64 * (((in_c) + 3) / 4))

/* tmlc_conv2d_s8_dsp: eight receptive fields as int16 plus one as int8 (K = k_h * k_w * in_c
 * rounded up to a multiple of 4). */
#define TMLC_CONV2D_S8_DSP_SCRATCH(k_h, k_w, in_c) (68 * (((k_h) * (k_w) * (in_c) + 3) / 4))

/* The depthwise kernels' planes of padded input rows: TMLC_DSP_RING_WIDTH bytes per row (the
 * window span plus 8 bytes of slack for word loads, rounded up to 4); the normal kernel keeps a
 * ring of TMLC_DSP_RING_ROWS rows per channel, the in-place kernel one channel's whole padded
 * plane of TMLC_DSP_PLANE_ROWS rows. */
#define TMLC_DSP_RING_ROWS(k_h, dilation_h) (((k_h) - 1) * (dilation_h) + 1)
#define TMLC_DSP_PLANE_ROWS(out_h, stride_h, k_h, dilation_h)                                 \
    (((out_h) - 1) * (stride_h) + ((k_h) - 1) * (dilation_h) + 1)
#define TMLC_DSP_RING_WIDTH(out_w, stride_w, k_w, dilation_w)                                 \
    (((((out_w) - 1) * (stride_w) + ((k_w) - 1) * (dilation_w) + 1 + 8) + 3) / 4 * 4)

/* tmlc_depthwise_conv2d_s8_dsp: the ring for all in_c input channels. */
#define TMLC_DEPTHWISE_CONV2D_S8_DSP_SCRATCH(in_c, k_h, k_w, stride_w, dilation_h, dilation_w,  \
                                             out_w)                                           \
    (TMLC_DSP_RING_ROWS(k_h, dilation_h) * (in_c) *                                           \
     TMLC_DSP_RING_WIDTH(out_w, stride_w, k_w, dilation_w))

/* tmlc_depthwise_conv2d_inplace_s8_dsp: one padded input plane (the outputs go straight to the
 * buffer), or, on small output planes (TMLC_DSP_DW_SMALL_PLANE), the larger of that and the
 * channel-parallel variant's: the padded plane of four channels widened to two words per pixel,
 * then the filter of four channels, two words per tap (given less, the variant keeps a ring of
 * the plane's rows). */
#define TMLC_DSP_DW_SMALL_PLANE(out_h, out_w, k_h, k_w)                                       \
    ((out_h) * (out_w) <= 100 ||                                                              \
     ((k_h) == 3 && (k_w) == 3 && (out_w) <= 8 && (out_h) * (out_w) <= 128))
#define TMLC_DSP_DW_PLANE_SCRATCH(out_h, out_w, k_h, k_w, stride_h, stride_w, dilation_h,      \
                                  dilation_w)                                                 \
    (TMLC_DSP_PLANE_ROWS(out_h, stride_h, k_h, dilation_h) *                                  \
     TMLC_DSP_RING_WIDTH(out_w, stride_w, k_w, dilation_w))
#define TMLC_DSP_DW_QUAD_SCRATCH(out_h, out_w, k_h, k_w, stride_h, stride_w, dilation_h,       \
                                 dilation_w)                                                  \
    (8 * TMLC_DSP_PLANE_ROWS(out_h, stride_h, k_h, dilation_h) *                              \
         (((out_w) - 1) * (stride_w) + ((k_w) - 1) * (dilation_w) + 1) +                      \
     8 * (k_h) * (k_w))
#define TMLC_DEPTHWISE_CONV2D_INPLACE_S8_DSP_SCRATCH(out_h, out_w, k_h, k_w, stride_h,          \
                                                     stride_w, dilation_h, dilation_w)        \
    (TMLC_DSP_DW_SMALL_PLANE(out_h, out_w, k_h, k_w) &&                                       \
             TMLC_DSP_DW_QUAD_SCRATCH(out_h, out_w, k_h, k_w, stride_h, stride_w, dilation_h, \
                                      dilation_w) >                                           \
                 TMLC_DSP_DW_PLANE_SCRATCH(out_h, out_w, k_h, k_w, stride_h, stride_w,        \
                                           dilation_h, dilation_w)                            \
         ? TMLC_DSP_DW_QUAD_SCRATCH(out_h, out_w, k_h, k_w, stride_h, stride_w, dilation_h,   \
                                    dilation_w)                                               \
         : TMLC_DSP_DW_PLANE_SCRATCH(out_h, out_w, k_h, k_w, stride_h, stride_w, dilation_h,  \
                                     dilation_w))

/* The depthwise kernels' packed filter: words per output channel, and bytes in all. */
#define TMLC_DEPTHWISE_CONV2D_S8_DSP_CHANNEL_WORDS(k_h, k_w) (1 + 2 * (k_h) * (((k_w) + 3) / 4))
#define TMLC_DEPTHWISE_CONV2D_S8_DSP_PACKED_BYTES(out_c, k_h, k_w)                              \
    (4 * (out_c) * TMLC_DEPTHWISE_CONV2D_S8_DSP_CHANNEL_WORDS(k_h, k_w))

/* ---------------------------------------------------------------------------------------- */
/* Kernels                                                                                   */

/*
 * CONV_2D with a 1x1 filter, stride 1 and no padding (any dilation: it does not matter for
 * 1x1): tmlc_conv2d_s8 with k_h = k_w = 1, seen as a GEMM over the pixels.
 *
 *  input:       [pixels][in_c] (pixels = batches * in_h * in_w; out_h = in_h, out_w = in_w)
 *  input_offset, bias (may be NULL), multipliers, shifts, output_offset, act_min, act_max:
 *               as tmlc_conv2d_s8. Nothing to precompute: the offset is added while the
 *               eight pixels of a block are widened to int16, once per input value (SADD16,
 *               two per four values), not per MAC, so a folded bias would gain nothing.
 *  filter:      [out_c][in_c] (the [out_c][1][1][in_c] filter as stored)
 *  output:      [pixels][out_c]
 *  scratch:     TMLC_CONV2D_1X1_S8_DSP_SCRATCH(in_c) bytes, 4-byte aligned
 */
void tmlc_conv2d_1x1_s8_dsp(const int8_t *input, int32_t pixels, int32_t in_c,
                            int32_t input_offset, const int8_t *filter, int32_t out_c,
                            const int32_t *bias, const int32_t *multipliers,
                            const int32_t *shifts, int8_t *output, int32_t output_offset,
                            int32_t act_min, int32_t act_max, void *scratch);

/*
 * CONV_2D with a 1x1 filter and stride 1 as tmlc_conv2d_1x1_s8_dsp, with the filter stored as
 * int16 (twice its flash, no widening per weight at run time; three pixels times two channels
 * per pass), the input offset folded into the bias and the requantization constants of the
 * fast path precomputed, all in the packed filter:
 *  packed_filter: TMLC_CONV2D_1X1_S8_DSP_WIDE_PACKED_BYTES(in_c, out_c) bytes in the layout of
 *                 tmlc_conv2d_1x1_s8_dsp_pack_wide (for this output_offset and these
 *                 multipliers and shifts), 4-byte aligned
 *  scratch:       TMLC_CONV2D_1X1_S8_DSP_WIDE_SCRATCH(in_c) bytes, 4-byte aligned
 * other parameters and the result as tmlc_conv2d_1x1_s8_dsp (there is no input_offset or bias
 * parameter: both are in the packed filter).
 */
void tmlc_conv2d_1x1_s8_dsp_wide(const int8_t *input, int32_t pixels, int32_t in_c,
                                 const void *packed_filter, int32_t out_c,
                                 const int32_t *multipliers, const int32_t *shifts,
                                 int8_t *output, int32_t output_offset, int32_t act_min,
                                 int32_t act_max, void *scratch);

/* Words of one channel pair's record in the wide packed filter: two biases, four words per
 * four inputs, four requantization words per channel. */
#define TMLC_CONV2D_1X1_S8_DSP_WIDE_RECORD_WORDS(in_c) (10 + 4 * (((in_c) + 3) / 4))

/* Size of the wide packed filter: a record per pair of output channels. */
#define TMLC_CONV2D_1X1_S8_DSP_WIDE_PACKED_BYTES(in_c, out_c)                                  \
    (4 * (((out_c) + 1) / 2) * TMLC_CONV2D_1X1_S8_DSP_WIDE_RECORD_WORDS(in_c))

/* tmlc_conv2d_1x1_s8_dsp_wide: three pixels' channels as int16, rounded up to 4 channels. */
#define TMLC_CONV2D_1X1_S8_DSP_WIDE_SCRATCH(in_c) (24 * (((in_c) + 3) / 4))

/*
 * CONV_2D, any filter size, stride, dilation and padding, as tmlc_conv2d_s8_dsp, with the filter
 * stored as int16 in the layout of tmlc_conv2d_1x1_s8_dsp_pack_wide for
 * in_c = K = k_h * k_w * in_c (the [out_c][k_h][k_w][in_c] filter as [out_c][K]; the biases and
 * the requantization constants inside, input_offset only for the padding, which must be an int8
 * zero point):
 *  packed_filter: TMLC_CONV2D_1X1_S8_DSP_WIDE_PACKED_BYTES(K, out_c) bytes, 4-byte aligned
 *  scratch:       TMLC_CONV2D_S8_DSP_WIDE_SCRATCH(k_h, k_w, in_c) bytes, 4-byte aligned
 * other parameters and the result as tmlc_conv2d_s8_dsp.
 */
void tmlc_conv2d_s8_dsp_wide(const int8_t *input, int32_t batches, int32_t in_h, int32_t in_w,
                             int32_t in_c, int32_t input_offset, const void *packed_filter,
                             int32_t out_c, int32_t k_h, int32_t k_w, const int32_t *multipliers,
                             const int32_t *shifts, int32_t stride_h, int32_t stride_w,
                             int32_t dilation_h, int32_t dilation_w, int32_t pad_top,
                             int32_t pad_left, int8_t *output, int32_t out_h, int32_t out_w,
                             int32_t output_offset, int32_t act_min, int32_t act_max,
                             void *scratch);

/* tmlc_conv2d_s8_dsp_wide: three receptive fields as int16 and one as int8. */
#define TMLC_CONV2D_S8_DSP_WIDE_SCRATCH(k_h, k_w, in_c)                                        \
    (28 * (((k_h) * (k_w) * (in_c) + 3) / 4))

/*
 * The wide layout, from filter [out_c][in_c] (as stored), bias [out_c] (may be NULL) and the
 * layer's input offset, multipliers, shifts and output offset, with G = ceil(in_c / 4) groups of
 * four inputs, weights of missing inputs and of the missing channel of an odd out_c 0, and
 * E(v) = (v0, v2), O(v) = (v1, v3) the int16 halfword pairs of four weights: for each pair of
 * output channels c0 = 2q, c1 = 2q + 1, the record
 *   bias[c0] + input_offset * sum(filter[c0]), the same for c1 (modulo 2^32; 0 if missing),
 *   for each group g: E(c0), E(c1), O(c0), O(c1) of the group's weights,
 *   for c0, then c1: multiplier, khi, -shift - 1, add for a channel of dsp_internal.h's fast
 *   path (tmlc_dsp_fast_channel_any): khi = tmlc_dsp_fast_khi(shift, output_offset) and add = 0
 *   when the offset folds (tmlc_dsp_fast_channel, tmlc_dsp_fast_offset), otherwise
 *   khi = 2^(-shift - 2) and add = output_offset; 0, 0, 0, 0 for the other channels.
 * A reference for the compiler and the tests; generated code never calls it.
 */
void tmlc_conv2d_1x1_s8_dsp_pack_wide(const int8_t *filter, const int32_t *bias, int32_t in_c,
                                      int32_t out_c, int32_t input_offset,
                                      const int32_t *multipliers, const int32_t *shifts,
                                      int32_t output_offset, uint32_t *packed);

/*
 * CONV_2D, any filter size, stride, dilation and padding: the parameters and the result of
 * tmlc_conv2d_s8 (k_h, k_w >= 1), plus
 *  scratch:     TMLC_CONV2D_S8_DSP_SCRATCH(k_h, k_w, in_c) bytes, 4-byte aligned
 * The receptive fields of eight output pixels at a time are copied (padding = the input zero
 * point) and widened to int16 (im2col), then multiplied with every filter by SMLAD.
 */
void tmlc_conv2d_s8_dsp(const int8_t *input, int32_t batches, int32_t in_h, int32_t in_w,
                        int32_t in_c, int32_t input_offset, const int8_t *filter, int32_t out_c,
                        int32_t k_h, int32_t k_w, const int32_t *bias,
                        const int32_t *multipliers, const int32_t *shifts, int32_t stride_h,
                        int32_t stride_w, int32_t dilation_h, int32_t dilation_w,
                        int32_t pad_top, int32_t pad_left, int8_t *output, int32_t out_h,
                        int32_t out_w, int32_t output_offset, int32_t act_min, int32_t act_max,
                        void *scratch);

/*
 * DEPTHWISE_CONV_2D, any depth multiplier, filter size, stride, dilation and padding: the
 * result of tmlc_depthwise_conv2d_s8, with the filter and the bias replaced by the packed filter
 * the compiler precomputes (tmlc_depthwise_conv2d_s8_dsp_pack defines it):
 *  packed_filter: TMLC_DEPTHWISE_CONV2D_S8_DSP_PACKED_BYTES(in_c * depth_multiplier, k_h, k_w)
 *               bytes, 4-byte aligned (a uint32_t array)
 *  scratch:     TMLC_DEPTHWISE_CONV2D_S8_DSP_SCRATCH(in_c, k_h, k_w, stride_w, dilation_h,
 *               dilation_w, out_w) bytes, 4-byte aligned
 *  other parameters as tmlc_depthwise_conv2d_s8 (input_offset is still needed: the padding
 *  holds -input_offset)
 * 3x3 filters with dilation 1 and stride_w 1 or 2 take the fastest paths; other filters with
 * dilation_w 1, stride_w <= 4 and at most 16 rows the grouped SIMD path; anything else is exact
 * but uses one multiply per tap.
 */
void tmlc_depthwise_conv2d_s8_dsp(const int8_t *input, int32_t batches, int32_t in_h,
                                  int32_t in_w, int32_t in_c, int32_t input_offset,
                                  const void *packed_filter, int32_t depth_multiplier,
                                  int32_t k_h, int32_t k_w, const int32_t *multipliers,
                                  const int32_t *shifts, int32_t stride_h, int32_t stride_w,
                                  int32_t dilation_h, int32_t dilation_w, int32_t pad_top,
                                  int32_t pad_left, int8_t *output, int32_t out_h, int32_t out_w,
                                  int32_t output_offset, int32_t act_min, int32_t act_max,
                                  void *scratch);

/*
 * DEPTHWISE_CONV_2D with depth multiplier 1 and batch 1, in place: the buffer contract and the
 * result of tmlc_depthwise_conv2d_inplace_s8 (buffer holds the input and, on return, the output
 * from its start; channel c of the input is gathered into the scratch, then channel c of the
 * output is stored over it), with the packed filter of tmlc_depthwise_conv2d_s8_dsp and a larger
 * scratch (one padded input plane). On small output planes (TMLC_DSP_DW_SMALL_PLANE) with a
 * multiple of four channels it works on four channels at a time, straight from NHWC words:
 *  packed_filter: TMLC_DEPTHWISE_CONV2D_S8_DSP_PACKED_BYTES(channels, k_h, k_w) bytes
 *  scratch:     TMLC_DEPTHWISE_CONV2D_INPLACE_S8_DSP_SCRATCH(out_h, out_w, k_h, k_w, stride_h,
 *               stride_w, dilation_h, dilation_w) bytes, 4-byte aligned, not overlapping buffer
 */
void tmlc_depthwise_conv2d_inplace_s8_dsp(int8_t *buffer, int32_t in_h, int32_t in_w,
                                          int32_t channels, int32_t input_offset,
                                          const void *packed_filter, int32_t k_h, int32_t k_w,
                                          const int32_t *multipliers, const int32_t *shifts,
                                          int32_t stride_h, int32_t stride_w, int32_t dilation_h,
                                          int32_t dilation_w, int32_t pad_top, int32_t pad_left,
                                          int32_t out_h, int32_t out_w, int32_t output_offset,
                                          int32_t act_min, int32_t act_max, void *scratch);

/*
 * The packed filter of the depthwise kernels, from the TFLite filter [k_h][k_w][out_c] and bias
 * [out_c] (may be NULL), out_c = in_c * depth_multiplier. Per output channel oc, in order,
 * TMLC_DEPTHWISE_CONV2D_S8_DSP_CHANNEL_WORDS(k_h, k_w) words:
 *   word 0: bias[oc] + input_offset * (sum of the channel's k_h * k_w weights), modulo 2^32;
 *   then for each filter row fy, for each group g of four taps (G = ceil(k_w / 4) groups):
 *     (w[fy][4g], w[fy][4g + 2]) and (w[fy][4g + 1], w[fy][4g + 3]) as int16 halfwords
 *     (low, high), taps beyond k_w 0.
 * A reference for the compiler and the tests; generated code never calls it.
 */
void tmlc_depthwise_conv2d_s8_dsp_pack(const int8_t *filter, const int32_t *bias,
                                       int32_t input_offset, int32_t out_c, int32_t k_h,
                                       int32_t k_w, uint32_t *packed);

/*
 * FULLY_CONNECTED: tmlc_fully_connected_s8 with two compile-time preparations, both exact:
 *
 *   folded_bias[o] = (bias ? bias[o] : 0) + input_offset * sum_{i < in_depth} weights[o][i]
 *                    (modulo 2^32, i.e. wrapping i32 arithmetic; any int32 offset folds)
 *   packed_weights = the weights interleaved by blocks of four rows
 *                    (tmlc_fully_connected_s8_dsp_pack, which defines the layout; the compiler
 *                    emits the same bytes, as a uint32_t array or otherwise 4-byte aligned)
 *
 *  packed_weights: TMLC_FULLY_CONNECTED_S8_DSP_PACKED_BYTES(in_depth, out_depth) bytes
 *  folded_bias: [out_depth], never NULL
 *  other parameters as tmlc_fully_connected_s8 (there is no input_offset parameter)
 */
void tmlc_fully_connected_s8_dsp(const int8_t *input, int32_t batches, int32_t in_depth,
                                 const void *packed_weights, int32_t out_depth,
                                 const int32_t *folded_bias, const int32_t *multipliers,
                                 const int32_t *shifts, int32_t per_channel, int8_t *output,
                                 int32_t output_offset, int32_t act_min, int32_t act_max);

/* Size of the packed weights: every row padded to a multiple of four inputs. */
#define TMLC_FULLY_CONNECTED_S8_DSP_PACKED_BYTES(in_depth, out_depth)                          \
    ((out_depth) * 4 * (((in_depth) + 3) / 4))

/*
 * The packed weight layout of tmlc_fully_connected_s8_dsp, from weights [out_depth][in_depth]
 * (row-major, as TFLite stores them). With G = ceil(in_depth / 4) groups of four inputs and
 * weights of missing inputs 0:
 *  - for each block b of four rows (b < out_depth / 4), for each group g < G, for r = 0..3:
 *    the four bytes weights[4b + r][4g .. 4g + 3];
 *  - then each remaining row o (out_depth % 4 of them) as its G groups of four bytes.
 * A reference for the compiler and the tests; generated code never calls it.
 */
void tmlc_fully_connected_s8_dsp_pack(const int8_t *weights, int32_t in_depth, int32_t out_depth,
                                      int8_t *packed);

/*
 * FULLY_CONNECTED with the weights stored as int16 (twice the flash of
 * tmlc_fully_connected_s8_dsp, no widening per weight at run time): the same parameters and
 * result, with packed_weights in the wide layout of tmlc_fully_connected_s8_dsp_pack_wide,
 * TMLC_FULLY_CONNECTED_S8_DSP_WIDE_PACKED_BYTES(in_depth, out_depth) bytes, 4-byte aligned.
 */
void tmlc_fully_connected_s8_dsp_wide(const int8_t *input, int32_t batches, int32_t in_depth,
                                      const void *packed_weights, int32_t out_depth,
                                      const int32_t *folded_bias, const int32_t *multipliers,
                                      const int32_t *shifts, int32_t per_channel,
                                      int8_t *output, int32_t output_offset, int32_t act_min,
                                      int32_t act_max);

/* Size of the wide packed weights: two words per word of the int8 layout. */
#define TMLC_FULLY_CONNECTED_S8_DSP_WIDE_PACKED_BYTES(in_depth, out_depth)                     \
    (2 * TMLC_FULLY_CONNECTED_S8_DSP_PACKED_BYTES(in_depth, out_depth))

/*
 * The wide layout: the words of tmlc_fully_connected_s8_dsp_pack's layout in the same order,
 * each word of four weight bytes (w0, w1, w2, w3) replaced by the two words of int16 halfwords
 * (w0, w2) and (w1, w3) (what SXTB16 and SXTB16 ROR #8 make of it). A reference for the
 * compiler and the tests; generated code never calls it.
 */
void tmlc_fully_connected_s8_dsp_pack_wide(const int8_t *weights, int32_t in_depth,
                                           int32_t out_depth, uint32_t *packed);

/*
 * ADD of two same-shape tensors: the parameters, the in-place rules and the result of
 * tmlc_add_s8 (the fields of add::AddParams::prepare). The usual case (left_shift <= 21, input
 * and output offsets within +-128, multipliers >= 0, input shifts <= 0, output shift in
 * [-22, -1], which TFLite's ADD always produces for int8) takes three SMMLAR-based
 * requantizations per element; any other call is passed to tmlc_add_s8.
 */
void tmlc_add_s8_dsp(const int8_t *input1, const int8_t *input2, int8_t *output, int32_t size,
                     int32_t input1_offset, int32_t input2_offset, int32_t output_offset,
                     int32_t left_shift, int32_t input1_multiplier, int32_t input1_shift,
                     int32_t input2_multiplier, int32_t input2_shift, int32_t output_multiplier,
                     int32_t output_shift, int32_t act_min, int32_t act_max);

/*
 * ADD of two same-shape tensors as tmlc_add_s8 (same in-place rules and result), with each
 * input's rescaling tabulated by the compiler:
 *  tables:  int32 [512]: tables[x + 128] = input 1's value x offset, shifted left and rescaled to
 *           the common scale (the first step of tmlc_add_s8), tables[256 + y + 128] the same for
 *           input 2, every sum of one of each within +-2^30 (TFLite's left shift of 20 gives
 *           that)
 *  output_offset, output_multiplier, output_shift, act_min, act_max: as tmlc_add_s8.
 * Per element: two table loads, their sum requantized as in tmlc_add_s8_dsp (the exact generic
 * path for an output stage outside its conditions).
 */
void tmlc_add_s8_dsp_tables(const int8_t *input1, const int8_t *input2, const int32_t *tables,
                            int8_t *output, int32_t size, int32_t output_offset,
                            int32_t output_multiplier, int32_t output_shift, int32_t act_min,
                            int32_t act_max);

/*
 * UNIDIRECTIONAL_SEQUENCE_LSTM: tmlc_lstm_s8 with the gates' matrix-vector products on SMLAD
 * (same parameters, same work buffer, same bytes).
 */
void tmlc_lstm_s8_dsp(const int8_t *input, const tmlc_lstm_params *params, int16_t *cell_state,
                      int8_t *hidden_state, int16_t *work, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* TMLC_KERNELS_ARM_H */
