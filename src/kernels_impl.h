/* kernels_impl.h - what the kernel sets share: which SIMD sets this target compiles, and
 * exact per-element floor(p * 2^32) from the raw bits, inline.
 *
 * Used by the SIMD kernels for their tails and slow blocks, and by the decoder's scan of
 * one block. Each function takes the element's bits, which the caller has checked are
 * below the bits of 1.0 (a value in [+0, 1)), and returns exactly what
 * dc_quantize_one(dist, dtype, i, 32) returns for it. Integer shifts only. */
#ifndef DC_KERNELS_IMPL_H
#define DC_KERNELS_IMPL_H

#include <stdint.h>
#include <string.h>

#include "quantize.h"

/* x86-64 with GCC or Clang: SSE2 (baseline) and AVX2 (chosen at run time). */
#if defined(__x86_64__) && defined(__GNUC__)
#define DC_HAVE_X86_KERNELS 1
extern const dc_kernels dc_kernels_sse2;
extern const dc_kernels dc_kernels_avx2;
int dc_cpu_has_avx2(void);
#endif

/* wasm with SIMD128 enabled at compile time (-msimd128). */
#if defined(__wasm_simd128__)
#define DC_HAVE_WASM_KERNELS 1
extern const dc_kernels dc_kernels_wasm_simd128;
#endif

/* Bits of 1.0: an element is in [+0, 1) exactly when its bits are below (unsigned). */
#define DC_ONE_F32 0x3f800000u
#define DC_ONE_F64 0x3ff0000000000000u
#define DC_ONE_F16 0x3c00u
#define DC_ONE_BF16 0x3f80u

/* f32 with bits b < 1.0: (2^23 + m) * 2^(e - 118), computed as ((2^23 + m) << 8) >> (126 - e)
   without branches; subnormals (e = 0) and tiny values shift everything out. */
static inline uint32_t dc_u32_f32(uint32_t b)
{
    const uint64_t m = (uint64_t)((b & 0x7fffffu) | 0x800000u) << 8;
    const uint32_t sh = 126 - (b >> 23);
    return (uint32_t)(m >> (sh < 63 ? sh : 63));
}

/* f64 with bits b < 1.0: (2^52 + m) >> (1043 - e); subnormals give 0. */
static inline uint32_t dc_u32_f64(uint64_t b)
{
    const uint64_t m = (b & 0xfffffffffffffu) | ((uint64_t)1 << 52);
    const uint32_t sh = 1043 - (uint32_t)(b >> 52);
    return (uint32_t)(m >> (sh < 63 ? sh : 63));
}

/* f16 with bits h < 1.0: subnormal m << 8, normal (2^10 + m) << (e + 7); with
   e1 = max(e, 1) both are (h + 2^10 - (e1 << 10)) << (e1 + 7). Always exact. */
static inline uint32_t dc_u32_f16(uint32_t h)
{
    h &= 0x7fffu; /* -0.0 gives 0 (the other dtypes' shifts give 0 for it as well) */
    const uint32_t e = h >> 10, e1 = e > 1 ? e : 1;
    return (h + 0x400u - (e1 << 10)) << (e1 + 7);
}

/* bf16 with bits h < 1.0: the f32 whose top half it is. */
static inline uint32_t dc_u32_bf16(uint32_t h)
{
    return dc_u32_f32(h << 16);
}

/* Checked element readers: *u = floor(p_i * 2^32), returns 0 when p_i is not in [+0, 1). */
static inline int dc_elem_f32(const unsigned char *p, size_t i, uint32_t *u)
{
    uint32_t b;
    memcpy(&b, p + 4 * i, 4);
    *u = b < DC_ONE_F32 ? dc_u32_f32(b) : 0;
    return b < DC_ONE_F32;
}

static inline int dc_elem_f64(const unsigned char *p, size_t i, uint32_t *u)
{
    uint64_t b;
    memcpy(&b, p + 8 * i, 8);
    *u = dc_u32_f64(b);
    return b < DC_ONE_F64;
}

static inline int dc_elem_f16(const unsigned char *p, size_t i, uint32_t *u)
{
    uint16_t b;
    memcpy(&b, p + 2 * i, 2);
    *u = b < DC_ONE_F16 ? dc_u32_f16(b) : 0;
    return b < DC_ONE_F16;
}

static inline int dc_elem_bf16(const unsigned char *p, size_t i, uint32_t *u)
{
    uint16_t b;
    memcpy(&b, p + 2 * i, 2);
    *u = b < DC_ONE_BF16 ? dc_u32_bf16(b) : 0;
    return b < DC_ONE_BF16;
}

/* Adds the elements [from, count) of p to *s; 0 when one is not in [+0, 1). */
#define DC_DEFINE_TAIL(dt)                                                               \
    static inline int dc_tail_##dt(const unsigned char *p, size_t from, size_t count,     \
                                   uint64_t *s)                                         \
    {                                                                                   \
        uint64_t acc = 0;                                                               \
        for (size_t i = from; i < count; i++) {                                         \
            uint32_t u;                                                                 \
            if (!dc_elem_##dt(p, i, &u))                                                \
                return 0;                                                               \
            acc += u;                                                                   \
        }                                                                               \
        *s += acc;                                                                      \
        return 1;                                                                       \
    }
DC_DEFINE_TAIL(f32)
DC_DEFINE_TAIL(f64)
DC_DEFINE_TAIL(f16)
DC_DEFINE_TAIL(bf16)

/* Sums count <= DC_BLOCK_SIZE elements with blk: the multiple of DC_PAD in place, the
   rest (a range that does not end on a vector) copied to a zeroed DC_PAD-element buffer
   and summed as one more full vector group: zeros are in range and add nothing. This
   replaces a scalar tail, which is most of the cost of small vocabularies. */
#define DC_PAD 16
#define DC_BLK_PADDED(blk, p, count, esize, sum)                                         \
    do {                                                                                \
        const size_t main_ = (count) & ~(size_t)(DC_PAD - 1);                           \
        uint64_t s_ = 0, t_ = 0;                                                        \
        int ok_ = main_ == 0 || blk((p), main_, &s_);                                   \
        if (ok_ && (count) > main_) {                                                   \
            uint64_t pad_[DC_PAD]; /* DC_PAD elements of up to 8 bytes, aligned */      \
            memset(pad_, 0, sizeof pad_);                                               \
            memcpy(pad_, (p) + (esize) * main_, (esize) * ((count) - main_));           \
            ok_ = blk((const unsigned char *)pad_, (size_t)DC_PAD, &t_);                \
        }                                                                               \
        if (!ok_)                                                                       \
            return 0;                                                                   \
        *(sum) = s_ + t_;                                                               \
    } while (0)

/* blk on the whole range (its own scalar tail handles a partial vector group). */
#define DC_BLK_PLAIN(blk, p, count, esize, sum)                                          \
    do {                                                                                \
        if (!blk((p), (count), (sum)))                                                  \
            return 0;                                                                   \
    } while (0)

/* sum32 and blocks32 of one dtype from blk(p, count, &sum), which sums count <=
   DC_BLOCK_SIZE elements exactly and returns 0 when one is not in [+0, 1). Each block
   goes through DC_BLK_CALL, which the including file defines as DC_BLK_PADDED or
   DC_BLK_PLAIN (whichever measured faster for its kernels: padded on x86, plain in wasm,
   where the extra call costs more than the scalar tail). */
#define DC_DEFINE_DRIVERS(attr, set, dt, esize, blk)                                     \
    attr static int set##_sum32_##dt(const void *dist, size_t begin, size_t end,        \
                                     uint64_t *sum)                                     \
    {                                                                                   \
        const unsigned char *p = (const unsigned char *)dist + (esize) * begin;         \
        size_t left = end - begin;                                                      \
        uint64_t s = 0;                                                                 \
        while (left > 0) {                                                              \
            const size_t c = left < DC_BLOCK_SIZE ? left : DC_BLOCK_SIZE;               \
            uint64_t b;                                                                 \
            DC_BLK_CALL(blk, p, c, esize, &b);                                          \
            s += b;                                                                     \
            p += (esize) * c;                                                           \
            left -= c;                                                                  \
        }                                                                               \
        *sum = s;                                                                       \
        return 1;                                                                       \
    }                                                                                   \
    attr static int set##_blocks32_##dt(const void *dist, size_t n, uint64_t *out)      \
    {                                                                                   \
        const unsigned char *p = (const unsigned char *)dist;                           \
        uint64_t s = 0;                                                                 \
        for (size_t i = 0; i < n; i += DC_BLOCK_SIZE) {                                 \
            const size_t c = n - i < DC_BLOCK_SIZE ? n - i : DC_BLOCK_SIZE;             \
            uint64_t b;                                                                 \
            DC_BLK_CALL(blk, p + (esize) * i, c, esize, &b);                            \
            s += b;                                                                     \
            out[i / DC_BLOCK_SIZE] = s;                                                 \
        }                                                                               \
        return 1;                                                                       \
    }

/* floor(dist[i] * 2^32) for an element known to be in [+0, 1) or -0.0. */
static inline uint64_t dc_u32_at(const void *dist, int dtype, size_t i)
{
    const unsigned char *p = (const unsigned char *)dist;
    switch (dtype) {
    case DC_DTYPE_F32: { uint32_t b; memcpy(&b, p + 4 * i, 4); return dc_u32_f32(b); }
    case DC_DTYPE_F64: { uint64_t b; memcpy(&b, p + 8 * i, 8); return dc_u32_f64(b); }
    case DC_DTYPE_F16: { uint16_t b; memcpy(&b, p + 2 * i, 2); return dc_u32_f16(b); }
    default: { uint16_t b; memcpy(&b, p + 2 * i, 2); return dc_u32_bf16(b); }
    }
}

/* The decoder's scan of one block at scale 2^32 (every element is known to be in [+0, 1)
   or -0.0, which the slow path lets through):
   from element k with prefix z = Z_k < threshold, advance while k + 1 < n and
   Z_{k+1} = z + u_k + unit < threshold. Returns the final k; *z = Z_k, *u = u_k. */
#define DC_SCAN_LOOP(dt, T)                                                              \
    do {                                                                                \
        const unsigned char *p = (const unsigned char *)dist;                           \
        T b;                                                                            \
        memcpy(&b, p + sizeof(T) * k, sizeof(T));                                       \
        uint64_t uk = dc_u32_##dt(b);                                                   \
        while (k + 1 < n && zk + uk + unit < threshold) {                               \
            zk += uk + unit;                                                            \
            k++;                                                                        \
            memcpy(&b, p + sizeof(T) * k, sizeof(T));                                   \
            uk = dc_u32_##dt(b);                                                        \
        }                                                                               \
        *u = uk;                                                                        \
    } while (0)

static inline size_t dc_scan_block32(const dc_kernels *kern, const void *dist, int dtype,
                                     size_t k, size_t n, uint64_t unit, uint64_t threshold,
                                     uint64_t *z, uint64_t *u)
{
    uint64_t zk = *z;
    /* Z is strictly increasing: jump over half, a quarter, ... of the block (down to 16
       elements) with the SIMD sum while Z at the far end is still below the threshold.
       A sum the kernel refuses (-0.0 on the slow path) is simply not jumped over. */
    for (size_t m = DC_BLOCK_SIZE / 2; m >= 16; m /= 2) {
        uint64_t s;
        if (k + m < n && kern->sum32[dtype](dist, k, k + m, &s) &&
            zk + s + m * unit < threshold) {
            zk += s + m * unit;
            k += m;
        }
    }
    switch (dtype) {
    case DC_DTYPE_F32: DC_SCAN_LOOP(f32, uint32_t); break;
    case DC_DTYPE_F64: DC_SCAN_LOOP(f64, uint64_t); break;
    case DC_DTYPE_F16: DC_SCAN_LOOP(f16, uint16_t); break;
    default: DC_SCAN_LOOP(bf16, uint16_t); break;
    }
    *z = zk;
    return k;
}

#endif /* DC_KERNELS_IMPL_H */
