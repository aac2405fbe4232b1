/* quantize.h - exact float -> integer quantisation and the kernels that sum it.
 *
 * Everything that decides a frequency is integer arithmetic on the float's bits:
 * u = floor(|p| * 2^K) is the integer mantissa shifted by (exponent + K). The fast
 * kernels compute the same u for K = 32 in whatever way is fastest on the target
 * (truncating conversions after an exact power-of-two scaling), and the tests check them
 * against the scalar reference bit for bit. */
#ifndef DC_QUANTIZE_H
#define DC_QUANTIZE_H

#include <stddef.h>
#include <stdint.h>

#include "distribution_coder.h"

/* Elements per block sum kept while decoding: the search scans one block. */
#define DC_BLOCK_SIZE 256

/* The fast scale 2^32 is used when every element is in [+0, 1) and the sum of
   floor(p * 2^32) is at least this; otherwise the scale comes from the largest element. */
#define DC_FAST_MIN_SUM ((uint64_t)1 << 31)

/* floor(|dist[i]| * 2^K) for a finite element; the caller guarantees it is < 2^64. */
uint64_t dc_quantize_one(const void *dist, int dtype, size_t i, int k);

/* Slow-path scan: refuses NaN, infinities, negative values and no positive mass (first
   offending element wins) and gives floor(log2(max p)) in *max_exp. */
dc_result dc_scan_max_exponent(const void *dist, int dtype, size_t n, int *max_exp);

/* Sum of floor(dist[i] * 2^K) over [begin, end), scalar, any K (slow path). */
uint64_t dc_sum_scaled(const void *dist, int dtype, size_t begin, size_t end, int k);

/* Cumulative block sums at scale 2^K, scalar (slow path). */
void dc_blocks_scaled(const void *dist, int dtype, size_t n, int k, uint64_t *out);

/* Fast kernels at K = 32, one per dtype.
 * sum32: *sum = sum of floor(p_i * 2^32) over [begin, end); returns 1 when every element
 *        in the range has bits of a value in [+0, 1), else 0 (and *sum is meaningless).
 * blocks32: out[j] = sum over i < min((j + 1) * DC_BLOCK_SIZE, n) of floor(p_i * 2^32);
 *        same return value as sum32 for the whole [0, n). */
typedef int (*dc_sum32_fn)(const void *dist, size_t begin, size_t end, uint64_t *sum);
typedef int (*dc_blocks32_fn)(const void *dist, size_t n, uint64_t *out);

typedef struct dc_kernels {
    const char *name;
    dc_sum32_fn sum32[4];       /* indexed by dc_dtype */
    dc_blocks32_fn blocks32[4];
} dc_kernels;

/* The portable reference. */
extern const dc_kernels dc_kernels_scalar;

/* The kernels this process uses (chosen once from what the CPU or build supports). */
const dc_kernels *dc_kernels_active(void);

/* All kernel sets this build can run here, for tests that compare them (NULL-terminated). */
const dc_kernels *const *dc_kernels_available(void);

#endif /* DC_QUANTIZE_H */
