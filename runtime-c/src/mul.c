/*
 * tmlc runtime: int8 MUL (owns tmlc_mul_s8 and tmlc_mul_broadcast4d_s8).
 *
 * Mirrors dialects/tinyml/src/semantics/mul.rs (TFLM's MulElementwise / BroadcastMul4DSlow with
 * the OpDataMul of CalculateOpDataMul): the two offset inputs multiplied in int32, rescaled to
 * the output scale by one double-rounding multiply, output offset, clamp. The broadcast variant
 * walks the 4-D output and reads the inputs with stride 0 along their size-1 dimensions, as
 * tmlc_add_broadcast4d_s8 does.
 */
#include "tmlc/kernels.h"

#include "internal.h"

typedef struct {
    uint32_t input1_offset; /* kept modulo 2^32: the product wraps like the reference's */
    uint32_t input2_offset;
    int32_t output_offset;
    int32_t output_multiplier;
    int32_t output_shift;
    int32_t act_min;
    int32_t act_max;
} mul_params;

/* The parameters of both kernels, in MulParams::prepare's order. */
static mul_params make_params(int32_t input1_offset, int32_t input2_offset, int32_t output_offset,
                              int32_t output_multiplier, int32_t output_shift, int32_t act_min,
                              int32_t act_max)
{
    mul_params p;
    p.input1_offset = (uint32_t)input1_offset;
    p.input2_offset = (uint32_t)input2_offset;
    p.output_offset = output_offset;
    p.output_multiplier = output_multiplier;
    p.output_shift = output_shift;
    p.act_min = act_min;
    p.act_max = act_max;
    return p;
}

/* MulParams::apply: (x + off1) * (y + off2) with wrapping_add / wrapping_mul (uint32_t), then
 * clamp(MBQM(product) + output_offset) with a wrapping add (tmlc_i_requant_s8). */
static inline int8_t mul_one(const mul_params *p, int8_t x, int8_t y)
{
    const uint32_t product = ((uint32_t)x + p->input1_offset) * ((uint32_t)y + p->input2_offset);
    return tmlc_i_requant_s8(product, p->output_multiplier, p->output_shift, p->output_offset,
                             p->act_min, p->act_max);
}

void tmlc_mul_s8(const int8_t *input1, const int8_t *input2, int8_t *output, int32_t size,
                 int32_t input1_offset, int32_t input2_offset, int32_t output_offset,
                 int32_t output_multiplier, int32_t output_shift, int32_t act_min,
                 int32_t act_max)
{
    mul_params p;
    int32_t i;
    p = make_params(input1_offset, input2_offset, output_offset, output_multiplier, output_shift,
                    act_min, act_max);
    for (i = 0; i < size; ++i) {
        output[i] = mul_one(&p, input1[i], input2[i]);
    }
}

void tmlc_mul_broadcast4d_s8(const int8_t *input1, const int32_t dims1[4], const int8_t *input2,
                             const int32_t dims2[4], int8_t *output, int32_t input1_offset,
                             int32_t input2_offset, int32_t output_offset,
                             int32_t output_multiplier, int32_t output_shift, int32_t act_min,
                             int32_t act_max)
{
    mul_params p;
    int32_t out[4];
    int32_t s1[4]; /* element strides of the inputs along each output dimension (0: broadcast) */
    int32_t s2[4];
    int32_t stride1 = 1;
    int32_t stride2 = 1;
    int32_t d, i0, i1, i2, i3;
    p = make_params(input1_offset, input2_offset, output_offset, output_multiplier, output_shift,
                    act_min, act_max);
    for (d = 3; d >= 0; --d) {
        out[d] = dims1[d] == 1 ? dims2[d] : dims1[d];
        s1[d] = dims1[d] == 1 ? 0 : stride1;
        s2[d] = dims2[d] == 1 ? 0 : stride2;
        stride1 *= dims1[d];
        stride2 *= dims2[d];
    }
    for (i0 = 0; i0 < out[0]; ++i0) {
        for (i1 = 0; i1 < out[1]; ++i1) {
            for (i2 = 0; i2 < out[2]; ++i2) {
                const int8_t *x = input1 + i0 * s1[0] + i1 * s1[1] + i2 * s1[2];
                const int8_t *y = input2 + i0 * s2[0] + i1 * s2[1] + i2 * s2[2];
                for (i3 = 0; i3 < out[3]; ++i3) {
                    *output++ = mul_one(&p, x[i3 * s1[3]], y[i3 * s2[3]]);
                }
            }
        }
    }
}
