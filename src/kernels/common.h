/* common.h - what the kernel sets of every ISA share, inline: the checked element readers
 * and scalar tails of the default format's kernels (K = 32 and any K), and python-0.1's clamped counts and
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

/* ==== default format, general scale (any K) ============================================= */

/* u = floor(|p| * 2^k) from an element's bits b (dtype a constant where it is inlined):
   exact when below 2^32, some value >= 2^32 otherwise. */
static inline uint64_t dc_scaled_bits(uint64_t b, int dtype, int k)
{
    const unsigned mb = dtype == DC_DTYPE_F32   ? 23
                        : dtype == DC_DTYPE_F64 ? 52
                        : dtype == DC_DTYPE_F16 ? 10
                                                : 7;
    const unsigned eb = dtype == DC_DTYPE_F32   ? 8
                        : dtype == DC_DTYPE_F64 ? 11
                        : dtype == DC_DTYPE_F16 ? 5
                                                : 8;
    const int min_exp = dtype == DC_DTYPE_F32   ? -149
                        : dtype == DC_DTYPE_F64 ? -1074
                        : dtype == DC_DTYPE_F16 ? -24
                                                : -133;
    const uint64_t m = b & (((uint64_t)1 << mb) - 1);
    const unsigned e = (unsigned)(b >> mb) & ((1u << eb) - 1);
    const uint64_t mant = e == 0 ? m : m | ((uint64_t)1 << mb);
    const int sh = min_exp + (e == 0 ? 0 : (int)e - 1) + k;
    if (sh >= 0) /* mant < 2^(mb + 1): beyond 2^32 when sh > 31 - mb (or earlier) */
        return mant == 0                                  ? 0
               : sh > 32 || (mant >> (32 - sh)) != 0 ? (uint64_t)1 << 32
                                                          : mant << sh;
    return sh <= -64 ? 0 : mant >> -sh;
}

/* Merges one element's bits into the statistics (dc_scan_info, quantize.h). */
static inline void dc_scaled_scan_bits(uint64_t b, int dtype, dc_scan_info *info)
{
    const unsigned tb = dtype == DC_DTYPE_F64 ? 64 : dtype == DC_DTYPE_F32 ? 32 : 16;
    const uint64_t sign = (uint64_t)1 << (tb - 1);
    const uint64_t mag = b & (sign - 1);
    const uint32_t key = (uint32_t)(tb == 64 ? mag >> 32 : mag);
    info->key = key > info->key ? key : info->key;
    info->sign |= (b & sign) != 0;
    info->neg |= (b & sign) != 0 && mag != 0;
}

/* dc_tailk_<dt>(p, from, count, k, info): the sum of u over the elements [from, count) of
   p at scale 2^k, merged into *info: the SIMD sets' scalar tails. */
#define DC_DEFINE_TAILK(dt, ELEM, DT)                                                          \
    static inline uint64_t dc_tailk_##dt(const unsigned char *p, size_t from, size_t count,    \
                                         int k, dc_scan_info *info)                            \
    {                                                                                          \
        uint64_t s = 0;                                                                        \
        for (size_t i = from; i < count; i++) {                                                \
            ELEM b;                                                                            \
            memcpy(&b, p + sizeof b * i, sizeof b);                                            \
            dc_scaled_scan_bits(b, DT, info);                                                  \
            s += dc_scaled_bits(b, DT, k);                                                     \
        }                                                                                      \
        return s;                                                                              \
    }
DC_DEFINE_TAILK(f32, uint32_t, DC_DTYPE_F32)
DC_DEFINE_TAILK(f64, uint64_t, DC_DTYPE_F64)
DC_DEFINE_TAILK(f16, uint16_t, DC_DTYPE_F16)
DC_DEFINE_TAILK(bf16, uint16_t, DC_DTYPE_BF16)

/* The K range where the SIMD sets' general-scale conversions are exact (zeros and
   subnormals shift out or truncate to 0, f16's exponent fits); other K go to the scalar
   reference (driverk_template.h). */
#define DC_KMIN_f32 (-99)
#define DC_KMAX_f32 126
#define DC_KMIN_bf16 (-99)
#define DC_KMAX_bf16 126
#define DC_KMIN_f16 (-100)
#define DC_KMAX_f16 100
#define DC_KMIN_f64 (-1000)
#define DC_KMAX_f64 1022

/* The scalar reference general-scale kernels (src/kernels/scalar/scalar.c): the SSE2 set
   uses them, the SIMD sets hand them the K outside their range. */
void dc_sumk_ref_f32(const void *d, size_t b, size_t e, int k, uint64_t *s, dc_scan_info *in);
void dc_sumk_ref_f64(const void *d, size_t b, size_t e, int k, uint64_t *s, dc_scan_info *in);
void dc_sumk_ref_f16(const void *d, size_t b, size_t e, int k, uint64_t *s, dc_scan_info *in);
void dc_sumk_ref_bf16(const void *d, size_t b, size_t e, int k, uint64_t *s, dc_scan_info *in);
void dc_blocksk_ref_f32(const void *d, size_t n, int k, uint64_t *o, dc_scan_info *in);
void dc_blocksk_ref_f64(const void *d, size_t n, int k, uint64_t *o, dc_scan_info *in);
void dc_blocksk_ref_f16(const void *d, size_t n, int k, uint64_t *o, dc_scan_info *in);
void dc_blocksk_ref_bf16(const void *d, size_t n, int k, uint64_t *o, dc_scan_info *in);

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
