/* python01.c - the stream format of the Python package distribution-coder 0.1.x.
 *
 * docs/FORMAT.md (section 2) describes it; in short: a bit-wise arithmetic coder with 62-bit
 * registers (high starts at 2^62 - 1, low at 0), E1/E2/E3 renormalisation with pending
 * bits, frequencies that sum to exactly 2^32, no header, termination by "pending + 1 bits".
 *
 * Frequencies. The package computes c_i = trunc_sat_u64(p_i * 2^32) (binary64, exact), or
 * 1 where that is 0, then adds 2^32 - sum(c) to the FIRST largest c_m. When the counts
 * outside m add up to less than 2^32 (the only case where its stream is valid) the
 * corrected count is c'_m = 2^32 - others. So only min(c_i, 2^32) ever matters: a value
 * >= 1.0 can only be valid as the unique first maximum, and then its own count is replaced.
 * Every count here is that clamped value, computed from the float's bits with integer
 * operations (no float arithmetic at all), and every prefix sum stays below 2^57.
 *
 * With P(k) = cl_0 + ... + cl_{k-1} (clamped counts), Tot = P(n) and D = 2^32 - Tot:
 *   lo(s) = P(s)                 for s <= m,   lo(s) = P(s) + D for s > m,
 *   hi(s) = lo(s) + cl_s         for s != m,   hi(m) = P(m) + c'_m.
 *
 * Interval update: floor(R * x / 2^32) with R < 2^62 and x <= 2^32 is
 * (R >> 32) * x + (((R mod 2^32) * x) >> 32), exact in 64-bit arithmetic.
 * Decoder target: floor(((off + 1) * 2^32 - 1) / R) with off < R < 2^62, quotient < 2^32,
 * by a 32-step restoring division (dc_py01_target). No 128-bit types anywhere.
 *
 * Decoding: value stays in [low, high] after every step (the chosen symbol's interval
 * holds it, and renormalisation keeps it), so off < R and the target is < 2^32 for ANY
 * input bytes: every byte string decodes; a step only fails on a refused distribution.
 *
 * Reading the distribution: block kernels (py_kernels, scalar now; a SIMD set only has to
 * return the same per-block sum, maximum and raw maximum) reduce DC_BLOCK_SIZE elements at
 * a time. An encode step reads the distribution once (split at the symbol, so the prefix
 * below it comes for free) plus the one block holding the first maximum; a decode step
 * reads it once, keeping the running sum at every block end in c->blocks, then searches
 * the block sums and scans one block. */
#include <string.h>

#include "internal.h"
#include "quantize.h"

#define PY_Q1 ((uint64_t)1 << 60)
#define PY_MID ((uint64_t)1 << 61)
#define PY_Q3 ((uint64_t)3 << 60)
#define PY_TOP (((uint64_t)1 << 62) - 1)
#define PY_TOTAL ((uint64_t)1 << 32)
#define PY_REG_BITS 62

/* ---- exact helpers (also used by the tests through python01 behaviour) ---- */

/* floor(r * x / 2^32) for r < 2^62, x <= 2^32. */
static uint64_t mul_shr32(uint64_t r, uint64_t x)
{
    const uint64_t rh = r >> 32, rl = r & 0xFFFFFFFFu;
    return rh * x + ((rl * x) >> 32); /* rh * x < 2^62, rl * x < 2^64 */
}

/* floor(((off + 1) * 2^32 - 1) / r) for off < r < 2^63: the numerator is
   off * 2^32 + (2^32 - 1), so it is a restoring division that starts with remainder off
   (< r) and brings in 32 one bits. Each remainder is < r, so 2 * rem + 1 < 2^64. */
static uint64_t target_of(uint64_t off, uint64_t r)
{
    uint64_t rem = off, q = 0;
    for (int i = 0; i < 32; i++) {
        rem = 2 * rem + 1;
        const uint64_t take = rem >= r;
        rem -= r & (0 - take);
        q = 2 * q + take;
    }
    return q;
}

/* ---- per-element clamped counts: min(max(trunc(p * 2^32), 1), 2^32) ----
 * For p < 1 the value p * 2^32 < 2^32 is the 32-bit "top-aligned" mantissa (implicit bit
 * at bit 31) shifted right by (exponent of 0.5) - exponent; shifts of 32 or more give 0.
 * The sign is ignored here (negative values are refused before a count is used). */

static inline uint64_t clamp_top(uint32_t top, uint32_t sh, uint32_t at_least_one)
{
    /* Masks instead of selects: compilers turn `sh < 32 ? ... : 0` into a branch that
       mispredicts on real distributions (some values are below 2^-32, some not). */
    uint32_t q = (top >> (sh & 31)) & (0u - (uint32_t)(sh < 32));
    q += q == 0;
    const uint64_t big = 0 - (uint64_t)at_least_one;
    return (q & ~big) | (PY_TOTAL & big);
}

static inline uint64_t cl_f32(uint32_t b)
{
    const uint32_t mag = b & 0x7FFFFFFFu;
    return clamp_top((mag << 8) | 0x80000000u, 126u - (mag >> 23), mag >= 0x3F800000u);
}

static inline uint64_t cl_f64(uint64_t b)
{
    const uint64_t mag = b & 0x7FFFFFFFFFFFFFFFu;
    return clamp_top((uint32_t)(mag >> 21) | 0x80000000u, 1022u - (uint32_t)(mag >> 52),
                     mag >= 0x3FF0000000000000u);
}

static inline uint64_t cl_f16(uint16_t b)
{
    /* normal: (1.m) * 2^(e - 15), p * 2^32 = top >> (14 - e); subnormal: m << 8, which is
       (m << 21) >> 13 (no implicit bit, the shift of e = 1) */
    const uint32_t mag = b & 0x7FFFu, e = mag >> 10, normal = 0u - (uint32_t)(e != 0);
    const uint32_t top = (mag << 21) | (0x80000000u & normal);
    return clamp_top(top, (14u - e) - (1u & ~normal), mag >= 0x3C00u);
}

static inline uint64_t cl_bf16(uint16_t b)
{
    const uint32_t mag = b & 0x7FFFu;
    return clamp_top((mag << 24) | 0x80000000u, 126u - (mag >> 7), mag >= 0x3F80u);
}

static uint64_t cl_at(const void *dist, int dtype, size_t i)
{
    const unsigned char *p = (const unsigned char *)dist;
    switch (dtype) {
    case DC_DTYPE_F32: { uint32_t b; memcpy(&b, p + 4 * i, 4); return cl_f32(b); }
    case DC_DTYPE_F64: { uint64_t b; memcpy(&b, p + 8 * i, 8); return cl_f64(b); }
    case DC_DTYPE_F16: { uint16_t b; memcpy(&b, p + 2 * i, 2); return cl_f16(b); }
    default:           { uint16_t b; memcpy(&b, p + 2 * i, 2); return cl_bf16(b); }
    }
}

/* ---- block kernels ----
 * A kernel reduces one block of at most DC_BLOCK_SIZE elements to the sum and the
 * maximum of its clamped counts and the largest raw bit pattern (>= the dtype's +Inf bits
 * when a NaN, an infinity or a set sign bit may be present). Kernels are pure reductions,
 * so a SIMD set only has to produce the same three numbers; the driver below finds the
 * first maximum by rescanning the one block that holds it. */

typedef struct py_blk {
    uint64_t sum, max, raw;
} py_blk;

typedef void (*py_blk_fn)(const unsigned char *p, size_t count, py_blk *out);

typedef struct py_kernels {
    const char *name;
    py_blk_fn blk[4]; /* indexed by dc_dtype */
} py_kernels;

/* Elements are read with memcpy: any alignment, no aliasing assumptions. Two
   accumulators per quantity halve the dependency chains. */
#define PY_SCALAR_BLK(suffix, ELEM, CL)                                              \
    static void blk_##suffix(const unsigned char *p, size_t count, py_blk *out)      \
    {                                                                                \
        uint64_t s0 = 0, s1 = 0, m0 = 0, m1 = 0;                                     \
        ELEM r0 = 0, r1 = 0;                                                         \
        size_t i = 0;                                                                \
        for (; i + 2 <= count; i += 2) {                                             \
            ELEM b0, b1;                                                             \
            memcpy(&b0, p + i * sizeof b0, sizeof b0);                               \
            memcpy(&b1, p + (i + 1) * sizeof b1, sizeof b1);                         \
            const uint64_t c0 = CL(b0), c1 = CL(b1);                                 \
            s0 += c0;                                                                \
            s1 += c1;                                                                \
            m0 = c0 > m0 ? c0 : m0;                                                  \
            m1 = c1 > m1 ? c1 : m1;                                                  \
            r0 = b0 > r0 ? b0 : r0;                                                  \
            r1 = b1 > r1 ? b1 : r1;                                                  \
        }                                                                            \
        if (i < count) {                                                             \
            ELEM b0;                                                                 \
            memcpy(&b0, p + i * sizeof b0, sizeof b0);                               \
            const uint64_t c0 = CL(b0);                                              \
            s0 += c0;                                                                \
            m0 = c0 > m0 ? c0 : m0;                                                  \
            r0 = b0 > r0 ? b0 : r0;                                                  \
        }                                                                            \
        out->sum = s0 + s1;                                                          \
        out->max = m0 > m1 ? m0 : m1;                                                \
        out->raw = r0 > r1 ? r0 : r1;                                                \
    }

PY_SCALAR_BLK(f32, uint32_t, cl_f32)
PY_SCALAR_BLK(f64, uint64_t, cl_f64)
PY_SCALAR_BLK(f16, uint16_t, cl_f16)
PY_SCALAR_BLK(bf16, uint16_t, cl_bf16)

static const py_kernels py_kernels_scalar = {
    "scalar",
    {blk_f32, blk_f64, blk_f16, blk_bf16},
};

#if (defined(__x86_64__) && defined(__GNUC__)) || defined(__wasm_simd128__)
/* Adds a scalar pass over [nv, count) of a block to a vector part's sum and max. */
static void add_tail(py_blk_fn scalar, const unsigned char *p, size_t esize, size_t nv,
                     size_t count, uint64_t sum, uint64_t max, py_blk *out)
{
    py_blk t = {0, 0, 0};
    if (nv < count)
        scalar(p + nv * esize, count - nv, &t);
    out->sum = sum + t.sum;
    out->max = t.max > max ? t.max : max;
    out->raw = t.raw; /* the vector part holds only values in [+0, 1) */
}
#endif

/* ---- SIMD block kernels ----
 * Each handles the common block (every element a value in [+0, 1), so every count is
 * below 2^32) and hands any other block to the scalar kernel. For p < 1, p * 2^32 is
 * made exactly as a float by adding 32 to the exponent field (a subnormal f32 becomes a
 * normal below 1, which truncates to 0, as it should), then truncated. Where only a
 * signed conversion exists (x86), p in [0.5, 1) is scaled by 2^31 instead and doubled:
 * p * 2^31 is an integer there, so nothing is lost. Sums are kept as high and low 16-bit
 * halves in 32-bit lanes (at most 64 elements per lane per block: no overflow). */

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define PY_HAVE_X86 1
#define PY_AVX2 __attribute__((target("avx2")))

static inline uint64_t sse2_hsum(__m128i v) /* four u32 lanes */
{
    const __m128i lo = _mm_and_si128(v, _mm_set1_epi64x(0xFFFFFFFF));
    __m128i t = _mm_add_epi64(lo, _mm_srli_epi64(v, 32));
    t = _mm_add_epi64(t, _mm_unpackhi_epi64(t, t));
    return (uint64_t)_mm_cvtsi128_si64(t);
}

typedef struct sse2_acc {
    __m128i flag, hi, lo, max; /* max holds counts ^ 2^31 (signed order = unsigned) */
} sse2_acc;

static inline void sse2_acc_init(sse2_acc *a)
{
    a->flag = a->hi = a->lo = _mm_setzero_si128();
    a->max = _mm_set1_epi32((int)0x80000000u);
}

/* Counts from p * 2^32 (or p * 2^31 where ge, the p >= 0.5 mask) as a float. */
static inline void sse2_add_counts(sse2_acc *a, __m128i x, __m128i ge)
{
    __m128i q = _mm_cvttps_epi32(_mm_castsi128_ps(x));
    q = _mm_add_epi32(q, _mm_and_si128(q, ge));
    q = _mm_sub_epi32(q, _mm_cmpeq_epi32(q, _mm_setzero_si128()));
    a->hi = _mm_add_epi32(a->hi, _mm_srli_epi32(q, 16));
    a->lo = _mm_add_epi32(a->lo, _mm_and_si128(q, _mm_set1_epi32(0xFFFF)));
    const __m128i qb = _mm_xor_si128(q, _mm_set1_epi32((int)0x80000000u));
    const __m128i gt = _mm_cmpgt_epi32(qb, a->max);
    a->max = _mm_or_si128(_mm_and_si128(gt, qb), _mm_andnot_si128(gt, a->max));
}

/* Four f32 bit patterns (also bf16 << 16). */
static inline void sse2_f32_lanes(sse2_acc *a, __m128i b)
{
    a->flag = _mm_or_si128(a->flag, _mm_or_si128(_mm_cmpgt_epi32(b, _mm_set1_epi32(0x3F7FFFFF)), b));
    const __m128i ge = _mm_cmpgt_epi32(b, _mm_set1_epi32(0x3EFFFFFF));
    const __m128i exp = _mm_sub_epi32(_mm_set1_epi32(32 << 23), _mm_and_si128(ge, _mm_set1_epi32(1 << 23)));
    sse2_add_counts(a, _mm_add_epi32(b, exp), ge);
}

/* Four f16 bit patterns in 32-bit lanes: (h << 13) + (144 << 23) is p * 2^32 as an f32
   for a normal h; for a subnormal h it is 2^17 + (m << 7) and the count is m << 8. */
static inline void sse2_f16_lanes(sse2_acc *a, __m128i h)
{
    a->flag = _mm_or_si128(a->flag, _mm_cmpgt_epi32(h, _mm_set1_epi32(0x3BFF)));
    const __m128i ge = _mm_cmpgt_epi32(h, _mm_set1_epi32(0x37FF));
    const __m128i sub = _mm_cmpgt_epi32(_mm_set1_epi32(0x400), h);
    const __m128i exp = _mm_sub_epi32(_mm_set1_epi32(144 << 23), _mm_and_si128(ge, _mm_set1_epi32(1 << 23)));
    const __m128i f = _mm_cvttps_epi32(_mm_castsi128_ps(_mm_add_epi32(_mm_slli_epi32(h, 13), exp)));
    const __m128i s = _mm_sub_epi32(_mm_add_epi32(f, f), _mm_set1_epi32(1 << 18));
    const __m128i q = _mm_or_si128(_mm_and_si128(sub, s), _mm_andnot_si128(sub, f));
    /* q is the count, or half of it where ge; the rest is sse2_add_counts after the
       conversion */
    __m128i c = _mm_add_epi32(q, _mm_and_si128(q, ge));
    c = _mm_sub_epi32(c, _mm_cmpeq_epi32(c, _mm_setzero_si128()));
    a->hi = _mm_add_epi32(a->hi, _mm_srli_epi32(c, 16));
    a->lo = _mm_add_epi32(a->lo, _mm_and_si128(c, _mm_set1_epi32(0xFFFF)));
    const __m128i cb = _mm_xor_si128(c, _mm_set1_epi32((int)0x80000000u));
    const __m128i gt = _mm_cmpgt_epi32(cb, a->max);
    a->max = _mm_or_si128(_mm_and_si128(gt, cb), _mm_andnot_si128(gt, a->max));
}

/* 1 when the block is not all in [+0, 1) (the caller then uses the scalar kernel). */
static inline int sse2_finish(const sse2_acc *a, uint64_t *sum, uint64_t *max)
{
    if (_mm_movemask_epi8(a->flag) & 0x8888)
        return 1;
    *sum = (sse2_hsum(a->hi) << 16) + sse2_hsum(a->lo);
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

static void sse2_blk_f32(const unsigned char *p, size_t count, py_blk *out)
{
    const size_t nv = count & ~(size_t)3;
    sse2_acc a;
    sse2_acc_init(&a);
    for (size_t i = 0; i < nv; i += 4)
        sse2_f32_lanes(&a, _mm_loadu_si128((const __m128i *)(p + 4 * i)));
    uint64_t sum, max;
    if (sse2_finish(&a, &sum, &max))
        blk_f32(p, count, out);
    else
        add_tail(blk_f32, p, 4, nv, count, sum, max, out);
}

static void sse2_blk_bf16(const unsigned char *p, size_t count, py_blk *out)
{
    const size_t nv = count & ~(size_t)7;
    sse2_acc a;
    sse2_acc_init(&a);
    const __m128i zero = _mm_setzero_si128();
    for (size_t i = 0; i < nv; i += 8) {
        const __m128i v = _mm_loadu_si128((const __m128i *)(p + 2 * i));
        sse2_f32_lanes(&a, _mm_unpacklo_epi16(zero, v));
        sse2_f32_lanes(&a, _mm_unpackhi_epi16(zero, v));
    }
    uint64_t sum, max;
    if (sse2_finish(&a, &sum, &max))
        blk_bf16(p, count, out);
    else
        add_tail(blk_bf16, p, 2, nv, count, sum, max, out);
}

static void sse2_blk_f16(const unsigned char *p, size_t count, py_blk *out)
{
    const size_t nv = count & ~(size_t)7;
    sse2_acc a;
    sse2_acc_init(&a);
    const __m128i zero = _mm_setzero_si128();
    for (size_t i = 0; i < nv; i += 8) {
        const __m128i v = _mm_loadu_si128((const __m128i *)(p + 2 * i));
        sse2_f16_lanes(&a, _mm_unpacklo_epi16(v, zero));
        sse2_f16_lanes(&a, _mm_unpackhi_epi16(v, zero));
    }
    uint64_t sum, max;
    if (sse2_finish(&a, &sum, &max))
        blk_f16(p, count, out);
    else
        add_tail(blk_f16, p, 2, nv, count, sum, max, out);
}

static const py_kernels py_kernels_sse2 = {
    "sse2",
    {sse2_blk_f32, blk_f64, sse2_blk_f16, sse2_blk_bf16},
};

/* AVX2. The counts of non-negative values below 1 grow with their bits, so the largest
   count of a block is the count of its largest bit pattern: one unsigned max serves as
   both the range check and the maximum. p in [0.5, 1) (exponent field 126) has the count
   (2^23 + m) << 8 straight from the bits; smaller p go through the float conversion. */
typedef struct avx2_acc {
    __m256i raw, hi, lo;
} avx2_acc;

PY_AVX2 static inline void avx2_add(avx2_acc *a, __m256i q)
{
    q = _mm256_max_epu32(q, _mm256_set1_epi32(1));
    a->hi = _mm256_add_epi32(a->hi, _mm256_srli_epi32(q, 16));
    a->lo = _mm256_add_epi32(a->lo, _mm256_and_si256(q, _mm256_set1_epi32(0xFFFF)));
}

PY_AVX2 static inline void avx2_f32_lanes(avx2_acc *a, __m256i b)
{
    a->raw = _mm256_max_epu32(a->raw, b);
    const __m256i ge = _mm256_cmpgt_epi32(b, _mm256_set1_epi32(0x3EFFFFFF));
    const __m256i big = _mm256_or_si256(_mm256_slli_epi32(b, 8), _mm256_set1_epi32((int)0x80000000u));
    const __m256i small = _mm256_cvttps_epi32(
        _mm256_castsi256_ps(_mm256_add_epi32(b, _mm256_set1_epi32(32 << 23))));
    avx2_add(a, _mm256_blendv_epi8(small, big, ge));
}

/* f16 bits h in 32-bit lanes: subnormal m << 8; normal below 0.5 through the float
   (h << 13) + (144 << 23) = p * 2^32; [0.5, 1) is (2^10 + m) << 21. */
PY_AVX2 static inline void avx2_f16_lanes(avx2_acc *a, __m256i h)
{
    a->raw = _mm256_max_epu32(a->raw, h);
    const __m256i ge = _mm256_cmpgt_epi32(h, _mm256_set1_epi32(0x37FF));
    const __m256i sub = _mm256_cmpgt_epi32(_mm256_set1_epi32(0x400), h);
    const __m256i big = _mm256_or_si256(_mm256_slli_epi32(h, 21), _mm256_set1_epi32((int)0x80000000u));
    const __m256i mid = _mm256_cvttps_epi32(_mm256_castsi256_ps(
        _mm256_add_epi32(_mm256_slli_epi32(h, 13), _mm256_set1_epi32(144 << 23))));
    const __m256i q = _mm256_blendv_epi8(_mm256_blendv_epi8(mid, big, ge), _mm256_slli_epi32(h, 8), sub);
    avx2_add(a, q);
}

/* Reduces the vector part; 1 when its largest bits are not below `one` (then the caller
   uses the scalar kernel for the whole block). */
PY_AVX2 static inline int avx2_finish(const avx2_acc *a, uint32_t one, uint64_t *sum,
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
    *sum = (sse2_hsum(h) << 16) + sse2_hsum(l);
    return 0;
}

/* Blocks whose values are all below 2^-5 (nearly all blocks of a real distribution) take
   a shorter path: each count is below 2^27, so 16 of them fit a 32-bit lane. */
#define PY_FAST_F32 0x3D000000u /* bits of 2^-5 */

PY_AVX2 static inline uint64_t avx2_hsum2(__m256i a0, __m256i a1) /* lanes below 2^31 each */
{
    const __m256i a = _mm256_add_epi32(a0, a1);
    return sse2_hsum(_mm256_castsi256_si128(a)) + sse2_hsum(_mm256_extracti128_si256(a, 1));
}

PY_AVX2 static inline uint32_t avx2_hmax(__m256i v)
{
    __m128i r = _mm_max_epu32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    r = _mm_max_epu32(r, _mm_shuffle_epi32(r, 0x4E));
    r = _mm_max_epu32(r, _mm_shuffle_epi32(r, 0xB1));
    return (uint32_t)_mm_cvtsi128_si32(r);
}

PY_AVX2 static inline __m256i avx2_fast_count(__m256i b)
{
    const __m256i q = _mm256_cvttps_epi32(
        _mm256_castsi256_ps(_mm256_add_epi32(b, _mm256_set1_epi32(32 << 23))));
    return _mm256_max_epu32(q, _mm256_set1_epi32(1));
}

PY_AVX2 static void avx2_blk_f32(const unsigned char *p, size_t count, py_blk *out)
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
            blk_f32(p, count, out);
            return;
        }
    } else {
        sum = avx2_hsum2(a0, a1);
    }
    add_tail(blk_f32, p, 4, nv, count, sum, nv ? cl_f32(r) : 0, out);
}

PY_AVX2 static void avx2_blk_bf16(const unsigned char *p, size_t count, py_blk *out)
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
            blk_bf16(p, count, out);
            return;
        }
    } else {
        sum = avx2_hsum2(a0, a1);
    }
    add_tail(blk_bf16, p, 2, nv, count, sum, nv ? cl_f32(r) : 0, out);
}

PY_AVX2 static void avx2_blk_f16(const unsigned char *p, size_t count, py_blk *out)
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
        blk_f16(p, count, out);
    else
        add_tail(blk_f16, p, 2, nv, count, sum, nv ? cl_f16((uint16_t)raw) : 0, out);
}

static const py_kernels py_kernels_avx2 = {
    "avx2",
    {avx2_blk_f32, blk_f64, avx2_blk_f16, avx2_blk_bf16},
};

#elif defined(__wasm_simd128__)
#include <wasm_simd128.h>
#define PY_HAVE_WASM 1

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

/* f16: normal h through (h << 13) + (144 << 23) = p * 2^32; subnormal m << 8. */
static inline void wasm_f16_lanes(wasm_acc *a, v128_t h)
{
    a->raw = wasm_u32x4_max(a->raw, h);
    const v128_t sub = wasm_i32x4_gt(wasm_i32x4_splat(0x400), h);
    const v128_t f = wasm_u32x4_trunc_sat_f32x4(
        wasm_i32x4_add(wasm_i32x4_shl(h, 13), wasm_i32x4_splat(144 << 23)));
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

static inline uint64_t wasm_hsum2(v128_t a0, v128_t a1)
{
    return (uint64_t)wasm_u32x4_extract_lane(a0, 0) + wasm_u32x4_extract_lane(a0, 1) +
           wasm_u32x4_extract_lane(a0, 2) + wasm_u32x4_extract_lane(a0, 3) +
           wasm_u32x4_extract_lane(a1, 0) + wasm_u32x4_extract_lane(a1, 1) +
           wasm_u32x4_extract_lane(a1, 2) + wasm_u32x4_extract_lane(a1, 3);
}

static void wasm_blk_f32(const unsigned char *p, size_t count, py_blk *out)
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
            blk_f32(p, count, out);
            return;
        }
    } else {
        sum = wasm_hsum2(a0, a1);
    }
    add_tail(blk_f32, p, 4, nv, count, sum, nv ? cl_f32(r) : 0, out);
}

static void wasm_blk_bf16(const unsigned char *p, size_t count, py_blk *out)
{
    const size_t nv = count & ~(size_t)7;
    v128_t raw = wasm_i32x4_splat(0), a0 = raw, a1 = raw;
    for (size_t i = 0; i < nv; i += 8) {
        const v128_t v = wasm_v128_load(p + 2 * i);
        const v128_t b0 = wasm_i32x4_shl(wasm_u32x4_extend_low_u16x8(v), 16);
        const v128_t b1 = wasm_i32x4_shl(wasm_u32x4_extend_high_u16x8(v), 16);
        raw = wasm_u32x4_max(raw, wasm_u32x4_max(b0, b1));
        a0 = wasm_i32x4_add(a0, wasm_fast_count(b0));
        a1 = wasm_i32x4_add(a1, wasm_fast_count(b1));
    }
    const uint32_t r = wasm_hmax(raw);
    uint64_t sum = 0;
    if (r >= PY_FAST_F32) {
        wasm_acc a;
        a.raw = a.hi = a.lo = wasm_i32x4_splat(0);
        for (size_t i = 0; i < nv; i += 8) {
            const v128_t v = wasm_v128_load(p + 2 * i);
            wasm_f32_lanes(&a, wasm_i32x4_shl(wasm_u32x4_extend_low_u16x8(v), 16));
            wasm_f32_lanes(&a, wasm_i32x4_shl(wasm_u32x4_extend_high_u16x8(v), 16));
        }
        uint32_t unused;
        if (wasm_finish(&a, 0x3F800000u, &sum, &unused)) {
            blk_bf16(p, count, out);
            return;
        }
    } else {
        sum = wasm_hsum2(a0, a1);
    }
    add_tail(blk_bf16, p, 2, nv, count, sum, nv ? cl_f32(r) : 0, out);
}

/* f16 blocks whose values are all below 2^-5 (bits 0x2800) have counts below 2^27 as for
   f32: the signed conversion is exact and 32 counts fit an unsigned 32-bit lane. */
#define PY_FAST_F16 0x2800u

static inline v128_t wasm_fast_count_f16(v128_t h)
{
    const v128_t sub = wasm_i32x4_gt(wasm_i32x4_splat(0x400), h);
    const v128_t f = wasm_i32x4_trunc_sat_f32x4(
        wasm_i32x4_add(wasm_i32x4_shl(h, 13), wasm_i32x4_splat(144 << 23)));
    return wasm_u32x4_max(wasm_v128_bitselect(wasm_i32x4_shl(h, 8), f, sub),
                          wasm_i32x4_splat(1));
}

static void wasm_blk_f16(const unsigned char *p, size_t count, py_blk *out)
{
    const size_t nv = count & ~(size_t)7;
    v128_t raw = wasm_i32x4_splat(0), a0 = raw, a1 = raw;
    for (size_t i = 0; i < nv; i += 8) {
        const v128_t v = wasm_v128_load(p + 2 * i);
        const v128_t h0 = wasm_u32x4_extend_low_u16x8(v), h1 = wasm_u32x4_extend_high_u16x8(v);
        raw = wasm_u32x4_max(raw, wasm_u32x4_max(h0, h1));
        a0 = wasm_i32x4_add(a0, wasm_fast_count_f16(h0));
        a1 = wasm_i32x4_add(a1, wasm_fast_count_f16(h1));
    }
    const uint32_t r = wasm_hmax(raw);
    uint64_t sum = 0;
    if (r >= PY_FAST_F16) {
        wasm_acc a;
        a.raw = a.hi = a.lo = wasm_i32x4_splat(0);
        for (size_t i = 0; i < nv; i += 8) {
            const v128_t v = wasm_v128_load(p + 2 * i);
            wasm_f16_lanes(&a, wasm_u32x4_extend_low_u16x8(v));
            wasm_f16_lanes(&a, wasm_u32x4_extend_high_u16x8(v));
        }
        uint32_t unused;
        if (wasm_finish(&a, 0x3C00u, &sum, &unused)) {
            blk_f16(p, count, out);
            return;
        }
    } else {
        sum = wasm_hsum2(a0, a1);
    }
    add_tail(blk_f16, p, 2, nv, count, sum, nv ? cl_f16((uint16_t)r) : 0, out);
}

/* f64: a value is in [+0, 1) exactly when its high word is below 0x3FF00000 (sign clear,
   exponent below that of 1.0); then adding 32 to the exponent field gives p * 2^32
   exactly (a subnormal becomes a normal below 1, which truncates to 0, as it should) and
   the saturating unsigned conversion truncates it. Four elements per iteration. */
static void wasm_blk_f64(const unsigned char *p, size_t count, py_blk *out)
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
        blk_f64(p, count, out);
        return;
    }
    const uint32_t m = wasm_hmax(cmax);
    add_tail(blk_f64, p, 8, nv, count, sum, nv ? (m > 1 ? m : 1) : 0, out);
}

static const py_kernels py_kernels_wasm = {
    "wasm-simd128",
    {wasm_blk_f32, wasm_blk_f64, wasm_blk_f16, wasm_blk_bf16},
};
#endif

/* Kernel sets this build can run here, best first, NULL-terminated. */
static const py_kernels *const *py_kernel_sets(void)
{
#if defined(PY_HAVE_X86)
    static const py_kernels *const sets[] = {&py_kernels_avx2, &py_kernels_sse2,
                                             &py_kernels_scalar, NULL};
    return __builtin_cpu_supports("avx2") ? sets : sets + 1;
#elif defined(PY_HAVE_WASM)
    static const py_kernels *const sets[] = {&py_kernels_wasm, &py_kernels_scalar, NULL};
    return sets;
#else
    static const py_kernels *const sets[] = {&py_kernels_scalar, NULL};
    return sets;
#endif
}

static const py_kernels *py_kernels_active(void)
{
    return py_kernel_sets()[0];
}

/* For test/test_python01.c (declared there): runs kernel set `set` (0 = the active one,
   counting down to the scalar one) on one block; returns its name, or NULL when this
   build and CPU have fewer sets. out = {sum, max, raw}. */
const char *dc_py01_test_block(int set, int dtype, const void *p, size_t count,
                               uint64_t out[3]);
const char *dc_py01_test_block(int set, int dtype, const void *p, size_t count,
                               uint64_t out[3])
{
    const py_kernels *const *sets = py_kernel_sets();
    for (int i = 0; i < set; i++)
        if (!sets[i])
            return NULL;
    if (!sets[set] || dtype < 0 || dtype > 3 || count > DC_BLOCK_SIZE)
        return NULL;
    py_blk r;
    sets[set]->blk[dtype]((const unsigned char *)p, count, &r);
    out[0] = r.sum;
    out[1] = r.max;
    out[2] = r.raw;
    return sets[set]->name;
}

/* Running result of a scan over consecutive ranges. */
typedef struct py_scan {
    uint64_t sum;       /* sum of clamped counts so far */
    uint64_t max;       /* largest clamped count so far (0 before the first element) */
    uint64_t raw_max;   /* largest raw bit pattern */
    size_t max_block;   /* start of the first block holding max */
    uint64_t max_block_below; /* sum before that block */
} py_scan;

/* Continue *s over [begin, end), block by block from begin; with out != NULL also store
   out[j] = the running sum at the end of the j-th block of the range. */
static void scan_range(const void *dist, int dtype, size_t begin, size_t end, py_scan *s,
                       uint64_t *out)
{
    const py_blk_fn blk = py_kernels_active()->blk[dtype];
    const unsigned char *p = (const unsigned char *)dist;
    const size_t esize = dc_dtype_size(dtype);
    for (size_t b = begin, j = 0; b < end; b += DC_BLOCK_SIZE, j++) {
        const size_t count = end - b < DC_BLOCK_SIZE ? end - b : DC_BLOCK_SIZE;
        py_blk r;
        blk(p + b * esize, count, &r);
        if (r.max > s->max) {
            s->max = r.max;
            s->max_block = b;
            s->max_block_below = s->sum;
        }
        s->sum += r.sum;
        s->raw_max = r.raw > s->raw_max ? r.raw : s->raw_max;
        if (out)
            out[j] = s->sum;
    }
}

/* Bits of +Inf per dtype: raw_max below this means every element is a finite value >= +0. */
static const uint64_t inf_bits[4] = {0x7F800000u, 0x7FF0000000000000u, 0x7C00u, 0x7F80u};

/* First offending element: NaN, infinity, or negative other than -0.0. */
static dc_result first_bad_value(const void *dist, int dtype, size_t n)
{
    const unsigned char *p = (const unsigned char *)dist;
    const unsigned bits = (unsigned)dc_dtype_size(dtype) * 8;
    const uint64_t sign = (uint64_t)1 << (bits - 1);
    for (size_t i = 0; i < n; i++) {
        uint64_t b;
        switch (dtype) {
        case DC_DTYPE_F32: { uint32_t v; memcpy(&v, p + 4 * i, 4); b = v; break; }
        case DC_DTYPE_F64: { memcpy(&b, p + 8 * i, 8); break; }
        default:           { uint16_t v; memcpy(&v, p + 2 * i, 2); b = v; break; }
        }
        const uint64_t mag = b & (sign - 1);
        if (mag > inf_bits[dtype])
            return DC_ERR_NAN;
        if (mag == inf_bits[dtype])
            return DC_ERR_INFINITE;
        if ((b & sign) && mag != 0)
            return DC_ERR_NEGATIVE;
    }
    return DC_OK;
}

/* The step's table, from a complete scan. */
typedef struct py_table {
    uint64_t total;     /* Tot = sum of clamped counts */
    uint64_t max;       /* clamped count of the first maximum */
    uint64_t below_max; /* P(m) */
    uint64_t fixed;     /* c'_m = 2^32 - (Tot - max), in [1, 2^32] */
    size_t m;
} py_table;

static dc_result make_table(const void *dist, int dtype, size_t n, const py_scan *s,
                            py_table *t)
{
    if (s->raw_max >= inf_bits[dtype]) {
        const dc_result r = first_bad_value(dist, dtype, n);
        if (r != DC_OK)
            return r;
    }
    const uint64_t others = s->sum - s->max;
    if (others >= PY_TOTAL)
        return DC_ERR_COUNT_OVERFLOW;
    /* The first element of max_block holding max is the first maximum overall. */
    size_t m = s->max_block;
    uint64_t below = s->max_block_below, cnt;
    const size_t stop = n - m < DC_BLOCK_SIZE ? n : m + DC_BLOCK_SIZE; /* never passed */
    while ((cnt = cl_at(dist, dtype, m)) != s->max && m + 1 < stop) {
        below += cnt;
        m++;
    }
    t->total = s->sum;
    t->max = s->max;
    t->below_max = below;
    t->fixed = PY_TOTAL - others;
    t->m = m;
    return DC_OK;
}

/* lo(k), given P(k) and the table (hi is lo + the count, c'_m for k = m). */
static uint64_t lo_of(const py_table *t, size_t k, uint64_t prefix)
{
    return k <= t->m ? prefix : prefix - t->total + PY_TOTAL; /* prefix >= P(m+1) here */
}

/* ---- encoder ---- */

static void py_begin(dc_coder *c)
{
    dc_py01_encoder *e = &c->st.penc;
    e->low = 0;
    e->high = PY_TOP;
    e->pending = 0;
    e->bitbuf = 0;
    e->nbits = 0;
}

/* Write `bit` then `run` copies of !bit (room was reserved). */
static void put_bits(dc_coder *c, uint32_t bit, uint64_t run)
{
    dc_py01_encoder *e = &c->st.penc;
    e->bitbuf = (e->bitbuf << 1) | bit;
    if (++e->nbits == 8) {
        c->out[c->out_len++] = (uint8_t)e->bitbuf;
        e->bitbuf = 0;
        e->nbits = 0;
    }
    const uint32_t other = bit ^ 1;
    while (run > 0 && e->nbits != 0) {
        e->bitbuf = (e->bitbuf << 1) | other;
        run--;
        if (++e->nbits == 8) {
            c->out[c->out_len++] = (uint8_t)e->bitbuf;
            e->bitbuf = 0;
            e->nbits = 0;
        }
    }
    const uint8_t fill = other ? 0xFF : 0x00;
    for (; run >= 8; run -= 8)
        c->out[c->out_len++] = fill;
    for (; run > 0; run--) {
        e->bitbuf = (e->bitbuf << 1) | other;
        e->nbits++; /* fewer than 8 bits here */
    }
}

/* Bytes one step or the finish can write at most: the partial byte, the pending run and
   at most 34 renormalisation bits (the range is >= 2^28 after an update, > 2^60 after
   renormalising). */
static dc_result reserve_for(dc_coder *c)
{
    const uint64_t bytes = (c->st.penc.pending >> 3) + 8;
    if (bytes > (uint64_t)(SIZE_MAX / 2))
        return DC_ERR_TOO_LARGE;
    return dc_out_reserve(c, (size_t)bytes);
}

static dc_result py_encode(dc_coder *c, const void *dist, int dtype, size_t n, size_t sym)
{
    py_scan s = {0, 0, 0, 0, 0};
    scan_range(dist, dtype, 0, sym, &s, NULL);
    const uint64_t below = s.sum;
    scan_range(dist, dtype, sym, n, &s, NULL);
    py_table t;
    dc_result r = make_table(dist, dtype, n, &s, &t);
    if (r != DC_OK)
        return r;
    const uint64_t lo = lo_of(&t, sym, below);
    const uint64_t hi = lo + (sym == t.m ? t.fixed : cl_at(dist, dtype, sym));
    r = reserve_for(c);
    if (r != DC_OK)
        return r;

    dc_py01_encoder *e = &c->st.penc;
    const uint64_t range = e->high - e->low + 1;
    e->high = e->low + mul_shr32(range, hi) - 1;
    e->low = e->low + mul_shr32(range, lo);
    for (;;) {
        if (e->high < PY_MID) {
            put_bits(c, 0, e->pending);
            e->pending = 0;
        } else if (e->low >= PY_MID) {
            put_bits(c, 1, e->pending);
            e->pending = 0;
            e->low -= PY_MID;
            e->high -= PY_MID;
        } else if (e->low >= PY_Q1 && e->high < PY_Q3) {
            e->pending++;
            e->low -= PY_Q1;
            e->high -= PY_Q1;
        } else {
            break;
        }
        e->low <<= 1;
        e->high = (e->high << 1) | 1;
    }
    return DC_OK;
}

static dc_result py_finish(dc_coder *c)
{
    const dc_result r = reserve_for(c);
    if (r != DC_OK)
        return r;
    dc_py01_encoder *e = &c->st.penc;
    put_bits(c, e->low < PY_Q1 ? 0 : 1, e->pending + 1);
    e->pending = 0;
    if (e->nbits > 0) {
        c->out[c->out_len++] = (uint8_t)(e->bitbuf << (8 - e->nbits));
        e->bitbuf = 0;
        e->nbits = 0;
    }
    return DC_OK;
}

/* ---- decoder ---- */

static uint64_t bit_at(const dc_coder *c, uint64_t pos)
{
    const uint64_t byte = pos >> 3;
    return byte < c->in_len ? (uint64_t)(c->in[(size_t)byte] >> (7 - (pos & 7))) & 1 : 0;
}

static void py_start(dc_coder *c)
{
    dc_py01_decoder *d = &c->st.pdec;
    d->low = 0;
    d->high = PY_TOP;
    d->value = 0;
    for (uint64_t i = 0; i < PY_REG_BITS; i++)
        d->value = (d->value << 1) | bit_at(c, i);
    d->bitpos = PY_REG_BITS;
}

static dc_result py_decode(dc_coder *c, const void *dist, int dtype, size_t n, size_t *sym)
{
    const size_t nblocks = (n + DC_BLOCK_SIZE - 1) / DC_BLOCK_SIZE;
    dc_result r = dc_blocks_reserve(c, nblocks);
    if (r != DC_OK)
        return r;
    py_scan s = {0, 0, 0, 0, 0};
    scan_range(dist, dtype, 0, n, &s, c->blocks);
    py_table t;
    r = make_table(dist, dtype, n, &s, &t);
    if (r != DC_OK)
        return r;

    dc_py01_decoder *d = &c->st.pdec;
    if (d->value < d->low || d->value > d->high)
        return DC_ERR_CORRUPT_STREAM; /* cannot happen: kept by every step */
    const uint64_t range = d->high - d->low + 1;
    const uint64_t target = target_of(d->value - d->low, range); /* < 2^32 */

    /* The symbol is the first k with hi(k) > target. Below m that is the first k with
       P(k + 1) > target; in m's interval it is m; above, hi(k) = P(k + 1) + D, so it is
       the first k with P(k + 1) > target - D, which is past m automatically. */
    size_t k;
    uint64_t prefix; /* P(k) */
    if (target >= t.below_max && target < t.below_max + t.fixed) {
        k = t.m;
        prefix = t.below_max;
    } else {
        const uint64_t thr = target < t.below_max ? target : target + t.total - PY_TOTAL;
        size_t lo_b = 0, hi_b = nblocks - 1; /* blocks[nblocks - 1] = Tot > thr */
        while (lo_b < hi_b) {
            const size_t mid = lo_b + (hi_b - lo_b) / 2;
            if (c->blocks[mid] > thr)
                hi_b = mid;
            else
                lo_b = mid + 1;
        }
        k = lo_b * DC_BLOCK_SIZE;
        prefix = lo_b > 0 ? c->blocks[lo_b - 1] : 0;
        const size_t end = n - k < DC_BLOCK_SIZE ? n : k + DC_BLOCK_SIZE;
        for (;;) {
            const uint64_t cnt = cl_at(dist, dtype, k);
            if (prefix + cnt > thr || k + 1 >= end)
                break;
            prefix += cnt;
            k++;
        }
    }
    const uint64_t lo = lo_of(&t, k, prefix);
    const uint64_t hi = lo + (k == t.m ? t.fixed : cl_at(dist, dtype, k));
    if (target < lo || target >= hi)
        return DC_ERR_CORRUPT_STREAM; /* cannot happen for a valid table */

    uint64_t low = d->low, high = d->high, value = d->value, pos = d->bitpos;
    high = low + mul_shr32(range, hi) - 1;
    low = low + mul_shr32(range, lo);
    for (;;) {
        if (high < PY_MID) {
            /* nothing to subtract */
        } else if (low >= PY_MID) {
            low -= PY_MID;
            high -= PY_MID;
            value -= PY_MID;
        } else if (low >= PY_Q1 && high < PY_Q3) {
            low -= PY_Q1;
            high -= PY_Q1;
            value -= PY_Q1;
        } else {
            break;
        }
        low <<= 1;
        high = (high << 1) | 1;
        value = (value << 1) | bit_at(c, pos);
        pos++;
    }
    d->low = low;
    d->high = high;
    d->value = value;
    d->bitpos = pos;
    *sym = k;
    return DC_OK;
}

static dc_result py_frequencies(const void *dist, int dtype, size_t n, uint64_t *freq,
                                uint64_t *total)
{
    py_scan s = {0, 0, 0, 0, 0};
    scan_range(dist, dtype, 0, n, &s, NULL);
    py_table t;
    const dc_result r = make_table(dist, dtype, n, &s, &t);
    if (r != DC_OK)
        return r;
    for (size_t i = 0; i < n; i++)
        freq[i] = i == t.m ? t.fixed : cl_at(dist, dtype, i);
    *total = PY_TOTAL;
    return DC_OK;
}

const dc_format_ops dc_py01_format_ops = {
    py_begin, py_encode, py_finish, py_start, py_decode, py_frequencies,
};
