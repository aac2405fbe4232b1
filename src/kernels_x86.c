/* kernels_x86.c - SSE2 and AVX2 kernels (x86-64 only; empty elsewhere).
 *
 * Every kernel works block by block (DC_BLOCK_SIZE elements). The fast path of a block
 * turns each element into floor(p * 2^32) with an exact conversion and sums in 32-bit
 * lanes; it is valid when every element of the block is below a per-kernel limit that
 * keeps each lane's sum below 2^32 (and the conversion in range). A block with a larger
 * element is summed again by the exact general path with 64-bit sums; a block with an
 * element not in [+0, 1) makes the kernel return 0. The conversions never see a
 * subnormal float: f32/bf16 get 2^32 by adding 32 to the exponent field of the bits
 * (a subnormal becomes a normal below 1, which truncates to 0, as it should), f16 and f64
 * are converted with integer shifts. Results equal dc_kernels_scalar's bit for bit
 * (test/test_kernels.c). */
#include "kernels_impl.h"

#define DC_BLK_CALL DC_BLK_PADDED

#ifdef DC_HAVE_X86_KERNELS

#include <immintrin.h>

#define DC_AVX2 __attribute__((target("avx2")))

int dc_cpu_has_avx2(void)
{
    return __builtin_cpu_supports("avx2") ? 1 : 0;
}

/* ---------------------------------------------------------------- SSE2 ---- */

/* Sum of the four unsigned 32-bit lanes. */
static inline uint64_t sse2_hsum_u32(__m128i v)
{
    const __m128i lo = _mm_and_si128(v, _mm_set1_epi64x(0xffffffff));
    __m128i t = _mm_add_epi64(lo, _mm_srli_epi64(v, 32));
    t = _mm_add_epi64(t, _mm_unpackhi_epi64(t, t));
    return (uint64_t)_mm_cvtsi128_si64(t);
}

/* Lanes of any 32-bit element >= lim or with the sign bit set get their sign bit set. */
static inline __m128i sse2_flag32(__m128i b, __m128i lim_minus_1)
{
    return _mm_or_si128(_mm_cmpgt_epi32(b, lim_minus_1), b);
}

/* f32: fast when every element is below 2^-5 (32 values per lane, each < 2^27). */
#define SSE2_FAST_F32 0x3d000000

static inline int sse2_blk_f32(const unsigned char *p, size_t count, uint64_t *sum)
{
    const size_t nv = count & ~(size_t)7;
    const unsigned char *const end = p + 4 * nv;
    const __m128i magic = _mm_set1_epi32(32 << 23);
    const __m128i lim = _mm_set1_epi32(SSE2_FAST_F32 - 1);
    __m128i flag = _mm_setzero_si128(), a0 = flag, a1 = flag;
    for (const unsigned char *q = p; q < end; q += 32) {
        const __m128i b0 = _mm_loadu_si128((const __m128i *)q);
        const __m128i b1 = _mm_loadu_si128((const __m128i *)(q + 16));
        flag = _mm_or_si128(flag, _mm_or_si128(sse2_flag32(b0, lim), sse2_flag32(b1, lim)));
        a0 = _mm_add_epi32(a0, _mm_cvttps_epi32(_mm_castsi128_ps(_mm_add_epi32(b0, magic))));
        a1 = _mm_add_epi32(a1, _mm_cvttps_epi32(_mm_castsi128_ps(_mm_add_epi32(b1, magic))));
    }
    *sum = 0;
    if (_mm_movemask_ps(_mm_castsi128_ps(flag)) == 0)
        *sum = sse2_hsum_u32(a0) + sse2_hsum_u32(a1);
    else if (!dc_tail_f32(p, 0, nv, sum))
        return 0;
    return dc_tail_f32(p, nv, count, sum);
}

/* bf16: the same on the f32 bits h << 16, 8 elements per step. */
#define SSE2_FAST_BF16 0x3d00

static inline int sse2_blk_bf16(const unsigned char *p, size_t count, uint64_t *sum)
{
    const size_t nv = count & ~(size_t)7;
    const unsigned char *const end = p + 2 * nv;
    const __m128i magic = _mm_set1_epi32(32 << 23);
    const __m128i lim = _mm_set1_epi16(SSE2_FAST_BF16 - 1);
    const __m128i zero = _mm_setzero_si128();
    __m128i flag = zero, a0 = zero, a1 = zero;
    for (const unsigned char *q = p; q < end; q += 16) {
        const __m128i v = _mm_loadu_si128((const __m128i *)q);
        flag = _mm_or_si128(flag, _mm_or_si128(_mm_cmpgt_epi16(v, lim), v));
        const __m128i lo = _mm_unpacklo_epi16(zero, v), hi = _mm_unpackhi_epi16(zero, v);
        a0 = _mm_add_epi32(a0, _mm_cvttps_epi32(_mm_castsi128_ps(_mm_add_epi32(lo, magic))));
        a1 = _mm_add_epi32(a1, _mm_cvttps_epi32(_mm_castsi128_ps(_mm_add_epi32(hi, magic))));
    }
    *sum = 0;
    if ((_mm_movemask_epi8(flag) & 0xaaaa) == 0)
        *sum = sse2_hsum_u32(a0) + sse2_hsum_u32(a1);
    else if (!dc_tail_bf16(p, 0, nv, sum))
        return 0;
    return dc_tail_bf16(p, nv, count, sum);
}

/* f16 bits h (in 32-bit lanes) -> floor(p * 2^32) when p < 2^-5. The f32 with bits
   (h << 13) + (144 << 23) is (2^10 + m) << (e + 7), exact for normal h; for subnormal h
   (e = 0) it is 2^17 + (m << 7) while the answer is m << 8 = 2f - 2^18. The answer is
   min(f, 2f - 2^18) in both cases, since f >= 2^18 exactly when h is normal. */
static inline __m128i sse2_u_f16(__m128i h)
{
    const __m128i x = _mm_add_epi32(_mm_slli_epi32(h, 13), _mm_set1_epi32(144 << 23));
    const __m128i f = _mm_cvttps_epi32(_mm_castsi128_ps(x));
    const __m128i t = _mm_sub_epi32(_mm_add_epi32(f, f), _mm_set1_epi32(1 << 18));
    const __m128i t_smaller = _mm_cmpgt_epi32(f, t);
    return _mm_or_si128(_mm_and_si128(t_smaller, t), _mm_andnot_si128(t_smaller, f));
}

#define SSE2_FAST_F16 0x2800 /* 2^-5 */

static inline int sse2_blk_f16(const unsigned char *p, size_t count, uint64_t *sum)
{
    const size_t nv = count & ~(size_t)7;
    const unsigned char *const end = p + 2 * nv;
    const __m128i lim = _mm_set1_epi16(SSE2_FAST_F16 - 1);
    const __m128i zero = _mm_setzero_si128();
    __m128i flag = zero, a0 = zero, a1 = zero;
    for (const unsigned char *q = p; q < end; q += 16) {
        const __m128i v = _mm_loadu_si128((const __m128i *)q);
        flag = _mm_or_si128(flag, _mm_or_si128(_mm_cmpgt_epi16(v, lim), v));
        a0 = _mm_add_epi32(a0, sse2_u_f16(_mm_unpacklo_epi16(v, zero)));
        a1 = _mm_add_epi32(a1, sse2_u_f16(_mm_unpackhi_epi16(v, zero)));
    }
    *sum = 0;
    if ((_mm_movemask_epi8(flag) & 0xaaaa) == 0)
        *sum = sse2_hsum_u32(a0) + sse2_hsum_u32(a1);
    else if (!dc_tail_f16(p, 0, nv, sum))
        return 0;
    return dc_tail_f16(p, nv, count, sum);
}

/* f64: fast when every element is below 0.5 (the signed conversion's range); the sums
   are 64-bit, so there is no other limit. Checks look at the high 32 bits only. */
#define SSE2_FAST_F64_HI 0x3fe00000

static inline int sse2_blk_f64(const unsigned char *p, size_t count, uint64_t *sum)
{
    const size_t nv = count & ~(size_t)1;
    const unsigned char *const end = p + 8 * nv;
    const __m128i magic = _mm_set1_epi64x((int64_t)32 << 52);
    const __m128i lim = _mm_set_epi32(SSE2_FAST_F64_HI - 1, 0x7fffffff, SSE2_FAST_F64_HI - 1,
                                      0x7fffffff);
    const __m128i zero = _mm_setzero_si128();
    __m128i flag = zero, acc = zero;
    for (const unsigned char *q = p; q < end; q += 16) {
        const __m128i b = _mm_loadu_si128((const __m128i *)q);
        flag = _mm_or_si128(flag, sse2_flag32(b, lim));
        const __m128i i = _mm_cvttpd_epi32(_mm_castsi128_pd(_mm_add_epi64(b, magic)));
        acc = _mm_add_epi64(acc, _mm_unpacklo_epi32(i, zero));
    }
    *sum = 0;
    if ((_mm_movemask_ps(_mm_castsi128_ps(flag)) & 0xa) == 0) {
        acc = _mm_add_epi64(acc, _mm_unpackhi_epi64(acc, acc));
        *sum = (uint64_t)_mm_cvtsi128_si64(acc);
    } else if (!dc_tail_f64(p, 0, nv, sum)) {
        return 0;
    }
    return dc_tail_f64(p, nv, count, sum);
}

DC_DEFINE_DRIVERS(, sse2, f32, 4, sse2_blk_f32)
DC_DEFINE_DRIVERS(, sse2, f64, 8, sse2_blk_f64)
DC_DEFINE_DRIVERS(, sse2, f16, 2, sse2_blk_f16)
DC_DEFINE_DRIVERS(, sse2, bf16, 2, sse2_blk_bf16)

const dc_kernels dc_kernels_sse2 = {
    "sse2",
    {sse2_sum32_f32, sse2_sum32_f64, sse2_sum32_f16, sse2_sum32_bf16},
    {sse2_blocks32_f32, sse2_blocks32_f64, sse2_blocks32_f16, sse2_blocks32_bf16},
};

/* ---------------------------------------------------------------- AVX2 ---- */

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

DC_DEFINE_DRIVERS(DC_AVX2, avx2, f32, 4, avx2_blk_f32)
DC_DEFINE_DRIVERS(DC_AVX2, avx2, f64, 8, avx2_blk_f64)
DC_DEFINE_DRIVERS(DC_AVX2, avx2, f16, 2, avx2_blk_f16)
DC_DEFINE_DRIVERS(DC_AVX2, avx2, bf16, 2, avx2_blk_bf16)

const dc_kernels dc_kernels_avx2 = {
    "avx2",
    {avx2_sum32_f32, avx2_sum32_f64, avx2_sum32_f16, avx2_sum32_bf16},
    {avx2_blocks32_f32, avx2_blocks32_f64, avx2_blocks32_f16, avx2_blocks32_bf16},
};

#else

/* ISO C wants at least one declaration in a translation unit. */
typedef int dc_kernels_x86_unused;

#endif /* DC_HAVE_X86_KERNELS */
