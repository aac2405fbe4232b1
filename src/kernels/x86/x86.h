/* x86.h - what the SSE2 and AVX2 kernel sets (both formats) share: the AVX2 target
 * attribute, horizontal sums and the f16 -> f32 conversion (dtype.h) per vector width. */
#ifndef DC_KERNELS_X86_H
#define DC_KERNELS_X86_H

#include "kernels/common.h"

#ifdef DC_HAVE_X86_KERNELS

#include <immintrin.h>

#define DC_AVX2 __attribute__((target("avx2")))

/* Sum of the four unsigned 32-bit lanes. */
static inline uint64_t dc_sse2_hsum_u32(__m128i v)
{
    const __m128i lo = _mm_and_si128(v, _mm_set1_epi64x(0xffffffff));
    __m128i t = _mm_add_epi64(lo, _mm_srli_epi64(v, 32));
    t = _mm_add_epi64(t, _mm_unpackhi_epi64(t, t));
    return (uint64_t)_mm_cvtsi128_si64(t);
}

/* f16 bits h in 32-bit lanes -> the f32 bits of p * 2^32 for normal h (DC_F16_F32_2P32). */
static inline __m128i dc_sse2_f16_scaled(__m128i h)
{
    return _mm_add_epi32(_mm_slli_epi32(h, 13), _mm_set1_epi32((int)DC_F16_F32_2P32));
}

DC_AVX2 static inline __m256i dc_avx2_f16_scaled(__m256i h)
{
    return _mm256_add_epi32(_mm256_slli_epi32(h, 13), _mm256_set1_epi32((int)DC_F16_F32_2P32));
}

#endif /* DC_HAVE_X86_KERNELS */

#endif /* DC_KERNELS_X86_H */
