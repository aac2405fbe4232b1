/* avx2.c - the AVX2 kernel set (x86-64, chosen at run time by dc_cpu_has_avx2()), both
 * formats, on the scheme of sse2.c. Results equal dc_kernels_scalar's bit for bit
 * (test/test_kernels.c, test_python01.c). */
#include "kernels/x86/x86.h"

#ifdef DC_HAVE_X86_KERNELS

/* ---- default format ---- */

DC_AVX2 static inline uint64_t avx2_hsum_u64(__m256i t)
{
    __m128i x = _mm_add_epi64(_mm256_castsi256_si128(t), _mm256_extracti128_si256(t, 1));
    x = _mm_add_epi64(x, _mm_unpackhi_epi64(x, x));
    return (uint64_t)_mm_cvtsi128_si64(x);
}

/* Adds the eight unsigned 32-bit lanes of v to the four 64-bit lanes of acc. */
DC_AVX2 static inline __m256i avx2_add_u32_to_u64(__m256i acc, __m256i v)
{
    const __m256i lo = _mm256_and_si256(v, _mm256_set1_epi64x(0xffffffff));
    return _mm256_add_epi64(acc, _mm256_add_epi64(lo, _mm256_srli_epi64(v, 32)));
}

DC_AVX2 static inline int avx2_all_below_u32(__m256i v, uint32_t lim)
{
    const __m256i l = _mm256_set1_epi32((int)(lim - 1));
    return _mm256_movemask_epi8(_mm256_cmpeq_epi32(_mm256_max_epu32(v, l), l)) == -1;
}

DC_AVX2 static inline int avx2_all_below_u16(__m256i v, uint32_t lim)
{
    const __m256i l = _mm256_set1_epi16((short)(lim - 1));
    return _mm256_movemask_epi8(_mm256_cmpeq_epi16(_mm256_max_epu16(v, l), l)) == -1;
}

/* Exact floor(p * 2^32) of f32 bits below 1.0 with integer shifts: (2^23 + m) shifted by
   e - 118 (variable shifts by a count >= 32, including "negative" ones, give 0). */
DC_AVX2 static inline __m256i avx2_u_f32(__m256i b)
{
    const __m256i e = _mm256_srli_epi32(b, 23);
    const __m256i m = _mm256_or_si256(_mm256_and_si256(b, _mm256_set1_epi32(0x7fffff)),
                                      _mm256_set1_epi32(0x800000));
    const __m256i c = _mm256_set1_epi32(118);
    return _mm256_or_si256(_mm256_sllv_epi32(m, _mm256_sub_epi32(e, c)),
                           _mm256_srlv_epi32(m, _mm256_sub_epi32(c, e)));
}

/* f32: fast when every element is below 2^-4 (2 accumulators: 16 values per lane). */
#define AVX2_FAST_F32 0x3d800000u

DC_AVX2 static inline int avx2_blk_f32(const unsigned char *p, size_t count, uint64_t *sum)
{
    const size_t nv = count & ~(size_t)15;
    const unsigned char *const end = p + 4 * nv;
    const __m256i magic = _mm256_set1_epi32(32 << 23);
    __m256i mx = _mm256_setzero_si256(), a0 = mx, a1 = mx;
    for (const unsigned char *q = p; q < end; q += 64) {
        const __m256i b0 = _mm256_loadu_si256((const __m256i *)q);
        const __m256i b1 = _mm256_loadu_si256((const __m256i *)(q + 32));
        mx = _mm256_max_epu32(mx, _mm256_max_epu32(b0, b1));
        a0 = _mm256_add_epi32(
            a0, _mm256_cvttps_epi32(_mm256_castsi256_ps(_mm256_add_epi32(b0, magic))));
        a1 = _mm256_add_epi32(
            a1, _mm256_cvttps_epi32(_mm256_castsi256_ps(_mm256_add_epi32(b1, magic))));
    }
    __m256i acc = _mm256_setzero_si256();
    if (avx2_all_below_u32(mx, AVX2_FAST_F32)) {
        acc = avx2_add_u32_to_u64(avx2_add_u32_to_u64(acc, a0), a1);
    } else {
        if (!avx2_all_below_u32(mx, DC_ONE_F32))
            return 0;
        for (const unsigned char *q = p; q < end; q += 32)
            acc = avx2_add_u32_to_u64(acc, avx2_u_f32(_mm256_loadu_si256((const __m256i *)q)));
    }
    *sum = avx2_hsum_u64(acc);
    return dc_tail_f32(p, nv, count, sum);
}

/* bf16: as f32 on the bits h << 16, 16 elements per step (two halves of 8). */
#define AVX2_FAST_BF16 0x3d80u

DC_AVX2 static inline int avx2_blk_bf16(const unsigned char *p, size_t count, uint64_t *sum)
{
    const size_t nv = count & ~(size_t)15;
    const unsigned char *const end = p + 2 * nv;
    const __m256i magic = _mm256_set1_epi32(32 << 23);
    const __m256i zero = _mm256_setzero_si256();
    __m256i mx = zero, a0 = zero, a1 = zero;
    for (const unsigned char *q = p; q < end; q += 32) {
        const __m256i v = _mm256_loadu_si256((const __m256i *)q);
        mx = _mm256_max_epu16(mx, v);
        const __m256i lo = _mm256_unpacklo_epi16(zero, v), hi = _mm256_unpackhi_epi16(zero, v);
        a0 = _mm256_add_epi32(
            a0, _mm256_cvttps_epi32(_mm256_castsi256_ps(_mm256_add_epi32(lo, magic))));
        a1 = _mm256_add_epi32(
            a1, _mm256_cvttps_epi32(_mm256_castsi256_ps(_mm256_add_epi32(hi, magic))));
    }
    __m256i acc = zero;
    if (avx2_all_below_u16(mx, AVX2_FAST_BF16)) {
        acc = avx2_add_u32_to_u64(avx2_add_u32_to_u64(acc, a0), a1);
    } else {
        if (!avx2_all_below_u16(mx, DC_ONE_BF16))
            return 0;
        for (const unsigned char *q = p; q < end; q += 32) {
            const __m256i v = _mm256_loadu_si256((const __m256i *)q);
            acc = avx2_add_u32_to_u64(acc, avx2_u_f32(_mm256_unpacklo_epi16(zero, v)));
            acc = avx2_add_u32_to_u64(acc, avx2_u_f32(_mm256_unpackhi_epi16(zero, v)));
        }
    }
    *sum = avx2_hsum_u64(acc);
    return dc_tail_bf16(p, nv, count, sum);
}

/* Exact floor(p * 2^32) of f16 bits h < 1.0 in 32-bit lanes, integer only: with
   e1 = max(e, 1) it is (h + 2^10 - (e1 << 10)) << (e1 + 7), which is m << 8 for
   subnormals and (2^10 + m) << (e + 7) for normals. */
DC_AVX2 static inline __m256i avx2_u_f16(__m256i h)
{
    const __m256i e1 = _mm256_max_epi32(_mm256_srli_epi32(h, 10), _mm256_set1_epi32(1));
    const __m256i mant = _mm256_sub_epi32(_mm256_add_epi32(h, _mm256_set1_epi32(1 << 10)),
                                          _mm256_slli_epi32(e1, 10));
    return _mm256_sllv_epi32(mant, _mm256_add_epi32(e1, _mm256_set1_epi32(7)));
}

#define AVX2_FAST_F16 0x2c00u /* 2^-4 */

DC_AVX2 static inline int avx2_blk_f16(const unsigned char *p, size_t count, uint64_t *sum)
{
    const size_t nv = count & ~(size_t)15;
    const unsigned char *const end = p + 2 * nv;
    const __m256i zero = _mm256_setzero_si256();
    __m256i mx = zero, a0 = zero, a1 = zero;
    for (const unsigned char *q = p; q < end; q += 32) {
        const __m256i v = _mm256_loadu_si256((const __m256i *)q);
        mx = _mm256_max_epu16(mx, v);
        a0 = _mm256_add_epi32(a0, avx2_u_f16(_mm256_unpacklo_epi16(v, zero)));
        a1 = _mm256_add_epi32(a1, avx2_u_f16(_mm256_unpackhi_epi16(v, zero)));
    }
    __m256i acc = zero;
    if (avx2_all_below_u16(mx, AVX2_FAST_F16)) {
        acc = avx2_add_u32_to_u64(avx2_add_u32_to_u64(acc, a0), a1);
    } else {
        if (!avx2_all_below_u16(mx, DC_ONE_F16))
            return 0;
        for (const unsigned char *q = p; q < end; q += 32) {
            const __m256i v = _mm256_loadu_si256((const __m256i *)q);
            acc = avx2_add_u32_to_u64(acc, avx2_u_f16(_mm256_unpacklo_epi16(v, zero)));
            acc = avx2_add_u32_to_u64(acc, avx2_u_f16(_mm256_unpackhi_epi16(v, zero)));
        }
    }
    *sum = avx2_hsum_u64(acc);
    return dc_tail_f16(p, nv, count, sum);
}

/* f64, exact for every element below 1.0, 64-bit lanes throughout:
   ((b << 11) | 2^63) >> (1054 - e) = (2^52 + m) >> (1043 - e); counts >= 64 give 0.
   The check is on the high 32 bits of each element (odd 32-bit lanes of mx). */
DC_AVX2 static inline __m256i avx2_u_f64(__m256i b)
{
    const __m256i m = _mm256_or_si256(_mm256_slli_epi64(b, 11),
                                      _mm256_set1_epi64x((int64_t)((uint64_t)1 << 63)));
    const __m256i sh = _mm256_sub_epi64(_mm256_set1_epi64x(1054), _mm256_srli_epi64(b, 52));
    return _mm256_srlv_epi64(m, sh);
}

DC_AVX2 static inline int avx2_blk_f64(const unsigned char *p, size_t count, uint64_t *sum)
{
    const size_t nv = count & ~(size_t)7;
    const unsigned char *const end = p + 8 * nv;
    __m256i mx = _mm256_setzero_si256(), a0 = mx, a1 = mx;
    for (const unsigned char *q = p; q < end; q += 64) {
        const __m256i b0 = _mm256_loadu_si256((const __m256i *)q);
        const __m256i b1 = _mm256_loadu_si256((const __m256i *)(q + 32));
        mx = _mm256_max_epu32(mx, _mm256_max_epu32(b0, b1));
        a0 = _mm256_add_epi64(a0, avx2_u_f64(b0));
        a1 = _mm256_add_epi64(a1, avx2_u_f64(b1));
    }
    mx = _mm256_and_si256(mx, _mm256_set1_epi64x((int64_t)0xffffffff00000000u));
    if (!avx2_all_below_u32(mx, (uint32_t)(DC_ONE_F64 >> 32)))
        return 0;
    *sum = avx2_hsum_u64(_mm256_add_epi64(a0, a1));
    return dc_tail_f64(p, nv, count, sum);
}

#define FUNCNAME avx2_f32
#define ATTRIBUTES DC_AVX2
#define BLK avx2_blk_f32
#define ESIZE 4
#define PADDED 1
#include "kernels/driver_template.h"

#define FUNCNAME avx2_f64
#define ATTRIBUTES DC_AVX2
#define BLK avx2_blk_f64
#define ESIZE 8
#define PADDED 1
#include "kernels/driver_template.h"

#define FUNCNAME avx2_f16
#define ATTRIBUTES DC_AVX2
#define BLK avx2_blk_f16
#define ESIZE 2
#define PADDED 1
#include "kernels/driver_template.h"

#define FUNCNAME avx2_bf16
#define ATTRIBUTES DC_AVX2
#define BLK avx2_blk_bf16
#define ESIZE 2
#define PADDED 1
#include "kernels/driver_template.h"

/* ---- python-0.1 ---- */

/* AVX2. The counts of non-negative values below 1 grow with their bits, so the largest
   count of a block is the count of its largest bit pattern: one unsigned max serves as
   both the range check and the maximum. p in [0.5, 1) (exponent field 126) has the count
   (2^23 + m) << 8 straight from the bits; smaller p go through the float conversion. */
typedef struct avx2_acc {
    __m256i raw, hi, lo;
} avx2_acc;

DC_AVX2 static inline void avx2_add(avx2_acc *a, __m256i q)
{
    q = _mm256_max_epu32(q, _mm256_set1_epi32(1));
    a->hi = _mm256_add_epi32(a->hi, _mm256_srli_epi32(q, 16));
    a->lo = _mm256_add_epi32(a->lo, _mm256_and_si256(q, _mm256_set1_epi32(0xFFFF)));
}

DC_AVX2 static inline void avx2_f32_lanes(avx2_acc *a, __m256i b)
{
    a->raw = _mm256_max_epu32(a->raw, b);
    const __m256i ge = _mm256_cmpgt_epi32(b, _mm256_set1_epi32(0x3EFFFFFF));
    const __m256i big = _mm256_or_si256(_mm256_slli_epi32(b, 8), _mm256_set1_epi32((int)0x80000000u));
    const __m256i small = _mm256_cvttps_epi32(
        _mm256_castsi256_ps(_mm256_add_epi32(b, _mm256_set1_epi32(32 << 23))));
    avx2_add(a, _mm256_blendv_epi8(small, big, ge));
}

/* f16 bits h in 32-bit lanes: subnormal m << 8; normal below 0.5 through the float
   dc_avx2_f16_scaled(h) = p * 2^32; [0.5, 1) is (2^10 + m) << 21. */
DC_AVX2 static inline void avx2_f16_lanes(avx2_acc *a, __m256i h)
{
    a->raw = _mm256_max_epu32(a->raw, h);
    const __m256i ge = _mm256_cmpgt_epi32(h, _mm256_set1_epi32(0x37FF));
    const __m256i sub = _mm256_cmpgt_epi32(_mm256_set1_epi32(0x400), h);
    const __m256i big = _mm256_or_si256(_mm256_slli_epi32(h, 21), _mm256_set1_epi32((int)0x80000000u));
    const __m256i mid = _mm256_cvttps_epi32(_mm256_castsi256_ps(dc_avx2_f16_scaled(h)));
    const __m256i q = _mm256_blendv_epi8(_mm256_blendv_epi8(mid, big, ge), _mm256_slli_epi32(h, 8), sub);
    avx2_add(a, q);
}

/* Reduces the vector part; 1 when its largest bits are not below `one` (then the caller
   uses the scalar kernel for the whole block). */
DC_AVX2 static inline int avx2_finish(const avx2_acc *a, uint32_t one, uint64_t *sum,
                                      uint32_t *raw)
{
    __m128i r = _mm_max_epu32(_mm256_castsi256_si128(a->raw), _mm256_extracti128_si256(a->raw, 1));
    r = _mm_max_epu32(r, _mm_shuffle_epi32(r, 0x4E));
    r = _mm_max_epu32(r, _mm_shuffle_epi32(r, 0xB1));
    *raw = (uint32_t)_mm_cvtsi128_si32(r);
    if (*raw >= one)
        return 1;
    const __m128i h = _mm_add_epi32(_mm256_castsi256_si128(a->hi), _mm256_extracti128_si256(a->hi, 1));
    const __m128i l = _mm_add_epi32(_mm256_castsi256_si128(a->lo), _mm256_extracti128_si256(a->lo, 1));
    *sum = (dc_sse2_hsum_u32(h) << 16) + dc_sse2_hsum_u32(l);
    return 0;
}

/* Blocks whose values are all below 2^-5 (nearly all blocks of a real distribution) take
   a shorter path: each count is below 2^27, so 16 of them fit a 32-bit lane. */
#define PY_FAST_F32 0x3D000000u /* bits of 2^-5 */

DC_AVX2 static inline uint64_t avx2_hsum2(__m256i a0, __m256i a1) /* lanes below 2^31 each */
{
    const __m256i a = _mm256_add_epi32(a0, a1);
    return dc_sse2_hsum_u32(_mm256_castsi256_si128(a)) + dc_sse2_hsum_u32(_mm256_extracti128_si256(a, 1));
}

DC_AVX2 static inline uint32_t avx2_hmax(__m256i v)
{
    __m128i r = _mm_max_epu32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    r = _mm_max_epu32(r, _mm_shuffle_epi32(r, 0x4E));
    r = _mm_max_epu32(r, _mm_shuffle_epi32(r, 0xB1));
    return (uint32_t)_mm_cvtsi128_si32(r);
}

DC_AVX2 static inline __m256i avx2_fast_count(__m256i b)
{
    const __m256i q = _mm256_cvttps_epi32(
        _mm256_castsi256_ps(_mm256_add_epi32(b, _mm256_set1_epi32(32 << 23))));
    return _mm256_max_epu32(q, _mm256_set1_epi32(1));
}

DC_AVX2 static void avx2_py01_f32(const unsigned char *p, size_t count, dc_py01_blk *out)
{
    const size_t nv = count & ~(size_t)15;
    __m256i raw = _mm256_setzero_si256(), a0 = raw, a1 = raw;
    for (size_t i = 0; i < nv; i += 16) {
        const __m256i b0 = _mm256_loadu_si256((const __m256i *)(p + 4 * i));
        const __m256i b1 = _mm256_loadu_si256((const __m256i *)(p + 4 * i + 32));
        raw = _mm256_max_epu32(raw, _mm256_max_epu32(b0, b1));
        a0 = _mm256_add_epi32(a0, avx2_fast_count(b0));
        a1 = _mm256_add_epi32(a1, avx2_fast_count(b1));
    }
    const uint32_t r = avx2_hmax(raw);
    uint64_t sum = 0;
    if (r >= PY_FAST_F32) {
        avx2_acc a;
        a.raw = a.hi = a.lo = _mm256_setzero_si256();
        for (size_t i = 0; i < nv; i += 8)
            avx2_f32_lanes(&a, _mm256_loadu_si256((const __m256i *)(p + 4 * i)));
        uint32_t unused;
        if (avx2_finish(&a, 0x3F800000u, &sum, &unused)) {
            dc_py01_blk_f32(p, count, out);
            return;
        }
    } else {
        sum = avx2_hsum2(a0, a1);
    }
    dc_py01_add_tail(dc_py01_blk_f32, p, 4, nv, count, sum, nv ? dc_py01_cl_f32(r) : 0, out);
}

DC_AVX2 static void avx2_py01_bf16(const unsigned char *p, size_t count, dc_py01_blk *out)
{
    const size_t nv = count & ~(size_t)15;
    __m256i raw = _mm256_setzero_si256(), a0 = raw, a1 = raw;
    for (size_t i = 0; i < nv; i += 16) {
        const __m128i v0 = _mm_loadu_si128((const __m128i *)(p + 2 * i));
        const __m128i v1 = _mm_loadu_si128((const __m128i *)(p + 2 * i + 16));
        const __m256i b0 = _mm256_slli_epi32(_mm256_cvtepu16_epi32(v0), 16);
        const __m256i b1 = _mm256_slli_epi32(_mm256_cvtepu16_epi32(v1), 16);
        raw = _mm256_max_epu32(raw, _mm256_max_epu32(b0, b1));
        a0 = _mm256_add_epi32(a0, avx2_fast_count(b0));
        a1 = _mm256_add_epi32(a1, avx2_fast_count(b1));
    }
    const uint32_t r = avx2_hmax(raw);
    uint64_t sum = 0;
    if (r >= PY_FAST_F32) {
        avx2_acc a;
        a.raw = a.hi = a.lo = _mm256_setzero_si256();
        for (size_t i = 0; i < nv; i += 8) {
            const __m128i v = _mm_loadu_si128((const __m128i *)(p + 2 * i));
            avx2_f32_lanes(&a, _mm256_slli_epi32(_mm256_cvtepu16_epi32(v), 16));
        }
        uint32_t unused;
        if (avx2_finish(&a, 0x3F800000u, &sum, &unused)) {
            dc_py01_blk_bf16(p, count, out);
            return;
        }
    } else {
        sum = avx2_hsum2(a0, a1);
    }
    dc_py01_add_tail(dc_py01_blk_bf16, p, 2, nv, count, sum, nv ? dc_py01_cl_f32(r) : 0, out);
}

DC_AVX2 static void avx2_py01_f16(const unsigned char *p, size_t count, dc_py01_blk *out)
{
    const size_t nv = count & ~(size_t)15;
    avx2_acc a;
    a.raw = a.hi = a.lo = _mm256_setzero_si256();
    for (size_t i = 0; i < nv; i += 16) {
        const __m128i v0 = _mm_loadu_si128((const __m128i *)(p + 2 * i));
        const __m128i v1 = _mm_loadu_si128((const __m128i *)(p + 2 * i + 16));
        avx2_f16_lanes(&a, _mm256_cvtepu16_epi32(v0));
        avx2_f16_lanes(&a, _mm256_cvtepu16_epi32(v1));
    }
    uint64_t sum = 0;
    uint32_t raw;
    if (avx2_finish(&a, 0x3C00u, &sum, &raw))
        dc_py01_blk_f16(p, count, out);
    else
        dc_py01_add_tail(dc_py01_blk_f16, p, 2, nv, count, sum, nv ? dc_py01_cl_f16((uint16_t)raw) : 0, out);
}

/* ---- default format, general scale (any K) ----
 *
 * u = floor(|p| * 2^K) with integer shifts of the mantissa (variable shifts by a count of
 * 32 / 64 or more, including "negative" counts, give 0): f32/bf16 (2^23 + m) shifted by
 * e - 150 + K, f16 M shifted by e1 - 25 + K, f64 ((2^52 + m) << 11) shifted right by
 * 1086 - K - e. Zeros and subnormals shift out entirely within DC_KMIN..DC_KMAX
 * (common.h); other K go to the scalar reference. f32/bf16 blocks whose elements are all
 * below 2^(28 - K) use the cheaper exact path of the K = 32 kernels instead: K added to
 * the exponent field and a signed conversion (u is below 2^28 there), summed in 32-bit
 * lanes. Statistics: integer max on the bits. */

DC_AVX2 static inline uint32_t avx2_hmax_u16(__m256i v)
{
    __m128i x = _mm_max_epu16(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    x = _mm_max_epu16(x, _mm_shuffle_epi32(x, 0x4e));
    x = _mm_max_epu16(x, _mm_shuffle_epi32(x, 0xb1));
    x = _mm_max_epu16(x, _mm_srli_epi32(x, 16));
    return (uint32_t)_mm_cvtsi128_si32(x) & 0xffffu;
}

typedef struct avx2k_stats {
    __m256i mag; /* max magnitude bits per lane (f64: high halves used) */
    __m256i raw; /* max raw bits (f64: OR of raw bits) */
    __m256i neg; /* f64: OR of negative values' bits shifted left once */
} avx2k_stats;

/* exact u of f32 magnitudes m: (2^23 + m) << (e - c) | >> (c - e), c = 150 - K */
DC_AVX2 static inline __m256i avx2k_u_f32_exact(__m256i m, __m256i c)
{
    const __m256i e = _mm256_srli_epi32(m, 23);
    const __m256i mant = _mm256_or_si256(_mm256_and_si256(m, _mm256_set1_epi32(0x7fffff)),
                                         _mm256_set1_epi32(0x800000));
    return _mm256_or_si256(_mm256_sllv_epi32(mant, _mm256_sub_epi32(e, c)),
                           _mm256_srlv_epi32(mant, _mm256_sub_epi32(c, e)));
}

/* u of f32 magnitudes below 2^(28 - K): K added to the exponent field, signed conversion
   (the truncation of a value below 1 is 0, so zeros and subnormals need nothing) */
DC_AVX2 static inline __m256i avx2k_u_f32_small(__m256i m, __m256i kv)
{
    return _mm256_cvttps_epi32(_mm256_castsi256_ps(_mm256_add_epi32(m, kv)));
}

/* f32 (bf16: the same on h << 16): 32-bit lanes while the block is below the limit. */
DC_AVX2 static inline uint64_t avx2k_blk_f32(const unsigned char *p, size_t count, int k, avx2k_stats *st,
                                    int *wide, dc_scan_info *info)
{
    const size_t nv = count & ~(size_t)15;
    const unsigned char *const end = p + 4 * nv;
    const __m256i kv = _mm256_set1_epi32((int)((uint32_t)k << 23));
    const __m256i c = _mm256_set1_epi32(150 - k);
    const __m256i absm = _mm256_set1_epi32(0x7fffffff);
    const uint32_t lim = (uint32_t)(155 - k) << 23; /* 2^(28 - K): 16 values per lane */
    __m256i bm = _mm256_setzero_si256(), rm = bm;
    uint64_t s = 0;
    int done = 0;
    if (!*wide) {
        __m256i a0 = bm, a1 = bm;
        for (const unsigned char *q = p; q < end; q += 64) {
            const __m256i b0 = _mm256_loadu_si256((const __m256i *)q);
            const __m256i b1 = _mm256_loadu_si256((const __m256i *)(q + 32));
            const __m256i m0 = _mm256_and_si256(b0, absm), m1 = _mm256_and_si256(b1, absm);
            bm = _mm256_max_epu32(bm, _mm256_max_epu32(m0, m1));
            rm = _mm256_max_epu32(rm, _mm256_max_epu32(b0, b1));
            a0 = _mm256_add_epi32(a0, avx2k_u_f32_small(m0, kv));
            a1 = _mm256_add_epi32(a1, avx2k_u_f32_small(m1, kv));
        }
        if (avx2_all_below_u32(bm, lim)) {
            s = avx2_hsum_u64(avx2_add_u32_to_u64(avx2_add_u32_to_u64(_mm256_setzero_si256(), a0), a1));
            done = 1;
        } else {
            *wide = 1;
        }
    }
    if (!done) {
        __m256i acc = _mm256_setzero_si256();
        for (const unsigned char *q = p; q < end; q += 32) {
            const __m256i b = _mm256_loadu_si256((const __m256i *)q);
            const __m256i m = _mm256_and_si256(b, absm);
            bm = _mm256_max_epu32(bm, m);
            rm = _mm256_max_epu32(rm, b);
            acc = avx2_add_u32_to_u64(acc, avx2k_u_f32_exact(m, c));
        }
        s = avx2_hsum_u64(acc);
        *wide = k < 0 || !avx2_all_below_u32(bm, lim);
    }
    st->mag = _mm256_max_epu32(st->mag, bm);
    st->raw = _mm256_max_epu32(st->raw, rm);
    s += dc_tailk_f32(p, nv, count, k, info);
    return s;
}

DC_AVX2 static void avx2k_fin_32(const avx2k_stats *st, dc_scan_info *info)
{
    const uint32_t key = avx2_hmax(st->mag), raw = avx2_hmax(st->raw);
    info->key = key > info->key ? key : info->key;
    info->sign |= raw >= 0x80000000u;
    info->neg |= raw > 0x80000000u;
}

DC_AVX2 static void avx2k_fin_16(const avx2k_stats *st, dc_scan_info *info)
{
    const uint32_t key = avx2_hmax_u16(st->mag), raw = avx2_hmax_u16(st->raw);
    info->key = key > info->key ? key : info->key;
    info->sign |= raw >= 0x8000u;
    info->neg |= raw > 0x8000u;
}

DC_AVX2 static inline uint64_t avx2k_blk_bf16(const unsigned char *p, size_t count, int k, avx2k_stats *st,
                                     int *wide, dc_scan_info *info)
{
    const size_t nv = count & ~(size_t)15;
    const unsigned char *const end = p + 2 * nv;
    const __m256i kv = _mm256_set1_epi32((int)((uint32_t)k << 23));
    const __m256i c = _mm256_set1_epi32(150 - k);
    const __m256i absm = _mm256_set1_epi16(0x7fff);
    const __m256i zero = _mm256_setzero_si256();
    const uint32_t lim = (uint32_t)(155 - k) << 7;
    __m256i bm = zero, rm = zero;
    uint64_t s = 0;
    int done = 0;
    if (!*wide) {
        __m256i a0 = zero, a1 = zero;
        for (const unsigned char *q = p; q < end; q += 32) {
            const __m256i v = _mm256_loadu_si256((const __m256i *)q);
            const __m256i m = _mm256_and_si256(v, absm);
            bm = _mm256_max_epu16(bm, m);
            rm = _mm256_max_epu16(rm, v);
            a0 = _mm256_add_epi32(a0, avx2k_u_f32_small(_mm256_unpacklo_epi16(zero, m), kv));
            a1 = _mm256_add_epi32(a1, avx2k_u_f32_small(_mm256_unpackhi_epi16(zero, m), kv));
        }
        if (avx2_all_below_u16(bm, lim)) {
            s = avx2_hsum_u64(avx2_add_u32_to_u64(avx2_add_u32_to_u64(zero, a0), a1));
            done = 1;
        } else {
            *wide = 1;
        }
    }
    if (!done) {
        __m256i acc = zero;
        for (const unsigned char *q = p; q < end; q += 32) {
            const __m256i v = _mm256_loadu_si256((const __m256i *)q);
            const __m256i m = _mm256_and_si256(v, absm);
            bm = _mm256_max_epu16(bm, m);
            rm = _mm256_max_epu16(rm, v);
            acc = avx2_add_u32_to_u64(acc, avx2k_u_f32_exact(_mm256_unpacklo_epi16(zero, m), c));
            acc = avx2_add_u32_to_u64(acc, avx2k_u_f32_exact(_mm256_unpackhi_epi16(zero, m), c));
        }
        s = avx2_hsum_u64(acc);
        *wide = k < 0 || !avx2_all_below_u16(bm, lim);
    }
    st->mag = _mm256_max_epu16(st->mag, bm);
    st->raw = _mm256_max_epu16(st->raw, rm);
    s += dc_tailk_bf16(p, nv, count, k, info);
    return s;
}

/* f16 magnitudes h in 32-bit lanes: e1 = max(e, 1), M = h + 2^10 - (e1 << 10),
   u = M shifted by e1 - 25 + K (exact: M < 2^11) */
DC_AVX2 static inline __m256i avx2k_u_f16(__m256i h, __m256i kc)
{
    const __m256i e1 = _mm256_max_epi32(_mm256_srli_epi32(h, 10), _mm256_set1_epi32(1));
    const __m256i mant = _mm256_sub_epi32(_mm256_add_epi32(h, _mm256_set1_epi32(1 << 10)),
                                          _mm256_slli_epi32(e1, 10));
    const __m256i sh = _mm256_add_epi32(e1, kc);
    return _mm256_or_si256(_mm256_sllv_epi32(mant, sh),
                           _mm256_srlv_epi32(mant, _mm256_sub_epi32(_mm256_setzero_si256(), sh)));
}

DC_AVX2 static inline uint64_t avx2k_blk_f16(const unsigned char *p, size_t count, int k, avx2k_stats *st,
                                    int *wide, dc_scan_info *info)
{
    (void)wide;
    const size_t nv = count & ~(size_t)15;
    const unsigned char *const end = p + 2 * nv;
    const __m256i kc = _mm256_set1_epi32(k - 25);
    const __m256i absm = _mm256_set1_epi16(0x7fff);
    const __m256i zero = _mm256_setzero_si256();
    __m256i bm = zero, rm = zero, acc = zero;
    for (const unsigned char *q = p; q < end; q += 32) {
        const __m256i v = _mm256_loadu_si256((const __m256i *)q);
        const __m256i m = _mm256_and_si256(v, absm);
        bm = _mm256_max_epu16(bm, m);
        rm = _mm256_max_epu16(rm, v);
        acc = avx2_add_u32_to_u64(acc, avx2k_u_f16(_mm256_unpacklo_epi16(m, zero), kc));
        acc = avx2_add_u32_to_u64(acc, avx2k_u_f16(_mm256_unpackhi_epi16(m, zero), kc));
    }
    st->mag = _mm256_max_epu16(st->mag, bm);
    st->raw = _mm256_max_epu16(st->raw, rm);
    uint64_t s = avx2_hsum_u64(acc);
    s += dc_tailk_f16(p, nv, count, k, info);
    return s;
}

DC_AVX2 static inline uint64_t avx2k_blk_f64(const unsigned char *p, size_t count, int k, avx2k_stats *st,
                                    int *wide, dc_scan_info *info)
{
    (void)wide;
    const size_t nv = count & ~(size_t)7;
    const unsigned char *const end = p + 8 * nv;
    const __m256i absm = _mm256_set1_epi64x(INT64_MAX);
    const __m256i top = _mm256_set1_epi64x((int64_t)((uint64_t)1 << 63));
    const __m256i c = _mm256_set1_epi64x(1086 - (int64_t)k);
    const __m256i zero = _mm256_setzero_si256();
    __m256i bm = st->mag, orr = st->raw, neg = st->neg, a0 = zero, a1 = zero;
#define U64(m) _mm256_srlv_epi64(_mm256_or_si256(_mm256_slli_epi64(m, 11), top), \
                                 _mm256_sub_epi64(c, _mm256_srli_epi64(m, 52)))
    for (const unsigned char *q = p; q < end; q += 64) {
        const __m256i b0 = _mm256_loadu_si256((const __m256i *)q);
        const __m256i b1 = _mm256_loadu_si256((const __m256i *)(q + 32));
        const __m256i m0 = _mm256_and_si256(b0, absm), m1 = _mm256_and_si256(b1, absm);
        bm = _mm256_max_epu32(bm, _mm256_max_epu32(m0, m1));
        orr = _mm256_or_si256(orr, _mm256_or_si256(b0, b1));
        const __m256i n0 = _mm256_and_si256(b0, _mm256_cmpgt_epi64(zero, b0));
        const __m256i n1 = _mm256_and_si256(b1, _mm256_cmpgt_epi64(zero, b1));
        neg = _mm256_or_si256(neg, _mm256_slli_epi64(_mm256_or_si256(n0, n1), 1));
        a0 = _mm256_add_epi64(a0, U64(m0));
        a1 = _mm256_add_epi64(a1, U64(m1));
    }
#undef U64
    st->mag = bm;
    st->raw = orr;
    st->neg = neg;
    uint64_t s = avx2_hsum_u64(_mm256_add_epi64(a0, a1));
    s += dc_tailk_f64(p, nv, count, k, info);
    return s;
}

DC_AVX2 static void avx2k_fin_64(const avx2k_stats *st, dc_scan_info *info)
{
    const uint32_t key =
        avx2_hmax(_mm256_and_si256(st->mag, _mm256_set1_epi64x((int64_t)0xffffffff00000000u)));
    info->key = key > info->key ? key : info->key;
    uint64_t o[4], n[4];
    memcpy(o, &st->raw, 32);
    memcpy(n, &st->neg, 32);
    info->sign |= (uint32_t)((o[0] | o[1] | o[2] | o[3]) >> 63);
    info->neg |= (n[0] | n[1] | n[2] | n[3]) != 0;
}

#define FUNCNAME avx2_f32
#define ATTRIBUTES DC_AVX2
#define DT f32
#define STATS avx2k_stats
#define STATS_ZERO {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256()}
#define BLK avx2k_blk_f32
#define FIN avx2k_fin_32
#define ESIZE 4
#include "kernels/driverk_template.h"

#define FUNCNAME avx2_f64
#define ATTRIBUTES DC_AVX2
#define DT f64
#define STATS avx2k_stats
#define STATS_ZERO {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256()}
#define BLK avx2k_blk_f64
#define FIN avx2k_fin_64
#define ESIZE 8
#include "kernels/driverk_template.h"

#define FUNCNAME avx2_f16
#define ATTRIBUTES DC_AVX2
#define DT f16
#define STATS avx2k_stats
#define STATS_ZERO {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256()}
#define BLK avx2k_blk_f16
#define FIN avx2k_fin_16
#define ESIZE 2
#include "kernels/driverk_template.h"

#define FUNCNAME avx2_bf16
#define ATTRIBUTES DC_AVX2
#define DT bf16
#define STATS avx2k_stats
#define STATS_ZERO {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256()}
#define BLK avx2k_blk_bf16
#define FIN avx2k_fin_16
#define ESIZE 2
#include "kernels/driverk_template.h"

const dc_kernels dc_kernels_avx2 = {
    "avx2",
    {avx2_f32_sum32, avx2_f64_sum32, avx2_f16_sum32, avx2_bf16_sum32},
    {avx2_f32_blocks32, avx2_f64_blocks32, avx2_f16_blocks32, avx2_bf16_blocks32},
    {avx2_py01_f32, dc_py01_blk_f64, avx2_py01_f16, avx2_py01_bf16},
    {avx2_f32_sumk, avx2_f64_sumk, avx2_f16_sumk, avx2_bf16_sumk},
    {avx2_f32_blocksk, avx2_f64_blocksk, avx2_f16_blocksk, avx2_bf16_blocksk},
};

#else

/* ISO C wants at least one declaration in a translation unit. */
typedef int dc_kernels_avx2_unused;

#endif /* DC_HAVE_X86_KERNELS */
