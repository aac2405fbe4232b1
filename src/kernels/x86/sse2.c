/* sse2.c - the SSE2 kernel set (x86-64 baseline; empty elsewhere), both formats.
 *
 * Default format: every kernel works block by block (DC_BLOCK_SIZE elements). The fast
 * path of a block turns each element into floor(p * 2^32) with an exact conversion and
 * sums in 32-bit lanes; it is valid when every element of the block is below a per-kernel
 * limit that keeps each lane's sum below 2^32 (and the conversion in range). A block with
 * a larger element is summed again by the exact general path with 64-bit sums; a block with
 * an element not in [+0, 1) makes the kernel return 0. The conversions never see a
 * subnormal float: f32/bf16 get 2^32 by adding 32 to the exponent field of the bits (a
 * subnormal becomes a normal below 1, which truncates to 0, as it should), f16 and f64 are
 * converted with integer shifts.
 *
 * python-0.1: each block kernel handles the common block (every element a value in [+0, 1),
 * so every count is below 2^32) and hands any other block to the scalar kernel. For
 * p < 1, p * 2^32 is made exactly as a float by adding 32 to the exponent field, then
 * truncated. Only a signed conversion exists, so p in [0.5, 1) is scaled by 2^31 instead
 * and doubled: p * 2^31 is an integer there, so nothing is lost. Sums are kept as high and
 * low 16-bit halves in 32-bit lanes (at most 64 elements per lane per block: no overflow).
 *
 * Results equal dc_kernels_scalar's bit for bit (test/test_kernels.c, test_python01.c). */
#include "kernels/x86/x86.h"

#ifdef DC_HAVE_X86_KERNELS

/* ---- default format ---- */

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
        *sum = dc_sse2_hsum_u32(a0) + dc_sse2_hsum_u32(a1);
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
        *sum = dc_sse2_hsum_u32(a0) + dc_sse2_hsum_u32(a1);
    else if (!dc_tail_bf16(p, 0, nv, sum))
        return 0;
    return dc_tail_bf16(p, nv, count, sum);
}

/* f16 bits h (in 32-bit lanes) -> floor(p * 2^32) when p < 2^-5. The f32 with bits
   dc_sse2_f16_scaled(h) is (2^10 + m) << (e + 7), exact for normal h; for subnormal h
   (e = 0) it is 2^17 + (m << 7) while the answer is m << 8 = 2f - 2^18. The answer is
   min(f, 2f - 2^18) in both cases, since f >= 2^18 exactly when h is normal. */
static inline __m128i sse2_u_f16(__m128i h)
{
    const __m128i f = _mm_cvttps_epi32(_mm_castsi128_ps(dc_sse2_f16_scaled(h)));
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
        *sum = dc_sse2_hsum_u32(a0) + dc_sse2_hsum_u32(a1);
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

#define FUNCNAME sse2_f32
#define ATTRIBUTES
#define BLK sse2_blk_f32
#define ESIZE 4
#define PADDED 1
#include "kernels/driver_template.h"

#define FUNCNAME sse2_f64
#define ATTRIBUTES
#define BLK sse2_blk_f64
#define ESIZE 8
#define PADDED 1
#include "kernels/driver_template.h"

#define FUNCNAME sse2_f16
#define ATTRIBUTES
#define BLK sse2_blk_f16
#define ESIZE 2
#define PADDED 1
#include "kernels/driver_template.h"

#define FUNCNAME sse2_bf16
#define ATTRIBUTES
#define BLK sse2_blk_bf16
#define ESIZE 2
#define PADDED 1
#include "kernels/driver_template.h"

/* ---- python-0.1 ---- */

typedef struct sse2_acc {
    __m128i flag, hi, lo, max; /* max holds counts ^ 2^31 (signed order = unsigned) */
} sse2_acc;

static inline void sse2_acc_init(sse2_acc *a)
{
    a->flag = a->hi = a->lo = _mm_setzero_si128();
    a->max = _mm_set1_epi32((int)0x80000000u);
}

/* Adds the counts q (half of them where ge, the p >= 0.5 mask), clamped to at least 1. */
static inline void sse2_add_q(sse2_acc *a, __m128i q, __m128i ge)
{
    q = _mm_add_epi32(q, _mm_and_si128(q, ge));
    q = _mm_sub_epi32(q, _mm_cmpeq_epi32(q, _mm_setzero_si128()));
    a->hi = _mm_add_epi32(a->hi, _mm_srli_epi32(q, 16));
    a->lo = _mm_add_epi32(a->lo, _mm_and_si128(q, _mm_set1_epi32(0xFFFF)));
    const __m128i qb = _mm_xor_si128(q, _mm_set1_epi32((int)0x80000000u));
    const __m128i gt = _mm_cmpgt_epi32(qb, a->max);
    a->max = _mm_or_si128(_mm_and_si128(gt, qb), _mm_andnot_si128(gt, a->max));
}

/* Counts from p * 2^32 (or p * 2^31 where ge) as a float. */
static inline void sse2_add_counts(sse2_acc *a, __m128i x, __m128i ge)
{
    sse2_add_q(a, _mm_cvttps_epi32(_mm_castsi128_ps(x)), ge);
}

/* Four f32 bit patterns (also bf16 << 16). */
static inline void sse2_f32_lanes(sse2_acc *a, __m128i b)
{
    a->flag = _mm_or_si128(a->flag, _mm_or_si128(_mm_cmpgt_epi32(b, _mm_set1_epi32(0x3F7FFFFF)), b));
    const __m128i ge = _mm_cmpgt_epi32(b, _mm_set1_epi32(0x3EFFFFFF));
    const __m128i exp = _mm_sub_epi32(_mm_set1_epi32(32 << 23), _mm_and_si128(ge, _mm_set1_epi32(1 << 23)));
    sse2_add_counts(a, _mm_add_epi32(b, exp), ge);
}

/* Four f16 bit patterns in 32-bit lanes: dc_sse2_f16_scaled(h) is p * 2^32 as an f32 for
   a normal h (halved here where ge); for a subnormal h it is 2^17 + (m << 7) and the count
   is m << 8. */
static inline void sse2_f16_lanes(sse2_acc *a, __m128i h)
{
    a->flag = _mm_or_si128(a->flag, _mm_cmpgt_epi32(h, _mm_set1_epi32(0x3BFF)));
    const __m128i ge = _mm_cmpgt_epi32(h, _mm_set1_epi32(0x37FF));
    const __m128i sub = _mm_cmpgt_epi32(_mm_set1_epi32(0x400), h);
    const __m128i half = _mm_and_si128(ge, _mm_set1_epi32(1 << 23));
    const __m128i f = _mm_cvttps_epi32(_mm_castsi128_ps(_mm_sub_epi32(dc_sse2_f16_scaled(h), half)));
    const __m128i s = _mm_sub_epi32(_mm_add_epi32(f, f), _mm_set1_epi32(1 << 18));
    sse2_add_q(a, _mm_or_si128(_mm_and_si128(sub, s), _mm_andnot_si128(sub, f)), ge);
}

/* 1 when the block is not all in [+0, 1) (the caller then uses the scalar kernel). */
static inline int sse2_finish(const sse2_acc *a, uint64_t *sum, uint64_t *max)
{
    if (_mm_movemask_epi8(a->flag) & 0x8888)
        return 1;
    *sum = (dc_sse2_hsum_u32(a->hi) << 16) + dc_sse2_hsum_u32(a->lo);
    uint32_t m[4];
    _mm_storeu_si128((__m128i *)m, a->max);
    uint32_t best = 0;
    for (int i = 0; i < 4; i++) {
        const uint32_t v = m[i] ^ 0x80000000u;
        best = v > best ? v : best;
    }
    *max = best;
    return 0;
}

static void sse2_py01_f32(const unsigned char *p, size_t count, dc_py01_blk *out)
{
    const size_t nv = count & ~(size_t)3;
    sse2_acc a;
    sse2_acc_init(&a);
    for (size_t i = 0; i < nv; i += 4)
        sse2_f32_lanes(&a, _mm_loadu_si128((const __m128i *)(p + 4 * i)));
    uint64_t sum, max;
    if (sse2_finish(&a, &sum, &max))
        dc_py01_blk_f32(p, count, out);
    else
        dc_py01_add_tail(dc_py01_blk_f32, p, 4, nv, count, sum, max, out);
}

/* bf16 (as the f32 bits h << 16) and f16, 8 elements per step. */
static inline void sse2_py01_16(const unsigned char *p, size_t count, dc_py01_blk *out, int f16)
{
    const size_t nv = count & ~(size_t)7;
    sse2_acc a;
    sse2_acc_init(&a);
    const __m128i zero = _mm_setzero_si128();
    for (size_t i = 0; i < nv; i += 8) {
        const __m128i v = _mm_loadu_si128((const __m128i *)(p + 2 * i));
        if (f16) {
            sse2_f16_lanes(&a, _mm_unpacklo_epi16(v, zero));
            sse2_f16_lanes(&a, _mm_unpackhi_epi16(v, zero));
        } else {
            sse2_f32_lanes(&a, _mm_unpacklo_epi16(zero, v));
            sse2_f32_lanes(&a, _mm_unpackhi_epi16(zero, v));
        }
    }
    const dc_py01_blk_fn scalar = f16 ? dc_py01_blk_f16 : dc_py01_blk_bf16;
    uint64_t sum, max;
    if (sse2_finish(&a, &sum, &max))
        scalar(p, count, out);
    else
        dc_py01_add_tail(scalar, p, 2, nv, count, sum, max, out);
}

static void sse2_py01_f16(const unsigned char *p, size_t count, dc_py01_blk *out)
{
    sse2_py01_16(p, count, out, 1);
}

static void sse2_py01_bf16(const unsigned char *p, size_t count, dc_py01_blk *out)
{
    sse2_py01_16(p, count, out, 0);
}

const dc_kernels dc_kernels_sse2 = {
    "sse2",
    {sse2_f32_sum32, sse2_f64_sum32, sse2_f16_sum32, sse2_bf16_sum32},
    {sse2_f32_blocks32, sse2_f64_blocks32, sse2_f16_blocks32, sse2_bf16_blocks32},
    {sse2_py01_f32, dc_py01_blk_f64, sse2_py01_f16, sse2_py01_bf16},
    /* no SSE2 general-scale set: such machines take the scalar reference on that path */
    {dc_sumk_ref_f32, dc_sumk_ref_f64, dc_sumk_ref_f16, dc_sumk_ref_bf16},
    {dc_blocksk_ref_f32, dc_blocksk_ref_f64, dc_blocksk_ref_f16, dc_blocksk_ref_bf16},
};

#else

/* ISO C wants at least one declaration in a translation unit. */
typedef int dc_kernels_sse2_unused;

#endif /* DC_HAVE_X86_KERNELS */
