/* simd128.c - the wasm SIMD128 kernel set (built with -msimd128; empty otherwise), both
 * formats.
 *
 * Default format, block by block (DC_BLOCK_SIZE elements). A block whose elements are all below a
 * per-dtype limit takes the fast path and sums in 32-bit lanes:
 *  f32/bf16: add 32 to the exponent field of the f32 bits (p * 2^32 exactly; subnormals
 *            become normals below 1 and truncate to 0, so the float unit never sees a
 *            subnormal), then i32x4.trunc_sat_f32x4_s; limit 2^-4 (calls over at most
 *            WASM_SMALL elements: the small path, f32x4.trunc summed in f64 lanes, limit 1);
 *  f16:      no limit: u = (mant * 2^(e1 - 1)) << 8, one i32x4.dot_i16x8_s of the 11-bit
 *            mantissa and the power of two (looked up with i8x16.swizzle) per pair;
 *  f64:      no limit: + 32 in the exponent field, f64x2.trunc, + 2^52 makes the bits
 *            0x4330000000000000 + u, summed with i64x2.add.
 * A block over the limit is summed again by the general path (f32/bf16: f32x4.trunc,
 * promoted to f64 and + 2^52 as for f64; 64-bit sums). Elements not in [+0, 1) make the kernel return 0.
 *
 * python-0.1: as in the x86 sets, each block kernel handles the common block (every element
 * in [+0, 1)) and hands any other block to the scalar kernel.
 *
 * Results equal dc_kernels_scalar's bit for bit (test/test_kernels.c, test_python01.c, also
 * run under node). */
#include "kernels/common.h"

#ifdef DC_HAVE_WASM_KERNELS

#include <wasm_simd128.h>

/* f16 bits h in 32-bit lanes -> the f32 bits of p * 2^32 for normal h (DC_F16_F32_2P32). */
static inline v128_t dc_wasm_f16_scaled(v128_t h)
{
    return wasm_i32x4_add(wasm_i32x4_shl(h, 13), wasm_i32x4_splat((int32_t)DC_F16_F32_2P32));
}

/* ---- default format ---- */

static inline uint64_t wasm_hsum_u64(v128_t t)
{
    return (uint64_t)wasm_i64x2_extract_lane(t, 0) + (uint64_t)wasm_i64x2_extract_lane(t, 1);
}

static inline uint64_t wasm_hsum2(v128_t a0, v128_t a1)
{
    return (uint64_t)wasm_u32x4_extract_lane(a0, 0) + wasm_u32x4_extract_lane(a0, 1) +
           wasm_u32x4_extract_lane(a0, 2) + wasm_u32x4_extract_lane(a0, 3) +
           wasm_u32x4_extract_lane(a1, 0) + wasm_u32x4_extract_lane(a1, 1) +
           wasm_u32x4_extract_lane(a1, 2) + wasm_u32x4_extract_lane(a1, 3);
}

static inline v128_t wasm_add_u32_to_u64(v128_t acc, v128_t v)
{
    return wasm_i64x2_add(acc, wasm_i64x2_add(wasm_u64x2_extend_low_u32x4(v),
                                              wasm_u64x2_extend_high_u32x4(v)));
}

static inline int wasm_all_below_u32(v128_t v, uint32_t lim)
{
    return wasm_i32x4_all_true(wasm_u32x4_lt(v, wasm_i32x4_splat((int32_t)lim)));
}

static inline int wasm_all_below_u16(v128_t v, uint32_t lim)
{
    return wasm_i16x8_all_true(wasm_u16x8_lt(v, wasm_i16x8_splat((int16_t)lim)));
}

/* f32 bits (below 2^-1) -> floor(p * 2^32): 32 added to the exponent field, then the
   saturating signed conversion (exact below 2^31). */
static inline v128_t wasm_fast_f32(v128_t b)
{
    return wasm_i32x4_trunc_sat_f32x4(wasm_i32x4_add(b, wasm_i32x4_splat(32 << 23)));
}

/* f32 bits (below 1.0) -> floor(p * 2^32) as an f32 (an integer, exact). */
static inline v128_t wasm_trunc_f32(v128_t b)
{
    return wasm_f32x4_trunc(wasm_i32x4_add(b, wasm_i32x4_splat(32 << 23)));
}

/* Lanes 2 and 3 moved to lanes 0 and 1 (for f64x2.promote_low_f32x4). */
static inline v128_t wasm_high_f32(v128_t t)
{
    return wasm_i32x4_shuffle(t, t, 2, 3, 2, 3);
}

/* f32 bits (below 1.0): adds floor(p * 2^32) + 2^52's bits, 0x4330000000000000, to each
   64-bit lane of acc per element (two elements per lane). The truncated f32 is exact in an
   f64, and 2^52 + u with u < 2^32 is too. */
static inline v128_t wasm_exact_f32(v128_t acc, v128_t b)
{
    const v128_t t = wasm_f32x4_trunc(wasm_i32x4_add(b, wasm_i32x4_splat(32 << 23)));
    const v128_t m52 = wasm_f64x2_splat(4503599627370496.0);
    const v128_t lo = wasm_f64x2_add(wasm_f64x2_promote_low_f32x4(t), m52);
    const v128_t hi = wasm_f64x2_add(
        wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(t, t, 2, 3, 2, 3)), m52);
    return wasm_i64x2_add(acc, wasm_i64x2_add(lo, hi));
}
#define MAGIC_2P52 0x4330000000000000u

/* Blocks of a call over at most this many elements (a small vocabulary, where large
   probabilities are the rule) go straight to the small path. */
#define WASM_SMALL 512

/* f32, the paths for a block (the first that applies):
   small  (calls of at most WASM_SMALL elements, every element below 1): f32x4.trunc
          promoted to f64 and summed in f64 lanes (fewer instructions than the signed
          conversion, whose NaN and overflow fixes V8 spells out);
   fast   (every element below 2^-4): signed conversion, 4 accumulators of 32-bit lanes
          (16 values per lane, each below 2^28);
   exact  (below 1): f64 + 2^52. */
#define WASM_FAST_F32 0x3d800000u

static inline int wasm_blk_f32(const unsigned char *p, size_t count, uint64_t *sum, int small)
{
    const size_t nv = count & ~(size_t)15;
    const unsigned char *const end = p + 4 * nv;
    v128_t mx = wasm_i32x4_splat(0);
    if (!small) {
        v128_t a0 = mx, a1 = mx, a2 = mx, a3 = mx;
        for (const unsigned char *q = p; q < end; q += 64) {
            const v128_t b0 = wasm_v128_load(q), b1 = wasm_v128_load(q + 16);
            const v128_t b2 = wasm_v128_load(q + 32), b3 = wasm_v128_load(q + 48);
            mx = wasm_u32x4_max(mx, wasm_u32x4_max(wasm_u32x4_max(b0, b1), wasm_u32x4_max(b2, b3)));
            a0 = wasm_i32x4_add(a0, wasm_fast_f32(b0));
            a1 = wasm_i32x4_add(a1, wasm_fast_f32(b1));
            a2 = wasm_i32x4_add(a2, wasm_fast_f32(b2));
            a3 = wasm_i32x4_add(a3, wasm_fast_f32(b3));
        }
        if (wasm_all_below_u32(mx, WASM_FAST_F32)) {
            const v128_t t = wasm_add_u32_to_u64(wasm_add_u32_to_u64(wasm_i64x2_splat(0), a0), a1);
            *sum = wasm_hsum_u64(wasm_add_u32_to_u64(wasm_add_u32_to_u64(t, a2), a3));
            return dc_tail_f32(p, nv, count, sum);
        }
    } else {
        /* every element below 1: the truncated values summed in f64 lanes, exact (a call
           of at most WASM_SMALL elements below 2^32 sums below 2^41 < 2^53); the last
           partial vector is the vector that ends with the range, its lanes counted
           already set to 0 (ranges of at least 4 elements) */
        const size_t nv4 = count & ~(size_t)3;
        const unsigned char *const end4 = p + 4 * nv4;
        const unsigned char *q = p;
        v128_t a0 = wasm_f64x2_splat(0), a1 = a0, a2 = a0, a3 = a0;
        for (; end4 - q >= 32; q += 32) {
            const v128_t b0 = wasm_v128_load(q), b1 = wasm_v128_load(q + 16);
            mx = wasm_u32x4_max(mx, wasm_u32x4_max(b0, b1));
            const v128_t t0 = wasm_trunc_f32(b0), t1 = wasm_trunc_f32(b1);
            a0 = wasm_f64x2_add(a0, wasm_f64x2_promote_low_f32x4(t0));
            a1 = wasm_f64x2_add(a1, wasm_f64x2_promote_low_f32x4(wasm_high_f32(t0)));
            a2 = wasm_f64x2_add(a2, wasm_f64x2_promote_low_f32x4(t1));
            a3 = wasm_f64x2_add(a3, wasm_f64x2_promote_low_f32x4(wasm_high_f32(t1)));
        }
        if (q < end4) {
            const v128_t b = wasm_v128_load(q);
            const v128_t t = wasm_trunc_f32(b);
            mx = wasm_u32x4_max(mx, b);
            a0 = wasm_f64x2_add(a0, wasm_f64x2_promote_low_f32x4(t));
            a1 = wasm_f64x2_add(a1, wasm_f64x2_promote_low_f32x4(wasm_high_f32(t)));
        }
        size_t done = nv4;
        if (count > nv4 && count >= 4) {
            const v128_t keep = wasm_i32x4_gt(wasm_i32x4_make(0, 1, 2, 3),
                                              wasm_i32x4_splat((int32_t)(3 - (count - nv4))));
            const v128_t b = wasm_v128_and(wasm_v128_load(p + 4 * (count - 4)), keep);
            const v128_t t = wasm_trunc_f32(b);
            mx = wasm_u32x4_max(mx, b);
            a2 = wasm_f64x2_add(a2, wasm_f64x2_promote_low_f32x4(t));
            a3 = wasm_f64x2_add(a3, wasm_f64x2_promote_low_f32x4(wasm_high_f32(t)));
            done = count;
        }
        if (!wasm_all_below_u32(mx, DC_ONE_F32))
            return 0;
        const v128_t a = wasm_f64x2_add(wasm_f64x2_add(a0, a1), wasm_f64x2_add(a2, a3));
        const double d = wasm_f64x2_extract_lane(a, 0) + wasm_f64x2_extract_lane(a, 1);
        *sum = (uint64_t)(int64_t)d; /* below 2^41: the signed conversion is shorter in V8 */
        return dc_tail_f32(p, done, count, sum);
    }
    if (!wasm_all_below_u32(mx, DC_ONE_F32))
        return 0;
    v128_t acc = wasm_i64x2_splat(0);
    for (const unsigned char *q = p; q < end; q += 16)
        acc = wasm_exact_f32(acc, wasm_v128_load(q));
    *sum = wasm_hsum_u64(acc) - (uint64_t)nv * MAGIC_2P52;
    return dc_tail_f32(p, nv, count, sum);
}

/* bf16: 16 elements per step; (h + (32 << 7)) << 16 is the f32 bits plus 32 << 23. Even
   elements: shl 16; odd: and 0xffff0000. Same paths and limits as f32. */
#define WASM_FAST_BF16 0x3d80u

static inline int wasm_blk_bf16(const unsigned char *p, size_t count, uint64_t *sum, int small)
{
    const size_t nv = count & ~(size_t)15;
    const unsigned char *const end = p + 2 * nv;
    const v128_t hi_mask = wasm_i32x4_splat((int32_t)0xffff0000u);
    const v128_t magic = wasm_i16x8_splat(32 << 7);
    v128_t mx = wasm_i32x4_splat(0);
    if (!small) {
        v128_t a0 = mx, a1 = mx, a2 = mx, a3 = mx;
        for (const unsigned char *q = p; q < end; q += 32) {
            const v128_t v0 = wasm_v128_load(q), v1 = wasm_v128_load(q + 16);
            mx = wasm_u16x8_max(mx, wasm_u16x8_max(v0, v1));
            const v128_t w0 = wasm_i16x8_add(v0, magic), w1 = wasm_i16x8_add(v1, magic);
            a0 = wasm_i32x4_add(a0, wasm_i32x4_trunc_sat_f32x4(wasm_i32x4_shl(w0, 16)));
            a1 = wasm_i32x4_add(a1, wasm_i32x4_trunc_sat_f32x4(wasm_v128_and(w0, hi_mask)));
            a2 = wasm_i32x4_add(a2, wasm_i32x4_trunc_sat_f32x4(wasm_i32x4_shl(w1, 16)));
            a3 = wasm_i32x4_add(a3, wasm_i32x4_trunc_sat_f32x4(wasm_v128_and(w1, hi_mask)));
        }
        if (wasm_all_below_u16(mx, WASM_FAST_BF16)) {
            const v128_t t = wasm_add_u32_to_u64(wasm_add_u32_to_u64(wasm_i64x2_splat(0), a0), a1);
            *sum = wasm_hsum_u64(wasm_add_u32_to_u64(wasm_add_u32_to_u64(t, a2), a3));
            return dc_tail_bf16(p, nv, count, sum);
        }
    } else {
        /* every element below 1: as f32's small path, the truncated values in f64 lanes */
        v128_t a0 = wasm_f64x2_splat(0), a1 = a0, a2 = a0, a3 = a0;
        for (const unsigned char *q = p; q < end; q += 16) {
            const v128_t v = wasm_v128_load(q);
            mx = wasm_u16x8_max(mx, v);
            const v128_t w = wasm_i16x8_add(v, magic);
            const v128_t t0 = wasm_f32x4_trunc(wasm_i32x4_shl(w, 16));
            const v128_t t1 = wasm_f32x4_trunc(wasm_v128_and(w, hi_mask));
            a0 = wasm_f64x2_add(a0, wasm_f64x2_promote_low_f32x4(t0));
            a1 = wasm_f64x2_add(a1, wasm_f64x2_promote_low_f32x4(wasm_high_f32(t0)));
            a2 = wasm_f64x2_add(a2, wasm_f64x2_promote_low_f32x4(t1));
            a3 = wasm_f64x2_add(a3, wasm_f64x2_promote_low_f32x4(wasm_high_f32(t1)));
        }
        if (!wasm_all_below_u16(mx, DC_ONE_BF16))
            return 0;
        const v128_t a = wasm_f64x2_add(wasm_f64x2_add(a0, a1), wasm_f64x2_add(a2, a3));
        const double d = wasm_f64x2_extract_lane(a, 0) + wasm_f64x2_extract_lane(a, 1);
        *sum = (uint64_t)(int64_t)d; /* below 2^41: the signed conversion is shorter in V8 */
        return dc_tail_bf16(p, nv, count, sum);
    }
    if (!wasm_all_below_u16(mx, DC_ONE_BF16))
        return 0;
    v128_t acc = wasm_i64x2_splat(0);
    for (const unsigned char *q = p; q < end; q += 16) {
        const v128_t v = wasm_v128_load(q);
        acc = wasm_exact_f32(acc, wasm_i32x4_shl(v, 16));
        acc = wasm_exact_f32(acc, wasm_v128_and(v, hi_mask));
    }
    *sum = wasm_hsum_u64(acc) - (uint64_t)nv * MAGIC_2P52;
    return dc_tail_bf16(p, nv, count, sum);
}

/* f16: every f16 below 2 is M * 2^(e1 - 25) with M < 2^11 (the mantissa with its
   implicit bit) and e1 = max(e, 1) <= 15, so p * 2^24 = M * 2^(e1 - 1), an integer: one
   i32x4.dot_i16x8 of M and the power per pair of elements (products below 2^25). The
   power's low byte is T[e1] (e1 <= 8), its high byte T[e1 - 8] (e1 >= 9; below, the
   index wraps past 15 and i8x16.swizzle gives 0). Magnitudes of 2 or more give garbage:
   the callers check the block's maximum. */
static inline v128_t wasm_f16_dot24(v128_t m)
{
    const v128_t table = wasm_i8x16_make(0, 1, 2, 4, 8, 16, 32, 64, (int8_t)128, 0, 0, 0, 0, 0, 0, 0);
    const v128_t e1 = wasm_u16x8_max(wasm_u16x8_shr(m, 10), wasm_i16x8_splat(1));
    const v128_t idx = wasm_i16x8_add(wasm_i16x8_add(wasm_i16x8_shl(e1, 8), e1), wasm_i16x8_splat(-0x800));
    const v128_t mant = wasm_i16x8_sub(wasm_i16x8_add(m, wasm_i16x8_splat(1 << 10)), wasm_i16x8_shl(e1, 10));
    return wasm_i32x4_dot_i16x8(mant, wasm_i8x16_swizzle(table, idx));
}

/* f16 at K = 32: u = (p * 2^24) << 8, every block in one pass (two accumulators of 16
   steps: lanes below 2^31). */
static inline int wasm_blk_f16(const unsigned char *p, size_t count, uint64_t *sum, int small)
{
    (void)small;
    const size_t nv = count & ~(size_t)15;
    const unsigned char *const end = p + 2 * nv;
    v128_t mx = wasm_i32x4_splat(0), acc0 = mx, acc1 = mx;
    for (const unsigned char *q = p; q < end; q += 32) {
        const v128_t v0 = wasm_v128_load(q), v1 = wasm_v128_load(q + 16);
        mx = wasm_u16x8_max(mx, wasm_u16x8_max(v0, v1));
        acc0 = wasm_i32x4_add(acc0, wasm_f16_dot24(v0));
        acc1 = wasm_i32x4_add(acc1, wasm_f16_dot24(v1));
    }
    if (!wasm_all_below_u16(mx, DC_ONE_F16)) /* a sign bit, 1.0 or more, NaN */
        return 0;
    *sum = wasm_hsum2(acc0, acc1) << 8;
    return dc_tail_f16(p, nv, count, sum);
}

/* f64: exact for every element below 1.0; the check looks at the high 32 bits (odd
   32-bit lanes). */
static inline v128_t wasm_f64_bits(v128_t b)
{
    const v128_t v = wasm_i64x2_add(b, wasm_i64x2_splat((int64_t)32 << 52));
    return wasm_f64x2_add(wasm_f64x2_trunc(v), wasm_f64x2_splat(4503599627370496.0));
}

static inline int wasm_blk_f64(const unsigned char *p, size_t count, uint64_t *sum)
{
    const size_t nv = count & ~(size_t)3;
    const unsigned char *const end = p + 8 * nv;
    v128_t mx = wasm_i32x4_splat(0), a0 = mx, a1 = mx;
    for (const unsigned char *q = p; q < end; q += 32) {
        const v128_t b0 = wasm_v128_load(q), b1 = wasm_v128_load(q + 16);
        mx = wasm_u32x4_max(mx, wasm_u32x4_max(b0, b1));
        a0 = wasm_i64x2_add(a0, wasm_f64_bits(b0));
        a1 = wasm_i64x2_add(a1, wasm_f64_bits(b1));
    }
    mx = wasm_v128_and(mx, wasm_i64x2_splat((int64_t)0xffffffff00000000u));
    if (!wasm_all_below_u32(mx, (uint32_t)(DC_ONE_F64 >> 32)))
        return 0;
    /* each element added the bits of 2^52, 0x4330000000000000 */
    *sum = wasm_hsum_u64(wasm_i64x2_add(a0, a1)) - (uint64_t)nv * MAGIC_2P52;
    return dc_tail_f64(p, nv, count, sum);
}

/* Calls over at most WASM_SMALL elements tell the block kernels so (SMALL_LIMIT). */
#define FUNCNAME wasm_f32
#define ATTRIBUTES
#define BLK wasm_blk_f32
#define ESIZE 4
#define PADDED 0
#define SMALL_LIMIT WASM_SMALL
#include "kernels/driver_template.h"

#define FUNCNAME wasm_f64
#define ATTRIBUTES
#define BLK wasm_blk_f64
#define ESIZE 8
#define PADDED 0
#include "kernels/driver_template.h"

#define FUNCNAME wasm_f16
#define ATTRIBUTES
#define BLK wasm_blk_f16
#define ESIZE 2
#define PADDED 0
#define SMALL_LIMIT WASM_SMALL
#include "kernels/driver_template.h"

#define FUNCNAME wasm_bf16
#define ATTRIBUTES
#define BLK wasm_blk_bf16
#define ESIZE 2
#define PADDED 0
#define SMALL_LIMIT WASM_SMALL
#include "kernels/driver_template.h"

/* ---- python-0.1 ---- */

/* wasm converts to unsigned with saturation, so p * 2^32 < 2^32 converts directly; as in
   AVX2, the largest bits of a block give both the range check and the largest count. */
typedef struct wasm_acc {
    v128_t raw, hi, lo;
} wasm_acc;

static inline void wasm_add(wasm_acc *a, v128_t q)
{
    q = wasm_u32x4_max(q, wasm_i32x4_splat(1));
    a->hi = wasm_i32x4_add(a->hi, wasm_u32x4_shr(q, 16));
    a->lo = wasm_i32x4_add(a->lo, wasm_v128_and(q, wasm_i32x4_splat(0xFFFF)));
}

static inline void wasm_f32_lanes(wasm_acc *a, v128_t b)
{
    a->raw = wasm_u32x4_max(a->raw, b);
    wasm_add(a, wasm_u32x4_trunc_sat_f32x4(wasm_i32x4_add(b, wasm_i32x4_splat(32 << 23))));
}

/* f16: normal h through dc_wasm_f16_scaled(h) = p * 2^32; subnormal m << 8. */
static inline void wasm_f16_lanes(wasm_acc *a, v128_t h)
{
    a->raw = wasm_u32x4_max(a->raw, h);
    const v128_t sub = wasm_i32x4_gt(wasm_i32x4_splat(0x400), h);
    const v128_t f = wasm_u32x4_trunc_sat_f32x4(dc_wasm_f16_scaled(h));
    wasm_add(a, wasm_v128_bitselect(wasm_i32x4_shl(h, 8), f, sub));
}

static inline int wasm_finish(const wasm_acc *a, uint32_t one, uint64_t *sum, uint32_t *raw)
{
    const v128_t r = a->raw, hi = a->hi, lo = a->lo;
    uint32_t best = 0;
    const uint32_t m[4] = {wasm_u32x4_extract_lane(r, 0), wasm_u32x4_extract_lane(r, 1),
                           wasm_u32x4_extract_lane(r, 2), wasm_u32x4_extract_lane(r, 3)};
    for (int i = 0; i < 4; i++)
        best = m[i] > best ? m[i] : best;
    *raw = best;
    if (best >= one)
        return 1;
    *sum = (((uint64_t)wasm_u32x4_extract_lane(hi, 0) + wasm_u32x4_extract_lane(hi, 1) +
             wasm_u32x4_extract_lane(hi, 2) + wasm_u32x4_extract_lane(hi, 3)) << 16) +
           (uint64_t)wasm_u32x4_extract_lane(lo, 0) + wasm_u32x4_extract_lane(lo, 1) +
           wasm_u32x4_extract_lane(lo, 2) + wasm_u32x4_extract_lane(lo, 3);
    return 0;
}

/* Blocks whose values are all below 2^-5 take a shorter path: each count is below 2^27,
   so 32 of them fit an unsigned 32-bit lane (two accumulators of 4 lanes per block). */
#define PY_FAST_F32 0x3D000000u /* bits of 2^-5 */

static inline v128_t wasm_fast_count(v128_t b)
{
    return wasm_u32x4_max(wasm_u32x4_trunc_sat_f32x4(wasm_i32x4_add(b, wasm_i32x4_splat(32 << 23))),
                          wasm_i32x4_splat(1));
}

static inline uint32_t wasm_hmax(v128_t v)
{
    v = wasm_u32x4_max(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
    v = wasm_u32x4_max(v, wasm_i32x4_shuffle(v, v, 1, 0, 3, 2));
    return wasm_u32x4_extract_lane(v, 0);
}


static void wasm_py01_f32(const unsigned char *p, size_t count, dc_py01_blk *out)
{
    const size_t nv = count & ~(size_t)7;
    v128_t raw = wasm_i32x4_splat(0), a0 = raw, a1 = raw;
    for (size_t i = 0; i < nv; i += 8) {
        const v128_t b0 = wasm_v128_load(p + 4 * i), b1 = wasm_v128_load(p + 4 * i + 16);
        raw = wasm_u32x4_max(raw, wasm_u32x4_max(b0, b1));
        a0 = wasm_i32x4_add(a0, wasm_fast_count(b0));
        a1 = wasm_i32x4_add(a1, wasm_fast_count(b1));
    }
    const uint32_t r = wasm_hmax(raw);
    uint64_t sum = 0;
    if (r >= PY_FAST_F32) {
        wasm_acc a;
        a.raw = a.hi = a.lo = wasm_i32x4_splat(0);
        for (size_t i = 0; i < nv; i += 4)
            wasm_f32_lanes(&a, wasm_v128_load(p + 4 * i));
        uint32_t unused;
        if (wasm_finish(&a, 0x3F800000u, &sum, &unused)) {
            dc_py01_blk_f32(p, count, out);
            return;
        }
    } else {
        sum = wasm_hsum2(a0, a1);
    }
    dc_py01_add_tail(dc_py01_blk_f32, p, 4, nv, count, sum, nv ? dc_py01_cl_f32(r) : 0, out);
}

/* f16 blocks whose values are all below 2^-5 (bits 0x2800) have counts below 2^27 as for
   f32: the signed conversion is exact and 32 counts fit an unsigned 32-bit lane. */
#define PY_FAST_F16 0x2800u

static inline v128_t wasm_fast_count_f16(v128_t h)
{
    const v128_t sub = wasm_i32x4_gt(wasm_i32x4_splat(0x400), h);
    const v128_t f = wasm_i32x4_trunc_sat_f32x4(dc_wasm_f16_scaled(h));
    return wasm_u32x4_max(wasm_v128_bitselect(wasm_i32x4_shl(h, 8), f, sub),
                          wasm_i32x4_splat(1));
}

/* bf16 (widened to the f32 bits h << 16) and f16 (widened to h), 8 elements per step. */
static inline void wasm_py01_16(const unsigned char *p, size_t count, dc_py01_blk *out, int f16)
{
    const size_t nv = count & ~(size_t)7;
    const int shift = f16 ? 0 : 16;
    v128_t raw = wasm_i32x4_splat(0), a0 = raw, a1 = raw;
    for (size_t i = 0; i < nv; i += 8) {
        const v128_t v = wasm_v128_load(p + 2 * i);
        const v128_t b0 = wasm_i32x4_shl(wasm_u32x4_extend_low_u16x8(v), shift);
        const v128_t b1 = wasm_i32x4_shl(wasm_u32x4_extend_high_u16x8(v), shift);
        raw = wasm_u32x4_max(raw, wasm_u32x4_max(b0, b1));
        a0 = wasm_i32x4_add(a0, f16 ? wasm_fast_count_f16(b0) : wasm_fast_count(b0));
        a1 = wasm_i32x4_add(a1, f16 ? wasm_fast_count_f16(b1) : wasm_fast_count(b1));
    }
    const uint32_t r = wasm_hmax(raw);
    const dc_py01_blk_fn scalar = f16 ? dc_py01_blk_f16 : dc_py01_blk_bf16;
    uint64_t sum = 0;
    if (r >= (f16 ? PY_FAST_F16 : PY_FAST_F32)) {
        wasm_acc a;
        a.raw = a.hi = a.lo = wasm_i32x4_splat(0);
        for (size_t i = 0; i < nv; i += 8) {
            const v128_t v = wasm_v128_load(p + 2 * i);
            const v128_t b0 = wasm_i32x4_shl(wasm_u32x4_extend_low_u16x8(v), shift);
            const v128_t b1 = wasm_i32x4_shl(wasm_u32x4_extend_high_u16x8(v), shift);
            if (f16) {
                wasm_f16_lanes(&a, b0);
                wasm_f16_lanes(&a, b1);
            } else {
                wasm_f32_lanes(&a, b0);
                wasm_f32_lanes(&a, b1);
            }
        }
        uint32_t unused;
        if (wasm_finish(&a, f16 ? DC_ONE_F16 : DC_ONE_F32, &sum, &unused)) {
            scalar(p, count, out);
            return;
        }
    } else {
        sum = wasm_hsum2(a0, a1);
    }
    const uint64_t max = nv == 0 ? 0 : f16 ? dc_py01_cl_f16((uint16_t)r) : dc_py01_cl_f32(r);
    dc_py01_add_tail(scalar, p, 2, nv, count, sum, max, out);
}

static void wasm_py01_f16(const unsigned char *p, size_t count, dc_py01_blk *out)
{
    wasm_py01_16(p, count, out, 1);
}

static void wasm_py01_bf16(const unsigned char *p, size_t count, dc_py01_blk *out)
{
    wasm_py01_16(p, count, out, 0);
}

/* f64: a value is in [+0, 1) exactly when its high word is below 0x3FF00000 (sign clear,
   exponent below that of 1.0); then adding 32 to the exponent field gives p * 2^32
   exactly (a subnormal becomes a normal below 1, which truncates to 0, as it should) and
   the saturating unsigned conversion truncates it. Four elements per iteration. */
static void wasm_py01_f64(const unsigned char *p, size_t count, dc_py01_blk *out)
{
    const size_t nv = count & ~(size_t)3;
    const v128_t scale = wasm_i64x2_splat((int64_t)32 << 52);
    wasm_acc a;
    a.raw = a.hi = a.lo = wasm_i32x4_splat(0); /* raw: the high words */
    v128_t cmax = wasm_i32x4_splat(0);
    for (size_t i = 0; i < nv; i += 4) {
        const v128_t b0 = wasm_v128_load(p + 8 * i), b1 = wasm_v128_load(p + 8 * i + 16);
        a.raw = wasm_u32x4_max(a.raw, wasm_i32x4_shuffle(b0, b1, 1, 3, 5, 7));
        const v128_t q0 = wasm_u32x4_trunc_sat_f64x2_zero(wasm_i64x2_add(b0, scale));
        const v128_t q1 = wasm_u32x4_trunc_sat_f64x2_zero(wasm_i64x2_add(b1, scale));
        const v128_t q = wasm_i32x4_shuffle(q0, q1, 0, 1, 4, 5);
        cmax = wasm_u32x4_max(cmax, q);
        wasm_add(&a, q);
    }
    uint64_t sum = 0;
    uint32_t high;
    if (wasm_finish(&a, 0x3FF00000u, &sum, &high)) {
        dc_py01_blk_f64(p, count, out);
        return;
    }
    const uint32_t m = wasm_hmax(cmax);
    dc_py01_add_tail(dc_py01_blk_f64, p, 8, nv, count, sum, nv ? (m > 1 ? m : 1) : 0, out);
}

/* ---- default format, general scale (any K) ----
 *
 * u = floor(|p| * 2^K) through the float unit, exactly, one pass over every block:
 *  f32/bf16: K is added to the exponent field of the magnitude's f32 bits. A normal value
 *            scales exactly; zeros and subnormals become values below 1 (K <= 126), which
 *            truncate to 0 as their u does; when the exponent underflows (K < 0) the bits
 *            turn negative, and the pseudo-max with +0 gives 0, as u is 0 there too.
 *            f32x4.trunc, then the integral floats summed as f64 (exact below 2^53).
 *  f16:      at K >= 24 with every element of the block below 2, the sum at 2^24 (integers:
 *            one dot product per pair, as at K = 32) shifted by K - 24; otherwise M (the
 *            11-bit integer mantissa) converted to f32, E + K added to its exponent field
 *            (M * 2^(E + K) exactly), truncated and summed as f64 like f32.
 *  f64:      as f32 in the 64-bit fields, f64x2.trunc, summed as f64.
 * The f64 sums replace 32-bit lanes (which overflow for the large u the general scale
 * gives its largest elements: a block redone) and the unsigned conversion to 64-bit lanes
 * (many instructions in V8). The statistics use integer max on the bits. K outside
 * DC_KMIN..DC_KMAX (common.h) goes to the scalar reference. */

static inline uint32_t wasm_hmax_u16(v128_t v)
{
    v = wasm_u16x8_max(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
    v = wasm_u16x8_max(v, wasm_i32x4_shuffle(v, v, 1, 0, 3, 2));
    v = wasm_u16x8_max(v, wasm_u32x4_shr(v, 16));
    return (uint32_t)wasm_u16x8_extract_lane(v, 0);
}

typedef struct wasmk_stats {
    v128_t mag; /* max magnitude bits (per lane) */
    v128_t raw; /* max raw bits (f64: of the 32-bit halves) */
    v128_t neg; /* f64: nonzero when a block held a negative value other than -0.0 */
} wasmk_stats;

/* ---- f32 ---- */

/* u of 4 magnitudes m (bits) as floats, kv = k << 23: exact integers (the exponent add
   scales a normal exactly; zeros and subnormals truncate to 0; bits an exponent underflow
   at k < 0 made negative are -x or NaN, which the pseudo-max with +0 maps to 0) */
static inline v128_t wasmk_trunc_f32(v128_t m, v128_t kv)
{
    return wasm_f32x4_trunc(wasm_f32x4_pmax(wasm_f32x4_splat(0.0f), wasm_i32x4_add(m, kv)));
}

/* (a, b) += the 4 integral floats of t as f64: exact while the sums stay below 2^53 (a
   block puts at most 64 values below 2^32 in a lane). In V8 as cheap as the signed
   conversion to 32-bit lanes, and far cheaper than the unsigned one with 64-bit lanes: one
   pass over every block whatever its values (no retry of a block with large elements). */
static inline void wasmk_acc(v128_t *a, v128_t *b, v128_t t)
{
    *a = wasm_f64x2_add(*a, wasm_f64x2_promote_low_f32x4(t));
    *b = wasm_f64x2_add(*b, wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(t, t, 2, 3, 2, 3)));
}

/* the sum of the f64 lanes of four accumulators, as an integer (0 for garbage, which only a
   wrong guess of K or an invalid element gives: their sums are thrown away) */
static inline uint64_t wasmk_fsum(v128_t a0, v128_t a1, v128_t a2, v128_t a3)
{
    const v128_t t = wasm_f64x2_add(wasm_f64x2_add(a0, a1), wasm_f64x2_add(a2, a3));
    const double d = wasm_f64x2_extract_lane(t, 0) + wasm_f64x2_extract_lane(t, 1);
    return d >= 0 && d < 18446744073709551616.0 ? (uint64_t)d : 0;
}

static inline uint64_t wasmk_blk_f32(const unsigned char *p, size_t count, int k, wasmk_stats *st,
                               int *wide, dc_scan_info *info)
{
    (void)wide;
    const size_t nv = count & ~(size_t)7;
    const unsigned char *const end = p + 4 * nv;
    const v128_t kv = wasm_i32x4_splat((int32_t)((uint32_t)k << 23));
    const v128_t absm = wasm_i32x4_splat(0x7fffffff);
    v128_t bm = st->mag, rm = st->raw;
    v128_t a0 = wasm_f64x2_splat(0.0), a1 = a0, a2 = a0, a3 = a0;
    for (const unsigned char *q = p; q < end; q += 32) {
        const v128_t b0 = wasm_v128_load(q), b1 = wasm_v128_load(q + 16);
        const v128_t m0 = wasm_v128_and(b0, absm), m1 = wasm_v128_and(b1, absm);
        bm = wasm_u32x4_max(bm, wasm_u32x4_max(m0, m1));
        rm = wasm_u32x4_max(rm, wasm_u32x4_max(b0, b1));
        wasmk_acc(&a0, &a1, wasmk_trunc_f32(m0, kv));
        wasmk_acc(&a2, &a3, wasmk_trunc_f32(m1, kv));
    }
    st->mag = bm;
    st->raw = rm;
    return wasmk_fsum(a0, a1, a2, a3) + dc_tailk_f32(p, nv, count, k, info);
}

static void wasmk_fin_32(const wasmk_stats *st, dc_scan_info *info)
{
    const uint32_t key = wasm_hmax(st->mag), raw = wasm_hmax(st->raw);
    info->key = key > info->key ? key : info->key;
    info->sign |= raw >= 0x80000000u;
    info->neg |= raw > 0x80000000u;
}

/* ---- bf16 ---- */

static inline uint64_t wasmk_blk_bf16(const unsigned char *p, size_t count, int k, wasmk_stats *st,
                                int *wide, dc_scan_info *info)
{
    (void)wide;
    const size_t nv = count & ~(size_t)15;
    const unsigned char *const end = p + 2 * nv;
    const v128_t kv = wasm_i32x4_splat((int32_t)((uint32_t)k << 23));
    const v128_t absm = wasm_i16x8_splat(0x7fff);
    const v128_t hi = wasm_i32x4_splat((int32_t)0xffff0000u);
    v128_t bm = st->mag, rm = st->raw;
    v128_t a0 = wasm_f64x2_splat(0.0), a1 = a0, a2 = a0, a3 = a0;
    for (const unsigned char *q = p; q < end; q += 32) {
        const v128_t v0 = wasm_v128_load(q), v1 = wasm_v128_load(q + 16);
        const v128_t m0 = wasm_v128_and(v0, absm), m1 = wasm_v128_and(v1, absm);
        bm = wasm_u16x8_max(bm, wasm_u16x8_max(m0, m1));
        rm = wasm_u16x8_max(rm, wasm_u16x8_max(v0, v1));
        wasmk_acc(&a0, &a1, wasmk_trunc_f32(wasm_i32x4_shl(m0, 16), kv));
        wasmk_acc(&a2, &a3, wasmk_trunc_f32(wasm_v128_and(m0, hi), kv));
        wasmk_acc(&a0, &a1, wasmk_trunc_f32(wasm_i32x4_shl(m1, 16), kv));
        wasmk_acc(&a2, &a3, wasmk_trunc_f32(wasm_v128_and(m1, hi), kv));
    }
    st->mag = bm;
    st->raw = rm;
    return wasmk_fsum(a0, a1, a2, a3) + dc_tailk_bf16(p, nv, count, k, info);
}

static void wasmk_fin_16(const wasmk_stats *st, dc_scan_info *info)
{
    const uint32_t key = wasm_hmax_u16(st->mag), raw = wasm_hmax_u16(st->raw);
    info->key = key > info->key ? key : info->key;
    info->sign |= raw >= 0x8000u;
    info->neg |= raw > 0x8000u;
}

/* ---- f16 ---- */

/* M * 2^(e1 - 25 + k) as floats for 4 lanes (M < 2^11 and e1 in 32-bit lanes): exact, the
   exponent stays in range for DC_KMIN_f16..DC_KMAX_f16; M = 0 gives +0 or, below, bits the
   max with +0 maps to 0. float(M) as (2^23 + M) - 2^23: clang sees that M is not negative
   and turns convert_i32x4 into an unsigned conversion, which it scalarises. */
static inline v128_t wasmk_f16_trunc(v128_t mant32, v128_t e32, v128_t kv)
{
    const v128_t f = wasm_f32x4_sub(wasm_v128_or(mant32, wasm_i32x4_splat(0x4b000000)),
                                    wasm_f32x4_splat(8388608.0f));
    return wasmk_trunc_f32(f, wasm_i32x4_add(wasm_i32x4_shl(e32, 23), kv));
}

static inline uint64_t wasmk_blk_f16(const unsigned char *p, size_t count, int k, wasmk_stats *st,
                               int *wide, dc_scan_info *info)
{
    const size_t nv = count & ~(size_t)15;
    const unsigned char *const end = p + 2 * nv;
    const v128_t absm = wasm_i16x8_splat(0x7fff);
    const v128_t one = wasm_i16x8_splat(1), bias = wasm_i16x8_splat(1 << 10);
    const v128_t below2 = wasm_i16x8_splat(0x4000);
    v128_t bm = wasm_i32x4_splat(0), rm = bm;
    if (k >= 24 && !*wide) {
        /* every element below 2: u = (p * 2^24) << (k - 24) exactly (wasm_f16_dot24) */
        v128_t acc0 = bm, acc1 = bm;
        for (const unsigned char *q = p; q < end; q += 32) {
            const v128_t v0 = wasm_v128_load(q), v1 = wasm_v128_load(q + 16);
            const v128_t m0 = wasm_v128_and(v0, absm), m1 = wasm_v128_and(v1, absm);
            bm = wasm_u16x8_max(bm, wasm_u16x8_max(m0, m1));
            rm = wasm_u16x8_max(rm, wasm_u16x8_max(v0, v1));
            acc0 = wasm_i32x4_add(acc0, wasm_f16_dot24(m0));
            acc1 = wasm_i32x4_add(acc1, wasm_f16_dot24(m1));
        }
        if (wasm_i16x8_all_true(wasm_u16x8_lt(bm, below2))) {
            st->mag = wasm_u16x8_max(st->mag, bm);
            st->raw = wasm_u16x8_max(st->raw, rm);
            /* at k >= 64 a nonzero element has u >= 2^40: the K rule never picks it */
            const uint64_t s24 = wasm_hsum2(acc0, acc1);
            const uint64_t s = k < 64 ? s24 << (k - 24) : s24 != 0 ? (uint64_t)1 << 63 : 0;
            return s + dc_tailk_f16(p, nv, count, k, info);
        }
    }
    /* any k, any values: M * 2^(e1 - 25 + k) through the float unit, summed as f64; the
       next block tries the dot product again unless this one held an element >= 2 */
    const v128_t kv = wasm_i32x4_splat((int32_t)((uint32_t)(k - 25) << 23));
    v128_t a0 = wasm_f64x2_splat(0.0), a1 = a0, a2 = a0, a3 = a0;
    for (const unsigned char *q = p; q < end; q += 16) {
        const v128_t v = wasm_v128_load(q);
        const v128_t m = wasm_v128_and(v, absm);
        const v128_t e1 = wasm_u16x8_max(wasm_u16x8_shr(m, 10), one);
        const v128_t mant = wasm_i16x8_sub(wasm_i16x8_add(m, bias), wasm_i16x8_shl(e1, 10));
        bm = wasm_u16x8_max(bm, m);
        rm = wasm_u16x8_max(rm, v);
        wasmk_acc(&a0, &a1, wasmk_f16_trunc(wasm_u32x4_extend_low_u16x8(mant), wasm_u32x4_extend_low_u16x8(e1), kv));
        wasmk_acc(&a2, &a3, wasmk_f16_trunc(wasm_u32x4_extend_high_u16x8(mant), wasm_u32x4_extend_high_u16x8(e1), kv));
    }
    *wide = !wasm_i16x8_all_true(wasm_u16x8_lt(bm, below2));
    st->mag = wasm_u16x8_max(st->mag, bm);
    st->raw = wasm_u16x8_max(st->raw, rm);
    return wasmk_fsum(a0, a1, a2, a3) + dc_tailk_f16(p, nv, count, k, info);
}

/* ---- f64 ---- */

static inline uint64_t wasmk_blk_f64(const unsigned char *p, size_t count, int k, wasmk_stats *st,
                               int *wide, dc_scan_info *info)
{
    (void)wide;
    const size_t nv = count & ~(size_t)3;
    const unsigned char *const end = p + 8 * nv;
    const v128_t kv = wasm_i64x2_splat((int64_t)((uint64_t)(int64_t)k << 52));
    const v128_t absm = wasm_i64x2_splat(INT64_MAX);
    const v128_t zero = wasm_f64x2_splat(0.0);
    v128_t bm = st->mag, rx = wasm_i32x4_splat(0), a0 = zero, a1 = zero;
    for (const unsigned char *q = p; q < end; q += 32) {
        const v128_t b0 = wasm_v128_load(q), b1 = wasm_v128_load(q + 16);
        const v128_t m0 = wasm_v128_and(b0, absm), m1 = wasm_v128_and(b1, absm);
        bm = wasm_u32x4_max(bm, wasm_u32x4_max(m0, m1));
        rx = wasm_u32x4_max(rx, wasm_u32x4_max(b0, b1));
        /* u as an f64 integer: k added to the exponent field (an underflow at k < 0 gives
           negative bits, which the pseudo-max with +0 maps to 0); summed exactly (< 2^53) */
        a0 = wasm_f64x2_add(a0, wasm_f64x2_trunc(wasm_f64x2_pmax(zero, wasm_i64x2_add(m0, kv))));
        a1 = wasm_f64x2_add(a1, wasm_f64x2_trunc(wasm_f64x2_pmax(zero, wasm_i64x2_add(m1, kv))));
    }
    /* a negative value other than -0.0: the high half of its bits above 0x80000000, or equal
       with low bits set (a tiny negative subnormal): rescan a block where the largest high
       half is 0x80000000 (it holds a -0.0 or such a value) */
    const uint32_t h0 = wasm_u32x4_extract_lane(rx, 1), h1 = wasm_u32x4_extract_lane(rx, 3);
    const uint32_t h = h0 > h1 ? h0 : h1;
    int neg = h > 0x80000000u;
    if (h == 0x80000000u) {
        /* the sign spread over the high 32-bit lane by an i32 shift, and a nonzero
           magnitude (i64 shifts and compares of the sign would be simpler, but V8 has no
           SSE instruction for them and clang rewrites the compares into scalar code) */
        v128_t nm = wasm_i32x4_splat(0);
        for (const unsigned char *q = p; q < end; q += 16) {
            const v128_t b = wasm_v128_load(q);
            nm = wasm_v128_or(nm, wasm_v128_andnot(wasm_i32x4_shr(b, 31),
                                                   wasm_i64x2_eq(wasm_v128_and(b, absm), wasm_i64x2_splat(0))));
        }
        neg = wasm_v128_any_true(wasm_v128_and(nm, wasm_i64x2_splat((int64_t)0xffffffff00000000u)));
    }
    st->mag = bm;
    st->raw = wasm_u32x4_max(st->raw, rx);
    st->neg = wasm_v128_or(st->neg, wasm_i32x4_splat(-neg));
    const double d = wasm_f64x2_extract_lane(wasm_f64x2_add(a0, a1), 0) +
                     wasm_f64x2_extract_lane(wasm_f64x2_add(a0, a1), 1);
    const uint64_t s = d >= 0 && d < 18446744073709551616.0 ? (uint64_t)d : 0;
    return s + dc_tailk_f64(p, nv, count, k, info);
}

static void wasmk_fin_64(const wasmk_stats *st, dc_scan_info *info)
{
    const v128_t hi = wasm_i64x2_splat((int64_t)0xffffffff00000000u);
    const uint32_t key = wasm_hmax(wasm_v128_and(st->mag, hi));
    info->key = key > info->key ? key : info->key;
    info->sign |= wasm_hmax(wasm_v128_and(st->raw, hi)) >= 0x80000000u;
    info->neg |= wasm_v128_any_true(st->neg);
}

/* ---- drivers ---- */

/* k ranges where the conversions above are exact (see the top of the file) */

#define FUNCNAME wasm_f32
#define ATTRIBUTES
#define DT f32
#define STATS wasmk_stats
#define STATS_ZERO {wasm_i32x4_splat(0), wasm_i32x4_splat(0), wasm_i32x4_splat(0)}
#define BLK wasmk_blk_f32
#define FIN wasmk_fin_32
#define ESIZE 4
#include "kernels/driverk_template.h"

#define FUNCNAME wasm_f64
#define ATTRIBUTES
#define DT f64
#define STATS wasmk_stats
#define STATS_ZERO {wasm_i32x4_splat(0), wasm_i32x4_splat(0), wasm_i32x4_splat(0)}
#define BLK wasmk_blk_f64
#define FIN wasmk_fin_64
#define ESIZE 8
#include "kernels/driverk_template.h"

#define FUNCNAME wasm_f16
#define ATTRIBUTES
#define DT f16
#define STATS wasmk_stats
#define STATS_ZERO {wasm_i32x4_splat(0), wasm_i32x4_splat(0), wasm_i32x4_splat(0)}
#define BLK wasmk_blk_f16
#define FIN wasmk_fin_16
#define ESIZE 2
#include "kernels/driverk_template.h"

#define FUNCNAME wasm_bf16
#define ATTRIBUTES
#define DT bf16
#define STATS wasmk_stats
#define STATS_ZERO {wasm_i32x4_splat(0), wasm_i32x4_splat(0), wasm_i32x4_splat(0)}
#define BLK wasmk_blk_bf16
#define FIN wasmk_fin_16
#define ESIZE 2
#include "kernels/driverk_template.h"

const dc_kernels dc_kernels_wasm_simd128 = {
    "wasm-simd128",
    {wasm_f32_sum32, wasm_f64_sum32, wasm_f16_sum32, wasm_bf16_sum32},
    {wasm_f32_blocks32, wasm_f64_blocks32, wasm_f16_blocks32, wasm_bf16_blocks32},
    {wasm_py01_f32, wasm_py01_f64, wasm_py01_f16, wasm_py01_bf16},
    {wasm_f32_sumk, wasm_f64_sumk, wasm_f16_sumk, wasm_bf16_sumk},
    {wasm_f32_blocksk, wasm_f64_blocksk, wasm_f16_blocksk, wasm_bf16_blocksk},
};

#else

/* ISO C wants at least one declaration in a translation unit. */
typedef int dc_kernels_wasm_unused;

#endif /* DC_HAVE_WASM_KERNELS */
