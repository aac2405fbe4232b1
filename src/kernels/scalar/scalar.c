/* scalar.c - the portable reference kernel set: one element at a time with the exact
 * quantisation of quantize.c (default format; any K: common.h's dc_scaled_bits) and the
 * clamped counts of common.h (python-0.1). Every other set must return exactly what this one returns. */
#include "kernels/common.h"

static int sum32_ref(const void *dist, int dtype, size_t begin, size_t end, uint64_t *sum)
{
    uint64_t s = 0;
    for (size_t i = begin; i < end; i++) {
        if (dc_elem_bits(dist, dtype, i) >= dc_one_bits(dtype))
            return 0;
        s += dc_quantize_one(dist, dtype, i, 32);
    }
    *sum = s;
    return 1;
}

static int blocks32_ref(const void *dist, int dtype, size_t n, uint64_t *out)
{
    uint64_t s = 0;
    for (size_t i = 0; i < n; i++) {
        if (dc_elem_bits(dist, dtype, i) >= dc_one_bits(dtype))
            return 0;
        s += dc_quantize_one(dist, dtype, i, 32);
        if ((i + 1) % DC_BLOCK_SIZE == 0 || i + 1 == n)
            out[i / DC_BLOCK_SIZE] = s;
    }
    return 1;
}

/* The table wants one function per dtype. */
#define REF_KERNELS(dt, dtype)                                                                 \
    static int sum32_ref_##dt(const void *d, size_t b, size_t e, uint64_t *s)                  \
    {                                                                                          \
        return sum32_ref(d, dtype, b, e, s);                                                   \
    }                                                                                          \
    static int blocks32_ref_##dt(const void *d, size_t n, uint64_t *o)                         \
    {                                                                                          \
        return blocks32_ref(d, dtype, n, o);                                                   \
    }
REF_KERNELS(f32, DC_DTYPE_F32)
REF_KERNELS(f64, DC_DTYPE_F64)
REF_KERNELS(f16, DC_DTYPE_F16)
REF_KERNELS(bf16, DC_DTYPE_BF16)

/* General scale (kernels.h): one element at a time. */
uint64_t dc_scaled_one(const void *dist, int dtype, size_t i, int k)
{
    return dc_scaled_bits(dc_elem_bits(dist, dtype, i), dtype, k);
}

static void sumk_ref(const void *dist, int dtype, size_t begin, size_t end, int k,
                     uint64_t *sum, dc_scan_info *info)
{
    uint64_t s = 0;
    for (size_t i = begin; i < end; i++) {
        dc_scaled_scan_bits(dc_elem_bits(dist, dtype, i), dtype, info);
        s += dc_scaled_one(dist, dtype, i, k);
    }
    *sum += s;
}

static void blocksk_ref(const void *dist, int dtype, size_t n, int k, uint64_t *out,
                        dc_scan_info *info)
{
    uint64_t s = 0;
    for (size_t i = 0; i < n; i++) {
        dc_scaled_scan_bits(dc_elem_bits(dist, dtype, i), dtype, info);
        s += dc_scaled_one(dist, dtype, i, k);
        if ((i + 1) % DC_BLOCK_SIZE == 0 || i + 1 == n)
            out[i / DC_BLOCK_SIZE] = s;
    }
}

#define REF_KERNELS_K(dt, dtype)                                                               \
    void dc_sumk_ref_##dt(const void *d, size_t b, size_t e, int k, uint64_t *s,               \
                          dc_scan_info *in)                                                    \
    {                                                                                          \
        sumk_ref(d, dtype, b, e, k, s, in);                                                    \
    }                                                                                          \
    void dc_blocksk_ref_##dt(const void *d, size_t n, int k, uint64_t *o, dc_scan_info *in)    \
    {                                                                                          \
        blocksk_ref(d, dtype, n, k, o, in);                                                    \
    }
REF_KERNELS_K(f32, DC_DTYPE_F32)
REF_KERNELS_K(f64, DC_DTYPE_F64)
REF_KERNELS_K(f16, DC_DTYPE_F16)
REF_KERNELS_K(bf16, DC_DTYPE_BF16)

/* python-0.1 block kernels dc_py01_blk_<dt> (kernels.h). Elements are read with memcpy:
   any alignment, no aliasing assumptions. Two accumulators per quantity halve the
   dependency chains. */
#define DC_PY01_SCALAR_BLK(dt, ELEM)                                                           \
    void dc_py01_blk_##dt(const unsigned char *p, size_t count, dc_py01_blk *out)              \
    {                                                                                          \
        uint64_t s0 = 0, s1 = 0, m0 = 0, m1 = 0;                                               \
        ELEM r0 = 0, r1 = 0;                                                                   \
        size_t i = 0;                                                                          \
        for (; i + 2 <= count; i += 2) {                                                       \
            ELEM b0, b1;                                                                       \
            memcpy(&b0, p + i * sizeof b0, sizeof b0);                                         \
            memcpy(&b1, p + (i + 1) * sizeof b1, sizeof b1);                                   \
            const uint64_t c0 = dc_py01_cl_##dt(b0), c1 = dc_py01_cl_##dt(b1);                 \
            s0 += c0;                                                                          \
            s1 += c1;                                                                          \
            m0 = c0 > m0 ? c0 : m0;                                                            \
            m1 = c1 > m1 ? c1 : m1;                                                            \
            r0 = b0 > r0 ? b0 : r0;                                                            \
            r1 = b1 > r1 ? b1 : r1;                                                            \
        }                                                                                      \
        if (i < count) {                                                                       \
            ELEM b0;                                                                           \
            memcpy(&b0, p + i * sizeof b0, sizeof b0);                                         \
            const uint64_t c0 = dc_py01_cl_##dt(b0);                                           \
            s0 += c0;                                                                          \
            m0 = c0 > m0 ? c0 : m0;                                                            \
            r0 = b0 > r0 ? b0 : r0;                                                            \
        }                                                                                      \
        out->sum = s0 + s1;                                                                    \
        out->max = m0 > m1 ? m0 : m1;                                                          \
        out->raw = r0 > r1 ? r0 : r1;                                                          \
    }
DC_PY01_SCALAR_BLK(f32, uint32_t)
DC_PY01_SCALAR_BLK(f64, uint64_t)
DC_PY01_SCALAR_BLK(f16, uint16_t)
DC_PY01_SCALAR_BLK(bf16, uint16_t)

const dc_kernels dc_kernels_scalar = {
    "scalar",
    {sum32_ref_f32, sum32_ref_f64, sum32_ref_f16, sum32_ref_bf16},
    {blocks32_ref_f32, blocks32_ref_f64, blocks32_ref_f16, blocks32_ref_bf16},
    {dc_py01_blk_f32, dc_py01_blk_f64, dc_py01_blk_f16, dc_py01_blk_bf16},
    {dc_sumk_ref_f32, dc_sumk_ref_f64, dc_sumk_ref_f16, dc_sumk_ref_bf16},
    {dc_blocksk_ref_f32, dc_blocksk_ref_f64, dc_blocksk_ref_f16, dc_blocksk_ref_bf16},
};
