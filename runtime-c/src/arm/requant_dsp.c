/*
 * tmlc runtime, Arm DSP kernels: the generic requantization (owns tmlc_dsp_generic).
 *
 * The exact double-rounding MultiplyByQuantizedMultiplier of internal.h for the channels the
 * fast path of dsp_internal.h does not cover (left shifts, shifts -1 and below -22, negative
 * multipliers, output offsets beyond +-128). Kept out of line so that the kernels' hot loops,
 * which almost never take it, do not pay for its registers.
 */
#include "dsp_internal.h"

int32_t tmlc_dsp_generic(uint32_t acc, int32_t multiplier, int32_t shift, int32_t output_offset)
{
    return tmlc_i_add_wrap(tmlc_i_mbqm(tmlc_i_s32(acc), multiplier, shift), output_offset);
}
