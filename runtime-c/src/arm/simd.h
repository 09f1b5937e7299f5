/*
 * tmlc runtime, Arm DSP kernels: the SIMD primitives (private header, not API).
 *
 * Owns the few Armv7E-M / Armv8-M DSP-extension instructions the *_dsp kernels use, as static
 * inline functions on 32-bit words (uint32_t) that hold two int16 halfwords or four int8 bytes.
 * With __ARM_FEATURE_DSP they are the ACLE intrinsics of <arm_acle.h> (one instruction each);
 * otherwise they are portable C99 emulations of exactly the same results, so the kernels run
 * and are tested on the host (make test-arm) and on the target (make test-arm-qemu).
 *
 * Semantics (ACLE; lanes are little-endian: halfword 0 / byte 0 is the least significant):
 *   sxtb16(x)        halfwords (sext(x.b0), sext(x.b2))
 *   sxtb16_ror8(x)   halfwords (sext(x.b1), sext(x.b3))      (SXTB16 with ROR #8)
 *   sadd16(x, y)     halfword-wise x + y modulo 2^16          (the GE flags are not used)
 *   smlad(x, y, a)   a + x.h0 * y.h0 + x.h1 * y.h1 modulo 2^32 (SMLAD sets Q on overflow; the
 *                    result wraps, which is what the kernels need)
 *   smlabb / smlabt / smlatb / smlatt (x, y, a)
 *                    a + x.h? * y.h? modulo 2^32 (b = bottom halfword h0, t = top h1)
 *   pkhbt(x, y)      halfwords (x.h0, y.h0)  (PKHBT x, y, LSL #16)
 *   pkhtt(x, y)      halfwords (x.h1, y.h1)  (PKHTB y, x, ASR #16)
 *   pack16(lo, hi)   halfwords (lo, hi) of two int16 values
 *   ssat8(v)         v saturated to [-128, 127]
 *   smmlar(x, y, a)  (a * 2^32 + x * y + 2^31) >> 32, the rounded high word (SMMLAR)
 *   TMLC_ARM_LDRD(p, off, lo, hi)
 *                    lo = p[off / 4], hi = p[off / 4 + 1] for a 4-byte aligned uint32_t *p and
 *                    a constant byte offset off: one LDRD (GCC splits 64-bit loads of
 *                    4-aligned data into two LDR, so the ARM path is an asm statement)
 *   load32(p)        the little-endian 32-bit word at p, any alignment (Cortex-M3 and later
 *                    allow unaligned LDR; the ARM path is a memcpy that compiles to one LDR)
 *
 * Every emulation uses unsigned arithmetic and explicit sign extension, so it has no
 * implementation-defined or undefined behaviour. The ARM path converts uint32_t to the
 * int32_t operands of ACLE, which GCC and Clang define as modulo 2^32.
 */
#ifndef TMLC_ARM_SIMD_H
#define TMLC_ARM_SIMD_H

#include <stdint.h>

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#define TMLC_ARM_HAVE_DSP 1
#include <arm_acle.h>
#else
#define TMLC_ARM_HAVE_DSP 0
#endif

#define TMLC_ARM_INLINE static inline

/* Sign-extends the low 16 / 8 bits of u to an int32_t without implementation-defined casts. */
TMLC_ARM_INLINE int32_t tmlc_arm_s16(uint32_t u)
{
    return (int32_t)((u & 0xFFFFu) ^ 0x8000u) - 0x8000;
}

TMLC_ARM_INLINE int32_t tmlc_arm_s8(uint32_t u)
{
    return (int32_t)((u & 0xFFu) ^ 0x80u) - 0x80;
}

/* The int32_t with the bit pattern u. */
TMLC_ARM_INLINE int32_t tmlc_arm_s32_of(uint32_t u)
{
    return u <= 0x7FFFFFFFu ? (int32_t)u : (int32_t)(u - 0x80000000u) - 0x7FFFFFFF - 1;
}

#if TMLC_ARM_HAVE_DSP

TMLC_ARM_INLINE uint32_t tmlc_arm_load32(const void *p)
{
    uint32_t v;
    __builtin_memcpy(&v, p, 4);
    return v;
}

TMLC_ARM_INLINE void tmlc_arm_store32(void *p, uint32_t v)
{
    __builtin_memcpy(p, &v, 4);
}

TMLC_ARM_INLINE uint32_t tmlc_arm_sxtb16(uint32_t x)
{
    return (uint32_t)__sxtb16((int32_t)x);
}

TMLC_ARM_INLINE uint32_t tmlc_arm_sxtb16_ror8(uint32_t x)
{
    /* GCC 12 does not fold __sxtb16(__ror(x, 8)) into one instruction. */
    uint32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}

TMLC_ARM_INLINE uint32_t tmlc_arm_sadd16(uint32_t x, uint32_t y)
{
    return (uint32_t)__sadd16((int32_t)x, (int32_t)y);
}

TMLC_ARM_INLINE uint32_t tmlc_arm_smlad(uint32_t x, uint32_t y, uint32_t acc)
{
    return (uint32_t)__smlad((int32_t)x, (int32_t)y, (int32_t)acc);
}

TMLC_ARM_INLINE uint32_t tmlc_arm_smlabb(uint32_t x, uint32_t y, uint32_t acc)
{
    return (uint32_t)__smlabb((int32_t)x, (int32_t)y, (int32_t)acc);
}

TMLC_ARM_INLINE uint32_t tmlc_arm_smlabt(uint32_t x, uint32_t y, uint32_t acc)
{
    return (uint32_t)__smlabt((int32_t)x, (int32_t)y, (int32_t)acc);
}

TMLC_ARM_INLINE uint32_t tmlc_arm_smlatb(uint32_t x, uint32_t y, uint32_t acc)
{
    return (uint32_t)__smlatb((int32_t)x, (int32_t)y, (int32_t)acc);
}

TMLC_ARM_INLINE uint32_t tmlc_arm_smlatt(uint32_t x, uint32_t y, uint32_t acc)
{
    return (uint32_t)__smlatt((int32_t)x, (int32_t)y, (int32_t)acc);
}

TMLC_ARM_INLINE int32_t tmlc_arm_ssat8(int32_t v)
{
    return __ssat(v, 8);
}

TMLC_ARM_INLINE int32_t tmlc_arm_smmlar(int32_t x, int32_t y, int32_t a)
{
    /* Not in GCC 12's <arm_acle.h>. */
    int32_t r;
    __asm__("smmlar %0, %1, %2, %3" : "=r"(r) : "r"(x), "r"(y), "r"(a));
    return r;
}

#define TMLC_ARM_LDRD(p, off, lo, hi)                                                         \
    __asm__("ldrd %0, %1, [%2, #" #off "]"                                                   \
            : "=r"(lo), "=r"(hi)                                                              \
            : "r"(p), "m"(*(const uint32_t(*)[2])((p) + (off) / 4)))

#else /* portable emulation */

TMLC_ARM_INLINE uint32_t tmlc_arm_load32(const void *p)
{
    const unsigned char *b = (const unsigned char *)p;
    return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) |
           ((uint32_t)b[3] << 24);
}

TMLC_ARM_INLINE void tmlc_arm_store32(void *p, uint32_t v)
{
    unsigned char *b = (unsigned char *)p;
    b[0] = (unsigned char)(v & 0xFFu);
    b[1] = (unsigned char)((v >> 8) & 0xFFu);
    b[2] = (unsigned char)((v >> 16) & 0xFFu);
    b[3] = (unsigned char)(v >> 24);
}

TMLC_ARM_INLINE uint32_t tmlc_arm_sxtb16(uint32_t x)
{
    uint32_t lo = (uint32_t)tmlc_arm_s8(x) & 0xFFFFu;
    uint32_t hi = (uint32_t)tmlc_arm_s8(x >> 16) & 0xFFFFu;
    return lo | (hi << 16);
}

TMLC_ARM_INLINE uint32_t tmlc_arm_sxtb16_ror8(uint32_t x)
{
    return tmlc_arm_sxtb16((x >> 8) | (x << 24));
}

TMLC_ARM_INLINE uint32_t tmlc_arm_sadd16(uint32_t x, uint32_t y)
{
    uint32_t lo = (x + y) & 0xFFFFu;
    uint32_t hi = ((x >> 16) + (y >> 16)) & 0xFFFFu;
    return lo | (hi << 16);
}

/* The product of two sign-extended halfwords as a uint32_t (modulo 2^32). */
TMLC_ARM_INLINE uint32_t tmlc_arm_mul16(uint32_t x, uint32_t y)
{
    return (uint32_t)(tmlc_arm_s16(x) * tmlc_arm_s16(y));
}

TMLC_ARM_INLINE uint32_t tmlc_arm_smlad(uint32_t x, uint32_t y, uint32_t acc)
{
    return acc + tmlc_arm_mul16(x, y) + tmlc_arm_mul16(x >> 16, y >> 16);
}

TMLC_ARM_INLINE uint32_t tmlc_arm_smlabb(uint32_t x, uint32_t y, uint32_t acc)
{
    return acc + tmlc_arm_mul16(x, y);
}

TMLC_ARM_INLINE uint32_t tmlc_arm_smlabt(uint32_t x, uint32_t y, uint32_t acc)
{
    return acc + tmlc_arm_mul16(x, y >> 16);
}

TMLC_ARM_INLINE uint32_t tmlc_arm_smlatb(uint32_t x, uint32_t y, uint32_t acc)
{
    return acc + tmlc_arm_mul16(x >> 16, y);
}

TMLC_ARM_INLINE uint32_t tmlc_arm_smlatt(uint32_t x, uint32_t y, uint32_t acc)
{
    return acc + tmlc_arm_mul16(x >> 16, y >> 16);
}

TMLC_ARM_INLINE int32_t tmlc_arm_ssat8(int32_t v)
{
    return v < -128 ? -128 : (v > 127 ? 127 : v);
}

TMLC_ARM_INLINE int32_t tmlc_arm_smmlar(int32_t x, int32_t y, int32_t a)
{
    /* The 64-bit sum is kept in uint64_t (wrapping), then its high word is read back. */
    const uint64_t sum = ((uint64_t)(uint32_t)a << 32) + (uint64_t)((int64_t)x * y) + 0x80000000u;
    return tmlc_arm_s32_of((uint32_t)(sum >> 32));
}

#define TMLC_ARM_LDRD(p, off, lo, hi)                                                         \
    do {                                                                                      \
        (lo) = (p)[(off) / 4];                                                                \
        (hi) = (p)[(off) / 4 + 1];                                                            \
    } while (0)

#endif /* TMLC_ARM_HAVE_DSP */

/* (x.h0, y.h0): PKHBT x, y, LSL #16 (compilers emit PKHBT for this pattern). */
TMLC_ARM_INLINE uint32_t tmlc_arm_pkhbt(uint32_t x, uint32_t y)
{
    return (x & 0xFFFFu) | (y << 16);
}

/* (x.h1, y.h1): the top halfwords of x and y, PKHTB y, x, ASR #16. */
TMLC_ARM_INLINE uint32_t tmlc_arm_pkhtt(uint32_t x, uint32_t y)
{
    return (x >> 16) | (y & 0xFFFF0000u);
}

/* Two int16 values packed as halfwords (lo, hi). */
TMLC_ARM_INLINE uint32_t tmlc_arm_pack16(int32_t lo, int32_t hi)
{
    return ((uint32_t)lo & 0xFFFFu) | ((uint32_t)hi << 16);
}

#endif /* TMLC_ARM_SIMD_H */
