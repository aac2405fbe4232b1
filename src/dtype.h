/* dtype.h - what every format and kernel knows about the element types: the bits of 1.0
 * and +Inf, the element readers, and exact floor(p * 2^32) from an element's bits.
 *
 * An element of any dtype is in [+0, 1) exactly when its bits, read as an unsigned integer,
 * are below the bits of 1.0; a magnitude (bits without the sign) above the bits of +Inf is
 * a NaN. Everything here is integer arithmetic on the bits. */
#ifndef DC_DTYPE_H
#define DC_DTYPE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "distribution_coder.h"

/* Bits of 1.0. */
#define DC_ONE_F32 0x3f800000u
#define DC_ONE_F64 0x3ff0000000000000u
#define DC_ONE_F16 0x3c00u
#define DC_ONE_BF16 0x3f80u

/* Bits of +Inf. */
#define DC_INF_F32 0x7f800000u
#define DC_INF_F64 0x7ff0000000000000u
#define DC_INF_F16 0x7c00u
#define DC_INF_BF16 0x7f80u

/* The f16 -> f32 trick, used by every SIMD kernel set that reads f16: for a normal f16
   with bits h (sign clear), the f32 with bits (h << 13) + DC_F16_F32_2P32 is exactly
   p * 2^32 (the exponent rebiased from 15 to 127 and raised by 32: (127 - 15 + 32) << 23).
   For a subnormal h it is 2^17 + (m << 7) instead of the exact m << 8. */
#define DC_F16_F32_2P32 (144u << 23)

/* Indexed by dc_dtype. */
static inline uint64_t dc_one_bits(int dtype)
{
    static const uint64_t one[4] = {DC_ONE_F32, DC_ONE_F64, DC_ONE_F16, DC_ONE_BF16};
    return one[dtype];
}

static inline uint64_t dc_inf_bits(int dtype)
{
    static const uint64_t inf[4] = {DC_INF_F32, DC_INF_F64, DC_INF_F16, DC_INF_BF16};
    return inf[dtype];
}

/* Raw bits of element i, widened to 64 bits (memcpy: any alignment, no aliasing). */
static inline uint64_t dc_elem_bits(const void *dist, int dtype, size_t i)
{
    const unsigned char *p = (const unsigned char *)dist;
    switch (dtype) {
    case DC_DTYPE_F32: {
        uint32_t b;
        memcpy(&b, p + 4 * i, 4);
        return b;
    }
    case DC_DTYPE_F64: {
        uint64_t b;
        memcpy(&b, p + 8 * i, 8);
        return b;
    }
    default: {
        uint16_t b;
        memcpy(&b, p + 2 * i, 2);
        return b;
    }
    }
}

/* ---- exact floor(p * 2^32) of an element with bits below those of 1.0 ---- */

/* f32: (2^23 + m) * 2^(e - 118), computed as ((2^23 + m) << 8) >> (126 - e) without
   branches; subnormals (e = 0) and tiny values shift everything out. */
static inline uint32_t dc_u32_f32(uint32_t b)
{
    const uint64_t m = (uint64_t)((b & 0x7fffffu) | 0x800000u) << 8;
    const uint32_t sh = 126 - (b >> 23);
    return (uint32_t)(m >> (sh < 63 ? sh : 63));
}

/* f64: (2^52 + m) >> (1043 - e); subnormals give 0. */
static inline uint32_t dc_u32_f64(uint64_t b)
{
    const uint64_t m = (b & 0xfffffffffffffu) | ((uint64_t)1 << 52);
    const uint32_t sh = 1043 - (uint32_t)(b >> 52);
    return (uint32_t)(m >> (sh < 63 ? sh : 63));
}

/* f16: subnormal m << 8, normal (2^10 + m) << (e + 7); with e1 = max(e, 1) both are
   (h + 2^10 - (e1 << 10)) << (e1 + 7). Always exact. */
static inline uint32_t dc_u32_f16(uint32_t h)
{
    h &= 0x7fffu; /* -0.0 gives 0 (the other dtypes' shifts give 0 for it as well) */
    const uint32_t e = h >> 10, e1 = e > 1 ? e : 1;
    return (h + 0x400u - (e1 << 10)) << (e1 + 7);
}

/* bf16: the f32 whose top half it is. */
static inline uint32_t dc_u32_bf16(uint32_t h)
{
    return dc_u32_f32(h << 16);
}

/* floor(dist[i] * 2^32) for an element known to be in [+0, 1) or -0.0. */
static inline uint64_t dc_u32_at(const void *dist, int dtype, size_t i)
{
    const uint64_t b = dc_elem_bits(dist, dtype, i);
    switch (dtype) {
    case DC_DTYPE_F32: return dc_u32_f32((uint32_t)b);
    case DC_DTYPE_F64: return dc_u32_f64(b);
    case DC_DTYPE_F16: return dc_u32_f16((uint32_t)b);
    default: return dc_u32_bf16((uint32_t)b);
    }
}

#endif /* DC_DTYPE_H */
