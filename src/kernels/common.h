/* common.h - what the kernel sets of every ISA share, inline: the checked element readers
 * and scalar tails of the default format's kernels, and python-0.1's clamped counts and
 * scalar block kernels (which the SIMD sets use for tails and unusual blocks). */
#ifndef DC_KERNELS_COMMON_H
#define DC_KERNELS_COMMON_H

#include <stdint.h>
#include <string.h>

#include "dtype.h"
#include "kernels/kernels.h"

#define DC_CAT_(a, b) a##b
#define DC_CAT(a, b) DC_CAT_(a, b)

/* ==== default format ==================================================================== */

/* Checked element readers: *u = floor(p_i * 2^32), returns 0 when p_i is not in [+0, 1). */
static inline int dc_elem_f32(const unsigned char *p, size_t i, uint32_t *u)
{
    uint32_t b;
    memcpy(&b, p + 4 * i, 4);
    *u = b < DC_ONE_F32 ? dc_u32_f32(b) : 0;
    return b < DC_ONE_F32;
}

static inline int dc_elem_f64(const unsigned char *p, size_t i, uint32_t *u)
{
    uint64_t b;
    memcpy(&b, p + 8 * i, 8);
    *u = dc_u32_f64(b);
    return b < DC_ONE_F64;
}

static inline int dc_elem_f16(const unsigned char *p, size_t i, uint32_t *u)
{
    uint16_t b;
    memcpy(&b, p + 2 * i, 2);
    *u = b < DC_ONE_F16 ? dc_u32_f16(b) : 0;
    return b < DC_ONE_F16;
}

static inline int dc_elem_bf16(const unsigned char *p, size_t i, uint32_t *u)
{
    uint16_t b;
    memcpy(&b, p + 2 * i, 2);
    *u = b < DC_ONE_BF16 ? dc_u32_bf16(b) : 0;
    return b < DC_ONE_BF16;
}

/* dc_tail_<dt>(p, from, count, s): adds the elements [from, count) of p to *s; returns 0
   when one is not in [+0, 1). */
#define DC_DEFINE_TAIL(dt)                                                                     \
    static inline int dc_tail_##dt(const unsigned char *p, size_t from, size_t count,          \
                                   uint64_t *s)                                                \
    {                                                                                          \
        uint64_t acc = 0;                                                                      \
        for (size_t i = from; i < count; i++) {                                                \
            uint32_t u;                                                                        \
            if (!dc_elem_##dt(p, i, &u))                                                       \
                return 0;                                                                      \
            acc += u;                                                                          \
        }                                                                                      \
        *s += acc;                                                                             \
        return 1;                                                                              \
    }
DC_DEFINE_TAIL(f32)
DC_DEFINE_TAIL(f64)
DC_DEFINE_TAIL(f16)
DC_DEFINE_TAIL(bf16)

/* ==== python-0.1 ======================================================================== */

#define DC_PY01_TOTAL ((uint64_t)1 << 32)

/* Per-element clamped counts min(max(trunc(p * 2^32), 1), 2^32) from the bits. For p < 1
   the value p * 2^32 < 2^32 is the 32-bit "top-aligned" mantissa (implicit bit at bit 31)
   shifted right by (exponent of 0.5) - exponent; shifts of 32 or more give 0. The sign is
   ignored here (negative values are refused before a count is used). */
static inline uint64_t dc_py01_clamp_top(uint32_t top, uint32_t sh, uint32_t at_least_one)
{
    /* Masks instead of selects: compilers turn `sh < 32 ? ... : 0` into a branch that
       mispredicts on real distributions (some values are below 2^-32, some not). */
    uint32_t q = (top >> (sh & 31)) & (0u - (uint32_t)(sh < 32));
    q += q == 0;
    const uint64_t big = 0 - (uint64_t)at_least_one;
    return (q & ~big) | (DC_PY01_TOTAL & big);
}

static inline uint64_t dc_py01_cl_f32(uint32_t b)
{
    const uint32_t mag = b & 0x7FFFFFFFu;
    return dc_py01_clamp_top((mag << 8) | 0x80000000u, 126u - (mag >> 23), mag >= DC_ONE_F32);
}

static inline uint64_t dc_py01_cl_f64(uint64_t b)
{
    const uint64_t mag = b & 0x7FFFFFFFFFFFFFFFu;
    return dc_py01_clamp_top((uint32_t)(mag >> 21) | 0x80000000u, 1022u - (uint32_t)(mag >> 52),
                             mag >= DC_ONE_F64);
}

static inline uint64_t dc_py01_cl_f16(uint16_t b)
{
    /* normal: (1.m) * 2^(e - 15), p * 2^32 = top >> (14 - e); subnormal: m << 8, which is
       (m << 21) >> 13 (no implicit bit, the shift of e = 1) */
    const uint32_t mag = b & 0x7FFFu, e = mag >> 10, normal = 0u - (uint32_t)(e != 0);
    const uint32_t top = (mag << 21) | (0x80000000u & normal);
    return dc_py01_clamp_top(top, (14u - e) - (1u & ~normal), mag >= DC_ONE_F16);
}

static inline uint64_t dc_py01_cl_bf16(uint16_t b)
{
    const uint32_t mag = b & 0x7FFFu;
    return dc_py01_clamp_top((mag << 24) | 0x80000000u, 126u - (mag >> 7), mag >= DC_ONE_BF16);
}

/* The scalar block kernels (src/kernels/scalar/scalar.c); the SIMD sets hand them their
   tails and unusual blocks. */
void dc_py01_blk_f32(const unsigned char *p, size_t count, dc_py01_blk *out);
void dc_py01_blk_f64(const unsigned char *p, size_t count, dc_py01_blk *out);
void dc_py01_blk_f16(const unsigned char *p, size_t count, dc_py01_blk *out);
void dc_py01_blk_bf16(const unsigned char *p, size_t count, dc_py01_blk *out);

/* A SIMD block kernel's result: its vector part [0, nv) gave sum and max (every element
   there in [+0, 1)); the scalar kernel adds [nv, count). */
static inline void dc_py01_add_tail(dc_py01_blk_fn scalar, const unsigned char *p, size_t esize,
                                    size_t nv, size_t count, uint64_t sum, uint64_t max,
                                    dc_py01_blk *out)
{
    dc_py01_blk t = {0, 0, 0};
    if (nv < count)
        scalar(p + nv * esize, count - nv, &t);
    out->sum = sum + t.sum;
    out->max = t.max > max ? t.max : max;
    out->raw = t.raw; /* the vector part holds only values in [+0, 1) */
}

#endif /* DC_KERNELS_COMMON_H */
