/*
 * tmlc runtime: int8 ADD and SUB (owns tmlc_add_s8, tmlc_add_broadcast4d_s8, tmlc_sub_s8 and
 * tmlc_sub_broadcast4d_s8).
 *
 * Mirrors dialects/tinyml/src/semantics/add.rs (TFLM's AddFunc with the OpDataAdd of
 * CalculateOpDataAdd): both offset inputs shifted left by left_shift (20), each rescaled to the
 * common scale, summed, rescaled to the output scale (three double-rounding multiplies), output
 * offset, clamp. SUB (semantics/sub.rs, TFLM's SubElementwise / BroadcastQuantSubSlow) is the
 * same with the two rescaled inputs subtracted; its parameters differ only in how the compiler
 * derives them. The broadcast variants walk the 4-D output and read the inputs with stride 0
 * along their size-1 dimensions (TFLM's BroadcastAdd4DSlow).
 */
#include "tmlc/kernels.h"

#include "internal.h"

typedef struct {
    int32_t input1_offset;
    int32_t input2_offset;
    int32_t output_offset;
    int32_t left_shift;
    int32_t input1_multiplier;
    int32_t input1_shift;
    int32_t input2_multiplier;
    int32_t input2_shift;
    int32_t output_multiplier;
    int32_t output_shift;
    int32_t act_min;
    int32_t act_max;
    int subtract; /* SUB: the rescaled second input is subtracted */
} add_params;

/* The parameters of the kernels, in AddParams::prepare's order. */
static add_params make_params(int32_t input1_offset, int32_t input2_offset, int32_t output_offset,
                              int32_t left_shift, int32_t input1_multiplier, int32_t input1_shift,
                              int32_t input2_multiplier, int32_t input2_shift,
                              int32_t output_multiplier, int32_t output_shift, int32_t act_min,
                              int32_t act_max, int subtract)
{
    add_params p;
    p.input1_offset = input1_offset;
    p.input2_offset = input2_offset;
    p.output_offset = output_offset;
    p.left_shift = left_shift;
    p.input1_multiplier = input1_multiplier;
    p.input1_shift = input1_shift;
    p.input2_multiplier = input2_multiplier;
    p.input2_shift = input2_shift;
    p.output_multiplier = output_multiplier;
    p.output_shift = output_shift;
    p.act_min = act_min;
    p.act_max = act_max;
    p.subtract = subtract;
    return p;
}

/* AddParams::apply, or SubParams::apply when p->subtract. The shifted inputs wrap modulo 2^32
 * like the reference's wrapping_mul. */
static inline int8_t add_one(const add_params *p, int8_t x, int8_t y)
{
    const int32_t shift = p->left_shift < 0 ? 0 : (p->left_shift > 31 ? 31 : p->left_shift);
    const int32_t xs = tmlc_i_s32(((uint32_t)x + (uint32_t)p->input1_offset) << shift);
    const int32_t ys = tmlc_i_s32(((uint32_t)y + (uint32_t)p->input2_offset) << shift);
    const int32_t sx = tmlc_i_mbqm(xs, p->input1_multiplier, p->input1_shift);
    const int32_t sy = tmlc_i_mbqm(ys, p->input2_multiplier, p->input2_shift);
    const int32_t combined = p->subtract ? tmlc_i_sub_wrap(sx, sy) : tmlc_i_add_wrap(sx, sy);
    const int32_t raw = tmlc_i_mbqm(combined, p->output_multiplier, p->output_shift);
    return tmlc_i_clamp_s8(tmlc_i_add_wrap(raw, p->output_offset), p->act_min, p->act_max);
}

/* The loops of both ops; inline, so that each kernel's constant p->subtract folds away. */
static inline void same_shape(const add_params *p, const int8_t *input1, const int8_t *input2,
                       int8_t *output, int32_t size)
{
    int32_t i;
    for (i = 0; i < size; ++i) {
        output[i] = add_one(p, input1[i], input2[i]);
    }
}

static inline void broadcast4d(const add_params *p, const int8_t *input1, const int32_t dims1[4],
                        const int8_t *input2, const int32_t dims2[4], int8_t *output)
{
    int32_t out[4];
    int32_t s1[4]; /* element strides of the inputs along each output dimension (0: broadcast) */
    int32_t s2[4];
    int32_t stride1 = 1;
    int32_t stride2 = 1;
    int32_t d, i0, i1, i2, i3;
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
                    *output++ = add_one(p, x[i3 * s1[3]], y[i3 * s2[3]]);
                }
            }
        }
    }
}

void tmlc_add_s8(const int8_t *input1, const int8_t *input2, int8_t *output, int32_t size,
                 int32_t input1_offset, int32_t input2_offset, int32_t output_offset,
                 int32_t left_shift, int32_t input1_multiplier, int32_t input1_shift,
                 int32_t input2_multiplier, int32_t input2_shift, int32_t output_multiplier,
                 int32_t output_shift, int32_t act_min, int32_t act_max)
{
    const add_params p =
        make_params(input1_offset, input2_offset, output_offset, left_shift, input1_multiplier,
                    input1_shift, input2_multiplier, input2_shift, output_multiplier, output_shift,
                    act_min, act_max, 0);
    same_shape(&p, input1, input2, output, size);
}

void tmlc_add_broadcast4d_s8(const int8_t *input1, const int32_t dims1[4], const int8_t *input2,
                             const int32_t dims2[4], int8_t *output, int32_t input1_offset,
                             int32_t input2_offset, int32_t output_offset, int32_t left_shift,
                             int32_t input1_multiplier, int32_t input1_shift,
                             int32_t input2_multiplier, int32_t input2_shift,
                             int32_t output_multiplier, int32_t output_shift, int32_t act_min,
                             int32_t act_max)
{
    const add_params p =
        make_params(input1_offset, input2_offset, output_offset, left_shift, input1_multiplier,
                    input1_shift, input2_multiplier, input2_shift, output_multiplier, output_shift,
                    act_min, act_max, 0);
    broadcast4d(&p, input1, dims1, input2, dims2, output);
}

void tmlc_sub_s8(const int8_t *input1, const int8_t *input2, int8_t *output, int32_t size,
                 int32_t input1_offset, int32_t input2_offset, int32_t output_offset,
                 int32_t left_shift, int32_t input1_multiplier, int32_t input1_shift,
                 int32_t input2_multiplier, int32_t input2_shift, int32_t output_multiplier,
                 int32_t output_shift, int32_t act_min, int32_t act_max)
{
    const add_params p =
        make_params(input1_offset, input2_offset, output_offset, left_shift, input1_multiplier,
                    input1_shift, input2_multiplier, input2_shift, output_multiplier, output_shift,
                    act_min, act_max, 1);
    same_shape(&p, input1, input2, output, size);
}

void tmlc_sub_broadcast4d_s8(const int8_t *input1, const int32_t dims1[4], const int8_t *input2,
                             const int32_t dims2[4], int8_t *output, int32_t input1_offset,
                             int32_t input2_offset, int32_t output_offset, int32_t left_shift,
                             int32_t input1_multiplier, int32_t input1_shift,
                             int32_t input2_multiplier, int32_t input2_shift,
                             int32_t output_multiplier, int32_t output_shift, int32_t act_min,
                             int32_t act_max)
{
    const add_params p =
        make_params(input1_offset, input2_offset, output_offset, left_shift, input1_multiplier,
                    input1_shift, input2_multiplier, input2_shift, output_multiplier, output_shift,
                    act_min, act_max, 1);
    broadcast4d(&p, input1, dims1, input2, dims2, output);
}
