/*
 * tmlc runtime: int8 kernels for Armv8.1-M with Helium, the M-profile vector extension
 * (public API).
 *
 * Owns the declarations and the contract of the *_mve kernels (sources: the src/arm/ files named after the op with an _mve suffix).
 * Each one computes bit for bit what its portable counterpart (tmlc/kernels.h) computes, with
 * the weights as stored; the scratch holds per-call tables (the bias folded with the input
 * offset, the shifts) and the im2col buffer. Built without MVE (__ARM_FEATURE_MVE: the host,
 * a Cortex-M4) every kernel runs the portable one, so a program using them stays correct
 * anywhere; the vector code needs -mcpu=cortex-m55 (or another Armv8.1-M core with MVE).
 */
#ifndef TMLC_KERNELS_MVE_H
#define TMLC_KERNELS_MVE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* tmlc_conv2d_1x1_s8_mve: three int32 tables of out_c entries. */
#define TMLC_CONV2D_1X1_S8_MVE_SCRATCH(out_c) (12 * (out_c))

/* tmlc_conv2d_s8_mve: the tables, then TMLC_CONV2D_MVE_FIELDS receptive fields of
 * k_h * k_w * in_c bytes (each rounded up to 4). */
#define TMLC_CONV2D_MVE_FIELDS 8
#define TMLC_CONV2D_S8_MVE_SCRATCH(k_h, k_w, in_c, out_c)                                      \
    (12 * (out_c) + TMLC_CONV2D_MVE_FIELDS * ((((k_h) * (k_w) * (in_c) + 3) / 4) * 4))

/* tmlc_depthwise_conv2d_s8_mve: the folded bias of every output channel, each output pixel's
 * offset (rounded up to 12 pixels), then the padded input image of TMLC_DW_MVE_PADDED_H rows
 * of TMLC_DW_MVE_PADDED_W pixels. */
#define TMLC_DW_MVE_PADDED_W(out_w, stride_w, k_w, dilation_w)                                \
    (((out_w) - 1) * (stride_w) + ((k_w) - 1) * (dilation_w) + 1)
#define TMLC_DW_MVE_PADDED_H(out_h, stride_h, k_h, dilation_h)                                \
    (((out_h) - 1) * (stride_h) + ((k_h) - 1) * (dilation_h) + 1)
#define TMLC_DEPTHWISE_CONV2D_S8_MVE_SCRATCH(in_c, channels, k_h, k_w, stride_h, stride_w,      \
                                             dilation_h, dilation_w, out_h, out_w)             \
    (4 * (channels) + 48 * (((out_h) * (out_w) + 11) / 12) +                                  \
     ((TMLC_DW_MVE_PADDED_H(out_h, stride_h, k_h, dilation_h) *                                \
           TMLC_DW_MVE_PADDED_W(out_w, stride_w, k_w, dilation_w) * (in_c) +                  \
       3) /                                                                                    \
      4) *                                                                                     \
         4)

/*
 * CONV_2D with a 1x1 filter and stride 1: tmlc_conv2d_s8 with k_h = k_w = 1 seen as a GEMM
 * over the pixels (the arguments of tmlc_conv2d_1x1_s8_dsp, and the row width).
 *  input:   [pixels][in_c]; filter: [out_c][in_c]; output: [pixels][out_c]
 *  row_pixels: pixels of one image row (in_w). The kernel finishes a row before it reads the
 *           next one, so the output may overlap the input as the kernel library's
 *           RowOrder::Increasing allows (output row r below input row r).
 *  scratch: TMLC_CONV2D_1X1_S8_MVE_SCRATCH(out_c) bytes, 4-byte aligned
 * Dot products of 16 input channels per VMLADAVA, four output channels per pass over a
 * pixel's channels, the last partial vector predicated; four channels requantized at once.
 */
void tmlc_conv2d_1x1_s8_mve(const int8_t *input, int32_t pixels, int32_t row_pixels, int32_t in_c,
                            int32_t input_offset, const int8_t *filter, int32_t out_c,
                            const int32_t *bias, const int32_t *multipliers,
                            const int32_t *shifts, int8_t *output, int32_t output_offset,
                            int32_t act_min, int32_t act_max, void *scratch);

/*
 * CONV_2D, any filter size, stride, dilation and padding (the arguments of tmlc_conv2d_s8 and
 * a scratch): each output pixel's receptive field is copied into the scratch (padding = the
 * input zero point), then multiplied with every filter as the 1x1 kernel does.
 *  scratch: TMLC_CONV2D_S8_MVE_SCRATCH(k_h, k_w, in_c, out_c) bytes, 4-byte aligned
 */
void tmlc_conv2d_s8_mve(const int8_t *input, int32_t batches, int32_t in_h, int32_t in_w,
                        int32_t in_c, int32_t input_offset, const int8_t *filter, int32_t out_c,
                        int32_t k_h, int32_t k_w, const int32_t *bias,
                        const int32_t *multipliers, const int32_t *shifts, int32_t stride_h,
                        int32_t stride_w, int32_t dilation_h, int32_t dilation_w,
                        int32_t pad_top, int32_t pad_left, int8_t *output, int32_t out_h,
                        int32_t out_w, int32_t output_offset, int32_t act_min, int32_t act_max,
                        void *scratch);

/*
 * DEPTHWISE_CONV_2D (the arguments of tmlc_depthwise_conv2d_s8 and a scratch), any depth
 * multiplier: the input is copied with its padding (the zero point) into the scratch, then
 * twelve output pixels of one output channel at a time (three vectors, raster order), one
 * gather load and one VMLA by the scalar tap weight per vector and tap.
 *  scratch: TMLC_DEPTHWISE_CONV2D_S8_MVE_SCRATCH(in_c, in_c * depth_multiplier, k_h, k_w,
 *           stride_h, stride_w, dilation_h, dilation_w, out_h, out_w) bytes, 4-byte aligned
 * The input is read before any output is written: the output may overlap it anywhere, and
 * output == input runs in place (batch 1; the output from the buffer's start). An input
 * offset that is no int8 zero point runs the portable kernels (in place:
 * tmlc_depthwise_conv2d_inplace_s8, whose out_h * out_w bytes of scratch it must then hold).
 */
void tmlc_depthwise_conv2d_s8_mve(const int8_t *input, int32_t batches, int32_t in_h,
                                  int32_t in_w, int32_t in_c, int32_t input_offset,
                                  const int8_t *filter, int32_t depth_multiplier, int32_t k_h,
                                  int32_t k_w, const int32_t *bias, const int32_t *multipliers,
                                  const int32_t *shifts, int32_t stride_h, int32_t stride_w,
                                  int32_t dilation_h, int32_t dilation_w, int32_t pad_top,
                                  int32_t pad_left, int8_t *output, int32_t out_h,
                                  int32_t out_w, int32_t output_offset, int32_t act_min,
                                  int32_t act_max, void *scratch);

/*
 * FULLY_CONNECTED (the arguments of tmlc_fully_connected_s8, weights as stored): four output
 * rows per pass over the input, the weights' sums for the input offset taken in the same loop.
 */
void tmlc_fully_connected_s8_mve(const int8_t *input, int32_t batches, int32_t in_depth,
                                 int32_t input_offset, const int8_t *weights, int32_t out_depth,
                                 const int32_t *bias, const int32_t *multipliers,
                                 const int32_t *shifts, int32_t per_channel, int8_t *output,
                                 int32_t output_offset, int32_t act_min, int32_t act_max);

/*
 * ADD of two same-shape tensors: the parameters, the in-place rules and the result of
 * tmlc_add_s8 (any parameters: the 4-lane requantization is exact for all of them).
 */
void tmlc_add_s8_mve(const int8_t *input1, const int8_t *input2, int8_t *output, int32_t size,
                     int32_t input1_offset, int32_t input2_offset, int32_t output_offset,
                     int32_t left_shift, int32_t input1_multiplier, int32_t input1_shift,
                     int32_t input2_multiplier, int32_t input2_shift, int32_t output_multiplier,
                     int32_t output_shift, int32_t act_min, int32_t act_max);

#ifdef __cplusplus
}
#endif

#endif /* TMLC_KERNELS_MVE_H */
