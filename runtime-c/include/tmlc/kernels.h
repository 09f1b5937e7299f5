/*
 * tmlc runtime: the int8 kernels that generated code calls (public API).
 *
 * Owns the declarations and the contract of every portable kernel. Each kernel computes bit
 * for bit what the Rust reference in dialects/tinyml/src/semantics/ computes (TFLite Micro's
 * reference integer kernels), given the quantization constants that the compiler precomputes
 * with the Rust prepare functions. The C side does integer arithmetic only.
 *
 * Conventions (all kernels):
 *  - Tensors are dense, row-major; 4-D activations are NHWC. Lower ranks are right-aligned to
 *    4-D with leading 1s (TFLite's ExtendedShape). Every size and index is int32_t.
 *  - "offset" parameters are added to the raw int8 values: input_offset = -(input zero point),
 *    output_offset = +(output zero point), as in TFLite's OpData.
 *  - (multiplier, shift) pairs are QuantizeMultiplier results (semantics::quant::
 *    QuantizedMultiplier): the real factor multiplier * 2^(shift - 31), a positive shift is a
 *    left shift. They are applied by double-rounding MultiplyByQuantizedMultiplier.
 *  - act_min / act_max: the fused activation clamp (quant::activation_range), within
 *    [-128, 127]. Results are clamped to [act_min, act_max] and then to int8.
 *  - Arithmetic that the Rust reference does with wrapping_* wraps modulo 2^32 here too, so
 *    results agree even on overflow, and no input triggers undefined behaviour.
 *  - No allocation, no global state, no floating point; reentrant. Kernels write every output
 *    element exactly once, in increasing address order, unless stated otherwise.
 *  - Unless a kernel says so, the output must not overlap any input.
 *  - Bias is int32, one value per output channel (scale = input scale * weight scale), added
 *    raw; a NULL bias means no bias.
 */
#ifndef TMLC_KERNELS_H
#define TMLC_KERNELS_H

#include <stdint.h>

#include "tmlc/fixed_point.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * CONV_2D (semantics::conv2d): output[b][oy][ox][oc] =
 *   requant(sum over taps and ic of filter[oc][fy][fx][ic] * (input[b][iy][ix][ic] + input_offset)
 *           + bias[oc])
 * with iy = oy * stride_h - pad_top + fy * dilation_h (ix likewise); taps outside the input are
 * skipped (TFLite's padding). requant(acc) = clamp(MBQM(acc, multipliers[oc], shifts[oc]) +
 * output_offset, act_min, act_max).
 *
 *  input:       [batches][in_h][in_w][in_c]
 *  filter:      [out_c][k_h][k_w][in_c]
 *  bias:        [out_c] or NULL
 *  multipliers, shifts: [out_c], quant::conv_multipliers (per-tensor weights: the compiler
 *               repeats the single pair out_c times, which is what conv_multipliers returns)
 *  stride_*, dilation_*: >= 1
 *  pad_top, pad_left: the leading padding (padding::padding_amount(..).before / the .before of
 *               padding::compute_padding); trailing padding is implied by out_h / out_w (the
 *               window is clipped at the far edge).
 *  output:      [batches][out_h][out_w][out_c]
 *
 * Writes output rows in order; output row oy reads input rows up to
 * oy * stride_h - pad_top + (k_h - 1) * dilation_h only.
 */
void tmlc_conv2d_s8(const int8_t *input, int32_t batches, int32_t in_h, int32_t in_w,
                    int32_t in_c, int32_t input_offset, const int8_t *filter, int32_t out_c,
                    int32_t k_h, int32_t k_w, const int32_t *bias, const int32_t *multipliers,
                    const int32_t *shifts, int32_t stride_h, int32_t stride_w, int32_t dilation_h,
                    int32_t dilation_w, int32_t pad_top, int32_t pad_left, int8_t *output,
                    int32_t out_h, int32_t out_w, int32_t output_offset, int32_t act_min,
                    int32_t act_max);

/*
 * Grouped CONV_2D: as tmlc_conv2d_s8 with filter [out_c][k_h][k_w][filter_in_c], where
 * groups = in_c / filter_in_c (in_c a multiple of filter_in_c, out_c a multiple of groups) and
 * output channel oc reads input channels [g * filter_in_c, (g + 1) * filter_in_c) with
 * g = oc / (out_c / groups). filter_in_c == in_c is the ordinary convolution.
 */
void tmlc_conv2d_grouped_s8(const int8_t *input, int32_t batches, int32_t in_h, int32_t in_w,
                            int32_t in_c, int32_t input_offset, const int8_t *filter,
                            int32_t out_c, int32_t k_h, int32_t k_w, int32_t filter_in_c,
                            const int32_t *bias, const int32_t *multipliers,
                            const int32_t *shifts, int32_t stride_h, int32_t stride_w,
                            int32_t dilation_h, int32_t dilation_w, int32_t pad_top,
                            int32_t pad_left, int8_t *output, int32_t out_h, int32_t out_w,
                            int32_t output_offset, int32_t act_min, int32_t act_max);

/*
 * DEPTHWISE_CONV_2D (semantics::depthwise_conv2d): output channel oc = ic * depth_multiplier + m
 * reads input channel ic only:
 *   output[b][oy][ox][oc] = requant(sum over taps of filter[fy][fx][oc] *
 *                                   (input[b][iy][ix][ic] + input_offset) + bias[oc])
 * with the same window, padding and requantization rules as tmlc_conv2d_s8.
 *
 *  input:       [batches][in_h][in_w][in_c]
 *  filter:      [k_h][k_w][in_c * depth_multiplier] (TFLite's [1][KH][KW][C * M])
 *  bias, multipliers, shifts: [in_c * depth_multiplier] (bias may be NULL)
 *  output:      [batches][out_h][out_w][in_c * depth_multiplier]
 */
void tmlc_depthwise_conv2d_s8(const int8_t *input, int32_t batches, int32_t in_h, int32_t in_w,
                              int32_t in_c, int32_t input_offset, const int8_t *filter,
                              int32_t depth_multiplier, int32_t k_h, int32_t k_w,
                              const int32_t *bias, const int32_t *multipliers,
                              const int32_t *shifts, int32_t stride_h, int32_t stride_w,
                              int32_t dilation_h, int32_t dilation_w, int32_t pad_top,
                              int32_t pad_left, int8_t *output, int32_t out_h, int32_t out_w,
                              int32_t output_offset, int32_t act_min, int32_t act_max);

/*
 * DEPTHWISE_CONV_2D with depth multiplier 1 and batch 1, in place: `buffer` holds the input
 * [in_h][in_w][channels] and, on return, the output [out_h][out_w][channels] from its start
 * (out_h <= in_h, out_w <= in_w). scratch: out_h * out_w bytes, not overlapping buffer. Other
 * parameters and the result are those of tmlc_depthwise_conv2d_s8 (bit for bit): output plane c
 * is computed from input channel c into scratch, then stored to the positions of channel c, which
 * only ever hold input channel c.
 */
void tmlc_depthwise_conv2d_inplace_s8(int8_t *buffer, int32_t in_h, int32_t in_w,
                                      int32_t channels, int32_t input_offset,
                                      const int8_t *filter, int32_t k_h, int32_t k_w,
                                      const int32_t *bias, const int32_t *multipliers,
                                      const int32_t *shifts, int32_t stride_h, int32_t stride_w,
                                      int32_t dilation_h, int32_t dilation_w, int32_t pad_top,
                                      int32_t pad_left, int32_t out_h, int32_t out_w,
                                      int32_t output_offset, int32_t act_min, int32_t act_max,
                                      int8_t *scratch);

/*
 * FULLY_CONNECTED (semantics::fully_connected):
 *   output[b][o] = requant(sum_i weights[o][i] * (input[b][i] + input_offset) + bias[o])
 *
 *  input:       [batches][in_depth] (whatever the input tensor's shape)
 *  weights:     [out_depth][in_depth]
 *  bias:        [out_depth] or NULL
 *  multipliers, shifts: quant::fully_connected_multipliers. per_channel != 0: arrays of
 *               out_depth entries; per_channel == 0: only element [0] is read (per-tensor
 *               weights, where fully_connected_multipliers repeats one pair; note its scale
 *               product is taken in f32 there, which the compiler must keep).
 *  output:      [batches][out_depth]
 */
void tmlc_fully_connected_s8(const int8_t *input, int32_t batches, int32_t in_depth,
                             int32_t input_offset, const int8_t *weights, int32_t out_depth,
                             const int32_t *bias, const int32_t *multipliers,
                             const int32_t *shifts, int32_t per_channel, int8_t *output,
                             int32_t output_offset, int32_t act_min, int32_t act_max);

/*
 * AVERAGE_POOL_2D (semantics::average_pool2d). Input and output share quantization, so there is
 * no requantization: each output is the raw int8 sum of the taps inside the input divided by
 * their count n, rounded half away from zero ((sum + n/2) / n for sum > 0, else
 * (sum - n/2) / n, truncating division), then clamped to [act_min, act_max].
 *
 *  input:       [batches][in_h][in_w][channels]
 *  filter_*, stride_* >= 1; pad_top / pad_left: leading padding as for convolutions
 *  output:      [batches][out_h][out_w][channels]
 *  output_zero_point: only read for a window with no tap inside the input (impossible with
 *               TFLite SAME/VALID padding); the reference yields the zero point there.
 *
 * Windows of at most 2^24 taps (the int32 sum cannot overflow).
 */
void tmlc_avg_pool2d_s8(const int8_t *input, int32_t batches, int32_t in_h, int32_t in_w,
                        int32_t channels, int32_t filter_h, int32_t filter_w, int32_t stride_h,
                        int32_t stride_w, int32_t pad_top, int32_t pad_left, int8_t *output,
                        int32_t out_h, int32_t out_w, int32_t output_zero_point,
                        int32_t act_min, int32_t act_max);

/*
 * MAX_POOL_2D (semantics::max_pool2d): the maximum of the taps inside the input (-128 for a
 * window without one), clamped to [act_min, act_max]. Parameters as tmlc_avg_pool2d_s8.
 */
void tmlc_max_pool2d_s8(const int8_t *input, int32_t batches, int32_t in_h, int32_t in_w,
                        int32_t channels, int32_t filter_h, int32_t filter_w, int32_t stride_h,
                        int32_t stride_w, int32_t pad_top, int32_t pad_left, int8_t *output,
                        int32_t out_h, int32_t out_w, int32_t act_min, int32_t act_max);

/*
 * ADD of two same-shape tensors of size elements (semantics::add::AddParams::apply):
 *   x' = MBQM((x + input1_offset) * 2^left_shift, input1_multiplier, input1_shift)
 *   y' = MBQM((y + input2_offset) * 2^left_shift, input2_multiplier, input2_shift)
 *   out = clamp(MBQM(x' + y', output_multiplier, output_shift) + output_offset, act_min, act_max)
 * The parameters are the fields of add::AddParams::prepare in the same order (left_shift is
 * 20; multiplier/shift are the .multiplier/.shift of input1, input2, output).
 *
 * In place: output may be input1 and/or input2 (exactly the same pointer).
 */
void tmlc_add_s8(const int8_t *input1, const int8_t *input2, int8_t *output, int32_t size,
                 int32_t input1_offset, int32_t input2_offset, int32_t output_offset,
                 int32_t left_shift, int32_t input1_multiplier, int32_t input1_shift,
                 int32_t input2_multiplier, int32_t input2_shift, int32_t output_multiplier,
                 int32_t output_shift, int32_t act_min, int32_t act_max);

/*
 * A same-shape ADD by one lookup per element: output[i] = table[(input1[i] + 128) * 256 +
 * input2[i] + 128], the table (65,536 bytes) filled by the compiler from the reference
 * semantics for every pair of inputs. In place: output may be input1 and/or input2.
 */
void tmlc_add_table_s8(const int8_t *input1, const int8_t *input2, const int8_t *table,
                       int8_t *output, int32_t size);

/*
 * ADD with NumPy broadcasting over 4-D shapes (TFLM's BroadcastAdd4DSlow). dims1 and dims2 are
 * the input shapes right-aligned to 4-D with leading 1s; in each dimension they are equal or one
 * of them is 1. The output shape is the elementwise maximum, output[n][h][w][c] row-major.
 * Parameters and arithmetic as tmlc_add_s8.
 *
 * In place: output may be an input whose 4-D shape equals the output shape.
 */
void tmlc_add_broadcast4d_s8(const int8_t *input1, const int32_t dims1[4], const int8_t *input2,
                             const int32_t dims2[4], int8_t *output, int32_t input1_offset,
                             int32_t input2_offset, int32_t output_offset, int32_t left_shift,
                             int32_t input1_multiplier, int32_t input1_shift,
                             int32_t input2_multiplier, int32_t input2_shift,
                             int32_t output_multiplier, int32_t output_shift, int32_t act_min,
                             int32_t act_max);

/*
 * SUB of two same-shape tensors of size elements (semantics::sub::SubParams::apply): ADD's
 * arithmetic with the rescaled inputs subtracted,
 *   out = clamp(MBQM(x' - y', output_multiplier, output_shift) + output_offset, act_min, act_max)
 * with x' and y' as in tmlc_add_s8. The parameters are the fields of the AddParams inside
 * sub::SubParams::prepare (ADD's prepare, see sub.rs), in ADD's order.
 *
 * In place: output may be input1 and/or input2 (exactly the same pointer).
 */
void tmlc_sub_s8(const int8_t *input1, const int8_t *input2, int8_t *output, int32_t size,
                 int32_t input1_offset, int32_t input2_offset, int32_t output_offset,
                 int32_t left_shift, int32_t input1_multiplier, int32_t input1_shift,
                 int32_t input2_multiplier, int32_t input2_shift, int32_t output_multiplier,
                 int32_t output_shift, int32_t act_min, int32_t act_max);

/*
 * SUB with NumPy broadcasting over 4-D shapes (TFLM's BroadcastQuantSubSlow), with the shape
 * scheme of tmlc_add_broadcast4d_s8. Parameters and arithmetic as tmlc_sub_s8.
 *
 * In place: output may be an input whose 4-D shape equals the output shape.
 */
void tmlc_sub_broadcast4d_s8(const int8_t *input1, const int32_t dims1[4], const int8_t *input2,
                             const int32_t dims2[4], int8_t *output, int32_t input1_offset,
                             int32_t input2_offset, int32_t output_offset, int32_t left_shift,
                             int32_t input1_multiplier, int32_t input1_shift,
                             int32_t input2_multiplier, int32_t input2_shift,
                             int32_t output_multiplier, int32_t output_shift, int32_t act_min,
                             int32_t act_max);

/*
 * MUL of two same-shape tensors of size elements (semantics::mul::MulParams::apply):
 *   out = clamp(MBQM((x + input1_offset) * (y + input2_offset), output_multiplier, output_shift)
 *               + output_offset, act_min, act_max)
 * The parameters are the fields of mul::MulParams::prepare in the same order (output_multiplier
 * and output_shift are .output.multiplier / .output.shift, QuantizeMultiplier of
 * (f64)s1 * (f64)s2 / (f64)s_out). The offset product, MBQM's left shift (real multipliers
 * of 2^15 and more) and the output offset wrap modulo 2^32.
 *
 * In place: output may be input1 and/or input2 (exactly the same pointer).
 */
void tmlc_mul_s8(const int8_t *input1, const int8_t *input2, int8_t *output, int32_t size,
                 int32_t input1_offset, int32_t input2_offset, int32_t output_offset,
                 int32_t output_multiplier, int32_t output_shift, int32_t act_min,
                 int32_t act_max);

/*
 * MUL with NumPy broadcasting over 4-D shapes (TFLM's BroadcastMul4DSlow), with the same shape
 * scheme as tmlc_add_broadcast4d_s8: dims1 and dims2 are the input shapes right-aligned to 4-D
 * with leading 1s; in each dimension they are equal or one of them is 1 (a scalar or [1] input
 * is {1, 1, 1, 1}). The output shape is the elementwise maximum, output[n][h][w][c] row-major.
 * Parameters and arithmetic as tmlc_mul_s8.
 *
 * In place: output may be an input whose 4-D shape equals the output shape.
 */
void tmlc_mul_broadcast4d_s8(const int8_t *input1, const int32_t dims1[4], const int8_t *input2,
                             const int32_t dims2[4], int8_t *output, int32_t input1_offset,
                             int32_t input2_offset, int32_t output_offset,
                             int32_t output_multiplier, int32_t output_shift, int32_t act_min,
                             int32_t act_max);

/*
 * SOFTMAX over the last axis (semantics::softmax), output scale 1/256 and zero point -128.
 * input_multiplier, input_left_shift, diff_min: softmax::SoftmaxParams::prepare(beta,
 * input_scale). Per row: differences to the row maximum below diff_min give -128; the others go
 * through the gemmlowp exp (Q5.26 -> Q0.31), are summed in Q12.19, and
 * out = clamp(RDBPOT(SRDHM(1/sum, exp), num_bits_over_unit + 23) - 128).
 *
 *  input, output: [rows][depth]
 *
 * In place: output may be input (exactly the same pointer).
 */
void tmlc_softmax_s8(const int8_t *input, int32_t rows, int32_t depth, int32_t input_multiplier,
                     int32_t input_left_shift, int32_t diff_min, int8_t *output);

/*
 * LOG_SOFTMAX over the last axis (semantics::log_softmax), output scale 16/256 and zero point
 * 127. The parameters are the fields of log_softmax::LogSoftmaxParams::prepare(input_scale) in
 * order. Per row: the differences to the row maximum at or above diff_min are rescaled to Q5.26
 * (MBQM with input_multiplier, input_left_shift), exponentiated and summed in Q12.19 (modulo
 * 2^32); log_sum = tmlc_log_x_for_x_greater_than_or_equal_to_1(sum, 12, 5); an element whose
 * difference exceeds max(diff_min - 1, MBQM(log_sum + INT32_MIN, reverse_scaling_divisor,
 * -reverse_scaling_right_shift)) gives clamp(RDBPOT(rescaled - log_sum, 22) + 127), any other
 * -128.
 *
 *  input, output: [rows][depth]
 *
 * In place: output may be input (exactly the same pointer).
 */
void tmlc_log_softmax_s8(const int8_t *input, int32_t rows, int32_t depth,
                         int32_t input_multiplier, int32_t input_left_shift,
                         int32_t reverse_scaling_divisor, int32_t reverse_scaling_right_shift,
                         int32_t diff_min, int8_t *output);

/*
 * PAD / PADV2 over 4-D (semantics::pad): output dims d = in_dims[d] + pad_before[d] +
 * pad_after[d]; the input is copied at offset pad_before, everything else is pad_value (PADV2's
 * constant, else the output zero point). Lower ranks: right-align to 4-D with zero padding on
 * the added dimensions.
 */
void tmlc_pad_s8(const int8_t *input, const int32_t in_dims[4], const int32_t pad_before[4],
                 const int32_t pad_after[4], int8_t pad_value, int8_t *output);

/*
 * MEAN over the middle axis of an [outer][reduce][inner] view (semantics::mean, TFLite's
 * QuantizedMeanOrSum). Any set of contiguous reduced axes maps to this view; the spatial mean of
 * an NHWC tensor over H and W is outer = N, reduce = H * W, inner = C (keep_dims does not change
 * the data). For each output:
 *   out[o][i] = clamp(MBQM(sum_r input[o][r][i] - input_zero_point * reduce, multiplier, shift)
 *                     + output_zero_point, -128, 127)
 * (sum and subtraction modulo 2^32). multiplier/shift are the FOLDED pair of mean.rs, which
 * tmlc_mean_fold_multiplier computes from q = QuantizeMultiplier(input_scale / output_scale)
 * and n = reduce. reduce == 0 writes 0s (as the reference).
 *
 *  output: [outer][inner]
 */
void tmlc_mean_s8(const int8_t *input, int32_t outer, int32_t reduce, int32_t inner,
                  int32_t input_zero_point, int32_t multiplier, int32_t shift,
                  int32_t output_zero_point, int8_t *output);

/*
 * mean.rs's folding of 1/n into the multiplier (integer only; the compiler may use it or its
 * own copy of the formula):
 *   s = max(0, min(floor(log2 n), 32, 31 + q_shift))
 *   *multiplier = (int32_t)(((int64_t)q_multiplier << s) / n),  *shift = q_shift - s
 * n >= 1, q_multiplier >= 0.
 */
void tmlc_mean_fold_multiplier(int32_t q_multiplier, int32_t q_shift, int32_t n,
                               int32_t *multiplier, int32_t *shift);

/*
 * CONCATENATION along one axis (semantics::concat). Seen around the axis, input k is
 * [outer][axis_sizes[k]][inner] and the output is [outer][sum of axis_sizes][inner]; for each
 * outer index the inputs' slices are written one after the other.
 *
 *  luts: NULL (every input is copied), or one pointer per input: NULL copies input k (its
 *        quantization equals the output's: TFLM's case), otherwise a 256-entry table with
 *        lut[q + 128] = the output value for input value q. concat.rs requantizes differing
 *        inputs in f32 (TFLite's ConcatenationWithScaling), which integer math cannot
 *        reproduce exactly, so the compiler tabulates it: lut = semantics::concat of the one
 *        input [-128, -127, .., 127] (shape [256], the input's scale and zero point) into
 *        an output of shape [256] with the output's scale and zero point.
 */
void tmlc_concat_s8(const int8_t *const *inputs, const int32_t *axis_sizes,
                    const int8_t *const *luts, int32_t num_inputs, int32_t outer, int32_t inner,
                    int8_t *output);

/*
 * RELU / RELU6 with unchanged quantization (semantics::activation::clamp_activation): every
 * value clamped to [act_min, act_max] (quant::activation_range of the input's quantization).
 * In place: output may be input.
 */
void tmlc_clamp_s8(const int8_t *input, int8_t *output, int32_t size, int32_t act_min,
                   int32_t act_max);

/*
 * int8 -> int8 QUANTIZE (semantics::activation::requantize):
 *   out = clamp(MBQM(x - input_zero_point, multiplier, shift) + output_zero_point, -128, 127)
 * with (multiplier, shift) = QuantizeMultiplier((f64)input_scale / (f64)output_scale).
 * In place: output may be input.
 */
void tmlc_requantize_s8(const int8_t *input, int8_t *output, int32_t size,
                        int32_t input_zero_point, int32_t multiplier, int32_t shift,
                        int32_t output_zero_point);

/*
 * TRANSPOSE (semantics::transpose, TFLite's reference Transpose): output axis d is input axis
 * perm[d], so output dims d = in_dims[perm[d]], and the output is written in row-major order,
 * element [i0..i4] read from the input element whose coordinate along perm[d] is i[d]. Ranks
 * below 5: right-align the dims with leading 1s and prepend identity axes to perm (a rank-k
 * perm p becomes 0, .., 4 - k, then p + 5 - k).
 *
 *  perm: a permutation of 0..4
 * A table lookup per element, output[i] = table[input[i] + 128]: the kernel of the ops whose
 * result element is a pure function of one int8 input element (HARD_SWISH, LOGISTIC, TANH,
 * LEAKY_RELU). The compiler fills the table from the reference semantics (each op's
 * lookup_table interface: the results for the inputs -128..127, in order).
 * In place: output may be input.
 */
void tmlc_lut_s8(const int8_t *input, const int8_t table[256], int8_t *output, int32_t size);

/*
 * RESHAPE needs no kernel: the data is unchanged (row-major). Generated code aliases the
 * buffer or copies it with memcpy/memmove.
 */
void tmlc_transpose_s8(const int8_t *input, const int32_t in_dims[5], const int32_t perm[5],
                       int8_t *output);

/*
 * RESIZE_NEAREST_NEIGHBOR (semantics::resize_nearest_neighbor): output pixel [b][y][x] is input
 * pixel [b][rows[y]][cols[x]] (all depth channels). TFLM computes the source indices in float;
 * the compiler tabulates them with resize_nearest_neighbor::nearest_source_index, so no
 * floating point is needed here.
 *
 *  input:  [batches][in_h][in_w][depth]
 *  rows:   [out_h], each in [0, in_h);  cols: [out_w], each in [0, in_w)
 *  output: [batches][out_h][out_w][depth]
 */
void tmlc_resize_nearest_neighbor_s8(const int8_t *input, int32_t batches, int32_t in_h,
                                     int32_t in_w, int32_t depth, const int32_t *rows,
                                     const int32_t *cols, int8_t *output, int32_t out_h,
                                     int32_t out_w);

/*
 * STRIDED_SLICE over 4-D (semantics::strided_slice): along axis d the slice visits the input
 * coordinates start[d] + k * stride[d] for k in [0, count[d]), and the output holds every
 * visited element in row-major order (count[0] * .. * count[3] elements; shrunk axes are the
 * output shape's business, not the data's). start/stride/count are
 * StridedSliceParams::axes (the masks and negative indices already resolved); strides may be
 * negative. Lower ranks: right-align in_dims with leading 1s and add axes with start 0,
 * stride 1, count 1.
 */
void tmlc_strided_slice_s8(const int8_t *input, const int32_t in_dims[4], const int32_t start[4],
                           const int32_t stride[4], const int32_t count[4], int8_t *output);

/*
 * RESHAPE and SQUEEZE need no kernel: the data is unchanged (row-major). Generated code aliases
 * the buffer or copies it with memcpy/memmove.
 */

/*
 * The float32 edges (semantics::float_edges), in IEEE single precision, without libm.
 * QUANTIZE float32 -> int8: output[i] = clamp(round(input[i] / scale) + zero_point, -128, 127),
 * the division in single precision, round half away from zero; NaN gives zero_point.
 * DEQUANTIZE int8 -> float32: output[i] = scale * (input[i] - zero_point).
 * scale is the tensor's float scale, bit for bit (the compiler writes it as a float literal that
 * round-trips).
 */
void tmlc_quantize_f32_s8(const float *input, int8_t *output, int32_t size, float scale,
                          int32_t zero_point);
void tmlc_dequantize_s8_f32(const int8_t *input, float *output, int32_t size, float scale,
                            int32_t zero_point);

/*
 * Float32 LOG_SOFTMAX over the last axis (semantics::log_softmax_f32), rows of depth values:
 * out = x - max(row) - logf(sum of expf(x - max(row)) in order). May run in place. Needs the C
 * library's expf and logf (-lm): the results are those of the platform's libm.
 */
void tmlc_log_softmax_f32(const float *input, int32_t rows, int32_t depth, float *output);

/*
 * UNIDIRECTIONAL_SEQUENCE_LSTM, int8 in and out, int16 gates and cell state (semantics::lstm,
 * TFLite Micro's integer kernel). The parameters are those of lstm::LstmParams::prepare.
 */
typedef struct {
    int32_t batches, time_steps, input_depth, state_depth;
    /* Input [time][batch][input] (else [batch][time][input]); the output likewise. */
    int32_t time_major;
    int32_t input_offset;      /* -input zero point */
    int32_t hidden_zero_point; /* the int8 hidden state's */
    /* Gate order input, forget, cell, output: weights[g] the input weights [state][input],
     * weights[4 + g] the recurrent weights [state][state], biases[g] [state]. */
    const int8_t *weights[8];
    const int32_t *biases[4];
    /* The fully-connected multipliers and shifts in the order of weights[]. */
    int32_t fc_multipliers[8];
    int32_t fc_shifts[8];
    int32_t forget_cell_multiplier, forget_cell_shift; /* forget gate x cell -> cell */
    int32_t input_mul_multiplier, input_mul_shift;     /* input gate x cell gate -> cell */
    int32_t output_mul_multiplier, output_mul_shift;   /* tanh(cell) x output gate -> hidden */
    int32_t has_cell_clip, cell_clip;                  /* clip the cell to +-cell_clip */
    int32_t cell_tanh_multiplier, cell_tanh_shift;     /* tmlc_tanh_s16's for the cell state */
    int32_t cell_gate_logistic;                        /* the cell gate's act: 0 tanh */
} tmlc_lstm_params;

/* Bytes of the work buffer of tmlc_lstm_s8 and tmlc_lstm_s8_dsp for input depth i and state
 * depth s: four int16 vectors of s, and the DSP kernel's widened input row and hidden state
 * (two bytes per element, in whole groups of four). */
#define TMLC_LSTM_S8_WORK(i, s) (8 * (s) + 2 * ((i) / 4 * 4) + 2 * ((s) / 4 * 4))

/*
 *  cell_state:   [batches][state_depth] int16, hidden_state: [batches][state_depth] int8: read
 *                and updated (they persist between calls; the caller resets them)
 *  work:         TMLC_LSTM_S8_WORK(input_depth, state_depth) bytes, 4-byte aligned
 *  output:       [batches * time_steps][state_depth], the hidden state of every step
 */
void tmlc_lstm_s8(const int8_t *input, const tmlc_lstm_params *params, int16_t *cell_state,
                  int8_t *hidden_state, int16_t *work, int8_t *output);

/* TFLite's int16 LOGISTIC (Q3.12 in, Q0.15 out, the power-of-two case: input x 3) and TANH
 * (input_multiplier 0 means 3 << input_left_shift), as the LSTM calls them. */
int16_t tmlc_logistic_s16(int16_t x);
int16_t tmlc_tanh_s16(int16_t x, int32_t input_multiplier, int32_t input_left_shift);

#ifdef __cplusplus
}
#endif

#endif /* TMLC_KERNELS_H */
