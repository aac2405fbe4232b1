/* quantize.h - exact float -> integer quantisation (the scalar reference and slow path).
 *
 * Everything that decides a frequency is integer arithmetic on the float's bits:
 * u = floor(|p| * 2^K) is the integer mantissa shifted by (exponent + K). The kernels
 * (src/kernels/) compute the same u for K = 32 in whatever way is fastest on the target
 * (truncating conversions after an exact power-of-two scaling), and the tests check them
 * against the scalar reference bit for bit. */
#ifndef DC_QUANTIZE_H
#define DC_QUANTIZE_H

#include <stddef.h>
#include <stdint.h>

#include "distribution_coder.h"
#include "dtype.h"

/* Elements per block sum kept while decoding: the search scans one block. */
#define DC_BLOCK_SIZE 256

/* The fast scale 2^32 is used when every element is in [+0, 1) and the sum of
   floor(p * 2^32) is at least this; otherwise the scale comes from the largest element. */
#define DC_FAST_MIN_SUM ((uint64_t)1 << 31)

/* What one pass of the general-scale kernels saw (src/kernels/kernels.h), merged over
   calls (start from {0, 0, 0}):
   key:  the largest magnitude's bits for f32/f16/bf16; its bits 32..62 for f64 (enough
         for floor(log2 max) and for NaN/Inf);
   sign: nonzero when some element has its sign bit set (-0.0 or negative);
   neg:  nonzero when some element is negative and not -0.0. */
typedef struct dc_scan_info {
    uint32_t key;
    uint32_t sign;
    uint32_t neg;
} dc_scan_info;

/* The step's K (the rule above) from a pass at scale kg over the whole step of n elements
   (q = the sum at kg, info = the statistics). The encoder and decoder guess kg (the K of
   their previous step) and check the guess here, so every input class costs one pass:
   DC_SCALED_DONE     K = kg: the pass's sums are the step's sums;
   DC_SCALED_RETRY    K is not kg: pass again at *k and ask again;
   DC_SCALED_NEED_Q32 every element is in [+0, 1) and K is 32 or *k, depending on whether
                      Q32 = sum floor(p_i * 2^32) >= DC_FAST_MIN_SUM (the pass was at *k);
   DC_SCALED_INVALID  a NaN, an infinity, a negative value or no mass the statistics can
                      see (or an f64 step whose largest element is below 2^-1022): the
                      caller takes the scalar path, which reports the first bad element. */
enum { DC_SCALED_DONE, DC_SCALED_RETRY, DC_SCALED_NEED_Q32, DC_SCALED_INVALID };
int dc_scaled_choose_k(int dtype, const dc_scan_info *info, int kg, uint64_t q, size_t n,
                       int *k);

/* Field layout of each dtype: mantissa bits, exponent bits, exponent of the smallest
   subnormal's unit (so a value is M * 2^(e_field - bias - mant_bits) for normals). */
typedef struct dc_layout {
    unsigned mant_bits, exp_bits;
    int min_exp; /* exponent of the unit of M for subnormals: 1 - bias - mant_bits */
} dc_layout;

static const dc_layout dc_layouts[4] = {
    {23, 8, -149},   /* f32 */
    {52, 11, -1074}, /* f64 */
    {10, 5, -24},    /* f16 */
    {7, 8, -133},    /* bf16 */
};

/* |value| = *mant * 2^*exp2, exactly, for a finite element. */
static inline void dc_decompose(uint64_t bits, int dtype, uint64_t *mant, int *exp2)
{
    const dc_layout *l = &dc_layouts[dtype];
    const uint64_t m = bits & (((uint64_t)1 << l->mant_bits) - 1);
    const unsigned e = (unsigned)(bits >> l->mant_bits) & ((1u << l->exp_bits) - 1);
    if (e == 0) {
        *mant = m;
        *exp2 = l->min_exp;
    } else {
        *mant = m | ((uint64_t)1 << l->mant_bits);
        *exp2 = l->min_exp + (int)e - 1;
    }
}

static inline uint64_t dc_shift_scaled(uint64_t mant, int sh)
{
    if (sh >= 0)
        return mant << sh; /* callers guarantee the result fits */
    return sh <= -64 ? 0 : mant >> -sh;
}

/* floor(|dist[i]| * 2^K) for a finite element; the caller guarantees it is < 2^64. Inline:
   the scalar kernels and the slow path call it once per element. */
static inline uint64_t dc_quantize_one(const void *dist, int dtype, size_t i, int k)
{
    uint64_t mant;
    int exp2;
    dc_decompose(dc_elem_bits(dist, dtype, i), dtype, &mant, &exp2);
    return dc_shift_scaled(mant, exp2 + k);
}


/* Refuses NaN, infinities and negative values other than -0.0 (first offending element
   wins); *max_mag = the largest magnitude's bits. */
dc_result dc_check_values(const void *dist, int dtype, size_t n, uint64_t *max_mag);

/* Slow-path scan: refuses NaN, infinities, negative values and no positive mass (first
   offending element wins) and gives floor(log2(max p)) in *max_exp. */
dc_result dc_scan_max_exponent(const void *dist, int dtype, size_t n, int *max_exp);

/* Sum of floor(dist[i] * 2^K) over [begin, end), scalar, any K (slow path). */
uint64_t dc_sum_scaled(const void *dist, int dtype, size_t begin, size_t end, int k);

/* Cumulative block sums at scale 2^K, scalar (slow path). */
void dc_blocks_scaled(const void *dist, int dtype, size_t n, int k, uint64_t *out);

#endif /* DC_QUANTIZE_H */
