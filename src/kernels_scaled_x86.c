/* kernels_scaled_x86.c - AVX2 general-scale kernels (x86-64, chosen at run time; empty
 * elsewhere). Same results as dc_scaled_scalar (test/test_kernels.c).
 *
 * u = floor(|p| * 2^K) with integer shifts of the mantissa (variable shifts by a count of
 * 32 / 64 or more, including "negative" counts, give 0): f32/bf16 (2^23 + m) shifted by
 * e - 150 + K, f16 M shifted by e1 - 25 + K, f64 ((2^52 + m) << 11) shifted right by
 * 1086 - K - e. Zeros and subnormals shift out entirely for K <= 126 (f32/bf16) and
 * K <= 1022 (f64), as their u is 0 there; other K go to the scalar reference.
 * f32/bf16 blocks whose elements are all below 2^(28 - K) use the cheaper exact path of
 * the K = 32 kernels instead: K added to the exponent field and a signed conversion (u is
 * below 2^28 there), summed in 32-bit lanes. Statistics: integer max on the bits. */
#include "kernels_scaled.h"

#if defined(__x86_64__) && defined(__GNUC__)

#include <immintrin.h>
#include <string.h>

#define AVX2 __attribute__((target("avx2")))

typedef struct xstats {
    __m256i mag; /* max magnitude bits per lane (f64: high halves used) */
    __m256i raw; /* max raw bits (f64: OR of raw bits) */
    __m256i neg; /* f64: OR of negative values' bits shifted left once */
} xstats;

AVX2 static inline uint64_t hsum_u64(__m256i t)
{
    __m128i x = _mm_add_epi64(_mm256_castsi256_si128(t), _mm256_extracti128_si256(t, 1));
    x = _mm_add_epi64(x, _mm_unpackhi_epi64(x, x));
    return (uint64_t)_mm_cvtsi128_si64(x);
}

AVX2 static inline __m256i add_u32_to_u64(__m256i acc, __m256i v)
{
    const __m256i lo = _mm256_and_si256(v, _mm256_set1_epi64x(0xffffffff));
    return _mm256_add_epi64(acc, _mm256_add_epi64(lo, _mm256_srli_epi64(v, 32)));
}

AVX2 static inline uint32_t hmax_u32(__m256i v)
{
    __m128i x = _mm_max_epu32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    x = _mm_max_epu32(x, _mm_shuffle_epi32(x, 0x4e));
    x = _mm_max_epu32(x, _mm_shuffle_epi32(x, 0xb1));
    return (uint32_t)_mm_cvtsi128_si32(x);
}

AVX2 static inline uint32_t hmax_u16(__m256i v)
{
    __m128i x = _mm_max_epu16(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    x = _mm_max_epu16(x, _mm_shuffle_epi32(x, 0x4e));
    x = _mm_max_epu16(x, _mm_shuffle_epi32(x, 0xb1));
    x = _mm_max_epu16(x, _mm_srli_epi32(x, 16));
    return (uint32_t)_mm_cvtsi128_si32(x) & 0xffffu;
}

AVX2 static inline int all_below_u32(__m256i v, uint32_t lim)
{
    if (lim == 0)
        return 0;
    const __m256i l = _mm256_set1_epi32((int)(lim - 1));
    return _mm256_movemask_epi8(_mm256_cmpeq_epi32(_mm256_max_epu32(v, l), l)) == -1;
}

AVX2 static inline int all_below_u16(__m256i v, uint32_t lim)
{
    if (lim == 0)
        return 0;
    const __m256i l = _mm256_set1_epi16((short)(lim - 1));
    return _mm256_movemask_epi8(_mm256_cmpeq_epi16(_mm256_max_epu16(v, l), l)) == -1;
}

#define TAIL(T, dt, p, from, count, k, s, info)                                          \
    for (size_t i_ = (from); i_ < (count); i_++) {                                      \
        T b_;                                                                           \
        memcpy(&b_, (p) + sizeof(T) * i_, sizeof(T));                                   \
        dc_scaled_scan_bits(b_, dt, (info));                                            \
        (s) += dc_scaled_bits(b_, dt, (k));                                             \
    }

/* exact u of f32 magnitudes m: (2^23 + m) << (e - c) | >> (c - e), c = 150 - K */
AVX2 static inline __m256i u_f32_exact(__m256i m, __m256i c)
{
    const __m256i e = _mm256_srli_epi32(m, 23);
    const __m256i mant = _mm256_or_si256(_mm256_and_si256(m, _mm256_set1_epi32(0x7fffff)),
                                         _mm256_set1_epi32(0x800000));
    return _mm256_or_si256(_mm256_sllv_epi32(mant, _mm256_sub_epi32(e, c)),
                           _mm256_srlv_epi32(mant, _mm256_sub_epi32(c, e)));
}

/* u of f32 magnitudes below 2^(28 - K): K added to the exponent field, signed conversion
   (the truncation of a value below 1 is 0, so zeros and subnormals need nothing) */
AVX2 static inline __m256i u_f32_small(__m256i m, __m256i kv)
{
    return _mm256_cvttps_epi32(_mm256_castsi256_ps(_mm256_add_epi32(m, kv)));
}

/* f32 (bf16: the same on h << 16): 32-bit lanes while the block is below the limit. */
AVX2 static inline uint64_t blk_f32(const unsigned char *p, size_t count, int k, xstats *st,
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
            a0 = _mm256_add_epi32(a0, u_f32_small(m0, kv));
            a1 = _mm256_add_epi32(a1, u_f32_small(m1, kv));
        }
        if (all_below_u32(bm, lim)) {
            s = hsum_u64(add_u32_to_u64(add_u32_to_u64(_mm256_setzero_si256(), a0), a1));
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
            acc = add_u32_to_u64(acc, u_f32_exact(m, c));
        }
        s = hsum_u64(acc);
        *wide = k < 0 || !all_below_u32(bm, lim);
    }
    st->mag = _mm256_max_epu32(st->mag, bm);
    st->raw = _mm256_max_epu32(st->raw, rm);
    TAIL(uint32_t, DC_DTYPE_F32, p, nv, count, k, s, info)
    return s;
}

AVX2 static void fin_32(const xstats *st, dc_scan_info *info)
{
    const uint32_t key = hmax_u32(st->mag), raw = hmax_u32(st->raw);
    info->key = key > info->key ? key : info->key;
    info->sign |= raw >= 0x80000000u;
    info->neg |= raw > 0x80000000u;
}

AVX2 static void fin_16(const xstats *st, dc_scan_info *info)
{
    const uint32_t key = hmax_u16(st->mag), raw = hmax_u16(st->raw);
    info->key = key > info->key ? key : info->key;
    info->sign |= raw >= 0x8000u;
    info->neg |= raw > 0x8000u;
}

AVX2 static inline uint64_t blk_bf16(const unsigned char *p, size_t count, int k, xstats *st,
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
            a0 = _mm256_add_epi32(a0, u_f32_small(_mm256_unpacklo_epi16(zero, m), kv));
            a1 = _mm256_add_epi32(a1, u_f32_small(_mm256_unpackhi_epi16(zero, m), kv));
        }
        if (all_below_u16(bm, lim)) {
            s = hsum_u64(add_u32_to_u64(add_u32_to_u64(zero, a0), a1));
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
            acc = add_u32_to_u64(acc, u_f32_exact(_mm256_unpacklo_epi16(zero, m), c));
            acc = add_u32_to_u64(acc, u_f32_exact(_mm256_unpackhi_epi16(zero, m), c));
        }
        s = hsum_u64(acc);
        *wide = k < 0 || !all_below_u16(bm, lim);
    }
    st->mag = _mm256_max_epu16(st->mag, bm);
    st->raw = _mm256_max_epu16(st->raw, rm);
    TAIL(uint16_t, DC_DTYPE_BF16, p, nv, count, k, s, info)
    return s;
}

/* f16 magnitudes h in 32-bit lanes: e1 = max(e, 1), M = h + 2^10 - (e1 << 10),
   u = M shifted by e1 - 25 + K (exact: M < 2^11) */
AVX2 static inline __m256i u_f16(__m256i h, __m256i kc)
{
    const __m256i e1 = _mm256_max_epi32(_mm256_srli_epi32(h, 10), _mm256_set1_epi32(1));
    const __m256i mant = _mm256_sub_epi32(_mm256_add_epi32(h, _mm256_set1_epi32(1 << 10)),
                                          _mm256_slli_epi32(e1, 10));
    const __m256i sh = _mm256_add_epi32(e1, kc);
    return _mm256_or_si256(_mm256_sllv_epi32(mant, sh),
                           _mm256_srlv_epi32(mant, _mm256_sub_epi32(_mm256_setzero_si256(), sh)));
}

AVX2 static inline uint64_t blk_f16(const unsigned char *p, size_t count, int k, xstats *st,
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
        acc = add_u32_to_u64(acc, u_f16(_mm256_unpacklo_epi16(m, zero), kc));
        acc = add_u32_to_u64(acc, u_f16(_mm256_unpackhi_epi16(m, zero), kc));
    }
    st->mag = _mm256_max_epu16(st->mag, bm);
    st->raw = _mm256_max_epu16(st->raw, rm);
    uint64_t s = hsum_u64(acc);
    TAIL(uint16_t, DC_DTYPE_F16, p, nv, count, k, s, info)
    return s;
}

AVX2 static inline uint64_t blk_f64(const unsigned char *p, size_t count, int k, xstats *st,
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
    uint64_t s = hsum_u64(_mm256_add_epi64(a0, a1));
    TAIL(uint64_t, DC_DTYPE_F64, p, nv, count, k, s, info)
    return s;
}

AVX2 static void fin_64(const xstats *st, dc_scan_info *info)
{
    const uint32_t key =
        hmax_u32(_mm256_and_si256(st->mag, _mm256_set1_epi64x((int64_t)0xffffffff00000000u)));
    info->key = key > info->key ? key : info->key;
    uint64_t o[4], n[4];
    memcpy(o, &st->raw, 32);
    memcpy(n, &st->neg, 32);
    info->sign |= (uint32_t)((o[0] | o[1] | o[2] | o[3]) >> 63);
    info->neg |= (n[0] | n[1] | n[2] | n[3]) != 0;
}

#define KMIN_f32 (-99)
#define KMAX_f32 126
#define KMIN_bf16 (-99)
#define KMAX_bf16 126
#define KMIN_f16 (-100)
#define KMAX_f16 100
#define KMIN_f64 (-1000)
#define KMAX_f64 1022

#define X86_SCALED(dt, DT, esize, fin)                                                   \
    AVX2 static void sumk_##dt(const void *dist, size_t begin, size_t end, int k,         \
                               uint64_t *sum, dc_scan_info *info)                       \
    {                                                                                   \
        if (k < KMIN_##dt || k > KMAX_##dt) {                                           \
            dc_scaled_scalar.sumk[DT](dist, begin, end, k, sum, info);                  \
            return;                                                                     \
        }                                                                               \
        const unsigned char *p = (const unsigned char *)dist + (esize) * begin;         \
        size_t left = end - begin;                                                      \
        xstats st = {_mm256_setzero_si256(), _mm256_setzero_si256(),                    \
                     _mm256_setzero_si256()};                                           \
        int wide = k < 0; /* the fast conversion needs K >= 0 */                        \
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
    AVX2 static void blocksk_##dt(const void *dist, size_t n, int k, uint64_t *out,       \
                                  dc_scan_info *info)                                   \
    {                                                                                   \
        if (k < KMIN_##dt || k > KMAX_##dt) {                                           \
            dc_scaled_scalar.blocksk[DT](dist, n, k, out, info);                        \
            return;                                                                     \
        }                                                                               \
        const unsigned char *p = (const unsigned char *)dist;                           \
        xstats st = {_mm256_setzero_si256(), _mm256_setzero_si256(),                    \
                     _mm256_setzero_si256()};                                           \
        int wide = k < 0;                                                               \
        uint64_t s = 0;                                                                 \
        for (size_t i = 0; i < n; i += DC_BLOCK_SIZE) {                                 \
            const size_t c = n - i < DC_BLOCK_SIZE ? n - i : DC_BLOCK_SIZE;             \
            s += blk_##dt(p + (esize) * i, c, k, &st, &wide, info);                     \
            out[i / DC_BLOCK_SIZE] = s;                                                 \
        }                                                                               \
        fin(&st, info);                                                                 \
    }

X86_SCALED(f32, DC_DTYPE_F32, 4, fin_32)
X86_SCALED(f64, DC_DTYPE_F64, 8, fin_64)
X86_SCALED(f16, DC_DTYPE_F16, 2, fin_16)
X86_SCALED(bf16, DC_DTYPE_BF16, 2, fin_16)

const dc_scaled_kernels dc_scaled_avx2 = {
    "avx2",
    {sumk_f32, sumk_f64, sumk_f16, sumk_bf16},
    {blocksk_f32, blocksk_f64, blocksk_f16, blocksk_bf16},
};

#else

/* ISO C wants at least one declaration in a translation unit. */
typedef int dc_kernels_scaled_x86_unused;

#endif
