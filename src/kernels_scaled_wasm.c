/* kernels_scaled_wasm.c - wasm SIMD128 general-scale kernels (built with -msimd128; empty
 * otherwise). Same results as dc_scaled_scalar (test/test_kernels.c).
 *
 * u = floor(|p| * 2^K) through the float unit, exactly:
 *  f32/bf16: K is added to the exponent field of the magnitude's f32 bits. A normal value
 *            scales exactly; zeros and subnormals become values below 1 (K <= 126), which
 *            truncate to 0 as their u does; when the exponent underflows (K < 0) the bits
 *            turn negative and the saturating conversion gives 0, as u is 0 there too.
 *  f16:      M (11-bit integer mantissa) converted to f32, then E + K added to its
 *            exponent field: M * 2^(E + K) exactly.
 *  f64:      as f32 in the 64-bit fields, then i32x4.trunc_sat_f64x2_u_zero.
 * u32x4.trunc_sat_f32x4 is exact for u < 2^32 (the precondition of every exact sum).
 * Sums: 32-bit lanes while every element of a block is small enough that no lane can
 * overflow, else 64-bit lanes (a block that overflowed is summed again, and the next
 * block starts with 64-bit lanes). The statistics use integer max on the bits. K outside
 * the range where these hold goes to the scalar reference. */
#include "kernels_scaled.h"

#ifdef __wasm_simd128__

#include <string.h>
#include <wasm_simd128.h>

typedef struct wstats {
    v128_t mag; /* max magnitude bits (per lane) */
    v128_t raw; /* max raw bits, or (f64) OR of raw bits */
    v128_t neg; /* f64: OR of the lanes' "negative, not -0.0" masks */
} wstats;

static inline uint32_t hmax_u32(v128_t v)
{
    v = wasm_u32x4_max(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
    v = wasm_u32x4_max(v, wasm_i32x4_shuffle(v, v, 1, 0, 3, 2));
    return (uint32_t)wasm_i32x4_extract_lane(v, 0);
}

static inline uint32_t hmax_u16(v128_t v)
{
    v = wasm_u16x8_max(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
    v = wasm_u16x8_max(v, wasm_i32x4_shuffle(v, v, 1, 0, 3, 2));
    v = wasm_u16x8_max(v, wasm_u32x4_shr(v, 16));
    return (uint32_t)wasm_u16x8_extract_lane(v, 0);
}

static inline uint64_t hsum_u64(v128_t t)
{
    return (uint64_t)wasm_i64x2_extract_lane(t, 0) + (uint64_t)wasm_i64x2_extract_lane(t, 1);
}

static inline uint64_t hsum_u32(v128_t v)
{
    return hsum_u64(wasm_i64x2_add(wasm_u64x2_extend_low_u32x4(v),
                                   wasm_u64x2_extend_high_u32x4(v)));
}

static inline v128_t add_u32_to_u64(v128_t acc, v128_t v)
{
    return wasm_i64x2_add(acc, wasm_i64x2_add(wasm_u64x2_extend_low_u32x4(v),
                                              wasm_u64x2_extend_high_u32x4(v)));
}

/* Scalar tail: elements [from, count) of a block. */
#define TAIL(T, dt, p, from, count, k, s, info)                                          \
    for (size_t i_ = (from); i_ < (count); i_++) {                                      \
        T b_;                                                                           \
        memcpy(&b_, (p) + sizeof(T) * i_, sizeof(T));                                   \
        dc_scaled_scan_bits(b_, dt, (info));                                            \
        (s) += dc_scaled_bits(b_, dt, (k));                                             \
    }

/* ---- f32 ---- */

/* u of 4 magnitudes m (bits), kv = k << 23: unsigned conversion, exact below 2^32 */
static inline v128_t u_f32(v128_t m, v128_t kv)
{
    return wasm_u32x4_trunc_sat_f32x4(wasm_i32x4_add(m, kv));
}

/* the same below 2^31 with k >= 0 (no negative bits): the cheaper signed conversion */
static inline v128_t u_f32s(v128_t m, v128_t kv)
{
    return wasm_i32x4_trunc_sat_f32x4(wasm_i32x4_add(m, kv));
}

static inline uint64_t blk_f32(const unsigned char *p, size_t count, int k, wstats *st,
                               int *wide, dc_scan_info *info)
{
    const size_t nv = count & ~(size_t)15;
    const unsigned char *const end = p + 4 * nv;
    const v128_t kv = wasm_i32x4_splat((int32_t)((uint32_t)k << 23));
    const v128_t absm = wasm_i32x4_splat(0x7fffffff);
    /* 32-bit lanes: 16 values per lane, each below 2^28 when p < 2^(28 - k) */
    const v128_t lim = wasm_i32x4_splat((int32_t)((uint32_t)(155 - k) << 23));
    v128_t bm = wasm_i32x4_splat(0), rm = bm;
    uint64_t s = 0;
    int done = 0;
    if (!*wide) {
        v128_t a0 = bm, a1 = bm, a2 = bm, a3 = bm;
        for (const unsigned char *q = p; q < end; q += 64) {
            const v128_t b0 = wasm_v128_load(q), b1 = wasm_v128_load(q + 16);
            const v128_t b2 = wasm_v128_load(q + 32), b3 = wasm_v128_load(q + 48);
            const v128_t m0 = wasm_v128_and(b0, absm), m1 = wasm_v128_and(b1, absm);
            const v128_t m2 = wasm_v128_and(b2, absm), m3 = wasm_v128_and(b3, absm);
            bm = wasm_u32x4_max(bm, wasm_u32x4_max(wasm_u32x4_max(m0, m1), wasm_u32x4_max(m2, m3)));
            rm = wasm_u32x4_max(rm, wasm_u32x4_max(wasm_u32x4_max(b0, b1), wasm_u32x4_max(b2, b3)));
            a0 = wasm_i32x4_add(a0, u_f32s(m0, kv));
            a1 = wasm_i32x4_add(a1, u_f32s(m1, kv));
            a2 = wasm_i32x4_add(a2, u_f32s(m2, kv));
            a3 = wasm_i32x4_add(a3, u_f32s(m3, kv));
        }
        if (wasm_i32x4_all_true(wasm_u32x4_lt(bm, lim))) {
            s = hsum_u32(a0) + hsum_u32(a1) + hsum_u32(a2) + hsum_u32(a3);
            done = 1;
        } else {
            *wide = 1;
        }
    }
    if (!done) {
        v128_t acc = wasm_i64x2_splat(0);
        for (const unsigned char *q = p; q < end; q += 16) {
            const v128_t b = wasm_v128_load(q), m = wasm_v128_and(b, absm);
            bm = wasm_u32x4_max(bm, m);
            rm = wasm_u32x4_max(rm, b);
            acc = add_u32_to_u64(acc, u_f32(m, kv));
        }
        s = hsum_u64(acc);
        *wide = k < 0 || !wasm_i32x4_all_true(wasm_u32x4_lt(bm, lim));
    }
    st->mag = wasm_u32x4_max(st->mag, bm);
    st->raw = wasm_u32x4_max(st->raw, rm);
    TAIL(uint32_t, DC_DTYPE_F32, p, nv, count, k, s, info)
    return s;
}

static void fin_32(const wstats *st, dc_scan_info *info)
{
    const uint32_t key = hmax_u32(st->mag), raw = hmax_u32(st->raw);
    info->key = key > info->key ? key : info->key;
    info->sign |= raw >= 0x80000000u;
    info->neg |= raw > 0x80000000u;
}

/* ---- bf16 ---- */

static inline uint64_t blk_bf16(const unsigned char *p, size_t count, int k, wstats *st,
                                int *wide, dc_scan_info *info)
{
    const size_t nv = count & ~(size_t)15;
    const unsigned char *const end = p + 2 * nv;
    const v128_t kv = wasm_i32x4_splat((int32_t)((uint32_t)k << 23));
    const v128_t absm = wasm_i16x8_splat(0x7fff);
    const v128_t hi = wasm_i32x4_splat((int32_t)0xffff0000u);
    const v128_t lim = wasm_i16x8_splat((int16_t)((155 - k) << 7));
    v128_t bm = wasm_i32x4_splat(0), rm = bm;
    uint64_t s = 0;
    int done = 0;
    if (!*wide) {
        v128_t a0 = bm, a1 = bm, a2 = bm, a3 = bm;
        for (const unsigned char *q = p; q < end; q += 32) {
            const v128_t v0 = wasm_v128_load(q), v1 = wasm_v128_load(q + 16);
            const v128_t m0 = wasm_v128_and(v0, absm), m1 = wasm_v128_and(v1, absm);
            bm = wasm_u16x8_max(bm, wasm_u16x8_max(m0, m1));
            rm = wasm_u16x8_max(rm, wasm_u16x8_max(v0, v1));
            a0 = wasm_i32x4_add(a0, u_f32s(wasm_i32x4_shl(m0, 16), kv));
            a1 = wasm_i32x4_add(a1, u_f32s(wasm_v128_and(m0, hi), kv));
            a2 = wasm_i32x4_add(a2, u_f32s(wasm_i32x4_shl(m1, 16), kv));
            a3 = wasm_i32x4_add(a3, u_f32s(wasm_v128_and(m1, hi), kv));
        }
        if (wasm_i16x8_all_true(wasm_u16x8_lt(bm, lim))) {
            s = hsum_u32(a0) + hsum_u32(a1) + hsum_u32(a2) + hsum_u32(a3);
            done = 1;
        } else {
            *wide = 1;
        }
    }
    if (!done) {
        v128_t acc = wasm_i64x2_splat(0);
        for (const unsigned char *q = p; q < end; q += 16) {
            const v128_t v = wasm_v128_load(q), m = wasm_v128_and(v, absm);
            bm = wasm_u16x8_max(bm, m);
            rm = wasm_u16x8_max(rm, v);
            acc = add_u32_to_u64(acc, u_f32(wasm_i32x4_shl(m, 16), kv));
            acc = add_u32_to_u64(acc, u_f32(wasm_v128_and(m, hi), kv));
        }
        s = hsum_u64(acc);
        *wide = k < 0 || !wasm_i16x8_all_true(wasm_u16x8_lt(bm, lim));
    }
    st->mag = wasm_u16x8_max(st->mag, bm);
    st->raw = wasm_u16x8_max(st->raw, rm);
    TAIL(uint16_t, DC_DTYPE_BF16, p, nv, count, k, s, info)
    return s;
}

static void fin_16(const wstats *st, dc_scan_info *info)
{
    const uint32_t key = hmax_u16(st->mag), raw = hmax_u16(st->raw);
    info->key = key > info->key ? key : info->key;
    info->sign |= raw >= 0x8000u;
    info->neg |= raw > 0x8000u;
}

/* ---- f16 ---- */

/* u of the f16 magnitudes m of 8 lanes, low (lo = 1) or high 4 lanes:
   e1 = max(e, 1), M = m + 2^10 - (e1 << 10), u = floor(M * 2^(e1 - 25 + k)). */
static inline v128_t f16_scaled(v128_t mant32, v128_t e32, v128_t kv)
{
    /* float(M) as (2^23 + M) - 2^23, exact: convert_i32x4 on these zero-extended lanes
       is compiled as an unsigned conversion, which is scalarised */
    const v128_t f = wasm_f32x4_sub(wasm_v128_or(mant32, wasm_i32x4_splat(0x4b000000)),
                                    wasm_f32x4_splat(8388608.0f));
    return wasm_i32x4_add(f, wasm_i32x4_add(wasm_i32x4_shl(e32, 23), kv));
}
static inline v128_t u_f16(v128_t mant32, v128_t e32, v128_t kv)
{
    return wasm_u32x4_trunc_sat_f32x4(f16_scaled(mant32, e32, kv));
}
/* signed, below 2^31: M = 0 with E + K < 0 gives negative bits (a negative value), which
   the max with 0 maps to u = 0 */
static inline v128_t u_f16s(v128_t mant32, v128_t e32, v128_t kv)
{
    return wasm_i32x4_max(wasm_i32x4_trunc_sat_f32x4(f16_scaled(mant32, e32, kv)),
                          wasm_i32x4_splat(0));
}

/* f16 bits of the smallest value 2^x with x = 28 - k (16 values per lane below it fit). */
static inline uint32_t f16_limit(int k)
{
    const int x = 28 - k;
    if (x > 15)
        return 0x7c00u;
    if (x >= -14)
        return (uint32_t)(x + 15) << 10;
    return x >= -24 ? 1u << (x + 24) : 0;
}

static inline uint64_t blk_f16(const unsigned char *p, size_t count, int k, wstats *st,
                               int *wide, dc_scan_info *info)
{
    const size_t nv = count & ~(size_t)15;
    const unsigned char *const end = p + 2 * nv;
    const v128_t kv = wasm_i32x4_splat((int32_t)((uint32_t)(k - 25) << 23));
    const v128_t absm = wasm_i16x8_splat(0x7fff);
    const v128_t one = wasm_i16x8_splat(1), bias = wasm_i16x8_splat(1 << 10);
    const v128_t lim = wasm_i16x8_splat((int16_t)f16_limit(k));
    v128_t bm = wasm_i32x4_splat(0), rm = bm;
    uint64_t s = 0;
    int done = 0;
#define F16_PREP(v, m, e1, mant)                                                          \
    const v128_t m = wasm_v128_and(v, absm);                                            \
    const v128_t e1 = wasm_u16x8_max(wasm_u16x8_shr(m, 10), one);                       \
    const v128_t mant = wasm_i16x8_sub(wasm_i16x8_add(m, bias), wasm_i16x8_shl(e1, 10))
#define F16_LO(mant, e1) u_f16(wasm_u32x4_extend_low_u16x8(mant), wasm_u32x4_extend_low_u16x8(e1), kv)
#define F16_HI(mant, e1) u_f16(wasm_u32x4_extend_high_u16x8(mant), wasm_u32x4_extend_high_u16x8(e1), kv)
#define F16_LOS(mant, e1) u_f16s(wasm_u32x4_extend_low_u16x8(mant), wasm_u32x4_extend_low_u16x8(e1), kv)
#define F16_HIS(mant, e1) u_f16s(wasm_u32x4_extend_high_u16x8(mant), wasm_u32x4_extend_high_u16x8(e1), kv)
    if (!*wide && f16_limit(k) != 0) {
        v128_t a0 = bm, a1 = bm, a2 = bm, a3 = bm;
        for (const unsigned char *q = p; q < end; q += 32) {
            const v128_t v0 = wasm_v128_load(q), v1 = wasm_v128_load(q + 16);
            F16_PREP(v0, m0, e0, mant0);
            F16_PREP(v1, m1, e1, mant1);
            bm = wasm_u16x8_max(bm, wasm_u16x8_max(m0, m1));
            rm = wasm_u16x8_max(rm, wasm_u16x8_max(v0, v1));
            a0 = wasm_i32x4_add(a0, F16_LOS(mant0, e0));
            a1 = wasm_i32x4_add(a1, F16_HIS(mant0, e0));
            a2 = wasm_i32x4_add(a2, F16_LOS(mant1, e1));
            a3 = wasm_i32x4_add(a3, F16_HIS(mant1, e1));
        }
        if (wasm_i16x8_all_true(wasm_u16x8_lt(bm, lim))) {
            s = hsum_u32(a0) + hsum_u32(a1) + hsum_u32(a2) + hsum_u32(a3);
            done = 1;
        } else {
            *wide = 1;
        }
    }
    if (!done) {
        v128_t acc = wasm_i64x2_splat(0);
        for (const unsigned char *q = p; q < end; q += 16) {
            const v128_t v = wasm_v128_load(q);
            F16_PREP(v, m, e1, mant);
            bm = wasm_u16x8_max(bm, m);
            rm = wasm_u16x8_max(rm, v);
            acc = add_u32_to_u64(acc, F16_LO(mant, e1));
            acc = add_u32_to_u64(acc, F16_HI(mant, e1));
        }
        s = hsum_u64(acc);
        *wide = k < 0 || !wasm_i16x8_all_true(wasm_u16x8_lt(bm, lim));
    }
#undef F16_PREP
#undef F16_LO
#undef F16_HI
#undef F16_LOS
#undef F16_HIS
    st->mag = wasm_u16x8_max(st->mag, bm);
    st->raw = wasm_u16x8_max(st->raw, rm);
    TAIL(uint16_t, DC_DTYPE_F16, p, nv, count, k, s, info)
    return s;
}

/* ---- f64 ---- */

/* the bits of 2^52 + u for magnitudes m (u < 2^52 exactly; negative bits, from an
   exponent that underflowed at k < 0, become 0 through the max with +0) */
static inline v128_t u_f64_bits(v128_t m, v128_t kv)
{
    const v128_t t = wasm_f64x2_pmax(wasm_f64x2_splat(0.0), wasm_i64x2_add(m, kv));
    return wasm_f64x2_add(wasm_f64x2_trunc(t), wasm_f64x2_splat(4503599627370496.0));
}

static inline uint64_t blk_f64(const unsigned char *p, size_t count, int k, wstats *st,
                               int *wide, dc_scan_info *info)
{
    (void)wide;
    const size_t nv = count & ~(size_t)3;
    const unsigned char *const end = p + 8 * nv;
    const v128_t kv = wasm_i64x2_splat((int64_t)((uint64_t)(int64_t)k << 52));
    const v128_t absm = wasm_i64x2_splat(INT64_MAX);
    v128_t bm = st->mag, orr = st->raw, neg = st->neg;
    const v128_t zero = wasm_i64x2_splat(0);
    v128_t a0 = zero, a1 = zero;
    for (const unsigned char *q = p; q < end; q += 32) {
        const v128_t b0 = wasm_v128_load(q), b1 = wasm_v128_load(q + 16);
        const v128_t m0 = wasm_v128_and(b0, absm), m1 = wasm_v128_and(b1, absm);
        bm = wasm_u32x4_max(bm, wasm_u32x4_max(m0, m1));
        orr = wasm_v128_or(orr, wasm_v128_or(b0, b1));
        /* negative and not -0.0: the sign (spread over the high 32-bit lane by an i32
           arithmetic shift) and a nonzero magnitude; the low lanes are masked at the end.
           (i64 shifts and compares of the sign would be simpler, but V8 has no SSE
           instruction for them and clang rewrites the compares into scalar code) */
        neg = wasm_v128_or(neg, wasm_v128_or(wasm_v128_andnot(wasm_i32x4_shr(b0, 31), wasm_i64x2_eq(m0, zero)),
                                             wasm_v128_andnot(wasm_i32x4_shr(b1, 31), wasm_i64x2_eq(m1, zero))));
        a0 = wasm_i64x2_add(a0, u_f64_bits(m0, kv));
        a1 = wasm_i64x2_add(a1, u_f64_bits(m1, kv));
    }
    st->mag = bm;
    st->raw = orr;
    st->neg = neg;
    uint64_t s = hsum_u64(wasm_i64x2_add(a0, a1)) - (uint64_t)nv * 0x4330000000000000u;
    TAIL(uint64_t, DC_DTYPE_F64, p, nv, count, k, s, info)
    return s;
}

static void fin_64(const wstats *st, dc_scan_info *info)
{
    const v128_t hi = wasm_i64x2_splat((int64_t)0xffffffff00000000u);
    const uint32_t key = hmax_u32(wasm_v128_and(st->mag, hi));
    info->key = key > info->key ? key : info->key;
    info->sign |= (uint32_t)((uint64_t)(wasm_i64x2_extract_lane(st->raw, 0) |
                                        wasm_i64x2_extract_lane(st->raw, 1)) >> 63);
    info->neg |= wasm_v128_any_true(wasm_v128_and(st->neg, hi));
}

/* ---- drivers ---- */

/* k ranges where the conversions above are exact (see the top of the file) */
#define KMIN_f32 (-99)
#define KMAX_f32 126
#define KMIN_bf16 (-99)
#define KMAX_bf16 126
#define KMIN_f16 (-100)
#define KMAX_f16 100
#define KMIN_f64 (-1000)
#define KMAX_f64 1022

#define WASM_SCALED(dt, DT, esize, fin)                                                  \
    static void sumk_##dt(const void *dist, size_t begin, size_t end, int k, uint64_t *sum, \
                          dc_scan_info *info)                                           \
    {                                                                                   \
        if (k < KMIN_##dt || k > KMAX_##dt) {                                           \
            dc_scaled_scalar.sumk[DT](dist, begin, end, k, sum, info);                  \
            return;                                                                     \
        }                                                                               \
        const unsigned char *p = (const unsigned char *)dist + (esize) * begin;         \
        size_t left = end - begin;                                                      \
        wstats st = {wasm_i32x4_splat(0), wasm_i32x4_splat(0), wasm_i32x4_splat(0)};    \
        int wide = k < 0; /* the signed conversions of the narrow path need k >= 0 */   \
        uint64_t s = 0;                                                                 \
        while (left > 0) {                                                              \
            const size_t c = left < DC_BLOCK_SIZE ? left : DC_BLOCK_SIZE;               \
            s += blk_##dt(p, c, k, &st, &wide, info);                                   \
            p += (esize) * c;                                                           \
            left -= c;                                                                  \
        }                                                                               \
        fin(&st, info);                                                                 \
        *sum += s;                                                                      \
    }                                                                                   \
    static void blocksk_##dt(const void *dist, size_t n, int k, uint64_t *out,           \
                             dc_scan_info *info)                                        \
    {                                                                                   \
        if (k < KMIN_##dt || k > KMAX_##dt) {                                           \
            dc_scaled_scalar.blocksk[DT](dist, n, k, out, info);                        \
            return;                                                                     \
        }                                                                               \
        const unsigned char *p = (const unsigned char *)dist;                           \
        wstats st = {wasm_i32x4_splat(0), wasm_i32x4_splat(0), wasm_i32x4_splat(0)};    \
        int wide = k < 0; /* the signed conversions of the narrow path need k >= 0 */   \
        uint64_t s = 0;                                                                 \
        for (size_t i = 0; i < n; i += DC_BLOCK_SIZE) {                                 \
            const size_t c = n - i < DC_BLOCK_SIZE ? n - i : DC_BLOCK_SIZE;             \
            s += blk_##dt(p + (esize) * i, c, k, &st, &wide, info);                     \
            out[i / DC_BLOCK_SIZE] = s;                                                 \
        }                                                                               \
        fin(&st, info);                                                                 \
    }

WASM_SCALED(f32, DC_DTYPE_F32, 4, fin_32)
WASM_SCALED(f64, DC_DTYPE_F64, 8, fin_64)
WASM_SCALED(f16, DC_DTYPE_F16, 2, fin_16)
WASM_SCALED(bf16, DC_DTYPE_BF16, 2, fin_16)

const dc_scaled_kernels dc_scaled_wasm_simd128 = {
    "wasm-simd128",
    {sumk_f32, sumk_f64, sumk_f16, sumk_bf16},
    {blocksk_f32, blocksk_f64, blocksk_f16, blocksk_bf16},
};

#else

/* ISO C wants at least one declaration in a translation unit. */
typedef int dc_kernels_scaled_wasm_unused;

#endif /* __wasm_simd128__ */
