/* kernels.c - the registry: chooses the fastest kernel set this build and CPU can run, for
 * both formats. No state: the choice is recomputed on each call from what the CPU reports
 * (a cheap load and test), so it is the same on every call of a process. */
#include "kernels/kernels.h"

#if defined(DC_HAVE_X86_KERNELS)

/* The one CPU probe. */
int dc_cpu_has_avx2(void)
{
    return __builtin_cpu_supports("avx2") ? 1 : 0;
}

static const dc_kernels *const sets[] = {&dc_kernels_avx2, &dc_kernels_sse2, &dc_kernels_scalar,
                                         NULL};

const dc_kernels *const *dc_kernels_available(void)
{
    return dc_cpu_has_avx2() ? sets : sets + 1; /* without AVX2, skip the first entry */
}

#elif defined(DC_HAVE_WASM_KERNELS)

static const dc_kernels *const sets[] = {&dc_kernels_wasm_simd128, &dc_kernels_scalar, NULL};

const dc_kernels *const *dc_kernels_available(void)
{
    return sets;
}

#else

static const dc_kernels *const sets[] = {&dc_kernels_scalar, NULL};

const dc_kernels *const *dc_kernels_available(void)
{
    return sets;
}

#endif

const dc_kernels *dc_kernels_active(void)
{
    return dc_kernels_available()[0];
}

const char *dc_py01_test_block(int set, int dtype, const void *p, size_t count,
                               uint64_t out[3])
{
    const dc_kernels *const *avail = dc_kernels_available();
    for (int i = 0; i < set; i++)
        if (!avail[i])
            return NULL;
    if (!avail[set] || dtype < 0 || dtype > 3 || count > DC_BLOCK_SIZE)
        return NULL;
    dc_py01_blk r;
    avail[set]->py01_blk[dtype]((const unsigned char *)p, count, &r);
    out[0] = r.sum;
    out[1] = r.max;
    out[2] = r.raw;
    return avail[set]->name;
}
