/* kernels_scaled.h - the general scale: sums of u_i = floor(p_i * 2^K) at any K, and in
 * the same pass what the K rule needs (the largest magnitude) and what validation needs
 * (NaN, infinities, negative values, a -0.0 element).
 *
 * The coder guesses K (the K of its previous step) and checks the guess afterwards from
 * these statistics, so every input class costs one pass (docs/FORMAT.md 1.2 decides K;
 * dc_scaled_choose_k below applies it). Sums are exact when every u_i < 2^32 (true at the
 * K the rule gives); at a wrong guess they may be anything and are thrown away. */
#ifndef DC_KERNELS_SCALED_H
#define DC_KERNELS_SCALED_H

#include <stddef.h>
#include <stdint.h>

#include "quantize.h"

/* What one pass saw, merged over calls (start from {0, 0, 0}).
   key:  the largest magnitude's bits for f32/f16/bf16; its bits 32..62 for f64 (enough
         for floor(log2 max) and for NaN/Inf);
   sign: nonzero when some element has its sign bit set (-0.0 or negative);
   neg:  nonzero when some element is negative and not -0.0. */
typedef struct dc_scan_info {
    uint32_t key;
    uint32_t sign;
    uint32_t neg;
} dc_scan_info;

/* *sum += sum of u_i over [begin, end) at scale 2^k; merges the range into *info. */
typedef void (*dc_sumk_fn)(const void *dist, size_t begin, size_t end, int k, uint64_t *sum,
                           dc_scan_info *info);
/* out[j] = sum of u_i over i < min((j + 1) * DC_BLOCK_SIZE, n); merges [0, n) into *info. */
typedef void (*dc_blocksk_fn)(const void *dist, size_t n, int k, uint64_t *out,
                              dc_scan_info *info);

typedef struct dc_scaled_kernels {
    const char *name;
    dc_sumk_fn sumk[4]; /* indexed by dc_dtype */
    dc_blocksk_fn blocksk[4];
} dc_scaled_kernels;

extern const dc_scaled_kernels dc_scaled_scalar; /* the reference */
#if defined(__x86_64__) && defined(__GNUC__)
#define DC_HAVE_X86_SCALED 1
extern const dc_scaled_kernels dc_scaled_avx2; /* when the CPU has AVX2 */
#endif
#if defined(__wasm_simd128__)
extern const dc_scaled_kernels dc_scaled_wasm_simd128;
#endif
const dc_scaled_kernels *dc_scaled_active(void);
const dc_scaled_kernels *const *dc_scaled_available(void); /* NULL-terminated */

/* u_i at scale 2^k for any k: exact when below 2^32, some value >= 2^32 otherwise. */
uint64_t dc_scaled_one(const void *dist, int dtype, size_t i, int k);

/* The same from an element's bits (dtype a constant where it is inlined), and the
   element's contribution to the statistics: the kernels' scalar tails. */
static inline uint64_t dc_scaled_bits(uint64_t b, int dtype, int k)
{
    const unsigned mb = dtype == DC_DTYPE_F32 ? 23 : dtype == DC_DTYPE_F64 ? 52
                      : dtype == DC_DTYPE_F16 ? 10 : 7;
    const unsigned eb = dtype == DC_DTYPE_F32 ? 8 : dtype == DC_DTYPE_F64 ? 11
                      : dtype == DC_DTYPE_F16 ? 5 : 8;
    const int min_exp = dtype == DC_DTYPE_F32 ? -149 : dtype == DC_DTYPE_F64 ? -1074
                      : dtype == DC_DTYPE_F16 ? -24 : -133;
    const uint64_t m = b & (((uint64_t)1 << mb) - 1);
    const unsigned e = (unsigned)(b >> mb) & ((1u << eb) - 1);
    const uint64_t mant = e == 0 ? m : m | ((uint64_t)1 << mb);
    const int sh = min_exp + (e == 0 ? 0 : (int)e - 1) + k;
    if (sh >= 0) /* mant < 2^(mb + 1): beyond 2^32 when sh > 31 - mb (or earlier) */
        return mant == 0 ? 0 : sh > 32 || (mant >> (32 - sh)) != 0 ? (uint64_t)1 << 32
                                                                  : mant << sh;
    return sh <= -64 ? 0 : mant >> -sh;
}

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

/* The step's K (docs/FORMAT.md 1.2) from a pass at scale kg over the whole step
   (q = the sum at kg, info = the statistics):
   DC_SCALED_DONE     K = kg: the pass's sums are the step's sums;
   DC_SCALED_RETRY    K is not kg: pass again at *k and ask again;
   DC_SCALED_NEED_Q32 every element is in [+0, 1) and K is 32 or *k, depending on whether
                      Q32 = sum floor(p_i * 2^32) >= 2^31 (compute it; the pass was at *k);
   DC_SCALED_INVALID  a NaN, an infinity, a negative value or no mass the statistics can
                      see (or an f64 step whose largest element is below 2^-1022): the
                      caller takes the scalar path, which reports the first bad element. */
enum { DC_SCALED_DONE, DC_SCALED_RETRY, DC_SCALED_NEED_Q32, DC_SCALED_INVALID };
int dc_scaled_choose_k(int dtype, const dc_scan_info *info, int kg, uint64_t q, size_t n,
                       int *k);

/* The decoder's scan of one block at scale 2^k, k != 32 (as dc_scan_block32): from element
   i with prefix *z = Z_i < threshold, advance while i + 1 < n and Z_{i+1} < threshold.
   Returns the final i; *z = Z_i, *u = u_i. */
size_t dc_scan_blockk(const dc_scaled_kernels *kern, const void *dist, int dtype, int k,
                      size_t i, size_t n, uint64_t unit, uint64_t threshold, uint64_t *z,
                      uint64_t *u);

#endif /* DC_KERNELS_SCALED_H */
